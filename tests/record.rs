//! The case record (留痕) as officers use it from the command line: a case
//! opened, screened, decided on, screened again after a layer changed;
//! its history; a report verified against the files and the record; the
//! record kept whole by concurrent writers and by a process killed at any
//! moment.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use common::{copy_layers, pdf_text, redline, succeed};
use redline::record::CaseDb;

const CASE: &str = "渝高新环审〔2026〕12号";

/// `redline` writing to the record `db`.
fn on(db: &Path) -> Command {
    let mut command = redline();
    command.env("REDLINE_DB", db);
    command
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn fails(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(!output.status.success(), "{}", stdout(&output));
    output
}

/// Opens the case on the sample's parcels in a copy of the sample plan.
fn open_case(dir: &Path, db: &Path) -> PathBuf {
    let layers = copy_layers(dir);
    succeed(
        on(db)
            .args(["case", "open", "--case", CASE, "--name", "西永微电园三期"])
            .args(["--applicant", "重庆某某科技有限公司", "--operator", "张三"])
            .arg("--parcels")
            .arg(layers.join("parcels/parcels.geojson")),
    );
    layers
}

fn screen_case(db: &Path, layers: &Path, outputs: &[&Path], operator: &str) -> String {
    let mut run = on(db);
    run.args(["screen", "--case", CASE, "--operator", operator])
        .arg("--catalog")
        .arg(layers.join("catalog.toml"))
        .env("SOURCE_DATE_EPOCH", "1764547200");
    for output in outputs {
        let flag = match output.extension().and_then(|e| e.to_str()) {
            Some("pdf") => "--pdf",
            _ => "--xlsx",
        };
        run.arg(flag).arg(output);
    }
    stdout(&succeed(&mut run))
}

/// Narrows the wetland SD-02 to 60 % of its width about its middle: the
/// parcel XY-2025-009, which overlapped it by 6 400 m², no longer does.
fn narrow_wetland(layers: &Path) {
    let path = layers.join("wetlands.geojson");
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let feature = plan["features"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["properties"]["编号"] == "SD-02")
        .unwrap();
    let ring = feature["geometry"]["coordinates"][0]
        .as_array_mut()
        .unwrap();
    let mid = ring.iter().map(|c| c[0].as_f64().unwrap()).sum::<f64>() / ring.len() as f64;
    for c in ring.iter_mut() {
        c[0] = serde_json::json!(mid + (c[0].as_f64().unwrap() - mid) * 0.6);
    }
    std::fs::write(&path, plan.to_string()).unwrap();
}

#[test]
fn a_case_screened_decided_and_screened_again_across_a_layer_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cases.sqlite");
    let layers = open_case(dir.path(), &db);
    let (first, second) = (dir.path().join("r1.pdf"), dir.path().join("r2.pdf"));
    let out = screen_case(&db, &layers, &[&first], "张三");
    assert!(out.contains("recorded: entry 2 "), "{out}");

    // The officer's decisions: an override with its reason, a request for
    // more material, then approval superseding it.
    let decide = |args: &[&str]| {
        let mut command = on(&db);
        command
            .args(["decide", "--case", CASE, "--operator", "李四"])
            .args(args);
        command
    };
    succeed(&mut decide(&[
        "--parcel",
        "XY-2025-003",
        "--finding",
        "rivers:HD-01",
        "--override",
        "clear",
        "--reason",
        "河道蓝线以水利局复核成果为准，实测退距满足要求",
    ]));
    succeed(&mut decide(&[
        "--parcel",
        "XY-2025-002",
        "--decision",
        "需补充材料",
        "--reason",
        "补充保护区主管部门意见",
    ]));
    succeed(&mut decide(&[
        "--parcel",
        "XY-2025-002",
        "--decision",
        "同意",
        "--reason",
        "已补充市林业局同意函",
    ]));
    // What the record does not know, and a decision without a reason, are refused.
    let err = fails(&mut decide(&[
        "--parcel",
        "XY-9",
        "--decision",
        "同意",
        "--reason",
        "x",
    ]));
    assert!(String::from_utf8_lossy(&err.stderr).contains("parcel XY-9 is not in case"));
    let err = fails(&mut decide(&[
        "--parcel",
        "XY-2025-003",
        "--finding",
        "rivers:HD-09",
        "--override",
        "clear",
        "--reason",
        "x",
    ]));
    assert!(String::from_utf8_lossy(&err.stderr).contains("has no finding rivers:HD-09"));
    let err = fails(&mut decide(&[
        "--parcel",
        "XY-2025-003",
        "--decision",
        "同意",
        "--reason",
        " ",
    ]));
    assert!(String::from_utf8_lossy(&err.stderr).contains("needs its reason"));

    narrow_wetland(&layers);
    let book = dir.path().join("r2.xlsx");
    let out = screen_case(&db, &layers, &[&second, &book], "王五");
    assert!(out.contains("changes since screening entry 2"), "{out}");
    assert!(
        out.contains("地块 XY-2025-009: 结论 verdict review → clear"),
        "{out}"
    );
    assert!(
        out.contains("finding gone wetlands:SD-02 (was review 6400.00 m²)"),
        "{out}"
    );

    // The second report shows each decision beside the tool's verdict,
    // which stays what the tool found.
    let text = pdf_text(&std::fs::read(&second).unwrap());
    assert!(text.contains("五、审查意见"), "no decisions section");
    let flat: String = text.split_whitespace().collect();
    assert!(
        flat.contains("发现rivers:HD-01工具判定不符合审查意见：改判为符合"),
        "{flat}"
    );
    assert!(
        flat.contains("审查意见：同意。理由：已补充市林业局同意函"),
        "{flat}"
    );
    assert!(
        flat.contains("取代第"),
        "the superseded decision is not named"
    );
    let first_text: String = pdf_text(&std::fs::read(&first).unwrap())
        .split_whitespace()
        .collect();
    assert!(
        !first_text.contains("改判"),
        "the first report predates the decisions"
    );

    // The workbook has the decisions too, the tool's verdict beside each.
    use calamine::{open_workbook, Reader, Xlsx};
    let mut workbook: Xlsx<_> = open_workbook(&book).unwrap();
    let sheet = workbook.worksheet_range("审查意见").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][..4], ["地块编号", "对象", "工具判定", "审查意见"]);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        rows[1][..4],
        ["XY-2025-003", "rivers:HD-01", "不符合", "改判为符合"]
    );
    assert_eq!(rows[2][..4], ["XY-2025-002", "地块", "需论证", "同意"]);
    assert_eq!(rows[2][5], "李四");

    // History: both screenings, the layer that changed between them, the decisions.
    let out = stdout(&succeed(
        on(&db).args(["history", "--case", CASE, "--verify"]),
    ));
    assert!(out.contains("已变更 changed: 图层 wetlands"), "{out}");
    assert!(out.contains("改判为符合 — 河道蓝线"), "{out}");
    assert!(out.contains("（取代 #"), "{out}");
    assert!(out.contains("chain intact"), "{out}");
    let parcel = stdout(&succeed(on(&db).args([
        "history",
        "--parcel",
        "XY-2025-009",
    ])));
    assert_eq!(parcel.matches("筛查 screening #").count(), 2, "{parcel}");
    assert!(
        parcel.contains("wetlands:SD-02 review 6400.00 m²"),
        "{parcel}"
    );

    let csv_path = dir.path().join("history.csv");
    succeed(
        on(&db)
            .args(["history", "--case", CASE, "--csv"])
            .arg(&csv_path),
    );
    let bytes = std::fs::read(&csv_path).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "no byte-order mark for Excel"
    );
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(&bytes[3..])
        .records()
        .map(Result::unwrap)
        .collect();
    let kinds: Vec<&str> = rows.iter().map(|r| &r[3]).collect();
    assert_eq!(
        kinds,
        [
            "case",
            "screening",
            "decision",
            "decision",
            "decision",
            "screening"
        ]
    );
    assert!(rows.iter().all(|r| r[7].len() == 64));

    // The first report's inputs changed since; the second's did not.
    let out = on(&db).arg("verify").arg(&first).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let said = stdout(&out);
    assert!(said.contains("wetlands.geojson: 已变更 CHANGED"), "{said}");
    assert!(said.contains("recorded as written, entry 2"), "{said}");
    let out = stdout(&succeed(on(&db).arg("verify").arg(&second)));
    assert!(out.contains("核验通过 verified"), "{out}");
    assert!(out.contains("decision entry"), "{out}");

    // A decision edited behind redline's back: history --verify and the
    // report that cites it both say so.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER entry_no_update;
         UPDATE entry SET body = replace(body, '已补充市林业局同意函', '已补充同意函') WHERE kind = 'decision';",
    )
    .unwrap();
    let out = on(&db).args(["history", "--verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let said = stdout(&out);
    assert!(said.contains("CHAIN BROKEN"), "{said}");
    assert!(
        said.contains("审查意见 案卷 渝高新环审〔2026〕12号 地块 XY-2025-002"),
        "{said}"
    );
    let out = on(&db).arg("verify").arg(&second).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).contains("ALTERED in the record"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_report_without_a_statement_is_refused_with_the_way_to_check_it() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("scan.pdf");
    std::fs::write(&fake, b"%PDF-1.4\n%%EOF\n").unwrap();
    let out = fails(
        on(&dir.path().join("cases.sqlite"))
            .arg("verify")
            .arg(&fake),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("scan.pdf"), "{err}");
}

#[test]
fn reading_a_record_that_is_not_there_makes_none_and_no_folder_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("cases.sqlite");
    for args in [&["history"][..], &["case", "list"][..]] {
        let out = fails(on(&missing).args(args));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("there is no case record here"), "{err}");
    }
    assert!(!missing.exists());
    let nowhere = dir.path().join("no-such-folder/cases.sqlite");
    let out = fails(on(&nowhere).args(["case", "open", "--case", "1", "--name", "x"]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(!nowhere.parent().unwrap().exists());
}

#[test]
fn concurrent_command_line_runs_lose_no_entry() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cases.sqlite");
    let layers = open_case(dir.path(), &db);
    let mut children = Vec::new();
    for n in 0..3 {
        children.push(
            on(&db)
                .args(["screen", "--case", CASE, "--catalog"])
                .arg(layers.join("catalog.toml"))
                .arg("--csv")
                .arg(dir.path().join(format!("f{n}.csv")))
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
    }
    for n in 0..8 {
        children.push(
            on(&db)
                .args([
                    "case",
                    "open",
                    "--case",
                    &format!("2026-{n:04}"),
                    "--name",
                    "并发",
                ])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
    }
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let record = CaseDb::open(&db).unwrap();
    let check = record.verify().unwrap();
    assert!(check.intact(), "{:?}", check.faults);
    let screenings = record.screenings(Some(CASE)).unwrap();
    assert_eq!(screenings.len(), 3);
    for s in &screenings {
        assert_eq!(record.parcels_of(s.entry.seq).unwrap().len(), 26);
    }
    assert_eq!(record.cases().unwrap().len(), 9);
    // The case, 3 × (screening + 26 parcels), 8 cases.
    assert_eq!(check.entries, 1 + 3 * 27 + 8);
}

/// A parcel file of `n` small squares across the sample plan.
fn many_parcels(path: &Path, n: usize) {
    let features: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let (x, y) = (
                106.25 + (i % 60) as f64 * 0.0025,
                29.50 + (i / 60) as f64 * 0.0025,
            );
            common::feature(
                serde_json::json!({ "id": format!("K-{i:05}") }),
                common::polygon(&[common::rect(x, y, 0.001, 0.001)]),
            )
        })
        .collect();
    common::write_geojson(path, None, features);
}

#[test]
fn a_screening_killed_at_any_moment_is_recorded_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cases.sqlite");
    let parcels = dir.path().join("many.geojson");
    many_parcels(&parcels, 3000);
    let catalog = Path::new(env!("CARGO_MANIFEST_DIR")).join("layers/catalog.toml");
    let run = || {
        on(&db)
            .args(["screen", "--catalog"])
            .arg(&catalog)
            .arg("--parcels")
            .arg(&parcels)
            .arg("--csv")
            .arg(dir.path().join("f.csv"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    // The shorter of two whole runs: tests beside this one may slow either.
    let whole_run = (0..2)
        .map(|_| {
            let started = Instant::now();
            assert!(run().wait().unwrap().success());
            started.elapsed()
        })
        .min()
        .unwrap();

    // Kills spread over the whole run (to 93 % of it), reading, screening
    // and recording alike, each at a different point.
    let mut killed = 0;
    for i in 0..14u32 {
        let at = whole_run.mul_f64((f64::from(i) + 0.5) / 15.0);
        let mut child = run();
        std::thread::sleep(at);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let record = CaseDb::open(&db).unwrap();
        let check = record.verify().unwrap();
        assert!(check.intact(), "after a kill at {at:?}: {:?}", check.faults);
        for s in record.screenings(None).unwrap() {
            let screened: usize = s
                .body
                .counts
                .iter()
                .filter(|(k, _)| *k != "error")
                .map(|(_, n)| n)
                .sum();
            assert_eq!(
                record.parcels_of(s.entry.seq).unwrap().len(),
                screened,
                "screening {} recorded in part after a kill at {at:?}",
                s.entry.seq
            );
        }
    }
    // A busy machine runs some faster than the first: most are cut, not all.
    assert!(
        killed >= 5,
        "only {killed} runs were killed before they ended"
    );
}
