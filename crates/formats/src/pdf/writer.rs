//! The PDF file itself, written with pdf-writer and subsetter (the crates krilla is built on):
//! each page's content stream, the embedded subset of IPAex Gothic with its widths and ToUnicode
//! map (so text can be searched and copied), the page tree and a bookmark per part.
//!
//! Why not krilla's drawing API (docs/OUTPUTS.md "PDF library"): krilla draws on one thread and
//! checks every glyph span as it goes; the 2,000-office combined invoice (643,447 detail lines)
//! took 3.3 s with it. Our pages only hold text, rules and boxes in one font, so this module lays
//! out, encodes and deflates whole parts on every core and only copies their streams into the
//! file on the calling thread.
//!
//! Text is a Type0 font with Identity-H encoding whose CIDs are the glyph ids of the full font;
//! a CIDToGIDMap maps them to the subset's glyph ids. So a page can be encoded before the document
//! knows which glyphs the subset will hold.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;

use flate2::{Compress, Compression, FlushCompress, Status};
use pdf_writer::types::{CidFontType, FontFlags, PageMode, SystemInfo, UnicodeCmap};
use pdf_writer::writers::Resources;
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use skrifa::raw::TableProvider;
use skrifa::FontRef;
use subsetter::GlyphRemapper;

use super::layout::{glyph, text_width, Op, Part, FONT_DATA, MARGIN_X, PAGE_H, PAGE_W, RIGHT};
use super::{PdfError, Result};

/// The font's resource name on every page.
const FONT: &[u8] = b"F0";

/// Glyph ids are 16 bits.
const GLYPHS: usize = 0x1_0000;

/// Per glyph id, the lowest character drawn with it (0: not drawn): what the subset keeps and
/// what the ToUnicode map says. The lowest, not the first, so that the file does not depend on
/// which core drew what.
type Used = Vec<u32>;

/// A part whose pages are encoded and deflated.
struct Encoded {
    title: String,
    pages: Vec<Vec<u8>>,
}

/// One PDF of `count` parts; `make(i)` lays out part `i` (on whichever core is free). With more
/// than one part the PDF has a bookmark per part and opens with the bookmarks shown. No creation
/// date is written, so the same input gives the same bytes.
pub(super) fn write<F>(count: usize, make: F, title: &str) -> Result<Vec<u8>>
where
    F: Fn(usize) -> Part + Sync,
{
    let mut doc = Doc::new(count);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(count);
    let mut used = vec![0u32; GLYPHS];
    if workers <= 1 {
        let mut z = deflater();
        for i in 0..count {
            doc.add(encode_part(&make(i), &mut used, &mut z)?);
        }
    } else {
        // Workers take the next part, lay it out, encode and deflate it; this thread writes the
        // parts into the file in order.
        let next = AtomicUsize::new(0);
        let tables = std::thread::scope(|s| -> Result<Vec<Used>> {
            let (tx, rx) = sync_channel::<(usize, Result<Encoded>)>(32);
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    let tx = tx.clone();
                    let (next, make) = (&next, &make);
                    s.spawn(move || {
                        let mut used = vec![0u32; GLYPHS];
                        let mut z = deflater();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= count {
                                break;
                            }
                            if tx.send((i, encode_part(&make(i), &mut used, &mut z))).is_err() {
                                break;
                            }
                        }
                        used
                    })
                })
                .collect();
            drop(tx);
            let mut pending = BTreeMap::new();
            let mut want = 0;
            for (i, part) in rx {
                pending.insert(i, part);
                while let Some(part) = pending.remove(&want) {
                    doc.add(part?);
                    want += 1;
                }
            }
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .map_err(|_| PdfError("PDFの作成中に内部エラーが起きました".into()))
                })
                .collect()
        })?;
        for t in tables {
            for (u, c) in used.iter_mut().zip(t) {
                if c != 0 && (*u == 0 || c < *u) {
                    *u = c;
                }
            }
        }
    }
    doc.finish(&used, title)
}

fn deflater() -> Compress {
    // Level 6, zlib's default. Measured on the 644,000-line combined invoice: level 1 is 0.94 s
    // and 41.1 MB, level 3 1.2 s and 33.8 MB, level 6 1.2–1.4 s and 32.2 MB.
    Compress::new(Compression::default(), true)
}

/// `data` as a zlib stream (FlateDecode), reusing `z`'s state.
fn deflate(z: &mut Compress, data: &[u8]) -> Result<Vec<u8>> {
    z.reset();
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    loop {
        let done = usize::try_from(z.total_in()).unwrap_or(usize::MAX).min(data.len());
        let status = z
            .compress_vec(&data[done..], &mut out, FlushCompress::Finish)
            .map_err(|e| PdfError(format!("PDFを圧縮できません（{e}）")))?;
        if status == Status::StreamEnd {
            return Ok(out);
        }
        out.reserve(out.capacity().max(4096));
    }
}

fn encode_part(part: &Part, used: &mut Used, z: &mut Compress) -> Result<Encoded> {
    let n = part.pages.len();
    let mut pages = Vec::with_capacity(n);
    let mut content = Vec::new();
    for (i, ops) in part.pages.iter().enumerate() {
        content.clear();
        let mut page = Page::new(&mut content, used);
        page.ops(ops);
        // Footer: the part's text on the left, "2 / 5" on the right.
        let y = PAGE_H - 30.0;
        page.text(MARGIN_X, y, 7.5, &part.footer, false, 90, &[]);
        let num = format!("{} / {}", i + 1, n);
        page.text(RIGHT - text_width(&num, 7.5), y, 7.5, &num, false, 90, &[]);
        pages.push(deflate(z, &content)?);
    }
    Ok(Encoded {
        title: part.title.clone(),
        pages,
    })
}

/// Writes one page's content stream. Coordinates come in points from the top left (y down) and
/// go out in PDF space (y up). Colour, text mode and font size are set only when they change.
struct Page<'a> {
    out: &'a mut Vec<u8>,
    used: &'a mut Used,
    fill: Option<u8>,
    /// Stroke gray and width (bits).
    stroke: Option<(u8, u32)>,
    bold: Option<bool>,
    size: Option<u32>,
}

impl<'a> Page<'a> {
    fn new(out: &'a mut Vec<u8>, used: &'a mut Used) -> Page<'a> {
        Page {
            out,
            used,
            fill: None,
            stroke: None,
            bold: None,
            size: None,
        }
    }

    fn ops(&mut self, ops: &[Op]) {
        // Rules go last, one path per width and gray: a table's rows share one path.
        let mut rules: Vec<((u8, u32), Vec<u8>)> = Vec::new();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    text,
                    bold,
                    gray,
                    adv,
                } => self.text(*x, *y, *size, text, *bold, *gray, adv),
                Op::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    width,
                    gray,
                } => {
                    let key = (*gray, width.to_bits());
                    let i = match rules.iter().position(|(k, _)| *k == key) {
                        Some(i) => i,
                        None => {
                            rules.push((key, Vec::new()));
                            rules.len() - 1
                        }
                    };
                    let path = &mut rules[i].1;
                    point(path, *x1, *y1);
                    path.extend_from_slice(b" m ");
                    point(path, *x2, *y2);
                    path.extend_from_slice(b" l\n");
                }
                Op::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => {
                    if let Some(g) = fill {
                        self.set_fill(*g);
                    }
                    if let Some(width) = stroke {
                        self.set_stroke(0, *width);
                    }
                    num(self.out, *x);
                    self.out.push(b' ');
                    num(self.out, PAGE_H - y - h);
                    self.out.push(b' ');
                    num(self.out, *w);
                    self.out.push(b' ');
                    num(self.out, *h);
                    self.out.extend_from_slice(match (fill, stroke) {
                        (Some(_), Some(_)) => b" re B\n",
                        (Some(_), None) => b" re f\n",
                        (None, Some(_)) => b" re S\n",
                        (None, None) => b" re n\n",
                    });
                }
            }
        }
        for ((gray, width), path) in rules {
            self.set_stroke(gray, f32::from_bits(width));
            self.out.extend_from_slice(&path);
            self.out.extend_from_slice(b"S\n");
        }
    }

    fn set_fill(&mut self, gray: u8) {
        if self.fill != Some(gray) {
            num(self.out, f32::from(gray) / 255.0);
            self.out.extend_from_slice(b" g\n");
            self.fill = Some(gray);
        }
    }

    fn set_stroke(&mut self, gray: u8, width: f32) {
        if self.stroke != Some((gray, width.to_bits())) {
            num(self.out, f32::from(gray) / 255.0);
            self.out.extend_from_slice(b" G ");
            num(self.out, width);
            self.out.extend_from_slice(b" w\n");
            self.stroke = Some((gray, width.to_bits()));
        }
    }

    /// Text whose baseline starts at (x, y); `adv` holds each character's advance in em where it
    /// is not the font's (written as TJ adjustments).
    #[allow(clippy::too_many_arguments)]
    fn text(&mut self, x: f32, y: f32, size: f32, text: &str, bold: bool, gray: u8, adv: &[f32]) {
        if text.is_empty() {
            return;
        }
        self.set_fill(gray);
        if self.bold != Some(bold) {
            // Bold by a thin outline (fill and stroke): the font has no bold face.
            self.out.extend_from_slice(if bold { b"2 Tr\n" } else { b"0 Tr\n" });
            self.bold = Some(bold);
        }
        if bold {
            self.set_stroke(gray, size * 0.035);
        }
        self.out.extend_from_slice(b"BT ");
        if self.size != Some(size.to_bits()) {
            self.out.push(b'/');
            self.out.extend_from_slice(FONT);
            self.out.push(b' ');
            num(self.out, size);
            self.out.extend_from_slice(b" Tf ");
            self.size = Some(size.to_bits());
        }
        point(self.out, x, y);
        self.out.extend_from_slice(b" Td [(");
        for (k, c) in text.chars().enumerate() {
            let (gid, natural) = glyph(c);
            let g = (gid & 0xFFFF) as usize;
            let u = &mut self.used[g];
            if *u == 0 || (c as u32) < *u {
                *u = c as u32;
            }
            for b in (g as u16).to_be_bytes() {
                match b {
                    b'(' | b')' | b'\\' => self.out.extend_from_slice(&[b'\\', b]),
                    // A bare CR in a literal string would be read as a line end (LF).
                    b'\r' => self.out.extend_from_slice(b"\\r"),
                    _ => self.out.push(b),
                }
            }
            if let Some(a) = adv.get(k) {
                // TJ numbers are thousandths of an em, subtracted from the glyph's advance.
                let d = (natural - a) * 1000.0;
                if d.abs() >= 0.01 {
                    self.out.push(b')');
                    num(self.out, d);
                    self.out.push(b'(');
                }
            }
        }
        self.out.extend_from_slice(b")] TJ ET\n");
    }
}

/// "x y" in PDF space for a point given from the top left.
fn point(out: &mut Vec<u8>, x: f32, y: f32) {
    num(out, x);
    out.push(b' ');
    num(out, PAGE_H - y);
}

/// A number to 1/100, rounded half away from zero (positions in points, widths in 1/1000 em —
/// never money), without trailing zeros.
fn num(out: &mut Vec<u8>, v: f32) {
    let h = (f64::from(v) * 100.0).round() as i64;
    if h < 0 {
        out.push(b'-');
    }
    let a = h.unsigned_abs();
    out.extend_from_slice(itoa::Buffer::new().format(a / 100).as_bytes());
    let f = a % 100;
    if f != 0 {
        out.push(b'.');
        out.push(b'0' + (f / 10) as u8);
        if !f.is_multiple_of(10) {
            out.push(b'0' + (f % 10) as u8);
        }
    }
}

/// Object numbers fixed before the pages.
const CATALOG: Ref = Ref::new(1);
const PAGES: Ref = Ref::new(2);
const TYPE0: Ref = Ref::new(3);
const CID_FONT: Ref = Ref::new(4);
const DESCRIPTOR: Ref = Ref::new(5);
const TO_UNICODE: Ref = Ref::new(6);
const FONT_FILE: Ref = Ref::new(7);
const CID_TO_GID: Ref = Ref::new(8);
const INFO: Ref = Ref::new(9);
const OUTLINE: Ref = Ref::new(10);
const RESOURCES: Ref = Ref::new(11);

/// The file as it is written: pages as their parts arrive, then the font and the catalog.
struct Doc {
    pdf: Pdf,
    next: i32,
    pages: Vec<Ref>,
    /// Per part: its title and first page.
    parts: Vec<(String, Ref)>,
    count: usize,
}

impl Doc {
    fn new(count: usize) -> Doc {
        Doc {
            pdf: Pdf::new(),
            next: 12,
            pages: Vec::new(),
            parts: Vec::with_capacity(count),
            count,
        }
    }

    fn alloc(&mut self) -> Ref {
        let r = Ref::new(self.next);
        self.next += 1;
        r
    }

    fn add(&mut self, part: Encoded) {
        for (i, data) in part.pages.iter().enumerate() {
            let (page, content) = (self.alloc(), self.alloc());
            if i == 0 {
                self.parts.push((part.title.clone(), page));
            }
            self.pdf.stream(content, data).filter(Filter::FlateDecode);
            self.pdf
                .page(page)
                .parent(PAGES)
                .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
                .contents(content)
                .pair(Name(b"Resources"), RESOURCES);
            self.pages.push(page);
        }
    }

    fn finish(mut self, used: &Used, title: &str) -> Result<Vec<u8>> {
        let mut z = deflater();
        embed_font(&mut self.pdf, used, &mut z)?;
        self.pdf
            .indirect(RESOURCES)
            .start::<Resources>()
            .fonts()
            .pair(Name(FONT), TYPE0);
        let n = self.pages.len();
        self.pdf
            .pages(PAGES)
            .kids(self.pages.iter().copied())
            .count(i32::try_from(n).map_err(|_| PdfError("ページが多すぎます".into()))?);
        let bookmarks = self.count > 1 && !self.parts.is_empty();
        if bookmarks {
            let first = self.next;
            let items = self.parts.len() as i32;
            self.pdf
                .outline(OUTLINE)
                .first(Ref::new(first))
                .last(Ref::new(first + items - 1))
                .count(items);
            for (k, (name, page)) in self.parts.iter().enumerate() {
                let k = k as i32;
                let mut item = self.pdf.outline_item(Ref::new(first + k));
                item.title(TextStr(name)).parent(OUTLINE);
                if k > 0 {
                    item.prev(Ref::new(first + k - 1));
                }
                if k + 1 < items {
                    item.next(Ref::new(first + k + 1));
                }
                item.dest().page(*page).xyz(0.0, PAGE_H, None);
            }
        }
        let mut catalog = self.pdf.catalog(CATALOG);
        catalog.pages(PAGES).lang(TextStr("ja"));
        if bookmarks {
            catalog.outlines(OUTLINE).page_mode(PageMode::UseOutlines);
        }
        catalog.viewer_preferences().display_doc_title(true);
        catalog.finish();
        self.pdf
            .document_info(INFO)
            .title(TextStr(title))
            .creator(TextStr("InfoOne"));
        Ok(self.pdf.finish())
    }
}

const SYSTEM_INFO: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// The Type0 font: the subset of the glyphs in `used`, their widths, the CID → subset glyph map
/// and the ToUnicode map.
fn embed_font(pdf: &mut Pdf, used: &Used, z: &mut Compress) -> Result<()> {
    let font = FontRef::new(FONT_DATA).map_err(|_| PdfError("組み込みフォントを読めません".into()))?;
    let gids: Vec<u16> = (1..GLYPHS).filter(|&g| used[g] != 0).map(|g| g as u16).collect();
    let mut remapper = GlyphRemapper::new();
    for &g in &gids {
        remapper.remap(g);
    }
    let subset = subsetter::subset(FONT_DATA, 0, &remapper)
        .map_err(|e| PdfError(format!("フォントを埋め込めません（{e:?}）")))?;
    let base_font = format!("{}+{}", subset_tag(&gids), postscript_name(&font));

    pdf.type0_font(TYPE0)
        .base_font(Name(base_font.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(CID_FONT)
        .to_unicode(TO_UNICODE);

    let mut cid = pdf.cid_font(CID_FONT);
    cid.subtype(CidFontType::Type2)
        .base_font(Name(base_font.as_bytes()))
        .system_info(SYSTEM_INFO)
        .font_descriptor(DESCRIPTOR)
        .default_width(1000.0)
        .cid_to_gid_map_stream(CID_TO_GID);
    let mut widths = cid.widths();
    // Runs of consecutive CIDs, each with its widths (the advances the layout measured with).
    let mut k = 0;
    while k < gids.len() {
        let start = k;
        while k + 1 < gids.len() && gids[k + 1] == gids[k] + 1 {
            k += 1;
        }
        let run = gids[start..=k].iter().map(|&g| {
            let c = char::from_u32(used[usize::from(g)]).unwrap_or('\0');
            (glyph(c).1 * 1000.0 * 100.0).round() / 100.0
        });
        widths.consecutive(gids[start], run);
        k += 1;
    }
    widths.finish();
    cid.finish();

    let upem = font.head().map(|h| f32::from(h.units_per_em())).unwrap_or(1000.0);
    let pdf_units = |v: i16| f32::from(v) * 1000.0 / upem;
    let (bbox, ascent, descent) = match (font.head(), font.hhea()) {
        (Ok(h), Ok(hh)) => (
            Rect::new(
                pdf_units(h.x_min()),
                pdf_units(h.y_min()),
                pdf_units(h.x_max()),
                pdf_units(h.y_max()),
            ),
            pdf_units(hh.ascender().to_i16()),
            pdf_units(hh.descender().to_i16()),
        ),
        _ => (Rect::new(0.0, -120.0, 1000.0, 880.0), 880.0, -120.0),
    };
    let cap_height = font.os2().ok().and_then(|o| o.s_cap_height()).map_or(ascent, pdf_units);
    pdf.font_descriptor(DESCRIPTOR)
        .name(Name(base_font.as_bytes()))
        .flags(FontFlags::SYMBOLIC)
        .bbox(bbox)
        .italic_angle(0.0)
        .ascent(ascent)
        .descent(descent)
        .cap_height(cap_height)
        .stem_v(80.0)
        .font_file2(FONT_FILE);
    let compressed = deflate(z, &subset)?;
    pdf.stream(FONT_FILE, &compressed)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), i32::try_from(subset.len()).unwrap_or(i32::MAX));

    // CID (a glyph id of the full font) → glyph id in the subset, two bytes each.
    let last = gids.last().copied().map_or(0, usize::from);
    let mut map = vec![0u8; 2 * (last + 1)];
    for &g in &gids {
        let new = remapper.get(g).unwrap_or(0);
        map[2 * usize::from(g)..2 * usize::from(g) + 2].copy_from_slice(&new.to_be_bytes());
    }
    let compressed = deflate(z, &map)?;
    pdf.stream(CID_TO_GID, &compressed).filter(Filter::FlateDecode);

    let mut cmap = UnicodeCmap::<u16>::new(Name(b"Custom"), SYSTEM_INFO);
    for &g in &gids {
        if let Some(c) = char::from_u32(used[usize::from(g)]) {
            cmap.pair(g, c);
        }
    }
    let compressed = deflate(z, &cmap.finish())?;
    pdf.cmap(TO_UNICODE, &compressed).filter(Filter::FlateDecode);
    Ok(())
}

/// Six capital letters from the glyph set, as PDF names a font subset ("ABCDEF+Name").
fn subset_tag(gids: &[u16]) -> String {
    // FNV-1a: stable across runs and platforms (the same input gives the same bytes).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for g in gids {
        for b in g.to_be_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|_| {
            let c = char::from(b'A' + (h % 26) as u8);
            h /= 26;
            c
        })
        .collect()
}

fn postscript_name(font: &FontRef<'_>) -> String {
    use skrifa::string::StringId;
    use skrifa::MetadataProvider;
    font.localized_strings(StringId::POSTSCRIPT_NAME)
        .english_or_first()
        .map(|s| {
            s.chars()
                .filter(|c| c.is_ascii_graphic() && !"[](){}<>/%#".contains(*c))
                .collect()
        })
        .filter(|s: &String| !s.is_empty())
        .unwrap_or_else(|| "IPAexGothic".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_two_decimals_at_most() {
        let mut out = Vec::new();
        for v in [0.0, 12.0, 12.5, 12.345, -0.004, -3.456, 841.89] {
            num(&mut out, v);
            out.push(b' ');
        }
        assert_eq!(String::from_utf8(out).unwrap(), "0 12 12.5 12.35 0 -3.46 841.89 ");
    }
}
