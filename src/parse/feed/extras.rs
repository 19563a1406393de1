//! Item elements feed-rs does not read, written as the ones it does, so that no item's text,
//! date or link is lost because its publisher chose another vocabulary (feedparser reads them
//! all): `dc:title`, `media:title`; `xhtml:body`, `body`, `fullitem`, `dc:description`,
//! `itunes:summary`, `media:description` (also inside `media:group`, as YouTube's feeds have
//! them); `dcterms:issued`, `dcterms:created`, `dcterms:modified`; a permalink `<guid>` as the
//! link; an Atom `<link>` that holds its URL as text.
//!
//! In: the document's text. Out: the same text where each RSS item or Atom entry that lacks a
//! title, a body, a date or a link gets the element feed-rs reads (`title`, `description` or
//! `summary`, `pubDate` or `published`, `link`) made from the first of those it has, inserted
//! after its start tag; `None` when no item changed.
//! Never: replaces or reorders an element an item has, touches anything outside items, or
//! reads a namespace by anything but its URI (a conventional prefix only when undeclared).

use std::borrow::Cow;

use super::scan::{
    Piece, attribute_value, attributes, cdata_inner, local_name, matching_end, pieces, split_name,
    tag_name, text_content, xml_escape,
};

const DC: &str = "http://purl.org/dc/elements/1.1/";
const DCTERMS: &str = "http://purl.org/dc/terms/";
const XHTML: &str = "http://www.w3.org/1999/xhtml";
const ITUNES: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
const MEDIA: &str = "http://search.yahoo.com/mrss/";

/// Text that shows a document may need this step: a namespace it reads, or an element it maps.
const MARKERS: [&str; 6] = [
    "purl.org/dc/",
    "1999/xhtml",
    "itunes.com/",
    "search.yahoo.com/mrss",
    "<body",
    "<fullitem",
];

/// Whether any item of `text` may lack what this step gives: a marker, an Atom `<link>` with
/// text, or RSS GUIDs in a document with fewer `<link>` than items (most feeds have neither,
/// and are not cut into pieces for nothing).
fn may_need(text: &str) -> bool {
    MARKERS.iter().any(|m| text.contains(m))
        || text.contains("<link>") && text.contains("<entry")
        || text.contains("<guid") && occurrences(text, "<link") <= occurrences(text, "<item")
}

/// How many times `needle` occurs in `text`: memchr's search, several times as fast as
/// `str::matches` over a whole document (0.8 ms against 6.2 ms for both counts in a 6.7 MB
/// feed, measured), which every feed with GUIDs goes through.
fn occurrences(text: &str, needle: &str) -> usize {
    memchr::memmem::find_iter(text.as_bytes(), needle.as_bytes()).count()
}

/// Which kind of document the items are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Rss,
    Atom,
}

pub(super) fn fill_from_other_elements(text: &str) -> Option<String> {
    if !may_need(text) {
        return None;
    }
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    let root = pieces
        .iter()
        .find(|(kind, _)| matches!(kind, Piece::Start | Piece::Empty))
        .map(|&(_, tag)| tag)?;
    let format = match local_name(tag_name(root)) {
        "feed" => Format::Atom,
        "rss" | "RDF" => Format::Rss,
        _ => return None,
    };
    let item_name = match format {
        Format::Atom => "entry",
        Format::Rss => "item",
    };
    let mut out = String::with_capacity(text.len() + 256);
    let mut changed = false;
    for (i, &(kind, raw)) in pieces.iter().enumerate() {
        out.push_str(raw);
        if kind != Piece::Start || local_name(tag_name(raw)) != item_name {
            continue;
        }
        let Some(end) = matching_end(&pieces, i) else {
            continue;
        };
        let item = Item {
            format,
            prefix: split_name(tag_name(raw)).0,
            scopes: [raw, root],
        };
        if let Some(added) = item.missing(pieces.get(i + 1..end).unwrap_or_default()) {
            out.push_str(&added);
            changed = true;
        }
    }
    changed.then_some(out)
}

/// One item: its format, its own prefix, and the tags whose namespace declarations are in
/// scope for its children (the item's, then the root's).
struct Item<'t> {
    format: Format,
    prefix: Option<&'t str>,
    scopes: [&'t str; 2],
}

/// A child element of an item: its start tag and what is between its tags.
struct Child<'p, 't> {
    tag: &'t str,
    inner: &'p [(Piece, &'t str)],
}

impl<'t> Item<'t> {
    /// The elements to insert for what this item lacks, or `None`.
    fn missing(&self, inside: &[(Piece, &'t str)]) -> Option<String> {
        let children = children(inside);
        let own = |local: &str| {
            children
                .iter()
                .any(|c| self.is_own(c.tag, local) && c.has_content())
        };
        let mut added = String::new();
        let p = self.prefix.map(|p| format!("{p}:")).unwrap_or_default();
        if !own("title")
            && let Some(child) = self.first(&children, &[(DC, "title"), (MEDIA, "title")])
        {
            added.push_str(&self.element(&p, "title", &child));
        }
        let bodies: &[&str] = match self.format {
            Format::Rss => &["description", "encoded", "summary"],
            Format::Atom => &["summary", "content"],
        };
        if !bodies
            .iter()
            .any(|b| own(b) || (*b == "encoded" && self.has_local(&children, b)))
            && let Some(child) = self.first(
                &children,
                &[
                    (XHTML, "body"),
                    ("", "body"),
                    ("", "fullitem"),
                    (DC, "description"),
                    (ITUNES, "summary"),
                    (MEDIA, "description"),
                ],
            )
        {
            let name = match self.format {
                Format::Rss => "description",
                Format::Atom => "summary",
            };
            added.push_str(&self.element(&p, name, &child));
        }
        let dates: &[&str] = match self.format {
            Format::Rss => &["pubDate", "date", "published", "updated"],
            Format::Atom => &["published", "updated", "issued", "modified", "created"],
        };
        if !dates
            .iter()
            .any(|d| own(d) || self.is_dc_date(&children, d))
            && let Some(child) = self.first(
                &children,
                &[
                    (DCTERMS, "issued"),
                    (DCTERMS, "created"),
                    (DCTERMS, "modified"),
                ],
            )
            && let Some(date) = text_content(child.inner)
        {
            let name = match self.format {
                Format::Rss => "pubDate",
                Format::Atom => "published",
            };
            added.push_str(&format!("<{p}{name}>{}</{p}{name}>", date.trim()));
        }
        // An Atom link is its `href`; an RSS link its text.
        let has_link = children.iter().any(|c| {
            self.is_own(c.tag, "link")
                && match self.format {
                    Format::Rss => c.has_content(),
                    Format::Atom => attribute_value(c.tag, "href").is_some(),
                }
        });
        if !has_link && let Some(link) = self.permalink(&children) {
            added.push_str(&match self.format {
                Format::Rss => format!("<{p}link>{link}</{p}link>"),
                Format::Atom => format!("<{p}link rel=\"alternate\" href=\"{link}\"/>"),
            });
        }
        (!added.is_empty()).then_some(added)
    }

    /// Whether `tag` is this item's own element `local` (same prefix: RSS's and Atom's elements
    /// share the item's namespace).
    fn is_own(&self, tag: &str, local: &str) -> bool {
        split_name(tag_name(tag)) == (self.prefix, local)
    }

    fn has_local(&self, children: &[Child<'_, 't>], local: &str) -> bool {
        children
            .iter()
            .any(|c| local_name(tag_name(c.tag)) == local && c.has_content())
    }

    /// `dc:date`, which feed-rs reads as an RSS item's date.
    fn is_dc_date(&self, children: &[Child<'_, 't>], local: &str) -> bool {
        local == "date"
            && children
                .iter()
                .any(|c| self.namespace(c.tag) == Some(DC) && local_name(tag_name(c.tag)) == "date")
    }

    /// The first child with content that is one of `wanted` (namespace URI, local name; an
    /// empty URI is no namespace or XHTML's default), `media:group`'s children included.
    fn first<'p>(
        &self,
        children: &[Child<'p, 't>],
        wanted: &[(&str, &str)],
    ) -> Option<Child<'p, 't>> {
        let grouped: Vec<Child<'p, 't>> = children
            .iter()
            .filter(|c| {
                self.namespace(c.tag) == Some(MEDIA) && local_name(tag_name(c.tag)) == "group"
            })
            .flat_map(|group| self::children(group.inner))
            .collect();
        wanted.iter().find_map(|&(uri, local)| {
            children
                .iter()
                .chain(&grouped)
                .find(|c| {
                    local_name(tag_name(c.tag)) == local
                        && c.has_content()
                        && match self.namespace(c.tag) {
                            Some(ns) => ns == uri || (uri.is_empty() && ns == XHTML),
                            None => uri.is_empty(),
                        }
                })
                .map(|c| Child {
                    tag: c.tag,
                    inner: c.inner,
                })
        })
    }

    /// The namespace URI of element `tag`: declared on it, on the item or on the root; for an
    /// undeclared prefix, the URI its conventional name stands for.
    fn namespace(&self, tag: &'t str) -> Option<&'t str> {
        let (prefix, _) = split_name(tag_name(tag));
        let declaration = match prefix {
            Some(prefix) => Cow::Owned(format!("xmlns:{prefix}")),
            None => Cow::Borrowed("xmlns"),
        };
        let declared = [tag, self.scopes[0], self.scopes[1]]
            .into_iter()
            .find_map(|scope| {
                attributes(scope)
                    .into_iter()
                    .find(|a| a.name == declaration)
                    .map(|a| scope[a.value].trim())
            });
        let uri = declared.or(match prefix? {
            "dc" => Some(DC),
            "dcterms" => Some(DCTERMS),
            "xhtml" => Some(XHTML),
            "itunes" => Some(ITUNES),
            "media" => Some(MEDIA),
            _ => None,
        })?;
        // Publishers write these URIs with and without their last slash, and iTunes's in any case.
        Some(
            [DC, DCTERMS, XHTML, ITUNES, MEDIA]
                .into_iter()
                .find(|known| {
                    known
                        .trim_end_matches('/')
                        .eq_ignore_ascii_case(uri.trim_end_matches('/'))
                })
                .unwrap_or(uri),
        )
    }

    /// `<name>` in the item's prefix holding `child`'s content: its text as it is, or its
    /// markup (prefixes dropped, as HTML knows none) escaped as text, with an Atom type saying
    /// which.
    fn element(&self, p: &str, name: &str, child: &Child<'_, 't>) -> String {
        let (content, html) = match text_content(child.inner) {
            Some(text) => (
                child
                    .inner
                    .iter()
                    .map(|&(kind, raw)| match kind {
                        Piece::Cdata => xml_escape(cdata_inner(raw)),
                        _ => raw.to_owned(),
                    })
                    .collect::<String>(),
                // Text that says it is HTML (`media:description type="html"`, `fullitem`,
                // `dc:description` in RSS, where text is HTML) stays HTML.
                self.format == Format::Rss
                    || attribute_value(child.tag, "type")
                        .is_some_and(|v| child.tag[v].contains("html"))
                    || text.is_empty(),
            ),
            None => (xml_escape(&unprefixed(child.inner)), true),
        };
        match self.format {
            Format::Rss => format!("<{p}{name}>{content}</{p}{name}>"),
            Format::Atom => {
                let kind = if html { "html" } else { "text" };
                format!("<{p}{name} type=\"{kind}\">{content}</{p}{name}>")
            }
        }
    }

    /// An RSS `<guid>` that is a permalink (`isPermaLink` not "false") and an http(s) URL, or an
    /// Atom `<link>` with its URL as text: the item's link, as XML text.
    fn permalink(&self, children: &[Child<'_, 't>]) -> Option<String> {
        let (local, as_link) = match self.format {
            Format::Rss => ("guid", false),
            Format::Atom => ("link", true),
        };
        children.iter().find_map(|c| {
            if !self.is_own(c.tag, local) {
                return None;
            }
            if !as_link
                && attribute_value(c.tag, "isPermaLink")
                    .is_some_and(|v| c.tag[v].trim().eq_ignore_ascii_case("false"))
            {
                return None;
            }
            let text = text_content(c.inner)?;
            let url = text.trim();
            let lower = url.to_ascii_lowercase();
            (lower.starts_with("http://") || lower.starts_with("https://"))
                .then(|| url.replace('"', "&quot;"))
        })
    }
}

impl Child<'_, '_> {
    fn has_content(&self) -> bool {
        self.inner.iter().any(|&(kind, raw)| match kind {
            Piece::Text => !raw.trim().is_empty(),
            Piece::Cdata => !cdata_inner(raw).trim().is_empty(),
            Piece::Start | Piece::Empty => true,
            _ => false,
        })
    }
}

/// The child elements of the pieces between an element's tags, in order.
fn children<'p, 't>(inside: &'p [(Piece, &'t str)]) -> Vec<Child<'p, 't>> {
    let mut children = Vec::new();
    let mut i = 0;
    while let Some(&(kind, tag)) = inside.get(i) {
        match kind {
            Piece::Start => {
                let Some(end) = matching_end(inside, i) else {
                    // Unclosed: nothing after it is a child of ours.
                    break;
                };
                children.push(Child {
                    tag,
                    inner: inside.get(i + 1..end).unwrap_or_default(),
                });
                i = end + 1;
            }
            Piece::Empty => {
                children.push(Child { tag, inner: &[] });
                i += 1;
            }
            _ => i += 1,
        }
    }
    children
}

/// Markup with every element's prefix dropped (`<xhtml:p>` → `<p>`).
fn unprefixed(inner: &[(Piece, &str)]) -> String {
    inner
        .iter()
        .map(|&(kind, raw)| match kind {
            Piece::Start | Piece::Empty | Piece::End => {
                let name = tag_name(raw);
                match split_name(name) {
                    // The name is the first thing in a tag after `<` or `</`.
                    (Some(_), local) => raw.replacen(name, local, 1),
                    (None, _) => raw.to_owned(),
                }
            }
            Piece::Cdata => xml_escape(cdata_inner(raw)),
            _ => raw.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(text: &str) -> String {
        fill_from_other_elements(text).unwrap_or_else(|| text.to_owned())
    }

    #[test]
    fn rss_items_get_what_they_lack_from_other_vocabularies() {
        let out = filled(
            "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
             xmlns:dcterms=\"http://purl.org/dc/terms/\"><channel><title>t</title>\
             <item><guid>1</guid><dc:title>DC &amp; title</dc:title>\
             <dc:description>DC description</dc:description>\
             <dcterms:issued>2003-12-31T10:14:55Z</dcterms:issued></item></channel></rss>",
        );
        assert!(
            out.contains(
                "<item><title>DC &amp; title</title><description>DC description</description>\
                 <pubDate>2003-12-31T10:14:55Z</pubDate><guid>"
            ),
            "{out}"
        );
    }

    #[test]
    fn what_an_item_has_is_never_replaced() {
        let text = "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>\
                    <item><title>Own</title><dc:title>Other</dc:title><description>d</description>\
                    <dc:description>x</dc:description><dc:date>2004-01-01</dc:date>\
                    <link>http://example.com/1</link><guid>http://example.com/2</guid>\
                    </item></channel></rss>";
        assert_eq!(fill_from_other_elements(text), None);
    }

    #[test]
    fn xhtml_bodies_become_html_descriptions() {
        let out = filled(
            "<rss version=\"2.0\"><channel><item>\n<body xmlns=\"http://www.w3.org/1999/xhtml\">\
             <p>Example &amp; content</p></body></item></channel></rss>",
        );
        assert!(
            out.contains("<description>&lt;p&gt;Example &amp;amp; content&lt;/p&gt;</description>"),
            "{out}"
        );
        let out = filled(
            "<rss version=\"2.0\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\"><channel><item>\
             <xhtml:body><xhtml:p>In xhtml</xhtml:p></xhtml:body></item></channel></rss>",
        );
        assert!(
            out.contains("<description>&lt;p&gt;In xhtml&lt;/p&gt;</description>"),
            "{out}"
        );
    }

    #[test]
    fn media_group_and_itunes_text_fill_atom_and_rss_items() {
        let out = filled(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:media=\"http://search.yahoo.com/mrss/\">\
             <entry><id>yt:1</id><media:group><media:title>Group title</media:title>\
             <media:description>Group description</media:description></media:group></entry></feed>",
        );
        assert!(
            out.contains(
                "<entry><title type=\"text\">Group title</title>\
                 <summary type=\"text\">Group description</summary><id>"
            ),
            "{out}"
        );
        let out = filled(
            "<rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/DTDs/Podcast-1.0.dtd\">\
             <channel><item><guid>1</guid><itunes:summary>Show notes</itunes:summary></item>\
             </channel></rss>",
        );
        assert!(
            out.contains("<item><description>Show notes</description>"),
            "{out}"
        );
    }

    #[test]
    fn permalinks_become_links_and_other_guids_do_not() {
        let out = filled(
            "<rss version=\"2.0\"><channel>\
             <item><guid>http://example.com/p/1</guid></item>\
             <item><guid isPermaLink=\"false\">http://example.com/p/2</guid></item>\
             <item><guid>tag:example.com,2024:3</guid></item></channel></rss>",
        );
        assert!(
            out.contains("<item><link>http://example.com/p/1</link><guid>"),
            "{out}"
        );
        assert_eq!(out.matches("<link>").count(), 1, "{out}");
        let out = filled(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>1</id>\
             <link>http://example.com/atom/1</link></entry></feed>",
        );
        assert!(
            out.contains("<entry><link rel=\"alternate\" href=\"http://example.com/atom/1\"/>"),
            "{out}"
        );
    }
}
