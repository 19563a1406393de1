//! The search key: TEXT.md §A.4, rules K1–K8.
//!
//! In: display text (the output of [`super::normalize`]). Out: a string for matching, dedup and
//! language detection — niqqud and cantillation stripped, look-alike quotes and dashes unified,
//! Yiddish digraphs expanded, NFKC, lower-cased, whitespace collapsed.
//! Never: stored in records (SPEC stores display text), or used to decide what a reader sees.

use unicode_normalization::UnicodeNormalization;
use unicode_properties::general_category::{GeneralCategory, UnicodeGeneralCategory};

/// Derives the search key of `text` (K1–K8; the optional final-form fold K9 is not applied).
pub fn search_key(text: &str) -> String {
    simple_key(text).unwrap_or_else(|| full_key(text))
}

/// What K1–K8 do to one character of the simple set, alone or next to any other of it.
enum Simple {
    Keep(char),
    Drop,
    Space,
    Expand(&'static str),
}

/// The search key's action on characters whose NFD and NFKC are themselves and that compose
/// with nothing that is kept: ASCII, the Hebrew letters, the points and cantillation K2 strips
/// (stripped before composition, so their order never matters), and the punctuation K3–K6
/// rewrite. `None` for everything else.
fn simple(c: char) -> Option<Simple> {
    Some(match c {
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | ' ' => Simple::Space,
        '`' => Simple::Keep('\''),
        c if c.is_ascii() => Simple::Keep(c.to_ascii_lowercase()),
        '\u{05D0}'..='\u{05EA}' | '\u{05EF}' => Simple::Keep(c),
        '\u{0591}'..='\u{05BD}'
        | '\u{05BF}'
        | '\u{05C1}'..='\u{05C2}'
        | '\u{05C4}'..='\u{05C5}'
        | '\u{05C7}' => Simple::Drop,
        '\u{05C0}' | '\u{05C3}' | '\u{05C6}' => Simple::Space,
        '\u{05F3}' | '\u{2018}' | '\u{2019}' => Simple::Keep('\''),
        '\u{05F4}' | '\u{201C}' | '\u{201D}' => Simple::Keep('"'),
        '\u{05BE}' | '\u{2010}' | '\u{2013}' | '\u{2014}' => Simple::Keep('-'),
        '\u{05F0}' => Simple::Expand("\u{05D5}\u{05D5}"),
        '\u{05F1}' => Simple::Expand("\u{05D5}\u{05D9}"),
        '\u{05F2}' => Simple::Expand("\u{05D9}\u{05D9}"),
        _ => return None,
    })
}

/// The search key in one pass when every character is in the simple set (nearly all Hebrew and
/// English text): the same result as [`full_key`] without its three Unicode passes.
fn simple_key(text: &str) -> Option<String> {
    let mut key = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let action = simple(c)?;
        match action {
            Simple::Drop => continue,
            Simple::Space => {
                space = true;
                continue;
            }
            Simple::Keep(_) | Simple::Expand(_) => {}
        }
        if space && !key.is_empty() {
            key.push(' ');
        }
        space = false;
        match action {
            Simple::Keep(k) => key.push(k),
            Simple::Expand(s) => key.push_str(s),
            Simple::Drop | Simple::Space => {}
        }
    }
    Some(key)
}

/// K1–K8 as TEXT.md writes them, for any text.
fn full_key(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.nfd() {
        match c {
            // K2: Hebrew points and cantillation, CGJ, Arabic harakat, superscript alef, tatweel.
            '\u{0591}'..='\u{05BD}'
            | '\u{05BF}'
            | '\u{05C1}'..='\u{05C2}'
            | '\u{05C4}'..='\u{05C5}'
            | '\u{05C7}'
            | '\u{034F}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{0640}' => {}
            // K3: paseq, sof pasuq and nun hafukha separate words.
            '\u{05C0}' | '\u{05C3}' | '\u{05C6}' => folded.push(' '),
            // K4: geresh-likes and gershayim-likes.
            '\u{05F3}' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' | '`' => {
                folded.push('\'')
            }
            '\u{05F4}' | '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' | '\u{00AB}'
            | '\u{00BB}' => folded.push('"'),
            // K5: Yiddish digraphs, which NFKC leaves alone.
            '\u{05F0}' => folded.push_str("\u{05D5}\u{05D5}"),
            '\u{05F1}' => folded.push_str("\u{05D5}\u{05D9}"),
            '\u{05F2}' => folded.push_str("\u{05D9}\u{05D9}"),
            // K6 (maqaf included: it is a Pd).
            c if c.general_category() == GeneralCategory::DashPunctuation => folded.push('-'),
            c => folded.push(c),
        }
    }
    // K7, then K8.
    let lowered = folded.nfkc().collect::<String>().to_lowercase();
    let mut key = String::with_capacity(lowered.len());
    for word in lowered.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(word);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::{full_key, search_key, simple, simple_key};

    /// The one-pass key is the full key wherever it answers: every character of the simple set
    /// alone and between letters, marks and spaces.
    #[test]
    fn simple_key_is_the_full_key_for_every_simple_character() {
        let mut checked = 0;
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            if simple(c).is_none() {
                continue;
            }
            checked += 1;
            for text in [
                format!("{c}"),
                format!("a{c}b"),
                format!("A{c}\u{05B7}"),
                format!("\u{05E9}{c}\u{05BC}\u{05B8} "),
                format!(" {c} {c}\u{0301}"),
            ] {
                assert_eq!(
                    simple_key(&text).unwrap_or_else(|| full_key(&text)),
                    full_key(&text),
                    "{text:?}"
                );
            }
        }
        assert!(checked > 128);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]
        /// Mixed text of the simple set (and a few characters outside it, which send the text to
        /// the full key) gets the same key both ways.
        #[test]
        fn simple_key_agrees_with_the_full_key(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                'a', 'Z', 'q', '0', ' ', '\n', '\t', '\r', '\u{0B}', '\u{1C}', '`', '\'', '"', '-', '.', '#',
                '\u{05D0}', '\u{05E9}', '\u{05DD}', '\u{05EF}', '\u{05B7}', '\u{05BC}', '\u{05C1}', '\u{0591}',
                '\u{05C0}', '\u{05C3}', '\u{05C6}', '\u{05BE}', '\u{05F0}', '\u{05F1}', '\u{05F2}', '\u{05F3}',
                '\u{05F4}', '\u{2010}', '\u{2013}', '\u{2014}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}',
                '\u{0301}', '\u{00E9}', '\u{FB2A}', '\u{00A0}', '\u{0130}',
            ]), 0..40)
        ) {
            let text: String = chars.into_iter().collect();
            proptest::prop_assert_eq!(search_key(&text), full_key(&text));
        }
    }

    // TEXT.md §A.4, every vector.
    #[test]
    fn k2_points_and_cantillation_are_removed() {
        assert_eq!(
            search_key(
                "\u{05D1}\u{05BC}\u{05B0}\u{05E8}\u{05B5}\u{05D0}\u{05E9}\u{05B4}\u{05C1}\u{0596}\u{05D9}\u{05EA}"
            ),
            "\u{05D1}\u{05E8}\u{05D0}\u{05E9}\u{05D9}\u{05EA}"
        );
    }

    #[test]
    fn k3_hebrew_punctuation() {
        assert_eq!(
            search_key("\u{05D0}\u{05B8}\u{05DE}\u{05B5}\u{05DF}\u{05C3} \u{05D0}\u{05C0}\u{05D1}"),
            "\u{05D0}\u{05DE}\u{05DF} \u{05D0} \u{05D1}"
        );
    }

    #[test]
    fn k4_gershayim_likes() {
        assert_eq!(
            search_key(
                "\u{05E6}\u{05D4}\u{05F4}\u{05DC} \u{05E6}\u{05D4}\"\u{05DC} \u{05E6}\u{05D4}\u{201D}\u{05DC}"
            ),
            "\u{05E6}\u{05D4}\"\u{05DC} \u{05E6}\u{05D4}\"\u{05DC} \u{05E6}\u{05D4}\"\u{05DC}"
        );
    }

    #[test]
    fn k4_geresh_likes() {
        assert_eq!(
            search_key("\u{05D7}\u{05F3} \u{05D7}' \u{05D7}\u{2019}"),
            "\u{05D7}' \u{05D7}' \u{05D7}'"
        );
    }

    #[test]
    fn k5_yiddish_digraphs() {
        assert_eq!(
            search_key("\u{05F2}\u{05B4}\u{05D3}\u{05D9}\u{05E9} \u{05D0}\u{05B7}"),
            "\u{05D9}\u{05D9}\u{05D3}\u{05D9}\u{05E9} \u{05D0}"
        );
    }

    #[test]
    fn k6_dashes() {
        assert_eq!(
            search_key(
                "\u{05D1}\u{05D9}\u{05EA}\u{05BE}\u{05D7}\u{05D5}\u{05DC}\u{05D9}\u{05DD} \u{2013} Tel\u{2011}Aviv"
            ),
            "\u{05D1}\u{05D9}\u{05EA}-\u{05D7}\u{05D5}\u{05DC}\u{05D9}\u{05DD} - tel-aviv"
        );
    }

    #[test]
    fn k7_nfkc_and_lowercase() {
        assert_eq!(
            search_key("\u{FB01}NANCE Caf\u{00E9} \u{2460}"),
            "finance caf\u{00E9} 1"
        );
    }

    #[test]
    fn k8_whitespace_collapses() {
        assert_eq!(search_key("  a \n\n b\t"), "a b");
    }
}
