//! Writing a file atomically: to a temporary file beside its destination,
//! renamed into place, so a failure never leaves a half-written file and the
//! old one stays; and never over one of the run's inputs.
//!
//! Its own module because readers (which export files) and report writers
//! both stand on it, and neither should import the other.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Writes `bytes` to `path` atomically; refuses to overwrite any of `inputs`.
pub fn write_atomically(path: &Path, inputs: &[PathBuf], bytes: &[u8]) -> Result<(), Error> {
    write_atomically_with(path, inputs, |file| file.write_all(bytes))
}

/// Refuses an output before any work is done: one that is an input, a
/// folder, or in a folder that does not exist. Checked again when written.
pub fn check_output(path: &Path, inputs: &[PathBuf]) -> Result<(), Error> {
    let fail = |message: String| Error::Output {
        path: path.to_path_buf(),
        message,
    };
    if let Ok(target) = path.canonicalize() {
        if inputs
            .iter()
            .any(|i| i.canonicalize().is_ok_and(|i| i == target))
        {
            return Err(fail(
                "it is one of the input files; choose another output name".to_string(),
            ));
        }
    }
    if path.is_dir() {
        return Err(fail(
            "it is a folder; give a file name, e.g. findings.csv".to_string(),
        ));
    }
    let dir = parent_folder(path);
    if !dir.is_dir() {
        return Err(fail(format!(
            "the folder {} does not exist (or is not a folder); create it or choose another place",
            dir.display()
        )));
    }
    Ok(())
}

/// The folder a file is written in; `.` for a bare file name.
fn parent_folder(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes what `write` puts into a temporary file beside `path`, then
/// renames it into place. When `write` fails (a full disk, a lost network
/// share) the temporary file is removed and `path` is as it was.
pub fn write_atomically_with(
    path: &Path,
    inputs: &[PathBuf],
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), Error> {
    let mut file = AtomicFile::create(path, inputs)?;
    write(file.temp.as_file_mut()).map_err(|e| write_failed(path, e))?;
    file.commit()
}

/// The error for an output whose writing failed half way.
pub fn write_failed(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        message: format!("{e} (disk full?); nothing was written"),
    }
}

/// An output being written: a temporary file beside its destination, renamed
/// into place by [`AtomicFile::commit`]. Dropped before, it is removed and
/// the destination is as it was. For outputs written piece by piece.
pub struct AtomicFile {
    path: PathBuf,
    temp: tempfile::NamedTempFile,
}

impl AtomicFile {
    /// Refuses `path` as [`check_output`] does, then opens the temporary file.
    pub fn create(path: &Path, inputs: &[PathBuf]) -> Result<Self, Error> {
        check_output(path, inputs)?;
        let dir = parent_folder(path);
        let mut builder = tempfile::Builder::new();
        builder.prefix(".redline-");
        // A report is an ordinary file for the user's tools, not a private temp file.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let temp = builder.tempfile_in(dir).map_err(|e| Error::Output {
            path: path.to_path_buf(),
            message: format!(
                "cannot create a file in {} ({e}); check the folder exists and is writable",
                dir.display()
            ),
        })?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            temp,
        })
    }

    /// Makes the file durable and renames it into place.
    pub fn commit(self) -> Result<(), Error> {
        self.temp
            .as_file()
            .sync_all()
            .map_err(|e| write_failed(&self.path, e))?;
        let path = self.path;
        self.temp.persist(&path).map_err(|e| Error::Output {
            message: format!("{}; nothing was written", e.error),
            path,
        })?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.temp.write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.temp.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_an_input_and_leaves_no_partial_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let input = dir.path().join("parcels.geojson");
        std::fs::write(&input, "original").unwrap_or_else(|e| panic!("{e}"));
        let err = write_atomically(&input, std::slice::from_ref(&input), b"new").unwrap_err();
        assert!(err.to_string().contains("one of the input files"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&input).unwrap_or_default(),
            "original"
        );
        let missing_dir = dir.path().join("no/such/dir/out.csv");
        assert!(write_atomically(&missing_dir, &[], b"x").is_err());
        let out = dir.path().join("out.csv");
        write_atomically(&out, &[], b"ok").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            std::fs::read_dir(dir.path())
                .map(|d| d.count())
                .unwrap_or(0),
            2
        );
    }
}
