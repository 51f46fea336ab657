//! HR data import (人事情報取込み): compare the snapshot with the ledger and propose changes
//! (FORMATS.md "HR data").

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::NaiveDateTime;
use infoone_domain::change::Change;
use infoone_domain::finding::{self, Code};
use infoone_domain::ledger::{Member, MemberStatus, WithdrawalOption};
use infoone_domain::product::Gender;
use infoone_formats::error::{FileError, Problem};
use infoone_formats::hr::{read_hr_bytes, HrRow, HrSnapshot, HrStatus, Sex};
use infoone_formats::text::normalize;
use infoone_store::{Audit, ChangeStatus, MonthRow, NewChange, Store, Tx};
use serde::Serialize;

use crate::{current_ledger, find_month, propose, require_open, stamp, AppError, MonthRef, Progress, Result};

/// Unknown office code in the HR file.
pub const UNKNOWN_OFFICE: &str = "F3003";

/// What an HR import proposed.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HrImport {
    pub file: String,
    pub encoding: String,
    pub rows: usize,
    pub proposed: usize,
    pub notes: usize,
    pub by_kind: BTreeMap<String, usize>,
    pub unknown_columns: Vec<String>,
}

pub fn import_hr(store: &mut Store, at: &MonthRef, file: &Path, now: NaiveDateTime) -> Result<HrImport> {
    import_hr_with(store, at, file, now, Progress::NONE)
}

/// [`import_hr`], reporting reading the file and comparing each of its rows with the ledger.
pub fn import_hr_with(
    store: &mut Store,
    at: &MonthRef,
    file: &Path,
    now: NaiveDateTime,
    progress: Progress<'_>,
) -> Result<HrImport> {
    progress.report(0, 1, "人事データを読んでいます");
    let name = file
        .file_name()
        .map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    crate::check_input_size(
        file,
        infoone_formats::limits::MAX_WORKBOOK_BYTES.max(infoone_formats::limits::MAX_TEXT_BYTES),
    )?;
    let bytes = std::fs::read(file)
        .map_err(|e| AppError::not_found(format!("{}: ファイルを読めません（{e}）", file.display())))?;
    let snapshot = read_hr_bytes(&name, &bytes)?;
    let stamp = stamp(now);
    store.transaction(|tx| {
        let row = find_month(tx, at)?;
        require_open(&row)?;
        compare(tx, &row, &name, &snapshot, &stamp, progress)
    })
}

#[allow(clippy::too_many_arguments)]
fn note(
    tx: &Tx<'_>,
    row: &MonthRow,
    code: Code,
    employee_no: &str,
    summary: String,
    source: &str,
    at: &str,
    existing: &mut HashSet<String>,
) -> Result<bool> {
    let payload = serde_json::json!({"kind": "note", "code": code.code, "employee_no": employee_no}).to_string();
    if !existing.insert(payload.clone()) {
        return Ok(false);
    }
    tx.insert_change(
        row.id,
        &NewChange {
            kind: "note".into(),
            status: Some(ChangeStatus::Note),
            source: source.to_string(),
            employee_no: Some(employee_no.to_string()),
            summary,
            payload,
            code: Some(code.code.to_string()),
        },
        at,
    )?;
    Ok(true)
}

fn gender(s: Sex) -> Gender {
    match s {
        Sex::Male => Gender::Male,
        Sex::Female => Gender::Female,
    }
}

/// Differences of one row with the member it names, as changes.
fn row_changes(m: &Member, r: &HrRow, month_start: chrono::NaiveDate) -> Vec<Change> {
    let mut out = Vec::new();
    if r.status == HrStatus::Retired {
        if m.status != MemberStatus::Retired {
            if let Some(date) = r.retirement_date.or(r.change_date) {
                out.push(Change::Retirement {
                    employee_no: m.employee_no.clone(),
                    date,
                    option: WithdrawalOption::End,
                });
            }
        }
        return out;
    }
    let latest = m.transfers.last().map_or(m.office.as_str(), |(_, o)| o.as_str());
    if r.office_code != latest {
        out.push(Change::Transfer {
            employee_no: m.employee_no.clone(),
            office: r.office_code.clone(),
            date: r.change_date.unwrap_or(month_start),
        });
    }
    let differs = |ledger: &str, hr: &Option<String>| -> Option<String> {
        hr.as_ref()
            .filter(|v| !v.is_empty() && !ledger.is_empty() && normalize(ledger) != **v)
            .cloned()
    };
    let name = (normalize(&m.name) != r.name).then(|| r.name.clone());
    let name_kana = differs(&m.name_kana, &r.name_kana);
    let email = differs(&m.email, &r.email);
    let postal_code = differs(&m.postal_code, &r.postal_code);
    let address = differs(&m.address, &r.address);
    if name.is_some() || name_kana.is_some() || email.is_some() || postal_code.is_some() || address.is_some() {
        out.push(Change::Update {
            employee_no: m.employee_no.clone(),
            name,
            name_kana,
            email,
            postal_code,
            address,
        });
    }
    if r.status == HrStatus::Active && m.status == MemberStatus::Leave {
        out.push(Change::Status {
            employee_no: m.employee_no.clone(),
            status: MemberStatus::Active,
        });
    }
    out
}

fn compare(
    tx: &Tx<'_>,
    row: &MonthRow,
    file: &str,
    snap: &HrSnapshot,
    at: &str,
    progress: Progress<'_>,
) -> Result<HrImport> {
    let (_, ledger) = current_ledger(tx, row)?;
    // An unknown office refuses the whole file (nothing is proposed).
    let known: Vec<&str> = ledger.offices.keys().map(String::as_str).collect();
    let known = if known.len() > 10 {
        format!("{}、ほか{}件", known[..10].join("、"), known.len() - 10)
    } else {
        known.join("、")
    };
    let problems: Vec<Problem> = snap
        .rows
        .iter()
        .filter(|r| !ledger.offices.contains_key(&r.office_code))
        .map(|r| {
            Problem::new(
                UNKNOWN_OFFICE,
                format!("請求パッケージにない事業所コードです（登録済み: {known}）"),
            )
            .at_row(r.row)
            .in_column("事業所コード")
            .with_value(&r.office_code)
        })
        .collect();
    if !problems.is_empty() {
        return Err(FileError::new(file, problems).into());
    }
    let month_start = ledger.month.first_day();
    let mut existing = crate::existing_payloads(tx, row)?;
    let mut proposed = 0;
    let mut notes = 0;
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen = HashSet::with_capacity(snap.rows.len());
    for (i, r) in snap.rows.iter().enumerate() {
        progress.item(i, snap.rows.len(), "加入者と照合しています");
        seen.insert(r.employee_no.as_str());
        let changes = match ledger.members.get(&r.employee_no) {
            Some(m) => {
                if r.status == HrStatus::Leave
                    && m.status != MemberStatus::Leave
                    && note(
                        tx,
                        row,
                        finding::LEAVE_NOTE,
                        &r.employee_no,
                        format!("休職: {}（{}）控除できない可能性があります", r.employee_no, r.name),
                        file,
                        at,
                        &mut existing,
                    )?
                {
                    notes += 1;
                }
                row_changes(m, r, month_start)
            }
            None if r.status != HrStatus::Retired => vec![Change::Hire {
                member: Box::new(Member {
                    employee_no: r.employee_no.clone(),
                    name: r.name.clone(),
                    name_kana: r.name_kana.clone().unwrap_or_default(),
                    birth_date: r.birth_date,
                    gender: gender(r.gender),
                    office: r.office_code.clone(),
                    transfers: Vec::new(),
                    status: if r.status == HrStatus::Leave {
                        MemberStatus::Leave
                    } else {
                        MemberStatus::Active
                    },
                    retired_on: None,
                    dependents: Vec::new(),
                    email: r.email.clone().unwrap_or_default(),
                    postal_code: r.postal_code.clone().unwrap_or_default(),
                    address: r.address.clone().unwrap_or_default(),
                    bank_account: None,
                }),
            }],
            None => Vec::new(),
        };
        for c in changes {
            if propose(tx, row, &ledger, &c, file, at, &mut existing)? {
                proposed += 1;
                *by_kind.entry(c.kind().to_string()).or_default() += 1;
                let original: serde_json::Map<String, serde_json::Value> = r
                    .original
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect();
                tx.audit(&Audit {
                    at,
                    group_code: Some(&row.group_code),
                    month: Some(row.month),
                    action: "change.propose",
                    entity: Some(c.kind()),
                    key: Some(&r.employee_no),
                    source: Some(file),
                    detail: Some(&format!("{}行目 {}", r.row, serde_json::Value::Object(original))),
                    ..Audit::default()
                })?;
            }
        }
    }
    // Members with enrollments missing from the snapshot are flagged, never withdrawn silently.
    for m in ledger.members.values() {
        if seen.contains(m.employee_no.as_str()) || m.status == MemberStatus::Retired {
            continue;
        }
        let enrolled = ledger
            .enrollments_of(&m.employee_no)
            .any(|e| e.end_month.is_none_or(|end| end >= ledger.month));
        if enrolled
            && note(
                tx,
                row,
                finding::MISSING_FROM_HR,
                &m.employee_no,
                format!(
                    "人事データにない加入者: {}（{}）。退職・異動を確認してください",
                    m.employee_no, m.name
                ),
                file,
                at,
                &mut existing,
            )?
        {
            notes += 1;
        }
    }
    tx.audit(&Audit {
        at,
        group_code: Some(&row.group_code),
        month: Some(row.month),
        action: "hr.import",
        source: Some(file),
        detail: Some(&format!("rows={} proposed={proposed} notes={notes}", snap.rows.len())),
        ..Audit::default()
    })?;
    if row.state == infoone_store::MonthState::Loaded {
        tx.set_state(row.id, infoone_store::MonthState::Adjusting)?;
    }
    crate::keep_ledger(tx, row, ledger)?;
    Ok(HrImport {
        file: file.to_string(),
        encoding: snap.encoding.map_or("xlsx".to_string(), |e| e.label().to_string()),
        rows: snap.rows.len(),
        proposed,
        notes,
        by_kind,
        unknown_columns: snap.unknown_columns.clone(),
    })
}
