//! What nahar shows of what it was given: in logs, `/health`, `nahar check`, the run summary
//! and error messages. A leaf.
//!
//! In: URLs from the config and messages that may quote a feed, a page or a server. Out: the
//! URL with its user info and credential-like query values masked (`https://***@host/f?token=***`;
//! the config keeps them, and requests carry them), and text whose control characters — line
//! breaks, escapes, bidi controls — are written as escapes, so that nothing from outside can
//! forge a log or summary line, colour a terminal or reorder what an operator reads.
//! Never: touches records (items' own links and text are content, kept as published).

use url::Url;

/// Query parameters whose values are secrets often enough that nahar never shows them: matched
/// on the decoded name, lower-cased, with `-` read as `_`, exactly or as the last `_` word
/// (`access_token`, `x-api-key`, `client_secret`).
const SECRET_PARAMETERS: [&str; 18] = [
    "token",
    "key",
    "apikey",
    "api_key",
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "sig",
    "signature",
    "auth",
    "authorization",
    "credential",
    "credentials",
    "session",
    "sid",
    "jwt",
];

/// The decoded name of a query piece (`api%5Fkey=x` → `api_key`).
fn name_of(piece: &str) -> String {
    url::form_urlencoded::parse(piece.as_bytes())
        .next()
        .map(|(name, _)| name.into_owned())
        .unwrap_or_default()
}

fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace('-', "_");
    SECRET_PARAMETERS.contains(&name.as_str())
        || name
            .rsplit('_')
            .next()
            .is_some_and(|last| last != name && SECRET_PARAMETERS.contains(&last))
}

/// What stands in for a masked secret.
pub const MASK: &str = "***";

/// `url` as nahar shows it: user name and password replaced by `***` (`https://***@host/…`) and
/// the value of every credential-like query parameter by `***`; everything else as it is.
pub fn url(url: &Url) -> String {
    let mut shown = url.clone();
    if !url.username().is_empty() || url.password().is_some() {
        // Cannot fail on a URL that already has user info: it has a host.
        let _ = shown.set_password(None);
        let _ = shown.set_username(MASK);
    }
    if let Some(query) = url.query()
        && query.split('&').any(|piece| is_secret(&name_of(piece)))
    {
        let pieces: Vec<String> = query
            .split('&')
            .map(|piece| match piece.split_once('=') {
                Some((name, _)) if is_secret(&name_of(piece)) => format!("{name}={MASK}"),
                _ => piece.to_owned(),
            })
            .collect();
        shown.set_query(Some(&pieces.join("&")));
    }
    shown.to_string()
}

/// `text` with every http(s) URL in it [`url`]: for messages that come from libraries and
/// may quote the URL they were given (reqwest's "error sending request for url (…)").
fn redact_urls_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest
        .find("http://")
        .into_iter()
        .chain(rest.find("https://"))
        .min()
    {
        out.push_str(&rest[..start]);
        let candidate = &rest[start..];
        let end = candidate
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '>' | '"' | '\'' | ']'))
            .unwrap_or(candidate.len());
        match Url::parse(&candidate[..end]) {
            Ok(parsed) => out.push_str(&url(&parsed)),
            // Not a URL after all: shown without anything after the scheme's `//` up to the
            // next `@`, which is where a secret would be.
            Err(_) => out.push_str(&mask_user_info(&candidate[..end])),
        }
        rest = &candidate[end..];
    }
    out.push_str(rest);
    out
}

/// `scheme://user:pass@rest` → `scheme://***@rest`, for a string that does not parse as a URL.
fn mask_user_info(text: &str) -> String {
    let Some((scheme, after)) = text.split_once("://") else {
        return text.to_owned();
    };
    let authority_end = after.find('/').unwrap_or(after.len());
    match after[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{MASK}{}", &after[at..]),
        None => text.to_owned(),
    }
}

/// `message` as nahar shows it: every http(s) URL in it as [`url`] shows it (libraries quote
/// the URL they were given: reqwest's "error sending request for url (…)"), and every control
/// character escaped ([`escape_controls`]).
pub fn message(message: &str) -> String {
    escape_controls(&redact_urls_in(message))
}

/// Line breaks, tabs, the other C0 and C1 controls, DEL and the bidi controls written as
/// escapes (`\n`, `\u{1b}`, `\u{202e}`); every other character as it is, Hebrew included.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(is_control) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_control(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_urls_hide_user_info_and_credential_values() {
        let shown = |u: &str| url(&Url::parse(u).unwrap());
        assert_eq!(
            shown("https://alice:S3cretPass@host.example/feed?token=APIKEY123&page=2"),
            "https://***@host.example/feed?token=***&page=2"
        );
        assert_eq!(
            shown("https://alice@host.example/f"),
            "https://***@host.example/f"
        );
        for name in [
            "key",
            "api_key",
            "apikey",
            "API-KEY",
            "access_token",
            "client_secret",
            "sig",
            "Signature",
            "auth",
            "password",
            "x-api-key",
            "pass",
            "session",
        ] {
            let url = format!("https://h.example/f?id=1&{name}=hunter2");
            assert_eq!(
                shown(&url),
                format!("https://h.example/f?id=1&{name}=***"),
                "{name}"
            );
        }
        // Not secrets: nothing changes, byte for byte.
        for url in [
            "https://h.example/f?keyword=a%20b&id=7&monkey=1&flag",
            "https://h.example/rss?category=news",
        ] {
            assert_eq!(shown(url), url);
        }
    }

    #[test]
    fn urls_inside_messages_are_redacted() {
        assert_eq!(
            redact_urls_in(
                "error sending request for url (http://alice:pw@127.0.0.1:9/f?token=T0K): refused"
            ),
            "error sending request for url (http://***@127.0.0.1:9/f?token=***): refused"
        );
        assert_eq!(
            redact_urls_in("see https://a.example/x and http://b:c@d.example/"),
            "see https://a.example/x and http://***@d.example/"
        );
        assert_eq!(redact_urls_in("no url here"), "no url here");
        assert_eq!(redact_urls_in("http://user:pw@[bad/x"), "http://***@[bad/x");
    }

    #[test]
    fn control_characters_are_escaped_and_other_text_kept() {
        assert_eq!(
            message("JSON Feed version x\nok         forged: 99 new\u{1b}[31m"),
            "JSON Feed version x\\nok         forged: 99 new\\u{1b}[31m"
        );
        assert_eq!(
            escape_controls("a\rb\tc\u{7f}\u{85}"),
            "a\\rb\\tc\\u{7f}\\u{85}"
        );
        assert_eq!(
            escape_controls("\u{202e}evil\u{2066}"),
            "\\u{202e}evil\\u{2066}"
        );
        assert_eq!(escape_controls("שלום, world"), "שלום, world");
    }
}
