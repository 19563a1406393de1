//! The fetch stage against a real HTTP server on 127.0.0.1: the limits a hostile or broken
//! server meets (body cap while streaming, also after decompression; redirect loops; status
//! codes with `Retry-After`) and what a polite client sends.

use std::io::Write;

use nahar::fetch::{FetchError, Fetched, Fetcher, Validators};

use crate::serve::{Reply, Server};

fn source_config(url: &str, http: &str) -> nahar::config::Config {
    let text = format!("[http]\n{http}\n\n[[source]]\nname = \"s\"\nurl = \"{url}\"\n");
    nahar::config::parse(&text, std::path::Path::new("/tmp/nahar-test.toml"))
        .unwrap_or_else(|e| panic!("config: {e}"))
}

fn fetch(url: &str, http: &str) -> Result<Fetched, FetchError> {
    let config = source_config(url, http);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let fetcher = Fetcher::new(&config.http);
        fetcher
            .fetch(&config.sources[0], &Validators::default())
            .await
    })
}

const FEED: &str =
    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title></channel></rss>";

#[test]
fn a_body_over_max_body_is_refused_while_streaming_and_after_decompression() {
    let server = Server::start();
    let big = vec![b' '; 300 * 1024];
    server.set("/big.xml", Reply::ok("application/rss+xml", big.clone()));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&big).expect("gzip");
    let bomb = gz.finish().expect("gzip");
    assert!(bomb.len() < 10 * 1024, "the compressed body is small");
    server.set(
        "/bomb.xml",
        Reply::ok("application/rss+xml", bomb).header("content-encoding", "gzip"),
    );
    let limit = 256 * 1024;
    for path in ["/big.xml", "/bomb.xml"] {
        match fetch(&server.url(path), "max_body = \"256KB\"") {
            Err(FetchError::TooLarge { limit: l }) => assert_eq!(l, limit, "{path}"),
            other => panic!("{path}: expected TooLarge, got {other:?}"),
        }
    }
    assert!(matches!(
        fetch(&server.url("/big.xml"), "max_body = \"1MB\""),
        Ok(Fetched::Modified { .. })
    ));
}

#[test]
fn a_redirect_loop_is_cut_and_a_chain_within_bounds_is_followed() {
    let server = Server::start();
    server.set("/loop-a", Reply::status(302).header("location", "/loop-b"));
    server.set("/loop-b", Reply::status(302).header("location", "/loop-a"));
    assert_eq!(
        fetch(&server.url("/loop-a"), "").err(),
        Some(FetchError::TooManyRedirects)
    );
    for hop in 0..3 {
        server.set(
            &format!("/hop{hop}"),
            Reply::status(301).header("location", &format!("/hop{}", hop + 1)),
        );
    }
    server.set("/hop3", Reply::ok("application/rss+xml", FEED));
    match fetch(&server.url("/hop0"), "") {
        Ok(Fetched::Modified { documents, .. }) => {
            assert_eq!(documents[0].url.as_str(), server.url("/hop3"));
        }
        other => panic!("expected the feed, got {other:?}"),
    }
}

#[test]
fn status_errors_carry_retry_after_and_the_user_agent_is_sent() {
    let server = Server::start();
    server.set("/busy", Reply::status(503).header("retry-after", "120"));
    server.set("/slow-down", Reply::status(429).header("retry-after", "7"));
    server.set("/gone", Reply::status(404));
    server.set("/ok", Reply::ok("application/rss+xml", FEED));
    let busy = fetch(&server.url("/busy"), "").err();
    assert_eq!(
        busy.as_ref().map(ToString::to_string).as_deref(),
        Some("HTTP 503 Service Unavailable")
    );
    assert_eq!(
        busy.and_then(|e| e.retry_after()),
        Some(std::time::Duration::from_secs(120))
    );
    assert_eq!(
        fetch(&server.url("/slow-down"), "")
            .err()
            .and_then(|e| e.retry_after()),
        Some(std::time::Duration::from_secs(7))
    );
    assert!(matches!(
        fetch(&server.url("/gone"), ""),
        Err(FetchError::Status { code: 404, .. })
    ));
    fetch(
        &server.url("/ok"),
        "user_agent = \"nahar-test (+mailto:desk@example.org)\"",
    )
    .expect("feed");
    let requests = server.requests("/ok");
    assert_eq!(
        requests[0].get("user-agent").and_then(|v| v.to_str().ok()),
        Some("nahar-test (+mailto:desk@example.org)")
    );
}

#[test]
fn a_refused_connection_is_a_connect_error_naming_the_cause() {
    // Bind and drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    match fetch(&format!("http://127.0.0.1:{port}/feed.xml"), "") {
        Err(FetchError::Connect(message)) => assert!(!message.is_empty()),
        other => panic!("expected a connect error, got {other:?}"),
    }
}
