//! The checks of `[[source]]` tables: every key, `[source.select]`, `[source.extract]`, names
//! unique and well-formed, and the values only a source has (URL, encoding, timezone, site).

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use url::Url;

use super::toml_tree::{describe, entries};
use super::{Checker, EXTRACT_KEYS, Key, SELECT_KEYS, SOURCE_KEYS, Value};
use crate::config::{
    Defaults, ExtractRules, NaiveTimezone, PageSelectors, SourceConfig, SourceKind, SourceLocation,
};

impl Checker<'_> {
    pub(super) fn sources(&mut self, value: &Value<'_>, defaults: &Defaults) -> Vec<SourceConfig> {
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
    pub(super) fn source(
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
    pub(super) fn tags(&mut self, value: &Value<'_>) -> Option<Vec<String>> {
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
    pub(super) fn extract_rules(&mut self, table: &DeTable<'_>) -> Option<ExtractRules> {
        let mut rules = ExtractRules::default();
        let mut valid = true;
        for (key, value) in entries(table) {
            let field: &str = key.get_ref();
            match field {
                "body" => match self.non_empty_string(value, field) {
                    Some(css) => match crate::markup::css_selector(css) {
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
                        match crate::markup::css_selector(css) {
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
    pub(super) fn source_name(
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
    pub(super) fn selectors(
        &mut self,
        table: &DeTable<'_>,
        span: Range<usize>,
    ) -> Option<PageSelectors> {
        let mut item = None;
        let mut link = None;
        let mut title = None;
        let mut published = None;
        let mut published_format = None;
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
                "published_format" => {
                    published_format = self.non_empty_string(value, field).map(str::to_owned);
                    if let Some(problem) = published_format
                        .as_deref()
                        .and_then(crate::dates::format_problem)
                    {
                        self.value_error(value, format!("{field}: {problem}"));
                        published_format = None;
                    }
                    continue;
                }
                _ => {
                    self.unknown_key(key, value, "[source.select]", SELECT_KEYS);
                    continue;
                }
            };
            *slot = self.non_empty_string(value, field).map(str::to_owned);
            if let Some(css) = slot.as_deref() {
                let checked = if field == "item" && css.contains('@') {
                    Err(format!(
                        "{css:?}: item takes a CSS selector only (`@attr` is for link, title, \
                         published and summary)"
                    ))
                } else if field == "item" {
                    crate::markup::css_selector(css).map(|_| ())
                } else {
                    crate::markup::FieldSelector::parse(css).map(|_| ())
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
            published_format,
            summary,
        })
    }
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
