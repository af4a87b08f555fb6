//! Where the plan speaks. A parcel that lies wholly outside the plan's
//! boundary meets none of its zones, yet the plan cannot call it clear: it
//! says nothing of a place it does not cover, and such a parcel is far more
//! often a file in the wrong CRS (swapped axes, another zone) than a real
//! site. Without a boundary in the catalog, the plan covers what its layers
//! hold, and a parcel farther than [`FAR_FROM_PLAN_M`] from all of it is
//! outside.
//!
//! The boundary of a city is 10⁵ vertices or more; it is indexed as a
//! [`IndexedArea`] (pieces and edges in R-trees), so that placing a parcel,
//! and measuring how far outside it lies, looks only at the edges beside it.

use geo::{BoundingRect, MultiPolygon, Polygon, Rect};

use crate::geometry::{union_rect, Shape};
use crate::indexed_area::IndexedArea;
use crate::io::Layer;

/// A parcel farther than this from everything a plan without a boundary
/// holds lies outside it: real parcels beside the plan's zones are well
/// within it, and one in the wrong CRS is almost always hundreds of
/// kilometres away.
pub const FAR_FROM_PLAN_M: f64 = 10_000.0;

/// The area a plan covers: its boundary, or the extent of its layers.
pub struct PlanArea {
    boundary: Option<IndexedArea>,
    extent: Rect,
}

/// Where a parcel lies against the plan area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Placement {
    /// Within the plan area, or crossing its edge.
    Inside,
    /// Wholly outside: `distance_m` from the boundary (or from the extent
    /// of the plan's layers, when the catalog names no boundary).
    Outside { distance_m: f64 },
}

impl PlanArea {
    /// The area of a plan whose boundary layer is `boundary` (its polygons;
    /// a boundary without any is as none) and whose zone layers are `layers`.
    /// `None` when neither holds a feature: an empty plan covers nothing
    /// anyone could check.
    pub fn new(boundary: Option<&Layer>, layers: &[Layer]) -> Option<PlanArea> {
        let polygons: Vec<&Polygon> = boundary
            .into_iter()
            .flat_map(|l| &l.features)
            .filter_map(|f| match &f.shape {
                Shape::Area(mp) => Some(&mp.0),
                Shape::Lines(_) => None,
            })
            .flatten()
            .collect();
        if polygons.is_empty() {
            let extent = layers
                .iter()
                .flat_map(|l| &l.features)
                .filter_map(|f| f.shape.bounding_rect())
                .reduce(union_rect)?;
            return Some(PlanArea {
                boundary: None,
                extent,
            });
        }
        let boundary = MultiPolygon::new(polygons.into_iter().cloned().collect());
        let extent = boundary.bounding_rect()?;
        Some(PlanArea {
            boundary: Some(IndexedArea::new(boundary)),
            extent,
        })
    }

    /// The bounds of the plan area.
    pub fn extent(&self) -> Rect {
        self.extent
    }

    /// Whether the area is the catalog's boundary, not the layers' extent.
    pub fn has_boundary(&self) -> bool {
        self.boundary.is_some()
    }

    pub fn place(&self, parcel: &MultiPolygon) -> Placement {
        let Some(bounds) = parcel.bounding_rect() else {
            return Placement::Inside;
        };
        let Some(boundary) = &self.boundary else {
            let gap_m = rect_gap(&self.extent, &bounds);
            return if gap_m > FAR_FROM_PLAN_M {
                Placement::Outside { distance_m: gap_m }
            } else {
                Placement::Inside
            };
        };
        if boundary.intersects_area(parcel) {
            return Placement::Inside;
        }
        Placement::Outside {
            distance_m: boundary.distance_to_disjoint(parcel),
        }
    }
}

/// The distance between two boxes (0 where they meet).
fn rect_gap(a: &Rect, b: &Rect) -> f64 {
    let gap = |lo_a: f64, hi_a: f64, lo_b: f64, hi_b: f64| (lo_b - hi_a).max(lo_a - hi_b).max(0.0);
    let dx = gap(a.min().x, a.max().x, b.min().x, b.max().x);
    let dy = gap(a.min().y, a.max().y, b.min().y, b.max().y);
    dx.hypot(dy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crs::Crs;
    use crate::io::Feature;
    use geo::{Distance, Euclidean, Intersects, LineString, Polygon};

    fn square(x0: f64, y0: f64, side: f64) -> MultiPolygon {
        MultiPolygon(vec![
            Rect::new((x0, y0), (x0 + side, y0 + side)).to_polygon()
        ])
    }

    fn layer(shapes: Vec<MultiPolygon>) -> Layer {
        Layer {
            path: "boundary.geojson".into(),
            source_crs: Crs::from_epsg(4544).unwrap(),
            features: shapes
                .into_iter()
                .enumerate()
                .map(|(index, mp)| Feature {
                    index,
                    id: index.to_string(),
                    name: String::new(),
                    attributes: Vec::new(),
                    shape: Shape::Area(mp),
                    notes: Vec::new(),
                })
                .collect(),
            problems: Vec::new(),
        }
    }

    /// An L-shaped boundary: its box holds a corner the plan does not cover.
    fn l_shape() -> MultiPolygon {
        MultiPolygon(vec![Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (10_000.0, 0.0),
                (10_000.0, 2_000.0),
                (2_000.0, 2_000.0),
                (2_000.0, 10_000.0),
                (0.0, 10_000.0),
                (0.0, 0.0),
            ]),
            vec![],
        )])
    }

    #[test]
    fn a_parcel_in_the_boundarys_box_but_not_in_it_is_outside_by_its_distance() {
        let area = PlanArea::new(Some(&layer(vec![l_shape()])), &[]).unwrap();
        assert!(area.has_boundary());
        assert_eq!(area.place(&square(500.0, 500.0, 100.0)), Placement::Inside);
        // Crossing the edge: part of it is covered.
        assert_eq!(
            area.place(&square(1_950.0, 5_000.0, 100.0)),
            Placement::Inside
        );
        // In the box's empty corner, 3 km right of the L's upright and above its foot.
        match area.place(&square(5_000.0, 5_000.0, 100.0)) {
            Placement::Outside { distance_m } => assert!((distance_m - 3_000.0).abs() < 1e-9),
            other => panic!("{other:?}"),
        }
        // Hundreds of kilometres away, level with the L's foot.
        match area.place(&square(600_000.0, 0.0, 100.0)) {
            Placement::Outside { distance_m } => assert!((distance_m - 590_000.0).abs() < 1e-6),
            other => panic!("{other:?}"),
        }
        // Beyond the box's empty corner the nearest points are the L's two
        // inner ends, much farther than the box: the distance is to them.
        match area.place(&square(25_000.0, 25_000.0, 100.0)) {
            Placement::Outside { distance_m } => {
                let expected = 15_000_f64.hypot(23_000.0);
                assert!((distance_m - expected).abs() < 1e-6, "{distance_m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_boundary_of_thousands_of_vertices_is_cut_and_still_places_exactly() {
        // A circle of 20 000 vertices, radius 5 km: cut into many pieces.
        let ring: Vec<(f64, f64)> = (0..20_000)
            .map(|i| {
                let a = i as f64 / 20_000.0 * std::f64::consts::TAU;
                (5_000.0 * a.cos(), 5_000.0 * a.sin())
            })
            .collect();
        let circle = MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])]);
        let area = PlanArea::new(Some(&layer(vec![circle])), &[]).unwrap();
        assert!(area.boundary.as_ref().unwrap().pieces.len() > 50);
        assert_eq!(area.place(&square(-50.0, -50.0, 100.0)), Placement::Inside);
        // Just outside the circle on the diagonal, within its box.
        match area.place(&square(3_600.0, 3_600.0, 10.0)) {
            Placement::Outside { distance_m } => {
                let expected = 3_600.0 * std::f64::consts::SQRT_2 - 5_000.0;
                assert!((distance_m - expected).abs() < 0.5, "{distance_m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn placement_in_the_notches_of_a_jagged_boundary_is_the_whole_boundarys() {
        // A star of 20 000 vertices: deep notches everywhere, so the pieces
        // it is cut into have cut lines running across the notches.
        let ring: Vec<(f64, f64)> = (0..20_000)
            .map(|i| {
                let a = i as f64 / 20_000.0 * std::f64::consts::TAU;
                let r = if i % 40 < 20 { 9_000.0 } else { 6_000.0 };
                (r * a.cos(), r * a.sin())
            })
            .collect();
        let star = MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])]);
        let area = PlanArea::new(Some(&layer(vec![star.clone()])), &[]).unwrap();
        let mut outside = 0;
        for i in 0..40 {
            for j in 0..40 {
                let parcel = square(
                    -10_000.0 + 500.0 * i as f64,
                    -10_000.0 + 500.0 * j as f64,
                    30.0,
                );
                let expected = if star.intersects(&parcel) {
                    Placement::Inside
                } else {
                    Placement::Outside {
                        distance_m: Euclidean.distance(&star, &parcel),
                    }
                };
                match (area.place(&parcel), expected) {
                    (Placement::Inside, Placement::Inside) => {}
                    (
                        Placement::Outside { distance_m: ours },
                        Placement::Outside { distance_m },
                    ) => {
                        assert!(
                            (ours - distance_m).abs() < 1e-6,
                            "{parcel:?}: {ours} vs {distance_m}"
                        );
                        outside += 1;
                    }
                    (ours, whole) => panic!("{parcel:?}: {ours:?} vs {whole:?}"),
                }
            }
        }
        assert!(outside > 200, "{outside}");
    }

    #[test]
    fn without_a_boundary_the_layers_extent_and_a_margin_are_the_area() {
        let zones = layer(vec![square(0.0, 0.0, 1_000.0)]);
        let lines_only = layer(Vec::new());
        let area = PlanArea::new(Some(&lines_only), std::slice::from_ref(&zones)).unwrap();
        assert!(!area.has_boundary());
        assert_eq!(area.place(&square(9_000.0, 0.0, 10.0)), Placement::Inside);
        match area.place(&square(12_000.0, 0.0, 10.0)) {
            Placement::Outside { distance_m } => assert!((distance_m - 11_000.0).abs() < 1e-9),
            other => panic!("{other:?}"),
        }
        assert!(PlanArea::new(None, &[]).is_none());
    }
}
