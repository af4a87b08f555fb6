//! The CSV outputs: the findings CSV (one row per parcel × zone feature, a
//! stable contract for spreadsheets and for checking against other GIS
//! tools) and the summary CSV (one row per parcel, for the officer's list).
//! Both share one dialect: UTF-8 with a byte-order mark, CRLF, RFC 4180.

use std::io::Write;

use crate::plan::LoadedPlan;
use crate::report::rows::{self, Cell};
use crate::report::{spreadsheet_safe, two_decimals};
use crate::screen::{ParcelOutcome, Screening};

pub use crate::report::rows::UNSCREENED_VERDICT;

/// The findings CSV's columns, in order: the contract.
pub const FINDINGS_COLUMNS: [&str; 21] = keywords(rows::FINDINGS_COLUMNS);

/// The summary CSV's columns, in order.
pub const SUMMARY_COLUMNS: [&str; 17] = keywords(rows::SUMMARY_COLUMNS);

/// The per-layer CSV's columns, in order.
pub const LAYERS_COLUMNS: [&str; 11] = keywords(rows::LAYERS_COLUMNS);

/// The keywords of columns given as (keyword, heading).
const fn keywords<const N: usize>(columns: [(&'static str, &'static str); N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = columns[i].0;
        i += 1;
    }
    out
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV writer as every CSV of redline is written, for spreadsheets: a
/// byte-order mark first (so Excel shows Chinese right), CRLF line ends,
/// RFC 4180 quoting.
pub fn spreadsheet_csv<W: Write>(mut inner: W) -> Result<csv::Writer<W>, csv::Error> {
    inner.write_all(UTF8_BOM)?;
    Ok(csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(inner))
}

/// A cell as the CSV writes it: numbers with two decimals, verdicts as
/// keywords, text neutralised for spreadsheets.
fn csv_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => spreadsheet_safe(text).into_owned(),
        Cell::Measure(value) => two_decimals(*value),
        Cell::Count(n) => n.to_string(),
        Cell::Verdict { keyword, .. } => keyword.to_string(),
        Cell::Empty => String::new(),
    }
}

/// Which of the two CSV reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvKind {
    /// One row per parcel × zone feature.
    Findings,
    /// One row per parcel.
    Summary,
    /// One row per parcel × layer of the plan.
    Layers,
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
    pub fn new(kind: CsvKind, inner: W) -> Result<Self, csv::Error> {
        let mut out = spreadsheet_csv(inner)?;
        match kind {
            CsvKind::Findings => out.write_record(FINDINGS_COLUMNS)?,
            CsvKind::Summary => out.write_record(SUMMARY_COLUMNS)?,
            CsvKind::Layers => out.write_record(LAYERS_COLUMNS)?,
        }
        Ok(CsvReport { out, kind })
    }

    /// The rows of one parcel (or of one that could not be screened).
    pub fn write(&mut self, plan: &LoadedPlan, outcome: &ParcelOutcome) -> Result<(), csv::Error> {
        let rows = match self.kind {
            CsvKind::Findings => rows::findings_rows(plan, outcome),
            CsvKind::Summary => vec![rows::summary_row(plan, outcome)],
            CsvKind::Layers => rows::layers_rows(plan, outcome),
        };
        for row in rows {
            self.out.write_record(row.iter().map(csv_text))?;
        }
        Ok(())
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

/// The per-layer CSV as bytes: every layer of the plan for every parcel.
pub fn layers_csv(plan: &LoadedPlan, screening: &Screening) -> Result<Vec<u8>, csv::Error> {
    report_bytes(CsvKind::Layers, plan, screening)
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
