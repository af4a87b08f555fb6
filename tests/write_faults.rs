//! Faults while writing, and trust in what is written: an output that cannot
//! be written is a clear error that leaves no partial file and touches no
//! input; the same inputs give the same bytes whatever the thread count.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use redline::atomic::write_atomically_with;
use redline::error::Error;
use serde_json::json;

use common::redline;

fn world() -> World {
    let world = World::new(
        vec![feature(
            json!({"编号": "HX-1", "名称": "红线"}),
            polygon(&[rect(X0, Y0, 500.0, 1000.0)]),
        )],
        vec![],
        vec![],
        0.0,
    );
    write_geojson(
        &world.path("parcels.geojson"),
        Some(4544),
        vec![feature(
            json!({"地块编号": "XY-1"}),
            polygon(&[rect(X0 + 450.0, Y0 + 100.0, 100.0, 100.0)]),
        )],
    );
    world
}

/// Every file of a folder and its contents, to show nothing was added,
/// removed or changed.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

fn screen_to(world: &World, outputs: &[(&str, &Path)]) -> Output {
    let mut command = redline();
    command
        .args(["screen", "--catalog"])
        .arg(world.catalog())
        .arg("--parcels")
        .arg(world.path("parcels.geojson"));
    for (flag, path) in outputs {
        command.arg(flag).arg(path);
    }
    command.output().unwrap()
}

/// Runs a screening that must fail on its outputs: exit code 2, the message
/// naming the output and saying `words`, and the folder exactly as before.
fn assert_refused(world: &World, outputs: &[(&str, &Path)], named: &Path, words: &[&str]) {
    let before = snapshot(world.dir.path());
    let run = screen_to(world, outputs);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&named.display().to_string()), "{stderr}");
    for w in words {
        assert!(stderr.contains(w), "{w:?} missing from: {stderr}");
    }
    assert_eq!(
        snapshot(world.dir.path()),
        before,
        "files changed: {stderr}"
    );
}

#[test]
fn an_output_under_a_file_or_in_a_missing_folder_is_refused() {
    let w = world();
    let under_file = w.path("parcels.geojson").join("findings.csv");
    assert_refused(
        &w,
        &[("--csv", &under_file)],
        &under_file,
        &["does not exist (or is not a folder)"],
    );
    let missing = w.path("no/such/folder/findings.csv");
    assert_refused(
        &w,
        &[("--summary-csv", &missing)],
        &missing,
        &["does not exist", "create it"],
    );
}

#[test]
fn an_output_that_is_a_folder_is_refused() {
    let w = world();
    let folder = w.path("out");
    std::fs::create_dir(&folder).unwrap();
    assert_refused(&w, &[("--geojson", &folder)], &folder, &["it is a folder"]);
    assert!(folder.is_dir());
}

#[test]
fn an_output_over_any_input_is_refused_before_anything_is_written() {
    let w = world();
    let fine = w.path("findings.csv");
    // A parcel file, a layer of the plan and the catalog itself.
    for input in [
        w.path("parcels.geojson"),
        w.path("redline.geojson"),
        w.catalog(),
    ] {
        assert_refused(
            &w,
            &[("--csv", &fine), ("--geojson", &input)],
            &input,
            &["one of the input files"],
        );
        assert!(
            !fine.exists(),
            "the CSV was written before the GeoJSON was refused"
        );
    }
}

#[test]
fn a_folder_where_no_file_can_be_created_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let w = world();
    let locked = w.path("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes past permission bits (CI runs as root); sysfs refuses a
    // new file to everyone, root included, so the fault is real either way.
    let probe = locked.join("probe");
    let folder = if std::fs::write(&probe, b"").is_ok() {
        std::fs::remove_file(&probe).unwrap();
        PathBuf::from("/sys/fs")
    } else {
        locked
    };
    assert!(folder.is_dir(), "{} is missing", folder.display());
    let out = folder.join("findings.csv");
    assert_refused(
        &w,
        &[("--csv", &out)],
        &out,
        &["cannot create a file", "writable"],
    );
    assert!(!out.exists());
}

#[test]
fn a_writer_failing_midway_leaves_the_old_file_and_no_temporary_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("findings.csv");
    std::fs::write(&out, b"yesterday's report").unwrap();
    let err = write_atomically_with(&out, &[], |file| {
        use std::io::Write;
        file.write_all(b"half a rep")?;
        Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "No space left on device",
        ))
    })
    .unwrap_err();
    assert!(matches!(err, Error::Output { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("findings.csv")
            && text.contains("No space left on device")
            && text.contains("nothing was written"),
        "{text}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"yesterday's report");
    assert_eq!(
        snapshot(dir.path()).len(),
        1,
        "a temporary file was left behind"
    );
}

#[test]
fn a_screening_that_fails_after_its_rows_began_leaves_no_report() {
    let w = world();
    let out = w.path("findings.csv");
    std::fs::write(&out, b"yesterday's report").unwrap();
    let before = snapshot(w.dir.path());
    // The first file's rows are written before the second turns out broken.
    let broken = w.dir.path().join("broken").join("parcels.geojson");
    std::fs::create_dir(broken.parent().unwrap()).unwrap();
    std::fs::write(
        &broken,
        b"{\"type\": \"FeatureCollection\", \"features\": [",
    )
    .unwrap();
    let run = redline()
        .args(["screen", "--catalog"])
        .arg(w.catalog())
        .arg("--parcels")
        .arg(w.path("parcels.geojson"))
        .arg(&broken)
        .arg("--csv")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&broken.display().to_string()) && stderr.contains("truncated"),
        "{stderr}"
    );
    assert_eq!(
        snapshot(w.dir.path()),
        before,
        "the report or a temporary file changed"
    );
}

/// The sample plan's parcels screened with `threads` worker threads
/// (`None`: rayon's default, one per core), every machine-readable output.
fn sample_outputs(threads: Option<&str>) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let outputs = [
        "findings.csv",
        "summary.csv",
        "findings.geojson",
        "working.geojson",
    ];
    let mut command = redline();
    command
        .current_dir(root)
        .args(["screen", "--catalog", "layers/catalog.toml", "--parcels"])
        .args([
            "layers/parcels/parcels.geojson",
            "layers/parcels/survey_parcels.shp",
        ])
        .arg("--csv")
        .arg(dir.path().join(outputs[0]))
        .arg("--summary-csv")
        .arg(dir.path().join(outputs[1]))
        .arg("--geojson")
        .arg(dir.path().join(outputs[2]));
    match threads {
        Some(n) => command.env("RAYON_NUM_THREADS", n),
        None => command.env_remove("RAYON_NUM_THREADS"),
    };
    let run = command.output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut working = redline();
    working
        .current_dir(root)
        .args([
            "screen",
            "--catalog",
            "layers/catalog.toml",
            "--parcels",
            "layers/parcels/parcels.geojson",
        ])
        .args(["--geojson-crs", "working", "--geojson"])
        .arg(dir.path().join(outputs[3]));
    if let Some(n) = threads {
        working.env("RAYON_NUM_THREADS", n);
    }
    assert!(working.output().unwrap().status.success());
    outputs
        .iter()
        .map(|name| std::fs::read(dir.path().join(name)).unwrap())
        .collect()
}

#[test]
fn the_same_inputs_give_the_same_bytes_whatever_the_thread_count() {
    let one = sample_outputs(Some("1"));
    assert!(one.iter().all(|bytes| bytes.len() > 100));
    for threads in [None, Some("7")] {
        let other = sample_outputs(threads);
        for (i, (a, b)) in one.iter().zip(&other).enumerate() {
            assert!(
                a == b,
                "output {i} differs between 1 thread and {threads:?}"
            );
        }
    }
}
