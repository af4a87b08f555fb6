//! `redline plan check`: is the plan's own data sound, and does it meet the
//! plan's spatial targets?
//!
//! A planning officer signs off the layers before anyone screens a parcel
//! against them: every layer readable and valid, and the indicators the plan
//! promises (red line 27.5 km², nature reserves ≥ 5.3 % of the zone)
//! measured from the layers themselves, beside the targets the catalog
//! states.

use serde::{Serialize, Serializer};

use crate::error::{Error, Problem};
use crate::geometry::{dissolve, Shape};
use crate::io::{Feature, Layer, DUPLICATE_ID_NOTE};
use crate::plan::LoadedPlan;
use crate::report::{display_width, fixed, pad_end, pad_start};

use geo::{Area, Euclidean, Length};

/// A target is met when the measured value is at least the target less this
/// share of it. The plan's targets are floors (面积不减少, 占比不低于), and a
/// boundary digitised to the plan's figure of 27.5 km² measures within a
/// few hundred m² of it, not to the square metre.
pub const TARGET_TOLERANCE: f64 = 0.001;

/// The plan's indicators and what is wrong with its layers.
#[derive(Debug, Serialize)]
pub struct PlanCheck {
    pub plan: String,
    pub working_crs: String,
    pub boundary: Option<BoundaryIndicator>,
    pub layers: Vec<LayerIndicator>,
    /// Every target met and no layer with an error.
    pub passed: bool,
}

#[derive(Debug, Serialize)]
pub struct BoundaryIndicator {
    pub features: usize,
    #[serde(serialize_with = "rounded")]
    pub area_km2: f64,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct LayerIndicator {
    pub id: String,
    pub name: String,
    pub rule: &'static str,
    pub features: usize,
    /// The ground its polygons cover, overlaps counted once; `None` when the
    /// layer has no polygons.
    #[serde(serialize_with = "rounded_option")]
    pub area_km2: Option<f64>,
    /// The length of its lines (rivers); `None` when it has none.
    #[serde(serialize_with = "rounded_option")]
    pub length_km: Option<f64>,
    /// `area_km2` as a share of the boundary's area.
    #[serde(serialize_with = "rounded_option")]
    pub share_pct: Option<f64>,
    pub targets: Vec<TargetResult>,
    /// Features that could not be used, and ids used twice: the layer is invalid.
    pub errors: Vec<String>,
    /// Repairs made on the way in: the layer is usable as repaired.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    AreaKm2,
    SharePct,
}

#[derive(Debug, Serialize)]
pub struct TargetResult {
    pub indicator: Indicator,
    pub target: f64,
    /// `None` when it cannot be measured (a share with no boundary).
    #[serde(serialize_with = "rounded_option")]
    pub actual: Option<f64>,
    pub met: bool,
}

impl TargetResult {
    fn new(indicator: Indicator, target: f64, actual: Option<f64>) -> TargetResult {
        let met = actual.is_some_and(|a| a >= target * (1.0 - TARGET_TOLERANCE));
        TargetResult {
            indicator,
            target,
            actual,
            met,
        }
    }

    /// "≥ 27.5 km²"
    fn describe_target(&self) -> String {
        match self.indicator {
            Indicator::AreaKm2 => format!("≥ {} km²", self.target),
            Indicator::SharePct => format!("≥ {} %", self.target),
        }
    }
}

impl PlanCheck {
    pub fn of(plan: &LoadedPlan) -> PlanCheck {
        let boundary = plan.boundary.as_ref().map(|layer| {
            let (errors, warnings) = problems_of(layer);
            BoundaryIndicator {
                features: layer.features.len(),
                area_km2: dissolve(shapes(&layer.features)).unsigned_area() / 1e6,
                errors,
                warnings,
            }
        });
        let boundary_km2 = boundary.as_ref().map(|b| b.area_km2);
        let layers: Vec<LayerIndicator> = plan
            .catalog
            .layers
            .iter()
            .zip(&plan.layers)
            .map(|(spec, layer)| {
                let has = |area: bool| {
                    layer
                        .features
                        .iter()
                        .any(|f| matches!(f.shape, Shape::Area(_)) == area)
                };
                let area_km2 =
                    has(true).then(|| dissolve(shapes(&layer.features)).unsigned_area() / 1e6);
                let length_km = has(false).then(|| {
                    layer
                        .features
                        .iter()
                        .map(|f| match &f.shape {
                            Shape::Lines(ml) => Euclidean.length(ml),
                            Shape::Area(_) => 0.0,
                        })
                        .sum::<f64>()
                        / 1e3
                });
                let share_pct = area_km2
                    .zip(boundary_km2.filter(|b| *b > 0.0))
                    .map(|(a, b)| a / b * 100.0);
                let mut targets = Vec::new();
                if let Some(target) = spec.target_area_km2 {
                    targets.push(TargetResult::new(
                        Indicator::AreaKm2,
                        target,
                        Some(area_km2.unwrap_or(0.0)),
                    ));
                }
                if let Some(target) = spec.target_share_pct {
                    // A layer with no polygons covers 0 % of a boundary.
                    let actual = boundary_km2.map(|_| share_pct.unwrap_or(0.0));
                    targets.push(TargetResult::new(Indicator::SharePct, target, actual));
                }
                let (errors, warnings) = problems_of(layer);
                LayerIndicator {
                    id: spec.id.clone(),
                    name: spec.name.clone(),
                    rule: spec.rule.keyword(),
                    features: layer.features.len(),
                    area_km2,
                    length_km,
                    share_pct,
                    targets,
                    errors,
                    warnings,
                }
            })
            .collect();
        let passed = layers
            .iter()
            .all(|l| l.errors.is_empty() && l.targets.iter().all(|t| t.met))
            && boundary.as_ref().is_none_or(|b| b.errors.is_empty());
        PlanCheck {
            plan: plan.catalog.name.clone(),
            working_crs: plan.catalog.working_crs.to_string(),
            boundary,
            layers,
            passed,
        }
    }

    /// One line per target not met and per invalid layer, naming the layer.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(b) = self.boundary.as_ref().filter(|b| !b.errors.is_empty()) {
            out.push(format!(
                "图层无效 invalid layer: boundary 规划范围: {} error(s), listed in the report",
                b.errors.len()
            ));
        }
        for layer in &self.layers {
            for target in layer.targets.iter().filter(|t| !t.met) {
                let measured = match (target.indicator, target.actual) {
                    (Indicator::AreaKm2, Some(a)) => format!("area {} km²", fixed(a, 2)),
                    (Indicator::SharePct, Some(a)) => format!("share {} %", fixed(a, 2)),
                    (_, None) => "the share cannot be measured: the catalog has no boundary; \
                                  add boundary = \"<file>\" to [plan]"
                        .to_string(),
                };
                out.push(format!(
                    "未达标 NOT MET: {} {}: {measured}, target {}",
                    layer.name,
                    layer.id,
                    target.describe_target()
                ));
            }
            if !layer.errors.is_empty() {
                out.push(format!(
                    "图层无效 invalid layer: {} {}: {} error(s), listed in the report",
                    layer.name,
                    layer.id,
                    layer.errors.len()
                ));
            }
        }
        out
    }

    /// The report as JSON: keys in a fixed order, measures rounded to four
    /// decimals.
    pub fn to_json(&self) -> Result<String, Error> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Output {
            path: "standard output".into(),
            message: e.to_string(),
        })
    }

    /// The report as a table for the terminal.
    pub fn table(&self) -> String {
        let dash = || "—".to_string();
        let mut text = format!(
            "{}\n工作坐标系 working CRS: {}\n",
            self.plan, self.working_crs
        );
        match &self.boundary {
            Some(b) => text.push_str(&format!(
                "规划范围 boundary: {} km²\n",
                fixed(b.area_km2, 2)
            )),
            None => text.push_str("规划范围 boundary: — (the catalog names no boundary file)\n"),
        }
        text.push('\n');

        let header = [
            "图层 layer",
            "要素 features",
            "面积 area km²",
            "长度 length km",
            "占比 share %",
            "目标 target",
            "结果 result",
        ];
        let rows: Vec<[String; 7]> = self
            .layers
            .iter()
            .map(|l| {
                let targets: Vec<String> = l.targets.iter().map(|t| t.describe_target()).collect();
                let result = if l.targets.is_empty() {
                    dash()
                } else if l.targets.iter().all(|t| t.met) {
                    "达标 met".to_string()
                } else {
                    "未达标 NOT MET".to_string()
                };
                [
                    format!("{} {}", l.name, l.id),
                    l.features.to_string(),
                    l.area_km2.map_or_else(dash, |v| fixed(v, 2)),
                    l.length_km.map_or_else(dash, |v| fixed(v, 2)),
                    l.share_pct.map_or_else(dash, |v| fixed(v, 2)),
                    if targets.is_empty() {
                        dash()
                    } else {
                        targets.join(", ")
                    },
                    result,
                ]
            })
            .collect();
        let widths: Vec<usize> = (0..header.len())
            .map(|c| {
                rows.iter()
                    .map(|r| display_width(&r[c]))
                    .chain([display_width(header[c])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: [&str; 7]| {
            let mut out = String::new();
            for (c, cell) in cells.iter().enumerate() {
                // Names and words left, numbers right.
                let padded = if (1..=4).contains(&c) {
                    pad_start(cell, widths[c])
                } else {
                    pad_end(cell, widths[c])
                };
                out.push_str(&padded);
                out.push_str("  ");
            }
            format!("{}\n", out.trim_end())
        };
        text.push_str(&line(header));
        for row in &rows {
            text.push_str(&line(row.each_ref().map(String::as_str)));
        }

        let problems: Vec<(&str, &String)> = self
            .boundary
            .iter()
            .flat_map(|b| {
                b.errors
                    .iter()
                    .map(|e| ("错误 error", e))
                    .chain(b.warnings.iter().map(|w| ("警告 warning", w)))
            })
            .chain(self.layers.iter().flat_map(|l| {
                l.errors
                    .iter()
                    .map(|e| ("错误 error", e))
                    .chain(l.warnings.iter().map(|w| ("警告 warning", w)))
            }))
            .collect();
        text.push('\n');
        if problems.is_empty() {
            text.push_str("问题 problems: 无 none\n");
        } else {
            text.push_str("问题 problems:\n");
            for (level, problem) in problems {
                text.push_str(&format!("  {level}: {problem}\n"));
            }
        }
        text.push_str(if self.passed {
            "结论 result: 全部达标，图层有效 all targets met, all layers valid\n"
        } else {
            "结论 result: 未通过 FAILED (see the lines above marked NOT MET or error)\n"
        });
        text
    }
}

fn shapes(features: &[Feature]) -> impl Iterator<Item = &Shape> {
    features.iter().map(|f| &f.shape)
}

/// Errors (features skipped, ids used twice) and warnings (repairs), as the
/// lines the report prints.
fn problems_of(layer: &Layer) -> (Vec<String>, Vec<String>) {
    let mut errors: Vec<String> = layer.problems.iter().map(Problem::to_string).collect();
    let mut warnings = Vec::new();
    for f in &layer.features {
        for note in &f.notes {
            let line =
                Problem::feature(&layer.path, f.index, Some(&f.id), note.as_str()).to_string();
            if note.starts_with(DUPLICATE_ID_NOTE) {
                errors.push(line);
            } else {
                warnings.push(line);
            }
        }
    }
    (errors, warnings)
}

fn round4(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

fn rounded<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(round4(*value))
}

fn rounded_option<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => serializer.serialize_some(&round4(*v)),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, LayerSpec, Rule};
    use crate::crs::Crs;
    use geo::{LineString, MultiLineString, MultiPolygon, Rect};

    fn square(x: f64, y: f64, side: f64) -> Shape {
        let rect = Rect::new((x, y), (x + side, y + side));
        Shape::Area(MultiPolygon::new(vec![rect.to_polygon()]))
    }

    fn feature(index: usize, id: &str, shape: Shape) -> Feature {
        Feature {
            index,
            id: id.to_string(),
            name: String::new(),
            attributes: Vec::new(),
            shape,
            notes: Vec::new(),
        }
    }

    fn layer(file: &str, features: Vec<Feature>) -> Layer {
        Layer {
            path: file.into(),
            source_crs: Crs::from_epsg(4544).unwrap(),
            features,
            problems: Vec::new(),
        }
    }

    fn spec(id: &str, rule: Rule, area: Option<f64>, share: Option<f64>) -> LayerSpec {
        LayerSpec {
            id: id.to_string(),
            name: format!("{id}名称"),
            path: format!("{id}.geojson").into(),
            rule,
            basis: String::new(),
            id_field: None,
            name_field: None,
            crs: None,
            target_area_km2: area,
            target_share_pct: share,
            color: None,
            field_names: Default::default(),
            class_field: None,
            admission: None,
        }
    }

    /// A 1 km² boundary, and a red line of two 500 m squares that overlap
    /// by 100 m × 500 m: 0.45 km², 45 % of the boundary.
    fn plan(red_area_target: f64, red: Vec<Feature>, boundary: bool) -> LoadedPlan {
        let river = feature(
            1,
            "LTH",
            Shape::Lines(MultiLineString::new(vec![LineString::from(vec![
                (0.0, 0.0),
                (0.0, 1500.0),
                (2000.0, 1500.0),
            ])])),
        );
        LoadedPlan {
            catalog: Catalog {
                path: "catalog.toml".into(),
                name: "示意规划".to_string(),
                working_crs: Crs::from_epsg(4544).unwrap(),
                sliver_m2: 0.0,
                boundary: boundary.then(|| "boundary.geojson".into()),
                layers: vec![
                    spec("red", Rule::Prohibit, Some(red_area_target), Some(45.0)),
                    spec(
                        "rivers",
                        Rule::Setback {
                            conflict_m: 30.0,
                            review_m: 50.0,
                        },
                        None,
                        None,
                    ),
                ],
                project_fields: Default::default(),
                procedures: Vec::new(),
            },
            admission: vec![Vec::new(); 2],
            in_force_on: crate::plan::today_in_beijing(),
            layers: vec![
                layer("red.geojson", red),
                layer("rivers.geojson", vec![river]),
            ],
            boundary: boundary.then(|| {
                layer(
                    "boundary.geojson",
                    vec![feature(1, "1", square(0.0, 0.0, 1000.0))],
                )
            }),
        }
    }

    fn red_line() -> Vec<Feature> {
        vec![
            feature(1, "HX-1", square(0.0, 0.0, 500.0)),
            feature(2, "HX-2", square(400.0, 0.0, 500.0)),
        ]
    }

    #[test]
    fn measures_covered_ground_once_and_its_share_of_the_boundary() {
        let check = PlanCheck::of(&plan(0.45, red_line(), true));
        let red = &check.layers[0];
        assert!((red.area_km2.unwrap() - 0.45).abs() < 1e-9, "{red:?}");
        assert!((red.share_pct.unwrap() - 45.0).abs() < 1e-6, "{red:?}");
        assert_eq!(red.features, 2);
        assert!(red.targets.iter().all(|t| t.met));
        let rivers = &check.layers[1];
        assert_eq!(rivers.area_km2, None);
        assert_eq!(rivers.share_pct, None);
        assert!((rivers.length_km.unwrap() - 3.5).abs() < 1e-12);
        assert!(check.passed && check.failures().is_empty());
    }

    #[test]
    fn an_area_target_is_met_down_to_a_tenth_of_a_percent_below_it() {
        // 0.45 ≥ 0.4504 × 0.999 = 0.44995…
        assert!(PlanCheck::of(&plan(0.4504, red_line(), true)).passed);
        // 0.45 < 0.4505 × 0.999 = 0.45005…
        let check = PlanCheck::of(&plan(0.4505, red_line(), true));
        assert!(!check.passed);
        assert_eq!(
            check.failures(),
            ["未达标 NOT MET: red名称 red: area 0.45 km², target ≥ 0.4505 km²"]
        );
        assert!(
            check.table().contains("未达标 NOT MET"),
            "{}",
            check.table()
        );
    }

    #[test]
    fn a_share_target_without_a_boundary_cannot_be_met() {
        let check = PlanCheck::of(&plan(0.45, red_line(), false));
        assert!(!check.passed);
        let failures = check.failures();
        assert_eq!(failures.len(), 1);
        assert!(
            failures[0].contains("share target") || failures[0].contains("no boundary"),
            "{failures:?}"
        );
    }

    #[test]
    fn a_duplicate_id_makes_the_layer_invalid_but_a_repair_does_not() {
        let mut red = red_line();
        red[0]
            .notes
            .push("几何无效已修复 invalid geometry repaired (make-valid): x".into());
        let check = PlanCheck::of(&plan(0.45, red.clone(), true));
        assert!(check.passed);
        assert_eq!(check.layers[0].warnings.len(), 1);

        red[1].id = "HX-1".to_string();
        red[1]
            .notes
            .push(format!("{DUPLICATE_ID_NOTE}: feature 1 has the same id"));
        let check = PlanCheck::of(&plan(0.45, red, true));
        assert!(!check.passed);
        assert_eq!(
            check.layers[0].errors,
            ["red.geojson: feature 2 (id HX-1): 编号重复 duplicate id: feature 1 has the same id"]
        );
        assert_eq!(
            check.failures(),
            ["图层无效 invalid layer: red名称 red: 1 error(s), listed in the report"]
        );
    }

    #[test]
    fn json_keeps_its_key_order_and_rounds_measures() {
        let red = vec![feature(1, "HX-1", square(0.0, 0.0, 123.456))];
        let json = PlanCheck::of(&plan(0.01, red, true)).to_json().unwrap();
        let keys = [
            "\"plan\"",
            "\"working_crs\"",
            "\"boundary\"",
            "\"layers\"",
            "\"passed\"",
        ];
        let positions: Vec<usize> = keys.iter().map(|k| json.find(k).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
        // 123.456² m² = 0.015241383936 km²
        assert!(json.contains("\"area_km2\": 0.0152,"), "{json}");
        assert!(json.contains("\"indicator\": \"area_km2\""), "{json}");
    }
}
