//! Extract: an item (and, later, its linked page) in, the article as plain text blocks out.
//!
//! In: a [`FeedEntry`]. Out: an [`Article`] — the title as one line of text and the body as
//! [`Block`]s in document order (headings, paragraphs), with the language and direction the
//! markup declares. The feed's own content is the body (full content when the feed has it,
//! else the description).
//! Never: HTML in the output (tags dropped, entities decoded once — twice only for a field that
//! was visibly escaped twice), normalization or language detection (that is the text stage).

pub mod embed;
pub mod guard;
pub mod html;
pub mod page;

pub use embed::{Embed, Platform};
pub use page::{Page, PageRules};

use crate::parse::{FeedEntry, Markup};
use crate::text::Dir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    Heading,
    Paragraph,
    /// An embedded social post: `text` is the post's own text (no attribution), `embed` its
    /// metadata.
    Embed,
}

/// A block of article text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// Plain text: `\n` for `<br>`, otherwise as a browser would show it; not normalized.
    pub text: String,
    /// `lang` declared on the block or an ancestor (`iw`, `he-IL`…), as written.
    pub lang: Option<String>,
    pub dir: Option<Dir>,
    /// Set exactly when `kind` is [`BlockKind::Embed`].
    pub embed: Option<Embed>,
}

/// An item's text, ready for the text stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub title: Option<String>,
    pub blocks: Vec<Block>,
}

/// Compiles one CSS selector of the config (`[source.select]`, `[source.extract]`); the error
/// says what is wrong in words (scraper's own message for some errors is an apology).
pub fn css_selector(css: &str) -> Result<scraper::Selector, String> {
    scraper::Selector::parse(css).map_err(|e| {
        let message = e.to_string();
        let reason = if message.starts_with("Unexpected error occurred") {
            // The variant name (`DanglingCombinator`, `EmptySelector`) is on the last line.
            message.lines().last().unwrap_or_default().to_owned()
        } else {
            message
        };
        format!("invalid CSS selector {css:?}: {reason}")
    })
}

/// Why a page is not parsed: its markup would cost the parser more than [`guard::MAX_PARSE_COST`]
/// (hostile nesting). `None` for every ordinary page.
pub fn refuse_page(html: &str) -> Option<String> {
    let cost = guard::parse_cost(html);
    cost.too_costly().then(|| {
        format!(
            "the page nests elements too deeply to parse safely ({} levels)",
            cost.depth
        )
    })
}

/// The article of a feed item, from the feed's own content.
pub fn article(entry: &FeedEntry) -> Article {
    let title = entry
        .title
        .as_ref()
        .map(|t| {
            // Plain text is what it says, `<` and `>` included.
            if !t.is_html {
                return t.content.clone();
            }
            if guard::parse_cost(&t.content).too_costly() {
                return guard::strip_tags(&t.content);
            }
            let once = html::inline_text(&t.content);
            if html::looks_like_markup(&once) {
                html::inline_text(&once)
            } else {
                once
            }
        })
        .filter(|t| !t.trim().is_empty());
    let body = entry.content.as_ref().or(entry.summary.as_ref());
    Article {
        title,
        blocks: body.map(body_blocks).unwrap_or_default(),
    }
}

/// The article of an item whose page was read: the page's body, with the feed's title (the
/// page's when the feed has none); the item gains the page's author, date and language where
/// the feed gave none. `Err` says why the page cannot stand for the item (no article text).
pub fn followed(entry: &FeedEntry, page: &Page) -> Result<(FeedEntry, Article), String> {
    let has_text = page
        .blocks
        .iter()
        .any(|b| b.kind != BlockKind::Heading && !b.text.trim().is_empty());
    if !has_text {
        return Err("the page has no article text".to_owned());
    }
    let mut entry = entry.clone();
    if entry.authors.is_empty() {
        entry.authors.extend(page.author.iter().cloned());
    }
    if entry.published.is_none() && entry.updated.is_none() {
        entry.published = page.published;
    }
    if entry.language.is_none() {
        entry.language.clone_from(&page.lang);
    }
    let mut article = article(&entry);
    if article.title.is_none() {
        article.title = page.title.clone().filter(|t| !t.trim().is_empty());
    }
    article.blocks.clone_from(&page.blocks);
    Ok((entry, article))
}

/// A page read on its own (`nahar extract`) as an item: identified by its canonical URL (so it
/// gets the id a feed item linking to it by URL would get), with the page's metadata, and its
/// article.
pub fn standalone(url: &url::Url, page: &Page, warnings: Vec<String>) -> (FeedEntry, Article) {
    let canonical = crate::links::canonical_url(url.clone());
    let key = canonical
        .as_ref()
        .map_or_else(|| url.as_str().to_owned(), |u| u.as_str().to_owned());
    let body: String = page
        .blocks
        .iter()
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let source_hash = crate::hash::source_hash(
        page.title.as_deref().unwrap_or_default(),
        &body,
        canonical.as_ref().map_or("", url::Url::as_str),
    );
    let entry = FeedEntry {
        identity: crate::parse::Identity {
            basis: crate::parse::IdentityBasis::Link,
            key,
        },
        url: canonical,
        title: page.title.as_ref().map(|t| Markup {
            content: t.clone(),
            is_html: false,
        }),
        summary: None,
        content: None,
        authors: page.author.iter().cloned().collect(),
        published: page.published,
        updated: None,
        language: page.lang.clone(),
        source_hash,
        warnings,
        legacy: None,
    };
    let article = Article {
        title: page.title.clone().filter(|t| !t.trim().is_empty()),
        blocks: page.blocks.clone(),
    };
    (entry, article)
}

fn body_blocks(body: &Markup) -> Vec<Block> {
    if !body.is_html {
        return plain_blocks(&body.content);
    }
    if guard::parse_cost(&body.content).too_costly() {
        // Hostile nesting: the words without a tree, rather than minutes in the parser.
        return plain_blocks(&guard::strip_tags(&body.content));
    }
    let blocks = html::blocks(&body.content);
    let escaped_twice = !blocks.is_empty()
        && blocks
            .iter()
            .all(|b| html::looks_like_markup(&b.text) || b.text.trim().is_empty())
        && blocks.iter().any(|b| html::looks_like_markup(&b.text));
    if escaped_twice {
        let unescaped: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
        return html::blocks(&unescaped.join("\n"));
    }
    blocks
}

/// Plain text: paragraphs are separated by blank lines; single newlines are line breaks.
fn plain_blocks(text: &str) -> Vec<Block> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| Block {
            kind: BlockKind::Paragraph,
            text: p.to_owned(),
            lang: None,
            dir: None,
            embed: None,
        })
        .collect()
}
