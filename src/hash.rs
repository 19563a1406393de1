//! The hashes nahar persists, one function per format, each named for what it identifies. A
//! leaf: parse, record and state all use it, and none of them defines a hash of its own.
//!
//! In: the strings a format covers. Out: lower-case hex of SHA-256 over them, each string
//! followed by a NUL byte (which no part can contain, so `("ab", "c")` and `("a", "bc")` differ).
//! Never: changes. Every output here is stored in state directories and records; a new format
//! is a new function, and an old one stays as long as stores written with it may exist.

use sha2::{Digest, Sha256};

/// A record's `id`: the first 128 bits, over the source name, how the item was identified
/// (`guid`, `link`, `title-date`, `content`) and that key.
pub fn record_id(source: &str, basis: &str, key: &str) -> String {
    // Hex of the first 16 bytes only: a feed's ids are all in memory at once, and a 64-digit
    // string cut to 32 would keep its 64 bytes.
    lower_hex(&sha256(&[source, basis, key])[..16])
}

/// A record's `content_hash`: over its normalized title and text.
pub fn content_hash(title: &str, text: &str) -> String {
    sha256_hex(&[title, text])
}

/// What decides whether the source changed an item: over its title, body and link as the
/// source published them (before any normalization, so a new normalizer never makes revisions).
pub fn source_hash(title: &str, body: &str, link: &str) -> SourceHash {
    let mut hex = [0u8; 64];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(sha256(&[title, body, link])) {
        pair.copy_from_slice(&hex_pair(byte));
    }
    SourceHash(hex)
}

/// A [`source_hash`]: its 64 hex digits, held inline. Every item of a pass keeps one until its
/// record is written, and a feed can have 180,000 items: as a `String` it was a heap block of
/// 80 bytes and a header of 24 for each, 7 MB more at the peak of the densest feed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceHash([u8; 64]);

impl SourceHash {
    pub fn as_str(&self) -> &str {
        // Only `source_hash` makes one, from ASCII hex digits: never invalid UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Display for SourceHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for SourceHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte's two lower-case hex digits.
fn hex_pair(byte: u8) -> [u8; 2] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    [
        DIGITS[usize::from(byte >> 4)],
        DIGITS[usize::from(byte & 0x0f)],
    ]
}

/// The identity key of an item with no id or link: over its title and date (RFC 3339).
pub fn title_date_key(title: &str, date: &str) -> String {
    sha256_hex(&[title, date])
}

/// The identity key of an item with nothing but a body: over the body.
pub fn content_key(body: &str) -> String {
    sha256_hex(&[body])
}

fn sha256_hex(parts: &[&str]) -> String {
    lower_hex(&sha256(parts))
}

fn sha256(parts: &[&str]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher.finalize().into()
}

/// `bytes` as lowercase hex, two digits a byte — what `format!("{b:02x}")` per byte gives,
/// without a formatter call per byte (this runs several times for every item of every feed).
fn lower_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        let [high, low] = hex_pair(byte);
        hex.push(char::from(high));
        hex.push(char::from(low));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The persisted formats, pinned: a change here would orphan every stored item.
    #[test]
    fn the_formats_do_not_change() {
        assert_eq!(
            record_id("kan-news", "guid", "x1"),
            "575586cbef3a1682db8fd0d79ba712b2"
        );
        assert_eq!(
            content_hash("", ""),
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
        );
        assert_eq!(
            source_hash("t", "b", "https://a.example/").as_str(),
            sha256_hex(&["t", "b", "https://a.example/"])
        );
        assert_eq!(title_date_key("t", "d"), sha256_hex(&["t", "d"]));
        assert_eq!(content_key("b"), sha256_hex(&["b"]));
        assert_ne!(sha256_hex(&["ab", "c"]), sha256_hex(&["a", "bc"]));
    }

    #[test]
    fn hex_is_what_format_gives() {
        let bytes: Vec<u8> = (0..=255).collect();
        let expected: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(lower_hex(&bytes), expected);
    }
}
