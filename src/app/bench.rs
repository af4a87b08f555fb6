//! `redline view --bench-frames N`: the frame-time benchmark. Once the plan
//! and parcels are loaded and screened, a scripted camera flies over the whole
//! world — fit, zoom in, pan across, down to street scale and back out — for
//! N frames, each measured, then the window closes and a table is printed.
//!
//! What is measured per frame:
//! - `update`: the app's own `ui` (panels, the map's shapes), timed here;
//! - `frame`: eframe's CPU time of the frame — `update`, egui's end of pass,
//!   tessellation and the GL upload, without the buffer swap
//!   (`frame.info().cpu_usage`, reported one frame late);
//! - `map GL draw calls`: the part of `frame` spent in the map's paint
//!   callbacks; with a software GL (llvmpipe under Xvfb) vertices are
//!   transformed there, on the UI thread; a GPU does it elsewhere;
//! - `interval`: wall time from one frame's start to the next, which also
//!   holds the swap and the (software, under Xvfb) rasteriser.

use std::time::{Duration, Instant};

use eframe::egui::{self, Context, Rect};

use super::map::MapView;

/// Frames drawn after loading before measuring: fonts and layout settle.
const WARMUP_FRAMES: usize = 5;

/// Street scale: about a kilometre across a window.
const STREET_M_PER_PX: f64 = 1.0;

/// The camera script's phases, as shares of the measured frames.
const PHASES: [(&str, f64); 6] = [
    ("whole world, panning", 0.10),
    ("zoom in to 1/4", 0.10),
    ("pan across at 1/4", 0.25),
    ("zoom in to street", 0.15),
    ("pan at street scale", 0.15),
    ("zoom out past the world", 0.25),
];

#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    phase: usize,
    /// The camera's scale in this frame, metres a point.
    m_per_px: f64,
    update_ms: f64,
    frame_ms: Option<f64>,
    gl_ms: Option<f64>,
    /// Thousands of vertices the map's GL draw calls took.
    gl_kvertices: Option<f64>,
    interval_ms: Option<f64>,
}

/// One measure of a frame, if it was taken.
type SampleValue = fn(&Sample) -> Option<f64>;

/// What a frame drew, for the times to the first pictures.
pub struct Drawn {
    pub plan: bool,
    /// Parcels, screened or shown as dots while they are screened.
    pub parcels: bool,
    /// Everything opened is loaded and screened.
    pub loaded: bool,
}

/// The benchmark's state, kept by the app when `--bench-frames` is given.
pub struct Bench {
    frames: usize,
    process_start: Instant,
    window_at: Option<Duration>,
    /// A frame with the plan (then with everything) was drawn; its picture
    /// is on screen when the next frame starts.
    plan_frame_drawn: bool,
    plan_at: Option<Duration>,
    /// The same for the parcels, shown as dots before they are screened.
    parcels_frame_drawn: bool,
    parcels_at: Option<Duration>,
    loaded_frame_drawn: bool,
    loaded_at: Option<Duration>,
    /// Peak resident memory (MB) once everything was loaded, before the flight.
    loaded_peak_mb: Option<f64>,
    /// Map meshes alive then (MB).
    loaded_mesh_mb: Option<f64>,
    /// Frames since everything was loaded; `None` before.
    step: Option<usize>,
    frame_start: Option<Instant>,
    samples: Vec<Sample>,
    parcels: usize,
    layers: usize,
    canvas: Rect,
    /// The world the camera flies over.
    world: Option<geo::Rect>,
    finished: bool,
}

impl Bench {
    pub fn new(frames: usize, process_start: Instant) -> Bench {
        Bench {
            frames: frames.max(2),
            process_start,
            window_at: None,
            plan_frame_drawn: false,
            plan_at: None,
            parcels_frame_drawn: false,
            parcels_at: None,
            loaded_frame_drawn: false,
            loaded_at: None,
            loaded_peak_mb: None,
            loaded_mesh_mb: None,
            step: None,
            frame_start: None,
            samples: Vec::new(),
            parcels: 0,
            layers: 0,
            canvas: Rect::NOTHING,
            world: None,
            finished: false,
        }
    }

    /// At the start of `ui`: `cpu_usage` is eframe's CPU time of the previous frame.
    pub fn begin_frame(
        &mut self,
        start: Instant,
        cpu_usage: Option<f32>,
        painted: super::gpu::Painted,
        drawn: Drawn,
    ) {
        let since_start = start - self.process_start;
        self.window_at.get_or_insert(since_start);
        if self.plan_frame_drawn && self.plan_at.is_none() {
            self.plan_at = Some(since_start);
        }
        if self.parcels_frame_drawn && self.parcels_at.is_none() {
            self.parcels_at = Some(since_start);
        }
        if self.loaded_frame_drawn && self.loaded_at.is_none() {
            self.loaded_at = Some(since_start);
            self.loaded_peak_mb = peak_resident_mb();
            self.loaded_mesh_mb = Some(super::gpu::mesh_bytes() as f64 / 1e6);
        }
        self.plan_frame_drawn |= drawn.plan;
        self.parcels_frame_drawn |= drawn.parcels;
        self.loaded_frame_drawn |= drawn.loaded;
        let loaded = drawn.loaded;
        if let (Some(step), Some(previous)) = (self.step, self.frame_start) {
            if let Some(sample) = self.measured(step).and_then(|i| self.samples.get_mut(i)) {
                sample.frame_ms = cpu_usage.map(|s| s as f64 * 1000.0);
                sample.gl_ms = Some(painted.time.as_secs_f64() * 1000.0);
                sample.gl_kvertices = Some(painted.vertices as f64 / 1000.0);
                sample.interval_ms = Some((start - previous).as_secs_f64() * 1000.0);
            }
        }
        self.step = match self.step {
            Some(step) => Some(step + 1),
            None if loaded => Some(0),
            None => None,
        };
        self.frame_start = Some(start);
    }

    /// The measured frame's index for a step, if it is one.
    fn measured(&self, step: usize) -> Option<usize> {
        step.checked_sub(WARMUP_FRAMES).filter(|i| *i < self.frames)
    }

    /// The camera for this frame, once everything is loaded.
    pub fn camera(&mut self, world: geo::Rect, canvas: Rect) -> Option<MapView> {
        let step = self.step?;
        self.canvas = canvas;
        self.world = Some(world);
        let i = self.measured(step).unwrap_or(0);
        let t = i as f64 / (self.frames - 1) as f64;
        Some(camera_at(t, world, canvas))
    }

    /// At the end of `ui`. Returns the report once the last frame is measured.
    pub fn end_frame(
        &mut self,
        ctx: &Context,
        end: Instant,
        parcels: usize,
        layers: usize,
    ) -> Option<String> {
        if self.finished {
            return None;
        }
        // A picture is timed when the next frame starts; while loading, frames
        // come only as the app asks for them, so as not to slow the loading.
        let untimed = self.plan_frame_drawn && self.plan_at.is_none()
            || self.parcels_frame_drawn && self.parcels_at.is_none();
        if untimed || self.step.is_some() {
            ctx.request_repaint();
        }
        let step = self.step?;
        self.parcels = parcels;
        self.layers = layers;
        if let (Some(i), Some(start)) = (self.measured(step), self.frame_start) {
            let t = i as f64 / (self.frames - 1) as f64;
            let m_per_px = self
                .world
                .map(|world| camera_at(t, world, self.canvas).m_per_px)
                .unwrap_or(f64::NAN);
            self.samples.push(Sample {
                phase: phase_at(t).0,
                m_per_px,
                update_ms: (end - start).as_secs_f64() * 1000.0,
                frame_ms: None,
                gl_ms: None,
                gl_kvertices: None,
                interval_ms: None,
            });
        }
        // One frame past the last measured one: its CPU time is known now.
        if step >= WARMUP_FRAMES + self.frames {
            self.finished = true;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return Some(self.report());
        }
        None
    }

    fn report(&self) -> String {
        let secs = |d: Option<Duration>| {
            d.map(|d| format!("{:.2} s", d.as_secs_f64()))
                .unwrap_or_else(|| "–".to_string())
        };
        let mut out = format!(
            "redline view --bench-frames {}: {} layers, {} parcels, canvas {:.0}×{:.0} pt\n\
             first picture from process start: window {}, plan drawn {}, parcels shown {}, parcels screened and drawn {}\n\
             peak resident memory: {} once loaded, {} after the flight; map meshes {} once loaded, {} after\n\n",
            self.frames,
            self.layers,
            self.parcels,
            self.canvas.width(),
            self.canvas.height(),
            secs(self.window_at),
            secs(self.plan_at),
            secs(self.parcels_at),
            secs(self.loaded_at),
            megabytes(self.loaded_peak_mb),
            megabytes(peak_resident_mb()),
            megabytes(self.loaded_mesh_mb),
            megabytes(Some(super::gpu::mesh_bytes() as f64 / 1e6)),
        );
        out.push_str(&format!(
            "{:<40} {:>6} {:>8} {:>8} {:>8} {:>8}\n",
            "ms per frame", "frames", "median", "p95", "p99", "max"
        ));
        let rows: [(&str, SampleValue); 4] = [
            ("update (app ui, shapes)", |s| Some(s.update_ms)),
            ("frame build (update+tessellate+upload)", |s| s.frame_ms),
            ("  of which map GL draw calls", |s| s.gl_ms),
            ("interval (with swap and rasteriser)", |s| s.interval_ms),
        ];
        for (name, value) in rows {
            let values: Vec<f64> = self.samples.iter().filter_map(value).collect();
            out.push_str(&stats_row(name, values));
        }
        out.push_str(&format!(
            "\n{:<40} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
            "by phase of the camera path (ms)",
            "frames",
            "build",
            "build",
            "update",
            "GL",
            "GL kvert"
        ));
        out.push_str(&format!(
            "{:<40} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
            "", "", "median", "p99", "median", "median", "median"
        ));
        for (phase, (name, _)) in PHASES.iter().enumerate() {
            let of_phase = || self.samples.iter().filter(|s| s.phase == phase);
            let sorted = |mut v: Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v
            };
            let build = sorted(of_phase().filter_map(|s| s.frame_ms).collect());
            let update = sorted(of_phase().map(|s| s.update_ms).collect());
            let gl = sorted(of_phase().filter_map(|s| s.gl_ms).collect());
            let kvertices = sorted(of_phase().filter_map(|s| s.gl_kvertices).collect());
            out.push_str(&format!(
                "{:<40} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.0}\n",
                name,
                build.len(),
                percentile(&build, 50.0),
                percentile(&build, 99.0),
                percentile(&update, 50.0),
                percentile(&gl, 50.0),
                percentile(&kvertices, 50.0),
            ));
        }
        out.push_str(&self.slowest_frames(8));
        out
    }

    /// The `n` frames of the longest build, slowest first: where the p99 comes from.
    fn slowest_frames(&self, n: usize) -> String {
        let mut order: Vec<usize> = (0..self.samples.len())
            .filter(|&i| self.samples[i].frame_ms.is_some())
            .collect();
        order.sort_by(|&a, &b| {
            let build = |i: usize| self.samples[i].frame_ms.unwrap_or(0.0);
            build(b).total_cmp(&build(a))
        });
        let mut out = format!(
            "\n{:<40} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
            "slowest frames", "frame", "m/pt", "build", "update", "GL", "GL kvert"
        );
        for i in order.into_iter().take(n) {
            let s = &self.samples[i];
            let ms = |v: Option<f64>| v.unwrap_or(f64::NAN);
            out.push_str(&format!(
                "{:<40} {:>6} {:>8.1} {:>8.2} {:>8.2} {:>8.2} {:>8.0}\n",
                PHASES[s.phase].0,
                i,
                s.m_per_px,
                ms(s.frame_ms),
                s.update_ms,
                ms(s.gl_ms),
                ms(s.gl_kvertices),
            ));
        }
        out
    }
}

/// The process's peak resident memory so far (Linux), in MB.
fn peak_resident_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1000.0)
}

fn megabytes(mb: Option<f64>) -> String {
    mb.map(|mb| format!("{mb:.0} MB"))
        .unwrap_or_else(|| "–".to_string())
}

/// One table row: frames, median, p95, p99, max.
fn stats_row(name: &str, mut values: Vec<f64>) -> String {
    values.sort_by(f64::total_cmp);
    let q = |p: f64| percentile(&values, p);
    format!(
        "{:<40} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>8.2}\n",
        name,
        values.len(),
        q(50.0),
        q(95.0),
        q(99.0),
        values.last().copied().unwrap_or(f64::NAN),
    )
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The phase at `t` in 0..=1 and how far into it, 0..=1.
fn phase_at(t: f64) -> (usize, f64) {
    let mut begin = 0.0;
    for (i, (_, share)) in PHASES.iter().enumerate() {
        if t < begin + share || i == PHASES.len() - 1 {
            return (i, ((t - begin) / share).clamp(0.0, 1.0));
        }
        begin += share;
    }
    (PHASES.len() - 1, 1.0)
}

/// Geometric interpolation between two scales: zooming looks even.
fn zoom_between(from: f64, to: f64, u: f64) -> f64 {
    from * (to / from).powf(u)
}

/// The scripted camera at `t` in 0..=1, continuous over the whole path.
fn camera_at(t: f64, world: geo::Rect, canvas: Rect) -> MapView {
    use std::f64::consts::TAU;
    let fit = MapView::fitting(world, canvas).m_per_px;
    let quarter = fit / 4.0;
    let c = world.center();
    let (w, h) = (world.width(), world.height());
    let street_end = geo::Coord {
        x: c.x + 2_000.0,
        y: c.y,
    };
    let (phase, u) = phase_at(t);
    let (center, m_per_px) = match phase {
        // Left and right by a sixth of the world and back.
        0 => (
            geo::Coord {
                x: c.x + w / 6.0 * (TAU * u).sin(),
                y: c.y,
            },
            fit,
        ),
        1 => (c, zoom_between(fit, quarter, u)),
        // A figure of eight over the world, back to the centre.
        2 => (
            geo::Coord {
                x: c.x + 0.4 * w * (TAU * u).sin(),
                y: c.y + 0.4 * h * (2.0 * TAU * u).sin(),
            },
            quarter,
        ),
        3 => (c, zoom_between(quarter, STREET_M_PER_PX, u)),
        4 => (
            geo::Coord {
                x: c.x + 2_000.0 * u,
                y: c.y,
            },
            STREET_M_PER_PX,
        ),
        _ => (
            geo::Coord {
                x: street_end.x + (c.x - street_end.x) * u,
                y: c.y,
            },
            zoom_between(STREET_M_PER_PX, fit * 1.5, u),
        ),
    };
    MapView { center, m_per_px }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::{Pos2, Vec2};

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), 50.0);
        assert_eq!(percentile(&values, 99.0), 99.0);
        assert_eq!(percentile(&values, 100.0), 100.0);
        assert_eq!(percentile(&[7.0], 99.0), 7.0);
        assert!(percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn the_camera_path_is_continuous_and_reaches_street_scale() {
        let world = geo::Rect::new(
            geo::Coord { x: 0.0, y: 0.0 },
            geo::Coord {
                x: 80_000.0,
                y: 80_000.0,
            },
        );
        let canvas = Rect::from_min_size(Pos2::ZERO, Vec2::new(1000.0, 700.0));
        let fit = MapView::fitting(world, canvas).m_per_px;
        let n = 2000;
        let views: Vec<MapView> = (0..=n)
            .map(|i| camera_at(i as f64 / n as f64, world, canvas))
            .collect();
        assert_eq!(views[0].m_per_px, fit);
        assert!(views
            .iter()
            .any(|v| (v.m_per_px - STREET_M_PER_PX).abs() < 1e-9));
        for pair in views.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            // No jumps: at most a few hundred screen points a step, and a gentle zoom.
            let moved_px = ((a.center.x - b.center.x).hypot(a.center.y - b.center.y))
                / a.m_per_px.max(b.m_per_px);
            assert!(moved_px < 200.0, "{a:?} -> {b:?}");
            assert!((a.m_per_px / b.m_per_px).ln().abs() < 0.1, "{a:?} -> {b:?}");
        }
    }
}
