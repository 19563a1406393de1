//! Listing pages: the HTML of a `kind = "page"` source in, one item per `[source.select] item`.
//!
//! In: a decoded HTML [`Document`] and the source's selectors (`sel` takes an element's text,
//! `sel@attr` an attribute). Out: [`FeedEntry`] values in page order, links resolved against the
//! page URL and canonicalized, identified by that link (a listing has no GUIDs); `published`
//! read with the source's timezone; the item's own HTML as its summary when no `summary`
//! selector is given, so the article stage has something when the link cannot be followed.
//! Never: follows the links (that is the pipeline's `follow_links`), keeps an item without an
//! http(s) link, or emits `javascript:`/`data:` URLs.

use scraper::{ElementRef, Html, Selector};

use super::{FeedEntry, Identity, IdentityBasis, LegacyIdentity, Markup, ParseError};
use crate::config::{PageSelectors, SourceConfig};
use crate::dates::{self, Parsed};
use crate::fetch::Document;
use crate::links;
use crate::markup::{FieldSelector, css_selector};

/// `[source.select]`, compiled.
#[derive(Debug, Clone)]
pub struct ListingSelectors {
    item: Selector,
    link: FieldSelector,
    title: Option<FieldSelector>,
    published: Option<FieldSelector>,
    summary: Option<FieldSelector>,
}

impl ListingSelectors {
    pub fn new(select: &PageSelectors) -> Result<ListingSelectors, String> {
        let optional = |s: &Option<String>| s.as_deref().map(FieldSelector::parse).transpose();
        Ok(ListingSelectors {
            item: css_selector(select.item.trim())?,
            link: FieldSelector::parse(&select.link)?,
            title: optional(&select.title)?,
            published: optional(&select.published)?,
            summary: optional(&select.summary)?,
        })
    }
}

/// The items of a listing page.
pub fn entries(document: &Document, source: &SourceConfig) -> Result<Vec<FeedEntry>, ParseError> {
    let select = source.select.as_ref().ok_or_else(|| {
        ParseError::Unsupported("a kind = \"page\" source needs [source.select]".to_owned())
    })?;
    let selectors = ListingSelectors::new(select).map_err(ParseError::Unsupported)?;
    if let Some(reason) = crate::markup::cost::refusal(&document.text) {
        return Err(ParseError::Malformed(reason));
    }
    let html = Html::parse_document(&document.text);
    let language = html
        .root_element()
        .value()
        .attr("lang")
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned);
    let items: Vec<ElementRef<'_>> = html.select(&selectors.item).collect();
    if items.is_empty() {
        return Err(ParseError::NotAFeed(format!(
            "no element on the page matches [source.select] item = {:?}",
            select.item
        )));
    }
    let mut entries = Vec::new();
    for item in items {
        let Some(url) = selectors
            .link
            .value(item)
            .and_then(|link| links::canonical(&link, Some(&document.url)))
        else {
            continue;
        };
        let title = selectors.title.as_ref().and_then(|s| s.value(item));
        let date = selectors
            .published
            .as_ref()
            .and_then(|s| s.value(item))
            .map_or(Parsed::Unreadable, |t| dates::parse(&t, source.timezone));
        let mut warnings = document.warnings.clone();
        if date == Parsed::OutOfRange {
            warnings.push(super::DATE_OUT_OF_RANGE.to_owned());
        }
        let summary = match &selectors.summary {
            Some(s) => s
                .markup(item)
                .map(|(content, is_html)| Markup { content, is_html }),
            None => Some(Markup {
                content: item.inner_html(),
                is_html: true,
            }),
        };
        let link_text = url.as_str().to_owned();
        let body = summary.as_ref().map_or("", |s| s.content.as_str());
        let identity = Identity {
            basis: IdentityBasis::Link,
            key: link_text.clone(),
        };
        let title_text = title.as_deref().unwrap_or_default();
        entries.push(FeedEntry {
            legacy: LegacyIdentity::of(&identity, Some(&url), title_text, body).map(Box::new),
            source_hash: crate::hash::source_hash(title_text, body, &link_text),
            identity,
            url: Some(url),
            title: title.map(|content| Markup {
                content,
                is_html: false,
            }),
            summary,
            content: None,
            authors: Vec::new(),
            published: date.instant(),
            updated: None,
            language: language.clone(),
            warnings,
        });
    }
    if entries.is_empty() {
        return Err(ParseError::NotAFeed(format!(
            "{} elements match item = {:?}, but none has an http(s) link at link = {:?}",
            html.select(&selectors.item).count(),
            select.item,
            select.link
        )));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{NaiveTimezone, SourceKind, SourceLocation};

    fn source(select: PageSelectors) -> SourceConfig {
        SourceConfig {
            timezone: NaiveTimezone::Jerusalem,
            select: Some(select),
            ..SourceConfig::new(
                "listing",
                SourceKind::Page,
                SourceLocation::Http(
                    url::Url::parse("https://news.example/section/")
                        .unwrap_or_else(|e| panic!("{e}")),
                ),
                &crate::config::Defaults::default(),
            )
        }
    }

    fn document(html: &str) -> Document {
        crate::fetch::document(
            url::Url::parse("https://news.example/section/").unwrap_or_else(|e| panic!("{e}")),
            Some("text/html; charset=utf-8"),
            html.as_bytes(),
            crate::fetch::DocumentKind::Html,
            None,
        )
    }

    const PAGE: &str = r#"<html lang="he"><body><nav><a href="/">בית</a></nav>
<ul class="news">
 <li class="story"><a href="/a/1?utm_source=x"><h2> ראש הממשלה   נפגש</h2></a><time datetime="2024-11-20T18:00:00">היום</time><p>תקציר <b>אחד</b></p></li>
 <li class="story"><a href="javascript:void(0)"><h2>bad</h2></a></li>
 <li class="story"><a href="https://other.example/b#top"><h2>Second</h2></a><p>Two</p></li>
</ul></body></html>"#;

    #[test]
    fn items_links_titles_dates_and_summaries() {
        let src = source(PageSelectors {
            item: "li.story".to_owned(),
            link: "a@href".to_owned(),
            title: Some("h2".to_owned()),
            published: Some("time@datetime".to_owned()),
            summary: Some("p".to_owned()),
        });
        let found = entries(&document(PAGE), &src).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.len(), 2, "the javascript: item is dropped");
        let first = &found[0];
        assert_eq!(
            first.url.as_ref().map(url::Url::as_str),
            Some("https://news.example/a/1")
        );
        assert_eq!(first.identity.basis, IdentityBasis::Link);
        assert_eq!(
            first.title.as_ref().map(|t| t.content.as_str()),
            Some("ראש הממשלה נפגש")
        );
        // Israeli time, UTC+2 in November.
        assert_eq!(
            first.published.map(|p| p.to_rfc3339()),
            Some("2024-11-20T16:00:00+00:00".to_owned())
        );
        assert_eq!(
            first
                .summary
                .as_ref()
                .map(|s| (s.content.as_str(), s.is_html)),
            Some(("תקציר <b>אחד</b>", true))
        );
        assert_eq!(first.language.as_deref(), Some("he"));
        assert_eq!(
            found[1].url.as_ref().map(url::Url::as_str),
            Some("https://other.example/b")
        );
        // Stable: the same page gives the same identities and hashes.
        let again = entries(&document(PAGE), &src).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found, again);
    }

    #[test]
    fn the_item_itself_can_be_the_link() {
        let src = source(PageSelectors {
            item: "ul.news a".to_owned(),
            link: "@href".to_owned(),
            title: Some("h2".to_owned()),
            published: None,
            summary: None,
        });
        let found = entries(&document(PAGE), &src).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.len(), 2);
        assert!(found[0].summary.is_some(), "the item's HTML is the summary");
    }

    #[test]
    fn selectors_that_match_nothing_are_named() {
        let src = source(PageSelectors {
            item: "article.none".to_owned(),
            link: "a@href".to_owned(),
            title: None,
            published: None,
            summary: None,
        });
        let err = entries(&document(PAGE), &src).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "not a feed: no element on the page matches [source.select] item = \"article.none\""
            )
        );
        assert_eq!(
            FieldSelector::parse("li[@href").err().as_deref(),
            Some("invalid CSS selector \"li[\": Unexpected EOL")
        );
        assert!(FieldSelector::parse("time@datetime").is_ok());
    }
}
