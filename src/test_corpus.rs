//! The unit tests' view of the public test corpus: the shared reader of `tests/support/corpus.rs`
//! (the same file the integration tests and benchmarks compile), the list of feed files the
//! parse tests go through, and the source those feeds are read as.

#[path = "../tests/support/corpus.rs"]
mod store;

pub use store::*;

/// Every XML file of the corpus's feed parser test suites (gofeed, feed-rs) and encoding
/// detector test suites (real Hebrew feeds among them), and trafilatura's two feeds; logical
/// names (see [`read`]), sorted.
pub fn feed_files() -> Vec<String> {
    let mut files = vec![
        "trafilatura-eval/tests/resources/feed1.atom".to_owned(),
        "trafilatura-eval/tests/resources/feed2.rss".to_owned(),
    ];
    for suite in ["gofeed-testdata", "feed-rs", "hebrew-encoding"] {
        files.extend(
            walk(suite)
                .into_iter()
                .filter(|name| name.ends_with(".xml")),
        );
    }
    files.sort();
    files
}

/// A feed source as the tests configure one: a file, UTC for dates without a zone.
pub fn feed_source() -> crate::config::SourceConfig {
    use crate::config::{Defaults, Interval, SourceConfig, SourceKind, SourceLocation};
    let defaults = Defaults {
        interval: Interval::Every(std::time::Duration::from_secs(60)),
        ..Defaults::default()
    };
    SourceConfig::new(
        "test",
        SourceKind::Feed,
        SourceLocation::File("/tmp/x".into()),
        &defaults,
    )
}
