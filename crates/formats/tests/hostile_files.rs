//! Hostile and broken files, made in the test: every reader refuses them with a positioned
//! message and bounded memory (crates/formats/src/limits.rs, docs/RELIABILITY.md).

use std::io::Write;

use infoone_formats::deduction::read_deductions_bytes;
use infoone_formats::error::FileError;
use infoone_formats::hr::read_hr_bytes;
use infoone_formats::limits::{self, limit_code};
use infoone_formats::roster::{read_roster_bytes, COLUMNS};
use infoone_formats::zengin::read_result;
use rust_xlsxwriter::Workbook;

const HR_HEADERS: [&str; 5] = ["社員番号", "氏名", "生年月日", "性別", "事業所コード"];

/// A tiny HR workbook (one good row) plus one more string cell at `(row, col)` (0-based).
fn hr_xlsx_with_cell_at(row: u32, col: u16, value: &str) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, h) in (0u16..).zip(HR_HEADERS) {
        sheet.write_string(0, c, h).unwrap();
    }
    for (c, v) in (0u16..).zip(["000101", "山田 太郎", "1980-01-02", "男", "O001"]) {
        sheet.write_string(1, c, v).unwrap();
    }
    sheet.write_string(row, col, value).unwrap();
    workbook.save_to_buffer().unwrap()
}

fn only_problem(err: &FileError) -> &infoone_formats::error::Problem {
    assert_eq!(err.problems.len(), 1, "{err}");
    &err.problems[0]
}

/// The issue's file: 5 KB, one cell at XFD1048576. calamine's `worksheet_range` would allocate
/// 1,048,576 × 16,384 cells (549,755,813,888 bytes) and abort the process.
#[test]
fn a_cell_at_xfd1048576_is_refused_with_its_position() {
    let bytes = hr_xlsx_with_cell_at(1_048_575, 16_383, "x");
    assert!(bytes.len() < 10_000, "{} bytes", bytes.len());
    let err = read_hr_bytes("hr.xlsx", &bytes).unwrap_err();
    let p = only_problem(&err);
    assert_eq!(p.code, limit_code::OUT_OF_RANGE);
    assert_eq!(p.row, Some(1_048_576));
    assert_eq!(p.column.as_deref(), Some("XFD"));
    assert_eq!(p.value.as_deref(), Some("x"));
    assert_eq!(
        err.to_string(),
        "hr.xlsx 1048576行目 「XFD」列: 値「x」— 列が多すぎます（256列目「IV」まで。この列の値を消してください）"
    );
    // The deduction reader goes through the same table reader.
    let err = read_deductions_bytes("deductions.xlsx", &bytes).unwrap_err();
    assert_eq!(only_problem(&err).code, limit_code::OUT_OF_RANGE);
}

#[test]
fn the_roster_reader_refuses_a_cell_at_xfd1048576() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, spec) in (0u16..).zip(COLUMNS.iter()) {
        sheet.write_string(0, c, spec.name).unwrap();
    }
    sheet.write_string(1_048_575, 16_383, "y").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let err = read_roster_bytes("roster.xlsx", &bytes).unwrap_err();
    let p = only_problem(&err);
    assert_eq!(
        (p.code, p.row, p.column.as_deref(), p.value.as_deref()),
        (limit_code::OUT_OF_RANGE, Some(1_048_576), Some("XFD"), Some("y"))
    );
}

#[test]
fn a_far_row_within_the_columns_is_read_without_materialising_the_range() {
    // Column A of row 1,048,576: no used-range matrix, just one more row (which the HR reader then
    // refuses for its content, positioned on that row).
    let bytes = hr_xlsx_with_cell_at(1_048_575, 0, "abc");
    let err = read_hr_bytes("hr.xlsx", &bytes).unwrap_err();
    assert!(err.problems.iter().all(|p| p.row == Some(1_048_576)), "{err}");
    assert!(err.to_string().contains("1048576行目"), "{err}");
}

#[test]
fn a_cell_longer_than_excel_allows_is_refused() {
    let long = "あ".repeat(limits::MAX_CELL_CHARS + 1);
    let csv = format!("{}\n000101,{long},1980-01-02,男,O001\n", HR_HEADERS.join(","));
    let err = read_hr_bytes("hr.csv", csv.as_bytes()).unwrap_err();
    let p = only_problem(&err);
    assert_eq!(
        (p.code, p.row, p.column.as_deref()),
        (limit_code::TOO_LARGE, Some(2), Some("B"))
    );
    assert!(p.expected.contains("32768文字"), "{}", p.expected);
}

#[test]
fn csv_lines_and_columns_are_bounded() {
    let long_line = format!("{}\n{}\n", HR_HEADERS.join(","), "9".repeat(limits::MAX_LINE_BYTES + 1));
    let err = read_hr_bytes("hr.csv", long_line.as_bytes()).unwrap_err();
    let p = only_problem(&err);
    assert_eq!((p.code, p.row), (limit_code::TOO_LARGE, Some(2)));

    let wide = format!("{}\n000101{}x\n", HR_HEADERS.join(","), ",".repeat(300));
    let err = read_hr_bytes("hr.csv", wide.as_bytes()).unwrap_err();
    let p = only_problem(&err);
    assert_eq!((p.code, p.row), (limit_code::OUT_OF_RANGE, Some(2)));
    assert_eq!(p.column.as_deref(), Some("KO")); // column 301
    assert_eq!(p.value.as_deref(), Some("x"));
}

#[test]
fn invalid_encoding_is_positioned() {
    let mut bytes = b"employee_no,amount\n000101,100\n000102,".to_vec();
    bytes.extend_from_slice(b"\x82\xff\xfe\n");
    let err = read_deductions_bytes("deductions.csv", &bytes).unwrap_err();
    let p = only_problem(&err);
    assert_eq!((p.code, p.row), ("F1002", Some(3)), "{err}");
    assert!(p.value.is_some(), "{err}");
}

/// A zip whose entry really expands to `size` zero bytes, its headers claiming `claimed` bytes.
fn zip_bomb(part: &str, size: usize, claimed: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file(part, options).unwrap();
        let chunk = vec![0u8; 1 << 20];
        let mut left = size;
        while left > 0 {
            let n = left.min(chunk.len());
            zip.write_all(&chunk[..n]).unwrap();
            left -= n;
        }
        zip.finish().unwrap();
    }
    let mut bytes = out.into_inner();
    // Make both headers lie about the uncompressed size (offset 22 in the local header, 24 in the
    // central directory entry).
    for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let at = bytes.windows(4).position(|w| w == signature).unwrap();
        bytes[at + offset..at + offset + 4].copy_from_slice(&claimed.to_le_bytes());
    }
    bytes
}

#[test]
fn a_zip_bomb_is_refused_by_what_it_really_expands_to() {
    let size = usize::try_from(limits::MAX_PART_BYTES).unwrap() + 1;
    let bytes = zip_bomb("xl/sharedStrings.xml", size, 100);
    assert!(bytes.len() < 1_000_000, "{} bytes", bytes.len());
    for err in [
        read_hr_bytes("hr.xlsx", &bytes).unwrap_err(),
        read_roster_bytes("roster.xlsx", &bytes).unwrap_err(),
        read_deductions_bytes("deductions.xlsx", &bytes).unwrap_err(),
    ] {
        let p = only_problem(&err);
        assert_eq!(p.code, limit_code::TOO_LARGE, "{err}");
        assert!(p.expected.contains("xl/sharedStrings.xml"), "{err}");
    }
}

#[test]
fn an_address_that_would_overflow_calamine_is_refused() {
    let xml = r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A99999999999" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#;
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
        zip.finish().unwrap();
    }
    let err = read_hr_bytes("hr.xlsx", &out.into_inner()).unwrap_err();
    let p = only_problem(&err);
    assert_eq!(p.code, limit_code::OUT_OF_RANGE);
    assert_eq!(p.value.as_deref(), Some("A99999999"));
}

#[test]
fn deduction_amounts_past_ten_digits_are_refused() {
    let csv = "社員番号,控除額\n000101,10000000000\n000102,9999999999\n000103,99999999999999999999999\n";
    let err = read_deductions_bytes("deductions.csv", csv.as_bytes()).unwrap_err();
    let rows: Vec<_> = err.problems.iter().map(|p| (p.row, p.code, p.value.clone())).collect();
    assert_eq!(
        rows,
        [
            (Some(2), "F2201", Some("10000000000".to_owned())),
            (Some(4), "F2201", Some("99999999999999999999999".to_owned())),
        ]
    );
}

#[test]
fn an_oversized_zengin_result_is_refused_before_it_is_split() {
    let bytes = vec![b' '; limits::MAX_TEXT_BYTES + 1];
    let err = read_result("result.txt", &bytes).unwrap_err();
    assert_eq!(only_problem(&err).code, limit_code::TOO_LARGE);
}

/// Found by the fuzzer (hr_xlsx, roster_xlsx): a worksheet dimension that ends before it starts
/// made calamine subtract with overflow (a panic in a debug build, garbage in a release one).
#[test]
fn a_reversed_dimension_is_refused() {
    let xml = br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="B2:A1"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#;
    let bytes = infoone_formats::fuzzing::xlsx_with_sheet(xml);
    for err in [
        read_hr_bytes("hr.xlsx", &bytes).unwrap_err(),
        read_roster_bytes("roster.xlsx", &bytes).unwrap_err(),
    ] {
        let p = only_problem(&err);
        assert_eq!(
            (p.code, p.value.as_deref()),
            (limit_code::OUT_OF_RANGE, Some("B2:A1")),
            "{err}"
        );
    }
}

fn xls(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/hr")
            .join(name),
    )
    .unwrap()
}

/// An old-format workbook (xls) is still read.
#[test]
fn a_plain_xls_is_read() {
    let snap = read_hr_bytes("good.xls", &xls("good.xls")).unwrap();
    assert_eq!(snap.rows.len(), 1);
    assert_eq!(snap.rows[0].employee_no, "000101");
}

/// A 5.6 KB xls whose sheet's DIMENSIONS record claims 16,777,215 rows × 256 columns: calamine
/// reserved room for them all ("memory allocation of 171798681600 bytes failed", the process
/// aborted). Refused before calamine opens it, naming the sheet and the range.
#[test]
fn an_xls_declaring_a_huge_range_is_refused_before_calamine() {
    let bytes = xls("dimensions.xls");
    assert!(bytes.len() < 10_000);
    let err = read_hr_bytes("hr.xls", &bytes).unwrap_err();
    let p = only_problem(&err);
    assert_eq!(p.code, limit_code::TOO_LARGE, "{err}");
    assert_eq!(p.value.as_deref(), Some("A1:IV16777215"), "{err}");
    assert!(
        err.to_string().contains("シート「人事」の宣言された範囲が広すぎます"),
        "{err}"
    );
    let err = read_deductions_bytes("deductions.xls", &bytes).unwrap_err();
    assert_eq!(only_problem(&err).code, limit_code::TOO_LARGE);
}

/// One cell at IV65536 in a 5.6 KB xls: calamine laid out the whole 65,536 × 256 range
/// (1.46 GB peak measured). Refused with the range it spans.
#[test]
fn an_xls_with_one_far_cell_is_refused_with_its_range() {
    let err = read_hr_bytes("hr.xls", &xls("far-cell.xls")).unwrap_err();
    let p = only_problem(&err);
    assert_eq!(p.code, limit_code::TOO_LARGE, "{err}");
    assert!(err.to_string().contains("IV65536"), "{err}");
}

/// Truncated and garbled xls files are refused, never a crash (calamine's parser indexes record
/// bytes unchecked; a panic in it is a refusal).
#[test]
fn broken_xls_files_are_refused() {
    let good = xls("good.xls");
    let mut seen = 0;
    for cut in (512..good.len()).step_by(97) {
        if let Err(e) = read_hr_bytes("hr.xls", &good[..cut]) {
            assert!(!e.problems.is_empty());
            seen += 1;
        }
    }
    // Every byte garbled in turn (the header's sector numbers, the directory, the records): a
    // 781 GB allocation from calamine's compound-file reader aborted the process before.
    for at in 0..good.len() {
        for flip in [0xA5, 0xFF] {
            let mut bad = good.clone();
            bad[at] ^= flip;
            let _ = read_hr_bytes("hr.xls", &bad);
        }
    }
    assert!(seen > 0);
}
