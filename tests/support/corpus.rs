//! The public test corpus, read the same way by the unit tests (`src/test_corpus.rs`), the
//! integration tests (`tests/it`) and the benchmarks: this one file is compiled into each.
//!
//! In: a path relative to the corpus root — `tests/corpus/` in this repository (see its README
//! for every part's origin and licence), or `$NAHAR_CORPUS` when set. Out: the file's bytes,
//! decompressed: the repository stores text files gzipped, so `x` is read as `x`, else `x.gz`,
//! else `x.bz2`, and listings name files without those suffixes. An uncompressed checkout of the
//! same corpus therefore works unchanged.
//! Never: skips. A missing corpus, folder or file panics with the path it looked for, so that a
//! gate whose data is missing fails loudly instead of passing on nothing.

#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;

/// The corpus root: `$NAHAR_CORPUS`, else `tests/corpus` in this repository.
pub fn dir() -> PathBuf {
    let dir = std::env::var_os("NAHAR_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
        PathBuf::from,
    );
    assert!(
        dir.is_dir(),
        "the test corpus is missing at {} (it is part of the repository; NAHAR_CORPUS may point elsewhere)",
        dir.display()
    );
    dir
}

/// The compressed forms a corpus file may be stored in, tried in this order after the plain name.
const SUFFIXES: [&str; 2] = [".gz", ".bz2"];

/// Where the file named `relative` is stored, in whichever form.
fn stored(relative: &str) -> Option<PathBuf> {
    let root = dir();
    let plain = root.join(relative);
    if plain.is_file() {
        return Some(plain);
    }
    SUFFIXES
        .iter()
        .map(|suffix| root.join(format!("{relative}{suffix}")))
        .find(|path| path.is_file())
}

/// Whether the corpus holds `relative` (in any stored form).
pub fn exists(relative: &str) -> bool {
    stored(relative).is_some()
}

/// The bytes of `relative`, decompressed.
pub fn read(relative: &str) -> Vec<u8> {
    let path = stored(relative).unwrap_or_else(|| {
        panic!(
            "corpus file missing: {} (nor .gz, .bz2)",
            dir().join(relative).display()
        )
    });
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut bytes = Vec::new();
    let name = path.to_string_lossy();
    let read = if name.ends_with(".gz") {
        flate2::read::GzDecoder::new(file).read_to_end(&mut bytes)
    } else if name.ends_with(".bz2") {
        bzip2::read::BzDecoder::new(file).read_to_end(&mut bytes)
    } else {
        std::io::BufReader::new(file).read_to_end(&mut bytes)
    };
    read.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
}

/// The text of `relative`, which must be UTF-8.
pub fn read_text(relative: &str) -> String {
    String::from_utf8(read(relative)).unwrap_or_else(|e| panic!("{relative}: not UTF-8: {e}"))
}

/// The logical name of a stored file: its name without a compression suffix.
fn logical(name: &str) -> &str {
    SUFFIXES
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .unwrap_or(name)
}

/// The entries of the folder `relative` — files by their logical names, or sub-folders —
/// as paths relative to the corpus root, sorted by bytes (as Rust sorts paths). Panics when the
/// folder is missing or holds nothing of the kind asked for.
fn entries(relative: &str, folders: bool) -> Vec<String> {
    let folder = dir().join(relative);
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("corpus folder {}: {e}", folder.display()))
        .map(|entry| entry.unwrap_or_else(|e| panic!("{}: {e}", folder.display())))
        .filter(|entry| entry.path().is_dir() == folders)
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let name = if folders {
                name.as_str()
            } else {
                logical(&name)
            };
            join(relative, name)
        })
        .collect();
    names.sort();
    names.dedup();
    assert!(
        !names.is_empty(),
        "the corpus folder {} holds no {}",
        folder.display(),
        if folders { "folder" } else { "file" }
    );
    names
}

fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_owned()
    } else {
        format!("{}/{name}", folder.trim_end_matches('/'))
    }
}

/// The files of the folder `relative` (not its sub-folders'), by logical name.
pub fn files(relative: &str) -> Vec<String> {
    entries(relative, false)
}

/// The sub-folders of `relative`.
pub fn folders(relative: &str) -> Vec<String> {
    entries(relative, true)
}

/// Every file under `relative`, at any depth, by logical name, sorted.
pub fn walk(relative: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![relative.to_owned()];
    while let Some(folder) = stack.pop() {
        let path = dir().join(&folder);
        let has = |want_dir: bool| {
            std::fs::read_dir(&path)
                .map(|mut it| it.any(|e| e.is_ok_and(|e| e.path().is_dir() == want_dir)))
                .unwrap_or(false)
        };
        if has(true) {
            stack.extend(folders(&folder));
        }
        if has(false) {
            out.extend(files(&folder));
        }
    }
    out.sort();
    assert!(
        !out.is_empty(),
        "no file under the corpus folder {relative}"
    );
    out
}

/// The project's seed text (`tests/fixtures/seed-article.txt`): an English news article with an
/// embedded Hebrew post, the kind of text nahar exists for. A fixture of ours, not corpus data.
pub fn seed_article() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed-article.txt");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The last component of a corpus path.
pub fn file_name(relative: &str) -> &str {
    relative.rsplit('/').next().unwrap_or(relative)
}
