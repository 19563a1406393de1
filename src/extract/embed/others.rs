//! Bluesky, TikTok, Threads, Mastodon and Telegram embeds.

use super::Platform;
use super::instagram::is_instagram_handle;
use super::markup::{
    attribution_parts, block, canonical, embed, english_date, first_paragraph, http_url, is_digits,
    joined, links_from, post_and_attribution, post_block, text_from,
};
use crate::extract::Block;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use scraper::ElementRef;

/// A Bluesky blockquote: the Twitter shape, with domain handles and an at:// URI.
pub(super) fn bluesky(element: ElementRef<'_>) -> Block {
    let mut meta = embed(Platform::Bluesky);
    let (post, attribution_at) = post_and_attribution(element);
    let text = joined(&post);
    // The placeholder link for media ("[image or embed]") is not the post's text.
    let text = text
        .trim_end_matches("[image or embed]")
        .trim_end()
        .to_owned();
    let (author, handle, date_text) = attribution_parts(&text_from(element, attribution_at));
    meta.author = author;
    meta.handle = handle.filter(|h| {
        h.contains('.')
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    });
    let uri = element.value().attr("data-bluesky-uri").map(str::trim);
    meta.id = uri
        .and_then(|u| u.rsplit('/').next())
        .filter(|rkey| !rkey.is_empty() && rkey.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_owned);
    meta.url = links_from(element, 0)
        .iter()
        .filter_map(|href| http_url(href))
        .find(|u| {
            u.host_str() == Some("bsky.app")
                && u.path().starts_with("/profile/")
                && u.path().contains("/post/")
        })
        .map(canonical)
        .or_else(|| {
            // at://did:plc:…/app.bsky.feed.post/<rkey>
            let rest = uri?.strip_prefix("at://")?;
            let (did, rest) = rest.split_once('/')?;
            let rkey = rest.strip_prefix("app.bsky.feed.post/")?;
            let ok = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'-'))
            };
            (ok(did) && ok(rkey)).then(|| format!("https://bsky.app/profile/{did}/post/{rkey}"))
        });
    meta.date = date_text
        .as_deref()
        .map(|d| d.split(" at ").next().unwrap_or(d))
        .and_then(english_date);
    if let Some(created) = meta.id.as_deref().and_then(tid_time)
        && meta.date.is_none_or(|d| d == created.date_naive())
    {
        meta.published_at(created);
    }
    post_block(text, &post, meta)
}

/// A TikTok blockquote: the caption `p`, the handle and video id from `cite`.
pub(super) fn tiktok(element: ElementRef<'_>) -> Block {
    let mut meta = embed(Platform::Tiktok);
    let cite = element.value().attr("cite").and_then(http_url);
    if let Some(url) = cite {
        let segments: Vec<String> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        meta.handle = segments
            .iter()
            .find_map(|s| s.strip_prefix('@'))
            .filter(|h| is_instagram_handle(h))
            .map(str::to_owned);
        meta.id = segments.last().filter(|s| is_digits(s)).cloned();
        meta.url = Some(canonical(url));
    }
    if meta.id.is_none() {
        meta.id = element
            .value()
            .attr("data-video-id")
            .map(str::trim)
            .filter(|s| is_digits(s))
            .map(str::to_owned);
    }
    block(first_paragraph(element), None, None, meta)
}

/// A Threads blockquote: the permalink `https://www.threads.net/@handle/post/<code>`.
pub(super) fn threads(element: ElementRef<'_>) -> Block {
    let mut meta = embed(Platform::Threads);
    if let Some(url) = element
        .value()
        .attr("data-text-post-permalink")
        .and_then(http_url)
    {
        let segments: Vec<String> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        if let [user, kind, code, ..] = segments.as_slice()
            && kind == "post"
        {
            meta.handle = user
                .strip_prefix('@')
                .filter(|h| is_instagram_handle(h))
                .map(str::to_owned);
            meta.id = Some(code.clone());
        }
        meta.url = Some(canonical(url));
    }
    block(first_paragraph(element), None, None, meta)
}

/// A Mastodon embed: the status link (`https://host/@user/<id>`), else the embed URL without
/// its `/embed`.
pub(super) fn mastodon(element: ElementRef<'_>, embed_url: Option<&str>) -> Block {
    let mut meta = embed(Platform::Mastodon);
    let status = |u: &url::Url| -> Option<(String, String)> {
        let segments: Vec<&str> = u.path_segments()?.filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            [user, id, ..] if user.starts_with('@') && is_digits(id) => {
                Some((user[1..].to_owned(), (*id).to_owned()))
            }
            ["users", user, "statuses", id, ..] if is_digits(id) => {
                Some(((*user).to_owned(), (*id).to_owned()))
            }
            _ => None,
        }
    };
    let url = links_from(element, 0)
        .iter()
        .filter_map(|h| http_url(h))
        .chain(embed_url.and_then(http_url))
        .find(|u| status(u).is_some());
    if let Some(url) = url
        && let (Some((user, id)), Some(host)) = (status(&url), url.host_str())
    {
        // `@user` is local to the host; `@user@elsewhere` names its own instance.
        meta.handle = Some(if user.contains('@') {
            user.clone()
        } else {
            format!("{user}@{host}")
        });
        meta.url = Some(format!("https://{host}/@{user}/{id}"));
        meta.id = Some(id);
    }
    block(String::new(), None, None, meta)
}

/// Telegram's widget: `data-telegram-post="channel/123"`; there is never text in the markup.
pub(super) fn telegram(post: Option<&str>) -> Option<Block> {
    let (channel, id) = post?.trim().trim_matches('/').split_once('/')?;
    let valid = |s: &str| {
        (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    if !valid(channel) || !is_digits(id) {
        return None;
    }
    let mut meta = embed(Platform::Telegram);
    meta.url = Some(format!("https://t.me/{channel}/{id}"));
    meta.handle = Some(channel.to_owned());
    meta.id = Some(id.to_owned());
    Some(block(String::new(), None, None, meta))
}

/// The time in a Bluesky record key (a TID: 13 base32-sortable characters, microseconds since
/// 1970 above 10 bits of clock id); `None` for other keys and implausible times.
pub(super) fn tid_time(rkey: &str) -> Option<DateTime<Utc>> {
    const ALPHABET: &[u8] = b"234567abcdefghijklmnopqrstuvwxyz";
    if rkey.len() != 13 {
        return None;
    }
    let mut value: u64 = 0;
    for (i, b) in rkey.bytes().enumerate() {
        let digit = ALPHABET.iter().position(|a| *a == b)? as u64;
        // The top bit of a TID is 0: the first character is at most 'j'.
        if i == 0 && digit >= 16 {
            return None;
        }
        value = value.checked_mul(32)?.checked_add(digit)?;
    }
    let micros = i64::try_from(value >> 10).ok()?;
    let time = DateTime::from_timestamp(micros / 1_000_000, 0)?;
    // Bluesky's first posts are from 2022.
    (time.date_naive() >= NaiveDate::from_ymd_opt(2022, 1, 1)?).then_some(time)
}
