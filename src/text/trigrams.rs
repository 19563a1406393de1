//! whatlang's answer to the two questions the text core asks it most, without its hash maps.
//!
//! In: a text and the languages a detector is restricted to. Out: [`Detector::detect`] gives
//! exactly the `whatlang::Info` that `whatlang::Detector::with_allowlist(..).detect(..)` gives —
//! computed here for English/French on ASCII text (the pooled Latin names of a Hebrew paragraph)
//! and for Hebrew/Yiddish on unpointed Hebrew letters (the search key of a Hebrew run), and by
//! whatlang itself for everything else.
//! Never: an answer that differs from whatlang's. The four trigram profiles below are copied
//! verbatim from whatlang 0.18 (MIT License, © Serhii Potapov), and the arithmetic follows its
//! `combined`, `trigrams` and `alphabets` modules step for step; the tests compare every answer
//! with whatlang's own, so an upgrade that changes either fails the tests, not the labels.
//!
//! Why: whatlang counts a text's trigrams in a hash map, sorts them, builds a second hash map of
//! their ranks and looks each of a profile's 300 trigrams up in it — some 40,000 instructions
//! per call, and the text core calls it for most Hebrew paragraphs and most sets of names.
//! A sorted array and one merge per profile give the same numbers for a fraction of that.

use whatlang::{Info, Lang, Script};

/// `whatlang::Detector` restricted to some languages, answering the common cases itself.
#[derive(Debug)]
pub(crate) struct Detector {
    whatlang: whatlang::Detector,
    pair: Option<Pair>,
}

/// Two languages of one script whose profiles this module has, in the order whatlang lists the
/// script's languages (which decides ties).
#[derive(Debug)]
struct Pair {
    script: Script,
    langs: [Lang; 2],
    /// Every trigram of the two profiles written in the pair's letters, with its rank in each,
    /// for [`Pair::ranks_of`].
    table: Vec<Slot>,
}

/// A trigram of a pair's profiles (`EMPTY` marks an empty slot) and its rank in each profile
/// (`NOT_RANKED` when that profile does not have it).
#[derive(Debug, Clone, Copy)]
struct Slot {
    key: u16,
    ranks: [u16; 2],
}

const EMPTY: u16 = u16::MAX;
const NOT_RANKED: u16 = u16::MAX;

/// Slots of a pair's table: a power of two, under a third full with the 600 trigrams at most.
const TABLE_SLOTS: usize = 2048;

fn slot_of(key: u16) -> usize {
    (u32::from(key).wrapping_mul(0x9E37_79B1) >> (32 - TABLE_SLOTS.trailing_zeros())) as usize
}

impl Detector {
    pub fn with_allowlist(languages: Vec<Lang>) -> Detector {
        let allows = |pair: [Lang; 2]| {
            languages.iter().all(|l| pair.contains(l)) && pair.iter().all(|l| languages.contains(l))
        };
        let pair = if allows([Lang::Eng, Lang::Fra]) {
            Some(Pair::new(
                Script::Latin,
                [Lang::Eng, Lang::Fra],
                [&ENGLISH, &FRENCH],
            ))
        } else if allows([Lang::Heb, Lang::Yid]) {
            Some(Pair::new(
                Script::Hebrew,
                [Lang::Heb, Lang::Yid],
                [&HEBREW, &YIDDISH],
            ))
        } else {
            None
        };
        Detector {
            whatlang: whatlang::Detector::with_allowlist(languages),
            pair,
        }
    }

    /// What `whatlang::Detector::detect` answers.
    pub fn detect(&self, text: &str) -> Option<Info> {
        match self.pair.as_ref().and_then(|pair| pair.detect(text)) {
            Some(answer) => answer,
            None => self.whatlang.detect(text),
        }
    }
}

/// whatlang's stop characters (ASCII digits, punctuation, spaces, controls): word breaks.
fn is_stop_char(c: char) -> bool {
    matches!(c, '\u{0000}'..='\u{0040}' | '\u{005B}'..='\u{0060}' | '\u{007B}'..='\u{007E}')
}

/// A trigram of a pair's letters as a number that orders like whatlang's `Trigram` (three
/// chars, compared in turn): each letter is its [`Pair::letter_code`], 5 bits.
fn trigram_key(a: u16, b: u16, c: u16) -> u16 {
    (a << 10) | (b << 5) | c
}

/// whatlang's profiles rank at most this many trigrams, and a missing one counts this much.
const MAX_TRIGRAM_DISTANCE: u32 = 300;

impl Pair {
    fn new(script: Script, langs: [Lang; 2], profiles: [&[&str; 300]; 2]) -> Pair {
        let mut pair = Pair {
            script,
            langs,
            table: vec![
                Slot {
                    key: EMPTY,
                    ranks: [NOT_RANKED; 2],
                };
                TABLE_SLOTS
            ],
        };
        for (which, profile) in profiles.iter().enumerate() {
            for (trigram, rank) in profile.iter().zip(0..) {
                // A trigram with another character (a French accent, a Yiddish point) is never
                // one of a text this pair computes.
                let mut codes = trigram.chars().map(|c| pair.letter_code(c));
                let (Some(Some(a)), Some(Some(b)), Some(Some(c)), None) =
                    (codes.next(), codes.next(), codes.next(), codes.next())
                else {
                    continue;
                };
                let key = trigram_key(a, b, c);
                let mut i = slot_of(key);
                while pair.table[i].key != EMPTY && pair.table[i].key != key {
                    i = (i + 1) % TABLE_SLOTS;
                }
                pair.table[i].key = key;
                pair.table[i].ranks[which] = rank;
            }
        }
        pair
    }

    /// The ranks of a trigram in the two profiles.
    fn ranks_of(&self, key: u16) -> [u16; 2] {
        let mut i = slot_of(key);
        loop {
            let slot = self.table[i];
            if slot.key == key {
                return slot.ranks;
            }
            if slot.key == EMPTY {
                return [NOT_RANKED; 2];
            }
            i = (i + 1) % TABLE_SLOTS;
        }
    }

    /// The characters this pair computes itself, as whatlang sees them (lower-cased), numbered in
    /// their order from 1, with 0 for the space: ASCII letters for English/French, the 27 Hebrew
    /// letters for Hebrew/Yiddish.
    fn letter_code(&self, c: char) -> Option<u16> {
        let code = match self.script {
            Script::Latin if c.is_ascii_alphabetic() => {
                u32::from(c.to_ascii_lowercase()) - u32::from('a') + 1
            }
            Script::Hebrew if ('\u{05D0}'..='\u{05EA}').contains(&c) => u32::from(c) - 0x05D0 + 1,
            _ if c == ' ' => 0,
            _ => return None,
        };
        u16::try_from(code).ok()
    }

    /// whatlang's answer, or `None` when `text` has a character outside this pair's letters and
    /// whatlang's stop characters (or more distinct trigrams than a profile ranks).
    fn detect(&self, text: &str) -> Option<Option<Info>> {
        // trigrams::utils::count: the text lower-cased, stop characters as spaces, padded with a
        // space on each side; every trigram except those centred on a space next to a space.
        let mut keys: Vec<u16> = Vec::with_capacity(text.len() + 1);
        let mut letters = 0usize;
        let mut window: Option<(u16, u16)> = None;
        let mut push = |c1: u16, c2: u16, c3: u16| {
            if !(c2 == 0 && (c1 == 0 || c3 == 0)) {
                keys.push(trigram_key(c1, c2, c3));
            }
        };
        for c in text.chars() {
            let c3 = if is_stop_char(c) {
                0
            } else {
                letters += 1;
                self.letter_code(c).filter(|&code| code != 0)?
            };
            window = Some(match window {
                None => (0, c3),
                Some((c1, c2)) => {
                    push(c1, c2, c3);
                    (c2, c3)
                }
            });
        }
        if let Some((c1, c2)) = window {
            push(c1, c2, 0);
        }
        // No letter: no script, and whatlang gives no answer.
        if letters == 0 {
            return Some(None);
        }

        // Distinct trigrams by key, with their counts.
        keys.sort_unstable();
        let mut counted: Vec<(u16, u32)> = Vec::with_capacity(keys.len());
        for key in keys {
            match counted.last_mut() {
                Some((last, n)) if *last == key => *n += 1,
                _ => counted.push((key, 1)),
            }
        }
        // whatlang keeps the 600 most frequent; more than 300 is left to whatlang (its ranks
        // could then differ from a profile's by more than a missing trigram costs).
        if counted.len() > MAX_TRIGRAM_DISTANCE as usize {
            return None;
        }
        // Ranks: most frequent first, equal counts by trigram, descending — whatlang's sort of
        // (count, trigram) pairs, done as a counting sort (the keys are already in order).
        let most = counted.iter().map(|&(_, n)| n).max().unwrap_or(0) as usize;
        let mut first_rank = vec![0u32; most];
        for &(_, n) in &counted {
            first_rank[most - n as usize] += 1;
        }
        let mut start = 0;
        for slot in &mut first_rank {
            let size = *slot;
            *slot = start;
            start += size;
        }
        // Each count becomes the trigram's rank, in place.
        for entry in counted.iter_mut().rev() {
            let next = &mut first_rank[most - entry.1 as usize];
            entry.1 = *next;
            *next += 1;
        }
        let ranks = counted;
        let count = ranks.len() as u32;

        // trigrams::detection: the distance to a profile is, over its 300 trigrams, how far the
        // text ranks each from where the profile does, or 300 when the text lacks it; less
        // 300 for each rank the text does not fill. Summed here over the text's trigrams, which
        // are fewer.
        let mut near = [0u32; 2];
        let mut found = [0u32; 2];
        for &(key, position) in &ranks {
            for (lang, rank) in self.ranks_of(key).into_iter().enumerate() {
                if rank != NOT_RANKED {
                    near[lang] += position.abs_diff(u32::from(rank));
                    found[lang] += 1;
                }
            }
        }
        let max_distance = count * MAX_TRIGRAM_DISTANCE;
        let trigram_score = |lang: usize| {
            let mut total =
                near[lang] + (MAX_TRIGRAM_DISTANCE - found[lang]) * MAX_TRIGRAM_DISTANCE;
            if MAX_TRIGRAM_DISTANCE > count {
                total -= (MAX_TRIGRAM_DISTANCE - count) * MAX_TRIGRAM_DISTANCE;
            }
            let distance = total.min(MAX_TRIGRAM_DISTANCE * MAX_TRIGRAM_DISTANCE);
            f64::from(max_distance - distance) / f64::from(max_distance)
        };

        // combined: alphabet and trigram scores weighed by the text's length. Both languages
        // know every letter allowed here, so both alphabet scores are 1 (whatlang has no
        // Hebrew-script alphabets and gives both 1, counting 1 character).
        let alphabet_count = match self.script {
            Script::Latin => letters,
            _ => 1,
        };
        let alphabet_weight =
            (-(alphabet_count as f64 / 300.0) + 2.0 / 3.0).clamp(1.0 / 3.0, 2.0 / 3.0);
        let trigram_weight = 1.0 - alphabet_weight;
        let alphabet_score = 1.0;
        let score =
            |lang: usize| alphabet_score * alphabet_weight + trigram_score(lang) * trigram_weight;
        let scores = [score(0), score(1)];
        // The sort of two scores, highest first; equal scores keep whatlang's language order.
        let (first, second) = if scores[0] < scores[1] {
            (1, 0)
        } else {
            (0, 1)
        };
        let confidence = calculate_confidence(scores[first], scores[second], count);
        Some(Some(Info::new(self.script, self.langs[first], confidence)))
    }
}

/// whatlang's `calculate_confidence`.
fn calculate_confidence(highest_score: f64, second_score: f64, count: u32) -> f64 {
    if highest_score == 0.0 {
        return 0.0;
    }
    if second_score == 0.0 {
        return highest_score;
    }
    let confident_rate = (3.0 / f64::from(count)) + 0.015;
    let rate = (highest_score - second_score) / second_score;
    if rate > confident_rate {
        1.0
    } else {
        rate / confident_rate
    }
}

/// whatlang's `Eng` trigram profile, most frequent first.
const ENGLISH: [&str; 300] = [
    " th", "the", " an", "he ", "nd ", "and", "ion", " of", "of ", "tio", " to", "to ", "on ",
    " in", "al ", "ati", "igh", "ght", "rig", " ri", "or ", "ent", "as ", "ed ", "is ", "ll ",
    "in ", " be", "e r", "ne ", "one", "ver", "all", "s t", "eve", "t t", " fr", "s a", " ha",
    " re", "ty ", "ery", " or", "d t", " pr", "ht ", " co", " ev", "e h", "e a", "ng ", "ts ",
    "his", "ing", "be ", "yon", " sh", "ce ", "ree", "fre", "ryo", "n t", "her", "men", "nat",
    "sha", "pro", "nal", "y a", "has", "es ", "for", " hi", "hal", "f t", "n a", "n o", "nt ",
    " pe", "s o", " fo", "d i", "nce", "er ", "ons", "res", "e s", "ect", "ity", "ly ", "l b",
    "ry ", "e e", "ers", "e i", "an ", "e o", " de", "cti", "dom", "edo", "eed", "hts", "ter",
    "ona", "re ", " no", " wh", " a ", " un", "d f", " as", "ny ", "l a", "e p", "ere", " en",
    " na", " wi", "nit", "nte", "d a", "any", "ted", " di", "ns ", "sta", "th ", "per", "ith",
    "e t", "st ", "e c", "y t", "om ", "soc", " ar", "ch ", "t o", "d o", "nti", "s e", "equ",
    "ve ", "oci", "man", " fu", "ote", "oth", "ess", " al", " ac", "wit", "ial", " ma", "uni",
    " se", "rea", " so", " on", "lit", "int", "r t", "y o", "enc", "thi", "ual", "t a", " eq",
    "tat", "qua", "ive", " st", "ali", "e w", "l o", "are", "f h", "con", "te ", "led", " is",
    "und", "cia", "e f", "le ", " la", "y i", "uma", "by ", " by", "hum", "f a", "ic ", " hu",
    "ave", "ge ", "r a", " wo", "o a", "ms ", "com", " me", "eas", "s d", "tec", " li", "n e",
    "en ", "rat", "tit", "ple", "whe", "ate", "o t", "s r", "t f", "rot", " ch", "cie", "dis",
    "age", "ary", "o o", "anc", "eli", "no ", " fa", " su", "son", "inc", "at ", "nda", "hou",
    "wor", "t i", "nde", "rom", "oms", " ot", "g t", "eme", "tle", "iti", "gni", "s w", "itl",
    "duc", "d w", "whi", "act", "hic", "aw ", "law", " he", "ich", "min", "imi", "ort", "o s",
    "se ", "e b", "ntr", "tra", "edu", "oun", "tan", "e d", "nst", "l p", "d n", "ld ", "nta",
    "s i", "ble", "n p", " pu", "n s", " at", "ily", "rth", "tho", "ful", "ssi", "der", "o e",
    "cat", "uca", "unt", "ien", " ed", "o p", "h a", "era", "ind", "pen", "sec", "n w", "omm",
    "r s",
];

/// whatlang's `Fra` trigram profile, most frequent first.
const FRENCH: [&str; 300] = [
    " de",
    "es ",
    "de ",
    "ion",
    "nt ",
    "et ",
    "tio",
    " et",
    "ent",
    " la",
    "la ",
    "e d",
    "on ",
    "ne ",
    "oit",
    "e l",
    "le ",
    " le",
    "s d",
    "e p",
    "t d",
    "ati",
    "roi",
    " dr",
    "dro",
    "it ",
    " à ",
    " co",
    "té ",
    "ns ",
    "te ",
    "e s",
    "men",
    "re ",
    " to",
    "con",
    " l\u{2019}",
    "tou",
    "que",
    " qu",
    "les",
    " so",
    "des",
    "son",
    " pe",
    "ons",
    " un",
    "s l",
    "s e",
    " pr",
    "ue ",
    " pa",
    "e c",
    "t l",
    "ts ",
    "onn",
    " au",
    "e a",
    "eme",
    "e e",
    " li",
    "ont",
    "ant",
    "out",
    "ute",
    "t à",
    "res",
    "ers",
    " sa",
    "ce ",
    " a ",
    "tre",
    "per",
    "a d",
    "cti",
    "er ",
    "lib",
    "ité",
    " en",
    "ux ",
    " re",
    "en ",
    "rso",
    "à l",
    " ou",
    " in",
    "lle",
    "un ",
    "nat",
    "ou ",
    "nne",
    "n d",
    "une",
    " d\u{2019}",
    " se",
    "par",
    "nte",
    "us ",
    "ur ",
    "s s",
    "ans",
    "dan",
    "a p",
    "r l",
    "pro",
    "its",
    "és ",
    "t p",
    "ire",
    "e t",
    "s p",
    "sa ",
    " dé",
    "ond",
    "é d",
    "a l",
    "nce",
    "ert",
    "aux",
    "omm",
    "nal",
    "me ",
    " na",
    " fo",
    "iqu",
    " ce",
    "rté",
    "ect",
    "ale",
    "ber",
    "t a",
    "s a",
    " da",
    "mme",
    "ibe",
    "san",
    "e r",
    " po",
    "com",
    "al ",
    "s c",
    "qui",
    "our",
    "t e",
    " ne",
    "e n",
    "ous",
    "r d",
    "ali",
    "ter",
    " di",
    "fon",
    "e o",
    "au ",
    " ch",
    "air",
    "ui ",
    "ell",
    " es",
    "lit",
    "s n",
    "iss",
    "éra",
    "tes",
    "soc",
    "aut",
    "oci",
    "êtr",
    "ien",
    "int",
    "du ",
    "est",
    "été",
    "tra",
    "pou",
    " pl",
    "rat",
    "ar ",
    "ran",
    "rai",
    "s o",
    "ona",
    "ain",
    "cla",
    "éga",
    "anc",
    "rs ",
    "eur",
    "pri",
    "n c",
    "e m",
    "s t",
    "à u",
    " do",
    "ure",
    "bre",
    "ut ",
    " êt",
    "age",
    " ét",
    "nsi",
    "sur",
    "ein",
    "sen",
    "ser",
    "ndi",
    "ens",
    "ess",
    "ntr",
    "ir ",
    " ma",
    "cia",
    "n p",
    "st ",
    "a c",
    " du",
    "l e",
    " su",
    "bli",
    "ge ",
    "rés",
    " ré",
    "e q",
    "ass",
    "nda",
    "peu",
    "ée ",
    "l\u{2019}a",
    " te",
    "a s",
    "tat",
    "il ",
    "tés",
    "ais",
    "u d",
    "ine",
    "ind",
    "é e",
    "qu\u{2019}",
    " ac",
    "s i",
    "n t",
    "t c",
    "n a",
    "l\u{2019}h",
    "t q",
    "soi",
    "t s",
    "cun",
    "rit",
    " ég",
    "oir",
    "\u{2019}en",
    "nta",
    "hom",
    " on",
    "n e",
    " mo",
    "ie ",
    "ign",
    "rel",
    "nna",
    "t i",
    "l n",
    " tr",
    "ill",
    "ple",
    "s é",
    "l\u{2019}e",
    "rec",
    "a r",
    "ote",
    "sse",
    "uni",
    "idé",
    "ive",
    "s u",
    "t ê",
    "ins",
    "act",
    " fa",
    "n s",
    " vi",
    "gal",
    " as",
    "lig",
    "ssa",
    "pré",
    "leu",
    "e f",
    "lic",
    "dis",
    "ver",
    " nu",
    "ten",
    "ssi",
    "rot",
    "tec",
    "s m",
    "abl",
];

/// whatlang's `Heb` trigram profile, most frequent first.
const HEBREW: [&str; 300] = [
    "ות ", "ים ", "כל ", "ת ה", " כל", "דם ", "אדם", "יות", " של", " זכ", "ל א", " אד", "של ",
    "ל ה", "אי ", "ויו", "כאי", "ת ו", "י ל", "זכא", " ול", "לא ", " וה", "רות", "זכו", "ית ",
    "ירו", "ין ", " או", "ם ז", " לא", " הח", "או ", " הא", " וב", " המ", "חיר", "ת ל", "יים",
    "ם ל", "את ", "ת ב", "ת ש", "רה ", "ון ", " לה", "נה ", "כוי", "ותי", "ה ש", "ו ל", "ו ב",
    " הו", "ת א", "ם ב", "ם ו", "תו ", " את", "לה ", "ני ", "אומ", " במ", "דה ", "א י", "ה ה",
    "ה ב", "על ", "ם ה", " על", "הוא", "וך ", "ה א", "בוד", "וד ", "ואי", "נות", "ה ו", "ת כ",
    "י ה", "יה ", "ם ש", "ו ו", " שה", "ם א", "ו כ", "ינו", "ן ה", " שו", "שוו", "החי", "כות",
    "לאו", "בות", "דות", "ה ל", "לית", "ה מ", " בי", "וה ", "וא ", " הי", " לפ", "ור ", " לב",
    "ל ב", "בחי", "הכר", "לו ", "ת מ", "ן ש", "החו", "ה כ", " בכ", "ומי", "בין", "ן ו", "ן ל",
    "רוי", "פלי", "ולה", "ליה", " הז", "חינ", " לע", " בנ", "יבו", "חוק", " אח", "חבר", " יה",
    " חי", "מי ", "ירה", " חו", "האד", "ווה", "חופ", "ופש", "וק ", "נו ", "יו ", "ל מ", "מדי",
    "כבו", " הע", "נוך", " הד", "י א", "י ו", " הכ", "בני", "עה ", "ו א", "רצו", "דינ", "בזכ",
    "מות", "יפו", " אל", "סוד", "לם ", "איש", "רך ", " אי", "הגנ", "הם ", "פי ", "ם כ", "חות",
    "ל ו", "איל", "ילי", "תיה", "כלל", "אלי", "יסו", "האו", "זש ", " בא", "ר א", "ו ה", "זו ",
    "אחר", " הפ", " בע", " בז", "משפ", " בה", " לח", "דרך", "ומו", " בח", " דר", " מע", "ל י",
    "תוך", "מנו", " בש", "לל ", "רבו", " למ", "פני", " לק", "תם ", "שה ", "שית", "ללא", "לפי",
    "היה", "מעש", "דו ", "שות", "להג", "וצי", "שוא", "אין", "וי ", "תי ", "ונו", "ליל", " לו",
    "חיי", "ל ז", " זו", "היא", "יא ", "נתו", "ה פ", "לת ", "ובי", " לכ", "ך ה", "יל ", "י ש",
    "שיו", "ן ב", "עול", "המד", "ודה", "ולם", " ומ", "א ה", "ולא", " בת", "הכל", " סו", " מש",
    " עב", "סוצ", "ארצ", " אר", "ציא", "ד א", "לחי", "הן ", "יחס", " יח", "יאל", "הזכ", "ם נ",
    " שר", "בו ", "עבו", "היס", " לי", "ת ז", "פול", "יהי", "גבל", "תיו", "המא", "שהי", "א ל",
    "מאו", " יו", "ותו", "ישי", "גנה", "פשי", "וחד", "יהם", "חרו", "לכל", "ידה", "עות", "ונה",
    "ום ", "חה ", "עם ", "שרי", "ם י", "שר ", "והח", " אש", " הג", "ק ב", "הפל", "נשו", "הגב",
    "ד ו",
];

/// whatlang's `Yid` trigram profile, most frequent first.
const YIDDISH: [&str; 300] = [
    " פ\u{05BF}",
    "ון ",
    "ער ",
    "ן א",
    " א\u{05B7}",
    "דער",
    "ט א",
    " או",
    "און",
    "א\u{05B7}ר",
    "ען ",
    "פ\u{05BF}ו",
    " אױ",
    " אי",
    "ן פ",
    "\u{05BF}ון",
    "רעכ",
    " דע",
    " רע",
    "עכט",
    "פ\u{05BF}א",
    "ן ד",
    "כט ",
    " די",
    "די ",
    "א\u{05B7} ",
    "אױף",
    "ױף ",
    "\u{05BF}א\u{05B7}",
    " זײ",
    " גע",
    "א\u{05B7}ל",
    "א\u{05B8}ס",
    " א\u{05B8}",
    "ונג",
    " הא",
    "הא\u{05B8}",
    "זײ\u{05B7}",
    " מע",
    "א\u{05B8}ל",
    "נג ",
    "װא\u{05B8}",
    "\u{05B7}ן ",
    "א\u{05B7}נ",
    "רײ\u{05B7}",
    " װא",
    "\u{05B8}ס ",
    "בא\u{05B7}",
    " יע",
    "יעד",
    "ניט",
    "ן ז",
    "ר א",
    "יט ",
    "א\u{05B8}ט",
    "א\u{05B8}ר",
    "עדע",
    "מען",
    "זא\u{05B8}",
    "\u{05B8}ט ",
    "פ\u{05BF}ר",
    "ײ\u{05B7}ן",
    " בא",
    "טן ",
    "אין",
    "ן ג",
    "ין ",
    "ן װ",
    "נא\u{05B7}",
    "\u{05BF}רײ",
    "ר ה",
    " זא",
    "לעכ",
    "ע א",
    "א\u{05B8}ד",
    "\u{05B7} ר",
    "ענט",
    "א\u{05B7}צ",
    "\u{05B7}צי",
    "א\u{05B8}נ",
    " צו",
    " װע",
    "יז ",
    "מענ",
    "\u{05B8}דע",
    "איז",
    "ן מ",
    "\u{05B7}לע",
    "בן ",
    "ר מ",
    "טער",
    " מי",
    " פ\u{05BC}",
    "מיט",
    "טלע",
    "\u{05B8}ל ",
    "עכע",
    "ײט ",
    "\u{05B7}נד",
    "ע פ",
    "לע ",
    "געז",
    "לא\u{05B7}",
    "א\u{05B7}פ",
    "עזע",
    "רא\u{05B7}",
    " ני",
    "\u{05B7}פ\u{05BF}",
    "רן ",
    "ײ\u{05B7}נ",
    "נען",
    "טיק",
    "כע ",
    "פ\u{05BF}ע",
    "יע ",
    "הײט",
    "\u{05B7}הײ",
    "נטש",
    "ײ\u{05B7}ה",
    "ט ד",
    "ן ב",
    "לן ",
    "ן נ",
    "פ\u{05BF}ט",
    "שא\u{05B7}",
    "רונ",
    " זי",
    " װי",
    "ט פ",
    " דא",
    "טא\u{05B8}",
    "דיק",
    "קן ",
    "ר פ",
    "ר ג",
    "יקן",
    "א\u{05B8}ב",
    "ף א",
    "א\u{05B7}ק",
    "קער",
    "ערע",
    "כער",
    "י פ",
    "ות ",
    "\u{05B7}רב",
    "פ\u{05BC}ר",
    "קט ",
    "עם ",
    "יא\u{05B8}",
    "ציע",
    "ציא",
    "יט\u{05BE}",
    "צו ",
    "ישע",
    " קײ",
    "ן ק",
    "סער",
    " גל",
    "דא\u{05B8}",
    "ונט",
    "גן ",
    "\u{05B7}רא",
    "יקע",
    " טא",
    "ענע",
    "לײ\u{05B7}",
    "שן ",
    "\u{05B7}נע",
    "יק ",
    "טא\u{05B7}",
    "ס א",
    "עט ",
    "נגע",
    "ט\u{05BE}א",
    "\u{05B8}נא",
    "\u{05BE}אי",
    "יקט",
    "נטע",
    "ײנע",
    "\u{05BE}ני",
    "\u{05B8}ר ",
    "װער",
    "י א",
    "ן י",
    "יך ",
    "זיך",
    "ער\u{05BE}",
    "ערן",
    "אױס",
    "\u{05B8}בן",
    "נדע",
    "\u{05B8}סע",
    "װי ",
    "\u{05BF}על",
    "ר\u{05BE}נ",
    "ן ה",
    " גר",
    "גלײ",
    " צי",
    "רא\u{05B8}",
    "זעל",
    "עלק",
    "נד ",
    "לקע",
    "א\u{05B8}פ",
    " כ\u{05BC}",
    "ט װ",
    "ג א",
    " נא",
    "ט צ",
    "ר ד",
    "עס ",
    "דור",
    "גען",
    "קע ",
    "ג פ",
    "\u{05BF}ט ",
    "ן ל",
    "שע ",
    "ר ז",
    "רע ",
    "ײטן",
    "פ\u{05BC}ע",
    "קלא",
    "קײט",
    "יטע",
    "ים ",
    "ס ז",
    "ײ\u{05B7} ",
    " דו",
    "א\u{05B7}ט",
    " לא",
    "ר װ",
    "קײנ",
    "עלש",
    "י ד",
    "לשא",
    "יות",
    "נט ",
    "\u{05B7}רז",
    "ע ר",
    "ל ז",
    "א\u{05B7}מ",
    "ן ש",
    " שו",
    "אינ",
    "נטל",
    " הי",
    "בעט",
    "\u{05B8}פ\u{05BC}",
    "ף פ",
    "ײ\u{05B7}כ",
    "בער",
    "ן צ",
    "מא\u{05B8}",
    " שט",
    " לע",
    "גער",
    "ורך",
    "רך ",
    "נעם",
    "גרו",
    "פ\u{05BF}ן",
    "לער",
    "װעל",
    "ע מ",
    "ום ",
    "שפ\u{05BC}",
    "ך א",
    "יונ",
    "רבע",
    "עפ\u{05BF}",
    "טעט",
    "ן כ",
    "רעס",
    "ערצ",
    "ז א",
    "עמע",
    "ם א",
    "שטע",
    "כן ",
    "רט ",
    "י ג",
    "סן ",
    "נער",
    "ליט",
    "ט ז",
    "נעמ",
    "\u{05BC}רא",
    "היו",
    "א\u{05B7}ש",
    "ת װ",
    "אומ",
    "ק א",
    "יבע",
    "\u{05BF}ן ",
    "ץ א",
    "פ\u{05BF}י",
    "ײן ",
    "ם ט",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn check(langs: [Lang; 2], text: &str) -> bool {
        let ours = Detector::with_allowlist(langs.to_vec());
        let theirs = whatlang::Detector::with_allowlist(langs.to_vec());
        assert_eq!(ours.detect(text), theirs.detect(text), "{text:?}");
        ours.pair.as_ref().and_then(|p| p.detect(text)).is_some()
    }

    #[test]
    fn every_profile_has_300_distinct_trigrams() {
        for profile in [&ENGLISH, &FRENCH, &HEBREW, &YIDDISH] {
            let mut trigrams: Vec<&str> = profile.to_vec();
            trigrams.sort_unstable();
            trigrams.dedup();
            assert_eq!(trigrams.len(), 300);
            assert!(
                profile.iter().all(|t| t.chars().count() == 3),
                "{profile:?}"
            );
        }
    }

    #[test]
    fn only_the_two_pairs_are_computed_here() {
        assert!(
            Detector::with_allowlist(vec![Lang::Fra, Lang::Eng])
                .pair
                .is_some()
        );
        assert!(
            Detector::with_allowlist(vec![Lang::Heb, Lang::Yid])
                .pair
                .is_some()
        );
        assert!(
            Detector::with_allowlist(vec![Lang::Eng, Lang::Deu])
                .pair
                .is_none()
        );
        assert!(
            Detector::with_allowlist(vec![Lang::Eng, Lang::Fra, Lang::Deu])
                .pair
                .is_none()
        );
        assert!(Detector::with_allowlist(vec![Lang::Eng]).pair.is_none());
    }

    /// Real sentences of every language whatlang might confuse with the pair, cut to the sample
    /// sizes the text core uses, and the search keys of Hebrew sentences.
    #[test]
    fn answers_are_whatlangs_on_real_sentences() {
        let mut computed = 0;
        for (lang, pair) in [
            ("en", [Lang::Eng, Lang::Fra]),
            ("fr", [Lang::Eng, Lang::Fra]),
            ("de", [Lang::Eng, Lang::Fra]),
            ("he", [Lang::Heb, Lang::Yid]),
        ] {
            let text = crate::test_corpus::read_text(&format!(
                "lingua-testdata/language-testdata/sentences/{lang}.txt"
            ));
            for line in text.lines().take(400) {
                let key = crate::text::search_key(line);
                for sample in [&line[..line.floor_char_boundary(128)], line, &key] {
                    computed += usize::from(check(pair, sample));
                }
            }
        }
        assert!(computed > 1000, "{computed}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(5_000))]
        /// Names and words in ASCII, with the punctuation and digits a sample may hold.
        #[test]
        fn english_french_answers_are_whatlangs(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                'a', 'e', 'i', 'o', 'u', 't', 'h', 'n', 's', 'r', 'l', 'd', 'c', 'q', 'w', 'x', 'y',
                'z', 'E', 'T', 'L', ' ', ' ', ' ', '\'', '-', '.', '1', '\u{7F}', '\u{E9}',
            ]), 0..160)
        ) {
            let text: String = chars.into_iter().collect();
            check([Lang::Eng, Lang::Fra], &text);
        }

        /// Hebrew and Yiddish search keys: letters, quotes, dashes and spaces.
        #[test]
        fn hebrew_yiddish_answers_are_whatlangs(
            words in proptest::collection::vec(proptest::sample::select(vec![
                "של", "את", "איז", "און", "פון", "דער", "ניט", "וואס", "געווען", "דאס", "זיך",
                "ער", "די", "ווערט", "הוא", "היא", "ירושלים", "צה\"ל", "ח'", "בית-חולים", "ייִדיש",
                "א", "ב", "ן", "1", "-", " ",
            ]), 0..40)
        ) {
            let text = words.join(" ");
            check([Lang::Heb, Lang::Yid], &text);
        }
    }
}
