//! Approval procedures (the plan's 专栏2) as rules in the catalog: whether a
//! project may take the EIA notification-commitment route (环评告知承诺制),
//! is exempt from a soil and water conservation plan (水土保持方案), and so
//! on, decided from its attributes ([`crate::project`]).
//!
//! A procedure applies when any of its groups of conditions holds, a group
//! holding when all its conditions do. Conditions read `attribute op value`
//! (`land_taken_m2 < 5000`, `eia_class = 报告表`, `category in [工业, 仓储]`,
//! `heavy_metals = 否`). Logic is three-valued: a condition on an unknown
//! attribute is unknown, so a procedure whose answer turns on it is "to
//! confirm", with the attributes to ask for — never assumed either way.

use std::fmt;

use crate::project::{Attribute, Kind, Project, Value};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
    In,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Less => "<",
            Op::LessOrEqual => "≤",
            Op::Greater => ">",
            Op::GreaterOrEqual => "≥",
            Op::Equal => "=",
            Op::NotEqual => "≠",
            Op::In => "∈",
        }
    }
}

/// One condition on one attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub attribute: Attribute,
    op: Op,
    values: Vec<Value>,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let values: Vec<String> = self.values.iter().map(Value::to_string).collect();
        let unit = match self.attribute.kind() {
            Kind::Number { unit } => format!(" {unit}"),
            _ => String::new(),
        };
        let values = if self.op == Op::In {
            format!("{{{}}}", values.join("、"))
        } else {
            values.join("")
        };
        write!(
            f,
            "{} {} {values}{unit}",
            self.attribute.label_zh(),
            self.op.symbol()
        )
    }
}

impl Condition {
    /// Reads `attribute op value`; `Err` says what is wrong and how to write it.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let form = "write a condition as `attribute op value`, e.g. \"land_taken_m2 < 5000\", \"eia_class = 报告表\", \"category in [工业, 仓储]\"";
        let text = text.trim();
        let (key, rest) = text
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("{text:?}: {form}"))?;
        let attribute = Attribute::from_key(key).ok_or_else(|| {
            let keys: Vec<&str> = Attribute::ALL.iter().map(|a| a.key()).collect();
            format!(
                "{text:?}: unknown attribute {key:?}; use one of {}",
                keys.join(", ")
            )
        })?;
        let rest = rest.trim_start();
        let (op, value) = [
            ("<=", Op::LessOrEqual),
            (">=", Op::GreaterOrEqual),
            ("!=", Op::NotEqual),
            ("<", Op::Less),
            (">", Op::Greater),
            ("=", Op::Equal),
            ("in ", Op::In),
        ]
        .into_iter()
        .find_map(|(symbol, op)| rest.strip_prefix(symbol).map(|v| (op, v.trim())))
        .ok_or_else(|| format!("{text:?}: no operator (<, <=, >, >=, =, !=, in); {form}"))?;
        let numeric = matches!(attribute.kind(), Kind::Number { .. });
        let ordering = matches!(
            op,
            Op::Less | Op::LessOrEqual | Op::Greater | Op::GreaterOrEqual
        );
        if ordering && !numeric {
            return Err(format!(
                "{text:?}: {key} is not a number; compare it with =, != or in"
            ));
        }
        let texts: Vec<&str> = if op == Op::In {
            value
                .strip_prefix('[')
                .and_then(|v| v.strip_suffix(']'))
                .ok_or_else(|| format!("{text:?}: `in` takes a list, e.g. [工业, 仓储]"))?
                .split([',', '，', '、'])
                .map(str::trim)
                .collect()
        } else {
            vec![value]
        };
        let values = texts
            .into_iter()
            .map(|t| {
                attribute
                    .read(t)
                    .map_err(|e| format!("{text:?}: {t:?} {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Condition {
            attribute,
            op,
            values,
        })
    }

    /// `None` when the attribute is unknown.
    fn holds(&self, project: &Project) -> Option<bool> {
        let value = project.value(self.attribute)?;
        let number = |v: &Value| match v {
            Value::Number(n) => *n,
            _ => f64::NAN,
        };
        let first = &self.values[0];
        Some(match self.op {
            Op::Less => number(value) < number(first),
            Op::LessOrEqual => number(value) <= number(first),
            Op::Greater => number(value) > number(first),
            Op::GreaterOrEqual => number(value) >= number(first),
            Op::Equal => value == first,
            Op::NotEqual => value != first,
            Op::In => self.values.contains(value),
        })
    }
}

/// A procedure of the plan (`[[procedure]]` in the catalog).
#[derive(Debug, Clone, PartialEq)]
pub struct Procedure {
    pub id: String,
    pub name: String,
    /// The plan's words, quoted in reports.
    pub basis: String,
    /// Applies when any group holds; a group holds when all its conditions do.
    pub applies_when: Vec<Vec<Condition>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Applies,
    DoesNotApply,
    ToConfirm,
}

impl Outcome {
    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Applies => "适用",
            Outcome::DoesNotApply => "不适用",
            Outcome::ToConfirm => "待确认",
        }
    }

    pub fn keyword(self) -> &'static str {
        match self {
            Outcome::Applies => "applies",
            Outcome::DoesNotApply => "does_not_apply",
            Outcome::ToConfirm => "to_confirm",
        }
    }
}

/// A procedure decided for one project, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    /// Position in the catalog's procedures.
    pub procedure: usize,
    pub outcome: Outcome,
    /// Why, in the officer's words: the conditions that decided it, with
    /// the project's values; for "to confirm", what is unknown.
    pub reason: String,
}

impl Procedure {
    pub fn decide(&self, position: usize, project: &Project) -> Decided {
        let shown = |c: &Condition| match project.value(c.attribute) {
            Some(v) => format!("{c}（{v}）"),
            None => format!("{c}（未知）"),
        };
        let mut unknown: Vec<Attribute> = Vec::new();
        let mut failed: Vec<String> = Vec::new();
        for group in &self.applies_when {
            let each: Vec<Option<bool>> = group.iter().map(|c| c.holds(project)).collect();
            if each.iter().all(|h| *h == Some(true)) {
                let why: Vec<String> = group.iter().map(shown).collect();
                return Decided {
                    procedure: position,
                    outcome: Outcome::Applies,
                    reason: why.join("；"),
                };
            }
            match group.iter().zip(&each).find(|(_, h)| **h == Some(false)) {
                Some((c, _)) => failed.push(shown(c)),
                None => unknown.extend(
                    group
                        .iter()
                        .zip(&each)
                        .filter(|(_, h)| h.is_none())
                        .map(|(c, _)| c.attribute),
                ),
            }
        }
        if unknown.is_empty() {
            return Decided {
                procedure: position,
                outcome: Outcome::DoesNotApply,
                reason: format!("不满足：{}", failed.join("；")),
            };
        }
        unknown.sort();
        unknown.dedup();
        let names: Vec<&str> = unknown.iter().map(|a| a.label_zh()).collect();
        Decided {
            procedure: position,
            outcome: Outcome::ToConfirm,
            reason: format!("需补充：{}（未知 unknown）", names.join("、")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::testing::project;

    fn procedure(groups: &[&[&str]]) -> Procedure {
        Procedure {
            id: "p".into(),
            name: "p".into(),
            basis: String::new(),
            applies_when: groups
                .iter()
                .map(|g| g.iter().map(|c| Condition::parse(c).unwrap()).collect())
                .collect(),
        }
    }

    #[test]
    fn conditions_are_read_or_refused_with_the_form() {
        assert_eq!(
            Condition::parse("land_taken_m2 < 5000")
                .unwrap()
                .to_string(),
            "征地面积 < 5000.00 m²"
        );
        assert_eq!(
            Condition::parse("category in [工业, 仓储]")
                .unwrap()
                .to_string(),
            "项目类别 ∈ {工业、仓储}"
        );
        assert!(Condition::parse("eia_class = 报告表").is_ok());
        assert!(Condition::parse("eia_class = 报告")
            .unwrap_err()
            .contains("报告书/报告表/登记表"));
        assert!(Condition::parse("eia_class < 3")
            .unwrap_err()
            .contains("not a number"));
        assert!(Condition::parse("area < 3")
            .unwrap_err()
            .contains("land_taken_m2"));
        assert!(Condition::parse("land_taken_m2 5000")
            .unwrap_err()
            .contains("no operator"));
        assert!(Condition::parse("category in 工业")
            .unwrap_err()
            .contains("list"));
    }

    /// 水土保持方案 exemption: 征地 < 0.5 ha and 挖填方 < 1 000 m³, or an
    /// industrial/warehouse new-build of ≤ 10 000 m² that is small and low-risk.
    fn soil_and_water() -> Procedure {
        procedure(&[
            &["land_taken_m2 < 5000", "cut_fill_m3 < 1000"],
            &[
                "construction in [新建, 改建, 扩建]",
                "category in [工业, 仓储]",
                "floor_area_m2 <= 10000",
                "small_low_risk = 是",
            ],
        ])
    }

    #[test]
    fn the_soil_and_water_exemption_at_its_thresholds_on_both_sides() {
        let p = soil_and_water();
        let decide = |attrs: &[(&str, &str)], area| p.decide(0, &project(attrs, area));
        // A commercial project: only the first route can exempt it.
        let commercial =
            |cut_fill: &str, area| decide(&[("挖填方量", cut_fill), ("项目类别", "商业")], area);
        assert_eq!(commercial("999.99", 4_999.99).outcome, Outcome::Applies);
        let at = commercial("999.99", 5_000.0);
        assert_eq!(at.outcome, Outcome::DoesNotApply);
        assert!(
            at.reason.contains("征地面积 < 5000.00 m²（5000.00）"),
            "{}",
            at.reason
        );
        assert_eq!(commercial("1000", 100.0).outcome, Outcome::DoesNotApply);
        // Too much earth, and the second route unknown: to confirm.
        let other_route = decide(&[("挖填方量", "1000")], 100.0);
        assert_eq!(other_route.outcome, Outcome::ToConfirm);
        assert!(
            other_route.reason.contains("项目类别"),
            "{}",
            other_route.reason
        );
        // Land small but the volume unknown: to confirm, saying what to ask.
        let unknown = decide(&[], 100.0);
        assert_eq!(unknown.outcome, Outcome::ToConfirm);
        assert!(
            unknown.reason.contains("挖填方量") && unknown.reason.contains("建设性质"),
            "{}",
            unknown.reason
        );
        let industrial = |floor: &str| {
            decide(
                &[
                    ("挖填方量", "5000"),
                    ("建设性质", "新建"),
                    ("项目类别", "工业"),
                    ("总建筑面积", floor),
                    ("小型低风险", "是"),
                ],
                20_000.0,
            )
            .outcome
        };
        assert_eq!(industrial("10000"), Outcome::Applies);
        assert_eq!(industrial("10000.01"), Outcome::DoesNotApply);
    }

    #[test]
    fn the_notification_commitment_route_excludes_heavy_metals_and_unapproved_builds() {
        let p = procedure(&[&[
            "eia_class = 报告表",
            "heavy_metals = 否",
            "built_before_approval = 否",
        ]]);
        let decide = |attrs: &[(&str, &str)]| p.decide(0, &project(attrs, 1.0)).outcome;
        assert_eq!(
            decide(&[
                ("环评类别", "报告表"),
                ("涉重金属", "否"),
                ("未批先建", "否")
            ]),
            Outcome::Applies
        );
        assert_eq!(
            decide(&[
                ("环评类别", "报告表"),
                ("涉重金属", "是"),
                ("未批先建", "否")
            ]),
            Outcome::DoesNotApply
        );
        assert_eq!(
            decide(&[
                ("环评类别", "报告表"),
                ("涉重金属", "否"),
                ("未批先建", "是")
            ]),
            Outcome::DoesNotApply
        );
        assert_eq!(decide(&[("环评类别", "报告书")]), Outcome::DoesNotApply);
        assert_eq!(decide(&[("环评类别", "报告表")]), Outcome::ToConfirm);
    }
}
