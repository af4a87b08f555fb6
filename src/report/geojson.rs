//! GeoJSON of the findings: the overlap polygons and the shortest lines to
//! the water, to open in QGIS beside the plan's layers and check by eye.
//!
//! One feature per finding, in the findings CSV's order, so the two files
//! can be matched row for row. RFC 7946 (WGS84 lon/lat) by default; the
//! working CRS with the legacy `crs` member on request, for tools that keep
//! the plan's projected coordinates.

use geo::{Geometry, GeometryCollection};
use serde_json::Value;

use crate::crs::{Crs, Transformer, WGS84};
use crate::index::ZoneIndex;
use crate::io::geojson::{to_text, OutFeature};
use crate::plan::LoadedPlan;
use crate::report::features::{finding_features, FINDING_PROPERTIES};
use crate::report::rounded;
use crate::report::rows::Cell;
use crate::screen::Screening;

/// The coordinates a findings GeoJSON is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GeoJsonCrs {
    /// RFC 7946: WGS84 longitude/latitude, no `crs` member.
    #[default]
    Wgs84,
    /// The plan's working CRS, named in the legacy `crs` member.
    Working,
}

/// The findings as a GeoJSON FeatureCollection. A boundary contact with no
/// area has a null geometry (RFC 7946 §3.2), so every finding is present.
pub fn findings_geojson(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    screening: &Screening,
    crs: GeoJsonCrs,
) -> Result<String, String> {
    let working = &plan.catalog.working_crs;
    let wgs84 = Crs::from_epsg(WGS84)?;
    let to_output = match crs {
        GeoJsonCrs::Wgs84 => Transformer::new(working, &wgs84),
        GeoJsonCrs::Working => Transformer::new(working, working),
    };
    let features: Vec<OutFeature> = finding_features(plan, index, screening, &to_output)?
        .into_iter()
        .map(|feature| OutFeature {
            id: None,
            properties: FINDING_PROPERTIES
                .iter()
                .zip(&feature.properties)
                .map(|(key, cell)| (key.to_string(), json_value(cell)))
                .collect(),
            geometry: feature
                .geometry
                .unwrap_or_else(|| Geometry::GeometryCollection(GeometryCollection::default())),
        })
        .collect();
    let legacy_crs = (crs == GeoJsonCrs::Working).then_some(working);
    Ok(to_text(&features, legacy_crs))
}

/// A property as JSON: measures as numbers with the two decimals every
/// report states, verdicts as their keyword, a missing measure as null.
fn json_value(cell: &Cell) -> Value {
    match cell {
        Cell::Text(text) => text.clone().into(),
        Cell::Measure(value) => rounded(*value).into(),
        Cell::Count(n) => (*n).into(),
        Cell::Verdict { keyword, .. } => (*keyword).into(),
        Cell::Empty => Value::Null,
    }
}
