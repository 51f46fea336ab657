//! One entry point per reader for the fuzz targets (`crates/fuzz`) and for the stable replay of
//! their corpus (`tests/fuzz_corpus_replay.rs`), so both run exactly the same code.
//!
//! [`run`] gives `Ok` when the reader accepted the input or refused it properly: an error naming
//! the file with at least one problem, each saying what was expected. Anything else — a panic, an
//! abort, an error without a message — is the bug the fuzzer looks for.

use std::io::{Cursor, Write};

use crate::error::FileError;
use crate::package::PackageError;

/// The readers that take files from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `hr::read_hr_bytes` on a csv.
    HrCsv,
    /// `hr::read_hr_bytes` on an xlsx: the input is a whole workbook when it starts with `PK`,
    /// else the XML of its one worksheet (wrapped by [`xlsx_with_sheet`]).
    HrXlsx,
    /// `roster::read_roster_bytes` on an xlsx, as [`Target::HrXlsx`].
    RosterXlsx,
    /// `deduction::read_deductions_bytes` on a csv.
    Deductions,
    /// `package::parse_package` on JSON.
    PackageJson,
    /// `zengin::read_result`.
    ZenginResult,
    /// `hr::read_hr_bytes` on an xls: the input is a whole file when it starts with the OLE
    /// signature, else the BIFF records of its Workbook stream (wrapped by [`xls_with_workbook`],
    /// so mutations reach the records instead of dying in the container).
    HrXls,
}

impl Target {
    /// Every target, with the name of its fuzz target and corpus directory.
    pub const ALL: [(Target, &'static str); 7] = [
        (Target::HrCsv, "hr_csv"),
        (Target::HrXlsx, "hr_xlsx"),
        (Target::RosterXlsx, "roster_xlsx"),
        (Target::Deductions, "deductions"),
        (Target::PackageJson, "package_json"),
        (Target::ZenginResult, "zengin_result"),
        (Target::HrXls, "hr_xls"),
    ];
}

/// Runs one input through its reader; `Err` says how the reader misbehaved.
pub fn run(target: Target, data: &[u8]) -> Result<(), String> {
    match target {
        Target::HrCsv => file_result("hr.csv", crate::hr::read_hr_bytes("hr.csv", data).map(drop)),
        Target::HrXlsx => {
            let bytes = workbook(data);
            file_result("hr.xlsx", crate::hr::read_hr_bytes("hr.xlsx", &bytes).map(drop))
        }
        Target::RosterXlsx => {
            let bytes = workbook(data);
            file_result(
                "roster.xlsx",
                crate::roster::read_roster_bytes("roster.xlsx", &bytes).map(drop),
            )
        }
        Target::Deductions => file_result(
            "deductions.csv",
            crate::deduction::read_deductions_bytes("deductions.csv", data).map(drop),
        ),
        Target::PackageJson => match crate::package::parse_package("package.json", data) {
            Ok(_) => Ok(()),
            Err(e) => package_error(&e),
        },
        Target::ZenginResult => file_result("result.txt", crate::zengin::read_result("result.txt", data).map(drop)),
        Target::HrXls => {
            let bytes = if data.starts_with(OLE) {
                data.to_vec()
            } else {
                xls_with_workbook(data)
            };
            file_result("hr.xls", crate::hr::read_hr_bytes("hr.xls", &bytes).map(drop))
        }
    }
}

fn file_result(file: &str, result: Result<(), FileError>) -> Result<(), String> {
    let Err(e) = result else {
        return Ok(());
    };
    if e.file != file {
        return Err(format!("refusal names file {:?}, not {file:?}", e.file));
    }
    if e.problems.is_empty() {
        return Err("a refusal without problems".into());
    }
    if let Some(p) = e
        .problems
        .iter()
        .find(|p| p.expected.trim().is_empty() || p.code.is_empty())
    {
        return Err(format!("a problem without message or code: {p:?}"));
    }
    Ok(())
}

fn package_error(e: &PackageError) -> Result<(), String> {
    match e {
        PackageError::Syntax { file, line, .. } if file == "package.json" && *line >= 1 => Ok(()),
        PackageError::Invalid { file, problems } if file == "package.json" && !problems.is_empty() => {
            match problems.iter().find(|p| p.message.trim().is_empty()) {
                Some(p) => Err(format!("a problem without message: {p:?}")),
                None => Ok(()),
            }
        }
        other => Err(format!("an unpositioned package error: {other:?}")),
    }
}

const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// An xls (compound file) whose Workbook stream is `records`.
pub fn xls_with_workbook(records: &[u8]) -> Vec<u8> {
    crate::xls_bounds::rebuilt(records).unwrap_or_default()
}

fn workbook(data: &[u8]) -> Vec<u8> {
    if data.starts_with(b"PK") {
        data.to_vec()
    } else {
        xlsx_with_sheet(data)
    }
}

/// A minimal xlsx (stored, not deflated) whose one worksheet is `sheet_xml`, named 加入者名簿 so
/// the roster reader takes it too.
pub fn xlsx_with_sheet(sheet_xml: &[u8]) -> Vec<u8> {
    const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="加入者名簿" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let mut out = Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let parts: [(&str, &[u8]); 5] = [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ];
    for (name, content) in parts {
        // Writing to memory cannot fail.
        if zip.start_file(name, options).is_err() || zip.write_all(content).is_err() {
            return Vec::new();
        }
    }
    if zip.finish().is_err() {
        return Vec::new();
    }
    out.into_inner()
}
