//! Large XML feeds in parts, so that feed-rs's model of a document (about 1 KB an item whatever
//! the item's size: 190 MB for a 10 MB feed of 182,000 tiny items) never exists for more than
//! one part at a time.
//!
//! In: the text of an RSS 1.0/2.0 or Atom document, as feed-rs would read it. Out: smaller
//! documents of at most a given number of items, each the original's head (everything before
//! the first item), a run of consecutive items, and the original's tail (everything after the
//! last item) — slices of the original, read through one reader each, so that no copy of a large
//! document is made. feed-rs reads an item without looking at the others, so the parts' items,
//! in order, are the document's items, and each part has the document's feed-level elements.
//! Never: changes a byte of an item, or splits a document whose items are interleaved with other
//! channel elements (a `<language>` between two items would reach only one part), that is not
//! well-formed, or that is small (the caller reads those whole).

use quick_xml::Reader;
use quick_xml::events::Event;

/// Documents smaller than this are read whole: their model is small anyway.
pub(super) const SPLIT_FROM_BYTES: usize = 1 << 20;

/// Items in one part: feed-rs's model of a part stays around 1 MB.
pub(super) const ITEMS_PER_PART: usize = 1000;

/// One part of a document: its head, a run of its items, its tail — read as one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Part<'t> {
    head: &'t str,
    items: &'t str,
    tail: &'t str,
}

impl<'t> Part<'t> {
    /// The part's bytes, without copying the document.
    pub(super) fn reader(self) -> impl std::io::Read + 't {
        use std::io::Read;
        self.head
            .as_bytes()
            .chain(self.items.as_bytes())
            .chain(self.tail.as_bytes())
    }
}

/// `text` as documents (two at least) of at most `per_part` items each, or `None` when it is read
/// whole: no more than `per_part` items, not well-formed, or items interleaved with other
/// elements. The caller decides whether the document is large enough ([`SPLIT_FROM_BYTES`]).
pub(super) fn split(text: &str, per_part: usize) -> Option<Vec<Part<'_>>> {
    let items = item_spans(text)?;
    let per_part = per_part.max(1);
    if items.starts.len() <= per_part {
        return None;
    }
    let head = &text[..items.starts[0]];
    let tail = &text[items.end..];
    let documents = items
        .starts
        .chunks(per_part)
        .enumerate()
        .map(|(index, starts)| {
            // Up to the next part's first item, so that the text between items (whitespace,
            // comments) is in exactly one part, as in the document.
            let to = items
                .starts
                .get((index + 1) * per_part)
                .copied()
                .unwrap_or(items.end);
            Part {
                head,
                items: &text[starts[0]..to],
                tail,
            }
        })
        .collect();
    Some(documents)
}

/// Where a document's items are: the byte offset of each item's `<`, and the end of the last.
#[derive(Debug, PartialEq, Eq)]
struct ItemSpans {
    starts: Vec<usize>,
    end: usize,
}

/// The items of the feed in `text`: `<item>` in the first `<channel>` of `<rss>`, `<item>` in
/// `<rdf:RDF>`, `<entry>` in `<feed>`. `None` when the document is not well-formed, has no
/// items, or has anything but whitespace and comments between two of its items.
fn item_spans(text: &str) -> Option<ItemSpans> {
    let mut reader = Reader::from_str(text);
    let mut depth = 0usize;
    // The depth of the items (the children of their container) and their name; the depth is
    // `usize::MAX` once the container has closed (a second `<channel>` is not read by feed-rs).
    let mut items: Option<(usize, &'static str)> = None;
    let mut starts = Vec::new();
    let mut end = 0usize;
    // Something other than an item, whitespace or a comment came after an item: no item may
    // follow (it would go to the tail, which every part repeats).
    let mut other_after_item = false;
    loop {
        let before = usize::try_from(reader.buffer_position()).ok()?;
        let event = reader.read_event().ok()?;
        let at_items = items.is_some_and(|(d, _)| d == depth);
        let after_first = at_items && !starts.is_empty();
        match &event {
            Event::Eof => break,
            Event::Start(element) | Event::Empty(element) => {
                let empty = matches!(event, Event::Empty(_));
                let local = element.local_name();
                let name = local.as_ref();
                if depth == 0 {
                    items = match name {
                        "feed" => Some((1, "entry")),
                        "RDF" => Some((1, "item")),
                        "rss" => None,
                        _ => return None,
                    };
                } else if depth == 1 && items.is_none() && name == "channel" {
                    items = Some((if empty { usize::MAX } else { 2 }, "item"));
                } else if at_items {
                    if items.is_some_and(|(_, item)| item == name) {
                        if other_after_item {
                            return None;
                        }
                        starts.push(before);
                        if empty {
                            end = usize::try_from(reader.buffer_position()).ok()?;
                        }
                    } else if after_first {
                        other_after_item = true;
                    }
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(element) => {
                depth = depth.checked_sub(1)?;
                match items {
                    Some((d, item)) if d == depth && element.local_name().as_ref() == item => {
                        end = usize::try_from(reader.buffer_position()).ok()?;
                    }
                    Some((d, item)) if d == depth + 1 => items = Some((usize::MAX, item)),
                    _ => {}
                }
            }
            Event::Text(text) if after_first && !text.bytes().all(|b| b.is_ascii_whitespace()) => {
                other_after_item = true;
            }
            Event::CData(_) | Event::GeneralRef(_) | Event::PI(_) if after_first => {
                other_after_item = true;
            }
            _ => {}
        }
    }
    if depth != 0 || starts.is_empty() {
        return None;
    }
    Some(ItemSpans { starts, end })
}

/// `text` with its run of items written `times` times over (tests: any feed becomes one that
/// splits).
#[cfg(test)]
pub(super) fn with_items_repeated(text: &str, times: usize) -> Option<String> {
    let items = item_spans(text)?;
    let first = items.starts[0];
    Some(format!(
        "{}{}{}",
        &text[..first],
        text[first..items.end].repeat(times),
        &text[items.end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rss(items: usize, between: &str) -> String {
        let mut text = String::from(
            "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>T</title><language>he</language>\n",
        );
        for i in 0..items {
            if i > 0 {
                text.push_str(between);
            }
            text.push_str(&format!(
                "<item><title>{i}</title><description><![CDATA[<p>a</item> b</p>]]></description></item>"
            ));
        }
        text.push_str("\n<ttl>5</ttl></channel></rss>\n");
        text
    }

    #[test]
    fn items_are_found_with_their_exact_bounds() {
        let text = rss(3, "\n  <!-- c -->\n");
        let spans = item_spans(&text).unwrap();
        assert_eq!(spans.starts.len(), 3);
        assert!(text[spans.starts[0]..].starts_with("<item><title>0<"));
        assert!(text[spans.starts[2]..].starts_with("<item><title>2<"));
        assert!(text[..spans.end].ends_with("</description></item>"));
        assert!(text[spans.end..].starts_with("\n<ttl>"));
    }

    #[test]
    fn parts_are_head_items_tail_and_hold_every_item_once() {
        let text = rss(1000, "\n");
        let parts = split(&text, 334).unwrap();
        assert_eq!(parts.len(), 3);
        let head = &text[..text.find("<item>").unwrap()];
        let tail = "\n<ttl>5</ttl></channel></rss>\n";
        let mut middle = String::new();
        for part in &parts {
            let mut read = String::new();
            std::io::Read::read_to_string(&mut part.reader(), &mut read).unwrap();
            assert_eq!(read, format!("{}{}{}", part.head, part.items, part.tail));
            assert!(read.starts_with(head) && read.ends_with(tail));
            middle.push_str(&read[head.len()..read.len() - tail.len()]);
        }
        assert_eq!(format!("{head}{middle}{tail}"), text);
    }

    #[test]
    fn atom_and_rdf_items_are_found() {
        let atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><entry><id>1</id></entry> <entry/><link href=\"x\"/></feed>";
        let spans = item_spans(atom).unwrap();
        assert_eq!(spans.starts.len(), 2);
        assert_eq!(&atom[spans.end..], "<link href=\"x\"/></feed>");
        let rdf = "<rdf:RDF xmlns:rdf=\"r\"><channel><title>t</title></channel><item><title>1</title></item></rdf:RDF>";
        assert_eq!(item_spans(rdf).unwrap().starts.len(), 1);
    }

    #[test]
    fn documents_that_cannot_be_shared_out_are_read_whole() {
        // Another channel element between items would reach one part only.
        assert_eq!(item_spans(&rss(3, "<language>en</language>")), None);
        assert_eq!(item_spans(&rss(3, "stray text")), None);
        // Not well-formed, no items, not a feed.
        assert_eq!(item_spans("<rss><channel><item></channel></rss>"), None);
        assert_eq!(
            item_spans("<rss><channel><title>t</title></channel></rss>"),
            None
        );
        assert_eq!(item_spans("<html><body><item/></body></html>"), None);
        // A second channel's items are not items (feed-rs reads the first channel).
        let two = "<rss><channel><item/></channel><channel><item/><item/></channel></rss>";
        assert_eq!(item_spans(two).unwrap().starts.len(), 1);
        // No more items than a part holds: read whole.
        assert_eq!(split(&rss(3, "\n"), 3), None);
        assert_eq!(split(&rss(64, "\n"), 64), None);
        assert_eq!(split(&rss(65, "\n"), 64).map(|p| p.len()), Some(2));
        assert_eq!(split(&rss(129, "\n"), 64).map(|p| p.len()), Some(3));
    }
}
