//! The tests' own basemap tiles: each a solid colour that says which tile
//! it is, with a dark line along its west and north edges, so where each
//! lands on a map can be read back from its pixels. Served three ways:
//! an MBTiles package, a `{z}/{x}/{y}` folder, and a tile server on
//! 127.0.0.1.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use redline::basemap::grid::{tile_from_lonlat, TileId};

/// Pixels of the dark line along a tile's west and north edges.
pub const EDGE_PX: u32 = 3;
pub const EDGE: [u8; 3] = [40, 40, 40];

/// The colour of a tile's inside: its column and row modulo 8 and its zoom.
pub fn tile_color(tile: TileId) -> [u8; 3] {
    [
        110 + (tile.x % 8) as u8 * 18,
        110 + (tile.y % 8) as u8 * 18,
        150 + tile.z * 4,
    ]
}

pub fn tile_png(tile: TileId) -> Vec<u8> {
    let inside = tile_color(tile);
    let image = image::RgbImage::from_fn(256, 256, |x, y| {
        image::Rgb(if x < EDGE_PX || y < EDGE_PX {
            EDGE
        } else {
            inside
        })
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// The tiles over a longitude/latitude box, at each of `zooms`.
pub fn tiles_over(west: f64, south: f64, east: f64, north: f64, zooms: &[u8]) -> Vec<TileId> {
    let mut tiles = Vec::new();
    for &z in zooms {
        let nw = tile_from_lonlat(west, north, z);
        let se = tile_from_lonlat(east, south, z);
        for x in nw.x as u32..=se.x as u32 {
            for y in nw.y as u32..=se.y as u32 {
                tiles.push(TileId { z, x, y });
            }
        }
    }
    tiles
}

/// The box the sample plan (and the tests' worlds near 106.3°E 29.6°N) lies in.
pub const SAMPLE_BOX: (f64, f64, f64, f64) = (106.1, 29.4, 106.7, 29.9);

pub fn sample_tiles(zooms: &[u8]) -> Vec<TileId> {
    let (w, s, e, n) = SAMPLE_BOX;
    tiles_over(w, s, e, n, zooms)
}

/// An MBTiles 1.3 package of `tiles` (TMS rows, as the spec says).
pub fn write_mbtiles(path: &Path, tiles: &[TileId], attribution: &str) {
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        "CREATE TABLE metadata (name TEXT, value TEXT);
         CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
         CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);",
    )
    .unwrap();
    let zooms = tiles.iter().map(|t| t.z);
    let (min, max) = (zooms.clone().min().unwrap(), zooms.max().unwrap());
    for (name, value) in [
        ("name", "redline test tiles".to_string()),
        ("format", "png".to_string()),
        ("minzoom", min.to_string()),
        ("maxzoom", max.to_string()),
        ("attribution", attribution.to_string()),
        ("date", "2026-11-30".to_string()),
    ] {
        db.execute("INSERT INTO metadata VALUES (?1, ?2)", (name, value))
            .unwrap();
    }
    for tile in tiles {
        db.execute(
            "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)",
            (
                tile.z,
                tile.x,
                (1u32 << tile.z) - 1 - tile.y,
                tile_png(*tile),
            ),
        )
        .unwrap();
    }
}

/// A `{z}/{x}/{y}.png` folder of `tiles`.
pub fn write_folder(root: &Path, tiles: &[TileId]) {
    for tile in tiles {
        let dir = root.join(tile.z.to_string()).join(tile.x.to_string());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{}.png", tile.y)), tile_png(*tile)).unwrap();
    }
}

/// A tile server on 127.0.0.1 for as long as the test runs: `/{z}/{x}/{y}.png`
/// answers the tile; a request whose query has `tk=refused` gets 403, one
/// with `tk=words` a 200 with a JSON complaint, as services do.
pub struct TileServer {
    pub port: u16,
    /// Tile requests answered so far.
    pub requests: Arc<AtomicUsize>,
}

impl TileServer {
    pub fn start() -> TileServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let counter = counter.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut request = String::new();
                    if reader.read_line(&mut request).is_err() {
                        return;
                    }
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap_or(0) <= 2 {
                            break;
                        }
                    }
                    let target = request.split_whitespace().nth(1).unwrap_or("/");
                    let (status, kind, body) = answer(target);
                    if status == "200 OK" && kind == "image/png" {
                        counter.fetch_add(1, Ordering::SeqCst);
                    }
                    let head = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&body);
                });
            }
        });
        TileServer { port, requests }
    }

    pub fn template(&self) -> String {
        format!("http://127.0.0.1:{}/{{z}}/{{x}}/{{y}}.png", self.port)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn answer(target: &str) -> (&'static str, &'static str, Vec<u8>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if query.contains("tk=refused") {
        return ("403 Forbidden", "text/plain", b"forbidden".to_vec());
    }
    if query.contains("tk=words") {
        return (
            "200 OK",
            "application/json",
            "{\"msg\":\"权限验证失败\"}".as_bytes().to_vec(),
        );
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let tile = match parts.as_slice() {
        [z, x, y] => (|| {
            Some(TileId {
                z: z.parse().ok()?,
                x: x.parse().ok()?,
                y: y.strip_suffix(".png")?.parse().ok()?,
            })
        })(),
        _ => None,
    };
    match tile {
        Some(tile) => ("200 OK", "image/png", tile_png(tile)),
        None => ("404 Not Found", "text/plain", b"no such tile".to_vec()),
    }
}
