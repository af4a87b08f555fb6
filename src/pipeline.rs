//! One way from a parcel file to screened outcomes, for the command line,
//! the viewer and the tests alike: a file is read in batches with the same
//! choices (its id and name fields, the CRS of a file that declares none)
//! and screened by the same code, so a fix lands once and the viewer's
//! table always agrees with the CSV.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

use crate::crs::Crs;
use crate::error::Error;
use crate::index::ZoneIndex;
use crate::io::{
    layer_batches_of, read_layer_batches, FileChoices, Layer, ReadOptions, PARCEL_ID_FIELDS,
    PARCEL_NAME_FIELDS,
};
use crate::plan::LoadedPlan;
use crate::plan_area::{PlanArea, FAR_FROM_PLAN_M};
use crate::screen::{FileScreening, ParcelOutcome};

/// A parcel file and how to read it. `None` leaves a choice to the file:
/// the first of [`PARCEL_ID_FIELDS`] / [`PARCEL_NAME_FIELDS`] it has, the
/// CRS it declares (or that its header and numbers tell).
#[derive(Debug, Clone)]
pub struct ParcelSource {
    pub path: PathBuf,
    pub id_field: Option<String>,
    pub name_field: Option<String>,
    /// The CRS of the file when it declares none (`--parcels-crs`).
    pub crs: Option<Crs>,
}

impl ParcelSource {
    /// A file read with every choice left to it.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ParcelSource {
            path: path.into(),
            id_field: None,
            name_field: None,
            crs: None,
        }
    }

    /// How the source is read for `plan`, whose extent is `plan_extent`;
    /// `crs_hint` tells the user where to declare a CRS.
    pub fn read_options<'a>(
        &'a self,
        plan: &'a LoadedPlan,
        plan_extent: Option<geo::Rect>,
        crs_hint: &'a str,
    ) -> ReadOptions<'a> {
        ReadOptions {
            working_crs: &plan.catalog.working_crs,
            fallback_crs: self.crs.as_ref(),
            id_field: self.id_field.as_deref(),
            id_candidates: PARCEL_ID_FIELDS,
            name_field: self.name_field.as_deref(),
            name_candidates: PARCEL_NAME_FIELDS,
            crs_hint,
            plan_area: plan_extent.map(parcel_area),
        }
    }
}

/// Where parcels screened against a plan of this extent may lie: the
/// extent and a margin as wide as the distance at which a parcel is noted
/// far from it.
pub fn parcel_area(extent: geo::Rect) -> geo::Rect {
    let margin = geo::coord! { x: FAR_FROM_PLAN_M, y: FAR_FROM_PLAN_M };
    geo::Rect::new(extent.min() - margin, extent.max() + margin)
}

/// What a screening's caller may watch while it runs.
pub struct Watch<'a> {
    /// Called with each batch once it is read, before it is screened.
    pub read: &'a mut dyn FnMut(&Layer),
    /// One is added per parcel screened.
    pub done: &'a AtomicUsize,
}

/// A source read and screened: what reading it settled, and the time spent
/// screening, apart from reading and the sink.
#[derive(Debug, Clone)]
pub struct SourceScreened {
    pub choices: FileChoices,
    pub screening_time: Duration,
}

/// Reads and screens a parcel file batch by batch (see
/// [`read_layer_batches`]), handing the outcomes of each batch to `sink` in
/// input order: a file of millions of parcels is screened in the memory of
/// one batch, and the outcomes are the same whatever the batch size.
pub fn screen_source(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    source: &ParcelSource,
    crs_hint: &str,
    batch_features: usize,
    watch: Watch,
    sink: &mut dyn FnMut(Vec<ParcelOutcome>) -> Result<(), Error>,
) -> Result<SourceScreened, Error> {
    let path: &Path = &source.path;
    screen_read(
        plan,
        index,
        source,
        crs_hint,
        None,
        watch,
        sink,
        &mut |options, each| read_layer_batches(path, options, batch_features, each),
    )
}

/// Screens the parcels of a database source on their server
/// ([`crate::in_database`]): the server measures, redline classifies, and
/// the outcomes are those [`screen_source`] gives, to 0.01 m² and 0.01 m.
pub fn screen_source_in_database(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    source: &ParcelSource,
    crs_hint: &str,
    watch: Watch,
    sink: &mut dyn FnMut(Vec<ParcelOutcome>) -> Result<(), Error>,
) -> Result<SourceScreened, Error> {
    let path: &Path = &source.path;
    let started = Instant::now();
    let (raw, measured) = crate::in_database::read_measured(plan, path, source.crs.as_ref())?;
    let server_time = started.elapsed();
    let mut raw = Some(raw);
    let mut screened = screen_read(
        plan,
        index,
        source,
        crs_hint,
        Some(measured),
        watch,
        sink,
        &mut |options, each| layer_batches_of(path, raw.take().unwrap_or_default(), options, each),
    )?;
    // The server's overlay is the screening's time.
    screened.screening_time += server_time;
    Ok(screened)
}

/// What reads a source: the settled options and the sink for each batch.
type ReadBatches<'r> = dyn FnMut(&ReadOptions, &mut dyn FnMut(Layer) -> Result<(), Error>) -> Result<FileChoices, Error>
    + 'r;

#[allow(clippy::too_many_arguments)]
fn screen_read(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    source: &ParcelSource,
    crs_hint: &str,
    measured: Option<std::collections::HashMap<usize, crate::screen::Measures>>,
    watch: Watch,
    sink: &mut dyn FnMut(Vec<ParcelOutcome>) -> Result<(), Error>,
    read: &mut ReadBatches,
) -> Result<SourceScreened, Error> {
    let path: &Path = &source.path;
    // The plan's boundary is cut into pieces to place parcels on: once a file.
    let area = plan.area();
    let mut screening = FileScreening::new(plan, index, area.as_ref(), path);
    if let Some(measured) = measured {
        screening = screening.with_measures(measured);
    }
    let mut screening_time = Duration::ZERO;
    let options = source.read_options(plan, area.as_ref().map(PlanArea::extent), crs_hint);
    let choices = read(&options, &mut |layer| {
        (watch.read)(&layer);
        let started = Instant::now();
        let outcomes = screening.batch(layer, watch.done);
        screening_time += started.elapsed();
        sink(outcomes)
    })?;
    sink(screening.finish())?;
    Ok(SourceScreened {
        choices,
        screening_time,
    })
}
