//! Feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed) through feed-rs, with the repairs real feeds need.
//!
//! In: a decoded document. Out: its items as [`FeedEntry`] values. The text reaching feed-rs is
//! already UTF-8 with an honest XML declaration (the fetch stage rewrote it), so a declaration
//! that lied is never believed here. When feed-rs refuses a document, it is parsed once more
//! after repairing what real feeds get wrong: bare `&`, an `<rss>` version feed-rs does not
//! accept, junk before the root element.
//! Never: feed-rs's generated ids (they change when a title is edited, and JSON Feeds without a
//! home page get a random one) — identities are ours.

use std::collections::HashMap;

use feed_rs::model::{Entry, Feed, Text};
use sha2::{Digest, Sha256};
use url::Url;

use super::dates::parse_timestamp;
use super::{FeedEntry, Identity, IdentityBasis, Markup, ParseError};
use crate::config::{NaiveTimezone, SourceConfig};
use crate::fetch::{Document, DocumentKind};
use crate::links;

/// What feed-rs is told to use when an item has no id of its own, so that we can tell.
const NO_ID: &str = "\u{0}nahar:no-id";

pub(super) fn entries(
    document: &Document,
    source: &SourceConfig,
) -> Result<Vec<FeedEntry>, ParseError> {
    if document.kind == DocumentKind::Html {
        return Err(ParseError::NotAFeed(
            "the server sent an HTML page, not a feed".to_owned(),
        ));
    }
    let feed = parse_with_repairs(&document.text, &document.url, source.timezone)?;
    let feed_language = feed.language.clone();
    let mut items = Vec::with_capacity(feed.entries.len());
    for entry in feed.entries {
        match entry_of(entry, document, feed_language.as_deref()) {
            Some(item) => items.push(item),
            None => tracing::warn!(
                source = %source.name,
                url = %document.url,
                "Skipped an item with no id, link, title, date or content."
            ),
        }
    }
    disambiguate_repeated_guids(&mut items);
    Ok(items)
}

fn parser(base: &Url, zone: NaiveTimezone) -> feed_rs::parser::Parser {
    feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .timestamp_parser(move |s| parse_timestamp(s, zone))
        .id_generator(|_, _, _| NO_ID.to_owned())
        .sanitize_content(false)
        .build()
}

fn parse_with_repairs(text: &str, base: &Url, zone: NaiveTimezone) -> Result<Feed, ParseError> {
    let parser = parser(base, zone);
    let first = match parser.parse(text.as_bytes()) {
        Ok(feed) => return Ok(feed),
        Err(error) => error,
    };
    let repaired = repair(text);
    if repaired != text
        && let Ok(feed) = parser.parse(repaired.as_bytes())
    {
        tracing::info!(url = %base, cause = %first, "Parsed the feed after repairing it.");
        return Ok(feed);
    }
    Err(classify(&first, text))
}

fn classify(error: &feed_rs::parser::ParseFeedError, text: &str) -> ParseError {
    use feed_rs::parser::{ParseErrorKind, ParseFeedError};
    let head: String = text
        .trim_start()
        .chars()
        .take(200)
        .collect::<String>()
        .to_ascii_lowercase();
    match error {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot)
            if head.starts_with("<!doctype html") || head.starts_with("<html") =>
        {
            ParseError::NotAFeed("the document is an HTML page, not a feed".to_owned())
        }
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) if text.trim().is_empty() => {
            ParseError::NotAFeed("the document is empty".to_owned())
        }
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            ParseError::NotAFeed("no RSS, Atom or JSON Feed root element".to_owned())
        }
        ParseFeedError::JsonUnsupportedVersion(version) => {
            ParseError::Unsupported(format!("JSON Feed version {version}"))
        }
        other => ParseError::Malformed(other.to_string()),
    }
}

/// Repairs for what real feeds get wrong and feed-rs refuses.
fn repair(text: &str) -> String {
    let text = text.find('<').map_or(text, |start| &text[start..]);
    let text = escape_bare_ampersands(text);
    fix_rss_version(&text)
}

/// `Q&A` → `Q&amp;A`, outside CDATA sections; entity and character references are left alone.
fn escape_bare_ampersands(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
            let end = cdata.find("]]>").map_or(cdata.len(), |e| e + 3);
            out.push_str("<![CDATA[");
            out.push_str(&cdata[..end]);
            rest = &cdata[end..];
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        if c == '&' && !starts_reference(&rest[1..]) {
            out.push_str("&amp;");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn starts_reference(after: &str) -> bool {
    let name_end = after.find(';');
    let Some(end) = name_end.filter(|e| *e > 0 && *e <= 32) else {
        return false;
    };
    let name = &after[..end];
    if let Some(number) = name.strip_prefix('#') {
        return match number.strip_prefix(['x', 'X']) {
            Some(hex) => !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()),
            None => !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()),
        };
    }
    name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// feed-rs accepts `<rss version="2.0">` (and 0.91/0.92/"") but not a missing version or
/// `0.94`/`2.01`; they are all RSS 2.0 in practice.
fn fix_rss_version(text: &str) -> String {
    let Some(start) = text.find("<rss") else {
        return text.to_owned();
    };
    let Some(end) = text[start..].find('>').map(|e| start + e) else {
        return text.to_owned();
    };
    let tag = &text[start..end];
    let accepted = [
        "version=\"2.0\"",
        "version='2.0'",
        "version=\"0.91\"",
        "version=\"0.92\"",
    ];
    if accepted.iter().any(|a| tag.contains(a)) {
        return text.to_owned();
    }
    let without_version: String = remove_attribute(tag, "version");
    format!(
        "{}{} version=\"2.0\"{}",
        &text[..start],
        without_version,
        &text[end..]
    )
}

fn remove_attribute(tag: &str, name: &str) -> String {
    let Some(at) = tag.find(&format!(" {name}=")) else {
        return tag.to_owned();
    };
    let value_start = at + name.len() + 2;
    let quote = tag[value_start..].chars().next();
    let value_end = match quote {
        Some(q @ ('"' | '\'')) => tag[value_start + 1..]
            .find(q)
            .map(|e| value_start + 1 + e + 1),
        _ => tag[value_start..].find(' ').map(|e| value_start + e),
    }
    .unwrap_or(tag.len());
    format!("{}{}", &tag[..at], &tag[value_end..])
}

fn markup(text: &Text) -> Markup {
    Markup {
        content: text.content.clone(),
        is_html: text.content_type.to_string().contains("html"),
    }
}

fn entry_of(entry: Entry, document: &Document, feed_language: Option<&str>) -> Option<FeedEntry> {
    let url = entry
        .links
        .iter()
        .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .chain(entry.links.iter())
        .find_map(|l| links::canonical(&l.href, Some(&document.url)));
    let title = entry
        .title
        .as_ref()
        .map(markup)
        .filter(|m| !m.content.trim().is_empty());
    let summary = entry
        .summary
        .as_ref()
        .map(markup)
        .filter(|m| !m.content.trim().is_empty());
    let content = entry
        .content
        .as_ref()
        .and_then(|c| {
            c.body.as_ref().map(|body| Markup {
                content: body.clone(),
                is_html: c.content_type.to_string().contains("html"),
            })
        })
        .filter(|m| !m.content.trim().is_empty());
    let authors: Vec<String> = entry
        .authors
        .iter()
        .filter_map(|p| p.name.as_deref().map(|n| n.trim().to_owned()))
        .filter(|n| !n.is_empty())
        .collect();
    let published = entry.published.or(entry.updated);
    let body = content
        .as_ref()
        .or(summary.as_ref())
        .map_or("", |m| m.content.as_str());
    let title_text = title.as_ref().map_or("", |m| m.content.as_str());
    let link_text = url.as_ref().map_or("", Url::as_str);
    let guid = entry.id.trim();
    let identity = if !guid.is_empty() && guid != NO_ID {
        Identity {
            basis: IdentityBasis::Guid,
            key: guid.to_owned(),
        }
    } else if !link_text.is_empty() {
        Identity {
            basis: IdentityBasis::Link,
            key: link_text.to_owned(),
        }
    } else if !title_text.is_empty() || published.is_some() {
        let date = published.map(|d| d.to_rfc3339()).unwrap_or_default();
        Identity {
            basis: IdentityBasis::TitleDate,
            key: hash(&[title_text, &date]),
        }
    } else if !body.trim().is_empty() {
        Identity {
            basis: IdentityBasis::Content,
            key: hash(&[body]),
        }
    } else {
        return None;
    };
    Some(FeedEntry {
        identity,
        source_hash: hash(&[title_text, body, link_text]),
        url,
        title,
        summary,
        content,
        authors,
        published,
        updated: entry.updated,
        language: entry.language.or_else(|| feed_language.map(str::to_owned)),
        warnings: document.warnings.clone(),
    })
}

/// Hex SHA-256 of the parts, each followed by a separator that cannot occur in them.
pub(crate) fn hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A GUID used by several items of one document (ANCHORS.md lesson 2): items that differ by
/// link are told apart by it, the rest by their position among the repeats.
fn disambiguate_repeated_guids(items: &mut [FeedEntry]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for item in items
        .iter()
        .filter(|i| i.identity.basis == IdentityBasis::Guid)
    {
        *counts.entry(item.identity.key.clone()).or_default() += 1;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in items.iter_mut() {
        if item.identity.basis != IdentityBasis::Guid
            || counts.get(&item.identity.key).is_none_or(|n| *n < 2)
        {
            continue;
        }
        let n = seen.entry(item.identity.key.clone()).or_default();
        *n += 1;
        item.identity.key = match &item.url {
            Some(url) => format!("{}\n{}", item.identity.key, url),
            None => format!("{}\n#{}", item.identity.key, n),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Interval, SourceKind, SourceLocation};
    use crate::fetch::{CharsetDecision, CharsetRule};

    fn source() -> SourceConfig {
        SourceConfig {
            name: "test".into(),
            kind: SourceKind::Feed,
            location: SourceLocation::File("/tmp/x".into()),
            interval: Interval::Every(std::time::Duration::from_secs(60)),
            follow_links: false,
            lang_hint: None,
            encoding: None,
            timezone: NaiveTimezone::Fixed(0),
            select: None,
        }
    }

    fn document(text: &str) -> Document {
        Document {
            url: Url::parse("https://example.org/feeds/rss.xml").unwrap_or_else(|e| panic!("{e}")),
            media_type: None,
            kind: DocumentKind::Xml,
            text: text.to_owned(),
            charset: CharsetDecision {
                encoding: "UTF-8",
                rule: CharsetRule::Ascii,
                declared: None,
            },
            warnings: Vec::new(),
            size: text.len() as u64,
        }
    }

    fn parse(text: &str) -> Result<Vec<FeedEntry>, ParseError> {
        entries(&document(text), &source())
    }

    #[test]
    fn rss_item_fields_and_identity_policy() {
        let items = parse(r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title><language>he</language>
<item><guid>g-1</guid><title>שלום &amp; ברכה</title><link>/news/1?utm_source=rss#c</link><pubDate>Wed, 20 Nov 2024 21:30:00 +0200</pubDate><description><![CDATA[<p>גוף</p>]]></description><dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">כתב</dc:creator></item>
<item><title>no guid</title><link>https://example.org/news/2</link></item>
<item><title>only a title</title></item>
</channel></rss>"#).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<(IdentityBasis, &str)> = items
            .iter()
            .map(|i| (i.identity.basis, i.identity.key.as_str()))
            .collect();
        assert_eq!(ids[0], (IdentityBasis::Guid, "g-1"));
        assert_eq!(ids[1], (IdentityBasis::Link, "https://example.org/news/2"));
        assert_eq!(ids[2].0, IdentityBasis::TitleDate);
        let first = &items[0];
        assert_eq!(
            first.url.as_ref().map(Url::as_str),
            Some("https://example.org/news/1")
        );
        assert_eq!(
            first.title.as_ref().map(|t| t.content.as_str()),
            Some("שלום & ברכה")
        );
        assert_eq!(
            first
                .summary
                .as_ref()
                .map(|m| (m.content.as_str(), m.is_html)),
            Some(("<p>גוף</p>", true))
        );
        assert_eq!(first.authors, ["כתב"]);
        assert_eq!(first.language.as_deref(), Some("he"));
        assert_eq!(
            first.published.map(|d| d.to_rfc3339()),
            Some("2024-11-20T19:30:00+00:00".to_owned())
        );
    }

    #[test]
    fn identities_are_stable_across_parses() {
        let feed = r#"<rss version="2.0"><channel><item><title>a</title><pubDate>Wed, 20 Nov 2024 21:30:00 +0200</pubDate></item></channel></rss>"#;
        let a = parse(feed).unwrap_or_else(|e| panic!("{e}"));
        let b = parse(feed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a[0].identity, b[0].identity);
        assert_eq!(a[0].source_hash, b[0].source_hash);
    }

    #[test]
    fn repeated_guids_are_told_apart() {
        let items = parse(
            r#"<rss version="2.0"><channel>
<item><guid>same</guid><title>a</title><link>https://example.org/a</link></item>
<item><guid>same</guid><title>b</title><link>https://example.org/b</link></item>
<item><guid>same</guid><title>c</title></item>
<item><guid>other</guid><title>d</title></item>
</channel></rss>"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let keys: Vec<&str> = items.iter().map(|i| i.identity.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "same\nhttps://example.org/a",
                "same\nhttps://example.org/b",
                "same\n#3",
                "other"
            ]
        );
    }

    #[test]
    fn bare_ampersands_and_missing_rss_version_are_repaired() {
        let items = parse("junk\n<rss><channel><item><title>Q&A with Tom & Jerry &amp; co &#1513;</title><guid>1</guid></item></channel></rss>")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            items[0].title.as_ref().map(|t| t.content.as_str()),
            Some("Q&A with Tom & Jerry & co ש")
        );
    }

    #[test]
    fn html_pages_and_empty_documents_are_named() {
        assert_eq!(
            parse("<!DOCTYPE html><html><body>hi</body></html>"),
            Err(ParseError::NotAFeed(
                "the document is an HTML page, not a feed".into()
            ))
        );
        assert_eq!(
            parse("   "),
            Err(ParseError::NotAFeed("the document is empty".into()))
        );
        let mut html = document("<html></html>");
        html.kind = DocumentKind::Html;
        assert!(matches!(
            entries(&html, &source()),
            Err(ParseError::NotAFeed(_))
        ));
    }

    #[test]
    fn json_feed_and_atom() {
        let json = parse(r#"{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"j1","url":"https://example.org/j1","title":"JSON item","content_html":"<p>x</p>","date_published":"2024-11-20T19:30:00Z"}]}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (
                json[0].identity.key.as_str(),
                json[0].url.as_ref().map(Url::as_str)
            ),
            ("j1", Some("https://example.org/j1"))
        );
        let atom = parse(r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>a</title><id>urn:f</id><updated>2024-11-20T19:30:00Z</updated>
<entry><id>urn:e1</id><title type="html">A &lt;b&gt;bold&lt;/b&gt; title</title><link href="/e/1"/><updated>2024-11-20T19:30:00Z</updated></entry></feed>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            atom[0].url.as_ref().map(Url::as_str),
            Some("https://example.org/e/1")
        );
        assert_eq!(atom[0].title.as_ref().map(|t| t.is_html), Some(true));
        assert_eq!(
            atom[0].published.map(|d| d.to_rfc3339()),
            Some("2024-11-20T19:30:00+00:00".to_owned())
        );
    }

    #[test]
    fn javascript_links_are_never_item_urls() {
        let items = parse(r#"<rss version="2.0"><channel><item><title>x</title><link>javascript:alert(1)</link></item></channel></rss>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(items[0].url, None);
    }
}
