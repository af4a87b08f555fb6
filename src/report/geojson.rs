//! GeoJSON of the findings: the overlap polygons and the shortest lines to
//! the water, to open in QGIS beside the plan's layers and check by eye.
//!
//! One feature per finding, in the findings CSV's order, so the two files
//! can be matched row for row. RFC 7946 (WGS84 lon/lat) by default; the
//! working CRS with the legacy `crs` member on request, for tools that keep
//! the plan's projected coordinates.

use geo::{Geometry, GeometryCollection};
use geojson::JsonObject;
use serde_json::Value;

use crate::crs::{Crs, Transformer, WGS84};
use crate::finding_shape::{overlap_shape, setback_line};
use crate::geometry::Shape;
use crate::index::ZoneIndex;
use crate::io::geojson::{to_text, OutFeature};
use crate::plan::LoadedPlan;
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
    let mut features = Vec::new();
    for (parcel, result) in screening.screened() {
        let Shape::Area(parcel_shape) = &parcel.shape else {
            continue;
        };
        for finding in &result.findings {
            let spec = &plan.catalog.layers[finding.zone.layer];
            let zone = &plan.layers[finding.zone.layer].features[finding.zone.feature];
            let mut geometry = match finding.distance_m {
                Some(_) => {
                    setback_line(plan, index, parcel_shape, finding.zone).map(Geometry::Line)
                }
                None => Some(overlap_shape(index, parcel_shape, finding.zone))
                    .filter(|mp| !mp.0.is_empty())
                    .map(Geometry::MultiPolygon),
            }
            .unwrap_or_else(|| Geometry::GeometryCollection(GeometryCollection::default()));
            to_output
                .transform_geometry(&mut geometry)
                .map_err(|e| format!("parcel {} × {} {}: {e}", parcel.id, spec.id, zone.id))?;
            let mut properties = JsonObject::new();
            properties.insert("parcel_id".into(), parcel.id.clone().into());
            properties.insert("parcel_name".into(), parcel.name.clone().into());
            properties.insert("layer_id".into(), spec.id.clone().into());
            properties.insert("layer_name".into(), spec.name.clone().into());
            properties.insert("rule".into(), spec.rule.keyword().into());
            properties.insert("feature_id".into(), zone.id.clone().into());
            properties.insert("feature_name".into(), zone.name.clone().into());
            properties.insert("verdict".into(), finding.verdict.keyword().into());
            properties.insert("overlap_m2".into(), rounded(finding.overlap_m2));
            properties.insert("distance_m".into(), rounded(finding.distance_m));
            features.push(OutFeature {
                id: None,
                properties,
                geometry,
            });
        }
    }
    let legacy_crs = (crs == GeoJsonCrs::Working).then_some(working);
    Ok(to_text(&features, legacy_crs))
}

/// A measure as a JSON number with the two decimals every report states.
fn rounded(value: Option<f64>) -> Value {
    value.map_or(Value::Null, |v| {
        let r = (v * 100.0).round() / 100.0;
        // -0.0 would read as a negative measure.
        Value::from(if r == 0.0 { 0.0 } else { r })
    })
}
