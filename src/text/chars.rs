//! Character classes the text core asks about on every character, with fast answers for ASCII,
//! Latin-1 and Latin Extended, Cyrillic, the Hebrew block, the basic Arabic letters and general
//! punctuation (the bulk of nahar's text) before falling back to the Unicode tables.
//!
//! In: one `char`. Out: its class. Never: an answer that differs from the Unicode tables —
//! the fast paths are exact (checked against the tables for every code point in the tests).

use unicode_properties::general_category::{
    GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory,
};
use unicode_script::{Script, UnicodeScript};

/// What a character of the blocks news text is mostly made of is, as far as the questions of
/// this module go. `None` outside those blocks (ask the tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Common {
    /// A letter of the script, bidi class L.
    LatinLetter,
    CyrillicLetter,
    /// A Hebrew letter, bidi class R.
    HebrewLetter,
    /// An Arabic letter, bidi class AL.
    ArabicLetter,
    Mark,
    /// Punctuation, symbols, spaces: no letter, no mark, no script vote.
    Other,
}

impl Common {
    fn is_letter(self) -> bool {
        !matches!(self, Common::Mark | Common::Other)
    }
}

/// Latin-1 and Latin Extended-A/B, Cyrillic, Hebrew, the Arabic letters and harakat, and
/// general punctuation. Exact (the tests compare it with the tables on every code point).
pub(crate) fn common_class(c: char) -> Option<Common> {
    Some(match c {
        '\u{00AA}' | '\u{00BA}' | '\u{00C0}'..='\u{00D6}' | '\u{00D8}'..='\u{00F6}' => {
            Common::LatinLetter
        }
        '\u{00F8}'..='\u{024F}' => Common::LatinLetter,
        '\u{0080}'..='\u{00FF}' if c != '\u{00B5}' => Common::Other,
        '\u{0400}'..='\u{0481}' | '\u{048A}'..='\u{04FF}' => Common::CyrillicLetter,
        '\u{0483}'..='\u{0489}' => Common::Mark,
        '\u{05D0}'..='\u{05EA}' | '\u{05EF}'..='\u{05F2}' => Common::HebrewLetter,
        '\u{0591}'..='\u{05BD}'
        | '\u{05BF}'
        | '\u{05C1}'..='\u{05C2}'
        | '\u{05C4}'..='\u{05C5}'
        | '\u{05C7}' => Common::Mark,
        '\u{05BE}' | '\u{05C0}' | '\u{05C3}' | '\u{05C6}' | '\u{05F3}' | '\u{05F4}' => {
            Common::Other
        }
        '\u{0620}'..='\u{063F}' | '\u{0641}'..='\u{064A}' => Common::ArabicLetter,
        '\u{064B}'..='\u{065F}' | '\u{0670}' => Common::Mark,
        '\u{0660}'..='\u{0669}' | '\u{060C}' | '\u{061B}' | '\u{061F}' => Common::Other,
        '\u{2000}'..='\u{205F}' => Common::Other,
        _ => return None,
    })
}

/// General category L*.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else if let Some(class) = common_class(c) {
        class.is_letter()
    } else {
        c.general_category_group() == GeneralCategoryGroup::Letter
    }
}

/// General category M*.
pub fn is_mark(c: char) -> bool {
    if c.is_ascii() {
        false
    } else if let Some(class) = common_class(c) {
        class == Common::Mark
    } else {
        c.general_category_group() == GeneralCategoryGroup::Mark
    }
}

/// General category Zs (U+0020 included).
pub fn is_space_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// General category Nd.
pub fn is_decimal_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else if let Some(class) = common_class(c) {
        class == Common::Other && matches!(c, '\u{0660}'..='\u{0669}')
    } else {
        c.general_category() == GeneralCategory::DecimalNumber
    }
}

/// The script a letter votes for; `None` for non-letters and letters shared between scripts.
pub fn letter_script(c: char) -> Option<Script> {
    if c.is_ascii_alphabetic() {
        return Some(Script::Latin);
    }
    if c.is_ascii() {
        return None;
    }
    match common_class(c) {
        Some(Common::LatinLetter) => return Some(Script::Latin),
        Some(Common::CyrillicLetter) => return Some(Script::Cyrillic),
        Some(Common::HebrewLetter) => return Some(Script::Hebrew),
        Some(Common::ArabicLetter) => return Some(Script::Arabic),
        Some(Common::Mark | Common::Other) => return None,
        None => {}
    }
    if !is_letter(c) {
        return None;
    }
    match c.script() {
        Script::Common | Script::Inherited | Script::Unknown => None,
        script => Some(script),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::direction::{Dir, letter_script_and_direction, strong_direction};
    use unicode_bidi::{BidiClass, bidi_class};

    /// The fast paths agree with the Unicode tables on every code point.
    #[test]
    fn fast_paths_match_the_tables_everywhere() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let group = c.general_category_group();
            assert_eq!(is_letter(c), group == GeneralCategoryGroup::Letter, "{c:?}");
            assert_eq!(is_mark(c), group == GeneralCategoryGroup::Mark, "{c:?}");
            assert_eq!(
                is_space_separator(c),
                c.general_category() == GeneralCategory::SpaceSeparator,
                "{c:?}"
            );
            assert_eq!(
                is_decimal_digit(c),
                c.general_category() == GeneralCategory::DecimalNumber,
                "{c:?}"
            );
            let expected_script = (group == GeneralCategoryGroup::Letter)
                .then(|| c.script())
                .filter(|s| !matches!(s, Script::Common | Script::Inherited | Script::Unknown));
            assert_eq!(letter_script(c), expected_script, "{c:?}");
            let expected_dir = match bidi_class(c) {
                BidiClass::L => Some(Dir::Ltr),
                BidiClass::R | BidiClass::AL => Some(Dir::Rtl),
                _ => None,
            };
            assert_eq!(strong_direction(c), expected_dir, "{c:?}");
            assert_eq!(
                letter_script_and_direction(c),
                expected_script.map(|s| (s, expected_dir)),
                "{c:?}"
            );
        }
    }
}
