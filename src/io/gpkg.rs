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
//!
//! Written ([`to_bytes`]) for the findings a GIS opens and the sample plan:
//! feature tables in one CRS, stated by EPSG code and WKT, per the spec's
//! core (OGC 12-128 annex C), which GDAL and so QGIS open.

use std::path::{Path, PathBuf};

use geo::{BoundingRect, Geometry, Rect};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params_from_iter, Connection, OpenFlags, MAIN_DB};
use wkb::writer::{write_geometry, WriteOptions};
use wkb::Endianness;

use super::{RawFeature, RawFile, RejectedFeature};
use crate::crs::{Crs, WGS84};
use crate::error::Error;
use crate::geometry::union_rect;

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
    super::wkb_geometry(wkb)
}

/// A feature table to write: each row a geometry (none is NULL) and the
/// values of its columns, each column a name and its SQL type (`TEXT`,
/// `REAL`, `INTEGER`).
pub struct FeatureTable<'a> {
    pub name: &'a str,
    /// What GIS shows as the layer's title.
    pub identifier: &'a str,
    pub columns: Vec<(&'a str, &'static str)>,
    pub rows: Vec<(Option<Geometry>, Vec<Value>)>,
}

/// `PRAGMA application_id` of a GeoPackage: "GPKG".
const APPLICATION_ID: i32 = 0x4750_4B47;
/// `PRAGMA user_version`: GeoPackage 1.2, which every GDAL of the last
/// years (and so QGIS) opens.
const USER_VERSION: i32 = 10200;

/// The tables every GeoPackage of features has (OGC 12-128, annex C).
const CORE_TABLES: &str = "
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
";

/// A GeoPackage of `tables`, all in `crs`, as bytes. It is built as an
/// in-memory SQLite database and written whole, so that a file is atomic
/// like every output, and its only time is `last_change` (ISO 8601, UTC):
/// the same tables give the same bytes.
pub fn to_bytes(
    crs: &Crs,
    description: &str,
    last_change: &str,
    tables: &[FeatureTable],
) -> Result<Vec<u8>, String> {
    let sql = |e: rusqlite::Error| e.to_string();
    let mut db = Connection::open_in_memory().map_err(sql)?;
    db.pragma_update(None, "application_id", APPLICATION_ID)
        .map_err(sql)?;
    db.pragma_update(None, "user_version", USER_VERSION)
        .map_err(sql)?;
    let tx = db.transaction().map_err(sql)?;
    tx.execute_batch(CORE_TABLES).map_err(sql)?;
    let wgs84 = Crs::from_epsg(WGS84)?;
    for (crs, description) in [
        (
            &wgs84,
            "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
        ),
        (
            crs,
            "the plan's working CRS: every area and distance is measured in it",
        ),
    ] {
        let code = i64::from(crs.code());
        let definition = crs.wkt().unwrap_or("undefined");
        tx.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, ?4)",
            (
                wkt_name(definition).unwrap_or(&crs.to_string()),
                code,
                definition,
                description,
            ),
        )
        .map_err(sql)?;
    }
    tx.execute_batch(
        "INSERT INTO gpkg_spatial_ref_sys VALUES
           ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
           ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');",
    )
    .map_err(sql)?;
    for table in tables {
        write_table(&tx, table, i32::from(crs.code()), description, last_change)?;
    }
    tx.commit().map_err(sql)?;
    let bytes = db.serialize(MAIN_DB).map_err(sql)?;
    Ok(bytes.to_vec())
}

fn write_table(
    db: &Connection,
    table: &FeatureTable,
    srs_id: i32,
    description: &str,
    last_change: &str,
) -> Result<(), String> {
    let sql = |e: rusqlite::Error| format!("table {}: {e}", table.name);
    let columns: String = table
        .columns
        .iter()
        .map(|(name, sql_type)| format!(", \"{name}\" {sql_type}"))
        .collect();
    db.execute_batch(&format!(
        "CREATE TABLE \"{}\" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom GEOMETRY{columns});",
        table.name
    ))
    .map_err(sql)?;
    let placeholders: String = (0..=table.columns.len())
        .map(|i| format!(", ?{}", i + 1))
        .collect();
    let names: String = table
        .columns
        .iter()
        .map(|(n, _)| format!(", \"{n}\""))
        .collect();
    let mut insert = db
        .prepare(&format!(
            "INSERT INTO \"{}\" (geom{names}) VALUES ({})",
            table.name,
            &placeholders[2..]
        ))
        .map_err(sql)?;
    let mut extent: Option<Rect> = None;
    let mut geometry_types = std::collections::BTreeSet::new();
    for (geometry, values) in &table.rows {
        let blob = match geometry {
            Some(geometry) => {
                geometry_types.insert(type_name(geometry));
                if let Some(rect) = geometry.bounding_rect() {
                    extent = Some(extent.map_or(rect, |e| union_rect(e, rect)));
                }
                Value::Blob(geometry_blob(geometry, srs_id)?)
            }
            None => Value::Null,
        };
        let values = std::iter::once(blob).chain(values.iter().cloned());
        insert.execute(params_from_iter(values)).map_err(sql)?;
    }
    let geometry_type = match geometry_types.len() {
        1 => geometry_types.pop_first().unwrap_or("GEOMETRY"),
        _ => "GEOMETRY",
    };
    let (min, max) = extent.map_or((None, None), |e| (Some(e.min()), Some(e.max())));
    db.execute(
        "INSERT INTO gpkg_contents VALUES (?1, 'features', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        (
            table.name,
            table.identifier,
            description,
            last_change,
            min.map(|c| c.x),
            min.map(|c| c.y),
            max.map(|c| c.x),
            max.map(|c| c.y),
            srs_id,
        ),
    )
    .map_err(sql)?;
    db.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
        (table.name, geometry_type, srs_id),
    )
    .map_err(sql)?;
    Ok(())
}

/// A GeoPackage geometry blob: the header (magic, version 0, flags for
/// little-endian with an [minx, maxx, miny, maxy] envelope, the SRS id)
/// before standard WKB.
fn geometry_blob(geometry: &Geometry, srs_id: i32) -> Result<Vec<u8>, String> {
    const LITTLE_ENDIAN: u8 = 0b0000_0001;
    const XY_ENVELOPE: u8 = 0b0000_0010;
    const EMPTY: u8 = 0b0001_0000;
    let rect = geometry.bounding_rect();
    let flags = LITTLE_ENDIAN | rect.map_or(EMPTY, |_| XY_ENVELOPE);
    let mut blob = vec![b'G', b'P', 0, flags];
    blob.extend(srs_id.to_le_bytes());
    if let Some(rect) = rect {
        for value in [rect.min().x, rect.max().x, rect.min().y, rect.max().y] {
            blob.extend(value.to_le_bytes());
        }
    }
    let options = WriteOptions {
        endianness: Endianness::LittleEndian,
    };
    write_geometry(&mut blob, geometry, &options).map_err(|e| e.to_string())?;
    Ok(blob)
}

/// The geometry type a GeoPackage names a column by.
fn type_name(geometry: &Geometry) -> &'static str {
    match geometry {
        Geometry::Point(_) => "POINT",
        Geometry::Line(_) | Geometry::LineString(_) => "LINESTRING",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "POLYGON",
        Geometry::MultiPoint(_) => "MULTIPOINT",
        Geometry::MultiLineString(_) => "MULTILINESTRING",
        Geometry::MultiPolygon(_) => "MULTIPOLYGON",
        Geometry::GeometryCollection(_) => "GEOMETRYCOLLECTION",
    }
}

/// A WKT definition's own name: `PROJCS["CGCS2000 / …",` gives `CGCS2000 / …`.
fn wkt_name(wkt: &str) -> Option<&str> {
    let start = wkt.find('"')? + 1;
    let len = wkt[start..].find('"')?;
    Some(&wkt[start..start + len])
}
