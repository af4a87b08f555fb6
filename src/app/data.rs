//! What the viewer shows, loaded off the UI thread: the plan with its index
//! and its layers ready to draw, and screened parcels. The frame only reads it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, OnceLock};

use eframe::egui::{Color32, Context, Mesh};
use geo::{Coord, MultiLineString, MultiPolygon, Rect, Simplify};
use rayon::prelude::*;

use crate::catalog::{Catalog, Rule};
use crate::crs::{Crs, Transformer};
use crate::geometry::{union_rect, Shape};
use crate::index::ZoneIndex;
use crate::io::{read_layer, Feature, Layer, ReadOptions, PARCEL_ID_FIELDS, PARCEL_NAME_FIELDS};
use crate::plan::LoadedPlan;
use crate::screen::{screen_files_counting, ParcelOutcome, Screening, Verdict};
use crate::style::{
    verdict_rgb, LayerStyle, PENDING_RGB, SETBACK_CONFLICT_ALPHA, SETBACK_REVIEW_ALPHA,
    UNSCREENED_RGB,
};

use super::gpu::GpuMesh;
use super::map::{
    coarsest_within, fill_color, solid_color, Graphic, Levels, LocalFrame, OutlineLods,
    FINE_BELOW_M,
};
use super::raster::{ParcelRaster, RasterParcel};

/// The triangles of `mesh` grouped by the square cell of side `cell_m`
/// their centroids fall in, keyed by cell (a triangle keeps its vertices, so
/// a cell's mesh may reach past the cell).
fn by_cells(mesh: &Mesh, cell_m: f32) -> std::collections::BTreeMap<(i32, i32), Mesh> {
    let mut cells: std::collections::BTreeMap<(i32, i32), Mesh> = Default::default();
    for triangle in mesh.indices.chunks_exact(3) {
        let corners = [0, 1, 2].map(|k| mesh.vertices[triangle[k] as usize]);
        let centroid =
            (corners[0].pos.to_vec2() + corners[1].pos.to_vec2() + corners[2].pos.to_vec2()) / 3.0;
        let key = (
            (centroid.x / cell_m).floor() as i32,
            (centroid.y / cell_m).floor() as i32,
        );
        let cell = cells.entry(key).or_default();
        let first = cell.vertices.len() as u32;
        cell.vertices.extend(corners);
        cell.indices.extend([first, first + 1, first + 2]);
    }
    cells
}

/// One catalog layer, ready to draw.
pub struct LayerGraphic {
    pub style: LayerStyle,
    /// Areas filled, or lines stroked (rivers).
    pub graphic: Graphic,
    pub is_lines: bool,
    /// The fill, drawn on the GPU, simplified per zoom level (the levels
    /// from [`FINE_BELOW_M`] up).
    pub fill: FillLods,
    /// The outlines (or lines) simplified per zoom level, in the layer's
    /// colour (the levels from [`FINE_BELOW_M`] up).
    pub outlines: OutlineLods,
    /// The levels finer than [`FINE_BELOW_M`], once made.
    pub fine: OnceLock<FineLods>,
    /// Whether making the fine levels has been asked for.
    fine_asked: AtomicBool,
    pub bounds: eframe::egui::Rect,
    /// Setback bands along the water lines (drawn from `outlines`' band
    /// meshes): review distance, then conflict distance, in metres, with
    /// their colours.
    pub setback_bands: Vec<(f64, Color32)>,
    pub feature_count: usize,
    pub area_km2: f64,
}

/// A layer's levels of detail finer than [`FINE_BELOW_M`].
pub struct FineLods {
    pub fill: FillLods,
    pub outlines: OutlineLods,
}

impl LayerGraphic {
    /// Of the coarse levels and the fine ones once made, the meshes that
    /// draw at this scale: (fill, outlines, bands). Until the fine levels are
    /// made the finest coarse level stands in.
    pub fn at_scale(&self, m_per_px: f64) -> (&[GpuMesh], &[GpuMesh], &[GpuMesh]) {
        match self.fine.get() {
            Some(fine) if m_per_px < FINE_BELOW_M => (
                fine.fill.at_scale(m_per_px),
                fine.outlines.at_scale(m_per_px),
                fine.outlines.bands_at_scale(m_per_px),
            ),
            _ => (
                self.fill.at_scale(m_per_px),
                self.outlines.at_scale(m_per_px),
                self.outlines.bands_at_scale(m_per_px),
            ),
        }
    }

    /// Whether a view at this scale wants levels not made yet; true once
    /// only: the caller then makes them ([`LayerGraphic::make_fine`]).
    pub fn ask_fine(&self, m_per_px: f64) -> bool {
        m_per_px < FINE_BELOW_M
            && self.fine.get().is_none()
            && !self.fine_asked.swap(true, Ordering::Relaxed)
    }

    /// Makes the levels finer than [`FINE_BELOW_M`] of `layer`, which this
    /// graphic was made from.
    pub fn make_fine(&self, frame: &LocalFrame, layer: &Layer) {
        let (fill, outlines) = rayon::join(
            || FillLods::new(frame, &areas_of(layer), self.fill.color, Levels::Fine),
            || {
                OutlineLods::with_bands(
                    &self.graphic.outlines,
                    solid_color(self.style.rgb),
                    self.band_reach_m(),
                    Levels::Fine,
                )
            },
        );
        let _ = self.fine.set(FineLods { fill, outlines });
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
    /// Simplification tolerances of the levels after the full one, in metres.
    const TOLERANCES_M: [f64; 4] = [4.0, 16.0, 64.0, 256.0];

    /// Side of the cells a level's triangles are grouped by, so that a view
    /// draws the cells it shows, not whole zones. A level is drawn where a
    /// window spans about 250 to 1 000 times its tolerance: about a dozen
    /// cells in view. The coarse levels show the whole plan: one mesh each
    /// keeps their draw calls few.
    fn cell_m(tolerance: f64) -> f32 {
        match tolerance {
            t if t >= 64.0 => f32::INFINITY,
            t => (1024.0 * t.max(1.0)) as f32,
        }
    }

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
                let cell_m = FillLods::cell_m(tolerance);
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

fn layer_graphic(frame: &LocalFrame, style: LayerStyle, rule: Rule, layer: &Layer) -> LayerGraphic {
    let fill = fill_color(style.rgb, style.fill_alpha);
    let mut graphic = Graphic::default();
    let mut lines = MultiLineString(Vec::new());
    let mut areas = Vec::new();
    for feature in &layer.features {
        match &feature.shape {
            Shape::Area(mp) => {
                for polygon in &mp.0 {
                    for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                        graphic
                            .outlines
                            .push(super::map::Path::new(frame, ring.0.iter().copied()));
                    }
                }
                areas.push(mp);
            }
            Shape::Lines(ml) => lines.0.extend(ml.0.iter().cloned()),
        }
    }
    let is_lines = !lines.0.is_empty();
    if is_lines {
        graphic
            .outlines
            .extend(Graphic::from_lines(frame, &lines).outlines);
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
        || FillLods::new(frame, &areas, fill, Levels::Coarse),
        || {
            OutlineLods::with_bands(
                &graphic.outlines,
                solid_color(style.rgb),
                band_reach_m,
                Levels::Coarse,
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
        fine: OnceLock::new(),
        fine_asked: AtomicBool::new(false),
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

/// Large enough to batch thousands of parcels, small enough to cull by box.
const BATCH_VERTICES: usize = 20_000;

/// Indexes of `boxes` along a Z-order curve of their centres: neighbours
/// on the map end up next to each other. Empty boxes come last.
fn spatial_order(boxes: &[eframe::egui::Rect]) -> Vec<usize> {
    let valid = |b: &eframe::egui::Rect| b.is_finite() && b.min.x <= b.max.x && b.min.y <= b.max.y;
    let all = boxes
        .iter()
        .filter(|b| valid(b))
        .fold(eframe::egui::Rect::NOTHING, |a, b| a.union(*b));
    let key = |b: &eframe::egui::Rect| -> u64 {
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

/// A parcel's box in the R-tree, with its outcome's index.
pub type ParcelBox = rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f32; 2]>, usize>;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerdictCounts {
    pub conflict: usize,
    pub review: usize,
    pub clear: usize,
    pub unscreened: usize,
}

/// Parcels loaded so far: every file's outcomes, in the order they came.
#[derive(Default)]
pub struct ParcelSet {
    pub files: Vec<PathBuf>,
    pub screening: Screening,
    /// Outlines, one per outcome; `None` for a parcel that could not be screened.
    pub graphics: Vec<Option<Graphic>>,
    /// The parcels' fills merged into a few large meshes kept on the GPU: a
    /// district's 200 000 parcels are a handful of draw calls, not 200 000.
    pub fill_batches: Vec<GpuMesh>,
    /// Their outlines as thin lines in the verdict's colour, batched the same way.
    pub outline_batches: Vec<GpuMesh>,
    /// One dot per parcel at its centre: how parcels of a pixel or two are drawn.
    pub dot_batches: Vec<GpuMesh>,
    /// The parcels as tiled images per zoom band, for scales where a parcel
    /// is a few pixels: a whole-world view is a few quads.
    pub raster: ParcelRaster,
    /// Each parcel's box (local coordinates), to find those in view.
    pub boxes: rstar::RTree<ParcelBox>,
    /// The median parcel's size (its box's longer side, metres): below a few
    /// pixels outlines only clutter the map.
    pub typical_size_m: f32,
    sizes: Vec<f32>,
    /// Parcels per verdict, counted once per change, not per frame.
    pub counts: VerdictCounts,
    /// Bumped on every change, so cached table rows know to refresh.
    pub generation: u64,
    /// Sketched parcels, numbered for their ids.
    pub sketches: usize,
}

impl ParcelSet {
    pub fn add(
        &mut self,
        files: Vec<PathBuf>,
        screening: Screening,
        graphics: Vec<Option<Graphic>>,
    ) {
        self.files.extend(files);
        let first = self.screening.outcomes.len();
        let mut graphics = graphics;
        let bounds: Vec<eframe::egui::Rect> = graphics
            .iter()
            .map(|g| {
                g.as_ref()
                    .map_or(eframe::egui::Rect::NOTHING, Graphic::bounds)
            })
            .collect();
        // Batches of neighbours, so that a zoomed-in view culls all but a few.
        let mut fill = Mesh::default();
        let mut lines = Mesh::default();
        let mut dots = Mesh::default();
        let mut boxes = Vec::new();
        let mut verdicts = Vec::new();
        for i in spatial_order(&bounds) {
            let (Some(g), Some(ParcelOutcome::Screened { result, .. })) =
                (graphics[i].as_mut(), screening.outcomes.get(i))
            else {
                continue;
            };
            let b = bounds[i];
            let fill_color = g.fill.vertices.first().map(|v| v.color);
            fill.append(std::mem::take(&mut g.fill));
            add_outline_lines(&mut lines, &g.outlines, verdict_color(Some(result.verdict)));
            if let Some(color) = fill_color {
                dots.indices.push(dots.vertices.len() as u32);
                dots.colored_vertex(b.center(), color);
            }
            boxes.push(ParcelBox::new(
                rstar::primitives::Rectangle::from_corners([b.min.x, b.min.y], [b.max.x, b.max.y]),
                first + i,
            ));
            self.sizes.push(b.size().max_elem());
            verdicts.push((i, result.verdict));
            if fill.vertices.len() >= BATCH_VERTICES || lines.vertices.len() >= BATCH_VERTICES {
                self.push_batches(&mut fill, &mut lines, &mut dots);
            }
        }
        self.push_batches(&mut fill, &mut lines, &mut dots);
        let drawn: Vec<RasterParcel> = verdicts
            .into_iter()
            .filter_map(|(i, verdict)| {
                graphics[i].as_ref().map(|g| RasterParcel {
                    rings: &g.outlines,
                    bounds: bounds[i],
                    verdict,
                })
            })
            .collect();
        self.raster.add(&drawn);
        self.graphics.extend(graphics);
        self.screening.outcomes.extend(screening.outcomes);
        if self.boxes.size() == 0 {
            self.boxes = rstar::RTree::bulk_load(boxes);
        } else {
            for b in boxes {
                self.boxes.insert(b);
            }
        }
        self.summarise();
    }

    /// Parcels made ready for drawing away from the UI thread: a city's
    /// hundreds of thousands take seconds, a frame must not.
    pub fn built(
        files: Vec<PathBuf>,
        screening: Screening,
        graphics: Vec<Option<Graphic>>,
    ) -> Self {
        let mut set = ParcelSet::default();
        set.add(files, screening, graphics);
        set
    }

    /// Takes in parcels [`ParcelSet::built`] apart: as they are when there
    /// are none yet (no cost to the frame), else after those there are.
    pub fn merge(&mut self, other: ParcelSet) {
        let generation = self.generation + 1;
        if self.screening.outcomes.is_empty() {
            let sketches = self.sketches;
            *self = other;
            self.sketches = sketches;
            self.generation = generation;
            return;
        }
        let first = self.screening.outcomes.len();
        self.files.extend(other.files);
        self.graphics.extend(other.graphics);
        self.screening.outcomes.extend(other.screening.outcomes);
        self.fill_batches.extend(other.fill_batches);
        self.outline_batches.extend(other.outline_batches);
        self.dot_batches.extend(other.dot_batches);
        self.raster.merge(other.raster);
        self.sizes.extend(other.sizes);
        for b in other.boxes.iter() {
            self.boxes.insert(ParcelBox::new(*b.geom(), first + b.data));
        }
        self.summarise();
        self.generation = generation;
    }

    /// What is worked out once per change from all the parcels.
    fn summarise(&mut self) {
        let mut sizes = self.sizes.clone();
        self.typical_size_m = if sizes.is_empty() {
            0.0
        } else {
            let middle = sizes.len() / 2;
            *sizes.select_nth_unstable_by(middle, f32::total_cmp).1
        };
        self.counts = VerdictCounts {
            conflict: self.screening.count(Verdict::Conflict),
            review: self.screening.count(Verdict::Review),
            clear: self.screening.count(Verdict::Clear),
            unscreened: self.screening.unscreened().count(),
        };
        self.generation += 1;
    }

    fn push_batches(&mut self, fill: &mut Mesh, lines: &mut Mesh, dots: &mut Mesh) {
        if !fill.is_empty() {
            self.fill_batches
                .push(GpuMesh::triangles(std::mem::take(fill)));
        }
        if !lines.is_empty() {
            self.outline_batches
                .push(GpuMesh::lines(std::mem::take(lines)));
        }
        if !dots.is_empty() {
            self.dot_batches.push(GpuMesh::points(std::mem::take(dots)));
        }
    }

    /// Up to `limit` parcels whose boxes meet `local` (a rectangle in local coordinates).
    pub fn in_view(&self, local: eframe::egui::Rect, limit: usize) -> Vec<usize> {
        let envelope =
            rstar::AABB::from_corners([local.min.x, local.min.y], [local.max.x, local.max.y]);
        self.boxes
            .locate_in_envelope_intersecting(&envelope)
            .take(limit)
            .map(|b| b.data)
            .collect()
    }

    pub fn parcel(&self, outcome: usize) -> Option<&Feature> {
        match self.screening.outcomes.get(outcome)? {
            ParcelOutcome::Screened { parcel, .. } => Some(parcel),
            ParcelOutcome::Unscreened(_) => None,
        }
    }

    pub fn find_id(&self, id: &str) -> Option<usize> {
        self.screening
            .outcomes
            .iter()
            .position(|o| matches!(o, ParcelOutcome::Screened { parcel, .. } if parcel.id == id))
    }
}

/// A screened parcel's fill: its verdict's colour, translucent over the zones.
pub fn parcel_fill(verdict: Verdict) -> Color32 {
    fill_color(verdict_rgb(verdict), 110)
}

/// Fill and outline of each screened parcel in its verdict's colour.
pub fn parcel_graphics(frame: &LocalFrame, screening: &Screening) -> Vec<Option<Graphic>> {
    screening
        .outcomes
        .par_iter()
        .map(|o| match o {
            ParcelOutcome::Screened { parcel, result } => match &parcel.shape {
                Shape::Area(mp) => Some(Graphic::from_polygons(
                    frame,
                    mp,
                    parcel_fill(result.verdict),
                )),
                Shape::Lines(_) => None,
            },
            ParcelOutcome::Unscreened(_) => None,
        })
        .collect()
}

impl ParcelFiles {
    /// A dot of one colour at each parcel's centre, in meshes of a few
    /// thousand parcels: where the parcels are, drawn as cheaply as can be,
    /// as a whole-world view draws screened parcels.
    fn dots(&self, frame: &LocalFrame) -> Vec<GpuMesh> {
        let color = Color32::from_rgb(PENDING_RGB[0], PENDING_RGB[1], PENDING_RGB[2]);
        let centres: Vec<eframe::egui::Pos2> = self
            .layers
            .par_iter()
            .flat_map(|layer| &layer.features)
            .filter(|feature| matches!(feature.shape, Shape::Area(_)))
            .filter_map(|feature| feature.shape.bounding_rect())
            .map(|b| frame.local_from_working(b.center()))
            .collect();
        centres
            .chunks(BATCH_VERTICES)
            .map(|chunk| {
                let mut dots = Mesh::default();
                for (i, centre) in chunk.iter().enumerate() {
                    dots.indices.push(i as u32);
                    dots.colored_vertex(*centre, color);
                }
                GpuMesh::points(dots)
            })
            .collect()
    }
}

/// Rings as line segments (index pairs) of one colour.
fn add_outline_lines(lines: &mut Mesh, rings: &[super::map::Path], color: Color32) {
    for ring in rings {
        let base = lines.vertices.len() as u32;
        for p in &ring.points {
            lines.colored_vertex(*p, color);
        }
        for k in 1..ring.points.len() as u32 {
            lines.indices.extend([base + k - 1, base + k]);
        }
    }
}

pub fn verdict_color(verdict: Option<Verdict>) -> Color32 {
    let rgb = verdict.map(verdict_rgb).unwrap_or(UNSCREENED_RGB);
    Color32::from_rgb(rgb[0], rgb[1], rgb[2])
}

/// What a finished job hands back to the UI thread.
pub enum JobOutput {
    Plan(Result<Arc<PlanData>, String>),
    /// Parcels read, not yet screened: a dot for each, shown meanwhile.
    ParcelPreview(Vec<GpuMesh>),
    Parcels {
        /// Screened and made ready for drawing.
        parcels: Box<ParcelSet>,
        /// Files that could not be read at all, each with its reason.
        errors: Vec<String>,
    },
    /// A report written, or why not.
    Written(Result<PathBuf, String>),
    /// A layer's fine levels of detail made (they are in its graphic).
    Refined,
}

/// Work running on a worker thread; the UI polls it each frame.
pub struct Job {
    pub label_zh: &'static str,
    pub label_en: &'static str,
    pub done: Arc<AtomicUsize>,
    pub total: Arc<AtomicUsize>,
    pub output: mpsc::Receiver<JobOutput>,
}

impl Job {
    /// Done fraction, when the total is known.
    pub fn progress(&self) -> Option<f32> {
        let total = self.total.load(Ordering::Relaxed);
        (total > 0).then(|| self.done.load(Ordering::Relaxed) as f32 / total as f32)
    }

    /// Runs `work` on a thread of its own. Besides its result it may hand the
    /// UI outputs on the way (`early`), e.g. parcels to show before they are
    /// screened.
    fn spawn(
        ctx: &Context,
        label_zh: &'static str,
        label_en: &'static str,
        work: impl FnOnce(&AtomicUsize, &AtomicUsize, &dyn Fn(JobOutput)) -> JobOutput + Send + 'static,
    ) -> Job {
        let (tx, rx) = mpsc::channel();
        let done = Arc::new(AtomicUsize::new(0));
        let total = Arc::new(AtomicUsize::new(0));
        let (job_done, job_total) = (done.clone(), total.clone());
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            // The receiver is gone only when the app closed; nothing to report then.
            let early = |output: JobOutput| {
                let _ = tx.send(output);
                ctx.request_repaint();
            };
            let output = work(&job_done, &job_total, &early);
            let _ = tx.send(output);
            // Closed before the repaint, so that the UI then sees the job end.
            drop(tx);
            ctx.request_repaint();
        });
        Job {
            label_zh,
            label_en,
            done,
            total,
            output: rx,
        }
    }

    pub fn load_plan(ctx: &Context, catalog: PathBuf) -> Job {
        Job::spawn(
            ctx,
            "正在读取规划图层",
            "Loading plan layers",
            move |_, _, _| JobOutput::Plan(PlanData::load(&catalog).map(Arc::new)),
        )
    }

    /// Makes the fine levels of detail of a plan's layer.
    pub fn refine(ctx: &Context, plan: Arc<PlanData>, layer: usize) -> Job {
        Job::spawn(
            ctx,
            "正在细化图层",
            "Refining a layer",
            move |_, _, _| {
                if let (Some(graphic), Some(source)) =
                    (plan.layers.get(layer), plan.plan.layers.get(layer))
                {
                    graphic.make_fine(&plan.frame, source);
                }
                JobOutput::Refined
            },
        )
    }

    pub fn write(
        ctx: &Context,
        write: impl FnOnce() -> Result<PathBuf, String> + Send + 'static,
    ) -> Job {
        Job::spawn(
            ctx,
            "正在写出报告",
            "Writing the report",
            move |_, _, _| JobOutput::Written(write()),
        )
    }

    pub fn screen(
        ctx: &Context,
        plan: Arc<PlanData>,
        files: Vec<PathBuf>,
        parcels_crs: Option<Crs>,
    ) -> Job {
        Job::spawn(
            ctx,
            "正在筛查地块",
            "Screening parcels",
            move |done, total, early| {
                let read =
                    ParcelFiles::read(&plan.plan.catalog.working_crs, files, parcels_crs.as_ref());
                read.screen(&plan, done, total, early)
            },
        )
    }
}

/// Parcel files read into the working CRS, before screening.
struct ParcelFiles {
    layers: Vec<Layer>,
    /// The files read, in order.
    read: Vec<PathBuf>,
    /// Files that could not be read at all, each with its reason.
    errors: Vec<String>,
}

impl ParcelFiles {
    fn read(working_crs: &Crs, files: Vec<PathBuf>, parcels_crs: Option<&Crs>) -> ParcelFiles {
        let hint = "在“文件”菜单中设置“无坐标系文件的坐标系” (set the CRS for files without one in the File menu)";
        let options = ReadOptions {
            working_crs,
            fallback_crs: parcels_crs,
            id_field: None,
            id_candidates: PARCEL_ID_FIELDS,
            name_field: None,
            name_candidates: PARCEL_NAME_FIELDS,
            crs_hint: hint,
        };
        let mut out = ParcelFiles {
            layers: Vec::new(),
            read: Vec::new(),
            errors: Vec::new(),
        };
        for path in files {
            match read_layer(&path, &options) {
                Ok(layer) => {
                    out.read.push(path);
                    out.layers.push(layer);
                }
                Err(e) => out.errors.push(e.to_string()),
            }
        }
        out
    }

    /// Screens the parcels; a dot for each goes to the UI first (`early`),
    /// so that the map shows them while they are screened.
    fn screen(
        self,
        plan: &PlanData,
        done: &AtomicUsize,
        total: &AtomicUsize,
        early: &dyn Fn(JobOutput),
    ) -> JobOutput {
        early(JobOutput::ParcelPreview(self.dots(&plan.frame)));
        total.store(
            self.layers.iter().map(|l| l.features.len()).sum(),
            Ordering::Relaxed,
        );
        let screening = screen_files_counting(&plan.plan, &plan.index, self.layers, done);
        let graphics = parcel_graphics(&plan.frame, &screening);
        JobOutput::Parcels {
            parcels: Box::new(ParcelSet::built(self.read, screening, graphics)),
            errors: self.errors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::{pos2, Rect};

    fn vertices(meshes: &[GpuMesh]) -> usize {
        meshes.iter().map(|m| m.mesh.vertices.len()).sum()
    }

    /// The sample plan, and the position of its first layer `which` accepts.
    fn sample_plan_layer(which: impl Fn(&crate::catalog::LayerSpec) -> bool) -> (PlanData, usize) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let plan = PlanData::load(&root.join("layers/catalog.toml")).unwrap();
        let index = plan.plan.catalog.layers.iter().position(which).unwrap();
        (plan, index)
    }

    #[test]
    fn fine_levels_are_made_once_when_a_view_first_needs_them() {
        let (plan, index) = sample_plan_layer(|l| l.id == "eco_redline");
        let layer = &plan.layers[index];
        // Loaded, only the coarse levels exist: at street scale the finest
        // of them stands in.
        assert!(layer.fine.get().is_none());
        let (fill, outlines, _) = layer.at_scale(0.5);
        let stand_in = (vertices(fill), vertices(outlines));
        assert!(stand_in.0 > 0 && stand_in.1 > 0);
        assert_eq!(stand_in, {
            let (f, o, _) = layer.at_scale(FINE_BELOW_M);
            (vertices(f), vertices(o))
        });
        // A view of the whole plan asks for nothing; one zoomed in asks once.
        assert!(!layer.ask_fine(100.0));
        assert!(layer.ask_fine(0.5));
        assert!(!layer.ask_fine(0.5));
        layer.make_fine(&plan.frame, &plan.plan.layers[index]);
        let (fill, outlines, _) = layer.at_scale(0.5);
        assert!(
            vertices(fill) > stand_in.0,
            "{} {}",
            vertices(fill),
            stand_in.0
        );
        assert!(vertices(outlines) > stand_in.1);
        // Coarse views still draw the coarse levels.
        let (coarse, _, _) = layer.at_scale(300.0);
        assert!(vertices(coarse) < vertices(fill));
    }

    #[test]
    fn setback_bands_come_with_their_water_lines_down_to_street_scale() {
        let (plan, index) = sample_plan_layer(|l| matches!(l.rule, Rule::Setback { .. }));
        let layer = &plan.layers[index];
        let widths: Vec<f64> = layer.setback_bands.iter().map(|(d, _)| *d).collect();
        assert_eq!(widths, vec![50.0, 30.0]);
        // Bands up to 50 m are drawn from 100 m a pixel down: the coarse
        // levels hold them to 16 m, the fine ones below.
        assert!(vertices(layer.at_scale(20.0).2) > 0);
        layer.make_fine(&plan.frame, &plan.plan.layers[index]);
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
    fn parcels_being_screened_are_shown_as_one_dot_each() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let plan = PlanData::load(&root.join("layers/catalog.toml")).unwrap();
        let files = vec![
            root.join("layers/parcels/parcels.geojson"),
            root.join("layers/parcels/survey_parcels.shp"),
        ];
        let read = ParcelFiles::read(&plan.plan.catalog.working_crs, files, None);
        let areas = read
            .layers
            .iter()
            .flat_map(|l| &l.features)
            .filter(|f| matches!(f.shape, Shape::Area(_)))
            .count();
        assert!(areas > 5, "{areas}");
        let dots = read.dots(&plan.frame);
        let drawn: usize = dots.iter().map(|d| d.mesh.vertices.len()).sum();
        assert_eq!(drawn, areas);
        let pending = verdict_color(None) != dots[0].mesh.vertices[0].color;
        assert!(pending, "a dot must not look like an unscreenable parcel");
    }

    #[test]
    fn parcels_built_apart_and_merged_are_found_where_they_are() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let plan = PlanData::load(&root.join("layers/catalog.toml")).unwrap();
        let set = |file: &str| {
            let read =
                ParcelFiles::read(&plan.plan.catalog.working_crs, vec![root.join(file)], None);
            let screening =
                screen_files_counting(&plan.plan, &plan.index, read.layers, &AtomicUsize::new(0));
            let graphics = parcel_graphics(&plan.frame, &screening);
            ParcelSet::built(read.read, screening, graphics)
        };
        let mut parcels = ParcelSet::default();
        parcels.merge(set("layers/parcels/parcels.geojson"));
        let first = parcels.screening.outcomes.len();
        let generation = parcels.generation;
        parcels.merge(set("layers/parcels/survey_parcels.shp"));
        assert!(parcels.generation > generation);
        assert_eq!(parcels.files.len(), 2);
        let total = parcels.screening.outcomes.len();
        assert!(total > first && first > 0);
        assert_eq!(parcels.graphics.len(), total);
        // Every box points to its own parcel: the second file's are offset.
        for b in parcels.boxes.iter() {
            let graphic = parcels.graphics[b.data].as_ref().unwrap();
            let (g, r) = (graphic.bounds(), b.geom());
            assert_eq!([g.min.x, g.min.y], r.lower());
        }
        let screened = parcels.screening.screened().count();
        assert_eq!(parcels.boxes.size(), screened);
        assert!(parcels.boxes.iter().any(|b| b.data >= first));
        let counted = parcels.counts.conflict + parcels.counts.review + parcels.counts.clear;
        assert_eq!(counted, screened);
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
    }

    #[test]
    fn neighbours_come_next_to_each_other_in_spatial_order() {
        let at = |x: f32, y: f32| Rect::from_min_max(pos2(x, y), pos2(x + 1.0, y + 1.0));
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
}
