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
    Selector::parse(css).map_err(|e| format!("invalid CSS selector {css:?}: {}", in_words(&e)))
}

/// What is wrong with a selector, in words a person who writes CSS now and then can act on
/// (scraper names the parser's variant, `ClassNeedsIdent`, or apologises).
fn in_words(error: &scraper::error::SelectorErrorKind) -> String {
    use scraper::error::SelectorErrorKind as Kind;
    let words = match error {
        Kind::UnexpectedToken => {
            "a character or word that cannot appear there (a selector has no `{`, `}` or `;`, and \
             `:nth-child` takes a number or `odd`/`even`)"
        }
        Kind::EndOfLine => {
            "it ends too early: close every `[` and `(`, and give each `.`, `#` and `:` a name"
        }
        Kind::ExpectedColonOnPseudoElement | Kind::ExpectedIdentityOnPseudoElement => {
            "`::` must be followed by a pseudo-element's name"
        }
        Kind::UnexpectedSelectorParseError(kind) => {
            // The selectors crate's own kinds, by name: scraper does not export their type.
            match format!("{kind:?}").as_str() {
                "ClassNeedsIdent" => "`.` must be followed by a class name, as in `.story`",
                "EmptySelector" => {
                    "a part of it is empty: a trailing or doubled comma, or a `#`, `.` or `:` \
                     with no name after it"
                }
                "DanglingCombinator" => {
                    "it ends with a combinator (`>`, `+` or `~`): say which element comes after it"
                }
                "UnsupportedPseudoClassOrElement" | "NoIdentForPseudo" => {
                    "a pseudo-class nahar does not support (`:hover`, `:focus` and the like only \
                     happen in a browser; `:first-child`, `:nth-child(2)`, `:not(…)` and `:has(…)` \
                     work)"
                }
                "NoQualifiedNameInAttributeSelector"
                | "UnexpectedTokenInAttributeSelector"
                | "ExpectedBarInAttr"
                | "BadValueInAttr"
                | "InvalidQualNameInAttr" => {
                    "an attribute test is malformed: write `[name]`, `[name=value]` or \
                     `[name=\"a value\"]`"
                }
                "UnexpectedIdent" => "a name where none can be (a missing space or combinator?)",
                _ => "a construct nahar's CSS engine does not accept",
            }
        }
        Kind::InvalidAtRule
        | Kind::InvalidAtRuleBody
        | Kind::QualRuleInvalid
        | Kind::TooManyNestedBlocks => "not a selector nahar's CSS engine accepts",
    };
    words.to_owned()
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

    /// Whether the value is an attribute's (`sel@attr`), not an element's text.
    pub fn reads_attribute(&self) -> bool {
        self.attr.is_some()
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
