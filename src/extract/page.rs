//! Article pages: the HTML of one article page in, the article (and only the article) out.
//!
//! In: a decoded HTML document, its URL and the source's [`PageRules`]. Out: a [`Page`] — title,
//! author, publication time, the declared `lang`/`dir`, and the body as blocks in document order
//! (headings, paragraphs, embedded posts in place).
//! Never: keeps navigation, headers, footers, cookie banners, share bars, related/most-read
//! lists, comments, scripts or styles; drops an embedded post that is inside the article.

use chrono::{DateTime, Utc};
use scraper::{Html, Selector};
use url::Url;

use super::Block;
use super::embed;
use super::html::{self, Marks};
use crate::text::Dir;

/// A source's own extraction rules (`[source.extract]`), compiled.
#[derive(Debug, Clone, Default)]
pub struct PageRules {
    /// The article body, when the generic algorithm picks the wrong element.
    pub body: Option<Selector>,
    /// Elements to drop before anything else.
    pub remove: Vec<Selector>,
}

/// A `[source.extract]` selector that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CSS selector {selector:?}: {cause}")]
pub struct RuleError {
    pub selector: String,
    pub cause: String,
}

impl PageRules {
    pub fn new(body: Option<&str>, remove: &[String]) -> Result<PageRules, RuleError> {
        let compile = |s: &str| {
            Selector::parse(s).map_err(|e| RuleError {
                selector: s.to_owned(),
                cause: e.to_string(),
            })
        };
        Ok(PageRules {
            body: body.map(compile).transpose()?,
            remove: remove
                .iter()
                .map(|s| compile(s))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// What an article page yields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// `og:title`, else `<title>` (site name suffix removed), else the first `h1`.
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// `<html lang>` as written.
    pub lang: Option<String>,
    /// `<html dir>` / `<body dir>`.
    pub dir: Option<Dir>,
    pub blocks: Vec<Block>,
}

/// Extracts the article of one page.
pub fn extract(html_text: &str, url: Option<&Url>, rules: &PageRules) -> Page {
    let _ = url;
    let doc = Html::parse_document(html_text);
    let mut marks = Marks {
        embeds: embed::find(doc.root_element()),
        ..Marks::default()
    };
    for selector in &rules.remove {
        marks.removed.extend(doc.select(selector).map(|e| e.id()));
    }
    let root = rules
        .body
        .as_ref()
        .and_then(|s| doc.select(s).next())
        .unwrap_or_else(|| doc.root_element());
    Page {
        blocks: html::blocks_of(root, &marks),
        ..Page::default()
    }
}
