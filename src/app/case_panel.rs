//! The case window (案卷): open or create a case, screen it again against
//! today's layers and see what changed, record a decision on the selected
//! parcel, read the case's history. A thin face on [`crate::record`]; the
//! record's few reads and writes take milliseconds and run on the UI thread.

use eframe::egui::{self, RichText};

use crate::record::entries::Recorded;
use crate::record::entries::{OverrideVerdict, ScreeningRecorded};
use crate::record::history::{self, Filter};
use crate::record::{Case, CaseDb, DecisionRecord, FindingKey, Ruling};
use crate::report::meta::ReportTime;
use crate::screen::ParcelOutcome;

use super::RedlineApp;

/// What the case window holds between frames.
#[derive(Default)]
pub struct CaseWindow {
    pub shown: bool,
    /// The case being worked on: screenings are recorded under it.
    pub current: Option<Case>,
    /// The form for a new case.
    pub number: String,
    pub name: String,
    pub applicant: String,
    /// The last screening of the case in this session, and what changed
    /// since the one before it.
    pub last_screening: Option<ScreeningRecorded>,
    /// The case's history, one line per entry, refreshed when it changes.
    pub history: Vec<String>,
    /// The decisions that stand on the case, refreshed with the history.
    pub decisions: Vec<Recorded<DecisionRecord>>,
    /// The record's cases (number, name) to choose from, read when the
    /// window first needs them; why not, when the record cannot be read.
    pub cases: Option<Result<Vec<(String, String)>, String>>,
    /// The decision being written.
    pub target: Option<FindingKey>,
    pub ruling: Option<Ruling>,
    pub reason: String,
    /// What the last action in the window said.
    pub status: Option<String>,
}

/// The rulings offered, in the order shown.
const RULINGS: [Ruling; 6] = [
    Ruling::Approve,
    Ruling::Reject,
    Ruling::MoreInformation,
    Ruling::Override(OverrideVerdict::Clear),
    Ruling::Override(OverrideVerdict::Review),
    Ruling::Override(OverrideVerdict::Conflict),
];

impl CaseWindow {
    /// The case's history from the record, as lines.
    pub fn refresh(&mut self, db: &CaseDb) {
        self.cases = None;
        let Some(case) = &self.current else {
            self.history.clear();
            self.decisions.clear();
            return;
        };
        self.decisions = db.standing_decisions(&case.number).unwrap_or_default();
        let filter = Filter {
            case: Some(case.number.clone()),
            ..Filter::default()
        };
        self.history = match history::lines(db, &filter) {
            Ok(lines) => lines
                .iter()
                .map(|l| {
                    format!(
                        "#{} {} {} {}：{}",
                        l.entry.seq,
                        ReportTime {
                            unix_seconds: l.entry.at
                        }
                        .display_zh(),
                        l.entry.operator,
                        l.entry
                            .kind()
                            .map_or(l.entry.kind.as_str(), |k| k.label_zh()),
                        l.detail.lines().next().unwrap_or_default()
                    )
                })
                .collect(),
            Err(e) => vec![e.to_string()],
        };
    }
}

impl RedlineApp {
    fn case_db(&self) -> Result<CaseDb, String> {
        let path = self.case_record.clone()?;
        CaseDb::open(&path).map_err(|e| e.to_string())
    }

    /// A screening recorded by the viewer's job: kept for the window, which
    /// shows what changed.
    pub fn screening_recorded(&mut self, recorded: ScreeningRecorded) {
        if self.case.current.is_some() {
            self.case.last_screening = Some(recorded);
            self.case.shown = true;
            if let Ok(db) = self.case_db() {
                self.case.refresh(&db);
            }
        }
    }

    /// Opens the case numbered `number` from the record.
    pub fn open_case(&mut self, number: &str) {
        let opened = self.case_db().and_then(|db| {
            let case = db.case(number).map_err(|e| e.to_string())?;
            Ok((db, case))
        });
        match opened {
            Ok((db, Some(case))) => {
                self.case.current = Some(case.body);
                self.case.last_screening = None;
                self.case.refresh(&db);
                self.case.status = None;
            }
            Ok((_, None)) => self.case.status = Some(format!("没有案卷 no case {number}")),
            Err(e) => self.case.status = Some(e),
        }
    }

    /// Creates a case from the form, with the parcel files now open.
    fn create_case(&mut self) {
        let case = Case {
            number: self.case.number.trim().to_string(),
            name: self.case.name.trim().to_string(),
            applicant: self.case.applicant.trim().to_string(),
            parcel_files: self.parcels.files.clone(),
        };
        let operator = self.recorder().operator;
        let saved = self.case_db().and_then(|mut db| {
            if db.case(&case.number).map_err(|e| e.to_string())?.is_some() {
                return Err(format!(
                    "案卷 {} 已存在，请直接打开 the case exists already: open it",
                    case.number
                ));
            }
            db.save_case(&case, &operator).map_err(|e| e.to_string())?;
            Ok(db)
        });
        match saved {
            Ok(db) => {
                self.case.current = Some(case);
                self.case.refresh(&db);
                self.case.status = None;
            }
            Err(e) => self.case.status = Some(e),
        }
    }

    /// Screens the case's parcel files again against the plan as loaded
    /// now; the screening is recorded under the case and compared with
    /// its last.
    fn rescreen_case(&mut self, ctx: &egui::Context) {
        let Some(case) = self.case.current.clone() else {
            return;
        };
        if self.is_busy() {
            self.case.status = Some("请等待当前任务完成 wait for the running job".to_string());
            return;
        }
        self.clear_parcels();
        self.open_parcels(ctx, case.parcel_files);
    }

    /// Records the decision written in the window on the selected parcel.
    fn record_decision(&mut self, parcel: &str) {
        let (Some(case), Some(ruling)) = (self.case.current.clone(), self.case.ruling) else {
            return;
        };
        let operator = self.recorder().operator;
        let recorded = self.case_db().and_then(|mut db| {
            let seq = db
                .decide(
                    &case.number,
                    &operator,
                    parcel,
                    self.case.target.clone(),
                    ruling,
                    &self.case.reason,
                )
                .map_err(|e| e.to_string())?;
            Ok((db, seq))
        });
        match recorded {
            Ok((db, seq)) => {
                self.case.status = Some(format!(
                    "已记录 recorded: {} {parcel} #{seq}",
                    ruling.label_zh()
                ));
                self.case.reason.clear();
                self.case.refresh(&db);
            }
            Err(e) => self.case.status = Some(e),
        }
    }
}

pub fn case_window_ui(app: &mut RedlineApp, ctx: &egui::Context) {
    if !app.case.shown {
        return;
    }
    let mut shown = true;
    let corner = app.map_rect.left_top() + egui::vec2(10.0, 10.0);
    egui::Window::new(app.tr("案卷", "Case"))
        .open(&mut shown)
        .default_pos(corner)
        .default_width(460.0)
        .show(ctx, |ui| match app.case.current.clone() {
            None => choose_case_ui(app, ui),
            Some(case) => case_ui(app, ui, ctx, &case),
        });
    app.case.shown = shown;
}

fn choose_case_ui(app: &mut RedlineApp, ui: &mut egui::Ui) {
    if app.case.cases.is_none() {
        app.case.cases = Some(app.case_db().and_then(|db| {
            let cases = db.cases().map_err(|e| e.to_string())?;
            Ok(cases
                .into_iter()
                .map(|c| (c.body.number, c.body.name))
                .collect())
        }));
    }
    match app.case.cases.clone().unwrap_or(Ok(Vec::new())) {
        Ok(cases) if !cases.is_empty() => {
            ui.label(app.tr("打开案卷", "Open a case"));
            for (number, name) in cases {
                if ui.button(format!("{number}　{name}")).clicked() {
                    app.open_case(&number);
                }
            }
            ui.separator();
        }
        Ok(_) => {}
        Err(e) => {
            ui.colored_label(egui::Color32::RED, e);
        }
    }
    ui.label(app.tr(
        "新建案卷（地块文件为当前打开的文件）",
        "New case (its parcel files: those open now)",
    ));
    egui::Grid::new("new_case").num_columns(2).show(ui, |ui| {
        ui.label(app.tr("受理编号", "Number"));
        ui.text_edit_singleline(&mut app.case.number);
        ui.end_row();
        ui.label(app.tr("项目名称", "Project"));
        ui.text_edit_singleline(&mut app.case.name);
        ui.end_row();
        ui.label(app.tr("申请单位", "Applicant"));
        ui.text_edit_singleline(&mut app.case.applicant);
        ui.end_row();
    });
    let ready = !app.case.number.trim().is_empty()
        && !app.case.name.trim().is_empty()
        && !app.parcels.files.is_empty();
    if ui
        .add_enabled(ready, egui::Button::new(app.tr("开立案卷", "Open case")))
        .clicked()
    {
        app.create_case();
    }
    status_ui(app, ui);
}

fn case_ui(app: &mut RedlineApp, ui: &mut egui::Ui, ctx: &egui::Context, case: &Case) {
    ui.horizontal(|ui| {
        ui.strong(format!("{}　{}", case.number, case.name));
        if ui.small_button(app.tr("关闭案卷", "Close case")).clicked() {
            app.case.current = None;
            app.case.last_screening = None;
            app.case.cases = None;
        }
    });
    if !case.applicant.is_empty() {
        ui.label(format!(
            "{}：{}",
            app.tr("申请单位", "Applicant"),
            case.applicant
        ));
    }
    for file in &case.parcel_files {
        ui.label(RichText::new(file.display().to_string()).weak());
    }
    if ui
        .button(app.tr("按当前图层重新筛查", "Screen again against today's layers"))
        .clicked()
    {
        app.rescreen_case(ctx);
    }
    if let Some(recorded) = &app.case.last_screening {
        let title = match &recorded.previous {
            Some(before) => format!(
                "{} #{}（{}）",
                app.tr("自上次筛查以来的变化", "Changes since screening"),
                before.seq,
                ReportTime {
                    unix_seconds: before.at
                }
                .display_zh()
            ),
            None => app
                .tr("本案卷首次筛查", "The case's first screening")
                .to_string(),
        };
        ui.label(RichText::new(title).strong());
        if recorded.previous.is_some() && recorded.changes.is_empty() {
            ui.label(app.tr("无变化", "No change"));
        }
        for change in &recorded.changes {
            ui.label(change.to_string());
        }
    }
    ui.separator();
    decision_ui(app, ui);
    ui.separator();
    ui.label(RichText::new(app.tr("案卷历史", "History")).strong());
    egui::ScrollArea::vertical()
        .max_height(180.0)
        .id_salt("case_history")
        .show(ui, |ui| {
            for line in &app.case.history {
                ui.label(RichText::new(line).small());
            }
        });
    status_ui(app, ui);
}

/// The decision on the selected parcel: on the whole parcel or one of its
/// findings, a ruling, a reason.
fn decision_ui(app: &mut RedlineApp, ui: &mut egui::Ui) {
    let selected = app
        .selected
        .and_then(|i| app.parcels.screening.outcomes.get(i));
    let Some(ParcelOutcome::Screened { parcel, result }) = selected else {
        ui.label(app.tr(
            "选择一个地块以记录审查意见",
            "Select a parcel to record a decision",
        ));
        return;
    };
    let Some(plan) = app.plan.clone() else { return };
    let parcel_id = parcel.id.clone();
    let findings: Vec<FindingKey> = result
        .findings
        .iter()
        .map(|f| FindingKey {
            layer: plan.plan.catalog.layers[f.zone.layer].id.clone(),
            feature: plan.plan.layers[f.zone.layer].features[f.zone.feature]
                .id
                .clone(),
        })
        .collect();
    ui.label(
        RichText::new(format!(
            "{} {parcel_id}",
            app.tr("审查意见：地块", "Decision on parcel")
        ))
        .strong(),
    );
    for decision in app
        .case
        .decisions
        .iter()
        .filter(|d| d.body.parcel == parcel_id)
    {
        let on = decision
            .body
            .finding
            .as_ref()
            .map_or(String::new(), |k| format!("{k}："));
        ui.label(
            RichText::new(format!(
                "{on}{}（{}，#{}）{}",
                decision.body.ruling.label_zh(),
                decision.entry.operator,
                decision.entry.seq,
                decision.body.reason
            ))
            .color(egui::Color32::from_rgb(190, 120, 230)),
        );
    }
    let whole = app.tr("整个地块", "the whole parcel").to_string();
    egui::ComboBox::from_id_salt("decision_target")
        .selected_text(
            app.case
                .target
                .as_ref()
                .map_or(whole.clone(), |k| k.to_string()),
        )
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut app.case.target, None, whole);
            for key in findings {
                let label = key.to_string();
                ui.selectable_value(&mut app.case.target, Some(key), label);
            }
        });
    ui.horizontal_wrapped(|ui| {
        for ruling in RULINGS {
            // An override is of one finding.
            let allowed = app.case.target.is_some() || !matches!(ruling, Ruling::Override(_));
            if ui
                .add_enabled(
                    allowed,
                    egui::RadioButton::new(app.case.ruling == Some(ruling), ruling.label_zh()),
                )
                .clicked()
            {
                app.case.ruling = Some(ruling);
            }
        }
    });
    let hint = app.tr("理由（必填）", "Reason (required)");
    ui.add(
        egui::TextEdit::multiline(&mut app.case.reason)
            .hint_text(hint)
            .desired_rows(2)
            .desired_width(f32::INFINITY),
    );
    let ready = app
        .case
        .ruling
        .is_some_and(|r| app.case.target.is_some() || !matches!(r, Ruling::Override(_)))
        && !app.case.reason.trim().is_empty();
    if ui
        .add_enabled(
            ready,
            egui::Button::new(app.tr("记录审查意见", "Record decision")),
        )
        .clicked()
    {
        app.record_decision(&parcel_id);
    }
}

fn status_ui(app: &RedlineApp, ui: &mut egui::Ui) {
    if let Some(status) = &app.case.status {
        ui.label(RichText::new(status).italics());
    }
}
