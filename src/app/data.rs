//! What the viewer shows, loaded off the UI thread: the plan with its index
//! and its layers ready to draw, and screened parcels. The frame only reads it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use eframe::egui::{Color32, Context, Mesh};
use geo::{Buffer, Coord, MultiLineString, Rect};

use crate::catalog::{Catalog, Rule};
use crate::crs::{Crs, Transformer};
use crate::geometry::Shape;
use crate::index::ZoneIndex;
use crate::io::{read_layer, Feature, Layer, ReadOptions, PARCEL_ID_FIELDS, PARCEL_NAME_FIELDS};
use crate::plan::LoadedPlan;
use crate::screen::{screen_files_counting, ParcelOutcome, Screening, Verdict};
use crate::style::{
    verdict_rgb, LayerStyle, SETBACK_CONFLICT_ALPHA, SETBACK_REVIEW_ALPHA, UNSCREENED_RGB,
};

use super::map::{fill_color, Graphic, LocalFrame};

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

/// One catalog layer, ready to draw.
pub struct LayerGraphic {
    pub style: LayerStyle,
    /// Areas filled, or lines stroked (rivers).
    pub graphic: Graphic,
    pub is_lines: bool,
    /// Setback bands around water lines: review distance, then conflict distance.
    pub setback_bands: Vec<Mesh>,
    pub feature_count: usize,
    pub area_km2: f64,
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
        let index = ZoneIndex::build(&plan);
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
            .iter()
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

fn layer_graphic(frame: &LocalFrame, style: LayerStyle, rule: Rule, layer: &Layer) -> LayerGraphic {
    let fill = fill_color(style.rgb, style.fill_alpha);
    let mut graphic = Graphic::default();
    let mut lines = MultiLineString(Vec::new());
    for feature in &layer.features {
        match &feature.shape {
            Shape::Area(mp) => graphic.add_polygons(frame, mp, fill),
            Shape::Lines(ml) => lines.0.extend(ml.0.iter().cloned()),
        }
    }
    let is_lines = !lines.0.is_empty();
    if is_lines {
        graphic
            .outlines
            .extend(Graphic::from_lines(frame, &lines).outlines);
    }
    let setback_bands = match rule {
        Rule::Setback {
            conflict_m,
            review_m,
        } if is_lines => [
            (review_m, SETBACK_REVIEW_ALPHA),
            (conflict_m, SETBACK_CONFLICT_ALPHA),
        ]
        .into_iter()
        .filter(|(distance, _)| *distance > 0.0)
        .map(|(distance, alpha)| {
            // Drawing only: the screening measures exact distances, not buffers.
            let band = lines.buffer(distance);
            Graphic::from_polygons(frame, &band, fill_color(style.rgb, alpha)).fill
        })
        .collect(),
        _ => Vec::new(),
    };
    LayerGraphic {
        style,
        graphic,
        is_lines,
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
const FILL_BATCH_VERTICES: usize = 60_000;

/// Parcels loaded so far: every file's outcomes, in the order they came.
#[derive(Default)]
pub struct ParcelSet {
    pub files: Vec<PathBuf>,
    pub screening: Screening,
    /// Outlines, one per outcome; `None` for a parcel that could not be screened.
    pub graphics: Vec<Option<Graphic>>,
    /// The parcels' fills merged into a few large meshes with their boxes: a
    /// district's 200 000 parcels are a handful of draw calls, not 200 000.
    pub fill_batches: Vec<(Mesh, eframe::egui::Rect)>,
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
        self.screening.outcomes.extend(screening.outcomes);
        for mut graphic in graphics {
            if let Some(g) = graphic.as_mut() {
                let bounds = g.bounds();
                let fill = std::mem::take(&mut g.fill);
                match self.fill_batches.last_mut() {
                    Some((batch, batch_bounds)) if batch.vertices.len() < FILL_BATCH_VERTICES => {
                        batch.append(fill);
                        *batch_bounds = batch_bounds.union(bounds);
                    }
                    _ => self.fill_batches.push((fill, bounds)),
                }
            }
            self.graphics.push(graphic);
        }
        self.generation += 1;
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

/// Fill and outline of each screened parcel in its verdict's colour.
pub fn parcel_graphics(frame: &LocalFrame, screening: &Screening) -> Vec<Option<Graphic>> {
    screening
        .outcomes
        .iter()
        .map(|o| match o {
            ParcelOutcome::Screened { parcel, result } => match &parcel.shape {
                Shape::Area(mp) => Some(Graphic::from_polygons(
                    frame,
                    mp,
                    fill_color(verdict_rgb(result.verdict), 110),
                )),
                Shape::Lines(_) => None,
            },
            ParcelOutcome::Unscreened(_) => None,
        })
        .collect()
}

pub fn verdict_color(verdict: Option<Verdict>) -> Color32 {
    let rgb = verdict.map(verdict_rgb).unwrap_or(UNSCREENED_RGB);
    Color32::from_rgb(rgb[0], rgb[1], rgb[2])
}

/// What a finished job hands back to the UI thread.
pub enum JobOutput {
    Plan(Result<Box<PlanData>, String>),
    Parcels {
        files: Vec<PathBuf>,
        screening: Screening,
        graphics: Vec<Option<Graphic>>,
        /// Files that could not be read at all, each with its reason.
        errors: Vec<String>,
    },
    /// A report written, or why not.
    Written(Result<PathBuf, String>),
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

    fn spawn(
        ctx: &Context,
        label_zh: &'static str,
        label_en: &'static str,
        work: impl FnOnce(&AtomicUsize, &AtomicUsize) -> JobOutput + Send + 'static,
    ) -> Job {
        let (tx, rx) = mpsc::channel();
        let done = Arc::new(AtomicUsize::new(0));
        let total = Arc::new(AtomicUsize::new(0));
        let (job_done, job_total) = (done.clone(), total.clone());
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            // The receiver is gone only when the app closed; nothing to report then.
            let _ = tx.send(work(&job_done, &job_total));
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
            move |_, _| JobOutput::Plan(PlanData::load(&catalog).map(Box::new)),
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
            move |_, _| JobOutput::Written(write()),
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
            move |done, total| {
                let hint = "在“文件”菜单中设置“无坐标系文件的坐标系” (set the CRS for files without one in the File menu)";
                let options = ReadOptions {
                    working_crs: &plan.plan.catalog.working_crs,
                    fallback_crs: parcels_crs.as_ref(),
                    id_field: None,
                    id_candidates: PARCEL_ID_FIELDS,
                    name_field: None,
                    name_candidates: PARCEL_NAME_FIELDS,
                    crs_hint: hint,
                };
                let mut layers = Vec::new();
                let mut read = Vec::new();
                let mut errors = Vec::new();
                for path in files {
                    match read_layer(&path, &options) {
                        Ok(layer) => {
                            read.push(path);
                            layers.push(layer);
                        }
                        Err(e) => errors.push(e.to_string()),
                    }
                }
                total.store(
                    layers.iter().map(|l| l.features.len()).sum(),
                    Ordering::Relaxed,
                );
                let screening = screen_files_counting(&plan.plan, &plan.index, layers, done);
                let graphics = parcel_graphics(&plan.frame, &screening);
                JobOutput::Parcels {
                    files: read,
                    screening,
                    graphics,
                    errors,
                }
            },
        )
    }
}
