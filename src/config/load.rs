//! Reading one config file: TOML text in, a validated [`Config`] or every problem out.
//!
//! In: the text of the file and its path (named in messages; its directory anchors relative
//! paths). Out: a [`Config`] with `[defaults]` applied to every source, or [`ConfigErrors`] with
//! every syntax error and every schema problem, in file order, each at the 1-based line and
//! column (counted in characters) of the key or value at fault. The spanned tree from
//! `toml::de::DeTable` is walked by hand against the schema, because serde stops at the first
//! problem and forgets where it was.
//! Never: a partial config, an ignored key, a problem reported twice (a schema complaint about
//! what the TOML parser had to guess on a broken line is dropped), reading another file, or
//! touching the network.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};
use url::Url;

use super::units::{format_duration, parse_duration, parse_size};
use super::{
    Config, ConfigError, ConfigErrors, Defaults, ExtractRules, HttpConfig, Interval, NaiveTimezone,
    OutputConfig, PageSelectors, ServiceConfig, SourceConfig, SourceKind, SourceLocation,
};
use crate::text::Lang;

type Key<'i> = Spanned<DeString<'i>>;
type Value<'i> = Spanned<DeValue<'i>>;

const ROOT_KEYS: &[&str] = &["output", "http", "service", "defaults", "source"];
const OUTPUT_KEYS: &[&str] = &["dir"];
const HTTP_KEYS: &[&str] = &[
    "user_agent",
    "timeout",
    "max_body",
    "per_host_concurrency",
    "per_host_delay",
    "allow_private_links",
];
const SERVICE_KEYS: &[&str] = &["listen", "shutdown_grace"];
const DEFAULTS_KEYS: &[&str] = &[
    "interval",
    "min_interval",
    "max_interval",
    "follow_links",
    "languages",
];
const SOURCE_KEYS: &[&str] = &[
    "name",
    "kind",
    "url",
    "interval",
    "follow_links",
    "lang_hint",
    "encoding",
    "timezone",
    "select",
    "extract",
    "title",
    "tags",
    "site",
];
const EXTRACT_KEYS: &[&str] = &["body", "remove"];
const SELECT_KEYS: &[&str] = &["item", "link", "title", "published", "summary"];

/// The default `[output] dir`, relative to the config file's directory like any relative path.
const DEFAULT_OUTPUT_DIR: &str = "data";
/// `[service] shutdown_grace` when `[service]` is present without it.
const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// Polling faster than this is hammering, not polling.
const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The TOML parser stops building the tree at a key without `=`; each round blanks such lines
/// and parses again so the rest of the file is still checked. Bounded so a pathological file
/// cannot make loading quadratic.
const MAX_RECOVERY_ROUNDS: usize = 32;

/// Reads and checks the config file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let bytes = std::fs::read(path).map_err(|error| {
        ConfigErrors(vec![ConfigError {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            message: format!("cannot read the config file: {error}"),
        }])
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => parse(&text, path),
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let prefix = std::str::from_utf8(&error.as_bytes()[..valid]).unwrap_or_default();
            let (line, column) = Lines::new(prefix).position(prefix.len());
            Err(ConfigErrors(vec![ConfigError {
                file: path.to_path_buf(),
                line,
                column,
                message: "the file is not valid UTF-8 (a TOML file must be UTF-8)".to_owned(),
            }]))
        }
    }
}

/// Checks config text; `path` is named in messages and its directory anchors relative paths.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigErrors> {
    // Editors on Windows like to start files with a BOM; it is not part of the first line.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = Lines::new(text);
    let (walkable, syntax_errors) = recover(text, &lines);
    let (root, _) = DeTable::parse_recoverable(&walkable);

    let mut checker = Checker::new(text, lines, path);
    checker.syntax_errors(syntax_errors, root.get_ref());
    checker.headers = header_starts(text, root.get_ref());
    let config = checker.root(root.get_ref());
    if checker.errors.is_empty() {
        Ok(config)
    } else {
        let mut errors = checker.errors;
        errors.sort_by_key(|e| (e.line, e.column));
        Err(ConfigErrors(errors))
    }
}

/// All syntax errors of `text`, and a copy of it (same byte offsets) in which the lines that
/// would truncate the TOML tree are blanked, so the schema walk still sees the rest.
fn recover<'t>(text: &'t str, lines: &Lines<'_>) -> (Cow<'t, str>, Vec<(Range<usize>, String)>) {
    let mut walkable = Cow::Borrowed(text);
    let mut errors: Vec<(Range<usize>, String)> = Vec::new();
    let mut blanked = vec![false; lines.count()];
    for _ in 0..MAX_RECOVERY_ROUNDS {
        let (_, round) = DeTable::parse_recoverable(&walkable);
        let mut more = false;
        for error in round {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().to_owned();
            let line = lines.index(span.start);
            if message.starts_with("key with no value") && !blanked[line] {
                blanked[line] = true;
                more = true;
            }
            if !errors.iter().any(|(s, m)| *s == span && *m == message) {
                errors.push((span, message));
            }
        }
        if !more {
            break;
        }
        walkable = Cow::Owned(lines.blank(&blanked));
    }
    (walkable, errors)
}

/// Where every `[table]` and `[[table]]` header starts: a table's keys run until the next one.
fn header_starts(text: &str, root: &DeTable<'_>) -> Vec<usize> {
    fn walk(text: &str, table: &DeTable<'_>, out: &mut Vec<usize>) {
        for (_, value) in table.iter() {
            let children: Vec<&Value<'_>> = match value.get_ref() {
                DeValue::Table(_) => vec![value],
                DeValue::Array(items) => items.iter().collect(),
                _ => Vec::new(),
            };
            for child in children {
                if let DeValue::Table(inner) = child.get_ref() {
                    let start = child.span().start;
                    if text.get(start..).is_some_and(|s| s.starts_with('[')) {
                        out.push(start);
                    }
                    walk(text, inner, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(text, root, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

/// Spans of every inline array and inline table (`[…]`, `{…}`) in the tree.
fn inline_containers(text: &str, root: &DeTable<'_>) -> Vec<Range<usize>> {
    fn walk(text: &str, value: &Value<'_>, out: &mut Vec<Range<usize>>) {
        let opens = text
            .get(value.span().start..)
            .is_some_and(|s| s.starts_with(['[', '{']));
        match value.get_ref() {
            DeValue::Array(items) => {
                if opens {
                    out.push(value.span());
                }
                for item in items.iter() {
                    walk(text, item, out);
                }
            }
            DeValue::Table(table) => {
                // A `[header]` table's span is its header, not a bracket it failed to close.
                if text
                    .get(value.span().start..)
                    .is_some_and(|s| s.starts_with('{'))
                {
                    out.push(value.span());
                }
                for (_, child) in table.iter() {
                    walk(text, child, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (_, value) in root.iter() {
        walk(text, value, &mut out);
    }
    out
}

/// Line starts of a text, to turn byte offsets into line:column.
#[derive(Debug)]
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    fn count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based line of a byte offset (offsets past the end are on the last line).
    fn index(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.index(offset);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line + 1, column + 1)
    }

    /// The text with every marked line replaced by as many spaces as it has bytes.
    fn blank(&self, marked: &[bool]) -> String {
        let mut out = String::with_capacity(self.text.len());
        for (line, piece) in self.text.split_inclusive('\n').enumerate() {
            if marked.get(line).copied().unwrap_or(false) {
                let body = piece.strip_suffix('\n').unwrap_or(piece);
                out.extend(std::iter::repeat_n(' ', body.len()));
                if body.len() < piece.len() {
                    out.push('\n');
                }
            } else {
                out.push_str(piece);
            }
        }
        out
    }
}

/// The schema walk: collects errors and builds the config as it goes.
#[derive(Debug)]
struct Checker<'t> {
    text: &'t str,
    lines: Lines<'t>,
    file: &'t Path,
    /// The config file's directory: relative paths in the file are relative to it.
    dir: &'t Path,
    /// Lines that have a syntax error: what the parser recovered there is a guess.
    broken: Vec<bool>,
    /// Where each `[table]` header starts; see [`header_starts`].
    headers: Vec<usize>,
    errors: Vec<ConfigError>,
}

impl<'t> Checker<'t> {
    fn new(text: &'t str, lines: Lines<'t>, file: &'t Path) -> Self {
        let broken = vec![false; lines.count()];
        Checker {
            text,
            lines,
            file,
            dir: file.parent().unwrap_or(Path::new("")),
            broken,
            headers: Vec::new(),
            errors: Vec::new(),
        }
    }

    fn push(&mut self, at: usize, message: String) {
        let (line, column) = self.lines.position(at);
        self.errors.push(ConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            message,
        });
    }

    /// Reports the parser's errors without its cascades. An unclosed `[` or `{` swallows the
    /// lines after it and makes an error of each: it is reported once, where it opens, and the
    /// lines it swallowed are only marked broken. A line gets at most one syntax error, the
    /// first: the rest are the parser losing its footing.
    fn syntax_errors(&mut self, mut errors: Vec<(Range<usize>, String)>, root: &DeTable<'_>) {
        let containers = inline_containers(self.text, root);
        let mut swallowed: Vec<Range<usize>> = Vec::new();
        for (span, message) in &mut errors {
            if !(message.starts_with("unclosed array")
                || message.starts_with("unclosed inline table"))
            {
                continue;
            }
            let opened = containers
                .iter()
                .filter(|c| c.end == span.start && c.start < span.start)
                .min_by_key(|c| c.start);
            if let Some(opened) = opened {
                swallowed.push(opened.clone());
                *span = opened.start..opened.start + 1;
            }
        }
        errors.retain(|(span, _)| {
            !swallowed
                .iter()
                .any(|s| span.start > s.start && span.start <= s.end)
        });
        errors.sort_by_key(|(span, _)| span.start);
        for range in &swallowed {
            let (first, last) = (self.lines.index(range.start), self.lines.index(range.end));
            for flag in &mut self.broken[first..=last] {
                *flag = true;
            }
        }
        let mut previous_line = None;
        for (span, message) in errors {
            let line = self.lines.index(span.start);
            if previous_line != Some(line) {
                previous_line = Some(line);
                self.syntax_error(span, message);
            }
        }
    }

    fn syntax_error(&mut self, span: Range<usize>, message: String) {
        let line = self.lines.index(span.start);
        if let Some(flag) = self.broken.get_mut(line) {
            *flag = true;
        }
        let message = match self.text.get(span.clone()) {
            Some(key) if message == "duplicate key" && !key.is_empty() => {
                format!("invalid TOML: duplicate key `{key}`")
            }
            _ => format!("invalid TOML: {message}"),
        };
        self.push(span.start, message);
    }

    /// A schema error at `at`, unless `cover` touches a line with a syntax error.
    fn report(&mut self, at: usize, cover: Range<usize>, message: String) {
        let first = self.lines.index(cover.start.min(at));
        let last = self.lines.index(cover.end.max(at));
        if self.broken[first..=last].iter().any(|b| *b) {
            return;
        }
        self.push(at, message);
    }

    fn value_error(&mut self, value: &Value<'_>, message: String) {
        self.report(value.span().start, value.span(), message);
    }

    /// A required key is missing from the table whose header (or inline `{`) is at `span`.
    fn missing(&mut self, span: Range<usize>, message: String) {
        let end = self
            .headers
            .iter()
            .copied()
            .find(|&h| h > span.start)
            .unwrap_or(self.text.len());
        self.report(span.start, span.start..end.max(span.end), message);
    }

    fn unknown_key(&mut self, key: &Key<'_>, value: &Value<'_>, place: &str, known: &[&str]) {
        let name: &str = key.get_ref();
        let mut message = if place.is_empty() {
            format!("unknown key `{name}` at the top level")
        } else {
            format!("unknown key `{name}` in {place}")
        };
        match closest(name, known) {
            Some(guess) => message.push_str(&format!("; did you mean `{guess}`?")),
            None => message.push_str(&format!("; known keys: {}", known.join(", "))),
        }
        let (k, v) = (key.span(), value.span());
        self.report(k.start, k.start.min(v.start)..k.end.max(v.end), message);
    }

    // ---- typed values ----

    fn table<'v, 'i>(&mut self, value: &'v Value<'i>, name: &str) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            DeValue::Array(items) if items.iter().all(|i| i.get_ref().is_table()) => {
                self.value_error(
                    value,
                    format!("{name} must be a table: write [{name}], not [[{name}]]"),
                );
                None
            }
            other => {
                self.value_error(
                    value,
                    format!("{name} must be a table, got {}", describe(other)),
                );
                None
            }
        }
    }

    fn string<'v>(&mut self, value: &'v Value<'_>, key: &str) -> Option<&'v str> {
        match value.get_ref() {
            DeValue::String(s) => Some(s),
            other => {
                self.value_error(
                    value,
                    format!("{key} must be a string, got {}", describe(other)),
                );
                None
            }
        }
    }

    fn non_empty_string<'v>(&mut self, value: &'v Value<'_>, key: &str) -> Option<&'v str> {
        let s = self.string(value, key)?;
        if s.trim().is_empty() {
            self.value_error(value, format!("{key} must not be empty"));
            return None;
        }
        Some(s)
    }

    fn boolean(&mut self, value: &Value<'_>, key: &str) -> Option<bool> {
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                self.value_error(
                    value,
                    format!("{key} must be true or false, got {}", describe(other)),
                );
                None
            }
        }
    }

    fn integer(&mut self, value: &Value<'_>, key: &str) -> Option<i128> {
        match value.get_ref() {
            DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(n),
                Err(_) => {
                    self.value_error(value, format!("{key} is too large, got {i}"));
                    None
                }
            },
            other => {
                self.value_error(
                    value,
                    format!("{key} must be a whole number, got {}", describe(other)),
                );
                None
            }
        }
    }

    /// Runs a string value through a parser; its message is prefixed with the key.
    fn parsed<T>(
        &mut self,
        value: &Value<'_>,
        key: &str,
        parser: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let s = self.string(value, key)?;
        match parser(s) {
            Ok(parsed) => Some(parsed),
            Err(message) => {
                self.value_error(value, format!("{key}: {message}"));
                None
            }
        }
    }

    fn duration(&mut self, value: &Value<'_>, key: &str) -> Option<Duration> {
        self.parsed(value, key, parse_duration)
    }

    /// A duration that must be at least `least`.
    fn duration_at_least(
        &mut self,
        value: &Value<'_>,
        key: &str,
        least: Duration,
    ) -> Option<Duration> {
        let duration = self.duration(value, key)?;
        if duration < least {
            let message = if least == Duration::from_secs(1) && duration.is_zero() {
                format!("{key} must be longer than 0s")
            } else {
                format!(
                    "{key} must be at least {}, got {}",
                    format_duration(least),
                    format_duration(duration)
                )
            };
            self.value_error(value, message);
            return None;
        }
        Some(duration)
    }

    fn interval(&mut self, value: &Value<'_>, key: &str) -> Option<Interval> {
        let interval = self.parsed(value, key, |s| {
            if s.trim().eq_ignore_ascii_case("auto") {
                return Ok(Interval::Auto);
            }
            parse_duration(s)
                .map(Interval::Every)
                .map_err(|e| format!(r#"{e}, or "auto" to learn it from the source"#))
        })?;
        if let Interval::Every(duration) = interval
            && duration < MIN_INTERVAL
        {
            self.value_error(
                value,
                format!(
                    "{key} must be at least {}, got {}",
                    format_duration(MIN_INTERVAL),
                    format_duration(duration)
                ),
            );
            return None;
        }
        Some(interval)
    }

    fn language(&mut self, value: &Value<'_>, key: &str) -> Option<Lang> {
        self.parsed(value, key, parse_language)
    }

    // ---- tables ----

    fn root(&mut self, root: &DeTable<'_>) -> Config {
        let mut output = OutputConfig {
            dir: self.dir.join(DEFAULT_OUTPUT_DIR),
        };
        let mut http = HttpConfig::default();
        let mut service = None;
        let mut defaults = Defaults::default();
        let mut sources = None;
        for (key, value) in entries(root) {
            match key.get_ref().as_ref() {
                "output" => {
                    if let Some(table) = self.table(value, "output") {
                        output = self.output(table);
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
                "defaults" => {
                    if let Some(table) = self.table(value, "defaults") {
                        defaults = self.defaults(table);
                    }
                }
                "source" => sources = Some(value),
                _ => self.unknown_key(key, value, "", ROOT_KEYS),
            }
        }
        // After the loop: sources inherit `[defaults]` wherever that table is in the file.
        let sources = sources.map_or_else(Vec::new, |value| self.sources(value, &defaults));
        Config {
            path: self.file.to_path_buf(),
            output,
            http,
            service,
            defaults,
            sources,
        }
    }

    fn output(&mut self, table: &DeTable<'_>) -> OutputConfig {
        let mut dir = PathBuf::from(DEFAULT_OUTPUT_DIR);
        for (key, value) in entries(table) {
            match key.get_ref().as_ref() {
                "dir" => {
                    if let Some(s) = self.non_empty_string(value, "dir") {
                        dir = PathBuf::from(s);
                    }
                }
                _ => self.unknown_key(key, value, "[output]", OUTPUT_KEYS),
            }
        }
        // `join` keeps an absolute `dir` as it is.
        OutputConfig {
            dir: self.dir.join(dir),
        }
    }

    fn http(&mut self, table: &DeTable<'_>) -> HttpConfig {
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
                    if !value.get_ref().is_str() {
                        let got = describe(value.get_ref());
                        self.value_error(
                            value,
                            format!(
                                r#"{name} must be a string with a unit, like "10MB", got {got}"#
                            ),
                        );
                    } else if let Some(bytes) = self.parsed(value, name, parse_size) {
                        if bytes == 0 {
                            self.value_error(value, format!("{name} must be larger than 0B"));
                        } else {
                            http.max_body = bytes;
                        }
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

    fn service(&mut self, table: &DeTable<'_>) -> ServiceConfig {
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

    fn defaults(&mut self, table: &DeTable<'_>) -> Defaults {
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

    fn languages(&mut self, value: &Value<'_>) -> Option<Vec<Lang>> {
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

    fn sources(&mut self, value: &Value<'_>, defaults: &Defaults) -> Vec<SourceConfig> {
        let items = match value.get_ref() {
            DeValue::Array(items) => items,
            DeValue::Table(_) => {
                self.value_error(
                    value,
                    "source must be an array of tables: write [[source]], not [source]".to_owned(),
                );
                return Vec::new();
            }
            other => {
                self.value_error(
                    value,
                    format!(
                        "source must be an array of tables ([[source]]), got {}",
                        describe(other)
                    ),
                );
                return Vec::new();
            }
        };
        let mut names: HashMap<String, usize> = HashMap::new();
        let mut sources = Vec::with_capacity(items.len());
        for item in items.iter() {
            let DeValue::Table(table) = item.get_ref() else {
                self.value_error(
                    item,
                    format!(
                        "each source must be a table ([[source]]), got {}",
                        describe(item.get_ref())
                    ),
                );
                continue;
            };
            if let Some(source) = self.source(table, item.span(), defaults, &mut names) {
                sources.push(source);
            }
        }
        sources
    }

    /// One `[[source]]`; `None` when it has an error (already reported).
    fn source(
        &mut self,
        table: &DeTable<'_>,
        span: Range<usize>,
        defaults: &Defaults,
        names: &mut HashMap<String, usize>,
    ) -> Option<SourceConfig> {
        let errors_before = self.errors.len();
        let mut name: Option<String> = None;
        let mut kind = SourceKind::Feed;
        let mut kind_value: Option<&Value<'_>> = None;
        let mut location: Option<SourceLocation> = None;
        let mut interval = defaults.interval;
        let mut follow_links = defaults.follow_links;
        let mut lang_hint = None;
        let mut encoding = None;
        let mut timezone = NaiveTimezone::Fixed(0);
        let mut select: Option<(&Key<'_>, Option<PageSelectors>)> = None;
        let mut extract = ExtractRules::default();
        let mut title = None;
        let mut tags = Vec::new();
        let mut site = None;
        // Given but invalid is not the same as missing: the former is already reported.
        let mut seen_name = false;
        let mut seen_url = false;
        let mut seen_select = false;
        let mut invalid = false;

        for (key, value) in entries(table) {
            let field: &str = key.get_ref();
            match field {
                "name" => {
                    seen_name = true;
                    name = self.source_name(value, names);
                }
                "kind" => {
                    kind_value = Some(value);
                    match self.string(value, field) {
                        Some("feed") => kind = SourceKind::Feed,
                        Some("page") => kind = SourceKind::Page,
                        Some(other) => {
                            self.value_error(
                                value,
                                format!(r#"kind must be "feed" or "page", got {other:?}"#),
                            );
                            invalid = true;
                        }
                        None => invalid = true,
                    }
                }
                "url" => {
                    seen_url = true;
                    let dir = self.dir;
                    location = self.parsed(value, field, |s| parse_location(s, dir));
                }
                "interval" => match self.interval(value, field) {
                    Some(i) => interval = i,
                    None => invalid = true,
                },
                "follow_links" => match self.boolean(value, field) {
                    Some(b) => follow_links = b,
                    None => invalid = true,
                },
                "lang_hint" => match self.language(value, field) {
                    Some(lang) => lang_hint = Some(lang),
                    None => invalid = true,
                },
                "encoding" => match self.parsed(value, field, parse_encoding) {
                    Some(e) => encoding = Some(e),
                    None => invalid = true,
                },
                "timezone" => match self.parsed(value, field, parse_timezone) {
                    Some(tz) => timezone = tz,
                    None => invalid = true,
                },
                "select" => {
                    seen_select = true;
                    match self.table(value, "source.select") {
                        Some(t) => select = Some((key, self.selectors(t, value.span()))),
                        None => invalid = true,
                    }
                }
                "extract" => match self.table(value, "source.extract") {
                    Some(t) => match self.extract_rules(t) {
                        Some(rules) => extract = rules,
                        None => invalid = true,
                    },
                    None => invalid = true,
                },
                "title" => match self.non_empty_string(value, field) {
                    Some(t) => title = Some(t.trim().to_owned()),
                    None => invalid = true,
                },
                "tags" => match self.tags(value) {
                    Some(t) => tags = t,
                    None => invalid = true,
                },
                "site" => match self.parsed(value, field, parse_site) {
                    Some(url) => site = Some(url),
                    None => invalid = true,
                },
                _ => self.unknown_key(key, value, "[[source]]", SOURCE_KEYS),
            }
        }

        if !seen_name {
            self.missing(
                span.clone(),
                r#"[[source]] is missing `name` (a unique id like "kan-news")"#.to_owned(),
            );
        }
        if !seen_url {
            self.missing(
                span,
                r#"[[source]] is missing `url` (http://, https:// or file:)"#.to_owned(),
            );
        }
        match (kind, &select, kind_value) {
            (SourceKind::Page, None, Some(at)) if !seen_select => self.value_error(
                at,
                r#"kind = "page" needs a [source.select] table with at least `item` and `link`"#
                    .to_owned(),
            ),
            (SourceKind::Feed, Some((key, _)), _) => {
                let implied = if kind_value.is_none() {
                    r#" (kind defaults to "feed")"#
                } else {
                    ""
                };
                self.report(
                    key.span().start,
                    key.span(),
                    format!(
                        r#"[source.select] is only for kind = "page"; this source is a feed{implied}"#
                    ),
                );
            }
            _ => {}
        }

        if invalid || self.errors.len() > errors_before {
            return None;
        }
        let select = match (kind, select) {
            (SourceKind::Page, Some((_, Some(selectors)))) => Some(selectors),
            (SourceKind::Page, _) => return None,
            (SourceKind::Feed, _) => None,
        };
        Some(SourceConfig {
            name: name?,
            kind,
            location: location?,
            interval,
            follow_links,
            lang_hint,
            encoding,
            timezone,
            select,
            extract,
            title,
            tags,
            site,
        })
    }

    /// `tags`: a list of non-empty strings, the source's category path.
    fn tags(&mut self, value: &Value<'_>) -> Option<Vec<String>> {
        let DeValue::Array(items) = value.get_ref() else {
            let got = describe(value.get_ref());
            self.value_error(
                value,
                format!(r#"tags must be a list of strings, like ["News", "Israel"], got {got}"#),
            );
            return None;
        };
        let mut tags = Vec::with_capacity(items.len());
        for item in items.iter() {
            tags.push(self.non_empty_string(item, "each tag")?.trim().to_owned());
        }
        Some(tags)
    }

    /// `[source.extract]`: `body` (one CSS selector) and `remove` (a list of them), each checked.
    fn extract_rules(&mut self, table: &DeTable<'_>) -> Option<ExtractRules> {
        let mut rules = ExtractRules::default();
        let mut valid = true;
        for (key, value) in entries(table) {
            let field: &str = key.get_ref();
            match field {
                "body" => match self.non_empty_string(value, field) {
                    Some(css) => match crate::extract::css_selector(css) {
                        Ok(_) => rules.body = Some(css.to_owned()),
                        Err(e) => {
                            self.value_error(value, format!("body: {e}"));
                            valid = false;
                        }
                    },
                    None => valid = false,
                },
                "remove" => {
                    let DeValue::Array(items) = value.get_ref() else {
                        self.value_error(
                            value,
                            format!(
                                "remove must be a list of CSS selectors, got {}",
                                describe(value.get_ref())
                            ),
                        );
                        valid = false;
                        continue;
                    };
                    for item in items {
                        let Some(css) = self.non_empty_string(item, "remove") else {
                            valid = false;
                            continue;
                        };
                        match crate::extract::css_selector(css) {
                            Ok(_) => rules.remove.push(css.to_owned()),
                            Err(e) => {
                                self.value_error(item, format!("remove: {e}"));
                                valid = false;
                            }
                        }
                    }
                }
                _ => self.unknown_key(key, value, "[source.extract]", EXTRACT_KEYS),
            }
        }
        valid.then_some(rules)
    }

    /// A source's `name`: well-formed and not used by an earlier source.
    fn source_name(
        &mut self,
        value: &Value<'_>,
        names: &mut HashMap<String, usize>,
    ) -> Option<String> {
        let name = self.string(value, "name")?;
        let well_formed = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !well_formed {
            self.value_error(
                value,
                format!(
                    r#"name must be lowercase letters a-z, digits, "_" or "-" (like "kan-news"), got {name:?}"#
                ),
            );
            return None;
        }
        let (line, _) = self.lines.position(value.span().start);
        if let Some(first) = names.get(name) {
            self.value_error(
                value,
                format!("duplicate source name `{name}`: already used on line {first}"),
            );
            return None;
        }
        names.insert(name.to_owned(), line);
        Some(name.to_owned())
    }

    /// `[source.select]`; `None` when `item` or `link` is missing (reported) or a value is bad.
    fn selectors(&mut self, table: &DeTable<'_>, span: Range<usize>) -> Option<PageSelectors> {
        let mut item = None;
        let mut link = None;
        let mut title = None;
        let mut published = None;
        let mut summary = None;
        let mut seen_item = false;
        let mut seen_link = false;
        for (key, value) in entries(table) {
            let field: &str = key.get_ref();
            let slot = match field {
                "item" => {
                    seen_item = true;
                    &mut item
                }
                "link" => {
                    seen_link = true;
                    &mut link
                }
                "title" => &mut title,
                "published" => &mut published,
                "summary" => &mut summary,
                _ => {
                    self.unknown_key(key, value, "[source.select]", SELECT_KEYS);
                    continue;
                }
            };
            *slot = self.non_empty_string(value, field).map(str::to_owned);
            if let Some(css) = slot.as_deref() {
                let checked = if field == "item" {
                    crate::extract::css_selector(css).map(|_| ())
                } else {
                    crate::parse::listing::FieldSelector::parse(css).map(|_| ())
                };
                if let Err(message) = checked {
                    self.value_error(value, format!("{field}: {message}"));
                    *slot = None;
                }
            }
        }
        if !seen_item {
            self.missing(
                span.clone(),
                r#"[source.select] is missing `item` (the CSS selector of one item, like "article")"#
                    .to_owned(),
            );
        }
        if !seen_link {
            self.missing(
                span,
                r#"[source.select] is missing `link` (like "a@href")"#.to_owned(),
            );
        }
        Some(PageSelectors {
            item: item?,
            link: link?,
            title,
            published,
            summary,
        })
    }
}

/// A table's entries in file order (the map itself is sorted by key).
fn entries<'a, 'i>(table: &'a DeTable<'i>) -> Vec<(&'a Key<'i>, &'a Value<'i>)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

/// "a string", "an integer"… for type errors.
fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// The known key nearest to a misspelt one, when it is near enough to be a likely typo, or a
/// known key the unknown one starts with (`listen_on` → `listen`).
fn closest<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    let name = name.to_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&name, k), *k))
        .filter(|(d, k)| *d <= (k.chars().count() / 3).clamp(1, 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
        .or_else(|| {
            known
                .iter()
                .filter(|k| k.len() >= 3 && name.starts_with(**k))
                .max_by_key(|k| k.len())
                .copied()
        })
}

/// Edit distance in characters, a swap of two neighbours counting as one edit (optimal string
/// alignment), since `titel` for `title` is the commonest typo of all.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the dynamic-programming table: two back, one back, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

fn parse_language(code: &str) -> Result<Lang, String> {
    Lang::parse(code).ok_or_else(|| {
        format!(
            "unknown language code {code:?}: expected an ISO 639-1 code such as {} ({} are known)",
            crate::text::DEFAULT_LANGUAGES.join(", "),
            Lang::all_codes().count()
        )
    })
}

fn parse_encoding(label: &str) -> Result<&'static encoding_rs::Encoding, String> {
    match encoding_rs::Encoding::for_label(label.as_bytes()) {
        // The "replacement" encoding decodes any input to a single U+FFFD: never what is meant.
        Some(encoding) if encoding != encoding_rs::REPLACEMENT => Ok(encoding),
        _ => Err(format!(
            r#"unknown encoding {label:?}: expected a WHATWG encoding label such as "utf-8", "windows-1255" or "iso-8859-8""#
        )),
    }
}

fn parse_timezone(zone: &str) -> Result<NaiveTimezone, String> {
    let unknown = || {
        format!(
            r#"unknown timezone {zone:?}: expected "UTC", an offset like "+02:00" or "-05:30", or "Asia/Jerusalem""#
        )
    };
    if zone.eq_ignore_ascii_case("UTC") {
        return Ok(NaiveTimezone::Fixed(0));
    }
    // "Israel" and "Asia/Tel_Aviv" are the IANA database's own aliases of Asia/Jerusalem.
    if ["Asia/Jerusalem", "Asia/Tel_Aviv", "Israel"].contains(&zone) {
        return Ok(NaiveTimezone::Jerusalem);
    }
    let sign = match zone.as_bytes().first() {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(unknown()),
    };
    let Some((hours, minutes)) = zone[1..].split_once(':') else {
        return Err(unknown());
    };
    let two_digits = |s: &str| {
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i32>().ok())
            .flatten()
    };
    match (two_digits(hours), two_digits(minutes)) {
        (Some(h), Some(m)) if h <= 23 && m <= 59 => {
            Ok(NaiveTimezone::Fixed(sign * (h * 3600 + m * 60)))
        }
        (Some(_), Some(_)) => Err(format!(
            r#"invalid offset {zone:?}: hours must be 00 to 23 and minutes 00 to 59"#
        )),
        _ => Err(unknown()),
    }
}

/// `site`: the publisher's web page, an absolute http(s) URL.
fn parse_site(url: &str) -> Result<Url, String> {
    match Url::parse(url.trim()) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(parsed)
        }
        Ok(_) => Err(format!("{url:?} is not an http(s) URL")),
        Err(e) => Err(format!("{url:?} is not a URL: {e}")),
    }
}

/// A source's `url`: `http(s)://…`, `file:///absolute/path`, or `file:relative/path`
/// (relative to `dir`, the config file's directory).
fn parse_location(url: &str, dir: &Path) -> Result<SourceLocation, String> {
    const FORMS: &str = "expected http://, https://, file:///absolute/path or file:relative/path";
    let scheme = url.split_once(':').map(|(scheme, _)| scheme).filter(|s| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let Some(scheme) = scheme else {
        return Err(format!("{url:?} has no scheme: {FORMS}"));
    };
    let rest = &url[scheme.len() + 1..];
    if scheme.eq_ignore_ascii_case("file") {
        if rest.starts_with("//") {
            let parsed = Url::parse(url).map_err(|e| format!("invalid URL {url:?}: {e}"))?;
            return parsed.to_file_path().map(SourceLocation::File).map_err(|()| {
                format!(
                    "{url:?} is not a local file: write file:///absolute/path (three slashes) or file:relative/path"
                )
            });
        }
        if rest.is_empty() {
            return Err(format!("{url:?} names no file: {FORMS}"));
        }
        return Ok(SourceLocation::File(dir.join(rest)));
    }
    if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        return Url::parse(url)
            .map(SourceLocation::Http)
            .map_err(|e| format!("invalid URL {url:?}: {e}"));
    }
    Err(format!("unsupported scheme `{scheme}` in {url:?}: {FORMS}"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
                dir: PathBuf::from("/etc/nahar/data"),
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
                dir: PathBuf::from("/etc/nahar/data"),
            },
            http: HttpConfig::default(),
            service: None,
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
                "7:12: invalid TOML: string values must be quoted, expected literal string"
                    .to_owned(),
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
                "1:1: unknown key `colour` at the top level; known keys: output, http, service, defaults, source".to_owned(),
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
        let config = parse(text, Path::new("/srv/nahar/config/nahar.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
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
            vec![
                "1:1: source must be an array of tables: write [[source]], not [source]".to_owned()
            ]
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
                r#"12:20: body: invalid CSS selector "div[": Unexpected EOL"#.to_owned(),
                r#"12:44: remove: invalid CSS selector "p >": DanglingCombinator"#.to_owned(),
                "12:52: unknown key `strip` in [source.extract]; known keys: body, remove"
                    .to_owned(),
                r#"18:19: item: invalid CSS selector "li[": Unexpected EOL"#.to_owned(),
                r#"18:51: title: invalid CSS selector "h2 >": DanglingCombinator"#.to_owned(),
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
                "1:1: unknown key `bogus` at the top level; known keys: output, http, service, defaults, source".to_owned()
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
}
