//! HTTP(S) fetching: two reqwest clients (rustls with the ring provider, gzip/brotli/deflate,
//! timeouts) behind one set of per-host limits ([`super::hosts`]): one for configured sources,
//! trusted as written, and one guarded by [`super::guard`] for links found in fetched content and
//! for a public source's redirects to other hosts. Redirects are followed here, one hop at a
//! time, so that each hop is sent by the client its [`Trust`] calls for.
//!
//! In: a URL, stored validators and the source's charset override (sources), or just a URL
//! (links). Out: [`Fetched`] (sources) or a [`Document`] (links) with the body decoded, or a
//! [`FetchError`] naming the cause.
//! Never: reads a body past `max_body` (counted while streaming, after decompression, so a
//! compression bomb stops at the same limit), decodes by the header alone, follows more than
//! [`MAX_REDIRECTS`] redirects, shares a connection between the two clients, or reads a link whose
//! response is not HTML past its first bytes.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use super::charset::DocumentKind;
use super::document::{Document, decoded, split_content_type};
use super::guard;
use super::hosts::HostLimits;
use super::{FetchError, Fetched, MAX_REDIRECTS, ServerHints, Validators};
use crate::config::HttpConfig;

/// Bytes of a link's body looked at before deciding whether it is HTML (the WHATWG MIME sniffing
/// standard's resource header length).
const SNIFF_LEN: usize = 1445;

/// What a link asks for: article pages, not feeds or files.
const LINK_ACCEPT: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1";

#[derive(Debug, Clone)]
pub(super) struct HttpFetcher {
    client: reqwest::Client,
    /// For links: its own connection pool, redirect policy and (unless `allow_private_links`)
    /// resolver, see [`super::guard`].
    links: reqwest::Client,
    allow_private_links: bool,
    hosts: Arc<HostLimits>,
    max_body: u64,
    timeout: Duration,
}

impl HttpFetcher {
    pub fn new(config: &HttpConfig) -> Result<HttpFetcher, FetchError> {
        // reqwest is built without a default crypto provider (ring builds faster than
        // aws-lc); install ring once per process. A second install is refused, which is fine.
        // rustls 0.23.48 marks ring's provider deprecated because ring has no post-quantum key
        // exchange; it has no other ring provider, and ring is the project's choice (Cargo.toml).
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let build_error =
            |e: reqwest::Error| FetchError::Other(format!("cannot build the HTTP client: {e}"));
        let client = client_builder(config).build().map_err(build_error)?;
        let links = link_client_builder(config).build().map_err(build_error)?;
        Ok(HttpFetcher {
            client,
            links,
            allow_private_links: config.allow_private_links,
            hosts: Arc::new(HostLimits::new(
                config.per_host_concurrency,
                config.per_host_delay,
            )),
            max_body: config.max_body,
            timeout: config.timeout,
        })
    }

    pub async fn get(
        &self,
        url: &Url,
        validators: &Validators,
        encoding: Option<&'static encoding_rs::Encoding>,
        kind: DocumentKind,
    ) -> Result<Fetched, FetchError> {
        let _slot = self.hosts.acquire(&host_key(url)?).await;
        let mut response = self
            .send(url, Trust::Source, |client, hop| {
                let mut request = client.get(hop.clone());
                if let Some(etag) = &validators.etag {
                    request = request.header(header::IF_NONE_MATCH, etag);
                }
                if let Some(modified) = &validators.last_modified {
                    request = request.header(header::IF_MODIFIED_SINCE, modified);
                }
                request
            })
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        let hints = server_hints(&headers, SystemTime::now());
        let received = Validators {
            etag: header_string(&headers, header::ETAG),
            last_modified: header_string(&headers, header::LAST_MODIFIED),
        };
        let validators = validators.updated_by(&received);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified { validators, hints });
        }
        check_status(status, &hints)?;
        let body = self.read_body(&mut response, |_| Ok(())).await?;
        let content_type = header_string(&headers, header::CONTENT_TYPE);
        let document = decoded(response.url().clone(), content_type, body, kind, encoding).await?;
        Ok(Fetched::Modified {
            documents: vec![document],
            validators,
            hints,
        })
    }

    /// Reads a link found in fetched content: a plain GET (no validators) through the link
    /// client, refused before any connection when the guard says so, and only if the response is
    /// HTML.
    pub async fn get_link(&self, url: &Url) -> Result<Document, FetchError> {
        guard::check_link(url, self.allow_private_links)
            .map_err(|refusal| FetchError::Refused(refusal.0))?;
        // Refusals above do not wait for the host's turn: nothing is sent.
        let _slot = self.hosts.acquire(&host_key(url)?).await;
        let mut response = self
            .send(url, Trust::Link, |client, hop| {
                client.get(hop.clone()).header(header::ACCEPT, LINK_ACCEPT)
            })
            .await?;
        let status = response.status();
        let headers = response.headers().clone();
        check_status(status, &server_hints(&headers, SystemTime::now()))?;
        let content_type = header_string(&headers, header::CONTENT_TYPE);
        let (media_type, _) = split_content_type(content_type.as_deref());
        let declared_html = media_type.as_deref().is_some_and(is_html_media_type);
        // A PDF or an image is refused after its first bytes, not after `max_body` of them.
        let mut sniffed = declared_html;
        let body = self
            .read_body(&mut response, |so_far| {
                if !sniffed && so_far.len() >= SNIFF_LEN {
                    ensure_html(media_type.as_deref(), so_far)?;
                    sniffed = true;
                }
                Ok(())
            })
            .await?;
        if !sniffed {
            ensure_html(media_type.as_deref(), &body)?;
        }
        decoded(
            response.url().clone(),
            content_type,
            body,
            DocumentKind::Html,
            None,
        )
        .await
    }

    /// Sends `request` for `url` and follows redirects by hand, so that each hop is judged by who
    /// asked for it ([`Trust`]): at most [`MAX_REDIRECTS`] of them, http(s) only, all within one
    /// `timeout` (reqwest's own limit would restart with every hop). Returns the first response
    /// that is not a redirect; its status is the caller's to judge.
    async fn send(
        &self,
        url: &Url,
        trust: Trust,
        request: impl Fn(&reqwest::Client, &Url) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, FetchError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut guarded = trust == Trust::Link;
        // Decided at the first redirect to another host, and only then: it may ask the resolver.
        let mut source_is_public: Option<bool> = None;
        let mut hop = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            let client = if guarded { &self.links } else { &self.client };
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            if remaining.is_zero() {
                return Err(FetchError::Timeout(self.timeout));
            }
            let response = request(client, &hop)
                .timeout(remaining)
                .send()
                .await
                .map_err(|e| self.classify(&e))?;
            let Some(next) = redirect_target(&response) else {
                return Ok(response);
            };
            let next = next?;
            if !guarded && !same_host(url, &next) {
                guarded = match source_is_public {
                    Some(public) => public,
                    None => *source_is_public.insert(guard::is_public_host(url).await),
                };
            }
            guard::check_link(&next, self.allow_private_links || !guarded).map_err(|refusal| {
                FetchError::Refused(format!(
                    "a redirect to {}: {}",
                    crate::shown::url(&next),
                    refusal.0
                ))
            })?;
            hop = next;
        }
        Err(FetchError::TooManyRedirects)
    }

    /// Streams the body, refusing it once it passes `max_body`; `after_chunk` sees the body read
    /// so far after every chunk and may stop the read.
    async fn read_body(
        &self,
        response: &mut reqwest::Response,
        mut after_chunk: impl FnMut(&[u8]) -> Result<(), FetchError>,
    ) -> Result<Vec<u8>, FetchError> {
        if response.content_length().is_some_and(|n| n > self.max_body) {
            return Err(FetchError::TooLarge {
                limit: self.max_body,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(&e))? {
            if body.len() as u64 + chunk.len() as u64 > self.max_body {
                return Err(FetchError::TooLarge {
                    limit: self.max_body,
                });
            }
            body.extend_from_slice(&chunk);
            after_chunk(&body)?;
        }
        Ok(body)
    }

    /// Turns a reqwest error into the cause a user can act on.
    fn classify(&self, error: &reqwest::Error) -> FetchError {
        // The link guard's refusals come back wrapped as connect or redirect errors.
        if let Some(refusal) = guard::refusal_in(error) {
            return FetchError::Refused(crate::shown::message(&refusal.0));
        }
        if error.is_timeout() {
            return FetchError::Timeout(self.timeout);
        }
        // reqwest quotes the URL it was given, credentials and all.
        let chain = crate::shown::message(&error_chain(error));
        if chain.contains("certificate") || chain.contains("tls") || chain.contains("TLS") {
            return FetchError::Tls(chain);
        }
        if error.is_connect() {
            return FetchError::Connect(chain);
        }
        if error.is_body() || error.is_decode() {
            return FetchError::Body(chain);
        }
        FetchError::Other(chain)
    }
}

/// Settings both clients share: identity, timeouts, decompression, pooling, and no redirects
/// followed by reqwest ([`HttpFetcher::send`] follows them).
fn client_builder(config: &HttpConfig) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(config.user_agent.clone())
        .timeout(config.timeout)
        .connect_timeout(config.timeout.min(Duration::from_secs(10)))
        .read_timeout(config.timeout)
        .gzip(true)
        .brotli(true)
        .deflate(true)
        .pool_idle_timeout(Duration::from_secs(90))
}

/// The link client, also used for the guarded hops of a source: unless `allow_private_links`,
/// only public addresses dialled and no proxy (a proxy would resolve the name where the guard
/// cannot see).
pub(super) fn link_client_builder(config: &HttpConfig) -> reqwest::ClientBuilder {
    let builder = client_builder(config);
    if config.allow_private_links {
        builder
    } else {
        builder.dns_resolver(guard::PublicOnlyResolver).no_proxy()
    }
}

/// Who asked for a request, which decides how its redirects are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    /// A configured source, trusted as written: redirects on its own host are followed as they
    /// come, and so is every redirect when its host is not public (an intranet feed that sends
    /// nahar to another internal host keeps working). A redirect to another host from a public
    /// source is checked as a link is, and so is every hop after it: a public feed is input from
    /// strangers, like the links in it.
    Source,
    /// A link found in fetched content: every hop checked by [`guard::check_link`], every
    /// connection made by the guarded client.
    Link,
}

/// Where a redirect response sends the client (301, 302, 303, 307, 308 with a `Location`), or
/// `None` for any other response — a 3xx without a usable `Location` included, which the caller
/// reports as the status it is.
fn redirect_target(response: &reqwest::Response) -> Option<Result<Url, FetchError>> {
    let status = response.status().as_u16();
    if !matches!(status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = header_string(response.headers(), header::LOCATION)?;
    Some(response.url().join(&location).map_err(|e| {
        FetchError::InvalidUrl(format!(
            "a redirect to {:?}: {e}",
            crate::shown::message(&location)
        ))
    }))
}

/// Whether two URLs name the same host (the `url` crate has lower-cased and normalized both).
fn same_host(a: &Url, b: &Url) -> bool {
    a.host() == b.host()
}

/// The per-host limits' key: the lower-cased host, the same for a source and a link.
fn host_key(url: &Url) -> Result<String, FetchError> {
    url.host_str()
        .map(str::to_ascii_lowercase)
        .ok_or_else(|| FetchError::InvalidUrl(format!("{} has no host", crate::shown::url(url))))
}

/// A status other than 2xx is the error it says (with the `Retry-After` of a 429 or 503).
fn check_status(status: StatusCode, hints: &ServerHints) -> Result<(), FetchError> {
    if status.is_success() {
        return Ok(());
    }
    Err(FetchError::Status {
        code: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_owned(),
        retry_after: hints.retry_after,
    })
}

fn is_html_media_type(media_type: &str) -> bool {
    media_type == "text/html" || media_type == "application/xhtml+xml"
}

/// A link's response is an article page only if it says it is HTML or its first bytes look like
/// HTML (servers label pages `application/octet-stream` or `text/plain` too).
fn ensure_html(media_type: Option<&str>, head: &[u8]) -> Result<(), FetchError> {
    if media_type.is_some_and(is_html_media_type) || sniffs_as_html(head) {
        return Ok(());
    }
    Err(FetchError::NotHtml {
        media_type: media_type.map(str::to_owned),
    })
}

/// The HTML signatures of the WHATWG MIME sniffing standard (§7.1: `<!DOCTYPE HTML`, `<HTML`,
/// `<HEAD`, … followed by a space or `>`), after a UTF-8 BOM and whitespace; and an XML
/// declaration followed by an `<html` element (XHTML).
fn sniffs_as_html(body: &[u8]) -> bool {
    const TAGS: [&[u8]; 17] = [
        b"<!doctype html",
        b"<html",
        b"<head",
        b"<script",
        b"<iframe",
        b"<h1",
        b"<div",
        b"<font",
        b"<table",
        b"<a",
        b"<style",
        b"<title",
        b"<b",
        b"<body",
        b"<br",
        b"<p",
        b"<!--",
    ];
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' '))
        .map_or(&[][..], |p| &body[p..]);
    let head: Vec<u8> = start
        .iter()
        .take(SNIFF_LEN)
        .map(u8::to_ascii_lowercase)
        .collect();
    let tag_match = TAGS
        .iter()
        .any(|tag| head.starts_with(tag) && matches!(head.get(tag.len()), Some(b' ' | b'>')));
    tag_match
        || (head.starts_with(b"<?xml")
            && head
                .windows(b"<html".len())
                .any(|window| window == b"<html"))
}

/// The error and its causes, joined: reqwest's own message is often just "error sending request".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// `Cache-Control: max-age`, `Expires` and `Retry-After`, as delays from `now`.
pub(super) fn server_hints(headers: &HeaderMap, now: SystemTime) -> ServerHints {
    let max_age = header_string(headers, header::CACHE_CONTROL).and_then(|value| {
        value.split(',').find_map(|directive| {
            let (name, seconds) = directive.trim().split_once('=')?;
            (name.trim().eq_ignore_ascii_case("max-age"))
                .then(|| seconds.trim().trim_matches('"').parse::<u64>().ok())
                .flatten()
                .map(Duration::from_secs)
        })
    });
    // An HTTP-date in any of its three forms (RFC 9110 §5.6.7).
    let until = |value: String| -> Option<Duration> {
        let when = httpdate::parse_http_date(&value).ok()?;
        Some(when.duration_since(now).unwrap_or(Duration::ZERO))
    };
    let expires_in = header_string(headers, header::EXPIRES).and_then(until);
    let retry_after = header_string(headers, header::RETRY_AFTER).and_then(|value| {
        value
            .parse::<u64>()
            .ok()
            .map(Duration::from_secs)
            .or_else(|| until(value))
    });
    ServerHints {
        max_age,
        expires_in,
        retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_from_headers() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        );
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("120"));
        headers.insert(
            header::EXPIRES,
            HeaderValue::from_static("Tue, 14 Nov 2023 22:23:20 GMT"),
        );
        assert_eq!(
            server_hints(&headers, now),
            ServerHints {
                max_age: Some(Duration::from_secs(300)),
                expires_in: Some(Duration::from_secs(600)),
                retry_after: Some(Duration::from_secs(120)),
            }
        );
    }

    #[test]
    fn expires_in_the_past_and_http_date_retry_after() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut headers = HeaderMap::new();
        headers.insert(header::EXPIRES, HeaderValue::from_static("0"));
        headers.insert(
            header::RETRY_AFTER,
            HeaderValue::from_static("Tue, 14 Nov 2023 22:14:20 GMT"),
        );
        assert_eq!(
            server_hints(&headers, now),
            ServerHints {
                max_age: None,
                expires_in: None,
                retry_after: Some(Duration::from_secs(60)),
            }
        );
    }

    #[test]
    fn html_is_recognised_by_its_first_bytes() {
        for body in [
            &b"<!DOCTYPE html><html>"[..],
            b"\xEF\xBB\xBF\n  <html lang=\"he\">",
            b"<HEAD>",
            b"<p>only a paragraph",
            b"<!-- comment -->",
            b"<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\">",
        ] {
            assert!(sniffs_as_html(body), "{}", String::from_utf8_lossy(body));
        }
        for body in [
            &b"%PDF-1.7\n"[..],
            b"\x89PNG\r\n\x1a\n",
            b"<?xml version=\"1.0\"?><rss version=\"2.0\">",
            b"<pre>",
            b"<html",
            b"plain words",
            b"",
        ] {
            assert!(!sniffs_as_html(body), "{}", String::from_utf8_lossy(body));
        }
        assert_eq!(ensure_html(Some("application/xhtml+xml"), b""), Ok(()));
        assert_eq!(
            ensure_html(Some("application/octet-stream"), b"<html>"),
            Ok(())
        );
        assert_eq!(
            ensure_html(Some("application/pdf"), b"%PDF-1.7"),
            Err(FetchError::NotHtml {
                media_type: Some("application/pdf".to_owned())
            })
        );
    }

    /// Where `/start` redirects, given the test server's port.
    type Location = fn(u16) -> String;

    /// A server on 127.0.0.1 that answers `/start` with a redirect to `location(port)`, anything
    /// else with a page, and logs the paths asked for.
    async fn redirecting_server(
        location: Location,
    ) -> (std::net::SocketAddr, Arc<std::sync::Mutex<Vec<String>>>) {
        use axum::body::Body;
        use axum::http::{Request, Response};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local address");
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let app = axum::Router::new().fallback(move |request: Request<Body>| {
            let log = log.clone();
            async move {
                let path = request.uri().path().to_owned();
                log.lock().expect("log").push(path.clone());
                let response = if path == "/start" {
                    Response::builder()
                        .status(302)
                        .header("location", location(addr.port()))
                        .body(Body::empty())
                } else {
                    Response::builder()
                        .header("content-type", "text/html")
                        .body(Body::from("<html><p>page</p></html>"))
                };
                response.expect("response")
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        (addr, seen)
    }

    /// The redirect check on the real link client. The first hop must reach the test server,
    /// which only listens on loopback, so it goes through that server as an HTTP proxy (a
    /// literal proxy address is dialled without the resolver); the redirect's target is then
    /// judged by the same policy and error mapping that production uses.
    async fn follow_redirect_via_proxy(
        location: Location,
    ) -> (Result<Document, FetchError>, Vec<String>) {
        let (addr, seen) = redirecting_server(location).await;
        let config = HttpConfig {
            per_host_delay: Duration::ZERO,
            ..HttpConfig::default()
        };
        assert!(!config.allow_private_links);
        let mut fetcher = HttpFetcher::new(&config).expect("fetcher");
        fetcher.links = link_client_builder(&config)
            .proxy(reqwest::Proxy::http(format!("http://{addr}")).expect("proxy"))
            .build()
            .expect("link client");
        let start = Url::parse("http://news.example/start").expect("url");
        let result = fetcher.get_link(&start).await;
        let seen = seen.lock().expect("log").clone();
        (result, seen)
    }

    /// A redirect to a private address was refused, saying which and how to allow it, and the
    /// private hop was never asked for.
    fn assert_private_hop_refused<T: std::fmt::Debug>(
        result: &Result<T, FetchError>,
        seen: &[String],
        shown: &str,
    ) {
        match result {
            Err(FetchError::Refused(why)) => {
                assert!(why.starts_with("a redirect to http://"), "{why}");
                assert!(why.contains(shown), "{why}");
                assert!(why.contains("allow_private_links = true"), "{why}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(seen, ["/start"], "the private hop was never asked");
    }

    #[tokio::test]
    async fn a_redirect_from_a_link_to_a_private_address_is_refused() {
        let cases: [(Location, &str); 4] = [
            (
                |port| format!("http://127.0.0.1:{port}/secret"),
                "127.0.0.1 is a loopback address",
            ),
            (
                |port| format!("http://2130706433:{port}/secret"),
                "127.0.0.1 is a loopback address",
            ),
            (
                |port| format!("http://[::ffff:127.0.0.1]:{port}/secret"),
                "IPv4-mapped address of 127.0.0.1",
            ),
            (
                |_| "http://169.254.169.254/latest/meta-data/".to_owned(),
                "169.254.169.254 is a link-local address",
            ),
        ];
        for (location, shown) in cases {
            let (result, seen) = follow_redirect_via_proxy(location).await;
            assert_private_hop_refused(&result, &seen, shown);
        }
    }

    #[tokio::test]
    async fn a_redirect_from_a_link_to_another_scheme_is_refused_and_a_public_one_followed() {
        let (result, seen) = follow_redirect_via_proxy(|_| "file:///etc/passwd".to_owned()).await;
        match result {
            Err(FetchError::Refused(why)) => {
                assert!(why.contains("file: links are not fetched"), "{why}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(seen, ["/start"]);
        let (result, seen) =
            follow_redirect_via_proxy(|_| "http://news.example/article".to_owned()).await;
        match result {
            Ok(document) => {
                assert_eq!(document.url.as_str(), "http://news.example/article");
                assert!(document.text.contains("page"));
            }
            other => panic!("expected the page, got {other:?}"),
        }
        assert_eq!(seen, ["/start", "/article"]);
    }

    /// A source's fetch through the test server as an HTTP proxy for both clients, so that a
    /// configured URL on a public address can be staged; the redirect from `/start` is then
    /// judged by the production code path. `source` is the configured URL.
    async fn fetch_source_via_proxy(
        source: &str,
        location: Location,
        allow_private_links: bool,
    ) -> (Result<Fetched, FetchError>, Vec<String>) {
        let (addr, seen) = redirecting_server(location).await;
        let config = HttpConfig {
            per_host_delay: Duration::ZERO,
            allow_private_links,
            ..HttpConfig::default()
        };
        let proxy = || reqwest::Proxy::http(format!("http://{addr}")).expect("proxy");
        let mut fetcher = HttpFetcher::new(&config).expect("fetcher");
        fetcher.client = client_builder(&config)
            .proxy(proxy())
            .build()
            .expect("source client");
        fetcher.links = link_client_builder(&config)
            .proxy(proxy())
            .build()
            .expect("link client");
        let url = Url::parse(source).expect("url");
        let result = fetcher
            .get(&url, &Validators::default(), None, DocumentKind::Html)
            .await;
        let seen = seen.lock().expect("log").clone();
        (result, seen)
    }

    /// The URL the fetch was finally read from.
    fn read_from(result: &Result<Fetched, FetchError>) -> String {
        match result {
            Ok(Fetched::Modified { documents, .. }) => documents
                .first()
                .map(|document| document.url.to_string())
                .unwrap_or_default(),
            other => panic!("expected a document, got {other:?}"),
        }
    }

    /// 8.8.8.8 is never dialled: both clients go through the test server as their proxy.
    const PUBLIC_SOURCE: &str = "http://8.8.8.8/start";

    #[tokio::test]
    async fn a_redirect_from_a_public_source_to_a_private_address_is_refused() {
        let cases: [(Location, &str); 3] = [
            (
                |port| format!("http://127.0.0.1:{port}/secret"),
                "127.0.0.1 is a loopback address",
            ),
            (
                |port| format!("http://0x7f.1:{port}/secret"),
                "127.0.0.1 is a loopback address",
            ),
            (
                |_| "http://169.254.169.254/latest/meta-data/".to_owned(),
                "169.254.169.254 is a link-local address",
            ),
        ];
        for (location, shown) in cases {
            let (result, seen) = fetch_source_via_proxy(PUBLIC_SOURCE, location, false).await;
            assert_private_hop_refused(&result, &seen, shown);
        }
    }

    #[tokio::test]
    async fn a_public_source_follows_redirects_on_its_host_and_to_public_hosts() {
        let (result, seen) =
            fetch_source_via_proxy(PUBLIC_SOURCE, |_| "/moved".to_owned(), false).await;
        assert_eq!(read_from(&result), "http://8.8.8.8/moved");
        assert_eq!(seen, ["/start", "/moved"]);
        let (result, seen) = fetch_source_via_proxy(
            PUBLIC_SOURCE,
            |_| "http://news.example/feed".to_owned(),
            false,
        )
        .await;
        assert_eq!(read_from(&result), "http://news.example/feed");
        assert_eq!(seen, ["/start", "/feed"]);
    }

    #[tokio::test]
    async fn allow_private_links_lets_a_public_source_redirect_to_a_private_address() {
        let (result, seen) = fetch_source_via_proxy(
            PUBLIC_SOURCE,
            |port| format!("http://127.0.0.1:{port}/internal"),
            true,
        )
        .await;
        assert!(read_from(&result).ends_with("/internal"), "{result:?}");
        assert_eq!(seen, ["/start", "/internal"]);
    }

    #[tokio::test]
    async fn a_private_source_keeps_following_redirects_to_other_private_hosts() {
        let (addr, seen) =
            redirecting_server(|port| format!("http://localhost:{port}/elsewhere")).await;
        let config = HttpConfig {
            per_host_delay: Duration::ZERO,
            ..HttpConfig::default()
        };
        let fetcher = HttpFetcher::new(&config).expect("fetcher");
        let url = Url::parse(&format!("http://{addr}/start")).expect("url");
        let result = fetcher
            .get(&url, &Validators::default(), None, DocumentKind::Html)
            .await;
        assert_eq!(
            read_from(&result),
            format!("http://localhost:{}/elsewhere", addr.port())
        );
        assert_eq!(*seen.lock().expect("log"), ["/start", "/elsewhere"]);
        // Another scheme is never followed, whoever asks.
        let (addr, seen) = redirecting_server(|_| "file:///etc/passwd".to_owned()).await;
        let url = Url::parse(&format!("http://{addr}/start")).expect("url");
        let result = fetcher
            .get(&url, &Validators::default(), None, DocumentKind::Html)
            .await;
        match result {
            Err(FetchError::Refused(why)) => {
                assert!(why.contains("file: links are not fetched"), "{why}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(*seen.lock().expect("log"), ["/start"]);
    }
}
