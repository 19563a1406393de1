//! Parse: a decoded document in, the items it lists out.
//!
//! In: a [`Document`] and the source it came from. Out: [`FeedEntry`] values in document order,
//! each with a stable identity (GUID/id, else canonical link, else a hash of title and date),
//! absolute canonical links, timestamps in UTC, the language the feed declares, and the item's
//! own markup untouched for the extract stage.
//! Never: turns HTML into text (that is `extract`), labels language, or decides what is new.

mod feed;
pub mod listing;

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::{SourceConfig, SourceKind};
use crate::fetch::Document;

/// The record warning of an item whose date is outside the years 1–9999 or cannot be computed:
/// its `published` is null, and the item is written all the same.
pub const DATE_OUT_OF_RANGE: &str = "date_out_of_range";

/// How an item's identity was found (TEXT of ANCHORS.md lesson 2: a policy with fallbacks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityBasis {
    /// The feed's own GUID / Atom id / JSON Feed id / RSS 1.0 `rdf:about` (of an item without a
    /// link).
    Guid,
    /// The canonical item link (no usable id).
    Link,
    /// A hash of the title and date (no id, no link).
    TitleDate,
    /// A hash of the item's content (no id, link, title or date).
    Content,
}

impl IdentityBasis {
    /// The name it has in record ids (a persisted format: never changes).
    pub fn name(self) -> &'static str {
        match self {
            IdentityBasis::Guid => "guid",
            IdentityBasis::Link => "link",
            IdentityBasis::TitleDate => "title-date",
            IdentityBasis::Content => "content",
        }
    }
}

/// What identifies an item within its source. Two parses of the same item give the same value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub basis: IdentityBasis,
    pub key: String,
}

/// A piece of feed markup and whether it is HTML or plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markup {
    pub content: String,
    pub is_html: bool,
}

/// One item of a feed (or of a listing page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    pub identity: Identity,
    /// Canonical absolute http(s) link; never `javascript:` or `data:`.
    pub url: Option<Url>,
    pub title: Option<Markup>,
    pub summary: Option<Markup>,
    pub content: Option<Markup>,
    pub authors: Vec<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// The language the item or its feed declares (`he`, `he-IL`, `iw`…), as written.
    pub language: Option<String>,
    /// A hash of the item's own content as the source published it (title, body, link): what
    /// decides whether an item changed. Normalizer changes never move it.
    pub source_hash: crate::hash::SourceHash,
    /// Warnings the document carries (`decode_errors`…), for the record.
    pub warnings: Vec<String>,
    /// How releases before 0.2 identified the item, when that differs (its link's query was
    /// re-encoded then): what state stores written by them know it as. Boxed: most items have
    /// none, and a feed of 180,000 items keeps them all until its last batch.
    pub legacy: Option<Box<LegacyIdentity>>,
}

/// An item's identity key and source hash as releases before 0.2 made them
/// ([`crate::links::legacy_canonical_url`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyIdentity {
    pub key: String,
    pub source_hash: crate::hash::SourceHash,
    /// The item's link in that form.
    pub link: String,
}

impl LegacyIdentity {
    /// The legacy identity of an item whose identity is `identity`, with `link` as its link
    /// (title and body for its source hash); `None` when the legacy link is the link.
    pub fn of(identity: &Identity, link: Option<&Url>, title: &str, body: &str) -> Option<Self> {
        let link = link?;
        let legacy = crate::links::legacy_canonical_url(link)?;
        (legacy != *link).then(|| LegacyIdentity {
            key: if identity.basis == IdentityBasis::Link {
                legacy.as_str().to_owned()
            } else {
                identity.key.clone()
            },
            source_hash: crate::hash::source_hash(title, body, legacy.as_str()),
            link: legacy.into(),
        })
    }
}

/// Why a document could not be read as items.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not a feed: {0}")]
    NotAFeed(String),
    #[error("malformed feed: {0}")]
    Malformed(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The feed parser (feed-rs) panicked on the document: a bug of the parser, contained.
    #[error("the feed parser crashed: {0}")]
    Crashed(String),
}

/// The items of a document.
#[derive(Debug, Default)]
pub struct Items {
    pub entries: Vec<FeedEntry>,
    /// Items with no id, link, title, date or text: skipped, and counted in the source's
    /// summary, never in silence.
    pub empty: usize,
    /// What the source's summary should say about the document (a page source's selector that
    /// matches nothing in most items, dates it cannot read).
    pub warnings: Vec<String>,
}

/// The items of `document`, for `source`.
pub fn entries(document: &Document, source: &SourceConfig) -> Result<Items, ParseError> {
    match source.kind {
        SourceKind::Feed => feed::entries(document, source),
        SourceKind::Page => listing::entries(document, source),
    }
}

/// The RSS `<ttl>` of a feed document (minutes the feed may be cached), as a duration: a hint
/// for the daemon's schedule. `None` when absent or not a whole number.
pub fn ttl(document: &Document) -> Option<std::time::Duration> {
    const OPEN: &str = "<ttl>";
    let text = document.text.as_str();
    // The channel's ttl comes before the first item; one inside an item is not the feed's.
    let head = &text[..text.find("<item").unwrap_or(text.len())];
    let start = head.find(OPEN)? + OPEN.len();
    let end = start + head[start..].find("</ttl>")?;
    let minutes: u64 = head[start..end].trim().parse().ok()?;
    Some(std::time::Duration::from_secs(minutes.saturating_mul(60)))
}

#[cfg(test)]
mod ttl_tests {
    use super::*;

    fn document(text: &str) -> Document {
        crate::fetch::document(
            url::Url::parse("https://example.org/rss.xml").unwrap_or_else(|e| panic!("{e}")),
            Some("application/rss+xml"),
            text.as_bytes(),
            crate::fetch::DocumentKind::Xml,
            None,
        )
    }

    #[test]
    fn the_channel_ttl_in_minutes() {
        let feed = "<rss><channel><ttl> 15 </ttl><item><ttl>1</ttl></item></channel></rss>";
        assert_eq!(
            ttl(&document(feed)),
            Some(std::time::Duration::from_secs(900))
        );
        let in_item_only = "<rss><channel><item><ttl>1</ttl></item></channel></rss>";
        assert_eq!(ttl(&document(in_item_only)), None);
        assert_eq!(
            ttl(&document("<rss><channel><ttl>soon</ttl></channel></rss>")),
            None
        );
    }
}
