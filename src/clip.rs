//! Exact clipping of polygons by axis-aligned rectangles.
//!
//! The overlay engine snaps coordinates to an integer grid scaled to the
//! extent of its inputs, so cutting a 10 km zone with it would move every
//! vertex by up to ~10 µm and shift areas. Sutherland–Hodgman clipping in
//! plain f64 keeps every input vertex bit-for-bit and puts new vertices
//! exactly on the cut line. Its output may contain zero-width bridges along
//! the cut line; under the even-odd rule (what the overlay uses) they cancel,
//! so areas are exact — but such rings are not OGC-valid, and predicates
//! like `intersects` must be confirmed on the original geometry.

use geo::{BoundingRect, Coord, LineString, Polygon, Rect};

#[derive(Clone, Copy)]
enum Side {
    XAtLeast(f64),
    XAtMost(f64),
    YAtLeast(f64),
    YAtMost(f64),
}

impl Side {
    fn inside(self, c: Coord) -> bool {
        match self {
            Side::XAtLeast(v) => c.x >= v,
            Side::XAtMost(v) => c.x <= v,
            Side::YAtLeast(v) => c.y >= v,
            Side::YAtMost(v) => c.y <= v,
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
        }
    }
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

    #[test]
    fn keeps_area_exact_for_concave_shapes_with_holes() {
        // A U shape with a hole in its base, cut across both arms.
        let u = Polygon::new(
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
        );
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
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % 9) as f64
        };
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

    #[test]
    fn nothing_left_outside() {
        let p = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)];
        assert!(clip_polygon(&p, &Rect::new((5.0, 5.0), (6.0, 6.0))).is_none());
    }
}
