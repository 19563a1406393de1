//! What every document gets before feed-rs reads it: where feed-rs would otherwise lose items or
//! text without an error (see the module above for the list). Each step returns `None` when it
//! changes nothing, so that an ordinary feed is not copied.

use std::borrow::Cow;

use super::items::RDF_ABOUT;
use super::scan::is_json;
use super::scan::{
    Piece, attribute_value, attributes, cdata_inner, decode_base64_text, local_name, matching_end,
    pieces, set_attribute, split_name, tag_name, text_content, with_name, xml_escape,
};

const ATOM_03_NS: &str = "http://purl.org/atom/ns#";
const ATOM_10_NS: &str = "http://www.w3.org/2005/Atom";
const RSS_090_NS: [&str; 2] = [
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://channel.netscape.com/rdf/simple/0.9/",
];
const RSS_10_NS: &str = "http://purl.org/rss/1.0/";

pub(super) fn normalize(text: &str) -> Cow<'_, str> {
    let text = without_xml_illegal_chars(text);
    if is_json(&text) {
        return text;
    }
    let steps: [fn(&str) -> Option<String>; 8] = [
        without_late_xml_declarations,
        atom_03_as_atom_10,
        rss_090_as_rss_10,
        keep_rss_1_items_without_link,
        escape_naked_markup,
        rss_2_without_userland_namespace,
        channel_around_bare_rss_items,
        super::extras::fill_from_other_elements,
    ];
    steps.iter().fold(text, |text, step| match step(&text) {
        Some(changed) => Cow::Owned(changed),
        None => text,
    })
}

/// An XML declaration anywhere but at the start (feeds glued together, a fragment pasted into
/// an element, one after a leading comment) is not XML, and it makes quick-xml panic when it
/// switches encodings mid-stream (found by fuzzing): every such declaration is dropped.
pub(super) fn without_late_xml_declarations(text: &str) -> Option<String> {
    // `<?xml` in any case, starting at or after `from`. Found by its `?` (rare in a feed, where
    // `<` opens every tag), which `str::find` skips to word by word: one pass over the document
    // whatever the number of declarations, instead of a five-byte comparison at every byte.
    let find = |from: usize| {
        let mut at = from;
        loop {
            let mark = at + text.get(at..)?.find('?')?;
            if mark > from
                && text
                    .as_bytes()
                    .get(mark - 1..mark + 4)
                    .is_some_and(|w| w.eq_ignore_ascii_case(b"<?xml"))
            {
                return Some(mark - 1);
            }
            at = mark + 1;
        }
    };
    // Only a declaration that opens the document (after a BOM or white space) is one.
    let start = text.len()
        - text
            .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
            .len();
    // …and only a well-formed one: its `?>` before any other `<` or `?` (a truncated
    // declaration running into a second one also made quick-xml panic; found by fuzzing).
    let opens = text.as_bytes()[start..].len() >= 5
        && text.as_bytes()[start..start + 5].eq_ignore_ascii_case(b"<?xml");
    let well_formed = opens
        && text[start + 5..]
            .find(['<', '?'])
            .is_some_and(|at| text[start + 5 + at..].starts_with("?>"));
    let kept_until = if well_formed { start + 5 } else { 0 };
    let mut next = find(kept_until)?;
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    loop {
        out.push_str(&text[copied..next]);
        copied = text[next..].find("?>").map_or(text.len(), |e| next + e + 2);
        match find(copied) {
            Some(at) => next = at,
            None => break,
        }
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// The text of RSS contact elements (`author`, `managingEditor`, `webMaster`, `dc:creator`)
/// with a space wherever an ASCII character meets a non-ASCII one; `None` when nothing changes.
pub(super) fn spaced_contacts(text: &str) -> Option<String> {
    const CONTACTS: [&str; 4] = ["author", "managingEditor", "webMaster", "dc:creator"];
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    let mut changed = false;
    while let Some((tag, open_at)) = CONTACTS
        .iter()
        .filter_map(|t| rest.find(&format!("<{t}>")).map(|at| (*t, at)))
        .min_by_key(|(_, at)| *at)
    {
        let content_start = open_at + tag.len() + 2;
        let close = format!("</{tag}>");
        let Some(content_len) = rest[content_start..].find(&close) else {
            break;
        };
        out.push_str(&rest[..content_start]);
        let content = &rest[content_start..content_start + content_len];
        let mut previous: Option<char> = None;
        for c in content.chars() {
            if let Some(p) = previous
                && p.is_ascii() != c.is_ascii()
                && !p.is_whitespace()
                && !c.is_whitespace()
            {
                out.push(' ');
                changed = true;
            }
            out.push(c);
            previous = Some(c);
        }
        rest = &rest[content_start + content_len..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

pub(super) fn is_xml_illegal(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

pub(super) fn without_xml_illegal_chars(text: &str) -> Cow<'_, str> {
    if has_xml_illegal_chars(text) {
        Cow::Owned(text.chars().filter(|c| !is_xml_illegal(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether [`is_xml_illegal`] holds for any char of `text`. Every document is checked, and
/// decoding a large one char by char cost more than the answer: its bytes are scanned first, 64
/// at a time without an early exit (a loop the compiler vectorizes), for the C0 controls and for
/// 0xEF, the first byte of U+FFFE and U+FFFF (and of the rest of U+F000–U+FFFF, rare in text).
/// Only a document with such a byte is checked char by char.
pub(super) fn has_xml_illegal_chars(text: &str) -> bool {
    let suspect = |b: u8| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) | (b == 0xEF);
    text.as_bytes()
        .chunks(64)
        .any(|chunk| chunk.iter().fold(false, |found, &b| found | suspect(b)))
        && text.contains(is_xml_illegal)
}

/// The start tag of the document's root element.
pub(super) fn root_tag(text: &str) -> Option<&str> {
    pieces(text)
        .find(|(kind, _)| matches!(kind, Piece::Start | Piece::Empty))
        .map(|(_, tag)| tag)
}

/// Atom 0.3 as Atom 1.0 (see the module doc); `None` when `text` is not Atom 0.3.
pub(super) fn atom_03_as_atom_10(text: &str) -> Option<String> {
    let root = root_tag(text)?;
    let (prefix, local) = split_name(tag_name(root));
    if local != "feed" {
        return None;
    }
    let declarations: Vec<(&str, &str)> = attributes(root)
        .into_iter()
        .filter(|a| a.name == "xmlns" || a.name.starts_with("xmlns:"))
        .map(|a| (a.name, &root[a.value]))
        .collect();
    let own_declaration = match prefix {
        Some(prefix) => format!("xmlns:{prefix}"),
        None => "xmlns".to_owned(),
    };
    let namespace = declarations
        .iter()
        .find(|(name, _)| *name == own_declaration)
        .map(|(_, value)| value.trim());
    let version = attribute_value(root, "version").map(|v| root[v].trim());
    let is_03 = match namespace {
        Some(namespace) => namespace == ATOM_03_NS,
        None => version == Some("0.3"),
    };
    if !is_03 {
        return None;
    }
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    let mut out = String::with_capacity(text.len() + 64);
    let mut root_seen = false;
    let mut i = 0;
    while let Some(&(kind, raw)) = pieces.get(i) {
        i += 1;
        if !matches!(kind, Piece::Start | Piece::Empty | Piece::End) {
            out.push_str(raw);
            continue;
        }
        let mut tag = Cow::Borrowed(raw);
        if kind != Piece::End {
            tag = Cow::Owned(tag.replace(ATOM_03_NS, ATOM_10_NS));
            if !root_seen && namespace.is_none() {
                tag = Cow::Owned(set_attribute(&tag, &own_declaration, Some(ATOM_10_NS)));
            }
            root_seen = true;
        }
        let (tag_prefix, local) = split_name(tag_name(raw));
        if tag_prefix != prefix {
            out.push_str(&tag);
            continue;
        }
        let renamed = match local {
            "issued" => "published",
            "modified" => "updated",
            "tagline" => "subtitle",
            "copyright" => "rights",
            other => other,
        };
        if renamed != local {
            tag = Cow::Owned(with_name(&tag, renamed));
        }
        let is_content = renamed == "content";
        if kind != Piece::Start
            || !matches!(
                renamed,
                "title" | "subtitle" | "summary" | "rights" | "content"
            )
        {
            out.push_str(&tag);
            continue;
        }
        let mime = attribute_value(&tag, "type").map_or("text/plain".to_owned(), |v| {
            tag[v].trim().to_ascii_lowercase()
        });
        let mode = attribute_value(&tag, "mode")
            .map_or("xml".to_owned(), |v| tag[v].trim().to_ascii_lowercase());
        let html = mime.contains("html");
        let textual = html
            || mime.starts_with("text")
            || mime.contains("xml")
            || matches!(mime.as_str(), "text" | "html" | "xhtml");
        let atom_10_type = match mode.as_str() {
            "base64" if textual => {
                let decoded = matching_end(&pieces, i - 1).and_then(|end| {
                    let content = text_content(pieces.get(i..end)?)?;
                    Some((end, decode_base64_text(&content)?))
                });
                if let Some((end, decoded)) = decoded {
                    let kind = if html { "html" } else { "text" };
                    let tag = set_attribute(&set_attribute(&tag, "mode", None), "type", Some(kind));
                    out.push_str(&tag);
                    out.push_str(&xml_escape(&decoded));
                    i = end;
                    continue;
                }
                None
            }
            "base64" => None,
            "escaped" if html => Some("html"),
            "escaped" => Some("text"),
            _ if html => Some("xhtml"),
            _ if mime == "text/plain" || mime == "text" => Some("text"),
            _ if is_content => None,
            _ => Some("text"),
        };
        let tag = set_attribute(&tag, "mode", None);
        match atom_10_type {
            Some(kind) => out.push_str(&set_attribute(&tag, "type", Some(kind))),
            None => out.push_str(&tag),
        }
    }
    Some(out)
}

/// RSS 0.90's namespace as RSS 1.0's; `None` when `text` is not RSS 0.90.
pub(super) fn rss_090_as_rss_10(text: &str) -> Option<String> {
    let root = root_tag(text)?;
    if local_name(tag_name(root)) != "RDF" || !RSS_090_NS.iter().any(|ns| root.contains(ns)) {
        return None;
    }
    Some(
        pieces(text)
            .map(|(kind, raw)| match kind {
                Piece::Start | Piece::Empty => Cow::Owned(
                    RSS_090_NS
                        .iter()
                        .fold(raw.to_owned(), |tag, ns| tag.replace(ns, RSS_10_NS)),
                ),
                _ => Cow::Borrowed(raw),
            })
            .collect(),
    )
}

/// RSS 2.0 as UserLand first published it puts its elements in a namespace
/// (`xmlns="http://backend.userland.com/rss2"`, or a prefix for it: `<r:rss xmlns:r=…>`);
/// feed-rs reads RSS elements only without one, as the RSS 2.0 specification has them. The
/// declaration is dropped, and the prefix from every element that has it.
pub(super) fn rss_2_without_userland_namespace(text: &str) -> Option<String> {
    let root = root_tag(text)?;
    let (prefix, local) = split_name(tag_name(root));
    if local != "rss" {
        return None;
    }
    let declaration = match prefix {
        Some(prefix) => format!("xmlns:{prefix}"),
        None => "xmlns".to_owned(),
    };
    let userland = attributes(root).into_iter().any(|a| {
        a.name == declaration
            && root[a.value]
                .trim()
                .starts_with("http://backend.userland.com/rss")
    });
    if !userland {
        return None;
    }
    let Some(prefix) = prefix else {
        let at = text.find(root)?;
        let rewritten = super::repair::remove_attribute(root, "xmlns");
        return Some(format!(
            "{}{rewritten}{}",
            &text[..at],
            &text[at + root.len()..]
        ));
    };
    let mut seen_root = false;
    Some(
        pieces(text)
            .map(|(kind, raw)| {
                if !matches!(kind, Piece::Start | Piece::Empty | Piece::End) {
                    return Cow::Borrowed(raw);
                }
                let name = tag_name(raw);
                let mut tag = match split_name(name) {
                    // The name is the first thing in a tag after `<` or `</`.
                    (Some(p), local) if p == prefix => Cow::Owned(raw.replacen(name, local, 1)),
                    _ => Cow::Borrowed(raw),
                };
                if !seen_root && kind != Piece::End {
                    seen_root = true;
                    tag = Cow::Owned(super::repair::remove_attribute(&tag, &declaration));
                }
                tag
            })
            .collect(),
    )
}

/// An `<rss>` whose items are its own children, with no `<channel>` around them (feedparser
/// reads their items): they get one.
pub(super) fn channel_around_bare_rss_items(text: &str) -> Option<String> {
    let root = root_tag(text)?;
    if tag_name(root) != "rss" || !text.contains("<item") {
        return None;
    }
    let mut has_item = false;
    for (kind, raw) in pieces(text) {
        if !matches!(kind, Piece::Start | Piece::Empty) {
            continue;
        }
        match tag_name(raw) {
            "channel" => return None,
            "item" => has_item = true,
            _ => {}
        }
    }
    if !has_item {
        return None;
    }
    let open = text.find(root)? + root.len();
    let close = text
        .rfind("</rss")
        .filter(|&at| at >= open)
        .unwrap_or(text.len());
    Some(format!(
        "{}<channel>{}</channel>{}",
        &text[..open],
        &text[open..close],
        &text[close..]
    ))
}

/// Every RSS 1.0 `<item>` without a `<link>` gets one feed-rs accepts and [`entry_of`] takes
/// back out: [`RDF_ABOUT`] and the item's `rdf:about`.
pub(super) fn keep_rss_1_items_without_link(text: &str) -> Option<String> {
    let root = root_tag(text)?;
    if local_name(tag_name(root)) != "RDF" {
        return None;
    }
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for (i, &(kind, raw)) in pieces.iter().enumerate() {
        out.push_str(raw);
        let (prefix, local) = split_name(tag_name(raw));
        if kind != Piece::Start || local != "item" {
            continue;
        }
        let Some(end) = matching_end(&pieces, i) else {
            continue;
        };
        let inside = pieces.get(i + 1..end).unwrap_or_default();
        let has_link = inside.windows(2).any(|pair| {
            let [(kind, tag), (content, text)] = pair else {
                return false;
            };
            *kind == Piece::Start
                && split_name(tag_name(tag)) == (prefix, "link")
                && matches!(content, Piece::Text | Piece::Cdata)
                && !cdata_inner(text).trim().is_empty()
        });
        if has_link {
            continue;
        }
        let about = attribute_value(raw, "rdf:about").map_or("", |v| raw[v].trim());
        let link = match prefix {
            Some(prefix) => format!("{prefix}:link"),
            None => "link".to_owned(),
        };
        out.push_str(&format!("<{link}>{RDF_ABOUT}{about}</{link}>"));
        changed = true;
    }
    changed.then_some(out)
}

/// An RSS `title`/`description`/`guid` or an Atom text construct holding child elements: its
/// content becomes text (escaped), so that feed-rs keeps all of it as the markup it is.
pub(super) fn escape_naked_markup(text: &str) -> Option<String> {
    let root = root_tag(text)?;
    let (root_prefix, root_local) = split_name(tag_name(root));
    let atom = match root_local {
        "feed" | "entry" => true,
        "rss" | "RDF" => false,
        _ => return None,
    };
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    // Built from the first change on: most feeds need none, and copying a large document piece
    // by piece only to drop the copy cost more than the check. `text[..copied]` is in `out`;
    // `at` is where the next piece begins (the pieces concatenate back to `text`).
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    let mut i = 0;
    while let Some(&(kind, raw)) = pieces.get(i) {
        i += 1;
        let start = at;
        at += raw.len();
        // Only a start tag can be eligible: the name of every other piece is not looked up.
        let eligible = kind == Piece::Start && {
            let (prefix, local) = split_name(tag_name(raw));
            if atom {
                prefix == root_prefix
                    && matches!(
                        local,
                        "title" | "subtitle" | "summary" | "rights" | "content"
                    )
            } else {
                prefix.is_none() && matches!(local, "title" | "description" | "guid")
            }
        };
        let end = if eligible {
            matching_end(&pieces, i - 1)
        } else {
            None
        };
        let inside = end.and_then(|end| pieces.get(i..end)).unwrap_or_default();
        let has_elements = inside
            .iter()
            .any(|(kind, _)| matches!(kind, Piece::Start | Piece::Empty | Piece::End));
        let tag = match (end, has_elements && closes_only_its_own(inside)) {
            (Some(_), true) if atom => html_type_for_naked_markup(raw),
            (Some(_), true) => Some(Cow::Borrowed(raw)),
            _ => None,
        };
        let (Some(end), Some(tag)) = (end, tag) else {
            continue;
        };
        let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
        out.push_str(&text[copied..start]);
        out.push_str(&tag);
        for &(kind, raw) in inside {
            match kind {
                Piece::Cdata => out.push_str(&xml_escape(&xml_escape(cdata_inner(raw)))),
                _ => out.push_str(&xml_escape(raw)),
            }
            at += raw.len();
        }
        if let Some((_, close)) = pieces.get(end) {
            out.push_str(close);
            at += close.len();
        }
        copied = at;
        i = end + 1;
    }
    let mut out = out?;
    out.push_str(&text[copied..]);
    Some(out)
}

/// Whether every end tag in `pieces` closes an element opened in them (`<p>a<br>b</p>`, not
/// `One</titel>…`): when one does not, the document is broken there, and escaping the content
/// could swallow markup that is not the element's own.
pub(super) fn closes_only_its_own(pieces: &[(Piece, &str)]) -> bool {
    let mut open: Vec<&str> = Vec::new();
    for &(kind, raw) in pieces {
        match kind {
            Piece::Start => open.push(tag_name(raw)),
            Piece::End => {
                let name = tag_name(raw);
                let Some(at) = open.iter().rposition(|n| *n == name) else {
                    return false;
                };
                open.truncate(at);
            }
            _ => {}
        }
    }
    true
}

/// The start tag of an Atom text construct holding child elements, as one whose escaped
/// content feed-rs reads as HTML; `None` when the elements are the construct's own (`xhtml`,
/// an XML MIME type, `src`) or its type is not text.
pub(super) fn html_type_for_naked_markup(tag: &str) -> Option<Cow<'_, str>> {
    if attribute_value(tag, "src").is_some() {
        return None;
    }
    let kind = attribute_value(tag, "type").map(|v| tag[v].trim().to_ascii_lowercase());
    match kind.as_deref() {
        None | Some("text" | "text/plain") => {
            Some(Cow::Owned(set_attribute(tag, "type", Some("html"))))
        }
        Some("html" | "text/html") => Some(Cow::Borrowed(tag)),
        Some(_) => None,
    }
}
