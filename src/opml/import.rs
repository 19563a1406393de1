//! Which of an OPML file's feeds a config gains, and under which names.
//!
//! A feed is added when no source of the config, and no earlier feed of the file, has its URL
//! (compared as parsed URLs: scheme and host case, default ports and percent-encoding do not
//! make two URLs different). Its name is made from its title when the title has Latin letters
//! ("Times of Israel" → `times-of-israel`, accents dropped), else from its host and path
//! (`https://www.kan.org.il/news/rss.xml` → `kan-org-il-news`), and made unique with `-2`, `-3`…

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;
use url::Url;

use super::{OpmlFeed, OpmlList};
use crate::config::{Config, NewSource, SourceLocation};

/// Longest name made (cut at a `-`): long enough to read, short enough to type.
const MAX_NAME: usize = 40;

/// Path steps that say "this is a feed" and nothing about which one.
const GENERIC_STEPS: &[&str] = &[
    "rss",
    "rss2",
    "feed",
    "feeds",
    "atom",
    "xml",
    "index",
    "rdf",
    "syndication",
];

/// What an import adds and what it leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportPlan {
    /// In the file's order.
    pub added: Vec<NewSource>,
    /// Feeds whose URL the config already has.
    pub already_configured: Vec<Url>,
    /// Later outlines of a URL the file lists more than once (the first one is taken).
    pub repeated: Vec<Url>,
}

/// The sources `list` adds to `config`.
pub fn plan_import(config: &Config, list: &OpmlList) -> ImportPlan {
    let configured: HashSet<&str> = config
        .sources
        .iter()
        .filter_map(|s| match &s.location {
            SourceLocation::Http(url) => Some(url.as_str()),
            SourceLocation::File(_) => None,
        })
        .collect();
    let mut names: HashSet<String> = config.sources.iter().map(|s| s.name.clone()).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut plan = ImportPlan::default();
    for feed in &list.feeds {
        if configured.contains(feed.url.as_str()) {
            plan.already_configured.push(feed.url.clone());
            continue;
        }
        if !seen.insert(feed.url.to_string()) {
            plan.repeated.push(feed.url.clone());
            continue;
        }
        let name = unique(base_name(feed), &mut names);
        plan.added.push(NewSource {
            name,
            url: feed.url.clone(),
            title: feed.title.clone(),
            tags: feed.tags.clone(),
            site: feed.site.clone(),
        });
    }
    plan
}

/// The name before it is made unique.
fn base_name(feed: &OpmlFeed) -> String {
    let from_title = feed
        .title
        .as_deref()
        .filter(|t| t.chars().any(is_latin_letter))
        .map(slug)
        .filter(|s| !s.is_empty());
    from_title.unwrap_or_else(|| url_name(&feed.url))
}

fn is_latin_letter(c: char) -> bool {
    c.is_alphabetic()
        && matches!(
            unicode_script::UnicodeScript::script(&c),
            unicode_script::Script::Latin
        )
}

/// Lower-case ASCII letters and digits, every other run as one `-`; accents dropped first.
fn slug(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in text.nfd() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else if !unicode_normalization::char::is_combining_mark(c) {
            dash = true;
        }
    }
    cut(out)
}

/// At most [`MAX_NAME`] bytes, cut after a whole word when there is one.
fn cut(name: String) -> String {
    if name.len() <= MAX_NAME {
        return name;
    }
    let head = &name[..MAX_NAME];
    match head.rfind('-') {
        Some(at) if at > 0 => head[..at].to_owned(),
        _ => head.to_owned(),
    }
}

/// `www.kan.org.il/news/rss.xml` → `kan-org-il-news`: the host without `www.`, then the path's
/// steps without file extensions or words that only say "feed".
fn url_name(url: &Url) -> String {
    let host = url.host_str().unwrap_or("feed");
    let host = host.strip_prefix("www.").unwrap_or(host);
    let steps: Vec<String> = url
        .path_segments()
        .into_iter()
        .flatten()
        .map(|step| {
            let step = step.rsplit_once('.').map_or(step, |(stem, _)| stem);
            let decoded = percent_decoded(step);
            slug(&decoded)
        })
        .filter(|step| !step.is_empty() && !GENERIC_STEPS.contains(&step.as_str()))
        .collect();
    let mut name = slug(host);
    for step in steps {
        name.push('-');
        name.push_str(&step);
    }
    let name = cut(name);
    if name.is_empty() {
        "feed".to_owned()
    } else {
        name
    }
}

fn percent_decoded(step: &str) -> String {
    url::form_urlencoded::parse(format!("x={step}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// `base`, or `base-2`, `base-3`… whichever is not in `names` yet; recorded there.
fn unique(base: String, names: &mut HashSet<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while names.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    names.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(url: &str, title: Option<&str>) -> OpmlFeed {
        OpmlFeed {
            url: Url::parse(url).unwrap(),
            title: title.map(str::to_owned),
            site: None,
            tags: vec![],
            line: 1,
            column: 1,
        }
    }

    #[test]
    fn names_from_latin_titles_else_from_the_url() {
        let cases = [
            (
                "https://www.timesofisrael.com/feed/",
                Some("The Times of Israel"),
                "the-times-of-israel",
            ),
            (
                "https://www.kan.org.il/news/rss.xml",
                Some("כאן חדשות"),
                "kan-org-il-news",
            ),
            (
                "https://www.ynet.co.il/Integration/StoryRss2.xml",
                Some("ynet - חדשות"),
                "ynet",
            ),
            (
                "https://www.lemonde.fr/rss/une.xml",
                Some("Le Monde – À la une"),
                "le-monde-a-la-une",
            ),
            ("https://example.org/feed", None, "example-org"),
            ("https://rt.com/rss/", Some("RT на русском"), "rt"),
            (
                "https://aljazeera.net/aljazeerarss/a7c186be.xml",
                Some("الجزيرة"),
                "aljazeera-net-aljazeerarss-a7c186be",
            ),
            (
                "https://example.org/%D7%97%D7%93%D7%A9%D7%95%D7%AA/rss",
                Some("!!!"),
                "example-org",
            ),
            (
                "https://example.org/a",
                Some("A very long title that goes on and on about many things"),
                "a-very-long-title-that-goes-on-and-on",
            ),
        ];
        for (url, title, expected) in cases {
            assert_eq!(base_name(&feed(url, title)), expected, "{url} {title:?}");
        }
    }

    #[test]
    fn names_are_unique_and_valid() {
        let mut names: HashSet<String> = ["kan".to_owned()].into();
        assert_eq!(unique("kan".to_owned(), &mut names), "kan-2");
        assert_eq!(unique("kan".to_owned(), &mut names), "kan-3");
        assert_eq!(unique("toi".to_owned(), &mut names), "toi");
        for name in &names {
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            );
        }
    }
}
