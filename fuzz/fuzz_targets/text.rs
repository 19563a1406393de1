//! The text core on arbitrary text: never a panic; normalization is idempotent and leaves no
//! bidi control; the analysis of normalized text is stable.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nahar::text::{Analyzer, Hints, normalize};

fn analyzer() -> &'static Analyzer {
    static ANALYZER: OnceLock<Analyzer> = OnceLock::new();
    ANALYZER.get_or_init(Analyzer::default)
}

const BIDI_CONTROLS: [char; 12] = [
    '\u{200E}', '\u{200F}', '\u{061C}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
    '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let once = normalize(input);
    assert!(!once.text.contains(BIDI_CONTROLS), "{:?}", once.text);
    let twice = normalize(&once.text);
    assert_eq!(once.text, twice.text, "normalization is idempotent");
    let analysis = analyzer().analyze(input, &Hints::default());
    assert_eq!(analysis.text, once.text);
});
