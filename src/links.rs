//! Links: the canonical form of an item URL, and which URLs nahar will ever emit or follow.
//!
//! In: a URL (absolute, or relative to a base). Out: its canonical form — scheme and host
//! lower-cased, default port, fragment and tracking parameters (`utm_*`, `fbclid`, …) removed,
//! every other byte of the query as published (`?12345`, `q=a%20b`, `path=x/y&flag` stay so:
//! some servers answer another spelling differently) — or `None` for links nahar never emits
//! (`javascript:`, `data:`, `mailto:` …).
//! Never: network access; it only rewrites strings.

use url::Url;

/// Query parameters that only track the reader. `utm_*` is matched by prefix.
const TRACKING_PARAMETERS: [&str; 18] = [
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "igshid", "igsh", "ref_src", "ref_url", "_ga", "_gl", "mkt_tok", "twclid", "s_cid",
];

fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_") || TRACKING_PARAMETERS.contains(&name.as_str())
}

/// Resolves `link` against `base` and canonicalizes it; `None` unless the result is http(s).
pub fn canonical(link: &str, base: Option<&Url>) -> Option<Url> {
    let link = link.trim();
    if link.is_empty() {
        return None;
    }
    let url = match base {
        Some(base) => base.join(link).ok()?,
        None => Url::parse(link).ok()?,
    };
    canonical_url(url)
}

/// Canonicalizes an absolute URL; `None` unless it is http(s).
pub fn canonical_url(mut url: Url) -> Option<Url> {
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    if let Some(query) = url.query() {
        // The query's `&`-separated pieces, tracking ones left out, the others byte for byte.
        let pieces: Vec<&str> = query.split('&').collect();
        let kept: Vec<&str> = pieces
            .iter()
            .copied()
            .filter(|piece| !is_tracking(&piece_name(piece)))
            .collect();
        if kept.len() < pieces.len() {
            let kept = kept.join("&");
            url.set_query((!kept.is_empty()).then_some(kept.as_str()));
        }
    }
    Some(url)
}

/// The decoded name of a query piece (`utm%5Fsource=x` → `utm_source`).
fn piece_name(piece: &str) -> String {
    let name = piece.split('=').next().unwrap_or_default();
    url::form_urlencoded::parse(name.as_bytes())
        .next()
        .map(|(name, _)| name.into_owned())
        .unwrap_or_default()
}

/// The canonical form releases before 0.2 gave (its query re-encoded as a form: `?12345` →
/// `?12345=`, `a%20b` → `a+b`). Item identities and source hashes made then are stored in
/// state directories; this is only to recognise those items, never to emit a link.
pub fn legacy_canonical_url(url: &Url) -> Option<Url> {
    let mut url = canonical_url(url.clone())?;
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(link: &str, base: Option<&str>) -> Option<String> {
        let base = base.and_then(|b| Url::parse(b).ok());
        canonical(link, base.as_ref()).map(String::from)
    }

    #[test]
    fn tracking_and_fragment_removed_host_lowercased() {
        assert_eq!(
            c(
                "HTTPS://WWW.Example.COM:443/a/b?id=7&utm_source=rss&utm_medium=x&fbclid=1#top",
                None
            ),
            Some("https://www.example.com/a/b?id=7".into())
        );
        assert_eq!(
            c(
                "https://twitter.com/kann_news/status/1?ref_src=twsrc%5Etfw",
                None
            ),
            Some("https://twitter.com/kann_news/status/1".into())
        );
    }

    /// Only tracking parameters and the fragment go; the rest of the query is as published.
    #[test]
    fn the_query_is_kept_as_published() {
        for (link, expected) in [
            ("https://a.example/?12345", "https://a.example/?12345"),
            ("https://a.example/s?q=a%20b", "https://a.example/s?q=a%20b"),
            ("https://a.example/s?q=a+b", "https://a.example/s?q=a+b"),
            (
                "https://a.example/?path=x/y&flag",
                "https://a.example/?path=x/y&flag",
            ),
            (
                "https://a.example/?a=1&&b=2;c=3",
                "https://a.example/?a=1&&b=2;c=3",
            ),
            (
                "https://a.example/?id=7&utm_source=rss&flag#top",
                "https://a.example/?id=7&flag",
            ),
            (
                "https://a.example/?utm%5Fsource=x&id=7",
                "https://a.example/?id=7",
            ),
            (
                "https://a.example/?fbclid=1&utm_medium=x",
                "https://a.example/",
            ),
            ("https://a.example/?", "https://a.example/?"),
            (
                "https://a.example/?x=%D7%90&y=א",
                "https://a.example/?x=%D7%90&y=%D7%90",
            ),
        ] {
            assert_eq!(c(link, None).as_deref(), Some(expected), "{link}");
        }
    }

    /// What releases before 0.2 made of the same links: still computed, to recognise them.
    #[test]
    fn the_legacy_form_re_encodes_the_query() {
        let legacy =
            |link: &str| legacy_canonical_url(&Url::parse(link).unwrap()).map(String::from);
        assert_eq!(
            legacy("https://a.example/?12345").as_deref(),
            Some("https://a.example/?12345=")
        );
        assert_eq!(
            legacy("https://a.example/s?q=a%20b").as_deref(),
            Some("https://a.example/s?q=a+b")
        );
        assert_eq!(
            legacy("https://a.example/?path=x/y&flag&utm_source=z").as_deref(),
            Some("https://a.example/?path=x%2Fy&flag=")
        );
        assert_eq!(
            legacy("https://a.example/a/b?id=7").as_deref(),
            Some("https://a.example/a/b?id=7")
        );
        assert_eq!(
            legacy("https://a.example/a").as_deref(),
            Some("https://a.example/a")
        );
    }

    #[test]
    fn relative_links_resolve_against_the_base() {
        assert_eq!(
            c("/news/1", Some("https://example.org/rss.xml")),
            Some("https://example.org/news/1".into())
        );
        assert_eq!(
            c("2", Some("https://example.org/news/1")),
            Some("https://example.org/news/2".into())
        );
    }

    #[test]
    fn links_nahar_never_emits() {
        for link in [
            "javascript:alert(1)",
            "data:text/html,<b>x</b>",
            "mailto:a@b.c",
            "",
            "  ",
            "ftp://x.org/a",
        ] {
            assert_eq!(c(link, Some("https://example.org/")), None, "{link}");
        }
    }
}
