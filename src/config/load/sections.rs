//! The checks of `[output]`, `[http]`, `[service]` and `[defaults]`, and the walk of the whole
//! file that calls them (and `sources` for `[[source]]`).

use std::net::SocketAddr;
use std::ops::Range;
use std::path::PathBuf;

use toml::de::{DeTable, DeValue};

use super::toml_tree::{describe, entries};
use super::{
    Checker, DEFAULT_OUTPUT_DIR, DEFAULT_SHUTDOWN_GRACE, DEFAULTS_KEYS, HTTP_KEYS, MIN_INTERVAL,
    NATS_KEYS, OUTPUT_KEYS, ROOT_KEYS, SERVICE_KEYS, Value,
};
use crate::config::units::{format_duration, parse_size};
use crate::config::{
    Config, DEFAULT_MEMORY_BUDGET, DEFAULT_NATS_LEASE, DEFAULT_NATS_PREFIX, DEFAULT_NATS_REPLICAS,
    Defaults, HttpConfig, MAX_NATS_LEASE, MIN_NATS_LEASE, NatsConfig, OutputConfig, OutputKind,
    ServiceConfig,
};
use crate::text::Lang;

impl Checker<'_> {
    pub(super) fn root(&mut self, root: &DeTable<'_>) -> Config {
        let mut output = OutputConfig {
            kind: OutputKind::Files,
            dir: self.dir.join(DEFAULT_OUTPUT_DIR),
            memory_budget: DEFAULT_MEMORY_BUDGET,
        };
        // Where `kind = "nats"` was written, to point at it when `[nats]` is missing.
        let mut nats_kind_at = None;
        let mut http = HttpConfig::default();
        let mut service = None;
        let mut nats = None;
        let mut nats_written = false;
        let mut defaults = Defaults::default();
        let mut sources = None;
        for (key, value) in entries(root) {
            match key.get_ref().as_ref() {
                "output" => {
                    if let Some(table) = self.table(value, "output") {
                        (output, nats_kind_at) = self.output(table);
                    }
                }
                "http" => {
                    if let Some(table) = self.table(value, "http") {
                        http = self.http(table);
                    }
                }
                "service" => {
                    if let Some(table) = self.table(value, "service") {
                        service = Some(self.service(table));
                    }
                }
                "nats" => {
                    nats_written = true;
                    if let Some(table) = self.table(value, "nats") {
                        nats = self.nats(table, value.span());
                    }
                }
                "defaults" => {
                    if let Some(table) = self.table(value, "defaults") {
                        defaults = self.defaults(table);
                    }
                }
                "source" => sources = Some(value),
                _ => self.unknown_key(key, value, "", ROOT_KEYS),
            }
        }
        if let Some(at) = nats_kind_at
            && !nats_written
        {
            self.report(
                at.start,
                at,
                r#"kind = "nats" needs a [nats] table with the servers, like [nats] servers = ["nats://127.0.0.1:4222"]"#
                    .to_owned(),
            );
        }
        // After the loop: sources inherit `[defaults]` wherever that table is in the file.
        let sources = sources.map_or_else(Vec::new, |value| self.sources(value, &defaults));
        Config {
            path: self.file.to_path_buf(),
            output,
            http,
            service,
            nats,
            defaults,
            sources,
        }
    }

    /// `[output]`, and where `kind = "nats"` is written (it needs `[nats]`).
    pub(super) fn output(&mut self, table: &DeTable<'_>) -> (OutputConfig, Option<Range<usize>>) {
        let mut kind = OutputKind::Files;
        let mut nats_kind_at = None;
        let mut dir = PathBuf::from(DEFAULT_OUTPUT_DIR);
        let mut memory_budget = DEFAULT_MEMORY_BUDGET;
        for (key, value) in entries(table) {
            match key.get_ref().as_ref() {
                "kind" => match self.string(value, "kind") {
                    Some("files") => kind = OutputKind::Files,
                    Some("nats") if cfg!(feature = "nats") => {
                        kind = OutputKind::Nats;
                        nats_kind_at = Some(value.span());
                    }
                    Some("nats") => self.value_error(
                        value,
                        format!(r#"kind = "nats": {}"#, crate::config::WITHOUT_NATS),
                    ),
                    Some(other) => self.value_error(
                        value,
                        format!(r#"kind must be "files" or "nats", got {other:?}"#),
                    ),
                    None => {}
                },
                "dir" => {
                    if let Some(s) = self.non_empty_string(value, "dir") {
                        dir = PathBuf::from(s);
                    }
                }
                "memory_budget" => {
                    if let Some(bytes) = self.size(value, "memory_budget") {
                        memory_budget = bytes;
                    }
                }
                _ => self.unknown_key(key, value, "[output]", OUTPUT_KEYS),
            }
        }
        // `join` keeps an absolute `dir` as it is.
        let output = OutputConfig {
            kind,
            dir: self.dir.join(dir),
            memory_budget,
        };
        (output, nats_kind_at)
    }

    /// `[nats]`; `None` (with the errors reported) when it lacks its servers.
    pub(super) fn nats(&mut self, table: &DeTable<'_>, span: Range<usize>) -> Option<NatsConfig> {
        let mut servers = None;
        let mut servers_written = false;
        let mut credentials = None;
        let mut prefix = DEFAULT_NATS_PREFIX.to_owned();
        let mut replicas = DEFAULT_NATS_REPLICAS;
        let mut lease = DEFAULT_NATS_LEASE;
        for (key, value) in entries(table) {
            let name: &str = key.get_ref();
            match name {
                "servers" => {
                    servers_written = true;
                    servers = self.nats_servers(value);
                }
                "credentials" => {
                    if let Some(s) = self.non_empty_string(value, name) {
                        credentials = Some(self.dir.join(s));
                    }
                }
                "prefix" => {
                    if let Some(s) = self.non_empty_string(value, name) {
                        if s.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                        {
                            prefix = s.to_owned();
                        } else {
                            // It is a subject token and part of the stream's name.
                            self.value_error(
                                value,
                                format!(
                                    "{name} may only use letters, digits, `_` and `-`, got {s:?}"
                                ),
                            );
                        }
                    }
                }
                "replicas" => {
                    if let Some(n) = self.integer(value, name) {
                        // JetStream's own bounds.
                        match usize::try_from(n) {
                            Ok(n @ 1..=5) => replicas = n,
                            _ => self.value_error(
                                value,
                                format!("{name} must be from 1 to 5 (JetStream's limit), got {n}"),
                            ),
                        }
                    }
                }
                "lease" => {
                    if let Some(d) = self.duration_at_least(value, name, MIN_NATS_LEASE) {
                        if d > MAX_NATS_LEASE {
                            // An instance that dies holds its hosts this long: hours of silence.
                            self.value_error(
                                value,
                                format!(
                                    "{name} must be at most {}, got {}",
                                    format_duration(MAX_NATS_LEASE),
                                    format_duration(d)
                                ),
                            );
                        } else {
                            lease = d;
                        }
                    }
                }
                _ => self.unknown_key(key, value, "[nats]", NATS_KEYS),
            }
        }
        if !servers_written {
            self.missing(
                span,
                r#"[nats] needs servers, like servers = ["nats://127.0.0.1:4222"]"#.to_owned(),
            );
        }
        Some(NatsConfig {
            servers: servers?,
            credentials,
            prefix,
            replicas,
            lease,
        })
    }

    /// `servers`: a non-empty array of `nats://` or `tls://` URLs with a host.
    fn nats_servers(&mut self, value: &Value<'_>) -> Option<Vec<url::Url>> {
        let DeValue::Array(items) = value.get_ref() else {
            let got = describe(value.get_ref());
            self.value_error(
                value,
                format!(
                    r#"servers must be an array of URLs, like ["nats://127.0.0.1:4222"], got {got}"#
                ),
            );
            return None;
        };
        if items.is_empty() {
            self.value_error(value, "servers must name at least one server".to_owned());
            return None;
        }
        let mut servers = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items {
            let parsed = self.parsed(item, "servers", |s| {
                let url = url::Url::parse(s.trim())
                    .map_err(|e| format!("{s:?} is not a URL ({e}); write nats://HOST:PORT"))?;
                if !matches!(url.scheme(), "nats" | "tls")
                    || url.host_str().is_none_or(str::is_empty)
                {
                    return Err(format!("{s:?} must be nats://HOST:PORT or tls://HOST:PORT"));
                }
                Ok(url)
            });
            match parsed {
                Some(url) => servers.push(url),
                None => ok = false,
            }
        }
        ok.then_some(servers)
    }

    /// A size with its unit (`"10MB"`), larger than zero.
    fn size(&mut self, value: &Value<'_>, name: &str) -> Option<u64> {
        if !value.get_ref().is_str() {
            let got = describe(value.get_ref());
            self.value_error(
                value,
                format!(r#"{name} must be a string with a unit, like "10MB", got {got}"#),
            );
            return None;
        }
        let bytes = self.parsed(value, name, parse_size)?;
        if bytes == 0 {
            self.value_error(value, format!("{name} must be larger than 0B"));
            return None;
        }
        Some(bytes)
    }

    pub(super) fn http(&mut self, table: &DeTable<'_>) -> HttpConfig {
        let mut http = HttpConfig::default();
        for (key, value) in entries(table) {
            let name: &str = key.get_ref();
            match name {
                "user_agent" => {
                    if let Some(s) = self.non_empty_string(value, name) {
                        if s.chars().any(char::is_control) {
                            // It goes out as a header line; a newline would end the header.
                            self.value_error(
                                value,
                                format!("{name} must not contain control characters"),
                            );
                        } else {
                            http.user_agent = s.to_owned();
                        }
                    }
                }
                "timeout" => {
                    if let Some(d) = self.duration_at_least(value, name, MIN_INTERVAL) {
                        http.timeout = d;
                    }
                }
                "max_body" => {
                    if let Some(bytes) = self.size(value, name) {
                        http.max_body = bytes;
                    }
                }
                "per_host_concurrency" => {
                    if let Some(n) = self.integer(value, name) {
                        if n < 1 {
                            self.value_error(value, format!("{name} must be at least 1, got {n}"));
                        } else {
                            match usize::try_from(n) {
                                Ok(n) => http.per_host_concurrency = n,
                                Err(_) => {
                                    self.value_error(value, format!("{name} is too large, got {n}"))
                                }
                            }
                        }
                    }
                }
                "per_host_delay" => {
                    if let Some(d) = self.duration(value, name) {
                        http.per_host_delay = d;
                    }
                }
                "allow_private_links" => {
                    if let Some(b) = self.boolean(value, name) {
                        http.allow_private_links = b;
                    }
                }
                _ => self.unknown_key(key, value, "[http]", HTTP_KEYS),
            }
        }
        http
    }

    pub(super) fn service(&mut self, table: &DeTable<'_>) -> ServiceConfig {
        let mut service = ServiceConfig {
            listen: None,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
        };
        for (key, value) in entries(table) {
            let name: &str = key.get_ref();
            match name {
                "listen" => {
                    service.listen = self.parsed(value, name, |s| {
                        s.trim().parse::<SocketAddr>().map_err(|_| {
                            format!(
                                r#"invalid address {s:?}: expected an IP address and a port, like "127.0.0.1:9184" or "[::1]:9184""#
                            )
                        })
                    });
                }
                "shutdown_grace" => {
                    if let Some(d) = self.duration(value, name) {
                        service.shutdown_grace = d;
                    }
                }
                _ => self.unknown_key(key, value, "[service]", SERVICE_KEYS),
            }
        }
        service
    }

    pub(super) fn defaults(&mut self, table: &DeTable<'_>) -> Defaults {
        let mut defaults = Defaults::default();
        // The values as written, to check min ≤ max only when both were given and valid.
        let mut min: Option<&Value<'_>> = None;
        let mut max: Option<&Value<'_>> = None;
        let mut min_ok = true;
        let mut max_ok = true;
        for (key, value) in entries(table) {
            let name: &str = key.get_ref();
            match name {
                "interval" => {
                    if let Some(interval) = self.interval(value, name) {
                        defaults.interval = interval;
                    }
                }
                "min_interval" => {
                    min = Some(value);
                    match self.duration_at_least(value, name, MIN_INTERVAL) {
                        Some(d) => defaults.min_interval = d,
                        None => min_ok = false,
                    }
                }
                "max_interval" => {
                    max = Some(value);
                    match self.duration_at_least(value, name, MIN_INTERVAL) {
                        Some(d) => defaults.max_interval = d,
                        None => max_ok = false,
                    }
                }
                "follow_links" => {
                    if let Some(b) = self.boolean(value, name) {
                        defaults.follow_links = b;
                    }
                }
                "languages" => {
                    if let Some(languages) = self.languages(value) {
                        defaults.languages = languages;
                    }
                }
                _ => self.unknown_key(key, value, "[defaults]", DEFAULTS_KEYS),
            }
        }
        if min_ok && max_ok && defaults.min_interval > defaults.max_interval {
            let message = format!(
                "min_interval ({}) must not be longer than max_interval ({})",
                format_duration(defaults.min_interval),
                format_duration(defaults.max_interval)
            );
            // Point at whichever of the two was written; max_interval first, as it comes last.
            if let Some(at) = max.or(min) {
                self.value_error(at, message);
            }
        }
        defaults
    }

    pub(super) fn languages(&mut self, value: &Value<'_>) -> Option<Vec<Lang>> {
        let DeValue::Array(items) = value.get_ref() else {
            let got = describe(value.get_ref());
            self.value_error(
                value,
                format!(r#"languages must be an array of codes, like ["he", "en"], got {got}"#),
            );
            return None;
        };
        let mut languages = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items.iter() {
            if !item.get_ref().is_str() {
                let got = describe(item.get_ref());
                self.value_error(
                    item,
                    format!(r#"each entry of languages must be a code like "he", got {got}"#),
                );
                ok = false;
                continue;
            }
            match self.language(item, "languages") {
                Some(lang) => languages.push(lang),
                None => ok = false,
            }
        }
        ok.then_some(languages)
    }
}
