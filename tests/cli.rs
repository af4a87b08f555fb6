//! `redline screen` as a user runs it: the CSV contract, the summary and the
//! exit codes.

mod common;

use common::*;
use serde_json::json;

use common::redline;

/// `redline screen` on `world`'s plan and the parcel file `parcels`.
fn screen(world: &World, parcels: &std::path::Path, extra: &[&str]) -> std::process::Output {
    redline()
        .args(["screen", "--catalog"])
        .arg(world.catalog())
        .arg("--parcels")
        .arg(parcels)
        .args(extra)
        .output()
        .unwrap()
}

fn world_with_parcels() -> World {
    let world = World::new(
        vec![feature(
            json!({"编号": "HX-1", "名称": "缙云山生态保护红线"}),
            polygon(&[rect(X0, Y0, 500.0, 1000.0)]),
        )],
        vec![],
        vec![feature(
            json!({"编号": "LTH", "名称": "梁滩河"}),
            line(&[[X0 + 5000.0, Y0 - 1000.0], [X0 + 5000.0, Y0 + 3000.0]]),
        )],
        0.0,
    );
    write_geojson(
        &world.path("parcels.geojson"),
        Some(4544),
        vec![
            feature(
                json!({"地块编号": "XY-2025-017", "名称": "某电子厂房扩建"}),
                polygon(&[rect(X0 + 450.0, Y0 + 100.0, 100.0, 100.0)]),
            ),
            feature(
                json!({"地块编号": "XY-2025-018", "名称": "=HYPERLINK(\"http://x\")"}),
                polygon(&[rect(X0 + 4860.0, Y0, 100.0, 100.0)]),
            ),
            feature(
                json!({"地块编号": "XY-2025-019", "名称": "物流园"}),
                polygon(&[rect(X0 + 8000.0, Y0, 100.0, 100.0)]),
            ),
        ],
    );
    world
}

#[test]
fn writes_the_findings_csv_contract() {
    let world = world_with_parcels();
    let out = world.path("findings.csv");
    let run = redline()
        .args(["screen", "--catalog"])
        .arg(world.catalog())
        .arg("--parcels")
        .arg(world.path("parcels.geojson"))
        .arg("--csv")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("screened 3 parcels"), "{stdout}");
    assert!(stdout.contains("  conflict       1  不符合\n"), "{stdout}");
    assert!(stdout.contains("  review         1  需论证\n"), "{stdout}");
    assert!(stdout.contains("  clear          1  符合\n"), "{stdout}");

    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "no byte-order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "parcel_id,parcel_name,parcel_area_m2,parcel_verdict,layer_id,layer_name,rule,feature_id,feature_name,verdict,overlap_m2,overlap_pct,distance_m,basis,note,clause_id,clause_level,clause_dimension,clause_effect,clause_status,clause_text"
    );
    assert_eq!(
        lines[1],
        "XY-2025-017,某电子厂房扩建,10000.00,conflict,eco_redline,生态保护红线,prohibit,HX-1,缙云山生态保护红线,conflict,5000.00,50.00,,生态保护红线原则上按照禁止开发区域进行管理,,,,,,,"
    );
    assert_eq!(
        lines[2],
        "XY-2025-018,\"'=HYPERLINK(\"\"http://x\"\")\",10000.00,review,rivers,河道,setback,LTH,梁滩河,review,,,40.00,新建地块建筑红线后退水岸线30-50米以上,,,,,,,"
    );
    assert_eq!(
        lines[3],
        "XY-2025-019,物流园,10000.00,clear,,,,,,,,,,,,,,,,,"
    );
    assert_eq!(lines.len(), 4);
}

#[test]
fn fail_on_sets_the_exit_code_for_scripts() {
    let world = world_with_parcels();
    let parcels = world.path("parcels.geojson");
    let run = |extra: &[&str]| screen(&world, &parcels, extra).status.code();
    assert_eq!(run(&[]), Some(0));
    assert_eq!(run(&["--fail-on", "conflict"]), Some(3));
    assert_eq!(run(&["--fail-on", "review"]), Some(3));
}

#[test]
fn fail_on_is_met_when_a_parcel_could_not_be_screened() {
    // Only a clear parcel and a parcel with no geometry: nothing conflicts,
    // but the file is broken, and a gate must not pass it.
    let world = world_with_parcels();
    let parcels = world.path("broken.geojson");
    write_geojson(
        &parcels,
        Some(4544),
        vec![
            feature(
                json!({"地块编号": "OK-1"}),
                polygon(&[rect(X0 + 8000.0, Y0, 100.0, 100.0)]),
            ),
            json!({"type": "Feature", "properties": {"地块编号": "BAD-1"}, "geometry": null}),
        ],
    );
    let run = |extra: &[&str]| screen(&world, &parcels, extra);
    assert_eq!(run(&[]).status.code(), Some(0));
    for gate in ["conflict", "review"] {
        let out = run(&["--fail-on", gate]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(3), "{stdout}");
        assert!(
            stdout.contains("1 parcel(s) could not be screened"),
            "{stdout}"
        );
    }
}

#[test]
fn a_parcel_outside_the_plan_area_is_never_clear_and_meets_fail_on() {
    // A clear parcel beside the zones and one 43 km east of everything the
    // plan holds (no boundary in this catalog): only the first is clear.
    let world = world_with_parcels();
    let parcels = world.path("outside.geojson");
    write_geojson(
        &parcels,
        Some(4544),
        vec![
            feature(
                json!({"地块编号": "NEAR-1"}),
                polygon(&[rect(X0 + 8000.0, Y0, 100.0, 100.0)]),
            ),
            feature(
                json!({"地块编号": "FAR-1"}),
                polygon(&[rect(X0 + 48_000.0, Y0, 100.0, 100.0)]),
            ),
        ],
    );
    let summary = world.path("summary.csv");
    let run = |extra: &[&str]| {
        let mut args = vec!["--summary-csv", summary.to_str().unwrap()];
        args.extend(extra);
        screen(&world, &parcels, &args)
    };
    let out = run(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("outside        1  范围外"), "{stdout}");
    assert!(stdout.contains("clear          1  符合"), "{stdout}");
    let rows = std::fs::read_to_string(&summary).unwrap();
    let far = rows.lines().find(|l| l.starts_with("FAR-1,")).unwrap();
    assert!(far.contains(",outside,"), "{far}");
    assert!(
        far.contains("范围外：地块完全位于规划范围之外")
            && far.contains("outside the plan area: wholly outside, 43.0 km from every zone"),
        "{far}"
    );
    for gate in ["conflict", "review"] {
        let out = run(&["--fail-on", gate]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(3), "{stdout}");
        assert!(
            stdout.contains("1 parcel(s) lie outside the plan area (范围外)"),
            "{stdout}"
        );
    }
}

#[test]
fn a_report_that_would_be_refused_is_refused_before_anything_is_written() {
    let world = world_with_parcels();
    let (csv, pdf) = (world.path("findings.csv"), world.path("report.pdf"));
    std::fs::write(&pdf, b"an earlier report").unwrap();
    let run = |extra: &[&str]| {
        redline()
            .args(["screen", "--catalog"])
            .arg(world.catalog())
            .arg("--parcels")
            .arg(world.path("parcels.geojson"))
            .arg("--csv")
            .arg(&csv)
            .arg("--pdf")
            .arg(&pdf)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("report.pdf") && stderr.contains("--force"),
        "{stderr}"
    );
    assert!(
        !csv.exists(),
        "the CSV was written before the report was refused"
    );
    assert_eq!(std::fs::read(&pdf).unwrap(), b"an earlier report");
    // A time that is not a time is refused before anything too.
    let out = run(&["--force", "--report-time", "2025-13-01 09:30"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!csv.exists());
}

#[test]
fn unreadable_input_exits_2_naming_the_file_and_the_fix() {
    let world = world_with_parcels();
    std::fs::write(
        world.path("projected.geojson"),
        serde_json::to_string(&json!({"type": "FeatureCollection", "features": [
            feature(json!({"id": "A"}), polygon(&[rect(X0, Y0, 10.0, 10.0)]))
        ]}))
        .unwrap(),
    )
    .unwrap();
    let run = redline()
        .args(["screen", "--catalog"])
        .arg(world.catalog())
        .arg("--parcels")
        .arg(world.path("projected.geojson"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("projected.geojson")
            && stderr.contains("not longitude/latitude")
            && stderr.contains("--parcels-crs"),
        "{stderr}"
    );

    // Declaring the CRS on the command line fixes it.
    let run = redline()
        .args(["screen", "--catalog"])
        .arg(world.catalog())
        .arg("--parcels")
        .arg(world.path("projected.geojson"))
        .args(["--parcels-crs", "EPSG:4544"])
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let catalog = std::fs::read_to_string(world.catalog())
        .unwrap()
        .replace("\"restrict\"", "\"forbid\"");
    std::fs::write(world.path("bad.toml"), catalog).unwrap();
    let run = redline()
        .args(["screen", "--catalog"])
        .arg(world.path("bad.toml"))
        .arg("--parcels")
        .arg(world.path("parcels.geojson"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        stderr.contains("bad.toml:19:") && stderr.contains("unknown rule \"forbid\""),
        "{stderr}"
    );
}

#[test]
fn an_output_over_an_input_is_refused_and_the_input_kept() {
    let world = world_with_parcels();
    let parcels = world.path("parcels.geojson");
    let before = std::fs::read(&parcels).unwrap();
    let run = redline()
        .args(["screen", "--catalog"])
        .arg(world.catalog())
        .arg("--parcels")
        .arg(&parcels)
        .arg("--csv")
        .arg(&parcels)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("one of the input files"));
    assert_eq!(std::fs::read(&parcels).unwrap(), before);
}
