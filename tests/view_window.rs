//! The real window under Xvfb: `redline view --screenshot` opens the sample
//! plan with a conflict parcel selected and renders it to a PNG.
#![cfg(feature = "viewer")]

mod common;

use std::path::Path;
use std::process::Command;

use common::tiles::{sample_tiles, tile_color, write_mbtiles, EDGE};
use geo::Coord;
use redline::basemap::grid::{lonlat_from_tile, zoom_for, Reprojection};
use redline::crs::Crs;

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

/// What `--screenshot` says of the map in its picture.
struct ShownMap {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    centre: Coord,
    m_per_px: f64,
}

fn shown_map(stdout: &str) -> ShownMap {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("redline: screenshot"))
        .unwrap_or_else(|| panic!("no screenshot line in {stdout}"));
    let numbers: Vec<f64> = line
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|t| t.parse().ok())
        .collect();
    // …map at (L, T) W×H px, centre E x N y, m m/px (EPSG:4544)
    let n = numbers.len();
    ShownMap {
        left: numbers[n - 8],
        top: numbers[n - 7],
        width: numbers[n - 6],
        height: numbers[n - 5],
        centre: Coord {
            x: numbers[n - 4],
            y: numbers[n - 3],
        },
        m_per_px: numbers[n - 2],
    }
}

impl ShownMap {
    /// The picture's pixel showing a working-CRS point.
    fn pixel(&self, working: Coord) -> (f64, f64) {
        (
            self.left + self.width / 2.0 + (working.x - self.centre.x) / self.m_per_px,
            self.top + self.height / 2.0 - (working.y - self.centre.y) / self.m_per_px,
        )
    }

    fn holds(&self, (x, y): (f64, f64), margin: f64) -> bool {
        x > self.left + margin
            && y > self.top + margin
            && x < self.left + self.width - margin
            && y < self.top + self.height - margin
    }
}

fn read_png(path: &Path) -> image::RgbaImage {
    image::open(path).unwrap().to_rgba8()
}

#[test]
fn an_offline_basemap_lies_under_the_plan_where_its_tiles_are_in_the_plans_crs() {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("底图.mbtiles");
    write_mbtiles(
        &package,
        &sample_tiles(&[9, 10, 11, 12, 13]),
        "测试底图 redline tests",
    );
    let shot = dir.path().join("shot.png");
    let mut args: Vec<&std::ffi::OsStr> = ["view", "--basemap-opacity", "1", "--basemap"]
        .map(std::ffi::OsStr::new)
        .to_vec();
    args.push(package.as_os_str());
    args.push("--screenshot".as_ref());
    args.push(shot.as_os_str());
    let Some(output) = under_xvfb(dir.path(), &args) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let map = shown_map(&stdout);
    let image = read_png(&shot);
    let projection = Reprojection::new(&Crs::from_epsg(4544).unwrap()).unwrap();
    let centre = projection.lonlat(map.centre).unwrap();
    let z = zoom_for(map.m_per_px, centre.y, 9, 13);
    let rgb = |(x, y): (f64, f64)| {
        let p = image.get_pixel(x.round() as u32, y.round() as u32).0;
        [p[0], p[1], p[2]]
    };
    let near = |a: [u8; 3], b: [u8; 3], by: u8| a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= by);

    let (mut probes, mut matched, mut edges, mut edges_found) = (0, 0, 0, 0);
    for tile in sample_tiles(&[z]) {
        let at = |u: f64, v: f64| {
            let lonlat = lonlat_from_tile(
                Coord {
                    x: f64::from(tile.x) + u,
                    y: f64::from(tile.y) + v,
                },
                z,
            );
            map.pixel(projection.working(lonlat).unwrap())
        };
        let middle = at(0.5, 0.5);
        if !map.holds(middle, 10.0) {
            continue;
        }
        probes += 1;
        let seen = rgb(middle);
        if !near(seen, tile_color(tile), 3) {
            // Under a zone's fill: never another tile's colour.
            for other in sample_tiles(&[z]).iter().filter(|t| **t != tile) {
                assert!(
                    !near(seen, tile_color(*other), 1) || tile_color(*other) == tile_color(tile),
                    "tile {tile}'s middle shows tile {other}'s colour"
                );
            }
            continue;
        }
        matched += 1;
        // The tile's west edge, a quarter down: its dark line starts
        // within a pixel of where the exact reprojection puts it.
        let (ex, ey) = at(0.0, 0.25);
        if !map.holds((ex, ey), 10.0) {
            continue;
        }
        edges += 1;
        let found = (-1..=1).any(|dx| near(rgb((ex + f64::from(dx), ey)), EDGE, 30));
        if found {
            edges_found += 1;
        }
    }
    assert!(
        probes >= 2,
        "only {probes} tiles in view at z={z}: {stdout}"
    );
    assert!(
        matched * 2 >= probes,
        "{matched} of {probes} tiles show their colour where they should: {stdout}"
    );
    assert!(
        edges >= 1 && edges_found * 5 >= edges * 4,
        "{edges_found} of {edges} tile edges within a pixel: {stdout}"
    );
}
