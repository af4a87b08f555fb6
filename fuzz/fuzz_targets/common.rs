//! What every reader target does after its format's parser: the rest of
//! `redline::io::read_layer` (CRS, reprojection, cleaning, ids).

use std::path::Path;

use redline::crs::Crs;
use redline::io::{layer_from_raw, RawFile, ReadOptions, PARCEL_ID_FIELDS, PARCEL_NAME_FIELDS};

/// Runs the shared half of reading on `raw`. With `fallback` the file's
/// coordinates are taken as EPSG:4544 when it declares no CRS (what
/// `--parcels-crs` does), so geometry cleaning is reached even for files
/// whose CRS would otherwise be refused.
pub fn finish(path: &Path, raw: RawFile, fallback: bool) {
    let working = Crs::from_epsg(4544).expect("EPSG:4544 is known");
    let options = ReadOptions {
        working_crs: &working,
        fallback_crs: fallback.then_some(&working),
        id_field: None,
        id_candidates: PARCEL_ID_FIELDS,
        name_field: None,
        name_candidates: PARCEL_NAME_FIELDS,
        crs_hint: "with --parcels-crs",
    };
    // Ok or Err are both answers; only a panic, a hang or a runaway
    // allocation is a finding.
    let _ = layer_from_raw(path, raw, &options);
}
