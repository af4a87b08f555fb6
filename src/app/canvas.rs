//! The map canvas of the window: pan, zoom, click tools, and drawing the
//! plan, the parcels by verdict and the selection on top.

use eframe::egui::{self, Color32, Key, Pos2, Sense, Shape as PaintShape, Stroke, Vec2};
use geo::{Area, Coord, Euclidean, Length, LineString, Polygon};

use crate::geometry::Shape;
use crate::report::water_distance;
use crate::screen::ParcelOutcome;

use super::gpu::GpuBatch;
use super::i18n::Lang;
use super::map::{draw_scale_and_north, Graphic, MapPainter, MapView};
use super::plan_raster::{Look, PlanRaster};
use super::raster::Painted;
use super::{Identified, RedlineApp, Tool};

/// How near a click must be to a line to hit it, in screen points.
const CLICK_TOLERANCE_PX: f64 = 5.0;

const PAPER: Color32 = Color32::from_rgb(0xf6, 0xf4, 0xee);
const INK: Color32 = Color32::from_rgb(0x30, 0x30, 0x30);
const SELECTION: Color32 = Color32::from_rgb(0x00, 0xe5, 0xff);
const TOOL_INK: Color32 = Color32::from_rgb(0x6a, 0x1b, 0x9a);
const OVERLAP_INK: Color32 = Color32::from_rgb(0x8b, 0x00, 0x00);
const SETBACK_INK: Color32 = Color32::from_rgb(0xc2, 0x18, 0x5b);

pub fn map_ui(app: &mut RedlineApp, ui: &mut egui::Ui) {
    let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
    let canvas = response.rect;
    app.map_rect = canvas;
    painter.rect_filled(canvas, 0.0, PAPER);
    let Some(plan) = app.plan.clone() else {
        let text = if app.is_busy() {
            app.tr("正在读取规划图层…", "Loading the plan's layers…")
        } else {
            app.tr(
                "规划未能打开，见下方消息。",
                "The plan could not be opened; see the messages below.",
            )
        };
        painter.text(
            canvas.center(),
            egui::Align2::CENTER_CENTER,
            text,
            egui::FontId::proportional(18.0),
            INK,
        );
        return;
    };
    let mut view = *app
        .view
        .get_or_insert_with(|| MapView::fitting(plan.bounds, canvas));
    if let Some(bounds) = app.fit_to.take() {
        view = MapView::fitting(bounds, canvas);
    }

    if response.dragged() {
        view.pan_by(response.drag_delta());
    }
    let hover = response.hover_pos();
    if let Some(pos) = hover {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            view.zoom_at(canvas, pos, (scroll as f64 / 200.0).exp());
        }
    }
    let typing = ui.ctx().memory(|m| m.focused().is_some());
    if !typing {
        let (zoom_in, zoom_out, finish, cancel) = ui.input(|i| {
            (
                i.key_pressed(Key::Plus) || i.key_pressed(Key::Equals),
                i.key_pressed(Key::Minus),
                i.key_pressed(Key::Enter),
                i.key_pressed(Key::Escape),
            )
        });
        if zoom_in {
            view.zoom_at(canvas, canvas.center(), 1.5);
        }
        if zoom_out {
            view.zoom_at(canvas, canvas.center(), 1.0 / 1.5);
        }
        if finish && app.tool == Tool::Sketch {
            app.finish_sketch();
        }
        if cancel {
            app.sketch.clear();
        }
    }
    app.cursor_working = hover.map(|p| view.working_from_screen(canvas, p));

    if response.double_clicked() && app.tool == Tool::Sketch {
        app.finish_sketch();
    } else if response.clicked() {
        if let Some(pos) = response.interact_pointer_pos() {
            let pt = view.working_from_screen(canvas, pos);
            match app.tool {
                Tool::Identify => identify(app, pt, CLICK_TOLERANCE_PX * view.m_per_px),
                Tool::Sketch | Tool::Measure => app.sketch.push(pt),
            }
        }
    }
    if let Some(bench) = &mut app.bench {
        if let Some(scripted) = bench.camera(plan.bounds, canvas) {
            view = scripted;
        }
    }
    app.view = Some(view);

    // Under everything: the basemap.
    if let Some(basemap) = &mut app.basemap {
        let opacity = app.basemap_settings.opacity;
        let said = basemap.paint(ui.ctx(), &painter, canvas, &view, opacity);
        if let Some(last) = said.last() {
            app.basemap_problem = Some(last.clone());
        }
        app.messages.extend(said);
    }
    let map = MapPainter::new(&painter, canvas, &view, &plan.frame);
    if let Some(boundary) = &plan.boundary {
        map.outline(
            &boundary.outlines,
            Stroke::new(1.5, Color32::from_gray(90)),
            true,
        );
    }
    let screen_from_local = map.screen_from_local();
    app.drawn_layers.clear();
    let shown: Vec<usize> = app
        .layer_order
        .iter()
        .rev()
        .copied()
        .filter(|&i| app.layer_visible.get(i).copied().unwrap_or(false) && i < plan.layers.len())
        .collect();
    // Zoomed out, the layers are drawn as images; else (and until the
    // images of a view are made) their meshes are drawn on the GPU.
    let look = Look::new(&plan, shown.clone(), ui.ctx().pixels_per_point());
    if app.plan_raster.as_ref().is_none_or(|r| *r.look() != look) {
        app.plan_raster = Some(PlanRaster::new(ui.ctx(), plan.clone(), look));
    }
    let imaged = app.plan_raster.as_mut().is_some_and(|raster| {
        raster.paint(
            &painter,
            screen_from_local,
            map.visible_local(),
            view.m_per_px,
        )
    });
    let mut to_refine = Vec::new();
    for layer_index in shown {
        let layer = &plan.layers[layer_index];
        if !map.is_visible(layer.bounds) {
            continue;
        }
        if !imaged {
            // Fills and outlines stay on the GPU; each layer's outline is drawn over its own fill.
            let mut fills = GpuBatch::new();
            if layer.ask_fine(view.m_per_px) {
                to_refine.push(layer_index);
            }
            layer.push_draws(&mut fills, view.m_per_px, map.visible_local());
            fills.paint(&painter, canvas, screen_from_local, &app.gpu);
        }
        app.drawn_layers
            .push(plan.plan.catalog.layers[layer_index].id.clone());
    }
    for layer_index in to_refine {
        app.refine_layer(ui.ctx(), plan.clone(), layer_index);
    }

    if app.parcels_visible {
        parcels_ui(app, &map, &view);
    }
    if let Some(graphic) = app
        .selected
        .and_then(|i| app.parcels.graphics.get(i))
        .and_then(|g| g.as_ref())
    {
        map.outline(&graphic.outlines, Stroke::new(5.0, Color32::BLACK), true);
        map.outline(&graphic.outlines, Stroke::new(2.5, SELECTION), true);
    }
    // What the officer must see at once: where exactly the parcel overlaps, and how far the water is.
    for overlap in &app.selection_overlaps {
        map.fill(&overlap.fill);
        if let Some(hatch) = &app.hatch {
            map.hatch(&overlap.fill, hatch, OVERLAP_INK);
        }
        map.outline(&overlap.outlines, Stroke::new(2.0, OVERLAP_INK), true);
    }
    for (from, to, distance_m) in &app.selection_setbacks {
        let a = view.screen_from_working(canvas, *from);
        let b = view.screen_from_working(canvas, *to);
        painter.line_segment([a, b], Stroke::new(2.5, SETBACK_INK));
        painter.circle_filled(b, 3.5, SETBACK_INK);
        // On a white tag: the length must stay readable over any zone colour.
        let galley = painter.layout_no_wrap(
            water_distance(*distance_m, app.lang == Lang::En),
            egui::FontId::proportional(15.0),
            SETBACK_INK,
        );
        let at = b + Vec2::new(-galley.size().x - 10.0, -galley.size().y / 2.0);
        tag(&painter, canvas, at, galley, SETBACK_INK);
    }
    for hit in &app.identified {
        if let Some(graphic) = &hit.graphic {
            map.outline(&graphic.outlines, Stroke::new(2.5, SELECTION), true);
        }
    }
    draw_tool_points(app, &map, &view, hover);
    draw_tool_hint(app, &painter, canvas);
    draw_scale_and_north(&painter, canvas, view.m_per_px, INK);
    if let Some(basemap) = &app.basemap {
        super::basemap::draw_attribution(&painter, canvas, &basemap.basemap.attribution);
    }
}

/// Below this size on screen (when few are in view) a parcel is drawn with
/// a round symbol of this diameter too.
const MIN_SYMBOL_PX: f32 = 9.0;

/// The box a symbol is drawn in (12 points: see the shader's `SYMBOL`).
const SYMBOL_BOX_PX: f32 = 12.0;

/// The ring around a symbol.
const SYMBOL_RING: Color32 = Color32::from_gray(30);

/// Parcels in view up to which those too small to see get a symbol, and
/// small ones their outlines.
const MAX_FEW_PARCELS: usize = 1_000;

/// Width of a parcel's outline, in points.
const PARCEL_OUTLINE_PX: f32 = 1.5;

/// Below this size on screen a parcel's outline only clutters the map.
const MIN_OUTLINED_PX: f64 = 6.0;

/// Below this size on screen a parcel is drawn as a dot of its colour, when
/// there is no image of the parcels for the scale.
const MIN_FILLED_PX: f64 = 2.0;

/// Up to this size on screen parcels are drawn as images, when there is one
/// for the scale, however few are in view (a few industrial parks of 50 000
/// vertices each are more than a city's small parcels); larger ones are
/// few in view and drawn as triangles, with smooth edges.
const MAX_IMAGED_PX: f64 = 24.0;

/// The parcels. A few pixels each: images of them per zoom band, outlines
/// included (their triangles and lines would cost the frame).
/// Else fills on the GPU, or dots, with their outlines stroked on the GPU
/// unless they are too small and many; when few are in view (found through
/// the R-tree), a symbol marks each too small to see.
fn parcels_ui(app: &mut RedlineApp, map: &MapPainter, view: &MapView) {
    let size_px = f64::from(app.parcels.typical_size_m) / view.m_per_px;
    let outlined = size_px >= MIN_OUTLINED_PX;
    let in_view = app
        .parcels
        .in_view(map.visible_local(), MAX_FEW_PARCELS + 1);
    let few = in_view.len() <= MAX_FEW_PARCELS;
    let painted = if size_px < MAX_IMAGED_PX {
        app.parcels.raster.paint(
            map.painter,
            map.screen_from_local(),
            map.visible_local(),
            view.m_per_px,
            outlined,
        )
    } else {
        Painted::No
    };
    if painted == Painted::Partly {
        // The tiles still to come are made in the next frames.
        map.painter.ctx().request_repaint();
    }
    let parcels = &app.parcels;
    let mut batch = GpuBatch::new().with_point_size(size_px.clamp(1.0, MIN_FILLED_PX) as f32);
    let shapes = if painted != Painted::No {
        &[][..]
    } else if size_px < MIN_FILLED_PX {
        &parcels.dot_batches[..]
    } else {
        &parcels.fill_batches[..]
    };
    for mesh in shapes {
        if map.is_visible(mesh.bounds) {
            batch.push(mesh);
        }
    }
    for dots in &app.parcel_preview {
        if map.is_visible(dots.bounds) {
            batch.push(dots);
        }
    }
    if painted == Painted::No && (outlined || few) {
        for outlines in &parcels.outline_batches {
            if map.is_visible(outlines.bounds) {
                batch.push_stroke(outlines, PARCEL_OUTLINE_PX);
            }
        }
    }
    batch.paint(map.painter, map.canvas, map.screen_from_local(), &app.gpu);
    if few {
        // At plan scale a parcel is a few pixels: a symbol of a legible
        // size shows where it is and what it is.
        let mut symbols = GpuBatch::new().with_point_size(SYMBOL_BOX_PX);
        let reach = (f64::from(SYMBOL_BOX_PX) * view.m_per_px) as f32;
        for mesh in &parcels.symbol_batches {
            if map.is_visible(mesh.bounds.expand(reach)) {
                symbols.push_symbols(mesh, MIN_SYMBOL_PX, SYMBOL_RING);
            }
        }
        symbols.paint(map.painter, map.canvas, map.screen_from_local(), &app.gpu);
    }
}

/// The corners clicked so far, and the rubber band to the cursor.
fn draw_tool_points(app: &RedlineApp, map: &MapPainter, view: &MapView, hover: Option<Pos2>) {
    if app.sketch.is_empty() || app.tool == Tool::Identify {
        return;
    }
    let mut points: Vec<Pos2> = app
        .sketch
        .iter()
        .map(|c| view.screen_from_working(map.canvas, *c))
        .collect();
    if let Some(h) = hover {
        points.push(h);
    }
    if app.tool == Tool::Sketch && points.len() >= 3 {
        map.painter.add(PaintShape::closed_line(
            points.clone(),
            Stroke::new(2.0, TOOL_INK),
        ));
    } else {
        map.painter
            .add(PaintShape::line(points.clone(), Stroke::new(2.0, TOOL_INK)));
    }
    for p in &points[..app.sketch.len()] {
        map.painter
            .circle(*p, 4.0, Color32::WHITE, Stroke::new(2.0, TOOL_INK));
    }
    if app.tool == Tool::Measure {
        if let Some(last) = points.last() {
            let galley = map.painter.layout_no_wrap(
                measure_text(app),
                egui::FontId::proportional(14.0),
                TOOL_INK,
            );
            let at = *last + Vec2::new(12.0, -12.0 - galley.size().y);
            tag(map.painter, map.canvas, at, galley, TOOL_INK);
        }
    }
}

/// What the sketch and measure tools do with clicks and keys, on the map
/// itself: an officer should not need the manual to finish a parcel.
fn draw_tool_hint(app: &RedlineApp, painter: &egui::Painter, canvas: egui::Rect) {
    let hint = match app.tool {
        Tool::Identify => return,
        Tool::Sketch => app.tr(
            "单击加点，回车或双击完成，Esc 清除",
            "Click to add corners; Enter or double-click to finish; Esc to clear",
        ),
        Tool::Measure => app.tr(
            "单击加点量长度，三点以上量面积，Esc 清除",
            "Click to add points; three or more give the area; Esc to clear",
        ),
    };
    let galley = painter.layout_no_wrap(hint.to_string(), egui::FontId::proportional(13.0), INK);
    let at = egui::pos2(
        canvas.center().x - galley.size().x / 2.0,
        canvas.top() + 10.0,
    );
    tag(painter, canvas, at, galley, INK);
}

/// Text on a white tag, moved inside the map where it would run off it:
/// a label must stay readable over any zone colour, and whole.
fn tag(
    painter: &egui::Painter,
    canvas: egui::Rect,
    at: Pos2,
    galley: std::sync::Arc<egui::Galley>,
    ink: Color32,
) {
    let margin = Vec2::splat(4.0);
    let size = galley.size();
    // A map narrower than the label shows its start.
    let min = canvas.min + margin;
    let at = at.clamp(min, (canvas.max - size - margin).max(min));
    painter.rect_filled(
        egui::Rect::from_min_size(at, size).expand(3.0),
        3.0,
        Color32::from_white_alpha(230),
    );
    painter.galley(at, galley, ink);
}

/// Length of the measured line and, from three points, the area it encloses.
pub fn measure_text(app: &RedlineApp) -> String {
    let mut points = app.sketch.clone();
    points.extend(app.cursor_working);
    let line = LineString::from(points);
    let length_m = Euclidean.length(&line);
    let length = if length_m >= 1_000.0 {
        format!("{:.3} km", length_m / 1_000.0)
    } else {
        format!("{length_m:.2} m")
    };
    let mut text = format!("{} {length}", app.tr("长度", "length"));
    if line.0.len() >= 3 {
        let area_m2 = Polygon::new(line, Vec::new()).unsigned_area();
        let area = if area_m2 >= 1e6 {
            format!("{:.3} km²", area_m2 / 1e6)
        } else {
            format!("{area_m2:.2} m²")
        };
        text.push_str(&format!("   {} {area}", app.tr("面积", "area")));
        if let Some(other) = app.area_unit.amount(area_m2, app.lang == Lang::En) {
            text.push_str(&format!("（{other}）"));
        }
    }
    text
}

/// A click with the identify tool: a parcel is selected; zone features under
/// the click show their attributes.
fn identify(app: &mut RedlineApp, pt: Coord, tolerance_m: f64) {
    let Some(plan) = app.plan.clone() else {
        return;
    };
    let parcel_hit = app
        .parcels
        .screening
        .outcomes
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, o)| match o {
            ParcelOutcome::Screened { parcel, .. } if parcel.shape.is_hit(pt, tolerance_m) => {
                Some(i)
            }
            _ => None,
        });
    if parcel_hit.is_some() {
        app.select(parcel_hit);
        // The officer is looking at the spot already: no jump.
        app.fit_to = None;
    }
    app.identified = plan
        .plan
        .features_at(pt, tolerance_m)
        .into_iter()
        .filter(|z| app.layer_visible.get(z.layer).copied().unwrap_or(false))
        .map(|z| {
            let spec = &plan.plan.catalog.layers[z.layer];
            let feature = &plan.plan.layers[z.layer].features[z.feature];
            let graphic = match &feature.shape {
                Shape::Area(mp) => Graphic::from_polygons(&plan.frame, mp, Color32::TRANSPARENT),
                Shape::Lines(ml) => Graphic::from_lines(&plan.frame, ml),
            };
            Identified {
                title: format!("{} · {} {}", spec.name, feature.id, feature.name),
                attributes: feature
                    .attributes
                    .iter()
                    .map(|(column, value)| (spec.field_name(column).to_string(), value.clone()))
                    .collect(),
                graphic: Some(graphic),
            }
        })
        .collect();
}
