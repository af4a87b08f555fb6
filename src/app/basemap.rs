//! The basemap under the map: tiles fetched, decoded and meshed on worker
//! threads (a frame never waits on the network or the disk), uploaded as
//! textures and drawn as meshes reprojected into the working CRS, a coarser
//! tile standing in until a finer one arrives; the attribution always shown
//! and each kind of failure said once.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use eframe::egui::{self, Color32, Context, Painter, Pos2, Rect, TextureHandle, TextureOptions};
use serde::{Deserialize, Serialize};

use crate::basemap::compose::layered_tile;
use crate::basemap::grid::{cover, tile_mesh, Reprojection, TileId, TileMesh};
use crate::basemap::store::TileError;
use crate::basemap::{default_cache, Access, Basemap, BasemapChoice};
use crate::crs::Crs;
use crate::report::meta::BasemapInReport;

use super::map::MapView;

/// Threads fetching tiles: a service answers each in tens of milliseconds,
/// mostly waiting; four keep a view filling without taking the cores.
const FETCHERS: usize = 4;
/// Tiles kept as textures (256 KB each): a few screens' worth.
const KEPT_TILES: usize = 300;
/// Textures uploaded in one frame: under a software GL each costs about a
/// millisecond; the rest wait for the next frames.
const UPLOADS_PER_FRAME: usize = 2;
/// How many zooms out a stand-in tile may come from.
const STAND_IN_ZOOMS: u8 = 6;

/// The basemap settings kept between runs (with the key: the user's own
/// settings file, never a catalog or a report).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct BasemapSettings {
    pub choice: BasemapChoice,
    pub opacity: f32,
    pub tianditu_key: String,
    /// Said instead of the provider's attribution (a newer 审图号).
    pub attribution: String,
}

impl Default for BasemapSettings {
    fn default() -> Self {
        BasemapSettings {
            choice: BasemapChoice::None,
            opacity: 0.8,
            tianditu_key: String::new(),
            attribution: String::new(),
        }
    }
}

impl BasemapSettings {
    pub fn access(&self) -> Access {
        Access {
            tianditu_key: Some(self.tianditu_key.clone()).filter(|k| !k.trim().is_empty()),
            cache: default_cache(),
            attribution: Some(self.attribution.trim().to_string()).filter(|a| !a.is_empty()),
        }
    }
}

enum Slot {
    Pending,
    Ready {
        texture: TextureHandle,
        mesh: TileMesh,
        used: u64,
    },
    /// The source has no such tile.
    Absent,
    Failed,
}

enum Arrival {
    Tile(
        TileId,
        Result<Option<(egui::ColorImage, TileMesh)>, TileError>,
    ),
    /// Not wanted any more when its turn came: not fetched.
    Skipped(TileId),
}

/// A view, as far as which tiles it needs: centre (decimetres), scale, canvas size.
type ViewKey = (i64, i64, u64, i32, i32);

/// A basemap being shown.
pub struct BasemapLayer {
    pub basemap: Arc<Basemap>,
    projection: Reprojection,
    wanted: Arc<Mutex<HashSet<TileId>>>,
    queue: Sender<TileId>,
    arrived: Receiver<Arrival>,
    tiles: HashMap<TileId, Slot>,
    frame: u64,
    /// The view the cover was made for, and the cover.
    cover: Option<(ViewKey, Vec<TileId>)>,
    said: HashSet<&'static str>,
    indices: Vec<u32>,
    /// Tiles arrived or the view moved since the last frame.
    changed: bool,
}

impl BasemapLayer {
    pub fn new(ctx: &Context, basemap: Basemap, working: &Crs) -> Result<BasemapLayer, String> {
        let basemap = Arc::new(basemap);
        let projection = Reprojection::new(working)?;
        let (queue, requests) = mpsc::channel::<TileId>();
        let (deliver, arrived) = mpsc::channel();
        let requests = Arc::new(Mutex::new(requests));
        let wanted: Arc<Mutex<HashSet<TileId>>> = Arc::default();
        for _ in 0..FETCHERS {
            let (requests, deliver, wanted) = (requests.clone(), deliver.clone(), wanted.clone());
            let (basemap, projection, ctx) = (basemap.clone(), projection.clone(), ctx.clone());
            std::thread::spawn(move || loop {
                // The queue closes when the layer is dropped: the thread ends.
                let next = requests.lock().ok().and_then(|r| r.recv().ok());
                let Some(tile) = next else { return };
                let still_wanted = wanted.lock().is_ok_and(|w| w.contains(&tile));
                let arrival = if still_wanted {
                    Arrival::Tile(tile, fetch(&basemap, &projection, tile))
                } else {
                    Arrival::Skipped(tile)
                };
                if deliver.send(arrival).is_err() {
                    return;
                }
                ctx.request_repaint();
            });
        }
        Ok(BasemapLayer {
            basemap,
            projection,
            wanted,
            queue,
            arrived,
            tiles: HashMap::new(),
            frame: 0,
            cover: None,
            said: HashSet::new(),
            indices: TileMesh::indices(),
            changed: false,
        })
    }

    /// The basemap as a report prints it.
    pub fn in_report(&self, opacity: f32) -> BasemapInReport {
        BasemapInReport {
            basemap: self.basemap.clone(),
            projection: self.projection.clone(),
            opacity,
        }
    }

    /// Whether tiles the view needs are still on their way.
    pub fn loading(&self) -> bool {
        self.cover.as_ref().is_some_and(|(_, tiles)| {
            tiles
                .iter()
                .any(|t| matches!(self.tiles.get(t), Some(Slot::Pending)))
        })
    }

    /// Draws the tiles under the view; returns what went wrong, each kind once.
    pub fn paint(
        &mut self,
        ctx: &Context,
        painter: &Painter,
        canvas: Rect,
        view: &MapView,
        opacity: f32,
    ) -> Vec<String> {
        self.frame += 1;
        let mut said = self.receive(ctx);
        let key = (
            (view.center.x * 10.0) as i64,
            (view.center.y * 10.0) as i64,
            view.m_per_px.to_bits(),
            canvas.width() as i32,
            canvas.height() as i32,
        );
        if self.cover.as_ref().is_none_or(|(k, _)| *k != key) {
            let min = view.working_from_screen(canvas, canvas.left_bottom());
            let max = view.working_from_screen(canvas, canvas.right_top());
            match cover(
                geo::Rect::new(min, max),
                view.m_per_px,
                &self.projection,
                self.basemap.min_zoom,
                self.basemap.max_zoom,
            ) {
                Ok(c) => {
                    if let Ok(mut wanted) = self.wanted.lock() {
                        *wanted = c.tiles.iter().copied().collect();
                    }
                    self.cover = Some((key, c.tiles));
                    self.changed = true;
                }
                Err(e) => {
                    if self.said.insert("projection") {
                        said.push(format!("底图无法投影 basemap cannot be placed: {e}"));
                    }
                    return said;
                }
            }
        }
        let Some((key, needed)) = self.cover.take() else {
            return said;
        };
        let mut stand_ins = Vec::new();
        for tile in &needed {
            match self.tiles.get_mut(tile) {
                None => {
                    self.tiles.insert(*tile, Slot::Pending);
                    let _ = self.queue.send(*tile);
                    stand_ins.extend(self.stand_in(*tile));
                }
                Some(Slot::Ready { used, .. }) => *used = self.frame,
                Some(Slot::Pending) => stand_ins.extend(self.stand_in(*tile)),
                Some(Slot::Absent | Slot::Failed) => {}
            }
        }
        // Coarsest first (finer stand-ins over them), each once.
        stand_ins.sort();
        stand_ins.dedup();
        let tint = Color32::from_white_alpha((opacity.clamp(0.0, 1.0) * 255.0) as u8);
        for tile in stand_ins.iter().chain(&needed) {
            if let Some(Slot::Ready { texture, mesh, .. }) = self.tiles.get(tile) {
                let mut shape = egui::Mesh::with_texture(texture.id());
                shape.indices = self.indices.clone();
                shape.vertices = mesh
                    .positions
                    .iter()
                    .zip(&mesh.uvs)
                    .map(|(p, uv)| egui::epaint::Vertex {
                        pos: view.screen_from_working(canvas, *p),
                        uv: Pos2::new(uv[0], uv[1]),
                        color: tint,
                    })
                    .collect();
                painter.add(egui::Shape::mesh(shape));
            }
        }
        // Only when tiles arrived or the view moved: nothing else changes what is kept.
        if std::mem::take(&mut self.changed) {
            self.forget_old(&needed);
        }
        self.cover = Some((key, needed));
        said
    }

    /// The nearest coarser tile at hand that holds `tile`.
    fn stand_in(&self, tile: TileId) -> Option<TileId> {
        let mut up = tile;
        for _ in 0..STAND_IN_ZOOMS {
            up = up.parent()?;
            if matches!(self.tiles.get(&up), Some(Slot::Ready { .. })) {
                return Some(up);
            }
        }
        None
    }

    fn receive(&mut self, ctx: &Context) -> Vec<String> {
        let mut said = Vec::new();
        let mut uploads = 0;
        while uploads < UPLOADS_PER_FRAME {
            let Ok(arrival) = self.arrived.try_recv() else {
                return said;
            };
            self.changed = true;
            match arrival {
                Arrival::Skipped(tile) => {
                    self.tiles.remove(&tile);
                }
                Arrival::Tile(tile, Ok(Some((image, mesh)))) => {
                    uploads += 1;
                    let texture =
                        ctx.load_texture(format!("basemap {tile}"), image, TextureOptions::LINEAR);
                    self.tiles.insert(
                        tile,
                        Slot::Ready {
                            texture,
                            mesh,
                            used: self.frame,
                        },
                    );
                }
                Arrival::Tile(tile, Ok(None)) => {
                    self.tiles.insert(tile, Slot::Absent);
                }
                Arrival::Tile(tile, Err(e)) => {
                    // Asked again once out of view and back: the network may be back.
                    self.tiles.insert(tile, Slot::Failed);
                    let kind = match e {
                        TileError::Unreachable(_) => "unreachable",
                        TileError::Refused(_) => "refused",
                        TileError::Broken(_) => "broken",
                    };
                    if self.said.insert(kind) {
                        said.push(format!(
                            "{e}；地图照常使用，无底图 the map works on without it"
                        ));
                    }
                }
            }
        }
        // More may be waiting: the next frame takes them.
        ctx.request_repaint();
        said
    }

    /// Textures beyond [`KEPT_TILES`] go, the least recently drawn first;
    /// failed tiles are forgotten once out of view, so they are asked again.
    fn forget_old(&mut self, needed: &[TileId]) {
        let needed: HashSet<&TileId> = needed.iter().collect();
        self.tiles
            .retain(|t, slot| !matches!(slot, Slot::Failed) || needed.contains(t));
        let mut ready: Vec<(u64, TileId)> = self
            .tiles
            .iter()
            .filter_map(|(t, slot)| match slot {
                Slot::Ready { used, .. } => Some((*used, *t)),
                _ => None,
            })
            .collect();
        if ready.len() <= KEPT_TILES {
            return;
        }
        ready.sort();
        for (_, tile) in &ready[..ready.len() - KEPT_TILES] {
            self.tiles.remove(tile);
        }
    }
}

/// A tile's pixels and its mesh, made on a fetching thread.
fn fetch(
    basemap: &Basemap,
    projection: &Reprojection,
    tile: TileId,
) -> Result<Option<(egui::ColorImage, TileMesh)>, TileError> {
    let Some(pixels) = layered_tile(basemap, tile, true)? else {
        return Ok(None);
    };
    let mesh = tile_mesh(tile, projection).map_err(TileError::Broken)?;
    let size = [pixels.width() as usize, pixels.height() as usize];
    let image = egui::ColorImage::from_rgba_unmultiplied(size, pixels.as_raw());
    Ok(Some((image, mesh)))
}

/// The attribution, bottom right of the map, over everything.
pub fn draw_attribution(painter: &Painter, canvas: Rect, text: &str) {
    if text.is_empty() {
        return;
    }
    let galley = painter.layout_no_wrap(
        text.to_string(),
        egui::FontId::proportional(11.0),
        Color32::from_gray(40),
    );
    let at = Pos2::new(
        canvas.right() - galley.size().x - 8.0,
        canvas.bottom() - galley.size().y - 4.0,
    );
    painter.rect_filled(
        Rect::from_min_size(at, galley.size()).expand(3.0),
        2.0,
        Color32::from_white_alpha(210),
    );
    painter.galley(at, galley, Color32::from_gray(40));
}
