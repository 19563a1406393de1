//! Short lines that are the site talking, not the article: copyright and photo credits, calls
//! to subscribe, follow or share, "read also" pointers, "updated on" stamps and bare dates.
//! Sites print them inside the article's container, where no class or id word marks them, so
//! they are recognised by what they say (trafilatura and jusText keep similar phrase lists).
//! Only short lines are judged: a paragraph of prose that mentions a subscription is prose.

/// Longest line (characters) judged by its phrases.
const NOTICE_MAX_CHARS: usize = 200;

/// Whether a block's text is a notice of the site's rather than the article's.
pub(super) fn is_notice(text: &str) -> bool {
    let line = text.trim().to_lowercase();
    if line.is_empty() || line.chars().count() >= NOTICE_MAX_CHARS {
        return false;
    }
    is_copyright(&line)
        || is_credit(&line)
        || is_call_to_subscribe(&line)
        || is_call_to_follow(&line)
        || is_share_label(&line)
        || is_read_also(&line)
        || is_update_stamp(&line)
        || is_bare_date(&line)
}

/// "© 2022 …", "Alle Rechte vorbehalten", "Materiał chroniony prawem autorskim": the rights
/// notice of the site, or of a photo.
fn is_copyright(line: &str) -> bool {
    const PHRASES: [&str; 8] = [
        "©",
        "copyright",
        "all rights reserved",
        "alle rechte vorbehalten",
        "todos los derechos reservados",
        "tous droits réservés",
        "wszelkie prawa zastrzeżone",
        "chroniony prawem autorskim",
    ];
    PHRASES.iter().any(|p| line.contains(p))
}

/// A photo credit or source line: "Foto: dpa", "Crédits photos : Bestimage", "…, photo:
/// Archives", "(Credit: …)", an agency's picture line.
fn is_credit(line: &str) -> bool {
    const LABELS: [&str; 11] = [
        "photo",
        "photos",
        "foto",
        "fotos",
        "bild",
        "image",
        "titelbild",
        "crédit photo",
        "crédits photos",
        "credit",
        "credits",
    ];
    const INSIDE: [&str; 6] = [
        ", photo:",
        "(photo:",
        "(credit:",
        ", credit:",
        "getty images",
        "image illustrative",
    ];
    let labelled = LABELS.iter().chain(["quelle"].iter()).any(|label| {
        line.strip_prefix(label)
            .is_some_and(|rest| rest.trim_start().starts_with(':'))
    });
    labelled || INSIDE.iter().any(|p| line.contains(p))
}

/// "Subscribe now …", "RSS-Feed abonnieren", "Suscríbete", "Hazte miembro".
fn is_call_to_subscribe(line: &str) -> bool {
    const WORDS: [&str; 2] = ["subscribe", "abonnieren"];
    const PHRASES: [&str; 5] = [
        "suscríbete",
        "suscribirse",
        "abonnez",
        "hazte miembro",
        "do subskrypcji",
    ];
    WORDS.iter().any(|w| has_word(line, w)) || PHRASES.iter().any(|p| line.contains(p))
}

/// "Follow us on …", "Síguenos en Telegram", "download the … app".
fn is_call_to_follow(line: &str) -> bool {
    const PHRASES: [&str; 10] = [
        "follow us",
        "síguenos",
        "siguenos",
        "folgen sie uns",
        "folge uns",
        "suivez-nous",
        "únete",
        "canal de telegram",
        "canal de youtube",
        "on twitter and",
    ];
    PHRASES.iter().any(|p| line.contains(p))
        || line
            .find("download the ")
            .is_some_and(|at| line[at..].contains(" app"))
}

/// A share button's label: "Jetzt teilen!", "Seite teilen", "Share on Facebook".
fn is_share_label(line: &str) -> bool {
    const PREFIXES: [&str; 4] = ["", "jetzt ", "seite ", "artikel "];
    const VERBS: [&str; 5] = [
        "teilen",
        "share",
        "compartir",
        "partager",
        "weiterempfehlen",
    ];
    line.chars().count() <= 45
        && PREFIXES.iter().any(|prefix| {
            line.strip_prefix(prefix).is_some_and(|rest| {
                VERBS.iter().any(|verb| {
                    rest.strip_prefix(verb)
                        .is_some_and(|after| !after.starts_with(char::is_alphanumeric))
                })
            })
        })
}

/// A pointer to another article: "Lesen Sie auch: …", "Zobacz także", "PUEDES VER: …",
/// "Das könnte dich auch interessieren".
fn is_read_also(line: &str) -> bool {
    const OPENINGS: [&str; 24] = [
        "lesen sie auch",
        "lesen sie mehr",
        "das könnte dich",
        "das könnte sie",
        "das thema könnte dich",
        "schon gelesen",
        "weitere artikel zum thema",
        "mehr zum thema",
        "auch interessant",
        "zobacz także",
        "zobacz też",
        "czytaj więcej",
        "czytaj też",
        "czytaj także",
        "puedes ver",
        "mira:",
        "lee también",
        "ver también",
        "read more",
        "read also",
        "see also",
        "related",
        "lire aussi",
        "à lire aussi",
    ];
    OPENINGS.iter().any(|opening| {
        line.strip_prefix(opening)
            .is_some_and(|after| !after.starts_with(char::is_alphanumeric))
    })
}

/// "Aktualisiert: 11.04.2020, 10:27", "opublikowano: 7 kwietnia 2021": when the page changed,
/// which the record carries as metadata.
fn is_update_stamp(line: &str) -> bool {
    const LABELS: [&str; 9] = [
        "aktualisiert",
        "publiziert",
        "ultima modifica",
        "last modified",
        "last updated",
        "updated",
        "opublikowano",
        "actualizado",
        "mis à jour",
    ];
    line.chars().count() < 60
        && line.chars().any(|c| c.is_ascii_digit())
        && LABELS.iter().any(|label| {
            line.strip_prefix(label)
                .is_some_and(|after| !after.starts_with(char::is_alphanumeric))
        })
}

/// A line that is only a date or a time ("27.01.2022", "3:59 PM", "11 Jan 2019", "April 3,
/// 2019"): a post's or comment's stamp, never a sentence of the article.
fn is_bare_date(line: &str) -> bool {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const GERMAN: [&str; 4] = ["mär", "mai", "okt", "dez"];
    const NOISE: [&str; 6] = ["am", "pm", "uhr", "a.m.", "p.m.", "h"];
    let (mut digits, mut shaped) = (0, false);
    for token in line.split(|c: char| c.is_whitespace() || matches!(c, ',' | '|' | '–' | '-')) {
        let token = token.trim_matches(|c: char| matches!(c, '.' | '(' | ')'));
        if token.is_empty() || NOISE.contains(&token) {
            continue;
        }
        if token
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '/' | ':'))
        {
            digits += token.chars().filter(char::is_ascii_digit).count();
            shaped |= token.contains(['.', '/', ':']);
            continue;
        }
        let month = token.chars().count() >= 3
            && token.chars().all(char::is_alphabetic)
            && (MONTHS.iter().chain(GERMAN.iter()))
                .any(|m| token.starts_with(m) && token.chars().count() <= 9);
        if !month {
            return false;
        }
        shaped = true;
    }
    // Three digits at least, so a lone "5." is not a date, and a month or a separator, so a
    // year alone (a timeline's heading) is not one either.
    digits >= 3 && shaped
}

/// Whether `word` occurs in `line` as a whole word.
fn has_word(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}
