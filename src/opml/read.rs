//! Reading an OPML file: UTF-8 text in, the feeds it lists out (see the module above).
//!
//! OPML 1.0 and 2.0 are read alike: `<opml>` → `<body>` → `<outline>`s, nested to any depth. An
//! outline with an `xmlUrl` is a feed; one without is a folder whose `text` (else `title`) is a
//! step of the category path of the feeds inside it. Attribute names are matched without regard
//! to case (`xmlUrl`, `xmlurl`): exporters disagree. `type` may be `rss`, `atom` or absent; an
//! outline of another type (`link`, `include`) is not a feed and is reported as skipped, as is
//! one whose `xmlUrl` is not an http(s) URL.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use url::Url;

use super::{OpmlError, OpmlFeed, OpmlList, SkippedOutline};

/// What an open element is, for the structure checks and the category path.
#[derive(Debug)]
enum Open {
    Opml,
    Body,
    /// A folder outline and its name (`None`: a folder without a name adds no step).
    Folder(Option<String>),
    /// A feed outline (its children, if any, belong to the enclosing folders).
    Feed,
    Other,
}

/// Reads the OPML document `text`.
pub fn read(text: &str) -> Result<OpmlList, OpmlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut open: Vec<Open> = Vec::new();
    let mut seen_root = false;
    let mut seen_body = false;
    let mut list = OpmlList::default();
    loop {
        let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(at);
            error_at(text, at, format!("not well-formed XML: {e}"))
        })?;
        let (element, empty) = match event {
            Event::Start(element) => (element, false),
            Event::Empty(element) => (element, true),
            Event::End(_) => {
                open.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = element.local_name().as_ref().to_ascii_lowercase();
        let kind = if !seen_root {
            seen_root = true;
            if name != "opml" {
                return Err(error_at(
                    text,
                    at,
                    format!("not an OPML document: the root element is <{name}>, not <opml>"),
                ));
            }
            Open::Opml
        } else {
            match (open.last(), name.as_str()) {
                (Some(Open::Opml), "body") => {
                    seen_body = true;
                    Open::Body
                }
                (Some(Open::Body | Open::Folder(_) | Open::Feed), "outline") => {
                    outline(text, at, &element, &open, &mut list)?
                }
                _ => Open::Other,
            }
        };
        if !empty {
            open.push(kind);
        }
    }
    if !seen_root {
        return Err(error_at(
            text,
            text.len(),
            "not an OPML document: no element at all".to_owned(),
        ));
    }
    if !seen_body {
        return Err(error_at(
            text,
            text.len(),
            "not an OPML document: <opml> has no <body>".to_owned(),
        ));
    }
    Ok(list)
}

/// One `<outline>` at byte `at`: a feed is added to `list` (or to its skipped outlines), a folder
/// returned with its name.
fn outline(
    text: &str,
    at: usize,
    element: &BytesStart<'_>,
    open: &[Open],
    list: &mut OpmlList,
) -> Result<Open, OpmlError> {
    let attributes = attributes(text, at, element)?;
    let get = |name: &str| {
        attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    };
    let label = |first: &str, second: &str| get(first).or(get(second)).map(fold_whitespace);
    let Some(xml_url) = get("xmlurl") else {
        return Ok(Open::Folder(label("text", "title")));
    };
    let (line, column) = position(text, at);
    let mut skip = |reason: String| {
        list.skipped.push(SkippedOutline {
            line,
            column,
            reason,
        });
        Ok(Open::Feed)
    };
    if let Some(kind) = get("type")
        && !["rss", "atom"].contains(&kind.to_ascii_lowercase().as_str())
    {
        return skip(format!(
            "type = {kind:?} is not a feed (rss or atom): {xml_url}"
        ));
    }
    let url = match http_url(xml_url) {
        Some(url) => url,
        None => return skip(format!("xmlUrl is not an http(s) URL: {xml_url:?}")),
    };
    let mut tags: Vec<String> = open
        .iter()
        .filter_map(|o| match o {
            Open::Folder(name) => name.clone(),
            _ => None,
        })
        .collect();
    if tags.is_empty()
        && let Some(categories) = get("category")
    {
        // OPML 2.0: "a string of comma-separated slash-delimited category strings".
        tags = categories
            .split(',')
            .next()
            .unwrap_or_default()
            .split('/')
            .map(fold_whitespace)
            .filter(|step| !step.is_empty())
            .collect();
    }
    list.feeds.push(OpmlFeed {
        url,
        title: label("title", "text"),
        site: get("htmlurl").and_then(http_url),
        tags,
        line,
        column,
    });
    Ok(Open::Feed)
}

/// The element's attributes, names lower-cased, values with entities decoded.
fn attributes(
    text: &str,
    at: usize,
    element: &BytesStart<'_>,
) -> Result<Vec<(String, String)>, OpmlError> {
    let mut out = Vec::new();
    for attribute in element.attributes().with_checks(true) {
        let attribute =
            attribute.map_err(|e| error_at(text, at, format!("not well-formed XML: {e}")))?;
        let key = attribute.key.local_name().as_ref().to_ascii_lowercase();
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| error_at(text, at, format!("attribute {key}: {e}")))?;
        out.push((key, value.into_owned()));
    }
    Ok(out)
}

fn http_url(text: &str) -> Option<Url> {
    Url::parse(text.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
}

/// Runs of whitespace and control characters as one space, none at the ends.
fn fold_whitespace(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn error_at(text: &str, at: usize, message: String) -> OpmlError {
    let (line, column) = position(text, at);
    OpmlError {
        line,
        column,
        message,
    }
}

/// The 1-based line and column (in characters) of byte `at` of `text`.
fn position(text: &str, at: usize) -> (usize, usize) {
    let at = text.floor_char_boundary(at.min(text.len()));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn feeds_folders_entities_and_types() {
        let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>subs</title></head>
  <body>
    <outline text="News">
      <outline text="Israel" title="Israel">
        <outline type="rss" text="Kan" xmlUrl="https://kan.org.il/rss?a=1&amp;b=2" htmlUrl="https://kan.org.il/"/>
      </outline>
      <outline text="Atom one" type="ATOM" xmlurl="http://example.org/atom.xml"/>
    </outline>
    <outline text="No type" xmlUrl="https://example.net/feed"/>
    <outline type="link" text="A page" url="https://example.com/"/>
    <outline type="include" text="Other list" xmlUrl="https://example.com/other.opml"/>
    <outline text="Bad" xmlUrl="javascript:alert(1)"/>
    <outline text="Empty folder"/>
  </body>
</opml>"#;
        let list = read(text).unwrap();
        type View = (String, Option<String>, Vec<String>, Option<String>);
        let feeds: Vec<View> = list
            .feeds
            .iter()
            .map(|f| {
                (
                    f.url.to_string(),
                    f.title.clone(),
                    f.tags.clone(),
                    f.site.as_ref().map(Url::to_string),
                )
            })
            .collect();
        assert_eq!(
            feeds,
            vec![
                (
                    "https://kan.org.il/rss?a=1&b=2".to_owned(),
                    Some("Kan".to_owned()),
                    vec!["News".to_owned(), "Israel".to_owned()],
                    Some("https://kan.org.il/".to_owned())
                ),
                (
                    "http://example.org/atom.xml".to_owned(),
                    Some("Atom one".to_owned()),
                    vec!["News".to_owned()],
                    None
                ),
                (
                    "https://example.net/feed".to_owned(),
                    Some("No type".to_owned()),
                    vec![],
                    None
                ),
            ]
        );
        assert_eq!(list.feeds[0].line, 7);
        assert_eq!(list.feeds[0].column, 9);
        let reasons: Vec<&str> = list.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            reasons,
            vec![
                r#"type = "include" is not a feed (rss or atom): https://example.com/other.opml"#,
                r#"xmlUrl is not an http(s) URL: "javascript:alert(1)""#,
            ]
        );
        assert_eq!(list.skipped[0].line, 13);
    }

    #[test]
    fn an_opml_2_category_is_the_path_of_a_feed_outside_folders() {
        let text = r#"<opml version="2.0"><body>
<outline text="T" xmlUrl="https://a.example/f" category="/Tech/Rust,/Other"/>
</body></opml>"#;
        let list = read(text).unwrap();
        assert_eq!(list.feeds[0].tags, vec!["Tech", "Rust"]);
        assert_eq!(list.feeds[0].url, url("https://a.example/f"));
    }

    #[test]
    fn malformed_documents_are_errors_at_their_line_and_column() {
        let cases = [
            (
                "<opml version=\"2.0\"><body>\n  <outline text=\"a\">\n</body></opml>",
                3,
                1,
                "not well-formed XML",
            ),
            (
                "<opml><body>\n<outline text=\"x\" xmlUrl=\"https://a.example/?q=1&nbsp;\"/></body></opml>",
                2,
                1,
                "attribute xmlurl",
            ),
            ("<rss><channel/></rss>", 1, 1, "root element is <rss>"),
            ("<opml><head/></opml>", 1, 21, "has no <body>"),
            ("", 1, 1, "no element at all"),
            (
                "<opml><body><outline text=\"a\" text=\"b\"/></body></opml>",
                1,
                13,
                "not well-formed XML",
            ),
        ];
        for (text, line, column, message) in cases {
            let error = read(text).unwrap_err();
            assert_eq!(
                (error.line, error.column),
                (line, column),
                "{text}: {error}"
            );
            assert!(error.message.contains(message), "{text}: {error}");
        }
    }

    #[test]
    fn positions_count_characters() {
        assert_eq!(position("ab\nאב<x", 7), (2, 3));
        assert_eq!(position("", 0), (1, 1));
    }
}
