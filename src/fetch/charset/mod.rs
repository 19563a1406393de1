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

mod declared;
#[cfg(test)]
mod tests;
mod visual;

use std::cell::OnceCell;
use std::fmt;

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use declared::{clean_label, declared_label, rewrite_xml_encoding};
use encoding_rs::{
    DecoderResult, Encoding, ISO_8859_8, ISO_8859_8_I, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE,
    WINDOWS_1255,
};
use visual::{LineMode, looks_visual, visual_to_logical};

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
        // encoding_rs validates UTF-8 about ten times as fast as `str::from_utf8` on Hebrew
        // text (0.7 ms against 7.4 ms for a 6.7 MB feed, measured), and nothing else can start
        // before this.
        if let Some(text) = UTF_8.decode_without_bom_handling_and_without_replacement(bytes) {
            return (Candidate::utf8(&text), CharsetRule::Utf8Valid, seen);
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
