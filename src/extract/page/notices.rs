//! Short lines that are the site talking, not the article: copyright and photo credits, calls
//! to subscribe, follow or share, "read also" pointers, "updated on" stamps and bare dates,
//! "back to" links, advertising labels, download links, the comment section's and the author
//! box's labels.
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
        || is_back_link(&line)
        || is_advertising_label(&line)
        || is_download_link(&line)
        || is_comments_label(&line)
        || is_about_the_author(&line)
        || is_call_to_sign_up(&line)
}

/// "Sign up here", "Hier kostenlos anmelden", "Sie sind aktuell nicht eingeloggt": the site's
/// account and registration prompts.
fn is_call_to_sign_up(line: &str) -> bool {
    const PHRASES: [&str; 9] = [
        "sign up",
        "log in",
        "melde dich an",
        "jetzt anmelden",
        "kostenlos anmelden",
        "eingeloggt",
        "einloggen",
        "regístrate",
        "inscrivez-vous",
    ];
    line.chars().count() < 100 && PHRASES.iter().any(|p| has_word(line, p))
}

/// Whether `line` opens with one of `openings` as whole words.
fn opens_with(line: &str, openings: &[&str]) -> bool {
    openings.iter().any(|opening| {
        line.strip_prefix(opening)
            .is_some_and(|after| !after.starts_with(char::is_alphanumeric))
    })
}

/// "Zurück zur Startseite", "Back to top": a navigation link left in the article's box.
fn is_back_link(line: &str) -> bool {
    const OPENINGS: [&str; 7] = [
        "zurück zu",
        "zurück zur",
        "back to",
        "volver a",
        "retour à",
        "zum seitenanfang",
        "nach oben",
    ];
    line.chars().count() < 60 && opens_with(line, &OPENINGS)
}

/// "- Anzeige -", "*Werbung. Dieser Beitrag enthält …", "Affiliatelink": the label over an
/// advertisement (the word standing as a label, followed by punctuation or nothing, not
/// opening a sentence about advertising).
fn is_advertising_label(line: &str) -> bool {
    const LABELS: [&str; 10] = [
        "anzeige",
        "werbung",
        "advertisement",
        "publicidad",
        "publicité",
        "reklama",
        "sponsored",
        "gesponsert",
        "affiliatelink",
        "affiliate-link",
    ];
    let line = line.trim_start_matches(['-', '–', '*', '»', ' ']);
    line.chars().count() < 120
        && LABELS.iter().any(|label| {
            line.strip_prefix(label).is_some_and(|after| {
                after
                    .trim_start()
                    .chars()
                    .next()
                    .is_none_or(|c| matches!(c, '.' | ':' | '-' | '–' | '|' | '*' | ')' | ']'))
            })
        })
}

/// "Pressemitteilung als PDF", "Dieses Skript als PDF herunterladen": a download link.
fn is_download_link(line: &str) -> bool {
    const PHRASES: [&str; 4] = ["als pdf", "pdf herunterladen", "download pdf", "(pdf"];
    line.chars().count() < 80 && PHRASES.iter().any(|p| line.contains(p))
}

/// The comment section's labels and stamps: "Kommentare schreiben", "Comment by … — 17.07,
/// 2011", "Leave a reply".
fn is_comments_label(line: &str) -> bool {
    const OPENINGS: [&str; 10] = [
        "kommentare",
        "kommentar schreiben",
        "kommentierte artikel",
        "diskutieren sie mit",
        "comments",
        "comment by",
        "leave a comment",
        "leave a reply",
        "comentarios",
        "deja un comentario",
    ];
    line.chars().count() < 60 && opens_with(line, &OPENINGS)
}

/// The heading of the box about the author.
fn is_about_the_author(line: &str) -> bool {
    const HEADINGS: [&str; 8] = [
        "über den autor",
        "über die autorin",
        "fragen an den autor",
        "about the author",
        "sobre el autor",
        "à propos de l'auteur",
        "o autorze",
        "zur person",
    ];
    HEADINGS.contains(&line.trim_end_matches([':', ' ']))
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
    const OPENINGS: [&str; 35] = [
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
        // The blog's links to the posts before and after this one.
        "nachfolgebeitrag",
        "vorschau auf den nächsten artikel",
        "nächster artikel",
        "nächster beitrag",
        "vorheriger beitrag",
        "previous post",
        "next post",
        "previous article",
        "next article",
        "article précédent",
        "article suivant",
    ];
    opens_with(line, &OPENINGS)
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
        && opens_with(line, &LABELS)
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
