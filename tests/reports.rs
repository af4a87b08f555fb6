//! The report outputs of `redline screen` on the sample plan in `layers/`:
//! summary CSV, findings GeoJSON and the PDF report, checked against the
//! findings CSV, which is the contract the other outputs must agree with.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use geo::{Area, CoordsIter, Geometry, Length};

fn sample(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs `redline screen` on the 30 sample parcels with extra arguments.
fn screen_sample(extra: &[&std::ffi::OsStr]) -> Output {
    let mut run = common::redline();
    run.args(["screen", "--catalog"])
        .arg(sample("layers/catalog.toml"))
        .arg("--parcels")
        .arg(sample("layers/parcels/parcels.geojson"))
        .arg(sample("layers/parcels/survey_parcels.shp"))
        .args(extra)
        // The day the admission lists are read as of, unless --report-time
        // says otherwise: 2025-12-01, before QJ-04 comes into force.
        .env("SOURCE_DATE_EPOCH", "1764547200");
    common::succeed(&mut run)
}

fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no byte-order mark");
    assert!(bytes.windows(2).any(|w| w == b"\r\n"), "no CRLF");
    csv::Reader::from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap())
        .collect()
}

fn number(cell: &str) -> Option<f64> {
    (!cell.is_empty()).then(|| cell.parse().unwrap())
}

#[test]
fn summary_csv_has_one_row_per_parcel_with_the_findings_totals() {
    let dir = tempfile::tempdir().unwrap();
    let (findings, summary) = (dir.path().join("f.csv"), dir.path().join("s.csv"));
    screen_sample(&[
        "--csv".as_ref(),
        findings.as_os_str(),
        "--summary-csv".as_ref(),
        summary.as_os_str(),
    ]);
    let rows = csv_rows(&summary);
    assert_eq!(rows.len(), 32);
    let header = csv::Reader::from_reader(&std::fs::read(&summary).unwrap()[3..])
        .headers()
        .unwrap()
        .clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        redline::report::csv::SUMMARY_COLUMNS.to_vec()
    );
    let row = |id: &str| rows.iter().find(|r| &r[0] == id).unwrap().clone();
    let r = row("XY-2025-011");
    assert_eq!(
        r.iter().take(10).collect::<Vec<_>>(),
        [
            "XY-2025-011",
            "缙云山森林康养项目",
            "22500.00",
            "conflict",
            // the barrier, the red line, and 禁止 in its 优先保护 unit
            "3",
            "0",
            "0",
            "35108.71",
            "0.00",
            ""
        ]
    );
    assert_eq!(&row("XY-2025-025")[9], "0.00");
    assert_eq!(&row("XY-2025-008")[6], "1");
    assert!(row("XY-2025-009")[10].contains("repaired"));
    // What the project is, and what follows: a chemical plant in a 重点管控
    // unit meets a national 禁止, a municipal 限制 and a district 要求.
    let chemical = row("XY-2025-031");
    assert_eq!(&chemical[3], "conflict");
    assert_eq!(
        chemical.iter().skip(11).take(5).collect::<Vec<_>>(),
        ["C2614", "1", "1", "1", "0"]
    );
    assert_eq!(
        &chemical[16],
        "环评告知承诺制审批：不适用；免于编报水土保持方案：不适用"
    );
    let unknown = row("XY-2025-021");
    assert_eq!(
        unknown.iter().skip(11).take(5).collect::<Vec<_>>(),
        ["", "0", "0", "1", "4"]
    );
    assert!(unknown[10].contains("准入待确认") && unknown[10].contains("行业代码"));

    // Every total is the sum of the findings CSV's rows for that parcel.
    let detail = csv_rows(&findings);
    for r in &rows {
        let sum = |rule: &str| -> f64 {
            detail
                .iter()
                .filter(|d| d[0] == r[0] && &d[6] == rule)
                .filter_map(|d| number(&d[10]))
                .sum()
        };
        assert!(
            (sum("prohibit") - number(&r[7]).unwrap()).abs() < 0.011,
            "{r:?}"
        );
        assert!(
            (sum("restrict") - number(&r[8]).unwrap()).abs() < 0.011,
            "{r:?}"
        );
        let verdicts: Vec<&str> = detail
            .iter()
            .filter(|d| d[0] == r[0])
            .map(|d| &d[3])
            .collect();
        assert!(verdicts.iter().all(|v| *v == &r[3]), "{r:?}");
        // Each admission count is the parcel's distinct clauses of that
        // kind in the findings; those to confirm are named in the note.
        for (column, effect) in [(12, "prohibit"), (13, "restrict"), (14, "require")] {
            let mut clauses: Vec<&str> = detail
                .iter()
                .filter(|d| d[0] == r[0] && &d[18] == effect)
                .map(|d| &d[15])
                .collect();
            clauses.sort_unstable();
            clauses.dedup();
            assert_eq!(clauses.len().to_string(), &r[column], "{r:?}");
        }
        assert!(detail.iter().all(|d| &d[19] != "to_confirm"));
        let named = r[10].split_once("待确认（").map_or(0, |(_, rest)| {
            rest.split('）').next().unwrap().split('、').count()
        });
        assert_eq!(named.to_string(), &r[15], "{r:?}");
    }
}

/// Reads a GeoJSON FeatureCollection with serde_json and geojson.
fn features(
    path: &Path,
) -> (
    serde_json::Value,
    Vec<(serde_json::Value, Option<Geometry>)>,
) {
    let root: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let features = root["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let geometry = (!f["geometry"].is_null()).then(|| {
                let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).unwrap();
                Geometry::try_from(&g.value).unwrap()
            });
            (f["properties"].clone(), geometry)
        })
        .collect();
    (root, features)
}

#[test]
fn geojson_has_a_feature_per_finding_with_the_csv_measures() {
    let dir = tempfile::tempdir().unwrap();
    let findings = dir.path().join("f.csv");
    let (wgs84, working) = (dir.path().join("w.geojson"), dir.path().join("p.geojson"));
    screen_sample(&[
        "--csv".as_ref(),
        findings.as_os_str(),
        "--geojson".as_ref(),
        wgs84.as_os_str(),
    ]);
    screen_sample(&[
        "--geojson".as_ref(),
        working.as_os_str(),
        "--geojson-crs".as_ref(),
        "working".as_ref(),
    ]);
    // A finding of a zone, not an admission clause's row.
    let detail: Vec<_> = csv_rows(&findings)
        .into_iter()
        .filter(|d| !d[4].is_empty() && d[15].is_empty())
        .collect();

    let (root, projected) = features(&working);
    assert_eq!(
        root["crs"]["properties"]["name"],
        "urn:ogc:def:crs:EPSG::4544"
    );
    assert_eq!(projected.len(), detail.len());
    for (d, (properties, geometry)) in detail.iter().zip(&projected) {
        assert_eq!(properties["parcel_id"], d[0]);
        assert_eq!(properties["layer_id"], d[4]);
        assert_eq!(properties["feature_id"], d[7]);
        assert_eq!(properties["verdict"], d[9]);
        match (number(&d[10]), number(&d[12])) {
            (Some(overlap), None) => {
                assert!((properties["overlap_m2"].as_f64().unwrap() - overlap).abs() < 0.005);
                let area = geometry.as_ref().map_or(0.0, |g| g.unsigned_area());
                assert!((area - overlap).abs() <= 0.01, "{d:?}: drawn {area}");
            }
            (None, Some(distance)) => {
                assert!((properties["distance_m"].as_f64().unwrap() - distance).abs() < 0.005);
                let Some(Geometry::LineString(line)) = geometry else {
                    panic!("{d:?}: no line")
                };
                let length = geo::Euclidean.length(line);
                assert!((length - distance).abs() <= 0.01, "{d:?}: drawn {length}");
            }
            other => panic!("{d:?}: {other:?}"),
        }
    }

    // RFC 7946: lon/lat, no crs member, the same features.
    let (root, lonlat) = features(&wgs84);
    assert!(root.get("crs").is_none());
    assert_eq!(lonlat.len(), detail.len());
    for (_, geometry) in lonlat
        .iter()
        .filter_map(|(p, g)| g.as_ref().map(|g| (p, g)))
    {
        let b = geo::BoundingRect::bounding_rect(geometry).unwrap();
        assert!(b.min().x > 105.0 && b.max().x < 107.0 && b.min().y > 29.0 && b.max().y < 30.5);
    }

    for path in [&wgs84, &working] {
        if let Some(text) = common::ogrinfo(&["-al".as_ref(), "-so".as_ref(), path.as_os_str()]) {
            assert!(
                text.contains(&format!("Feature Count: {}", detail.len())),
                "{text}"
            );
        }
    }
}

use common::pdf_text;

const REPORT_TIME: &str = "2025-06-01T09:30:00+08:00";

fn render_sample(out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "--pdf".as_ref(),
        out.as_os_str(),
        "--report-time".as_ref(),
        REPORT_TIME.as_ref(),
        "--operator".as_ref(),
        "张三".as_ref(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    screen_sample(&args)
}

#[test]
fn geopackage_holds_the_geojson_findings_and_the_summary_and_gdal_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, geojson) = (dir.path().join("s.csv"), dir.path().join("f.geojson"));
    let (gpkg, again) = (dir.path().join("f.gpkg"), dir.path().join("again.gpkg"));
    let time = [
        "--report-time".as_ref(),
        "2026-12-02T10:00:00+08:00".as_ref(),
    ];
    let run = screen_sample(
        &[
            &time[..],
            &[
                "--summary-csv".as_ref(),
                summary.as_os_str(),
                "--geojson".as_ref(),
                geojson.as_os_str(),
                "--geojson-crs".as_ref(),
                "working".as_ref(),
                "--gpkg".as_ref(),
                gpkg.as_os_str(),
            ],
        ]
        .concat(),
    );
    assert!(String::from_utf8_lossy(&run.stdout).contains("geopackage: "));
    screen_sample(&[&time[..], &["--gpkg".as_ref(), again.as_os_str()]].concat());
    assert!(
        std::fs::read(&gpkg).unwrap() == std::fs::read(&again).unwrap(),
        "the same inputs give another GeoPackage"
    );

    // The findings table is the GeoJSON's features: same order, properties
    // and coordinates (both in the working CRS).
    let read = |table: &str| {
        let path = PathBuf::from(format!("{}:{table}", gpkg.display()));
        redline::io::read_raw(&path).unwrap_or_else(|e| panic!("{e}"))
    };
    let findings = read("findings");
    assert_eq!(findings.declared_crs.map(|c| c.code()), Some(4544));
    let (_, expected) = features(&geojson);
    let with_shape: Vec<_> = expected.iter().filter(|(_, g)| g.is_some()).collect();
    assert_eq!(findings.features.len(), with_shape.len());
    assert_eq!(
        findings.rejected.len(),
        expected.len() - with_shape.len(),
        "a boundary contact is a row without a shape"
    );
    for (row, (properties, geometry)) in findings.features.iter().zip(&with_shape) {
        let value = |key: &str| {
            row.attributes
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        for key in ["parcel_id", "layer_id", "feature_id", "verdict"] {
            assert_eq!(properties[key].as_str().unwrap(), value(key), "{key}");
        }
        for key in ["overlap_m2", "distance_m"] {
            assert_eq!(properties[key].as_f64(), number(&value(key)), "{key}");
        }
        // The same coordinates, to the GeoJSON text's nine decimals.
        let geometry = geometry.as_ref().unwrap();
        let (ours, theirs): (Vec<_>, Vec<_>) = (
            row.geometry.coords_iter().collect(),
            geometry.coords_iter().collect(),
        );
        assert_eq!(
            ours.len(),
            theirs.len(),
            "{:?} vs {geometry:?}",
            row.geometry
        );
        for (a, b) in ours.iter().zip(&theirs) {
            assert!(
                (a.x - b.x).abs() < 1e-6 && (a.y - b.y).abs() < 1e-6,
                "{a:?} vs {b:?}"
            );
        }
    }

    // The parcels table is the summary CSV, a row per parcel, numbers typed.
    let parcels = read("parcels");
    let summary_rows = csv_rows(&summary);
    assert_eq!(parcels.features.len(), summary_rows.len());
    for (row, csv_row) in parcels.features.iter().zip(&summary_rows) {
        assert_eq!(row.attributes[0].1, csv_row[0]);
        let verdict = row.attributes.iter().find(|(k, _)| k == "verdict").unwrap();
        assert_eq!(verdict.1, csv_row[3]);
        assert!((row.geometry.unsigned_area() - number(&csv_row[2]).unwrap()).abs() < 0.01);
    }
    let db = rusqlite::Connection::open(&gpkg).unwrap();
    let types: (String, String, String) = db
        .query_row(
            "SELECT typeof(parcel_area_m2), typeof(conflict_findings), typeof(verdict) FROM parcels LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(types, ("real".into(), "integer".into(), "text".into()));

    if let Some(text) = common::ogrinfo(&[gpkg.as_os_str()]) {
        assert!(
            text.contains("findings") && text.contains("parcels (Multi Polygon)"),
            "{text}"
        );
        let text =
            common::ogrinfo(&["-so".as_ref(), gpkg.as_os_str(), "findings".as_ref()]).unwrap();
        assert!(
            text.contains(&format!("Feature Count: {}", expected.len()))
                && text.contains("CGCS2000 / 3-degree Gauss-Kruger CM 105E"),
            "{text}"
        );
    }
}

#[test]
fn pdf_report_states_the_plan_the_conflicts_and_the_input_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let (pdf, findings) = (dir.path().join("report.pdf"), dir.path().join("f.csv"));
    let started = std::time::Instant::now();
    render_sample(&pdf, &["--csv", findings.to_str().unwrap()]);
    eprintln!(
        "screened and rendered in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.len() < 3 * 1024 * 1024, "{} bytes", bytes.len());
    let text = pdf_text(&bytes);
    for expected in [
        "重庆高新区生态环境保护“十四五”规划（示意数据）",
        "2025-06-01 09:30:00（北京时间 UTC+8）",
        "张三",
        concat!("redline ", env!("CARGO_PKG_VERSION")),
        "EPSG:4544",
        // The two sample parcels beyond the plan boundary: counted, listed
        // with the reason, never among the clear ones.
        "范围外（outside）",
        "XY-2025-028",
        "位于规划范围之外",
        "范围外：地块完全位于规划范围之外，距规划边界 1.6 km",
        // XY-2025-016 and -025: the river runs through them.
        "跨越河道",
        // The first page's overview of the plan area and the parcels.
        "总览图",
        "地块：不符合",
        // Every layer accounted for in each parcel's section.
        "各图层核查情况",
        "不涉及",
        // What the project is and what follows from it (XY-2025-031).
        "项目情况",
        "生态环境准入清单",
        "落实长江经济带发展负面清单",
        "审批程序",
        "免于编报水土保持方案",
        "不满足：环评文件类别 = 报告表（报告书）",
        "准入清单施行日",
        "2025-06-01（此日尚未施行的准入条款不适用）",
    ] {
        assert!(text.contains(expected), "{expected:?} missing");
    }
    // Every conflict finding: its parcel and its overlap or distance as printed.
    let detail = csv_rows(&findings);
    let conflicts: Vec<_> = detail.iter().filter(|d| &d[9] == "conflict").collect();
    assert!(conflicts.len() >= 9);
    for d in conflicts.iter().filter(|d| d[15].is_empty()) {
        assert!(text.contains(&d[0]), "{} missing", &d[0]);
        let measure = if d[10].is_empty() { &d[12] } else { &d[10] };
        assert!(text.contains(measure), "{}: {measure} missing", &d[0]);
    }
    // The SHA-256 of every input, whole on one line.
    let mut inputs = vec![
        sample("layers/catalog.toml"),
        sample("layers/parcels/parcels.geojson"),
        sample("layers/parcels/survey_parcels.dbf"),
    ];
    inputs.extend(
        [
            "eco_redline.shp",
            "eco_redline.dbf",
            "rivers.geojson",
            "boundary.geojson",
        ]
        .iter()
        .map(|f| sample(&format!("layers/{f}"))),
    );
    for input in inputs {
        use sha2::Digest;
        let hash: String = sha2::Sha256::digest(std::fs::read(&input).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(text.contains(&hash), "hash of {} missing", input.display());
    }
}

#[test]
fn pdf_report_is_reproducible_and_never_overwritten_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.pdf"), dir.path().join("b.pdf"));
    render_sample(&a, &[]);
    render_sample(&b, &[]);
    let first = std::fs::read(&a).unwrap();
    assert!(
        first == std::fs::read(&b).unwrap(),
        "same inputs, different bytes"
    );

    // SOURCE_DATE_EPOCH fixes the time as --report-time does.
    let c = dir.path().join("c.pdf");
    let run = common::redline()
        .env("SOURCE_DATE_EPOCH", "1748741400")
        .args(["screen", "--catalog"])
        .arg(sample("layers/catalog.toml"))
        .arg("--parcels")
        .arg(sample("layers/parcels/parcels.geojson"))
        .arg(sample("layers/parcels/survey_parcels.shp"))
        .args(["--operator", "张三", "--pdf"])
        .arg(&c)
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(
        first == std::fs::read(&c).unwrap(),
        "SOURCE_DATE_EPOCH ignored"
    );

    // An existing report is kept without --force, replaced with it.
    std::fs::write(&a, b"earlier report").unwrap();
    let run = common::redline()
        .args(["screen", "--catalog"])
        .arg(sample("layers/catalog.toml"))
        .arg("--parcels")
        .arg(sample("layers/parcels/parcels.geojson"))
        .arg("--pdf")
        .arg(&a)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("a.pdf") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&a).unwrap(), b"earlier report");
    render_sample(&a, &["--force"]);
    assert!(first == std::fs::read(&a).unwrap());
}

/// Attribute text comes from outside files: in the PDF it is text, never
/// markup; in the CSV a would-be formula is neutralised.
#[test]
fn hostile_attribute_text_is_printed_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let sample_parcels: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sample("layers/parcels/parcels.geojson")).unwrap(),
    )
    .unwrap();
    let mut parcel = sample_parcels["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["地块编号"] == "XY-2025-001")
        .unwrap()
        .clone();
    let name = "=HYPERLINK(\"http://x\",\"点我\")<b>粗体</b>";
    parcel["properties"]["地块编号"] = "@SUM(A1)".into();
    parcel["properties"]["名称"] = name.into();
    let mut collection = sample_parcels.clone();
    collection["features"] = serde_json::Value::Array(vec![parcel]);
    let parcels = dir.path().join("hostile.geojson");
    std::fs::write(&parcels, collection.to_string()).unwrap();
    let (pdf, csv_path) = (dir.path().join("r.pdf"), dir.path().join("f.csv"));
    let run = common::redline()
        .args(["screen", "--catalog"])
        .arg(sample("layers/catalog.toml"))
        .arg("--parcels")
        .arg(&parcels)
        .arg("--pdf")
        .arg(&pdf)
        .arg("--csv")
        .arg(&csv_path)
        .args(["--report-time", REPORT_TIME])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let text: String = pdf_text(&std::fs::read(&pdf).unwrap())
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(text.contains("@SUM(A1)"), "{text}");
    assert!(text.contains("<b>粗体</b>"), "{text}");
    let rows = csv_rows(&csv_path);
    assert_eq!(&rows[0][0], "'@SUM(A1)");
    assert!(rows[0][1].starts_with("'=HYPERLINK("), "{:?}", &rows[0]);
}

/// The CSVs' keywords and the words the workbook shows for them.
const WORDS: [(&str, &str); 11] = [
    ("clear", "符合"),
    ("review", "需论证"),
    ("conflict", "不符合"),
    ("outside", "范围外"),
    ("contact", "边界接触"),
    ("noted", "涉及"),
    ("error", "未筛查"),
    ("concerned", "涉及"),
    ("not_concerned", "不涉及"),
    ("no_data", "无数据"),
    ("display_only", "仅显示（不筛查）"),
];

#[test]
fn the_workbook_holds_the_csvs_cells_with_numbers_as_numbers() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let dir = tempfile::tempdir().unwrap();
    let (findings, summary, layers, book) = (
        dir.path().join("f.csv"),
        dir.path().join("s.csv"),
        dir.path().join("l.csv"),
        dir.path().join("results.xlsx"),
    );
    let again = dir.path().join("again.xlsx");
    for path in [&book, &again] {
        screen_sample(&[
            "--csv".as_ref(),
            findings.as_os_str(),
            "--summary-csv".as_ref(),
            summary.as_os_str(),
            "--layers-csv".as_ref(),
            layers.as_os_str(),
            "--xlsx".as_ref(),
            path.as_os_str(),
            "--report-time".as_ref(),
            REPORT_TIME.as_ref(),
        ]);
    }
    // The same inputs, the same bytes.
    assert_eq!(
        std::fs::read(&book).unwrap(),
        std::fs::read(&again).unwrap()
    );

    let mut workbook: Xlsx<_> = open_workbook(&book).unwrap();
    assert_eq!(workbook.sheet_names(), ["地块汇总", "筛查发现", "图层核查"]);
    for (sheet, csv_path, columns) in [
        ("地块汇总", &summary, 17),
        ("筛查发现", &findings, 21),
        ("图层核查", &layers, 11),
    ] {
        let range = workbook.worksheet_range(sheet).unwrap();
        let rows: Vec<&[Data]> = range.rows().collect();
        let csv = csv_rows(csv_path);
        assert_eq!(rows.len(), csv.len() + 1, "{sheet}");
        assert_eq!(rows[0].len(), columns);
        assert_eq!(rows[0][0], Data::String("地块编号".into()));
        for (row, expected) in rows[1..].iter().zip(&csv) {
            for (c, (cell, text)) in row.iter().zip(expected.iter()).enumerate() {
                match cell {
                    // A measure (the CSV's two decimals of the same number)
                    // or a count: Excel keeps every number as a float.
                    Data::Float(value) if text.contains('.') => {
                        assert_eq!(format!("{value:.2}"), text, "{sheet} col {c}")
                    }
                    Data::Float(value) => assert_eq!(format!("{value}"), text, "{sheet} col {c}"),
                    Data::Int(value) => assert_eq!(value.to_string(), text),
                    Data::Empty => assert_eq!(text, "", "{sheet} col {c}"),
                    // A verdict or a layer's status: the CSV's keyword in words.
                    Data::String(s) if WORDS.iter().any(|(k, _)| *k == text) => {
                        assert!(WORDS.contains(&(text, s.as_str())), "{s} for {text}");
                    }
                    Data::String(s) => {
                        assert_eq!(s.as_str(), text.trim_start_matches('\''), "{sheet} col {c}")
                    }
                    other => panic!("{sheet} col {c}: {other:?}"),
                }
            }
        }
    }
    // The areas and counts are numbers a spreadsheet can sum.
    let range = workbook.worksheet_range("地块汇总").unwrap();
    assert!(matches!(range.get((1, 2)), Some(Data::Float(a)) if *a == 40_000.0));
    assert_eq!(range.get((1, 3)), Some(&Data::String("不符合".into())));
}
