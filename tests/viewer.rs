//! The viewer driven as an officer would, with egui's own test harness and no
//! display: open the sample plan and parcels, pick a conflict parcel, read its
//! findings, hide a layer, switch the language.
#![cfg(feature = "viewer")]

mod common;

use common::pdf_text;
use common::tiles::{sample_tiles, write_mbtiles};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use redline::app::dialogs::ExportForm;
use redline::app::{Export, RedlineApp, ViewOptions};
use redline::project::Attribute;
use redline::report::meta::ReportTime;
use redline::screen::ParcelOutcome;

fn sample_viewer() -> Harness<'static, RedlineApp> {
    viewer_on(vec![
        "layers/parcels/parcels.geojson".into(),
        "layers/parcels/survey_parcels.shp".into(),
    ])
}

fn viewer_on(parcels: Vec<std::path::PathBuf>) -> Harness<'static, RedlineApp> {
    viewer_recording(
        parcels,
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-cases.sqlite"),
    )
}

/// The sample plan in the viewer with `parcels` screened, recorded in `db`.
fn viewer_recording(
    parcels: Vec<std::path::PathBuf>,
    db: std::path::PathBuf,
) -> Harness<'static, RedlineApp> {
    let mut harness = Harness::builder()
        .with_size([1440.0, 900.0])
        .build_eframe(|cc| {
            RedlineApp::new(
                cc,
                ViewOptions {
                    catalog: "layers/catalog.toml".into(),
                    parcels,
                    db: Some(db),
                    ..ViewOptions::default()
                },
            )
        });
    let ctx = harness.ctx.clone();
    // Plan first, then the parcels it queues.
    harness.state_mut().wait_for_jobs(&ctx);
    harness.state_mut().wait_for_jobs(&ctx);
    harness.run_steps(3);
    harness
}

/// Whether any text on screen contains `text`.
fn shows(harness: &Harness<'_, RedlineApp>, text: &str) -> bool {
    harness.query_all_by_label_contains(text).next().is_some()
}

#[test]
fn the_maps_refinement_never_holds_up_a_screening() {
    let mut harness = viewer_on(vec!["layers/parcels/parcels.geojson".into()]);
    let ctx = harness.ctx.clone();
    let plan = harness.state().plan.clone().unwrap();
    let screened = harness.state().parcels.screening.screened().count();
    let app = harness.state_mut();
    // Every layer's fine levels asked for, as a zoom to street scale does:
    // a loaded machine took seconds over them, and screening again (from
    // the case window too) was refused meanwhile.
    for layer in 0..plan.layers.len() {
        app.refine_layer(&ctx, plan.clone(), layer);
    }
    assert!(!app.is_busy());
    app.rescreen(&ctx);
    assert!(app.is_busy(), "the screening runs");
    app.wait_for_jobs(&ctx);
    assert!(!app.messages.iter().any(|m| m.contains("仍有任务在运行")));
    assert_eq!(app.parcels.screening.screened().count(), screened);
}

#[test]
fn a_screening_in_the_viewer_is_recorded_in_the_case_record() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cases.sqlite");
    let harness = viewer_recording(
        vec![
            "layers/parcels/parcels.geojson".into(),
            "layers/parcels/survey_parcels.shp".into(),
        ],
        db.clone(),
    );
    let screened = harness.state().parcels.screening.screened().count();
    let record = redline::record::CaseDb::open(&db).unwrap();
    let screenings = record.screenings(None).unwrap();
    assert_eq!(screenings.len(), 1);
    let screening = &screenings[0];
    assert_eq!(screening.body.source, "查看器 viewer");
    assert!(screening
        .body
        .inputs
        .iter()
        .any(|i| i.path.ends_with("survey_parcels.dbf") && i.sha256.len() == 64));
    let parcels = record.parcels_of(screening.entry.seq).unwrap();
    assert_eq!(parcels.len(), screened);
    let conflicts = parcels
        .iter()
        .filter(|p| p.body.verdict == "conflict")
        .count();
    assert_eq!(screening.body.counts["conflict"], conflicts);
    assert!(record.verify().unwrap().intact());
}

#[test]
fn a_case_opened_decided_and_screened_again_in_the_case_window() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cases.sqlite");
    let mut harness = viewer_recording(vec!["layers/parcels/parcels.geojson".into()], db.clone());
    {
        let app = harness.state_mut();
        app.operator = "李四".to_string();
        app.case.shown = true;
        app.case.number = "渝高新环审〔2026〕12号".to_string();
        app.case.name = "西永微电园三期".to_string();
    }
    harness.run_steps(2);
    harness.get_by_label("开立案卷").click();
    harness.run_steps(2);
    let record = redline::record::CaseDb::open(&db).unwrap();
    let case = record.case("渝高新环审〔2026〕12号").unwrap().unwrap();
    assert_eq!(
        case.body.parcel_files,
        vec![std::path::PathBuf::from("layers/parcels/parcels.geojson")]
    );
    assert_eq!(case.entry.operator, "李四");

    // Screened again under the case, then decided on.
    harness.get_by_label("按当前图层重新筛查").click();
    harness.run_steps(1);
    let ctx = harness.ctx.clone();
    harness.state_mut().wait_for_jobs(&ctx);
    harness.run_steps(3);
    assert!(shows(&harness, "本案卷首次筛查"));
    harness.get_by_label("XY-2025-003").click();
    harness.run_steps(2);
    {
        let app = harness.state_mut();
        app.case.target = redline::record::FindingKey::parse("rivers:HD-01");
        app.case.ruling = Some(redline::record::Ruling::Override(
            redline::record::entries::OverrideVerdict::Clear,
        ));
        app.case.reason = "河道已改道，以水利局复核成果为准".to_string();
    }
    harness.run_steps(2);
    harness.get_by_label("记录审查意见").click();
    harness.run_steps(2);
    let decisions = record.standing_decisions("渝高新环审〔2026〕12号").unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].body.parcel, "XY-2025-003");
    assert_eq!(decisions[0].entry.operator, "李四");
    assert!(
        shows(&harness, "改判为符合"),
        "the history shows the decision"
    );

    // Against the same layers: a second screening of the case, nothing changed.
    harness.get_by_label("按当前图层重新筛查").click();
    harness.run_steps(1);
    harness.state_mut().wait_for_jobs(&ctx);
    harness.run_steps(3);
    assert!(shows(&harness, "自上次筛查以来的变化"));
    assert!(shows(&harness, "无变化"));
    assert_eq!(
        record
            .screenings(Some("渝高新环审〔2026〕12号"))
            .unwrap()
            .len(),
        2
    );
    assert!(record.verify().unwrap().intact());
}

#[test]
fn selecting_a_conflict_parcel_shows_its_red_line_overlap() {
    let mut harness = sample_viewer();
    assert_eq!(harness.state().parcels.screening.outcomes.len(), 32);
    assert!(!shows(&harness, "40000.00 m² (100.00%)"));

    harness.get_by_label("XY-2025-001").click();
    harness.run_steps(3);

    let app = harness.state();
    let selected = app.selected.expect("a parcel is selected");
    assert_eq!(
        app.parcels.parcel(selected).map(|p| p.id.as_str()),
        Some("XY-2025-001")
    );
    // The detail view: the red line, its overlap and share, the verdict and the clause.
    assert!(harness.query_all_by_label("生态保护红线").count() >= 2);
    assert!(shows(&harness, "禁止 · 40000.00 m² (100.00%) · 60.00 亩"));
    let name = &app.parcels.parcel(selected).unwrap().name;
    assert!(harness
        .query_by_label(&format!("XY-2025-001 {name}"))
        .is_some());
    assert!(shows(&harness, "生态保护红线面积不减少"));
    // Every layer of the plan accounted for: two concerned of eight.
    assert!(shows(&harness, "各图层核查情况 · 涉及 3 / 9"));
}

#[test]
fn a_broken_parcel_is_a_row_with_its_problem_and_the_rest_are_screened() {
    let mut harness = viewer_on(vec!["tests/data/bad/rings.geojson".into()]);
    let s = &harness.state().parcels.screening;
    assert_eq!(s.outcomes.len(), 7);
    assert_eq!(s.screened().count(), 2);
    // Every parcel has its row; a broken one says why in the table, and its
    // row can be picked like any other.
    for id in ["R-1", "R-3", "R-7"] {
        assert!(shows(&harness, id), "{id}");
    }
    assert!(shows(&harness, "未筛查"));
    assert!(shows(&harness, "fewer than two numbers"));
    harness.get_by_label("R-7").click();
    harness.run_steps(3);
    let app = harness.state();
    let selected = app.selected.expect("the broken parcel's row is selectable");
    assert!(matches!(
        &app.parcels.screening.outcomes[selected],
        ParcelOutcome::Unscreened(p) if p.id.as_deref() == Some("R-7")
    ));
    assert!(shows(&harness, "feature 7"));
}

#[test]
fn a_hidden_layer_is_not_drawn() {
    let mut harness = sample_viewer();
    assert!(harness
        .state()
        .drawn_layers
        .iter()
        .any(|l| l == "eco_redline"));

    // A click on the name selects the layer: it stays drawn.
    harness.get_by_label("生态保护红线").click();
    harness.run_steps(2);
    assert!(harness
        .state()
        .drawn_layers
        .iter()
        .any(|l| l == "eco_redline"));
    assert!(harness.state().selected_layer.is_some());

    harness.get_by_label("显示 生态保护红线").click();
    harness.run_steps(2);

    let app = harness.state();
    assert!(!app.drawn_layers.iter().any(|l| l == "eco_redline"));
    assert!(app.drawn_layers.iter().any(|l| l == "nature_reserves"));
    assert!(!app.visible_layer_ids().contains(&"eco_redline".to_string()));
}

#[test]
fn layers_move_within_their_group_and_the_list_explains_the_map() {
    let mut harness = sample_viewer();
    // The first layer of each group cannot move up, the last not down.
    let disabled = |harness: &Harness<'_, RedlineApp>, label: &str| {
        harness
            .query_all_by_label(label)
            .filter(|n| n.accesskit_node().is_disabled())
            .count()
    };
    // Four groups (prohibit, restrict, setback, units): one ↑ and one ↓
    // disabled in each.
    assert_eq!(disabled(&harness, "↑"), 4);
    assert_eq!(disabled(&harness, "↓"), 4);
    let order = harness.state().layer_order.clone();
    // The red line's ↑ is disabled: it heads the prohibit group; its ↓
    // swaps it with the barriers, not with a layer of another group.
    harness.query_all_by_label("↓").next().unwrap().click();
    harness.run_steps(2);
    let moved = &harness.state().layer_order;
    assert_eq!((moved[0], moved[1]), (order[1], order[0]));
    assert_eq!(moved[2..], order[2..]);
    // The legend: verdict colours of the parcels, the setback bands.
    assert!(shows(&harness, "30 m 不符合"));
    assert!(shows(&harness, "50 m 需论证"));
    assert!(harness.query_by_label("显示 地块").is_some());
    // English: one feature is one feature.
    harness.state_mut().lang = redline::app::i18n::Lang::En;
    harness.run_steps(2);
    assert!(shows(&harness, "restrict · 1 feature · "));
    assert!(shows(&harness, "prohibit · 3 features · 27.50 km²"));
}

#[test]
fn a_filter_that_hides_the_selected_parcel_says_so() {
    let mut harness = sample_viewer();
    harness.get_by_label("XY-2025-001").click();
    harness.run_steps(2);
    assert!(!shows(&harness, "所选地块被筛选条件隐藏"));
    harness.state_mut().table.verdict_filter = Some(Some(redline::screen::Verdict::Clear));
    harness.run_steps(2);
    assert!(shows(&harness, "所选地块被筛选条件隐藏"));
}

#[test]
fn the_interface_switches_to_english() {
    let mut harness = sample_viewer();
    assert!(harness.query_by_label("图层").is_some());

    harness.get_by_label("视图").click();
    harness.run_steps(2);
    harness.get_by_label("English").click();
    harness.run_steps(2);

    assert!(harness.query_by_label("Layers").is_some());
    assert!(harness.query_by_label("图层").is_none());
}

#[test]
fn a_sketched_parcel_inside_the_red_line_is_screened_at_once() {
    let mut harness = sample_viewer();
    // The corners of XY-2025-001, typed as an officer would read them out.
    let corners: Vec<geo::Coord> = {
        let app = harness.state();
        let i = app.parcels.find_id("XY-2025-001").unwrap();
        match &app.parcels.parcel(i).unwrap().shape {
            redline::geometry::Shape::Area(mp) => mp.0[0].exterior().0.clone(),
            _ => panic!("a parcel is an area"),
        }
    };
    let app = harness.state_mut();
    app.sketch_text = corners
        .iter()
        .map(|c| format!("{:.3}, {:.3}", c.x, c.y))
        .collect::<Vec<_>>()
        .join("\n");
    app.sketch_from_text();
    harness.run_steps(2);

    let app = harness.state();
    let selected = app.selected.unwrap_or_else(|| panic!("{:?}", app.messages));
    let sketched = app.parcels.parcel(selected).unwrap();
    assert_eq!(sketched.id, "草图-1");
    // The CSV and the report say it was sketched, not read from a file.
    assert!(
        sketched.notes[0].starts_with("手绘地块 sketched in the viewer"),
        "{:?}",
        sketched.notes
    );
    assert!(!sketched.notes.iter().any(|n| n.contains("坐标已交换")));
    assert!(shows(&harness, "40000.00 m² (100.00%)"));

    // The same corners in surveyor order (X = northing first) land on the
    // same place, never 3 700 km away: swapped, and the parcel says so.
    let app = harness.state_mut();
    app.sketch_text = corners
        .iter()
        .map(|c| format!("{:.3}, {:.3}", c.y, c.x))
        .collect::<Vec<_>>()
        .join("\n");
    app.sketch_from_text();
    harness.run_steps(2);
    let app = harness.state();
    let selected = app.selected.unwrap();
    let (parcel, result) = match &app.parcels.screening.outcomes[selected] {
        ParcelOutcome::Screened { parcel, result } => (parcel, result),
        other => panic!("{other:?}"),
    };
    assert_eq!(parcel.id, "草图-2");
    assert_eq!(result.verdict, redline::screen::Verdict::Conflict);
    assert!(
        parcel.notes.iter().any(|n| n.contains("坐标已交换")),
        "{:?}",
        parcel.notes
    );
    assert!(app.messages.iter().any(|m| m.contains("坐标已交换")));

    // The report lists both sketches among its inputs: when, and their corners.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    let ctx = harness.ctx.clone();
    let app = harness.state_mut();
    app.operator = "张三".to_string();
    app.export(
        &ctx,
        Export::Pdf,
        path.clone(),
        ReportTime::parse("2026-12-02 05:57").unwrap(),
    );
    app.wait_for_jobs(&ctx);
    let document = lopdf::Document::load(&path).unwrap();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text = document.extract_text(&pages).unwrap();
    assert!(
        text.contains("手绘地块（在查看器中绘制或输入，无文件）"),
        "{text}"
    );
    assert!(text.contains("其中 2 个为在查看器中手绘的地块"), "{text}");
    let first = corners[0];
    let corner = format!("{:.2}, {:.2}", first.x, first.y);
    assert!(text.contains(&corner), "{corner} missing");
}

#[test]
fn a_square_typed_far_outside_the_plan_reads_outside_never_clear() {
    let mut harness = sample_viewer();
    // About 55 km east of the plan, in its own CRS: no zone is there to meet.
    let app = harness.state_mut();
    app.sketch_text = "700000,3280000\n700200,3280000\n700200,3280200\n700000,3280200".into();
    app.sketch_from_text();
    harness.run_steps(2);
    let app = harness.state();
    let selected = app.selected.unwrap_or_else(|| panic!("{:?}", app.messages));
    let (parcel, result) = match &app.parcels.screening.outcomes[selected] {
        ParcelOutcome::Screened { parcel, result } => (parcel, result),
        other => panic!("{other:?}"),
    };
    assert_eq!(result.verdict, redline::screen::Verdict::Outside);
    assert!(
        result
            .notes_with(parcel)
            .any(|n| n.starts_with(redline::screen::OUTSIDE_NOTE)),
        "{}",
        result.note_line(parcel)
    );
    assert_eq!(app.parcels.counts.of(redline::screen::Verdict::Outside), 3);
    assert!(shows(&harness, "范围外 3"));
}

#[test]
fn a_river_through_a_parcel_reads_crosses_not_zero_metres() {
    let mut harness = sample_viewer();
    // XY-2025-016 sits on the bridgehead: 莲花滩河 runs through it.
    let app = harness.state_mut();
    let bridgehead = app.parcels.find_id("XY-2025-016").unwrap();
    app.select(Some(bridgehead));
    harness.run_steps(3);
    assert!(shows(&harness, "跨越河道"));
    assert!(harness.query_by_label("0.00 m").is_none());
    harness.state_mut().lang = redline::app::i18n::Lang::En;
    harness.run_steps(3);
    assert!(shows(&harness, "crosses the water line"));
}

#[test]
fn a_selected_parcel_shows_its_overlaps_and_its_line_to_the_water() {
    let mut harness = sample_viewer();
    let app = harness.state_mut();
    let straddling = app.parcels.find_id("XY-2025-011").unwrap();
    app.select(Some(straddling));
    // Two zones overlapped: the red line in part, the barrier in full. The
    // drawn overlap has the area the detail view states.
    assert_eq!(app.selection_overlaps.len(), 2);
    let drawn_m2: f64 = app.selection_overlaps[0]
        .fill
        .indices
        .chunks_exact(3)
        .map(|t| {
            let [a, b, c] =
                [t[0], t[1], t[2]].map(|i| app.selection_overlaps[0].fill.vertices[i as usize].pos);
            (((b - a).x * (c - a).y - (b - a).y * (c - a).x) as f64).abs() / 2.0
        })
        .sum();
    let ParcelOutcome::Screened { result, .. } = &app.parcels.screening.outcomes[straddling] else {
        panic!("screened")
    };
    let stated = result.findings[0].overlap_m2.unwrap();
    assert!((drawn_m2 - stated).abs() < 0.5, "{drawn_m2} vs {stated}");
    assert!(app.selection_setbacks.is_empty());

    let near_river = app.parcels.find_id("XY-2025-003").unwrap();
    app.select(Some(near_river));
    assert!(app.selection_overlaps.is_empty());
    assert_eq!(app.selection_setbacks.len(), 1);
    let (from, to, distance_m) = app.selection_setbacks[0];
    assert!((distance_m - 20.0).abs() < 0.005);
    assert!(((to.x - from.x).hypot(to.y - from.y) - distance_m).abs() < 1e-6);
}

#[test]
fn the_pdf_report_is_exported_from_the_viewer() {
    let mut harness = sample_viewer();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    let ctx = harness.ctx.clone();
    let app = harness.state_mut();
    let time = ReportTime::parse("2026-12-02 05:57").unwrap();
    assert_eq!(
        Export::Pdf.default_name(&time),
        "筛查报告_20261202_0557.pdf"
    );
    app.export(&ctx, Export::Pdf, path.clone(), time);
    app.wait_for_jobs(&ctx);
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    assert!(
        app.messages.iter().any(|m| m.contains("report.pdf")),
        "{:?}",
        app.messages
    );
    // The record knows the report by its SHA-256, for `redline verify`.
    let record = redline::record::CaseDb::open(
        &std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-cases.sqlite"),
    )
    .unwrap();
    let sha256 = redline::report::meta::sha256_hex(&bytes);
    assert!(record.wrote(&sha256).unwrap().is_some());
}

#[test]
fn an_export_never_replaces_a_file_without_asking() {
    let mut harness = sample_viewer();
    let dir = tempfile::tempdir().unwrap();
    let time = ReportTime::parse("2026-12-02 05:57").unwrap();
    let name = Export::SummaryCsv.default_name(&time);
    let path = dir.path().join(&name);
    std::fs::write(&path, b"last week's summary").unwrap();
    // Where no save dialog opens, the folder and name are typed in a form.
    harness.state_mut().export_form = Some(ExportForm {
        kind: Export::SummaryCsv,
        folder: dir.path().display().to_string(),
        name: name.clone(),
        time,
        asked_to_replace: false,
    });
    harness.run_steps(2);
    harness.get_by_label("导出").click();
    harness.run_steps(2);
    assert!(shows(&harness, "该文件已存在"));
    assert_eq!(std::fs::read(&path).unwrap(), b"last week's summary");
    harness.get_by_label("替换").click();
    harness.run_steps(2);
    let ctx = harness.ctx.clone();
    harness.state_mut().wait_for_jobs(&ctx);
    harness.run_steps(2);
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("XY-2025-001"), "{written}");
    assert!(harness.state().export_form.is_none());
    assert!(shows(&harness, &name));
    assert!(shows(&harness, "打开所在文件夹"));
}

#[test]
fn a_report_is_never_written_naming_nobody_the_operator_is_asked_first() {
    let mut harness = sample_viewer();
    let ctx = harness.ctx.clone();
    // No name remembered and none from the OS: the report waits for one.
    harness.state_mut().operator.clear();
    harness.state_mut().ask_export(&ctx, Export::Pdf);
    harness.run_steps(2);
    assert_eq!(harness.state().operator_prompt, Some(Export::Pdf));
    assert!(harness.state().export_form.is_none());
    assert!(shows(&harness, "报告须注明操作人"));
    assert!(harness
        .get_by_label("继续导出")
        .accesskit_node()
        .is_disabled());

    // Named (in the prompt or the File menu), the report states that name.
    harness.state_mut().operator = "李四".to_string();
    harness.run_steps(2);
    assert!(!harness
        .get_by_label("继续导出")
        .accesskit_node()
        .is_disabled());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    let time = ReportTime::parse("2026-12-02 05:57").unwrap();
    let app = harness.state_mut();
    app.export(&ctx, Export::Pdf, path.clone(), time);
    app.wait_for_jobs(&ctx);
    let document = lopdf::Document::load(&path).unwrap();
    let text = document.extract_text(&[1]).unwrap();
    assert!(text.contains("李四"), "{text}");
    assert!(!text.contains("unknown"), "{text}");
}

#[test]
fn a_file_screened_again_with_another_id_field_shows_those_ids() {
    let mut harness = viewer_on(vec!["layers/parcels/parcels.geojson".into()]);
    assert!(shows(&harness, "地块文件"));
    assert!(harness.query_by_label("XY-2025-001").is_some());
    let ctx = harness.ctx.clone();
    let app = harness.state_mut();
    let loaded = &mut app.parcel_sources[0];
    assert_eq!(loaded.choices.id_field.as_deref(), Some("地块编号"));
    loaded.source.id_field = Some("名称".to_string());
    app.rescreen(&ctx);
    app.wait_for_jobs(&ctx);
    harness.run_steps(3);
    assert!(harness.query_by_label("XY-2025-001").is_none());
    let app = harness.state();
    assert_eq!(app.parcel_sources.len(), 1);
    assert_eq!(
        app.parcel_sources[0].choices.id_field.as_deref(),
        Some("名称")
    );
    assert!(app.parcels.find_id("某电子厂房扩建").is_some());
}

#[test]
fn a_plan_opened_from_the_file_menu_replaces_the_shown_one_and_a_broken_one_says_why() {
    let mut harness = sample_viewer();
    let dir = tempfile::tempdir().unwrap();
    // A copy of the sample plan under another name, and a catalog naming a missing layer.
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for entry in std::fs::read_dir("layers").unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
        }
    }
    let catalog = copy.join("catalog.toml");
    let text = std::fs::read_to_string(&catalog).unwrap();
    let name_line = text.lines().find(|l| l.starts_with("name")).unwrap();
    std::fs::write(
        &catalog,
        text.replacen(name_line, "name = \"另一规划 another plan\"", 1),
    )
    .unwrap();
    let broken = copy.join("broken.toml");
    std::fs::write(
        &broken,
        text.replace("nature_reserves.geojson", "no_such_layer.geojson"),
    )
    .unwrap();

    let ctx = harness.ctx.clone();
    let app = harness.state_mut();
    assert!(app.open_plan(&ctx, catalog.clone()));
    app.wait_for_jobs(&ctx);
    assert!(!app.is_busy());
    assert_eq!(
        app.plan.as_ref().map(|p| p.plan.catalog.name.as_str()),
        Some("另一规划 another plan")
    );
    // The parcels of the plan before are gone with it.
    assert!(app.parcels.screening.outcomes.is_empty() && app.parcel_sources.is_empty());
    let absolute = std::path::absolute(&catalog).unwrap();
    assert_eq!(app.recent_plans.first(), Some(&absolute));

    assert!(app.open_plan(&ctx, broken.clone()));
    app.wait_for_jobs(&ctx);
    assert!(
        !app.is_busy(),
        "a plan that fails must stop every busy mark"
    );
    assert!(app.plan.is_none());
    assert!(
        app.messages
            .iter()
            .any(|m| m.contains("no_such_layer.geojson")),
        "{:?}",
        app.messages
    );
    harness.run_steps(2);
    assert!(shows(&harness, "未加载规划"));
}

#[test]
fn a_project_typed_in_the_detail_meets_its_admission_clauses_at_once() {
    let mut harness = sample_viewer();
    let app = harness.state_mut();
    let plant = app.parcels.find_id("XY-2025-021").unwrap();
    app.select(Some(plant));
    harness.run_steps(3);
    // Its industry is unknown: the clauses on industries are to confirm,
    // the verdict stays what the zones give, and the procedures say why.
    assert!(shows(&harness, "待确认"));
    assert!(shows(&harness, "准入待确认"));
    assert!(shows(&harness, "项目情况 · 行业未知"));
    assert!(shows(&harness, "需补充：总建筑面积"));
    let verdict = |harness: &Harness<'_, RedlineApp>| match &harness
        .state()
        .parcels
        .screening
        .outcomes[plant]
    {
        ParcelOutcome::Screened { result, .. } => result.verdict,
        other => panic!("{other:?}"),
    };
    assert_eq!(verdict(&harness), redline::screen::Verdict::Clear);
    let clear_before = harness
        .state()
        .parcels
        .counts
        .of(redline::screen::Verdict::Clear);

    // The officer learns it is an organic chemicals plant: the detail's
    // fields hold what the file says, and the industry is typed.
    let typed = &harness.state().project_edit;
    assert_eq!(typed.outcome, Some(plant));
    let mut values: Vec<(Attribute, String)> = Attribute::ALL
        .iter()
        .copied()
        .zip(typed.values.iter().cloned())
        .collect();
    assert_eq!(values[6], (Attribute::HeavyMetals, "否".to_string()));
    values[0].1 = "C2614".into();
    harness.state_mut().set_project(plant, &values);
    harness.run_steps(3);
    assert_eq!(verdict(&harness), redline::screen::Verdict::Conflict);
    assert!(shows(&harness, "禁止·国家"));
    assert!(shows(&harness, "GJ-01"));
    assert!(shows(&harness, "项目情况 · C2614"));
    assert!(shows(&harness, "项目情况于查看器中录入"));
    // The table's worst finding is the clause, not the unit's area.
    assert!(shows(&harness, "GJ-01（禁止·国家）"));
    assert!(!shows(&harness, "准入待确认"));
    // The map and the counts follow the new verdict.
    assert_eq!(
        harness
            .state()
            .parcels
            .counts
            .of(redline::screen::Verdict::Clear),
        clear_before - 1
    );
    assert_eq!(harness.state().parcels.screening.outcomes.len(), 32);
}

/// The sample plan, no parcels, on `basemap`; the frames run until `done`
/// holds of the messages (a fetching thread answers in real time).
fn basemap_viewer(
    basemap: redline::basemap::BasemapChoice,
    done: impl Fn(&[String]) -> bool,
) -> Harness<'static, RedlineApp> {
    let mut harness = Harness::builder()
        .with_size([1200.0, 800.0])
        .build_eframe(move |cc| {
            RedlineApp::new(
                cc,
                ViewOptions {
                    catalog: "layers/catalog.toml".into(),
                    db: Some(
                        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-cases.sqlite"),
                    ),
                    basemap: Some(basemap),
                    ..ViewOptions::default()
                },
            )
        });
    let ctx = harness.ctx.clone();
    harness.state_mut().wait_for_jobs(&ctx);
    let started = std::time::Instant::now();
    while !done(&harness.state().messages) && started.elapsed().as_secs() < 20 {
        harness.run_steps(1);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    harness
}

#[test]
fn a_basemap_that_cannot_be_had_is_said_once_and_the_map_works_on() {
    // A port nothing listens on: no network, as in an isolated 内网.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let service = redline::basemap::BasemapChoice::parse(&format!(
        "http://127.0.0.1:{closed}/{{z}}/{{x}}/{{y}}.png"
    ))
    .unwrap();
    let said = |messages: &[String]| messages.iter().filter(|m| m.contains("无法连接")).count();
    let mut harness = basemap_viewer(service, |m| said(m) > 0);
    // Panned and zoomed: more tiles fail, nothing more is said.
    for _ in 0..3 {
        harness.state_mut().view.as_mut().unwrap().m_per_px /= 2.0;
        harness.run_steps(5);
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    harness.run_steps(5);
    let app = harness.state();
    assert_eq!(said(&app.messages), 1, "{:?}", app.messages);
    assert!(app.messages.iter().any(|m| m.contains("地图照常使用")));
    assert!(app
        .basemap_problem
        .as_deref()
        .is_some_and(|p| p.contains("无法连接")));
    assert!(!app.drawn_layers.is_empty(), "the plan is not drawn");
    assert!(shows(&harness, "生态保护红线"));

    // 天地图 without a key: where to give one, said once.
    if std::env::var_os(redline::basemap::TIANDITU_KEY_VAR).is_none() {
        let key = |messages: &[String]| {
            messages
                .iter()
                .filter(|m| m.contains(redline::basemap::TIANDITU_KEY_VAR))
                .count()
        };
        let harness = basemap_viewer(redline::basemap::BasemapChoice::TiandituVector, |m| {
            key(m) > 0
        });
        assert_eq!(
            key(&harness.state().messages),
            1,
            "{:?}",
            harness.state().messages
        );
    }
}

#[test]
fn a_viewer_pdf_prints_the_viewers_basemap_and_never_its_key() {
    let mut harness = sample_viewer();
    let dir = tempfile::tempdir().unwrap();
    let ctx = harness.ctx.clone();
    let time = ReportTime::parse("2026-12-03 10:00").unwrap();
    let export = |harness: &mut Harness<'static, RedlineApp>, name: &str| {
        let path = dir.path().join(name);
        let app = harness.state_mut();
        app.export(&ctx, Export::Pdf, path.clone(), time);
        app.wait_for_jobs(&ctx);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{e}: {:?}", app.messages))
    };

    // 天地图 with a key: named in the report, the key nowhere.
    let app = harness.state_mut();
    app.basemap_settings.choice = redline::basemap::BasemapChoice::TiandituVector;
    app.basemap_settings.tianditu_key = "0123456789abcdef0123".to_string();
    app.open_basemap(&ctx);
    assert!(app.basemap.is_some(), "{:?}", app.messages);
    harness.run_steps(2);
    let bytes = export(&mut harness, "tianditu.pdf");
    let text = pdf_text(&bytes);
    assert!(text.contains("天地图 矢量"), "no basemap stated");
    assert!(!String::from_utf8_lossy(&bytes).contains("0123456789abcdef0123"));
    assert!(!text.contains("0123456789abcdef0123"));

    // An offline package: every map stands on its tiles.
    let package = dir.path().join("city.mbtiles");
    write_mbtiles(&package, &sample_tiles(&[10, 11, 12, 13]), "测试底图");
    let app = harness.state_mut();
    app.basemap_settings.choice = redline::basemap::BasemapChoice::Offline { path: package };
    app.open_basemap(&ctx);
    let bytes = export(&mut harness, "offline.pdf");
    let document = lopdf::Document::load_mem(&bytes).unwrap();
    let with_pictures = document
        .get_pages()
        .values()
        .filter(|page| !document.get_page_images(**page).unwrap().is_empty())
        .count();
    assert!(with_pictures > 10, "{with_pictures} pages with a basemap");
    assert!(pdf_text(&bytes).contains("离线瓦片 city.mbtiles"));
}
