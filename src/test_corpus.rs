//! Where the unit tests find the shared public corpus: `$NAHAR_CORPUS`, else `../shared/corpus`
//! beside the checkout (the same rule as the integration tests' `tests/it/corpus.rs`), and the
//! source its feeds are read as. A missing corpus fails the test that needs it, naming the place
//! it looked.

use std::path::PathBuf;

/// The corpus folder (`…/shared/corpus`).
pub fn dir() -> PathBuf {
    let dir = std::env::var_os("NAHAR_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    );
    assert!(
        dir.is_dir(),
        "the test corpus is missing at {}: check out ../shared beside the repository or set NAHAR_CORPUS",
        dir.display()
    );
    dir
}

/// The shared folder the corpus sits in (`seed-article.txt` is there).
pub fn shared() -> PathBuf {
    dir().join("..")
}

/// Every XML file of the corpus's feed parser test suites (gofeed, feed-rs) and encoding
/// detector test suites (real Hebrew feeds among them), and trafilatura's two feeds; sorted.
pub fn feed_files() -> Vec<PathBuf> {
    let mut files = vec![
        dir().join("trafilatura-eval/tests/resources/feed1.atom"),
        dir().join("trafilatura-eval/tests/resources/feed2.rss"),
    ];
    let mut dirs = vec![
        dir().join("gofeed-testdata"),
        dir().join("feed-rs"),
        dir().join("hebrew-encoding"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "xml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A feed source as the tests configure one: a file, UTC for dates without a zone.
pub fn feed_source() -> crate::config::SourceConfig {
    use crate::config::{Interval, NaiveTimezone, SourceConfig, SourceKind, SourceLocation};
    SourceConfig {
        name: "test".into(),
        kind: SourceKind::Feed,
        location: SourceLocation::File("/tmp/x".into()),
        interval: Interval::Every(std::time::Duration::from_secs(60)),
        follow_links: false,
        lang_hint: None,
        encoding: None,
        timezone: NaiveTimezone::Fixed(0),
        select: None,
        extract: crate::config::ExtractRules::default(),
    }
}
