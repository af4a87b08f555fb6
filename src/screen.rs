//! Screening: for each parcel, every protected feature it touches, by how
//! much, and the verdict that follows from the plan's rules.
//!
//! Overlap areas are exact overlays of the parcel with the zone pieces it
//! meets. A parcel whose box lies wholly inside or outside a piece needs
//! none ([`crate::clip::rect_lies`]). Otherwise both are clipped exactly to
//! the window their bounds share, and that window halved where both
//! boundaries cross it, so the overlay always works at a scale of metres,
//! whatever the size of the parcel or the zone ([`window_overlap`]); in a
//! window, a convex side clips the other by its edges
//! ([`crate::clip::area_within_convex`]), else geo's BooleanOps overlays
//! them. Setback distances are exact planar distances to the water-line
//! segments, not buffers.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use geo::{
    Area, BooleanOps, BoundingRect, Distance, Euclidean, Intersects, MultiPolygon, Polygon, Rect,
};
use rayon::prelude::*;

use crate::admission::{self, ClauseMatch};
use crate::catalog::Rule;
use crate::clip::{area_within_convex, clip_polygon, halves, rect_lies, split_polygon, Lies};
use crate::error::Problem;
use crate::geometry::Shape;
use crate::index::{ZoneIndex, ZoneRef};
use crate::indexed_area::IndexedArea;
use crate::io::{Feature, Layer};
use crate::plan::LoadedPlan;
use crate::plan_area::{Placement, PlanArea};
use crate::procedure::Decided;
use crate::project::Project;

/// Overlaps that print as 0.00 m² are boundary contact whatever the catalog's
/// `sliver_m2`: a "conflict" of 0.00 m² would only confuse the reader.
pub const MIN_REPORTED_OVERLAP_M2: f64 = 0.005;

/// A parcel's overall verdict; ordered so that the worst is the greatest.
/// Outside the plan area stands for a clear the plan cannot give (see
/// [`place_on_plan`]) and ranks worst: its coordinates are most likely
/// wrong, and a gate on conflicts must not pass it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    Clear,
    Review,
    Conflict,
    Outside,
}

impl Verdict {
    /// Every verdict, worst first: the order of counts in summaries.
    pub const WORST_FIRST: [Verdict; 4] = [
        Verdict::Outside,
        Verdict::Conflict,
        Verdict::Review,
        Verdict::Clear,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            Verdict::Clear => "clear",
            Verdict::Review => "review",
            Verdict::Conflict => "conflict",
            Verdict::Outside => "outside",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Verdict::Clear => "符合",
            Verdict::Review => "需论证",
            Verdict::Conflict => "不符合",
            Verdict::Outside => "范围外",
        }
    }
}

/// One finding's verdict: contact is reported but does not change the parcel's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingVerdict {
    Contact,
    /// Within a control unit whose admission clauses raise nothing.
    Noted,
    Review,
    Conflict,
}

impl FindingVerdict {
    pub fn keyword(self) -> &'static str {
        match self {
            FindingVerdict::Contact => "contact",
            FindingVerdict::Noted => "noted",
            FindingVerdict::Review => "review",
            FindingVerdict::Conflict => "conflict",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            FindingVerdict::Contact => "边界接触",
            FindingVerdict::Noted => "涉及",
            FindingVerdict::Review => "需论证",
            FindingVerdict::Conflict => "不符合",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FindingVerdict::Contact => "contact",
            FindingVerdict::Noted => "within",
            FindingVerdict::Review => "review",
            FindingVerdict::Conflict => "conflict",
        }
    }

    /// What the finding makes the parcel.
    pub fn parcel_verdict(self) -> Verdict {
        match self {
            FindingVerdict::Contact | FindingVerdict::Noted => Verdict::Clear,
            FindingVerdict::Review => Verdict::Review,
            FindingVerdict::Conflict => Verdict::Conflict,
        }
    }
}

/// One parcel × one zone feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub zone: ZoneRef,
    pub verdict: FindingVerdict,
    /// Exact overlap area (polygon layers).
    pub overlap_m2: Option<f64>,
    /// Planar distance to the water line (setback layers); 0 when touching.
    pub distance_m: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParcelResult {
    pub area_m2: f64,
    pub verdict: Verdict,
    /// Ordered by layer (catalog order), then feature id.
    pub findings: Vec<Finding>,
    /// The admission clauses of the units the parcel lies in that bind
    /// its project or may (see [`crate::admission::assess`]).
    pub admission: Vec<ClauseMatch>,
    /// Every procedure of the catalog, decided for the parcel's project.
    pub procedures: Vec<Decided>,
    /// What concluding the screening found wrong in the data
    /// ([`conclude`]): a project field that cannot be read, the placement.
    pub notes: Vec<String>,
    /// Admission clauses to confirm, and what the project must say.
    pub admission_note: Option<String>,
}

impl ParcelResult {
    /// Every note on a screened parcel: how it was read (repairs, CRS),
    /// then what its screening concluded.
    pub fn notes_with<'a>(&'a self, parcel: &'a Feature) -> impl Iterator<Item = &'a str> {
        self.data_notes_with(parcel)
            .chain(self.admission_note.as_deref())
    }

    /// The notes on the parcel's data: [`ParcelResult::notes_with`] but
    /// the admission's.
    pub fn data_notes_with<'a>(&'a self, parcel: &'a Feature) -> impl Iterator<Item = &'a str> {
        parcel.notes.iter().chain(&self.notes).map(String::as_str)
    }

    /// [`ParcelResult::notes_with`] in one line, as the tables write it.
    pub fn note_line(&self, parcel: &Feature) -> String {
        self.notes_with(parcel).collect::<Vec<_>>().join("; ")
    }

    pub fn overlap_pct(&self, finding: &Finding) -> Option<f64> {
        finding.overlap_m2.map(|a| {
            if self.area_m2 > 0.0 {
                a / self.area_m2 * 100.0
            } else {
                0.0
            }
        })
    }
}

/// A parcel of an input file: screened, or reported as unusable.
#[derive(Debug, Clone)]
pub enum ParcelOutcome {
    Screened {
        parcel: Feature,
        result: ParcelResult,
    },
    Unscreened(Problem),
}

/// The result of screening parcel files, parcels in input order.
#[derive(Debug, Clone, Default)]
pub struct Screening {
    pub outcomes: Vec<ParcelOutcome>,
}

impl Screening {
    pub fn screened(&self) -> impl Iterator<Item = (&Feature, &ParcelResult)> {
        self.outcomes.iter().filter_map(|o| match o {
            ParcelOutcome::Screened { parcel, result } => Some((parcel, result)),
            ParcelOutcome::Unscreened(_) => None,
        })
    }

    pub fn unscreened(&self) -> impl Iterator<Item = &Problem> {
        self.outcomes.iter().filter_map(|o| match o {
            ParcelOutcome::Unscreened(p) => Some(p),
            ParcelOutcome::Screened { .. } => None,
        })
    }

    pub fn count(&self, verdict: Verdict) -> usize {
        self.screened()
            .filter(|(_, r)| r.verdict == verdict)
            .count()
    }
}

/// The screening of one file, fed a batch (or the whole file) at a time
/// (by [`crate::pipeline`]).
pub(crate) struct FileScreening<'a> {
    plan: &'a LoadedPlan,
    index: &'a ZoneIndex,
    area: Option<&'a PlanArea>,
    path: PathBuf,
    /// Problems no position names: they follow the file's last parcel.
    trailing: Vec<Problem>,
    /// Any feature or problem came in.
    anything: bool,
    /// What a database server measured of each parcel, by position, when
    /// it screened them (`--in-database`); else the index measures.
    measured: Option<HashMap<usize, Measures>>,
}

impl<'a> FileScreening<'a> {
    pub(crate) fn new(
        plan: &'a LoadedPlan,
        index: &'a ZoneIndex,
        area: Option<&'a PlanArea>,
        path: &Path,
    ) -> Self {
        FileScreening {
            plan,
            index,
            area,
            path: path.to_path_buf(),
            trailing: Vec::new(),
            anything: false,
            measured: None,
        }
    }

    /// Screens with the measures a database server made of each parcel.
    pub(crate) fn with_measures(mut self, measured: HashMap<usize, Measures>) -> Self {
        self.measured = Some(measured);
        self
    }

    /// The outcomes of a batch's parcels and problems, in input order.
    pub(crate) fn batch(&mut self, batch: Layer, done: &AtomicUsize) -> Vec<ParcelOutcome> {
        let mut problems = batch.problems;
        self.anything |= !(batch.features.is_empty() && problems.is_empty());
        // A line has no area to screen: clear would be a wrong answer.
        let (parcels, lines): (Vec<Feature>, Vec<Feature>) = batch
            .features
            .into_iter()
            .partition(|f| matches!(f.shape, Shape::Area(_)));
        problems.extend(lines.into_iter().map(|f| {
            Problem::feature(
                &batch.path,
                f.index,
                Some(&f.id),
                "is a line, not a polygon; a parcel (用地红线) must be an area: close its boundary into a polygon",
            )
        }));
        let results = match &mut self.measured {
            Some(measured) => parcels
                .iter()
                .map(|parcel| {
                    let measures = measured.remove(&parcel.index).unwrap_or_default();
                    done.fetch_add(1, AtomicOrdering::Relaxed);
                    Ok(classify(self.plan, parcel.shape.area_m2(), measures))
                })
                .collect(),
            None => screen_parcels_counting(self.plan, self.index, &parcels, done),
        };
        let mut outcomes: Vec<(usize, ParcelOutcome)> = parcels
            .into_iter()
            .zip(results)
            .map(|(parcel, result)| {
                let index = parcel.index;
                let outcome = match result {
                    Ok(mut result) => {
                        conclude(self.plan, self.area, &parcel, &mut result);
                        ParcelOutcome::Screened { parcel, result }
                    }
                    Err(reason) => ParcelOutcome::Unscreened(Problem::feature(
                        &batch.path,
                        parcel.index,
                        Some(&parcel.id),
                        format!("could not be screened: redline failed on it ({reason}); the other parcels were screened; please report this with the file"),
                    )),
                };
                (index, outcome)
            })
            .collect();
        for problem in problems {
            match problem.index {
                Some(index) => outcomes.push((index, ParcelOutcome::Unscreened(problem))),
                None => self.trailing.push(problem),
            }
        }
        outcomes.sort_by_key(|(index, _)| *index);
        outcomes.into_iter().map(|(_, o)| o).collect()
    }

    /// The file's problems no position names, and a file without a feature.
    pub(crate) fn finish(self) -> Vec<ParcelOutcome> {
        let mut trailing = self.trailing;
        if !self.anything {
            trailing.push(Problem::file(
                &self.path,
                "the file holds no features, so no parcel was screened; check it is the right file and that the export kept its features",
            ));
        }
        trailing
            .into_iter()
            .map(ParcelOutcome::Unscreened)
            .collect()
    }
}

/// What follows a parcel's overlay: what its project is and what the plan
/// then asks of it (admission clauses, procedures), and where it lies on
/// the plan. What it finds to say goes to the result's notes (a project
/// field that cannot be read, clauses to confirm, the placement), so that a
/// parcel concluded again — its project edited in the viewer — starts clean.
pub fn conclude(
    plan: &LoadedPlan,
    area: Option<&PlanArea>,
    parcel: &Feature,
    result: &mut ParcelResult,
) {
    let project = Project::of(parcel, &plan.catalog.project_fields, result.area_m2);
    let to_confirm = admission::assess(plan, &project, result);
    result.procedures = plan
        .catalog
        .procedures
        .iter()
        .enumerate()
        .map(|(position, p)| p.decide(position, &project))
        .collect();
    result.notes = project.unreadable;
    result.admission_note = to_confirm;
    place_on_plan(area, parcel, result);
}

/// How the note on a parcel outside the plan area begins.
pub const OUTSIDE_NOTE: &str = "范围外";

/// Beyond this, a parcel outside the plan area is most likely in the wrong
/// CRS rather than a site just over the boundary, and its note says so.
const WRONG_CRS_M: f64 = 10_000.0;

/// Places a screened parcel on the plan. One wholly outside the plan area
/// that would be clear is [`Verdict::Outside`]: the plan cannot call clear
/// a place it does not cover. One that meets a zone there keeps the verdict
/// the zone gives (a city-wide layer reaches beyond a district's plan). Both
/// get a note saying how far outside they lie and what to check.
fn place_on_plan(area: Option<&PlanArea>, parcel: &Feature, result: &mut ParcelResult) {
    let (Some(area), Shape::Area(mp)) = (area, &parcel.shape) else {
        return;
    };
    let Placement::Outside { distance_m } = area.place(mp) else {
        return;
    };
    let (from_zh, from_en) = if area.has_boundary() {
        ("规划边界", "the plan boundary")
    } else {
        (
            "规划的全部管控要素（目录未给出规划范围）",
            "every zone of the plan (the catalog names no boundary)",
        )
    };
    let far = if distance_m >= 1_000.0 {
        format!("{:.1} km", distance_m / 1000.0)
    } else {
        format!("{distance_m:.0} m")
    };
    let (check_zh, check_en) = if distance_m > WRONG_CRS_M {
        (
            "多为坐标系有误：请核对文件的坐标系（.prj、\"crs\" 成员或 --parcels-crs）及坐标轴顺序",
            "wrong CRS? check the file's CRS (.prj, \"crs\" member or --parcels-crs) and its axis order",
        )
    } else if result.verdict == Verdict::Clear {
        (
            "规划对此处无从判定：请核对坐标，或按覆盖该处的规划筛查",
            "the plan says nothing of it: check its coordinates, or screen it against the plan that covers it",
        )
    } else {
        (
            "已按其触及的管控要素判定；请核对坐标",
            "screened against the zones it meets; check its coordinates",
        )
    };
    // The verdict's own words only where it is the verdict.
    let lead = if result.verdict == Verdict::Clear {
        result.verdict = Verdict::Outside;
        OUTSIDE_NOTE
    } else {
        "规划范围外"
    };
    // Chinese first, as everything an officer reads; the English for the
    // file's other readers.
    result.notes.push(format!(
        "{lead}：地块完全位于规划范围之外，距{from_zh} {far}；{check_zh}。outside the plan area: wholly outside, {far} from {from_en} — {check_en}"
    ));
}

/// Screens parcels against the plan, in parallel; results are in parcel order
/// and identical whatever the thread count. A parcel on which screening
/// failed (a bug: a panic) has the reason instead, and the others are
/// screened all the same.
pub fn screen_parcels(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    parcels: &[Feature],
) -> Vec<Result<ParcelResult, String>> {
    screen_parcels_counting(plan, index, parcels, &AtomicUsize::new(0))
}

fn screen_parcels_counting(
    plan: &LoadedPlan,
    index: &ZoneIndex,
    parcels: &[Feature],
    done: &AtomicUsize,
) -> Vec<Result<ParcelResult, String>> {
    parcels
        .par_iter()
        .map(|parcel| {
            let result = match &parcel.shape {
                Shape::Area(mp) => isolated(|| screen_parcel(plan, index, mp)),
                // Readers only hand over areas as parcels; a line has no area to screen.
                Shape::Lines(_) => Ok(ParcelResult {
                    area_m2: 0.0,
                    verdict: Verdict::Clear,
                    findings: Vec::new(),
                    admission: Vec::new(),
                    procedures: Vec::new(),
                    notes: Vec::new(),
                    admission_note: None,
                }),
            };
            done.fetch_add(1, AtomicOrdering::Relaxed);
            result
        })
        .collect()
}

/// Runs `work`, turning a panic in it into its message: one parcel that
/// trips a bug in the geometry code must not take the whole run (or the
/// viewer's job) down with it.
fn isolated<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "an unexpected failure".to_string())
    })
}

pub fn screen_parcel(plan: &LoadedPlan, index: &ZoneIndex, parcel: &MultiPolygon) -> ParcelResult {
    let area_m2 = parcel.unsigned_area();
    let Some(bounds) = parcel.bounding_rect() else {
        return classify(plan, area_m2, Measures::default());
    };
    let rule_of = |zone: ZoneRef| plan.catalog.layers[zone.layer].rule;
    let zone_shape = |zone: ZoneRef| &plan.layers[zone.layer].features[zone.feature].shape;
    let large =
        IndexedArea::is_large(parcel, area_m2, &bounds).then(|| IndexedArea::new(parcel.clone()));
    let touches_zone = |zone: ZoneRef| match (&large, zone_shape(zone)) {
        (Some(large), shape) => large.intersects(shape),
        (None, Shape::Area(mp)) => parcel.intersects(mp),
        (None, Shape::Lines(ml)) => parcel.intersects(ml),
    };
    // The parcel whole, or its pieces when it is large: the overlaps add up.
    let pieces = large
        .iter()
        .flat_map(|l| l.pieces.iter().map(|(p, b)| (p, b, None)));
    let parts = large
        .is_none()
        .then_some((parcel, &bounds, Some(area_m2)))
        .into_iter()
        .chain(pieces);

    // Overlap per zone feature, summed over the pieces the parcel's bounds
    // meet, with the pieces the parcel may touch.
    let mut overlaps: BTreeMap<ZoneRef, (f64, Vec<&Polygon>)> = BTreeMap::new();
    let mut inside_setback_zone: BTreeMap<ZoneRef, bool> = BTreeMap::new();
    for (part, part_bounds, mut part_area) in parts {
        for piece in index.pieces_near(part_bounds) {
            match rule_of(piece.zone) {
                Rule::Prohibit | Rule::Restrict | Rule::Units => {
                    let entry = overlaps.entry(piece.zone).or_insert((0.0, Vec::new()));
                    match rect_lies(&piece.polygon, part_bounds) {
                        // A large parcel's part is measured once, for the
                        // first zone that holds it.
                        Lies::Inside => {
                            entry.0 += *part_area.get_or_insert_with(|| part.unsigned_area());
                        }
                        Lies::Outside => {}
                        Lies::Across => {
                            entry.0 += overlap_in_common_window(
                                part,
                                part_bounds,
                                &piece.polygon,
                                &piece.bounds,
                            );
                            entry.1.push(&piece.polygon);
                        }
                    }
                }
                Rule::Setback { .. } => {
                    inside_setback_zone.entry(piece.zone).or_insert(false);
                }
                Rule::Display => {}
            }
        }
    }

    let mut measures = Measures::default();
    for (zone, (overlap_m2, pieces)) in overlaps {
        // Pieces are cheap to test; the original confirms (see crate::clip).
        // A parcel whose box lies outside every piece near it touches none.
        let touched = || {
            !pieces.is_empty()
                && (large.is_some() || pieces.iter().any(|p| parcel.intersects(*p)))
                && touches_zone(zone)
        };
        if overlap_m2 > 0.0 || touched() {
            measures.overlaps.insert(zone, overlap_m2);
        }
    }

    // Setbacks: the exact distance to every water line within reach.
    if index.max_setback_m > 0.0 {
        let mut nearest: BTreeMap<ZoneRef, f64> = BTreeMap::new();
        // Near each piece of a large parcel, not its whole box: a corridor
        // 50 km long on the diagonal has a box of 1 000 km².
        let mut near: Vec<usize> = match &large {
            Some(large) => large
                .pieces
                .iter()
                .flat_map(|(_, b)| index.segment_ids_near(b, index.max_setback_m))
                .collect(),
            None => index
                .segment_ids_near(&bounds, index.max_setback_m)
                .collect(),
        };
        near.sort_unstable();
        near.dedup();
        for segment in near.into_iter().map(|i| &index.segments[i]) {
            let d = match &large {
                Some(large) => large
                    .distance_within(&segment.line, index.max_setback_m)
                    .unwrap_or(f64::INFINITY),
                None => parcel
                    .0
                    .iter()
                    .map(|p| Euclidean.distance(&segment.line, p))
                    .fold(f64::INFINITY, f64::min),
            };
            let best = nearest.entry(segment.zone).or_insert(f64::INFINITY);
            *best = best.min(d);
        }
        // A parcel inside a water surface touches none of its rings.
        for zone in inside_setback_zone.into_keys() {
            if touches_zone(zone) {
                nearest.insert(zone, 0.0);
            }
        }
        measures.distances = nearest;
    }
    classify(plan, area_m2, measures)
}

/// What the overlay measured of one parcel: every area zone it meets, with
/// the overlap (0 m² where it only touches), and the distance to every
/// setback zone within reach. The screening here measures it with the zone
/// index; `--in-database` has PostGIS measure it on the server.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Measures {
    pub overlaps: BTreeMap<ZoneRef, f64>,
    pub distances: BTreeMap<ZoneRef, f64>,
}

/// The plan's rules applied to what was measured: each zone's finding, the
/// parcel's verdict (the worst), findings in catalog order then by id.
pub fn classify(plan: &LoadedPlan, area_m2: f64, measures: Measures) -> ParcelResult {
    let rule_of = |zone: ZoneRef| plan.catalog.layers[zone.layer].rule;
    let threshold = plan.catalog.sliver_m2.max(MIN_REPORTED_OVERLAP_M2);
    let mut findings = Vec::new();
    for (zone, overlap_m2) in measures.overlaps {
        let verdict = if overlap_m2 > threshold {
            match rule_of(zone) {
                Rule::Prohibit => FindingVerdict::Conflict,
                // Lying in a unit is not itself a finding: its clauses decide.
                Rule::Units => FindingVerdict::Noted,
                _ => FindingVerdict::Review,
            }
        } else {
            FindingVerdict::Contact
        };
        findings.push(Finding {
            zone,
            verdict,
            overlap_m2: Some(overlap_m2),
            distance_m: None,
        });
    }
    for (zone, distance_m) in measures.distances {
        let Rule::Setback {
            conflict_m,
            review_m,
        } = rule_of(zone)
        else {
            continue;
        };
        let verdict = if distance_m < conflict_m {
            FindingVerdict::Conflict
        } else if distance_m < review_m {
            FindingVerdict::Review
        } else {
            continue;
        };
        findings.push(Finding {
            zone,
            verdict,
            overlap_m2: None,
            distance_m: Some(distance_m),
        });
    }

    findings.sort_by(|a, b| {
        a.zone.layer.cmp(&b.zone.layer).then_with(|| {
            let id = |f: &Finding| {
                plan.layers[f.zone.layer].features[f.zone.feature]
                    .id
                    .as_str()
            };
            natural_cmp(id(a), id(b))
        })
    });
    let verdict = findings
        .iter()
        .map(|f| f.verdict.parcel_verdict())
        .max()
        .unwrap_or(Verdict::Clear);
    ParcelResult {
        area_m2,
        verdict,
        findings,
        admission: Vec::new(),
        procedures: Vec::new(),
        notes: Vec::new(),
        admission_note: None,
    }
}

/// The exact area of `parcel` ∩ `zone_piece` (see [`window_overlap`]).
fn overlap_in_common_window(
    parcel: &MultiPolygon,
    parcel_bounds: &Rect,
    zone_piece: &Polygon,
    piece_bounds: &Rect,
) -> f64 {
    window_overlap(parcel, parcel_bounds, zone_piece, piece_bounds).map_or(0.0, |w| w.area())
}

/// The overlay engine snaps to an integer grid scaled to the extent of its
/// inputs (~2^-29 of it), so it only ever runs in windows this size or
/// smaller: every overlap stays well inside 0.01 m² of the exact value.
pub const MAX_OVERLAY_WINDOW_M: f64 = 256.0;

/// `parcel` ∩ `zone_piece`, worked out in the window their bounds share.
/// Both are clipped exactly to it; where one of them fills a window the
/// overlap there is the other's part, whose area the shoelace formula gives
/// exactly; where both boundaries run through a window wider than
/// [`MAX_OVERLAY_WINDOW_M`], it is halved and each half worked out alike.
/// So the work follows the vertices near where the two boundaries meet,
/// never the area they cover. `None` when the two cannot overlap.
pub(crate) fn window_overlap(
    parcel: &MultiPolygon,
    parcel_bounds: &Rect,
    zone_piece: &Polygon,
    piece_bounds: &Rect,
) -> Option<WindowOverlap> {
    let (a, b) = (parcel_bounds, piece_bounds);
    let min = geo::coord! { x: a.min().x.max(b.min().x), y: a.min().y.max(b.min().y) };
    let max = geo::coord! { x: a.max().x.min(b.max().x), y: a.max().y.min(b.max().y) };
    if min.x >= max.x || min.y >= max.y {
        return None;
    }
    let window = Rect::new(min, max);
    let mut cells = Vec::new();
    overlap_cells(
        clip_all(&parcel.0, &window),
        clip_all(std::slice::from_ref(zone_piece), &window),
        window,
        0,
        &mut cells,
    );
    (!cells.is_empty()).then_some(WindowOverlap { cells })
}

/// The parts of `polygons` inside `window` (see [`crate::clip`]).
fn clip_all(polygons: &[Polygon], window: &Rect) -> Vec<Polygon> {
    polygons
        .iter()
        .filter_map(|p| clip_polygon(p, window))
        .collect()
}

/// The overlap of a parcel's and a zone's parts lying in `window`.
fn overlap_cells(
    parcel_part: Vec<Polygon>,
    zone_part: Vec<Polygon>,
    window: Rect,
    depth: usize,
    cells: &mut Vec<Cell>,
) {
    if parcel_part.is_empty() || zone_part.is_empty() {
        return;
    }
    let (parcel_part, zone_part) = (MultiPolygon::new(parcel_part), MultiPolygon::new(zone_part));
    let full = window.width() * window.height() * (1.0 - 1e-12);
    let overlap = if zone_part.unsigned_area() >= full {
        Overlap::Part(parcel_part)
    } else if parcel_part.unsigned_area() >= full {
        Overlap::Part(zone_part)
    } else if window.width().max(window.height()) <= MAX_OVERLAY_WINDOW_M || depth >= 40 {
        // Depth bounds the halving for degenerate inputs: 2^-20 of a
        // 256 km window is a quarter of a metre wide.
        Overlap::Overlay {
            parcel_part,
            zone_part,
        }
    } else {
        let (windows, cut) = halves(&window);
        let split = |parts: &MultiPolygon| {
            let mut sides: [Vec<Polygon>; 2] = Default::default();
            for [low, high] in parts.0.iter().map(|p| split_polygon(p, cut)) {
                sides[0].extend(low);
                sides[1].extend(high);
            }
            sides
        };
        let (parcel_sides, zone_sides) = (split(&parcel_part), split(&zone_part));
        for ((parcel_side, zone_side), half) in
            parcel_sides.into_iter().zip(zone_sides).zip(windows)
        {
            overlap_cells(parcel_side, zone_side, half, depth + 1, cells);
        }
        return;
    };
    cells.push(Cell { window, overlap });
}

/// The overlap of a parcel and a zone piece, window by window.
pub(crate) struct WindowOverlap {
    cells: Vec<Cell>,
}

struct Cell {
    window: Rect,
    overlap: Overlap,
}

enum Overlap {
    /// One side fills the window: the overlap is the other side's part.
    Part(MultiPolygon),
    /// Both sides are partial: the overlay decides.
    Overlay {
        parcel_part: MultiPolygon,
        zone_part: MultiPolygon,
    },
}

impl WindowOverlap {
    pub(crate) fn area(&self) -> f64 {
        self.cells
            .iter()
            .map(|cell| match &cell.overlap {
                Overlap::Part(part) => part.unsigned_area(),
                Overlap::Overlay {
                    parcel_part,
                    zone_part,
                } => area_within_convex(zone_part, parcel_part)
                    .or_else(|| area_within_convex(parcel_part, zone_part))
                    .unwrap_or_else(|| parcel_part.intersection(zone_part).unsigned_area()),
            })
            .sum()
    }

    /// The overlap as OGC-valid polygons, one set per window (they meet only
    /// along the windows' edges). A clipped part may carry zero-width bridges
    /// along its window's edges (see [`crate::clip`]); passing it through the
    /// overlay with the window removes them.
    pub(crate) fn shapes(&self) -> impl Iterator<Item = MultiPolygon> + '_ {
        self.cells.iter().map(|cell| match &cell.overlap {
            Overlap::Part(part) => part.intersection(&cell.window.to_polygon()),
            Overlap::Overlay {
                parcel_part,
                zone_part,
            } => parcel_part.intersection(zone_part),
        })
    }
}

/// Orders ids as people do: "Z-9" before "Z-10".
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let take = |it: &mut std::iter::Peekable<std::str::Chars>| {
                    let mut s = String::new();
                    while let Some(c) = it.peek().copied().filter(char::is_ascii_digit) {
                        s.push(c);
                        it.next();
                    }
                    s
                };
                let (m, n) = (take(&mut x), take(&mut y));
                let (m_trim, n_trim) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                let order = m_trim
                    .len()
                    .cmp(&n_trim.len())
                    .then_with(|| m_trim.cmp(n_trim));
                if order != Ordering::Equal {
                    return order;
                }
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(&d);
                }
                x.next();
                y.next();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_as_people_read_them() {
        let mut ids = vec!["Z-10", "Z-9", "Z-009a", "A", "Z-1"];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(ids, vec!["A", "Z-1", "Z-9", "Z-009a", "Z-10"]);
    }

    #[test]
    fn a_failure_on_one_parcel_is_its_reason_not_the_end_of_the_run() {
        let failed: Result<(), String> = isolated(|| panic!("overlay lost its way at (1, 2)"));
        assert_eq!(failed, Err("overlay lost its way at (1, 2)".to_string()));
        let failed: Result<(), String> = isolated(|| panic!("{} segments", 3));
        assert_eq!(failed, Err("3 segments".to_string()));
        assert_eq!(isolated(|| 42), Ok(42));
    }

    #[test]
    fn the_worst_finding_decides() {
        assert!(Verdict::Conflict > Verdict::Review && Verdict::Review > Verdict::Clear);
        assert_eq!(FindingVerdict::Contact.parcel_verdict(), Verdict::Clear);
    }
}
