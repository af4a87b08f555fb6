//! The panels around the map: menus, layers, the results table, a parcel's
//! findings, identify and message windows, and the status bar. Each is a
//! function of the app's state.

use std::path::PathBuf;

use eframe::egui::{self, Color32, RichText, Sense, Vec2};

use crate::catalog::Rule;
use crate::io::Feature;
use crate::plan::LoadedPlan;
use crate::procedure::Outcome;
use crate::project::{Attribute, Project};
use crate::report::rows::{layer_accounts, LayerStatus};
use crate::report::{fixed, two_decimals, water_distance, AreaUnit};
use crate::screen::{natural_cmp, FindingVerdict, ParcelOutcome, ParcelResult, Verdict};
use crate::style::{verdict_rgb, SETBACK_CONFLICT_ALPHA, SETBACK_REVIEW_ALPHA, UNSCREENED_RGB};

use super::canvas::measure_text;
use super::dialogs::{
    export_form_ui, open_folder, operator_prompt_ui, pick, Picked, NO_OPEN_DIALOG,
};
use super::i18n::Lang;
use super::map::{fill_color, solid_color};
use super::parcels::verdict_color;
use super::{Export, ProjectEdit, RedlineApp, SortKey, Tool};
use crate::geometry::union_rect;

pub fn menu_bar_ui(app: &mut RedlineApp, ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    egui::Panel::top("menu").show(ui, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button(app.tr("文件", "File"), |ui| {
                if ui.button(app.tr("打开规划…", "Open plan…")).clicked() {
                    ui.close();
                    let filter = app.tr("规划目录 catalog.toml", "Plan catalog").to_string();
                    match pick(|| {
                        rfd::FileDialog::new()
                            .add_filter(filter, &["toml"])
                            .pick_file()
                    }) {
                        Picked::Chosen(catalog) => {
                            app.open_plan(&ctx, catalog);
                        }
                        Picked::Cancelled => {}
                        Picked::NoDialog => app.messages.push(NO_OPEN_DIALOG.to_string()),
                    }
                }
                if !app.recent_plans.is_empty() {
                    ui.menu_button(app.tr("最近打开的规划", "Recent plans"), |ui| {
                        for path in app.recent_plans.clone() {
                            if ui.button(path.display().to_string()).clicked() {
                                ui.close();
                                app.open_plan(&ctx, path);
                            }
                        }
                    });
                }
                ui.separator();
                if ui
                    .button(app.tr("打开地块文件…", "Open parcel files…"))
                    .clicked()
                {
                    ui.close();
                    let filter = app.tr("地块", "Parcels").to_string();
                    let dialog = || {
                        rfd::FileDialog::new()
                            .add_filter(filter, crate::io::READABLE_EXTENSIONS)
                            .pick_files()
                    };
                    match pick(dialog) {
                        Picked::Chosen(files) => app.open_parcels(&ctx, files),
                        Picked::Cancelled => {}
                        Picked::NoDialog => app.messages.push(NO_OPEN_DIALOG.to_string()),
                    }
                }
                ui.label(
                    RichText::new(app.tr("也可将文件拖入窗口", "or drop files onto the window"))
                        .weak(),
                );
                ui.horizontal(|ui| {
                    ui.label(app.tr("无坐标系文件的坐标系", "CRS for files without one"));
                    ui.add(
                        egui::TextEdit::singleline(&mut app.parcels_crs)
                            .hint_text("EPSG:4544")
                            .desired_width(90.0),
                    );
                });
                ui.separator();
                ui.horizontal(|ui| {
                    ui.label(app.tr("操作人", "Operator"));
                    let hint = app.tr("报告署名", "named on reports");
                    ui.add(
                        egui::TextEdit::singleline(&mut app.operator)
                            .hint_text(hint)
                            .desired_width(120.0),
                    );
                });
                ui.separator();
                if ui.button(app.tr("案卷…", "Case…")).clicked() {
                    ui.close();
                    app.case.shown = true;
                }
                for kind in Export::MENU {
                    let label = format!(
                        "{} {}…",
                        app.tr("导出", "Export"),
                        app.tr(kind.label_zh(), kind.label_en())
                    );
                    if ui.button(label).clicked() {
                        ui.close();
                        app.ask_export(&ctx, kind);
                    }
                }
            });
            ui.menu_button(app.tr("视图", "View"), |ui| {
                if ui.button(app.tr("底图…", "Basemap…")).clicked() {
                    ui.close();
                    app.basemap_form = Some(super::basemap_panel::BasemapForm::of(app));
                }
                if ui
                    .button(app.tr("缩放至规划范围", "Zoom to plan"))
                    .clicked()
                {
                    ui.close();
                    app.fit_to = app.plan.as_ref().map(|p| p.bounds);
                }
                ui.separator();
                ui.label(app.tr("面积单位（m² 之外）", "Area unit (beside m²)"));
                for unit in AreaUnit::ALL {
                    let label = match unit {
                        AreaUnit::SquareMetres => app.tr("仅 m²", "m² only"),
                        AreaUnit::Hectare => app.tr("公顷", "hectares"),
                        AreaUnit::Mu => app.tr("亩", "mu (亩)"),
                    };
                    ui.radio_value(&mut app.area_unit, unit, label);
                }
                ui.separator();
                ui.radio_value(&mut app.lang, Lang::Zh, "中文");
                ui.radio_value(&mut app.lang, Lang::En, "English");
            });
            ui.menu_button(app.tr("工具", "Tools"), |ui| {
                tool_choice_ui(app, ui);
            });
            ui.separator();
            tool_choice_ui(app, ui);
            if app.tool == Tool::Sketch {
                if ui.button(app.tr("完成地块", "Finish parcel")).clicked() {
                    app.finish_sketch();
                }
                if ui.button(app.tr("输入坐标…", "Type corners…")).clicked() {
                    app.show_sketch_text = true;
                }
            }
        });
    });
}

fn tool_choice_ui(app: &mut RedlineApp, ui: &mut egui::Ui) {
    let before = app.tool;
    let lang = app.lang;
    ui.selectable_value(&mut app.tool, Tool::Identify, lang.tr("识别", "Identify"));
    ui.selectable_value(
        &mut app.tool,
        Tool::Sketch,
        lang.tr("绘制地块", "Sketch parcel"),
    );
    ui.selectable_value(&mut app.tool, Tool::Measure, lang.tr("测量", "Measure"));
    if app.tool != before {
        app.sketch.clear();
    }
}

pub fn status_bar_ui(app: &mut RedlineApp, ui: &mut egui::Ui) {
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal(|ui| {
            if let Some(job) = app.jobs.first() {
                let label = app.tr(job.label_zh, job.label_en).to_string();
                match job.progress() {
                    Some(f) => {
                        ui.add(egui::ProgressBar::new(f).desired_width(220.0).text(label));
                    }
                    None => {
                        busy_mark(ui);
                        ui.label(label);
                    }
                }
                ui.separator();
            }
            if let (Some(plan), Some(pt)) = (&app.plan, app.cursor_working) {
                ui.monospace(format!(
                    "{}  E {:.2}  N {:.2}",
                    plan.plan.catalog.working_crs, pt.x, pt.y
                ));
                if let Some(lonlat) = plan
                    .to_lonlat
                    .as_ref()
                    .and_then(|t| t.transform_coord(pt).ok())
                {
                    ui.monospace(format!("  {:.6}°E {:.6}°N", lonlat.x, lonlat.y));
                }
            }
            if let Some(view) = &app.view {
                ui.separator();
                // At 96 dpi a screen point is 0.2646 mm.
                ui.monospace(format!("1:{:.0}", view.m_per_px / 0.000_264_6));
            }
            if app.tool == Tool::Measure && !app.sketch.is_empty() {
                ui.separator();
                ui.label(measure_text(app));
            }
            if let Some(problem) = &app.basemap_problem {
                ui.separator();
                ui.add(
                    egui::Label::new(RichText::new(problem).color(ui.visuals().warn_fg_color))
                        .truncate(),
                );
            }
        });
    });
}

/// A turning arc while work runs. egui's spinner asks for the next frame as
/// soon as one is drawn; under a software GL each such frame takes the
/// cores the loading needs (it made a city's parcels take seconds longer).
/// This one turns at the ten frames a second a busy app asks for.
fn busy_mark(ui: &mut egui::Ui) {
    let size = ui.style().spacing.interact_size.y;
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(size), Sense::hover());
    let radius = rect.height() * 0.5 - 2.0;
    let start = ui.input(|i| i.time) * std::f64::consts::TAU;
    let points: Vec<egui::Pos2> = (0..=16)
        .map(|i| {
            let (sin, cos) = (start + f64::from(i) / 16.0 * 4.2).sin_cos();
            rect.center() + radius * egui::vec2(cos as f32, sin as f32)
        })
        .collect();
    let color = ui.visuals().strong_text_color();
    ui.painter()
        .add(egui::Shape::line(points, egui::Stroke::new(3.0, color)));
}

fn rule_group(rule: Rule) -> usize {
    match rule {
        Rule::Prohibit => 0,
        Rule::Restrict => 1,
        Rule::Setback { .. } => 2,
        Rule::Units => 3,
        Rule::Display => 4,
    }
}

/// While the window changes size (its first frames come at whatever size
/// the window system gives, and an officer resizes it), a panel lets go of
/// its size and takes its default from the window again: the table follows
/// the window's height, the side panels keep their share of its width.
fn forget_size_on_resize(app: &RedlineApp, ui: &egui::Ui, panel: &str) {
    if app.window_resized {
        let id = ui.scope_id().with(panel);
        ui.ctx().data_mut(|d| d.remove::<egui::PanelState>(id));
    }
}

pub fn layers_ui(app: &mut RedlineApp, ui: &mut egui::Ui) {
    let width = ui.ctx().content_rect().width();
    forget_size_on_resize(app, ui, "layers");
    egui::Panel::left("layers")
        .resizable(true)
        .default_size((width * 0.2).clamp(280.0, 400.0))
        .size_range(220.0..=(width * 0.32).max(220.0))
        .show(ui, |ui| {
            // egui keeps a panel as wide as what it holds: truncated names
            // would let it shrink to its minimum.
            ui.set_min_width(ui.available_width());
            ui.heading(app.tr("图层", "Layers"));
            let Some(plan) = app.plan.clone() else {
                if app.plan_loading() {
                    busy_mark(ui);
                } else {
                    ui.label(app.tr(
                        "未加载规划：见消息窗口；从 文件 → 打开规划… 打开一个 catalog.toml",
                        "No plan loaded: see Messages; open a catalog.toml from File → Open plan…",
                    ));
                }
                return;
            };
            ui.label(RichText::new(&plan.plan.catalog.name).strong());
            ui.separator();
            egui::ScrollArea::vertical().show(ui, |ui| {
                parcels_row_ui(app, ui);
                let groups = [
                    ("禁止开发 prohibit", "Prohibit (禁止)"),
                    ("限制开发 restrict", "Restrict (限制)"),
                    ("退距 setback", "Setback (退距)"),
                    ("管控单元 units", "Control units (管控单元)"),
                    ("仅显示 display", "Display only (仅显示)"),
                ];
                for (group, (zh, en)) in groups.iter().enumerate() {
                    let members: Vec<usize> = app
                        .layer_order
                        .iter()
                        .copied()
                        .filter(|&i| rule_group(plan.plan.catalog.layers[i].rule) == group)
                        .collect();
                    if members.is_empty() {
                        continue;
                    }
                    ui.label(RichText::new(app.tr(zh, en)).small().weak());
                    for place in 0..members.len() {
                        layer_row_ui(app, ui, &plan, &members, place);
                    }
                    ui.add_space(6.0);
                }
                parcel_files_ui(app, ui);
            });
        });
}

/// The parcel files screened, each with the choices `redline screen` takes
/// as options: the id and name fields among the file's fields, and the CRS
/// of a file that declares none. Changed, they apply on screening again.
fn parcel_files_ui(app: &mut RedlineApp, ui: &mut egui::Ui) {
    if app.parcel_sources.is_empty() {
        return;
    }
    ui.separator();
    ui.label(RichText::new(app.tr("地块文件", "Parcel files")).strong());
    let auto = app.tr("自动", "auto").to_string();
    let labels = [
        app.tr("编号字段", "Id field").to_string(),
        app.tr("名称字段", "Name field").to_string(),
        app.tr("坐标系", "CRS").to_string(),
    ];
    for (i, loaded) in app.parcel_sources.iter_mut().enumerate() {
        let file_name = loaded
            .source
            .path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        ui.label(&file_name)
            .on_hover_text(loaded.source.path.display().to_string());
        egui::Grid::new(("parcel_file", i))
            .num_columns(2)
            .show(ui, |ui| {
                let choices = &loaded.choices;
                let fields = [
                    (&mut loaded.source.id_field, &choices.id_field),
                    (&mut loaded.source.name_field, &choices.name_field),
                ];
                for (k, (chosen, settled)) in fields.into_iter().enumerate() {
                    ui.label(&labels[k]);
                    let shown = match (&*chosen, settled) {
                        (Some(field), _) => field.clone(),
                        (None, Some(field)) => format!("{auto}: {field}"),
                        (None, None) => auto.clone(),
                    };
                    egui::ComboBox::from_id_salt(("parcel_field", i, k))
                        .selected_text(shown)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(chosen, None, &auto);
                            for field in &choices.fields {
                                ui.selectable_value(chosen, Some(field.clone()), field);
                            }
                        });
                    ui.end_row();
                }
                ui.label(&labels[2]);
                ui.add(
                    egui::TextEdit::singleline(&mut loaded.crs_text)
                        .hint_text(choices.source_crs.to_string())
                        .desired_width(120.0),
                );
                ui.end_row();
            });
    }
    let ctx = ui.ctx().clone();
    if ui
        .button(app.tr("按所选重新筛查", "Screen again with these"))
        .on_hover_text(app.tr(
            "坐标系仅用于未声明坐标系的文件（空白处显示读取时所用的坐标系），与命令行 --parcels-crs 相同",
            "the CRS applies to files that declare none (greyed: the CRS the file was read in), as --parcels-crs does",
        ))
        .clicked()
    {
        app.rescreen(&ctx);
    }
}

/// A swatch of a layer's or a verdict's colour: filled, or a line.
fn swatch(ui: &mut egui::Ui, rgb: [u8; 3], line: bool) {
    let (rect, _) = ui.allocate_exact_size(Vec2::new(18.0, 12.0), Sense::hover());
    if line {
        ui.painter().line_segment(
            [rect.left_center(), rect.right_center()],
            egui::Stroke::new(2.5, solid_color(rgb)),
        );
    } else {
        ui.painter().rect_filled(rect, 1.0, fill_color(rgb, 160));
        ui.painter().rect_stroke(
            rect,
            1.0,
            egui::Stroke::new(1.0, solid_color(rgb)),
            egui::StrokeKind::Inside,
        );
    }
}

/// The parcels as an entry of the layer list: shown or hidden, zoomed to,
/// with the legend of their verdict colours.
fn parcels_row_ui(app: &mut RedlineApp, ui: &mut egui::Ui) {
    if app.parcels.screening.outcomes.is_empty() {
        return;
    }
    ui.label(
        RichText::new(app.tr("地块 parcels", "Parcels (地块)"))
            .small()
            .weak(),
    );
    ui.horizontal(|ui| {
        swatch(ui, verdict_rgb(Verdict::Conflict), false);
        let show = app.tr("显示 地块", "show parcels").to_string();
        let shown = app.parcels_visible;
        ui.checkbox(&mut app.parcels_visible, "")
            .on_hover_text(&show)
            .widget_info(|| {
                egui::WidgetInfo::selected(egui::accesskit::Role::CheckBox, true, shown, &show)
            });
        ui.label(format!(
            "{} {}",
            app.tr("地块", "Parcels"),
            app.parcels.screening.outcomes.len()
        ));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .small_button(app.tr("缩放", "zoom"))
                .on_hover_text(app.tr("缩放至全部地块", "Zoom to all parcels"))
                .clicked()
            {
                app.fit_to = app.parcels_bounds();
            }
        });
    });
    // The legend: what each colour on the map says.
    ui.horizontal_wrapped(|ui| {
        ui.add_space(24.0);
        for verdict in Verdict::WORST_FIRST {
            if verdict == Verdict::Outside && app.parcels.counts.of(verdict) == 0 {
                continue;
            }
            swatch(ui, verdict_rgb(verdict), false);
            ui.label(RichText::new(app.lang.verdict(verdict)).small());
        }
        if app.parcels.counts.unscreened > 0 {
            swatch(ui, UNSCREENED_RGB, false);
            ui.label(RichText::new(app.tr("未筛查", "not screened")).small());
        }
    });
    ui.add_space(6.0);
}

/// Room for a layer row's ↑, ↓ and zoom buttons.
const LAYER_BUTTONS_W: f32 = 132.0;

/// A layer of the list: its swatch, shown or not, its name (a click
/// selects it; a double click zooms to it), its place among the layers of
/// its group, and what it holds. `members` is the group in drawing order.
fn layer_row_ui(
    app: &mut RedlineApp,
    ui: &mut egui::Ui,
    plan: &super::PlanData,
    members: &[usize],
    place: usize,
) {
    let layer_index = members[place];
    let spec = &plan.plan.catalog.layers[layer_index];
    let graphic = &plan.layers[layer_index];
    ui.horizontal(|ui| {
        swatch(ui, graphic.style.rgb, graphic.is_lines);
        let show = format!("{} {}", app.tr("显示", "show"), spec.name);
        if let Some(visible) = app.layer_visible.get_mut(layer_index) {
            let shown = *visible;
            // Named for screen readers (and tests): the name beside it is a
            // label of its own.
            ui.checkbox(visible, "")
                .on_hover_text(&show)
                .widget_info(|| {
                    egui::WidgetInfo::selected(egui::accesskit::Role::CheckBox, true, shown, &show)
                });
        }
        // The buttons keep their room; a long name is cut with "…".
        let room = (ui.available_width() - LAYER_BUTTONS_W).max(40.0);
        let selected = app.selected_layer == Some(layer_index);
        let mut text = RichText::new(&spec.name);
        if selected {
            text = text
                .strong()
                .background_color(ui.visuals().selection.bg_fill);
        }
        let name = ui
            .allocate_ui_with_layout(
                Vec2::new(room, ui.spacing().interact_size.y),
                egui::Layout::left_to_right(egui::Align::Center),
                |ui| {
                    ui.add(
                        egui::Label::new(text)
                            .truncate()
                            .selectable(false)
                            .sense(Sense::click()),
                    )
                },
            )
            .inner
            .on_hover_text(format!("{}\n{}", spec.id, spec.basis));
        if name.double_clicked() {
            zoom_to_layer(app, plan, layer_index);
        } else if name.clicked() {
            app.selected_layer = Some(layer_index);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui
                .small_button(app.tr("缩放", "zoom"))
                .on_hover_text(app.tr("缩放至图层", "Zoom to layer"))
                .clicked()
            {
                zoom_to_layer(app, plan, layer_index);
            }
            // Moves within its group only: a group is drawn as a whole.
            let swap = |app: &mut RedlineApp, other: usize| {
                let order = &mut app.layer_order;
                let at = |i: usize| order.iter().position(|&l| l == i);
                if let (Some(a), Some(b)) = (at(layer_index), at(other)) {
                    order.swap(a, b);
                }
            };
            let lower = members.get(place + 1).copied();
            if ui
                .add_enabled(lower.is_some(), egui::Button::new("↓").small())
                .on_hover_text(app.tr("下移", "Draw lower"))
                .clicked()
            {
                swap(app, lower.unwrap_or(layer_index));
            }
            let higher = place.checked_sub(1).map(|p| members[p]);
            if ui
                .add_enabled(higher.is_some(), egui::Button::new("↑").small())
                .on_hover_text(app.tr("上移", "Draw higher"))
                .clicked()
            {
                swap(app, higher.unwrap_or(layer_index));
            }
        });
    });
    let count = graphic.feature_count;
    let measure = match (graphic.is_lines, app.lang) {
        (true, Lang::Zh) => format!("{count} 条"),
        (true, Lang::En) => format!("{count} line{}", if count == 1 { "" } else { "s" }),
        // An empty layer's area (a database that did not answer) is 0.00,
        // never "-0.00".
        (false, Lang::Zh) => format!("{count} 个 · {} km²", fixed(graphic.area_km2, 2)),
        (false, Lang::En) => format!(
            "{count} feature{} · {} km²",
            if count == 1 { "" } else { "s" },
            fixed(graphic.area_km2, 2)
        ),
    };
    // On a line of its own, wrapped: never cut under the buttons.
    ui.horizontal_wrapped(|ui| {
        ui.add_space(24.0);
        ui.label(
            RichText::new(format!("{} · {}", app.lang.rule(spec.rule), measure))
                .small()
                .weak(),
        );
    });
    if let Rule::Setback {
        conflict_m,
        review_m,
    } = spec.rule
    {
        // The bands' legend: which band means what.
        ui.horizontal_wrapped(|ui| {
            ui.add_space(24.0);
            for (distance_m, verdict, alpha) in [
                (conflict_m, Verdict::Conflict, SETBACK_CONFLICT_ALPHA),
                (review_m, Verdict::Review, SETBACK_REVIEW_ALPHA),
            ] {
                let (rect, _) = ui.allocate_exact_size(Vec2::new(18.0, 12.0), Sense::hover());
                ui.painter().rect_filled(
                    rect,
                    1.0,
                    fill_color(graphic.style.rgb, alpha.saturating_mul(3)),
                );
                ui.label(
                    RichText::new(format!(
                        "{} m {}",
                        two_decimals(distance_m).trim_end_matches(".00"),
                        app.lang.verdict(verdict)
                    ))
                    .small(),
                );
            }
        });
    }
}

fn zoom_to_layer(app: &mut RedlineApp, plan: &super::PlanData, layer_index: usize) {
    app.fit_to = plan.plan.layers[layer_index]
        .features
        .iter()
        .filter_map(|f| f.shape.bounding_rect())
        .reduce(union_rect);
}

/// The parcel's worst finding in a few words, for the table.
fn worst_finding(app: &RedlineApp, outcome: &ParcelOutcome) -> String {
    let (Some(plan), ParcelOutcome::Screened { result, .. }) = (&app.plan, outcome) else {
        return String::new();
    };
    let worst = result
        .findings
        .iter()
        // Neither a boundary contact nor a unit whose clauses raise nothing.
        .filter(|f| f.verdict > FindingVerdict::Noted)
        // The first of the worst, in catalog order: the red line before the barriers.
        .rev()
        .max_by_key(|f| f.verdict);
    let Some(finding) = worst else {
        return String::new();
    };
    let layer = &plan.plan.catalog.layers[finding.zone.layer];
    let feature = &plan.plan.layers[finding.zone.layer].features[finding.zone.feature];
    let en = app.lang == Lang::En;
    // A unit's finding is its worst clause: what the officer must read.
    let clauses = &plan.plan.admission[finding.zone.layer];
    if let Some(m) = result
        .admission
        .iter()
        .filter(|m| m.unit == finding.zone)
        // The first of the worst: the higher level.
        .rev()
        .max_by_key(|m| m.verdict(&clauses[m.clause]))
    {
        let clause = &clauses[m.clause];
        return format!(
            "{} {} {}（{}·{}）",
            layer.name,
            feature.id,
            clause.id,
            clause.effect.label_zh(),
            clause.level.label_zh()
        );
    }
    match (finding.overlap_m2, finding.distance_m) {
        (Some(a), _) => format!("{} {} {} m²", layer.name, feature.id, two_decimals(a)),
        (None, Some(d)) => format!("{} {} {}", layer.name, feature.id, water_distance(d, en)),
        (None, None) => layer.name.clone(),
    }
}

fn outcome_id_name(outcome: &ParcelOutcome) -> (String, String) {
    match outcome {
        ParcelOutcome::Screened { parcel, .. } => (parcel.id.clone(), parcel.name.clone()),
        ParcelOutcome::Unscreened(problem) => (
            problem.id.clone().unwrap_or_else(|| problem.locator()),
            String::new(),
        ),
    }
}

fn outcome_verdict(outcome: &ParcelOutcome) -> Option<Verdict> {
    match outcome {
        ParcelOutcome::Screened { result, .. } => Some(result.verdict),
        ParcelOutcome::Unscreened(_) => None,
    }
}

/// Recomputes the table's rows only when the parcels or the table's settings change.
fn refresh_rows(app: &mut RedlineApp) {
    let key = (
        app.table.sort,
        app.table.descending,
        app.table.verdict_filter,
        app.table.search.clone(),
        app.parcels.generation,
    );
    if app.table.rows_key.as_ref() == Some(&key) {
        return;
    }
    let needle = app.table.search.trim().to_lowercase();
    let outcomes = &app.parcels.screening.outcomes;
    let mut rows: Vec<usize> = (0..outcomes.len())
        .filter(|&i| {
            app.table
                .verdict_filter
                .is_none_or(|wanted| outcome_verdict(&outcomes[i]) == wanted)
        })
        .filter(|&i| {
            if needle.is_empty() {
                return true;
            }
            let (id, name) = outcome_id_name(&outcomes[i]);
            id.to_lowercase().contains(&needle) || name.to_lowercase().contains(&needle)
        })
        .collect();
    let area = |i: usize| match &outcomes[i] {
        ParcelOutcome::Screened { result, .. } => result.area_m2,
        ParcelOutcome::Unscreened(_) => -1.0,
    };
    match app.table.sort {
        SortKey::Input => {}
        SortKey::Id => rows.sort_by(|&a, &b| {
            natural_cmp(
                &outcome_id_name(&outcomes[a]).0,
                &outcome_id_name(&outcomes[b]).0,
            )
        }),
        SortKey::Area => rows.sort_by(|&a, &b| area(a).total_cmp(&area(b))),
        // Worst first when ascending: that is what an officer looks for.
        SortKey::Verdict => rows.sort_by_key(|&i| std::cmp::Reverse(outcome_verdict(&outcomes[i]))),
    }
    if app.table.descending {
        rows.reverse();
    }
    app.table.rows = rows;
    app.table.rows_key = Some(key);
}

pub fn results_ui(app: &mut RedlineApp, ui: &mut egui::Ui) {
    // The table follows the window's height; the map keeps the larger part.
    let height = ui.ctx().content_rect().height();
    forget_size_on_resize(app, ui, "results");
    egui::Panel::bottom("results")
        .resizable(true)
        .default_size((height * 0.3).clamp(140.0, 480.0))
        .size_range(110.0..=(height * 0.6).max(110.0))
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading(app.tr("筛查结果", "Results"));
                let counts = app.parcels.counts;
                // 范围外 only when there is any: it is an error to fix, not a category.
                let mut tally: Vec<String> = Verdict::WORST_FIRST
                    .into_iter()
                    .filter(|v| *v != Verdict::Outside || counts.of(*v) > 0)
                    .map(|v| format!("{} {}", app.lang.verdict(v), counts.of(v)))
                    .collect();
                tally.push(format!(
                    "{} {}",
                    app.tr("未筛查", "not screened"),
                    counts.unscreened
                ));
                ui.label(tally.join(" · "));
                ui.separator();
                let all = app.tr("全部", "all").to_string();
                let label = |v: Option<Option<Verdict>>, lang: Lang| match v {
                    None => all.clone(),
                    Some(None) => lang.tr("未筛查", "not screened").to_string(),
                    Some(Some(v)) => lang.verdict(v).to_string(),
                };
                let lang = app.lang;
                // Labelled, so that a screen reader names it too.
                egui::ComboBox::new("verdict_filter", app.tr("按结论筛选", "by verdict"))
                    .selected_text(label(app.table.verdict_filter, lang))
                    .show_ui(ui, |ui| {
                        let choices = std::iter::once(None)
                            .chain(Verdict::WORST_FIRST.map(|v| Some(Some(v))))
                            .chain([Some(None)]);
                        for choice in choices {
                            ui.selectable_value(
                                &mut app.table.verdict_filter,
                                choice,
                                label(choice, lang),
                            );
                        }
                    });
                ui.add(
                    egui::TextEdit::singleline(&mut app.table.search)
                        .hint_text(lang.tr("搜索编号或名称", "search id or name"))
                        .desired_width(180.0),
                );
            });
            refresh_rows(app);
            // A filter that hides the selected parcel says so: the detail
            // and the map still show it.
            if let Some(selected) = app.selected {
                if !app.table.rows.contains(&selected) {
                    ui.label(
                        RichText::new(app.tr(
                            "所选地块被筛选条件隐藏",
                            "the selected parcel is hidden by the filter",
                        ))
                        .small()
                        .color(Color32::from_rgb(0xff, 0xa0, 0x00)),
                    );
                }
            }
            results_table(app, ui);
        });
}

/// The results table: columns the officer can widen, text cut with "…"
/// and shown whole on hover, rows drawn only where seen.
fn results_table(app: &mut RedlineApp, ui: &mut egui::Ui) {
    use egui_extras::{Column, TableBuilder};
    let en = app.lang == Lang::En;
    let headers = [
        (app.tr("地块编号", "Parcel id"), Some(SortKey::Id)),
        (app.tr("名称", "Name"), None),
        (app.tr("面积", "Area"), Some(SortKey::Area)),
        (app.tr("结论", "Verdict"), Some(SortKey::Verdict)),
        (app.tr("最重要的发现", "Worst finding"), None),
    ];
    let rows = app.table.rows.clone();
    let row_height = 20.0;
    let cell = |ui: &mut egui::Ui, text: RichText| {
        ui.add(egui::Label::new(text).truncate().selectable(false));
    };
    let mut clicked = None;
    let mut sort_by = None;
    // Wider than the panel (a small window), the table scrolls sideways
    // rather than cutting its last column.
    egui::ScrollArea::horizontal().show(ui, |ui| {
        let mut table = TableBuilder::new(ui)
            .id_salt("results_table")
            .striped(true)
            .resizable(true)
            .sense(egui::Sense::click())
            .auto_shrink([false, false])
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(120.0).at_least(60.0).clip(true))
            .column(Column::initial(200.0).at_least(60.0).clip(true))
            .column(Column::initial(200.0).at_least(70.0).clip(true))
            .column(Column::initial(90.0).at_least(50.0).clip(true))
            .column(Column::remainder().at_least(240.0).clip(true));
        // A parcel picked on the map or by --select is brought into view.
        if std::mem::take(&mut app.table.reveal_selected) {
            if let Some(row) = rows.iter().position(|&r| Some(r) == app.selected) {
                table = table.scroll_to_row(row, Some(egui::Align::Center));
            }
        }
        table
            .header(20.0, |mut header| {
                for (title, key) in &headers {
                    header.col(|ui| {
                        let marker = match key {
                            Some(k) if *k == app.table.sort && app.table.descending => " ↓",
                            Some(k) if *k == app.table.sort => " ↑",
                            _ => "",
                        };
                        let button =
                            egui::Button::new(RichText::new(format!("{title}{marker}")).strong())
                                .frame(false);
                        if ui.add(button).clicked() {
                            sort_by = *key;
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, rows.len(), |mut row| {
                    let outcome_index = rows[row.index()];
                    let outcome = &app.parcels.screening.outcomes[outcome_index];
                    let (id, name) = outcome_id_name(outcome);
                    let verdict = outcome_verdict(outcome);
                    row.set_selected(app.selected == Some(outcome_index));
                    let area = match outcome {
                        ParcelOutcome::Screened { result, .. } => {
                            app.area_unit.beside_m2(result.area_m2, en)
                        }
                        ParcelOutcome::Unscreened(_) => String::new(),
                    };
                    let verdict_text = match verdict {
                        Some(v) => app.lang.verdict(v),
                        None => app.tr("未筛查", "not screened"),
                    };
                    let worst = match outcome {
                        ParcelOutcome::Unscreened(problem) => problem.message.clone(),
                        _ => worst_finding(app, outcome),
                    };
                    row.col(|ui| cell(ui, RichText::new(id)));
                    row.col(|ui| cell(ui, RichText::new(name)));
                    row.col(|ui| cell(ui, RichText::new(area)));
                    row.col(|ui| {
                        cell(
                            ui,
                            RichText::new(verdict_text)
                                .color(verdict_color(verdict))
                                .strong(),
                        )
                    });
                    row.col(|ui| cell(ui, RichText::new(worst)));
                    if row.response().clicked() {
                        clicked = Some(outcome_index);
                    }
                });
            });
    });
    if let Some(key) = sort_by {
        if app.table.sort == key {
            app.table.descending = !app.table.descending;
        } else {
            app.table.sort = key;
            app.table.descending = false;
        }
    }
    if let Some(i) = clicked {
        app.select(Some(i));
        app.table.reveal_selected = false;
    }
}

pub fn detail_ui(app: &mut RedlineApp, ui: &mut egui::Ui) {
    // A fixed share of the window, whatever the selection holds: the map
    // must not jump when another parcel is picked.
    let width = ui.ctx().content_rect().width();
    forget_size_on_resize(app, ui, "detail");
    // Typed apart from the app the panel reads; applied once it is drawn.
    let mut edit = std::mem::take(&mut app.project_edit);
    let mut apply = None;
    egui::Panel::right("detail")
        .resizable(true)
        .default_size((width * 0.2).clamp(300.0, 480.0))
        .size_range(220.0..=(width * 0.34).max(220.0))
        .show(ui, |ui| {
            ui.set_min_width(ui.available_width());
            ui.heading(app.tr("地块详情", "Parcel detail"));
            let (Some(plan), Some(index)) = (app.plan.clone(), app.selected) else {
                ui.label(
                    RichText::new(app.tr(
                        "在结果表或地图上选择一个地块。",
                        "Select a parcel in the table or on the map.",
                    ))
                    .weak(),
                );
                return;
            };
            let Some(outcome) = app.parcels.screening.outcomes.get(index) else {
                return;
            };
            let ParcelOutcome::Screened { parcel, result } = outcome else {
                if let ParcelOutcome::Unscreened(problem) = outcome {
                    ui.label(
                        RichText::new(problem.to_string())
                            .color(Color32::from_rgb(0x8e, 0x24, 0xaa)),
                    );
                }
                return;
            };
            ui.label(
                RichText::new(format!("{} {}", parcel.id, parcel.name))
                    .strong()
                    .size(16.0),
            );
            ui.horizontal(|ui| {
                ui.label(format!(
                    "{} {}",
                    app.tr("面积", "Area"),
                    app.area_unit
                        .beside_m2(result.area_m2, app.lang == Lang::En)
                ));
                ui.label(
                    RichText::new(app.lang.verdict(result.verdict))
                        .color(verdict_color(Some(result.verdict)))
                        .strong()
                        .size(16.0),
                );
            });
            ui.separator();
            egui::ScrollArea::vertical().show(ui, |ui| {
                if result.findings.is_empty() {
                    ui.label(app.tr("未触及任何管控区。", "Touches no protected zone."));
                }
                // One block a finding, wrapped to the panel: a grid of
                // long zone names would widen the panel and move the map.
                let en = app.lang == Lang::En;
                for finding in &result.findings {
                    let spec = &plan.plan.catalog.layers[finding.zone.layer];
                    let feature =
                        &plan.plan.layers[finding.zone.layer].features[finding.zone.feature];
                    let (text, color) = match finding.verdict {
                        FindingVerdict::Conflict => (
                            app.lang.verdict(Verdict::Conflict),
                            verdict_color(Some(Verdict::Conflict)),
                        ),
                        FindingVerdict::Review => (
                            app.lang.verdict(Verdict::Review),
                            verdict_color(Some(Verdict::Review)),
                        ),
                        other => (app.tr(other.label_zh(), other.label_en()), Color32::GRAY),
                    };
                    let mut measure = vec![app.lang.rule(spec.rule).to_string()];
                    match (finding.overlap_m2, finding.distance_m) {
                        (Some(a), _) => {
                            measure.push(format!(
                                "{} m² ({}%)",
                                two_decimals(a),
                                two_decimals(result.overlap_pct(finding).unwrap_or(0.0))
                            ));
                            // How many 亩 of the red line, beside the m².
                            measure.extend(app.area_unit.amount(a, en));
                        }
                        (None, Some(d)) => measure.push(water_distance(d, en)),
                        (None, None) => {}
                    }
                    ui.add_space(4.0);
                    ui.horizontal_wrapped(|ui| {
                        ui.label(RichText::new(text).color(color).strong());
                        ui.label(RichText::new(&spec.name).strong());
                        ui.label(format!("{} {}", feature.id, feature.name));
                    });
                    ui.label(measure.join(" · "));
                    ui.separator();
                }
                // Every layer, checked: what the report's table states.
                let accounts = layer_accounts(&plan.plan, result);
                let concerned = accounts
                    .iter()
                    .filter(|a| a.status == LayerStatus::Concerned)
                    .count();
                egui::CollapsingHeader::new(format!(
                    "{} · {} {concerned} / {}",
                    app.tr("各图层核查情况", "Every layer checked"),
                    app.tr("涉及", "concerned"),
                    accounts.len()
                ))
                .id_salt("layer_accounts")
                .show(ui, |ui| {
                    for account in &accounts {
                        let spec = &plan.plan.catalog.layers[account.layer];
                        let status = match app.lang {
                            Lang::Zh => account.status.label_zh(),
                            Lang::En => account.status.keyword(),
                        };
                        ui.horizontal_wrapped(|ui| {
                            ui.label(RichText::new(status).strong());
                            ui.label(&spec.name);
                        });
                    }
                });
                let mut quoted: Vec<usize> = result.findings.iter().map(|f| f.zone.layer).collect();
                quoted.dedup();
                if !quoted.is_empty() {
                    ui.add_space(8.0);
                    ui.strong(app.tr("规划依据", "Plan clauses"));
                    for layer in quoted {
                        let spec = &plan.plan.catalog.layers[layer];
                        ui.label(format!("{}：{}", spec.name, spec.basis));
                    }
                }
                apply = project_ui(app, ui, &plan.plan, index, parcel, result, &mut edit);
                for note in result.notes_with(parcel) {
                    ui.add_space(6.0);
                    ui.label(RichText::new(note).color(Color32::from_rgb(0x8e, 0x24, 0xaa)));
                }
            });
        });
    app.project_edit = edit;
    if let Some((outcome, values)) = apply {
        app.set_project(outcome, &values);
    }
}

/// The admission clauses and procedures of the selected parcel, and its
/// project's attributes, which the officer may type (they are what the
/// clauses and procedures turn on). Returns what to apply, once asked.
fn project_ui(
    app: &RedlineApp,
    ui: &mut egui::Ui,
    plan: &LoadedPlan,
    outcome: usize,
    parcel: &Feature,
    result: &ParcelResult,
    edit: &mut ProjectEdit,
) -> Option<(usize, Vec<(Attribute, String)>)> {
    let has_units = plan.catalog.layers.iter().any(|l| l.rule == Rule::Units);
    if !has_units && plan.catalog.procedures.is_empty() {
        return None;
    }
    let effect_color = |verdict: FindingVerdict| match verdict {
        FindingVerdict::Conflict => verdict_color(Some(Verdict::Conflict)),
        FindingVerdict::Review => verdict_color(Some(Verdict::Review)),
        _ => Color32::GRAY,
    };
    if has_units {
        ui.add_space(8.0);
        ui.strong(app.tr("生态环境准入清单", "Admission list"));
        if result.admission.is_empty() {
            ui.label(app.tr(
                "所在管控单元无适用或待确认的条款。",
                "No clause of its units binds the project or is to confirm.",
            ));
        }
        for m in &result.admission {
            let clause = &plan.admission[m.unit.layer][m.clause];
            let unit = &plan.layers[m.unit.layer].features[m.unit.feature];
            ui.add_space(4.0);
            ui.horizontal_wrapped(|ui| {
                let effect = format!("{}·{}", clause.effect.label_zh(), clause.level.label_zh());
                ui.label(
                    RichText::new(effect)
                        .color(effect_color(m.verdict(clause)))
                        .strong(),
                );
                ui.label(RichText::new(&clause.id).strong());
                ui.label(app.tr(m.status.label_zh(), m.status.keyword()));
                ui.label(RichText::new(&unit.id).weak());
            });
            ui.label(&clause.text);
        }
    }
    if !result.procedures.is_empty() {
        ui.add_space(8.0);
        ui.strong(app.tr("审批程序", "Procedures"));
        for decided in &result.procedures {
            let color = match decided.outcome {
                Outcome::Applies => verdict_color(Some(Verdict::Clear)),
                Outcome::DoesNotApply => Color32::GRAY,
                Outcome::ToConfirm => verdict_color(Some(Verdict::Review)),
            };
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(&plan.catalog.procedures[decided.procedure].name).strong());
                ui.label(
                    RichText::new(app.tr(decided.outcome.label_zh(), decided.outcome.keyword()))
                        .color(color)
                        .strong(),
                );
            });
            ui.label(RichText::new(&decided.reason).weak());
        }
    }
    let fields = &plan.catalog.project_fields;
    let project = Project::of(parcel, fields, result.area_m2);
    let industry = project.industry().map_or_else(
        || app.tr("行业未知", "industry unknown").to_string(),
        ToString::to_string,
    );
    if edit.outcome != Some(outcome) {
        // The fields as the file has them: what the officer corrects.
        edit.outcome = Some(outcome);
        edit.values = Attribute::ALL
            .iter()
            .map(|a| {
                parcel
                    .attributes
                    .iter()
                    .find(|(name, _)| name == fields.field(*a))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            })
            .collect();
    }
    let mut apply = None;
    ui.add_space(8.0);
    egui::CollapsingHeader::new(format!("{} · {industry}", app.tr("项目情况", "Project")))
        .id_salt("project")
        .show(ui, |ui| {
            egui::Grid::new("project_grid")
                .num_columns(2)
                .show(ui, |ui| {
                    for (attribute, value) in Attribute::ALL.iter().zip(edit.values.iter_mut()) {
                        ui.label(app.tr(attribute.label_zh(), attribute.label_en()));
                        let hint = if *attribute == Attribute::LandTaken {
                            app.tr("默认按地块面积", "the parcel's area")
                        } else {
                            app.tr("未知", "unknown")
                        };
                        ui.add(
                            egui::TextEdit::singleline(value)
                                .hint_text(hint)
                                .desired_width(110.0),
                        );
                        ui.end_row();
                    }
                });
            if ui
                .button(app.tr("应用并重新判定", "Apply and judge again"))
                .clicked()
            {
                let values = Attribute::ALL
                    .iter()
                    .copied()
                    .zip(edit.values.iter().cloned())
                    .collect();
                apply = Some((outcome, values));
            }
        });
    apply
}

/// The windows over the map. Each opens in a corner of the map, where it
/// hides least of it (never over the table or the detail), can be moved,
/// and scrolls rather than growing over the map.
pub fn windows_ui(app: &mut RedlineApp, ctx: &egui::Context) {
    operator_prompt_ui(app, ctx);
    super::basemap_panel::basemap_window_ui(app, ctx);
    super::case_panel::case_window_ui(app, ctx);
    export_form_ui(app, ctx);
    let map = if app.map_rect.is_positive() {
        app.map_rect
    } else {
        ctx.content_rect()
    };
    let inset = Vec2::splat(10.0);
    let tall = (map.height() * 0.5).max(120.0);
    if !app.identified.is_empty() {
        let mut open = true;
        egui::Window::new(app.tr("识别", "Identify"))
            .open(&mut open)
            .pivot(egui::Align2::RIGHT_TOP)
            .default_pos(map.right_top() + Vec2::new(-inset.x - 40.0, inset.y))
            .default_width(300.0_f32.min(map.width() * 0.45))
            .show(ctx, |ui| {
                egui::ScrollArea::vertical()
                    .max_height(tall)
                    .show(ui, |ui| {
                        for (i, hit) in app.identified.iter().enumerate() {
                            ui.strong(&hit.title);
                            egui::Grid::new(("identify", i))
                                .striped(true)
                                .show(ui, |ui| {
                                    for (key, value) in &hit.attributes {
                                        ui.label(key);
                                        ui.label(value);
                                        ui.end_row();
                                    }
                                });
                            ui.separator();
                        }
                    });
            });
        if !open {
            app.identified.clear();
        }
    }
    if app.show_sketch_text {
        let mut open = true;
        egui::Window::new(app.tr("输入地块坐标", "Type parcel corners"))
            .open(&mut open)
            .pivot(egui::Align2::LEFT_TOP)
            .default_pos(map.left_top() + Vec2::new(inset.x, 40.0))
            .default_width(320.0)
            .show(ctx, |ui| {
                ui.label(app.tr(
                    "每行一个角点：x, y（工作坐标系，米）或 经度, 纬度",
                    "One corner per line: x, y (working CRS, metres) or lon, lat",
                ));
                ui.add(
                    egui::TextEdit::multiline(&mut app.sketch_text)
                        .desired_rows(8)
                        .code_editor(),
                );
                if ui
                    .button(app.tr("筛查此地块", "Screen this parcel"))
                    .clicked()
                {
                    app.sketch_from_text();
                }
            });
        app.show_sketch_text = open;
    }
    if !app.messages.is_empty() {
        let mut open = true;
        egui::Window::new(app.tr("消息", "Messages"))
            .open(&mut open)
            .pivot(egui::Align2::LEFT_BOTTOM)
            .default_pos(map.left_bottom() + Vec2::new(inset.x, -inset.y - 30.0))
            .default_width(460.0_f32.min(map.width() * 0.6).max(200.0))
            .show(ctx, |ui| {
                egui::ScrollArea::vertical()
                    .max_height(tall.min(200.0))
                    .show(ui, |ui| {
                        for message in &app.messages {
                            ui.label(message);
                        }
                    });
                ui.horizontal(|ui| {
                    if ui.button(app.tr("清除", "Clear")).clicked() {
                        app.messages.clear();
                    }
                    let folder = app.last_written.as_ref().and_then(|p| p.parent());
                    if let Some(folder) = folder.map(PathBuf::from) {
                        if ui
                            .button(app.tr("打开所在文件夹", "Open its folder"))
                            .clicked()
                        {
                            if let Err(e) = open_folder(&folder) {
                                app.messages.push(e);
                            }
                        }
                    }
                });
            });
        if !open {
            app.messages.clear();
        }
    }
}
