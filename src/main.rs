//! The `redline` command line: a thin shell over the library.

use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};

use redline::atomic::{check_output, write_atomically, write_failed, AtomicFile};
use redline::catalog::Catalog;
use redline::crs::Crs;
use redline::error::{Error, Problem};
use redline::index::ZoneIndex;
use redline::io::{survey_txt, ReadOptions, BATCH_FEATURES, PARCEL_ID_FIELDS, PARCEL_NAME_FIELDS};
use redline::plan::check::PlanCheck;
use redline::plan::diff::{PlanDiff, Version};
use redline::plan::LoadedPlan;
use redline::report::csv::{CsvKind, CsvReport};
use redline::report::geojson::{findings_geojson, GeoJsonCrs};
use redline::report::meta::{default_operator, hash_inputs, inputs, ReportMeta, ReportTime};
use redline::report::{input_files, pdf, two_decimals, write_report};
use redline::screen::{screen_file_batches, ParcelOutcome, Screening, Verdict};

/// Exit code for bad usage or unreadable input.
const EXIT_INPUT: u8 = 2;
/// Exit code when `--fail-on` is met.
const EXIT_FAIL_ON: u8 = 3;
/// Exit code when `plan check` finds a target not met or an invalid layer,
/// or `plan diff` a net loss of area.
const EXIT_PLAN_FAILS: u8 = 3;

#[derive(Parser)]
#[command(
    name = "redline",
    version,
    about = "Screens proposed parcels against a spatial plan's protected zones (生态空间管控筛查)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Screen parcel files against a plan catalog: overlaps, setbacks, verdicts.
    Screen(ScreenArgs),
    /// Open the viewer on a plan (the default with no subcommand).
    View(ViewArgs),
    /// Check the plan's own layers: targets met, two versions of a layer compared.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Write parcels as a coordinate text file (建设用地报批坐标文件) for the surveyor.
    ExportTxt(ExportTxtArgs),
}

#[derive(clap::Args)]
struct ExportTxtArgs {
    /// Parcel files of any readable format; several may be given.
    #[arg(long, required = true, num_args = 1..)]
    parcels: Vec<PathBuf>,
    /// The coordinate text file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The CGCS2000 Gauss-Kruger zone to write in (default: the first file's own).
    #[arg(long, value_name = "EPSG:CODE")]
    crs: Option<String>,
    /// CRS of parcel files that declare none, e.g. EPSG:4544.
    #[arg(long, value_name = "EPSG:CODE")]
    parcels_crs: Option<String>,
    /// Text encoding of the file written.
    #[arg(long, value_enum, default_value = "utf8")]
    encoding: EncodingArg,
    /// Attribute holding the parcel id (default: id, 地块编号, 编号).
    #[arg(long)]
    id_field: Option<String>,
    /// Attribute holding the parcel name (default: 名称, name, 项目名称, 地块名称).
    #[arg(long)]
    name_field: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum EncodingArg {
    Utf8,
    Gbk,
}

#[derive(clap::Args)]
struct ViewArgs {
    /// The plan's catalog.toml [default: layers/catalog.toml here, else the built-in sample plan].
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// Parcel files to screen on opening.
    #[arg(long, num_args = 1..)]
    parcels: Vec<PathBuf>,
    /// Render the window to this PNG once loaded, then exit (works under Xvfb).
    #[arg(long, value_name = "PNG")]
    screenshot: Option<PathBuf>,
    /// Select the parcel with this id once screened.
    #[arg(long, value_name = "PARCEL_ID")]
    select: Option<String>,
    /// Benchmark: once loaded, pan and zoom over the whole plan for N frames,
    /// print frame times (median, p95, p99, max) and the time to the first picture, exit.
    #[arg(long, value_name = "N")]
    bench_frames: Option<usize>,
}

#[derive(clap::Args)]
struct ScreenArgs {
    /// The plan's catalog.toml [default: layers/catalog.toml here, else the built-in sample plan].
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// Parcel files (.geojson, .json, .shp, coordinate .txt); several may be given.
    #[arg(long, required = true, num_args = 1..)]
    parcels: Vec<PathBuf>,
    /// CRS of parcel files that declare none, e.g. EPSG:4544.
    #[arg(long, value_name = "EPSG:CODE")]
    parcels_crs: Option<String>,
    /// Attribute holding the parcel id (default: id, 地块编号, 编号, the GeoJSON id, else the position).
    #[arg(long)]
    id_field: Option<String>,
    /// Attribute holding the parcel name (default: 名称, name, 项目名称, 地块名称).
    #[arg(long)]
    name_field: Option<String>,
    /// Write the findings CSV here.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Write the summary CSV (one row per parcel) here.
    #[arg(long, value_name = "FILE")]
    summary_csv: Option<PathBuf>,
    /// Write the findings as GeoJSON (overlap polygons, shortest lines to the water) here.
    #[arg(long, value_name = "FILE")]
    geojson: Option<PathBuf>,
    /// Coordinates of --geojson: wgs84 (RFC 7946) or the plan's working CRS.
    #[arg(long, value_enum, default_value = "wgs84")]
    geojson_crs: GeoJsonCrsArg,
    /// Write the PDF screening report here (an existing file is kept unless --force).
    #[arg(long, value_name = "FILE")]
    pdf: Option<PathBuf>,
    /// The operator named in the PDF report (default: the OS user).
    #[arg(long, value_name = "NAME")]
    operator: Option<String>,
    /// The time stated in the PDF report: seconds since 1970, or
    /// 2025-06-01T09:30:00+08:00 (default: SOURCE_DATE_EPOCH, else now).
    #[arg(long, value_name = "TIME")]
    report_time: Option<String>,
    /// Replace an existing PDF report.
    #[arg(long)]
    force: bool,
    /// Exit with code 3 when any parcel has this verdict or worse.
    #[arg(long, value_enum, value_name = "VERDICT")]
    fail_on: Option<FailOn>,
    /// Print the time of each phase (load plan, index, read parcels, screen,
    /// write) to stderr, for the benchmark against the peers.
    #[arg(long)]
    timings: bool,
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Validate every layer; print the plan's areas and shares beside its targets.
    Check(PlanCheckArgs),
    /// Compare two versions of a layer: area added, removed and net change.
    Diff(PlanDiffArgs),
}

#[derive(clap::Args)]
struct PlanCheckArgs {
    /// The plan's catalog.toml [default: layers/catalog.toml here, else the built-in sample plan].
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct PlanDiffArgs {
    /// The earlier version of the layer file (.geojson, .json, .shp).
    #[arg(long, value_name = "FILE")]
    old: PathBuf,
    /// The revised version of the layer file.
    #[arg(long, value_name = "FILE")]
    new: PathBuf,
    /// The plan's catalog.toml; areas are measured in its working CRS [default: as for screen].
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// CRS of a file that declares none, e.g. EPSG:4544.
    #[arg(long, value_name = "EPSG:CODE")]
    crs: Option<String>,
    /// Write the removed and added pieces here as GeoJSON (WGS84).
    #[arg(long, value_name = "FILE")]
    geojson: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum GeoJsonCrsArg {
    Wgs84,
    Working,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Conflict,
    Review,
}

fn main() -> ExitCode {
    let process_start = Instant::now();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Screen(args)) => screen(args),
        Some(Command::View(args)) => view(args, process_start),
        Some(Command::Plan(PlanCommand::Check(args))) => plan_check(args),
        Some(Command::Plan(PlanCommand::Diff(args))) => plan_diff(args),
        Some(Command::ExportTxt(args)) => export_txt(args),
        // A newcomer's first run: the sample plan with its sample parcels screened.
        None => redline::sample::sample_dir().and_then(|dir| {
            view(
                ViewArgs {
                    catalog: Some(dir.join("catalog.toml")),
                    parcels: redline::sample::PARCEL_FILES
                        .iter()
                        .map(|p| dir.join(p))
                        .filter(|p| p.exists())
                        .collect(),
                    screenshot: None,
                    select: None,
                    bench_frames: None,
                },
                process_start,
            )
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("redline: error: {e}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

#[cfg(feature = "viewer")]
fn view(args: ViewArgs, process_start: Instant) -> Result<ExitCode, Error> {
    redline::app::run(redline::app::ViewOptions {
        catalog: catalog_path(args.catalog)?,
        parcels: args.parcels,
        screenshot: args.screenshot,
        select: args.select,
        bench_frames: args.bench_frames,
        process_start: Some(process_start),
    })
    .map_err(Error::Usage)?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "viewer"))]
fn view(_: ViewArgs, _: Instant) -> Result<ExitCode, Error> {
    Err(Error::Usage(
        "this build has no viewer (built without the `viewer` feature); use `redline screen`"
            .to_string(),
    ))
}

/// The plan a command works on: `--catalog`, else the sample plan
/// (`layers/` here, or the built-in copy; see [`redline::sample`]).
fn catalog_path(given: Option<PathBuf>) -> Result<PathBuf, Error> {
    match given {
        Some(path) => Ok(path),
        None => Ok(redline::sample::sample_dir()?.join("catalog.toml")),
    }
}

fn screen(args: ScreenArgs) -> Result<ExitCode, Error> {
    let started = Instant::now();
    let catalog = Catalog::load(&catalog_path(args.catalog)?)?;
    let parcels_crs = args
        .parcels_crs
        .as_deref()
        .map(Crs::parse)
        .transpose()
        .map_err(|e| Error::Usage(format!("--parcels-crs: {e}")))?;
    let plan = LoadedPlan::load(catalog)?;
    for problem in plan.problems() {
        eprintln!("redline: warning: {problem}");
    }
    // A bad output path is refused before a long screening, not after it.
    let input_paths = input_files(&plan, &args.parcels);
    for path in [&args.csv, &args.summary_csv, &args.geojson, &args.pdf]
        .into_iter()
        .flatten()
    {
        check_output(path, &input_paths)?;
    }
    // Everything that would refuse the report refuses it now, before any
    // output is written: no CSV is left beside a report that never came.
    let report_time = match &args.pdf {
        Some(path) => {
            if !args.force && path.exists() {
                return Err(Error::Output {
                    path: path.clone(),
                    message: "the file already exists and is kept; choose another name, or pass --force to replace it (nothing was written)".to_string(),
                });
            }
            Some(ReportTime::resolve(args.report_time.as_deref()).map_err(Error::Usage)?)
        }
        None => None,
    };
    let loaded_plan = Instant::now();
    let index = ZoneIndex::build(&plan.zone_layers());
    let indexed = Instant::now();

    let hint = "with --parcels-crs EPSG:xxxx (e.g. EPSG:4544)";
    let options = ReadOptions {
        working_crs: &plan.catalog.working_crs,
        fallback_crs: parcels_crs.as_ref(),
        id_field: args.id_field.as_deref(),
        id_candidates: PARCEL_ID_FIELDS,
        name_field: args.name_field.as_deref(),
        name_candidates: PARCEL_NAME_FIELDS,
        crs_hint: hint,
    };
    // The CSVs are written as the batches are screened; the GeoJSON and the
    // PDF need the whole screening, so only then are the outcomes kept.
    let mut csv_reports = [
        (&args.csv, CsvKind::Findings),
        (&args.summary_csv, CsvKind::Summary),
    ]
    .into_iter()
    .filter_map(|(path, kind)| path.as_ref().map(|path| (path, kind)))
    .map(|(path, kind)| {
        let file = BufWriter::new(AtomicFile::create(path, &input_paths)?);
        let report = CsvReport::new(kind, file).map_err(|e| write_failed(path, e))?;
        Ok((path, report))
    })
    .collect::<Result<Vec<_>, Error>>()?;
    let keep_outcomes = args.geojson.is_some() || args.pdf.is_some();
    let mut kept = Vec::new();
    let mut tally = Tally::default();
    let (mut screen_time, mut write_time) = (Duration::ZERO, Duration::ZERO);
    for path in &args.parcels {
        screen_time += screen_file_batches(
            &plan,
            &index,
            path,
            &options,
            BATCH_FEATURES,
            &mut |outcomes| {
                let started = Instant::now();
                for outcome in &outcomes {
                    tally.add(outcome);
                    for (path, report) in &mut csv_reports {
                        report
                            .write(&plan, outcome)
                            .map_err(|e| write_failed(path, e))?;
                    }
                }
                if keep_outcomes {
                    kept.extend(outcomes);
                }
                write_time += started.elapsed();
                Ok(())
            },
        )?;
    }
    let read_and_screened = Instant::now();
    for (path, report) in csv_reports {
        let file = report.finish().map_err(|e| write_failed(path, e))?;
        let file = file
            .into_inner()
            .map_err(|e| write_failed(path, e.error()))?;
        file.commit()?;
    }
    let screening = Screening { outcomes: kept };

    let write = |path: &PathBuf, bytes: Result<Vec<u8>, String>| {
        let bytes = bytes.map_err(|message| Error::Output {
            path: path.clone(),
            message,
        })?;
        write_atomically(path, &input_paths, &bytes)
    };
    if let Some(path) = &args.geojson {
        let crs = match args.geojson_crs {
            GeoJsonCrsArg::Wgs84 => GeoJsonCrs::Wgs84,
            GeoJsonCrsArg::Working => GeoJsonCrs::Working,
        };
        write(
            path,
            findings_geojson(&plan, &index, &screening, crs).map(String::into_bytes),
        )?;
    }
    if let (Some(path), Some(time)) = (&args.pdf, report_time) {
        let meta = ReportMeta {
            operator: args.operator.clone().unwrap_or_else(default_operator),
            time,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            inputs: hash_inputs(&inputs(&plan, &args.parcels))?,
        };
        let bytes =
            pdf::render(&plan, &index, &screening, &meta).map_err(|message| Error::Output {
                path: path.clone(),
                message,
            })?;
        write_report(path, &input_paths, &bytes, args.force)?;
    }
    if args.timings {
        let secs = |from: Instant, to: Instant| to.duration_since(from).as_secs_f64();
        let written = Instant::now();
        // Reading, screening and writing rows take turns batch by batch.
        let read_s = secs(indexed, read_and_screened) - (screen_time + write_time).as_secs_f64();
        eprintln!(
            "timings: load_plan_s={:.3} index_s={:.3} read_parcels_s={:.3} screen_s={:.3} write_s={:.3} total_s={:.3}",
            secs(started, loaded_plan),
            secs(loaded_plan, indexed),
            read_s,
            screen_time.as_secs_f64(),
            write_time.as_secs_f64() + secs(read_and_screened, written),
            secs(started, written),
        );
        let stats = index.stats();
        let zone_vertices = plan.zone_vertices();
        eprintln!(
            "index: zone_vertices={zone_vertices} pieces={} piece_vertices={} segments={} heap_mb={:.1} bytes_per_zone_vertex={:.1} ns_per_zone_vertex={:.0}",
            stats.pieces,
            stats.piece_vertices,
            stats.segments,
            stats.heap_bytes as f64 / 1e6,
            stats.heap_bytes as f64 / zone_vertices.max(1) as f64,
            secs(loaded_plan, indexed) * 1e9 / zone_vertices.max(1) as f64,
        );
    }

    println!("{}", plan.catalog.name);
    println!(
        "screened {} parcels from {} file(s) in {:.2} s",
        tally.screened(),
        args.parcels.len(),
        started.elapsed().as_secs_f64()
    );
    for verdict in [Verdict::Conflict, Verdict::Review, Verdict::Clear] {
        println!(
            "  {:<9}{:>7}  {}",
            verdict.keyword(),
            tally.count(verdict),
            verdict.label_zh()
        );
    }
    if !tally.unscreened.is_empty() {
        println!(
            "  error    {:>7}  未筛查 not screened",
            tally.unscreened.len()
        );
        for problem in &tally.unscreened {
            println!("    {problem}");
        }
    }
    for (what, path) in [
        ("findings", &args.csv),
        ("summary", &args.summary_csv),
        ("geojson", &args.geojson),
        ("report", &args.pdf),
    ] {
        if let Some(path) = path {
            println!("{what}: {}", path.display());
        }
    }

    // A parcel that could not be screened may hide anything: a gate on
    // conflicts must not pass a broken file.
    let worst = tally.worst();
    let unscreened = !tally.unscreened.is_empty();
    let failed = match args.fail_on {
        Some(FailOn::Conflict) => unscreened || worst >= Verdict::Conflict,
        Some(FailOn::Review) => unscreened || worst >= Verdict::Review,
        None => false,
    };
    if failed && unscreened {
        println!(
            "--fail-on: met, because {} parcel(s) could not be screened (未筛查): fix them and screen again",
            tally.unscreened.len()
        );
    }
    Ok(if failed {
        ExitCode::from(EXIT_FAIL_ON)
    } else {
        ExitCode::SUCCESS
    })
}

/// What the command line says of a screening once its outcomes are gone:
/// parcels per verdict and the problems of those not screened.
#[derive(Default)]
struct Tally {
    /// Parcels screened clear, review, conflict.
    verdicts: [usize; 3],
    unscreened: Vec<Problem>,
}

/// A verdict's place in [`Tally::verdicts`].
fn slot(verdict: Verdict) -> usize {
    match verdict {
        Verdict::Clear => 0,
        Verdict::Review => 1,
        Verdict::Conflict => 2,
    }
}

impl Tally {
    fn add(&mut self, outcome: &ParcelOutcome) {
        match outcome {
            ParcelOutcome::Screened { result, .. } => self.verdicts[slot(result.verdict)] += 1,
            ParcelOutcome::Unscreened(problem) => self.unscreened.push(problem.clone()),
        }
    }

    fn count(&self, verdict: Verdict) -> usize {
        self.verdicts[slot(verdict)]
    }

    fn screened(&self) -> usize {
        self.verdicts.iter().sum()
    }

    fn worst(&self) -> Verdict {
        [Verdict::Conflict, Verdict::Review]
            .into_iter()
            .find(|v| self.count(*v) > 0)
            .unwrap_or(Verdict::Clear)
    }
}

fn plan_check(args: PlanCheckArgs) -> Result<ExitCode, Error> {
    let plan = LoadedPlan::load(Catalog::load(&catalog_path(args.catalog)?)?)?;
    let check = PlanCheck::of(&plan);
    if args.json {
        println!("{}", check.to_json()?);
    } else {
        print!("{}", check.table());
    }
    for failure in check.failures() {
        eprintln!("redline: {failure}");
    }
    Ok(if check.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PLAN_FAILS)
    })
}

fn plan_diff(args: PlanDiffArgs) -> Result<ExitCode, Error> {
    let catalog = Catalog::load(&catalog_path(args.catalog)?)?;
    let fallback_crs = args
        .crs
        .as_deref()
        .map(Crs::parse)
        .transpose()
        .map_err(|e| Error::Usage(format!("--crs: {e}")))?;
    let old = Version::read(&args.old, &catalog.working_crs, fallback_crs.as_ref())?;
    let new = Version::read(&args.new, &catalog.working_crs, fallback_crs.as_ref())?;
    for problem in old.layer.problems.iter().chain(&new.layer.problems) {
        eprintln!("redline: warning: {problem}");
    }
    let diff = PlanDiff::between(&old.covered, &new.covered);
    if let Some(path) = &args.geojson {
        let text = diff
            .pieces_geojson(&catalog.working_crs)
            .map_err(|message| Error::Output {
                path: path.clone(),
                message,
            })?;
        write_atomically(path, &[args.old.clone(), args.new.clone()], text.as_bytes())?;
    }
    print!("{}", diff.summary(&old, &new));
    if let Some(path) = &args.geojson {
        println!("pieces: {}", path.display());
    }
    if diff.area_decreased() {
        eprintln!(
            "redline: 面积减少 the net area decreased by {} m²; the plan requires it not to shrink (面积不减少)",
            two_decimals(-diff.net_m2())
        );
        return Ok(ExitCode::from(EXIT_PLAN_FAILS));
    }
    Ok(ExitCode::SUCCESS)
}

fn export_txt(args: ExportTxtArgs) -> Result<ExitCode, Error> {
    let parse = |flag: &str, name: &Option<String>| {
        name.as_deref()
            .map(Crs::parse)
            .transpose()
            .map_err(|e| Error::Usage(format!("{flag}: {e}")))
    };
    let crs = parse("--crs", &args.crs)?;
    let parcels_crs = parse("--parcels-crs", &args.parcels_crs)?;
    let exported = survey_txt::export(
        &args.parcels,
        &args.out,
        &survey_txt::ExportOptions {
            crs: crs.as_ref(),
            fallback_crs: parcels_crs.as_ref(),
            id_field: args.id_field.as_deref(),
            name_field: args.name_field.as_deref(),
            encoding: match args.encoding {
                EncodingArg::Utf8 => survey_txt::TxtEncoding::Utf8,
                EncodingArg::Gbk => survey_txt::TxtEncoding::Gbk,
            },
        },
    )?;
    for problem in &exported.problems {
        eprintln!("redline: warning: not exported: {problem}");
    }
    println!(
        "wrote {} parcel(s) in {} to {}",
        exported.parcels,
        exported.crs,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
