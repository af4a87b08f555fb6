//! The findings CSV: one row per parcel × zone feature, a stable contract
//! for spreadsheets and for checking against other GIS tools.

use crate::plan::LoadedPlan;
use crate::report::{spreadsheet_safe, two_decimals};
use crate::screen::{ParcelOutcome, Screening};

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

/// The findings CSV as bytes: UTF-8 with a byte-order mark (so Excel shows
/// Chinese right), RFC 4180 quoting.
pub fn findings_csv(plan: &LoadedPlan, screening: &Screening) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(UTF8_BOM.to_vec());
    out.write_record(FINDINGS_COLUMNS)?;
    for outcome in &screening.outcomes {
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
                let id = problem
                    .id
                    .clone()
                    .or_else(|| problem.index.map(|i| i.to_string()))
                    .unwrap_or_default();
                let mut row = vec![
                    spreadsheet_safe(&id).into_owned(),
                    String::new(),
                    String::new(),
                    UNSCREENED_VERDICT.to_string(),
                ];
                row.extend(std::iter::repeat_n(String::new(), 10));
                row.push(spreadsheet_safe(&problem.to_string()).into_owned());
                out.write_record(&row)?;
            }
        }
    }
    out.into_inner().map_err(|e| e.into_error().into())
}
