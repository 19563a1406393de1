//! Unicode conformance of the text core: NormalizationTest's NFC column, and the UDHR texts
//! (12 right-to-left, 12 left-to-right languages) getting their folder's direction.

use nahar::text::normalize::nfc;
use nahar::text::{Analyzer, Dir, Hints, normalize};

use crate::corpus;

fn hex_field(field: &str) -> String {
    field
        .split_whitespace()
        .map(|h| {
            u32::from_str_radix(h, 16)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or_else(|| panic!("bad code point {h}"))
        })
        .collect()
}

/// NormalizationTest.txt: c2 == NFC(c1) == NFC(c2) == NFC(c3) and c4 == NFC(c4) == NFC(c5), for
/// the NFC stage; and canonically equivalent inputs (c1, c2, c3) give the same stored text.
#[test]
fn normalization_test_nfc_column() {
    let text = corpus::read_text("unicode-conformance/NormalizationTest.txt");
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in text.lines() {
        let data = line.split('#').next().unwrap_or_default().trim();
        if data.is_empty() || data.starts_with('@') {
            continue;
        }
        let c: Vec<String> = data.split(';').take(5).map(hex_field).collect();
        let nfc_ok = [&c[0], &c[1], &c[2]]
            .iter()
            .all(|x| nfc(x.to_string()) == c[1])
            && [&c[3], &c[4]].iter().all(|x| nfc(x.to_string()) == c[3]);
        let stored = normalize(&c[1]).text;
        let equivalent_ok = normalize(&c[0]).text == stored && normalize(&c[2]).text == stored;
        if !(nfc_ok && equivalent_ok) && failures.len() < 10 {
            failures.push(line.to_owned());
        }
        checked += 1;
    }
    assert!(checked > 18_000, "only {checked} test lines read");
    assert!(
        failures.is_empty(),
        "NormalizationTest lines failing: {failures:#?}"
    );
}

#[test]
fn udhr_texts_get_their_folders_direction() {
    let analyzer = Analyzer::new(&[]);
    let mut failures = Vec::new();
    let mut checked = 0;
    for (folder, expected) in [("ltr", Dir::Ltr), ("bidi", Dir::Rtl)] {
        for path in corpus::files(&format!(
            "unicode-conformance/udhr-direction/data/udhr/{folder}"
        )) {
            let text = corpus::read_text(&path);
            let got = analyzer.analyze(&text, &Hints::default()).dir;
            if got != expected {
                failures.push(format!("{path}: {got}"));
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 24);
    assert!(failures.is_empty(), "{failures:#?}");
}
