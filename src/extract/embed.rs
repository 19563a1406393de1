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
use ego_tree::iter::Edge;
use scraper::{ElementRef, Node};
use serde::Serialize;

use super::html::attr;
use super::{Block, BlockKind};
use crate::text::Dir;

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

fn has_class(element: ElementRef<'_>, class: &str) -> bool {
    element
        .value()
        .classes()
        .any(|k| k.eq_ignore_ascii_case(class))
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

/// The block of a post whose text is in `paragraphs`: the first one's `lang`/`dir` are the
/// post's declared ones (a hint for the text stage).
fn post_block(text: String, paragraphs: &[ElementRef<'_>], embed: Embed) -> Block {
    let first = paragraphs.first().map(|p| p.value());
    block(
        text,
        first.and_then(|p| p.attr("lang")),
        first.and_then(|p| p.attr("dir")),
        embed,
    )
}

fn block(text: String, lang: Option<&str>, dir: Option<&str>, embed: Embed) -> Block {
    Block {
        kind: BlockKind::Embed,
        text,
        lang: lang
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned),
        dir: dir.and_then(Dir::from_attribute),
        embed: Some(embed),
    }
}

fn embed(platform: Platform) -> Embed {
    Embed {
        platform,
        author: None,
        handle: None,
        url: None,
        id: None,
        date: None,
        published: None,
    }
}

/// The `p` children of `element`, with their index among its child nodes.
fn paragraphs(element: ElementRef<'_>) -> Vec<(usize, ElementRef<'_>)> {
    element
        .children()
        .enumerate()
        .filter_map(|(i, c)| ElementRef::wrap(c).map(|e| (i, e)))
        .filter(|(_, e)| e.value().name() == "p")
        .collect()
}

/// The visible text of the child nodes of `element` from index `from` on, as one line.
fn text_from(element: ElementRef<'_>, from: usize) -> String {
    let mut out = String::new();
    for child in element.children().skip(from) {
        if let Some(e) = ElementRef::wrap(child) {
            // Inline elements join their neighbours; a block is a line of its own.
            let is_block = matches!(e.value().name(), "p" | "div" | "br" | "section" | "footer");
            if is_block {
                out.push(' ');
            }
            out.push_str(&visible_text(e));
            if is_block {
                out.push(' ');
            }
        } else if let Some(text) = child.value().as_text() {
            out.push_str(text);
        }
    }
    collapse(&out)
}

/// The `href`s of the `a` elements under `element` whose child index is at least `from`.
fn links_from(element: ElementRef<'_>, from: usize) -> Vec<String> {
    element
        .children()
        .skip(from)
        .filter_map(ElementRef::wrap)
        .flat_map(|c| {
            std::iter::once(c)
                .chain(c.descendants().skip(1).filter_map(ElementRef::wrap))
                .filter(|e| e.value().name() == "a")
                .filter_map(|e| e.value().attr("href"))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn starts_with_dash(text: &str) -> bool {
    text.trim_start().starts_with(['—', '–', '―', '-'])
}

/// Which `p` children are the post and where the attribution starts: a last `p` of its own
/// that starts with a dash (WordPress wraps the attribution line in one), else everything after
/// the last `p`.
fn post_and_attribution(element: ElementRef<'_>) -> (Vec<ElementRef<'_>>, usize) {
    let ps = paragraphs(element);
    match ps.as_slice() {
        [.., (_, _), (at, last)]
            if starts_with_dash(&visible_text(*last)) && text_from(element, at + 1).is_empty() =>
        {
            (
                ps.iter().filter(|(i, _)| i < at).map(|(_, p)| *p).collect(),
                *at,
            )
        }
        [.., (last, _)] => (ps.iter().map(|(_, p)| *p).collect(), last + 1),
        [] => (Vec::new(), 0),
    }
}

/// Paragraph texts joined with a blank line (the tweet's own `<br><br>` that the page turned
/// into paragraphs); empty paragraphs are dropped.
fn joined(paragraphs: &[ElementRef<'_>]) -> String {
    paragraphs
        .iter()
        .map(|p| visible_text(*p))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `— Name (@handle) Date` → (name, handle, date text); the split is at the last `(@`.
fn attribution_parts(attribution: &str) -> (Option<String>, Option<String>, Option<String>) {
    let text = attribution
        .trim_start_matches(|c: char| matches!(c, '—' | '–' | '―' | '-') || c.is_whitespace());
    let Some(at) = text.rfind("(@") else {
        return (None, None, None);
    };
    let rest = &text[at + 2..];
    let Some(close) = rest.find(')') else {
        return (None, None, None);
    };
    let before = &text[..at];
    // A dash still there means text that is not the attribution came first.
    let author = before.rsplit_once('—').map_or(before, |(_, a)| a).trim();
    (
        Some(author.to_owned()).filter(|a| !a.is_empty()),
        Some(rest[..close].trim().to_owned()).filter(|h| !h.is_empty()),
        Some(rest[close + 1..].trim().to_owned()).filter(|d| !d.is_empty()),
    )
}

/// A Twitter/X blockquote (TEXT.md §C.4).
fn tweet(element: ElementRef<'_>) -> Block {
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
fn rendered_tweet(element: ElementRef<'_>) -> Block {
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

/// "A post shared by" in the languages Instagram's embed snippet is seen in.
const INSTAGRAM_SHARED_BY: [&str; 10] = [
    "A post shared by",
    "Ein Beitrag geteilt von",
    "Une publication partagée par",
    "Una publicación compartida de",
    "Una publicación compartida por",
    "Un post condiviso da",
    "Uma publicação compartilhada por",
    "Uma publicação partilhada por",
    "Een bericht gedeeld door",
    "Ett inlägg delat av",
];

/// "View this post on Instagram" in the same languages: never the caption.
const INSTAGRAM_VIEW: [&str; 8] = [
    "View this post on Instagram",
    "Sieh dir diesen Beitrag auf Instagram an",
    "Voir cette publication sur Instagram",
    "Ver esta publicación en Instagram",
    "Visualizza questo post su Instagram",
    "Ver essa foto no Instagram",
    "Bekijk dit bericht op Instagram",
    "Visa det här inlägget på Instagram",
];

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// An Instagram blockquote: caption, "A post shared by Name (@handle)", `time@datetime`.
fn instagram(element: ElementRef<'_>) -> Block {
    let mut meta = embed(Platform::Instagram);
    let permalink = element
        .value()
        .attr("data-instgrm-permalink")
        .and_then(http_url)
        .or_else(|| {
            element
                .descendants()
                .filter_map(ElementRef::wrap)
                .filter_map(|e| e.value().attr("href"))
                .filter_map(http_url)
                .find(|u| instagram_shortcode(u).is_some())
        });
    if let Some(url) = permalink {
        meta.id = instagram_shortcode(&url);
        meta.url = Some(canonical(url));
    }
    let ps: Vec<(ElementRef<'_>, String)> = element
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "p")
        .map(|p| (p, visible_text(p)))
        .filter(|(_, t)| !t.trim().is_empty())
        .collect();
    // The attribution: the last paragraph naming an account, else one in a known language.
    let attribution = ps
        .iter()
        .rposition(|(_, t)| {
            let (_, handle, _) = attribution_parts(&collapse(t));
            handle.is_some_and(|h| is_instagram_handle(&h))
        })
        .or_else(|| {
            ps.iter().rposition(|(_, t)| {
                INSTAGRAM_SHARED_BY
                    .iter()
                    .any(|s| strip_prefix_ignore_case(t.trim(), s).is_some())
            })
        });
    if let Some(at) = attribution {
        let (p, text) = &ps[at];
        let line = collapse(text);
        let (name, handle, date_text) = attribution_parts(&line);
        meta.handle = handle.filter(|h| is_instagram_handle(h));
        let name = name.or_else(|| Some(line.clone()));
        meta.author = name.and_then(|n| {
            // Old snippets link the name alone: "A post shared by <a>Name</a> (@handle)".
            let linked = p
                .descendants()
                .filter_map(ElementRef::wrap)
                .filter(|e| e.value().name() == "a")
                .map(|a| collapse(&visible_text(a)))
                .find(|a| !a.is_empty() && !a.contains("(@") && n.ends_with(a.as_str()));
            linked.or_else(|| {
                INSTAGRAM_SHARED_BY
                    .iter()
                    .find_map(|s| strip_prefix_ignore_case(&n, s))
                    .map(|a| a.trim().trim_end_matches('.').trim().to_owned())
            })
        });
        meta.author = meta.author.take().filter(|a| !a.is_empty());
        let time = p
            .descendants()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().name() == "time");
        meta.published = time
            .and_then(|t| t.value().attr("datetime"))
            .and_then(|d| DateTime::parse_from_rfc3339(d.trim()).ok())
            .map(|d| d.with_timezone(&Utc));
        meta.date = meta.published.map(|p| p.date_naive()).or_else(|| {
            // Without `<time>`, the English line's "on Apr 27, 2020 at 9:24am PDT".
            let d = date_text?;
            let d = d.strip_prefix("on ")?;
            english_date(d.split(" at ").next().unwrap_or(d))
        });
    }
    let caption: Vec<&str> = ps
        .iter()
        .enumerate()
        .filter(|(i, (_, t))| {
            Some(*i) != attribution
                && attribution.is_none_or(|a| *i < a)
                && !INSTAGRAM_VIEW
                    .iter()
                    .any(|v| collapse(t).eq_ignore_ascii_case(v))
        })
        .map(|(_, (_, t))| t.as_str())
        .collect();
    block(caption.join("\n\n"), None, None, meta)
}

/// `B-zzzzzzzzz` of `https://www.instagram.com/p/B-zzzzzzzzz/` (also `/reel/`, `/tv/`).
fn instagram_shortcode(url: &url::Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if host != "instagram.com" && !host.ends_with(".instagram.com") && host != "instagr.am" {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let at = segments
        .iter()
        .position(|s| matches!(*s, "p" | "reel" | "tv"))?;
    let code = segments.get(at + 1)?;
    code.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        .then(|| (*code).to_owned())
}

fn is_instagram_handle(handle: &str) -> bool {
    (1..=30).contains(&handle.len())
        && handle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// A Bluesky blockquote: the Twitter shape, with domain handles and an at:// URI.
fn bluesky(element: ElementRef<'_>) -> Block {
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
fn tiktok(element: ElementRef<'_>) -> Block {
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
fn threads(element: ElementRef<'_>) -> Block {
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
fn mastodon(element: ElementRef<'_>, embed_url: Option<&str>) -> Block {
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

/// "Posted by" in the languages Facebook's fallback is seen in.
const FACEBOOK_POSTED_BY: [&str; 6] = [
    "Posted by",
    "Gepostet von",
    "Publié par",
    "Publicado por",
    "Pubblicato da",
    "Geplaatst door",
];

/// A Facebook post (`div.fb-post[data-href]` with its fallback blockquote, or the blockquote
/// alone): the post's text, "Posted by Name on Date".
fn facebook(element: ElementRef<'_>, href: Option<&str>) -> Block {
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
    let links: Vec<ElementRef<'_>> = quote
        .children()
        .skip(attribution_at)
        .filter_map(ElementRef::wrap)
        .flat_map(|c| {
            std::iter::once(c)
                .chain(c.descendants().skip(1).filter_map(ElementRef::wrap))
                .filter(|e| e.value().name() == "a")
                .collect::<Vec<_>>()
        })
        .collect();
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

fn is_facebook(url: &url::Url) -> bool {
    url.host_str().is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        h == "facebook.com" || h.ends_with(".facebook.com") || h == "fb.watch"
    })
}

/// The id of a Facebook post, video or photo URL; `None` for a page, profile or other link.
fn facebook_post_id(url: &url::Url) -> Option<String> {
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
fn facebook_canonical(mut url: url::Url) -> String {
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
fn facebook_username(url: &url::Url) -> Option<String> {
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

/// Telegram's widget: `data-telegram-post="channel/123"`; there is never text in the markup.
fn telegram(post: Option<&str>) -> Option<Block> {
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

fn first_paragraph(element: ElementRef<'_>) -> String {
    element
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "p")
        .map(visible_text)
        .find(|t| !t.is_empty())
        .unwrap_or_default()
}

/// Elements whose content a reader never sees as text.
const NOT_TEXT: [&str; 14] = [
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "button",
    "select", "textarea", "video", "audio", "title",
];

/// The text of `element` as a browser shows it: source whitespace collapses to one space,
/// `<br>` is a line break, links give their visible text, no spaces are inserted between inline
/// elements. Walked without recursion.
fn visible_text(element: ElementRef<'_>) -> String {
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0C);
    let mut out = String::new();
    let mut space = false;
    let mut hidden = 0usize;
    for edge in element.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    if hidden > 0 || NOT_TEXT.contains(&e.name()) {
                        hidden += 1;
                    } else if e.name() == "br" {
                        out.push('\n');
                        space = false;
                    }
                }
                Node::Text(text) if hidden == 0 => {
                    let mut rest: &str = text;
                    loop {
                        let gap = rest
                            .bytes()
                            .position(|b| !is_space(b))
                            .unwrap_or(rest.len());
                        space |= gap > 0;
                        rest = &rest[gap..];
                        if rest.is_empty() {
                            break;
                        }
                        let end = rest.bytes().position(is_space).unwrap_or(rest.len());
                        if space && !out.is_empty() && !out.ends_with('\n') {
                            out.push(' ');
                        }
                        space = false;
                        out.push_str(&rest[..end]);
                        rest = &rest[end..];
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if hidden > 0 && node.value().is_element() {
                    hidden -= 1;
                }
            }
        }
    }
    out.trim_matches(char::is_whitespace).to_owned()
}

/// Every run of whitespace (line breaks included) one space, none at the ends.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_twitter_handle(handle: &str) -> bool {
    (1..=15).contains(&handle.len())
        && handle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// An absolute http(s) URL (a protocol-relative `//host/…` is read as https); nothing else.
fn http_url(href: &str) -> Option<url::Url> {
    let href = href.trim();
    let url = if href.starts_with("//") {
        url::Url::parse(&format!("https:{href}")).ok()?
    } else {
        url::Url::parse(href).ok()?
    };
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()))
        .then_some(url)
}

/// A post URL in canonical form: query and fragment removed.
fn canonical(mut url: url::Url) -> String {
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// `(handle, id)` of a status link on twitter.com / x.com (`www.`, `mobile.`; `/status/` or
/// `/statuses/`); the handle is `None` for Twitter's `/i/web/status/<id>`.
fn twitter_status(href: &str) -> Option<(Option<String>, String)> {
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
fn snowflake_time(id: &str) -> Option<DateTime<Utc>> {
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

/// The time in a Bluesky record key (a TID: 13 base32-sortable characters, microseconds since
/// 1970 above 10 bits of clock id); `None` for other keys and implausible times.
fn tid_time(rkey: &str) -> Option<DateTime<Utc>> {
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

/// `November 20, 2024` (the English widget's date line), `Monday, February 7, 2022` (Facebook),
/// `Apr 27, 2020` (Instagram).
fn english_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim().trim_end_matches('.');
    ["%B %d, %Y", "%A, %B %d, %Y", "%b %d, %Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn embeds(html: &str) -> Vec<Block> {
        let doc = Html::parse_document(html);
        let found = find(doc.root_element());
        // In document order.
        let mut ordered: Vec<(usize, Block)> = doc
            .root_element()
            .descendants()
            .enumerate()
            .filter_map(|(i, n)| found.get(&n.id()).map(|b| (i, b.clone())))
            .collect();
        ordered.sort_by_key(|(i, _)| *i);
        ordered.into_iter().map(|(_, b)| b).collect()
    }

    const KAN: &str = r#"<div class="social-media-embed"><blockquote class="twitter-tweet" data-lang="en"><p lang="iw" dir="rtl">הסתיימה פגישת דרמר-הוכשטיין: הפגישה הוגדרה &quot;קונסטרוקטיבית&quot; והדיונים יימשכו מחר<a href="https://twitter.com/AmichaiStein1?ref_src=twsrc%5Etfw">@AmichaiStein1</a></p>&mdash; כאן חדשות (@kann_news) <a href="https://twitter.com/kann_news/status/1859316893373411599?ref_src=twsrc%5Etfw">November 20, 2024</a></blockquote> <script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script></div>"#;

    #[test]
    fn the_kan_tweet_vector() {
        let found = embeds(KAN);
        assert_eq!(found.len(), 1);
        let b = &found[0];
        assert_eq!(b.kind, BlockKind::Embed);
        assert_eq!(
            b.text,
            "הסתיימה פגישת דרמר-הוכשטיין: הפגישה הוגדרה \"קונסטרוקטיבית\" והדיונים יימשכו מחר@AmichaiStein1"
        );
        assert_eq!((b.lang.as_deref(), b.dir), (Some("iw"), Some(Dir::Rtl)));
        let e = b.embed.as_ref().expect("embed");
        assert_eq!(e.platform, Platform::Twitter);
        assert_eq!(e.author.as_deref(), Some("כאן חדשות"));
        assert_eq!(e.handle.as_deref(), Some("kann_news"));
        assert_eq!(
            e.url.as_deref(),
            Some("https://twitter.com/kann_news/status/1859316893373411599")
        );
        assert_eq!(e.id.as_deref(), Some("1859316893373411599"));
        assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2024-11-20"));
        assert_eq!(
            e.published.map(|p| p.to_rfc3339()).as_deref(),
            Some("2024-11-20T19:24:26+00:00")
        );
    }

    #[test]
    fn snowflakes_give_the_dates_the_widgets_show() {
        for (id, date) in [
            ("704420904437043200", "2016-02-29T21:40:05"),
            ("1196501054197649413", "2019-11-18T18:50:55"),
            ("752447667469443076", "2016-07-11T10:21:18"),
            ("1087047171306856451", "2019-01-20T18:00:16"),
        ] {
            let t = snowflake_time(id).expect("a snowflake");
            assert_eq!(t.format("%Y-%m-%dT%H:%M:%S").to_string(), date, "{id}");
        }
        assert_eq!(
            snowflake_time("20"),
            None,
            "ids before 2010 are not snowflakes"
        );
    }

    #[test]
    fn x_com_statuses_and_a_query_are_canonical() {
        let html = r#"<blockquote class="twitter-tweet tw-align-center" data-conversation="none"><p lang="en" dir="ltr">Hello <a href="https://t.co/abc">pic.twitter.com/abc</a><br><br>World</p>— Some One (@some_one) <a href="https://mobile.x.com/some_one/statuses/1196501054197649413?s=20&amp;t=x">November 18, 2019</a></blockquote>"#;
        let b = &embeds(html)[0];
        assert_eq!(b.text, "Hello pic.twitter.com/abc\n\nWorld");
        let e = b.embed.as_ref().expect("embed");
        assert_eq!(
            e.url.as_deref(),
            Some("https://twitter.com/some_one/status/1196501054197649413")
        );
        assert_eq!(e.author.as_deref(), Some("Some One"));
    }

    #[test]
    fn instagram_telegram_and_a_rendered_widget() {
        let html = r#"<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-permalink="https://www.instagram.com/p/B-zzzzzzzzz/?utm_source=ig_embed&amp;utm_campaign=loading" data-instgrm-version="12"><div><a href="https://www.instagram.com/p/B-zzzzzzzzz/">View this post on Instagram</a><p><a href="https://www.instagram.com/p/B-zzzzzzzzz/">ביקור ראשון בירושלים 🇮🇱<br>First visit to Jerusalem</a></p><p>A post shared by <a href="https://www.instagram.com/example_user/">Example User</a> (@example_user) on <time datetime="2020-04-10T18:47:00+00:00">Apr 10, 2020 at 11:47am PDT</time></p></div></blockquote>
<script async src="https://telegram.org/js/telegram-widget.js?22" data-telegram-post="kann_news/12345" data-width="100%"></script>
<div class="twitter-tweet twitter-tweet-rendered"><iframe data-tweet-id="752447667469443076" src="https://platform.twitter.com/embed/x"></iframe></div>"#;
        let found = embeds(html);
        assert_eq!(found.len(), 3);
        let ig = found[0].embed.as_ref().expect("instagram");
        assert_eq!(ig.platform, Platform::Instagram);
        assert_eq!(
            ig.url.as_deref(),
            Some("https://www.instagram.com/p/B-zzzzzzzzz/")
        );
        assert_eq!(
            (ig.author.as_deref(), ig.handle.as_deref()),
            (Some("Example User"), Some("example_user"))
        );
        assert_eq!(
            ig.date.map(|d| d.to_string()).as_deref(),
            Some("2020-04-10")
        );
        assert_eq!(
            found[0].text,
            "ביקור ראשון בירושלים 🇮🇱\nFirst visit to Jerusalem"
        );
        let tg = found[1].embed.as_ref().expect("telegram");
        assert_eq!(tg.url.as_deref(), Some("https://t.me/kann_news/12345"));
        assert_eq!(
            (tg.handle.as_deref(), tg.id.as_deref()),
            (Some("kann_news"), Some("12345"))
        );
        assert_eq!(found[1].text, "");
        let rendered = found[2].embed.as_ref().expect("rendered");
        assert_eq!(rendered.id.as_deref(), Some("752447667469443076"));
        assert_eq!(
            rendered.date.map(|d| d.to_string()).as_deref(),
            Some("2016-07-11")
        );
    }

    #[test]
    fn only_http_links_and_outermost_roots() {
        let html = r#"<blockquote class="twitter-tweet"><p>x</p>— A (@a) <a href="javascript:alert(1)">link</a><blockquote class="twitter-tweet"><p>inner</p></blockquote></blockquote><div class="fb-post" data-href="javascript:alert(1)"></div>"#;
        let found = embeds(html);
        assert_eq!(found.len(), 2, "the inner tweet is part of the outer one");
        assert!(
            found
                .iter()
                .all(|b| b.embed.as_ref().is_some_and(|e| e.url.is_none()))
        );
    }

    #[test]
    fn feed_content_embeds_come_out_in_order() {
        let blocks = crate::extract::html::blocks(&format!("<p>Before.</p>{KAN}<p>After.</p>"));
        let kinds: Vec<BlockKind> = blocks.iter().map(|b| b.kind).collect();
        assert_eq!(
            kinds,
            [BlockKind::Paragraph, BlockKind::Embed, BlockKind::Paragraph]
        );
        assert!(!blocks.iter().any(|b| b.text.contains("kann_news")));
        assert_eq!(
            blocks[1].embed.as_ref().and_then(|e| e.handle.as_deref()),
            Some("kann_news")
        );
    }

    #[test]
    fn the_attribution_is_never_text() {
        let b = &embeds(KAN)[0];
        assert!(!b.text.contains("כאן חדשות"));
        assert!(!b.text.contains("November"));
        assert!(!b.text.contains('—'));
    }

    #[test]
    fn a_tweet_split_into_paragraphs_by_the_page_keeps_them_all() {
        // WordPress turns the tweet's `<br><br>` into paragraphs and wraps the attribution too.
        let html = r#"<blockquote class="twitter-tweet"> <p lang="en" dir="ltr">Provided our vehicle
            AI computer is able to run the model.</p><p>Even in a robotaxi future.</p>
            <p>&mdash; Elon Musk (@elonmusk) <a href="https://twitter.com/elonmusk/status/1720918522082078752?ref_src=twsrc%5Etfw">November 4, 2023</a></p></blockquote>"#;
        let b = &embeds(html)[0];
        assert_eq!(
            b.text,
            "Provided our vehicle AI computer is able to run the model.\n\nEven in a robotaxi future."
        );
        let e = b.embed.as_ref().expect("embed");
        assert_eq!(e.author.as_deref(), Some("Elon Musk"));
        assert_eq!(e.handle.as_deref(), Some("elonmusk"));
        assert_eq!(b.lang.as_deref(), Some("en"));
    }

    #[test]
    fn source_line_breaks_are_spaces_and_br_is_a_line_break() {
        let html = "<blockquote class=\"twitter-tweet tw-align-center\"> <p>Drinking game: <br />\n(1) Think of a noun <br />\n(2) drink</p>— Shay Friedman (@ironshay) <a href=\"https://twitter.com/ironshay/statuses/370525864523743232\">August 22, 2013</a></blockquote>";
        let b = &embeds(html)[0];
        assert_eq!(b.text, "Drinking game:\n(1) Think of a noun\n(2) drink");
        assert_eq!(b.lang, None);
        let e = b.embed.as_ref().expect("embed");
        assert_eq!(
            e.url.as_deref(),
            Some("https://twitter.com/ironshay/status/370525864523743232")
        );
        assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2013-08-22"));
    }

    #[test]
    fn the_date_line_is_read_only_in_english_and_only_without_a_snowflake() {
        // Ids before 2010-11-04 carry no time: the date comes from the English date line.
        let tweet = |lang: &str, date: &str| {
            format!(
                r#"<blockquote class="twitter-tweet"{lang}><p lang="iw" dir="rtl">שלום</p>&mdash; א (@a_b) <a href="https://twitter.com/a_b/status/20">{date}</a></blockquote>"#
            )
        };
        let date = |html: &str| {
            embeds(html)[0]
                .embed
                .as_ref()
                .and_then(|e| e.date)
                .map(|d| d.to_string())
        };
        assert_eq!(
            date(&tweet("", "March 21, 2006")).as_deref(),
            Some("2006-03-21")
        );
        assert_eq!(
            date(&tweet(r#" data-lang="en""#, "March 21, 2006")).as_deref(),
            Some("2006-03-21")
        );
        assert_eq!(date(&tweet(r#" data-lang="he""#, "21 במרץ 2006")), None);
        let b = &embeds(&tweet(r#" data-lang="he""#, "21 במרץ 2006"))[0];
        assert_eq!(b.lang.as_deref(), Some("iw"), "p@lang, never data-lang");
        assert_eq!(b.dir, Some(Dir::Rtl));
    }

    #[test]
    fn bare_tweet_blockquotes_take_the_handle_from_the_link() {
        let html = r#"<blockquote class="twitter-tweet" lang="de"><a href="https://twitter.com/DOSB/status/1489540934710743047">&nbsp;</a></blockquote>"#;
        let b = &embeds(html)[0];
        assert_eq!(b.text, "");
        let e = b.embed.as_ref().expect("embed");
        assert_eq!(
            (e.author.as_deref(), e.handle.as_deref()),
            (None, Some("DOSB"))
        );
        assert_eq!(
            e.url.as_deref(),
            Some("https://twitter.com/DOSB/status/1489540934710743047")
        );
        assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2022-02-04"));
    }

    #[test]
    fn rendered_iframes_give_the_id() {
        let html = r#"<iframe id="twitter-widget-0" class="twitter-tweet twitter-tweet-rendered" data-tweet-id="800384752746254337" title="Twitter Tweet"></iframe>
<iframe src="https://platform.twitter.com/embed/Tweet.html?dnt=false&amp;id=1196501054197649413&amp;lang=en"></iframe>"#;
        let found = embeds(html);
        assert_eq!(found.len(), 2);
        let ids: Vec<Option<&str>> = found
            .iter()
            .map(|b| b.embed.as_ref().and_then(|e| e.id.as_deref()))
            .collect();
        assert_eq!(
            ids,
            [Some("800384752746254337"), Some("1196501054197649413")]
        );
        let e = found[0].embed.as_ref().expect("embed");
        assert_eq!(
            e.url.as_deref(),
            Some("https://twitter.com/i/web/status/800384752746254337")
        );
        assert_eq!(found[0].text, "");
    }

    #[test]
    fn instagram_attribution_in_german_is_not_the_caption() {
        let html = r#"<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/CFpGqZwl9j5/?utm_source=ig_embed&amp;utm_campaign=loading" data-instgrm-version="14"><div> <p>&nbsp;</p><a href="https://www.instagram.com/p/CFpGqZwl9j5/"><div>Sieh dir diesen Beitrag auf Instagram an</div></a><p><a href="https://www.instagram.com/p/CFpGqZwl9j5/?utm_source=ig_embed">Ein Beitrag geteilt von Eleonora Aricó (@eleonoraarico)</a></p></div></blockquote>"#;
        let b = &embeds(html)[0];
        assert_eq!(b.text, "");
        let e = b.embed.as_ref().expect("embed");
        assert_eq!(e.author.as_deref(), Some("Eleonora Aricó"));
        assert_eq!(e.handle.as_deref(), Some("eleonoraarico"));
        assert_eq!(
            e.url.as_deref(),
            Some("https://www.instagram.com/p/CFpGqZwl9j5/")
        );
        // The old snippet: no permalink attribute, the caption links the post.
        let html = r#"<blockquote class="instagram-media" data-instgrm-captioned data-instgrm-version="7"><div><p><a href="https://www.instagram.com/p/BalQ2SWFty8/">What working at SKEP feels like</a></p> <p>Ein Beitrag geteilt von SKEP (@skep.association) am <time datetime="2017-10-23T07:31:37+00:00">23. Okt 2017</time></p></div></blockquote>"#;
        let b = &embeds(html)[0];
        assert_eq!(b.text, "What working at SKEP feels like");
        let e = b.embed.as_ref().expect("embed");
        assert_eq!(
            (e.author.as_deref(), e.handle.as_deref(), e.id.as_deref()),
            (Some("SKEP"), Some("skep.association"), Some("BalQ2SWFty8"))
        );
        assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2017-10-23"));
    }

    #[test]
    fn facebook_posts_but_not_page_boxes() {
        let html = r#"<div class="fb-page" data-href="https://www.facebook.com/NationBarbados/"><blockquote cite="https://www.facebook.com/NationBarbados/" class="fb-xfbml-parse-ignore"><a href="https://www.facebook.com/NationBarbados/">The Nation Barbados</a></blockquote></div>
<blockquote cite="https://www.facebook.com/somepage/" class="fb-xfbml-parse-ignore"><a href="https://www.facebook.com/somepage/">Some page</a></blockquote>
<div class="fb-post" data-href="https://www.facebook.com/Sozialdemokratie/posts/928812574504508/?ref=embed" data-width="600"><blockquote cite="https://graph.facebook.com/Sozialdemokratie/videos/928812574504508/"><p>In Zeiten explodierender Kosten&#8230;</p><p>Posted by <a href="https://www.facebook.com/Sozialdemokratie">SPÖ</a> on&nbsp;<a href="https://graph.facebook.com/Sozialdemokratie/videos/928812574504508/">Monday, February 7, 2022</a></p></blockquote></div>
<blockquote class="fb-xfbml-parse-ignore" cite="https://www.facebook.com/permalink.php?story_fbid=123456&amp;id=789&amp;ref=x"><p>Text</p>Posted by <a href="https://www.facebook.com/profile.php?id=789">Someone</a> on <a href="https://www.facebook.com/permalink.php?story_fbid=123456&amp;id=789">June 1, 2020</a></blockquote>"#;
        let found = embeds(html);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].text, "In Zeiten explodierender Kosten…");
        let e = found[0].embed.as_ref().expect("embed");
        assert_eq!(e.platform, Platform::Facebook);
        assert_eq!(
            (e.author.as_deref(), e.handle.as_deref(), e.id.as_deref()),
            (
                Some("SPÖ"),
                Some("Sozialdemokratie"),
                Some("928812574504508")
            )
        );
        assert_eq!(
            e.url.as_deref(),
            Some("https://www.facebook.com/Sozialdemokratie/posts/928812574504508/")
        );
        assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2022-02-07"));
        assert_eq!(found[1].text, "Text");
        let e = found[1].embed.as_ref().expect("embed");
        assert_eq!(
            e.url.as_deref(),
            Some("https://www.facebook.com/permalink.php?story_fbid=123456&id=789")
        );
        assert_eq!(
            (e.author.as_deref(), e.handle.as_deref(), e.id.as_deref()),
            (Some("Someone"), None, Some("123456"))
        );
        assert_eq!(e.date.map(|d| d.to_string()).as_deref(), Some("2020-06-01"));
    }

    #[test]
    fn bluesky_tiktok_threads_and_mastodon() {
        let html = r#"<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:z72i7hdynmk6r22z27h6tvur/app.bsky.feed.post/3l6oveex3ii2l" data-bluesky-cid="bafy"><p lang="">Hello from Bluesky<br><br><a href="https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l?ref_src=embed">[image or embed]</a></p>&mdash; Bluesky (<a href="https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur?ref_src=embed">@bsky.app</a>) <a href="https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l?ref_src=embed">October 15, 2024 at 3:46 PM</a></blockquote>
<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@scout2015/video/6718335390845095173?lang=en" data-video-id="6718335390845095173"><section><a title="@scout2015" href="https://www.tiktok.com/@scout2015?refer=embed">@scout2015</a><p>Scramble up ur name <a href="https://www.tiktok.com/tag/foryoupage?refer=embed">#foryoupage</a></p><a href="https://www.tiktok.com/music/x">♬ original sound</a></section></blockquote>
<blockquote class="text-post-media" data-text-post-permalink="https://www.threads.net/@zuck/post/CuP48CiS5sx?xmt=1" data-text-post-version="0"><a href="https://www.threads.net/@zuck/post/CuP48CiS5sx"><div>View on Threads</div></a></blockquote>
<blockquote class="mastodon-embed" data-embed-url="https://mastodon.social/@Gargron/113386488431125917/embed"><a href="https://mastodon.social/@Gargron/113386488431125917"><div>Post by @Gargron@mastodon.social</div><div>View on Mastodon</div></a></blockquote>"#;
        let found = embeds(html);
        assert_eq!(found.len(), 4, "{found:#?}");
        let [bsky, tiktok, threads, mastodon] = [0, 1, 2, 3].map(|i| {
            (
                found[i].text.as_str(),
                found[i].embed.clone().expect("embed"),
            )
        });
        assert_eq!(bsky.0, "Hello from Bluesky");
        assert_eq!(found[0].lang, None);
        assert_eq!(
            (
                bsky.1.platform,
                bsky.1.author.as_deref(),
                bsky.1.handle.as_deref()
            ),
            (Platform::Bluesky, Some("Bluesky"), Some("bsky.app"))
        );
        assert_eq!(
            bsky.1.url.as_deref(),
            Some("https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/post/3l6oveex3ii2l")
        );
        assert_eq!(bsky.1.id.as_deref(), Some("3l6oveex3ii2l"));
        assert_eq!(
            bsky.1.date.map(|d| d.to_string()).as_deref(),
            Some("2024-10-15")
        );
        assert_eq!(tiktok.0, "Scramble up ur name #foryoupage");
        assert_eq!(
            (tiktok.1.handle.as_deref(), tiktok.1.id.as_deref()),
            (Some("scout2015"), Some("6718335390845095173"))
        );
        assert_eq!(
            tiktok.1.url.as_deref(),
            Some("https://www.tiktok.com/@scout2015/video/6718335390845095173")
        );
        assert_eq!(threads.0, "");
        assert_eq!(
            (
                threads.1.platform,
                threads.1.handle.as_deref(),
                threads.1.id.as_deref()
            ),
            (Platform::Threads, Some("zuck"), Some("CuP48CiS5sx"))
        );
        assert_eq!(
            threads.1.url.as_deref(),
            Some("https://www.threads.net/@zuck/post/CuP48CiS5sx")
        );
        assert_eq!(mastodon.0, "");
        assert_eq!(
            (mastodon.1.handle.as_deref(), mastodon.1.id.as_deref()),
            (Some("Gargron@mastodon.social"), Some("113386488431125917"))
        );
        assert_eq!(
            mastodon.1.url.as_deref(),
            Some("https://mastodon.social/@Gargron/113386488431125917")
        );
    }

    #[test]
    fn no_url_but_http_and_no_trouble_with_hostile_markup() {
        let html = r#"<blockquote class="instagram-media" data-instgrm-permalink="javascript:alert(1)"><p>A post shared by X (@x)</p></blockquote>
<blockquote class="tiktok-embed" cite="data:text/html,hi"></blockquote>
<blockquote class="bluesky-embed" data-bluesky-uri="at://did:x/app.bsky.feed.post/zz"><p>x</p>&mdash; (@) <a href="javascript:1">d</a></blockquote>
<script data-telegram-post="../../etc/passwd"></script><script data-telegram-post="chan/12x"></script>
<div class="fb-post" data-href="data:,x"></div><blockquote class="twitter-tweet"><p>(@</p>(@ ) (@(@x</blockquote>
<blockquote class="mastodon-embed" data-embed-url="javascript:alert(1)"></blockquote>"#;
        for b in embeds(html) {
            let e = b.embed.expect("embed");
            assert!(
                e.url.as_deref().is_none_or(|u| u.starts_with("https://")),
                "{e:?}"
            );
        }
        // Deep nesting: found without recursion.
        // About the deepest nesting `markup::cost::parse_cost` lets through to the parser.
        let depth = 5_000;
        let deep = format!("{}{KAN}{}", "<div>".repeat(depth), "</div>".repeat(depth));
        let doc = Html::parse_document(&deep);
        assert_eq!(find(doc.root_element()).len(), 1);
        let nested = format!(
            "{}<p>x</p>{}",
            r#"<blockquote class="twitter-tweet"><p>t</p>"#.repeat(depth),
            "</blockquote>".repeat(depth)
        );
        let doc = Html::parse_document(&nested);
        assert_eq!(find(doc.root_element()).len(), 1);
    }
}
