//! Tokens and script runs: TEXT.md §B.7.
//!
//! In: normalized text. Out: tokens (words, hashtags, @handles, URLs, e-mail addresses, numbers,
//! punctuation, spaces) and the script runs built from them — maximal stretches of words in one
//! script with the neutral tokens between them attached as §B.7 says.
//! Never: decides languages (that is [`super::lang`]), or lets a handle, URL or e-mail address
//! vote for a script or a direction. Handles glued to the previous word (`מחר@AmichaiStein1`)
//! are recognised without a space before them.

use unicode_properties::general_category::{GeneralCategory, UnicodeGeneralCategory};
use unicode_script::Script;

use super::chars::{
    Common, common_class, is_decimal_digit, is_letter, is_mark, letter_script,
    letter_script_and_direction,
};
use super::direction::{Dir, LetterCounts};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Word,
    Hashtag,
    Mention,
    Url,
    Email,
    Number,
    Space,
    Punct,
}

/// A token over the normalized text (byte offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
    /// The script of a word's letters (words and hashtags only).
    pub script: Option<Script>,
    pub letters: LetterCounts,
}

impl Token {
    fn word(start: usize, end: usize, script: Script, ltr: u32, rtl: u32) -> Token {
        Token {
            start,
            end,
            kind: TokenKind::Word,
            script: Some(script),
            letters: LetterCounts { ltr, rtl },
        }
    }

    fn neutral(start: usize, end: usize, kind: TokenKind) -> Token {
        Token {
            start,
            end,
            kind,
            script: None,
            letters: LetterCounts::default(),
        }
    }

    pub fn is_word(&self) -> bool {
        matches!(self.kind, TokenKind::Word | TokenKind::Hashtag)
    }
}

/// Scripts that share one run: Japanese mixes Han and kana inside a sentence.
fn run_group(script: Script) -> Script {
    match script {
        Script::Hiragana | Script::Katakana => Script::Han,
        other => other,
    }
}

/// Splits `text` into tokens, in order, covering every byte.
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    // About one token per 4 bytes of news text (a word and a space every 8 to 12 bytes): one
    // allocation instead of a series of doublings.
    let mut tokens = Vec::with_capacity(text.len() / 4 + 8);
    let mut gap_start = 0;
    for special in special_spans(text) {
        tokenize_plain(text, gap_start, special.start, &mut tokens);
        tokens.push(special);
        gap_start = special.end;
    }
    tokenize_plain(text, gap_start, text.len(), &mut tokens);
    merge_hashtags(text, &mut tokens);
    tokens
}

/// URLs, e-mail addresses and @handles: found by hand because UAX #29 splits them apart.
fn special_spans(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut spans: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // Only a few ASCII bytes can start a URL or handle (and an ASCII byte is always a char
        // boundary): every other byte is passed over at once.
        let b = bytes[i];
        if b != b'@' && !may_start_url(b) {
            i += 1;
            // Most 16-byte blocks of news text (every block of Hebrew) hold no candidate at all:
            // a check the compiler vectorizes passes them over.
            while let Some(block) = bytes.get(i..i + 16)
                && !block
                    .iter()
                    .zip(&bytes[i - 1..])
                    .fold(false, |any, (&b, &before)| {
                        any | (b == b'@') | (may_start_url(b) & !is_url_lead_char(before))
                    })
            {
                i += 16;
            }
            continue;
        }
        let at_boundary = i == 0 || !is_url_lead_char(bytes[i - 1]);
        if at_boundary
            && may_start_url(b)
            && let Some(end) = url_at(text, i)
        {
            spans.push(Token::neutral(i, end, TokenKind::Url));
            i = end;
            continue;
        }
        if bytes[i] == b'@' {
            if let Some((start, end)) = email_around(text, i, spans.last().map_or(0, |s| s.end)) {
                spans.push(Token::neutral(start, end, TokenKind::Email));
                i = end;
                continue;
            }
            if let Some(end) = mention_at(text, i) {
                spans.push(Token::neutral(i, end, TokenKind::Mention));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    spans
}

fn is_url_lead_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() | (b == b'.') | (b == b'/') | (b == b'@') | (b == b'_') | (b == b'-')
}

/// The first byte of every prefix [`url_at`] knows (`http`, `www.`, `pic.`, `t.co/`), either case.
fn may_start_url(b: u8) -> bool {
    matches!(b | 0x20, b'h' | b'w' | b'p' | b't')
}

/// A URL starting at `i`: `http(s)://`, `www.`, `pic.twitter.com/`, `t.co/`, up to the next
/// whitespace, without trailing sentence punctuation. Returns its end.
fn url_at(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    // The first two bytes of the prefixes below, to pass over ordinary words at once.
    let lower = |k: usize| rest.as_bytes().get(k).map(u8::to_ascii_lowercase);
    if !matches!(
        (lower(0), lower(1)),
        (Some(b'h'), Some(b't'))
            | (Some(b'w'), Some(b'w'))
            | (Some(b'p'), Some(b'i'))
            | (Some(b't'), Some(b'.'))
    ) {
        return None;
    }
    let starts = |prefix: &str| {
        rest.len() >= prefix.len()
            && rest.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    };
    let head = if starts("https://") {
        8
    } else if starts("http://") {
        7
    } else if starts("www.") || starts("pic.twitter.com/") || starts("t.co/") {
        4
    } else {
        return None;
    };
    let mut end = i + rest
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\u{201C}' | '\u{201D}'))
        .map_or(rest.len(), |(offset, _)| offset);
    // Trailing punctuation belongs to the sentence; a closing bracket only when unbalanced.
    loop {
        let url = &text[i..end];
        let Some(last) = url.chars().next_back() else {
            break;
        };
        let unbalanced = |open: char, close: char| {
            last == close && url.matches(close).count() > url.matches(open).count()
        };
        let trailing = matches!(
            last,
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '\u{2019}' | '\u{00BB}'
        ) || unbalanced('(', ')')
            || unbalanced('[', ']')
            || unbalanced('{', '}');
        if !trailing {
            break;
        }
        end -= last.len_utf8();
    }
    (end - i > head).then_some(end)
}

fn is_handle_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// An @handle at `at` (the `@`): Twitter/Instagram `[A-Za-z0-9_]{1,30}`, optionally a domain
/// (`@name.bsky.social`) or a Mastodon `@user@host.social`. May follow any letter directly.
fn mention_at(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut end = at + 1;
    while end < bytes.len() && is_handle_byte(bytes[end]) {
        end += 1;
    }
    if end == at + 1 || end - at - 1 > 30 {
        return None;
    }
    // Domain labels: `.label` as long as a letter or digit follows the dot.
    loop {
        let dot = end;
        if dot + 1 < bytes.len()
            && (bytes[dot] == b'.' || (bytes[dot] == b'@' && dot > at + 1))
            && bytes[dot + 1].is_ascii_alphanumeric()
        {
            end = dot + 1;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'-') {
                end += 1;
            }
        } else {
            break;
        }
    }
    Some(end)
}

fn is_email_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// An e-mail address around the `@` at `at`: an ASCII local part right before it and a dotted
/// domain after it. `floor` is where the previous special span ended.
fn email_around(text: &str, at: usize, floor: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut start = at;
    while start > floor && is_email_local_byte(bytes[start - 1]) {
        start -= 1;
    }
    if start == at || !bytes[start].is_ascii_alphanumeric() {
        return None;
    }
    let mut end = at + 1;
    let mut dots = 0;
    while end < bytes.len() {
        let b = bytes[end];
        if b.is_ascii_alphanumeric() || b == b'-' {
            end += 1;
        } else if b == b'.' && end + 1 < bytes.len() && bytes[end + 1].is_ascii_alphanumeric() {
            dots += 1;
            end += 1;
        } else {
            break;
        }
    }
    (dots > 0 && end > at + 1).then_some((start, end))
}

/// Word bounds over `text[start..end]`, classified; words are split where the script of their
/// letters changes (`לGoogle` is two words).
///
/// Most of news text is words of letters between single spaces. Where a word of ASCII or Hebrew
/// letters starts after a boundary and spaces follow it, then a letter (or the end), both of its
/// boundaries are certain whatever surrounds them (letter×letter joins, letter÷space and
/// space÷letter break), so it and its spaces are taken at once; the rest goes through
/// [`WordBounds`], started afresh at a boundary before such a word — which is exact, because the
/// rules never look behind a letter.
fn tokenize_plain(text: &str, start: usize, end: usize, tokens: &mut Vec<Token>) {
    let bytes = &text.as_bytes()[..end];
    let mut pos = start;
    while pos < end {
        let Some(word) = simple_word_at(bytes, pos) else {
            pos = tokenize_bounds(text, pos, end, tokens);
            continue;
        };
        // One script and every letter strong: the token `push_words` would make.
        match (word.latin, word.hebrew) {
            (latin, 0) => tokens.push(Token::word(pos, word.end, Script::Latin, latin, 0)),
            (0, hebrew) => tokens.push(Token::word(pos, word.end, Script::Hebrew, 0, hebrew)),
            _ => push_words(&text[pos..word.end], pos, tokens),
        }
        if word.space_end > word.end {
            tokens.push(Token::neutral(word.end, word.space_end, TokenKind::Space));
        }
        pos = word.space_end;
    }
}

/// A word [`simple_word_at`] takes: where it and the spaces after it end, and how many letters
/// of each script it has.
struct SimpleWord {
    end: usize,
    space_end: usize,
    latin: u32,
    hebrew: u32,
}

/// An ASCII letter or a Hebrew letter (U+05D0–05EA, U+05EF–05F2) at `i`.
fn is_simple_letter_at(bytes: &[u8], i: usize) -> bool {
    match bytes.get(i) {
        Some(b) if b.is_ascii_alphabetic() => true,
        Some(0xD7) => matches!(bytes.get(i + 1), Some(0x90..=0xAA | 0xAF..=0xB2)),
        _ => false,
    }
}

/// The word of letters at `pos`, when spaces and then a letter (or the end) follow it, or it
/// reaches the end.
fn simple_word_at(bytes: &[u8], pos: usize) -> Option<SimpleWord> {
    let n = bytes.len();
    let (mut latin, mut hebrew) = (0u32, 0u32);
    let mut i = pos;
    loop {
        let ascii = i;
        while i < n && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        latin += (i - ascii) as u32;
        let hebrew_start = i;
        while i + 1 < n && bytes[i] == 0xD7 && matches!(bytes[i + 1], 0x90..=0xAA | 0xAF..=0xB2) {
            i += 2;
        }
        hebrew += ((i - hebrew_start) / 2) as u32;
        if i == ascii {
            break;
        }
    }
    if i == pos {
        return None;
    }
    let mut after = i;
    while after < n && bytes[after] == b' ' {
        after += 1;
    }
    let certain = i == n || (after > i && (after == n || is_simple_letter_at(bytes, after)));
    certain.then_some(SimpleWord {
        end: i,
        space_end: after,
        latin,
        hebrew,
    })
}

/// [`WordBounds`] over `text[start..end]` until a boundary before a word [`simple_word_at`]
/// takes; returns where it stopped.
fn tokenize_bounds(text: &str, start: usize, end: usize, tokens: &mut Vec<Token>) -> usize {
    let bytes = &text.as_bytes()[..end];
    let mut bounds = WordBounds::new(&text[start..end]);
    while let Some((offset, piece, class)) = bounds.next_classified() {
        let piece_start = start + offset;
        push_piece(piece, piece_start, class, tokens);
        let piece_end = piece_start + piece.len();
        if piece_end < end && simple_word_at(bytes, piece_end).is_some() {
            return piece_end;
        }
    }
    end
}

fn push_piece(piece: &str, piece_start: usize, class: PieceClass, tokens: &mut Vec<Token>) {
    let kind = match class {
        PieceClass::Space => TokenKind::Space,
        PieceClass::Number => TokenKind::Number,
        PieceClass::Word => return push_words(piece, piece_start, tokens),
        PieceClass::Other if piece.chars().any(is_letter) => {
            return push_words(piece, piece_start, tokens);
        }
        PieceClass::Other if piece.chars().any(is_decimal_digit) => TokenKind::Number,
        PieceClass::Other => TokenKind::Punct,
    };
    tokens.push(Token::neutral(piece_start, piece_start + piece.len(), kind));
}

/// Word-break classes of UAX #29 that matter for news text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wb {
    Letter,
    HebrewLetter,
    Numeric,
    MidLetter,
    MidNumLet,
    SingleQuote,
    DoubleQuote,
    MidNum,
    ExtendNumLet,
    Katakana,
    /// Marks, joiners, variation selectors, format characters: they attach to what precedes.
    Extend,
    Space,
    Newline,
    Other,
}

impl Wb {
    fn of(c: char) -> Wb {
        if c.is_ascii() {
            return match c {
                'a'..='z' | 'A'..='Z' => Wb::Letter,
                '0'..='9' => Wb::Numeric,
                ' ' | '\t' => Wb::Space,
                '\n' | '\r' | '\u{0B}' | '\u{0C}' => Wb::Newline,
                ':' => Wb::MidLetter,
                '.' => Wb::MidNumLet,
                '\'' => Wb::SingleQuote,
                '"' => Wb::DoubleQuote,
                ',' | ';' => Wb::MidNum,
                '_' => Wb::ExtendNumLet,
                _ => Wb::Other,
            };
        }
        match c {
            '\u{05D0}'..='\u{05EA}' | '\u{05EF}'..='\u{05F2}' => Wb::HebrewLetter,
            '\u{05F3}' => Wb::Letter,
            '\u{00B7}' | '\u{0387}' | '\u{055F}' | '\u{05F4}' | '\u{2027}' | '\u{FE13}'
            | '\u{FE55}' | '\u{FF1A}' => Wb::MidLetter,
            '\u{2018}' | '\u{2019}' | '\u{2024}' | '\u{FE52}' | '\u{FF07}' | '\u{FF0E}' => {
                Wb::MidNumLet
            }
            '\u{037E}' | '\u{0589}' | '\u{060C}' | '\u{060D}' | '\u{066C}' | '\u{07F8}'
            | '\u{2044}' | '\u{FE10}' | '\u{FE14}' | '\u{FE50}' | '\u{FE54}' | '\u{FF0C}'
            | '\u{FF1B}' => Wb::MidNum,
            '\u{066B}' => Wb::Numeric,
            '\u{202F}'
            | '\u{203F}'
            | '\u{2040}'
            | '\u{2054}'
            | '\u{FE33}'
            | '\u{FE34}'
            | '\u{FE4D}'..='\u{FE4F}'
            | '\u{FF3F}' => Wb::ExtendNumLet,
            '\u{0085}' | '\u{2028}' | '\u{2029}' => Wb::Newline,
            '\u{200C}' | '\u{200D}' | '\u{FE00}'..='\u{FE0F}' | '\u{E0020}'..='\u{E007F}' => {
                Wb::Extend
            }
            // The letters and marks of the common blocks without asking the tables.
            c => match common_class(c) {
                Some(Common::Mark) => Wb::Extend,
                Some(
                    Common::LatinLetter
                    | Common::CyrillicLetter
                    | Common::HebrewLetter
                    | Common::ArabicLetter,
                ) => Wb::Letter,
                Some(Common::Other) | None => Wb::of_tables(c),
            },
        }
    }

    /// The class of a non-ASCII character from the Unicode tables.
    fn of_tables(c: char) -> Wb {
        match c {
            c if is_mark(c) => Wb::Extend,
            // `letter_script` is the script of a letter (fast for the common blocks), `None` for
            // Common and Inherited letters, which join like any other letter.
            c if is_letter(c) => match letter_script(c) {
                // Ideographs, kana and the scripts written without spaces are one word per
                // character in UAX #29 (no dictionary); Katakana joins Katakana.
                Some(
                    Script::Han
                    | Script::Hiragana
                    | Script::Thai
                    | Script::Lao
                    | Script::Khmer
                    | Script::Myanmar,
                ) => Wb::Other,
                Some(Script::Katakana) => Wb::Katakana,
                _ => Wb::Letter,
            },
            c if is_decimal_digit(c) => Wb::Numeric,
            '\u{00A0}' | '\u{2007}' => Wb::Other,
            c if c.is_whitespace() => Wb::Space,
            _ => Wb::Other,
        }
    }

    fn is_ah_letter(self) -> bool {
        matches!(self, Wb::Letter | Wb::HebrewLetter)
    }

    fn is_mid_letter_q(self) -> bool {
        matches!(self, Wb::MidLetter | Wb::MidNumLet | Wb::SingleQuote)
    }

    fn is_mid_num_q(self) -> bool {
        matches!(self, Wb::MidNum | Wb::MidNumLet | Wb::SingleQuote)
    }
}

/// What a piece between two word boundaries is, as far as its classes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PieceClass {
    Word,
    Number,
    Space,
    /// Punctuation, symbols — or letters of a class that does not join (ideographs): look closer.
    Other,
}

/// UAX #29 word boundaries (rules WB3–WB13b, without the emoji and regional-indicator rules, and
/// with letters of every script joining — script changes are split afterwards). Written out
/// because it is the hottest loop of the text core: ASCII and Hebrew have fast classes here, and
/// it streams with one character of lookahead instead of collecting the text first.
struct WordBounds<'a> {
    text: &'a str,
    chars: Folded<'a>,
    /// The class of the character before `prev`, and `prev` itself.
    before: Option<Wb>,
    prev: Option<Folded1>,
    /// Where the next piece starts, and its classes so far.
    piece_start: usize,
    piece_class: PieceClass,
}

/// One character with the Extend characters that follow it folded in (rule WB4).
#[derive(Debug, Clone, Copy)]
struct Folded1 {
    offset: usize,
    class: Wb,
    /// An Extend character was folded in: it keeps two spaces apart (WB3d sees it).
    extended: bool,
}

struct Folded<'a> {
    text: &'a str,
    /// The characters after `pending`; their offsets are relative to `shift`.
    chars: std::str::CharIndices<'a>,
    shift: usize,
    pending: Option<(usize, Wb)>,
}

impl<'a> Folded<'a> {
    fn new(text: &'a str) -> Self {
        Folded {
            text,
            chars: text.char_indices(),
            shift: 0,
            pending: None,
        }
    }

    #[inline(always)]
    fn next_raw(&mut self) -> Option<(usize, Wb)> {
        self.chars.next().map(|(o, c)| (self.shift + o, Wb::of(c)))
    }

    /// Folds the Extend characters that follow into the character just taken (rule WB4) and
    /// sets `pending` to the next character. Says whether anything was folded.
    #[inline(always)]
    fn fold_extends(&mut self) -> bool {
        let mut extended = false;
        while let Some((o, class)) = self.next_raw() {
            if class != Wb::Extend {
                self.pending = Some((o, class));
                return extended;
            }
            extended = true;
        }
        extended
    }

    /// When the pending character is a letter: takes it and every ASCII or Hebrew letter (and
    /// Hebrew point) right after it at once, as the character-by-character loop would — a letter
    /// followed by a letter always joins (WB5), whatever surrounds them. Returns the class of
    /// the letter before the last one (`previous` when there is only one) and the last one.
    #[inline(always)]
    fn skip_letters(&mut self, previous: Wb) -> Option<(Wb, Folded1)> {
        let (offset, class) = self.pending.filter(|(_, class)| class.is_ah_letter())?;
        self.pending = None;
        let mut before = previous;
        let mut last = Folded1 {
            offset,
            class,
            extended: false,
        };
        let start = self.shift + self.chars.offset();
        let bytes = &self.text.as_bytes()[start..];
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let (width, letter) = match (b, bytes.get(i + 1).copied().unwrap_or(0)) {
                (b'a'..=b'z' | b'A'..=b'Z', _) => (1, Some(Wb::Letter)),
                // U+05D0–05EA, U+05EF–05F2: the Hebrew letters.
                (0xD7, 0x90..=0xAA | 0xAF..=0xB2) => (2, Some(Wb::HebrewLetter)),
                // U+0591–05BD, U+05BF, U+05C1–05C2, U+05C4–05C5, U+05C7: the Hebrew points (Extend).
                (0xD6, 0x91..=0xBD | 0xBF) | (0xD7, 0x81 | 0x82 | 0x84 | 0x85 | 0x87) => (2, None),
                _ => break,
            };
            match letter {
                Some(class) => {
                    before = last.class;
                    last = Folded1 {
                        offset: start + i,
                        class,
                        extended: false,
                    };
                }
                None => last.extended = true,
            }
            i += width;
        }
        self.shift = start + i;
        self.chars = self.text[self.shift..].char_indices();
        last.extended |= self.fold_extends();
        Some((before, last))
    }
}

impl Iterator for Folded<'_> {
    type Item = Folded1;

    #[inline(always)]
    fn next(&mut self) -> Option<Folded1> {
        let (offset, class) = self.pending.take().or_else(|| self.next_raw())?;
        let extended = class != Wb::Newline && self.fold_extends();
        Some(Folded1 {
            offset,
            class,
            extended,
        })
    }
}

impl<'a> WordBounds<'a> {
    fn new(text: &'a str) -> Self {
        let mut chars = Folded::new(text);
        let prev = chars.next();
        let piece_class = prev.map_or(PieceClass::Other, |p| PieceClass::of(p.class));
        WordBounds {
            text,
            chars,
            before: None,
            prev,
            piece_start: 0,
            piece_class,
        }
    }

    /// True when there is no break between `p` and `q` (with `before` before `p`, `after`
    /// after `q`).
    #[inline(always)]
    fn joins(before: Option<Wb>, p: Folded1, q: Wb, after: Option<Wb>) -> bool {
        match (p.class, q) {
            (Wb::Space, Wb::Space) => !p.extended,
            (Wb::Katakana, Wb::Katakana) => true,
            (p, q) if p.is_ah_letter() && q.is_ah_letter() => true,
            (p, q)
                if p.is_ah_letter()
                    && q.is_mid_letter_q()
                    && after.is_some_and(Wb::is_ah_letter) =>
            {
                true
            }
            (p, q)
                if p.is_mid_letter_q()
                    && q.is_ah_letter()
                    && before.is_some_and(Wb::is_ah_letter) =>
            {
                true
            }
            (Wb::HebrewLetter, Wb::SingleQuote) => true,
            (Wb::HebrewLetter, Wb::DoubleQuote) => after == Some(Wb::HebrewLetter),
            (Wb::DoubleQuote, Wb::HebrewLetter) => before == Some(Wb::HebrewLetter),
            (Wb::Numeric, Wb::Numeric) => true,
            (p, Wb::Numeric) if p.is_ah_letter() => true,
            (Wb::Numeric, q) if q.is_ah_letter() => true,
            (p, Wb::Numeric) if p.is_mid_num_q() => before == Some(Wb::Numeric),
            (Wb::Numeric, q) if q.is_mid_num_q() => after == Some(Wb::Numeric),
            (p, Wb::ExtendNumLet) => {
                p.is_ah_letter() || matches!(p, Wb::Numeric | Wb::ExtendNumLet | Wb::Katakana)
            }
            (Wb::ExtendNumLet, q) => q.is_ah_letter() || matches!(q, Wb::Numeric | Wb::Katakana),
            _ => false,
        }
    }

    /// The next piece between two word boundaries, with what its classes say about it.
    #[inline(always)]
    fn next_classified(&mut self) -> Option<(usize, &'a str, PieceClass)> {
        let mut prev = self.prev?;
        loop {
            // Inside a word, a run of letters goes by at once.
            if prev.class.is_ah_letter()
                && let Some((before, last)) = self.chars.skip_letters(prev.class)
            {
                self.before = Some(before);
                self.prev = Some(last);
                self.piece_class = self.piece_class.with(last.class);
                prev = last;
            }
            let Some(cur) = self.chars.next() else {
                self.prev = None;
                let start = self.piece_start;
                return Some((start, &self.text[start..], self.piece_class));
            };
            let after = self.chars.pending.map(|(_, class)| class);
            let joined = Self::joins(self.before, prev, cur.class, after);
            self.before = Some(prev.class);
            self.prev = Some(cur);
            if joined {
                self.piece_class = self.piece_class.with(cur.class);
                prev = cur;
                continue;
            }
            let start = self.piece_start;
            let class = self.piece_class;
            self.piece_start = cur.offset;
            self.piece_class = PieceClass::of(cur.class);
            return Some((start, &self.text[start..cur.offset], class));
        }
    }

    #[cfg(test)]
    fn next_piece(&mut self) -> Option<(usize, &'a str)> {
        self.next_classified()
            .map(|(offset, piece, _)| (offset, piece))
    }
}

impl PieceClass {
    fn of(class: Wb) -> PieceClass {
        match class {
            Wb::Letter | Wb::HebrewLetter | Wb::Katakana => PieceClass::Word,
            Wb::Numeric => PieceClass::Number,
            Wb::Space | Wb::Newline => PieceClass::Space,
            _ => PieceClass::Other,
        }
    }

    /// The class of a piece after `class` joined it: a letter makes a word, a digit a number
    /// (unless it is already a word).
    fn with(self, class: Wb) -> PieceClass {
        match (self, PieceClass::of(class)) {
            (PieceClass::Word, _) | (_, PieceClass::Word) => PieceClass::Word,
            (PieceClass::Number, _) | (_, PieceClass::Number) => PieceClass::Number,
            (current, _) => current,
        }
    }
}

fn push_words(piece: &str, piece_start: usize, tokens: &mut Vec<Token>) {
    let bytes = piece.as_bytes();
    // The usual word, all ASCII letters or all Hebrew letters: one script, every letter strong.
    let uniform = if bytes.iter().all(u8::is_ascii_alphabetic) {
        Some((
            Script::Latin,
            LetterCounts {
                ltr: bytes.len() as u32,
                rtl: 0,
            },
        ))
    } else if bytes.len().is_multiple_of(2)
        && bytes
            .chunks_exact(2)
            .all(|c| c[0] == 0xD7 && matches!(c[1], 0x90..=0xAA | 0xAF..=0xB2))
    {
        Some((
            Script::Hebrew,
            LetterCounts {
                ltr: 0,
                rtl: bytes.len() as u32 / 2,
            },
        ))
    } else {
        None
    };
    if let Some((script, letters)) = uniform
        && !bytes.is_empty()
    {
        tokens.push(word(
            piece_start,
            piece_start + piece.len(),
            Some(script),
            letters,
        ));
        return;
    }
    let mut word_start = 0;
    let mut script: Option<Script> = None;
    let mut letters = LetterCounts::default();
    let mut offset = 0;
    while offset < bytes.len() {
        // ASCII and the Hebrew letters straight from the bytes; the rest by character.
        let (width, letter) = match (bytes[offset], bytes.get(offset + 1)) {
            (b, _) if b.is_ascii() => (
                1,
                b.is_ascii_alphabetic()
                    .then_some((Script::Latin, Some(Dir::Ltr))),
            ),
            // U+05D0–05EA, U+05EF–05F2.
            (0xD7, Some(0x90..=0xAA | 0xAF..=0xB2)) => (2, Some((Script::Hebrew, Some(Dir::Rtl)))),
            _ => {
                let Some(c) = piece[offset..].chars().next() else {
                    break;
                };
                (c.len_utf8(), letter_script_and_direction(c))
            }
        };
        if let Some((s, dir)) = letter {
            match script {
                Some(current) if run_group(current) != run_group(s) => {
                    tokens.push(word(
                        piece_start + word_start,
                        piece_start + offset,
                        Some(current),
                        letters,
                    ));
                    word_start = offset;
                    letters = LetterCounts::default();
                    script = Some(s);
                }
                None => script = Some(s),
                Some(_) => {}
            }
            letters.count_direction(dir);
        }
        offset += width;
    }
    tokens.push(word(
        piece_start + word_start,
        piece_start + piece.len(),
        script,
        letters,
    ));
}

fn word(start: usize, end: usize, script: Option<Script>, letters: LetterCounts) -> Token {
    match script {
        Some(_) => Token {
            start,
            end,
            kind: TokenKind::Word,
            script,
            letters,
        },
        // Letters of no particular script (rare: Common-script letters): a neutral.
        None => Token::neutral(start, end, TokenKind::Punct),
    }
}

/// `#` glued to a following word becomes one hashtag, which keeps the word's script.
fn merge_hashtags(text: &str, tokens: &mut Vec<Token>) {
    if !text.as_bytes().contains(&b'#') && !text.contains('\u{FF03}') {
        return;
    }
    let mut merged = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        let is_hash =
            t.kind == TokenKind::Punct && matches!(&text[t.start..t.end], "#" | "\u{FF03}");
        let prev_is_word = merged.last().is_some_and(|p: &Token| {
            p.end == t.start
                && matches!(
                    p.kind,
                    TokenKind::Word | TokenKind::Number | TokenKind::Hashtag
                )
        });
        let glued_word = tokens
            .get(i + 1)
            .filter(|n| n.kind == TokenKind::Word && n.start == t.end);
        if is_hash
            && !prev_is_word
            && let Some(next) = glued_word
        {
            merged.push(Token {
                start: t.start,
                end: next.end,
                kind: TokenKind::Hashtag,
                script: next.script,
                letters: next.letters,
            });
            i += 2;
            continue;
        }
        merged.push(t);
        i += 1;
    }
    *tokens = merged;
}

/// A script run over a token range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRun {
    /// Byte range in the text, trimmed of whitespace.
    pub start: usize,
    pub end: usize,
    /// Token range `[first, last)`.
    pub first: usize,
    pub last: usize,
    /// The majority script of the run's letters.
    pub script: Script,
    pub letters: LetterCounts,
    /// Words and hashtags in the run.
    pub words: u32,
    /// Letters in the longest word.
    pub longest_word: u32,
}

fn is_opening(text: &str, token: &Token) -> bool {
    if token.kind != TokenKind::Punct {
        return false;
    }
    let s = &text[token.start..token.end];
    let mut chars = s.chars();
    let Some(c) = chars.next() else { return false };
    chars.next().is_none()
        && (matches!(c, '"' | '\'' | '\u{05F4}' | '\u{05F3}')
            || matches!(
                c.general_category(),
                GeneralCategory::OpenPunctuation | GeneralCategory::InitialPunctuation
            ))
}

/// Builds runs from tokens: neutrals between two words of one script join that run; at a script
/// change, opening brackets and quotes glued to the next word go with the next run and every
/// other neutral stays with the previous one; leading neutrals belong to the first run.
pub(crate) fn runs(text: &str, tokens: &[Token]) -> Vec<RawRun> {
    // (first token, script) at each script change; the first run starts at token 0.
    let mut boundaries: Vec<(usize, Script)> = Vec::new();
    let mut current: Option<Script> = None;
    for (i, token) in tokens.iter().enumerate() {
        let Some(script) = token.script.filter(|_| token.is_word()) else {
            continue;
        };
        match current {
            None => boundaries.push((0, script)),
            Some(c) if run_group(c) == run_group(script) => {}
            Some(_) => {
                let mut start = i;
                while start > 0
                    && tokens[start - 1].end == tokens[start].start
                    && is_opening(text, &tokens[start - 1])
                {
                    start -= 1;
                }
                boundaries.push((start, script));
            }
        }
        current = Some(script);
    }
    let mut out = Vec::with_capacity(boundaries.len());
    for (n, &(first, _)) in boundaries.iter().enumerate() {
        let last = boundaries.get(n + 1).map_or(tokens.len(), |b| b.0);
        out.push(build_run(text, tokens, first, last));
    }
    out
}

fn build_run(text: &str, tokens: &[Token], first: usize, last: usize) -> RawRun {
    let mut letters = LetterCounts::default();
    let mut words = 0;
    let mut longest_word = 0;
    let mut by_script: Vec<(Script, u32)> = Vec::new();
    for token in tokens[first..last].iter().filter(|t| t.is_word()) {
        words += 1;
        letters.add(token.letters);
        longest_word = longest_word.max(token.letters.total());
        if let Some(script) = token.script {
            match by_script.iter_mut().find(|(s, _)| *s == script) {
                Some((_, n)) => *n += token.letters.total().max(1),
                None => by_script.push((script, token.letters.total().max(1))),
            }
        }
    }
    let script = by_script
        .iter()
        .max_by_key(|(_, n)| *n)
        .map_or(Script::Common, |(s, _)| *s);
    let raw_start = tokens.get(first).map_or(0, |t| t.start);
    let raw_end = tokens
        .get(last.saturating_sub(1))
        .map_or(raw_start, |t| t.end);
    let slice = &text[raw_start..raw_end];
    let start = raw_start + (slice.len() - slice.trim_start().len());
    let end = raw_end - (slice.len() - slice.trim_end().len());
    RawRun {
        start,
        end: end.max(start),
        first,
        last,
        script,
        letters,
        words,
        longest_word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_texts(text: &str) -> Vec<&str> {
        let tokens = tokenize(text);
        runs(text, &tokens)
            .into_iter()
            .map(|r| &text[r.start..r.end])
            .collect()
    }

    fn kinds(text: &str) -> Vec<(&str, TokenKind)> {
        tokenize(text)
            .into_iter()
            .filter(|t| t.kind != TokenKind::Space)
            .map(|t| (&text[t.start..t.end], t.kind))
            .collect()
    }

    // TEXT.md §B.7.4, all three vectors.
    #[test]
    fn hebrew_headline_with_an_english_name() {
        assert_eq!(
            run_texts("ראש הממשלה נתניהו נפגש עם Amos Hochstein בירושלים"),
            ["ראש הממשלה נתניהו נפגש עם", "Amos Hochstein", "בירושלים"]
        );
    }

    #[test]
    fn brackets_urls_and_hashtags() {
        assert_eq!(
            run_texts("צה\"ל: תקפנו יעדים בלבנון (IDF statement) https://t.co/AbC123 #ישראל"),
            [
                "צה\"ל: תקפנו יעדים בלבנון",
                "(IDF statement) https://t.co/AbC123",
                "#ישראל"
            ]
        );
    }

    #[test]
    fn headline_starting_with_a_brand() {
        assert_eq!(
            run_texts("Google הודיעה היום על השקת מרכז פיתוח חדש בחיפה"),
            ["Google", "הודיעה היום על השקת מרכז פיתוח חדש בחיפה"]
        );
    }

    #[test]
    fn handle_glued_to_a_hebrew_word_is_a_neutral_inside_the_hebrew_run() {
        let text = "והדיונים יימשכו מחר@AmichaiStein1";
        assert_eq!(
            kinds(text),
            [
                ("והדיונים", TokenKind::Word),
                ("יימשכו", TokenKind::Word),
                ("מחר", TokenKind::Word),
                ("@AmichaiStein1", TokenKind::Mention),
            ]
        );
        assert_eq!(run_texts(text), [text]);
    }

    #[test]
    fn quoted_hebrew_word_inside_english_takes_its_quotes() {
        assert_eq!(
            run_texts("Israelis mark Memorial Day as the word 'יזכור' trends on social media"),
            [
                "Israelis mark Memorial Day as the word",
                "'יזכור'",
                "trends on social media"
            ]
        );
    }

    #[test]
    fn urls_emails_and_handles() {
        assert_eq!(
            kinds(
                "see https://example.org/a_(b). mail news@kan.org.il or @kann_news, @x.bsky.social"
            ),
            [
                ("see", TokenKind::Word),
                ("https://example.org/a_(b)", TokenKind::Url),
                (".", TokenKind::Punct),
                ("mail", TokenKind::Word),
                ("news@kan.org.il", TokenKind::Email),
                ("or", TokenKind::Word),
                ("@kann_news", TokenKind::Mention),
                (",", TokenKind::Punct),
                ("@x.bsky.social", TokenKind::Mention),
            ]
        );
    }

    #[test]
    fn words_split_where_the_script_changes() {
        assert_eq!(
            kinds("לGoogle"),
            [("ל", TokenKind::Word), ("Google", TokenKind::Word)]
        );
    }

    #[test]
    fn gershayim_acronym_is_one_word() {
        assert_eq!(
            kinds("צה\"ל: 2024"),
            [
                ("צה\"ל", TokenKind::Word),
                (":", TokenKind::Punct),
                ("2024", TokenKind::Number)
            ]
        );
    }

    /// The seed article and real sentences of every language nahar labels by default.
    fn real_texts() -> Vec<String> {
        let mut texts = vec![crate::test_corpus::seed_article()];
        for lang in ["he", "en", "fr", "ar", "ru"] {
            texts.push(crate::test_corpus::read_text(&format!(
                "lingua-testdata/language-testdata/sentences/{lang}.txt"
            )));
        }
        assert!(
            texts.iter().all(|t| t.lines().count() >= 20),
            "a text is cut short"
        );
        texts
    }

    /// The hand-written word bounds agree with unicode-segmentation's UAX #29 on real sentences
    /// of every language nahar labels by default, and on the seed article.
    #[test]
    fn word_bounds_agree_with_uax29_on_real_text() {
        use unicode_segmentation::UnicodeSegmentation;
        let texts = real_texts();
        for text in &texts {
            for line in text.lines() {
                let line = crate::text::normalize(line).text;
                let ours: Vec<(usize, &str)> = {
                    let mut bounds = WordBounds::new(&line);
                    std::iter::from_fn(|| bounds.next_piece()).collect()
                };
                let theirs: Vec<(usize, &str)> = line.split_word_bound_indices().collect();
                assert_eq!(ours, theirs, "{line}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        /// Agreement with UAX #29 on arbitrary mixes of the characters news text is made of.
        #[test]
        fn word_bounds_agree_with_uax29_on_news_alphabets(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                'a', 'Z', 'é', '0', '7', ' ', '\n', '\'', '"', ':', '.', ',', ';', '_', '-', '(', '@', '#',
                '\u{2019}', '\u{05D0}', '\u{05E9}', '\u{05DD}', '\u{05B7}', '\u{05BC}', '\u{05F3}', '\u{05F4}',
                '\u{05BE}', '\u{0627}', '\u{064B}', '\u{060C}', '\u{0416}', '\u{0301}', '\u{00A0}', '\u{30A2}',
                '\u{4E00}', '\u{0E01}', '\u{066B}',
            ]), 0..40)
        ) {
            use unicode_segmentation::UnicodeSegmentation;
            let text: String = chars.into_iter().collect();
            let ours: Vec<(usize, &str)> = {
                let mut bounds = WordBounds::new(&text);
                std::iter::from_fn(|| bounds.next_piece()).collect()
            };
            let theirs: Vec<(usize, &str)> = text.split_word_bound_indices().collect();
            proptest::prop_assert_eq!(ours, theirs);
        }
    }

    /// Tokens as [`WordBounds`] alone gives them (the tokenizer before its fast lane).
    fn tokenize_reference(text: &str) -> Vec<Token> {
        let mut tokens = Vec::new();
        let mut gap_start = 0;
        let plain = |start: usize, end: usize, tokens: &mut Vec<Token>| {
            if start < end {
                let mut bounds = WordBounds::new(&text[start..end]);
                while let Some((offset, piece, class)) = bounds.next_classified() {
                    push_piece(piece, start + offset, class, tokens);
                }
            }
        };
        for special in special_spans(text) {
            plain(gap_start, special.start, &mut tokens);
            tokens.push(special);
            gap_start = special.end;
        }
        plain(gap_start, text.len(), &mut tokens);
        merge_hashtags(text, &mut tokens);
        tokens
    }

    #[test]
    fn fast_lane_tokens_are_word_bounds_tokens_on_real_text() {
        let texts = real_texts();
        for text in &texts {
            assert!(!text.is_empty());
            for line in text.lines() {
                let line = crate::text::normalize(line).text;
                assert_eq!(tokenize(&line), tokenize_reference(&line), "{line}");
            }
            assert_eq!(tokenize(text), tokenize_reference(text));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        /// The fast lane changes no token, whatever surrounds the words it takes.
        #[test]
        fn fast_lane_tokens_are_word_bounds_tokens(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "a", "Zq", "word", "\u{05D0}", "\u{05E9}\u{05DC}", "\u{05F2}", " ", " ", "  ", "\n", "\t",
                "'", "\"", ":", ".", ",", "-", "_", "1", "42", "\u{05B7}", "\u{0301}", "\u{200D}", "\u{05F4}",
                "\u{05F3}", "\u{2019}", "\u{00A0}", "\u{00E9}", "\u{0416}", "\u{4E00}", "\u{30A2}", "#", "@x",
                "http://a.b", "(", "\u{05BE}", ")", ";", "!", "?", "\u{201D}", "\u{2018}", "\u{05D3}",
                "\u{05D5}", "x", "\u{05F4}\u{05D7}", "\"\u{05DC}",
            ]), 0..30)
        ) {
            let text: String = pieces.concat();
            proptest::prop_assert_eq!(tokenize(&text), tokenize_reference(&text));
        }
    }

    #[test]
    fn neutral_only_text_has_no_runs() {
        assert!(run_texts("2024 — 12:30 @kann_news https://t.co/x").is_empty());
    }
}
