//! Feed markup: the blocks read without the HTML parser (simple markup) are exactly the blocks
//! the parser gives, whatever the fragment holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nahar::extract::html::{blocks, parsed_blocks};

fuzz_target!(|data: &[u8]| {
    let Ok(html) = std::str::from_utf8(data) else {
        return;
    };
    assert_eq!(blocks(html), parsed_blocks(html), "{html:?}");
});
