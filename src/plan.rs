//! A catalog with its layers read: the protected zones in the working CRS.

pub mod check;
pub mod diff;

use crate::catalog::{Catalog, Rule};
use crate::error::{Error, Problem};
use crate::geometry::Shape;
use crate::io::{read_layer, Layer, ReadOptions};

/// Fields a zone's name is taken from when the catalog names none.
const ZONE_NAME_FIELDS: &[&str] = &["名称", "name", "NAME", "Name"];

pub struct LoadedPlan {
    pub catalog: Catalog,
    /// One per catalog layer, in catalog order.
    pub layers: Vec<Layer>,
    pub boundary: Option<Layer>,
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
            };
            let mut layer = read_layer(&spec.path, &options)?;
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
                };
                Some(read_layer(path, &options)?)
            }
            None => None,
        };
        Ok(LoadedPlan {
            catalog,
            layers,
            boundary,
        })
    }

    /// Every problem met while loading the plan's layers.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.layers
            .iter()
            .chain(self.boundary.iter())
            .flat_map(|l| l.problems.iter())
    }
}

/// A prohibit or restrict layer is made of areas; a line in it cannot be
/// screened and is reported rather than silently measured as zero.
fn keep_kinds_the_rule_needs(layer: &mut Layer, rule: Rule, layer_id: &str) {
    if !matches!(rule, Rule::Prohibit | Rule::Restrict) {
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
