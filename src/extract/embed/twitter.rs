//! Twitter/X: the oEmbed blockquote (TEXT.md §C.4) and rendered-widget remnants; ids, handles
//! and dates from status URLs (a status id carries its time).

use super::Platform;
use super::markup::{
    attribution_parts, block, embed, english_date, http_url, is_digits, joined, links_from,
    post_and_attribution, post_block, text_from,
};
use crate::extract::Block;
use chrono::DateTime;
use chrono::Utc;
use scraper::ElementRef;

/// A Twitter/X blockquote (TEXT.md §C.4).
pub(super) fn tweet(element: ElementRef<'_>) -> Block {
    let mut meta = embed(Platform::Twitter);
    let (post, attribution_at) = post_and_attribution(element);
    let text = joined(&post);
    let (author, handle, date_text) = attribution_parts(&text_from(element, attribution_at));
    meta.author = author;
    meta.handle = handle.filter(|h| is_twitter_handle(h));
    // The status link of the attribution, else any status link in the post.
    let status = links_from(element, attribution_at)
        .into_iter()
        .chain(links_from(element, 0))
        .find_map(|href| twitter_status(&href));
    if let Some((url_handle, id)) = status {
        if meta.handle.is_none() {
            meta.handle.clone_from(&url_handle);
        }
        let path = url_handle
            .or_else(|| meta.handle.clone())
            .unwrap_or_else(|| "i/web".to_owned());
        meta.url = Some(format!("https://twitter.com/{path}/status/{id}"));
        if let Some(published) = snowflake_time(&id) {
            meta.published_at(published);
        }
        meta.id = Some(id);
    }
    if meta.date.is_none() {
        // The date line is in the widget's UI language: only English is read.
        let ui = element.value().attr("data-lang").unwrap_or("en").trim();
        if ui.is_empty() || ui.to_ascii_lowercase().starts_with("en") {
            meta.date = date_text.as_deref().and_then(english_date);
        }
    }
    post_block(text, &post, meta)
}

/// A rendered widget (`div.twitter-tweet-rendered`, `iframe[data-tweet-id]`): only the id.
pub(super) fn rendered_tweet(element: ElementRef<'_>) -> Block {
    let mut meta = embed(Platform::Twitter);
    let id = std::iter::once(element)
        .chain(element.descendants().skip(1).filter_map(ElementRef::wrap))
        .find_map(|e| {
            let e = e.value();
            e.attr("data-tweet-id").map(str::to_owned).or_else(|| {
                let src = http_url(e.attr("src")?)?;
                (src.host_str() == Some("platform.twitter.com"))
                    .then(|| src.query_pairs().find(|(k, _)| k == "id"))
                    .flatten()
                    .map(|(_, v)| v.into_owned())
            })
        })
        .map(|id| id.trim().to_owned())
        .filter(|id| is_digits(id));
    if let Some(id) = id {
        // Without the handle, Twitter's own handle-less form.
        meta.url = Some(format!("https://twitter.com/i/web/status/{id}"));
        if let Some(published) = snowflake_time(&id) {
            meta.published_at(published);
        }
        meta.id = Some(id);
    }
    block(String::new(), None, None, meta)
}

pub(super) fn is_twitter_handle(handle: &str) -> bool {
    (1..=15).contains(&handle.len())
        && handle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `(handle, id)` of a status link on twitter.com / x.com (`www.`, `mobile.`; `/status/` or
/// `/statuses/`); the handle is `None` for Twitter's `/i/web/status/<id>`.
pub(super) fn twitter_status(href: &str) -> Option<(Option<String>, String)> {
    let url = http_url(href)?;
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host
        .strip_prefix("www.")
        .or_else(|| host.strip_prefix("mobile."))
        .unwrap_or(&host);
    if host != "twitter.com" && host != "x.com" {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.collect();
    match segments.as_slice() {
        ["i", "web", "status" | "statuses", id, ..] if is_digits(id) => {
            Some((None, (*id).to_owned()))
        }
        [handle, "status" | "statuses", id, ..] if is_twitter_handle(handle) && is_digits(id) => {
            Some((Some((*handle).to_owned()), (*id).to_owned()))
        }
        _ => None,
    }
}

/// The time a tweet id was minted: ids are "snowflakes" since 2010-11-04 (TEXT.md §C.4).
pub(super) fn snowflake_time(id: &str) -> Option<DateTime<Utc>> {
    const FIRST_SNOWFLAKE: u64 = 29_700_859_247;
    const TWITTER_EPOCH_MS: u64 = 1_288_834_974_657;
    let id: u64 = id.parse().ok()?;
    if id < FIRST_SNOWFLAKE {
        return None;
    }
    let ms = (id >> 22).checked_add(TWITTER_EPOCH_MS)?;
    // Records carry whole seconds.
    DateTime::from_timestamp(i64::try_from(ms / 1000).ok()?, 0)
}
