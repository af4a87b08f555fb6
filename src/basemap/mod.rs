//! Basemaps: the tiles an officer recognises a place by — 天地图, any XYZ or
//! WMTS service, an offline MBTiles package or `{z}/{x}/{y}` tile folder —
//! opened, fetched, cached and reprojected into the plan's working CRS.
//!
//! No egui here: the viewer draws the meshes [`grid`] makes, the PDF the
//! images [`compose`] makes, and both are tested without a display. A
//! service key (天地图's `tk`) is given when a basemap is opened and lives
//! only in memory: names, cache folders and reports never contain it.

pub mod compose;
pub mod grid;
pub mod store;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use store::{DiskCache, TileError, TileSource};

/// The attribution 天地图 requires beside its tiles. The 审图号 changes
/// with the service's releases: an officer can state the current one in the
/// basemap settings (`--basemap-attribution`).
pub const TIANDITU_ATTRIBUTION: &str = "天地图 © 国家地理信息公共服务平台 审图号：GS(2024)0568号";

/// The environment variable a 天地图 key can be given in.
pub const TIANDITU_KEY_VAR: &str = "TIANDITU_TK";

/// Tiles of a map service, by its Web Mercator (`_w`) grid; `{s}` picks
/// one of the service's eight hosts.
const TIANDITU_TEMPLATE: &str =
    "https://t{s}.tianditu.gov.cn/DataServer?T={layer}_w&x={x}&y={y}&l={z}&tk={tk}";

/// The basemap an officer chose, as kept in the settings: never with a key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum BasemapChoice {
    #[default]
    None,
    /// 天地图 矢量: roads and places (vec) with their labels (cva).
    TiandituVector,
    /// 天地图 影像: imagery (img) with its labels (cia).
    TiandituImagery,
    /// An XYZ or WMTS URL template: `{z}`/`{x}`/`{y}` (or `{TileMatrix}`,
    /// `{TileCol}`, `{TileRow}`), optionally `{s}` for hosts 0–7.
    Template { url: String, attribution: String },
    /// An MBTiles file or a `{z}/{x}/{y}` tile folder.
    Offline { path: PathBuf },
}

impl BasemapChoice {
    /// Reads what an officer types or passes with `--basemap`: `none`,
    /// `tianditu-vec`, `tianditu-img`, a URL template, or a path.
    pub fn parse(text: &str) -> Result<BasemapChoice, String> {
        let text = text.trim();
        Ok(match text {
            "" | "none" | "无" => BasemapChoice::None,
            "tianditu-vec" | "天地图矢量" => BasemapChoice::TiandituVector,
            "tianditu-img" | "天地图影像" => BasemapChoice::TiandituImagery,
            _ if text.starts_with("http://") || text.starts_with("https://") => {
                let url = store::normalise_template(text)?;
                BasemapChoice::Template {
                    url,
                    attribution: String::new(),
                }
            }
            _ => BasemapChoice::Offline {
                path: PathBuf::from(text),
            },
        })
    }

    /// The choice as `parse` reads it back.
    pub fn spec(&self) -> String {
        match self {
            BasemapChoice::None => "none".to_string(),
            BasemapChoice::TiandituVector => "tianditu-vec".to_string(),
            BasemapChoice::TiandituImagery => "tianditu-img".to_string(),
            BasemapChoice::Template { url, .. } => url.clone(),
            BasemapChoice::Offline { path } => path.display().to_string(),
        }
    }

    pub fn is_tianditu(&self) -> bool {
        matches!(
            self,
            BasemapChoice::TiandituVector | BasemapChoice::TiandituImagery
        )
    }
}

/// Where a basemap's tiles come from and what must be said about them.
pub struct Basemap {
    /// What the report says it used, e.g. "天地图 矢量" or "离线瓦片包 city.mbtiles".
    pub name: String,
    /// Drawn in order: the base, then its labels.
    pub layers: Vec<TileSource>,
    /// Always shown with the tiles.
    pub attribution: String,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// The tiles' date, when the package states one.
    pub date: Option<String>,
}

impl std::fmt::Debug for Basemap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Basemap")
            .field("name", &self.name)
            .field("attribution", &self.attribution)
            .field("zooms", &(self.min_zoom, self.max_zoom))
            .finish()
    }
}

/// What opening a basemap needs besides the choice.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// The 天地图 key (`tk`); else [`TIANDITU_KEY_VAR`] is read.
    pub tianditu_key: Option<String>,
    /// Where fetched tiles are kept; `None` keeps none.
    pub cache: Option<DiskCache>,
    /// The attribution to show instead of the provider's default.
    pub attribution: Option<String>,
}

impl Basemap {
    /// Opens the chosen basemap; `Ok(None)` for none. An offline package is
    /// checked here (a file that is not MBTiles, a folder without tiles);
    /// a service is only reached when tiles are fetched.
    pub fn open(choice: &BasemapChoice, access: &Access) -> Result<Option<Basemap>, String> {
        // Without a key its tiles can still come from the cache (a report);
        // fetching them says where to give one.
        let tianditu = |name: &str, base: &str, labels: &str| -> Result<Basemap, String> {
            let key = access
                .tianditu_key
                .clone()
                .or_else(|| std::env::var(TIANDITU_KEY_VAR).ok())
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty());
            let layer = |code: &str| {
                TileSource::http(
                    &TIANDITU_TEMPLATE.replace("{layer}", code),
                    key.clone(),
                    access.cache.clone(),
                )
            };
            Ok(Basemap {
                name: name.to_string(),
                layers: vec![layer(base), layer(labels)],
                attribution: access
                    .attribution
                    .clone()
                    .unwrap_or_else(|| TIANDITU_ATTRIBUTION.to_string()),
                min_zoom: 1,
                max_zoom: 18,
                date: None,
            })
        };
        Ok(Some(match choice {
            BasemapChoice::None => return Ok(None),
            BasemapChoice::TiandituVector => tianditu("天地图 矢量", "vec", "cva")?,
            BasemapChoice::TiandituImagery => tianditu("天地图 影像", "img", "cia")?,
            BasemapChoice::Template { url, attribution } => Basemap {
                name: format!("瓦片服务 {}", store::host_of(url)),
                layers: vec![TileSource::http(url, None, access.cache.clone())],
                attribution: access
                    .attribution
                    .clone()
                    .unwrap_or_else(|| attribution.clone()),
                min_zoom: 0,
                max_zoom: 19,
                date: None,
            },
            BasemapChoice::Offline { path } => {
                let package = store::open_offline(path)?;
                Basemap {
                    name: format!("离线瓦片 {}", file_name(path)),
                    attribution: access
                        .attribution
                        .clone()
                        .or(package.attribution)
                        .unwrap_or_default(),
                    min_zoom: package.min_zoom,
                    max_zoom: package.max_zoom,
                    date: package.date,
                    layers: vec![package.source],
                }
            }
        }))
    }

    /// The words a report states: which basemap, whose, and when.
    pub fn statement(&self) -> String {
        let mut text = format!("底图 basemap: {}", self.name);
        if let Some(date) = &self.date {
            text.push_str(&format!("（{date}）"));
        }
        if !self.attribution.is_empty() {
            text.push_str(&format!(" · {}", self.attribution));
        }
        text
    }

    /// One tile of every layer, base first; `None` where a layer has none.
    /// `network` false reads only what is at hand (cache, package).
    pub fn fetch(
        &self,
        tile: grid::TileId,
        network: bool,
    ) -> Vec<Result<Option<Vec<u8>>, TileError>> {
        self.layers
            .iter()
            .map(|layer| layer.fetch(tile, network))
            .collect()
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// How much of the disk fetched tiles may take.
pub const CACHE_LIMIT_BYTES: u64 = 1 << 30;

/// The cache of fetched tiles in the user's cache folder, within
/// [`CACHE_LIMIT_BYTES`]; the viewer fills it, reports read it.
pub fn default_cache() -> Option<DiskCache> {
    crate::user_folders::cache_dir().map(|dir| DiskCache::new(dir.join("tiles"), CACHE_LIMIT_BYTES))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_read_back_as_typed() {
        for spec in [
            "none",
            "tianditu-vec",
            "tianditu-img",
            "https://tiles.example/{z}/{x}/{y}.png",
            "/data/city.mbtiles",
        ] {
            assert_eq!(BasemapChoice::parse(spec).unwrap().spec(), spec);
        }
        let wmts = BasemapChoice::parse(
            "http://a.example/wmts?TileMatrix={TileMatrix}&TileRow={TileRow}&TileCol={TileCol}",
        )
        .unwrap();
        assert_eq!(
            wmts.spec(),
            "http://a.example/wmts?TileMatrix={z}&TileRow={y}&TileCol={x}"
        );
        assert!(BasemapChoice::parse("https://tiles.example/no-placeholders.png").is_err());
    }

    #[test]
    fn tianditu_without_a_key_says_where_to_give_one() {
        if std::env::var_os(TIANDITU_KEY_VAR).is_some() {
            return;
        }
        let basemap = Basemap::open(&BasemapChoice::TiandituVector, &Access::default())
            .unwrap()
            .unwrap();
        let tile = grid::TileId { z: 1, x: 1, y: 0 };
        // Nothing at hand, and no service asked without a key.
        assert_eq!(basemap.fetch(tile, false)[0], Ok(None));
        match &basemap.fetch(tile, true)[0] {
            Err(TileError::Refused(message)) => {
                assert!(message.contains(TIANDITU_KEY_VAR), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_key_is_never_in_what_is_stated() {
        let access = Access {
            tianditu_key: Some("0123456789abcdef".to_string()),
            ..Access::default()
        };
        let basemap = Basemap::open(&BasemapChoice::TiandituImagery, &access)
            .unwrap()
            .unwrap();
        assert_eq!(basemap.layers.len(), 2);
        let said = format!("{} {:?}", basemap.statement(), basemap);
        assert!(!said.contains("0123456789abcdef"), "{said}");
        assert!(said.contains("审图号"), "{said}");
    }
}
