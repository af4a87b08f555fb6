//! The desktop viewer: map, layers, parcels, results. A thin shell: every
//! number it shows comes from the core; it runs core work on worker threads
//! and only draws and reacts to the user here.

mod basemap;
mod basemap_panel;
mod bench;
mod canvas;
mod case_panel;
pub mod dialogs;
mod fonts;
mod gpu;
pub mod i18n;
mod jobs;
pub mod map;
mod panels;
mod parcels;
mod plan_data;
mod plan_raster;
mod raster;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use eframe::egui::{self, Context, TextureHandle};
use geo::Coord;
use serde::{Deserialize, Serialize};

use crate::atomic::write_atomically;
use crate::crs::Crs;
use crate::finding_shape::{overlap_shape, setback_line};
use crate::geometry::Shape;
use crate::io::geojson::{to_text, OutFeature};
use crate::io::sketch::{parse_coordinate_pairs, sketch_feature};
use crate::pipeline::ParcelSource;
use crate::project::Attribute;
use crate::report::csv::{findings_csv, summary_csv};
use crate::report::geojson::{findings_geojson, GeoJsonCrs};
use crate::report::meta::{
    hash_inputs, inputs as report_inputs, os_user, ReportMeta, ReportTime, SketchInput,
};
use crate::report::{input_files, pdf, xlsx, AreaUnit};
use crate::screen::{conclude, screen_parcel, ParcelOutcome, Screening, Verdict};

use case_panel::CaseWindow;
use i18n::Lang;
use jobs::{Job, JobOutput};
use map::MapView;
use parcels::{parcel_graphics, LoadedSource, ParcelSet, Recorder};
pub use plan_data::PlanData;

/// What `redline view` was asked to show.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    pub catalog: PathBuf,
    pub parcels: Vec<PathBuf>,
    /// Render the window to this PNG once everything is loaded, then exit.
    pub screenshot: Option<PathBuf>,
    /// Select this parcel (by id) once it is screened.
    pub select: Option<String>,
    /// Once loaded, fly a scripted camera for this many frames, print the
    /// frame times and exit.
    pub bench_frames: Option<usize>,
    /// When the process started, for the time to the first picture.
    pub process_start: Option<Instant>,
    /// The case record screenings are recorded in (default:
    /// [`crate::record::default_path`]).
    pub db: Option<PathBuf>,
    /// Open this case (its 受理编号) in the case window; its parcel files
    /// are screened when `parcels` is empty.
    pub case: Option<String>,
    /// The basemap for this run (as `--basemap` reads it), instead of the
    /// one in the settings.
    pub basemap: Option<crate::basemap::BasemapChoice>,
    /// Its opacity for this run.
    pub basemap_opacity: Option<f32>,
}

/// What a benchmark run hands back to `run`: its table, or why it has none.
type BenchResult = Arc<Mutex<Option<Result<String, String>>>>;

/// Opens the viewer window and returns when it is closed.
pub fn run(options: ViewOptions) -> Result<(), String> {
    let shot_result: Arc<Mutex<Option<Result<(), String>>>> = Arc::default();
    let app_shot_result = shot_result.clone();
    let bench_result: BenchResult = Arc::default();
    let app_bench_result = bench_result.clone();
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("redline 生态空间管控筛查")
            .with_inner_size([1440.0, 900.0])
            .with_min_inner_size([800.0, 500.0])
            .with_drag_and_drop(true),
        // Setback bands blend each pixel once through the stencil (see gpu::band_mesh).
        stencil_buffer: 8,
        ..Default::default()
    };
    let wants_shot = options.screenshot.is_some();
    let wants_bench = options.bench_frames.is_some();
    eframe::run_native(
        "redline",
        native,
        Box::new(move |cc| {
            let mut app = RedlineApp::new(cc, options);
            app.shot_result = app_shot_result;
            app.bench_result = app_bench_result;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| format!("cannot open the viewer window: {e}"))?;
    if wants_bench {
        let outcome = bench_result.lock().map_err(|e| e.to_string())?.take();
        let table = outcome.unwrap_or_else(|| {
            Err("the window closed before the benchmark finished".to_string())
        })?;
        print!("{table}");
    }
    if wants_shot {
        let outcome = shot_result.lock().map_err(|e| e.to_string())?.take();
        return outcome.unwrap_or_else(|| {
            Err("the window closed before the screenshot was taken".to_string())
        });
    }
    Ok(())
}

/// What is kept between runs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct Remembered {
    lang: Lang,
    hidden_layers: Vec<String>,
    /// Plans opened, the last first.
    recent_plans: Vec<PathBuf>,
    /// The operator the reports name, as last typed.
    operator: String,
    area_unit: AreaUnit,
    basemap: basemap::BasemapSettings,
}

/// How many plans the File menu lists as recent.
const RECENT_PLANS: usize = 8;

/// How a sketched parcel's id begins (草图-1, 草图-2, …).
const SKETCH_ID_PREFIX: &str = "草图-";

/// The attribute of a sketched parcel holding when it was drawn.
const SKETCH_TIME: &str = "绘制时间";

/// The sketched parcels of a screening, as the report lists them among its inputs.
fn sketch_inputs(screening: &Screening) -> Vec<SketchInput> {
    screening
        .screened()
        .filter(|(p, _)| p.id.starts_with(SKETCH_ID_PREFIX))
        .map(|(p, _)| {
            let drawn = p
                .attributes
                .iter()
                .find(|(k, _)| k == SKETCH_TIME)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let corners = match &p.shape {
                Shape::Area(mp) => {
                    mp.0.iter()
                        .flat_map(|polygon| {
                            let ring = &polygon.exterior().0;
                            ring[..ring.len().saturating_sub(1)]
                                .iter()
                                .map(|c| (c.x, c.y))
                        })
                        .collect()
                }
                Shape::Lines(_) => Vec::new(),
            };
            SketchInput {
                id: p.id.clone(),
                drawn,
                corners,
            }
        })
        .collect()
}

/// A CRS typed in the viewer; blank is none.
fn parse_crs(text: &str) -> Result<Option<Crs>, String> {
    match text.trim() {
        "" => Ok(None),
        text => Crs::parse(text)
            .map(Some)
            .map_err(|e| format!("{text}: {e}")),
    }
}

/// The reports the File menu writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    FindingsCsv,
    SummaryCsv,
    GeoJson,
    Pdf,
    /// The summary and the findings as an Excel workbook.
    Workbook,
    /// Sketched parcels as GeoJSON in the working CRS.
    Sketches,
}

impl Export {
    pub const MENU: [Export; 6] = [
        Export::Pdf,
        Export::Workbook,
        Export::FindingsCsv,
        Export::SummaryCsv,
        Export::GeoJson,
        Export::Sketches,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Export::FindingsCsv => "筛查结果 CSV",
            Export::SummaryCsv => "地块汇总 CSV",
            Export::GeoJson => "重叠图形 GeoJSON",
            Export::Pdf => "PDF 筛查报告",
            Export::Workbook => "Excel 工作簿",
            Export::Sketches => "手绘地块 GeoJSON",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Export::FindingsCsv => "Findings CSV",
            Export::SummaryCsv => "Parcel summary CSV",
            Export::GeoJson => "Overlaps GeoJSON",
            Export::Pdf => "PDF report",
            Export::Workbook => "Excel workbook",
            Export::Sketches => "Sketched parcels GeoJSON",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Export::FindingsCsv | Export::SummaryCsv => "csv",
            Export::GeoJson | Export::Sketches => "geojson",
            Export::Pdf => "pdf",
            Export::Workbook => "xlsx",
        }
    }

    /// What an officer files it under: what it is and when it was made,
    /// e.g. 筛查报告_20261202_0557.pdf.
    pub fn default_name(self, time: &ReportTime) -> String {
        let what = match self {
            Export::FindingsCsv => "筛查结果",
            Export::SummaryCsv => "地块汇总",
            Export::GeoJson => "重叠图形",
            Export::Pdf => "筛查报告",
            Export::Workbook => "筛查结果表",
            Export::Sketches => "手绘地块",
        };
        format!("{what}_{}.{}", time.file_stamp(), self.extension())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// Click a feature to see its attributes, a parcel to select it.
    Identify,
    /// Click corners of a candidate site; it is screened when finished.
    Sketch,
    /// Click points to measure a distance and an area.
    Measure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Input,
    Id,
    Area,
    Verdict,
}

/// What the table's rows were computed from: sort, direction, filter, search, parcels.
type RowsKey = (SortKey, bool, Option<Option<Verdict>>, String, u64);

/// The results table's state: what is shown and in which order.
#[derive(Debug, Clone)]
pub struct TableState {
    pub sort: SortKey,
    pub descending: bool,
    /// `None` shows every parcel; `Some(None)` only those not screened.
    pub verdict_filter: Option<Option<Verdict>>,
    pub search: String,
    /// Scroll the selected parcel's row into view on the next frame.
    pub reveal_selected: bool,
    rows: Vec<usize>,
    rows_key: Option<RowsKey>,
}

impl Default for TableState {
    fn default() -> Self {
        TableState {
            sort: SortKey::Input,
            descending: false,
            verdict_filter: None,
            search: String::new(),
            reveal_selected: false,
            rows: Vec::new(),
            rows_key: None,
        }
    }
}

/// A feature the identify tool hit.
#[derive(Debug, Clone)]
pub struct Identified {
    pub title: String,
    pub attributes: Vec<(String, String)>,
    pub graphic: Option<map::Graphic>,
}

/// How the note on a parcel whose project was typed in the viewer begins.
pub const PROJECT_ENTERED: &str = "项目情况于查看器中录入";

/// The project attributes typed for one parcel, as text, in
/// [`Attribute::ALL`] order.
#[derive(Debug, Clone, Default)]
pub struct ProjectEdit {
    pub outcome: Option<usize>,
    pub values: Vec<String>,
}

pub struct RedlineApp {
    pub lang: Lang,
    pub plan: Option<Arc<PlanData>>,
    /// The catalog being shown, or being loaded.
    pub plan_path: PathBuf,
    /// Plans opened before, the last first (File → recent plans).
    pub recent_plans: Vec<PathBuf>,
    pub parcels: ParcelSet,
    /// The parcel files screened, with the choices each was read with.
    pub parcel_sources: Vec<LoadedSource>,
    jobs: Vec<Job>,
    /// Parcel files given before the plan finished loading.
    pending_parcels: Vec<PathBuf>,
    /// Dots of parcels read and being screened, shown until they are.
    pub parcel_preview: Vec<gpu::GpuMesh>,
    /// CRS for parcel files that declare none, typed in the File menu.
    pub parcels_crs: String,
    /// Layer indexes, top of the list drawn last (on top), as in QGIS.
    pub layer_order: Vec<usize>,
    pub layer_visible: Vec<bool>,
    hidden_on_start: Vec<String>,
    pub view: Option<MapView>,
    pub selected: Option<usize>,
    pub table: TableState,
    pub tool: Tool,
    pub sketch: Vec<Coord>,
    pub sketch_text: String,
    /// What was done to corners typed in (columns swapped, a zone prefix
    /// removed), for the parcel they make.
    sketch_notes: Vec<String>,
    show_sketch_text: bool,
    pub identified: Vec<Identified>,
    pub messages: Vec<String>,
    pub cursor_working: Option<Coord>,
    pub export_folder: String,
    /// The operator the reports name: as last typed, else the OS user. A
    /// report is never written naming nobody: the officer is asked first.
    pub operator: String,
    /// The window's size in the last frame, and whether this frame's differs.
    window_size: egui::Vec2,
    pub window_resized: bool,
    /// Where the map is on screen: windows open over its corners.
    pub map_rect: egui::Rect,
    /// Whether the parcels are drawn (the layer list's 地块 entry).
    pub parcels_visible: bool,
    /// The layer picked in the layer list.
    pub selected_layer: Option<usize>,
    /// The unit areas are read in beside m² (table, detail).
    pub area_unit: AreaUnit,
    /// A report waits for the operator's name.
    pub operator_prompt: Option<Export>,
    /// The project attributes being typed for the selected parcel.
    pub project_edit: ProjectEdit,
    /// An export where no save dialog opens.
    pub export_form: Option<dialogs::ExportForm>,
    /// The last file written, whose folder the messages offer to open.
    pub last_written: Option<PathBuf>,
    hatch: Option<TextureHandle>,
    /// Map geometry uploaded to the GPU, drawn by paint callbacks.
    gpu: Arc<gpu::GpuRenderer>,
    /// The plan's layers as images, for zoomed-out views.
    plan_raster: Option<plan_raster::PlanRaster>,
    select_on_load: Option<String>,
    /// Where screenings are recorded; why not, when there is no such place.
    case_record: Result<PathBuf, String>,
    /// The case window and the case being worked on.
    pub case: CaseWindow,
    screenshot: Option<PathBuf>,
    shot_frames: u32,
    shot_requested: bool,
    shot_result: Arc<Mutex<Option<Result<(), String>>>>,
    bench: Option<bench::Bench>,
    bench_result: BenchResult,
    /// Layers actually drawn in the last frame, by id: what a test can check.
    pub drawn_layers: Vec<String>,
    /// The selected parcel's overlaps (hatched on the map) and shortest
    /// lines to the water with their lengths.
    pub selection_overlaps: Vec<map::Graphic>,
    pub selection_setbacks: Vec<(Coord, Coord, f64)>,
    /// Fit the map to this box on the next frame (only the canvas knows its size).
    pub fit_to: Option<geo::Rect>,
    pub basemap_settings: basemap::BasemapSettings,
    /// The basemap under the map, once the plan's CRS is known.
    pub basemap: Option<basemap::BasemapLayer>,
    /// The basemap window, while open.
    pub basemap_form: Option<basemap_panel::BasemapForm>,
    /// Why the basemap is not (all) shown, for the status bar.
    pub basemap_problem: Option<String>,
}

impl RedlineApp {
    pub fn new(cc: &eframe::CreationContext<'_>, options: ViewOptions) -> RedlineApp {
        fonts::install_cjk_font(&cc.egui_ctx);
        // Splitters an officer can see and grab: egui's are hairlines with
        // a 3 px grip, and a drag beside one pans the map instead.
        cc.egui_ctx.all_styles_mut(|style| {
            style.interaction.resize_grab_radius_side = 8.0;
            style.visuals.widgets.noninteractive.bg_stroke.width = 2.0;
        });
        let remembered: Remembered = cc
            .storage
            .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
            .unwrap_or_default();
        let mut app = RedlineApp {
            lang: remembered.lang,
            plan: None,
            plan_path: options.catalog.clone(),
            recent_plans: remembered.recent_plans,
            parcels: ParcelSet::default(),
            jobs: Vec::new(),
            pending_parcels: options.parcels,
            parcel_preview: Vec::new(),
            parcel_sources: Vec::new(),
            parcels_crs: String::new(),
            layer_order: Vec::new(),
            layer_visible: Vec::new(),
            hidden_on_start: remembered.hidden_layers,
            view: None,
            selected: None,
            table: TableState::default(),
            tool: Tool::Identify,
            sketch: Vec::new(),
            sketch_text: String::new(),
            sketch_notes: Vec::new(),
            show_sketch_text: false,
            identified: Vec::new(),
            messages: Vec::new(),
            cursor_working: None,
            export_folder: std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
            operator: Some(remembered.operator.trim().to_string())
                .filter(|o| !o.is_empty())
                .or_else(os_user)
                .unwrap_or_default(),
            operator_prompt: None,
            project_edit: ProjectEdit::default(),
            area_unit: remembered.area_unit,
            parcels_visible: true,
            selected_layer: None,
            map_rect: egui::Rect::NOTHING,
            window_size: egui::Vec2::ZERO,
            window_resized: false,
            export_form: None,
            last_written: None,
            hatch: None,
            gpu: Arc::default(),
            plan_raster: None,
            select_on_load: options.select,
            case_record: options
                .db
                .map_or_else(crate::record::default_path, Ok)
                .map_err(|e| e.to_string()),
            case: CaseWindow::default(),
            screenshot: options.screenshot,
            shot_frames: 0,
            shot_requested: false,
            shot_result: Arc::default(),
            bench: options
                .bench_frames
                .map(|n| bench::Bench::new(n, options.process_start.unwrap_or_else(Instant::now))),
            bench_result: Arc::default(),
            drawn_layers: Vec::new(),
            fit_to: None,
            selection_overlaps: Vec::new(),
            selection_setbacks: Vec::new(),
            basemap_settings: basemap::BasemapSettings {
                choice: options.basemap.unwrap_or(remembered.basemap.choice.clone()),
                opacity: options
                    .basemap_opacity
                    .unwrap_or(remembered.basemap.opacity),
                ..remembered.basemap
            },
            basemap: None,
            basemap_form: None,
            basemap_problem: None,
        };
        if let Some(number) = options.case {
            app.case.shown = true;
            app.open_case(&number);
            if let Some(case) = app
                .case
                .current
                .as_ref()
                .filter(|_| app.pending_parcels.is_empty())
            {
                app.pending_parcels = case.parcel_files.clone();
            }
        }
        // The parcels are read once the plan is loaded: read meanwhile,
        // they would delay the plan, the first picture, on two cores.
        app.jobs.push(Job::load_plan(&cc.egui_ctx, options.catalog));
        app
    }

    /// Opens the basemap the settings name under the plan's CRS; says why
    /// not in the messages (the map works on without one).
    pub fn open_basemap(&mut self, ctx: &Context) {
        self.basemap = None;
        self.basemap_problem = None;
        let Some(plan) = &self.plan else { return };
        let opened = crate::basemap::Basemap::open(
            &self.basemap_settings.choice,
            &self.basemap_settings.access(),
        )
        .and_then(|b| {
            b.map(|b| basemap::BasemapLayer::new(ctx, b, &plan.plan.catalog.working_crs))
                .transpose()
        });
        match opened {
            Ok(layer) => self.basemap = layer,
            Err(e) => {
                let said =
                    format!("底图 basemap: {e}；地图照常使用，无底图 the map works on without it");
                self.basemap_problem = Some(said.clone());
                self.messages.push(said);
            }
        }
    }

    pub fn tr<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.tr(zh, en)
    }

    /// Blocks until every running job has finished and its result is applied:
    /// for tests and screenshots, which need the loaded state, not a spinner.
    pub fn wait_for_jobs(&mut self, ctx: &Context) {
        while !self.jobs.is_empty() {
            let job = self.jobs.remove(0);
            while let Ok(output) = job.output.recv() {
                self.apply(ctx, output);
            }
        }
    }

    /// Whether a job the officer waits for runs (loading, screening,
    /// writing); the map's refinement does not count: screening again
    /// while the fine levels of a zoom were made was refused.
    pub fn is_busy(&self) -> bool {
        self.jobs.iter().any(|job| !job.drawing_only)
    }

    fn poll_jobs(&mut self, ctx: &Context) {
        let mut outputs = Vec::new();
        // A job is done when its thread has ended, after its last output.
        self.jobs.retain(|job| loop {
            match job.output.try_recv() {
                Ok(output) => outputs.push(output),
                Err(std::sync::mpsc::TryRecvError::Empty) => break true,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => break false,
            }
        });
        for output in outputs {
            self.apply(ctx, output);
        }
    }

    fn apply(&mut self, ctx: &Context, output: JobOutput) {
        match output {
            JobOutput::Plan(Ok(plan)) => {
                let n = plan.layers.len();
                self.layer_order = (0..n).collect();
                self.layer_visible = plan
                    .plan
                    .catalog
                    .layers
                    .iter()
                    .map(|l| !self.hidden_on_start.contains(&l.id))
                    .collect();
                for problem in plan.plan.problems() {
                    self.messages.push(problem.to_string());
                }
                // The first picture needs only the first levels of detail;
                // the middle ones follow, layer by layer.
                for layer in 0..n {
                    self.jobs
                        .push(Job::refine(ctx, plan.clone(), layer, map::Levels::Middle));
                }
                self.plan = Some(plan);
                self.open_basemap(ctx);
                let path = std::path::absolute(&self.plan_path).unwrap_or(self.plan_path.clone());
                self.recent_plans.retain(|p| *p != path);
                self.recent_plans.insert(0, path);
                self.recent_plans.truncate(RECENT_PLANS);
                let pending = std::mem::take(&mut self.pending_parcels);
                self.open_parcels(ctx, pending);
            }
            JobOutput::Plan(Err(e)) => {
                self.messages.push(e);
                // Parcels waiting for this plan would never be screened.
                for file in std::mem::take(&mut self.pending_parcels) {
                    self.messages.push(format!(
                        "{}: not screened, because the plan did not load; open a plan (文件 File → 打开规划… Open plan…), then the parcels again",
                        file.display()
                    ));
                }
            }
            JobOutput::Written(result) => self.report_written(result),
            JobOutput::Refined => {}
            JobOutput::ParcelPreview(outlines) => self.parcel_preview.extend(outlines),
            JobOutput::Parcels(screened) => {
                let screened = *screened;
                self.parcel_preview.clear();
                self.messages.extend(screened.errors);
                for problem in screened.parcels.screening.unscreened() {
                    self.messages.push(problem.to_string());
                }
                self.parcel_sources.extend(screened.loaded);
                if let Some(recorded) = screened.recorded {
                    self.screening_recorded(recorded);
                }
                self.parcels.merge(screened.parcels);
                if let Some(id) = self.select_on_load.take() {
                    match self.parcels.find_id(&id) {
                        Some(i) => self.select(Some(i)),
                        None => self
                            .messages
                            .push(format!("--select {id}: no screened parcel has this id")),
                    }
                }
            }
        }
    }

    /// Closes the plan shown (with its parcels) and loads the plan of
    /// `catalog`; a plan that fails to load says why in the messages.
    /// Whether it was opened (not while a job runs).
    pub fn open_plan(&mut self, ctx: &Context, catalog: PathBuf) -> bool {
        if self.is_busy() {
            self.messages.push(format!(
                "{}: not opened yet, because a job is still running; open it again once the status bar is idle",
                catalog.display()
            ));
            return false;
        }
        self.plan = None;
        self.clear_parcels();
        self.layer_order.clear();
        self.layer_visible.clear();
        self.view = None;
        self.identified.clear();
        self.sketch.clear();
        self.plan_path = catalog.clone();
        self.jobs.push(Job::load_plan(ctx, catalog));
        true
    }

    /// Forgets the parcels shown, their files and the selection.
    pub fn clear_parcels(&mut self) {
        self.parcels = ParcelSet::default();
        self.parcel_sources.clear();
        self.parcel_preview.clear();
        self.select(None);
    }

    /// Makes a layer's fine levels of detail on a worker (see
    /// [`plan_data::LayerGraphic::ask_fine`]); the map draws coarser ones meanwhile.
    pub fn refine_layer(&mut self, ctx: &Context, plan: Arc<PlanData>, layer: usize) {
        self.jobs
            .push(Job::refine(ctx, plan, layer, map::Levels::Fine));
    }

    /// Whether the plan is being loaded (rather than failed or not asked for).
    pub fn plan_loading(&self) -> bool {
        self.plan.is_none() && self.is_busy()
    }

    /// Starts screening parcel files; before the plan is loaded they wait.
    pub fn open_parcels(&mut self, ctx: &Context, files: Vec<PathBuf>) {
        if files.is_empty() {
            return;
        }
        let Some(plan) = self.plan.clone() else {
            self.pending_parcels.extend(files);
            return;
        };
        let crs = match parse_crs(&self.parcels_crs) {
            Ok(crs) => crs,
            Err(e) => {
                self.messages.push(e);
                return;
            }
        };
        let sources = files
            .iter()
            .flat_map(|path| crate::io::gpkg::each_table(path))
            .map(|path| ParcelSource {
                crs: crs.clone(),
                ..ParcelSource::new(path)
            })
            .collect();
        self.jobs.push(Job::screen(
            ctx,
            plan,
            sources,
            Screening::default(),
            self.recorder(),
        ));
    }

    /// Screens every parcel file again with the choices now made for it
    /// under 地块文件 (id and name field, CRS); sketched parcels are kept.
    pub fn rescreen(&mut self, ctx: &Context) {
        let Some(plan) = self.plan.clone() else {
            return;
        };
        if self.is_busy() {
            self.messages.push(
                self.tr(
                    "仍有任务在运行：待状态栏空闲后再重新筛查",
                    "a job is still running: screen again once the status bar is idle",
                )
                .to_string(),
            );
            return;
        }
        let mut sources = Vec::new();
        for loaded in &self.parcel_sources {
            match parse_crs(&loaded.crs_text) {
                Ok(crs) => sources.push(ParcelSource {
                    crs,
                    ..loaded.source.clone()
                }),
                Err(e) => {
                    self.messages
                        .push(format!("{}: {e}", loaded.source.path.display()));
                    return;
                }
            }
        }
        let sketched = Screening {
            outcomes: self
                .parcels
                .screening
                .outcomes
                .iter()
                .filter(|o| matches!(o, ParcelOutcome::Screened { parcel, .. } if parcel.id.starts_with(SKETCH_ID_PREFIX)))
                .cloned()
                .collect(),
        };
        self.parcel_sources.clear();
        let sketches = self.parcels.sketches;
        self.parcels = ParcelSet::default();
        self.parcels.sketches = sketches;
        self.select(None);
        self.jobs
            .push(Job::screen(ctx, plan, sources, sketched, self.recorder()));
    }

    /// Where and under whose name a screening is recorded: the operator
    /// as typed, else the OS user.
    fn recorder(&self) -> Recorder {
        Recorder {
            db: self.case_record.clone(),
            case: self.case.current.as_ref().map(|c| c.number.clone()),
            operator: match self.operator.trim() {
                "" => crate::report::meta::default_operator(),
                name => name.to_string(),
            },
        }
    }

    /// Selects a parcel, brings it into view with its surroundings, and
    /// prepares its overlaps and setback lines for drawing.
    /// Sets the project attributes of a screened parcel as the officer
    /// typed them (an empty value is unknown), writing them to the fields
    /// the catalog reads them from, and concludes its screening again: the
    /// admission clauses and procedures follow, and the parcel says who
    /// entered them and when. The map is redrawn when its verdict changes.
    pub fn set_project(&mut self, outcome: usize, values: &[(Attribute, String)]) {
        let Some(plan) = self.plan.clone() else {
            return;
        };
        let mut screening = std::mem::take(&mut self.parcels.screening);
        let before = match screening.outcomes.get_mut(outcome) {
            Some(ParcelOutcome::Screened { parcel, result }) => {
                let fields = &plan.plan.catalog.project_fields;
                for (attribute, value) in values {
                    let field = fields.field(*attribute);
                    parcel.attributes.retain(|(name, _)| name != field);
                    if !value.trim().is_empty() {
                        parcel
                            .attributes
                            .push((field.to_string(), value.trim().to_string()));
                    }
                }
                let when = crate::report::meta::ReportTime::resolve(None)
                    .map(|t| t.display_zh())
                    .unwrap_or_default();
                parcel.notes.retain(|n| !n.starts_with(PROJECT_ENTERED));
                parcel.notes.push(format!(
                    "{PROJECT_ENTERED}：{}，{when} project attributes entered in the viewer",
                    self.operator.trim()
                ));
                let before = result.verdict;
                if let Shape::Area(mp) = &parcel.shape {
                    *result = screen_parcel(&plan.plan, &plan.index, mp);
                    conclude(&plan.plan, plan.area.as_ref(), parcel, result);
                }
                Some(before != result.verdict)
            }
            _ => None,
        };
        if before == Some(true) {
            let files = std::mem::take(&mut self.parcels.files);
            let (sketches, generation) = (self.parcels.sketches, self.parcels.generation + 1);
            let graphics = parcel_graphics(&plan.frame, &screening);
            self.parcels = ParcelSet::built(files, screening, graphics);
            self.parcels.sketches = sketches;
            self.parcels.generation = generation;
        } else {
            self.parcels.screening = screening;
        }
        self.select(Some(outcome));
    }

    pub fn select(&mut self, outcome: Option<usize>) {
        self.selected = outcome;
        self.table.reveal_selected = true;
        self.selection_overlaps.clear();
        self.selection_setbacks.clear();
        let (Some(plan), Some(ParcelOutcome::Screened { parcel, result })) = (
            self.plan.clone(),
            outcome.and_then(|i| self.parcels.screening.outcomes.get(i)),
        ) else {
            return;
        };
        let Shape::Area(mp) = &parcel.shape else {
            return;
        };
        // A control unit is where the project's clauses come from, not a
        // zone it trespasses on: its overlap is the parcel, not drawn.
        for finding in &result.findings {
            let rule = plan.plan.catalog.layers[finding.zone.layer].rule;
            if finding.overlap_m2.is_some() && rule != crate::catalog::Rule::Units {
                let overlap = overlap_shape(&plan.index, mp, finding.zone);
                if !overlap.0.is_empty() {
                    self.selection_overlaps.push(map::Graphic::from_polygons(
                        &plan.frame,
                        &overlap,
                        map::OVERLAP_FILL,
                    ));
                }
            }
            if let (Some(distance), Some(line)) = (
                finding.distance_m,
                setback_line(&plan.plan, &plan.index, mp, finding.zone),
            ) {
                self.selection_setbacks
                    .push((line.start, line.end, distance));
            }
        }
        if let Some(b) = parcel.shape.bounding_rect() {
            let margin = b.width().max(b.height()).max(100.0) * 1.5;
            self.fit_to = Some(geo::Rect::new(
                Coord {
                    x: b.min().x - margin,
                    y: b.min().y - margin,
                },
                Coord {
                    x: b.max().x + margin,
                    y: b.max().y + margin,
                },
            ));
        }
    }

    pub fn visible_layer_ids(&self) -> Vec<String> {
        let Some(plan) = &self.plan else {
            return Vec::new();
        };
        plan.plan
            .catalog
            .layers
            .iter()
            .zip(&self.layer_visible)
            .filter(|(_, v)| **v)
            .map(|(l, _)| l.id.clone())
            .collect()
    }

    /// Ends the sketch: the corners become a parcel, screened at once.
    pub fn finish_sketch(&mut self) {
        let Some(plan) = self.plan.clone() else {
            return;
        };
        let corners = std::mem::take(&mut self.sketch);
        let n = self.parcels.sketches + 1;
        let id = format!("{SKETCH_ID_PREFIX}{n}");
        let name = self.tr("手绘地块", "sketched parcel").to_string();
        match sketch_feature(self.parcels.screening.outcomes.len(), id, name, &corners) {
            Ok(mut parcel) => {
                // A sketch is an input like a file: the CSV and the report
                // say it was drawn here, when, and what was done to typed corners.
                let when = ReportTime::resolve(None)
                    .map(|t| t.display_zh())
                    .unwrap_or_default();
                let mut notes = vec![format!(
                    "手绘地块 sketched in the viewer, {} corners, {when}",
                    corners.len()
                )];
                notes.append(&mut self.sketch_notes);
                parcel.notes.splice(0..0, notes);
                parcel.attributes.push((SKETCH_TIME.to_string(), when));
                let Shape::Area(mp) = &parcel.shape else {
                    return;
                };
                let mut result = screen_parcel(&plan.plan, &plan.index, mp);
                conclude(&plan.plan, plan.area.as_ref(), &parcel, &mut result);
                let screening = crate::screen::Screening {
                    outcomes: vec![ParcelOutcome::Screened { parcel, result }],
                };
                let graphics = parcel_graphics(&plan.frame, &screening);
                self.parcels.sketches = n;
                self.parcels.add(Vec::new(), screening, graphics);
                self.select(Some(self.parcels.screening.outcomes.len() - 1));
            }
            Err(e) => {
                self.sketch_notes.clear();
                self.messages.push(format!(
                    "{}: {e}",
                    self.tr("草图无法成为地块", "the sketch is not a parcel")
                ));
                self.sketch = corners;
            }
        }
    }

    /// Takes corners typed or pasted into the sketch window.
    pub fn sketch_from_text(&mut self) {
        let Some(plan) = self.plan.clone() else {
            return;
        };
        match parse_coordinate_pairs(&self.sketch_text, &plan.plan.catalog.working_crs) {
            Ok(typed) => {
                self.sketch = typed.corners;
                self.messages.extend(typed.notes.iter().cloned());
                self.sketch_notes = typed.notes;
                self.finish_sketch();
            }
            Err(e) => self.messages.push(e),
        }
    }

    /// The box of every parcel screened, in the working CRS.
    pub fn parcels_bounds(&self) -> Option<geo::Rect> {
        self.parcels
            .screening
            .screened()
            .filter_map(|(p, _)| p.shape.bounding_rect())
            .reduce(crate::geometry::union_rect)
    }

    /// Every file the results depend on, which an export must never overwrite.
    fn inputs(&self) -> Vec<PathBuf> {
        match &self.plan {
            Some(plan) => input_files(&plan.plan, &self.parcels.files),
            None => self.parcels.files.clone(),
        }
    }

    /// Writes a report on a worker thread: a PDF of many parcels takes a while.
    /// `time` is the report's time.
    pub fn export(&mut self, ctx: &Context, kind: Export, path: PathBuf, time: ReportTime) {
        let Some(plan) = self.plan.clone() else {
            return;
        };
        let sketches = match kind {
            Export::Sketches => match self.sketches_geojson(&plan) {
                Some(text) => text,
                None => return,
            },
            _ => String::new(),
        };
        let screening = self.parcels.screening.clone();
        let files = self.parcels.files.clone();
        let operator = self.operator.trim().to_string();
        let recorder = self.recorder();
        let case = self.case_in_report();
        let screening_seq = self.case.last_screening.as_ref().map(|r| r.seq);
        let basemap_in_report = self
            .basemap
            .as_ref()
            .map(|b| b.in_report(self.basemap_settings.opacity));
        self.jobs.push(Job::write(ctx, move || {
            let bytes = match kind {
                Export::FindingsCsv => {
                    findings_csv(&plan.plan, &screening).map_err(|e| e.to_string())?
                }
                Export::SummaryCsv => {
                    summary_csv(&plan.plan, &screening).map_err(|e| e.to_string())?
                }
                Export::GeoJson => {
                    findings_geojson(&plan.plan, &plan.index, &screening, GeoJsonCrs::Wgs84)?
                        .into_bytes()
                }
                Export::Pdf => {
                    let meta = ReportMeta {
                        operator,
                        time,
                        tool_version: env!("CARGO_PKG_VERSION").to_string(),
                        inputs: hash_inputs(&report_inputs(&plan.plan, &files))
                            .map_err(|e| e.to_string())?,
                        sketches: sketch_inputs(&screening),
                        case,
                        basemap: basemap_in_report,
                    };
                    pdf::render(&plan.plan, &plan.index, &screening, &meta)?
                }
                Export::Workbook => xlsx::workbook(&plan.plan, &screening, time, case.as_ref())?,
                Export::Sketches => sketches.into_bytes(),
            };
            write_atomically(&path, &input_files(&plan.plan, &files), &bytes)
                .map_err(|e| e.to_string())?;
            // What `redline verify` finds the report by.
            let output = crate::record::RecordedOutput {
                path: path.clone(),
                sha256: crate::report::meta::sha256_hex(&bytes),
            };
            let db_path = recorder.db.as_ref()?;
            crate::record::CaseDb::open(db_path)
                .and_then(|mut db| {
                    db.record_output(
                        recorder.case.as_deref(),
                        &recorder.operator,
                        screening_seq,
                        &output,
                    )
                })
                .map_err(|e| {
                    format!(
                        "{} was written, but not recorded in the case record: {e}",
                        path.display()
                    )
                })?;
            Ok(path)
        }));
    }

    /// The case being worked on as a report shows it, with the decisions
    /// that stand; none without a case or a record to read them from.
    fn case_in_report(&self) -> Option<crate::report::meta::CaseInReport> {
        let case = self.case.current.clone()?;
        let db = crate::record::CaseDb::open(self.case_record.as_ref().ok()?).ok()?;
        let decisions = db.standing_decisions(&case.number).ok()?;
        Some(crate::report::meta::CaseInReport { case, decisions })
    }

    /// Sketched parcels as GeoJSON in the working CRS, to send back or screen again.
    /// `None` (with a message) when there are none.
    fn sketches_geojson(&mut self, plan: &PlanData) -> Option<String> {
        let features: Vec<OutFeature> = self
            .parcels
            .screening
            .screened()
            .filter(|(p, _)| p.id.starts_with(SKETCH_ID_PREFIX))
            .filter_map(|(p, _)| match &p.shape {
                Shape::Area(mp) => {
                    let mut properties = serde_json::Map::new();
                    properties.insert("地块编号".into(), p.id.clone().into());
                    properties.insert("名称".into(), p.name.clone().into());
                    Some(OutFeature {
                        id: Some(p.id.clone()),
                        properties,
                        geometry: geo::Geometry::MultiPolygon(mp.clone()),
                    })
                }
                Shape::Lines(_) => None,
            })
            .collect();
        if features.is_empty() {
            self.messages.push(
                self.tr("还没有手绘地块", "no sketched parcels yet")
                    .to_string(),
            );
            return None;
        }
        Some(to_text(&features, Some(&plan.plan.catalog.working_crs)))
    }

    fn report_written(&mut self, result: Result<PathBuf, String>) {
        match result {
            Ok(path) => {
                self.messages
                    .push(format!("{} {}", self.tr("已保存", "saved"), path.display()));
                self.last_written = Some(path);
            }
            Err(e) => self.messages.push(e),
        }
    }

    fn remembered(&self) -> Remembered {
        let hidden_layers = match &self.plan {
            Some(plan) => plan
                .plan
                .catalog
                .layers
                .iter()
                .zip(&self.layer_visible)
                .filter(|(_, v)| !**v)
                .map(|(l, _)| l.id.clone())
                .collect(),
            None => self.hidden_on_start.clone(),
        };
        Remembered {
            lang: self.lang,
            hidden_layers,
            recent_plans: self.recent_plans.clone(),
            operator: self.operator.clone(),
            area_unit: self.area_unit,
            basemap: self.basemap_settings.clone(),
        }
    }

    /// In screenshot mode: once all is loaded and drawn, grab the window and close.
    fn screenshot_step(&mut self, ctx: &Context) {
        let Some(path) = self.screenshot.clone() else {
            return;
        };
        // The picture waits for the map's refinement too.
        if !self.jobs.is_empty() || self.plan.is_none() {
            return;
        }
        if self.basemap.as_ref().is_some_and(|b| b.loading()) {
            return;
        }
        if self.plan_raster.as_ref().is_some_and(|r| !r.settled()) {
            // Its tiles are on their way; the thread making them asks for a repaint.
            return;
        }
        // The outcome is reported by `run` once the window has closed.
        if self.shot_result.lock().is_ok_and(|r| r.is_some()) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        // A few frames for fonts and layout to settle.
        self.shot_frames += 1;
        if self.shot_frames < 4 {
            ctx.request_repaint();
            return;
        }
        if !self.shot_requested {
            self.shot_requested = true;
            // Where the map is in the picture and what it shows: what a
            // reader of the picture (or a test) places coordinates by.
            if let (Some(view), Some(plan)) = (&self.view, &self.plan) {
                let (rect, ppp) = (self.map_rect, ctx.pixels_per_point());
                println!(
                    "redline: screenshot {}: map at ({:.0}, {:.0}) {:.0}×{:.0} px, centre E {:.3} N {:.3}, {:.6} m/px ({})",
                    path.display(),
                    rect.left() * ppp,
                    rect.top() * ppp,
                    rect.width() * ppp,
                    rect.height() * ppp,
                    view.center.x,
                    view.center.y,
                    view.m_per_px / f64::from(ppp),
                    plan.plan.catalog.working_crs
                );
            }
            let inputs = self.inputs();
            let result = self.shot_result.clone();
            let repaint = ctx.clone();
            ctx.request_screenshot(move |image| {
                let saved = encode_png(&image).and_then(|bytes| {
                    write_atomically(&path, &inputs, &bytes).map_err(|e| e.to_string())
                });
                if let Ok(mut slot) = result.lock() {
                    *slot = Some(saved);
                }
                repaint.request_repaint();
            });
        }
        ctx.request_repaint();
    }
}

impl RedlineApp {
    /// In benchmark mode: the frame's time, and the table once all are measured.
    fn bench_step(&mut self, ctx: &Context) {
        let Some(bench) = &mut self.bench else {
            return;
        };
        if self.plan.is_none() && self.jobs.is_empty() {
            // The plan failed to load: its reason is in the messages.
            if let Ok(mut slot) = self.bench_result.lock() {
                *slot = Some(Err(self.messages.join("\n")));
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        let parcels = self.parcels.screening.outcomes.len();
        let layers = self.layer_visible.iter().filter(|v| **v).count();
        if let Some(table) = bench.end_frame(ctx, Instant::now(), parcels, layers) {
            if let Ok(mut slot) = self.bench_result.lock() {
                *slot = Some(Ok(table));
            }
        }
    }
}

fn encode_png(image: &egui::ColorImage) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let [width, height] = image.size;
    let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let rgba: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|p| p.to_srgba_unmultiplied())
        .collect();
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&rgba))
        .map_err(|e| format!("cannot encode the screenshot as PNG: {e}"))?;
    Ok(bytes)
}

impl eframe::App for RedlineApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        let frame_start = Instant::now();
        let ctx = ui.ctx().clone();
        if self.gpu.begin_frame() {
            ctx.request_repaint();
        }
        self.poll_jobs(&ctx);
        if let Some(bench) = &mut self.bench {
            let has_plan = self.plan.is_some();
            let loaded = has_plan && self.jobs.is_empty() && self.pending_parcels.is_empty();
            let painted = self.gpu.take_painted();
            let parcels_shown = has_plan
                && !(self.parcel_preview.is_empty() && self.parcels.screening.outcomes.is_empty());
            bench.begin_frame(
                frame_start,
                frame.info().cpu_usage,
                painted,
                bench::Drawn {
                    plan: has_plan,
                    parcels: parcels_shown,
                    loaded,
                },
            );
        }
        if self.hatch.is_none() {
            self.hatch = Some(map::hatch_texture(&ctx));
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        // A catalog dropped opens its plan (where no file dialog opens, the way to one).
        let (catalogs, parcels): (Vec<PathBuf>, Vec<PathBuf>) =
            dropped.into_iter().partition(|p| {
                p.extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
            });
        let opened = match catalogs.into_iter().next() {
            Some(catalog) => self.open_plan(&ctx, catalog),
            None => false,
        };
        if opened {
            self.pending_parcels.extend(parcels);
        } else {
            self.open_parcels(&ctx, parcels);
        }

        let window_size = ctx.content_rect().size();
        self.window_resized = window_size != self.window_size;
        self.window_size = window_size;
        panels::menu_bar_ui(self, ui);
        panels::status_bar_ui(self, ui);
        panels::layers_ui(self, ui);
        panels::results_ui(self, ui);
        panels::detail_ui(self, ui);
        egui::CentralPanel::no_frame().show(ui, |ui| canvas::map_ui(self, ui));
        panels::windows_ui(self, &ctx);

        if self.is_busy() {
            // Progress moves on another thread; keep the bar moving, at a
            // pace that leaves the cores to the work (a frame of a city's
            // parcels under a software GL costs tens of milliseconds).
            ctx.request_repaint_after(std::time::Duration::from_millis(250));
        }
        self.screenshot_step(&ctx);
        self.bench_step(&ctx);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.remembered());
    }
}
