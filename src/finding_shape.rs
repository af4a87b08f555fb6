//! The geometry behind a finding: the overlap polygon of a parcel and a zone,
//! and the shortest line from a parcel to a water line.
//!
//! Screening only measures (an area, a distance); reports and the map need
//! the shapes too. They are computed here, on demand for the findings a
//! report draws, so plain screening never pays for them — and with the same
//! pieces, windows and segments as the measure, so what is drawn agrees with
//! the number printed beside it.

use geo::{
    line_intersection::{line_intersection, LineIntersection},
    unary_union, BoundingRect, Coord, Distance, Euclidean, InteriorPoint, Intersects, Line,
    MultiPolygon, Point, Polygon,
};

use crate::geometry::Shape;
use crate::index::{ZoneIndex, ZoneRef};
use crate::plan::LoadedPlan;
use crate::screen::window_overlap;

/// `parcel` ∩ the zone feature, as valid polygons; its area is the finding's
/// `overlap_m2` (to far below 0.01 m²). Empty for a boundary contact.
pub fn overlap_shape(index: &ZoneIndex, parcel: &MultiPolygon, zone: ZoneRef) -> MultiPolygon {
    let Some(bounds) = parcel.bounding_rect() else {
        return MultiPolygon::new(Vec::new());
    };
    let parts: Vec<MultiPolygon> = index
        .pieces_near(&bounds)
        .filter(|piece| piece.zone == zone)
        .filter_map(|piece| window_overlap(parcel, &bounds, &piece.polygon, &piece.bounds))
        .flat_map(|overlap| overlap.shapes().collect::<Vec<_>>())
        .collect();
    // Pieces partition the zone and windows the pieces, so their overlaps
    // meet only along cut lines; the union joins them into one geometry.
    unary_union(parts.iter())
}

/// The shortest line from `parcel` (start) to the water line of a setback
/// zone (end); its length is the finding's `distance_m`. A parcel that
/// touches or lies in the water gets a zero-length line where it does.
pub fn setback_line(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    parcel: &MultiPolygon,
    zone: ZoneRef,
) -> Option<Line> {
    let bounds = parcel.bounding_rect()?;
    let mut best: Option<Line> = None;
    for segment in index
        .segments_near(&bounds, index.max_setback_m)
        .filter(|s| s.zone == zone)
    {
        for polygon in &parcel.0 {
            let line = shortest_line(polygon, &segment.line);
            if best.is_none_or(|b| length(&line) < length(&b)) {
                best = Some(line);
            }
        }
    }
    // Inside a water surface the nearest ring may be metres away, but the
    // parcel is in the water: distance 0, as the finding says.
    let in_water = match &plan.layers[zone.layer].features[zone.feature].shape {
        Shape::Area(water) => parcel.intersects(water),
        Shape::Lines(_) => false,
    };
    if in_water && best.is_none_or(|b| length(&b) > 0.0) {
        let at = parcel.interior_point()?.0;
        return Some(Line::new(at, at));
    }
    best
}

fn length(line: &Line) -> f64 {
    Euclidean.distance(line.start, line.end)
}

/// The shortest line from `polygon` to `segment`. Disjoint, it joins a
/// vertex of one to the nearest point of an edge of the other.
fn shortest_line(polygon: &Polygon, segment: &Line) -> Line {
    if polygon.intersects(&Point(segment.start)) {
        return Line::new(segment.start, segment.start);
    }
    let edges = || {
        polygon
            .exterior()
            .lines()
            .chain(polygon.interiors().iter().flat_map(|r| r.lines()))
    };
    for edge in edges() {
        match line_intersection(edge, *segment) {
            Some(LineIntersection::SinglePoint { intersection, .. }) => {
                return Line::new(intersection, intersection)
            }
            Some(LineIntersection::Collinear { intersection }) => {
                return Line::new(intersection.start, intersection.start)
            }
            None => {}
        }
    }
    let mut best = Line::new(polygon.exterior().0[0], segment.start);
    for edge in edges() {
        for candidate in [
            Line::new(edge.start, nearest_on(segment, edge.start)),
            Line::new(edge.end, nearest_on(segment, edge.end)),
            Line::new(nearest_on(&edge, segment.start), segment.start),
            Line::new(nearest_on(&edge, segment.end), segment.end),
        ] {
            if length(&candidate) < length(&best) {
                best = candidate;
            }
        }
    }
    best
}

/// The point of `segment` nearest to `c`.
fn nearest_on(segment: &Line, c: Coord) -> Coord {
    let d = segment.delta();
    let len2 = d.x * d.x + d.y * d.y;
    if len2 == 0.0 {
        return segment.start;
    }
    let t =
        (((c.x - segment.start.x) * d.x + (c.y - segment.start.y) * d.y) / len2).clamp(0.0, 1.0);
    segment.start + d * t
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn shortest_line_joins_the_nearest_points() {
        let square =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
        let river = Line::new((50.0, -100.0), (50.0, 100.0));
        let line = shortest_line(&square, &river);
        assert!((length(&line) - 40.0).abs() < 1e-12);
        assert_eq!(line.end.x, 50.0);
        assert_eq!(line.start.x, 10.0);
        let diagonal = Line::new((20.0, 30.0), (30.0, 20.0));
        let line = shortest_line(&square, &diagonal);
        assert!((length(&line) - Euclidean.distance(&diagonal, &square)).abs() < 1e-9);
        let crossing = Line::new((5.0, -5.0), (5.0, 5.0));
        assert_eq!(length(&shortest_line(&square, &crossing)), 0.0);
    }
}
