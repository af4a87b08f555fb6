//! The bundled sample plan, built into the binary.
//!
//! An installed `redline` is started from a desktop or any folder, where no
//! `layers/` lies beside it; it must still open on the sample plan. The
//! sample's files (`layers/`, 270 KB) are compiled in and written once to the
//! user's data folder, under a name that carries their hash, so an upgrade
//! brings its own copy and an officer's edits to a copy never reach another
//! version. Inside a checkout, `layers/` in the working folder is used as it
//! is, so that a developer sees the files they regenerate.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::Error;

macro_rules! sample_files {
    ($($name:literal),* $(,)?) => {
        /// Every file of the sample plan, by its path under `layers/`.
        pub const FILES: &[(&str, &[u8])] = &[
            $(($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/layers/", $name)))),*
        ];
    };
}

sample_files!(
    "catalog.toml",
    "admission.csv",
    "boundary.geojson",
    "control_units.geojson",
    "plan.gpkg",
    "axis.geojson",
    "heart.geojson",
    "nature_reserves.geojson",
    "rivers.geojson",
    "wetlands.geojson",
    "barriers.cpg",
    "barriers.dbf",
    "barriers.prj",
    "barriers.shp",
    "barriers.shx",
    "eco_redline.cpg",
    "eco_redline.dbf",
    "eco_redline.prj",
    "eco_redline.shp",
    "eco_redline.shx",
    "water_sources.cpg",
    "water_sources.dbf",
    "water_sources.prj",
    "water_sources.shp",
    "water_sources.shx",
    "parcels/parcels.geojson",
    "parcels/survey_parcels.cpg",
    "parcels/survey_parcels.dbf",
    "parcels/survey_parcels.prj",
    "parcels/survey_parcels.shp",
    "parcels/survey_parcels.shx",
);

/// The sample parcel files, under the sample's folder, screened on a
/// newcomer's first run.
pub const PARCEL_FILES: [&str; 2] = ["parcels/parcels.geojson", "parcels/survey_parcels.shp"];

/// Where a plan opened with no `--catalog` comes from: `layers/` in the
/// working folder when it holds a catalog, else the built-in sample written
/// to the user's data folder. Returns the sample's folder.
pub fn sample_dir() -> Result<PathBuf, Error> {
    let local = Path::new("layers");
    if local.join("catalog.toml").is_file() {
        return Ok(local.to_path_buf());
    }
    extract_to(&data_home())
}

/// The user's data folder for redline: `$XDG_DATA_HOME`, `~/.local/share`,
/// `%LOCALAPPDATA%`, else the temporary folder.
fn data_home() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| Path::new(&h).join(".local/share")))
        .or_else(|| var("LOCALAPPDATA").map(PathBuf::from))
        .unwrap_or_else(std::env::temp_dir)
        .join("redline")
}

/// A short hash of every file's path and bytes: the copy's name.
fn content_hash() -> String {
    let mut hash = Sha256::new();
    for (name, bytes) in FILES {
        hash.update(name.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    }
    crate::report::meta::hex(&hash.finalize()[..6])
}

/// Writes the sample under `base` (once: a copy already there is used) and
/// returns its folder. The files go to a temporary folder first, renamed
/// into place whole, so a run stopped midway leaves no partial copy.
pub fn extract_to(base: &Path) -> Result<PathBuf, Error> {
    let dir = base.join(format!("sample-{}", content_hash()));
    if dir.join("catalog.toml").is_file() {
        return Ok(dir);
    }
    let cannot = |path: &Path, e: std::io::Error| {
        Error::Usage(format!(
            "{}: cannot write the built-in sample plan there ({e}); open a plan of your own with --catalog PLAN/catalog.toml, or set XDG_DATA_HOME to a writable folder",
            path.display()
        ))
    };
    std::fs::create_dir_all(base).map_err(|e| cannot(base, e))?;
    let staging = tempfile::Builder::new()
        .prefix(".sample-")
        .tempdir_in(base)
        .map_err(|e| cannot(base, e))?;
    for (name, bytes) in FILES {
        let path = staging.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| cannot(parent, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| cannot(&path, e))?;
    }
    let staged = staging.keep();
    if let Err(e) = std::fs::rename(&staged, &dir) {
        // Another redline may have put the same copy there meanwhile.
        let _ = std::fs::remove_dir_all(&staged);
        if !dir.join("catalog.toml").is_file() {
            return Err(cannot(&dir, e));
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_sample_is_built_in() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("layers");
        let mut on_disk = Vec::new();
        for entry in walk(&root) {
            let name = entry.strip_prefix(&root).unwrap().to_string_lossy();
            on_disk.push(name.replace('\\', "/"));
        }
        on_disk.sort();
        let mut built_in: Vec<String> = FILES.iter().map(|(n, _)| n.to_string()).collect();
        built_in.sort();
        assert_eq!(built_in, on_disk);
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
        out
    }

    #[test]
    fn the_sample_is_written_once_and_byte_for_byte() {
        let base = tempfile::tempdir().unwrap();
        let dir = extract_to(base.path()).unwrap();
        for (name, bytes) in FILES {
            assert_eq!(&std::fs::read(dir.join(name)).unwrap(), bytes, "{name}");
        }
        // A second start finds the copy and leaves no staging folder behind.
        assert_eq!(extract_to(base.path()).unwrap(), dir);
        let entries: Vec<_> = std::fs::read_dir(base.path()).unwrap().collect();
        assert_eq!(entries.len(), 1);
    }
}
