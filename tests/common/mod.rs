//! Builders for small plans and parcel files written to a temporary folder.
#![allow(dead_code)]

pub mod tiles;

use std::path::{Path, PathBuf};

use redline::catalog::Catalog;
use redline::crs::Crs;
use redline::index::ZoneIndex;
use redline::io::{read_layer, Layer, ReadOptions, PARCEL_ID_FIELDS, PARCEL_NAME_FIELDS};
use redline::pipeline::{screen_source, ParcelSource, Watch};
use redline::plan::LoadedPlan;
use redline::screen::Screening;

/// The day the tests' screenings read admission lists as of.
pub const SCREENING_DATE: time::Date = time::macros::date!(2026 - 12 - 01);

/// Origin of the test world, inside EPSG:4544 near 106.3°E 29.6°N.
pub const X0: f64 = 620_000.0;
pub const Y0: f64 = 3_270_000.0;

pub fn rect(x: f64, y: f64, w: f64, h: f64) -> Vec<[f64; 2]> {
    vec![[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
}

/// A square ring drawn as a bow-tie: its edges cross at the centre.
pub fn bow_tie(x: f64, y: f64, size: f64) -> Vec<[f64; 2]> {
    vec![
        [x, y],
        [x + size, y + size],
        [x + size, y],
        [x, y + size],
        [x, y],
    ]
}

/// A GeoJSON feature; `geometry` is the raw JSON geometry.
pub fn feature(props: serde_json::Value, geometry: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"type": "Feature", "properties": props, "geometry": geometry})
}

pub fn polygon(rings: &[Vec<[f64; 2]>]) -> serde_json::Value {
    serde_json::json!({"type": "Polygon", "coordinates": rings})
}

pub fn line(points: &[[f64; 2]]) -> serde_json::Value {
    serde_json::json!({"type": "LineString", "coordinates": points})
}

/// Writes a FeatureCollection; `epsg` adds the legacy `crs` member.
pub fn write_geojson(path: &Path, epsg: Option<u16>, features: Vec<serde_json::Value>) {
    let mut fc = serde_json::json!({"type": "FeatureCollection", "features": features});
    if let Some(code) = epsg {
        fc["crs"] = serde_json::json!({"type": "name", "properties": {"name": format!("urn:ogc:def:crs:EPSG::{code}")}});
    }
    std::fs::write(path, serde_json::to_string_pretty(&fc).unwrap()).unwrap();
}

/// A plan with a prohibited zone layer, a restricted layer and a river
/// setback layer, from the given features (all in EPSG:4544).
pub struct World {
    pub dir: tempfile::TempDir,
}

impl World {
    pub fn new(
        prohibit: Vec<serde_json::Value>,
        restrict: Vec<serde_json::Value>,
        rivers: Vec<serde_json::Value>,
        sliver_m2: f64,
    ) -> World {
        let dir = tempfile::tempdir().unwrap();
        write_geojson(&dir.path().join("redline.geojson"), Some(4544), prohibit);
        write_geojson(&dir.path().join("reserve.geojson"), Some(4544), restrict);
        write_geojson(&dir.path().join("rivers.geojson"), Some(4544), rivers);
        let catalog = format!(
            r#"[plan]
name = "测试规划"
crs = "EPSG:4544"
sliver_m2 = {sliver_m2:?}

[[layer]]
id = "eco_redline"
name = "生态保护红线"
path = "redline.geojson"
rule = "prohibit"
id_field = "编号"
name_field = "名称"
basis = "生态保护红线原则上按照禁止开发区域进行管理"

[[layer]]
id = "reserves"
name = "自然保护地"
path = "reserve.geojson"
rule = "restrict"
id_field = "编号"
basis = "自然保护地严格控制开发"

[[layer]]
id = "rivers"
name = "河道"
path = "rivers.geojson"
rule = "setback"
setback_m = {{ conflict = 30.0, review = 50.0 }}
id_field = "编号"
basis = "新建地块建筑红线后退水岸线30-50米以上"
"#
        );
        std::fs::write(dir.path().join("catalog.toml"), catalog).unwrap();
        World { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn catalog(&self) -> PathBuf {
        self.path("catalog.toml")
    }

    /// Screens parcel files through the library, as `redline screen` does.
    pub fn screen(&self, parcels: &[PathBuf]) -> (LoadedPlan, Screening) {
        screen_with(&self.catalog(), parcels)
    }
}

/// Parcel files screened through the pipeline `redline screen` and the
/// viewer use, read `batch_features` at a time, every choice left to the files.
pub fn screen_sources(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    parcels: &[PathBuf],
    batch_features: usize,
) -> Screening {
    let mut screening = Screening::default();
    let done = std::sync::atomic::AtomicUsize::new(0);
    for path in parcels {
        let watch = Watch {
            read: &mut |_| {},
            done: &done,
        };
        screen_source(
            plan,
            index,
            &ParcelSource::new(path),
            "with --parcels-crs",
            batch_features,
            watch,
            &mut |outcomes| {
                screening.outcomes.extend(outcomes);
                Ok(())
            },
        )
        .unwrap();
    }
    screening
}

/// How `redline screen` reads parcel files, with no CRS or fields given.
pub fn parcel_options(working_crs: &Crs) -> ReadOptions<'_> {
    ReadOptions {
        working_crs,
        fallback_crs: None,
        id_field: None,
        id_candidates: PARCEL_ID_FIELDS,
        name_field: None,
        name_candidates: PARCEL_NAME_FIELDS,
        crs_hint: "with --parcels-crs",
        plan_area: None,
    }
}

/// Reads a parcel file into EPSG:4544, the test world's working CRS.
pub fn read_parcels(path: &Path) -> Result<Layer, redline::Error> {
    let working = Crs::from_epsg(4544).unwrap();
    read_layer(path, &parcel_options(&working))
}

pub fn screen_with(catalog: &Path, parcels: &[PathBuf]) -> (LoadedPlan, Screening) {
    let mut plan = LoadedPlan::load(Catalog::load(catalog).unwrap()).unwrap();
    // A fixed day, so that a clause's coming into force never moves a test.
    plan.in_force_on = SCREENING_DATE;
    let index = ZoneIndex::build(&plan.zone_layers());
    let screening = screen_sources(&plan, &index, parcels, usize::MAX);
    (plan, screening)
}

/// Runs GDAL's `ogrinfo` (read-only) on `args`, to check that GDAL — and so
/// QGIS — opens what redline writes: its stdout, or `None` where GDAL is
/// not installed (said on stderr). CI installs it and sets `REDLINE_CI`,
/// where a missing ogrinfo fails rather than skips.
pub fn ogrinfo(args: &[&std::ffi::OsStr]) -> Option<String> {
    match std::process::Command::new("ogrinfo")
        .arg("-ro")
        .args(args)
        .output()
    {
        Ok(run) => {
            let (out, err) = (
                String::from_utf8_lossy(&run.stdout).into_owned(),
                String::from_utf8_lossy(&run.stderr).into_owned(),
            );
            assert!(run.status.success(), "ogrinfo {args:?}: {out}{err}");
            assert!(!err.contains("ERROR"), "ogrinfo {args:?}: {err}");
            Some(out)
        }
        Err(e) => {
            assert!(
                std::env::var_os("REDLINE_CI").is_none(),
                "CI installs GDAL, yet ogrinfo cannot run: {e}"
            );
            eprintln!("note: ogrinfo is not installed ({e}); the GDAL check was skipped");
            None
        }
    }
}

/// Runs `command` and fails the test, with what it printed, unless it
/// succeeds.
pub fn succeed(command: &mut std::process::Command) -> std::process::Output {
    let run = command.output().unwrap();
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    run
}

/// The findings, summary and per-layer CSVs of a screening of `parcels`
/// (the arguments that name them: `--parcels a.geojson b.shp`).
pub fn screen_csvs(
    dir: &Path,
    catalog: &Path,
    parcels: &[&std::ffi::OsStr],
    tag: &str,
) -> Vec<Vec<u8>> {
    let outputs: Vec<PathBuf> = ["findings", "summary", "layers"]
        .iter()
        .map(|name| dir.join(format!("{tag}-{name}.csv")))
        .collect();
    let mut run = redline();
    run.args(["screen", "--catalog"])
        .arg(catalog)
        .args(parcels)
        .arg("--csv")
        .arg(&outputs[0])
        .arg("--summary-csv")
        .arg(&outputs[1])
        .arg("--layers-csv")
        .arg(&outputs[2])
        .env("SOURCE_DATE_EPOCH", "1764547200");
    succeed(&mut run);
    outputs.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// The case record the tests' command-line runs write to: one for every
/// test, never the user's own (see [`redline::record::default_path`]).
pub fn test_case_record() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-cases.sqlite")
}

/// `redline` as the tests run it, recording into [`test_case_record`].
pub fn redline() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_redline"));
    command.env("REDLINE_DB", test_case_record());
    command
}

/// The PDF report's text, page by page, as a reader's copy-paste gives it.
pub fn pdf_text(bytes: &[u8]) -> String {
    let document = lopdf::Document::load_mem(bytes).unwrap();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    document.extract_text(&pages).unwrap()
}

/// A copy of the sample plan's `layers/` folder in `dest`, to change a
/// layer of without touching the repository's.
pub fn copy_layers(dest: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    let layers = dest.join("layers");
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("layers"),
        &layers,
    );
    layers
}
