//! A cost guard for the HTML parser: markup in, "is it safe to build a tree from this?" out.
//!
//! In: HTML text (a page or feed content). Out: an estimate of the tree builder's work — the
//! sum, over every start tag, of how many elements are open at that point — and the deepest
//! nesting seen. html5ever checks the stack of open elements on many start and end tags, so a
//! document of n nested elements costs it about n²/2 steps: 40,000 nested `<div>`s take 20 s,
//! 200,000 (a 1 MB page) would take minutes. Real pages stay far below the budget (a deep
//! news page nests ~60 elements: a few million steps for the largest pages of the corpus).
//! Never: parses (a linear byte scan), or refuses markup for anything but this cost. Elements
//! whose end tag HTML allows to be omitted (`p`, `li`, `td`…) and void elements (`br`, `img`…)
//! do not count as open, so sloppy but ordinary markup is not mistaken for deep nesting.

use super::scan::find_ignore_case;

/// Work allowed: about what 10,000 nested elements cost (≈ 1 s in a release build).
pub const MAX_PARSE_COST: u64 = 50_000_000;

/// Elements that never have content, or whose end tag may be omitted (they close themselves
/// when a sibling starts): neither makes the stack of open elements grow without bound.
const NOT_NESTING: [&str; 33] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th",
    "thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp", "rtc",
];

/// What parsing `html` would cost the tree builder, roughly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ParseCost {
    /// Σ open elements at each start tag.
    pub steps: u64,
    /// The deepest nesting seen.
    pub depth: u64,
}

impl ParseCost {
    pub fn too_costly(&self) -> bool {
        self.steps > MAX_PARSE_COST
    }
}

/// Why a page is not parsed: its markup would cost the parser more than [`MAX_PARSE_COST`]
/// (hostile nesting). `None` for every ordinary page.
pub fn refusal(html: &str) -> Option<String> {
    let cost = parse_cost(html);
    cost.too_costly().then(|| {
        format!(
            "the page nests elements too deeply to parse safely ({} levels)",
            cost.depth
        )
    })
}

/// Scans `html` once and estimates its parse cost.
pub fn parse_cost(html: &str) -> ParseCost {
    let bytes = html.as_bytes();
    let mut cost = ParseCost::default();
    let mut depth: u64 = 0;
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        i += offset + 1;
        let rest = &bytes[i..];
        if rest.starts_with(b"!--") {
            // A comment: skip to its end.
            i += memchr::memmem::find(rest, b"-->").map_or(rest.len(), |e| e + 3);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = usize::from(closing);
        let name_len = rest[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':')
            .count();
        if name_len == 0 || !rest[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = std::str::from_utf8(&rest[name_start..name_start + name_len])
            .unwrap_or_default()
            .to_ascii_lowercase();
        let tag_end = rest.iter().position(|b| *b == b'>').unwrap_or(rest.len());
        let self_closing = tag_end > 0 && rest[tag_end - 1] == b'/';
        i += tag_end;
        if NOT_NESTING.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        cost.steps = cost.steps.saturating_add(depth);
        if self_closing {
            continue;
        }
        depth += 1;
        cost.depth = cost.depth.max(depth);
        // Script and style content is text to the parser, whatever it looks like.
        if matches!(
            name.as_str(),
            "script" | "style" | "textarea" | "title" | "xmp"
        ) {
            let close = format!("</{name}");
            let lower_rest = &bytes[i..];
            match find_ignore_case(lower_rest, close.as_bytes()) {
                Some(end) => i += end,
                None => break,
            }
        }
    }
    cost
}

/// The text of markup too costly to parse, without building a tree: tags dropped, the content
/// of `script`/`style` dropped, entities left as written. A last resort that keeps an item's
/// words when its markup is hostile.
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        out.push(' ');
        let after = &rest[start..];
        let lower: String = after
            .chars()
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") || lower.starts_with("<style") {
            let close = if lower.starts_with("<script") {
                "</script"
            } else {
                "</style"
            };
            find_ignore_case(after.as_bytes(), close.as_bytes())
                .map_or(after.len(), |e| e + close.len())
        } else {
            0
        };
        let from = &after[skip_to..];
        match from.find('>') {
            Some(end) => rest = &from[end + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_costly_and_ordinary_pages_are_not() {
        let deep = format!("{}x{}", "<div>".repeat(20_000), "</div>".repeat(20_000));
        let cost = parse_cost(&deep);
        assert_eq!(cost.depth, 20_000);
        assert!(cost.too_costly(), "{cost:?}");
        let ordinary = "<html><head><title>a<b></title><script>if (a<b) { x = '<div>'; }</script></head><body><div><p>one<p>two<ul><li>a<li>b</ul><br><img src=x><!-- <div><div> --></div></body></html>"
            .repeat(2_000);
        let cost = parse_cost(&ordinary);
        assert!(cost.depth < 10, "{cost:?}");
        assert!(!cost.too_costly(), "{cost:?}");
        // Unclosed inline elements of a sloppy page grow the stack, but slowly.
        let sloppy = "<font color=red>word ".repeat(2_000);
        assert!(!parse_cost(&sloppy).too_costly());
    }

    #[test]
    fn stripping_keeps_words_and_drops_active_content() {
        assert_eq!(
            strip_tags(
                "<div><p>שלום <b>world</b></p><script>alert('<x>')</script><style>p{}</style>end"
            ),
            "שלום world end"
        );
        assert_eq!(strip_tags("no markup"), "no markup");
        assert_eq!(strip_tags("cut <div"), "cut");
    }
}
