//! What is not the article: boilerplate recognised by tag, role, hidden state, class and id
//! words and link density, and removed from the page before the article is looked for (embedded
//! posts and the elements that hold the article's text are protected).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use ego_tree::NodeId;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Node};

use crate::extract::html::{Marks, attr};

/// Words in class and id names that mark boilerplate (matched as whole words of the name,
/// split at `-`, `_` and case changes are not split: `share-bar` → `share`, `bar`).
pub(super) const BOILERPLATE_WORDS: [&str; 64] = [
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
pub(super) const BOILERPLATE_PARTS: [&str; 10] = [
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

pub(super) const BOILERPLATE_ROLES: [&str; 7] = [
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "dialog",
    "alertdialog",
    "search",
];

/// Words that mark the article itself.
pub(super) const CONTENT_WORDS: [&str; 12] = [
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

pub(super) fn name_words(element: &scraper::node::Element) -> Vec<String> {
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
pub(super) enum Boilerplate {
    /// By what it is: `nav`, `aside`, `footer`, a navigation role, hidden.
    Certain,
    /// By what it is called (class, id), or a `form` (some sites wrap whole pages in one).
    ByName,
    No,
}

pub(super) fn boilerplate_kind(element: &scraper::node::Element) -> Boilerplate {
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
pub(super) fn holds_article_text(element: ElementRef<'_>, counts: &LinkCounts) -> bool {
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
pub(super) fn protected_nodes(root: ElementRef<'_>, marks: &Marks) -> HashSet<NodeId> {
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
pub(super) fn remove_boilerplate(
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
pub(super) fn label_of(element: ElementRef<'_>) -> Option<ElementRef<'_>> {
    let previous = element.prev_siblings().find_map(ElementRef::wrap)?;
    let text: String = previous.text().collect();
    let text = text.trim();
    let heading = matches!(previous.value().name(), "h2" | "h3" | "h4" | "h5" | "h6");
    let short_label = text.chars().count() < 40 && text.ends_with(':');
    (heading && text.chars().count() < 80 || short_label).then_some(previous)
}

/// A list or box that is mostly links and short: navigation, "read also", tag clouds.
pub(super) fn is_link_list(element: ElementRef<'_>, counts: &LinkCounts) -> bool {
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
pub(super) fn opens_with_a_cloned_link(paragraph: ElementRef<'_>) -> bool {
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
pub(super) fn holds_prose_outside_links(element: ElementRef<'_>) -> bool {
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
pub(super) const LINK_TEXT_PER_TARGET: usize = 400;

/// Text and link counts of every element of a page, computed once bottom-up (each question
/// about a subtree is then a lookup: asked top-down of nested boxes, a walk per question was
/// quadratic in the nesting depth).
pub(super) struct LinkCounts {
    by_node: HashMap<NodeId, Counts, BuildHasherDefault<NodeIdHasher>>,
}

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Counts {
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
    pub(super) fn new<'a>(root: ElementRef<'a>) -> Self {
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
    pub(super) fn of(&self, element: ElementRef<'_>) -> (usize, usize, usize) {
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
pub(super) struct NodeIdHasher(u64);

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

/// Characters of `text` that are not whitespace.
pub(super) fn visible_len(text: &str) -> usize {
    if text.is_ascii() {
        // `char::is_whitespace` on ASCII: space and TAB through CR (LF, VT, FF included).
        text.bytes()
            .filter(|b| !matches!(b, b' ' | b'\t'..=b'\r'))
            .count()
    } else {
        text.chars().filter(|c| !c.is_whitespace()).count()
    }
}
