//! GeoPackage (OGC 12-128), QGIS's default format and how bureaus hand over
//! layers: an SQLite file holding many feature tables. A table is named
//! after the file, `plan.gpkg:eco_redline` (the catalog's `table` key makes
//! that path); a file of one feature table needs no name, and a file of
//! several without one is refused, listing them.
//!
//! SQLite is bundled (rusqlite), so nothing is needed on the machine, and
//! the file is opened read-only: an input is never written. Geometries are
//! GeoPackage blobs — a header (magic, flags, SRS id, envelope) before
//! standard WKB, read with georust's `wkb`. The CRS comes from
//! `gpkg_spatial_ref_sys`: an EPSG code, else the WKT definition, as a .prj
//! is read. Z and M are dropped with a note; curves are refused per feature.

use std::path::{Path, PathBuf};

use geo_traits::to_geo::ToGeoGeometry;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::{RawFeature, RawFile, RejectedFeature};
use crate::crs::Crs;
use crate::error::Error;

/// The file of a GeoPackage source, and the table named after it, if any:
/// `plan.gpkg:eco_redline` is (`plan.gpkg`, `eco_redline`).
pub fn split_table(path: &Path) -> (PathBuf, Option<String>) {
    let text = path.to_string_lossy();
    let lower = text.to_ascii_lowercase();
    match lower.rfind(".gpkg:") {
        Some(at) => (
            PathBuf::from(&text[..at + 5]),
            Some(text[at + 6..].to_string()),
        ),
        None => (path.to_path_buf(), None),
    }
}

/// Whether `path` names a GeoPackage (or a table in one).
pub fn is_gpkg(path: &Path) -> bool {
    let (file, _) = split_table(path);
    file.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gpkg"))
}

/// The parcel sources a path stands for: a GeoPackage named without a
/// table is every feature table in it (a file of parcels per district, or
/// per batch); any other path, or one that cannot be listed (its reader
/// then says why), is itself.
pub fn each_table(path: &Path) -> Vec<PathBuf> {
    let (file, table) = split_table(path);
    if table.is_some() || !is_gpkg(path) {
        return vec![path.to_path_buf()];
    }
    let tables: Option<Vec<String>> = Connection::open_with_flags(
        &file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .ok()
    .and_then(|db| feature_tables(&db).ok());
    match tables {
        Some(tables) if tables.len() > 1 => tables
            .iter()
            .map(|t| PathBuf::from(format!("{}:{t}", file.display())))
            .collect(),
        _ => vec![path.to_path_buf()],
    }
}

fn feature_tables(db: &Connection) -> rusqlite::Result<Vec<String>> {
    db.prepare(
        "SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY table_name",
    )
    .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
}

/// Reads one feature table of a GeoPackage.
pub fn read(path: &Path) -> Result<RawFile, Error> {
    let (file, table) = split_table(path);
    let bad = |message: String| Error::format(&file, message);
    if !file.is_file() {
        return Err(Error::io(
            &file,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    let db = Connection::open_with_flags(
        &file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| bad(format!("cannot open as SQLite: {e}")))?;
    let sql = |e: rusqlite::Error| {
        bad(format!(
            "not a readable GeoPackage ({e}); export it again from QGIS or with ogr2ogr -f GPKG"
        ))
    };
    let tables = feature_tables(&db).map_err(sql)?;
    let table = match (table, tables.as_slice()) {
        (Some(t), _) if tables.contains(&t) => t,
        (Some(t), _) => {
            return Err(bad(format!(
                "holds no feature table {t:?}; its feature tables are: {}",
                tables.join(", ")
            )))
        }
        (None, [only]) => only.clone(),
        (None, []) => {
            return Err(bad(
                "holds no feature table (gpkg_contents lists none)".into()
            ))
        }
        (None, several) => {
            return Err(bad(format!(
                "holds {} feature tables: {}; name one, as {}:{} (in a catalog: table = \"{}\")",
                several.len(),
                several.join(", "),
                file.display(),
                several[0],
                several[0]
            )))
        }
    };
    let (geometry_column, srs_id): (String, i64) = db
        .query_row(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name = ?1",
            [&table],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(sql)?;
    let declared_crs = declared_crs(&db, srs_id, &file)?;

    let quoted = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
    let mut statement = db
        .prepare(&format!("SELECT * FROM {} ORDER BY rowid", quoted(&table)))
        .map_err(sql)?;
    let names: Vec<String> = statement.column_names().map(str::to_string).collect();
    let geometry_at = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(&geometry_column))
        .ok_or_else(|| {
            bad(format!(
                "table {table} has no geometry column {geometry_column}"
            ))
        })?;
    // The feature id: the table's integer primary key (fid).
    let key: Option<String> = db
        .prepare(&format!("PRAGMA table_info({})", quoted(&table)))
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, i64>(5)?)))?
                .filter_map(|r| r.ok())
                .find(|(_, pk)| *pk > 0)
                .map(|(name, _)| name)
                .map_or(Ok(None), |n| Ok(Some(n)))
        })
        .map_err(sql)?;

    let mut raw = RawFile {
        declared_crs,
        ..RawFile::default()
    };
    let mut rows = statement.query([]).map_err(sql)?;
    let mut index = 0;
    while let Some(row) = rows.next().map_err(sql)? {
        index += 1;
        let mut attributes = Vec::new();
        let mut native_id = None;
        let mut blob: Option<Vec<u8>> = None;
        for (i, name) in names.iter().enumerate() {
            let value = row.get_ref(i).map_err(sql)?;
            if i == geometry_at {
                if let ValueRef::Blob(b) = value {
                    blob = Some(b.to_vec());
                }
                continue;
            }
            let text = match value {
                ValueRef::Null => String::new(),
                ValueRef::Integer(n) => n.to_string(),
                ValueRef::Real(x) => x.to_string(),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                ValueRef::Blob(_) => continue,
            };
            if key.as_deref() == Some(name.as_str()) {
                native_id = Some(text);
            } else {
                attributes.push((name.clone(), text));
            }
        }
        let reject = |message: String| RejectedFeature {
            index,
            native_id: native_id.clone(),
            attributes: attributes.clone(),
            message,
        };
        match blob.as_deref().map(geometry) {
            Some(Ok((geometry, notes))) => raw.features.push(RawFeature {
                index,
                native_id,
                attributes,
                geometry,
                notes,
            }),
            Some(Err(message)) => raw.rejected.push(reject(message)),
            None => raw
                .rejected
                .push(reject("has no geometry; draw it or remove the row".into())),
        }
    }
    Ok(raw)
}

/// The CRS of an SRS id: EPSG's, else the WKT definition's. The
/// GeoPackage's own undefined systems (-1, 0) declare none.
fn declared_crs(db: &Connection, srs_id: i64, file: &Path) -> Result<Option<Crs>, Error> {
    if srs_id <= 0 {
        return Ok(None);
    }
    let (organization, code, definition): (String, i64, String) = db
        .query_row(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(|e| Error::format(file, format!("SRS id {srs_id} is not in gpkg_spatial_ref_sys ({e})")))?;
    let crs = match u16::try_from(code) {
        Ok(code) if organization.eq_ignore_ascii_case("EPSG") => Crs::from_epsg(code),
        _ => Crs::from_wkt(&definition),
    };
    crs.map(Some).map_err(|e| {
        Error::crs(
            file,
            format!("its CRS ({organization}:{code}) is not one redline knows: {e}"),
        )
    })
}

/// A GeoPackage geometry blob: the header, then WKB. Returns the geometry
/// and what was done to it (Z or M dropped).
fn geometry(blob: &[u8]) -> Result<(geo_types::Geometry, Vec<String>), String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err(
            "its geometry is not a GeoPackage geometry blob (no GP header); export the layer again"
                .into(),
        );
    }
    let flags = blob[3];
    if flags & 0b0001_0000 != 0 {
        return Err("has an empty geometry; draw it or remove the row".into());
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => {
            return Err(format!(
                "its geometry header has an unknown envelope code {other}"
            ))
        }
    };
    let wkb = blob
        .get(8 + envelope..)
        .ok_or("its geometry blob is cut short")?;
    let read = wkb::reader::read_wkb(wkb).map_err(|e| {
        format!("its geometry cannot be read ({e}); curves (CircularString, CurvePolygon) must be straightened first, e.g. QGIS ▸ Vector ▸ Geometry ▸ Segmentize")
    })?;
    let mut notes = Vec::new();
    if !matches!(
        geo_traits::GeometryTrait::dim(&read),
        geo_traits::Dimensions::Xy
    ) {
        notes.push("Z/M 坐标已忽略 3D/measured coordinates flattened to x, y".to_string());
    }
    let geometry = read
        .try_to_geometry()
        .ok_or("has an empty geometry; draw it or remove the row")?;
    Ok((geometry, notes))
}
