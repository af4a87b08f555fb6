//! The files Chinese planning offices receive: surveyors' coordinate text
//! files (建设用地报批坐标文件) with zone-numbered coordinates, read as they are,
//! screened like any parcel file, and written back for the surveyor.

mod common;

use std::path::{Path, PathBuf};

use common::screen_with;
use geo::Area;
use redline::crs::Crs;
use redline::geometry::Shape;
use redline::io::{read_layer, Layer, ReadOptions, PARCEL_ID_FIELDS, PARCEL_NAME_FIELDS};
use redline::screen::Verdict;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/survey")
        .join(name)
}

fn catalog() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("layers/catalog.toml")
}

use common::redline;

fn read(path: &Path, fallback: Option<&Crs>) -> Result<Layer, String> {
    let working = Crs::from_epsg(4544).unwrap();
    read_layer(
        path,
        &ReadOptions {
            working_crs: &working,
            fallback_crs: fallback,
            id_field: None,
            id_candidates: PARCEL_ID_FIELDS,
            name_field: None,
            name_candidates: PARCEL_NAME_FIELDS,
            crs_hint: "with --parcels-crs EPSG:xxxx",
            plan_area: None,
        },
    )
    .map_err(|e| e.to_string())
}

fn area(layer: &Layer, id: &str) -> f64 {
    let f = layer.features.iter().find(|f| f.id == id).unwrap();
    f.shape.area_m2()
}

#[test]
fn a_100_by_200_rectangle_is_20000_m2_in_every_layout() {
    for name in ["zone_prefixed.txt", "unprefixed_gbk.txt"] {
        let layer = read(&data(name), None).unwrap();
        assert_eq!(
            layer.source_crs.code(),
            if name == "zone_prefixed.txt" {
                4523
            } else {
                4544
            }
        );
        let f = &layer.features[0];
        assert_eq!(f.id, "SZ-001");
        assert_eq!(
            f.name, "某电子厂房扩建（一期）",
            "{name}: GBK and UTF-8 names decode"
        );
        assert!(
            (f.shape.area_m2() - 20_000.0).abs() < 0.01,
            "{name}: {}",
            f.shape.area_m2()
        );
        // The CRS was not declared: the note says which was assumed.
        let notes = f.notes.join("; ");
        assert!(
            notes.contains("CRS assumed") && notes.contains("zone 35"),
            "{notes}"
        );
        assert!(!notes.contains("面积不符"), "{notes}");
    }
}

#[test]
fn several_parcels_holes_and_parts() {
    let layer = read(&data("multi_parcel.txt"), None).unwrap();
    assert!(layer.problems.is_empty(), "{:?}", layer.problems);
    let ids: Vec<&str> = layer.features.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["DK-1", "DK-2", "DK-3"]);
    assert!((area(&layer, "DK-1") - 20_000.0).abs() < 0.01);
    // Ring 2 lies inside ring 1: a hole. 300 x 300 - 100 x 100.
    assert!((area(&layer, "DK-2") - 80_000.0).abs() < 0.01);
    let Shape::Area(with_hole) = &layer.features[1].shape else {
        panic!()
    };
    assert_eq!(
        (with_hole.0.len(), with_hole.0[0].interiors().len()),
        (1, 1)
    );
    // Ring 2 lies outside ring 1: a second part.
    let Shape::Area(parts) = &layer.features[2].shape else {
        panic!()
    };
    assert_eq!(parts.0.len(), 2);
    assert!((parts.unsigned_area() - 20_000.0).abs() < 0.01);
    // The 12-field header keeps its extra fields.
    let dk3 = &layer.features[2];
    assert!(
        dk3.attributes
            .contains(&("字段9".to_string(), "城镇住宅".to_string())),
        "{:?}",
        dk3.attributes
    );
    for f in &layer.features {
        assert!(
            !f.notes.join(" ").contains("面积不符"),
            "{}: {:?}",
            f.id,
            f.notes
        );
    }
}

#[test]
fn a_wrong_stated_area_is_flagged_with_file_parcel_and_both_areas() {
    let (_, screening) = screen_with(&catalog(), &[data("wrong_area.txt")]);
    let (parcel, _) = screening.screened().next().unwrap();
    let note = parcel.notes.join("; ");
    assert!(note.contains("面积不符"), "{note}");
    assert!(
        note.contains("wrong_area.txt") && note.contains("SZ-009"),
        "{note}"
    );
    assert!(
        note.contains("2.2000 ha (22000.00 m²)") && note.contains("20000.00 m²"),
        "{note}"
    );
}

#[test]
fn prefixed_and_unprefixed_files_screen_alike_and_like_the_sample_parcel() {
    for name in ["zone_prefixed.txt", "unprefixed_gbk.txt"] {
        let (plan, screening) = screen_with(&catalog(), &[data(name)]);
        let (parcel, result) = screening.screened().next().unwrap();
        assert_eq!(result.verdict, Verdict::Conflict, "{name}");
        assert!((parcel.shape.area_m2() - 20_000.0).abs() < 0.01, "{name}");
        let red_line = result
            .findings
            .iter()
            .find(|f| plan.catalog.layers[f.zone.layer].id == "eco_redline")
            .unwrap_or_else(|| panic!("{name}: no red-line finding"));
        assert!(
            (red_line.overlap_m2.unwrap_or(0.0) - 20_000.0).abs() < 0.01,
            "{name}"
        );
    }
    // The same through the command line, CSVs compared row by row.
    let dir = tempfile::tempdir().unwrap();
    let mut csvs = Vec::new();
    for name in ["zone_prefixed.txt", "unprefixed_gbk.txt"] {
        let out = dir.path().join(format!("{name}.csv"));
        let run = redline()
            .args(["screen", "--catalog"])
            .arg(catalog())
            .arg("--parcels")
            .arg(data(name))
            .arg("--csv")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        csvs.push(std::fs::read_to_string(&out).unwrap());
    }
    // Only the note naming the assumed zone (prefixed or not) differs.
    let without_crs_note = |csv: &str| -> Vec<String> {
        csv.lines()
            .map(|l| l.split("坐标系推定").next().unwrap_or(l).to_string())
            .collect()
    };
    assert!(csvs[0].contains("EPSG:4523") && csvs[1].contains("EPSG:4544"));
    assert_eq!(without_crs_note(&csvs[0]), without_crs_note(&csvs[1]));
    assert!(csvs[0].contains("SZ-001") && csvs[0].contains("eco_redline"));
}

#[test]
fn swapped_axes_are_refused_with_the_fix() {
    let err = read(&data("swapped.txt"), None).unwrap_err();
    assert!(err.contains("swapped.txt") && err.contains("swap"), "{err}");
    assert!(err.contains("X is the northing"), "{err}");
    // Even when the user names a CRS: the parcel would land in the wrong place.
    let crs = Crs::from_epsg(4544).unwrap();
    assert!(read(&data("swapped.txt"), Some(&crs)).is_err());
}

/// Reads a parcel file for the sample plan, through the pipeline the
/// command line and the viewer use.
fn read_for_sample_plan(path: &Path) -> Result<Vec<redline::screen::ParcelOutcome>, String> {
    use redline::pipeline::{screen_source, ParcelSource, Watch};
    let plan =
        redline::plan::LoadedPlan::load(redline::catalog::Catalog::load(&catalog()).unwrap())
            .unwrap();
    let index = redline::index::ZoneIndex::build(&plan.zone_layers());
    let mut outcomes = Vec::new();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let watch = Watch {
        read: &mut |_| {},
        done: &done,
    };
    let source = ParcelSource::new(path);
    screen_source(
        &plan,
        &index,
        &source,
        "with --parcels-crs",
        1000,
        watch,
        &mut |o| {
            outcomes.extend(o);
            Ok(())
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(outcomes)
}

#[test]
fn a_file_without_a_zone_inside_the_plan_area_is_read_in_the_plans_crs_with_a_note() {
    let outcomes = read_for_sample_plan(&data("no_zone.txt")).unwrap();
    let redline::screen::ParcelOutcome::Screened { parcel, .. } = &outcomes[0] else {
        panic!("not screened: {outcomes:?}");
    };
    assert!((parcel.shape.area_m2() - 20_000.0).abs() < 0.01);
    let note = parcel.notes.join("; ");
    assert!(
        note.contains("坐标系推定")
            && note.contains("plan's own EPSG:4544")
            && note.contains("带号"),
        "{note}"
    );
    // The command line says so in the CSV.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("summary.csv");
    let run = redline()
        .args(["screen", "--catalog"])
        .arg(catalog())
        .arg("--parcels")
        .arg(data("no_zone.txt"))
        .arg("--summary-csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains("SZ-001") && text.contains("坐标系推定"),
        "{text}"
    );
}

#[test]
fn a_file_without_a_zone_outside_the_plan_area_asks_for_the_crs_and_suggests_one() {
    let path = data("no_zone_elsewhere.txt");
    let err = read_for_sample_plan(&path).unwrap_err();
    assert!(
        err.contains("no_zone_elsewhere.txt") && err.contains("--parcels-crs"),
        "{err}"
    );
    assert!(err.contains("EPSG:4544") && err.contains("带号"), "{err}");
    assert!(err.contains("do not lie in the plan area"), "{err}");
    // Without a plan to place it, the file alone cannot tell either.
    assert!(read(&data("no_zone.txt"), None).is_err());
    // The user's word settles it.
    let crs = Crs::from_epsg(4544).unwrap();
    let layer = read(&path, Some(&crs)).unwrap();
    assert!((layer.features[0].shape.area_m2() - 20_000.0).abs() < 0.01);
    let run = redline()
        .args(["screen", "--catalog"])
        .arg(catalog())
        .arg("--parcels")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("EPSG:4544"));
}

#[test]
fn xian_1980_is_named_not_silently_taken_for_cgcs2000() {
    let err = read(&data("xian80.txt"), None).unwrap_err();
    assert!(
        err.contains("xian80.txt") && err.contains("Xi'an 1980"),
        "{err}"
    );
}

#[test]
fn export_then_read_gives_the_same_coordinates_to_the_millimetre() {
    let dir = tempfile::tempdir().unwrap();
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("layers/parcels/parcels.geojson");
    let original = read(&sample, None).unwrap();
    for (encoding, crs) in [("utf8", "EPSG:4544"), ("gbk", "EPSG:4523")] {
        let out = dir.path().join(format!("parcels-{encoding}.txt"));
        let run = redline()
            .args(["export-txt", "--parcels"])
            .arg(&sample)
            .arg("--out")
            .arg(&out)
            .args(["--crs", crs, "--encoding", encoding])
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            stdout.contains(&format!("wrote {} parcel(s)", original.features.len())),
            "{stdout}"
        );
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(std::str::from_utf8(&bytes).is_ok(), encoding == "utf8");
        let back = read(&out, None).unwrap();
        assert_eq!(back.features.len(), original.features.len());
        for (a, b) in original.features.iter().zip(&back.features) {
            assert_eq!((&a.id, &a.name), (&b.id, &b.name));
            let (Shape::Area(pa), Shape::Area(pb)) = (&a.shape, &b.shape) else {
                panic!()
            };
            // Parts may come back in another order (holes and parts are
            // found by containment): compare ring by ring, sorted.
            let rings = |mp: &geo::MultiPolygon| {
                let mut rings: Vec<Vec<geo::Coord>> =
                    mp.0.iter()
                        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                        .map(|r| r.0.clone())
                        .collect();
                rings.sort_by(|r, s| r[0].x.total_cmp(&s[0].x).then(r[0].y.total_cmp(&s[0].y)));
                rings.concat()
            };
            let (ca, cb) = (rings(pa), rings(pb));
            assert_eq!(ca.len(), cb.len(), "{}", a.id);
            for (p, q) in ca.iter().zip(&cb) {
                assert!(
                    (p.x - q.x).abs() <= 0.001 && (p.y - q.y).abs() <= 0.001,
                    "{}: {p:?} {q:?}",
                    a.id
                );
            }
            assert!(
                !b.notes.join(" ").contains("面积不符"),
                "{}: {:?}",
                b.id,
                b.notes
            );
        }
    }
    // Lon/lat input needs the zone to write in.
    let lonlat = dir.path().join("lonlat.geojson");
    std::fs::write(
        &lonlat,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"A"},"geometry":{"type":"Polygon","coordinates":[[[106.3,29.6],[106.301,29.6],[106.301,29.601],[106.3,29.6]]]}}]}"#,
    )
    .unwrap();
    let run = redline()
        .args(["export-txt", "--parcels"])
        .arg(&lonlat)
        .arg("--out")
        .arg(dir.path().join("x.txt"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--crs"));
}

#[test]
fn a_dxf_needs_a_crs_and_reads_closed_polylines_with_bulges() {
    let path = data("parcel_bulge.dxf");
    let err = read(&path, None).unwrap_err();
    assert!(
        err.contains("parcel_bulge.dxf") && err.contains("--parcels-crs"),
        "{err}"
    );
    assert!(
        err.contains("likely EPSG:4544") || err.contains("EPSG:4544"),
        "{err}"
    );
    let crs = Crs::from_epsg(4544).unwrap();
    let layer = read(&path, Some(&crs)).unwrap();
    // Two closed outlines; the open road line is not a parcel.
    assert_eq!(layer.features.len(), 2, "{:?}", layer.problems);
    let bulged = &layer.features[0];
    let layer_name = bulged.attributes.iter().find(|(k, _)| k == "图层");
    assert_eq!(layer_name.map(|(_, v)| v.as_str()), Some("用地红线"));
    assert_eq!(bulged.name, "某电子厂房扩建（二期）");
    // 100 m x 200 m plus a half disc of radius 50 m on the top edge, the
    // arc within 1 cm: at most arc length x 1 cm short of the exact area.
    let exact = 20_000.0 + std::f64::consts::PI * 50.0 * 50.0 / 2.0;
    let measured = bulged.shape.area_m2();
    assert!(
        measured <= exact && exact - measured < 157.1 * 0.01,
        "{measured} vs {exact}"
    );
    assert!((layer.features[1].shape.area_m2() - 20_000.0).abs() < 0.01);
    assert_eq!(layer.features[1].name, "");
}
