//! The zone index: protected polygons cut into pieces of bounded vertex
//! count, and river lines cut into segments, in R-trees.
//!
//! Real red-line polygons have thousands of vertices; overlaying a parcel
//! with the whole polygon re-scans all of them for every parcel. Cutting each
//! polygon into pieces of at most [`MAX_PIECE_VERTICES`] vertices (what
//! PostGIS's `ST_Subdivide` does) makes each overlay small. Pieces are cut by
//! vertex count only, never by size: a district of 8 000 km² with 10⁴
//! vertices makes a few dozen pieces, so the index's size and build time grow
//! with the zones' vertices, not their area. Precision does not need small
//! pieces either: the overlay works in the window a parcel and a piece share,
//! cut smaller only where both boundaries run through it
//! ([`crate::screen`]). Pieces are cut with exact clipping ([`crate::clip`]),
//! so the sum over pieces is the area over the whole.

use geo::{BoundingRect, CoordsIter, Line, Polygon, Rect};
use rstar::RTree;

use crate::catalog::Rule;
use crate::clip::{halves, split_polygon};
use crate::geometry::Shape;
use crate::io::Layer;
use crate::rtree::{entry, envelope, Entry};

/// Pieces with more vertices than this are cut again.
pub const MAX_PIECE_VERTICES: usize = 256;

/// Where an indexed item came from: the catalog layer and the feature in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ZoneRef {
    pub layer: usize,
    pub feature: usize,
}

/// A piece of a zone polygon (even-odd semantics; see [`crate::clip`]).
#[derive(Debug, Clone)]
pub struct Piece {
    pub zone: ZoneRef,
    pub polygon: Polygon,
    pub bounds: Rect,
}

/// A segment of a setback layer's water line (or of a water surface's ring).
#[derive(Debug, Clone, Copy)]
pub struct Segment {
    pub zone: ZoneRef,
    pub line: Line,
}

/// The size of a [`ZoneIndex`] (see [`ZoneIndex::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    pub pieces: usize,
    /// Vertices of all pieces: the zones' own, and those the cuts add.
    pub piece_vertices: usize,
    pub segments: usize,
    pub heap_bytes: usize,
}

pub struct ZoneIndex {
    /// Pieces of the polygon features of prohibit / restrict / setback layers.
    pub pieces: Vec<Piece>,
    piece_tree: RTree<Entry>,
    /// Segments of setback layers.
    pub segments: Vec<Segment>,
    segment_tree: RTree<Entry>,
    /// The largest review distance of any setback layer.
    pub max_setback_m: f64,
}

impl ZoneIndex {
    /// The index of a plan's layers, each with its rule, in catalog order
    /// (a [`ZoneRef`]'s layer is a position in it; see
    /// [`crate::plan::LoadedPlan::zone_layers`]).
    pub fn build(layers: &[(Rule, &Layer)]) -> ZoneIndex {
        use rayon::prelude::*;
        let mut max_setback_m: f64 = 0.0;
        let mut polygons: Vec<(ZoneRef, &Polygon)> = Vec::new();
        let mut segments: Vec<Segment> = Vec::new();
        for (layer_index, &(rule, layer)) in layers.iter().enumerate() {
            if rule == Rule::Display {
                continue;
            }
            if let Rule::Setback { review_m, .. } = rule {
                max_setback_m = max_setback_m.max(review_m);
            }
            for (feature_index, feature) in layer.features.iter().enumerate() {
                let zone = ZoneRef {
                    layer: layer_index,
                    feature: feature_index,
                };
                match &feature.shape {
                    Shape::Area(mp) => {
                        polygons.extend(mp.0.iter().map(|p| (zone, p)));
                        if matches!(rule, Rule::Setback { .. }) {
                            segments.extend(mp.0.iter().flat_map(|p| {
                                p.exterior()
                                    .lines()
                                    .chain(p.interiors().iter().flat_map(|r| r.lines()))
                                    .map(move |line| Segment { zone, line })
                            }));
                        }
                    }
                    Shape::Lines(ml) => {
                        segments.extend(
                            ml.0.iter()
                                .flat_map(|l| l.lines().map(move |line| Segment { zone, line })),
                        );
                    }
                }
            }
        }
        // The river segments' tree is built while the zones are cut.
        let segment_tree = || {
            RTree::bulk_load(
                segments
                    .iter()
                    .enumerate()
                    .map(|(i, s)| entry(s.line.bounding_rect(), i))
                    .collect(),
            )
        };
        let pieces_and_tree = || {
            let pieces: Vec<Piece> = polygons
                .par_iter()
                .flat_map_iter(|(zone, polygon)| {
                    subdivide(polygon).into_iter().filter_map(move |p| {
                        p.bounding_rect().map(|bounds| Piece {
                            zone: *zone,
                            polygon: p,
                            bounds,
                        })
                    })
                })
                .collect();
            let tree = RTree::bulk_load(
                pieces
                    .iter()
                    .enumerate()
                    .map(|(i, p)| entry(p.bounds, i))
                    .collect(),
            );
            (pieces, tree)
        };
        let ((pieces, piece_tree), segment_tree) = rayon::join(pieces_and_tree, segment_tree);
        ZoneIndex {
            pieces,
            piece_tree,
            segments,
            segment_tree,
            max_setback_m,
        }
    }

    /// What the index holds and its size on the heap (the pieces' and
    /// segments' own memory and the R-trees' leaves, by their lengths).
    pub fn stats(&self) -> IndexStats {
        let piece_vertices: usize = self.pieces.iter().map(|p| p.polygon.coords_count()).sum();
        let rings: usize = self
            .pieces
            .iter()
            .map(|p| 1 + p.polygon.interiors().len())
            .sum();
        let heap_bytes = self.pieces.len() * std::mem::size_of::<Piece>()
            + piece_vertices * std::mem::size_of::<geo::Coord>()
            + rings * std::mem::size_of::<geo::LineString>()
            + self.segments.len() * std::mem::size_of::<Segment>()
            + (self.pieces.len() + self.segments.len()) * std::mem::size_of::<Entry>();
        IndexStats {
            pieces: self.pieces.len(),
            piece_vertices,
            segments: self.segments.len(),
            heap_bytes,
        }
    }

    /// Pieces whose bounds meet `bounds` (edges touching count).
    pub fn pieces_near<'a>(&'a self, bounds: &Rect) -> impl Iterator<Item = &'a Piece> + 'a {
        self.piece_tree
            .locate_in_envelope_intersecting(&envelope(bounds))
            .map(|e| &self.pieces[e.data])
    }

    /// Segments whose bounds come within `distance` of `bounds`.
    pub fn segments_near<'a>(
        &'a self,
        bounds: &Rect,
        distance: f64,
    ) -> impl Iterator<Item = &'a Segment> + 'a {
        self.segment_ids_near(bounds, distance)
            .map(|i| &self.segments[i])
    }

    /// As [`ZoneIndex::segments_near`], their positions in `segments`.
    pub fn segment_ids_near<'a>(
        &'a self,
        bounds: &Rect,
        distance: f64,
    ) -> impl Iterator<Item = usize> + 'a {
        let grown = Rect::new(
            (bounds.min().x - distance, bounds.min().y - distance),
            (bounds.max().x + distance, bounds.max().y + distance),
        );
        self.segment_tree
            .locate_in_envelope_intersecting(&envelope(&grown))
            .map(|e| e.data)
    }
}

/// Cuts a polygon into pieces of at most [`MAX_PIECE_VERTICES`] vertices by
/// halving its bounds along the longer side, recursively. The pieces' count
/// follows the vertices: a large plain interior stays one piece.
pub fn subdivide(polygon: &Polygon) -> Vec<Polygon> {
    subdivide_while(polygon, &|piece, _| has_too_many_vertices(piece))
}

/// Whether a piece has more than [`MAX_PIECE_VERTICES`] vertices.
pub fn has_too_many_vertices(piece: &Polygon) -> bool {
    piece.coords_count() > MAX_PIECE_VERTICES
}

/// Halves a polygon's bounds along the longer side, recursively, while
/// `too_big` says a piece (with its bounds) is.
pub fn subdivide_while(
    polygon: &Polygon,
    too_big: &dyn Fn(&Polygon, &Rect) -> bool,
) -> Vec<Polygon> {
    let mut out = Vec::new();
    subdivide_into(polygon.clone(), too_big, 0, &mut out);
    out
}

fn subdivide_into(
    polygon: Polygon,
    too_big: &dyn Fn(&Polygon, &Rect) -> bool,
    depth: usize,
    out: &mut Vec<Polygon>,
) {
    // Depth bounds the recursion for pathological inputs (many vertices
    // stacked on one spot); 2^-32 of a zone is far below any real tolerance.
    let Some(bounds) = polygon.bounding_rect() else {
        return;
    };
    if depth >= 32 || !too_big(&polygon, &bounds) {
        out.push(polygon);
        return;
    }
    let (_, cut) = halves(&bounds);
    for piece in split_polygon(&polygon, cut).into_iter().flatten() {
        subdivide_into(piece, too_big, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, LineString};

    fn jagged(n: usize) -> Polygon {
        // A star-like ring with n vertices around (1000, 1000).
        let ring: Vec<(f64, f64)> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = if i % 2 == 0 {
                    900.0
                } else {
                    600.0 + (i % 7) as f64 * 20.0
                };
                (1000.0 + r * a.cos(), 1000.0 + r * a.sin())
            })
            .collect();
        Polygon::new(LineString::from(ring), vec![])
    }

    #[test]
    fn pieces_are_small_and_add_up_to_the_whole() {
        let big = jagged(3000);
        let pieces = subdivide(&big);
        assert!(pieces.len() > 10, "{}", pieces.len());
        assert!(pieces
            .iter()
            .all(|p| p.coords_count() <= MAX_PIECE_VERTICES + 16));
        let window = Rect::new((-10.0, -10.0), (2010.0, 2010.0)).to_polygon();
        let total: f64 = pieces
            .iter()
            .map(|p| p.intersection(&window).unsigned_area())
            .sum();
        assert!(
            (total - big.unsigned_area()).abs() < 1e-6 * big.unsigned_area(),
            "{total}"
        );
    }
}
