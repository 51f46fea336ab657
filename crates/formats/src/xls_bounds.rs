//! The bounds of an old Excel file (xls, BIFF8 in an OLE compound file), checked **before**
//! calamine opens it. calamine decodes a whole xls at once: it reserves room for every cell a
//! sheet's DIMENSIONS record declares (rows are 32-bit there, so a 5 KB file can ask for
//! terabytes and abort the process) and lays the cells it finds out as one dense range (one
//! cell at `IV65536` costs 16.7 million cells: 1.46 GB measured). This walks the records of the
//! Workbook stream the way calamine does (each sheet from its BOUNDSHEET position to its EOF,
//! CONTINUE records joined) and refuses a sheet whose declared or used range is wider than
//! [`MAX_XLS_CELLS`], naming the sheet and the range.

use std::io::{Cursor, Read};

use crate::error::{code, FileError, Problem};
use crate::limits::{column_name, limit_code};

/// Cells the sheets of one xls may span together (rows × columns of each sheet's range, summed:
/// calamine lays out every sheet when it opens the file): 65,536 rows of 32 columns. A sheet
/// this wide costs calamine and the table about 0.15 GB.
pub const MAX_XLS_CELLS: u64 = 65_536 * 32;

const BOUNDSHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;
/// Records calamine turns into cells, their row and column in the first four bytes.
const CELLS: [u16; 6] = [0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006];
const MULRK: u16 = 0x00BD;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

/// `(type, data)` of each record from `stream`, as calamine's record iterator reads them (a
/// truncated record ends the walk: calamine refuses it).
fn records(mut stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let typ = u16_at(stream, 0)?;
        let len = usize::from(u16_at(stream, 2)?);
        let data = stream.get(4..4 + len)?;
        stream = &stream[4 + len..];
        // CONTINUE records belong to the record before them (none of ours need their bytes).
        while u16_at(stream, 0) == Some(CONTINUE) {
            let len = usize::from(u16_at(stream, 2)?);
            stream = stream.get(4 + len..)?;
        }
        Some((typ, data))
    })
}

/// The smallest range holding every cell seen: `(first row, first column, last row, last column)`.
#[derive(Default)]
struct Span(Option<(u64, u64, u64, u64)>);

impl Span {
    fn add(&mut self, row: u64, col: u64) {
        self.0 = Some(match self.0 {
            None => (row, col, row, col),
            Some((r0, c0, r1, c1)) => (r0.min(row), c0.min(col), r1.max(row), c1.max(col)),
        });
    }

    fn cells(&self) -> u64 {
        self.0
            .map_or(0, |(r0, c0, r1, c1)| (r1 - r0 + 1).saturating_mul(c1 - c0 + 1))
    }

    fn range(&self) -> String {
        self.0.map_or_else(String::new, |(r0, c0, r1, c1)| {
            let cell = |r: u64, c: u64| format!("{}{}", column_name(usize::try_from(c).unwrap_or(usize::MAX)), r + 1);
            format!("{}:{}", cell(r0, c0), cell(r1, c1))
        })
    }
}

/// The xls `bytes` made safe for calamine, or why not: the Workbook stream is taken out with the
/// `cfb` crate (it checks every sector chain against the file's length) and put alone into a new
/// compound file written by `cfb`, because calamine's own compound-file reader trusts the file's
/// sector numbers and lengths (a garbled header asked for 781 GB and aborted the process, a
/// cyclic chain never ends). Sheets declaring or using a range wider than [`MAX_XLS_CELLS`] are
/// refused.
pub fn checked_xls(name: &str, bytes: &[u8]) -> Result<Vec<u8>, FileError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        FileError::single(
            name,
            Problem::new(
                code::WORKBOOK_UNREADABLE,
                format!("Excelファイル（xls）として読めません（{e}）"),
            ),
        )
    };
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let mut stream = Vec::new();
    cfb.open_stream("Workbook")
        .or_else(|_| cfb.open_stream("Book"))
        .and_then(|mut s| s.read_to_end(&mut stream))
        .map_err(|e| unreadable(&e))?;
    let mut sheets = Vec::new();
    for (typ, data) in records(&stream) {
        if typ == BOUNDSHEET {
            if let Some(pos) = u32_at(data, 0) {
                sheets.push((usize::try_from(pos).unwrap_or(usize::MAX), sheet_name(data)));
            }
        }
    }
    let mut total = 0u64;
    for (pos, sheet) in sheets {
        let Some(body) = stream.get(pos..) else { continue };
        let mut used = Span::default();
        for (typ, data) in records(body) {
            match typ {
                EOF => break,
                DIMENSIONS => {
                    if let Some(declared) = dimensions(data) {
                        check(name, &sheet, &declared, "宣言された範囲")?;
                    }
                }
                MULRK => {
                    // Row, first column … last column (the last two bytes).
                    if let (Some(row), Some(first), Some(last)) = (
                        u16_at(data, 0),
                        u16_at(data, 2),
                        data.len().checked_sub(2).and_then(|at| u16_at(data, at)),
                    ) {
                        used.add(u64::from(row), u64::from(first));
                        used.add(u64::from(row), u64::from(last.max(first)));
                    }
                }
                t if CELLS.contains(&t) => {
                    if let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) {
                        used.add(u64::from(row), u64::from(col));
                    }
                }
                _ => {}
            }
        }
        check(name, &sheet, &used, "使われている範囲")?;
        total = total.saturating_add(used.cells());
        if total > MAX_XLS_CELLS {
            return Err(FileError::single(
                name,
                Problem::new(
                    limit_code::TOO_LARGE,
                    format!(
                        "シートを合わせた範囲が広すぎます（「{sheet}」まで{total}セル。xlsでは{MAX_XLS_CELLS}セルまで）。\
                         使わないシートを消すか、xlsx形式で保存し直してください"
                    ),
                ),
            ));
        }
    }
    rebuilt(&stream).map_err(|e| unreadable(&e))
}

/// A new compound file holding only `workbook` as its Workbook stream.
pub(crate) fn rebuilt(workbook: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    // Version 3 (512-byte sectors): calamine refuses a version 4 file whose root has no mini
    // stream, which is what `cfb` writes for a workbook of 4 KB or more.
    let mut out = cfb::CompoundFile::create_with_version(
        cfb::Version::V3,
        Cursor::new(Vec::with_capacity(workbook.len() + 4096)),
    )?;
    let mut stream = out.create_stream("/Workbook")?;
    stream.write_all(workbook)?;
    // A stream under 4 KB would go to the mini stream; padded with empty records (type 0,
    // length 0, skipped by calamine) it stays in regular sectors, as Excel and xlwt write it.
    stream.write_all(&vec![0; 4096usize.saturating_sub(workbook.len())])?;
    drop(stream);
    out.flush()?;
    Ok(out.into_inner().into_inner())
}

/// The range a DIMENSIONS record declares, read as calamine reads it (BIFF8's 32-bit rows or
/// BIFF5's 16-bit ones; a last row or column of 0 declares one cell).
fn dimensions(data: &[u8]) -> Option<Span> {
    let (rf, rl, cf, cl) = match data.len() {
        10 => (
            u64::from(u16_at(data, 0)?),
            u64::from(u16_at(data, 2)?),
            u64::from(u16_at(data, 4)?),
            u64::from(u16_at(data, 6)?),
        ),
        14 => (
            u64::from(u32_at(data, 0)?),
            u64::from(u32_at(data, 4)?),
            u64::from(u16_at(data, 8)?),
            u64::from(u16_at(data, 10)?),
        ),
        _ => return None,
    };
    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
    let mut span = Span::default();
    span.add(rf, cf);
    if rl >= 1 && cl >= 1 {
        // calamine computes `last - first + 1` rows: a first row past the last wraps around.
        let last_row = (rl - 1).max(rf);
        span.add(if rl - 1 < rf { u64::from(u32::MAX) } else { last_row }, cl - 1);
    }
    Some(span)
}

fn check(name: &str, sheet: &str, span: &Span, what: &str) -> Result<(), FileError> {
    let cells = span.cells();
    if cells <= MAX_XLS_CELLS {
        return Ok(());
    }
    Err(FileError::single(
        name,
        Problem::new(
            limit_code::TOO_LARGE,
            format!(
                "シート「{sheet}」の{what}が広すぎます（{}、{cells}セル。xlsでは{MAX_XLS_CELLS}セルまで）。\
                 離れたセルに値や書式があれば消すか、xlsx形式で保存し直してください",
                span.range()
            ),
        )
        .with_value(span.range()),
    ))
}

/// The sheet's name in a BOUNDSHEET record (BIFF8: length, flags, then Latin-1 or UTF-16LE).
fn sheet_name(data: &[u8]) -> String {
    let Some(&len) = data.get(6) else {
        return String::new();
    };
    let len = usize::from(len);
    match data.get(7) {
        Some(&flags) if flags & 1 == 1 => {
            let units: Vec<u16> = (0..len).filter_map(|i| u16_at(data, 8 + 2 * i)).collect();
            String::from_utf16_lossy(&units)
        }
        Some(_) => data
            .get(8..8 + len)
            .map_or_else(String::new, |b| b.iter().map(|&c| char::from(c)).collect()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rebuilt_file_holds_the_workbook_in_regular_sectors() {
        let small = b"\x09\x08\x00\x00".repeat(10);
        let file = rebuilt(&small).unwrap();
        let mut back = Vec::new();
        let mut cfb = cfb::CompoundFile::open(Cursor::new(file)).unwrap();
        assert_eq!(cfb.version(), cfb::Version::V3);
        cfb.open_stream("/Workbook").unwrap().read_to_end(&mut back).unwrap();
        assert_eq!(back.len(), 4096);
        assert_eq!(&back[..40], &small[..]);
        assert!(back[40..].iter().all(|&b| b == 0));
    }

    #[test]
    fn ranges_are_measured_as_calamine_lays_them_out() {
        let mut s = Span::default();
        s.add(1, 2);
        s.add(65_535, 255);
        assert_eq!((s.cells(), s.range()), (65_535 * 254, "C2:IV65536".to_string()));
        // A DIMENSIONS whose last row is before its first: calamine's subtraction wraps.
        let d = dimensions(&[10, 0, 0, 0, 5, 0, 0, 0, 0, 0, 4, 0, 0, 0]).unwrap();
        assert!(d.cells() > MAX_XLS_CELLS);
        let d = dimensions(&[0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 20, 0, 0, 0]).unwrap();
        assert_eq!(d.cells(), 100 * 20);
    }
}
