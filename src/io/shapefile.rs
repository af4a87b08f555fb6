//! ESRI shapefile reader (.shp + .shx + .dbf, with .prj and .cpg).
//!
//! Chinese shapefiles are mostly GBK without a .cpg, so the attribute
//! encoding is chosen here, not left to the library's default: the .cpg, else
//! the .dbf's code-page byte, else UTF-8 when the bytes are valid UTF-8, else
//! GBK. Polygon rings are assembled by containment, because files written by
//! other tools often wind the outer ring the wrong way.

use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use dbase::encoding::{DynEncoding, EncodingRs};
use dbase::encoding_rs;

use dbase::{FieldError, FieldIterator, FieldValue, ReadableRecord};
use geo_types::{Geometry, LineString, MultiLineString};
use shapefile::{Shape, ShapeReader};

use super::{RawFeature, RawFile, RejectedFeature};
use crate::crs::Crs;
use crate::error::{Error, Problem};
use crate::geometry::{polygons_from_rings, union_rect};

/// Offset of the language-driver (code page) byte in a .dbf header.
const DBF_CODE_PAGE_OFFSET: usize = 29;

pub fn read(path: &Path) -> Result<RawFile, Error> {
    read_parts(path, open(path)?)
}

/// Streams the shapefile's features to `sink` in batches of
/// `batch_features`; returns the CRS its .prj declares.
pub fn stream(
    path: &Path,
    batch_features: usize,
    sink: &mut dyn FnMut(RawFile) -> Result<(), Error>,
) -> Result<RawFile, Error> {
    stream_parts(path, open(path)?, batch_features, sink)
}

/// Finds and opens the parts of the shapefile whose .shp is `path`.
fn open(path: &Path) -> Result<Parts<std::io::BufReader<std::fs::File>>, Error> {
    let sibling = |ext: &str| -> PathBuf { path.with_extension(ext) };
    let require = |ext: &str, what: &str| -> Result<PathBuf, Error> {
        let p = find_sibling(path, ext).unwrap_or_else(|| sibling(ext));
        if p.exists() {
            Ok(p)
        } else {
            Err(Error::format(
                path,
                format!(
                    "its .{ext} ({what}) is missing: {} not found; a shapefile is several files, copy all of them together",
                    p.display()
                ),
            ))
        }
    };
    let shx_path = require("shx", "the shape index")?;
    let dbf_path = require("dbf", "the attribute table")?;

    let prj = match find_sibling(path, "prj") {
        Some(prj) => {
            let bytes = std::fs::read(&prj).map_err(|e| Error::io(&prj, e))?;
            Some((prj, bytes))
        }
        None => None,
    };
    let cpg = match find_sibling(path, "cpg") {
        Some(cpg) => {
            let bytes = std::fs::read(&cpg).map_err(|e| Error::io(&cpg, e))?;
            Some((cpg, bytes))
        }
        None => None,
    };
    let shp_file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let shx_file = std::fs::File::open(&shx_path).map_err(|e| Error::io(&shx_path, e))?;
    let dbf_file = std::fs::File::open(&dbf_path).map_err(|e| Error::io(&dbf_path, e))?;
    Ok(Parts {
        shp: std::io::BufReader::new(shp_file),
        shx: std::io::BufReader::new(shx_file),
        dbf: (dbf_path, std::io::BufReader::new(dbf_file)),
        prj,
        cpg,
    })
}

/// The files a shapefile is read from, of those present: the .shp, .shx,
/// .dbf, .prj and .cpg.
pub fn part_paths(path: &Path) -> Vec<PathBuf> {
    std::iter::once(path.to_path_buf())
        .chain(
            ["shx", "dbf", "prj", "cpg"]
                .into_iter()
                .filter_map(|ext| find_sibling(path, ext)),
        )
        .collect()
}

/// How many shapes the .shx beside `path` indexes (8 bytes each after a
/// 100-byte header), if there is one.
pub fn shape_count(path: &Path) -> Option<usize> {
    let shx = find_sibling(path, "shx")?;
    let len = std::fs::metadata(shx).ok()?.len();
    usize::try_from(len.saturating_sub(100) / 8).ok()
}

/// The parts of a shapefile once found and opened: the .shp, .shx and .dbf
/// as readers, the .prj and .cpg as bytes, each with its path for messages.
pub struct Parts<R> {
    pub shp: R,
    pub shx: R,
    pub dbf: (PathBuf, R),
    pub prj: Option<(PathBuf, Vec<u8>)>,
    pub cpg: Option<(PathBuf, Vec<u8>)>,
}

/// Reads a shapefile from its parts; `path` (the .shp) only names the source
/// in messages.
pub fn read_parts<R: Read + Seek>(path: &Path, parts: Parts<R>) -> Result<RawFile, Error> {
    let mut whole = RawFile::default();
    let header = stream_parts(path, parts, usize::MAX, &mut |batch| {
        whole.features.extend(batch.features);
        whole.rejected.extend(batch.rejected);
        whole.problems.extend(batch.problems);
        Ok(())
    })?;
    whole.declared_crs = header.declared_crs;
    Ok(whole)
}

/// What settling a shapefile's CRS and fields needs of it, as reading it
/// would find it: see [`survey`].
#[derive(Debug, Default)]
pub struct Survey {
    pub declared_crs: Option<Crs>,
    /// The .dbf's field names, in its order.
    pub fields: Vec<String>,
    /// Shapes with an attribute record, usable or not (one whose record
    /// cannot be decoded is counted; reading drops it).
    pub features: usize,
    /// Of those, the polygons and polylines whose coordinates are all finite.
    pub usable: usize,
    /// The bounds of the usable shapes' coordinates.
    pub bounds: Option<geo::Rect>,
}

/// Surveys the shapefile whose .shp is `path` without making its features:
/// the attribute records are not decoded and the rings not assembled, which
/// is most of the time a reading takes. A large file read in batches is
/// surveyed first, to settle its CRS and fields before its first batch.
pub fn survey(path: &Path) -> Result<Survey, Error> {
    let mut opened = Opened::new(path, open(path)?)?;
    let mut survey = Survey {
        declared_crs: opened.declared_crs.take(),
        ..Survey::default()
    };
    let records = opened.scan.deleted.len();
    for (i, shape) in opened
        .shapes
        .iter_shapes()
        .take(opened.readable)
        .enumerate()
    {
        // Reading stops at a damaged shape, and skips one whose attribute
        // record is deleted or missing.
        let Ok(shape) = shape else { break };
        if i >= records || opened.scan.deleted[i] {
            continue;
        }
        survey.features += 1;
        let Ok((rings, is_polygon)) = rings_of(shape) else {
            continue;
        };
        if finite(&rings).is_err() {
            continue;
        }
        survey.usable += 1;
        // Assembling polygons drops rings of under three points.
        let kept = rings.iter().filter(|r| !is_polygon || r.0.len() >= 3);
        for b in kept.filter_map(geo::BoundingRect::bounding_rect) {
            survey.bounds = Some(survey.bounds.map_or(b, |r| union_rect(r, b)));
        }
    }
    survey.fields = opened.field_names;
    Ok(survey)
}

/// A shapefile's parts opened for reading: its CRS, its shapes, and its
/// attribute table with what a scan of it found.
struct Opened<R: Read + Seek> {
    declared_crs: Option<Crs>,
    shapes: ShapeReader<R>,
    /// The first damaged record, which ends reading.
    oversized: Option<(usize, String)>,
    /// How many shapes can be read before it.
    readable: usize,
    dbf_path: PathBuf,
    scan: DbfScan,
    table: dbase::Reader<R>,
    field_names: Vec<String>,
}

impl<R: Read + Seek> Opened<R> {
    fn new(path: &Path, parts: Parts<R>) -> Result<Opened<R>, Error> {
        let declared_crs = match &parts.prj {
            Some((prj, wkt)) => {
                let wkt = String::from_utf8_lossy(wkt);
                Some(Crs::from_wkt(&wkt).map_err(|e| Error::crs(prj, e))?)
            }
            None => None,
        };
        let (mut shp, mut shx) = (parts.shp, parts.shx);
        let oversized = oversized_record(&mut shp, &mut shx)
            .map_err(|e| Error::format(path, format!("not a readable shapefile: {e}")))?;
        let shapes = ShapeReader::with_shx(shp, shx)
            .map_err(|e| Error::format(path, format!("not a readable shapefile: {e}")))?;
        let (dbf_path, mut dbf) = parts.dbf;
        let scan = scan_dbf(&dbf_path, &mut dbf)?;
        let encoding = dbf_encoding(parts.cpg.as_ref(), &scan)?;
        let table = dbase::ReaderBuilder::new()
            .with_encoding(encoding)
            .build(dbf)
            .map_err(|e| Error::format(&dbf_path, format!("not a readable .dbf: {e}")))?;
        let field_names = table
            .fields()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        Ok(Opened {
            declared_crs,
            readable: oversized.as_ref().map_or(usize::MAX, |(k, _)| k - 1),
            oversized,
            shapes,
            dbf_path,
            scan,
            table,
            field_names,
        })
    }
}

/// As [`stream`], from the shapefile's parts.
pub fn stream_parts<R: Read + Seek>(
    path: &Path,
    parts: Parts<R>,
    batch_features: usize,
    sink: &mut dyn FnMut(RawFile) -> Result<(), Error>,
) -> Result<RawFile, Error> {
    let Opened {
        declared_crs,
        mut shapes,
        oversized,
        readable,
        dbf_path,
        scan,
        mut table,
        field_names,
    } = Opened::new(path, parts)?;
    // Records are read in step with the shapes, not collected first: a
    // city's cadastre has hundreds of thousands of them. No more are read
    // than the scan found in the file, whatever its header claims.
    let mut records = table.iter_records_as::<Row>();

    let mut out = RawFile::default();
    let damaged = |reason: String| {
        format!(
            "the .shp is damaged from this feature on ({reason}); the features before it were read, \
             the rest are lost: export the shapefile again"
        )
    };
    let mut stopped = false;
    for (i, shape) in shapes.iter_shapes().take(readable).enumerate() {
        let index = i + 1;
        let shape = match shape {
            Ok(s) => s,
            Err(e) => {
                stopped = true;
                out.problems
                    .push(Problem::feature(path, index, None, damaged(e.to_string())));
                break;
            }
        };
        if scan.deleted.get(i).copied().unwrap_or(false) {
            out.problems.push(Problem::feature(
                &dbf_path,
                index,
                None,
                "its attribute record is marked deleted in the .dbf, so the shape is skipped as other GIS skip it; \
                 if it is a real parcel, restore the record (or pack the table) and export again",
            ));
            continue;
        }
        let record = if i < scan.deleted.len() {
            records.next()
        } else {
            None
        };
        let attributes = match record {
            Some(Ok(Row(values))) => field_names.iter().cloned().zip(values).collect(),
            Some(Err(e)) => {
                out.problems.push(Problem::feature(
                    &dbf_path,
                    index,
                    None,
                    format!("attribute record unreadable: {e}"),
                ));
                continue;
            }
            None => {
                out.problems.push(Problem::feature(
                    &dbf_path,
                    index,
                    None,
                    format!(
                        "the .dbf has {} records but the .shp has more shapes; this shape has no attributes and is skipped — export the shapefile again",
                        scan.deleted.len()
                    ),
                ));
                continue;
            }
        };
        match geometry(shape) {
            Ok(geometry) => out.features.push(RawFeature {
                index,
                native_id: None,
                attributes,
                geometry,
                notes: Vec::new(),
            }),
            Err(message) => out.rejected.push(RejectedFeature {
                index,
                native_id: None,
                attributes,
                message,
            }),
        }
        if out.features.len() + out.rejected.len() >= batch_features {
            sink(std::mem::take(&mut out))?;
        }
    }
    if let (Some((k, reason)), false) = (oversized, stopped) {
        out.problems
            .push(Problem::feature(path, k, None, damaged(reason)));
    }
    let leftover = !(out.features.is_empty() && out.rejected.is_empty() && out.problems.is_empty());
    if leftover {
        sink(out)?;
    }
    Ok(RawFile {
        declared_crs,
        ..RawFile::default()
    })
}

/// The first record (1-based, in .shx order, as the shapes are read) whose
/// part or point count cannot fit in the record or the file, and why. The
/// shapefile crate reserves memory for the counts before it finds the data
/// missing: a damaged count would reserve gigabytes. Records too short to
/// hold their counts are left to the crate to report.
fn oversized_record<R: Read + Seek>(
    shp: &mut R,
    shx: &mut R,
) -> std::io::Result<Option<(usize, String)>> {
    let shp_len = shp.seek(SeekFrom::End(0))?;
    shp.seek(SeekFrom::Start(0))?;
    let mut index = Vec::new();
    shx.read_to_end(&mut index)?;
    let be = |b: &[u8]| u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let le = |b: &[u8]| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let mut found = None;
    // Records mostly follow one another: skip forward through the buffer
    // rather than seek, which would drop a `BufReader`'s buffer each time.
    let mut at = 0u64;
    for (k, entry) in index
        .get(100..)
        .unwrap_or_default()
        .chunks_exact(8)
        .enumerate()
    {
        let offset = be(&entry[..4]) * 2;
        // Record header (8), shape type (4), box (32), two counts (8).
        let mut head = [0u8; 52];
        if offset.saturating_add(52) > shp_len {
            break;
        }
        if offset >= at {
            std::io::copy(&mut (&mut *shp).take(offset - at), &mut std::io::sink())?;
        } else {
            shp.seek(SeekFrom::Start(offset))?;
        }
        shp.read_exact(&mut head)?;
        at = offset + 52;
        let room = (be(&head[4..8]) * 2).min(shp_len - offset - 8);
        let (parts, points, need) = match le(&head[8..12]) {
            // Polyline, polygon and their M / Z kinds, multipatch.
            3 | 5 | 13 | 15 | 23 | 25 | 31 => {
                let (parts, points) = (le(&head[44..48]), le(&head[48..52]));
                (parts, points, 44 + 4 * parts + 16 * points)
            }
            // Multipoint and its M / Z kinds.
            8 | 18 | 28 => {
                let points = le(&head[44..48]);
                (0, points, 40 + 16 * points)
            }
            _ => continue,
        };
        if parts < 0 || points < 0 || need > i64::try_from(room).unwrap_or(i64::MAX) {
            found = Some((
                k + 1,
                format!("its record claims {parts} parts and {points} points, more than its {room} bytes hold"),
            ));
            break;
        }
        // The crate sizes each part from the next one's start: a start out
        // of order or past the points would size it in gigabytes too. The
        // count is bounded by the record's bytes, checked above.
        let mut starts = vec![0u8; 4 * parts as usize];
        shp.read_exact(&mut starts)?;
        at += starts.len() as u64;
        let starts: Vec<i64> = starts.chunks_exact(4).map(le).collect();
        let misplaced = starts
            .iter()
            .zip(starts.iter().skip(1).chain([&points]))
            .position(|(start, next)| *start < 0 || start > next);
        if let Some(part) = misplaced {
            found = Some((
                k + 1,
                format!(
                    "its part {} starts at point {}, outside its {points} points or before the part before it",
                    part + 1,
                    starts[part]
                ),
            ));
            break;
        }
    }
    shp.seek(SeekFrom::Start(0))?;
    shx.seek(SeekFrom::Start(0))?;
    Ok(found)
}

/// Finds `name.EXT` beside the .shp whatever the case of the extension.
fn find_sibling(path: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| path.with_extension(e))
        .find(|p| p.exists())
}

/// One attribute record as text, in field order.
struct Row(Vec<String>);

impl ReadableRecord for Row {
    fn read_using<Source: Read + Seek, MemoSource: Read + Seek>(
        fields: &mut FieldIterator<Source, MemoSource>,
    ) -> Result<Self, FieldError> {
        fields
            .map(|field| field.map(|f| field_text(&f.value)))
            .collect::<Result<_, _>>()
            .map(Row)
    }
}

/// What one pass over the .dbf's bytes tells before its records are read.
struct DbfScan {
    /// Per record present in the file (no more than its header's count):
    /// marked deleted (`*`). The `dbase` reader skips deleted records, so
    /// the shapes beside them must be skipped too, or every later shape
    /// would take its neighbour's attributes.
    deleted: Vec<bool>,
    /// The code-page (language driver) byte of the header.
    code_page: u8,
    /// The header and every record are valid UTF-8.
    utf8: bool,
}

/// Scans the .dbf and leaves `dbf` at its start again.
fn scan_dbf<R: Read + Seek>(dbf_path: &Path, dbf: &mut R) -> Result<DbfScan, Error> {
    let io = |e| Error::io(dbf_path, e);
    let mut reader = std::io::BufReader::new(&mut *dbf);
    let mut header = [0u8; 32];
    if reader.read_exact(&mut header).is_err() {
        return Err(Error::format(
            dbf_path,
            "not a readable .dbf: shorter than its 32-byte header; export the shapefile again",
        ));
    }
    let record_count = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    let header_len = usize::from(u16::from_le_bytes([header[8], header[9]]));
    let record_len = usize::from(u16::from_le_bytes([header[10], header[11]]));
    let mut field_header = vec![0u8; header_len.saturating_sub(header.len())];
    let complete_header = reader.read_exact(&mut field_header).is_ok();
    let mut utf8 = complete_header && std::str::from_utf8(&field_header).is_ok();
    // The count comes from the header, the records from the file: a header
    // claiming billions ends the scan at the file's end.
    let mut deleted = Vec::new();
    let mut record = vec![0u8; record_len.max(1)];
    while complete_header && deleted.len() < record_count && reader.read_exact(&mut record).is_ok()
    {
        deleted.push(record[0] == b'*');
        utf8 = utf8 && std::str::from_utf8(&record).is_ok();
    }
    drop(reader);
    dbf.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(DbfScan {
        deleted,
        code_page: header[DBF_CODE_PAGE_OFFSET],
        utf8,
    })
}

fn dbf_encoding(cpg: Option<&(PathBuf, Vec<u8>)>, scan: &DbfScan) -> Result<DynEncoding, Error> {
    if let Some((cpg, label)) = cpg {
        let label = String::from_utf8_lossy(label);
        return DynEncoding::from_name(label.trim()).ok_or_else(|| {
            Error::format(
                cpg,
                format!(
                    "names an encoding redline does not know ({:?}); write GBK or UTF-8 in it",
                    label.trim()
                ),
            )
        });
    }
    match scan.code_page {
        0x4D | 0x7A => return Ok(EncodingRs::from(encoding_rs::GBK).into()),
        0x57 | 0x03 => return Ok(EncodingRs::from(encoding_rs::WINDOWS_1252).into()),
        _ => {}
    }
    if scan.utf8 {
        Ok(EncodingRs::from(encoding_rs::UTF_8).into())
    } else {
        Ok(EncodingRs::from(encoding_rs::GBK).into())
    }
}

fn field_text(value: &FieldValue) -> String {
    match value {
        FieldValue::Character(Some(s)) | FieldValue::Memo(s) => s.trim().to_string(),
        FieldValue::Numeric(Some(n)) => number_text(*n),
        FieldValue::Float(Some(n)) => number_text(f64::from(*n)),
        FieldValue::Double(n) | FieldValue::Currency(n) => number_text(*n),
        FieldValue::Integer(n) => n.to_string(),
        FieldValue::Logical(Some(b)) => b.to_string(),
        FieldValue::Date(Some(d)) => format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
        _ => String::new(),
    }
}

fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn geometry(shape: Shape) -> Result<Geometry, String> {
    let (rings, is_polygon) = rings_of(shape)?;
    // A NaN or infinite coordinate must be refused before any geometry
    // algorithm sees it: assembling rings runs them (see `polygons_from_rings`).
    finite(&rings)?;
    Ok(if is_polygon {
        Geometry::MultiPolygon(polygons_from_rings(rings))
    } else {
        Geometry::MultiLineString(MultiLineString::new(rings))
    })
}

/// A polygon's rings or a polyline's parts, and whether it is a polygon;
/// why any other shape cannot be used.
fn rings_of(shape: Shape) -> Result<(Vec<LineString>, bool), String> {
    fn rings<P: Copy>(
        parts: impl Iterator<Item = Vec<P>>,
        xy: impl Fn(P) -> (f64, f64),
    ) -> Vec<LineString> {
        parts
            .map(|points| LineString::from(points.into_iter().map(&xy).collect::<Vec<_>>()))
            .collect()
    }
    match shape {
        Shape::Polygon(p) => Ok((
            rings(p.into_inner().into_iter().map(|r| r.into_inner()), |q| {
                (q.x, q.y)
            }),
            true,
        )),
        Shape::PolygonM(p) => Ok((
            rings(p.into_inner().into_iter().map(|r| r.into_inner()), |q| {
                (q.x, q.y)
            }),
            true,
        )),
        Shape::PolygonZ(p) => Ok((
            rings(p.into_inner().into_iter().map(|r| r.into_inner()), |q| {
                (q.x, q.y)
            }),
            true,
        )),
        Shape::Polyline(l) => Ok((rings(l.into_inner().into_iter(), |q| (q.x, q.y)), false)),
        Shape::PolylineM(l) => Ok((rings(l.into_inner().into_iter(), |q| (q.x, q.y)), false)),
        Shape::PolylineZ(l) => Ok((rings(l.into_inner().into_iter(), |q| (q.x, q.y)), false)),
        Shape::NullShape => {
            Err("has no geometry (null shape); draw or import its boundary".to_string())
        }
        other => Err(format!(
            "is a {} shape; redline needs polygons (parcels, zones) or polylines (rivers)",
            other.shapetype()
        )),
    }
}

/// Refuses a NaN or infinite coordinate, naming it.
fn finite(rings: &[LineString]) -> Result<(), String> {
    match rings
        .iter()
        .flat_map(|l| l.coords())
        .find(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        Some(c) => Err(format!(
            "coordinate ({}, {}) is not a finite number; the .shp is damaged at this feature: export the shapefile again",
            c.x, c.y
        )),
        None => Ok(()),
    }
}

/// One attribute column of a shapefile being written.
#[derive(Debug, Clone)]
pub struct DbfField {
    /// At most 10 bytes once encoded in GBK (5 Chinese characters).
    pub name: String,
    /// Width in bytes of the column.
    pub width: u8,
    /// `Some(decimals)` for a numeric column, `None` for text.
    pub decimals: Option<u8>,
}

/// Writes `.shp`, `.shx`, `.dbf` (GBK, what Chinese GIS offices exchange),
/// `.cpg` and, when given, `.prj`, each atomically. The output is a pure
/// function of the input (no timestamps), so regenerated files are identical.
pub fn write(
    shp_path: &Path,
    shapes: &[crate::geometry::Shape],
    fields: &[DbfField],
    records: &[Vec<String>],
    prj_wkt: Option<&str>,
) -> Result<(), Error> {
    use crate::atomic::write_atomically;
    use crate::geometry::Shape as Kind;
    use shapefile::{Point, Polygon, PolygonRing, Polyline, ShapeWriter};

    let fail = |message: String| Error::Output {
        path: shp_path.to_path_buf(),
        message,
    };
    if shapes.len() != records.len() {
        return Err(fail(format!(
            "{} shapes but {} attribute records",
            shapes.len(),
            records.len()
        )));
    }
    let points = |ls: &geo_types::LineString| {
        ls.0.iter()
            .map(|c| Point::new(c.x, c.y))
            .collect::<Vec<_>>()
    };
    let mut shp = Cursor::new(Vec::new());
    let mut shx = Cursor::new(Vec::new());
    {
        let mut writer = ShapeWriter::with_shx(&mut shp, &mut shx);
        let all_areas = shapes.iter().all(|s| matches!(s, Kind::Area(_)));
        for shape in shapes {
            let result = match (shape, all_areas) {
                (Kind::Area(mp), true) => {
                    let rings = mp
                        .0
                        .iter()
                        .flat_map(|p| {
                            std::iter::once(PolygonRing::Outer(points(p.exterior())))
                                .chain(p.interiors().iter().map(|r| PolygonRing::Inner(points(r))))
                        })
                        .collect();
                    writer.write_shape(&Polygon::with_rings(rings))
                }
                (Kind::Lines(ml), false) => {
                    writer.write_shape(&Polyline::with_parts(ml.0.iter().map(points).collect()))
                }
                _ => {
                    return Err(fail(
                        "a shapefile holds one kind of shape: all polygons or all lines"
                            .to_string(),
                    ))
                }
            };
            result.map_err(|e| fail(e.to_string()))?;
        }
        writer.finalize().map_err(|e| fail(e.to_string()))?;
    }
    let dbf = dbf_bytes(fields, records).map_err(fail)?;
    write_atomically(shp_path, &[], shp.get_ref())?;
    write_atomically(&shp_path.with_extension("shx"), &[], shx.get_ref())?;
    write_atomically(&shp_path.with_extension("dbf"), &[], &dbf)?;
    write_atomically(&shp_path.with_extension("cpg"), &[], b"GBK")?;
    if let Some(wkt) = prj_wkt {
        write_atomically(&shp_path.with_extension("prj"), &[], wkt.as_bytes())?;
    }
    Ok(())
}

/// A dBase III table in GBK. Written here rather than with the `dbase`
/// crate, whose writer stamps today's date and cannot encode field names.
fn dbf_bytes(fields: &[DbfField], records: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let gbk = |text: &str| -> Result<Vec<u8>, String> {
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
        if unmappable {
            Err(format!("{text:?} cannot be written in GBK"))
        } else {
            Ok(bytes.into_owned())
        }
    };
    let record_len: usize = 1 + fields.iter().map(|f| usize::from(f.width)).sum::<usize>();
    let header_len = 32 + 32 * fields.len() + 1;
    let mut out = Vec::with_capacity(header_len + record_len * records.len() + 1);
    out.push(0x03);
    out.extend([125, 1, 1]); // last update 2025-01-01: fixed, so output is reproducible
    out.extend(
        u32::try_from(records.len())
            .map_err(|e| e.to_string())?
            .to_le_bytes(),
    );
    out.extend(
        u16::try_from(header_len)
            .map_err(|e| e.to_string())?
            .to_le_bytes(),
    );
    out.extend(
        u16::try_from(record_len)
            .map_err(|e| e.to_string())?
            .to_le_bytes(),
    );
    out.extend([0u8; 17]);
    out.push(0x4D); // code page: GBK (936)
    out.extend([0u8; 2]);
    for field in fields {
        let name = gbk(&field.name)?;
        if name.len() > 10 {
            return Err(format!(
                "field name {:?} is longer than 10 bytes in GBK",
                field.name
            ));
        }
        let mut descriptor = [0u8; 32];
        descriptor[..name.len()].copy_from_slice(&name);
        descriptor[11] = if field.decimals.is_some() { b'N' } else { b'C' };
        descriptor[16] = field.width;
        descriptor[17] = field.decimals.unwrap_or(0);
        out.extend(descriptor);
    }
    out.push(0x0D);
    for record in records {
        if record.len() != fields.len() {
            return Err(format!(
                "a record has {} values for {} fields",
                record.len(),
                fields.len()
            ));
        }
        out.push(b' ');
        for (field, value) in fields.iter().zip(record) {
            let mut bytes = gbk(value)?;
            let width = usize::from(field.width);
            if bytes.len() > width {
                return Err(format!(
                    "{value:?} is wider than field {:?} ({width} bytes)",
                    field.name
                ));
            }
            let pad = vec![b' '; width - bytes.len()];
            if field.decimals.is_some() {
                out.extend(pad);
                out.extend(bytes);
            } else {
                bytes.extend(pad);
                out.extend(bytes);
            }
        }
    }
    out.push(0x1A);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Shape as Kind;
    use geo::{polygon, Area, MultiPolygon};

    #[test]
    fn gbk_attributes_round_trip_with_and_without_cpg() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("红线.shp");
        let square =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
        let fields = [
            DbfField {
                name: "编号".into(),
                width: 12,
                decimals: None,
            },
            DbfField {
                name: "名称".into(),
                width: 60,
                decimals: None,
            },
            DbfField {
                name: "面积".into(),
                width: 14,
                decimals: Some(2),
            },
        ];
        let records = vec![vec![
            "HX-01".into(),
            "缙云山生态保护红线".into(),
            "100.00".into(),
        ]];
        write(
            &shp,
            &[Kind::Area(MultiPolygon::new(vec![square]))],
            &fields,
            &records,
            None,
        )
        .unwrap();
        let dbf = std::fs::read(shp.with_extension("dbf")).unwrap();
        assert!(
            std::str::from_utf8(&dbf).is_err(),
            "the .dbf must really be GBK"
        );

        for with_cpg in [true, false] {
            if !with_cpg {
                std::fs::remove_file(shp.with_extension("cpg")).unwrap();
                // Also hide the code-page byte, as many old tools write 0.
                let mut bytes = dbf.clone();
                bytes[DBF_CODE_PAGE_OFFSET] = 0;
                std::fs::write(shp.with_extension("dbf"), bytes).unwrap();
            }
            let raw = read(&shp).unwrap();
            assert_eq!(raw.features.len(), 1);
            let attributes = &raw.features[0].attributes;
            assert_eq!(attributes[0], ("编号".to_string(), "HX-01".to_string()));
            assert_eq!(
                attributes[1],
                ("名称".to_string(), "缙云山生态保护红线".to_string())
            );
            assert_eq!(attributes[2].1, "100");
            let Geometry::MultiPolygon(mp) = &raw.features[0].geometry else {
                panic!()
            };
            assert!((mp.unsigned_area() - 100.0).abs() < 1e-9);
        }
    }

    #[test]
    fn missing_parts_and_unknown_encodings_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let shp = dir.path().join("parcels.shp");
        let square = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)];
        let fields = [DbfField {
            name: "id".into(),
            width: 4,
            decimals: None,
        }];
        write(
            &shp,
            &[Kind::Area(MultiPolygon::new(vec![square]))],
            &fields,
            &[vec!["1".into()]],
            None,
        )
        .unwrap();
        std::fs::write(shp.with_extension("cpg"), "KLINGON").unwrap();
        let err = read(&shp).unwrap_err().to_string();
        assert!(
            err.contains("parcels.cpg") && err.contains("KLINGON"),
            "{err}"
        );
        std::fs::remove_file(shp.with_extension("dbf")).unwrap();
        let err = read(&shp).unwrap_err().to_string();
        assert!(
            err.contains(".dbf (the attribute table) is missing"),
            "{err}"
        );
    }
}
