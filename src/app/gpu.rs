//! Map geometry kept on the GPU. egui re-tessellates and re-uploads every
//! shape every frame; for a city's 200 000 parcels and zones of 200 000
//! vertices that is seconds a frame. Here the triangles (outlines as strips
//! the shader widens) are uploaded once, the first time they are drawn, and
//! each frame only draws them with the view's transform: a frame's cost no
//! longer grows with the data.
//!
//! Drawn through an `egui_glow` paint callback, so it keeps its place among
//! egui's shapes. Renderers without glow (the test harness) simply skip it;
//! the app's state does not depend on it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use eframe::egui::{self, emath::TSTransform, epaint::Vertex, Color32, Mesh, Rect};
use eframe::egui_glow;
use eframe::glow::{self, HasContext};

/// How a mesh's indices are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Primitive {
    Triangles,
    /// One square dot per index, of the batch's point size.
    Points,
}

/// A mesh to keep on the GPU: filled triangles (strokes included) or dots.
/// Once uploaded, the GPU's copy is the only one: a city's layers at full
/// detail are hundreds of megabytes, and a software GL keeps its copy in
/// the same memory. When the last clone is dropped, its GPU buffers are
/// deleted at the next frame.
#[derive(Clone)]
pub struct GpuMesh {
    data: Arc<MeshData>,
    pub primitive: Primitive,
    /// Its box in local coordinates, for culling.
    pub bounds: Rect,
}

struct MeshData {
    id: u64,
    /// The mesh until it is uploaded.
    mesh: Mutex<Option<Mesh>>,
    vertex_count: usize,
    index_count: usize,
    uploaded: std::sync::atomic::AtomicBool,
}

/// Bytes of the meshes alive (vertices and indices), on the CPU or the GPU.
static MESH_BYTES: AtomicU64 = AtomicU64::new(0);

/// Bytes of the meshes alive, for the benchmark's account of memory.
pub fn mesh_bytes() -> u64 {
    MESH_BYTES.load(Ordering::Relaxed)
}

impl MeshData {
    fn bytes(&self) -> u64 {
        (self.vertex_count * std::mem::size_of::<Vertex>() + self.index_count * 4) as u64
    }
}

/// Ids of uploaded meshes dropped since the last frame: their buffers go.
static RELEASED: Mutex<Vec<u64>> = Mutex::new(Vec::new());

impl Drop for MeshData {
    fn drop(&mut self) {
        MESH_BYTES.fetch_sub(self.bytes(), Ordering::Relaxed);
        if self.uploaded.load(Ordering::Relaxed) {
            if let Ok(mut released) = RELEASED.lock() {
                released.push(self.id);
            }
        }
    }
}

impl GpuMesh {
    pub fn triangles(mesh: Mesh) -> GpuMesh {
        GpuMesh::new(mesh, Primitive::Triangles)
    }

    pub fn points(mesh: Mesh) -> GpuMesh {
        GpuMesh::new(mesh, Primitive::Points)
    }

    fn new(mut mesh: Mesh, primitive: Primitive) -> GpuMesh {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        let bounds = mesh.calc_bounds();
        mesh.vertices.shrink_to_fit();
        mesh.indices.shrink_to_fit();
        let data = MeshData {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            vertex_count: mesh.vertices.len(),
            index_count: mesh.indices.len(),
            mesh: Mutex::new(Some(mesh)),
            uploaded: std::sync::atomic::AtomicBool::new(false),
        };
        MESH_BYTES.fetch_add(data.bytes(), Ordering::Relaxed);
        GpuMesh {
            data: Arc::new(data),
            primitive,
            bounds,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.data.index_count == 0
    }

    pub fn vertex_count(&self) -> usize {
        self.data.vertex_count
    }

    /// A copy of the mesh while it is not on the GPU (never, with the test
    /// harness's renderer).
    pub fn cpu_mesh(&self) -> Option<Mesh> {
        self.data.mesh.lock().ok()?.clone()
    }
}

/// How far a stroke's corner may reach past its width, in half-widths: a
/// sharp turn of a jagged outline is cut there rather than spiking out.
pub const MITER_LIMIT: f32 = 2.0;

/// Lines as a stroke mesh for [`GpuBatch::push_stroke`]: two vertices a
/// point, on the line, each carrying (as its uv) the mitre of its corner —
/// the unit normal where the line runs straight — which the shader scales
/// to the stroke's width on screen. Consecutive segments share their
/// corner's vertices: half the vertices of a quad a segment, and a city's
/// outlines are most of what a city-wide view draws.
pub fn stroke_mesh<'a>(lines: impl IntoIterator<Item = &'a [egui::Pos2]>, color: Color32) -> Mesh {
    let mut mesh = Mesh::default();
    stroke_into(&mut mesh, lines, color);
    mesh
}

/// [`stroke_mesh`], appended to `mesh`: a city's parcels are stroked one
/// by one into a few shared meshes.
pub fn stroke_into<'a>(
    mesh: &mut Mesh,
    lines: impl IntoIterator<Item = &'a [egui::Pos2]>,
    color: Color32,
) {
    for line in lines {
        // Repeated points (and NaNs) have no direction to widen across.
        let mut points: Vec<egui::Pos2> = Vec::with_capacity(line.len());
        for &at in line {
            let moved = points.last().map(|last| (at - *last).length());
            if moved.is_none_or(|d| d > 0.0) && at.x.is_finite() && at.y.is_finite() {
                points.push(at);
            }
        }
        if points.len() < 2 {
            continue;
        }
        let normal = |p: egui::Pos2, q: egui::Pos2| {
            let along = (q - p).normalized();
            egui::vec2(-along.y, along.x)
        };
        let first = mesh.vertices.len() as u32;
        let last = points.len() - 1;
        for i in 0..=last {
            let before = (i > 0).then(|| normal(points[i - 1], points[i]));
            let after = (i < last).then(|| normal(points[i], points[i + 1]));
            let miter = match (before, after) {
                (Some(b), Some(a)) => {
                    let sum = b + a;
                    let cos_half = sum.length() / 2.0;
                    if cos_half < 1.0 / MITER_LIMIT {
                        // Too sharp a turn (or a reversal): cut at the limit.
                        let direction = if sum.length() > 1e-6 {
                            sum.normalized()
                        } else {
                            a
                        };
                        direction * MITER_LIMIT
                    } else {
                        sum.normalized() / cos_half
                    }
                }
                (Some(n), None) | (None, Some(n)) => n,
                (None, None) => continue,
            };
            for side in [miter, -miter] {
                mesh.vertices.push(Vertex {
                    pos: points[i],
                    uv: side.to_pos2(),
                    color,
                });
            }
        }
        for s in 0..last as u32 {
            let at = first + 2 * s;
            mesh.indices
                .extend([at, at + 1, at + 2, at + 1, at + 3, at + 2]);
        }
    }
}

/// Lines as a quad a segment, its vertices on the line, each carrying (as
/// its uv) the unit normal to its side: the segments of [`band_mesh`], whose
/// shader keeps every pixel within 1 of the line, exactly.
fn segment_quads<'a>(lines: impl IntoIterator<Item = &'a [egui::Pos2]>, color: Color32) -> Mesh {
    let mut mesh = Mesh::default();
    for line in lines {
        for segment in line.windows(2) {
            let (p, q) = (segment[0], segment[1]);
            let along = q - p;
            let length = along.length();
            // A repeated point (or a NaN) has no direction to widen across.
            if length.is_nan() || length <= 0.0 {
                continue;
            }
            let normal = egui::vec2(-along.y, along.x) / length;
            let first = mesh.vertices.len() as u32;
            for (at, side) in [(p, normal), (p, -normal), (q, normal), (q, -normal)] {
                mesh.vertices.push(Vertex {
                    pos: at,
                    uv: side.to_pos2(),
                    color,
                });
            }
            mesh.indices
                .extend([first, first + 1, first + 2, first + 1, first + 3, first + 2]);
        }
    }
    mesh
}

/// Lines as a band mesh for [`GpuBatch::push_band`]: the quads of
/// [`segment_quads`], and at every vertex a square whose corners carry
/// (±1, ±1), which the shader cuts to the disc it encloses. Widened in metres
/// by the shader, they draw every point within a distance of the lines — a
/// setback band, round joins and ends included — at any width and zoom,
/// from the lines' own vertices: nothing is buffered.
pub fn band_mesh<'a>(lines: impl IntoIterator<Item = &'a [egui::Pos2]>, color: Color32) -> Mesh {
    let lines: Vec<&[egui::Pos2]> = lines.into_iter().collect();
    let mut mesh = segment_quads(lines.iter().copied(), color);
    for &at in lines.iter().flat_map(|line| line.iter()) {
        if !(at.x.is_finite() && at.y.is_finite()) {
            continue;
        }
        let first = mesh.vertices.len() as u32;
        for corner in [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)] {
            mesh.vertices.push(Vertex {
                pos: at,
                uv: egui::Pos2::new(corner.0, corner.1),
                color,
            });
        }
        mesh.indices
            .extend([first, first + 1, first + 2, first + 1, first + 3, first + 2]);
    }
    mesh
}

/// How a draw's pixels take their colour. Each kind is a shader program of
/// its own: a software GL (llvmpipe) runs every branch of a shader for
/// every pixel, masked, so plain fills — most of a map's pixels — would pay
/// for the stroke's fade, the band's test and the hatch's stripes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Paint {
    /// The mesh's own colours.
    Plain,
    /// A stroke mesh, its sides pushed out from the line by `extrude` points.
    Stroke { extrude: f32 },
    /// A band mesh, every point within `distance_m` of its lines in one colour.
    Band { distance_m: f32, color: Color32 },
    /// The mesh's colours with diagonal lines of one colour over them.
    Hatch(Color32),
    /// Points as round symbols of their colour in a ring of `ring`, for
    /// those whose size (their uv's x, metres) is under `below_pt` points
    /// on screen; the point size is the symbol's box.
    Symbol { below_pt: f32, ring: Color32 },
}

impl Paint {
    /// The preprocessor symbol that makes the shader source this kind's
    /// program, in the order of [`GpuRenderer`]'s programs.
    const DEFINES: [&'static str; 5] = ["PLAIN", "STROKE", "BAND", "HATCH", "SYMBOL"];

    fn program_index(self) -> usize {
        match self {
            Paint::Plain => 0,
            Paint::Stroke { .. } => 1,
            Paint::Band { .. } => 2,
            Paint::Hatch(_) => 3,
            Paint::Symbol { .. } => 4,
        }
    }
}

#[derive(Clone)]
struct Draw {
    mesh: GpuMesh,
    paint: Paint,
}

/// What the map asks to draw in one go, in order, with one transform.
pub struct GpuBatch {
    draws: Vec<Draw>,
    point_size: f32,
}

impl GpuBatch {
    pub fn new() -> GpuBatch {
        GpuBatch {
            draws: Vec::new(),
            point_size: 1.0,
        }
    }

    /// Size of dots, in points.
    pub fn with_point_size(mut self, point_size: f32) -> GpuBatch {
        self.point_size = point_size;
        self
    }

    pub fn push(&mut self, mesh: &GpuMesh) {
        if !mesh.is_empty() {
            self.draws.push(Draw {
                mesh: mesh.clone(),
                paint: Paint::Plain,
            });
        }
    }

    /// The setback bands' widths (metres) of the draws so far, in order.
    #[cfg(test)]
    pub fn band_widths(&self) -> Vec<f32> {
        self.draws
            .iter()
            .filter_map(|d| match d.paint {
                Paint::Band { distance_m, .. } => Some(distance_m),
                _ => None,
            })
            .collect()
    }

    /// A mesh of [`band_mesh`]: every point within `distance_m` of its
    /// lines, in `color`, each pixel blended once however many segments
    /// cover it (where the frame has a stencil buffer).
    pub fn push_band(&mut self, mesh: &GpuMesh, distance_m: f32, color: Color32) {
        if !mesh.is_empty() && mesh.primitive == Primitive::Triangles && distance_m > 0.0 {
            self.draws.push(Draw {
                mesh: mesh.clone(),
                paint: Paint::Band { distance_m, color },
            });
        }
    }

    /// A mesh of [`stroke_mesh`], drawn `width` points wide with soft edges.
    pub fn push_stroke(&mut self, mesh: &GpuMesh, width: f32) {
        if !mesh.is_empty() && mesh.primitive == Primitive::Triangles {
            self.draws.push(Draw {
                mesh: mesh.clone(),
                // Half a pixel more on each side, faded out: egui's feathering.
                paint: Paint::Stroke {
                    extrude: width / 2.0 + 0.5,
                },
            });
        }
    }

    /// The mesh's triangles with diagonal lines of `color` over them, fixed
    /// on screen, in one draw: fill and hatch take each pixel once.
    pub fn push_hatched(&mut self, mesh: &GpuMesh, color: Color32) {
        if !mesh.is_empty() && mesh.primitive == Primitive::Triangles {
            self.draws.push(Draw {
                mesh: mesh.clone(),
                paint: Paint::Hatch(color),
            });
        }
    }

    /// A mesh of points as symbols (see [`Paint::Symbol`]): a disc of the
    /// point's colour ringed in `ring`, inscribed in the batch's point
    /// size, for the points whose size on screen is under `below_pt`.
    pub fn push_symbols(&mut self, mesh: &GpuMesh, below_pt: f32, ring: Color32) {
        if !mesh.is_empty() && mesh.primitive == Primitive::Points {
            self.draws.push(Draw {
                mesh: mesh.clone(),
                paint: Paint::Symbol { below_pt, ring },
            });
        }
    }

    /// Adds the draws to the painter as one paint callback over `canvas`.
    pub fn paint(
        self,
        painter: &egui::Painter,
        canvas: Rect,
        screen_from_local: TSTransform,
        renderer: &Arc<GpuRenderer>,
    ) {
        if self.draws.is_empty() {
            return;
        }
        let renderer = renderer.clone();
        let callback = egui_glow::CallbackFn::new(move |info, painter| {
            renderer.paint(
                painter.gl(),
                &info,
                screen_from_local,
                self.point_size,
                &self.draws,
            );
        });
        painter.add(egui::PaintCallback {
            rect: canvas,
            callback: Arc::new(callback),
        });
    }
}

/// A mesh on the GPU.
struct Uploaded {
    /// Holds the vertex and index buffers.
    vertex_array: glow::VertexArray,
    buffers: [glow::Buffer; 2],
    count: i32,
}

impl Uploaded {
    unsafe fn delete(self, gl: &glow::Context) {
        unsafe {
            gl.delete_vertex_array(self.vertex_array);
            for buffer in self.buffers {
                gl.delete_buffer(buffer);
            }
        }
    }
}

struct Program {
    program: glow::Program,
    u_screen_size: Option<glow::UniformLocation>,
    u_translate: Option<glow::UniformLocation>,
    u_scale: Option<glow::UniformLocation>,
    u_hatch_color: Option<glow::UniformLocation>,
    u_hatch_px: Option<glow::UniformLocation>,
    u_point_size: Option<glow::UniformLocation>,
    u_extrude: Option<glow::UniformLocation>,
    u_extrude_px: Option<glow::UniformLocation>,
    u_band_m: Option<glow::UniformLocation>,
    u_band_color: Option<glow::UniformLocation>,
    u_symbol_below: Option<glow::UniformLocation>,
    u_ring_color: Option<glow::UniformLocation>,
}

#[derive(Default)]
struct State {
    /// A program for each kind of [`Paint`], in its order.
    programs: Option<Result<Vec<Program>, String>>,
    uploaded: HashMap<u64, Uploaded>,
    /// What the callbacks did since last taken, for the benchmark (a
    /// software GL such as llvmpipe transforms vertices on this thread).
    painted: Painted,
    /// Bytes that may still be uploaded this frame.
    upload_budget: u64,
    /// A mesh in view was left for a later frame, over the budget.
    deferred: bool,
    /// Frames begun.
    frames: u64,
    /// Every program has drawn once ([`warm_up`]).
    warmed_up: bool,
}

/// Bytes of meshes uploaded in one frame at most (and at least one mesh):
/// zooming into a city's full detail brings hundreds of meshes into view
/// at once, and uploading them all stalled that frame for tens of
/// milliseconds. The rest follow in the next frames.
const UPLOAD_BUDGET_BYTES: u64 = 4 << 20;

/// Drawing done by the map's paint callbacks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Painted {
    pub time: std::time::Duration,
    /// Vertices handed to GL draw calls.
    pub vertices: usize,
}

/// The GPU side: the program and the uploaded meshes. Shared by every frame's callbacks.
#[derive(Default)]
pub struct GpuRenderer {
    state: Mutex<State>,
}

/// `GL_POINT_SPRITE`, of compatibility contexts only (glow has no name for it).
const POINT_SPRITE: u32 = 0x8861;

/// Spacing of hatch lines on screen, in points, as egui's hatch texture.
pub const HATCH_PX: f32 = 10.0;

impl GpuRenderer {
    /// Starts a frame's upload budget; true when the last frame left meshes
    /// to upload, so that the caller asks for another frame.
    pub fn begin_frame(&self) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        state.upload_budget = UPLOAD_BUDGET_BYTES;
        state.frames += 1;
        std::mem::take(&mut state.deferred)
    }

    /// What was drawn since the last call.
    pub fn take_painted(&self) -> Painted {
        self.state
            .lock()
            .map(|mut s| std::mem::take(&mut s.painted))
            .unwrap_or_default()
    }

    fn paint(
        &self,
        gl: &glow::Context,
        info: &egui::PaintCallbackInfo,
        screen_from_local: TSTransform,
        point_size: f32,
        draws: &[Draw],
    ) {
        let started = std::time::Instant::now();
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let state = &mut *state;
        unsafe { self.draw(gl, state, info, screen_from_local, point_size, draws) };
        state.painted.time += started.elapsed();
    }

    unsafe fn draw(
        &self,
        gl: &glow::Context,
        state: &mut State,
        info: &egui::PaintCallbackInfo,
        screen_from_local: TSTransform,
        point_size: f32,
        draws: &[Draw],
    ) {
        if state.programs.is_none() {
            // A compatibility context (eframe's last resort) gives a
            // point's pixels their gl_PointCoord only with point sprites
            // on, which nothing else turns off; a core or ES one always does.
            let version = gl.version();
            if !version.is_embedded {
                let profile = unsafe { gl.get_parameter_i32(glow::CONTEXT_PROFILE_MASK) } as u32;
                if profile & glow::CONTEXT_COMPATIBILITY_PROFILE_BIT != 0 {
                    unsafe { gl.enable(POINT_SPRITE) };
                }
            }
            state.programs = Some(
                Paint::DEFINES
                    .iter()
                    .map(|kind| unsafe { compile(gl, kind) })
                    .collect(),
            );
        }
        // After the first picture, which compiling every program would delay.
        let warm_up_now = !state.warmed_up && state.frames > 1;
        state.warmed_up |= warm_up_now;
        let Some(Ok(programs)) = &state.programs else {
            if let Some(Err(e)) = &state.programs {
                log_once(e);
            }
            return;
        };
        let ppp = info.pixels_per_point;
        let size_pt = info.screen_size_px.map(|s| s as f32 / ppp);
        unsafe {
            // egui's callback viewport is the callback's rect; draw in whole-screen points.
            gl.viewport(
                0,
                0,
                info.screen_size_px[0] as i32,
                info.screen_size_px[1] as i32,
            );
            for program in programs {
                gl.use_program(Some(program.program));
                gl.uniform_2_f32(program.u_screen_size.as_ref(), size_pt[0], size_pt[1]);
                gl.uniform_2_f32(
                    program.u_translate.as_ref(),
                    screen_from_local.translation.x,
                    screen_from_local.translation.y,
                );
                gl.uniform_1_f32(program.u_scale.as_ref(), screen_from_local.scaling);
                gl.uniform_1_f32(program.u_hatch_px.as_ref(), HATCH_PX * ppp);
                gl.uniform_1_f32(program.u_point_size.as_ref(), point_size * ppp);
            }
            if !gl.version().is_embedded {
                gl.enable(glow::PROGRAM_POINT_SIZE);
            }
        }
        if warm_up_now {
            unsafe { warm_up(gl, programs, screen_from_local) };
        }
        let mut in_use: Option<usize> = None;
        // The band whose pixels the stencil holds: a band drawn in several
        // meshes (and crossing rivers in one band) takes its colour once.
        let mut stenciled: Option<Paint> = None;
        let released = RELEASED
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default();
        for id in released {
            if let Some(gone) = state.uploaded.remove(&id) {
                unsafe { gone.delete(gl) };
            }
        }
        for draw in draws {
            let data = &draw.mesh.data;
            let uploaded = match state.uploaded.entry(data.id) {
                std::collections::hash_map::Entry::Occupied(u) => u.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    let bytes = data.bytes();
                    if bytes > state.upload_budget && state.upload_budget < UPLOAD_BUDGET_BYTES {
                        state.deferred = true;
                        continue;
                    }
                    state.upload_budget = state.upload_budget.saturating_sub(bytes);
                    let Ok(mut mesh) = data.mesh.lock() else {
                        continue;
                    };
                    let Some(cpu) = mesh.as_ref() else {
                        continue;
                    };
                    match unsafe { upload(gl, cpu) } {
                        Ok(u) => {
                            *mesh = None;
                            data.uploaded.store(true, Ordering::Relaxed);
                            slot.insert(u)
                        }
                        Err(e) => {
                            log_once(&e);
                            continue;
                        }
                    }
                }
            };
            unsafe {
                draw_with(
                    gl,
                    programs,
                    draw.paint,
                    ppp,
                    (&mut in_use, &mut stenciled),
                    uploaded,
                    draw.mesh.primitive,
                );
            }
            state.painted.vertices += data.vertex_count;
        }
        unsafe {
            gl.bind_vertex_array(None);
        }
    }
}

/// Draws an uploaded mesh with the program and state of `paint`. `in_use`
/// is the program in use, `stenciled` the band whose pixels the stencil holds.
unsafe fn draw_with(
    gl: &glow::Context,
    programs: &[Program],
    paint: Paint,
    ppp: f32,
    (in_use, stenciled): (&mut Option<usize>, &mut Option<Paint>),
    uploaded: &Uploaded,
    primitive: Primitive,
) {
    let index = paint.program_index();
    let program = &programs[index];
    unsafe {
        if *in_use != Some(index) {
            gl.use_program(Some(program.program));
            *in_use = Some(index);
        }
        match paint {
            Paint::Plain => {}
            Paint::Stroke { extrude } => {
                gl.uniform_1_f32(program.u_extrude.as_ref(), extrude);
                gl.uniform_1_f32(program.u_extrude_px.as_ref(), extrude * ppp);
            }
            Paint::Band { distance_m, color } => {
                gl.uniform_1_f32(program.u_band_m.as_ref(), distance_m);
                set_color(gl, program.u_band_color.as_ref(), color);
                // Segments, joins, meshes and rivers overlap: the
                // stencil lets each pixel of a band take its colour once.
                gl.enable(glow::STENCIL_TEST);
                if *stenciled != Some(paint) {
                    gl.clear_stencil(0);
                    gl.clear(glow::STENCIL_BUFFER_BIT);
                    *stenciled = Some(paint);
                }
                gl.stencil_func(glow::EQUAL, 0, 0xff);
                gl.stencil_op(glow::KEEP, glow::KEEP, glow::INCR);
            }
            Paint::Hatch(color) => set_color(gl, program.u_hatch_color.as_ref(), color),
            Paint::Symbol { below_pt, ring } => {
                gl.uniform_1_f32(program.u_symbol_below.as_ref(), below_pt);
                set_color(gl, program.u_ring_color.as_ref(), ring);
            }
        }
        gl.bind_vertex_array(Some(uploaded.vertex_array));
        let mode = match primitive {
            Primitive::Triangles => glow::TRIANGLES,
            Primitive::Points => glow::POINTS,
        };
        gl.draw_elements(mode, uploaded.count, glow::UNSIGNED_INT, 0);
        if matches!(paint, Paint::Band { .. }) {
            gl.disable(glow::STENCIL_TEST);
        }
    }
}

/// Draws a transparent speck with every kind of [`Paint`] and primitive the
/// map uses. A software GL (llvmpipe) compiles the code of a program and
/// state the first time it draws with them, 100 ms or more each: done
/// here, once, not in the frame a zoom first shows setback bands or
/// symbols.
unsafe fn warm_up(gl: &glow::Context, programs: &[Program], screen_from_local: TSTransform) {
    let local = |x: f32, y: f32| screen_from_local.inverse() * egui::Pos2::new(x, y);
    let mut speck = Mesh::default();
    for at in [local(1.0, 1.0), local(3.0, 1.0), local(1.0, 3.0)] {
        speck.colored_vertex(at, Color32::TRANSPARENT);
    }
    speck.add_triangle(0, 1, 2);
    let Ok(uploaded) = (unsafe { upload(gl, &speck) }) else {
        return;
    };
    let clear = Color32::TRANSPARENT;
    let kinds = [
        (Paint::Plain, Primitive::Triangles),
        (Paint::Plain, Primitive::Points),
        (Paint::Stroke { extrude: 1.0 }, Primitive::Triangles),
        (
            Paint::Band {
                distance_m: 1.0,
                color: clear,
            },
            Primitive::Triangles,
        ),
        (Paint::Hatch(clear), Primitive::Triangles),
        (
            Paint::Symbol {
                below_pt: 1.0,
                ring: clear,
            },
            Primitive::Points,
        ),
    ];
    let (mut in_use, mut stenciled) = (None, None);
    for (paint, primitive) in kinds {
        let state = (&mut in_use, &mut stenciled);
        unsafe { draw_with(gl, programs, paint, 1.0, state, &uploaded, primitive) };
    }
    unsafe {
        gl.bind_vertex_array(None);
        uploaded.delete(gl);
    }
}

/// Sets a colour uniform (premultiplied, as egui's colours are).
unsafe fn set_color(gl: &glow::Context, location: Option<&glow::UniformLocation>, color: Color32) {
    let [r, g, b, a] = color.to_array().map(|c| f32::from(c) / 255.0);
    unsafe { gl.uniform_4_f32(location, r, g, b, a) };
}

fn log_once(message: &str) {
    static LOGGED: std::sync::Once = std::sync::Once::new();
    LOGGED.call_once(|| eprintln!("redline: map drawing on the GPU failed: {message}"));
}

// One source for the programs of every kind of [`Paint`], chosen by the
// symbol defined before it: PLAIN, STROKE, BAND or HATCH.
const VERTEX_SHADER: &str = r#"
uniform vec2 u_screen_size;
uniform vec2 u_translate;
uniform float u_scale;
uniform float u_point_size;
uniform float u_extrude;
uniform float u_band_m;
uniform float u_symbol_below;
IN vec2 a_pos;
IN vec2 a_uv;
IN vec4 a_color;
OUT vec4 v_color;
#if defined(STROKE) || defined(BAND)
OUT vec2 v_side;
#endif
#ifdef STROKE
OUT float v_reach;
#endif
void main() {
#if defined(STROKE)
    // A stroke's vertices carry the unit normal of their segment (the
    // mitre at a corner), pointing to their side of the line: widths are
    // in points, whatever the zoom.
    vec2 pt = a_pos * u_scale + u_translate + a_uv * u_extrude;
    v_side = a_uv;
    v_reach = length(a_uv);
#elif defined(BAND)
    // A band's vertices are pushed out the same way, by a width in metres.
    vec2 pt = (a_pos + a_uv * u_band_m) * u_scale + u_translate;
    v_side = a_uv;
#else
    vec2 pt = a_pos * u_scale + u_translate;
#endif
#ifdef SYMBOL
    // Only what is smaller on screen than its symbol has one: the others
    // are put far off screen, where they are clipped.
    if (a_uv.x * u_scale >= u_symbol_below) {
        pt = vec2(-1.0e6);
    }
#endif
    gl_Position = vec4(2.0 * pt.x / u_screen_size.x - 1.0, 1.0 - 2.0 * pt.y / u_screen_size.y, 0.0, 1.0);
    gl_PointSize = u_point_size;
    v_color = a_color;
}
"#;

const FRAGMENT_SHADER: &str = r#"
uniform vec4 u_hatch_color;
uniform float u_hatch_px;
uniform float u_extrude_px;
uniform vec4 u_band_color;
uniform vec4 u_ring_color;
uniform float u_point_size;
IN vec4 v_color;
#if defined(STROKE) || defined(BAND)
IN vec2 v_side;
#endif
#ifdef STROKE
IN float v_reach;
#endif
void main() {
    vec4 color = v_color;
#if defined(STROKE)
    // |v_side| / v_reach runs from 0 on the line to 1 at the stroke's
    // sides (v_reach is 1 where the line runs straight, the mitre's
    // length at a corner, which would otherwise fade the corner out):
    // the last pixel fades out (colours are premultiplied).
    float across = length(v_side) / max(v_reach, 1e-6);
    color *= clamp((1.0 - across) * u_extrude_px, 0.0, 1.0);
#elif defined(BAND)
    // A join's square keeps the disc it encloses; a segment's quad
    // stays within 1 of its line throughout.
    if (dot(v_side, v_side) > 1.0) {
        discard;
    }
    color = u_band_color;
#elif defined(SYMBOL)
    // In a box of 12 points: a disc of radius 4.5 in the point's colour
    // under a ring 1 point wide, feathered over a pixel, as egui draws a
    // circle with its stroke.
    float unit = u_point_size / 12.0;
    float from_centre = length(gl_PointCoord - vec2(0.5)) * u_point_size;
    float disc = clamp(4.5 * unit - from_centre + 0.5, 0.0, 1.0);
    float ring = clamp(0.5 * unit + 0.5 - abs(from_centre - 4.5 * unit), 0.0, 1.0);
    color = u_ring_color * ring + color * disc * (1.0 - ring);
#elif defined(HATCH)
    if (mod(gl_FragCoord.x + gl_FragCoord.y, u_hatch_px) < u_hatch_px / 8.0) {
        // Lines running down to the right on screen, 1/8 of the spacing
        // wide, over the fill (premultiplied "over").
        color = u_hatch_color + color * (1.0 - u_hatch_color.a);
    }
#endif
    FRAG_COLOR = color;
}
"#;

/// The program of the shaders specialised by `kind`, one of [`Paint::DEFINES`].
unsafe fn compile(gl: &glow::Context, kind: &str) -> Result<Program, String> {
    let version = egui_glow::ShaderVersion::get(gl);
    let new_interface = version.is_new_shader_interface();
    let header = format!(
        "{}\n{}\n#define {kind}\n",
        version.version_declaration(),
        if version.is_embedded() {
            "precision mediump float;"
        } else {
            ""
        }
    );
    let (vin, vout, fin) = if new_interface {
        ("in", "out", "in")
    } else {
        ("attribute", "varying", "varying")
    };
    let vertex = format!(
        "{header}{}",
        VERTEX_SHADER
            .replace("IN ", &format!("{vin} "))
            .replace("OUT ", &format!("{vout} "))
    );
    let fragment = format!(
        "{header}{}{}",
        if new_interface {
            "out vec4 out_color;\n"
        } else {
            ""
        },
        FRAGMENT_SHADER.replace("IN ", &format!("{fin} ")).replace(
            "FRAG_COLOR",
            if new_interface {
                "out_color"
            } else {
                "gl_FragColor"
            }
        )
    );
    unsafe {
        let program = gl.create_program()?;
        let mut shaders = Vec::new();
        for (kind, source) in [
            (glow::VERTEX_SHADER, vertex),
            (glow::FRAGMENT_SHADER, fragment),
        ] {
            let shader = gl.create_shader(kind)?;
            gl.shader_source(shader, &source);
            gl.compile_shader(shader);
            if !gl.get_shader_compile_status(shader) {
                return Err(gl.get_shader_info_log(shader));
            }
            gl.attach_shader(program, shader);
            shaders.push(shader);
        }
        gl.bind_attrib_location(program, 0, "a_pos");
        gl.bind_attrib_location(program, 1, "a_color");
        gl.bind_attrib_location(program, 2, "a_uv");
        gl.link_program(program);
        if !gl.get_program_link_status(program) {
            return Err(gl.get_program_info_log(program));
        }
        for shader in shaders {
            gl.detach_shader(program, shader);
            gl.delete_shader(shader);
        }
        let uniform = |name| gl.get_uniform_location(program, name);
        Ok(Program {
            program,
            u_screen_size: uniform("u_screen_size"),
            u_translate: uniform("u_translate"),
            u_scale: uniform("u_scale"),
            u_hatch_color: uniform("u_hatch_color"),
            u_hatch_px: uniform("u_hatch_px"),
            u_point_size: uniform("u_point_size"),
            u_extrude: uniform("u_extrude"),
            u_extrude_px: uniform("u_extrude_px"),
            u_band_m: uniform("u_band_m"),
            u_band_color: uniform("u_band_color"),
            u_symbol_below: uniform("u_symbol_below"),
            u_ring_color: uniform("u_ring_color"),
        })
    }
}

unsafe fn upload(gl: &glow::Context, mesh: &Mesh) -> Result<Uploaded, String> {
    // SAFETY: `Vertex` is `#[repr(C)]` plain data: pos, uv (f32 pairs), colour (4 bytes).
    let vertex_bytes = unsafe {
        std::slice::from_raw_parts(
            mesh.vertices.as_ptr().cast::<u8>(),
            std::mem::size_of_val(mesh.vertices.as_slice()),
        )
    };
    let index_bytes = unsafe {
        std::slice::from_raw_parts(
            mesh.indices.as_ptr().cast::<u8>(),
            std::mem::size_of_val(mesh.indices.as_slice()),
        )
    };
    unsafe {
        let vertex_array = gl.create_vertex_array()?;
        gl.bind_vertex_array(Some(vertex_array));
        let vertices = gl.create_buffer()?;
        gl.bind_buffer(glow::ARRAY_BUFFER, Some(vertices));
        gl.buffer_data_u8_slice(glow::ARRAY_BUFFER, vertex_bytes, glow::STATIC_DRAW);
        let stride = std::mem::size_of::<Vertex>() as i32;
        gl.enable_vertex_attrib_array(0);
        gl.vertex_attrib_pointer_f32(0, 2, glow::FLOAT, false, stride, 0);
        gl.enable_vertex_attrib_array(1);
        gl.vertex_attrib_pointer_f32(
            1,
            4,
            glow::UNSIGNED_BYTE,
            true,
            stride,
            std::mem::offset_of!(Vertex, color) as i32,
        );
        gl.enable_vertex_attrib_array(2);
        gl.vertex_attrib_pointer_f32(
            2,
            2,
            glow::FLOAT,
            false,
            stride,
            std::mem::offset_of!(Vertex, uv) as i32,
        );
        let indices = gl.create_buffer()?;
        gl.bind_buffer(glow::ELEMENT_ARRAY_BUFFER, Some(indices));
        gl.buffer_data_u8_slice(glow::ELEMENT_ARRAY_BUFFER, index_bytes, glow::STATIC_DRAW);
        gl.bind_vertex_array(None);
        gl.bind_buffer(glow::ARRAY_BUFFER, None);
        Ok(Uploaded {
            vertex_array,
            buffers: [vertices, indices],
            count: mesh.indices.len() as i32,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::{pos2, Pos2};

    fn uvs(mesh: &Mesh) -> Vec<Pos2> {
        mesh.vertices.iter().map(|v| v.uv).collect()
    }

    #[test]
    fn a_stroke_shares_its_corners_and_mitres_them() {
        // An L: east 10, then south (y down) 10, with a repeated point.
        let line = [
            pos2(0.0, 0.0),
            pos2(10.0, 0.0),
            pos2(10.0, 0.0),
            pos2(10.0, 10.0),
        ];
        let mesh = stroke_mesh([&line[..]], Color32::RED);
        // Two vertices a (distinct) point, two triangles a segment.
        assert_eq!(mesh.vertices.len(), 6);
        assert_eq!(mesh.indices.len(), 12);
        let uv = uvs(&mesh);
        // The ends widen across their segment; the corner along its
        // bisector, √2 out, so that both sides stay a half-width away.
        assert_eq!(uv[0], pos2(0.0, 1.0));
        assert_eq!(uv[4], pos2(-1.0, 0.0));
        let corner = uv[2];
        assert!((corner - pos2(-1.0, 1.0)).length() < 1e-5, "{corner:?}");
        assert_eq!(uv[3], pos2(-corner.x, -corner.y));
    }

    #[test]
    fn a_hairpin_is_cut_at_the_mitre_limit_and_a_point_is_no_stroke() {
        let hairpin = [pos2(0.0, 0.0), pos2(10.0, 0.0), pos2(0.0, 0.01)];
        let mesh = stroke_mesh([&hairpin[..]], Color32::RED);
        assert!(uvs(&mesh)
            .iter()
            .all(|uv| uv.to_vec2().length() <= MITER_LIMIT + 1e-4 && uv.x.is_finite()));
        let dot = [pos2(3.0, 3.0), pos2(3.0, 3.0)];
        assert!(stroke_mesh([&dot[..]], Color32::RED).is_empty());
    }

    #[test]
    fn band_segments_stay_quads_with_unit_normals() {
        let line = [pos2(0.0, 0.0), pos2(10.0, 0.0), pos2(10.0, 10.0)];
        let mesh = band_mesh([&line[..]], Color32::RED);
        // A quad a segment and a square a point.
        assert_eq!(mesh.vertices.len(), 2 * 4 + 3 * 4);
        for uv in &uvs(&mesh)[..8] {
            assert!((uv.to_vec2().length() - 1.0).abs() < 1e-6);
        }
    }
}
