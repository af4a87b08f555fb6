//! The map canvas: a view onto the working CRS, and plan geometry turned into
//! meshes once, so that a frame only moves and scales them (egui fills convex
//! polygons only; concave zones with holes are triangulated here, once).

use eframe::egui::{
    self, emath::TSTransform, Color32, ColorImage, Mesh, Painter, Pos2, Rect, Shape as PaintShape,
    Stroke, TextureHandle, TextureOptions, Vec2,
};
use geo::{Coord, MultiLineString, MultiPolygon, Polygon};
use rayon::prelude::*;

use super::gpu::{band_mesh, stroke_mesh, GpuMesh};
use serde::{Deserialize, Serialize};

/// What the map shows: the working-CRS point at the canvas centre and the scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MapView {
    pub center: Coord,
    pub m_per_px: f64,
}

impl MapView {
    /// A view showing all of `bounds` in `canvas`, with a small margin.
    pub fn fitting(bounds: geo::Rect, canvas: Rect) -> MapView {
        let width_m = bounds.width().max(1.0);
        let height_m = bounds.height().max(1.0);
        let m_per_px = (width_m / canvas.width().max(1.0) as f64)
            .max(height_m / canvas.height().max(1.0) as f64)
            * 1.08;
        MapView {
            center: bounds.center(),
            m_per_px,
        }
    }

    pub fn screen_from_working(&self, canvas: Rect, pt_working: Coord) -> Pos2 {
        let c = canvas.center();
        Pos2::new(
            c.x + ((pt_working.x - self.center.x) / self.m_per_px) as f32,
            c.y - ((pt_working.y - self.center.y) / self.m_per_px) as f32,
        )
    }

    pub fn working_from_screen(&self, canvas: Rect, pt_screen: Pos2) -> Coord {
        let c = canvas.center();
        Coord {
            x: self.center.x + (pt_screen.x - c.x) as f64 * self.m_per_px,
            y: self.center.y - (pt_screen.y - c.y) as f64 * self.m_per_px,
        }
    }

    /// Zooms by `factor` (> 1 zooms in) keeping the point under `pt_screen` still.
    pub fn zoom_at(&mut self, canvas: Rect, pt_screen: Pos2, factor: f64) {
        let anchor = self.working_from_screen(canvas, pt_screen);
        // From a whole district down to a survey point.
        self.m_per_px = (self.m_per_px / factor).clamp(0.005, 2_000.0);
        let moved = self.working_from_screen(canvas, pt_screen);
        self.center.x += anchor.x - moved.x;
        self.center.y += anchor.y - moved.y;
    }

    pub fn pan_by(&mut self, drag_px: Vec2) {
        self.center.x -= drag_px.x as f64 * self.m_per_px;
        self.center.y += drag_px.y as f64 * self.m_per_px;
    }

    /// The transform from [`LocalFrame`] coordinates to the screen.
    pub fn screen_from_local(&self, frame: &LocalFrame, canvas: Rect) -> TSTransform {
        let scaling = (1.0 / self.m_per_px) as f32;
        let center_local = frame.local_from_working(self.center);
        TSTransform::new(
            canvas.center().to_vec2() - center_local.to_vec2() * scaling,
            scaling,
        )
    }
}

/// Working-CRS coordinates are millions of metres; f32 screen geometry near
/// them would lose decimetres. Meshes are kept relative to the plan's corner,
/// y pointing down like the screen.
#[derive(Debug, Clone, Copy)]
pub struct LocalFrame {
    pub origin: Coord,
}

impl LocalFrame {
    pub fn local_from_working(&self, pt_working: Coord) -> Pos2 {
        Pos2::new(
            (pt_working.x - self.origin.x) as f32,
            (self.origin.y - pt_working.y) as f32,
        )
    }
}

/// One ring or line in local coordinates, with its box for culling.
#[derive(Debug, Clone)]
pub struct Path {
    pub points: Vec<Pos2>,
    pub bounds: Rect,
}

impl Path {
    pub fn new(frame: &LocalFrame, coords: impl Iterator<Item = Coord>) -> Path {
        let points: Vec<Pos2> = coords.map(|c| frame.local_from_working(c)).collect();
        let bounds = Rect::from_points(&points);
        Path { points, bounds }
    }
}

/// A level of detail: its simplification tolerance in metres, its meshes.
type Level = (f64, Vec<GpuMesh>);

/// The finest tolerance of the levels of detail made when a layer loads:
/// enough for the first picture, a city's plan fitted in a window (some
/// 500 m a pixel). Making every level first took two thirds of the time
/// to that picture on the city world (2.0 of 3.2 s).
pub const FIRST_FROM_M: f64 = 256.0;

/// The coarsest tolerance of the levels of detail made on demand. Those
/// from it up to [`FIRST_FROM_M`] are made right after the layer loads;
/// finer ones the first time a view needs them.
pub const FINE_BELOW_M: f64 = 16.0;

/// Which levels of detail to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Levels {
    /// Tolerances from [`FIRST_FROM_M`] up: made when a layer loads.
    First,
    /// From [`FINE_BELOW_M`] to [`FIRST_FROM_M`]: made right after.
    Middle,
    /// Below [`FINE_BELOW_M`]: made when a view first needs them.
    Fine,
}

impl Levels {
    fn of(tolerance_m: f64) -> Levels {
        if tolerance_m >= FIRST_FROM_M {
            Levels::First
        } else if tolerance_m >= FINE_BELOW_M {
            Levels::Middle
        } else {
            Levels::Fine
        }
    }

    pub fn keeps(self, tolerance_m: f64) -> bool {
        Levels::of(tolerance_m) == self
    }
}

/// Outlines at several levels of detail, each simplified to within a
/// tolerance, as stroke meshes kept on the GPU: a zone's outlines are
/// hundreds of thousands of points, which egui would tessellate anew every
/// frame. Each level is cut into meshes of a few thousand segments with
/// their boxes, so that a zoomed-in view draws only those in view.
#[derive(Clone, Default)]
pub struct OutlineLods {
    /// Finest first; the first is the full detail.
    levels: Vec<Level>,
    /// The same lines as band meshes (see [`band_mesh`]), for setback
    /// bands up to `band_reach_m` wide; empty when there are none.
    band_levels: Vec<Level>,
}

/// Points of a run of an outline: a view zoomed into a long ring culls the rest.
const RUN_POINTS: usize = 128;

impl OutlineLods {
    /// Simplification tolerances of the levels after the full one, in
    /// metres. None below 16 m: a view finer than 16 m/px spans at most a
    /// few kilometres, where the full detail, culled by cell, is already
    /// few vertices, while on a city's jagged red line (a vertex every
    /// ~10 m) a 2 m or 8 m level drops few vertices yet costs as much memory
    /// as the full detail. None above 256 m, though a city fitted in a
    /// window is some 540 m a pixel: a ring simplified lies inside the
    /// round patch it stands for, and at 512 m the city's red-line patches,
    /// 3–9 pixels across there, were drawn visibly smaller, some not at all.
    const TOLERANCES_M: [f64; 5] = [16.0, 32.0, 64.0, 128.0, 256.0];

    /// Outlines (the `which` levels), and band meshes of the same lines for
    /// bands up to `band_reach_m` from them: a band narrower than a pixel is not drawn,
    /// so levels coarser than that are not made.
    pub fn with_bands(
        paths: &[Path],
        color: Color32,
        band_reach_m: f64,
        which: Levels,
    ) -> OutlineLods {
        use geo::Simplify;
        let tolerances: Vec<f64> = std::iter::once(0.0)
            .chain(OutlineLods::TOLERANCES_M)
            .filter(|t| which.keeps(*t))
            .collect();
        let levels: Vec<(Level, Option<Level>)> = tolerances
            .into_par_iter()
            .map(|tolerance| {
                let cell_m = level_cell_m(tolerance);
                let runs = if tolerance == 0.0 {
                    cut_into_runs(paths.iter().map(|p| p.points.clone()), cell_m)
                } else {
                    cut_into_runs(
                        paths.iter().map(|p| {
                            let line: geo::LineString<f32> =
                                p.points.iter().map(|q| (q.x, q.y)).collect();
                            let simplified = line.simplify(tolerance as f32);
                            simplified.0.iter().map(|c| Pos2::new(c.x, c.y)).collect()
                        }),
                        cell_m,
                    )
                };
                let cells = runs_by_cell(&runs, cell_m);
                let meshes_of = |band: bool| {
                    cells
                        .iter()
                        .map(|chunk| {
                            let lines = chunk.iter().map(|&i| runs[i].as_slice());
                            GpuMesh::triangles(if band {
                                band_mesh(lines, color)
                            } else {
                                stroke_mesh(lines, color)
                            })
                        })
                        .filter(|mesh| !mesh.is_empty())
                        .collect::<Vec<_>>()
                };
                // A layer without setback bands has no band meshes, not even at full detail.
                let bands = (band_reach_m > 0.0 && tolerance <= band_reach_m)
                    .then(|| (tolerance, meshes_of(true)));
                ((tolerance, meshes_of(false)), bands)
            })
            .collect();
        let (levels, band_levels): (Vec<_>, Vec<_>) = levels.into_iter().unzip();
        OutlineLods {
            levels,
            band_levels: band_levels.into_iter().flatten().collect(),
        }
    }

    /// The coarsest level whose error is at most a pixel at this scale.
    pub fn at_scale(&self, m_per_px: f64) -> &[GpuMesh] {
        coarsest_within(&self.levels, m_per_px)
    }

    /// The band meshes to draw at this scale (see [`OutlineLods::with_bands`]).
    pub fn bands_at_scale(&self, m_per_px: f64) -> &[GpuMesh] {
        coarsest_within(&self.band_levels, m_per_px)
    }
}

/// Of levels of detail (tolerance in metres, meshes), finest first: the
/// coarsest within `tolerance_m`, else the finest.
pub fn coarsest_within(levels: &[(f64, Vec<GpuMesh>)], tolerance_m: f64) -> &[GpuMesh] {
    levels
        .iter()
        .rev()
        .find(|(tolerance, _)| *tolerance <= tolerance_m)
        .or(levels.first())
        .map(|(_, meshes)| meshes.as_slice())
        .unwrap_or(&[])
}

/// Indexes of `boxes` along a Z-order curve of their centres: neighbours
/// on the map end up next to each other. Empty boxes come last.
pub fn spatial_order(boxes: &[Rect]) -> Vec<usize> {
    let valid = |b: &Rect| b.is_finite() && b.min.x <= b.max.x && b.min.y <= b.max.y;
    let all = boxes
        .iter()
        .filter(|b| valid(b))
        .fold(Rect::NOTHING, |a, b| a.union(*b));
    let key = |b: &Rect| -> u64 {
        if !valid(b) || !valid(&all) {
            return u64::MAX;
        }
        let c = b.center();
        let scale = |v: f32, lo: f32, span: f32| {
            (((v - lo) / span.max(1e-3)).clamp(0.0, 1.0) * 65_535.0) as u64
        };
        let (x, y) = (
            scale(c.x, all.min.x, all.width()),
            scale(c.y, all.min.y, all.height()),
        );
        (0..16).fold(0, |k, bit| {
            k | ((x >> bit) & 1) << (2 * bit) | ((y >> bit) & 1) << (2 * bit + 1)
        })
    };
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by_cached_key(|&i| key(&boxes[i]));
    order
}

/// Lines cut into runs of at most [`RUN_POINTS`], each run starting where
/// the last ended.
fn cut_into_runs(lines: impl Iterator<Item = Vec<Pos2>>, cell_m: f32) -> Vec<Vec<Pos2>> {
    let mut runs = Vec::new();
    for points in lines {
        let mut start = 0;
        while start + 1 < points.len() {
            // A run ends at its first point out of its cell: a river
            // running across a map is meshed cell by cell, and a view (or a
            // tile) draws what runs through it, not the whole river.
            let cell = cell_of(points[start], cell_m);
            let mut end = start + 1;
            while end < points.len() && end - start < RUN_POINTS {
                end += 1;
                if cell_of(points[end - 1], cell_m) != cell {
                    break;
                }
            }
            runs.push(points[start..end].to_vec());
            start = end - 1;
        }
    }
    runs
}

/// The square cell of side `cell_m` holding a point.
fn cell_of(at: Pos2, cell_m: f32) -> (i32, i32) {
    (
        (at.x / cell_m).floor() as i32,
        (at.y / cell_m).floor() as i32,
    )
}

/// Side of the square cells a level's meshes are cut by, so that a view
/// draws the cells it shows, not whole layers. A level is drawn where a
/// window spans about 250 to 1 000 times its tolerance: a few cells in
/// view (the coarsest, a few for a whole city).
pub fn level_cell_m(tolerance: f64) -> f32 {
    (1024.0 * tolerance.max(2.0)) as f32
}

/// The runs (their indexes) grouped by the cell of side `cell_m` their
/// first point falls in: a mesh a cell, whatever order the lines came in.
fn runs_by_cell(runs: &[Vec<Pos2>], cell_m: f32) -> Vec<Vec<usize>> {
    let mut cells: std::collections::BTreeMap<(i32, i32), Vec<usize>> = Default::default();
    for (i, run) in runs.iter().enumerate() {
        if let Some(first) = run.first() {
            cells.entry(cell_of(*first, cell_m)).or_default().push(i);
        }
    }
    cells.into_values().collect()
}

/// A shape ready to draw: its triangles and its outlines.
#[derive(Debug, Clone, Default)]
pub struct Graphic {
    pub fill: Mesh,
    pub outlines: Vec<Path>,
}

impl Graphic {
    pub fn from_polygons(frame: &LocalFrame, mp: &MultiPolygon, color: Color32) -> Graphic {
        let mut graphic = Graphic::default();
        graphic.add_polygons(frame, mp, color);
        graphic
    }

    pub fn add_polygons(&mut self, frame: &LocalFrame, mp: &MultiPolygon, color: Color32) {
        for polygon in &mp.0 {
            triangulate_into(&mut self.fill, frame, polygon, color);
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                self.outlines.push(Path::new(frame, ring.0.iter().copied()));
            }
        }
    }

    pub fn from_lines(frame: &LocalFrame, ml: &MultiLineString) -> Graphic {
        Graphic {
            fill: Mesh::default(),
            outlines: ml
                .0
                .iter()
                .map(|l| Path::new(frame, l.0.iter().copied()))
                .collect(),
        }
    }

    pub fn bounds(&self) -> Rect {
        self.outlines
            .iter()
            .fold(Rect::NOTHING, |r, p| r.union(p.bounds))
    }
}

/// Appends a polygon's triangles. earcut fails only on degenerate input; such a
/// polygon keeps its outline and simply has no fill.
fn triangulate_into(mesh: &mut Mesh, frame: &LocalFrame, polygon: &Polygon, color: Color32) {
    let mut flat: Vec<f64> = Vec::new();
    let mut holes: Vec<usize> = Vec::new();
    for (i, ring) in std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .enumerate()
    {
        if i > 0 {
            holes.push(flat.len() / 2);
        }
        // The closing point repeats the first; earcut wants each vertex once.
        let open = &ring.0[..ring.0.len().saturating_sub(1)];
        for c in open {
            let p = frame.local_from_working(*c);
            flat.extend([p.x as f64, p.y as f64]);
        }
    }
    let Ok(triangles) = earcutr::earcut(&flat, &holes, 2) else {
        return;
    };
    let base = mesh.vertices.len() as u32;
    for xy in flat.chunks_exact(2) {
        mesh.colored_vertex(Pos2::new(xy[0] as f32, xy[1] as f32), color);
    }
    for t in triangles.chunks_exact(3) {
        mesh.add_triangle(base + t[0] as u32, base + t[1] as u32, base + t[2] as u32);
    }
}

/// Draws graphics of one frame: transforms local geometry to the screen and
/// skips what lies outside the canvas.
pub struct MapPainter<'a> {
    pub painter: &'a Painter,
    pub canvas: Rect,
    transform: TSTransform,
    /// The canvas in local coordinates, for culling.
    visible_local: Rect,
}

impl<'a> MapPainter<'a> {
    pub fn new(painter: &'a Painter, canvas: Rect, view: &MapView, frame: &LocalFrame) -> Self {
        let transform = view.screen_from_local(frame, canvas);
        let visible_local = transform.inverse().mul_rect(canvas);
        MapPainter {
            painter,
            canvas,
            transform,
            visible_local,
        }
    }

    pub fn screen_from_local(&self) -> TSTransform {
        self.transform
    }

    /// What the canvas shows, in local coordinates.
    pub fn visible_local(&self) -> Rect {
        self.visible_local
    }

    pub fn is_visible(&self, local_bounds: Rect) -> bool {
        self.visible_local.intersects(local_bounds)
    }

    /// Screen size of the graphic, to skip drawing outlines of dots.
    fn screen_extent(&self, local_bounds: Rect) -> f32 {
        local_bounds.size().max_elem() * self.transform.scaling
    }

    pub fn fill(&self, mesh: &Mesh) {
        if mesh.is_empty() {
            return;
        }
        let mut on_screen = mesh.clone();
        on_screen.transform(self.transform);
        self.painter.add(PaintShape::mesh(on_screen));
    }

    /// The same triangles again with a diagonal-line texture: egui tints the
    /// texture with the vertex colour, so a hatch costs one more mesh.
    pub fn hatch(&self, mesh: &Mesh, hatch: &TextureHandle, color: Color32) {
        if mesh.is_empty() {
            return;
        }
        let mut on_screen = mesh.clone();
        on_screen.transform(self.transform);
        on_screen.texture_id = hatch.id();
        for v in &mut on_screen.vertices {
            // Screen-space pattern: the hatch keeps its spacing at every zoom.
            v.uv = Pos2::new(v.pos.x / HATCH_PX, v.pos.y / HATCH_PX);
            v.color = color;
        }
        self.painter.add(PaintShape::mesh(on_screen));
    }

    pub fn outline(&self, paths: &[Path], stroke: Stroke, closed: bool) {
        for path in paths {
            if !self.is_visible(path.bounds) || path.points.len() < 2 {
                continue;
            }
            if self.screen_extent(path.bounds) < 1.0 {
                continue;
            }
            // Points closer than half a pixel to the last one drawn add
            // nothing but tessellation work: a densified survey boundary of
            // millions of vertices would otherwise cost seconds a frame.
            let mut points: Vec<Pos2> = Vec::new();
            for p in &path.points {
                let q = self.transform.mul_pos(*p);
                if points.last().is_none_or(|last| last.distance_sq(q) >= 0.25) {
                    points.push(q);
                }
            }
            if let (Some(&last), Some(&end)) = (path.points.last(), points.last()) {
                let last = self.transform.mul_pos(last);
                if last != end {
                    points.push(last);
                }
            }
            self.painter.add(if closed {
                PaintShape::closed_line(points, stroke)
            } else {
                PaintShape::line(points, stroke)
            });
        }
    }

    pub fn graphic(&self, graphic: &Graphic, fill: bool, stroke: Stroke) {
        if !self.is_visible(graphic.bounds()) {
            return;
        }
        if fill {
            self.fill(&graphic.fill);
        }
        self.outline(&graphic.outlines, stroke, true);
    }
}

/// A parcel's overlap with a zone: dark red under a hatch, above every zone colour.
pub const OVERLAP_FILL: Color32 = Color32::from_rgba_premultiplied(0x60, 0x00, 0x00, 0x60);

/// Spacing of hatch lines on screen, in points.
const HATCH_PX: f32 = 10.0;

/// A 16-pixel tile with one diagonal line, repeated across hatched areas.
pub fn hatch_texture(ctx: &egui::Context) -> TextureHandle {
    let size = 16;
    let mut pixels = vec![Color32::TRANSPARENT; size * size];
    for i in 0..size {
        for w in 0..2 {
            pixels[i * size + (i + w) % size] = Color32::WHITE;
        }
    }
    let image = ColorImage::new([size, size], pixels);
    ctx.load_texture(
        "hatch",
        image,
        TextureOptions {
            wrap_mode: egui::TextureWrapMode::Repeat,
            ..TextureOptions::NEAREST
        },
    )
}

/// A round length for a scale bar about `target_px` long: 1, 2 or 5 × 10ⁿ metres.
pub fn scale_bar_length_m(m_per_px: f64, target_px: f64) -> f64 {
    let raw = m_per_px * target_px;
    let magnitude = 10f64.powf(raw.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|step| step * magnitude)
        .find(|len| *len <= raw)
        .unwrap_or(magnitude)
}

pub fn format_length(metres: f64) -> String {
    if metres >= 1000.0 {
        format!("{} km", metres / 1000.0)
    } else {
        format!("{metres} m")
    }
}

/// Scale bar in the lower left and north arrow in the upper right: a map
/// without them cannot be read off a screenshot.
pub fn draw_scale_and_north(painter: &Painter, canvas: Rect, m_per_px: f64, text: Color32) {
    let length_m = scale_bar_length_m(m_per_px, 120.0);
    let length_px = (length_m / m_per_px) as f32;
    let start = Pos2::new(canvas.left() + 16.0, canvas.bottom() - 20.0);
    let end = start + Vec2::new(length_px, 0.0);
    let stroke = Stroke::new(2.0, text);
    painter.line_segment([start, end], stroke);
    for x in [start, end] {
        painter.line_segment([x, x - Vec2::new(0.0, 6.0)], stroke);
    }
    painter.text(
        Pos2::new((start.x + end.x) / 2.0, start.y - 8.0),
        egui::Align2::CENTER_BOTTOM,
        format_length(length_m),
        egui::FontId::proportional(13.0),
        text,
    );

    let tip = Pos2::new(canvas.right() - 28.0, canvas.top() + 14.0);
    let arrow = vec![
        tip,
        tip + Vec2::new(9.0, 26.0),
        tip + Vec2::new(0.0, 20.0),
        tip + Vec2::new(-9.0, 26.0),
    ];
    painter.add(PaintShape::convex_polygon(
        vec![arrow[0], arrow[2], arrow[3]],
        text,
        Stroke::NONE,
    ));
    painter.add(PaintShape::closed_line(arrow, Stroke::new(1.5, text)));
    painter.text(
        tip + Vec2::new(0.0, 30.0),
        egui::Align2::CENTER_TOP,
        "北 N",
        egui::FontId::proportional(12.0),
        text,
    );
}

/// A flat-coloured mesh for a fill colour with opacity.
pub fn fill_color(rgb: [u8; 3], alpha: u8) -> Color32 {
    Color32::from_rgba_unmultiplied(rgb[0], rgb[1], rgb[2], alpha)
}

pub fn solid_color(rgb: [u8; 3]) -> Color32 {
    Color32::from_rgb(rgb[0], rgb[1], rgb[2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area};

    #[test]
    fn neighbours_come_next_to_each_other_in_spatial_order() {
        let at = |x: f32, y: f32| Rect::from_min_max(Pos2::new(x, y), Pos2::new(x + 1.0, y + 1.0));
        let boxes = [
            at(0.0, 0.0),
            at(900.0, 900.0),
            at(2.0, 1.0),
            at(901.0, 899.0),
        ];
        let order = spatial_order(&boxes);
        let position = |i: usize| order.iter().position(|&j| j == i).unwrap();
        assert_eq!(position(0).abs_diff(position(2)), 1);
        assert_eq!(position(1).abs_diff(position(3)), 1);
    }

    #[test]
    fn runs_are_meshed_by_the_cell_they_start_in() {
        let run = |x: f32, y: f32| vec![Pos2::new(x, y), Pos2::new(x + 5.0, y)];
        let runs = vec![
            run(10.0, 10.0),
            run(5000.0, 10.0),
            run(20.0, 30.0),
            run(10.0, -10.0),
        ];
        assert_eq!(
            runs_by_cell(&runs, 2048.0),
            vec![vec![3], vec![0, 2], vec![1]]
        );
    }

    #[test]
    fn a_line_is_cut_where_it_leaves_a_cell_and_stays_continuous() {
        // Across three 1 km cells, 11 points 250 m apart.
        let line: Vec<Pos2> = (0..11)
            .map(|i| Pos2::new(10.0 + 250.0 * i as f32, 5.0))
            .collect();
        let runs = cut_into_runs(std::iter::once(line.clone()), 1000.0);
        assert_eq!(runs.len(), 3);
        for run in &runs {
            // Each run stays in its first point's cell but for its last point.
            let cell = cell_of(run[0], 1000.0);
            assert!(run[..run.len() - 1]
                .iter()
                .all(|p| cell_of(*p, 1000.0) == cell));
        }
        for pair in runs.windows(2) {
            assert_eq!(pair[0].last(), pair[1].first());
        }
        let rejoined: Vec<Pos2> = std::iter::once(runs[0][0])
            .chain(runs.iter().flat_map(|r| r[1..].iter().copied()))
            .collect();
        assert_eq!(rejoined, line);
        // Long runs within one cell still end after RUN_POINTS points.
        let long: Vec<Pos2> = (0..300).map(|i| Pos2::new(i as f32 * 0.1, 0.5)).collect();
        let runs = cut_into_runs(std::iter::once(long), 1000.0);
        assert!(runs.iter().all(|r| r.len() <= RUN_POINTS));
    }

    fn canvas() -> Rect {
        Rect::from_min_size(Pos2::ZERO, Vec2::new(800.0, 600.0))
    }

    #[test]
    fn screen_and_working_coordinates_round_trip() {
        let view = MapView {
            center: Coord {
                x: 625_937.71,
                y: 3_276_479.55,
            },
            m_per_px: 2.5,
        };
        let pt = Coord {
            x: 626_000.0,
            y: 3_276_000.0,
        };
        let back = view.working_from_screen(canvas(), view.screen_from_working(canvas(), pt));
        assert!((back.x - pt.x).abs() < 0.01 && (back.y - pt.y).abs() < 0.01);
        // North is up.
        let north = view.screen_from_working(
            canvas(),
            Coord {
                x: pt.x,
                y: pt.y + 100.0,
            },
        );
        assert!(north.y < view.screen_from_working(canvas(), pt).y);
    }

    #[test]
    fn zooming_keeps_the_point_under_the_cursor() {
        let mut view = MapView {
            center: Coord {
                x: 600_000.0,
                y: 3_270_000.0,
            },
            m_per_px: 10.0,
        };
        let cursor = Pos2::new(100.0, 500.0);
        let before = view.working_from_screen(canvas(), cursor);
        view.zoom_at(canvas(), cursor, 4.0);
        let after = view.working_from_screen(canvas(), cursor);
        assert_eq!(view.m_per_px, 2.5);
        assert!((before.x - after.x).abs() < 1e-6 && (before.y - after.y).abs() < 1e-6);
    }

    #[test]
    fn fitting_shows_the_whole_box() {
        let bounds = geo::Rect::new(
            Coord {
                x: 610_000.0,
                y: 3_260_000.0,
            },
            Coord {
                x: 640_000.0,
                y: 3_290_000.0,
            },
        );
        let view = MapView::fitting(bounds, canvas());
        for corner in [bounds.min(), bounds.max()] {
            assert!(canvas().contains(view.screen_from_working(canvas(), corner)));
        }
    }

    #[test]
    fn a_concave_polygon_with_a_hole_is_triangulated_to_its_area() {
        // An L-shape (area 300) with a 1×1 hole: 299 m².
        let l_shape = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 20.0, y: 0.0), (x: 20.0, y: 10.0), (x: 10.0, y: 10.0),
                       (x: 10.0, y: 20.0), (x: 0.0, y: 20.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 2.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 3.0), (x: 2.0, y: 3.0), (x: 2.0, y: 2.0)]],
        );
        let frame = LocalFrame {
            origin: Coord { x: -5.0, y: 30.0 },
        };
        let graphic =
            Graphic::from_polygons(&frame, &MultiPolygon(vec![l_shape.clone()]), Color32::RED);
        let mesh_area: f64 = graphic
            .fill
            .indices
            .chunks_exact(3)
            .map(|t| {
                let [a, b, c] = [t[0], t[1], t[2]].map(|i| graphic.fill.vertices[i as usize].pos);
                (((b - a).x * (c - a).y - (b - a).y * (c - a).x) as f64).abs() / 2.0
            })
            .sum();
        assert!(
            (mesh_area - l_shape.unsigned_area()).abs() < 1e-6,
            "{mesh_area}"
        );
        assert_eq!(graphic.outlines.len(), 2);
        assert!(graphic
            .fill
            .vertices
            .iter()
            .all(|v| v.uv == egui::epaint::WHITE_UV));
    }

    #[test]
    fn scale_bar_lengths_are_round() {
        assert_eq!(scale_bar_length_m(1.0, 120.0), 100.0);
        assert_eq!(scale_bar_length_m(2.0, 120.0), 200.0);
        assert_eq!(scale_bar_length_m(30.0, 120.0), 2000.0);
        assert_eq!(scale_bar_length_m(50.0, 120.0), 5000.0);
        assert_eq!(format_length(2000.0), "2 km");
        assert_eq!(format_length(50.0), "50 m");
    }
}
