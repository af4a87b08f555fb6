#![no_main]
//! The catalog (TOML) reader. Relative paths resolve against the sample
//! plan's folder `layers/`, so the sample catalog parses in full.

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../layers/catalog.toml");
    let _ = redline::catalog::Catalog::parse(&path, text);
});
