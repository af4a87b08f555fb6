//! DXF drawings: how a design institute sends a project's boundary.
//!
//! Only what a parcel needs is read — closed LWPOLYLINE / POLYLINE outlines,
//! their layer, and the TEXT / MTEXT lying inside as the parcel's name — from
//! the ASCII group-code pairs directly. The `dxf` crate would read all of
//! AutoCAD's object model at the cost of chrono, image, uuid and a large
//! generated source to compile; a boundary needs a few dozen lines. Arcs
//! (bulges) become chords within [`ARC_TOLERANCE_M`] of the true arc (of
//! [`ARC_RELATIVE_TOLERANCE`] of the radius for arcs wider than 10 km, which
//! no parcel has), at most [`MAX_ARC_POINTS`] points an outline. A drawing
//! carries no CRS: the user must declare one ([`CrsClue::Drawing`]).

use std::path::Path;

use geo::{Contains, Coord, LineString, Point};
use geo_types::Geometry;

use super::{decode_text, CrsClue, RawFeature, RawFile};
use crate::error::{Error, Problem};
use crate::geometry::polygons_from_rings;

/// Largest gap between an arc and the chords that replace it, in metres.
pub const ARC_TOLERANCE_M: f64 = 0.01;

/// Largest gap between an arc and its chords as a share of the radius, when
/// that is more than [`ARC_TOLERANCE_M`]: it bounds the chords of any one arc
/// to about 2 200, however wide a damaged bulge or vertex makes it.
pub const ARC_RELATIVE_TOLERANCE: f64 = 1e-6;

/// Most points the arcs of one outline may add. A parcel's curved edges need
/// a few hundred; more means a damaged bulge or vertex, and a ring that large
/// would cost minutes to repair if it crossed itself.
pub const MAX_ARC_POINTS: usize = 20_000;

pub fn read(path: &Path) -> Result<RawFile, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.starts_with(b"AutoCAD Binary DXF") {
        return Err(Error::format(
            path,
            "a binary DXF; save the drawing as ASCII DXF (另存为 DXF, 文本格式) and read that",
        ));
    }
    parse(path, &decode_text(&bytes))
}

/// One entity: its type and its group-code pairs.
struct Entity {
    kind: String,
    pairs: Vec<(i32, String)>,
}

impl Entity {
    fn value(&self, code: i32) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, v)| v.as_str())
    }

    fn closed_flag(&self) -> bool {
        self.value(70)
            .and_then(|v| v.trim().parse::<i32>().ok())
            .is_some_and(|f| f & 1 == 1)
    }
}

/// A vertex and the bulge of the segment that leaves it.
#[derive(Clone, Copy)]
struct Vertex {
    at: Coord,
    bulge: f64,
}

/// Parses ASCII DXF text; `path` only names the source in messages.
pub fn parse(path: &Path, text: &str) -> Result<RawFile, Error> {
    let lines: Vec<&str> = text.lines().collect();
    let mut pairs = Vec::with_capacity(lines.len() / 2);
    for (n, chunk) in lines.chunks(2).enumerate() {
        let [code, value] = chunk else { break };
        let code = code.trim().parse::<i32>().map_err(|_| {
            Error::format(
                path,
                format!(
                    "line {}: {:?} is not a DXF group code; the file is not an ASCII DXF or is damaged",
                    2 * n + 1,
                    code.trim()
                ),
            )
        })?;
        pairs.push((code, value.trim().to_string()));
    }
    let mut entities: Vec<Entity> = Vec::new();
    let mut in_entities = false;
    let mut previous: Option<&(i32, String)> = None;
    for pair in &pairs {
        match (pair.0, pair.1.as_str()) {
            (2, "ENTITIES") if previous.is_some_and(|p| p.0 == 0 && p.1 == "SECTION") => {
                in_entities = true;
            }
            (0, "ENDSEC") => in_entities = false,
            (0, kind) if in_entities => entities.push(Entity {
                kind: kind.to_string(),
                pairs: Vec::new(),
            }),
            _ if in_entities => {
                if let Some(e) = entities.last_mut() {
                    e.pairs.push(pair.clone());
                }
            }
            _ => {}
        }
        previous = Some(pair);
    }

    let number = |text: &str| text.trim().parse::<f64>().ok().filter(|v| v.is_finite());
    let mut outlines: Vec<(String, Vec<Vertex>, bool)> = Vec::new();
    let mut texts: Vec<(Coord, String)> = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    let mut i = 0;
    while i < entities.len() {
        let e = &entities[i];
        let layer = e.value(8).unwrap_or_default().to_string();
        match e.kind.as_str() {
            "LWPOLYLINE" => {
                let mut vertices: Vec<Vertex> = Vec::new();
                let mut x = None;
                let problems_before = bad.len();
                for (code, value) in &e.pairs {
                    match code {
                        10 => x = number(value),
                        20 => match (x.take(), number(value)) {
                            (Some(x), Some(y)) => vertices.push(Vertex {
                                at: Coord { x, y },
                                bulge: 0.0,
                            }),
                            _ => bad.push(format!("an LWPOLYLINE on layer {layer:?} has a vertex that is not a number; it is skipped — fix the drawing")),
                        },
                        42 => {
                            if let (Some(v), Some(b)) = (vertices.last_mut(), number(value)) {
                                v.bulge = b;
                            }
                        }
                        _ => {}
                    }
                }
                // A vertex lost would silently change the parcel: skip it.
                if bad.len() == problems_before {
                    outlines.push((layer, vertices, e.closed_flag()));
                }
            }
            "POLYLINE" => {
                let closed = e.closed_flag();
                let mut vertices = Vec::new();
                let problems_before = bad.len();
                i += 1;
                while i < entities.len() && entities[i].kind == "VERTEX" {
                    let v = &entities[i];
                    match (v.value(10).and_then(number), v.value(20).and_then(number)) {
                        (Some(x), Some(y)) => vertices.push(Vertex {
                            at: Coord { x, y },
                            bulge: v.value(42).and_then(number).unwrap_or(0.0),
                        }),
                        _ => bad.push(format!(
                            "a POLYLINE on layer {layer:?} has a vertex that is not a number"
                        )),
                    }
                    i += 1;
                }
                if bad.len() == problems_before {
                    outlines.push((layer, vertices, closed));
                }
                continue;
            }
            "TEXT" | "MTEXT" => {
                let at = e
                    .value(10)
                    .and_then(number)
                    .zip(e.value(20).and_then(number));
                let mut content: String = e
                    .pairs
                    .iter()
                    .filter(|(c, _)| *c == 3)
                    .map(|(_, v)| v.as_str())
                    .collect();
                content.push_str(e.value(1).unwrap_or_default());
                if let Some((x, y)) = at {
                    texts.push((Coord { x, y }, mtext_plain(&content)));
                }
            }
            _ => {}
        }
        i += 1;
    }

    let mut out = RawFile {
        crs_clue: CrsClue::Drawing,
        ..RawFile::default()
    };
    for message in bad {
        out.problems.push(Problem::file(path, message));
    }
    for (layer, vertices, closed_flag) in outlines {
        let index = out.features.len() + out.problems.len() + 1;
        let closes_itself =
            vertices.len() > 2 && vertices.first().map(|v| v.at) == vertices.last().map(|v| v.at);
        if !closed_flag && !closes_itself {
            // Open linework (roads, dimension lines) is not a parcel.
            continue;
        }
        let needed = arc_points_needed(&vertices, closed_flag);
        if needed > MAX_ARC_POINTS {
            let widest = arc_segments(&vertices, closed_flag)
                .map(|(a, b, bulge)| arc_radius(a.at, b.at, bulge))
                .fold(0.0, f64::max);
            out.problems.push(Problem::feature(
                path,
                index,
                None,
                format!(
                    "a closed polyline on layer {layer:?} has arcs (bulges, group code 42) that would need {needed} points \
                     to follow, more than the {MAX_ARC_POINTS} an outline may have (its widest arc has a radius of {widest:.0} m); \
                     a bulge or a vertex is damaged: fix the drawing"
                ),
            ));
            continue;
        }
        let ring = LineString::from(ring_with_arcs(&vertices, closed_flag));
        let polygons = polygons_from_rings(vec![ring]);
        let Some(polygon) = polygons.0.first() else {
            out.problems.push(Problem::feature(
                path,
                index,
                None,
                format!(
                    "a closed polyline on layer {layer:?} has fewer than 3 vertices; redraw it"
                ),
            ));
            continue;
        };
        let name = texts
            .iter()
            .find(|(at, _)| polygon.contains(&Point::from(*at)))
            .map(|(_, t)| t.clone())
            .unwrap_or_default();
        out.features.push(RawFeature {
            index,
            native_id: None,
            attributes: vec![("图层".to_string(), layer), ("名称".to_string(), name)],
            geometry: Geometry::MultiPolygon(polygons),
            notes: Vec::new(),
        });
    }
    if out.features.is_empty() && out.problems.is_empty() {
        return Err(Error::format(
            path,
            "no closed polyline (LWPOLYLINE / POLYLINE) in the drawing's ENTITIES; draw the parcel boundary as a closed polyline",
        ));
    }
    Ok(out)
}

/// MTEXT carries formatting codes (`\P` new paragraph, `{\fSimSun;…}`):
/// keep the words.
fn mtext_plain(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' => {}
            '\\' => match chars.next() {
                Some('P') => out.push(' '),
                Some('\\') => out.push('\\'),
                Some(_) => {
                    // A code with an argument runs to ';'.
                    for d in chars.by_ref() {
                        if d == ';' {
                            break;
                        }
                    }
                }
                None => {}
            },
            _ => out.push(c),
        }
    }
    out.trim().to_string()
}

/// The ring's segments: (from, to, bulge of the segment).
fn arc_segments(
    vertices: &[Vertex],
    closed: bool,
) -> impl Iterator<Item = (Vertex, Vertex, f64)> + '_ {
    let segments = if closed {
        vertices.len()
    } else {
        vertices.len().saturating_sub(1)
    };
    (0..segments).map(move |k| {
        let (from, to) = (vertices[k], vertices[(k + 1) % vertices.len()]);
        (from, to, from.bulge)
    })
}

/// How many points [`ring_with_arcs`] adds for the arcs, before making them.
fn arc_points_needed(vertices: &[Vertex], closed: bool) -> usize {
    arc_segments(vertices, closed)
        .map(|(a, b, bulge)| arc_steps(a.at, b.at, bulge).saturating_sub(1))
        .fold(0, usize::saturating_add)
}

/// The ring's points with each bulged segment replaced by chords.
fn ring_with_arcs(vertices: &[Vertex], closed: bool) -> Vec<Coord> {
    let mut out = Vec::new();
    for (from, to, bulge) in arc_segments(vertices, closed) {
        out.push(from.at);
        out.extend(arc_points(from.at, to.at, bulge));
    }
    if let Some(last) = vertices.last().filter(|_| !closed) {
        out.push(last.at);
    }
    out
}

fn chord_length(a: Coord, b: Coord) -> f64 {
    ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt()
}

/// Whether the segment a-b with this bulge is an arc at all.
fn is_arc(a: Coord, b: Coord, bulge: f64) -> bool {
    bulge.abs() >= 1e-12 && chord_length(a, b) > 0.0
}

/// The radius of the arc from `a` to `b` of bulge `bulge`; 0 for a straight segment.
fn arc_radius(a: Coord, b: Coord, bulge: f64) -> f64 {
    if !is_arc(a, b, bulge) {
        return 0.0;
    }
    let sweep = 4.0 * bulge.atan();
    chord_length(a, b) / (2.0 * (sweep / 2.0).sin().abs())
}

/// The number of chords replacing the arc from `a` to `b` (1: a straight segment).
fn arc_steps(a: Coord, b: Coord, bulge: f64) -> usize {
    if !is_arc(a, b, bulge) {
        return 1;
    }
    let sweep = 4.0 * bulge.atan();
    let radius = arc_radius(a, b, bulge);
    let tolerance = ARC_TOLERANCE_M.max(ARC_RELATIVE_TOLERANCE * radius);
    // The sagitta of a chord spanning angle φ is r (1 - cos(φ / 2)).
    let max_step = if radius > tolerance {
        2.0 * (1.0 - tolerance / radius).acos()
    } else {
        sweep.abs()
    };
    ((sweep.abs() / max_step).ceil() as usize).clamp(1, 100_000)
}

/// The points strictly between `a` and `b` on the arc of bulge `bulge`
/// (tan of a quarter of the included angle, positive counter-clockwise).
fn arc_points(a: Coord, b: Coord, bulge: f64) -> Vec<Coord> {
    if !is_arc(a, b, bulge) {
        return Vec::new();
    }
    let chord = chord_length(a, b);
    let sweep = 4.0 * bulge.atan();
    let radius = arc_radius(a, b, bulge);
    let offset = chord / 2.0 * (1.0 - bulge * bulge) / (2.0 * bulge);
    let (ux, uy) = ((b.x - a.x) / chord, (b.y - a.y) / chord);
    let centre = Coord {
        x: (a.x + b.x) / 2.0 - uy * offset,
        y: (a.y + b.y) / 2.0 + ux * offset,
    };
    let steps = arc_steps(a, b, bulge);
    let start = (a.y - centre.y).atan2(a.x - centre.x);
    (1..steps)
        .map(|k| {
            let angle = start + sweep * k as f64 / steps as f64;
            Coord {
                x: centre.x + radius * angle.cos(),
                y: centre.y + radius * angle.sin(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Distance, Euclidean};

    #[test]
    fn a_semicircle_bulge_stays_within_a_centimetre() {
        let a = Coord { x: 0.0, y: 0.0 };
        let b = Coord { x: 100.0, y: 0.0 };
        // Bulge -1 from a to b: a clockwise half circle, above the chord.
        let points = arc_points(a, b, -1.0);
        assert!(points.len() > 10);
        let centre = Point::new(50.0, 0.0);
        for p in &points {
            let r = Euclidean.distance(&centre, &Point::from(*p));
            assert!((r - 50.0).abs() < 1e-9, "{r}");
            assert!(p.y > 0.0);
        }
        // Midpoints of chords within the tolerance of the arc.
        let mut all = vec![a];
        all.extend(points);
        all.push(b);
        for w in all.windows(2) {
            let mid = Point::new((w[0].x + w[1].x) / 2.0, (w[0].y + w[1].y) / 2.0);
            assert!(50.0 - Euclidean.distance(&centre, &mid) <= ARC_TOLERANCE_M);
        }
        let ring = LineString::from(all);
        let half_disc = geo::Polygon::new(ring, vec![]).unsigned_area();
        let exact = std::f64::consts::PI * 50.0 * 50.0 / 2.0;
        assert!(half_disc < exact && exact - half_disc < 2.0, "{half_disc}");
    }

    #[test]
    fn mtext_codes_are_dropped() {
        assert_eq!(mtext_plain("{\\fSimSun|b0;某厂房}\\P一期"), "某厂房 一期");
    }
}
