//! The unit tests' view of the public test corpus: the shared reader of `tests/support/corpus.rs`
//! (the same file the integration tests and benchmarks compile), and the source its feeds are
//! read as.

#[path = "../tests/support/corpus.rs"]
mod store;

pub use store::*;

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
