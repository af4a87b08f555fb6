//! The rows of the tabular reports, as typed cells: one definition of what
//! each column holds, which the CSV writes as text (its stable contract) and
//! the workbook as numbers, verdicts in words and colour.

use crate::catalog::Rule;
use crate::error::Problem;
use crate::plan::LoadedPlan;
use crate::screen::{FindingVerdict, ParcelOutcome, Verdict};
use crate::style::{verdict_rgb, UNSCREENED_RGB};

/// The findings columns: the CSV's keyword and the workbook's heading.
pub const FINDINGS_COLUMNS: [(&str, &str); 15] = [
    ("parcel_id", "地块编号"),
    ("parcel_name", "地块名称"),
    ("parcel_area_m2", "地块面积（m²）"),
    ("parcel_verdict", "地块结论"),
    ("layer_id", "图层编号"),
    ("layer_name", "图层"),
    ("rule", "规则"),
    ("feature_id", "要素编号"),
    ("feature_name", "要素名称"),
    ("verdict", "结论"),
    ("overlap_m2", "重叠面积（m²）"),
    ("overlap_pct", "占地块（%）"),
    ("distance_m", "距水岸线（m）"),
    ("basis", "规划依据"),
    ("note", "说明"),
];

/// The summary columns, as [`FINDINGS_COLUMNS`].
pub const SUMMARY_COLUMNS: [(&str, &str); 11] = [
    ("parcel_id", "地块编号"),
    ("parcel_name", "地块名称"),
    ("parcel_area_m2", "面积（m²）"),
    ("verdict", "结论"),
    ("conflict_findings", "不符合项"),
    ("review_findings", "需论证项"),
    ("contact_findings", "边界接触项"),
    ("prohibit_overlap_m2", "禁止类重叠（m²）"),
    ("restrict_overlap_m2", "限制类重叠（m²）"),
    ("min_setback_m", "最近水岸线距离（m）"),
    ("note", "说明"),
];

/// The verdict written for a parcel that could not be screened.
pub const UNSCREENED_VERDICT: &str = "error";

/// What a cell holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text from the inputs or the catalog.
    Text(String),
    /// A measure in metres or square metres (or a percentage), shown with
    /// two decimals.
    Measure(f64),
    Count(usize),
    /// A verdict: its keyword (the CSV), its words and colour (the workbook).
    Verdict {
        keyword: &'static str,
        label_zh: &'static str,
        rgb: [u8; 3],
    },
    Empty,
}

impl Cell {
    fn parcel_verdict(verdict: Verdict) -> Cell {
        Cell::Verdict {
            keyword: verdict.keyword(),
            label_zh: verdict.label_zh(),
            rgb: verdict_rgb(verdict),
        }
    }

    fn finding_verdict(verdict: FindingVerdict) -> Cell {
        let (label_zh, rgb) = match verdict {
            FindingVerdict::Conflict => ("不符合", verdict_rgb(Verdict::Conflict)),
            FindingVerdict::Review => ("需论证", verdict_rgb(Verdict::Review)),
            FindingVerdict::Contact => ("边界接触", [0x75, 0x75, 0x75]),
        };
        Cell::Verdict {
            keyword: verdict.keyword(),
            label_zh,
            rgb,
        }
    }

    fn text(text: &str) -> Cell {
        Cell::Text(text.to_string())
    }
}

/// A parcel that could not be screened: its id, verdict `error`, the
/// measure columns empty and the reason last.
fn unscreened_row(problem: &Problem, empty_columns: usize) -> Vec<Cell> {
    let id = problem
        .id
        .clone()
        .or_else(|| problem.index.map(|i| i.to_string()))
        .unwrap_or_default();
    let mut row = vec![
        Cell::Text(id),
        Cell::Empty,
        Cell::Empty,
        Cell::Verdict {
            keyword: UNSCREENED_VERDICT,
            label_zh: "未筛查",
            rgb: UNSCREENED_RGB,
        },
    ];
    row.extend(std::iter::repeat_n(Cell::Empty, empty_columns));
    row.push(Cell::Text(problem.to_string()));
    row
}

/// The findings rows of one parcel: one per zone feature it meets, or one
/// with the zone columns empty when it meets none.
pub fn findings_rows(plan: &LoadedPlan, outcome: &ParcelOutcome) -> Vec<Vec<Cell>> {
    let (parcel, result) = match outcome {
        ParcelOutcome::Screened { parcel, result } => (parcel, result),
        ParcelOutcome::Unscreened(problem) => return vec![unscreened_row(problem, 10)],
    };
    let note = Cell::Text(parcel.notes.join("; "));
    let parcel_cells = [
        Cell::text(&parcel.id),
        Cell::text(&parcel.name),
        Cell::Measure(result.area_m2),
        Cell::parcel_verdict(result.verdict),
    ];
    if result.findings.is_empty() {
        let mut row = parcel_cells.to_vec();
        row.extend(std::iter::repeat_n(Cell::Empty, 10));
        row.push(note);
        return vec![row];
    }
    result
        .findings
        .iter()
        .map(|finding| {
            let spec = &plan.catalog.layers[finding.zone.layer];
            let zone = &plan.layers[finding.zone.layer].features[finding.zone.feature];
            let measure = |value: Option<f64>| value.map_or(Cell::Empty, Cell::Measure);
            let mut row = parcel_cells.to_vec();
            row.extend([
                Cell::text(&spec.id),
                Cell::text(&spec.name),
                Cell::text(spec.rule.keyword()),
                Cell::text(&zone.id),
                Cell::text(&zone.name),
                Cell::finding_verdict(finding.verdict),
                measure(finding.overlap_m2),
                measure(result.overlap_pct(finding)),
                measure(finding.distance_m),
                Cell::text(&spec.basis),
                note.clone(),
            ]);
            row
        })
        .collect()
}

/// The summary row of one parcel: its verdict, how many findings of each
/// kind, the overlap summed per rule (boundary contacts included: it is the
/// true overlap) and the nearest water line's distance.
pub fn summary_row(plan: &LoadedPlan, outcome: &ParcelOutcome) -> Vec<Cell> {
    let (parcel, result) = match outcome {
        ParcelOutcome::Screened { parcel, result } => (parcel, result),
        ParcelOutcome::Unscreened(problem) => return unscreened_row(problem, 6),
    };
    let count = |verdict: FindingVerdict| {
        Cell::Count(
            result
                .findings
                .iter()
                .filter(|f| f.verdict == verdict)
                .count(),
        )
    };
    let overlap = |rule: Rule| {
        Cell::Measure(
            result
                .findings
                .iter()
                .filter(|f| plan.catalog.layers[f.zone.layer].rule == rule)
                .filter_map(|f| f.overlap_m2)
                .sum(),
        )
    };
    let min_setback = result
        .findings
        .iter()
        .filter_map(|f| f.distance_m)
        .reduce(f64::min)
        .map_or(Cell::Empty, Cell::Measure);
    vec![
        Cell::text(&parcel.id),
        Cell::text(&parcel.name),
        Cell::Measure(result.area_m2),
        Cell::parcel_verdict(result.verdict),
        count(FindingVerdict::Conflict),
        count(FindingVerdict::Review),
        count(FindingVerdict::Contact),
        overlap(Rule::Prohibit),
        overlap(Rule::Restrict),
        min_setback,
        Cell::Text(parcel.notes.join("; ")),
    ]
}
