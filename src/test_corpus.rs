//! Where the unit tests find the shared public corpus: `$NAHAR_CORPUS`, else `../shared/corpus`
//! beside the checkout (the same rule as the integration tests' `tests/it/corpus.rs`). A missing
//! corpus fails the test that needs it, naming the place it looked.

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
