//! The rules of docs/DESIGN.md that keep the code easy to change, checked on the sources:
//!
//! 1. Dependencies point back along the pipeline: a stage uses the leaf modules and earlier
//!    stages, never a later one.
//! 2. No two files import each other's functions: within a module, the files that use each
//!    other's functions form no cycle, and a file takes only types from its parent module.
//! 3. No file is longer than 1,000 lines before its tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules every stage may use: they depend on nothing of nahar's.
const LEAVES: &[&str] = &["text", "links", "dates", "hash", "markup", "files", "shown"];

/// The stages in pipeline order (each may use the ones before it), then what stands beside the
/// pipeline.
const STAGES: &[&str] = &[
    "config", "fetch", "parse", "extract", "record", "cluster", "state", "sink", "report",
    "pipeline", "daemon",
];
const BESIDE: &[(&str, &[&str])] = &[("opml", &["config"]), ("cli", &[])];

const MAX_LINES_BEFORE_TESTS: usize = 1000;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/` but the binary and the unit tests' helpers, as paths relative
/// to `src/`.
fn library_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![src()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src()).expect("under src").to_path_buf();
                if !matches!(
                    relative.to_str(),
                    Some("main.rs" | "lib.rs" | "test_corpus.rs")
                ) {
                    files.push(relative);
                }
            }
        }
    }
    files.sort();
    assert!(files.len() > 40, "{files:?}");
    files
}

fn is_test_file(relative: &Path) -> bool {
    relative.file_name().is_some_and(|n| n == "tests.rs")
}

/// The code of a file before its tests, without comments.
fn code(relative: &Path) -> String {
    let text = std::fs::read_to_string(src().join(relative)).expect("read source");
    let before_tests = text
        .split("\n#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    before_tests
        .lines()
        .filter(|line| !line.trim_start().starts_with("#[cfg(test)]"))
        .map(|line| match line.find("//") {
            // A `//` inside a string (a URL) is not a comment; code lines here never hold both.
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn top_module(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_owned()
}

/// The names a `use super::…`/`super::…` path of `code` reaches: (sibling module or `""` for the
/// parent itself, item names).
fn super_paths(code: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("super::") {
        rest = &rest[at + "super::".len()..];
        if rest.starts_with("super::") {
            continue;
        }
        let (head, tail) = if let Some(group) = rest.strip_prefix('{') {
            ("", group)
        } else {
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let after = &rest[word.len()..];
            match after.strip_prefix("::") {
                // `super::module::…`: a sibling module.
                Some(more)
                    if word.chars().next().is_some_and(char::is_lowercase)
                        && !more.starts_with('*') =>
                {
                    found.push((word, Vec::new()));
                    continue;
                }
                _ => {
                    found.push((String::new(), vec![word]));
                    continue;
                }
            }
        };
        debug_assert!(head.is_empty());
        let group: String = tail.chars().take_while(|c| *c != '}').collect();
        let mut items = Vec::new();
        for item in group.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item.split_once("::") {
                Some((module, _)) => found.push((module.to_owned(), Vec::new())),
                None => items.push(item.trim_start_matches("self as ").to_owned()),
            }
        }
        found.push((String::new(), items));
    }
    found
}

/// A type (`CamelCase`) or a constant (`SCREAMING_CASE`): the vocabulary a module shares with
/// its files, as opposed to its functions.
fn is_vocabulary(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

#[test]
fn stages_use_only_leaves_and_earlier_stages() {
    let mut allowed: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for leaf in LEAVES {
        allowed.insert(leaf, BTreeSet::new());
    }
    for (i, stage) in STAGES.iter().enumerate() {
        let mut set: BTreeSet<&str> = LEAVES.iter().copied().collect();
        set.extend(&STAGES[..i]);
        allowed.insert(stage, set);
    }
    for (module, uses) in BESIDE {
        let mut set: BTreeSet<&str> = LEAVES.iter().copied().collect();
        set.extend(uses.iter());
        allowed.insert(module, set);
    }
    let mut problems = Vec::new();
    for file in library_files().iter().filter(|f| !is_test_file(f)) {
        let top = top_module(file);
        let Some(may_use) = allowed.get(top.as_str()) else {
            problems.push(format!(
                "{}: module `{top}` is not placed in the layout",
                file.display()
            ));
            continue;
        };
        let code = code(file);
        let mut rest = code.as_str();
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let used: Vec<String> = match rest.strip_prefix('{') {
                // `use crate::{extract, parse};`
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(|item| {
                        item.split("::")
                            .next()
                            .unwrap_or_default()
                            .trim()
                            .to_owned()
                    })
                    .filter(|item| !item.is_empty())
                    .collect(),
                None => vec![
                    rest.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect(),
                ],
            };
            for used in used {
                if used != top && !may_use.contains(used.as_str()) {
                    problems.push(format!("{}: `{top}` uses `{used}`", file.display()));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_two_files_import_each_others_functions() {
    // Per directory: which sibling modules each file uses.
    let mut graphs: BTreeMap<PathBuf, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut problems = Vec::new();
    for file in library_files().iter().filter(|f| !is_test_file(f)) {
        let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) else {
            continue;
        };
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let code = code(file);
        if name == "mod" {
            // The parent may use its children: that is what they are for.
            continue;
        }
        let is_sibling = |item: &str| {
            let folder = src().join(dir);
            folder.join(format!("{item}.rs")).is_file()
                || folder.join(item).join("mod.rs").is_file()
        };
        for (module, items) in super_paths(&code) {
            // `use super::{Block, embed}`: `embed` is a sibling module, not an item of the parent.
            let (siblings, items): (Vec<String>, Vec<String>) =
                items.into_iter().partition(|item| is_sibling(item));
            for sibling in siblings {
                graphs
                    .entry(dir.to_path_buf())
                    .or_default()
                    .entry(name.clone())
                    .or_default()
                    .insert(sibling);
            }
            if module.is_empty() {
                for item in items
                    .iter()
                    .filter(|i| !is_vocabulary(i) && i.as_str() != "*")
                {
                    problems.push(format!(
                        "{}: uses `{item}` of its parent module (a file takes only types from its parent)",
                        file.display()
                    ));
                }
            } else {
                graphs
                    .entry(dir.to_path_buf())
                    .or_default()
                    .entry(name.clone())
                    .or_default()
                    .insert(module);
            }
        }
    }
    for (dir, graph) in &graphs {
        // Depth-first search for a cycle among the files of `dir`.
        fn visit(
            node: &str,
            graph: &BTreeMap<String, BTreeSet<String>>,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(at) = path.iter().position(|p| p == node) {
                return Some(path[at..].to_vec());
            }
            if done.contains(node) {
                return None;
            }
            path.push(node.to_owned());
            for next in graph.get(node).into_iter().flatten() {
                if let Some(cycle) = visit(next, graph, path, done) {
                    return Some(cycle);
                }
            }
            path.pop();
            done.insert(node.to_owned());
            None
        }
        let mut done = BTreeSet::new();
        for node in graph.keys() {
            if let Some(cycle) = visit(node, graph, &mut Vec::new(), &mut done) {
                problems.push(format!(
                    "{}: {} import each other",
                    dir.display(),
                    cycle.join(" → ")
                ));
                break;
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_file_is_longer_than_a_thousand_lines_before_its_tests() {
    let mut long = Vec::new();
    for file in library_files().iter().filter(|f| !is_test_file(f)) {
        let text = std::fs::read_to_string(src().join(file)).expect("read source");
        let lines = text
            .lines()
            .take_while(|line| *line != "#[cfg(test)]")
            .count();
        if lines > MAX_LINES_BEFORE_TESTS {
            long.push(format!("{}: {lines} lines", file.display()));
        }
    }
    assert!(long.is_empty(), "{}", long.join("\n"));
}
