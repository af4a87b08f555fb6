//! Error values that say which file, which feature and what to do.
//!
//! Whole-file failures are [`Error`]s; a bad feature inside an otherwise good
//! file is a [`Problem`]: reported, skipped, and the rest of the file loads.

use std::fmt;
use std::path::{Path, PathBuf};

/// A failure that stops a file (or the whole run) from being used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is there but its content is not what its format requires.
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    /// The coordinates' reference system is unknown or unusable.
    #[error("{path}: {message}")]
    Crs { path: PathBuf, message: String },
    /// The catalog is wrong; `line` is 1-based when known.
    #[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Catalog {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// An output could not be written; nothing partial was left behind.
    #[error("{path}: cannot write: {message}")]
    Output { path: PathBuf, message: String },
    /// The case record (see [`crate::record`]) cannot be opened, read or
    /// written, or refuses what was asked of it.
    #[error("{path}: case record: {message}")]
    Record { path: PathBuf, message: String },
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub fn format(path: &Path, message: impl Into<String>) -> Self {
        Error::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub fn crs(path: &Path, message: impl Into<String>) -> Self {
        Error::Crs {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// One feature of a file that could not be used, or a warning about a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: PathBuf,
    /// 1-based feature position in the file; `None` for the whole file.
    pub index: Option<usize>,
    /// The feature's id, when it could be read.
    pub id: Option<String>,
    pub message: String,
}

impl Problem {
    /// A problem with the whole file.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Problem {
            path: path.to_path_buf(),
            index: None,
            id: None,
            message: message.into(),
        }
    }

    /// A problem with one feature.
    pub fn feature(
        path: &Path,
        index: usize,
        id: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            path: path.to_path_buf(),
            index: Some(index),
            id: id.map(str::to_string),
            message: message.into(),
        }
    }

    /// "feature 7 (id XY-2025-017)", or "" for a whole-file problem.
    pub fn locator(&self) -> String {
        match (self.index, &self.id) {
            (Some(i), Some(id)) => format!("feature {i} (id {id})"),
            (Some(i), None) => format!("feature {i}"),
            (None, _) => String::new(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(_) => write!(
                f,
                "{}: {}: {}",
                self.path.display(),
                self.locator(),
                self.message
            ),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}
