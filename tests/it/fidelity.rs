//! Fidelity on real news shapes (issue 18), through the real binary: what a reader of the feed
//! sees is what the record says — no teaser link turned into text.

use crate::binary::{Run, nahar};

/// Writes `feed` as a file source, runs `nahar fetch`, and returns the records by the last
/// segment of their link.
fn records_of(feed: &str) -> std::collections::HashMap<String, serde_json::Value> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("feed.xml"), feed).expect("feed");
    let config = dir.path().join("nahar.toml");
    std::fs::write(
        &config,
        "[output]\ndir = \"out\"\n\n[[source]]\nname = \"news\"\nurl = \"file:feed.xml\"\n",
    )
    .expect("config");
    let fetch = Run::of(nahar().arg("fetch").arg("-c").arg(&config));
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
