//! The bill of the month: shown live while adjusting, frozen by the confirmation (請求確定),
//! reopened with a reason (the next confirmation is the next revision).

use super::*;

pub(crate) fn outcome_doc(tx: &Tx<'_>, row: &MonthRow) -> Result<Option<OutcomeDoc>> {
    match tx.deductions(row.id)? {
        Some(text) => Ok(Some(
            serde_json::from_str(&text).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?,
        )),
        None => Ok(None),
    }
}

/// The bill as `bill show --json` prints it: live while adjusting, frozen once confirmed, with
/// the deduction outcome from `deducted` on.
pub fn bill(store: &mut Store, at: &MonthRef) -> Result<BillDoc> {
    store.read(|tx| {
        let row = find_month(tx, at)?;
        bill_in(tx, &row)
    })
}

pub(crate) fn bill_in(tx: &Tx<'_>, row: &MonthRow) -> Result<BillDoc> {
    if let Some(frozen) = frozen(tx, row)? {
        let mut doc = BillDoc::clone(&frozen);
        doc.state = row.state.code().to_string();
        if let Some(outcome) = outcome_doc(tx, row)? {
            bill_doc::add_outcome(&mut doc, &outcome.to_outcome());
        }
        return Ok(doc);
    }
    let (pkg, ledger) = current_ledger(tx, row)?;
    let bill = bill::compute(&ledger);
    keep_ledger(tx, row, ledger)?;
    let doc = bill_doc::from_bill(&bill, row.state.code(), row.revision, &office_names(&pkg));
    Ok(doc)
}

/// Confirm the month (請求確定): refused while the bill has errors; freezes the amounts.
pub fn confirm(store: &mut Store, at: &MonthRef, now: NaiveDateTime) -> Result<BillDoc> {
    confirm_with(store, at, now, Progress::NONE)
}

/// [`confirm`], reporting its stages (the backup, the bill, saving it).
pub fn confirm_with(store: &mut Store, at: &MonthRef, now: NaiveDateTime, progress: Progress<'_>) -> Result<BillDoc> {
    let stamp = stamp(now);
    // The database as it was before, copied first (docs/RELIABILITY.md "Crash safety"); a
    // month that cannot be confirmed anyway is refused before any copy is made.
    let row = store.read(|tx| find_month(tx, at))?;
    require_open(&row)?;
    progress.report(0, 3, "データベースのバックアップを作っています");
    let backup = backup::take(store, Some(row.month), "confirm", now)?;
    progress.report(1, 3, "請求を計算しています");
    let backup_source = backup.as_ref().map(|n| format!("backups/{n}"));
    let (doc, key) = store.transaction(|tx| {
        let row = find_month(tx, at)?;
        require_open(&row)?;
        let (pkg, ledger) = current_ledger(tx, &row)?;
        let bill = bill::compute(&ledger);
        keep_ledger(tx, &row, ledger)?;
        refuse_errors(&bill)?;
        let pending = tx
            .changes(row.id)?
            .iter()
            .filter(|c| c.status == ChangeStatus::Proposed)
            .count();
        let mut doc = bill_doc::from_bill(&bill, "confirmed", row.revision + 1, &office_names(&pkg));
        progress.report(2, 3, "確定した請求を保存しています");
        let text = serde_json::to_string(&doc).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        let revision = tx.confirm(row.id, &text)?;
        doc.revision = revision;
        tx.audit(&Audit {
            at: &stamp,
            group_code: Some(&row.group_code),
            month: Some(row.month),
            action: "month.confirm",
            before: Some(row.state.code()),
            after: Some("confirmed"),
            source: backup_source.as_deref(),
            detail: Some(&format!(
                "revision={revision} premium_total={} invoice_amount={} pending_changes_left={pending} backup={}",
                bill.totals.premium_total,
                bill.totals.invoice_amount,
                backup.as_deref().unwrap_or("-")
            )),
            ..Audit::default()
        })?;
        let key = cache::frozen_key(tx, &row, revision);
        Ok::<_, AppError>((doc, key))
    })?;
    // Kept for the outputs only once the confirmation is committed.
    cache::remember_frozen(store.memo(), key, &Arc::new(doc.clone()));
    Ok(doc)
}

fn refuse_errors(bill: &Bill) -> Result<()> {
    if !bill.has_errors() {
        return Ok(());
    }
    let errors: Vec<String> = bill
        .findings
        .iter()
        .filter(|f| f.severity() == infoone_domain::finding::Severity::Error)
        .map(|f| f.to_string())
        .collect();
    let shown: Vec<&str> = errors.iter().take(10).map(String::as_str).collect();
    Err(AppError::refused(format!(
        "請求にエラーが{}件あるため確定できません:\n{}{}",
        errors.len(),
        shown.join("\n"),
        if errors.len() > shown.len() {
            format!("\n…ほか{}件（bill show で全件）", errors.len() - shown.len())
        } else {
            String::new()
        }
    )))
}

/// Reopen a confirmed month (until it is reported), with a reason; logged. The next
/// confirmation is the next revision (第2版).
pub fn reopen(store: &mut Store, at: &MonthRef, reason: &str, now: NaiveDateTime) -> Result<()> {
    let stamp = stamp(now);
    if reason.trim().is_empty() {
        return Err(AppError::bad_input("確定を解除する理由（--reason）を入力してください"));
    }
    let row = store.read(|tx| find_month(tx, at))?;
    let backup = if matches!(row.state, MonthState::Confirmed | MonthState::Deducted) {
        backup::take(store, Some(row.month), "reopen", now)?
    } else {
        None
    };
    // The detail keeps the clerk's reason; the backup is named as the step's source.
    let backup_source = backup.as_ref().map(|n| format!("backups/{n}"));
    store.transaction(|tx| {
        let row = find_month(tx, at)?;
        if !matches!(row.state, MonthState::Confirmed | MonthState::Deducted) {
            return Err(AppError::wrong_state(format!(
                "{}は{}のため確定を解除できません（解除できるのは請求確定後、結果報告前です）",
                row.month,
                row.state.label()
            )));
        }
        tx.reopen(row.id)?;
        tx.audit(&Audit {
            at: &stamp,
            group_code: Some(&row.group_code),
            month: Some(row.month),
            action: "month.reopen",
            before: Some(row.state.code()),
            after: Some("adjusting"),
            source: backup_source.as_deref(),
            detail: Some(reason),
            ..Audit::default()
        })?;
        Ok(())
    })
}
