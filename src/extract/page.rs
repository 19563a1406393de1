//! Article pages: the HTML of one article page in, the article (and only the article) out.
//!
//! In: a decoded HTML document, its URL and the source's [`PageRules`]. Out: a [`Page`] — title,
//! author, publication time, the declared `lang`/`dir`, and the body as blocks in document order
//! (headings, paragraphs, embedded posts in place).
//! Never: keeps navigation, headers, footers, cookie banners, share bars, related/most-read
//! lists, comments, scripts or styles; drops an embedded post that is inside the article.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use ego_tree::NodeId;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::embed;
use super::html::{self, Marks, attr};
use super::{Block, BlockKind};
use crate::config::NaiveTimezone;
use crate::dates::parse_timestamp;
use crate::text::Dir;

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
    let meta = metadata(&doc);
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

/// Words in class and id names that mark boilerplate (matched as whole words of the name,
/// split at `-`, `_` and case changes are not split: `share-bar` → `share`, `bar`).
const BOILERPLATE_WORDS: [&str; 64] = [
    "teaser",
    // Israeli sites call reader comments talkbacks (ynet, walla, maariv).
    "talkback",
    "talkbacks",
    "meta",
    "postmetadata",
    "rating",
    "ratings",
    "likes",
    "kommentar",
    "kommentare",
    "disclosure",
    "loading",
    "author",
    "byline",
    "caption",
    "credit",
    "credits",
    "print",
    "nav",
    "navbar",
    "navigation",
    "menu",
    "breadcrumb",
    "breadcrumbs",
    "footer",
    "sidebar",
    "aside",
    "comment",
    "comments",
    "disqus",
    "respond",
    "related",
    "recommended",
    "recommend",
    "popular",
    "mostread",
    "trending",
    "share",
    "sharing",
    "social",
    "sharebar",
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "newsletter",
    "subscribe",
    "subscription",
    "promo",
    "advert",
    "advertisement",
    "ads",
    "ad",
    "sponsored",
    "outbrain",
    "taboola",
    "tags",
    "tagcloud",
    "pagination",
    "pager",
    "modal",
    "popup",
    "banner",
    "masthead",
];

/// Phrases for names written as one word (`mostRead`, `relatedArticles`).
const BOILERPLATE_PARTS: [&str; 10] = [
    "mostread",
    "relatedarticles",
    "relatedposts",
    "relatedstories",
    "readmore",
    "readalso",
    "sharebar",
    "socialshare",
    "cookiebanner",
    "newslettersignup",
];

const BOILERPLATE_ROLES: [&str; 7] = [
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "dialog",
    "alertdialog",
    "search",
];

/// Words that mark the article itself.
const CONTENT_WORDS: [&str; 12] = [
    "article",
    "content",
    "body",
    "entry",
    "post",
    "story",
    "text",
    "main",
    "blog",
    "prose",
    "articlebody",
    "page",
];

fn name_words(element: &scraper::node::Element) -> Vec<String> {
    let mut words = Vec::new();
    for value in [attr(element, "class"), element.id()].into_iter().flatten() {
        for word in value.split(|c: char| !c.is_ascii_alphanumeric()) {
            if !word.is_empty() {
                words.push(word.to_ascii_lowercase());
            }
        }
    }
    words
}

/// How sure the markup is that an element is boilerplate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Boilerplate {
    /// By what it is: `nav`, `aside`, `footer`, a navigation role, hidden.
    Certain,
    /// By what it is called (class, id), or a `form` (some sites wrap whole pages in one).
    ByName,
    No,
}

fn boilerplate_kind(element: &scraper::node::Element) -> Boilerplate {
    let name = element.name();
    if matches!(
        name,
        "nav" | "aside" | "footer" | "menu" | "dialog" | "figcaption"
    ) {
        return Boilerplate::Certain;
    }
    if attr(element, "hidden").is_some()
        || attr(element, "aria-hidden").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || attr(element, "style").is_some_and(|s| {
            let s: String = s
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase();
            s.contains("display:none") || s.contains("visibility:hidden")
        })
    {
        return Boilerplate::Certain;
    }
    if attr(element, "role")
        .is_some_and(|r| BOILERPLATE_ROLES.contains(&r.trim().to_ascii_lowercase().as_str()))
    {
        return Boilerplate::Certain;
    }
    if name == "form" {
        return Boilerplate::ByName;
    }
    if matches!(name, "html" | "body" | "main" | "article") {
        return Boilerplate::No;
    }
    let words = name_words(element);
    if words
        .iter()
        .any(|w| CONTENT_WORDS.contains(&w.as_str()) && words.len() <= 2)
        && !words
            .iter()
            .any(|w| matches!(w.as_str(), "comment" | "comments" | "related" | "share"))
    {
        return Boilerplate::No;
    }
    let joined: String = words.concat();
    if words
        .iter()
        .any(|w| BOILERPLATE_WORDS.contains(&w.as_str()))
        || BOILERPLATE_PARTS.iter().any(|p| joined.contains(p))
    {
        Boilerplate::ByName
    } else {
        Boilerplate::No
    }
}

/// Whether a subtree holds article text: two or more paragraphs of 80+ characters that are not
/// mostly links.
fn holds_article_text(element: ElementRef<'_>, counts: &LinkCounts) -> bool {
    element
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "p")
        .filter(|p| {
            let (text, link_text, _) = counts.of(*p);
            text >= 80 && link_text * 2 < text
        })
        .nth(1)
        .is_some()
}

/// Nodes that boilerplate removal must keep: embedded posts and their ancestors (a post in a
/// `div.social-media-embed` wrapper is content, whatever the wrapper is called).
fn protected_nodes(root: ElementRef<'_>, marks: &Marks) -> HashSet<NodeId> {
    let mut protected = HashSet::new();
    for node in root.descendants() {
        if marks.embeds.contains_key(&node.id()) {
            let mut current = Some(node);
            while let Some(n) = current {
                if !protected.insert(n.id()) {
                    break;
                }
                current = n.parent();
            }
        }
    }
    protected
}

/// Marks boilerplate subtrees as removed: by tag, role, hidden state and class/id words, and
/// link lists (a block whose text is mostly links is navigation wherever it sits).
fn remove_boilerplate(
    root: ElementRef<'_>,
    protected: &HashSet<NodeId>,
    counts: &LinkCounts,
    removed: &mut HashSet<NodeId>,
) {
    let mut stack = vec![root];
    while let Some(element) = stack.pop() {
        let e = element.value();
        if !protected.contains(&element.id()) && element.id() != root.id() {
            let header_outside_article = e.name() == "header"
                && !element
                    .ancestors()
                    .filter_map(ElementRef::wrap)
                    .any(|a| a.value().name() == "article");
            let boilerplate = match boilerplate_kind(e) {
                Boilerplate::Certain => true,
                // Layout classes name wrappers too (`right-sidebar`, `has-ads`, WordPress's
                // `category-popular`): a named box that holds the article's paragraphs stays.
                Boilerplate::ByName => !holds_article_text(element, counts),
                Boilerplate::No => false,
            };
            if boilerplate
                || (header_outside_article && !holds_article_text(element, counts))
                || is_link_list(element, counts)
            {
                removed.insert(element.id());
                if let Some(label) = label_of(element)
                    && !protected.contains(&label.id())
                {
                    removed.insert(label.id());
                }
                continue;
            }
        }
        stack.extend(element.children().filter_map(ElementRef::wrap));
    }
}

/// The label that introduces a removed box: the element just before it when that is a heading
/// or a short line ending in a colon ("Mehr zum Thema:", "Related stories").
fn label_of(element: ElementRef<'_>) -> Option<ElementRef<'_>> {
    let previous = element.prev_siblings().find_map(ElementRef::wrap)?;
    let text: String = previous.text().collect();
    let text = text.trim();
    let heading = matches!(previous.value().name(), "h2" | "h3" | "h4" | "h5" | "h6");
    let short_label = text.chars().count() < 40 && text.ends_with(':');
    (heading && text.chars().count() < 80 || short_label).then_some(previous)
}

/// A list or box that is mostly links and short: navigation, "read also", tag clouds.
fn is_link_list(element: ElementRef<'_>, counts: &LinkCounts) -> bool {
    if !matches!(
        element.value().name(),
        "ul" | "ol" | "div" | "section" | "table" | "p" | "dl"
    ) {
        return false;
    }
    let (text, link_text, links) = counts.of(element);
    // A paragraph that is one link ("Read also: …") is a link list too, unless its link is one
    // the parser cloned into paragraph after paragraph from a stray unclosed `<a>`.
    let min_links = if element.value().name() == "p" && !opens_with_a_cloned_link(element) {
        1
    } else {
        2
    };
    links >= min_links
        && text > 0
        && link_text * 10 >= text * 7
        && text < 2_000
        && !holds_prose_outside_links(element)
}

/// Whether `paragraph` opens with a link to the same target as the paragraph before or after
/// it does: the HTML parser reopens an unclosed `<a>` at the start of every following block, so
/// its clones sit at the head of consecutive paragraphs (links an author wrote rarely do).
fn opens_with_a_cloned_link(paragraph: ElementRef<'_>) -> bool {
    fn opening_target(p: ElementRef<'_>) -> Option<&str> {
        let first = p.children().find_map(ElementRef::wrap)?;
        (first.value().name() == "a")
            .then(|| attr(first.value(), "href"))
            .flatten()
    }
    let Some(target) = opening_target(paragraph) else {
        return false;
    };
    let previous = paragraph.prev_siblings().find_map(ElementRef::wrap);
    let next = paragraph.next_siblings().find_map(ElementRef::wrap);
    [previous, next]
        .into_iter()
        .flatten()
        .any(|sibling| opening_target(sibling) == Some(target))
}

/// Whether a subtree holds a run of prose outside links (one text node of 100+ characters): a
/// box of links around a short article is not navigation.
fn holds_prose_outside_links(element: ElementRef<'_>) -> bool {
    element.descendants().any(|node| {
        node.value()
            .as_text()
            .is_some_and(|t| t.trim().chars().count() >= 100)
            && !node
                .ancestors()
                .take_while(|a| a.id() != element.id())
                .any(|a| a.value().as_element().is_some_and(|e| e.name() == "a"))
    })
}

/// Longest text one link target is credited with: a stray `<a>` left open is cloned by the
/// HTML parser into every following block (the adoption agency algorithm), wrapping whole
/// paragraphs of prose under one href; navigation and headline links are shorter than this.
const LINK_TEXT_PER_TARGET: usize = 400;

/// Text and link counts of every element of a page, computed once bottom-up (each question
/// about a subtree is then a lookup: asked top-down of nested boxes, a walk per question was
/// quadratic in the nesting depth).
struct LinkCounts {
    by_node: HashMap<NodeId, Counts, BuildHasherDefault<NodeIdHasher>>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    /// Non-whitespace characters of text.
    text: usize,
    /// Of those, the ones inside an `<a>` (the element's own text when it is one).
    link_text: usize,
    /// `<a>` elements.
    links: usize,
    /// Distinct `href` values among them.
    targets: usize,
}

impl LinkCounts {
    fn new<'a>(root: ElementRef<'a>) -> Self {
        #[derive(Default)]
        struct Open<'a> {
            counts: Counts,
            targets: HashSet<&'a str>,
        }
        let mut by_node = HashMap::default();
        let mut open: Vec<Open<'a>> = Vec::new();
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => match node.value() {
                    Node::Element(_) => open.push(Open::default()),
                    Node::Text(t) => {
                        if let Some(top) = open.last_mut() {
                            top.counts.text += visible_len(t);
                        }
                    }
                    _ => {}
                },
                Edge::Close(node) => {
                    let Node::Element(element) = node.value() else {
                        continue;
                    };
                    let Some(mut done) = open.pop() else {
                        continue;
                    };
                    if element.name() == "a" {
                        done.counts.link_text = done.counts.text;
                        done.counts.links += 1;
                        done.targets.insert(attr(element, "href").unwrap_or(""));
                    }
                    done.counts.targets = done.targets.len();
                    by_node.insert(node.id(), done.counts);
                    if let Some(parent) = open.last_mut() {
                        parent.counts.text += done.counts.text;
                        parent.counts.link_text += done.counts.link_text;
                        parent.counts.links += done.counts.links;
                        // Smaller set into the larger: O(n log n) over the page.
                        if parent.targets.len() < done.targets.len() {
                            std::mem::swap(&mut parent.targets, &mut done.targets);
                        }
                        parent.targets.extend(done.targets);
                    }
                }
            }
        }
        LinkCounts { by_node }
    }

    /// (text length, text length inside links, number of links) of a subtree, in
    /// non-whitespace characters; link text is capped at [`LINK_TEXT_PER_TARGET`] per distinct
    /// target.
    fn of(&self, element: ElementRef<'_>) -> (usize, usize, usize) {
        let c = self.by_node.get(&element.id()).copied().unwrap_or_default();
        (
            c.text,
            c.link_text.min(c.targets * LINK_TEXT_PER_TARGET),
            c.links,
        )
    }
}

/// Hashes a [`NodeId`] (an index into the tree) with one multiplication instead of SipHash.
#[derive(Debug, Default)]
struct NodeIdHasher(u64);

impl Hasher for NodeIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
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
    let Some((best, best_score)) = best else {
        return vec![root];
    };
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
    if e.attr("itemprop")
        .is_some_and(|p| p.contains("articleBody"))
    {
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

/// Characters of `text` that are not whitespace.
fn visible_len(text: &str) -> usize {
    if text.is_ascii() {
        // `char::is_whitespace` on ASCII: space and TAB through CR (LF, VT, FF included).
        text.bytes()
            .filter(|b| !matches!(b, b' ' | b'\t'..=b'\r'))
            .count()
    } else {
        text.chars().filter(|c| !c.is_whitespace()).count()
    }
}

fn has_own_text(element: ElementRef<'_>) -> bool {
    element
        .children()
        .filter_map(|c| c.value().as_text())
        .any(|t| t.trim().chars().count() >= 25)
}

/// What the page says about itself.
#[derive(Debug, Default)]
struct Metadata {
    title: Option<String>,
    author: Option<String>,
    published: Option<DateTime<Utc>>,
    lang: Option<String>,
    dir: Option<Dir>,
}

fn metadata(doc: &Html) -> Metadata {
    let meta_content = |names: &[&str]| -> Option<String> {
        doc.select(&META).find_map(|m| {
            let e = m.value();
            let key = e
                .attr("property")
                .or_else(|| e.attr("name"))
                .or_else(|| e.attr("itemprop"))?;
            names
                .iter()
                .any(|n| key.eq_ignore_ascii_case(n))
                .then(|| e.attr("content"))
                .flatten()
                .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|c| !c.is_empty())
        })
    };
    let json_ld = json_ld(doc);
    let title = meta_content(&["og:title", "twitter:title"])
        .or_else(|| {
            doc.select(&TITLE)
                .next()
                .map(|t| strip_site_name(&t.text().collect::<String>()))
                .filter(|t| !t.is_empty())
        })
        .or_else(|| {
            doc.select(&H1)
                .next()
                .map(|h| {
                    h.text()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .filter(|t| !t.is_empty())
        });
    let author = meta_content(&["author", "article:author", "dc.creator", "byl"])
        .filter(|a| !a.starts_with("http"))
        .map(|a| {
            a.trim_start_matches("By ")
                .trim_start_matches("by ")
                .to_owned()
        })
        .or_else(|| json_ld.author.clone())
        .or_else(|| {
            doc.select(&AUTHOR_LINK)
                .next()
                .map(|a| {
                    a.text()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .filter(|a| !a.is_empty() && a.chars().count() < 100)
        });
    let zone = NaiveTimezone::Fixed(0);
    let published = meta_content(&[
        "article:published_time",
        "datePublished",
        "og:published_time",
        "pubdate",
        "publishdate",
        "date",
    ])
    .and_then(|d| parse_timestamp(&d, zone))
    .or_else(|| {
        json_ld
            .published
            .as_deref()
            .and_then(|d| parse_timestamp(d, zone))
    })
    .or_else(|| {
        doc.select(&TIME).find_map(|t| {
            t.value()
                .attr("datetime")
                .and_then(|d| parse_timestamp(d, zone))
        })
    });
    let html = doc.root_element();
    let lang = html
        .value()
        .attr("lang")
        .or_else(|| html.value().attr("xml:lang"))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned);
    let dir = html
        .value()
        .attr("dir")
        .and_then(Dir::from_attribute)
        .or_else(|| {
            doc.select(&BODY)
                .next()
                .and_then(|b| b.value().attr("dir"))
                .and_then(Dir::from_attribute)
        });
    Metadata {
        title,
        author,
        published,
        lang,
        dir,
    }
}

/// `Headline | Site` → `Headline` (also ` - `, ` – `, ` — `, ` :: `), when what is cut is short.
fn strip_site_name(title: &str) -> String {
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    for separator in [" | ", " – ", " — ", " - ", " :: ", " « ", " » "] {
        if let Some(at) = title.rfind(separator) {
            let (head, tail) = (&title[..at], &title[at + separator.len()..]);
            if tail.chars().count() <= 40 && head.chars().count() >= 8 {
                return head.trim().to_owned();
            }
        }
    }
    title
}

#[derive(Debug, Default)]
struct JsonLd {
    author: Option<String>,
    published: Option<String>,
}

/// `datePublished` and the author's name from the page's JSON-LD (any nesting, `@graph`
/// included); scripts that are not valid JSON are skipped.
fn json_ld(doc: &Html) -> JsonLd {
    let mut found = JsonLd::default();
    for script in doc.select(&JSON_LD) {
        let Ok(value) =
            serde_json::from_str::<serde_json::Value>(&script.text().collect::<String>())
        else {
            continue;
        };
        let mut stack = vec![&value];
        while let Some(v) = stack.pop() {
            match v {
                serde_json::Value::Array(items) => stack.extend(items.iter()),
                serde_json::Value::Object(map) => {
                    if found.published.is_none()
                        && let Some(d) = map.get("datePublished").and_then(|d| d.as_str())
                    {
                        found.published = Some(d.to_owned());
                    }
                    if found.author.is_none()
                        && let Some(a) = map.get("author")
                    {
                        let first = match a {
                            serde_json::Value::Array(list) => list.first(),
                            other => Some(other),
                        };
                        found.author = first
                            .and_then(|a| {
                                a.get("name")
                                    .and_then(|n| n.as_str())
                                    .or_else(|| a.as_str())
                            })
                            .map(|n| n.trim().to_owned())
                            .filter(|n| !n.is_empty() && !n.starts_with("http"));
                    }
                    stack.extend(map.values());
                }
                _ => {}
            }
        }
    }
    found
}

static META: LazyLock<Selector> = LazyLock::new(|| selector("meta[content]"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("head title"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));
static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));
static AUTHOR_LINK: LazyLock<Selector> =
    LazyLock::new(|| selector("[rel=author], .byline .author, .author-name"));
static JSON_LD: LazyLock<Selector> =
    LazyLock::new(|| selector("script[type=\"application/ld+json\"]"));

/// A selector written in this file; each is covered by the tests, so the fallback (a selector
/// that matches nothing) is never reached.
fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|_| {
        Selector::parse("nahar-never-matches")
            .unwrap_or_else(|_| unreachable!("a plain type selector parses"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROSE: &str = "The committee met for six hours on Tuesday and agreed, after a long \
        debate, to publish its findings before the end of the month, the chair said.";

    fn texts(html: &str) -> Vec<String> {
        extract(html, None, &PageRules::default())
            .blocks
            .into_iter()
            .map(|b| b.text)
            .collect()
    }

    fn page(body: &str) -> String {
        format!("<html><head><title>T</title></head><body>{body}</body></html>")
    }

    #[test]
    fn prose_in_a_second_container_is_kept_but_not_the_author_box() {
        let html = page(&format!(
            "<div class=lead><p>Lead paragraph: {PROSE}</p></div>\
             <div class=article-body><p>One. {PROSE}</p><p>Two. {PROSE}</p><p>Three. {PROSE}</p></div>\
             <div class=author-box><p>Dana Levi writes about the committee and has done so for \
             many years, from Jerusalem and from Tel Aviv.</p></div>"
        ));
        let out = texts(&html).join("\n");
        assert!(out.contains("Lead paragraph"), "{out}");
        assert!(out.contains("Three."), "{out}");
        assert!(!out.contains("Dana Levi"), "{out}");
    }

    #[test]
    fn a_removed_box_takes_its_heading_and_one_link_paragraphs_are_links() {
        let html = page(&format!(
            "<article><p>One. {PROSE}</p>\
             <p>Read also: <a href=/x>The committee's last report, and what came of it</a></p>\
             <p>Two. {PROSE}</p>\
             <h3>Related stories</h3><ul class=related><li><a href=/a>First story</a></li>\
             <li><a href=/b>Second story</a></li></ul></article>"
        ));
        let out = texts(&html);
        assert!(out.iter().any(|t| t.starts_with("Two.")), "{out:?}");
        assert!(!out.iter().any(|t| t.contains("Read also")), "{out:?}");
        assert!(
            !out.iter().any(|t| t.contains("Related stories")),
            "{out:?}"
        );
        assert!(!out.iter().any(|t| t.contains("First story")), "{out:?}");
    }

    #[test]
    fn an_unclosed_link_cloned_over_the_article_does_not_make_it_navigation() {
        // The parser reopens the `<a>` in every following paragraph: all the text is "in links",
        // under one target.
        let paragraphs: String = (0..6).map(|i| format!("<p>{i}. {PROSE}</p>")).collect();
        let html = page(&format!(
            "<nav><a href=/1>Home</a> <a href=/2>World</a></nav>\
             <div class=story><p><a href=/gallery>Photos</p>{paragraphs}</div>"
        ));
        let out = texts(&html);
        assert!(out.iter().any(|t| t.starts_with("5.")), "{out:?}");
        assert!(!out.iter().any(|t| t == "Home World"), "{out:?}");
    }

    #[test]
    fn talkbacks_captions_and_colon_labels_are_not_the_article() {
        let html = page(&format!(
            "<article><p>One. {PROSE}</p><figure><img src=a.jpg>\
             <figcaption>The committee room on Tuesday, photographed from the public gallery \
             upstairs.</figcaption></figure><p>Two. {PROSE}</p><p>Anzeige:</p></article>\
             <div class=talkbacks><p>Reader 1: I think the committee should have met for \
             longer than six hours, given everything.</p></div>"
        ));
        let out = texts(&html).join("\n");
        assert!(out.contains("Two."), "{out}");
        assert!(!out.contains("committee room"), "{out}");
        assert!(!out.contains("Reader 1"), "{out}");
        assert!(!out.contains("Anzeige"), "{out}");
    }

    #[test]
    fn a_direction_declared_above_the_article_is_every_paragraphs_hint() {
        let html = format!(
            "<html dir=rtl><body><main><article><p>One. {PROSE}</p><p dir=ltr>Two. {PROSE}</p>\
             </article></main></body></html>"
        );
        let page = extract(&html, None, &PageRules::default());
        assert_eq!(page.dir, Some(Dir::Rtl));
        let dirs: Vec<Option<Dir>> = page.blocks.iter().map(|b| b.dir).collect();
        assert_eq!(dirs, vec![Some(Dir::Rtl), Some(Dir::Ltr)]);
    }
}
