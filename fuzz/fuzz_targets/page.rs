//! An article page: main-content extraction with the embed pre-pass, on arbitrary HTML.
//! Never a panic; every embed URL it emits is http(s).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nahar::extract::{BlockKind, PageRules, page};

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let base = url::Url::parse("https://news.example/2024/11/article").ok();
    let page = page::extract(&html, base.as_ref(), &PageRules::default());
    for block in &page.blocks {
        assert_eq!(block.kind == BlockKind::Embed, block.embed.is_some());
        if let Some(url) = block.embed.as_ref().and_then(|e| e.url.as_deref()) {
            assert!(url.starts_with("http://") || url.starts_with("https://"), "{url}");
        }
    }
    // Feed content goes through the fragment path, embeds included.
    let _ = nahar::extract::html::blocks(&html);
});
