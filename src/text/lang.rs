//! Language of one script run: TEXT.md §B.2, with the script as a hard gate.
//!
//! In: a run's script, its words (handles, URLs and numbers already left out), its letter count,
//! whether it is a short foreign inclusion, and an optional markup hint. Out: a [`Lang`] (ISO
//! 639-1 where one exists, `und` when nothing honest can be said) and where the answer came from
//! ([`LangSource`]).
//! Never: a language whose script the run is not written in (Arabic text with candidates
//! `he,en` is `und`, not English), Yiddish without evidence, a hint that overrides a reliable
//! detection, or an answer outside the configured candidates.

use std::fmt;

use unicode_script::Script;

use super::key::search_key;

/// A language label: a language nahar can name, or `und`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Lang(Option<whatlang::Lang>);

/// ISO 639-1 codes for every language whatlang knows (all of them have one; Mandarin is the
/// `zh` macrolanguage, Iranian Persian is `fa`).
const ISO_639_1: [(whatlang::Lang, &str); 70] = {
    use whatlang::Lang as W;
    [
        (W::Epo, "eo"),
        (W::Eng, "en"),
        (W::Rus, "ru"),
        (W::Cmn, "zh"),
        (W::Spa, "es"),
        (W::Por, "pt"),
        (W::Ita, "it"),
        (W::Ben, "bn"),
        (W::Fra, "fr"),
        (W::Deu, "de"),
        (W::Ukr, "uk"),
        (W::Kat, "ka"),
        (W::Ara, "ar"),
        (W::Hin, "hi"),
        (W::Jpn, "ja"),
        (W::Heb, "he"),
        (W::Yid, "yi"),
        (W::Pol, "pl"),
        (W::Amh, "am"),
        (W::Jav, "jv"),
        (W::Kor, "ko"),
        (W::Nob, "nb"),
        (W::Dan, "da"),
        (W::Swe, "sv"),
        (W::Fin, "fi"),
        (W::Tur, "tr"),
        (W::Nld, "nl"),
        (W::Hun, "hu"),
        (W::Ces, "cs"),
        (W::Ell, "el"),
        (W::Bul, "bg"),
        (W::Bel, "be"),
        (W::Mar, "mr"),
        (W::Kan, "kn"),
        (W::Ron, "ro"),
        (W::Slv, "sl"),
        (W::Hrv, "hr"),
        (W::Srp, "sr"),
        (W::Mkd, "mk"),
        (W::Lit, "lt"),
        (W::Lav, "lv"),
        (W::Est, "et"),
        (W::Tam, "ta"),
        (W::Vie, "vi"),
        (W::Urd, "ur"),
        (W::Tha, "th"),
        (W::Guj, "gu"),
        (W::Uzb, "uz"),
        (W::Pan, "pa"),
        (W::Aze, "az"),
        (W::Ind, "id"),
        (W::Tel, "te"),
        (W::Pes, "fa"),
        (W::Mal, "ml"),
        (W::Ori, "or"),
        (W::Mya, "my"),
        (W::Nep, "ne"),
        (W::Sin, "si"),
        (W::Khm, "km"),
        (W::Tuk, "tk"),
        (W::Aka, "ak"),
        (W::Zul, "zu"),
        (W::Sna, "sn"),
        (W::Afr, "af"),
        (W::Lat, "la"),
        (W::Slk, "sk"),
        (W::Cat, "ca"),
        (W::Tgl, "tl"),
        (W::Hye, "hy"),
        (W::Cym, "cy"),
    ]
};

/// Codes that are not ISO 639-1 but turn up in feeds, tweets and detectors.
const ALIASES: [(&str, &str); 14] = [
    ("iw", "he"),  // Twitter, CLD2/CLD3, Java's legacy code for Hebrew
    ("ji", "yi"),  // legacy Yiddish
    ("in", "id"),  // legacy Indonesian
    ("jw", "jv"),  // legacy Javanese
    ("mo", "ro"),  // Moldavian
    ("fas", "fa"), // ISO 639-2/T Persian (whatlang says `pes`)
    ("per", "fa"),
    ("zho", "zh"),
    ("chi", "zh"),
    ("fre", "fr"),
    ("ger", "de"),
    ("cze", "cs"),
    ("dut", "nl"),
    ("rum", "ro"),
];

/// Twitter's pseudo-languages and other "no language" codes: not hints at all.
const NOT_A_LANGUAGE: [&str; 9] = [
    "und", "qam", "qct", "qht", "qme", "qst", "zxx", "art", "mul",
];

impl Lang {
    pub const UND: Lang = Lang(None);

    /// Reads a language tag as found in the wild (`he`, `he-IL`, `iw`, `heb`, `en_US`, `HE`).
    /// Region, script and other subtags are ignored. `None` for unknown languages and for codes
    /// that say "no language" (`und`, Twitter's `qme`, `zxx`…).
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if primary.is_empty() || NOT_A_LANGUAGE.contains(&primary.as_str()) {
            return None;
        }
        let primary = ALIASES
            .iter()
            .find(|(alias, _)| *alias == primary)
            .map_or(primary.as_str(), |(_, code)| code);
        if let Some((lang, _)) = ISO_639_1.iter().find(|(_, code)| *code == primary) {
            return Some(Lang(Some(*lang)));
        }
        whatlang::Lang::from_code(primary).map(|l| Lang(Some(l)))
    }

    /// The code SPEC.md stores: ISO 639-1, or `und`.
    pub fn code(self) -> &'static str {
        match self.0 {
            None => "und",
            Some(lang) => ISO_639_1
                .iter()
                .find(|(l, _)| *l == lang)
                .map_or_else(|| lang.code(), |(_, code)| code),
        }
    }

    pub fn is_und(self) -> bool {
        self.0.is_none()
    }

    /// Languages written right to left (the RTL set of TEXT.md §B.2 that nahar can name).
    pub fn is_rtl(self) -> bool {
        matches!(
            self.0,
            Some(whatlang::Lang::Heb | whatlang::Lang::Yid | whatlang::Lang::Ara)
                | Some(whatlang::Lang::Pes | whatlang::Lang::Urd)
        )
    }

    /// Every language nahar can name, by code (for config validation messages).
    pub fn all_codes() -> impl Iterator<Item = &'static str> {
        ISO_639_1.iter().map(|(_, code)| *code)
    }

    fn whatlang(self) -> Option<whatlang::Lang> {
        self.0
    }

    fn from_whatlang(lang: whatlang::Lang) -> Lang {
        Lang(Some(lang))
    }
}

impl fmt::Debug for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Lang {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        if code == "und" {
            return Ok(Lang::UND);
        }
        Lang::parse(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown language code `{code}`")))
    }
}

/// Where a run's or segment's language came from (SPEC `lang_src`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LangSource {
    /// The script decided: it is written in only one candidate language.
    Script,
    /// A statistical detector (whatlang, or lingua for short Latin text).
    Detector,
    /// The source's own statement (`<language>`, `html lang`, `p@lang`, `lang_hint`).
    Markup,
    /// Taken from the surrounding record (an embed with no text of its own).
    Inherited,
}

/// The whatlang script that a Unicode script's letters are detected under, if any.
pub(crate) fn detector_script(script: Script) -> Option<whatlang::Script> {
    use whatlang::Script as W;
    Some(match script {
        Script::Arabic => W::Arabic,
        Script::Armenian => W::Armenian,
        Script::Bengali => W::Bengali,
        Script::Cyrillic => W::Cyrillic,
        Script::Devanagari => W::Devanagari,
        Script::Ethiopic => W::Ethiopic,
        Script::Georgian => W::Georgian,
        Script::Greek => W::Greek,
        Script::Gujarati => W::Gujarati,
        Script::Gurmukhi => W::Gurmukhi,
        Script::Hangul => W::Hangul,
        Script::Hebrew => W::Hebrew,
        Script::Hiragana => W::Hiragana,
        Script::Kannada => W::Kannada,
        Script::Katakana => W::Katakana,
        Script::Khmer => W::Khmer,
        Script::Latin => W::Latin,
        Script::Malayalam => W::Malayalam,
        Script::Han => W::Mandarin,
        Script::Myanmar => W::Myanmar,
        Script::Oriya => W::Oriya,
        Script::Sinhala => W::Sinhala,
        Script::Tamil => W::Tamil,
        Script::Telugu => W::Telugu,
        Script::Thai => W::Thai,
        _ => return None,
    })
}

/// One script run of a segment, as the language decision sees it.
#[derive(Debug, Clone)]
pub(crate) struct RunInput {
    pub script: Script,
    /// The run's words and hashtags, space separated: no handles, URLs or numbers.
    pub words: String,
    pub letters: u32,
    /// A short foreign inclusion (TEXT.md §B.7.3): its language is not asserted.
    pub inclusion: bool,
}

/// Decides run languages for one candidate set. Build once (detectors are not free), share.
pub(crate) struct LanguageIdentifier {
    /// Empty means every language the detectors know.
    candidates: Vec<whatlang::Lang>,
    hebrew_yiddish: whatlang::Detector,
    /// Per script: its candidates, and whatlang restricted to them when there is more than one.
    by_script: Vec<ScriptCandidates>,
    #[cfg(feature = "lingua")]
    latin_lingua: Option<lingua::LanguageDetector>,
    /// lingua's answers by sample text. The same short Latin runs — names, brands, bylines —
    /// come back again and again in a feed, and asking lingua is most of the cost of a Hebrew
    /// paragraph that mentions them. The answer depends only on the text, so remembering it
    /// changes no label.
    #[cfg(feature = "lingua")]
    lingua_memo: std::sync::Mutex<std::collections::HashMap<String, Option<(Lang, f64)>>>,
}

/// The memo is cleared when it holds this many answers (bounded memory, no eviction policy
/// to tune: a feed's recurring names are back in it within a few items).
#[cfg(feature = "lingua")]
const LINGUA_MEMO_CAPACITY: usize = 20_000;

#[derive(Debug)]
struct ScriptCandidates {
    script: whatlang::Script,
    languages: Vec<whatlang::Lang>,
    detector: Option<whatlang::Detector>,
}

/// Detectors see at most this much of a run: language identification is as good on the first
/// sentence as on the whole paragraph, and their cost grows with the text.
const DETECTION_SAMPLE_BYTES: usize = 128;

/// The start of `words`, at most `DETECTION_SAMPLE_BYTES` long, cut at a space.
fn sample(words: &str) -> &str {
    sample_of(words, DETECTION_SAMPLE_BYTES)
}

fn sample_of(words: &str, max: usize) -> &str {
    if words.len() <= max {
        return words;
    }
    let mut cut = max;
    while !words.is_char_boundary(cut) {
        cut -= 1;
    }
    match words[..cut].rfind(' ') {
        Some(space) if space > 0 => &words[..space],
        _ => &words[..cut],
    }
}

impl fmt::Debug for LanguageIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LanguageIdentifier")
            .field("candidates", &self.candidates)
            .finish_non_exhaustive()
    }
}

/// Yiddish function words, unpointed. Two of them are evidence of Yiddish; Hebrew uses none of
/// them as words.
const YIDDISH_FUNCTION_WORDS: [&str; 10] = [
    "איז",
    "און",
    "פון",
    "דער",
    "ניט",
    "נישט",
    "זיך",
    "וואס",
    "געווען",
    "דאס",
];

/// Hebrew function words that Yiddish does not use (none occurs in the Yiddish UDHR or
/// whatlang's Yiddish sample). Two of them are evidence of Hebrew.
const HEBREW_FUNCTION_WORDS: [&str; 10] = [
    "של", "את", "לא", "זה", "גם", "הוא", "היא", "אבל", "כי", "אם",
];

impl LanguageIdentifier {
    pub fn new(candidates: &[Lang]) -> LanguageIdentifier {
        let mut languages: Vec<whatlang::Lang> = Vec::new();
        for lang in candidates.iter().filter_map(|l| l.whatlang()) {
            if !languages.contains(&lang) {
                languages.push(lang);
            }
        }
        #[cfg(feature = "lingua")]
        let latin_lingua = lingua_for(&latin_candidates(&languages));
        let mut identifier = LanguageIdentifier {
            candidates: languages,
            hebrew_yiddish: whatlang::Detector::with_allowlist(vec![
                whatlang::Lang::Heb,
                whatlang::Lang::Yid,
            ]),
            by_script: Vec::new(),
            #[cfg(feature = "lingua")]
            latin_lingua,
            #[cfg(feature = "lingua")]
            lingua_memo: std::sync::Mutex::new(std::collections::HashMap::new()),
        };
        for script in whatlang::Script::all() {
            let languages: Vec<whatlang::Lang> = script
                .langs()
                .iter()
                .copied()
                .filter(|l| identifier.candidates.is_empty() || identifier.candidates.contains(l))
                .collect();
            let detector = (languages.len() > 1)
                .then(|| whatlang::Detector::with_allowlist(languages.clone()));
            identifier.by_script.push(ScriptCandidates {
                script: *script,
                languages,
                detector,
            });
        }
        identifier
    }

    fn for_script(&self, script: whatlang::Script) -> Option<&ScriptCandidates> {
        self.by_script.iter().find(|c| c.script == script)
    }

    fn whatlang_for(&self, script: whatlang::Script) -> Option<&whatlang::Detector> {
        self.for_script(script).and_then(|c| c.detector.as_ref())
    }

    /// The candidates written in `script` (every language of the script when the set is empty).
    fn candidates_in(&self, script: whatlang::Script) -> &[whatlang::Lang] {
        self.for_script(script).map_or(&[], |c| &c.languages)
    }

    /// True when `lang` may be answered for text in `script`.
    pub fn allows(&self, lang: Lang, script: Script) -> bool {
        match (lang.whatlang(), detector_script(script)) {
            (Some(l), Some(s)) => self.candidates_in(s).contains(&l),
            _ => false,
        }
    }

    /// Decides the language of every run of one segment, in order.
    ///
    /// Runs of one script in one segment are pooled: outside Latin script they are one language
    /// (Hebrew around an English name is still the same Hebrew) and are decided once on all their
    /// words; Latin runs are decided together when whatlang is reliable on all of them, and one by
    /// one otherwise (names inside Hebrew text are short and need lingua).
    pub fn decide_segment(
        &self,
        runs: &[RunInput],
        hint: Option<Lang>,
    ) -> Vec<(Lang, Option<LangSource>)> {
        let mut decided: Vec<(Lang, Option<LangSource>)> = vec![(Lang::UND, None); runs.len()];
        let mut done = vec![false; runs.len()];
        for first in 0..runs.len() {
            if done[first] {
                continue;
            }
            let script = runs[first].script;
            let members: Vec<usize> = (first..runs.len())
                .filter(|&i| runs[i].script == script)
                .collect();
            for &i in &members {
                done[i] = true;
            }
            let Some(detector_script) = detector_script(script) else {
                continue;
            };
            let hint = hint.filter(|h| self.allows(*h, script));
            let candidates = self.candidates_in(detector_script);
            if candidates.is_empty() {
                continue;
            }
            if detector_script == whatlang::Script::Latin {
                self.decide_latin(runs, &members, candidates, hint, &mut decided);
                continue;
            }
            let pooled = pool(runs, &members);
            let decision = match candidates {
                [_, _] if detector_script == whatlang::Script::Hebrew => {
                    self.hebrew_or_yiddish(&pooled, hint)
                }
                [only] => (Lang::from_whatlang(*only), Some(LangSource::Script)),
                _ => {
                    let detected = self
                        .whatlang_for(detector_script)
                        .and_then(|d| d.detect(&search_key(sample(&pooled))))
                        .filter(whatlang::Info::is_reliable)
                        .map(|info| Lang::from_whatlang(info.lang()));
                    match (detected, hint) {
                        (Some(lang), _) => (lang, Some(LangSource::Detector)),
                        (None, Some(hint)) => (hint, Some(LangSource::Markup)),
                        (None, None) => (Lang::UND, None),
                    }
                }
            };
            for &i in &members {
                decided[i] = decision;
            }
        }
        decided
    }

    /// Latin runs: under 3 letters and foreign inclusions are `und`; one candidate decides; else
    /// whatlang on all of them (fast, and its reliable answers were right on every test set),
    /// then per run lingua (short text), the hint, or `und`.
    fn decide_latin(
        &self,
        runs: &[RunInput],
        members: &[usize],
        candidates: &[whatlang::Lang],
        hint: Option<Lang>,
        decided: &mut [(Lang, Option<LangSource>)],
    ) {
        let eligible: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| runs[i].letters >= 3 && !runs[i].inclusion)
            .collect();
        if eligible.is_empty() {
            return;
        }
        if let [only] = candidates {
            for &i in &eligible {
                decided[i] = (Lang::from_whatlang(*only), Some(LangSource::Script));
            }
            return;
        }
        let pooled_all = pool(runs, &eligible);
        if let Some(lang) = latin_by_function_words(&pooled_all, candidates) {
            for &i in &eligible {
                decided[i] = (Lang::from_whatlang(lang), Some(LangSource::Detector));
            }
            return;
        }
        // Longest runs first, so that the sample whatlang sees is the best evidence.
        let mut by_length = eligible.clone();
        by_length.sort_by_key(|&i| std::cmp::Reverse(runs[i].letters));
        let pooled = pool(runs, &by_length);
        let whatlang = self.whatlang_for(whatlang::Script::Latin);
        let detect = |text: &str| {
            whatlang
                .and_then(|d| d.detect(text))
                .filter(whatlang::Info::is_reliable)
        };
        // Unsure on the first sentence's worth: a longer sample still costs less than asking
        // lingua about every run.
        let reliable = detect(sample(&pooled)).or_else(|| {
            (pooled.len() > DETECTION_SAMPLE_BYTES)
                .then(|| detect(sample_of(&pooled, 3 * DETECTION_SAMPLE_BYTES)))
                .flatten()
        });
        for &i in &eligible {
            decided[i] = match reliable.as_ref() {
                Some(info) => (Lang::from_whatlang(info.lang()), Some(LangSource::Detector)),
                None => self.latin_without_whatlang(&runs[i].words, hint),
            };
        }
    }

    #[cfg_attr(not(feature = "lingua"), allow(clippy::unused_self))]
    fn latin_without_whatlang(
        &self,
        words: &str,
        hint: Option<Lang>,
    ) -> (Lang, Option<LangSource>) {
        #[cfg(feature = "lingua")]
        if let Some(lingua) = &self.latin_lingua {
            let text = sample(words);
            let remembered = self
                .lingua_memo
                .lock()
                .ok()
                .and_then(|memo| memo.get(text).copied());
            let best = match remembered {
                Some(best) => best,
                None => {
                    let best = lingua_best(lingua, text);
                    if let Ok(mut memo) = self.lingua_memo.lock() {
                        if memo.len() >= LINGUA_MEMO_CAPACITY {
                            memo.clear();
                        }
                        memo.insert(text.to_owned(), best);
                    }
                    best
                }
            };
            return lingua_decision(best, hint);
        }
        #[cfg(not(feature = "lingua"))]
        let _ = words;
        match hint {
            Some(hint) => (hint, Some(LangSource::Markup)),
            None => (Lang::UND, None),
        }
    }

    /// Hebrew script with both `he` and `yi` allowed: Hebrew unless there is evidence of
    /// Yiddish (its letters or function words, or whatlang reliably saying so). Text with Hebrew
    /// function words that Yiddish never uses is Hebrew without asking whatlang.
    fn hebrew_or_yiddish(&self, words: &str, hint: Option<Lang>) -> (Lang, Option<LangSource>) {
        let yiddish = Lang::from_whatlang(whatlang::Lang::Yid);
        let hebrew = Lang::from_whatlang(whatlang::Lang::Heb);
        let counts = FunctionWords::count(words);
        if counts.yiddish_letters || counts.yiddish >= 2 {
            return (yiddish, Some(LangSource::Script));
        }
        if counts.hebrew >= 2 {
            return (hebrew, Some(LangSource::Script));
        }
        let detected = self.hebrew_yiddish.detect(&search_key(sample(words)));
        if detected.is_some_and(|info| info.lang() == whatlang::Lang::Yid && info.is_reliable()) {
            return (yiddish, Some(LangSource::Detector));
        }
        if hint == Some(yiddish) {
            return (yiddish, Some(LangSource::Markup));
        }
        (hebrew, Some(LangSource::Script))
    }
}

/// The words of the given runs, space separated.
fn pool(runs: &[RunInput], members: &[usize]) -> String {
    let mut pooled = String::new();
    for &i in members {
        if !pooled.is_empty() {
            pooled.push(' ');
        }
        pooled.push_str(&runs[i].words);
    }
    pooled
}

/// Words that tell Hebrew and Yiddish apart, counted in Hebrew-script text.
#[derive(Debug, Default, PartialEq, Eq)]
struct FunctionWords {
    /// The Yiddish digraph letters (U+05F0–05F2 and their presentation forms).
    yiddish_letters: bool,
    yiddish: usize,
    hebrew: usize,
}

impl FunctionWords {
    fn count(text: &str) -> FunctionWords {
        let mut counts = FunctionWords::default();
        let mut word = String::new();
        for raw in text.split(|c: char| {
            c.is_whitespace() || matches!(c, '-' | '\u{05BE}' | ',' | '.' | ':' | ';' | '"' | '\'')
        }) {
            // The article אַ (alef + patah as a word of its own) is Yiddish; a bare א is not.
            if raw == "\u{05D0}\u{05B7}" {
                counts.yiddish += 1;
                continue;
            }
            word.clear();
            for c in raw.chars() {
                match c {
                    '\u{05F0}' | '\u{FB1F}' | '\u{FB2E}' | '\u{FB2F}' | '\u{05F1}' | '\u{05F2}' => {
                        counts.yiddish_letters = true;
                    }
                    // Points and cantillation do not change the word (the search key's K2).
                    '\u{0591}'..='\u{05C7}' => {}
                    c => word.push(c),
                }
            }
            if YIDDISH_FUNCTION_WORDS.contains(&word.as_str()) {
                counts.yiddish += 1;
            } else if HEBREW_FUNCTION_WORDS.contains(&word.as_str()) {
                counts.hebrew += 1;
            }
        }
        counts
    }
}

/// The most frequent, unambiguous function words of the Latin-script languages nahar knows
/// lists for (ASCII, compared case-insensitively).
const LATIN_FUNCTION_WORDS: [(whatlang::Lang, &[&str]); 7] = [
    (
        whatlang::Lang::Eng,
        &[
            "the", "and", "of", "to", "is", "was", "that", "with", "for", "are", "this", "have",
            "from", "which", "were", "has", "been",
        ],
    ),
    (
        whatlang::Lang::Fra,
        &[
            "le", "la", "les", "des", "et", "est", "une", "du", "que", "pour", "dans", "qui",
            "pas", "sur", "au", "aux", "avec", "sont",
        ],
    ),
    (
        whatlang::Lang::Deu,
        &[
            "der", "die", "das", "und", "ist", "nicht", "mit", "sich", "auf", "dem", "den", "ein",
            "eine", "von", "zu", "wird",
        ],
    ),
    (
        whatlang::Lang::Spa,
        &[
            "el", "los", "las", "y", "es", "del", "por", "con", "una", "para", "como", "pero",
            "fue", "lo",
        ],
    ),
    (
        whatlang::Lang::Ita,
        &[
            "il", "di", "che", "non", "per", "una", "sono", "della", "gli", "nel", "anche",
            "questo", "ha",
        ],
    ),
    (
        whatlang::Lang::Por,
        &[
            "o", "os", "as", "do", "da", "dos", "das", "em", "um", "uma", "para", "com", "foi",
            "mais", "nao",
        ],
    ),
    (
        whatlang::Lang::Nld,
        &[
            "de", "het", "een", "en", "van", "is", "dat", "niet", "op", "zijn", "met", "voor",
            "ook", "wordt",
        ],
    ),
];

/// Latin text whose function words are overwhelmingly one candidate's (at least 3 of them, and
/// at least 3 times as many as any other candidate's) is that language — decided without a
/// statistical model. Only when every Latin candidate has a word list.
fn latin_by_function_words(text: &str, candidates: &[whatlang::Lang]) -> Option<whatlang::Lang> {
    let lists: Vec<(whatlang::Lang, &[&str])> = candidates
        .iter()
        .map(|c| LATIN_FUNCTION_WORDS.iter().find(|(l, _)| l == c).copied())
        .collect::<Option<_>>()?;
    let mut counts = vec![0usize; lists.len()];
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() || word.len() > 6 {
            continue;
        }
        for (count, (_, list)) in counts.iter_mut().zip(&lists) {
            if list.iter().any(|w| w.eq_ignore_ascii_case(word)) {
                *count += 1;
            }
        }
    }
    let (best, &top) = counts.iter().enumerate().max_by_key(|(_, c)| **c)?;
    let runner_up = counts
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != best)
        .map(|(_, c)| *c)
        .max()
        .unwrap_or(0);
    (top >= 3 && top >= 3 * runner_up).then(|| lists[best].0)
}

#[cfg(feature = "lingua")]
fn latin_candidates(candidates: &[whatlang::Lang]) -> Vec<whatlang::Lang> {
    let latin = whatlang::Script::Latin.langs();
    if candidates.is_empty() {
        return latin.to_vec();
    }
    candidates
        .iter()
        .copied()
        .filter(|l| latin.contains(l))
        .collect()
}

/// lingua, when it was compiled with every Latin candidate and there is a choice to make.
#[cfg(feature = "lingua")]
fn lingua_for(latin: &[whatlang::Lang]) -> Option<lingua::LanguageDetector> {
    if latin.len() < 2 {
        return None;
    }
    let languages: Option<Vec<lingua::Language>> = latin
        .iter()
        .map(|l| {
            let code = Lang::from_whatlang(*l).code();
            lingua::Language::all()
                .into_iter()
                .find(|lang| lang.iso_code_639_1().to_string() == code)
        })
        .collect();
    languages.map(|langs| lingua::LanguageDetectorBuilder::from_languages(&langs).build())
}

/// lingua's share of the probability mass above which its answer is not second-guessed by a
/// markup hint.
#[cfg(feature = "lingua")]
const LINGUA_RELIABLE: f64 = 0.8;

#[cfg(feature = "lingua")]
fn lingua_best(lingua: &lingua::LanguageDetector, words: &str) -> Option<(Lang, f64)> {
    let values = lingua.compute_language_confidence_values(words);
    let (best, confidence) = values.first().copied()?;
    (confidence > 0.0).then(|| {
        (
            Lang::parse(&best.iso_code_639_1().to_string()).unwrap_or(Lang::UND),
            confidence,
        )
    })
}

/// lingua's best answer and its confidence, weighed against the hint.
#[cfg(feature = "lingua")]
fn lingua_decision(best: Option<(Lang, f64)>, hint: Option<Lang>) -> (Lang, Option<LangSource>) {
    let Some((best, confidence)) = best else {
        return hint.map_or((Lang::UND, None), |h| (h, Some(LangSource::Markup)));
    };
    match hint {
        Some(hint) if hint != best && confidence < LINGUA_RELIABLE => {
            (hint, Some(LangSource::Markup))
        }
        _ => (best, Some(LangSource::Detector)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_in_the_wild_map_to_iso_639_1() {
        for (tag, code) in [
            ("he", "he"),
            ("he-IL", "he"),
            ("iw", "he"),
            ("heb", "he"),
            ("HE", "he"),
            ("ji", "yi"),
            ("yid", "yi"),
            ("en_US", "en"),
            ("eng", "en"),
            ("fas", "fa"),
            ("pes", "fa"),
            ("zh-Hant", "zh"),
        ] {
            assert_eq!(Lang::parse(tag).map(Lang::code), Some(code), "{tag}");
        }
    }

    #[test]
    fn pseudo_codes_are_not_languages() {
        for tag in ["und", "qme", "zxx", "", "xx", "klingon"] {
            assert_eq!(Lang::parse(tag), None, "{tag}");
        }
    }

    #[test]
    fn latin_function_words_decide_only_clear_cases() {
        use whatlang::Lang::{Deu, Eng, Fra};
        let en_fr = [Eng, Fra];
        assert_eq!(
            latin_by_function_words("The envoy said that the talks were constructive", &en_fr),
            Some(Eng)
        );
        assert_eq!(
            latin_by_function_words(
                "Le ministre a dit que les discussions sont pour demain",
                &en_fr
            ),
            Some(Fra)
        );
        assert_eq!(latin_by_function_words("Amos Hochstein", &en_fr), None);
        assert_eq!(latin_by_function_words("the la of le", &en_fr), None);
        // A candidate without a word list turns the shortcut off.
        assert_eq!(
            latin_by_function_words("the envoy said that the talks", &[Eng, whatlang::Lang::Tgl]),
            None
        );
        assert_eq!(
            latin_by_function_words("der die das und", &[Eng, Fra, Deu]),
            Some(Deu)
        );
    }

    #[test]
    fn function_words_and_letters() {
        let count = |text: &str| {
            let c = FunctionWords::count(text);
            (c.yiddish_letters, c.yiddish, c.hebrew)
        };
        assert_eq!(
            count("\u{05F2}\u{05B4}\u{05D3}\u{05D9}\u{05E9}"),
            (true, 0, 0)
        );
        assert_eq!(count("דאס איז גוט"), (false, 2, 0));
        assert_eq!(count("ווא\u{05B8}ס איז אַ"), (false, 3, 0));
        assert_eq!(count("דאס ספר"), (false, 1, 0));
        assert_eq!(count("א ב"), (false, 0, 0));
        assert_eq!(count("זה הספר של דני, ולא שלי"), (false, 0, 2));
    }
}
