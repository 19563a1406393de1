//! Configuration: one TOML file in, a validated [`Config`] out (SPEC.md, "Configuration").
//!
//! In: the path of a TOML file. Out: [`Config`] with `[defaults]` applied to every source,
//! durations and sizes parsed, relative paths resolved against the file's directory — or
//! [`ConfigErrors`], *every* problem of the file at once, each with file:line:column.
//! Never: a partial config, a silently ignored key (unknown keys are errors: a typo must not
//! disable a setting), network access, or any file other than the one named.

mod edit;
mod load;
mod units;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

pub use crate::dates::NaiveTimezone;
use crate::text::Lang;

pub use edit::{EditError, NewSource, append_sources};
pub use load::{load, parse};
pub use units::{MAX_DURATION, format_duration, parse_duration, parse_size};

/// A validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    pub output: OutputConfig,
    pub http: HttpConfig,
    /// `[service]`: only `nahar run` uses it; `None` when the table is absent.
    pub service: Option<ServiceConfig>,
    /// `[nats]`: the JetStream server records are published to with `[output] kind = "nats"`;
    /// `None` when the table is absent.
    pub nats: Option<NatsConfig>,
    pub defaults: Defaults,
    pub sources: Vec<SourceConfig>,
}

impl Config {
    pub fn source(&self, name: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|s| s.name == name)
    }
}

/// `[output]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputConfig {
    /// Where records go. Default [`OutputKind::Files`].
    pub kind: OutputKind,
    /// Records go to `<dir>/records/` (with `kind = "files"`), state to `<dir>/state/`.
    /// Default `data`.
    pub dir: PathBuf,
    /// Memory the documents being parsed and written at once may take, in bytes (estimated from
    /// their size, see `pipeline`). Default [`DEFAULT_MEMORY_BUDGET`].
    pub memory_budget: u64,
}

/// `[output] kind`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OutputKind {
    /// JSON Lines files in `<dir>/records/`.
    #[default]
    Files,
    /// Messages on a NATS JetStream stream (`[nats]`), one record each.
    Nats,
}

/// `[nats]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatsConfig {
    /// Server URLs (`nats://host:port`, `tls://host:port`): any members of the cluster.
    pub servers: Vec<Url>,
    /// A NATS credentials file (JWT and NKey seed), resolved against the config's directory.
    pub credentials: Option<PathBuf>,
    /// Names the stream (`<PREFIX>_RECORDS`) and its subjects (`<prefix>.records.<source>`).
    /// Default `nahar`.
    pub prefix: String,
    /// Replicas of the stream and the key-value buckets nahar creates. Default 3.
    pub replicas: usize,
    /// How long an instance holds its hosts without renewing (`nahar run`): an instance that
    /// dies loses them this long after its last renewal. Default 15 s.
    pub lease: Duration,
}

impl NatsConfig {
    /// The stream records are published to: `nahar` → `NAHAR_RECORDS`.
    pub fn stream(&self) -> String {
        format!("{}_RECORDS", self.prefix.to_ascii_uppercase())
    }

    /// The subject of a source's records: `nahar.records.<source>`.
    pub fn subject(&self, source: &str) -> String {
        format!("{}.records.{source}", self.prefix)
    }

    /// A key-value bucket of the group: `nahar`, `LEASES` → `NAHAR_LEASES`.
    pub fn bucket(&self, what: &str) -> String {
        format!("{}_{what}", self.prefix.to_ascii_uppercase())
    }
}

/// What a build without the `nats` feature says when asked for NATS (it is off by default).
pub const WITHOUT_NATS: &str = "this nahar was built without NATS support (the `nats` cargo feature, off by default): build it with `cargo install --locked --path . --features nats`";

/// `[nats] prefix` when the config does not say.
pub const DEFAULT_NATS_PREFIX: &str = "nahar";
/// `[nats] replicas` when the config does not say: a three-node cluster's every node.
pub const DEFAULT_NATS_REPLICAS: usize = 3;
/// `[nats] lease` when the config does not say.
pub const DEFAULT_NATS_LEASE: Duration = Duration::from_secs(15);
/// The shortest `[nats] lease`: renewals go every third of it, and a renewal is a round trip
/// through the cluster's Raft.
pub const MIN_NATS_LEASE: Duration = Duration::from_secs(2);
/// The longest `[nats] lease`: the hosts of an instance that died wait this long.
pub const MAX_NATS_LEASE: Duration = Duration::from_secs(600);

/// `[output] memory_budget` when the config does not say: `"256MB"` (sizes are binary: MB is
/// 2^20 bytes, as `max_body` reads them). Twenty 10 MB feeds of tiny items at once peak at
/// 515–630 MiB with it (3.0 GiB without a budget).
pub const DEFAULT_MEMORY_BUDGET: u64 = 256 * 1024 * 1024;

/// `[http]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    pub user_agent: String,
    /// Whole-request timeout (connect, headers and body). Default 20 s.
    pub timeout: Duration,
    /// Largest body accepted, in bytes, counted while streaming (after decompression).
    /// Default 10 MB.
    pub max_body: u64,
    /// Requests in flight to one host at a time, across sources. Default 2; at least 1.
    pub per_host_concurrency: usize,
    /// Minimum gap between the starts of two requests to one host. Default 1 s; `0s` allowed.
    pub per_host_delay: Duration,
    /// Links found in fetched content may point at private addresses. Default false.
    pub allow_private_links: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            timeout: Duration::from_secs(20),
            max_body: 10_000_000,
            per_host_concurrency: 2,
            per_host_delay: Duration::from_secs(1),
            allow_private_links: false,
        }
    }
}

pub const DEFAULT_USER_AGENT: &str = concat!(
    "nahar/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/nahar-news/nahar)"
);

/// `[service]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// Where `/health` and `/metrics` are served; `None`: not served.
    pub listen: Option<SocketAddr>,
    /// How long SIGTERM waits for in-flight work. Default 30 s.
    pub shutdown_grace: Duration,
}

/// A poll interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Every(Duration),
    /// `"auto"`: learned from how often the source publishes.
    Auto,
}

/// `[defaults]`, as given (sources have them applied already).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    /// Default 10 min.
    pub interval: Interval,
    /// Bounds for the interval after server hints. Defaults 1 min and 1 day; `min_interval`
    /// may be as low as 1 s.
    pub min_interval: Duration,
    pub max_interval: Duration,
    pub follow_links: bool,
    /// Candidate languages (default `he en ar ru yi fr`); empty means all nahar knows.
    pub languages: Vec<Lang>,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            interval: Interval::Every(Duration::from_secs(600)),
            min_interval: Duration::from_secs(60),
            max_interval: Duration::from_secs(86_400),
            follow_links: false,
            languages: crate::text::DEFAULT_LANGUAGES
                .iter()
                .filter_map(|c| Lang::parse(c))
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// RSS 0.9x/1.0/2.0, Atom or JSON Feed.
    Feed,
    /// An HTML listing page turned into items by `[source.select]`.
    Page,
}

/// Where a source is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceLocation {
    Http(Url),
    /// A local file, or a folder whose files are each one document. Written `file:///abs` or,
    /// relative to the config file's directory, `file:relative/path`.
    File(PathBuf),
}

impl SourceLocation {
    /// The URL as shown in messages, logs, `/health` and `check`: credentials masked
    /// ([`crate::shown::url`]), file paths made absolute.
    pub fn display_url(&self) -> String {
        match self {
            // Shown in logs, `/health`, `check` and the summary: never with its credentials.
            SourceLocation::Http(url) => crate::shown::url(url),
            // A config given by a relative path yields relative file paths: shown as written they
            // would read as a host (`file://config/…`), so they are made absolute first.
            SourceLocation::File(path) => std::path::absolute(path)
                .ok()
                .and_then(|absolute| Url::from_file_path(absolute).ok())
                .map_or_else(|| format!("file://{}", path.display()), |u| u.to_string()),
        }
    }
}

/// `[source.select]`: CSS selectors for `kind = "page"`; `sel@attr` takes an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSelectors {
    pub item: String,
    pub link: String,
    pub title: Option<String>,
    pub published: Option<String>,
    /// How the site writes `published` when it is not an ISO or RFC date (strftime-style,
    /// read in the source's `timezone`): `"%H:%M | %d.%m.%y"`.
    pub published_format: Option<String>,
    pub summary: Option<String>,
}

/// `[source.extract]`: a source's own article-extraction rules (CSS selectors, checked when the
/// config is read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtractRules {
    /// The article body, when the generic algorithm picks the wrong element.
    pub body: Option<String>,
    /// Elements dropped before anything else (a site's share bar, its "read also" box).
    pub remove: Vec<String>,
}

/// One `[[source]]`, with `[defaults]` applied.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceConfig {
    /// Unique, `[a-z0-9_-]+`.
    pub name: String,
    pub kind: SourceKind,
    pub location: SourceLocation,
    pub interval: Interval,
    pub follow_links: bool,
    /// A prior for short text when the source itself declares no language.
    pub lang_hint: Option<Lang>,
    /// Overrides every other charset signal.
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// How to read timestamps that carry no zone. Default UTC.
    pub timezone: NaiveTimezone,
    pub select: Option<PageSelectors>,
    pub extract: ExtractRules,
    /// What a person calls the source ("כאן חדשות"); shown by `check` and exported to OPML.
    pub title: Option<String>,
    /// The source's category path, outermost first (OPML folders).
    pub tags: Vec<String>,
    /// The publisher's web site (OPML `htmlUrl`).
    pub site: Option<Url>,
}

impl SourceConfig {
    /// A source with nothing set but its name, kind and location: `defaults` apply, timestamps
    /// without a zone are UTC.
    pub fn new(
        name: &str,
        kind: SourceKind,
        location: SourceLocation,
        defaults: &Defaults,
    ) -> Self {
        SourceConfig {
            name: name.to_owned(),
            kind,
            location,
            interval: defaults.interval,
            follow_links: defaults.follow_links,
            lang_hint: None,
            encoding: None,
            timezone: NaiveTimezone::Fixed(0),
            select: None,
            extract: ExtractRules::default(),
            title: None,
            tags: Vec::new(),
            site: None,
        }
    }

    pub fn display_url(&self) -> String {
        self.location.display_url()
    }
}

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based; 0 when the problem has no place in the file (it could not be read).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// `FILE:LINE:COLUMN: message`, or `FILE: message` for a problem that has no place in the file.
impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

/// Every problem found in a config file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The places a config is looked for when `-c` (or `$NAHAR_CONFIG`) does not name one, in order.
pub const SEARCH_PATH: [&str; 2] = ["nahar.toml", "config/nahar.toml"];

/// No config file was named and none is at the usual places.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no config file: none given with -c FILE or $NAHAR_CONFIG, and neither ./nahar.toml nor ./config/nahar.toml exists"
)]
pub struct ConfigNotFound;

/// The config file to read: `given` (from `-c` or `$NAHAR_CONFIG`) as it is — reading it says
/// whether it exists — else the first of [`SEARCH_PATH`] that exists (SPEC.md).
pub fn locate(given: Option<&Path>) -> Result<PathBuf, ConfigNotFound> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    SEARCH_PATH
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .ok_or(ConfigNotFound)
}
