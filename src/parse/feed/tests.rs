//! The feed reader's tests: every repair and item rule on small documents, and the crashes
//! fuzzing found.

use super::items::{HTML_ELEMENTS, utf8_references_decoded};
use super::prepare::{
    escape_naked_markup, has_xml_illegal_chars, is_xml_illegal, without_late_xml_declarations,
};
use super::repair::close_mismatched_elements;
use super::scan::{decode_base64_text, set_attribute, with_name};
use super::*;
use crate::fetch::{CharsetDecision, CharsetRule};
use crate::parse::{FeedEntry, IdentityBasis};
use crate::test_corpus::feed_source as source;

mod fuzz_regressions {
    use super::*;

    #[test]
    fn a_second_xml_declaration_with_another_encoding_is_dropped_not_a_panic() {
        // fuzz/artifacts/feed/crash-eb0c49cb: quick-xml panicked in set_encoding().
        let text = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>https://numi.st/<?xml version=\"1.0\" encoding=\"windows-1255\"?></id><title>t</title><entry><id>e1</id><title>x</title></entry></feed>";
        let fixed = without_late_xml_declarations(text).unwrap_or_default();
        assert_eq!(fixed.matches("<?xml").count(), 1);
        assert!(fixed.contains("<id>https://numi.st/</id>"));
        let base = Url::parse("https://numi.st/feed.xml").unwrap_or_else(|e| panic!("{e}"));
        let parsed = parse_with_repairs(text, normalize(text), &base, NaiveTimezone::Fixed(0));
        assert!(parsed.is_ok(), "{parsed:?}");
        assert_eq!(
            without_late_xml_declarations("<?xml version=\"1.0\"?><rss/>"),
            None
        );
        // fuzz/artifacts/feed/crash-8ab36960: a comment first, the declaration after it.
        let late = "<!-- x -->\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><?xml version=\"1.0\" encoding=\"WINDOWS-1255\"?><id>a</id></feed>";
        assert_eq!(
            without_late_xml_declarations(late).as_deref(),
            Some("<!-- x -->\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>a</id></feed>")
        );
        assert!(parse_with_repairs(late, normalize(late), &base, NaiveTimezone::Fixed(0)).is_ok());
        // fuzz/artifacts/feed/crash-b57e1fcc: a non-ASCII character right after an e-mail
        // address in a contact made feed-rs slice inside it.
        let contact = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid><title>x</title><author>a@b.cd„Name“</author></item></channel></rss>";
        let parsed =
            parse_with_repairs(contact, normalize(contact), &base, NaiveTimezone::Fixed(0));
        assert!(matches!(parsed, Ok(Some(_))), "{parsed:?}");
        // fuzz/artifacts/feed/crash-1db5fe0f: a symbol (windows-1252 0x98, "˜") right before
        // the address, inside the name's parentheses.
        let contact = "<rss version=\"2.0\"><channel><item><author>Author Name (em\u{2dc}il@example.org)</author></item></channel></rss>";
        match parse_with_repairs(contact, normalize(contact), &base, NaiveTimezone::Fixed(0)) {
            Ok(Some(feed)) => assert_eq!(feed.entries.len(), 1),
            other => panic!("{other:?}"),
        }
        // fuzz/artifacts/feed/crash-ef8b5fa3: a declaration cut short, running into another.
        let cut = "<?xml version=\"1.0\" encoding=\"windows-1255\"?\0\0?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>t</title></channel></rss>";
        assert!(!matches!(
            parse_with_repairs(cut, normalize(cut), &base, NaiveTimezone::Fixed(0)),
            Err(ParseError::Crashed(_))
        ));
    }
}

fn document(text: &str) -> Document {
    Document {
        url: Url::parse("https://example.org/feeds/rss.xml").unwrap_or_else(|e| panic!("{e}")),
        media_type: None,
        kind: DocumentKind::Xml,
        text: text.to_owned(),
        charset: CharsetDecision {
            encoding: "UTF-8",
            rule: CharsetRule::Ascii,
            declared: None,
        },
        warnings: Vec::new(),
        size: text.len() as u64,
    }
}

fn parse(text: &str) -> Result<Vec<FeedEntry>, ParseError> {
    entries(&document(text), &source()).map(|items| items.entries)
}

/// Text typed as plain text keeps `<` and `>`; RSS and JSON Feed text that looks like HTML
/// (a closing tag or a reference, only HTML elements) is HTML, as feedparser decides.
#[test]
fn plain_text_is_text_and_rss_text_that_looks_like_html_is_html() {
    let atom = parse(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>
<entry><id>1</id><title type="text">History of the &lt;blink&gt; tag</title></entry>
<entry><id>2</id><title type="html">History of the &lt;b&gt;bold&lt;/b&gt; tag</title></entry>
<entry><id>3</id><title>A &lt;/p&gt; in plain text</title></entry></feed>"#,
    )
    .unwrap();
    let titles: Vec<(&str, bool)> = atom
        .iter()
        .filter_map(|e| e.title.as_ref())
        .map(|t| (t.content.as_str(), t.is_html))
        .collect();
    assert_eq!(
        titles,
        vec![
            ("History of the <blink> tag", false),
            ("History of the <b>bold</b> tag", true),
            ("A </p> in plain text", false),
        ]
    );
    let rss = parse(
        r#"<rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>History of the &lt;blink&gt; tag</title></item>
<item><guid>2</guid><title>&lt;b&gt;Bold&lt;/b&gt; news</title></item>
<item><guid>3</guid><title>Tom &amp;amp; Jerry</title></item>
<item><guid>4</guid><title>AT&amp;T and 3 &lt; 4</title></item>
<item><guid>5</guid><title>&lt;blink&gt;x&lt;/blink&gt;</title></item>
</channel></rss>"#,
    )
    .unwrap();
    let html: Vec<bool> = rss
        .iter()
        .filter_map(|e| e.title.as_ref())
        .map(|t| t.is_html)
        .collect();
    assert_eq!(html, vec![false, true, true, false, false]);
    assert!(HTML_ELEMENTS.windows(2).all(|w| w[0] < w[1]), "sorted");
}

/// An RSS contact is `email (Name)`: the name; an address alone is the address.
#[test]
fn rss_contacts_give_the_name() {
    let items = parse(
        r#"<rss version="2.0"><channel><title>t</title>
<item><guid>1</guid><title>a</title><author>me@example.com (Example editor)</author></item>
<item><guid>2</guid><title>b</title><author>only@example.com</author></item>
<item><guid>3</guid><title>c</title><author>Dana Levi</author></item>
<item><guid>4</guid><title>d</title><author>John (Jack) Smith</author></item>
</channel></rss>"#,
    )
    .unwrap();
    let authors: Vec<Vec<String>> = items.into_iter().map(|i| i.authors).collect();
    assert_eq!(
        authors,
        vec![
            vec!["Example editor".to_owned()],
            vec!["only@example.com".to_owned()],
            vec!["Dana Levi".to_owned()],
            vec!["John (Jack) Smith".to_owned()],
        ]
    );
}

#[test]
fn rss_item_fields_and_identity_policy() {
    let items = parse(r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title><language>he</language>
<item><guid>g-1</guid><title>שלום &amp; ברכה</title><link>/news/1?utm_source=rss#c</link><pubDate>Wed, 20 Nov 2024 21:30:00 +0200</pubDate><description><![CDATA[<p>גוף</p>]]></description><dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">כתב</dc:creator></item>
<item><title>no guid</title><link>https://example.org/news/2</link></item>
<item><title>only a title</title></item>
</channel></rss>"#).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<(IdentityBasis, &str)> = items
        .iter()
        .map(|i| (i.identity.basis, i.identity.key.as_str()))
        .collect();
    assert_eq!(ids[0], (IdentityBasis::Guid, "g-1"));
    assert_eq!(ids[1], (IdentityBasis::Link, "https://example.org/news/2"));
    assert_eq!(ids[2].0, IdentityBasis::TitleDate);
    let first = &items[0];
    assert_eq!(
        first.url.as_ref().map(Url::as_str),
        Some("https://example.org/news/1")
    );
    assert_eq!(
        first.title.as_ref().map(|t| t.content.as_str()),
        Some("שלום & ברכה")
    );
    assert_eq!(
        first
            .summary
            .as_ref()
            .map(|m| (m.content.as_str(), m.is_html)),
        Some(("<p>גוף</p>", true))
    );
    assert_eq!(first.authors, ["כתב"]);
    assert_eq!(first.language.as_deref(), Some("he"));
    assert_eq!(
        first.published.map(|d| d.to_rfc3339()),
        Some("2024-11-20T19:30:00+00:00".to_owned())
    );
}

#[test]
fn identities_are_stable_across_parses() {
    let feed = r#"<rss version="2.0"><channel><item><title>a</title><pubDate>Wed, 20 Nov 2024 21:30:00 +0200</pubDate></item></channel></rss>"#;
    let a = parse(feed).unwrap_or_else(|e| panic!("{e}"));
    let b = parse(feed).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a[0].identity, b[0].identity);
    assert_eq!(a[0].source_hash, b[0].source_hash);
}

#[test]
fn repeated_guids_are_told_apart() {
    let items = parse(
        r#"<rss version="2.0"><channel>
<item><guid>same</guid><title>a</title><link>https://example.org/a</link></item>
<item><guid>same</guid><title>b</title><link>https://example.org/b</link></item>
<item><guid>same</guid><title>c</title></item>
<item><guid>other</guid><title>d</title></item>
</channel></rss>"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let keys: Vec<&str> = items.iter().map(|i| i.identity.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "same\nhttps://example.org/a",
            "same\nhttps://example.org/b",
            "same\n#3",
            "other"
        ]
    );
}

#[test]
fn bare_ampersands_and_missing_rss_version_are_repaired() {
    let items = parse("junk\n<rss><channel><item><title>Q&A with Tom & Jerry &amp; co &#1513;</title><guid>1</guid></item></channel></rss>")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        items[0].title.as_ref().map(|t| t.content.as_str()),
        Some("Q&A with Tom & Jerry & co ש")
    );
}

#[test]
fn one_odd_text_element_does_not_sink_the_feed() {
    let atom = parse(r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="text/plain">f</title>
<entry><id>1</id><title type="HTML">A &lt;b&gt;bold&lt;/b&gt; title</title><summary type='Text'>s</summary></entry>
<entry><id>2</id><title type="application/x-custom">custom</title><content type="XHTML"><div xmlns="http://www.w3.org/1999/xhtml">c</div></content></entry>
<entry><id>3</id><title>plain <![CDATA[<title type="kept">]]></title></entry></feed>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let titles: Vec<(&str, bool)> = atom
        .iter()
        .filter_map(|i| i.title.as_ref().map(|t| (t.content.as_str(), t.is_html)))
        .collect();
    assert_eq!(
        titles,
        [
            ("A <b>bold</b> title", true),
            ("custom", false),
            ("plain <title type=\"kept\">", false)
        ]
    );
    let rss = parse(r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>t</title>
<item><guid>1</guid><title>a</title><media:description></media:description><media:title type="text">m</media:title></item>
<item><guid>2</guid><title>b</title><media:group><media:description type="plain"/><media:title> </media:title></media:group></item>
</channel></rss>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let titles: Vec<&str> = rss
        .iter()
        .filter_map(|i| i.title.as_ref().map(|t| t.content.as_str()))
        .collect();
    assert_eq!(titles, ["a", "b"]);
}

#[test]
fn a_bare_ampersand_inside_an_item_is_repaired_without_a_panic() {
    let items = parse(r#"<rss version="2.0"><channel><title>t</title><item><guid>1</guid><title>Q&A</title></item></channel></rss>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        items[0].title.as_ref().map(|t| t.content.as_str()),
        Some("Q&A")
    );
}

#[test]
fn html_pages_and_empty_documents_are_named() {
    assert_eq!(
        parse("<!DOCTYPE html><html><body>hi</body></html>"),
        Err(ParseError::NotAFeed(
            "the document is an HTML page, not a feed".into()
        ))
    );
    assert_eq!(
        parse("   "),
        Err(ParseError::NotAFeed("the document is empty".into()))
    );
    let mut html = document("<html></html>");
    html.kind = DocumentKind::Html;
    assert!(matches!(
        entries(&html, &source()),
        Err(ParseError::NotAFeed(_))
    ));
}

#[test]
fn json_feed_and_atom() {
    let json = parse(r#"{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"j1","url":"https://example.org/j1","title":"JSON item","content_html":"<p>x</p>","date_published":"2024-11-20T19:30:00Z"}]}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            json[0].identity.key.as_str(),
            json[0].url.as_ref().map(Url::as_str)
        ),
        ("j1", Some("https://example.org/j1"))
    );
    let atom = parse(r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en"><title>a</title><id>urn:f</id><updated>2024-11-20T19:30:00Z</updated>
<entry><id>urn:e1</id><title type="html">A &lt;b&gt;bold&lt;/b&gt; title</title><link href="/e/1"/><updated>2024-11-20T19:30:00Z</updated></entry></feed>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        atom[0].url.as_ref().map(Url::as_str),
        Some("https://example.org/e/1")
    );
    assert_eq!(atom[0].title.as_ref().map(|t| t.is_html), Some(true));
    assert_eq!(
        atom[0].published.map(|d| d.to_rfc3339()),
        Some("2024-11-20T19:30:00+00:00".to_owned())
    );
}

#[test]
fn javascript_links_are_never_item_urls() {
    let items = parse(r#"<rss version="2.0"><channel><item><title>x</title><link>javascript:alert(1)</link></item></channel></rss>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(items[0].url, None);
}

fn titles(items: &[FeedEntry]) -> Vec<&str> {
    items
        .iter()
        .filter_map(|i| i.title.as_ref().map(|t| t.content.as_str()))
        .collect()
}

fn urls(items: &[FeedEntry]) -> Vec<Option<&str>> {
    items
        .iter()
        .map(|i| i.url.as_ref().map(Url::as_str))
        .collect()
}

#[test]
fn atom_03_is_read_as_atom_10() {
    let items = parse(r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#" xml:lang="en"><title>f</title>
<tagline mode="escaped" type="text/html">&lt;b&gt;t&lt;/b&gt;</tagline><copyright>c</copyright>
<entry><id>tag:e1</id><title mode="base64">RW50cnkgVGl0bGU=</title><link rel="alternate" type="text/html" href="https://example.org/e/1"/>
<issued>2004-01-02T03:04:05Z</issued><modified>2004-01-03T03:04:05Z</modified><created>2003-12-31T00:00:00Z</created>
<summary type="text/html" mode="escaped">&lt;p&gt;S&lt;/p&gt;</summary>
<content type="application/xhtml+xml"><div xmlns="http://www.w3.org/1999/xhtml"><p>C</p></div></content></entry>
<entry><id>tag:e2</id><title type="text/plain">Plain</title><content type="image/png" mode="base64">iVBORw0KGgo=</content></entry>
<entry><id>tag:e3</id><title type="text/html" mode="base64">Jmx0O2ImZ3Q7Qm9sZCZsdDsvYiZndDs=</title></entry>
</feed>"#)
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        titles(&items),
        ["Entry Title", "Plain", "&lt;b&gt;Bold&lt;/b&gt;"]
    );
    let first = &items[0];
    assert_eq!(
        first.url.as_ref().map(Url::as_str),
        Some("https://example.org/e/1")
    );
    assert_eq!(
        first.published.map(|d| d.to_rfc3339()),
        Some("2004-01-02T03:04:05+00:00".to_owned())
    );
    assert_eq!(
        first.updated.map(|d| d.to_rfc3339()),
        Some("2004-01-03T03:04:05+00:00".to_owned())
    );
    assert_eq!(
        first
            .summary
            .as_ref()
            .map(|m| (m.content.as_str(), m.is_html)),
        Some(("<p>S</p>", true))
    );
    assert_eq!(
        first
            .content
            .as_ref()
            .map(|m| (m.content.as_str(), m.is_html)),
        Some(("<p>C</p>", true))
    );
    assert_eq!(first.language.as_deref(), Some("en"));
    // A PNG is not text: the content is dropped, the item kept.
    assert_eq!(items[1].content, None);
    assert_eq!(items[2].title.as_ref().map(|t| t.is_html), Some(true));

    // Without a namespace, `version="0.3"` says it; a prefixed 0.3 feed works the same.
    let bare = parse(r#"<feed version="0.3"><entry><id>1</id><title>Bare</title><issued>2004-01-02T03:04:05Z</issued></entry></feed>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(titles(&bare), ["Bare"]);
    assert!(bare[0].published.is_some());
    let prefixed = parse(r#"<a:feed xmlns:a="http://purl.org/atom/ns#" version="0.3"><a:entry><a:id>1</a:id><a:title>Prefixed</a:title><a:modified>2004-01-02T03:04:05Z</a:modified></a:entry></a:feed>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(titles(&prefixed), ["Prefixed"]);
    assert!(prefixed[0].updated.is_some());
}

#[test]
fn rss_090_is_read_as_rss_10() {
    let items = parse(r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel><title>c</title><link>https://example.org/</link><description>d</description></channel>
<item><title>Old</title><link>https://example.org/old</link></item></rdf:RDF>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(titles(&items), ["Old"]);
    assert_eq!(urls(&items), [Some("https://example.org/old")]);
}

#[test]
fn rss_1_items_without_a_link_are_kept_with_rdf_about_as_identity() {
    let items = parse(r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://example.org/index.rdf"><title>c</title><link>https://example.org/</link></channel>
<item rdf:about="https://example.org/entry/1"><title>No link</title></item>
<item rdf:about="https://example.org/entry/2"><title>Linked</title><link>https://example.org/entry/2?utm_source=rss</link></item>
<item><description>Neither link nor about</description><link> </link></item>
</rdf:RDF>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<(IdentityBasis, &str)> = items
        .iter()
        .map(|i| (i.identity.basis, i.identity.key.as_str()))
        .collect();
    assert_eq!(
        ids[..2],
        [
            (IdentityBasis::Guid, "https://example.org/entry/1"),
            (IdentityBasis::Link, "https://example.org/entry/2"),
        ]
    );
    assert_eq!(ids[2].0, IdentityBasis::Content);
    // rdf:about is the item's identity, not a link the publisher gave.
    assert_eq!(
        urls(&items),
        [None, Some("https://example.org/entry/2"), None]
    );
}

#[test]
fn unescaped_child_elements_of_text_elements_are_kept_as_markup() {
    let rss = parse(r#"<rss version="2.0"><channel><title>c</title>
<item><title><p>Item <b>Title</b></p></title><description><p>a &amp; b<br/><![CDATA[x < y]]></p></description><guid isPermaLink="false"><p>abc</p></guid></item>
<item><title>Text first <i>then</i> more</title></item>
</channel></rss>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        titles(&rss),
        ["<p>Item <b>Title</b></p>", "Text first <i>then</i> more"]
    );
    assert_eq!(
        rss[0]
            .summary
            .as_ref()
            .map(|m| (m.content.as_str(), m.is_html)),
        Some(("<p>a &amp; b<br/>x &lt; y</p>", true))
    );
    assert_eq!(rss[0].identity.key, "<p>abc</p>");
    // An end tag inside that closes an element opened outside: broken, not naked markup.
    assert_eq!(
        escape_naked_markup(
            "<rss><channel><item><title>One</titel></item></title></channel></rss>"
        ),
        None
    );

    let atom = parse(r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>f</title>
<entry><id>1</id><title type="html">Example <a href="test.html">test</a></title><summary><b>naked</b> text</summary></entry>
<entry><id>2</id><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Kept <b>as</b> xhtml</div></title>
<content type="html">
  <div xmlns="http://www.w3.org/1999/xhtml">&lt;p&gt;Entry Content&lt;/p&gt;</div>
</content></entry></feed>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        titles(&atom),
        [
            "Example <a href=\"test.html\">test</a>",
            "Kept <b>as</b> xhtml"
        ]
    );
    // A `text` construct holding elements is HTML that was not escaped.
    assert_eq!(
        atom[0]
            .summary
            .as_ref()
            .map(|m| (m.content.as_str(), m.is_html)),
        Some(("<b>naked</b> text", true))
    );
    assert_eq!(
        atom[1].content.as_ref().map(|m| m.content.trim()),
        Some("<div xmlns=\"http://www.w3.org/1999/xhtml\">&lt;p&gt;Entry Content&lt;/p&gt;</div>")
    );
}

#[test]
fn characters_xml_does_not_allow_are_removed() {
    let items = parse("<rss version=\"2.0\"><channel><item><title>ab\u{8}c\u{1}d\u{FFFE}</title></item></channel></rss>")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(titles(&items), ["abcd"]);
    let json = parse("{\"version\":\"https://jsonfeed.org/version/1\",\"title\":\"j\",\"items\":[{\"id\":\"1\",\"title\":\"a\u{8}b\"}]}")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(titles(&json), ["ab"]);
}

#[test]
fn the_byte_scans_agree_with_the_char_by_char_checks() {
    // The form the declaration search had before it skipped to `?`, with the same loop.
    let before = |text: &str| -> Option<String> {
        let find = |from: usize| {
            text.as_bytes()[from..]
                .windows(5)
                .position(|w| w.eq_ignore_ascii_case(b"<?xml"))
                .map(|at| from + at)
        };
        let start = text.len()
            - text
                .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
                .len();
        let kept_until = if text.as_bytes()[start..].len() >= 5
            && text.as_bytes()[start..start + 5].eq_ignore_ascii_case(b"<?xml")
        {
            start + 5
        } else {
            0
        };
        let mut next = find(kept_until)?;
        let mut out = String::new();
        let mut copied = 0;
        loop {
            out.push_str(&text[copied..next]);
            copied = text[next..].find("?>").map_or(text.len(), |e| next + e + 2);
            match find(copied) {
                Some(at) => next = at,
                None => break,
            }
        }
        out.push_str(&text[copied..]);
        Some(out)
    };
    for text in [
        "",
        "plain",
        "\u{FEFF}<?xml version=\"1.0\"?><rss/>",
        "<?xml version=\"1.0\"?><rss><?XmL version=\"1.0\" encoding=\"latin1\"?></rss>",
        "<!-- c --><?xml version=\"1.0\"?><rss/>",
        "?<?xml?",
        "ש?<?xml ש",
        "<<??xml <?xm <?xmL",
        "a?b?c<?x",
        "<?xml?><?xml?><?xml",
    ] {
        assert_eq!(
            without_late_xml_declarations(text),
            before(text),
            "{text:?}"
        );
    }
    for text in [
        "",
        "plain ascii\tand\r\nbreaks",
        "עברית",
        "\u{FEFF}bom",
        "fullwidth \u{FF21}",
        "a\u{FFFE}",
        "a\u{FFFF}",
        "\u{1}",
        "\u{1F}",
        "\u{7F} is allowed",
        &format!("{}\u{B}", "x".repeat(200)),
    ] {
        assert_eq!(
            has_xml_illegal_chars(text),
            text.contains(is_xml_illegal),
            "{text:?}"
        );
    }
}

#[test]
fn json_feeds_with_a_bare_version_number_are_read() {
    for version in ["1", "1.0", "1.1"] {
        let items = parse(&format!(r#"{{"version":"{version}","title":"j","items":[{{"id":"j1","title":"JSON {version}"}}]}}"#))
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        assert_eq!(titles(&items), [format!("JSON {version}")]);
    }
    assert_eq!(
        parse(r#"{"version":"2","title":"j","items":[]}"#),
        Err(ParseError::Unsupported("JSON Feed version 2".into()))
    );
}

#[test]
fn an_rss_root_without_a_channel_is_an_empty_feed() {
    for feed in [
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n</rss>",
        "<!DOCTYPE rss SYSTEM \"http://my.netscape.com/publish/formats/rss-0.91.dtd\">\n<rss version=\"0.91\"></rss>",
        "<rss version=\"0.94\"><!-- nothing --></rss>",
        "<rss/>",
    ] {
        assert_eq!(parse(feed), Ok(Vec::new()), "{feed}");
    }
    // Not when there is a channel feed-rs could not read, or the document is cut off.
    assert!(matches!(
        parse("<rss version=\"2.0\"><channel><item><title>x</title></item>"),
        Err(ParseError::Malformed(_))
    ));
    assert!(parse("<rss version=\"2.0\">").is_err());
}

#[test]
fn misspelled_and_missing_end_tags_are_repaired() {
    let items = parse(
        r#"<rss version="2.0"><channel><language>en-us</langauge>
<item><title>One</titel><description><p>a<br>b</p></description></item>
<item><title>Two</title><source url="https://example.org/s">S</item></channel></rss>"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(titles(&items), ["One", "Two"]);
    // Left open inside a text element: kept as the markup it is (see the naked markup test).
    assert_eq!(
        items[0].summary.as_ref().map(|m| m.content.as_str()),
        Some("<p>a<br>b</p>")
    );
    assert_eq!(
        close_mismatched_elements("<a><b x='1'>t</c><d><br>u</d></a></a>"),
        "<a><b x='1'>t</b><d><br/>u</d></a>"
    );
    assert_eq!(items[0].language.as_deref(), Some("en-us"));
    let atom = parse(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">F</subtitle>
<entry><id>1</id><title>E</title></entry></feed>"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(titles(&atom), ["E"]);
}

#[test]
fn atom_base64_text_is_decoded() {
    let items = parse(r#"<feed xmlns="http://www.w3.org/2005/Atom">
<entry><id>1</id><title type="application/octet-stream">PHA+RW50cnkgVGl0bGU8L3A+</title>
<content type="application/octet-stream">RW50cnkg
Q29udGVudA==</content></entry>
<entry><id>2</id><title>Binary</title><content type="application/octet-stream">//79</content></entry>
</feed>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(titles(&items), ["<p>Entry Title</p>", "Binary"]);
    assert_eq!(items[0].title.as_ref().map(|t| t.is_html), Some(false));
    assert_eq!(
        items[0]
            .content
            .as_ref()
            .map(|m| (m.content.as_str(), m.is_html)),
        Some(("Entry Content", false))
    );
    assert_eq!(items[1].content, None);
    assert_eq!(
        decode_base64_text("RW50cnkgVGl0bGU"),
        Some("Entry Title".to_owned())
    );
    assert_eq!(decode_base64_text("not base64!"), None);
    assert_eq!(decode_base64_text("QQ==QQ=="), None);
}

#[test]
fn a_comments_page_is_never_the_item_link() {
    let items = parse(r#"<rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/"><channel>
<item><comments>https://example.org/1#comments</comments></item>
<item><title>t</title><comments>https://example.org/2/comments</comments><wfw:commentRss>https://example.org/2/feed</wfw:commentRss></item>
</channel></rss>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    // The first item has nothing but its comments: it is skipped.
    assert_eq!(titles(&items), ["t"]);
    assert_eq!(urls(&items), [None]);
    let atom = parse(r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title>a</title>
<link rel="replies" href="https://example.org/1/comments"/><link rel="related" href="https://example.org/about"/></entry></feed>"#)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(urls(&atom), [Some("https://example.org/about")]);
}

#[test]
fn a_panic_in_feed_rs_is_a_parse_error() {
    // feed-rs unwraps `u64` parses of durations: 23 digits overflow.
    for feed in [
        r#"<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><item><title>x</title><itunes:duration>99999999999999999999999</itunes:duration></item></channel></rss>"#,
        r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><item><title>x</title><media:content url="https://example.org/a.mp4"><media:thumbnail url="https://example.org/t.jpg" time="99999999999999999999999"/></media:content></item></channel></rss>"#,
    ] {
        match parse(feed) {
            Err(ParseError::Crashed(message)) => assert!(message.contains("feed-rs panicked")),
            other => panic!("expected a crash report, got {other:?}"),
        }
    }
}

#[test]
fn pieces_put_back_together_are_the_text() {
    let text = "junk < 3 <?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b>\">]><!-- c > --><a k='v>'>t<![CDATA[<no>]]><b/></a><cut";
    let cut: Vec<(Piece, &str)> = pieces(text).collect();
    assert_eq!(cut.iter().map(|(_, p)| *p).collect::<String>(), text);
    let kinds: Vec<Piece> = cut.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds,
        [
            Piece::Text,
            Piece::Text,
            Piece::Other,
            Piece::Other,
            Piece::Other,
            Piece::Start,
            Piece::Text,
            Piece::Cdata,
            Piece::Empty,
            Piece::End,
            Piece::Start
        ]
    );
    assert_eq!(
        set_attribute("<t type='a' mode=\"b\">", "mode", None),
        "<t type='a'>"
    );
    assert_eq!(
        set_attribute("<t type='a'>", "type", Some("html")),
        "<t type=\"html\">"
    );
    assert_eq!(with_name("</a:issued >", "published"), "</a:published >");
}

/// Every corpus feed with items gives, read in parts (as small as one item a part), exactly the
/// items it gives read whole.
#[test]
fn corpus_feeds_read_in_parts_give_the_same_items() {
    let files = crate::test_corpus::feed_files();
    let base = Url::parse("https://example.org/feeds/rss.xml").unwrap_or_else(|e| panic!("{e}"));
    let (mut compared, mut read_whole) = (0, 0);
    for path in &files {
        let bytes = crate::test_corpus::read(path);
        let document = crate::fetch::document(base.clone(), None, &bytes, DocumentKind::Xml, None);
        // Every feed with an item, its items three times over: one that splits, whatever its
        // markup. Repeated ids are disambiguated the same way whole or in parts.
        let Some(repeated) = parts::with_items_repeated(&normalize(&document.text), 3) else {
            continue;
        };
        let document = Document {
            text: repeated,
            ..document
        };
        let normalized = normalize(&document.text);
        let whole = parse_with_repairs(
            &document.text,
            normalized.clone(),
            &base,
            NaiveTimezone::Fixed(0),
        )
        .map(|feed| {
            let mut items = Items::default();
            if let Some(feed) = feed {
                push_items(feed, &document, &mut items);
            }
            disambiguate_repeated_guids(&mut items.entries);
            disambiguate_shared_links(&mut items.entries);
            (items.entries, items.empty)
        });
        match entries_in_parts(&normalized, &document, &source(), 1) {
            Some(in_parts) => {
                assert_eq!(Ok((in_parts.entries, in_parts.empty)), whole, "{path}");
                compared += 1;
            }
            None => read_whole += 1,
        }
    }
    eprintln!(
        "{compared} feeds compared in parts, {read_whole} read whole, of {}",
        files.len()
    );
    assert!(
        compared >= 320,
        "only {compared} corpus feeds could be split"
    );
}

#[test]
fn utf8_written_a_byte_at_a_time_is_the_character() {
    for (written, meant) in [
        ("Wait&#226;&#128;&#166; it", "Wait… it"),
        ("&#xE2;&#x80;&#x9C;quoted&#xE2;&#x80;&#x9D;", "“quoted”"),
        ("&#215;&#169;&#215;&#156;&#215;&#149;&#215;&#157;", "שלום"),
        // The XML parser's characters for the same bytes.
        ("Wait\u{e2}\u{80}\u{a6} it", "Wait… it"),
    ] {
        assert_eq!(utf8_references_decoded(written), meant, "{written}");
    }
}

#[test]
fn references_and_characters_that_spell_no_utf8_stay() {
    for text in [
        "caf&#233; &#169; 2026",
        "&#226;&#128; cut short",
        "&#65;&#66;",
        "Ã© written on purpose, שלום, “quotes”, Привет",
        "a C1 control alone: \u{85} stays",
    ] {
        assert_eq!(utf8_references_decoded(text), text);
    }
}
