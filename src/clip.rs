//! Exact clipping of polygons by axis-aligned rectangles, and by convex
//! polygons when only the area inside is wanted.
//!
//! The overlay engine snaps coordinates to an integer grid scaled to the
//! extent of its inputs, so cutting a 10 km zone with it would move every
//! vertex by up to ~10 µm and shift areas. Sutherland–Hodgman clipping in
//! plain f64 keeps every input vertex bit-for-bit and puts new vertices
//! exactly on the cut line. Its output may contain zero-width bridges along
//! the cut line; under the even-odd rule (what the overlay uses) they cancel,
//! so areas are exact — but such rings are not OGC-valid, and predicates
//! like `intersects` must be confirmed on the original geometry.
//!
//! Before any of it, [`rect_lies`] tells with comparisons alone whether a
//! rectangle lies wholly inside or outside a polygon: what most parcels do
//! against the zone pieces near them.

use geo::{Area, BoundingRect, Coord, LineString, MultiPolygon, Polygon, Rect};

#[derive(Clone, Copy)]
enum Side {
    XAtLeast(f64),
    XAtMost(f64),
    YAtLeast(f64),
    YAtMost(f64),
    /// On the line through the two points or to its left.
    LeftOf(Coord, Coord),
}

impl Side {
    fn inside(self, c: Coord) -> bool {
        match self {
            Side::XAtLeast(v) => c.x >= v,
            Side::XAtMost(v) => c.x <= v,
            Side::YAtLeast(v) => c.y >= v,
            Side::YAtMost(v) => c.y <= v,
            Side::LeftOf(a, b) => cross(b - a, c - a) >= 0.0,
        }
    }

    /// The point where segment a-b crosses the cut line, exactly on it.
    fn crossing(self, a: Coord, b: Coord) -> Coord {
        match self {
            Side::XAtLeast(v) | Side::XAtMost(v) => {
                let t = (v - a.x) / (b.x - a.x);
                Coord {
                    x: v,
                    y: a.y + t * (b.y - a.y),
                }
            }
            Side::YAtLeast(v) | Side::YAtMost(v) => {
                let t = (v - a.y) / (b.y - a.y);
                Coord {
                    x: a.x + t * (b.x - a.x),
                    y: v,
                }
            }
            Side::LeftOf(from, to) => {
                let (da, db) = (cross(to - from, a - from), cross(to - from, b - from));
                a + (b - a) * (da / (da - db))
            }
        }
    }
}

fn cross(u: Coord, v: Coord) -> f64 {
    u.x * v.y - u.y * v.x
}

fn clip_ring(ring: &[Coord], side: Side) -> Vec<Coord> {
    // `ring` is closed (last == first); work on its open form.
    let open = &ring[..ring.len().saturating_sub(1)];
    let mut out = Vec::with_capacity(open.len() + 4);
    for (i, &current) in open.iter().enumerate() {
        let previous = open[(i + open.len() - 1) % open.len()];
        match (side.inside(previous), side.inside(current)) {
            (true, true) => out.push(current),
            (true, false) => out.push(side.crossing(previous, current)),
            (false, true) => {
                out.push(side.crossing(previous, current));
                out.push(current);
            }
            (false, false) => {}
        }
    }
    if let Some(&first) = out.first() {
        out.push(first);
    }
    out
}

fn clip_linestring(ring: &LineString, rect: &Rect) -> Option<LineString> {
    let (min, max) = (rect.min(), rect.max());
    // A pass that every vertex is inside gives the ring back unchanged, and
    // one that every vertex is outside gives nothing: the ring's bounds say
    // which passes are needed. A zone piece in a parcel's window needs some;
    // the parcel in its own window, none.
    let bounds = ring.bounding_rect()?;
    let (low, high) = (bounds.min(), bounds.max());
    if high.x < min.x || low.x > max.x || high.y < min.y || low.y > max.y {
        return None;
    }
    let mut coords = ring.0.clone();
    for (side, all_inside) in [
        (Side::XAtLeast(min.x), low.x >= min.x),
        (Side::XAtMost(max.x), high.x <= max.x),
        (Side::YAtLeast(min.y), low.y >= min.y),
        (Side::YAtMost(max.y), high.y <= max.y),
    ] {
        if coords.len() < 4 {
            return None;
        }
        if !all_inside {
            coords = clip_ring(&coords, side);
        }
    }
    (coords.len() >= 4).then(|| LineString::new(coords))
}

/// Where a rectangle lies against a polygon (even-odd).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lies {
    /// Wholly in its interior.
    Inside,
    /// Wholly outside it, touching nothing.
    Outside,
    /// An edge of the polygon comes near (its box meets the rectangle):
    /// the two must be clipped to tell.
    Across,
}

/// Where `rect` lies against `polygon`, in one pass over its edges with
/// comparisons only: when no edge's box meets the rectangle, the rectangle
/// is on one side of the boundary, which a ray from its corner tells. Most
/// parcels lie wholly inside or outside the zone pieces near them, and need
/// no clipping at all.
pub fn rect_lies(polygon: &Polygon, rect: &Rect) -> Lies {
    let (min, max) = (rect.min(), rect.max());
    let mut inside = false;
    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
        for edge in ring.lines() {
            let (a, b) = (edge.start, edge.end);
            let (low_x, high_x) = (a.x.min(b.x), a.x.max(b.x));
            let (low_y, high_y) = (a.y.min(b.y), a.y.max(b.y));
            if low_x <= max.x && high_x >= min.x && low_y <= max.y && high_y >= min.y {
                return Lies::Across;
            }
            // The ray from the corner towards +x: an edge that spans its
            // height is wholly to one side of the corner, or its box would
            // hold the corner.
            if (a.y > min.y) != (b.y > min.y) && low_x > min.x {
                inside = !inside;
            }
        }
    }
    if inside {
        Lies::Inside
    } else {
        Lies::Outside
    }
}

/// Below this, in square metres, an area worked out by clipping may be
/// rounding: grazing loops on the large bench world measured up to 1e-8 m²,
/// and a loop's rounding grows with its length and the coordinates' size.
/// It is five times less than the smallest overlap reported
/// ([`crate::screen::MIN_REPORTED_OVERLAP_M2`]).
const ROUNDING_M2: f64 = 1e-3;

/// The area of `subject` inside `convex`, or `None` when some polygon of
/// `convex` has a hole or is not convex, or when the area is too small to
/// tell from rounding (the overlay, which snaps, then says). Each ring of `subject` is clipped
/// by the half-planes of each convex polygon's edges (Sutherland–Hodgman,
/// plain f64): clipping by a half-plane keeps the ring's winding inside it,
/// so the clipped ring's shoelace area is exactly the ring's area inside,
/// bridges and all. Against a parcel of a few edges this is a few passes
/// over the zone's vertices, where the overlay sorts, snaps and builds a
/// graph; most parcels are convex.
pub fn area_within_convex(subject: &MultiPolygon, convex: &MultiPolygon) -> Option<f64> {
    let clips: Vec<Vec<Coord>> = convex
        .0
        .iter()
        .map(|p| {
            p.interiors()
                .is_empty()
                .then(|| convex_ring(p.exterior()))?
        })
        .collect::<Option<_>>()?;
    let inside = |ring: &LineString, clip: &[Coord]| {
        let mut coords = ring.0.clone();
        for edge in clip.windows(2) {
            if coords.len() < 4 {
                return 0.0;
            }
            coords = clip_ring(&coords, Side::LeftOf(edge[0], edge[1]));
        }
        Polygon::new(LineString::new(coords), Vec::new()).unsigned_area()
    };
    let area: f64 = clips
        .iter()
        .flat_map(|clip| {
            subject.0.iter().map(move |p| {
                inside(p.exterior(), clip)
                    - p.interiors().iter().map(|h| inside(h, clip)).sum::<f64>()
            })
        })
        .sum();
    // A ring that only grazes the convex polygon (a bridge through its
    // corner) leaves a loop of no width, whose shoelace area is rounding,
    // not nothing.
    (area == 0.0 || area >= ROUNDING_M2).then_some(area)
}

/// `ring`'s vertices counter-clockwise without repeats when it is convex:
/// every turn the same way, none straight back along the edge before. A
/// clipped part's zero-width bridge turns the other way where it leaves
/// the part, so it is refused. A ring that turns one way only and winds
/// once is convex; one that winds twice (a pentagram) would pass, but it
/// is not valid, and parcels and zones are validated when read, so their
/// parts wind at most once.
fn convex_ring(ring: &LineString) -> Option<Vec<Coord>> {
    let mut coords = ring.0.clone();
    coords.dedup();
    if coords.len() < 4 || coords.first() != coords.last() {
        return None;
    }
    let edges: Vec<Coord> = coords.windows(2).map(|w| w[1] - w[0]).collect();
    let (mut left, mut right) = (false, false);
    for (i, &edge) in edges.iter().enumerate() {
        let next = edges[(i + 1) % edges.len()];
        let turn = cross(edge, next);
        left |= turn > 0.0;
        right |= turn < 0.0;
        if (turn == 0.0 && edge.x * next.x + edge.y * next.y < 0.0) || (left && right) {
            return None;
        }
    }
    match (left, right) {
        (true, false) => Some(coords),
        (false, true) => {
            coords.reverse();
            Some(coords)
        }
        // Every vertex on one line: no area to clip by.
        _ => None,
    }
}

/// A cut across a rectangle: at x = the value, or at y = the value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cut {
    X(f64),
    Y(f64),
}

/// The two halves of `rect`, cut across its longer side, and the cut.
pub fn halves(rect: &Rect) -> ([Rect; 2], Cut) {
    let (min, max) = (rect.min(), rect.max());
    if rect.width() >= rect.height() {
        let mid = min.x + rect.width() / 2.0;
        (
            [
                Rect::new((min.x, min.y), (mid, max.y)),
                Rect::new((mid, min.y), (max.x, max.y)),
            ],
            Cut::X(mid),
        )
    } else {
        let mid = min.y + rect.height() / 2.0;
        (
            [
                Rect::new((min.x, min.y), (max.x, mid)),
                Rect::new((min.x, mid), (max.x, max.y)),
            ],
            Cut::Y(mid),
        )
    }
}

/// The parts of `polygon` below and above `cut` (left and right of an x
/// cut): for a polygon inside a rectangle, its parts in the rectangle's
/// [`halves`], with one clipping pass each instead of four.
pub fn split_polygon(polygon: &Polygon, cut: Cut) -> [Option<Polygon>; 2] {
    let sides = match cut {
        Cut::X(v) => [Side::XAtMost(v), Side::XAtLeast(v)],
        Cut::Y(v) => [Side::YAtMost(v), Side::YAtLeast(v)],
    };
    sides.map(|side| {
        let clip = |ring: &LineString| {
            let mut coords = clip_ring(&ring.0, side);
            // Made with room for the whole ring: pieces kept in an index
            // would hold twice their size.
            coords.shrink_to_fit();
            (coords.len() >= 4).then(|| LineString::new(coords))
        };
        let exterior = clip(polygon.exterior())?;
        Some(Polygon::new(
            exterior,
            polygon.interiors().iter().filter_map(clip).collect(),
        ))
    })
}

/// The part of `polygon` inside `rect` (even-odd semantics, see module doc).
/// `None` when nothing of the exterior remains.
pub fn clip_polygon(polygon: &Polygon, rect: &Rect) -> Option<Polygon> {
    let exterior = clip_linestring(polygon.exterior(), rect)?;
    let interiors = polygon
        .interiors()
        .iter()
        .filter_map(|r| clip_linestring(r, rect))
        .collect();
    Some(Polygon::new(exterior, interiors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area, BooleanOps};

    /// Numbers in [0, 1) from a seed, the same on every machine.
    fn uniform(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// A U shape with a hole in its base.
    fn u_shape() -> Polygon {
        Polygon::new(
            LineString::from(vec![
                (0.0, 0.0),
                (30.0, 0.0),
                (30.0, 30.0),
                (20.0, 30.0),
                (20.0, 10.0),
                (10.0, 10.0),
                (10.0, 30.0),
                (0.0, 30.0),
                (0.0, 0.0),
            ]),
            vec![LineString::from(vec![
                (2.0, 2.0),
                (4.0, 2.0),
                (4.0, 4.0),
                (2.0, 4.0),
                (2.0, 2.0),
            ])],
        )
    }

    #[test]
    fn keeps_area_exact_for_concave_shapes_with_holes() {
        // A U shape with a hole in its base, cut across both arms.
        let u = u_shape();
        let upper = Rect::new((-1.0, 5.0), (31.0, 31.0));
        let lower = Rect::new((-1.0, -1.0), (31.0, 5.0));
        let a = clip_polygon(&u, &upper).unwrap_or_else(|| panic!("empty"));
        let b = clip_polygon(&u, &lower).unwrap_or_else(|| panic!("empty"));
        // Measured through the overlay (even-odd), the bridge cancels.
        let window = polygon![(x: -5.0, y: -5.0), (x: 40.0, y: -5.0), (x: 40.0, y: 40.0), (x: -5.0, y: 40.0)];
        let area = |p: &Polygon| p.intersection(&window).unsigned_area();
        assert!((area(&a) + area(&b) - u.unsigned_area()).abs() < 1e-9);
        assert!((area(&b) - (150.0 - 4.0)).abs() < 1e-9);
    }

    #[test]
    fn keeps_input_vertices_bit_for_bit() {
        let p = polygon![(x: 625937.7104, y: 3276479.5459), (x: 626100.123456789, y: 3276479.5459), (x: 626000.0, y: 3276600.987654321)];
        let rect = Rect::new((625000.0, 3276000.0), (627000.0, 3277000.0));
        let clipped = clip_polygon(&p, &rect).unwrap_or_else(|| panic!("empty"));
        for c in p.exterior().0.iter() {
            assert!(clipped.exterior().0.contains(c));
        }
    }

    #[test]
    fn a_split_is_the_clip_to_either_half() {
        let u = polygon![(x: 0.0, y: 0.0), (x: 30.0, y: 0.0), (x: 30.0, y: 30.0), (x: 20.0, y: 30.0), (x: 20.0, y: 10.0), (x: 10.0, y: 10.0), (x: 10.0, y: 30.0), (x: 0.0, y: 30.0)];
        let bounds = Rect::new((0.0, 0.0), (30.0, 31.0));
        let (rects, cut) = halves(&bounds);
        assert_eq!(cut, Cut::Y(15.5));
        for (part, rect) in split_polygon(&u, cut).into_iter().zip(rects) {
            assert_eq!(part, clip_polygon(&u, &rect));
        }
        // Wholly on one side, the other part is nothing.
        let [left, right] = split_polygon(&u, Cut::X(40.0));
        assert!(right.is_none());
        assert!((left.unwrap().signed_area().abs() - u.unsigned_area()).abs() < 1e-9);
    }

    #[test]
    fn a_pass_left_out_for_a_ring_inside_it_changes_nothing() {
        // Rings on a coarse grid against windows on the same grid: vertices
        // on the cut lines, rings wholly inside, across and outside.
        let four_passes = |ring: &LineString, rect: &Rect| {
            let mut coords = ring.0.clone();
            for side in [
                Side::XAtLeast(rect.min().x),
                Side::XAtMost(rect.max().x),
                Side::YAtLeast(rect.min().y),
                Side::YAtMost(rect.max().y),
            ] {
                if coords.len() < 4 {
                    return None;
                }
                coords = clip_ring(&coords, side);
            }
            (coords.len() >= 4).then(|| LineString::new(coords))
        };
        let mut uniform = uniform(7);
        let mut next = || (uniform() * 9.0).floor();
        for _ in 0..2000 {
            let mut coords: Vec<Coord> = (0..3 + next() as usize)
                .map(|_| Coord {
                    x: next(),
                    y: next(),
                })
                .collect();
            coords.push(coords[0]);
            let ring = LineString::new(coords);
            let (x, y) = (next(), next());
            let rect = Rect::new((x, y), (x + next(), y + next()));
            assert_eq!(
                clip_linestring(&ring, &rect),
                four_passes(&ring, &rect),
                "{ring:?} in {rect:?}"
            );
        }
    }

    /// The U shape, its arms above y = 15 (joined by a zero-width bridge
    /// along the cut) and its base with the hole below.
    fn u_and_its_parts() -> Vec<MultiPolygon> {
        let u = u_shape();
        let upper = clip_polygon(&u, &Rect::new((-1.0, 15.0), (31.0, 31.0))).unwrap();
        let lower = clip_polygon(&u, &Rect::new((-1.0, -1.0), (31.0, 15.0))).unwrap();
        // The bridge: the cut from x = 10 to 20 is run along twice.
        let cut = upper
            .exterior()
            .lines()
            .filter(|l| l.start.y == 15.0 && l.end.y == 15.0);
        assert_eq!(cut.map(|l| l.dx().abs()).sum::<f64>(), 40.0);
        [u, upper, lower]
            .map(|p| MultiPolygon::new(vec![p]))
            .to_vec()
    }

    #[test]
    fn inside_a_convex_polygon_the_area_is_the_overlays() {
        let convex = [
            // Counter-clockwise, clockwise, with a repeated and a collinear
            // vertex, two apart, one on the U's edges.
            MultiPolygon::new(vec![
                polygon![(x: -3.0, y: 1.0), (x: 25.0, y: 3.0), (x: 12.0, y: 33.0)],
            ]),
            MultiPolygon::new(vec![
                polygon![(x: 5.0, y: -2.0), (x: 1.0, y: 20.0), (x: 24.0, y: 26.0), (x: 28.0, y: 4.0)],
            ]),
            MultiPolygon::new(vec![
                polygon![(x: 1.0, y: 1.0), (x: 15.0, y: 1.0), (x: 15.0, y: 1.0), (x: 29.0, y: 1.0), (x: 29.0, y: 29.0), (x: 3.0, y: 20.0)],
            ]),
            MultiPolygon::new(vec![
                polygon![(x: 3.0, y: 3.0), (x: 9.0, y: 3.0), (x: 9.0, y: 28.0)],
                polygon![(x: 21.0, y: 3.0), (x: 40.0, y: 12.0), (x: 21.0, y: 28.0)],
            ]),
            MultiPolygon::new(vec![
                polygon![(x: 10.0, y: 10.0), (x: 20.0, y: 10.0), (x: 20.0, y: 30.0), (x: 10.0, y: 30.0)],
            ]),
        ];
        for subject in u_and_its_parts() {
            for clip in &convex {
                let overlay = subject.intersection(clip).unsigned_area();
                let clipped = area_within_convex(&subject, clip).unwrap();
                // The overlay snaps to a grid of ~2^-29 of the extent.
                assert!(
                    (clipped - overlay).abs() < 1e-6,
                    "{clipped} vs {overlay} in {clip:?}"
                );
            }
        }
    }

    #[test]
    fn far_from_the_origin_random_shapes_measure_as_the_overlay_measures_them() {
        // Star-shaped rings (concave, simple) and convex hulls of random
        // points, at projected coordinates of Chongqing.
        use geo::ConvexHull;
        let mut next = uniform(11);
        let (x0, y0) = (36_500_000.0, 3_270_000.0);
        for _ in 0..300 {
            let (cx, cy) = (x0 + 40.0 * next(), y0 + 40.0 * next());
            let n = 5 + (next() * 40.0) as usize;
            let star: Vec<(f64, f64)> = (0..n)
                .map(|i| {
                    let angle = std::f64::consts::TAU * i as f64 / n as f64;
                    let r = 10.0 + 60.0 * next();
                    (cx + r * angle.cos(), cy + r * angle.sin())
                })
                .collect();
            let subject = MultiPolygon::new(vec![Polygon::new(LineString::from(star), vec![])]);
            let points: geo::MultiPoint = (0..3 + (next() * 12.0) as usize)
                .map(|_| geo::Point::new(x0 + 100.0 * next() - 30.0, y0 + 100.0 * next() - 30.0))
                .collect();
            let hull = MultiPolygon::new(vec![points.convex_hull()]);
            let overlay = subject.intersection(&hull).unsigned_area();
            let clipped = area_within_convex(&subject, &hull).unwrap();
            // The overlay's grid, ~2^-29 of the extent, moves its area by up
            // to about 1e-4 m² here.
            assert!((clipped - overlay).abs() < 1e-4, "{clipped} vs {overlay}");
            // Closer than the overlay can tell: the two sides of a line
            // through a square around it share the star's area between them.
            let (a, b) = (
                (x0 - 100.0 + 300.0 * next(), y0 - 100.0),
                (x0 - 100.0 + 300.0 * next(), y0 + 200.0),
            );
            let sides = [
                polygon![(x: x0 - 100.0, y: y0 - 100.0), (x: a.0, y: a.1), (x: b.0, y: b.1), (x: x0 - 100.0, y: y0 + 200.0)],
                polygon![(x: a.0, y: a.1), (x: x0 + 200.0, y: y0 - 100.0), (x: x0 + 200.0, y: y0 + 200.0), (x: b.0, y: b.1)],
            ]
            .map(|side| area_within_convex(&subject, &MultiPolygon::new(vec![side])).unwrap());
            let whole = subject.unsigned_area();
            assert!(
                (sides[0] + sides[1] - whole).abs() < 1e-8 * whole,
                "{sides:?} vs {whole}"
            );
        }
    }

    #[test]
    fn a_shape_not_convex_is_left_to_the_overlay() {
        let [u, upper, _] = <[MultiPolygon; 3]>::try_from(u_and_its_parts()).unwrap();
        let square = MultiPolygon::new(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)],
        ]);
        // Concave with a hole; a part whose bridge turns back on itself.
        assert_eq!(area_within_convex(&square, &u), None);
        assert_eq!(area_within_convex(&square, &upper), None);
        let with_hole = MultiPolygon::new(vec![Polygon::new(
            square.0[0].exterior().clone(),
            vec![LineString::from(vec![
                (0.2, 0.2),
                (0.4, 0.2),
                (0.4, 0.4),
                (0.2, 0.2),
            ])],
        )]);
        assert_eq!(area_within_convex(&square, &with_hole), None);
    }

    #[test]
    fn a_rectangle_lies_inside_outside_or_across_as_clipping_finds_it() {
        use geo::Intersects;
        // Star-shaped rings with a hole, and their halves, which carry
        // bridges along the cut; rectangles of every size around them.
        let mut next = uniform(5);
        let mut seen = [0usize; 3];
        for _ in 0..200 {
            let n = 5 + (next() * 30.0) as usize;
            let star: Vec<(f64, f64)> = (0..n)
                .map(|i| {
                    let angle = std::f64::consts::TAU * i as f64 / n as f64;
                    let r = 40.0 + 60.0 * next();
                    (r * angle.cos(), r * angle.sin())
                })
                .collect();
            let hole = LineString::from(vec![
                (-10.0, -10.0),
                (10.0, -10.0),
                (10.0, 10.0),
                (-10.0, 10.0),
                (-10.0, -10.0),
            ]);
            let whole = Polygon::new(LineString::from(star), vec![hole]);
            let [half, _] = split_polygon(&whole, Cut::X(100.0 * next() - 50.0));
            for polygon in [Some(whole), half].into_iter().flatten() {
                for _ in 0..20 {
                    let (x, y, size) = (
                        240.0 * next() - 120.0,
                        240.0 * next() - 120.0,
                        30.0 * next(),
                    );
                    let rect = Rect::new((x, y), (x + size, y + size));
                    let clipped = clip_polygon(&polygon, &rect).map_or(0.0, |p| {
                        Polygon::new(p.exterior().clone(), vec![]).unsigned_area()
                            - p.interiors()
                                .iter()
                                .map(|h| Polygon::new(h.clone(), vec![]).unsigned_area())
                                .sum::<f64>()
                    });
                    let lies = rect_lies(&polygon, &rect);
                    match lies {
                        Lies::Inside => assert!(
                            (clipped - rect.to_polygon().unsigned_area()).abs() < 1e-9,
                            "{rect:?}"
                        ),
                        Lies::Outside => {
                            assert!(clipped == 0.0 && !polygon.intersects(&rect), "{rect:?}")
                        }
                        Lies::Across => {}
                    }
                    seen[lies as usize] += 1;
                }
            }
        }
        assert!(seen.iter().all(|&n| n > 100), "{seen:?}");
        // A rectangle touching an edge or a vertex is not told apart from it.
        let square =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
        assert_eq!(
            rect_lies(&square, &Rect::new((10.0, 2.0), (12.0, 4.0))),
            Lies::Across
        );
        assert_eq!(
            rect_lies(&square, &Rect::new((10.0, 10.0), (12.0, 12.0))),
            Lies::Across
        );
        assert_eq!(
            rect_lies(&square, &Rect::new((2.0, 2.0), (8.0, 8.0))),
            Lies::Inside
        );
    }

    #[test]
    fn nothing_left_outside() {
        let p = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)];
        assert!(clip_polygon(&p, &Rect::new((5.0, 5.0), (6.0, 6.0))).is_none());
    }
}
