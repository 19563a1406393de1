//! Character classes the text core asks about on every character, with fast answers for ASCII
//! and the Hebrew block (the bulk of nahar's text) before falling back to the Unicode tables.
//!
//! In: one `char`. Out: its class. Never: an answer that differs from the Unicode tables —
//! the fast paths are exact (checked against the tables for every code point in the tests).

use unicode_bidi::{BidiClass, bidi_class};
use unicode_properties::general_category::{
    GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory,
};
use unicode_script::{Script, UnicodeScript};

use super::direction::Dir;

fn is_hebrew_letter(c: char) -> bool {
    matches!(c, '\u{05D0}'..='\u{05EA}' | '\u{05EF}'..='\u{05F2}')
}

/// General category L*.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else if is_hebrew_letter(c) {
        true
    } else {
        c.general_category_group() == GeneralCategoryGroup::Letter
    }
}

/// General category M*.
pub fn is_mark(c: char) -> bool {
    if c.is_ascii() {
        false
    } else if matches!(c, '\u{0591}'..='\u{05BD}' | '\u{05BF}' | '\u{05C1}'..='\u{05C2}' | '\u{05C4}'..='\u{05C5}' | '\u{05C7}')
    {
        true
    } else if is_hebrew_letter(c) {
        false
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
    } else {
        c.general_category() == GeneralCategory::DecimalNumber
    }
}

/// The script a letter votes for; `None` for non-letters and letters shared between scripts.
pub fn letter_script(c: char) -> Option<Script> {
    if c.is_ascii_alphabetic() {
        return Some(Script::Latin);
    }
    if is_hebrew_letter(c) {
        return Some(Script::Hebrew);
    }
    if c.is_ascii() || !is_letter(c) {
        return None;
    }
    match c.script() {
        Script::Common | Script::Inherited | Script::Unknown => None,
        script => Some(script),
    }
}

/// The direction of a strong character (bidi class L, or R/AL); `None` for the rest.
pub fn strong_direction(c: char) -> Option<Dir> {
    if c.is_ascii() {
        return c.is_ascii_alphabetic().then_some(Dir::Ltr);
    }
    if is_hebrew_letter(c) {
        return Some(Dir::Rtl);
    }
    match bidi_class(c) {
        BidiClass::L => Some(Dir::Ltr),
        BidiClass::R | BidiClass::AL => Some(Dir::Rtl),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        }
    }
}
