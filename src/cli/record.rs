//! The case record's commands: `case open` / `case list`, `decide`,
//! `history` and `verify`. Thin: the record's rules are in
//! [`redline::record`], a report's statement in [`redline::report::statement`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use redline::atomic::write_atomically;
use redline::error::Error;
use redline::record::entries::OverrideVerdict;
use redline::record::history::{self, Filter, Line};
use redline::record::{Case, CaseDb, FindingKey, Ruling};
use redline::report::csv::spreadsheet_csv;
use redline::report::meta::{default_operator, ReportTime};
use redline::report::spreadsheet_safe;

use crate::cli::screen::db_path;

/// Exit code when the record or a report does not hold.
const EXIT_ALTERED: u8 = 3;

#[derive(Subcommand)]
pub enum CaseCommand {
    /// Open a case (案卷), or record new particulars or parcel files for it.
    Open(CaseOpenArgs),
    /// List the cases of the record.
    List {
        /// The case record [default: REDLINE_DB, else the user's data folder].
        #[arg(long, value_name = "FILE")]
        db: Option<PathBuf>,
    },
}

#[derive(clap::Args)]
pub struct CaseOpenArgs {
    /// 受理编号: the application's number.
    #[arg(long, value_name = "NUMBER")]
    case: String,
    /// 项目名称.
    #[arg(long)]
    name: String,
    /// 申请单位.
    #[arg(long, default_value = "")]
    applicant: String,
    /// The case's parcel files (screened by `redline screen --case NUMBER`).
    #[arg(long, num_args = 1..)]
    parcels: Vec<PathBuf>,
    /// The officer recording it (default: the OS user).
    #[arg(long, value_name = "NAME")]
    operator: Option<String>,
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct DecideArgs {
    /// 受理编号 of the case.
    #[arg(long, value_name = "NUMBER")]
    case: String,
    /// The parcel decided on (its id in the case's last screening).
    #[arg(long, value_name = "ID")]
    parcel: String,
    /// One finding of the parcel, as LAYER:FEATURE (e.g. eco_redline:ECO-03).
    #[arg(long, value_name = "LAYER:FEATURE")]
    finding: Option<String>,
    /// 同意 (approve), 不同意 (reject) or 需补充材料 (more-information).
    #[arg(
        long,
        value_name = "DECISION",
        conflicts_with = "override_to",
        required_unless_present = "override_to"
    )]
    decision: Option<String>,
    /// Override the finding's verdict (with --finding): the tool's stays on
    /// record and in the report beside it.
    #[arg(long = "override", value_name = "VERDICT", value_enum)]
    override_to: Option<OverrideArg>,
    /// Why: required, and kept with the decision.
    #[arg(long)]
    reason: String,
    /// The officer deciding (default: the OS user).
    #[arg(long, value_name = "NAME")]
    operator: Option<String>,
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OverrideArg {
    Clear,
    Review,
    Conflict,
}

#[derive(clap::Args)]
pub struct HistoryArgs {
    /// Only this case (受理编号).
    #[arg(long, value_name = "NUMBER")]
    case: Option<String>,
    /// Only this parcel: its result in every screening, and the decisions on it.
    #[arg(long, value_name = "ID")]
    parcel: Option<String>,
    /// Only what was recorded from this time on (2026-12-01, or a time as
    /// --report-time takes it).
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Also write the lines as CSV here, for the bureau's records.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Check the whole record's hash chain: exit 3 and name the entries
    /// edited or deleted behind redline's back.
    #[arg(long)]
    verify: bool,
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// A PDF report made by `redline screen --pdf` or the viewer.
    report: PathBuf,
    /// The case record to check it against.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
}

pub fn case(command: CaseCommand) -> Result<ExitCode, Error> {
    match command {
        CaseCommand::Open(args) => {
            let mut db = CaseDb::open(&db_path(&args.db)?)?;
            let case = Case {
                number: args.case.trim().to_string(),
                name: args.name,
                applicant: args.applicant,
                parcel_files: args.parcels,
            };
            let operator = args.operator.unwrap_or_else(default_operator);
            let had = db.case(&case.number)?.is_some();
            let seq = db.save_case(&case, &operator)?;
            println!(
                "{} case {}: entry {seq} of {}",
                if had { "updated" } else { "opened" },
                case.number,
                db.path().display()
            );
        }
        CaseCommand::List { db } => {
            let db = CaseDb::open_existing(&db_path(&db)?)?;
            for case in db.cases()? {
                let screenings = db.screenings(Some(&case.body.number))?.len();
                println!(
                    "{}\t{}\t{}\t{screenings} screening(s)",
                    case.body.number, case.body.name, case.body.applicant
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn decide(args: DecideArgs) -> Result<ExitCode, Error> {
    let mut db = CaseDb::open_existing(&db_path(&args.db)?)?;
    let ruling = match (&args.decision, args.override_to) {
        (_, Some(to)) => Ruling::Override(match to {
            OverrideArg::Clear => OverrideVerdict::Clear,
            OverrideArg::Review => OverrideVerdict::Review,
            OverrideArg::Conflict => OverrideVerdict::Conflict,
        }),
        (Some(text), None) => Ruling::parse_decision(text).ok_or_else(|| {
            Error::Usage(format!(
                "--decision {text:?}: write 同意 (approve), 不同意 (reject) or 需补充材料 (more-information)"
            ))
        })?,
        (None, None) => {
            return Err(Error::Usage(
                "give --decision or --override".to_string(),
            ))
        }
    };
    let finding = args
        .finding
        .as_deref()
        .map(|text| {
            FindingKey::parse(text).ok_or_else(|| {
                Error::Usage(format!(
                    "--finding {text:?}: write LAYER:FEATURE, the layer's id in the catalog and the feature's id, e.g. eco_redline:ECO-03"
                ))
            })
        })
        .transpose()?;
    let operator = args.operator.unwrap_or_else(default_operator);
    let seq = db.decide(
        &args.case,
        &operator,
        &args.parcel,
        finding,
        ruling,
        &args.reason,
    )?;
    println!(
        "recorded: decision {} on parcel {} of case {} as entry {seq}",
        ruling.label_zh(),
        args.parcel,
        args.case
    );
    Ok(ExitCode::SUCCESS)
}

pub fn history(args: HistoryArgs) -> Result<ExitCode, Error> {
    let db = CaseDb::open_existing(&db_path(&args.db)?)?;
    let since = args
        .since
        .as_deref()
        .map(|text| {
            // A bare date is its first moment, Beijing time.
            let text = if text.trim().len() == 10 {
                format!("{} 00:00", text.trim())
            } else {
                text.to_string()
            };
            ReportTime::parse(&text).map_err(|e| Error::Usage(format!("--since: {e}")))
        })
        .transpose()?
        .map(|t| t.unix_seconds);
    let lines = history::lines(
        &db,
        &Filter {
            case: args.case.clone(),
            parcel: args.parcel.clone(),
            since,
        },
    )?;
    for line in &lines {
        let e = &line.entry;
        println!(
            "#{} {} {} {}{}",
            e.seq,
            ReportTime { unix_seconds: e.at }.display_zh(),
            e.operator,
            e.kind().map_or(e.kind.as_str(), |k| k.label_zh()),
            e.case_no
                .as_deref()
                .map(|c| format!(" 案卷 {c}"))
                .unwrap_or_default()
        );
        for detail in line.detail.lines() {
            println!("    {detail}");
        }
    }
    if lines.is_empty() {
        println!("nothing recorded that matches 无记录");
    }
    if let Some(path) = &args.csv {
        write_atomically(path, &[db.path().to_path_buf()], &history_csv(&lines)?)?;
        println!("csv: {}", path.display());
    }
    if args.verify {
        let check = db.verify()?;
        if check.intact() {
            println!(
                "记录链完整 chain intact: {} entries, last #{} {}",
                check.entries,
                check.head.as_ref().map_or(0, |h| h.0),
                check.head.as_ref().map_or("", |h| h.1.as_str())
            );
        } else {
            println!("记录链已被改动 CHAIN BROKEN: the record was changed behind redline's back");
            for fault in &check.faults {
                println!("  {fault}");
            }
            return Ok(ExitCode::from(EXIT_ALTERED));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn history_csv(lines: &[Line]) -> Result<Vec<u8>, Error> {
    let fail = |e: csv::Error| Error::Usage(format!("cannot write the CSV: {e}"));
    let mut csv = spreadsheet_csv(Vec::new()).map_err(fail)?;
    csv.write_record([
        "entry", "time", "operator", "kind", "case", "parcel", "detail", "sha256",
    ])
    .map_err(fail)?;
    for line in lines {
        let e = &line.entry;
        csv.write_record([
            e.seq.to_string().as_str(),
            &ReportTime { unix_seconds: e.at }.display_zh(),
            &spreadsheet_safe(&e.operator),
            &e.kind,
            &spreadsheet_safe(e.case_no.as_deref().unwrap_or("")),
            &spreadsheet_safe(e.parcel.as_deref().unwrap_or("")),
            &spreadsheet_safe(&line.detail.replace('\n', "; ")),
            &e.hash,
        ])
        .map_err(fail)?;
    }
    csv.into_inner()
        .map_err(|e| Error::Usage(format!("cannot write the CSV: {e}")))
}

pub fn verify(args: VerifyArgs) -> Result<ExitCode, Error> {
    // The report first: a file that is not one is the likelier mistake.
    redline::report::statement::Statement::from_pdf(&args.report)?;
    let db = CaseDb::open_existing(&db_path(&args.db)?)?;
    let check = redline::report::statement::check(&args.report, &db)?;
    for line in check.lines() {
        println!("{line}");
    }
    Ok(if check.holds() {
        println!("核验通过 verified: the report's inputs are unchanged and the record holds it");
        ExitCode::SUCCESS
    } else {
        println!("核验未通过 NOT verified: see above");
        ExitCode::from(EXIT_ALTERED)
    })
}
