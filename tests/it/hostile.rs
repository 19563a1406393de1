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

/// Peak resident memory of a running child, read from /proc while it runs (Linux).
fn watch_peak_kib(pid: u32, child: &mut std::process::Child) -> (std::process::ExitStatus, u64) {
    let mut peak = 0u64;
    loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kib: u64 = line
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            peak = peak.max(kib);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return (status, peak);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

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
    let (status, peak_kib) = watch_peak_kib(pid, &mut child);
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
    let records = std::fs::read_dir(dir.path().join("out/records"))
        .expect("records dir")
        .filter_map(|e| e.ok())
        .map(|e| std::fs::read_to_string(e.path()).expect("read"))
        .collect::<String>();
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok") && l.contains("deep-title: 1 new")),
        "{stdout}"
    );
    assert_eq!(records.lines().count(), 100_003);
    assert!(records.contains("\"source\":\"good\""));
}
