//! Page layout for the PDF report: a display list per page (text, filled
//! and stroked paths, clips), a cursor that flows text down the page and
//! breaks pages, and text measured with the font's own advances so that
//! wrapping is exact.
//!
//! Pages are laid out first and written to PDF at the end, so every page
//! can say "page i of n". Coordinates are PDF points, y pointing down.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, Stroke, StrokeDash};
use krilla::text::{Font, GlyphId, KrillaGlyph};

/// The bundled CJK font (Noto Sans SC, SIL Open Font License, see
/// `assets/fonts/OFL.txt`); the PDF embeds the subset it uses.
pub const CJK_FONT: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC_400Regular.ttf");

/// A4 portrait, in points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
pub const MARGIN_X: f32 = 56.0;
const TOP: f32 = 62.0;
const BOTTOM: f32 = PAGE_H - 58.0;
/// Width of the text column.
pub const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
/// Line height as a multiple of the font size.
pub const LEADING: f32 = 1.45;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Color(pub u8, pub u8, pub u8);

pub const BLACK: Color = Color(0, 0, 0);
pub const GREY: Color = Color(110, 110, 110);
pub const LIGHT: Color = Color(190, 190, 190);

/// Rings or polylines in page coordinates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PathData {
    pub parts: Vec<(Vec<(f32, f32)>, bool)>,
}

impl PathData {
    pub fn rect(x: f32, y: f32, w: f32, h: f32) -> PathData {
        PathData {
            parts: vec![(vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h)], true)],
        }
    }

    pub fn line(a: (f32, f32), b: (f32, f32)) -> PathData {
        PathData {
            parts: vec![(vec![a, b], false)],
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        color: Color,
        text: String,
    },
    /// Filled with the even-odd rule, so holes stay holes.
    Fill {
        path: PathData,
        color: Color,
        opacity: f32,
    },
    Stroke {
        path: PathData,
        color: Color,
        width: f32,
        dash: Option<f32>,
    },
    /// Until the matching `Unclip`, draw only inside `path` (even-odd).
    Clip(PathData),
    /// A JPEG filling the rectangle at `x`, `y` (top left), `w` × `h`.
    Image {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        jpeg: std::sync::Arc<Vec<u8>>,
    },
    Unclip,
}

/// The font, for drawing and for measuring with the same advances.
pub struct Fonts {
    font: Font,
    face: ttf_parser::Face<'static>,
}

impl Fonts {
    pub fn load() -> Result<Fonts, String> {
        let font = Font::new(CJK_FONT.into(), 0)
            .ok_or("the bundled CJK font could not be read by the PDF writer")?;
        let face = ttf_parser::Face::parse(CJK_FONT, 0)
            .map_err(|e| format!("the bundled CJK font could not be read: {e}"))?;
        Ok(Fonts { font, face })
    }

    fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        let em = f32::from(self.face.units_per_em());
        text.char_indices()
            .map(|(at, c)| {
                let id = self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                let advance = self.face.glyph_hor_advance(id).unwrap_or(0);
                KrillaGlyph::new(
                    GlyphId::new(u32::from(id.0)),
                    f32::from(advance) / em,
                    0.0,
                    0.0,
                    0.0,
                    at..at + c.len_utf8(),
                    None,
                )
            })
            .collect()
    }

    /// The width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.glyphs(text).iter().map(|g| g.x_advance * size).sum()
    }

    /// `text` broken into lines no wider than `width`: between any two CJK
    /// characters, after spaces and separators, and inside a word only when
    /// the word alone is too long. Explicit newlines are kept.
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            // Byte offset in `line` after which it may break.
            let mut last_break: Option<usize> = None;
            let mut prev: Option<char> = None;
            for c in paragraph.chars() {
                if let Some(p) = prev {
                    if breaks_between(p, c) {
                        last_break = Some(line.len());
                    }
                }
                line.push(c);
                prev = Some(c);
                if self.width(&line, size) > width && line.chars().count() > 1 {
                    let cut = match last_break {
                        Some(at) if at > 0 => at,
                        _ => line.len() - c.len_utf8(),
                    };
                    let rest = line.split_off(cut);
                    lines.push(line.trim_end().to_string());
                    line = rest.trim_start().to_string();
                    last_break = None;
                }
            }
            lines.push(line);
        }
        lines
    }
}

fn is_cjk(c: char) -> bool {
    c as u32 >= 0x2E80
}

fn breaks_between(prev: char, next: char) -> bool {
    // Closing punctuation never starts a line.
    if "，。、；：？！）》」』】”".contains(next) {
        return false;
    }
    prev == ' '
        || "/,;，。、；：）".contains(prev)
        || is_cjk(prev)
        || (is_cjk(next) && prev != '（')
}

/// The pages being laid out, and where the next line goes.
pub struct Doc {
    pub fonts: Fonts,
    pub pages: Vec<Vec<Op>>,
    /// The top of the free space on the current page.
    pub y: f32,
}

impl Doc {
    pub fn new(fonts: Fonts) -> Doc {
        Doc {
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    pub fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    /// The room left on this page.
    pub fn room(&self) -> f32 {
        BOTTOM - self.y
    }

    pub fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    pub fn text(&mut self, x: f32, baseline: f32, size: f32, color: Color, text: &str) {
        self.push(Op::Text {
            x,
            y: baseline,
            size,
            color,
            text: text.to_string(),
        });
    }

    /// Wrapped text across the column from `indent`, breaking pages between lines.
    pub fn paragraph(&mut self, text: &str, size: f32, color: Color, indent: f32) {
        let line_h = size * LEADING;
        for line in self.fonts.wrap(text, size, CONTENT_W - indent) {
            self.ensure(line_h);
            self.text(MARGIN_X + indent, self.y + size, size, color, &line);
            self.y += line_h;
        }
    }

    pub fn heading(&mut self, text: &str, size: f32) {
        self.ensure(size * LEADING * 2.0);
        self.y += size * 0.4;
        self.paragraph(text, size, BLACK, 0.0);
        self.y += size * 0.2;
    }

    pub fn gap(&mut self, height: f32) {
        self.y += height;
    }

    /// Adds the running header and "第 i 页 / 共 n 页" footer to every page.
    pub fn add_running_header_and_footer(&mut self, header: &str, footer: &str) {
        let total = self.pages.len();
        let size = 8.0;
        let header_w = self.fonts.width(header, size);
        for (i, page) in self.pages.iter_mut().enumerate() {
            let number = format!("第 {} 页 / 共 {} 页", i + 1, total);
            let number_w = self.fonts.width(&number, size);
            page.extend([
                Op::Text {
                    x: PAGE_W - MARGIN_X - header_w,
                    y: 38.0,
                    size,
                    color: GREY,
                    text: header.to_string(),
                },
                Op::Stroke {
                    path: PathData::line((MARGIN_X, 44.0), (PAGE_W - MARGIN_X, 44.0)),
                    color: LIGHT,
                    width: 0.5,
                    dash: None,
                },
                Op::Text {
                    x: MARGIN_X,
                    y: PAGE_H - 34.0,
                    size,
                    color: GREY,
                    text: footer.to_string(),
                },
                Op::Text {
                    x: PAGE_W - MARGIN_X - number_w,
                    y: PAGE_H - 34.0,
                    size,
                    color: GREY,
                    text: number,
                },
            ]);
        }
    }

    /// Writes the pages to PDF, with `attachment` embedded for programs to
    /// read back.
    pub fn finish(
        self,
        metadata: krilla::metadata::Metadata,
        attachment: Attachment,
    ) -> Result<Vec<u8>, String> {
        let mut document = krilla::Document::new();
        document.embed_file(krilla::embed::EmbeddedFile {
            path: attachment.name.to_string(),
            mime_type: krilla::embed::MimeType::new("application/json"),
            description: Some(attachment.description.to_string()),
            association_kind: krilla::embed::AssociationKind::Supplement,
            data: attachment.json.into(),
            modification_date: Some(attachment.date),
            // Readable with any PDF tool as it is; it is small.
            compress: Some(false),
            location: None,
        });
        document.set_metadata(metadata);
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("bad page size")?;
        for ops in &self.pages {
            let mut page = document.start_page_with(settings.clone());
            let mut surface = page.surface();
            for op in ops {
                draw(&mut surface, &self.fonts, op);
            }
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|e| format!("the PDF could not be written: {e:?}"))
    }
}

/// A JSON file embedded in the PDF.
pub struct Attachment {
    pub name: &'static str,
    pub description: &'static str,
    pub json: Vec<u8>,
    pub date: krilla::metadata::DateTime,
}

fn paint(color: Color) -> krilla::paint::Paint {
    rgb::Color::new(color.0, color.1, color.2).into()
}

fn krilla_path(path: &PathData) -> Option<krilla::geom::Path> {
    let mut builder = PathBuilder::new();
    for (points, closed) in &path.parts {
        let Some((first, rest)) = points.split_first() else {
            continue;
        };
        builder.move_to(first.0, first.1);
        for p in rest {
            builder.line_to(p.0, p.1);
        }
        if *closed {
            builder.close();
        }
    }
    builder.finish()
}

fn draw(surface: &mut krilla::surface::Surface, fonts: &Fonts, op: &Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            color,
            text,
        } => {
            surface.set_stroke(None);
            surface.set_fill(Some(Fill {
                paint: paint(*color),
                opacity: NormalizedF32::ONE,
                rule: FillRule::NonZero,
            }));
            let glyphs = fonts.glyphs(text);
            surface.draw_glyphs(
                Point::from_xy(*x, *y),
                &glyphs,
                fonts.font.clone(),
                text,
                *size,
                false,
            );
        }
        Op::Fill {
            path,
            color,
            opacity,
        } => {
            if let Some(path) = krilla_path(path) {
                surface.set_stroke(None);
                surface.set_fill(Some(Fill {
                    paint: paint(*color),
                    opacity: NormalizedF32::new(*opacity).unwrap_or(NormalizedF32::ONE),
                    rule: FillRule::EvenOdd,
                }));
                surface.draw_path(&path);
            }
        }
        Op::Stroke {
            path,
            color,
            width,
            dash,
        } => {
            if let Some(path) = krilla_path(path) {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: paint(*color),
                    width: *width,
                    dash: dash.map(|d| StrokeDash {
                        array: vec![d, d],
                        offset: 0.0,
                    }),
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
        }
        Op::Clip(path) => {
            // An empty clip still needs its `pop`: clip to nothing.
            let path =
                krilla_path(path).or_else(|| krilla_path(&PathData::rect(0.0, 0.0, 0.0, 0.0)));
            if let Some(path) = path {
                surface.push_clip_path(&path, &FillRule::EvenOdd);
            } else {
                surface.push_opacity(NormalizedF32::ZERO);
            }
        }
        Op::Unclip => surface.pop(),
        Op::Image { x, y, w, h, jpeg } => {
            let image = krilla::image::Image::from_jpeg(jpeg.clone().into(), true);
            if let (Ok(image), Some(size)) = (image, krilla::geom::Size::from_wh(*w, *h)) {
                surface.push_transform(&krilla::geom::Transform::from_translate(*x, *y));
                surface.draw_image(image, size);
                surface.pop();
            }
        }
    }
}
