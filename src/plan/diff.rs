//! `redline plan diff`: what a revision of a layer added and took away.
//!
//! The plan requires the red line's area not to shrink (面积不减少). When a
//! layer is revised, the officer needs the ground removed and the ground
//! added, as figures and as pieces to look at on a map, and a clear answer
//! whether the net area went down.

use std::path::Path;

use geo::orient::Direction;
use geo::{Area, BooleanOps, Geometry, MultiPolygon, Orient, Polygon};
use geojson::JsonObject;

use crate::crs::{Crs, Transformer, WGS84};
use crate::error::{Error, Problem};
use crate::geometry::{dissolve, Shape};
use crate::io::geojson::{to_text, OutFeature};
use crate::io::{read_layer, Layer, ReadOptions};
use crate::report::{fixed, two_decimals};
use crate::screen::MIN_REPORTED_OVERLAP_M2;

/// One version of a layer file: its features and the ground they cover.
pub struct Version {
    pub layer: Layer,
    pub covered: MultiPolygon,
}

impl Version {
    /// Reads a layer file into the working CRS. Lines are left out, with a
    /// problem each: a diff compares areas.
    pub fn read(
        path: &Path,
        working_crs: &Crs,
        fallback_crs: Option<&Crs>,
    ) -> Result<Version, Error> {
        let options = ReadOptions {
            working_crs,
            fallback_crs,
            id_field: None,
            id_candidates: &[],
            name_field: None,
            name_candidates: &[],
            crs_hint: "with --crs EPSG:xxxx (e.g. EPSG:4544)",
            plan_area: None,
        };
        let mut layer = read_layer(path, &options)?;
        for f in &layer.features {
            if matches!(f.shape, Shape::Lines(_)) {
                layer.problems.push(Problem::feature(
                    path,
                    f.index,
                    Some(&f.id),
                    "is a line; plan diff compares areas, so it is left out",
                ));
            }
        }
        if !layer
            .features
            .iter()
            .any(|f| matches!(f.shape, Shape::Area(_)))
        {
            return Err(Error::format(
                path,
                "has no usable polygon; plan diff compares the areas of two versions of a polygon layer (e.g. the red line)",
            ));
        }
        let covered = dissolve(layer.features.iter().map(|f| &f.shape));
        Ok(Version { layer, covered })
    }

    pub fn area_m2(&self) -> f64 {
        self.covered.unsigned_area()
    }
}

/// What changed between two versions of a layer, in the working CRS.
#[derive(Debug)]
pub struct PlanDiff {
    pub old_m2: f64,
    pub new_m2: f64,
    /// Ground in the old version only, largest piece first.
    pub removed: Vec<Polygon>,
    /// Ground in the new version only, largest piece first.
    pub added: Vec<Polygon>,
}

impl PlanDiff {
    pub fn between(old: &MultiPolygon, new: &MultiPolygon) -> PlanDiff {
        PlanDiff {
            old_m2: old.unsigned_area(),
            new_m2: new.unsigned_area(),
            removed: pieces(old.difference(new)),
            added: pieces(new.difference(old)),
        }
    }

    pub fn added_m2(&self) -> f64 {
        self.added.iter().map(|p| p.unsigned_area()).sum()
    }

    pub fn removed_m2(&self) -> f64 {
        self.removed.iter().map(|p| p.unsigned_area()).sum()
    }

    /// New area less old area: the figure the plan's 面积不减少 is about.
    pub fn net_m2(&self) -> f64 {
        self.new_m2 - self.old_m2
    }

    /// Whether the net change is a loss that shows in the printed figure;
    /// a smaller difference is the overlay's rounding, not a revision.
    pub fn area_decreased(&self) -> bool {
        self.net_m2() <= -MIN_REPORTED_OVERLAP_M2
    }

    /// The figures, one per line.
    pub fn summary(&self, old: &Version, new: &Version) -> String {
        let area = |m2: f64| format!("{} m² ({} km²)", two_decimals(m2), fixed(m2 / 1e6, 6));
        let version = |label: &str, v: &Version| {
            format!(
                "{label}: {}, {} feature(s), {}\n",
                area(v.area_m2()),
                v.layer.features.len(),
                v.layer.path.display()
            )
        };
        let mut text = version("旧版 old", old);
        text.push_str(&version("新版 new", new));
        text.push_str(&format!(
            "新增 added: {}, {} piece(s)\n",
            area(self.added_m2()),
            self.added.len()
        ));
        text.push_str(&format!(
            "减少 removed: {}, {} piece(s)\n",
            area(self.removed_m2()),
            self.removed.len()
        ));
        text.push_str(&format!("净变化 net: {}\n", area(self.net_m2())));
        text.push_str(if self.area_decreased() {
            "结论 result: 面积减少 NET AREA DECREASED\n"
        } else {
            "结论 result: 面积未减少 net area not decreased\n"
        });
        text
    }

    /// The removed and added pieces as RFC 7946 GeoJSON (WGS84 lon/lat),
    /// each with `change` (`removed` / `added`) and `area_m2` measured in
    /// the working CRS.
    pub fn pieces_geojson(&self, working_crs: &Crs) -> Result<String, String> {
        let to_lonlat = Transformer::new(working_crs, &Crs::from_epsg(WGS84)?);
        let mut features = Vec::new();
        for (change, pieces) in [("removed", &self.removed), ("added", &self.added)] {
            for (i, piece) in pieces.iter().enumerate() {
                let mut properties = JsonObject::new();
                properties.insert("change".into(), change.into());
                properties.insert(
                    "area_m2".into(),
                    ((piece.unsigned_area() * 100.0).round() / 100.0).into(),
                );
                // RFC 7946: exteriors counter-clockwise; the projection
                // keeps the orientation.
                let mut geometry = Geometry::Polygon(piece.orient(Direction::Default));
                to_lonlat.transform_geometry(&mut geometry)?;
                features.push(OutFeature {
                    id: Some(format!("{change}-{}", i + 1)),
                    properties,
                    geometry,
                });
            }
        }
        Ok(to_text(&features, None))
    }
}

/// The polygons of an overlay result, without the slivers the overlay's
/// rounding leaves along shared edges (too small to print), largest first.
fn pieces(overlay: MultiPolygon) -> Vec<Polygon> {
    let mut kept: Vec<(f64, Polygon)> = overlay
        .into_iter()
        .map(|p| (p.unsigned_area(), p))
        .filter(|(a, _)| *a >= MIN_REPORTED_OVERLAP_M2)
        .collect();
    kept.sort_by(|a, b| b.0.total_cmp(&a.0));
    kept.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Rect};

    const X0: f64 = 620_000.0;
    const Y0: f64 = 3_270_000.0;

    fn rect(x: f64, y: f64, w: f64, h: f64) -> MultiPolygon {
        MultiPolygon::new(vec![
            Rect::new((X0 + x, Y0 + y), (X0 + x + w, Y0 + y + h)).to_polygon()
        ])
    }

    /// A 100 m square; its revision has a 10 × 20 m notch cut into the
    /// bottom edge and a 30 × 10 m bump on the top edge.
    fn versions() -> (MultiPolygon, MultiPolygon) {
        let old = rect(0.0, 0.0, 100.0, 100.0);
        let new = MultiPolygon::new(vec![polygon![
            (x: X0, y: Y0),
            (x: X0 + 40.0, y: Y0),
            (x: X0 + 40.0, y: Y0 + 20.0),
            (x: X0 + 50.0, y: Y0 + 20.0),
            (x: X0 + 50.0, y: Y0),
            (x: X0 + 100.0, y: Y0),
            (x: X0 + 100.0, y: Y0 + 100.0),
            (x: X0 + 70.0, y: Y0 + 100.0),
            (x: X0 + 70.0, y: Y0 + 110.0),
            (x: X0 + 40.0, y: Y0 + 110.0),
            (x: X0 + 40.0, y: Y0 + 100.0),
            (x: X0, y: Y0 + 100.0),
        ]]);
        (old, new)
    }

    #[test]
    fn figures_the_ground_added_and_removed() {
        let (old, new) = versions();
        let diff = PlanDiff::between(&old, &new);
        assert_eq!(diff.removed.len(), 1);
        assert_eq!(diff.added.len(), 1);
        assert!((diff.removed_m2() - 200.0).abs() < 1e-6, "{diff:?}");
        assert!((diff.added_m2() - 300.0).abs() < 1e-6, "{diff:?}");
        assert!((diff.net_m2() - 100.0).abs() < 1e-6);
        assert!(!diff.area_decreased());

        let back = PlanDiff::between(&new, &old);
        assert!((back.net_m2() + 100.0).abs() < 1e-6);
        assert!(back.area_decreased());
    }

    #[test]
    fn an_unchanged_layer_has_no_pieces_and_no_loss() {
        let (old, _) = versions();
        let diff = PlanDiff::between(&old, &old);
        assert!(diff.removed.is_empty() && diff.added.is_empty());
        assert_eq!(diff.net_m2(), 0.0);
        assert!(!diff.area_decreased());
    }

    #[test]
    fn pieces_are_written_in_lonlat_with_their_change_and_area() {
        let (old, new) = versions();
        let text = PlanDiff::between(&old, &new)
            .pieces_geojson(&Crs::from_epsg(4544).unwrap())
            .unwrap();
        let raw = crate::io::geojson::parse(Path::new("pieces.geojson"), &text).unwrap();
        assert!(raw.declared_crs.is_none());
        let summary: Vec<String> = raw
            .features
            .iter()
            .map(|f| {
                let values: Vec<&str> = f.attributes.iter().map(|(_, v)| v.as_str()).collect();
                format!("{:?} {}", f.native_id, values.join(" "))
            })
            .collect();
        // Properties come back in key order: area_m2, change.
        assert_eq!(
            summary,
            [
                "Some(\"removed-1\") 200.0 removed",
                "Some(\"added-1\") 300.0 added"
            ]
        );
        let Some(bounds) = geo::BoundingRect::bounding_rect(&raw.features[0].geometry) else {
            panic!("no bounds")
        };
        assert!(crate::crs::looks_like_lonlat(&bounds) && (105.0..106.5).contains(&bounds.min().x));
    }
}
