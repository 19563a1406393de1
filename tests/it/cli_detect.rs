//! `nahar detect` as a user runs it: the real binary, arguments and stdin in, JSON out.

use std::io::Write;
use std::process::{Command, Stdio};

fn nahar() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nahar"))
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = nahar()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn nahar: {e}"));
    child
        .stdin
        .take()
        .unwrap_or_else(|| panic!("no stdin"))
        .write_all(stdin)
        .unwrap_or_else(|e| panic!("write stdin: {e}"));
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("wait: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

#[test]
fn detect_text_argument_prints_one_object() {
    let (code, stdout, _) = run_with_stdin(
        &["detect", "Google הודיעה היום על השקת מרכז פיתוח חדש בחיפה"],
        b"",
    );
    assert_eq!(code, 0);
    assert_eq!(
        json_lines(&stdout),
        [serde_json::json!({
            "text": "Google הודיעה היום על השקת מרכז פיתוח חדש בחיפה",
            "lang": "he",
            "dir": "rtl",
            "scripts": ["Hebrew", "Latin"],
            "mixed": true,
            "runs": [
                {"start": 0, "end": 6, "script": "Latin", "dir": "ltr", "lang": "und"},
                {"start": 7, "end": 47, "script": "Hebrew", "dir": "rtl", "lang": "he"}
            ]
        })]
    );
}

#[test]
fn detect_stdin_is_one_segment_without_lines() {
    let (code, stdout, _) = run_with_stdin(&["detect"], "first line\r\nשורה שנייה\n".as_bytes());
    assert_eq!(code, 0);
    let out = json_lines(&stdout);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["text"], "first line\nשורה שנייה");
}

#[test]
fn detect_lines_answers_every_line_in_order() {
    let input = "Ceasefire talks resume\n\nשלום עולם\n@kann_news הודעה\nOK\n";
    let (code, stdout, _) = run_with_stdin(&["detect", "--lines"], input.as_bytes());
    assert_eq!(code, 0);
    let labels: Vec<(String, String, String)> = json_lines(&stdout)
        .iter()
        .map(|v| {
            (
                v["text"].as_str().unwrap_or_default().to_owned(),
                v["lang"].to_string(),
                v["dir"].to_string(),
            )
        })
        .collect();
    let short_english = format!("\"{}\"", crate::binary::SHORT_ENGLISH);
    let expected: Vec<(String, String, String)> = [
        ("Ceasefire talks resume", short_english.as_str(), "\"ltr\""),
        ("", "\"und\"", "\"ltr\""),
        ("שלום עולם", "\"he\"", "\"rtl\""),
        ("@kann_news הודעה", "\"he\"", "\"rtl\""),
        ("OK", "\"und\"", "\"ltr\""),
    ]
    .iter()
    .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
    .collect();
    assert_eq!(labels, expected);
}

#[test]
fn detect_hint_decides_what_the_text_cannot() {
    let (_, plain, _) = run_with_stdin(&["detect", "שלום"], b"");
    let (_, hinted, _) = run_with_stdin(&["detect", "--hint", "yi", "שלום"], b"");
    assert_eq!(json_lines(&plain)[0]["lang"], "he");
    assert_eq!(json_lines(&hinted)[0]["lang"], "yi");
}

#[test]
fn detect_invalid_utf8_on_stdin_still_answers() {
    let (code, stdout, stderr) =
        run_with_stdin(&["detect"], b"caf\xe9 \xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d");
    assert_eq!(code, 0);
    assert_eq!(json_lines(&stdout)[0]["text"], "caf\u{FFFD} שלום");
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
}

#[test]
fn detect_unknown_hint_is_a_usage_error() {
    let (code, stdout, stderr) = run_with_stdin(&["detect", "--hint", "klingon", "x"], b"");
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.contains("klingon"), "{stderr}");
}

#[test]
fn unknown_flag_exits_1_not_clap_default_2() {
    let (code, _, stderr) = run_with_stdin(&["detect", "--no-such-flag"], b"");
    assert_eq!(code, 1);
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
}
