//! Writing direction: TEXT.md §B.3.
//!
//! In: counts of strong letters (by `unicode_bidi::bidi_class`) inside words, plus the hints
//! that break ties. Out: [`Dir`], the *dominant* direction — the value a reader puts in
//! `<p dir=…>`.
//! Never: UAX #9 "first strong" (it calls `Google הודיעה היום…` left-to-right), and never
//! `mixed` as a direction (SPEC keeps that in its own boolean).

use unicode_bidi::{BidiClass, bidi_class};
use unicode_script::Script;

use super::chars::{Common, common_class, letter_script};

/// `ltr` or `rtl`, as SPEC.md writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    Ltr,
    Rtl,
}

impl Dir {
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::Ltr => "ltr",
            Dir::Rtl => "rtl",
        }
    }

    /// Parses an HTML `dir` attribute value; `auto` and anything else is no statement.
    pub fn from_attribute(value: &str) -> Option<Dir> {
        match value.trim().to_ascii_lowercase().as_str() {
            "ltr" => Some(Dir::Ltr),
            "rtl" => Some(Dir::Rtl),
            _ => None,
        }
    }
}

impl std::fmt::Display for Dir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Strong letters by direction. Only letters inside words are counted: digits, punctuation,
/// @handles and URLs never vote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LetterCounts {
    pub ltr: u32,
    pub rtl: u32,
}

impl LetterCounts {
    /// Counts `c` if it is a strong letter.
    pub fn count(&mut self, c: char) {
        self.count_direction(strong_direction(c));
    }

    /// Counts a letter whose strong direction (if any) is already known.
    pub fn count_direction(&mut self, dir: Option<Dir>) {
        match dir {
            Some(Dir::Ltr) => self.ltr += 1,
            Some(Dir::Rtl) => self.rtl += 1,
            None => {}
        }
    }

    pub fn add(&mut self, other: LetterCounts) {
        self.ltr += other.ltr;
        self.rtl += other.rtl;
    }

    pub fn total(self) -> u32 {
        self.ltr + self.rtl
    }

    /// The strict majority, or `None` on a tie (including no letters at all).
    pub fn majority(self) -> Option<Dir> {
        match self.rtl.cmp(&self.ltr) {
            std::cmp::Ordering::Greater => Some(Dir::Rtl),
            std::cmp::Ordering::Less => Some(Dir::Ltr),
            std::cmp::Ordering::Equal => None,
        }
    }
}

/// The dominant direction: the letter majority, then each tie-breaker in the order given,
/// then `ltr`.
pub fn dominant(counts: LetterCounts, tie_breakers: &[Option<Dir>]) -> Dir {
    counts
        .majority()
        .or_else(|| tie_breakers.iter().find_map(|d| *d))
        .unwrap_or(Dir::Ltr)
}

/// [`letter_script`] and, for a letter, [`strong_direction`], in one step: what tokenizing asks
/// of every character of a word.
pub fn letter_script_and_direction(c: char) -> Option<(Script, Option<Dir>)> {
    if c.is_ascii() {
        return c
            .is_ascii_alphabetic()
            .then_some((Script::Latin, Some(Dir::Ltr)));
    }
    match common_class(c) {
        Some(Common::LatinLetter) => Some((Script::Latin, Some(Dir::Ltr))),
        Some(Common::CyrillicLetter) => Some((Script::Cyrillic, Some(Dir::Ltr))),
        Some(Common::HebrewLetter) => Some((Script::Hebrew, Some(Dir::Rtl))),
        Some(Common::ArabicLetter) => Some((Script::Arabic, Some(Dir::Rtl))),
        Some(Common::Mark | Common::Other) => None,
        None => letter_script(c).map(|script| (script, strong_direction(c))),
    }
}

/// The direction of a strong character (bidi class L, or R/AL); `None` for the rest.
pub fn strong_direction(c: char) -> Option<Dir> {
    if c.is_ascii() {
        return c.is_ascii_alphabetic().then_some(Dir::Ltr);
    }
    match common_class(c) {
        Some(Common::LatinLetter | Common::CyrillicLetter) => return Some(Dir::Ltr),
        Some(Common::HebrewLetter | Common::ArabicLetter) => return Some(Dir::Rtl),
        Some(Common::Mark) => return None,
        // Punctuation and symbols of these blocks: some of them are strong (U+05BE maqaf is R).
        Some(Common::Other) | None => {}
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

    #[test]
    fn majority_then_tie_breakers_then_ltr() {
        let tie = LetterCounts { ltr: 3, rtl: 3 };
        assert_eq!(
            dominant(LetterCounts { ltr: 1, rtl: 2 }, &[Some(Dir::Ltr)]),
            Dir::Rtl
        );
        assert_eq!(dominant(tie, &[None, Some(Dir::Rtl)]), Dir::Rtl);
        assert_eq!(dominant(tie, &[None, None]), Dir::Ltr);
    }

    #[test]
    fn dir_attribute() {
        assert_eq!(Dir::from_attribute(" RTL "), Some(Dir::Rtl));
        assert_eq!(Dir::from_attribute("auto"), None);
    }
}
