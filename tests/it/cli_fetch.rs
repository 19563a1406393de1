//! `nahar fetch` and `nahar check` as a user runs them: the real binary against real HTTP servers
//! on 127.0.0.1, records read back from disk.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::binary::{Run, run};
use crate::records;
use crate::serve::{Reply, Server};

/// A config file in a fresh directory; records go to `<dir>/out`.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(sources: &[(&str, String)]) -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = String::from(
            "[output]\ndir = \"out\"\n\n[http]\ntimeout = \"10s\"\nper_host_delay = \"0s\"\nper_host_concurrency = 8\n",
        );
        for (name, url) in sources {
            config.push_str(&format!(
                "\n[[source]]\nname = \"{name}\"\nurl = \"{url}\"\n"
            ));
        }
        std::fs::write(dir.path().join("nahar.toml"), config).expect("write config");
        Setup { dir }
    }

    fn config(&self) -> String {
        self.dir.path().join("nahar.toml").display().to_string()
    }

    fn fetch(&self, extra: &[&str]) -> Run {
        let config = self.config();
        let mut args = vec!["fetch", "-c", config.as_str()];
        args.extend_from_slice(extra);
        run(&args)
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Every record written so far, in file order.
    fn records(&self) -> Vec<serde_json::Value> {
        records::read_dir(&self.out().join("records"))
    }
}

fn rss(items: &[(&str, &str, &str)]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>t</title><link>https://example.org/</link><language>he</language>\n",
    );
    for (guid, title, description) in items {
        xml.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>https://example.org/{guid}?utm_source=rss</link><description><![CDATA[{description}]]></description><pubDate>Wed, 20 Nov 2024 18:00:00 GMT</pubDate></item>\n"
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

fn title_of<'a>(records: &'a [serde_json::Value], source: &str) -> Vec<&'a str> {
    records
        .iter()
        .filter(|r| r["source"] == source)
        .filter_map(|r| r["title"].as_str())
        .collect()
}

#[test]
fn conditional_get_round_trips_both_validators_and_a_changed_item_is_revision_2() {
    let server = Server::start();
    let modified = "Wed, 20 Nov 2024 18:00:00 GMT";
    let feed = |second: &str| {
        let mut reply = Reply::ok(
            "application/rss+xml",
            rss(&[
                (
                    "a1",
                    "Google הודיעה היום על מוצר חדש",
                    "<p>פסקה ראשונה.</p>",
                ),
                ("a2", second, "<p>Second paragraph.</p>"),
            ]),
        );
        reply.etag = Some(format!("\"{}\"", second.len()));
        reply.last_modified = Some(modified.to_owned());
        reply
    };
    server.set("/feed.xml", feed("Israel's central bank holds rates"));
    let setup = Setup::new(&[("news", server.url("/feed.xml"))]);

    let first = setup.fetch(&[]);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    assert!(
        first.stdout.contains("news: 2 new, 0 updated, 0 unchanged"),
        "{}",
        first.stdout
    );
    let written = setup.records();
    assert_eq!(written.len(), 2);
    assert_eq!(written[0]["url"], "https://example.org/a1");
    assert_eq!(written[0]["lang"], "he");
    assert_eq!(written[0]["dir"], "rtl");
    assert_eq!(written[1]["lang"], crate::binary::SHORT_ENGLISH);

    let second = setup.fetch(&[]);
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    assert!(
        second.stdout.contains("news: not modified"),
        "{}",
        second.stdout
    );
    let requests = server.requests("/feed.xml");
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1]
            .get("if-none-match")
            .and_then(|v| v.to_str().ok()),
        Some("\"33\"")
    );
    assert_eq!(
        requests[1]
            .get("if-modified-since")
            .and_then(|v| v.to_str().ok()),
        Some(modified)
    );
    assert!(requests[0].get("user-agent").is_some());
    assert_eq!(setup.records().len(), 2, "a 304 writes nothing");

    server.set("/feed.xml", feed("Israel's central bank cuts rates"));
    let third = setup.fetch(&[]);
    assert_eq!(third.code, 0, "{}{}", third.stdout, third.stderr);
    assert!(
        third.stdout.contains("news: 0 new, 1 updated, 1 unchanged"),
        "{}",
        third.stdout
    );
    let all = setup.records();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2]["id"], all[1]["id"]);
    assert_eq!(all[2]["revision"], 2);
    assert_eq!(all[2]["title"], "Israel's central bank cuts rates");
    assert_ne!(all[2]["content_hash"], all[1]["content_hash"]);

    // A server that changes nothing but drops its validators: nothing is written again.
    let mut plain = feed("Israel's central bank cuts rates");
    plain.etag = None;
    plain.last_modified = None;
    server.set("/feed.xml", plain);
    let fourth = setup.fetch(&[]);
    assert!(
        fourth.stdout.contains("news: 2 unchanged"),
        "{}",
        fourth.stdout
    );
    assert_eq!(setup.records().len(), 3);
}

fn windows_1255(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1255.encode(text);
    assert!(!unmappable, "{text} is not windows-1255");
    bytes.into_owned()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

const HEBREW_TITLE: &str = "ממשלת ישראל אישרה את תקציב המדינה לשנה הבאה";
const HEBREW_BODY: &str = "<p>הכנסת צפויה להצביע על התקציב בשבוע הבא, לאחר דיונים ארוכים בוועדת הכספים. שר האוצר אמר כי התקציב מאוזן ומשקף את סדרי העדיפויות של הממשלה בתחומי החינוך, הבריאות והביטחון.</p>";

#[test]
fn one_pass_over_many_servers_decodes_every_charset_and_names_the_failure() {
    let server = Server::start();
    let hebrew = |guid: &str, declaration: &str| {
        format!(
            "<?xml version=\"1.0\"{declaration}?>\n<rss version=\"2.0\"><channel><title>חדשות</title><link>https://example.co.il/</link>\
             <item><guid>{guid}</guid><title>{HEBREW_TITLE}</title><link>https://example.co.il/{guid}</link>\
             <description><![CDATA[{HEBREW_BODY}]]></description></item></channel></rss>\n"
        )
    };
    server.set(
        "/gzip.xml",
        Reply::ok(
            "application/rss+xml",
            gzip(hebrew("gz", " encoding=\"utf-8\"").as_bytes()),
        )
        .header("content-encoding", "gzip"),
    );
    server.set(
        "/moved.xml",
        Reply::status(301).header("location", "/target.xml"),
    );
    server.set(
        "/target.xml",
        Reply::ok("text/xml", hebrew("moved", " encoding=\"utf-8\"")),
    );
    // The header says Latin-1; the body is UTF-8 (real Israeli feeds do this).
    server.set(
        "/lying.xml",
        Reply::ok("text/xml; charset=ISO-8859-1", hebrew("lying", "")),
    );
    server.set(
        "/declared-1255.xml",
        Reply::ok(
            "text/xml",
            windows_1255(&hebrew("decl", " encoding=\"windows-1255\"")),
        ),
    );
    server.set(
        "/undeclared-1255.xml",
        Reply::ok("text/xml", windows_1255(&hebrew("nodecl", ""))),
    );
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(hebrew("bom", "").as_bytes());
    server.set("/bom.xml", Reply::ok("text/xml; charset=windows-1255", bom));
    server.set(
        "/bidi.xml",
        Reply::ok(
            "application/rss+xml",
            rss(&[(
                "bidi",
                "\u{200F}\u{202B}Netanyahu\u{202C} נפגש עם \u{2066}Biden\u{2069} בוושינגטון\u{200E}",
                "<p>\u{200F}תוכן\u{200F}</p>",
            )]),
        ),
    );
    server.set("/broken.xml", Reply::status(500));

    let names = [
        "gzip",
        "redirect",
        "lying",
        "declared-1255",
        "undeclared-1255",
        "bom",
        "bidi",
        "broken",
    ];
    let paths = [
        "/gzip.xml",
        "/moved.xml",
        "/lying.xml",
        "/declared-1255.xml",
        "/undeclared-1255.xml",
        "/bom.xml",
        "/bidi.xml",
        "/broken.xml",
    ];
    let sources: Vec<(&str, String)> = names
        .iter()
        .zip(paths)
        .map(|(n, p)| (*n, server.url(p)))
        .collect();
    let setup = Setup::new(&sources);
    let result = setup.fetch(&[]);
    assert_eq!(result.code, 2, "{}{}", result.stdout, result.stderr);
    assert!(
        result.stdout.contains(&format!(
            "failed     broken ({}): fetch: HTTP 500 Internal Server Error",
            server.url("/broken.xml")
        )),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("8 sources: 7 new"),
        "{}",
        result.stdout
    );
    assert!(
        server.requests("/gzip.xml")[0]
            .get("accept-encoding")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("gzip"))
    );

    let records = setup.records();
    assert_eq!(records.len(), 7);
    for name in &names[..6] {
        assert_eq!(
            title_of(&records, name),
            vec![HEBREW_TITLE],
            "source {name}"
        );
    }
    for record in &records {
        let line = record.to_string();
        assert!(!line.contains('\u{FFFD}'), "{line}");
        assert!(
            !line.chars().any(|c| matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
            "{line}"
        );
    }
    let moved = records
        .iter()
        .find(|r| r["source"] == "redirect")
        .expect("redirect record");
    assert_eq!(moved["url"], "https://example.co.il/moved");
    let bidi = records
        .iter()
        .find(|r| r["source"] == "bidi")
        .expect("bidi record");
    assert_eq!(bidi["title"], "Netanyahu נפגש עם Biden בוושינגטון");
    assert_eq!(bidi["text"], "תוכן");
    assert_eq!(bidi["dir"], "rtl");
    assert_eq!(bidi["lang"], "he");
    assert_eq!(bidi["mixed"], true);

    // The good sources are not re-written; the broken one is still named.
    let again = setup.fetch(&[]);
    assert_eq!(again.code, 2);
    assert_eq!(setup.records().len(), 7);
}

#[test]
fn out_dash_prints_records_on_stdout_once_and_source_selects() {
    let server = Server::start();
    server.set(
        "/a.xml",
        Reply::ok(
            "application/rss+xml",
            rss(&[("x1", "First headline", "<p>Body.</p>")]),
        ),
    );
    server.set(
        "/b.xml",
        Reply::ok(
            "application/rss+xml",
            rss(&[("y1", "Second headline", "<p>Body.</p>")]),
        ),
    );
    let setup = Setup::new(&[("a", server.url("/a.xml")), ("b", server.url("/b.xml"))]);
    let printed = setup.fetch(&["--source", "a", "--out", "-"]);
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    let lines: Vec<serde_json::Value> = printed.stdout.lines().map(records::parse).collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["title"], "First headline");
    assert!(printed.stderr.contains("a: 1 new"), "{}", printed.stderr);
    assert!(server.requests("/b.xml").is_empty());
    assert!(setup.records().is_empty(), "--out - writes no records file");

    let again = setup.fetch(&["--source", "a", "--out", "-"]);
    assert_eq!(again.stdout, "", "an item is printed once");

    let unknown = setup.fetch(&["--source", "nope"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("--source nope: no such source"),
        "{}",
        unknown.stderr
    );
    assert!(
        unknown.stderr.contains("sources: a, b"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn an_invalid_config_exits_1_naming_every_error_with_file_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("broken.toml");
    std::fs::write(
        &path,
        "[http]\ntimeout = \"20 parsecs\"\nuser_agnet = \"x\"\n\n[[source]]\nname = \"Bad Name\"\nurl = \"https://example.org/rss.xml\"\n",
    )
    .expect("write config");
    let config = path.display().to_string();
    for command in ["fetch", "check"] {
        let result = run(&[command, "-c", &config]);
        assert_eq!(result.code, 1, "{command}: {}", result.stderr);
        for location in [":2:11:", ":3:1:", ":6:8:"] {
            assert!(
                result.stderr.contains(&format!("{config}{location}")),
                "{command}: {location} missing in {}",
                result.stderr
            );
        }
        assert!(result.stderr.contains("has 3 errors"), "{}", result.stderr);
        assert!(!dir.path().join("data").exists(), "nothing is written");
    }
}

#[test]
fn check_prints_the_resolved_sources() {
    let setup = Setup::new(&[("kan-news", "https://www.kan.org.il/rss/".to_owned())]);
    let result = run(&["check", "-c", &setup.config()]);
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert!(result.stdout.contains(": valid"), "{}", result.stdout);
    assert!(
        result.stdout.contains(
            "kan-news  feed  https://www.kan.org.il/rss/  interval=10m  follow_links=false"
        ),
        "{}",
        result.stdout
    );
}

#[test]
fn a_second_process_on_one_output_directory_is_refused() {
    let setup = Setup::new(&[("a", "file:feed.xml".to_owned())]);
    std::fs::write(
        setup.dir.path().join("feed.xml"),
        rss(&[("x1", "Headline", "<p>Body.</p>")]),
    )
    .expect("write feed");
    let lock = nahar::sink::OutputLock::acquire(&setup.out()).expect("lock");
    let refused = setup.fetch(&[]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("in use by another nahar process"),
        "{}",
        refused.stderr
    );
    drop(lock);
    let ok = setup.fetch(&[]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(setup.records().len(), 1);
}

/// The record nahar would build for the item with GUID `guid` of the feed file `path`, and the
/// source hash the state keeps for it — built with the library, as the pipeline builds it.
fn record_for(config: &str, path: &Path, guid: &str) -> nahar::record::Record {
    let config = nahar::config::load(Path::new(config)).expect("config");
    let source = &config.sources[0];
    let bytes = std::fs::read(path).expect("feed");
    let url = url::Url::from_file_path(path).expect("file url");
    let document = nahar::fetch::document(url, None, &bytes, nahar::fetch::DocumentKind::Xml, None);
    let entries = nahar::parse::entries(&document, source)
        .expect("parse")
        .entries;
    let entry = entries
        .iter()
        .find(|e| e.identity.key == guid)
        .expect("entry");
    nahar::record::Record::build(
        &source.name,
        entry,
        &nahar::extract::article(entry),
        &nahar::text::Analyzer::default(),
        None,
        chrono::Utc::now(),
    )
}

#[test]
fn a_torn_line_and_an_interrupted_batch_are_repaired_without_loss_or_duplicates() {
    let setup = Setup::new(&[("a", "file:feed.xml".to_owned())]);
    let feed = setup.dir.path().join("feed.xml");
    let items = [
        ("x1", "First", "<p>One.</p>"),
        ("x2", "Second", "<p>Two.</p>"),
        ("x3", "Third", "<p>Three.</p>"),
    ];
    std::fs::write(&feed, rss(&items)).expect("write feed");
    let first = setup.fetch(&[]);
    assert_eq!(first.code, 0, "{}", first.stderr);

    // Two items are published; a run journals them, appends x4 whole and x5 half, and dies.
    let mut more = items.to_vec();
    more.push(("x4", "Fourth", "<p>Four.</p>"));
    more.push(("x5", "Fifth", "<p>Five.</p>"));
    std::fs::write(&feed, rss(&more)).expect("write feed");
    let x4 = record_for(&setup.config(), &feed, "x4");
    let x5 = record_for(&setup.config(), &feed, "x5");
    let file = nahar::sink::JsonlSink::file_name(chrono::Utc::now().date_naive());
    let path = setup.out().join("records").join(&file);
    {
        let (output, recovery) =
            nahar::pipeline::Output::open(&setup.out(), nahar::pipeline::Destination::Files)
                .expect("open output");
        assert_eq!(recovery, nahar::pipeline::Recovery::default());
        let offset = std::fs::metadata(&path).expect("records file").len();
        let items = [&x4, &x5]
            .iter()
            .map(|r| nahar::state::PendingItem {
                id: r.id.clone(),
                revision: r.revision,
                source_hash: r.source_hash.clone(),
            })
            .collect();
        output
            .state()
            .begin_batches(&[nahar::state::PendingBatch {
                source: "a".to_owned(),
                file: file.clone(),
                offset,
                items,
            }])
            .expect("journal");
        let x5_line = serde_json::to_string(&x5).expect("json");
        let mut handle = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open records");
        writeln!(handle, "{}", serde_json::to_string(&x4).expect("json")).expect("append");
        handle
            .write_all(&x5_line.as_bytes()[..x5_line.len() / 2])
            .expect("append");
    }

    let repaired = setup.fetch(&[]);
    assert_eq!(repaired.code, 0, "{}", repaired.stderr);
    assert!(
        repaired.stdout.contains("a: 1 new, 0 updated, 4 unchanged"),
        "{}",
        repaired.stdout
    );
    let titles: Vec<String> = setup
        .records()
        .iter()
        .filter_map(|r| r["title"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(titles, vec!["First", "Second", "Third", "Fourth", "Fifth"]);
    assert!(
        std::fs::read_to_string(&path)
            .expect("records")
            .ends_with('\n')
    );

    let quiet = setup.fetch(&[]);
    assert!(quiet.stdout.contains("a: 5 unchanged"), "{}", quiet.stdout);
    assert_eq!(setup.records().len(), 5);
}
