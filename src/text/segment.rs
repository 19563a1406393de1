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
use unicode_segmentation::UnicodeSegmentation;

use super::chars::{is_decimal_digit, is_letter};
use super::direction::letter_script_and_direction;
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

/// Word bounds (UAX #29, `unicode-segmentation`) over `text[start..end]`, classified; words are
/// split where the script of their letters changes (`לGoogle` is two words).
fn tokenize_plain(text: &str, start: usize, end: usize, tokens: &mut Vec<Token>) {
    for (offset, piece) in text[start..end].split_word_bound_indices() {
        let piece_start = start + offset;
        let kind = if piece.chars().any(is_letter) {
            push_words(piece, piece_start, tokens);
            continue;
        } else if piece.chars().all(char::is_whitespace) {
            TokenKind::Space
        } else if piece.chars().any(is_decimal_digit) {
            TokenKind::Number
        } else {
            TokenKind::Punct
        };
        tokens.push(Token::neutral(piece_start, piece_start + piece.len(), kind));
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

    #[test]
    fn neutral_only_text_has_no_runs() {
        assert!(run_texts("2024 — 12:30 @kann_news https://t.co/x").is_empty());
    }
}
