//! A polygon with very many vertices, or long and thin across the axes, cut
//! into pieces and its edges indexed: a parcel densified by survey, a road
//! on the diagonal, or a city's plan boundary.
//!
//! Screening clips the parcel to the window of every zone piece it meets and
//! measures distances against every vertex, which is right for the usual
//! parcel of tens of vertices but costs (zone pieces × vertices) for a
//! densified survey boundary of millions: 170 s for one 5-million-vertex
//! parcel. Placing parcels against a boundary of 10⁵ vertices costs as much
//! per parcel. Cut like a zone ([`crate::index::subdivide`]) and with its own
//! edges in an R-tree, the same exact answers cost O(n log n). A road of a
//! few hundred vertices 20 km long on the diagonal has a box of 200 km²:
//! whole, it was clipped to every zone piece and measured against every
//! water line in that box (90 % of the city's corridors job).

use geo::{
    Area, BoundingRect, Coord, CoordsIter, Distance, Euclidean, Intersects, Line, LinesIter,
    MultiPolygon, Rect,
};
use rstar::RTree;

use crate::geometry::Shape;
use crate::index::{has_too_many_vertices, subdivide_while};
use crate::rtree::{entry, envelope, Entry};

/// Parcels with more vertices than this are screened through their pieces:
/// a corridor of a thousand vertices 50 km long meets the zones and water
/// lines near each of its pieces, not all those in its box.
pub const LARGE_PARCEL_VERTICES: usize = 512;

/// A parcel (or piece) whose box is this many times its area is long and
/// not along an axis: a road or pipeline on the diagonal (20–1 000× in the
/// city world, whatever its vertex count). Its box holds zones and water
/// lines far from it, so it is screened through pieces cut until they are
/// not. An ordinary parcel, L-shaped or not, is 1–3×.
const ELONGATED_BOX_TO_AREA: f64 = 8.0;

/// Pieces whose box is at most this long are not cut for their shape
/// (metres): shorter pieces gain nothing, and it bounds the cutting of a
/// sliver whose area is near zero.
const SHORTEST_SHAPE_CUT_M: f64 = 256.0;

/// Whether a piece should be cut for its shape: see [`ELONGATED_BOX_TO_AREA`].
fn elongated(area_m2: f64, bounds: &Rect) -> bool {
    bounds.width().max(bounds.height()) > SHORTEST_SHAPE_CUT_M
        && bounds.width() * bounds.height() > ELONGATED_BOX_TO_AREA * area_m2
}

pub struct IndexedArea {
    area: MultiPolygon,
    /// Exact pieces (even-odd; see [`crate::clip`]) with their bounds; their
    /// areas add up to the whole.
    pub pieces: Vec<(MultiPolygon, Rect)>,
    /// The area's own boundary edges, never the pieces' cut lines.
    edges: Vec<Line>,
    edge_tree: RTree<Entry>,
    /// The first vertex of each of the area's polygons: a polygon that no
    /// edge of another area crosses lies inside it whole, or not at all.
    part_starts: Vec<Coord>,
}

/// The first vertex of each polygon of `mp`.
fn part_starts(mp: &MultiPolygon) -> Vec<Coord> {
    mp.0.iter()
        .filter_map(|p| p.exterior().0.first().copied())
        .collect()
}

impl IndexedArea {
    /// Whether a parcel, of area `area_m2` and box `bounds` (the caller
    /// has them already), is screened through its pieces.
    pub fn is_large(parcel: &MultiPolygon, area_m2: f64, bounds: &Rect) -> bool {
        parcel.coords_count() > LARGE_PARCEL_VERTICES || elongated(area_m2, bounds)
    }

    pub fn new(area: MultiPolygon) -> IndexedArea {
        let pieces = area
            .0
            .iter()
            .flat_map(|p| {
                subdivide_while(p, &|piece, bounds| {
                    has_too_many_vertices(piece) || elongated(piece.unsigned_area(), bounds)
                })
            })
            .filter_map(|p| p.bounding_rect().map(|b| (MultiPolygon::new(vec![p]), b)))
            .collect();
        let edges: Vec<Line> = area.lines_iter().collect();
        let edge_tree = RTree::bulk_load(
            edges
                .iter()
                .enumerate()
                .map(|(i, line)| entry(line.bounding_rect(), i))
                .collect(),
        );
        IndexedArea {
            part_starts: part_starts(&area),
            area,
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

    /// Whether a point is in the closed area. The pieces answer for points
    /// off their cut lines; a point on a piece's boundary may lie on a cut
    /// line through a gap, so the whole area decides then.
    fn covers(&self, point: Coord) -> bool {
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
        on_a_piece_boundary && self.area.intersects(&point)
    }

    /// Whether `line` meets one of the area's edges.
    fn crosses(&self, line: Line) -> bool {
        self.edges_near(line.bounding_rect(), 0.0)
            .any(|edge| edge.intersects(&line))
    }

    /// Whether the closed area and the closed `other` share a point: their
    /// edges cross or touch, or a part of one lies wholly inside the other
    /// (each part is asked by its first vertex).
    pub fn intersects(&self, other: &Shape) -> bool {
        match other {
            Shape::Area(mp) => self.intersects_area(mp),
            Shape::Lines(ml) => {
                ml.lines_iter().any(|line| self.crosses(line))
                    || ml
                        .0
                        .iter()
                        .filter_map(|l| l.0.first())
                        .any(|c| self.covers(*c))
            }
        }
    }

    /// [`IndexedArea::intersects`] for an area.
    pub fn intersects_area(&self, other: &MultiPolygon) -> bool {
        // Only the parts of ours within the other's box can lie inside it:
        // a city boundary of thousands of parts is not asked of each parcel.
        let bounds = other.bounding_rect();
        other.lines_iter().any(|line| self.crosses(line))
            || self
                .part_starts
                .iter()
                .filter(|c| bounds.is_some_and(|b| b.intersects(*c)))
                .any(|c| other.intersects(c))
            || part_starts(other).into_iter().any(|c| self.covers(c))
    }

    /// The exact distance to `other`, which shares no point with the area
    /// (see [`IndexedArea::intersects`]), so the nearest points are on the
    /// edges. For each edge of `other`, ours are visited nearest box first
    /// from its midpoint, until no box left is near enough to hold a nearer
    /// edge than the nearest found: a few of ours per edge, however far.
    pub fn distance_to_disjoint(&self, other: &MultiPolygon) -> f64 {
        let mut nearest = f64::INFINITY;
        for line in other.lines_iter() {
            let middle = (line.start + line.end) / 2.0;
            // Every point of the edge is within this of its middle.
            let reach = line.dx().hypot(line.dy()) / 2.0;
            for (entry, box_distance_2) in self
                .edge_tree
                .nearest_neighbor_iter_with_distance_2(&[middle.x, middle.y])
            {
                if box_distance_2.sqrt() - reach >= nearest {
                    break;
                }
                nearest = nearest.min(Euclidean.distance(&self.edges[entry.data], &line));
            }
        }
        nearest
    }

    /// The exact distance from `line` to the closed area when it is below
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
        let large = IndexedArea::new(parcel.clone());
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
        let large = IndexedArea::new(parcel.clone());
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

    #[test]
    fn a_road_on_the_diagonal_is_screened_through_short_pieces() {
        // 20 km long, 50 m wide, at 45°: four vertices, a box of 200 km².
        let along = |t: f64, off: f64| {
            let r = std::f64::consts::FRAC_1_SQRT_2;
            ((t - off) * r, (t + off) * r)
        };
        let road = MultiPolygon::new(vec![Polygon::new(
            LineString::from(vec![
                along(0.0, 0.0),
                along(20_000.0, 0.0),
                along(20_000.0, 50.0),
                along(0.0, 50.0),
            ]),
            vec![],
        )]);
        let is_large = |mp: &MultiPolygon| {
            IndexedArea::is_large(mp, mp.unsigned_area(), &mp.bounding_rect().unwrap())
        };
        assert!(is_large(&road));
        let large = IndexedArea::new(road.clone());
        let total: f64 = large.pieces.iter().map(|(p, _)| p.unsigned_area()).sum();
        assert!((total - road.unsigned_area()).abs() < 1e-6, "{total}");
        // Each piece's box holds what is near the road, not 200 km².
        let boxes: f64 = large
            .pieces
            .iter()
            .map(|(_, b)| b.width() * b.height())
            .sum();
        assert!(boxes < 20.0 * road.unsigned_area(), "{boxes} m²");
        assert!(large.pieces.len() < 200, "{}", large.pieces.len());
        // A water line 30 m off the road's middle, one 5 km off inside its box.
        let near = Line::new(along(10_000.0, 80.0), along(10_100.0, 80.0));
        let far = Line::new(along(10_000.0, 5_000.0), along(10_100.0, 5_000.0));
        let near_m = large.distance_within(&near, 50.0);
        assert!(
            near_m.is_some_and(|d| (d - 30.0).abs() < 1e-6),
            "{near_m:?}"
        );
        assert_eq!(large.distance_within(&far, 50.0), None);

        // An ordinary parcel, L-shaped and 300 m across, is screened whole.
        let l_shape = MultiPolygon::new(vec![Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (300.0, 0.0),
                (300.0, 60.0),
                (60.0, 60.0),
                (60.0, 300.0),
                (0.0, 300.0),
            ]),
            vec![],
        )]);
        assert!(!is_large(&l_shape));
    }
}
