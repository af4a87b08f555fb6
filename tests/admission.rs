//! Control units and their admission list, hand-built: which clauses bind a
//! parcel by the units it lies in, its industry (hierarchically), the
//! clauses' levels and the dates they come into force.

mod common;

use std::path::Path;

use common::{feature, polygon, rect, write_geojson, X0, Y0};
use redline::admission::ClauseStatus;
use redline::screen::{Screening, Verdict};
use serde_json::json;

const LIST: &str = "编号,适用单元,管控维度,行业,效力,层级,施行日期,条款
D1,ZH-A,资源开发效率,*,要求,区,2021-01-01,单元A的项目废水须接管。
M1,重点管控,污染物排放管控,C3985,禁止,市,2021-01-01,重点管控单元禁止新建电子专用材料项目。
N1,全部,空间布局约束,C39,限制,国家,2020-01-01,电子设备制造项目须论证。
F1,全部,环境风险防控,C39,禁止,区,2030-01-01,自2030年起禁止电子设备制造项目。
B1,优先保护,空间布局约束,*,禁止,市,,优先保护单元禁止开发建设。
";

/// Unit A (重点管控, ZH-A) west of x0 + 1000, unit B (优先保护, ZH-B) east of it.
fn world(dir: &Path) {
    write_geojson(
        &dir.join("units.geojson"),
        Some(4544),
        vec![
            feature(
                json!({"CODE": "ZH-A", "NAME": "单元A", "CLASS": "2"}),
                polygon(&[rect(X0, Y0, 1000.0, 1000.0)]),
            ),
            feature(
                json!({"CODE": "ZH-B", "NAME": "单元B", "CLASS": "优先保护"}),
                polygon(&[rect(X0 + 1000.0, Y0, 1000.0, 1000.0)]),
            ),
        ],
    );
    std::fs::write(dir.join("list.csv"), LIST).unwrap();
    std::fs::write(
        dir.join("catalog.toml"),
        r#"[plan]
name = "准入测试"
crs = "EPSG:4544"
sliver_m2 = 1.0

[[layer]]
id = "units"
name = "环境管控单元"
path = "units.geojson"
rule = "units"
id_field = "CODE"
name_field = "NAME"
class_field = "CLASS"
admission = "list.csv"

[project]
industry_field = "HYDM"
"#,
    )
    .unwrap();
    let parcel = |id: &str, industry: Option<&str>, x: f64, w: f64| {
        let mut props = json!({"地块编号": id});
        if let Some(code) = industry {
            props["HYDM"] = json!(code);
        }
        feature(props, polygon(&[rect(X0 + x, Y0 + 400.0, w, 100.0)]))
    };
    write_geojson(
        &dir.join("parcels.geojson"),
        Some(4544),
        vec![
            parcel("P1", Some("C3985"), 100.0, 100.0),
            // Across the two units; known only as far as its division.
            parcel("P2", Some("C39"), 900.0, 200.0),
            parcel("P3", None, 300.0, 100.0),
            // Beside unit A, touching it along x0: boundary contact only.
            parcel("P4", Some("C3985"), -100.0, 100.0),
        ],
    );
}

fn screen(dir: &Path, date: Option<time::Date>) -> (redline::plan::LoadedPlan, Screening) {
    let (mut plan, screening) =
        common::screen_with(&dir.join("catalog.toml"), &[dir.join("parcels.geojson")]);
    let Some(date) = date else {
        return (plan, screening);
    };
    plan.in_force_on = date;
    let index = redline::index::ZoneIndex::build(&plan.zone_layers());
    let screening =
        common::screen_sources(&plan, &index, &[dir.join("parcels.geojson")], usize::MAX);
    (plan, screening)
}

/// (unit, clause, status) of a parcel's clauses, in order.
fn clauses(
    plan: &redline::plan::LoadedPlan,
    s: &Screening,
    id: &str,
) -> (Verdict, Vec<(String, String, ClauseStatus)>) {
    let (_, result) = s.screened().find(|(p, _)| p.id == id).unwrap();
    let found = result
        .admission
        .iter()
        .map(|m| {
            (
                plan.layers[m.unit.layer].features[m.unit.feature]
                    .id
                    .clone(),
                plan.admission[m.unit.layer][m.clause].id.clone(),
                m.status,
            )
        })
        .collect();
    (result.verdict, found)
}

fn owned(v: &[(&str, &str, ClauseStatus)]) -> Vec<(String, String, ClauseStatus)> {
    v.iter()
        .map(|(u, c, s)| (u.to_string(), c.to_string(), *s))
        .collect()
}

#[test]
fn clauses_bind_by_unit_industry_level_and_date() {
    use ClauseStatus::*;
    let dir = tempfile::tempdir().unwrap();
    world(dir.path());
    let (plan, s) = screen(dir.path(), None);
    // Stacked levels, national first; F1 is not yet in force (2030).
    assert_eq!(
        clauses(&plan, &s, "P1"),
        (
            Verdict::Conflict,
            owned(&[
                ("ZH-A", "N1", Applies),
                ("ZH-A", "M1", Applies),
                ("ZH-A", "D1", Applies)
            ])
        )
    );
    // C39 is concerned by a clause on C39, may be by one on C3985; in the
    // 优先保护 unit B, by its class, every project is prohibited.
    assert_eq!(
        clauses(&plan, &s, "P2"),
        (
            Verdict::Conflict,
            owned(&[
                ("ZH-A", "N1", Applies),
                ("ZH-A", "M1", ToConfirm),
                ("ZH-A", "D1", Applies),
                ("ZH-B", "N1", Applies),
                ("ZH-B", "B1", Applies),
            ])
        )
    );
    // The industry unknown: to confirm, the verdict unchanged, the note says so.
    let (verdict, found) = clauses(&plan, &s, "P3");
    assert_eq!(verdict, Verdict::Clear);
    assert_eq!(
        found,
        owned(&[
            ("ZH-A", "N1", ToConfirm),
            ("ZH-A", "M1", ToConfirm),
            ("ZH-A", "D1", Applies)
        ])
    );
    let (_, p3) = s.screened().find(|(p, _)| p.id == "P3").unwrap();
    assert!(p3
        .admission_note
        .as_deref()
        .unwrap()
        .contains("2 条准入条款待确认"));
    // Boundary contact with a unit binds nothing.
    assert_eq!(clauses(&plan, &s, "P4"), (Verdict::Clear, Vec::new()));

    // Read as of 2030-06-01, F1 binds P1 too.
    let later = time::macros::date!(2030 - 06 - 01);
    let (plan, s) = screen(dir.path(), Some(later));
    let (_, found) = clauses(&plan, &s, "P1");
    assert!(
        found.contains(&("ZH-A".into(), "F1".into(), Applies)),
        "{found:?}"
    );
}

#[test]
fn a_wrong_admission_list_is_refused_naming_its_row() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path());
    std::fs::write(
        dir.path().join("list.csv"),
        LIST.replace("资源开发效率", "资源效率"),
    )
    .unwrap();
    let catalog = redline::catalog::Catalog::load(&dir.path().join("catalog.toml")).unwrap();
    let err = redline::plan::LoadedPlan::load(catalog)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("list.csv:2") && err.contains("资源开发效率"),
        "{err}"
    );
}

#[test]
fn a_clause_that_could_bind_no_one_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path());
    // A unit code mistyped in the list, and a unit whose class is unreadable.
    std::fs::write(
        dir.path().join("list.csv"),
        LIST.replace("D1,ZH-A,", "D1,ZH-AA,"),
    )
    .unwrap();
    let units = std::fs::read_to_string(dir.path().join("units.geojson"))
        .unwrap()
        .replace("\"优先保护\"", "\"生态\"");
    std::fs::write(dir.path().join("units.geojson"), units).unwrap();
    let (plan, s) = common::screen_with(
        &dir.path().join("catalog.toml"),
        &[dir.path().join("parcels.geojson")],
    );
    let problems: Vec<String> = plan.problems().map(ToString::to_string).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("list.csv") && p.contains("clause D1 names unit \"ZH-AA\"")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("ZH-B")
            && p.contains("CLASS")
            && p.contains("clauses by class do not reach it")),
        "{problems:?}"
    );
    // And they bind no one: P2's part in unit B meets no class clause.
    let (_, found) = clauses(&plan, &s, "P2");
    assert!(
        !found.iter().any(|(_, c, _)| c == "B1" || c == "D1"),
        "{found:?}"
    );
}
