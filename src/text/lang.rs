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
use super::trigrams::Detector;

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
            // The table follows whatlang's order, so a language's discriminant is its row (the
            // search is the fallback should a whatlang release reorder its languages).
            Some(lang) => match ISO_639_1.get(lang as usize) {
                Some((l, code)) if *l == lang => code,
                _ => ISO_639_1
                    .iter()
                    .find(|(l, _)| *l == lang)
                    .map_or_else(|| lang.code(), |(_, code)| code),
            },
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
    hebrew_yiddish: Detector,
    /// Per script: its candidates, and whatlang restricted to them when there is more than one.
    by_script: Vec<ScriptCandidates>,
    /// The function words of the Latin candidates, when every one of them has a list.
    latin_words: Option<LatinFunctionWords>,
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
    detector: Option<Detector>,
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
/// them as words (none occurs in lingua's Hebrew sentences and word pairs or the Hebrew UDHR;
/// `איך`, `אין`, `די` and `ביי`, which Hebrew does use, are left out).
const YIDDISH_FUNCTION_WORDS: [&str; 23] = [
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
    "מיט",
    "האט",
    "קען",
    "מיר",
    "אויף",
    "אויך",
    "ער",
    "עס",
    "מען",
    "דא",
    "צו",
    "זענען",
    "וועט",
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
            hebrew_yiddish: Detector::with_allowlist(vec![
                whatlang::Lang::Heb,
                whatlang::Lang::Yid,
            ]),
            by_script: Vec::new(),
            latin_words: None,
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
            let detector =
                (languages.len() > 1).then(|| Detector::with_allowlist(languages.clone()));
            identifier.by_script.push(ScriptCandidates {
                script: *script,
                languages,
                detector,
            });
        }
        identifier.latin_words =
            LatinFunctionWords::new(identifier.candidates_in(whatlang::Script::Latin));
        identifier
    }

    fn for_script(&self, script: whatlang::Script) -> Option<&ScriptCandidates> {
        self.by_script.iter().find(|c| c.script == script)
    }

    fn whatlang_for(&self, script: whatlang::Script) -> Option<&Detector> {
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
    /// clear function words; else, for a segment of a sentence's length or less (a headline),
    /// lingua per run with the hint where it is unsure; else whatlang on all of them (fast, and
    /// its reliable answers on paragraphs were right on every test set), then per run lingua,
    /// the hint, or `und`.
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
        if let Some(lang) = self
            .latin_words
            .as_ref()
            .and_then(|words| words.decide(&pooled_all))
        {
            for &i in &eligible {
                decided[i] = (Lang::from_whatlang(lang), Some(LangSource::Detector));
            }
            return;
        }
        // whatlang's answer on Latin text, when it is reliable.
        let whatlang = self.whatlang_for(whatlang::Script::Latin);
        let detect = |text: &str| {
            whatlang
                .and_then(|d| d.detect(text))
                .filter(whatlang::Info::is_reliable)
        };
        // A headline: whatlang's trigrams take a short English line without function words for
        // French, and call it reliable ("Gaza contractors launch partial strike against UNRWA
        // projects"); lingua, whose models go up to five letters and weigh whole words, reads
        // such lines right, and the declared language decides where it is unsure. Longer text
        // (a paragraph) is left to whatlang: reliable there, and lingua would cost more.
        #[cfg(feature = "lingua")]
        if self.latin_lingua.is_some() && pooled_all.len() <= DETECTION_SAMPLE_BYTES {
            // whatlang's mistakes on headlines were English read as French, never the other
            // way (lingua's French sets and the regression set's French lines read the same
            // with and without this): a line it reliably calls English needs no lingua, which
            // took 11% of the feed benchmark's CPU time and half as much with this. A hint of
            // another language still goes to lingua, which weighs it where it is unsure.
            let english = Lang::from_whatlang(whatlang::Lang::Eng);
            let reliably_english = hint.is_none_or(|h| h == english)
                && detect(&pooled_all).is_some_and(|info| info.lang() == whatlang::Lang::Eng);
            if reliably_english {
                for &i in &eligible {
                    decided[i] = (english, Some(LangSource::Detector));
                }
                return;
            }
            for &i in &eligible {
                decided[i] = self.latin_without_whatlang(&runs[i].words, hint);
            }
            return;
        }
        // Longest runs first, so that the sample whatlang sees is the best evidence.
        let mut by_length = eligible.clone();
        by_length.sort_by_key(|&i| std::cmp::Reverse(runs[i].letters));
        let pooled = pool(runs, &by_length);
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
    let mut pooled = String::with_capacity(members.iter().map(|&i| runs[i].words.len() + 1).sum());
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
        if is_plain_hebrew(text) {
            return FunctionWords::count_plain(text.as_bytes());
        }
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
            // Words without points or Yiddish letters (nearly all) are compared as they are.
            let word: &str = if raw.chars().any(|c| is_point(c) || is_yiddish_letter(c)) {
                word.clear();
                for c in raw.chars() {
                    if is_yiddish_letter(c) {
                        counts.yiddish_letters = true;
                    } else if !is_point(c) {
                        // Points and cantillation do not change the word (the search key's K2).
                        word.push(c);
                    }
                }
                &word
            } else {
                raw
            };
            // Every function word is 2 to 6 Hebrew letters, 2 bytes each.
            if !(4..=12).contains(&word.len()) {
                continue;
            }
            counts.add(word.as_bytes());
        }
        counts
    }

    /// [`FunctionWords::count`] for [`is_plain_hebrew`] text: no points, no Yiddish letters, and
    /// the only separators are ASCII.
    fn count_plain(text: &[u8]) -> FunctionWords {
        let mut counts = FunctionWords::default();
        for word in text.split(|&b| {
            b.is_ascii_whitespace()
                || matches!(b, b'\x0B' | b'-' | b',' | b'.' | b':' | b';' | b'"' | b'\'')
        }) {
            counts.add(word);
        }
        counts
    }

    fn add(&mut self, word: &[u8]) {
        // Every function word is 2 to 6 Hebrew letters, 2 bytes each.
        if !(4..=12).contains(&word.len()) {
            return;
        }
        if YIDDISH_FUNCTION_WORDS.iter().any(|w| w.as_bytes() == word) {
            self.yiddish += 1;
        } else if HEBREW_FUNCTION_WORDS.iter().any(|w| w.as_bytes() == word) {
            self.hebrew += 1;
        }
    }
}

/// Text of ASCII and the characters U+05C8–05EF and U+05F3–05FF (the Hebrew letters, geresh and
/// gershayim): without points or Yiddish letters to strip or note, and with no separator but
/// ASCII ones (the non-ASCII whitespace and the maqaf are outside these ranges).
fn is_plain_hebrew(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b if b.is_ascii() => i += 1,
            0xD7 if matches!(bytes.get(i + 1), Some(0x88..=0xAF | 0xB3..=0xBF)) => i += 2,
            _ => return false,
        }
    }
    true
}

/// The Yiddish digraph letters (U+05F0–05F2 and their presentation forms).
fn is_yiddish_letter(c: char) -> bool {
    matches!(
        c,
        '\u{05F0}' | '\u{FB1F}' | '\u{FB2E}' | '\u{FB2F}' | '\u{05F1}' | '\u{05F2}'
    )
}

/// Hebrew points and cantillation, as the function-word count skips them (the range holds
/// U+05BE, U+05C0, U+05C3 and U+05C6 too, which are skipped alike).
fn is_point(c: char) -> bool {
    matches!(c, '\u{0591}'..='\u{05C7}')
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
/// at least 3 times as many as any other candidate's; or 2 and none of any other candidate's, as
/// in the headline "Simpler plans for Element, on-premise and cloud!", which lingua takes for
/// French) is that language — decided without a statistical model. Only when every Latin
/// candidate has a word list.
#[cfg(test)]
fn latin_by_function_words(text: &str, candidates: &[whatlang::Lang]) -> Option<whatlang::Lang> {
    LatinFunctionWords::new(candidates)?.decide(text)
}

/// The word lists of a set of Latin candidates, merged for lookup: every word once, as a
/// [`word_key`], sorted, with the candidates (by index) whose list has it. Built once per
/// [`LanguageIdentifier`].
#[derive(Debug)]
struct LatinFunctionWords {
    langs: Vec<whatlang::Lang>,
    keys: Vec<u64>,
    /// The candidates of `keys[i]`.
    lists: Vec<Vec<usize>>,
    /// English among the candidates (by index): its contractions count as its function words.
    english: Option<usize>,
}

/// What follows the apostrophe of an English contraction or possessive ("Gantz’s", "don’t",
/// "they’re", "I’m"). French elision puts the apostrophe after the elided word and a word
/// starting with a vowel or `h` after it ("l’État", "qu’il", "s’est"), never one of these.
const ENGLISH_CONTRACTIONS: [&str; 7] = ["s", "t", "re", "ve", "ll", "m", "d"];

/// `word`, starting at byte `start` of `text`, is what follows the apostrophe of an English
/// contraction: a letter, an apostrophe (ASCII or U+2019), then the word.
fn is_english_contraction(text: &str, start: usize, word: &str) -> bool {
    let before = text[..start]
        .strip_suffix('\'')
        .or_else(|| text[..start].strip_suffix('\u{2019}'));
    before.is_some_and(|b| b.chars().next_back().is_some_and(char::is_alphabetic))
        && ENGLISH_CONTRACTIONS
            .iter()
            .any(|c| c.eq_ignore_ascii_case(word))
}

/// Words are compared only up to this many bytes (longer ones are no function words).
const FUNCTION_WORD_MAX: usize = 6;

/// A word of at most [`FUNCTION_WORD_MAX`] bytes as a number: equal words, equal keys.
fn word_key(word: &[u8]) -> u64 {
    let mut key = [0u8; 8];
    key[..word.len()].copy_from_slice(word);
    key[7] = word.len() as u8;
    u64::from_be_bytes(key)
}

impl LatinFunctionWords {
    /// `None` unless every candidate has a word list.
    fn new(candidates: &[whatlang::Lang]) -> Option<LatinFunctionWords> {
        let lists: Vec<(whatlang::Lang, &[&'static str])> = candidates
            .iter()
            .map(|c| LATIN_FUNCTION_WORDS.iter().find(|(l, _)| l == c).copied())
            .collect::<Option<_>>()?;
        let mut words: Vec<(u64, Vec<usize>)> = Vec::new();
        for (i, (_, list)) in lists.iter().enumerate() {
            // A longer word could never match a word of the text (those are cut at 6 bytes).
            for word in list.iter().filter(|w| w.len() <= FUNCTION_WORD_MAX) {
                let key = word_key(word.as_bytes());
                match words.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, langs)) => langs.push(i),
                    None => words.push((key, vec![i])),
                }
            }
        }
        words.sort_unstable_by_key(|(key, _)| *key);
        let (keys, lists_of_words) = words.into_iter().unzip();
        Some(LatinFunctionWords {
            langs: lists.iter().map(|(l, _)| *l).collect(),
            keys,
            lists: lists_of_words,
            english: lists.iter().position(|(l, _)| *l == whatlang::Lang::Eng),
        })
    }

    /// See [`latin_by_function_words`].
    fn decide(&self, text: &str) -> Option<whatlang::Lang> {
        let mut counts = vec![0usize; self.langs.len()];
        let mut lower = [0u8; FUNCTION_WORD_MAX];
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty() || word.len() > FUNCTION_WORD_MAX {
                continue;
            }
            if let Some(english) = self.english {
                // `word` is a piece of `text`: its offset is the distance between their starts.
                let start = word.as_ptr() as usize - text.as_ptr() as usize;
                if is_english_contraction(text, start, word) {
                    counts[english] += 1;
                    continue;
                }
            }
            // The lists are lower-case ASCII: the word lower-cased once and looked up is
            // `eq_ignore_ascii_case` against each of them.
            let lower = &mut lower[..word.len()];
            lower.copy_from_slice(word.as_bytes());
            lower.make_ascii_lowercase();
            if let Ok(found) = self.keys.binary_search(&word_key(lower)) {
                for &i in &self.lists[found] {
                    counts[i] += 1;
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
        ((top >= 3 && top >= 3 * runner_up) || (top == 2 && runner_up == 0))
            .then(|| self.langs[best])
    }
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

/// How much more likely, before reading it, a piece of Latin text in nahar's feeds is English
/// than any other Latin candidate. lingua's confidences assume every candidate equally likely;
/// in the Israeli and international press nahar reads, Latin text is overwhelmingly English, so
/// a word both languages have ("justice", "permission", "centre") is more likely English.
/// The weight is kept small on purpose: it only settles near ties (with English and French the
/// candidates, an English share between 0.490 and 0.500), never text lingua is sure of (a
/// French letter makes it sure). It is the smallest weight that lifts English to lingua's
/// published accuracy rounded (0.86, 0.97); 1.06 would take French single words below 0.91.
/// Measured on lingua's test sets (`tests/it/text_accuracy.rs`): English single words
/// 0.858 → 0.863 and pairs 0.968 → 0.970, French 0.922 → 0.912 and 0.982 → 0.980, the
/// regression set unchanged. A declared language still decides ambiguous text
/// ([`lingua_decision`]).
#[cfg(feature = "lingua")]
const ENGLISH_PRIOR: f64 = 1.04;

/// lingua's most likely candidate and its share of the probability mass, English weighed by
/// [`ENGLISH_PRIOR`].
#[cfg(feature = "lingua")]
fn lingua_best(lingua: &lingua::LanguageDetector, words: &str) -> Option<(Lang, f64)> {
    let values = lingua.compute_language_confidence_values(words);
    let weight = |language: lingua::Language| {
        if language == lingua::Language::English {
            ENGLISH_PRIOR
        } else {
            1.0
        }
    };
    let total: f64 = values.iter().map(|&(l, c)| c * weight(l)).sum();
    let (best, weighted) = values
        .iter()
        .map(|&(l, c)| (l, c * weight(l)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (weighted > 0.0).then(|| {
        (
            Lang::parse(&best.iso_code_639_1().to_string()).unwrap_or(Lang::UND),
            weighted / total,
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
    fn the_code_table_is_in_whatlangs_order() {
        for (i, (lang, _)) in ISO_639_1.iter().enumerate() {
            assert_eq!(*lang as usize, i, "{lang:?}");
        }
        assert_eq!(whatlang::Lang::all().len(), ISO_639_1.len());
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
        // Two of one list and none of the other: a headline.
        assert_eq!(
            latin_by_function_words("Simpler plans for Element, on-premise and cloud!", &en_fr),
            Some(Eng)
        );
        assert_eq!(latin_by_function_words("Amos Hochstein", &en_fr), None);
        // Contractions and possessives are English; French elision is not.
        assert_eq!(
            latin_by_function_words("Gantz’s plus, Lapid’s minus", &en_fr),
            Some(Eng)
        );
        assert_eq!(
            latin_by_function_words("It's over, they don't know", &en_fr),
            Some(Eng)
        );
        assert_eq!(latin_by_function_words("Macron’s visit", &en_fr), None);
        assert_eq!(
            latin_by_function_words("L’État s’est engagé, qu’il soit d’accord", &en_fr),
            None
        );
        assert_eq!(latin_by_function_words("the la of le", &en_fr), None);
        assert_eq!(latin_by_function_words("Gantz and Le Pen", &en_fr), None);
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
    fn latin_function_words_are_lower_case_ascii() {
        // `latin_by_function_words` compares lower-cased words byte for byte.
        for (lang, list) in LATIN_FUNCTION_WORDS {
            for word in list {
                assert!(
                    !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase()),
                    "{lang:?} {word}"
                );
            }
        }
    }

    /// The function-word count as first written: one `String` per word.
    fn count_reference(text: &str) -> FunctionWords {
        let mut counts = FunctionWords::default();
        let mut word = String::new();
        for raw in text.split(|c: char| {
            c.is_whitespace() || matches!(c, '-' | '\u{05BE}' | ',' | '.' | ':' | ';' | '"' | '\'')
        }) {
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5_000))]
        /// The allocation-free count agrees with the reference on words made of function-word
        /// pieces, points, Yiddish letters and separators.
        #[test]
        fn function_word_count_agrees_with_the_reference(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "של", "את", "לא", "אבל", "כי", "איז", "און", "געווען", "נישט", "דאס", "א", "ב",
                "\u{05B7}", "\u{05B8}", "\u{05BC}", "\u{0591}", "\u{05C0}", "\u{05F2}", "\u{FB1F}",
                "\u{05D0}\u{05B7}", " ", " ", "-", "\u{05BE}", ",", ".", "\"", "'", "\n", "\u{00A0}", "x",
            ]), 0..24)
        ) {
            let text: String = pieces.concat();
            proptest::prop_assert_eq!(FunctionWords::count(&text), count_reference(&text));
        }
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
        // A forum line from a real Israeli feed (chardet's hydepark.hevre.co.il sample).
        assert_eq!(count("קען מיר איינער דא העלפן E-BAY"), (false, 3, 0));
    }
}
