//! File dialogs, and what the viewer does where none can open.
//!
//! Dialogs come from rfd: the XDG desktop portal, else zenity. A desktop
//! with neither (many 信创 desktops, a bare X session) shows no dialog and
//! gives no error, only nothing back at once. No one cancels a dialog that
//! fast, so that is taken as "no dialog", and the user is told what to do
//! instead: drop files on the window, type the folder and name of an
//! export, or use the command line.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use eframe::egui::{self, Color32, RichText};

use crate::report::meta::ReportTime;

use super::{Export, RedlineApp};

/// A dialog that gives nothing back sooner than this was never shown.
const NO_DIALOG_WITHIN: Duration = Duration::from_millis(300);

/// What a dialog gave.
#[derive(Debug, PartialEq)]
pub enum Picked<T> {
    Chosen(T),
    Cancelled,
    /// No dialog could open.
    NoDialog,
}

/// Shows a dialog (`show`) and tells a cancelled one from one never shown.
pub fn pick<T>(show: impl FnOnce() -> Option<T>) -> Picked<T> {
    let started = Instant::now();
    match show() {
        Some(chosen) => Picked::Chosen(chosen),
        None if started.elapsed() < NO_DIALOG_WITHIN => Picked::NoDialog,
        None => Picked::Cancelled,
    }
}

/// What to do when no dialog can open to choose files to read.
pub const NO_OPEN_DIALOG: &str = "无法打开文件对话框（本机没有 XDG 桌面门户服务，也没有 zenity）：请将地块文件或 catalog.toml 拖入窗口，或在命令行给出：redline view --catalog …/catalog.toml --parcels 文件…；安装 zenity 后即可使用对话框。 No file dialog could open (no XDG desktop portal, no zenity): drop the parcel files or a catalog.toml onto the window, or give them on the command line; installing zenity brings the dialog.";

/// What to do when no dialog can open to choose where to save.
const NO_SAVE_DIALOG: &str = "无法打开保存对话框（本机没有 XDG 桌面门户服务，也没有 zenity）：请在“导出”窗口中填写文件夹和文件名。 No save dialog could open (no XDG desktop portal, no zenity): type the folder and the file name in the Export window.";

/// An export whose folder and name are typed, where no save dialog opens.
pub struct ExportForm {
    pub kind: Export,
    pub folder: String,
    pub name: String,
    /// The time the export states (a PDF's report time) and its name carries.
    pub time: ReportTime,
    /// The file exists and the user was asked whether to replace it.
    pub asked_to_replace: bool,
}

impl RedlineApp {
    /// Asks where to write an export — a save dialog opened on the last
    /// export folder with a name that carries the time (筛查报告_20261202_0557.pdf),
    /// or, where none opens, the export form — then writes it.
    pub fn ask_export(&mut self, ctx: &egui::Context, kind: Export) {
        if kind == Export::Pdf && self.operator.trim().is_empty() {
            self.operator_prompt = Some(kind);
            return;
        }
        let time = match ReportTime::resolve(None) {
            Ok(time) => time,
            Err(e) => {
                self.messages.push(e);
                return;
            }
        };
        let name = kind.default_name(&time);
        let folder = PathBuf::from(self.export_folder.trim());
        let picked = pick(|| {
            rfd::FileDialog::new()
                .set_directory(&folder)
                .set_file_name(&name)
                .add_filter(kind.label_zh(), &[kind.extension()])
                .save_file()
        });
        match picked {
            // The dialog itself asks before replacing a file.
            Picked::Chosen(path) => self.write_export(ctx, kind, path, time),
            Picked::Cancelled => {}
            Picked::NoDialog => {
                self.messages.push(NO_SAVE_DIALOG.to_string());
                self.export_form = Some(ExportForm {
                    kind,
                    folder: self.export_folder.clone(),
                    name,
                    time,
                    asked_to_replace: false,
                });
            }
        }
    }

    /// Writes an export where the user chose, and remembers the folder.
    pub fn write_export(
        &mut self,
        ctx: &egui::Context,
        kind: Export,
        path: PathBuf,
        time: ReportTime,
    ) {
        if let Some(folder) = path.parent().filter(|f| !f.as_os_str().is_empty()) {
            self.export_folder = folder.display().to_string();
        }
        self.export(ctx, kind, path, time);
    }
}

/// The export form: folder and name typed, an existing file replaced only
/// when the user says so.
pub fn export_form_ui(app: &mut RedlineApp, ctx: &egui::Context) {
    let Some(mut form) = app.export_form.take() else {
        return;
    };
    let mut open = true;
    let mut cancelled = false;
    let mut write = None;
    egui::Window::new(app.tr("导出文件", "Export a file"))
        .open(&mut open)
        .collapsible(false)
        .default_pos(ctx.content_rect().center())
        .show(ctx, |ui| {
            ui.label(RichText::new(app.tr(form.kind.label_zh(), form.kind.label_en())).strong());
            egui::Grid::new("export_form")
                .num_columns(2)
                .show(ui, |ui| {
                    ui.label(app.tr("文件夹", "Folder"));
                    let folder =
                        ui.add(egui::TextEdit::singleline(&mut form.folder).desired_width(320.0));
                    ui.end_row();
                    ui.label(app.tr("文件名", "File name"));
                    let name =
                        ui.add(egui::TextEdit::singleline(&mut form.name).desired_width(320.0));
                    ui.end_row();
                    if folder.changed() || name.changed() {
                        form.asked_to_replace = false;
                    }
                });
            let path = Path::new(form.folder.trim()).join(form.name.trim());
            if form.asked_to_replace {
                ui.label(
                    RichText::new(app.tr(
                        "该文件已存在。替换它，或改一个文件名。",
                        "This file exists. Replace it, or change the name.",
                    ))
                    .color(Color32::from_rgb(0xc6, 0x28, 0x28)),
                );
            }
            ui.horizontal(|ui| {
                let (zh, en) = if form.asked_to_replace {
                    ("替换", "Replace")
                } else {
                    ("导出", "Export")
                };
                if ui.button(app.tr(zh, en)).clicked() {
                    if path.exists() && !form.asked_to_replace {
                        form.asked_to_replace = true;
                    } else {
                        write = Some(path.clone());
                    }
                }
                if ui.button(app.tr("取消", "Cancel")).clicked() {
                    cancelled = true;
                }
            });
        });
    match write {
        Some(path) => app.write_export(ctx, form.kind, path, form.time),
        None if open && !cancelled => app.export_form = Some(form),
        None => {}
    }
}

/// Asks the operator's name before a report that states it: a report
/// naming "unknown" is not one an officer can file.
pub fn operator_prompt_ui(app: &mut RedlineApp, ctx: &egui::Context) {
    let Some(kind) = app.operator_prompt else {
        return;
    };
    let mut open = true;
    let mut go_on = false;
    egui::Window::new(app.tr("操作人", "Operator"))
        .open(&mut open)
        .collapsible(false)
        .default_pos(ctx.content_rect().center())
        .show(ctx, |ui| {
            ui.label(app.tr(
                "报告须注明操作人。请输入您的姓名：",
                "The report names its operator. Your name:",
            ));
            let hint = app.tr("姓名", "name");
            let field = ui.add(
                egui::TextEdit::singleline(&mut app.operator)
                    .hint_text(hint)
                    .desired_width(200.0),
            );
            let named = !app.operator.trim().is_empty();
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let button = ui.add_enabled(named, egui::Button::new(app.tr("继续导出", "Export")));
            go_on = named && (button.clicked() || entered);
        });
    if go_on {
        app.operator_prompt = None;
        app.ask_export(ctx, kind);
    } else if !open {
        app.operator_prompt = None;
    }
}

/// Opens a folder in the desktop's file manager.
pub fn open_folder(folder: &Path) -> Result<(), String> {
    let opener = if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(folder)
        .spawn()
        .map(|_| ())
        .map_err(|e| {
            format!(
                "{}: cannot open the folder with {opener} ({e})",
                folder.display()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dialog_that_answers_at_once_was_never_shown() {
        assert_eq!(pick(|| None::<PathBuf>), Picked::NoDialog);
        let slow = pick(|| {
            std::thread::sleep(NO_DIALOG_WITHIN + Duration::from_millis(50));
            None::<PathBuf>
        });
        assert_eq!(slow, Picked::Cancelled);
        let chosen = PathBuf::from("a.pdf");
        assert_eq!(pick(|| Some(chosen.clone())), Picked::Chosen(chosen));
    }
}
