//! Office invoices (請求書), individual invoices (個別請求書), deduction results reports
//! (控除結果報告書) and reminders (督促状) as PDF.
//!
//! `export invoices` writes, into the output folder (docs/OUTPUTS.md):
//! - `invoice_<office>_<YYYY-MM>.pdf`, one per office;
//! - `invoices_<group>_<YYYY-MM>.pdf`, every office's invoice in one PDF (a bookmark per office);
//! - `individual_<employee no>_<YYYY-MM>.pdf`, one per individual bill;
//! - `deduction-report_<office>_<YYYY-MM>.pdf`, one per office, once deduction results are in.
//!
//! A reissued month (revision 2 on) adds `_v2` … before `.pdf`, so the reissue does not
//! overwrite the invoices already sent. Names are ASCII so they survive zip tools and mail.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDateTime;
use infoone_formats::pdf::{self, Context, DeductionReport, MemberResult, PdfError};
use infoone_store::Store;

use super::{month_data, on_every_core, out_file, write_file, ExportSummary, MonthData};
use crate::{AppError, ErrorCode, MonthRef, Result};

fn pdf_error(e: PdfError) -> AppError {
    AppError::new(ErrorCode::Internal, format!("PDFを作成できません: {e}"))
}

/// A code as part of a file name: characters a file system refuses become `_`.
pub(crate) fn safe(code: &str) -> String {
    code.chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// What the documents share, from the package and the current ledger (names and addresses as
/// changed this month; members hired this month).
pub(crate) fn context(md: &MonthData, issue_date: chrono::NaiveDate) -> Context {
    let mut ctx = Context::from_package(&md.package, issue_date);
    for (no, m) in &md.ledger.members {
        let p = ctx.members.entry(no.clone()).or_default();
        p.name = m.name.clone();
        p.office = m.office_in(md.ledger.month).to_string();
        if !m.postal_code.is_empty() {
            p.postal_code = m.postal_code.clone();
        }
        if !m.address.is_empty() {
            p.address = m.address.clone();
        }
    }
    for (code, o) in &md.ledger.offices {
        let a = ctx.offices.entry(code.clone()).or_default();
        a.name = o.name.clone();
    }
    ctx
}

/// The deduction results report input of each office, from the month's outcome.
fn reports(md: &MonthData) -> Vec<DeductionReport<'_>> {
    let Some(outcome) = &md.outcome else {
        return Vec::new();
    };
    // (employee, office) → how the undeducted part is handled.
    let mut handling: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for u in &outcome.undeducted {
        handling.insert((&u.employee_no, &u.office), &u.handling);
    }
    // Members by office, once (2,000 offices × 300,000 members otherwise).
    let mut by_office: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for m in &outcome.members {
        by_office.entry(m.office.as_str()).or_default().push(m);
    }
    md.bill
        .offices
        .iter()
        .map(|o| {
            let c = outcome.offices.get(&o.code);
            let members = by_office
                .get(o.code.as_str())
                .into_iter()
                .flatten()
                .map(|m| MemberResult {
                    employee_no: m.employee_no.clone(),
                    billed: m.billed,
                    deducted: m.deducted,
                    undeducted: m.undeducted,
                    reason: m.reason.clone(),
                    handling: handling
                        .get(&(m.employee_no.as_str(), o.code.as_str()))
                        .map(|h| h.to_string()),
                })
                .collect();
            DeductionReport {
                office: o,
                collected_by_product: c.map(|c| c.collected_by_product.clone()).unwrap_or_default(),
                undeducted: c.map_or(0, |c| c.undeducted),
                collected_fee: c.map_or(0, |c| c.collected_fee),
                collected_fee_tax: c.map_or(0, |c| c.collected_fee_tax),
                payable: c.map_or(0, |c| c.payable),
                members,
            }
        })
        .collect()
}

/// Write every invoice of a confirmed month (and the deduction results reports once deducted)
/// into `out`. The issue date is `now`'s date.
pub fn invoices(store: &mut Store, at: &MonthRef, out: &Path, now: NaiveDateTime) -> Result<ExportSummary> {
    let md = month_data(store, at)?;
    let ctx = context(&md, now.date());
    let bill = &md.bill;
    let month = &bill.month;
    let rev = if bill.revision >= 2 {
        format!("_v{}", bill.revision)
    } else {
        String::new()
    };
    let mut summary = ExportSummary {
        kind: "invoices".into(),
        ..ExportSummary::default()
    };
    // One file per office (2,000 for a big group), made and written on every core; the
    // combined PDF uses every core itself.
    let files = write_each(out, "請求書の作成", &bill.offices, |o| {
        let bytes = pdf::office_invoice(&ctx, bill, o)?;
        Ok((format!("invoice_{}_{month}{rev}.pdf", safe(&o.code)), bytes))
    })?;
    summary.files.extend(files);
    let bytes = pdf::group_invoices(&ctx, bill).map_err(pdf_error)?;
    let path = out_file(out, &format!("invoices_{}_{month}{rev}.pdf", safe(&bill.group)))?;
    write_file(&path, &bytes)?;
    summary.files.push(path.display().to_string());
    let files = write_each(out, "個別請求書の作成", &bill.individual_bills, |ind| {
        let bytes = pdf::individual_invoice(&ctx, bill, ind)?;
        Ok((format!("individual_{}_{month}{rev}.pdf", safe(&ind.employee_no)), bytes))
    })?;
    summary.files.extend(files);
    let reports = reports(&md);
    let files = write_each(out, "控除結果報告書の作成", &reports, |r| {
        let bytes = pdf::deduction_report(&ctx, bill, r)?;
        Ok((
            format!("deduction-report_{}_{month}{rev}.pdf", safe(&r.office.code)),
            bytes,
        ))
    })?;
    summary.files.extend(files);

    summary.records = bill.offices.len() + bill.individual_bills.len();
    if md.outcome.is_none() {
        summary.notes.push(format!(
            "控除結果報告書は控除結果の取込後に作成します。先に{month}の給与の控除結果ファイルを取り込んでください"
        ));
    }
    if bill.revision >= 2 {
        summary.notes.push(format!(
            "第{}版です。ファイル名の末尾に _v{} を付けました（先にお送りした版は上書きしません）",
            bill.revision, bill.revision
        ));
    }
    Ok(summary)
}

/// One PDF per item, `make` giving its file name and bytes, made and written on every core; the
/// paths in the items' order. The first failure is the error (files already written stay: they
/// are whole, and the export is run again as a whole).
fn write_each<T: Sync>(
    out: &Path,
    what: &str,
    items: &[T],
    make: impl Fn(&T) -> pdf::Result<(String, Vec<u8>)> + Sync,
) -> Result<Vec<String>> {
    std::fs::create_dir_all(out).map_err(|e| AppError::new(ErrorCode::Internal, format!("{}: {e}", out.display())))?;
    on_every_core(items, what, |item| -> Result<String> {
        let (name, bytes) = make(item).map_err(pdf_error)?;
        let path = out.join(name);
        write_file(&path, &bytes)?;
        Ok(path.display().to_string())
    })?
    .into_iter()
    .collect()
}
