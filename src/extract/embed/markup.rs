//! What every platform's reader needs: the post's blocks and metadata, its paragraphs and the
//! attribution line after them, visible text, http(s) links and dates written in words.

use super::{Embed, Platform};
use crate::extract::{Block, BlockKind};
use crate::text::Dir;
use chrono::NaiveDate;
use ego_tree::iter::Edge;
use scraper::ElementRef;
use scraper::Node;

pub(super) fn has_class(element: ElementRef<'_>, class: &str) -> bool {
    element
        .value()
        .classes()
        .any(|k| k.eq_ignore_ascii_case(class))
}

/// The block of a post whose text is in `paragraphs`: the first one's `lang`/`dir` are the
/// post's declared ones (a hint for the text stage).
pub(super) fn post_block(text: String, paragraphs: &[ElementRef<'_>], embed: Embed) -> Block {
    let first = paragraphs.first().map(|p| p.value());
    block(
        text,
        first.and_then(|p| p.attr("lang")),
        first.and_then(|p| p.attr("dir")),
        embed,
    )
}

pub(super) fn block(text: String, lang: Option<&str>, dir: Option<&str>, embed: Embed) -> Block {
    Block {
        kind: BlockKind::Embed,
        text,
        lang: lang
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned),
        dir: dir.and_then(Dir::from_attribute),
        embed: Some(embed),
        ending_link: None,
    }
}

pub(super) fn embed(platform: Platform) -> Embed {
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
pub(super) fn paragraphs(element: ElementRef<'_>) -> Vec<(usize, ElementRef<'_>)> {
    element
        .children()
        .enumerate()
        .filter_map(|(i, c)| ElementRef::wrap(c).map(|e| (i, e)))
        .filter(|(_, e)| e.value().name() == "p")
        .collect()
}

/// The visible text of the child nodes of `element` from index `from` on, as one line.
pub(super) fn text_from(element: ElementRef<'_>, from: usize) -> String {
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

/// The `a` elements under `element` (itself included) whose child index is at least `from`.
pub(super) fn link_elements_from(element: ElementRef<'_>, from: usize) -> Vec<ElementRef<'_>> {
    element
        .children()
        .skip(from)
        .filter_map(ElementRef::wrap)
        .flat_map(|c| {
            std::iter::once(c)
                .chain(c.descendants().skip(1).filter_map(ElementRef::wrap))
                .filter(|e| e.value().name() == "a")
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The `href`s of [`link_elements_from`].
pub(super) fn links_from(element: ElementRef<'_>, from: usize) -> Vec<String> {
    link_elements_from(element, from)
        .into_iter()
        .filter_map(|e| e.value().attr("href"))
        .map(str::to_owned)
        .collect()
}

pub(super) fn starts_with_dash(text: &str) -> bool {
    text.trim_start().starts_with(['—', '–', '―', '-'])
}

/// Which `p` children are the post and where the attribution starts: a last `p` of its own
/// that starts with a dash (WordPress wraps the attribution line in one), else everything after
/// the last `p`.
pub(super) fn post_and_attribution(element: ElementRef<'_>) -> (Vec<ElementRef<'_>>, usize) {
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
pub(super) fn joined(paragraphs: &[ElementRef<'_>]) -> String {
    paragraphs
        .iter()
        .map(|p| visible_text(*p))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// `— Name (@handle) Date` → (name, handle, date text); the split is at the last `(@`.
pub(super) fn attribution_parts(
    attribution: &str,
) -> (Option<String>, Option<String>, Option<String>) {
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

pub(super) fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

pub(super) fn first_paragraph(element: ElementRef<'_>) -> String {
    element
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "p")
        .map(visible_text)
        .find(|t| !t.is_empty())
        .unwrap_or_default()
}

/// Elements whose content a reader never sees as text.
pub(super) const NOT_TEXT: [&str; 14] = [
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "button",
    "select", "textarea", "video", "audio", "title",
];

/// The text of `element` as a browser shows it: source whitespace collapses to one space,
/// `<br>` is a line break, links give their visible text, no spaces are inserted between inline
/// elements. Walked without recursion.
pub(super) fn visible_text(element: ElementRef<'_>) -> String {
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
pub(super) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.bytes().all(|b| b.is_ascii_digit())
}

/// An absolute http(s) URL (a protocol-relative `//host/…` is read as https); nothing else.
pub(super) fn http_url(href: &str) -> Option<url::Url> {
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
pub(super) fn canonical(mut url: url::Url) -> String {
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// `November 20, 2024` (the English widget's date line), `Monday, February 7, 2022` (Facebook),
/// `Apr 27, 2020` (Instagram).
pub(super) fn english_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim().trim_end_matches('.');
    ["%B %d, %Y", "%A, %B %d, %Y", "%b %d, %Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
}
