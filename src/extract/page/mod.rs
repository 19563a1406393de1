//! Article pages: the HTML of one article page in, the article (and only the article) out.
//!
//! In: a decoded HTML document, its URL and the source's [`PageRules`]. Out: a [`Page`] — title,
//! author, publication time, the declared `lang`/`dir`, and the body as blocks in document order
//! (headings, paragraphs, embedded posts in place).
//! Never: keeps navigation, headers, footers, cookie banners, share bars, related/most-read
//! lists, comments, scripts or styles; drops an embedded post that is inside the article.

mod boilerplate;
mod metadata;
mod notices;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use ego_tree::NodeId;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::embed;
use super::html::{self, Marks};
use super::{Block, BlockKind};
use crate::text::Dir;
use boilerplate::{
    BOILERPLATE_WORDS, CONTENT_WORDS, LinkCounts, holds_article_text, name_words, protected_nodes,
    remove_boilerplate, visible_len,
};

/// A source's own extraction rules (`[source.extract]`), compiled.
#[derive(Debug, Clone, Default)]
pub struct PageRules {
    /// The article body, when the generic algorithm picks the wrong element.
    pub body: Option<Selector>,
    /// Elements to drop before anything else.
    pub remove: Vec<Selector>,
}

/// A `[source.extract]` selector that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CSS selector {selector:?}: {cause}")]
pub struct RuleError {
    pub selector: String,
    pub cause: String,
}

impl PageRules {
    pub fn new(body: Option<&str>, remove: &[String]) -> Result<PageRules, RuleError> {
        let compile = |s: &str| {
            Selector::parse(s).map_err(|e| RuleError {
                selector: s.to_owned(),
                cause: e.to_string(),
            })
        };
        Ok(PageRules {
            body: body.map(compile).transpose()?,
            remove: remove
                .iter()
                .map(|s| compile(s))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// What an article page yields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// `og:title`, else `<title>` (site name suffix removed), else the first `h1`.
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// `<html lang>` as written.
    pub lang: Option<String>,
    /// The direction declared on the article's container or its nearest ancestor that declares
    /// one, else `<html dir>` / `<body dir>`; also every block's hint where the block declares
    /// none.
    pub dir: Option<Dir>,
    pub blocks: Vec<Block>,
}

/// Extracts the article of one page: embedded posts are found first; boilerplate is removed by
/// what elements are, what they are called and how much of them is links; the best-scoring
/// container and its siblings are the article, with every paragraph elsewhere on the page that
/// reads as prose. A source's `body` rules replace the search; its `remove` rules go first.
pub fn extract(html_text: &str, url: Option<&Url>, rules: &PageRules) -> Page {
    let _ = url;
    let doc = Html::parse_document(html_text);
    let root = doc.root_element();
    let mut marks = Marks {
        embeds: embed::find(root),
        ..Marks::default()
    };
    for selector in &rules.remove {
        marks.removed.extend(doc.select(selector).map(|e| e.id()));
    }
    let meta = metadata::metadata(&doc);
    let explicit: Vec<ElementRef<'_>> = rules
        .body
        .as_ref()
        .map(|s| doc.select(s).collect())
        .unwrap_or_default();
    let roots = if explicit.is_empty() {
        let protected = protected_nodes(root, &marks);
        let counts = LinkCounts::new(root);
        remove_boilerplate(root, &protected, &counts, &mut marks.removed);
        let roots = content_roots(root, &marks, &counts);
        with_stray_paragraphs(root, roots, &marks, &counts)
    } else {
        explicit
    };
    let mut blocks: Vec<Block> = roots
        .iter()
        .flat_map(|r| html::blocks_of(*r, &marks))
        .collect();
    // A short line ending in a colon ("Anzeige:", "Von:", "Mehr zum Thema:") labels a box of
    // its own, which boilerplate removal dropped or which says what it is by itself.
    blocks.retain(|b| {
        b.kind == BlockKind::Embed
            || b.text.chars().count() >= 25
            || !b.text.trim_end().ends_with(':')
    });
    // Copyright and photo credits, calls to subscribe or share, "read also" pointers and bare
    // dates that sit inside the article's container under no telling class name.
    blocks.retain(|b| b.kind == BlockKind::Embed || !notices::is_notice(&b.text));
    // The headline is the record's title, not its first paragraph.
    if let Some(title) = &meta.title {
        let key = |t: &str| {
            t.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        let title_key = key(title);
        if let Some(first) = blocks.iter().position(|b| b.kind != BlockKind::Embed)
            && first < 3
            && blocks[first].kind == BlockKind::Heading
            && {
                let heading = key(&blocks[first].text);
                !heading.is_empty() && (heading == title_key || title_key.starts_with(&heading))
            }
        {
            blocks.remove(first);
        }
    }
    // The direction the article declares: on its container or the nearest ancestor, else the
    // page's (`<main dir="rtl">` inside `<html dir="ltr">` is an RTL article).
    let declared_dir = roots.first().and_then(|r| {
        std::iter::once(*r)
            .chain(r.ancestors().filter_map(ElementRef::wrap))
            .find_map(|e| e.value().attr("dir").and_then(Dir::from_attribute))
    });
    let dir = declared_dir.or(meta.dir);
    // A declaration above the content root is every block's hint too (TEXT.md H4: the element's
    // and its ancestors'); the walk over the root only saw what is inside it. An embedded post
    // keeps only what its own markup declares.
    if let Some(dir) = dir {
        for block in blocks
            .iter_mut()
            .filter(|b| b.kind != BlockKind::Embed && b.dir.is_none())
        {
            block.dir = Some(dir);
        }
    }
    Page {
        title: meta.title,
        author: meta.author,
        published: meta.published,
        lang: meta.lang,
        dir,
        blocks,
    }
}

/// The elements that hold the article, in document order: the best-scoring container and the
/// siblings that belong with it (readability's approach: paragraphs vote for their parent and,
/// at half weight, their grandparent).
fn content_roots<'a>(
    root: ElementRef<'a>,
    marks: &Marks,
    counts: &LinkCounts,
) -> Vec<ElementRef<'a>> {
    let mut scores: HashMap<NodeId, f64> = HashMap::new();
    let mut order: Vec<NodeId> = Vec::new();
    let mut stack = vec![root];
    while let Some(element) = stack.pop() {
        if marks.removed.contains(&element.id()) {
            continue;
        }
        let name = element.value().name();
        if matches!(name, "script" | "style" | "noscript" | "template" | "svg") {
            continue;
        }
        let votes = if marks.embeds.contains_key(&element.id()) {
            Some(60.0)
        } else if matches!(
            name,
            "p" | "pre" | "blockquote" | "td" | "h2" | "h3" | "li" | "dd"
        ) || (name == "div" && has_own_text(element))
        {
            paragraph_score(element, marks)
        } else {
            None
        };
        if let Some(score) = votes {
            let mut weight = 1.0;
            for ancestor in element.ancestors().filter_map(ElementRef::wrap).take(3) {
                let entry = scores.entry(ancestor.id()).or_insert_with(|| {
                    order.push(ancestor.id());
                    initial_score(ancestor)
                });
                *entry += score * weight;
                weight /= 2.0;
            }
            if marks.embeds.contains_key(&element.id()) {
                continue;
            }
        }
        stack.extend(element.children().filter_map(ElementRef::wrap));
    }
    let tree = root.tree();
    let best = order
        .iter()
        .filter_map(|id| {
            let element = ElementRef::wrap(tree.get(*id)?)?;
            let (text, link_text, _) = counts.of(element);
            let density = if text == 0 {
                1.0
            } else {
                link_text as f64 / text as f64
            };
            Some((
                element,
                scores.get(id).copied().unwrap_or(0.0) * (1.0 - density),
            ))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let Some((mut best, best_score)) = best else {
        return vec![root];
    };
    // A page that declares its article body (schema.org's `itemprop="articleBody"`) and puts
    // article text in it: a better-scoring box inside it is one part of the article (a photo
    // gallery's fifty captions, a fact box), not the article.
    if let Some(body) = declared_body(root, marks)
        && best.ancestors().any(|a| a.id() == body.id())
        && holds_article_text(body, counts)
    {
        best = body;
    }
    // Siblings that are part of the article: well scored, or a long, link-poor paragraph.
    let Some(parent) = best.parent().and_then(ElementRef::wrap) else {
        return vec![best];
    };
    let threshold = (best_score * 0.2).max(10.0);
    parent
        .children()
        .filter_map(ElementRef::wrap)
        .filter(|sibling| !marks.removed.contains(&sibling.id()))
        .filter(|sibling| {
            if sibling.id() == best.id() {
                return true;
            }
            if scores.get(&sibling.id()).is_some_and(|s| *s >= threshold) {
                return true;
            }
            if sibling.value().name() == "p" {
                let (text, link_text, _) = counts.of(*sibling);
                return text > 80 && link_text * 4 < text;
            }
            marks.embeds.contains_key(&sibling.id())
        })
        .collect()
}

/// Shortest paragraph (non-whitespace characters) kept outside the article's container.
const STRAY_PARAGRAPH_MIN: usize = 70;

/// The content roots and, in document order with them, every paragraph outside them that reads
/// as prose: 70+ characters, under a fifth of it in links, not in a box that is about the
/// author, a form, a caption or a list of other articles. Pages split their article over
/// several containers (lead, body, a fact box, a second column) that no single container
/// holds; on trafilatura's evaluation set these paragraphs raise recall from 0.85 to 0.94.
fn with_stray_paragraphs<'a>(
    root: ElementRef<'a>,
    roots: Vec<ElementRef<'a>>,
    marks: &Marks,
    counts: &LinkCounts,
) -> Vec<ElementRef<'a>> {
    let root_ids: HashSet<NodeId> = roots.iter().map(|r| r.id()).collect();
    let holding_roots: HashSet<NodeId> = roots
        .iter()
        .flat_map(|r| r.ancestors().map(|a| a.id()))
        .collect();
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(element) = stack.pop() {
        if root_ids.contains(&element.id()) {
            out.push(element);
            continue;
        }
        if marks.removed.contains(&element.id()) || marks.embeds.contains_key(&element.id()) {
            continue;
        }
        let name = element.value().name();
        if matches!(name, "script" | "style" | "noscript" | "template" | "svg") {
            continue;
        }
        if !holding_roots.contains(&element.id()) {
            if outside_the_article(element.value()) {
                continue;
            }
            let paragraph = matches!(name, "p" | "pre" | "blockquote" | "li" | "dd" | "td")
                || (name == "div" && has_own_text(element));
            if paragraph {
                let (text, link_text, _) = counts.of(element);
                if text >= STRAY_PARAGRAPH_MIN && link_text * 5 < text {
                    out.push(element);
                    continue;
                }
            }
        }
        let children: Vec<ElementRef<'a>> =
            element.children().filter_map(ElementRef::wrap).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// Boxes whose paragraphs are not the article even when they read as prose: about the author,
/// forms, captions, footers, lists of other articles, calls to subscribe or donate.
fn outside_the_article(element: &scraper::node::Element) -> bool {
    const NAMED: [&str; 15] = [
        "talkback",
        "author",
        "contributor",
        "newsletter",
        "newletter",
        "kommentar",
        "copyright",
        "related",
        "footer",
        "profile",
        "listposts",
        "disclaimer",
        "signup",
        "subscribe",
        "donation",
    ];
    match element.name() {
        "html" | "body" => false,
        "aside" | "footer" | "nav" | "form" | "figcaption" | "label" => true,
        _ => name_words(element).iter().any(|w| {
            matches!(w.as_str(), "bio" | "cta" | "reviews")
                || NAMED.iter().any(|part| w.contains(part))
        }),
    }
}

/// A container's prior from what it is called.
fn initial_score(element: ElementRef<'_>) -> f64 {
    let e = element.value();
    let mut score = match e.name() {
        "article" | "main" => 25.0,
        "div" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        "body" | "html" => -20.0,
        _ => 0.0,
    };
    if declares_article_body(e) {
        score += 50.0;
    }
    let words = name_words(e);
    if words.iter().any(|w| CONTENT_WORDS.contains(&w.as_str())) {
        score += 25.0;
    }
    if words
        .iter()
        .any(|w| BOILERPLATE_WORDS.contains(&w.as_str()))
    {
        score -= 25.0;
    }
    score
}

/// What a paragraph is worth: 1, plus one per comma, plus one per 100 characters (at most 3);
/// nothing for fragments under 25 characters.
fn paragraph_score(element: ElementRef<'_>, marks: &Marks) -> Option<f64> {
    let (mut length, mut commas) = (0usize, 0usize);
    // Inside a removed subtree while `skipping > 0`.
    let mut skipping = 0usize;
    for edge in element.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping > 0 || marks.removed.contains(&node.id()) {
                    skipping += 1;
                } else if let Some(t) = node.value().as_text() {
                    length += visible_len(t);
                    commas += t.matches([',', '،', '，']).count();
                }
            }
            Edge::Close(_) => skipping = skipping.saturating_sub(1),
        }
    }
    if length < 25 {
        return None;
    }
    Some(1.0 + commas as f64 + (length as f64 / 100.0).min(3.0))
}

/// The first element that declares itself the article body, unless boilerplate removal took it.
fn declared_body<'a>(root: ElementRef<'a>, marks: &Marks) -> Option<ElementRef<'a>> {
    root.descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| declares_article_body(e.value()) && !marks.removed.contains(&e.id()))
}

/// schema.org's `itemprop="articleBody"`.
fn declares_article_body(element: &scraper::node::Element) -> bool {
    element
        .attr("itemprop")
        .is_some_and(|p| p.contains("articleBody"))
}

fn has_own_text(element: ElementRef<'_>) -> bool {
    element
        .children()
        .filter_map(|c| c.value().as_text())
        .any(|t| t.trim().chars().count() >= 25)
}
