//! The real window under Xvfb: `redline view --screenshot` opens the sample
//! plan with a conflict parcel selected and renders it to a PNG.
#![cfg(feature = "viewer")]

use std::path::Path;
use std::process::Command;

/// `redline ARGS` in a window under Xvfb, started in the checkout, with
/// `dir` as its home: its runtime dir, its saved settings and its copy of
/// the sample are the test's own, never the user's.
fn under_xvfb(dir: &std::path::Path, args: &[&std::ffi::OsStr]) -> Option<std::process::Output> {
    under_xvfb_in(dir, Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// As [`under_xvfb`], started in `cwd`. `None` when Xvfb is not installed
/// on a developer's machine; under CI (which installs it) that fails.
fn under_xvfb_in(
    dir: &Path,
    cwd: &Path,
    args: &[&std::ffi::OsStr],
) -> Option<std::process::Output> {
    if Command::new("xvfb-run").arg("--help").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "xvfb-run is not installed, and CI must run the window tests: .ci/run installs xvfb"
        );
        eprintln!("xvfb-run is not installed (apt-get install xvfb xauth): window test not run");
        return None;
    }
    let output = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1600x1000x24"])
        .arg(env!("CARGO_BIN_EXE_redline"))
        .args(args)
        .current_dir(cwd)
        .env("XDG_RUNTIME_DIR", dir)
        .env(
            "REDLINE_DB",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-cases.sqlite"),
        )
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .output()
        .unwrap();
    Some(output)
}

/// The share of pixels of a PNG that `keep` accepts, with its size.
fn share_of_pixels(png_path: &Path, keep: impl Fn(&[u8]) -> bool) -> (f64, (u32, u32)) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let kept = pixels[..frame.buffer_size()]
        .chunks_exact(4)
        .filter(|p| keep(p))
        .count();
    (
        kept as f64 / (frame.width * frame.height) as f64,
        (frame.width, frame.height),
    )
}

#[test]
fn started_from_an_empty_folder_the_viewer_opens_the_built_in_sample_plan() {
    // As an installed program started from the desktop: no layers/ beside it.
    let dir = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let shot = dir.path().join("shot.png");
    let args = [
        std::ffi::OsStr::new("view"),
        "--screenshot".as_ref(),
        shot.as_os_str(),
    ];
    let Some(output) = under_xvfb_in(dir.path(), empty.path(), &args) else {
        return;
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The sample was written to the user's data folder, whole, beside the
    // viewer's saved settings (the test's own, not the user's).
    let data = dir.path().join("data/redline");
    assert!(data.join("app.ron").is_file());
    let copies: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("sample-")
        })
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert!(copies[0].join("catalog.toml").is_file());
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
    // The whole plan is drawn: the red line's red and the barriers' green.
    let (red, size) = share_of_pixels(&shot, |p| p[0] > 150 && p[1] < 130 && p[2] < 130);
    let (green, _) = share_of_pixels(&shot, |p| {
        let [r, g, b] = [p[0], p[1], p[2]].map(i32::from);
        g > r + 30 && g > b + 10
    });
    assert_eq!(size, (1440, 900));
    assert!(red > 0.001 && green > 0.002, "red {red}, green {green}");
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

    // Zoomed to XY-2025-001 inside the red line: the map is red and hatched.
    let (share, size) = share_of_pixels(&shot, |p| p[0] > 150 && p[1] < 130 && p[2] < 130);
    assert_eq!(size, (1440, 900));
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
