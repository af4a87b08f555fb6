//! The map figures: a parcel's section shows the parcel, the zones around it
//! in the plan's colours, the overlap hatched, river setback bands, the
//! shortest line to the water; the first page's overview shows the plan
//! area with every parcel in its verdict's colour. Both have a scale bar, a
//! north arrow, working-CRS coordinates on the frame and a legend — all
//! vector graphics, over the basemap when one is configured (its tiles
//! composed into one picture per map at print resolution, see
//! [`crate::basemap::compose`]).
//!
//! Zones are cut to a little more than the frame with exact rectangle
//! clipping (cheap, and keeps the PDF small) and then clipped by the frame,
//! so the cut never shows.

use geo::{
    BooleanOps, BoundingRect, Buffer, Coord, Intersects, LineString, MultiPolygon, Polygon, Rect,
};

use super::layout::{Color, Doc, Op, PathData, BLACK, CONTENT_W, MARGIN_X};
use crate::catalog::{LayerSpec, Rule};
use crate::clip::clip_polygon;
use crate::finding_shape::{overlap_shape, setback_line};
use crate::geometry::Shape;
use crate::index::ZoneIndex;
use crate::io::Feature;
use crate::plan::LoadedPlan;
use crate::report::meta::BasemapInReport;
use crate::report::water_distance;
use crate::screen::{ParcelResult, Screening, Verdict};
use crate::style::{verdict_rgb, LayerStyle};

/// How a layer is drawn.
#[derive(Debug, Clone, Copy)]
struct Style {
    fill: Color,
    opacity: f32,
    outline: Color,
    hatch: bool,
}

/// The layer's look from the shared map style, so the report's colours
/// are the viewer's: the catalog's `color`, hatched when it is a no-build zone.
fn style(spec: &LayerSpec) -> Style {
    let look = LayerStyle::for_layer(spec);
    let [r, g, b] = look.rgb;
    Style {
        fill: Color(r, g, b),
        // Paper needs a lighter wash than a screen to keep the text legible.
        opacity: look.fill_alpha as f32 / 255.0 * 0.7,
        outline: Color(r, g, b),
        hatch: look.hatch,
    }
}

const WATER_LINE: Color = Color(30, 100, 220);
const BAND: Color = Color(90, 150, 240);
const OVERLAP: Color = Color(150, 0, 0);
const SETBACK_LINE: Color = Color(200, 0, 160);
const BOUNDARY: Color = Color(80, 80, 80);

/// Page coordinates of working-CRS coordinates inside the frame.
struct Projector {
    extent: Rect,
    frame: (f32, f32, f32, f32),
    scale: f64,
}

impl Projector {
    /// A frame at the cursor, `frame_h` high, showing `min`..`max` grown by
    /// `margin` and shaped like the frame.
    fn fit(doc: &Doc, min: Coord, max: Coord, margin: f64, frame_h: f32) -> Projector {
        let label_w = 34.0;
        let frame = (MARGIN_X + label_w, doc.y, CONTENT_W - label_w, frame_h);
        let aspect = f64::from(frame.2 / frame.3);
        let mut w = max.x - min.x + 2.0 * margin;
        let mut h = max.y - min.y + 2.0 * margin;
        if w / h < aspect {
            w = h * aspect;
        } else {
            h = w / aspect;
        }
        let centre = Coord {
            x: (min.x + max.x) / 2.0,
            y: (min.y + max.y) / 2.0,
        };
        let extent = Rect::new(
            Coord {
                x: centre.x - w / 2.0,
                y: centre.y - h / 2.0,
            },
            Coord {
                x: centre.x + w / 2.0,
                y: centre.y + h / 2.0,
            },
        );
        Projector {
            extent,
            frame,
            scale: f64::from(frame.2) / w,
        }
    }

    /// A little more than the frame: what is cut to it is clipped by the
    /// frame, so the cut edges never show.
    fn cut(&self) -> Rect {
        let (w, h) = (self.extent.width(), self.extent.height());
        Rect::new(
            Coord {
                x: self.extent.min().x - w * 0.05,
                y: self.extent.min().y - h * 0.05,
            },
            Coord {
                x: self.extent.max().x + w * 0.05,
                y: self.extent.max().y + h * 0.05,
            },
        )
    }

    fn screen_from_working(&self, c: Coord) -> (f32, f32) {
        let (fx, fy, _, _) = self.frame;
        (
            fx + ((c.x - self.extent.min().x) * self.scale) as f32,
            fy + ((self.extent.max().y - c.y) * self.scale) as f32,
        )
    }

    fn ring(&self, ring: &LineString, closed: bool) -> (Vec<(f32, f32)>, bool) {
        (
            ring.0
                .iter()
                .map(|c| self.screen_from_working(*c))
                .collect(),
            closed,
        )
    }

    fn polygons(&self, polygons: &[Polygon]) -> PathData {
        let mut path = PathData::default();
        for p in polygons {
            path.parts.push(self.ring(p.exterior(), true));
            path.parts
                .extend(p.interiors().iter().map(|r| self.ring(r, true)));
        }
        path
    }
}

/// One legend entry: a swatch and its words.
enum Swatch {
    Area(Style),
    Overlap,
    Parcel,
    Line(Color, Option<f32>),
    Band(f32),
}

/// Draws the figure at the cursor, `frame_h` points high plus its legend.
pub fn map_figure(
    doc: &mut Doc,
    plan: &LoadedPlan,
    index: &ZoneIndex,
    parcel: &Feature,
    result: &ParcelResult,
    frame_h: f32,
    basemap: Option<&BasemapInReport>,
) {
    let Shape::Area(parcel_shape) = &parcel.shape else {
        return;
    };
    let Some(bounds) = parcel_shape.bounding_rect() else {
        return;
    };
    let setbacks: Vec<(geo::Line, f64)> = result
        .findings
        .iter()
        .filter_map(|f| {
            let line = setback_line(plan, index, parcel_shape, f.zone)?;
            Some((line, f.distance_m?))
        })
        .collect();

    // The extent: the parcel and the water it is measured to, with a margin,
    // shaped like the frame.
    let mut min = bounds.min();
    let mut max = bounds.max();
    for (line, _) in &setbacks {
        min = Coord {
            x: min.x.min(line.end.x),
            y: min.y.min(line.end.y),
        };
        max = Coord {
            x: max.x.max(line.end.x),
            y: max.y.max(line.end.y),
        };
    }
    let margin = ((max.x - min.x).max(max.y - min.y) * 0.35).max(80.0);
    let projector = Projector::fit(doc, min, max, margin, frame_h);
    let frame = projector.frame;
    let frame_path = open_frame(doc, &projector, basemap);
    let mut legend = draw_layers(doc, plan, &projector, true);

    // The overlaps, hatched, and the shortest lines to the water.
    let mut any_overlap = false;
    // A control unit's overlap is most often the whole parcel: not hatched.
    let zone_overlaps = result.findings.iter().filter(|f| {
        f.overlap_m2.is_some() && plan.catalog.layers[f.zone.layer].rule != Rule::Units
    });
    for finding in zone_overlaps {
        let shape = overlap_shape(index, parcel_shape, finding.zone);
        if shape.0.is_empty() {
            continue;
        }
        let path = projector.polygons(&shape.0);
        hatch(doc, &path, OVERLAP, 3.0, 0.6);
        doc.push(Op::Stroke {
            path,
            color: OVERLAP,
            width: 0.8,
            dash: None,
        });
        any_overlap = true;
    }
    doc.push(Op::Stroke {
        path: projector.polygons(&parcel_shape.0),
        color: BLACK,
        width: 1.6,
        dash: None,
    });
    for (line, distance) in &setbacks {
        let (a, b) = (
            projector.screen_from_working(line.start),
            projector.screen_from_working(line.end),
        );
        doc.push(Op::Stroke {
            path: PathData::line(a, b),
            color: SETBACK_LINE,
            width: 1.2,
            dash: Some(2.5),
        });
        let label = water_distance(*distance, false);
        let size = 7.0;
        let lw = doc.fonts.width(&label, size);
        let (mx, my) = ((a.0 + b.0) / 2.0 + 4.0, (a.1 + b.1) / 2.0 - 3.0);
        doc.push(Op::Fill {
            path: PathData::rect(mx - 1.0, my - size, lw + 2.0, size * 1.3),
            color: Color(255, 255, 255),
            opacity: 0.85,
        });
        doc.text(mx, my, size, SETBACK_LINE, &label);
    }
    close_frame(doc, &projector, frame_path, plan, basemap);

    legend.insert(0, (Swatch::Parcel, format!("地块 {}", parcel.id)));
    if any_overlap {
        legend.insert(1, (Swatch::Overlap, "重叠部分".to_string()));
    }
    if !setbacks.is_empty() {
        legend.push((
            Swatch::Line(SETBACK_LINE, Some(2.5)),
            "至水岸线最短距离".to_string(),
        ));
    }
    doc.y = frame.1 + frame.3 + 20.0;
    draw_legend(doc, &legend);
}

/// The plan's layers inside the frame: green areas below, prohibitions above
/// them, water on top; with the setback bands when `with_bands` (an
/// overview leaves them out: buffering a city's rivers costs seconds for
/// bands a hairline wide at that scale). The legend entries of the layers shown.
fn draw_layers(
    doc: &mut Doc,
    plan: &LoadedPlan,
    projector: &Projector,
    with_bands: bool,
) -> Vec<(Swatch, String)> {
    let cut = projector.cut();
    let mut legend: Vec<(Swatch, String)> = Vec::new();
    let order = |rule: Rule| match rule {
        Rule::Display | Rule::Units => 0,
        Rule::Restrict => 1,
        Rule::Prohibit => 2,
        Rule::Setback { .. } => 3,
    };
    let mut layers: Vec<usize> = (0..plan.catalog.layers.len()).collect();
    layers.sort_by_key(|&l| order(plan.catalog.layers[l].rule));
    for l in layers {
        let spec = &plan.catalog.layers[l];
        let look = style(spec);
        let setback = match spec.rule {
            Rule::Setback {
                conflict_m,
                review_m,
            } if with_bands => Some((conflict_m, review_m)),
            _ => None,
        };
        let mut shown = false;
        for feature in &plan.layers[l].features {
            if !feature
                .shape
                .bounding_rect()
                .is_some_and(|b| b.intersects(&cut))
            {
                continue;
            }
            match &feature.shape {
                Shape::Area(mp) => {
                    let parts: Vec<Polygon> =
                        mp.0.iter().filter_map(|p| clip_polygon(p, &cut)).collect();
                    if parts.is_empty() {
                        continue;
                    }
                    if let Some((conflict_m, review_m)) = setback {
                        let water = MultiPolygon::new(parts.clone());
                        bands(
                            doc,
                            projector,
                            &water.buffer(review_m),
                            &water.buffer(conflict_m),
                        );
                    }
                    area(doc, projector, &parts, look);
                    shown = true;
                }
                Shape::Lines(ml) => {
                    let lines = cut.to_polygon().clip(ml, false);
                    if lines.0.is_empty() {
                        continue;
                    }
                    if let Some((conflict_m, review_m)) = setback {
                        bands(
                            doc,
                            projector,
                            &lines.buffer(review_m),
                            &lines.buffer(conflict_m),
                        );
                    }
                    let mut path = PathData::default();
                    path.parts
                        .extend(lines.0.iter().map(|l| projector.ring(l, false)));
                    doc.push(Op::Stroke {
                        path,
                        color: WATER_LINE,
                        width: 1.6,
                        dash: None,
                    });
                    shown = true;
                }
            }
        }
        if shown {
            match (spec.rule, setback) {
                (Rule::Setback { .. }, Some((conflict_m, review_m))) => {
                    legend.push((
                        Swatch::Line(WATER_LINE, None),
                        format!("{}（水岸线）", spec.name),
                    ));
                    legend.push((Swatch::Band(0.4), format!("退距 {conflict_m:.0} m 以内")));
                    legend.push((Swatch::Band(0.15), format!("退距 {review_m:.0} m 以内")));
                }
                (Rule::Setback { .. }, None) => legend.push((
                    Swatch::Line(WATER_LINE, None),
                    format!("{}（水岸线）", spec.name),
                )),
                _ => legend.push((Swatch::Area(look), spec.name.clone())),
            }
        }
    }
    legend
}

/// Parcels the overview draws at most, the worst first: a district's
/// hundred thousand would make the first page megabytes of specks.
const MAX_OVERVIEW_PARCELS: usize = 2_000;

/// Up to this many parcels on the overview are labelled with their ids.
const MAX_LABELLED: usize = 60;

/// A parcel smaller than this on the overview (points) gets a marker.
const MIN_PARCEL_PT: f32 = 4.0;

/// The first page's overview, `frame_h` points high at the cursor: the plan
/// area, its layers and boundary, and every screened parcel in its
/// verdict's colour (labelled when few), so the reader sees the whole
/// before the details.
pub fn overview_figure(
    doc: &mut Doc,
    plan: &LoadedPlan,
    screening: &Screening,
    frame_h: f32,
    basemap: Option<&BasemapInReport>,
) {
    let Some(area) = plan.area() else {
        return;
    };
    let extent = area.extent();
    let margin = extent.width().max(extent.height()) * 0.03;
    let projector = Projector::fit(doc, extent.min(), extent.max(), margin, frame_h);
    let frame = projector.frame;
    let frame_path = open_frame(doc, &projector, basemap);
    let mut legend = draw_layers(doc, plan, &projector, false);
    if let Some(boundary) = &plan.boundary {
        for feature in &boundary.features {
            if let Shape::Area(mp) = &feature.shape {
                doc.push(Op::Stroke {
                    path: projector.polygons(&mp.0),
                    color: BOUNDARY,
                    width: 1.2,
                    dash: Some(4.0),
                });
            }
        }
        legend.push((Swatch::Line(BOUNDARY, Some(4.0)), "规划范围".to_string()));
    }
    let cut = projector.cut();
    let mut parcels: Vec<(&Feature, &ParcelResult)> = screening
        .screened()
        .filter(|(p, _)| p.shape.bounding_rect().is_some_and(|b| b.intersects(&cut)))
        .collect();
    let all = parcels.len();
    // Worst first, so those drawn when there are too many are the ones that matter.
    parcels.sort_by_key(|(_, r)| std::cmp::Reverse(r.verdict));
    parcels.truncate(MAX_OVERVIEW_PARCELS);
    let labelled = parcels.len() <= MAX_LABELLED;
    let mut verdicts: Vec<Verdict> = Vec::new();
    // The worst drawn last, on top.
    for (parcel, result) in parcels.iter().rev() {
        let Shape::Area(mp) = &parcel.shape else {
            continue;
        };
        let Some(bounds) = mp.bounding_rect() else {
            continue;
        };
        let [r, g, b] = verdict_rgb(result.verdict);
        let color = Color(r, g, b);
        let path = projector.polygons(&mp.0);
        doc.push(Op::Fill {
            path: path.clone(),
            color,
            opacity: 0.85,
        });
        doc.push(Op::Stroke {
            path,
            color: BLACK,
            width: 0.3,
            dash: None,
        });
        let (x, y) = projector.screen_from_working(bounds.center());
        let size_pt = (bounds.width().max(bounds.height()) * projector.scale) as f32;
        if size_pt < MIN_PARCEL_PT {
            let half = MIN_PARCEL_PT / 2.0;
            let marker = PathData::rect(x - half, y - half, 2.0 * half, 2.0 * half);
            doc.push(Op::Fill {
                path: marker.clone(),
                color,
                opacity: 1.0,
            });
            doc.push(Op::Stroke {
                path: marker,
                color: BLACK,
                width: 0.3,
                dash: None,
            });
        }
        if labelled {
            doc.text(x + 3.5, y + 2.0, 5.5, BLACK, &parcel.id);
        }
        if !verdicts.contains(&result.verdict) {
            verdicts.push(result.verdict);
        }
    }
    close_frame(doc, &projector, frame_path, plan, basemap);
    verdicts.sort_by_key(|v| std::cmp::Reverse(*v));
    let parcel_entries = verdicts.iter().map(|v| {
        let [r, g, b] = verdict_rgb(*v);
        let look = Style {
            fill: Color(r, g, b),
            opacity: 0.85,
            outline: BLACK,
            hatch: false,
        };
        (Swatch::Area(look), format!("地块：{}", v.label_zh()))
    });
    legend.splice(0..0, parcel_entries);
    doc.y = frame.1 + frame.3 + 20.0;
    if parcels.len() < all {
        doc.paragraph(
            &format!(
                "图中仅绘出结论最严重的 {} 个地块（共 {all} 个）；全部地块见筛查结果表。",
                parcels.len()
            ),
            7.5,
            BLACK,
            0.0,
        );
    }
    draw_legend(doc, &legend);
}

/// Print resolution of a map's basemap.
const BASEMAP_DPI: f32 = 150.0;

/// Begins drawing inside the frame (clipped to it), on the basemap when
/// one is configured and its tiles are at hand; the frame's outline.
fn open_frame(doc: &mut Doc, projector: &Projector, basemap: Option<&BasemapInReport>) -> PathData {
    let (x, y, w, h) = projector.frame;
    let frame_path = PathData::rect(x, y, w, h);
    doc.push(Op::Clip(frame_path.clone()));
    let Some(basemap) = basemap else {
        return frame_path;
    };
    let px = |points: f32| (points / 72.0 * BASEMAP_DPI).round().max(1.0) as u32;
    let composed = crate::basemap::compose::compose(
        &basemap.basemap,
        projector.extent,
        (px(w), px(h)),
        &basemap.projection,
        basemap.opacity,
        false,
    );
    if let Ok(Some(composed)) = composed {
        let mut jpeg = Vec::new();
        let encoded = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
            .encode_image(&composed.image);
        if encoded.is_ok() {
            doc.push(Op::Image {
                x,
                y,
                w,
                h,
                jpeg: std::sync::Arc::new(jpeg),
            });
        }
    }
    frame_path
}

/// Ends drawing inside the frame: the basemap's attribution, the frame's
/// border, the working-CRS coordinates on it, the scale bar and the north arrow.
fn close_frame(
    doc: &mut Doc,
    projector: &Projector,
    frame_path: PathData,
    plan: &LoadedPlan,
    basemap: Option<&BasemapInReport>,
) {
    if let Some(text) = basemap
        .map(|b| b.basemap.attribution.as_str())
        .filter(|t| !t.is_empty())
    {
        let size = 6.0;
        let (x, y, w, h) = projector.frame;
        let width = doc.fonts.width(text, size);
        let (tx, ty) = (x + w - width - 3.0, y + h - 3.0);
        doc.push(Op::Fill {
            path: PathData::rect(tx - 1.5, ty - size, width + 3.0, size * 1.35),
            color: Color(255, 255, 255),
            opacity: 0.8,
        });
        doc.text(tx, ty, size, Color(60, 60, 60), text);
    }
    doc.push(Op::Unclip);
    doc.push(Op::Stroke {
        path: frame_path,
        color: BLACK,
        width: 0.8,
        dash: None,
    });
    coordinates(doc, projector, &plan.catalog.working_crs.to_string());
    scale_bar(doc, projector);
    north_arrow(doc, projector.frame);
}

fn area(doc: &mut Doc, projector: &Projector, parts: &[Polygon], look: Style) {
    let path = projector.polygons(parts);
    doc.push(Op::Fill {
        path: path.clone(),
        color: look.fill,
        opacity: look.opacity,
    });
    if look.hatch {
        hatch(doc, &path, look.outline, 6.0, 0.4);
    }
    doc.push(Op::Stroke {
        path,
        color: look.outline,
        width: 0.9,
        dash: None,
    });
}

/// The review band (lighter) and the conflict band (darker) around water.
fn bands(doc: &mut Doc, projector: &Projector, review: &MultiPolygon, conflict: &MultiPolygon) {
    for (shape, opacity) in [(review, 0.15), (conflict, 0.3)] {
        doc.push(Op::Fill {
            path: projector.polygons(&shape.0),
            color: BAND,
            opacity,
        });
    }
}

/// Diagonal lines `spacing` points apart inside `path`.
fn hatch(doc: &mut Doc, path: &PathData, color: Color, spacing: f32, width: f32) {
    let points = path.parts.iter().flat_map(|(p, _)| p.iter());
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &(x, y) in points {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    if x0 > x1 {
        return;
    }
    let mut lines = PathData::default();
    // Lines x - y = c, aligned to the page so neighbouring hatches match.
    let mut c = ((x0 - y1) / spacing).floor() * spacing;
    while c <= x1 - y0 {
        lines.parts.push((vec![(c + y0, y0), (c + y1, y1)], false));
        c += spacing;
    }
    doc.push(Op::Clip(path.clone()));
    doc.push(Op::Stroke {
        path: lines,
        color,
        width,
        dash: None,
    });
    doc.push(Op::Unclip);
}

/// 1, 2 or 5 times a power of ten, at most `target`.
fn nice(target: f64) -> f64 {
    let power = 10f64.powf(target.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * power)
        .find(|v| *v <= target)
        .unwrap_or(power)
}

/// Ticks on all four sides; eastings labelled below, northings to the left.
fn coordinates(doc: &mut Doc, projector: &Projector, crs: &str) {
    let (fx, fy, fw, fh) = projector.frame;
    let extent = projector.extent;
    let step = nice(extent.width() / 4.0);
    let size = 6.0;
    let mut ticks = PathData::default();
    let mut e = (extent.min().x / step).ceil() * step;
    while e <= extent.max().x {
        let (x, _) = projector.screen_from_working(Coord {
            x: e,
            y: extent.min().y,
        });
        ticks
            .parts
            .push((vec![(x, fy + fh), (x, fy + fh + 3.0)], false));
        ticks.parts.push((vec![(x, fy), (x, fy - 3.0)], false));
        let label = format!("{e:.0}");
        let w = doc.fonts.width(&label, size);
        doc.text(x - w / 2.0, fy + fh + 3.0 + size * 1.1, size, BLACK, &label);
        e += step;
    }
    let mut n = (extent.min().y / step).ceil() * step;
    while n <= extent.max().y {
        let (_, y) = projector.screen_from_working(Coord {
            x: extent.min().x,
            y: n,
        });
        ticks.parts.push((vec![(fx, y), (fx - 3.0, y)], false));
        ticks
            .parts
            .push((vec![(fx + fw, y), (fx + fw + 3.0, y)], false));
        let label = format!("{n:.0}");
        let w = doc.fonts.width(&label, size);
        doc.text(fx - 4.0 - w, y + size * 0.35, size, BLACK, &label);
        n += step;
    }
    doc.push(Op::Stroke {
        path: ticks,
        color: BLACK,
        width: 0.5,
        dash: None,
    });
    let note = format!("坐标：{crs}（米）");
    let w = doc.fonts.width(&note, size);
    doc.text(fx + fw - w, fy + fh + 3.0 + size * 2.4, size, BLACK, &note);
}

fn scale_bar(doc: &mut Doc, projector: &Projector) {
    let (fx, fy, _, fh) = projector.frame;
    let metres = nice(projector.extent.width() / 4.0);
    let length = (metres * projector.scale) as f32;
    let (x, y) = (fx + 10.0, fy + fh - 14.0);
    let size = 6.5;
    let label = if metres >= 1000.0 {
        format!("{} km", metres / 1000.0)
    } else {
        format!("{metres} m")
    };
    let label_w = doc.fonts.width(&label, size);
    doc.push(Op::Fill {
        path: PathData::rect(x - 4.0, y - 12.0, length + label_w + 14.0, 20.0),
        color: Color(255, 255, 255),
        opacity: 0.85,
    });
    doc.push(Op::Fill {
        path: PathData::rect(x, y, length / 2.0, 3.0),
        color: BLACK,
        opacity: 1.0,
    });
    doc.push(Op::Stroke {
        path: PathData::rect(x, y, length, 3.0),
        color: BLACK,
        width: 0.5,
        dash: None,
    });
    doc.text(x - 1.5, y - 2.0, size, BLACK, "0");
    doc.text(x + length + 3.0, y + 3.5, size, BLACK, &label);
}

fn north_arrow(doc: &mut Doc, frame: (f32, f32, f32, f32)) {
    let (x, y) = (frame.0 + frame.2 - 18.0, frame.1 + 8.0);
    doc.push(Op::Fill {
        path: PathData::rect(x - 9.0, y - 2.0, 18.0, 34.0),
        color: Color(255, 255, 255),
        opacity: 0.85,
    });
    doc.text(x - 3.5, y + 7.5, 8.0, BLACK, "北");
    doc.push(Op::Fill {
        path: PathData {
            parts: vec![(
                vec![
                    (x, y + 10.0),
                    (x + 6.0, y + 29.0),
                    (x, y + 24.0),
                    (x - 6.0, y + 29.0),
                ],
                true,
            )],
        },
        color: BLACK,
        opacity: 1.0,
    });
}

fn draw_legend(doc: &mut Doc, entries: &[(Swatch, String)]) {
    let size = 7.0;
    let per_row = 3;
    let col_w = CONTENT_W / per_row as f32;
    let row_h = size * 1.9;
    for row in entries.chunks(per_row) {
        let label_lines: Vec<Vec<String>> = row
            .iter()
            .map(|(_, label)| doc.fonts.wrap(label, size, col_w - 24.0))
            .collect();
        let lines = label_lines.iter().map(Vec::len).max().unwrap_or(1) as f32;
        let h = row_h.max(lines * size * 1.35 + 4.0);
        doc.ensure(h);
        let top = doc.y;
        for (i, ((swatch, _), label)) in row.iter().zip(&label_lines).enumerate() {
            let x = MARGIN_X + i as f32 * col_w;
            let sw = PathData::rect(x, top + 1.0, 16.0, 8.0);
            match swatch {
                Swatch::Area(look) => {
                    doc.push(Op::Fill {
                        path: sw.clone(),
                        color: look.fill,
                        opacity: look.opacity,
                    });
                    if look.hatch {
                        hatch(doc, &sw, look.outline, 4.0, 0.4);
                    }
                    doc.push(Op::Stroke {
                        path: sw,
                        color: look.outline,
                        width: 0.8,
                        dash: None,
                    });
                }
                Swatch::Overlap => {
                    hatch(doc, &sw, OVERLAP, 2.5, 0.6);
                    doc.push(Op::Stroke {
                        path: sw,
                        color: OVERLAP,
                        width: 0.8,
                        dash: None,
                    });
                }
                Swatch::Parcel => doc.push(Op::Stroke {
                    path: sw,
                    color: BLACK,
                    width: 1.4,
                    dash: None,
                }),
                Swatch::Line(color, dash) => doc.push(Op::Stroke {
                    path: PathData::line((x, top + 5.0), (x + 16.0, top + 5.0)),
                    color: *color,
                    width: 1.4,
                    dash: *dash,
                }),
                Swatch::Band(opacity) => doc.push(Op::Fill {
                    path: sw,
                    color: BAND,
                    opacity: *opacity,
                }),
            }
            for (j, line) in label.iter().enumerate() {
                doc.text(
                    x + 21.0,
                    top + size + 1.0 + j as f32 * size * 1.35,
                    size,
                    BLACK,
                    line,
                );
            }
        }
        doc.y = top + h;
    }
}
