//! Throughput of the text core: `Analyzer::analyze` (normalize, runs, language, direction) on
//! short titles (~60 bytes) and paragraphs (~1 KB) of mixed Hebrew/English, single thread.
//!
//! Run: `cargo bench --bench text` (reads sentences from `tests/corpus/lingua-testdata`, or
//! `$NAHAR_CORPUS`). Prints a table; no assertions — the figures go in the notes.

use std::hint::black_box;
use std::time::{Duration, Instant};

use nahar::text::{Analyzer, Hints, normalize};

#[path = "../tests/support/corpus.rs"]
mod corpus;

fn sentences(lang: &str) -> Vec<String> {
    corpus::read_text(&format!(
        "lingua-testdata/language-testdata/sentences/{lang}.txt"
    ))
    .lines()
    .filter(|l| !l.trim().is_empty())
    .map(str::to_owned)
    .collect()
}

/// Cuts `s` to at most `max` bytes at a word boundary.
fn cut(s: &str, max: usize) -> String {
    let mut out = String::new();
    for word in s.split_whitespace() {
        if out.len() + word.len() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

fn second_half(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    words[words.len() / 2..].join(" ")
}

const NAMES: [&str; 6] = [
    "Amos Hochstein",
    "Google",
    "IDF",
    "Antony Blinken",
    "Nvidia",
    "@kann_news",
];
const HEBREW_QUOTES: [&str; 4] = ["'יזכור'", "\"צה\"ל\"", "'שלום'", "\"הפסקת אש\""];

/// Mixed titles: Hebrew with an English name, English with a Hebrew word, and plain ones.
fn titles(he: &[String], en: &[String]) -> Vec<String> {
    (0..2000)
        .map(|i| {
            let h = &he[i % he.len()];
            let e = &en[i % en.len()];
            match i % 4 {
                0 => cut(
                    &format!(
                        "{} {} {}",
                        cut(h, 24),
                        NAMES[i % NAMES.len()],
                        cut(&second_half(h), 20)
                    ),
                    64,
                ),
                1 => cut(
                    &format!(
                        "{} {} {}",
                        cut(e, 30),
                        HEBREW_QUOTES[i % HEBREW_QUOTES.len()],
                        cut(&second_half(e), 20)
                    ),
                    64,
                ),
                2 => cut(h, 60),
                _ => cut(e, 60),
            }
        })
        .collect()
}

/// Mixed paragraphs of about 1 KB.
fn paragraphs(he: &[String], en: &[String]) -> Vec<String> {
    (0..500)
        .map(|i| {
            let mut p = String::new();
            let mut j = i * 7;
            while p.len() < 1000 {
                let sentence = if (i + j) % 2 == 0 {
                    format!("{} {} ", he[j % he.len()], NAMES[j % NAMES.len()])
                } else {
                    format!(
                        "{} {} ",
                        en[j % en.len()],
                        HEBREW_QUOTES[j % HEBREW_QUOTES.len()]
                    )
                };
                p.push_str(&sentence);
                j += 1;
            }
            p
        })
        .collect()
}

/// Best of 5 rounds of at least 1 s each: (segments per second, MB per second).
fn measure(inputs: &[String], mut f: impl FnMut(&str)) -> (f64, f64) {
    let bytes: usize = inputs.iter().map(String::len).sum();
    let mut best = Duration::MAX;
    let mut rounds_per_sample = 1;
    for _ in 0..5 {
        let start = Instant::now();
        let mut rounds = 0;
        while rounds < rounds_per_sample || start.elapsed() < Duration::from_secs(1) {
            for s in inputs {
                f(s);
            }
            rounds += 1;
        }
        rounds_per_sample = rounds;
        let per_round = start.elapsed() / rounds;
        best = best.min(per_round);
    }
    let secs = best.as_secs_f64();
    (inputs.len() as f64 / secs, bytes as f64 / secs / 1e6)
}

fn main() {
    let he = sentences("he");
    let en = sentences("en");
    let analyzer = Analyzer::default();
    let hints = Hints::default();
    let sets = [
        ("titles", titles(&he, &en)),
        ("paragraphs", paragraphs(&he, &en)),
    ];
    // Warm up lazily loaded models before timing.
    for (_, inputs) in &sets {
        for s in inputs.iter().take(50) {
            black_box(analyzer.analyze(s, &hints));
        }
    }
    println!("| input | count | mean bytes | stage | segments/s | MB/s |");
    println!("|---|---|---|---|---|---|");
    // NAHAR_BENCH_STAGE=analyze|normalize and NAHAR_BENCH_SET=titles|paragraphs time one stage
    // or one input set only, for profiling.
    let only = std::env::var("NAHAR_BENCH_STAGE").ok();
    let only_set = std::env::var("NAHAR_BENCH_SET").ok();
    let wanted = |stage: &str| only.as_deref().is_none_or(|o| o == stage);
    let mut results = Vec::new();
    for (name, inputs) in &sets {
        if only_set.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        let mean = inputs.iter().map(String::len).sum::<usize>() / inputs.len();
        if wanted("normalize") {
            let (sps, mbps) = measure(inputs, |s| {
                black_box(normalize(s));
            });
            println!(
                "| {name} | {} | {mean} | normalize | {sps:.0} | {mbps:.1} |",
                inputs.len()
            );
        }
        if !wanted("analyze") {
            continue;
        }
        let (sps, mbps) = measure(inputs, |s| {
            black_box(analyzer.analyze(s, &hints));
        });
        println!(
            "| {name} | {} | {mean} | analyze | {sps:.0} | {mbps:.1} |",
            inputs.len()
        );
        results.push(format!("text_{name}_mb_per_s={mbps:.2}"));
    }
    // One line for `scripts/bench.sh` to read.
    println!("RESULT {}", results.join(" "));
}
