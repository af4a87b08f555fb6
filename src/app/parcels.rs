//! Screened parcels made ready to draw, off the UI thread: parcel files go
//! through the one screening pipeline ([`crate::pipeline`]) the command
//! line uses, with the choices the viewer offers per file, and come back as
//! batched meshes, tiled images and a box index.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use eframe::egui::{epaint::Vertex, Color32, Mesh, Pos2};
use rayon::prelude::*;

use crate::geometry::Shape;
use crate::io::{Feature, FileChoices, Layer, BATCH_FEATURES};
use crate::pipeline::{screen_source, ParcelSource, Watch};
use crate::plan::LoadedPlan;
use crate::record::entries::ScreeningRecorded;
use crate::record::{CaseDb, ParcelRecord, ScreeningRecord};
use crate::report::meta::{hash_inputs, inputs};
use crate::screen::{ParcelOutcome, Screening, Verdict};
use crate::style::{verdict_rgb, PENDING_RGB, UNSCREENED_RGB};

use super::gpu::{stroke_into, GpuMesh};
use super::map::{fill_color, spatial_order, Graphic, LocalFrame};
use super::plan_data::PlanData;
use super::raster::{ParcelRaster, RasterParcel};

/// How the viewer tells the user to declare the CRS of a parcel file.
const CRS_HINT: &str = "在“地块文件”中为该文件填写坐标系后重新筛查，或在“文件”菜单中设置“无坐标系文件的坐标系” (set the file's CRS under Parcel files and screen again, or the CRS for files without one in the File menu)";

/// A parcel file as the viewer read it: how it was asked to be read, what
/// reading it settled (offered as the file's choices), and its CRS as the
/// user types it.
#[derive(Debug, Clone)]
pub struct LoadedSource {
    pub source: ParcelSource,
    pub choices: FileChoices,
    pub crs_text: String,
}

/// What screening parcel files gives the viewer.
pub struct ScreenedSources {
    pub parcels: ParcelSet,
    pub loaded: Vec<LoadedSource>,
    /// Files that could not be read at all, each with its reason.
    pub errors: Vec<String>,
    /// The files' screened parcels, for the case record.
    pub records: Vec<ParcelRecord>,
    /// The screening as recorded, once it is.
    pub recorded: Option<ScreeningRecorded>,
}

/// Screens parcel files as `redline screen` does and makes them ready to
/// draw; each batch, once read, is shown as dots (`preview`) while it is
/// screened. `kept` (sketched parcels) follow the files' parcels.
pub fn screen_sources(
    plan: &PlanData,
    sources: Vec<ParcelSource>,
    kept: Screening,
    done: &AtomicUsize,
    total: &AtomicUsize,
    preview: &dyn Fn(Vec<GpuMesh>),
) -> ScreenedSources {
    let mut screening = Screening::default();
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    let mut records = Vec::new();
    for source in sources {
        let mut outcomes = Vec::new();
        let watch = Watch {
            read: &mut |layer: &Layer| {
                total.fetch_add(layer.features.len(), Ordering::Relaxed);
                preview(pending_dots(&plan.frame, layer));
            },
            done,
        };
        let screened = screen_source(
            &plan.plan,
            &plan.index,
            &source,
            CRS_HINT,
            BATCH_FEATURES,
            watch,
            &mut |batch| {
                outcomes.extend(batch);
                Ok(())
            },
        );
        // A file that fails half way is left out whole, as the command line refuses it.
        match screened {
            Ok(screened) => {
                records.extend(
                    outcomes
                        .iter()
                        .filter_map(|o| ParcelRecord::of(&plan.plan, &source.path, o)),
                );
                screening.outcomes.extend(outcomes);
                let crs_text = source
                    .crs
                    .as_ref()
                    .map(|c| c.to_string())
                    .unwrap_or_default();
                loaded.push(LoadedSource {
                    source,
                    choices: screened.choices,
                    crs_text,
                });
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    screening.outcomes.extend(kept.outcomes);
    let graphics = parcel_graphics(&plan.frame, &screening);
    let files = loaded.iter().map(|l| l.source.path.clone()).collect();
    ScreenedSources {
        parcels: ParcelSet::built(files, screening, graphics),
        loaded,
        errors,
        records,
        recorded: None,
    }
}

/// Where the viewer records a screening, and under whose name.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// The case record; why there is none.
    pub db: Result<PathBuf, String>,
    /// The case screenings are recorded under, if one is open.
    pub case: Option<String>,
    pub operator: String,
}

/// Records a screening of parcel files made in the viewer in the case
/// record, as the command line records its own (with what changed since
/// the case's last screening; none when no file was read). What cannot be recorded is said, and the
/// screening shown all the same.
pub fn record_screening(
    plan: &LoadedPlan,
    screened: &ScreenedSources,
    recorder: &Recorder,
) -> Result<Option<ScreeningRecorded>, String> {
    if screened.loaded.is_empty() {
        return Ok(None);
    }
    let db_path = recorder.db.as_ref()?;
    let files: Vec<PathBuf> = screened
        .loaded
        .iter()
        .map(|l| l.source.path.clone())
        .collect();
    let record = || -> Result<ScreeningRecorded, crate::Error> {
        let mut db = CaseDb::open(db_path)?;
        let inputs = hash_inputs(&inputs(plan, &files))?;
        let unscreened: Vec<String> = screened
            .parcels
            .screening
            .unscreened()
            .map(|p| p.to_string())
            .collect();
        let screening = ScreeningRecord::new(
            "查看器 viewer",
            plan,
            &inputs,
            Default::default(),
            &screened.records,
            unscreened,
            Vec::new(),
        );
        db.record_and_compare(
            recorder.case.as_deref(),
            &recorder.operator,
            &screening,
            &screened.records,
        )
    };
    record().map(Some).map_err(|e| e.to_string())
}

/// A dot of one colour at each parcel's centre, in meshes of a few thousand
/// parcels: where the parcels are, drawn as cheaply as can be, as a
/// whole-world view draws screened parcels.
fn pending_dots(frame: &LocalFrame, layer: &Layer) -> Vec<GpuMesh> {
    let color = Color32::from_rgb(PENDING_RGB[0], PENDING_RGB[1], PENDING_RGB[2]);
    let centres: Vec<eframe::egui::Pos2> = layer
        .features
        .par_iter()
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

/// Large enough to batch a hundred parcels or more, small enough to cull by
/// box: with 20 000, a view of a few kilometres of the city world drew
/// 110 000 parcel vertices (some 100 000 parcels), nearly all out of view.
const BATCH_VERTICES: usize = 2_048;

/// A parcel's box in the R-tree, with its outcome's index.
pub type ParcelBox = rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f32; 2]>, usize>;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerdictCounts {
    /// Screened parcels by verdict (`Verdict as usize`).
    screened: [usize; 4],
    pub unscreened: usize,
}

impl VerdictCounts {
    pub fn of(&self, verdict: Verdict) -> usize {
        self.screened[verdict as usize]
    }

    pub fn screened(&self) -> usize {
        self.screened.iter().sum()
    }
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
    /// Their outlines as stroke meshes ([`stroke_into`]) in the verdict's
    /// colour, batched the same way: a city's parcels in view are too many
    /// for egui to tessellate their outlines every frame.
    pub outline_batches: Vec<GpuMesh>,
    /// One dot per parcel at its centre: how parcels of a pixel or two are drawn.
    pub dot_batches: Vec<GpuMesh>,
    /// One point per screened parcel at its centre, in its verdict's
    /// colour, its size (its box's longer side, metres) as its uv's x: the
    /// symbols of the parcels too small to see when few are in view, drawn
    /// on the GPU (egui tessellated a thousand ringed circles a frame).
    pub symbol_batches: Vec<GpuMesh>,
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
        let mut outlines = Mesh::default();
        let mut dots = Mesh::default();
        let mut symbols = Mesh::default();
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
            let color = verdict_color(Some(result.verdict));
            stroke_into(
                &mut outlines,
                g.outlines.iter().map(|ring| ring.points.as_slice()),
                color,
            );
            if let Some(color) = fill_color {
                dots.indices.push(dots.vertices.len() as u32);
                dots.colored_vertex(b.center(), color);
            }
            symbols.indices.push(symbols.vertices.len() as u32);
            symbols.vertices.push(Vertex {
                pos: b.center(),
                uv: Pos2::new(b.size().max_elem(), 0.0),
                color,
            });
            boxes.push(ParcelBox::new(
                rstar::primitives::Rectangle::from_corners([b.min.x, b.min.y], [b.max.x, b.max.y]),
                first + i,
            ));
            self.sizes.push(b.size().max_elem());
            verdicts.push((i, result.verdict));
            if fill.vertices.len() >= BATCH_VERTICES || outlines.vertices.len() >= BATCH_VERTICES {
                self.push_batches(&mut fill, &mut outlines, &mut dots, &mut symbols);
            }
        }
        self.push_batches(&mut fill, &mut outlines, &mut dots, &mut symbols);
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
        self.symbol_batches.extend(other.symbol_batches);
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
        let mut screened = [0; 4];
        for (_, result) in self.screening.screened() {
            screened[result.verdict as usize] += 1;
        }
        self.counts = VerdictCounts {
            screened,
            unscreened: self.screening.unscreened().count(),
        };
        self.generation += 1;
    }

    fn push_batches(
        &mut self,
        fill: &mut Mesh,
        outlines: &mut Mesh,
        dots: &mut Mesh,
        symbols: &mut Mesh,
    ) {
        if !fill.is_empty() {
            self.fill_batches
                .push(GpuMesh::triangles(std::mem::take(fill)));
        }
        if !outlines.is_empty() {
            self.outline_batches
                .push(GpuMesh::triangles(std::mem::take(outlines)));
        }
        if !dots.is_empty() {
            self.dot_batches.push(GpuMesh::points(std::mem::take(dots)));
        }
        if !symbols.is_empty() {
            self.symbol_batches
                .push(GpuMesh::points(std::mem::take(symbols)));
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

/// Rings as line segments (index pairs) of one colour.
pub fn verdict_color(verdict: Option<Verdict>) -> Color32 {
    let rgb = verdict.map(verdict_rgb).unwrap_or(UNSCREENED_RGB);
    Color32::from_rgb(rgb[0], rgb[1], rgb[2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn sample_plan() -> (PlanData, PathBuf) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let plan = PlanData::load(&root.join("layers/catalog.toml")).unwrap();
        (plan, root.join("layers/parcels"))
    }

    /// Screens `sources` as the viewer's job does; also returns the dots shown meanwhile.
    fn screen(plan: &PlanData, sources: Vec<ParcelSource>) -> (ScreenedSources, Vec<GpuMesh>) {
        let shown = std::sync::Mutex::new(Vec::new());
        let (done, total) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let preview = |dots: Vec<GpuMesh>| shown.lock().unwrap().extend(dots);
        let screened = screen_sources(plan, sources, Screening::default(), &done, &total, &preview);
        assert_eq!(done.load(Ordering::Relaxed), total.load(Ordering::Relaxed));
        (screened, shown.into_inner().unwrap())
    }

    #[test]
    fn parcels_being_screened_are_shown_as_one_dot_each() {
        let (plan, dir) = sample_plan();
        let sources = vec![
            ParcelSource::new(dir.join("parcels.geojson")),
            ParcelSource::new(dir.join("survey_parcels.shp")),
        ];
        let (screened, dots) = screen(&plan, sources);
        let areas = screened.parcels.screening.screened().count();
        assert!(areas > 5, "{areas}");
        let drawn: usize = dots.iter().map(|d| d.vertex_count()).sum();
        assert_eq!(drawn, areas);
        let pending = verdict_color(None) != dots[0].cpu_mesh().unwrap().vertices[0].color;
        assert!(pending, "a dot must not look like an unscreenable parcel");
    }

    #[test]
    fn the_viewer_reads_a_file_with_the_fields_chosen_for_it() {
        let (plan, dir) = sample_plan();
        let path = dir.join("parcels.geojson");
        let (by_default, _) = screen(&plan, vec![ParcelSource::new(&path)]);
        let choices = &by_default.loaded[0].choices;
        assert_eq!(choices.id_field.as_deref(), Some("地块编号"));
        assert_eq!(choices.name_field.as_deref(), Some("名称"));
        for field in ["名称", "地块编号", "用地性质"] {
            assert!(
                choices.fields.iter().any(|f| f == field),
                "{:?}",
                choices.fields
            );
        }
        let chosen = ParcelSource {
            id_field: Some("名称".to_string()),
            name_field: Some("用地性质".to_string()),
            ..ParcelSource::new(&path)
        };
        let (by_choice, _) = screen(&plan, vec![chosen]);
        let first = |s: &ScreenedSources| {
            let (p, r) = s.parcels.screening.screened().next().unwrap();
            (p.id.clone(), p.name.clone(), r.verdict)
        };
        assert_eq!(first(&by_default).0, "XY-2025-001");
        assert_eq!(
            first(&by_choice),
            (
                "某电子厂房扩建".to_string(),
                "工业用地".to_string(),
                first(&by_default).2
            )
        );
        // A field the file lacks is refused with the file's fields, and nothing is drawn of it.
        let missing = ParcelSource {
            id_field: Some("宗地号".to_string()),
            ..ParcelSource::new(&path)
        };
        let (refused, _) = screen(&plan, vec![missing]);
        assert!(refused.loaded.is_empty() && refused.parcels.screening.outcomes.is_empty());
        assert!(
            refused.errors[0].contains("宗地号") && refused.errors[0].contains("地块编号"),
            "{:?}",
            refused.errors
        );
    }

    #[test]
    fn parcels_built_apart_and_merged_are_found_where_they_are() {
        let (plan, dir) = sample_plan();
        let set = |file: &str| {
            screen(&plan, vec![ParcelSource::new(dir.join(file))])
                .0
                .parcels
        };
        let mut parcels = ParcelSet::default();
        parcels.merge(set("parcels.geojson"));
        let first = parcels.screening.outcomes.len();
        let generation = parcels.generation;
        parcels.merge(set("survey_parcels.shp"));
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
        assert_eq!(parcels.counts.screened(), screened);
    }

    #[test]
    fn each_screened_parcel_has_a_symbol_point_of_its_verdict_and_size() {
        let (plan, dir) = sample_plan();
        let source = ParcelSource::new(dir.join("parcels.geojson"));
        let parcels = screen(&plan, vec![source]).0.parcels;
        let symbols: Vec<Vertex> = parcels
            .symbol_batches
            .iter()
            .flat_map(|batch| batch.cpu_mesh().unwrap().vertices)
            .collect();
        assert_eq!(symbols.len(), parcels.screening.screened().count());
        for (i, graphic) in parcels.graphics.iter().enumerate() {
            let (Some(graphic), Some(ParcelOutcome::Screened { result, .. })) =
                (graphic, parcels.screening.outcomes.get(i))
            else {
                continue;
            };
            let b = graphic.bounds();
            let symbol = symbols.iter().find(|v| v.pos == b.center()).unwrap();
            assert_eq!(symbol.color, verdict_color(Some(result.verdict)));
            // What the shader compares with the symbol's size on screen.
            assert_eq!(symbol.uv.x, b.size().max_elem());
        }
    }

    #[test]
    fn a_street_scale_view_draws_the_parcels_near_it_not_the_citys() {
        // 10 000 parcels of 100 m on a 200 m grid, 20 km across.
        let features: Vec<String> = (0..10_000)
            .map(|i| {
                let (x, y) = (106.22 + 0.002 * f64::from(i % 100), 29.49 + 0.002 * f64::from(i / 100));
                let (x1, y1) = (x + 0.001, y + 0.001);
                format!(
                    r#"{{"type":"Feature","properties":{{"id":"P{i}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x1},{y}],[{x1},{y1}],[{x},{y1}],[{x},{y}]]]}}}}"#
                )
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grid.geojson");
        std::fs::write(
            &path,
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                features.join(",")
            ),
        )
        .unwrap();
        let (plan, _) = sample_plan();
        let parcels = screen(&plan, vec![ParcelSource::new(&path)]).0.parcels;
        assert_eq!(parcels.screening.screened().count(), 10_000);
        // Every parcel's outline is stroked: its ring's five points (the
        // first again, closing it), two vertices each.
        let vertices = |meshes: &mut dyn Iterator<Item = &GpuMesh>| {
            meshes.map(GpuMesh::vertex_count).sum::<usize>()
        };
        assert_eq!(vertices(&mut parcels.outline_batches.iter()), 10_000 * 10);
        // A view of a kilometre in the middle meets a few batches, not the city's.
        let all = parcels
            .graphics
            .iter()
            .flatten()
            .fold(eframe::egui::Rect::NOTHING, |r, g| r.union(g.bounds()));
        let view =
            eframe::egui::Rect::from_center_size(all.center(), eframe::egui::vec2(1000.0, 1000.0));
        for batches in [&parcels.fill_batches, &parcels.outline_batches] {
            let total = vertices(&mut batches.iter());
            let drawn = vertices(&mut batches.iter().filter(|m| view.intersects(m.bounds)));
            // With batches of 20 000 vertices it drew them all.
            assert!(drawn * 5 < total, "{drawn} of {total}");
        }
    }
}
