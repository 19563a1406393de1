//! Simple feed markup read without the HTML parser.
//!
//! In: an HTML fragment — an item's description or content. Out: its blocks, exactly as
//! [`super::html::blocks`] gives them through html5ever, or `None` when the fragment needs the
//! parser. Most feed markup is paragraphs of text with a few inline elements and character
//! references; building a tree for each item was the largest cost of extracting a feed's
//! items. What is read here is what html5ever reads without repairing anything: `p`, `br`, `img`
//! and a short list of inline elements, properly nested (an end tag closes the innermost open
//! element), comments, the XML character references, `&nbsp;` and numeric references to
//! ordinary characters.
//! Never: guesses. A paragraph inside a paragraph, a stray or misnested end tag, a `<` that
//! opens no tag, any other element, reference or markup declaration, NUL, a leading byte-order
//! mark, or an attribute an embedded post is recognised by — the parser reads the fragment.

use super::Block;
use super::html::{Declared, Walker};

/// Elements with no block and no special text of their own, which html5ever keeps as written
/// when they are properly nested.
const INLINE: [&str; 17] = [
    "a", "abbr", "b", "cite", "code", "em", "i", "mark", "q", "s", "small", "span", "strong",
    "sub", "sup", "time", "u",
];

/// Elements without content (`<br>` is a line break; `<img>` adds nothing).
const VOID: [&str; 2] = ["br", "img"];

/// An attribute that makes an element an embedded post (`extract::embed`): the parser's path
/// finds it.
const EMBED_ATTRIBUTE: &str = "data-telegram-post";

/// The blocks of `html` when it is simple markup (see the module documentation), else `None`.
pub(super) fn blocks(html: &str) -> Option<Vec<Block>> {
    if html.starts_with('\u{FEFF}') || html.contains('\0') {
        return None;
    }
    let mut walker = Walker::default();
    let mut declared: Vec<Declared<'_>> = Vec::new();
    // Open elements, innermost last (their names are `'static` entries of the lists above).
    let mut open: Vec<&'static str> = Vec::new();
    let mut text = String::new();
    let mut rest = html;
    while !rest.is_empty() {
        let stop = rest.find(['<', '&']).unwrap_or(rest.len());
        text.push_str(&rest[..stop]);
        rest = &rest[stop..];
        if let Some(after) = rest.strip_prefix('&') {
            let (decoded, used) = reference(after)?;
            text.push_str(decoded.encode_utf8(&mut [0; 4]));
            rest = &after[used..];
            continue;
        }
        if rest.is_empty() {
            break;
        }
        walker.push_text(&text);
        text.clear();
        let (tag, used) = tag(rest)?;
        rest = &rest[used..];
        match tag {
            Tag::Comment => {}
            Tag::Start {
                name,
                lang,
                dir,
                self_closing,
            } => {
                let void = VOID.contains(&name);
                if self_closing && !void {
                    // `<p/>` opens a paragraph in HTML; the parser says what it contains.
                    return None;
                }
                if name == "p" && open.contains(&"p") {
                    return None;
                }
                if name == "a" && open.contains(&"a") {
                    return None;
                }
                walker.open(name, lang, dir, &mut declared);
                if void {
                    walker.close(name, &mut declared);
                } else {
                    open.push(name);
                }
            }
            Tag::End { name } => {
                if open.last() != Some(&name) {
                    return None;
                }
                open.pop();
                walker.close(name, &mut declared);
            }
        }
    }
    walker.push_text(&text);
    // Elements still open at the end close there, innermost first, as the parser closes them.
    while let Some(name) = open.pop() {
        walker.close(name, &mut declared);
    }
    Some(walker.finish())
}

/// A tag read from the fragment.
#[derive(Debug, PartialEq, Eq)]
enum Tag<'a> {
    Start {
        name: &'static str,
        lang: Option<&'a str>,
        dir: Option<&'a str>,
        self_closing: bool,
    },
    End {
        name: &'static str,
    },
    Comment,
}

/// The tag at the start of `rest` (which starts with `<`) and its length, if it is one read
/// here.
fn tag(rest: &str) -> Option<(Tag<'_>, usize)> {
    let bytes = rest.as_bytes();
    if let Some(comment) = rest.strip_prefix("<!--") {
        // `<!-->` and `<!--->` are comments that end at once, and `--!>` ends one too: the
        // parser's rules, not read here.
        if comment.starts_with('>') || comment.starts_with("->") {
            return None;
        }
        let end = comment.find("-->")?;
        if comment[..end].contains("--!>") {
            return None;
        }
        return Some((Tag::Comment, 4 + end + 3));
    }
    let closing = bytes.get(1) == Some(&b'/');
    let name_start = if closing { 2 } else { 1 };
    let name_len = bytes[name_start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = known_name(&rest[name_start..name_start + name_len])?;
    let mut at = name_start + name_len;
    if closing {
        at += whitespace(&rest[at..]);
        return (bytes.get(at) == Some(&b'>')).then_some((Tag::End { name }, at + 1));
    }
    let (mut lang, mut dir) = (None, None);
    loop {
        let spaces = whitespace(&rest[at..]);
        at += spaces;
        match bytes.get(at)? {
            b'>' => break,
            b'/' if bytes.get(at + 1) == Some(&b'>') => {
                return Some((
                    Tag::Start {
                        name,
                        lang,
                        dir,
                        self_closing: true,
                    },
                    at + 2,
                ));
            }
            // Attributes are separated by whitespace; anything else is the parser's to read.
            _ if spaces == 0 => return None,
            _ => {}
        }
        let (attribute, value, used) = attribute(&rest[at..])?;
        at += used;
        if attribute.eq_ignore_ascii_case(EMBED_ATTRIBUTE) {
            return None;
        }
        // The parser keeps the first of two attributes with one name.
        let slot = if attribute.eq_ignore_ascii_case("lang") {
            &mut lang
        } else if attribute.eq_ignore_ascii_case("dir") {
            &mut dir
        } else {
            continue;
        };
        if slot.is_none() {
            // Only these two values are used: one with a reference or a CR (which the parser
            // would turn into LF) is the parser's.
            if value.contains(['&', '\r']) {
                return None;
            }
            *slot = Some(value);
        }
    }
    Some((
        Tag::Start {
            name,
            lang,
            dir,
            self_closing: false,
        },
        at + 1,
    ))
}

/// `name` (any case) as an entry of [`INLINE`], [`VOID`] or `p`.
fn known_name(name: &str) -> Option<&'static str> {
    std::iter::once(&"p")
        .chain(INLINE.iter())
        .chain(VOID.iter())
        .find(|known| known.eq_ignore_ascii_case(name))
        .copied()
}

/// The attribute at the start of `rest`: its name, its value (empty without one) and its
/// length. `None` for what the parser reports as an error (quotes or `<` in a name, an
/// unquoted value with quotes, `<`, `=` or a backtick, a value without its closing quote).
fn attribute(rest: &str) -> Option<(&str, &str, usize)> {
    let bytes = rest.as_bytes();
    let name_len = bytes
        .iter()
        .take_while(|b| !b.is_ascii_whitespace() && !matches!(b, b'/' | b'>' | b'='))
        .count();
    let name = &rest[..name_len];
    if name.is_empty() || name.contains(['"', '\'', '<']) {
        return None;
    }
    let mut at = name_len + whitespace(&rest[name_len..]);
    if bytes.get(at) != Some(&b'=') {
        // No value: the whitespace after the name belongs to the next attribute.
        return Some((name, "", name_len));
    }
    at += 1;
    at += whitespace(&rest[at..]);
    match bytes.get(at)? {
        quote @ (b'"' | b'\'') => {
            let value_start = at + 1;
            let len = rest[value_start..].find(char::from(*quote))?;
            Some((
                name,
                &rest[value_start..value_start + len],
                value_start + len + 1,
            ))
        }
        _ => {
            let len = bytes[at..]
                .iter()
                .take_while(|b| !b.is_ascii_whitespace() && **b != b'>')
                .count();
            let value = &rest[at..at + len];
            if value.is_empty() || value.contains(['"', '\'', '<', '=', '`']) {
                return None;
            }
            Some((name, value, at + len))
        }
    }
}

/// The length of the HTML whitespace at the start of `text`.
fn whitespace(text: &str) -> usize {
    text.bytes()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0C))
        .count()
}

/// The character a reference stands for, and the length of what follows its `&` (`after`).
/// A bare `&` (before whitespace, `<` or the end) is itself.
fn reference(after: &str) -> Option<(char, usize)> {
    if after.is_empty() || after.starts_with(|c: char| c.is_ascii_whitespace() || c == '<') {
        return Some(('&', 0));
    }
    for (name, c) in [
        ("amp;", '&'),
        ("lt;", '<'),
        ("gt;", '>'),
        ("quot;", '"'),
        ("apos;", '\''),
        ("nbsp;", '\u{A0}'),
    ] {
        if after.starts_with(name) {
            return Some((c, name.len()));
        }
    }
    let number = after.strip_prefix('#')?;
    let (digits, radix, prefix) = match number.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16, 2),
        None => (number, 10, 1),
    };
    let len = digits
        .bytes()
        .take_while(|b| (*b as char).is_digit(radix))
        .count();
    if len == 0 || len > 7 || digits.as_bytes().get(len) != Some(&b';') {
        return None;
    }
    let value = u32::from_str_radix(&digits[..len], radix).ok()?;
    // The parser replaces or remaps control characters, surrogates, noncharacters and
    // out-of-range values (C1 controls become Windows-1252 characters): those are its to read.
    let ordinary = matches!(value, 0x09 | 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFDCF | 0xFDF0..=0x10FFFF)
        && value & 0xFFFE != 0xFFFE;
    if !ordinary {
        return None;
    }
    Some((char::from_u32(value)?, prefix + len + 1))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::extract::html::parsed_blocks;

    /// Pieces of feed markup read here (in some orders).
    fn simple_piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "word",
            " ",
            "  ",
            "\n",
            "\r\n",
            "\t",
            "\u{c}",
            "שלום",
            "Tel Aviv",
            "ב־GPS",
            ".",
            ">",
            "&amp;",
            "&lt;",
            "&gt;",
            "&quot;",
            "&apos;",
            "&nbsp;",
            "&#1488;",
            "&#x5D0;",
            "&#X5d0;",
            "&#65;",
            "&#10;",
            "& ",
            "&",
            "<p>",
            "</p>",
            "<P>",
            "</P >",
            "<p dir=rtl lang=he>",
            "<p dir=\"RTL\">",
            "<p lang=\"\">",
            "<p lang=' '>",
            "<p dir=\"rtl\" dir=\"ltr\">",
            "<p dir=\"up\">",
            "<b>",
            "</b>",
            "<B>",
            "<i>",
            "</i>",
            "<em>",
            "</em>",
            "<strong>",
            "</strong>",
            "<span>",
            "</span>",
            "<span dir='rtl'>",
            "<span lang=en-US>",
            "<q>",
            "</q>",
            "<code>",
            "</code>",
            "<a href=\"https://x.example/?a=1&amp;b=2\">",
            "<a href=x>",
            "<a>",
            "</a>",
            "<a  href = \"x\" >",
            "<br>",
            "<br/>",
            "<br />",
            "<img src=x alt=\"a>b\">",
            "<img src=x/>",
            "<img src=\"x\" alt/>",
            "<!-- c -->",
            "<!---->",
        ])
    }

    /// Pieces that are the parser's to read.
    fn other_piece() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "&#128;",
            "&#0;",
            "&#xD800;",
            "&#xFFFE;",
            "&#1114112;",
            "&copy;",
            "&amp",
            "&AMP;",
            "&#;",
            "&#x;",
            "<p/>",
            "<p lang=\"he&amp;\">",
            "<a href=\"unterminated>",
            "<a href=a\"b>",
            "<a href=\"x\"title=\"y\">",
            "</br>",
            "<br/ >",
            "<span data-telegram-post=\"kann/1\">",
            "<div>",
            "</div>",
            "<h2>",
            "</h2>",
            "<ul><li>",
            "</li></ul>",
            "<pre>",
            "</pre>",
            "<!-->",
            "<!--->",
            "<!-- a --!> b -->",
            "<!doctype html>",
            "< b",
            "<3",
            "a<b",
            "<b-x>",
            "<o:p>",
            "</o:p>",
            "<script>",
            "</script>",
            "\u{FEFF}",
            "\0",
        ])
    }

    fn simple_fragment() -> impl Strategy<Value = String> {
        prop::collection::vec(simple_piece(), 0..24).prop_map(|pieces| pieces.concat())
    }

    fn any_fragment() -> impl Strategy<Value = String> {
        let piece = prop_oneof![4 => simple_piece(), 1 => other_piece()];
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    proptest::proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Whatever is read here is read exactly as the parser reads it.
        #[test]
        fn simple_markup_reads_as_the_parser_reads_it(html in simple_fragment()) {
            if let Some(blocks) = blocks(&html) {
                prop_assert_eq!(blocks, parsed_blocks(&html), "{:?}", html);
            }
        }

        /// Mixed with what is not read here, too.
        #[test]
        fn any_markup_reads_as_the_parser_reads_it_or_goes_to_it(html in any_fragment()) {
            if let Some(blocks) = blocks(&html) {
                prop_assert_eq!(blocks, parsed_blocks(&html), "{:?}", html);
            }
        }
    }

    #[test]
    fn feed_descriptions_are_read_without_the_parser() {
        for html in [
            "<p>Rivka Stern מחברת Arbel Labs: 2,784 עובדים.</p><p>R&amp;D at <strong>Modiin Motors</strong>.</p>",
            "<p dir=\"rtl\" lang=\"he\">שלום<br/>עולם</p>\n<p><a href=\"https://x.example/?a=1&amp;b=2\">Read more</a></p>",
            "plain text &nbsp;&#x5D0;&#1488; <img src=\"a.jpg\" alt=\"x > y\"> tail <!-- ad --> <em>end",
        ] {
            let simple = blocks(html);
            assert!(simple.is_some(), "{html}");
            assert_eq!(simple, Some(parsed_blocks(html)), "{html}");
        }
    }

    /// The descriptions and contents of the corpus feeds: every one read here is read as the
    /// parser reads it.
    #[test]
    fn corpus_feed_markup_reads_as_the_parser_reads_it() {
        let source = crate::test_corpus::feed_source();
        let url = url::Url::parse("https://example.org/feed.xml").unwrap_or_else(|e| panic!("{e}"));
        let (mut simple, mut parsed) = (0, 0);
        for path in crate::test_corpus::feed_files() {
            let bytes = crate::test_corpus::read(&path);
            let document = crate::fetch::document(
                url.clone(),
                None,
                &bytes,
                crate::fetch::DocumentKind::Xml,
                None,
            );
            let Ok(entries) = crate::parse::entries(&document, &source) else {
                continue;
            };
            let markup = entries
                .iter()
                .flat_map(|e| [&e.content, &e.summary, &e.title]);
            for html in markup
                .flatten()
                .filter(|m| m.is_html)
                .map(|m| m.content.as_str())
            {
                match blocks(html) {
                    Some(blocks) => {
                        assert_eq!(blocks, parsed_blocks(html), "{path}: {html:?}");
                        simple += 1;
                    }
                    None => parsed += 1,
                }
            }
        }
        eprintln!("{simple} fragments read here, {parsed} left to the parser");
        assert!(simple >= 550, "only {simple} fragments read here");
    }

    #[test]
    fn markup_the_parser_repairs_is_left_to_it() {
        for html in [
            "<p>one<p>two",
            "<p><b>bold</p>after</b>",
            "text</p>",
            "<a href=x>one<a href=y>two</a></a>",
            "<div>block</div>",
            "a < b",
            "&copy; 2026",
            "&#150;",
            "<p/>text",
            "<span data-telegram-post=\"kann_news/1\"></span>",
            "\u{FEFF}<p>x</p>",
            "<!-->x",
        ] {
            assert_eq!(blocks(html), None, "{html}");
        }
    }
}
