//! Character references left in text: the first step of normalization (SPEC "no entities in
//! text", rule N0).
//!
//! In: a text the parsers have already decoded, in which a reference can still stand: an XML
//! feed's undefined entity (`&xxe;`, `&eacute;` without a DTD that defines it — quick-xml leaves
//! both as written), an entity from a DTD nahar does not expand (`&lol9;`), a field escaped
//! twice (`&amp;lt;script&amp;gt;` decoded once is `&lt;script&gt;`), a JSON Feed's plain text
//! holding `&amp;`. Out: the text with each reference replaced by the characters its author
//! meant — a number by its character (C1 numbers by their windows-1252 character, as WHATWG
//! reads them), a name from HTML's list of named references (`&nbsp;`, `&rsquo;`, `&eacute;`,
//! `&lt;`) by its characters — and every other name (`&xxe;`, `&lol9;`) removed and counted.
//! Repeated until none is left, so that `&amp;lt;` ends as `<` and the result is a fixed point.
//! Never: touches an `&` that does not start a reference closed by `;` (`AT&T`, `Q&A`,
//! `Tom & Jerry`, `&copy 2026`), or an unknown name glued to a letter or digit before it
//! (`R&D;`, `AT&T;` — prose, not a reference); never makes a reference out of nothing.

use std::borrow::Cow;

/// The longest name looked up: HTML's longest is `CounterClockwiseContourIntegral` (31).
const MAX_NAME: usize = 32;

/// The characters `text` means with every reference resolved; `removed` counts the undefined
/// ones dropped. Borrowed when there is nothing to do.
pub(super) fn resolve<'t>(text: &'t str, removed: &mut u32) -> Cow<'t, str> {
    let mut current = match resolve_once(text, removed) {
        Some(changed) => changed,
        None => return Cow::Borrowed(text),
    };
    // `&amp;lt;`: the `&` a pass produces can start another reference. Each pass that changes
    // something makes the text shorter, so this ends.
    while let Some(changed) = resolve_once(&current, removed) {
        current = changed;
    }
    Cow::Owned(current)
}

/// Whether [`resolve`] would change `text`.
pub(super) fn has_reference(text: &str) -> bool {
    let mut removed = 0;
    resolve_once(text, &mut removed).is_some()
}

/// One left-to-right pass; `None` when it changes nothing.
fn resolve_once(text: &str, removed: &mut u32) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Everything before `copied` is in `out` already.
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = memchr::memchr(b'&', &bytes[at..]) {
        let amp = at + offset;
        at = amp + 1;
        let Some((len, meaning)) = reference_at(text, amp) else {
            continue;
        };
        let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
        out.push_str(&text[copied..amp]);
        match meaning {
            Meaning::Chars(first, second) => {
                out.push(first);
                if let Some(second) = second {
                    out.push(second);
                }
            }
            Meaning::Nothing => *removed += 1,
        }
        copied = amp + len;
        at = copied;
    }
    let mut out = out?;
    out.push_str(&text[copied..]);
    Some(out)
}

/// What a reference stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meaning {
    Chars(char, Option<char>),
    /// An undefined name, or a number that is no character: removed.
    Nothing,
}

/// The reference that starts at `text[amp]` (an `&`): its length in bytes and meaning, or
/// `None` when the `&` is text.
fn reference_at(text: &str, amp: usize) -> Option<(usize, Meaning)> {
    let rest = &text.as_bytes()[amp + 1..];
    if let Some(number) = rest.strip_prefix(b"#") {
        let (hex, digits) = match number.first() {
            Some(b'x' | b'X') => (true, &number[1..]),
            _ => (false, number),
        };
        let count = digits
            .iter()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count();
        if count == 0 || digits.get(count) != Some(&b';') {
            return None;
        }
        let len = 1 + 1 + usize::from(hex) + count + 1;
        // Leading zeros are allowed; a number too long for u32 is no character.
        let value = std::str::from_utf8(&digits[..count])
            .ok()
            .and_then(|d| u32::from_str_radix(d, if hex { 16 } else { 10 }).ok());
        return Some((len, number_meaning(value)));
    }
    let count = rest
        .iter()
        .take(MAX_NAME + 1)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if count == 0
        || count > MAX_NAME
        || !rest[0].is_ascii_alphabetic()
        || rest.get(count) != Some(&b';')
    {
        return None;
    }
    // `name;` as the table keys it.
    let key = &text[amp + 1..amp + 1 + count + 1];
    let len = count + 2;
    if let Some(&(first, second)) = web_atoms::NAMED_ENTITIES.get(key) {
        let first = char::from_u32(first)?;
        let second = char::from_u32(second).filter(|&c| c != '\0');
        return Some((len, Meaning::Chars(first, second)));
    }
    let glued = text[..amp]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    (!glued).then_some((len, Meaning::Nothing))
}

/// A numeric reference's character as HTML reads it: C1 numbers are windows-1252's characters;
/// zero, surrogates and numbers past U+10FFFF are no character.
fn number_meaning(value: Option<u32>) -> Meaning {
    let Some(value) = value else {
        return Meaning::Nothing;
    };
    if (0x80..=0x9F).contains(&value)
        && let Some(Some(c)) = web_atoms::C1_REPLACEMENTS.get((value - 0x80) as usize)
    {
        return Meaning::Chars(*c, None);
    }
    match char::from_u32(value) {
        Some(c) if c != '\0' => Meaning::Chars(c, None),
        _ => Meaning::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(text: &str) -> (String, u32) {
        let mut removed = 0;
        let out = resolve(text, &mut removed).into_owned();
        (out, removed)
    }

    #[test]
    fn references_become_the_characters_meant() {
        let cases = [
            ("caf&eacute; &amp; bar", "café & bar"),
            ("&#1513;&#x5DC;&#X05d5;&#1501;", "שלום"),
            ("a&nbsp;b", "a\u{a0}b"),
            ("&lsquo;quoted&rsquo; &hellip;", "‘quoted’ …"),
            (
                "&lt;script&gt;alert(1)&lt;/script&gt;",
                "<script>alert(1)</script>",
            ),
            ("&amp;lt;b&amp;gt;", "<b>"),
            ("&amp;amp;amp;lt;", "<"),
            // Two code points: `&NotEqualTilde;` is U+2242 U+0338.
            ("&NotEqualTilde;", "\u{2242}\u{338}"),
            // C1 numbers are windows-1252's characters (WHATWG): the quotes Word writes.
            (
                "&#147;hi&#148; &#150; &#128;5",
                "\u{201c}hi\u{201d} \u{2013} €5",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(resolved(input), (expected.to_owned(), 0), "{input}");
        }
    }

    #[test]
    fn undefined_references_are_removed_and_counted() {
        assert_eq!(
            resolved("Hello &xxe; world &lol9;"),
            ("Hello  world ".to_owned(), 2)
        );
        assert_eq!(
            resolved("&#0;a&#xD800;b&#1114112;c&#99999999999;"),
            ("abc".to_owned(), 4)
        );
        assert_eq!(resolved("&amp;xxe;"), (String::new(), 1));
    }

    #[test]
    fn an_ampersand_that_starts_no_reference_is_text() {
        for text in [
            "AT&T and Q&A",
            "Tom & Jerry",
            "&copy 2026",
            "R&D; then AT&T;",
            "&#; &#x; &#12 &; & ;",
            "&1abc;",
            "&thisnameislongerthanthirtytwocharacters;",
            "ends with &",
            "שלום & hi",
        ] {
            assert_eq!(resolved(text), (text.to_owned(), 0), "{text}");
            assert!(!has_reference(text), "{text}");
        }
        assert!(matches!(resolve("no ampersand", &mut 0), Cow::Borrowed(_)));
    }

    #[test]
    fn the_result_is_a_fixed_point() {
        for text in [
            "&amp;amp;",
            "&amp;#1513;",
            "x&amp;xxe;y",
            "&#38;lt;",
            "&#x26;amp;gt;",
        ] {
            let (once, _) = resolved(text);
            assert!(!has_reference(&once), "{text} → {once}");
            assert_eq!(resolved(&once).0, once, "{text}");
        }
    }
}
