//! The engine's answers on hand-computed cases.

mod common;

use common::*;
use geo::{Area, BooleanOps, LineString, Polygon};
use redline::catalog::Catalog;
use redline::crs::{Crs, Transformer};
use redline::index::{subdivide, ZoneIndex};
use redline::plan::LoadedPlan;
use redline::report::csv::{findings_csv, layers_csv, summary_csv, CsvKind, CsvReport};
use redline::screen::{FindingVerdict, ParcelResult, Screening, Verdict};
use serde_json::json;
use std::path::{Path, PathBuf};

fn results(screening: &Screening) -> Vec<(String, ParcelResult)> {
    screening
        .screened()
        .map(|(p, r)| (p.id.clone(), r.clone()))
        .collect()
}

fn result_for(screening: &Screening, id: &str) -> ParcelResult {
    results(screening)
        .into_iter()
        .find(|(i, _)| i == id)
        .map(|(_, r)| r)
        .unwrap_or_else(|| panic!("no parcel {id}"))
}

fn river_world() -> World {
    World::new(
        vec![feature(
            json!({"编号": "HX-1", "名称": "缙云山红线"}),
            polygon(&[rect(X0, Y0, 500.0, 1000.0)]),
        )],
        vec![feature(
            json!({"编号": "ZR-1"}),
            // A reserve with a 200 m hole in it.
            polygon(&[
                rect(X0 + 2000.0, Y0, 1000.0, 1000.0),
                rect(X0 + 2300.0, Y0 + 300.0, 200.0, 200.0),
            ]),
        )],
        vec![feature(
            json!({"编号": "梁滩河"}),
            line(&[[X0 + 5000.0, Y0 - 1000.0], [X0 + 5000.0, Y0 + 3000.0]]),
        )],
        0.0,
    )
}

#[test]
fn a_parcel_half_inside_the_red_line_is_a_conflict_of_5000_m2() {
    let world = river_world();
    let parcels = world.path("parcels.geojson");
    write_geojson(
        &parcels,
        Some(4544),
        vec![feature(
            json!({"id": "P1"}),
            polygon(&[rect(X0 + 450.0, Y0 + 100.0, 100.0, 100.0)]),
        )],
    );
    let (_, screening) = world.screen(&[parcels]);
    let r = result_for(&screening, "P1");
    assert_eq!(r.verdict, Verdict::Conflict);
    assert_eq!(r.findings.len(), 1);
    assert_eq!(
        format!("{:.2}", r.findings[0].overlap_m2.unwrap()),
        "5000.00"
    );
    assert_eq!(
        format!("{:.2}", r.overlap_pct(&r.findings[0]).unwrap()),
        "50.00"
    );
    assert_eq!(r.findings[0].verdict, FindingVerdict::Conflict);
}

#[test]
fn setback_distances_decide_conflict_review_or_nothing() {
    let world = river_world();
    let parcels = world.path("parcels.geojson");
    let at = |id: &str, gap: f64| {
        feature(
            json!({"id": id}),
            polygon(&[rect(X0 + 5000.0 - gap - 100.0, Y0, 100.0, 100.0)]),
        )
    };
    write_geojson(
        &parcels,
        Some(4544),
        vec![
            at("D20", 20.0),
            at("D40", 40.0),
            at("D60", 60.0),
            at("D0", -50.0),
        ],
    );
    let (_, screening) = world.screen(&[parcels]);
    let d20 = result_for(&screening, "D20");
    assert_eq!(
        (
            d20.verdict,
            format!("{:.2}", d20.findings[0].distance_m.unwrap())
        ),
        (Verdict::Conflict, "20.00".into())
    );
    let d40 = result_for(&screening, "D40");
    assert_eq!(
        (
            d40.verdict,
            format!("{:.2}", d40.findings[0].distance_m.unwrap())
        ),
        (Verdict::Review, "40.00".into())
    );
    let d60 = result_for(&screening, "D60");
    assert_eq!((d60.verdict, d60.findings.len()), (Verdict::Clear, 0));
    let across = result_for(&screening, "D0");
    assert_eq!(
        (across.verdict, across.findings[0].distance_m),
        (Verdict::Conflict, Some(0.0))
    );
}

#[test]
fn a_parcel_inside_a_hole_is_clear_and_one_on_the_rim_is_contact() {
    let world = river_world();
    let parcels = world.path("parcels.geojson");
    write_geojson(
        &parcels,
        Some(4544),
        vec![
            feature(
                json!({"id": "HOLE"}),
                polygon(&[rect(X0 + 2350.0, Y0 + 350.0, 100.0, 100.0)]),
            ),
            // Shares the hole's western edge: boundary contact only.
            feature(
                json!({"id": "RIM"}),
                polygon(&[rect(X0 + 2300.0, Y0 + 350.0, 50.0, 50.0)]),
            ),
            // Touches the red line along its eastern edge.
            feature(
                json!({"id": "EDGE"}),
                polygon(&[rect(X0 + 500.0, Y0 + 10.0, 40.0, 40.0)]),
            ),
        ],
    );
    let (_, screening) = world.screen(&[parcels]);
    let hole = result_for(&screening, "HOLE");
    assert_eq!((hole.verdict, hole.findings.len()), (Verdict::Clear, 0));
    for id in ["RIM", "EDGE"] {
        let r = result_for(&screening, id);
        assert_eq!(r.verdict, Verdict::Clear, "{id}");
        assert_eq!(r.findings.len(), 1, "{id}");
        assert_eq!(
            (r.findings[0].verdict, r.findings[0].overlap_m2),
            (FindingVerdict::Contact, Some(0.0)),
            "{id}"
        );
    }
}

#[test]
fn a_sliver_below_the_tolerance_is_contact_not_conflict() {
    let world = World::new(
        vec![feature(
            json!({"编号": "HX-1", "名称": "红线"}),
            polygon(&[rect(X0, Y0, 500.0, 1000.0)]),
        )],
        vec![],
        vec![],
        1.0,
    );
    let parcels = world.path("parcels.geojson");
    write_geojson(
        &parcels,
        Some(4544),
        vec![
            feature(
                json!({"id": "SLIVER"}),
                polygon(&[rect(X0 + 499.99, Y0 + 100.0, 100.0, 50.0)]),
            ),
            feature(
                json!({"id": "OVER"}),
                polygon(&[rect(X0 + 499.9, Y0 + 300.0, 100.0, 50.0)]),
            ),
        ],
    );
    let (_, screening) = world.screen(&[parcels]);
    let sliver = result_for(&screening, "SLIVER");
    assert_eq!(sliver.verdict, Verdict::Clear);
    assert_eq!(sliver.findings[0].verdict, FindingVerdict::Contact);
    assert!((sliver.findings[0].overlap_m2.unwrap() - 0.5).abs() < 1e-3);
    let over = result_for(&screening, "OVER");
    assert_eq!(over.verdict, Verdict::Conflict);
    assert!((over.findings[0].overlap_m2.unwrap() - 5.0).abs() < 1e-3);
}

/// A ring of test coordinates as a polygon.
fn to_polygon(ring: &[[f64; 2]]) -> Polygon {
    Polygon::new(
        LineString::from(ring.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>()),
        vec![],
    )
}

fn jagged_zone(n: usize) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            let r = 3000.0 + 150.0 * (7.0 * a).sin() + if i % 2 == 0 { 40.0 } else { -25.0 };
            [X0 + 10_000.0 + r * a.cos(), Y0 + 10_000.0 + r * a.sin()]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

#[test]
fn subdivision_does_not_change_the_overlap_area() {
    let ring = jagged_zone(4000);
    let world = World::new(
        vec![feature(
            json!({"编号": "BIG", "名称": "大图斑"}),
            polygon(std::slice::from_ref(&ring)),
        )],
        vec![],
        vec![],
        0.0,
    );
    // A 7 km × 2 km parcel across the zone: across dozens of pieces.
    let parcel_ring = rect(X0 + 6_500.0, Y0 + 9_000.0, 7_000.0, 2_000.0);
    let parcels = world.path("parcels.geojson");
    write_geojson(
        &parcels,
        Some(4544),
        vec![feature(
            json!({"id": "ACROSS"}),
            polygon(std::slice::from_ref(&parcel_ring)),
        )],
    );
    let (plan, screening) = world.screen(&[parcels]);

    let index = ZoneIndex::build(&plan.zone_layers());
    assert!(
        index.pieces.len() >= 16,
        "the zone was cut into {} pieces",
        index.pieces.len()
    );
    // The exact answer: the zone clipped to the rectangle in plain f64,
    // measured by the shoelace formula (the clip's bridges have no area).
    let window = geo::Rect::new((X0 + 6_500.0, Y0 + 9_000.0), (X0 + 13_500.0, Y0 + 11_000.0));
    let exact = redline::clip::clip_polygon(&to_polygon(&ring), &window)
        .unwrap()
        .signed_area()
        .abs();
    let r = result_for(&screening, "ACROSS");
    let pieces = r.findings[0].overlap_m2.unwrap();
    assert!(
        (pieces - exact).abs() < 1e-3,
        "pieces {pieces} exact {exact}"
    );
    // And the overlay engine on the whole polygon agrees to its own precision.
    let whole = to_polygon(&ring)
        .intersection(&to_polygon(&parcel_ring))
        .unsigned_area();
    assert!((whole - exact).abs() < 1.0, "whole {whole} exact {exact}");
    assert!(subdivide(&to_polygon(&ring)).len() > 1);
}

#[test]
fn the_same_parcel_in_lonlat_and_in_metres_gives_the_same_area() {
    let world = river_world();
    let metres = rect(X0 + 430.0, Y0 + 120.0, 137.0, 91.0);
    let to_lonlat = Transformer::new(
        &Crs::from_epsg(4544).unwrap(),
        &Crs::from_epsg(4326).unwrap(),
    );
    let lonlat: Vec<[f64; 2]> = metres
        .iter()
        .map(|p| {
            let c = to_lonlat
                .transform_coord(geo::coord! {x: p[0], y: p[1]})
                .unwrap();
            [c.x, c.y]
        })
        .collect();
    let a = world.path("a.geojson");
    let b = world.path("b.geojson");
    write_geojson(
        &a,
        Some(4544),
        vec![feature(json!({"id": "M"}), polygon(&[metres]))],
    );
    write_geojson(
        &b,
        None,
        vec![feature(json!({"id": "L"}), polygon(&[lonlat]))],
    );
    let (_, screening) = world.screen(&[a, b]);
    let m = result_for(&screening, "M");
    let l = result_for(&screening, "L");
    assert!((m.area_m2 - 137.0 * 91.0).abs() < 1e-6);
    assert!(
        (m.area_m2 - l.area_m2).abs() < 0.01,
        "{} vs {}",
        m.area_m2,
        l.area_m2
    );
    let (om, ol) = (
        m.findings[0].overlap_m2.unwrap(),
        l.findings[0].overlap_m2.unwrap(),
    );
    assert!(
        (om - 70.0 * 91.0).abs() < 1e-6 && (om - ol).abs() < 0.01,
        "{om} vs {ol}"
    );
}

#[test]
fn a_bow_tie_parcel_is_repaired_and_noted() {
    let world = river_world();
    let parcels = world.path("parcels.geojson");
    let bow_tie = bow_tie(X0 + 400.0, Y0, 200.0);
    write_geojson(
        &parcels,
        Some(4544),
        vec![feature(json!({"id": "BOW"}), polygon(&[bow_tie]))],
    );
    let (_, screening) = world.screen(&[parcels]);
    let (parcel, r) = screening.screened().next().unwrap();
    // Two triangles of 10 000 m² each (a bow-tie's signed area is 0);
    // the western one lies wholly in the red line.
    assert!((r.area_m2 - 20_000.0).abs() < 1e-6, "{}", r.area_m2);
    assert!(
        (r.findings[0].overlap_m2.unwrap() - 10_000.0).abs() < 1e-6,
        "{:?}",
        r.findings
    );
    assert!(
        parcel
            .notes
            .iter()
            .any(|n| n.contains("make-valid") && n.contains("self-intersection")),
        "{:?}",
        parcel.notes
    );
}

#[test]
fn a_bad_parcel_is_reported_in_place_and_the_rest_is_screened() {
    let world = river_world();
    let parcels = world.path("parcels.geojson");
    let mut features: Vec<_> = (0..5)
        .map(|i| {
            feature(
                json!({"id": format!("OK-{i}")}),
                polygon(&[rect(X0 + 8000.0 + 200.0 * i as f64, Y0, 100.0, 100.0)]),
            )
        })
        .collect();
    features.insert(
        2,
        feature(
            json!({"id": "FLAT"}),
            polygon(&[vec![[X0, Y0], [X0 + 5.0, Y0], [X0 + 9.0, Y0], [X0, Y0]]]),
        ),
    );
    write_geojson(&parcels, Some(4544), features);
    let (_, screening) = world.screen(&[parcels]);
    assert_eq!(screening.screened().count(), 5);
    let problems: Vec<_> = screening.unscreened().collect();
    assert_eq!(problems.len(), 1);
    let message = problems[0].to_string();
    assert!(
        message.contains("parcels.geojson: feature 3 (id FLAT): the polygon has zero area"),
        "{message}"
    );
    assert!(matches!(
        screening.outcomes[2],
        redline::screen::ParcelOutcome::Unscreened(_)
    ));
}

/// The findings and summary CSVs of `files` screened batch by batch, as
/// `redline screen` writes them.
fn csvs_in_batches(catalog: &Path, files: &[PathBuf], batch_features: usize) -> (Vec<u8>, Vec<u8>) {
    let plan = LoadedPlan::load(Catalog::load(catalog).unwrap()).unwrap();
    let index = ZoneIndex::build(&plan.zone_layers());
    let mut findings = CsvReport::new(CsvKind::Findings, Vec::new()).unwrap();
    let mut summary = CsvReport::new(CsvKind::Summary, Vec::new()).unwrap();
    for outcome in &screen_sources(&plan, &index, files, batch_features).outcomes {
        findings.write(&plan, outcome).unwrap();
        summary.write(&plan, outcome).unwrap();
    }
    (findings.finish().unwrap(), summary.finish().unwrap())
}

fn csvs_whole(catalog: &Path, files: &[PathBuf]) -> (Vec<u8>, Vec<u8>) {
    let (plan, screening) = screen_with(catalog, files);
    (
        findings_csv(&plan, &screening).unwrap(),
        summary_csv(&plan, &screening).unwrap(),
    )
}

#[test]
fn parcels_screened_in_batches_give_the_csvs_of_the_files_read_whole() {
    let world = river_world();
    let messy = world.path("messy.geojson");
    write_geojson(
        &messy,
        Some(4544),
        vec![
            feature(
                json!({"编号": "A-1"}),
                polygon(&[rect(X0 + 450.0, Y0 + 100.0, 100.0, 100.0)]),
            ),
            feature(
                json!({"编号": "A-2"}),
                polygon(&[rect(X0 + 4900.0, Y0, 50.0, 50.0)]),
            ),
            feature(
                json!({"编号": "A-1"}),
                polygon(&[rect(X0 + 2100.0, Y0 + 100.0, 90.0, 90.0)]),
            ),
            json!({"type": "Feature", "properties": {"编号": "A-4"}, "geometry": null}),
            feature(json!({"编号": "A-5"}), line(&[[X0, Y0], [X0 + 10.0, Y0]])),
            // The only feature with an `id`, which is then the id field of them all.
            feature(
                json!({"id": "B-6", "编号": "x"}),
                polygon(&[rect(X0 + 7000.0, Y0, 80.0, 80.0)]),
            ),
            feature(
                json!({"编号": "A-7"}),
                polygon(&[bow_tie(X0 + 3000.0, Y0, 100.0)]),
            ),
            feature(
                json!({"id": "B-6", "编号": "A-8"}),
                polygon(&[rect(X0 + 2350.0, Y0 + 350.0, 60.0, 60.0)]),
            ),
        ],
    );
    // Bare NaN is not JSON: such a file is read whole, and comes out the same.
    let nan = world.path("nan.geojson");
    let text = std::fs::read_to_string(&messy).unwrap();
    let first_x = format!("{:?}", X0 + 450.0);
    std::fs::write(&nan, text.replacen(&first_x, "NaN", 1)).unwrap();
    let sample = |p: &str| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p);
    let cases = [
        (world.catalog(), vec![messy.clone(), nan.clone()]),
        (
            sample("layers/catalog.toml"),
            vec![
                sample("layers/parcels/parcels.geojson"),
                sample("layers/parcels/survey_parcels.shp"),
            ],
        ),
    ];
    for (catalog, files) in &cases {
        let whole = csvs_whole(catalog, files);
        let text = String::from_utf8_lossy(&whole.0);
        assert!(text.lines().count() > 6, "{text}");
        for batch_features in [1, 2, 3, 1000] {
            let batched = csvs_in_batches(catalog, files, batch_features);
            assert_eq!(
                String::from_utf8_lossy(&batched.0),
                text,
                "findings, batches of {batch_features}"
            );
            assert_eq!(batched.1, whole.1, "summary, batches of {batch_features}");
        }
    }
    let text = String::from_utf8_lossy(&csvs_whole(&world.catalog(), &[messy]).0).into_owned();
    for expected in ["B-6", "duplicate id", "geometry", "is a line", "conflict"] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
}

/// A star-shaped ring of `n` vertices around (cx, cy), radius about `r`,
/// its first vertex due north: jagged like a digitised district border.
fn star_ring(cx: f64, cy: f64, r: f64, n: usize) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = (0..n)
        .map(|i| {
            let a = std::f64::consts::FRAC_PI_2 + i as f64 / n as f64 * std::f64::consts::TAU;
            let k = r * (1.0 + 0.15 * (5.0 * a).sin() + 0.002 * ((i * 7919) % 13) as f64);
            [cx + k * a.cos(), cy + k * a.sin()]
        })
        .collect();
    ring.push(ring[0]);
    ring
}

#[test]
fn district_size_zones_are_indexed_by_vertices_and_district_size_parcels_measured_exactly() {
    // An 80 km district of 10 000 vertices as the zone.
    let (cx, cy) = (X0 + 60_000.0, Y0 + 60_000.0);
    let zone = star_ring(cx, cy, 40_000.0, 10_000);
    let world = World::new(
        vec![feature(
            json!({"编号": "DISTRICT", "名称": "某区"}),
            polygon(std::slice::from_ref(&zone)),
        )],
        vec![],
        vec![],
        0.0,
    );
    // A 60 km × 30 km rectangle across the district's edge, and a
    // neighbouring district of 8 000 vertices, whole and as its two halves
    // (cut along the north-south line through its centre, so the halves
    // share that edge exactly).
    let across = rect(cx + 10_000.0, cy - 15_000.0, 60_000.0, 30_000.0);
    let (px, py) = (cx + 30_000.0, cy + 5_000.0);
    let neighbour = star_ring(px, py, 30_000.0, 8_000);
    let south = 4_000; // the vertex due south
    let mut west: Vec<[f64; 2]> = neighbour[..=south].to_vec();
    west.push(neighbour[0]);
    let mut east: Vec<[f64; 2]> = neighbour[south..].to_vec();
    east.push(neighbour[south]);
    let parcels = world.path("parcels.geojson");
    write_geojson(
        &parcels,
        Some(4544),
        vec![
            feature(
                json!({"id": "ACROSS"}),
                polygon(std::slice::from_ref(&across)),
            ),
            feature(json!({"id": "WHOLE"}), polygon(&[neighbour])),
            feature(json!({"id": "WEST"}), polygon(&[west])),
            feature(json!({"id": "EAST"}), polygon(&[east])),
        ],
    );
    let (plan, screening) = world.screen(&[parcels]);
    assert_eq!(screening.unscreened().count(), 0);

    // The index grows with the zone's vertices: before, pieces were cut to
    // 256 m and this district made tens of thousands of them.
    let index = ZoneIndex::build(&plan.zone_layers());
    assert!(
        index.pieces.len() <= 2 * 10_000 / redline::index::MAX_PIECE_VERTICES + 16,
        "{} pieces for 10 000 vertices",
        index.pieces.len()
    );
    let stats = index.stats();
    assert!(stats.piece_vertices < 12_000, "{stats:?}");
    assert!(stats.heap_bytes < 40 * 10_000, "{stats:?}");

    let window = geo::Rect::new((across[0][0], across[0][1]), (across[2][0], across[2][1]));
    let exact = redline::clip::clip_polygon(&to_polygon(&zone), &window)
        .unwrap()
        .signed_area()
        .abs();
    let overlap = |id: &str| result_for(&screening, id).findings[0].overlap_m2.unwrap();
    assert!(
        (overlap("ACROSS") - exact).abs() < 0.01,
        "{} m², exact {exact} m²",
        overlap("ACROSS")
    );
    // Additive to 0.01 m²: the two halves measured apart make the whole.
    let (whole, west, east) = (overlap("WHOLE"), overlap("WEST"), overlap("EAST"));
    assert!(west > 1e8 && east > 1e8, "west {west} east {east}");
    assert!(
        (west + east - whole).abs() < 0.01,
        "west {west} + east {east} = {} against whole {whole}",
        west + east
    );
}

#[test]
fn every_layer_is_accounted_for_concerned_not_concerned_or_without_data() {
    // The red line and the rivers hold features; the reserves layer is empty.
    let world = World::new(
        vec![feature(
            json!({"编号": "HX-1", "名称": "红线"}),
            polygon(&[rect(X0, Y0, 500.0, 500.0)]),
        )],
        vec![],
        vec![feature(
            json!({"编号": "HD-1"}),
            line(&[[X0 + 2000.0, Y0 - 1000.0], [X0 + 2000.0, Y0 + 1000.0]]),
        )],
        0.0,
    );
    let parcels = world.path("parcels.geojson");
    write_geojson(
        &parcels,
        Some(4544),
        vec![
            feature(
                json!({"id": "IN-RED"}),
                polygon(&[rect(X0 + 100.0, Y0 + 100.0, 100.0, 100.0)]),
            ),
            feature(
                json!({"id": "BY-RIVER"}),
                polygon(&[rect(X0 + 2010.0, Y0, 100.0, 100.0)]),
            ),
        ],
    );
    let (plan, screening) = world.screen(&[parcels]);
    let text = String::from_utf8(layers_csv(&plan, &screening).unwrap()).unwrap();
    let rows: Vec<Vec<&str>> = text
        .trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    // A row per parcel × layer: 2 × 3.
    assert_eq!(rows.len(), 6, "{text}");
    let status = |parcel: &str, layer: &str| {
        rows.iter()
            .find(|r| r[0] == parcel && r[2] == layer)
            .map(|r| (r[5], r[6], r[7], r[8], r[9]))
            .unwrap()
    };
    assert_eq!(
        status("IN-RED", "eco_redline"),
        ("concerned", "conflict", "1", "10000.00", "")
    );
    assert_eq!(status("IN-RED", "reserves"), ("no_data", "", "0", "", ""));
    assert_eq!(
        status("IN-RED", "rivers"),
        ("not_concerned", "", "0", "", "")
    );
    assert_eq!(
        status("BY-RIVER", "eco_redline"),
        ("not_concerned", "", "0", "", "")
    );
    assert_eq!(
        status("BY-RIVER", "rivers"),
        ("concerned", "conflict", "1", "", "10.00")
    );
}
