//! Repairs for what real feeds get wrong and feed-rs refuses: made only when feed-rs refused the
//! document, and the document is read once more after them.

use std::borrow::Cow;

use super::scan::{
    Piece, attribute_value, decode_base64_text, matching_end, pieces, set_attribute, split_name,
    tag_name, text_content, xml_escape,
};

/// Repairs for what real feeds get wrong and feed-rs refuses.
pub(super) fn repair(text: &str) -> String {
    let text = text.find('<').map_or(text, |start| &text[start..]);
    let text = escape_bare_ampersands(text);
    let text = fix_text_constructs(&text);
    let text = close_mismatched_elements(&text);
    fix_rss_version(&text)
}

/// `Q&A` → `Q&amp;A`, outside CDATA sections; entity and character references are left alone.
pub(super) fn escape_bare_ampersands(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
            let end = cdata.find("]]>").map_or(cdata.len(), |e| e + 3);
            out.push_str("<![CDATA[");
            out.push_str(&cdata[..end]);
            rest = &cdata[end..];
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        if c == '&' && !starts_reference(&rest[1..]) {
            out.push_str("&amp;");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

pub(super) fn starts_reference(after: &str) -> bool {
    let name_end = after.find(';');
    let Some(end) = name_end.filter(|e| *e > 0 && *e <= 32) else {
        return false;
    };
    let name = &after[..end];
    if let Some(number) = name.strip_prefix('#') {
        return match number.strip_prefix(['x', 'X']) {
            Some(hex) => !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()),
            None => !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()),
        };
    }
    name.chars().all(|c| c.is_ascii_alphanumeric())
}

/// feed-rs accepts `<rss version="2.0">` (and 0.91/0.92/"") but not a missing version or
/// `0.94`/`2.01`; they are all RSS 2.0 in practice.
pub(super) fn fix_rss_version(text: &str) -> String {
    let Some(start) = text.find("<rss") else {
        return text.to_owned();
    };
    let Some(end) = text[start..].find('>').map(|e| start + e) else {
        return text.to_owned();
    };
    // `<rss/>`: the attribute goes before the `/`.
    let end = if text[..end].ends_with('/') {
        end - 1
    } else {
        end
    };
    let tag = &text[start..end];
    let accepted = [
        "version=\"2.0\"",
        "version='2.0'",
        "version=\"0.91\"",
        "version=\"0.92\"",
    ];
    if accepted.iter().any(|a| tag.contains(a)) {
        return text.to_owned();
    }
    let without_version: String = remove_attribute(tag, "version");
    format!(
        "{}{} version=\"2.0\"{}",
        &text[..start],
        without_version,
        &text[end..]
    )
}

pub(super) fn remove_attribute(tag: &str, name: &str) -> String {
    let Some(at) = tag.find(&format!(" {name}=")) else {
        return tag.to_owned();
    };
    let value_start = at + name.len() + 2;
    let quote = tag[value_start..].chars().next();
    let value_end = match quote {
        Some(q @ ('"' | '\'')) => tag[value_start + 1..]
            .find(q)
            .map(|e| value_start + 1 + e + 1),
        _ => tag[value_start..].find(' ').map(|e| value_start + e),
    }
    .unwrap_or(tag.len());
    format!("{}{}", &tag[..at], &tag[value_end..])
}

/// An element whose `type` feed-rs checks, refusing the whole document over a value it does not
/// know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Construct {
    /// Atom `title`, `subtitle`, `summary`, `rights`: `text`, `html` or `xhtml` (RFC 4287 §3.1);
    /// feed-rs also takes `text/html`.
    AtomText,
    /// Atom `content`: as a text construct, or a MIME type.
    AtomContent,
    /// Media RSS `media:title`, `media:description`: `plain` or `html`, and never empty.
    Media,
}

/// One odd element must not sink a feed: feed-rs refuses the whole document over
/// `<title type="text/plain">`, `<summary type="HTML">`, Atom 0.3's MIME types,
/// `<media:title type="text">` or an empty `<media:description/>`. Such a `type` becomes the
/// nearest value feed-rs accepts, an Atom text construct whose MIME type is neither text nor
/// XML is base64 and is decoded (RFC 4287 §4.1.3.3), and an empty Media RSS text element is
/// dropped. CDATA sections and comments are left alone.
pub(super) fn fix_text_constructs(text: &str) -> String {
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&(kind, tag)) = pieces.get(i) {
        i += 1;
        let Some(element) = matches!(kind, Piece::Start | Piece::Empty)
            .then(|| construct(tag))
            .flatten()
        else {
            out.push_str(tag);
            continue;
        };
        if element == Construct::Media {
            if kind == Piece::Empty {
                continue;
            }
            if let Some(end) = matching_end(&pieces, i - 1)
                && pieces
                    .get(i..end)
                    .unwrap_or_default()
                    .iter()
                    .all(|(kind, text)| *kind == Piece::Text && text.trim().is_empty())
            {
                i = end + 1;
                continue;
            }
        }
        if element == Construct::AtomText
            && kind == Piece::Start
            && let Some(value) = attribute_value(tag, "type")
            && is_base64_type(&tag[value])
            && let Some(end) = matching_end(&pieces, i - 1)
            && let Some(decoded) = pieces
                .get(i..end)
                .and_then(text_content)
                .and_then(|content| decode_base64_text(&content))
        {
            out.push_str(&set_attribute(tag, "type", Some("text")));
            out.push_str(&xml_escape(&decoded));
            i = end;
            continue;
        }
        out.push_str(&with_known_type(tag, element));
    }
    out
}

pub(super) fn construct(tag: &str) -> Option<Construct> {
    match split_name(tag_name(tag)) {
        (None | Some("atom"), "title" | "subtitle" | "summary" | "rights") => {
            Some(Construct::AtomText)
        }
        (None | Some("atom"), "content") => Some(Construct::AtomContent),
        (Some("media"), "title" | "description") => Some(Construct::Media),
        _ => None,
    }
}

/// `tag` with its `type` attribute replaced by the nearest value feed-rs accepts for `kind`.
pub(super) fn with_known_type(tag: &str, kind: Construct) -> Cow<'_, str> {
    let Some(range) = attribute_value(tag, "type") else {
        return Cow::Borrowed(tag);
    };
    let value = &tag[range.clone()];
    let lower = value.trim().to_ascii_lowercase();
    let atom = || {
        if lower.contains("xhtml") {
            "xhtml"
        } else if lower.contains("html") {
            "html"
        } else {
            "text"
        }
    };
    let known = match kind {
        Construct::AtomText => matches!(value, "text" | "html" | "xhtml" | "text/html"),
        Construct::AtomContent => matches!(value, "text" | "html" | "xhtml") || value.contains('/'),
        Construct::Media => matches!(value, "plain" | "html"),
    };
    if known {
        return Cow::Borrowed(tag);
    }
    let replacement = match kind {
        Construct::Media if lower.contains("html") => "html",
        Construct::Media => "plain",
        Construct::AtomText | Construct::AtomContent => atom(),
    };
    Cow::Owned(format!(
        "{}{replacement}{}",
        &tag[..range.start],
        &tag[range.end..]
    ))
}

/// A MIME type whose Atom content is base64 (RFC 4287 §4.1.3.3): neither `text/*` nor XML.
pub(super) fn is_base64_type(mime: &str) -> bool {
    let mime = mime.trim().to_ascii_lowercase();
    mime.contains('/') && !mime.starts_with("text/") && !mime.contains("xml")
}

/// Each open element is closed by its own end tag. When feed-rs refuses a document because one
/// is not: an end tag naming no open element (`<language>en</langauge>`) closes the innermost
/// open element, and an element still open when an outer one closes (`<p>a<br>b</p>`) is made
/// empty (`<br/>`), its content left to its parent. Stray end tags after the root are dropped.
/// An unclosed root (a truncated document) is left alone.
pub(super) fn close_mismatched_elements(text: &str) -> String {
    let pieces: Vec<(Piece, &str)> = pieces(text).collect();
    let mut replaced: Vec<Option<String>> = vec![None; pieces.len()];
    let mut open: Vec<(usize, &str)> = Vec::new();
    for (i, &(kind, raw)) in pieces.iter().enumerate() {
        match kind {
            Piece::Start => open.push((i, tag_name(raw))),
            Piece::End => {
                let name = tag_name(raw);
                if let Some(at) = open.iter().rposition(|(_, n)| *n == name) {
                    for (unclosed, _) in open.drain(at + 1..) {
                        let tag = pieces.get(unclosed).map_or("", |(_, tag)| *tag);
                        if let Some(start) = tag.strip_suffix('>') {
                            replaced[unclosed] = Some(format!("{start}/>"));
                        }
                    }
                    open.pop();
                } else if let Some((_, innermost)) = open.pop() {
                    replaced[i] = Some(format!("</{innermost}>"));
                } else {
                    replaced[i] = Some(String::new());
                }
            }
            _ => {}
        }
    }
    pieces
        .iter()
        .zip(&replaced)
        .map(|((_, raw), replaced)| replaced.as_deref().unwrap_or(raw))
        .collect()
}
