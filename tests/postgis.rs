//! PostGIS layers and parcels, read from a real PostgreSQL + PostGIS server
//! (`.ci/run` starts one and names it in `REDLINE_PG_URI`; without one these
//! tests say so loudly and check only what needs no server, and under CI a
//! missing server fails them): the sample plan and its parcels from tables
//! screen byte-identically to the files; a server that does not answer, or
//! a missing table, leaves that layer without data and the rest of the plan
//! loaded; a password never lives in a catalog.

mod common;

use std::path::{Path, PathBuf};

use postgres::types::ToSql;
use postgres::{Client, NoTls};
use redline::catalog::Catalog;
use redline::plan::LoadedPlan;

/// The test server's URI (`postgresql://postgres@127.0.0.1:55432/redline_test`),
/// or `None`, said on stderr, where no server was started.
fn server() -> Option<String> {
    match std::env::var("REDLINE_PG_URI") {
        Ok(uri) => Some(uri),
        Err(_) => {
            assert!(
                std::env::var_os("REDLINE_CI").is_none(),
                "CI starts PostgreSQL and sets REDLINE_PG_URI, yet it is not set"
            );
            eprintln!(
                "SKIPPED: no PostgreSQL server (REDLINE_PG_URI is not set); the PostGIS checks did not run — `bash .ci/run` starts one"
            );
            None
        }
    }
}

/// A row's attribute names and values.
type Attributes = Vec<(String, String)>;

/// A schema of the test's own, dropped when done, so tests run side by side.
struct Schema {
    client: Client,
    name: String,
}

impl Schema {
    fn new(uri: &str, name: &str) -> Schema {
        let mut client = Client::connect(uri, NoTls).unwrap();
        let name = format!("{name}_{}", std::process::id());
        client
            .batch_execute(&format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name};"
            ))
            .unwrap();
        Schema { client, name }
    }

    /// Loads a file's features into `table` as they are read (geometry in
    /// the CRS the file declares, else `srid`; every attribute as text; a
    /// GeoJSON's own id in column `id`, where no attribute has that name).
    fn load(&mut self, table: &str, file: &Path, srid: i32) {
        let raw = redline::io::read_raw(file).unwrap();
        let srid = raw
            .declared_crs
            .as_ref()
            .map_or(srid, |c| i32::from(c.code()));
        let mut columns: Vec<String> = Vec::new();
        let rows: Vec<(Vec<u8>, Attributes)> = raw
            .features
            .iter()
            .map(|f| {
                let mut attributes = f.attributes.clone();
                if let Some(id) = f
                    .native_id
                    .as_ref()
                    .filter(|_| !attributes.iter().any(|(k, _)| k == "id"))
                {
                    attributes.insert(0, ("id".to_string(), id.clone()));
                }
                for (key, _) in &attributes {
                    if !columns.contains(key) {
                        columns.push(key.clone());
                    }
                }
                let mut wkb = Vec::new();
                wkb::writer::write_geometry(&mut wkb, &f.geometry, &Default::default()).unwrap();
                (wkb, attributes)
            })
            .collect();
        let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
        let definitions: String = quoted.iter().map(|c| format!(", {c} text")).collect();
        self.client
            .batch_execute(&format!(
                "CREATE TABLE {}.{table} (gid serial PRIMARY KEY, geom geometry{definitions});",
                self.name
            ))
            .unwrap();
        let placeholders: String = (0..columns.len())
            .map(|i| format!(", ${}", i + 3))
            .collect();
        let insert = format!(
            "INSERT INTO {}.{table} (geom{}) VALUES (ST_GeomFromWKB($1, $2){placeholders})",
            self.name,
            quoted.iter().map(|c| format!(", {c}")).collect::<String>()
        );
        for (wkb, attributes) in &rows {
            let values: Vec<Option<String>> = columns
                .iter()
                .map(|c| {
                    attributes
                        .iter()
                        .find(|(k, _)| k == c)
                        .map(|(_, v)| v.clone())
                })
                .collect();
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![wkb, &srid];
            params.extend(values.iter().map(|v| v as &(dyn ToSql + Sync)));
            self.client.execute(&insert, &params).unwrap();
        }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = self
            .client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
    }
}

fn layers() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("layers")
}

/// The sample's catalog with each layer's `path` replaced by what
/// `source_of(layer id)` gives (TOML keys), and the boundary and the
/// admission list named by absolute paths.
fn sample_catalog(dir: &Path, source_of: impl Fn(&str) -> toml::Table) -> PathBuf {
    let mut catalog: toml::Table =
        toml::from_str(&std::fs::read_to_string(layers().join("catalog.toml")).unwrap()).unwrap();
    let plan = catalog["plan"].as_table_mut().unwrap();
    let boundary = layers().join(plan["boundary"].as_str().unwrap());
    plan.insert("boundary".into(), boundary.display().to_string().into());
    for layer in catalog["layer"].as_array_mut().unwrap() {
        let layer = layer.as_table_mut().unwrap();
        let id = layer["id"].as_str().unwrap().to_string();
        layer.remove("path");
        layer.extend(source_of(&id));
        layer.entry("id_field").or_insert("id".into());
        if let Some(list) = layer.get("admission").and_then(|a| a.as_str()) {
            let list = layers().join(list).display().to_string();
            layer.insert("admission".into(), list.into());
        }
    }
    let path = dir.join("catalog.toml");
    std::fs::write(&path, toml::to_string(&catalog).unwrap()).unwrap();
    path
}

#[test]
fn the_sample_plan_and_parcels_from_postgis_screen_byte_identically_to_the_files() {
    let Some(uri) = server() else { return };
    let mut schema = Schema::new(&uri, "sample");
    let catalog = toml::from_str::<toml::Table>(
        &std::fs::read_to_string(layers().join("catalog.toml")).unwrap(),
    )
    .unwrap();
    for layer in catalog["layer"].as_array().unwrap() {
        let id = layer["id"].as_str().unwrap();
        let gpkg = format!("{}:{id}", layers().join("plan.gpkg").display());
        schema.load(id, Path::new(&gpkg), 4544);
    }
    let parcels = layers().join("parcels/parcels.geojson");
    schema.load("parcels", &parcels, 4326);

    let dir = tempfile::tempdir().unwrap();
    let name = schema.name.clone();
    let from_db = sample_catalog(dir.path(), |id| {
        let mut source = toml::Table::new();
        source.insert("source".into(), uri.clone().into());
        source.insert("table".into(), format!("{name}.{id}").into());
        source
    });
    let parcels_db = format!("{uri}?table={name}.parcels");
    let files = common::screen_csvs(
        dir.path(),
        &layers().join("catalog.toml"),
        &["--parcels".as_ref(), parcels.as_os_str()],
        "files",
    );
    let database = common::screen_csvs(
        dir.path(),
        &from_db,
        &["--parcels".as_ref(), parcels_db.as_ref()],
        "db",
    );
    for (what, (a, b)) in ["findings", "summary", "layers"]
        .iter()
        .zip(files.iter().zip(&database))
    {
        assert!(
            a == b,
            "the {what} CSV differs when the plan and parcels come from PostGIS"
        );
    }
    assert!(files[0].len() > 1000, "the sample has findings");
}

#[test]
fn an_unreachable_server_or_a_missing_table_leaves_that_layer_without_data() {
    let dir = tempfile::tempdir().unwrap();
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let dead = "postgresql://postgres@127.0.0.1:1/nowhere";
    let missing = server().map(|uri| (uri, "no_such_schema.eco_redline"));
    let catalog = sample_catalog(dir.path(), |id| {
        let mut source = toml::Table::new();
        let (uri, table) = match (id, &missing) {
            ("eco_redline", _) => (dead.to_string(), "eco_redline".to_string()),
            ("barriers", Some((uri, table))) => (uri.clone(), table.to_string()),
            _ => {
                let gpkg = layers().join("plan.gpkg").display().to_string();
                source.insert("path".into(), gpkg.into());
                source.insert("table".into(), id.into());
                return source;
            }
        };
        source.insert("source".into(), uri.into());
        source.insert("table".into(), table.into());
        source
    });
    let plan = LoadedPlan::load(Catalog::load(&catalog).unwrap()).unwrap();
    let problems: Vec<String> = plan.problems().map(ToString::to_string).collect();
    let of = |id: &str| {
        let at = plan.catalog.layers.iter().position(|l| l.id == id).unwrap();
        &plan.layers[at]
    };
    assert!(of("eco_redline").features.is_empty());
    assert!(
        problems.iter().any(|p| p.contains("127.0.0.1:1")
            && p.contains("unavailable")
            && p.contains("cannot connect")),
        "{problems:?}"
    );
    if missing.is_some() {
        assert!(of("barriers").features.is_empty());
        assert!(
            problems
                .iter()
                .any(|p| p.contains("no_such_schema") && p.contains("does not exist")),
            "{problems:?}"
        );
    }
    // The rest of the plan is there.
    assert_eq!(of("water_sources").features.len(), 4);
}

#[test]
fn a_password_in_the_catalog_is_refused_before_anything_connects() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = sample_catalog(dir.path(), |_| {
        let mut source = toml::Table::new();
        source.insert(
            "source".into(),
            "postgresql://gis:secret@127.0.0.1:1/plan".into(),
        );
        source.insert("table".into(), "t".into());
        source
    });
    let error = Catalog::load(&catalog).err().unwrap().to_string();
    assert!(
        error.contains("password") && error.contains("PGPASSWORD"),
        "{error}"
    );
}

#[test]
fn a_connection_killed_mid_read_ends_with_a_clear_error_and_no_output() {
    let Some(uri) = server() else { return };
    let mut schema = Schema::new(&uri, "killed");
    // 300 000 small parcels: seconds to stream, time to cut the stream.
    schema
        .client
        .batch_execute(&format!(
            "CREATE TABLE {0}.parcels AS SELECT g::text AS id,
               ST_MakeEnvelope(620000 + (g % 500) * 40, 3270000 + (g / 500) * 40,
                               620030 + (g % 500) * 40, 3270030 + (g / 500) * 40, 4544) AS geom
             FROM generate_series(1, 300000) AS g;",
            schema.name
        ))
        .unwrap();
    // Read here, and screened on the server: either way cut mid-stream.
    for flag in ["--parcels", "--in-database"] {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("findings.csv");
        let run = common::redline()
            .args(["screen", "--catalog"])
            .arg(layers().join("catalog.toml"))
            .arg(flag)
            .arg(format!(
                "{uri}?table={}.parcels&application_name=redline_killed",
                schema.name
            ))
            .arg("--csv")
            .arg(&csv)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Cut the connection once its read is under way.
        let mut killed = false;
        for _ in 0..600 {
            let rows = schema
                .client
                .query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE application_name = 'redline_killed' AND state = 'active' AND query LIKE '%ST_AsBinary%'",
                    &[],
                )
                .unwrap();
            if !rows.is_empty() {
                killed = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let out = run.wait_with_output().unwrap();
        assert!(
            killed,
            "{flag}: the read ended before it could be cut; make the table larger"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flag}: {stderr}");
        assert!(
            stderr.contains(&format!("{}.parcels", schema.name))
                && stderr.contains("connection to the database was lost"),
            "{stderr}"
        );
        assert!(!csv.exists(), "a partial findings CSV was left");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}

#[test]
fn screening_in_the_database_equals_screening_here() {
    let Some(uri) = server() else { return };
    let mut schema = Schema::new(&uri, "in_database");
    let files = [
        layers().join("parcels/parcels.geojson"),
        layers().join("parcels/survey_parcels.shp"),
    ];
    schema.load("parcels", &files[0], 4326);
    schema.load("survey", &files[1], 4544);
    let tables: Vec<String> = ["parcels", "survey"]
        .iter()
        .map(|t| format!("{uri}?table={}.{t}", schema.name))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let catalog = layers().join("catalog.toml");
    let args = |flag: &'static str, sources: Vec<std::ffi::OsString>| {
        std::iter::once(std::ffi::OsString::from(flag))
            .chain(sources)
            .collect::<Vec<_>>()
    };
    let here = args("--parcels", tables.iter().map(Into::into).collect());
    let there = args("--in-database", tables.iter().map(Into::into).collect());
    fn as_args(a: &[std::ffi::OsString]) -> Vec<&std::ffi::OsStr> {
        a.iter().map(|s| s.as_os_str()).collect()
    }
    let local = common::screen_csvs(dir.path(), &catalog, &as_args(&here), "here");
    let server = common::screen_csvs(dir.path(), &catalog, &as_args(&there), "server");
    for (what, (a, b)) in ["findings", "summary", "layers"]
        .iter()
        .zip(local.iter().zip(&server))
    {
        let rows = |bytes: &[u8]| -> Vec<csv::StringRecord> {
            csv::Reader::from_reader(bytes)
                .records()
                .map(Result::unwrap)
                .collect()
        };
        let (a, b) = (rows(a), rows(b));
        assert_eq!(a.len(), b.len(), "{what}: rows");
        assert!(a.len() > 20, "{what}: the sample screens to rows");
        // Every cell equal, measures to 0.01 m² / 0.01 m.
        for (ra, rb) in a.iter().zip(&b) {
            for (x, y) in ra.iter().zip(rb) {
                match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(x), Ok(y)) => {
                        assert!((x - y).abs() <= 0.01 + 1e-9, "{what}: {ra:?} vs {rb:?}")
                    }
                    _ => assert_eq!(x, y, "{what}: {ra:?} vs {rb:?}"),
                }
            }
        }
    }
}
