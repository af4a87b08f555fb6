//! Screening where the parcels live (`redline screen --in-database`): when a
//! province's land-supply parcels sit in the bureau's PostGIS, the server
//! that holds them does the overlay instead of a workstation.
//!
//! The plan's zones — as redline read and repaired them — are uploaded to
//! temporary tables on the parcels' server, cut with `ST_Subdivide` and
//! indexed with GiST, so each parcel meets only the pieces near it (the
//! prior art the local index learnt from). The server measures every
//! parcel — the overlap with each area zone it meets (0 m² where it only
//! touches), the distance to each setback zone within reach — and streams
//! the measures back with the row. redline then applies the plan's rules
//! to them ([`crate::screen::classify`]) exactly as to its own measures, so
//! the sliver and setback thresholds, verdicts, notes, admission and every
//! report are the same code either way.

use std::collections::HashMap;
use std::path::Path;

use geo::Geometry;
use postgres::Client;

use crate::catalog::Rule;
use crate::crs::Crs;
use crate::error::Error;
use crate::geometry::Shape;
use crate::index::ZoneRef;
use crate::io::postgis::{read_with, ServerColumns};
use crate::io::RawFile;
use crate::plan::LoadedPlan;
use crate::screen::Measures;

/// The vertices `ST_Subdivide` leaves in a piece of zone at most.
const PIECE_VERTICES: i32 = 256;

/// Reads the parcels of a database source with what its server measured of
/// each against the plan, by the row's position (1-based, as
/// [`crate::io::RawFeature::index`]).
pub fn read_measured(
    plan: &LoadedPlan,
    path: &Path,
    fallback_crs: Option<&Crs>,
) -> Result<(RawFile, HashMap<usize, Measures>), Error> {
    let working_srid = i32::from(plan.catalog.working_crs.code());
    let reach_m = plan
        .catalog
        .layers
        .iter()
        .filter_map(|l| match l.rule {
            Rule::Setback { review_m, .. } => Some(review_m),
            _ => None,
        })
        .fold(0.0, f64::max);
    let pairs = |condition: &str, measure: &str| {
        format!(
            "SELECT coalesce(string_agg(layer || ':' || feature || ':' || m, ' '), '') FROM (
               SELECT layer, feature, {measure} AS m FROM redline_piece
               WHERE {condition} GROUP BY layer, feature) AS measured"
        )
    };
    let expressions = vec![
        pairs(
            "area AND geom && {parcel} AND ST_Intersects(geom, {parcel})",
            "sum(ST_Area(ST_Intersection({parcel}, geom)))",
        ),
        pairs(
            &format!("NOT area AND ST_DWithin(geom, {{parcel}}, {reach_m})"),
            "min(ST_Distance({parcel}, geom))",
        ),
    ];
    let mut setup = |client: &mut Client| upload_zones(plan, client, working_srid);
    let server = ServerColumns {
        setup: &mut setup,
        expressions,
        working_srid,
        fallback_srid: fallback_crs.map(|c| i32::from(c.code())),
    };
    let (raw, columns) = read_with(path, Some(server))?;
    let mut measured = HashMap::new();
    for (position, values) in columns.into_iter().enumerate() {
        let parse = |text: &Option<String>| -> Result<Vec<(ZoneRef, f64)>, Error> {
            text.as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .map(|triple| {
                    parse_triple(triple).ok_or_else(|| {
                        Error::format(
                            path,
                            format!("the server measured {triple:?}, which redline cannot read"),
                        )
                    })
                })
                .collect()
        };
        let measures = Measures {
            overlaps: parse(&values[0])?.into_iter().collect(),
            distances: parse(&values[1])?.into_iter().collect(),
        };
        measured.insert(position + 1, measures);
    }
    Ok((raw, measured))
}

/// `layer:feature:measure`.
fn parse_triple(triple: &str) -> Option<(ZoneRef, f64)> {
    let mut parts = triple.split(':');
    let layer = parts.next()?.parse().ok()?;
    let feature = parts.next()?.parse().ok()?;
    let measure = parts.next()?.parse().ok()?;
    Some((ZoneRef { layer, feature }, measure))
}

/// The plan's zones in temporary tables of the session: `redline_zone`
/// whole, `redline_piece` subdivided with a GiST index; `area` tells an
/// area zone (prohibit, restrict, units) from a setback one.
fn upload_zones(plan: &LoadedPlan, client: &mut Client, srid: i32) -> Result<(), String> {
    let sql = |e: postgres::Error| format!("cannot put the plan's zones on the server ({e})");
    client
        .batch_execute(
            "CREATE TEMP TABLE redline_zone (layer int, feature int, area boolean, geom geometry)",
        )
        .map_err(sql)?;
    let insert = client
        .prepare("INSERT INTO redline_zone VALUES ($1, $2, $3, ST_GeomFromWKB($4, $5))")
        .map_err(sql)?;
    for (layer, spec) in plan.catalog.layers.iter().enumerate() {
        let area = match spec.rule {
            Rule::Prohibit | Rule::Restrict | Rule::Units => true,
            Rule::Setback { .. } => false,
            Rule::Display => continue,
        };
        for (feature, zone) in plan.layers[layer].features.iter().enumerate() {
            let geometry: Geometry = match &zone.shape {
                Shape::Area(mp) => mp.clone().into(),
                Shape::Lines(ml) => ml.clone().into(),
            };
            let mut wkb = Vec::new();
            wkb::writer::write_geometry(&mut wkb, &geometry, &Default::default())
                .map_err(|e| e.to_string())?;
            let (layer, feature) = (layer as i32, feature as i32);
            client
                .execute(&insert, &[&layer, &feature, &area, &wkb, &srid])
                .map_err(sql)?;
        }
    }
    client
        .batch_execute(&format!(
            "CREATE TEMP TABLE redline_piece AS
               SELECT layer, feature, area, ST_Subdivide(geom, {PIECE_VERTICES}) AS geom FROM redline_zone;
             CREATE INDEX ON redline_piece USING gist (geom);
             ANALYZE redline_piece;"
        ))
        .map_err(sql)
}
