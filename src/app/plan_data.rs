//! A plan's layers made ready to draw, off the UI thread: its index, each
//! layer's fills and outlines at levels of detail (finer ones made lazily,
//! for the first view that needs them) and its setback bands.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use eframe::egui::{Color32, Mesh};
use geo::{Coord, MultiLineString, MultiPolygon, Rect, Simplify};
use rayon::prelude::*;

use crate::catalog::{Catalog, Rule};
use crate::crs::{Crs, Transformer};
use crate::geometry::{union_rect, Shape};
use crate::index::ZoneIndex;
use crate::io::Layer;
use crate::plan::LoadedPlan;
use crate::plan_area::PlanArea;
use crate::style::{LayerStyle, SETBACK_CONFLICT_ALPHA, SETBACK_REVIEW_ALPHA};

use super::gpu::{GpuBatch, GpuMesh};
use super::map::{
    coarsest_within, fill_color, level_cell_m, solid_color, Graphic, Levels, LocalFrame,
    OutlineLods, FINE_BELOW_M, FIRST_FROM_M,
};

/// The triangles of `mesh` grouped by the square cell of side `cell_m`
/// their centroids fall in, keyed by cell (a triangle keeps its vertices, so
/// a cell's mesh may reach past the cell). Triangles of a cell share their
/// vertices, as in `mesh`: a polygon's fill is about a vertex a corner, not three.
fn by_cells(mesh: &Mesh, cell_m: f32) -> std::collections::BTreeMap<(i32, i32), Mesh> {
    let triangles: Vec<&[u32]> = mesh.indices.chunks_exact(3).collect();
    let cell_of = |triangle: &[u32]| {
        let centroid = triangle
            .iter()
            .map(|&i| mesh.vertices[i as usize].pos.to_vec2())
            .fold(eframe::egui::Vec2::ZERO, |a, b| a + b)
            / 3.0;
        (
            (centroid.x / cell_m).floor() as i32,
            (centroid.y / cell_m).floor() as i32,
        )
    };
    let mut order: Vec<((i32, i32), usize)> = triangles
        .iter()
        .enumerate()
        .map(|(t, triangle)| (cell_of(triangle), t))
        .collect();
    order.sort_unstable();
    // Where each vertex went in the cell being filled: (cell number, index).
    let mut placed = vec![(usize::MAX, 0u32); mesh.vertices.len()];
    let mut cells: std::collections::BTreeMap<(i32, i32), Mesh> = Default::default();
    for (number, group) in order.chunk_by(|a, b| a.0 == b.0).enumerate() {
        let mut cell = Mesh::default();
        for &(_, t) in group {
            for &index in triangles[t] {
                let slot = &mut placed[index as usize];
                if slot.0 != number {
                    *slot = (number, cell.vertices.len() as u32);
                    cell.vertices.push(mesh.vertices[index as usize]);
                }
                cell.indices.push(slot.1);
            }
        }
        cells.insert(group[0].0, cell);
    }
    cells
}

/// One catalog layer, ready to draw.
pub struct LayerGraphic {
    pub style: LayerStyle,
    /// Areas filled, or lines stroked (rivers).
    pub graphic: Graphic,
    pub is_lines: bool,
    /// The fill, drawn on the GPU, simplified per zoom level (the first
    /// levels, from [`FIRST_FROM_M`] up).
    pub fill: FillLods,
    /// The outlines (or lines) simplified per zoom level, in the layer's
    /// colour (the first levels).
    pub outlines: OutlineLods,
    /// The levels from [`FINE_BELOW_M`] to [`FIRST_FROM_M`], once made.
    pub middle: OnceLock<MoreLods>,
    /// The levels finer than [`FINE_BELOW_M`], once made.
    pub fine: OnceLock<MoreLods>,
    /// Whether making the fine levels has been asked for.
    fine_asked: AtomicBool,
    pub bounds: eframe::egui::Rect,
    /// What each of `graphic.outlines` is: a polygon's exterior, one of its
    /// holes, or a line. The images of the zoomed-out map fill the rings
    /// of a layer at once, wound so that holes stay empty.
    pub path_kinds: Vec<PathKind>,
    /// Setback bands along the water lines (drawn from `outlines`' band
    /// meshes): review distance, then conflict distance, in metres, with
    /// their colours.
    pub setback_bands: Vec<(f64, Color32)>,
    pub feature_count: usize,
    pub area_km2: f64,
}

/// What a path of a layer's outlines is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    Exterior,
    Hole,
    Line,
}

/// Levels of detail of a layer made after it loaded: the middle or the fine ones.
pub struct MoreLods {
    pub fill: FillLods,
    pub outlines: OutlineLods,
}

impl LayerGraphic {
    /// Of the levels made so far, the meshes that draw at this scale: (fill,
    /// outlines, bands). Until the levels for a scale are made, the finest
    /// of the coarser ones stands in.
    pub fn at_scale(&self, m_per_px: f64) -> (&[GpuMesh], &[GpuMesh], &[GpuMesh]) {
        let more = self
            .fine
            .get()
            .filter(|_| m_per_px < FINE_BELOW_M)
            .or_else(|| self.middle.get().filter(|_| m_per_px < FIRST_FROM_M));
        let (fill, outlines) = more.map_or((&self.fill, &self.outlines), |more| {
            (&more.fill, &more.outlines)
        });
        (
            fill.at_scale(m_per_px),
            outlines.at_scale(m_per_px),
            outlines.bands_at_scale(m_per_px),
        )
    }

    /// Whether a view at this scale wants levels not made yet; true once
    /// only: the caller then makes them ([`LayerGraphic::make`]).
    pub fn ask_fine(&self, m_per_px: f64) -> bool {
        m_per_px < FINE_BELOW_M
            && self.fine.get().is_none()
            && !self.fine_asked.swap(true, Ordering::Relaxed)
    }

    /// Makes the middle or the fine levels of `layer`, which this graphic
    /// was made from (the first ones it was made with).
    pub fn make(&self, frame: &LocalFrame, layer: &Layer, which: Levels) {
        let slot = match which {
            Levels::First => return,
            Levels::Middle => &self.middle,
            Levels::Fine => &self.fine,
        };
        let (fill, outlines) = rayon::join(
            || FillLods::new(frame, &areas_of(layer), self.fill.color, which),
            || {
                OutlineLods::with_bands(
                    &self.graphic.outlines,
                    solid_color(self.style.rgb),
                    self.band_reach_m(),
                    which,
                )
            },
        );
        let _ = slot.set(MoreLods { fill, outlines });
    }

    /// Adds this layer's draws at a scale (metres a point) that reach
    /// into `area` (local): setback bands, the fill (hatched or not), the
    /// outlines over them.
    pub fn push_draws(&self, batch: &mut GpuBatch, m_per_px: f64, area: eframe::egui::Rect) {
        // Strokes are widened on screen, past their meshes' boxes.
        let area = area.expand((4.0 * m_per_px) as f32);
        let (fill, outlines, bands) = self.at_scale(m_per_px);
        for &(distance_m, band_color) in &self.setback_bands {
            if !self.band_shows(distance_m, m_per_px) {
                continue;
            }
            let reach = distance_m as f32;
            for mesh in bands {
                if area.intersects(mesh.bounds.expand(reach)) {
                    batch.push_band(mesh, reach, band_color);
                }
            }
        }
        for mesh in fill.iter().filter(|m| area.intersects(m.bounds)) {
            if self.style.hatch {
                batch.push_hatched(mesh, self.hatch_color());
            } else {
                batch.push(mesh);
            }
        }
        for mesh in outlines {
            if area.intersects(mesh.bounds) {
                batch.push_stroke(mesh, self.outline_width_pt());
            }
        }
    }

    /// The width of the layer's outlines (or lines), in points.
    pub fn outline_width_pt(&self) -> f32 {
        if self.is_lines {
            2.0
        } else {
            1.2
        }
    }

    /// Whether a setback band of `distance_m` is drawn at this scale. A
    /// band reaching less than half a pixel past the line's own stroke
    /// would not show: at that scale the stroke shows where the water is,
    /// and a city's network of bands would be drawn for nothing.
    pub fn band_shows(&self, distance_m: f64, m_per_px: f64) -> bool {
        distance_m / m_per_px >= f64::from(self.outline_width_pt()) / 2.0 + 0.5
    }

    /// The hatching's colour over a prohibiting zone's fill.
    pub fn hatch_color(&self) -> Color32 {
        solid_color(self.style.rgb).gamma_multiply(0.55)
    }

    fn band_reach_m(&self) -> f64 {
        self.setback_bands
            .iter()
            .map(|(d, _)| *d)
            .fold(0.0, f64::max)
    }
}

/// The polygons of a layer's areas.
fn areas_of(layer: &Layer) -> Vec<&MultiPolygon> {
    layer
        .features
        .iter()
        .filter_map(|f| match &f.shape {
            Shape::Area(mp) => Some(mp),
            Shape::Lines(_) => None,
        })
        .collect()
}

pub struct PlanData {
    pub plan: LoadedPlan,
    pub index: ZoneIndex,
    /// Where the plan speaks, to place sketched parcels on.
    pub area: Option<PlanArea>,
    pub frame: LocalFrame,
    /// The plan area (its boundary, else all layers), for "zoom to plan".
    pub bounds: Rect,
    pub layers: Vec<LayerGraphic>,
    pub boundary: Option<Graphic>,
    pub to_lonlat: Option<Transformer>,
}

impl PlanData {
    pub fn load(catalog_path: &Path) -> Result<PlanData, String> {
        let catalog = Catalog::load(catalog_path).map_err(|e| e.to_string())?;
        let plan = LoadedPlan::load(catalog).map_err(|e| e.to_string())?;
        let index = ZoneIndex::build(&plan.zone_layers());
        let bounds = plan
            .boundary
            .iter()
            .chain(plan.layers.iter())
            .flat_map(|l| l.features.iter())
            .filter_map(|f| f.shape.bounding_rect())
            .reduce(union_rect)
            .ok_or_else(|| {
                format!(
                    "{}: the plan's layers hold no features; check the layer files",
                    plan.catalog.path.display()
                )
            })?;
        let frame = LocalFrame {
            origin: Coord {
                x: bounds.min().x,
                y: bounds.max().y,
            },
        };
        let layers = plan
            .catalog
            .layers
            .par_iter()
            .zip(&plan.layers)
            .map(|(spec, layer)| {
                layer_graphic(&frame, LayerStyle::for_layer(spec), spec.rule, layer)
            })
            .collect();
        let boundary = plan.boundary.as_ref().map(|b| {
            let mut graphic = Graphic::default();
            for f in &b.features {
                if let Shape::Area(mp) = &f.shape {
                    graphic.add_polygons(&frame, mp, Color32::TRANSPARENT);
                }
            }
            graphic
        });
        let to_lonlat = Crs::from_epsg(4490)
            .ok()
            .map(|lonlat| Transformer::new(&plan.catalog.working_crs, &lonlat));
        Ok(PlanData {
            area: plan.area(),
            plan,
            index,
            frame,
            bounds,
            layers,
            boundary,
            to_lonlat,
        })
    }
}

/// A fill triangulated at several levels of detail: a zoomed-out map draws
/// polygons simplified by at most a pixel, with far fewer triangles. Each
/// level is cut into meshes of a few polygons with their boxes, so that a
/// zoomed-in map draws only those in view.
pub struct FillLods {
    /// (tolerance in metres, meshes), finest first.
    levels: Vec<(f64, Vec<GpuMesh>)>,
    bounds: eframe::egui::Rect,
    color: Color32,
}

impl FillLods {
    /// Simplification tolerances of the levels after the full one, in
    /// metres, as for outlines ([`OutlineLods`]): with levels at 16, 64 and
    /// 256 m only, the city's red line at 30–60 m a pixel drew its 16 m
    /// fill, four times the points of its 32 m outline.
    const TOLERANCES_M: [f64; 5] = [16.0, 32.0, 64.0, 128.0, 256.0];

    pub fn new(
        frame: &LocalFrame,
        areas: &[&MultiPolygon],
        color: Color32,
        which: Levels,
    ) -> FillLods {
        let meshes = |areas: &mut dyn Iterator<Item = &MultiPolygon>, cell_m: f32| {
            let mut graphic = Graphic::default();
            for mp in areas {
                graphic.add_polygons(frame, mp, color);
            }
            by_cells(&graphic.fill, cell_m)
                .into_values()
                .map(GpuMesh::triangles)
                .collect::<Vec<_>>()
        };
        // Each level is simplified from the full detail, so that the levels
        // are triangulated side by side, on every core.
        let tolerances: Vec<f64> = std::iter::once(0.0)
            .chain(FillLods::TOLERANCES_M)
            .filter(|t| which.keeps(*t))
            .collect();
        let levels: Vec<(f64, Vec<GpuMesh>)> = tolerances
            .into_par_iter()
            .map(|tolerance| {
                let cell_m = level_cell_m(tolerance);
                if tolerance == 0.0 {
                    return (tolerance, meshes(&mut areas.iter().copied(), cell_m));
                }
                let simplified: Vec<MultiPolygon> =
                    areas.iter().map(|mp| mp.simplify(tolerance)).collect();
                (tolerance, meshes(&mut simplified.iter(), cell_m))
            })
            .collect();
        let bounds = levels
            .iter()
            .flat_map(|(_, meshes)| meshes)
            .fold(eframe::egui::Rect::NOTHING, |r, m| r.union(m.bounds));
        FillLods {
            levels,
            bounds,
            color,
        }
    }

    /// The coarsest level whose error is at most a pixel at this scale.
    pub fn at_scale(&self, m_per_px: f64) -> &[GpuMesh] {
        coarsest_within(&self.levels, m_per_px)
    }

    /// The fill's box, in local coordinates.
    pub fn bounds(&self) -> eframe::egui::Rect {
        self.bounds
    }
}

pub(super) fn layer_graphic(
    frame: &LocalFrame,
    style: LayerStyle,
    rule: Rule,
    layer: &Layer,
) -> LayerGraphic {
    let fill = fill_color(style.rgb, style.fill_alpha);
    let mut graphic = Graphic::default();
    let mut lines = MultiLineString(Vec::new());
    let mut areas = Vec::new();
    let mut path_kinds = Vec::new();
    for feature in &layer.features {
        match &feature.shape {
            Shape::Area(mp) => {
                for polygon in &mp.0 {
                    let holes = polygon
                        .interiors()
                        .iter()
                        .map(|ring| (ring, PathKind::Hole));
                    for (ring, kind) in
                        std::iter::once((polygon.exterior(), PathKind::Exterior)).chain(holes)
                    {
                        graphic
                            .outlines
                            .push(super::map::Path::new(frame, ring.0.iter().copied()));
                        path_kinds.push(kind);
                    }
                }
                areas.push(mp);
            }
            Shape::Lines(ml) => lines.0.extend(ml.0.iter().cloned()),
        }
    }
    let is_lines = !lines.0.is_empty();
    if is_lines {
        let line_paths = Graphic::from_lines(frame, &lines).outlines;
        path_kinds.extend(line_paths.iter().map(|_| PathKind::Line));
        graphic.outlines.extend(line_paths);
    }
    // Drawing only: the screening measures exact distances. The bands are
    // the lines' own vertices widened on the GPU, so nothing proportional
    // to the network's length or area is built for them.
    let setback_bands: Vec<(f64, Color32)> = match rule {
        Rule::Setback {
            conflict_m,
            review_m,
        } if is_lines => [
            (review_m, SETBACK_REVIEW_ALPHA),
            (conflict_m, SETBACK_CONFLICT_ALPHA),
        ]
        .into_iter()
        .filter(|(distance, _)| *distance > 0.0)
        .map(|(distance, alpha)| (distance, fill_color(style.rgb, alpha)))
        .collect(),
        _ => Vec::new(),
    };
    let band_reach_m = setback_bands.iter().map(|(d, _)| *d).fold(0.0, f64::max);
    let (fill, outlines) = rayon::join(
        || FillLods::new(frame, &areas, fill, Levels::First),
        || {
            OutlineLods::with_bands(
                &graphic.outlines,
                solid_color(style.rgb),
                band_reach_m,
                Levels::First,
            )
        },
    );
    LayerGraphic {
        style,
        bounds: graphic.bounds(),
        graphic,
        is_lines,
        fill,
        outlines,
        middle: OnceLock::new(),
        fine: OnceLock::new(),
        fine_asked: AtomicBool::new(false),
        path_kinds,
        setback_bands,
        feature_count: layer.features.len(),
        area_km2: layer
            .features
            .iter()
            .map(|f| f.shape.area_m2())
            .sum::<f64>()
            / 1e6,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vertices(meshes: &[GpuMesh]) -> usize {
        meshes.iter().map(|m| m.vertex_count()).sum()
    }

    /// The sample plan, and the position of its first layer `which` accepts.
    fn sample_plan_layer(which: impl Fn(&crate::catalog::LayerSpec) -> bool) -> (PlanData, usize) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let plan = PlanData::load(&root.join("layers/catalog.toml")).unwrap();
        let index = plan.plan.catalog.layers.iter().position(which).unwrap();
        (plan, index)
    }

    #[test]
    fn the_first_pictures_levels_come_first_the_middle_next_the_fine_when_a_view_needs_them() {
        let (plan, index) = sample_plan_layer(|l| l.id == "eco_redline");
        let layer = &plan.layers[index];
        let source = &plan.plan.layers[index];
        // (fill, outline) vertices drawn at a scale.
        let drawn = |m_per_px: f64| {
            let (fill, outlines, _) = layer.at_scale(m_per_px);
            (vertices(fill), vertices(outlines))
        };
        // Loaded, only the first levels exist: the finest of them stands in
        // at every finer scale.
        assert!(layer.middle.get().is_none() && layer.fine.get().is_none());
        let first = drawn(FIRST_FROM_M);
        assert!(first.0 > 0 && first.1 > 0);
        assert_eq!(drawn(20.0), first);
        assert_eq!(drawn(0.5), first);
        // The middle levels, made next, draw below FIRST_FROM_M and stand
        // in below FINE_BELOW_M.
        layer.make(&plan.frame, source, Levels::Middle);
        let middle = drawn(FINE_BELOW_M);
        assert!(
            middle.0 > first.0 && middle.1 > first.1,
            "{middle:?} {first:?}"
        );
        assert_eq!(drawn(0.5), middle);
        assert_eq!(drawn(FIRST_FROM_M), first);
        // A view of the whole plan asks for nothing; one zoomed in asks once.
        assert!(!layer.ask_fine(100.0));
        assert!(layer.ask_fine(0.5));
        assert!(!layer.ask_fine(0.5));
        layer.make(&plan.frame, source, Levels::Fine);
        let fine = drawn(0.5);
        assert!(
            fine.0 > middle.0 && fine.1 > middle.1,
            "{fine:?} {middle:?}"
        );
        // Coarser views still draw their own levels.
        assert_eq!(drawn(FINE_BELOW_M), middle);
        assert_eq!(drawn(FIRST_FROM_M), first);
    }

    #[test]
    fn setback_bands_come_with_their_water_lines_down_to_street_scale() {
        let (plan, index) = sample_plan_layer(|l| matches!(l.rule, Rule::Setback { .. }));
        let layer = &plan.layers[index];
        let widths: Vec<f64> = layer.setback_bands.iter().map(|(d, _)| *d).collect();
        assert_eq!(widths, vec![50.0, 30.0]);
        // Bands up to 50 m are drawn from 100 m a pixel down: the middle
        // levels hold them to 16 m, the fine ones below.
        assert_eq!(vertices(layer.at_scale(20.0).2), 0);
        layer.make(&plan.frame, &plan.plan.layers[index], Levels::Middle);
        assert!(vertices(layer.at_scale(20.0).2) > 0);
        layer.make(&plan.frame, &plan.plan.layers[index], Levels::Fine);
        let (_, lines, bands) = layer.at_scale(1.0);
        // A quad a segment and a square a vertex: more than the line's quads.
        assert!(
            vertices(bands) > vertices(lines),
            "{} {}",
            vertices(bands),
            vertices(lines)
        );
    }

    #[test]
    fn a_band_is_drawn_once_it_shows_half_a_pixel_past_the_water_line() {
        let (plan, index) = sample_plan_layer(|l| matches!(l.rule, Rule::Setback { .. }));
        let layer = &plan.layers[index];
        layer.make(&plan.frame, &plan.plan.layers[index], Levels::Middle);
        let everywhere = eframe::egui::Rect::EVERYTHING;
        let bands_at = |m_per_px: f64| {
            let mut batch = GpuBatch::new();
            layer.push_draws(&mut batch, m_per_px, everywhere);
            let mut widths = batch.band_widths();
            widths.dedup();
            widths
        };
        // The line's stroke is 2 px wide: a band shows from 1.5 px out.
        assert_eq!(bands_at(40.0), Vec::<f32>::new(), "50 m = 1.25 px");
        assert_eq!(bands_at(30.0), vec![50.0], "50 m = 1.7 px, 30 m = 1 px");
        assert_eq!(bands_at(10.0), vec![50.0, 30.0]);
    }

    #[test]
    fn a_layer_without_setback_bands_has_no_band_meshes_at_any_level() {
        let (plan, index) = sample_plan_layer(|l| l.rule == Rule::Prohibit);
        let layer = &plan.layers[index];
        assert!(layer.setback_bands.is_empty());
        layer.make(&plan.frame, &plan.plan.layers[index], Levels::Middle);
        layer.make(&plan.frame, &plan.plan.layers[index], Levels::Fine);
        for m_per_px in [0.5, 1.0, 20.0, 100.0, 1000.0] {
            let (fill, lines, bands) = layer.at_scale(m_per_px);
            assert!(vertices(fill) > 0 && vertices(lines) > 0);
            assert_eq!(vertices(bands), 0, "at {m_per_px} m/px");
        }
    }

    #[test]
    fn a_zone_fill_cut_by_cells_keeps_every_triangle_in_the_cell_of_its_centre() {
        let frame = LocalFrame {
            origin: Coord { x: 0.0, y: 1000.0 },
        };
        // A 1 km square with a hole, over a 300 m grid.
        let square = |lo: f64, hi: f64| {
            geo::LineString::from(vec![(lo, lo), (hi, lo), (hi, hi), (lo, hi), (lo, lo)])
        };
        let zone = MultiPolygon(vec![geo::Polygon::new(
            square(0.0, 1000.0),
            vec![square(400.0, 600.0)],
        )]);
        let graphic = Graphic::from_polygons(&frame, &zone, Color32::RED);
        let area = |mesh: &Mesh| -> f32 {
            mesh.indices
                .chunks_exact(3)
                .map(|t| {
                    let [a, b, c] = [0, 1, 2].map(|k| mesh.vertices[t[k] as usize].pos);
                    ((b - a).x * (c - a).y - (b - a).y * (c - a).x).abs() / 2.0
                })
                .sum()
        };
        let cells = by_cells(&graphic.fill, 300.0);
        assert!(cells.len() > 4, "{} cells", cells.len());
        let total: f32 = cells.values().map(area).sum();
        assert!((total - 960_000.0).abs() < 1.0, "{total} m²");
        for ((cx, cy), mesh) in &cells {
            for t in mesh.indices.chunks_exact(3) {
                let [a, b, c] = [0, 1, 2].map(|k| mesh.vertices[t[k] as usize].pos.to_vec2());
                let centre = (a + b + c) / 3.0;
                assert_eq!((centre.x / 300.0).floor() as i32, *cx);
                assert_eq!((centre.y / 300.0).floor() as i32, *cy);
            }
        }
        // Corners are shared within a cell, not copied per triangle.
        let whole = by_cells(&graphic.fill, f32::INFINITY);
        assert_eq!(whole.len(), 1);
        let mesh = whole.values().next().unwrap();
        assert_eq!(mesh.vertices.len(), graphic.fill.vertices.len());
        assert_eq!(mesh.indices.len(), graphic.fill.indices.len());
        assert!((area(mesh) - 960_000.0).abs() < 1.0);
    }
}
