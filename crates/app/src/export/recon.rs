//! The reconciliation of billed against deducted as an Excel workbook (照合表), for the clerk to
//! keep or hand to payroll: one sheet of every member side by side with the bucket and the
//! reason, one of the undeducted amounts and what happens to them.

use std::path::Path;

use chrono::NaiveDateTime;
use infoone_formats::xlsx::{columns, ColumnFormat, SheetWriter};
use infoone_store::Store;

use super::{out_file, ExportSummary};
use crate::{browse, AppError, ErrorCode, MonthRef, Result};

const MEMBERS: [(&str, f64); 8] = [
    ("社員番号", 10.0),
    ("氏名", 16.0),
    ("事業所", 8.0),
    ("請求額", 11.0),
    ("控除額", 11.0),
    ("未控除額", 11.0),
    ("照合結果", 10.0),
    ("理由", 14.0),
];

const UNDEDUCTED: [(&str, f64); 9] = [
    ("社員番号", 10.0),
    ("事業所", 8.0),
    ("加入番号", 14.0),
    ("商品", 8.0),
    ("対象月", 9.0),
    ("区分", 10.0),
    ("金額", 11.0),
    ("理由", 12.0),
    ("扱い", 14.0),
];

fn bucket_label(b: &str) -> &str {
    match b {
        "matched" => "一致",
        "partial" => "一部控除",
        "not_deducted" => "未控除",
        "not_billed" => "請求なし",
        other => other,
    }
}

/// `照合表_<group>_<YYYY-MM>.xlsx` in `out`: differences first, then the matched.
pub fn reconciliation_xlsx(store: &mut Store, at: &MonthRef, out: &Path, _now: NaiveDateTime) -> Result<ExportSummary> {
    let mut r = browse::reconciliation(store, at)?;
    let group = at.group.clone().unwrap_or_default();
    let path = out_file(out, &format!("照合表_{group}_{}.xlsx", at.month))?;
    let io = |e: std::io::Error| {
        AppError::new(
            ErrorCode::Internal,
            format!("{}: 書き込めません（{e}）", path.display()),
        )
    };
    r.rows
        .sort_by_key(|m| (m.bucket == "matched", m.office.clone(), m.employee_no.clone()));
    let member_cols = columns(&MEMBERS, |c| {
        if (3..6).contains(&c) {
            ColumnFormat::Yen
        } else {
            ColumnFormat::General
        }
    });
    let mut w = SheetWriter::create_workbook(&path, &["照合", "未控除の扱い"], &member_cols).map_err(io)?;
    for m in &r.rows {
        w.start_row();
        w.text(0, &m.employee_no);
        w.text(1, &m.name);
        w.text(2, &m.office);
        w.number(3, m.billed);
        w.number(4, m.deducted);
        w.number(5, m.undeducted);
        w.text(6, bucket_label(&m.bucket));
        w.text(7, m.reason.as_deref().unwrap_or(""));
        w.end_row().map_err(io)?;
    }
    let undeducted_cols = columns(&UNDEDUCTED, |c| {
        if c == 6 {
            ColumnFormat::Yen
        } else {
            ColumnFormat::General
        }
    });
    w.next_sheet(&undeducted_cols).map_err(io)?;
    for u in &r.undeducted {
        w.start_row();
        for (c, v) in [&u.employee_no, &u.office, &u.enrollment, &u.product, &u.month, &u.kind]
            .iter()
            .enumerate()
        {
            w.text(c, v);
        }
        w.number(6, u.amount);
        w.text(7, &u.reason);
        w.text(8, &u.handling);
        w.end_row().map_err(io)?;
    }
    w.finish().map_err(io)?;
    let differences = r.rows.iter().filter(|m| m.bucket != "matched").count();
    Ok(ExportSummary {
        kind: "reconciliation".into(),
        files: vec![path.display().to_string()],
        records: r.rows.len(),
        notes: vec![format!("差異 {differences}件・未控除の扱い {}件", r.undeducted.len())],
    })
}
