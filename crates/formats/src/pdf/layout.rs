//! Page layout for the PDFs: the embedded font and its metrics, a page recorder ([`Canvas`]) that
//! places text and rules in points on an A4 page (origin top left, y down), tables whose rows break
//! across pages with the header repeated. `writer.rs` turns recorded pages into one PDF (the font
//! embedded as a subset of the glyphs used).
//!
//! Pages are recorded first and drawn afterwards, so every page can say "2 / 5".

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use skrifa::{FontRef, MetadataProvider};

/// IPAex Gothic (IPA Font License v1.0, `assets/fonts/`), built into the binary so that no
/// system font is needed.
pub(crate) static FONT_DATA: &[u8] = include_bytes!("../../../../assets/fonts/ipaexg.ttf");

/// A4 in points.
pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const MARGIN_X: f32 = 48.0;
pub(crate) const TOP: f32 = 48.0;
/// The lowest y the body may use; the footer sits below it.
pub(crate) const BOTTOM: f32 = PAGE_H - 56.0;
pub(crate) const RIGHT: f32 = PAGE_W - MARGIN_X;
pub(crate) const WIDTH: f32 = RIGHT - MARGIN_X;

/// Glyph id and advance (in em) of every character the font maps: a table for the Basic
/// Multilingual Plane (a lookup per character of 300,000 invoice lines), a map for the rest.
struct Metrics {
    bmp: Vec<(u32, f32)>,
    other: HashMap<char, (u32, f32)>,
}

/// What a character the font lacks gets: the .notdef box, one em wide.
const MISSING: (u32, f32) = (0, 1.0);

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut m = Metrics {
        bmp: vec![MISSING; 0x10000],
        other: HashMap::new(),
    };
    if let Ok(font) = FontRef::new(FONT_DATA) {
        let upem = font.head().map(|h| f32::from(h.units_per_em())).unwrap_or(1000.0);
        let gm = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        for (cp, gid) in font.charmap().mappings() {
            let entry = (gid.to_u32(), gm.advance_width(gid).unwrap_or(upem) / upem);
            match (usize::try_from(cp).ok().filter(|&i| i < 0x10000), char::from_u32(cp)) {
                (Some(i), _) => m.bmp[i] = entry,
                (None, Some(c)) => {
                    m.other.insert(c, entry);
                }
                (None, None) => {}
            }
        }
    }
    m
});

/// The glyph and advance of `c`; a character the font lacks is drawn as its .notdef box (the text
/// layer still has the character).
pub(crate) fn glyph(c: char) -> (u32, f32) {
    let m = &*METRICS;
    match m.bmp.get(c as usize) {
        Some(g) => *g,
        None => m.other.get(&c).copied().unwrap_or(MISSING),
    }
}

/// Width of `text` at `size` points.
pub(crate) fn text_width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| glyph(c).1).sum::<f32>() * size
}

/// `text` cut to fit `width` at `size`, with "…" when cut.
pub(crate) fn fit(text: &str, size: f32, width: f32) -> Cow<'_, str> {
    if text_width(text, size) <= width {
        return Cow::Borrowed(text);
    }
    let ell = glyph('…').1 * size;
    let mut w = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        let a = glyph(c).1 * size;
        if w + a + ell > width {
            break;
        }
        w += a;
        out.push(c);
    }
    out.push('…');
    Cow::Owned(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// One drawing operation on a page.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// Text whose baseline starts at (x, y). `adv` holds each character's advance in em when
    /// they are not the font's (a table row is one run: the space before a cell reaches to it).
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        bold: bool,
        gray: u8,
        adv: Vec<f32>,
    },
    /// A straight rule.
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        gray: u8,
    },
    /// A rectangle, filled and/or outlined.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<u8>,
        stroke: Option<f32>,
    },
}

/// The recorded pages of one document (an office's invoice, a letter …).
#[derive(Clone, Debug, Default)]
pub(crate) struct Part {
    /// Outline entry in a combined PDF.
    pub title: String,
    /// Left part of every page's footer; the page number is added on the right.
    pub footer: String,
    pub pages: Vec<Vec<Op>>,
}

/// Records pages. `y` is the cursor for flowing content.
pub(crate) struct Canvas {
    pages: Vec<Vec<Op>>,
    pub y: f32,
}

impl Canvas {
    pub(crate) fn new() -> Canvas {
        Canvas {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Whether `h` more points fit below the cursor on this page.
    pub(crate) fn fits(&self, h: f32) -> bool {
        self.y + h <= BOTTOM
    }

    pub(crate) fn text_at(&mut self, x: f32, y: f32, size: f32, text: &str, align: Align) {
        self.styled(x, y, size, text, align, false, 0);
    }

    pub(crate) fn bold_at(&mut self, x: f32, y: f32, size: f32, text: &str, align: Align) {
        self.styled(x, y, size, text, align, true, 0);
    }

    #[allow(clippy::too_many_arguments)]
    fn styled(&mut self, x: f32, y: f32, size: f32, text: &str, align: Align, bold: bool, gray: u8) {
        if text.is_empty() {
            return;
        }
        let x = match align {
            Align::Left => x,
            Align::Center => x - text_width(text, size) / 2.0,
            Align::Right => x - text_width(text, size),
        };
        self.ops().push(Op::Text {
            x,
            y,
            size,
            text: text.to_string(),
            bold,
            gray,
            adv: Vec::new(),
        });
    }

    /// Several pieces of text on one baseline, each at its own x (alignment resolved), drawn as one
    /// run: far fewer PDF operators than one text object per table cell. The pieces must go left
    /// to right.
    pub(crate) fn run(&mut self, y: f32, size: f32, bold: bool, pieces: &[(f32, &str, Align)]) {
        let mut text = String::new();
        let mut adv = Vec::new();
        let mut start = None;
        let mut pen = 0.0;
        for (x, piece, align) in pieces {
            if piece.is_empty() {
                continue;
            }
            let w = text_width(piece, size);
            let x = match align {
                Align::Left => *x,
                Align::Center => x - w / 2.0,
                Align::Right => x - w,
            };
            // A piece that would overlap the one before starts right after it.
            let x = if start.is_none() {
                start = Some(x);
                x
            } else {
                let x = x.max(pen);
                text.push(' ');
                adv.push((x - pen) / size);
                x
            };
            for c in piece.chars() {
                text.push(c);
                adv.push(glyph(c).1);
            }
            pen = x + w;
        }
        if let Some(x) = start {
            self.ops().push(Op::Text {
                x,
                y,
                size,
                text,
                bold,
                gray: 0,
                adv,
            });
        }
    }

    pub(crate) fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32) {
        self.ops().push(Op::Line {
            x1,
            y1: y,
            x2,
            y2: y,
            width,
            gray: 0,
        });
    }

    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, gray: u8) {
        self.ops().push(Op::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            gray,
        });
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Option<u8>, stroke: Option<f32>) {
        self.ops().push(Op::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        });
    }

    /// A paragraph of `text` from the cursor, wrapped at `width`; moves the cursor below it.
    pub(crate) fn paragraph(&mut self, x: f32, width: f32, size: f32, text: &str) {
        let leading = size * 1.6;
        for line in wrap(text, size, width) {
            if !self.fits(leading) {
                self.new_page();
            }
            self.text_at(x, self.y + size, size, &line, Align::Left);
            self.y += leading;
        }
    }

    pub(crate) fn finish(self, title: String, footer: String) -> Part {
        Part {
            title,
            footer,
            pages: self.pages,
        }
    }
}

/// Lines of `text` no wider than `width` (breaks anywhere: Japanese has no spaces; a line does not
/// start with 、 。 ） 」).
pub(crate) fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut w = 0.0;
    for c in text.chars() {
        let a = glyph(c).1 * size;
        if w + a > width && !line.is_empty() && !"、。）」，．".contains(c) {
            lines.push(std::mem::take(&mut line));
            w = 0.0;
        }
        line.push(c);
        w += a;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A table column: heading, width, alignment of its cells.
#[derive(Clone, Debug)]
pub(crate) struct Col {
    pub title: &'static str,
    pub width: f32,
    pub align: Align,
}

pub(crate) const fn col(title: &'static str, width: f32, align: Align) -> Col {
    Col { title, width, align }
}

/// A table whose rows flow over pages; the heading row is drawn again on every page it continues
/// on, under `continued` (e.g. "加入者明細（続き）").
pub(crate) struct Table<'a> {
    pub x: f32,
    pub cols: &'a [Col],
    pub size: f32,
    pub row_h: f32,
    pub continued: String,
}

impl Table<'_> {
    fn width(&self) -> f32 {
        self.cols.iter().map(|c| c.width).sum()
    }

    /// Draw the heading row at the cursor.
    pub(crate) fn header(&self, cv: &mut Canvas) {
        let h = self.row_h + 2.0;
        cv.rect(self.x, cv.y, self.width(), h, Some(225), None);
        let mut x = self.x;
        let base = cv.y + h / 2.0 + self.size * 0.36;
        let mut pieces = Vec::with_capacity(self.cols.len());
        for c in self.cols {
            let (ax, align) = anchor(x, c);
            pieces.push((ax, c.title, align));
            x += c.width;
        }
        cv.run(base, self.size, true, &pieces);
        cv.y += h;
        cv.hline(self.x, self.x + self.width(), cv.y, 0.6);
    }

    /// Draw one row at the cursor, first starting a new page (with heading) when it does not fit.
    /// `strong` rows (totals) are bold with a rule above.
    pub(crate) fn row(&self, cv: &mut Canvas, cells: &[&str], strong: bool) {
        if !cv.fits(self.row_h) {
            cv.new_page();
            cv.bold_at(self.x, cv.y + 11.0, 11.0, &self.continued, Align::Left);
            cv.y += 20.0;
            self.header(cv);
        }
        if strong {
            cv.hline(self.x, self.x + self.width(), cv.y, 0.6);
        }
        let base = cv.y + self.row_h / 2.0 + self.size * 0.36;
        let mut x = self.x;
        let mut texts = Vec::with_capacity(self.cols.len());
        for (c, text) in self.cols.iter().zip(cells) {
            let (ax, align) = anchor(x, c);
            texts.push((ax, fit(text, self.size, c.width - 8.0), align));
            x += c.width;
        }
        let pieces: Vec<(f32, &str, Align)> = texts.iter().map(|(x, t, a)| (*x, t.as_ref(), *a)).collect();
        cv.run(base, self.size, strong, &pieces);
        cv.y += self.row_h;
        cv.line(self.x, cv.y, self.x + self.width(), cv.y, 0.3, 170);
    }
}

impl Table<'_> {
    /// A total row: `label` across every column but the last, `value` in the last.
    pub(crate) fn total(&self, cv: &mut Canvas, label: &str, value: &str, strong: bool) {
        if !cv.fits(self.row_h) {
            cv.new_page();
            cv.bold_at(self.x, cv.y + 11.0, 11.0, &self.continued, Align::Left);
            cv.y += 20.0;
            self.header(cv);
        }
        if strong {
            cv.hline(self.x, self.x + self.width(), cv.y, 0.6);
        }
        let base = cv.y + self.row_h / 2.0 + self.size * 0.36;
        let last = self.cols.len().saturating_sub(1);
        let label_w: f32 = self.cols[..last].iter().map(|c| c.width).sum();
        let label = fit(label, self.size, label_w - 8.0);
        let (vx, align) = anchor(self.x + label_w, &self.cols[last]);
        cv.run(
            base,
            self.size,
            strong,
            &[(self.x + 4.0, &label, Align::Left), (vx, value, align)],
        );
        cv.y += self.row_h;
        cv.line(self.x, cv.y, self.x + self.width(), cv.y, 0.3, 170);
    }
}

fn anchor(x: f32, c: &Col) -> (f32, Align) {
    match c.align {
        Align::Left => (x + 4.0, Align::Left),
        Align::Center => (x + c.width / 2.0, Align::Center),
        Align::Right => (x + c.width - 4.0, Align::Right),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_maps_japanese_and_digits() {
        for c in "請求書非課税消費税第2版髙橋0123456789,-¥〒".chars() {
            assert_ne!(glyph(c).0, 0, "{c} missing from the font");
        }
        // Kanji are full width; digits narrower.
        assert!((text_width("請求", 10.0) - 20.0).abs() < 0.5);
        assert!(text_width("1,234", 10.0) < 30.0);
    }

    #[test]
    fn fit_cuts_with_an_ellipsis_and_wrap_breaks_lines() {
        assert_eq!(fit("本社", 10.0, 100.0), "本社");
        let cut = fit("とても長い事業所の名前です", 10.0, 50.0);
        assert!(cut.ends_with('…') && text_width(&cut, 10.0) <= 50.0, "{cut}");
        let lines = wrap("あいうえおかきくけこ。", 10.0, 50.0);
        assert_eq!(lines, vec!["あいうえお", "かきくけこ。"]);
    }
}
