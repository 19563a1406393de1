//! The text core: clean, labelled text for mixed Hebrew/English (TEXT.md).
//!
//! In: one piece of text (a title, a paragraph, an embedded post) and the hints its source gave
//! ([`Hints`]). Out: an [`Analysis`] — the normalized text that nahar stores, its language,
//! dominant direction, scripts, whether it mixes languages or directions, and its script runs.
//! [`aggregate`] turns the analyses of a record's segments into the record's labels.
//! Never: I/O, async, global state, or failure — any `&str` gets an answer, `und` when nothing
//! honest can be said.
//!
//! The stages, in order: [`normalize`] (N1–N8) → [`segment`] (tokens, script runs) →
//! [`lang`] (a language per run, the script as a gate) → [`direction`] (letter majority).
//! [`key`] derives the search key used for matching and for detecting Hebrew against Yiddish;
//! `trigrams` gives whatlang's exact answer to the two questions `lang` asks it most
//! (English/French on names, Hebrew/Yiddish on search keys) without whatlang's hash maps.

pub mod chars;
pub mod direction;
pub mod key;
pub mod lang;
pub mod normalize;
mod references;
pub mod segment;
mod trigrams;

use unicode_script::Script;

pub use direction::Dir;
pub use key::search_key;
pub use lang::{Lang, LangSource};
pub use normalize::{Diagnostics, Normalized, normalize};

use direction::{LetterCounts, dominant};
use lang::{LanguageIdentifier, RunInput};
use segment::{RawRun, Token, TokenKind};

/// The default candidate languages (SPEC `[defaults] languages`).
pub const DEFAULT_LANGUAGES: [&str; 6] = ["he", "en", "ar", "ru", "yi", "fr"];

/// What the source says about a piece of text. The caller resolves precedence (tweet `p@lang`
/// over `html lang` over feed `<language>` over the source's `lang_hint`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// A declared language; used only where it fits the script and detection is not reliable.
    pub lang: Option<Lang>,
    /// A declared direction (`dir` attribute); used only to break ties.
    pub dir: Option<Dir>,
}

/// One script run of a segment (SPEC `segments[].runs`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Run {
    /// Offsets in Unicode scalar values (not bytes, not UTF-16 units) into the segment's text.
    pub start: usize,
    pub end: usize,
    #[serde(serialize_with = "serialize_script")]
    pub script: Script,
    pub dir: Dir,
    pub lang: Lang,
    #[serde(skip)]
    pub lang_src: Option<LangSource>,
    /// Strong letters in the run's words (handles and URLs excluded).
    #[serde(skip)]
    pub letters: u32,
}

fn serialize_script<S: serde::Serializer>(
    script: &Script,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(script.full_name())
}

/// A script and how many letters of it a text has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptCount {
    pub script: Script,
    pub letters: u32,
}

/// The labelled form of one piece of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub text: String,
    pub lang: Lang,
    pub lang_src: Option<LangSource>,
    pub dir: Dir,
    /// Scripts with at least 2 letters, most letters first.
    pub scripts: Vec<ScriptCount>,
    /// More than one language or direction inside this text.
    pub mixed: bool,
    pub runs: Vec<Run>,
    /// Strong letters by direction over the text's words.
    pub letters: LetterCounts,
    pub diagnostics: Diagnostics,
}

impl Analysis {
    /// Script names, most letters first (SPEC `scripts`).
    pub fn script_names(&self) -> Vec<&'static str> {
        self.scripts.iter().map(|s| s.script.full_name()).collect()
    }

    /// True when the text has no letters at all: it says nothing about language or direction.
    pub fn is_letterless(&self) -> bool {
        self.letters.total() == 0
    }
}

impl serde::Serialize for Analysis {
    /// The shape `nahar detect` prints: `{text, lang, dir, scripts, mixed, runs}`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Analysis", 6)?;
        out.serialize_field("text", &self.text)?;
        out.serialize_field("lang", &self.lang)?;
        out.serialize_field("dir", &self.dir)?;
        out.serialize_field("scripts", &self.script_names())?;
        out.serialize_field("mixed", &self.mixed)?;
        out.serialize_field("runs", &self.runs)?;
        out.end()
    }
}

/// Labels text for one candidate set. Build it once per configuration and share it: the
/// detectors behind it are not free to build.
#[derive(Debug)]
pub struct Analyzer {
    languages: Vec<Lang>,
    identifier: LanguageIdentifier,
}

impl Default for Analyzer {
    fn default() -> Self {
        let languages: Vec<Lang> = DEFAULT_LANGUAGES
            .iter()
            .filter_map(|c| Lang::parse(c))
            .collect();
        Analyzer::new(&languages)
    }
}

impl Analyzer {
    /// `languages` are the candidates a detector may answer; empty means every language nahar
    /// can name.
    pub fn new(languages: &[Lang]) -> Analyzer {
        Analyzer {
            languages: languages.to_vec(),
            identifier: LanguageIdentifier::new(languages),
        }
    }

    pub fn languages(&self) -> &[Lang] {
        &self.languages
    }

    /// Normalizes `text` and labels it.
    pub fn analyze(&self, text: &str, hints: &Hints) -> Analysis {
        let normalized = normalize(text);
        self.analyze_normalized(normalized, hints)
    }

    fn analyze_normalized(&self, normalized: Normalized, hints: &Hints) -> Analysis {
        let text = normalized.text;
        let tokens = segment::tokenize(&text);
        let raw_runs = segment::runs(&text, &tokens);
        let mut letters = LetterCounts::default();
        for run in &raw_runs {
            letters.add(run.letters);
        }
        // A short Latin word is a foreign inclusion unless Latin letters dominate the text.
        let rtl_not_outweighed = letters.rtl > 0 && letters.rtl >= letters.ltr;

        let inputs: Vec<RunInput> = raw_runs
            .iter()
            .map(|raw| {
                // The words are never longer than the run they come from.
                let mut words = String::with_capacity(raw.end - raw.start);
                run_words(&text, &tokens[raw.first..raw.last], &mut words);
                RunInput {
                    script: raw.script,
                    words,
                    letters: raw.letters.total(),
                    inclusion: raw.script == Script::Latin
                        && rtl_not_outweighed
                        && (raw.letters.total() < 3 || (raw.words == 1 && raw.longest_word < 8)),
                }
            })
            .collect();
        let languages = self.identifier.decide_segment(&inputs, hints.lang);
        let mut runs = Vec::with_capacity(raw_runs.len());
        let mut char_offsets = CharOffsets::new(&text);
        for (raw, (lang, lang_src)) in raw_runs.iter().zip(languages) {
            runs.push(Run {
                start: char_offsets.chars_before(raw.start),
                end: char_offsets.chars_before(raw.end),
                script: raw.script,
                dir: run_direction(raw),
                lang,
                lang_src,
                letters: raw.letters.total(),
            });
        }

        let (lang, lang_src) = majority_language(&runs);
        let lang_dir = (!lang.is_und()).then(|| if lang.is_rtl() { Dir::Rtl } else { Dir::Ltr });
        let dir = dominant(letters, &[lang_dir, normalized.dir_hint, hints.dir]);
        Analysis {
            scripts: count_scripts(&tokens),
            mixed: runs_are_mixed(&runs),
            text,
            lang,
            lang_src,
            dir,
            runs,
            letters,
            diagnostics: normalized.diagnostics,
        }
    }
}

/// The words and hashtags of a run, space separated: what a language detector should see.
fn run_words(text: &str, tokens: &[Token], out: &mut String) {
    for token in tokens.iter().filter(|t| t.is_word()) {
        if !out.is_empty() {
            out.push(' ');
        }
        let s = &text[token.start..token.end];
        // Only a hashtag starts with `#` (a `#` alone is punctuation).
        let s = match token.kind {
            TokenKind::Hashtag => s.strip_prefix(['#', '\u{FF03}']).unwrap_or(s),
            _ => s,
        };
        out.push_str(s);
    }
}

fn run_direction(run: &RawRun) -> Dir {
    dominant(run.letters, &[])
}

/// The language with the most letters over the runs, `und` not counted; ties go to the
/// language seen first.
fn majority_language(runs: &[Run]) -> (Lang, Option<LangSource>) {
    let mut totals: Vec<(Lang, u32, Option<LangSource>, u32)> = Vec::new();
    for run in runs.iter().filter(|r| !r.lang.is_und()) {
        match totals.iter_mut().find(|(l, ..)| *l == run.lang) {
            Some((_, letters, src, best)) => {
                *letters += run.letters;
                if run.letters > *best {
                    *best = run.letters;
                    *src = run.lang_src;
                }
            }
            None => totals.push((run.lang, run.letters, run.lang_src, run.letters)),
        }
    }
    let mut winner: Option<(Lang, u32, Option<LangSource>)> = None;
    for (lang, letters, src, _) in totals {
        if winner.is_none_or(|(_, best, _)| letters > best) {
            winner = Some((lang, letters, src));
        }
    }
    winner.map_or((Lang::UND, None), |(lang, _, src)| (lang, src))
}

/// Two or more runs of at least 2 letters with a different direction or a different known
/// language.
fn runs_are_mixed(runs: &[Run]) -> bool {
    let significant: Vec<&Run> = runs.iter().filter(|r| r.letters >= 2).collect();
    significant.iter().enumerate().any(|(i, a)| {
        significant[i + 1..]
            .iter()
            .any(|b| a.dir != b.dir || (!a.lang.is_und() && !b.lang.is_und() && a.lang != b.lang))
    })
}

/// Scripts of the letters in words (handles, URLs, e-mail excluded), at least 2 letters each,
/// most letters first.
fn count_scripts(tokens: &[Token]) -> Vec<ScriptCount> {
    let mut counts: Vec<ScriptCount> = Vec::new();
    for token in tokens.iter().filter(|t| t.is_word()) {
        let Some(script) = token.script else { continue };
        let n = token.letters.total();
        match counts.iter_mut().find(|c| c.script == script) {
            Some(c) => c.letters += n,
            None => counts.push(ScriptCount { script, letters: n }),
        }
    }
    counts.retain(|c| c.letters >= 2);
    counts.sort_by_key(|c| std::cmp::Reverse(c.letters));
    counts
}

/// Converts increasing byte offsets to char offsets in one pass.
struct CharOffsets<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharOffsets<'a> {
    fn new(text: &'a str) -> Self {
        CharOffsets {
            text,
            byte: 0,
            chars: 0,
        }
    }

    fn chars_before(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += self.text[self.byte..byte].chars().count();
        self.byte = byte;
        self.chars
    }
}

/// The labels of a whole record, from its segments (TEXT.md §B.2, level 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLabels {
    pub lang: Lang,
    pub dir: Dir,
    pub scripts: Vec<&'static str>,
    pub mixed: bool,
}

/// How a segment takes part in the record's labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentRole {
    /// Titles and paragraphs: they decide the record's language.
    Body,
    /// Embedded posts: they count for the language only when the record has nothing else, but
    /// they add scripts and make the record mixed.
    Embed,
}

/// Record language = letter-weighted majority over body segments (embeds only when there is no
/// body language); record direction = the direction of that language, or the letter majority
/// when it is `und`; scripts over every segment; mixed when any segment is mixed or disagrees
/// with the record.
pub fn aggregate(segments: &[(SegmentRole, &Analysis)]) -> RecordLabels {
    let by_role = |role: SegmentRole| -> Vec<Run> {
        segments
            .iter()
            .filter(|(r, _)| *r == role)
            .flat_map(|(_, a)| a.runs.iter().cloned())
            .collect()
    };
    let (mut lang, _) = majority_language(&by_role(SegmentRole::Body));
    if lang.is_und() {
        lang = majority_language(&by_role(SegmentRole::Embed)).0;
    }
    let mut letters = LetterCounts::default();
    for (role, analysis) in segments {
        if *role == SegmentRole::Body {
            letters.add(analysis.letters);
        }
    }
    if letters.total() == 0 {
        for (_, analysis) in segments {
            letters.add(analysis.letters);
        }
    }
    let dir = if lang.is_und() {
        dominant(letters, &[])
    } else if lang.is_rtl() {
        Dir::Rtl
    } else {
        Dir::Ltr
    };

    let mut scripts: Vec<ScriptCount> = Vec::new();
    for (_, analysis) in segments {
        for sc in &analysis.scripts {
            match scripts.iter_mut().find(|c| c.script == sc.script) {
                Some(c) => c.letters += sc.letters,
                None => scripts.push(*sc),
            }
        }
    }
    scripts.sort_by_key(|c| std::cmp::Reverse(c.letters));

    let mixed = segments.iter().any(|(_, a)| {
        !a.is_letterless()
            && (a.mixed || a.dir != dir || (!a.lang.is_und() && !lang.is_und() && a.lang != lang))
    });
    RecordLabels {
        lang,
        dir,
        scripts: scripts.iter().map(|s| s.script.full_name()).collect(),
        mixed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real English headlines (two English Israeli news feeds) that whatlang's trigrams called
    /// French, reliably: lingua reads them, and the feed's declared language decides the one
    /// too short for any detector.
    #[cfg(feature = "lingua")]
    #[test]
    fn english_headlines_are_english() {
        let analyzer = Analyzer::default();
        for headline in [
            "Gaza contractors launch partial strike against UNRWA projects",
            "Last reactors at occupied Ukraine nuke plant shut down after power lines damaged",
            "EU foreign affairs chief peddles back comments, 'less confident' on Iran nuclear deal",
            "Palestinians are not Israel’s ‘neighbors’: 11 corrections for PM Yair Lapid’s UN speech",
        ] {
            assert_eq!(
                analyzer.analyze(headline, &Hints::default()).lang.code(),
                "en",
                "{headline}"
            );
        }
        let declared = Hints {
            lang: Lang::parse("en"),
            dir: None,
        };
        assert_eq!(
            analyzer
                .analyze("Gantz’s plus, Lapid’s minus", &declared)
                .lang
                .code(),
            "en"
        );
        // The declared language never overrides clear text.
        assert_eq!(
            analyzer
                .analyze(
                    "Le gouvernement a annoncé une nouvelle réforme des retraites",
                    &declared
                )
                .lang
                .code(),
            "fr"
        );
    }

    /// Short English text that only lingua tells from French: built without the `lingua`
    /// feature, nahar says it cannot tell (README, "Cargo features").
    const SHORT_ENGLISH: &str = if cfg!(feature = "lingua") {
        "en"
    } else {
        "und"
    };

    /// A run as TEXT.md §B.6 writes it: script / dir / lang / letters: text.
    type RunRow<'a> = (&'a str, Dir, &'a str, u32, &'a str);

    struct Expected<'a> {
        lang: &'a str,
        dir: Dir,
        mixed: bool,
        runs: Vec<RunRow<'a>>,
    }

    fn check(input: &str, expected: Expected<'_>) {
        let analysis = Analyzer::default().analyze(input, &Hints::default());
        let chars: Vec<char> = analysis.text.chars().collect();
        let runs: Vec<RunRow<'_>> = analysis
            .runs
            .iter()
            .map(|r| {
                let text: String = chars[r.start..r.end].iter().collect();
                (
                    r.script.full_name(),
                    r.dir,
                    r.lang.code(),
                    r.letters,
                    &*text.leak(),
                )
            })
            .collect();
        assert_eq!(
            (analysis.lang.code(), analysis.dir, analysis.mixed, runs),
            (expected.lang, expected.dir, expected.mixed, expected.runs),
            "{input}"
        );
    }

    use Dir::{Ltr, Rtl};

    const T04: &str = "הסתיימה פגישת דרמר-הוכשטיין: הפגישה הוגדרה \"קונסטרוקטיבית\" והדיונים יימשכו מחר@AmichaiStein1";

    // TEXT.md §B.6: every row (T10/T11 both), candidates he,en,ar,ru,yi,fr.
    #[test]
    fn t03_tweet_with_attribution() {
        let t03 = format!("{T04} — כאן חדשות (@kann_news) November 20, 2024");
        check(
            &t03,
            Expected {
                lang: "he",
                dir: Rtl,
                mixed: true,
                runs: vec![
                    (
                        "Hebrew",
                        Rtl,
                        "he",
                        74,
                        &*format!("{T04} — כאן חדשות (@kann_news)").leak(),
                    ),
                    ("Latin", Ltr, SHORT_ENGLISH, 8, "November 20, 2024"),
                ],
            },
        );
    }

    #[test]
    fn t04_tweet_body_handle_is_a_neutral() {
        check(
            T04,
            Expected {
                lang: "he",
                dir: Rtl,
                mixed: false,
                runs: vec![("Hebrew", Rtl, "he", 66, T04)],
            },
        );
    }

    #[test]
    fn t06_english_headline_with_a_quoted_hebrew_word() {
        check(
            "Israelis mark Memorial Day as the word 'יזכור' trends on social media",
            Expected {
                lang: "en",
                dir: Ltr,
                mixed: true,
                runs: vec![
                    (
                        "Latin",
                        Ltr,
                        "en",
                        32,
                        "Israelis mark Memorial Day as the word",
                    ),
                    ("Hebrew", Rtl, "he", 5, "'יזכור'"),
                    ("Latin", Ltr, "en", 19, "trends on social media"),
                ],
            },
        );
    }

    #[test]
    fn t07_hebrew_headline_with_an_english_name() {
        check(
            "ראש הממשלה נתניהו נפגש עם Amos Hochstein בירושלים",
            Expected {
                lang: "he",
                dir: Rtl,
                mixed: true,
                runs: vec![
                    ("Hebrew", Rtl, "he", 21, "ראש הממשלה נתניהו נפגש עם"),
                    ("Latin", Ltr, SHORT_ENGLISH, 13, "Amos Hochstein"),
                    ("Hebrew", Rtl, "he", 8, "בירושלים"),
                ],
            },
        );
    }

    #[test]
    fn t08_hebrew_headline_starting_with_a_brand_is_rtl() {
        check(
            "Google הודיעה היום על השקת מרכז פיתוח חדש בחיפה",
            Expected {
                lang: "he",
                dir: Rtl,
                mixed: true,
                runs: vec![
                    ("Latin", Ltr, "und", 6, "Google"),
                    (
                        "Hebrew",
                        Rtl,
                        "he",
                        33,
                        "הודיעה היום על השקת מרכז פיתוח חדש בחיפה",
                    ),
                ],
            },
        );
    }

    #[test]
    fn t09_pointed_hebrew_stays_hebrew_with_yiddish_enabled() {
        let t09 = "בְּרֵאשִׁית בָּרָא אֱלֹהִים אֵת הַשָּׁמַיִם וְאֵת הָאָרֶץ";
        let stored = normalize(t09).text;
        check(
            t09,
            Expected {
                lang: "he",
                dir: Rtl,
                mixed: false,
                runs: vec![("Hebrew", Rtl, "he", 28, &*stored.leak())],
            },
        );
    }

    #[test]
    fn t10_t11_yiddish() {
        for t in [
            "ייִדיש איז אַ גערמאַנישע שפּראַך וואָס ווערט גערעדט פֿון אַשכנזישע ייִדן איבער דער גאַנצער וועלט.",
            "די אידישע שפראך איז געווען די מאמע לשון פון מיליאנען אידן אין מזרח אייראפע פאר דער מלחמה.",
        ] {
            let stored = normalize(t).text;
            check(
                t,
                Expected {
                    lang: "yi",
                    dir: Rtl,
                    mixed: false,
                    runs: vec![("Hebrew", Rtl, "yi", 72, &*stored.leak())],
                },
            );
        }
    }

    #[test]
    fn t12_arabic() {
        let t12 = "وصل المبعوث الأمريكي آموس هوكشتاين إلى إسرائيل يوم الأربعاء لمحاولة التوصل إلى وقف لإطلاق النار.";
        check(
            t12,
            Expected {
                lang: "ar",
                dir: Rtl,
                mixed: false,
                runs: vec![("Arabic", Rtl, "ar", 81, t12)],
            },
        );
    }

    #[test]
    fn t12_arabic_is_und_not_english_when_arabic_is_no_candidate() {
        let analyzer = Analyzer::new(&[
            Lang::parse("he").unwrap_or_default(),
            Lang::parse("en").unwrap_or_default(),
        ]);
        let t12 = "وصل المبعوث الأمريكي آموس هوكشتاين إلى إسرائيل يوم الأربعاء";
        let analysis = analyzer.analyze(t12, &Hints::default());
        assert_eq!((analysis.lang, analysis.dir), (Lang::UND, Rtl));
    }

    #[test]
    fn t13_too_short_to_tell() {
        check(
            "OK",
            Expected {
                lang: "und",
                dir: Ltr,
                mixed: false,
                runs: vec![("Latin", Ltr, "und", 2, "OK")],
            },
        );
    }

    #[test]
    fn t15_leading_handle_does_not_vote() {
        check(
            "@kann_news הודעה",
            Expected {
                lang: "he",
                dir: Rtl,
                mixed: false,
                runs: vec![("Hebrew", Rtl, "he", 5, "@kann_news הודעה")],
            },
        );
    }

    #[test]
    fn t17_leading_digits() {
        check(
            "2024: שנה קשה לישראל",
            Expected {
                lang: "he",
                dir: Rtl,
                mixed: false,
                runs: vec![("Hebrew", Rtl, "he", 12, "2024: שנה קשה לישראל")],
            },
        );
    }

    #[test]
    fn t18_bidi_controls_removed_before_counting() {
        check(
            "\u{200F}\u{2066}Hamas\u{2069} הודיעה כי \u{202A}IDF\u{202C} תקף",
            Expected {
                lang: "he",
                dir: Rtl,
                mixed: true,
                runs: vec![
                    ("Latin", Ltr, "und", 5, "Hamas"),
                    ("Hebrew", Rtl, "he", 8, "הודיעה כי"),
                    ("Latin", Ltr, "und", 3, "IDF"),
                    ("Hebrew", Rtl, "he", 3, "תקף"),
                ],
            },
        );
    }

    #[test]
    fn t19_french() {
        let t19 = "L'émissaire américain Amos Hochstein est arrivé mercredi en Israël pour tenter d'obtenir un cessez-le-feu.";
        check(
            t19,
            Expected {
                lang: "fr",
                dir: Ltr,
                mixed: false,
                runs: vec![("Latin", Ltr, "fr", 88, t19)],
            },
        );
    }

    #[test]
    fn t19_french_is_english_when_english_is_the_only_latin_candidate() {
        let analyzer = Analyzer::new(&[
            Lang::parse("he").unwrap_or_default(),
            Lang::parse("en").unwrap_or_default(),
        ]);
        let analysis = analyzer.analyze(
            "L'émissaire américain est arrivé mercredi en Israël.",
            &Hints::default(),
        );
        assert_eq!(analysis.lang.code(), "en");
    }

    #[test]
    fn t21_short_english_title() {
        check(
            "Ceasefire talks resume",
            Expected {
                lang: SHORT_ENGLISH,
                dir: Ltr,
                mixed: false,
                runs: vec![("Latin", Ltr, SHORT_ENGLISH, 20, "Ceasefire talks resume")],
            },
        );
    }

    #[test]
    fn t01_t02_plain_sentences() {
        let t01 = "US envoy Amos Hochstein arrived in Israel on Wednesday to try to secure a ceasefire between Israel and Lebanon's Hezbollah group.";
        check(
            t01,
            Expected {
                lang: "en",
                dir: Ltr,
                mixed: false,
                runs: vec![("Latin", Ltr, "en", 107, t01)],
            },
        );
        let t02 = "השליח האמריקני עמוס הוכשטיין הגיע לישראל ביום רביעי כדי לנסות להשיג הפסקת אש בין ישראל לחיזבאללה.";
        check(
            t02,
            Expected {
                lang: "he",
                dir: Rtl,
                mixed: false,
                runs: vec![("Hebrew", Rtl, "he", 81, t02)],
            },
        );
    }

    #[test]
    fn letterless_text_is_und_and_takes_its_direction_from_hints() {
        let analyzer = Analyzer::default();
        let plain = analyzer.analyze("2024 — 12:30", &Hints::default());
        assert_eq!(
            (plain.lang, plain.dir, plain.mixed, plain.runs.len()),
            (Lang::UND, Ltr, false, 0)
        );
        let marked = analyzer.analyze("\u{200F}2024", &Hints::default());
        assert_eq!(marked.dir, Rtl);
        let hinted = analyzer.analyze(
            "2024",
            &Hints {
                lang: None,
                dir: Some(Rtl),
            },
        );
        assert_eq!(hinted.dir, Rtl);
    }

    #[test]
    fn hint_fills_in_where_detection_cannot_tell_and_never_crosses_scripts() {
        let analyzer = Analyzer::default();
        let yi = Lang::parse("yi");
        let he = Lang::parse("he");
        // A Hebrew word with no Yiddish evidence is Hebrew, unless the source says Yiddish.
        assert_eq!(
            analyzer.analyze("שלום", &Hints::default()).lang,
            he.unwrap_or_default()
        );
        assert_eq!(
            analyzer
                .analyze(
                    "שלום",
                    &Hints {
                        lang: yi,
                        dir: None
                    }
                )
                .lang,
            yi.unwrap_or_default()
        );
        // A Hebrew hint says nothing about Latin text.
        let latin = analyzer.analyze(
            "Ceasefire talks resume",
            &Hints {
                lang: he,
                dir: None,
            },
        );
        assert_eq!(latin.lang.code(), SHORT_ENGLISH);
    }

    #[test]
    fn hebrew_is_he_whatever_the_hint_code() {
        let analyzer = Analyzer::default();
        for tag in ["iw", "heb", "he-IL"] {
            let a = analyzer.analyze(
                "שלום",
                &Hints {
                    lang: Lang::parse(tag),
                    dir: None,
                },
            );
            assert_eq!(a.lang.code(), "he", "{tag}");
        }
    }

    #[test]
    fn record_labels_embedded_hebrew_post_does_not_relabel_an_english_article() {
        let analyzer = Analyzer::default();
        let title = analyzer.analyze(
            "Hochstein meets Dermer as ceasefire talks continue",
            &Hints::default(),
        );
        let para = analyzer.analyze(
            "US envoy Amos Hochstein arrived in Israel on Wednesday to try to secure a ceasefire.",
            &Hints::default(),
        );
        let tweet = analyzer.analyze(T04, &Hints::default());
        let labels = aggregate(&[
            (SegmentRole::Body, &title),
            (SegmentRole::Body, &para),
            (SegmentRole::Embed, &tweet),
        ]);
        assert_eq!(
            labels,
            RecordLabels {
                lang: Lang::parse("en").unwrap_or_default(),
                dir: Ltr,
                scripts: vec!["Latin", "Hebrew"],
                mixed: true
            }
        );
    }

    #[test]
    fn record_labels_fall_back_to_embeds_when_there_is_no_body() {
        let analyzer = Analyzer::default();
        let tweet = analyzer.analyze(T04, &Hints::default());
        let labels = aggregate(&[(SegmentRole::Embed, &tweet)]);
        assert_eq!(
            labels,
            RecordLabels {
                lang: Lang::parse("he").unwrap_or_default(),
                dir: Rtl,
                scripts: vec!["Hebrew"],
                mixed: false
            }
        );
    }

    #[test]
    fn detect_json_shape() {
        let analysis = Analyzer::default().analyze("Google הודיעה", &Hints::default());
        let json = serde_json::to_value(&analysis).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({
                "text": "Google הודיעה",
                "lang": "he",
                "dir": "rtl",
                "scripts": ["Latin", "Hebrew"],
                "mixed": true,
                "runs": [
                    {"start": 0, "end": 6, "script": "Latin", "dir": "ltr", "lang": "und"},
                    {"start": 7, "end": 13, "script": "Hebrew", "dir": "rtl", "lang": "he"}
                ]
            })
        );
    }
}

#[cfg(test)]
mod properties {
    //! TEXT.md §1: normalization is idempotent, leaves no forbidden character, is NFC, and no
    //! stage panics — over arbitrary strings biased toward the characters the rules are about.

    use proptest::prelude::*;
    use unicode_normalization::is_nfc;

    use super::normalize::is_bidi_control;
    use super::*;

    /// Characters the N and B rules treat specially, mixed with arbitrary ones.
    fn tricky_char() -> impl Strategy<Value = char> {
        let special = prop::sample::select(vec![
            '\u{200E}',
            '\u{200F}',
            '\u{061C}',
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{202E}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{034F}',
            '\u{E0067}',
            '\u{E007F}',
            '\u{1F3F4}',
            '\u{1F3F3}',
            '\u{FE0F}',
            '\u{1F308}',
            '\u{1F3FB}',
            '\u{05B7}',
            '\u{05B4}',
            '\u{05BC}',
            '\u{05C1}',
            '\u{0591}',
            '\u{05D0}',
            '\u{05E9}',
            '\u{05DD}',
            '\u{05F2}',
            '\u{05F4}',
            '\u{05BE}',
            '\u{0645}',
            '\u{06CC}',
            '\u{064B}',
            '\u{FB2A}',
            '\u{FB1F}',
            '\u{FB21}',
            '\u{FB4F}',
            '\u{FB01}',
            '\u{FE70}',
            '\u{FDFA}',
            '\u{FEFB}',
            '\u{00A0}',
            '\u{202F}',
            '\u{3000}',
            '\u{2028}',
            '\u{2029}',
            '\u{0085}',
            '\r',
            '\n',
            '\t',
            ' ',
            '\u{000B}',
            '\u{0007}',
            '\u{009B}',
            '\u{FDD0}',
            '\u{FFFE}',
            '\u{FFFD}',
            '@',
            '#',
            '(',
            ')',
            '"',
            '\'',
            '.',
            ':',
            '/',
            'a',
            'Z',
            '1',
            'e',
            '\u{0301}',
            '\u{0915}',
            '\u{094D}',
            '\u{3042}',
            '\u{4E00}',
        ]);
        prop_oneof![3 => special, 1 => any::<char>()]
    }

    fn tricky_string() -> impl Strategy<Value = String> {
        prop::collection::vec(tricky_char(), 0..64).prop_map(|chars| chars.into_iter().collect())
    }

    fn check_stored_text(text: &str) -> Result<(), TestCaseError> {
        prop_assert!(
            !text.chars().any(is_bidi_control),
            "bidi control in {text:?}"
        );
        prop_assert!(
            !text
                .chars()
                .any(|c| matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')),
            "invisible in {text:?}"
        );
        prop_assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "control in {text:?}"
        );
        prop_assert!(is_nfc(text), "not NFC: {text:?}");
        prop_assert_eq!(text.trim(), text);
        prop_assert!(
            !super::references::has_reference(text),
            "a character reference in {text:?}"
        );
        Ok(())
    }

    /// Pieces of character references, with the characters N1–N4 remove between them.
    fn reference_string() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "&",
            "&amp;",
            "amp;",
            "lt;",
            "#",
            "#x",
            "5e9;",
            "1513;",
            "#128;",
            "eacute;",
            "xxe;",
            ";",
            "a",
            "R",
            " ",
            "\u{200B}",
            "\u{200F}",
            "\u{0007}",
            "\u{00AD}",
            "&#38;",
            "&#x26;",
            "nbsp;",
            "NotEqualTilde;",
        ]);
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn normalization_is_idempotent_and_clean(input in tricky_string()) {
            let once = normalize(&input).text;
            check_stored_text(&once)?;
            prop_assert_eq!(normalize(&once).text, once);
        }

        #[test]
        fn no_reference_survives_normalization(input in reference_string()) {
            let once = normalize(&input).text;
            check_stored_text(&once)?;
            prop_assert_eq!(normalize(&once).text, once);
        }

        #[test]
        fn normalization_of_any_string(input in any::<String>()) {
            let once = normalize(&input).text;
            check_stored_text(&once)?;
            prop_assert_eq!(normalize(&once).text, once);
        }

        #[test]
        fn analysis_never_panics_and_runs_are_inside_the_text(input in tricky_string(), hint in prop::option::of(prop::sample::select(vec!["he", "en", "yi", "ar", "fr"]))) {
            let analyzer = Analyzer::default();
            let hints = Hints { lang: hint.and_then(Lang::parse), dir: None };
            let analysis = analyzer.analyze(&input, &hints);
            let chars = analysis.text.chars().count();
            let mut previous_end = 0;
            for run in &analysis.runs {
                prop_assert!(previous_end <= run.start && run.start <= run.end && run.end <= chars);
                previous_end = run.end;
            }
            prop_assert_eq!(analysis.text, normalize(&input).text);
            let key = search_key(&input);
            prop_assert_eq!(key.trim(), key.as_str());
        }
    }
}
