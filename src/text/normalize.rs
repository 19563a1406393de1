//! Display-text normalization: SPEC's N0 (character references left in text, see
//! [`super::references`]), then TEXT.md §A.3, rules N1–N8, in that order.
//!
//! In: any `&str` (already decoded, possibly full of controls, bidi overrides, invisibles and
//! references the parsers left).
//! Out: [`Normalized`] — the text that nahar stores (NFC, no bidi controls, no stray
//! invisibles, folded whitespace), a direction hint taken from a leading bidi mark, and counts
//! of what was removed so the record can carry honest warnings.
//! Never: NFKC (that belongs to the search key), touching Hebrew punctuation or quotes, or
//! failing — every input has an output, and `normalize(normalize(x).text).text ==
//! normalize(x).text`.
//!
//! N9 (dropping segments that end up empty) is the caller's business: a segment is a record
//! concept, this module only sees one string.

use std::borrow::Cow;

use unicode_normalization::char::decompose_compatible;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
use unicode_properties::emoji::UnicodeEmoji;
use unicode_script::{Script, UnicodeScript};
use unicode_segmentation::UnicodeSegmentation;

use super::chars::{is_letter, is_mark, is_space_separator};
use super::direction::Dir;
use super::direction::strong_direction;
use super::references;

/// What normalization removed or rewrote, for record warnings (TEXT.md N9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostics {
    /// The 12 bidi formatting characters (LRM … PDI) removed by N3b.
    pub bidi_controls_removed: u32,
    /// LRO/RLO spans whose content was stored reversed and was put back in logical order (N3a).
    pub overrides_reversed: u32,
    /// Zero-width and other invisible characters removed by N4.
    pub invisibles_removed: u32,
    /// U+FFFD characters present (kept, N2): evidence of a decoding problem upstream.
    pub replacement_chars: u32,
    /// Character references that mean nothing (`&xxe;`, an entity from a DTD nahar does not
    /// expand), removed by N0.
    pub undefined_references_removed: u32,
}

impl Diagnostics {
    /// Adds another segment's counts to these.
    pub fn add(&mut self, other: &Diagnostics) {
        self.bidi_controls_removed += other.bidi_controls_removed;
        self.overrides_reversed += other.overrides_reversed;
        self.invisibles_removed += other.invisibles_removed;
        self.replacement_chars += other.replacement_chars;
        self.undefined_references_removed += other.undefined_references_removed;
    }
}

/// The stored form of one piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    pub text: String,
    /// Direction of a leading bidi mark or embedding (RLM, RLE, RLI, RLO, ALM / LRM, LRE, LRI,
    /// LRO): the author's own statement of direction, used only to break ties.
    pub dir_hint: Option<Dir>,
    pub diagnostics: Diagnostics,
}

/// Applies N0 (character references, [`super::references`]) and N1–N8 to `input`.
pub fn normalize(input: &str) -> Normalized {
    if memchr::memchr(b'&', input.as_bytes()).is_none() {
        return normalize_decoded(input);
    }
    let mut removed = 0;
    let decoded = references::resolve(input, &mut removed);
    let mut normalized = normalize_decoded(&decoded);
    normalized.diagnostics.undefined_references_removed += removed;
    // N1–N8 can bring an `&` and a name together (`&\u{200B}lt;` loses its ZWSP): then once more,
    // so that the result is a fixed point. The text is shorter each time, so this ends.
    if references::has_reference(&normalized.text) {
        let again = normalize(&normalized.text);
        normalized.diagnostics.add(&again.diagnostics);
        normalized.text = again.text;
    }
    normalized
}

/// N1–N8, on text without references left.
fn normalize_decoded(input: &str) -> Normalized {
    let mut diagnostics = Diagnostics::default();
    let needs = Needs::of(input);
    let text = if needs.controls {
        line_ends_and_controls(input, &mut diagnostics)
    } else {
        Cow::Borrowed(input)
    };
    let dir_hint = if needs.bidi {
        leading_mark_direction(&text)
    } else {
        None
    };
    let text = if needs.bidi {
        Cow::Owned(resolve_bidi_controls(&text, &mut diagnostics).into_owned())
    } else {
        text
    };
    let text = if needs.invisibles {
        Cow::Owned(remove_invisibles(&text, &mut diagnostics).into_owned())
    } else {
        text
    };
    // The scan already knows whether N5 has anything to do, as long as no pass changed the text.
    let untouched = !(needs.controls || needs.bidi || needs.invisibles);
    let text = if untouched && needs.whitespace_folded {
        text.into_owned()
    } else {
        fold_whitespace(&text).into_owned()
    };
    if !needs.nfc_check {
        return Normalized {
            text,
            dir_hint,
            diagnostics,
        };
    }
    let text = nfc(text);
    let (text, folded) = fold_presentation_forms(text);
    let text = if folded || text.chars().any(is_context_invisible) {
        settle(text, &mut diagnostics)
    } else {
        text
    };
    Normalized {
        text,
        dir_hint,
        diagnostics,
    }
}

/// Which passes a text needs, found in one scan so that clean text skips the rest.
#[derive(Debug, Default, PartialEq, Eq)]
struct Needs {
    /// N1/N2: a control, a line separator, a noncharacter or U+FFFD (which is counted).
    controls: bool,
    bidi: bool,
    invisibles: bool,
    /// N6/N7: a character that is not trivially NFC, or a presentation form.
    nfc_check: bool,
    /// N5 would change nothing ([`is_whitespace_folded`]).
    whitespace_folded: bool,
}

impl Needs {
    fn of(text: &str) -> Needs {
        let mut needs = Needs::default();
        // `is_whitespace_folded`, computed in the same scan: `prev` and `prev2` are the last two
        // characters when ASCII, 0x80 for any other.
        let mut folded = !(text.starts_with([' ', '\n']) || text.ends_with([' ', '\n']));
        let mut prev = 0u8;
        let mut prev2 = 0u8;
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            // 16 bytes at a time while they are printable ASCII and Hebrew letters, geresh and
            // gershayim (UTF-8 D7 90–AA, AF–B4): nothing to do but look for a double space.
            if let Some(block) = bytes.get(i..i + 16)
                && block.iter().fold(true, |all, &b| all & is_plain_byte(b))
            {
                // Each byte with the one before it (the block's first with the previous
                // character's last byte, which is a space only when that character is one).
                let from = i.max(1);
                let double_space = bytes[from..i + 16]
                    .iter()
                    .zip(&bytes[from - 1..i + 15])
                    .fold(false, |any, (&b, &before)| {
                        any | ((b == b' ') & (before == b' '))
                    });
                if double_space || (block[0] == b' ' && matches!(prev, b' ' | b'\n')) {
                    folded = false;
                }
                // A block never ends inside a character: a last lead byte starts the next one.
                let take = if block[15] == 0xD7 { 15 } else { 16 };
                prev = if block[take - 1].is_ascii() {
                    block[take - 1]
                } else {
                    0x80
                };
                prev2 = 0x80;
                i += take;
                continue;
            }
            // Character by character for the next 16 bytes at least (a block that failed the
            // test above is not tested again byte by byte).
            let stop = i + 16;
            while i < bytes.len() && i < stop {
                let b = bytes[i];
                if b.is_ascii() {
                    let bad = match b {
                        b' ' => matches!(prev, b' ' | b'\n'),
                        b'\n' => prev == b' ' || (prev == b'\n' && prev2 == b'\n'),
                        _ => false,
                    };
                    folded &= !bad;
                    prev2 = prev;
                    prev = b;
                    needs.controls |= (b < b' ' && b != b'\n') || b == 0x7F;
                    i += 1;
                    continue;
                }
                prev2 = prev;
                prev = 0x80;
                // U+05D0–05EA and U+05EF–05F4, the Hebrew letters, geresh and gershayim: trivially
                // NFC and no space, straight from the bytes.
                if b == 0xD7 && matches!(bytes.get(i + 1), Some(0x90..=0xAA | 0xAF..=0xB4)) {
                    i += 2;
                    continue;
                }
                let Some(c) = text[i..].chars().next() else {
                    i = bytes.len();
                    break;
                };
                i += c.len_utf8();
                folded &= !is_space_separator(c);
                if is_trivially_nfc(c) {
                    continue;
                }
                needs.nfc_check = true;
                if c <= '\u{9F}'
                    || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FFFD}')
                    || is_noncharacter(c)
                {
                    needs.controls = true;
                } else if is_bidi_control(c) {
                    needs.bidi = true;
                } else if is_always_invisible(c) || is_context_invisible(c) {
                    needs.invisibles = true;
                }
            }
        }
        needs.whitespace_folded = folded;
        needs
    }
}

/// Printable ASCII, and the bytes of U+05D0–05EA and U+05EF–05F4 in UTF-8 (lead D7, then 90–AA
/// or AF–B4): a stretch of these holds no control and nothing that is not trivially NFC, and its
/// only whitespace is U+0020 (any other lead byte is not among them).
fn is_plain_byte(b: u8) -> bool {
    // `matches!(b, 0x20..=0x7E | 0xD7 | 0x90..=0xAA | 0xAF..=0xB4)`, without branches so that
    // the block test is vectorized.
    (b.wrapping_sub(0x20) <= 0x5E)
        | (b == 0xD7)
        | (b.wrapping_sub(0x90) <= 0x1A)
        | (b.wrapping_sub(0xAF) <= 0x05)
}

/// Characters that are NFC on their own and never combine (NFC_QC=Yes, ccc=0): a text made only
/// of these is already NFC. Covers ASCII, Latin-1, the Cyrillic letters, the Hebrew letters and
/// punctuation, the basic Arabic letters, digits and punctuation, and general punctuation —
/// nearly all news text.
fn is_trivially_nfc(c: char) -> bool {
    matches!(c,
        '\u{00A0}'..='\u{00AC}' | '\u{00AE}'..='\u{02FF}'
        | '\u{0400}'..='\u{0482}' | '\u{048A}'..='\u{04FF}'
        | '\u{060C}' | '\u{061B}' | '\u{061F}' | '\u{0620}'..='\u{064A}' | '\u{0660}'..='\u{0669}'
        | '\u{05BE}' | '\u{05C0}' | '\u{05C3}' | '\u{05C6}' | '\u{05D0}'..='\u{05EA}' | '\u{05EF}'..='\u{05F4}'
        | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205E}' | '\u{20A0}'..='\u{20C0}')
}

/// NFC reordering and N7 folding can change what surrounds a kept ZWJ/ZWNJ/CGJ, and a few Arabic
/// forms fold to a space plus a mark. N4's context rules, N5 and NFC are applied again until
/// nothing changes, which is what makes normalization idempotent. Every round that changes the
/// text after the first removes a character, so this ends.
fn settle(mut text: String, diagnostics: &mut Diagnostics) -> String {
    loop {
        let next = nfc(fold_whitespace(&remove_invisibles(&text, diagnostics)).into_owned());
        if next == text {
            return next;
        }
        text = next;
    }
}

/// N1 (line ends) and N2 (controls, noncharacters, TAB, counting U+FFFD).
fn line_ends_and_controls<'a>(input: &'a str, diagnostics: &mut Diagnostics) -> Cow<'a, str> {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\u{000B}' | '\u{000C}' | '\u{0085}' | '\u{2028}' => out.push('\n'),
            '\u{2029}' => out.push_str("\n\n"),
            '\t' => out.push(' '),
            '\u{FFFD}' => {
                diagnostics.replacement_chars += 1;
                out.push(c);
            }
            c if c.is_control() || is_noncharacter(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_noncharacter(c: char) -> bool {
    let u = c as u32;
    (0xFDD0..=0xFDEF).contains(&u) || (u & 0xFFFE) == 0xFFFE
}

/// The 12 bidi formatting characters of UAX #9 that N3b removes.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

fn control_direction(c: char) -> Option<Dir> {
    match c {
        '\u{200F}' | '\u{202B}' | '\u{2067}' | '\u{202E}' | '\u{061C}' => Some(Dir::Rtl),
        '\u{200E}' | '\u{202A}' | '\u{2066}' | '\u{202D}' => Some(Dir::Ltr),
        _ => None,
    }
}

/// N3b's hint: the direction of a bidi mark that opens the text (after leading whitespace).
fn leading_mark_direction(text: &str) -> Option<Dir> {
    text.chars()
        .find(|c| !c.is_whitespace())
        .and_then(control_direction)
}

const LRO: char = '\u{202D}';
const RLO: char = '\u{202E}';
const PDF: char = '\u{202C}';

/// N3a then N3b: put LRO/RLO spans that were stored reversed back into logical order, then drop
/// every bidi control.
fn resolve_bidi_controls<'a>(text: &'a str, diagnostics: &mut Diagnostics) -> Cow<'a, str> {
    if !text.chars().any(is_bidi_control) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == LRO || c == RLO {
            diagnostics.bidi_controls_removed += 1;
            let (content_end, next) = override_span_end(&chars, i + 1);
            let content: String = chars[i + 1..content_end]
                .iter()
                .copied()
                .filter(|&ch| {
                    let control = is_bidi_control(ch);
                    if control {
                        diagnostics.bidi_controls_removed += 1;
                    }
                    !control
                })
                .collect();
            let forced = if c == RLO { Dir::Rtl } else { Dir::Ltr };
            if runs_against(&content, forced) {
                diagnostics.overrides_reversed += 1;
                push_reversed(&mut out, &content);
            } else {
                out.push_str(&content);
            }
            if next > content_end {
                diagnostics.bidi_controls_removed += 1; // the closing PDF
            }
            i = next;
        } else {
            if is_bidi_control(c) {
                diagnostics.bidi_controls_removed += 1;
            } else {
                out.push(c);
            }
            i += 1;
        }
    }
    Cow::Owned(out)
}

/// Finds where an override opened just before `start` ends: at its matching PDF (embeddings and
/// overrides nested inside it are counted), at the end of the line, or at the end of the text.
/// Returns (end of content, index to continue from).
fn override_span_end(chars: &[char], start: usize) -> (usize, usize) {
    let mut depth = 0usize;
    for (offset, &c) in chars[start..].iter().enumerate() {
        let at = start + offset;
        match c {
            '\u{202A}' | '\u{202B}' | LRO | RLO => depth += 1,
            PDF if depth == 0 => return (at, at + 1),
            PDF => depth -= 1,
            '\n' => return (at, at),
            _ => {}
        }
    }
    (chars.len(), chars.len())
}

/// True when `content` has strong characters and all of them run against the forced direction:
/// the reader saw them reversed, so the stored order is the reverse of the logical one.
fn runs_against(content: &str, forced: Dir) -> bool {
    let mut strong = 0usize;
    for c in content.chars() {
        let Some(dir) = strong_direction(c) else {
            continue;
        };
        if dir == forced {
            return false;
        }
        strong += 1;
    }
    strong > 0
}

fn push_reversed(out: &mut String, content: &str) {
    for grapheme in content.graphemes(true).rev() {
        let mut chars = grapheme.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => out.push(mirror(c)),
            _ => out.push_str(grapheme),
        }
    }
}

/// Bidi_Mirroring_Glyph for the paired brackets that appear in reversed text.
fn mirror(c: char) -> char {
    const PAIRS: [(char, char); 16] = [
        ('(', ')'),
        ('[', ']'),
        ('{', '}'),
        ('<', '>'),
        ('«', '»'),
        ('‹', '›'),
        ('⁅', '⁆'),
        ('⁽', '⁾'),
        ('₍', '₎'),
        ('≤', '≥'),
        ('〈', '〉'),
        ('《', '》'),
        ('「', '」'),
        ('『', '』'),
        ('【', '】'),
        ('〔', '〕'),
    ];
    for (open, close) in PAIRS {
        if c == open {
            return close;
        }
        if c == close {
            return open;
        }
    }
    c
}

/// N4's unconditional removals: ZWSP, WJ, BOM, SHY and the other invisible formatting
/// characters that never carry meaning in news text.
fn is_always_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '\u{180E}'
            | '\u{2061}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{3164}'
            | '\u{FFA0}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{E0001}'
    )
}

const ZWNJ: char = '\u{200C}';
const ZWJ: char = '\u{200D}';
const CGJ: char = '\u{034F}';
const BLACK_FLAG: char = '\u{1F3F4}';
const CANCEL_TAG: char = '\u{E007F}';

/// Invisibles that N4 keeps or removes depending on their neighbours.
fn is_context_invisible(c: char) -> bool {
    matches!(c, ZWNJ | ZWJ | CGJ) || is_tag(c)
}

fn is_tag(c: char) -> bool {
    ('\u{E0020}'..='\u{E007F}').contains(&c)
}

/// N4: removes invisibles, keeping ZWJ/ZWNJ/CGJ/tag characters only where emoji or a script's
/// spelling needs them. Context is judged on the text with the unconditional removals done.
fn remove_invisibles<'a>(text: &'a str, diagnostics: &mut Diagnostics) -> Cow<'a, str> {
    let needs_work = text
        .chars()
        .any(|c| is_always_invisible(c) || is_context_invisible(c));
    if !needs_work {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text
        .chars()
        .filter(|&c| {
            let drop = is_always_invisible(c);
            if drop {
                diagnostics.invisibles_removed += 1;
            }
            !drop
        })
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    let mut prev_base: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let keep = match c {
            ZWNJ => joins_script_letters(prev, prev_base, next),
            ZWJ => joins_emoji(prev, next) || joins_script_letters(prev, prev_base, next),
            CGJ => prev.is_some_and(is_hebrew_mark) && next.is_some_and(is_hebrew_mark),
            BLACK_FLAG => {
                let tags_end = chars[i + 1..]
                    .iter()
                    .position(|&t| !is_tag(t) || t == CANCEL_TAG)
                    .map_or(chars.len(), |p| i + 1 + p);
                if tags_end > i + 1 && chars.get(tags_end) == Some(&CANCEL_TAG) {
                    out.extend(&chars[i..=tags_end]);
                    prev = Some(CANCEL_TAG);
                    prev_base = Some(CANCEL_TAG);
                    i = tags_end + 1;
                    continue;
                }
                true
            }
            c if is_tag(c) => false,
            _ => true,
        };
        if keep {
            out.push(c);
            prev = Some(c);
            if !is_mark(c) {
                prev_base = Some(c);
            }
        } else {
            diagnostics.invisibles_removed += 1;
        }
        i += 1;
    }
    Cow::Owned(out)
}

fn is_hebrew_mark(c: char) -> bool {
    ('\u{0591}'..='\u{05C7}').contains(&c) && is_mark(c)
}

/// Scripts whose letters join or form conjuncts, where ZWJ/ZWNJ change the spelling
/// (Persian `می‌خواهم`, Indic half forms).
fn is_joining_script(script: Script) -> bool {
    matches!(
        script,
        Script::Arabic
            | Script::Syriac
            | Script::Nko
            | Script::Mongolian
            | Script::Devanagari
            | Script::Bengali
            | Script::Gurmukhi
            | Script::Gujarati
            | Script::Oriya
            | Script::Tamil
            | Script::Telugu
            | Script::Kannada
            | Script::Malayalam
            | Script::Sinhala
            | Script::Khmer
            | Script::Myanmar
    )
}

fn in_joining_script(c: char) -> bool {
    let script = c.script();
    if is_joining_script(script) {
        return true;
    }
    matches!(script, Script::Common | Script::Inherited)
        && c.script_extension().iter().any(is_joining_script)
}

fn joins_script_letters(prev: Option<char>, prev_base: Option<char>, next: Option<char>) -> bool {
    let before = match (prev, prev_base) {
        (Some(p), Some(base)) => {
            (is_letter(p) || is_mark(p)) && is_letter(base) && in_joining_script(base)
        }
        _ => false,
    };
    before && next.is_some_and(|n| (is_letter(n) || is_mark(n)) && in_joining_script(n))
}

fn is_pictographic(c: char) -> bool {
    !c.is_ascii() && c.is_emoji_char()
}

fn joins_emoji(prev: Option<char>, next: Option<char>) -> bool {
    let before = prev.is_some_and(|p| {
        is_pictographic(p) || p == '\u{FE0F}' || ('\u{1F3FB}'..='\u{1F3FF}').contains(&p)
    });
    before && next.is_some_and(is_pictographic)
}

/// N5: every space separator becomes U+0020, runs of spaces collapse, lines are trimmed, at most
/// one empty line in a row, no blank lines at either end.
fn fold_whitespace(text: &str) -> Cow<'_, str> {
    // Often only the ends need it (a paragraph with a space or a line end after it): when the
    // rest is folded, the fold drops the spaces and line ends around it and changes nothing else.
    let inner = text.trim_matches([' ', '\n']);
    if is_whitespace_folded(inner) {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(text.len());
    let mut pending_blank = false;
    for line in text.split('\n') {
        let mut words = line.split(is_space_separator).filter(|w| !w.is_empty());
        let Some(first) = words.next() else {
            // An empty line: keep at most one, and only between two non-empty lines.
            pending_blank = !out.is_empty();
            continue;
        };
        if !out.is_empty() {
            out.push_str(if pending_blank { "\n\n" } else { "\n" });
        }
        pending_blank = false;
        out.push_str(first);
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
    Cow::Owned(out)
}

/// True when N5 would change nothing: one ASCII space between words, no space at either end of a
/// line, at most one empty line in a row, none at the ends.
fn is_whitespace_folded(text: &str) -> bool {
    if text.starts_with([' ', '\n']) || text.ends_with([' ', '\n']) {
        return false;
    }
    // `  `, ` \n`, `\n `, `\n\n\n`, and the UTF-8 of the other space separators (U+00A0, U+1680,
    // U+2000–200A, U+202F, U+205F, U+3000), which no other character contains: tested at every
    // byte with the two after it (0 past the end), without branches so that it is vectorized.
    let bytes = text.as_bytes();
    let n = bytes.len();
    let body = bytes
        .iter()
        .zip(bytes.get(1..).unwrap_or_default())
        .zip(bytes.get(2..).unwrap_or_default())
        .fold(false, |any, ((&b0, &b1), &b2)| any | folds_at(b0, b1, b2));
    let tail = match n {
        0 => false,
        1 => folds_at(bytes[0], 0, 0),
        _ => folds_at(bytes[n - 2], bytes[n - 1], 0) | folds_at(bytes[n - 1], 0, 0),
    };
    !(body | tail)
}

/// True when N5 has something to do at a byte `b0` followed by `b1` and `b2`.
fn folds_at(b0: u8, b1: u8, b2: u8) -> bool {
    let space_after = (b1 == b' ') | (b1 == b'\n');
    ((b0 == b' ') & space_after)
        | ((b0 == b'\n') & ((b1 == b' ') | ((b1 == b'\n') & (b2 == b'\n'))))
        | ((b0 == 0xC2) & (b1 == 0xA0))
        | ((b0 == 0xE1) & (b1 == 0x9A) & (b2 == 0x80))
        | ((b0 == 0xE2) & (b1 == 0x80) & ((b2.wrapping_sub(0x80) <= 0x0A) | (b2 == 0xAF)))
        | ((b0 == 0xE2) & (b1 == 0x81) & (b2 == 0x9F))
        | ((b0 == 0xE3) & (b1 == 0x80) & (b2 == 0x80))
}

/// N6 alone: Unicode NFC (public for the conformance tests; stored text goes through
/// [`normalize`]).
pub fn nfc(text: String) -> String {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text
    } else {
        text.nfc().collect()
    }
}

/// N7's ranges: Latin/Armenian/Hebrew presentation forms, Arabic presentation forms A and B
/// (not the noncharacters inside them).
fn is_presentation_form(c: char) -> bool {
    matches!(c, '\u{FB00}'..='\u{FB4F}' | '\u{FB50}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFE}')
}

/// N7: folds presentation forms to their compatibility decomposition, then NFC again. Says
/// whether anything was folded.
fn fold_presentation_forms(text: String) -> (String, bool) {
    if !text.chars().any(is_presentation_form) {
        return (text, false);
    }
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        if is_presentation_form(c) {
            decompose_compatible(c, |d| folded.push(d));
        } else {
            folded.push(c);
        }
    }
    (nfc(folded), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// N5's test as first written, character by character.
    fn is_whitespace_folded_reference(text: &str) -> bool {
        if text.starts_with([' ', '\n']) || text.ends_with([' ', '\n']) {
            return false;
        }
        let mut prev = '\0';
        let mut prev2 = '\0';
        for c in text.chars() {
            let bad = match c {
                ' ' => matches!(prev, ' ' | '\n'),
                '\n' => prev == ' ' || (prev == '\n' && prev2 == '\n'),
                c => c != ' ' && is_space_separator(c),
            };
            if bad {
                return false;
            }
            prev2 = prev;
            prev = c;
        }
        true
    }

    /// Every space separator's UTF-8 is one of the byte patterns the byte scan looks for.
    #[test]
    fn whitespace_test_knows_every_space_separator() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let text = format!("a{c}b");
            assert_eq!(
                is_whitespace_folded(&text),
                is_whitespace_folded_reference(&text),
                "{c:?}"
            );
        }
    }

    /// The scan as first written, character by character, with N5's own test.
    fn needs_reference(text: &str) -> Needs {
        let mut needs = Needs::default();
        for c in text.chars() {
            if c.is_ascii() {
                needs.controls |= (c < ' ' && c != '\n') || c == '\u{7F}';
                continue;
            }
            if is_trivially_nfc(c) {
                continue;
            }
            needs.nfc_check = true;
            if c <= '\u{9F}'
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FFFD}')
                || is_noncharacter(c)
            {
                needs.controls = true;
            } else if is_bidi_control(c) {
                needs.bidi = true;
            } else if is_always_invisible(c) || is_context_invisible(c) {
                needs.invisibles = true;
            }
        }
        needs.whitespace_folded = is_whitespace_folded_reference(text);
        needs
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        /// The byte scan finds what the character scan and `is_whitespace_folded` find.
        #[test]
        fn needs_scan_agrees_with_the_reference(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                ' ', ' ', '\n', '\n', 'a', '\u{7F}', '\u{1C}', '\u{05D0}', '\u{05EA}', '\u{05EF}',
                '\u{05F2}', '\u{05F4}', '\u{05F5}', '\u{05C0}', '\u{05B7}', '\u{05BE}', '\u{0416}',
                '\u{0627}', '\u{00A0}', '\u{0085}', '\u{2009}', '\u{3000}', '\t', '\r', '\u{200F}',
                '\u{200B}', '\u{200D}', '\u{0301}', '\u{FFFD}', '\u{FDD0}', '\u{FB2A}', '\u{1F308}',
                // Runs of plain bytes, for the 16-byte blocks.
                'b', 'c', 'd', 'e', 'f', 'g', '.', '"', '\u{05D1}', '\u{05D2}', '\u{05E0}', '\u{05F3}',
            ]), 0..64)
        ) {
            let text: String = chars.into_iter().collect();
            proptest::prop_assert_eq!(Needs::of(&text), needs_reference(&text));
        }
    }

    fn n(input: &str) -> String {
        normalize(input).text
    }

    // TEXT.md §A.3, every vector in table order.
    #[test]
    fn n1_line_ends() {
        assert_eq!(
            n("a\u{000D}\nb\u{000D}c\u{2028}d\u{2029}e"),
            "a\nb\nc\nd\n\ne"
        );
    }

    #[test]
    fn n2_controls_and_noncharacters() {
        assert_eq!(
            n("a\u{0007}b\u{0085}c\u{0009}d\u{009B}e\u{FDD0}f"),
            "ab\nc def"
        );
    }

    #[test]
    fn n2_keeps_and_counts_replacement_characters() {
        let out = normalize("a\u{FFFD}b\u{FFFD}");
        assert_eq!(out.text, "a\u{FFFD}b\u{FFFD}");
        assert_eq!(out.diagnostics.replacement_chars, 2);
    }

    #[test]
    fn n3a_rlo_span_with_latin_content_is_reversed() {
        let out = normalize("file\u{202E}fdp.exe\u{202C}");
        assert_eq!(out.text, "fileexe.pdf");
        assert_eq!(out.diagnostics.overrides_reversed, 1);
    }

    #[test]
    fn n3a_visual_hebrew_in_lro_is_reversed() {
        let out = normalize("\u{202D}\u{05DD}\u{05D5}\u{05DC}\u{05E9}\u{202C}");
        assert_eq!(out.text, "\u{05E9}\u{05DC}\u{05D5}\u{05DD}");
        assert_eq!(out.diagnostics.overrides_reversed, 1);
    }

    #[test]
    fn n3a_override_matching_its_content_is_not_reversed() {
        let out = normalize("\u{202E}\u{05E9}\u{05DC}\u{05D5}\u{05DD}\u{202C}");
        assert_eq!(out.text, "\u{05E9}\u{05DC}\u{05D5}\u{05DD}");
        assert_eq!(out.diagnostics.overrides_reversed, 0);
    }

    #[test]
    fn n3a_reversal_mirrors_brackets() {
        // Visual Hebrew in parentheses: the reader saw `(םולש)` left to right.
        assert_eq!(
            n("\u{202D}(\u{05DD}\u{05D5}\u{05DC}\u{05E9})\u{202C}"),
            "(\u{05E9}\u{05DC}\u{05D5}\u{05DD})"
        );
    }

    #[test]
    fn n3a_unterminated_override_ends_at_the_line() {
        assert_eq!(n("\u{202E}cba\nxyz"), "abc\nxyz");
    }

    #[test]
    fn n3b_removes_all_bidi_controls_and_keeps_a_leading_hint() {
        let out = normalize(
            "\u{200F}\u{2066}Hamas\u{2069} \u{05D4}\u{05D5}\u{05D3}\u{05D9}\u{05E2}\u{05D4} \u{202A}IDF\u{202C}\u{200E}",
        );
        assert_eq!(
            out,
            Normalized {
                text: "Hamas \u{05D4}\u{05D5}\u{05D3}\u{05D9}\u{05E2}\u{05D4} IDF".into(),
                dir_hint: Some(Dir::Rtl),
                diagnostics: Diagnostics {
                    bidi_controls_removed: 6,
                    ..Diagnostics::default()
                },
            }
        );
    }

    #[test]
    fn n3b_arabic_letter_mark() {
        assert_eq!(n("\u{061C}123"), "123");
    }

    #[test]
    fn n4_always_removed() {
        let out = normalize("\u{FEFF}news\u{200B}letter co\u{00AD}operate a\u{2060}b");
        assert_eq!(out.text, "newsletter cooperate ab");
        assert_eq!(out.diagnostics.invisibles_removed, 4);
    }

    #[test]
    fn n4_zwnj_only_inside_joining_scripts() {
        assert_eq!(
            n(
                "\u{05E9}\u{200C}\u{05DC}\u{05D5}\u{05DD} \u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}"
            ),
            "\u{05E9}\u{05DC}\u{05D5}\u{05DD} \u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}"
        );
    }

    #[test]
    fn n4_zwj_only_in_emoji_or_joining_scripts() {
        assert_eq!(
            n("\u{1F3F3}\u{FE0F}\u{200D}\u{1F308} a\u{200D}b"),
            "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308} ab"
        );
    }

    #[test]
    fn n4_tags_only_in_emoji_flag_sequences() {
        assert_eq!(
            n("\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F} x\u{E0041}y"),
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F} xy"
        );
    }

    #[test]
    fn n4_unterminated_tag_sequence_is_removed() {
        assert_eq!(n("\u{1F3F4}\u{E0067}\u{E0062} x"), "\u{1F3F4} x");
    }

    #[test]
    fn n4_cgj_between_letters_is_removed() {
        assert_eq!(n("\u{05D0}\u{034F}\u{05D1}"), "\u{05D0}\u{05D1}");
    }

    #[test]
    fn n4_cgj_between_hebrew_marks_is_kept_and_stops_reordering() {
        assert_eq!(
            n(
                "\u{05D9}\u{05B0}\u{05E8}\u{05D5}\u{05BC}\u{05E9}\u{05C1}\u{05B8}\u{05DC}\u{05B7}\u{034F}\u{05B4}\u{05DD}"
            ),
            "\u{05D9}\u{05B0}\u{05E8}\u{05D5}\u{05BC}\u{05E9}\u{05B8}\u{05C1}\u{05DC}\u{05B7}\u{034F}\u{05B4}\u{05DD}"
        );
    }

    #[test]
    fn n5_whitespace() {
        assert_eq!(
            n(" a\u{00A0}\u{00A0}b\u{202F}c\u{3000}d  \n\n\n\n e "),
            "a b c d\n\ne"
        );
    }

    #[test]
    fn n5_blank_lines_at_the_ends_are_dropped() {
        assert_eq!(n("\n\n  \nx\n \n"), "x");
        assert_eq!(n(" \n \t\n"), "");
    }

    #[test]
    fn n6_nfc_orders_hebrew_marks() {
        assert_eq!(n("\u{05D1}\u{05BC}\u{05B7}"), "\u{05D1}\u{05B7}\u{05BC}");
        assert_eq!(
            n("\u{05E9}\u{05C1}\u{05BC}\u{05B8}"),
            "\u{05E9}\u{05B8}\u{05BC}\u{05C1}"
        );
        assert_eq!(n("\u{05D1}\u{05B7}\u{05BC}"), "\u{05D1}\u{05B7}\u{05BC}");
    }

    #[test]
    fn n6_nfc_decomposes_hebrew_presentation_forms() {
        assert_eq!(
            n("\u{FB2A}\u{05DC}\u{05D5}\u{05DD}"),
            "\u{05E9}\u{05C1}\u{05DC}\u{05D5}\u{05DD}"
        );
        assert_eq!(
            n("\u{FB35} \u{FB4B} \u{FB1F}"),
            "\u{05D5}\u{05BC} \u{05D5}\u{05B9} \u{05F2}\u{05B7}"
        );
    }

    #[test]
    fn n6_nfc_composes_latin() {
        assert_eq!(n("Caf\u{0065}\u{0301}"), "Caf\u{00E9}");
    }

    #[test]
    fn n7_presentation_forms_are_folded() {
        assert_eq!(
            n("\u{FB21}\u{FB23} \u{FB4F} \u{FB29}"),
            "\u{05D0}\u{05D4} \u{05D0}\u{05DC} +"
        );
        assert_eq!(n("\u{FB01}nance \u{FEFB}"), "finance \u{0644}\u{0627}");
    }

    #[test]
    fn n8_hebrew_punctuation_and_symbols_are_kept_as_published() {
        for kept in [
            "\u{05E6}\u{05D4}\u{05F4}\u{05DC} \u{05D7}\u{05F3} \u{05D1}\u{05D9}\u{05EA}\u{05BE}\u{05D7}\u{05D5}\u{05DC}\u{05D9}\u{05DD}",
            "10 m\u{00B2}, \u{00BD} price\u{2122}\u{2026}",
            "\u{05F0}\u{05F1}\u{05F2}",
        ] {
            assert_eq!(n(kept), kept);
        }
    }

    #[test]
    fn emoji_author_name_keeps_its_zwj_sequence() {
        let name = "Dianna E. Anderson \u{1F3F3}\u{FE0F}\u{200D}\u{1F308}";
        assert_eq!(n(name), name);
    }

    /// N5 as first written: every line split into words and joined again.
    fn fold_reference(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut pending_blank = false;
        for line in text.split('\n') {
            let mut words = line.split(is_space_separator).filter(|w| !w.is_empty());
            let Some(first) = words.next() else {
                pending_blank = !out.is_empty();
                continue;
            };
            if !out.is_empty() {
                out.push_str(if pending_blank { "\n\n" } else { "\n" });
            }
            pending_blank = false;
            out.push_str(first);
            for word in words {
                out.push(' ');
                out.push_str(word);
            }
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        /// The short cut for folded text with spaces or line ends around it folds as N5 does.
        #[test]
        fn fold_whitespace_agrees_with_the_reference(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                ' ', ' ', '\n', '\n', 'a', 'b', '\u{05D0}', '\u{00A0}', '\u{2009}', '\u{3000}',
            ]), 0..24)
        ) {
            let text: String = chars.into_iter().collect();
            proptest::prop_assert_eq!(fold_whitespace(&text).into_owned(), fold_reference(&text));
            proptest::prop_assert_eq!(
                is_whitespace_folded(&text),
                is_whitespace_folded_reference(&text)
            );
        }
    }

    #[test]
    fn plain_bytes_are_the_ranges() {
        for b in 0..=u8::MAX {
            assert_eq!(
                is_plain_byte(b),
                matches!(b, 0x20..=0x7E | 0xD7 | 0x90..=0xAA | 0xAF..=0xB4),
                "{b:#x}"
            );
        }
    }

    #[test]
    fn trivially_nfc_characters_are_nfc_and_never_combine() {
        use unicode_normalization::char::canonical_combining_class;
        for c in (0..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| is_trivially_nfc(*c))
        {
            assert_eq!(is_nfc_quick(std::iter::once(c)), IsNormalized::Yes, "{c:?}");
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert!(
                !is_bidi_control(c)
                    && !is_always_invisible(c)
                    && !is_context_invisible(c)
                    && !is_presentation_form(c),
                "{c:?}"
            );
        }
    }

    #[test]
    fn arabic_ligature_that_decomposes_to_a_space_stays_idempotent() {
        let once = n("\u{FE70}x");
        assert_eq!(n(&once), once);
    }
}
