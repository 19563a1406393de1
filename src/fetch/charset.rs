//! The charset decision chain (TEXT.md §A.1, rules E1–E6): raw bytes of a feed or page in,
//! UTF-8 text in logical order out, together with the evidence that decided the encoding.
//!
//! In: the body exactly as it came off the wire (after content-coding, before any decoding) and
//! [`CharsetHints`] — a per-source override, the HTTP `charset=` parameter, what kind of document
//! it is, and the host's top-level domain for chardetng. Out: a [`Decoded`] with the text (BOM
//! removed, visual Hebrew turned into logical order, an XML declaration rewritten to say UTF-8),
//! the encoding used, the [`CharsetRule`] that chose it, the label that was seen, and how many
//! U+FFFD decoding had to insert. Never: I/O, logging, global state, panics or failure — any byte
//! string gets text; damage is counted, not raised, so one bad item never sinks a feed.
//!
//! The chain, first match wins: override → BOM → valid UTF-8 with non-ASCII → HTTP label →
//! in-document declaration → pure ASCII → chardetng. Labels are checked before they are
//! trusted: one that does not map, names UTF-16 (a BOM-less UTF-16 body is almost always a
//! mislabel), or decodes with U+FFFD where chardetng's guess decodes cleanly falls through.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;
use std::ops::Range;

use crate::markup::{find_ignore_case, starts_with_ignore_case};
use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{
    DecoderResult, Encoding, ISO_8859_8, ISO_8859_8_I, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE,
    WINDOWS_1255,
};
use unicode_bidi::{BidiClass, Level, ParagraphBidiInfo, bidi_class};

/// What the bytes claim to be; decides where an in-document declaration is looked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DocumentKind {
    /// RSS, Atom, RDF: the XML declaration `<?xml … encoding="…"?>`.
    Xml,
    /// A web page: `<meta charset>` / `http-equiv` in the first 1024 bytes.
    Html,
    /// JSON Feed: always UTF-8 (RFC 8259), so there is no declaration to read.
    Json,
    /// Not known: both the XML declaration and the HTML prescan are tried.
    #[default]
    Unknown,
}

/// Everything outside the bytes that bears on their encoding.
#[derive(Debug, Clone, Copy, Default)]
pub struct CharsetHints<'a> {
    /// The source's `encoding` setting. Wins over everything, the BOM included: it exists for
    /// the feeds every automatic rule gets wrong.
    pub override_encoding: Option<&'static Encoding>,
    /// The `charset=` parameter of `Content-Type`, raw (quotes and spaces are tolerated).
    pub http_charset: Option<&'a str>,
    /// What kind of document the bytes are.
    pub kind: DocumentKind,
    /// The host's top-level domain (`"il"`), which tilts chardetng towards the local legacy
    /// encodings. Any spelling is accepted (`"IL"`, `".il"`, `"co.il"`); unusable ones are ignored.
    pub tld: Option<&'a str>,
}

/// The step of the chain that chose the encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetRule {
    /// The per-source `encoding` setting.
    Override,
    /// A UTF-8, UTF-16LE or UTF-16BE byte order mark (E1).
    Bom,
    /// The body is valid UTF-8 and not pure ASCII, whatever the labels say — or so nearly valid
    /// (a stray byte among many well-formed sequences) that it can only be damaged UTF-8; then
    /// [`Decoded::replacement_chars`] is not zero.
    Utf8Valid,
    /// The HTTP `Content-Type` charset (E2).
    HttpHeader,
    /// The XML declaration or the HTML `<meta>` prescan (E2).
    Declaration,
    /// chardetng's guess (E3).
    Detected,
    /// Pure ASCII with no usable label: UTF-8.
    Ascii,
}

impl fmt::Display for CharsetRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Override => "per-source encoding override",
            Self::Bom => "byte order mark",
            Self::Utf8Valid => "body is valid UTF-8",
            Self::HttpHeader => "HTTP Content-Type charset",
            Self::Declaration => "in-document declaration",
            Self::Detected => "chardetng guess",
            Self::Ascii => "pure ASCII, no usable label",
        })
    }
}

/// The text and the story of how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// UTF-8, logical order, BOM removed; an XML declaration says `encoding="UTF-8"`.
    pub text: String,
    /// The encoding the bytes were decoded with. For ISO-8859-8 bytes that use windows-1255's
    /// extra positions this is windows-1255 (see [`decode`]).
    pub encoding: &'static Encoding,
    /// Which step of the chain decided.
    pub rule: CharsetRule,
    /// The label that decided (for [`CharsetRule::HttpHeader`] and
    /// [`CharsetRule::Declaration`]), otherwise the first label seen — HTTP before the
    /// document's own — even though it lost (a lying header shows up here).
    pub label: Option<String>,
    /// U+FFFD inserted by decoding (E4); U+FFFD already present in valid input is not counted.
    pub replacement_chars: usize,
    /// Visual ISO-8859-8 text was turned into logical order (E5/E6). The conversion is a
    /// heuristic, so consumers should carry this as a warning.
    pub visual_hebrew_converted: bool,
}

/// Decodes `bytes` to UTF-8 text, deciding the encoding with one explicit chain:
///
/// 1. `override_encoding` ([`CharsetRule::Override`]); a BOM of that same encoding is dropped.
/// 2. A BOM: UTF-8, UTF-16LE, UTF-16BE, decoded without it ([`CharsetRule::Bom`]).
/// 3. Valid UTF-8 containing non-ASCII stays UTF-8 even when labelled otherwise
///    ([`CharsetRule::Utf8Valid`]): Israeli feeds have been seen saying windows-1255 over UTF-8.
///    So does UTF-8 with a stray byte, when its well-formed multi-byte sequences outnumber the
///    malformed ones 16 to 1: legacy text almost never forms UTF-8 sequences by chance (the
///    corpus's windows-1255 files have none; the worst legacy file has 1 for every 4 errors),
///    while a single-byte guess "decodes cleanly" anything and would garble the whole document.
/// 4. The HTTP charset label ([`CharsetRule::HttpHeader`]).
/// 5. The XML declaration or the HTML `<meta>` prescan ([`CharsetRule::Declaration`]).
/// 6. Pure ASCII: UTF-8 ([`CharsetRule::Ascii`]).
/// 7. chardetng, with the TLD hint ([`CharsetRule::Detected`]).
///
/// A label (steps 4–5) is skipped when it does not map to an encoding, maps to UTF-16 or to
/// the `replacement` encoding, or decodes with U+FFFD while chardetng's guess decodes cleanly.
///
/// ISO-8859-8 and ISO-8859-8-I bytes that use positions which are controls or holes there but
/// letters or punctuation in windows-1255 (0x80–0x9F, niqqud, ₪ …) are decoded as windows-1255:
/// WHATWG does not alias the two, so an en dash would otherwise become the C1 control U+0096.
/// When the chain chose visual ISO-8859-8 (not `-I`), the E5 final-letter heuristic decides
/// whether the text is in visual order and, if so, E6 turns each line into logical order.
pub fn decode(bytes: &[u8], hints: &CharsetHints<'_>) -> Decoded {
    let http_label = hints
        .http_charset
        .map(clean_label)
        .filter(|l| !l.is_empty());
    let declared_label = declared_label(bytes, hints.kind);
    let (candidate, rule, label) = choose(
        bytes,
        hints,
        http_label.as_deref(),
        declared_label.as_deref(),
    );

    let mut text = candidate.text;
    if matches!(hints.kind, DocumentKind::Xml | DocumentKind::Unknown) {
        text = rewrite_xml_encoding(text);
    }
    // JSON is never reordered: moving its quotes and braces would break the syntax, and JSON
    // Feed is younger than visual Hebrew.
    let mut visual_hebrew_converted = false;
    if candidate.chosen == ISO_8859_8 && hints.kind != DocumentKind::Json {
        let mode = LineMode::for_document(hints.kind, &text);
        if looks_visual(&text, mode) {
            text = visual_to_logical(&text, mode);
            visual_hebrew_converted = true;
        }
    }

    Decoded {
        text,
        encoding: candidate.used,
        rule,
        label,
        replacement_chars: candidate.errors,
        visual_hebrew_converted,
    }
}

// ---------------------------------------------------------------------------------------------
// The chain

/// Text decoded with one encoding.
#[derive(Debug)]
struct Candidate {
    /// What the chain picked; kept apart from `used` because "visual ISO-8859-8" must survive
    /// the switch to windows-1255 for the E5 test.
    chosen: &'static Encoding,
    /// What the bytes were actually decoded with.
    used: &'static Encoding,
    text: String,
    errors: usize,
}

impl Candidate {
    fn decode(chosen: &'static Encoding, bytes: &[u8]) -> Self {
        let used = hebrew_superset(chosen, bytes);
        let (text, errors) = decode_counting(used, bytes);
        Self {
            chosen,
            used,
            text,
            errors,
        }
    }

    fn utf8(text: &str) -> Self {
        Self {
            chosen: UTF_8,
            used: UTF_8,
            text: text.to_owned(),
            errors: 0,
        }
    }
}

fn choose(
    bytes: &[u8],
    hints: &CharsetHints<'_>,
    http_label: Option<&str>,
    declared_label: Option<&str>,
) -> (Candidate, CharsetRule, Option<String>) {
    let seen = http_label.or(declared_label).map(str::to_owned);

    if let Some(encoding) = hints.override_encoding {
        let body = match Encoding::for_bom(bytes) {
            Some((bom_encoding, len)) if bom_encoding == encoding => {
                bytes.get(len..).unwrap_or(&[])
            }
            _ => bytes,
        };
        return (
            Candidate::decode(encoding, body),
            CharsetRule::Override,
            seen,
        );
    }

    if let Some((encoding, len)) = Encoding::for_bom(bytes) {
        let body = bytes.get(len..).unwrap_or(&[]);
        return (Candidate::decode(encoding, body), CharsetRule::Bom, seen);
    }

    let ascii = bytes.is_ascii();
    if !ascii {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return (Candidate::utf8(text), CharsetRule::Utf8Valid, seen);
        }
        if let Some(candidate) = damaged_utf8(bytes) {
            return (candidate, CharsetRule::Utf8Valid, seen);
        }
    }

    let detector = Detector::new(bytes, hints.tld);
    if let Some(label) = http_label
        && let Some(candidate) = try_label(label, bytes, &detector)
    {
        return (candidate, CharsetRule::HttpHeader, Some(label.to_owned()));
    }
    if let Some(label) = declared_label
        && let Some(candidate) = try_label(label, bytes, &detector)
    {
        return (candidate, CharsetRule::Declaration, Some(label.to_owned()));
    }

    if ascii {
        // Pure ASCII is valid UTF-8, so this cannot fail; the fallback only keeps us total.
        let text = std::str::from_utf8(bytes).unwrap_or_default();
        return (Candidate::utf8(text), CharsetRule::Ascii, seen);
    }

    (detector.into_candidate(), CharsetRule::Detected, seen)
}

/// Well-formed UTF-8 multi-byte sequences per malformed one above which invalid UTF-8 is taken
/// as damaged UTF-8 rather than a legacy encoding.
const DAMAGED_UTF8_RATIO: usize = 16;

/// The UTF-8 decoding of `bytes` if it is overwhelmingly well-formed (see [`decode`], step 3).
fn damaged_utf8(bytes: &[u8]) -> Option<Candidate> {
    let (text, errors) = decode_counting(UTF_8, bytes);
    let well_formed = text
        .chars()
        .filter(|c| !c.is_ascii())
        .count()
        .saturating_sub(errors);
    (errors > 0 && well_formed >= errors.saturating_mul(DAMAGED_UTF8_RATIO)).then_some(Candidate {
        chosen: UTF_8,
        used: UTF_8,
        text,
        errors,
    })
}

/// A label's candidate, or `None` when the label must be ignored.
fn try_label(label: &str, bytes: &[u8], detector: &Detector<'_>) -> Option<Candidate> {
    let encoding = Encoding::for_label(label.as_bytes())?;
    // UTF-16 without a BOM is a mislabel in practice, and `replacement` (labels such as
    // iso-2022-kr) would turn the whole body into a single U+FFFD.
    if encoding == UTF_16LE || encoding == UTF_16BE || encoding == REPLACEMENT {
        return None;
    }
    let candidate = Candidate::decode(encoding, bytes);
    if candidate.errors > 0 && detector.decodes_cleanly() {
        return None;
    }
    Some(candidate)
}

/// chardetng, run at most once: labels are checked against its guess, and step 7 uses it.
struct Detector<'a> {
    bytes: &'a [u8],
    tld: Option<String>,
    guess: OnceCell<Candidate>,
}

impl<'a> Detector<'a> {
    fn new(bytes: &'a [u8], tld: Option<&str>) -> Self {
        Self {
            bytes,
            tld: tld.and_then(clean_tld),
            guess: OnceCell::new(),
        }
    }

    fn guess(&self) -> &Candidate {
        self.guess.get_or_init(|| {
            let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
            detector.feed(self.bytes, true);
            let encoding =
                detector.guess(self.tld.as_deref().map(str::as_bytes), Utf8Detection::Allow);
            Candidate::decode(encoding, self.bytes)
        })
    }

    fn decodes_cleanly(&self) -> bool {
        self.guess().errors == 0
    }

    fn into_candidate(self) -> Candidate {
        // Make sure the guess exists, then take it out of the cell.
        self.guess();
        match self.guess.into_inner() {
            Some(candidate) => candidate,
            None => Candidate::decode(WINDOWS_1255, self.bytes),
        }
    }
}

/// chardetng panics on a TLD with upper case, a period or non-ASCII, so only a clean rightmost
/// label gets through.
fn clean_tld(tld: &str) -> Option<String> {
    let label = tld
        .trim()
        .trim_matches('.')
        .rsplit('.')
        .next()?
        .to_ascii_lowercase();
    let usable = !label.is_empty()
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    usable.then_some(label)
}

/// `"windows-1255"` → `windows-1255`: servers quote the parameter and pad it.
fn clean_label(raw: &str) -> String {
    raw.trim()
        .trim_matches(|c| c == '"' || c == '\'')
        .trim()
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// Decoding

/// Decodes without BOM sniffing (the chain has already handled the BOM) and counts the
/// malformed sequences, each of which becomes one U+FFFD, so U+FFFD that was in the input is
/// not counted.
fn decode_counting(encoding: &'static Encoding, bytes: &[u8]) -> (String, usize) {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len()),
    );
    let mut errors = 0;
    let mut rest = bytes;
    loop {
        let (result, read) = decoder.decode_to_string_without_replacement(rest, &mut text, true);
        rest = rest.get(read..).unwrap_or(&[]);
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::Malformed(_, _) => {
                text.push('\u{FFFD}');
                errors += 1;
            }
            DecoderResult::OutputFull => {
                // Grow in bounded steps: an exact estimate can overflow for absurd lengths.
                let need = decoder
                    .max_utf8_buffer_length_without_replacement(rest.len())
                    .unwrap_or(usize::MAX);
                text.reserve(need.clamp(16, 1 << 24));
            }
        }
    }
    (text, errors)
}

/// Chooses windows-1255 over ISO-8859-8(-I) when the bytes use a position that is a control or
/// a hole in ISO-8859-8 but a character in windows-1255 (0x96 en dash, niqqud, 0xA4 ₪).
/// windows-1255 has the same letters at the same places, so nothing else changes.
fn hebrew_superset(chosen: &'static Encoding, bytes: &[u8]) -> &'static Encoding {
    if chosen != ISO_8859_8 && chosen != ISO_8859_8_I {
        return chosen;
    }
    let mut seen = [false; 128];
    for &b in bytes {
        if b >= 0x80 {
            seen[usize::from(b - 0x80)] = true;
        }
    }
    let uses_1255_positions = (0x80..=0xFFu8)
        .filter(|b| seen[usize::from(b - 0x80)])
        .any(windows_1255_only);
    if uses_1255_positions {
        WINDOWS_1255
    } else {
        chosen
    }
}

/// Whether byte `b` means something in windows-1255 that ISO-8859-8 cannot say: ISO-8859-8
/// gives a C1 control, a hole (U+FFFD) or the generic currency sign ¤, windows-1255 gives a
/// real character.
fn windows_1255_only(b: u8) -> bool {
    let single = |encoding: &'static Encoding| {
        encoding
            .decode_without_bom_handling(&[b])
            .0
            .chars()
            .next()
            .unwrap_or('\u{FFFD}')
    };
    let junk = |c: char| c == '\u{FFFD}' || ('\u{80}'..='\u{9F}').contains(&c);
    let in_8859_8 = single(ISO_8859_8);
    let in_1255 = single(WINDOWS_1255);
    (junk(in_8859_8) || in_8859_8 == '\u{A4}') && !junk(in_1255)
}

// ---------------------------------------------------------------------------------------------
// Declarations

/// The label the document declares about itself, if any.
fn declared_label(bytes: &[u8], kind: DocumentKind) -> Option<String> {
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
fn xml_encoding_value(b: &[u8]) -> Option<Range<usize>> {
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
fn rewrite_xml_encoding(text: String) -> String {
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
fn html_meta_charset(bytes: &[u8]) -> Option<&[u8]> {
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

struct Attribute<'a> {
    name: Vec<u8>,
    value: &'a [u8],
    next: usize,
}

/// WHATWG "get an attribute", simplified. `None`: the input ended inside the tag;
/// `Some(None)`: the tag ends here; otherwise the attribute and where the next one starts.
/// Every `Some(Some(_))` consumes at least one byte, so callers' loops terminate.
fn attribute(b: &[u8], mut j: usize) -> Option<Option<Attribute<'_>>> {
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
fn charset_from_content(content: &[u8]) -> Option<&[u8]> {
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

fn is_html_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

fn skip_html_space(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| is_html_space(*c)) {
        i += 1;
    }
    i
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

// ---------------------------------------------------------------------------------------------
// Visual Hebrew (E5, E6)

/// How a document splits into lines of text for E5/E6. In markup, tags, comments, CDATA
/// delimiters and processing instructions are left alone and end a line: reordering a line
/// with its tags in it would turn `<title>` into `>eltit<`. That matches E5's "each `<br>` or
/// block"; a line broken by inline markup (`<b>`) is converted piece by piece, a known limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineMode {
    Plain,
    /// `escaped`: XML, where a text node may hold escaped HTML (`&lt;p&gt;`) that is markup too.
    Markup {
        escaped: bool,
    },
}

impl LineMode {
    fn for_document(kind: DocumentKind, text: &str) -> Self {
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
fn text_spans(text: &str, mode: LineMode) -> Vec<Range<usize>> {
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
fn markup_end(b: &[u8], i: usize, escaped: bool) -> Option<usize> {
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
fn tag_end(b: &[u8], i: usize) -> usize {
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
fn is_paragraph_separator(c: char) -> bool {
    bidi_class(c) == BidiClass::B
}

fn for_each_line<'t>(text: &'t str, mode: LineMode, mut f: impl FnMut(&'t str)) {
    for span in text_spans(text, mode) {
        if let Some(piece) = text.get(span) {
            piece.split(is_paragraph_separator).for_each(&mut f);
        }
    }
}

fn is_hebrew_letter(c: char) -> bool {
    ('\u{05D0}'..='\u{05EA}').contains(&c)
}

fn is_hebrew_mark(c: char) -> bool {
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

fn is_final_form(c: char) -> bool {
    matches!(c, 'ך' | 'ם' | 'ן' | 'ף' | 'ץ')
}

fn is_sentence_punctuation(c: char) -> bool {
    matches!(c, '.' | ',' | '!' | '?' | ':' | ';')
}

/// E5: visual order puts the final forms ך ם ן ף ץ at the *start* of words. Over words of at
/// least two Hebrew letters, more words starting with a final form than ending with one (and
/// at least three words) means visual; when that is inconclusive, sentence punctuation at the
/// start of lines (before a Hebrew letter) against at the end (after one) decides. The counts
/// are summed over the whole document: a single line rarely has enough words to tell.
fn looks_visual(text: &str, mode: LineMode) -> bool {
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
fn visual_to_logical(text: &str, mode: LineMode) -> String {
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

fn push_converted(out: &mut String, line: &str, entities: bool) {
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
struct Unit<'t> {
    text: Cow<'t, str>,
    proxy: char,
}

fn units(line: &str, entities: bool) -> Vec<Unit<'_>> {
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
fn entity(s: &str) -> Option<(usize, char)> {
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
fn mirror(c: char) -> Option<char> {
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
fn visual_line_to_logical(line: &str, entities: bool) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The logical name of a file of the Hebrew encoding corpus.
    fn corpus(relative: &str) -> String {
        format!("hebrew-encoding/{relative}")
    }

    fn read(relative: &str) -> Vec<u8> {
        crate::test_corpus::read(relative)
    }

    /// The files of a corpus folder whose names `keep` accepts, sorted.
    fn files(folder: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
        crate::test_corpus::files(folder)
            .into_iter()
            .filter(|name| keep(crate::test_corpus::file_name(name)))
            .collect()
    }

    fn hints(kind: DocumentKind) -> CharsetHints<'static> {
        CharsetHints {
            kind,
            tld: Some("il"),
            ..CharsetHints::default()
        }
    }

    fn hebrew_letters(text: &str) -> usize {
        text.chars().filter(|c| is_hebrew_letter(*c)).count()
    }

    fn has_c1(text: &str) -> bool {
        text.chars().any(|c| ('\u{80}'..='\u{9F}').contains(&c))
    }

    fn cp1255(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = WINDOWS_1255.encode(text);
        assert!(!unmappable, "{text}");
        bytes.into_owned()
    }

    fn iso_8859_8(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = ISO_8859_8.encode(text);
        assert!(!unmappable, "{text}");
        bytes.into_owned()
    }

    /// Visual storage of a logical line, the forward UBA: what a display shows, left to right.
    fn logical_to_visual(line: &str) -> String {
        let info = ParagraphBidiInfo::new(line, Some(Level::rtl()));
        let mirrored: String = line
            .char_indices()
            .map(|(at, c)| match mirror(c) {
                Some(m) if info.levels[at].is_rtl() => m,
                _ => c,
            })
            .collect();
        let info = ParagraphBidiInfo::new(&mirrored, Some(Level::rtl()));
        info.reorder_line(0..mirrored.len()).into_owned()
    }

    /// Every real 2005–06 Israeli windows-1255 feed decodes by its declaration, with Hebrew,
    /// without U+FFFD or C1 controls, and with a declaration feed-rs will not act on again.
    #[test]
    fn corpus_windows_1255_feeds_decode_cleanly() {
        let dir = corpus("chardet/tests/windows-1255-hebrew");
        let feeds = files(&dir, |n| n.ends_with(".xml"));
        assert_eq!(feeds.len(), 18);
        for name in feeds {
            let decoded = decode(&read(&name), &hints(DocumentKind::Xml));
            assert_eq!(decoded.replacement_chars, 0, "{name}");
            assert!(!decoded.text.contains('\u{FFFD}'), "{name}");
            assert!(!has_c1(&decoded.text), "{name}");
            assert!(hebrew_letters(&decoded.text) > 20, "{name}");
            assert_eq!(
                (
                    decoded.rule,
                    decoded.encoding,
                    decoded.visual_hebrew_converted
                ),
                (CharsetRule::Declaration, WINDOWS_1255, false),
                "{name}"
            );
            assert_eq!(
                decoded
                    .label
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .as_deref(),
                Some("windows-1255")
            );
            assert!(
                decoded
                    .text
                    .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\""),
                "{name}"
            );
        }
    }

    /// chardet's `_ude_he*.txt`: unlabelled windows-1255, detected, and equal to the UTF-8 twins.
    #[test]
    fn corpus_ude_hebrew_matches_utf8_twins() {
        let samples = files(&corpus("chardet/tests/windows-1255-hebrew"), |n| {
            n.starts_with("_ude_he")
        });
        assert_eq!(samples.len(), 3);
        for path in samples {
            let twin = corpus(&format!(
                "chardet/tests/utf-8/{}",
                crate::test_corpus::file_name(&path)
            ));
            let expected = crate::test_corpus::read_text(&twin);
            let decoded = decode(&read(&path), &hints(DocumentKind::Unknown));
            assert_eq!(decoded.text, expected, "{path}");
            assert_eq!(
                (
                    decoded.rule,
                    decoded.encoding,
                    decoded.replacement_chars,
                    decoded.label
                ),
                (CharsetRule::Detected, WINDOWS_1255, 0, None)
            );
            // The twin itself is kept as it is.
            let utf8 = decode(expected.as_bytes(), &hints(DocumentKind::Unknown));
            assert_eq!((utf8.rule, utf8.text), (CharsetRule::Utf8Valid, expected));
        }
    }

    /// Chromium's pages with no declared encoding, one of them ISO-8859-8 content: both are
    /// logical Hebrew, so chardetng says windows-1255 and nothing is reordered.
    #[test]
    fn corpus_chromium_pages_without_declaration_are_detected() {
        let dir = corpus("chardet/tests/windows-1255-hebrew");
        let pages = files(&dir, |n| n.starts_with("_chromium_"));
        assert_eq!(pages.len(), 2);
        for path in pages {
            let decoded = decode(&read(&path), &hints(DocumentKind::Html));
            assert_eq!(
                (
                    decoded.rule,
                    decoded.encoding,
                    decoded.replacement_chars,
                    decoded.visual_hebrew_converted
                ),
                (CharsetRule::Detected, WINDOWS_1255, 0, false),
                "{path}"
            );
            assert!(hebrew_letters(&decoded.text) > 20, "{path}");
            assert!(!has_c1(&decoded.text));
        }
    }

    /// uchardet's Hebrew samples: windows-1255 (with niqqud) and logical text filed as
    /// ISO-8859-8, unlabelled, come out as Hebrew; the UTF-8 sample is kept byte for byte.
    #[test]
    fn corpus_uchardet_hebrew_samples_decode_to_hebrew() {
        let dir = corpus("uchardet/test/he");
        for name in ["windows-1255.txt", "iso-8859-8.txt"] {
            let bytes = read(&format!("{dir}/{name}"));
            let decoded = decode(&bytes, &hints(DocumentKind::Unknown));
            assert_eq!(decoded.replacement_chars, 0, "{name}");
            assert!(hebrew_letters(&decoded.text) > 40, "{name}");
            assert!(!has_c1(&decoded.text), "{name}");
            assert!(!decoded.visual_hebrew_converted, "{name}");
            // windows-1255 decodes ISO-8859-8's letters identically, so check against the
            // label the file is filed under.
            let reference = Encoding::for_label(name.trim_end_matches(".txt").as_bytes())
                .unwrap_or_else(|| panic!("{name}"));
            assert_eq!(
                decoded.text,
                reference.decode_without_bom_handling(&bytes).0,
                "{name}"
            );
        }
        let niqqud = decode(
            &read(&format!("{dir}/windows-1255.txt")),
            &hints(DocumentKind::Unknown),
        );
        assert!(
            niqqud.text.starts_with("עִבְרִית היא שפה שמית"),
            "{}",
            niqqud.text
        );

        let utf8 = read(&format!("{dir}/utf-8.txt"));
        let decoded = decode(&utf8, &hints(DocumentKind::Unknown));
        assert_eq!(decoded.rule, CharsetRule::Utf8Valid);
        assert_eq!(decoded.text.as_bytes(), utf8.as_slice());
    }

    /// The logical sample filed as ISO-8859-8, *labelled* iso-8859-8: E5 sees logical text and
    /// leaves it alone (TEXT.md: test corpora label a lot of logical text ISO-8859-8).
    #[test]
    fn logical_text_labelled_iso_8859_8_is_not_reordered() {
        let bytes = read(&corpus("uchardet/test/he/iso-8859-8.txt"));
        let hints = CharsetHints {
            http_charset: Some("iso-8859-8"),
            ..hints(DocumentKind::Unknown)
        };
        let decoded = decode(&bytes, &hints);
        assert_eq!(
            (
                decoded.rule,
                decoded.encoding,
                decoded.visual_hebrew_converted
            ),
            (CharsetRule::HttpHeader, ISO_8859_8, false)
        );
        assert_eq!(
            decoded.text,
            ISO_8859_8.decode_without_bom_handling(&bytes).0
        );
    }

    /// charset_normalizer's Hebrew samples (cp1255 per its expected.json) have no UTF-8 twins.
    #[test]
    fn corpus_charset_normalizer_hebrew_samples_decode_to_hebrew() {
        let samples = files(&corpus("charset_normalizer/data"), |n| {
            n.starts_with("sample-hebrew")
        });
        assert_eq!(samples.len(), 2);
        for path in samples {
            let decoded = decode(&read(&path), &hints(DocumentKind::Unknown));
            assert_eq!(
                (decoded.rule, decoded.encoding, decoded.replacement_chars),
                (CharsetRule::Detected, WINDOWS_1255, 0),
                "{path}"
            );
            assert!(hebrew_letters(&decoded.text) > 100, "{path}");
            assert!(decoded.text.starts_with("אין כמעט ניבים אזוריים עבריים."));
        }
    }

    /// ynet once sent `charset=windows-1255` over a UTF-8 body (MWFeedParser#45).
    #[test]
    fn lying_header_over_utf8_body_stays_utf8() {
        let body = "<?xml version=\"1.0\" encoding=\"windows-1255\"?><rss><title>חדשות – ynet</title></rss>";
        let hints = CharsetHints {
            http_charset: Some("windows-1255"),
            ..hints(DocumentKind::Xml)
        };
        let decoded = decode(body.as_bytes(), &hints);
        let expected = Decoded {
            text: body.replace("windows-1255", "UTF-8"),
            encoding: UTF_8,
            rule: CharsetRule::Utf8Valid,
            label: Some("windows-1255".to_owned()),
            replacement_chars: 0,
            visual_hebrew_converted: false,
        };
        assert_eq!(decoded, expected);
    }

    /// SPIKE §4.2: cp1255 bytes declared ISO-8859-8 must not turn the en dash into U+0096.
    #[test]
    fn iso_8859_8_declaration_over_cp1255_bytes_keeps_en_dash() {
        let xml = "<?xml version=\"1.0\" encoding=\"ISO-8859-8\"?>\n<rss version=\"2.0\"><channel><title>חדשות – מבזקים</title></channel></rss>";
        let bytes = cp1255(xml);
        assert!(bytes.contains(&0x96));
        let decoded = decode(&bytes, &hints(DocumentKind::Xml));
        let expected = Decoded {
            text: xml.replace("ISO-8859-8", "UTF-8"),
            encoding: WINDOWS_1255,
            rule: CharsetRule::Declaration,
            label: Some("ISO-8859-8".to_owned()),
            replacement_chars: 0,
            visual_hebrew_converted: false,
        };
        assert_eq!(decoded, expected);
        assert!(decoded.text.contains('\u{2013}') && !decoded.text.contains('\u{96}'));
    }

    /// The ₪ sign and niqqud exist only in windows-1255; ISO-8859-8-I labels get the same fix.
    #[test]
    fn iso_8859_8_i_label_over_shekel_and_niqqud_uses_windows_1255() {
        let text = "המחיר: 5 ₪ בלבד, שָׁלוֹם";
        let hints = CharsetHints {
            http_charset: Some("\"ISO-8859-8-I\""),
            ..hints(DocumentKind::Unknown)
        };
        let decoded = decode(&cp1255(text), &hints);
        assert_eq!(
            (decoded.text.as_str(), decoded.encoding),
            (text, WINDOWS_1255)
        );
        assert_eq!(decoded.label.as_deref(), Some("ISO-8859-8-I"));
    }

    #[test]
    fn cp1255_without_label_is_detected() {
        let text = "ראש הממשלה נפגש היום עם שר החוץ האמריקאי בירושלים – ודנו בהסכם.";
        let decoded = decode(&cp1255(text), &hints(DocumentKind::Unknown));
        let expected = Decoded {
            text: text.to_owned(),
            encoding: WINDOWS_1255,
            rule: CharsetRule::Detected,
            label: None,
            replacement_chars: 0,
            visual_hebrew_converted: false,
        };
        assert_eq!(decoded, expected);
    }

    #[test]
    fn bom_decides_and_is_removed() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><t>שלום</t>";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            le.extend(unit.to_le_bytes());
            be.extend(unit.to_be_bytes());
        }
        let utf8 = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
        let xml = CharsetHints {
            http_charset: Some("windows-1255"),
            ..hints(DocumentKind::Xml)
        };
        for (bytes, encoding) in [(utf8, UTF_8), (le, UTF_16LE), (be, UTF_16BE)] {
            let decoded = decode(&bytes, &xml);
            assert_eq!(
                decoded.text,
                text.replace("UTF-16", "UTF-8"),
                "{}",
                encoding.name()
            );
            assert_eq!(
                (decoded.rule, decoded.encoding, decoded.replacement_chars),
                (CharsetRule::Bom, encoding, 0)
            );
        }
    }

    /// The override wins over everything: a valid UTF-8 body, a BOM of another encoding.
    #[test]
    fn override_wins_over_everything() {
        let text = "שלום";
        let hints = CharsetHints {
            override_encoding: Some(WINDOWS_1255),
            http_charset: Some("utf-8"),
            ..hints(DocumentKind::Unknown)
        };
        let decoded = decode(text.as_bytes(), &hints);
        assert_eq!(
            (decoded.rule, decoded.encoding),
            (CharsetRule::Override, WINDOWS_1255)
        );
        assert_eq!(
            decoded.text,
            WINDOWS_1255.decode_without_bom_handling(text.as_bytes()).0
        );
        assert_eq!(decoded.label.as_deref(), Some("utf-8"));

        // A UTF-8 BOM under a windows-1255 override is windows-1255 text like the rest…
        let with_bom = [&[0xEF, 0xBB, 0xBF][..], &cp1255(text)].concat();
        // (0xEF 0xBB 0xBF are ן » ¿ in windows-1255.)
        assert_eq!(decode(&with_bom, &hints).text, format!("ן»¿{text}"));
        // …but a BOM of the overriding encoding itself is dropped.
        let utf8 = CharsetHints {
            override_encoding: Some(UTF_8),
            ..hints
        };
        let with_bom = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
        assert_eq!(decode(&with_bom, &utf8).text, text);
    }

    /// E6's round-trip vectors (TEXT.md §A.1), plus the documented failure.
    #[test]
    fn e6_visual_to_logical_vectors() {
        let vectors = [
            (".םירש 3 ושגפנ 2024 תנשב", "בשנת 2024 נפגשו 3 שרים."),
            (
                ".(4% תמועל) 5.5%-ל הלע ריחמה",
                "המחיר עלה ל-5.5% (לעומת 4%).",
            ),
            (
                ".תורייבל עיגה Amos Hochstein חילשה",
                "השליח Amos Hochstein הגיע לביירות.",
            ),
        ];
        for (visual, logical) in vectors {
            assert_eq!(visual_line_to_logical(visual, false), logical);
            assert_eq!(logical_to_visual(logical), visual);
        }
        // Known failure: two LTR runs separated only by a neutral swap places.
        let logical = "הקוד הוא 123 ABC.";
        assert_eq!(
            visual_line_to_logical(&logical_to_visual(logical), false),
            "הקוד הוא ABC 123."
        );
    }

    /// The unit-wise reordering is `reorder_line` when there are no character references.
    #[test]
    fn unit_reordering_matches_reorder_line() {
        for line in [
            "(שלום) [עולם] {x} <y>",
            "abc אבג 12 דהו, xyz.",
            "א 1 ב 2 ג (3)",
            "!?אבג",
        ] {
            let visual = logical_to_visual(line);
            let mut swapped = String::new();
            let info = ParagraphBidiInfo::new(&visual, Some(Level::rtl()));
            for (at, c) in visual.char_indices() {
                swapped.push(mirror(c).filter(|_| info.levels[at].is_rtl()).unwrap_or(c));
            }
            let info = ParagraphBidiInfo::new(&swapped, Some(Level::rtl()));
            assert_eq!(
                visual_line_to_logical(&visual, false),
                info.reorder_line(0..swapped.len())
            );
        }
    }

    /// Visual ISO-8859-8 (a logical text stored reversed), labelled or left to chardetng, comes
    /// back in logical order with the warning flag; markup and line structure stay in place.
    #[test]
    fn visual_iso_8859_8_is_converted_to_logical() {
        let lines = [
            "ראש הממשלה נפגש עם שרים מכל המפלגות.",
            "המחיר עלה ל-5.5% (לעומת 4%).",
            "השליח Amos Hochstein הגיע לביירות.",
        ];
        let visual: Vec<String> = lines.iter().map(|l| logical_to_visual(l)).collect();
        assert_eq!(visual[0], lines[0].chars().rev().collect::<String>());

        // Plain text, labelled `visual`.
        let bytes = iso_8859_8(&visual.join("\n"));
        let labelled = CharsetHints {
            http_charset: Some("visual"),
            ..hints(DocumentKind::Unknown)
        };
        let decoded = decode(&bytes, &labelled);
        let expected = Decoded {
            text: lines.join("\n"),
            encoding: ISO_8859_8,
            rule: CharsetRule::HttpHeader,
            label: Some("visual".to_owned()),
            replacement_chars: 0,
            visual_hebrew_converted: true,
        };
        assert_eq!(decoded, expected);

        // An HTML page with no label: chardetng recognises visual Hebrew as ISO-8859-8.
        let page = format!(
            "<html><body>\n<p class=\"x\">{}</p>\n<!-- םירש -->\n<p>  {}<br>{}</p>\n</body></html>",
            visual[0], visual[1], visual[2]
        );
        let decoded = decode(&iso_8859_8(&page), &hints(DocumentKind::Html));
        let logical_page = format!(
            "<html><body>\n<p class=\"x\">{}</p>\n<!-- םירש -->\n<p>  {}<br>{}</p>\n</body></html>",
            lines[0], lines[1], lines[2]
        );
        assert_eq!(
            (decoded.rule, decoded.encoding),
            (CharsetRule::Detected, ISO_8859_8)
        );
        assert!(decoded.visual_hebrew_converted);
        assert_eq!(decoded.text, logical_page);

        // An RSS feed: escaped HTML and character references move as whole units.
        let feed = format!(
            "<?xml version=\"1.0\" encoding=\"iso-8859-8\"?>\n<rss version=\"2.0\"><item>\n<title>{}</title>\n<description>&lt;p&gt;&quot;{}&quot;&lt;/p&gt;</description>\n</item></rss>",
            visual[0],
            "ןולשכ", // visual of כשלון
        );
        let decoded = decode(&iso_8859_8(&feed), &hints(DocumentKind::Xml));
        let logical_feed = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><item>\n<title>{}</title>\n<description>&lt;p&gt;&quot;כשלון&quot;&lt;/p&gt;</description>\n</item></rss>",
            lines[0]
        );
        assert!(decoded.visual_hebrew_converted);
        assert_eq!(
            (decoded.rule, decoded.text),
            (CharsetRule::Declaration, logical_feed)
        );
    }

    /// ISO-8859-8-I is logical by definition: never reordered, even if it looks visual.
    #[test]
    fn logical_iso_8859_8_i_is_left_alone() {
        let visual: String = "ראש הממשלה נפגש עם שרים מכל המפלגות."
            .chars()
            .rev()
            .collect();
        for label in ["iso-8859-8-i", "logical"] {
            let hints = CharsetHints {
                http_charset: Some(label),
                ..hints(DocumentKind::Unknown)
            };
            let decoded = decode(&iso_8859_8(&visual), &hints);
            assert_eq!(
                (
                    decoded.text.as_str(),
                    decoded.encoding,
                    decoded.visual_hebrew_converted
                ),
                (visual.as_str(), ISO_8859_8_I, false)
            );
        }
        // And logical text labelled visual stays as it is (E5 says logical).
        let logical = "ראש הממשלה נפגש עם שרים מכל המפלגות.";
        let hints = CharsetHints {
            http_charset: Some("iso-8859-8"),
            ..hints(DocumentKind::Unknown)
        };
        let decoded = decode(&iso_8859_8(logical), &hints);
        assert_eq!(
            (decoded.text.as_str(), decoded.visual_hebrew_converted),
            (logical, false)
        );
    }

    #[test]
    fn e5_heuristic_counts_final_forms_then_punctuation() {
        // (words, final first, final last) = (8, 2, 0) in TEXT.md's synthetic visual sample.
        assert!(looks_visual(
            ".םירש 3 ושגפנ 2024 תנשב ,םיבר םימי ורבע",
            LineMode::Plain
        ));
        assert!(!looks_visual(
            "בשנת 2024 נפגשו 3 שרים, עברו ימים רבים.",
            LineMode::Plain
        ));
        // No final forms at all: the punctuation fallback.
        assert!(looks_visual(".אבג דהו\n!זחט יכל", LineMode::Plain));
        assert!(!looks_visual("אבג דהו.\nזחט יכל!", LineMode::Plain));
        assert!(!looks_visual("", LineMode::Plain));
    }

    #[test]
    fn xml_declaration_is_rewritten_and_nothing_else() {
        let cases = [
            (
                "<?xml version=\"1.0\" encoding=\"windows-1255\"?>\n<rss/>",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss/>",
            ),
            (
                "\n  <?xml version='1.0' encoding = 'iso-8859-8-i' standalone='yes'?><a/>",
                "\n  <?xml version='1.0' encoding = 'UTF-8' standalone='yes'?><a/>",
            ),
            (
                "<?xml version=\"1.0\"?><a encoding=\"x\"/>",
                "<?xml version=\"1.0\"?><a encoding=\"x\"/>",
            ),
            (
                "<rss><?xml version=\"1.0\" encoding=\"x\"?></rss>",
                "<rss><?xml version=\"1.0\" encoding=\"x\"?></rss>",
            ),
            (
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>",
            ),
        ];
        for (input, output) in cases {
            assert_eq!(
                decode(input.as_bytes(), &hints(DocumentKind::Xml)).text,
                output
            );
        }
        // HTML is not touched; JSON never has a declaration.
        let html = "<?xml version=\"1.0\" encoding=\"windows-1255\"?><html/>";
        assert_eq!(
            decode(html.as_bytes(), &hints(DocumentKind::Html)).text,
            html
        );
    }

    #[test]
    fn xml_declaration_label_is_read() {
        let cases: [(&[u8], Option<&str>); 6] = [
            (
                b"<?xml version=\"1.0\" encoding=\"windows-1255\"?>",
                Some("windows-1255"),
            ),
            (
                b"\r\n<?xml version='1.0' encoding = 'x-cp1255' ?>",
                Some("x-cp1255"),
            ),
            (b"<?xml version=\"1.0\"?><a encoding=\"koi8-r\"/>", None),
            (b"<?xml version=\"1.0\" xencoding=\"koi8-r\"?>", None),
            (b"<?xmlfoo encoding=\"koi8-r\"?>", None),
            (b"<?xml version=\"1.0\" encoding=\"koi8-r", None),
        ];
        for (bytes, label) in cases {
            assert_eq!(
                declared_label(bytes, DocumentKind::Xml).as_deref(),
                label,
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn html_prescan_finds_meta_charset() {
        let cases: [(&str, Option<&str>); 8] = [
            (
                "<html><head><meta charset=\"windows-1255\">",
                Some("windows-1255"),
            ),
            (
                "<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=iso-8859-8-i\">",
                Some("iso-8859-8-i"),
            ),
            (
                "<meta content='text/html;charset=\"visual\"' http-equiv=content-type>",
                Some("visual"),
            ),
            (
                "<!-- <meta charset=koi8-r> --><meta charset=windows-1255>",
                Some("windows-1255"),
            ),
            (
                "<div title=\"<meta charset=koi8-r>\"><meta charset = utf-8 >",
                Some("utf-8"),
            ),
            ("<meta content=\"text/html; charset=koi8-r\">", None),
            (
                "<meta name=description content=x><meta charset=windows-1255/>",
                Some("windows-1255/"),
            ),
            ("<p>no meta here</p>", None),
        ];
        for (html, label) in cases {
            assert_eq!(
                declared_label(html.as_bytes(), DocumentKind::Html).as_deref(),
                label,
                "{html}"
            );
        }
        let late = format!("{}<meta charset=windows-1255>", " ".repeat(1024));
        assert_eq!(declared_label(late.as_bytes(), DocumentKind::Html), None);
        // Unknown tries both; JSON has none.
        let page = b"<html><meta charset=windows-1255></html>";
        assert_eq!(
            declared_label(page, DocumentKind::Unknown).as_deref(),
            Some("windows-1255")
        );
        assert_eq!(declared_label(page, DocumentKind::Json), None);
    }

    #[test]
    fn html_meta_declaration_decides_when_header_is_absent() {
        let page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1255\"></head><body>שלום – עולם</body></html>";
        let decoded = decode(&cp1255(page), &hints(DocumentKind::Html));
        assert_eq!(
            (decoded.text.as_str(), decoded.rule),
            (page, CharsetRule::Declaration)
        );
        assert_eq!(decoded.label.as_deref(), Some("windows-1255"));
    }

    /// Labels that must not be trusted fall through to the next step.
    #[test]
    fn unusable_labels_fall_through() {
        let text = "ראש הממשלה נפגש היום עם שר החוץ האמריקאי בירושלים.";
        let bytes = cp1255(text);
        for label in [
            "x-no-such-charset",
            "utf-16",
            "UTF-16BE",
            "iso-2022-kr",
            "utf-8",
            "",
        ] {
            let hints = CharsetHints {
                http_charset: Some(label),
                ..hints(DocumentKind::Unknown)
            };
            let decoded = decode(&bytes, &hints);
            assert_eq!(
                (decoded.text.as_str(), decoded.rule),
                (text, CharsetRule::Detected),
                "{label}"
            );
            assert_eq!(
                decoded.label,
                Some(label.to_owned()).filter(|l| !l.is_empty())
            );
        }
        // A bad header, a good declaration.
        let xml = "<?xml version=\"1.0\" encoding=\"windows-1255\"?><t>שלום</t>";
        let bad_header = CharsetHints {
            http_charset: Some("utf-8"),
            ..hints(DocumentKind::Xml)
        };
        let decoded = decode(&cp1255(xml), &bad_header);
        assert_eq!(
            (decoded.rule, decoded.label.as_deref()),
            (CharsetRule::Declaration, Some("windows-1255"))
        );
        // A declaration of UTF-16 on an ASCII body is pure ASCII.
        let ascii = b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><t>hello</t>";
        let decoded = decode(ascii, &hints(DocumentKind::Xml));
        assert_eq!(
            (decoded.rule, decoded.encoding),
            (CharsetRule::Ascii, UTF_8)
        );
        assert_eq!(decoded.label.as_deref(), Some("UTF-16"));
    }

    /// A label whose decoding has errors is kept when chardetng cannot do better.
    #[test]
    fn damaged_utf8_with_utf8_label_counts_replacements() {
        let bytes = [
            b"abc \xD7\x90\xD7".as_slice(),
            b" \xFF def \xEF\xBF\xBD".as_slice(),
        ]
        .concat();
        let hints = CharsetHints {
            http_charset: Some("utf-8"),
            ..hints(DocumentKind::Unknown)
        };
        let decoded = decode(&bytes, &hints);
        // Too little UTF-8 to outweigh two malformed sequences, but chardetng's guess for `.il`
        // (windows-1255, which has no 0xFF) is not clean either, so the label stands.
        assert_eq!(
            (decoded.rule, decoded.encoding, decoded.replacement_chars),
            (CharsetRule::HttpHeader, UTF_8, 2)
        );
        // Without the TLD hint chardetng says windows-1252, which decodes every byte: the
        // label falls through.
        let generic = CharsetHints { tld: None, ..hints };
        let decoded = decode(&bytes, &generic);
        assert_eq!(
            (decoded.rule, decoded.encoding, decoded.replacement_chars),
            (CharsetRule::Detected, encoding_rs::WINDOWS_1252, 0)
        );
        // With a BOM the label question does not arise: two malformed sequences, and the
        // U+FFFD that was in the input does not count.
        let with_bom = [&[0xEF, 0xBB, 0xBF][..], &bytes].concat();
        let decoded = decode(&with_bom, &hints);
        assert_eq!(
            (decoded.rule, decoded.replacement_chars),
            (CharsetRule::Bom, 2)
        );
        assert_eq!(decoded.text, "abc א\u{FFFD} \u{FFFD} def \u{FFFD}");
        // Valid UTF-8 that contains U+FFFD has produced none.
        assert_eq!(decode("א\u{FFFD}".as_bytes(), &hints).replacement_chars, 0);
    }

    #[test]
    fn ascii_and_json() {
        let decoded = decode(b"plain ascii", &hints(DocumentKind::Unknown));
        assert_eq!(
            (decoded.text.as_str(), decoded.rule, decoded.encoding),
            ("plain ascii", CharsetRule::Ascii, UTF_8)
        );
        let labelled = CharsetHints {
            http_charset: Some("windows-1255"),
            ..hints(DocumentKind::Unknown)
        };
        assert_eq!(
            decode(b"plain ascii", &labelled).rule,
            CharsetRule::HttpHeader
        );
        assert_eq!(
            decode(b"", &hints(DocumentKind::Unknown)).rule,
            CharsetRule::Ascii
        );
        // JSON Feed has no declaration to read, and JSON is never reordered.
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"חדשות"}"#;
        let decoded = decode(json.as_bytes(), &hints(DocumentKind::Json));
        assert_eq!(
            (decoded.text.as_str(), decoded.rule),
            (json, CharsetRule::Utf8Valid)
        );
    }

    #[test]
    fn tld_spellings_are_accepted_or_ignored() {
        assert_eq!(clean_tld("IL").as_deref(), Some("il"));
        assert_eq!(clean_tld(".il.").as_deref(), Some("il"));
        assert_eq!(clean_tld("www.ynet.co.il").as_deref(), Some("il"));
        assert_eq!(clean_tld("xn--4dbrk0ce").as_deref(), Some("xn--4dbrk0ce"));
        assert_eq!(clean_tld("ישראל"), None);
        assert_eq!(clean_tld(" . "), None);
        for tld in ["IL", "co.il", "ישראל", "", "..", "c\u{0}m"] {
            let hints = CharsetHints {
                tld: Some(tld),
                ..hints(DocumentKind::Unknown)
            };
            assert_eq!(
                decode(&cp1255("שלום עולם"), &hints).rule,
                CharsetRule::Detected
            );
        }
    }

    #[test]
    fn rule_display_names_the_evidence() {
        let shown: Vec<String> = [
            CharsetRule::Override,
            CharsetRule::Bom,
            CharsetRule::Utf8Valid,
            CharsetRule::HttpHeader,
            CharsetRule::Declaration,
            CharsetRule::Detected,
            CharsetRule::Ascii,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            shown,
            [
                "per-source encoding override",
                "byte order mark",
                "body is valid UTF-8",
                "HTTP Content-Type charset",
                "in-document declaration",
                "chardetng guess",
                "pure ASCII, no usable label",
            ]
        );
    }

    /// Any bytes, any hints: an answer, never a panic. Biased towards the interesting paths:
    /// Hebrew high bytes, markup fragments, declarations and visual ISO-8859-8.
    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let fragments: [&[u8]; 16] = [
            b"<?xml version=\"1.0\" encoding=\"iso-8859-8\"?>",
            b"<meta charset=visual>",
            b"<!--",
            b"-->",
            b"<![CDATA[",
            b"]]>",
            b"&lt;p",
            b"&gt;",
            b"&#x5D0;",
            b"&quot;",
            b"\xEF\xBB\xBF",
            b"\xFF\xFE",
            b"(\xF9\xEC\xE5\xED)",
            b"\n\r\xE0\xEA\xED ",
            b"<a href=\"",
            b"\x96\xA4\xC9",
        ];
        let kinds = [
            DocumentKind::Xml,
            DocumentKind::Html,
            DocumentKind::Json,
            DocumentKind::Unknown,
        ];
        let labels = [
            None,
            Some("iso-8859-8"),
            Some("utf-8"),
            Some("utf-16"),
            Some("visual"),
            Some("x"),
        ];
        let overrides = [
            None,
            None,
            None,
            Some(ISO_8859_8),
            Some(UTF_16BE),
            Some(REPLACEMENT),
        ];
        for round in 0..3000 {
            let mut bytes = Vec::new();
            let len = (next() % 300) as usize;
            while bytes.len() < len {
                let r = next();
                match r % 4 {
                    0 => bytes.extend_from_slice(fragments[(r >> 8) as usize % fragments.len()]),
                    1 => bytes.push(0xE0 + (r >> 8) as u8 % 27),
                    _ => bytes.push((r >> 8) as u8),
                }
            }
            let r = next();
            let hints = CharsetHints {
                override_encoding: overrides[r as usize % overrides.len()],
                http_charset: labels[(r >> 8) as usize % labels.len()],
                kind: kinds[(r >> 16) as usize % kinds.len()],
                tld: [None, Some("il"), Some("IL.")][(r >> 24) as usize % 3],
            };
            let decoded = decode(&bytes, &hints);
            assert!(
                decoded.replacement_chars
                    <= decoded.text.chars().filter(|c| *c == '\u{FFFD}').count(),
                "round {round}"
            );
        }
    }

    #[test]
    fn decoding_a_large_body_grows_the_buffer() {
        let text = "שלום עולם – ".repeat(50_000);
        let (decoded, errors) = decode_counting(WINDOWS_1255, &cp1255(&text));
        assert_eq!((decoded, errors), (text, 0));
    }

    /// A UTF-8 Hebrew feed with one stray byte (a truncated character) used to go to chardetng,
    /// whose single-byte guess decodes anything "cleanly" — the whole feed became mojibake.
    #[test]
    fn one_stray_byte_does_not_turn_utf8_into_mojibake() {
        let text = "ראש הממשלה נפגש היום עם שר החוץ האמריקאי בירושלים.";
        let mut bytes = text.as_bytes().to_vec();
        bytes.insert(10, 0xD7); // a lead byte without its continuation
        for http_charset in [None, Some("windows-1255"), Some("utf-8")] {
            let hints = CharsetHints {
                http_charset,
                ..hints(DocumentKind::Unknown)
            };
            let decoded = decode(&bytes, &hints);
            assert_eq!(
                (decoded.rule, decoded.encoding, decoded.replacement_chars),
                (CharsetRule::Utf8Valid, UTF_8, 1),
                "{http_charset:?}"
            );
            assert_eq!(decoded.text.replace('\u{FFFD}', ""), text);
        }
    }
}
