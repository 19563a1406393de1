//! OPML, the subscription list every feed reader imports and exports (Miniflux, FreshRSS,
//! Feedly, Inoreader, NetNewsWire), in and out of nahar's config.
//!
//! In: the text of an OPML 1.0 or 2.0 file ([`read`]), or a validated [`Config`] ([`write`]).
//! Out: the feeds the file lists with their titles, sites and category paths, and the outlines
//! left out with why ([`OpmlList`]); the sources an import adds to a config, named
//! ([`plan_import`]); or OPML 2.0 text.
//! Never: writes a file (the config text is edited by `config::edit`, the file replaced by the
//! command), fetches a feed, or trusts the file's markup: a malformed document is an
//! [`OpmlError`] at its line and column, and nothing of it is used.

mod import;
mod read;
mod write;

pub use import::{ImportPlan, plan_import};
pub use read::read;
pub use write::{Exported, write};

use url::Url;

/// One feed an OPML file lists (an `<outline>` with an `xmlUrl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    /// `xmlUrl`, entities decoded; http or https.
    pub url: Url,
    /// `title`, else `text`, with whitespace folded; `None` when blank.
    pub title: Option<String>,
    /// `htmlUrl`, when it is an http(s) URL.
    pub site: Option<Url>,
    /// The category path: the `text` (else `title`) of each enclosing folder outline, outermost
    /// first; else the first path of an OPML 2.0 `category` attribute.
    pub tags: Vec<String>,
    /// Where the outline starts (1-based, columns in characters).
    pub line: usize,
    pub column: usize,
}

/// An `<outline>` with an `xmlUrl` that is not taken, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedOutline {
    pub line: usize,
    pub column: usize,
    pub reason: String,
}

/// What an OPML file lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpmlList {
    /// In document order; the same URL may appear more than once (in two folders).
    pub feeds: Vec<OpmlFeed>,
    pub skipped: Vec<SkippedOutline>,
}

/// Why an OPML file cannot be read: not well-formed XML, or not an OPML document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct OpmlError {
    /// 1-based; columns count characters.
    pub line: usize,
    pub column: usize,
    pub message: String,
}
