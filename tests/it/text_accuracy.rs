//! Language-identification gates on lingua's public test data (first 1000 lines of each file,
//! default candidates `he en ar ru yi fr`). The floors are pinned: a change that makes any cell
//! worse than its floor fails CI. Run with `--nocapture` to see the full table.
//!
//! The floors are those of the default build, which has the `lingua` feature: without it, short
//! Latin text that whatlang cannot tell reliably is `und` (honest, but below these floors).
#![cfg(feature = "lingua")]

use nahar::text::{Analyzer, Hints, Lang};

use crate::corpus;

const LINES: usize = 1000;

/// (language, length, floor). Issue floors where the issue sets one; elsewhere the measured
/// accuracy rounded down, so that no cell can quietly regress.
const FLOORS: [(&str, &str, f64); 15] = [
    ("en", "single-words", 0.86),
    ("en", "word-pairs", 0.97),
    ("en", "sentences", 0.995),
    ("he", "single-words", 0.995),
    ("he", "word-pairs", 0.995),
    ("he", "sentences", 0.995),
    ("fr", "single-words", 0.91),
    ("fr", "word-pairs", 0.975),
    ("fr", "sentences", 0.99),
    ("ru", "single-words", 0.995),
    ("ru", "word-pairs", 0.995),
    ("ru", "sentences", 0.99),
    ("ar", "single-words", 0.995),
    ("ar", "word-pairs", 0.995),
    ("ar", "sentences", 0.99),
];

fn accuracy(analyzer: &Analyzer, lang: &str, length: &str) -> (usize, usize) {
    let text = corpus::read_text(&format!(
        "lingua-testdata/language-testdata/{length}/{lang}.txt"
    ));
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(LINES)
        .collect();
    let hits = lines
        .iter()
        .filter(|line| analyzer.analyze(line, &Hints::default()).lang.code() == lang)
        .count();
    (hits, lines.len())
}

#[test]
fn language_accuracy_meets_the_pinned_floors() {
    let analyzer = Analyzer::default();
    let mut failures = Vec::new();
    println!("| lang | length | accuracy | floor |");
    println!("|---|---|---|---|");
    for (lang, length, floor) in FLOORS {
        let (hits, total) = accuracy(&analyzer, lang, length);
        // A file cut short would score on fewer lines, an empty one on none (0/0 is NaN, which
        // no floor comparison catches): every cell is measured on exactly LINES lines.
        assert_eq!(total, LINES, "{lang} {length}: {total} lines read");
        let score = hits as f64 / total as f64;
        println!("| {lang} | {length} | {score:.3} ({hits}/{total}) | {floor} |");
        if score < floor {
            failures.push(format!("{lang} {length}: {score:.3} < {floor}"));
        }
    }
    assert!(failures.is_empty(), "below the floor: {failures:?}");
}

/// Floors of the regression set below: (label, floor, fewest segments). The accuracy measured
/// when the set was built, rounded down (at most one more miss where it was perfect).
const REGRESSION_FLOORS: [(&str, f64, usize); 6] = [
    ("en", 0.995, 300),
    ("he", 0.995, 300),
    ("fr", 0.99, 200),
    ("ar", 0.99, 100),
    ("ru", 0.99, 100),
    ("yi", 0.70, 30),
];

/// The hand-labelled regression set of real headlines and sentences
/// (`tests/fixtures/lang-regression/segments.tsv`, its README says where each line comes
/// from): per-language floors, and no English segment of five words or more called French.
#[test]
fn headlines_and_sentences_meet_the_pinned_floors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/lang-regression/segments.tsv"
    );
    let data = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let analyzer = Analyzer::default();
    let mut cells: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    let mut english_as_french = Vec::new();
    let mut wrong = Vec::new();
    // Latin text read again as a feed declaring its language would give it: the declaration
    // decides where the text alone is ambiguous ("Gantz’s plus, Lapid’s minus").
    let mut declared_wrong = Vec::new();
    for line in data.lines().filter(|l| !l.trim().is_empty()) {
        let mut fields = line.splitn(3, '\t');
        let (Some(label), Some(_source), Some(text)) =
            (fields.next(), fields.next(), fields.next())
        else {
            panic!("not LABEL<TAB>SOURCE<TAB>TEXT: {line:?}");
        };
        let said = analyzer.analyze(text, &Hints::default()).lang;
        let cell = cells.entry(label).or_default();
        cell.1 += 1;
        if said.code() == label {
            cell.0 += 1;
        } else {
            wrong.push(format!("{label} → {}: {text}", said.code()));
            if label == "en" && said.code() == "fr" && text.split_whitespace().count() >= 5 {
                english_as_french.push(text.to_owned());
            }
        }
        if label == "en" || label == "fr" {
            let declared = Hints {
                lang: Lang::parse(label),
                dir: None,
            };
            let said = analyzer.analyze(text, &declared).lang;
            if said.code() != label {
                declared_wrong.push(format!("{label} (declared) → {}: {text}", said.code()));
            }
        }
    }
    let total: usize = cells.values().map(|c| c.1).sum();
    println!("regression set: {total} segments");
    for (label, (hits, n)) in &cells {
        println!("| {label} | {:.3} ({hits}/{n}) |", *hits as f64 / *n as f64);
    }
    for line in wrong.iter().chain(&declared_wrong) {
        println!("  {line}");
    }
    assert!(total >= 1000, "only {total} segments read from {path}");
    assert!(
        english_as_french.is_empty(),
        "English called French: {english_as_french:#?}"
    );
    // Measured: every English segment and all French ones but a caption that is half English.
    assert!(
        declared_wrong.len() <= 1,
        "wrong despite the declared language: {declared_wrong:#?}"
    );
    let mut failures = Vec::new();
    for (label, floor, fewest) in REGRESSION_FLOORS {
        let (hits, n) = cells.get(label).copied().unwrap_or_default();
        assert!(n >= fewest, "{label}: only {n} segments");
        let score = hits as f64 / n as f64;
        if score < floor {
            failures.push(format!("{label}: {score:.3} < {floor}"));
        }
    }
    assert!(failures.is_empty(), "below the floor: {failures:?}");
}
