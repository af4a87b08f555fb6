//! `redline screen`: parcel files streamed through the one screening
//! pipeline ([`redline::pipeline`]), the CSVs written batch by batch, the
//! GeoJSON and PDF once all is screened, and an exit code a CI gate can use.
//! Every output is refused, if it is to be, before anything is written.

use std::collections::BTreeMap;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

use clap::ValueEnum;

use redline::atomic::{check_output, write_atomically, write_failed, AtomicFile};
use redline::basemap::grid::Reprojection;
use redline::basemap::{default_cache, Access, Basemap, BasemapChoice};
use redline::catalog::Catalog;
use redline::error::{Error, Problem};
use redline::index::ZoneIndex;
use redline::io::BATCH_FEATURES;
use redline::pipeline::{screen_source, screen_source_in_database, ParcelSource, Watch};
use redline::plan::LoadedPlan;
use redline::record::{Case, CaseDb, ParcelRecord, RecordedOutput, ScreeningRecord};
use redline::report::csv::{CsvKind, CsvReport};
use redline::report::geojson::{findings_geojson, GeoJsonCrs};
use redline::report::gpkg::findings_gpkg;
use redline::report::meta::{
    default_operator, hash_inputs, inputs, sha256_file, BasemapInReport, CaseInReport, HashedInput,
    ReportMeta, ReportTime,
};
use redline::report::{input_files, pdf, write_report, xlsx};
use redline::screen::{ParcelOutcome, Screening, Verdict};

use crate::{catalog_path, crs_option, EXIT_FAIL_ON};

/// How to tell the user to declare the CRS of a parcel file.
const CRS_HINT: &str = "with --parcels-crs EPSG:xxxx (e.g. EPSG:4544)";

#[derive(clap::Args)]
pub struct ScreenArgs {
    /// The plan's catalog.toml [default: layers/catalog.toml here, else the built-in sample plan].
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Parcel files (.geojson, .json, .shp, .gpkg or file.gpkg:table, coordinate .txt, .dxf) or
    /// PostGIS tables ("postgresql://user@host/db?table=schema.name"); several may be given.
    #[arg(long, required_unless_present_any = ["in_database", "case"], num_args = 1..)]
    pub parcels: Vec<PathBuf>,
    /// PostGIS parcel tables screened on their own server
    /// ("postgresql://user@host/db?table=schema.name"): the server measures
    /// the overlaps and distances, redline applies the rules; the same
    /// outputs as --parcels, for parcel sets too large for a workstation.
    #[arg(long, value_name = "SOURCE", num_args = 1..)]
    pub in_database: Vec<PathBuf>,
    /// CRS of parcel files that declare none, e.g. EPSG:4544.
    #[arg(long, value_name = "EPSG:CODE")]
    pub parcels_crs: Option<String>,
    /// Attribute holding the parcel id (default: id, 地块编号, 编号, the GeoJSON id, else the position).
    #[arg(long)]
    pub id_field: Option<String>,
    /// Attribute holding the parcel name (default: 名称, name, 项目名称, 地块名称).
    #[arg(long)]
    pub name_field: Option<String>,
    /// Write the findings CSV here.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write the summary CSV (one row per parcel) here.
    #[arg(long, value_name = "FILE")]
    pub summary_csv: Option<PathBuf>,
    /// Write the per-layer CSV here: every layer of the plan for every
    /// parcel, concerned (涉及), not (不涉及) or without data (无数据).
    #[arg(long, value_name = "FILE")]
    pub layers_csv: Option<PathBuf>,
    /// Write the findings as GeoJSON (overlap polygons, shortest lines to the water) here.
    #[arg(long, value_name = "FILE")]
    pub geojson: Option<PathBuf>,
    /// Coordinates of --geojson: wgs84 (RFC 7946) or the plan's working CRS.
    #[arg(long, value_enum, default_value = "wgs84")]
    pub geojson_crs: GeoJsonCrsArg,
    /// Write the findings and the parcel summary as a GeoPackage here (two
    /// tables, findings and parcels, in the plan's working CRS) for QGIS.
    #[arg(long, value_name = "FILE")]
    pub gpkg: Option<PathBuf>,
    /// Write the results as an Excel workbook here: the parcel summary and
    /// the findings, numbers as numbers, Chinese headings.
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<PathBuf>,
    /// Write the PDF screening report here (an existing file is kept unless --force).
    #[arg(long, value_name = "FILE")]
    pub pdf: Option<PathBuf>,
    /// The operator named in the PDF report (default: the OS user).
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// The time stated in the PDF report, whose day the admission lists
    /// are applied as of (a clause not yet in force then is not): seconds
    /// since 1970, or 2025-06-01T09:30:00+08:00 (default:
    /// SOURCE_DATE_EPOCH, else now).
    #[arg(long, value_name = "TIME")]
    pub report_time: Option<String>,
    /// Replace an existing PDF report.
    #[arg(long)]
    pub force: bool,
    /// A basemap under the PDF's maps: an MBTiles file, a {z}/{x}/{y} tile
    /// folder, or tianditu-vec, tianditu-img or a tile URL template, whose
    /// tiles come from the viewer's cache only (a report never waits on a
    /// service).
    #[arg(long, value_name = "BASEMAP", value_parser = BasemapChoice::parse)]
    pub basemap: Option<BasemapChoice>,
    /// How strongly the basemap shows under the maps, from 0.1 to 1.
    #[arg(long, value_name = "0.1-1", default_value_t = 0.6)]
    pub basemap_opacity: f32,
    /// Exit with code 3 when any parcel has this verdict or worse; a parcel
    /// outside the plan area (outside) or not screened (error) is worse than any.
    #[arg(long, value_enum, value_name = "VERDICT")]
    pub fail_on: Option<FailOn>,
    /// The case (案卷, by its 受理编号) the screening is of: its parcel
    /// files when --parcels is not given (files given are added to it), its
    /// decisions shown in the report beside the computed verdicts, and what
    /// changed since its last screening printed.
    #[arg(long, value_name = "NUMBER")]
    pub case: Option<String>,
    /// The case record the screening is recorded in [default: REDLINE_DB,
    /// else cases.sqlite in the user's data folder].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Print the time of each phase (load plan, index, read parcels, screen,
    /// write) to stderr, for the benchmark against the peers.
    #[arg(long)]
    pub timings: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum GeoJsonCrsArg {
    Wgs84,
    Working,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FailOn {
    Conflict,
    Review,
}

pub fn run(mut args: ScreenArgs) -> Result<ExitCode, Error> {
    let started = Instant::now();
    // Opened first: a screening that cannot be recorded is not run.
    let mut db = CaseDb::open(&db_path(&args.db)?)?;
    let operator = args.operator.clone().unwrap_or_else(default_operator);
    let case = match args.case.clone() {
        Some(number) => Some(case_files(&mut db, &number, &mut args, &operator)?),
        None => None,
    };
    let catalog = Catalog::load(&catalog_path(args.catalog.clone())?)?;
    let parcels_crs = crs_option("--parcels-crs", &args.parcels_crs)?;
    let mut plan = LoadedPlan::load(catalog)?;
    plan.in_force_on = ReportTime::resolve(args.report_time.as_deref())
        .map_err(Error::Usage)?
        .date_in_beijing();
    for problem in plan.problems() {
        eprintln!("redline: warning: {problem}");
    }
    let input_paths = input_files(&plan, &parcel_paths(&args));
    let report_time = refuse_outputs(&args, &input_paths)?;
    let basemap = report_basemap(&args, &plan)?;
    let loaded_plan = Instant::now();
    let index = ZoneIndex::build(&plan.zone_layers());
    let indexed = Instant::now();

    // A GeoPackage of parcels is every feature table in it.
    let source = |path: PathBuf| ParcelSource {
        path,
        id_field: args.id_field.clone(),
        name_field: args.name_field.clone(),
        crs: parcels_crs.clone(),
    };
    let mut sources: Vec<(ParcelSource, bool)> = args
        .parcels
        .iter()
        .flat_map(|path| redline::io::gpkg::each_table(path))
        .map(|path| (source(path), false))
        .collect();
    for path in &args.in_database {
        if !redline::io::postgis::is_postgis(path) {
            return Err(Error::Usage(format!(
                "--in-database {}: not a PostGIS source; give postgresql://user@host/database?table=schema.name (files go to --parcels)",
                path.display()
            )));
        }
        sources.push((source(path.clone()), true));
    }
    let streamed = stream(&plan, &index, &sources, &args, &input_paths)?;
    let read_and_screened = Instant::now();
    // After the screening, as the report has always hashed them: a table
    // on a server is read twice, and its screening read comes first.
    let hashed_inputs = hash_inputs(&inputs(&plan, &parcel_paths(&args)))?;
    let case_in_report = case
        .map(|case| {
            let decisions = db.standing_decisions(&case.number)?;
            Ok::<_, Error>(CaseInReport { case, decisions })
        })
        .transpose()?;
    let report = Report {
        time: report_time,
        operator: &operator,
        inputs: &hashed_inputs,
        case: case_in_report,
        basemap,
    };
    write_whole_outputs(&plan, &index, &streamed.kept, &args, &input_paths, &report)?;
    let written = Instant::now();
    print_summary(&plan, &streamed.tally, &args, started);
    record(&mut db, &plan, &args, &report, &streamed)?;
    let recorded = Instant::now();

    if args.timings {
        let secs = |from: Instant, to: Instant| to.duration_since(from).as_secs_f64();
        // Reading and screening take turns batch by batch; rows are written
        // meanwhile, and only the time screening waited for them counts.
        let read_s = secs(indexed, read_and_screened)
            - (streamed.screen_time + streamed.write_time).as_secs_f64();
        eprintln!(
            "timings: load_plan_s={:.3} index_s={:.3} read_parcels_s={:.3} screen_s={:.3} write_s={:.3} record_s={:.3} total_s={:.3}",
            secs(started, loaded_plan),
            secs(loaded_plan, indexed),
            read_s,
            streamed.screen_time.as_secs_f64(),
            streamed.write_time.as_secs_f64() + secs(read_and_screened, written),
            secs(written, recorded),
            secs(started, recorded),
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
    Ok(exit_code(&streamed.tally, args.fail_on))
}

/// The case record to write: `--db`, else the default.
pub fn db_path(given: &Option<PathBuf>) -> Result<PathBuf, Error> {
    given.clone().map_or_else(redline::record::default_path, Ok)
}

/// The case's particulars; its parcel files become the run's when none are
/// given, and files given that it lacks are added to it.
fn case_files(
    db: &mut CaseDb,
    number: &str,
    args: &mut ScreenArgs,
    operator: &str,
) -> Result<Case, Error> {
    let mut case = db
        .case(number)?
        .ok_or_else(|| {
            Error::Usage(format!(
                "--case {number}: there is no such case in {}; open it first: redline case open --case {number} --name 项目名称 --parcels FILE…",
                db.path().display()
            ))
        })?
        .body;
    let given: Vec<PathBuf> = args
        .parcels
        .iter()
        .chain(&args.in_database)
        .cloned()
        .collect();
    if given.is_empty() {
        if case.parcel_files.is_empty() {
            return Err(Error::Usage(format!(
                "--case {number}: the case has no parcel files yet; give them with --parcels FILE…"
            )));
        }
        args.parcels = case.parcel_files.clone();
        return Ok(case);
    }
    let new: Vec<PathBuf> = given
        .into_iter()
        .filter(|p| !case.parcel_files.contains(p))
        .collect();
    if !new.is_empty() {
        case.parcel_files.extend(new);
        db.save_case(&case, operator)?;
    }
    Ok(case)
}

/// What the whole-screening outputs state of who made them, when, from
/// what, and of the case.
struct Report<'a> {
    time: Option<ReportTime>,
    operator: &'a str,
    inputs: &'a [HashedInput],
    case: Option<CaseInReport>,
    basemap: Option<BasemapInReport>,
}

/// The basemap `--basemap` names, opened before any work is done.
fn report_basemap(args: &ScreenArgs, plan: &LoadedPlan) -> Result<Option<BasemapInReport>, Error> {
    let Some(choice) = &args.basemap else {
        return Ok(None);
    };
    if args.pdf.is_none() {
        return Err(Error::Usage(
            "--basemap is printed under the PDF report's maps: give --pdf FILE too".to_string(),
        ));
    }
    if !(0.1..=1.0).contains(&args.basemap_opacity) {
        return Err(Error::Usage(format!(
            "--basemap-opacity {} is not between 0.1 and 1",
            args.basemap_opacity
        )));
    }
    let access = Access {
        cache: default_cache(),
        ..Access::default()
    };
    let basemap =
        Basemap::open(choice, &access).map_err(|e| Error::Usage(format!("--basemap: {e}")))?;
    let Some(basemap) = basemap else {
        return Ok(None);
    };
    let projection = Reprojection::new(&plan.catalog.working_crs)
        .map_err(|e| Error::Usage(format!("--basemap: {e}")))?;
    Ok(Some(BasemapInReport {
        basemap: std::sync::Arc::new(basemap),
        projection,
        opacity: args.basemap_opacity,
    }))
}

/// Records the screening, its parcels' results and the outputs written,
/// then says what changed since the case's last screening.
fn record(
    db: &mut CaseDb,
    plan: &LoadedPlan,
    args: &ScreenArgs,
    report: &Report,
    streamed: &Streamed,
) -> Result<(), Error> {
    let outputs = output_paths(args)
        .into_iter()
        .map(|(_, path)| {
            Ok(RecordedOutput {
                path: path.clone(),
                sha256: sha256_file(path).map_err(|e| Error::io(path, e))?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let mut parameters = BTreeMap::new();
    let mut set = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            parameters.insert(key.to_string(), value);
        }
    };
    set("parcels_crs", args.parcels_crs.clone());
    set("id_field", args.id_field.clone());
    set("name_field", args.name_field.clone());
    set(
        "report_time",
        report.time.map(|t| t.unix_seconds.to_string()),
    );
    set(
        "in_database",
        (!args.in_database.is_empty()).then(|| args.in_database.len().to_string()),
    );
    let screening = ScreeningRecord::new(
        "命令行 command line",
        plan,
        report.inputs,
        parameters,
        &streamed.records,
        streamed
            .tally
            .unscreened
            .iter()
            .map(|p| p.to_string())
            .collect(),
        outputs,
    );
    let recorded = db.record_and_compare(
        args.case.as_deref(),
        report.operator,
        &screening,
        &streamed.records,
    )?;
    println!(
        "recorded: entry {} of the case record {}",
        recorded.seq,
        db.path().display()
    );
    if let Some(before) = &recorded.previous {
        println!(
            "changes since screening entry {} ({}): {}",
            before.seq,
            ReportTime {
                unix_seconds: before.at
            }
            .display_zh(),
            if recorded.changes.is_empty() {
                "none 无变化".to_string()
            } else {
                recorded.changes.len().to_string()
            }
        );
        for change in &recorded.changes {
            println!("  {change}");
        }
    }
    Ok(())
}

/// Every output asked for, with what it is.
fn output_paths(args: &ScreenArgs) -> Vec<(&'static str, &PathBuf)> {
    [
        ("findings", &args.csv),
        ("summary", &args.summary_csv),
        ("layers", &args.layers_csv),
        ("geojson", &args.geojson),
        ("geopackage", &args.gpkg),
        ("workbook", &args.xlsx),
        ("report", &args.pdf),
    ]
    .into_iter()
    .filter_map(|(what, path)| path.as_ref().map(|p| (what, p)))
    .collect()
}

/// Refuses every output that would be refused, before a long screening and
/// before any output is written: no CSV is left beside a report that never
/// came. Returns the time the PDF report, the workbook and the GeoPackage
/// state, when one is asked for.
fn refuse_outputs(args: &ScreenArgs, input_paths: &[PathBuf]) -> Result<Option<ReportTime>, Error> {
    for (_, path) in output_paths(args) {
        check_output(path, input_paths)?;
    }
    if let Some(path) = args.pdf.as_ref().filter(|p| !args.force && p.exists()) {
        return Err(Error::Output {
            path: path.clone(),
            message: "the file already exists and is kept; choose another name, or pass --force to replace it (nothing was written)".to_string(),
        });
    }
    if args.pdf.is_none() && args.xlsx.is_none() && args.gpkg.is_none() {
        return Ok(None);
    }
    ReportTime::resolve(args.report_time.as_deref())
        .map(Some)
        .map_err(Error::Usage)
}

/// What streaming the parcel files left: the tally, the outcomes when the
/// GeoJSON or the PDF needs them, and where the time went.
#[derive(Default)]
struct Streamed {
    tally: Tally,
    kept: Screening,
    /// Every screened parcel's result, for the case record.
    records: Vec<ParcelRecord>,
    screen_time: Duration,
    /// How long screening waited for the rows to be written.
    write_time: Duration,
}

/// Screens the sources batch by batch. The CSVs' rows are written on a
/// thread of their own while the next batch is read, which takes one core
/// (rows are a fifth of a large screening's time); the outcomes are kept
/// only when a whole-screening output needs them.
fn stream(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    sources: &[(ParcelSource, bool)],
    args: &ScreenArgs,
    input_paths: &[PathBuf],
) -> Result<Streamed, Error> {
    let csv_reports = csv_reports(args, input_paths)?;
    // One batch waits while one is written: a batch's outcomes are tens of
    // megabytes.
    let (batches, written) = std::sync::mpsc::sync_channel::<(&Path, Vec<ParcelOutcome>)>(0);
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| write_rows(plan, args, csv_reports, written));
        let mut screen_time = Duration::ZERO;
        let mut write_time = Duration::ZERO;
        let screened = (|| {
            let done = AtomicUsize::new(0);
            for (source, in_database) in sources {
                let watch = Watch {
                    read: &mut |_| {},
                    done: &done,
                };
                let mut sink = |outcomes: Vec<ParcelOutcome>| {
                    let started = Instant::now();
                    let sent = batches.send((source.path.as_path(), outcomes));
                    write_time += started.elapsed();
                    // Only a writer stopped by an error drops its end; that
                    // error is the one returned, once the writer is joined.
                    sent.map_err(|_| Error::Usage("the rows could not be written".to_string()))
                };
                let screened = if *in_database {
                    screen_source_in_database(plan, index, source, CRS_HINT, watch, &mut sink)?
                } else {
                    screen_source(
                        plan,
                        index,
                        source,
                        CRS_HINT,
                        BATCH_FEATURES,
                        watch,
                        &mut sink,
                    )?
                };
                screen_time += screened.screening_time;
            }
            Ok::<_, Error>(())
        })();
        drop(batches);
        let started = Instant::now();
        let streamed = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // The writer's error first: screening stopped because of it.
        let (streamed, csv_reports) = streamed?;
        // The CSVs are kept only when every source was screened.
        screened?;
        for (path, report) in csv_reports {
            let file = report.finish().map_err(|e| write_failed(path, e))?;
            let file = file
                .into_inner()
                .map_err(|e| write_failed(path, e.error()))?;
            file.commit()?;
        }
        write_time += started.elapsed();
        Ok(Streamed {
            screen_time,
            write_time,
            ..streamed
        })
    })
}

/// The CSV reports asked for, each in a temporary file until committed.
type CsvReports<'a> = Vec<(&'a PathBuf, CsvReport<BufWriter<AtomicFile>>)>;

fn csv_reports<'a>(args: &'a ScreenArgs, input_paths: &[PathBuf]) -> Result<CsvReports<'a>, Error> {
    [
        (&args.csv, CsvKind::Findings),
        (&args.summary_csv, CsvKind::Summary),
        (&args.layers_csv, CsvKind::Layers),
    ]
    .into_iter()
    .filter_map(|(path, kind)| path.as_ref().map(|path| (path, kind)))
    .map(|(path, kind)| {
        let file = BufWriter::new(AtomicFile::create(path, input_paths)?);
        let report = CsvReport::new(kind, file).map_err(|e| write_failed(path, e))?;
        Ok((path, report))
    })
    .collect()
}

/// Writes the CSVs' rows of each batch `batches` brings, tallies its
/// outcomes and makes their case-record entries; gives the CSVs back, to be
/// committed once the screening is whole.
fn write_rows<'a>(
    plan: &LoadedPlan,
    args: &ScreenArgs,
    mut csv_reports: CsvReports<'a>,
    batches: std::sync::mpsc::Receiver<(&Path, Vec<ParcelOutcome>)>,
) -> Result<(Streamed, CsvReports<'a>), Error> {
    let keep_outcomes =
        args.geojson.is_some() || args.gpkg.is_some() || args.pdf.is_some() || args.xlsx.is_some();
    let mut streamed = Streamed::default();
    for (source, outcomes) in batches {
        for outcome in &outcomes {
            streamed.tally.add(outcome);
            streamed
                .records
                .extend(ParcelRecord::of(plan, source, outcome));
            for (path, report) in &mut csv_reports {
                report
                    .write(plan, outcome)
                    .map_err(|e| write_failed(path, e))?;
            }
        }
        if keep_outcomes {
            streamed.kept.outcomes.extend(outcomes);
        }
    }
    Ok((streamed, csv_reports))
}

/// The outputs made from the whole screening: the GeoJSON, the
/// GeoPackage, the workbook and the PDF.
fn write_whole_outputs(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    screening: &Screening,
    args: &ScreenArgs,
    input_paths: &[PathBuf],
    report: &Report,
) -> Result<(), Error> {
    let report_time = report.time;
    let output_error = |path: &PathBuf| {
        let path = path.clone();
        move |message| Error::Output { path, message }
    };
    if let Some(path) = &args.geojson {
        let crs = match args.geojson_crs {
            GeoJsonCrsArg::Wgs84 => GeoJsonCrs::Wgs84,
            GeoJsonCrsArg::Working => GeoJsonCrs::Working,
        };
        let text = findings_geojson(plan, index, screening, crs).map_err(output_error(path))?;
        write_atomically(path, input_paths, text.as_bytes())?;
    }
    if let (Some(path), Some(time)) = (&args.gpkg, report_time) {
        let bytes = findings_gpkg(plan, index, screening, time).map_err(output_error(path))?;
        write_atomically(path, input_paths, &bytes)?;
    }
    if let (Some(path), Some(time)) = (&args.xlsx, report_time) {
        let bytes = xlsx::workbook(plan, screening, time, report.case.as_ref())
            .map_err(output_error(path))?;
        write_atomically(path, input_paths, &bytes)?;
    }
    if let (Some(path), Some(time)) = (&args.pdf, report_time) {
        let meta = ReportMeta {
            operator: report.operator.to_string(),
            time,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            inputs: report.inputs.to_vec(),
            sketches: Vec::new(),
            case: report.case.clone(),
            basemap: report.basemap.clone(),
        };
        let bytes = pdf::render(plan, index, screening, &meta).map_err(output_error(path))?;
        write_report(path, input_paths, &bytes, args.force)?;
    }
    Ok(())
}

/// Every parcel source of the run: files, then tables screened on their
/// server.
fn parcel_paths(args: &ScreenArgs) -> Vec<PathBuf> {
    args.parcels
        .iter()
        .chain(&args.in_database)
        .cloned()
        .collect()
}

/// Parcels per verdict, the parcels not screened and the outputs written.
fn print_summary(plan: &LoadedPlan, tally: &Tally, args: &ScreenArgs, started: Instant) {
    println!("{}", plan.catalog.name);
    println!(
        "screened {} parcels from {} file(s) in {:.2} s",
        tally.screened(),
        parcel_paths(args).len(),
        started.elapsed().as_secs_f64()
    );
    for verdict in Verdict::WORST_FIRST {
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
    for (what, path) in output_paths(args) {
        println!("{what}: {}", path.display());
    }
}

/// A parcel that could not be screened may hide anything: a gate on
/// conflicts must not pass a broken file.
fn exit_code(tally: &Tally, fail_on: Option<FailOn>) -> ExitCode {
    let worst = tally.worst();
    let unscreened = !tally.unscreened.is_empty();
    let failed = match fail_on {
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
    let outside = tally.count(Verdict::Outside);
    if failed && outside > 0 {
        println!(
            "--fail-on: met, because {outside} parcel(s) lie outside the plan area (范围外): the plan cannot say they are clear; check their coordinates and CRS"
        );
    }
    if failed {
        ExitCode::from(EXIT_FAIL_ON)
    } else {
        ExitCode::SUCCESS
    }
}

/// What the command line says of a screening once its outcomes are gone:
/// parcels per verdict and the problems of those not screened.
#[derive(Default)]
struct Tally {
    /// Parcels screened, by verdict (`Verdict as usize`).
    verdicts: [usize; 4],
    unscreened: Vec<Problem>,
}

impl Tally {
    fn add(&mut self, outcome: &ParcelOutcome) {
        match outcome {
            ParcelOutcome::Screened { result, .. } => self.verdicts[result.verdict as usize] += 1,
            ParcelOutcome::Unscreened(problem) => self.unscreened.push(problem.clone()),
        }
    }

    fn count(&self, verdict: Verdict) -> usize {
        self.verdicts[verdict as usize]
    }

    fn screened(&self) -> usize {
        self.verdicts.iter().sum()
    }

    fn worst(&self) -> Verdict {
        Verdict::WORST_FIRST
            .into_iter()
            .find(|v| self.count(*v) > 0)
            .unwrap_or(Verdict::Clear)
    }
}
