//! Turning what a file holds into geometry that can be measured exactly.
//!
//! Every feature passes through here once, at load time: coordinates are
//! checked to be finite (a NaN panics inside the overlay engine), polygons are
//! validated and, when invalid, repaired the way GEOS / PostGIS `MakeValid`
//! ("linework") does, and what was done is recorded as a note for the report.
//! A feature that cannot be made measurable is an error, never dropped quietly.

use geo::coordinate_position::CoordPos;
use geo::dimensions::Dimensions;
use geo::orient::Direction;
use geo::validation::{GeometryIndex, InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::{
    unary_union, Area, BoundingRect, Contains, Coord, CoordsIter, Distance, Euclidean, Geometry,
    HasDimensions, InteriorPoint, Intersects, Line, LineString, MakeValid, MultiLineString,
    MultiPolygon, Orient, Point, Polygon, PreparedGeometry, Rect, Relate, RemoveRepeatedPoints,
    Validation,
};

/// A feature's geometry once it is usable: an area, or lines (rivers).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Area(MultiPolygon),
    Lines(MultiLineString),
}

impl Shape {
    pub fn bounding_rect(&self) -> Option<Rect> {
        match self {
            Shape::Area(mp) => mp.bounding_rect(),
            Shape::Lines(ml) => ml.bounding_rect(),
        }
    }

    pub fn area_m2(&self) -> f64 {
        match self {
            Shape::Area(mp) => mp.unsigned_area(),
            Shape::Lines(_) => 0.0,
        }
    }

    /// Whether a click at `pt` hits the shape: inside an area (holes are
    /// outside), or within `tolerance_m` of a line.
    pub fn is_hit(&self, pt: Coord, tolerance_m: f64) -> bool {
        let point = Point::from(pt);
        match self {
            Shape::Area(mp) => mp.intersects(&point),
            Shape::Lines(ml) => Euclidean.distance(ml, &point) <= tolerance_m,
        }
    }
}

/// The ground a set of shapes covers, each point once: features of one layer
/// may overlap, and a plan's area figure must not count that ground twice.
/// Lines cover no ground and are left out.
pub fn dissolve<'a>(shapes: impl IntoIterator<Item = &'a Shape>) -> MultiPolygon {
    // The union reads its fill rule off the first ring's winding, so every
    // ring must wind the standard way; shapefile rings come either way.
    let polygons: Vec<Polygon> = shapes
        .into_iter()
        .filter_map(|s| match s {
            Shape::Area(mp) => Some(mp),
            Shape::Lines(_) => None,
        })
        .flat_map(|mp| mp.0.iter().map(|p| p.orient(Direction::Default)))
        .collect();
    unary_union(&polygons)
}

/// A usable shape and what had to be done to make it usable.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleaned {
    pub shape: Shape,
    /// Repairs made, in words for the report; empty when the input was valid.
    pub notes: Vec<String>,
}

/// Returns the first non-finite coordinate, which must be refused before any
/// geometry algorithm sees it.
pub fn first_non_finite(geometry: &Geometry) -> Option<Coord> {
    geometry
        .coords_iter()
        .find(|c| !c.x.is_finite() || !c.y.is_finite())
}

/// Makes a geometry measurable, as an area (parcels, zones) or as lines
/// (river water lines). `Err` says why it cannot be used.
pub fn clean(geometry: Geometry) -> Result<Cleaned, String> {
    if geometry.coords_iter().next().is_none() {
        return Err(
            "the geometry is empty (it has no coordinates); draw or import its boundary"
                .to_string(),
        );
    }
    if let Some(c) = first_non_finite(&geometry) {
        return Err(format!(
            "coordinate ({}, {}) is not a finite number; fix the coordinate in the source file",
            c.x, c.y
        ));
    }
    let mut polygons = Vec::new();
    let mut lines = Vec::new();
    let mut points = 0usize;
    collect_parts(geometry, &mut polygons, &mut lines, &mut points);
    match (polygons.is_empty(), lines.is_empty()) {
        (false, true) => clean_area(MultiPolygon::new(polygons)),
        (true, false) => clean_lines(MultiLineString::new(lines)),
        (false, false) => Err(
            "the geometry mixes polygons and lines; split it into one feature per kind".to_string(),
        ),
        (true, true) if points > 0 => Err(
            "the geometry is a point; redline needs polygons (parcels, zones) or lines (rivers)"
                .to_string(),
        ),
        (true, true) => Err("the geometry is empty".to_string()),
    }
}

fn collect_parts(
    geometry: Geometry,
    polygons: &mut Vec<Polygon>,
    lines: &mut Vec<LineString>,
    points: &mut usize,
) {
    match geometry {
        Geometry::Polygon(p) => polygons.push(p),
        Geometry::MultiPolygon(mp) => polygons.extend(mp),
        Geometry::Rect(r) => polygons.push(r.to_polygon()),
        Geometry::Triangle(t) => polygons.push(t.to_polygon()),
        Geometry::LineString(l) => lines.push(l),
        Geometry::MultiLineString(ml) => lines.extend(ml),
        Geometry::Line(l) => lines.push(LineString::from(vec![l.start, l.end])),
        Geometry::Point(_) => *points += 1,
        Geometry::MultiPoint(mp) => *points += mp.0.len(),
        Geometry::GeometryCollection(gc) => {
            for g in gc {
                collect_parts(g, polygons, lines, points);
            }
        }
    }
}

/// Validates a polygonal geometry and repairs it when invalid.
pub fn clean_area(multi_polygon: MultiPolygon) -> Result<Cleaned, String> {
    let multi_polygon = multi_polygon.remove_repeated_points();
    let problems = validation_problems(&multi_polygon);
    // A bow-tie's signed halves cancel to zero: only a valid polygon's area
    // can be trusted before repair.
    if problems.is_empty() && is_degenerate(&multi_polygon) {
        return Err(
            "the polygon has zero area (all its points lie on a line or one spot); fix or remove it in the source file"
                .to_string(),
        );
    }
    if problems.is_empty() {
        return Ok(Cleaned {
            shape: Shape::Area(multi_polygon),
            notes: Vec::new(),
        });
    }
    let before = multi_polygon.unsigned_area();
    let repaired = multi_polygon.make_valid().map_err(|e| {
        format!(
            "invalid geometry ({}) that could not be repaired: {e}",
            problems.join("; ")
        )
    })?;
    let repaired = in_canonical_order(repaired);
    let after = repaired.unsigned_area();
    if repaired.0.is_empty() || is_degenerate(&repaired) {
        return Err(format!(
            "the polygon has zero area ({}); fix or remove it in the source file",
            problems.join("; ")
        ));
    }
    let note = format!(
        "几何无效已修复 invalid geometry repaired (make-valid): {}; area {before:.2} -> {after:.2} m²",
        problems.join("; ")
    );
    Ok(Cleaned {
        shape: Shape::Area(repaired),
        notes: vec![note],
    })
}

/// Whether a polygon's area is nothing beside its extent: points on one line
/// or one spot. Points collinear in lon/lat are not quite collinear once
/// projected, so "zero" has to allow for the rounding of a reprojection: a
/// mean width under a millionth of the extent (1 mm over 1 km) is no parcel.
fn is_degenerate(multi_polygon: &MultiPolygon) -> bool {
    let area = multi_polygon.unsigned_area();
    let extent = multi_polygon
        .bounding_rect()
        .map_or(0.0, |b| b.width().hypot(b.height()));
    area.is_nan() || area <= 1e-6 * extent * extent
}

/// geo's `validation_errors`, in the same words and order, without its
/// all-pairs ring self-intersection test: that test is quadratic in a ring's
/// vertex count and took seconds per 10 000-vertex zone. Rings are tested
/// here with the same predicate on the segment pairs whose bounds meet (the
/// only pairs that can intersect); a ring that fails, or is too short, goes
/// to geo for the complete list of problems.
pub fn validation_problems(multi_polygon: &MultiPolygon) -> Vec<String> {
    let rings_ok = multi_polygon.0.iter().all(|p| {
        std::iter::once(p.exterior()).chain(p.interiors()).all(|r| {
            r.0.is_empty() || (r.remove_repeated_points().0.len() >= 4 && !ring_self_intersects(r))
        })
    });
    if !rings_ok {
        return multi_polygon
            .validation_errors()
            .iter()
            .map(|e| e.to_string())
            .collect();
    }
    let mut errors: Vec<InvalidMultiPolygon> = Vec::new();
    let bounds: Vec<Option<Rect>> = multi_polygon.0.iter().map(|p| p.bounding_rect()).collect();
    for (i, polygon) in multi_polygon.0.iter().enumerate() {
        for e in interior_ring_problems(polygon) {
            errors.push(InvalidMultiPolygon::InvalidPolygon(GeometryIndex(i), e));
        }
        // Parts whose boxes do not meet can neither overlap nor touch, and
        // relating them would build both parts' edge graphs for nothing.
        let near =
            |j: usize| matches!((bounds[i], bounds[j]), (Some(a), Some(b)) if a.intersects(&b));
        let mut prepared = None;
        for (j, other) in multi_polygon.0.iter().enumerate().skip(i + 1) {
            if !near(j) {
                continue;
            }
            let im = prepared
                .get_or_insert_with(|| PreparedGeometry::from(polygon))
                .relate(other);
            if im.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                errors.push(InvalidMultiPolygon::ElementsOverlaps(
                    GeometryIndex(i),
                    GeometryIndex(j),
                ));
            }
            if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                errors.push(InvalidMultiPolygon::ElementsTouchOnALine(
                    GeometryIndex(i),
                    GeometryIndex(j),
                ));
            }
        }
    }
    errors.iter().map(|e| e.to_string()).collect()
}

/// geo's checks of a polygon's holes against its shell and each other
/// (`Validation for Polygon`, after the ring checks), unchanged.
fn interior_ring_problems(polygon: &Polygon) -> Vec<InvalidPolygon> {
    let mut errors = Vec::new();
    if polygon.is_empty() || polygon.interiors().iter().all(|r| r.is_empty()) {
        return errors;
    }
    let exterior = Polygon::new(polygon.exterior().clone(), vec![]);
    let prepared_exterior = PreparedGeometry::from(&exterior);
    for (i, interior) in polygon.interiors().iter().enumerate() {
        if interior.is_empty() {
            continue;
        }
        let interior_polygon = Polygon::new(interior.clone(), vec![]);
        let prepared_interior = PreparedGeometry::from(&interior_polygon);
        let im = prepared_exterior.relate(&prepared_interior);
        if !im.is_contains() {
            errors.push(InvalidPolygon::InteriorRingNotContainedInExteriorRing(
                RingRole::Interior(i),
            ));
        }
        if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
            errors.push(InvalidPolygon::IntersectingRingsOnALine(
                RingRole::Exterior,
                RingRole::Interior(i),
            ));
        }
        for (j, other) in polygon.interiors().iter().enumerate().skip(i + 1) {
            if other.is_empty() {
                continue;
            }
            let im = prepared_interior.relate(&Polygon::new(other.clone(), vec![]));
            if im.get(CoordPos::Inside, CoordPos::Inside) == Dimensions::TwoDimensional {
                errors.push(InvalidPolygon::IntersectingRingsOnAnArea(
                    RingRole::Interior(i),
                    RingRole::Interior(j),
                ));
            }
            if im.get(CoordPos::OnBoundary, CoordPos::OnBoundary) == Dimensions::OneDimensional {
                errors.push(InvalidPolygon::IntersectingRingsOnALine(
                    RingRole::Interior(i),
                    RingRole::Interior(j),
                ));
            }
        }
    }
    errors
}

/// The box around two boxes.
pub fn union_rect(a: Rect, b: Rect) -> Rect {
    Rect::new(
        Coord {
            x: a.min().x.min(b.min().x),
            y: a.min().y.min(b.min().y),
        },
        Coord {
            x: a.max().x.max(b.max().x),
            y: a.max().y.max(b.max().y),
        },
    )
}

/// geo's ring self-intersection predicate (two distinct segments meet,
/// other than where one ends and the other begins), tested only on pairs
/// whose bounds overlap: found by a sweep along x for the usual small ring,
/// through a grid for a long one (see [`any_pair_meets`]).
pub fn ring_self_intersects(ring: &LineString) -> bool {
    /// Below this many segments the sweep's sorting beats the grid.
    const GRID_FROM_SEGMENTS: usize = 512;
    let lines: Vec<Line> = ring.lines().collect();
    // Neighbours share a vertex and are never flagged: the cheap test first.
    let flagged = |i: usize, j: usize| {
        let (a, b) = (&lines[i], &lines[j]);
        a.start != b.end && a.end != b.start && a.intersects(b)
    };
    let boxes: Vec<Rect> = lines.iter().map(|l| l.bounding_rect()).collect();
    if lines.len() >= GRID_FROM_SEGMENTS {
        return any_pair_meets(&boxes, &flagged);
    }
    let mut order: Vec<(usize, Rect)> = boxes.into_iter().enumerate().collect();
    order.sort_by(|a, b| a.1.min().x.total_cmp(&b.1.min().x));
    for (k, (i, a_box)) in order.iter().enumerate() {
        for (j, b_box) in &order[k + 1..] {
            if b_box.min().x > a_box.max().x {
                break;
            }
            if b_box.min().y > a_box.max().y || b_box.max().y < a_box.min().y {
                continue;
            }
            if flagged(*i, *j) {
                return true;
            }
        }
    }
    false
}

fn boxes_overlap(a: &Rect, b: &Rect) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

/// Whether `meets(i, j)` holds for a pair of items whose boxes overlap.
///
/// The boxes are put in the cells of a grid sized so that a cell holds a
/// few of them (the occupied cells only), and each pair is tested in one cell only: the one holding
/// the lower corner of the two boxes' overlap. So a jagged red-line patch
/// of thousands of segments costs a few comparisons a segment, where an
/// R-tree costs a tree walk each (half of the time of loading a city's red
/// line went there). A sweep along x turns quadratic on a densified side,
/// whose segments all overlap in x; a cell does the same on a densified
/// spot, so a crowded cell is tested through an R-tree of its own. A box
/// spanning many cells is tested against every box, and if there are many
/// such, the whole is tested through an R-tree.
fn any_pair_meets(boxes: &[Rect], meets: &dyn Fn(usize, usize) -> bool) -> bool {
    /// Cells a box may span before it is tested against every box.
    const MAX_CELLS_A_BOX: usize = 16;
    /// Boxes a cell may hold before its pairs go through a tree.
    const CROWDED_CELL: usize = 48;
    let Some(all) = boxes.iter().copied().reduce(union_rect) else {
        return false;
    };
    // A ring's segments lie along a line, not over its box: cells a few
    // segments long hold a few segments each. At most 10⁹ cells a side, so
    // that a cell's key fits in 64 bits.
    let mean_side =
        boxes.iter().map(|b| b.width().max(b.height())).sum::<f64>() / boxes.len() as f64;
    let cell = (4.0 * mean_side)
        .max(all.width().max(all.height()) * 1e-9)
        .max(f64::MIN_POSITIVE);
    let cells_x = (all.width() / cell).floor() as u64 + 1;
    let cell_of = |c: Coord| -> (u64, u64) {
        (
            ((c.x - all.min().x) / cell).floor().max(0.0) as u64,
            ((c.y - all.min().y) / cell).floor().max(0.0) as u64,
        )
    };
    let key = |(x, y): (u64, u64)| y * cells_x + x;

    let mut entries: Vec<(u64, u32)> = Vec::with_capacity(boxes.len() * 2);
    let mut wide: Vec<usize> = Vec::new();
    for (i, b) in boxes.iter().enumerate() {
        let ((x0, y0), (x1, y1)) = (cell_of(b.min()), cell_of(b.max()));
        let spanned = (x1 - x0 + 1).saturating_mul(y1 - y0 + 1);
        if spanned as usize > MAX_CELLS_A_BOX {
            wide.push(i);
            continue;
        }
        for y in y0..=y1 {
            for x in x0..=x1 {
                entries.push((key((x, y)), i as u32));
            }
        }
    }
    if wide.len() > 64 {
        return any_pair_meets_by_tree(boxes, &(0..boxes.len()).collect::<Vec<_>>(), meets, None);
    }
    let is_wide = {
        let mut flags = vec![false; boxes.len()];
        for &i in &wide {
            flags[i] = true;
        }
        flags
    };
    for &i in &wide {
        let hit = (0..boxes.len())
            .filter(|&j| j != i && (!is_wide[j] || j > i))
            .filter(|&j| boxes_overlap(&boxes[i], &boxes[j]))
            .any(|j| meets(i.min(j), i.max(j)));
        if hit {
            return true;
        }
    }
    entries.sort_unstable();
    let owner = |i: usize, j: usize| {
        let (a, b) = (&boxes[i], &boxes[j]);
        key(cell_of(Coord {
            x: a.min().x.max(b.min().x),
            y: a.min().y.max(b.min().y),
        }))
    };
    for run in entries.chunk_by(|a, b| a.0 == b.0) {
        let cell_key = run[0].0;
        let members: Vec<usize> = run.iter().map(|&(_, i)| i as usize).collect();
        if members.len() > CROWDED_CELL {
            if any_pair_meets_by_tree(
                boxes,
                &members,
                meets,
                Some(&|i, j| owner(i, j) == cell_key),
            ) {
                return true;
            }
            continue;
        }
        for (k, &i) in members.iter().enumerate() {
            for &j in &members[k + 1..] {
                if boxes_overlap(&boxes[i], &boxes[j])
                    && owner(i, j) == cell_key
                    && meets(i.min(j), i.max(j))
                {
                    return true;
                }
            }
        }
    }
    false
}

/// [`any_pair_meets`] over `members` through an R-tree of their boxes,
/// testing only the pairs `keep` accepts.
fn any_pair_meets_by_tree(
    boxes: &[Rect],
    members: &[usize],
    meets: &dyn Fn(usize, usize) -> bool,
    keep: Option<&dyn Fn(usize, usize) -> bool>,
) -> bool {
    let tree = rstar::RTree::bulk_load(
        members
            .iter()
            .map(|&i| crate::rtree::entry(boxes[i], i))
            .collect(),
    );
    members.iter().any(|&i| {
        tree.locate_in_envelope_intersecting(&crate::rtree::envelope(&boxes[i]))
            .any(|e| e.data > i && keep.is_none_or(|k| k(i, e.data)) && meets(i, e.data))
    })
}

/// `MakeValid` returns its polygons, and the start of each ring, in an
/// order that varies from run to run; outputs must not. Each ring starts at
/// its smallest coordinate (orientation kept) and rings and polygons are
/// sorted by it.
fn in_canonical_order(multi_polygon: MultiPolygon) -> MultiPolygon {
    fn order(a: &Coord, b: &Coord) -> std::cmp::Ordering {
        a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y))
    }
    fn canonical(ring: &LineString) -> LineString {
        let open = &ring.0[..ring.0.len().saturating_sub(1)];
        let Some(start) = (0..open.len()).min_by(|&i, &j| order(&open[i], &open[j])) else {
            return ring.clone();
        };
        let mut coords: Vec<Coord> = open[start..]
            .iter()
            .chain(&open[..start])
            .copied()
            .collect();
        coords.push(open[start]);
        LineString::new(coords)
    }
    fn by_start(a: &LineString, b: &LineString) -> std::cmp::Ordering {
        match (a.0.first(), b.0.first()) {
            (Some(a), Some(b)) => order(a, b),
            _ => a.0.len().cmp(&b.0.len()),
        }
    }
    let mut polygons: Vec<Polygon> = multi_polygon
        .0
        .iter()
        .map(|p| {
            let mut interiors: Vec<LineString> = p.interiors().iter().map(canonical).collect();
            interiors.sort_by(by_start);
            Polygon::new(canonical(p.exterior()), interiors)
        })
        .collect();
    polygons.sort_by(|a, b| by_start(a.exterior(), b.exterior()));
    MultiPolygon::new(polygons)
}

fn clean_lines(lines: MultiLineString) -> Result<Cleaned, String> {
    let lines = lines.remove_repeated_points();
    let kept: Vec<LineString> = lines.into_iter().filter(|l| l.0.len() >= 2).collect();
    if kept.is_empty() {
        return Err("the line has zero length; fix or remove it in the source file".to_string());
    }
    Ok(Cleaned {
        shape: Shape::Lines(MultiLineString::new(kept)),
        notes: Vec::new(),
    })
}

/// Builds polygons from loose rings, deciding holes by containment rather
/// than by winding order or ring numbering, which files from other tools get
/// wrong (shapefiles with counter-clockwise shells; surveyors' ring numbers).
/// A ring inside an odd number of other rings is a hole of the smallest ring
/// that contains it.
pub fn polygons_from_rings(rings: Vec<LineString>) -> MultiPolygon {
    let mut rings: Vec<(f64, LineString)> = rings
        .into_iter()
        .filter(|r| r.0.len() >= 3)
        .map(|mut r| {
            r.close();
            (Polygon::new(r.clone(), vec![]).unsigned_area(), r)
        })
        .collect();
    // Largest first, so every container precedes what it contains.
    rings.sort_by(|a, b| b.0.total_cmp(&a.0));
    if rings.len() == 1 {
        // Most parcels are one ring; an interior point costs more than reading it.
        let (_, ring) = rings.swap_remove(0);
        return MultiPolygon::new(vec![Polygon::new(ring, vec![])]);
    }
    let shells: Vec<Polygon> = rings
        .iter()
        .map(|(_, r)| Polygon::new(r.clone(), vec![]))
        .collect();
    let mut parent: Vec<Option<usize>> = vec![None; rings.len()];
    let mut depth = vec![0usize; rings.len()];
    // The largest ring is inside nothing.
    for i in 1..rings.len() {
        let probe = shells[i].interior_point();
        for j in (0..i).rev() {
            let inside = probe.is_some_and(|p| shells[j].contains(&p));
            if inside {
                parent[i] = Some(j);
                depth[i] = depth[j] + 1;
                break;
            }
        }
    }
    let mut polygons: Vec<(usize, Polygon)> = Vec::new();
    for i in 0..rings.len() {
        if depth[i] % 2 == 0 {
            polygons.push((i, Polygon::new(rings[i].1.clone(), vec![])));
        }
    }
    for i in 0..rings.len() {
        if depth[i] % 2 == 1 {
            if let Some(shell) = parent[i] {
                if let Some((_, polygon)) = polygons.iter_mut().find(|(s, _)| *s == shell) {
                    polygon.interiors_push(rings[i].1.clone());
                }
            }
        }
    }
    MultiPolygon::new(polygons.into_iter().map(|(_, p)| p).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    /// Rings on a coarse grid, so that shared vertices, collinear overlaps,
    /// spikes and crossings all occur.
    fn grid_ring(seed: u64, n: usize) -> LineString {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % 5) as f64
        };
        let mut coords: Vec<(f64, f64)> = (0..n).map(|_| (next(), next())).collect();
        coords.push(coords[0]);
        LineString::from(coords)
    }

    #[test]
    fn long_rings_are_judged_as_geo_judges_them() {
        // Random rings on a coarse grid: shared vertices, collinear
        // overlaps, spikes, crossings; long enough to go through the grid.
        for seed in 0..24u64 {
            let ring = grid_ring(seed, 520 + seed as usize);
            let naive = geo::Polygon::new(ring.clone(), vec![])
                .validation_errors()
                .iter()
                .any(|e| matches!(e, InvalidPolygon::SelfIntersection(_)));
            assert_eq!(ring_self_intersects(&ring), naive, "seed {seed}");
        }
        // A 100 km square whose west side is densified into 50 000 segments
        // (one cell holds them all, and every one spans the same x).
        let side = 100_000.0;
        let mut coords: Vec<Coord> = vec![
            Coord { x: 0.0, y: 0.0 },
            Coord { x: side, y: 0.0 },
            Coord { x: side, y: side },
        ];
        let n = 50_000;
        coords.extend((0..=n).map(|i| Coord {
            x: if i % 2 == 0 { 0.0 } else { 0.001 },
            y: side - side * i as f64 / n as f64,
        }));
        assert!(!ring_self_intersects(&LineString::new(coords.clone())));
        // A dent in the densified side reaching past the east side.
        coords[20_000].x = side + 1.0;
        assert!(ring_self_intersects(&LineString::new(coords)));
        // A spiral whose last segment cuts back across all its turns.
        let mut spiral: Vec<Coord> = (0..2_000)
            .map(|i| {
                let a = i as f64 * 0.05;
                Coord {
                    x: a * a.cos(),
                    y: a * a.sin(),
                }
            })
            .collect();
        spiral.push(Coord { x: 0.0, y: 0.0 });
        assert!(ring_self_intersects(&LineString::new(spiral)));
    }

    #[test]
    fn a_long_ring_is_checked_through_the_grid() {
        // A densified wavy circle, zig-zagging by 0.2 m: every side column of
        // it overlaps in x, which made the sweep quadratic.
        let n = 20_000;
        let mut coords: Vec<Coord> = (0..n)
            .map(|i| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = 1000.0 + 50.0 * (40.0 * a).sin() + if i % 2 == 0 { 0.1 } else { -0.1 };
                Coord {
                    x: r * a.cos(),
                    y: r * a.sin(),
                }
            })
            .collect();
        coords.push(coords[0]);
        assert!(!ring_self_intersects(&LineString::new(coords.clone())));
        // One vertex pulled across the ring to the far side: a bow-tie.
        coords[5_000] = Coord { x: 0.0, y: -1100.0 };
        assert!(ring_self_intersects(&LineString::new(coords)));
    }

    #[test]
    fn fast_validation_says_what_geo_says() {
        let mut polygons: Vec<MultiPolygon> = Vec::new();
        for seed in 0..400u64 {
            let n = 3 + (seed % 6) as usize;
            let ring = grid_ring(seed, n);
            let naive = geo::Polygon::new(ring.clone(), vec![])
                .validation_errors()
                .iter()
                .any(|e| matches!(e, InvalidPolygon::SelfIntersection(_)));
            if ring.remove_repeated_points().0.len() >= 4 {
                assert_eq!(ring_self_intersects(&ring), naive, "seed {seed}: {ring:?}");
            }
            polygons.push(MultiPolygon::new(vec![Polygon::new(ring, vec![])]));
        }
        let shell = square(0.0, 0.0, 10.0);
        for hole in [
            square(1.0, 1.0, 2.0),
            square(0.0, 0.0, 2.0),
            square(8.0, 8.0, 4.0),
        ] {
            polygons.push(MultiPolygon::new(vec![Polygon::new(
                shell.clone(),
                vec![hole.clone(), square(2.0, 2.0, 2.0)],
            )]));
            polygons.push(MultiPolygon::new(vec![
                Polygon::new(shell.clone(), vec![]),
                Polygon::new(hole, vec![]),
                Polygon::new(square(10.0, 0.0, 3.0), vec![]),
            ]));
        }
        for mp in &polygons {
            let geo_says: Vec<String> = mp
                .validation_errors()
                .iter()
                .map(|e| e.to_string())
                .collect();
            assert_eq!(validation_problems(mp), geo_says, "{mp:?}");
        }
    }

    fn square(x0: f64, y0: f64, side: f64) -> LineString {
        LineString::from(vec![
            (x0, y0),
            (x0 + side, y0),
            (x0 + side, y0 + side),
            (x0, y0 + side),
            (x0, y0),
        ])
    }

    #[test]
    fn a_bow_tie_becomes_its_two_triangles() {
        let bow_tie = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)];
        let cleaned = clean(Geometry::Polygon(bow_tie)).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            (cleaned.shape.area_m2() - 50.0).abs() < 1e-9,
            "{:?}",
            cleaned.shape
        );
        assert_eq!(cleaned.notes.len(), 1);
        assert!(
            cleaned.notes[0].contains("self-intersection"),
            "{}",
            cleaned.notes[0]
        );
    }

    #[test]
    fn repairs_come_out_the_same_every_time() {
        let bow_tie = polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)];
        let first = clean(Geometry::Polygon(bow_tie.clone())).unwrap_or_else(|e| panic!("{e}"));
        for _ in 0..20 {
            let again = clean(Geometry::Polygon(bow_tie.clone())).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(again, first);
        }
    }

    #[test]
    fn valid_geometry_passes_untouched() {
        let p = Polygon::new(square(0.0, 0.0, 10.0), vec![square(2.0, 2.0, 2.0)]);
        let cleaned = clean(Geometry::Polygon(p)).unwrap_or_else(|e| panic!("{e}"));
        assert!(cleaned.notes.is_empty());
        assert!((cleaned.shape.area_m2() - 96.0).abs() < 1e-9);
    }

    #[test]
    fn refuses_what_cannot_be_measured() {
        let nan = polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 10.0), (x: 10.0, y: 0.0)];
        assert!(clean(Geometry::Polygon(nan))
            .unwrap_err()
            .contains("not a finite number"));
        let flat = polygon![(x: 0.0, y: 0.0), (x: 5.0, y: 0.0), (x: 10.0, y: 0.0)];
        assert!(clean(Geometry::Polygon(flat))
            .unwrap_err()
            .contains("zero area"));
        let point = Geometry::Point(geo::Point::new(1.0, 2.0));
        assert!(clean(point).unwrap_err().contains("point"));
    }

    #[test]
    fn dissolve_counts_overlaps_once_and_keeps_holes_whatever_the_winding() {
        let mut shell = square(0.0, 0.0, 10.0);
        shell.0.reverse();
        // Shell and hole wind the same way, as a shapefile may hand them over.
        let mut hole = square(2.0, 2.0, 2.0);
        hole.0.reverse();
        let with_hole = Shape::Area(MultiPolygon::new(vec![Polygon::new(shell, vec![hole])]));
        let overlapping = Shape::Area(MultiPolygon::new(vec![Polygon::new(
            square(5.0, 5.0, 10.0),
            vec![],
        )]));
        let river = Shape::Lines(MultiLineString::new(vec![square(0.0, 0.0, 50.0)]));
        let covered = dissolve([&with_hole, &overlapping, &river]);
        assert!(
            (covered.unsigned_area() - (100.0 - 4.0 + 100.0 - 25.0)).abs() < 1e-9,
            "{}",
            covered.unsigned_area()
        );
    }

    #[test]
    fn holes_are_found_by_containment_whatever_the_winding() {
        let mut outer = square(0.0, 0.0, 100.0);
        outer.0.reverse();
        let hole = square(10.0, 10.0, 10.0);
        let island = square(12.0, 12.0, 2.0);
        let far = square(500.0, 500.0, 10.0);
        let mp = polygons_from_rings(vec![hole, far, island, outer]);
        assert_eq!(mp.0.len(), 3);
        assert!((mp.unsigned_area() - (10000.0 - 100.0 + 4.0 + 100.0)).abs() < 1e-9);
    }
}
