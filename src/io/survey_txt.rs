//! Coordinate text files in the national exchange layout for construction-land
//! approval (建设用地报批坐标文件): how a project's boundary (勘测定界) arrives
//! from the surveyor, and how a parcel drawn here goes back to one.
//!
//! The layout is a `[属性描述]` section of `key=value` lines (坐标系, 几度分带,
//! 带号, 精度, …; any may be blank) and a `[地块坐标]` section where each
//! parcel is a header line of comma-separated fields ending in `@` followed
//! by point lines `J1,1,X,Y`: point name, ring number, X = northing, Y =
//! easting — the surveyor's order, the reverse of GIS x/y. The file carries
//! no machine-readable CRS, so the header is handed on as a [`CrsClue`] and
//! the CRS is settled with the numbers in [`super::read_layer`].

use std::path::{Path, PathBuf};

use geo::{Area, Coord, Euclidean, Length, LineString, MultiPolygon};
use geo_types::Geometry;

use super::{decode_text, read_layer, CrsClue, Feature, RawFeature, RawFile, ReadOptions};
use crate::atomic::write_atomically;
use crate::crs::{looks_like_lonlat, Crs, GkZone, GridHints};
use crate::error::{Error, Problem};
use crate::geometry::{polygons_from_rings, Shape};
use crate::io::{PARCEL_ID_FIELDS, PARCEL_NAME_FIELDS};

/// The named fields of a parcel header line, in order; regions that write
/// more fields (12 instead of 9) have theirs kept as `字段N`.
const HEADER_FIELDS: [&str; 8] = [
    "界址点数",
    "地块面积",
    "地块编号",
    "地块名称",
    "图形属性",
    "图幅号",
    "地块用途",
    "地类编码",
];

/// A stated area is accepted within this share of the computed one: enough
/// for rounding in a surveyor's software, far less than a mistyped point.
const AREA_TOLERANCE: f64 = 0.001;

const SQUARE_METRES_PER_HECTARE: f64 = 10_000.0;

pub fn read(path: &Path) -> Result<RawFile, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse(path, &decode_text(&bytes))
}

#[derive(PartialEq)]
enum Section {
    Preamble,
    Attributes,
    Coordinates,
    Other,
}

/// A parcel as its lines are read.
struct Pending {
    index: usize,
    line: usize,
    fields: Vec<String>,
    /// (ring number, point in GIS order: x easting, y northing).
    points: Vec<(String, Coord)>,
    error: Option<String>,
}

impl Pending {
    fn id(&self) -> Option<&str> {
        self.fields
            .get(2)
            .map(|s| s.as_str())
            .filter(|s| !s.is_empty())
    }
}

/// Parses coordinate text; `path` only names the source in messages.
pub fn parse(path: &Path, text: &str) -> Result<RawFile, Error> {
    let mut section = Section::Preamble;
    let mut header: Vec<(String, String)> = Vec::new();
    let mut parcels: Vec<Pending> = Vec::new();
    for (n, raw_line) in text.lines().enumerate() {
        let line_no = n + 1;
        let line = raw_line.trim().replace('，', ",");
        if line.is_empty() {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            section = if line.contains("属性描述") {
                Section::Attributes
            } else if line.contains("地块坐标") {
                Section::Coordinates
            } else {
                Section::Other
            };
            continue;
        }
        match section {
            Section::Attributes => {
                if let Some((key, value)) = line.split_once('=') {
                    header.push((key.trim().to_string(), value.trim().to_string()));
                }
            }
            Section::Coordinates => {
                if line.ends_with('@') {
                    let body = line.trim_end_matches('@').trim_end().trim_end_matches(',');
                    parcels.push(Pending {
                        index: parcels.len() + 1,
                        line: line_no,
                        fields: body.split(',').map(|f| f.trim().to_string()).collect(),
                        points: Vec::new(),
                        error: None,
                    });
                } else {
                    let Some(parcel) = parcels.last_mut() else {
                        return Err(Error::format(
                            path,
                            format!(
                                "line {line_no}: a point ({line:?}) before any parcel header; each parcel starts with a line \
                                 of its fields ending in @ (界址点数,地块面积,地块编号,地块名称,…,@)"
                            ),
                        ));
                    };
                    if parcel.error.is_none() {
                        match point(&line) {
                            Ok(p) => parcel.points.push(p),
                            Err(why) => parcel.error = Some(format!("line {line_no}: {why}")),
                        }
                    }
                }
            }
            Section::Preamble | Section::Other => {}
        }
    }
    if parcels.is_empty() {
        return Err(Error::format(
            path,
            "no parcel found: a coordinate text file (建设用地报批坐标文件) has a [地块坐标] section whose parcels \
             start with a header line ending in @ followed by points J1,1,X,Y",
        ));
    }

    let value = |key: &str| {
        header
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let number = |key: &str| value(key).and_then(leading_number);
    let hints = GridHints {
        datum: value("坐标系").map(str::to_string),
        zone_width: number("几度分带").map(|w| w as u32),
        zone: number("带号").map(|z| z as u32),
        central_meridian: value("中央子午线")
            .or_else(|| value("中央经线"))
            .and_then(leading_number),
    };
    let precision_m = number("精度").filter(|p| *p > 0.0 && *p < 1.0);

    let mut out = RawFile {
        crs_clue: CrsClue::Header(hints),
        ..RawFile::default()
    };
    for parcel in parcels {
        let id = parcel.id().map(str::to_string);
        match finish(path, parcel, precision_m) {
            Ok(feature) => out.features.push(feature),
            Err((index, message)) => {
                out.problems
                    .push(Problem::feature(path, index, id.as_deref(), message))
            }
        }
    }
    Ok(out)
}

/// The first number in a header value such as "3", "3度", "35带", "0.001米".
fn leading_number(text: &str) -> Option<f64> {
    let digits: String = text
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse().ok()
}

/// A point line `J1,1,X,Y`: (ring number, point in GIS order).
fn point(line: &str) -> Result<(String, Coord), String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let [_, ring, north, east, ..] = fields.as_slice() else {
        return Err(format!(
            "{line:?} is not a point line; write point name, ring number, X (northing), Y (easting), e.g. J1,1,3285591.103,634219.659"
        ));
    };
    let number = |text: &str, what: &str| {
        text.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{what} {text:?} of point {line:?} is not a number"))
    };
    let y = number(north, "X (northing)")?;
    let x = number(east, "Y (easting)")?;
    Ok((ring.to_string(), Coord { x, y }))
}

fn finish(
    path: &Path,
    parcel: Pending,
    precision_m: Option<f64>,
) -> Result<RawFeature, (usize, String)> {
    let fail = |message: String| (parcel.index, message);
    if let Some(error) = &parcel.error {
        return Err(fail(format!(
            "{error}; the parcel starting on line {} is skipped — correct the line",
            parcel.line
        )));
    }
    let kind = parcel.fields.get(4).map(String::as_str).unwrap_or_default();
    if kind == "线" || kind == "点" {
        return Err(fail(format!(
            "图形属性 is {kind} (not an area); only 面 parcels can be screened"
        )));
    }
    let mut rings: Vec<(String, Vec<Coord>)> = Vec::new();
    for (ring, pt) in &parcel.points {
        match rings.last_mut() {
            Some((number, coords)) if number == ring => coords.push(*pt),
            _ => rings.push((ring.clone(), vec![*pt])),
        }
    }
    if rings.is_empty() {
        return Err(fail(format!(
            "the parcel on line {} has no points; add its point lines J1,1,X,Y after the header",
            parcel.line
        )));
    }
    let mut notes = Vec::new();
    let mut line_strings = Vec::with_capacity(rings.len());
    for (number, coords) in rings {
        let closed = coords.first() == coords.last();
        let distinct = coords.len() - usize::from(closed);
        if distinct < 3 {
            return Err(fail(format!(
                "ring {number} has {distinct} distinct point(s); a ring needs at least 3"
            )));
        }
        if !closed {
            notes.push(format!(
                "圈 {number} 未闭合 ring {number} did not repeat its first point at the end; closed"
            ));
        }
        line_strings.push(LineString::from(coords));
    }
    let polygons = polygons_from_rings(line_strings);
    let id = parcel.id().unwrap_or("?").to_string();
    if let Some(note) = area_check(path, &id, &parcel.fields, &polygons, precision_m) {
        notes.push(note);
    }
    if let Some(note) = point_count_check(path, &id, &parcel.fields, parcel.points.len()) {
        notes.push(note);
    }
    let mut attributes: Vec<(String, String)> = Vec::new();
    for (i, value) in parcel.fields.iter().enumerate() {
        let name = HEADER_FIELDS
            .get(i)
            .map(|n| n.to_string())
            .unwrap_or_else(|| format!("字段{}", i + 1));
        attributes.push((name, value.clone()));
    }
    Ok(RawFeature {
        index: parcel.index,
        native_id: None,
        attributes,
        geometry: Geometry::MultiPolygon(polygons),
        notes,
    })
}

/// A note when the header's 地块面积 (hectares) disagrees with the area the
/// points enclose by more than 0.1 %, or more than the rounding of the stated
/// figure and the file's 精度 allow, whichever is larger: a mistyped point
/// is the commonest fault in these files.
fn area_check(
    path: &Path,
    id: &str,
    fields: &[String],
    polygons: &MultiPolygon,
    precision_m: Option<f64>,
) -> Option<String> {
    let stated_text = fields.get(1)?.trim();
    let stated_ha: f64 = stated_text.parse().ok().filter(|a: &f64| *a > 0.0)?;
    let bounds = geo::BoundingRect::bounding_rect(polygons)?;
    if looks_like_lonlat(&bounds) {
        return None;
    }
    let stated = stated_ha * SQUARE_METRES_PER_HECTARE;
    let computed = polygons.unsigned_area();
    let decimals = stated_text
        .split_once('.')
        .map_or(0, |(_, d)| d.len() as i32);
    let rounding = 0.5 * 10f64.powi(-decimals) * SQUARE_METRES_PER_HECTARE;
    let perimeter: f64 = polygons
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| Euclidean.length(r))
        .sum();
    let tolerance = (AREA_TOLERANCE * computed)
        .max(rounding)
        .max(precision_m.map_or(0.0, |p| p * perimeter));
    let difference = stated - computed;
    if difference.abs() <= tolerance {
        return None;
    }
    Some(format!(
        "面积不符 stated area differs: {}: parcel {id}: the header's 地块面积 {stated_text} ha ({stated:.2} m²) but the \
         points enclose {computed:.2} m² ({difference:+.2} m², {:+.2} %); check the points for a typo",
        path.display(),
        if computed > 0.0 {
            100.0 * difference / computed
        } else {
            0.0
        }
    ))
}

/// A note when the header's 界址点数 is not the number of point lines that
/// follow it (closing repeats included): a file cut short, or a point lost
/// in copying, still encloses an area, and only the count shows it.
fn point_count_check(path: &Path, id: &str, fields: &[String], listed: usize) -> Option<String> {
    let stated_text = fields.first()?.trim();
    let stated: usize = stated_text.parse().ok()?;
    (stated != listed).then(|| {
        format!(
            "点数不符 point count differs: {}: parcel {id}: the header's 界址点数 is {stated} but {listed} point line(s) follow it; the file may be cut short or a point lost: check it against the surveyor's original",
            path.display()
        )
    })
}

/// How the text of an exported file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TxtEncoding {
    #[default]
    Utf8,
    /// What older surveying software on Chinese Windows reads.
    Gbk,
}

/// Writes parcels (in `crs`, a CGCS2000 Gauss-Kruger zone) in the exchange
/// layout. Coordinates are written to the millimetre; the production date is
/// left blank so the same parcels always give the same file.
pub fn to_text(features: &[Feature], crs: &Crs) -> Result<String, String> {
    let zone = GkZone::of_epsg(crs.code()).ok_or_else(|| {
        format!(
            "{crs} is not a CGCS2000 Gauss-Kruger zone; coordinate text files are written in one of \
             EPSG:4491-4554 (e.g. EPSG:4544, or EPSG:4523 with the zone prefix)"
        )
    })?;
    let mut out = String::new();
    let mut line = |text: &str| {
        out.push_str(text);
        out.push_str("\r\n");
    };
    line("[属性描述]");
    line("格式版本号=1.0");
    line("数据产生单位=redline");
    line("数据产生日期=");
    line("坐标系=2000国家大地坐标系");
    line(&format!("几度分带={}", zone.width));
    line("投影类型=高斯克吕格");
    line("计量单位=米");
    line(&format!("带号={}", zone.zone));
    line("精度=0.001");
    line("转换参数=,,,,,,");
    line("[地块坐标]");
    for feature in features {
        let Shape::Area(polygons) = &feature.shape else {
            return Err(format!(
                "feature {} (id {}) is a line, not a parcel; only areas can be written",
                feature.index, feature.id
            ));
        };
        let attribute = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| {
                    feature
                        .attributes
                        .iter()
                        .find(|(k, v)| k == n && !v.is_empty())
                })
                .map(|(_, v)| field(v))
                .unwrap_or_default()
        };
        let mut points = Vec::new();
        let mut next_name = 1;
        for (ring_no, ring) in polygons
            .0
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .enumerate()
        {
            let open = &ring.0[..ring.0.len().saturating_sub(1)];
            let point =
                |name: usize, c: &Coord| format!("J{name},{},{:.3},{:.3}", ring_no + 1, c.y, c.x);
            for (k, c) in open.iter().enumerate() {
                points.push(point(next_name + k, c));
            }
            // The closing point repeats the first, under the first's name.
            if let Some(c) = open.first() {
                points.push(point(next_name, c));
            }
            next_name += open.len();
        }
        line(&format!(
            "{},{:.4},{},{},面,{},{},{},@",
            points.len(),
            feature.shape.area_m2() / SQUARE_METRES_PER_HECTARE,
            field(&feature.id),
            field(&feature.name),
            attribute(&["图幅号"]),
            attribute(&["地块用途", "用地性质", "用途"]),
            attribute(&["地类编码"]),
        ));
        for p in &points {
            line(p);
        }
    }
    Ok(out)
}

/// A header field cannot hold the separator, nor a line break.
fn field(text: &str) -> String {
    text.replace(',', "，").replace(['\r', '\n'], " ")
}

/// The bytes of exported text in the chosen encoding.
pub fn encode(text: &str, encoding: TxtEncoding) -> Result<Vec<u8>, String> {
    match encoding {
        TxtEncoding::Utf8 => Ok(text.as_bytes().to_vec()),
        TxtEncoding::Gbk => {
            let (bytes, _, unmappable) = dbase::encoding_rs::GBK.encode(text);
            if unmappable {
                Err("a name cannot be written in GBK (a character outside GB 18030's two-byte set); export as UTF-8".to_string())
            } else {
                Ok(bytes.into_owned())
            }
        }
    }
}

/// What `export` wrote.
#[derive(Debug)]
pub struct Exported {
    pub crs: Crs,
    pub parcels: usize,
    /// Features of the inputs that could not be read, each named.
    pub problems: Vec<Problem>,
}

/// How `export` reads its inputs and writes its output.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions<'a> {
    /// The CRS to write; default: the first file's own, when it is a
    /// CGCS2000 Gauss-Kruger zone.
    pub crs: Option<&'a Crs>,
    /// The CRS of inputs that declare none (`--parcels-crs`).
    pub fallback_crs: Option<&'a Crs>,
    pub id_field: Option<&'a str>,
    pub name_field: Option<&'a str>,
    pub encoding: TxtEncoding,
}

/// Reads parcel files of any readable format and writes them, atomically, as
/// one coordinate text file at `out`.
pub fn export(inputs: &[PathBuf], out: &Path, options: &ExportOptions) -> Result<Exported, Error> {
    let fail = |message: String| Error::Output {
        path: out.to_path_buf(),
        message,
    };
    let read = |path: &Path, working: &Crs| {
        read_layer(
            path,
            &ReadOptions {
                working_crs: working,
                fallback_crs: options.fallback_crs,
                id_field: options.id_field,
                id_candidates: PARCEL_ID_FIELDS,
                name_field: options.name_field,
                name_candidates: PARCEL_NAME_FIELDS,
                crs_hint: "with --parcels-crs EPSG:xxxx (e.g. EPSG:4544)",
                plan_area: None,
            },
        )
    };
    let Some(first) = inputs.first() else {
        return Err(Error::Usage("no parcel file to export".to_string()));
    };
    let target = match options.crs {
        Some(crs) => crs.clone(),
        None => {
            let placeholder = Crs::from_epsg(4544).map_err(|e| Error::crs(first, e))?;
            let source = read(first, &placeholder)?.source_crs;
            if GkZone::of_epsg(source.code()).is_none() {
                return Err(Error::Usage(format!(
                    "{}: its coordinates are in {source}, not a CGCS2000 Gauss-Kruger zone; choose the zone to write \
                     with --crs EPSG:xxxx (e.g. EPSG:4544, or EPSG:4523 for zone-prefixed eastings)",
                    first.display()
                )));
            }
            source
        }
    };
    let mut features = Vec::new();
    let mut problems = Vec::new();
    for path in inputs {
        let layer = read(path, &target)?;
        features.extend(layer.features);
        problems.extend(layer.problems);
    }
    if features.is_empty() {
        return Err(fail(
            "no parcel could be read from the inputs; nothing was written".to_string(),
        ));
    }
    let text = to_text(&features, &target).map_err(fail)?;
    let bytes = encode(&text, options.encoding).map_err(fail)?;
    write_atomically(out, inputs, &bytes)?;
    Ok(Exported {
        crs: target,
        parcels: features.len(),
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> RawFile {
        parse(Path::new("t.txt"), text).unwrap_or_else(|e| panic!("{e}"))
    }

    const RECT: &str = "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=35\n[地块坐标]\n\
        5,2.0000,DK-1,厂房,面,,工业用地,,@\n\
        J1,1,3285600.000,634300.000\nJ2,1,3285600.000,634400.000\nJ3,1,3285800.000,634400.000\n\
        J4,1,3285800.000,634300.000\nJ1,1,3285600.000,634300.000\n";

    #[test]
    fn reads_a_parcel_in_surveyor_order() {
        let raw = parse_ok(RECT);
        assert_eq!(raw.features.len(), 1);
        let f = &raw.features[0];
        let Geometry::MultiPolygon(mp) = &f.geometry else {
            panic!("{:?}", f.geometry)
        };
        assert!((mp.unsigned_area() - 20_000.0).abs() < 1e-6);
        // X is the northing: it becomes y.
        assert_eq!(
            mp.0[0].exterior().0[0],
            Coord {
                x: 634300.0,
                y: 3285600.0
            }
        );
        assert!(f.notes.is_empty(), "{:?}", f.notes);
        assert!(f
            .attributes
            .contains(&("地块编号".to_string(), "DK-1".to_string())));
        let CrsClue::Header(hints) = &raw.crs_clue else {
            panic!()
        };
        assert_eq!((hints.zone_width, hints.zone), (Some(3), Some(35)));
    }

    #[test]
    fn a_wrong_stated_area_is_noted_with_both_areas() {
        let raw = parse_ok(&RECT.replace("2.0000", "2.0500"));
        let note = raw.features[0].notes.join("; ");
        assert!(note.contains("DK-1") && note.contains("t.txt"), "{note}");
        assert!(
            note.contains("20500.00") && note.contains("20000.00"),
            "{note}"
        );
        // Within 0.1 % is rounding, not an error.
        assert!(parse_ok(&RECT.replace("2.0000", "2.0010")).features[0]
            .notes
            .is_empty());
    }

    #[test]
    fn a_header_counting_more_points_than_are_listed_is_noted() {
        // The header says 34 points; the file lists 5 (cut short).
        let raw = parse_ok(&RECT.replacen("5,2.0000", "34,2.0000", 1));
        let note = raw.features[0].notes.join("; ");
        assert!(
            note.contains("点数不符") && note.contains("34") && note.contains("5 point line(s)"),
            "{note}"
        );
        assert!(note.contains("DK-1") && note.contains("t.txt"), "{note}");
        // The count as written, closing repeat included, is right.
        assert!(parse_ok(RECT).features[0].notes.is_empty());
    }

    #[test]
    fn bad_lines_skip_the_parcel_not_the_file() {
        let text = format!("{RECT}4,1,DK-2,,面,,,,@\nJ1,1,abc,634300\n");
        let raw = parse_ok(&text);
        assert_eq!(raw.features.len(), 1);
        let p = &raw.problems[0];
        assert_eq!((p.index, p.id.as_deref()), (Some(2), Some("DK-2")));
        assert!(
            p.message.contains("line 12") && p.message.contains("abc"),
            "{p}"
        );
        assert!(parse(Path::new("t.txt"), "hello").is_err());
        assert!(parse(Path::new("t.txt"), "[地块坐标]\nJ1,1,1,1\n").is_err());
    }

    #[test]
    fn exported_text_reads_back() {
        let raw = parse_ok(RECT);
        let Geometry::MultiPolygon(mp) = raw.features[0].geometry.clone() else {
            panic!()
        };
        let feature = Feature {
            index: 1,
            id: "DK-1".to_string(),
            name: "厂房".to_string(),
            attributes: vec![("用地性质".to_string(), "工业用地".to_string())],
            shape: Shape::Area(mp.clone()),
            notes: vec![],
        };
        let crs = Crs::from_epsg(4544).unwrap_or_else(|e| panic!("{e}"));
        let text = to_text(&[feature], &crs).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            text.contains("5,2.0000,DK-1,厂房,面,,工业用地,,@\r\n"),
            "{text}"
        );
        assert!(text.contains("带号=35\r\n"), "{text}");
        let back = parse_ok(&text);
        assert_eq!(back.features[0].geometry, Geometry::MultiPolygon(mp));
        assert!(back.features[0].notes.is_empty());
        let wgs84 = Crs::from_epsg(4326).unwrap_or_else(|e| panic!("{e}"));
        assert!(to_text(&[], &wgs84).is_err());
    }

    #[test]
    fn gbk_export_encodes_chinese() {
        let bytes = encode("厂房", TxtEncoding::Gbk).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bytes, vec![0xB3, 0xA7, 0xB7, 0xBF]);
        assert_eq!(decode_text(&bytes), "厂房");
    }
}
