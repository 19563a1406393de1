//! Records as the tests read them back. Every line nahar writes that a test reads — records
//! files, `--out -`, `nahar extract` — goes through [`parse`], which validates it against
//! `docs/record.schema.json` with a real JSON Schema validator (draft 2020-12, formats checked):
//! a record the schema does not describe fails the test that met it.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde_json::Value;

static SCHEMA: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/record.schema.json");
    let text = std::fs::read_to_string(&path).expect("docs/record.schema.json");
    let schema: Value = serde_json::from_str(&text).expect("the record schema is JSON");
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("the record schema does not compile: {e}"))
});

/// Why `record` does not match the schema, one line per problem; empty when it does.
pub fn problems(record: &Value) -> Vec<String> {
    SCHEMA
        .iter_errors(record)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// One JSON Lines record, checked against the schema.
pub fn parse(line: &str) -> Value {
    let record: Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not one JSON record: {e}: {line}"));
    let problems = problems(&record);
    assert!(
        problems.is_empty(),
        "a record does not match docs/record.schema.json:\n{}\n{line}",
        problems.join("\n")
    );
    record
}

/// Every complete line of every records file in `dir` (`<output.dir>/records`), in file order;
/// none when the folder does not exist. A line being written at this moment (no final newline
/// yet) is not read.
pub fn read_dir(dir: &Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut records = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let complete = text.rfind('\n').map_or("", |end| &text[..end]);
        records.extend(complete.lines().map(parse));
    }
    records
}
