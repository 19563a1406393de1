//! HTML → text blocks (TEXT.md §A.2, rules H1–H5).
//!
//! In: an HTML fragment or a node of a parsed page. Out: [`Block`]s in document order — one per
//! block element (`p`, `div`, `li`, `h1`–`h6`, `blockquote`, `td`…), headings marked, with the
//! `lang`/`dir` declared on the element or its ancestors. Entities are decoded once, by the
//! parser; `<br>` becomes a line break; inline elements join without spaces, as a browser
//! renders `מחר<a>@AmichaiStein1</a>`; source whitespace collapses as in a browser.
//! Never: keeps the text of `script`, `style`, `noscript`, `template`, `svg`, forms and media
//! (an `iframe`'s or `object`'s fallback text is text); recurses (deeply nested markup is walked with an explicit
//! traversal, so it cannot overflow the stack); normalizes (that is the text stage's job).

use std::collections::{HashMap, HashSet};

use ego_tree::NodeId;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node};

use super::{Block, BlockKind, EndingLink, embed};
use crate::text::Dir;

/// Elements whose content is never text for a reader. Not `object` and `iframe`: what they
/// hold is the fallback a reader is shown when the embedded thing cannot be (feedparser keeps
/// it too) — for an `iframe`, the parser's raw text, kept when it is not markup.
const SKIPPED: [&str; 14] = [
    "script", "style", "noscript", "template", "svg", "embed", "head", "title", "button", "select",
    "textarea", "form", "video", "audio",
];

/// Elements that start and end a block.
const BLOCKS: [&str; 33] = [
    "p",
    "div",
    "li",
    "blockquote",
    "section",
    "article",
    "td",
    "th",
    "pre",
    "figcaption",
    "figure",
    "header",
    "footer",
    "aside",
    "nav",
    "main",
    "dd",
    "dt",
    "tr",
    "table",
    "ul",
    "ol",
    "dl",
    "hr",
    "address",
    "details",
    "summary",
    "center",
    "caption",
    "body",
    "html",
    "fieldset",
    "legend",
];

fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// What the walk over a parsed document treats specially: embedded posts (found before any
/// boilerplate removal, each one block in place of its subtree) and removed subtrees.
#[derive(Debug, Default)]
pub struct Marks {
    /// The root node of each embedded post and the `embed` block that stands for it.
    pub embeds: HashMap<NodeId, Block>,
    /// Subtrees that contribute nothing (boilerplate, a source's `remove` selectors).
    pub removed: HashSet<NodeId>,
}

/// The value of attribute `name` of `element`. scraper's `Element::attr` turns the name into an
/// interned atom on every call (a lookup in a global, locked table for names outside
/// html5ever's static set, such as `data-…`); on the per-element paths a scan of the element's
/// few attributes costs a fraction of that.
pub(crate) fn attr<'a>(element: &'a scraper::node::Element, name: &str) -> Option<&'a str> {
    element
        .attrs()
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// The blocks of an HTML fragment (feed content, a description), embedded posts included.
pub fn blocks(html: &str) -> Vec<Block> {
    let fragment = Html::parse_fragment(html);
    let marks = Marks {
        embeds: embed::find(fragment.root_element()),
        removed: HashSet::new(),
    };
    blocks_of(fragment.root_element(), &marks)
}

/// The text of an HTML fragment as one line (titles): tags dropped, entities decoded, every run
/// of whitespace and every `<br>` one space.
pub fn inline_text(html: &str) -> String {
    // Without `<`, `&`, NUL or a leading byte order mark (which the parser drops) the parser
    // would give back the text itself as one text node (it only turns CR into LF, whitespace
    // either way): what is left to do is collapsing the whitespace. Most titles are such plain
    // text; parsing each one built a whole tree.
    if !html.starts_with('\u{FEFF}') && !html.bytes().any(|b| matches!(b, b'<' | b'&' | 0)) {
        return words_joined(html);
    }
    parsed_inline_text(html)
}

/// [`inline_text`] through the HTML parser, whatever `html` holds.
fn parsed_inline_text(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    let blocks = blocks_of(fragment.root_element(), &Marks::default());
    let mut out = String::new();
    for block in blocks {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&block.text);
    }
    words_joined(&out)
}

/// The whitespace-separated words of `text`, one space between each two.
fn words_joined(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// True when text that was already parsed once still looks like markup: it was escaped twice.
pub fn looks_like_markup(text: &str) -> bool {
    // Every tag below starts with `<`: text without one (most of it) needs no lower-cased copy.
    if !text.contains('<') {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    [
        "<p>", "<p ", "</p>", "<br", "<div", "</a>", "<a href", "<b>", "<i>", "<strong>", "<em>",
        "<span", "<img", "<li>", "</li>",
    ]
    .iter()
    .any(|tag| lower.contains(tag))
}

/// The language and direction an open element declared, or inherited from its ancestors.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Declared<'a> {
    lang: Option<&'a str>,
    dir: Option<Dir>,
}

/// Walks `root` in document order and cuts the text into blocks; an embed's root becomes its
/// block, a removed subtree nothing.
pub fn blocks_of(root: ElementRef<'_>, marks: &Marks) -> Vec<Block> {
    let mut walker = Walker::default();
    // The declared lang/dir of every open element, innermost last.
    let mut declared: Vec<Declared<'_>> = Vec::new();
    let mut skipping = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(element) => {
                    let name = element.name();
                    if skipping > 0 || SKIPPED.contains(&name) || marks.removed.contains(&node.id())
                    {
                        skipping += 1;
                        continue;
                    }
                    if let Some(block) = marks.embeds.get(&node.id()) {
                        walker.flush(declared.last().copied().unwrap_or_default());
                        walker.blocks.push(block.clone());
                        skipping += 1;
                        continue;
                    }
                    walker.open(
                        name,
                        attr(element, "lang"),
                        attr(element, "dir"),
                        &mut declared,
                    );
                    if name == "a"
                        && let Some(href) = attr(element, "href")
                    {
                        walker.open_link(href);
                    }
                }
                Node::Text(text) if skipping == 0 => {
                    let in_iframe = node
                        .parent()
                        .and_then(ElementRef::wrap)
                        .is_some_and(|parent| parent.value().name() == "iframe");
                    if !(in_iframe && text.contains('<')) {
                        walker.push_text(text);
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                let Node::Element(element) = node.value() else {
                    continue;
                };
                if skipping > 0 {
                    skipping -= 1;
                    continue;
                }
                if element.name() == "a" {
                    walker.close_link();
                }
                walker.close(element.name(), &mut declared);
            }
        }
    }
    walker.finish()
}

/// Cuts text into blocks as the elements of a document open and close around it (one walker
/// for every way of reading a document, so that they agree to the byte).
#[derive(Debug, Default)]
pub(super) struct Walker {
    text: String,
    heading: usize,
    /// Open `pre` elements: their whitespace is kept.
    pre: usize,
    blocks: Vec<Block>,
    /// The open link: its `href` and where its text starts in `text`.
    link: Option<(String, usize)>,
    /// The last link closed in this block: its `href`, where its text starts and ends.
    closed_link: Option<(String, usize, usize)>,
}

impl Walker {
    /// An element opens, with its `lang` and `dir` attributes; `declared` holds what every open
    /// element declared (innermost last) and gains this one's.
    pub(super) fn open<'a>(
        &mut self,
        name: &str,
        lang: Option<&'a str>,
        dir: Option<&str>,
        declared: &mut Vec<Declared<'a>>,
    ) {
        let outer = declared.last().copied().unwrap_or_default();
        declared.push(Declared {
            lang: lang.filter(|l| !l.trim().is_empty()).or(outer.lang),
            dir: dir.and_then(Dir::from_attribute).or(outer.dir),
        });
        if name == "br" {
            self.text.push('\n');
        } else if name == "pre" {
            self.flush(outer);
            self.pre += 1;
        } else if is_heading(name) || BLOCKS.contains(&name) {
            self.flush(outer);
        }
        if is_heading(name) {
            self.heading += 1;
        }
    }

    /// The innermost open element, `name`, closes.
    pub(super) fn close(&mut self, name: &str, declared: &mut Vec<Declared<'_>>) {
        let inner = declared.pop().unwrap_or_default();
        if is_heading(name) || BLOCKS.contains(&name) {
            self.flush(inner);
        }
        if is_heading(name) {
            self.heading = self.heading.saturating_sub(1);
        }
        if name == "pre" {
            self.pre = self.pre.saturating_sub(1);
        }
    }

    /// An `<a href>` opens (links do not nest in parsed HTML).
    pub(super) fn open_link(&mut self, href: &str) {
        self.link = Some((href.to_owned(), self.text.len()));
    }

    /// The open link closes: the block ends with it unless more text follows.
    pub(super) fn close_link(&mut self) {
        if let Some((href, start)) = self.link.take() {
            self.closed_link = Some((href, start, self.text.len()));
        }
    }

    /// A text node, entities already decoded.
    pub(super) fn push_text(&mut self, text: &str) {
        if self.pre > 0 {
            self.text.push_str(text);
        } else {
            self.push_collapsed(text);
        }
    }

    /// The blocks, the last one closed.
    pub(super) fn finish(mut self) -> Vec<Block> {
        self.flush(Declared::default());
        self.blocks
    }

    /// HTML whitespace rules: a run of spaces, tabs and newlines in the source is one space.
    /// The text is copied a word at a time (HTML whitespace is ASCII, so the runs are found on
    /// bytes); copying it char by char was most of the cost of the walk.
    fn push_collapsed(&mut self, text: &str) {
        let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0C);
        let mut rest = text;
        loop {
            let word = rest
                .bytes()
                .position(|b| !is_space(b))
                .unwrap_or(rest.len());
            if word > 0 {
                self.push_space();
            }
            rest = &rest[word..];
            if rest.is_empty() {
                return;
            }
            let end = rest.bytes().position(is_space).unwrap_or(rest.len());
            self.text.push_str(&rest[..end]);
            rest = &rest[end..];
        }
    }

    /// One space for a run of source whitespace: none at the start of a block or after a space
    /// or line break already there.
    fn push_space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with([' ', '\n']) {
            self.text.push(' ');
        }
    }

    fn flush(&mut self, declared: Declared<'_>) {
        let closed_link = self.closed_link.take();
        // A link that spans blocks goes on in the next one, from its start.
        if let Some((_, start)) = &mut self.link {
            *start = 0;
        }
        let trimmed = self.text.trim_matches(|c: char| c.is_whitespace());
        if trimmed.is_empty() {
            self.text.clear();
            return;
        }
        let leading = self.text.len() - self.text.trim_start().len();
        let end = leading + trimmed.len();
        let ending_link = closed_link
            .filter(|&(_, start, link_end)| link_end >= end && start < end)
            .map(|(href, start, _)| EndingLink {
                href,
                text_from: start.saturating_sub(leading),
            });
        // The block gets a copy of its exact size; the buffer is kept for the next block, so
        // that it does not grow again from nothing for each one.
        let text = trimmed.to_owned();
        self.text.clear();
        self.blocks.push(Block {
            kind: if self.heading > 0 {
                BlockKind::Heading
            } else {
                BlockKind::Paragraph
            },
            text,
            lang: declared.lang.map(str::to_owned),
            dir: declared.dir,
            embed: None,
            ending_link,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(html: &str) -> Vec<(BlockKind, String)> {
        blocks(html).into_iter().map(|b| (b.kind, b.text)).collect()
    }

    #[test]
    fn blocks_in_order_with_headings_and_breaks() {
        assert_eq!(
            texts(
                "<h2>Title</h2><p>first\n  para <b>bold</b>.</p>tail<div>line one<br>line two</div><ul><li>a</li><li>b</li></ul>"
            ),
            [
                (BlockKind::Heading, "Title".into()),
                (BlockKind::Paragraph, "first para bold.".into()),
                (BlockKind::Paragraph, "tail".into()),
                (BlockKind::Paragraph, "line one\nline two".into()),
                (BlockKind::Paragraph, "a".into()),
                (BlockKind::Paragraph, "b".into()),
            ]
        );
    }

    #[test]
    fn inline_elements_join_without_spaces() {
        assert_eq!(
            texts(
                "<p lang=\"iw\" dir=\"rtl\">יימשכו מחר<a href=\"https://twitter.com/x\">@AmichaiStein1</a></p>"
            ),
            [(BlockKind::Paragraph, "יימשכו מחר@AmichaiStein1".into())]
        );
        let b = blocks("<p lang=\"iw\" dir=\"rtl\">x</p>");
        assert_eq!(
            (b[0].lang.as_deref(), b[0].dir),
            (Some("iw"), Some(Dir::Rtl))
        );
    }

    #[test]
    fn scripts_and_styles_have_no_text_and_frames_their_fallback() {
        assert_eq!(
            texts(
                "<p>a<script>alert(1)</script>b</p><style>p{}</style><noscript>n</noscript>\
                 <p>safe<iframe src=x> description</iframe></p>\
                 <p>safe<object data=y><param name=p value=v> fallback</object></p>\
                 <p>c<iframe src=z><p>markup in a frame</p></iframe></p>"
            ),
            [
                (BlockKind::Paragraph, "ab".into()),
                (BlockKind::Paragraph, "safe description".into()),
                (BlockKind::Paragraph, "safe fallback".into()),
                (BlockKind::Paragraph, "c".into()),
            ]
        );
    }

    #[test]
    fn entities_are_decoded_once() {
        assert_eq!(
            texts("<p>It&rsquo;s &amp;amp; &#1513;</p>"),
            [(BlockKind::Paragraph, "It\u{2019}s &amp; ש".into())]
        );
        assert_eq!(
            inline_text("It&rsquo;s <b>bold</b>\n title"),
            "It\u{2019}s bold title"
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let html = format!("{}deep{}", "<div>".repeat(5_000), "</div>".repeat(5_000));
        assert_eq!(texts(&html), [(BlockKind::Paragraph, "deep".into())]);
    }

    #[test]
    fn plain_text_gets_the_parsers_inline_text_without_the_parser() {
        for text in [
            "",
            "  ",
            "Plain title",
            "  lead\tand\n\ntrail  ",
            "windows\r\nline\rends",
            "no\u{A0}break\u{2009}thin\u{3000}ideographic\u{85}next\u{2028}line",
            "form\u{C}feed\u{B}vtab\u{1}control",
            "עברית עם English ו־gershayim ״ ׳",
            "inner\u{FEFF}bom",
            "\u{FEFF}leading bom",
            "a > b, c = d; \"quoted\" 'single'",
        ] {
            assert_eq!(inline_text(text), parsed_inline_text(text), "{text:?}");
        }
    }

    #[test]
    fn whitespace_collapses_as_it_did_char_by_char() {
        // The char-by-char form `push_collapsed` had: the word-at-a-time one must agree.
        fn reference(out: &mut String, text: &str) {
            let mut pending_space = false;
            for c in text.chars() {
                if matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{000C}') {
                    pending_space = true;
                } else {
                    if pending_space && !out.is_empty() && !out.ends_with([' ', '\n']) {
                        out.push(' ');
                    }
                    pending_space = false;
                    out.push(c);
                }
            }
            if pending_space && !out.is_empty() && !out.ends_with([' ', '\n']) {
                out.push(' ');
            }
        }
        let pieces = [
            "",
            " ",
            "a",
            " a",
            "a ",
            "  a  b\t\tc\r\n",
            "\u{C}x\u{C}",
            "עברית  ו English ",
            "\u{A0}nbsp\u{A0} stays",
            "line\n",
            "\n\n",
            "x",
        ];
        for start in ["", "word", "ends with space ", "ends with break\n"] {
            for first in pieces {
                for second in pieces {
                    let mut walker = Walker {
                        text: start.to_owned(),
                        ..Walker::default()
                    };
                    walker.push_collapsed(first);
                    walker.push_collapsed(second);
                    let mut expected = start.to_owned();
                    reference(&mut expected, first);
                    reference(&mut expected, second);
                    assert_eq!(walker.text, expected, "{start:?} + {first:?} + {second:?}");
                }
            }
        }
    }

    #[test]
    fn double_escaped_markup_is_recognised() {
        assert!(looks_like_markup("<p>hello</p>"));
        assert!(!looks_like_markup("5 < 6 and a <3"));
    }
}
