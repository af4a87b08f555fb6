#![no_main]
//! The DXF reader, as `redline::io::dxf::read` drives it, then the shared
//! half of `read_layer`.

#[path = "common.rs"]
mod common;

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.dxf");
    if data.starts_with(b"AutoCAD Binary DXF") {
        return;
    }
    let text = redline::io::decode_text(data);
    if let Ok(raw) = redline::io::dxf::parse(path, &text) {
        // A drawing carries no CRS: mostly declare one, as the user must.
        common::finish(path, raw, data.len() % 4 != 0);
    }
});
