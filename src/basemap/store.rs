//! Where tile images come from: a tile service over HTTP (kept in a disk
//! cache with a size limit), an MBTiles package (per its 1.3 spec: TMS rows,
//! metadata table) or a `{z}/{x}/{y}` folder. Each answers a tile with its
//! encoded bytes, none when it has no such tile, or why it could not.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use sha2::{Digest, Sha256};

use super::grid::TileId;

/// Why a tile could not be had; the viewer says it once in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileError {
    /// The service could not be reached (no network, an isolated 内网).
    Unreachable(String),
    /// The service answered but refused (a wrong or expired key: 401/403).
    Refused(String),
    /// The service or the package gave something that is not a tile.
    Broken(String),
}

impl std::fmt::Display for TileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TileError::Unreachable(m) => {
                write!(f, "底图服务无法连接 basemap service unreachable: {m}")
            }
            TileError::Refused(m) => write!(f, "底图服务拒绝访问 basemap service refused: {m}"),
            TileError::Broken(m) => write!(f, "底图瓦片无法读取 basemap tile unreadable: {m}"),
        }
    }
}

/// Reads `{z}`, `{x}`, `{y}` and WMTS's `{TileMatrix}`, `{TileCol}`,
/// `{TileRow}` templates alike; refuses one that cannot name a tile.
pub fn normalise_template(url: &str) -> Result<String, String> {
    let url = url
        .trim()
        .replace("{TileMatrix}", "{z}")
        .replace("{TileCol}", "{x}")
        .replace("{TileRow}", "{y}");
    if ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p)) {
        Ok(url)
    } else {
        Err(format!(
            "{url} is not a tile URL template: it needs {{z}}, {{x}} and {{y}} (or WMTS's {{TileMatrix}}, {{TileCol}}, {{TileRow}}), e.g. https://tiles.example/{{z}}/{{x}}/{{y}}.png"
        ))
    }
}

/// The host a template names, for what the viewer and report say (`*`
/// for the part that picks one of its hosts).
pub fn host_of(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(url)
        .replace("{s}", "*")
}

/// One layer of tiles.
#[derive(Clone)]
pub enum TileSource {
    Http(Arc<HttpTiles>),
    MbTiles(Arc<MbTiles>),
    Folder(PathBuf),
}

pub struct HttpTiles {
    template: String,
    key: Option<String>,
    cache: Option<DiskCache>,
    agent: ureq::Agent,
}

pub struct MbTiles {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl TileSource {
    pub fn http(template: &str, key: Option<String>, cache: Option<DiskCache>) -> TileSource {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(15)))
            .http_status_as_error(false)
            .user_agent(concat!("redline/", env!("CARGO_PKG_VERSION")))
            .build();
        // Each template's tiles have a folder of their own, named by the
        // template without its key: a new key keeps the tiles.
        let cache = cache.map(|c| c.within(&short_hash(template)));
        TileSource::Http(Arc::new(HttpTiles {
            template: template.to_string(),
            key,
            cache,
            agent: ureq::Agent::new_with_config(config),
        }))
    }

    /// The tile's encoded image; `Ok(None)` when the source has no such
    /// tile. `network` false answers from what is at hand only.
    pub fn fetch(&self, tile: TileId, network: bool) -> Result<Option<Vec<u8>>, TileError> {
        match self {
            TileSource::Http(http) => http.fetch(tile, network),
            TileSource::MbTiles(package) => package.fetch(tile),
            TileSource::Folder(root) => folder_tile(root, tile),
        }
    }
}

impl HttpTiles {
    fn url(&self, tile: TileId) -> String {
        let hosts: &[&str] = if self.template.contains("tianditu") {
            &["0", "1", "2", "3", "4", "5", "6", "7"]
        } else {
            &["a", "b", "c"]
        };
        let host = hosts[(tile.x as usize + tile.y as usize) % hosts.len()];
        self.template
            .replace("{z}", &tile.z.to_string())
            .replace("{x}", &tile.x.to_string())
            .replace("{y}", &tile.y.to_string())
            .replace("{s}", host)
            .replace("{tk}", self.key.as_deref().unwrap_or(""))
    }

    fn fetch(&self, tile: TileId, network: bool) -> Result<Option<Vec<u8>>, TileError> {
        if let Some(bytes) = self.cache.as_ref().and_then(|c| c.get(tile)) {
            return Ok(Some(bytes));
        }
        if !network {
            return Ok(None);
        }
        if self.template.contains("{tk}") && self.key.is_none() {
            return Err(TileError::Refused(format!(
                "{} needs a key (tk): enter it in the basemap settings (视图 View → 底图… Basemap…) or set {}; apply for one at https://console.tianditu.gov.cn",
                host_of(&self.template),
                super::TIANDITU_KEY_VAR
            )));
        }
        let url = self.url(tile);
        // What is said never shows the key.
        let shown = self.template.replace("{tk}", "…");
        let mut response = self
            .agent
            .get(&url)
            .call()
            .map_err(|e| TileError::Unreachable(format!("{shown}: {e}")))?;
        let status = response.status().as_u16();
        match status {
            200 => {}
            204 | 404 => return Ok(None),
            401 | 403 => {
                return Err(TileError::Refused(format!(
                    "{shown}: HTTP {status} (check the key in the basemap settings)"
                )))
            }
            _ => {
                return Err(TileError::Unreachable(format!("{shown}: HTTP {status}")));
            }
        }
        let bytes = response
            .body_mut()
            .with_config()
            .limit(8 << 20)
            .read_to_vec()
            .map_err(|e| TileError::Unreachable(format!("{shown}: {e}")))?;
        // A refused key can come back as a 200 with words, not an image.
        if !looks_like_image(&bytes) {
            let said: String = String::from_utf8_lossy(&bytes).chars().take(120).collect();
            return Err(TileError::Refused(format!(
                "{shown}: the service answered {said:?}, not a tile image"
            )));
        }
        if let Some(cache) = &self.cache {
            cache.put(tile, &bytes);
        }
        Ok(Some(bytes))
    }
}

/// PNG, JPEG or WebP by their first bytes.
fn looks_like_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(&[0xff, 0xd8])
        || (bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP")
}

impl MbTiles {
    fn fetch(&self, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
        // MBTiles counts rows from the south (TMS).
        let row = (1u32 << tile.z) - 1 - tile.y;
        let connection = self
            .connection
            .lock()
            .map_err(|_| TileError::Broken("the package's reader failed earlier".to_string()))?;
        connection
            .query_row(
                "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                (tile.z, tile.x, row),
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()
            .map_err(|e| TileError::Broken(format!("{}: tile {tile}: {e}", self.path.display())))
    }
}

fn folder_tile(root: &Path, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
    for ext in ["png", "jpg", "jpeg", "webp"] {
        let path = root
            .join(tile.z.to_string())
            .join(tile.x.to_string())
            .join(format!("{}.{ext}", tile.y));
        match fs::read(&path) {
            Ok(bytes) => return Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(TileError::Broken(format!("{}: {e}", path.display()))),
        }
    }
    Ok(None)
}

/// An offline package, opened and checked.
pub struct Offline {
    pub source: TileSource,
    pub attribution: Option<String>,
    pub min_zoom: u8,
    pub max_zoom: u8,
    pub date: Option<String>,
}

/// Opens an MBTiles file or a tile folder; says what is wrong with one
/// that is neither.
pub fn open_offline(path: &Path) -> Result<Offline, String> {
    let shown = path.display();
    if path.is_dir() {
        let zooms: Vec<u8> = fs::read_dir(path)
            .map_err(|e| format!("{shown}: {e}"))?
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u8>().ok())
            .filter(|z| *z <= 24)
            .collect();
        let (Some(&min_zoom), Some(&max_zoom)) = (zooms.iter().min(), zooms.iter().max()) else {
            return Err(format!(
                "{shown} has no tiles: a tile folder holds {{z}}/{{x}}/{{y}}.png (or .jpg) below it"
            ));
        };
        let attribution = fs::read_to_string(path.join("attribution.txt"))
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        return Ok(Offline {
            source: TileSource::Folder(path.to_path_buf()),
            attribution,
            min_zoom,
            max_zoom,
            date: None,
        });
    }
    if !path.is_file() {
        return Err(format!(
            "{shown} does not exist: give an MBTiles file or a {{z}}/{{x}}/{{y}} tile folder"
        ));
    }
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("{shown}: cannot open it as MBTiles: {e}"))?;
    let not_mbtiles = |e: rusqlite::Error| {
        format!("{shown} is not an MBTiles package (an SQLite file with tables metadata and tiles): {e}")
    };
    let metadata: Vec<(String, String)> = connection
        .prepare("SELECT name, value FROM metadata")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()
        })
        .map_err(not_mbtiles)?;
    let meta = |name: &str| {
        metadata
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if let Some(format) = meta("format") {
        if !["png", "jpg", "jpeg", "webp"].contains(&format.as_str()) {
            return Err(format!(
                "{shown} holds {format} tiles; redline draws image tiles (png, jpg, webp), not vector tiles"
            ));
        }
    }
    let (min_zoom, max_zoom): (Option<u8>, Option<u8>) = connection
        .query_row(
            "SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(not_mbtiles)?;
    let (Some(min_zoom), Some(max_zoom)) = (
        meta("minzoom").and_then(|z| z.parse().ok()).or(min_zoom),
        meta("maxzoom").and_then(|z| z.parse().ok()).or(max_zoom),
    ) else {
        return Err(format!("{shown} holds no tiles"));
    };
    // The spec has no date; packages carry one under these names.
    let date = ["date", "mtime", "version"].iter().find_map(|k| meta(k));
    Ok(Offline {
        source: TileSource::MbTiles(Arc::new(MbTiles {
            path: path.to_path_buf(),
            connection: Mutex::new(connection),
        })),
        attribution: meta("attribution"),
        min_zoom,
        max_zoom,
        date,
    })
}

/// Fetched tiles on disk, the least recently used removed beyond a size
/// limit. Tiles are written whole (temporary file, rename), so a reader
/// never sees half of one; a cache that cannot be written is only slower.
#[derive(Debug, Clone)]
pub struct DiskCache {
    /// The cache's own folder, all sources below it: what is measured.
    top: PathBuf,
    /// This source's tiles.
    root: PathBuf,
    limit_bytes: u64,
    /// Bytes written since the folder was last measured.
    written: Arc<Mutex<u64>>,
}

impl DiskCache {
    pub fn new(root: PathBuf, limit_bytes: u64) -> DiskCache {
        DiskCache {
            top: root.clone(),
            root,
            limit_bytes,
            written: Arc::default(),
        }
    }

    /// The same limit, for one source's folder inside this one.
    fn within(&self, name: &str) -> DiskCache {
        DiskCache {
            top: self.top.clone(),
            root: self.top.join(name),
            limit_bytes: self.limit_bytes,
            written: self.written.clone(),
        }
    }

    fn path(&self, tile: TileId) -> PathBuf {
        self.root
            .join(tile.z.to_string())
            .join(tile.x.to_string())
            .join(tile.y.to_string())
    }

    pub fn get(&self, tile: TileId) -> Option<Vec<u8>> {
        let path = self.path(tile);
        let bytes = fs::read(&path).ok()?;
        // Read means used: it is the last to go.
        if let Ok(file) = fs::File::options().write(true).open(&path) {
            let _ = file.set_modified(std::time::SystemTime::now());
        }
        Some(bytes)
    }

    pub fn put(&self, tile: TileId, bytes: &[u8]) {
        let path = self.path(tile);
        let Some(dir) = path.parent() else { return };
        if fs::create_dir_all(dir).is_err() {
            return;
        }
        let Ok(mut file) = tempfile::NamedTempFile::new_in(dir) else {
            return;
        };
        if std::io::Write::write_all(&mut file, bytes).is_err() || file.persist(&path).is_err() {
            return;
        }
        let due = {
            let Ok(mut written) = self.written.lock() else {
                return;
            };
            *written += bytes.len() as u64;
            // Measured again after a tenth of the limit is written.
            let due = *written > self.limit_bytes / 10;
            if due {
                *written = 0;
            }
            due
        };
        if due {
            self.trim();
        }
    }

    /// Removes the least recently used tiles until the cache is within
    /// nine tenths of its limit.
    pub fn trim(&self) {
        let mut files = Vec::new();
        collect_files(&self.top, &mut files);
        let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
        if total <= self.limit_bytes {
            return;
        }
        files.sort_by_key(|(_, _, used)| *used);
        for (path, len, _) in files {
            if total <= self.limit_bytes / 10 * 9 {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }

    /// Bytes of tiles in the whole cache.
    pub fn size_bytes(&self) -> u64 {
        let mut files = Vec::new();
        collect_files(&self.top, &mut files);
        files.iter().map(|(_, len, _)| len).sum()
    }
}

fn collect_files(dir: &Path, out: &mut Vec<(PathBuf, u64, std::time::SystemTime)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            collect_files(&entry.path(), out);
        } else {
            let used = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
            out.push((entry.path(), meta.len(), used));
        }
    }
}

fn short_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A tile's pixels, RGBA, from its encoded bytes.
pub fn decode(bytes: &[u8]) -> Result<image::RgbaImage, TileError> {
    image::load_from_memory(bytes)
        .map(|i| i.to_rgba8())
        .map_err(|e| TileError::Broken(e.to_string()))
}
