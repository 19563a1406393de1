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
//! than [`MAX_REDIRECTS`], a redirect to a non-http(s) scheme, a link (or a redirect from one, or
//! a redirect from a source on a public address to another host) to a loopback/private/link-local
//! address unless `allow_private_links` ([`guard`]), or parsing — documents leave here as text.

pub mod charset;
mod document;
mod file;
mod guard;
mod hosts;
mod http;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use url::Url;

use crate::config::{HttpConfig, SourceConfig, SourceLocation};

pub use charset::{CharsetRule, DocumentKind};
pub use document::{CharsetDecision, Document, document};

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
    /// Built once for every clone, by [`Fetcher::prepare_http`] or at the first HTTP request:
    /// its clients load the root certificates (about 7 ms of a 0.3 s `nahar fetch` of a
    /// 5,000-item file, before anything else could start), which a run that reads only files
    /// never needs.
    http: Arc<OnceLock<Result<http::HttpFetcher, FetchError>>>,
    config: Arc<HttpConfig>,
    max_body: u64,
}

impl Fetcher {
    pub fn new(config: &HttpConfig) -> Fetcher {
        Fetcher {
            http: Arc::new(OnceLock::new()),
            config: Arc::new(config.clone()),
            max_body: config.max_body,
        }
    }

    /// Builds the HTTP clients now, so that settings they cannot be built with are reported
    /// before any source is read rather than by each HTTP source.
    pub fn prepare_http(&self) -> Result<(), FetchError> {
        self.http().map(|_| ())
    }

    fn http(&self) -> Result<&http::HttpFetcher, FetchError> {
        self.http
            .get_or_init(|| http::HttpFetcher::new(&self.config))
            .as_ref()
            .map_err(Clone::clone)
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
                self.http()?
                    .get(url, validators, source.encoding, kind)
                    .await
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
        self.http()?.get_link(url).await
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
}
