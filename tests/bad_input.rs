//! The corpus of broken inputs in `tests/data/bad/`: for each, the exact
//! kind of failure, and a message that names the file, the feature (its
//! position and id) and what to do. Shapefile cases are made here with the
//! project's own writer and then damaged, rather than checked in as opaque
//! binaries.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use geo::{polygon, MultiPolygon};
use redline::catalog::Catalog;
use redline::error::{Error, Problem};
use redline::geometry::Shape;
use redline::io::shapefile::{write as write_shapefile, DbfField};
use redline::io::Layer;
use redline::report::csv::{findings_csv, summary_csv, UNSCREENED_VERDICT};
use redline::screen::{ParcelOutcome, Screening, Verdict, OUTSIDE_NOTE};
use serde_json::json;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bad")
        .join(name)
}

fn read(path: &Path) -> Result<Layer, Error> {
    read_parcels(path)
}

/// A small plan near the corpus' parcels (106.25°E 29.56°N).
fn world() -> World {
    World::new(
        vec![feature(
            json!({"编号": "HX-1", "名称": "红线"}),
            polygon(&[rect(X0, Y0, 500.0, 500.0)]),
        )],
        vec![],
        vec![],
        0.0,
    )
}

fn screen(paths: &[PathBuf]) -> Screening {
    world().screen(paths).1
}

/// The whole-file error a corpus file gives, as the user sees it.
fn file_error(name: &str) -> (Error, String) {
    let path = data(name);
    let err = read(&path)
        .err()
        .unwrap_or_else(|| panic!("{name} was read"));
    let text = err.to_string();
    assert!(
        text.contains(name),
        "the message must name the file: {text}"
    );
    (err, text)
}

fn assert_contains(text: &str, words: &[&str]) {
    for w in words {
        assert!(text.contains(w), "{w:?} missing from: {text}");
    }
}

/// The problem at feature `index`, asserting it names the file, the
/// position and the id, and says the given words.
fn problem_at<'a>(
    problems: &'a [Problem],
    file: &str,
    index: usize,
    id: &str,
    words: &[&str],
) -> &'a Problem {
    let p = problems
        .iter()
        .find(|p| p.index == Some(index))
        .unwrap_or_else(|| panic!("no problem at feature {index}: {problems:#?}"));
    let text = p.to_string();
    assert!(p.path.ends_with(file), "{text}");
    assert_contains(&text, &[file, &format!("feature {index} (id {id})")]);
    assert_contains(&p.message, words);
    p
}

fn unscreened(screening: &Screening) -> Vec<Problem> {
    screening.unscreened().cloned().collect()
}

fn screened_ids(screening: &Screening) -> Vec<String> {
    screening.screened().map(|(p, _)| p.id.clone()).collect()
}

#[test]
fn truncated_json_is_refused_naming_the_place_and_the_fix() {
    let (err, text) = file_error("truncated.geojson");
    assert!(matches!(err, Error::Format { .. }), "{err:?}");
    assert_contains(
        &text,
        &["not valid JSON", "line ", "truncated", "export it again"],
    );
}

#[test]
fn invalid_json_is_refused_naming_line_and_column() {
    let (err, text) = file_error("invalid_json.geojson");
    assert!(matches!(err, Error::Format { .. }), "{err:?}");
    assert_contains(&text, &["not valid JSON", "line 2 column", "fix the text"]);
    let (err, text) = file_error("not_an_object.geojson");
    assert!(matches!(err, Error::Format { .. }), "{err:?}");
    assert_contains(&text, &["not a JSON object", "not GeoJSON"]);
}

#[test]
fn features_of_the_wrong_type_are_skipped_and_the_rest_screened() {
    let s = screen(&[data("wrong_types.geojson")]);
    assert_eq!(screened_ids(&s), ["OK-1"]);
    let problems = unscreened(&s);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    let f = "wrong_types.geojson";
    problem_at(
        &problems,
        f,
        2,
        "T-2",
        &["bad geometry", "Polygn", "\"type\": \"Polygon\""],
    );
    problem_at(&problems, f, 3, "T-3", &["\"properties\" is not an object"]);
    problem_at(&problems, f, 4, "T-4", &["\"type\" is not \"Feature\""]);
    problem_at(
        &problems,
        f,
        5,
        "T-5",
        &["stands where an array of positions belongs", "nesting"],
    );
}

#[test]
fn missing_coordinates_and_geometry_are_named() {
    let s = screen(&[data("missing_coordinates.geojson")]);
    assert_eq!(screened_ids(&s), ["OK-1"]);
    let problems = unscreened(&s);
    let f = "missing_coordinates.geojson";
    problem_at(&problems, f, 2, "M-2", &["bad geometry", "coordinates"]);
    problem_at(
        &problems,
        f,
        3,
        "M-3",
        &["no geometry", "draw or import its boundary"],
    );
}

#[test]
fn nan_infinity_overflow_and_quoted_numbers_are_one_bad_feature_each() {
    let s = screen(&[data("non_finite.geojson")]);
    assert_eq!(screened_ids(&s), ["OK-1", "N-6"]);
    let problems = unscreened(&s);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    let f = "non_finite.geojson";
    problem_at(
        &problems,
        f,
        2,
        "N-2",
        &["coordinate \"NaN\" is not a number"],
    );
    problem_at(
        &problems,
        f,
        3,
        "N-3",
        &["coordinate \"-Infinity\" is not a number"],
    );
    problem_at(
        &problems,
        f,
        4,
        "N-4",
        &["coordinate \"1e999\" is not a number", "out-of-range"],
    );
    problem_at(
        &problems,
        f,
        5,
        "N-5",
        &["coordinate \"106.251\" is not a number", "plain numbers"],
    );
    // Text that merely looks like a number stays as it was.
    let (parcel, _) = s.screened().find(|(p, _)| p.id == "N-6").unwrap();
    assert_eq!(parcel.attributes[1].1, "NaN and 1e999 in text stay text");
}

#[test]
fn short_and_unclosed_rings() {
    let s = screen(&[data("rings.geojson")]);
    let f = "rings.geojson";
    let problems = unscreened(&s);
    problem_at(&problems, f, 1, "R-1", &["zero area", "fix or remove it"]);
    problem_at(&problems, f, 2, "R-2", &["zero area"]);
    problem_at(&problems, f, 5, "R-5", &["empty", "no coordinates"]);
    problem_at(&problems, f, 6, "R-6", &["empty", "no coordinates"]);
    problem_at(
        &problems,
        f,
        7,
        "R-7",
        &["position [106.25] has fewer than two numbers"],
    );
    assert_eq!(problems.len(), 5, "{problems:#?}");
    // Unclosed rings are closed, screened, and the repair is in the note.
    assert_eq!(screened_ids(&s), ["R-3", "R-4"]);
    for (parcel, result) in s.screened() {
        assert!(result.area_m2 > 0.0, "{}", parcel.id);
        assert_contains(&parcel.notes.join(";"), &["unclosed ring closed"]);
    }
}

#[test]
fn self_intersections_spikes_duplicates_zero_area_and_zero_length() {
    let s = screen(&[data("geometry_faults.geojson")]);
    let f = "geometry_faults.geojson";
    let find = |id: &str| {
        s.screened()
            .find(|(p, _)| p.id == id)
            .map(|(p, r)| (p.clone(), r.clone()))
    };
    let (bow_tie, _) = find("G-1").expect("the bow-tie is repaired and screened");
    assert_contains(
        &bow_tie.notes.join(";"),
        &["invalid geometry repaired", "self-intersection"],
    );
    let (spike, spike_result) = find("G-2").expect("the spike is repaired and screened");
    assert_contains(&spike.notes.join(";"), &["invalid geometry repaired"]);
    let (duplicates, duplicates_result) = find("G-3").expect("duplicate vertices are harmless");
    assert!(duplicates.notes.is_empty(), "{:?}", duplicates.notes);
    // The spike encloses nothing: the repaired parcel is the plain square.
    assert!(
        (spike_result.area_m2 - duplicates_result.area_m2).abs() < 1e-6,
        "{} vs {}",
        spike_result.area_m2,
        duplicates_result.area_m2
    );
    let problems = unscreened(&s);
    problem_at(&problems, f, 4, "G-4", &["zero area", "on a line"]);
    problem_at(&problems, f, 5, "G-5", &["zero length"]);
    problem_at(
        &problems,
        f,
        6,
        "G-6",
        &["is a line, not a polygon", "close its boundary"],
    );
    assert_eq!(problems.len(), 3, "{problems:#?}");
}

#[test]
fn an_empty_feature_collection_is_reported_not_silently_screened_as_nothing() {
    let s = screen(&[data("empty.geojson")]);
    let problems = unscreened(&s);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].index, None);
    assert_contains(
        &problems[0].to_string(),
        &["empty.geojson", "holds no features", "right file"],
    );
}

#[test]
fn points_where_polygons_are_expected() {
    let s = screen(&[data("points.geojson")]);
    assert_eq!(screened_ids(&s), ["OK-1"]);
    let problems = unscreened(&s);
    for (index, id) in [(2, "P-2"), (3, "P-3")] {
        problem_at(
            &problems,
            "points.geojson",
            index,
            id,
            &["is a point", "needs polygons"],
        );
    }
}

#[test]
fn latitude_first_is_detected_and_said() {
    let (err, text) = file_error("latlon_swapped.geojson");
    assert!(matches!(err, Error::Crs { .. }), "{err:?}");
    assert_contains(
        &text,
        &["latitude first", "swapped", "[longitude, latitude]"],
    );
}

#[test]
fn projected_coordinates_with_no_crs_are_refused_with_the_fix() {
    let (err, text) = file_error("projected_no_crs.geojson");
    assert!(matches!(err, Error::Crs { .. }), "{err:?}");
    assert_contains(
        &text,
        &["declares no CRS", "not longitude/latitude", "--parcels-crs"],
    );
}

#[test]
fn a_parcel_far_from_the_plan_is_outside_never_clear_with_a_wrong_crs_warning_in_both_csvs() {
    let w = world();
    let (plan, s) = w.screen(&[data("far_away.geojson")]);
    let parcel = |id: &str| {
        s.screened()
            .find(|(p, _)| p.id == id)
            .map(|(p, r)| (r.verdict, r.note_line(p)))
            .unwrap()
    };
    assert_eq!(parcel("NEAR-1"), (Verdict::Clear, String::new()));
    let (verdict, far) = parcel("FAR-2");
    assert_eq!(verdict, Verdict::Outside);
    assert_contains(
        &far,
        &[OUTSIDE_NOTE, "km from every zone of the plan", "wrong CRS?"],
    );
    let km: f64 = far
        .split("wholly outside, ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap();
    // Beijing is about 1450 km from Chongqing.
    assert!((1300.0..1600.0).contains(&km), "{far}");
    for csv in [
        findings_csv(&plan, &s).unwrap(),
        summary_csv(&plan, &s).unwrap(),
    ] {
        let text = String::from_utf8(csv).unwrap();
        let row = text.lines().find(|l| l.starts_with("FAR-2,")).unwrap();
        assert!(
            row.contains(",outside,") && row.contains("wrong CRS?"),
            "{row}"
        );
    }
}

#[test]
fn duplicate_ids_are_all_screened_and_noted() {
    let s = screen(&[data("duplicate_ids.geojson")]);
    assert_eq!(screened_ids(&s), ["XY-1", "XY-1", "XY-3"]);
    let notes: Vec<String> = s.screened().map(|(p, _)| p.notes.join(";")).collect();
    assert!(notes[0].is_empty());
    assert_contains(
        &notes[1],
        &[
            "duplicate id",
            "feature 1 has the same id \"XY-1\"",
            "unique id",
        ],
    );
    assert!(notes[2].is_empty());
}

#[test]
fn bad_catalogs_name_the_line_and_the_fix() {
    let cases = [
        (
            "catalog_missing_file.toml",
            ":8:",
            &["no_such_layer.geojson not found", "fix the path"][..],
        ),
        (
            "catalog_unknown_rule.toml",
            ":9:",
            &[
                "unknown rule \"forbid\"",
                "prohibit, restrict, setback, units, display",
            ][..],
        ),
        (
            "catalog_geographic.toml",
            ":3:",
            &["not a projected CRS in metres", "EPSG:4544"][..],
        ),
    ];
    for (name, line, words) in cases {
        let err = Catalog::load(&data(name))
            .err()
            .unwrap_or_else(|| panic!("{name} loaded"));
        assert!(matches!(err, Error::Catalog { .. }), "{err:?}");
        let text = err.to_string();
        assert_contains(&text, &[&format!("{name}{line}")]);
        assert_contains(&text, words);
    }
}

// ---- shapefiles, written with the project's writer, then damaged ----

fn square(x: f64, y: f64) -> Shape {
    Shape::Area(MultiPolygon::new(vec![polygon![
        (x: x, y: y), (x: x + 100.0, y: y), (x: x + 100.0, y: y + 100.0), (x: x, y: y + 100.0)
    ]]))
}

const GK_105E: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_105E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

/// The parcels' id column of the shapefiles written here.
fn id_field() -> DbfField {
    DbfField {
        name: "地块编号".into(),
        width: 12,
        decimals: None,
    }
}

/// Three 100 m squares with ids SHP-1..3 near the test plan, with a .prj.
fn good_shapefile(dir: &Path) -> PathBuf {
    let shp = dir.join("地块.shp");
    let shapes: Vec<Shape> = (0..3)
        .map(|i| square(X0 + 1000.0 * f64::from(i), Y0 + 2000.0))
        .collect();
    let records: Vec<Vec<String>> = (1..=3)
        .map(|i| vec![format!("SHP-{i}"), format!("地块{i}")])
        .collect();
    let fields = [
        id_field(),
        DbfField {
            name: "名称".into(),
            width: 20,
            decimals: None,
        },
    ];
    write_shapefile(&shp, &shapes, &fields, &records, Some(GK_105E)).unwrap();
    assert_eq!(read(&shp).unwrap().features.len(), 3);
    shp
}

fn truncate(path: &Path, keep: usize) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..keep.min(bytes.len())]).unwrap();
}

#[test]
fn a_shapefile_missing_its_shx_or_dbf_is_refused_naming_the_part() {
    for (ext, what) in [("shx", "shape index"), ("dbf", "attribute table")] {
        let dir = tempfile::tempdir().unwrap();
        let shp = good_shapefile(dir.path());
        std::fs::remove_file(shp.with_extension(ext)).unwrap();
        let err = read(&shp).unwrap_err();
        assert!(matches!(err, Error::Format { .. }), "{err:?}");
        assert_contains(
            &err.to_string(),
            &[
                "地块.shp",
                &format!(".{ext} (the {what}) is missing"),
                "copy all of them together",
            ],
        );
    }
}

#[test]
fn a_dbf_with_fewer_records_than_shapes_reports_each_shape_without_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let shp = good_shapefile(dir.path());
    let dbf = shp.with_extension("dbf");
    // Header record count 3 -> 2, and the last record cut off.
    let mut bytes = std::fs::read(&dbf).unwrap();
    bytes[4..8].copy_from_slice(&2u32.to_le_bytes());
    let record_len = usize::from(u16::from_le_bytes([bytes[10], bytes[11]]));
    bytes.truncate(bytes.len() - 1 - record_len);
    bytes.push(0x1A);
    std::fs::write(&dbf, bytes).unwrap();
    let s = screen(&[shp]);
    assert_eq!(screened_ids(&s), ["SHP-1", "SHP-2"]);
    let problems = unscreened(&s);
    assert_eq!(problems.len(), 1);
    let p = &problems[0];
    assert_eq!(p.index, Some(3));
    assert!(p.path.ends_with("地块.dbf"), "{p}");
    assert_contains(
        &p.to_string(),
        &["feature 3", "has 2 records", "export the shapefile again"],
    );
}

#[test]
fn a_record_marked_deleted_in_the_dbf_skips_its_shape_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let shp = good_shapefile(dir.path());
    let dbf = shp.with_extension("dbf");
    let mut bytes = std::fs::read(&dbf).unwrap();
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let record_len = usize::from(u16::from_le_bytes([bytes[10], bytes[11]]));
    bytes[header_len + record_len] = b'*';
    std::fs::write(&dbf, bytes).unwrap();
    let s = screen(&[shp]);
    // Shape 3 keeps its own attributes, not shifted onto shape 2.
    assert_eq!(screened_ids(&s), ["SHP-1", "SHP-3"]);
    let problems = unscreened(&s);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].index, Some(2));
    assert_contains(
        &problems[0].to_string(),
        &[
            "地块.dbf",
            "feature 2",
            "marked deleted",
            "restore the record",
        ],
    );
}

#[test]
fn a_truncated_shp_keeps_the_shapes_before_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let shp = good_shapefile(dir.path());
    let len = std::fs::metadata(&shp).unwrap().len() as usize;
    // Cut into the last record: the first two shapes are whole.
    truncate(&shp, len - 20);
    let s = screen(std::slice::from_ref(&shp));
    assert_eq!(screened_ids(&s), ["SHP-1", "SHP-2"]);
    let problems = unscreened(&s);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].index, Some(3));
    assert_contains(
        &problems[0].to_string(),
        &[
            "地块.shp",
            "feature 3",
            "damaged from this feature on",
            "export the shapefile again",
        ],
    );

    // Cut inside the 100-byte header: nothing can be read.
    truncate(&shp, 60);
    let err = read(&shp).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err:?}");
    assert_contains(&err.to_string(), &["地块.shp", "not a readable shapefile"]);
}

#[test]
fn a_prj_that_cannot_be_read_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let shp = good_shapefile(dir.path());
    std::fs::write(shp.with_extension("prj"), "this is not WKT").unwrap();
    let err = read(&shp).unwrap_err();
    assert!(matches!(err, Error::Crs { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &["地块.prj", "cannot map to an EPSG code", "--parcels-crs"],
    );
    let xian = GK_105E
        .replace("CGCS2000_3", "Xian_1980_3")
        .replace("China_Geodetic_Coordinate_System_2000", "Xian_1980")
        .replace("China_2000", "Xian_1980")
        .replace("\"CGCS2000\"", "\"Xian_1980\"");
    std::fs::write(shp.with_extension("prj"), xian).unwrap();
    let err = read(&shp).unwrap_err();
    assert_contains(
        &err.to_string(),
        &["地块.prj", "Xian_1980_3_Degree_GK_CM_105E", "Reproject"],
    );
}

#[test]
fn a_cpg_naming_an_unknown_encoding_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let shp = good_shapefile(dir.path());
    std::fs::write(shp.with_extension("cpg"), "EBCDIC-CN\n").unwrap();
    let err = read(&shp).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err:?}");
    assert_contains(
        &err.to_string(),
        &["地块.cpg", "\"EBCDIC-CN\"", "write GBK or UTF-8"],
    );
}

#[test]
fn one_bad_feature_among_a_thousand_costs_one_parcel_and_is_reported_everywhere() {
    let w = world();
    let mut features: Vec<serde_json::Value> = (0..1000)
        .map(|i| {
            let (col, row) = (f64::from(i % 40), f64::from(i / 40));
            feature(
                json!({"id": format!("P-{i:04}")}),
                polygon(&[rect(X0 + 2000.0 + col * 60.0, Y0 + row * 60.0, 50.0, 50.0)]),
            )
        })
        .collect();
    features[617]["geometry"]["coordinates"][0][2] = json!(["oops", 3_270_000.0]);
    let parcels = w.path("thousand.geojson");
    write_geojson(&parcels, Some(4544), features);
    let (plan, s) = w.screen(std::slice::from_ref(&parcels));
    assert_eq!(s.screened().count(), 999);
    let problems = unscreened(&s);
    assert_eq!(problems.len(), 1);
    problem_at(
        &problems,
        "thousand.geojson",
        618,
        "P-0617",
        &["coordinate \"oops\" is not a number"],
    );
    // In input order, in place of the parcel.
    assert!(matches!(s.outcomes[617], ParcelOutcome::Unscreened(_)));

    for csv in [
        findings_csv(&plan, &s).unwrap(),
        summary_csv(&plan, &s).unwrap(),
    ] {
        let text = String::from_utf8(csv).unwrap();
        let rows: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(rows.len(), 1000);
        let errors: Vec<&&str> = rows
            .iter()
            .filter(|r| r.split(',').nth(3) == Some(UNSCREENED_VERDICT))
            .collect();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(rows[617].starts_with("P-0617,,,error,"), "{}", rows[617]);
        assert_contains(
            rows[617],
            &["thousand.geojson: feature 618 (id P-0617): coordinate"],
        );
    }

    // The command line says the same.
    let run = common::redline()
        .args(["screen", "--catalog"])
        .arg(w.catalog())
        .arg("--parcels")
        .arg(&parcels)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert_contains(
        &stdout,
        &[
            "screened 999 parcels",
            "error          1",
            "feature 618 (id P-0617)",
        ],
    );
}

/// Screens a good three-shape shapefile whose second record claims `count`
/// at `field` bytes into its content (after the record header), and checks
/// that it is refused as damaged, not allocated, the first shape kept.
fn second_record_claiming(field: usize, count: i32, message: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let shp = good_shapefile(dir.path());
    let mut bytes = std::fs::read(&shp).unwrap();
    // Second record: after the 100-byte header and the first record (8-byte
    // record header + content length in 16-bit words, big-endian).
    let first_len =
        8 + 2 * u32::from_be_bytes([bytes[104], bytes[105], bytes[106], bytes[107]]) as usize;
    let at = 100 + first_len + 8 + field;
    bytes[at..at + 4].copy_from_slice(&count.to_le_bytes());
    std::fs::write(&shp, bytes).unwrap();

    let s = screen(std::slice::from_ref(&shp));
    assert_eq!(screened_ids(&s), ["SHP-1"]);
    let problems = unscreened(&s);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].index, Some(2));
    let mut expected = vec![
        "地块.shp",
        "feature 2",
        "damaged",
        "export the shapefile again",
    ];
    expected.extend_from_slice(message);
    assert_contains(&problems[0].to_string(), &expected);
}

/// Content offsets of a polygon record: shape type (4), box (32), then the
/// part count and the point count.
const PARTS_FIELD: usize = 4 + 32;
const POINTS_FIELD: usize = PARTS_FIELD + 4;

/// A large shapefile is surveyed for its CRS before its first batch without
/// its features being made. It must settle as reading finds: a shapefile
/// without .prj in lon/lat, whose damaged shape (a NaN beside 1e44), deleted
/// shape and shape with an attribute record that cannot be decoded (which
/// the survey does not decode) lie far outside any lon/lat, is read as
/// lon/lat in batches of one as it is read whole, with the same features.
#[test]
fn a_shapefile_surveyed_for_its_crs_is_settled_as_reading_it_whole_settles_it() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("经纬度地块.shp");
    let degrees = |x: f64, y: f64| {
        Shape::Area(MultiPolygon::new(vec![polygon![
            (x: x, y: y), (x: x + 0.001, y: y), (x: x + 0.001, y: y + 0.001), (x: x, y: y + 0.001)
        ]]))
    };
    let shapes = vec![
        degrees(106.40, 29.60),
        square(1e44, 1e44),
        square(3.5e6, 3.3e6),
        degrees(106.41, 29.61),
        square(3.6e6, 3.4e6),
    ];
    let records: Vec<Vec<String>> = (1..=5)
        .map(|i| vec![format!("LL-{i}"), i.to_string()])
        .collect();
    let fields = [
        id_field(),
        DbfField {
            name: "面积".into(),
            width: 8,
            decimals: Some(0),
        },
    ];
    write_shapefile(&shp, &shapes, &fields, &records, None).unwrap();
    // Shape 2: its first x NaN (after the record header, type, box, counts
    // and one part index). Record 3: marked deleted in the .dbf.
    let mut bytes = std::fs::read(&shp).unwrap();
    let first_len =
        8 + 2 * u32::from_be_bytes([bytes[104], bytes[105], bytes[106], bytes[107]]) as usize;
    let x = 100 + first_len + 56;
    bytes[x..x + 8].copy_from_slice(&f64::NAN.to_le_bytes());
    std::fs::write(&shp, bytes).unwrap();
    let dbf = shp.with_extension("dbf");
    let mut bytes = std::fs::read(&dbf).unwrap();
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    let record_len = usize::from(u16::from_le_bytes([bytes[10], bytes[11]]));
    bytes[header_len + 2 * record_len] = b'*';
    // Record 5's number is not a number: past the deletion flag and the id.
    let number = header_len + 4 * record_len + 1 + 12;
    bytes[number..number + 8].copy_from_slice(b"  12x4.5");
    std::fs::write(&dbf, bytes).unwrap();

    let working = redline::crs::Crs::from_epsg(4544).unwrap();
    let options = parcel_options(&working);
    let whole = redline::io::read_layer(&shp, &options).unwrap();
    let ids =
        |layer: &Layer| -> Vec<String> { layer.features.iter().map(|f| f.id.clone()).collect() };
    assert_eq!(ids(&whole), ["LL-1", "LL-4"]);
    assert_eq!(whole.source_crs.code(), 4326);
    let mut batched = Vec::new();
    let mut problems = Vec::new();
    let choices = redline::io::read_layer_batches(&shp, &options, 1, &mut |layer| {
        batched.extend(ids(&layer));
        problems.extend(layer.problems.iter().map(|p| p.to_string()));
        Ok(())
    })
    .unwrap();
    assert_eq!(choices.source_crs.code(), 4326);
    assert_eq!(choices.fields, ["地块编号", "面积"]);
    assert_eq!(choices.id_field.as_deref(), Some("地块编号"));
    assert_eq!(batched, ["LL-1", "LL-4"]);
    let mut whole_problems: Vec<String> = whole.problems.iter().map(|p| p.to_string()).collect();
    whole_problems.sort();
    problems.sort();
    assert_eq!(problems, whole_problems);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("feature 5") && p.contains("unreadable")),
        "{problems:#?}"
    );
}

/// A damaged record header claiming two billion points must be refused,
/// not allocated: the shapes before it are kept.
#[test]
fn a_shp_record_claiming_billions_of_points_is_refused_not_allocated() {
    second_record_claiming(POINTS_FIELD, 2_000_000_000, &[]);
}

// ---- inputs found by the fuzz targets (fuzz/README.md) ----

/// Reads a parcel file whose CRS is given (`--parcels-crs EPSG:4544`), as a
/// DXF drawing needs.
fn read_in_4544(path: &Path) -> Result<Layer, Error> {
    let crs = redline::crs::Crs::from_epsg(4544).unwrap();
    let options = redline::io::ReadOptions {
        fallback_crs: Some(&crs),
        ..parcel_options(&crs)
    };
    redline::io::read_layer(path, &options)
}

fn vertex_count(layer: &Layer) -> usize {
    use geo::CoordsIter;
    layer
        .features
        .iter()
        .map(|f| match &f.shape {
            Shape::Area(mp) => mp.coords_count(),
            Shape::Lines(ml) => ml.coords_count(),
        })
        .sum()
}

/// Found by `cargo fuzz run dxf` (a timeout): an arc between vertices
/// 29 000 km apart (a northing with a zero too many) was cut into 28 000
/// chords to stay within 1 cm, and repairing the ring, which crossed itself,
/// took longer than the fuzzer's 10 s. Wide arcs are now followed within a
/// millionth of their radius: a few hundred chords.
#[test]
fn a_dxf_arc_thousands_of_km_wide_becomes_a_few_hundred_chords() {
    let path = data("fuzz_dxf_wide_arc.dxf");
    let layer = read_in_4544(&path).unwrap();
    assert_eq!(
        layer.features.len() + layer.problems.len(),
        1,
        "{:?}",
        layer.problems
    );
    let points = vertex_count(&layer);
    assert!(points < 3_000, "{points} points");
}

/// The arcs of one outline may add at most `MAX_ARC_POINTS` points: an
/// outline that needs more is refused naming its layer, and the drawing's
/// other outlines are kept.
#[test]
fn a_dxf_outline_whose_arcs_need_too_many_points_is_refused_the_rest_kept() {
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("弧.dxf");
    let mut dxf = String::from("0\nSECTION\n2\nENTITIES\n");
    // 24 vertices on a circle of 100 km, every segment a half circle of
    // 13 km radius: 1 111 chords each at a millionth of the radius.
    dxf.push_str("0\nLWPOLYLINE\n8\n坏\n90\n24\n70\n1\n");
    for k in 0..24 {
        let a = std::f64::consts::TAU * f64::from(k) / 24.0;
        let (x, y) = (X0 + 100_000.0 * a.cos(), Y0 + 100_000.0 * a.sin());
        write!(dxf, "10\n{x}\n20\n{y}\n42\n1.0\n").unwrap();
    }
    dxf.push_str("0\nLWPOLYLINE\n8\n好\n90\n4\n70\n1\n");
    for (x, y) in [(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0)] {
        write!(dxf, "10\n{}\n20\n{}\n", X0 + x, Y0 + y).unwrap();
    }
    dxf.push_str("0\nENDSEC\n0\nEOF\n");
    std::fs::write(&path, dxf).unwrap();

    let layer = read_in_4544(&path).unwrap();
    assert_eq!(layer.features.len(), 1, "{:?}", layer.problems);
    assert!((layer.features[0].shape.area_m2() - 10_000.0).abs() < 1e-6);
    assert_eq!(layer.problems.len(), 1, "{:?}", layer.problems);
    let problem = &layer.problems[0];
    assert_eq!(problem.index, Some(1));
    assert_contains(
        &problem.to_string(),
        &[
            "弧.dxf",
            "feature 1",
            "layer \"坏\"",
            "bulges, group code 42",
            "more than the 20000",
            "fix the drawing",
        ],
    );
}

/// Found by `cargo fuzz run shapefile` (a panic in geo's sweep line, from
/// assembling the rings of a polygon one of whose coordinates was NaN, the
/// others 1e44): a non-finite coordinate in a .shp is refused for that
/// feature, named by its id, before any geometry algorithm sees it; the
/// other shapes are screened.
#[test]
fn a_shp_coordinate_that_is_nan_or_infinite_costs_only_its_feature() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let dir = tempfile::tempdir().unwrap();
        let shp = good_shapefile(dir.path());
        let mut bytes = std::fs::read(&shp).unwrap();
        let first_len =
            8 + 2 * u32::from_be_bytes([bytes[104], bytes[105], bytes[106], bytes[107]]) as usize;
        let second = 100 + first_len;
        // Record header (8), shape type (4), box (32), parts (4), points (4),
        // one part index (4), then the points: the second point's x.
        let x = second + 56 + 16;
        bytes[x..x + 8].copy_from_slice(&bad.to_le_bytes());
        std::fs::write(&shp, bytes).unwrap();

        let s = screen(std::slice::from_ref(&shp));
        assert_eq!(screened_ids(&s), ["SHP-1", "SHP-3"], "{bad}");
        let problems = unscreened(&s);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        problem_at(
            &problems,
            "地块.shp",
            2,
            "SHP-2",
            &["not a finite number", "export the shapefile again"],
        );
    }
}

/// Found by `cargo fuzz run shapefile` (a timeout): a .dbf header claiming
/// billions of records made the reader return an error for every record
/// past the end of the file, collected for ever. No more records are read
/// than the file holds; the shapes and their attributes are all kept.
#[test]
fn a_dbf_header_claiming_billions_of_records_is_read_in_bounded_time() {
    let dir = tempfile::tempdir().unwrap();
    let shp = good_shapefile(dir.path());
    let dbf = shp.with_extension("dbf");
    let mut bytes = std::fs::read(&dbf).unwrap();
    bytes[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    std::fs::write(&dbf, bytes).unwrap();
    let s = screen(std::slice::from_ref(&shp));
    assert_eq!(screened_ids(&s), ["SHP-1", "SHP-2", "SHP-3"]);
    assert!(unscreened(&s).is_empty(), "{:#?}", unscreened(&s));
}

/// Found by `cargo fuzz run shapefile` (out of memory): a record claiming
/// 1.5 billion parts made the shapefile crate reserve 6 GB for them before
/// finding the data missing. Counts that cannot fit in the record are
/// refused before it is parsed; the shapes before it are kept.
#[test]
fn a_shp_record_claiming_billions_of_parts_is_refused_not_allocated() {
    second_record_claiming(PARTS_FIELD, 1_477_451_808, &["1477451808 parts"]);
}

/// A record whose first part starts at a negative point sizes that part
/// from the next start: 1.2 billion points.
#[test]
fn a_shp_part_starting_before_the_first_point_is_refused_not_allocated() {
    second_record_claiming(
        POINTS_FIELD + 4,
        -1_245_457_664,
        &["part 1 starts at point -1245457664"],
    );
}

/// Found by `cargo fuzz run shapefile` (over libFuzzer's malloc limit): the
/// first record's part starts at point -1 245 457 664, for which the
/// `shapefile` crate reserved 19.9 GB. The input is the fuzz target's
/// `[shp length][shx length][.shp][.shx][.dbf]`.
#[test]
fn the_fuzzed_shapefile_with_a_negative_part_start_is_refused_not_allocated() {
    use redline::io::shapefile::{read_parts, Parts};
    use std::io::Cursor;
    let bytes = std::fs::read(data("fuzz_shapefile_part_start.bin")).unwrap();
    let length = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
    let (shp_end, shx_end) = (8 + length(0), 8 + length(0) + length(4));
    let parts = Parts {
        shp: Cursor::new(&bytes[8..shp_end]),
        shx: Cursor::new(&bytes[shp_end..shx_end]),
        dbf: (PathBuf::from("fuzz.dbf"), Cursor::new(&bytes[shx_end..])),
        prj: None,
        cpg: None,
    };
    let raw = read_parts(Path::new("fuzz.shp"), parts).unwrap();
    assert!(raw.features.is_empty() && raw.rejected.is_empty());
    assert_eq!(raw.problems.len(), 1, "{:?}", raw.problems);
    assert_eq!(raw.problems[0].index, Some(1));
    assert_contains(
        &raw.problems[0].to_string(),
        &[
            "fuzz.shp",
            "feature 1",
            "damaged",
            "part 1 starts at point -1245457664",
        ],
    );
}

#[test]
fn every_extension_a_file_dialog_offers_has_a_reader() {
    let dir = tempfile::tempdir().unwrap();
    for ext in redline::io::READABLE_EXTENSIONS {
        let path = dir.path().join(format!("missing.{ext}"));
        let err = redline::io::read_raw(&path).unwrap_err().to_string();
        assert!(!err.contains("unknown file type"), "{ext}: {err}");
        assert!(err.contains("missing."), "{ext}: {err}");
    }
}
