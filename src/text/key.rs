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
    use super::search_key;

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
