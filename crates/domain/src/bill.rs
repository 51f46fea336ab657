//! The monthly bill of each office and of the group (DOMAIN.md §3, §4, §6).

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;

use crate::finding::{self, Finding, Severity};
use crate::ledger::{DeductionReason, Enrollment, FeeSettlement, Ledger, UndeductedHandling, WithdrawalOption};
use crate::money::{Ratio, Yen};
use crate::month::{PolicyYear, YearMonth};
use crate::product::PremiumError;

/// The order in which a deduction covers lines: carry-over, then retroactive, then regular.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LineKind {
    CarryOver,
    Retro,
    Regular,
}

impl LineKind {
    pub fn code(self) -> &'static str {
        match self {
            LineKind::CarryOver => "carry_over",
            LineKind::Retro => "retro",
            LineKind::Regular => "regular",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BillLine {
    pub kind: LineKind,
    pub enrollment: String,
    pub employee_no: String,
    pub product: String,
    /// The month the amount is for: the billing month, the affected month (retro) or the month of
    /// origin (carry-over).
    pub month: YearMonth,
    pub amount: Yen,
    /// For carry-over lines: why it was not deducted last month.
    pub reason: Option<DeductionReason>,
}

/// Totals of one office or of the group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub premium_total: Yen,
    pub fee: Yen,
    pub fee_tax: Yen,
    pub invoice_amount: Yen,
}

impl std::ops::AddAssign<&Totals> for Totals {
    fn add_assign(&mut self, o: &Totals) {
        self.premium_total += o.premium_total;
        self.fee += o.fee;
        self.fee_tax += o.fee_tax;
        self.invoice_amount += o.invoice_amount;
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficeBill {
    pub office: String,
    pub lines: Vec<BillLine>,
    /// Σ lines per group product.
    pub by_product: BTreeMap<String, Yen>,
    pub totals: Totals,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndividualKind {
    /// 一括精算: the months after the withdrawal month up to the policy year end.
    LumpSum,
    /// 控除不能額の個別請求.
    Undeducted,
}

impl IndividualKind {
    pub fn code(self) -> &'static str {
        match self {
            IndividualKind::LumpSum => "lump_sum",
            IndividualKind::Undeducted => "undeducted",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndividualItem {
    pub kind: IndividualKind,
    pub enrollment: String,
    pub product: String,
    /// Months covered: lump sum `(first, last)`; undeducted: the month of origin twice.
    pub months: (YearMonth, YearMonth),
    pub amount: Yen,
}

/// 個別請求書: one invoice to one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndividualBill {
    pub employee_no: String,
    pub items: Vec<IndividualItem>,
    pub amount: Yen,
    pub due_date: NaiveDate,
}

/// One month's premium debited from a withdrawer's bank account (口座振替).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountTransfer {
    pub employee_no: String,
    pub enrollment: String,
    pub product: String,
    pub month: YearMonth,
    pub amount: Yen,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commission {
    pub agent_code: String,
    pub amount: Yen,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bill {
    pub group: String,
    pub month: YearMonth,
    pub due_date: NaiveDate,
    pub offices: Vec<OfficeBill>,
    pub totals: Totals,
    pub findings: Vec<Finding>,
    pub individual_bills: Vec<IndividualBill>,
    pub account_transfers: Vec<AccountTransfer>,
    pub commissions: Vec<Commission>,
}

impl Bill {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity() == Severity::Error)
    }
}

/// The last day of the month after `month`, moved back to a bank business day.
pub fn due_date_after(month: YearMonth) -> NaiveDate {
    infoone_calendar::previous_bank_business_day(month.next().last_day())
}

/// What one enrollment costs in one month.
pub enum MonthlyPremium {
    Due(Yen),
    /// Not covered (or past the eligibility age): nothing to bill.
    None,
    /// Cannot be computed: the month cannot be confirmed.
    Error(Finding),
}

/// The §3 premium of `e` for `month`, or why there is none.
pub fn monthly_premium(ledger: &Ledger, e: &Enrollment, month: YearMonth) -> MonthlyPremium {
    if !e.covers(month) {
        return MonthlyPremium::None;
    }
    let Some(product) = ledger.products.get(&e.product) else {
        return MonthlyPremium::Error(
            Finding::new(
                finding::UNKNOWN_PRODUCT,
                format!("加入{}の商品「{}」がありません", e.id, e.product),
            )
            .employee(&e.employee_no)
            .enrollment(&e.id),
        );
    };
    let Some((birth, gender)) = ledger
        .members
        .get(&e.employee_no)
        .and_then(|m| m.insured_person(&e.insured))
    else {
        return MonthlyPremium::Error(
            Finding::new(
                finding::INSURED_NOT_FOUND,
                format!(
                    "加入{}の被保険者（社員番号{}・{}）がいません",
                    e.id, e.employee_no, e.insured
                ),
            )
            .employee(&e.employee_no)
            .enrollment(&e.id),
        );
    };
    let basis = PolicyYear::containing(month, ledger.settings().policy_anniversary_month).basis_date();
    let age = product.age_method.age(birth, basis);
    if age > product.max_age {
        return MonthlyPremium::None;
    }
    match product.premium(&e.plan, e.units, age, gender) {
        Ok(y) => MonthlyPremium::Due(y),
        Err(PremiumError::OutOfRange { rate, units }) => MonthlyPremium::Error(
            Finding::new(
                finding::AMOUNT_OUT_OF_RANGE,
                format!(
                    "保険料が扱える範囲を超えます: 加入{} {} 料率{rate} × {units}口",
                    e.id, product.code
                ),
            )
            .employee(&e.employee_no)
            .enrollment(&e.id),
        ),
        Err(PremiumError::RateNotFound(nf)) => MonthlyPremium::Error(
            Finding::new(
                finding::RATE_NOT_FOUND,
                format!(
                    "料率がありません: 加入{} {} プラン{} {}歳 性別{}（基準日{}）",
                    e.id,
                    product.code,
                    nf.plan,
                    nf.age,
                    nf.gender.code(),
                    basis
                ),
            )
            .employee(&e.employee_no)
            .enrollment(&e.id),
        ),
    }
}

/// Whether the insured is past the product's maximum age at the age basis date of `month`: the
/// enrollment ended with the month before that anniversary (DOMAIN.md §3.4).
fn beyond_max_age(ledger: &Ledger, e: &Enrollment, month: YearMonth) -> bool {
    let Some(product) = ledger.products.get(&e.product) else {
        return false;
    };
    let Some((birth, _)) = ledger
        .members
        .get(&e.employee_no)
        .and_then(|m| m.insured_person(&e.insured))
    else {
        return false;
    };
    let basis = PolicyYear::containing(month, ledger.settings().policy_anniversary_month).basis_date();
    product.age_method.age(birth, basis) > product.max_age
}

/// The amount the office bill should carry for `e` in `month` (0 when paid elsewhere or not
/// covered), or the finding that prevents computing it.
fn office_amount(ledger: &Ledger, e: &Enrollment, month: YearMonth) -> MonthlyPremium {
    if e.on_office_bill(month) {
        monthly_premium(ledger, e, month)
    } else {
        MonthlyPremium::None
    }
}

/// Compute the bill of `ledger.month` from the ledger as it stands.
pub fn compute(ledger: &Ledger) -> Bill {
    let month = ledger.month;
    let settings = ledger.settings();
    let mut findings = Vec::new();
    let mut lines: BTreeMap<String, Vec<BillLine>> = ledger.offices.keys().map(|o| (o.clone(), Vec::new())).collect();
    let mut push = |office: &str, line: BillLine, findings: &mut Vec<Finding>| match lines.get_mut(office) {
        Some(v) => v.push(line),
        None => findings.push(
            Finding::new(
                finding::UNKNOWN_OFFICE,
                format!("社員番号{}の事業所「{office}」がありません", line.employee_no),
            )
            .employee(&line.employee_no)
            .office(office),
        ),
    };
    let basis = PolicyYear::containing(month, settings.policy_anniversary_month).basis_date();

    // Regular lines.
    for e in ledger.enrollments.values() {
        if !e.on_office_bill(month) {
            continue;
        }
        let Some(member) = ledger.members.get(&e.employee_no) else {
            findings.push(
                Finding::new(
                    finding::INSURED_NOT_FOUND,
                    format!("加入{}の社員番号{}がいません", e.id, e.employee_no),
                )
                .enrollment(&e.id),
            );
            continue;
        };
        match monthly_premium(ledger, e, month) {
            MonthlyPremium::Due(amount) => push(
                member.office_in(month),
                BillLine {
                    kind: LineKind::Regular,
                    enrollment: e.id.clone(),
                    employee_no: e.employee_no.clone(),
                    product: e.product.clone(),
                    month,
                    amount,
                    reason: None,
                },
                &mut findings,
            ),
            MonthlyPremium::None => {
                let max_age = ledger.products.get(&e.product).map_or(0, |p| p.max_age);
                // The enrollment ended before the first anniversary at which the insured was
                // past the maximum age, which may be a policy year or more ago.
                let mut year = PolicyYear::containing(month, settings.policy_anniversary_month);
                while year.first > e.start_month && beyond_max_age(ledger, e, year.first.prev()) {
                    year = PolicyYear::containing(year.first.prev(), settings.policy_anniversary_month);
                }
                let ended = year.first.prev();
                findings.push(
                    Finding::new(
                        finding::AGE_LIMIT_END,
                        format!(
                            "加入{}（社員番号{}・{}）は{}時点で加入年齢上限{}歳を超えたため、{}で終了しました",
                            e.id, e.employee_no, e.insured, basis, max_age, ended
                        ),
                    )
                    .employee(&e.employee_no)
                    .enrollment(&e.id)
                    .office(member.office_in(month)),
                );
            }
            MonthlyPremium::Error(f) => findings.push(f.office(member.office_in(month))),
        }
    }

    // Retroactive adjustments for enrollments changed this month.
    for (id, from) in &ledger.adjusted_from {
        let Some(e) = ledger.enrollments.get(id) else {
            continue;
        };
        let Some(member) = ledger.members.get(&e.employee_no) else {
            continue;
        };
        for m in (*from).max(ledger.retro_floor()).through(month.prev()) {
            if !ledger.confirmed_months.contains(&m) {
                continue;
            }
            let billed = ledger.billed_for(id, m);
            let correct = match office_amount(ledger, e, m) {
                MonthlyPremium::Due(y) => y,
                MonthlyPremium::None => Yen::ZERO,
                MonthlyPremium::Error(f) => {
                    findings.push(f);
                    continue;
                }
            };
            let diff = correct - billed.map_or(Yen::ZERO, |b| b.amount);
            if diff.is_zero() {
                continue;
            }
            let office = billed.map_or_else(|| member.office_in(m).to_string(), |b| b.office.clone());
            push(
                &office,
                BillLine {
                    kind: LineKind::Retro,
                    enrollment: id.clone(),
                    employee_no: e.employee_no.clone(),
                    product: e.product.clone(),
                    month: m,
                    amount: diff,
                    reason: None,
                },
                &mut findings,
            );
        }
    }

    // Carry-overs and individual bills.
    let mut individual: BTreeMap<String, (Vec<IndividualItem>, NaiveDate)> = BTreeMap::new();
    let due_date = due_date_after(month);
    // A lump-sum withdrawer processed this month settles everything at once: outstanding
    // undeducted amounts join the lump sum on the individual invoice (DOMAIN.md §6), even those
    // that would otherwise be carried to the office bill.
    let lump_sum_now: HashSet<&str> = ledger
        .enrollments
        .values()
        .filter(|e| {
            e.withdrawal.is_some_and(|w| w.option == WithdrawalOption::LumpSum) && ledger.withdrawn_now.contains(&e.id)
        })
        .map(|e| e.employee_no.as_str())
        .collect();
    for co in &ledger.carry_over {
        let Some(e) = ledger.enrollments.get(&co.enrollment) else {
            continue;
        };
        let carry = settings.undeducted_handling == UndeductedHandling::CarryOver
            && co.times_carried == 0
            && co.reason != DeductionReason::Retired
            && !lump_sum_now.contains(e.employee_no.as_str());
        if carry {
            let office = ledger
                .members
                .get(&e.employee_no)
                .map_or(co.office.as_str(), |m| m.office_in(month));
            push(
                office,
                BillLine {
                    kind: LineKind::CarryOver,
                    enrollment: e.id.clone(),
                    employee_no: e.employee_no.clone(),
                    product: e.product.clone(),
                    month: co.origin_month,
                    amount: co.amount,
                    reason: Some(co.reason),
                },
                &mut findings,
            );
        } else {
            findings.push(
                Finding::new(
                    finding::CARRY_OVER_INDIVIDUAL,
                    format!(
                        "社員番号{}の{}分控除不能額{}円（{}）は個別請求します",
                        e.employee_no,
                        co.origin_month,
                        co.amount,
                        co.reason.label()
                    ),
                )
                .employee(&e.employee_no)
                .enrollment(&e.id),
            );
            individual
                .entry(e.employee_no.clone())
                .or_insert_with(|| (Vec::new(), due_date))
                .0
                .push(IndividualItem {
                    kind: IndividualKind::Undeducted,
                    enrollment: e.id.clone(),
                    product: e.product.clone(),
                    months: (co.origin_month, co.origin_month),
                    amount: co.amount,
                });
        }
    }

    // Withdrawers: lump sums now, bank transfers monthly.
    let mut account_transfers = Vec::new();
    for e in ledger.enrollments.values() {
        let Some(w) = e.withdrawal else { continue };
        // Billed once, in the month the withdrawal is processed (a package's earlier withdrawers were
        // billed when they were processed).
        let processed_now = ledger.withdrawn_now.contains(&e.id);
        match w.option {
            WithdrawalOption::LumpSum if processed_now => {
                let last = PolicyYear::containing(w.month, settings.policy_anniversary_month).last();
                let mut amount = Yen::ZERO;
                for m in w.month.next().through(last) {
                    match monthly_premium(ledger, e, m) {
                        MonthlyPremium::Due(y) => amount += y,
                        MonthlyPremium::None => {}
                        MonthlyPremium::Error(f) => findings.push(f),
                    }
                }
                if w.month < last {
                    let due = due_date_after(w.month).max(due_date);
                    let entry = individual
                        .entry(e.employee_no.clone())
                        .or_insert_with(|| (Vec::new(), due));
                    entry.1 = entry.1.max(due);
                    entry.0.push(IndividualItem {
                        kind: IndividualKind::LumpSum,
                        enrollment: e.id.clone(),
                        product: e.product.clone(),
                        months: (w.month.next(), last),
                        amount,
                    });
                }
            }
            WithdrawalOption::BankTransfer => {
                // This month, and the months a late-reported switch took off earlier office bills.
                let first = if ledger.withdrawn_now.contains(&e.id) {
                    w.month.next().max(ledger.retro_floor())
                } else {
                    month
                };
                for m in first.max(w.month.next()).through(month) {
                    match monthly_premium(ledger, e, m) {
                        MonthlyPremium::Due(amount) => account_transfers.push(AccountTransfer {
                            employee_no: e.employee_no.clone(),
                            enrollment: e.id.clone(),
                            product: e.product.clone(),
                            month: m,
                            amount,
                        }),
                        MonthlyPremium::None => {}
                        MonthlyPremium::Error(f) => findings.push(f),
                    }
                }
                let has_account = ledger
                    .members
                    .get(&e.employee_no)
                    .is_some_and(|m| m.bank_account.is_some());
                if !has_account && e.covers(month) {
                    findings.push(
                        Finding::new(
                            finding::NO_BANK_ACCOUNT,
                            format!("社員番号{}は口座振替ですが口座が登録されていません", e.employee_no),
                        )
                        .employee(&e.employee_no)
                        .enrollment(&e.id),
                    );
                }
            }
            _ => {}
        }
    }
    let individual_bills: Vec<IndividualBill> = individual
        .into_iter()
        .map(|(employee_no, (items, due_date))| IndividualBill {
            amount: items.iter().map(|i| i.amount).sum(),
            employee_no,
            items,
            due_date,
        })
        .collect();

    // Minimum headcount per group product.
    for p in ledger.products.values() {
        let mut members: Vec<&str> = ledger
            .enrollments
            .values()
            // An enrollment ended by the age limit (§3.4) no longer counts.
            .filter(|e| e.product == p.code && e.covers(month) && !beyond_max_age(ledger, e, month))
            .map(|e| e.employee_no.as_str())
            .collect();
        members.sort_unstable();
        members.dedup();
        if (members.len() as u32) < p.min_members {
            findings.push(Finding::new(
                finding::BELOW_MIN_MEMBERS,
                format!(
                    "{}（{}）の加入者は{}人で、最低加入者数{}人を下回っています（団体割引の適用に注意）",
                    p.name,
                    p.code,
                    members.len(),
                    p.min_members
                ),
            ));
        }
    }

    let mut offices = Vec::with_capacity(lines.len());
    let mut totals = Totals::default();
    for (office, lines) in lines {
        let ob = office_bill(ledger, office, lines);
        totals += &ob.totals;
        offices.push(ob);
    }
    let commissions = commissions(ledger, offices.iter().map(|o| &o.by_product));
    // No total may pass Yen::LIMIT: a saturated sum (money.rs) is shown, never confirmed.
    let totals_of = |t: &Totals| [t.premium_total, t.fee, t.fee_tax, t.invoice_amount];
    let beyond = offices
        .iter()
        .flat_map(|o| totals_of(&o.totals).map(|y| (o.office.as_str(), y)))
        .chain(totals_of(&totals).map(|y| ("", y)))
        .chain(individual_bills.iter().map(|b: &IndividualBill| ("", b.amount)))
        .chain(commissions.iter().map(|c| ("", c.amount)))
        .find(|(_, y)| !y.within_limit());
    if let Some((office, _)) = beyond {
        let mut f = Finding::new(
            finding::AMOUNT_OUT_OF_RANGE,
            "請求の合計が扱える範囲（1,000兆円）を超えます。料率・口数・繰越額を確認してください",
        );
        if !office.is_empty() {
            f = f.office(office);
        }
        findings.push(f);
    }
    Bill {
        group: ledger.group.code.clone(),
        month,
        due_date,
        offices,
        totals,
        findings,
        individual_bills,
        account_transfers,
        commissions,
    }
}

/// `Σ over products of trunc(amount × fee_rate)`.
pub fn collection_fee(ledger: &Ledger, by_product: &BTreeMap<String, Yen>) -> Yen {
    by_product
        .iter()
        .map(|(code, amount)| {
            let rate = ledger.products.get(code).map_or(Ratio::ZERO, |p| p.fee_rate);
            amount.times_ratio_truncated(rate)
        })
        .sum()
}

/// Premium total, fee, its tax and what the office pays, for per-product amounts.
pub fn office_totals(ledger: &Ledger, by_product: &BTreeMap<String, Yen>) -> Totals {
    let premium_total: Yen = by_product.values().sum();
    let fee = collection_fee(ledger, by_product);
    let fee_tax = fee.times_ratio_truncated(ledger.settings().tax_rate);
    let invoice_amount = match ledger.settings().fee_settlement {
        FeeSettlement::Offset => premium_total - (fee + fee_tax),
        FeeSettlement::Separate => premium_total,
    };
    Totals {
        premium_total,
        fee,
        fee_tax,
        invoice_amount,
    }
}

fn office_bill(ledger: &Ledger, office: String, lines: Vec<BillLine>) -> OfficeBill {
    let mut by_product: BTreeMap<String, Yen> = BTreeMap::new();
    for l in &lines {
        *by_product.entry(l.product.clone()).or_default() += l.amount;
    }
    let totals = office_totals(ledger, &by_product);
    OfficeBill {
        office,
        lines,
        by_product,
        totals,
    }
}

/// Agent commission (代理店手数料): per agent, Σ over its products of trunc(amount × rate).
pub fn commissions<'a>(
    ledger: &Ledger,
    by_product: impl Iterator<Item = &'a BTreeMap<String, Yen>>,
) -> Vec<Commission> {
    let mut per_product: BTreeMap<&str, Yen> = BTreeMap::new();
    for map in by_product {
        for (code, amount) in map {
            *per_product.entry(code.as_str()).or_default() += *amount;
        }
    }
    let mut per_agent: BTreeMap<String, Yen> = BTreeMap::new();
    for (code, amount) in per_product {
        if let Some(p) = ledger.products.get(code) {
            *per_agent.entry(p.agent_code.clone()).or_default() += amount.times_ratio_truncated(p.commission_rate);
        }
    }
    per_agent
        .into_iter()
        .map(|(agent_code, amount)| Commission { agent_code, amount })
        .collect()
}
