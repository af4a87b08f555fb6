//! Tables for the PDF report: cells wrap their text to the column width, so
//! nothing overflows, and a table that runs off the page continues on the
//! next one under a repeated header row.

use super::layout::{Color, Doc, Op, PathData, BLACK, LEADING, LIGHT, MARGIN_X};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Align {
    Left,
    Right,
}

pub struct Column<'a> {
    pub title: &'a str,
    /// Share of the table's width; shares are normalised.
    pub share: f32,
    pub align: Align,
}

/// Space between a cell's text and its border.
pub const PAD: f32 = 3.0;
const HEADER_FILL: Color = Color(236, 236, 236);

/// Draws `rows` under a header, `width` points wide, from the cursor.
pub fn table(doc: &mut Doc, columns: &[Column], rows: &[Vec<String>], size: f32, width: f32) {
    let total: f32 = columns.iter().map(|c| c.share).sum();
    let widths: Vec<f32> = columns
        .iter()
        .map(|c| c.share / total.max(f32::EPSILON) * width)
        .collect();
    let header: Vec<String> = columns.iter().map(|c| c.title.to_string()).collect();
    let header_lines = wrap_row(doc, &header, &widths, size);
    let line_h = size * LEADING;
    let height = |lines: &[Vec<String>]| {
        lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * line_h + 2.0 * PAD
    };
    let header_h = height(&header_lines);
    let mut header_drawn_on = None;
    for row in rows {
        let lines = wrap_row(doc, row, &widths, size);
        let row_h = height(&lines);
        doc.ensure(
            row_h
                + if header_drawn_on == Some(doc.pages.len()) {
                    0.0
                } else {
                    header_h
                },
        );
        if header_drawn_on != Some(doc.pages.len()) {
            draw_row(
                doc,
                &header_lines,
                &widths,
                columns,
                size,
                header_h,
                Some(HEADER_FILL),
            );
            header_drawn_on = Some(doc.pages.len());
        }
        draw_row(doc, &lines, &widths, columns, size, row_h, None);
    }
    if rows.is_empty() {
        doc.ensure(header_h);
        draw_row(
            doc,
            &header_lines,
            &widths,
            columns,
            size,
            header_h,
            Some(HEADER_FILL),
        );
    }
}

fn wrap_row(doc: &Doc, cells: &[String], widths: &[f32], size: f32) -> Vec<Vec<String>> {
    cells
        .iter()
        .zip(widths)
        .map(|(text, w)| doc.fonts.wrap(text, size, w - 2.0 * PAD))
        .collect()
}

fn draw_row(
    doc: &mut Doc,
    lines: &[Vec<String>],
    widths: &[f32],
    columns: &[Column],
    size: f32,
    row_h: f32,
    fill: Option<Color>,
) {
    let top = doc.y;
    let total_w: f32 = widths.iter().sum();
    if let Some(color) = fill {
        doc.push(Op::Fill {
            path: PathData::rect(MARGIN_X, top, total_w, row_h),
            color,
            opacity: 1.0,
        });
    }
    let mut x = MARGIN_X;
    for ((cell, w), column) in lines.iter().zip(widths).zip(columns) {
        for (i, line) in cell.iter().enumerate() {
            let baseline = top + PAD + size * 1.05 + i as f32 * size * LEADING;
            let tx = match column.align {
                Align::Left => x + PAD,
                Align::Right => x + w - PAD - doc.fonts.width(line, size),
            };
            doc.text(tx, baseline, size, BLACK, line);
        }
        x += w;
    }
    // Grid: the row's top and bottom, and every column edge.
    let mut grid = PathData::default();
    grid.parts
        .push((vec![(MARGIN_X, top), (MARGIN_X + total_w, top)], false));
    grid.parts.push((
        vec![(MARGIN_X, top + row_h), (MARGIN_X + total_w, top + row_h)],
        false,
    ));
    let mut x = MARGIN_X;
    for w in std::iter::once(&0.0).chain(widths) {
        x += w;
        grid.parts.push((vec![(x, top), (x, top + row_h)], false));
    }
    doc.push(Op::Stroke {
        path: grid,
        color: LIGHT,
        width: 0.5,
        dash: None,
    });
    doc.y = top + row_h;
}
