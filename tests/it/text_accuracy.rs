//! Language-identification gates on lingua's public test data (first 1000 lines of each file,
//! default candidates `he en ar ru yi fr`). The floors are pinned: a change that makes any cell
//! worse than its floor fails CI. Run with `--nocapture` to see the full table.
//!
//! The floors are those of the default build, which has the `lingua` feature: without it, short
//! Latin text that whatlang cannot tell reliably is `und` (honest, but below these floors).
#![cfg(feature = "lingua")]

use nahar::text::{Analyzer, Hints};

use crate::corpus;

const LINES: usize = 1000;

/// (language, length, floor). Issue floors where the issue sets one; elsewhere the measured
/// accuracy rounded down, so that no cell can quietly regress.
const FLOORS: [(&str, &str, f64); 15] = [
    ("en", "single-words", 0.85),
    ("en", "word-pairs", 0.96),
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
