//! feed-rs's entries as [`FeedEntry`] values: identity (GUID, link, title and date, content),
//! the link that is the item's page, text as markup with whether it is HTML, authors, dates.

use std::collections::HashMap;

use feed_rs::model::{Entry, Link, LinkTarget, Text};
use url::Url;

use super::repair::is_base64_type;
use super::scan::decode_base64_text;
use crate::fetch::Document;
use crate::links;
use crate::parse::{FeedEntry, Identity, IdentityBasis, LegacyIdentity, Markup};

/// What the timestamp parser gives feed-rs for a date outside the years 1–9999 (chrono's first
/// instant, 262,144 BC, which no date string nahar reads can give).
pub(super) const OUT_OF_RANGE: chrono::DateTime<chrono::Utc> =
    chrono::DateTime::<chrono::Utc>::MIN_UTC;

/// What feed-rs is told to use when an item has no id of its own, so that we can tell.
pub(super) const NO_ID: &str = "\u{0}nahar:no-id";

/// The link given to an RSS 1.0 item without one, so that feed-rs keeps the item: this prefix,
/// then the item's `rdf:about`. It is taken back out in [`entry_of`]: never an item's link.
pub(super) const RDF_ABOUT: &str = "urn:x-nahar:rdf-about:";

/// An item's text element as markup. Atom says what its text is (`type`); RSS and JSON Feed
/// titles are text/plain to feed-rs though publishers put HTML in them, so there, as feedparser
/// does for every format but Atom, plain text that looks like HTML is read as HTML.
pub(super) fn markup(text: &Text, guess: bool) -> Markup {
    // The MIME type as written (what `to_string` gives), without a copy per item.
    let declared_html = AsRef::<str>::as_ref(&text.content_type).contains("html");
    Markup {
        content: text.content.clone(),
        is_html: declared_html || (guess && looks_like_html(&text.content)),
    }
}

/// feedparser's test for plain text that is really HTML: a closing tag or a character
/// reference, and no tag that is not an HTML element (`History of the <blink> tag` is text).
pub(super) fn looks_like_html(text: &str) -> bool {
    let has_reference = || {
        text.match_indices('&').any(|(at, _)| {
            let rest = &text[at + 1..];
            let name = rest.trim_start_matches('#');
            let word = name.bytes().take_while(u8::is_ascii_alphanumeric).count();
            word > 0 && name.as_bytes().get(word) == Some(&b';')
        })
    };
    let tag_names = || {
        text.match_indices('<').filter_map(|(at, _)| {
            let rest = text[at + 1..].trim_start_matches('/');
            let word = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
            (word > 0).then(|| rest[..word].to_ascii_lowercase())
        })
    };
    let has_close_tag = text.match_indices("</").any(|(at, _)| {
        let rest = &text[at + 2..];
        let word = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
        word > 0 && rest.as_bytes().get(word) == Some(&b'>')
    });
    (has_close_tag || has_reference())
        && tag_names().all(|name| HTML_ELEMENTS.binary_search(&name.as_str()).is_ok())
}

/// The HTML elements feedparser's sanitizer accepts (its `acceptable_elements`), sorted.
pub(super) const HTML_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "big",
    "blockquote",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "command",
    "datagrid",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "event-source",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "keygen",
    "label",
    "legend",
    "li",
    "m",
    "map",
    "menu",
    "meter",
    "multicol",
    "nav",
    "nextid",
    "noscript",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "pre",
    "progress",
    "q",
    "s",
    "samp",
    "section",
    "select",
    "small",
    "sound",
    "source",
    "spacer",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "video",
];

/// A person as a record names them: the name (an RSS `email (Name)` contact gives `Name`), else
/// the address alone.
pub(super) fn person_name(person: &feed_rs::model::Person) -> Option<String> {
    let name = person.name.as_deref().map(str::trim).map(|name| {
        name.strip_prefix('(')
            .and_then(|n| n.strip_suffix(')'))
            .unwrap_or(name)
            .trim()
    });
    name.filter(|n| !n.is_empty())
        .or(person.email.as_deref().map(str::trim))
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

pub(super) fn entry_of(
    entry: Entry,
    document: &Document,
    feed_language: Option<&str>,
    is_atom: bool,
) -> Option<FeedEntry> {
    let about = entry
        .links
        .iter()
        .find_map(|l| l.href.strip_prefix(RDF_ABOUT))
        .map(str::trim)
        .filter(|about| !about.is_empty())
        .map(str::to_owned);
    let pages = || {
        entry
            .links
            .iter()
            .filter(|l| is_page_link(l, &document.url))
    };
    let url = pages()
        .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .chain(pages())
        .find_map(|l| links::canonical(&l.href, Some(&document.url)));
    let title = entry
        .title
        .as_ref()
        .map(|t| markup(t, !is_atom))
        .filter(|m| !m.content.trim().is_empty());
    let summary = entry
        .summary
        .as_ref()
        .map(|t| markup(t, !is_atom))
        .filter(|m| !m.content.trim().is_empty());
    let content = entry
        .content
        .as_ref()
        .and_then(|c| content_markup(c.body.as_deref()?, c.content_type.as_ref()))
        .filter(|m| !m.content.trim().is_empty());
    let authors: Vec<String> = entry.authors.iter().filter_map(person_name).collect();
    let out_of_range = |date: Option<chrono::DateTime<chrono::Utc>>| date == Some(OUT_OF_RANGE);
    let mut warnings = document.warnings.clone();
    if out_of_range(entry.published) || out_of_range(entry.updated) {
        warnings.push(crate::parse::DATE_OUT_OF_RANGE.to_owned());
    }
    let updated = entry.updated.filter(|d| *d != OUT_OF_RANGE);
    let published = entry.published.filter(|d| *d != OUT_OF_RANGE).or(updated);
    let body = content
        .as_ref()
        .or(summary.as_ref())
        .map_or("", |m| m.content.as_str());
    let title_text = title.as_ref().map_or("", |m| m.content.as_str());
    let link_text = url.as_ref().map_or("", Url::as_str);
    let guid = entry.id.trim();
    let own_id = Some(guid)
        .filter(|g| !g.is_empty() && *g != NO_ID)
        .or(about.as_deref());
    let identity = if let Some(id) = own_id {
        Identity {
            basis: IdentityBasis::Guid,
            key: id.to_owned(),
        }
    } else if !link_text.is_empty() {
        Identity {
            basis: IdentityBasis::Link,
            key: link_text.to_owned(),
        }
    } else if !title_text.is_empty() || published.is_some() {
        let date = published.map(|d| d.to_rfc3339()).unwrap_or_default();
        Identity {
            basis: IdentityBasis::TitleDate,
            key: crate::hash::title_date_key(title_text, &date),
        }
    } else if !body.trim().is_empty() {
        Identity {
            basis: IdentityBasis::Content,
            key: crate::hash::content_key(body),
        }
    } else {
        return None;
    };
    Some(FeedEntry {
        legacy: LegacyIdentity::of(&identity, url.as_ref(), title_text, body).map(Box::new),
        identity,
        source_hash: crate::hash::source_hash(title_text, body, link_text),
        url,
        title,
        summary,
        content,
        authors,
        published,
        updated,
        language: entry.language.or_else(|| feed_language.map(str::to_owned)),
        warnings,
    })
}

/// Whether `link` may be the item's page: not its comments (RSS `<comments>`, `wfw:commentRss`,
/// Atom `rel="replies"`), not the stand-in for an RSS 1.0 item's missing link, not the feed
/// document itself (feed-rs resolves a blank `<link> </link>` to it).
pub(super) fn is_page_link(link: &Link, document: &Url) -> bool {
    !link.href.starts_with(RDF_ABOUT)
        && link.href.trim() != document.as_str()
        && !matches!(
            link.target,
            Some(LinkTarget::Comments | LinkTarget::CommentsFeed)
        )
        && link.rel.as_deref() != Some("replies")
}

/// An item's content of MIME type `media_type`. One that is neither text nor XML is base64
/// (RFC 4287 §4.1.3.3): decoded when it is UTF-8 text, dropped otherwise.
pub(super) fn content_markup(body: &str, media_type: &str) -> Option<Markup> {
    let media_type = media_type.to_ascii_lowercase();
    if is_base64_type(&media_type) && !media_type.contains("html") {
        return decode_base64_text(body).map(|content| Markup {
            content,
            is_html: false,
        });
    }
    Some(Markup {
        content: body.to_owned(),
        is_html: media_type.contains("html"),
    })
}

/// A GUID used by several items of one document (ANCHORS.md lesson 2): items that differ by
/// link are told apart by it, the rest by their position among the repeats.
pub(super) fn disambiguate_repeated_guids(items: &mut [FeedEntry]) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for item in items
        .iter()
        .filter(|i| i.identity.basis == IdentityBasis::Guid)
    {
        *counts.entry(item.identity.key.clone()).or_default() += 1;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for item in items.iter_mut() {
        if item.identity.basis != IdentityBasis::Guid
            || counts.get(&item.identity.key).is_none_or(|n| *n < 2)
        {
            continue;
        }
        let n = seen.entry(item.identity.key.clone()).or_default();
        *n += 1;
        let told_apart = |key: &str, url: Option<&str>| match url {
            Some(url) => format!("{key}\n{url}"),
            None => format!("{key}\n#{n}"),
        };
        if let Some(legacy) = &mut item.legacy {
            legacy.key = told_apart(&legacy.key, Some(&legacy.link));
        }
        item.identity.key = told_apart(&item.identity.key, item.url.as_ref().map(Url::as_str));
    }
}
