//! `docs/record.schema.json` describes the records nahar writes, and only them: a real record
//! validates (every test that reads records checks each one, see `records.rs`), and records
//! that break SPEC in one way each are rejected.

use serde_json::{Value, json};

use crate::binary::run;
use crate::records;

/// The record of the seed article page (title, paragraphs, an embedded Hebrew post).
fn seed_record() -> Value {
    let page = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pages/kan-article.html"
    );
    let out = run(&["extract", page]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    records::parse(out.stdout.trim())
}

#[test]
fn a_real_record_with_an_embed_validates() {
    let record = seed_record();
    let kinds: Vec<&str> = record["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .filter_map(|s| s["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"title") && kinds.contains(&"paragraph") && kinds.contains(&"embed"));
    assert_eq!(records::problems(&record), Vec::<String>::new());
}

#[test]
fn records_that_break_the_contract_are_rejected() {
    let record = seed_record();
    let embed_at = record["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .position(|s| s["kind"] == "embed")
        .expect("an embed segment");
    let paragraph_at = record["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .position(|s| s["kind"] == "paragraph")
        .expect("a paragraph segment");
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "no id",
            Box::new(|r| drop(r.as_object_mut().map(|o| o.remove("id")))),
        ),
        ("an undocumented field", Box::new(|r| r["extra"] = json!(1))),
        (
            "an id that is not 32 hex digits",
            Box::new(|r| r["id"] = json!("abc")),
        ),
        ("dir auto", Box::new(|r| r["dir"] = json!("auto"))),
        ("lang iw", Box::new(|r| r["lang"] = json!("iw"))),
        ("lang he-IL", Box::new(|r| r["lang"] = json!("he-IL"))),
        (
            "published not a date-time",
            Box::new(|r| r["published"] = json!("yesterday")),
        ),
        (
            "published with an offset",
            Box::new(|r| r["published"] = json!("2024-11-20T20:00:00+02:00")),
        ),
        ("revision 0", Box::new(|r| r["revision"] = json!(0))),
        (
            "a javascript: url",
            Box::new(|r| r["url"] = json!("javascript:alert(1)")),
        ),
        (
            "a short content_hash",
            Box::new(|r| r["content_hash"] = json!("00ff")),
        ),
        (
            "an unknown warning",
            Box::new(|r| r["warnings"] = json!(["oops"])),
        ),
        (
            "mixed as a string",
            Box::new(|r| r["mixed"] = json!("true")),
        ),
        (
            "segment kind caption",
            Box::new(move |r| r["segments"][paragraph_at]["kind"] = json!("caption")),
        ),
        (
            "an embed on a paragraph",
            Box::new(
                move |r| r["segments"][paragraph_at]["embed"] = json!({"platform": "twitter", "author": null, "handle": null, "url": null, "date": null}),
            ),
        ),
        (
            "an empty paragraph",
            Box::new(move |r| r["segments"][paragraph_at]["text"] = json!("")),
        ),
        (
            "lang_src guess",
            Box::new(move |r| r["segments"][paragraph_at]["lang_src"] = json!("guess")),
        ),
        (
            "an embed segment without embed",
            Box::new(move |r| {
                drop(
                    r["segments"][embed_at]
                        .as_object_mut()
                        .map(|o| o.remove("embed")),
                )
            }),
        ),
        (
            "platform myspace",
            Box::new(move |r| r["segments"][embed_at]["embed"]["platform"] = json!("myspace")),
        ),
        (
            "a handle with @",
            Box::new(move |r| r["segments"][embed_at]["embed"]["handle"] = json!("@kann_news")),
        ),
        (
            "an embed date with a time",
            Box::new(move |r| r["segments"][embed_at]["embed"]["date"] = json!("2024-11-20T18:00")),
        ),
        (
            "a run without script",
            Box::new(move |r| {
                r["segments"][paragraph_at]["runs"] =
                    json!([{"start": 0, "end": 3, "dir": "ltr", "lang": "en"}])
            }),
        ),
    ];
    for (what, change) in cases {
        let mut wrong = record.clone();
        change(&mut wrong);
        assert!(
            !records::problems(&wrong).is_empty(),
            "the schema accepts a record with {what}"
        );
    }
}
