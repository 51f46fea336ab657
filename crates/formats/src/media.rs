//! Payroll deduction data (電子媒体, FORMATS.md): one row per member and deduction destination —
//! 控除先コード, 事業所コード, 社員番号, 氏名, 控除額合計, then one column per group product (its name
//! as the header, in product-code order). csv in cp932 with CRLF (Japanese payroll systems), UTF-8
//! with BOM on request, and xlsx.
//!
//! cp932 cannot hold every character of a name. Characters with a cp932 twin that Windows
//! writes for them are replaced (〜 U+301C → ～ U+FF5E, − U+2212 → － U+FF0D, and the other JIS/
//! Microsoft mapping differences, see [`CP932_TWINS`]) and reported; any other character refuses
//! the file with the member named — never written as `&#NNNN;` or `?`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::{self, Write as _};

use encoding_rs::SHIFT_JIS;

use crate::bill_doc::BillDoc;

/// Problem code: a character cp932 cannot hold (documented in docs/OUTPUTS.md).
pub const UNENCODABLE: &str = "F6001";

/// Characters outside cp932 whose cp932 twin Windows (and Excel) uses for the same character.
pub const CP932_TWINS: &[(char, char)] = &[
    ('\u{301C}', '\u{FF5E}'), // 〜 WAVE DASH → ～ FULLWIDTH TILDE
    ('\u{2212}', '\u{FF0D}'), // − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
    ('\u{2016}', '\u{2225}'), // ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
    ('\u{2014}', '\u{2015}'), // — EM DASH → ― HORIZONTAL BAR
    ('\u{00A2}', '\u{FFE0}'), // ¢ → ￠
    ('\u{00A3}', '\u{FFE1}'), // £ → ￡
    ('\u{00AC}', '\u{FFE2}'), // ¬ → ￢
    ('\u{00A6}', '\u{FFE4}'), // ¦ → ￤
    ('\u{00A5}', '\u{FFE5}'), // ¥ → ￥ (cp932 0x5C reads back as a backslash)
    ('\u{203E}', '\u{FFE3}'), // ‾ → ￣ (cp932 0x7E reads back as a tilde)
];

/// The file's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// Windows-31J, CRLF.
    #[default]
    Cp932,
    /// UTF-8 with a byte-order mark, CRLF.
    Utf8Bom,
}

/// One row: a member in one deduction destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<'a> {
    pub destination: &'a str,
    pub office: &'a str,
    pub employee_no: &'a str,
    pub name: &'a str,
    pub total: i64,
    /// One amount per product of [`Media::products`].
    pub by_product: Vec<i64>,
}

/// The month's deduction data, per deduction destination.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Media<'a> {
    /// (code, name), in code order.
    pub products: Vec<(String, String)>,
    /// Deduction destination → its rows in (office, employee number) order. Every destination of
    /// the group's offices is present, also one with no rows.
    pub destinations: BTreeMap<&'a str, Vec<Row<'a>>>,
}

/// FNV-1a: the keys are short codes from our own files, so a fast hash is enough (SipHash cost a
/// third of the media's time on 300,000 members).
#[derive(Default, Clone, Copy)]
pub(crate) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type FnvMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// A member as the media shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person<'a> {
    pub employee_no: &'a str,
    pub name: &'a str,
    /// The office the member belongs to in the billing month.
    pub office: &'a str,
}

/// Builds the rows from the confirmed bill and the people (any order). A member's lines in several
/// offices of one destination make one row, under the office they belong to in the billing month
/// when it is one of them, else the first of them by code; a member missing from the people has
/// no name.
pub fn build<'a>(
    bill: &'a BillDoc,
    products: &[(String, String)],
    people: impl IntoIterator<Item = Person<'a>>,
) -> Media<'a> {
    const NONE: usize = usize::MAX;
    let mut products = products.to_vec();
    products.sort_by(|a, b| a.0.cmp(&b.0));
    let width = products.len();
    let column: FnvMap<&str, usize> = products.iter().enumerate().map(|(i, p)| (p.0.as_str(), i)).collect();
    // One accumulator per (destination, employee); those of one employee are chained.
    struct Acc<'b> {
        destination: usize,
        employee_no: &'b str,
        office: &'b str,
        more_offices: Vec<&'b str>,
        total: i64,
        next: usize,
        name: &'b str,
        home: Option<&'b str>,
    }
    let mut dest_names: Vec<&str> = bill.offices.iter().map(|o| o.deduction_destination.as_str()).collect();
    dest_names.sort_unstable();
    dest_names.dedup();
    let mut first: FnvMap<&str, usize> = FnvMap::default();
    let mut acc: Vec<Acc<'_>> = Vec::new();
    let mut amounts: Vec<i64> = Vec::new();
    for o in &bill.offices {
        let Ok(dest) = dest_names.binary_search(&o.deduction_destination.as_str()) else {
            continue;
        };
        let mut last: Option<(&str, usize)> = None;
        for l in &o.lines {
            let emp = l.employee_no.as_str();
            let i = match last {
                Some((e, i)) if e == emp => i,
                _ => {
                    let head = *first.entry(emp).or_insert(NONE);
                    let mut i = head;
                    while i != NONE && acc[i].destination != dest {
                        i = acc[i].next;
                    }
                    if i == NONE {
                        acc.push(Acc {
                            destination: dest,
                            employee_no: emp,
                            office: &o.code,
                            more_offices: Vec::new(),
                            total: 0,
                            next: head,
                            name: "",
                            home: None,
                        });
                        amounts.resize(amounts.len() + width, 0);
                        i = acc.len() - 1;
                        first.insert(emp, i);
                    }
                    last = Some((emp, i));
                    i
                }
            };
            let a = &mut acc[i];
            if a.office != o.code && !a.more_offices.contains(&o.code.as_str()) {
                a.more_offices.push(&o.code);
            }
            if let Some(&c) = column.get(l.product.as_str()) {
                amounts[i * width + c] += l.amount;
            }
            a.total += l.amount;
        }
    }
    for p in people {
        let mut i = first.get(p.employee_no).copied().unwrap_or(NONE);
        while i != NONE {
            acc[i].name = p.name;
            acc[i].home = Some(p.office);
            i = acc[i].next;
        }
    }
    drop(first);
    let mut rows: Vec<Vec<Row<'a>>> = (0..dest_names.len()).map(|_| Vec::new()).collect();
    for (i, a) in acc.into_iter().enumerate() {
        let office = match a.home {
            Some(h) if h == a.office || a.more_offices.contains(&h) => h,
            _ => a.more_offices.iter().copied().fold(a.office, |m, o| m.min(o)),
        };
        rows[a.destination].push(Row {
            destination: dest_names[a.destination],
            office,
            employee_no: a.employee_no,
            name: a.name,
            total: a.total,
            by_product: amounts[i * width..(i + 1) * width].to_vec(),
        });
    }
    let mut destinations = BTreeMap::new();
    for (d, mut r) in dest_names.into_iter().zip(rows) {
        r.sort_unstable_by(|a, b| (a.office, a.employee_no).cmp(&(b.office, b.employee_no)));
        destinations.insert(d, r);
    }
    Media { products, destinations }
}

/// The header row.
pub fn headers(products: &[(String, String)]) -> Vec<String> {
    ["控除先コード", "事業所コード", "社員番号", "氏名", "控除額合計"]
        .into_iter()
        .map(str::to_string)
        .chain(products.iter().map(|p| p.1.clone()))
        .collect()
}

/// A character cp932 cannot hold, with the member it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unencodable {
    pub employee_no: String,
    /// 1-based row in the file (the header is row 1).
    pub row: usize,
    /// The column's header.
    pub column: String,
    pub ch: char,
}

impl fmt::Display for Unencodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{UNENCODABLE} 社員番号{} {}行目「{}」: 「{}」（U+{:04X}）はShift_JIS（cp932）で書けません（給与システムに渡せる字に直してください。例: 𠮷→吉、UTF-8で出力するなら --utf8）",
            self.employee_no,
            self.row,
            self.column,
            self.ch,
            self.ch as u32
        )
    }
}

/// A character replaced by its cp932 twin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub employee_no: String,
    pub row: usize,
    pub from: char,
    pub to: char,
}

impl fmt::Display for Replaced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "社員番号{} {}行目: 「{}」（U+{:04X}）を「{}」（U+{:04X}）にしました（Shift_JISの同じ字）",
            self.employee_no, self.row, self.from, self.from as u32, self.to, self.to as u32
        )
    }
}

/// A file refused because of characters cp932 cannot hold (every one of them listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaError {
    pub file: String,
    pub chars: Vec<Unencodable>,
}

impl fmt::Display for MediaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: Shift_JISで書けない文字があります", self.file)?;
        for c in &self.chars {
            write!(f, "\n  {c}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MediaError {}

fn twin(c: char) -> Option<char> {
    if (c as u32) < 0xA2 {
        return None;
    }
    CP932_TWINS.iter().find(|(from, _)| *from == c).map(|(_, to)| *to)
}

fn encodable(c: char) -> bool {
    if c.is_ascii() {
        return true;
    }
    let mut buf = [0u8; 4];
    let (_, _, had_errors) = SHIFT_JIS.encode(c.encode_utf8(&mut buf));
    !had_errors
}

thread_local! {
    /// cp932 bytes of each BMP character as encoding_rs gives them, filled on first use:
    /// 0 = not looked up yet, 1 = not in cp932, `0x01_00 | b` one byte, else two bytes.
    static CP932: std::cell::RefCell<Vec<u16>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `text` in cp932, character by character through encoding_rs (its `had_errors` checked for
/// each character, memoised: encoding_rs's CJK encoder is slow on 300,000 names); `None` when a
/// character is not in cp932.
fn to_cp932(text: &str) -> Option<Vec<u8>> {
    CP932.with(|cell| {
        let mut table = cell.borrow_mut();
        if table.is_empty() {
            table.resize(0x1_0000, 0);
        }
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            if c.is_ascii() {
                out.push(c as u8);
                continue;
            }
            let cp = c as usize;
            if cp > 0xFFFF {
                return None;
            }
            if table[cp] == 0 {
                let mut buf = [0u8; 4];
                let (b, _, had_errors) = SHIFT_JIS.encode(c.encode_utf8(&mut buf));
                table[cp] = match (had_errors, &b[..]) {
                    (false, [one]) => 0x0100 | u16::from(*one),
                    (false, [lead, trail]) => u16::from(*lead) << 8 | u16::from(*trail),
                    _ => 1,
                };
            }
            match table[cp] {
                1 => return None,
                v if v >> 8 == 1 => out.push(v as u8),
                v => out.extend([(v >> 8) as u8, v as u8]),
            }
        }
        Some(out)
    })
}

fn push_field(text: &mut String, s: &str) {
    // These bytes never occur inside a multi-byte UTF-8 character.
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
        text.push('"');
        text.push_str(&s.replace('"', "\"\""));
        text.push('"');
    } else {
        text.push_str(s);
    }
}

/// The text fields of a row: (header index, value).
fn text_fields<'a>(r: &Row<'a>) -> [(usize, &'a str); 4] {
    [(0, r.destination), (1, r.office), (2, r.employee_no), (3, r.name)]
}

/// The csv of one destination. cp932: twins replaced (listed in the `Vec<Replaced>`), any other
/// character cp932 cannot hold refuses the file (`file` names it in the error, with every such
/// character).
pub fn csv(
    file: &str,
    products: &[(String, String)],
    rows: &[Row],
    encoding: Encoding,
) -> Result<(Vec<u8>, Vec<Replaced>), MediaError> {
    let cp932 = encoding == Encoding::Cp932;
    let mut replaced = Vec::new();
    let header = headers(products);
    let mut text = String::with_capacity(64 + rows.len() * (40 + 8 * products.len()));
    for (i, h) in header.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        push_field(&mut text, h);
    }
    text.push_str("\r\n");
    let mut fixed = String::new();
    for (i, r) in rows.iter().enumerate() {
        for (j, s) in text_fields(r) {
            if j > 0 {
                text.push(',');
            }
            if cp932 && !s.is_ascii() && s.chars().any(|c| twin(c).is_some()) {
                fixed.clear();
                for c in s.chars() {
                    match twin(c) {
                        Some(t) => {
                            replaced.push(Replaced {
                                employee_no: r.employee_no.to_string(),
                                row: i + 2,
                                from: c,
                                to: t,
                            });
                            fixed.push(t);
                        }
                        None => fixed.push(c),
                    }
                }
                push_field(&mut text, &fixed);
            } else {
                push_field(&mut text, s);
            }
        }
        for n in std::iter::once(&r.total).chain(&r.by_product) {
            let _ = write!(text, ",{n}");
        }
        text.push_str("\r\n");
    }
    let bytes = match encoding {
        Encoding::Utf8Bom => {
            let mut b = Vec::with_capacity(text.len() + 3);
            b.extend_from_slice(b"\xEF\xBB\xBF");
            b.extend_from_slice(text.as_bytes());
            b
        }
        Encoding::Cp932 => {
            match to_cp932(&text) {
                Some(b) => b,
                // Never written: find every character cp932 cannot hold, with its member.
                None => {
                    return Err(MediaError {
                        file: file.to_string(),
                        chars: unencodable(&header, rows),
                    })
                }
            }
        }
    };
    Ok((bytes, replaced))
}

/// Every character (twins aside) that cp932 cannot hold, positioned.
fn unencodable(header: &[String], rows: &[Row]) -> Vec<Unencodable> {
    let mut bad = Vec::new();
    for h in header {
        for c in h.chars().filter(|c| twin(*c).is_none() && !encodable(*c)) {
            bad.push(Unencodable {
                employee_no: String::new(),
                row: 1,
                column: h.clone(),
                ch: c,
            });
        }
    }
    for (i, r) in rows.iter().enumerate() {
        for (j, s) in text_fields(r) {
            for c in s.chars().filter(|c| twin(*c).is_none() && !encodable(*c)) {
                bad.push(Unencodable {
                    employee_no: r.employee_no.to_string(),
                    row: i + 2,
                    column: header[j].clone(),
                    ch: c,
                });
            }
        }
    }
    if bad.is_empty() {
        bad.push(Unencodable {
            employee_no: String::new(),
            row: 0,
            column: String::new(),
            ch: '\u{FFFD}',
        });
    }
    bad
}

/// The xlsx of one destination: one sheet named after the destination, codes and employee numbers
/// as text (leading zeros kept), amounts as numbers, the header row frozen.
pub fn xlsx(destination: &str, products: &[(String, String)], rows: &[Row]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| format!("xlsxを作れません: {e}");
    let mut wb = Workbook::new();
    let sheet = wb.add_worksheet();
    let sheet_name: String = destination
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    sheet
        .set_name(if sheet_name.is_empty() {
            "電子媒体"
        } else {
            &sheet_name
        })
        .map_err(err)?;
    let bold = Format::new().set_bold();
    let amount = Format::new().set_num_format("#,##0");
    let text = Format::new().set_num_format("@");
    for (c, h) in headers(products).iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold).map_err(err)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = (i + 1) as u32;
        sheet
            .write_string_with_format(row, 0, r.destination, &text)
            .map_err(err)?;
        sheet.write_string_with_format(row, 1, r.office, &text).map_err(err)?;
        sheet
            .write_string_with_format(row, 2, r.employee_no, &text)
            .map_err(err)?;
        sheet.write_string(row, 3, r.name).map_err(err)?;
        for (j, n) in std::iter::once(&r.total).chain(&r.by_product).enumerate() {
            sheet
                .write_number_with_format(row, (4 + j) as u16, *n as f64, &amount)
                .map_err(err)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    for (c, w) in [(0u16, 12.0), (1, 12.0), (2, 12.0), (3, 20.0)] {
        sheet.set_column_width(c, w).map_err(err)?;
    }
    for j in 0..=products.len() {
        sheet.set_column_width((4 + j) as u16, 14.0).map_err(err)?;
    }
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memoised_encoder_is_encoding_rs_for_every_bmp_character() {
        let mut text = String::new();
        for cp in 0..=0xFFFFu32 {
            let Some(c) = char::from_u32(cp) else { continue };
            let one = c.to_string();
            let (b, _, had_errors) = SHIFT_JIS.encode(&one);
            let ours = to_cp932(&one);
            assert_eq!(ours.as_deref(), (!had_errors).then_some(&b[..]), "U+{cp:04X}");
            if !had_errors {
                text.push(c);
            }
        }
        // A whole text at once, as the csv uses it.
        assert_eq!(to_cp932(&text).as_deref(), Some(&SHIFT_JIS.encode(&text).0[..]));
        assert_eq!(to_cp932("吉田 𠮷"), None);
    }
}
