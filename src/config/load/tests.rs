//! The config checker's tests: every section, every error message and its place.

use std::net::SocketAddr;
use std::path::PathBuf;

use url::Url;

use super::*;
use crate::config::{
    Defaults, HttpConfig, NaiveTimezone, OutputConfig, OutputKind, PageSelectors, ServiceConfig,
    SourceConfig, SourceKind, SourceLocation,
};

fn dir() -> PathBuf {
    PathBuf::from("/etc/nahar")
}

fn config_path() -> PathBuf {
    dir().join("nahar.toml")
}

fn ok(text: &str) -> Config {
    parse(text, &config_path()).unwrap_or_else(|e| panic!("expected a valid config:\n{e}"))
}

/// Every error as `line:column: message`, in the order reported.
fn errors(text: &str) -> Vec<String> {
    match parse(text, &config_path()) {
        Ok(config) => panic!("expected errors, got {config:#?}"),
        Err(ConfigErrors(errors)) => errors
            .iter()
            .map(|e| format!("{}:{}: {}", e.line, e.column, e.message))
            .collect(),
    }
}

fn lang(code: &str) -> Lang {
    Lang::parse(code).unwrap_or_else(|| panic!("unknown test language {code}"))
}

fn http_url(s: &str) -> SourceLocation {
    SourceLocation::Http(Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}")))
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The example of SPEC.md, "Configuration (TOML)", verbatim.
const SPEC_EXAMPLE: &str = r#"
[output]
dir = "data"                  # records in data/records/, state in data/state/

[http]
user_agent = "nahar/0.1 (+https://example.org/nahar)"
timeout = "20s"
max_body = "10MB"
per_host_concurrency = 2
per_host_delay = "1s"         # minimum gap between two requests to one host, across sources
allow_private_links = false   # links found inside fetched content (followed article links, redirects
                          # from them) may not point at loopback/private/link-local addresses;
                          # configured source URLs are trusted as written

[service]                     # only for `nahar run`; omit to disable
listen = "127.0.0.1:9184"     # GET /health (JSON, per-source status) and GET /metrics (Prometheus text)
shutdown_grace = "30s"        # how long SIGTERM waits for in-flight work

[defaults]
interval = "10m"              # poll interval for sources that do not set one ("auto": learn from the source)
min_interval = "1m"           # bounds on the interval after server hints (ttl, max-age, Retry-After)
max_interval = "1d"
follow_links = false          # fetch each item's page and extract the article text
languages = ["he", "en", "ar", "ru", "yi", "fr"]  # candidates the detector may answer (empty = all it knows)

[[source]]
name = "kan-news"             # unique, [a-z0-9_-]+, used in records and file names
kind = "feed"                 # feed (RSS 0.9x/1.0/2.0, Atom, JSON Feed) | page (HTML + selectors)
url = "https://example.org/rss.xml"   # http(s):// or file:// (a local file or folder of files)
interval = "5m"
follow_links = true
lang_hint = "he"              # optional prior for short text when the source itself declares nothing
encoding = "windows-1255"     # optional override when a source lies about its charset

[[source]]
name = "example-listing"
kind = "page"
url = "https://example.org/news/"
[source.select]               # CSS selectors; `sel@attr` takes an attribute instead of text
item = "article"
link = "a@href"
title = "h2"
published = "time@datetime"
"#;

#[test]
fn spec_example_parses_to_the_expected_config() {
    let expected = Config {
        path: config_path(),
        output: OutputConfig {
            kind: OutputKind::Files,
            dir: PathBuf::from("/etc/nahar/data"),
            memory_budget: crate::config::DEFAULT_MEMORY_BUDGET,
        },
        http: HttpConfig {
            user_agent: "nahar/0.1 (+https://example.org/nahar)".to_owned(),
            timeout: secs(20),
            max_body: 10 * 1024 * 1024,
            per_host_concurrency: 2,
            per_host_delay: secs(1),
            allow_private_links: false,
        },
        service: Some(ServiceConfig {
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 9184))),
            shutdown_grace: secs(30),
        }),
        nats: None,
        defaults: Defaults {
            interval: Interval::Every(secs(600)),
            min_interval: secs(60),
            max_interval: secs(86_400),
            follow_links: false,
            languages: ["he", "en", "ar", "ru", "yi", "fr"].map(lang).to_vec(),
        },
        sources: vec![
            SourceConfig {
                name: "kan-news".to_owned(),
                kind: SourceKind::Feed,
                location: http_url("https://example.org/rss.xml"),
                interval: Interval::Every(secs(300)),
                follow_links: true,
                lang_hint: Some(lang("he")),
                encoding: Some(encoding_rs::WINDOWS_1255),
                timezone: NaiveTimezone::Fixed(0),
                select: None,
                extract: crate::config::ExtractRules::default(),
                title: None,
                tags: Vec::new(),
                site: None,
            },
            SourceConfig {
                name: "example-listing".to_owned(),
                kind: SourceKind::Page,
                location: http_url("https://example.org/news/"),
                interval: Interval::Every(secs(600)),
                follow_links: false,
                lang_hint: None,
                encoding: None,
                timezone: NaiveTimezone::Fixed(0),
                select: Some(PageSelectors {
                    item: "article".to_owned(),
                    link: "a@href".to_owned(),
                    title: Some("h2".to_owned()),
                    published: Some("time@datetime".to_owned()),
                    published_format: None,
                    summary: None,
                }),
                extract: crate::config::ExtractRules::default(),
                title: None,
                tags: Vec::new(),
                site: None,
            },
        ],
    };
    assert_eq!(ok(SPEC_EXAMPLE), expected);
}

#[test]
fn minimal_config_gets_every_default() {
    let config = ok("[[source]]\nname = \"a\"\nurl = \"https://example.org/feed\"\n");
    let defaults = Defaults::default();
    let expected = Config {
        path: config_path(),
        output: OutputConfig {
            kind: OutputKind::Files,
            dir: PathBuf::from("/etc/nahar/data"),
            memory_budget: crate::config::DEFAULT_MEMORY_BUDGET,
        },
        http: HttpConfig::default(),
        service: None,
        nats: None,
        defaults: defaults.clone(),
        sources: vec![SourceConfig {
            name: "a".to_owned(),
            kind: SourceKind::Feed,
            location: http_url("https://example.org/feed"),
            interval: defaults.interval,
            follow_links: defaults.follow_links,
            lang_hint: None,
            encoding: None,
            timezone: NaiveTimezone::Fixed(0),
            select: None,
            extract: crate::config::ExtractRules::default(),
            title: None,
            tags: Vec::new(),
            site: None,
        }],
    };
    assert_eq!(config, expected);
    // The defaults of mod.rs, spelled out, so a change there is a visible change here.
    assert_eq!(config.defaults.interval, Interval::Every(secs(600)));
    assert_eq!(config.defaults.min_interval, secs(60));
    assert_eq!(config.defaults.max_interval, secs(86_400));
    assert_eq!(
        config.defaults.languages,
        ["he", "en", "ar", "ru", "yi", "fr"].map(lang).to_vec()
    );
    assert_eq!(config.http.per_host_concurrency, 2);
}

#[test]
fn empty_file_is_a_valid_config_without_sources() {
    let config = ok("");
    assert!(config.sources.is_empty());
    assert_eq!(config.service, None);
    assert_eq!(ok("# nothing yet\n[defaults]\n").sources, Vec::new());
}

#[test]
fn service_table_without_keys_gets_its_defaults() {
    let config = ok("[service]\n");
    assert_eq!(
        config.service,
        Some(ServiceConfig {
            listen: None,
            shutdown_grace: secs(30),
        })
    );
    let config = ok("[service]\nlisten = \"[::1]:9184\"\nshutdown_grace = \"0s\"\n");
    assert_eq!(
        config.service,
        Some(ServiceConfig {
            listen: Some("[::1]:9184".parse().unwrap_or_else(|e| panic!("{e}"))),
            shutdown_grace: secs(0),
        })
    );
}

#[test]
fn every_error_of_the_file_is_reported_in_file_order() {
    let text = r#"[http]
timeout = "20s"
user_agent "nahar"
timout = "5s"

[defaults]
interval = "10 minutes"
languages = ["he", "xx"]

[[source]]
name = "ynet"
url = "https://www.ynet.co.il/Integration/StoryRss2.xml"

[[source]]
name = "ynet"
url = "ftp://example.org/feed.xml"
"#;
    assert_eq!(
        errors(text),
        vec![
            "3:12: invalid TOML: key with no value, expected `=`".to_owned(),
            "4:1: unknown key `timout` in [http]; did you mean `timeout`?".to_owned(),
            r#"7:12: interval: invalid duration "10 minutes": expected a number and a unit s, m, h or d, like "10m", or "auto" to learn it from the source"#.to_owned(),
            r#"8:20: languages: unknown language code "xx": expected an ISO 639-1 code such as he, en, ar, ru, yi, fr (70 are known)"#.to_owned(),
            "15:8: duplicate source name `ynet`: already used on line 11".to_owned(),
            r#"16:7: url: unsupported scheme `ftp` in "ftp://example.org/feed.xml": expected http://, https://, file:///absolute/path or file:relative/path"#.to_owned(),
        ]
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    // "שלום" is 8 bytes but 4 characters: the 5 after it is at character 28, byte 32.
    let text = "[defaults]\nlanguages = [\"שלום\", \"en\", 5]\n";
    assert_eq!(
        errors(text),
        vec![
            r#"2:14: languages: unknown language code "שלום": expected an ISO 639-1 code such as he, en, ar, ru, yi, fr (70 are known)"#.to_owned(),
            r#"2:28: each entry of languages must be a code like "he", got an integer"#.to_owned(),
        ]
    );
}

#[test]
fn a_broken_line_is_reported_once_and_the_rest_is_still_checked() {
    let text = "[[source]]\nname \"a\"\nurl = \"https://example.org/\"\n\n[http]\nper_host_concurrency = 0\nmax_body = 10MB\n";
    assert_eq!(
        errors(text),
        vec![
            // No "missing name" for the source: its name line is the broken one.
            "2:6: invalid TOML: key with no value, expected `=`".to_owned(),
            "6:24: per_host_concurrency must be at least 1, got 0".to_owned(),
            // The parser reads 10MB as an unquoted string; no second error about it.
            "7:12: invalid TOML: string values must be quoted, expected literal string".to_owned(),
        ]
    );
}

#[test]
fn an_unclosed_bracket_is_reported_where_it_opens() {
    let text = "[defaults]\nlanguages = [\"he\", \"en\"\nfollow_links = true\n\n[http]\ntimeout = \"1s\"\n";
    assert_eq!(
        errors(text),
        vec!["2:13: invalid TOML: unclosed array, expected `]`".to_owned()]
    );
    let text = "[[source]]\nselect = { item = \"li\"\nname = \"a\"\n";
    assert_eq!(
        errors(text),
        vec!["2:10: invalid TOML: unclosed inline table, expected `}`".to_owned()]
    );
}

#[test]
fn duplicate_toml_keys_name_the_key() {
    assert_eq!(
        errors("[http]\ntimeout = \"1s\"\ntimeout = \"2s\"\n"),
        vec!["3:1: invalid TOML: duplicate key `timeout`".to_owned()]
    );
}

#[test]
fn unknown_keys_and_tables_everywhere() {
    let text = r#"colour = "red"
[htpp]
[output]
directory = "x"
[service]
listen_on = "127.0.0.1:1"
[defaults]
Interval = "1m"
[[source]]
name = "a"
url = "https://example.org/"
kind = "page"
urls = "x"
[source.select]
item = "li"
link = "a@href"
titel = "h2"
"#;
    assert_eq!(
        errors(text),
        vec![
            "1:1: unknown key `colour` at the top level; known keys: output, http, service, nats, defaults, source".to_owned(),
            "2:2: unknown key `htpp` at the top level; did you mean `http`?".to_owned(),
            "4:1: unknown key `directory` in [output]; did you mean `dir`?".to_owned(),
            "6:1: unknown key `listen_on` in [service]; did you mean `listen`?".to_owned(),
            "8:1: unknown key `Interval` in [defaults]; did you mean `interval`?".to_owned(),
            "13:1: unknown key `urls` in [[source]]; did you mean `url`?".to_owned(),
            "17:1: unknown key `titel` in [source.select]; did you mean `title`?".to_owned(),
        ]
    );
}

#[test]
fn wrong_types_name_the_expected_type() {
    let text = r#"output = "data"
[http]
user_agent = 5
timeout = 20
max_body = 1024
per_host_concurrency = "2"
allow_private_links = "no"
[defaults]
follow_links = 1
languages = "he"
[[source]]
name = "a"
url = "https://example.org/"
lang_hint = ["he"]
"#;
    assert_eq!(
        errors(text),
        vec![
            "1:10: output must be a table, got a string".to_owned(),
            "3:14: user_agent must be a string, got an integer".to_owned(),
            "4:11: timeout must be a string, got an integer".to_owned(),
            r#"5:12: max_body must be a string with a unit, like "10MB", got an integer"#
                .to_owned(),
            r#"6:24: per_host_concurrency must be a whole number, got a string"#.to_owned(),
            "7:23: allow_private_links must be true or false, got a string".to_owned(),
            "9:16: follow_links must be true or false, got an integer".to_owned(),
            r#"10:13: languages must be an array of codes, like ["he", "en"], got a string"#
                .to_owned(),
            "14:13: lang_hint must be a string, got an array".to_owned(),
        ]
    );
}

#[test]
fn value_limits() {
    let text = r#"[http]
timeout = "0s"
max_body = "0MB"
per_host_concurrency = -3
user_agent = "nahar\nEvil: yes"
[defaults]
interval = "0s"
min_interval = "2d"
max_interval = "1d"
[[source]]
name = "a"
url = "https://example.org/"
interval = "0s"
"#;
    assert_eq!(
        errors(text),
        vec![
            "2:11: timeout must be longer than 0s".to_owned(),
            "3:12: max_body must be larger than 0B".to_owned(),
            "4:24: per_host_concurrency must be at least 1, got -3".to_owned(),
            "5:14: user_agent must not contain control characters".to_owned(),
            "7:12: interval must be at least 1s, got 0s".to_owned(),
            "9:16: min_interval (2d) must not be longer than max_interval (1d)".to_owned(),
            "13:12: interval must be at least 1s, got 0s".to_owned(),
        ]
    );
    assert_eq!(
        errors("[defaults]\nmin_interval = \"0s\"\n"),
        vec!["2:16: min_interval must be longer than 0s".to_owned()]
    );
    // Only min_interval written: the clash is reported there.
    assert_eq!(
        errors("[defaults]\nmin_interval = \"2d\"\n"),
        vec!["2:16: min_interval (2d) must not be longer than max_interval (1d)".to_owned()]
    );
    assert_eq!(
        ok("[http]\nper_host_delay = \"0s\"\n").http.per_host_delay,
        secs(0)
    );
}

#[test]
fn auto_interval() {
    let config = ok(r#"
[defaults]
interval = "auto"
[[source]]
name = "inherits"
url = "https://example.org/a"
[[source]]
name = "own"
url = "https://example.org/b"
interval = "1h30m"
[[source]]
name = "own-auto"
url = "https://example.org/c"
interval = "auto"
"#);
    assert_eq!(config.defaults.interval, Interval::Auto);
    let intervals: Vec<Interval> = config.sources.iter().map(|s| s.interval).collect();
    assert_eq!(
        intervals,
        vec![Interval::Auto, Interval::Every(secs(5_400)), Interval::Auto]
    );
}

#[test]
fn file_urls_resolve_against_the_config_directory() {
    let text = r#"
[output]
dir = "out"
[[source]]
name = "relative"
url = "file:fixtures/feed.xml"
[[source]]
name = "absolute"
url = "file:///var/lib/feeds/a%20b.xml"
[[source]]
name = "folder"
url = "file:../corpus/"
"#;
    let config =
        parse(text, Path::new("/srv/nahar/config/nahar.toml")).unwrap_or_else(|e| panic!("{e}"));
    let locations: Vec<&SourceLocation> = config.sources.iter().map(|s| &s.location).collect();
    assert_eq!(
        locations,
        vec![
            &SourceLocation::File(PathBuf::from("/srv/nahar/config/fixtures/feed.xml")),
            &SourceLocation::File(PathBuf::from("/var/lib/feeds/a b.xml")),
            &SourceLocation::File(PathBuf::from("/srv/nahar/config/../corpus/")),
        ]
    );
    assert_eq!(config.output.dir, PathBuf::from("/srv/nahar/config/out"));

    // A bare file name: its directory is the current one, and paths stay relative to it.
    let config = parse(text, Path::new("nahar.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        config.sources[0].location,
        SourceLocation::File(PathBuf::from("fixtures/feed.xml"))
    );
    assert_eq!(config.output.dir, PathBuf::from("out"));

    let absolute = ok("[output]\ndir = \"/var/lib/nahar\"\n");
    assert_eq!(absolute.output.dir, PathBuf::from("/var/lib/nahar"));
}

#[test]
fn bad_urls() {
    let text = r#"
[[source]]
name = "a"
url = "javascript:alert(1)"
[[source]]
name = "b"
url = "example.org/rss.xml"
[[source]]
name = "c"
url = "file://server/share/feed.xml"
[[source]]
name = "d"
url = "https://exa mple.org/"
[[source]]
name = "e"
url = "file:"
"#;
    assert_eq!(
        errors(text),
        vec![
            r#"4:7: url: unsupported scheme `javascript` in "javascript:alert(1)": expected http://, https://, file:///absolute/path or file:relative/path"#.to_owned(),
            r#"7:7: url: "example.org/rss.xml" has no scheme: expected http://, https://, file:///absolute/path or file:relative/path"#.to_owned(),
            r#"10:7: url: "file://server/share/feed.xml" is not a local file: write file:///absolute/path (three slashes) or file:relative/path"#.to_owned(),
            r#"13:7: url: invalid URL "https://exa mple.org/": invalid international domain name"#.to_owned(),
            r#"16:7: url: "file:" names no file: expected http://, https://, file:///absolute/path or file:relative/path"#.to_owned(),
        ]
    );
}

#[test]
fn source_names_and_required_keys() {
    let text = r#"
[[source]]
url = "https://example.org/a"
[[source]]
name = "Kan News"
url = "https://example.org/b"
[[source]]
name = "ok"
[[source]]
name = ""
url = "https://example.org/c"
"#;
    assert_eq!(
        errors(text),
        vec![
            r#"2:1: [[source]] is missing `name` (a unique id like "kan-news")"#.to_owned(),
            r#"5:8: name must be lowercase letters a-z, digits, "_" or "-" (like "kan-news"), got "Kan News""#.to_owned(),
            "7:1: [[source]] is missing `url` (http://, https:// or file:)".to_owned(),
            r#"10:8: name must be lowercase letters a-z, digits, "_" or "-" (like "kan-news"), got """#.to_owned(),
        ]
    );
    assert_eq!(
        errors("[source]\nname = \"a\"\n"),
        vec!["1:1: source must be an array of tables: write [[source]], not [source]".to_owned()]
    );
    assert_eq!(
        errors("[[http]]\n"),
        vec!["1:1: http must be a table: write [http], not [[http]]".to_owned()]
    );
}

#[test]
fn page_sources_need_selectors_and_feeds_refuse_them() {
    let text = r#"
[[source]]
name = "no-select"
kind = "page"
url = "https://example.org/a"

[[source]]
name = "half-select"
kind = "page"
url = "https://example.org/b"
[source.select]
title = "h2"

[[source]]
name = "feed-with-select"
url = "https://example.org/c"
[source.select]
item = "li"
link = "a@href"

[[source]]
name = "odd-kind"
kind = "html"
url = "https://example.org/d"

[[source]]
name = "inline"
kind = "page"
url = "https://example.org/e"
select = { item = "li", link = "" }
"#;
    assert_eq!(
        errors(text),
        vec![
            r#"4:8: kind = "page" needs a [source.select] table with at least `item` and `link`"#.to_owned(),
            r#"11:1: [source.select] is missing `item` (the CSS selector of one item, like "article")"#.to_owned(),
            r#"11:1: [source.select] is missing `link` (like "a@href")"#.to_owned(),
            r#"17:9: [source.select] is only for kind = "page"; this source is a feed (kind defaults to "feed")"#.to_owned(),
            r#"23:8: kind must be "feed" or "page", got "html""#.to_owned(),
            "30:32: link must not be empty".to_owned(),
        ]
    );
    let page = ok(r#"
[[source]]
name = "listing"
kind = "page"
url = "https://example.org/"
select = { item = "li", link = "a@href", summary = "p" }
"#);
    assert_eq!(
        page.sources[0].select,
        Some(PageSelectors {
            item: "li".to_owned(),
            link: "a@href".to_owned(),
            title: None,
            published: None,
            published_format: None,
            summary: Some("p".to_owned()),
        })
    );
}

#[test]
fn extract_rules_and_selectors_are_checked_css() {
    let text = r#"
[[source]]
name = "site"
url = "https://example.org/rss"
[source.extract]
body = "div.article-body"
remove = ["aside.read-also", "div[class*=share]"]

[[source]]
name = "broken"
url = "https://example.org/rss2"
extract = { body = "div[", remove = ["ok", "p >"], strip = [] }

[[source]]
name = "listing"
kind = "page"
url = "https://example.org/"
select = { item = "li[", link = "a@href", title = "h2 >" }
"#;
    assert_eq!(
        errors(text),
        vec![
            r#"12:20: body: invalid CSS selector "div[": it ends too early: close every `[` and `(`, and give each `.`, `#` and `:` a name"#.to_owned(),
            r#"12:44: remove: invalid CSS selector "p >": it ends with a combinator (`>`, `+` or `~`): say which element comes after it"#.to_owned(),
            "12:52: unknown key `strip` in [source.extract]; known keys: body, remove".to_owned(),
            r#"18:19: item: invalid CSS selector "li[": it ends too early: close every `[` and `(`, and give each `.`, `#` and `:` a name"#.to_owned(),
            r#"18:51: title: invalid CSS selector "h2 >": it ends with a combinator (`>`, `+` or `~`): say which element comes after it"#.to_owned(),
        ]
    );
    let config = ok(&text[..text.find("[[source]]\nname = \"broken\"").unwrap_or(0)]);
    assert_eq!(
        config.sources[0].extract,
        crate::config::ExtractRules {
            body: Some("div.article-body".to_owned()),
            remove: vec!["aside.read-also".to_owned(), "div[class*=share]".to_owned()],
        }
    );
}

#[test]
fn hints_encodings_and_timezones() {
    let config = ok(r#"
[[source]]
name = "a"
url = "https://example.org/a"
lang_hint = "iw"
encoding = "ISO-8859-8"
timezone = "Asia/Jerusalem"
[[source]]
name = "b"
url = "https://example.org/b"
timezone = "+02:00"
[[source]]
name = "c"
url = "https://example.org/c"
timezone = "-05:30"
[[source]]
name = "d"
url = "https://example.org/d"
timezone = "utc"
"#);
    let a = &config.sources[0];
    assert_eq!(a.lang_hint, Some(lang("he")));
    assert_eq!(a.encoding, Some(encoding_rs::ISO_8859_8));
    let zones: Vec<NaiveTimezone> = config.sources.iter().map(|s| s.timezone).collect();
    assert_eq!(
        zones,
        vec![
            NaiveTimezone::Jerusalem,
            NaiveTimezone::Fixed(7_200),
            NaiveTimezone::Fixed(-19_800),
            NaiveTimezone::Fixed(0),
        ]
    );

    let text = r#"
[[source]]
name = "a"
url = "https://example.org/a"
encoding = "klingon"
timezone = "Europe/Paris"
lang_hint = "und"
[[source]]
name = "b"
url = "https://example.org/b"
encoding = "iso-2022-kr"
timezone = "+25:00"
[service]
listen = "localhost:9184"
"#;
    assert_eq!(
        errors(text),
        vec![
            r#"5:12: encoding: unknown encoding "klingon": expected a WHATWG encoding label such as "utf-8", "windows-1255" or "iso-8859-8""#.to_owned(),
            r#"6:12: timezone: unknown timezone "Europe/Paris": expected "UTC", an offset like "+02:00" or "-05:30", or "Asia/Jerusalem""#.to_owned(),
            r#"7:13: lang_hint: unknown language code "und": expected an ISO 639-1 code such as he, en, ar, ru, yi, fr (70 are known)"#.to_owned(),
            r#"11:12: encoding: unknown encoding "iso-2022-kr": expected a WHATWG encoding label such as "utf-8", "windows-1255" or "iso-8859-8""#.to_owned(),
            r#"12:12: timezone: invalid offset "+25:00": hours must be 00 to 23 and minutes 00 to 59"#.to_owned(),
            r#"14:10: listen: invalid address "localhost:9184": expected an IP address and a port, like "127.0.0.1:9184" or "[::1]:9184""#.to_owned(),
        ]
    );
}

#[test]
fn empty_language_list_means_all() {
    assert_eq!(
        ok("[defaults]\nlanguages = []\n").defaults.languages,
        Vec::<Lang>::new()
    );
}

#[test]
fn load_reads_the_file_and_names_it_when_it_cannot() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("nahar.toml");
    let missing = load(&path)
        .err()
        .unwrap_or_else(|| panic!("a missing file loaded"));
    assert_eq!(missing.0.len(), 1);
    let error = &missing.0[0];
    assert_eq!((error.line, error.column), (0, 0));
    // A problem with no place in the file is shown without a `:0:0` position.
    assert!(
        error.to_string().starts_with(&format!(
            "{}: cannot read the config file: ",
            path.display()
        )),
        "{error}"
    );

    let mut file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
    std::io::Write::write_all(
        &mut file,
        b"[[source]]\nname = \"a\"\nurl = \"file:feeds\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let config = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.path, path);
    assert_eq!(
        config.sources[0].location,
        SourceLocation::File(dir.path().join("feeds"))
    );
    assert_eq!(config.output.dir, dir.path().join("data"));

    let mut file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}"));
    std::io::Write::write_all(&mut file, b"[http]\nuser_agent = \"caf\xe9\"\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let not_utf8 = load(&path)
        .err()
        .unwrap_or_else(|| panic!("latin-1 loaded"));
    assert_eq!(
        not_utf8.to_string(),
        format!(
            "{}:2:18: the file is not valid UTF-8 (a TOML file must be UTF-8)",
            path.display()
        )
    );
}

#[test]
fn a_byte_order_mark_does_not_shift_columns() {
    assert_eq!(
        errors("\u{feff}bogus = 1\n"),
        vec![
            "1:1: unknown key `bogus` at the top level; known keys: output, http, service, nats, defaults, source".to_owned()
        ]
    );
}

#[test]
fn errors_display_with_file_line_and_column() {
    let error = parse("[http]\ntimeout = \"soon\"\n", Path::new("conf/nahar.toml"))
        .err()
        .unwrap_or_else(|| panic!("accepted a bad timeout"));
    assert_eq!(
        error.to_string(),
        r#"conf/nahar.toml:2:11: timeout: invalid duration "soon": expected a number and a unit s, m, h or d, like "10m""#
    );
}

#[test]
fn edit_distance_and_suggestions() {
    assert_eq!(edit_distance("timout", "timeout"), 1);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("kitten", "sitting"), 3);
    assert_eq!(edit_distance("titel", "title"), 1);
    assert_eq!(closest("listen_on", SERVICE_KEYS), Some("listen"));
    assert_eq!(closest("user-agent", HTTP_KEYS), Some("user_agent"));
    assert_eq!(closest("TIMEOUT", HTTP_KEYS), Some("timeout"));
    assert_eq!(closest("proxy", HTTP_KEYS), None);
}

#[test]
fn shipped_example_config_loads_with_sources_in_every_language() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/nahar.toml");
    let config = load(&path).unwrap_or_else(|e| panic!("config/nahar.toml:\n{e}"));
    for code in ["he", "en", "ar", "ru"] {
        assert!(
            config
                .sources
                .iter()
                .any(|s| s.lang_hint == Some(lang(code))),
            "no source with lang_hint = {code:?}"
        );
    }
    assert!(
        config
            .sources
            .iter()
            .all(|s| matches!(s.location, SourceLocation::Http(_))),
        "the example should only list real web sources"
    );
}

#[test]
fn memory_budget_is_a_size() {
    let text = "[output]\nmemory_budget = \"1GB\"\n[[source]]\nname = \"a\"\nurl = \"https://example.org/\"\n";
    let config = crate::config::parse(text, Path::new("/etc/nahar/nahar.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.output.memory_budget, 1024 * 1024 * 1024);
    let text =
        "[output]\nmemory_budget = 512\n[[source]]\nname = \"a\"\nurl = \"https://example.org/\"\n";
    assert_eq!(
        errors(text),
        vec![
            r#"2:17: memory_budget must be a string with a unit, like "10MB", got an integer"#
                .to_owned()
        ]
    );
    let text = "[output]\nmemory_budget = \"0B\"\n[[source]]\nname = \"a\"\nurl = \"https://example.org/\"\n";
    assert_eq!(
        errors(text),
        vec!["2:17: memory_budget must be larger than 0B".to_owned()]
    );
}

#[test]
fn published_format_and_item_are_checked() {
    let text = r#"
[[source]]
name = "ynet"
kind = "page"
url = "https://example.org/"
select = { item = "div.slot", link = "a@href", published = "span.date", published_format = "%H:%M | %d.%m.%y" }

[[source]]
name = "broken"
kind = "page"
url = "https://example.org/2"
select = { item = "div.slot@href", link = "a@href", published_format = "%Q %d" }

[[source]]
name = "timeonly"
kind = "page"
url = "https://example.org/3"
select = { item = "div", link = "a@href", published_format = "%H:%M" }
"#;
    assert_eq!(
        errors(text),
        vec![
            r#"12:19: item: "div.slot@href": item takes a CSS selector only (`@attr` is for link, title, published and summary)"#.to_owned(),
            r#"12:72: published_format: "%Q %d" is not a strftime format (like "%d.%m.%Y %H:%M"; %% for a percent sign)"#.to_owned(),
            r#"18:62: published_format: "%H:%M" does not read a whole date: it needs a day, a month and a year (%d, %m or %b, %Y or %y)"#.to_owned(),
        ]
    );
    let config = ok(&text[..text.find("[[source]]\nname = \"broken\"").unwrap_or(0)]);
    let select = config.sources[0]
        .select
        .as_ref()
        .map(|s| s.published_format.clone());
    assert_eq!(select, Some(Some("%H:%M | %d.%m.%y".to_owned())));
}

#[test]
fn nats_output_needs_its_servers() {
    const NATS: &str = "[nats]\nservers = [\"nats://10.0.0.5:4222\", \"tls://nats.example.org\"]\n\
         credentials = \"nahar.creds\"\nprefix = \"news-1\"\nreplicas = 5\nlease = \"30s\"\n";
    let choose_nats = format!("[output]\nkind = \"nats\"\n\n{NATS}");
    // `[nats]` is read either way, so one config serves builds with and
    // without the feature until `kind = "nats"` asks for the client.
    #[cfg(feature = "nats")]
    assert_eq!(ok(&choose_nats).output.kind, OutputKind::Nats);
    #[cfg(not(feature = "nats"))]
    assert!(
        errors(&choose_nats)
            .iter()
            .any(|e| e.contains("built without NATS support")),
        "{:?}",
        errors(&choose_nats)
    );
    let config = ok(NATS);
    assert_eq!(config.output.kind, OutputKind::Files);
    let nats = config.nats.unwrap_or_else(|| panic!("no [nats]"));
    assert_eq!(
        nats.servers
            .iter()
            .map(url::Url::as_str)
            .collect::<Vec<_>>(),
        ["nats://10.0.0.5:4222", "tls://nats.example.org"]
    );
    assert_eq!(
        nats.credentials,
        Some(config_path().with_file_name("nahar.creds"))
    );
    assert_eq!((nats.prefix.as_str(), nats.replicas), ("news-1", 5));
    assert_eq!(nats.lease, std::time::Duration::from_secs(30));
    let defaults = ok("[nats]\nservers = [\"nats://127.0.0.1:4222\"]\n")
        .nats
        .unwrap_or_else(|| panic!("no [nats]"));
    assert_eq!((defaults.prefix.as_str(), defaults.replicas), ("nahar", 3));
    assert_eq!(defaults.lease, std::time::Duration::from_secs(15));

    #[cfg(feature = "nats")]
    assert!(
        errors("[output]\nkind = \"nats\"\n")
            .iter()
            .any(|e| e.contains("kind = \"nats\" needs a [nats] table"))
    );
    for (text, message) in [
        (
            "[output]\nkind = \"kafka\"\n",
            "kind must be \"files\" or \"nats\"",
        ),
        ("[nats]\nprefix = \"x\"\n", "[nats] needs servers"),
        (
            "[nats]\nservers = []\n",
            "servers must name at least one server",
        ),
        (
            "[nats]\nservers = \"nats://h:4222\"\n",
            "servers must be an array of URLs",
        ),
        (
            "[nats]\nservers = [\"http://h:4222\"]\n",
            "must be nats://HOST:PORT or tls://HOST:PORT",
        ),
        ("[nats]\nservers = [\"10.0.0.5:4222\"]\n", "is not a URL"),
        (
            "[nats]\nservers = [\"localhost:4222\"]\n",
            "must be nats://HOST:PORT",
        ),
        (
            "[nats]\nservers = [\"nats://h\"]\nprefix = \"a.b\"\n",
            "prefix may only use letters",
        ),
        (
            "[nats]\nservers = [\"nats://h\"]\nreplicas = 7\n",
            "replicas must be from 1 to 5",
        ),
        (
            "[nats]\nservers = [\"nats://h\"]\nlease = \"1s\"\n",
            "lease must be at least 2s, got 1s",
        ),
        (
            "[nats]\nservers = [\"nats://h\"]\nlease = \"1h\"\n",
            "lease must be at most 10m, got 1h",
        ),
    ] {
        let errors = errors(text);
        assert!(
            errors.iter().any(|e| e.contains(message)),
            "{text:?}: {errors:?} lacks {message:?}"
        );
    }
}
