//! Parcels as images, tiled per zoom band. Where parcels are a few pixels on
//! screen, a city's parcels are hundreds of thousands of tiny triangles, and
//! a software GL (or a weak GPU) spends more than a frame setting them up.
//! An image whose texels are at most a pixel shows the same thing for the
//! cost of a few quads.
//!
//! A texel holds the worst verdict among the parcels covering its centre (or
//! centred in it, so that no parcel vanishes), and the worst among the
//! parcel outlines crossing it: two bits each, in tiles kept only where
//! there are parcels. Tiles become textures only once in view, a few a
//! frame; until then the band above stands in.

use rustc_hash::FxHashMap as HashMap;

use eframe::egui::{
    self, emath::TSTransform, Color32, ColorImage, Pos2, Rect, TextureHandle, TextureOptions,
};
use rayon::prelude::*;

use crate::screen::Verdict;

use super::map::Path;
use super::parcels::{parcel_fill, verdict_color};

/// Texels along a tile's side.
const TILE: usize = 256;
/// Bytes of a tile: two bits of fill and two of outline a texel.
const TILE_BYTES: usize = TILE * TILE / 2;
/// Cell sizes of the zoom bands, finest first, in metres.
const CELLS_M: [f32; 7] = [8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0];
/// Memory the tiles may take; beyond it the finest bands are dropped, and
/// their scales draw triangles. An 80 km city takes about 75 MB.
pub const MAX_TILE_BYTES: usize = 96 << 20;
/// Tiles made into textures in one frame: each is 256 KB to convert and
/// upload, and a zoom can bring dozens into view at once.
const UPLOADS_PER_FRAME: usize = 6;
/// Textures kept (256 KB each); the least recently drawn go first.
const MAX_TEXTURES: usize = 160;
/// A parcel's outline is drawn into a band only where the parcel spans at
/// least this many texels; in a smaller one it would hide the fill.
const MIN_OUTLINED_TEXELS: f32 = 6.0;

/// A parcel to draw into the images.
pub struct RasterParcel<'a> {
    pub rings: &'a [Path],
    pub bounds: Rect,
    pub verdict: Verdict,
}

/// The verdicts of the main images, ranked: two bits hold none and three.
const SCREENED: &[Verdict] = &[Verdict::Clear, Verdict::Review, Verdict::Conflict];
/// Parcels outside the plan area have images of their own: a fourth verdict
/// would double every texel, for parcels that are few where the plan is.
const OUTSIDE: &[Verdict] = &[Verdict::Outside];

/// What is kept of a verdict in a texel of images of `verdicts`: 0 none,
/// else 1 + its place among them (so the worse is the greater).
fn rank(verdicts: &[Verdict], verdict: Verdict) -> Option<u8> {
    let place = verdicts.iter().position(|v| *v == verdict)?;
    u8::try_from(place + 1).ok()
}

/// The two things a texel holds, a rank each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Fill = 0,
    Outline = 1,
}

struct Tile {
    /// Two-bit ranks, fill then outline for each texel, row by row.
    ranks: Vec<u8>,
    /// The texture, and whether it shows the outlines.
    texture: Option<(bool, TextureHandle)>,
    /// The frame it was last drawn in, to let go of textures no longer seen.
    drawn_at: u64,
}

impl Tile {
    fn new() -> Tile {
        Tile {
            ranks: vec![0; TILE_BYTES],
            texture: None,
            drawn_at: 0,
        }
    }

    fn get(&self, x: usize, y: usize, part: Part) -> u8 {
        let lane = 2 * (y * TILE + x) + part as usize;
        (self.ranks[lane / 4] >> (2 * (lane % 4))) & 3
    }

    /// Keeps the worse of what is there and `rank`.
    fn raise(&mut self, x: usize, y: usize, part: Part, rank: u8) {
        let lane = 2 * (y * TILE + x) + part as usize;
        let shift = 2 * (lane % 4);
        let byte = &mut self.ranks[lane / 4];
        if (*byte >> shift) & 3 < rank {
            *byte = (*byte & !(3 << shift)) | (rank << shift);
        }
    }

    /// The tile's picture: outline ranks then fill ranks looked up in `palette`
    /// (index: fill + 4 × outline).
    fn image(&self, palette: &[Color32; 16]) -> ColorImage {
        let pixels = (0..TILE * TILE)
            .map(|at| {
                let (x, y) = (at % TILE, at / TILE);
                let index = self.get(x, y, Part::Fill) + 4 * self.get(x, y, Part::Outline);
                palette[usize::from(index)]
            })
            .collect();
        ColorImage::new([TILE, TILE], pixels)
    }
}

/// Colours by texel (fill + 4 × outline rank): the fill's translucent
/// verdict colour, or where an outline crosses and outlines are shown, the
/// outline's solid one.
fn palette(outlined: bool, verdicts: &[Verdict]) -> [Color32; 16] {
    std::array::from_fn(|index| {
        let (fill, outline) = (index % 4, index / 4);
        match (
            verdicts.get(outline.wrapping_sub(1)),
            verdicts.get(fill.wrapping_sub(1)),
        ) {
            (Some(v), _) if outlined => verdict_color(Some(*v)),
            (_, Some(v)) => parcel_fill(*v),
            _ => Color32::TRANSPARENT,
        }
    })
}

/// A run of texels along a texel row: (row, first column, end column, part).
type Span = (i64, i64, i64, Part);

/// The fill's spans of a parcel: texels whose centres lie inside it
/// (even-odd over its rings), or if none, the texel at its centre.
fn fill_spans(
    parcel: &RasterParcel,
    cell: f64,
    crossings: &mut Vec<(i64, f64)>,
    spans: &mut Vec<Span>,
) {
    // Where each edge crosses the centre line of each texel row it spans,
    // as (row, x): edges are visited once, however many vertices a parcel has.
    crossings.clear();
    for ring in parcel.rings {
        let points = &ring.points;
        let closing = points.last().zip(points.first());
        for (p, q) in points.iter().zip(points.iter().skip(1)).chain(closing) {
            let (lo, hi) = if p.y <= q.y { (p, q) } else { (q, p) };
            let (lo_y, hi_y) = (f64::from(lo.y), f64::from(hi.y));
            let first = (lo_y / cell - 0.5).ceil() as i64;
            let end = (hi_y / cell - 0.5).ceil() as i64;
            let slope = (f64::from(hi.x) - f64::from(lo.x)) / (hi_y - lo_y);
            for row in first..end {
                let yc = (row as f64 + 0.5) * cell;
                crossings.push((row, f64::from(lo.x) + (yc - lo_y) * slope));
            }
        }
    }
    crossings.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let filled_before = spans.len();
    for row in crossings.chunk_by(|a, b| a.0 == b.0) {
        for pair in row.chunks_exact(2) {
            let x0 = (pair[0].1 / cell - 0.5).ceil() as i64;
            let x1 = (pair[1].1 / cell - 0.5).ceil() as i64;
            if x0 < x1 {
                spans.push((pair[0].0, x0, x1, Part::Fill));
            }
        }
    }
    if spans.len() == filled_before {
        let c = parcel.bounds.center();
        let (x, y) = (
            (f64::from(c.x) / cell).floor() as i64,
            (f64::from(c.y) / cell).floor() as i64,
        );
        spans.push((y, x, x + 1, Part::Fill));
    }
}

/// The texels a line passes through, as spans of outline: a line a texel thick.
fn line_spans(points: &[Pos2], cell: f64, spans: &mut Vec<Span>) {
    let mut visit = |x: i64, y: i64| match spans.last_mut() {
        Some((row, x0, x1, Part::Outline)) if *row == y && (x == *x1 || x + 1 == *x0) => {
            *x0 = (*x0).min(x);
            *x1 = (*x1).max(x + 1);
        }
        Some((row, x0, x1, Part::Outline)) if *row == y && (*x0..*x1).contains(&x) => {}
        _ => spans.push((y, x, x + 1, Part::Outline)),
    };
    for segment in points.windows(2) {
        let (p, q) = (segment[0], segment[1]);
        let (px, py) = (f64::from(p.x) / cell, f64::from(p.y) / cell);
        let (dx, dy) = (f64::from(q.x) / cell - px, f64::from(q.y) / cell - py);
        let steps = dx.abs().max(dy.abs()).ceil().max(1.0) as i64;
        for k in 0..=steps {
            let t = k as f64 / steps as f64;
            visit((px + dx * t).floor() as i64, (py + dy * t).floor() as i64);
        }
    }
}

/// The tiles of one zoom band, keyed by their column and row on a grid
/// anchored at the local origin.
struct Band {
    cell_m: f32,
    tiles: HashMap<(i32, i32), Tile>,
}

/// Parcels a worker draws into a band of its own before the bands are merged.
const CHUNK_PARCELS: usize = 20_000;

/// The band would take more memory than all bands may.
struct TooLarge;

impl Band {
    fn new(cell_m: f32) -> Band {
        Band {
            cell_m,
            tiles: HashMap::default(),
        }
    }

    fn tile_m(&self) -> f32 {
        self.cell_m * TILE as f32
    }

    fn tile_rect(&self, (tx, ty): (i32, i32)) -> Rect {
        let side = self.tile_m();
        Rect::from_min_size(
            Pos2::new(tx as f32 * side, ty as f32 * side),
            egui::vec2(side, side),
        )
    }

    /// Raises `part` of texels `x0..x1` of texel row `y` to `rank`, a tile at a time.
    fn raise_span(&mut self, span: Span, rank: u8, max_tiles: usize) -> Result<(), TooLarge> {
        let (y, x0, x1, part) = span;
        let tile = TILE as i64;
        let ty = y.div_euclid(tile);
        let row = y.rem_euclid(tile) as usize;
        let mut x = x0;
        while x < x1 {
            let tx = x.div_euclid(tile);
            let end = x1.min((tx + 1) * tile);
            let t = self.tile_mut((tx as i32, ty as i32), max_tiles)?;
            for col in (x - tx * tile)..(end - tx * tile) {
                t.raise(col as usize, row, part, rank);
            }
            x = end;
        }
        Ok(())
    }

    /// The tile at `key`, made if new and within the budget; its texture is
    /// dropped, as its texels are about to change.
    fn tile_mut(&mut self, key: (i32, i32), max_tiles: usize) -> Result<&mut Tile, TooLarge> {
        if self.tiles.len() >= max_tiles && !self.tiles.contains_key(&key) {
            return Err(TooLarge);
        }
        let t = self.tiles.entry(key).or_insert_with(Tile::new);
        t.texture = None;
        Ok(t)
    }

    /// Draws parcels in: fills the texels whose centres lie inside a parcel
    /// (even-odd over its rings), or if none, the texel at its centre; and
    /// where it spans enough texels, its outline.
    fn add_all(
        &mut self,
        parcels: &[RasterParcel],
        verdicts: &[Verdict],
        max_tiles: usize,
    ) -> Result<(), TooLarge> {
        let cell = f64::from(self.cell_m);
        let tile = TILE as i64;
        let mut crossings: Vec<(i64, f64)> = Vec::new();
        let mut spans: Vec<Span> = Vec::new();
        for parcel in parcels {
            let b = parcel.bounds;
            let Some(rank) = rank(verdicts, parcel.verdict) else {
                continue;
            };
            if !b.is_finite() || b.min.x > b.max.x || b.min.y > b.max.y {
                continue;
            }
            // A box of more texel rows or columns than the budget has texels
            // along a side cannot fit (a parcel in the wrong CRS can be 1000 km wide).
            let span_limit = (max_tiles * TILE) as f64;
            if f64::from(b.height()) / cell > span_limit || f64::from(b.width()) / cell > span_limit
            {
                return Err(TooLarge);
            }
            spans.clear();
            fill_spans(parcel, cell, &mut crossings, &mut spans);
            if b.size().max_elem() >= MIN_OUTLINED_TEXELS * self.cell_m {
                for ring in parcel.rings {
                    line_spans(&ring.points, cell, &mut spans);
                }
            }
            // Most parcels lie in one tile: found once, not once a span.
            let texel = |v: f32| (f64::from(v) / cell).floor() as i64;
            let first = (
                (texel(b.min.x) - 1).div_euclid(tile),
                (texel(b.min.y) - 1).div_euclid(tile),
            );
            let last = (
                (texel(b.max.x) + 1).div_euclid(tile),
                (texel(b.max.y) + 1).div_euclid(tile),
            );
            if first == last {
                let (tx, ty) = first;
                let t = self.tile_mut((tx as i32, ty as i32), max_tiles)?;
                for &(y, x0, x1, part) in &spans {
                    let row = (y - ty * tile) as usize;
                    for col in (x0 - tx * tile)..(x1 - tx * tile) {
                        t.raise(col as usize, row, part, rank);
                    }
                }
            } else {
                for &span in &spans {
                    self.raise_span(span, rank, max_tiles)?;
                }
            }
        }
        Ok(())
    }

    /// Keeps, per texel, the worse of this band's and `other`'s.
    fn merge(&mut self, other: Band) {
        for (key, tile) in other.tiles {
            match self.tiles.get_mut(&key) {
                None => {
                    self.tiles.insert(key, tile);
                }
                Some(mine) => {
                    mine.texture = None;
                    for (a, b) in mine.ranks.iter_mut().zip(&tile.ranks) {
                        let mut merged = 0;
                        for shift in (0..8).step_by(2) {
                            merged |= ((*a >> shift) & 3).max((b >> shift) & 3) << shift;
                        }
                        *a = merged;
                    }
                }
            }
        }
    }
}

/// The parcels as images: those screened, and apart, those outside the plan area.
pub struct ParcelRaster {
    screened: VerdictRaster,
    outside: VerdictRaster,
}

impl Default for ParcelRaster {
    fn default() -> ParcelRaster {
        ParcelRaster {
            screened: VerdictRaster::new(MAX_TILE_BYTES, SCREENED),
            outside: VerdictRaster::new(MAX_TILE_BYTES, OUTSIDE),
        }
    }
}

impl ParcelRaster {
    pub fn add(&mut self, parcels: &[RasterParcel]) {
        self.screened.add(parcels);
        if parcels.iter().any(|p| p.verdict == Verdict::Outside) {
            self.outside.add(parcels);
        }
    }

    pub fn merge(&mut self, other: ParcelRaster) {
        self.screened.merge(other.screened);
        self.outside.merge(other.outside);
    }

    /// Draws the parcels in `visible` as images (see [`VerdictRaster::paint`]),
    /// those outside the plan area over the others.
    pub fn paint(
        &mut self,
        painter: &egui::Painter,
        screen_from_local: TSTransform,
        visible: Rect,
        m_per_px: f64,
        outlined: bool,
    ) -> Painted {
        let painted = self
            .screened
            .paint(painter, screen_from_local, visible, m_per_px, outlined);
        if painted == Painted::No {
            return Painted::No;
        }
        let outside = self
            .outside
            .paint(painter, screen_from_local, visible, m_per_px, outlined);
        if outside == Painted::Partly {
            Painted::Partly
        } else {
            painted
        }
    }
}

/// How a frame drew the parcels as images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Painted {
    /// No band is fine enough for this scale: draw the parcels' triangles.
    No,
    /// Drawn; some tiles stood in for by a coarser band, to be drawn in a later frame.
    Partly,
    Fully,
}

/// Parcels of some verdicts as images, per zoom band.
pub struct VerdictRaster {
    /// The verdicts drawn, ranked (see [`rank`]).
    verdicts: &'static [Verdict],
    /// Finest first; bands over the memory budget are left out.
    bands: Vec<Band>,
    max_bytes: usize,
    frame: u64,
}

impl VerdictRaster {
    /// An empty raster of parcels of `verdicts` (at most three), within
    /// `max_bytes` of tiles.
    fn new(max_bytes: usize, verdicts: &'static [Verdict]) -> VerdictRaster {
        VerdictRaster {
            verdicts,
            bands: CELLS_M.iter().map(|&cell_m| Band::new(cell_m)).collect(),
            max_bytes,
            frame: 0,
        }
    }

    /// Draws those of `parcels` of this raster's verdicts into every band,
    /// dropping the bands that outgrow the budget. Parcels are drawn in
    /// chunks on all cores, then merged: the finest band alone is most of
    /// the work.
    fn add(&mut self, parcels: &[RasterParcel]) {
        let max_tiles = self.max_bytes / TILE_BYTES;
        let verdicts = self.verdicts;
        let drawn: Vec<Option<Band>> = self
            .bands
            .par_iter()
            .map(|band| {
                let empty = || Band::new(band.cell_m);
                parcels
                    .par_chunks(CHUNK_PARCELS)
                    .map(|chunk| {
                        let mut part = empty();
                        part.add_all(chunk, verdicts, max_tiles).map(|()| part)
                    })
                    .try_reduce(empty, |mut a, b| {
                        a.merge(b);
                        // Chunks within the budget can outgrow it together:
                        // stop here, not once the whole band is in memory.
                        if a.tiles.len() > max_tiles {
                            return Err(TooLarge);
                        }
                        Ok(a)
                    })
                    .ok()
            })
            .collect();
        let mut drawn = drawn.into_iter();
        self.bands.retain_mut(|band| match drawn.next().flatten() {
            Some(part) => {
                band.merge(part);
                true
            }
            None => false,
        });
        self.keep_within_budget();
    }

    /// Takes in a raster made apart from this one (same budget and verdicts).
    fn merge(&mut self, other: VerdictRaster) {
        let mut others: HashMap<u32, Band> = other
            .bands
            .into_iter()
            .map(|b| (b.cell_m.to_bits(), b))
            .collect();
        // A band dropped on either side cannot be completed: drop it.
        self.bands
            .retain_mut(|band| match others.remove(&band.cell_m.to_bits()) {
                Some(theirs) => {
                    band.merge(theirs);
                    true
                }
                None => false,
            });
        self.keep_within_budget();
    }

    fn keep_within_budget(&mut self) {
        while self.bytes() > self.max_bytes && !self.bands.is_empty() {
            self.bands.remove(0);
        }
    }

    /// Memory the tiles take.
    pub fn bytes(&self) -> usize {
        self.bands.iter().map(|b| b.tiles.len() * TILE_BYTES).sum()
    }

    /// Cell sizes of the bands kept, finest first.
    #[cfg(test)]
    pub fn cells_m(&self) -> Vec<f32> {
        self.bands.iter().map(|b| b.cell_m).collect()
    }

    /// The band drawn at `m_per_px`: the coarsest whose texels are at most a pixel.
    fn band_at(&self, m_per_px: f64) -> Option<usize> {
        self.bands
            .iter()
            .rposition(|b| f64::from(b.cell_m) <= m_per_px)
    }

    /// The worst verdict's rank at a point in local coordinates, in the band
    /// of `cell_m` (0: no parcel).
    #[cfg(test)]
    pub fn rank_at(&self, cell_m: f32, at: Pos2) -> Option<u8> {
        let band = self.bands.iter().find(|b| b.cell_m == cell_m)?;
        let (x, y) = (
            (at.x / cell_m).floor() as i64,
            (at.y / cell_m).floor() as i64,
        );
        let tile = TILE as i64;
        let key = (x.div_euclid(tile) as i32, y.div_euclid(tile) as i32);
        Some(band.tiles.get(&key).map_or(0, |t| {
            t.get(
                x.rem_euclid(tile) as usize,
                y.rem_euclid(tile) as usize,
                Part::Fill,
            )
        }))
    }

    /// Draws the parcels in `visible` (local coordinates) as images, if a
    /// band is fine enough for `m_per_px`; with their outlines if `outlined`.
    fn paint(
        &mut self,
        painter: &egui::Painter,
        screen_from_local: TSTransform,
        visible: Rect,
        m_per_px: f64,
        outlined: bool,
    ) -> Painted {
        let Some(level) = self.band_at(m_per_px) else {
            return Painted::No;
        };
        let palette = palette(outlined, self.verdicts);
        self.frame += 1;
        let frame = self.frame;
        let ctx = painter.ctx();
        let mut uploads = 0;
        let mut complete = true;
        let band = &self.bands[level];
        let side = band.tile_m();
        let keys: Vec<(i32, i32)> = {
            let range = |lo: f32, hi: f32| (lo / side).floor() as i32..=(hi / side).floor() as i32;
            let (columns, rows) = (
                range(visible.min.x, visible.max.x),
                range(visible.min.y, visible.max.y),
            );
            let count = |r: &std::ops::RangeInclusive<i32>| {
                (i64::from(*r.end()) - i64::from(*r.start()) + 1).max(0)
            };
            let in_view = count(&columns).saturating_mul(count(&rows));
            // A view far wider than the parcels (or a degenerate one, say of
            // a minimised window) looks through the tiles there are instead.
            let mut keys: Vec<(i32, i32)> = if in_view > band.tiles.len() as i64 {
                band.tiles
                    .keys()
                    .filter(|(tx, ty)| columns.contains(tx) && rows.contains(ty))
                    .copied()
                    .collect()
            } else {
                rows.clone()
                    .flat_map(|ty| columns.clone().map(move |tx| (tx, ty)))
                    .filter(|key| band.tiles.contains_key(key))
                    .collect()
            };
            keys.sort_unstable();
            keys
        };
        for key in keys {
            let rect = self.bands[level].tile_rect(key);
            // This band's tile, or the first band above with its texture ready.
            let mut drawn = false;
            for (upper, band) in self.bands[level..].iter_mut().enumerate() {
                let side = band.tile_m();
                let upper_key = (
                    (rect.min.x / side).floor() as i32,
                    (rect.min.y / side).floor() as i32,
                );
                let upper_rect = band.tile_rect(upper_key);
                let Some(tile) = band.tiles.get_mut(&upper_key) else {
                    continue;
                };
                let stale = tile.texture.as_ref().is_some_and(|(o, _)| *o != outlined);
                if (tile.texture.is_none() || stale) && uploads < UPLOADS_PER_FRAME {
                    uploads += 1;
                    let name = format!(
                        "parcels-{}-{}m-{}-{}",
                        self.verdicts[0].keyword(),
                        band.cell_m,
                        upper_key.0,
                        upper_key.1
                    );
                    let options = TextureOptions {
                        magnification: egui::TextureFilter::Nearest,
                        minification: egui::TextureFilter::Nearest,
                        ..TextureOptions::NEAREST
                    };
                    let image = tile.image(&palette);
                    tile.texture = Some((outlined, ctx.load_texture(name, image, options)));
                }
                let Some((shows_outlines, texture)) = &tile.texture else {
                    continue;
                };
                tile.drawn_at = frame;
                let uv = Rect::from_min_max(
                    ((rect.min - upper_rect.min) / upper_rect.size()).to_pos2(),
                    ((rect.max - upper_rect.min) / upper_rect.size()).to_pos2(),
                );
                painter.image(
                    texture.id(),
                    screen_from_local.mul_rect(rect),
                    uv,
                    Color32::WHITE,
                );
                complete &= upper == 0 && *shows_outlines == outlined;
                drawn = true;
                break;
            }
            complete &= drawn;
        }
        // Textures are only made above: no need to count them otherwise.
        if uploads > 0 {
            self.let_go_of_unseen_textures();
        }
        if complete {
            Painted::Fully
        } else {
            Painted::Partly
        }
    }

    /// Frees the textures drawn longest ago beyond [`MAX_TEXTURES`].
    fn let_go_of_unseen_textures(&mut self) {
        let mut textured: Vec<(u64, usize, (i32, i32))> = self
            .bands
            .iter()
            .enumerate()
            .flat_map(|(b, band)| {
                band.tiles
                    .iter()
                    .filter(|(_, t)| t.texture.is_some())
                    .map(move |(key, t)| (t.drawn_at, b, *key))
            })
            .collect();
        if textured.len() <= MAX_TEXTURES {
            return;
        }
        textured.sort_unstable();
        let excess = textured.len() - MAX_TEXTURES;
        for (_, b, key) in textured.into_iter().take(excess) {
            if let Some(tile) = self.bands[b].tiles.get_mut(&key) {
                tile.texture = None;
            }
        }
    }

    /// Textures held now.
    #[cfg(test)]
    pub fn textures(&self) -> usize {
        self.bands
            .iter()
            .flat_map(|b| b.tiles.values())
            .filter(|t| t.texture.is_some())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eframe::egui::pos2;

    fn ring(points: &[(f32, f32)]) -> Path {
        let mut points: Vec<Pos2> = points.iter().map(|&(x, y)| pos2(x, y)).collect();
        points.push(points[0]);
        let bounds = Rect::from_points(&points);
        Path { points, bounds }
    }

    /// An axis-aligned rectangle from corner `lo` to corner `hi`.
    fn rect(lo: (f32, f32), hi: (f32, f32)) -> Path {
        ring(&[lo, (hi.0, lo.1), hi, (lo.0, hi.1)])
    }

    /// A raster of `parcels`, with the default budget.
    fn raster_of(parcels: &[RasterParcel]) -> VerdictRaster {
        let mut raster = VerdictRaster::new(MAX_TILE_BYTES, SCREENED);
        raster.add(parcels);
        raster
    }

    fn parcel(rings: &[Path], verdict: Verdict) -> RasterParcel<'_> {
        let bounds = rings.iter().fold(Rect::NOTHING, |a, r| a.union(r.bounds));
        RasterParcel {
            rings,
            bounds,
            verdict,
        }
    }

    /// Texels of the band of `cell_m` with a parcel, over `area` (local coordinates).
    fn drawn(raster: &VerdictRaster, cell_m: f32, area: Rect) -> usize {
        let (nx, ny) = (
            (area.width() / cell_m) as i32,
            (area.height() / cell_m) as i32,
        );
        (0..ny)
            .flat_map(|j| (0..nx).map(move |i| (i, j)))
            .filter(|&(i, j)| {
                let at =
                    area.min + egui::vec2((i as f32 + 0.5) * cell_m, (j as f32 + 0.5) * cell_m);
                raster.rank_at(cell_m, at).unwrap() > 0
            })
            .count()
    }

    #[test]
    fn a_texel_is_drawn_where_its_centre_is_inside_the_parcel_not_its_box() {
        // A square turned 45°, 80 m corner to corner, around (100, 100).
        let diamond = [ring(&[
            (100.0, 60.0),
            (140.0, 100.0),
            (100.0, 140.0),
            (60.0, 100.0),
        ])];
        let raster = raster_of(&[parcel(&diamond, Verdict::Review)]);
        assert_eq!(raster.rank_at(8.0, pos2(100.0, 100.0)), Some(2));
        // Its box's corners are outside it.
        assert_eq!(raster.rank_at(8.0, pos2(62.0, 62.0)), Some(0));
        assert_eq!(raster.rank_at(8.0, pos2(138.0, 138.0)), Some(0));
        // 3 200 m² is 50 texels of 64 m².
        let count = drawn(
            &raster,
            8.0,
            Rect::from_min_max(pos2(0.0, 0.0), pos2(200.0, 200.0)),
        );
        assert!((45..=55).contains(&count), "{count} texels");
    }

    #[test]
    fn a_hole_is_left_empty_and_a_tiny_parcel_still_shows() {
        let with_hole = [
            rect((0.0, 0.0), (160.0, 160.0)),
            rect((40.0, 40.0), (120.0, 120.0)),
        ];
        let tiny = [ring(&[
            (1000.0, 1000.0),
            (1003.0, 1000.0),
            (1003.0, 1003.0),
        ])];
        let raster = raster_of(&[
            parcel(&with_hole, Verdict::Clear),
            parcel(&tiny, Verdict::Conflict),
        ]);
        assert_eq!(raster.rank_at(8.0, pos2(20.0, 20.0)), Some(1));
        assert_eq!(raster.rank_at(8.0, pos2(80.0, 80.0)), Some(0));
        let all = Rect::from_min_max(pos2(0.0, 0.0), pos2(160.0, 160.0));
        assert_eq!(drawn(&raster, 8.0, all), 20 * 20 - 10 * 10);
        // Three metres across: no texel centre inside, yet one texel, in every band.
        for cell in CELLS_M {
            assert_eq!(
                raster.rank_at(cell, pos2(1001.0, 1001.0)),
                Some(3),
                "{cell} m"
            );
        }
    }

    #[test]
    fn the_worst_verdict_wins_where_parcels_share_a_texel() {
        let a = [rect((0.0, 0.0), (100.0, 100.0))];
        let b = [rect((50.0, 50.0), (150.0, 150.0))];
        for order in [[0, 1], [1, 0]] {
            let parcels = [parcel(&a, Verdict::Clear), parcel(&b, Verdict::Conflict)];
            let mut raster = VerdictRaster::new(MAX_TILE_BYTES, SCREENED);
            let [first, second] = order;
            raster.add(&[parcel(parcels[first].rings, parcels[first].verdict)]);
            raster.add(&[parcel(parcels[second].rings, parcels[second].verdict)]);
            assert_eq!(raster.rank_at(8.0, pos2(20.0, 20.0)), Some(1));
            assert_eq!(raster.rank_at(8.0, pos2(75.0, 75.0)), Some(3));
            assert_eq!(raster.rank_at(512.0, pos2(75.0, 75.0)), Some(3));
        }
    }

    #[test]
    fn a_parcel_across_tile_edges_and_the_origin_is_drawn_whole() {
        // Tiles of the 8 m band are 2 048 m; this one spans four of them around 0.
        let square = [rect((-100.0, -100.0), (100.0, 100.0))];
        let raster = raster_of(&[parcel(&square, Verdict::Clear)]);
        let around = Rect::from_min_max(pos2(-200.0, -200.0), pos2(200.0, 200.0));
        assert_eq!(drawn(&raster, 8.0, around), 25 * 25);
        assert_eq!(raster.bands[0].tiles.len(), 4);
    }

    #[test]
    fn rasters_made_apart_and_merged_equal_one_made_at_once() {
        let a = [rect((0.0, 0.0), (300.0, 90.0))];
        let b = [ring(&[(100.0, 50.0), (5000.0, 60.0), (2500.0, 3000.0)])];
        let mut together = VerdictRaster::new(MAX_TILE_BYTES, SCREENED);
        together.add(&[parcel(&a, Verdict::Review), parcel(&b, Verdict::Clear)]);
        let mut merged = VerdictRaster::new(MAX_TILE_BYTES, SCREENED);
        merged.add(&[parcel(&a, Verdict::Review)]);
        let mut apart = VerdictRaster::new(MAX_TILE_BYTES, SCREENED);
        apart.add(&[parcel(&b, Verdict::Clear)]);
        merged.merge(apart);
        for band in &together.bands {
            let theirs = merged
                .bands
                .iter()
                .find(|b| b.cell_m == band.cell_m)
                .unwrap();
            assert_eq!(band.tiles.len(), theirs.tiles.len());
            for (key, tile) in &band.tiles {
                assert!(
                    tile.ranks == theirs.tiles[key].ranks,
                    "{} m {key:?}",
                    band.cell_m
                );
            }
        }
    }

    #[test]
    fn bands_over_the_memory_budget_are_dropped_finest_first() {
        // 10 km square: 8 m texels need 25 tiles, 16 m 9, 32 m 4, the rest 1 each.
        let big = [rect((10.0, 10.0), (10_000.0, 10_000.0))];
        let mut raster = VerdictRaster::new(8 * TILE_BYTES, SCREENED);
        raster.add(&[parcel(&big, Verdict::Clear)]);
        assert_eq!(raster.cells_m(), vec![32.0, 64.0, 128.0, 256.0, 512.0]);
        assert!(raster.bytes() <= 8 * TILE_BYTES);
        // A parcel in the wrong CRS, thousands of kilometres wide, is not drawn into tiles.
        let huge = [ring(&[(0.0, 0.0), (5e9, 0.0), (5e9, 10.0)])];
        let raster = raster_of(&[parcel(&huge, Verdict::Clear)]);
        assert!(raster.bytes() <= MAX_TILE_BYTES);
        assert!(raster.cells_m().is_empty());
    }

    #[test]
    fn each_scale_draws_the_coarsest_band_whose_texels_are_at_most_a_pixel() {
        let raster = VerdictRaster::new(MAX_TILE_BYTES, SCREENED);
        assert_eq!(raster.band_at(4.0), None);
        assert_eq!(raster.band_at(8.0), Some(0));
        assert_eq!(raster.band_at(20.0), Some(1));
        assert_eq!(raster.band_at(100.0), Some(3));
        assert_eq!(raster.band_at(5_000.0), Some(6));
    }

    #[test]
    fn a_view_of_everything_draws_the_tiles_there_are_without_walking_the_grid() {
        let square = [rect((0.0, 0.0), (100.0, 100.0))];
        let mut raster = raster_of(&[parcel(&square, Verdict::Clear)]);
        let ctx = egui::Context::default();
        let mut output = ctx.run_pass(egui::RawInput::default(), |ctx| {
            let painter = ctx.layer_painter(egui::LayerId::background());
            // Such a view comes from a window with no size: 2^32 tiles a side.
            let painted = raster.paint(
                &painter,
                TSTransform::IDENTITY,
                Rect::EVERYTHING,
                600.0,
                false,
            );
            assert_eq!(painted, Painted::Fully);
        });
        output.textures_delta.clear();
        assert_eq!(raster.textures(), 1);
    }

    #[test]
    fn tiles_come_into_view_a_few_a_frame_with_the_band_above_meanwhile() {
        // A 40 km row of parcels, in view at 10 m a pixel over 4 000 pixels:
        // twenty tiles of the 8 m band.
        let rings: Vec<[Path; 1]> = (0..400)
            .map(|i| {
                let x = i as f32 * 100.0;
                [rect((x, 0.0), (x + 80.0, 80.0))]
            })
            .collect();
        let parcels: Vec<RasterParcel> = rings.iter().map(|r| parcel(r, Verdict::Clear)).collect();
        let mut raster = VerdictRaster::new(MAX_TILE_BYTES, SCREENED);
        raster.add(&parcels);
        let ctx = egui::Context::default();
        let visible = Rect::from_min_max(pos2(0.0, -500.0), pos2(40_000.0, 500.0));
        let mut frames = Vec::new();
        for _ in 0..10 {
            let mut output = ctx.run_pass(egui::RawInput::default(), |ctx| {
                let painter = ctx.layer_painter(egui::LayerId::background());
                let transform = TSTransform::from_scaling(0.1);
                frames.push(raster.paint(&painter, transform, visible, 10.0, true));
            });
            let uploads = output.textures_delta.set.iter();
            let parcel_tiles = uploads.filter(|(id, _)| *id != &egui::TextureId::default());
            assert!(parcel_tiles.count() <= UPLOADS_PER_FRAME);
            output.textures_delta.clear();
        }
        assert_eq!(frames[0], Painted::Partly);
        assert_eq!(frames.last(), Some(&Painted::Fully));
        let first_full = frames.iter().position(|p| *p == Painted::Fully).unwrap();
        // 20 tiles of the 8 m band, and the stand-ins of the bands above, a few a frame.
        assert!(first_full <= 6, "{frames:?}");
        assert!(raster.textures() <= MAX_TEXTURES);
        // Street scale has no band: triangles are drawn.
        let mut output = ctx.run_pass(egui::RawInput::default(), |ctx| {
            let painter = ctx.layer_painter(egui::LayerId::background());
            let transform = TSTransform::from_scaling(1.0);
            assert_eq!(
                raster.paint(&painter, transform, visible, 1.0, true),
                Painted::No
            );
        });
        output.textures_delta.clear();
    }
}
