//! The Web Mercator tile grid (the XYZ scheme of 天地图's `_w` layers,
//! MBTiles and most services) and the way its tiles land in the plan's
//! working CRS: which tiles a view needs, at which zoom, and each tile as a
//! finely subdivided mesh whose corners are reprojected one by one — so a
//! road drawn straight in the tiles stays on the parcel edge it runs along.

use geo::{BoundingRect, Coord, LineString, Rect};

use crate::crs::{Crs, Transformer, CGCS2000_GEOGRAPHIC};

/// The sphere of Web Mercator (EPSG:3857), metres.
const EARTH_RADIUS_M: f64 = 6_378_137.0;
/// Beyond this latitude Web Mercator has no tiles.
const MAX_LATITUDE: f64 = 85.051_128_779_806_59;
/// Pixels along a tile's side.
pub const TILE_PX: u32 = 256;
/// Cells along a tile mesh's side: at 16 px per cell the reprojection's
/// curvature inside one cell is far below a pixel.
pub const MESH_CELLS: usize = 16;
/// More tiles than this in one view means a zoom too fine for the view.
const MAX_TILES: usize = 400;

/// One tile: zoom, column from the west, row from the north.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    /// The tile one zoom out that holds this one.
    pub fn parent(self) -> Option<TileId> {
        (self.z > 0).then(|| TileId {
            z: self.z - 1,
            x: self.x / 2,
            y: self.y / 2,
        })
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

/// Longitude/latitude (degrees) to fractional tile coordinates at `z`.
pub fn tile_from_lonlat(lon: f64, lat: f64, z: u8) -> Coord {
    let n = f64::from(1u32 << z);
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    Coord {
        x: (lon + 180.0) / 360.0 * n,
        y: (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n,
    }
}

/// Fractional tile coordinates at `z` to longitude/latitude (degrees).
pub fn lonlat_from_tile(tile: Coord, z: u8) -> Coord {
    let n = f64::from(1u32 << z);
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * tile.y / n))
        .sinh()
        .atan();
    Coord {
        x: tile.x / n * 360.0 - 180.0,
        y: lat.to_degrees(),
    }
}

/// The plan's working CRS and the tiles' longitude/latitude, both ways.
/// Tiles are in CGCS2000 (天地图) or WGS84 degrees, which agree to well
/// under a pixel at any zoom a plan is read at.
#[derive(Debug, Clone)]
pub struct Reprojection {
    to_lonlat: Transformer,
    from_lonlat: Transformer,
}

impl Reprojection {
    pub fn new(working: &Crs) -> Result<Reprojection, String> {
        let lonlat = Crs::from_epsg(CGCS2000_GEOGRAPHIC)?;
        Ok(Reprojection {
            to_lonlat: Transformer::new(working, &lonlat),
            from_lonlat: Transformer::new(&lonlat, working),
        })
    }

    pub fn lonlat(&self, working: Coord) -> Result<Coord, String> {
        self.to_lonlat.transform_coord(working)
    }

    pub fn working(&self, lonlat: Coord) -> Result<Coord, String> {
        self.from_lonlat.transform_coord(lonlat)
    }
}

/// The zoom whose tile pixels are as fine as the view's, at `lat`, within
/// what the basemap has (beyond its finest zoom tiles are magnified).
pub fn zoom_for(m_per_px: f64, lat: f64, min_zoom: u8, max_zoom: u8) -> u8 {
    let ground_at_zero =
        2.0 * std::f64::consts::PI * EARTH_RADIUS_M * lat.to_radians().cos() / f64::from(TILE_PX);
    // A fifth of a zoom step of magnification is allowed before the next
    // zoom is fetched: four times the tiles for a barely sharper picture.
    let z = ((ground_at_zero / m_per_px.max(1e-6)).log2() - 0.2).ceil();
    (z.max(0.0) as u8).clamp(min_zoom, max_zoom)
}

/// The tiles covering `extent` (working CRS) at the zoom for `m_per_px`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cover {
    pub z: u8,
    pub tiles: Vec<TileId>,
}

/// The tiles a view of `extent` at `m_per_px` needs, nearest its centre
/// first (those are fetched and drawn first).
pub fn cover(
    extent: Rect,
    m_per_px: f64,
    projection: &Reprojection,
    min_zoom: u8,
    max_zoom: u8,
) -> Result<Cover, String> {
    // The extent's edges, sampled: in a transverse Mercator far from its
    // meridian they are not straight in longitude/latitude. A view zoomed
    // out beyond where the CRS has positions keeps the points that have.
    const SAMPLES: usize = 8;
    let mut lonlats = Vec::with_capacity((SAMPLES + 1) * (SAMPLES + 1));
    let mut failure = None;
    for i in 0..=SAMPLES {
        for j in 0..=SAMPLES {
            let (fx, fy) = (i as f64 / SAMPLES as f64, j as f64 / SAMPLES as f64);
            if i == 0 || j == 0 || i == SAMPLES || j == SAMPLES {
                match projection.lonlat(Coord {
                    x: extent.min().x + fx * extent.width(),
                    y: extent.min().y + fy * extent.height(),
                }) {
                    Ok(lonlat) => lonlats.push(lonlat),
                    Err(e) => failure = Some(e),
                }
            }
        }
    }
    let centre = match projection.lonlat(extent.center()) {
        Ok(centre) => {
            lonlats.push(centre);
            centre
        }
        Err(e) => *lonlats.first().ok_or(failure.unwrap_or(e))?,
    };
    let mut z = zoom_for(m_per_px, centre.y, min_zoom, max_zoom);
    loop {
        let tiles = tiles_around(&lonlats, centre, z);
        if tiles.len() <= MAX_TILES || z == min_zoom {
            return Ok(Cover { z, tiles });
        }
        z -= 1;
    }
}

/// `lonlats` is never empty: it holds at least the view's centre.
fn tiles_around(lonlats: &[Coord], centre: Coord, z: u8) -> Vec<TileId> {
    let last = (1u32 << z) - 1;
    let in_tiles: LineString = lonlats
        .iter()
        .map(|ll| tile_from_lonlat(ll.x, ll.y, z))
        .collect();
    let Some(span) = in_tiles.bounding_rect() else {
        return Vec::new();
    };
    let (min, max) = (span.min(), span.max());
    let index = |v: f64| (v.floor().max(0.0) as u32).min(last);
    let mut tiles: Vec<TileId> = (index(min.y)..=index(max.y))
        .flat_map(|y| (index(min.x)..=index(max.x)).map(move |x| TileId { z, x, y }))
        .collect();
    let c = tile_from_lonlat(centre.x, centre.y, z);
    let distance = |t: &TileId| {
        let (dx, dy) = (f64::from(t.x) + 0.5 - c.x, f64::from(t.y) + 0.5 - c.y);
        dx * dx + dy * dy
    };
    tiles.sort_by(|a, b| distance(a).total_cmp(&distance(b)).then(a.cmp(b)));
    tiles
}

/// A tile placed in the working CRS: `(MESH_CELLS + 1)²` vertices in rows
/// from the tile's north-west corner, each with its texture coordinate.
#[derive(Debug, Clone)]
pub struct TileMesh {
    pub tile: TileId,
    pub positions: Vec<Coord>,
    pub uvs: Vec<[f32; 2]>,
    pub bounds: Rect,
}

impl TileMesh {
    /// The triangles, two per cell, as indexes into `positions`.
    pub fn indices() -> Vec<u32> {
        let side = (MESH_CELLS + 1) as u32;
        let mut indices = Vec::with_capacity(MESH_CELLS * MESH_CELLS * 6);
        for row in 0..MESH_CELLS as u32 {
            for col in 0..MESH_CELLS as u32 {
                let a = row * side + col;
                let (b, c, d) = (a + 1, a + side, a + side + 1);
                indices.extend_from_slice(&[a, b, c, b, d, c]);
            }
        }
        indices
    }
}

/// `tile` reprojected into the working CRS.
pub fn tile_mesh(tile: TileId, projection: &Reprojection) -> Result<TileMesh, String> {
    let side = MESH_CELLS + 1;
    let mut positions = Vec::with_capacity(side * side);
    let mut uvs = Vec::with_capacity(side * side);
    for row in 0..side {
        for col in 0..side {
            let u = col as f64 / MESH_CELLS as f64;
            let v = row as f64 / MESH_CELLS as f64;
            let lonlat = lonlat_from_tile(
                Coord {
                    x: f64::from(tile.x) + u,
                    y: f64::from(tile.y) + v,
                },
                tile.z,
            );
            positions.push(projection.working(lonlat)?);
            uvs.push([u as f32, v as f32]);
        }
    }
    let corners = LineString::new(positions);
    let bounds = corners
        .bounding_rect()
        .ok_or_else(|| format!("tile {tile} has no corners"))?;
    let positions = corners.0;
    Ok(TileMesh {
        tile,
        positions,
        uvs,
        bounds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gk105() -> Reprojection {
        Reprojection::new(&Crs::from_epsg(4544).unwrap()).unwrap()
    }

    #[test]
    fn tile_coordinates_round_trip_and_match_the_xyz_scheme() {
        // Chongqing's centre, 106.55E 29.56N: tile 13/6520/3391 in the XYZ scheme.
        let t = tile_from_lonlat(106.55, 29.56, 13);
        assert_eq!((t.x.floor(), t.y.floor()), (6520.0, 3391.0));
        let back = lonlat_from_tile(t, 13);
        assert!((back.x - 106.55).abs() < 1e-9 && (back.y - 29.56).abs() < 1e-9);
        assert!((lonlat_from_tile(Coord { x: 0.0, y: 0.0 }, 0).y - MAX_LATITUDE).abs() < 1e-12);
    }

    #[test]
    fn the_zoom_matches_the_view_and_stays_in_range() {
        // At 30°N a z=16 tile pixel is 2.07 m.
        assert_eq!(zoom_for(2.07, 30.0, 0, 18), 16);
        assert_eq!(zoom_for(2.5, 30.0, 0, 18), 16);
        assert_eq!(zoom_for(1.0, 30.0, 0, 18), 17);
        assert_eq!(zoom_for(0.01, 30.0, 0, 18), 18);
        assert_eq!(zoom_for(1e6, 30.0, 3, 18), 3);
    }

    #[test]
    fn a_tile_mesh_lands_where_its_corners_are_in_the_working_crs() {
        let projection = gk105();
        let tile = TileId {
            z: 14,
            x: 13041,
            y: 6782,
        };
        let mesh = tile_mesh(tile, &projection).unwrap();
        assert_eq!(mesh.positions.len(), (MESH_CELLS + 1).pow(2));
        let nw = projection
            .working(lonlat_from_tile(
                Coord {
                    x: 13041.0,
                    y: 6782.0,
                },
                14,
            ))
            .unwrap();
        assert!((mesh.positions[0].x - nw.x).abs() < 1e-6);
        // A z=14 tile at 29.5N is about 2.1 km across.
        let w = mesh.bounds.width();
        assert!((2000.0..2300.0).contains(&w), "{w}");
        // Every mesh edge point lies on the tile's edge: the midpoint of the
        // north edge reprojects to the latitude of the tile's north edge.
        let mid_north = projection.lonlat(mesh.positions[MESH_CELLS / 2]).unwrap();
        let north = lonlat_from_tile(
            Coord {
                x: 13041.5,
                y: 6782.0,
            },
            14,
        );
        assert!((mid_north.y - north.y).abs() < 1e-9);
        assert_eq!(TileMesh::indices().len(), MESH_CELLS * MESH_CELLS * 6);
    }

    #[test]
    fn a_view_is_covered_centre_first_and_never_by_too_many_tiles() {
        let projection = gk105();
        let centre = projection.working(Coord { x: 106.4, y: 29.6 }).unwrap();
        let around = |half_w: f64, half_h: f64| {
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
        };
        let street = cover(around(1440.0, 900.0), 2.0, &projection, 0, 18).unwrap();
        assert_eq!(street.z, 16);
        let c = tile_from_lonlat(106.4, 29.6, 16);
        assert_eq!(
            (street.tiles[0].x, street.tiles[0].y),
            (c.x as u32, c.y as u32)
        );
        // 1440×900 px of 2.07 m tile pixels: about 7 × 5 tiles.
        assert!(
            (20..=80).contains(&street.tiles.len()),
            "{}",
            street.tiles.len()
        );
        // A whole province at street zoom: coarser tiles, not thousands.
        let province = cover(around(200_000.0, 200_000.0), 2.0, &projection, 0, 18).unwrap();
        assert!(province.tiles.len() <= MAX_TILES && province.z < 16);
        // Zoomed out past the world: the points with positions decide.
        let beyond = cover(around(3e7, 3e7), 1e5, &projection, 0, 18).unwrap();
        assert!(!beyond.tiles.is_empty() && beyond.tiles.len() <= MAX_TILES);
    }
}
