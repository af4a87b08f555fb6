//! Writes the illustrative sample plan in `layers/`:
//! `cargo run --example sample_plan [-- OUT_DIR]` (default `layers`).
//!
//! The official boundaries of the Chongqing High-tech Zone plan are not
//! public, so this builds an illustrative (示意) plan at the real place with
//! the plan's real names and numbers: the valley between 缙云山 and 中梁山
//! around 106.33°E 29.62°N, 梁滩河 flowing north through it. The layers come
//! in the formats offices hand over, mixed on purpose (GeoJSON in WGS84,
//! GeoJSON with the legacy `crs` member in EPSG:4544, GBK shapefiles), and
//! the parcels cover every outcome the screening can give.
//!
//! Deterministic: a fixed seed and no clock, so the files are byte-identical
//! on every run; `tests/sample_plan.rs` checks that.

use std::path::{Path, PathBuf};

use geo::{
    Area, BooleanOps, Centroid, Coord, Distance, Euclidean, LineString, MultiLineString,
    MultiPolygon, Polygon, Rect, Scale, Translate,
};
use geo_types::Geometry;
use redline::catalog::Catalog;
use redline::crs::{Crs, Transformer};
use redline::geometry::Shape;
use redline::io::geojson::{to_text, OutFeature};
use redline::io::gpkg::FeatureTable;
use redline::io::shapefile::{write as write_shapefile, DbfField};
use redline::plan::LoadedPlan;
use rusqlite::types::Value;
use serde_json::json;

/// ESRI-style WKT of EPSG:4544, as ArcGIS writes it in a .prj.
const PRJ_4544: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_105E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;

const RED_LINE_KM2: f64 = 27.5;
const BOUNDARY_KM2: f64 = 313.0;

/// SplitMix64: a few lines of well-known PRNG, so the sample needs no crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [-1, 1).
    fn signed(&mut self) -> f64 {
        self.next() * 2.0 - 1.0
    }
}

/// The plan area's centre in EPSG:4544; local coordinates are metres east
/// and north of it.
struct Frame {
    centre: Coord,
    to_lonlat: Transformer,
}

impl Frame {
    fn new() -> Frame {
        let wgs84 = Crs::from_epsg(4326).expect("EPSG:4326 is built in");
        let working = Crs::from_epsg(4544).expect("EPSG:4544 is built in");
        let centre = Transformer::new(&wgs84, &working)
            .transform_coord(Coord {
                x: 106.33,
                y: 29.62,
            })
            .expect("the centre is inside the zone");
        // Round the centre so local and working coordinates differ by whole metres.
        let centre = Coord {
            x: centre.x.round(),
            y: centre.y.round(),
        };
        Frame {
            centre,
            to_lonlat: Transformer::new(&working, &wgs84),
        }
    }

    fn km(&self, x_km: f64, y_km: f64) -> Coord {
        Coord {
            x: self.centre.x + x_km * 1000.0,
            y: self.centre.y + y_km * 1000.0,
        }
    }

    fn lonlat(&self, mut g: Geometry) -> Geometry {
        self.to_lonlat
            .transform_geometry(&mut g)
            .expect("sample coordinates are valid");
        // Nine decimals of a degree are 0.1 mm: what real files carry.
        round_coords(g, 1e9)
    }
}

fn round_coords<G: geo::MapCoords<f64, f64, Output = G>>(g: G, scale: f64) -> G {
    g.map_coords(|c| Coord {
        x: (c.x * scale).round() / scale,
        y: (c.y * scale).round() / scale,
    })
}

/// Working-CRS coordinates rounded to the millimetre, as surveyed data is.
fn mm<G: geo::MapCoords<f64, f64, Output = G>>(g: G) -> G {
    round_coords(g, 1000.0)
}

/// A jagged, star-shaped (so always simple) blob of `n` vertices.
fn blob(rng: &mut Rng, centre: Coord, rx: f64, ry: f64, n: usize, rough: f64) -> Polygon {
    let phases: Vec<f64> = (0..4).map(|_| rng.next() * std::f64::consts::TAU).collect();
    let ring: Vec<Coord> = (0..n)
        .map(|i| {
            let t = i as f64 / n as f64 * std::f64::consts::TAU;
            let ellipse = rx * ry / ((ry * t.cos()).powi(2) + (rx * t.sin()).powi(2)).sqrt();
            let wobble = 1.0
                + rough * (0.5 * (3.0 * t + phases[0]).sin() + 0.3 * (7.0 * t + phases[1]).sin())
                + rough
                    * (0.15 * (17.0 * t + phases[2]).sin() + 0.05 * (41.0 * t + phases[3]).sin())
                + rough * 0.04 * rng.signed();
            Coord {
                x: centre.x + ellipse * wobble * t.cos(),
                y: centre.y + ellipse * wobble * t.sin(),
            }
        })
        .collect();
    Polygon::new(LineString::new(ring), vec![])
}

/// A band of varying width along a gently curving centre line.
fn band(rng: &mut Rng, from: Coord, to: Coord, width: f64, bend: f64, n: usize) -> Polygon {
    let (dx, dy) = (to.x - from.x, to.y - from.y);
    let length = (dx * dx + dy * dy).sqrt();
    let (ux, uy) = (dx / length, dy / length);
    let (nx, ny) = (-uy, ux);
    let mut left = Vec::with_capacity(n);
    let mut right = Vec::with_capacity(n);
    let mut w_left = width / 2.0;
    let mut w_right = width / 2.0;
    for i in 0..n {
        let s = i as f64 / (n - 1) as f64;
        let lateral = bend * (s * std::f64::consts::PI).sin();
        let c = Coord {
            x: from.x + dx * s + nx * lateral,
            y: from.y + dy * s + ny * lateral,
        };
        // A random walk, pulled back to the nominal width: a natural edge.
        w_left = (w_left + width * 0.02 * rng.signed()) * 0.97 + width / 2.0 * 0.03;
        w_right = (w_right + width * 0.02 * rng.signed()) * 0.97 + width / 2.0 * 0.03;
        let taper = (s * (1.0 - s) * 4.0).sqrt().max(0.15);
        left.push(Coord {
            x: c.x + nx * w_left * taper,
            y: c.y + ny * w_left * taper,
        });
        right.push(Coord {
            x: c.x - nx * w_right * taper,
            y: c.y - ny * w_right * taper,
        });
    }
    right.reverse();
    left.extend(right);
    Polygon::new(LineString::new(left), vec![])
}

/// A meandering water line through the given control points.
fn river(rng: &mut Rng, control: &[Coord], per_leg: usize, meander: f64) -> LineString {
    let mut points = Vec::new();
    for leg in control.windows(2) {
        let (a, b) = (leg[0], leg[1]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let length = (dx * dx + dy * dy).sqrt();
        let (nx, ny) = (-dy / length, dx / length);
        let phase = rng.next() * std::f64::consts::TAU;
        for i in 0..per_leg {
            let s = i as f64 / per_leg as f64;
            let swing = meander
                * ((s * 5.0 * std::f64::consts::PI + phase).sin()
                    * (s * std::f64::consts::PI).sin())
                + meander * 0.05 * rng.signed();
            points.push(Coord {
                x: a.x + dx * s + nx * swing,
                y: a.y + dy * s + ny * swing,
            });
        }
    }
    points.push(*control.last().expect("a river has control points"));
    LineString::new(points)
}

fn scale_to_area(polygons: &mut [MultiPolygon], target_m2: f64) {
    let total: f64 = polygons.iter().map(|p| p.unsigned_area()).sum();
    let factor = (target_m2 / total).sqrt();
    for p in polygons.iter_mut() {
        let centre = p.centroid().expect("non-empty");
        *p = p.scale_around_point(factor, factor, centre);
    }
}

fn props(pairs: &[(&str, serde_json::Value)]) -> serde_json::Map<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn write_geojson(path: &Path, features: Vec<OutFeature>, crs: Option<&Crs>) {
    write(path, &to_text(&features, crs));
}

fn shapefile(
    path: &Path,
    shapes: Vec<Shape>,
    fields: &[(&str, u8, Option<u8>)],
    records: Vec<Vec<String>>,
) {
    let fields: Vec<DbfField> = fields
        .iter()
        .map(|(name, width, decimals)| DbfField {
            name: name.to_string(),
            width: *width,
            decimals: *decimals,
        })
        .collect();
    write_shapefile(path, &shapes, &fields, &records, Some(PRJ_4544))
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Writes the whole sample into `dir`.
pub fn generate(dir: &Path) {
    std::fs::create_dir_all(dir.join("parcels")).expect("output folder");
    let frame = Frame::new();
    let working = Crs::from_epsg(4544).expect("EPSG:4544");
    let mut rng = Rng(20_212_025);
    let k = |x: f64, y: f64| frame.km(x, y);

    // The direct-management area, ~313 km², stretched north-south along the valley.
    let mut boundary = vec![MultiPolygon::new(vec![blob(
        &mut rng,
        k(0.0, 0.0),
        7200.0,
        14000.0,
        720,
        0.06,
    )])];
    scale_to_area(&mut boundary, BOUNDARY_KM2 * 1e6);
    write_geojson(
        &dir.join("boundary.geojson"),
        vec![OutFeature {
            id: Some("ZGY".into()),
            properties: props(&[
                ("名称", json!("重庆高新区直管园（示意）")),
                ("面积_km2", json!(BOUNDARY_KM2)),
            ]),
            geometry: frame.lonlat(boundary[0].clone().into()),
        }],
        None,
    );

    // 两屏: 缙云山 (north-west) and 中梁山 (east) no-build bands along the ridges.
    let jinyun = band(&mut rng, k(-6.4, 4.0), k(-1.6, 13.0), 1600.0, 600.0, 260);
    let zhongliang = band(&mut rng, k(5.4, -12.5), k(5.0, 12.5), 1400.0, -500.0, 420);
    shapefile(
        &dir.join("barriers.shp"),
        vec![
            Shape::Area(mm(MultiPolygon::new(vec![jinyun.clone()]))),
            Shape::Area(mm(MultiPolygon::new(vec![zhongliang.clone()]))),
        ],
        &[("编号", 8, None), ("名称", 40, None), ("类型", 20, None)],
        vec![
            vec!["LP-01".into(), "缙云山生态屏障".into(), "禁建区".into()],
            vec!["LP-02".into(), "中梁山生态屏障".into(), "禁建区".into()],
        ],
    );

    // 生态保护红线: cores on the two ridges, 27.5 km² in all; the 缙云山 one in two parts.
    let mut red = vec![
        MultiPolygon::new(vec![
            blob(&mut rng, k(-4.9, 7.3), 700.0, 1500.0, 300, 0.12)
                .rotate_about(k(-4.9, 7.3), -30.0),
            blob(&mut rng, k(-3.0, 10.6), 600.0, 1300.0, 260, 0.12)
                .rotate_about(k(-3.0, 10.6), -30.0),
        ]),
        // The two 中梁山 cores stay km apart once scaled up: the layer's area
        // is the ground it covers, and overlapping cores would count less.
        MultiPolygon::new(vec![band(
            &mut rng,
            k(5.45, 2.5),
            k(5.2, 11.5),
            650.0,
            -250.0,
            380,
        )]),
        MultiPolygon::new(vec![band(
            &mut rng,
            k(5.5, -11.5),
            k(5.45, -2.0),
            700.0,
            200.0,
            380,
        )]),
    ];
    scale_to_area(&mut red, RED_LINE_KM2 * 1e6);
    let red: Vec<MultiPolygon> = red.into_iter().map(mm).collect();
    shapefile(
        &dir.join("eco_redline.shp"),
        red.iter().cloned().map(Shape::Area).collect(),
        &[
            ("编号", 8, None),
            ("名称", 40, None),
            ("面积_km2", 12, Some(4)),
        ],
        vec![
            vec![
                "HX-01".into(),
                "缙云山生态保护红线".into(),
                format!("{:.4}", red[0].unsigned_area() / 1e6),
            ],
            vec![
                "HX-02".into(),
                "中梁山生态保护红线（北段）".into(),
                format!("{:.4}", red[1].unsigned_area() / 1e6),
            ],
            vec![
                "HX-03".into(),
                "中梁山生态保护红线（南段）".into(),
                format!("{:.4}", red[2].unsigned_area() / 1e6),
            ],
        ],
    );

    // 自然保护地, ≥ 5.3 % of the boundary; 白市驿 park with an enclave (a hole).
    let baishiyi_outer = blob(&mut rng, k(-3.6, -8.2), 1900.0, 2600.0, 360, 0.08);
    let enclave = blob(&mut rng, k(-3.4, -8.0), 420.0, 520.0, 90, 0.05);
    let baishiyi = Polygon::new(
        baishiyi_outer.exterior().clone(),
        vec![enclave.exterior().clone()],
    );
    let baitaping = blob(&mut rng, k(3.3, -4.6), 1100.0, 1700.0, 280, 0.1);
    let bailu = blob(&mut rng, k(-1.2, 8.8), 1000.0, 1250.0, 240, 0.1);
    let reserves: Vec<Polygon> = [baishiyi, baitaping, bailu].into_iter().map(mm).collect();
    let reserve_names = ["白市驿城市花卉森林公园", "白塔坪森林公园", "白鹭自然公园"];
    write_geojson(
        &dir.join("nature_reserves.geojson"),
        reserves
            .iter()
            .zip(reserve_names)
            .enumerate()
            .map(|(i, (p, name))| OutFeature {
                id: None,
                properties: props(&[
                    ("编号", json!(format!("ZR-{:02}", i + 1))),
                    ("名称", json!(name)),
                    ("类型", json!("自然公园")),
                ]),
                geometry: p.clone().into(),
            })
            .collect(),
        Some(&working),
    );

    // 一心: 科学公园 on 寨山坪, near the centre.
    let heart = blob(&mut rng, k(0.6, 0.4), 1300.0, 1500.0, 320, 0.1);
    write_geojson(
        &dir.join("heart.geojson"),
        vec![OutFeature {
            id: Some("YX-01".into()),
            properties: props(&[("名称", json!("科学公园（寨山坪城市绿心）"))]),
            geometry: frame.lonlat(heart.into()),
        }],
        None,
    );

    // 一轴: the 科学大道 green corridor, straight-edged, north-south through the heart.
    let axis_x = 1.6;
    let axis = Polygon::new(
        LineString::new(vec![
            k(axis_x - 0.1, -12.0),
            k(axis_x + 0.1, -12.0),
            k(axis_x + 0.1, 12.0),
            k(axis_x - 0.1, 12.0),
        ]),
        vec![],
    );
    let axis: Polygon = mm(axis);
    write_geojson(
        &dir.join("axis.geojson"),
        vec![OutFeature {
            id: None,
            properties: props(&[
                ("编号", json!("YZ-01")),
                ("名称", json!("科学大道景观绿轴")),
            ]),
            geometry: axis.clone().into(),
        }],
        Some(&working),
    );

    // 河道: 梁滩河 north through the valley; 莲花滩河 and 虎溪河 join it.
    let liangtan = river(
        &mut rng,
        &[
            k(-1.0, -14.5),
            k(-0.6, -6.0),
            k(-1.8, 2.0),
            k(-1.2, 8.0),
            k(-2.4, 14.5),
        ],
        90,
        300.0,
    );
    let lianhuatan = river(
        &mut rng,
        &[k(-6.5, -5.0), k(-3.5, -3.2), k(-0.9, -2.6)],
        80,
        150.0,
    );
    let huxi = river(
        &mut rng,
        &[k(4.2, 9.5), k(1.0, 6.5), k(-1.3, 5.0)],
        80,
        150.0,
    );
    let rivers = [
        (liangtan, "HD-01", "梁滩河", "嘉陵江一级支流"),
        (lianhuatan, "HD-02", "莲花滩河", "梁滩河支流"),
        (huxi, "HD-03", "虎溪河", "梁滩河支流"),
    ];
    write_geojson(
        &dir.join("rivers.geojson"),
        rivers
            .iter()
            .map(|(line, id, name, kind)| OutFeature {
                id: None,
                properties: props(&[
                    ("编号", json!(id)),
                    ("名称", json!(name)),
                    ("等级", json!(kind)),
                ]),
                geometry: frame.lonlat(MultiLineString::new(vec![line.clone()]).into()),
            })
            .collect(),
        None,
    );

    // 饮用水水源保护区: four reservoirs with their protection zones.
    let sources = [
        ("马家沟水库", k(-5.2, -1.5)),
        ("大河沟水库", k(3.8, 4.2)),
        ("杨家沟水库", k(-4.6, -12.0)),
        ("石马山水库", k(3.6, -10.8)),
    ];
    let source_polygons: Vec<Polygon> = sources
        .iter()
        .map(|(_, c)| mm(blob(&mut rng, *c, 520.0, 700.0, 120, 0.12)))
        .collect();
    shapefile(
        &dir.join("water_sources.shp"),
        source_polygons
            .iter()
            .map(|p| Shape::Area(MultiPolygon::new(vec![p.clone()])))
            .collect(),
        &[("编号", 8, None), ("名称", 40, None), ("级别", 20, None)],
        sources
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                vec![
                    format!("SY-{:02}", i + 1),
                    format!("{name}饮用水水源保护区"),
                    "一级保护区".into(),
                ]
            })
            .collect(),
    );

    // 湿地公园.
    let wetlands = [
        ("金凤湖湿地公园", k(-2.6, -10.4)),
        ("莲花湖湿地公园", k(-2.9, -3.9)),
        ("白市驿湿地公园", k(-0.4, -7.6)),
        ("鹭源湖湿地公园", k(0.2, 11.4)),
        ("松岚湖湿地公园", k(3.0, 1.9)),
    ];
    write_geojson(
        &dir.join("wetlands.geojson"),
        wetlands
            .iter()
            .enumerate()
            .map(|(i, (name, c))| OutFeature {
                id: None,
                properties: props(&[
                    ("编号", json!(format!("SD-{:02}", i + 1))),
                    ("名称", json!(name)),
                ]),
                geometry: frame.lonlat(blob(&mut rng, *c, 380.0, 480.0, 110, 0.12).into()),
            })
            .collect(),
        None,
    );

    // 环境管控单元: the ridges with their red line and the nature reserves
    // are 优先保护; the rest of the area, north and south, is 重点管控
    // (the plan: 直管园全域按照水环境重点管控区管控). No rng: the other
    // layers stay as they were.
    let whole = &boundary[0];
    let clip = |parts: Vec<MultiPolygon>| -> MultiPolygon {
        let union = parts.into_iter().reduce(|a, b| a.union(&b)).expect("parts");
        union.intersection(whole)
    };
    let jinyun_unit = clip(vec![
        MultiPolygon::new(vec![jinyun.clone()]),
        red[0].clone(),
    ]);
    let zhongliang_unit = clip(vec![
        MultiPolygon::new(vec![zhongliang.clone()]),
        red[1].clone(),
        red[2].clone(),
    ]);
    let ridges = jinyun_unit.union(&zhongliang_unit);
    let reserve_unit = clip(
        reserves
            .iter()
            .map(|p| MultiPolygon::new(vec![p.clone()]))
            .collect(),
    )
    .difference(&ridges);
    let rest = whole.difference(&ridges.union(&reserve_unit));
    let (x0, y0) = (frame.centre.x - 20_000.0, frame.centre.y);
    let north_half = Rect::new((x0, y0), (x0 + 40_000.0, y0 + 20_000.0)).to_polygon();
    let south_half = Rect::new((x0, y0 - 20_000.0), (x0 + 40_000.0, y0)).to_polygon();
    // Overlays leave slivers where the bands meet the boundary; a unit is
    // its parts of real size, as the data standard's would be.
    // Not rounded to the millimetre as the other layers: rounding pinches
    // the overlays' narrow necks into self-intersections.
    let solid = |mp: MultiPolygon| -> MultiPolygon {
        let parts: Vec<Polygon> =
            mp.0.into_iter()
                .filter(|p| p.unsigned_area() > 100.0)
                .collect();
        let mp = MultiPolygon::new(parts);
        assert!(
            redline::geometry::validation_problems(&mp).is_empty(),
            "a control unit is invalid"
        );
        mp
    };
    let units = [
        (
            "ZH50010710001",
            "缙云山生态保护红线优先保护单元（示意）",
            1,
            solid(jinyun_unit),
        ),
        (
            "ZH50010710002",
            "中梁山生态保护红线优先保护单元（示意）",
            1,
            solid(zhongliang_unit),
        ),
        (
            "ZH50010710003",
            "自然保护地优先保护单元（示意）",
            1,
            solid(reserve_unit),
        ),
        (
            "ZH50010720001",
            "直管园北部城镇重点管控单元（示意）",
            2,
            solid(rest.intersection(&north_half)),
        ),
        (
            "ZH50010720002",
            "西永微电园重点管控单元（示意）",
            2,
            solid(rest.intersection(&south_half)),
        ),
    ];
    write_geojson(
        &dir.join("control_units.geojson"),
        units
            .iter()
            .map(|(code, name, class, g)| OutFeature {
                id: None,
                properties: props(&[
                    ("HJZHGKDYBM", json!(code)),
                    ("HJZHGKDYMC", json!(name)),
                    ("ZHGKDYFL", json!(class.to_string())),
                ]),
                geometry: g.clone().into(),
            })
            .collect(),
        Some(&working),
    );
    write(&dir.join("admission.csv"), ADMISSION);

    write(&dir.join("catalog.toml"), CATALOG);

    // The parcels are placed against the plan exactly as redline reads it
    // back (reprojected, in the working CRS), so intended distances hold.
    let plan = LoadedPlan::load(Catalog::load(&dir.join("catalog.toml")).expect("catalog"))
        .expect("sample plan");
    write_parcels(dir, &plan, &frame);
    write_geopackage(dir, &plan);
}

/// The same plan as one GeoPackage, `plan.gpkg`, as a bureau hands its
/// layers over: a table per layer (named by its id) and `boundary`, all in
/// the working CRS, attributes as they are in the files — numbers as
/// numbers. A catalog pointing at its tables screens as the files do.
fn write_geopackage(dir: &Path, plan: &LoadedPlan) {
    let working = &plan.catalog.working_crs;
    // Each file's features as read, moved from the CRS redline read them in
    // exactly as redline moves them; repairs are left to the reader.
    let sources = plan.boundary.iter().map(|layer| ("boundary", layer)).chain(
        plan.catalog
            .layers
            .iter()
            .map(|l| l.id.as_str())
            .zip(&plan.layers),
    );
    let mut tables = Vec::new();
    for (name, layer) in sources {
        let raw = redline::io::read_raw(&layer.path).unwrap_or_else(|e| panic!("{e}"));
        let to_working = Transformer::new(&layer.source_crs, working);
        // A GeoJSON's own feature id is a column `id`, as GDAL converts it.
        let raw_features: Vec<redline::io::RawFeature> = raw
            .features
            .into_iter()
            .map(|mut f| {
                if let Some(id) = f.native_id.take() {
                    f.attributes.insert(0, ("id".to_string(), id));
                }
                f
            })
            .collect();
        let mut columns: Vec<&str> = Vec::new();
        for (key, _) in raw_features.iter().flat_map(|f| &f.attributes) {
            if !columns.contains(&key.as_str()) {
                columns.push(key);
            }
        }
        let value = |f: &redline::io::RawFeature, column: &str| {
            f.attributes
                .iter()
                .find(|(k, _)| k == column)
                .map(|(_, v)| v.clone())
        };
        // A column is a number when every value is one that reads back the
        // same (no code with leading zeros).
        let numeric: Vec<bool> = columns
            .iter()
            .map(|c| {
                raw_features.iter().filter_map(|f| value(f, c)).all(|v| {
                    v.parse::<f64>()
                        .is_ok_and(|x| x.is_finite() && x.to_string() == v)
                })
            })
            .collect();
        let rows: Vec<(Option<Geometry>, Vec<Value>)> = raw_features
            .iter()
            .map(|f| {
                let mut geometry = f.geometry.clone();
                to_working
                    .transform_geometry(&mut geometry)
                    .unwrap_or_else(|e| panic!("{e}"));
                let values = columns
                    .iter()
                    .zip(&numeric)
                    .map(|(c, number)| match value(f, c) {
                        None => Value::Null,
                        Some(v) if *number => Value::Real(v.parse().expect("a number")),
                        Some(v) => Value::Text(v),
                    })
                    .collect();
                (Some(geometry), values)
            })
            .collect();
        tables.push((
            name,
            columns.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            numeric,
            rows,
        ));
    }
    let tables: Vec<FeatureTable> = tables
        .iter()
        .map(|(name, columns, numeric, rows)| FeatureTable {
            name,
            identifier: name,
            columns: columns
                .iter()
                .zip(numeric)
                .map(|(c, number)| (c.as_str(), if *number { "REAL" } else { "TEXT" }))
                .collect(),
            rows: rows.clone(),
        })
        .collect();
    let bytes = redline::io::gpkg::to_bytes(
        working,
        &plan.catalog.name,
        "2025-01-01T00:00:00.000Z",
        &tables,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("plan.gpkg"), bytes).expect("plan.gpkg");
}

fn zone_area(plan: &LoadedPlan, layer: &str, feature: usize) -> MultiPolygon {
    let index = plan
        .catalog
        .layers
        .iter()
        .position(|l| l.id == layer)
        .expect("layer");
    match &plan.layers[index].features[feature].shape {
        Shape::Area(mp) => mp.clone(),
        Shape::Lines(_) => panic!("{layer} is not polygons"),
    }
}

fn zone_line(plan: &LoadedPlan, layer: &str, feature: usize) -> MultiLineString {
    let index = plan
        .catalog
        .layers
        .iter()
        .position(|l| l.id == layer)
        .expect("layer");
    match &plan.layers[index].features[feature].shape {
        Shape::Lines(ml) => ml.clone(),
        Shape::Area(_) => panic!("{layer} is not lines"),
    }
}

fn square(centre: Coord, side: f64) -> Polygon {
    let h = side / 2.0;
    Polygon::new(
        LineString::new(vec![
            Coord {
                x: centre.x - h,
                y: centre.y - h,
            },
            Coord {
                x: centre.x + h,
                y: centre.y - h,
            },
            Coord {
                x: centre.x + h,
                y: centre.y + h,
            },
            Coord {
                x: centre.x - h,
                y: centre.y + h,
            },
        ]),
        vec![],
    )
}

/// Moves `parcel` east or west until its distance to `line` is `target`.
fn at_distance(parcel: Polygon, line: &MultiLineString, target: f64, from_east: bool) -> Polygon {
    let sign = if from_east { 1.0 } else { -1.0 };
    let mut p = parcel;
    for _ in 0..60 {
        let d = line
            .0
            .iter()
            .map(|l| Euclidean.distance(l, &p))
            .fold(f64::INFINITY, f64::min);
        if (d - target).abs() < 1e-6 {
            break;
        }
        // Step by the shortfall (or, while touching, by a fixed amount).
        let step = if d == 0.0 { 25.0 } else { target - d };
        p = p.translate(sign * step, 0.0);
    }
    p
}

fn write_parcels(dir: &Path, plan: &LoadedPlan, frame: &Frame) {
    let k = |x: f64, y: f64| frame.km(x, y);
    let mut parcels: Vec<(String, String, &str, Geometry)> = Vec::new();
    let mut add = |id: &str, name: &str, use_: &'static str, g: Geometry| {
        parcels.push((id.into(), name.into(), use_, g))
    };

    let red_north = zone_area(plan, "eco_redline", 1);
    let red_centre = red_north.centroid().expect("centroid").0;
    add(
        "XY-2025-001",
        "某电子厂房扩建",
        "工业用地",
        square(red_centre, 200.0).into(),
    );

    // Straddling the edge of 白塔坪森林公园: half in, half out.
    let baitaping = zone_area(plan, "nature_reserves", 1);
    let edge_point = baitaping.0[0].exterior().0[0];
    add(
        "XY-2025-002",
        "白塔坪配套酒店",
        "商业用地",
        square(edge_point, 160.0).into(),
    );

    let liangtan = zone_line(plan, "rivers", 0);
    let near = square(k(0.2, -0.5 - 3.0), 120.0);
    add(
        "XY-2025-003",
        "梁滩河畔商住项目",
        "居住用地",
        at_distance(near.clone(), &liangtan, 20.0, true).into(),
    );
    let near = square(k(0.2, -0.5 - 4.0), 120.0);
    add(
        "XY-2025-004",
        "曾家镇安置房",
        "居住用地",
        at_distance(near, &liangtan, 40.0, true).into(),
    );
    let near = square(k(0.2, -0.5 - 5.0), 120.0);
    add(
        "XY-2025-005",
        "西永滨河公园配套",
        "公共设施用地",
        at_distance(near, &liangtan, 60.0, true).into(),
    );

    // Inside the enclave (hole) of 白市驿城市花卉森林公园: clear.
    let baishiyi = zone_area(plan, "nature_reserves", 0);
    let hole_centre = Polygon::new(baishiyi.0[0].interiors()[0].clone(), vec![])
        .centroid()
        .expect("centroid")
        .0;
    add(
        "XY-2025-006",
        "白市驿镇村民集中居住点",
        "居住用地",
        square(hole_centre, 150.0).into(),
    );

    // Along the 科学大道 corridor's east edge: contact only.
    let axis = zone_area(plan, "axis", 0);
    let east = axis.0[0]
        .exterior()
        .0
        .iter()
        .map(|c| c.x)
        .fold(f64::MIN, f64::max);
    let y = frame.centre.y - 6000.0;
    add(
        "XY-2025-007",
        "科学大道沿线研发楼",
        "科研用地",
        Polygon::new(
            LineString::from(vec![
                (east, y),
                (east + 120.0, y),
                (east + 120.0, y + 90.0),
                (east, y + 90.0),
            ]),
            vec![],
        )
        .into(),
    );
    // A sliver: 0.04 m into the corridor along 10 m, 0.4 m² (< sliver_m2 = 1).
    let y = frame.centre.y - 6400.0;
    add(
        "XY-2025-008",
        "金凤科创园三期",
        "科研用地",
        Polygon::new(
            LineString::from(vec![
                (east + 60.0, y),
                (east + 60.0, y + 100.0),
                (east - 0.04, y + 100.0),
                (east - 0.04, y + 90.0),
                (east, y + 90.0),
                (east, y),
            ]),
            vec![],
        )
        .into(),
    );

    // A bow-tie (self-intersecting) parcel straddling 莲花湖湿地公园.
    let wetland = zone_area(plan, "wetlands", 1);
    let c = wetland.0[0].exterior().0[0];
    add(
        "XY-2025-009",
        "莲花湖生态旅游项目",
        "商业用地",
        Polygon::new(
            LineString::from(vec![
                (c.x - 80.0, c.y - 80.0),
                (c.x + 80.0, c.y + 80.0),
                (c.x + 80.0, c.y - 80.0),
                (c.x - 80.0, c.y + 80.0),
            ]),
            vec![],
        )
        .into(),
    );

    // Multipart: one part clear, one in the 马家沟 source protection zone.
    let majiagou = zone_area(plan, "water_sources", 0);
    let inside = majiagou.centroid().expect("centroid").0;
    add(
        "XY-2025-010",
        "马家沟农旅综合体",
        "商业用地",
        MultiPolygon::new(vec![
            square(inside, 80.0),
            square(
                Coord {
                    x: inside.x + 2600.0,
                    y: inside.y,
                },
                100.0,
            ),
        ])
        .into(),
    );

    // One in each remaining kind of zone.
    add(
        "XY-2025-011",
        "缙云山森林康养项目",
        "商业用地",
        square(
            zone_area(plan, "barriers", 0).centroid().expect("c").0,
            150.0,
        )
        .into(),
    );
    add(
        "XY-2025-012",
        "寨山坪观景平台",
        "公共设施用地",
        square(zone_area(plan, "heart", 0).centroid().expect("c").0, 100.0).into(),
    );
    add(
        "XY-2025-013",
        "鹭源湖配套服务区",
        "公共设施用地",
        square(
            zone_area(plan, "wetlands", 3).centroid().expect("c").0,
            90.0,
        )
        .into(),
    );
    add(
        "XY-2025-014",
        "大河沟取水口旁仓储",
        "仓储用地",
        square(
            zone_area(plan, "water_sources", 1).centroid().expect("c").0,
            100.0,
        )
        .into(),
    );
    let huxi = zone_line(plan, "rivers", 2);
    let huxi_mid = huxi.0[0].0[huxi.0[0].0.len() / 2];
    add(
        "XY-2025-015",
        "虎溪大学城配套",
        "教育用地",
        at_distance(
            square(
                Coord {
                    x: huxi_mid.x + 300.0,
                    y: huxi_mid.y,
                },
                100.0,
            ),
            &huxi,
            35.0,
            true,
        )
        .into(),
    );
    let lianhuatan = zone_line(plan, "rivers", 1);
    let across = lianhuatan.0[0].0[lianhuatan.0[0].0.len() / 3];
    add(
        "XY-2025-016",
        "莲花滩河桥头商业",
        "商业用地",
        square(across, 60.0).into(),
    );
    // Across the southern 中梁山 red line's edge.
    let red_south = zone_area(plan, "eco_redline", 2);
    let red_edge = red_south.0[0].exterior().0[5];
    add(
        "XY-2025-017",
        "中梁山隧道口物流站",
        "仓储用地",
        square(red_edge, 300.0).into(),
    );

    // Clear parcels in the valley, away from every zone.
    let clear = [
        (
            "XY-2025-018",
            "西永微电园配套仓储",
            "仓储用地",
            k(-0.2, -12.4),
        ),
        ("XY-2025-019", "含谷物流中心", "物流用地", k(-4.0, 2.2)),
        (
            "XY-2025-020",
            "西永街道社区卫生服务中心",
            "医疗卫生用地",
            k(3.2, 7.6),
        ),
        (
            "XY-2025-021",
            "巴福镇农产品加工园",
            "工业用地",
            k(-5.6, -6.0),
        ),
        (
            "XY-2025-022",
            "石板镇新能源汽车配件厂",
            "工业用地",
            k(-1.6, -0.4),
        ),
        (
            "XY-2025-023",
            "香炉山街道人才公寓",
            "居住用地",
            k(3.3, 11.0),
        ),
        ("XY-2025-024", "金凤镇数据中心", "工业用地", k(2.6, -8.0)),
    ];
    for (id, name, use_, centre) in clear {
        add(id, name, use_, square(centre, 140.0).into());
    }
    // Clear of every zone, but not of the admission list (see `project`).
    add(
        "XY-2025-031",
        "含谷有机化工原料项目",
        "工业用地",
        square(k(-4.0, 3.2), 140.0).into(),
    );
    add(
        "XY-2025-032",
        "西永微电园集成电路封装测试厂",
        "工业用地",
        square(k(2.6, -9.0), 140.0).into(),
    );

    // The surveyor's batch, delivered as a shapefile.
    let bailu = zone_area(plan, "nature_reserves", 2);
    add(
        "XY-2025-025",
        "白鹭自然公园游客中心",
        "公共设施用地",
        square(bailu.centroid().expect("c").0, 120.0).into(),
    );
    let shimashan = zone_area(plan, "water_sources", 3);
    add(
        "XY-2025-026",
        "石马山水库旁养殖场",
        "农业设施用地",
        square(shimashan.0[0].exterior().0[30], 140.0).into(),
    );
    let songlan = zone_area(plan, "wetlands", 4);
    add(
        "XY-2025-027",
        "松岚湖畔文创街区",
        "商业用地",
        square(songlan.0[0].exterior().0[60], 120.0).into(),
    );
    let yangjiagou = zone_area(plan, "water_sources", 2);
    let west = yangjiagou.0[0]
        .exterior()
        .0
        .iter()
        .map(|c| c.x)
        .fold(f64::MAX, f64::min);
    let yc = yangjiagou.centroid().expect("c").0;
    add(
        "XY-2025-028",
        "杨家沟村道改造",
        "交通用地",
        square(
            Coord {
                x: west - 160.0,
                y: yc.y,
            },
            100.0,
        )
        .into(),
    );
    add(
        "XY-2025-029",
        "虎溪街道某小学扩建",
        "教育用地",
        square(k(1.0, -10.6), 110.0).into(),
    );
    add(
        "XY-2025-030",
        "走马镇乡村民宿",
        "商业用地",
        square(k(-6.0, -9.8), 80.0).into(),
    );

    let working = Crs::from_epsg(4544).expect("EPSG:4544");
    let (json_parcels, shp_parcels) = parcels.split_at(parcels.len() - 6);
    write_geojson(
        &dir.join("parcels/parcels.geojson"),
        json_parcels
            .iter()
            .map(|(id, name, use_, g)| OutFeature {
                id: None,
                properties: {
                    let mut p = props(&[
                        ("地块编号", json!(id)),
                        ("名称", json!(name)),
                        ("用地性质", json!(use_)),
                    ]);
                    // Only what is known: an unknown value is no property.
                    for (field, value) in project(id) {
                        p.insert(field.to_string(), json!(value));
                    }
                    p
                },
                geometry: mm(g.clone()),
            })
            .collect(),
        Some(&working),
    );
    shapefile(
        &dir.join("parcels/survey_parcels.shp"),
        shp_parcels
            .iter()
            .map(|(_, _, _, g)| Shape::Area(mm(to_multi(g.clone()))))
            .collect(),
        &[
            ("地块编号", 12, None),
            ("名称", 60, None),
            ("用地性质", 20, None),
        ],
        shp_parcels
            .iter()
            .map(|(id, name, use_, _)| vec![id.clone(), name.clone(), use_.to_string()])
            .collect(),
    );
}

/// What the sample's projects are, as their files say (fields named as the
/// catalog's `[project]` maps them). Chosen so that every outcome shows:
/// an admission conflict with clauses of three levels stacked and one not
/// yet in force (031), a condition of a unit's own clause (032), heavy
/// metals (022), an unknown industry (021), each procedure applying, not
/// applying and to confirm. Parcels not listed carry no project fields, as
/// a planning officer's candidate sites do.
fn project(id: &str) -> Vec<(&'static str, &'static str)> {
    match id {
        "XY-2025-001" => vec![
            ("行业代码", "C3985"),
            ("建设性质", "扩建"),
            ("项目类别", "工业"),
            ("总建筑面积", "32000"),
            ("挖填方量", "6000"),
            ("环评类别", "报告表"),
            ("涉重金属", "否"),
            ("未批先建", "否"),
        ],
        "XY-2025-018" => vec![
            ("行业代码", "G5920"),
            ("建设性质", "新建"),
            ("项目类别", "仓储"),
            ("总建筑面积", "8000"),
            ("挖填方量", "2400"),
            ("小型低风险", "是"),
            ("环评类别", "登记表"),
            ("涉重金属", "否"),
            ("未批先建", "否"),
        ],
        "XY-2025-021" => vec![
            ("建设性质", "新建"),
            ("项目类别", "工业"),
            ("环评类别", "报告表"),
            ("涉重金属", "否"),
            ("未批先建", "否"),
        ],
        "XY-2025-022" => vec![
            ("行业代码", "C3670"),
            ("建设性质", "新建"),
            ("项目类别", "工业"),
            ("总建筑面积", "9000"),
            ("挖填方量", "3000"),
            ("小型低风险", "否"),
            ("环评类别", "报告表"),
            ("涉重金属", "是"),
            ("未批先建", "否"),
        ],
        "XY-2025-023" => vec![
            ("行业代码", "K7010"),
            ("建设性质", "新建"),
            ("项目类别", "居住"),
            ("征地面积", "4200"),
            ("挖填方量", "900"),
            ("环评类别", "登记表"),
        ],
        "XY-2025-024" => vec![
            ("行业代码", "I6450"),
            ("建设性质", "新建"),
            ("项目类别", "信息服务"),
            ("挖填方量", "800"),
            ("环评类别", "报告表"),
            ("涉重金属", "否"),
            ("未批先建", "否"),
        ],
        "XY-2025-031" => vec![
            ("行业代码", "C2614"),
            ("建设性质", "新建"),
            ("项目类别", "工业"),
            ("总建筑面积", "15000"),
            ("挖填方量", "12000"),
            ("环评类别", "报告书"),
            ("涉重金属", "否"),
            ("未批先建", "否"),
        ],
        "XY-2025-032" => vec![
            ("行业代码", "C3973"),
            ("建设性质", "新建"),
            ("项目类别", "工业"),
            ("总建筑面积", "9500"),
            ("挖填方量", "4000"),
            ("小型低风险", "是"),
            ("环评类别", "报告表"),
            ("涉重金属", "否"),
            ("未批先建", "否"),
        ],
        _ => Vec::new(),
    }
}

fn to_multi(g: Geometry) -> MultiPolygon {
    match g {
        Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
        Geometry::MultiPolygon(mp) => mp,
        _ => panic!("parcels are polygons"),
    }
}

trait RotateAbout {
    fn rotate_about(self, centre: Coord, degrees: f64) -> Self;
}

impl RotateAbout for Polygon {
    fn rotate_about(self, centre: Coord, degrees: f64) -> Polygon {
        use geo::Rotate;
        self.rotate_around_point(degrees, centre.into())
    }
}

/// The illustrative admission list: clauses written from the plan's own
/// words and the national and municipal lists it cites. QJ-04 is not yet in
/// force (2027), so that the sample shows a clause excluded by its date.
const ADMISSION: &str = "编号,适用单元,管控维度,行业,效力,层级,施行日期,条款
GJ-01,全部,空间布局约束,C26,禁止,国家,2022-01-19,（示意）落实长江经济带发展负面清单：直管园地处梁滩河流域（嘉陵江一级支流），禁止新建、扩建化工园区和化工项目。
GJ-02,全部,环境风险防控,重金属,要求,国家,2022-03-01,（示意）涉及铬、镉、铅、汞、类金属砷五项主要重金属的建设项目，重金属污染物排放实行等量或减量替代，明确总量来源。
SJ-01,重点管控,污染物排放管控,C22;C25;C26;C28;C30;C31;C32;C33,限制,市,2021-01-01,（示意）严控高污染、高环境风险项目：落实环境保护综合名录和重庆市产业投资准入规定，新建项目须达到同行业国内先进清洁生产水平。
SJ-02,ZH50010710001;ZH50010710002,空间布局约束,*,禁止,市,2021-01-01,（示意）以生态保护红线为主体的优先保护单元原则上按照禁止开发区域管理，禁止开展与其主导生态功能不符的开发建设活动。
SJ-03,ZH50010710003,空间布局约束,*,限制,市,2021-01-01,（示意）自然保护地优先保护单元内严格控制开发建设活动，确需建设的须论证与保护目标的符合性。
QJ-01,全部,空间布局约束,C1713;C191;C221;C3011;C3041,禁止,区,2021-06-01,（示意）直管园不再发展传统落后工业：禁止新建印染、制革、制浆、水泥熟料、平板玻璃项目。
QJ-02,重点管控,资源开发效率,*,要求,区,2021-06-01,（示意）直管园全域按照水环境重点管控区管控：新建项目废水须接入城镇或园区污水处理厂集中处理，不得新设入河排污口。
QJ-03,ZH50010720002,污染物排放管控,C39,要求,区,2021-06-01,（示意）西永微电园内电子信息制造项目须配套含氟、含重金属废水分质收集与预处理设施。
QJ-04,全部,环境风险防控,C2614;C2631,禁止,区,2027-01-01,（示意，尚未施行）自2027年1月1日起，禁止新建有机化学原料制造和化学农药制造项目。
";

const CATALOG: &str = r##"# 重庆高新区生态环境保护“十四五”规划 — 示意数据 (illustrative sample).
# The geometry is made up at the real place; it is NOT the official boundary.
# Written by `cargo run --example sample_plan`; edit the generator, not this file.

[plan]
name = "重庆高新区生态环境保护“十四五”规划（示意数据）"
crs = "EPSG:4544"
sliver_m2 = 1.0
boundary = "boundary.geojson"

[[layer]]
id = "eco_redline"
name = "生态保护红线"
path = "eco_redline.shp"
rule = "prohibit"
id_field = "编号"
name_field = "名称"
target_area_km2 = 27.5
color = "#d7191c"
basis = "第四章第一节：生态保护红线原则上按照禁止开发区域进行管理，确保生态保护红线面积不减少、性质不改变、功能不降低。"

[[layer]]
id = "barriers"
name = "两屏（缙云山、中梁山）"
path = "barriers.shp"
rule = "prohibit"
id_field = "编号"
name_field = "名称"
color = "#1b5e20"
basis = "第四章第一节：缙云山、中梁山生态屏障区内禁止开展与生态功能不符的开发建设活动。"

[[layer]]
id = "water_sources"
name = "饮用水水源保护区"
path = "water_sources.shp"
rule = "prohibit"
id_field = "编号"
name_field = "名称"
color = "#1565c0"
basis = "第四章第三节：加强饮用水水源地保护，集中式饮用水水源地水质达标率保持100%。"

[[layer]]
id = "nature_reserves"
name = "自然保护地"
path = "nature_reserves.geojson"
rule = "restrict"
id_field = "编号"
name_field = "名称"
target_share_pct = 5.3
color = "#43a047"
basis = "第四章第一节：严格控制自然保护地内的开发建设活动，自然保护地面积占比不低于5.3%。"

[[layer]]
id = "heart"
name = "一心（科学公园）"
path = "heart.geojson"
rule = "restrict"
name_field = "名称"
color = "#7cb342"
basis = "第四章第一节：保护寨山坪“城市绿心”，建设科学公园。"

[[layer]]
id = "axis"
name = "一轴（科学大道绿轴）"
path = "axis.geojson"
rule = "restrict"
id_field = "编号"
name_field = "名称"
color = "#9ccc65"
basis = "第四章第一节：打造科学大道景观绿轴。"

[[layer]]
id = "wetlands"
name = "湿地公园"
path = "wetlands.geojson"
rule = "restrict"
id_field = "编号"
name_field = "名称"
color = "#4fc3f7"
basis = "第四章第一节：建设金凤湖、莲花湖、白市驿、鹭源湖、松岚湖等湿地公园，构建生态网络。"

[[layer]]
id = "rivers"
name = "河道（梁滩河、莲花滩河、虎溪河）"
path = "rivers.geojson"
rule = "setback"
setback_m = { conflict = 30.0, review = 50.0 }
id_field = "编号"
name_field = "名称"
color = "#1e88e5"
basis = "第四章第二节：梁滩河、莲花滩河、虎溪河干流两侧新建地块建筑红线后退水岸线30-50米以上。"

[[layer]]
id = "control_units"
name = "环境管控单元（示意）"
path = "control_units.geojson"
rule = "units"
id_field = "HJZHGKDYBM"
name_field = "HJZHGKDYMC"
class_field = "ZHGKDYFL"
admission = "admission.csv"
color = "#7b1fa2"
basis = "第三章：实施生态环境分区管控，完善环境准入机制，落实环境保护综合名录、长江经济带发展负面清单、重庆市产业投资准入等规定，严控高污染、高环境风险项目；重庆高新区直管园全域按照水环境重点管控区管控。"

# Which parcel fields say what the project is (these are the defaults).
[project]
industry_field = "行业代码"
land_taken_field = "征地面积"
cut_fill_field = "挖填方量"
floor_area_field = "总建筑面积"
construction_field = "建设性质"
category_field = "项目类别"
heavy_metals_field = "涉重金属"
eia_class_field = "环评类别"
built_before_approval_field = "未批先建"
small_low_risk_field = "小型低风险"

[[procedure]]
id = "eia_commitment"
name = "环评告知承诺制审批"
basis = "专栏2（示意）：编制环境影响报告表的建设项目实行环评告知承诺制审批；涉及五项主要重金属或未批先建的项目除外。"
applies_when = [["eia_class = 报告表", "heavy_metals = 否", "built_before_approval = 否"]]

[[procedure]]
id = "soil_water_exempt"
name = "免于编报水土保持方案"
basis = "专栏2（示意）：征占地面积不足0.5公顷且挖填土石方总量不足1000立方米的项目，以及总建筑面积1万平方米以下的新建、改建、扩建工业和仓储类小型低风险社会投资项目，免于编报水土保持方案。"
applies_when = [
  ["land_taken_m2 < 5000", "cut_fill_m3 < 1000"],
  ["construction in [新建, 改建, 扩建]", "category in [工业, 仓储]", "floor_area_m2 <= 10000", "small_low_risk = 是"],
]
"##;

#[allow(dead_code)] // the test includes this file for `generate` alone
fn main() {
    let out: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("layers"));
    generate(&out);
    println!("sample plan written to {}", out.display());
}
