//! The charset chain on arbitrary bytes: never a panic, always valid UTF-8 out, whatever the
//! labels claim. The first byte picks the document kind, the HTTP label and the TLD hint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nahar::fetch::charset::{CharsetHints, DocumentKind, decode};

const LABELS: [Option<&str>; 6] = [
    None,
    Some("windows-1255"),
    Some("iso-8859-8"),
    Some("utf-8"),
    Some("utf-16"),
    Some("\"x-garbage\""),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let kind = match selector & 3 {
        0 => DocumentKind::Xml,
        1 => DocumentKind::Html,
        2 => DocumentKind::Json,
        _ => DocumentKind::Unknown,
    };
    let hints = CharsetHints {
        override_encoding: None,
        http_charset: LABELS[usize::from(selector >> 2) % LABELS.len()],
        kind,
        tld: (selector & 0x80 != 0).then_some("il"),
    };
    let decoded = decode(bytes, &hints);
    // The text is a Rust `String`, so UTF-8 is guaranteed by type; what must hold is that
    // nothing was lost silently: an empty input gives an empty text.
    assert!(!bytes.is_empty() || decoded.text.is_empty());
});
