//! Fidelity on real news shapes (issue 18), through the real binary: what a reader of the feed
//! sees is what the record says — no teaser link turned into text, no item dropped in silence
//! because its publisher used another vocabulary.

use crate::binary::{Run, nahar};

/// Writes `config` as `nahar.toml` in `dir` and runs `nahar fetch` on it.
fn fetch_with(dir: &std::path::Path, config: &str) -> Run {
    std::fs::write(dir.join("nahar.toml"), config).expect("config");
    Run::of(nahar().arg("fetch").arg("-c").arg(dir.join("nahar.toml")))
}

/// Writes `feed` as a file source, runs `nahar fetch`, and returns the records by the last
/// segment of their link.
fn records_of(feed: &str) -> std::collections::HashMap<String, serde_json::Value> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("feed.xml"), feed).expect("feed");
    let fetch = fetch_with(
        dir.path(),
        "[output]\ndir = \"out\"\n\n[[source]]\nname = \"news\"\nurl = \"file:feed.xml\"\n",
    );
    assert_eq!(fetch.code, 0, "{fetch:?}");
    crate::records::read_dir(&dir.path().join("out/records"))
        .into_iter()
        .map(|r| {
            let url = r["url"].as_str().unwrap_or_default();
            (url.rsplit('/').next().unwrap_or_default().to_owned(), r)
        })
        .collect()
}

#[test]
fn teaser_links_never_reach_a_record() {
    let records = records_of(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>t</title><link>https://news.example.co.il/</link>\n\
         <item><guid isPermaLink=\"false\">he</guid><link>https://news.example.co.il/a/1</link>\
         <title>הכנסת אישרה את התקציב בקריאה שנייה ושלישית</title><description>&lt;p&gt;ההצבעה \
         נמשכה עד שעות הבוקר המוקדמות, והתקציב אושר ברוב של 64 חברי כנסת.&lt;/p&gt;\
         &lt;p&gt;&lt;a href=\"https://news.example.co.il/a/1\"&gt;Read More…&lt;/a&gt;&lt;/p&gt;\
         </description></item>\n\
         <item><guid isPermaLink=\"false\">en</guid><link>https://news.example.co.il/a/2</link>\
         <title>Knesset passes the budget after an all-night session</title><description>&lt;p&gt;\
         The vote ran until the early hours of the morning, and the budget passed with 64 \
         members in favour. &lt;a href=\"/a/2\"&gt;לכתבה המלאה&lt;/a&gt;&lt;/p&gt;\
         &lt;p&gt;The post Knesset passes the budget appeared first on News.&lt;/p&gt;\
         </description></item>\n\
         <item><guid isPermaLink=\"false\">only</guid><link>https://news.example.co.il/a/3</link>\
         <description>&lt;a href=\"/a/3\"&gt;לכתבה המלאה&lt;/a&gt;</description></item>\n\
         </channel></rss>\n",
    );
    assert_eq!(records.len(), 3, "{records:#?}");
    let hebrew = &records["1"];
    assert_eq!(hebrew["lang"], "he", "{hebrew:#}");
    assert_eq!(hebrew["mixed"], false, "{hebrew:#}");
    assert!(
        !hebrew["text"].as_str().unwrap_or_default().contains("Read"),
        "{hebrew:#}"
    );
    let english = &records["2"];
    assert_eq!(english["lang"], "en", "{english:#}");
    assert_eq!(english["mixed"], false, "{english:#}");
    let text = english["text"].as_str().unwrap_or_default();
    assert!(text.ends_with("64 members in favour."), "{english:#}");
    // An item whose only text is its teaser keeps it: it is all the item says.
    assert_eq!(records["3"]["text"], "לכתבה המלאה", "{:#}", records["3"]);
}

/// Every feed's text, date and link, wherever its publisher put them: each feed here is one
/// case feedparser reads and nahar once wrote nothing (or an empty record) for.
#[test]
fn no_item_is_dropped_in_silence() {
    let feeds: &[(&str, &str)] = &[
        (
            "xhtml",
            "<rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid><body xmlns=\"http://www.w3.org/1999/xhtml\"><p>Body in &amp; xhtml</p></body></item></channel></rss>",
        ),
        (
            "fullitem",
            "<rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid><fullitem>&lt;p&gt;Full item text&lt;/p&gt;</fullitem></item></channel></rss>",
        ),
        (
            "itunes",
            "<rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel><title>t</title><item><guid>1</guid><itunes:summary>Show notes</itunes:summary></item></channel></rss>",
        ),
        (
            "youtube",
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:media=\"http://search.yahoo.com/mrss/\"><title>t</title><id>f</id><updated>2024-01-01T00:00:00Z</updated><entry><id>yt:video:1</id><updated>2024-01-01T00:00:00Z</updated><link rel=\"alternate\" href=\"https://www.youtube.com/watch?v=1\"/><media:group><media:title>Group title</media:title><media:description>Group description</media:description></media:group></entry></feed>",
        ),
        (
            "dc",
            "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\"><channel><title>t</title><item><guid>1</guid><dc:title>DC title</dc:title><dc:description>DC description</dc:description><dcterms:issued>2003-12-31T10:14:55Z</dcterms:issued></item></channel></rss>",
        ),
        (
            "permalink",
            "<rss version=\"2.0\"><channel><title>t</title><item><guid>https://example.com/p/1</guid><title>Permalink</title></item></channel></rss>",
        ),
        (
            "userland",
            "<rss version=\"2.0\" xmlns=\"http://backend.userland.com/rss2\"><channel><title>t</title><item><guid>1</guid><title>UserLand item</title></item></channel></rss>",
        ),
        (
            "userland-prefix",
            "<r:rss version=\"2.0\" xmlns:r=\"http://backend.userland.com/rss2\"><r:channel><r:title>t</r:title><r:item><r:guid>1</r:guid><r:title>Prefixed UserLand item</r:title></r:item></r:channel></r:rss>",
        ),
        (
            "nochannel",
            "<rss version=\"2.0\"><item><guid>1</guid><title>Item without a channel</title></item></rss>",
        ),
        (
            "atomlink",
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><id>f</id><entry><id>1</id><title>Atom link as text</title><link>https://example.com/atom/1</link></entry></feed>",
        ),
        (
            "bytes",
            "<rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid><title>Wait&amp;#226;&amp;#128;&amp;#166; what</title><description>Ellipsis&#226;&#128;&#166; and &#226;&#128;&#156;quote&#226;&#128;&#157;</description></item></channel></rss>",
        ),
        (
            "frames",
            "<rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid><title>Frames</title><description>safe&lt;iframe src=\"https://example.com/x\"&gt; description</description></item></channel></rss>",
        ),
        (
            "shared",
            "<rss version=\"2.0\"><channel><title>t</title><item><title>First post</title><link>https://example.com/live</link></item><item><title>Second post</title><link>https://example.com/live</link></item></channel></rss>",
        ),
        (
            "empty",
            "<rss version=\"2.0\"><channel><title>t</title><item></item><item><category>x</category></item><item><title>Real</title></item></channel></rss>",
        ),
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = String::from("[output]\ndir = \"out\"\n");
    for (name, feed) in feeds {
        std::fs::write(dir.path().join(format!("{name}.xml")), feed).expect("feed");
        config.push_str(&format!(
            "\n[[source]]\nname = \"{name}\"\nurl = \"file:{name}.xml\"\n"
        ));
    }
    let fetch = fetch_with(dir.path(), &config);
    assert_eq!(fetch.code, 0, "{fetch:?}");
    let records = crate::records::read_dir(&dir.path().join("out/records"));
    let of = |source: &str| -> Vec<&serde_json::Value> {
        records.iter().filter(|r| r["source"] == source).collect()
    };
    let one = |source: &str| -> &serde_json::Value {
        let found = of(source);
        assert_eq!(found.len(), 1, "{source}: {found:#?}\n{fetch:?}");
        found[0]
    };
    let text = |source: &str| one(source)["text"].as_str().unwrap_or_default().to_owned();
    let title = |source: &str| one(source)["title"].as_str().unwrap_or_default().to_owned();
    assert_eq!(text("xhtml"), "Body in & xhtml");
    assert_eq!(text("fullitem"), "Full item text");
    assert_eq!(text("itunes"), "Show notes");
    assert_eq!(
        (title("youtube"), text("youtube")),
        ("Group title".into(), "Group description".into())
    );
    assert_eq!(
        (title("dc"), text("dc")),
        ("DC title".into(), "DC description".into())
    );
    assert_eq!(one("dc")["published"], "2003-12-31T10:14:55Z");
    assert_eq!(one("permalink")["url"], "https://example.com/p/1");
    assert_eq!(title("userland"), "UserLand item");
    assert_eq!(title("userland-prefix"), "Prefixed UserLand item");
    assert_eq!(title("nochannel"), "Item without a channel");
    assert_eq!(one("atomlink")["url"], "https://example.com/atom/1");
    assert_eq!(title("bytes"), "Wait… what");
    assert_eq!(text("bytes"), "Ellipsis… and “quote”");
    assert_eq!(text("frames"), "safe description");
    let mut shared: Vec<&str> = of("shared")
        .iter()
        .filter_map(|r| r["title"].as_str())
        .collect();
    shared.sort_unstable();
    assert_eq!(shared, ["First post", "Second post"]);
    assert_eq!(title("empty"), "Real");
    let summary = fetch
        .stdout
        .lines()
        .find(|l| l.contains(" empty:"))
        .unwrap_or_default();
    assert!(
        summary.contains("2 empty items skipped"),
        "{}",
        fetch.stdout
    );
}

/// A page source whose selectors are wrong says so: a `link` that gives an element's text fails
/// the source with the selector and a hint; a selector that matches nothing, and dates in the
/// site's own format, are warnings in the summary until `published_format` reads them.
#[test]
fn page_sources_tell_the_truth() {
    let page = "<html lang=\"he\"><body>\
        <div class=\"slot\"><div class=\"slotTitle\"><a href=\"https://news.example.co.il/news/article/1\">ראש הממשלה נפגש עם נשיא ארה״ב</a></div><span class=\"date\">19:00 | 14.07.26</span></div>\
        <div class=\"slot\"><div class=\"slotTitle\"><a href=\"https://news.example.co.il/news/article/2\">גשם ראשון בצפון</a></div><span class=\"date\">08:15 | 15.07.26</span></div>\
        </body></html>";
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("page.html"), page).expect("page");
    let source = |name: &str, link: &str, title: &str, format: &str| {
        format!(
            "\n[[source]]\nname = \"{name}\"\nkind = \"page\"\nurl = \"file:page.html\"\n\
             [source.select]\nitem = \"div.slot\"\nlink = \"{link}\"\ntitle = \"{title}\"\n\
             published = \"span.date\"\n{format}"
        )
    };
    let config = format!(
        "[output]\ndir = \"out\"\n{}{}{}",
        source("forgot-href", ".slotTitle a", ".slotTitle", ""),
        source("wrong-title", ".slotTitle a@href", "h3.headline", ""),
        source(
            "right",
            ".slotTitle a@href",
            ".slotTitle",
            "published_format = \"%H:%M | %d.%m.%y\"\n",
        ),
    );
    let config = config.replace(
        "name = \"right\"\n",
        "name = \"right\"\ntimezone = \"Asia/Jerusalem\"\n",
    );
    let fetch = fetch_with(dir.path(), &config);
    let line = |name: &str| {
        fetch
            .stdout
            .lines()
            .find(|l| l.contains(&format!(" {name}")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        line("forgot-href").starts_with("failed")
            && line("forgot-href").contains(
                "link = \".slotTitle a\" gives the text of an element (\"ראש הממשלה נפגש עם \
                 נשיא ארה״ב\"), not a URL; write the attribute that holds the URL, like link = \
                 \".slotTitle a@href\""
            ),
        "{fetch:?}"
    );
    let wrong = line("wrong-title");
    assert!(
        wrong.contains("[source.select] title = \"h3.headline\" matches nothing in 2 of 2 items")
            && wrong.contains("2 dates could not be read (like \"19:00 | 14.07.26\")"),
        "{fetch:?}"
    );
    assert!(!line("right").contains("warning"), "{fetch:?}");
    let records = crate::records::read_dir(&dir.path().join("out/records"));
    let mut right: Vec<(&str, &str)> = records
        .iter()
        .filter(|r| r["source"] == "right")
        .map(|r| {
            (
                r["title"].as_str().unwrap_or_default(),
                r["published"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    right.sort_unstable();
    assert_eq!(
        right,
        [
            ("גשם ראשון בצפון", "2026-07-15T05:15:00Z"),
            ("ראש הממשלה נפגש עם נשיא ארה״ב", "2026-07-14T16:00:00Z"),
        ]
    );
    // No record ever carries a link made from a headline.
    assert!(records.iter().all(|r| r["source"] != "forgot-href"));
}
