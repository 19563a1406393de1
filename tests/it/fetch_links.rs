//! `Fetcher::fetch_link` against a real HTTP server on 127.0.0.1: links found in fetched content
//! are not trusted like configured sources. Without `allow_private_links` a link to a loopback
//! address — in any spelling, or by a name that resolves there — is refused before any
//! connection; with it, the page is read through the same limits and charset chain as a source.
//! Only http(s) links are read, and only HTML pages.
//!
//! A redirect from a public page to a private address cannot be staged here (every address this
//! test can serve from is private, so the first hop is already refused); that check is the unit
//! test `fetch::http::tests::a_redirect_from_a_link_to_a_private_address_is_refused`, which sends
//! the first hop through the test server as a proxy.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use nahar::fetch::{Document, FetchError, Fetcher, Validators};
use url::Url;

use crate::serve::{Reply, Server};

fn config(http: &str) -> nahar::config::Config {
    // One source so that the config is complete; `fetch_link` does not use it.
    let text = format!(
        "[http]\nper_host_delay = \"0s\"\n{http}\n\n[[source]]\nname = \"s\"\nurl = \"http://127.0.0.1:9/feed.xml\"\n"
    );
    nahar::config::parse(&text, std::path::Path::new("/tmp/nahar-test.toml"))
        .unwrap_or_else(|e| panic!("config: {e}"))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Fetches each link with one fetcher built from `[http]` settings `http`.
fn fetch_links(http: &str, links: &[&str]) -> Vec<Result<Document, FetchError>> {
    let config = config(http);
    runtime().block_on(async {
        let fetcher = Fetcher::new(&config.http);
        let mut results = Vec::new();
        for link in links {
            let url = Url::parse(link).unwrap_or_else(|e| panic!("{link}: {e}"));
            results.push(fetcher.fetch_link(&url).await);
        }
        results
    })
}

fn fetch_link(http: &str, link: &str) -> Result<Document, FetchError> {
    fetch_links(http, &[link]).remove(0)
}

const ALLOW: &str = "allow_private_links = true";

fn assert_refused(result: &Result<Document, FetchError>, link: &str, shown: &str) {
    match result {
        Err(FetchError::Refused(why)) => {
            assert!(why.contains(shown), "{link}: {why}");
            assert!(
                why.contains("set [http] allow_private_links = true to allow it"),
                "{link}: {why}"
            );
            let message = result.as_ref().err().map(ToString::to_string);
            assert!(
                message
                    .as_deref()
                    .is_some_and(|m| m.starts_with("refused: ")),
                "{message:?}"
            );
        }
        other => panic!("{link}: expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_link_to_127_0_0_1_is_refused_and_never_asked() {
    let server = Server::start();
    server.set("/page", Reply::ok("text/html", "<html><p>local</p></html>"));
    let link = server.url("/page");
    assert_refused(
        &fetch_link("", &link),
        &link,
        "127.0.0.1 is a loopback address",
    );
    assert!(server.requests("/page").is_empty(), "the server was asked");
}

#[test]
fn localhost_is_refused_by_what_it_resolves_to() {
    let server = Server::start();
    server.set("/page", Reply::ok("text/html", "<html><p>local</p></html>"));
    let link = format!("http://localhost:{}/page", server.addr.port());
    let result = fetch_link("", &link);
    assert_refused(&result, &link, "localhost resolves ");
    assert_refused(&result, &link, "a loopback address");
    assert!(server.requests("/page").is_empty(), "the server was asked");
}

#[test]
fn loopback_spelled_as_ipv6_decimal_octal_or_hex_is_refused_without_a_connection() {
    // Plain listeners, never accepted from: a connection attempt would sit in their backlog.
    let v4 = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    v4.set_nonblocking(true).expect("nonblocking");
    let port = v4.local_addr().expect("address").port();
    // ::1 on the same port where the host has IPv6 (not every CI container does).
    let v6 = TcpListener::bind(("::1", port)).ok();
    let links: Vec<String> = [
        "http://[::1]:{port}/a",
        "http://[::ffff:127.0.0.1]:{port}/a",
        "http://[::ffff:7f00:1]:{port}/a",
        "http://[::127.0.0.1]:{port}/a",
        "http://2130706433:{port}/a",
        "http://0177.0.0.1:{port}/a",
        "http://0x7f.1:{port}/a",
        "http://127.1:{port}/a",
        "https://0x7F000001:{port}/a",
    ]
    .iter()
    .map(|template| template.replace("{port}", &port.to_string()))
    .collect();
    let refs: Vec<&str> = links.iter().map(String::as_str).collect();
    let results = fetch_links("", &refs);
    for (link, result) in links.iter().zip(&results) {
        let shown = if link.contains("[::1]") {
            "::1 is a loopback address"
        } else {
            "127.0.0.1"
        };
        assert_refused(result, link, shown);
        assert_refused(result, link, "loopback");
    }
    assert!(
        matches!(v4.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "something connected to 127.0.0.1"
    );
    if let Some(v6) = v6 {
        v6.set_nonblocking(true).expect("nonblocking");
        assert!(
            matches!(v6.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
            "something connected to ::1"
        );
    }
}

#[test]
fn with_allow_private_links_the_page_is_fetched_and_decoded() {
    let server = Server::start();
    let html = "<!DOCTYPE html><html><head><meta charset=\"windows-1255\"><title>כותרת</title></head>\
                <body><p>שלום עולם, hello world ₪5</p></body></html>";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1255.encode(html);
    assert!(!unmappable);
    server.set("/news/1", Reply::ok("text/html", bytes.into_owned()));
    let link = server.url("/news/1");
    let document = fetch_link(ALLOW, &link).expect("the page");
    assert_eq!(document.url.as_str(), link);
    assert_eq!(document.kind, nahar::fetch::DocumentKind::Html);
    assert_eq!(document.media_type.as_deref(), Some("text/html"));
    assert_eq!(document.charset.encoding, "windows-1255");
    assert_eq!(document.charset.declared.as_deref(), Some("windows-1255"));
    assert!(
        document.text.contains("שלום עולם, hello world ₪5"),
        "{}",
        document.text
    );
    assert!(document.warnings.is_empty(), "{:?}", document.warnings);
    let requests = server.requests("/news/1");
    assert_eq!(requests.len(), 1);
    // A plain GET: no conditional headers, and it asks for a page.
    assert!(requests[0].get("if-none-match").is_none());
    assert!(requests[0].get("if-modified-since").is_none());
    assert!(
        requests[0]
            .get("accept")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html")),
        "{:?}",
        requests[0].get("accept")
    );
    // `localhost` is allowed too, and a redirect to a loopback literal is followed.
    server.set("/hop", Reply::status(302).header("location", &link));
    let via = format!("http://localhost:{}/hop", server.addr.port());
    let document = fetch_link(ALLOW, &via).expect("the page via localhost");
    assert_eq!(document.url.as_str(), link);
}

#[test]
fn only_http_and_https_links_are_read() {
    for flag in ["", ALLOW] {
        for (link, scheme) in [
            ("javascript:alert(document.cookie)", "javascript"),
            ("data:text/html,<p>hi</p>", "data"),
            ("file:///etc/passwd", "file"),
            ("ftp://ftp.example.org/pub/a.html", "ftp"),
        ] {
            match fetch_link(flag, link) {
                Err(FetchError::Refused(why)) => assert_eq!(
                    why,
                    format!("{scheme}: links are not fetched; only http and https links are")
                ),
                other => panic!("{link}: expected a refusal, got {other:?}"),
            }
        }
    }
}

#[test]
fn a_redirect_to_another_scheme_is_refused_even_with_allow_private_links() {
    let server = Server::start();
    server.set(
        "/to-file",
        Reply::status(302).header("location", "file:///etc/passwd"),
    );
    server.set(
        "/to-script",
        Reply::status(301).header("location", "javascript:alert(1)"),
    );
    for (path, shown) in [
        (
            "/to-file",
            "a redirect to file:///etc/passwd: file: links are not fetched",
        ),
        (
            "/to-script",
            "a redirect to javascript:alert(1): javascript: links are not fetched",
        ),
    ] {
        match fetch_link(ALLOW, &server.url(path)) {
            Err(FetchError::Refused(why)) => assert!(why.starts_with(shown), "{why}"),
            other => panic!("{path}: expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn a_page_that_is_not_html_is_refused_naming_its_media_type() {
    let server = Server::start();
    let mut pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    pdf.resize(64 * 1024, b'0');
    server.set("/report.pdf", Reply::ok("application/pdf", pdf));
    server.set(
        "/photo.png",
        Reply::ok("image/png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
    );
    server.set(
        "/feed.xml",
        Reply::ok(
            "application/rss+xml",
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>",
        ),
    );
    // Mislabelled HTML is still a page: its first bytes say so.
    server.set(
        "/mislabelled",
        Reply::ok(
            "application/octet-stream",
            "\n<html><body><p>page</p></body></html>",
        ),
    );
    for (path, media_type) in [
        ("/report.pdf", "application/pdf"),
        ("/photo.png", "image/png"),
        ("/feed.xml", "application/rss+xml"),
    ] {
        let result = fetch_link(ALLOW, &server.url(path));
        match &result {
            Err(FetchError::NotHtml { media_type: got }) => {
                assert_eq!(got.as_deref(), Some(media_type), "{path}");
            }
            other => panic!("{path}: expected NotHtml, got {other:?}"),
        }
        let message = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            message,
            format!(
                "not an HTML page: the server sent {media_type}; only text/html and \
                 application/xhtml+xml pages are read as articles"
            )
        );
    }
    let page = fetch_link(ALLOW, &server.url("/mislabelled")).expect("mislabelled page");
    assert!(page.text.contains("<p>page</p>"));
}

#[test]
fn a_link_meets_the_same_body_cap_and_status_errors_as_a_source() {
    let server = Server::start();
    let mut big = b"<html><body>".to_vec();
    big.resize(300 * 1024, b' ');
    server.set("/big", Reply::ok("text/html", big));
    server.set("/gone", Reply::status(404));
    assert_eq!(
        fetch_link(
            &format!("{ALLOW}\nmax_body = \"256KB\""),
            &server.url("/big")
        )
        .err(),
        Some(FetchError::TooLarge { limit: 256 * 1024 })
    );
    assert!(matches!(
        fetch_link(ALLOW, &server.url("/gone")),
        Err(FetchError::Status { code: 404, .. })
    ));
}

#[test]
fn the_per_host_delay_is_shared_between_sources_and_links() {
    let server = Server::start();
    server.set(
        "/feed.xml",
        Reply::ok(
            "application/rss+xml",
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel/></rss>",
        ),
    );
    server.set("/page", Reply::ok("text/html", "<html><p>page</p></html>"));
    let text = format!(
        "[http]\nper_host_delay = \"1s\"\n{ALLOW}\n\n[[source]]\nname = \"s\"\nurl = \"{}\"\n",
        server.url("/feed.xml")
    );
    let config = nahar::config::parse(&text, std::path::Path::new("/tmp/nahar-test.toml"))
        .unwrap_or_else(|e| panic!("config: {e}"));
    let link = Url::parse(&server.url("/page")).expect("url");
    let other_host =
        Url::parse(&format!("http://localhost:{}/page", server.addr.port())).expect("url");
    let (link_after, other_after) = runtime().block_on(async {
        let fetcher = Fetcher::new(&config.http);
        let start = Instant::now();
        fetcher
            .fetch(&config.sources[0], &Validators::default())
            .await
            .expect("the source");
        fetcher.fetch_link(&link).await.expect("the link");
        let link_after = start.elapsed();
        // Another host name has its own turn: no wait.
        let before_other = Instant::now();
        fetcher
            .fetch_link(&other_host)
            .await
            .expect("the other host");
        (link_after, before_other.elapsed())
    });
    assert!(
        link_after >= Duration::from_millis(950),
        "the link started {link_after:?} after the source on the same host"
    );
    assert!(
        other_after < Duration::from_millis(900),
        "another host waited {other_after:?}"
    );
}
