//! Links: the canonical form of an item URL, and which URLs nahar will ever emit or follow.
//!
//! In: a URL (absolute, or relative to a base). Out: its canonical form — scheme and host
//! lower-cased, default port, fragment and tracking parameters (`utm_*`, `fbclid`, …) removed —
//! or `None` for links nahar never emits (`javascript:`, `data:`, `mailto:` …).
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
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(name, _)| !is_tracking(name))
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
