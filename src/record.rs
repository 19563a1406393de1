//! Record: one item's article in, the SPEC.md record out.
//!
//! In: the [`FeedEntry`] (identity, link, dates, authors, source hash), its [`Article`] (title and
//! text blocks) and the [`Analyzer`]. Out: a [`Record`] with every field of SPEC.md "Records" in
//! the documented order — segments labelled one by one with the best declared language as a hint
//! (block `lang` over the item's or feed's `<language>` over the source's `lang_hint`), the record
//! labels aggregated from them, a stable `id` and a `content_hash` over the normalized text.
//! Never: decides the revision (that is `state`, which knows what was written before), reads or
//! writes anything, or lets an embedded post relabel the article (embeds count for the record's
//! language only when there is no title or paragraph).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use crate::extract::{Article, BlockKind, Embed, Platform};
use crate::parse::FeedEntry;
use crate::text::{Analysis, Analyzer, Dir, Hints, Lang, LangSource, Run, SegmentRole, aggregate};

/// One record, as SPEC.md specifies it. Field order is the order of the JSON object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    /// Stable across runs and machines: the source name and the item's identity, hashed.
    pub id: String,
    pub source: String,
    /// Canonical absolute item URL; `null` when the item has no usable link.
    pub url: Option<String>,
    /// Normalized title; `""` when the item has none.
    pub title: String,
    pub author: Option<String>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub published: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339")]
    pub ingested: DateTime<Utc>,
    pub lang: Lang,
    pub dir: Dir,
    pub scripts: Vec<&'static str>,
    pub mixed: bool,
    /// Paragraphs separated by a blank line.
    pub text: String,
    pub segments: Vec<Segment>,
    /// Hex SHA-256 over the normalized title and text.
    pub content_hash: String,
    /// 1 for the first version of an item; set by `state` when the source changed the item.
    pub revision: u32,
    pub warnings: Vec<String>,
    /// What the source published (not the normalized text): decides whether the item changed.
    /// Kept in the state store, not in the record.
    #[serde(skip)]
    pub source_hash: String,
}

/// What part of the item a segment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentKind {
    Title,
    Paragraph,
    Embed,
}

/// One labelled piece of the record (SPEC `segments[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub kind: SegmentKind,
    pub text: String,
    pub lang: Lang,
    pub dir: Dir,
    /// Every script run, only for a mixed segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<Vec<Run>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang_src: Option<LangSource>,
    /// Only for an `embed` segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embed: Option<EmbedField>,
}

/// SPEC `segments[].embed`: `platform`, `author`, `handle`, `url` and `date` always (null when
/// unknown), `id`, `published` and `lang_hint` when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmbedField {
    pub platform: Platform,
    /// Normalized like every stored text.
    pub author: Option<String>,
    pub handle: Option<String>,
    pub url: Option<String>,
    /// `YYYY-MM-DD`, UTC.
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rfc3339_opt"
    )]
    pub published: Option<DateTime<Utc>>,
    /// The language the embedding markup declared for the post (`iw` read as `he`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang_hint: Option<Lang>,
}

impl EmbedField {
    fn new(embed: &Embed, lang_hint: Option<Lang>, analyzer: &Analyzer) -> EmbedField {
        EmbedField {
            platform: embed.platform,
            author: embed
                .author
                .as_ref()
                .map(|a| analyzer.analyze(a, &Hints::default()).text)
                .filter(|a| !a.is_empty()),
            handle: embed.handle.clone(),
            url: embed.url.clone(),
            date: embed.date.map(|d| d.format("%Y-%m-%d").to_string()),
            id: embed.id.clone(),
            published: embed.published,
            lang_hint,
        }
    }
}

impl Record {
    /// Builds the record of `entry` from `source`, with `article` as its text.
    pub fn build(
        source: &str,
        entry: &FeedEntry,
        article: &Article,
        analyzer: &Analyzer,
        source_lang_hint: Option<Lang>,
        ingested: DateTime<Utc>,
    ) -> Record {
        let declared = entry
            .language
            .as_deref()
            .and_then(Lang::parse)
            .filter(|l| !l.is_und())
            .or(source_lang_hint);
        #[allow(clippy::type_complexity)]
        let mut analyses: Vec<(SegmentKind, Analysis, Option<(EmbedField, Option<Dir>)>)> =
            Vec::new();
        if let Some(title) = &article.title {
            let hints = Hints {
                lang: declared,
                dir: None,
            };
            analyses.push((SegmentKind::Title, analyzer.analyze(title, &hints), None));
        }
        for block in &article.blocks {
            let block_lang = block
                .lang
                .as_deref()
                .and_then(Lang::parse)
                .filter(|l| !l.is_und());
            let (kind, hints, embed) = match (&block.kind, &block.embed) {
                (BlockKind::Embed, Some(embed)) => (
                    SegmentKind::Embed,
                    // A post's language is its own: the article's declared language is no hint.
                    Hints {
                        lang: block_lang,
                        dir: block.dir,
                    },
                    Some((EmbedField::new(embed, block_lang, analyzer), block.dir)),
                ),
                _ => (
                    SegmentKind::Paragraph,
                    Hints {
                        lang: block_lang.or(declared),
                        dir: block.dir,
                    },
                    None,
                ),
            };
            analyses.push((kind, analyzer.analyze(&block.text, &hints), embed));
        }
        // A title or paragraph that normalizes to nothing is not a segment; an embed without
        // text (a Telegram widget) still is: it says what was there.
        analyses.retain(|(kind, a, _)| !a.text.is_empty() || *kind == SegmentKind::Embed);

        let roles: Vec<(SegmentRole, &Analysis)> = analyses
            .iter()
            .filter(|(_, a, _)| !a.text.is_empty())
            .map(|(kind, a, _)| {
                let role = match kind {
                    SegmentKind::Embed => SegmentRole::Embed,
                    SegmentKind::Title | SegmentKind::Paragraph => SegmentRole::Body,
                };
                (role, a)
            })
            .collect();
        let labels = aggregate(&roles);

        let title = analyses
            .iter()
            .find(|(kind, _, _)| *kind == SegmentKind::Title)
            .map(|(_, a, _)| a.text.clone())
            .unwrap_or_default();
        // The body in document order: paragraphs and the text of embedded posts.
        let text = analyses
            .iter()
            .filter(|(kind, a, _)| *kind != SegmentKind::Title && !a.text.is_empty())
            .map(|(_, a, _)| a.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n");

        let mut warnings = entry.warnings.clone();
        let reversed: u32 = analyses
            .iter()
            .map(|(_, a, _)| a.diagnostics.overrides_reversed)
            .sum();
        let replaced: u32 = analyses
            .iter()
            .map(|(_, a, _)| a.diagnostics.replacement_chars)
            .sum();
        if reversed > 0 {
            warnings.push("bidi_override_reversed".to_owned());
        }
        if replaced > 0 {
            warnings.push("decode_errors".to_owned());
        }
        let (author, author_references_removed) = author(entry, analyzer);
        if author_references_removed
            || analyses
                .iter()
                .any(|(_, a, _)| a.diagnostics.undefined_references_removed > 0)
        {
            warnings.push("undefined_entities_removed".to_owned());
        }
        dedup_keep_order(&mut warnings);

        let segments = analyses
            .into_iter()
            .map(|(kind, a, embed)| {
                // An embed without text has no letters to decide its direction: the hint, else
                // the record's.
                let dir = match &embed {
                    Some((_, hint)) if a.text.is_empty() => hint.unwrap_or(labels.dir),
                    _ => a.dir,
                };
                Segment {
                    kind,
                    runs: a.mixed.then_some(a.runs),
                    text: a.text,
                    lang: a.lang,
                    dir,
                    lang_src: a.lang_src,
                    embed: embed.map(|(field, _)| field),
                }
            })
            .collect();
        Record {
            id: record_id(source, entry),
            source: source.to_owned(),
            url: entry.url.as_ref().map(|u| u.as_str().to_owned()),
            content_hash: crate::hash::content_hash(&title, &text),
            title,
            author,
            published: entry.published.or(entry.updated),
            ingested,
            lang: labels.lang,
            dir: labels.dir,
            scripts: labels.scripts,
            mixed: labels.mixed,
            text,
            segments,
            revision: 1,
            warnings,
            source_hash: entry.source_hash.as_str().to_owned(),
        }
    }
}

#[cfg(test)]
impl Record {
    /// A record with only what the sink and the state store look at: id, source, revision
    /// 1, a Hebrew title, and the source hash.
    pub(crate) fn bare(id: &str, source_hash: &str) -> Record {
        Record {
            id: id.to_owned(),
            source: "kan".to_owned(),
            url: None,
            title: "כותרת".to_owned(),
            author: None,
            published: None,
            ingested: DateTime::<Utc>::default(),
            lang: Lang::UND,
            dir: Dir::Rtl,
            scripts: Vec::new(),
            mixed: false,
            text: String::new(),
            segments: Vec::new(),
            content_hash: String::new(),
            revision: 1,
            warnings: Vec::new(),
            source_hash: source_hash.to_owned(),
        }
    }
}

/// `id` = the first 128 bits of SHA-256 over the source name, how the item is identified and the
/// identifying key, in hex. The basis is part of it so that a GUID that happens to equal another
/// item's link cannot collide with it.
pub fn record_id(source: &str, entry: &FeedEntry) -> String {
    crate::hash::record_id(source, entry.identity.basis.name(), &entry.identity.key)
}

/// Authors, normalized and joined with ", "; `None` when the item names nobody.
/// The item's authors as one normalized string, and whether normalizing them removed an
/// undefined entity (a record warning, as for the text).
fn author(entry: &FeedEntry, analyzer: &Analyzer) -> (Option<String>, bool) {
    let mut names: Vec<String> = Vec::new();
    let mut removed = false;
    for name in &entry.authors {
        let analysis = analyzer.analyze(name, &Hints::default());
        removed |= analysis.diagnostics.undefined_references_removed > 0;
        let text = analysis.text;
        if !text.is_empty() && !names.contains(&text) {
            names.push(text);
        }
    }
    ((!names.is_empty()).then(|| names.join(", ")), removed)
}

fn dedup_keep_order(items: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|w| seen.insert(w.clone()));
}

fn rfc3339<S: Serializer>(value: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn rfc3339_opt<S: Serializer>(
    value: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => rfc3339(value, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Block;
    use crate::parse::{Identity, IdentityBasis, Markup};
    use chrono::TimeZone;
    use url::Url;

    fn entry() -> FeedEntry {
        FeedEntry {
            identity: Identity {
                basis: IdentityBasis::Guid,
                key: "kan-1001".to_owned(),
            },
            url: Url::parse("https://www.kan.org.il/content/1001/").ok(),
            title: Some(Markup {
                content: "Google הודיעה היום על השקת מוצר חדש".to_owned(),
                is_html: false,
            }),
            summary: None,
            content: None,
            authors: vec![" כאן חדשות ".to_owned(), "כאן חדשות".to_owned()],
            published: Utc.with_ymd_and_hms(2024, 11, 20, 18, 0, 0).single(),
            updated: None,
            language: Some("iw".to_owned()),
            source_hash: crate::hash::source_hash("t", "b", ""),
            warnings: vec!["decode_errors".to_owned()],
            legacy: None,
        }
    }

    fn paragraph(text: &str) -> Block {
        Block {
            kind: BlockKind::Paragraph,
            text: text.to_owned(),
            lang: None,
            dir: None,
            embed: None,
            ending_link: None,
        }
    }

    #[test]
    fn a_hebrew_item_with_an_english_brand_is_one_rtl_hebrew_record() {
        let analyzer = Analyzer::default();
        let article = Article {
            title: Some("Google\u{200F} הודיעה היום על השקת מוצר חדש".to_owned()),
            blocks: vec![
                paragraph("החברה מ-Mountain View אמרה כי המוצר יושק בישראל בחודש הבא."),
                paragraph("  \u{200B} "),
            ],
        };
        let ingested = Utc.with_ymd_and_hms(2026, 11, 28, 2, 21, 38).single();
        let record = Record::build(
            "kan-news",
            &entry(),
            &article,
            &analyzer,
            None,
            ingested.unwrap_or_default(),
        );
        assert_eq!(record.id.len(), 32);
        assert_eq!(record.id, record_id("kan-news", &entry()));
        assert_ne!(record.id, record_id("kan-other", &entry()));
        assert_eq!(record.title, "Google הודיעה היום על השקת מוצר חדש");
        assert_eq!(
            record.text,
            "החברה מ-Mountain View אמרה כי המוצר יושק בישראל בחודש הבא."
        );
        assert_eq!(record.author.as_deref(), Some("כאן חדשות"));
        assert_eq!(record.lang.code(), "he");
        assert_eq!(record.dir, Dir::Rtl);
        assert_eq!(record.scripts, vec!["Hebrew", "Latin"]);
        assert!(record.mixed);
        assert_eq!(record.segments.len(), 2, "the blank paragraph is dropped");
        assert!(record.segments.iter().all(|s| s.runs.is_some()));
        assert_eq!(record.warnings, vec!["decode_errors".to_owned()]);
        assert_eq!(
            record.content_hash,
            crate::hash::content_hash(&record.title, &record.text)
        );

        let line = serde_json::to_string(&record).unwrap_or_default();
        let order = [
            "id",
            "source",
            "url",
            "title",
            "author",
            "published",
            "ingested",
            "lang",
            "dir",
            "scripts",
            "mixed",
            "text",
            "segments",
            "content_hash",
            "revision",
            "warnings",
        ];
        let positions: Vec<Option<usize>> = order
            .iter()
            .map(|key| line.find(&format!("\"{key}\":")))
            .collect();
        assert!(positions.iter().all(Option::is_some), "{line}");
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
        assert!(!line.contains("source_hash"));
        let json: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        assert_eq!(json["published"], "2024-11-20T18:00:00Z");
        assert_eq!(json["ingested"], "2026-11-28T02:21:38Z");
        assert_eq!(json["segments"][0]["kind"], "title");
        assert_eq!(json["segments"][0]["dir"], "rtl");
    }

    #[test]
    fn a_plain_english_segment_carries_no_runs_and_the_hint_never_overrides_the_script() {
        let analyzer = Analyzer::default();
        let article = Article {
            title: Some("Israel's central bank holds its key rate at 4.5 percent".to_owned()),
            blocks: vec![],
        };
        let mut entry = entry();
        entry.language = Some("he".to_owned());
        entry.warnings.clear();
        let record = Record::build(
            "toi",
            &entry,
            &article,
            &analyzer,
            None,
            DateTime::<Utc>::default(),
        );
        // Only lingua tells this headline from French; without it nahar says it cannot tell.
        let english = if cfg!(feature = "lingua") {
            "en"
        } else {
            "und"
        };
        assert_eq!(record.lang.code(), english);
        assert_eq!(record.dir, Dir::Ltr);
        assert!(!record.mixed);
        assert_eq!(record.segments[0].runs, None);
        assert_eq!(record.text, "");
        assert!(record.warnings.is_empty());
    }

    #[test]
    fn reversed_overrides_and_replacement_characters_become_warnings() {
        let analyzer = Analyzer::default();
        let article = Article {
            title: Some("\u{202D}םולש\u{202C} world".to_owned()),
            blocks: vec![paragraph("broken \u{FFFD} byte")],
        };
        let mut entry = entry();
        entry.warnings.clear();
        let record = Record::build(
            "x",
            &entry,
            &article,
            &analyzer,
            None,
            DateTime::<Utc>::default(),
        );
        assert_eq!(record.title, "שלום world");
        assert_eq!(
            record.warnings,
            vec![
                "bidi_override_reversed".to_owned(),
                "decode_errors".to_owned()
            ]
        );
    }
}
