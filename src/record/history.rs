//! The case record read as a history: what was screened and decided, when,
//! by whom, with which data — one line per entry, in words, for the
//! command line's `history`, its CSV, and the viewer's case window.

use super::entries::{
    Case, DecisionRecord, ParcelRecord, RecordedInput, RecordedOutput, ScreeningRecord,
};
use super::{CaseDb, Entry, Kind};
use crate::error::Error;
use crate::report::two_decimals;

/// Which entries a history shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this case's.
    pub case: Option<String>,
    /// Only this parcel's results and the decisions on it; without it,
    /// parcel results are left out (a screening says its counts).
    pub parcel: Option<String>,
    /// Only those recorded from this moment on (seconds since 1970 UTC).
    pub since: Option<i64>,
}

/// One line of the history: an entry and what it says.
#[derive(Debug, Clone)]
pub struct Line {
    pub entry: Entry,
    pub detail: String,
}

/// The history `filter` selects, in order.
pub fn lines(db: &CaseDb, filter: &Filter) -> Result<Vec<Line>, Error> {
    let mut conditions = vec!["at >= ?".to_string()];
    let mut values: Vec<Box<dyn rusqlite::ToSql>> =
        vec![Box::new(filter.since.unwrap_or(i64::MIN))];
    if let Some(case) = &filter.case {
        conditions.push("case_no = ?".to_string());
        values.push(Box::new(case.clone()));
    }
    match &filter.parcel {
        Some(parcel) => {
            conditions.push("parcel = ?".to_string());
            values.push(Box::new(parcel.clone()));
        }
        None => conditions.push("kind <> 'parcel'".to_string()),
    }
    let refs: Vec<&dyn rusqlite::ToSql> = values.iter().map(|v| v.as_ref()).collect();
    let mut last_inputs = None;
    db.entries_where(&conditions.join(" AND "), &refs)?
        .into_iter()
        .map(|entry| {
            let detail = describe(db, &entry, &mut last_inputs)?;
            Ok(Line { entry, detail })
        })
        .collect()
}

/// What an entry says, in lines; a screening also says which inputs
/// changed since the screening listed before it.
fn describe(
    db: &CaseDb,
    entry: &Entry,
    last_inputs: &mut Option<Vec<RecordedInput>>,
) -> Result<String, Error> {
    let path = db.path();
    Ok(match entry.kind() {
        Some(Kind::Case) => {
            let case: Case = entry.body(path)?;
            let files: Vec<String> = case
                .parcel_files
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            format!(
                "{}（申请单位 {}）地块文件 parcel files: {}",
                case.name,
                case.applicant,
                files.join(", ")
            )
        }
        Some(Kind::Screening) => {
            let s: ScreeningRecord = entry.body(path)?;
            let counts: Vec<String> = s.counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
            let mut text = format!(
                "{} · redline {} · {} · {}",
                s.plan,
                s.tool_version,
                s.source,
                counts.join(", ")
            );
            match last_inputs.as_ref() {
                None => {
                    for input in &s.inputs {
                        text.push_str(&format!(
                            "\n{} {} sha256 {}",
                            input.role,
                            input.path.display(),
                            input.sha256
                        ));
                    }
                }
                Some(before) => {
                    let changed: Vec<String> = s
                        .inputs
                        .iter()
                        .filter_map(|input| {
                            let was = before.iter().find(|b| b.path == input.path);
                            match was {
                                Some(b) if b.sha256 == input.sha256 => None,
                                Some(b) => Some(format!(
                                    "已变更 changed: {} {} sha256 {} → {}",
                                    input.role,
                                    input.path.display(),
                                    &b.sha256,
                                    input.sha256
                                )),
                                None => Some(format!(
                                    "新输入 new input: {} {} sha256 {}",
                                    input.role,
                                    input.path.display(),
                                    input.sha256
                                )),
                            }
                        })
                        .collect();
                    if changed.is_empty() {
                        text.push_str("\n输入与上次相同 inputs as in the screening above");
                    }
                    for line in changed {
                        text.push('\n');
                        text.push_str(&line);
                    }
                }
            }
            for output in &s.outputs {
                text.push_str(&format!(
                    "\n输出 output {} sha256 {}",
                    output.path.display(),
                    output.sha256
                ));
            }
            *last_inputs = Some(s.inputs);
            text
        }
        Some(Kind::Parcel) => {
            let p: ParcelRecord = entry.body(path)?;
            let findings: Vec<String> = p
                .findings
                .iter()
                .map(|f| {
                    let measure = match (f.overlap_m2, f.distance_m) {
                        (Some(a), _) => format!(" {} m²", two_decimals(a)),
                        (None, Some(d)) => format!(" {} m", two_decimals(d)),
                        (None, None) => String::new(),
                    };
                    format!("{} {}{measure}", f.key, f.verdict)
                })
                .collect();
            format!(
                "筛查 screening #{} · {} · {} m² · {}",
                entry.screening.unwrap_or_default(),
                p.verdict,
                two_decimals(p.area_m2),
                if findings.is_empty() {
                    "无发现 no findings".to_string()
                } else {
                    findings.join("; ")
                }
            )
        }
        Some(Kind::Decision) => {
            let d: DecisionRecord = entry.body(path)?;
            format!(
                "地块 {}{}: {} — {}{}",
                d.parcel,
                d.finding
                    .as_ref()
                    .map(|k| format!(" 发现 {k}"))
                    .unwrap_or_default(),
                d.ruling.label_zh(),
                d.reason,
                d.supersedes
                    .map(|s| format!("（取代 #{s}）"))
                    .unwrap_or_default()
            )
        }
        Some(Kind::Output) => {
            let o: RecordedOutput = entry.body(path)?;
            format!(
                "输出 output {} sha256 {}（筛查 screening #{}）",
                o.path.display(),
                o.sha256,
                entry.screening.unwrap_or_default()
            )
        }
        None => format!("unknown kind {:?}", entry.kind),
    })
}
