//! An output directory written by an earlier release keeps working: its items are recognised
//! after the upgrade, none is written twice, and their records keep their ids.
//!
//! `tests/fixtures/state-0.1.0/` was written by the release before 0.2, which re-encoded item
//! links' queries as forms (`?12345` → `?12345=`, `q=a%20b` → `q=a+b`): links, and so the ids of
//! items identified by their link, and every item's source hash, now differ from what it stored.

use std::path::Path;

use crate::binary::run;
use crate::records;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("fixture") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn a_state_written_before_the_link_change_keeps_recognising_its_items() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/state-0.1.0"
        )),
        dir.path(),
    );
    let config = dir.path().join("nahar.toml").display().to_string();
    let records_dir = dir.path().join("out/records");
    let before = records::read_dir(&records_dir);
    assert_eq!(before.len(), 8);

    let unchanged = run(&["fetch", "-c", &config]);
    assert_eq!(unchanged.code, 0, "{}", unchanged.stderr);
    assert!(
        unchanged.stdout.contains("queries: 8 unchanged"),
        "{}",
        unchanged.stdout
    );
    assert_eq!(
        records::read_dir(&records_dir),
        before,
        "nothing was written"
    );

    // The source edits two items and adds one: the edits are revisions of the same ids, with
    // links now as published; the new item gets an id from its link as published.
    let feed = dir.path().join("feed.xml");
    let text = std::fs::read_to_string(&feed)
        .expect("feed")
        .replace("<description>Two.</description>", "<description>Two, edited.</description>")
        .replace("<description>Five.</description>", "<description>Five, edited.</description>")
        .replace(
            "</channel>",
            "<item><title>New</title><link>https://news.example/story?67890</link></item>\n</channel>",
        );
    std::fs::write(&feed, text).expect("write feed");
    let edited = run(&["fetch", "-c", &config]);
    assert!(
        edited
            .stdout
            .contains("queries: 1 new, 2 updated, 6 unchanged"),
        "{}",
        edited.stdout
    );
    let after = records::read_dir(&records_dir);
    assert_eq!(after.len(), 11);
    let id_of = |title: &str| {
        before
            .iter()
            .find(|r| r["title"] == title)
            .map(|r| r["id"].clone())
            .unwrap_or_else(|| panic!("{title}"))
    };
    let bare = &after[8];
    assert_eq!(
        (&bare["title"], &bare["id"], bare["revision"].as_u64()),
        (
            &serde_json::json!("Bare number"),
            &id_of("Bare number"),
            Some(2)
        )
    );
    assert_eq!(bare["url"], "https://news.example/story?12345");
    let guid = &after[9];
    assert_eq!(
        (&guid["id"], guid["revision"].as_u64(), &guid["url"]),
        (
            &id_of("A GUID item"),
            Some(2),
            &serde_json::json!("https://news.example/g?tag=a%20b")
        )
    );
    assert_eq!(after[10]["url"], "https://news.example/story?67890");
    assert_eq!(after[10]["revision"], 1);

    // And again: all known, by whichever id.
    let third = run(&["fetch", "-c", &config]);
    assert!(
        third.stdout.contains("queries: 9 unchanged"),
        "{}",
        third.stdout
    );
}
