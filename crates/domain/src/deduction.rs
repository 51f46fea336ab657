//! Deduction results (控除結果反映, DOMAIN.md §5.4): what payroll actually deducted, spread over
//! the billed lines, and what each office then owes.

use std::collections::{BTreeMap, HashMap};

use crate::bill::{commissions, office_totals, Bill, BillLine, Commission, LineKind};
use crate::finding::{self, Code, Finding};
use crate::ledger::{DeductionReason, FeeSettlement, Ledger, UndeductedHandling};
use crate::money::Yen;
use crate::month::YearMonth;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Every billed member appears.
    Full,
    /// Only members not deducted in full appear; the rest count as deducted in full.
    Exceptions,
}

/// One row of the payroll's deduction results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reported {
    /// Row in the file (1-based), for messages.
    pub row: usize,
    pub employee_no: String,
    pub office: Option<String>,
    pub amount: Yen,
    pub reason: Option<DeductionReason>,
}

/// A problem with one row (or a missing member), positioned by row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub row: Option<usize>,
    pub employee_no: String,
    pub code: Code,
    pub message: String,
}

/// How an undeducted amount goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Handling {
    /// To next month's office bill (once).
    CarryOver,
    /// To an individual invoice (個別請求).
    Individual,
}

impl Handling {
    pub fn code(self) -> &'static str {
        match self {
            Handling::CarryOver => "carry_over",
            Handling::Individual => "individual",
        }
    }
}

/// The undeducted part of one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undeducted {
    pub enrollment: String,
    pub employee_no: String,
    pub office: String,
    pub product: String,
    /// The month of origin of the amount (as the line's month).
    pub month: YearMonth,
    pub kind: LineKind,
    pub amount: Yen,
    pub reason: DeductionReason,
    pub handling: Handling,
}

/// The result for one member in one office.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberResult {
    pub employee_no: String,
    pub office: String,
    pub billed: Yen,
    pub deducted: Yen,
    pub undeducted: Yen,
    pub reason: Option<DeductionReason>,
}

/// What one office collected and owes after deduction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collection {
    pub undeducted: Yen,
    pub collected_fee: Yen,
    pub collected_fee_tax: Yen,
    pub payable: Yen,
    pub collected_by_product: BTreeMap<String, Yen>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub members: Vec<MemberResult>,
    pub offices: BTreeMap<String, Collection>,
    pub totals: Collection,
    pub undeducted: Vec<Undeducted>,
    /// Agent commission on the premiums collected (DOMAIN.md §4), per agent.
    pub commissions: Vec<Commission>,
    pub findings: Vec<Finding>,
}

/// Spread `amount` over one member's lines in one office: refunds are always settled and add to
/// what is available; then carry-over, retro (oldest month first), regular, each by product code
/// then enrollment id, each line in full before the next. Returns the uncovered part per line.
pub fn allocate(lines: &[&BillLine], amount: Yen) -> Vec<Yen> {
    let refunds: Yen = lines.iter().filter(|l| l.amount.is_negative()).map(|l| -l.amount).sum();
    let mut available = amount + refunds;
    let mut order: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].amount.is_positive()).collect();
    // Only retroactive lines go by month (oldest first); carry-over and regular lines go by product
    // code, then enrollment id (DOMAIN.md §5.4).
    let month_key = |l: &BillLine| (l.kind == LineKind::Retro).then_some(l.month);
    order.sort_by(|&a, &b| {
        let (a, b) = (lines[a], lines[b]);
        (a.kind, month_key(a), &a.product, &a.enrollment).cmp(&(b.kind, month_key(b), &b.product, &b.enrollment))
    });
    let mut uncovered = vec![Yen::ZERO; lines.len()];
    for i in order {
        let covered = lines[i].amount.min(available.max(Yen::ZERO));
        available -= covered;
        uncovered[i] = lines[i].amount - covered;
    }
    uncovered
}

/// Apply the deduction results to a confirmed bill. All problems are collected before refusing.
pub fn apply(ledger: &Ledger, bill: &Bill, reported: &[Reported], mode: Mode) -> Result<Outcome, Vec<Problem>> {
    // Lines per member and office.
    let mut by_member: BTreeMap<(&str, &str), Vec<&BillLine>> = BTreeMap::new();
    let mut offices_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for ob in &bill.offices {
        for l in &ob.lines {
            let key = (l.employee_no.as_str(), ob.office.as_str());
            let entry = by_member.entry(key).or_default();
            if entry.is_empty() {
                offices_of
                    .entry(l.employee_no.as_str())
                    .or_default()
                    .push(ob.office.as_str());
            }
            entry.push(l);
        }
    }

    let mut problems = Vec::new();
    let mut problem = |row: Option<usize>, employee_no: &str, code: Code, message: String| {
        problems.push(Problem {
            row,
            employee_no: employee_no.to_string(),
            code,
            message,
        })
    };
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    let mut entries: HashMap<(&str, &str), &Reported> = HashMap::new();
    for r in reported {
        let offices = offices_of.get(r.employee_no.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let office = match (&r.office, offices) {
            (_, []) => {
                problem(
                    Some(r.row),
                    &r.employee_no,
                    finding::DEDUCTION_UNKNOWN_MEMBER,
                    format!("社員番号「{}」には今月の請求がありません", r.employee_no),
                );
                continue;
            }
            (Some(o), offices) => match offices.iter().find(|x| **x == o.as_str()) {
                Some(x) => *x,
                None => {
                    problem(
                        Some(r.row),
                        &r.employee_no,
                        finding::DEDUCTION_UNKNOWN_MEMBER,
                        format!(
                            "社員番号「{}」には事業所「{o}」の請求がありません（請求のある事業所: {}）",
                            r.employee_no,
                            offices.join("、")
                        ),
                    );
                    continue;
                }
            },
            (None, [only]) => *only,
            (None, offices) => {
                problem(
                    Some(r.row),
                    &r.employee_no,
                    finding::DEDUCTION_OFFICE_NEEDED,
                    format!(
                        "社員番号「{}」は{}の事業所に請求があるため、事業所コードが必要です",
                        r.employee_no,
                        offices.join("と")
                    ),
                );
                continue;
            }
        };
        let key = (r.employee_no.as_str(), office);
        if let Some(first) = seen.insert(key, r.row) {
            problem(
                Some(r.row),
                &r.employee_no,
                finding::DEDUCTION_DUPLICATE,
                format!(
                    "社員番号「{}」事業所「{office}」の控除結果は{first}行目にもあります",
                    r.employee_no
                ),
            );
            continue;
        }
        entries.insert(key, r);
    }

    let mut members = Vec::new();
    let mut undeducted = Vec::new();
    let mut findings = Vec::new();
    let mut uncovered_by_office: BTreeMap<&str, BTreeMap<String, Yen>> = BTreeMap::new();
    for (&(employee_no, office), lines) in &by_member {
        let billed: Yen = lines.iter().map(|l| l.amount).sum();
        let entry = entries.get(&(employee_no, office));
        let amount = match (entry, mode) {
            (Some(r), _) => r.amount,
            (None, Mode::Exceptions) => billed,
            (None, Mode::Full) => {
                problem(
                    None,
                    employee_no,
                    finding::DEDUCTION_MISSING,
                    format!("社員番号「{employee_no}」（事業所{office}、請求{billed}円）が控除結果にありません"),
                );
                continue;
            }
        };
        let row = entry.map(|r| r.row);
        if amount > billed {
            problem(
                row,
                employee_no,
                finding::DEDUCTION_ABOVE_BILLED,
                format!("社員番号「{employee_no}」の控除額{amount}円が請求額{billed}円を超えています"),
            );
            continue;
        }
        let refunds: Yen = lines.iter().filter(|l| l.amount.is_negative()).map(|l| l.amount).sum();
        if amount < refunds.min(Yen::ZERO) {
            problem(
                row,
                employee_no,
                finding::DEDUCTION_BELOW_REFUND,
                format!("社員番号「{employee_no}」の控除額{amount}円が返戻額{refunds}円を下回っています"),
            );
            continue;
        }
        let uncovered = allocate(lines, amount);
        let total_uncovered: Yen = uncovered.iter().sum();
        let mut reason = entry.and_then(|r| r.reason);
        if total_uncovered.is_positive() && reason.is_none() {
            findings.push(
                Finding::new(
                    finding::DEDUCTION_NO_REASON,
                    format!(
                        "社員番号「{employee_no}」の控除不能{total_uncovered}円に理由がないため「その他」としました"
                    ),
                )
                .employee(employee_no)
                .office(office),
            );
            reason = Some(DeductionReason::Other);
        }
        for (line, part) in lines.iter().zip(&uncovered) {
            if part.is_zero() {
                continue;
            }
            *uncovered_by_office
                .entry(office)
                .or_default()
                .entry(line.product.clone())
                .or_default() += *part;
            let reason = reason.unwrap_or(DeductionReason::Other);
            let handling = if ledger.settings().undeducted_handling == UndeductedHandling::Individual
                || reason == DeductionReason::Retired
                || line.kind == LineKind::CarryOver
            {
                Handling::Individual
            } else {
                Handling::CarryOver
            };
            undeducted.push(Undeducted {
                enrollment: line.enrollment.clone(),
                employee_no: employee_no.to_string(),
                office: office.to_string(),
                product: line.product.clone(),
                month: line.month,
                kind: line.kind,
                amount: *part,
                reason,
                handling,
            });
        }
        members.push(MemberResult {
            employee_no: employee_no.to_string(),
            office: office.to_string(),
            billed,
            deducted: amount,
            undeducted: total_uncovered,
            reason: total_uncovered.is_positive().then_some(reason).flatten(),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut offices = BTreeMap::new();
    let mut totals = Collection::default();
    for ob in &bill.offices {
        let none = BTreeMap::new();
        let uncovered = uncovered_by_office.get(ob.office.as_str()).unwrap_or(&none);
        let collected: BTreeMap<String, Yen> = ob
            .by_product
            .iter()
            .map(|(p, amount)| (p.clone(), *amount - uncovered.get(p).copied().unwrap_or_default()))
            .collect();
        let t = office_totals(ledger, &collected);
        let c = Collection {
            undeducted: ob.totals.premium_total - t.premium_total,
            collected_fee: t.fee,
            collected_fee_tax: t.fee_tax,
            payable: match ledger.settings().fee_settlement {
                FeeSettlement::Offset => t.premium_total - (t.fee + t.fee_tax),
                FeeSettlement::Separate => t.premium_total,
            },
            collected_by_product: collected,
        };
        totals.undeducted += c.undeducted;
        totals.collected_fee += c.collected_fee;
        totals.collected_fee_tax += c.collected_fee_tax;
        totals.payable += c.payable;
        for (p, y) in &c.collected_by_product {
            *totals.collected_by_product.entry(p.clone()).or_default() += *y;
        }
        offices.insert(ob.office.clone(), c);
    }
    let commissions = commissions(ledger, offices.values().map(|c| &c.collected_by_product));
    Ok(Outcome {
        members,
        offices,
        totals,
        undeducted,
        commissions,
        findings,
    })
}
