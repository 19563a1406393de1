//! What a page says about itself: title, author, publication time, `lang` and `dir`, from its
//! `<meta>` tags, JSON-LD and `<html>` attributes.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use scraper::{Html, Selector};

use crate::config::NaiveTimezone;
use crate::dates::parse_timestamp;
use crate::text::Dir;

/// What the page says about itself.
#[derive(Debug, Default)]
pub(super) struct Metadata {
    pub(super) title: Option<String>,
    pub(super) author: Option<String>,
    pub(super) published: Option<DateTime<Utc>>,
    pub(super) lang: Option<String>,
    pub(super) dir: Option<Dir>,
}

pub(super) fn metadata(doc: &Html) -> Metadata {
    let meta_content = |names: &[&str]| -> Option<String> {
        doc.select(&META).find_map(|m| {
            let e = m.value();
            let key = e
                .attr("property")
                .or_else(|| e.attr("name"))
                .or_else(|| e.attr("itemprop"))?;
            names
                .iter()
                .any(|n| key.eq_ignore_ascii_case(n))
                .then(|| e.attr("content"))
                .flatten()
                .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|c| !c.is_empty())
        })
    };
    let json_ld = json_ld(doc);
    let title = meta_content(&["og:title", "twitter:title"])
        .or_else(|| {
            doc.select(&TITLE)
                .next()
                .map(|t| strip_site_name(&t.text().collect::<String>()))
                .filter(|t| !t.is_empty())
        })
        .or_else(|| {
            doc.select(&H1)
                .next()
                .map(|h| {
                    h.text()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .filter(|t| !t.is_empty())
        });
    let author = meta_content(&["author", "article:author", "dc.creator", "byl"])
        .filter(|a| !a.starts_with("http"))
        .map(|a| {
            a.trim_start_matches("By ")
                .trim_start_matches("by ")
                .to_owned()
        })
        .or_else(|| json_ld.author.clone())
        .or_else(|| {
            doc.select(&AUTHOR_LINK)
                .next()
                .map(|a| {
                    a.text()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .filter(|a| !a.is_empty() && a.chars().count() < 100)
        });
    let zone = NaiveTimezone::Fixed(0);
    let published = meta_content(&[
        "article:published_time",
        "datePublished",
        "og:published_time",
        "pubdate",
        "publishdate",
        "date",
    ])
    .and_then(|d| parse_timestamp(&d, zone))
    .or_else(|| {
        json_ld
            .published
            .as_deref()
            .and_then(|d| parse_timestamp(d, zone))
    })
    .or_else(|| {
        doc.select(&TIME).find_map(|t| {
            t.value()
                .attr("datetime")
                .and_then(|d| parse_timestamp(d, zone))
        })
    });
    let html = doc.root_element();
    let lang = html
        .value()
        .attr("lang")
        .or_else(|| html.value().attr("xml:lang"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned);
    let dir = html
        .value()
        .attr("dir")
        .and_then(Dir::from_attribute)
        .or_else(|| {
            doc.select(&BODY)
                .next()
                .and_then(|b| b.value().attr("dir"))
                .and_then(Dir::from_attribute)
        });
    Metadata {
        title,
        author,
        published,
        lang,
        dir,
    }
}

/// `Headline | Site` → `Headline` (also ` - `, ` – `, ` — `, ` :: `), when what is cut is short.
pub(super) fn strip_site_name(title: &str) -> String {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    for separator in [" | ", " – ", " — ", " - ", " :: ", " « ", " » "] {
        if let Some(at) = title.rfind(separator) {
            let (head, tail) = (&title[..at], &title[at + separator.len()..]);
            if tail.chars().count() <= 40 && head.chars().count() >= 8 {
                return head.trim().to_owned();
            }
        }
    }
    title
}

#[derive(Debug, Default)]
pub(super) struct JsonLd {
    author: Option<String>,
    published: Option<String>,
}

/// `datePublished` and the author's name from the page's JSON-LD (any nesting, `@graph`
/// included); scripts that are not valid JSON are skipped.
pub(super) fn json_ld(doc: &Html) -> JsonLd {
    let mut found = JsonLd::default();
    for script in doc.select(&JSON_LD) {
        let Ok(value) =
            serde_json::from_str::<serde_json::Value>(&script.text().collect::<String>())
        else {
            continue;
        };
        let mut stack = vec![&value];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Array(items) => stack.extend(items.iter()),
                serde_json::Value::Object(map) => {
                    if found.published.is_none()
                        && let Some(d) = map.get("datePublished").and_then(|d| d.as_str())
                    {
                        found.published = Some(d.to_owned());
                    }
                    if found.author.is_none()
                        && let Some(a) = map.get("author")
                    {
                        let first = match a {
                            serde_json::Value::Array(list) => list.first(),
                            other => Some(other),
                        };
                        found.author = first
                            .and_then(|a| {
                                a.get("name")
                                    .and_then(|n| n.as_str())
                                    .or_else(|| a.as_str())
                            })
                            .map(|n| n.trim().to_owned())
                            .filter(|n| !n.is_empty() && !n.starts_with("http"));
                    }
                    stack.extend(map.values());
                }
                _ => {}
            }
        }
    }
    found
}

pub(super) static META: LazyLock<Selector> = LazyLock::new(|| selector("meta[content]"));
pub(super) static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("head title"));
pub(super) static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
pub(super) static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));
pub(super) static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));
pub(super) static AUTHOR_LINK: LazyLock<Selector> =
    LazyLock::new(|| selector("[rel=author], .byline .author, .author-name"));
pub(super) static JSON_LD: LazyLock<Selector> =
    LazyLock::new(|| selector("script[type=\"application/ld+json\"]"));

/// A selector written in this file; each is covered by the tests, so the fallback (a selector
/// that matches nothing) is never reached.
pub(super) fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|_| {
        Selector::parse("nahar-never-matches")
            .unwrap_or_else(|_| unreachable!("a plain type selector parses"))
    })
}
