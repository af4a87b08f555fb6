#![no_main]
//! The shapefile reader on all three parts. The input is
//! `[shp length: u32 LE][shx length: u32 LE][.shp][.shx][.dbf]`; lengths
//! past the end are cut to what is there (see `shapefile_seed` in the README
//! for how the seeds were made).

#[path = "common.rs"]
mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use redline::io::shapefile::{read_parts, Parts};

fn take<'a>(data: &mut &'a [u8], len: usize) -> &'a [u8] {
    let (head, tail) = data.split_at(len.min(data.len()));
    *data = tail;
    head
}

fn length(data: &mut &[u8]) -> usize {
    let bytes = take(data, 4);
    let mut le = [0u8; 4];
    le[..bytes.len()].copy_from_slice(bytes);
    u32::from_le_bytes(le) as usize
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let shp_len = length(&mut rest);
    let shx_len = length(&mut rest);
    let shp = take(&mut rest, shp_len);
    let shx = take(&mut rest, shx_len);
    let dbf = rest;
    let path = Path::new("fuzz.shp");
    let parts = Parts {
        shp: Cursor::new(shp),
        shx: Cursor::new(shx),
        dbf: (PathBuf::from("fuzz.dbf"), Cursor::new(dbf)),
        prj: None,
        cpg: None,
    };
    if let Ok(raw) = read_parts(path, parts) {
        common::finish(path, raw, true);
    }
});
