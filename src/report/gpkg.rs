//! The findings as a GeoPackage, QGIS's own format: a table `findings` —
//! the overlap polygons and the lines to the water, with the properties of
//! the findings GeoJSON — and a table `parcels` — each parcel's shape with
//! the summary CSV's columns, to colour by verdict — in the plan's working
//! CRS. Its time is the report time: the same inputs give the same bytes.

use geo::Geometry;
use rusqlite::types::Value;

use crate::crs::Transformer;
use crate::geometry::Shape;
use crate::index::ZoneIndex;
use crate::io::gpkg::{to_bytes, FeatureTable};
use crate::plan::LoadedPlan;
use crate::report::features::{finding_features, FINDING_PROPERTIES};
use crate::report::meta::ReportTime;
use crate::report::rows::{self, Cell};
use crate::report::{rounded, two_decimals};
use crate::screen::{ParcelOutcome, Screening};

/// The GeoPackage as bytes. `time` is its `last_change` (the report time).
pub fn findings_gpkg(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    screening: &Screening,
    time: ReportTime,
) -> Result<Vec<u8>, String> {
    let working = &plan.catalog.working_crs;
    let identity = Transformer::new(working, working);
    let findings: Vec<(Option<Geometry>, Vec<Cell>)> =
        finding_features(plan, index, screening, &identity)?
            .into_iter()
            .map(|f| (f.geometry, f.properties.to_vec()))
            .collect();
    let parcels: Vec<(Option<Geometry>, Vec<Cell>)> = screening
        .outcomes
        .iter()
        .map(|outcome| (parcel_shape(outcome), rows::summary_row(plan, outcome)))
        .collect();
    let summary_columns: Vec<&str> = rows::SUMMARY_COLUMNS.iter().map(|(key, _)| *key).collect();
    let tables = [
        table(
            "findings",
            "筛查发现 findings",
            &FINDING_PROPERTIES,
            findings,
        ),
        table("parcels", "地块汇总 parcels", &summary_columns, parcels),
    ];
    let description = format!(
        "redline {} — {}",
        env!("CARGO_PKG_VERSION"),
        plan.catalog.name
    );
    to_bytes(working, &description, &last_change(time), &tables)
        .map_err(|e| format!("cannot write the GeoPackage: {e}"))
}

/// A table of cells: each column typed by what its cells hold.
fn table<'a>(
    name: &'a str,
    identifier: &'a str,
    columns: &[&'a str],
    rows: Vec<(Option<Geometry>, Vec<Cell>)>,
) -> FeatureTable<'a> {
    let kinds: Vec<ColumnKind> = (0..columns.len())
        .map(|c| ColumnKind::of(rows.iter().map(|(_, cells)| &cells[c])))
        .collect();
    FeatureTable {
        name,
        identifier,
        columns: columns
            .iter()
            .zip(&kinds)
            .map(|(c, k)| (*c, k.sql_type()))
            .collect(),
        rows: rows
            .into_iter()
            .map(|(geometry, cells)| {
                let values = cells.iter().zip(&kinds).map(|(c, k)| k.value(c)).collect();
                (geometry, values)
            })
            .collect(),
    }
}

fn parcel_shape(outcome: &ParcelOutcome) -> Option<Geometry> {
    match outcome {
        ParcelOutcome::Screened { parcel, .. } => Some(match &parcel.shape {
            Shape::Area(area) => Geometry::MultiPolygon(area.clone()),
            Shape::Lines(lines) => Geometry::MultiLineString(lines.clone()),
        }),
        ParcelOutcome::Unscreened(_) => None,
    }
}

/// What a column holds, from its cells: a GIS filters numbers as numbers.
#[derive(Clone, Copy, PartialEq)]
enum ColumnKind {
    Real,
    Integer,
    Text,
}

impl ColumnKind {
    fn of<'a>(cells: impl Iterator<Item = &'a Cell>) -> ColumnKind {
        let mut kind = None;
        for cell in cells {
            let this = match cell {
                Cell::Measure(_) => ColumnKind::Real,
                Cell::Count(_) => ColumnKind::Integer,
                Cell::Text(_) | Cell::Verdict { .. } => ColumnKind::Text,
                Cell::Empty => continue,
            };
            match kind {
                None => kind = Some(this),
                Some(k) if k != this => return ColumnKind::Text,
                Some(_) => {}
            }
        }
        kind.unwrap_or(ColumnKind::Text)
    }

    fn sql_type(self) -> &'static str {
        match self {
            ColumnKind::Real => "REAL",
            ColumnKind::Integer => "INTEGER",
            ColumnKind::Text => "TEXT",
        }
    }

    fn value(self, cell: &Cell) -> Value {
        match (cell, self) {
            (Cell::Empty, _) => Value::Null,
            (Cell::Measure(v), ColumnKind::Real) => Value::Real(rounded(*v)),
            (Cell::Measure(v), _) => Value::Text(two_decimals(*v)),
            (Cell::Count(n), ColumnKind::Integer) => Value::Integer(*n as i64),
            (Cell::Count(n), _) => Value::Text(n.to_string()),
            (Cell::Text(text), _) => Value::Text(text.clone()),
            (Cell::Verdict { keyword, .. }, _) => Value::Text(keyword.to_string()),
        }
    }
}

/// The report time as GeoPackage writes times: ISO 8601 in UTC.
fn last_change(time: ReportTime) -> String {
    let utc = time::OffsetDateTime::from_unix_timestamp(time.unix_seconds)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}
