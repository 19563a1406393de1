//! The integration tests' view of the public test corpus: the shared reader of
//! `tests/support/corpus.rs` (the same file the unit tests and benchmarks compile), and pages
//! decoded as nahar decodes a fetched page.

#[path = "../support/corpus.rs"]
mod store;

pub use store::*;

use nahar::fetch::charset::{CharsetHints, DocumentKind, decode};

/// An HTML page of the corpus (stored gzipped), decoded as nahar decodes a fetched page.
pub fn html_page(relative: &str) -> String {
    decode(
        &read(relative),
        &CharsetHints {
            kind: DocumentKind::Html,
            ..CharsetHints::default()
        },
    )
    .text
}
