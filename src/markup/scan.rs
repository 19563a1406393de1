//! Byte-string scans of markup read without a parser (the cost guard, the charset chain's
//! `<meta>` prescan).

/// Where `needle` first occurs in `haystack`, ASCII letters compared without case (tag and
/// attribute names in markup scanned without a parser).
pub fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Whether `haystack` starts with `prefix`, ASCII letters compared without case.
pub fn starts_with_ignore_case(haystack: &[u8], prefix: &[u8]) -> bool {
    haystack
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}
