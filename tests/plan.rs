//! `redline plan check` and `redline plan diff` as a user runs them: the
//! figures printed, the JSON, the pieces written and the exit codes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use serde_json::{json, Value};

use common::redline;

fn sample_catalog() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("layers/catalog.toml")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn check(catalog: &Path, extra: &[&str]) -> Output {
    redline()
        .args(["plan", "check", "--catalog"])
        .arg(catalog)
        .args(extra)
        .output()
        .unwrap()
}

/// The row of the table whose label ends with `layer_id`.
fn row<'a>(table: &'a str, layer_id: &str) -> &'a str {
    table
        .lines()
        .find(|l| l.contains(&format!(" {layer_id} ")))
        .unwrap_or_else(|| panic!("no row for {layer_id}:\n{table}"))
}

#[test]
fn check_on_the_sample_meets_the_plans_targets() {
    let run = check(&sample_catalog(), &[]);
    let stdout = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}{}", text(&run.stderr));
    assert!(stdout.contains("规划范围 boundary: 313."), "{stdout}");
    let red = row(&stdout, "eco_redline");
    assert!(red.starts_with("生态保护红线 eco_redline"), "{red}");
    assert!(
        red.contains(" 27.50 ") && red.contains("≥ 27.5 km²") && red.ends_with("达标 met"),
        "{red}"
    );
    let reserves = row(&stdout, "nature_reserves");
    assert!(
        reserves.contains("≥ 5.3 %") && reserves.ends_with("达标 met"),
        "{reserves}"
    );
    let rivers = row(&stdout, "rivers");
    assert!(
        rivers.contains('—'),
        "rivers have a length, not an area: {rivers}"
    );
    assert!(stdout.contains("问题 problems: 无 none"), "{stdout}");
    assert!(stdout.contains("all targets met"), "{stdout}");
}

#[test]
fn check_as_json_carries_the_numbers() {
    let run = check(&sample_catalog(), &["--json"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let report: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(report["working_crs"], "EPSG:4544");
    assert_eq!(report["passed"], true);
    let boundary = report["boundary"]["area_km2"].as_f64().unwrap();
    assert!((boundary - 313.0).abs() < 3.13, "{boundary}");
    let layer = |id: &str| {
        report["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == id)
            .unwrap_or_else(|| panic!("no layer {id}"))
            .clone()
    };
    let red = layer("eco_redline");
    let area = red["area_km2"].as_f64().unwrap();
    assert!((area - 27.5).abs() <= 27.5 * 0.001, "{area}");
    assert_eq!(red["targets"][0]["indicator"], "area_km2");
    assert_eq!(red["targets"][0]["target"], 27.5);
    assert_eq!(red["targets"][0]["met"], true);
    let reserves = layer("nature_reserves");
    let share = reserves["share_pct"].as_f64().unwrap();
    assert!(share >= 5.3, "{share}");
    assert_eq!(reserves["targets"][0]["actual"], reserves["share_pct"]);
    assert_eq!(reserves["targets"][0]["met"], true);
    assert!(layer("rivers")["length_km"].as_f64().unwrap() > 0.0);
    assert_eq!(layer("rivers")["area_km2"], Value::Null);
}

#[test]
fn a_target_not_met_exits_3_naming_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    let layers = sample_catalog().parent().unwrap().to_path_buf();
    let raised = std::fs::read_to_string(sample_catalog())
        .unwrap()
        .replace("target_area_km2 = 27.5", "target_area_km2 = 30.0")
        .replace("path = \"", &format!("path = \"{}/", layers.display()))
        .replace(
            "boundary = \"",
            &format!("boundary = \"{}/", layers.display()),
        )
        .replace(
            "admission = \"",
            &format!("admission = \"{}/", layers.display()),
        );
    let catalog = dir.path().join("catalog.toml");
    std::fs::write(&catalog, raised).unwrap();
    let run = check(&catalog, &[]);
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert_eq!(run.status.code(), Some(3), "{stdout}{stderr}");
    assert!(
        row(&stdout, "eco_redline").ends_with("未达标 NOT MET"),
        "{stdout}"
    );
    assert!(
        row(&stdout, "nature_reserves").ends_with("达标 met"),
        "{stdout}"
    );
    assert_eq!(
        stderr,
        "redline: 未达标 NOT MET: 生态保护红线 eco_redline: area 27.50 km², target ≥ 30 km²\n"
    );
}

#[test]
fn an_invalid_layer_exits_3_naming_it() {
    let world = World::new(
        vec![
            feature(
                json!({"编号": "HX-1", "名称": "缙云山"}),
                polygon(&[rect(X0, Y0, 500.0, 500.0)]),
            ),
            feature(
                json!({"编号": "HX-1", "名称": "中梁山"}),
                polygon(&[rect(X0 + 1000.0, Y0, 500.0, 500.0)]),
            ),
        ],
        vec![],
        vec![],
        0.0,
    );
    let run = check(&world.catalog(), &[]);
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert_eq!(run.status.code(), Some(3), "{stdout}{stderr}");
    assert!(
        stdout.contains("错误 error: ")
            && stdout.contains("redline.geojson: feature 2 (id HX-1): 编号重复 duplicate id"),
        "{stdout}"
    );
    assert_eq!(
        stderr,
        "redline: 图层无效 invalid layer: 生态保护红线 eco_redline: 1 error(s), listed in the report\n"
    );
}

/// A 1 km square, and its revision with a 100 m × 200 m notch cut into the
/// bottom edge and a 300 m × 50 m bump on the top: 20 000 m² removed,
/// 15 000 m² added.
fn versions(dir: &Path) -> (PathBuf, PathBuf) {
    let old = dir.join("redline_v1.geojson");
    let new = dir.join("redline_v2.geojson");
    write_geojson(
        &old,
        Some(4544),
        vec![feature(
            json!({"编号": "HX-1"}),
            polygon(&[rect(X0, Y0, 1000.0, 1000.0)]),
        )],
    );
    let revised = vec![
        [X0, Y0],
        [X0 + 400.0, Y0],
        [X0 + 400.0, Y0 + 200.0],
        [X0 + 500.0, Y0 + 200.0],
        [X0 + 500.0, Y0],
        [X0 + 1000.0, Y0],
        [X0 + 1000.0, Y0 + 1000.0],
        [X0 + 700.0, Y0 + 1000.0],
        [X0 + 700.0, Y0 + 1050.0],
        [X0 + 400.0, Y0 + 1050.0],
        [X0 + 400.0, Y0 + 1000.0],
        [X0, Y0 + 1000.0],
        [X0, Y0],
    ];
    // No CRS member: the user declares it with --crs.
    write_geojson(
        &new,
        None,
        vec![feature(json!({"编号": "HX-1"}), polygon(&[revised]))],
    );
    (old, new)
}

fn diff(old: &Path, new: &Path, extra: &[&str]) -> Output {
    redline()
        .args(["plan", "diff", "--catalog"])
        .arg(sample_catalog())
        .arg("--old")
        .arg(old)
        .arg("--new")
        .arg(new)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn diff_reports_a_net_loss_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = versions(dir.path());
    let out = dir.path().join("changes.geojson");
    let run = diff(
        &old,
        &new,
        &["--crs", "EPSG:4544", "--geojson", out.to_str().unwrap()],
    );
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert_eq!(run.status.code(), Some(3), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "旧版 old: 1000000.00 m² (1.000000 km²), 1 feature(s), {}",
            old.display()
        )
    );
    assert!(
        lines[1].starts_with("新版 new: 995000.00 m² (0.995000 km²), 1 feature(s), "),
        "{stdout}"
    );
    assert_eq!(
        lines[2],
        "新增 added: 15000.00 m² (0.015000 km²), 1 piece(s)"
    );
    assert_eq!(
        lines[3],
        "减少 removed: 20000.00 m² (0.020000 km²), 1 piece(s)"
    );
    assert_eq!(lines[4], "净变化 net: -5000.00 m² (-0.005000 km²)");
    assert_eq!(lines[5], "结论 result: 面积减少 NET AREA DECREASED");
    assert!(stderr.contains("decreased by 5000.00 m²"), "{stderr}");

    let pieces: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert!(
        pieces.get("crs").is_none(),
        "RFC 7946 output is WGS84, no crs member"
    );
    let features = pieces["features"].as_array().unwrap();
    let summary: Vec<(&str, f64)> = features
        .iter()
        .map(|f| {
            (
                f["properties"]["change"].as_str().unwrap(),
                f["properties"]["area_m2"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(summary, [("removed", 20000.0), ("added", 15000.0)]);
    let lon = features[0]["geometry"]["coordinates"][0][0][0]
        .as_f64()
        .unwrap();
    let lat = features[0]["geometry"]["coordinates"][0][0][1]
        .as_f64()
        .unwrap();
    assert!(
        (106.0..106.5).contains(&lon) && (29.0..30.0).contains(&lat),
        "{lon} {lat}"
    );
}

#[test]
fn diff_of_a_net_gain_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = versions(dir.path());
    let run = diff(&new, &old, &["--crs", "EPSG:4544"]);
    let stdout = text(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}{}", text(&run.stderr));
    assert!(
        stdout.contains("\n新增 added: 20000.00 m² (0.020000 km²), 1 piece(s)\n")
            && stdout.contains("\n减少 removed: 15000.00 m² (0.015000 km²), 1 piece(s)\n")
            && stdout.contains("\n净变化 net: 5000.00 m² (0.005000 km²)\n")
            && stdout.contains("面积未减少 net area not decreased"),
        "{stdout}"
    );
    // The same file twice: nothing changed.
    let run = diff(&old, &old, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains("\n净变化 net: 0.00 m² (0.000000 km²)\n"));
}

#[test]
fn diff_of_a_file_without_a_crs_asks_for_one() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = versions(dir.path());
    let run = diff(&old, &new, &[]);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("redline_v2.geojson")
            && stderr.contains("not longitude/latitude")
            && stderr.contains("--crs EPSG:"),
        "{stderr}"
    );
}
