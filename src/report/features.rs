//! The findings as map features — the overlap polygon or the line to the
//! water of each finding, with the properties that say what it is — for
//! the files a GIS opens beside the plan (GeoJSON, GeoPackage). One place
//! makes them, so the two files hold the same features in the same order,
//! the findings CSV's.

use geo::Geometry;

use crate::crs::Transformer;
use crate::finding_shape::{overlap_shape, setback_line};
use crate::geometry::Shape;
use crate::index::ZoneIndex;
use crate::plan::LoadedPlan;
use crate::report::rows::Cell;
use crate::screen::Screening;

/// The property names of a finding feature, in order.
pub const FINDING_PROPERTIES: [&str; 10] = [
    "parcel_id",
    "parcel_name",
    "layer_id",
    "layer_name",
    "rule",
    "feature_id",
    "feature_name",
    "verdict",
    "overlap_m2",
    "distance_m",
];

/// One finding as a feature: its shape in the output CRS (none for a
/// boundary contact, which has no area) and its properties, in the order of
/// [`FINDING_PROPERTIES`].
pub struct FindingFeature {
    pub geometry: Option<Geometry>,
    pub properties: [Cell; 10],
}

/// Every finding of the screening as a feature, its shape moved by
/// `to_output`.
pub fn finding_features(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    screening: &Screening,
    to_output: &Transformer,
) -> Result<Vec<FindingFeature>, String> {
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
            };
            if let Some(geometry) = &mut geometry {
                to_output
                    .transform_geometry(geometry)
                    .map_err(|e| format!("parcel {} × {} {}: {e}", parcel.id, spec.id, zone.id))?;
            }
            let measure = |value: Option<f64>| value.map_or(Cell::Empty, Cell::Measure);
            features.push(FindingFeature {
                geometry,
                properties: [
                    Cell::Text(parcel.id.clone()),
                    Cell::Text(parcel.name.clone()),
                    Cell::Text(spec.id.clone()),
                    Cell::Text(spec.name.clone()),
                    Cell::Text(spec.rule.keyword().to_string()),
                    Cell::Text(zone.id.clone()),
                    Cell::Text(zone.name.clone()),
                    Cell::finding_verdict(finding.verdict),
                    measure(finding.overlap_m2),
                    measure(finding.distance_m),
                ],
            });
        }
    }
    Ok(features)
}
