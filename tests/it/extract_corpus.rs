//! Article extraction against public ground truth, with pinned floors:
//! - trafilatura's evaluation set (990 annotated pages, `with`/`without` snippets), scored as
//!   its `tests/evaluate.py` scores every extractor: a `with` snippet found in the output is a
//!   true positive, one missing a false negative; a `without` snippet found is a false positive;
//! - Mozilla Readability's test pages: the right-to-left cases come out `rtl`, and the share of
//!   cases whose expected text we recover.
//!
//! The embedded posts in both sets are gated in `embed_corpus.rs`.
//!
//! The output scored is what a record carries: every block's text after normalization, one
//! block per line; each snippet is normalized the same way before it is looked for (the
//! annotations keep soft hyphens, no-break spaces and invisible separators, which TEXT.md rules
//! N4 and N5 take out of every record; that is not a question of what was extracted). `cargo test --test it extract_corpus -- --nocapture` prints the figures;
//! `NAHAR_EXTRACT_MISSES=1` also lists every missed or leaked snippet.

use std::collections::HashSet;

use nahar::extract::{BlockKind, PageRules, page};
use nahar::text::{Analyzer, Dir, Hints, normalize};

fn output_text(page: &page::Page) -> String {
    page.blocks
        .iter()
        .map(|b| normalize(&b.text).text)
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, Default)]
struct Score {
    tp: usize,
    fn_: usize,
    fp: usize,
    tn: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
    fn f(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// Pinned floors: the figures measured when the extractor was last improved, rounded down. A
/// change that lowers one fails here.
const TRAFILATURA_F_FLOOR: f64 = 0.931;
const TRAFILATURA_P_FLOOR: f64 = 0.926;
const TRAFILATURA_R_FLOOR: f64 = 0.936;
const READABILITY_RECOVERED_FLOOR: f64 = 0.953; // 124 of 130

#[test]
fn trafilatura_evaluation_f_score() {
    let root = "trafilatura-eval/tests";
    let data: serde_json::Value =
        serde_json::from_slice(&crate::corpus::read(&format!("{root}/evaldata.json")))
            .expect("evaldata.json is JSON");
    let show_misses = std::env::var_os("NAHAR_EXTRACT_MISSES").is_some();
    let mut score = Score::default();
    let mut pages = 0;
    let started = std::time::Instant::now();
    for (url, item) in data.as_object().expect("an object") {
        let file = item["file"].as_str().expect("file");
        let path = [
            format!("{root}/eval/{file}"),
            format!("{root}/cache/{file}"),
        ]
        .into_iter()
        .find(|p| crate::corpus::exists(p))
        .unwrap_or_else(|| panic!("page missing: {file}"));
        let html = crate::corpus::html_page(&path);
        let base = url::Url::parse(url).ok();
        let out = output_text(&page::extract(&html, base.as_ref(), &PageRules::default()));
        pages += 1;
        for snippet in item["with"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str())
        {
            if out.contains(normalize(snippet).text.as_str()) {
                score.tp += 1;
            } else {
                score.fn_ += 1;
                if show_misses {
                    eprintln!("MISSED {file}: {snippet:?}");
                }
            }
        }
        for snippet in item["without"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str())
        {
            if out.contains(normalize(snippet).text.as_str()) {
                score.fp += 1;
                if show_misses {
                    eprintln!("LEAKED {file}: {snippet:?}");
                }
            } else {
                score.tn += 1;
            }
        }
    }
    eprintln!(
        "trafilatura-eval: {pages} pages (F {:.4}) in {:.1} s; TP {} FN {} FP {} TN {}; precision {:.3}, recall {:.3}, F {:.3} (trafilatura 2.2.0 standard: P 0.906 R 0.943 F 0.924)",
        score.f(),
        started.elapsed().as_secs_f64(),
        score.tp,
        score.fn_,
        score.fp,
        score.tn,
        score.precision(),
        score.recall(),
        score.f()
    );
    assert_eq!(pages, 990);
    assert!(
        score.f() >= TRAFILATURA_F_FLOOR,
        "F {:.3} below the floor",
        score.f()
    );
    assert!(score.precision() >= TRAFILATURA_P_FLOOR);
    assert!(score.recall() >= TRAFILATURA_R_FLOOR);
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 1)
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn readability_pages_rtl_and_recovered_text() {
    let analyzer = Analyzer::default();
    let cases = crate::corpus::folders("readability-test-pages/test/test-pages");
    assert_eq!(cases.len(), 130, "Readability's test pages");
    let (mut recovered, mut precision_sum, mut rtl_cases) = (0usize, 0.0f64, Vec::new());
    for case in &cases {
        let name = crate::corpus::file_name(case).to_owned();
        let html = crate::corpus::html_page(&format!("{case}/source.html"));
        let page = page::extract(&html, None, &PageRules::default());
        let ours = output_text(&page);
        let expected_html = crate::corpus::html_page(&format!("{case}/expected.html"));
        let expected: String = nahar::extract::html::blocks(&expected_html)
            .iter()
            .map(|b| b.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        let (ours_w, expected_w) = (words(&ours), words(&normalize(&expected).text));
        let common = ours_w.intersection(&expected_w).count() as f64;
        let recall = common / expected_w.len().max(1) as f64;
        let precision = common / ours_w.len().max(1) as f64;
        if recall >= 0.9 {
            recovered += 1;
        } else if std::env::var_os("NAHAR_EXTRACT_MISSES").is_some() {
            let mut missing: Vec<_> = expected_w.difference(&ours_w).collect();
            missing.sort();
            eprintln!(
                "NOT RECOVERED {name}: recall {recall:.3}, precision {precision:.3}; missing {missing:?}"
            );
        }
        precision_sum += precision;
        let metadata: serde_json::Value = serde_json::from_slice(&crate::corpus::read(&format!(
            "{case}/expected-metadata.json"
        )))
        .unwrap_or_else(|e| panic!("{case}/expected-metadata.json: {e}"));
        if metadata["dir"] == "rtl" {
            // What the page declares (Readability's `dir`), and the record's direction: the
            // letter majority over the text, which for these Latin "lorem ipsum" pages is ltr.
            let analyses: Vec<_> = page
                .blocks
                .iter()
                .filter(|b| b.kind != BlockKind::Embed)
                .map(|b| analyzer.analyze(&b.text, &Hints::default()))
                .collect();
            let roles: Vec<_> = analyses
                .iter()
                .map(|a| (nahar::text::SegmentRole::Body, a))
                .collect();
            let labels = nahar::text::aggregate(&roles);
            rtl_cases.push((name.clone(), page.dir, labels.dir));
        }
    }
    let share = recovered as f64 / cases.len() as f64;
    eprintln!(
        "readability test pages: {recovered}/{} cases recover ≥ 90% of the expected words ({:.3}); mean word precision {:.3}; rtl cases: {rtl_cases:?}",
        cases.len(),
        share,
        precision_sum / cases.len() as f64
    );
    assert!(rtl_cases.len() >= 3, "{rtl_cases:?}");
    for (name, declared, record) in &rtl_cases {
        assert_eq!(*declared, Some(Dir::Rtl), "{name}: the declared direction");
        assert_eq!(
            *record,
            Dir::Ltr,
            "{name}: Latin letters decide the record's direction"
        );
    }
    assert!(share >= READABILITY_RECOVERED_FLOOR, "{share:.3}");
}
