//! Article extraction speed: `extract::page::extract` over the trafilatura-eval pages, one
//! thread, pages already decoded in memory (what `nahar extract` does after reading a file).
//!
//! Run: `cargo bench --bench extract -- [PAGES]` (default: every page; `PAGES=40` takes the first
//! 40 in file-name order). Reads `tests/corpus` or `$NAHAR_CORPUS`. Prints pages/s and MB/s
//! (best of 3) and a `RESULT` line for `scripts/bench.sh`. `scripts/bench-extract.sh` runs this
//! and trafilatura on the same pages.

use std::time::Instant;

use nahar::extract::{PageRules, page};
use nahar::fetch::charset::{CharsetHints, DocumentKind, decode};

#[path = "../tests/support/corpus.rs"]
mod corpus;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let limit: usize = std::env::args()
        .skip(1)
        .find(|a| a != "--bench")
        .map_or(Ok(0), |a| a.parse())?;
    let mut paths: Vec<String> = Vec::new();
    for dir in [
        "trafilatura-eval/tests/eval",
        "trafilatura-eval/tests/cache",
    ] {
        paths.extend(corpus::files(dir));
    }
    paths.sort();
    if limit > 0 {
        paths.truncate(limit);
    }
    let mut pages = Vec::with_capacity(paths.len());
    let mut bytes = 0usize;
    for path in &paths {
        let raw = corpus::read(path);
        bytes += raw.len();
        let hints = CharsetHints {
            kind: DocumentKind::Html,
            ..CharsetHints::default()
        };
        pages.push(decode(&raw, &hints).text);
    }
    let rules = PageRules::default();
    let mut best = f64::INFINITY;
    let mut blocks = 0usize;
    for _ in 0..3 {
        let started = Instant::now();
        blocks = 0;
        for html in &pages {
            blocks += std::hint::black_box(page::extract(html, None, &rules))
                .blocks
                .len();
        }
        best = best.min(started.elapsed().as_secs_f64());
    }
    let mb = bytes as f64 / 1e6;
    println!(
        "extract::page over {} trafilatura-eval pages ({mb:.1} MB, {blocks} blocks), one thread, best of 3: {best:.3} s, {:.1} pages/s, {:.1} MB/s",
        pages.len(),
        pages.len() as f64 / best,
        mb / best
    );
    println!("RESULT pages={} nahar_seconds={best:.6}", pages.len());
    Ok(())
}
