//! GeoPackage layers and parcels: read as GDAL/QGIS write them (the test
//! writes its own files with SQLite and WKB, per OGC 12-128; `ogrinfo`
//! opens them when GDAL is installed), the CRS from gpkg_spatial_ref_sys,
//! a table by name, and what cannot be read named with the fix.

mod common;

use std::path::Path;

use common::{X0, Y0};
use geo_types::{polygon, Geometry};
use redline::screen::Verdict;
use rusqlite::{params, Connection};

/// A GeoPackage geometry blob: the header (no envelope), then WKB.
fn blob(srs_id: i32, geometry: &Geometry) -> Vec<u8> {
    let mut out = vec![b'G', b'P', 0, 0b0000_0001];
    out.extend(srs_id.to_le_bytes());
    wkb::writer::write_geometry(&mut out, geometry, &Default::default()).unwrap();
    out
}

/// A row of a test table: 名称, 编号 and the geometry blob, if any.
type Row<'a> = (&'a str, &'a str, Option<Vec<u8>>);

/// A GeoPackage with feature tables of (table, rows),
/// all in `srs` = (srs_id, organization, code, definition).
fn write_gpkg(path: &Path, srs: (i32, &str, i32, &str), tables: &[(&str, Vec<Row>)]) {
    let db = Connection::open(path).unwrap();
    db.execute_batch(
        "PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
         CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
           organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
         INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined Cartesian', -1, 'NONE', -1, 'undefined', NULL);
         INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic', 0, 'NONE', 0, 'undefined', NULL);
         CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
           description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
           min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
           geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name));",
    )
    .unwrap();
    db.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('test', ?1, ?2, ?3, ?4, NULL)",
        params![srs.0, srs.1, srs.2, srs.3],
    )
    .unwrap();
    for (table, rows) in tables {
        db.execute_batch(&format!(
            "CREATE TABLE \"{table}\" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom BLOB, 名称 TEXT, 编号 TEXT, 面积 REAL, 层数 INTEGER);"
        ))
        .unwrap();
        db.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?1, 'features', ?1, ?2)",
            params![table, srs.0],
        )
        .unwrap();
        db.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', 'MULTIPOLYGON', ?2, 0, 0)",
            params![table, srs.0],
        )
        .unwrap();
        for (name, id, geometry) in rows {
            db.execute(
                &format!("INSERT INTO \"{table}\" (geom, 名称, 编号, 面积, 层数) VALUES (?1, ?2, ?3, 1234.5, 3)"),
                params![geometry, name, id],
            )
            .unwrap();
        }
    }
}

fn square(x: f64, y: f64, side: f64) -> Geometry {
    Geometry::Polygon(polygon![
        (x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side), (x: x, y: y)
    ])
}

const EPSG_4544: (i32, &str, i32, &str) = (4544, "EPSG", 4544, "undefined");

#[test]
fn a_plan_and_parcels_in_geopackages_screen_as_from_any_file() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.gpkg");
    write_gpkg(
        &plan,
        EPSG_4544,
        &[
            (
                "eco_redline",
                vec![("红线甲", "HX-1", Some(blob(4544, &square(X0, Y0, 1000.0))))],
            ),
            (
                "nature_reserves",
                vec![(
                    "公园乙",
                    "ZR-1",
                    Some(blob(4544, &square(X0 + 3000.0, Y0, 1000.0))),
                )],
            ),
        ],
    );
    let parcels = dir.path().join("parcels.gpkg");
    write_gpkg(
        &parcels,
        EPSG_4544,
        &[(
            "parcels",
            vec![
                (
                    "红线内",
                    "P1",
                    Some(blob(4544, &square(X0 + 100.0, Y0 + 100.0, 100.0))),
                ),
                (
                    "公园边",
                    "P2",
                    Some(blob(4544, &square(X0 + 2950.0, Y0 + 100.0, 100.0))),
                ),
                ("无图形", "P3", None),
            ],
        )],
    );
    std::fs::write(
        dir.path().join("catalog.toml"),
        r#"[plan]
name = "GeoPackage"
crs = "EPSG:4544"

[[layer]]
id = "eco_redline"
name = "生态保护红线"
path = "plan.gpkg"
table = "eco_redline"
rule = "prohibit"
id_field = "编号"

[[layer]]
id = "nature_reserves"
name = "自然保护地"
path = "plan.gpkg"
table = "nature_reserves"
rule = "restrict"
id_field = "编号"
"#,
    )
    .unwrap();
    let (plan_loaded, screening) = common::screen_with(
        &dir.path().join("catalog.toml"),
        std::slice::from_ref(&parcels),
    );
    assert_eq!(plan_loaded.layers[0].features[0].id, "HX-1");
    assert_eq!(plan_loaded.layers[1].features[0].name, "公园乙");
    let verdict = |id: &str| {
        screening
            .screened()
            .find(|(p, _)| p.id == id)
            .map(|(_, r)| (r.verdict, r.findings[0].overlap_m2))
    };
    assert_eq!(verdict("P1"), Some((Verdict::Conflict, Some(10_000.0))));
    assert_eq!(verdict("P2"), Some((Verdict::Review, Some(5_000.0))));
    // Typed columns come as text; the fid is the feature's own id.
    let (p1, _) = screening.screened().find(|(p, _)| p.id == "P1").unwrap();
    assert!(p1
        .attributes
        .contains(&("面积".to_string(), "1234.5".to_string())));
    assert!(p1
        .attributes
        .contains(&("层数".to_string(), "3".to_string())));
    // A row without a geometry is named, not dropped.
    let unscreened: Vec<String> = screening.unscreened().map(ToString::to_string).collect();
    assert!(
        unscreened
            .iter()
            .any(|p| p.contains("P3") && p.contains("no geometry")),
        "{unscreened:?}"
    );

    // GDAL (and so QGIS) opens the test's files as GeoPackages too.
    if let Some(text) = common::ogrinfo(&["-so".as_ref(), plan.as_os_str(), "eco_redline".as_ref()])
    {
        assert!(text.contains("Feature Count: 1"), "{text}");
    }
}

#[test]
fn a_geopackage_of_several_tables_needs_one_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.gpkg");
    write_gpkg(
        &path,
        EPSG_4544,
        &[
            (
                "a",
                vec![("x", "1", Some(blob(4544, &square(X0, Y0, 10.0))))],
            ),
            ("b", vec![]),
        ],
    );
    let err = redline::io::read_raw(&path).unwrap_err().to_string();
    assert!(
        err.contains("holds 2 feature tables: a, b") && err.contains("plan.gpkg:a"),
        "{err}"
    );
    let err = redline::io::read_raw(&dir.path().join("plan.gpkg:c"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no feature table \"c\"") && err.contains("a, b"),
        "{err}"
    );
    assert_eq!(
        redline::io::read_raw(&dir.path().join("plan.gpkg:a"))
            .unwrap()
            .features
            .len(),
        1
    );
    // Not a GeoPackage at all.
    let fake = dir.path().join("fake.gpkg");
    std::fs::write(&fake, "not sqlite").unwrap();
    let err = redline::io::read_raw(&fake).unwrap_err().to_string();
    assert!(err.contains("fake.gpkg"), "{err}");
}

#[test]
fn the_crs_comes_from_its_wkt_when_no_epsg_code_is_given_and_z_is_dropped_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wkt.gpkg");
    let wkt = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("layers/eco_redline.prj"),
    )
    .unwrap();
    // A polygon with Z, as a 3D survey export writes it.
    let z_square = {
        let mut w = vec![b'G', b'P', 0, 0b0000_0001];
        w.extend(100_i32.to_le_bytes());
        w.push(1);
        w.extend(1003_u32.to_le_bytes()); // Polygon Z (ISO)
        w.extend(1_u32.to_le_bytes());
        w.extend(5_u32.to_le_bytes());
        for (x, y) in [
            (0.0, 0.0),
            (50.0, 0.0),
            (50.0, 50.0),
            (0.0, 50.0),
            (0.0, 0.0),
        ] {
            for v in [X0 + x, Y0 + y, 312.5_f64] {
                w.extend(v.to_le_bytes());
            }
        }
        w
    };
    write_gpkg(
        &path,
        (100, "ESRI", 999_999, &wkt),
        &[("survey", vec![("三维", "Z1", Some(z_square))])],
    );
    let raw = redline::io::read_raw(&path).unwrap();
    assert_eq!(raw.declared_crs.as_ref().map(|c| c.code()), Some(4544));
    assert_eq!(raw.features.len(), 1);
    assert!(raw.features[0]
        .notes
        .iter()
        .any(|n| n.contains("flattened")));
    assert!(matches!(raw.features[0].geometry, Geometry::Polygon(_)));
}

#[test]
fn a_geopackage_of_parcels_is_every_table_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let parcels = dir.path().join("batches.gpkg");
    write_gpkg(
        &parcels,
        EPSG_4544,
        &[
            (
                "batch_1",
                vec![("一", "B1-1", Some(blob(4544, &square(X0, Y0, 100.0))))],
            ),
            (
                "batch_2",
                vec![
                    (
                        "二",
                        "B2-1",
                        Some(blob(4544, &square(X0 + 500.0, Y0, 100.0))),
                    ),
                    (
                        "三",
                        "B2-2",
                        Some(blob(4544, &square(X0 + 900.0, Y0, 100.0))),
                    ),
                ],
            ),
        ],
    );
    assert_eq!(redline::io::gpkg::each_table(&parcels).len(), 2);
    let summary = dir.path().join("summary.csv");
    let run = common::redline()
        .args(["screen", "--catalog"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("layers/catalog.toml"))
        .arg("--parcels")
        .arg(&parcels)
        .arg("--summary-csv")
        .arg(&summary)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    for id in ["B1-1", "B2-1", "B2-2"] {
        assert!(text.contains(id), "{id} missing: {text}");
    }
}

#[test]
fn the_sample_plan_from_its_geopackage_screens_byte_identically_to_its_files() {
    let layers = Path::new(env!("CARGO_MANIFEST_DIR")).join("layers");
    let gpkg = layers.join("plan.gpkg");
    // The sample's catalog with every layer and the boundary read from
    // plan.gpkg, each from the table named by its id; a GeoJSON's own ids
    // are in a column `id`.
    let mut catalog: toml::Table =
        toml::from_str(&std::fs::read_to_string(layers.join("catalog.toml")).unwrap()).unwrap();
    let gpkg_text = gpkg.display().to_string();
    let plan = catalog["plan"].as_table_mut().unwrap();
    plan.insert("boundary".into(), format!("{gpkg_text}:boundary").into());
    for layer in catalog["layer"].as_array_mut().unwrap() {
        let layer = layer.as_table_mut().unwrap();
        let id = layer["id"].as_str().unwrap().to_string();
        layer.insert("path".into(), gpkg_text.clone().into());
        layer.insert("table".into(), id.into());
        layer.entry("id_field").or_insert("id".into());
        if let Some(list) = layer.get("admission").and_then(|a| a.as_str()) {
            let list = layers.join(list).display().to_string();
            layer.insert("admission".into(), list.into());
        }
    }
    let catalog = toml::to_string(&catalog).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("catalog.toml"), &catalog).unwrap();
    assert_eq!(catalog.matches("table = ").count(), 9, "{catalog}");

    let parcels = [
        layers.join("parcels/parcels.geojson"),
        layers.join("parcels/survey_parcels.shp"),
    ];
    let parcels: Vec<&std::ffi::OsStr> = std::iter::once("--parcels".as_ref())
        .chain(parcels.iter().map(|p| p.as_os_str()))
        .collect();
    let screen =
        |catalog: &Path, tag: &str| common::screen_csvs(dir.path(), catalog, &parcels, tag);
    let from_files = screen(&layers.join("catalog.toml"), "files");
    let from_gpkg = screen(&dir.path().join("catalog.toml"), "gpkg");
    for (name, (a, b)) in ["findings", "summary", "layers"]
        .iter()
        .zip(from_files.iter().zip(&from_gpkg))
    {
        assert!(
            a == b,
            "the {name} CSV differs when the plan comes from plan.gpkg"
        );
    }
    assert!(from_files[0].len() > 1000, "the sample has findings");

    if let Some(text) = common::ogrinfo(&[gpkg.as_os_str()]) {
        assert!(
            text.contains("eco_redline (Multi Polygon)") || text.contains("eco_redline (Polygon)"),
            "{text}"
        );
        assert!(
            text.contains("rivers (Line String)") || text.contains("rivers (Multi Line String)"),
            "{text}"
        );
    }
}
