//! What a project is, not only where: the attributes of a parcel that the
//! admission lists ([`crate::admission`]) and the approval procedures
//! ([`crate::procedure`]) ask about, read from the parcel file's fields as
//! the catalog's `[project]` section maps them (or typed in the viewer,
//! which sets the same fields).
//!
//! A value that is absent or cannot be read is unknown and stays unknown:
//! a rule that needs it answers "to confirm", never as if it were known.
//! A value that cannot be read gets a note naming the field and the fix.

use std::fmt;

use crate::io::Feature;

/// A project attribute the rules may ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attribute {
    /// 国民经济行业分类 (GB/T 4754-2017) code.
    Industry,
    /// 征地面积, m²; the parcel's own area when the file says nothing.
    LandTaken,
    /// 挖填方量, m³.
    CutFill,
    /// 总建筑面积, m².
    FloorArea,
    /// 建设性质: 新建 / 改建 / 扩建.
    Construction,
    /// 项目类别: 工业 / 仓储 / ….
    Category,
    /// 涉及五项主要重金属 (铬、镉、铅、汞、类金属砷).
    HeavyMetals,
    /// 环评文件类别: 报告书 / 报告表 / 登记表.
    EiaClass,
    /// 未批先建: built before its EIA was approved.
    BuiltBeforeApproval,
    /// 小型低风险社会投资项目.
    SmallLowRisk,
}

/// How an attribute's values are written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Code,
    Number { unit: &'static str },
    Word { allowed: &'static [&'static str] },
    Flag,
}

impl Attribute {
    pub const ALL: [Attribute; 10] = [
        Attribute::Industry,
        Attribute::LandTaken,
        Attribute::CutFill,
        Attribute::FloorArea,
        Attribute::Construction,
        Attribute::Category,
        Attribute::HeavyMetals,
        Attribute::EiaClass,
        Attribute::BuiltBeforeApproval,
        Attribute::SmallLowRisk,
    ];

    /// The word in catalogs (`<key>_field`, and procedure conditions).
    pub fn key(self) -> &'static str {
        match self {
            Attribute::Industry => "industry",
            Attribute::LandTaken => "land_taken_m2",
            Attribute::CutFill => "cut_fill_m3",
            Attribute::FloorArea => "floor_area_m2",
            Attribute::Construction => "construction",
            Attribute::Category => "category",
            Attribute::HeavyMetals => "heavy_metals",
            Attribute::EiaClass => "eia_class",
            Attribute::BuiltBeforeApproval => "built_before_approval",
            Attribute::SmallLowRisk => "small_low_risk",
        }
    }

    pub fn from_key(key: &str) -> Option<Attribute> {
        Attribute::ALL.into_iter().find(|a| a.key() == key)
    }

    /// The catalog's `[project]` key naming its field: `industry_field`,
    /// `land_taken_field` (the unit stays in conditions, not field names).
    pub fn field_key(self) -> String {
        let key = self.key();
        let bare = key.strip_suffix("_m2").or_else(|| key.strip_suffix("_m3"));
        format!("{}_field", bare.unwrap_or(key))
    }

    /// What an officer calls it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Attribute::Industry => "行业代码",
            Attribute::LandTaken => "征地面积",
            Attribute::CutFill => "挖填方量",
            Attribute::FloorArea => "总建筑面积",
            Attribute::Construction => "建设性质",
            Attribute::Category => "项目类别",
            Attribute::HeavyMetals => "涉及五项主要重金属",
            Attribute::EiaClass => "环评文件类别",
            Attribute::BuiltBeforeApproval => "未批先建",
            Attribute::SmallLowRisk => "小型低风险社会投资项目",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Attribute::Industry => "industry code",
            Attribute::LandTaken => "land taken",
            Attribute::CutFill => "cut and fill",
            Attribute::FloorArea => "total floor area",
            Attribute::Construction => "construction",
            Attribute::Category => "project category",
            Attribute::HeavyMetals => "five heavy metals",
            Attribute::EiaClass => "EIA document",
            Attribute::BuiltBeforeApproval => "built before approval",
            Attribute::SmallLowRisk => "small low-risk social investment",
        }
    }

    /// The field read when the catalog maps none.
    pub fn default_field(self) -> &'static str {
        match self {
            Attribute::HeavyMetals => "涉重金属",
            Attribute::EiaClass => "环评类别",
            Attribute::SmallLowRisk => "小型低风险",
            other => other.label_zh(),
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            Attribute::Industry => Kind::Code,
            Attribute::LandTaken | Attribute::FloorArea => Kind::Number { unit: "m²" },
            Attribute::CutFill => Kind::Number { unit: "m³" },
            Attribute::Construction => Kind::Word {
                allowed: &["新建", "改建", "扩建"],
            },
            Attribute::EiaClass => Kind::Word {
                allowed: &["报告书", "报告表", "登记表"],
            },
            Attribute::Category => Kind::Word { allowed: &[] },
            Attribute::HeavyMetals | Attribute::BuiltBeforeApproval | Attribute::SmallLowRisk => {
                Kind::Flag
            }
        }
    }

    /// Reads a field's text as this attribute's value; `Err` says why not.
    pub fn read(self, text: &str) -> Result<Value, String> {
        let text = text.trim();
        match self.kind() {
            Kind::Code => IndustryCode::parse(text).map(Value::Code),
            Kind::Number { unit } => text
                .trim_end_matches(unit)
                .replace([',', '，', ' '], "")
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(Value::Number)
                .ok_or_else(|| format!("不是 {unit} 数值 not a number of {unit}")),
            Kind::Word { allowed } if !allowed.is_empty() && !allowed.contains(&text) => Err(
                format!("应为 {} 之一 should be one of these", allowed.join("/")),
            ),
            Kind::Word { .. } => Ok(Value::Word(text.to_string())),
            Kind::Flag => match text {
                "是" | "Y" | "y" | "1" | "true" | "TRUE" | "True" => Ok(Value::Flag(true)),
                "否" | "N" | "n" | "0" | "false" | "FALSE" | "False" => Ok(Value::Flag(false)),
                _ => Err("应为 是 或 否 should be 是 (yes) or 否 (no)".to_string()),
            },
        }
    }
}

/// A GB/T 4754-2017 industry code, written with its section letter: `C`,
/// `C39`, `C398`, `C3985`. Written without the letter (`3985`), the letter
/// follows from the division.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndustryCode(String);

/// How a clause's industry relates to a project's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concern {
    /// The project's class lies within the clause's (`C39` concerns `C3985`).
    Yes,
    /// The project is known only more coarsely than the clause (`C39`
    /// against a clause on `C3985`): it may or may not be concerned.
    Maybe,
    No,
}

impl IndustryCode {
    pub fn parse(text: &str) -> Result<IndustryCode, String> {
        let text = text.trim().to_ascii_uppercase();
        let bad = || {
            format!("{text:?} 不是国民经济行业分类代码（如 C3985、C39、C）not a GB/T 4754-2017 code, e.g. C3985")
        };
        let (letter, digits) = match text.chars().next() {
            Some(c) if c.is_ascii_uppercase() => (Some(c), &text[1..]),
            Some(_) => (None, text.as_str()),
            None => return Err(bad()),
        };
        if !(digits.is_empty() || (2..=4).contains(&digits.len()))
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let section = match (letter, digits.get(..2)) {
            (Some(letter), None) if ('A'..='T').contains(&letter) => letter,
            (letter, Some(division)) => {
                let implied = section_of(division.parse().map_err(|_| bad())?).ok_or_else(bad)?;
                if letter.is_some_and(|l| l != implied) {
                    return Err(format!(
                        "{text:?}：门类应为 {implied} section should be {implied} for division {division}"
                    ));
                }
                implied
            }
            (_, None) => return Err(bad()),
        };
        Ok(IndustryCode(format!("{section}{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a clause on `self` concerns a project of `project`.
    pub fn concerns(&self, project: &IndustryCode) -> Concern {
        if project.0.starts_with(&self.0) {
            Concern::Yes
        } else if self.0.starts_with(&project.0) {
            Concern::Maybe
        } else {
            Concern::No
        }
    }
}

impl fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The section (门类) of a division (大类), per GB/T 4754-2017.
fn section_of(division: u8) -> Option<char> {
    const SECTIONS: [(u8, u8, char); 20] = [
        (1, 5, 'A'),
        (6, 12, 'B'),
        (13, 43, 'C'),
        (44, 46, 'D'),
        (47, 50, 'E'),
        (51, 52, 'F'),
        (53, 60, 'G'),
        (61, 62, 'H'),
        (63, 65, 'I'),
        (66, 69, 'J'),
        (70, 70, 'K'),
        (71, 72, 'L'),
        (73, 75, 'M'),
        (76, 79, 'N'),
        (80, 82, 'O'),
        (83, 83, 'P'),
        (84, 85, 'Q'),
        (86, 90, 'R'),
        (91, 96, 'S'),
        (97, 97, 'T'),
    ];
    SECTIONS
        .iter()
        .find(|(from, to, _)| (*from..=*to).contains(&division))
        .map(|(_, _, s)| *s)
}

/// A known value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Code(IndustryCode),
    Number(f64),
    Word(String),
    Flag(bool),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Code(code) => code.fmt(f),
            Value::Number(n) => write!(f, "{n:.2}"),
            Value::Word(w) => f.write_str(w),
            Value::Flag(true) => f.write_str("是"),
            Value::Flag(false) => f.write_str("否"),
        }
    }
}

/// Which field of a parcel file holds each attribute (`[project]` in the
/// catalog: `industry_field = "HYDM"`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectFields {
    fields: Vec<(Attribute, String)>,
}

impl Default for ProjectFields {
    fn default() -> Self {
        ProjectFields {
            fields: Attribute::ALL
                .into_iter()
                .map(|a| (a, a.default_field().to_string()))
                .collect(),
        }
    }
}

impl ProjectFields {
    /// The defaults with `mapped` (attribute, field) pairs in their place.
    pub fn with(mapped: impl IntoIterator<Item = (Attribute, String)>) -> ProjectFields {
        let mut fields = ProjectFields::default();
        for (attribute, field) in mapped {
            if let Some(slot) = fields.fields.iter_mut().find(|(a, _)| *a == attribute) {
                slot.1 = field;
            }
        }
        fields
    }

    pub fn field(&self, attribute: Attribute) -> &str {
        self.fields
            .iter()
            .find(|(a, _)| *a == attribute)
            .map_or(attribute.default_field(), |(_, f)| f.as_str())
    }
}

/// Where a known value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Field,
    /// 征地面积 defaults to the parcel's own area.
    ParcelArea,
}

/// A parcel's project: each attribute known (with where from) or unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    values: Vec<(Attribute, Value, Source)>,
    /// Fields present but unreadable: the field, its text and why.
    pub unreadable: Vec<String>,
}

impl Project {
    /// The project of `parcel`, of area `area_m2`, its fields named by `fields`.
    pub fn of(parcel: &Feature, fields: &ProjectFields, area_m2: f64) -> Project {
        let mut values = Vec::new();
        let mut unreadable = Vec::new();
        for attribute in Attribute::ALL {
            let field = fields.field(attribute);
            let text = parcel
                .attributes
                .iter()
                .find(|(name, _)| name == field)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty());
            match text.map(|t| attribute.read(t)) {
                Some(Ok(value)) => values.push((attribute, value, Source::Field)),
                Some(Err(why)) => unreadable.push(format!(
                    "{}（字段 {field}）“{}” 无法读取，按未知处理：{why}；请更正该字段 the {} field {field} cannot be read and is taken as unknown: correct the field",
                    attribute.label_zh(),
                    text.unwrap_or_default(),
                    attribute.label_en(),
                )),
                None if attribute == Attribute::LandTaken => {
                    values.push((attribute, Value::Number(area_m2), Source::ParcelArea))
                }
                None => {}
            }
        }
        Project { values, unreadable }
    }

    pub fn value(&self, attribute: Attribute) -> Option<&Value> {
        self.values
            .iter()
            .find(|(a, _, _)| *a == attribute)
            .map(|(_, v, _)| v)
    }

    pub fn source(&self, attribute: Attribute) -> Option<Source> {
        self.values
            .iter()
            .find(|(a, _, _)| *a == attribute)
            .map(|(_, _, s)| *s)
    }

    pub fn industry(&self) -> Option<&IndustryCode> {
        match self.value(Attribute::Industry) {
            Some(Value::Code(code)) => Some(code),
            _ => None,
        }
    }

    pub fn flag(&self, attribute: Attribute) -> Option<bool> {
        match self.value(attribute) {
            Some(Value::Flag(flag)) => Some(*flag),
            _ => None,
        }
    }

    /// `label：value` for every attribute, unknown ones said to be unknown.
    pub fn describe(&self) -> Vec<(Attribute, String)> {
        Attribute::ALL
            .into_iter()
            .map(|a| {
                let text = match (self.value(a), self.source(a), a.kind()) {
                    (Some(v), Some(Source::ParcelArea), _) => {
                        format!("{v} m²（按地块面积 the parcel's area）")
                    }
                    (Some(v), _, Kind::Number { unit }) => format!("{v} {unit}"),
                    (Some(v), _, _) => v.to_string(),
                    (None, _, _) => "未知 unknown".to_string(),
                };
                (a, text)
            })
            .collect()
    }
}

/// A parcel with these fields, and its project, for the tests of the
/// modules that read projects.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Project, ProjectFields};
    use crate::geometry::Shape;
    use crate::io::Feature;

    pub fn parcel(attributes: &[(&str, &str)]) -> Feature {
        Feature {
            index: 0,
            id: "P1".into(),
            name: String::new(),
            attributes: attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            shape: Shape::Area(geo::MultiPolygon::new(Vec::new())),
            notes: Vec::new(),
        }
    }

    /// The project of such a parcel of `area_m2`, fields as by default.
    pub fn project(attributes: &[(&str, &str)], area_m2: f64) -> Project {
        Project::of(&parcel(attributes), &ProjectFields::default(), area_m2)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::parcel;
    use super::*;

    #[test]
    fn industry_codes_are_read_with_their_section_and_matched_by_hierarchy() {
        let code = |t: &str| IndustryCode::parse(t).unwrap();
        assert_eq!(code("c3985").as_str(), "C3985");
        assert_eq!(code("3985").as_str(), "C3985");
        assert_eq!(code("2614").as_str(), "C2614");
        assert_eq!(code("0111").as_str(), "A0111");
        assert_eq!(code("C").as_str(), "C");
        assert!(IndustryCode::parse("A3985").unwrap_err().contains("C"));
        assert!(IndustryCode::parse("C39851").is_err());
        assert!(IndustryCode::parse("电子").is_err());
        assert!(IndustryCode::parse("99").is_err());
        assert_eq!(code("C39").concerns(&code("C3985")), Concern::Yes);
        assert_eq!(code("C").concerns(&code("C3985")), Concern::Yes);
        assert_eq!(code("C3985").concerns(&code("C3985")), Concern::Yes);
        assert_eq!(code("C3985").concerns(&code("C39")), Concern::Maybe);
        assert_eq!(code("C26").concerns(&code("C3985")), Concern::No);
    }

    #[test]
    fn a_project_reads_its_fields_and_says_what_is_unknown() {
        let fields = ProjectFields::with([(Attribute::Industry, "HYDM".to_string())]);
        let p = Project::of(
            &parcel(&[
                ("HYDM", "3985"),
                ("挖填方量", "1,200"),
                ("环评类别", "报告表"),
                ("涉重金属", "否"),
                ("总建筑面积", "约8000"),
            ]),
            &fields,
            4_000.0,
        );
        assert_eq!(p.industry().unwrap().as_str(), "C3985");
        assert_eq!(p.value(Attribute::CutFill), Some(&Value::Number(1_200.0)));
        assert_eq!(p.value(Attribute::LandTaken), Some(&Value::Number(4_000.0)));
        assert_eq!(p.source(Attribute::LandTaken), Some(Source::ParcelArea));
        assert_eq!(p.flag(Attribute::HeavyMetals), Some(false));
        assert_eq!(p.value(Attribute::FloorArea), None);
        assert_eq!(p.value(Attribute::Construction), None);
        assert_eq!(p.unreadable.len(), 1);
        assert!(p.unreadable[0].contains("总建筑面积") && p.unreadable[0].contains("约8000"));
        let described = p.describe();
        assert!(described
            .iter()
            .any(|(a, t)| *a == Attribute::Construction && t == "未知 unknown"));
    }
}
