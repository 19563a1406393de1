//! Extract: an item (and, later, its linked page) in, the article as plain text blocks out.
//!
//! In: a [`FeedEntry`]. Out: an [`Article`] — the title as one line of text and the body as
//! [`Block`]s in document order (headings, paragraphs), with the language and direction the
//! markup declares. The feed's own content is the body (full content when the feed has it,
//! else the description).
//! Never: HTML in the output (tags dropped, entities decoded once — twice only for a field that
//! was visibly escaped twice), normalization or language detection (that is the text stage).

pub mod embed;
pub mod html;
pub mod page;
mod teaser;

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
    /// The link the block's text ends with, when it does (what a teaser such as "Read more…"
    /// is made of); known for feed content, not for pages.
    pub ending_link: Option<EndingLink>,
}

/// A link (`<a href>`) with nothing but whitespace after it in its block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndingLink {
    /// The `href` as written (relative or absolute).
    pub href: String,
    /// Where the link's text starts in the block's text (0: the block is the link).
    pub text_from: usize,
}

/// An item's text, ready for the text stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub title: Option<String>,
    pub blocks: Vec<Block>,
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
            if crate::markup::cost::parse_cost(&t.content).too_costly() {
                return crate::markup::cost::strip_tags(&t.content);
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
    let mut blocks = body.map(body_blocks).unwrap_or_default();
    teaser::drop_trailing(&mut blocks, entry.url.as_ref(), title.is_some());
    Article { title, blocks }
}

fn body_blocks(body: &Markup) -> Vec<Block> {
    if !body.is_html {
        return plain_blocks(&body.content);
    }
    if crate::markup::cost::parse_cost(&body.content).too_costly() {
        // Hostile nesting: the words without a tree, rather than minutes in the parser.
        return plain_blocks(&crate::markup::cost::strip_tags(&body.content));
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
            ending_link: None,
        })
        .collect()
}
