//! The real window under Xvfb: `redline view --screenshot` opens the sample
//! plan with a conflict parcel selected and renders it to a PNG.
#![cfg(feature = "viewer")]

use std::process::Command;

/// `redline ARGS` in a window under Xvfb (its runtime dir in `dir`), or
/// `None` when Xvfb is not installed: .ci/run installs it, a developer
/// machine may not have it.
fn under_xvfb(dir: &std::path::Path, args: &[&std::ffi::OsStr]) -> Option<std::process::Output> {
    if Command::new("xvfb-run").arg("--help").output().is_err() {
        eprintln!("xvfb-run is not installed (apt-get install xvfb xauth): window test not run");
        return None;
    }
    let output = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1600x1000x24"])
        .arg(env!("CARGO_BIN_EXE_redline"))
        .args(args)
        .env("XDG_RUNTIME_DIR", dir)
        .output()
        .unwrap();
    Some(output)
}

#[test]
fn the_window_renders_the_sample_plan_with_a_parcel_selected() {
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("shot.png");
    let args = [
        "view",
        "--parcels",
        "layers/parcels/parcels.geojson",
        "layers/parcels/survey_parcels.shp",
        "--select",
        "XY-2025-001",
        "--screenshot",
    ]
    .map(std::ffi::OsStr::new);
    let mut args = args.to_vec();
    args.push(shot.as_os_str());
    let Some(output) = under_xvfb(dir.path(), &args) else {
        return;
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), (1440, 900));
    // Zoomed to XY-2025-001 inside the red line: the map is red and hatched.
    let reddish = pixels[..frame.buffer_size()]
        .chunks_exact(4)
        .filter(|p| p[0] > 150 && p[1] < 130 && p[2] < 130)
        .count();
    let share = reddish as f64 / (frame.width * frame.height) as f64;
    assert!(share > 0.05, "only {:.1} % red pixels", share * 100.0);
}

#[test]
fn the_frame_benchmark_flies_over_the_sample_plan_and_prints_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "view",
        "--parcels",
        "layers/parcels/parcels.geojson",
        "--bench-frames",
        "30",
    ]
    .map(std::ffi::OsStr::new);
    let Some(output) = under_xvfb(dir.path(), &args) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The parcels are on the map (as dots) no later than once screened.
    let seconds_after = |label: &str| -> f64 {
        let at = stdout
            .find(label)
            .unwrap_or_else(|| panic!("no {label:?}:\n{stdout}"));
        let text = stdout[at + label.len()..].trim_start();
        let number = text.split(' ').next().unwrap_or_default();
        number
            .parse()
            .unwrap_or_else(|_| panic!("{label:?} {text:?}"))
    };
    let plan = seconds_after("plan drawn");
    let shown = seconds_after("parcels shown");
    let screened = seconds_after("parcels screened and drawn");
    assert!(plan > 0.0 && shown <= screened, "{stdout}");
    // Each row: frames, median, p95, p99, max, in increasing order.
    for row in ["update (app ui", "frame build", "interval"] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(row))
            .unwrap_or_else(|| panic!("no row {row}:\n{stdout}"));
        let numbers: Vec<f64> = line
            .split_whitespace()
            .rev()
            .take(5)
            .map(|n| n.parse().unwrap_or_else(|_| panic!("{line}")))
            .collect();
        let [max, p99, p95, median, frames] = numbers[..] else {
            panic!("{line}")
        };
        assert_eq!(frames, 30.0, "{line}");
        assert!(
            0.0 < median && median <= p95 && p95 <= p99 && p99 <= max,
            "{line}"
        );
    }
}
