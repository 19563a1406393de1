//! Facebook: post and video plugins (`div.fb-post`, their fallback blockquote, the iframe), their
//! canonical URL, post id and page name.

use super::Platform;
use super::markup::{
    block, collapse, embed, english_date, http_url, is_digits, joined, link_elements_from,
    paragraphs, strip_prefix_ignore_case, text_from, visible_text,
};
use crate::extract::Block;
use scraper::ElementRef;

/// "Posted by" in the languages Facebook's fallback is seen in.
pub(super) const FACEBOOK_POSTED_BY: [&str; 6] = [
    "Posted by",
    "Gepostet von",
    "Publié par",
    "Publicado por",
    "Pubblicato da",
    "Geplaatst door",
];

/// A Facebook post (`div.fb-post[data-href]` with its fallback blockquote, or the blockquote
/// alone): the post's text, "Posted by Name on Date".
pub(super) fn facebook(element: ElementRef<'_>, href: Option<&str>) -> Block {
    let mut meta = embed(Platform::Facebook);
    let quote = if element.value().name() == "blockquote" {
        Some(element)
    } else {
        element
            .descendants()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().name() == "blockquote")
    };
    let url = href.and_then(http_url).or_else(|| {
        quote
            .and_then(|q| q.value().attr("cite"))
            .and_then(http_url)
    });
    if let Some(url) = url {
        meta.id = facebook_post_id(&url);
        meta.url = Some(facebook_canonical(url));
    }
    let Some(quote) = quote else {
        return block(String::new(), None, None, meta);
    };
    let ps = paragraphs(quote);
    let is_posted_by = |p: &ElementRef<'_>| {
        let t = collapse(&visible_text(*p));
        FACEBOOK_POSTED_BY
            .iter()
            .any(|s| strip_prefix_ignore_case(&t, s).is_some())
    };
    let (post, attribution_at): (Vec<ElementRef<'_>>, usize) =
        match ps.iter().rposition(|(_, p)| is_posted_by(p)) {
            Some(k) => (ps[..k].iter().map(|(_, p)| *p).collect(), ps[k].0),
            None => (
                ps.iter().map(|(_, p)| *p).collect(),
                ps.last().map_or(0, |(i, _)| i + 1),
            ),
        };
    let attribution = text_from(quote, attribution_at);
    let links = link_elements_from(quote, attribution_at);
    if let Some(posted_by) = FACEBOOK_POSTED_BY
        .iter()
        .find(|s| strip_prefix_ignore_case(&attribution, s).is_some())
    {
        if let Some(author) = links.first() {
            meta.author = Some(collapse(&visible_text(*author))).filter(|a| !a.is_empty());
            meta.handle = author
                .value()
                .attr("href")
                .and_then(http_url)
                .and_then(|u| facebook_username(&u));
        }
        if *posted_by == "Posted by" && links.len() >= 2 {
            meta.date = links
                .last()
                .map(|d| collapse(&visible_text(*d)))
                .and_then(|d| english_date(&d));
        }
    }
    block(joined(&post), None, None, meta)
}

pub(super) fn is_facebook(url: &url::Url) -> bool {
    url.host_str().is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        h == "facebook.com" || h.ends_with(".facebook.com") || h == "fb.watch"
    })
}

/// The id of a Facebook post, video or photo URL; `None` for a page, profile or other link.
pub(super) fn facebook_post_id(url: &url::Url) -> Option<String> {
    if !is_facebook(url) {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
            .filter(|v| is_digits(v))
    };
    match segments.as_slice() {
        ["permalink.php" | "story.php", ..] => query("story_fbid"),
        ["photo.php" | "photo", ..] => query("fbid"),
        ["watch", ..] | ["video.php", ..] => query("v"),
        [.., kind, _] | [.., kind, _, _]
            if matches!(*kind, "posts" | "videos" | "photos" | "reel" | "permalink") =>
        {
            segments
                .iter()
                .rev()
                .find(|s| is_digits(s))
                .map(|s| (*s).to_owned())
        }
        _ => None,
    }
}

/// Query and fragment removed, except the parameters that name the post on Facebook's
/// `*.php` and `/watch` URLs.
pub(super) fn facebook_canonical(mut url: url::Url) -> String {
    let keep: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| matches!(k.as_ref(), "story_fbid" | "id" | "fbid" | "v"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let php = url.path().ends_with(".php") || url.path().starts_with("/watch");
    url.set_fragment(None);
    url.set_query(None);
    if php && !keep.is_empty() {
        url.query_pairs_mut().extend_pairs(keep);
    }
    url.to_string()
}

/// `SPÖ`'s page name from `https://www.facebook.com/Sozialdemokratie`.
pub(super) fn facebook_username(url: &url::Url) -> Option<String> {
    if !is_facebook(url) {
        return None;
    }
    let mut segments = url.path_segments()?.filter(|s| !s.is_empty());
    let first = segments.next()?;
    let reserved = [
        "pages",
        "people",
        "groups",
        "profile.php",
        "watch",
        "events",
        "photo.php",
        "story.php",
        "permalink.php",
        "plugins",
        "sharer",
        "share",
    ];
    (!reserved.contains(&first)
        && !is_digits(first)
        && first.len() <= 50
        && first
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.'))
    .then(|| first.to_owned())
}
