//! The plan's layers as images where the map is zoomed out. Fitted in a
//! window, a city's red line and rivers are some 100 000 vertices even
//! simplified, and a software GL (llvmpipe) spends 10–15 ms of every frame
//! setting them up, panning or not: most of a frame. Drawn once into tiles
//! on the CPU — anti-aliased fills, hatching, outlines and setback bands,
//! with tiny-skia, on a thread of lower priority — the same view is a few
//! textured quads.
//!
//! Tiles come in bands a factor 2^¼ apart in scale, and a view draws the
//! band nearest its scale: a texel is 0.92–1.09 pixel, so strokes drawn in
//! texels keep their width in points within 9 %, and the images are as
//! sharp as the meshes. (With bands √2 apart, texels of 0.71 pixel drawn
//! smoothly made thin outlines and hatching visibly fainter.)
//! Finer than about [`FROM_M_PER_PX`] the GPU meshes draw the layers: few
//! vertices are in view there, and the tiles would be many. Until a view's
//! band has its tiles, the nearest band that has them all stands in; until
//! one does, the GPU meshes draw.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use eframe::egui::{
    self, emath::TSTransform, Color32, ColorImage, Pos2, Rect, TextureHandle, TextureOptions,
};
use rustc_hash::FxHashMap as HashMap;
use tiny_skia::{FillRule, IntSize, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke};

use super::gpu::{HATCH_PX, MITER_LIMIT};
use super::map::{fill_color, solid_color};
use super::plan_data::{LayerGraphic, PathKind, PlanData};

/// Metres a pixel of the finest band's texels. Finer, a view is a dozen
/// kilometres across and its meshes few vertices (at 25–30 m a pixel the
/// city's were 80 000–90 000, 13–20 ms of llvmpipe a frame).
pub const FROM_M_PER_PX: f64 = 16.0;
/// Bands a factor of 2 apart in scale.
const BANDS_PER_OCTAVE: usize = 4;
/// Bands of texels of [`FROM_M_PER_PX`] × 2^(k/4) metres, k < `BANDS`: 16 m
/// to 2 km, beyond a municipality fitted in a window.
const BANDS: usize = 7 * BANDS_PER_OCTAVE + 1;
/// Texels along a tile's side, inside its border.
const TILE: usize = 256;
/// Texels around a tile drawn as its neighbours draw them, so that tiles
/// filtered smoothly meet without a seam.
const BORDER: usize = 1;
/// A path's points are kept at least this far apart, in texels: what lies
/// closer changes no pixel, and a city's red line has millions of them.
const MIN_STEP_TEXELS: f32 = 0.25;
/// Tiles made into textures in one frame (260 KB each to upload).
const UPLOADS_PER_FRAME: usize = 4;
/// Tiles kept; the least recently drawn go first. 320 tiles are about
/// 85 MB of textures: the views of a zoom across a dozen bands.
const MAX_TILES: usize = 320;
/// A band needing more tiles than this for a view is not drawn there.
const MAX_TILES_IN_VIEW: usize = 256;

/// A tile's column and row on its band's grid, from the local origin.
type TileKey = (i32, i32);
/// A band and a tile of it.
type TileId = (usize, TileKey);

/// The side of a texel of band `band`, in metres.
fn cell_m(band: usize) -> f32 {
    (FROM_M_PER_PX * 2f64.powf(band as f64 / BANDS_PER_OCTAVE as f64)) as f32
}

/// The band drawn at `m_per_px` (metres a pixel): the nearest in scale, if
/// the scale is coarse enough for images.
fn band_at(m_per_px: f64) -> Option<usize> {
    let octaves = (m_per_px / FROM_M_PER_PX).log2();
    let band = (octaves * BANDS_PER_OCTAVE as f64).round();
    (band >= 0.0).then(|| (band as usize).min(BANDS - 1))
}

/// A tile's square in local coordinates, without its border.
fn tile_rect(band: usize, (tx, ty): TileKey) -> Rect {
    let side = cell_m(band) * TILE as f32;
    Rect::from_min_size(
        Pos2::new(tx as f32 * side, ty as f32 * side),
        egui::vec2(side, side),
    )
}

/// The tiles of `band` over `area` (local coordinates), row by row.
fn keys_over(band: usize, area: Rect) -> impl Iterator<Item = TileKey> {
    let side = cell_m(band) * TILE as f32;
    let range = |lo: f32, hi: f32| (lo / side).floor() as i32..=(hi / side).floor() as i32;
    let (columns, rows) = (range(area.min.x, area.max.x), range(area.min.y, area.max.y));
    rows.flat_map(move |ty| columns.clone().map(move |tx| (tx, ty)))
}

/// How many tiles of `band` lie over `area`.
fn count_over(band: usize, area: Rect) -> usize {
    let side = cell_m(band) * TILE as f32;
    let span = |lo: f32, hi: f32| ((hi / side).floor() - (lo / side).floor() + 1.0).max(0.0);
    (span(area.min.x, area.max.x) * span(area.min.y, area.max.y)) as usize
}

/// One path of a layer at a band's detail.
struct Piece {
    bounds: Rect,
    kind: PathKind,
    points: Vec<Pos2>,
}

/// A layer's paths at the detail of texels of `cell_m`: points at least
/// [`MIN_STEP_TEXELS`] apart, exteriors wound one way and holes the other,
/// so that all of a layer's rings fill at once (non-zero) with holes empty
/// and overlapping zones filled once.
fn decimate(layer: &LayerGraphic, cell_m: f32) -> Vec<Piece> {
    let min_step = cell_m * MIN_STEP_TEXELS;
    let finite = |p: &&Pos2| p.x.is_finite() && p.y.is_finite();
    layer
        .graphic
        .outlines
        .iter()
        .zip(&layer.path_kinds)
        .filter_map(|(path, &kind)| {
            let mut points: Vec<Pos2> = Vec::new();
            for &at in path.points.iter().filter(finite) {
                if points
                    .last()
                    .is_none_or(|last| (at - *last).length() >= min_step)
                {
                    points.push(at);
                }
            }
            // The line ends (the ring closes) where it does.
            if let Some(&end) = path.points.iter().rev().find(finite) {
                if points.len() > 1 && (end - points[points.len() - 1]).length() < min_step {
                    points.pop();
                }
                if points.last() != Some(&end) {
                    points.push(end);
                }
            }
            // A zone smaller than the step still shows, as the dot its
            // outline makes, as on the GPU.
            if kind != PathKind::Line && points.len() < 4 {
                points = path.points.iter().filter(finite).copied().collect();
            }
            if points.len() < 2 {
                return None;
            }
            let twice_area: f32 = points
                .windows(2)
                .map(|s| s[0].x * s[1].y - s[1].x * s[0].y)
                .sum();
            let wound_for_its_kind = match kind {
                PathKind::Exterior => twice_area >= 0.0,
                PathKind::Hole => twice_area <= 0.0,
                PathKind::Line => true,
            };
            if !wound_for_its_kind {
                points.reverse();
            }
            Some(Piece {
                bounds: Rect::from_points(&points),
                kind,
                points,
            })
        })
        .collect()
}

/// tiny-skia's paint of an egui (premultiplied) colour.
fn paint_of(color: Color32) -> Paint<'static> {
    let [r, g, b, a] = color.to_srgba_unmultiplied();
    let mut paint = Paint::default();
    paint.set_color_rgba8(r, g, b, a);
    paint
}

/// The hatching of a fill, one period of it: lines running down to the
/// right, as the GPU's hatching (`gpu.rs`, whose pixel rows count up), over
/// the fill's colour.
fn hatch_pattern(period: usize, fill: Color32, hatch: Color32) -> Option<Pixmap> {
    // Premultiplied "over".
    let under = 255 - u16::from(hatch.a());
    let (h, f) = (hatch.to_array(), fill.to_array());
    let over: [u8; 4] =
        std::array::from_fn(|i| (u16::from(h[i]) + (u16::from(f[i]) * under + 127) / 255) as u8);
    let stripe = period as f32 / 8.0;
    let data = (0..period * period)
        .flat_map(|at| {
            let (x, y) = (at % period, at / period);
            let on_stripe = ((x + period - y) % period) as f32 <= stripe;
            if on_stripe {
                over
            } else {
                fill.to_array()
            }
        })
        .collect();
    Pixmap::from_vec(data, IntSize::from_wh(period as u32, period as u32)?)
}

/// Draws `layers` (in drawing order, each with its paths at this band's
/// detail) into the tile `key` of texels of `cell_m`, as the GPU draws them
/// at a texel a pixel: setback bands, the fill (hatched or not), the
/// outlines. `None` if nothing of them reaches the tile.
fn render_tile(
    layers: &[(&LayerGraphic, &[Piece])],
    cell_m: f32,
    key: TileKey,
    pixels_per_point: f32,
) -> Option<ColorImage> {
    let side = TILE + 2 * BORDER;
    let cell = f64::from(cell_m);
    // The tile's first texel, on the band's grid of texels.
    let origin = [key.0, key.1].map(|k| i64::from(k) * TILE as i64 - BORDER as i64);
    let texel = |p: Pos2| {
        (
            (f64::from(p.x) / cell - origin[0] as f64) as f32,
            (f64::from(p.y) / cell - origin[1] as f64) as f32,
        )
    };
    let square = Rect::from_min_size(
        Pos2::new(origin[0] as f32 * cell_m, origin[1] as f32 * cell_m),
        egui::vec2(side as f32 * cell_m, side as f32 * cell_m),
    );
    let texels_per_pt = pixels_per_point;
    let m_per_pt = f64::from(cell_m * texels_per_pt);
    let mut pixmap = Pixmap::new(side as u32, side as u32)?;
    let mut drawn = false;
    for &(layer, pieces) in layers {
        let outline_texels = layer.outline_width_pt() * texels_per_pt;
        let bands: Vec<(f64, Color32)> = layer
            .setback_bands
            .iter()
            .filter(|(distance_m, _)| layer.band_shows(*distance_m, m_per_pt))
            .copied()
            .collect();
        let reach_m = bands.iter().map(|b| b.0).fold(0.0, f64::max) as f32
            + outline_texels * cell_m * MITER_LIMIT;
        let area = square.expand(reach_m);
        let near: Vec<&Piece> = pieces
            .iter()
            .filter(|p| p.bounds.intersects(area))
            .collect();
        if near.is_empty() {
            continue;
        }
        drawn = true;
        let path_of = |rings_only: bool| {
            let mut builder = PathBuilder::new();
            for piece in &near {
                if rings_only && piece.kind == PathKind::Line {
                    continue;
                }
                let (x, y) = texel(piece.points[0]);
                builder.move_to(x, y);
                for &at in &piece.points[1..] {
                    let (x, y) = texel(at);
                    builder.line_to(x, y);
                }
                if piece.kind != PathKind::Line {
                    builder.close();
                }
            }
            builder.finish()
        };
        let Some(outlines) = path_of(false) else {
            continue;
        };
        let identity = tiny_skia::Transform::identity();
        // A band's strokes overlap (segments, joins, crossing rivers): as
        // one path, each pixel takes its colour once, as on the GPU.
        for &(distance_m, color) in &bands {
            let stroke = Stroke {
                width: (2.0 * distance_m / cell) as f32,
                line_cap: LineCap::Round,
                line_join: LineJoin::Round,
                ..Stroke::default()
            };
            pixmap.stroke_path(&outlines, &paint_of(color), &stroke, identity, None);
        }
        if let Some(rings) = path_of(true) {
            let fill = fill_color(layer.style.rgb, layer.style.fill_alpha);
            let period = (HATCH_PX * texels_per_pt).round().max(2.0) as usize;
            let pattern = layer
                .style
                .hatch
                .then(|| hatch_pattern(period, fill, layer.hatch_color()))
                .flatten();
            let paint = match &pattern {
                Some(pattern) => {
                    // The stripes run on across tiles: in phase with the band's texels.
                    let phase = (origin[0] - origin[1]).rem_euclid(period as i64) as f32;
                    Paint {
                        shader: tiny_skia::Pattern::new(
                            pattern.as_ref(),
                            tiny_skia::SpreadMode::Repeat,
                            tiny_skia::FilterQuality::Nearest,
                            1.0,
                            tiny_skia::Transform::from_translate(-phase, 0.0),
                        ),
                        ..Paint::default()
                    }
                }
                None => paint_of(fill),
            };
            pixmap.fill_path(&rings, &paint, FillRule::Winding, identity, None);
        }
        let stroke = Stroke {
            width: outline_texels,
            miter_limit: MITER_LIMIT,
            line_join: LineJoin::Miter,
            ..Stroke::default()
        };
        let outline = paint_of(solid_color(layer.style.rgb));
        pixmap.stroke_path(&outlines, &outline, &stroke, identity, None);
    }
    drawn.then(|| ColorImage::from_rgba_premultiplied([side, side], pixmap.data()))
}

/// A tile as the UI holds it.
enum TileState {
    /// Nothing of the layers reaches it.
    Empty,
    /// Made, not yet a texture.
    Image(ColorImage),
    Texture(TextureHandle),
}

struct Tile {
    state: TileState,
    /// The frame it was last drawn in.
    drawn_at: u64,
}

/// What the UI and the tile thread share.
#[derive(Default)]
struct Queue {
    /// Tiles to make, the most wanted first; replaced every frame.
    wanted: VecDeque<TileId>,
    /// The tile being made.
    making: Option<TileId>,
    /// Tiles made since the UI last looked.
    made: Vec<(TileId, Option<ColorImage>)>,
    /// The raster is gone: the thread ends.
    closed: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
}

impl Shared {
    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What the images show: change any of it and they are made anew.
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    /// The plan, by the address of its data.
    plan: usize,
    /// The layers drawn, in drawing order.
    layers: Vec<usize>,
    pixels_per_point: f32,
}

impl Look {
    pub fn new(plan: &Arc<PlanData>, layers: Vec<usize>, pixels_per_point: f32) -> Look {
        Look {
            plan: Arc::as_ptr(plan) as usize,
            layers,
            pixels_per_point,
        }
    }
}

/// The plan's layers as images, band by band, made on a thread of their own.
pub struct PlanRaster {
    look: Look,
    /// Tiles made, per band.
    bands: Vec<HashMap<TileKey, Tile>>,
    /// Where the layers draw anything, bands and strokes included (local).
    extent: Rect,
    shared: Arc<Shared>,
    frame: u64,
    /// The last frame drew what its scale asks for: the meshes, or the
    /// images of its own band, not a stand-in.
    settled: bool,
}

impl PlanRaster {
    /// Starts making the images of `look`'s layers of `plan`; `ctx` is
    /// asked to repaint as tiles are made.
    pub fn new(ctx: &egui::Context, plan: Arc<PlanData>, look: Look) -> PlanRaster {
        let layers: Vec<usize> = look
            .layers
            .iter()
            .copied()
            .filter(|&i| i < plan.layers.len())
            .collect();
        let extent = layers
            .iter()
            .map(|&i| {
                let layer = &plan.layers[i];
                let reach = layer.setback_bands.iter().map(|b| b.0).fold(0.0, f64::max);
                layer.bounds.expand(reach as f32)
            })
            .fold(Rect::NOTHING, |a, b| a.union(b));
        let shared = Arc::new(Shared::default());
        let worker = Arc::clone(&shared);
        let (ctx, pixels_per_point) = (ctx.clone(), look.pixels_per_point);
        let started = std::thread::Builder::new()
            .name("redline-tiles".to_string())
            .spawn(move || {
                super::jobs::lower_this_threads_priority();
                make_tiles(&worker, &plan, &layers, pixels_per_point, &ctx);
            });
        if let Err(e) = started {
            // The GPU meshes draw every scale instead.
            eprintln!("redline: the map's image tiles cannot be made: {e}");
            shared.queue().closed = true;
        }
        PlanRaster {
            look,
            bands: (0..BANDS).map(|_| HashMap::default()).collect(),
            extent,
            shared,
            frame: 0,
            settled: false,
        }
    }

    pub fn look(&self) -> &Look {
        &self.look
    }

    /// Whether the last frame drew the layers as its scale asks: what a
    /// screenshot waits for.
    pub fn settled(&self) -> bool {
        self.settled
    }

    /// Draws the layers in `visible` (local coordinates) at `m_per_pt` as
    /// images, if the scale is coarse enough and some band has every tile
    /// of the view; else draws nothing and returns false: the GPU meshes
    /// draw them. Asks for the tiles the view (and a zoom from it) needs.
    pub fn paint(
        &mut self,
        painter: &egui::Painter,
        screen_from_local: TSTransform,
        visible: Rect,
        m_per_pt: f64,
    ) -> bool {
        self.settled = false;
        let want = band_at(m_per_pt / f64::from(self.look.pixels_per_point));
        // Without a tile thread (it could not start) the meshes draw.
        let Some(want) = want.filter(|_| !self.shared.queue().closed) else {
            self.ask_for(Vec::new());
            self.settled = true;
            return false;
        };
        self.frame += 1;
        self.take_made();
        let view = visible.intersect(self.extent);
        if !(view.is_positive() && view.is_finite()) {
            // None of the layers is in view.
            self.settled = true;
            return true;
        }
        // The nearest bands first, the coarser before the finer.
        let order: Vec<usize> = (0..BANDS)
            .flat_map(|d| [want.checked_add(d), want.checked_sub(d)])
            .flatten()
            .filter(|&b| b < BANDS)
            .fold(Vec::new(), |mut order, b| {
                if !order.contains(&b) {
                    order.push(b);
                }
                order
            });
        self.ask_for(self.wanted(want, view));
        let ctx = painter.ctx().clone();
        let mut uploads = 0;
        let Some(band) = order.into_iter().find(|&band| {
            if count_over(band, view) > MAX_TILES_IN_VIEW {
                return false;
            }
            let tiles = &mut self.bands[band];
            let mut complete = true;
            for key in keys_over(band, view) {
                let Some(tile) = tiles.get_mut(&key) else {
                    complete = false;
                    continue;
                };
                if let TileState::Image(image) = &tile.state {
                    if uploads == UPLOADS_PER_FRAME {
                        // The tile thread asks for a frame when it makes a
                        // tile, not when one is left to upload.
                        ctx.request_repaint();
                        complete = false;
                        continue;
                    }
                    uploads += 1;
                    let name = format!("plan-{band}-{}-{}", key.0, key.1);
                    let texture = ctx.load_texture(name, image.clone(), TextureOptions::LINEAR);
                    tile.state = TileState::Texture(texture);
                }
            }
            complete
        }) else {
            return false;
        };
        let inset = BORDER as f32 / (TILE + 2 * BORDER) as f32;
        let uv = Rect::from_min_max(Pos2::new(inset, inset), Pos2::new(1.0 - inset, 1.0 - inset));
        for key in keys_over(band, view) {
            let Some(tile) = self.bands[band].get_mut(&key) else {
                continue;
            };
            tile.drawn_at = self.frame;
            if let TileState::Texture(texture) = &tile.state {
                let rect = screen_from_local.mul_rect(tile_rect(band, key));
                painter.image(texture.id(), rect, uv, Color32::WHITE);
            }
        }
        self.let_go_of_unseen_tiles();
        self.settled = band == want;
        true
    }

    /// The tiles to make for a view of band `want`, the most wanted first:
    /// the view's, nearest its centre first, then those of the bands a
    /// zoom out and in would draw, then the whole extent at the coarsest
    /// band, which stands in for any view once made.
    fn wanted(&self, want: usize, view: Rect) -> Vec<TileId> {
        let centre = view.center();
        let mut wanted = Vec::new();
        let around = [Some(want), want.checked_add(1), want.checked_sub(1)];
        let areas = around
            .into_iter()
            .flatten()
            .filter(|&b| b < BANDS)
            .map(|b| (b, view))
            .chain([(BANDS - 1, self.extent)]);
        for (band, area) in areas {
            if count_over(band, area) > MAX_TILES_IN_VIEW {
                continue;
            }
            let mut missing: Vec<TileKey> = keys_over(band, area)
                .filter(|key| !self.bands[band].contains_key(key))
                .collect();
            missing.sort_by(|a, b| {
                let distance = |k: &TileKey| (tile_rect(band, *k).center() - centre).length();
                distance(a).total_cmp(&distance(b))
            });
            wanted.extend(missing.into_iter().map(|key| (band, key)));
        }
        wanted
    }

    /// Tells the tile thread what to make next.
    fn ask_for(&self, wanted: Vec<TileId>) {
        let mut queue = self.shared.queue();
        let making = queue.making;
        queue.wanted = wanted
            .into_iter()
            .filter(|id| Some(*id) != making)
            .collect();
        if !queue.wanted.is_empty() {
            self.shared.wake.notify_one();
        }
    }

    /// Takes in the tiles made since the last frame.
    fn take_made(&mut self) {
        let made = std::mem::take(&mut self.shared.queue().made);
        for ((band, key), image) in made {
            let state = image.map_or(TileState::Empty, TileState::Image);
            self.bands[band].insert(
                key,
                Tile {
                    state,
                    drawn_at: self.frame,
                },
            );
        }
    }

    /// Lets go of the tiles drawn longest ago beyond [`MAX_TILES`], but for
    /// the coarsest band's: they stand in for any view while its own band's
    /// tiles are made, and were let go of in a long flight, leaving a zoom
    /// out with no stand-in.
    fn let_go_of_unseen_tiles(&mut self) {
        let held: usize = self.bands.iter().map(HashMap::len).sum();
        if held <= MAX_TILES {
            return;
        }
        let mut by_age: Vec<(u64, usize, TileKey)> = self.bands[..BANDS - 1]
            .iter()
            .enumerate()
            .flat_map(|(b, tiles)| tiles.iter().map(move |(k, t)| (t.drawn_at, b, *k)))
            .collect();
        by_age.sort_unstable();
        for (_, band, key) in by_age.into_iter().take(held.saturating_sub(MAX_TILES)) {
            self.bands[band].remove(&key);
        }
    }

    /// Tiles held, with a texture or an image waiting to become one.
    #[cfg(test)]
    fn tiles_held(&self) -> usize {
        self.bands
            .iter()
            .flat_map(|b| b.values())
            .filter(|t| !matches!(t.state, TileState::Empty))
            .count()
    }
}

impl Drop for PlanRaster {
    fn drop(&mut self) {
        self.shared.queue().closed = true;
        self.shared.wake.notify_all();
    }
}

/// Bands whose decimated paths the tile thread keeps: those of a zoom's
/// last few bands (the finest are tens of megabytes for a city).
const DECIMATED_BANDS_KEPT: usize = 4;

/// The tile thread: makes the most wanted tile, again and again, until the
/// raster is dropped. A band's paths are decimated when a tile of it is
/// made, and kept while it is among the last bands made.
fn make_tiles(
    shared: &Shared,
    plan: &PlanData,
    layers: &[usize],
    pixels_per_point: f32,
    ctx: &egui::Context,
) {
    // Bands' decimated paths, the most recently used last.
    let mut decimated: Vec<(usize, Vec<Vec<Piece>>)> = Vec::new();
    loop {
        let id = {
            let mut queue = shared.queue();
            loop {
                if queue.closed {
                    return;
                }
                if let Some(id) = queue.wanted.pop_front() {
                    queue.making = Some(id);
                    break id;
                }
                queue = shared
                    .wake
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        let (band, key) = id;
        let cell = cell_m(band);
        let kept = match decimated.iter().position(|(b, _)| *b == band) {
            Some(at) => decimated.remove(at),
            None => {
                if decimated.len() == DECIMATED_BANDS_KEPT {
                    decimated.remove(0);
                }
                let paths = layers.iter().map(|&i| decimate(&plan.layers[i], cell));
                (band, paths.collect())
            }
        };
        decimated.push(kept);
        let pieces = &decimated[decimated.len() - 1].1;
        let drawn: Vec<(&LayerGraphic, &[Piece])> = layers
            .iter()
            .zip(pieces.iter())
            .map(|(&i, p)| (&plan.layers[i], p.as_slice()))
            .collect();
        let image = render_tile(&drawn, cell, key, pixels_per_point);
        {
            let mut queue = shared.queue();
            queue.made.push((id, image));
            queue.making = None;
        }
        ctx.request_repaint();
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use geo::{Coord, LineString, MultiLineString, MultiPolygon, Polygon};

    use super::*;
    use crate::app::map::LocalFrame;
    use crate::app::plan_data::layer_graphic;
    use crate::catalog::Rule;
    use crate::crs::Crs;
    use crate::geometry::Shape;
    use crate::io::{Feature, Layer};
    use crate::style::LayerStyle;

    /// Texels of the fifth band, in metres.
    const CELL: f32 = 32.0;

    /// The local frame with its origin at the working origin: local (x, -y).
    fn frame() -> LocalFrame {
        LocalFrame {
            origin: Coord { x: 0.0, y: 0.0 },
        }
    }

    /// A ring through texel centres of the first band: corners at the
    /// centres of texels (x0, y0) and (x1, y1), counter-clockwise on screen
    /// whatever it is for: the raster winds holes itself.
    fn ring(x0: f64, y0: f64, x1: f64, y1: f64) -> LineString {
        let at = |x: f64, y: f64| Coord {
            x: (x + 0.5) * f64::from(CELL),
            y: -(y + 0.5) * f64::from(CELL),
        };
        LineString(vec![
            at(x0, y0),
            at(x1, y0),
            at(x1, y1),
            at(x0, y1),
            at(x0, y0),
        ])
    }

    fn layer(shape: Shape) -> Layer {
        Layer {
            path: "zones.geojson".into(),
            source_crs: Crs::from_epsg(4544).unwrap(),
            features: vec![Feature {
                index: 0,
                id: "1".into(),
                name: String::new(),
                attributes: Vec::new(),
                shape,
                notes: Vec::new(),
            }],
            problems: Vec::new(),
        }
    }

    fn graphic(rule: Rule, shape: Shape) -> LayerGraphic {
        let style = LayerStyle {
            rgb: match rule {
                Rule::Prohibit => [0xd7, 0x19, 0x1c],
                _ => [0x1e, 0x88, 0xe5],
            },
            fill_alpha: 90,
            hatch: rule == Rule::Prohibit,
        };
        layer_graphic(&frame(), style, rule, &layer(shape))
    }

    /// The colour of texel (x, y) of the band's grid in a tile's image.
    fn texel(image: &ColorImage, key: TileKey, x: i64, y: i64) -> [u8; 4] {
        let column = x - i64::from(key.0) * TILE as i64 + BORDER as i64;
        let row = y - i64::from(key.1) * TILE as i64 + BORDER as i64;
        image[(column as usize, row as usize)].to_array()
    }

    fn assert_near(found: [u8; 4], expected: Color32, what: &str) {
        let expected = expected.to_array();
        let close = found.iter().zip(expected).all(|(f, e)| f.abs_diff(e) <= 2);
        assert!(close, "{what}: {found:?}, expected {expected:?}");
    }

    #[test]
    fn a_tile_draws_hatched_fills_holes_outlines_and_setback_bands_as_the_gpu_does() {
        // A no-build zone over two tiles, with a hole wound as its
        // exterior is, and a river below it with 30 m and 100 m bands.
        let zone = Polygon::new(
            ring(10.0, 10.0, 300.0, 100.0),
            vec![ring(40.0, 40.0, 60.0, 60.0)],
        );
        let zone = graphic(Rule::Prohibit, Shape::Area(MultiPolygon(vec![zone])));
        let y = -150.5 * f64::from(CELL);
        let river = MultiLineString(vec![LineString(vec![
            Coord { x: 0.0, y },
            Coord {
                x: 200.0 * f64::from(CELL),
                y,
            },
        ])]);
        let setback = Rule::Setback {
            conflict_m: 30.0,
            review_m: 100.0,
        };
        let river = graphic(setback, Shape::Lines(river));
        let (zone_paths, river_paths) = (decimate(&zone, CELL), decimate(&river, CELL));
        let layers = [(&zone, &zone_paths[..]), (&river, &river_paths[..])];
        let left = render_tile(&layers, CELL, (0, 0), 1.0).expect("the zone reaches the tile");
        let right = render_tile(&layers, CELL, (1, 0), 1.0).expect("the zone reaches the tile");

        let red = solid_color(zone.style.rgb);
        let fill = fill_color(zone.style.rgb, zone.style.fill_alpha);
        let period = HATCH_PX.round() as i64;
        let stripe = hatch_pattern(period as usize, fill, zone.hatch_color()).unwrap();
        let on_stripe = Color32::from_rgba_premultiplied(
            stripe.data()[0],
            stripe.data()[1],
            stripe.data()[2],
            stripe.data()[3],
        );
        // Inside: the fill, or the stripes over it, in phase across the tiles.
        for x in 250..262i64 {
            let image = if x < 256 { &left } else { &right };
            let key = (if x < 256 { 0 } else { 1 }, 0);
            for y in [30, 31] {
                let expected = if (x - y).rem_euclid(period) <= period / 8 {
                    on_stripe
                } else {
                    fill
                };
                assert_near(
                    texel(image, key, x, y),
                    expected,
                    &format!("texel ({x}, {y})"),
                );
            }
        }
        assert_near(
            texel(&left, (0, 0), 50, 50),
            Color32::TRANSPARENT,
            "in the hole",
        );
        assert_near(texel(&left, (0, 0), 10, 50), red, "on the outline");
        assert_near(texel(&left, (0, 0), 5, 50), Color32::TRANSPARENT, "outside");

        let blue = solid_color(river.style.rgb);
        let (review, conflict) = (river.setback_bands[0], river.setback_bands[1]);
        assert_eq!((review.0, conflict.0), (100.0, 30.0));
        assert_near(texel(&left, (0, 0), 50, 150), blue, "on the river");
        // 100 m is 3.1 texels; the 30 m band would hide under the river's stroke.
        assert_near(
            texel(&left, (0, 0), 50, 148),
            review.1,
            "2 texels off the river",
        );
        assert_near(
            texel(&left, (0, 0), 50, 152),
            review.1,
            "2 texels below the river",
        );
        assert_near(
            texel(&left, (0, 0), 50, 146),
            Color32::TRANSPARENT,
            "4 texels off",
        );
        // Nothing reaches a tile further down.
        assert!(render_tile(&layers, CELL, (0, 2), 1.0).is_none());
    }

    #[test]
    fn each_scale_from_about_15_m_a_pixel_draws_the_band_nearest_it() {
        assert_eq!(band_at(14.5), None);
        assert_eq!(band_at(15.0), Some(0));
        assert_eq!(band_at(540.0), Some(20));
        assert_eq!(band_at(1e9), Some(BANDS - 1));
        assert_eq!(cell_m(BANDS - 1), 2048.0);
        for band in 0..BANDS {
            let cell = f64::from(cell_m(band));
            assert_eq!(band_at(cell), Some(band), "at {cell} m a pixel");
            // A texel is 0.92–1.09 pixel.
            assert_eq!(band_at(cell * 2f64.powf(0.12)), Some(band));
            assert_eq!(band_at(cell * 2f64.powf(-0.12)), Some(band));
            if band + 1 < BANDS {
                assert_eq!(band_at(cell * 2f64.powf(0.13)), Some(band + 1));
            }
        }
    }

    fn sample_plan() -> Arc<PlanData> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        Arc::new(PlanData::load(&root.join("layers/catalog.toml")).unwrap())
    }

    /// Draws a frame of the raster: whether it drew, and the textures it drew.
    fn frame_of(
        ctx: &egui::Context,
        raster: &mut PlanRaster,
        view: Rect,
        m_per_pt: f64,
    ) -> (bool, usize) {
        let mut drew = false;
        let mut output = ctx.run_pass(egui::RawInput::default(), |ctx| {
            let painter = ctx.layer_painter(egui::LayerId::background());
            let transform = TSTransform::from_scaling((1.0 / m_per_pt) as f32);
            drew = raster.paint(&painter, transform, view, m_per_pt);
        });
        let uploads = output.textures_delta.set.iter();
        let tiles = uploads
            .filter(|(id, _)| *id != &egui::TextureId::default())
            .count();
        assert!(tiles <= UPLOADS_PER_FRAME);
        output.textures_delta.clear();
        let images = output
            .shapes
            .iter()
            .filter(|s| matches!(&s.shape, egui::Shape::Mesh(m) if m.texture_id != egui::TextureId::default()))
            .count();
        (drew, images)
    }

    /// The sample plan, a context, and a raster of all the plan's layers.
    fn sample_raster() -> (Arc<PlanData>, egui::Context, PlanRaster) {
        let plan = sample_plan();
        let layers: Vec<usize> = (0..plan.layers.len()).collect();
        let ctx = egui::Context::default();
        let raster = PlanRaster::new(&ctx, plan.clone(), Look::new(&plan, layers, 1.0));
        (plan, ctx, raster)
    }

    /// Waits until `done`, at most 20 s from `started`.
    fn wait_until(started: Instant, mut done: impl FnMut() -> bool) {
        while !done() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "tiles never came"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_zoomed_out_plan_is_drawn_from_a_few_images_made_off_the_ui_thread() {
        let (plan, ctx, mut raster) = sample_raster();
        let view = plan
            .layers
            .iter()
            .fold(Rect::NOTHING, |r, l| r.union(l.bounds));
        let started = Instant::now();
        let mut drawn = (false, 0);
        wait_until(started, || {
            drawn = frame_of(&ctx, &mut raster, view, 100.0);
            raster.settled()
        });
        let (drew, images) = drawn;
        assert!(drew);
        // The sample plan is a few km across: a tile or a few of the 108 m band.
        assert!((1..=4).contains(&images), "{images} images");
        assert!(raster.tiles_held() >= images);
        // Once the tiles asked for are made, a view three bands out is
        // drawn at once from the band that covers the whole plan.
        wait_until(started, || {
            let queue = raster.shared.queue();
            queue.wanted.is_empty() && queue.making.is_none()
        });
        let (drew, images) = frame_of(&ctx, &mut raster, view, 300.0);
        assert!(drew && images >= 1);
        assert!(!raster.settled(), "a stand-in, until its own band is made");
        // At street scale the meshes draw.
        assert_eq!(frame_of(&ctx, &mut raster, view, 10.0), (false, 0));
        assert!(raster.settled());
    }

    #[test]
    fn without_its_tile_thread_a_raster_leaves_every_scale_to_the_meshes() {
        let (plan, ctx, mut raster) = sample_raster();
        // As when the thread could not start.
        raster.shared.queue().closed = true;
        let view = plan.layers[0].bounds;
        assert_eq!(frame_of(&ctx, &mut raster, view, 100.0), (false, 0));
        // A screenshot waits for nothing.
        assert!(raster.settled());
    }

    #[test]
    fn tiles_over_the_budget_go_the_least_recently_drawn_first_but_never_the_coarsest() {
        let (_, _, mut raster) = sample_raster();
        let tile = |drawn_at| Tile {
            state: TileState::Empty,
            drawn_at,
        };
        // The coarsest band's tile is the oldest of all.
        raster.bands[BANDS - 1].insert((0, 0), tile(0));
        for i in 0..MAX_TILES + 10 {
            raster.bands[i % 3].insert((i as i32, 0), tile(1 + i as u64));
        }
        raster.let_go_of_unseen_tiles();
        let held: usize = raster.bands.iter().map(HashMap::len).sum();
        assert_eq!(held, MAX_TILES);
        assert!(raster.bands[BANDS - 1].contains_key(&(0, 0)));
        // The eleven drawn longest ago went.
        for i in 0..11 {
            assert!(
                !raster.bands[i % 3].contains_key(&(i as i32, 0)),
                "tile {i}"
            );
        }
        assert!(raster.bands[11 % 3].contains_key(&(11, 0)));
    }
}
