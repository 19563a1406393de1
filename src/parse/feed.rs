//! Feeds (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed) through feed-rs, with the repairs real
//! feeds need.
//!
//! In: a decoded document. Out: its items as [`FeedEntry`] values. The text reaching feed-rs is
//! already UTF-8 with an honest XML declaration (the fetch stage rewrote it), so a declaration
//! that lied is never believed here.
//!
//! Every document is first brought to what feed-rs reads, where feed-rs would otherwise lose
//! items or text without an error:
//! - characters XML 1.0 does not allow (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF)
//!   are removed — a conforming parser refuses the document over them, a lenient one drops them;
//! - Atom 0.3 (`<feed version="0.3">` or the namespace `http://purl.org/atom/ns#`; feed-rs
//!   reads only the Atom 1.0 namespace and finds no entries) becomes Atom 1.0: `issued` →
//!   `published`, `modified` → `updated`, `tagline` → `subtitle`, `copyright` → `rights`; a text
//!   construct's MIME `type` and `mode` become an Atom 1.0 `type`, and `mode="base64"` text is
//!   decoded. `created` is left out (`issued`, which 0.3 requires, is the publication date);
//! - RSS 0.90's namespace becomes RSS 1.0's (the same elements; feed-rs knows only 1.0's);
//! - an RSS 1.0 item without a `<link>` is kept (feed-rs drops it): its `rdf:about`, the item's
//!   URI, becomes its identity — not its link, which the publisher did not give;
//! - an RSS `title`/`description`/`guid` or an Atom text construct (not `xhtml`, not an XML
//!   MIME type) holding unescaped child elements keeps them as markup: feed-rs would keep only
//!   the text before the first child element. An Atom `text` construct holding elements is
//!   HTML that was not escaped, and is read as `html`. Not when an end tag inside closes an
//!   element opened outside: the document is broken there, and the repairs below handle it.
//!
//! When feed-rs refuses a document, it is parsed once more after repairing what real feeds get
//! wrong: junk before the root element, bare `&`, an `<rss>` version feed-rs does not accept, a
//! text element with a `type` feed-rs does not know (an Atom text construct whose MIME type is
//! neither text nor XML is base64, RFC 4287 §4.1.3.3, and is decoded), an empty Media RSS text
//! element, a misspelled end tag (it closes the innermost open element) and an element left
//! open inside another (it becomes empty, as HTML's `<br>` is). A JSON Feed whose `version` is a
//! bare `1`, `1.0` or `1.1` instead of the spec's URL is read as that version. A well-formed
//! `<rss>` with no `<channel>` is a feed with no items, not an error.
//!
//! Items: an item's link is never its comments page (RSS `<comments>`, `wfw:commentRss`, Atom
//! `rel="replies"`) nor the feed document itself (what feed-rs makes of a blank `<link>`); an
//! Atom `content` whose MIME type is neither text nor XML is base64 and is decoded (dropped
//! when it is not UTF-8 text).
//!
//! feed-rs can panic on input (an `unwrap()` on a number too long for a `u64` in an iTunes or
//! Media RSS duration): a panic is contained and reported as [`ParseError::Crashed`].
//! Never: feed-rs's generated ids (they change when a title is edited, and JSON Feeds without a
//! home page get a random one) — identities are ours.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};

use feed_rs::model::{Entry, Feed, Link, LinkTarget, Text};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use url::Url;

use super::{FeedEntry, Identity, IdentityBasis, LegacyIdentity, Markup, ParseError};
use crate::config::{NaiveTimezone, SourceConfig};
use crate::dates::{self, Parsed};
use crate::fetch::{Document, DocumentKind};
use crate::links;

/// What the timestamp parser gives feed-rs for a date outside the years 1–9999 (chrono's first
/// instant, 262,144 BC, which no date string nahar reads can give).
const OUT_OF_RANGE: chrono::DateTime<chrono::Utc> = chrono::DateTime::<chrono::Utc>::MIN_UTC;

/// What feed-rs is told to use when an item has no id of its own, so that we can tell.
const NO_ID: &str = "\u{0}nahar:no-id";

/// The link given to an RSS 1.0 item without one, so that feed-rs keeps the item: this prefix,
/// then the item's `rdf:about`. It is taken back out in [`entry_of`]: never an item's link.
const RDF_ABOUT: &str = "urn:x-nahar:rdf-about:";

const ATOM_03_NS: &str = "http://purl.org/atom/ns#";
const ATOM_10_NS: &str = "http://www.w3.org/2005/Atom";
const RSS_090_NS: [&str; 2] = [
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://channel.netscape.com/rdf/simple/0.9/",
];
const RSS_10_NS: &str = "http://purl.org/rss/1.0/";

pub(super) fn entries(
    document: &Document,
    source: &SourceConfig,
) -> Result<Vec<FeedEntry>, ParseError> {
    if document.kind == DocumentKind::Html {
        return Err(ParseError::NotAFeed(
            "the server sent an HTML page, not a feed".to_owned(),
        ));
    }
    let Some(feed) = parse_with_repairs(&document.text, &document.url, source.timezone)? else {
        tracing::info!(
            source = %source.name,
            url = %document.url,
            "The feed is an <rss> with no <channel>: no items."
        );
        return Ok(Vec::new());
    };
    Ok(items_of(feed, document, source))
}

/// The items of a parsed feed, in order; an item with nothing to identify or show is skipped.
fn items_of(feed: Feed, document: &Document, source: &SourceConfig) -> Vec<FeedEntry> {
    let feed_language = feed.language.clone();
    let is_atom = feed.feed_type == feed_rs::model::FeedType::Atom;
    let mut items = Vec::with_capacity(feed.entries.len());
    for entry in feed.entries {
        match entry_of(entry, document, feed_language.as_deref(), is_atom) {
            Some(item) => items.push(item),
            None => tracing::warn!(
                source = %source.name,
                url = %document.url,
                "Skipped an item with no id, link, title, date or content."
            ),
        }
    }
    disambiguate_repeated_guids(&mut items);
    items
}

fn parser(base: &Url, zone: NaiveTimezone) -> feed_rs::parser::Parser {
    feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .timestamp_parser(move |s| match dates::parse(s, zone) {
            Parsed::At(at) => Some(at),
            // feed-rs keeps only what this returns: a date it cannot hold stands for itself as
            // a value no feed can write, and `entry_of` turns it into a warning.
            Parsed::OutOfRange => Some(OUT_OF_RANGE),
            Parsed::Unreadable => None,
        })
        .id_generator(|_, _, _| NO_ID.to_owned())
        .sanitize_content(false)
        .build()
}

/// feed-rs's answer for `text`, from a fresh parser, or [`ParseError::Crashed`] when feed-rs
/// panicked. A fresh parser each time: one whose parse failed inside an item keeps that item's
/// Media RSS scope open, and feed-rs then panics (`assert!`) at the next item it begins.
fn feed_rs(
    text: impl std::io::Read,
    base: &Url,
    zone: NaiveTimezone,
) -> Result<Result<Feed, ParseFeedError>, ParseError> {
    let parser = parser(base, zone);
    catch_unwind(AssertUnwindSafe(|| parser.parse(text))).map_err(|panic| {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        tracing::error!(url = %base, panic = message, "feed-rs panicked on this document.");
        ParseError::Crashed(format!("feed-rs panicked: {message}"))
    })
}

/// The feed in `text`; `None` for a well-formed `<rss>` with no `<channel>` (no items).
fn parse_with_repairs(
    text: &str,
    base: &Url,
    zone: NaiveTimezone,
) -> Result<Option<Feed>, ParseError> {
    let mut normalized = normalize(text);
    let attempt = match feed_rs(normalized.as_bytes(), base, zone) {
        // feed-rs slices an RSS contact ("a@b.c (Name)") one byte past the e-mail address and
        // panics when that byte is inside a character (found by fuzzing): a space between
        // ASCII and non-ASCII letters in contact elements gives it a whole character there.
        Err(ParseError::Crashed(message)) => match spaced_contacts(&normalized) {
            Some(spaced) => {
                tracing::info!(url = %base, cause = %message, "Retrying the feed with its contacts spaced.");
                normalized = Cow::Owned(spaced);
                feed_rs(normalized.as_bytes(), base, zone)?
            }
            None => return Err(ParseError::Crashed(message)),
        },
        other => other?,
    };
    let first = match attempt {
        Ok(feed) => return Ok(Some(feed)),
        Err(error) => error,
    };
    let repaired = if is_json(&normalized) {
        match &first {
            ParseFeedError::JsonUnsupportedVersion(version) => {
                json_with_url_version(&normalized, version)
            }
            _ => None,
        }
    } else {
        Some(normalize(&repair(&normalized)).into_owned())
    };
    let mut last = None;
    if let Some(repaired) = repaired.filter(|r| *r != *normalized) {
        match feed_rs(repaired.as_bytes(), base, zone)? {
            Ok(feed) => {
                tracing::info!(url = %base, cause = %first, "Parsed the feed after repairing it.");
                return Ok(Some(feed));
            }
            Err(error) => last = Some((error, repaired)),
        }
    }
    let (error, checked) = match &last {
        Some((error, repaired)) => (error, repaired.as_str()),
        None => (&first, normalized.as_ref()),
    };
    if matches!(
        error,
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot)
    ) && is_rss_without_channel(checked)
    {
        return Ok(None);
    }
    Err(classify(&first, text))
}

fn classify(error: &ParseFeedError, text: &str) -> ParseError {
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

fn is_json(text: &str) -> bool {
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
        .starts_with('{')
}

/// A root `<rss>` that closes, with no `<channel>` anywhere in the document.
fn is_rss_without_channel(text: &str) -> bool {
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    let Some(root) = pieces
        .iter()
        .position(|(kind, _)| matches!(kind, Piece::Start | Piece::Empty))
    else {
        return false;
    };
    let (kind, tag) = pieces[root];
    local_name(tag_name(tag)) == "rss"
        && (kind == Piece::Empty || matching_end(&pieces, root).is_some())
        && !pieces.iter().any(|(kind, tag)| {
            matches!(kind, Piece::Start | Piece::Empty) && local_name(tag_name(tag)) == "channel"
        })
}

/// `"version": "1.1"` → `"version": "https://jsonfeed.org/version/1.1"`, the form the JSON Feed
/// spec requires and feed-rs checks; `None` for any other version, or when `text` is not JSON.
fn json_with_url_version(text: &str, version: &str) -> Option<String> {
    let url = match version.trim() {
        "1" | "1.0" => "https://jsonfeed.org/version/1",
        "1.1" => "https://jsonfeed.org/version/1.1",
        _ => return None,
    };
    let mut feed: serde_json::Value = serde_json::from_str(text).ok()?;
    *feed.get_mut("version")? = serde_json::Value::String(url.to_owned());
    serde_json::to_string(&feed).ok()
}

// ---------------------------------------------------------------------------------------------
// What every document gets: where feed-rs would lose items or text without an error.

fn normalize(text: &str) -> Cow<'_, str> {
    let text = without_xml_illegal_chars(text);
    if is_json(&text) {
        return text;
    }
    let steps: [fn(&str) -> Option<String>; 5] = [
        without_late_xml_declarations,
        atom_03_as_atom_10,
        rss_090_as_rss_10,
        keep_rss_1_items_without_link,
        escape_naked_markup,
    ];
    steps.iter().fold(text, |text, step| match step(&text) {
        Some(changed) => Cow::Owned(changed),
        None => text,
    })
}

/// An XML declaration anywhere but at the start (feeds glued together, a fragment pasted into
/// an element, one after a leading comment) is not XML, and it makes quick-xml panic when it
/// switches encodings mid-stream (found by fuzzing): every such declaration is dropped.
fn without_late_xml_declarations(text: &str) -> Option<String> {
    // `<?xml` in any case, starting at or after `from`. Found by its `?` (rare in a feed, where
    // `<` opens every tag), which `str::find` skips to word by word: one pass over the document
    // whatever the number of declarations, instead of a five-byte comparison at every byte.
    let find = |from: usize| {
        let mut at = from;
        loop {
            let mark = at + text.get(at..)?.find('?')?;
            if mark > from
                && text
                    .as_bytes()
                    .get(mark - 1..mark + 4)
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"<?xml"))
            {
                return Some(mark - 1);
            }
            at = mark + 1;
        }
    };
    // Only a declaration that opens the document (after a BOM or white space) is one.
    let start = text.len()
        - text
            .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
            .len();
    // …and only a well-formed one: its `?>` before any other `<` or `?` (a truncated
    // declaration running into a second one also made quick-xml panic; found by fuzzing).
    let opens = text.as_bytes()[start..].len() >= 5
        && text.as_bytes()[start..start + 5].eq_ignore_ascii_case(b"<?xml");
    let well_formed = opens
        && text[start + 5..]
            .find(['<', '?'])
            .is_some_and(|at| text[start + 5 + at..].starts_with("?>"));
    let kept_until = if well_formed { start + 5 } else { 0 };
    let mut next = find(kept_until)?;
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    loop {
        out.push_str(&text[copied..next]);
        copied = text[next..].find("?>").map_or(text.len(), |e| next + e + 2);
        match find(copied) {
            Some(at) => next = at,
            None => break,
        }
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// The text of RSS contact elements (`author`, `managingEditor`, `webMaster`, `dc:creator`)
/// with a space wherever an ASCII character meets a non-ASCII one; `None` when nothing changes.
fn spaced_contacts(text: &str) -> Option<String> {
    const CONTACTS: [&str; 4] = ["author", "managingEditor", "webMaster", "dc:creator"];
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    let mut changed = false;
    while let Some((tag, open_at)) = CONTACTS
        .iter()
        .filter_map(|t| rest.find(&format!("<{t}>")).map(|at| (*t, at)))
        .min_by_key(|(_, at)| *at)
    {
        let content_start = open_at + tag.len() + 2;
        let close = format!("</{tag}>");
        let Some(content_len) = rest[content_start..].find(&close) else {
            break;
        };
        out.push_str(&rest[..content_start]);
        let content = &rest[content_start..content_start + content_len];
        let mut previous: Option<char> = None;
        for c in content.chars() {
            if let Some(p) = previous
                && p.is_ascii() != c.is_ascii()
                && !p.is_whitespace()
                && !c.is_whitespace()
            {
                out.push(' ');
                changed = true;
            }
            out.push(c);
            previous = Some(c);
        }
        rest = &rest[content_start + content_len..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

fn is_xml_illegal(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

fn without_xml_illegal_chars(text: &str) -> Cow<'_, str> {
    if has_xml_illegal_chars(text) {
        Cow::Owned(text.chars().filter(|c| !is_xml_illegal(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether [`is_xml_illegal`] holds for any char of `text`. Every document is checked, and
/// decoding a large one char by char cost more than the answer: its bytes are scanned first, 64
/// at a time without an early exit (a loop the compiler vectorizes), for the C0 controls and for
/// 0xEF, the first byte of U+FFFE and U+FFFF (and of the rest of U+F000–U+FFFF, rare in text).
/// Only a document with such a byte is checked char by char.
fn has_xml_illegal_chars(text: &str) -> bool {
    let suspect = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) | (b == 0xEF);
    text.as_bytes()
        .chunks(64)
        .any(|chunk| chunk.iter().fold(false, |found, &b| found | suspect(b)))
        && text.contains(is_xml_illegal)
}

/// The start tag of the document's root element.
fn root_tag(text: &str) -> Option<&str> {
    pieces(text)
        .find(|(kind, _)| matches!(kind, Piece::Start | Piece::Empty))
        .map(|(_, tag)| tag)
}

/// Atom 0.3 as Atom 1.0 (see the module doc); `None` when `text` is not Atom 0.3.
fn atom_03_as_atom_10(text: &str) -> Option<String> {
    let root = root_tag(text)?;
    let (prefix, local) = split_name(tag_name(root));
    if local != "feed" {
        return None;
    }
    let declarations: Vec<(&str, &str)> = attributes(root)
        .into_iter()
        .filter(|a| a.name == "xmlns" || a.name.starts_with("xmlns:"))
        .map(|a| (a.name, &root[a.value]))
        .collect();
    let own_declaration = match prefix {
        Some(prefix) => format!("xmlns:{prefix}"),
        None => "xmlns".to_owned(),
    };
    let namespace = declarations
        .iter()
        .find(|(name, _)| *name == own_declaration)
        .map(|(_, value)| value.trim());
    let version = attribute_value(root, "version").map(|v| root[v].trim());
    let is_03 = match namespace {
        Some(namespace) => namespace == ATOM_03_NS,
        None => version == Some("0.3"),
    };
    if !is_03 {
        return None;
    }
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    let mut out = String::with_capacity(text.len() + 64);
    let mut root_seen = false;
    let mut i = 0;
    while let Some(&(kind, raw)) = pieces.get(i) {
        i += 1;
        if !matches!(kind, Piece::Start | Piece::Empty | Piece::End) {
            out.push_str(raw);
            continue;
        }
        let mut tag = Cow::Borrowed(raw);
        if kind != Piece::End {
            tag = Cow::Owned(tag.replace(ATOM_03_NS, ATOM_10_NS));
            if !root_seen && namespace.is_none() {
                tag = Cow::Owned(set_attribute(&tag, &own_declaration, Some(ATOM_10_NS)));
            }
            root_seen = true;
        }
        let (tag_prefix, local) = split_name(tag_name(raw));
        if tag_prefix != prefix {
            out.push_str(&tag);
            continue;
        }
        let renamed = match local {
            "issued" => "published",
            "modified" => "updated",
            "tagline" => "subtitle",
            "copyright" => "rights",
            other => other,
        };
        if renamed != local {
            tag = Cow::Owned(with_name(&tag, renamed));
        }
        let is_content = renamed == "content";
        if kind != Piece::Start
            || !matches!(
                renamed,
                "title" | "subtitle" | "summary" | "rights" | "content"
            )
        {
            out.push_str(&tag);
            continue;
        }
        let mime = attribute_value(&tag, "type").map_or("text/plain".to_owned(), |v| {
            tag[v].trim().to_ascii_lowercase()
        });
        let mode = attribute_value(&tag, "mode")
            .map_or("xml".to_owned(), |v| tag[v].trim().to_ascii_lowercase());
        let html = mime.contains("html");
        let textual = html
            || mime.starts_with("text")
            || mime.contains("xml")
            || matches!(mime.as_str(), "text" | "html" | "xhtml");
        let atom_10_type = match mode.as_str() {
            "base64" if textual => {
                let decoded = matching_end(&pieces, i - 1).and_then(|end| {
                    let content = text_content(pieces.get(i..end)?)?;
                    Some((end, decode_base64_text(&content)?))
                });
                if let Some((end, decoded)) = decoded {
                    let kind = if html { "html" } else { "text" };
                    let tag = set_attribute(&set_attribute(&tag, "mode", None), "type", Some(kind));
                    out.push_str(&tag);
                    out.push_str(&xml_escape(&decoded));
                    i = end;
                    continue;
                }
                None
            }
            "base64" => None,
            "escaped" if html => Some("html"),
            "escaped" => Some("text"),
            _ if html => Some("xhtml"),
            _ if mime == "text/plain" || mime == "text" => Some("text"),
            _ if is_content => None,
            _ => Some("text"),
        };
        let tag = set_attribute(&tag, "mode", None);
        match atom_10_type {
            Some(kind) => out.push_str(&set_attribute(&tag, "type", Some(kind))),
            None => out.push_str(&tag),
        }
    }
    Some(out)
}

/// RSS 0.90's namespace as RSS 1.0's; `None` when `text` is not RSS 0.90.
fn rss_090_as_rss_10(text: &str) -> Option<String> {
    let root = root_tag(text)?;
    if local_name(tag_name(root)) != "RDF" || !RSS_090_NS.iter().any(|ns| root.contains(ns)) {
        return None;
    }
    Some(
        pieces(text)
            .map(|(kind, raw)| match kind {
                Piece::Start | Piece::Empty => Cow::Owned(
                    RSS_090_NS
                        .iter()
                        .fold(raw.to_owned(), |tag, ns| tag.replace(ns, RSS_10_NS)),
                ),
                _ => Cow::Borrowed(raw),
            })
            .collect(),
    )
}

/// Every RSS 1.0 `<item>` without a `<link>` gets one feed-rs accepts and [`entry_of`] takes
/// back out: [`RDF_ABOUT`] and the item's `rdf:about`.
fn keep_rss_1_items_without_link(text: &str) -> Option<String> {
    let root = root_tag(text)?;
    if local_name(tag_name(root)) != "RDF" {
        return None;
    }
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for (i, &(kind, raw)) in pieces.iter().enumerate() {
        out.push_str(raw);
        let (prefix, local) = split_name(tag_name(raw));
        if kind != Piece::Start || local != "item" {
            continue;
        }
        let Some(end) = matching_end(&pieces, i) else {
            continue;
        };
        let inside = pieces.get(i + 1..end).unwrap_or_default();
        let has_link = inside.windows(2).any(|pair| {
            let [(kind, tag), (content, text)] = pair else {
                return false;
            };
            *kind == Piece::Start
                && split_name(tag_name(tag)) == (prefix, "link")
                && matches!(content, Piece::Text | Piece::Cdata)
                && !cdata_inner(text).trim().is_empty()
        });
        if has_link {
            continue;
        }
        let about = attribute_value(raw, "rdf:about").map_or("", |v| raw[v].trim());
        let link = match prefix {
            Some(prefix) => format!("{prefix}:link"),
            None => "link".to_owned(),
        };
        out.push_str(&format!("<{link}>{RDF_ABOUT}{about}</{link}>"));
        changed = true;
    }
    changed.then_some(out)
}

/// An RSS `title`/`description`/`guid` or an Atom text construct holding child elements: its
/// content becomes text (escaped), so that feed-rs keeps all of it as the markup it is.
fn escape_naked_markup(text: &str) -> Option<String> {
    let root = root_tag(text)?;
    let (root_prefix, root_local) = split_name(tag_name(root));
    let atom = match root_local {
        "feed" | "entry" => true,
        "rss" | "RDF" => false,
        _ => return None,
    };
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    // Built from the first change on: most feeds need none, and copying a large document piece
    // by piece only to drop the copy cost more than the check. `text[..copied]` is in `out`;
    // `at` is where the next piece begins (the pieces concatenate back to `text`).
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    let mut i = 0;
    while let Some(&(kind, raw)) = pieces.get(i) {
        i += 1;
        let start = at;
        at += raw.len();
        // Only a start tag can be eligible: the name of every other piece is not looked up.
        let eligible = kind == Piece::Start && {
            let (prefix, local) = split_name(tag_name(raw));
            if atom {
                prefix == root_prefix
                    && matches!(
                        local,
                        "title" | "subtitle" | "summary" | "rights" | "content"
                    )
            } else {
                prefix.is_none() && matches!(local, "title" | "description" | "guid")
            }
        };
        let end = if eligible {
            matching_end(&pieces, i - 1)
        } else {
            None
        };
        let inside = end.and_then(|end| pieces.get(i..end)).unwrap_or_default();
        let has_elements = inside
            .iter()
            .any(|(kind, _)| matches!(kind, Piece::Start | Piece::Empty | Piece::End));
        let tag = match (end, has_elements && closes_only_its_own(inside)) {
            (Some(_), true) if atom => html_type_for_naked_markup(raw),
            (Some(_), true) => Some(Cow::Borrowed(raw)),
            _ => None,
        };
        let (Some(end), Some(tag)) = (end, tag) else {
            continue;
        };
        let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
        out.push_str(&text[copied..start]);
        out.push_str(&tag);
        for &(kind, raw) in inside {
            match kind {
                Piece::Cdata => out.push_str(&xml_escape(&xml_escape(cdata_inner(raw)))),
                _ => out.push_str(&xml_escape(raw)),
            }
            at += raw.len();
        }
        if let Some((_, close)) = pieces.get(end) {
            out.push_str(close);
            at += close.len();
        }
        copied = at;
        i = end + 1;
    }
    let mut out = out?;
    out.push_str(&text[copied..]);
    Some(out)
}

/// Whether every end tag in `pieces` closes an element opened in them (`<p>a<br>b</p>`, not
/// `One</titel>…`): when one does not, the document is broken there, and escaping the content
/// could swallow markup that is not the element's own.
fn closes_only_its_own(pieces: &[(Piece, &str)]) -> bool {
    let mut open: Vec<&str> = Vec::new();
    for &(kind, raw) in pieces {
        match kind {
            Piece::Start => open.push(tag_name(raw)),
            Piece::End => {
                let name = tag_name(raw);
                let Some(at) = open.iter().rposition(|n| *n == name) else {
                    return false;
                };
                open.truncate(at);
            }
            _ => {}
        }
    }
    true
}

/// The start tag of an Atom text construct holding child elements, as one whose escaped
/// content feed-rs reads as HTML; `None` when the elements are the construct's own (`xhtml`,
/// an XML MIME type, `src`) or its type is not text.
fn html_type_for_naked_markup(tag: &str) -> Option<Cow<'_, str>> {
    if attribute_value(tag, "src").is_some() {
        return None;
    }
    let kind = attribute_value(tag, "type").map(|v| tag[v].trim().to_ascii_lowercase());
    match kind.as_deref() {
        None | Some("text" | "text/plain") => {
            Some(Cow::Owned(set_attribute(tag, "type", Some("html"))))
        }
        Some("html" | "text/html") => Some(Cow::Borrowed(tag)),
        Some(_) => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Repairs: only when feed-rs refuses the document.

/// Repairs for what real feeds get wrong and feed-rs refuses.
fn repair(text: &str) -> String {
    let text = text.find('<').map_or(text, |start| &text[start..]);
    let text = escape_bare_ampersands(text);
    let text = fix_text_constructs(&text);
    let text = close_mismatched_elements(&text);
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
    // `<rss/>`: the attribute goes before the `/`.
    let end = if text[..end].ends_with('/') {
        end - 1
    } else {
        end
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

/// An element whose `type` feed-rs checks, refusing the whole document over a value it does not
/// know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Construct {
    /// Atom `title`, `subtitle`, `summary`, `rights`: `text`, `html` or `xhtml` (RFC 4287 §3.1);
    /// feed-rs also takes `text/html`.
    AtomText,
    /// Atom `content`: as a text construct, or a MIME type.
    AtomContent,
    /// Media RSS `media:title`, `media:description`: `plain` or `html`, and never empty.
    Media,
}

/// One odd element must not sink a feed: feed-rs refuses the whole document over
/// `<title type="text/plain">`, `<summary type="HTML">`, Atom 0.3's MIME types,
/// `<media:title type="text">` or an empty `<media:description/>`. Such a `type` becomes the
/// nearest value feed-rs accepts, an Atom text construct whose MIME type is neither text nor
/// XML is base64 and is decoded (RFC 4287 §4.1.3.3), and an empty Media RSS text element is
/// dropped. CDATA sections and comments are left alone.
fn fix_text_constructs(text: &str) -> String {
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&(kind, tag)) = pieces.get(i) {
        i += 1;
        let Some(element) = matches!(kind, Piece::Start | Piece::Empty)
            .then(|| construct(tag))
            .flatten()
        else {
            out.push_str(tag);
            continue;
        };
        if element == Construct::Media {
            if kind == Piece::Empty {
                continue;
            }
            if let Some(end) = matching_end(&pieces, i - 1)
                && pieces
                    .get(i..end)
                    .unwrap_or_default()
                    .iter()
                    .all(|(kind, text)| *kind == Piece::Text && text.trim().is_empty())
            {
                i = end + 1;
                continue;
            }
        }
        if element == Construct::AtomText
            && kind == Piece::Start
            && let Some(value) = attribute_value(tag, "type")
            && is_base64_type(&tag[value])
            && let Some(end) = matching_end(&pieces, i - 1)
            && let Some(decoded) = pieces
                .get(i..end)
                .and_then(text_content)
                .and_then(|content| decode_base64_text(&content))
        {
            out.push_str(&set_attribute(tag, "type", Some("text")));
            out.push_str(&xml_escape(&decoded));
            i = end;
            continue;
        }
        out.push_str(&with_known_type(tag, element));
    }
    out
}

fn construct(tag: &str) -> Option<Construct> {
    match split_name(tag_name(tag)) {
        (None | Some("atom"), "title" | "subtitle" | "summary" | "rights") => {
            Some(Construct::AtomText)
        }
        (None | Some("atom"), "content") => Some(Construct::AtomContent),
        (Some("media"), "title" | "description") => Some(Construct::Media),
        _ => None,
    }
}

/// `tag` with its `type` attribute replaced by the nearest value feed-rs accepts for `kind`.
fn with_known_type(tag: &str, kind: Construct) -> Cow<'_, str> {
    let Some(range) = attribute_value(tag, "type") else {
        return Cow::Borrowed(tag);
    };
    let value = &tag[range.clone()];
    let lower = value.trim().to_ascii_lowercase();
    let atom = || {
        if lower.contains("xhtml") {
            "xhtml"
        } else if lower.contains("html") {
            "html"
        } else {
            "text"
        }
    };
    let known = match kind {
        Construct::AtomText => matches!(value, "text" | "html" | "xhtml" | "text/html"),
        Construct::AtomContent => matches!(value, "text" | "html" | "xhtml") || value.contains('/'),
        Construct::Media => matches!(value, "plain" | "html"),
    };
    if known {
        return Cow::Borrowed(tag);
    }
    let replacement = match kind {
        Construct::Media if lower.contains("html") => "html",
        Construct::Media => "plain",
        Construct::AtomText | Construct::AtomContent => atom(),
    };
    Cow::Owned(format!(
        "{}{replacement}{}",
        &tag[..range.start],
        &tag[range.end..]
    ))
}

/// A MIME type whose Atom content is base64 (RFC 4287 §4.1.3.3): neither `text/*` nor XML.
fn is_base64_type(mime: &str) -> bool {
    let mime = mime.trim().to_ascii_lowercase();
    mime.contains('/') && !mime.starts_with("text/") && !mime.contains("xml")
}

/// Each open element is closed by its own end tag. When feed-rs refuses a document because one
/// is not: an end tag naming no open element (`<language>en</langauge>`) closes the innermost
/// open element, and an element still open when an outer one closes (`<p>a<br>b</p>`) is made
/// empty (`<br/>`), its content left to its parent. Stray end tags after the root are dropped.
/// An unclosed root (a truncated document) is left alone.
fn close_mismatched_elements(text: &str) -> String {
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    let mut replaced: Vec<Option<String>> = vec![None; pieces.len()];
    let mut open: Vec<(usize, &str)> = Vec::new();
    for (i, &(kind, raw)) in pieces.iter().enumerate() {
        match kind {
            Piece::Start => open.push((i, tag_name(raw))),
            Piece::End => {
                let name = tag_name(raw);
                if let Some(at) = open.iter().rposition(|(_, n)| *n == name) {
                    for (unclosed, _) in open.drain(at + 1..) {
                        let tag = pieces.get(unclosed).map_or("", |(_, tag)| *tag);
                        if let Some(start) = tag.strip_suffix('>') {
                            replaced[unclosed] = Some(format!("{start}/>"));
                        }
                    }
                    open.pop();
                } else if let Some((_, innermost)) = open.pop() {
                    replaced[i] = Some(format!("</{innermost}>"));
                } else {
                    replaced[i] = Some(String::new());
                }
            }
            _ => {}
        }
    }
    pieces
        .iter()
        .zip(&replaced)
        .map(|((_, raw), replaced)| replaced.as_deref().unwrap_or(raw))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A forgiving XML tokenizer for the text-level steps above.

/// What a piece of an XML document is, as the text-level steps see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Text,
    /// `<name …>`
    Start,
    /// `<name …/>`
    Empty,
    /// `</name>`
    End,
    /// `<![CDATA[…]]>`
    Cdata,
    /// A comment, processing instruction or declaration.
    Other,
}

/// `text` cut into pieces, in order; they concatenate back to `text`. A `<` that starts no
/// markup is text; a piece cut off by the end of `text` runs to its end.
fn pieces(text: &str) -> impl Iterator<Item = (Piece, &str)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (kind, len) = markup_at(rest).unwrap_or_else(|| (Piece::Text, text_len(rest)));
        let (piece, after) = rest.split_at(len);
        rest = after;
        Some((kind, piece))
    })
}

fn markup_at(rest: &str) -> Option<(Piece, usize)> {
    let after = rest.strip_prefix('<')?;
    let through = |from: usize, close: &str| {
        rest.get(from..)
            .and_then(|tail| tail.find(close))
            .map_or(rest.len(), |e| from + e + close.len())
    };
    if rest.starts_with("<!--") {
        return Some((Piece::Other, through(4, "-->")));
    }
    if rest.starts_with("<![CDATA[") {
        return Some((Piece::Cdata, through(9, "]]>")));
    }
    if rest.starts_with("<?") {
        return Some((Piece::Other, through(2, "?>")));
    }
    if rest.starts_with("<!") {
        return Some((Piece::Other, declaration_end(rest)));
    }
    let (kind, name) = match after.strip_prefix('/') {
        Some(name) => (Piece::End, name),
        None => (Piece::Start, after),
    };
    let starts_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':');
    if !starts_name {
        return None;
    }
    let len = tag_end(rest);
    let empty = kind == Piece::Start && rest[..len].ends_with("/>");
    Some((if empty { Piece::Empty } else { kind }, len))
}

/// The length of the text that `rest` starts with: up to the next `<`, and at least one char.
fn text_len(rest: &str) -> usize {
    let first = rest.chars().next().map_or(0, char::len_utf8);
    rest[first..].find('<').map_or(rest.len(), |e| first + e)
}

/// The length of the declaration (`<!DOCTYPE …>`, with an internal subset) `rest` starts with.
fn declaration_end(rest: &str) -> usize {
    let mut depth = 0usize;
    let mut quote = None;
    for (i, b) in rest.bytes().enumerate().skip(2) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => depth += 1,
            (None, b']') => depth = depth.saturating_sub(1),
            (None, b'>') if depth == 0 => return i + 1,
            _ => {}
        }
    }
    rest.len()
}

/// The length of the tag that `text` starts with, up to and including its `>` (quoted `>`
/// skipped); all of `text` when it is cut off.
fn tag_end(text: &str) -> usize {
    let mut quote = None;
    for (i, b) in text.bytes().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    text.len()
}

/// `<media:title type="plain">` → `media:title`; `</x>` → `x`.
fn tag_name(tag: &str) -> &str {
    let name = tag
        .strip_prefix("</")
        .or_else(|| tag.strip_prefix('<'))
        .unwrap_or(tag);
    let end = name
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(name.len());
    &name[..end]
}

/// `media:title` → (`media`, `title`); `title` → (none, `title`).
fn split_name(name: &str) -> (Option<&str>, &str) {
    match name.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, name),
    }
}

fn local_name(name: &str) -> &str {
    split_name(name).1
}

/// `tag` (a start, empty or end tag) with its element's local name replaced.
fn with_name(tag: &str, local: &str) -> String {
    let name = tag_name(tag);
    let at = if tag.starts_with("</") { 2 } else { 1 };
    let prefix = split_name(name)
        .0
        .map(|p| format!("{p}:"))
        .unwrap_or_default();
    let after = tag.get(at + name.len()..).unwrap_or_default();
    format!("{}{prefix}{local}{after}", &tag[..at])
}

/// The index of the end tag that closes the element whose start tag is `pieces[start]`.
fn matching_end(pieces: &[(Piece, &str)], start: usize) -> Option<usize> {
    let name = tag_name(pieces.get(start)?.1);
    let mut depth = 0usize;
    for (i, (kind, tag)) in pieces.iter().enumerate().skip(start) {
        match kind {
            Piece::Start if tag_name(tag) == name => depth += 1,
            Piece::End if tag_name(tag) == name => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The text of `pieces` when they are all text or CDATA (entities left as written).
fn text_content(pieces: &[(Piece, &str)]) -> Option<String> {
    pieces
        .iter()
        .map(|&(kind, raw)| match kind {
            Piece::Text => Some(raw),
            Piece::Cdata => Some(cdata_inner(raw)),
            _ => None,
        })
        .collect()
}

/// What a CDATA section holds; anything else as it is.
fn cdata_inner(raw: &str) -> &str {
    raw.strip_prefix("<![CDATA[")
        .map_or(raw, |inner| inner.strip_suffix("]]>").unwrap_or(inner))
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// One attribute of a start tag: its name, where its value is (quotes excluded) and where the
/// whole attribute is.
#[derive(Debug, Clone)]
struct Attribute<'a> {
    name: &'a str,
    value: Range<usize>,
    whole: Range<usize>,
}

/// The quoted attributes of the start tag `tag`.
fn attributes(tag: &str) -> Vec<Attribute<'_>> {
    let bytes = tag.as_bytes();
    let skip_space = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    let mut found = Vec::new();
    let mut i = 1 + tag_name(tag).len();
    loop {
        i = skip_space(i);
        let start = i;
        while bytes
            .get(i)
            .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        if i == start {
            return found;
        }
        let name = &tag[start..i];
        i = skip_space(i);
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i = skip_space(i + 1);
        let Some(&quote) = bytes.get(i).filter(|q| matches!(q, b'"' | b'\'')) else {
            return found;
        };
        let value_start = i + 1;
        let Some(length) = tag[value_start..].find(char::from(quote)) else {
            return found;
        };
        let value_end = value_start + length;
        found.push(Attribute {
            name,
            value: value_start..value_end,
            whole: start..value_end + 1,
        });
        i = value_end + 1;
    }
}

/// Where the value of attribute `name` is in the start tag `tag` (quotes excluded).
fn attribute_value(tag: &str, name: &str) -> Option<Range<usize>> {
    attributes(tag)
        .into_iter()
        .find(|a| a.name == name)
        .map(|a| a.value)
}

/// `tag` without attribute `name`, and with `name="value"` when `value` is given.
fn set_attribute(tag: &str, name: &str, value: Option<&str>) -> String {
    let mut tag = tag.to_owned();
    if let Some(whole) = attributes(&tag)
        .into_iter()
        .find(|a| a.name == name)
        .map(|a| a.whole)
    {
        let start = tag[..whole.start].trim_end().len();
        tag.replace_range(start..whole.end, "");
    }
    if let Some(value) = value {
        let at = 1 + tag_name(&tag).len();
        tag.insert_str(at, &format!(" {name}=\"{value}\""));
    }
    tag
}

/// Base64 (standard or URL-safe alphabet, whitespace ignored) that decodes to UTF-8 text.
fn decode_base64_text(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let mut accumulated: u32 = 0;
    let mut bits = 0u32;
    let mut padded = false;
    for b in text.bytes().filter(|b| !b.is_ascii_whitespace()) {
        if b == b'=' {
            padded = true;
            continue;
        }
        if padded {
            return None;
        }
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        accumulated = (accumulated << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push(u8::try_from((accumulated >> bits) & 0xFF).ok()?);
            accumulated &= (1 << bits) - 1;
        }
    }
    if bytes.is_empty() {
        return None;
    }
    String::from_utf8(bytes).ok()
}

// ---------------------------------------------------------------------------------------------
// Items

/// An item's text element as markup. Atom says what its text is (`type`); RSS and JSON Feed
/// titles are text/plain to feed-rs though publishers put HTML in them, so there, as feedparser
/// does for every format but Atom, plain text that looks like HTML is read as HTML.
fn markup(text: &Text, guess: bool) -> Markup {
    // The MIME type as written (what `to_string` gives), without a copy per item.
    let declared_html = AsRef::<str>::as_ref(&text.content_type).contains("html");
    Markup {
        content: text.content.clone(),
        is_html: declared_html || (guess && looks_like_html(&text.content)),
    }
}

/// feedparser's test for plain text that is really HTML: a closing tag or a character
/// reference, and no tag that is not an HTML element (`History of the <blink> tag` is text).
fn looks_like_html(text: &str) -> bool {
    let has_reference = || {
        text.match_indices('&').any(|(at, _)| {
            let rest = &text[at + 1..];
            let name = rest.trim_start_matches('#');
            let word = name.bytes().take_while(u8::is_ascii_alphanumeric).count();
            word > 0 && name.as_bytes().get(word) == Some(&b';')
        })
    };
    let tag_names = || {
        text.match_indices('<').filter_map(|(at, _)| {
            let rest = text[at + 1..].trim_start_matches('/');
            let word = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
            (word > 0).then(|| rest[..word].to_ascii_lowercase())
        })
    };
    let has_close_tag = text.match_indices("</").any(|(at, _)| {
        let rest = &text[at + 2..];
        let word = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
        word > 0 && rest.as_bytes().get(word) == Some(&b'>')
    });
    (has_close_tag || has_reference())
        && tag_names().all(|name| HTML_ELEMENTS.binary_search(&name.as_str()).is_ok())
}

/// The HTML elements feedparser's sanitizer accepts (its `acceptable_elements`), sorted.
const HTML_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "big",
    "blockquote",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "command",
    "datagrid",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "event-source",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "keygen",
    "label",
    "legend",
    "li",
    "m",
    "map",
    "menu",
    "meter",
    "multicol",
    "nav",
    "nextid",
    "noscript",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "pre",
    "progress",
    "q",
    "s",
    "samp",
    "section",
    "select",
    "small",
    "sound",
    "source",
    "spacer",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "video",
];

/// A person as a record names them: the name (an RSS `email (Name)` contact gives `Name`), else
/// the address alone.
fn person_name(person: &feed_rs::model::Person) -> Option<String> {
    let name = person.name.as_deref().map(str::trim).map(|name| {
        name.strip_prefix('(')
            .and_then(|n| n.strip_suffix(')'))
            .unwrap_or(name)
            .trim()
    });
    name.filter(|n| !n.is_empty())
        .or(person.email.as_deref().map(str::trim))
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

fn entry_of(
    entry: Entry,
    document: &Document,
    feed_language: Option<&str>,
    is_atom: bool,
) -> Option<FeedEntry> {
    let about = entry
        .links
        .iter()
        .find_map(|l| l.href.strip_prefix(RDF_ABOUT))
        .map(str::trim)
        .filter(|about| !about.is_empty())
        .map(str::to_owned);
    let pages = || {
        entry
            .links
            .iter()
            .filter(|l| is_page_link(l, &document.url))
    };
    let url = pages()
        .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .chain(pages())
        .find_map(|l| links::canonical(&l.href, Some(&document.url)));
    let title = entry
        .title
        .as_ref()
        .map(|t| markup(t, !is_atom))
        .filter(|m| !m.content.trim().is_empty());
    let summary = entry
        .summary
        .as_ref()
        .map(|t| markup(t, !is_atom))
        .filter(|m| !m.content.trim().is_empty());
    let content = entry
        .content
        .as_ref()
        .and_then(|c| content_markup(c.body.as_deref()?, c.content_type.as_ref()))
        .filter(|m| !m.content.trim().is_empty());
    let authors: Vec<String> = entry.authors.iter().filter_map(person_name).collect();
    let out_of_range = |date: Option<chrono::DateTime<chrono::Utc>>| date == Some(OUT_OF_RANGE);
    let mut warnings = document.warnings.clone();
    if out_of_range(entry.published) || out_of_range(entry.updated) {
        warnings.push(super::DATE_OUT_OF_RANGE.to_owned());
    }
    let updated = entry.updated.filter(|d| *d != OUT_OF_RANGE);
    let published = entry.published.filter(|d| *d != OUT_OF_RANGE).or(updated);
    let body = content
        .as_ref()
        .or(summary.as_ref())
        .map_or("", |m| m.content.as_str());
    let title_text = title.as_ref().map_or("", |m| m.content.as_str());
    let link_text = url.as_ref().map_or("", Url::as_str);
    let guid = entry.id.trim();
    let own_id = Some(guid)
        .filter(|g| !g.is_empty() && *g != NO_ID)
        .or(about.as_deref());
    let identity = if let Some(id) = own_id {
        Identity {
            basis: IdentityBasis::Guid,
            key: id.to_owned(),
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
            key: crate::hash::title_date_key(title_text, &date),
        }
    } else if !body.trim().is_empty() {
        Identity {
            basis: IdentityBasis::Content,
            key: crate::hash::content_key(body),
        }
    } else {
        return None;
    };
    Some(FeedEntry {
        legacy: LegacyIdentity::of(&identity, url.as_ref(), title_text, body),
        identity,
        source_hash: crate::hash::source_hash(title_text, body, link_text),
        url,
        title,
        summary,
        content,
        authors,
        published,
        updated,
        language: entry.language.or_else(|| feed_language.map(str::to_owned)),
        warnings,
    })
}

/// Whether `link` may be the item's page: not its comments (RSS `<comments>`, `wfw:commentRss`,
/// Atom `rel="replies"`), not the stand-in for an RSS 1.0 item's missing link, not the feed
/// document itself (feed-rs resolves a blank `<link> </link>` to it).
fn is_page_link(link: &Link, document: &Url) -> bool {
    !link.href.starts_with(RDF_ABOUT)
        && link.href.trim() != document.as_str()
        && !matches!(
            link.target,
            Some(LinkTarget::Comments | LinkTarget::CommentsFeed)
        )
        && link.rel.as_deref() != Some("replies")
}

/// An item's content of MIME type `media_type`. One that is neither text nor XML is base64
/// (RFC 4287 §4.1.3.3): decoded when it is UTF-8 text, dropped otherwise.
fn content_markup(body: &str, media_type: &str) -> Option<Markup> {
    let media_type = media_type.to_ascii_lowercase();
    if is_base64_type(&media_type) && !media_type.contains("html") {
        return decode_base64_text(body).map(|content| Markup {
            content,
            is_html: false,
        });
    }
    Some(Markup {
        content: body.to_owned(),
        is_html: media_type.contains("html"),
    })
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
        let told_apart = |key: &str, url: Option<&str>| match url {
            Some(url) => format!("{key}\n{url}"),
            None => format!("{key}\n#{n}"),
        };
        if let Some(legacy) = &mut item.legacy {
            legacy.key = told_apart(&legacy.key, Some(&legacy.link));
        }
        item.identity.key = told_apart(&item.identity.key, item.url.as_ref().map(Url::as_str));
    }
}

#[cfg(test)]
mod fuzz_regressions {
    use super::*;

    #[test]
    fn a_second_xml_declaration_with_another_encoding_is_dropped_not_a_panic() {
        // fuzz/artifacts/feed/crash-eb0c49cb: quick-xml panicked in set_encoding().
        let text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>https://numi.st/<?xml version=\"1.0\" encoding=\"windows-1255\"?></id><title>t</title><entry><id>e1</id><title>x</title></entry></feed>";
        let fixed = without_late_xml_declarations(text).unwrap_or_default();
        assert_eq!(fixed.matches("<?xml").count(), 1);
        assert!(fixed.contains("<id>https://numi.st/</id>"));
        let base = Url::parse("https://numi.st/feed.xml").unwrap_or_else(|e| panic!("{e}"));
        let parsed = parse_with_repairs(text, &base, NaiveTimezone::Fixed(0));
        assert!(parsed.is_ok(), "{parsed:?}");
        assert_eq!(
            without_late_xml_declarations("<?xml version=\"1.0\"?><rss/>"),
            None
        );
        // fuzz/artifacts/feed/crash-8ab36960: a comment first, the declaration after it.
        let late = "<!-- x -->\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><?xml version=\"1.0\" encoding=\"WINDOWS-1255\"?><id>a</id></feed>";
        assert_eq!(
            without_late_xml_declarations(late).as_deref(),
            Some("<!-- x -->\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>a</id></feed>")
        );
        assert!(parse_with_repairs(late, &base, NaiveTimezone::Fixed(0)).is_ok());
        // fuzz/artifacts/feed/crash-b57e1fcc: a non-ASCII character right after an e-mail
        // address in a contact made feed-rs slice inside it.
        let contact = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid><title>x</title><author>a@b.cd„Name“</author></item></channel></rss>";
        let parsed = parse_with_repairs(contact, &base, NaiveTimezone::Fixed(0));
        assert!(matches!(parsed, Ok(Some(_))), "{parsed:?}");
        // fuzz/artifacts/feed/crash-ef8b5fa3: a declaration cut short, running into another.
        let cut = "<?xml version=\"1.0\" encoding=\"windows-1255\"?\0\0?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>t</title></channel></rss>";
        assert!(!matches!(
            parse_with_repairs(cut, &base, NaiveTimezone::Fixed(0)),
            Err(ParseError::Crashed(_))
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::{CharsetDecision, CharsetRule};
    use crate::test_corpus::feed_source as source;

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

    /// Text typed as plain text keeps `<` and `>`; RSS and JSON Feed text that looks like HTML
    /// (a closing tag or a reference, only HTML elements) is HTML, as feedparser decides.
    #[test]
    fn plain_text_is_text_and_rss_text_that_looks_like_html_is_html() {
        let atom = parse(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>
<entry><id>1</id><title type="text">History of the &lt;blink&gt; tag</title></entry>
<entry><id>2</id><title type="html">History of the &lt;b&gt;bold&lt;/b&gt; tag</title></entry>
<entry><id>3</id><title>A &lt;/p&gt; in plain text</title></entry></feed>"#,
        )
        .unwrap();
        let titles: Vec<(&str, bool)> = atom
            .iter()
            .filter_map(|e| e.title.as_ref())
            .map(|t| (t.content.as_str(), t.is_html))
            .collect();
        assert_eq!(
            titles,
            vec![
                ("History of the <blink> tag", false),
                ("History of the <b>bold</b> tag", true),
                ("A </p> in plain text", false),
            ]
        );
        let rss = parse(
            r#"<rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>History of the &lt;blink&gt; tag</title></item>
<item><guid>2</guid><title>&lt;b&gt;Bold&lt;/b&gt; news</title></item>
<item><guid>3</guid><title>Tom &amp;amp; Jerry</title></item>
<item><guid>4</guid><title>AT&amp;T and 3 &lt; 4</title></item>
<item><guid>5</guid><title>&lt;blink&gt;x&lt;/blink&gt;</title></item>
</channel></rss>"#,
        )
        .unwrap();
        let html: Vec<bool> = rss
            .iter()
            .filter_map(|e| e.title.as_ref())
            .map(|t| t.is_html)
            .collect();
        assert_eq!(html, vec![false, true, true, false, false]);
        assert!(HTML_ELEMENTS.windows(2).all(|w| w[0] < w[1]), "sorted");
    }

    /// An RSS contact is `email (Name)`: the name; an address alone is the address.
    #[test]
    fn rss_contacts_give_the_name() {
        let items = parse(
            r#"<rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>a</title><author>me@example.com (Example editor)</author></item>
<item><guid>2</guid><title>b</title><author>only@example.com</author></item>
<item><guid>3</guid><title>c</title><author>Dana Levi</author></item>
<item><guid>4</guid><title>d</title><author>John (Jack) Smith</author></item>
</channel></rss>"#,
        )
        .unwrap();
        let authors: Vec<Vec<String>> = items.into_iter().map(|i| i.authors).collect();
        assert_eq!(
            authors,
            vec![
                vec!["Example editor".to_owned()],
                vec!["only@example.com".to_owned()],
                vec!["Dana Levi".to_owned()],
                vec!["John (Jack) Smith".to_owned()],
            ]
        );
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
    fn one_odd_text_element_does_not_sink_the_feed() {
        let atom = parse(r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="text/plain">f</title>
<entry><id>1</id><title type="HTML">A &lt;b&gt;bold&lt;/b&gt; title</title><summary type='Text'>s</summary></entry>
<entry><id>2</id><title type="application/x-custom">custom</title><content type="XHTML"><div xmlns="http://www.w3.org/1999/xhtml">c</div></content></entry>
<entry><id>3</id><title>plain <![CDATA[<title type="kept">]]></title></entry></feed>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let titles: Vec<(&str, bool)> = atom
            .iter()
            .filter_map(|i| i.title.as_ref().map(|t| (t.content.as_str(), t.is_html)))
            .collect();
        assert_eq!(
            titles,
            [
                ("A <b>bold</b> title", true),
                ("custom", false),
                ("plain <title type=\"kept\">", false)
            ]
        );
        let rss = parse(r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>
<item><guid>1</guid><title>a</title><media:description></media:description><media:title type="text">m</media:title></item>
<item><guid>2</guid><title>b</title><media:group><media:description type="plain"/><media:title> </media:title></media:group></item>
</channel></rss>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let titles: Vec<&str> = rss
            .iter()
            .filter_map(|i| i.title.as_ref().map(|t| t.content.as_str()))
            .collect();
        assert_eq!(titles, ["a", "b"]);
    }

    #[test]
    fn a_bare_ampersand_inside_an_item_is_repaired_without_a_panic() {
        let items = parse(r#"<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>Q&A</title></item></channel></rss>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            items[0].title.as_ref().map(|t| t.content.as_str()),
            Some("Q&A")
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

    fn titles(items: &[FeedEntry]) -> Vec<&str> {
        items
            .iter()
            .filter_map(|i| i.title.as_ref().map(|t| t.content.as_str()))
            .collect()
    }

    fn urls(items: &[FeedEntry]) -> Vec<Option<&str>> {
        items
            .iter()
            .map(|i| i.url.as_ref().map(Url::as_str))
            .collect()
    }

    #[test]
    fn atom_03_is_read_as_atom_10() {
        let items = parse(r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#" xml:lang="en"><title>f</title>
<tagline mode="escaped" type="text/html">&lt;b&gt;t&lt;/b&gt;</tagline><copyright>c</copyright>
<entry><id>tag:e1</id><title mode="base64">RW50cnkgVGl0bGU=</title><link rel="alternate" type="text/html" href="https://example.org/e/1"/>
<issued>2004-01-02T03:04:05Z</issued><modified>2004-01-03T03:04:05Z</modified><created>2003-12-31T00:00:00Z</created>
<summary type="text/html" mode="escaped">&lt;p&gt;S&lt;/p&gt;</summary>
<content type="application/xhtml+xml"><div xmlns="http://www.w3.org/1999/xhtml"><p>C</p></div></content></entry>
<entry><id>tag:e2</id><title type="text/plain">Plain</title><content type="image/png" mode="base64">iVBORw0KGgo=</content></entry>
<entry><id>tag:e3</id><title type="text/html" mode="base64">Jmx0O2ImZ3Q7Qm9sZCZsdDsvYiZndDs=</title></entry>
</feed>"#)
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            titles(&items),
            ["Entry Title", "Plain", "&lt;b&gt;Bold&lt;/b&gt;"]
        );
        let first = &items[0];
        assert_eq!(
            first.url.as_ref().map(Url::as_str),
            Some("https://example.org/e/1")
        );
        assert_eq!(
            first.published.map(|d| d.to_rfc3339()),
            Some("2004-01-02T03:04:05+00:00".to_owned())
        );
        assert_eq!(
            first.updated.map(|d| d.to_rfc3339()),
            Some("2004-01-03T03:04:05+00:00".to_owned())
        );
        assert_eq!(
            first
                .summary
                .as_ref()
                .map(|m| (m.content.as_str(), m.is_html)),
            Some(("<p>S</p>", true))
        );
        assert_eq!(
            first
                .content
                .as_ref()
                .map(|m| (m.content.as_str(), m.is_html)),
            Some(("<p>C</p>", true))
        );
        assert_eq!(first.language.as_deref(), Some("en"));
        // A PNG is not text: the content is dropped, the item kept.
        assert_eq!(items[1].content, None);
        assert_eq!(items[2].title.as_ref().map(|t| t.is_html), Some(true));

        // Without a namespace, `version="0.3"` says it; a prefixed 0.3 feed works the same.
        let bare = parse(r#"<feed version="0.3"><entry><id>1</id><title>Bare</title><issued>2004-01-02T03:04:05Z</issued></entry></feed>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(titles(&bare), ["Bare"]);
        assert!(bare[0].published.is_some());
        let prefixed = parse(r#"<a:feed xmlns:a="http://purl.org/atom/ns#" version="0.3"><a:entry><a:id>1</a:id><a:title>Prefixed</a:title><a:modified>2004-01-02T03:04:05Z</a:modified></a:entry></a:feed>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(titles(&prefixed), ["Prefixed"]);
        assert!(prefixed[0].updated.is_some());
    }

    #[test]
    fn rss_090_is_read_as_rss_10() {
        let items = parse(r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel><title>c</title><link>https://example.org/</link><description>d</description></channel>
<item><title>Old</title><link>https://example.org/old</link></item></rdf:RDF>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(titles(&items), ["Old"]);
        assert_eq!(urls(&items), [Some("https://example.org/old")]);
    }

    #[test]
    fn rss_1_items_without_a_link_are_kept_with_rdf_about_as_identity() {
        let items = parse(r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://example.org/index.rdf"><title>c</title><link>https://example.org/</link></channel>
<item rdf:about="https://example.org/entry/1"><title>No link</title></item>
<item rdf:about="https://example.org/entry/2"><title>Linked</title><link>https://example.org/entry/2?utm_source=rss</link></item>
<item><description>Neither link nor about</description><link> </link></item>
</rdf:RDF>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<(IdentityBasis, &str)> = items
            .iter()
            .map(|i| (i.identity.basis, i.identity.key.as_str()))
            .collect();
        assert_eq!(
            ids[..2],
            [
                (IdentityBasis::Guid, "https://example.org/entry/1"),
                (IdentityBasis::Link, "https://example.org/entry/2"),
            ]
        );
        assert_eq!(ids[2].0, IdentityBasis::Content);
        // rdf:about is the item's identity, not a link the publisher gave.
        assert_eq!(
            urls(&items),
            [None, Some("https://example.org/entry/2"), None]
        );
    }

    #[test]
    fn unescaped_child_elements_of_text_elements_are_kept_as_markup() {
        let rss = parse(r#"<rss version="2.0"><channel><title>c</title>
<item><title><p>Item <b>Title</b></p></title><description><p>a &amp; b<br/><![CDATA[x < y]]></p></description><guid isPermaLink="false"><p>abc</p></guid></item>
<item><title>Text first <i>then</i> more</title></item>
</channel></rss>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            titles(&rss),
            ["<p>Item <b>Title</b></p>", "Text first <i>then</i> more"]
        );
        assert_eq!(
            rss[0]
                .summary
                .as_ref()
                .map(|m| (m.content.as_str(), m.is_html)),
            Some(("<p>a &amp; b<br/>x &lt; y</p>", true))
        );
        assert_eq!(rss[0].identity.key, "<p>abc</p>");
        // An end tag inside that closes an element opened outside: broken, not naked markup.
        assert_eq!(
            escape_naked_markup(
                "<rss><channel><item><title>One</titel></item></title></channel></rss>"
            ),
            None
        );

        let atom = parse(r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>
<entry><id>1</id><title type="html">Example <a href="test.html">test</a></title><summary><b>naked</b> text</summary></entry>
<entry><id>2</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Kept <b>as</b> xhtml</div></title>
<content type="html">
  <div xmlns="http://www.w3.org/1999/xhtml">&lt;p&gt;Entry Content&lt;/p&gt;</div>
</content></entry></feed>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            titles(&atom),
            [
                "Example <a href=\"test.html\">test</a>",
                "Kept <b>as</b> xhtml"
            ]
        );
        // A `text` construct holding elements is HTML that was not escaped.
        assert_eq!(
            atom[0]
                .summary
                .as_ref()
                .map(|m| (m.content.as_str(), m.is_html)),
            Some(("<b>naked</b> text", true))
        );
        assert_eq!(
            atom[1].content.as_ref().map(|m| m.content.trim()),
            Some(
                "<div xmlns=\"http://www.w3.org/1999/xhtml\">&lt;p&gt;Entry Content&lt;/p&gt;</div>"
            )
        );
    }

    #[test]
    fn characters_xml_does_not_allow_are_removed() {
        let items = parse("<rss version=\"2.0\"><channel><item><title>ab\u{8}c\u{1}d\u{FFFE}</title></item></channel></rss>")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(titles(&items), ["abcd"]);
        let json = parse("{\"version\":\"https://jsonfeed.org/version/1\",\"title\":\"j\",\"items\":[{\"id\":\"1\",\"title\":\"a\u{8}b\"}]}")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(titles(&json), ["ab"]);
    }

    #[test]
    fn the_byte_scans_agree_with_the_char_by_char_checks() {
        // The form the declaration search had before it skipped to `?`, with the same loop.
        let before = |text: &str| -> Option<String> {
            let find = |from: usize| {
                text.as_bytes()[from..]
                    .windows(5)
                    .position(|w| w.eq_ignore_ascii_case(b"<?xml"))
                    .map(|at| from + at)
            };
            let start = text.len()
                - text
                    .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
                    .len();
            let kept_until = if text.as_bytes()[start..].len() >= 5
                && text.as_bytes()[start..start + 5].eq_ignore_ascii_case(b"<?xml")
            {
                start + 5
            } else {
                0
            };
            let mut next = find(kept_until)?;
            let mut out = String::new();
            let mut copied = 0;
            loop {
                out.push_str(&text[copied..next]);
                copied = text[next..].find("?>").map_or(text.len(), |e| next + e + 2);
                match find(copied) {
                    Some(at) => next = at,
                    None => break,
                }
            }
            out.push_str(&text[copied..]);
            Some(out)
        };
        for text in [
            "",
            "plain",
            "\u{FEFF}<?xml version=\"1.0\"?><rss/>",
            "<?xml version=\"1.0\"?><rss><?XmL version=\"1.0\" encoding=\"latin1\"?></rss>",
            "<!-- c --><?xml version=\"1.0\"?><rss/>",
            "?<?xml?",
            "ש?<?xml ש",
            "<<??xml <?xm <?xmL",
            "a?b?c<?x",
            "<?xml?><?xml?><?xml",
        ] {
            assert_eq!(
                without_late_xml_declarations(text),
                before(text),
                "{text:?}"
            );
        }
        for text in [
            "",
            "plain ascii\tand\r\nbreaks",
            "עברית",
            "\u{FEFF}bom",
            "fullwidth \u{FF21}",
            "a\u{FFFE}",
            "a\u{FFFF}",
            "\u{1}",
            "\u{1F}",
            "\u{7F} is allowed",
            &format!("{}\u{B}", "x".repeat(200)),
        ] {
            assert_eq!(
                has_xml_illegal_chars(text),
                text.contains(is_xml_illegal),
                "{text:?}"
            );
        }
    }

    #[test]
    fn json_feeds_with_a_bare_version_number_are_read() {
        for version in ["1", "1.0", "1.1"] {
            let items = parse(&format!(r#"{{"version":"{version}","title":"j","items":[{{"id":"j1","title":"JSON {version}"}}]}}"#))
                .unwrap_or_else(|e| panic!("{version}: {e}"));
            assert_eq!(titles(&items), [format!("JSON {version}")]);
        }
        assert_eq!(
            parse(r#"{"version":"2","title":"j","items":[]}"#),
            Err(ParseError::Unsupported("JSON Feed version 2".into()))
        );
    }

    #[test]
    fn an_rss_root_without_a_channel_is_an_empty_feed() {
        for feed in [
            "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n</rss>",
            "<!DOCTYPE rss SYSTEM \"http://my.netscape.com/publish/formats/rss-0.91.dtd\">\n<rss version=\"0.91\"></rss>",
            "<rss version=\"0.94\"><!-- nothing --></rss>",
            "<rss/>",
        ] {
            assert_eq!(parse(feed), Ok(Vec::new()), "{feed}");
        }
        // Not when there is a channel feed-rs could not read, or the document is cut off.
        assert!(matches!(
            parse("<rss version=\"2.0\"><channel><item><title>x</title></item>"),
            Err(ParseError::Malformed(_))
        ));
        assert!(parse("<rss version=\"2.0\">").is_err());
    }

    #[test]
    fn misspelled_and_missing_end_tags_are_repaired() {
        let items = parse(
            r#"<rss version="2.0"><channel><language>en-us</langauge>
<item><title>One</titel><description><p>a<br>b</p></description></item>
<item><title>Two</title><source url="https://example.org/s">S</item></channel></rss>"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(titles(&items), ["One", "Two"]);
        // Left open inside a text element: kept as the markup it is (see the naked markup test).
        assert_eq!(
            items[0].summary.as_ref().map(|m| m.content.as_str()),
            Some("<p>a<br>b</p>")
        );
        assert_eq!(
            close_mismatched_elements("<a><b x='1'>t</c><d><br>u</d></a></a>"),
            "<a><b x='1'>t</b><d><br/>u</d></a>"
        );
        assert_eq!(items[0].language.as_deref(), Some("en-us"));
        let atom = parse(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">F</subtitle>
<entry><id>1</id><title>E</title></entry></feed>"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(titles(&atom), ["E"]);
    }

    #[test]
    fn atom_base64_text_is_decoded() {
        let items = parse(r#"<feed xmlns="http://www.w3.org/2005/Atom">
<entry><id>1</id><title type="application/octet-stream">PHA+RW50cnkgVGl0bGU8L3A+</title>
<content type="application/octet-stream">RW50cnkg
Q29udGVudA==</content></entry>
<entry><id>2</id><title>Binary</title><content type="application/octet-stream">//79</content></entry>
</feed>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(titles(&items), ["<p>Entry Title</p>", "Binary"]);
        assert_eq!(items[0].title.as_ref().map(|t| t.is_html), Some(false));
        assert_eq!(
            items[0]
                .content
                .as_ref()
                .map(|m| (m.content.as_str(), m.is_html)),
            Some(("Entry Content", false))
        );
        assert_eq!(items[1].content, None);
        assert_eq!(
            decode_base64_text("RW50cnkgVGl0bGU"),
            Some("Entry Title".to_owned())
        );
        assert_eq!(decode_base64_text("not base64!"), None);
        assert_eq!(decode_base64_text("QQ==QQ=="), None);
    }

    #[test]
    fn a_comments_page_is_never_the_item_link() {
        let items = parse(r#"<rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/"><channel>
<item><comments>https://example.org/1#comments</comments></item>
<item><title>t</title><comments>https://example.org/2/comments</comments><wfw:commentRss>https://example.org/2/feed</wfw:commentRss></item>
</channel></rss>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        // The first item has nothing but its comments: it is skipped.
        assert_eq!(titles(&items), ["t"]);
        assert_eq!(urls(&items), [None]);
        let atom = parse(r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title>a</title>
<link rel="replies" href="https://example.org/1/comments"/><link rel="related" href="https://example.org/about"/></entry></feed>"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(urls(&atom), [Some("https://example.org/about")]);
    }

    #[test]
    fn a_panic_in_feed_rs_is_a_parse_error() {
        // feed-rs unwraps `u64` parses of durations: 23 digits overflow.
        for feed in [
            r#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><item><title>x</title><itunes:duration>99999999999999999999999</itunes:duration></item></channel></rss>"#,
            r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><item><title>x</title><media:content url="https://example.org/a.mp4"><media:thumbnail url="https://example.org/t.jpg" time="99999999999999999999999"/></media:content></item></channel></rss>"#,
        ] {
            match parse(feed) {
                Err(ParseError::Crashed(message)) => assert!(message.contains("feed-rs panicked")),
                other => panic!("expected a crash report, got {other:?}"),
            }
        }
    }

    #[test]
    fn pieces_put_back_together_are_the_text() {
        let text = "junk < 3 <?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b>\">]><!-- c > --><a k='v>'>t<![CDATA[<no>]]><b/></a><cut";
        let cut: Vec<(Piece, &str)> = pieces(text).collect();
        assert_eq!(cut.iter().map(|(_, p)| *p).collect::<String>(), text);
        let kinds: Vec<Piece> = cut.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            [
                Piece::Text,
                Piece::Text,
                Piece::Other,
                Piece::Other,
                Piece::Other,
                Piece::Start,
                Piece::Text,
                Piece::Cdata,
                Piece::Empty,
                Piece::End,
                Piece::Start
            ]
        );
        assert_eq!(
            set_attribute("<t type='a' mode=\"b\">", "mode", None),
            "<t type='a'>"
        );
        assert_eq!(
            set_attribute("<t type='a'>", "type", Some("html")),
            "<t type=\"html\">"
        );
        assert_eq!(with_name("</a:issued >", "published"), "</a:published >");
    }
}
