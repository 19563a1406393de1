//! Article extraction's tests: each rule on small pages.

use super::*;

const PROSE: &str = "The committee met for six hours on Tuesday and agreed, after a long \
    debate, to publish its findings before the end of the month, the chair said.";

fn texts(html: &str) -> Vec<String> {
    extract(html, None, &PageRules::default())
        .blocks
        .into_iter()
        .map(|b| b.text)
        .collect()
}

fn page(body: &str) -> String {
    format!("<html><head><title>T</title></head><body>{body}</body></html>")
}

#[test]
fn prose_in_a_second_container_is_kept_but_not_the_author_box() {
    let html = page(&format!(
        "<div class=lead><p>Lead paragraph: {PROSE}</p></div>\
         <div class=article-body><p>One. {PROSE}</p><p>Two. {PROSE}</p><p>Three. {PROSE}</p></div>\
         <div class=author-box><p>Dana Levi writes about the committee and has done so for \
         many years, from Jerusalem and from Tel Aviv.</p></div>"
    ));
    let out = texts(&html).join("\n");
    assert!(out.contains("Lead paragraph"), "{out}");
    assert!(out.contains("Three."), "{out}");
    assert!(!out.contains("Dana Levi"), "{out}");
}

#[test]
fn a_removed_box_takes_its_heading_and_one_link_paragraphs_are_links() {
    let html = page(&format!(
        "<article><p>One. {PROSE}</p>\
         <p>Read also: <a href=/x>The committee's last report, and what came of it</a></p>\
         <p>Two. {PROSE}</p>\
         <h3>Related stories</h3><ul class=related><li><a href=/a>First story</a></li>\
         <li><a href=/b>Second story</a></li></ul></article>"
    ));
    let out = texts(&html);
    assert!(out.iter().any(|t| t.starts_with("Two.")), "{out:?}");
    assert!(!out.iter().any(|t| t.contains("Read also")), "{out:?}");
    assert!(
        !out.iter().any(|t| t.contains("Related stories")),
        "{out:?}"
    );
    assert!(!out.iter().any(|t| t.contains("First story")), "{out:?}");
}

#[test]
fn an_unclosed_link_cloned_over_the_article_does_not_make_it_navigation() {
    // The parser reopens the `<a>` in every following paragraph: all the text is "in links",
    // under one target.
    let paragraphs: String = (0..6).map(|i| format!("<p>{i}. {PROSE}</p>")).collect();
    let html = page(&format!(
        "<nav><a href=/1>Home</a> <a href=/2>World</a></nav>\
         <div class=story><p><a href=/gallery>Photos</p>{paragraphs}</div>"
    ));
    let out = texts(&html);
    assert!(out.iter().any(|t| t.starts_with("5.")), "{out:?}");
    assert!(!out.iter().any(|t| t == "Home World"), "{out:?}");
}

#[test]
fn talkbacks_captions_and_colon_labels_are_not_the_article() {
    let html = page(&format!(
        "<article><p>One. {PROSE}</p><figure><img src=a.jpg>\
         <figcaption>The committee room on Tuesday, photographed from the public gallery \
         upstairs.</figcaption></figure><p>Two. {PROSE}</p><p>Anzeige:</p></article>\
         <div class=talkbacks><p>Reader 1: I think the committee should have met for \
         longer than six hours, given everything.</p></div>"
    ));
    let out = texts(&html).join("\n");
    assert!(out.contains("Two."), "{out}");
    assert!(!out.contains("committee room"), "{out}");
    assert!(!out.contains("Reader 1"), "{out}");
    assert!(!out.contains("Anzeige"), "{out}");
}

#[test]
fn a_direction_declared_above_the_article_is_every_paragraphs_hint() {
    let html = format!(
        "<html dir=rtl><body><main><article><p>One. {PROSE}</p><p dir=ltr>Two. {PROSE}</p>\
         </article></main></body></html>"
    );
    let page = extract(&html, None, &PageRules::default());
    assert_eq!(page.dir, Some(Dir::Rtl));
    let dirs: Vec<Option<Dir>> = page.blocks.iter().map(|b| b.dir).collect();
    assert_eq!(dirs, vec![Some(Dir::Rtl), Some(Dir::Ltr)]);
}

#[test]
fn a_gallery_inside_the_declared_article_body_does_not_replace_it() {
    // Twenty captions, each a heading and a paragraph with commas, outscore the article's
    // three paragraphs; the short numbered lines between them are the article's headings.
    let captions: String = (1..=20)
        .map(|i| format!("<li><h2>{i}/20 Photo</h2><p>Caption {i}, {PROSE}</p></li>"))
        .collect();
    let html = page(&format!(
        "<div itemprop=articleBody><p>1. Take the blankets off the bed</p><p>One. {PROSE}</p>\
         <p>2. Check the peep hole</p><p>Two. {PROSE}</p><p>Three. {PROSE}</p>\
         <div class=gallery-wrapper><div class=scroller><ul class=captions>{captions}</ul></div>\
         </div></div>"
    ));
    let out = texts(&html);
    assert!(
        out.iter().any(|t| t == "1. Take the blankets off the bed"),
        "{out:?}"
    );
    assert!(out.iter().any(|t| t == "2. Check the peep hole"), "{out:?}");
}

/// The blocks of an article whose paragraphs are `lines` between two paragraphs of prose, with
/// `extra` markup after them.
fn article_around(lines: &[&str], extra: &str) -> Vec<String> {
    let lines: String = lines.iter().map(|l| format!("<p>{l}</p>")).collect();
    texts(&page(&format!(
        "<article><p>One. {PROSE}</p>{lines}<p>Two. {PROSE}</p>{extra}</article>"
    )))
}

/// Asserts that no line of `notices` is left in `out`, and the prose after them is.
fn assert_dropped(notices: &[&str], out: &[String]) {
    for notice in notices {
        assert!(!out.iter().any(|t| t == notice), "{notice}: {out:?}");
    }
    assert!(out.iter().any(|t| t.starts_with("Two.")), "{out:?}");
}

#[test]
fn the_sites_notices_inside_the_article_are_not_the_article() {
    let notices = [
        "© 2022, Example News. This article is the copyrighted property of Example News.",
        "Crédits photos : Bestimage",
        "Roman Prymula, photo: Archives du Gouvernement",
        "Subscribe now to our e-edition for the full story.",
        "Siguenos en Telegram, Instagram, Facebook y Twitter",
        "For the latest stories download the Example News app for iOS and Android.",
        "Jetzt teilen!",
        "Lesen Sie auch: Der Ausschuss und sein letzter Bericht",
        "Next post: The committee's second day",
        "Aktualisiert: 11.04.2020, 10:27",
        "3:59 PM",
        "11 Jan 2019",
    ];
    let out = article_around(
        &notices,
        "<h2>2019</h2><p>Readers who subscribe to the committee's newsletter, the chair said on \
         Tuesday, will get its findings first, before they are published at the end of the \
         month, and may send it their questions until the hearings close.</p>",
    );
    assert_dropped(&notices, &out);
    assert!(
        out.iter().any(|t| t == "2019"),
        "a year is not a date: {out:?}"
    );
    assert!(
        out.iter().any(|t| t.starts_with("Readers who subscribe")),
        "a long paragraph is prose: {out:?}"
    );
}

#[test]
fn back_links_ad_labels_downloads_and_comment_labels_are_not_the_article() {
    let notices = [
        "Zurück zur Startseite",
        "- Anzeige -",
        "*Werbung. Dieser Beitrag enthält Werbung für eine Marke.",
        "Pressemitteilung als PDF",
        "Kommentare schreiben",
        "Comment by Tim — 17.07, 2011 @ 20:36",
        "Über den Autor",
        "Sie sind aktuell nicht eingeloggt.",
        "Do you want to be informed of our actions? Sign up here",
    ];
    let out = article_around(&notices, "<p>Werbung im Fernsehen kostet Geld.</p>");
    assert_dropped(&notices, &out);
    assert!(
        out.iter().any(|t| t == "Werbung im Fernsehen kostet Geld."),
        "a sentence about advertising is not its label: {out:?}"
    );
}

#[test]
fn news_sentences_that_use_a_notices_words_are_the_article() {
    // Short paragraphs of news, each with a word the notices use: none is a notice.
    let sentences = [
        "Share prices fell 3% on Monday.",
        "Related charges were filed in 2019.",
        "The copyright lawsuit was dismissed on Monday.",
        "Users who sign up before May get a discount.",
        "Back to school: what parents need to know",
        "Updated figures show 3% growth.",
        "Getty Images agreed to buy Shutterstock.",
        "He posted the video on Twitter and Facebook.",
        "Customers can download the new app from Monday.",
        "Comments by the minister drew criticism.",
        "Netflix said viewers could subscribe for $5 a month.",
        "Read more books, the minister urged parents.",
        "Readers who are already subscribers were not charged twice.",
        "The court ruled the book may not be reproduced in schools.",
        "If you enjoy hiking, the northern trails reopen on Sunday.",
        "Officials urged residents to continue reading the guidance.",
        "The bank applied for immediate access to the funds.",
        "The fund will support independent journalism in Africa.",
        "El video se publicó en el canal de YouTube del ministerio.",
    ];
    let out = article_around(&sentences, "");
    for sentence in sentences {
        assert!(out.iter().any(|t| t == sentence), "{sentence}: {out:?}");
    }
}

#[test]
fn reprint_terms_and_paywall_prompts_are_not_the_article() {
    let notices = [
        "Copyright 2024 The Associated Press. This material may not be published, broadcast, rewritten or redistributed.",
        "This article may not be reproduced without written permission.",
        "This article is the copyrighted property of Breaking Belize News.",
        "Written permission must be obtained before reprint in online or print media.",
        "If you’re seeing this message but you’re already a subscriber, you can log in for immediate access to this story.",
        "To continue reading, subscribe or log in.",
        "Support our journalism: become a member today.",
        "If you enjoyed reading this post, please share it with your friends.",
    ];
    assert_dropped(&notices, &article_around(&notices, ""));
}

#[test]
fn notices_in_hebrew_arabic_and_russian_are_not_the_article() {
    let notices = [
        "צילום: רויטרס",
        "כל הזכויות שמורות לידיעות אחרונות",
        "קראו גם: הוועדה והדו\"ח האחרון שלה",
        "تصوير: رويترز",
        "Фото: ТАСС",
        "Читайте также: комитет и его последний доклад",
        "עודכן: 11.04.2020, 10:27",
    ];
    assert_dropped(&notices, &article_around(&notices, ""));
}
