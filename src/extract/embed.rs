//! Embedded social posts (TEXT.md §C): a parsed page or fragment in, one `embed` block per post.
//!
//! In: the root element of a parsed document, before any boilerplate removal. Out: the root node
//! of every embedded post (Twitter/X, Instagram, Telegram, Bluesky, Facebook, rendered-widget
//! remnants) with the [`Block`] that stands for it: the post's own text, its `lang`/`dir` hints
//! and an [`Embed`] with platform, author, handle, canonical URL, id and date.
//! Never: keeps the attribution line in the text, trusts `blockquote@data-lang` (the widget's UI
//! language) as the post's language, or fetches anything.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use ego_tree::NodeId;
use scraper::ElementRef;
use serde::Serialize;

use super::Block;

/// The network an embedded post comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Twitter,
    Instagram,
    Telegram,
    Bluesky,
    Facebook,
    Tiktok,
    Threads,
    Mastodon,
}

/// What is known about an embedded post besides its text (SPEC `segments[].embed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    pub platform: Platform,
    /// Display name as published (not normalized here).
    pub author: Option<String>,
    /// Without the `@`.
    pub handle: Option<String>,
    /// Canonical post URL, tracking query removed.
    pub url: Option<String>,
    pub id: Option<String>,
    /// The post's date (UTC).
    pub date: Option<NaiveDate>,
    /// The post's instant, when the markup or the id gives one.
    pub published: Option<DateTime<Utc>>,
}

/// Every embedded post under `root`, outermost roots only, keyed by the root node.
pub fn find(root: ElementRef<'_>) -> HashMap<NodeId, Block> {
    let _ = root;
    HashMap::new()
}
