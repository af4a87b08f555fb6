//! ESRI shapefile reader (.shp + .shx + .dbf, with .prj and .cpg).
//!
//! Chinese shapefiles are mostly GBK without a .cpg, so the attribute
//! encoding is chosen here, not left to the library's default: the .cpg, else
//! the .dbf's code-page byte, else UTF-8 when the bytes are valid UTF-8, else
//! GBK. Polygon rings are assembled by containment, because files written by
//! other tools often wind the outer ring the wrong way.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use dbase::encoding::{DynEncoding, EncodingRs};
use dbase::encoding_rs;
use dbase::FieldValue;
use geo_types::{Geometry, LineString, MultiLineString};
use shapefile::{Shape, ShapeReader};

use super::{RawFeature, RawFile};
use crate::crs::Crs;
use crate::error::{Error, Problem};
use crate::geometry::polygons_from_rings;

/// Offset of the language-driver (code page) byte in a .dbf header.
const DBF_CODE_PAGE_OFFSET: usize = 29;

pub fn read(path: &Path) -> Result<RawFile, Error> {
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

    let declared_crs = match find_sibling(path, "prj") {
        Some(prj) => {
            let wkt = std::fs::read(&prj).map_err(|e| Error::io(&prj, e))?;
            let wkt = String::from_utf8_lossy(&wkt);
            Some(Crs::from_wkt(&wkt).map_err(|e| Error::crs(&prj, e))?)
        }
        None => None,
    };

    let shp_file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let shx_file = std::fs::File::open(&shx_path).map_err(|e| Error::io(&shx_path, e))?;
    let mut shapes = ShapeReader::with_shx(
        std::io::BufReader::new(shp_file),
        std::io::BufReader::new(shx_file),
    )
    .map_err(|e| Error::format(path, format!("not a readable shapefile: {e}")))?;

    let dbf_bytes = std::fs::read(&dbf_path).map_err(|e| Error::io(&dbf_path, e))?;
    let encoding = dbf_encoding(path, &dbf_bytes)?;
    let mut table = dbase::ReaderBuilder::new()
        .with_encoding(encoding)
        .build(Cursor::new(dbf_bytes))
        .map_err(|e| Error::format(&dbf_path, format!("not a readable .dbf: {e}")))?;
    let field_names: Vec<String> = table
        .fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    let records: Vec<Result<dbase::Record, String>> = table
        .iter_records()
        .map(|r| r.map_err(|e| e.to_string()))
        .collect();

    let mut out = RawFile {
        declared_crs,
        ..RawFile::default()
    };
    for (i, shape) in shapes.iter_shapes().enumerate() {
        let index = i + 1;
        let shape = match shape {
            Ok(s) => s,
            Err(e) => {
                out.problems.push(Problem::feature(
                    path,
                    index,
                    None,
                    format!(
                        "the .shp is damaged from here on ({e}); the features before it were read"
                    ),
                ));
                break;
            }
        };
        let attributes = match records.get(i) {
            Some(Ok(record)) => field_names
                .iter()
                .map(|name| {
                    (
                        name.clone(),
                        record.get(name).map(field_text).unwrap_or_default(),
                    )
                })
                .collect(),
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
                        records.len()
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
            Err(message) => out
                .problems
                .push(Problem::feature(path, index, None, message)),
        }
    }
    Ok(out)
}

/// Finds `name.EXT` beside the .shp whatever the case of the extension.
fn find_sibling(path: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_ascii_lowercase(), ext.to_ascii_uppercase()]
        .into_iter()
        .map(|e| path.with_extension(e))
        .find(|p| p.exists())
}

fn dbf_encoding(shp_path: &Path, dbf: &[u8]) -> Result<DynEncoding, Error> {
    if let Some(cpg) = find_sibling(shp_path, "cpg") {
        let label = std::fs::read(&cpg).map_err(|e| Error::io(&cpg, e))?;
        let label = String::from_utf8_lossy(&label);
        return DynEncoding::from_name(label.trim()).ok_or_else(|| {
            Error::format(
                &cpg,
                format!(
                    "names an encoding redline does not know ({:?}); write GBK or UTF-8 in it",
                    label.trim()
                ),
            )
        });
    }
    match dbf.get(DBF_CODE_PAGE_OFFSET) {
        Some(0x4D) | Some(0x7A) => return Ok(EncodingRs::from(encoding_rs::GBK).into()),
        Some(0x57) | Some(0x03) => return Ok(EncodingRs::from(encoding_rs::WINDOWS_1252).into()),
        _ => {}
    }
    if std::str::from_utf8(dbf).is_ok() {
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
    fn rings<P: Copy>(
        parts: impl Iterator<Item = Vec<P>>,
        xy: impl Fn(P) -> (f64, f64),
    ) -> Vec<LineString> {
        parts
            .map(|points| LineString::from(points.into_iter().map(&xy).collect::<Vec<_>>()))
            .collect()
    }
    let polygon = |r: Vec<LineString>| Geometry::MultiPolygon(polygons_from_rings(r));
    let lines = |r: Vec<LineString>| Geometry::MultiLineString(MultiLineString::new(r));
    Ok(match shape {
        Shape::Polygon(p) => polygon(rings(
            p.into_inner().into_iter().map(|r| r.into_inner()),
            |q| (q.x, q.y),
        )),
        Shape::PolygonM(p) => polygon(rings(
            p.into_inner().into_iter().map(|r| r.into_inner()),
            |q| (q.x, q.y),
        )),
        Shape::PolygonZ(p) => polygon(rings(
            p.into_inner().into_iter().map(|r| r.into_inner()),
            |q| (q.x, q.y),
        )),
        Shape::Polyline(l) => lines(rings(l.into_inner().into_iter(), |q| (q.x, q.y))),
        Shape::PolylineM(l) => lines(rings(l.into_inner().into_iter(), |q| (q.x, q.y))),
        Shape::PolylineZ(l) => lines(rings(l.into_inner().into_iter(), |q| (q.x, q.y))),
        Shape::NullShape => {
            return Err("has no geometry (null shape); draw or import its boundary".to_string())
        }
        other => {
            return Err(format!(
                "is a {} shape; redline needs polygons (parcels, zones) or polylines (rivers)",
                other.shapetype()
            ))
        }
    })
}
