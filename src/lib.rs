//! redline: screens proposed parcels against the protected zones of a spatial plan.
//!
//! The core (catalog, io, crs, geometry, index, screen, report) is synchronous,
//! deterministic and has no user-interface code, so every part of it runs in a
//! test without a display. The command line in `main.rs` is a thin shell over it.
#![deny(clippy::unwrap_used, clippy::expect_used)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod catalog;
pub mod clip;
pub mod crs;
pub mod error;
pub mod finding_shape;
pub mod geometry;
pub mod index;
pub mod io;
pub mod plan;
pub mod report;
pub mod screen;

pub use error::{Error, Problem};
