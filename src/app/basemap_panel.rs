//! The basemap window (视图 View → 底图… Basemap…): which basemap, the
//! 天地图 key, the attribution to state, and how strongly it shows.

use eframe::egui::{self, RichText};

use crate::basemap::{BasemapChoice, TIANDITU_ATTRIBUTION, TIANDITU_KEY_VAR};

use super::dialogs::{pick, Picked, NO_OPEN_DIALOG};
use super::RedlineApp;

/// The choices as the window lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    None,
    TiandituVector,
    TiandituImagery,
    Template,
    Offline,
}

/// What is being typed in the window, applied with 应用 Apply.
#[derive(Debug, Clone)]
pub struct BasemapForm {
    kind: Kind,
    url: String,
    path: String,
    key: String,
    attribution: String,
}

impl BasemapForm {
    pub fn of(app: &RedlineApp) -> BasemapForm {
        let settings = &app.basemap_settings;
        let (kind, url, path) = match &settings.choice {
            BasemapChoice::None => (Kind::None, String::new(), String::new()),
            BasemapChoice::TiandituVector => (Kind::TiandituVector, String::new(), String::new()),
            BasemapChoice::TiandituImagery => (Kind::TiandituImagery, String::new(), String::new()),
            BasemapChoice::Template { url, .. } => (Kind::Template, url.clone(), String::new()),
            BasemapChoice::Offline { path } => {
                (Kind::Offline, String::new(), path.display().to_string())
            }
        };
        BasemapForm {
            kind,
            url,
            path,
            key: settings.tianditu_key.clone(),
            attribution: settings.attribution.clone(),
        }
    }

    fn choice(&self) -> Result<BasemapChoice, String> {
        Ok(match self.kind {
            Kind::None => BasemapChoice::None,
            Kind::TiandituVector => BasemapChoice::TiandituVector,
            Kind::TiandituImagery => BasemapChoice::TiandituImagery,
            Kind::Template => match BasemapChoice::parse(&self.url)? {
                BasemapChoice::Template { url, .. } => BasemapChoice::Template {
                    url,
                    attribution: self.attribution.trim().to_string(),
                },
                _ => {
                    return Err(format!(
                        "{} is not a tile URL: it begins with http:// or https://",
                        self.url.trim()
                    ))
                }
            },
            Kind::Offline => match self.path.trim() {
                "" => return Err("choose an MBTiles file or a tile folder".to_string()),
                // Kept absolute: the next run may start in another folder.
                path => BasemapChoice::Offline {
                    path: std::path::absolute(path).unwrap_or_else(|_| path.into()),
                },
            },
        })
    }
}

pub fn basemap_window_ui(app: &mut RedlineApp, ctx: &egui::Context) {
    let Some(mut form) = app.basemap_form.take() else {
        return;
    };
    let mut open = true;
    let mut apply = false;
    egui::Window::new(app.tr("底图", "Basemap"))
        .open(&mut open)
        .resizable(false)
        .show(ctx, |ui| {
            let kinds = [
                (Kind::None, app.tr("无底图", "None")),
                (Kind::TiandituVector, app.tr("天地图 矢量", "Tianditu vector")),
                (Kind::TiandituImagery, app.tr("天地图 影像", "Tianditu imagery")),
                (Kind::Template, app.tr("自定义 XYZ / WMTS 服务", "Custom XYZ / WMTS")),
                (Kind::Offline, app.tr("离线瓦片包（MBTiles 或瓦片文件夹）", "Offline package (MBTiles or tile folder)")),
            ];
            for (kind, label) in kinds {
                ui.radio_value(&mut form.kind, kind, label);
            }
            ui.separator();
            match form.kind {
                Kind::TiandituVector | Kind::TiandituImagery => {
                    ui.horizontal(|ui| {
                        ui.label(app.tr("天地图密钥 tk", "Tianditu key (tk)"));
                        ui.add(
                            egui::TextEdit::singleline(&mut form.key)
                                .password(true)
                                .desired_width(260.0),
                        );
                    });
                    ui.label(
                        RichText::new(format!(
                            "{} {TIANDITU_KEY_VAR}",
                            app.tr(
                                "密钥只存于本机设置，不写入规划目录或报告；也可用环境变量",
                                "Kept in this computer's settings only, never in a catalog or report; or set",
                            )
                        ))
                        .weak(),
                    );
                }
                Kind::Template => {
                    ui.label(app.tr("瓦片地址模板", "Tile URL template"));
                    ui.add(
                        egui::TextEdit::singleline(&mut form.url)
                            .hint_text("https://tiles.example/{z}/{x}/{y}.png")
                            .desired_width(380.0),
                    );
                }
                Kind::Offline => {
                    ui.horizontal(|ui| {
                        ui.add(
                            egui::TextEdit::singleline(&mut form.path)
                                .hint_text("D:\\底图\\重庆.mbtiles")
                                .desired_width(300.0),
                        );
                        if ui.button(app.tr("浏览…", "Browse…")).clicked() {
                            let dialog = || {
                                rfd::FileDialog::new()
                                    .add_filter("MBTiles", &["mbtiles"])
                                    .pick_file()
                            };
                            match pick(dialog) {
                                Picked::Chosen(path) => form.path = path.display().to_string(),
                                Picked::Cancelled => {}
                                Picked::NoDialog => app.messages.push(NO_OPEN_DIALOG.to_string()),
                            }
                        }
                    });
                }
                Kind::None => {}
            }
            if form.kind != Kind::None {
                ui.horizontal(|ui| {
                    ui.label(app.tr("版权与审图号", "Attribution"));
                    let hint = match form.kind {
                        Kind::TiandituVector | Kind::TiandituImagery => TIANDITU_ATTRIBUTION,
                        _ => "",
                    };
                    ui.add(
                        egui::TextEdit::singleline(&mut form.attribution)
                            .hint_text(hint)
                            .desired_width(300.0),
                    );
                });
                ui.horizontal(|ui| {
                    ui.label(app.tr("不透明度", "Opacity"));
                    ui.add(egui::Slider::new(&mut app.basemap_settings.opacity, 0.1..=1.0));
                });
            }
            ui.separator();
            apply = ui.button(app.tr("应用", "Apply")).clicked();
        });
    if apply {
        match form.choice() {
            Ok(choice) => {
                app.basemap_settings.choice = choice;
                app.basemap_settings.tianditu_key = form.key.trim().to_string();
                app.basemap_settings.attribution = form.attribution.trim().to_string();
                app.open_basemap(ctx);
            }
            Err(e) => app.messages.push(format!("底图 basemap: {e}")),
        }
    }
    if open {
        app.basemap_form = Some(form);
    }
}
