//! The sample plan in `layers/`: reproducible, true to the plan's numbers,
//! and every parcel gives the outcome it was built for.

mod common;

#[path = "../examples/sample_plan.rs"]
mod sample_plan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use geo::Area;
use redline::admission::ClauseStatus;
use redline::catalog::Rule;
use redline::geometry::{dissolve, Shape};
use redline::procedure::Outcome;
use redline::screen::Verdict;

fn layers() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("layers")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn regenerating_gives_byte_identical_files() {
    let fresh = tempfile::tempdir().unwrap();
    sample_plan::generate(fresh.path());
    let ours: Vec<PathBuf> = files_under(&layers())
        .iter()
        .map(|p| p.strip_prefix(layers()).unwrap().to_path_buf())
        .collect();
    let theirs: Vec<PathBuf> = files_under(fresh.path())
        .iter()
        .map(|p| p.strip_prefix(fresh.path()).unwrap().to_path_buf())
        .collect();
    assert_eq!(
        ours, theirs,
        "the generator writes exactly the files in layers/"
    );
    for relative in ours {
        assert!(
            std::fs::read(layers().join(&relative)).unwrap() == std::fs::read(fresh.path().join(&relative)).unwrap(),
            "layers/{} differs from what the generator writes: run `cargo run --example sample_plan`",
            relative.display()
        );
    }
}

#[test]
fn the_red_line_is_27_5_km2_and_reserves_cover_5_3_percent() {
    let (plan, _) = common::screen_with(&layers().join("catalog.toml"), &[]);
    // The ground a layer covers, as `plan check` measures it: features that
    // overlap count once.
    let layer_km2 = |id: &str| {
        let i = plan.catalog.layers.iter().position(|l| l.id == id).unwrap();
        dissolve(plan.layers[i].features.iter().map(|f| &f.shape)).unsigned_area() / 1e6
    };
    let red = layer_km2("eco_redline");
    assert!((red - 27.5).abs() / 27.5 < 0.001, "red line {red} km²");
    let boundary_km2: f64 = plan
        .boundary
        .as_ref()
        .unwrap()
        .features
        .iter()
        .map(|f| f.shape.area_m2())
        .sum::<f64>()
        / 1e6;
    assert!(
        (boundary_km2 - 313.0).abs() / 313.0 < 0.01,
        "boundary {boundary_km2} km²"
    );
    let share = layer_km2("nature_reserves") / boundary_km2 * 100.0;
    assert!(share >= 5.3, "reserves {share} %");
    // Natural-looking: hundreds of vertices, a hole, a multipolygon.
    let red_layer = &plan.layers[0];
    assert!(red_layer.features.iter().all(|f| matches!(&f.shape, Shape::Area(mp) if mp.0.iter().map(|p| p.exterior().0.len()).sum::<usize>() >= 250)));
    assert!(red_layer
        .features
        .iter()
        .any(|f| matches!(&f.shape, Shape::Area(mp) if mp.0.len() > 1)));
    let reserves = &plan.layers[plan
        .catalog
        .layers
        .iter()
        .position(|l| l.id == "nature_reserves")
        .unwrap()];
    assert!(reserves
        .features
        .iter()
        .any(|f| matches!(&f.shape, Shape::Area(mp) if !mp.0[0].interiors().is_empty())));
    // Chinese names from a GBK shapefile come out right.
    assert_eq!(red_layer.features[0].name, "缙云山生态保护红线");
    assert!(
        plan.problems().next().is_none(),
        "{:?}",
        plan.problems().collect::<Vec<_>>()
    );
    assert!(red_layer
        .features
        .iter()
        .all(|f| f.shape.area_m2() > 0.0 && f.notes.is_empty()));
}

/// What each sample parcel was built to show: verdict, then each finding as
/// (layer, verdict, overlap m² or distance m as printed).
/// (layer, finding verdict, overlap m² or distance m as printed, if checked).
type IntendedFinding = (&'static str, &'static str, Option<&'static str>);

fn intended() -> BTreeMap<&'static str, (Verdict, Vec<IntendedFinding>)> {
    use Verdict::*;
    BTreeMap::from([
        (
            "XY-2025-001",
            (
                Conflict,
                vec![
                    ("eco_redline", "conflict", Some("40000.00")),
                    ("barriers", "conflict", Some("40000.00")),
                ],
            ),
        ),
        (
            "XY-2025-002",
            (Review, vec![("nature_reserves", "review", None)]),
        ),
        (
            "XY-2025-003",
            (Conflict, vec![("rivers", "conflict", Some("20.00"))]),
        ),
        (
            "XY-2025-004",
            (Review, vec![("rivers", "review", Some("40.00"))]),
        ),
        ("XY-2025-005", (Clear, vec![])),
        ("XY-2025-006", (Clear, vec![])),
        (
            "XY-2025-007",
            (Clear, vec![("axis", "contact", Some("0.00"))]),
        ),
        (
            "XY-2025-008",
            (Clear, vec![("axis", "contact", Some("0.40"))]),
        ),
        (
            "XY-2025-009",
            (Review, vec![("wetlands", "review", Some("6400.00"))]),
        ),
        (
            "XY-2025-010",
            (
                Conflict,
                vec![("water_sources", "conflict", Some("6400.00"))],
            ),
        ),
        (
            "XY-2025-011",
            (
                Conflict,
                vec![
                    ("eco_redline", "conflict", None),
                    ("barriers", "conflict", Some("22500.00")),
                ],
            ),
        ),
        (
            "XY-2025-012",
            (Review, vec![("heart", "review", Some("10000.00"))]),
        ),
        (
            "XY-2025-013",
            (Review, vec![("wetlands", "review", Some("8100.00"))]),
        ),
        (
            "XY-2025-014",
            (
                Conflict,
                vec![("water_sources", "conflict", Some("10000.00"))],
            ),
        ),
        (
            "XY-2025-015",
            (Review, vec![("rivers", "review", Some("35.00"))]),
        ),
        (
            "XY-2025-016",
            (Conflict, vec![("rivers", "conflict", Some("0.00"))]),
        ),
        (
            "XY-2025-017",
            (Conflict, vec![("eco_redline", "conflict", None)]),
        ),
        ("XY-2025-018", (Clear, vec![])),
        ("XY-2025-019", (Clear, vec![])),
        ("XY-2025-020", (Clear, vec![])),
        ("XY-2025-021", (Clear, vec![])),
        ("XY-2025-022", (Clear, vec![])),
        ("XY-2025-023", (Clear, vec![])),
        ("XY-2025-024", (Clear, vec![])),
        (
            "XY-2025-025",
            (
                Conflict,
                vec![
                    ("nature_reserves", "review", Some("14400.00")),
                    ("rivers", "conflict", Some("0.00")),
                ],
            ),
        ),
        (
            "XY-2025-026",
            (Conflict, vec![("water_sources", "conflict", None)]),
        ),
        ("XY-2025-027", (Review, vec![("wetlands", "review", None)])),
        // Just beyond the plan boundary, clear of every zone: the plan
        // cannot call them clear.
        ("XY-2025-028", (Outside, vec![])),
        ("XY-2025-029", (Clear, vec![])),
        ("XY-2025-030", (Outside, vec![])),
        // Clear of every zone; the chemical plant not of the admission list.
        ("XY-2025-031", (Conflict, vec![])),
        ("XY-2025-032", (Clear, vec![])),
    ])
}

#[test]
fn every_sample_parcel_gives_its_intended_outcome() {
    let parcels = [
        layers().join("parcels/parcels.geojson"),
        layers().join("parcels/survey_parcels.shp"),
    ];
    let (plan, screening) = common::screen_with(&layers().join("catalog.toml"), &parcels);
    assert_eq!(screening.unscreened().count(), 0);
    let intended = intended();
    let mut seen = 0;
    for (parcel, result) in screening.screened() {
        let (verdict, findings) = intended
            .get(parcel.id.as_str())
            .unwrap_or_else(|| panic!("unexpected parcel {}", parcel.id));
        seen += 1;
        assert_eq!(result.verdict, *verdict, "{}", parcel.id);
        // The zones' findings; the control units are checked below.
        let got: Vec<(String, String, String)> = result
            .findings
            .iter()
            .filter(|f| plan.catalog.layers[f.zone.layer].rule != Rule::Units)
            .map(|f| {
                let measure = f
                    .overlap_m2
                    .or(f.distance_m)
                    .map(|v| format!("{v:.2}"))
                    .unwrap_or_default();
                (
                    plan.catalog.layers[f.zone.layer].id.clone(),
                    f.verdict.keyword().to_string(),
                    measure,
                )
            })
            .collect();
        assert_eq!(got.len(), findings.len(), "{}: {got:?}", parcel.id);
        for ((layer, verdict, measure), (want_layer, want_verdict, want_measure)) in
            got.iter().zip(findings)
        {
            assert_eq!(
                (layer.as_str(), verdict.as_str()),
                (*want_layer, *want_verdict),
                "{}: {got:?}",
                parcel.id
            );
            if let Some(m) = want_measure {
                assert_eq!(measure, m, "{}: {got:?}", parcel.id);
            }
        }
    }
    assert_eq!(seen, 32);
    // The bow-tie was repaired, and says so.
    let (bow_tie, _) = screening
        .screened()
        .find(|(p, _)| p.id == "XY-2025-009")
        .unwrap();
    assert!(bow_tie.notes.iter().any(|n| n.contains("make-valid")));
    // The multipart parcel kept both parts.
    let (multi, result) = screening
        .screened()
        .find(|(p, _)| p.id == "XY-2025-010")
        .unwrap();
    assert!(matches!(&multi.shape, Shape::Area(mp) if mp.0.len() == 2));
    assert!((result.area_m2 - 16_400.0).abs() < 1e-3);
}

#[test]
fn the_sample_projects_meet_their_admission_clauses_and_procedures() {
    let parcels = [layers().join("parcels/parcels.geojson")];
    let (plan, screening) = common::screen_with(&layers().join("catalog.toml"), &parcels);
    let result = |id: &str| {
        screening
            .screened()
            .find(|(p, _)| p.id == id)
            .unwrap_or_else(|| panic!("no parcel {id}"))
    };
    // (unit code's last digits, clause, applies or to confirm), in order.
    let clauses = |id: &str| -> Vec<(String, String, ClauseStatus)> {
        let (_, r) = result(id);
        r.admission
            .iter()
            .map(|m| {
                let unit = &plan.layers[m.unit.layer].features[m.unit.feature].id;
                let clause = &plan.admission[m.unit.layer][m.clause];
                (
                    unit[unit.len() - 5..].to_string(),
                    clause.id.clone(),
                    m.status,
                )
            })
            .collect()
    };
    let owned = |v: &[(&str, &str, ClauseStatus)]| -> Vec<(String, String, ClauseStatus)> {
        v.iter()
            .map(|(u, c, s)| (u.to_string(), c.to_string(), *s))
            .collect()
    };
    use ClauseStatus::*;
    // A national 禁止, a municipal 限制 and a district 要求, stacked, in
    // level order; QJ-04 (C2614, from 2027) not yet in force.
    assert_eq!(
        clauses("XY-2025-031"),
        owned(&[
            ("20001", "GJ-01", Applies),
            ("20001", "SJ-01", Applies),
            ("20001", "QJ-02", Applies)
        ])
    );
    assert_eq!(result("XY-2025-031").1.verdict, Verdict::Conflict);
    // The unit's own clause on C39 binds the chip plant (C3973), not the
    // data centre (I6450) in the same unit.
    assert_eq!(
        clauses("XY-2025-032"),
        owned(&[("20002", "QJ-02", Applies), ("20002", "QJ-03", Applies)])
    );
    assert_eq!(
        clauses("XY-2025-024"),
        owned(&[("20002", "QJ-02", Applies)])
    );
    // Heavy metals: the national 要求.
    assert!(clauses("XY-2025-022").contains(&("20002".into(), "GJ-02".into(), Applies)));
    // The industry unknown: every clause on an industry is to confirm, and
    // the note says what to ask; the verdict stays what is known.
    let (_, unknown_result) = result("XY-2025-021");
    assert!(clauses("XY-2025-021")
        .iter()
        .filter(|(_, c, _)| ["GJ-01", "SJ-01", "QJ-01", "QJ-03"].contains(&c.as_str()))
        .all(|(_, _, s)| *s == ToConfirm));
    assert_eq!(unknown_result.verdict, Verdict::Clear);
    let note = unknown_result.admission_note.as_deref().unwrap();
    assert!(
        note.contains("准入待确认") && note.contains("需补充行业代码"),
        "{note}"
    );
    // The red-line unit's 禁止 applies to any project.
    assert!(clauses("XY-2025-011").contains(&("10001".into(), "SJ-02".into(), Applies)));

    // Procedures: each outcome shows, with its reason.
    let procedure = |id: &str, which: &str| {
        let (_, r) = result(id);
        let position = plan
            .catalog
            .procedures
            .iter()
            .position(|p| p.id == which)
            .unwrap();
        let decided = r
            .procedures
            .iter()
            .find(|d| d.procedure == position)
            .unwrap();
        (decided.outcome, decided.reason.clone())
    };
    assert_eq!(
        procedure("XY-2025-024", "eia_commitment").0,
        Outcome::Applies
    );
    let (heavy, why) = procedure("XY-2025-022", "eia_commitment");
    assert_eq!(heavy, Outcome::DoesNotApply);
    assert!(why.contains("涉及五项主要重金属 = 否（是）"), "{why}");
    assert_eq!(
        procedure("XY-2025-031", "eia_commitment").0,
        Outcome::DoesNotApply
    );
    assert_eq!(
        procedure("XY-2025-019", "eia_commitment").0,
        Outcome::ToConfirm
    );
    // Exempt by the second route (a small low-risk warehouse), by the first
    // (征地 4 200 m² from its field, not the parcel's 19 600), not at all.
    assert_eq!(
        procedure("XY-2025-018", "soil_water_exempt").0,
        Outcome::Applies
    );
    let (small, why) = procedure("XY-2025-023", "soil_water_exempt");
    assert_eq!(small, Outcome::Applies, "{why}");
    assert!(why.contains("（4200.00）"), "{why}");
    assert_eq!(
        procedure("XY-2025-022", "soil_water_exempt").0,
        Outcome::DoesNotApply
    );
    let (unknown_outcome, why) = procedure("XY-2025-021", "soil_water_exempt");
    assert_eq!(unknown_outcome, Outcome::ToConfirm);
    assert!(why.contains("总建筑面积"), "{why}");
}
