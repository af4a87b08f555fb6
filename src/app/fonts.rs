//! The bundled CJK font, so Chinese place names never render as boxes and
//! every machine draws the same glyphs whatever fonts it has installed.

use std::sync::Arc;

use eframe::egui::{Context, FontData, FontDefinitions, FontFamily};

/// The same font the PDF report embeds: screen and paper read alike.
use crate::report::pdf::CJK_FONT;

pub fn install_cjk_font(ctx: &Context) {
    let mut fonts = FontDefinitions::default();
    fonts
        .font_data
        .insert("cjk".into(), Arc::new(FontData::from_static(CJK_FONT)));
    // Latin text keeps egui's own font; everything it lacks falls back to CJK.
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        fonts.families.entry(family).or_default().push("cjk".into());
    }
    ctx.set_fonts(fonts);
}
