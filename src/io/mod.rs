//! Reading layer and parcel files into features in the working CRS.
//!
//! One submodule per format turns a file into [`RawFeature`]s in the file's own
//! CRS. This module then does what is the same for every format: settle the
//! file's CRS, reproject, clean each geometry, and pick ids and names. A bad
//! feature becomes a [`Problem`] and the rest of the file still loads.

pub mod dxf;
pub mod geojson;
pub mod gpkg;
pub mod postgis;
pub mod shapefile;
pub mod sketch;
pub mod survey_txt;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use geo_types::Geometry;
use rayon::prelude::*;

use crate::crs::{
    axes_look_swapped, infer_gauss_kruger, looks_like_lonlat, Crs, GridHints, PlanGrid,
    Transformer, WGS84,
};
use crate::error::{Error, Problem};
use crate::geometry::{clean, union_rect, Shape};

/// A feature as a format reader found it, before CRS and validity are settled.
#[derive(Debug, Clone)]
pub struct RawFeature {
    /// 1-based position in the file.
    pub index: usize,
    /// The format's own feature id (GeoJSON `id`), if any.
    pub native_id: Option<String>,
    /// Attribute names and values as text, in the file's field order.
    pub attributes: Vec<(String, String)>,
    pub geometry: Geometry,
    /// Things the reader already fixed (e.g. an unclosed ring).
    pub notes: Vec<String>,
}

/// A feature a reader found but whose geometry it could not use. Its
/// attributes are kept so that the problem names it by the id the user
/// knows (an id field), not only by its position.
#[derive(Debug, Clone)]
pub struct RejectedFeature {
    /// 1-based position in the file.
    pub index: usize,
    pub native_id: Option<String>,
    pub attributes: Vec<(String, String)>,
    pub message: String,
}

/// What a format reader returns: features, the CRS the file itself declares,
/// the features it had to skip, and problems no feature's attributes name.
#[derive(Debug, Default)]
pub struct RawFile {
    pub declared_crs: Option<Crs>,
    pub features: Vec<RawFeature>,
    pub rejected: Vec<RejectedFeature>,
    pub problems: Vec<Problem>,
    /// What the file says about its CRS when it declares none in a form a
    /// machine can read.
    pub crs_clue: CrsClue,
}

/// What a file without a machine-readable CRS tells about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum CrsClue {
    /// Nothing: lon/lat when the numbers can only be that, else the user says.
    #[default]
    Silent,
    /// A coordinate text header's 坐标系 / 几度分带 / 带号, read together
    /// with the numbers (a zone prefix on the eastings).
    Header(GridHints),
    /// A CAD drawing: no CRS at all, and lon/lat is no safe guess.
    Drawing,
}

/// A usable feature in the working CRS.
#[derive(Debug, Clone)]
pub struct Feature {
    pub index: usize,
    pub id: String,
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub shape: Shape,
    /// Repairs made on the way in, for the report's `note`.
    pub notes: Vec<String>,
}

/// The features of one file, and what could not be used.
#[derive(Debug, Clone)]
pub struct Layer {
    pub path: PathBuf,
    /// The CRS the coordinates were read in.
    pub source_crs: Crs,
    pub features: Vec<Feature>,
    pub problems: Vec<Problem>,
}

/// How to read one file.
#[derive(Debug, Clone)]
pub struct ReadOptions<'a> {
    pub working_crs: &'a Crs,
    /// Used when the file declares no CRS itself (catalog `crs`, `--parcels-crs`).
    pub fallback_crs: Option<&'a Crs>,
    /// An explicit id field; when absent the first of `id_candidates` present.
    pub id_field: Option<&'a str>,
    pub id_candidates: &'a [&'a str],
    pub name_field: Option<&'a str>,
    pub name_candidates: &'a [&'a str],
    /// How to tell the user to declare a CRS for this file.
    pub crs_hint: &'a str,
    /// Where the plan's parcels may lie, in the working CRS: a coordinate
    /// file that names no zone is read in the working CRS when its numbers
    /// lie here. `None` for the plan's own layers.
    pub plan_area: Option<geo::Rect>,
}

impl ReadOptions<'_> {
    fn plan_grid(&self) -> PlanGrid<'_> {
        PlanGrid {
            crs: self.working_crs,
            area: self.plan_area,
        }
    }
}

/// Fields a parcel's id is taken from when none is named, in order.
pub const PARCEL_ID_FIELDS: &[&str] = &["id", "地块编号", "编号"];
/// Fields a parcel's name is taken from when none is named, in order.
pub const PARCEL_NAME_FIELDS: &[&str] = &["名称", "name", "项目名称", "地块名称"];

/// The extensions [`read_raw`] reads, for file dialogs' filters.
pub const READABLE_EXTENSIONS: &[&str] = &["geojson", "json", "shp", "gpkg", "txt", "dxf"];

/// Reads raw features with the reader for the file's extension (or the
/// database a `postgresql://` source names).
pub fn read_raw(path: &Path) -> Result<RawFile, Error> {
    if postgis::is_postgis(path) {
        return postgis::read(path);
    }
    if gpkg::is_gpkg(path) {
        return gpkg::read(path);
    }
    match extension(path).as_str() {
        "geojson" | "json" => geojson::read(path),
        "shp" => shapefile::read(path),
        "txt" => survey_txt::read(path),
        "dxf" => dxf::read(path),
        _ => Err(Error::format(
            path,
            "unknown file type; redline reads .geojson / .json, .shp (with .shx, .dbf, .prj), .gpkg, \
             coordinate text files (.txt, 建设用地报批坐标文件) and DXF drawings (.dxf)",
        )),
    }
}

/// What a feature's note says when its Z or M was dropped.
pub const FLATTENED_NOTE: &str = "Z/M 坐标已忽略 3D/measured coordinates flattened to x, y";

/// Standard WKB (GeoPackage blobs and PostGIS hold it) as a geometry, and
/// what was done to it (Z or M dropped).
pub fn wkb_geometry(wkb: &[u8]) -> Result<(geo_types::Geometry, Vec<String>), String> {
    use geo_traits::to_geo::ToGeoGeometry;
    let read = wkb::reader::read_wkb(wkb).map_err(|e| {
        format!("its geometry cannot be read ({e}); curves (CircularString, CurvePolygon) must be straightened first, e.g. QGIS ▸ Vector ▸ Geometry ▸ Segmentize")
    })?;
    let mut notes = Vec::new();
    if !matches!(
        geo_traits::GeometryTrait::dim(&read),
        geo_traits::Dimensions::Xy
    ) {
        notes.push(FLATTENED_NOTE.to_string());
    }
    let geometry = read
        .try_to_geometry()
        .ok_or("has an empty geometry; draw it or remove the row")?;
    Ok((geometry, notes))
}

/// Reads a file into usable features in the working CRS.
pub fn read_layer(path: &Path, options: &ReadOptions) -> Result<Layer, Error> {
    layer_from_raw(path, read_raw(path)?, options)
}

/// What [`read_layer`] does after a format reader: settles the CRS,
/// reprojects, cleans each geometry and picks ids and names. `path` only
/// names the source in messages.
pub fn layer_from_raw(path: &Path, raw: RawFile, options: &ReadOptions) -> Result<Layer, Error> {
    let mut survey = FileSurvey::default();
    survey.add(&raw);
    let settled = Settled::new(path, &survey, options)?;
    Ok(settled.layer(raw, &mut DuplicateIds::default()))
}

/// How many features a streamed file is read in at a time: enough to keep
/// both cores busy, few enough that a batch costs tens of megabytes. A
/// parcel costs about 1 KB while it is screened (its attributes, geometry,
/// result and outcome): batches of 100 000 put the city's parcels job 15 MB
/// over GeoPandas's peak; of 25 000, 33 MB under it, for a first pass over
/// the file (for a shapefile, a survey: a fifth of reading it).
pub const BATCH_FEATURES: usize = 25_000;

/// Reads a file in batches of about `batch_features` features, handing each
/// to `sink` as a [`Layer`] in the working CRS, so that a file of millions of
/// parcels never has to fit in memory. The CRS and the id and name fields are
/// settled on a first pass over the whole file, exactly as [`read_layer`]
/// settles them: for a shapefile of more than one batch, a survey
/// ([`shapefile::survey`]); a file of one batch is read only once. Problems
/// that no feature's position names come in the last batch. Returns what was
/// settled, for a user to see and change.
pub fn read_layer_batches(
    path: &Path,
    options: &ReadOptions,
    batch_features: usize,
    sink: &mut dyn FnMut(Layer) -> Result<(), Error>,
) -> Result<FileChoices, Error> {
    let before = fingerprint(path);
    let (survey, first) = match surveyed_shapefile(path, options, batch_features)? {
        Some(survey) => (survey, None),
        None => {
            let mut survey = FileSurvey::default();
            let first = first_pass(path, batch_features, &mut survey)?;
            (survey, Some(first))
        }
    };
    let settled = Settled::new(path, &survey, options)?;
    let mut duplicates = DuplicateIds::default();
    let tail = match first {
        Some(FirstPass {
            whole: Some(batches),
            tail,
            ..
        }) => {
            for batch in batches {
                sink(settled.layer(batch, &mut duplicates))?;
            }
            tail
        }
        first => {
            let mut seen = 0usize;
            let second_pass = stream_raw(path, batch_features, &mut |batch| {
                seen += batch.features.len() + batch.rejected.len();
                sink(settled.layer(batch, &mut duplicates))
            })?;
            let same_count = first.is_none_or(|first| first.features == seen);
            match second_pass {
                Streamed::Batches(tail) if same_count && fingerprint(path) == before => tail,
                _ => {
                    return Err(Error::format(
                        path,
                        "the file changed while it was being read; let whatever writes it finish, then screen it again",
                    ))
                }
            }
        }
    };
    sink(settled.layer(tail, &mut duplicates))?;
    Ok(settled.choices(&survey))
}

/// What a first pass over a whole file found besides its survey.
struct FirstPass {
    /// The file's batches when it is one batch: it is not read again.
    whole: Option<Vec<RawFile>>,
    tail: RawFile,
    /// Features found, usable or not: a second pass must find as many.
    features: usize,
}

/// Reads the whole file into `survey`, keeping it when it is one batch.
fn first_pass(
    path: &Path,
    batch_features: usize,
    survey: &mut FileSurvey,
) -> Result<FirstPass, Error> {
    let mut batches: Vec<RawFile> = Vec::new();
    let mut batch_count = 0usize;
    let mut features = 0usize;
    let streamed = stream_raw(path, batch_features, &mut |batch| {
        survey.add(&batch);
        features += batch.features.len() + batch.rejected.len();
        batch_count += 1;
        // Kept only while it may be the whole file.
        batches = if batch_count == 1 {
            vec![batch]
        } else {
            Vec::new()
        };
        Ok(())
    })?;
    Ok(match streamed {
        Streamed::Whole(raw) => {
            *survey = FileSurvey::default();
            survey.add(&raw);
            FirstPass {
                features: raw.features.len() + raw.rejected.len(),
                whole: Some(vec![raw]),
                tail: RawFile::default(),
            }
        }
        Streamed::Batches(tail) => {
            survey.add(&tail);
            FirstPass {
                whole: (batch_count <= 1).then_some(batches),
                tail,
                features,
            }
        }
    })
}

/// The survey of a shapefile of more than one batch, when it settles the
/// file. The survey sees a few shapes that reading drops (one whose
/// attribute record cannot be decoded, a ring of under three points): they
/// can only widen its box of coordinates and add fields, so they can make
/// settling fail where reading would not, never settle otherwise. When it
/// fails, the file is read whole first, and settled on what reading finds.
fn surveyed_shapefile(
    path: &Path,
    options: &ReadOptions,
    batch_features: usize,
) -> Result<Option<FileSurvey>, Error> {
    if extension(path) != "shp" || shapefile::shape_count(path) <= Some(batch_features) {
        return Ok(None);
    }
    let survey = FileSurvey::of_shapefile(shapefile::survey(path)?);
    Ok(Settled::new(path, &survey, options)
        .is_ok()
        .then_some(survey))
}

/// The size and times of each file a source is read from: a file read
/// twice must not change in between, or its batches would be settled on a
/// survey of another file. On Unix the inode and the time of the last
/// change too, which copying a file's times onto another does not set.
fn fingerprint(path: &Path) -> Vec<Option<(u64, std::time::SystemTime, [i64; 3])>> {
    let parts = if extension(path) == "shp" {
        shapefile::part_paths(path)
    } else {
        vec![path.to_path_buf()]
    };
    parts
        .iter()
        .map(|p| {
            let meta = std::fs::metadata(p).ok()?;
            Some((meta.len(), meta.modified().ok()?, changed(&meta)))
        })
        .collect()
}

/// The inode and the time of the last change to it.
#[cfg(unix)]
fn changed(meta: &std::fs::Metadata) -> [i64; 3] {
    use std::os::unix::fs::MetadataExt;
    [meta.ino() as i64, meta.ctime(), meta.ctime_nsec()]
}

#[cfg(not(unix))]
fn changed(_: &std::fs::Metadata) -> [i64; 3] {
    [0; 3]
}

/// [`read_layer_batches`] for a file already read whole (a database's
/// rows read with what its server measured): settled and handed over the
/// same way.
pub fn layer_batches_of(
    path: &Path,
    raw: RawFile,
    options: &ReadOptions,
    sink: &mut dyn FnMut(Layer) -> Result<(), Error>,
) -> Result<FileChoices, Error> {
    let mut survey = FileSurvey::default();
    survey.add(&raw);
    let settled = Settled::new(path, &survey, options)?;
    let mut duplicates = DuplicateIds::default();
    sink(settled.layer(raw, &mut duplicates))?;
    Ok(settled.choices(&survey))
}

/// What reading a file settled that its user may want otherwise: the id
/// and name fields among the file's fields, and the CRS it was read in.
#[derive(Debug, Clone)]
pub struct FileChoices {
    /// The file's attribute names: the first feature's in file order, then
    /// any other feature's, sorted.
    pub fields: Vec<String>,
    pub id_field: Option<String>,
    pub name_field: Option<String>,
    pub source_crs: Crs,
}

/// What a streaming reader gives back once it has handed over its batches.
pub enum Streamed {
    /// The batches went to the sink; this holds what the file says as a
    /// whole (its CRS, its CRS clue) and problems no position names.
    Batches(RawFile),
    /// The file was read whole (a format read in one piece, or one that
    /// needs the whole text to be explained); batches handed over before
    /// are void.
    Whole(RawFile),
}

/// Streams raw features in batches with the reader for the file's extension.
pub fn stream_raw(
    path: &Path,
    batch_features: usize,
    sink: &mut dyn FnMut(RawFile) -> Result<(), Error>,
) -> Result<Streamed, Error> {
    match extension(path).as_str() {
        "geojson" | "json" => geojson::stream(path, batch_features, sink),
        "shp" => shapefile::stream(path, batch_features, sink).map(Streamed::Batches),
        _ => read_raw(path).map(Streamed::Whole),
    }
}

/// What settling a file's CRS and fields needs to know of all its features.
#[derive(Debug, Default)]
struct FileSurvey {
    declared_crs: Option<Crs>,
    crs_clue: CrsClue,
    /// The bounds of every finite coordinate of the usable features: one NaN
    /// must not hide the extent of the rest (it is refused per feature later).
    bounds: Option<geo::Rect>,
    /// Attribute names of any feature, usable or not.
    fields: HashSet<String>,
    /// The attribute names of the last feature added.
    last_fields: Vec<String>,
    /// The first usable feature's attribute names, listed when a named field is missing.
    first_fields: Option<Vec<String>>,
}

impl FileSurvey {
    fn of_shapefile(shapefile: shapefile::Survey) -> FileSurvey {
        let any = |yes: bool| yes.then(|| shapefile.fields.clone());
        FileSurvey {
            declared_crs: shapefile.declared_crs,
            bounds: shapefile.bounds,
            first_fields: any(shapefile.usable > 0),
            fields: any(shapefile.features > 0)
                .unwrap_or_default()
                .into_iter()
                .collect(),
            ..FileSurvey::default()
        }
    }

    fn add(&mut self, raw: &RawFile) {
        use geo::CoordsIter;
        if raw.declared_crs.is_some() {
            self.declared_crs.clone_from(&raw.declared_crs);
        }
        if raw.crs_clue != CrsClue::Silent {
            self.crs_clue = raw.crs_clue.clone();
        }
        self.bounds = raw
            .features
            .iter()
            .flat_map(|f| f.geometry.coords_iter())
            .filter(|c| c.x.is_finite() && c.y.is_finite())
            .fold(self.bounds, |acc, c| {
                let point = geo::Rect::new(c, c);
                Some(acc.map_or(point, |r| union_rect(r, point)))
            });
        let attributes = raw
            .features
            .iter()
            .map(|f| &f.attributes)
            .chain(raw.rejected.iter().map(|r| &r.attributes));
        for attributes in attributes {
            // Features of a file mostly share their fields: compare before hashing.
            let keys = attributes.iter().map(|(k, _)| k);
            if keys.clone().eq(self.last_fields.iter()) {
                continue;
            }
            self.last_fields = keys.cloned().collect();
            self.fields.extend(self.last_fields.iter().cloned());
        }
        if self.first_fields.is_none() {
            self.first_fields = raw
                .features
                .first()
                .map(|f| f.attributes.iter().map(|(k, _)| k.clone()).collect());
        }
    }
}

/// A file's CRS, id and name fields once settled, turning raw features into
/// [`Feature`]s in the working CRS.
struct Settled<'a> {
    path: &'a Path,
    source_crs: Crs,
    crs_note: Option<String>,
    transformer: Transformer,
    id_field: Option<String>,
    name_field: Option<String>,
}

impl<'a> Settled<'a> {
    fn new(path: &'a Path, survey: &FileSurvey, options: &ReadOptions) -> Result<Self, Error> {
        let (source_crs, crs_note) = settle_crs(path, survey, options)?;
        Ok(Settled {
            path,
            transformer: Transformer::new(&source_crs, options.working_crs),
            source_crs,
            crs_note,
            id_field: pick_field(survey, options.id_field, options.id_candidates, path)?,
            name_field: pick_field(survey, options.name_field, options.name_candidates, path)?,
        })
    }

    fn choices(&self, survey: &FileSurvey) -> FileChoices {
        let mut fields = survey.first_fields.clone().unwrap_or_default();
        let mut others: Vec<&String> = survey
            .fields
            .iter()
            .filter(|f| !fields.contains(f))
            .collect();
        others.sort();
        fields.extend(others.into_iter().cloned());
        FileChoices {
            fields,
            id_field: self.id_field.clone(),
            name_field: self.name_field.clone(),
            source_crs: self.source_crs.clone(),
        }
    }

    /// Reprojects and cleans the features of `raw`, which becomes a layer
    /// (of the whole file or of one batch of it).
    fn layer(&self, raw: RawFile, duplicates: &mut DuplicateIds) -> Layer {
        let path = self.path;
        let outcomes: Vec<Result<Feature, Problem>> = raw
            .features
            .into_par_iter()
            .map(|rf| {
                let id = self.id(&rf.attributes, &rf.native_id, rf.index);
                let name = self
                    .name_field
                    .as_deref()
                    .and_then(|f| attribute(&rf.attributes, f))
                    .unwrap_or_default()
                    .to_string();
                let problem =
                    |message: String| Problem::feature(path, rf.index, Some(&id), message);
                let mut geometry = rf.geometry;
                self.transformer
                    .transform_geometry(&mut geometry)
                    .map_err(problem)?;
                let cleaned = clean(geometry).map_err(problem)?;
                let mut notes = rf.notes;
                notes.extend(self.crs_note.clone());
                notes.extend(cleaned.notes);
                Ok(Feature {
                    index: rf.index,
                    id,
                    name,
                    attributes: rf.attributes,
                    shape: cleaned.shape,
                    notes,
                })
            })
            .collect();

        let mut problems = raw.problems;
        problems.extend(raw.rejected.into_iter().map(|r| {
            let id = self.id(&r.attributes, &r.native_id, r.index);
            Problem::feature(path, r.index, Some(&id), r.message)
        }));
        let mut features = Vec::with_capacity(outcomes.len());
        for outcome in outcomes {
            match outcome {
                Ok(f) => features.push(f),
                Err(p) => problems.push(p),
            }
        }
        duplicates.note(&mut features);
        Layer {
            path: path.to_path_buf(),
            source_crs: self.source_crs.clone(),
            features,
            problems,
        }
    }

    fn id(
        &self,
        attributes: &[(String, String)],
        native_id: &Option<String>,
        index: usize,
    ) -> String {
        feature_id(self.id_field.as_deref(), attributes, native_id, index)
    }
}

/// The lower-case extension of a file name, the key to its format.
fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// A feature's id: its id field, else the format's own id, else its position.
fn feature_id(
    id_field: Option<&str>,
    attributes: &[(String, String)],
    native_id: &Option<String>,
    index: usize,
) -> String {
    id_field
        .and_then(|f| attribute(attributes, f))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .or_else(|| native_id.clone())
        .unwrap_or_else(|| index.to_string())
}

fn attribute<'a>(attributes: &'a [(String, String)], field: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(k, _)| k == field)
        .map(|(_, v)| v.as_str())
}

/// The field to use: the named one (which must exist), else the first
/// candidate any feature has.
fn pick_field(
    survey: &FileSurvey,
    named: Option<&str>,
    candidates: &[&str],
    path: &Path,
) -> Result<Option<String>, Error> {
    if let Some(field) = named {
        if survey.first_fields.is_none() || survey.fields.contains(field) {
            return Ok(Some(field.to_string()));
        }
        let available = survey.first_fields.clone().unwrap_or_default();
        return Err(Error::format(
            path,
            format!(
                "no field named {field:?}; the fields are: {}",
                available.join(", ")
            ),
        ));
    }
    Ok(candidates
        .iter()
        .find(|c| survey.fields.contains(**c))
        .map(|c| c.to_string()))
}

/// The file's CRS (see [`choose_crs`]), checked against its numbers: a
/// lon/lat CRS over numbers that are not lon/lat is refused, saying when
/// they are simply latitude first.
fn settle_crs(
    path: &Path,
    survey: &FileSurvey,
    options: &ReadOptions,
) -> Result<(Crs, Option<String>), Error> {
    let (crs, note) = choose_crs(path, survey, options)?;
    let bounds = survey.bounds;
    if let Some(b) = bounds.filter(|b| crs.is_geographic() && !looks_like_lonlat(b)) {
        let message = if looks_like_latlon(&b) {
            format!(
                "the coordinates are latitude first (the second number runs {:.4}..{:.4}, which no latitude can be, \
                 while the first runs {:.4}..{:.4}): longitude and latitude are swapped; \
                 write each position as [longitude, latitude] (RFC 7946), e.g. [106.3, 29.6]",
                b.min().y,
                b.max().y,
                b.min().x,
                b.max().x
            )
        } else {
            format!(
                "its CRS {crs} is longitude/latitude but the coordinates (x {:.1}..{:.1}, y {:.1}..{:.1}) are not; \
                 declare the CRS the coordinates are really in {}",
                b.min().x,
                b.max().x,
                b.min().y,
                b.max().y,
                options.crs_hint
            )
        };
        return Err(Error::crs(path, message));
    }
    Ok((crs, note))
}

/// The file's CRS: what it declares, else the fallback, else what its
/// header and numbers tell (with a note saying what was assumed), else
/// lon/lat when the coordinates can only be that. Anything else is refused:
/// an area computed in the wrong CRS is worse than no answer.
fn choose_crs(
    path: &Path,
    survey: &FileSurvey,
    options: &ReadOptions,
) -> Result<(Crs, Option<String>), Error> {
    if let Some(crs) = &survey.declared_crs {
        return Ok((crs.clone(), None));
    }
    let bounds = survey.bounds;
    if survey.crs_clue != CrsClue::Silent {
        if let Some(b) = bounds.filter(axes_look_swapped) {
            return Err(Error::crs(
                path,
                format!(
                    "the axes look swapped: the eastings ({:.2}..{:.2}) are the size of northings and the northings \
                     ({:.2}..{:.2}) the size of eastings. In a coordinate text file X is the northing (北) and Y the \
                     easting (东), as surveyors write them: swap the two coordinate columns and read it again",
                    b.min().x,
                    b.max().x,
                    b.min().y,
                    b.max().y
                ),
            ));
        }
    }
    if let Some(crs) = options.fallback_crs {
        return Ok((crs.clone(), None));
    }
    let wgs84 = || Crs::from_epsg(WGS84).map_err(|e| Error::crs(path, e));
    match (&survey.crs_clue, bounds) {
        (CrsClue::Header(hints), Some(b)) => {
            match infer_gauss_kruger(&b, hints, Some(options.plan_grid())) {
                Ok((code, why)) => {
                    let crs = Crs::from_epsg(code).map_err(|e| Error::crs(path, e))?;
                    let note = format!(
                        "坐标系推定 CRS assumed: {crs}, {why}; if wrong, declare it {}",
                        options.crs_hint
                    );
                    Ok((crs, Some(note)))
                }
                Err(why) => Err(Error::crs(
                    path,
                    format!("{why}; declare the CRS {}", options.crs_hint),
                )),
            }
        }
        (CrsClue::Drawing, Some(b)) => {
            let likely = match infer_gauss_kruger(&b, &GridHints::default(), Some(options.plan_grid())) {
                Ok((code, why)) => format!("From the coordinates it is likely EPSG:{code} ({why})"),
                Err(why) => format!("From the coordinates: {why}"),
            };
            Err(Error::crs(
                path,
                format!(
                    "a DXF drawing carries no coordinate system; declare it {}. {likely}",
                    options.crs_hint
                ),
            ))
        }
        (_, None) => wgs84().map(|c| (c, None)),
        (CrsClue::Silent, Some(b)) if looks_like_lonlat(&b) || looks_like_latlon(&b) => {
            wgs84().map(|c| (c, None))
        }
        (CrsClue::Silent, Some(b)) => Err(Error::crs(
            path,
            format!(
                "the file declares no CRS and its coordinates (x {:.1}..{:.1}, y {:.1}..{:.1}) are not longitude/latitude; \
                 declare the CRS {}",
                b.min().x,
                b.max().x,
                b.min().y,
                b.max().y,
                options.crs_hint
            ),
        )),
    }
}

/// Coordinates that are lon/lat only when read the other way round: the
/// second number beyond ±90 but within ±180, the first within ±90.
fn looks_like_latlon(bounds: &geo::Rect) -> bool {
    let swapped = geo::Rect::new(
        geo::coord! { x: bounds.min().y, y: bounds.min().x },
        geo::coord! { x: bounds.max().y, y: bounds.max().x },
    );
    looks_like_lonlat(&swapped) && !looks_like_lonlat(bounds)
}

/// Text whose encoding no file states: UTF-8 (a byte-order mark dropped)
/// when the bytes are valid UTF-8, else GBK, what Chinese Windows writes.
/// The same rule the shapefile reader falls back to.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => dbase::encoding_rs::GBK
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    }
}

/// How the note on a feature whose id another feature already has begins.
pub const DUPLICATE_ID_NOTE: &str = "编号重复 duplicate id";

/// Duplicate ids are screened all the same (nothing is lost) but each
/// carries a note, since a report row must point to exactly one parcel.
/// Kept across the batches of a streamed file.
#[derive(Debug, Default)]
struct DuplicateIds {
    first_seen: HashMap<String, usize>,
}

impl DuplicateIds {
    fn note(&mut self, features: &mut [Feature]) {
        for f in features.iter_mut() {
            match self.first_seen.get(&f.id) {
                Some(first) => f.notes.push(format!(
                    "{DUPLICATE_ID_NOTE}: feature {first} has the same id {:?}; give each feature a unique id",
                    f.id
                )),
                None => {
                    self.first_seen.insert(f.id.clone(), f.index);
                }
            }
        }
    }
}
