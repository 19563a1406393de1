//! Short lines that are the site talking, not the article: copyright and photo credits, calls
//! to subscribe, follow or share, "read also" pointers, "updated on" stamps and bare dates,
//! "back to" links, advertising labels, download links, the comment section's and the author
//! box's labels, the terms of reprint and the paywall's prompts.
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
        || is_reprint_notice(&line)
        || is_paywall_prompt(&line)
}

/// "This material may not be published, broadcast, rewritten or redistributed" (the agencies'
/// line under syndicated stories), "Written permission must be obtained before reprint": the
/// terms of reuse, which no news sentence states in these words.
fn is_reprint_notice(line: &str) -> bool {
    const PHRASES: [&str; 3] = [
        "may not be published, broadcast, rewritten",
        "is the copyrighted property of",
        "must be obtained before reprint",
    ];
    // "The court ruled the book may not be reproduced" is news: the terms speak of this page.
    const ABOUT_THIS: [&str; 6] = [
        "this material",
        "this article",
        "this content",
        "this story",
        "the content of this",
        "no part of this",
    ];
    PHRASES.iter().any(|p| line.contains(p))
        || (opens_with(line, &ABOUT_THIS)
            && [
                "may not be",
                "without permission",
                "without written permission",
            ]
            .iter()
            .any(|p| line.contains(p)))
}

/// The paywall's and the newsletter box's prompts to the reader: "If you're seeing this message
/// but you're already a subscriber, you can log in", "To continue reading, become a member",
/// "If you enjoyed reading this post, …".
fn is_paywall_prompt(line: &str) -> bool {
    // Addressed to the reader, or the site speaking of itself: "Readers who are already
    // subscribers were not charged", "The bank applied for immediate access to the funds" and
    // "Officials urged residents to continue reading the guidance" are news.
    const PROMPTS: [&str; 5] = [
        "re already a subscriber",
        "already a subscriber?",
        "for immediate access to this",
        "support our journalism",
        "support our newsroom",
    ];
    PROMPTS.iter().any(|p| line.contains(p))
        || opens_with(
            line,
            &[
                "to continue reading",
                "continue reading",
                "if you enjoyed this",
                "if you enjoyed reading",
                "if you liked this",
                "did you enjoy this",
            ],
        )
}

/// "Sign up here", "Hier kostenlos anmelden", "Sie sind aktuell nicht eingeloggt": the site's
/// account and registration prompts.
fn is_call_to_sign_up(line: &str) -> bool {
    // As the line's first words, or as a prompt: "Users who sign up before May get a discount"
    // is news.
    const OPENINGS: [&str; 6] = [
        "sign up",
        "log in",
        "melde dich an",
        "regístrate",
        "inscrivez-vous",
        "הירשמו",
    ];
    const PROMPTS: [&str; 8] = [
        "sign up here",
        "sign up now",
        "please log in",
        "jetzt anmelden",
        "kostenlos anmelden",
        "nicht eingeloggt",
        "jetzt einloggen",
        "hier einloggen",
    ];
    line.chars().count() < 100
        && (opens_with(line, &OPENINGS) || PROMPTS.iter().any(|p| has_word(line, p)))
}

/// Whether `line` ends with `words`, trailing punctuation aside.
fn closes_with(line: &str, words: &str) -> bool {
    line.trim_end_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace())
        .ends_with(words)
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
    // Back to a place of the site, not "Back to school: what parents need to know".
    const PLACES: [&str; 16] = [
        "top",
        "home",
        "startseite",
        "übersicht",
        "overview",
        "index",
        "list",
        "liste",
        "seitenanfang",
        "inicio",
        "accueil",
        "news",
        "blog",
        "artikel",
        "articles",
        "nach oben",
    ];
    line.chars().count() < 60
        && opens_with(line, &OPENINGS)
        && PLACES.iter().any(|p| has_word(line, p))
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
    // "Comments by the minister drew criticism" is news: a label stands alone or before a
    // count, a colon or a bracket.
    let labelled = OPENINGS.iter().any(|opening| {
        line.strip_prefix(opening).is_some_and(|after| {
            !after.starts_with(char::is_alphanumeric)
                && (*opening != "comments"
                    || after.trim_start().chars().next().is_none_or(|c| {
                        c.is_ascii_digit() || matches!(c, ':' | '(' | '[' | '|' | '-' | '–')
                    }))
        })
    });
    line.chars().count() < 60 && labelled
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
    // "The copyright lawsuit was dismissed" is news: the word opens a notice.
    if opens_with(line, &["copyright", "(c) copyright"]) {
        return true;
    }
    const PHRASES: [&str; 10] = [
        "©",
        "all rights reserved",
        "כל הזכויות שמורות",
        "جميع الحقوق محفوظة",
        "все права защищены",
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
        "(getty images",
        "image illustrative",
    ];
    // An agency's name closing the line is its credit; "Getty Images agreed to buy …" is news.
    if closes_with(line, "getty images") {
        return true;
    }
    let labelled = LABELS
        .iter()
        .chain(["quelle", "צילום", "קרדיט", "تصوير", "фото"].iter())
        .any(|label| {
            line.strip_prefix(label)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        });
    labelled || INSIDE.iter().any(|p| line.contains(p))
}

/// "Subscribe now …", "RSS-Feed abonnieren", "Suscríbete", "Hazte miembro".
fn is_call_to_subscribe(line: &str) -> bool {
    // An imperative or a prompt: "Netflix said viewers could subscribe for $5" is news.
    if opens_with(line, &["subscribe", "abonnieren", "abonnez-vous"])
        || closes_with(line, "abonnieren")
    {
        return true;
    }
    const WORDS: [&str; 5] = [
        "please subscribe",
        "subscribe now",
        "subscribe today",
        "subscribe to our",
        "jetzt abonnieren",
    ];
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
        "nuestro canal de",
        "tenemos canal de",
        "עקבו אחרינו",
    ];
    // "He posted the video on Twitter and Facebook" is news; "Follow … on Twitter and
    // Instagram" is not.
    let follow_on = line.contains("follow") && line.contains("on twitter and");
    // "For the latest news download the … app", not "Customers can download the new app".
    let get_the_app = (opens_with(line, &["download the", "for the latest"])
        || line.contains("download our"))
        && line.contains(" app");
    PHRASES.iter().any(|p| line.contains(p)) || follow_on || get_the_app
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
                    rest.strip_prefix(verb).is_some_and(|after| {
                        // "Share this", "Share on Facebook", "Jetzt teilen!"; not "Share prices
                        // fell 3%".
                        let after = after.trim_start();
                        after.chars().next().is_none_or(|c| !c.is_alphanumeric())
                            || ["this", "on ", "via ", "article", "page", "story"]
                                .iter()
                                .any(|w| after.starts_with(w))
                    })
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
    // English openings start sentences too ("Related charges were filed", "Read more books,
    // the minister urged"): there they must stand as a label, alone or before a colon, a dash
    // or a quote.
    const SENTENCE_OPENINGS: [&str; 9] = [
        "read more",
        "read also",
        "see also",
        "related",
        "previous post",
        "next post",
        "previous article",
        "next article",
        "lee también",
    ];
    OPENINGS
        .iter()
        .chain(HEBREW_ARABIC_RUSSIAN.iter())
        .any(|opening| {
            line.strip_prefix(opening).is_some_and(|after| {
                if after.starts_with(char::is_alphanumeric) {
                    return false;
                }
                !SENTENCE_OPENINGS.contains(opening)
                    || after.trim_start().chars().next().is_none_or(|c| {
                        matches!(
                            c,
                            ':' | '-' | '–' | '—' | '|' | '»' | '›' | '"' | '“' | '«' | '>'
                        )
                    })
                    || [
                        "articles", "stories", "posts", "coverage", "content", "reading",
                    ]
                    .iter()
                    .any(|w| after.trim_start().starts_with(w))
            })
        })
}

/// "קראו גם", "اقرأ أيضا", "Читайте также": the same pointer in nahar's other languages.
const HEBREW_ARABIC_RUSSIAN: [&str; 5] = [
    "קראו גם",
    "ראו גם",
    "اقرأ أيضا",
    "اقرأ أيضاً",
    "читайте также",
];

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
    // After the label, the date: "Updated figures show 3% growth" is news.
    let dated = LABELS
        .iter()
        .chain(["עודכן", "обновлено"].iter())
        .any(|label| {
            line.strip_prefix(label).is_some_and(|after| {
                let after = after.trim_start_matches(|c: char| {
                    c.is_whitespace() || matches!(c, ':' | '-' | '|' | ',')
                });
                let after = ["on ", "am ", "le ", "el ", "at "]
                    .iter()
                    .find_map(|w| after.strip_prefix(w))
                    .unwrap_or(after);
                after.starts_with(|c: char| c.is_ascii_digit()) || is_bare_date(after)
            })
        });
    line.chars().count() < 60 && line.chars().any(|c| c.is_ascii_digit()) && dated
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
