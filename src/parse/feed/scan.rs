//! A forgiving XML tokenizer for the text-level steps of [`super::prepare`] and
//! [`super::repair`]: pieces of a document (tags, text, comments, CDATA), tag names and
//! attributes, read without a parser so that broken documents can still be mended.

use std::ops::Range;

/// What a piece of an XML document is, as the text-level steps see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Piece {
    Text,
    /// `<name …>`
    Start,
    /// `<name …/>`
    Empty,
    /// `</name>`
    End,
    /// `<![CDATA[…]]>`
    Cdata,
    /// A comment, processing instruction or declaration.
    Other,
}

/// `text` cut into pieces, in order; they concatenate back to `text`. A `<` that starts no
/// markup is text; a piece cut off by the end of `text` runs to its end.
pub(super) fn pieces(text: &str) -> impl Iterator<Item = (Piece, &str)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (kind, len) = markup_at(rest).unwrap_or_else(|| (Piece::Text, text_len(rest)));
        let (piece, after) = rest.split_at(len);
        rest = after;
        Some((kind, piece))
    })
}

pub(super) fn markup_at(rest: &str) -> Option<(Piece, usize)> {
    let after = rest.strip_prefix('<')?;
    let through = |from: usize, close: &str| {
        rest.get(from..)
            .and_then(|tail| tail.find(close))
            .map_or(rest.len(), |e| from + e + close.len())
    };
    if rest.starts_with("<!--") {
        return Some((Piece::Other, through(4, "-->")));
    }
    if rest.starts_with("<![CDATA[") {
        return Some((Piece::Cdata, through(9, "]]>")));
    }
    if rest.starts_with("<?") {
        return Some((Piece::Other, through(2, "?>")));
    }
    if rest.starts_with("<!") {
        return Some((Piece::Other, declaration_end(rest)));
    }
    let (kind, name) = match after.strip_prefix('/') {
        Some(name) => (Piece::End, name),
        None => (Piece::Start, after),
    };
    let starts_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':');
    if !starts_name {
        return None;
    }
    let len = tag_end(rest);
    let empty = kind == Piece::Start && rest[..len].ends_with("/>");
    Some((if empty { Piece::Empty } else { kind }, len))
}

/// The length of the text that `rest` starts with: up to the next `<`, and at least one char.
pub(super) fn text_len(rest: &str) -> usize {
    let first = rest.chars().next().map_or(0, char::len_utf8);
    rest[first..].find('<').map_or(rest.len(), |e| first + e)
}

/// The length of the declaration (`<!DOCTYPE …>`, with an internal subset) `rest` starts with.
pub(super) fn declaration_end(rest: &str) -> usize {
    let mut depth = 0usize;
    let mut quote = None;
    for (i, b) in rest.bytes().enumerate().skip(2) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => depth += 1,
            (None, b']') => depth = depth.saturating_sub(1),
            (None, b'>') if depth == 0 => return i + 1,
            _ => {}
        }
    }
    rest.len()
}

/// The length of the tag that `text` starts with, up to and including its `>` (quoted `>`
/// skipped); all of `text` when it is cut off.
pub(super) fn tag_end(text: &str) -> usize {
    let mut quote = None;
    for (i, b) in text.bytes().enumerate().skip(1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if b == q => quote = None,
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    text.len()
}

/// `<media:title type="plain">` → `media:title`; `</x>` → `x`.
pub(super) fn tag_name(tag: &str) -> &str {
    let name = tag
        .strip_prefix("</")
        .or_else(|| tag.strip_prefix('<'))
        .unwrap_or(tag);
    let end = name
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(name.len());
    &name[..end]
}

/// `media:title` → (`media`, `title`); `title` → (none, `title`).
pub(super) fn split_name(name: &str) -> (Option<&str>, &str) {
    match name.split_once(':') {
        Some((prefix, local)) => (Some(prefix), local),
        None => (None, name),
    }
}

pub(super) fn local_name(name: &str) -> &str {
    split_name(name).1
}

/// `tag` (a start, empty or end tag) with its element's local name replaced.
pub(super) fn with_name(tag: &str, local: &str) -> String {
    let name = tag_name(tag);
    let at = if tag.starts_with("</") { 2 } else { 1 };
    let prefix = split_name(name)
        .0
        .map(|p| format!("{p}:"))
        .unwrap_or_default();
    let after = tag.get(at + name.len()..).unwrap_or_default();
    format!("{}{prefix}{local}{after}", &tag[..at])
}

/// The index of the end tag that closes the element whose start tag is `pieces[start]`.
pub(super) fn matching_end(pieces: &[(Piece, &str)], start: usize) -> Option<usize> {
    let name = tag_name(pieces.get(start)?.1);
    let mut depth = 0usize;
    for (i, (kind, tag)) in pieces.iter().enumerate().skip(start) {
        match kind {
            Piece::Start if tag_name(tag) == name => depth += 1,
            Piece::End if tag_name(tag) == name => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The text of `pieces` when they are all text or CDATA (entities left as written).
pub(super) fn text_content(pieces: &[(Piece, &str)]) -> Option<String> {
    pieces
        .iter()
        .map(|&(kind, raw)| match kind {
            Piece::Text => Some(raw),
            Piece::Cdata => Some(cdata_inner(raw)),
            _ => None,
        })
        .collect()
}

/// What a CDATA section holds; anything else as it is.
pub(super) fn cdata_inner(raw: &str) -> &str {
    raw.strip_prefix("<![CDATA[")
        .map_or(raw, |inner| inner.strip_suffix("]]>").unwrap_or(inner))
}

pub(super) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// One attribute of a start tag: its name, where its value is (quotes excluded) and where the
/// whole attribute is.
#[derive(Debug, Clone)]
pub(super) struct Attribute<'a> {
    pub(super) name: &'a str,
    pub(super) value: Range<usize>,
    pub(super) whole: Range<usize>,
}

/// The quoted attributes of the start tag `tag`.
pub(super) fn attributes(tag: &str) -> Vec<Attribute<'_>> {
    let bytes = tag.as_bytes();
    let skip_space = |mut i: usize| {
        while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    let mut found = Vec::new();
    let mut i = 1 + tag_name(tag).len();
    loop {
        i = skip_space(i);
        let start = i;
        while bytes
            .get(i)
            .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'=' | b'>' | b'/'))
        {
            i += 1;
        }
        if i == start {
            return found;
        }
        let name = &tag[start..i];
        i = skip_space(i);
        if bytes.get(i) != Some(&b'=') {
            continue;
        }
        i = skip_space(i + 1);
        let Some(&quote) = bytes.get(i).filter(|q| matches!(q, b'"' | b'\'')) else {
            return found;
        };
        let value_start = i + 1;
        let Some(length) = tag[value_start..].find(char::from(quote)) else {
            return found;
        };
        let value_end = value_start + length;
        found.push(Attribute {
            name,
            value: value_start..value_end,
            whole: start..value_end + 1,
        });
        i = value_end + 1;
    }
}

/// Where the value of attribute `name` is in the start tag `tag` (quotes excluded).
pub(super) fn attribute_value(tag: &str, name: &str) -> Option<Range<usize>> {
    attributes(tag)
        .into_iter()
        .find(|a| a.name == name)
        .map(|a| a.value)
}

/// `tag` without attribute `name`, and with `name="value"` when `value` is given.
pub(super) fn set_attribute(tag: &str, name: &str, value: Option<&str>) -> String {
    let mut tag = tag.to_owned();
    if let Some(whole) = attributes(&tag)
        .into_iter()
        .find(|a| a.name == name)
        .map(|a| a.whole)
    {
        let start = tag[..whole.start].trim_end().len();
        tag.replace_range(start..whole.end, "");
    }
    if let Some(value) = value {
        let at = 1 + tag_name(&tag).len();
        tag.insert_str(at, &format!(" {name}=\"{value}\""));
    }
    tag
}

/// Base64 (standard or URL-safe alphabet, padded or not, whitespace ignored) that decodes to
/// UTF-8 text.
pub(super) fn decode_base64_text(text: &str) -> Option<String> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let lenient = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let bytes = [base64::alphabet::STANDARD, base64::alphabet::URL_SAFE]
        .iter()
        .find_map(|alphabet| GeneralPurpose::new(alphabet, lenient).decode(&compact).ok())
        .filter(|bytes| !bytes.is_empty())?;
    String::from_utf8(bytes).ok()
}

pub(super) fn is_json(text: &str) -> bool {
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
        .starts_with('{')
}
