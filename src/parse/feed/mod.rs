//! Feeds (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed) through feed-rs, with the repairs real
//! feeds need.
//!
//! In: a decoded document. Out: its items as [`super::FeedEntry`] values, and how many items
//! had nothing to show (counted, never dropped in silence). The text reaching feed-rs is already
//! UTF-8 with an honest XML declaration (the fetch stage rewrote it), so a declaration
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
//!   element opened outside: the document is broken there, and the repairs below handle it;
//! - RSS 2.0 in UserLand's namespace loses it, and an `<rss>` whose items have no `<channel>`
//!   around them gets one (feed-rs finds no items in either);
//! - an item that lacks a title, a body, a date or a link gets one from the elements feed-rs does
//!   not read — `dc:title`, `media:title`, `xhtml:body`, `body`, `fullitem`, `dc:description`,
//!   `itunes:summary`, `media:description` (also in `media:group`), `dcterms:issued`/`created`/
//!   `modified`, a permalink `<guid>`, an Atom `<link>` holding its URL as text ([`extras`]).
//!
//! Each item's text is then taken as the publisher meant it: UTF-8 written a byte at a time as
//! numeric references (`&#226;&#128;&#166;`) is the character; items without an id that share a
//! link but differ are kept apart.
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

mod extras;
mod items;
mod parts;
mod prepare;
mod repair;
mod scan;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};

use feed_rs::model::Feed;
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use url::Url;

use super::{Items, ParseError};
use crate::config::{NaiveTimezone, SourceConfig};
use crate::dates::{self, Parsed};
use crate::fetch::{Document, DocumentKind};
use items::{
    NO_ID, OUT_OF_RANGE, disambiguate_repeated_guids, disambiguate_shared_links, entry_of,
};
use prepare::{normalize, spaced_contacts};
use scan::{Piece, is_json, local_name, matching_end, pieces, tag_name};

pub(super) fn entries(document: &Document, source: &SourceConfig) -> Result<Items, ParseError> {
    if document.kind == DocumentKind::Html {
        return Err(ParseError::NotAFeed(
            "the server sent an HTML page, not a feed".to_owned(),
        ));
    }
    let normalized = normalize(&document.text);
    if normalized.len() >= parts::SPLIT_FROM_BYTES
        && let Some(items) = entries_in_parts(&normalized, document, source, parts::ITEMS_PER_PART)
    {
        return Ok(items);
    }
    let Some(feed) =
        parse_with_repairs(&document.text, normalized, &document.url, source.timezone)?
    else {
        tracing::info!(
            source = %source.name,
            url = %crate::shown::url(&document.url),
            "The feed is an <rss> with no <channel>: no items."
        );
        return Ok(Items::default());
    };
    let mut items = Items {
        entries: Vec::with_capacity(feed.entries.len()),
        ..Items::default()
    };
    push_items(feed, document, &mut items);
    disambiguate_repeated_guids(&mut items.entries);
    disambiguate_shared_links(&mut items.entries);
    Ok(items)
}

/// The items of a large document read in parts of `per_part` items, each part's model dropped
/// once its items are taken: memory follows the items kept, not feed-rs's model of the whole
/// document. Parts are read side by side on rayon's pool, as many at once as it has threads
/// (feed-rs is most of a large feed's time before its items can be analysed, and one thread
/// would leave the other cores idle), and each round's items are moved into the one list at
/// once, in document order, so that no more than a round of parts is ever held twice. `None`
/// when the document is read whole instead: not splittable (see [`parts`]), or a part feed-rs
/// refused — the whole document then gets the usual treatment, errors and repairs included, so
/// that reading in parts never changes an answer.
fn entries_in_parts(
    normalized: &str,
    document: &Document,
    source: &SourceConfig,
    per_part: usize,
) -> Option<Items> {
    use rayon::prelude::*;
    let parts = parts::split(normalized, per_part)?;
    // Every part but the last is full: the vector never grows by doubling past what it needs.
    let mut items = Items {
        entries: Vec::with_capacity(parts.len().saturating_mul(per_part)),
        ..Items::default()
    };
    for round in parts.chunks(rayon::current_num_threads().max(1)) {
        let read: Vec<Option<Items>> = round
            .par_iter()
            .map(|part| {
                let feed = feed_rs(part.reader(), &document.url, source.timezone)
                    .ok()?
                    .ok()?;
                let mut part_items = Items::default();
                push_items(feed, document, &mut part_items);
                Some(part_items)
            })
            .collect();
        for part_items in read {
            let part_items = part_items?;
            items.entries.extend(part_items.entries);
            items.empty += part_items.empty;
        }
    }
    disambiguate_repeated_guids(&mut items.entries);
    disambiguate_shared_links(&mut items.entries);
    Some(items)
}

/// Appends the items of a parsed feed (or part of one), in order; an item with nothing to
/// identify or show is counted instead.
fn push_items(feed: Feed, document: &Document, items: &mut Items) {
    let feed_language = feed.language.clone();
    let is_atom = feed.feed_type == feed_rs::model::FeedType::Atom;
    items.entries.reserve(feed.entries.len());
    for entry in feed.entries {
        match entry_of(entry, document, feed_language.as_deref(), is_atom) {
            Some(item) => items.entries.push(item),
            None => items.empty += 1,
        }
    }
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
        tracing::error!(url = %crate::shown::url(base), panic = %crate::shown::message(message), "feed-rs panicked on this document.");
        ParseError::Crashed(format!("feed-rs panicked: {message}"))
    })
}

/// The feed in `text` (`normalized` is `prepare::normalize(text)`); `None` for a well-formed
/// `<rss>` with no `<channel>` (no items).
fn parse_with_repairs(
    text: &str,
    mut normalized: Cow<'_, str>,
    base: &Url,
    zone: NaiveTimezone,
) -> Result<Option<Feed>, ParseError> {
    let attempt = match feed_rs(normalized.as_bytes(), base, zone) {
        // feed-rs slices an RSS contact ("a@b.c (Name)") one byte past the e-mail address and
        // panics when that byte is inside a character (found by fuzzing): a space between
        // ASCII and non-ASCII letters in contact elements gives it a whole character there.
        Err(ParseError::Crashed(message)) => match spaced_contacts(&normalized) {
            Some(spaced) => {
                tracing::info!(url = %crate::shown::url(base), cause = %crate::shown::message(&message), "Retrying the feed with its contacts spaced.");
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
        Some(normalize(&repair::repair(&normalized)).into_owned())
    };
    let mut last = None;
    if let Some(repaired) = repaired.filter(|r| *r != *normalized) {
        match feed_rs(repaired.as_bytes(), base, zone)? {
            Ok(feed) => {
                tracing::info!(url = %crate::shown::url(base), cause = %crate::shown::message(&first.to_string()), "Parsed the feed after repairing it.");
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
