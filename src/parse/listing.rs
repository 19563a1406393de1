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

use super::{FeedEntry, Identity, IdentityBasis, Items, LegacyIdentity, Markup, ParseError};
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

/// The items of a listing page, with warnings for selectors that match nothing in most items
/// and dates that cannot be read. A `link` without `@attr` whose values are an element's text,
/// not URLs (`@href` forgotten), is an error naming the selector: its items would all have
/// made-up links.
pub fn entries(document: &Document, source: &SourceConfig) -> Result<Items, ParseError> {
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
    let mut tally = Tally::default();
    for item in &items {
        let item = *item;
        let Some(link) = selectors.link.value(item) else {
            continue;
        };
        if !selectors.link.reads_attribute() && !looks_like_url(&link) {
            tally.text_links.push(link);
            continue;
        }
        let Some(url) = links::canonical(&link, Some(&document.url)) else {
            continue;
        };
        let title = selectors.title.as_ref().and_then(|s| s.value(item));
        tally.no_title += usize::from(selectors.title.is_some() && title.is_none());
        let written = selectors.published.as_ref().and_then(|s| s.value(item));
        tally.no_date += usize::from(selectors.published.is_some() && written.is_none());
        let date =
            written
                .as_deref()
                .map_or(Parsed::Unreadable, |t| match &select.published_format {
                    Some(format) => dates::parse_with_format(t, format, source.timezone),
                    None => dates::parse(t, source.timezone),
                });
        if let (Some(written), Parsed::Unreadable) = (&written, date) {
            tally.unreadable_dates.push(written.clone());
        }
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
        tally.no_summary += usize::from(
            selectors.summary.is_some()
                && summary.as_ref().is_none_or(|s| s.content.trim().is_empty()),
        );
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
    if entries.is_empty() && !tally.text_links.is_empty() {
        return Err(ParseError::Unsupported(format!(
            "link = {:?} gives the text of an element ({:?}), not a URL; write the attribute \
             that holds the URL, like link = \"{}@href\"",
            select.link,
            tally.text_links[0],
            select.link.trim()
        )));
    }
    if entries.is_empty() {
        return Err(ParseError::NotAFeed(format!(
            "{} elements match item = {:?}, but none has an http(s) link at link = {:?}",
            items.len(),
            select.item,
            select.link
        )));
    }
    let warnings = tally.warnings(select, items.len());
    Ok(Items {
        entries,
        empty: 0,
        warnings,
    })
}

/// What a page's selectors found and missed, over its items.
#[derive(Debug, Default)]
struct Tally {
    /// `link` values that are not URLs (an element's text).
    text_links: Vec<String>,
    no_title: usize,
    no_date: usize,
    no_summary: usize,
    /// `published` values that no date rule (or `published_format`) reads.
    unreadable_dates: Vec<String>,
}

impl Tally {
    /// One warning per selector that matched nothing in most of the `items`, and for dates
    /// that could not be read.
    fn warnings(&self, select: &PageSelectors, items: usize) -> Vec<String> {
        let mut warnings = Vec::new();
        if !self.text_links.is_empty() {
            warnings.push(format!(
                "{} items skipped: link = {:?} gave text, not a URL (like {:?})",
                self.text_links.len(),
                select.link,
                self.text_links[0]
            ));
        }
        let most = |missed: usize| missed > 0 && missed * 2 >= items;
        for (key, value, missed) in [
            ("title", &select.title, self.no_title),
            ("published", &select.published, self.no_date),
            ("summary", &select.summary, self.no_summary),
        ] {
            if let Some(value) = value
                && most(missed)
            {
                warnings.push(format!(
                    "[source.select] {key} = {value:?} matches nothing in {missed} of {items} items"
                ));
            }
        }
        if let Some(example) = self.unreadable_dates.first() {
            let hint = match &select.published_format {
                Some(format) => format!("they do not match published_format = {format:?}"),
                None => {
                    "set [source.select] published_format (strftime, like \"%H:%M | %d.%m.%y\")"
                        .to_owned()
                }
            };
            warnings.push(format!(
                "{} dates could not be read (like {example:?}): {hint}",
                self.unreadable_dates.len()
            ));
        }
        warnings
    }
}

/// Whether a `link` value can be a URL: no spaces, and a scheme, or the shape of a path
/// (`/a/1`, `story.html`, `?id=3`). An element's text — a headline — is neither.
fn looks_like_url(value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() || value.contains(char::is_whitespace) {
        return false;
    }
    let scheme = value.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    scheme || value.starts_with(['/', '.', '?', '#']) || value.contains(['/', '.'])
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
            published_format: None,
            summary: Some("p".to_owned()),
        });
        let found = entries(&document(PAGE), &src)
            .unwrap_or_else(|e| panic!("{e}"))
            .entries;
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
        let again = entries(&document(PAGE), &src)
            .unwrap_or_else(|e| panic!("{e}"))
            .entries;
        assert_eq!(found, again);
    }

    #[test]
    fn the_item_itself_can_be_the_link() {
        let src = source(PageSelectors {
            item: "ul.news a".to_owned(),
            link: "@href".to_owned(),
            title: Some("h2".to_owned()),
            published: None,
            published_format: None,
            summary: None,
        });
        let found = entries(&document(PAGE), &src)
            .unwrap_or_else(|e| panic!("{e}"))
            .entries;
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
            published_format: None,
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
            Some(
                "invalid CSS selector \"li[\": it ends too early: close every `[` and `(`, and \
                 give each `.`, `#` and `:` a name"
            )
        );
        assert!(FieldSelector::parse("time@datetime").is_ok());
    }

    /// A ynet-like category page: the headline's text under `.slotTitle a`, its time written
    /// `19:00 | 14.07.26`, no summary element.
    const SLOTS: &str = r#"<html lang="he"><body>
<div class="slot"><div class="slotTitle"><a href="/news/article/1">ראש הממשלה נפגש עם נשיא ארה״ב</a></div><span class="date">19:00 | 14.07.26</span></div>
<div class="slot"><div class="slotTitle"><a href="/news/article/2">גשם ראשון בצפון</a></div><span class="date">08:15 | 15.07.26</span></div>
<div class="slot"><div class="slotTitle"><a href="/news/article/3">Google תפתח מרכז פיתוח</a></div><span class="date">23:59 | 31.12.26</span></div>
</body></html>"#;

    fn slots(link: &str, title: &str, published_format: Option<&str>) -> Result<Items, ParseError> {
        let src = source(PageSelectors {
            item: "div.slot".to_owned(),
            link: link.to_owned(),
            title: Some(title.to_owned()),
            published: Some("span.date".to_owned()),
            published_format: published_format.map(str::to_owned),
            summary: Some("p.teaser".to_owned()),
        });
        entries(&document(SLOTS), &src)
    }

    #[test]
    fn a_link_that_is_an_elements_text_is_an_error_naming_the_selector() {
        let err = slots(".slotTitle a", ".slotTitle", None)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "unsupported: link = \".slotTitle a\" gives the text of an element (\"ראש \
                 הממשלה נפגש עם נשיא ארה״ב\"), not a URL; write the attribute that holds the \
                 URL, like link = \".slotTitle a@href\""
            )
        );
        for url in [
            "/a/1",
            "story.html",
            "https://x.example/1",
            "?id=3",
            "../up",
        ] {
            assert!(looks_like_url(url), "{url}");
        }
        for text in ["ראש הממשלה", "חדשות", "Read more", ""] {
            assert!(!looks_like_url(text), "{text}");
        }
    }

    #[test]
    fn selectors_that_match_nothing_and_unreadable_dates_are_warnings() {
        let items =
            slots(".slotTitle a@href", "h3.missing", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(items.entries.len(), 3);
        assert_eq!(
            items.warnings,
            [
                "[source.select] title = \"h3.missing\" matches nothing in 3 of 3 items",
                "[source.select] summary = \"p.teaser\" matches nothing in 3 of 3 items",
                "3 dates could not be read (like \"19:00 | 14.07.26\"): set [source.select] \
                 published_format (strftime, like \"%H:%M | %d.%m.%y\")",
            ]
        );
        assert!(items.entries.iter().all(|e| e.published.is_none()));
    }

    #[test]
    fn published_format_reads_a_sites_own_dates_in_the_sources_zone() {
        let items = slots(".slotTitle a@href", ".slotTitle", Some("%H:%M | %d.%m.%y"))
            .unwrap_or_else(|e| panic!("{e}"));
        let dates: Vec<String> = items
            .entries
            .iter()
            .filter_map(|e| e.published.map(|d| d.to_rfc3339()))
            .collect();
        // Israel is UTC+3 in July and UTC+2 in December.
        assert_eq!(
            dates,
            [
                "2026-07-14T16:00:00+00:00",
                "2026-07-15T05:15:00+00:00",
                "2026-12-31T21:59:00+00:00"
            ]
        );
        assert_eq!(
            items.warnings,
            ["[source.select] summary = \"p.teaser\" matches nothing in 3 of 3 items"]
        );
    }
}
