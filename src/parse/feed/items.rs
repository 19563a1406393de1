//! feed-rs's entries as [`FeedEntry`] values: identity (GUID, link, title and date, content),
//! the link that is the item's page, text as markup with whether it is HTML, authors, dates.

use std::borrow::Cow;
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
        content: utf8_references_decoded(&text.content).into_owned(),
        is_html: declared_html || (guess && looks_like_html(&text.content)),
    }
}

/// A UTF-8 character written as one numeric reference per byte (`&#226;&#128;&#166;` for
/// "…": a publisher's tool encoded bytes, not characters) is the character: the run of
/// references 128–255 becomes what its bytes spell when they are whole UTF-8 sequences, and is
/// left alone otherwise (`&#233;` is é, as written).
pub(super) fn utf8_references_decoded(text: &str) -> Cow<'_, str> {
    let text = utf8_bytes_as_characters_decoded(text);
    if memchr::memmem::find(text.as_bytes(), b"&#").is_none() {
        return text;
    }
    match references_decoded(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(decoded) => Cow::Owned(decoded),
    }
}

/// The same bytes once the XML parser has made them characters (`&#226;&#128;&#166;` in an
/// element's text is "â", U+0080, "¦" by the time feed-rs gives it): a run of U+0080–U+00FF
/// that spells whole UTF-8 sequences is repaired when it holds a C1 control (U+0080–U+009F),
/// which no text means — so "Ã©" written on purpose stays.
fn utf8_bytes_as_characters_decoded(text: &str) -> Cow<'_, str> {
    // A C1 control is the bytes C2 80–C2 9F in UTF-8.
    let bytes = text.as_bytes();
    let has_c1 = memchr::memchr_iter(0xC2, bytes)
        .any(|at| bytes.get(at + 1).is_some_and(|b| (0x80..=0x9F).contains(b)));
    if !has_c1 {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let (width, lead) = match u8::try_from(u32::from(c)) {
            Ok(lead @ 0xC2..=0xDF) => (2, lead),
            Ok(lead @ 0xE0..=0xEF) => (3, lead),
            Ok(lead @ 0xF0..=0xF4) => (4, lead),
            _ => {
                out.push(c);
                continue;
            }
        };
        let mut bytes = vec![lead];
        while bytes.len() < width
            && let Some(&next) = chars.peek()
            && let Ok(byte @ 0x80..=0xBF) = u8::try_from(u32::from(next))
        {
            bytes.push(byte);
            chars.next();
        }
        let c1 = bytes[1..].iter().any(|b| (0x80..=0x9F).contains(b));
        match std::str::from_utf8(&bytes) {
            Ok(spelled) if bytes.len() == width && c1 => out.push_str(spelled),
            // Each byte was a character of U+0080–U+00FF: given back as it was.
            _ => bytes.iter().for_each(|&b| out.push(char::from(b))),
        }
    }
    Cow::Owned(out)
}

/// [`utf8_references_decoded`]'s references.
fn references_decoded(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while let Some(found) = text[at..].find("&#") {
        let start = at + found;
        let mut bytes = Vec::new();
        let mut end = start;
        while let Some((value, len)) = byte_reference(&text[end..]) {
            bytes.push(value);
            end += len;
        }
        let spelled = (bytes.len() >= 2 && bytes[0] >= 0xC2)
            .then(|| std::str::from_utf8(&bytes).ok())
            .flatten();
        match spelled {
            Some(characters) => {
                out.push_str(&text[copied..start]);
                out.push_str(characters);
                copied = end;
                at = end;
            }
            None => at = start + 2,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// A numeric reference to a value from 128 to 255 at the start of `text`, and its length.
fn byte_reference(text: &str) -> Option<(u8, usize)> {
    let rest = text.strip_prefix("&#")?;
    let (digits, radix, skip) = match rest.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16, 3),
        None => (rest, 10, 2),
    };
    let len = digits.find(';')?;
    if len == 0 || len > 4 {
        return None;
    }
    let value = u32::from_str_radix(&digits[..len], radix).ok()?;
    let byte = u8::try_from(value).ok().filter(|b| *b >= 0x80)?;
    Some((byte, skip + len + 1))
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
        content: utf8_references_decoded(body).into_owned(),
        is_html: media_type.contains("html"),
    })
}

/// Items without an id that share a link in one document, but not their content (a feed
/// that links several short posts to one page): each is an item of its own, told apart by its
/// content's hash, as feedparser keeps them all. Copies with the same content stay one item
/// (the pipeline keeps the last copy).
pub(super) fn disambiguate_shared_links(items: &mut [FeedEntry]) {
    let mut hashes: HashMap<&str, &crate::hash::SourceHash> = HashMap::new();
    let mut differ: std::collections::HashSet<String> = std::collections::HashSet::new();
    for item in items
        .iter()
        .filter(|i| i.identity.basis == IdentityBasis::Link)
    {
        match hashes.insert(&item.identity.key, &item.source_hash) {
            Some(other) if *other != item.source_hash => {
                differ.insert(item.identity.key.clone());
            }
            _ => {}
        }
    }
    if differ.is_empty() {
        return;
    }
    for item in items.iter_mut() {
        if item.identity.basis != IdentityBasis::Link || !differ.contains(&item.identity.key) {
            continue;
        }
        if let Some(legacy) = &mut item.legacy {
            legacy.key = format!("{}\n{}", legacy.key, legacy.source_hash);
        }
        item.identity.key = format!("{}\n{}", item.identity.key, item.source_hash);
    }
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
