//! What the config, parse and extract stages need of HTML before any of them builds a tree: CSS
//! selectors compiled with errors a person can act on, `sel@attr` field selectors, and the cost
//! guard that keeps hostile nesting away from the HTML parser. A leaf: it knows no stage.
//!
//! In: CSS text from the config; HTML text from a document. Out: compiled selectors, values
//! under an element, or whether markup is too costly to parse and its words without a tree.
//! Never: fetches, parses a whole document, or decides what an article is.

pub mod cost;
mod scan;

pub use scan::{find_ignore_case, starts_with_ignore_case};

use scraper::{ElementRef, Selector};

/// Compiles one CSS selector of the config (`[source.select]`, `[source.extract]`); the error
/// says what is wrong in words (scraper's own message for some errors is an apology).
pub fn css_selector(css: &str) -> Result<Selector, String> {
    Selector::parse(css).map_err(|e| {
        let message = e.to_string();
        let reason = if message.starts_with("Unexpected error occurred") {
            // The variant name (`DanglingCombinator`, `EmptySelector`) is on the last line.
            message.lines().last().unwrap_or_default().to_owned()
        } else {
            message
        };
        format!("invalid CSS selector {css:?}: {reason}")
    })
}

/// One `[source.select]` value, compiled: a CSS selector and, for `sel@attr`, the attribute.
#[derive(Debug, Clone)]
pub struct FieldSelector {
    /// `None` for `@attr` alone: the item element itself.
    css: Option<Selector>,
    attr: Option<String>,
}

impl FieldSelector {
    /// Reads `sel` or `sel@attr`; the error says what is wrong with the CSS.
    pub fn parse(value: &str) -> Result<FieldSelector, String> {
        let value = value.trim();
        let (css, attr) = match value.rsplit_once('@') {
            Some((css, attr))
                if !attr.is_empty()
                    && attr
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':')) =>
            {
                (css.trim(), Some(attr.to_ascii_lowercase()))
            }
            _ => (value, None),
        };
        // `@href` alone: the attribute of the item element itself.
        let css = if css.is_empty() {
            None
        } else {
            Some(css_selector(css)?)
        };
        Ok(FieldSelector { css, attr })
    }

    /// The first non-empty value under `item` (the item itself included, for `:scope`), its
    /// whitespace folded.
    pub fn value(&self, item: ElementRef<'_>) -> Option<String> {
        self.elements(item).find_map(|element| {
            let value = match &self.attr {
                Some(attr) => element.value().attr(attr).map(str::to_owned),
                None => Some(element.text().collect::<String>()),
            }?;
            let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
            (!value.is_empty()).then_some(value)
        })
    }

    /// The first matching element's inner HTML (`is_html` true), or the attribute's value as
    /// text.
    pub fn markup(&self, item: ElementRef<'_>) -> Option<(String, bool)> {
        let element = self.elements(item).next()?;
        match &self.attr {
            Some(attr) => element.value().attr(attr).map(|v| (v.to_owned(), false)),
            None => Some((element.inner_html(), true)),
        }
    }

    fn elements<'a>(
        &'a self,
        item: ElementRef<'a>,
    ) -> Box<dyn Iterator<Item = ElementRef<'a>> + 'a> {
        match &self.css {
            None => Box::new(std::iter::once(item)),
            Some(css) => Box::new(item.select(css)),
        }
    }
}
