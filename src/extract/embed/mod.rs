//! Embedded social posts (TEXT.md §C): a parsed page or fragment in, one `embed` block per post.
//!
//! In: the root element of a parsed document, before any boilerplate removal. Out: the root node
//! of every embedded post (Twitter/X, Instagram, Telegram, Bluesky, Facebook, rendered-widget
//! remnants) with the [`Block`] that stands for it: the post's own text, its `lang`/`dir` hints
//! and an [`Embed`] with platform, author, handle, canonical URL, id and date.
//! Never: keeps the attribution line in the text, trusts `blockquote@data-lang` (the widget's UI
//! language) as the post's language, or fetches anything.

mod facebook;
mod instagram;
mod markup;
mod others;
#[cfg(test)]
mod tests;
mod twitter;

use facebook::{facebook, facebook_canonical, facebook_post_id};
use instagram::{instagram, instagram_shortcode};
use markup::{block, embed, has_class, http_url};
use others::{bluesky, mastodon, telegram, threads, tiktok};
use std::collections::HashMap;
use twitter::{rendered_tweet, tweet};

use chrono::{DateTime, NaiveDate, Utc};
use ego_tree::NodeId;

use scraper::ElementRef;
use serde::Serialize;

use super::Block;
use super::html::attr;

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

impl Embed {
    /// The post's instant, and the date that goes with it.
    fn published_at(&mut self, instant: DateTime<Utc>) {
        self.published = Some(instant);
        self.date = Some(instant.date_naive());
    }
}

/// Every embedded post under `root`, outermost roots only, keyed by the root node.
pub fn find(root: ElementRef<'_>) -> HashMap<NodeId, Block> {
    let mut found = HashMap::new();
    // An explicit stack (no recursion: nesting depth is the page's choice); an embed's subtree is
    // not searched again, so only outermost roots are kept.
    let mut stack: Vec<ElementRef<'_>> = vec![root];
    while let Some(element) = stack.pop() {
        if let Some(block) = post(element) {
            found.insert(element.id(), block);
            continue;
        }
        if is_page_plugin(element) {
            // Facebook's page box ("like our page"): its fallback quotes the page, not a post.
            continue;
        }
        let children: Vec<ElementRef<'_>> =
            element.children().filter_map(ElementRef::wrap).collect();
        stack.extend(children.into_iter().rev());
    }
    found
}

fn is_page_plugin(element: ElementRef<'_>) -> bool {
    element.value().name() == "div"
        && ["fb-page", "fb-like-box", "fb-group"]
            .iter()
            .any(|c| has_class(element, c))
}

/// The post `element` is the root of, if it is one.
fn post(element: ElementRef<'_>) -> Option<Block> {
    let e = element.value();
    let class = |c: &str| has_class(element, c);
    match e.name() {
        "blockquote" if class("twitter-tweet") || class("twitter-video") => Some(tweet(element)),
        "blockquote" if class("instagram-media") => Some(instagram(element)),
        "blockquote" if class("bluesky-embed") => Some(bluesky(element)),
        "blockquote" if class("tiktok-embed") => Some(tiktok(element)),
        "blockquote" if class("text-post-media") => Some(threads(element)),
        "blockquote" if class("mastodon-embed") => {
            Some(mastodon(element, e.attr("data-embed-url")))
        }
        "iframe" if class("mastodon-embed") => Some(mastodon(element, e.attr("src"))),
        "div" if class("fb-post") || class("fb-video") => {
            Some(facebook(element, e.attr("data-href")))
        }
        // Without its `div.fb-post`, the fallback blockquote is a post only when it cites one
        // (the page box quotes the page).
        "blockquote" if class("fb-xfbml-parse-ignore") => {
            let cite = e.attr("cite")?;
            facebook_post_id(&http_url(cite)?)?;
            Some(facebook(element, Some(cite)))
        }
        "div" if class("twitter-tweet-rendered") => Some(rendered_tweet(element)),
        "iframe" => iframe(element),
        _ => telegram(attr(e, "data-telegram-post")),
    }
}

/// An iframe that is a post: a rendered tweet, Facebook's post/video plugin.
fn iframe(element: ElementRef<'_>) -> Option<Block> {
    let e = element.value();
    let src = e.attr("src").and_then(http_url);
    if e.attr("data-tweet-id").is_some()
        || has_class(element, "twitter-tweet")
        || has_class(element, "twitter-tweet-rendered")
        || src.as_ref().is_some_and(|u| {
            u.host_str() == Some("platform.twitter.com") && u.path().starts_with("/embed/")
        })
    {
        return Some(rendered_tweet(element));
    }
    let src = src?;
    if let Some(code) = instagram_shortcode(&src) {
        // A rendered Instagram embed: `https://www.instagram.com/p/<code>/embed/…`.
        let mut meta = embed(Platform::Instagram);
        let host = src.host_str().unwrap_or("www.instagram.com");
        meta.url = Some(format!("https://{host}/p/{code}/"));
        meta.id = Some(code);
        return Some(block(String::new(), None, None, meta));
    }
    let host = src.host_str()?.to_ascii_lowercase();
    if (host == "facebook.com" || host.ends_with(".facebook.com"))
        && matches!(src.path(), "/plugins/post.php" | "/plugins/video.php")
    {
        let href = src
            .query_pairs()
            .find(|(k, _)| k == "href")
            .map(|(_, v)| v.into_owned())?;
        let mut meta = embed(Platform::Facebook);
        if let Some(url) = http_url(&href) {
            meta.id = facebook_post_id(&url);
            meta.url = Some(facebook_canonical(url));
        }
        return Some(block(String::new(), None, None, meta));
    }
    None
}
