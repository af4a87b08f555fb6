//! The rows of the tabular reports, as typed cells: one definition of what
//! each column holds, which the CSV writes as text (its stable contract) and
//! the workbook as numbers, verdicts in words and colour.

use crate::admission::{ClauseStatus, Effect};
use crate::catalog::Rule;
use crate::error::Problem;
use crate::plan::LoadedPlan;
use crate::project::Project;
use crate::record::DecisionRecord;
use crate::report::meta::{CaseInReport, ReportTime};
use crate::screen::{FindingVerdict, ParcelOutcome, ParcelResult, Screening, Verdict};
use crate::style::{verdict_rgb, UNSCREENED_RGB};

/// The findings columns: the CSV's keyword and the workbook's heading.
pub const FINDINGS_COLUMNS: [(&str, &str); 21] = [
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
    // An admission clause's row (after its unit's): these, and the unit.
    ("clause_id", "准入条款编号"),
    ("clause_level", "层级"),
    ("clause_dimension", "管控维度"),
    ("clause_effect", "效力"),
    ("clause_status", "适用情况"),
    ("clause_text", "准入条款"),
];

/// The findings columns after `note`: an admission clause's.
const CLAUSE_COLUMNS: usize = 6;

/// The summary columns, as [`FINDINGS_COLUMNS`].
pub const SUMMARY_COLUMNS: [(&str, &str); 17] = [
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
    ("industry", "行业代码"),
    ("admission_prohibit", "准入禁止项"),
    ("admission_restrict", "准入限制项"),
    ("admission_require", "准入要求项"),
    ("admission_to_confirm", "准入待确认项"),
    ("procedures", "审批程序"),
];

/// The summary columns after `note`: what the project is and what follows.
const PROJECT_COLUMNS: usize = 6;

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

    pub(crate) fn finding_verdict(verdict: FindingVerdict) -> Cell {
        let rgb = match verdict {
            FindingVerdict::Contact | FindingVerdict::Noted => [0x75, 0x75, 0x75],
            other => verdict_rgb(other.parcel_verdict()),
        };
        Cell::Verdict {
            keyword: verdict.keyword(),
            label_zh: verdict.label_zh(),
            rgb,
        }
    }

    fn text(text: &str) -> Cell {
        Cell::Text(text.to_string())
    }
}

/// A parcel that could not be screened: its id, verdict `error`, the
/// measure columns empty, the reason as its note and the columns after
/// the note empty.
fn unscreened_row(problem: &Problem, before_note: usize, after_note: usize) -> Vec<Cell> {
    let mut row = vec![
        Cell::Text(unscreened_id(problem)),
        Cell::Empty,
        Cell::Empty,
        unscreened_verdict(),
    ];
    row.extend(std::iter::repeat_n(Cell::Empty, before_note));
    row.push(Cell::Text(problem.to_string()));
    row.extend(std::iter::repeat_n(Cell::Empty, after_note));
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

fn unscreened_verdict() -> Cell {
    Cell::Verdict {
        keyword: UNSCREENED_VERDICT,
        label_zh: "未筛查",
        rgb: UNSCREENED_RGB,
    }
}

/// The findings rows of one parcel: one per zone feature it meets, or one
/// with the zone columns empty when it meets none.
pub fn findings_rows(plan: &LoadedPlan, outcome: &ParcelOutcome) -> Vec<Vec<Cell>> {
    let (parcel, result) = match outcome {
        ParcelOutcome::Screened { parcel, result } => (parcel, result),
        ParcelOutcome::Unscreened(problem) => {
            return vec![unscreened_row(problem, 10, CLAUSE_COLUMNS)]
        }
    };
    let note = Cell::Text(result.note_line(parcel));
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
        row.extend(std::iter::repeat_n(Cell::Empty, CLAUSE_COLUMNS));
        return vec![row];
    }
    let mut rows = Vec::new();
    for finding in &result.findings {
        let spec = &plan.catalog.layers[finding.zone.layer];
        let zone = &plan.layers[finding.zone.layer].features[finding.zone.feature];
        let measure = |value: Option<f64>| value.map_or(Cell::Empty, Cell::Measure);
        let row = |verdict: FindingVerdict, measures: [Cell; 3], clause: [Cell; CLAUSE_COLUMNS]| {
            let mut row = parcel_cells.to_vec();
            row.extend([
                Cell::text(&spec.id),
                Cell::text(&spec.name),
                Cell::text(spec.rule.keyword()),
                Cell::text(&zone.id),
                Cell::text(&zone.name),
                Cell::finding_verdict(verdict),
            ]);
            row.extend(measures);
            row.extend([Cell::text(&spec.basis), note.clone()]);
            row.extend(clause);
            row
        };
        rows.push(row(
            finding.verdict,
            [
                measure(finding.overlap_m2),
                measure(result.overlap_pct(finding)),
                measure(finding.distance_m),
            ],
            std::array::from_fn(|_| Cell::Empty),
        ));
        // The clauses that bind; those to confirm are counted in the summary
        // and named in the note: a city's parcels without project fields
        // would otherwise make millions of rows.
        for m in result
            .admission
            .iter()
            .filter(|m| m.unit == finding.zone && m.status == ClauseStatus::Applies)
        {
            let clause = &plan.admission[m.unit.layer][m.clause];
            rows.push(row(
                m.verdict(clause),
                std::array::from_fn(|_| Cell::Empty),
                [
                    Cell::text(&clause.id),
                    Cell::text(clause.level.label_zh()),
                    Cell::text(&clause.dimension),
                    Cell::text(clause.effect.keyword()),
                    Cell::text(m.status.keyword()),
                    Cell::text(&clause.text),
                ],
            ));
        }
    }
    rows
}

/// The summary row of one parcel: its verdict, how many findings of each
/// kind, the overlap summed per rule (boundary contacts included: it is the
/// true overlap) and the nearest water line's distance.
pub fn summary_row(plan: &LoadedPlan, outcome: &ParcelOutcome) -> Vec<Cell> {
    let (parcel, result) = match outcome {
        ParcelOutcome::Screened { parcel, result } => (parcel, result),
        ParcelOutcome::Unscreened(problem) => return unscreened_row(problem, 6, PROJECT_COLUMNS),
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
    // Clauses, not unit × clause: one binding two units the parcel spans
    // counts once.
    let clauses = |effect: Option<Effect>, status: ClauseStatus| {
        let distinct: std::collections::BTreeSet<(usize, usize)> = result
            .admission
            .iter()
            .filter(|m| {
                m.status == status
                    && effect.is_none_or(|e| plan.admission[m.unit.layer][m.clause].effect == e)
            })
            .map(|m| (m.unit.layer, m.clause))
            .collect();
        Cell::Count(distinct.len())
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
        Cell::Text(result.note_line(parcel)),
        Cell::Text(
            Project::of(parcel, &plan.catalog.project_fields, result.area_m2)
                .industry()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        clauses(Some(Effect::Prohibit), ClauseStatus::Applies),
        clauses(Some(Effect::Restrict), ClauseStatus::Applies),
        clauses(Some(Effect::Require), ClauseStatus::Applies),
        clauses(None, ClauseStatus::ToConfirm),
        Cell::Text(procedures_text(plan, result)),
    ]
}

/// Every procedure's outcome in a line: `环评告知承诺制审批：适用；…`.
pub fn procedures_text(plan: &LoadedPlan, result: &crate::screen::ParcelResult) -> String {
    result
        .procedures
        .iter()
        .map(|d| {
            format!(
                "{}：{}",
                plan.catalog.procedures[d.procedure].name,
                d.outcome.label_zh()
            )
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// The per-layer columns (`--layers-csv`): every layer of the plan for every
/// parcel, so a report proves each layer was checked, not only that nothing
/// was found.
pub const LAYERS_COLUMNS: [(&str, &str); 11] = [
    ("parcel_id", "地块编号"),
    ("parcel_name", "地块名称"),
    ("layer_id", "图层编号"),
    ("layer_name", "图层"),
    ("rule", "规则"),
    ("status", "核查情况"),
    ("verdict", "结论"),
    ("findings", "发现数"),
    ("overlap_m2", "重叠面积（m²）"),
    ("distance_m", "距水岸线（m）"),
    ("note", "说明"),
];

/// What a parcel has to do with one layer of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerStatus {
    /// The parcel meets features of the layer (涉及).
    Concerned,
    /// Checked: the parcel meets none of its features (不涉及).
    NotConcerned,
    /// The layer holds no feature to check against (无数据).
    NoData,
    /// The layer is drawn only, never screened (仅显示).
    DisplayOnly,
}

impl LayerStatus {
    pub fn keyword(self) -> &'static str {
        match self {
            LayerStatus::Concerned => "concerned",
            LayerStatus::NotConcerned => "not_concerned",
            LayerStatus::NoData => "no_data",
            LayerStatus::DisplayOnly => "display_only",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LayerStatus::Concerned => "涉及",
            LayerStatus::NotConcerned => "不涉及",
            LayerStatus::NoData => "无数据",
            LayerStatus::DisplayOnly => "仅显示（不筛查）",
        }
    }
}

/// One layer of the plan as it stands for one parcel.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerAccount {
    pub layer: usize,
    pub status: LayerStatus,
    /// The worst of its findings on the layer.
    pub worst: Option<FindingVerdict>,
    pub findings: usize,
    /// Overlap summed over the layer's features (polygon layers).
    pub overlap_m2: Option<f64>,
    /// The nearest water line of the layer (setback layers).
    pub distance_m: Option<f64>,
}

/// Every layer of the plan, in catalog order, for a screened parcel.
pub fn layer_accounts(
    plan: &LoadedPlan,
    result: &crate::screen::ParcelResult,
) -> Vec<LayerAccount> {
    plan.catalog
        .layers
        .iter()
        .zip(&plan.layers)
        .enumerate()
        .map(|(layer, (spec, features))| {
            let found: Vec<_> = result
                .findings
                .iter()
                .filter(|f| f.zone.layer == layer)
                .collect();
            let status = if spec.rule == Rule::Display {
                LayerStatus::DisplayOnly
            } else if !found.is_empty() {
                LayerStatus::Concerned
            } else if features.features.is_empty() {
                LayerStatus::NoData
            } else {
                LayerStatus::NotConcerned
            };
            let overlaps: Vec<f64> = found.iter().filter_map(|f| f.overlap_m2).collect();
            LayerAccount {
                layer,
                status,
                worst: found.iter().map(|f| f.verdict).max(),
                findings: found.len(),
                overlap_m2: (!overlaps.is_empty()).then(|| overlaps.iter().sum()),
                distance_m: found.iter().filter_map(|f| f.distance_m).reduce(f64::min),
            }
        })
        .collect()
}

/// The per-layer rows of one parcel: a row per layer of the plan, or for a
/// parcel that could not be screened, one row saying so.
pub fn layers_rows(plan: &LoadedPlan, outcome: &ParcelOutcome) -> Vec<Vec<Cell>> {
    let (parcel, result) = match outcome {
        ParcelOutcome::Screened { parcel, result } => (parcel, result),
        // No layer was checked: one row says so, with the reason.
        ParcelOutcome::Unscreened(problem) => {
            let mut row = vec![Cell::Text(unscreened_id(problem))];
            row.extend(std::iter::repeat_n(Cell::Empty, 4));
            row.push(unscreened_verdict());
            row.extend(std::iter::repeat_n(Cell::Empty, 4));
            row.push(Cell::Text(problem.to_string()));
            return vec![row];
        }
    };
    layer_accounts(plan, result)
        .into_iter()
        .map(|account| {
            let spec = &plan.catalog.layers[account.layer];
            let measure = |value: Option<f64>| value.map_or(Cell::Empty, Cell::Measure);
            vec![
                Cell::text(&parcel.id),
                Cell::text(&parcel.name),
                Cell::text(&spec.id),
                Cell::text(&spec.name),
                Cell::text(spec.rule.keyword()),
                Cell::Verdict {
                    keyword: account.status.keyword(),
                    label_zh: account.status.label_zh(),
                    rgb: [0x42, 0x42, 0x42],
                },
                account.worst.map_or(Cell::Empty, Cell::finding_verdict),
                Cell::Count(account.findings),
                measure(account.overlap_m2),
                measure(account.distance_m),
                Cell::Empty,
            ]
        })
        .collect()
}

/// The decisions columns (a screening of a case), as [`FINDINGS_COLUMNS`].
pub const DECISION_COLUMNS: [(&str, &str); 8] = [
    ("parcel_id", "地块编号"),
    ("target", "对象"),
    ("tool_verdict", "工具判定"),
    ("decision", "审查意见"),
    ("reason", "理由"),
    ("operator", "审查人"),
    ("time", "时间"),
    ("entry", "记录号"),
];

/// What the tool computed in this screening for what a decision is on:
/// the parcel's verdict or the finding's, or that it is not found now.
/// `result` is the parcel's, if this screening has it.
pub fn tool_verdict(
    plan: &LoadedPlan,
    result: Option<&ParcelResult>,
    decision: &DecisionRecord,
) -> String {
    let Some(result) = result else {
        return "本次未筛查该地块".to_string();
    };
    let Some(key) = &decision.finding else {
        return result.verdict.label_zh().to_string();
    };
    result
        .findings
        .iter()
        .find(|f| {
            plan.catalog.layers[f.zone.layer].id == key.layer
                && plan.layers[f.zone.layer].features[f.zone.feature].id == key.feature
        })
        .map(|f| f.verdict.label_zh().to_string())
        .unwrap_or_else(|| "本次未发现".to_string())
}

/// The result of the screened parcel `id`, if the screening has it.
pub fn screened_result<'a>(screening: &'a Screening, id: &str) -> Option<&'a ParcelResult> {
    screening
        .screened()
        .find(|(p, _)| p.id == id)
        .map(|(_, r)| r)
}

/// One row per decision that stands on the case, the tool's verdict beside it.
pub fn decision_rows(
    plan: &LoadedPlan,
    screening: &Screening,
    case: &CaseInReport,
) -> Vec<Vec<Cell>> {
    case.decisions
        .iter()
        .map(|d| {
            let result = screened_result(screening, &d.body.parcel);
            vec![
                Cell::text(&d.body.parcel),
                Cell::Text(
                    d.body
                        .finding
                        .as_ref()
                        .map_or("地块".to_string(), |k| k.to_string()),
                ),
                Cell::Text(tool_verdict(plan, result, &d.body)),
                Cell::Text(d.body.ruling.label_zh()),
                Cell::text(&d.body.reason),
                Cell::text(&d.entry.operator),
                Cell::Text(
                    ReportTime {
                        unix_seconds: d.entry.at,
                    }
                    .display_zh(),
                ),
                Cell::Count(usize::try_from(d.entry.seq).unwrap_or_default()),
            ]
        })
        .collect()
}
