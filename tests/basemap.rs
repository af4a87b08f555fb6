//! Basemaps from the three places tiles come from — an MBTiles package, a
//! tile folder, a tile server on 127.0.0.1 — each written by the test, and
//! where their pixels land once reprojected into the plan's CRS.

mod common;

use std::path::Path;

use geo::{Coord, Rect};
use redline::basemap::compose::compose;
use redline::basemap::grid::{lonlat_from_tile, tile_from_lonlat, Reprojection, TileId};
use redline::basemap::store::{decode, DiskCache, TileError, TileSource};
use redline::basemap::{Access, Basemap, BasemapChoice};
use redline::crs::Crs;

use common::tiles::{sample_tiles, tile_color, write_folder, write_mbtiles, TileServer, EDGE};

fn open(choice: &BasemapChoice, access: &Access) -> Basemap {
    Basemap::open(choice, access).unwrap().unwrap()
}

fn offline(path: &Path) -> Basemap {
    open(
        &BasemapChoice::Offline {
            path: path.to_path_buf(),
        },
        &Access::default(),
    )
}

fn inside_color(bytes: &[u8]) -> [u8; 3] {
    let pixels = decode(bytes).unwrap();
    let p = pixels.get_pixel(128, 128).0;
    [p[0], p[1], p[2]]
}

const TILE: TileId = TileId {
    z: 12,
    x: 3257,
    y: 1695,
};

#[test]
fn a_package_a_folder_and_a_server_give_the_same_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let tiles = sample_tiles(&[10, 11, 12]);
    assert!(tiles.contains(&TILE));
    let package = dir.path().join("city.mbtiles");
    write_mbtiles(&package, &tiles, "测试底图 © redline tests");
    let folder = dir.path().join("tiles");
    write_folder(&folder, &tiles);
    let server = TileServer::start();

    let from_package = offline(&package);
    assert_eq!((from_package.min_zoom, from_package.max_zoom), (10, 12));
    assert_eq!(from_package.attribution, "测试底图 © redline tests");
    assert_eq!(from_package.date.as_deref(), Some("2026-11-30"));
    assert!(
        from_package.statement().contains("city.mbtiles")
            && from_package.statement().contains("2026-11-30"),
        "{}",
        from_package.statement()
    );
    let from_folder = offline(&folder);
    assert_eq!((from_folder.min_zoom, from_folder.max_zoom), (10, 12));
    let from_server = open(
        &BasemapChoice::parse(&server.template()).unwrap(),
        &Access::default(),
    );

    for basemap in [&from_package, &from_folder, &from_server] {
        let fetched = basemap.fetch(TILE, true);
        let bytes = fetched[0].clone().unwrap().unwrap();
        assert_eq!(inside_color(&bytes), tile_color(TILE), "{}", basemap.name);
        // A tile the source does not have is none, not an error.
        let outside = TileId {
            z: 12,
            x: 100,
            y: 100,
        };
        if !matches!(basemap.layers[0], TileSource::Http(_)) {
            assert_eq!(basemap.fetch(outside, true)[0], Ok(None));
        }
    }
    assert_eq!(server.requests(), 1);
}

#[test]
fn fetched_tiles_are_cached_on_disk_within_a_limit() {
    let dir = tempfile::tempdir().unwrap();
    let server = TileServer::start();
    let cache = DiskCache::new(dir.path().join("cache"), 40_000);
    let source = TileSource::http(&server.template(), None, Some(cache.clone()));
    // Without the network nothing is at hand yet.
    assert_eq!(source.fetch(TILE, false), Ok(None));
    assert_eq!(server.requests(), 0);
    let first = source.fetch(TILE, true).unwrap().unwrap();
    assert_eq!(server.requests(), 1);
    // A new run (a new source over the same folder) reads the cache.
    let again = TileSource::http(&server.template(), None, Some(cache.clone()));
    assert_eq!(again.fetch(TILE, false).unwrap().unwrap(), first);
    assert_eq!(again.fetch(TILE, true).unwrap().unwrap(), first);
    assert_eq!(server.requests(), 1);

    // Many tiles later the cache is within its limit, and the tile read
    // most recently is still there.
    let many = sample_tiles(&[13]);
    assert!(many.len() > 60);
    for tile in &many {
        again.fetch(*tile, true).unwrap();
        again.fetch(TILE, false).unwrap();
    }
    cache.trim();
    let size = cache.size_bytes();
    assert!(size <= 40_000, "{size} bytes");
    assert!(size > 20_000, "{size} bytes: the cache kept too little");
    assert_eq!(again.fetch(TILE, false).unwrap().unwrap(), first);
}

#[test]
fn a_refused_key_and_an_unreachable_service_say_why_without_the_key() {
    let server = TileServer::start();
    let template = format!(
        "http://127.0.0.1:{}/{{z}}/{{x}}/{{y}}.png?tk={{tk}}",
        server.port
    );
    for (key, said) in [("refused", "HTTP 403"), ("words", "权限验证失败")] {
        let source = TileSource::http(&template, Some(key.to_string()), None);
        match source.fetch(TILE, true) {
            Err(TileError::Refused(message)) => {
                assert!(message.contains(said), "{message}");
                assert!(!message.contains(&format!("tk={key}")), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    // A port nothing listens on: the service cannot be reached.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let source = TileSource::http(
        &format!("http://127.0.0.1:{closed}/{{z}}/{{x}}/{{y}}.png"),
        None,
        None,
    );
    assert!(matches!(
        source.fetch(TILE, true),
        Err(TileError::Unreachable(_))
    ));
}

#[test]
fn a_file_that_is_not_a_tile_package_is_named_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mbtiles");
    std::fs::write(&text, "not a database").unwrap();
    let vector = dir.path().join("vector.mbtiles");
    write_mbtiles(&vector, &[TILE], "");
    let db = rusqlite::Connection::open(&vector).unwrap();
    db.execute(
        "UPDATE metadata SET value = 'pbf' WHERE name = 'format'",
        [],
    )
    .unwrap();
    drop(db);
    let before = std::fs::read(&vector).unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for (path, said) in [
        (&text, "not an MBTiles package"),
        (&vector, "not vector tiles"),
        (&empty, "has no tiles"),
        (&dir.path().join("missing.mbtiles"), "does not exist"),
    ] {
        let err = Basemap::open(
            &BasemapChoice::Offline {
                path: path.to_path_buf(),
            },
            &Access::default(),
        )
        .unwrap_err();
        assert!(
            err.contains(said) && err.contains(&path.display().to_string()),
            "{err}"
        );
    }
    assert_eq!(std::fs::read(&vector).unwrap(), before);
    assert_eq!(std::fs::read(&text).unwrap(), b"not a database");
}

/// The plan's CRS, and a point near the sample plan, well east of the
/// zone's 105°E meridian, where the tiles' grid is turned about half a
/// degree from the plan's.
fn near_the_sample() -> (Reprojection, Coord) {
    let projection = Reprojection::new(&Crs::from_epsg(4544).unwrap()).unwrap();
    let centre = projection
        .working(Coord {
            x: 106.42,
            y: 29.61,
        })
        .unwrap();
    (projection, centre)
}

fn around(centre: Coord, half_w: f64, half_h: f64) -> Rect {
    Rect::new(
        Coord {
            x: centre.x - half_w,
            y: centre.y - half_h,
        },
        Coord {
            x: centre.x + half_w,
            y: centre.y + half_h,
        },
    )
}

/// Where a longitude/latitude falls in a picture of `extent` (EPSG:4544).
fn pixel_of(projection: &Reprojection, extent: Rect, m_per_px: f64, lonlat: Coord) -> (f64, f64) {
    let w = projection.working(lonlat).unwrap();
    (
        (w.x - extent.min().x) / m_per_px,
        (extent.max().y - w.y) / m_per_px,
    )
}

#[test]
fn a_composed_map_puts_every_tile_where_it_is_in_the_plans_crs() {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("city.mbtiles");
    write_mbtiles(&package, &sample_tiles(&[12, 13, 14]), "");
    let basemap = offline(&package);
    let (projection, centre) = near_the_sample();
    let (w, h) = (900u32, 600u32);
    // The view asks for z=14 (8.3 m tile pixels): tiles about 212 px across.
    let m_per_px = 10.0;
    let extent = around(
        centre,
        f64::from(w) / 2.0 * m_per_px,
        f64::from(h) / 2.0 * m_per_px,
    );
    let composed = compose(&basemap, extent, (w, h), &projection, 1.0, false)
        .unwrap()
        .unwrap();
    assert_eq!(composed.zoom, 14);
    assert_eq!(composed.tiles_missing, 0);
    let image = &composed.image;
    let at = |x: f64, y: f64| image.get_pixel(x.round() as u32, y.round() as u32).0;

    let tile = |lonlat: Coord| {
        let t = tile_from_lonlat(lonlat.x, lonlat.y, 14);
        TileId {
            z: 14,
            x: t.x as u32,
            y: t.y as u32,
        }
    };
    let c = tile(Coord {
        x: 106.42,
        y: 29.61,
    });
    let mut checked = 0;
    for (dx, dy) in [(0, 0), (1, 0), (0, 1), (-1, 0), (0, -1), (-1, -1), (1, 1)] {
        let t = TileId {
            z: 14,
            x: (c.x as i64 + dx) as u32,
            y: (c.y as i64 + dy) as u32,
        };
        // The tile's middle has its colour.
        let middle = lonlat_from_tile(
            Coord {
                x: f64::from(t.x) + 0.5,
                y: f64::from(t.y) + 0.5,
            },
            14,
        );
        let (px, py) = pixel_of(&projection, extent, m_per_px, middle);
        if px < 0.0 || py < 0.0 || px >= f64::from(w) || py >= f64::from(h) {
            continue;
        }
        assert_eq!(at(px, py), tile_color(t), "tile {t} at ({px:.1}, {py:.1})");
        // Its north-west corner's dark edge lies within a pixel of where
        // the exact reprojection puts it: along the west edge, a point a
        // quarter down the tile.
        let on_west = lonlat_from_tile(
            Coord {
                x: f64::from(t.x),
                y: f64::from(t.y) + 0.25,
            },
            14,
        );
        let (ex, ey) = pixel_of(&projection, extent, m_per_px, on_west);
        // The edge line is 3 tile pixels (2.5 px here) east of the edge.
        let row: Vec<u32> = ((ex as u32).saturating_sub(3)..=(ex as u32 + 3).min(w - 1))
            .filter(|&x| {
                let p = image.get_pixel(x, ey.round() as u32).0;
                p.iter().zip(EDGE).all(|(a, b)| a.abs_diff(b) < 60)
            })
            .collect();
        assert!(
            row.iter().any(|&x| (f64::from(x) - ex).abs() <= 1.0),
            "tile {t}: edge expected at x={ex:.2}, dark at {row:?}"
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} tiles checked");

    // Faded to half over white, as reports print it.
    let faded = compose(&basemap, extent, (w, h), &projection, 0.5, false)
        .unwrap()
        .unwrap();
    let middle = lonlat_from_tile(
        Coord {
            x: f64::from(c.x) + 0.5,
            y: f64::from(c.y) + 0.5,
        },
        14,
    );
    let (px, py) = pixel_of(&projection, extent, m_per_px, middle);
    let full = tile_color(c);
    let half = faded
        .image
        .get_pixel(px.round() as u32, py.round() as u32)
        .0;
    for (f, h) in full.iter().zip(half) {
        assert!((i32::from(h) - (255 + i32::from(*f)) / 2).abs() <= 1);
    }
}

#[test]
fn a_map_where_no_tile_is_at_hand_has_no_basemap() {
    let dir = tempfile::tempdir().unwrap();
    let server = TileServer::start();
    let basemap = open(
        &BasemapChoice::parse(&server.template()).unwrap(),
        &Access {
            cache: Some(DiskCache::new(dir.path().join("cache"), 1 << 20)),
            ..Access::default()
        },
    );
    let (projection, centre) = near_the_sample();
    let extent = around(centre, 500.0, 500.0);
    // A report never reaches the service: nothing cached, no basemap.
    assert!(
        compose(&basemap, extent, (200, 200), &projection, 1.0, false)
            .unwrap()
            .is_none()
    );
    assert_eq!(server.requests(), 0);
    // Once the viewer has fetched them, the report has them from the cache.
    let online = compose(&basemap, extent, (200, 200), &projection, 1.0, true)
        .unwrap()
        .unwrap();
    let cached = compose(&basemap, extent, (200, 200), &projection, 1.0, false)
        .unwrap()
        .unwrap();
    assert_eq!(online.image, cached.image);
}

/// The JPEG pictures a PDF holds (the basemaps under its maps).
fn pdf_jpegs(bytes: &[u8]) -> Vec<image::RgbImage> {
    let document = lopdf::Document::load_mem(bytes).unwrap();
    document
        .objects
        .values()
        .filter_map(|object| object.as_stream().ok())
        .filter(|stream| {
            stream.dict.get(b"Subtype").and_then(|s| s.as_name()).ok() == Some(b"Image".as_ref())
                && stream.dict.get(b"Filter").and_then(|f| f.as_name()).ok()
                    == Some(b"DCTDecode".as_ref())
        })
        .map(|stream| image::load_from_memory(&stream.content).unwrap().to_rgb8())
        .collect()
}

fn screen_with_basemap(dir: &Path, pdf: &Path, basemap: &Path) -> std::process::Output {
    common::redline()
        .args(["screen", "--catalog"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("layers/catalog.toml"))
        .arg("--parcels")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("layers/parcels/parcels.geojson"))
        .args(["--report-time", "2026-12-01T10:00:00+08:00", "--pdf"])
        .arg(pdf)
        .arg("--basemap")
        .arg(basemap)
        .args(["--basemap-opacity", "1"])
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .output()
        .unwrap()
}

#[test]
fn the_pdf_maps_lie_on_the_offline_basemap_and_say_which_and_when() {
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("city.mbtiles");
    write_mbtiles(
        &package,
        &sample_tiles(&[10, 11, 12, 13, 14]),
        "测试底图 © redline tests",
    );
    let (first, second) = (dir.path().join("a.pdf"), dir.path().join("b.pdf"));
    for pdf in [&first, &second] {
        let output = screen_with_basemap(dir.path(), pdf, &package);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let bytes = std::fs::read(&first).unwrap();
    assert_eq!(bytes, std::fs::read(&second).unwrap(), "not byte-identical");
    let text = common::pdf_text(&bytes);
    for said in [
        "底图",
        "离线瓦片 city.mbtiles",
        "瓦片日期 2026-11-30",
        "测试底图 © redline tests",
    ] {
        assert!(text.contains(said), "{said} not in the report");
    }
    // The overview and every parcel map (a parcel with findings has one)
    // stand on a picture.
    let document = lopdf::Document::load_mem(&bytes).unwrap();
    let pages_with_pictures = document
        .get_pages()
        .values()
        .filter(|page| !document.get_page_images(**page).unwrap().is_empty())
        .count();
    let maps = text.matches("要素序号").count();
    assert_eq!(pages_with_pictures, maps + 1);
    let pictures = pdf_jpegs(&bytes);
    // The overview: 150 dpi over its frame, and mostly the tiles' colours.
    let overview = pictures
        .iter()
        .max_by_key(|p| p.width() * p.height())
        .unwrap();
    assert!(overview.width() > 900, "{}", overview.width());
    let colours: Vec<[u8; 3]> = sample_tiles(&[10, 11, 12, 13, 14])
        .into_iter()
        .map(tile_color)
        .collect();
    let of_tiles = overview
        .pixels()
        .filter(|p| {
            colours
                .iter()
                .any(|c| c.iter().zip(p.0).all(|(a, b)| a.abs_diff(b) <= 8))
        })
        .count();
    let share = of_tiles as f64 / f64::from(overview.width() * overview.height());
    assert!(
        share > 0.8,
        "{:.0} % of the overview's basemap is tile colour",
        share * 100.0
    );
}

#[test]
fn a_report_basemap_is_checked_before_screening_and_without_tiles_the_maps_are_plain() {
    let dir = tempfile::tempdir().unwrap();
    let text_file = dir.path().join("notes.mbtiles");
    std::fs::write(&text_file, "not a package").unwrap();
    let pdf = dir.path().join("r.pdf");
    let output = screen_with_basemap(dir.path(), &pdf, &text_file);
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("notes.mbtiles") && said.contains("--basemap"),
        "{said}"
    );
    assert!(!pdf.exists());

    // A service whose tiles were never fetched here: the report does not
    // wait on it, and its maps are as without a basemap.
    let server = TileServer::start();
    let output = screen_with_basemap(dir.path(), &pdf, Path::new(&server.template()));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(server.requests(), 0);
    assert!(pdf_jpegs(&std::fs::read(&pdf).unwrap()).is_empty());
}
