//! The results as an Excel workbook: the officer's list, the findings and
//! every layer's check per parcel on three sheets, where a CSV would lose the types and the widths. Numbers stay
//! numbers (two decimals shown, full precision kept), headings are Chinese,
//! the heading row is frozen with a filter on it, verdicts are in words and
//! colour. The cells are those of the CSV ([`crate::report::rows`]).

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};
use unicode_width::UnicodeWidthStr;

use crate::plan::LoadedPlan;
use crate::report::meta::{CaseInReport, ReportTime};
use crate::report::rows::{self, Cell};
use crate::screen::{ParcelOutcome, Screening};

/// Columns no wider than this (characters): a long note wraps in the cell's
/// tooltip rather than pushing the rest off screen.
const MAX_COLUMN_CHARS: usize = 48;

/// The workbook as bytes. `time` is its creation time (the report time): the
/// same inputs give the same bytes.
pub fn workbook(
    plan: &LoadedPlan,
    screening: &Screening,
    time: ReportTime,
    case: Option<&CaseInReport>,
) -> Result<Vec<u8>, String> {
    build(plan, screening, time, case).map_err(|e| format!("cannot write the workbook: {e}"))
}

fn build(
    plan: &LoadedPlan,
    screening: &Screening,
    time: ReportTime,
    case: Option<&CaseInReport>,
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    // The document's properties state UTC.
    let created = ExcelDateTime::from_timestamp(time.unix_seconds)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("生态空间管控筛查结果 — {}", plan.catalog.name))
            .set_author(format!("redline {}", env!("CARGO_PKG_VERSION")))
            .set_creation_datetime(&created),
    );
    // Each sheet: its name, its columns, and each parcel's rows.
    type RowsOf = fn(&LoadedPlan, &ParcelOutcome) -> Vec<Vec<Cell>>;
    type Columns = &'static [(&'static str, &'static str)];
    let sheets: [(&str, Columns, RowsOf); 3] = [
        ("地块汇总", &rows::SUMMARY_COLUMNS, |plan, o| {
            vec![rows::summary_row(plan, o)]
        }),
        ("筛查发现", &rows::FINDINGS_COLUMNS, rows::findings_rows),
        ("图层核查", &rows::LAYERS_COLUMNS, rows::layers_rows),
    ];
    for (name, columns, rows_of) in sheets {
        let cells: Vec<Vec<Cell>> = screening
            .outcomes
            .iter()
            .flat_map(|o| rows_of(plan, o))
            .collect();
        sheet(book.add_worksheet(), name, columns, &cells)?;
    }
    // A case's decisions, beside what the tool found.
    if let Some(case) = case {
        let cells = rows::decision_rows(plan, screening, case);
        sheet(
            book.add_worksheet(),
            "审查意见",
            &rows::DECISION_COLUMNS,
            &cells,
        )?;
    }
    book.save_to_buffer()
}

fn sheet(
    sheet: &mut Worksheet,
    name: &str,
    columns: &[(&str, &str)],
    rows: &[Vec<Cell>],
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    let heading = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xE8_E8_E8))
        .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin);
    let measure = Format::new().set_num_format("0.00");
    let mut widths: Vec<usize> = columns.iter().map(|(_, h)| h.width()).collect();
    for (c, (_, title)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, col(c), *title, &heading)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, cell) in row.iter().enumerate() {
            let shown = match cell {
                // Written as strings: text from a file never becomes a formula.
                Cell::Text(text) => {
                    sheet.write_string(r, col(c), text)?;
                    text.width()
                }
                Cell::Measure(value) => {
                    // -0.00 would read as a loss, as in the CSV.
                    let value = if *value == 0.0 { 0.0 } else { *value };
                    sheet.write_number_with_format(r, col(c), value, &measure)?;
                    format!("{value:.2}").len()
                }
                Cell::Count(n) => {
                    sheet.write_number(r, col(c), *n as f64)?;
                    n.to_string().len()
                }
                Cell::Verdict { label_zh, rgb, .. } => {
                    let [red, green, blue] = *rgb;
                    let colour = (u32::from(red) << 16) | (u32::from(green) << 8) | u32::from(blue);
                    let format = Format::new().set_bold().set_font_color(Color::RGB(colour));
                    sheet.write_string_with_format(r, col(c), *label_zh, &format)?;
                    label_zh.width()
                }
                Cell::Empty => 0,
            };
            widths[c] = widths[c].max(shown);
        }
    }
    for (c, width) in widths.iter().enumerate() {
        sheet.set_column_width(col(c), (*width).clamp(6, MAX_COLUMN_CHARS) as f64 + 2.0)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
    sheet.autofilter(0, 0, last_row, col(columns.len() - 1))?;
    Ok(())
}

/// A column's number in the sheet (the reports have a few dozen at most).
fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}
