//! The sample's files as bytes.

use std::io;

use chrono::{Datelike, NaiveDate};
use infoone_formats::package::{write_package, Gender, MemberStatus, UndeductedReason};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

use crate::{HrRowOut, Sample};

/// The HR columns, in file order: the FORMATS.md names, then one the reader does not know.
pub const HR_HEADER: [&str; 13] = [
    "社員番号",
    "氏名",
    "氏名カナ",
    "生年月日",
    "性別",
    "事業所コード",
    "在籍区分",
    "異動日",
    "退職日",
    "メールアドレス",
    "郵便番号",
    "住所",
    "内線番号",
];

/// `deductions.csv` columns (`exceptions` mode).
pub const DEDUCTION_HEADER: [&str; 4] = ["社員番号", "控除額", "理由", "事業所コード"];

/// `bill-package.json`: pretty JSON through the formats crate's writer.
pub fn package_json(sample: &Sample) -> Vec<u8> {
    write_package(&sample.package)
}

fn gender(g: Gender) -> &'static str {
    match g {
        Gender::M => "男",
        Gender::F => "女",
    }
}

fn status(s: MemberStatus) -> &'static str {
    match s {
        MemberStatus::Active => "在籍",
        MemberStatus::Leave => "休職",
        MemberStatus::Retired => "退職",
    }
}

fn reason(r: UndeductedReason) -> &'static str {
    match r {
        UndeductedReason::Leave => "休職",
        UndeductedReason::Retired => "退職",
        UndeductedReason::InsufficientPay => "給与不足",
        UndeductedReason::Other => "その他",
    }
}

fn slash(d: NaiveDate) -> String {
    d.format("%Y/%m/%d").to_string()
}

fn opt_slash(d: Option<NaiveDate>) -> String {
    d.map(slash).unwrap_or_default()
}

/// The HR row as text cells (the csv; the workbook writes dates as date cells instead).
fn text_cells(r: &HrRowOut) -> [String; 13] {
    [
        r.employee_no.clone(),
        r.name.clone(),
        r.name_kana.clone(),
        r.birth_date_text.clone().unwrap_or_else(|| slash(r.birth_date)),
        gender(r.gender).to_string(),
        r.office_code.clone(),
        status(r.status).to_string(),
        opt_slash(r.change_date),
        opt_slash(r.retirement_date),
        r.email.clone(),
        r.postal_code.clone(),
        r.address.clone(),
        r.extension.clone(),
    ]
}

fn csv_bytes<const N: usize>(header: [&str; N], rows: impl Iterator<Item = [String; N]>) -> io::Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(&r)?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// Text → cp932 (Windows-31J as encoding_rs's Shift_JIS encoder writes it). A character that
/// cp932 cannot hold is an error naming it, never an `&#NNNN;` reference in the file.
pub(crate) fn cp932(text: &str) -> io::Result<Vec<u8>> {
    let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(text);
    if had_errors {
        let bad = text
            .chars()
            .find(|c| encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut [0; 4])).2)
            .unwrap_or('?');
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("文字「{bad}」(U+{:04X}) は Shift_JIS (cp932) で書けません", bad as u32),
        ));
    }
    Ok(bytes.into_owned())
}

/// `hr.csv`: the HR snapshot in cp932 with CRLF line ends.
pub fn hr_csv(sample: &Sample) -> io::Result<Vec<u8>> {
    let utf8 = csv_bytes(HR_HEADER, sample.hr_rows.iter().map(text_cells))?;
    let text = String::from_utf8(utf8).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    cp932(&text)
}

/// `deductions.csv`: UTF-8 with BOM, CRLF.
pub fn deductions_csv(sample: &Sample) -> io::Result<Vec<u8>> {
    let rows = sample.deductions.iter().map(|d| {
        [
            d.employee_no.clone(),
            d.amount.to_string(),
            reason(d.reason).to_string(),
            d.office.clone(),
        ]
    });
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(csv_bytes(DEDUCTION_HEADER, rows)?);
    Ok(out)
}

fn xlsx_err(e: XlsxError) -> io::Error {
    io::Error::other(format!("hr.xlsx を作れませんでした（{e}）"))
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// `hr.xlsx`: one sheet 人事情報, header in row 1, dates as date cells (`yyyy/mm/dd`) except the
/// 和暦 one, which is text as the HR system wrote it.
pub fn hr_xlsx(sample: &Sample) -> io::Result<Vec<u8>> {
    build_xlsx(sample).map_err(xlsx_err)
}

fn build_xlsx(sample: &Sample) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    // A fixed creation time: the same sample gives the same bytes.
    let issued = NaiveDate::parse_from_str(&sample.package.issued_on, "%Y-%m-%d").unwrap_or_default();
    wb.set_properties(&DocProperties::new().set_creation_datetime(&excel_date(issued)?));
    let ws = wb.add_worksheet();
    ws.set_name("人事情報")?;
    let bold = Format::new().set_bold();
    let date_format = Format::new().set_num_format("yyyy/mm/dd");
    for (c, h) in HR_HEADER.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let widths = [
        10.0, 16.0, 18.0, 16.0, 6.0, 12.0, 10.0, 12.0, 12.0, 34.0, 10.0, 44.0, 10.0,
    ];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    for (i, r) in sample.hr_rows.iter().enumerate() {
        let row = i as u32 + 1;
        let text = |s: &str| (!s.is_empty()).then_some(s.to_string());
        ws.write_string(row, 0, &r.employee_no)?;
        ws.write_string(row, 1, &r.name)?;
        ws.write_string(row, 2, &r.name_kana)?;
        match &r.birth_date_text {
            Some(t) => ws.write_string(row, 3, t)?,
            None => ws.write_datetime_with_format(row, 3, &excel_date(r.birth_date)?, &date_format)?,
        };
        ws.write_string(row, 4, gender(r.gender))?;
        ws.write_string(row, 5, &r.office_code)?;
        ws.write_string(row, 6, status(r.status))?;
        if let Some(d) = r.change_date {
            ws.write_datetime_with_format(row, 7, &excel_date(d)?, &date_format)?;
        }
        if let Some(d) = r.retirement_date {
            ws.write_datetime_with_format(row, 8, &excel_date(d)?, &date_format)?;
        }
        for (c, v) in [
            (9, &r.email),
            (10, &r.postal_code),
            (11, &r.address),
            (12, &r.extension),
        ] {
            if let Some(v) = text(v) {
                ws.write_string(row, c, v)?;
            }
        }
    }
    wb.save_to_buffer()
}
