//! The command line, as SPEC.md describes it: clap types only, no logic.
//!
//! In: `argv` and the `NAHAR_*` environment. Out: a parsed [`Cli`].
//! Never: reads files, touches the network, or decides exit statuses (that is `main.rs`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "nahar",
    version,
    about = "News ingestion with honest language and direction labels for mixed Hebrew/English text"
)]
pub struct Cli {
    /// Log filter, RUST_LOG style (`info`, `nahar=debug`, `warn,nahar::fetch=trace`).
    #[arg(
        long,
        global = true,
        env = "NAHAR_LOG",
        value_name = "FILTER",
        default_value = "info"
    )]
    pub log_level: String,

    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One pass over all (or the named) sources: write new and changed records, then exit.
    Fetch(FetchArgs),
    /// The daemon: poll every source on its interval until SIGINT/SIGTERM; SIGHUP reloads.
    Run(ConfigArg),
    /// Validate the config file and print the resolved sources.
    Check(ConfigArg),
    /// Run the text pipeline on TEXT (or stdin) and print {text, lang, dir, scripts, mixed, runs}.
    Detect(DetectArgs),
    /// Read one article page and print the record nahar would build from it; writes nothing.
    Extract(ExtractArgs),
    /// Feed readers' subscription lists: add an OPML file's feeds to the config, or print the
    /// config's feeds as OPML.
    #[command(subcommand)]
    Opml(OpmlCommand),
    /// Records delivered elsewhere, as JSON Lines: the NATS stream of `[output] kind = "nats"`.
    #[command(subcommand)]
    Records(RecordsCommand),
    /// The group of `nahar run` instances sharing the sources through `[nats]`.
    #[command(subcommand)]
    Cluster(ClusterCommand),
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// List the live instances, the hosts each holds and how far behind its schedule each is,
    /// and the configured hosts no instance holds.
    Status(ClusterStatusArgs),
}

#[derive(Debug, Args)]
pub struct ClusterStatusArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    /// Print JSON ({"instances": [...], "unheld": [...]}) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum RecordsCommand {
    /// Write the records of the NATS stream out as JSON Lines, in the order the stream received
    /// them: on stdout, or as daily files (by `ingested`) in a new directory.
    Export(RecordsExportArgs),
}

#[derive(Debug, Args)]
pub struct RecordsExportArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    /// Where the records are: the stream of the config's `[nats]`.
    #[arg(long, value_enum)]
    pub from: RecordsFrom,

    /// Only records the stream received on or after this day (YYYY-MM-DD, UTC) or moment
    /// (RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Write `DIR/YYYY-MM-DD.jsonl` files instead of stdout; DIR must be new or empty.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RecordsFrom {
    Nats,
}

#[derive(Debug, Subcommand)]
pub enum OpmlCommand {
    /// Append one [[source]] per feed of FILE that the config does not have yet (comments and
    /// layout of the config are kept; the config is created when it does not exist).
    Import(OpmlImportArgs),
    /// Print the config's feed sources as OPML 2.0, grouped by their tags.
    Export(ConfigArg),
}

#[derive(Debug, Args)]
pub struct OpmlImportArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    /// Print what would be added; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// The OPML file (1.0 or 2.0), as a feed reader exports it.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The config file [default: $NAHAR_CONFIG, then ./nahar.toml, then ./config/nahar.toml;
    /// built-in defaults when none exists].
    #[arg(
        short = 'c',
        long = "config",
        value_name = "FILE",
        env = "NAHAR_CONFIG"
    )]
    pub config: Option<PathBuf>,

    /// Apply this source's settings (`[source.extract]`, `lang_hint`, `encoding`, `timezone`).
    #[arg(long = "source", value_name = "NAME")]
    pub source: Option<String>,

    /// An http(s):// URL, a file:// URL or a path to a saved page.
    #[arg(value_name = "URL|PATH")]
    pub target: String,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Treat each input line as one segment and print JSON Lines, one object per line, in order.
    #[arg(long)]
    pub lines: bool,

    /// The language the source declares (`he`, `iw`, `en-US`…): used where detection cannot tell.
    #[arg(long, value_name = "LANG")]
    pub hint: Option<String>,

    /// Candidate languages, comma separated (default: he,en,ar,ru,yi,fr; empty: all known).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub languages: Option<Vec<String>>,

    /// The text; read from stdin when absent.
    pub text: Option<String>,
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The config file [default: $NAHAR_CONFIG, then ./nahar.toml, then ./config/nahar.toml].
    #[arg(
        short = 'c',
        long = "config",
        value_name = "FILE",
        env = "NAHAR_CONFIG"
    )]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    #[command(flatten)]
    pub config: ConfigArg,

    /// Only this source (repeatable).
    #[arg(long = "source", value_name = "NAME")]
    pub sources: Vec<String>,

    /// Output directory instead of `[output] dir`; `-` writes JSON Lines to stdout (state is
    /// still kept in `[output] dir`, so each item is printed once).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}
