//! What a PDF report states about itself for programs: its inputs with their
//! SHA-256, its case and the recorded decisions it shows. Embedded in the PDF
//! as a JSON attachment beside the printed tables (which a person reads),
//! and read back by `redline verify` to tell which inputs changed since the
//! report was made and whether the case record still holds what it cited.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::record::verify::ChainCheck;
use crate::record::{CaseDb, RecordedInput};
use crate::report::meta::{sha256_file, HashedInput, Input, ReportMeta};

/// The attachment's file name in the PDF.
pub const ATTACHMENT: &str = "redline-statement.json";

/// An entry of the case record a report cites: its number and hash then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitedEntry {
    pub seq: i64,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub tool_version: String,
    /// The report time, seconds since 1970 UTC.
    pub report_time: i64,
    pub operator: String,
    pub plan: String,
    pub inputs: Vec<RecordedInput>,
    /// The case's 受理编号, when the report is of a case.
    pub case: Option<String>,
    /// The decisions the report shows, as recorded.
    #[serde(default)]
    pub decisions: Vec<CitedEntry>,
}

impl Statement {
    pub fn of(plan: &str, meta: &ReportMeta) -> Statement {
        Statement {
            tool_version: meta.tool_version.clone(),
            report_time: meta.time.unix_seconds,
            operator: meta.operator.clone(),
            plan: plan.to_string(),
            inputs: meta.inputs.iter().map(RecordedInput::from).collect(),
            case: meta.case.as_ref().map(|c| c.case.number.clone()),
            decisions: meta
                .case
                .iter()
                .flat_map(|c| &c.decisions)
                .map(|d| CitedEntry {
                    seq: d.entry.seq,
                    hash: d.entry.hash.clone(),
                })
                .collect(),
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        // Plain data: serialising cannot fail.
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// The statement embedded in the PDF at `path`.
    pub fn from_pdf(path: &Path) -> Result<Statement, Error> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let fail = |why: String| Error::format(path, why);
        let pdf = lopdf::Document::load_mem(&bytes)
            .map_err(|e| fail(format!("cannot be read as a PDF: {e}")))?;
        let json = pdf
            .objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .filter(|d| d.get(b"F").and_then(|f| f.as_str()).ok() == Some(ATTACHMENT.as_bytes()))
            .find_map(|d| {
                let id = d.get(b"EF").ok()?.as_dict().ok()?.get(b"F").ok()?.as_reference().ok()?;
                let stream = pdf.get_object(id).ok()?.as_stream().ok()?;
                Some(stream.decompressed_content().unwrap_or_else(|_| stream.content.clone()))
            })
            .ok_or_else(|| {
                fail(format!(
                    "holds no {ATTACHMENT}: it is not a redline report, or one made before redline recorded its inputs in the file; compare the SHA-256 printed on its input page by hand"
                ))
            })?;
        serde_json::from_slice(&json)
            .map_err(|e| fail(format!("its {ATTACHMENT} cannot be read: {e}")))
    }
}

/// An input now, beside what the report states of it.
#[derive(Debug, Clone, PartialEq)]
pub enum InputNow {
    Unchanged,
    Changed {
        sha256: String,
    },
    /// Cannot be read now (gone, moved, a database not answering): why.
    Unreadable(String),
}

/// A decision the report cites, as the record holds it now.
#[derive(Debug, Clone, PartialEq)]
pub enum CitedNow {
    Intact,
    /// The record holds another entry under that number.
    Altered,
    Missing,
}

/// A report checked against the files and the case record now.
#[derive(Debug, Clone)]
pub struct ReportCheck {
    pub statement: Statement,
    pub pdf_sha256: String,
    pub inputs: Vec<(RecordedInput, InputNow)>,
    /// The entry that recorded writing this very file: its screening, or
    /// an output entry after it.
    pub recorded_as: Option<i64>,
    pub decisions: Vec<(CitedEntry, CitedNow)>,
    pub chain: ChainCheck,
}

impl ReportCheck {
    /// Every input as the report states it, the report in the record, and
    /// the record intact.
    pub fn holds(&self) -> bool {
        self.inputs
            .iter()
            .all(|(_, now)| *now == InputNow::Unchanged)
            && self.recorded_as.is_some()
            && self
                .decisions
                .iter()
                .all(|(_, now)| *now == CitedNow::Intact)
            && self.chain.intact()
    }

    /// The check in words, one line each, Chinese first.
    pub fn lines(&self) -> Vec<String> {
        let s = &self.statement;
        let mut lines = vec![format!(
            "报告 report: {} · redline {} · 操作人 {} · sha256 {}",
            s.plan, s.tool_version, s.operator, self.pdf_sha256
        )];
        let unchanged = self
            .inputs
            .iter()
            .filter(|(_, now)| *now == InputNow::Unchanged)
            .count();
        lines.push(format!(
            "输入 inputs: {unchanged} / {} 未变 unchanged since the report",
            self.inputs.len()
        ));
        for (input, now) in &self.inputs {
            let state = match now {
                InputNow::Unchanged => continue,
                InputNow::Changed { sha256 } => format!(
                    "已变更 CHANGED since the report: then {}, now {sha256}",
                    input.sha256
                ),
                InputNow::Unreadable(why) => format!("无法读取 cannot be read now: {why}"),
            };
            lines.push(format!(
                "  {} {}: {state}",
                input.role,
                input.path.display()
            ));
        }
        lines.push(match self.recorded_as {
            Some(seq) => format!("案卷记录 record: 本报告的生成记于第 {seq} 条 this report was recorded as written, entry {seq}"),
            None => "案卷记录 record: 记录中没有生成本报告的筛查 NO screening in this record wrote this report (another record, or the report was changed)".to_string(),
        });
        for (cited, now) in &self.decisions {
            lines.push(match now {
                CitedNow::Intact => format!("  审查意见 decision entry {}: 与记录一致 as recorded", cited.seq),
                CitedNow::Altered => format!("  审查意见 decision entry {}: 记录已不同 ALTERED in the record since the report", cited.seq),
                CitedNow::Missing => format!("  审查意见 decision entry {}: 记录中已不存在 MISSING from the record", cited.seq),
            });
        }
        if self.chain.intact() {
            lines.push(format!(
                "记录链 chain: 完整 intact, {} entries",
                self.chain.entries
            ));
        } else {
            lines.push("记录链 chain: 已被改动 BROKEN".to_string());
            lines.extend(self.chain.faults.iter().map(|f| format!("  {f}")));
        }
        lines
    }
}

/// Checks the report at `pdf` against the files named in it and against
/// the case record `db`.
pub fn check(pdf: &Path, db: &CaseDb) -> Result<ReportCheck, Error> {
    let statement = Statement::from_pdf(pdf)?;
    let pdf_sha256 = sha256_file(pdf).map_err(|e| Error::io(pdf, e))?;
    let inputs = statement
        .inputs
        .iter()
        .map(|input| {
            let hashed = crate::report::meta::hash_inputs(&[Input {
                role: input.role.clone(),
                path: input.path.clone(),
            }]);
            let now = match hashed.as_deref() {
                Ok([HashedInput { sha256, .. }]) if *sha256 == input.sha256 => InputNow::Unchanged,
                Ok([HashedInput { sha256, .. }]) if sha256.starts_with("数据不可用") => {
                    InputNow::Unreadable("the database does not answer".to_string())
                }
                Ok([HashedInput { sha256, .. }]) => InputNow::Changed {
                    sha256: sha256.clone(),
                },
                Ok(_) => InputNow::Unreadable(String::new()),
                Err(e) => InputNow::Unreadable(e.to_string()),
            };
            (input.clone(), now)
        })
        .collect();
    let recorded_as = db.wrote(&pdf_sha256)?;
    let decisions = statement
        .decisions
        .iter()
        .map(|cited| {
            let now = match db.entry(cited.seq)? {
                Some(entry) if entry.hash == cited.hash && entry.computed_hash() == entry.hash => {
                    CitedNow::Intact
                }
                Some(_) => CitedNow::Altered,
                None => CitedNow::Missing,
            };
            Ok((cited.clone(), now))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(ReportCheck {
        statement,
        pdf_sha256,
        inputs,
        recorded_as,
        decisions,
        chain: db.verify()?,
    })
}
