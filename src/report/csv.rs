//! The CSV outputs: the findings CSV (one row per parcel × zone feature, a
//! stable contract for spreadsheets and for checking against other GIS
//! tools) and the summary CSV (one row per parcel, for the officer's list).
//! Both share one dialect: UTF-8 with a byte-order mark, CRLF, RFC 4180.

use std::io::Write;

use crate::catalog::Rule;
use crate::error::Problem;
use crate::plan::LoadedPlan;
use crate::report::{spreadsheet_safe, two_decimals};
use crate::screen::{FindingVerdict, ParcelOutcome, Screening};

/// The contract's columns, in order.
pub const FINDINGS_COLUMNS: [&str; 15] = [
    "parcel_id",
    "parcel_name",
    "parcel_area_m2",
    "parcel_verdict",
    "layer_id",
    "layer_name",
    "rule",
    "feature_id",
    "feature_name",
    "verdict",
    "overlap_m2",
    "overlap_pct",
    "distance_m",
    "basis",
    "note",
];

/// The verdict written for a parcel that could not be screened.
pub const UNSCREENED_VERDICT: &str = "error";

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The summary CSV's columns, in order.
pub const SUMMARY_COLUMNS: [&str; 11] = [
    "parcel_id",
    "parcel_name",
    "parcel_area_m2",
    "verdict",
    "conflict_findings",
    "review_findings",
    "contact_findings",
    "prohibit_overlap_m2",
    "restrict_overlap_m2",
    "min_setback_m",
    "note",
];

/// A parcel that could not be screened: its id, verdict `error`, the
/// measure columns empty and the reason in `note`.
fn unscreened_row(problem: &Problem, empty_columns: usize) -> Vec<String> {
    let mut row = vec![
        spreadsheet_safe(&unscreened_id(problem)).into_owned(),
        String::new(),
        String::new(),
        UNSCREENED_VERDICT.to_string(),
    ];
    row.extend(std::iter::repeat_n(String::new(), empty_columns));
    row.push(spreadsheet_safe(&problem.to_string()).into_owned());
    row
}

/// The id a parcel that could not be read is known by: its id, else its position.
fn unscreened_id(problem: &Problem) -> String {
    problem
        .id
        .clone()
        .or_else(|| problem.index.map(|i| i.to_string()))
        .unwrap_or_default()
}

/// Which of the two CSV reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    /// One row per parcel × zone feature.
    Findings,
    /// One row per parcel.
    Summary,
}

/// A CSV report written a parcel at a time, so that a screening streamed in
/// batches is never held whole: a byte-order mark first (so Excel shows
/// Chinese right), CRLF line ends, RFC 4180 quoting.
pub struct CsvReport<W: Write> {
    out: csv::Writer<W>,
    kind: CsvKind,
}

impl<W: Write> CsvReport<W> {
    /// Starts the report: the byte-order mark and the header row.
    pub fn new(kind: CsvKind, mut inner: W) -> Result<Self, csv::Error> {
        inner.write_all(UTF8_BOM)?;
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(inner);
        match kind {
            CsvKind::Findings => out.write_record(FINDINGS_COLUMNS)?,
            CsvKind::Summary => out.write_record(SUMMARY_COLUMNS)?,
        }
        Ok(CsvReport { out, kind })
    }

    /// The rows of one parcel (or of one that could not be screened).
    pub fn write(&mut self, plan: &LoadedPlan, outcome: &ParcelOutcome) -> Result<(), csv::Error> {
        match self.kind {
            CsvKind::Findings => findings_rows(&mut self.out, plan, outcome),
            CsvKind::Summary => summary_row(&mut self.out, plan, outcome),
        }
    }

    /// Flushes the rows and gives back what they were written to.
    pub fn finish(self) -> Result<W, csv::Error> {
        self.out.into_inner().map_err(|e| e.into_error().into())
    }
}

/// A whole screening's CSV report as bytes.
fn report_bytes(
    kind: CsvKind,
    plan: &LoadedPlan,
    screening: &Screening,
) -> Result<Vec<u8>, csv::Error> {
    let mut report = CsvReport::new(kind, Vec::new())?;
    for outcome in &screening.outcomes {
        report.write(plan, outcome)?;
    }
    report.finish()
}

/// The findings CSV as bytes.
pub fn findings_csv(plan: &LoadedPlan, screening: &Screening) -> Result<Vec<u8>, csv::Error> {
    report_bytes(CsvKind::Findings, plan, screening)
}

/// The summary CSV as bytes: one row per parcel with its verdict, how many
/// findings of each kind, the overlap summed per rule (boundary contacts
/// included: it is the true overlap) and the nearest water line's distance.
/// Numbers are plain numbers with two decimals; text is neutralised.
pub fn summary_csv(plan: &LoadedPlan, screening: &Screening) -> Result<Vec<u8>, csv::Error> {
    report_bytes(CsvKind::Summary, plan, screening)
}

fn findings_rows<W: Write>(
    out: &mut csv::Writer<W>,
    plan: &LoadedPlan,
    outcome: &ParcelOutcome,
) -> Result<(), csv::Error> {
    match outcome {
        ParcelOutcome::Screened { parcel, result } => {
            let note = parcel.notes.join("; ");
            let parcel_cells = [
                spreadsheet_safe(&parcel.id).into_owned(),
                spreadsheet_safe(&parcel.name).into_owned(),
                two_decimals(result.area_m2),
                result.verdict.keyword().to_string(),
            ];
            if result.findings.is_empty() {
                let mut row: Vec<String> = parcel_cells.to_vec();
                row.extend(std::iter::repeat_n(String::new(), 10));
                row.push(spreadsheet_safe(&note).into_owned());
                out.write_record(&row)?;
            }
            for finding in &result.findings {
                let spec = &plan.catalog.layers[finding.zone.layer];
                let zone = &plan.layers[finding.zone.layer].features[finding.zone.feature];
                let mut row: Vec<String> = parcel_cells.to_vec();
                row.extend([
                    spec.id.clone(),
                    spreadsheet_safe(&spec.name).into_owned(),
                    spec.rule.keyword().to_string(),
                    spreadsheet_safe(&zone.id).into_owned(),
                    spreadsheet_safe(&zone.name).into_owned(),
                    finding.verdict.keyword().to_string(),
                    finding.overlap_m2.map(two_decimals).unwrap_or_default(),
                    result
                        .overlap_pct(finding)
                        .map(two_decimals)
                        .unwrap_or_default(),
                    finding.distance_m.map(two_decimals).unwrap_or_default(),
                    spreadsheet_safe(&spec.basis).into_owned(),
                    spreadsheet_safe(&note).into_owned(),
                ]);
                out.write_record(&row)?;
            }
        }
        ParcelOutcome::Unscreened(problem) => {
            out.write_record(unscreened_row(problem, 10))?;
        }
    }
    Ok(())
}

fn summary_row<W: Write>(
    out: &mut csv::Writer<W>,
    plan: &LoadedPlan,
    outcome: &ParcelOutcome,
) -> Result<(), csv::Error> {
    match outcome {
        ParcelOutcome::Screened { parcel, result } => {
            let count = |verdict: FindingVerdict| {
                result
                    .findings
                    .iter()
                    .filter(|f| f.verdict == verdict)
                    .count()
                    .to_string()
            };
            let overlap = |rule: Rule| {
                let areas = result
                    .findings
                    .iter()
                    .filter(|f| plan.catalog.layers[f.zone.layer].rule == rule)
                    .filter_map(|f| f.overlap_m2);
                two_decimals(areas.sum())
            };
            let min_setback = result
                .findings
                .iter()
                .filter_map(|f| f.distance_m)
                .reduce(f64::min)
                .map(two_decimals)
                .unwrap_or_default();
            out.write_record([
                spreadsheet_safe(&parcel.id).into_owned(),
                spreadsheet_safe(&parcel.name).into_owned(),
                two_decimals(result.area_m2),
                result.verdict.keyword().to_string(),
                count(FindingVerdict::Conflict),
                count(FindingVerdict::Review),
                count(FindingVerdict::Contact),
                overlap(Rule::Prohibit),
                overlap(Rule::Restrict),
                min_setback,
                spreadsheet_safe(&parcel.notes.join("; ")).into_owned(),
            ])?;
        }
        ParcelOutcome::Unscreened(problem) => {
            out.write_record(unscreened_row(problem, 6))?;
        }
    }
    Ok(())
}
