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

/// Every embedded post under `root`, outermost roots only, keyed by the root node.
pub fn find(root: ElementRef<'_>) -> HashMap<NodeId, Block> {
    let mut found = HashMap::new();
    // Document order with an explicit stack (no recursion: nesting depth is the page's choice);
    // an embed's subtree is not searched again, so only outermost roots are kept.
    let mut stack: Vec<ElementRef<'_>> = vec![root];
    while let Some(element) = stack.pop() {
        if let Some(block) = post(element) {
            found.insert(element.id(), block);
            continue;
        }
        let children: Vec<ElementRef<'_>> =
            element.children().filter_map(ElementRef::wrap).collect();
        stack.extend(children.into_iter().rev());
    }
    found
}

/// The post `element` is the root of, if it is one.
fn post(element: ElementRef<'_>) -> Option<Block> {
    let e = element.value();
    let name = e.name();
    let has_class = |c: &str| e.classes().any(|k| k.eq_ignore_ascii_case(c));
    match name {
        "blockquote" if has_class("twitter-tweet") || has_class("twitter-video") => {
            Some(tweet(element))
        }
        "blockquote" if has_class("instagram-media") => Some(instagram(element)),
        "blockquote" if has_class("bluesky-embed") => Some(bluesky(element)),
        "blockquote" if has_class("tiktok-embed") => {
            Some(simple(element, Platform::Tiktok, e.attr("cite")))
        }
        "blockquote" if has_class("text-post-media") => Some(simple(
            element,
            Platform::Threads,
            e.attr("data-text-post-permalink"),
        )),
        "blockquote" if has_class("mastodon-embed") => Some(simple(
            element,
            Platform::Mastodon,
            e.attr("data-embed-url").or_else(|| first_link(element)),
        )),
        "div" if has_class("fb-post") || has_class("fb-video") => {
            Some(simple(element, Platform::Facebook, e.attr("data-href")))
        }
        "blockquote" if has_class("fb-xfbml-parse-ignore") => {
            Some(simple(element, Platform::Facebook, e.attr("cite")))
        }
        "div" if has_class("twitter-tweet-rendered") => {
            let id = element
                .descendants()
                .filter_map(ElementRef::wrap)
                .find_map(|d| d.value().attr("data-tweet-id"))
                .map(str::to_owned);
            Some(rendered_tweet(id))
        }
        "iframe" if e.attr("data-tweet-id").is_some() => {
            Some(rendered_tweet(e.attr("data-tweet-id").map(str::to_owned)))
        }
        "iframe" if has_class("mastodon-embed") => Some(empty(Platform::Mastodon, e.attr("src"))),
        _ if e.attr("data-telegram-post").is_some() => telegram(e.attr("data-telegram-post")),
        _ => None,
    }
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

/// A Twitter/X oEmbed blockquote (TEXT.md §C.4).
fn tweet(element: ElementRef<'_>) -> Block {
    let mut meta = embed(Platform::Twitter);
    let paragraph = element
        .children()
        .filter_map(ElementRef::wrap)
        .find(|c| c.value().name() == "p");
    let text = paragraph.map(visible_text).unwrap_or_default();
    // The attribution: the blockquote's text after the paragraph, "— Name (@handle) Date".
    let attribution = collapse(
        &element
            .children()
            .filter(|c| paragraph.is_none_or(|p| c.id() != p.id()))
            .map(|c| match ElementRef::wrap(c) {
                Some(e) => e.text().collect::<String>(),
                None => c
                    .value()
                    .as_text()
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            })
            .collect::<String>(),
    );
    let attribution = attribution.trim_start_matches(['—', '–', '-', ' ', '\u{a0}']);
    let mut date_text = None;
    if let Some(at) = attribution.rfind("(@") {
        let author = attribution[..at].trim();
        if !author.is_empty() {
            meta.author = Some(author.to_owned());
        }
        let rest = &attribution[at + 2..];
        if let Some(close) = rest.find(')') {
            let handle = &rest[..close];
            if is_twitter_handle(handle) {
                meta.handle = Some(handle.to_owned());
            }
            date_text = Some(rest[close + 1..].trim().to_owned());
        }
    } else if !attribution.is_empty() {
        meta.author = Some(attribution.to_owned());
    }
    let status = links(element).find_map(|href| twitter_status(&href));
    if let Some((handle, id)) = status {
        if meta.handle.is_none() {
            meta.handle = Some(handle.clone());
        }
        let handle = meta.handle.clone().unwrap_or(handle);
        meta.url = Some(format!("https://twitter.com/{handle}/status/{id}"));
        if let Some(published) = snowflake_time(&id) {
            meta.published = Some(published);
            meta.date = Some(published.date_naive());
        }
        meta.id = Some(id);
    }
    if meta.date.is_none() {
        let ui_lang = element.value().attr("data-lang").unwrap_or("en");
        if ui_lang.to_ascii_lowercase().starts_with("en") {
            meta.date = date_text.as_deref().and_then(english_date);
        }
    }
    let (lang, dir) = paragraph.map_or((None, None), |p| {
        (p.value().attr("lang"), p.value().attr("dir"))
    });
    block(text, lang, dir, meta)
}

fn rendered_tweet(id: Option<String>) -> Block {
    let mut meta = embed(Platform::Twitter);
    if let Some(id) = id.filter(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit())) {
        // Without the handle, the id alone makes a working status URL.
        meta.url = Some(format!("https://twitter.com/i/status/{id}"));
        if let Some(published) = snowflake_time(&id) {
            meta.published = Some(published);
            meta.date = Some(published.date_naive());
        }
        meta.id = Some(id);
    }
    block(String::new(), None, None, meta)
}

/// An Instagram blockquote: caption, "A post shared by Name (@handle)", `time@datetime`.
fn instagram(element: ElementRef<'_>) -> Block {
    let mut meta = embed(Platform::Instagram);
    meta.url = element
        .value()
        .attr("data-instgrm-permalink")
        .and_then(canonical_post_url);
    if let Some(url) = &meta.url {
        meta.id = url
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .map(str::to_owned);
    }
    let mut caption = String::new();
    for p in element
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "p")
    {
        let text = collapse(&p.text().collect::<String>());
        if let Some(at) = text.find("A post shared by") {
            let shared = &text[at + "A post shared by".len()..];
            if let Some(open) = shared.rfind("(@") {
                meta.author = Some(shared[..open].trim().to_owned()).filter(|a| !a.is_empty());
                let rest = &shared[open + 2..];
                meta.handle = rest.find(')').map(|c| rest[..c].to_owned());
            } else {
                meta.author = Some(shared.trim().trim_end_matches(['.', ' ']).to_owned())
                    .filter(|a| !a.is_empty());
            }
            if let Some(time) = p
                .descendants()
                .filter_map(ElementRef::wrap)
                .find(|e| e.value().name() == "time")
            {
                meta.published = time
                    .value()
                    .attr("datetime")
                    .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                    .map(|d| d.with_timezone(&Utc));
                meta.date = meta.published.map(|p| p.date_naive());
            }
        } else if !text.eq_ignore_ascii_case("View this post on Instagram") && caption.is_empty() {
            caption = visible_text(p);
        }
    }
    block(caption, None, None, meta)
}

/// A Bluesky blockquote: the Twitter shape, with domain handles and an at:// URI.
fn bluesky(element: ElementRef<'_>) -> Block {
    let mut meta = embed(Platform::Bluesky);
    let paragraph = element
        .children()
        .filter_map(ElementRef::wrap)
        .find(|c| c.value().name() == "p");
    let text = paragraph.map(visible_text).unwrap_or_default();
    let attribution = collapse(
        &element
            .children()
            .filter(|c| paragraph.is_none_or(|p| c.id() != p.id()))
            .map(|c| match ElementRef::wrap(c) {
                Some(e) => e.text().collect::<String>(),
                None => c
                    .value()
                    .as_text()
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            })
            .collect::<String>(),
    );
    let attribution = attribution.trim_start_matches(['—', '–', '-', ' ']);
    if let Some(at) = attribution.rfind("(@") {
        meta.author = Some(attribution[..at].trim().to_owned()).filter(|a| !a.is_empty());
        let rest = &attribution[at + 2..];
        meta.handle = rest.find(')').map(|c| rest[..c].to_owned());
    }
    meta.id = element
        .value()
        .attr("data-bluesky-uri")
        .and_then(|uri| uri.rsplit('/').next())
        .filter(|rkey| !rkey.is_empty())
        .map(str::to_owned);
    meta.url = links(element)
        .filter_map(|href| canonical_post_url(&href))
        .find(|u| u.starts_with("https://bsky.app/profile/") && u.contains("/post/"));
    let (lang, dir) = paragraph.map_or((None, None), |p| {
        (p.value().attr("lang"), p.value().attr("dir"))
    });
    block(text, lang, dir, meta)
}

/// Telegram's widget: `data-telegram-post="channel/123"`; there is never text in the markup.
fn telegram(post: Option<&str>) -> Option<Block> {
    let (channel, id) = post?.trim().trim_matches('/').split_once('/')?;
    let valid =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid(channel) || !id.bytes().all(|b| b.is_ascii_digit()) || id.is_empty() {
        return None;
    }
    let mut meta = embed(Platform::Telegram);
    meta.url = Some(format!("https://t.me/{channel}/{id}"));
    meta.handle = Some(channel.to_owned());
    meta.id = Some(id.to_owned());
    Some(block(String::new(), None, None, meta))
}

/// Platforms whose markup gives a URL and perhaps some text, nothing more reliable.
fn simple(element: ElementRef<'_>, platform: Platform, url: Option<&str>) -> Block {
    let mut meta = embed(platform);
    meta.url = url.and_then(canonical_post_url);
    let text = element
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "p")
        .map(visible_text)
        .unwrap_or_default();
    block(text, None, None, meta)
}

fn empty(platform: Platform, url: Option<&str>) -> Block {
    let mut meta = embed(platform);
    meta.url = url.and_then(canonical_post_url);
    block(String::new(), None, None, meta)
}

fn first_link(element: ElementRef<'_>) -> Option<&str> {
    element
        .descendants()
        .filter_map(ElementRef::wrap)
        .find_map(|e| e.value().attr("href"))
}

/// Every `href` under `element`, in order.
fn links<'a>(element: ElementRef<'a>) -> impl Iterator<Item = String> + 'a {
    element
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter_map(|e| e.value().attr("href").map(str::to_owned))
}

/// The text of an embed's paragraph as a reader sees it: `<br>` is a line break, links give
/// their visible text, no spaces are inserted between inline elements.
fn visible_text(paragraph: ElementRef<'_>) -> String {
    let mut out = String::new();
    for node in paragraph.descendants() {
        if let Some(text) = node.value().as_text() {
            out.push_str(text);
        } else if let Some(e) = node.value().as_element()
            && e.name() == "br"
        {
            out.push('\n');
        }
    }
    out.lines()
        .map(collapse)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_twitter_handle(handle: &str) -> bool {
    (1..=15).contains(&handle.len())
        && handle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `(handle, id)` of a status link on twitter.com / x.com (any subdomain, `/status/` or
/// `/statuses/`).
fn twitter_status(href: &str) -> Option<(String, String)> {
    let url = url::Url::parse(href.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host
        .strip_prefix("www.")
        .or_else(|| host.strip_prefix("mobile."))
        .unwrap_or(&host);
    if host != "twitter.com" && host != "x.com" {
        return None;
    }
    let mut parts = url.path_segments()?;
    let handle = parts.next()?;
    let kind = parts.next()?;
    let id = parts.next()?;
    (matches!(kind, "status" | "statuses")
        && is_twitter_handle(handle)
        && !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit()))
    .then(|| (handle.to_owned(), id.to_owned()))
}

/// A post URL in canonical form (query and fragment removed); only http(s).
fn canonical_post_url(href: &str) -> Option<String> {
    let mut url = url::Url::parse(href.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
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

/// `November 20, 2024` (the English widget's date line).
fn english_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%B %d, %Y").ok()
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
    }
}
