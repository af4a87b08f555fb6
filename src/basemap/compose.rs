//! A basemap as one picture of an extent of the working CRS, pixel by
//! pixel — what a PDF map is printed over. Each pixel's place in the tiles
//! is reprojected through a grid of exactly transformed points (every
//! [`GRID_PX`] pixels, bilinear between: far below a pixel of error), then
//! the tiles' pixels are interpolated.

use geo::{Coord, Rect};
use image::{Rgb, RgbImage, RgbaImage};
use rayon::prelude::*;

use super::grid::{cover, tile_from_lonlat, Reprojection, TileId, TILE_PX};
use super::store::{decode, TileError};
use super::Basemap;

/// Pixels between exactly reprojected points.
const GRID_PX: u32 = 16;

/// The picture, and how much of it the tiles at hand covered.
#[derive(Debug)]
pub struct Composed {
    /// Paper-white where no tile was at hand; the basemap faded to
    /// `opacity` over white elsewhere.
    pub image: RgbImage,
    pub zoom: u8,
    pub tiles_found: usize,
    pub tiles_missing: usize,
}

/// The basemap under `extent` at `width_px` × `height_px`; `None` when no
/// tile of it is at hand. `network` false (reports) uses only the cache
/// and offline packages, so a report never waits on a service.
pub fn compose(
    basemap: &Basemap,
    extent: Rect,
    (width_px, height_px): (u32, u32),
    projection: &Reprojection,
    opacity: f32,
    network: bool,
) -> Result<Option<Composed>, String> {
    let m_per_px = extent.width() / f64::from(width_px.max(1));
    let cover = cover(
        extent,
        m_per_px,
        projection,
        basemap.min_zoom,
        basemap.max_zoom,
    )?;
    let z = cover.z;
    let tx0 = cover.tiles.iter().map(|t| t.x).min().unwrap_or(0);
    let ty0 = cover.tiles.iter().map(|t| t.y).min().unwrap_or(0);
    let cols = cover.tiles.iter().map(|t| t.x - tx0 + 1).max().unwrap_or(0) as usize;
    let rows = cover.tiles.iter().map(|t| t.y - ty0 + 1).max().unwrap_or(0) as usize;
    let mut tiles: Vec<Option<RgbaImage>> = vec![None; cols * rows];
    let (mut found, mut missing) = (0, 0);
    for tile in &cover.tiles {
        match layered_tile(basemap, *tile, network).ok().flatten() {
            Some(mut pixels) => {
                // 512-pixel ("retina") tiles are read as the 256 the grid counts in.
                if pixels.dimensions() != (TILE_PX, TILE_PX) {
                    pixels = image::imageops::resize(
                        &pixels,
                        TILE_PX,
                        TILE_PX,
                        image::imageops::FilterType::Triangle,
                    );
                }
                tiles[(tile.y - ty0) as usize * cols + (tile.x - tx0) as usize] = Some(pixels);
                found += 1;
            }
            None => missing += 1,
        }
    }
    if found == 0 {
        return Ok(None);
    }

    // Global tile-pixel coordinates of the grid's points.
    let grid_cols = width_px.div_ceil(GRID_PX) + 1;
    let grid_rows = height_px.div_ceil(GRID_PX) + 1;
    let mut grid = Vec::with_capacity((grid_cols * grid_rows) as usize);
    for row in 0..grid_rows {
        for col in 0..grid_cols {
            let (px, py) = (f64::from(col * GRID_PX), f64::from(row * GRID_PX));
            let working = Coord {
                x: extent.min().x + px * m_per_px,
                y: extent.max().y - py * m_per_px,
            };
            let lonlat = projection.lonlat(working)?;
            let t = tile_from_lonlat(lonlat.x, lonlat.y, z);
            grid.push(Coord {
                x: (t.x - f64::from(tx0)) * f64::from(TILE_PX),
                y: (t.y - f64::from(ty0)) * f64::from(TILE_PX),
            });
        }
    }
    let side = i64::from(TILE_PX);
    let texel = |gx: i64, gy: i64| -> Option<[u8; 4]> {
        if gx < 0 || gy < 0 {
            return None;
        }
        let (col, row) = ((gx / side) as usize, (gy / side) as usize);
        if col >= cols || row >= rows {
            return None;
        }
        let pixels = tiles[row * cols + col].as_ref()?;
        Some(pixels.get_pixel((gx % side) as u32, (gy % side) as u32).0)
    };
    let mut image = RgbImage::from_pixel(width_px, height_px, Rgb([255, 255, 255]));
    let row_bytes = width_px as usize * 3;
    // Rows on all cores: a report has a picture per map, each of a million pixels.
    image
        .par_chunks_mut(row_bytes.max(1))
        .enumerate()
        .for_each(|(y, row)| {
            let fy = (y as f64 + 0.5) / f64::from(GRID_PX);
            let grid_row = fy as u32;
            let dy = fy - f64::from(grid_row);
            for (x, out) in row.chunks_exact_mut(3).enumerate() {
                // The pixel's centre, between the grid's points.
                let fx = (x as f64 + 0.5) / f64::from(GRID_PX);
                let col = fx as u32;
                let dx = fx - f64::from(col);
                let at = |c: u32, r: u32| grid[(r * grid_cols + c) as usize];
                let (a, b, c, d) = (
                    at(col, grid_row),
                    at(col + 1, grid_row),
                    at(col, grid_row + 1),
                    at(col + 1, grid_row + 1),
                );
                let gx =
                    (a.x * (1.0 - dx) + b.x * dx) * (1.0 - dy) + (c.x * (1.0 - dx) + d.x * dx) * dy;
                let gy =
                    (a.y * (1.0 - dx) + b.y * dx) * (1.0 - dy) + (c.y * (1.0 - dx) + d.y * dx) * dy;
                let sampled = inside_one_tile(&tiles, cols, rows, gx - 0.5, gy - 0.5)
                    .or_else(|| bilinear(&texel, gx - 0.5, gy - 0.5));
                if let Some(rgba) = sampled {
                    let alpha = rgba[3] / 255.0 * opacity;
                    for (channel, value) in out.iter_mut().zip(rgba) {
                        // Non-negative: adding a half and truncating rounds.
                        *channel = (255.0 * (1.0 - alpha) + value * alpha + 0.5) as u8;
                    }
                }
            }
        });
    Ok(Some(Composed {
        image,
        zoom: z,
        tiles_found: found,
        tiles_missing: missing,
    }))
}

/// A tile's layers, each drawn over the one before (labels over the base).
/// What one layer lacks the others still show; an error only when none
/// could be had.
pub fn layered_tile(
    basemap: &Basemap,
    tile: TileId,
    network: bool,
) -> Result<Option<RgbaImage>, TileError> {
    let mut out: Option<RgbaImage> = None;
    let mut failure = None;
    for fetched in basemap.fetch(tile, network) {
        match fetched.and_then(|bytes| bytes.map(|b| decode(&b)).transpose()) {
            Ok(Some(pixels)) => match &mut out {
                None => out = Some(pixels),
                Some(below) => image::imageops::overlay(below, &pixels, 0, 0),
            },
            Ok(None) => {}
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    match (out, failure) {
        (None, Some(e)) => Err(e),
        (out, _) => Ok(out),
    }
}

/// The four texels around a point when all four lie in one tile at hand
/// (nearly every pixel): read straight from its pixels.
fn inside_one_tile(
    tiles: &[Option<RgbaImage>],
    cols: usize,
    rows: usize,
    x: f64,
    y: f64,
) -> Option<[f32; 4]> {
    if x < 0.0 || y < 0.0 {
        return None;
    }
    let side = TILE_PX as usize;
    let (xi, yi) = (x as usize, y as usize);
    let (col, row) = (xi / side, yi / side);
    let (px, py) = (xi % side, yi % side);
    if col >= cols || row >= rows || px + 1 >= side || py + 1 >= side {
        return None;
    }
    let raw = tiles[row * cols + col].as_ref()?.as_raw();
    let i = (py * side + px) * 4;
    let texel = |at: usize| Some([raw[at], raw[at + 1], raw[at + 2], raw[at + 3]]);
    weighted(
        [
            texel(i),
            texel(i + 4),
            texel(i + side * 4),
            texel(i + side * 4 + 4),
        ],
        (x - xi as f64) as f32,
        (y - yi as f64) as f32,
    )
}

/// The four texels around a point, weighted; texels beyond the tiles at
/// hand count as transparent.
fn bilinear(texel: &impl Fn(i64, i64) -> Option<[u8; 4]>, x: f64, y: f64) -> Option<[f32; 4]> {
    let (x0, y0) = (x.floor(), y.floor());
    let (xi, yi) = (x0 as i64, y0 as i64);
    weighted(
        [
            texel(xi, yi),
            texel(xi + 1, yi),
            texel(xi, yi + 1),
            texel(xi + 1, yi + 1),
        ],
        (x - x0) as f32,
        (y - y0) as f32,
    )
}

/// Texels west-north, east-north, west-south, east-south of a point
/// `dx`, `dy` into their square, interpolated. Colours are averaged by
/// their alpha (premultiplied), so a transparent neighbour does not darken
/// an edge; `None` when all are transparent or absent.
fn weighted(texels: [Option<[u8; 4]>; 4], dx: f32, dy: f32) -> Option<[f32; 4]> {
    let weights = [
        (1.0 - dx) * (1.0 - dy),
        dx * (1.0 - dy),
        (1.0 - dx) * dy,
        dx * dy,
    ];
    let (mut r, mut g, mut b, mut alpha) = (0.0f32, 0.0f32, 0.0f32, 0.0f32);
    for (texel, w) in texels.into_iter().zip(weights) {
        if let Some(p) = texel {
            let a = f32::from(p[3]) / 255.0 * w;
            r += f32::from(p[0]) * a;
            g += f32::from(p[1]) * a;
            b += f32::from(p[2]) * a;
            alpha += a;
        }
    }
    (alpha > 0.0).then(|| [r / alpha, g / alpha, b / alpha, alpha * 255.0])
}
