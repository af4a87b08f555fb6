//! The `redline` command line: a thin shell over the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

mod cli;

use redline::atomic::write_atomically;
use redline::catalog::Catalog;
use redline::crs::Crs;
use redline::error::Error;
use redline::io::survey_txt;
use redline::plan::check::PlanCheck;
use redline::plan::diff::{PlanDiff, Version};
use redline::plan::LoadedPlan;
use redline::report::two_decimals;

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
    Screen(Box<cli::screen::ScreenArgs>),
    /// Open the viewer on a plan (the default with no subcommand).
    View(ViewArgs),
    /// Check the plan's own layers: targets met, two versions of a layer compared.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Write parcels as a coordinate text file (建设用地报批坐标文件) for the surveyor.
    ExportTxt(ExportTxtArgs),
    /// Cases (案卷): open one, list them.
    #[command(subcommand)]
    Case(cli::record::CaseCommand),
    /// Record an officer's decision on a parcel or a finding of a case (append-only).
    Decide(cli::record::DecideArgs),
    /// What was screened and decided, when, by whom, with which data (留痕).
    History(cli::record::HistoryArgs),
    /// Check a PDF report: which of its inputs changed since, and whether the record holds it.
    Verify(cli::record::VerifyArgs),
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
    /// The case record the viewer's screenings are recorded in [default:
    /// REDLINE_DB, else cases.sqlite in the user's data folder].
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Open this case (受理编号) in the case window, screening its parcel
    /// files unless --parcels are given.
    #[arg(long, value_name = "NUMBER")]
    case: Option<String>,
    /// The basemap for this run: none, tianditu-vec, tianditu-img (key in
    /// the settings or TIANDITU_TK), an XYZ/WMTS URL template, an MBTiles
    /// file or a {z}/{x}/{y} tile folder [default: as set in View → Basemap…].
    #[arg(long, value_name = "BASEMAP", value_parser = redline::basemap::BasemapChoice::parse)]
    basemap: Option<redline::basemap::BasemapChoice>,
    /// How strongly the basemap shows, from 0.1 to 1 [default: as set in View → Basemap…].
    #[arg(long, value_name = "0.1-1")]
    basemap_opacity: Option<f32>,
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

fn main() -> ExitCode {
    let process_start = Instant::now();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Screen(args)) => cli::screen::run(*args),
        Some(Command::View(args)) => view(args, process_start),
        Some(Command::Plan(PlanCommand::Check(args))) => plan_check(args),
        Some(Command::Plan(PlanCommand::Diff(args))) => plan_diff(args),
        Some(Command::ExportTxt(args)) => export_txt(args),
        Some(Command::Case(command)) => cli::record::case(command),
        Some(Command::Decide(args)) => cli::record::decide(args),
        Some(Command::History(args)) => cli::record::history(args),
        Some(Command::Verify(args)) => cli::record::verify(args),
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
                    db: None,
                    case: None,
                    basemap: None,
                    basemap_opacity: None,
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
        db: args.db,
        case: args.case,
        basemap: args.basemap,
        basemap_opacity: args.basemap_opacity.map(|o| o.clamp(0.1, 1.0)),
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

/// A CRS given on the command line with `flag`, if any; a bad one names the flag.
fn crs_option(flag: &str, given: &Option<String>) -> Result<Option<Crs>, Error> {
    given
        .as_deref()
        .map(Crs::parse)
        .transpose()
        .map_err(|e| Error::Usage(format!("{flag}: {e}")))
}

fn plan_diff(args: PlanDiffArgs) -> Result<ExitCode, Error> {
    let catalog = Catalog::load(&catalog_path(args.catalog)?)?;
    let fallback_crs = crs_option("--crs", &args.crs)?;
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
    let crs = crs_option("--crs", &args.crs)?;
    let parcels_crs = crs_option("--parcels-crs", &args.parcels_crs)?;
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
