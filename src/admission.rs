//! Environmental control units and their admission list (三线一单 生态环境
//! 准入清单): which clauses of the list bind a parcel, given the units it
//! lies in and what the project is.
//!
//! The list is the plan's data, one clause per row of a CSV beside the
//! units layer (`admission = "…"` in the catalog): the units it applies to
//! (a unit code, a class, or all), the control dimension, the industries
//! it concerns (GB/T 4754 code prefixes, hierarchical; or the five heavy
//! metals), its effect (禁止 / 限制 / 要求), its level (国家 / 市 / 区), the
//! date it comes into force and its text, quoted in every report. A clause
//! whose concern cannot be decided because the project's industry (or its
//! heavy metals) is unknown is listed "to confirm", never passed over.

use std::path::Path;

use time::Date;

use crate::catalog::{LayerSpec, Rule};
use crate::error::{Error, Problem};
use crate::index::ZoneRef;
use crate::io::{Feature, Layer};
use crate::plan::LoadedPlan;
use crate::project::{Attribute, Concern, IndustryCode, Project};
use crate::screen::{FindingVerdict, ParcelResult};

/// The class of a control unit (环境管控单元分类, ZHGKDYFL 1/2/3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitClass {
    Priority,
    Key,
    General,
}

impl UnitClass {
    pub fn label_zh(self) -> &'static str {
        match self {
            UnitClass::Priority => "优先保护",
            UnitClass::Key => "重点管控",
            UnitClass::General => "一般管控",
        }
    }

    /// `1`/`2`/`3` as the national data standard codes them, or the words
    /// (with or without 单元).
    pub fn parse(text: &str) -> Option<UnitClass> {
        let text = text.trim().trim_end_matches("单元");
        [UnitClass::Priority, UnitClass::Key, UnitClass::General]
            .into_iter()
            .enumerate()
            .find(|(i, c)| text == (i + 1).to_string() || text == c.label_zh())
            .map(|(_, c)| c)
    }

    /// The class a unit's `class_field` gives it.
    pub fn of(unit: &Feature, class_field: &str) -> Option<UnitClass> {
        unit.attributes
            .iter()
            .find(|(name, _)| name == class_field)
            .and_then(|(_, v)| UnitClass::parse(v))
    }
}

/// Which units a clause applies to.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitScope {
    All,
    Class(UnitClass),
    Code(String),
}

/// What a clause concerns.
#[derive(Debug, Clone, PartialEq)]
pub enum Concerns {
    /// Every project (`*`).
    Everything,
    /// Projects of these industries or any class within them.
    Industries(Vec<IndustryCode>),
    /// Projects involving the five heavy metals (`重金属`).
    HeavyMetals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    Prohibit,
    Restrict,
    Require,
}

impl Effect {
    pub fn label_zh(self) -> &'static str {
        match self {
            Effect::Prohibit => "禁止",
            Effect::Restrict => "限制",
            Effect::Require => "要求",
        }
    }

    pub fn keyword(self) -> &'static str {
        match self {
            Effect::Prohibit => "prohibit",
            Effect::Restrict => "restrict",
            Effect::Require => "require",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    National,
    Municipal,
    District,
}

impl Level {
    pub fn label_zh(self) -> &'static str {
        match self {
            Level::National => "国家",
            Level::Municipal => "市",
            Level::District => "区",
        }
    }
}

/// The four dimensions of an admission list (管控维度).
pub const DIMENSIONS: [&str; 4] = [
    "空间布局约束",
    "污染物排放管控",
    "环境风险防控",
    "资源开发效率",
];

/// One row of an admission list.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub id: String,
    pub units: Vec<UnitScope>,
    pub dimension: String,
    pub concerns: Concerns,
    pub effect: Effect,
    pub level: Level,
    /// Not applied to a screening before this date.
    pub in_force_from: Option<Date>,
    pub text: String,
}

/// The columns of an admission list, in order.
pub const COLUMNS: [&str; 8] = [
    "编号",
    "适用单元",
    "管控维度",
    "行业",
    "效力",
    "层级",
    "施行日期",
    "条款",
];

impl Clause {
    pub fn applies_to_unit(&self, code: &str, class: Option<UnitClass>) -> bool {
        self.units.iter().any(|scope| match scope {
            UnitScope::All => true,
            UnitScope::Class(c) => Some(*c) == class,
            UnitScope::Code(c) => c == code,
        })
    }

    pub fn in_force_on(&self, date: Date) -> bool {
        self.in_force_from.is_none_or(|from| from <= date)
    }

    /// Whether the clause concerns `project`; `Maybe` when what it turns on
    /// is unknown (or known only more coarsely than the clause).
    pub fn concerns(&self, project: &Project) -> Concern {
        match &self.concerns {
            Concerns::Everything => Concern::Yes,
            Concerns::HeavyMetals => match project.flag(Attribute::HeavyMetals) {
                Some(true) => Concern::Yes,
                Some(false) => Concern::No,
                None => Concern::Maybe,
            },
            Concerns::Industries(codes) => match project.industry() {
                None => Concern::Maybe,
                Some(industry) => {
                    let each: Vec<Concern> = codes.iter().map(|c| c.concerns(industry)).collect();
                    if each.contains(&Concern::Yes) {
                        Concern::Yes
                    } else if each.contains(&Concern::Maybe) {
                        Concern::Maybe
                    } else {
                        Concern::No
                    }
                }
            },
        }
    }

    /// What the clause concerns, as the list wrote it.
    pub fn concerns_text(&self) -> String {
        match &self.concerns {
            Concerns::Everything => "全部行业".to_string(),
            Concerns::HeavyMetals => "涉五项主要重金属".to_string(),
            Concerns::Industries(codes) => codes
                .iter()
                .map(IndustryCode::as_str)
                .collect::<Vec<_>>()
                .join("、"),
        }
    }

    pub fn units_text(&self) -> String {
        self.units
            .iter()
            .map(|scope| match scope {
                UnitScope::All => "全部单元".to_string(),
                UnitScope::Class(c) => format!("{}单元", c.label_zh()),
                UnitScope::Code(code) => code.clone(),
            })
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// Reads an admission list (UTF-8 CSV, a header row of [`COLUMNS`]).
/// A wrong row is refused with its line and the fix.
pub fn read_list(path: &Path) -> Result<Vec<Clause>, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = crate::io::decode_text(&bytes);
    let refuse = |line: Option<usize>, message: String| Error::Catalog {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| refuse(Some(1), e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if header != COLUMNS {
        return Err(refuse(
            Some(1),
            format!(
                "the admission list's header is {}; it must be {} (one clause per row)",
                header.join(","),
                COLUMNS.join(",")
            ),
        ));
    }
    let mut clauses: Vec<Clause> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            refuse(
                e.position().map(|p| p.line() as usize),
                format!("{e}; every row needs the {} columns", COLUMNS.len()),
            )
        })?;
        let line = record.position().map(|p| p.line() as usize);
        let cell = |i: usize| record.get(i).unwrap_or_default().trim();
        let bad = |column: usize, fix: &str| {
            refuse(
                line,
                format!(
                    "clause {:?}: {} {:?}: {fix}",
                    cell(0),
                    COLUMNS[column],
                    cell(column)
                ),
            )
        };
        let id = cell(0).to_string();
        if id.is_empty() {
            return Err(bad(0, "every clause needs its own 编号"));
        }
        if clauses.iter().any(|c| c.id == id) {
            return Err(bad(0, "is used twice; every clause needs its own 编号"));
        }
        let units = split(cell(1))
            .map(|part| match part {
                "全部" | "*" | "all" => UnitScope::All,
                other => UnitClass::parse(other)
                    .map(UnitScope::Class)
                    .unwrap_or_else(|| UnitScope::Code(other.to_string())),
            })
            .collect::<Vec<_>>();
        if units.is_empty() {
            return Err(bad(
                1,
                "name a unit code, a class (优先保护/重点管控/一般管控) or 全部",
            ));
        }
        let dimension = cell(2).to_string();
        if !DIMENSIONS.contains(&dimension.as_str()) {
            return Err(bad(2, &format!("use one of {}", DIMENSIONS.join("/"))));
        }
        let concerns = match cell(3) {
            "*" | "全部" => Concerns::Everything,
            "重金属" => Concerns::HeavyMetals,
            codes => Concerns::Industries(
                split(codes)
                    .map(IndustryCode::parse)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| bad(3, &format!("{e}; or write * (every industry) or 重金属")))?,
            ),
        };
        if matches!(&concerns, Concerns::Industries(c) if c.is_empty()) {
            return Err(bad(3, "name industry codes (C26;C39), * or 重金属"));
        }
        let effect = match cell(4) {
            "禁止" => Effect::Prohibit,
            "限制" => Effect::Restrict,
            "要求" => Effect::Require,
            _ => return Err(bad(4, "use 禁止, 限制 or 要求")),
        };
        let level = match cell(5) {
            "国家" => Level::National,
            "市" => Level::Municipal,
            "区" => Level::District,
            _ => return Err(bad(5, "use 国家, 市 or 区")),
        };
        let in_force_from = match cell(6) {
            "" => None,
            date => Some(
                Date::parse(
                    date,
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .map_err(|_| bad(6, "write the date as 2021-01-01, or leave it empty"))?,
            ),
        };
        let text = cell(7).to_string();
        if text.is_empty() {
            return Err(bad(7, "quote the clause: reports cite it"));
        }
        clauses.push(Clause {
            id,
            units,
            dimension,
            concerns,
            effect,
            level,
            in_force_from,
            text,
        });
    }
    Ok(clauses)
}

fn split(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', '；', '、', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// What in a units layer and its list would leave a clause binding no one
/// without a word: a clause naming a unit code the layer does not hold (a
/// typo), a unit whose class cannot be read while clauses go by class.
pub fn unreachable_clauses(spec: &LayerSpec, layer: &Layer, clauses: &[Clause]) -> Vec<Problem> {
    let list = spec.admission.as_deref().unwrap_or(&spec.path);
    let mut problems = Vec::new();
    for clause in clauses {
        for scope in &clause.units {
            if let UnitScope::Code(code) = scope {
                if !layer.features.iter().any(|f| &f.id == code) {
                    problems.push(Problem::file(
                        list,
                        format!(
                            "clause {} names unit {code:?}, which layer {:?} does not hold: it binds no parcel there; check the code against the layer's {}",
                            clause.id,
                            spec.id,
                            spec.id_field.as_deref().unwrap_or("id field")
                        ),
                    ));
                }
            }
        }
    }
    let by_class = clauses
        .iter()
        .any(|c| c.units.iter().any(|s| matches!(s, UnitScope::Class(_))));
    if !by_class {
        return problems;
    }
    let Some(field) = spec.class_field.as_deref() else {
        problems.push(Problem::file(
            &spec.path,
            format!(
                "layer {:?} names no class_field, so the clauses that go by class (优先保护/重点管控/一般管控) reach none of its units; add class_field = \"ZHGKDYFL\" (or the layer's class column)",
                spec.id
            ),
        ));
        return problems;
    };
    for unit in &layer.features {
        if UnitClass::of(unit, field).is_none() {
            problems.push(Problem::feature(
                &spec.path,
                unit.index,
                Some(&unit.id),
                format!(
                    "its class ({field}) is missing or not 1/2/3 (优先保护/重点管控/一般管控): clauses by class do not reach it; correct the field"
                ),
            ));
        }
    }
    problems
}

/// Whether a clause binds the parcel, or cannot be ruled out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClauseStatus {
    Applies,
    /// What the clause turns on is unknown for this project.
    ToConfirm,
}

impl ClauseStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            ClauseStatus::Applies => "适用",
            ClauseStatus::ToConfirm => "待确认",
        }
    }

    pub fn keyword(self) -> &'static str {
        match self {
            ClauseStatus::Applies => "applies",
            ClauseStatus::ToConfirm => "to_confirm",
        }
    }
}

/// A clause of a unit's list that binds a parcel, or cannot be ruled out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClauseMatch {
    pub unit: ZoneRef,
    /// Position in the unit layer's list ([`LoadedPlan::admission`]).
    pub clause: usize,
    pub status: ClauseStatus,
}

impl ClauseMatch {
    /// What the clause makes of the parcel's finding on the unit: 禁止 a
    /// conflict, 限制 a review; 要求 is a condition of the sign-off and
    /// changes no verdict. A clause to confirm changes none either — the
    /// verdict says what is known; the parcel's note and every report say
    /// what is still to confirm, and which attribute would decide it (a
    /// site screened before any project is known stays readable).
    pub fn verdict(&self, clause: &Clause) -> FindingVerdict {
        match (clause.effect, self.status) {
            (Effect::Prohibit, ClauseStatus::Applies) => FindingVerdict::Conflict,
            (Effect::Restrict, ClauseStatus::Applies) => FindingVerdict::Review,
            _ => FindingVerdict::Noted,
        }
    }
}

/// Matches a screened parcel to the clauses of every unit it lies in (a
/// finding beyond boundary contact): those in force on the plan's date
/// that apply to the unit and concern the project, or may. Each raises its
/// unit's finding and the parcel's verdict (see [`ClauseMatch::verdict`]).
/// Returns the parcel's note when clauses are to confirm: how many, and
/// what the project must say to decide them.
pub fn assess(plan: &LoadedPlan, project: &Project, result: &mut ParcelResult) -> Option<String> {
    let mut matches = Vec::new();
    for finding in &mut result.findings {
        let layer = finding.zone.layer;
        let spec = &plan.catalog.layers[layer];
        if spec.rule != Rule::Units || finding.verdict == FindingVerdict::Contact {
            continue;
        }
        let unit = &plan.layers[layer].features[finding.zone.feature];
        let class = spec
            .class_field
            .as_deref()
            .and_then(|field| UnitClass::of(unit, field));
        let list = &plan.admission[layer];
        let mut found: Vec<ClauseMatch> = list
            .iter()
            .enumerate()
            .filter(|(_, c)| c.in_force_on(plan.in_force_on) && c.applies_to_unit(&unit.id, class))
            .filter_map(|(i, c)| {
                let status = match c.concerns(project) {
                    Concern::Yes => ClauseStatus::Applies,
                    Concern::Maybe => ClauseStatus::ToConfirm,
                    Concern::No => return None,
                };
                Some(ClauseMatch {
                    unit: finding.zone,
                    clause: i,
                    status,
                })
            })
            .collect();
        found.sort_by_key(|m| (list[m.clause].level, m.clause));
        for m in &found {
            finding.verdict = finding.verdict.max(m.verdict(&list[m.clause]));
        }
        matches.extend(found);
    }
    for finding in &result.findings {
        result.verdict = result.verdict.max(finding.verdict.parcel_verdict());
    }
    let mut to_confirm: Vec<&Clause> = matches
        .iter()
        .filter(|m| m.status == ClauseStatus::ToConfirm)
        .map(|m| &plan.admission[m.unit.layer][m.clause])
        .collect();
    // A clause of two units the parcel spans is one clause to confirm.
    to_confirm.sort_by(|a, b| (a.level, &a.id).cmp(&(b.level, &b.id)));
    to_confirm.dedup_by(|a, b| a.id == b.id);
    result.admission = matches;
    if to_confirm.is_empty() {
        return None;
    }
    let mut missing: Vec<String> = Vec::new();
    if to_confirm
        .iter()
        .any(|c| matches!(c.concerns, Concerns::Industries(_)))
    {
        missing.push(match project.industry() {
            None => "行业代码".to_string(),
            Some(code) => format!("更细的行业代码（现为 {code}）"),
        });
    }
    if to_confirm
        .iter()
        .any(|c| c.concerns == Concerns::HeavyMetals)
    {
        missing.push("是否涉及五项主要重金属".to_string());
    }
    let ids: Vec<&str> = to_confirm.iter().map(|c| c.id.as_str()).collect();
    Some(format!(
        "准入待确认：所在管控单元有 {n} 条准入条款待确认（{}），需补充{}。admission to confirm: {n} clauses of its control units turn on what the project does not say",
        ids.join("、"),
        missing.join("、"),
        n = to_confirm.len(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(rows: &str) -> Result<Vec<Clause>, Error> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.csv");
        std::fs::write(&path, format!("{}\n{rows}", COLUMNS.join(","))).unwrap();
        read_list(&path)
    }

    fn project(attributes: &[(&str, &str)]) -> Project {
        crate::project::testing::project(attributes, 1.0)
    }

    #[test]
    fn a_list_is_read_row_by_row_and_a_wrong_row_is_refused_with_its_line() {
        let clauses = list(
            "A1,优先保护;ZH001,空间布局约束,*,禁止,市,2021-01-01,禁止与生态功能不符的开发建设活动\n\
             A2,全部,污染物排放管控,C26；3985,限制,区,,限制高污染项目\n\
             A3,2,环境风险防控,重金属,要求,国家,2030-01-01,涉重金属项目须总量替代",
        )
        .unwrap();
        assert_eq!(clauses.len(), 3);
        assert_eq!(
            clauses[0].units,
            vec![
                UnitScope::Class(UnitClass::Priority),
                UnitScope::Code("ZH001".into())
            ]
        );
        assert_eq!(clauses[1].concerns_text(), "C26、C3985");
        assert_eq!(clauses[2].units, vec![UnitScope::Class(UnitClass::Key)]);
        assert!(clauses[1].in_force_from.is_none());
        let today = Date::from_calendar_date(2026, time::Month::December, 2).unwrap();
        assert!(clauses[0].in_force_on(today) && !clauses[2].in_force_on(today));

        let err = list("A1,全部,空间布局约束,*,禁止,市,2021-01-01,x\nA2,全部,布局,*,禁止,市,,y")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("list.csv:3") && err.contains("管控维度") && err.contains("空间布局约束/"),
            "{err}"
        );
        let err = list("A1,全部,空间布局约束,电子,禁止,市,,x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("行业") && err.contains("C3985"), "{err}");
        let err = list("A1,全部,空间布局约束,*,不准,市,,x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("禁止, 限制 or 要求"), "{err}");
        let err = list("A1,全部,空间布局约束,*,禁止,市,2021/1/1,x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("2021-01-01"), "{err}");
        let err = list("A1,全部,空间布局约束,*,禁止,市,,x\nA1,全部,空间布局约束,*,禁止,市,,y")
            .unwrap_err()
            .to_string();
        assert!(err.contains("twice"), "{err}");
    }

    #[test]
    fn clauses_concern_industries_by_hierarchy_and_unknowns_are_to_confirm() {
        let clauses = list(
            "A1,全部,空间布局约束,C39,禁止,市,,x\n\
             A2,全部,空间布局约束,C3985,限制,市,,y\n\
             A3,全部,环境风险防控,重金属,限制,国家,,z\n\
             A4,全部,资源开发效率,*,要求,区,,w",
        )
        .unwrap();
        let concern = |p: &Project| clauses.iter().map(|c| c.concerns(p)).collect::<Vec<_>>();
        use Concern::*;
        assert_eq!(
            concern(&project(&[("行业代码", "C3985"), ("涉重金属", "否")])),
            [Yes, Yes, No, Yes]
        );
        assert_eq!(
            concern(&project(&[("行业代码", "C39")])),
            [Yes, Maybe, Maybe, Yes]
        );
        assert_eq!(
            concern(&project(&[("行业代码", "C2614"), ("涉重金属", "是")])),
            [No, No, Yes, Yes]
        );
        assert_eq!(concern(&project(&[])), [Maybe, Maybe, Maybe, Yes]);
    }

    #[test]
    fn units_are_matched_by_code_class_or_all() {
        assert_eq!(UnitClass::parse("1"), Some(UnitClass::Priority));
        assert_eq!(UnitClass::parse("重点管控单元"), Some(UnitClass::Key));
        assert_eq!(UnitClass::parse("4"), None);
        let clause = |units| Clause {
            id: "A".into(),
            units,
            dimension: DIMENSIONS[0].into(),
            concerns: Concerns::Everything,
            effect: Effect::Require,
            level: Level::District,
            in_force_from: None,
            text: "x".into(),
        };
        assert!(clause(vec![UnitScope::All]).applies_to_unit("ZH1", None));
        assert!(clause(vec![UnitScope::Class(UnitClass::Key)])
            .applies_to_unit("ZH1", Some(UnitClass::Key)));
        assert!(!clause(vec![UnitScope::Class(UnitClass::Key)]).applies_to_unit("ZH1", None));
        assert!(clause(vec![UnitScope::Code("ZH1".into())])
            .applies_to_unit("ZH1", Some(UnitClass::General)));
        assert!(!clause(vec![UnitScope::Code("ZH2".into())])
            .applies_to_unit("ZH1", Some(UnitClass::General)));
    }
}
