//! Visual Hebrew (rules E5, E6): ISO-8859-8 text stored in display order, recognised line by
//! line and put back in logical order, in plain text and between markup alike.

use std::borrow::Cow;
use std::ops::Range;

use unicode_bidi::{BidiClass, Level, ParagraphBidiInfo, bidi_class};

use super::DocumentKind;

/// How a document splits into lines of text for E5/E6. In markup, tags, comments, CDATA
/// delimiters and processing instructions are left alone and end a line: reordering a line
/// with its tags in it would turn `<title>` into `>eltit<`. That matches E5's "each `<br>` or
/// block"; a line broken by inline markup (`<b>`) is converted piece by piece, a known limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineMode {
    Plain,
    /// `escaped`: XML, where a text node may hold escaped HTML (`&lt;p&gt;`) that is markup too.
    Markup {
        escaped: bool,
    },
}

impl LineMode {
    pub(super) fn for_document(kind: DocumentKind, text: &str) -> Self {
        match kind {
            DocumentKind::Xml => Self::Markup { escaped: true },
            DocumentKind::Html => Self::Markup { escaped: false },
            DocumentKind::Unknown if text.trim_start().starts_with('<') => Self::Markup {
                escaped: text.trim_start().starts_with("<?xml"),
            },
            DocumentKind::Unknown | DocumentKind::Json => Self::Plain,
        }
    }
}

/// The byte ranges of `text` that are text rather than markup.
pub(super) fn text_spans(text: &str, mode: LineMode) -> Vec<Range<usize>> {
    let LineMode::Markup { escaped } = mode else {
        return std::iter::once(0..text.len()).collect();
    };
    let b = text.as_bytes();
    let mut spans = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        // Markup starts and ends on ASCII bytes, so every range is on a char boundary.
        match markup_end(b, i, escaped) {
            Some(end) => {
                if start < i {
                    spans.push(start..i);
                }
                i = end;
                start = end;
            }
            None => i += 1,
        }
    }
    if start < b.len() {
        spans.push(start..b.len());
    }
    spans
}

/// Where the markup token starting at `i` ends (exclusive), or `None` if `i` starts text.
/// An unterminated token runs to the end: what cannot be parsed is not reordered, and the scan
/// stays linear.
pub(super) fn markup_end(b: &[u8], i: usize, escaped: bool) -> Option<usize> {
    let rest = b.get(i..)?;
    let to = |pattern: &[u8], skip: usize| {
        Some(
            rest.get(skip..)
                .and_then(|r| memchr::memmem::find(r, pattern))
                .map_or(b.len(), |p| i + skip + p + pattern.len()),
        )
    };
    if rest.starts_with(b"<!--") {
        return to(b"-->", 4);
    }
    if rest.starts_with(b"<![CDATA[") {
        return Some(i + 9);
    }
    if rest.starts_with(b"]]>") {
        return Some(i + 3);
    }
    if rest.starts_with(b"<?") {
        return to(b"?>", 2);
    }
    if rest.first() == Some(&b'<')
        && rest
            .get(1)
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, b'/' | b'!'))
    {
        return Some(tag_end(b, i));
    }
    if escaped
        && rest.starts_with(b"&lt;")
        && rest
            .get(4)
            .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, b'/' | b'!'))
    {
        return to(b"&gt;", 4);
    }
    None
}

/// The end of a tag starting at `i`: the first `>` outside a quoted attribute value.
pub(super) fn tag_end(b: &[u8], i: usize) -> usize {
    let mut quote = None;
    let mut after_equals = false;
    let mut j = i + 1;
    while let Some(&c) = b.get(j) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'>' => return j + 1,
            None if (c == b'"' || c == b'\'') && after_equals => quote = Some(c),
            None => {}
        }
        if !c.is_ascii_whitespace() {
            after_equals = c == b'=';
        }
        j += 1;
    }
    b.len()
}

/// UAX #9 paragraph separators (class B): `\n`, `\r`, U+001C–U+001E, U+0085, U+2029.
pub(super) fn is_paragraph_separator(c: char) -> bool {
    bidi_class(c) == BidiClass::B
}

pub(super) fn for_each_line<'t>(text: &'t str, mode: LineMode, mut f: impl FnMut(&'t str)) {
    for span in text_spans(text, mode) {
        if let Some(piece) = text.get(span) {
            piece.split(is_paragraph_separator).for_each(&mut f);
        }
    }
}

pub(super) fn is_hebrew_letter(c: char) -> bool {
    ('\u{05D0}'..='\u{05EA}').contains(&c)
}

pub(super) fn is_hebrew_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0591}'
            ..='\u{05BD}'
                | '\u{05BF}'
                | '\u{05C1}'
                | '\u{05C2}'
                | '\u{05C4}'
                | '\u{05C5}'
                | '\u{05C7}'
    )
}

pub(super) fn is_final_form(c: char) -> bool {
    matches!(c, 'ך' | 'ם' | 'ן' | 'ף' | 'ץ')
}

pub(super) fn is_sentence_punctuation(c: char) -> bool {
    matches!(c, '.' | ',' | '!' | '?' | ':' | ';')
}

/// E5: visual order puts the final forms ך ם ן ף ץ at the *start* of words. Over words of at
/// least two Hebrew letters, more words starting with a final form than ending with one (and
/// at least three words) means visual; when that is inconclusive, sentence punctuation at the
/// start of lines (before a Hebrew letter) against at the end (after one) decides. The counts
/// are summed over the whole document: a single line rarely has enough words to tell.
pub(super) fn looks_visual(text: &str, mode: LineMode) -> bool {
    let (mut words, mut final_first, mut final_last) = (0usize, 0usize, 0usize);
    let (mut punct_first, mut punct_last) = (0usize, 0usize);
    for_each_line(text, mode, |line| {
        let mut letters = Vec::new();
        let mut word_end = |letters: &mut Vec<char>| {
            if letters.len() >= 2 {
                words += 1;
                final_first += usize::from(letters.first().copied().is_some_and(is_final_form));
                final_last += usize::from(letters.last().copied().is_some_and(is_final_form));
            }
            letters.clear();
        };
        for c in line.chars() {
            if is_hebrew_letter(c) {
                letters.push(c);
            } else if !is_hebrew_mark(c) {
                word_end(&mut letters);
            }
        }
        word_end(&mut letters);

        let skip = |c: &char| c.is_whitespace() || is_sentence_punctuation(*c);
        let trimmed = line.trim();
        if trimmed.chars().next().is_some_and(is_sentence_punctuation)
            && trimmed
                .chars()
                .find(|c| !skip(c))
                .is_some_and(is_hebrew_letter)
        {
            punct_first += 1;
        }
        if trimmed
            .chars()
            .next_back()
            .is_some_and(is_sentence_punctuation)
            && trimmed
                .chars()
                .rev()
                .find(|c| !skip(c))
                .is_some_and(is_hebrew_letter)
        {
            punct_last += 1;
        }
    });
    if words >= 3 && final_first != final_last {
        return final_first > final_last;
    }
    punct_first > punct_last
}

/// E6 over a document: each line of text that has right-to-left letters is turned from visual
/// into logical order; markup, line breaks and each line's outer whitespace stay in place
/// (reordering would move an indentation to the line's other end).
pub(super) fn visual_to_logical(text: &str, mode: LineMode) -> String {
    let entities = matches!(mode, LineMode::Markup { .. });
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for span in text_spans(text, mode) {
        out.push_str(text.get(last..span.start).unwrap_or_default());
        let piece = text.get(span.clone()).unwrap_or_default();
        let mut line_start = 0;
        for (i, c) in piece.char_indices() {
            if is_paragraph_separator(c) {
                push_converted(
                    &mut out,
                    piece.get(line_start..i).unwrap_or_default(),
                    entities,
                );
                out.push(c);
                line_start = i + c.len_utf8();
            }
        }
        push_converted(
            &mut out,
            piece.get(line_start..).unwrap_or_default(),
            entities,
        );
        last = span.end;
    }
    out.push_str(text.get(last..).unwrap_or_default());
    out
}

pub(super) fn push_converted(out: &mut String, line: &str, entities: bool) {
    let core = line.trim();
    let lead = line.len() - line.trim_start().len();
    out.push_str(line.get(..lead).unwrap_or_default());
    if core
        .chars()
        .any(|c| matches!(bidi_class(c), BidiClass::R | BidiClass::AL))
    {
        out.push_str(&visual_line_to_logical(core, entities));
    } else {
        // A line without right-to-left letters reads the same either way; an RTL paragraph
        // level would only move its punctuation.
        out.push_str(core);
    }
    out.push_str(line.get(lead + core.len()..).unwrap_or_default());
}

/// One reorderable unit of a line: a char, or (in markup) a whole character reference, which
/// must move as one piece and stands in the bidi run for the character it names.
pub(super) struct Unit<'t> {
    text: Cow<'t, str>,
    proxy: char,
}

pub(super) fn units(line: &str, entities: bool) -> Vec<Unit<'_>> {
    let mut units = Vec::with_capacity(line.len());
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        let len = match entities.then(|| entity(rest)).flatten() {
            Some((len, proxy)) => {
                units.push(Unit {
                    text: Cow::Borrowed(rest.get(..len).unwrap_or_default()),
                    proxy,
                });
                len
            }
            None => {
                units.push(Unit {
                    text: Cow::Borrowed(rest.get(..c.len_utf8()).unwrap_or_default()),
                    proxy: c,
                });
                c.len_utf8()
            }
        };
        rest = rest.get(len..).unwrap_or_default();
    }
    units
}

/// A character reference at the start of `s`: its length and the character that stands in for
/// it in the bidi algorithm (U+FFFC, a neutral, when the name is not one we know).
pub(super) fn entity(s: &str) -> Option<(usize, char)> {
    let body = s.strip_prefix('&')?;
    // Look only a short way ahead: a stray `&` must not cost a scan of the whole line.
    let len = body
        .bytes()
        .take(33)
        .position(|b| b == b';')
        .filter(|&n| n >= 1)?;
    let name = body.get(..len)?;
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'#') {
        return None;
    }
    let numeric = |digits: &str, radix| {
        u32::from_str_radix(digits, radix)
            .ok()
            .and_then(char::from_u32)
    };
    let proxy = if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        numeric(hex, 16)
    } else if let Some(dec) = name.strip_prefix('#') {
        numeric(dec, 10)
    } else {
        Some(match name {
            "quot" => '"',
            "amp" => '&',
            "apos" => '\'',
            "lt" => '<',
            "gt" => '>',
            "nbsp" => '\u{A0}',
            "lrm" => '\u{200E}',
            "rlm" => '\u{200F}',
            "ndash" => '–',
            "mdash" => '—',
            "hellip" => '…',
            _ => '\u{FFFC}',
        })
    };
    Some((len + 2, proxy.unwrap_or('\u{FFFC}')))
}

/// The E6 bracket pairs.
pub(super) fn mirror(c: char) -> Option<char> {
    Some(match c {
        '(' => ')',
        ')' => '(',
        '[' => ']',
        ']' => '[',
        '{' => '}',
        '}' => '{',
        '<' => '>',
        '>' => '<',
        _ => return None,
    })
}

/// E6 on one line: resolve levels with an RTL paragraph, swap the brackets that sit at odd
/// levels (visual storage holds their mirrored glyphs), resolve again so the brackets pair up,
/// then put the units in display order — which, for text stored visually, is logical order.
/// This is `reorder_line` done on units instead of chars, so character references stay whole.
pub(super) fn visual_line_to_logical(line: &str, entities: bool) -> String {
    let mut units = units(line, entities);
    let rtl = Some(Level::rtl());
    let proxy: String = units.iter().map(|u| u.proxy).collect();
    let first = ParagraphBidiInfo::new(&proxy, rtl);
    let mut swapped = String::with_capacity(proxy.len());
    for ((at, c), unit) in proxy.char_indices().zip(units.iter_mut()) {
        let odd = first.levels.get(at).is_some_and(|level| level.is_rtl());
        match mirror(c).filter(|_| odd) {
            Some(m) => {
                swapped.push(m);
                unit.text = Cow::Owned(match unit.text.as_ref() {
                    "&lt;" => "&gt;".to_owned(),
                    "&gt;" => "&lt;".to_owned(),
                    t if t.chars().count() == 1 => m.to_string(),
                    t => t.to_owned(), // a reference to a bracket we do not spell out
                });
            }
            None => swapped.push(c),
        }
    }
    let second = ParagraphBidiInfo::new(&swapped, rtl);
    let levels = second.reordered_levels_per_char(0..swapped.len());
    let mut out = String::with_capacity(line.len());
    for index in ParagraphBidiInfo::reorder_visual(&levels) {
        if let Some(unit) = units.get(index) {
            out.push_str(&unit.text);
        }
    }
    out
}
