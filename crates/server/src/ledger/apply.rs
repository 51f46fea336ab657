//! Applying an accepted report: the report, its receipt and everything it changes in the
//! group's ledger, in the caller's transaction (the rows written in bulk where the back end
//! allows: [`LedgerTx::srv_put_members`] and the like).

use std::collections::{BTreeMap, HashSet};

use infoone_domain::bill::LineKind;
use infoone_domain::deduction::Handling;
use infoone_domain::ledger as d;
use infoone_domain::month::YearMonth;
use infoone_formats::package as p;
use infoone_store::ledger_db::{CarryOverRow, GroupRow, IndividualBillRow, MemberRow, NewReport, ReportRow};
use infoone_store::{Audit, LedgerTx};
use serde_json::{json, Value};

use super::{to_json, Built, Verified};
use crate::error::ApiError;
use infoone_formats::report::ResultReport;

fn insured_code(i: &d::Insured) -> String {
    i.to_string()
}

fn member_doc(m: &d::Member) -> p::Member {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    p::Member {
        employee_no: m.employee_no.clone(),
        name: m.name.clone(),
        name_kana: m.name_kana.clone(),
        birth_date: m.birth_date.to_string(),
        gender: match m.gender {
            infoone_domain::product::Gender::Male => p::Gender::M,
            infoone_domain::product::Gender::Female => p::Gender::F,
        },
        office: m.office.clone(),
        status: match m.status {
            d::MemberStatus::Active => p::MemberStatus::Active,
            d::MemberStatus::Leave => p::MemberStatus::Leave,
            d::MemberStatus::Retired => p::MemberStatus::Retired,
        },
        retired_on: m.retired_on.map(|x| x.to_string()),
        dependents: m
            .dependents
            .iter()
            .map(|x| p::Dependent {
                id: x.id.clone(),
                relation: match x.relation {
                    d::Relation::Spouse => p::Relation::Spouse,
                    d::Relation::Child => p::Relation::Child,
                },
                name: x.name.clone(),
                birth_date: x.birth_date.to_string(),
                gender: match x.gender {
                    infoone_domain::product::Gender::Male => p::Gender::M,
                    infoone_domain::product::Gender::Female => p::Gender::F,
                },
            })
            .collect(),
        bank_account: m.bank_account.as_ref().map(|a| p::BankAccount {
            bank_code: a.bank_code.clone(),
            branch_code: a.branch_code.clone(),
            account_type: match a.account_type {
                d::AccountType::Ordinary => p::AccountType::Ordinary,
                d::AccountType::Current => p::AccountType::Current,
            },
            account_no: a.account_no.clone(),
            holder_kana: a.holder_kana.clone(),
        }),
        email: opt(&m.email),
        postal_code: opt(&m.postal_code),
        address: opt(&m.address),
    }
}

fn enrollment_doc(e: &d::Enrollment) -> p::Enrollment {
    p::Enrollment {
        id: e.id.clone(),
        employee_no: e.employee_no.clone(),
        insured: insured_code(&e.insured),
        product: e.product.clone(),
        plan: e.plan.clone(),
        units: e.units,
        start_month: e.start_month.to_string(),
        end_month: e.end_month.map(|m| m.to_string()),
        withdrawal_option: e.withdrawal.map(|w| match w.option {
            d::WithdrawalOption::End => p::WithdrawalOption::End,
            d::WithdrawalOption::LumpSum => p::WithdrawalOption::LumpSum,
            d::WithdrawalOption::BankTransfer => p::WithdrawalOption::BankTransfer,
        }),
        withdrawal_month: e.withdrawal.map(|w| w.month.to_string()),
    }
}

/// What an accepted report is answered with.
pub fn receipt_json(r: &ReportRow) -> Value {
    json!({
        "receipt_no": r.receipt_no,
        "group": r.group_code,
        "month": r.month,
        "received_at": r.received_at,
        "idempotency_key": r.idempotency_key,
    })
}

pub struct Accept<'a> {
    pub group: &'a GroupRow,
    pub built: &'a Built,
    pub report: &'a ResultReport,
    pub verified: &'a Verified,
    pub body: &'a [u8],
    pub body_sha256: &'a str,
    pub idempotency_key: &'a str,
    pub received_at: &'a str,
    pub today: &'a str,
    pub actor: &'a str,
}

/// Record an accepted report and apply it to the ledger, in the caller's transaction.
pub fn record(tx: &dyn LedgerTx, a: &Accept<'_>, mark: &mut dyn FnMut(&str)) -> Result<ReportRow, ApiError> {
    let code = a.group.code.as_str();
    let v = a.verified;
    let n = v.ledger.month;

    // Members and enrollments the changes touched, as they now are.
    let mut next_member = tx.srv_next_seq("srv_members", code)?;
    mark("w.seq");
    let mut member_rows = Vec::with_capacity(v.members.len());
    for no in &v.members {
        let Some(m) = v.ledger.members.get(no) else {
            continue;
        };
        let transfers: Vec<(String, String)> = m
            .transfers
            .iter()
            .map(|(from, office)| (from.to_string(), office.clone()))
            .collect();
        let row = MemberRow {
            employee_no: no.clone(),
            base_month: n.to_string(),
            doc: to_json(&member_doc(m))?,
            transfers: to_json(&transfers)?,
        };
        member_rows.push((row, next_member));
        if v.new_members.contains(no) {
            next_member += 1;
        }
    }
    tx.srv_put_members(code, &member_rows)?;
    mark("w.members");
    let mut next_enrollment = tx.srv_next_seq("srv_enrollments", code)?;
    let mut enrollment_rows = Vec::with_capacity(v.enrollments.len());
    for id in &v.enrollments {
        let Some(e) = v.ledger.enrollments.get(id) else {
            continue;
        };
        enrollment_rows.push((id.clone(), to_json(&enrollment_doc(e))?, next_enrollment));
        if v.new_enrollments.contains(id) {
            next_enrollment += 1;
        }
    }
    tx.srv_put_enrollments(code, &enrollment_rows)?;

    mark("w.entities");
    // Web applications: joined, or offered this month and not taken.
    let joined: HashSet<&str> = v.joined.iter().map(String::as_str).collect();
    let closed: Vec<(&str, &str)> = a
        .built
        .package
        .pending_applications
        .iter()
        .map(|app| {
            let status = if joined.contains(app.id.as_str()) {
                "joined"
            } else {
                "not_taken"
            };
            (app.id.as_str(), status)
        })
        .collect();
    tx.srv_close_applications(code, &closed)?;

    // Billed per enrollment and month, net: regular lines of N, retro lines of their month
    // (added to what that month billed).
    let mut by_month: BTreeMap<YearMonth, Vec<(&str, &str, i64)>> = BTreeMap::new();
    for ob in &v.bill.offices {
        for line in &ob.lines {
            if line.kind != LineKind::CarryOver {
                by_month.entry(line.month).or_default().push((
                    line.enrollment.as_str(),
                    ob.office.as_str(),
                    line.amount.to_i64(),
                ));
            }
        }
    }
    for (m, lines) in by_month {
        let key = m.to_string();
        let fresh = m == n && tx.srv_billed_months(code, &key, &key)?.is_empty();
        if fresh {
            tx.srv_put_billed_month(code, &key, &to_json(&lines)?)?;
        } else {
            tx.srv_adjust_billed_rows(code, &key, &lines)?;
        }
    }

    mark("w.billed");
    // Undeducted amounts carried into next month's office bills.
    let carry: Vec<CarryOverRow> = v
        .outcome
        .undeducted
        .iter()
        .filter(|u| u.handling == Handling::CarryOver)
        .map(|u| CarryOverRow {
            enrollment: u.enrollment.clone(),
            office: u.office.clone(),
            origin_month: u.month.to_string(),
            amount: u.amount.to_i64(),
            reason: u.reason.label().to_string(),
            times_carried: 0,
        })
        .collect();
    tx.srv_set_carry_over(code, &n.next().to_string(), &carry)?;
    tx.srv_advance_group(code, &n.next().to_string(), a.today, a.received_at)?;

    mark("w.carry");
    let row = tx.srv_insert_report(&NewReport {
        group_code: code,
        month: &n.to_string(),
        idempotency_key: a.idempotency_key,
        body_sha256: a.body_sha256,
        received_at: a.received_at,
        package_version: &a.report.package_version,
        body: a.body,
    })?;
    mark("w.report");
    tx.srv_insert_office_results(&row, &v.offices)?;
    let mut individual: Vec<IndividualBillRow> = v
        .bill
        .individual_bills
        .iter()
        .map(|b| {
            Ok(IndividualBillRow {
                employee_no: b.employee_no.clone(),
                kind: b
                    .items
                    .first()
                    .map_or("undeducted", |i| i.kind.code())
                    .to_string(),
                amount: b.amount.to_i64(),
                due_date: Some(b.due_date.to_string()),
                lines: to_json(
                    &b.items
                        .iter()
                        .map(|i| json!({"kind": i.kind.code(), "enrollment": i.enrollment, "from": i.months.0.to_string(), "to": i.months.1.to_string(), "amount": i.amount.to_i64()}))
                        .collect::<Vec<_>>(),
                )?,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    let mut undeducted_individual: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    for u in v
        .outcome
        .undeducted
        .iter()
        .filter(|u| u.handling == Handling::Individual)
    {
        undeducted_individual
            .entry(u.employee_no.as_str())
            .or_default()
            .push(json!({"kind": "undeducted", "enrollment": u.enrollment, "from": u.month.to_string(), "to": u.month.to_string(), "amount": u.amount.to_i64(), "reason": u.reason.label()}));
    }
    for (no, lines) in undeducted_individual {
        individual.push(IndividualBillRow {
            employee_no: no.to_string(),
            kind: "undeducted".into(),
            amount: lines.iter().filter_map(|l| l["amount"].as_i64()).sum(),
            due_date: None,
            lines: to_json(&lines)?,
        });
    }
    tx.srv_insert_individual_bills(row.id, &individual)?;

    mark("w.individual");
    // The audit log: the report, and every change it applied.
    let month = Some(n);
    let totals = v
        .offices
        .iter()
        .fold((0i64, 0i64), |(p, q), o| (p + o.premium_total, q + o.payable));
    tx.audit(&Audit {
        at: a.received_at,
        group_code: Some(code),
        month,
        action: "server.report.accept",
        entity: Some("report"),
        key: Some(&row.receipt_no),
        after: Some(
            &json!({
                "idempotency_key": a.idempotency_key,
                "package_version": a.report.package_version,
                "body_sha256": a.body_sha256,
                "changes": a.report.changes.len(),
                "deductions": a.report.deductions.len(),
                "premium_total": totals.0,
                "payable": totals.1,
                "carry_over_next_month": carry.len(),
            })
            .to_string(),
        ),
        source: Some(a.actor),
        ..Audit::default()
    })?;
    let changes: Vec<(String, String)> = a
        .report
        .changes
        .iter()
        .map(|c| {
            let kind = serde_json::to_value(c.kind)
                .ok()
                .and_then(|k| k.as_str().map(str::to_string))
                .unwrap_or_default();
            (kind, c.details.to_string())
        })
        .collect();
    let entries: Vec<Audit<'_>> = a
        .report
        .changes
        .iter()
        .zip(&changes)
        .map(|(c, (kind, details))| Audit {
            at: a.received_at,
            group_code: Some(code),
            month,
            action: "server.ledger.change",
            entity: Some(kind),
            key: Some(&c.id),
            after: Some(details),
            source: Some(&row.receipt_no),
            ..Audit::default()
        })
        .collect();
    tx.audit_all(&entries)?;
    mark("w.audit");
    Ok(row)
}
