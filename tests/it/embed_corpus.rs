//! Embedded social posts in the public corpus (TEXT.md §C), with pinned floors.
//!
//! Pages: trafilatura's evaluation set (`tests/eval`, `tests/cache`) and Mozilla Readability's
//! test pages, gzipped. The tweets are counted twice without the embed finder: a plain scan of
//! the source for `<blockquote …twitter-tweet…>` tags, and the parsed page's `blockquote`
//! elements whose class names a tweet (markup inside a script or comment is text, not a post).
//! Against those, how many `embed::find` keeps, and how many with author, handle and URL; the
//! other platforms are counted as found. Every embed found must hold only http(s) URLs and no
//! attribution in its text.
//!
//! `cargo test --test it embed_corpus -- --nocapture` prints the figures;
//! `NAHAR_EMBED_DUMP=1` also prints every embed found.

use std::collections::BTreeMap;

use nahar::extract::embed::{self, Platform};
use nahar::extract::{Block, PageRules, page};

/// Tweet blockquotes in the parsed pages, all of which `find` must keep. (The sources hold 56
/// such tags: 2 sit in a hidden `<textarea>` of a consent placeholder, 2 in JSON inside
/// scripts; neither is a post on the page.)
const TWEET_BLOCKQUOTES_FLOOR: usize = 52;
/// Tweets (blockquotes) kept with author, handle and URL; the 4 others are bare
/// `<blockquote class="twitter-tweet"><a href=…/status/…></a>` embeds that name no author (they
/// still get handle, URL, id and date from the link).
const TWEETS_COMPLETE_FLOOR: usize = 48;
/// Tweets with a handle, a canonical URL and a date (every blockquote).
const TWEETS_WITH_URL_FLOOR: usize = 52;
/// Rendered widgets (`div.twitter-tweet-rendered`, `iframe[data-tweet-id]`) kept with their id.
const RENDERED_TWEETS_FLOOR: usize = 5;
/// Instagram blockquotes (all of which must be found), and those kept with a permalink and a
/// handle (the one other is an empty snippet with only the permalink).
const INSTAGRAM_FLOOR: usize = 26;
const INSTAGRAM_COMPLETE_FLOOR: usize = 25;
/// Facebook posts (`div.fb-post`, all found); the 44 page boxes (`div.fb-page` and its
/// fallback blockquote) are not posts and must not be found.
const FACEBOOK_FLOOR: usize = 3;
/// Tweets (blockquotes and rendered widgets) that survive main-content extraction; the others
/// sit in a sidebar or a teaser list that is not the article.
const TWEETS_THROUGH_EXTRACTION_FLOOR: usize = 53;

/// Every page of both sets, by logical name (the pages are stored gzipped).
fn pages() -> Vec<String> {
    let mut pages: Vec<String> = Vec::new();
    for dir in [
        "trafilatura-eval/tests/eval",
        "trafilatura-eval/tests/cache",
    ] {
        pages.extend(crate::corpus::files(dir));
    }
    for case in crate::corpus::folders("readability-test-pages/test/test-pages") {
        pages.push(format!("{case}/source.html"));
    }
    pages.sort();
    assert_eq!(
        pages.len(),
        1033 + 130,
        "trafilatura-eval and Readability pages"
    );
    pages
}

/// `<blockquote …>` start tags in the source whose text names `twitter-tweet`: a plain scan.
fn scanned_tweets(html: &str) -> usize {
    let lower = html.to_ascii_lowercase();
    let mut count = 0;
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("<blockquote") {
        rest = &rest[at + "<blockquote".len()..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        if tag.contains("twitter-tweet") {
            count += 1;
        }
    }
    count
}

fn has_class(element: scraper::ElementRef<'_>, token: &str) -> bool {
    element
        .value()
        .attr("class")
        .is_some_and(|c| c.to_ascii_lowercase().contains(token))
}

/// The embeds found, in document order, with their root's id.
fn found_in_order(doc: &scraper::Html) -> Vec<(ego_tree::NodeId, Block)> {
    let mut found = embed::find(doc.root_element());
    doc.root_element()
        .descendants()
        .filter_map(|n| found.remove(&n.id()).map(|b| (n.id(), b)))
        .collect()
}

fn platform_name(p: Platform) -> &'static str {
    match p {
        Platform::Twitter => "twitter",
        Platform::Instagram => "instagram",
        Platform::Telegram => "telegram",
        Platform::Bluesky => "bluesky",
        Platform::Facebook => "facebook",
        Platform::Tiktok => "tiktok",
        Platform::Threads => "threads",
        Platform::Mastodon => "mastodon",
    }
}

#[derive(Debug, Default)]
struct Tally {
    scanned: usize,
    blockquotes: usize,
    blockquotes_found: usize,
    complete: usize,
    with_url: usize,
    rendered: usize,
    rendered_found: usize,
    instagram_present: usize,
    instagram: usize,
    facebook_present: usize,
    instagram_complete: usize,
    through_extract: usize,
    platforms: BTreeMap<&'static str, usize>,
}

#[test]
fn embedded_posts_in_the_corpus_are_found_with_their_metadata() {
    let dump = std::env::var_os("NAHAR_EMBED_DUMP").is_some();
    let mut t = Tally::default();
    let mut problems: Vec<String> = Vec::new();
    for path in &pages() {
        let html = crate::corpus::html_page(path);
        let name = path.clone();
        let scanned = scanned_tweets(&html);
        t.scanned += scanned;
        let doc = scraper::Html::parse_document(&html);
        let elements: Vec<scraper::ElementRef<'_>> = doc
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
            .collect();
        let blockquotes: Vec<_> = elements
            .iter()
            .filter(|e| e.value().name() == "blockquote" && has_class(**e, "twitter-tweet"))
            .collect();
        t.blockquotes += blockquotes.len();
        if blockquotes.len() != scanned {
            eprintln!(
                "{name}: {scanned} tweet blockquote tags in the source, {} in the parsed page",
                blockquotes.len()
            );
        }
        // Rendered widgets: the outermost `div.twitter-tweet-rendered` or
        // `iframe[data-tweet-id]` (the div holds the iframe).
        let rendered = elements
            .iter()
            .filter(|e| {
                let v = e.value();
                (v.name() == "div" && has_class(**e, "twitter-tweet-rendered"))
                    || (v.name() == "iframe"
                        && v.attr("data-tweet-id").is_some()
                        && !e
                            .ancestors()
                            .filter_map(scraper::ElementRef::wrap)
                            .any(|a| {
                                a.value().name() == "div" && has_class(a, "twitter-tweet-rendered")
                            }))
            })
            .count();
        t.rendered += rendered;
        t.instagram_present += elements
            .iter()
            .filter(|e| e.value().name() == "blockquote" && has_class(**e, "instagram-media"))
            .count();
        t.facebook_present += elements
            .iter()
            .filter(|e| {
                e.value().name() == "div"
                    && (has_class(**e, "fb-post") || has_class(**e, "fb-video"))
            })
            .count();

        let found = found_in_order(&doc);
        let blockquote_ids: std::collections::HashSet<_> =
            blockquotes.iter().map(|b| b.id()).collect();
        let in_blockquotes: Vec<&Block> = found
            .iter()
            .filter(|(id, _)| blockquote_ids.contains(id))
            .map(|(_, b)| b)
            .collect();
        t.blockquotes_found += in_blockquotes.iter().filter(|b| is_tweet(b)).count();
        if in_blockquotes.len() != blockquotes.len() {
            problems.push(format!(
                "{name}: {} of {} tweet blockquotes found",
                in_blockquotes.len(),
                blockquotes.len()
            ));
        }
        for b in &in_blockquotes {
            let Some(e) = b.embed.as_ref() else { continue };
            if e.url.is_some() && e.handle.is_some() && e.date.is_some() {
                t.with_url += 1;
            }
            if e.author.is_some() && e.handle.is_some() && e.url.is_some() {
                t.complete += 1;
            } else {
                eprintln!("{name}: tweet without author, handle or url: {e:?}");
            }
        }
        for (id, b) in &found {
            let Some(e) = b.embed.as_ref() else {
                problems.push(format!("{name}: an embed block without embed: {b:?}"));
                continue;
            };
            *t.platforms.entry(platform_name(e.platform)).or_default() += 1;
            if dump {
                eprintln!("{name}: {:?} {:?}\n    {e:?}", b.text, b.lang);
            }
            if let Some(url) = &e.url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                problems.push(format!("{name}: not an http(s) url: {url}"));
            }
            if let Some(handle) = &e.handle
                && b.text.contains(&format!("(@{handle})"))
            {
                problems.push(format!("{name}: attribution in the text: {:?}", b.text));
            }
            if e.author
                .as_ref()
                .is_some_and(|a| a.contains('—') || a.chars().count() > 60)
            {
                problems.push(format!("{name}: post text in the author: {e:?}"));
            }
            if e.platform == Platform::Instagram && b.text.contains("(@") {
                problems.push(format!("{name}: attribution in the caption: {:?}", b.text));
            }
            if b.text.starts_with(['—', '–']) {
                problems.push(format!("{name}: attribution in the text: {:?}", b.text));
            }
            match e.platform {
                Platform::Twitter if !blockquote_ids.contains(id) && e.id.is_some() => {
                    t.rendered_found += 1;
                }
                Platform::Instagram => {
                    t.instagram += 1;
                    if e.url.is_some() && e.handle.is_some() {
                        t.instagram_complete += 1;
                    } else {
                        eprintln!("{name}: instagram post without url or handle: {e:?}");
                    }
                }
                _ => {}
            }
        }
        if !blockquotes.is_empty() || rendered > 0 {
            // Article extraction (main content, boilerplate removal) keeps embeds as blocks.
            t.through_extract += page::extract(&html, None, &PageRules::default())
                .blocks
                .iter()
                .filter(|b| is_tweet(b))
                .count();
        }
    }
    eprintln!(
        "embedded tweets: {} blockquote tags in the sources, {} in the parsed pages, {} found, {} with author, handle and url, {} with handle, url and date",
        t.scanned, t.blockquotes, t.blockquotes_found, t.complete, t.with_url
    );
    eprintln!(
        "rendered tweet widgets: {} in the pages, {} found with an id",
        t.rendered, t.rendered_found
    );
    eprintln!(
        "instagram: {} blockquotes in the pages, {} found, {} with permalink and handle",
        t.instagram_present, t.instagram, t.instagram_complete
    );
    let facebook = t.platforms.get("facebook").copied().unwrap_or_default();
    eprintln!(
        "facebook: {} div.fb-post/fb-video in the pages, {facebook} found",
        t.facebook_present
    );
    eprintln!("embeds by platform: {:?}", t.platforms);
    eprintln!(
        "tweets kept by article extraction (page::extract): {}",
        t.through_extract
    );
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        t.blockquotes_found, t.blockquotes,
        "every tweet blockquote is found"
    );
    assert!(
        t.blockquotes >= TWEET_BLOCKQUOTES_FLOOR,
        "{}",
        t.blockquotes
    );
    assert!(t.complete >= TWEETS_COMPLETE_FLOOR, "{}", t.complete);
    assert!(t.with_url >= TWEETS_WITH_URL_FLOOR, "{}", t.with_url);
    assert!(
        t.rendered_found >= RENDERED_TWEETS_FLOOR,
        "{}",
        t.rendered_found
    );
    assert_eq!(
        t.instagram, t.instagram_present,
        "every Instagram blockquote is found"
    );
    assert!(t.instagram >= INSTAGRAM_FLOOR, "{}", t.instagram);
    assert!(
        t.instagram_complete >= INSTAGRAM_COMPLETE_FLOOR,
        "{}",
        t.instagram_complete
    );
    assert_eq!(
        facebook, t.facebook_present,
        "Facebook posts only, page boxes not"
    );
    assert!(facebook >= FACEBOOK_FLOOR, "{facebook}");
    assert!(
        t.through_extract >= TWEETS_THROUGH_EXTRACTION_FLOOR,
        "{}",
        t.through_extract
    );
}

fn is_tweet(block: &Block) -> bool {
    block
        .embed
        .as_ref()
        .is_some_and(|e| e.platform == Platform::Twitter)
}
