//! redline: screens proposed parcels against the protected zones of a spatial plan.
//!
//! The core (catalog, io, crs, geometry, index, screen, report) is synchronous,
//! deterministic and has no user-interface code, so every part of it runs in a
//! test without a display. The command line in `main.rs` and the viewer in
//! `app` (feature `viewer`, on by default) are thin shells over it.
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod admission;
pub mod atomic;
pub mod basemap;
pub mod catalog;
pub mod clip;
pub mod crs;
pub mod error;
pub mod finding_shape;
pub mod geometry;
pub mod in_database;
pub mod index;
pub mod indexed_area;
pub mod io;
pub mod pipeline;
pub mod plan;
pub mod plan_area;
pub mod procedure;
pub mod project;
pub mod record;
pub mod report;
mod rtree;
pub mod sample;
pub mod screen;
pub mod style;
pub mod user_folders;

/// The desktop viewer: a thin egui shell over the core above.
#[cfg(feature = "viewer")]
pub mod app;

pub use error::{Error, Problem};
