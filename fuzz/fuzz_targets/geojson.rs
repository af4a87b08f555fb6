#![no_main]
//! The GeoJSON reader, as `redline::io::geojson::read` drives it, then the
//! shared half of `read_layer`.

#[path = "common.rs"]
mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.geojson");
    let bytes = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(raw) = redline::io::geojson::parse(path, text) {
        common::finish(path, raw, data.len() % 2 == 1);
    }
});
