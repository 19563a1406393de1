//! One fetched body as a [`Document`]: what kind of document it is (its first bytes, then the
//! media type, then what the source is configured to be), decoded by the charset chain, with
//! the warnings its decoding leaves for the record.

use url::Url;

use super::charset::{self, CharsetRule, DocumentKind};

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

/// Bodies up to this size are decoded where they arrive: charset detection and decoding cost
/// microseconds there, less than handing them to another thread.
pub const DECODE_INLINE_UP_TO: usize = 64 * 1024;

/// [`document`] for a body that came from the network: a large one (up to `max_body`, 10 MB by
/// default, with detection and decoding proportional to its size) is decoded on the blocking
/// pool, so that the async runtime's threads keep serving every other check.
pub async fn decoded(
    url: Url,
    content_type: Option<String>,
    bytes: Vec<u8>,
    expected: DocumentKind,
    override_encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<Document, super::FetchError> {
    if bytes.len() <= DECODE_INLINE_UP_TO {
        return Ok(document(
            url,
            content_type.as_deref(),
            &bytes,
            expected,
            override_encoding,
        ));
    }
    tokio::task::spawn_blocking(move || {
        document(
            url,
            content_type.as_deref(),
            &bytes,
            expected,
            override_encoding,
        )
    })
    .await
    .map_err(|e| super::FetchError::Other(format!("decoding the body stopped: {e}")))
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
        url = %crate::shown::url(&url),
        encoding = decoded.encoding.name(),
        rule = %decoded.rule,
        declared = decoded.label.as_deref().unwrap_or(""),
        "Decoded the document."
    );
    let mut warnings = Vec::new();
    if decoded.replacement_chars > 0 {
        tracing::warn!(url = %crate::shown::url(&url), count = decoded.replacement_chars, encoding = decoded.encoding.name(), "Bytes that do not decode were replaced with U+FFFD.");
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
pub(super) fn split_content_type(content_type: Option<&str>) -> (Option<String>, Option<String>) {
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
