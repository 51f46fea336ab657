//! Changes (異動) and how each one is applied to a month's ledger (DOMAIN.md §2, §6).
//! A change either applies completely or is refused with a coded message; the ledger is left as it
//! was on refusal.

use chrono::NaiveDate;

use crate::finding::{self, Code};
use crate::ledger::{BankAccount, Enrollment, Insured, Ledger, Member, MemberStatus, Withdrawal, WithdrawalOption};
use crate::month::{join_start_month, transfer_month, PolicyYear, YearMonth};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// 中途加入. `enrollment_id` is the id the new enrollment gets.
    Join {
        enrollment_id: String,
        employee_no: String,
        insured: Insured,
        product: String,
        plan: String,
        units: u32,
        applied_on: NaiveDate,
        /// The Web application it comes from, if any.
        application: Option<String>,
    },
    /// 脱退 of one enrollment.
    Withdrawal {
        enrollment: String,
        date: NaiveDate,
        option: WithdrawalOption,
    },
    /// 退職: every enrollment of the member is withdrawn, and the member's status is retired.
    Retirement {
        employee_no: String,
        date: NaiveDate,
        option: WithdrawalOption,
    },
    /// 事業所異動.
    Transfer {
        employee_no: String,
        office: String,
        date: NaiveDate,
    },
    /// プラン・口数変更: the old enrollment ends the month before, a new one starts.
    PlanChange {
        enrollment: String,
        new_enrollment_id: String,
        plan: String,
        units: u32,
        date: NaiveDate,
    },
    /// 氏名・住所等の変更. `None` leaves a field as it is.
    Update {
        employee_no: String,
        name: Option<String>,
        name_kana: Option<String>,
        email: Option<String>,
        postal_code: Option<String>,
        address: Option<String>,
    },
    /// 入社: a new employee (no enrollment yet).
    Hire { member: Box<Member> },
    /// 休職・復職.
    Status { employee_no: String, status: MemberStatus },
    /// 口座振替切替: a withdrawer pays from their bank account from the month after withdrawal.
    BankTransferSwitch { employee_no: String, account: BankAccount },
}

impl Change {
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Join { .. } => "join",
            Change::Withdrawal { .. } => "withdrawal",
            Change::Retirement { .. } => "retirement",
            Change::Transfer { .. } => "transfer",
            Change::PlanChange { .. } => "plan_change",
            Change::Update { .. } => "update",
            Change::Hire { .. } => "hire",
            Change::Status { .. } => "status",
            Change::BankTransferSwitch { .. } => "bank_transfer_switch",
        }
    }

    /// The member the change is about.
    pub fn employee_no<'a>(&'a self, ledger: &'a Ledger) -> Option<&'a str> {
        match self {
            Change::Join { employee_no, .. }
            | Change::Retirement { employee_no, .. }
            | Change::Transfer { employee_no, .. }
            | Change::Update { employee_no, .. }
            | Change::Status { employee_no, .. }
            | Change::BankTransferSwitch { employee_no, .. } => Some(employee_no),
            Change::Hire { member } => Some(&member.employee_no),
            Change::Withdrawal { enrollment, .. } | Change::PlanChange { enrollment, .. } => {
                ledger.enrollments.get(enrollment).map(|e| e.employee_no.as_str())
            }
        }
    }
}

/// Why a change cannot be applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", code.code)]
pub struct Refusal {
    pub code: Code,
    pub message: String,
}

fn refuse<T>(code: Code, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        code,
        message: message.into(),
    })
}

/// One entity as it was before and after a change, for the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Touched {
    Member {
        before: Option<Box<Member>>,
        after: Box<Member>,
    },
    Enrollment {
        before: Option<Box<Enrollment>>,
        after: Box<Enrollment>,
    },
}

/// Apply one change to the ledger of month `ledger.month`. On `Err` the ledger is unchanged.
pub fn apply(ledger: &mut Ledger, change: &Change) -> Result<Vec<Touched>, Refusal> {
    // Work on what the change touches; write back only when every check has passed.
    let plan = plan(ledger, change)?;
    let mut touched = Vec::new();
    for m in plan.members {
        let before = ledger.members.insert(m.employee_no.clone(), m.clone()).map(Box::new);
        touched.push(Touched::Member {
            before,
            after: Box::new(m),
        });
    }
    for (e, affected_from) in plan.enrollments {
        if let Some(from) = affected_from.filter(|from| *from < ledger.month) {
            let entry = ledger.adjusted_from.entry(e.id.clone()).or_insert(from);
            *entry = (*entry).min(from);
        }
        if plan.withdrawn_now.contains(&e.id) {
            ledger.withdrawn_now.insert(e.id.clone());
        }
        let before = ledger.enrollments.get(&e.id).cloned().map(Box::new);
        if before.is_some() {
            ledger.enrollments.insert(e.id.clone(), e.clone());
        } else {
            ledger.insert_enrollment(e.clone());
        }
        touched.push(Touched::Enrollment {
            before,
            after: Box::new(e),
        });
    }
    Ok(touched)
}

#[derive(Default)]
struct Plan {
    members: Vec<Member>,
    /// Each enrollment as it will be, with the first month whose amount changes.
    enrollments: Vec<(Enrollment, Option<YearMonth>)>,
    withdrawn_now: Vec<String>,
}

fn member<'a>(ledger: &'a Ledger, employee_no: &str) -> Result<&'a Member, Refusal> {
    match ledger.members.get(employee_no) {
        Some(m) => Ok(m),
        None => refuse(
            finding::UNKNOWN_REFERENCE,
            format!("社員番号「{employee_no}」の加入者がいません"),
        ),
    }
}

fn enrollment<'a>(ledger: &'a Ledger, id: &str) -> Result<&'a Enrollment, Refusal> {
    match ledger.enrollments.get(id) {
        Some(e) => Ok(e),
        None => refuse(finding::UNKNOWN_REFERENCE, format!("加入ID「{id}」がありません")),
    }
}

/// Refuse a change whose first affected month is older than the retro limit allows.
fn within_retro_limit(ledger: &Ledger, first_affected: YearMonth, what: &str) -> Result<(), Refusal> {
    let floor = ledger.retro_floor();
    if first_affected < floor {
        return refuse(
            finding::RETRO_BEYOND_LIMIT,
            format!(
                "{what}は{first_affected}まで遡りますが、遡及できるのは{floor}までです（遡及限度{}か月）。保険会社に連絡してください",
                ledger.settings().retro_limit_months
            ),
        );
    }
    Ok(())
}

fn plan(ledger: &Ledger, change: &Change) -> Result<Plan, Refusal> {
    let settings = ledger.settings();
    let mut plan = Plan::default();
    match change {
        Change::Join {
            enrollment_id,
            employee_no,
            insured,
            product,
            plan: plan_code,
            units,
            applied_on,
            ..
        } => {
            let m = member(ledger, employee_no)?;
            if m.insured_person(insured).is_none() {
                return refuse(
                    finding::UNKNOWN_REFERENCE,
                    format!("社員番号「{employee_no}」に被保険者「{insured}」がいません"),
                );
            }
            check_product_plan(ledger, product, plan_code)?;
            if *units == 0 {
                return refuse(finding::UNKNOWN_REFERENCE, "口数は1以上です");
            }
            if ledger.enrollments.contains_key(enrollment_id) {
                return refuse(
                    finding::UNKNOWN_REFERENCE,
                    format!("加入ID「{enrollment_id}」はすでにあります"),
                );
            }
            let start = join_start_month(*applied_on, settings.cutoff_day);
            if let Some(e) = ledger
                .enrollments_of(employee_no)
                .find(|e| &e.product == product && &e.insured == insured && e.end_month.is_none_or(|end| end >= start))
            {
                return refuse(
                    finding::ALREADY_ENROLLED,
                    format!(
                        "社員番号「{employee_no}」の被保険者「{insured}」はすでに{product}に加入しています（{}）",
                        e.id
                    ),
                );
            }
            within_retro_limit(ledger, start, "加入")?;
            let product = check_product_plan(ledger, product, plan_code)?;
            if let Some((birth, _)) = m.insured_person(insured) {
                let basis = PolicyYear::containing(start, settings.policy_anniversary_month).basis_date();
                let age = product.age_method.age(birth, basis);
                if age < product.min_age || age > product.max_age {
                    return refuse(
                        finding::AGE_OUT_OF_RANGE,
                        format!(
                            "被保険者「{insured}」（社員番号{employee_no}）は{basis}時点で{age}歳のため{}（{}〜{}歳）に加入できません",
                            product.name, product.min_age, product.max_age
                        ),
                    );
                }
            }
            let product = &product.code;
            let e = Enrollment {
                id: enrollment_id.clone(),
                employee_no: employee_no.clone(),
                insured: insured.clone(),
                product: product.clone(),
                plan: plan_code.clone(),
                units: *units,
                start_month: start,
                end_month: None,
                withdrawal: None,
            };
            plan.enrollments.push((e, Some(start)));
        }
        Change::Withdrawal {
            enrollment: id,
            date,
            option,
        } => {
            let e = enrollment(ledger, id)?;
            plan.enrollments.push(withdraw(ledger, e, *date, *option)?);
            plan.withdrawn_now.push(id.clone());
        }
        Change::Retirement {
            employee_no,
            date,
            option,
        } => {
            let m = member(ledger, employee_no)?;
            let month = YearMonth::of(*date);
            for e in ledger.enrollments_of(employee_no) {
                let still_covered = e.end_month.is_none_or(|end| end >= month) && e.withdrawal.is_none();
                if still_covered {
                    plan.enrollments.push(withdraw(ledger, e, *date, *option)?);
                    plan.withdrawn_now.push(e.id.clone());
                }
            }
            let mut after = m.clone();
            after.status = MemberStatus::Retired;
            after.retired_on = Some(*date);
            plan.members.push(after);
        }
        Change::Transfer {
            employee_no,
            office,
            date,
        } => {
            let m = member(ledger, employee_no)?;
            if !ledger.offices.contains_key(office) {
                return refuse(
                    finding::UNKNOWN_REFERENCE,
                    format!("事業所コード「{office}」がありません"),
                );
            }
            let from = transfer_month(*date);
            if m.office_in(from) == office {
                return refuse(
                    finding::NO_CHANGE,
                    format!("社員番号「{employee_no}」は{from}にすでに事業所「{office}」の所属です"),
                );
            }
            let mut after = m.clone();
            after.transfers.retain(|(month, _)| *month < from);
            after.transfers.push((from, office.clone()));
            plan.members.push(after);
        }
        Change::PlanChange {
            enrollment: id,
            new_enrollment_id,
            plan: new_plan,
            units,
            date,
        } => {
            let old = enrollment(ledger, id)?;
            let product = check_product_plan(ledger, &old.product, new_plan)?;
            if *units == 0 {
                return refuse(finding::UNKNOWN_REFERENCE, "口数は1以上です");
            }
            if &old.plan == new_plan && old.units == *units {
                return refuse(
                    finding::NO_CHANGE,
                    format!("加入「{id}」はすでにプラン{new_plan}・{units}口です"),
                );
            }
            let from = join_start_month(*date, settings.cutoff_day);
            let at_anniversary = from.month() == settings.policy_anniversary_month;
            if !product.mid_term_change && !at_anniversary {
                return refuse(
                    finding::MID_TERM_NOT_ALLOWED,
                    format!(
                        "{}（{}）は中途でプラン・口数を変更できません。変更は更新月（{}月）からです",
                        product.name, product.code, settings.policy_anniversary_month
                    ),
                );
            }
            if !old.covers(from) {
                return refuse(
                    finding::ALREADY_ENDED,
                    format!("加入「{id}」は{from}に有効ではありません"),
                );
            }
            if ledger.enrollments.contains_key(new_enrollment_id) {
                return refuse(
                    finding::UNKNOWN_REFERENCE,
                    format!("加入ID「{new_enrollment_id}」はすでにあります"),
                );
            }
            within_retro_limit(ledger, from, "プラン変更")?;
            let mut ended = old.clone();
            ended.end_month = Some(from.prev());
            let mut new = old.clone();
            new.id = new_enrollment_id.clone();
            new.plan = new_plan.clone();
            new.units = *units;
            new.start_month = from;
            plan.enrollments.push((ended, Some(from)));
            plan.enrollments.push((new, Some(from)));
        }
        Change::Update {
            employee_no,
            name,
            name_kana,
            email,
            postal_code,
            address,
        } => {
            let mut after = member(ledger, employee_no)?.clone();
            for (field, value) in [
                (&mut after.name, name),
                (&mut after.name_kana, name_kana),
                (&mut after.email, email),
                (&mut after.postal_code, postal_code),
                (&mut after.address, address),
            ] {
                if let Some(v) = value {
                    field.clone_from(v);
                }
            }
            if &after == member(ledger, employee_no)? {
                return refuse(
                    finding::NO_CHANGE,
                    format!("社員番号「{employee_no}」の内容は変わりません"),
                );
            }
            plan.members.push(after);
        }
        Change::Hire { member: new } => {
            if ledger.members.contains_key(&new.employee_no) {
                return refuse(
                    finding::NO_CHANGE,
                    format!("社員番号「{}」はすでにいます", new.employee_no),
                );
            }
            if !ledger.offices.contains_key(&new.office) {
                return refuse(
                    finding::UNKNOWN_REFERENCE,
                    format!("事業所コード「{}」がありません", new.office),
                );
            }
            plan.members.push((**new).clone());
        }
        Change::Status { employee_no, status } => {
            let mut after = member(ledger, employee_no)?.clone();
            if after.status == *status {
                return refuse(
                    finding::NO_CHANGE,
                    format!("社員番号「{employee_no}」はすでに{}です", status.label()),
                );
            }
            after.status = *status;
            plan.members.push(after);
        }
        Change::BankTransferSwitch { employee_no, account } => {
            let mut after = member(ledger, employee_no)?.clone();
            after.bank_account = Some(account.clone());
            for e in ledger.enrollments_of(employee_no) {
                if let Some(w) = e.withdrawal {
                    // A lump sum billed in an earlier month has paid the policy year already; an
                    // enrollment withdrawn before it started has nothing to continue; a
                    // withdrawal before the retro limit is the insurer's to handle. Those stay.
                    let lump_sum_billed =
                        w.option == WithdrawalOption::LumpSum && !ledger.withdrawn_now.contains(&e.id);
                    let never_started = e.end_month.is_some_and(|end| end < e.start_month);
                    let too_old = w.month.next() < ledger.retro_floor();
                    if lump_sum_billed || never_started || too_old {
                        continue;
                    }
                    let mut switched = e.clone();
                    switched.withdrawal = Some(Withdrawal {
                        month: w.month,
                        option: WithdrawalOption::BankTransfer,
                    });
                    switched.end_month = None;
                    plan.enrollments.push((switched, Some(w.month.next())));
                }
            }
            if plan.enrollments.is_empty() {
                return refuse(
                    finding::NOT_WITHDRAWN,
                    format!("社員番号「{employee_no}」には脱退した加入がありません"),
                );
            }
            plan.members.push(after);
        }
    }
    Ok(plan)
}

fn check_product_plan<'a>(
    ledger: &'a Ledger,
    product: &str,
    plan: &str,
) -> Result<&'a crate::product::GroupProduct, Refusal> {
    let Some(p) = ledger.products.get(product) else {
        return refuse(
            finding::UNKNOWN_REFERENCE,
            format!("商品コード「{product}」がありません"),
        );
    };
    if !p.has_plan(plan) {
        return refuse(
            finding::UNKNOWN_REFERENCE,
            format!("{}（{product}）にプラン「{plan}」がありません", p.name),
        );
    }
    Ok(p)
}

/// The enrollment after a withdrawal on `date` with `option`, and the first month whose office
/// amount changes.
fn withdraw(
    ledger: &Ledger,
    e: &Enrollment,
    date: NaiveDate,
    option: WithdrawalOption,
) -> Result<(Enrollment, Option<YearMonth>), Refusal> {
    let month = YearMonth::of(date);
    if e.withdrawal.is_some() || e.end_month.is_some_and(|end| end < month) {
        return refuse(
            finding::ALREADY_ENDED,
            format!("加入「{}」はすでに終了しています", e.id),
        );
    }
    let mut after = e.clone();
    match option {
        WithdrawalOption::End => after.end_month = Some(month.max(e.start_month.prev())),
        WithdrawalOption::LumpSum => {
            let year_end = PolicyYear::containing(month, ledger.settings().policy_anniversary_month).last();
            after.end_month = Some(e.end_month.map_or(year_end, |end| end.min(year_end)));
        }
        WithdrawalOption::BankTransfer => {}
    }
    after.withdrawal = Some(Withdrawal { month, option });
    // The withdrawal month itself stays on the office bill; the office amount changes after it.
    let first_affected = month.next().max(e.start_month);
    if first_affected < ledger.month {
        within_retro_limit(ledger, first_affected, "脱退")?;
    }
    Ok((after, Some(first_affected)))
}
