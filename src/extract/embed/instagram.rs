//! Instagram: the embed blockquote, its permalink, shortcode and handle.

use super::Platform;
use super::markup::{
    attribution_parts, block, canonical, collapse, embed, english_date, http_url,
    strip_prefix_ignore_case, visible_text,
};
use crate::extract::Block;
use chrono::{DateTime, Utc};
use scraper::ElementRef;

/// "A post shared by" in the languages Instagram's embed snippet is seen in.
pub(super) const INSTAGRAM_SHARED_BY: [&str; 10] = [
    "A post shared by",
    "Ein Beitrag geteilt von",
    "Une publication partagée par",
    "Una publicación compartida de",
    "Una publicación compartida por",
    "Un post condiviso da",
    "Uma publicação compartilhada por",
    "Uma publicação partilhada por",
    "Een bericht gedeeld door",
    "Ett inlägg delat av",
];

/// "View this post on Instagram" in the same languages: never the caption.
pub(super) const INSTAGRAM_VIEW: [&str; 8] = [
    "View this post on Instagram",
    "Sieh dir diesen Beitrag auf Instagram an",
    "Voir cette publication sur Instagram",
    "Ver esta publicación en Instagram",
    "Visualizza questo post su Instagram",
    "Ver essa foto no Instagram",
    "Bekijk dit bericht op Instagram",
    "Visa det här inlägget på Instagram",
];

/// An Instagram blockquote: caption, "A post shared by Name (@handle)", `time@datetime`.
pub(super) fn instagram(element: ElementRef<'_>) -> Block {
    let mut meta = embed(Platform::Instagram);
    let permalink = element
        .value()
        .attr("data-instgrm-permalink")
        .and_then(http_url)
        .or_else(|| {
            element
                .descendants()
                .filter_map(ElementRef::wrap)
                .filter_map(|e| e.value().attr("href"))
                .filter_map(http_url)
                .find(|u| instagram_shortcode(u).is_some())
        });
    if let Some(url) = permalink {
        meta.id = instagram_shortcode(&url);
        meta.url = Some(canonical(url));
    }
    let ps: Vec<(ElementRef<'_>, String)> = element
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().name() == "p")
        .map(|p| (p, visible_text(p)))
        .filter(|(_, t)| !t.trim().is_empty())
        .collect();
    // The attribution: the last paragraph naming an account, else one in a known language.
    let attribution = ps
        .iter()
        .rposition(|(_, t)| {
            let (_, handle, _) = attribution_parts(&collapse(t));
            handle.is_some_and(|h| is_instagram_handle(&h))
        })
        .or_else(|| {
            ps.iter().rposition(|(_, t)| {
                INSTAGRAM_SHARED_BY
                    .iter()
                    .any(|s| strip_prefix_ignore_case(t.trim(), s).is_some())
            })
        });
    if let Some(at) = attribution {
        let (p, text) = &ps[at];
        let line = collapse(text);
        let (name, handle, date_text) = attribution_parts(&line);
        meta.handle = handle.filter(|h| is_instagram_handle(h));
        let name = name.or_else(|| Some(line.clone()));
        meta.author = name.and_then(|n| {
            // Old snippets link the name alone: "A post shared by <a>Name</a> (@handle)".
            let linked = p
                .descendants()
                .filter_map(ElementRef::wrap)
                .filter(|e| e.value().name() == "a")
                .map(|a| collapse(&visible_text(a)))
                .find(|a| !a.is_empty() && !a.contains("(@") && n.ends_with(a.as_str()));
            linked.or_else(|| {
                INSTAGRAM_SHARED_BY
                    .iter()
                    .find_map(|s| strip_prefix_ignore_case(&n, s))
                    .map(|a| a.trim().trim_end_matches('.').trim().to_owned())
            })
        });
        meta.author = meta.author.take().filter(|a| !a.is_empty());
        let time = p
            .descendants()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().name() == "time");
        meta.published = time
            .and_then(|t| t.value().attr("datetime"))
            .and_then(|d| DateTime::parse_from_rfc3339(d.trim()).ok())
            .map(|d| d.with_timezone(&Utc));
        meta.date = meta.published.map(|p| p.date_naive()).or_else(|| {
            // Without `<time>`, the English line's "on Apr 27, 2020 at 9:24am PDT".
            let d = date_text?;
            let d = d.strip_prefix("on ")?;
            english_date(d.split(" at ").next().unwrap_or(d))
        });
    }
    let caption: Vec<&str> = ps
        .iter()
        .enumerate()
        .filter(|(i, (_, t))| {
            Some(*i) != attribution
                && attribution.is_none_or(|a| *i < a)
                && !INSTAGRAM_VIEW
                    .iter()
                    .any(|v| collapse(t).eq_ignore_ascii_case(v))
        })
        .map(|(_, (_, t))| t.as_str())
        .collect();
    block(caption.join("\n\n"), None, None, meta)
}

/// `B-zzzzzzzzz` of `https://www.instagram.com/p/B-zzzzzzzzz/` (also `/reel/`, `/tv/`).
pub(super) fn instagram_shortcode(url: &url::Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    if host != "instagram.com" && !host.ends_with(".instagram.com") && host != "instagr.am" {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let at = segments
        .iter()
        .position(|s| matches!(*s, "p" | "reel" | "tv"))?;
    let code = segments.get(at + 1)?;
    code.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        .then(|| (*code).to_owned())
}

pub(super) fn is_instagram_handle(handle: &str) -> bool {
    (1..=30).contains(&handle.len())
        && handle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}
