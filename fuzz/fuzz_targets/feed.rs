//! A feed document end to end up to the record: decode → parse → extract → text → record, read
//! as a source in UTC, in Asia/Jerusalem and at -05:30 (timestamps without a zone are read in
//! the source's zone: its arithmetic is exercised too). Never a panic, never a record with a
//! non-http(s) URL or a date RFC 3339 cannot write.
//!
//! A panic inside feed-rs is not a finding: `parse::feed` catches it, retries with its repair or
//! reports the source's feed as crashed. libfuzzer aborts on every panic, caught or not, so the
//! target lets those through and aborts on any other.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nahar::config::{Config, parse};
use nahar::fetch::{DocumentKind, document};
use nahar::record::Record;
use nahar::text::Analyzer;

fn setup() -> &'static (Config, Analyzer) {
    static SETUP: OnceLock<(Config, Analyzer)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let aborting = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_feed_rs = info
                .location()
                .is_some_and(|at| at.file().contains("/feed-rs-"));
            if !in_feed_rs {
                aborting(info);
            }
        }));
        let config = parse(
            concat!(
                "[[source]]\nname = \"utc\"\nurl = \"https://example.org/feed.xml\"\n",
                "[[source]]\nname = \"jerusalem\"\nurl = \"https://example.org/feed.xml\"\n",
                "timezone = \"Asia/Jerusalem\"\n",
                "[[source]]\nname = \"west\"\nurl = \"https://example.org/feed.xml\"\n",
                "timezone = \"-05:30\"\n",
            ),
            std::path::Path::new("fuzz.toml"),
        )
        .unwrap_or_else(|e| panic!("the fuzz config does not parse: {e}"));
        let analyzer = Analyzer::new(&config.defaults.languages);
        (config, analyzer)
    })
}

fuzz_target!(|data: &[u8]| {
    let (config, analyzer) = setup();
    let Ok(url) = url::Url::parse("https://example.org/feed.xml") else {
        return;
    };
    let doc = document(url, Some("application/rss+xml"), data, DocumentKind::Xml, None);
    for source in &config.sources {
        let Ok(items) = nahar::parse::entries(&doc, source) else {
            continue;
        };
        for entry in &items.entries {
            let article = nahar::extract::article(entry);
            let record = Record::build("fuzz", entry, &article, analyzer, None, chrono::Utc::now());
            if let Some(url) = &record.url {
                assert!(url.starts_with("http://") || url.starts_with("https://"), "{url}");
            }
            if let Some(published) = record.published {
                assert!(nahar::dates::YEARS.contains(&chrono::Datelike::year(&published)));
            }
        }
    }
});
