#![no_main]
//! The surveyor's coordinate text reader (GBK or UTF-8), as
//! `redline::io::survey_txt::read` drives it, then the shared half of
//! `read_layer` (where the header's CRS clue is settled).

#[path = "common.rs"]
mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.txt");
    let text = redline::io::decode_text(data);
    if let Ok(raw) = redline::io::survey_txt::parse(path, &text) {
        common::finish(path, raw, data.len() % 2 == 1);
    }
});
