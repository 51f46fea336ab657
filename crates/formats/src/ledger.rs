//! The bill package as the domain's ledger, and domain entities as JSON for the audit log and
//! the result report.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use infoone_domain::age::AgeMethod;
use infoone_domain::ledger as d;
use infoone_domain::money::{Ratio, Rounding, Yen};
use infoone_domain::month::YearMonth;
use infoone_domain::product as dp;
use serde_json::{json, Value};

use crate::package as p;

fn month(s: &str) -> YearMonth {
    // parse_package has checked every month; a bad one cannot reach here.
    s.parse()
        .unwrap_or_else(|_| YearMonth::new(1970, 1).unwrap_or(YearMonth::of(NaiveDate::MIN)))
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
}

pub fn gender(g: p::Gender) -> dp::Gender {
    match g {
        p::Gender::M => dp::Gender::Male,
        p::Gender::F => dp::Gender::Female,
    }
}

pub fn insured(s: &str) -> d::Insured {
    if s == p::INSURED_SELF {
        d::Insured::Member
    } else {
        d::Insured::Dependent(s.to_string())
    }
}

pub fn reason(r: p::UndeductedReason) -> d::DeductionReason {
    match r {
        p::UndeductedReason::Leave => d::DeductionReason::Leave,
        p::UndeductedReason::Retired => d::DeductionReason::Retired,
        p::UndeductedReason::InsufficientPay => d::DeductionReason::InsufficientPay,
        p::UndeductedReason::Other => d::DeductionReason::Other,
    }
}

pub fn withdrawal_option(o: p::WithdrawalOption) -> d::WithdrawalOption {
    match o {
        p::WithdrawalOption::End => d::WithdrawalOption::End,
        p::WithdrawalOption::LumpSum => d::WithdrawalOption::LumpSum,
        p::WithdrawalOption::BankTransfer => d::WithdrawalOption::BankTransfer,
    }
}

pub fn bank_account(a: &p::BankAccount) -> d::BankAccount {
    d::BankAccount {
        bank_code: a.bank_code.clone(),
        branch_code: a.branch_code.clone(),
        account_type: match a.account_type {
            p::AccountType::Ordinary => d::AccountType::Ordinary,
            p::AccountType::Current => d::AccountType::Current,
        },
        account_no: a.account_no.clone(),
        holder_kana: a.holder_kana.clone(),
    }
}

fn product(g: &p::GroupProduct) -> dp::GroupProduct {
    dp::GroupProduct {
        code: g.code.clone(),
        name: g.name.clone(),
        age_method: match g.age_method {
            p::AgeMethod::CompletedYears => AgeMethod::CompletedYears,
            p::AgeMethod::InsuranceAge => AgeMethod::InsuranceAge,
        },
        min_age: g.min_age as i32,
        max_age: g.max_age as i32,
        min_members: g.min_members,
        discount_rate: Ratio::new(g.discount_rate),
        commission_rate: Ratio::new(g.commission_rate),
        fee_rate: Ratio::new(g.fee_rate),
        rounding: match g.rounding {
            p::Rounding::Floor => Rounding::Floor,
            p::Rounding::Ceil => Rounding::Ceil,
            p::Rounding::HalfUp => Rounding::HalfUp,
        },
        mid_term_change: g.mid_term_change,
        plans: g
            .plans
            .iter()
            .map(|pl| dp::Plan {
                code: pl.code.clone(),
                name: pl.name.clone(),
            })
            .collect(),
        rates: g
            .rates
            .iter()
            .map(|r| dp::RateRow {
                plan: r.plan.clone(),
                min_age: r.min_age as i32,
                max_age: r.max_age as i32,
                gender: match r.gender {
                    p::RateGender::M => dp::RateGender::Male,
                    p::RateGender::F => dp::RateGender::Female,
                    p::RateGender::U => dp::RateGender::Unisex,
                },
                rate: r.rate,
            })
            .collect(),
        agent_code: g.agent_code.clone(),
    }
}

fn member(m: &p::Member) -> d::Member {
    d::Member {
        employee_no: m.employee_no.clone(),
        name: m.name.clone(),
        name_kana: m.name_kana.clone(),
        birth_date: date(&m.birth_date),
        gender: gender(m.gender),
        office: m.office.clone(),
        transfers: Vec::new(),
        status: match m.status {
            p::MemberStatus::Active => d::MemberStatus::Active,
            p::MemberStatus::Leave => d::MemberStatus::Leave,
            p::MemberStatus::Retired => d::MemberStatus::Retired,
        },
        retired_on: m.retired_on.as_deref().map(date),
        dependents: m
            .dependents
            .iter()
            .map(|x| d::Dependent {
                id: x.id.clone(),
                relation: match x.relation {
                    p::Relation::Spouse => d::Relation::Spouse,
                    p::Relation::Child => d::Relation::Child,
                },
                name: x.name.clone(),
                birth_date: date(&x.birth_date),
                gender: gender(x.gender),
            })
            .collect(),
        email: m.email.clone().unwrap_or_default(),
        postal_code: m.postal_code.clone().unwrap_or_default(),
        address: m.address.clone().unwrap_or_default(),
        bank_account: m.bank_account.as_ref().map(bank_account),
    }
}

fn enrollment(e: &p::Enrollment, members: &BTreeMap<String, d::Member>) -> d::Enrollment {
    let option = e.withdrawal_option.map(withdrawal_option);
    // The withdrawal month: as given, else the member's retirement month, else the month before
    // coverage ends (lump sum) — DOMAIN.md is silent; see docs/DECISIONS.md.
    let withdrawal = option.filter(|o| *o != d::WithdrawalOption::End).map(|option| {
        let month = e
            .withdrawal_month
            .as_deref()
            .map(month)
            .or_else(|| {
                members
                    .get(&e.employee_no)
                    .and_then(|m| m.retired_on)
                    .map(YearMonth::of)
            })
            .or_else(|| e.end_month.as_deref().map(month))
            .unwrap_or_else(|| month(&e.start_month));
        d::Withdrawal { month, option }
    });
    d::Enrollment {
        id: e.id.clone(),
        employee_no: e.employee_no.clone(),
        insured: insured(&e.insured),
        product: e.product.clone(),
        plan: e.plan.clone(),
        units: e.units,
        start_month: month(&e.start_month),
        end_month: e.end_month.as_deref().map(month),
        withdrawal,
    }
}

/// The month's ledger from a package that `parse_package` accepted. `confirmed_locally` are months
/// this database confirmed that the package's `billed` list may not show yet, with their lines.
pub fn to_ledger(pkg: &p::BillPackage, confirmed_locally: &[(YearMonth, Vec<d::Billed>)]) -> d::Ledger {
    let s = &pkg.group.settings;
    let settings = d::Settings {
        cutoff_day: s.cutoff_day,
        policy_anniversary_month: s.policy_anniversary_month,
        payment_due: d::PaymentDue::EndOfNextMonth,
        retro_limit_months: s.retro_limit_months,
        fee_settlement: match s.fee_settlement {
            p::FeeSettlement::Offset => d::FeeSettlement::Offset,
            p::FeeSettlement::Separate => d::FeeSettlement::Separate,
        },
        undeducted_handling: match s.undeducted_handling {
            p::UndeductedHandling::CarryOver => d::UndeductedHandling::CarryOver,
            p::UndeductedHandling::Individual => d::UndeductedHandling::Individual,
        },
        tax_rate: Ratio::new(s.tax_rate),
    };
    let members: BTreeMap<String, d::Member> = pkg.members.iter().map(|m| (m.employee_no.clone(), member(m))).collect();
    let enrollments = pkg
        .enrollments
        .iter()
        .map(|e| (e.id.clone(), enrollment(e, &members)))
        .collect();
    let mut billed = HashMap::with_capacity(pkg.billed.len());
    let mut confirmed_months = BTreeSet::new();
    for b in &pkg.billed {
        let m = month(&b.month);
        confirmed_months.insert(m);
        billed.insert(
            (b.enrollment.clone(), m),
            d::Billed {
                month: m,
                enrollment: b.enrollment.clone(),
                office: b.office.clone(),
                amount: Yen::new(b.amount),
            },
        );
    }
    for (m, lines) in confirmed_locally {
        if confirmed_months.insert(*m) {
            for b in lines {
                billed.insert((b.enrollment.clone(), *m), b.clone());
            }
        }
    }
    let mut ledger = d::Ledger {
        month: month(&pkg.month),
        group: d::Group {
            code: pkg.group.code.clone(),
            name: pkg.group.name.clone(),
            name_kana: pkg.group.name_kana.clone(),
            settings,
        },
        offices: pkg
            .offices
            .iter()
            .map(|o| {
                (
                    o.code.clone(),
                    d::Office {
                        code: o.code.clone(),
                        name: o.name.clone(),
                        deduction_destination: o.deduction_destination.clone(),
                    },
                )
            })
            .collect(),
        products: pkg
            .group_products
            .iter()
            .map(|g| (g.code.clone(), product(g)))
            .collect(),
        members,
        enrollments,
        billed: std::sync::Arc::new(billed),
        confirmed_months,
        carry_over: pkg
            .carry_over
            .iter()
            .map(|c| d::CarryOver {
                enrollment: c.enrollment.clone(),
                office: c.office.clone(),
                origin_month: month(&c.month),
                amount: Yen::new(c.amount),
                reason: reason(c.reason),
                times_carried: c.times_carried,
            })
            .collect(),
        applications: pkg
            .pending_applications
            .iter()
            .map(|a| {
                (
                    a.id.clone(),
                    d::Application {
                        id: a.id.clone(),
                        employee_no: a.employee_no.clone(),
                        product: a.product.clone(),
                        plan: a.plan.clone(),
                        units: a.units,
                        insured: insured(&a.insured),
                        applied_on: date(&a.applied_on),
                    },
                )
            })
            .collect(),
        adjusted_from: BTreeMap::new(),
        withdrawn_now: BTreeSet::new(),
        by_member: HashMap::new(),
    };
    ledger.reindex();
    ledger
}

fn gender_code(g: dp::Gender) -> &'static str {
    g.code()
}

/// A member as JSON (audit log, report).
pub fn member_json(m: &d::Member) -> Value {
    json!({
        "employee_no": m.employee_no,
        "name": m.name,
        "name_kana": m.name_kana,
        "birth_date": m.birth_date.to_string(),
        "gender": gender_code(m.gender),
        "office": m.office,
        "transfers": m.transfers.iter().map(|(from, o)| json!({"from_month": from.to_string(), "office": o})).collect::<Vec<_>>(),
        "status": match m.status { d::MemberStatus::Active => "active", d::MemberStatus::Leave => "leave", d::MemberStatus::Retired => "retired" },
        "retired_on": m.retired_on.map(|x| x.to_string()),
        "email": m.email,
        "postal_code": m.postal_code,
        "address": m.address,
        "bank_account": m.bank_account.as_ref().map(bank_account_json),
    })
}

pub fn bank_account_json(a: &d::BankAccount) -> Value {
    json!({
        "bank_code": a.bank_code,
        "branch_code": a.branch_code,
        "account_type": match a.account_type { d::AccountType::Ordinary => "1", d::AccountType::Current => "2" },
        "account_no": a.account_no,
        "holder_kana": a.holder_kana,
    })
}

/// An enrollment as JSON (audit log, report).
pub fn enrollment_json(e: &d::Enrollment) -> Value {
    json!({
        "id": e.id,
        "employee_no": e.employee_no,
        "insured": e.insured.to_string(),
        "product": e.product,
        "plan": e.plan,
        "units": e.units,
        "start_month": e.start_month.to_string(),
        "end_month": e.end_month.map(|m| m.to_string()),
        "withdrawal_option": e.withdrawal.map(|w| w.option.code()),
        "withdrawal_month": e.withdrawal.map(|w| w.month.to_string()),
    })
}
