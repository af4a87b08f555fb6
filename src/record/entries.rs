//! What the case record's entries say, and the record's operations in the
//! words of the work: open a case, record a screening, record a decision,
//! read them back. Bodies are JSON of the types here, so an old entry stays
//! readable when a field is added (new fields default).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{CaseDb, Entry, Kind, NewEntry};
use crate::error::Error;
use crate::plan::LoadedPlan;
use crate::report::meta::HashedInput;
use crate::report::rows::UNSCREENED_VERDICT;
use crate::screen::{ParcelOutcome, Verdict};

/// A case (案卷): one project's application, grouping its parcel files,
/// its screenings and its decisions. Known by its 受理编号.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// 受理编号: the bureau's number for the application.
    pub number: String,
    /// 项目名称.
    pub name: String,
    /// 申请单位.
    #[serde(default)]
    pub applicant: String,
    /// The parcel files the case screens, as given.
    #[serde(default)]
    pub parcel_files: Vec<PathBuf>,
}

/// One input of a screening, with its SHA-256 then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedInput {
    pub role: String,
    pub path: PathBuf,
    pub sha256: String,
}

impl From<&HashedInput> for RecordedInput {
    fn from(input: &HashedInput) -> RecordedInput {
        RecordedInput {
            role: input.input.role.clone(),
            path: input.input.path.clone(),
            sha256: input.sha256.clone(),
        }
    }
}

/// One output a screening wrote, with its SHA-256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedOutput {
    pub path: PathBuf,
    pub sha256: String,
}

/// A screening: who ran what, on which data, with which result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreeningRecord {
    /// Where it ran: "命令行 command line" or "查看器 viewer".
    pub source: String,
    pub tool_version: String,
    /// The plan's name (its catalog's).
    pub plan: String,
    pub inputs: Vec<RecordedInput>,
    /// The options that change a result (CRS given, id field, report time…).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    /// Parcels by verdict keyword, and `error` for those not screened.
    pub counts: BTreeMap<String, usize>,
    /// Why parcels were not screened.
    #[serde(default)]
    pub unscreened: Vec<String>,
    #[serde(default)]
    pub outputs: Vec<RecordedOutput>,
}

impl ScreeningRecord {
    /// The record of a screening of `plan` from `inputs` (hashed), whose
    /// screened parcels are `parcels` and whose others could not be
    /// screened for the reasons `unscreened`. `source` says where it ran;
    /// `parameters` are the options that changed its result.
    pub fn new(
        source: &str,
        plan: &LoadedPlan,
        inputs: &[HashedInput],
        mut parameters: BTreeMap<String, String>,
        parcels: &[ParcelRecord],
        unscreened: Vec<String>,
        outputs: Vec<RecordedOutput>,
    ) -> ScreeningRecord {
        parameters.insert(
            "admission_in_force_on".to_string(),
            plan.in_force_on.to_string(),
        );
        let mut counts: BTreeMap<String, usize> = Verdict::WORST_FIRST
            .iter()
            .map(|v| (v.keyword().to_string(), 0))
            .collect();
        for parcel in parcels {
            *counts.entry(parcel.verdict.clone()).or_default() += 1;
        }
        counts.insert(UNSCREENED_VERDICT.to_string(), unscreened.len());
        ScreeningRecord {
            source: source.to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            plan: plan.catalog.name.clone(),
            inputs: inputs.iter().map(RecordedInput::from).collect(),
            parameters,
            counts,
            unscreened,
            outputs,
        }
    }
}

/// A zone feature a finding is on, as the plan names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FindingKey {
    /// The layer's id in the catalog.
    pub layer: String,
    /// The feature's id in its layer.
    pub feature: String,
}

impl FindingKey {
    /// `layer:feature`, as the command line takes it.
    pub fn parse(text: &str) -> Option<FindingKey> {
        let (layer, feature) = text.split_once(':')?;
        (!layer.is_empty() && !feature.is_empty()).then(|| FindingKey {
            layer: layer.to_string(),
            feature: feature.to_string(),
        })
    }
}

impl std::fmt::Display for FindingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.layer, self.feature)
    }
}

/// One finding as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingRecord {
    #[serde(flatten)]
    pub key: FindingKey,
    /// The finding's verdict keyword.
    pub verdict: String,
    pub overlap_m2: Option<f64>,
    pub distance_m: Option<f64>,
}

/// One parcel's result in a screening.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParcelRecord {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// The file it was read from.
    pub file: PathBuf,
    /// The parcel's verdict keyword.
    pub verdict: String,
    pub area_m2: f64,
    pub findings: Vec<FindingRecord>,
}

impl ParcelRecord {
    /// The record of a screened parcel; `None` for one not screened (the
    /// screening's `unscreened` says why).
    pub fn of(plan: &LoadedPlan, file: &Path, outcome: &ParcelOutcome) -> Option<ParcelRecord> {
        let ParcelOutcome::Screened { parcel, result } = outcome else {
            return None;
        };
        Some(ParcelRecord {
            id: parcel.id.clone(),
            name: parcel.name.clone(),
            file: file.to_path_buf(),
            verdict: result.verdict.keyword().to_string(),
            area_m2: result.area_m2,
            findings: result
                .findings
                .iter()
                .map(|f| FindingRecord {
                    key: FindingKey {
                        layer: plan.catalog.layers[f.zone.layer].id.clone(),
                        feature: plan.layers[f.zone.layer].features[f.zone.feature]
                            .id
                            .clone(),
                    },
                    verdict: f.verdict.keyword().to_string(),
                    overlap_m2: f.overlap_m2,
                    distance_m: f.distance_m,
                })
                .collect(),
        })
    }
}

/// What an officer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ruling {
    /// 同意.
    Approve,
    /// 不同意.
    Reject,
    /// 需补充材料.
    MoreInformation,
    /// The finding's verdict is not what the tool found: a boundary that is
    /// a surveying error, a project that already holds a permit.
    Override(OverrideVerdict),
}

/// What a finding is overridden to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverrideVerdict {
    Clear,
    Review,
    Conflict,
}

impl OverrideVerdict {
    pub fn verdict(self) -> Verdict {
        match self {
            OverrideVerdict::Clear => Verdict::Clear,
            OverrideVerdict::Review => Verdict::Review,
            OverrideVerdict::Conflict => Verdict::Conflict,
        }
    }
}

impl Ruling {
    /// The ruling as a report prints it.
    pub fn label_zh(self) -> String {
        match self {
            Ruling::Approve => "同意".to_string(),
            Ruling::Reject => "不同意".to_string(),
            Ruling::MoreInformation => "需补充材料".to_string(),
            Ruling::Override(to) => format!("改判为{}", to.verdict().label_zh()),
        }
    }

    /// A ruling as the command line takes it: 同意/approve,
    /// 不同意/reject, 需补充材料/more-information.
    pub fn parse_decision(text: &str) -> Option<Ruling> {
        match text.trim() {
            "同意" | "approve" => Some(Ruling::Approve),
            "不同意" | "reject" => Some(Ruling::Reject),
            "需补充材料" | "more-information" | "more_information" => {
                Some(Ruling::MoreInformation)
            }
            _ => None,
        }
    }
}

/// An officer's decision, as recorded. The operator and time are the
/// entry's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub parcel: String,
    /// The finding decided on; none for the parcel as a whole.
    pub finding: Option<FindingKey>,
    pub ruling: Ruling,
    pub reason: String,
    /// The entry of the decision this one replaces on the same parcel or
    /// finding.
    pub supersedes: Option<i64>,
}

/// A screening recorded, and what changed since the case's one before.
#[derive(Debug, Clone)]
pub struct ScreeningRecorded {
    pub seq: i64,
    /// The case's screening before it.
    pub previous: Option<Entry>,
    pub changes: Vec<super::changes::Change>,
}

/// A body with the entry it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded<T> {
    pub entry: Entry,
    pub body: T,
}

/// Entries of one case and kind (not parcel results), through the index
/// `entry_case`, which leaves parcel results out and so is used only by a
/// query that says `kind <> 'parcel'`.
pub(crate) const OF_CASE: &str = "case_no = ?1 AND kind = ?2 AND kind <> 'parcel'";

/// Entries of one kind (not parcel results), through the index `entry_kind`.
pub(crate) const OF_KIND: &str = "kind = ?1 AND kind <> 'parcel'";

impl CaseDb {
    fn of_case(&self, case_no: &str, kind: Kind) -> Result<Vec<Entry>, Error> {
        self.entries_where(OF_CASE, &[&case_no, &kind.keyword()])
    }

    fn of_kind(&self, kind: Kind) -> Result<Vec<Entry>, Error> {
        self.entries_where(OF_KIND, &[&kind.keyword()])
    }

    fn read<T: serde::de::DeserializeOwned>(
        &self,
        entries: Vec<Entry>,
    ) -> Result<Vec<Recorded<T>>, Error> {
        entries
            .into_iter()
            .map(|entry| {
                Ok(Recorded {
                    body: entry.body(self.path())?,
                    entry,
                })
            })
            .collect()
    }

    fn refuse(&self, message: String) -> Error {
        Error::Record {
            path: self.path().to_path_buf(),
            message,
        }
    }

    /// Opens a case, or records its particulars anew (a later entry
    /// supersedes: the record is never edited).
    pub fn save_case(&mut self, case: &Case, operator: &str) -> Result<i64, Error> {
        if case.number.trim().is_empty() {
            return Err(self.refuse("a case needs its 受理编号 (--case NUMBER)".to_string()));
        }
        let entry = NewEntry::new(Kind::Case, case).case(Some(&case.number));
        Ok(self.append(operator, |_| vec![entry])?[0])
    }

    /// The case's particulars as last recorded.
    pub fn case(&self, number: &str) -> Result<Option<Recorded<Case>>, Error> {
        Ok(self.read(self.of_case(number, Kind::Case)?)?.pop())
    }

    /// Every case, each as last recorded, by number.
    pub fn cases(&self) -> Result<Vec<Recorded<Case>>, Error> {
        let mut latest = BTreeMap::new();
        for case in self.read::<Case>(self.of_kind(Kind::Case)?)? {
            latest.insert(case.body.number.clone(), case);
        }
        Ok(latest.into_values().collect())
    }

    /// Records a screening and its parcels' results in one transaction;
    /// returns the screening's entry number.
    pub fn record_screening(
        &mut self,
        case_no: Option<&str>,
        operator: &str,
        screening: &ScreeningRecord,
        parcels: &[ParcelRecord],
    ) -> Result<i64, Error> {
        let numbers = self.append(operator, |first| {
            let parcels = parcels.iter().map(move |parcel| NewEntry {
                screening: Some(first),
                ..NewEntry::new(Kind::Parcel, parcel)
                    .case(case_no)
                    .parcel(&parcel.id)
            });
            std::iter::once(NewEntry::new(Kind::Screening, screening).case(case_no)).chain(parcels)
        })?;
        Ok(numbers[0])
    }

    /// Records a screening as [`CaseDb::record_screening`] does, and says
    /// what changed since the case's screening before it.
    pub fn record_and_compare(
        &mut self,
        case_no: Option<&str>,
        operator: &str,
        screening: &ScreeningRecord,
        parcels: &[ParcelRecord],
    ) -> Result<ScreeningRecorded, Error> {
        let previous = match case_no {
            Some(number) => self.screenings(Some(number))?.pop(),
            None => None,
        };
        let seq = self.record_screening(case_no, operator, screening, parcels)?;
        let changes = match &previous {
            Some(before) => {
                let earlier: Vec<ParcelRecord> = self
                    .parcels_of(before.entry.seq)?
                    .into_iter()
                    .map(|p| p.body)
                    .collect();
                super::changes::between(&earlier, parcels)
            }
            None => Vec::new(),
        };
        Ok(ScreeningRecorded {
            seq,
            previous: previous.map(|p| p.entry),
            changes,
        })
    }

    /// Records a report written after its screening (entry `screening`).
    pub fn record_output(
        &mut self,
        case_no: Option<&str>,
        operator: &str,
        screening: Option<i64>,
        output: &RecordedOutput,
    ) -> Result<i64, Error> {
        let entry = NewEntry {
            screening,
            ..NewEntry::new(Kind::Output, output).case(case_no)
        };
        Ok(self.append(operator, |_| vec![entry])?[0])
    }

    /// The entry that recorded writing a file of this SHA-256: a screening
    /// that wrote it, or an output entry.
    pub fn wrote(&self, sha256: &str) -> Result<Option<i64>, Error> {
        let outputs: Vec<Recorded<RecordedOutput>> = self.read(self.of_kind(Kind::Output)?)?;
        let screenings = self.screenings(None)?;
        Ok(outputs
            .iter()
            .filter(|o| o.body.sha256 == sha256)
            .map(|o| o.entry.seq)
            .chain(
                screenings
                    .iter()
                    .filter(|s| s.body.outputs.iter().any(|o| o.sha256 == sha256))
                    .map(|s| s.entry.seq),
            )
            .max())
    }

    /// The screenings of a case (every screening with `None`), in order.
    pub fn screenings(
        &self,
        case_no: Option<&str>,
    ) -> Result<Vec<Recorded<ScreeningRecord>>, Error> {
        let entries = match case_no {
            Some(number) => self.of_case(number, Kind::Screening)?,
            None => self.of_kind(Kind::Screening)?,
        };
        self.read(entries)
    }

    /// The parcel results of the screening recorded as entry `screening`:
    /// the entries right after it, recorded with it in one append.
    pub fn parcels_of(&self, screening: i64) -> Result<Vec<Recorded<ParcelRecord>>, Error> {
        let entries = self.entries_after(screening, |entry| {
            entry.kind() == Some(Kind::Parcel) && entry.screening == Some(screening)
        })?;
        self.read(entries)
    }

    /// Every decision of a case, superseded ones included, in order.
    pub fn decisions(&self, case_no: &str) -> Result<Vec<Recorded<DecisionRecord>>, Error> {
        self.read(self.of_case(case_no, Kind::Decision)?)
    }

    /// The decisions of a case that stand: the last on each parcel and on
    /// each finding.
    pub fn standing_decisions(
        &self,
        case_no: &str,
    ) -> Result<Vec<Recorded<DecisionRecord>>, Error> {
        let mut standing = BTreeMap::new();
        for decision in self.decisions(case_no)? {
            let target = (decision.body.parcel.clone(), decision.body.finding.clone());
            standing.insert(target, decision);
        }
        let mut out: Vec<_> = standing.into_values().collect();
        out.sort_by_key(|d| d.entry.seq);
        Ok(out)
    }

    /// Records a decision on a parcel (or one of its findings) of the case's
    /// last screening, superseding the one that stood on it. Refuses a case,
    /// parcel or finding the record does not know, an override on a whole
    /// parcel, and a decision without a reason.
    pub fn decide(
        &mut self,
        case_no: &str,
        operator: &str,
        parcel: &str,
        finding: Option<FindingKey>,
        ruling: Ruling,
        reason: &str,
    ) -> Result<i64, Error> {
        if reason.trim().is_empty() {
            return Err(self.refuse(
                "a decision needs its reason (--reason \"…\"): the record must say why".to_string(),
            ));
        }
        if operator.trim().is_empty() {
            return Err(self.refuse("a decision needs the officer's name (--operator)".to_string()));
        }
        if matches!(ruling, Ruling::Override(_)) && finding.is_none() {
            return Err(self.refuse(
                "an override is of one finding: name it with --finding LAYER:FEATURE".to_string(),
            ));
        }
        if self.case(case_no)?.is_none() {
            return Err(self.refuse(format!(
                "there is no case {case_no}; open it first: redline case open --case {case_no} --name …"
            )));
        }
        let last = self.screenings(Some(case_no))?.pop().ok_or_else(|| {
            self.refuse(format!(
                "case {case_no} has not been screened; screen it first: redline screen --case {case_no}"
            ))
        })?;
        let parcels = self.parcels_of(last.entry.seq)?;
        let Some(result) = parcels.iter().find(|p| p.body.id == parcel) else {
            let known: Vec<&str> = parcels.iter().map(|p| p.body.id.as_str()).collect();
            return Err(self.refuse(format!(
                "parcel {parcel} is not in case {case_no}'s last screening (entry {}); its parcels are: {}",
                last.entry.seq,
                known.join(", ")
            )));
        };
        if let Some(key) = &finding {
            if !result.body.findings.iter().any(|f| &f.key == key) {
                let known: Vec<String> = result
                    .body
                    .findings
                    .iter()
                    .map(|f| f.key.to_string())
                    .collect();
                return Err(self.refuse(format!(
                    "parcel {parcel} has no finding {key} in the last screening; its findings are: {}",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                )));
            }
        }
        let supersedes = self
            .standing_decisions(case_no)?
            .into_iter()
            .find(|d| d.body.parcel == parcel && d.body.finding == finding)
            .map(|d| d.entry.seq);
        let decision = DecisionRecord {
            parcel: parcel.to_string(),
            finding,
            ruling,
            reason: reason.trim().to_string(),
            supersedes,
        };
        let entry = NewEntry::new(Kind::Decision, &decision)
            .case(Some(case_no))
            .parcel(parcel);
        Ok(self.append(operator, |_| vec![entry])?[0])
    }
}
