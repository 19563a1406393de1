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
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

mod sections;
mod sources;
mod toml_tree;

use toml_tree::describe;

use super::units::{format_duration, parse_duration};
use super::{Config, ConfigError, ConfigErrors, Interval};
use crate::text::Lang;

type Key<'i> = Spanned<DeString<'i>>;
type Value<'i> = Spanned<DeValue<'i>>;

const ROOT_KEYS: &[&str] = &["output", "http", "service", "nats", "defaults", "source"];
const OUTPUT_KEYS: &[&str] = &["kind", "dir", "memory_budget"];
const NATS_KEYS: &[&str] = &["servers", "credentials", "prefix", "replicas", "lease"];
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
const SELECT_KEYS: &[&str] = &[
    "item",
    "link",
    "title",
    "published",
    "published_format",
    "summary",
];

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

#[cfg(test)]
mod tests;
