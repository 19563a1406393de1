//! Where the shared public corpus lives: `$NAHAR_CORPUS`, else `../shared/corpus` beside the
//! checkout (CI has it there). A missing corpus fails the test that needs it, loudly.

use std::io::Read;
use std::path::{Path, PathBuf};

use nahar::fetch::charset::{CharsetHints, DocumentKind, decode};

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

pub fn path(relative: &str) -> PathBuf {
    let path = dir().join(relative);
    assert!(path.exists(), "corpus file missing: {}", path.display());
    path
}

/// A gzipped HTML page of the corpus, decoded as nahar decodes a fetched page.
pub fn html_page(path: &Path) -> String {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    decode(
        &bytes,
        &CharsetHints {
            kind: DocumentKind::Html,
            ..CharsetHints::default()
        },
    )
    .text
}
