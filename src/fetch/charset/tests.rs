//! The charset chain's tests: every rule, the public corpora of Hebrew encodings, visual Hebrew.

use unicode_bidi::{Level, ParagraphBidiInfo};

use super::visual::{is_hebrew_letter, mirror, visual_line_to_logical};
use super::*;

/// The logical name of a file of the Hebrew encoding corpus.
fn corpus(relative: &str) -> String {
    format!("hebrew-encoding/{relative}")
}

fn read(relative: &str) -> Vec<u8> {
    crate::test_corpus::read(relative)
}

/// The files of a corpus folder whose names `keep` accepts, sorted.
fn files(folder: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    crate::test_corpus::files(folder)
        .into_iter()
        .filter(|name| keep(crate::test_corpus::file_name(name)))
        .collect()
}

fn hints(kind: DocumentKind) -> CharsetHints<'static> {
    CharsetHints {
        kind,
        tld: Some("il"),
        ..CharsetHints::default()
    }
}

fn hebrew_letters(text: &str) -> usize {
    text.chars().filter(|c| is_hebrew_letter(*c)).count()
}

fn has_c1(text: &str) -> bool {
    text.chars().any(|c| ('\u{80}'..='\u{9F}').contains(&c))
}

fn cp1255(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = WINDOWS_1255.encode(text);
    assert!(!unmappable, "{text}");
    bytes.into_owned()
}

fn iso_8859_8(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = ISO_8859_8.encode(text);
    assert!(!unmappable, "{text}");
    bytes.into_owned()
}

/// Visual storage of a logical line, the forward UBA: what a display shows, left to right.
fn logical_to_visual(line: &str) -> String {
    let info = ParagraphBidiInfo::new(line, Some(Level::rtl()));
    let mirrored: String = line
        .char_indices()
        .map(|(at, c)| match mirror(c) {
            Some(m) if info.levels[at].is_rtl() => m,
            _ => c,
        })
        .collect();
    let info = ParagraphBidiInfo::new(&mirrored, Some(Level::rtl()));
    info.reorder_line(0..mirrored.len()).into_owned()
}

/// Every real 2005–06 Israeli windows-1255 feed decodes by its declaration, with Hebrew,
/// without U+FFFD or C1 controls, and with a declaration feed-rs will not act on again.
#[test]
fn corpus_windows_1255_feeds_decode_cleanly() {
    let dir = corpus("chardet/tests/windows-1255-hebrew");
    let feeds = files(&dir, |n| n.ends_with(".xml"));
    assert_eq!(feeds.len(), 18);
    for name in feeds {
        let decoded = decode(&read(&name), &hints(DocumentKind::Xml));
        assert_eq!(decoded.replacement_chars, 0, "{name}");
        assert!(!decoded.text.contains('\u{FFFD}'), "{name}");
        assert!(!has_c1(&decoded.text), "{name}");
        assert!(hebrew_letters(&decoded.text) > 20, "{name}");
        assert_eq!(
            (
                decoded.rule,
                decoded.encoding,
                decoded.visual_hebrew_converted
            ),
            (CharsetRule::Declaration, WINDOWS_1255, false),
            "{name}"
        );
        assert_eq!(
            decoded
                .label
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("windows-1255")
        );
        assert!(
            decoded
                .text
                .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\""),
            "{name}"
        );
    }
}

/// chardet's `_ude_he*.txt`: unlabelled windows-1255, detected, and equal to the UTF-8 twins.
#[test]
fn corpus_ude_hebrew_matches_utf8_twins() {
    let samples = files(&corpus("chardet/tests/windows-1255-hebrew"), |n| {
        n.starts_with("_ude_he")
    });
    assert_eq!(samples.len(), 3);
    for path in samples {
        let twin = corpus(&format!(
            "chardet/tests/utf-8/{}",
            crate::test_corpus::file_name(&path)
        ));
        let expected = crate::test_corpus::read_text(&twin);
        let decoded = decode(&read(&path), &hints(DocumentKind::Unknown));
        assert_eq!(decoded.text, expected, "{path}");
        assert_eq!(
            (
                decoded.rule,
                decoded.encoding,
                decoded.replacement_chars,
                decoded.label
            ),
            (CharsetRule::Detected, WINDOWS_1255, 0, None)
        );
        // The twin itself is kept as it is.
        let utf8 = decode(expected.as_bytes(), &hints(DocumentKind::Unknown));
        assert_eq!((utf8.rule, utf8.text), (CharsetRule::Utf8Valid, expected));
    }
}

/// Chromium's pages with no declared encoding, one of them ISO-8859-8 content: both are
/// logical Hebrew, so chardetng says windows-1255 and nothing is reordered.
#[test]
fn corpus_chromium_pages_without_declaration_are_detected() {
    let dir = corpus("chardet/tests/windows-1255-hebrew");
    let pages = files(&dir, |n| n.starts_with("_chromium_"));
    assert_eq!(pages.len(), 2);
    for path in pages {
        let decoded = decode(&read(&path), &hints(DocumentKind::Html));
        assert_eq!(
            (
                decoded.rule,
                decoded.encoding,
                decoded.replacement_chars,
                decoded.visual_hebrew_converted
            ),
            (CharsetRule::Detected, WINDOWS_1255, 0, false),
            "{path}"
        );
        assert!(hebrew_letters(&decoded.text) > 20, "{path}");
        assert!(!has_c1(&decoded.text));
    }
}

/// uchardet's Hebrew samples: windows-1255 (with niqqud) and logical text filed as
/// ISO-8859-8, unlabelled, come out as Hebrew; the UTF-8 sample is kept byte for byte.
#[test]
fn corpus_uchardet_hebrew_samples_decode_to_hebrew() {
    let dir = corpus("uchardet/test/he");
    for name in ["windows-1255.txt", "iso-8859-8.txt"] {
        let bytes = read(&format!("{dir}/{name}"));
        let decoded = decode(&bytes, &hints(DocumentKind::Unknown));
        assert_eq!(decoded.replacement_chars, 0, "{name}");
        assert!(hebrew_letters(&decoded.text) > 40, "{name}");
        assert!(!has_c1(&decoded.text), "{name}");
        assert!(!decoded.visual_hebrew_converted, "{name}");
        // windows-1255 decodes ISO-8859-8's letters identically, so check against the
        // label the file is filed under.
        let reference = Encoding::for_label(name.trim_end_matches(".txt").as_bytes())
            .unwrap_or_else(|| panic!("{name}"));
        assert_eq!(
            decoded.text,
            reference.decode_without_bom_handling(&bytes).0,
            "{name}"
        );
    }
    let niqqud = decode(
        &read(&format!("{dir}/windows-1255.txt")),
        &hints(DocumentKind::Unknown),
    );
    assert!(
        niqqud.text.starts_with("עִבְרִית היא שפה שמית"),
        "{}",
        niqqud.text
    );

    let utf8 = read(&format!("{dir}/utf-8.txt"));
    let decoded = decode(&utf8, &hints(DocumentKind::Unknown));
    assert_eq!(decoded.rule, CharsetRule::Utf8Valid);
    assert_eq!(decoded.text.as_bytes(), utf8.as_slice());
}

/// The logical sample filed as ISO-8859-8, *labelled* iso-8859-8: E5 sees logical text and
/// leaves it alone (TEXT.md: test corpora label a lot of logical text ISO-8859-8).
#[test]
fn logical_text_labelled_iso_8859_8_is_not_reordered() {
    let bytes = read(&corpus("uchardet/test/he/iso-8859-8.txt"));
    let hints = CharsetHints {
        http_charset: Some("iso-8859-8"),
        ..hints(DocumentKind::Unknown)
    };
    let decoded = decode(&bytes, &hints);
    assert_eq!(
        (
            decoded.rule,
            decoded.encoding,
            decoded.visual_hebrew_converted
        ),
        (CharsetRule::HttpHeader, ISO_8859_8, false)
    );
    assert_eq!(
        decoded.text,
        ISO_8859_8.decode_without_bom_handling(&bytes).0
    );
}

/// charset_normalizer's Hebrew samples (cp1255 per its expected.json) have no UTF-8 twins.
#[test]
fn corpus_charset_normalizer_hebrew_samples_decode_to_hebrew() {
    let samples = files(&corpus("charset_normalizer/data"), |n| {
        n.starts_with("sample-hebrew")
    });
    assert_eq!(samples.len(), 2);
    for path in samples {
        let decoded = decode(&read(&path), &hints(DocumentKind::Unknown));
        assert_eq!(
            (decoded.rule, decoded.encoding, decoded.replacement_chars),
            (CharsetRule::Detected, WINDOWS_1255, 0),
            "{path}"
        );
        assert!(hebrew_letters(&decoded.text) > 100, "{path}");
        assert!(decoded.text.starts_with("אין כמעט ניבים אזוריים עבריים."));
    }
}

/// ynet once sent `charset=windows-1255` over a UTF-8 body (MWFeedParser#45).
#[test]
fn lying_header_over_utf8_body_stays_utf8() {
    let body =
        "<?xml version=\"1.0\" encoding=\"windows-1255\"?><rss><title>חדשות – ynet</title></rss>";
    let hints = CharsetHints {
        http_charset: Some("windows-1255"),
        ..hints(DocumentKind::Xml)
    };
    let decoded = decode(body.as_bytes(), &hints);
    let expected = Decoded {
        text: body.replace("windows-1255", "UTF-8"),
        encoding: UTF_8,
        rule: CharsetRule::Utf8Valid,
        label: Some("windows-1255".to_owned()),
        replacement_chars: 0,
        visual_hebrew_converted: false,
    };
    assert_eq!(decoded, expected);
}

/// SPIKE §4.2: cp1255 bytes declared ISO-8859-8 must not turn the en dash into U+0096.
#[test]
fn iso_8859_8_declaration_over_cp1255_bytes_keeps_en_dash() {
    let xml = "<?xml version=\"1.0\" encoding=\"ISO-8859-8\"?>\n<rss version=\"2.0\"><channel><title>חדשות – מבזקים</title></channel></rss>";
    let bytes = cp1255(xml);
    assert!(bytes.contains(&0x96));
    let decoded = decode(&bytes, &hints(DocumentKind::Xml));
    let expected = Decoded {
        text: xml.replace("ISO-8859-8", "UTF-8"),
        encoding: WINDOWS_1255,
        rule: CharsetRule::Declaration,
        label: Some("ISO-8859-8".to_owned()),
        replacement_chars: 0,
        visual_hebrew_converted: false,
    };
    assert_eq!(decoded, expected);
    assert!(decoded.text.contains('\u{2013}') && !decoded.text.contains('\u{96}'));
}

/// The ₪ sign and niqqud exist only in windows-1255; ISO-8859-8-I labels get the same fix.
#[test]
fn iso_8859_8_i_label_over_shekel_and_niqqud_uses_windows_1255() {
    let text = "המחיר: 5 ₪ בלבד, שָׁלוֹם";
    let hints = CharsetHints {
        http_charset: Some("\"ISO-8859-8-I\""),
        ..hints(DocumentKind::Unknown)
    };
    let decoded = decode(&cp1255(text), &hints);
    assert_eq!(
        (decoded.text.as_str(), decoded.encoding),
        (text, WINDOWS_1255)
    );
    assert_eq!(decoded.label.as_deref(), Some("ISO-8859-8-I"));
}

#[test]
fn cp1255_without_label_is_detected() {
    let text = "ראש הממשלה נפגש היום עם שר החוץ האמריקאי בירושלים – ודנו בהסכם.";
    let decoded = decode(&cp1255(text), &hints(DocumentKind::Unknown));
    let expected = Decoded {
        text: text.to_owned(),
        encoding: WINDOWS_1255,
        rule: CharsetRule::Detected,
        label: None,
        replacement_chars: 0,
        visual_hebrew_converted: false,
    };
    assert_eq!(decoded, expected);
}

#[test]
fn bom_decides_and_is_removed() {
    let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><t>שלום</t>";
    let mut le = vec![0xFF, 0xFE];
    let mut be = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        le.extend(unit.to_le_bytes());
        be.extend(unit.to_be_bytes());
    }
    let utf8 = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
    let xml = CharsetHints {
        http_charset: Some("windows-1255"),
        ..hints(DocumentKind::Xml)
    };
    for (bytes, encoding) in [(utf8, UTF_8), (le, UTF_16LE), (be, UTF_16BE)] {
        let decoded = decode(&bytes, &xml);
        assert_eq!(
            decoded.text,
            text.replace("UTF-16", "UTF-8"),
            "{}",
            encoding.name()
        );
        assert_eq!(
            (decoded.rule, decoded.encoding, decoded.replacement_chars),
            (CharsetRule::Bom, encoding, 0)
        );
    }
}

/// The override wins over everything: a valid UTF-8 body, a BOM of another encoding.
#[test]
fn override_wins_over_everything() {
    let text = "שלום";
    let hints = CharsetHints {
        override_encoding: Some(WINDOWS_1255),
        http_charset: Some("utf-8"),
        ..hints(DocumentKind::Unknown)
    };
    let decoded = decode(text.as_bytes(), &hints);
    assert_eq!(
        (decoded.rule, decoded.encoding),
        (CharsetRule::Override, WINDOWS_1255)
    );
    assert_eq!(
        decoded.text,
        WINDOWS_1255.decode_without_bom_handling(text.as_bytes()).0
    );
    assert_eq!(decoded.label.as_deref(), Some("utf-8"));

    // A UTF-8 BOM under a windows-1255 override is windows-1255 text like the rest…
    let with_bom = [&[0xEF, 0xBB, 0xBF][..], &cp1255(text)].concat();
    // (0xEF 0xBB 0xBF are ן » ¿ in windows-1255.)
    assert_eq!(decode(&with_bom, &hints).text, format!("ן»¿{text}"));
    // …but a BOM of the overriding encoding itself is dropped.
    let utf8 = CharsetHints {
        override_encoding: Some(UTF_8),
        ..hints
    };
    let with_bom = [&[0xEF, 0xBB, 0xBF][..], text.as_bytes()].concat();
    assert_eq!(decode(&with_bom, &utf8).text, text);
}

/// E6's round-trip vectors (TEXT.md §A.1), plus the documented failure.
#[test]
fn e6_visual_to_logical_vectors() {
    let vectors = [
        (".םירש 3 ושגפנ 2024 תנשב", "בשנת 2024 נפגשו 3 שרים."),
        (
            ".(4% תמועל) 5.5%-ל הלע ריחמה",
            "המחיר עלה ל-5.5% (לעומת 4%).",
        ),
        (
            ".תורייבל עיגה Amos Hochstein חילשה",
            "השליח Amos Hochstein הגיע לביירות.",
        ),
    ];
    for (visual, logical) in vectors {
        assert_eq!(visual_line_to_logical(visual, false), logical);
        assert_eq!(logical_to_visual(logical), visual);
    }
    // Known failure: two LTR runs separated only by a neutral swap places.
    let logical = "הקוד הוא 123 ABC.";
    assert_eq!(
        visual_line_to_logical(&logical_to_visual(logical), false),
        "הקוד הוא ABC 123."
    );
}

/// The unit-wise reordering is `reorder_line` when there are no character references.
#[test]
fn unit_reordering_matches_reorder_line() {
    for line in [
        "(שלום) [עולם] {x} <y>",
        "abc אבג 12 דהו, xyz.",
        "א 1 ב 2 ג (3)",
        "!?אבג",
    ] {
        let visual = logical_to_visual(line);
        let mut swapped = String::new();
        let info = ParagraphBidiInfo::new(&visual, Some(Level::rtl()));
        for (at, c) in visual.char_indices() {
            swapped.push(mirror(c).filter(|_| info.levels[at].is_rtl()).unwrap_or(c));
        }
        let info = ParagraphBidiInfo::new(&swapped, Some(Level::rtl()));
        assert_eq!(
            visual_line_to_logical(&visual, false),
            info.reorder_line(0..swapped.len())
        );
    }
}

/// Visual ISO-8859-8 (a logical text stored reversed), labelled or left to chardetng, comes
/// back in logical order with the warning flag; markup and line structure stay in place.
#[test]
fn visual_iso_8859_8_is_converted_to_logical() {
    let lines = [
        "ראש הממשלה נפגש עם שרים מכל המפלגות.",
        "המחיר עלה ל-5.5% (לעומת 4%).",
        "השליח Amos Hochstein הגיע לביירות.",
    ];
    let visual: Vec<String> = lines.iter().map(|l| logical_to_visual(l)).collect();
    assert_eq!(visual[0], lines[0].chars().rev().collect::<String>());

    // Plain text, labelled `visual`.
    let bytes = iso_8859_8(&visual.join("\n"));
    let labelled = CharsetHints {
        http_charset: Some("visual"),
        ..hints(DocumentKind::Unknown)
    };
    let decoded = decode(&bytes, &labelled);
    let expected = Decoded {
        text: lines.join("\n"),
        encoding: ISO_8859_8,
        rule: CharsetRule::HttpHeader,
        label: Some("visual".to_owned()),
        replacement_chars: 0,
        visual_hebrew_converted: true,
    };
    assert_eq!(decoded, expected);

    // An HTML page with no label: chardetng recognises visual Hebrew as ISO-8859-8.
    let page = format!(
        "<html><body>\n<p class=\"x\">{}</p>\n<!-- םירש -->\n<p>  {}<br>{}</p>\n</body></html>",
        visual[0], visual[1], visual[2]
    );
    let decoded = decode(&iso_8859_8(&page), &hints(DocumentKind::Html));
    let logical_page = format!(
        "<html><body>\n<p class=\"x\">{}</p>\n<!-- םירש -->\n<p>  {}<br>{}</p>\n</body></html>",
        lines[0], lines[1], lines[2]
    );
    assert_eq!(
        (decoded.rule, decoded.encoding),
        (CharsetRule::Detected, ISO_8859_8)
    );
    assert!(decoded.visual_hebrew_converted);
    assert_eq!(decoded.text, logical_page);

    // An RSS feed: escaped HTML and character references move as whole units.
    let feed = format!(
        "<?xml version=\"1.0\" encoding=\"iso-8859-8\"?>\n<rss version=\"2.0\"><item>\n<title>{}</title>\n<description>&lt;p&gt;&quot;{}&quot;&lt;/p&gt;</description>\n</item></rss>",
        visual[0],
        "ןולשכ", // visual of כשלון
    );
    let decoded = decode(&iso_8859_8(&feed), &hints(DocumentKind::Xml));
    let logical_feed = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><item>\n<title>{}</title>\n<description>&lt;p&gt;&quot;כשלון&quot;&lt;/p&gt;</description>\n</item></rss>",
        lines[0]
    );
    assert!(decoded.visual_hebrew_converted);
    assert_eq!(
        (decoded.rule, decoded.text),
        (CharsetRule::Declaration, logical_feed)
    );
}

/// ISO-8859-8-I is logical by definition: never reordered, even if it looks visual.
#[test]
fn logical_iso_8859_8_i_is_left_alone() {
    let visual: String = "ראש הממשלה נפגש עם שרים מכל המפלגות."
        .chars()
        .rev()
        .collect();
    for label in ["iso-8859-8-i", "logical"] {
        let hints = CharsetHints {
            http_charset: Some(label),
            ..hints(DocumentKind::Unknown)
        };
        let decoded = decode(&iso_8859_8(&visual), &hints);
        assert_eq!(
            (
                decoded.text.as_str(),
                decoded.encoding,
                decoded.visual_hebrew_converted
            ),
            (visual.as_str(), ISO_8859_8_I, false)
        );
    }
    // And logical text labelled visual stays as it is (E5 says logical).
    let logical = "ראש הממשלה נפגש עם שרים מכל המפלגות.";
    let hints = CharsetHints {
        http_charset: Some("iso-8859-8"),
        ..hints(DocumentKind::Unknown)
    };
    let decoded = decode(&iso_8859_8(logical), &hints);
    assert_eq!(
        (decoded.text.as_str(), decoded.visual_hebrew_converted),
        (logical, false)
    );
}

#[test]
fn e5_heuristic_counts_final_forms_then_punctuation() {
    // (words, final first, final last) = (8, 2, 0) in TEXT.md's synthetic visual sample.
    assert!(looks_visual(
        ".םירש 3 ושגפנ 2024 תנשב ,םיבר םימי ורבע",
        LineMode::Plain
    ));
    assert!(!looks_visual(
        "בשנת 2024 נפגשו 3 שרים, עברו ימים רבים.",
        LineMode::Plain
    ));
    // No final forms at all: the punctuation fallback.
    assert!(looks_visual(".אבג דהו\n!זחט יכל", LineMode::Plain));
    assert!(!looks_visual("אבג דהו.\nזחט יכל!", LineMode::Plain));
    assert!(!looks_visual("", LineMode::Plain));
}

#[test]
fn xml_declaration_is_rewritten_and_nothing_else() {
    let cases = [
        (
            "<?xml version=\"1.0\" encoding=\"windows-1255\"?>\n<rss/>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss/>",
        ),
        (
            "\n  <?xml version='1.0' encoding = 'iso-8859-8-i' standalone='yes'?><a/>",
            "\n  <?xml version='1.0' encoding = 'UTF-8' standalone='yes'?><a/>",
        ),
        (
            "<?xml version=\"1.0\"?><a encoding=\"x\"/>",
            "<?xml version=\"1.0\"?><a encoding=\"x\"/>",
        ),
        (
            "<rss><?xml version=\"1.0\" encoding=\"x\"?></rss>",
            "<rss><?xml version=\"1.0\" encoding=\"x\"?></rss>",
        ),
        (
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>",
        ),
    ];
    for (input, output) in cases {
        assert_eq!(
            decode(input.as_bytes(), &hints(DocumentKind::Xml)).text,
            output
        );
    }
    // HTML is not touched; JSON never has a declaration.
    let html = "<?xml version=\"1.0\" encoding=\"windows-1255\"?><html/>";
    assert_eq!(
        decode(html.as_bytes(), &hints(DocumentKind::Html)).text,
        html
    );
}

#[test]
fn xml_declaration_label_is_read() {
    let cases: [(&[u8], Option<&str>); 6] = [
        (
            b"<?xml version=\"1.0\" encoding=\"windows-1255\"?>",
            Some("windows-1255"),
        ),
        (
            b"\r\n<?xml version='1.0' encoding = 'x-cp1255' ?>",
            Some("x-cp1255"),
        ),
        (b"<?xml version=\"1.0\"?><a encoding=\"koi8-r\"/>", None),
        (b"<?xml version=\"1.0\" xencoding=\"koi8-r\"?>", None),
        (b"<?xmlfoo encoding=\"koi8-r\"?>", None),
        (b"<?xml version=\"1.0\" encoding=\"koi8-r", None),
    ];
    for (bytes, label) in cases {
        assert_eq!(
            declared_label(bytes, DocumentKind::Xml).as_deref(),
            label,
            "{bytes:?}"
        );
    }
}

#[test]
fn html_prescan_finds_meta_charset() {
    let cases: [(&str, Option<&str>); 8] = [
        (
            "<html><head><meta charset=\"windows-1255\">",
            Some("windows-1255"),
        ),
        (
            "<META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=iso-8859-8-i\">",
            Some("iso-8859-8-i"),
        ),
        (
            "<meta content='text/html;charset=\"visual\"' http-equiv=content-type>",
            Some("visual"),
        ),
        (
            "<!-- <meta charset=koi8-r> --><meta charset=windows-1255>",
            Some("windows-1255"),
        ),
        (
            "<div title=\"<meta charset=koi8-r>\"><meta charset = utf-8 >",
            Some("utf-8"),
        ),
        ("<meta content=\"text/html; charset=koi8-r\">", None),
        (
            "<meta name=description content=x><meta charset=windows-1255/>",
            Some("windows-1255/"),
        ),
        ("<p>no meta here</p>", None),
    ];
    for (html, label) in cases {
        assert_eq!(
            declared_label(html.as_bytes(), DocumentKind::Html).as_deref(),
            label,
            "{html}"
        );
    }
    let late = format!("{}<meta charset=windows-1255>", " ".repeat(1024));
    assert_eq!(declared_label(late.as_bytes(), DocumentKind::Html), None);
    // Unknown tries both; JSON has none.
    let page = b"<html><meta charset=windows-1255></html>";
    assert_eq!(
        declared_label(page, DocumentKind::Unknown).as_deref(),
        Some("windows-1255")
    );
    assert_eq!(declared_label(page, DocumentKind::Json), None);
}

#[test]
fn html_meta_declaration_decides_when_header_is_absent() {
    let page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1255\"></head><body>שלום – עולם</body></html>";
    let decoded = decode(&cp1255(page), &hints(DocumentKind::Html));
    assert_eq!(
        (decoded.text.as_str(), decoded.rule),
        (page, CharsetRule::Declaration)
    );
    assert_eq!(decoded.label.as_deref(), Some("windows-1255"));
}

/// Labels that must not be trusted fall through to the next step.
#[test]
fn unusable_labels_fall_through() {
    let text = "ראש הממשלה נפגש היום עם שר החוץ האמריקאי בירושלים.";
    let bytes = cp1255(text);
    for label in [
        "x-no-such-charset",
        "utf-16",
        "UTF-16BE",
        "iso-2022-kr",
        "utf-8",
        "",
    ] {
        let hints = CharsetHints {
            http_charset: Some(label),
            ..hints(DocumentKind::Unknown)
        };
        let decoded = decode(&bytes, &hints);
        assert_eq!(
            (decoded.text.as_str(), decoded.rule),
            (text, CharsetRule::Detected),
            "{label}"
        );
        assert_eq!(
            decoded.label,
            Some(label.to_owned()).filter(|l| !l.is_empty())
        );
    }
    // A bad header, a good declaration.
    let xml = "<?xml version=\"1.0\" encoding=\"windows-1255\"?><t>שלום</t>";
    let bad_header = CharsetHints {
        http_charset: Some("utf-8"),
        ..hints(DocumentKind::Xml)
    };
    let decoded = decode(&cp1255(xml), &bad_header);
    assert_eq!(
        (decoded.rule, decoded.label.as_deref()),
        (CharsetRule::Declaration, Some("windows-1255"))
    );
    // A declaration of UTF-16 on an ASCII body is pure ASCII.
    let ascii = b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><t>hello</t>";
    let decoded = decode(ascii, &hints(DocumentKind::Xml));
    assert_eq!(
        (decoded.rule, decoded.encoding),
        (CharsetRule::Ascii, UTF_8)
    );
    assert_eq!(decoded.label.as_deref(), Some("UTF-16"));
}

/// A label whose decoding has errors is kept when chardetng cannot do better.
#[test]
fn damaged_utf8_with_utf8_label_counts_replacements() {
    let bytes = [
        b"abc \xD7\x90\xD7".as_slice(),
        b" \xFF def \xEF\xBF\xBD".as_slice(),
    ]
    .concat();
    let hints = CharsetHints {
        http_charset: Some("utf-8"),
        ..hints(DocumentKind::Unknown)
    };
    let decoded = decode(&bytes, &hints);
    // Too little UTF-8 to outweigh two malformed sequences, but chardetng's guess for `.il`
    // (windows-1255, which has no 0xFF) is not clean either, so the label stands.
    assert_eq!(
        (decoded.rule, decoded.encoding, decoded.replacement_chars),
        (CharsetRule::HttpHeader, UTF_8, 2)
    );
    // Without the TLD hint chardetng says windows-1252, which decodes every byte: the
    // label falls through.
    let generic = CharsetHints { tld: None, ..hints };
    let decoded = decode(&bytes, &generic);
    assert_eq!(
        (decoded.rule, decoded.encoding, decoded.replacement_chars),
        (CharsetRule::Detected, encoding_rs::WINDOWS_1252, 0)
    );
    // With a BOM the label question does not arise: two malformed sequences, and the
    // U+FFFD that was in the input does not count.
    let with_bom = [&[0xEF, 0xBB, 0xBF][..], &bytes].concat();
    let decoded = decode(&with_bom, &hints);
    assert_eq!(
        (decoded.rule, decoded.replacement_chars),
        (CharsetRule::Bom, 2)
    );
    assert_eq!(decoded.text, "abc א\u{FFFD} \u{FFFD} def \u{FFFD}");
    // Valid UTF-8 that contains U+FFFD has produced none.
    assert_eq!(decode("א\u{FFFD}".as_bytes(), &hints).replacement_chars, 0);
}

#[test]
fn ascii_and_json() {
    let decoded = decode(b"plain ascii", &hints(DocumentKind::Unknown));
    assert_eq!(
        (decoded.text.as_str(), decoded.rule, decoded.encoding),
        ("plain ascii", CharsetRule::Ascii, UTF_8)
    );
    let labelled = CharsetHints {
        http_charset: Some("windows-1255"),
        ..hints(DocumentKind::Unknown)
    };
    assert_eq!(
        decode(b"plain ascii", &labelled).rule,
        CharsetRule::HttpHeader
    );
    assert_eq!(
        decode(b"", &hints(DocumentKind::Unknown)).rule,
        CharsetRule::Ascii
    );
    // JSON Feed has no declaration to read, and JSON is never reordered.
    let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"חדשות"}"#;
    let decoded = decode(json.as_bytes(), &hints(DocumentKind::Json));
    assert_eq!(
        (decoded.text.as_str(), decoded.rule),
        (json, CharsetRule::Utf8Valid)
    );
}

#[test]
fn tld_spellings_are_accepted_or_ignored() {
    assert_eq!(clean_tld("IL").as_deref(), Some("il"));
    assert_eq!(clean_tld(".il.").as_deref(), Some("il"));
    assert_eq!(clean_tld("www.ynet.co.il").as_deref(), Some("il"));
    assert_eq!(clean_tld("xn--4dbrk0ce").as_deref(), Some("xn--4dbrk0ce"));
    assert_eq!(clean_tld("ישראל"), None);
    assert_eq!(clean_tld(" . "), None);
    for tld in ["IL", "co.il", "ישראל", "", "..", "c\u{0}m"] {
        let hints = CharsetHints {
            tld: Some(tld),
            ..hints(DocumentKind::Unknown)
        };
        assert_eq!(
            decode(&cp1255("שלום עולם"), &hints).rule,
            CharsetRule::Detected
        );
    }
}

#[test]
fn rule_display_names_the_evidence() {
    let shown: Vec<String> = [
        CharsetRule::Override,
        CharsetRule::Bom,
        CharsetRule::Utf8Valid,
        CharsetRule::HttpHeader,
        CharsetRule::Declaration,
        CharsetRule::Detected,
        CharsetRule::Ascii,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        shown,
        [
            "per-source encoding override",
            "byte order mark",
            "body is valid UTF-8",
            "HTTP Content-Type charset",
            "in-document declaration",
            "chardetng guess",
            "pure ASCII, no usable label",
        ]
    );
}

/// Any bytes, any hints: an answer, never a panic. Biased towards the interesting paths:
/// Hebrew high bytes, markup fragments, declarations and visual ISO-8859-8.
#[test]
fn arbitrary_bytes_never_panic() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let fragments: [&[u8]; 16] = [
        b"<?xml version=\"1.0\" encoding=\"iso-8859-8\"?>",
        b"<meta charset=visual>",
        b"<!--",
        b"-->",
        b"<![CDATA[",
        b"]]>",
        b"&lt;p",
        b"&gt;",
        b"&#x5D0;",
        b"&quot;",
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"(\xF9\xEC\xE5\xED)",
        b"\n\r\xE0\xEA\xED ",
        b"<a href=\"",
        b"\x96\xA4\xC9",
    ];
    let kinds = [
        DocumentKind::Xml,
        DocumentKind::Html,
        DocumentKind::Json,
        DocumentKind::Unknown,
    ];
    let labels = [
        None,
        Some("iso-8859-8"),
        Some("utf-8"),
        Some("utf-16"),
        Some("visual"),
        Some("x"),
    ];
    let overrides = [
        None,
        None,
        None,
        Some(ISO_8859_8),
        Some(UTF_16BE),
        Some(REPLACEMENT),
    ];
    for round in 0..3000 {
        let mut bytes = Vec::new();
        let len = (next() % 300) as usize;
        while bytes.len() < len {
            let r = next();
            match r % 4 {
                0 => bytes.extend_from_slice(fragments[(r >> 8) as usize % fragments.len()]),
                1 => bytes.push(0xE0 + (r >> 8) as u8 % 27),
                _ => bytes.push((r >> 8) as u8),
            }
        }
        let r = next();
        let hints = CharsetHints {
            override_encoding: overrides[r as usize % overrides.len()],
            http_charset: labels[(r >> 8) as usize % labels.len()],
            kind: kinds[(r >> 16) as usize % kinds.len()],
            tld: [None, Some("il"), Some("IL.")][(r >> 24) as usize % 3],
        };
        let decoded = decode(&bytes, &hints);
        assert!(
            decoded.replacement_chars <= decoded.text.chars().filter(|c| *c == '\u{FFFD}').count(),
            "round {round}"
        );
    }
}

#[test]
fn decoding_a_large_body_grows_the_buffer() {
    let text = "שלום עולם – ".repeat(50_000);
    let (decoded, errors) = decode_counting(WINDOWS_1255, &cp1255(&text));
    assert_eq!((decoded, errors), (text, 0));
}

/// A UTF-8 Hebrew feed with one stray byte (a truncated character) used to go to chardetng,
/// whose single-byte guess decodes anything "cleanly" — the whole feed became mojibake.
#[test]
fn one_stray_byte_does_not_turn_utf8_into_mojibake() {
    let text = "ראש הממשלה נפגש היום עם שר החוץ האמריקאי בירושלים.";
    let mut bytes = text.as_bytes().to_vec();
    bytes.insert(10, 0xD7); // a lead byte without its continuation
    for http_charset in [None, Some("windows-1255"), Some("utf-8")] {
        let hints = CharsetHints {
            http_charset,
            ..hints(DocumentKind::Unknown)
        };
        let decoded = decode(&bytes, &hints);
        assert_eq!(
            (decoded.rule, decoded.encoding, decoded.replacement_chars),
            (CharsetRule::Utf8Valid, UTF_8, 1),
            "{http_charset:?}"
        );
        assert_eq!(decoded.text.replace('\u{FFFD}', ""), text);
    }
}
