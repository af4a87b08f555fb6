//! The JTS overlay test suite's polygon cases (`tests/data/jts`, origin in
//! its README): every intersection area must match the reference to 0.01 m².

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use redline::screen::FindingVerdict;

fn jts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/jts")
}

#[test]
fn every_jts_overlay_case_matches_the_reference_area() {
    let dir = jts_dir();
    let mut truth: BTreeMap<(String, String), (String, f64)> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(dir.join("truth.csv")).unwrap();
    for row in reader.records() {
        let row = row.unwrap();
        let area: f64 = row[4].parse().unwrap();
        truth.insert(
            (row[0].to_string(), row[2].to_string()),
            (row[3].to_string(), area),
        );
    }
    assert!(truth.len() >= 38, "{} truth rows", truth.len());

    // The parcels' id field is 地块编号, which the default candidates include.
    let (plan, screening) =
        common::screen_with(&dir.join("catalog.toml"), &[dir.join("parcels.geojson")]);
    let mut found: BTreeMap<(String, String), (FindingVerdict, f64)> = BTreeMap::new();
    for (parcel, result) in screening.screened() {
        for f in &result.findings {
            let feature = &plan.layers[f.zone.layer].features[f.zone.feature];
            found.insert(
                (parcel.id.clone(), feature.id.clone()),
                (f.verdict, f.overlap_m2.unwrap()),
            );
        }
    }
    let mut failures = Vec::new();
    for (key, (status, expected)) in &truth {
        match found.get(key) {
            Some((_, area)) if (area - expected).abs() <= 0.01 => {}
            Some((_, area)) => {
                failures.push(format!("{key:?}: {area:.4} m², expected {expected:.2}"))
            }
            None if status == "touch" => {}
            None => failures.push(format!("{key:?}: missing, expected {expected:.2} m²")),
        }
    }
    for (key, (verdict, area)) in &found {
        if !truth.contains_key(key) {
            failures.push(format!(
                "{key:?}: {verdict:?} {area:.4} m² reported, the reference has none"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        truth.len(),
        failures.join("\n")
    );
}
