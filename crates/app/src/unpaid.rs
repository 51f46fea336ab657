//! 未入金一覧 (unpaid list) and 督促状 (reminders), DOMAIN.md §7.
//!
//! The list is filled by the Zengin result import (振替不能, `export::import_zengin_result`). The
//! clerk reads it with days overdue ([`unpaid_list`]), marks a row paid when the person paid another
//! way ([`mark_paid`]), and issues the reminders that are due ([`reminders`]): the first notice after
//! the due date, the second 30 days after the first (`infoone_domain::reminder`). Every change is
//! in the audit log.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use infoone_domain::reminder::{days_overdue, new_due_date, reminder_due, ReminderDue};
use infoone_formats::pdf::{self, Address, Notice, Reminder};
use infoone_store::unpaid::UnpaidRow;
use infoone_store::{Audit, Store};
use serde::Serialize;

use crate::export::{self, ExportSummary};
use crate::{AppError, ErrorCode, MonthRef, Result};

/// A row of the unpaid list as the clerk reads it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UnpaidItem {
    pub id: i64,
    pub group: String,
    /// Billing month the amount belongs to.
    pub month: String,
    /// `account_transfer` (振替不能).
    pub kind: String,
    /// `person` or `office`.
    pub party: String,
    /// Employee number or office code.
    pub code: String,
    pub name: String,
    pub office: String,
    pub amount: i64,
    pub due_date: String,
    pub days_overdue: i64,
    pub reason: String,
    /// The Zengin 顧客番号.
    pub reference: String,
    pub source: String,
    pub paid_at: Option<String>,
    pub first_notice: Option<String>,
    pub second_notice: Option<String>,
    /// `first`, `second`, or none: which reminder is due today.
    pub reminder_due: Option<String>,
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

fn item(r: UnpaidRow, today: NaiveDate) -> UnpaidItem {
    let due = date(&r.due_date);
    let next = due.map(|d| {
        reminder_due(
            d,
            r.first_notice.as_deref().and_then(date),
            r.second_notice.as_deref().and_then(date),
            today,
        )
    });
    UnpaidItem {
        id: r.id,
        group: r.group_code,
        month: r.month,
        kind: r.kind,
        party: r.party,
        code: r.code,
        name: r.name,
        office: r.office,
        amount: r.amount,
        days_overdue: due.map_or(0, |d| days_overdue(d, today)),
        due_date: r.due_date,
        reason: r.reason,
        reference: r.reference,
        source: r.source,
        reminder_due: match (&r.paid_at, next) {
            (None, Some(ReminderDue::First)) => Some("first".into()),
            (None, Some(ReminderDue::Second)) => Some("second".into()),
            _ => None,
        },
        paid_at: r.paid_at,
        first_notice: r.first_notice,
        second_notice: r.second_notice,
    }
}

/// The unpaid list, oldest due date first, with days overdue on `today`: of one group or of all,
/// the open rows only unless `all` (then the paid ones too).
pub fn unpaid_list(store: &mut Store, group: Option<&str>, all: bool, today: NaiveDate) -> Result<Vec<UnpaidItem>> {
    store.read(|tx| Ok(tx.unpaid(group, all)?.into_iter().map(|r| item(r, today)).collect()))
}

/// Mark row `id` paid on `paid_on` (the person paid another way): it leaves the list, kept with
/// the date and `note`.
pub fn mark_paid(
    store: &mut Store,
    id: i64,
    paid_on: NaiveDate,
    note: Option<&str>,
    now: NaiveDateTime,
) -> Result<UnpaidItem> {
    let stamp = now.format("%Y-%m-%dT%H:%M:%S").to_string();
    store.transaction(|tx| {
        let row = tx.unpaid_row(id)?.ok_or_else(|| {
            AppError::not_found(format!(
                "未入金一覧に番号{id}はありません（未入金一覧で番号を確かめてください）"
            ))
        })?;
        if let Some(at) = &row.paid_at {
            return Err(AppError::wrong_state(format!(
                "番号{id}（{} {} {}分 {}円）は{at}に入金済みにしています",
                row.code, row.name, row.month, row.amount
            )));
        }
        let paid = paid_on.to_string();
        tx.mark_unpaid_paid(id, &paid, note)?;
        let key = id.to_string();
        let detail = format!(
            "{} {} {}分 {}円 入金日{paid}",
            row.code, row.name, row.month, row.amount
        );
        tx.audit(&Audit {
            at: &stamp,
            group_code: Some(&row.group_code),
            month: row.month.parse().ok(),
            action: "unpaid.paid",
            entity: Some("unpaid"),
            key: Some(&key),
            before: Some("未入金"),
            after: Some(&format!("入金済 {paid}")),
            source: note,
            detail: Some(&detail),
        })?;
        let row = tx
            .unpaid_row(id)?
            .ok_or_else(|| AppError::new(ErrorCode::Internal, "未入金一覧の行が消えました"))?;
        Ok(item(row, now.date()))
    })
}

/// Issue every reminder due today for the group of `at`: one PDF per row
/// (`reminder_<code>_<YYYY-MM>_<1|2>.pdf`) into `out`, its date recorded on the row. Names and
/// addresses come from the month `at`'s ledger. Rows not due yet are named in the notes with the
/// day their notice is due.
pub fn reminders(store: &mut Store, at: &MonthRef, out: &Path, now: NaiveDateTime) -> Result<ExportSummary> {
    let md = export::month_data(store, at)?;
    let today = now.date();
    let ctx = export::invoice_context(&md, today);
    let group = md.row.group_code.clone();
    let stamp = now.format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut summary = ExportSummary {
        kind: "reminders".into(),
        ..ExportSummary::default()
    };
    store.transaction(|tx| -> Result<()> {
        let rows = tx.unpaid(Some(&group), false)?;
        if rows.is_empty() {
            summary.notes.push("未入金一覧は空です（督促状はありません）".into());
        }
        for r in rows {
            let Some(due) = date(&r.due_date) else {
                summary
                    .notes
                    .push(format!("番号{}: 期日「{}」を読めません", r.id, r.due_date));
                continue;
            };
            let first = r.first_notice.as_deref().and_then(date);
            let (notice, n) = match reminder_due(due, first, r.second_notice.as_deref().and_then(date), today) {
                ReminderDue::First => (Notice::First, 1),
                ReminderDue::Second => (Notice::Second, 2),
                ReminderDue::NotYet(from) => {
                    let which = if first.is_some() { "第2回" } else { "第1回" };
                    summary.notes.push(format!(
                        "{} {} {}分: {which}の督促状は{from}から",
                        r.code, r.name, r.month
                    ));
                    continue;
                }
                ReminderDue::Done => {
                    summary.notes.push(format!(
                        "{} {} {}分: 第2回まで送付済みです。保険会社と対応を相談してください",
                        r.code, r.name, r.month
                    ));
                    continue;
                }
            };
            let to = if r.party == "office" {
                ctx.offices.get(&r.code).cloned().unwrap_or_else(|| Address {
                    name: r.name.clone(),
                    ..Address::default()
                })
            } else {
                let p = ctx.members.get(&r.code);
                Address {
                    name: p.map_or_else(|| r.name.clone(), |p| p.name.clone()),
                    postal_code: p.map(|p| p.postal_code.clone()).unwrap_or_default(),
                    address: p.map(|p| p.address.clone()).unwrap_or_default(),
                }
            };
            if to.address.is_empty() {
                summary.notes.push(format!(
                    "{} {}: 住所がありません。封筒の宛名は手書きしてください",
                    r.code, to.name
                ));
            }
            let letter = Reminder {
                notice,
                honorific: if r.party == "office" { "御中" } else { "様" }.into(),
                to,
                code: r.code.clone(),
                month: r.month.clone(),
                unpaid: r.amount,
                original_due: due,
                new_due: new_due_date(today),
                transfer_failed: (r.kind == "account_transfer").then(|| {
                    r.reason
                        .split_once(' ')
                        .map_or(r.reason.as_str(), |(_, l)| l)
                        .to_string()
                }),
            };
            let bytes = pdf::reminder(&ctx, &letter)
                .map_err(|e| AppError::new(ErrorCode::Internal, format!("PDFを作成できません: {e}")))?;
            let path = export::out_file(
                out,
                &format!("reminder_{}_{}_{n}.pdf", export::file_safe(&r.code), r.month),
            )?;
            tx.set_unpaid_notice(r.id, n == 2, &today.to_string())?;
            let key = r.id.to_string();
            let detail = format!(
                "{} {} {}分 {}円 第{n}回 新しいお支払期日{}",
                r.code, letter.to.name, r.month, r.amount, letter.new_due
            );
            tx.audit(&Audit {
                at: &stamp,
                group_code: Some(&group),
                month: r.month.parse().ok(),
                action: "unpaid.reminder",
                entity: Some("unpaid"),
                key: Some(&key),
                after: Some(&format!("第{n}回督促 {today}")),
                source: Some(&path.display().to_string()),
                detail: Some(&detail),
                ..Audit::default()
            })?;
            export::write_file(&path, &bytes)?;
            summary.files.push(path.display().to_string());
            summary.records += 1;
        }
        Ok(())
    })?;
    Ok(summary)
}
