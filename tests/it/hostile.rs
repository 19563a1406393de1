//! Hostile servers: one `nahar fetch` over a good feed and every kind of misbehaving server on
//! 127.0.0.1 (issue "hostile input"). The server here is raw TCP, so that it can do what a real
//! HTTP library would not let it: trickle forever, lie about lengths, reset mid-body.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Each path's behaviour.
fn respond(path: &str, mut stream: TcpStream, fixtures: &Fixtures) {
    let good_feed = fixtures.good.as_slice();
    let head = |stream: &mut TcpStream, status: &str, headers: &str| {
        let _ = stream.write_all(
            format!("HTTP/1.1 {status}\r\n{headers}connection: close\r\n\r\n").as_bytes(),
        );
    };
    match path {
        "/good.xml" => {
            head(
                &mut stream,
                "200 OK",
                &format!(
                    "content-type: application/rss+xml\r\ncontent-length: {}\r\n",
                    good_feed.len()
                ),
            );
            let _ = stream.write_all(good_feed);
        }
        "/trickle.xml" => {
            // Headers at once, then a byte every half second, forever, with no length to refuse
            // early: only the total timeout ends it (the idle timeout never fires).
            head(
                &mut stream,
                "200 OK",
                "content-type: application/rss+xml\r\n",
            );
            let _ = stream.write_all(b"<?xml version=\"1.0\"?><rss><channel>");
            for _ in 0..600 {
                std::thread::sleep(Duration::from_millis(500));
                if stream.write_all(b" ").is_err() {
                    return;
                }
            }
        }
        "/stall.xml" => {
            // Headers, a little body, then silence with the connection open.
            head(
                &mut stream,
                "200 OK",
                "content-type: application/rss+xml\r\ncontent-length: 5000\r\n",
            );
            let _ = stream.write_all(b"<?xml version=\"1.0\"?><rss>");
            std::thread::sleep(Duration::from_secs(60));
        }
        "/huge.xml" | "/huge-unannounced.xml" => {
            // 200 MB, streamed; nahar must stop at max_body without buffering it — refused at
            // once when the length is announced, cut while streaming when it is not.
            let length = if path == "/huge.xml" {
                "content-length: 209715200\r\n"
            } else {
                ""
            };
            head(
                &mut stream,
                "200 OK",
                &format!("content-type: application/rss+xml\r\n{length}"),
            );
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..3200 {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
        "/gzip-bomb.xml" | "/brotli-bomb.xml" => {
            let (encoding, body) = if path.starts_with("/gzip") {
                ("gzip", &fixtures.gzip_bomb)
            } else {
                ("br", &fixtures.brotli_bomb)
            };
            head(
                &mut stream,
                "200 OK",
                &format!(
                    "content-type: application/rss+xml\r\ncontent-encoding: {encoding}\r\ncontent-length: {}\r\n",
                    body.len()
                ),
            );
            let _ = stream.write_all(body);
        }
        "/loop" => head(
            &mut stream,
            "302 Found",
            "location: /loop2\r\ncontent-length: 0\r\n",
        ),
        "/loop2" => head(
            &mut stream,
            "302 Found",
            "location: /loop\r\ncontent-length: 0\r\n",
        ),
        p if p.starts_with("/chain/") => {
            let n: u32 = p["/chain/".len()..].parse().unwrap_or(0);
            head(
                &mut stream,
                "301 Moved Permanently",
                &format!("location: /chain/{}\r\ncontent-length: 0\r\n", n + 1),
            );
        }
        "/404.xml" => head(&mut stream, "404 Not Found", "content-length: 0\r\n"),
        "/500.xml" => head(
            &mut stream,
            "500 Internal Server Error",
            "content-length: 0\r\n",
        ),
        "/429.xml" => head(
            &mut stream,
            "429 Too Many Requests",
            "retry-after: 120\r\ncontent-length: 0\r\n",
        ),
        "/binary.xml" => {
            let body: Vec<u8> = (0..50_000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect();
            head(
                &mut stream,
                "200 OK",
                &format!(
                    "content-type: application/rss+xml\r\ncontent-length: {}\r\n",
                    body.len()
                ),
            );
            let _ = stream.write_all(&body);
        }
        "/broken.xml" => {
            let body = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>x</title><item><title>a</ti";
            head(
                &mut stream,
                "200 OK",
                &format!(
                    "content-type: application/rss+xml\r\ncontent-length: {}\r\n",
                    body.len()
                ),
            );
            let _ = stream.write_all(body);
        }
        "/deep.xml" | "/deep-title.xml" => {
            // 200,000 levels: in the channel (the parser's depth limit refuses the document) and
            // inside a title (markup there is text for the feed parser; the item is kept).
            let (open, close) = if path == "/deep.xml" {
                (
                    "<channel><title>deep</title>",
                    "<item><title>a</title></item></channel>",
                )
            } else {
                (
                    "<channel><title>deep</title><item><title>",
                    "</title></item></channel>",
                )
            };
            let mut body = format!("<?xml version=\"1.0\"?><rss version=\"2.0\">{open}");
            body.push_str(&"<a>".repeat(200_000));
            body.push_str(&"</a>".repeat(200_000));
            body.push_str(close);
            body.push_str("</rss>");
            head(
                &mut stream,
                "200 OK",
                &format!(
                    "content-type: application/rss+xml\r\ncontent-length: {}\r\n",
                    body.len()
                ),
            );
            let _ = stream.write_all(body.as_bytes());
        }
        "/html.xml" => {
            let body = b"<!DOCTYPE html><html><head><title>Not a feed</title></head><body><p>Hello</p></body></html>";
            head(
                &mut stream,
                "200 OK",
                &format!(
                    "content-type: application/rss+xml\r\ncontent-length: {}\r\n",
                    body.len()
                ),
            );
            let _ = stream.write_all(body);
        }
        "/many.xml" => {
            let mut body = String::from(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>many</title>",
            );
            for n in 0..100_000 {
                body.push_str(&format!("<item><guid>{n}</guid><title>t{n}</title></item>"));
            }
            body.push_str("</channel></rss>");
            head(
                &mut stream,
                "200 OK",
                &format!(
                    "content-type: application/rss+xml\r\ncontent-length: {}\r\n",
                    body.len()
                ),
            );
            let _ = stream.write_all(body.as_bytes());
        }
        "/empty.xml" => head(
            &mut stream,
            "200 OK",
            "content-type: application/rss+xml\r\ncontent-length: 0\r\n",
        ),
        "/reset.xml" => {
            head(
                &mut stream,
                "200 OK",
                "content-type: application/rss+xml\r\ncontent-length: 100000\r\n",
            );
            let _ = stream.write_all(b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>cut</title><item><title>half");
            let _ = stream.flush();
            // Dropping the stream with unread input makes the kernel send a reset.
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        _ => head(&mut stream, "404 Not Found", "content-length: 0\r\n"),
    }
}

/// What the server sends, prepared once (compressing in a debug build is slow).
struct Fixtures {
    good: Vec<u8>,
    gzip_bomb: Vec<u8>,
    brotli_bomb: Vec<u8>,
}

/// 64 MB of spaces, compressed: small on the wire, twelve times `max_body` once inflated.
const BOMB_MB: usize = 64;

fn gzip_bomb() -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let zeros = vec![b' '; 1024 * 1024];
    for _ in 0..BOMB_MB {
        gz.write_all(&zeros).expect("gzip");
    }
    gz.finish().expect("gzip")
}

fn brotli_bomb() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 1, 22);
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..BOMB_MB {
            writer.write_all(&zeros).expect("brotli");
        }
    }
    out
}

/// A raw HTTP/1.1 server on 127.0.0.1, a thread per connection; stops with the test process.
fn start(good_feed: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let fixtures = std::sync::Arc::new(Fixtures {
        good: good_feed,
        gzip_bomb: gzip_bomb(),
        brotli_bomb: brotli_bomb(),
    });
    assert!(fixtures.gzip_bomb.len() < 1024 * 1024 && fixtures.brotli_bomb.len() < 1024 * 1024);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let fixtures = std::sync::Arc::clone(&fixtures);
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&request);
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
                respond(&path, stream, &fixtures);
            });
        }
    });
    port
}

const GOOD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Good</title><link>https://good.example/</link>
<item><guid>g1</guid><title>ראש הממשלה נפגש עם Amos Hochstein</title><link>https://good.example/1</link><description>Good item one</description></item>
<item><guid>g2</guid><title>An English headline</title><link>https://good.example/2</link><description>Good item two</description></item>
</channel></rss>"#;

#[test]
fn one_fetch_over_every_hostile_server_names_each_failure_and_keeps_the_good_feed() {
    let port = start(GOOD.as_bytes().to_vec());
    let base = format!("http://127.0.0.1:{port}");
    let hostile = [
        ("trickle", "/trickle.xml", "timed out"),
        ("stall", "/stall.xml", "timed out"),
        ("huge", "/huge.xml", "larger than max_body"),
        (
            "huge-unannounced",
            "/huge-unannounced.xml",
            "larger than max_body",
        ),
        ("gzip-bomb", "/gzip-bomb.xml", "larger than max_body"),
        ("brotli-bomb", "/brotli-bomb.xml", "larger than max_body"),
        ("redirect-loop", "/loop", "redirects"),
        ("redirect-chain", "/chain/0", "redirects"),
        ("not-found", "/404.xml", "HTTP 404"),
        ("server-error", "/500.xml", "HTTP 500"),
        ("rate-limited", "/429.xml", "HTTP 429"),
        ("binary", "/binary.xml", "parse:"),
        ("broken", "/broken.xml", "parse:"),
        ("deep", "/deep.xml", "deeper than"),
        ("html", "/html.xml", "parse:"),
        ("empty", "/empty.xml", "parse:"),
        ("reset", "/reset.xml", "fetch:"),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    // The budget is 3× this; the debug binary the tests run needs it for the 100,000 items.
    let timeout_secs = 8;
    let mut config = format!(
        "[output]\ndir = \"out\"\n\n[http]\ntimeout = \"{timeout_secs}s\"\nmax_body = \"5MB\"\nper_host_delay = \"0s\"\nper_host_concurrency = 32\n\n[[source]]\nname = \"good\"\nurl = \"{base}/good.xml\"\n\n[[source]]\nname = \"many\"\nurl = \"{base}/many.xml\"\n\n[[source]]\nname = \"deep-title\"\nurl = \"{base}/deep-title.xml\"\n"
    );
    for (name, path, _) in &hostile {
        config.push_str(&format!(
            "\n[[source]]\nname = \"{name}\"\nurl = \"{base}{path}\"\n"
        ));
    }
    std::fs::write(dir.path().join("nahar.toml"), config).expect("config");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nahar"))
        .env_remove("NAHAR_CONFIG")
        .env("NAHAR_LOG", "error")
        .args(["fetch", "-c"])
        .arg(dir.path().join("nahar.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn nahar");
    let pid = child.id();
    // Drain stdout/stderr on threads so that a full pipe never blocks the child.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let (status, peak_kib) = crate::peak::watch_peak_kib(pid, &mut child);
    let elapsed = started.elapsed();
    let stdout = out_thread.join().unwrap_or_default();
    let stderr = err_thread.join().unwrap_or_default();
    eprintln!(
        "hostile fetch: {:.1} s (timeout {timeout_secs} s), peak RSS {:.1} MiB, exit {:?}\n{stdout}",
        elapsed.as_secs_f64(),
        peak_kib as f64 / 1024.0,
        status.code()
    );
    assert_eq!(status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        elapsed < Duration::from_secs(3 * timeout_secs),
        "took {elapsed:?}, more than 3× the timeout"
    );
    assert!(peak_kib < 300 * 1024, "peak RSS {peak_kib} KiB");
    for (name, path, cause) in &hostile {
        let line = stdout
            .lines()
            .find(|l| l.starts_with("failed") && l.contains(&format!(" {name} (")))
            .unwrap_or_else(|| panic!("{name} is not reported as failed:\n{stdout}"));
        assert!(line.contains(path), "{line}");
        assert!(
            line.contains(cause),
            "{name}: expected {cause:?} in {line:?}"
        );
    }
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("good: 2 new")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("many: 100000 new")),
        "{stdout}"
    );
    let records = crate::records::read_dir(&dir.path().join("out/records"));
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("deep-title: 1 new")),
        "{stdout}"
    );
    assert_eq!(records.len(), 100_003);
    assert!(records.iter().any(|r| r["source"] == "good"));
}

/// Runs `nahar fetch` on one config in `dir`; (exit code, stdout, records).
fn fetch_dir(dir: &std::path::Path) -> (Option<i32>, String, Vec<serde_json::Value>) {
    let out = Command::new(env!("CARGO_BIN_EXE_nahar"))
        .env_remove("NAHAR_CONFIG")
        .env("NAHAR_LOG", "error")
        .args(["fetch", "-c"])
        .arg(dir.join("nahar.toml"))
        .output()
        .expect("run nahar");
    let records = crate::records::read_dir(&dir.join("out/records"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        records,
    )
}

#[test]
fn hostile_content_is_contained_item_by_item() {
    // A server that logs every request: no entity may ever make nahar fetch anything.
    let server = crate::serve::Server::start();
    let evil = server.url("/evil.dtd");
    let dir = tempfile::tempdir().expect("tempdir");
    let laughs = (1..=9)
        .map(|n| format!("<!ENTITY l{n} \"{}\">", format!("&l{};", n - 1).repeat(10)))
        .collect::<String>();
    let big_title = "כותרת ארוכה מאוד ".repeat(65_536 / 9 * 8);
    let mut feed = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE rss [<!ENTITY l0 \"ha\">{laughs}<!ENTITY xxe SYSTEM \"file:///etc/passwd\"><!ENTITY remote SYSTEM \"{evil}\">%remote;]>\n<rss version=\"2.0\"><channel><title>hostile</title><link>https://hostile.example/</link>\n"
    );
    let items: Vec<String> = vec![
        "<item><guid>laughs</guid><title>Laughs &l9;</title><link>https://hostile.example/laughs</link></item>".to_owned(),
        "<item><guid>xxe</guid><title>Secret &xxe;</title><description>&remote;</description><link>https://hostile.example/xxe</link></item>".to_owned(),
        format!("<item><guid>big</guid><title>{big_title}</title><link>https://hostile.example/big</link></item>"),
        "<item><guid>bidi</guid><title>\u{202E}evil\u{202C} \u{200F}שלום\u{200E} \u{2066}x\u{2069}\u{200B}\u{FEFF}\u{2067}</title><link>https://hostile.example/bidi</link></item>".to_owned(),
        "<item><guid>markup</guid><title>Markup</title><description><![CDATA[<p>Kept text.</p><script>alert('x')</script><style>p{color:red}</style><iframe src=\"https://evil.example/\">frame text</iframe><object data=\"x.swf\">object text</object><p onclick=\"steal()\">More kept text.</p>]]></description><link>https://hostile.example/markup</link></item>".to_owned(),
        "<item><guid>js</guid><title>Script link</title><link>javascript:alert(document.cookie)</link></item>".to_owned(),
        "<item><guid>data</guid><title>Data link</title><link>data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==</link></item>".to_owned(),
        "<item><guid>dup</guid><title>First copy</title><link>https://hostile.example/dup1</link></item>".to_owned(),
        "<item><guid>dup</guid><title>Second copy</title><link>https://hostile.example/dup2</link></item>".to_owned(),
        "<item><guid>old</guid><title>Old</title><pubDate>Mon, 01 Jan 1900 00:00:00 GMT</pubDate><link>https://hostile.example/old</link></item>".to_owned(),
        "<item><guid>future</guid><title>Future</title><pubDate>Fri, 31 Dec 2100 23:59:59 GMT</pubDate><link>https://hostile.example/future</link></item>".to_owned(),
        "<item><description>Only a description, no id, link or title.</description></item>".to_owned(),
        "<item></item>".to_owned(),
    ];
    for item in &items {
        feed.push_str(item);
        feed.push('\n');
    }
    feed.push_str("</channel></rss>\n");
    let mut bytes = feed.into_bytes();
    // Invalid UTF-8 inside a title: a lone continuation byte and a truncated sequence.
    let broken = b"<item><guid>utf8</guid><title>bad \x80 bytes \xE2\x82 here</title><link>https://hostile.example/utf8</link></item>\n";
    let at = bytes
        .windows(10)
        .position(|w| w == b"</channel>")
        .expect("end of channel");
    bytes.splice(at..at, broken.iter().copied());
    std::fs::write(dir.path().join("hostile.xml"), &bytes).expect("feed");
    // NUL bytes are not XML: a lenient reader drops them (as every character XML forbids), and
    // the item is read without them.
    std::fs::write(
        dir.path().join("nul.xml"),
        b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>n\0ul</title><item><guid>1</guid><title>a\0b</title></item></channel></rss>",
    )
    .expect("feed");
    // Dates chrono can hold only at its edges, in a source whose naive times are Israeli: the
    // zone's arithmetic used to overflow inside feed-rs and fail the source on every poll.
    std::fs::write(
        dir.path().join("far.xml"),
        "<rss version=\"2.0\"><channel><title>far</title>\
         <item><guid>past</guid><title>Past</title><pubDate>-262143-01-01T00:00</pubDate></item>\
         <item><guid>future</guid><title>Future</title><pubDate>+262142-12-31T23:59:59</pubDate></item>\
         <item><guid>year-zero</guid><title>Year zero</title><pubDate>0000-06-01T12:00:00</pubDate></item>\
         <item><guid>now</guid><title>Now</title><pubDate>2024-11-20T20:00:00</pubDate></item>\
         </channel></rss>",
    )
    .expect("feed");
    std::fs::write(
        dir.path().join("nahar.toml"),
        "[output]\ndir = \"out\"\n\n[[source]]\nname = \"hostile\"\nurl = \"file:hostile.xml\"\n\n[[source]]\nname = \"nul\"\nurl = \"file:nul.xml\"\n\n[[source]]\nname = \"far\"\nurl = \"file:far.xml\"\ntimezone = \"Asia/Jerusalem\"\n",
    )
    .expect("config");

    let started = Instant::now();
    let (code, stdout, records) = fetch_dir(dir.path());
    eprintln!(
        "hostile content: {:.1} s\n{stdout}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        server.requests("/evil.dtd").is_empty(),
        "an external entity was fetched"
    );
    let hostile: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["source"] == "hostile")
        .collect();
    let by_url = |suffix: &str| {
        hostile
            .iter()
            .find(|r| r["url"].as_str().is_some_and(|u| u.ends_with(suffix)))
            .copied()
    };
    let all_text: String = records.iter().map(|r| r.to_string()).collect();
    assert!(!all_text.contains("root:x:0:0"), "/etc/passwd leaked");
    assert!(
        !all_text.contains(&"ha".repeat(1000)),
        "an entity was expanded"
    );
    // Markup in a description: text kept, active content gone; a frame's and an object's
    // fallback text is text (what a reader is shown when they cannot load; feedparser keeps it).
    let markup = by_url("/markup").expect("markup item");
    assert_eq!(
        markup["text"],
        "Kept text.\n\nframe textobject text\n\nMore kept text."
    );
    // Bidi and invisible controls: none survives, the words do.
    let bidi = by_url("/bidi").expect("bidi item");
    let title = bidi["title"].as_str().expect("title");
    assert!(
        title.contains("שלום") && title.contains("live"),
        "{title:?}"
    );
    assert!(
        !title.chars().any(|c| matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')),
        "{title:?}"
    );
    // javascript: and data: links are never a record's url.
    for r in &hostile {
        if let Some(url) = r["url"].as_str() {
            assert!(url.starts_with("https://"), "{url}");
        }
    }
    assert!(
        hostile
            .iter()
            .any(|r| r["title"] == "Script link" && r["url"].is_null())
    );
    assert!(
        hostile
            .iter()
            .any(|r| r["title"] == "Data link" && r["url"].is_null())
    );
    // A GUID used twice: both items kept, told apart.
    assert!(by_url("/dup1").is_some() && by_url("/dup2").is_some());
    // Dates far in the past and future are kept as the source gave them.
    assert_eq!(
        by_url("/old").expect("old")["published"],
        "1900-01-01T00:00:00Z"
    );
    assert_eq!(
        by_url("/future").expect("future")["published"],
        "2100-12-31T23:59:59Z"
    );
    // The 1 MB title is a record, not a crash.
    assert!(
        by_url("/big").expect("big")["title"]
            .as_str()
            .is_some_and(|t| t.len() > 1_000_000)
    );
    // Invalid UTF-8: replaced, and the record says so.
    let utf8 = by_url("/utf8").expect("utf8 item");
    assert!(
        utf8["title"]
            .as_str()
            .is_some_and(|t| t.contains('\u{FFFD}'))
    );
    assert!(utf8["warnings"].to_string().contains("decode_errors"));
    // An item with no id, link or title is identified by its content; an empty item is dropped.
    assert!(
        hostile
            .iter()
            .any(|r| r["text"] == "Only a description, no id, link or title.")
    );
    // The document with NUL bytes: read without them.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok ") && l.ends_with(" nul: 1 new, 0 updated, 0 unchanged")),
        "{stdout}"
    );
    let nul: Vec<&serde_json::Value> = records.iter().filter(|r| r["source"] == "nul").collect();
    assert_eq!(nul.len(), 1);
    assert_eq!(nul[0]["title"], "ab");
    // Dates out of range: null with a warning on that record; the others written as usual.
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok ") && l.ends_with(" far: 4 new, 0 updated, 0 unchanged")),
        "{stdout}"
    );
    let far = |title: &str| {
        records
            .iter()
            .find(|r| r["source"] == "far" && r["title"] == title)
            .unwrap_or_else(|| panic!("no record {title}"))
    };
    for title in ["Past", "Future", "Year zero"] {
        assert!(far(title)["published"].is_null(), "{title}");
        assert_eq!(
            far(title)["warnings"],
            serde_json::json!(["date_out_of_range"]),
            "{title}"
        );
    }
    assert_eq!(far("Now")["published"], "2024-11-20T18:00:00Z");
    assert_eq!(far("Now")["warnings"], serde_json::json!([]));
}

#[test]
fn a_full_disk_is_a_clear_error_and_the_next_run_completes_without_duplicates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut feed =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>big</title>");
    // Records grow faster than the state store (their text, twice): the first batch of 2,000
    // fits under the limit, the second does not.
    let filler = "More words that only the records file carries, not the state store. ".repeat(4);
    for n in 0..3_000 {
        feed.push_str(&format!(
            "<item><guid>{n}</guid><title>Item {n}: ראש הממשלה נפגש עם שליח אמריקאי</title><description>Paragraph {n} with enough words to make the record file grow past the limit quickly. {filler}</description></item>"
        ));
    }
    feed.push_str("</channel></rss>");
    std::fs::write(dir.path().join("feed.xml"), feed).expect("feed");
    std::fs::write(
        dir.path().join("nahar.toml"),
        "[output]\ndir = \"out\"\n\n[[source]]\nname = \"big\"\nurl = \"file:feed.xml\"\n",
    )
    .expect("config");
    // A file-size limit makes every write past 3 MiB fail with EFBIG, as a full disk fails
    // with ENOSPC: the state store fits, the records do not. SIGXFSZ is ignored so that the
    // write fails instead of the process dying (a shell runs nahar with both settings).
    let limited = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 6144; exec \"$0\" fetch -c \"$1\"")
        .arg(env!("CARGO_BIN_EXE_nahar"))
        .arg(dir.path().join("nahar.toml"))
        .env_remove("NAHAR_CONFIG")
        .env("NAHAR_LOG", "error")
        .output()
        .expect("run nahar");
    let stdout = String::from_utf8_lossy(&limited.stdout);
    eprintln!("{stdout}{}", String::from_utf8_lossy(&limited.stderr));
    assert_eq!(limited.status.code(), Some(2), "{stdout}");
    let failed = stdout
        .lines()
        .find(|l| l.starts_with("failed"))
        .expect("the source failed");
    assert!(
        failed.contains("big (") && failed.contains("sink:") && failed.contains("File too large"),
        "{failed}"
    );
    // Space again: the next run writes the rest, once.
    let (code, stdout, records) = fetch_dir(dir.path());
    assert_eq!(code, Some(0), "{stdout}");
    let mut ids: Vec<&str> = records.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), 3_000, "{stdout}");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3_000, "no record twice");
}

#[test]
fn records_state_and_directories_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("feed.xml"), GOOD).expect("feed");
    std::fs::write(
        dir.path().join("nahar.toml"),
        "[output]\ndir = \"out\"\n\n[[source]]\nname = \"good\"\nurl = \"file:feed.xml\"\n",
    )
    .expect("config");
    let (code, stdout, records) = fetch_dir(dir.path());
    assert_eq!(code, Some(0), "{stdout}");
    assert_eq!(records.len(), 2);
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let out = dir.path().join("out");
    for sub in ["", "records", "state"] {
        assert_eq!(mode(&out.join(sub)), 0o700, "{sub}/");
    }
    assert_eq!(mode(&out.join("state/nahar.redb")), 0o600);
    for entry in std::fs::read_dir(out.join("records")).expect("records") {
        let path = entry.expect("entry").path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}

/// Every file of the feed test suites and of the Hebrew encoding corpus, fed as a feed through
/// decode → parse → extract → text → record: a record or a clear error for each, never a panic,
/// never a hang (the slowest file is reported).
#[test]
fn every_corpus_file_as_a_feed_is_records_or_a_clear_error() {
    let files: Vec<String> = ["gofeed-testdata", "feed-rs", "hebrew-encoding"]
        .iter()
        .flat_map(|suite| crate::corpus::walk(suite))
        .collect();
    let config = nahar::config::parse(
        "[[source]]\nname = \"corpus\"\nurl = \"https://example.org/feed.xml\"\n",
        std::path::Path::new("corpus.toml"),
    )
    .expect("config");
    let analyzer = nahar::text::Analyzer::default();
    let base = url::Url::parse("https://example.org/feed.xml").expect("url");
    let (mut with_records, mut refused, mut records) = (0usize, 0usize, 0usize);
    let mut slowest = (std::time::Duration::ZERO, String::new());
    for file in &files {
        let bytes = crate::corpus::read(file);
        let started = Instant::now();
        let document = nahar::fetch::document(
            base.clone(),
            None,
            &bytes,
            nahar::fetch::DocumentKind::Unknown,
            None,
        );
        match nahar::parse::entries(&document, &config.sources[0]) {
            Ok(entries) => {
                with_records += 1;
                for entry in &entries.entries {
                    let article = nahar::extract::article(entry);
                    let record = nahar::record::Record::build(
                        "corpus",
                        entry,
                        &article,
                        &analyzer,
                        None,
                        chrono::Utc::now(),
                    );
                    assert!(
                        record.url.as_deref().is_none_or(|u| u.starts_with("http")),
                        "{}: {:?}",
                        file,
                        record.url
                    );
                    records += 1;
                }
            }
            Err(err) => {
                refused += 1;
                let message = err.to_string();
                assert!(
                    message.len() > 10 && !message.contains("crashed"),
                    "{}: {message}",
                    file
                );
            }
        }
        let took = started.elapsed();
        if took > slowest.0 {
            slowest = (took, file.clone());
        }
    }
    eprintln!(
        "{} corpus files as feeds: {with_records} gave {records} records, {refused} refused with a reason; slowest {:.2} s ({})",
        files.len(),
        slowest.0.as_secs_f64(),
        slowest.1
    );
    // Floors at the measured figures: the whole corpus was read (1,395 files), and a change that
    // makes fewer files readable, or fewer items records, shows here.
    assert!(files.len() >= 1_395, "only {} corpus files", files.len());
    assert!(with_records >= 639, "{with_records} files gave records");
    assert!(records >= 904, "{records} records");
    assert!(
        slowest.0 < Duration::from_secs(10),
        "a file took {:?}",
        slowest.0
    );
}
