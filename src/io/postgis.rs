//! PostGIS: a bureau's "一张图" layers and its parcel tables read where they
//! live, so no officer exports a stale copy by hand.
//!
//! A source is a libpq connection URI whose query string also says what to
//! read: `postgresql://gis@10.0.0.5/plan?table=eco_redline` (a table or
//! view, `schema.table` allowed) or `…?query=SELECT …` (percent-encoded),
//! with `&geometry=geom` where a relation has several geometry columns. The
//! catalog writes the same from `source`, `table`/`query` and
//! `geometry_column`. Credentials never live in a source — it is printed in
//! every report — but where libpq keeps them: `PGPASSWORD`, the password
//! file (`~/.pgpass` or `PGPASSFILE`), a service (`service=` or
//! `PGSERVICE`, from `~/.pg_service.conf` or `PGSERVICEFILE`), and the
//! `PGHOST`/`PGPORT`/`PGUSER`/`PGDATABASE` defaults.
//!
//! The geometry comes as WKB (`ST_AsBinary`), attributes as text, the CRS
//! from the geometries' SRID: an EPSG code, else the WKT in
//! `spatial_ref_sys`. Rows are streamed, not fetched whole.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, Config, NoTls};

use super::{RawFeature, RawFile, RejectedFeature};
use crate::crs::Crs;
use crate::error::Error;

/// Whether `path` names a database source rather than a file.
pub fn is_postgis(path: &Path) -> bool {
    let text = path.to_string_lossy();
    text.starts_with("postgresql://") || text.starts_with("postgres://")
}

/// What to read: a relation (`schema.table`) or a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Relation {
    Table(String),
    Query(String),
}

/// What a value in a source's query string escapes: all but RFC 3986's
/// unreserved characters, so `gis.eco_redline` reads as itself in reports.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A database source as the catalog writes it into one URI.
pub fn source_path(uri: &str, relation: &Relation, geometry: Option<&str>) -> PathBuf {
    let encode = |v: &str| utf8_percent_encode(v, QUERY_VALUE).to_string();
    let (key, value) = match relation {
        Relation::Table(t) => ("table", t),
        Relation::Query(q) => ("query", q),
    };
    let separator = if uri.contains('?') { '&' } else { '?' };
    let mut text = format!("{uri}{separator}{key}={}", encode(value));
    if let Some(geometry) = geometry {
        text.push_str(&format!("&geometry={}", encode(geometry)));
    }
    PathBuf::from(text)
}

/// A parsed source: how to connect and what to read.
pub struct Source {
    config: Config,
    relation: Relation,
    geometry: Option<String>,
}

impl Source {
    pub fn parse(path: &Path) -> Result<Source, String> {
        let text = path.to_string_lossy();
        let (base, query) = text.split_once('?').unwrap_or((&text, ""));
        let mut relation = None;
        let mut geometry = None;
        let mut service = std::env::var("PGSERVICE").ok();
        let mut passed = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode_str(value).decode_utf8_lossy().into_owned();
            match key {
                "table" => relation = Some(Relation::Table(value)),
                "query" => relation = Some(Relation::Query(value)),
                "geometry" => geometry = Some(value),
                "service" => service = Some(value),
                "password" => return Err(NO_PASSWORD.to_string()),
                _ => passed.push(pair),
            }
        }
        let relation = relation.ok_or(
            "the source names no table or query; add ?table=schema.name (or query=SELECT …, percent-encoded)",
        )?;
        let uri = if passed.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", passed.join("&"))
        };
        let given = Config::from_str(&uri).map_err(|e| format!("not a PostgreSQL URI ({e})"))?;
        if given.get_password().is_some() {
            return Err(NO_PASSWORD.to_string());
        }
        Ok(Source {
            config: libpq_config(&given, service.as_deref())?,
            relation,
            geometry,
        })
    }

    fn connect(&self) -> Result<Client, String> {
        self.config.connect(NoTls).map_err(|e| {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                message = format!("{message}: {inner}");
                source = inner.source();
            }
            format!("cannot connect to the database ({message}); check the server, the URI and the credentials (PGPASSWORD, ~/.pgpass or a service)")
        })
    }

    /// The FROM item of the relation.
    fn relation_sql(&self) -> String {
        match &self.relation {
            Relation::Table(name) => name
                .split('.')
                .map(quote_identifier)
                .collect::<Vec<_>>()
                .join("."),
            Relation::Query(query) => format!("({query}) AS redline_source"),
        }
    }
}

const NO_PASSWORD: &str = "the source carries a password, which every report would print; remove it and give it as libpq does: PGPASSWORD, ~/.pgpass or a service in ~/.pg_service.conf";

/// The connection libpq would make: its environment defaults, then the
/// service's settings, then what the URI gives; the password from
/// PGPASSWORD or the password file.
fn libpq_config(given: &Config, service: Option<&str>) -> Result<Config, String> {
    let mut settings: HashMap<String, String> = HashMap::new();
    for (variable, key) in [
        ("PGHOST", "host"),
        ("PGPORT", "port"),
        ("PGUSER", "user"),
        ("PGDATABASE", "dbname"),
        ("PGCONNECT_TIMEOUT", "connect_timeout"),
    ] {
        if let Ok(value) = std::env::var(variable) {
            settings.insert(key.to_string(), value);
        }
    }
    if let Some(service) = service {
        settings.extend(service_settings(service)?);
    }
    let mut config = given.clone();
    // The bureau's DBA sees who reads (pg_stat_activity).
    if config.get_application_name().is_none() {
        config.application_name("redline");
    }
    if config.get_hosts().is_empty() {
        let host = settings.get("host").map_or("localhost", String::as_str);
        config.host(host);
    }
    if config.get_ports().is_empty() {
        if let Some(port) = settings.get("port") {
            let port = port
                .parse()
                .map_err(|_| format!("the port {port:?} is not a number"))?;
            config.port(port);
        }
    }
    if config.get_user().is_none() {
        let user = settings
            .get("user")
            .cloned()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "postgres".to_string());
        config.user(&user);
    }
    if config.get_dbname().is_none() {
        if let Some(dbname) = settings.get("dbname") {
            config.dbname(dbname);
        }
    }
    if config.get_connect_timeout().is_none() {
        let seconds = settings
            .get("connect_timeout")
            .and_then(|s| s.parse().ok())
            .unwrap_or(10);
        config.connect_timeout(Duration::from_secs(seconds));
    }
    let password = settings
        .get("password")
        .cloned()
        .or_else(|| std::env::var("PGPASSWORD").ok())
        .or_else(|| password_file_entry(&config));
    if let Some(password) = password {
        config.password(password);
    }
    Ok(config)
}

/// The settings of `service` in the service file, as libpq finds it.
fn service_settings(service: &str) -> Result<HashMap<String, String>, String> {
    let files = [
        std::env::var_os("PGSERVICEFILE").map(PathBuf::from),
        home().map(|h| h.join(".pg_service.conf")),
        std::env::var_os("PGSYSCONFDIR").map(|d| PathBuf::from(d).join("pg_service.conf")),
    ];
    for file in files.into_iter().flatten() {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let mut in_service = false;
        let mut found = None::<HashMap<String, String>>;
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                in_service = name == service;
                if in_service {
                    found = Some(HashMap::new());
                }
            } else if in_service {
                if let (Some(map), Some((key, value))) = (found.as_mut(), line.split_once('=')) {
                    map.insert(key.trim().to_string(), value.trim().to_string());
                }
            }
        }
        if let Some(map) = found {
            return Ok(map);
        }
    }
    Err(format!(
        "the service {service:?} is in no service file (PGSERVICEFILE, ~/.pg_service.conf, PGSYSCONFDIR/pg_service.conf)"
    ))
}

/// The password for the connection in the password file, as libpq reads
/// it: `host:port:database:user:password`, `*` matching anything, `\`
/// escaping `:` and `\`.
fn password_file_entry(config: &Config) -> Option<String> {
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".pgpass")))?;
    let text = std::fs::read_to_string(file).ok()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        _ => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user().unwrap_or_default().to_string();
    let dbname = config.get_dbname().map_or(user.clone(), str::to_string);
    let wanted = [host, port, dbname, user];
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .map(split_pgpass_line)
        .find(|fields| {
            fields.len() == 5
                && fields[..4]
                    .iter()
                    .zip(&wanted)
                    .all(|(field, want)| field == "*" || field == want)
        })
        .map(|fields| fields[4].clone())
}

fn split_pgpass_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(field)) = (chars.next(), fields.last_mut()) {
                    field.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(field) = fields.last_mut() {
                    field.push(c);
                }
            }
        }
    }
    fields
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Reads every row of a database source.
pub fn read(path: &Path) -> Result<RawFile, Error> {
    read_with(path, None).map(|(raw, _)| raw)
}

/// What the server computes beside each row it reads, for screening there
/// ([`crate::in_database`]): set up on the connection first, then one text
/// column per expression, in which `{parcel}` stands for the row's geometry
/// made valid in the working CRS (SRID `working_srid`; a geometry without
/// an SRID is taken to be in `fallback_srid`).
pub struct ServerColumns<'a> {
    pub setup: &'a mut dyn FnMut(&mut Client) -> Result<(), String>,
    pub expressions: Vec<String>,
    pub working_srid: i32,
    pub fallback_srid: Option<i32>,
}

/// The `server` columns of one row, as text (NULL where none).
pub type ServerValues = Vec<Option<String>>;

/// Reads every row of a database source, and the `server` columns of each
/// (in row order, as text).
pub fn read_with(
    path: &Path,
    server: Option<ServerColumns>,
) -> Result<(RawFile, Vec<ServerValues>), Error> {
    let fail = |message: String| Error::format(path, message);
    let source = Source::parse(path).map_err(fail)?;
    let mut client = source.connect().map_err(fail)?;
    let mut from = source.relation_sql();
    let sql = |e: postgres::Error| {
        let detail = e
            .as_db_error()
            .map_or_else(|| e.to_string(), |d| d.message().to_string());
        let lost = e.is_closed() || e.as_db_error().is_some_and(|d| d.severity() == "FATAL");
        fail(if lost {
            format!("the connection to the database was lost while reading ({detail}); run again once the server answers")
        } else {
            format!("the database refused the read ({detail})")
        })
    };
    let probe = client
        .prepare(&format!("SELECT * FROM {from} LIMIT 0"))
        .map_err(sql)?;
    let columns: Vec<(String, String)> = probe
        .columns()
        .iter()
        .map(|c| (c.name().to_string(), c.type_().name().to_string()))
        .collect();
    let geometry_column = match &source.geometry {
        Some(name) => columns
            .iter()
            .find(|(c, _)| c == name)
            .map(|(c, _)| c.clone())
            .ok_or_else(|| {
                fail(format!(
                    "it has no column {name:?}; its columns are {}",
                    names(&columns)
                ))
            })?,
        None => columns
            .iter()
            .find(|(_, t)| t == "geometry")
            .map(|(c, _)| c.clone())
            .ok_or_else(|| {
                fail(format!(
                    "it has no geometry column; its columns are {} (name one with geometry=…)",
                    names(&columns)
                ))
            })?,
    };
    let geometry = quote_identifier(&geometry_column);
    let declared_crs = declared_crs(&mut client, &from, &geometry).map_err(fail)?;
    let attributes: Vec<&String> = columns
        .iter()
        .map(|(c, _)| c)
        .filter(|c| **c != geometry_column)
        .collect();
    let select: String = attributes
        .iter()
        .map(|c| format!(", {}::text", quote_identifier(c)))
        .collect();
    let mut computed = String::new();
    if let Some(server) = server {
        (server.setup)(&mut client).map_err(fail)?;
        let srid = match (&declared_crs, server.fallback_srid) {
            (Some(crs), _) => i32::from(crs.code()),
            (None, Some(srid)) => srid,
            (None, None) => server.working_srid,
        };
        // The same make-valid policy as the local reader: GEOS's linework.
        let parcel = format!(
            "ST_MakeValid(ST_Transform(ST_SetSRID(ST_Force2D({geometry}), {srid}), {}))",
            server.working_srid
        );
        for expression in &server.expressions {
            let expression = expression.replace("{parcel}", "redline_parcel.g");
            computed.push_str(&format!(", ({expression})::text"));
        }
        // A lateral subquery computes the valid parcel once per row.
        from = format!("{from} CROSS JOIN LATERAL (SELECT {parcel} AS g) AS redline_parcel");
    }
    let statement = format!(
        "SELECT ST_AsBinary(ST_Force2D({geometry})), ST_NDims({geometry}) > 2{select}{computed} FROM {from}"
    );
    let mut raw = RawFile {
        declared_crs,
        ..RawFile::default()
    };
    let no_params: [&(dyn postgres::types::ToSql + Sync); 0] = [];
    let mut rows = client.query_raw(&statement, no_params).map_err(sql)?;
    let mut index = 0;
    let mut server_values = Vec::new();
    while let Some(row) = rows.next().map_err(sql)? {
        index += 1;
        server_values.push(
            (2 + attributes.len()..row.len())
                .map(|i| row.get::<_, Option<String>>(i))
                .collect(),
        );
        let values: Vec<(String, String)> = attributes
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let value: Option<String> = row.get(i + 2);
                (name.to_string(), value.unwrap_or_default())
            })
            .collect();
        let wkb: Option<Vec<u8>> = row.get(0);
        let flattened: Option<bool> = row.get(1);
        let reject = |message: String| RejectedFeature {
            index,
            native_id: None,
            attributes: values.clone(),
            message,
        };
        match wkb.as_deref().map(super::wkb_geometry) {
            Some(Ok((geometry, mut notes))) => {
                if flattened == Some(true) && notes.is_empty() {
                    notes.push(super::FLATTENED_NOTE.to_string());
                }
                raw.features.push(RawFeature {
                    index,
                    native_id: None,
                    attributes: values,
                    geometry,
                    notes,
                })
            }
            Some(Err(message)) => raw.rejected.push(reject(message)),
            None => raw.rejected.push(reject(
                "has no geometry (NULL); draw it or remove the row".into(),
            )),
        }
    }
    Ok((raw, server_values))
}

/// The SHA-256 of what a source holds now — every row's attributes and
/// geometry, in order — the database's stand-in for a file's hash in a
/// report.
pub fn content_sha256(path: &Path) -> Result<String, Error> {
    use sha2::{Digest, Sha256};
    let raw = read(path)?;
    let mut hasher = Sha256::new();
    let mut add = |attributes: &[(String, String)], geometry: String| {
        for (key, value) in attributes {
            hasher.update(format!("{key}={value}\0"));
        }
        hasher.update(geometry);
        hasher.update("\n");
    };
    for feature in &raw.features {
        add(&feature.attributes, format!("{:?}", feature.geometry));
    }
    for rejected in &raw.rejected {
        add(&rejected.attributes, rejected.message.clone());
    }
    Ok(crate::report::meta::hex(&hasher.finalize()))
}

fn names(columns: &[(String, String)]) -> String {
    columns
        .iter()
        .map(|(c, t)| format!("{c} ({t})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The CRS of the geometries: their SRID as an EPSG code, else the WKT
/// `spatial_ref_sys` holds for it; none for SRID 0 (or no geometry at all).
fn declared_crs(client: &mut Client, from: &str, geometry: &str) -> Result<Option<Crs>, String> {
    let sql = |e: postgres::Error| format!("cannot read the SRID ({e})");
    let row = client
        .query_opt(
            &format!("SELECT ST_SRID({geometry}) FROM {from} WHERE {geometry} IS NOT NULL LIMIT 1"),
            &[],
        )
        .map_err(sql)?;
    let Some(srid) = row.map(|r| r.get::<_, i32>(0)).filter(|s| *s > 0) else {
        return Ok(None);
    };
    if let Ok(crs) = u16::try_from(srid)
        .map_err(|e| e.to_string())
        .and_then(Crs::from_epsg)
    {
        return Ok(Some(crs));
    }
    let wkt: Option<String> = client
        .query_opt(
            "SELECT srtext FROM spatial_ref_sys WHERE srid = $1",
            &[&srid],
        )
        .map_err(sql)?
        .and_then(|r| r.get(0));
    wkt.map(|wkt| {
        Crs::from_wkt(&wkt).map_err(|e| format!("its SRID {srid} is not a CRS redline knows: {e}"))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_names_its_relation_and_never_a_password() {
        let path = source_path(
            "postgresql://gis@db.example:5433/plan",
            &Relation::Query("SELECT * FROM a WHERE b = 'x&y'".into()),
            Some("geom"),
        );
        let source = Source::parse(&path).unwrap();
        assert_eq!(
            source.relation,
            Relation::Query("SELECT * FROM a WHERE b = 'x&y'".into())
        );
        assert_eq!(source.geometry.as_deref(), Some("geom"));
        assert_eq!(source.config.get_dbname(), Some("plan"));
        assert_eq!(source.config.get_ports(), [5433]);
        let table = Source::parse(Path::new("postgresql://h/db?table=gis.eco_redline")).unwrap();
        assert_eq!(table.relation_sql(), "\"gis\".\"eco_redline\"");
        // A table's name reads as itself in the source a report prints.
        let named = source_path(
            "postgresql://h/db",
            &Relation::Table("gis.eco_redline".into()),
            None,
        );
        assert_eq!(named, Path::new("postgresql://h/db?table=gis.eco_redline"));

        let refused = |uri: &str| Source::parse(Path::new(uri)).err().unwrap_or_default();
        assert!(refused("postgresql://gis:secret@h/db?table=t").contains("PGPASSWORD"));
        assert!(refused("postgresql://h/db?table=t&password=x").contains("PGPASSWORD"));
        assert!(refused("postgresql://h/db").contains("?table="));
    }

    #[test]
    fn the_password_file_is_read_as_libpq_reads_it() {
        assert_eq!(
            split_pgpass_line(r"db\:1:5432:*:gis:pa\:ss:word"),
            ["db:1", "5432", "*", "gis", "pa:ss:word"]
        );
    }
}
