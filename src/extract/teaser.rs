//! Teasers: what ends a feed item's description only to send the reader to the full article —
//! "Read more…", "לכתבה המלאה", "Читать далее", a last paragraph that is just a link to the item
//! or to its site, WordPress's "The post … appeared first on …".
//!
//! In: the body blocks of a feed item, its link, whether it has a title. Out: the same blocks
//! without their trailing teasers, so that a link's words in another language never make a
//! record `mixed` or move its language. Never: touches a block before the last paragraph, a
//! link inside a paragraph unless it ends that paragraph and reads as a continuation phrase, or
//! drops the item's only text.

use url::Url;

use super::{Block, BlockKind};

/// Continuation phrases, lower-cased, as a whole paragraph or as the link that ends one. Each
/// also starts a longer link text ("Continue reading “The title”", "Read article on Ynet").
const PHRASES: &[&str] = &[
    // English
    "read more",
    "read more here",
    "continue reading",
    "keep reading",
    "read the full story",
    "read the full article",
    "read full story",
    "read full article",
    "read the rest",
    "read the rest of this entry",
    "read article on",
    "full story",
    "full article",
    // Hebrew
    "לכתבה המלאה",
    "לכתבה המלאה באתר",
    "לקריאת הכתבה המלאה",
    "להמשך קריאה",
    "המשך קריאה",
    "המשך לקרוא",
    "לחצו כאן לכתבה המלאה",
    "פרטים נוספים",
    "קרא עוד",
    "קראו עוד",
    "לקריאה נוספת",
    // Arabic
    "اقرأ المزيد",
    "إقرأ المزيد",
    "اقرا المزيد",
    "تابع القراءة",
    "للمزيد",
    "المزيد",
    // Russian
    "читать далее",
    "читать дальше",
    "читать полностью",
    "подробнее",
    // French
    "lire la suite",
    "lire l'article",
    "lire l’article",
    "en savoir plus",
];

/// Words a link text may add after a phrase (the post's title, the site's name).
const MAX_WORDS_AFTER_PHRASE: usize = 12;

/// Drops the trailing teasers of `blocks`, or cuts a teaser link from the end of the last
/// paragraph. `item` is the item's link; `has_title` says whether the item has text besides
/// its body (a lone teaser with no title is kept: it is all the item says).
pub(super) fn drop_trailing(blocks: &mut Vec<Block>, item: Option<&Url>, has_title: bool) {
    while let Some(last) = blocks.last_mut() {
        if last.kind != BlockKind::Paragraph {
            return;
        }
        match teaser_in(last, item) {
            Teaser::None => return,
            Teaser::Whole => {
                if blocks.len() == 1 && !has_title {
                    return;
                }
                blocks.pop();
            }
            Teaser::From(at) => {
                last.text.truncate(at);
                let kept = last.text.trim_end().len();
                last.text.truncate(kept);
                last.ending_link = None;
                return;
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Teaser {
    None,
    /// The whole block.
    Whole,
    /// The block's text from this byte on (a continuation link after text of its own).
    From(usize),
}

fn teaser_in(block: &Block, item: Option<&Url>) -> Teaser {
    let whole_link = block.ending_link.as_ref().filter(|l| l.text_from == 0);
    if is_continuation(&block.text, whole_link.is_some()) || appeared_first_on(&block.text) {
        return Teaser::Whole;
    }
    let Some(link) = &block.ending_link else {
        return Teaser::None;
    };
    if link.text_from == 0 {
        return if points_home(&link.href, item) {
            Teaser::Whole
        } else {
            Teaser::None
        };
    }
    let Some(link_text) = block.text.get(link.text_from..) else {
        return Teaser::None;
    };
    if is_continuation(link_text, true) {
        Teaser::From(link.text_from)
    } else {
        Teaser::None
    }
}

/// Words in the longest of [`PHRASES`].
const PHRASE_WORDS_MAX: usize = 6;

/// A continuation phrase, alone or — in a link — followed by a few words (a title, a site).
fn is_continuation(text: &str, in_link: bool) -> bool {
    // Every item's last paragraph comes here: one longer than any teaser can be is not lowered
    // and compared (that took 5% of the feed benchmark's CPU time).
    let most_words = PHRASE_WORDS_MAX + if in_link { MAX_WORDS_AFTER_PHRASE } else { 0 };
    if trim_teaser(text)
        .split_whitespace()
        .nth(most_words)
        .is_some()
    {
        return false;
    }
    let key = key_of(text);
    PHRASES.iter().any(|phrase| {
        let Some(rest) = key.strip_prefix(phrase) else {
            return false;
        };
        if rest.is_empty() {
            return true;
        }
        in_link
            && rest.starts_with(' ')
            && rest.split_whitespace().count() <= MAX_WORDS_AFTER_PHRASE
    })
}

/// Lower case, one space between words, without the punctuation, arrows and brackets around a
/// teaser ("[Read more…]", "Continue reading →", "« Lire la suite »").
fn key_of(text: &str) -> String {
    let trimmed = trim_teaser(text);
    let mut key = String::with_capacity(trimmed.len());
    for word in trimmed.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.extend(word.chars().flat_map(char::to_lowercase));
    }
    key
}

fn trim_teaser(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation() || is_teaser_mark(c))
}

fn is_teaser_mark(c: char) -> bool {
    matches!(
        c,
        '…' | '»'
            | '«'
            | '›'
            | '‹'
            | '→'
            | '←'
            | '⟶'
            | '⟵'
            | '➔'
            | '▶'
            | '◀'
            | '“'
            | '”'
            | '„'
            | '‘'
            | '’'
            | '–'
            | '—'
            | '\u{200E}'
            | '\u{200F}'
    )
}

/// WordPress's footer of syndicated posts, in the languages nahar reads.
fn appeared_first_on(text: &str) -> bool {
    // The whole text is lowered only when it starts as the footer does.
    const OPENINGS: [&str; 4] = ["the post ", "l’article ", "l'article ", "הפוסט "];
    let opening: String = text.chars().take(10).flat_map(char::to_lowercase).collect();
    if !OPENINGS.iter().any(|o| opening.starts_with(o)) {
        return false;
    }
    let lower = text.to_lowercase();
    let french = lower.starts_with("l’article ") || lower.starts_with("l'article ");
    (lower.starts_with("the post ") && lower.contains(" appeared first on "))
        || (french && lower.contains(" est apparu en premier sur "))
        || (lower.starts_with("הפוסט ") && lower.contains(" הופיע לראשונה ב"))
}

/// A link to the item itself, or to the home page of the item's site.
fn points_home(href: &str, item: Option<&Url>) -> bool {
    let Some(item) = item else {
        return false;
    };
    let Ok(target) = item.join(href.trim()) else {
        return false;
    };
    if !matches!(target.scheme(), "http" | "https") || site(&target) != site(item) {
        return false;
    }
    let path = |u: &Url| u.path().trim_end_matches('/').to_owned();
    let home = path(&target).is_empty() && target.query().is_none();
    home || (path(&target) == path(item) && target.query() == item.query())
}

/// A URL's host without `www.`, lower-cased (the url crate lower-cases hosts already).
fn site(url: &Url) -> Option<&str> {
    url.host_str().map(|h| h.strip_prefix("www.").unwrap_or(h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{EndingLink, html};

    fn item() -> Url {
        Url::parse("https://www.example.co.il/news/article-123/").unwrap_or_else(|e| panic!("{e}"))
    }

    /// The texts left of an HTML body once its teasers are dropped.
    fn kept(body: &str, has_title: bool) -> Vec<String> {
        let mut blocks = html::blocks(body);
        drop_trailing(&mut blocks, Some(&item()), has_title);
        blocks.into_iter().map(|b| b.text).collect()
    }

    #[test]
    fn a_paragraph_that_is_a_continuation_phrase_is_dropped() {
        for teaser in [
            "<p><a href=\"/news/article-123/\">לכתבה המלאה</a></p>",
            "<p><a href=\"https://elsewhere.example/x\">Read More…</a></p>",
            "<p>Read more</p>",
            "<p>[Continue reading →]</p>",
            "<p><a href=\"/x\">Continue reading <span>“Gantz’s plus, Lapid’s minus”</span></a></p>",
            "<p><a href=\"https://www.ynet.co.il/x\">Read article on Ynet</a></p>",
            "<p><a href=\"/x\">פרטים נוספים</a></p>",
            "<p>המשך קריאה</p>",
            "<p><a href=\"/x\">اقرأ المزيد</a></p>",
            "<p><a href=\"/x\">Читать далее</a></p>",
            "<p><a href=\"/x\">« Lire la suite »</a></p>",
            "<p>The post <a href=\"/x\">Gaza contractors strike</a> appeared first on <a \
             href=\"/\">The Times of Israel</a>.</p>",
        ] {
            let body = format!("<p>הטקסט של הכתבה עצמה.</p>{teaser}");
            assert_eq!(kept(&body, true), ["הטקסט של הכתבה עצמה."], "{teaser}");
        }
    }

    #[test]
    fn a_last_paragraph_that_only_links_to_the_item_or_its_site_is_dropped() {
        for link in [
            "/news/article-123/",
            "/news/article-123",
            "https://example.co.il/news/article-123/#comments",
            "https://www.example.co.il/",
            "/",
        ] {
            let body = format!("<p>Body text.</p><p><a href=\"{link}\">Any words at all</a></p>");
            assert_eq!(kept(&body, true), ["Body text."], "{link}");
        }
        // A link elsewhere, or to another page of the site, is content.
        for link in [
            "/news/other-story/",
            "https://other.example/",
            "/news/article-123/?p=2",
        ] {
            let body = format!("<p>Body text.</p><p><a href=\"{link}\">Related story</a></p>");
            assert_eq!(kept(&body, true).len(), 2, "{link}");
        }
    }

    #[test]
    fn a_continuation_link_is_cut_from_the_end_of_its_paragraph() {
        assert_eq!(
            kept(
                "<p>The first lines of the story… <a href=\"/x\">Read More »</a></p>",
                true
            ),
            ["The first lines of the story…"]
        );
        assert_eq!(
            kept(
                "<p>נהגים מתבקשים להאט. <a href=\"/x\">לכתבה המלאה</a></p>",
                true
            ),
            ["נהגים מתבקשים להאט."]
        );
        // A link with words of its own, or text after the link, stays.
        for body in [
            "<p>נהגים מתבקשים להאט. <a href=\"/x\">התחזית המלאה</a></p>",
            "<p>Text <a href=\"/x\">Read more</a> about the case in our guide.</p>",
            "<p>Text. <a href=\"/x\">Read more about the case, the people in it and what the \
             court decided in our long and detailed guide</a></p>",
        ] {
            let blocks = html::blocks(body);
            let before: Vec<String> = blocks.iter().map(|b| b.text.clone()).collect();
            assert_eq!(kept(body, true), before, "{body}");
        }
    }

    #[test]
    fn several_trailing_teasers_go_and_the_text_before_them_stays() {
        assert_eq!(
            kept(
                "<p>Read more</p><p>Excerpt of the post […]</p>\
                 <p><a href=\"/x\">Continue reading</a></p>\
                 <p>The post X appeared first on Y.</p>",
                true
            ),
            ["Read more", "Excerpt of the post […]"]
        );
    }

    #[test]
    fn a_teaser_that_is_the_items_only_text_is_kept() {
        assert_eq!(
            kept("<p><a href=\"/x\">Read more</a></p>", false),
            ["Read more"]
        );
        // With a title the item still says something.
        assert!(kept("<p><a href=\"/x\">Read more</a></p>", true).is_empty());
    }

    #[test]
    fn sentences_that_merely_start_like_a_teaser_stay() {
        for text in [
            "Read more books, the minister urged parents on Sunday.",
            "פרטים נוספים על התוכנית יפורסמו בשבוע הבא.",
            "Full story of the rescue is told by the pilots themselves.",
        ] {
            let body = format!("<p>First.</p><p>{text}</p>");
            assert_eq!(kept(&body, true), ["First.", text]);
        }
        // And headings and embeds are never teasers.
        assert_eq!(
            kept("<p>First.</p><h2>Read more</h2>", true),
            ["First.", "Read more"]
        );
    }

    #[test]
    fn no_phrase_is_longer_than_the_word_bound() {
        for phrase in PHRASES {
            assert!(
                phrase.split_whitespace().count() <= PHRASE_WORDS_MAX,
                "{phrase}"
            );
        }
        // Marks around the phrase are not words of it.
        assert!(is_continuation(
            "» » » Read the rest of this entry « « «",
            false
        ));
        assert!(!is_continuation("Read the rest of this entry now", false));
    }

    #[test]
    fn the_walker_records_the_link_a_block_ends_with() {
        let blocks = html::blocks(
            "<p>Text <a href=\"/a\">link</a></p><p><a href=\"/b\"> whole </a></p>\
             <p><a href=\"/c\">link</a> then text</p><p>plain</p>",
        );
        let links: Vec<Option<EndingLink>> = blocks.into_iter().map(|b| b.ending_link).collect();
        assert_eq!(
            links,
            [
                Some(EndingLink {
                    href: "/a".to_owned(),
                    text_from: 5
                }),
                Some(EndingLink {
                    href: "/b".to_owned(),
                    text_from: 0
                }),
                None,
                None,
            ]
        );
    }
}
