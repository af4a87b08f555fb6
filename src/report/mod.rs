//! Writing what a screening found: the files an officer keeps.
//!
//! Every output is written through [`crate::atomic`]: a failure never
//! leaves a half-written report, and an output that would overwrite an input
//! is refused.

pub mod csv;
pub mod features;
pub mod geojson;
pub mod gpkg;
pub mod meta;
pub mod pdf;
pub mod rows;
pub mod statement;
pub mod xlsx;

use std::path::{Path, PathBuf};

use crate::atomic::write_atomically;
use crate::error::Error;
use crate::plan::LoadedPlan;

/// The paths of every file a screening read (see [`meta::inputs`]): an
/// output must never replace one of them.
pub fn input_files(plan: &LoadedPlan, parcel_files: &[PathBuf]) -> Vec<PathBuf> {
    meta::inputs(plan, parcel_files)
        .into_iter()
        .map(|i| i.path)
        .collect()
}

/// Writes a report that must not silently replace an earlier one: an
/// existing file is kept unless `overwrite` (the command line's `--force`).
pub fn write_report(
    path: &Path,
    inputs: &[PathBuf],
    bytes: &[u8],
    overwrite: bool,
) -> Result<(), Error> {
    if !overwrite && path.exists() {
        return Err(Error::Output {
            path: path.to_path_buf(),
            message: "the file already exists and is kept; choose another name, or pass --force to replace it".to_string(),
        });
    }
    write_atomically(path, inputs, bytes)
}

/// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or
/// carriage return as a formula. Text from outside files is prefixed with an
/// apostrophe so it shows as text; numbers written by redline are not.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// How a distance of 0 to the water line reads: the river runs through (or
/// along) the parcel, which "0.00 m" hides.
pub const CROSSES_WATER: (&str, &str) = ("跨越河道", "crosses the water line");

/// A distance to the water line as an officer reads it: in metres, or
/// [`CROSSES_WATER`] (`en`: in English) where the river meets the parcel.
pub fn water_distance(distance_m: f64, en: bool) -> String {
    match (distance_m > 0.0, en) {
        (true, _) => format!("{} m", two_decimals(distance_m)),
        (false, false) => CROSSES_WATER.0.to_string(),
        (false, true) => CROSSES_WATER.1.to_string(),
    }
}

/// The land units officers read beside square metres: 公顷 (hectares) and
/// 亩 (1 亩 = 10 000 / 15 m², the unit of China's land records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum AreaUnit {
    /// Square metres alone.
    SquareMetres,
    Hectare,
    #[default]
    Mu,
}

impl AreaUnit {
    pub const ALL: [AreaUnit; 3] = [AreaUnit::SquareMetres, AreaUnit::Hectare, AreaUnit::Mu];

    /// Square metres in one of this unit.
    fn m2(self) -> f64 {
        match self {
            AreaUnit::SquareMetres => 1.0,
            AreaUnit::Hectare => 10_000.0,
            AreaUnit::Mu => 10_000.0 / 15.0,
        }
    }

    pub fn symbol(self, en: bool) -> &'static str {
        match (self, en) {
            (AreaUnit::SquareMetres, _) => "m²",
            (AreaUnit::Hectare, false) => "公顷",
            (AreaUnit::Hectare, true) => "ha",
            (AreaUnit::Mu, false) => "亩",
            (AreaUnit::Mu, true) => "mu",
        }
    }

    /// `area_m2` in this unit ("21.60 亩"); `None` for square metres,
    /// which are always shown.
    pub fn amount(self, area_m2: f64, en: bool) -> Option<String> {
        (self != AreaUnit::SquareMetres)
            .then(|| format!("{} {}", two_decimals(area_m2 / self.m2()), self.symbol(en)))
    }

    /// `area_m2` in square metres, and in this unit beside them:
    /// "14400.00 m²（21.60 亩）".
    pub fn beside_m2(self, area_m2: f64, en: bool) -> String {
        let m2 = format!("{} m²", two_decimals(area_m2));
        match (self.amount(area_m2, en), en) {
            (None, _) => m2,
            (Some(other), true) => format!("{m2} ({other})"),
            (Some(other), false) => format!("{m2}（{other}）"),
        }
    }
}

/// Fixed two decimals, the precision every report states.
pub fn two_decimals(value: f64) -> String {
    fixed(value, 2)
}

/// A measure rounded to the two decimals every report states, for files
/// that keep numbers as numbers (GeoJSON, GeoPackage).
pub fn rounded(value: f64) -> f64 {
    let r = (value * 100.0).round() / 100.0;
    // -0.0 would read as a negative measure.
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// Fixed `decimals` decimals.
pub fn fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    // -0.00 would read as a loss (a negative overlap, a shrinking zone).
    match text.strip_prefix('-') {
        Some(unsigned) if unsigned.bytes().all(|b| b == b'0' || b == b'.') => unsigned.to_string(),
        _ => text,
    }
}

/// `text` padded with spaces to `width` terminal columns, a Chinese
/// character taking two, so that tables line up.
pub fn pad_end(text: &str, width: usize) -> String {
    let pad = width.saturating_sub(display_width(text));
    format!("{text}{}", " ".repeat(pad))
}

/// `text` right-aligned in `width` terminal columns.
pub fn pad_start(text: &str, width: usize) -> String {
    let pad = width.saturating_sub(display_width(text));
    format!("{}{text}", " ".repeat(pad))
}

pub fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn areas_read_in_hectares_and_mu_beside_square_metres() {
        use super::AreaUnit;
        assert_eq!(
            AreaUnit::Mu.beside_m2(14_400.0, false),
            "14400.00 m²（21.60 亩）"
        );
        assert_eq!(
            AreaUnit::Hectare.beside_m2(14_400.0, true),
            "14400.00 m² (1.44 ha)"
        );
        assert_eq!(AreaUnit::SquareMetres.beside_m2(0.4, false), "0.40 m²");
        // 1 亩 is exactly 10 000 / 15 m².
        assert_eq!(
            AreaUnit::Mu.beside_m2(10_000.0, false),
            "10000.00 m²（15.00 亩）"
        );
    }

    use super::*;

    #[test]
    fn neutralises_formulas_but_not_text() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("-1+1"), "'-1+1");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("XY-2025-017"), "XY-2025-017");
    }

    #[test]
    fn never_prints_negative_zero() {
        assert_eq!(two_decimals(-0.001), "0.00");
        assert_eq!(two_decimals(5000.0), "5000.00");
        assert_eq!(two_decimals(12.345), "12.35");
        assert_eq!(fixed(-0.0000004, 6), "0.000000");
        assert_eq!(fixed(-0.0000006, 6), "-0.000001");
    }

    #[test]
    fn pads_chinese_as_two_columns() {
        assert_eq!(pad_end("红线 red", 10), "红线 red  ");
        assert_eq!(pad_start("27.50", 7), "  27.50");
    }
}
