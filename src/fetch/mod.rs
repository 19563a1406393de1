//! Fetch: a source's location in, decoded documents out.
//!
//! In: a [`SourceConfig`] and the HTTP validators stored from the last fetch
//! ([`Fetcher::fetch`]), or a link found in fetched content ([`Fetcher::fetch_link`]).
//! Out: [`Fetched`] — `NotModified` (a 304: nothing to parse) or the documents read,
//! each decoded to UTF-8 by the charset chain ([`charset`]) with the rule that decided logged and
//! kept, plus the validators and caching hints the server sent; for a link, its one HTML
//! [`Document`].
//! Never: an unbounded read (bodies are counted while streaming, after decompression, against
//! `max_body`), more than `per_host_concurrency` requests to one host at once or two request starts
//! to one host closer than `per_host_delay` (sources and links alike), a redirect chain longer
//! than [`MAX_REDIRECTS`], a link (or a redirect from one) to a non-http(s) scheme or, unless
//! `allow_private_links`, to a loopback/private/link-local address ([`guard`]), or parsing —
//! documents leave here as text.

pub mod charset;
mod file;
mod guard;
mod hosts;
mod http;

use std::time::Duration;

use url::Url;

use crate::config::{HttpConfig, SourceConfig, SourceLocation};

pub use charset::{CharsetRule, DocumentKind};

/// Redirects followed before giving up (a loop ends here too), by sources and links alike.
pub const MAX_REDIRECTS: usize = 10;

/// HTTP validators for conditional GET. ETag and Last-Modified are kept independently: a server
/// may change one and not the other.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    /// The validators after a response: a header the response carries replaces the stored one,
    /// a header it does not carry leaves the stored one alone (a 304 often sends only one).
    pub fn updated_by(&self, response: &Validators) -> Validators {
        Validators {
            etag: response.etag.clone().or_else(|| self.etag.clone()),
            last_modified: response
                .last_modified
                .clone()
                .or_else(|| self.last_modified.clone()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// What the server said about when to ask again (used by the daemon's scheduler).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerHints {
    /// `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
    /// `Expires`, as a delay from the response.
    pub expires_in: Option<Duration>,
    /// `Retry-After` (seconds or an HTTP date), as a delay from the response.
    pub retry_after: Option<Duration>,
}

/// How a document's bytes became text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharsetDecision {
    /// WHATWG name of the encoding used (`UTF-8`, `windows-1255`…).
    pub encoding: &'static str,
    pub rule: CharsetRule,
    /// The label the document or server declared, if any.
    pub declared: Option<String>,
}

/// One fetched document, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Where it was finally read from (after redirects); relative links resolve against it.
    pub url: Url,
    /// The media type essence from `Content-Type` (`application/rss+xml`), lower-cased.
    pub media_type: Option<String>,
    pub kind: DocumentKind,
    /// UTF-8 text in logical order; an XML declaration's encoding says UTF-8.
    pub text: String,
    pub charset: CharsetDecision,
    /// Record warnings this document causes: `decode_errors`, `visual_hebrew_converted`.
    pub warnings: Vec<String>,
    /// Bytes read (after decompression).
    pub size: u64,
}

/// The outcome of a fetch that did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 304: the source did not change since the stored validators.
    NotModified {
        validators: Validators,
        hints: ServerHints,
    },
    /// The source's documents (one for a URL or a file; one per file for a folder).
    Modified {
        documents: Vec<Document>,
        validators: Validators,
        hints: ServerHints,
    },
}

/// Why a fetch failed. Every variant says what happened in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("HTTP {code} {reason}")]
    Status {
        code: u16,
        reason: String,
        /// `Retry-After` of a 429 or 503.
        retry_after: Option<Duration>,
    },
    #[error("body larger than max_body ({limit} bytes)")]
    TooLarge { limit: u64 },
    #[error("reading the body failed: {0}")]
    Body(String),
    #[error("{path}: {message}")]
    File { path: String, message: String },
    /// A link the guard does not fetch: a scheme other than http(s), or a non-public address
    /// while `allow_private_links` is off. The text says which setting allows it, if any.
    #[error("refused: {0}")]
    Refused(String),
    /// A link whose response is not an HTML page (a PDF, an image, a feed).
    #[error("not an HTML page: {}; only text/html and application/xhtml+xml pages are read as articles", not_html(.media_type.as_deref()))]
    NotHtml {
        /// The media type essence the server sent, if any.
        media_type: Option<String>,
    },
    #[error("request failed: {0}")]
    Other(String),
}

fn not_html(media_type: Option<&str>) -> String {
    match media_type {
        Some(media_type) => format!("the server sent {media_type}"),
        None => "the server sent no Content-Type and the body does not look like HTML".to_owned(),
    }
}

impl FetchError {
    /// The delay a 429/503 asked for.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Reads sources: one HTTP client (connection reuse, per-host limits) for every source.
#[derive(Debug, Clone)]
pub struct Fetcher {
    http: http::HttpFetcher,
    max_body: u64,
}

impl Fetcher {
    pub fn new(config: &HttpConfig) -> Result<Fetcher, FetchError> {
        Ok(Fetcher {
            http: http::HttpFetcher::new(config)?,
            max_body: config.max_body,
        })
    }

    /// Fetches a source, sending `validators` for conditional GET.
    pub async fn fetch(
        &self,
        source: &SourceConfig,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        let kind = match source.kind {
            crate::config::SourceKind::Feed => DocumentKind::Xml,
            crate::config::SourceKind::Page => DocumentKind::Html,
        };
        match &source.location {
            SourceLocation::Http(url) => {
                self.http.get(url, validators, source.encoding, kind).await
            }
            SourceLocation::File(path) => {
                let path = path.clone();
                let encoding = source.encoding;
                let max_body = self.max_body;
                tokio::task::spawn_blocking(move || file::read(&path, encoding, kind, max_body))
                    .await
                    .map_err(|e| FetchError::Other(format!("file reader stopped: {e}")))?
            }
        }
    }
}

impl Fetcher {
    /// Fetches a link found in fetched content (a feed item's link): one GET, no validators,
    /// through the same per-host limits, timeout, `max_body`, redirect limit and charset chain as
    /// sources. Unlike a configured source URL it is not trusted: only http(s) is fetched, and
    /// unless `[http] allow_private_links = true` neither the link nor any redirect from it may
    /// reach a loopback, private, link-local or other non-public address ([`FetchError::Refused`],
    /// before any connection to that address). A response that is not HTML is
    /// [`FetchError::NotHtml`].
    pub async fn fetch_link(&self, url: &Url) -> Result<Document, FetchError> {
        self.http.get_link(url).await
    }
}

/// Decodes a body into a [`Document`]: works out what kind of document it is, runs the charset
/// chain, and logs which rule decided.
pub fn document(
    url: Url,
    content_type: Option<&str>,
    bytes: &[u8],
    expected: DocumentKind,
    override_encoding: Option<&'static encoding_rs::Encoding>,
) -> Document {
    let (media_type, http_charset) = split_content_type(content_type);
    let kind = sniff_kind(bytes, media_type.as_deref(), expected);
    let tld = url
        .host_str()
        .and_then(|h| h.rsplit('.').next())
        .map(str::to_ascii_lowercase);
    let decoded = charset::decode(
        bytes,
        &charset::CharsetHints {
            override_encoding,
            http_charset: http_charset.as_deref(),
            kind,
            tld: tld.as_deref(),
        },
    );
    tracing::debug!(
        url = %url,
        encoding = decoded.encoding.name(),
        rule = %decoded.rule,
        declared = decoded.label.as_deref().unwrap_or(""),
        "Decoded the document."
    );
    let mut warnings = Vec::new();
    if decoded.replacement_chars > 0 {
        tracing::warn!(url = %url, count = decoded.replacement_chars, encoding = decoded.encoding.name(), "Bytes that do not decode were replaced with U+FFFD.");
        warnings.push("decode_errors".to_owned());
    }
    if decoded.visual_hebrew_converted {
        warnings.push("visual_hebrew_converted".to_owned());
    }
    Document {
        url,
        media_type,
        kind,
        text: decoded.text,
        charset: CharsetDecision {
            encoding: decoded.encoding.name(),
            rule: decoded.rule,
            declared: decoded.label,
        },
        warnings,
        size: bytes.len() as u64,
    }
}

/// `text/xml; charset=windows-1255` → (`text/xml`, `windows-1255`).
fn split_content_type(content_type: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(value) = content_type else {
        return (None, None);
    };
    let mut parts = value.split(';');
    let media_type = parts
        .next()
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty());
    let charset = parts.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']).to_owned())
            .filter(|v| !v.is_empty())
    });
    (media_type, charset)
}

/// What a body is: its first bytes first (servers mislabel feeds as text/html), then the media
/// type, then what the source is configured to be.
fn sniff_kind(bytes: &[u8], media_type: Option<&str>, expected: DocumentKind) -> DocumentKind {
    let unmarked = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = unmarked
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |p| &unmarked[p..]);
    let head: Vec<u8> = start.iter().take(64).map(u8::to_ascii_lowercase).collect();
    if head.starts_with(b"<?xml")
        || head.starts_with(b"<rss")
        || head.starts_with(b"<feed")
        || head.starts_with(b"<rdf")
    {
        return DocumentKind::Xml;
    }
    if head.starts_with(b"<!doctype html") || head.starts_with(b"<html") {
        return DocumentKind::Html;
    }
    if head.starts_with(b"{") {
        return DocumentKind::Json;
    }
    match media_type {
        Some(m) if m.contains("json") => DocumentKind::Json,
        Some(m) if m.contains("html") => DocumentKind::Html,
        Some(m) if m.contains("xml") || m.contains("rss") || m.contains("atom") => {
            DocumentKind::Xml
        }
        _ => expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_are_updated_independently() {
        let stored = Validators {
            etag: Some("\"a\"".into()),
            last_modified: Some("Mon, 01 Jan 2024 00:00:00 GMT".into()),
        };
        let only_etag = Validators {
            etag: Some("\"b\"".into()),
            last_modified: None,
        };
        assert_eq!(
            stored.updated_by(&only_etag),
            Validators {
                etag: Some("\"b\"".into()),
                last_modified: Some("Mon, 01 Jan 2024 00:00:00 GMT".into()),
            }
        );
    }

    #[test]
    fn content_type_parts() {
        assert_eq!(
            split_content_type(Some("Text/XML; Charset=\"windows-1255\"")),
            (Some("text/xml".into()), Some("windows-1255".into()))
        );
        assert_eq!(
            split_content_type(Some("application/rss+xml")),
            (Some("application/rss+xml".into()), None)
        );
    }

    #[test]
    fn kind_is_sniffed_before_the_media_type() {
        assert_eq!(
            sniff_kind(
                b"\xEF\xBB\xBF <?xml version='1.0'?><rss/>",
                Some("text/html"),
                DocumentKind::Html
            ),
            DocumentKind::Xml
        );
        assert_eq!(
            sniff_kind(
                b"{\"version\": \"https://jsonfeed.org/version/1.1\"}",
                None,
                DocumentKind::Xml
            ),
            DocumentKind::Json
        );
        assert_eq!(
            sniff_kind(
                b"<!DOCTYPE html><html>",
                Some("application/rss+xml"),
                DocumentKind::Xml
            ),
            DocumentKind::Html
        );
        assert_eq!(
            sniff_kind(b"garbage", Some("application/atom+xml"), DocumentKind::Html),
            DocumentKind::Xml
        );
        assert_eq!(
            sniff_kind(b"garbage", None, DocumentKind::Html),
            DocumentKind::Html
        );
    }
}
