//! A catalog with its layers read: the protected zones in the working CRS.

pub mod check;
pub mod diff;

use crate::admission::{read_list, unreachable_clauses, Clause};
use crate::catalog::{Catalog, Rule};
use crate::error::{Error, Problem};
use geo::Coord;

use crate::geometry::Shape;
use crate::index::ZoneRef;
use crate::io::{read_layer, Layer, ReadOptions};
use crate::plan_area::PlanArea;
use time::Date;

/// Fields a zone's name is taken from when the catalog names none.
const ZONE_NAME_FIELDS: &[&str] = &["名称", "name", "NAME", "Name"];

pub struct LoadedPlan {
    pub catalog: Catalog,
    /// One per catalog layer, in catalog order.
    pub layers: Vec<Layer>,
    pub boundary: Option<Layer>,
    /// One per catalog layer: a units layer's admission list, else empty.
    pub admission: Vec<Vec<Clause>>,
    /// The date the plan is read as of: admission clauses not yet in force
    /// on it are not applied. Today in Beijing when loaded; the command
    /// line sets the report's date.
    pub in_force_on: Date,
}

impl LoadedPlan {
    pub fn load(catalog: Catalog) -> Result<LoadedPlan, Error> {
        let mut layers = Vec::with_capacity(catalog.layers.len());
        for spec in &catalog.layers {
            let hint = format!(
                "with `crs = \"EPSG:xxxx\"` on layer {:?} in {}",
                spec.id,
                catalog.path.display()
            );
            let options = ReadOptions {
                working_crs: &catalog.working_crs,
                fallback_crs: spec.crs.as_ref(),
                id_field: spec.id_field.as_deref(),
                id_candidates: &[],
                name_field: spec.name_field.as_deref(),
                name_candidates: ZONE_NAME_FIELDS,
                crs_hint: &hint,
                plan_area: None,
            };
            let mut layer = match read_layer(&spec.path, &options) {
                Ok(layer) => layer,
                // A database that does not answer, or lacks the table, must
                // not keep an officer from the rest of the plan: its layer
                // is without data (无数据), said in every report.
                Err(e) if crate::io::postgis::is_postgis(&spec.path) => Layer {
                    path: spec.path.clone(),
                    source_crs: catalog.working_crs.clone(),
                    features: Vec::new(),
                    problems: vec![Problem::file(
                        &spec.path,
                        format!(
                            "数据不可用，本图层未筛查 unavailable, the layer is not checked: {}",
                            match e {
                                Error::Format { message, .. } => message,
                                other => other.to_string(),
                            }
                        ),
                    )],
                },
                Err(e) => return Err(e),
            };
            keep_kinds_the_rule_needs(&mut layer, spec.rule, &spec.id);
            layers.push(layer);
        }
        let boundary = match &catalog.boundary {
            Some(path) => {
                let hint = format!("of the boundary file in {}", catalog.path.display());
                let options = ReadOptions {
                    working_crs: &catalog.working_crs,
                    fallback_crs: None,
                    id_field: None,
                    id_candidates: &[],
                    name_field: None,
                    name_candidates: ZONE_NAME_FIELDS,
                    crs_hint: &hint,
                    plan_area: None,
                };
                Some(read_layer(path, &options)?)
            }
            None => None,
        };
        let admission = catalog
            .layers
            .iter()
            .map(|spec| spec.admission.as_deref().map_or(Ok(Vec::new()), read_list))
            .collect::<Result<Vec<_>, _>>()?;
        for ((spec, layer), clauses) in catalog.layers.iter().zip(&mut layers).zip(&admission) {
            if spec.rule == Rule::Units {
                let problems = unreachable_clauses(spec, layer, clauses);
                layer.problems.extend(problems);
            }
        }
        Ok(LoadedPlan {
            catalog,
            layers,
            boundary,
            admission,
            in_force_on: today_in_beijing(),
        })
    }

    /// The zone features a click at `pt` hits, in catalog order, for the
    /// map's identify tool.
    pub fn features_at(&self, pt: Coord, tolerance_m: f64) -> Vec<ZoneRef> {
        let mut hits = Vec::new();
        for (layer_index, layer) in self.layers.iter().enumerate() {
            for (feature_index, feature) in layer.features.iter().enumerate() {
                let near = feature.shape.bounding_rect().is_some_and(|b| {
                    b.min().x - tolerance_m <= pt.x
                        && pt.x <= b.max().x + tolerance_m
                        && b.min().y - tolerance_m <= pt.y
                        && pt.y <= b.max().y + tolerance_m
                });
                if near && feature.shape.is_hit(pt, tolerance_m) {
                    hits.push(ZoneRef {
                        layer: layer_index,
                        feature: feature_index,
                    });
                }
            }
        }
        hits
    }

    /// Every layer with its rule, in catalog order: what the zone index is
    /// built from.
    pub fn zone_layers(&self) -> Vec<(Rule, &Layer)> {
        self.catalog
            .layers
            .iter()
            .map(|spec| spec.rule)
            .zip(&self.layers)
            .collect()
    }

    /// Vertices of the layers that are screened against (not display-only):
    /// what the zone index is built from.
    pub fn zone_vertices(&self) -> usize {
        use geo::CoordsIter;
        self.catalog
            .layers
            .iter()
            .zip(&self.layers)
            .filter(|(spec, _)| spec.rule != Rule::Display)
            .flat_map(|(_, layer)| &layer.features)
            .map(|f| match &f.shape {
                Shape::Area(mp) => mp.coords_count(),
                Shape::Lines(ml) => ml.coords_count(),
            })
            .sum()
    }

    /// The area the plan covers: its boundary when the catalog names one,
    /// else everything its layers hold.
    pub fn area(&self) -> Option<PlanArea> {
        PlanArea::new(self.boundary.as_ref(), &self.layers)
    }

    /// Every problem met while loading the plan's layers.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.layers
            .iter()
            .chain(self.boundary.iter())
            .flat_map(|l| l.problems.iter())
    }
}

/// Today's date where the plan is in force (UTC+8).
pub fn today_in_beijing() -> Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date()
}

/// A prohibit or restrict layer is made of areas; a line in it cannot be
/// screened and is reported rather than silently measured as zero.
fn keep_kinds_the_rule_needs(layer: &mut Layer, rule: Rule, layer_id: &str) {
    if !matches!(rule, Rule::Prohibit | Rule::Restrict | Rule::Units) {
        return;
    }
    let path = layer.path.clone();
    let mut problems = Vec::new();
    layer.features.retain(|f| match f.shape {
        Shape::Area(_) => true,
        Shape::Lines(_) => {
            problems.push(Problem::feature(
                &path,
                f.index,
                Some(&f.id),
                format!(
                    "is a line, but layer {layer_id:?} has rule {:?} which needs polygons; it is not screened",
                    rule.keyword()
                ),
            ));
            false
        }
    });
    layer.problems.extend(problems);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn identify_finds_the_zone_under_a_click_and_the_river_near_it() {
        let plan =
            LoadedPlan::load(Catalog::load(Path::new("layers/catalog.toml")).unwrap()).unwrap();
        let layer_of = |id: &str| plan.catalog.layers.iter().position(|l| l.id == id).unwrap();
        // A point well inside the first red-line feature.
        let red = layer_of("eco_redline");
        let Shape::Area(mp) = &plan.layers[red].features[0].shape else {
            panic!("red line is an area")
        };
        let inside = geo::InteriorPoint::interior_point(mp).unwrap().0;
        let hits = plan.features_at(inside, 1.0);
        assert!(
            hits.contains(&ZoneRef {
                layer: red,
                feature: 0
            }),
            "{hits:?}"
        );

        // A point 5 m beside a river vertex is a hit with 10 m tolerance, not with 1 m.
        let rivers = layer_of("rivers");
        let Shape::Lines(ml) = &plan.layers[rivers].features[0].shape else {
            panic!("rivers are lines")
        };
        let a = ml.0[0].0[0];
        let b = ml.0[0].0[1];
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = (dx * dx + dy * dy).sqrt();
        let mid = Coord {
            x: (a.x + b.x) / 2.0,
            y: (a.y + b.y) / 2.0,
        };
        let beside = Coord {
            x: mid.x - dy / len * 5.0,
            y: mid.y + dx / len * 5.0,
        };
        let river = ZoneRef {
            layer: rivers,
            feature: 0,
        };
        assert!(plan.features_at(beside, 10.0).contains(&river));
        assert!(!plan.features_at(beside, 1.0).contains(&river));
    }
}
