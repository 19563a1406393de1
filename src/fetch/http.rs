//! HTTP(S) fetching: one reqwest client (rustls with the ring provider, gzip/brotli/deflate,
//! bounded redirects, timeouts) behind the per-host limits of [`super::hosts`].
//!
//! In: a URL, stored validators, the source's charset override. Out: [`Fetched`] with the body
//! decoded, or a [`FetchError`] naming the cause.
//! Never: reads a body past `max_body` (counted while streaming, after decompression, so a
//! compression bomb stops at the same limit), decodes by the header alone, or follows more than
//! [`MAX_REDIRECTS`] redirects.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use super::charset::DocumentKind;
use super::hosts::HostLimits;
use super::{FetchError, Fetched, ServerHints, Validators};
use crate::config::HttpConfig;

/// Redirects followed before giving up (a loop ends here too).
pub const MAX_REDIRECTS: usize = 10;

#[derive(Debug, Clone)]
pub(super) struct HttpFetcher {
    client: reqwest::Client,
    hosts: Arc<HostLimits>,
    max_body: u64,
    timeout: Duration,
}

impl HttpFetcher {
    pub fn new(config: &HttpConfig) -> Result<HttpFetcher, FetchError> {
        // reqwest is built without a default crypto provider (ring builds faster than
        // aws-lc); install ring once per process. A second install is refused, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .read_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .pool_idle_timeout(Duration::from_secs(90))
            .build()
            .map_err(|e| FetchError::Other(format!("cannot build the HTTP client: {e}")))?;
        Ok(HttpFetcher {
            client,
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
        let host = url
            .host_str()
            .ok_or_else(|| FetchError::InvalidUrl(format!("{url} has no host")))?
            .to_ascii_lowercase();
        let _slot = self.hosts.acquire(&host).await;
        let mut request = self.client.get(url.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &validators.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, modified);
        }
        let mut response = request.send().await.map_err(|e| self.classify(&e))?;
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
        if !status.is_success() {
            return Err(FetchError::Status {
                code: status.as_u16(),
                reason: status.canonical_reason().unwrap_or("").to_owned(),
                retry_after: hints.retry_after,
            });
        }
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
        }
        let content_type = header_string(&headers, header::CONTENT_TYPE);
        let document = super::document(
            response.url().clone(),
            content_type.as_deref(),
            &body,
            kind,
            encoding,
        );
        Ok(Fetched::Modified {
            documents: vec![document],
            validators,
            hints,
        })
    }

    /// Turns a reqwest error into the cause a user can act on.
    fn classify(&self, error: &reqwest::Error) -> FetchError {
        if error.is_timeout() {
            return FetchError::Timeout(self.timeout);
        }
        if error.is_redirect() {
            return FetchError::TooManyRedirects;
        }
        let chain = error_chain(error);
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
    let until = |value: String| -> Option<Duration> {
        let when = chrono::DateTime::parse_from_rfc2822(&value).ok()?;
        let when =
            SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(when.timestamp()).ok()?);
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
}
