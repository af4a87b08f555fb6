//! A parcel with very many vertices, cut into pieces and its edges indexed.
//!
//! Screening clips the parcel to the window of every zone piece it meets and
//! measures distances against every vertex, which is right for the usual
//! parcel of tens of vertices but costs (zone pieces × vertices) for a
//! densified survey boundary of millions: 170 s for one 5-million-vertex
//! parcel. Cut like a zone ([`crate::index::subdivide`]) and with its own
//! edges in an R-tree, the same exact answers cost O(n log n).

use geo::{
    BoundingRect, CoordsIter, Distance, Euclidean, Intersects, Line, LinesIter, MultiPolygon, Rect,
};
use rstar::RTree;

use crate::geometry::Shape;
use crate::index::subdivide;
use crate::rtree::{entry, envelope, Entry};

/// Parcels with more vertices than this are screened through their pieces:
/// a corridor of a thousand vertices 50 km long meets the zones and water
/// lines near each of its pieces, not all those in its box.
pub const LARGE_PARCEL_VERTICES: usize = 512;

pub struct LargeParcel<'a> {
    parcel: &'a MultiPolygon,
    /// Exact pieces (even-odd; see [`crate::clip`]) with their bounds; their
    /// areas add up to the parcel's.
    pub pieces: Vec<(MultiPolygon, Rect)>,
    /// The parcel's own boundary edges, never the pieces' cut lines.
    edges: Vec<Line>,
    edge_tree: RTree<Entry>,
}

impl<'a> LargeParcel<'a> {
    pub fn is_large(parcel: &MultiPolygon) -> bool {
        parcel.coords_count() > LARGE_PARCEL_VERTICES
    }

    pub fn new(parcel: &'a MultiPolygon) -> LargeParcel<'a> {
        let pieces = parcel
            .0
            .iter()
            .flat_map(subdivide)
            .filter_map(|p| p.bounding_rect().map(|b| (MultiPolygon::new(vec![p]), b)))
            .collect();
        let edges: Vec<Line> = parcel.lines_iter().collect();
        let edge_tree = RTree::bulk_load(
            edges
                .iter()
                .enumerate()
                .map(|(i, line)| entry(line.bounding_rect(), i))
                .collect(),
        );
        LargeParcel {
            parcel,
            pieces,
            edges,
            edge_tree,
        }
    }

    fn edges_near(&self, bounds: Rect, reach: f64) -> impl Iterator<Item = &Line> {
        let grown = Rect::new(
            (bounds.min().x - reach, bounds.min().y - reach),
            (bounds.max().x + reach, bounds.max().y + reach),
        );
        self.edge_tree
            .locate_in_envelope_intersecting(&envelope(&grown))
            .map(|e| &self.edges[e.data])
    }

    /// Whether a point is in the closed parcel. The pieces answer for points
    /// off their cut lines; a point on a piece's boundary may lie on a cut
    /// line through a gap, so the whole parcel decides then.
    fn covers(&self, point: geo::Coord) -> bool {
        use geo::coordinate_position::{CoordPos, CoordinatePosition};
        let mut on_a_piece_boundary = false;
        for (piece, bounds) in &self.pieces {
            if !bounds.intersects(&point) {
                continue;
            }
            match piece.coordinate_position(&point) {
                CoordPos::Inside => return true,
                CoordPos::OnBoundary => on_a_piece_boundary = true,
                CoordPos::Outside => {}
            }
        }
        on_a_piece_boundary && self.parcel.intersects(&point)
    }

    /// Whether the closed parcel and the closed zone share a point: their
    /// edges cross or touch, or one lies wholly inside the other.
    pub fn intersects(&self, zone: &Shape) -> bool {
        let crosses = |line: Line| {
            self.edges_near(line.bounding_rect(), 0.0)
                .any(|edge| edge.intersects(&line))
        };
        let Some(parcel_point) = self.parcel.coords_iter().next() else {
            return false;
        };
        match zone {
            Shape::Area(mp) => {
                mp.lines_iter().any(crosses)
                    || mp.intersects(&parcel_point)
                    || mp.coords_iter().next().is_some_and(|c| self.covers(c))
            }
            Shape::Lines(ml) => {
                ml.lines_iter().any(crosses)
                    || ml.coords_iter().next().is_some_and(|c| self.covers(c))
            }
        }
    }

    /// The exact distance from `line` to the closed parcel when it is below
    /// `reach`, else `None`.
    pub fn distance_within(&self, line: &Line, reach: f64) -> Option<f64> {
        if self.covers(line.start) {
            return Some(0.0);
        }
        self.edges_near(line.bounding_rect(), reach)
            .map(|edge| Euclidean.distance(edge, line))
            .filter(|d| *d < reach)
            .min_by(f64::total_cmp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, LineString, MultiLineString, Polygon};

    /// A wavy ring of `n` vertices around (0, 0), radius ~1000 m.
    fn wavy(n: usize) -> MultiPolygon {
        let ring: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                let r =
                    1000.0 * (1.0 + 0.05 * (40.0 * a).sin()) + if i % 2 == 0 { 0.2 } else { -0.2 };
                (r * a.cos(), r * a.sin())
            })
            .collect();
        MultiPolygon::new(vec![Polygon::new(LineString::from(ring), vec![])])
    }

    #[test]
    fn pieces_add_up_to_the_parcel() {
        let parcel = wavy(30_000);
        let large = LargeParcel::new(&parcel);
        let total: f64 = large
            .pieces
            .iter()
            .map(|(p, _)| p.signed_area().abs())
            .sum();
        assert!((total - parcel.unsigned_area()).abs() < 1e-6, "{total}");
    }

    #[test]
    fn intersects_and_distances_agree_with_the_whole_parcel() {
        let parcel = wavy(30_000);
        let large = LargeParcel::new(&parcel);
        let square = |x: f64, y: f64, half: f64| {
            Shape::Area(MultiPolygon::new(vec![geo::Rect::new(
                (x - half, y - half),
                (x + half, y + half),
            )
            .to_polygon()]))
        };
        for (zone, expected) in [
            (square(0.0, 0.0, 10.0), true),        // inside the parcel
            (square(0.0, 0.0, 5000.0), true),      // the parcel inside it
            (square(1000.0, 0.0, 30.0), true),     // across the edge
            (square(3000.0, 3000.0, 10.0), false), // away
        ] {
            let whole = match &zone {
                Shape::Area(mp) => parcel.intersects(mp),
                Shape::Lines(ml) => parcel.intersects(ml),
            };
            assert_eq!(whole, expected);
            assert_eq!(large.intersects(&zone), expected);
        }
        let lines = [
            Line::new((0.0, 0.0), (10.0, 0.0)),
            Line::new((1100.0, -50.0), (1100.0, 50.0)),
            Line::new((0.0, 1120.0), (40.0, 1120.0)),
            Line::new((3000.0, 0.0), (3000.0, 10.0)),
        ];
        for line in lines {
            let whole = Euclidean.distance(&line, &parcel);
            let expected = (whole < 200.0).then_some(whole);
            assert_eq!(large.distance_within(&line, 200.0), expected, "{line:?}");
        }
        let river = Shape::Lines(MultiLineString::new(vec![LineString::from(vec![
            (-2000.0, 0.0),
            (2000.0, 0.0),
        ])]));
        assert!(large.intersects(&river));
    }
}
