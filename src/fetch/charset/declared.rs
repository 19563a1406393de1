//! What a document says its charset is (rule E3 of the chain): the XML declaration's
//! `encoding`, or an HTML `<meta charset>` / `http-equiv` within the first 1024 bytes (the
//! WHATWG prescan), read from the bytes before anything is decoded; and the XML declaration
//! rewritten to say UTF-8 once the text is.

use std::ops::Range;

use super::DocumentKind;
use crate::markup::{find_ignore_case, starts_with_ignore_case};

/// The label the document declares about itself, if any.
pub(super) fn declared_label(bytes: &[u8], kind: DocumentKind) -> Option<String> {
    let raw = match kind {
        DocumentKind::Xml => xml_encoding_value(bytes).and_then(|r| bytes.get(r)),
        DocumentKind::Html => html_meta_charset(bytes),
        DocumentKind::Unknown => xml_encoding_value(bytes)
            .and_then(|r| bytes.get(r))
            .or_else(|| html_meta_charset(bytes)),
        DocumentKind::Json => None,
    }?;
    let label = clean_label(&String::from_utf8_lossy(raw));
    (!label.is_empty()).then_some(label)
}

/// The byte range of the `encoding` pseudo-attribute's value in a leading XML declaration.
/// Works on raw bytes and on decoded text alike, since the declaration is ASCII. Leading
/// whitespace is tolerated because PHP-generated feeds often start with a newline.
pub(super) fn xml_encoding_value(b: &[u8]) -> Option<Range<usize>> {
    let start = b.iter().position(|c| !c.is_ascii_whitespace())?;
    let rest = b.get(start..)?;
    if !rest.starts_with(b"<?xml") || !rest.get(5).is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    // A declaration is short; do not scan a whole feed looking for its end.
    let window = rest.get(..rest.len().min(1024))?;
    let decl = window.get(..memchr::memmem::find(window, b"?>")?)?;
    let mut from = 5;
    while let Some(pos) = memchr::memmem::find(decl.get(from..)?, b"encoding") {
        let name = from + pos;
        from = name + 8;
        if !decl
            .get(name.wrapping_sub(1))
            .is_some_and(u8::is_ascii_whitespace)
        {
            continue;
        }
        let mut i = skip_ws(decl, from);
        if decl.get(i) != Some(&b'=') {
            continue;
        }
        i = skip_ws(decl, i + 1);
        let quote = *decl.get(i).filter(|q| **q == b'"' || **q == b'\'')?;
        let value_start = i + 1;
        let len = decl.get(value_start..)?.iter().position(|c| *c == quote)?;
        return Some(start + value_start..start + value_start + len);
    }
    None
}

/// Rewrites a leading XML declaration's encoding to UTF-8, so that a parser reading the text
/// (quick-xml inside feed-rs) does not decode it a second time into mojibake. Everything else
/// stays byte for byte, the quote style included.
pub(super) fn rewrite_xml_encoding(text: String) -> String {
    match xml_encoding_value(text.as_bytes()) {
        Some(range) if text.get(range.clone()) != Some("UTF-8") => {
            let mut out = String::with_capacity(text.len());
            out.push_str(text.get(..range.start).unwrap_or_default());
            out.push_str("UTF-8");
            out.push_str(text.get(range.end..).unwrap_or_default());
            out
        }
        _ => text,
    }
}

/// The WHATWG encoding prescan, simplified: `<meta charset>` or
/// `<meta http-equiv="Content-Type" content="…charset=…">` within the first 1024 bytes,
/// skipping comments and the attributes of other tags (a quoted `>` does not end a tag).
pub(super) fn html_meta_charset(bytes: &[u8]) -> Option<&[u8]> {
    let b = bytes.get(..bytes.len().min(1024))?;
    let mut i = 0;
    while i < b.len() {
        let rest = b.get(i..)?;
        if rest.starts_with(b"<!--") {
            // `<!-->` is a complete comment, hence the search from the second dash.
            i = i + 2 + memchr::memmem::find(b.get(i + 2..)?, b"-->")? + 3;
        } else if starts_with_ignore_case(rest, b"<meta")
            && rest.get(5).is_some_and(|c| is_html_space(*c) || *c == b'/')
        {
            let mut j = i + 5;
            let (mut charset, mut content, mut content_type) = (None, None, false);
            while let Some(attr) = attribute(b, j)? {
                j = attr.next;
                match attr.name.as_slice() {
                    b"charset" => charset = charset.or(Some(attr.value)),
                    b"content" => content = content.or(Some(attr.value)),
                    b"http-equiv" => {
                        content_type |= attr
                            .value
                            .trim_ascii()
                            .eq_ignore_ascii_case(b"content-type");
                    }
                    _ => {}
                }
            }
            // `attribute` returned `Some(None)` at the `>`; move past it.
            j = b
                .get(j..)?
                .iter()
                .position(|c| *c == b'>')
                .map_or(b.len(), |p| j + p + 1);
            if let Some(charset) = charset {
                return Some(charset.trim_ascii());
            }
            if content_type && let Some(label) = content.and_then(charset_from_content) {
                return Some(label);
            }
            i = j;
        } else if rest.first() == Some(&b'<')
            && (rest.get(1).is_some_and(u8::is_ascii_alphabetic)
                || (rest.get(1) == Some(&b'/') && rest.get(2).is_some_and(u8::is_ascii_alphabetic)))
        {
            let mut j = i + 1;
            while b.get(j).is_some_and(|c| !is_html_space(*c) && *c != b'>') {
                j += 1;
            }
            while let Some(attr) = attribute(b, j)? {
                j = attr.next;
            }
            i = b
                .get(j..)?
                .iter()
                .position(|c| *c == b'>')
                .map_or(b.len(), |p| j + p + 1);
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            i = i + 2 + b.get(i + 2..)?.iter().position(|c| *c == b'>')? + 1;
        } else {
            i += 1;
        }
    }
    None
}

pub(super) struct Attribute<'a> {
    name: Vec<u8>,
    value: &'a [u8],
    next: usize,
}

/// WHATWG "get an attribute", simplified. `None`: the input ended inside the tag;
/// `Some(None)`: the tag ends here; otherwise the attribute and where the next one starts.
/// Every `Some(Some(_))` consumes at least one byte, so callers' loops terminate.
pub(super) fn attribute(b: &[u8], mut j: usize) -> Option<Option<Attribute<'_>>> {
    while b.get(j).is_some_and(|c| is_html_space(*c) || *c == b'/') {
        j += 1;
    }
    if *b.get(j)? == b'>' {
        return Some(None);
    }
    let name_start = j;
    j += 1; // the first byte is always part of the name, even `=`
    while b
        .get(j)
        .is_some_and(|c| !is_html_space(*c) && !matches!(c, b'=' | b'>' | b'/'))
    {
        j += 1;
    }
    let name = b.get(name_start..j)?.to_ascii_lowercase();
    j = skip_html_space(b, j);
    if b.get(j) != Some(&b'=') {
        return Some(Some(Attribute {
            name,
            value: &[],
            next: j,
        }));
    }
    j = skip_html_space(b, j + 1);
    let (value, next) = match *b.get(j)? {
        quote @ (b'"' | b'\'') => {
            let len = b.get(j + 1..)?.iter().position(|c| *c == quote)?;
            (b.get(j + 1..j + 1 + len)?, j + 1 + len + 1)
        }
        _ => {
            let len = b
                .get(j..)?
                .iter()
                .position(|c| is_html_space(*c) || *c == b'>')
                .unwrap_or(b.len() - j);
            (b.get(j..j + len)?, j + len)
        }
    };
    Some(Some(Attribute { name, value, next }))
}

/// WHATWG "extract a character encoding from a meta element": `text/html; charset=…`.
pub(super) fn charset_from_content(content: &[u8]) -> Option<&[u8]> {
    let mut from = 0;
    loop {
        let at = from + find_ignore_case(content.get(from..)?, b"charset")?;
        let mut i = skip_html_space(content, at + 7);
        from = at + 7;
        if content.get(i) != Some(&b'=') {
            continue;
        }
        i = skip_html_space(content, i + 1);
        return match *content.get(i)? {
            quote @ (b'"' | b'\'') => {
                let len = content.get(i + 1..)?.iter().position(|c| *c == quote)?;
                content.get(i + 1..i + 1 + len)
            }
            _ => {
                let rest = content.get(i..)?;
                let len = rest.iter().position(|c| is_html_space(*c) || *c == b';');
                rest.get(..len.unwrap_or(rest.len()))
            }
        };
    }
}

pub(super) fn is_html_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

pub(super) fn skip_html_space(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| is_html_space(*c)) {
        i += 1;
    }
    i
}

pub(super) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

/// `"windows-1255"` → `windows-1255`: servers quote the parameter and pad it.
pub(super) fn clean_label(raw: &str) -> String {
    raw.trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .trim()
        .to_owned()
}
