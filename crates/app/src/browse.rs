//! What the desktop shows besides the month's steps: the months in the database, the members
//! (table and one member's page), the effect of accepting some changes on each office's amount
//! before they are accepted, the reconciliation of billed against deducted, and the audit log.
//! Read-only: nothing here writes to the store.

use std::collections::BTreeMap;

use infoone_domain::bill;
use infoone_domain::change;
use infoone_domain::ledger::{Insured, Ledger};
use infoone_formats::change as change_json;
use infoone_store::{ChangeStatus, MonthState, Store};
use serde::Serialize;

use crate::{current_ledger, find_month, keep_ledger, outcome_doc, AppError, ErrorCode, MonthRef, MonthStatus, Result};

/// Every month in the database, newest first (the desktop's month picker).
pub fn months(store: &mut Store) -> Result<Vec<MonthStatus>> {
    let rows = store.read(|tx| Ok::<_, AppError>(tx.all_months()?))?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows.iter().rev() {
        let at = MonthRef {
            group: Some(r.group_code.clone()),
            month: r.month,
        };
        out.push(crate::status(store, &at)?);
    }
    Ok(out)
}

/// One row of the members table.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MemberRow {
    pub employee_no: String,
    pub name: String,
    pub name_kana: String,
    pub office: String,
    /// `active`, `leave` or `retired`.
    pub status: String,
    pub status_label: String,
    /// Products the member has an enrollment in that covers the month (sorted, distinct).
    pub products: Vec<String>,
    pub enrollments: usize,
}

/// The month's members as the ledger has them now (package plus accepted changes).
pub fn members(store: &mut Store, at: &MonthRef) -> Result<Vec<MemberRow>> {
    with_ledger(store, at, |ledger| {
        Ok(ledger.members.values().map(|m| member_row(ledger, m)).collect())
    })
}

fn member_row(ledger: &Ledger, m: &infoone_domain::ledger::Member) -> MemberRow {
    let mut products: Vec<String> = ledger
        .enrollments_of(&m.employee_no)
        .filter(|e| e.covers(ledger.month))
        .map(|e| e.product.clone())
        .collect();
    products.sort();
    products.dedup();
    MemberRow {
        employee_no: m.employee_no.clone(),
        name: m.name.clone(),
        name_kana: m.name_kana.clone(),
        office: m.office.clone(),
        status: status_code(m.status).to_string(),
        status_label: m.status.label().to_string(),
        products,
        enrollments: ledger.enrollments_of(&m.employee_no).count(),
    }
}

pub(crate) fn status_code(s: infoone_domain::ledger::MemberStatus) -> &'static str {
    use infoone_domain::ledger::MemberStatus as S;
    match s {
        S::Active => "active",
        S::Leave => "leave",
        S::Retired => "retired",
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EnrollmentView {
    pub id: String,
    /// `本人`, or the dependent's relation and name.
    pub insured: String,
    pub product: String,
    pub plan: String,
    pub units: u32,
    pub start_month: String,
    pub end_month: Option<String>,
    pub withdrawal: Option<String>,
    /// Months billed for this enrollment so far (from the package and earlier confirmations).
    pub billed: Vec<BilledView>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BilledView {
    pub month: String,
    pub office: String,
    pub amount: i64,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DependentView {
    pub id: String,
    pub relation: String,
    pub name: String,
    pub birth_date: String,
}

/// One member's page. The bank account is shown masked (last 3 digits): personal data stays
/// out of screens that do not need it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MemberDetail {
    pub row: MemberRow,
    pub birth_date: String,
    pub retired_on: Option<String>,
    pub transfers: Vec<(String, String)>,
    pub bank_account: Option<String>,
    pub dependents: Vec<DependentView>,
    pub enrollments: Vec<EnrollmentView>,
    /// This month's changes about the member (any status).
    pub changes: Vec<crate::ChangeView>,
}

pub fn member(store: &mut Store, at: &MonthRef, employee_no: &str) -> Result<MemberDetail> {
    let changes: Vec<crate::ChangeView> = crate::list_changes(store, at)?
        .into_iter()
        .filter(|c| c.employee_no.as_deref() == Some(employee_no))
        .collect();
    with_ledger(store, at, |ledger| {
        let m = ledger
            .members
            .get(employee_no)
            .ok_or_else(|| AppError::not_found(format!("社員番号 {employee_no} の加入者はこの月にいません")))?;
        let dependents = m
            .dependents
            .iter()
            .map(|d| DependentView {
                id: d.id.clone(),
                relation: match d.relation {
                    infoone_domain::ledger::Relation::Spouse => "配偶者".into(),
                    infoone_domain::ledger::Relation::Child => "子".into(),
                },
                name: d.name.clone(),
                birth_date: d.birth_date.to_string(),
            })
            .collect::<Vec<_>>();
        let mut enrollments: Vec<EnrollmentView> = ledger
            .enrollments_of(employee_no)
            .map(|e| {
                let mut billed: Vec<BilledView> = ledger
                    .billed
                    .values()
                    .filter(|b| b.enrollment == e.id)
                    .map(|b| BilledView {
                        month: b.month.to_string(),
                        office: b.office.clone(),
                        amount: b.amount.to_i64(),
                    })
                    .collect();
                billed.sort_by(|a, b| a.month.cmp(&b.month));
                EnrollmentView {
                    id: e.id.clone(),
                    insured: match &e.insured {
                        Insured::Member => "本人".into(),
                        Insured::Dependent(id) => dependents
                            .iter()
                            .find(|d| &d.id == id)
                            .map_or_else(|| id.clone(), |d| format!("{} {}", d.relation, d.name)),
                    },
                    product: e.product.clone(),
                    plan: e.plan.clone(),
                    units: e.units,
                    start_month: e.start_month.to_string(),
                    end_month: e.end_month.map(|m| m.to_string()),
                    withdrawal: e.withdrawal.map(|w| format!("{} {}", w.month, w.option.code())),
                    billed,
                }
            })
            .collect();
        enrollments.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(MemberDetail {
            row: member_row(ledger, m),
            birth_date: m.birth_date.to_string(),
            retired_on: m.retired_on.map(|d| d.to_string()),
            transfers: m.transfers.iter().map(|(mo, o)| (mo.to_string(), o.clone())).collect(),
            bank_account: m.bank_account.as_ref().map(|b| {
                let tail: String = b
                    .account_no
                    .chars()
                    .rev()
                    .take(3)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                format!("{}-{} ****{tail}", b.bank_code, b.branch_code)
            }),
            dependents,
            enrollments,
            changes,
        })
    })
}

/// What accepting some changes would do to one office's amount (the review screen shows it
/// before the clerk accepts).
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OfficeEffect {
    pub office: String,
    pub name: String,
    pub before: i64,
    pub after: i64,
    pub delta: i64,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Preview {
    pub offices: Vec<OfficeEffect>,
    pub before_total: i64,
    pub after_total: i64,
    /// Changes of the selection that could not be applied (id and why): accepting them would be
    /// refused.
    pub refused: Vec<(i64, String)>,
}

/// The bill's invoice amount per office now, and after also accepting `ids` (proposed or
/// rejected changes of the month), computed on a copy of the ledger: nothing is stored.
pub fn preview_accept(store: &mut Store, at: &MonthRef, ids: &[i64]) -> Result<Preview> {
    store.read(|tx| {
        let row = find_month(tx, at)?;
        let changes = tx.changes(row.id)?;
        let (pkg, ledger) = current_ledger(tx, &row)?;
        let before = bill::compute(&ledger);
        let mut after_ledger = ledger.clone();
        keep_ledger(tx, &row, ledger)?;
        let mut refused = Vec::new();
        for id in ids {
            let Some(c) = changes.iter().find(|c| c.id == *id) else {
                return Err(AppError::not_found(format!("変更ID {id} はこの月にありません")));
            };
            if !matches!(c.status, ChangeStatus::Proposed | ChangeStatus::Rejected) {
                continue;
            }
            let change =
                change_json::from_json(&c.payload).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
            if let Err(r) = change::apply(&mut after_ledger, &change) {
                refused.push((*id, format!("{} {}", r.code.code, r.message)));
            }
        }
        let after = bill::compute(&after_ledger);
        let names: BTreeMap<&str, &str> = pkg.offices.iter().map(|o| (o.code.as_str(), o.name.as_str())).collect();
        let amount = |b: &bill::Bill, code: &str| {
            b.offices
                .iter()
                .find(|o| o.office == code)
                .map_or(0, |o| o.totals.invoice_amount.to_i64())
        };
        let mut codes: Vec<&str> = before
            .offices
            .iter()
            .chain(after.offices.iter())
            .map(|o| o.office.as_str())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let offices = codes
            .into_iter()
            .map(|code| {
                let (b, a) = (amount(&before, code), amount(&after, code));
                OfficeEffect {
                    office: code.to_string(),
                    name: names.get(code).copied().unwrap_or_default().to_string(),
                    before: b,
                    after: a,
                    delta: a - b,
                }
            })
            .collect();
        Ok(Preview {
            offices,
            before_total: before.totals.invoice_amount.to_i64(),
            after_total: after.totals.invoice_amount.to_i64(),
            refused,
        })
    })
}

/// One member's line in the reconciliation of billed against deducted.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReconRow {
    pub employee_no: String,
    pub name: String,
    pub office: String,
    pub billed: i64,
    pub deducted: i64,
    pub undeducted: i64,
    /// `matched`, `partial`, `not_deducted` or `not_billed`.
    pub bucket: String,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Reconciliation {
    pub source: String,
    pub mode: String,
    pub rows: Vec<ReconRow>,
    /// Rows per bucket.
    pub buckets: BTreeMap<String, usize>,
    /// What goes on: carried over to next month, or billed to the person.
    pub undeducted: Vec<crate::UndeductedDoc>,
    pub payable: i64,
}

/// Billed against deducted per member, from the imported deduction results.
pub fn reconciliation(store: &mut Store, at: &MonthRef) -> Result<Reconciliation> {
    let names: BTreeMap<String, String> = members(store, at)?
        .into_iter()
        .map(|m| (m.employee_no, m.name))
        .collect();
    store.read(|tx| {
        let row = find_month(tx, at)?;
        if row.state < MonthState::Deducted {
            return Err(AppError::wrong_state(format!(
                "{}はまだ控除結果を取り込んでいません（状態: {}）",
                row.month,
                row.state.label()
            )));
        }
        let doc = outcome_doc(tx, &row)?.ok_or_else(|| AppError::not_found("控除結果がありません"))?;
        let mut buckets = BTreeMap::new();
        let mut rows: Vec<ReconRow> = doc
            .members
            .iter()
            .map(|m| {
                let bucket = if m.billed == 0 {
                    "not_billed"
                } else if m.deducted >= m.billed {
                    "matched"
                } else if m.deducted == 0 {
                    "not_deducted"
                } else {
                    "partial"
                };
                *buckets.entry(bucket.to_string()).or_insert(0) += 1;
                ReconRow {
                    employee_no: m.employee_no.clone(),
                    name: names.get(&m.employee_no).cloned().unwrap_or_default(),
                    office: m.office.clone(),
                    billed: m.billed,
                    deducted: m.deducted,
                    undeducted: m.undeducted,
                    bucket: bucket.to_string(),
                    reason: m.reason.clone(),
                }
            })
            .collect();
        // In the order the clerk works them (differences first, then office and employee
        // number), so the window does not sort 300,000 rows on its own thread.
        let rank = |b: &str| {
            ["not_deducted", "partial", "not_billed", "matched"]
                .iter()
                .position(|x| *x == b)
        };
        rows.sort_by(|a, b| {
            (rank(&a.bucket), &a.office, &a.employee_no).cmp(&(rank(&b.bucket), &b.office, &b.employee_no))
        });
        Ok(Reconciliation {
            source: doc.source.clone(),
            mode: doc.mode.clone(),
            payable: doc.offices.values().map(|o| o.payable).sum(),
            rows,
            buckets,
            undeducted: doc.undeducted.clone(),
        })
    })
}

/// One entry of the audit log as the viewer shows it.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub group: Option<String>,
    pub month: Option<String>,
    pub action: String,
    pub key: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub source: Option<String>,
    pub detail: Option<String>,
}

/// The newest `limit` entries of the audit log, newest first.
pub fn audit(store: &mut Store, limit: i64) -> Result<Vec<AuditView>> {
    let rows = store.read(|tx| Ok::<_, AppError>(tx.audit_log(Some(limit))?))?;
    Ok(rows
        .into_iter()
        .rev()
        .map(|r| AuditView {
            id: r.id,
            at: r.at,
            group: r.group_code,
            month: r.month,
            action: r.action,
            key: r.key,
            before: r.before,
            after: r.after,
            source: r.source,
            detail: r.detail,
        })
        .collect())
}

fn with_ledger<T>(store: &mut Store, at: &MonthRef, f: impl FnOnce(&Ledger) -> Result<T>) -> Result<T> {
    store.read(|tx| {
        let row = find_month(tx, at)?;
        let (_, ledger) = current_ledger(tx, &row)?;
        let out = f(&ledger);
        keep_ledger(tx, &row, ledger)?;
        out
    })
}
