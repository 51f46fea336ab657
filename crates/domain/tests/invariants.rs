//! Property tests for the invariants of DOMAIN.md §9 on random small ledgers.

mod common;

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use common::*;
use infoone_domain::bill::{compute, monthly_premium, office_totals, Bill, BillLine, LineKind, MonthlyPremium};
use infoone_domain::change::{self, Change};
use infoone_domain::deduction::{self, allocate, Mode, Reported};
use infoone_domain::ledger::{
    AccountType, BankAccount, Billed, DeductionReason, FeeSettlement, Insured, Ledger, MemberStatus, Relation,
    UndeductedHandling, WithdrawalOption,
};
use infoone_domain::money::Yen;
use infoone_domain::month::{transfer_month, YearMonth};
use infoone_domain::product::Gender;

const OFFICES: [&str; 3] = ["O001", "O002", "O003"];
const REASONS: [DeductionReason; 4] = [
    DeductionReason::Leave,
    DeductionReason::Retired,
    DeductionReason::InsufficientPay,
    DeductionReason::Other,
];
const OPTIONS: [WithdrawalOption; 3] = [
    WithdrawalOption::End,
    WithdrawalOption::LumpSum,
    WithdrawalOption::BankTransfer,
];

#[derive(Clone, Debug)]
struct EnrSpec {
    med: bool,
    plan_l: bool,
    spouse: bool,
    units: u32,
    /// Months before 2026-12 the enrollment starts (negative: later).
    start_back: i32,
    /// Months of coverage after the start, when it has ended.
    length: Option<i32>,
}

#[derive(Clone, Debug)]
struct MemberSpec {
    birth: (i32, u32, u32),
    male: bool,
    office: usize,
    spouse_birth: (i32, u32, u32),
    enrollments: Vec<EnrSpec>,
}

#[derive(Clone, Debug)]
struct LedgerSpec {
    separate: bool,
    individual: bool,
    anniversary: u32,
    cutoff: u32,
    retro_limit: u32,
    members: Vec<MemberSpec>,
    /// (member, enrollment index, amount, reason, times carried)
    carry: Vec<(usize, usize, i64, usize, u32)>,
}

fn birth() -> impl Strategy<Value = (i32, u32, u32)> {
    (1955i32..2006, 1u32..=12, 1u32..=28)
}

fn enr_spec() -> impl Strategy<Value = EnrSpec> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        1u32..=20,
        -2i32..40,
        prop::option::weighted(0.2, 0i32..30),
    )
        .prop_map(|(med, plan_l, spouse, units, start_back, length)| EnrSpec {
            med,
            plan_l,
            spouse,
            units,
            start_back,
            length,
        })
}

fn member_spec() -> impl Strategy<Value = MemberSpec> {
    (
        birth(),
        any::<bool>(),
        0usize..3,
        birth(),
        prop::collection::vec(enr_spec(), 0..4),
    )
        .prop_map(|(birth, male, office, spouse_birth, enrollments)| MemberSpec {
            birth,
            male,
            office,
            spouse_birth,
            enrollments,
        })
}

fn ledger_spec() -> impl Strategy<Value = LedgerSpec> {
    (
        any::<bool>(),
        prop::bool::weighted(0.2),
        1u32..=12,
        1u32..=28,
        0u32..=6,
        prop::collection::vec(member_spec(), 1..7),
        prop::collection::vec((0usize..7, 0usize..4, 1i64..6000, 0usize..4, 0u32..3), 0..3),
    )
        .prop_map(
            |(separate, individual, anniversary, cutoff, retro_limit, members, carry)| LedgerSpec {
                separate,
                individual,
                anniversary,
                cutoff,
                retro_limit,
                members,
                carry,
            },
        )
}

fn date_str((y, m, d): (i32, u32, u32)) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

fn employee_no(i: usize) -> String {
    format!("M{i:03}")
}

fn enrollment_id(i: usize, j: usize) -> String {
    format!("E{i:02}{j}")
}

/// The ledger of 2026-12 a spec describes; 2026-10 and 2026-11 are confirmed with what the §3 rule
/// gives for them.
fn build(spec: &LedgerSpec) -> Ledger {
    let mut b = LedgerBuilder::new("2026-12")
        .settings(|s| {
            s.fee_settlement = if spec.separate {
                FeeSettlement::Separate
            } else {
                FeeSettlement::Offset
            };
            s.undeducted_handling = if spec.individual {
                UndeductedHandling::Individual
            } else {
                UndeductedHandling::CarryOver
            };
            s.policy_anniversary_month = spec.anniversary;
            s.cutoff_day = spec.cutoff;
            s.retro_limit_months = spec.retro_limit;
        })
        .product(gtl())
        .product(med());
    for o in OFFICES {
        b = b.office(o);
    }
    for (i, m) in spec.members.iter().enumerate() {
        let no = employee_no(i);
        let gender = if m.male { Gender::Male } else { Gender::Female };
        let spouse_gender = if m.male { Gender::Female } else { Gender::Male };
        b = b.member(&no, &date_str(m.birth), gender, OFFICES[m.office]).dependent(
            &no,
            "S",
            Relation::Spouse,
            &date_str(m.spouse_birth),
            spouse_gender,
        );
        for (j, e) in m.enrollments.iter().enumerate() {
            let (product, plan) = if e.med {
                ("MED", if e.plan_l { "L" } else { "S" })
            } else {
                ("GTL", "A")
            };
            let start = ym("2026-12").plus(-e.start_back);
            let id = enrollment_id(i, j);
            b = b.enroll(
                &id,
                &no,
                if e.spouse { "S" } else { "self" },
                product,
                plan,
                e.units,
                &start.to_string(),
            );
            if let Some(len) = e.length {
                b = b.ended(&id, &start.plus(len).to_string());
            }
        }
    }
    let mut l = b.build();
    l.confirmed_months.insert(ym("2026-10"));
    l.confirmed_months.insert(ym("2026-11"));
    for month in [ym("2026-10"), ym("2026-11")] {
        let mut billed = Vec::new();
        for e in l.enrollments.values() {
            if let MonthlyPremium::Due(amount) = monthly_premium(&l, e, month) {
                let office = l.members[&e.employee_no].office_in(month).to_string();
                billed.push(Billed {
                    month,
                    enrollment: e.id.clone(),
                    office,
                    amount,
                });
            }
        }
        for bd in billed {
            std::sync::Arc::make_mut(&mut l.billed).insert((bd.enrollment.clone(), month), bd);
        }
    }
    for &(m, j, amount, reason, times) in &spec.carry {
        let Some(ms) = spec.members.get(m) else {
            continue;
        };
        if j >= ms.enrollments.len() {
            continue;
        }
        l.carry_over.push(infoone_domain::ledger::CarryOver {
            enrollment: enrollment_id(m, j),
            office: OFFICES[ms.office].to_string(),
            origin_month: ym("2026-11"),
            amount: yen(amount),
            reason: REASONS[reason],
            times_carried: times,
        });
    }
    l
}

/// A change described by small numbers; indexes past the ledger give unknown references.
#[derive(Clone, Debug)]
enum Op {
    Join {
        m: usize,
        spouse: bool,
        med: bool,
        plan_l: bool,
        units: u32,
        day: u64,
    },
    Withdraw {
        m: usize,
        j: usize,
        day: u64,
        option: usize,
    },
    Retire {
        m: usize,
        day: u64,
        option: usize,
    },
    Transfer {
        m: usize,
        office: usize,
        day: u64,
    },
    PlanChange {
        m: usize,
        j: usize,
        plan_l: bool,
        units: u32,
        day: u64,
    },
    Switch {
        m: usize,
    },
    Status {
        m: usize,
        leave: bool,
    },
}

/// Days from 2026-03-01: up to 2027-04.
const DAYS: std::ops::Range<u64> = 0..420;

fn join_op() -> impl Strategy<Value = Op> {
    (0usize..8, any::<bool>(), any::<bool>(), any::<bool>(), 0u32..=5, DAYS).prop_map(
        |(m, spouse, med, plan_l, units, day)| Op::Join {
            m,
            spouse,
            med,
            plan_l,
            units,
            day,
        },
    )
}

fn op() -> impl Strategy<Value = Op> {
    let day = DAYS;
    prop_oneof![
        join_op(),
        (0usize..8, 0usize..5, day.clone(), 0usize..3).prop_map(|(m, j, day, option)| Op::Withdraw {
            m,
            j,
            day,
            option
        }),
        (0usize..8, day.clone(), 0usize..3).prop_map(|(m, day, option)| Op::Retire { m, day, option }),
        (0usize..8, 0usize..4, day.clone()).prop_map(|(m, office, day)| Op::Transfer { m, office, day }),
        (0usize..8, 0usize..5, any::<bool>(), 0u32..=5, day).prop_map(|(m, j, plan_l, units, day)| Op::PlanChange {
            m,
            j,
            plan_l,
            units,
            day
        }),
        (0usize..8).prop_map(|m| Op::Switch { m }),
        (0usize..8, any::<bool>()).prop_map(|(m, leave)| Op::Status { m, leave }),
    ]
}

fn day(n: u64) -> NaiveDate {
    d("2026-03-01") + Days::new(n)
}

/// The member an index points at: mostly an existing one, sometimes one that does not exist.
fn pick_member(l: &Ledger, m: usize) -> String {
    let n = l.members.len().max(1);
    match l.members.keys().nth(m % n) {
        Some(no) if m != 7 => no.clone(),
        _ => "M999".into(),
    }
}

/// One of the member's enrollments, sometimes one that does not exist.
fn pick_enrollment(l: &Ledger, m: usize, j: usize) -> String {
    let no = pick_member(l, m);
    let ids: Vec<&String> = l
        .enrollments
        .values()
        .filter(|e| e.employee_no == no)
        .map(|e| &e.id)
        .collect();
    match ids.get(j % ids.len().max(1)) {
        Some(id) if j != 4 => id.to_string(),
        _ => "E999".into(),
    }
}

fn to_change(l: &Ledger, op: &Op, serial: usize) -> Change {
    let office = |o: usize| OFFICES.get(o).map_or("O999".to_string(), |s| s.to_string());
    match *op {
        Op::Join {
            m,
            spouse,
            med,
            plan_l,
            units,
            day: n,
        } => Change::Join {
            enrollment_id: format!("J{serial:03}"),
            employee_no: pick_member(l, m),
            insured: if spouse {
                Insured::Dependent("S".into())
            } else {
                Insured::Member
            },
            product: if med { "MED".into() } else { "GTL".into() },
            plan: if !med {
                "A".into()
            } else if plan_l {
                "L".into()
            } else {
                "S".into()
            },
            units,
            applied_on: day(n),
            application: None,
        },
        Op::Withdraw { m, j, day: n, option } => Change::Withdrawal {
            enrollment: pick_enrollment(l, m, j),
            date: day(n),
            option: OPTIONS[option],
        },
        Op::Retire { m, day: n, option } => Change::Retirement {
            employee_no: pick_member(l, m),
            date: day(n),
            option: OPTIONS[option],
        },
        Op::Transfer { m, office: o, day: n } => Change::Transfer {
            employee_no: pick_member(l, m),
            office: office(o),
            date: day(n),
        },
        Op::PlanChange {
            m,
            j,
            plan_l,
            units,
            day: n,
        } => {
            let enrollment = pick_enrollment(l, m, j);
            let gtl = l.enrollments.get(&enrollment).is_some_and(|e| e.product == "GTL");
            Change::PlanChange {
                enrollment,
                new_enrollment_id: format!("P{serial:03}"),
                plan: if gtl {
                    "A".into()
                } else if plan_l {
                    "L".into()
                } else {
                    "S".into()
                },
                units,
                date: day(n),
            }
        }
        Op::Switch { m } => Change::BankTransferSwitch {
            employee_no: pick_member(l, m),
            account: BankAccount {
                bank_code: "0001".into(),
                branch_code: "001".into(),
                account_type: AccountType::Ordinary,
                account_no: "1234567".into(),
                holder_kana: "ｶﾆﾕｳｼﾔ".into(),
            },
        },
        Op::Status { m, leave } => Change::Status {
            employee_no: pick_member(l, m),
            status: if leave {
                MemberStatus::Leave
            } else {
                MemberStatus::Active
            },
        },
    }
}

fn whole(y: Yen) -> bool {
    y.as_decimal().fract().is_zero()
}

/// §9: Σ office bills = group bill; Σ lines = office premium_total; every amount an integer.
fn check_bill(l: &Ledger, bill: &Bill) -> Result<(), TestCaseError> {
    let mut sum = [Yen::ZERO; 4];
    for ob in &bill.offices {
        let lines: Yen = ob.lines.iter().map(|x| x.amount).sum();
        prop_assert_eq!(lines, ob.totals.premium_total, "Σ lines of {}", &ob.office);
        let mut by_product: BTreeMap<String, Yen> = BTreeMap::new();
        for x in &ob.lines {
            prop_assert!(whole(x.amount));
            prop_assert!(!x.amount.is_zero(), "a 0 line: {:?}", x);
            if x.kind == LineKind::Regular {
                prop_assert!(x.amount.is_positive(), "{:?}", x);
            }
            *by_product.entry(x.product.clone()).or_default() += x.amount;
        }
        prop_assert_eq!(&by_product, &ob.by_product);
        prop_assert_eq!(&office_totals(l, &by_product), &ob.totals);
        let t = &ob.totals;
        for y in [t.premium_total, t.fee, t.fee_tax, t.invoice_amount] {
            prop_assert!(whole(y));
        }
        let want_invoice = match l.settings().fee_settlement {
            FeeSettlement::Offset => t.premium_total - t.fee - t.fee_tax,
            FeeSettlement::Separate => t.premium_total,
        };
        prop_assert_eq!(t.invoice_amount, want_invoice);
        sum[0] += t.premium_total;
        sum[1] += t.fee;
        sum[2] += t.fee_tax;
        sum[3] += t.invoice_amount;
    }
    let t = &bill.totals;
    prop_assert_eq!(sum, [t.premium_total, t.fee, t.fee_tax, t.invoice_amount]);
    for ib in &bill.individual_bills {
        prop_assert!(whole(ib.amount));
        prop_assert_eq!(ib.amount, ib.items.iter().map(|i| i.amount).sum::<Yen>());
    }
    for a in &bill.account_transfers {
        prop_assert!(whole(a.amount) && a.amount.is_positive());
    }
    for c in &bill.commissions {
        prop_assert!(whole(c.amount));
    }
    Ok(())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(80))]

    #[test]
    fn sums_hold_and_refusals_leave_the_ledger_alone(spec in ledger_spec(), ops in prop::collection::vec(op(), 0..8)) {
        let mut l = build(&spec);
        check_bill(&l, &compute(&l))?;
        for (serial, op) in ops.iter().enumerate() {
            let c = to_change(&l, op, serial);
            let before = l.clone();
            match change::apply(&mut l, &c) {
                Ok(_) => check_bill(&l, &compute(&l))?,
                Err(r) => {
                    prop_assert_eq!(&l, &before, "refused {} ({}) changed the ledger", c.kind(), r);
                }
            }
        }
    }

    #[test]
    fn a_transfer_and_its_reversal_restore_every_amount(
        spec in ledger_spec(),
        ops in prop::collection::vec(op(), 0..5),
        m in 0usize..7,
        office in 0usize..2,
        n in 0u64..420,
    ) {
        let mut l = build(&spec);
        for (serial, op) in ops.iter().enumerate() {
            // Only changes other than transfers before: a member has no later transfer a new one would replace.
            if !matches!(op, Op::Transfer { .. }) {
                let c = to_change(&l, op, serial);
                let _ = change::apply(&mut l, &c);
            }
        }
        let no = pick_member(&l, m);
        prop_assume!(l.members.contains_key(&no));
        let date = day(n);
        let back_to = l.members[&no].office_in(transfer_month(date)).to_string();
        let before = compute(&l);
        let others: Vec<&str> = OFFICES.iter().copied().filter(|o| *o != back_to).collect();
        let there = Change::Transfer { employee_no: no.clone(), office: others[office % others.len()].into(), date };
        prop_assert!(change::apply(&mut l, &there).is_ok());
        check_bill(&l, &compute(&l))?;
        let back = Change::Transfer { employee_no: no, office: back_to, date };
        prop_assert!(change::apply(&mut l, &back).is_ok());
        prop_assert_eq!(compute(&l), before);
    }

    #[test]
    fn a_join_withdrawn_before_its_start_restores_every_amount(
        spec in ledger_spec(),
        ops in prop::collection::vec(op(), 0..5),
        join in join_op(),
        withdraw_day in 1u32..=28,
    ) {
        let mut l = build(&spec);
        for (serial, op) in ops.iter().enumerate() {
            let c = to_change(&l, op, serial);
                let _ = change::apply(&mut l, &c);
        }
        let before_ledger = l.clone();
        let before = compute(&l);
        let c = to_change(&l, &join, 999);
        if let Err(r) = change::apply(&mut l, &c) {
            prop_assert_eq!(&l, &before_ledger, "refused join ({}) changed the ledger", r);
            return Ok(());
        }
        let start = l.enrollments["J999"].start_month;
        let date = NaiveDate::from_ymd_opt(start.prev().year(), start.prev().month(), withdraw_day).unwrap_or(start.first_day());
        let w = Change::Withdrawal { enrollment: "J999".into(), date, option: WithdrawalOption::End };
        prop_assert!(change::apply(&mut l, &w).is_ok());
        prop_assert_eq!(compute(&l), before);
    }

    #[test]
    fn deduction_results_balance_per_office(spec in ledger_spec(), ops in prop::collection::vec(op(), 0..5), shares in prop::collection::vec(0i64..=100, 30)) {
        let mut l = build(&spec);
        for (serial, op) in ops.iter().enumerate() {
            let c = to_change(&l, op, serial);
                let _ = change::apply(&mut l, &c);
        }
        let bill = compute(&l);
        // One row per member and office: between the refunds and what was billed.
        let mut per: BTreeMap<(String, String), (Yen, Yen)> = BTreeMap::new();
        for ob in &bill.offices {
            for x in &ob.lines {
                let e = per.entry((x.employee_no.clone(), ob.office.clone())).or_default();
                e.0 += x.amount;
                if x.amount.is_negative() {
                    e.1 += x.amount;
                }
            }
        }
        let reported: Vec<Reported> = per
            .iter()
            .enumerate()
            .map(|(i, ((no, office), (billed, refunds)))| {
                let share = shares[i % shares.len()];
                // refunds + (billed − refunds) × share / 100, in whole yen
                let amount = *refunds + Yen::new((*billed - *refunds).to_i64() * share / 100);
                Reported { row: i + 1, employee_no: no.clone(), office: Some(office.clone()), amount, reason: Some(DeductionReason::InsufficientPay) }
            })
            .collect();
        let out = deduction::apply(&l, &bill, &reported, Mode::Full);
        let out = match out {
            Ok(o) => o,
            Err(p) => return Err(TestCaseError::fail(format!("{p:?}"))),
        };
        for m in &out.members {
            prop_assert_eq!(m.undeducted, m.billed - m.deducted);
        }
        for ob in &bill.offices {
            let c = &out.offices[&ob.office];
            let parts: Yen = out.undeducted.iter().filter(|u| u.office == ob.office).map(|u| u.amount).sum();
            prop_assert_eq!(c.undeducted, parts);
            let collected: Yen = c.collected_by_product.values().sum();
            prop_assert_eq!(collected + c.undeducted, ob.totals.premium_total);
            let t = office_totals(&l, &c.collected_by_product);
            prop_assert_eq!((c.collected_fee, c.collected_fee_tax), (t.fee, t.fee_tax));
            prop_assert_eq!(c.payable, t.invoice_amount);
        }
    }
}

// ───────────────────────────── allocate ─────────────────────────────

fn line_strategy() -> impl Strategy<Value = BillLine> {
    (0usize..3, any::<bool>(), 0usize..4, 0i32..4, -3000i64..6000).prop_map(|(kind, med, e, back, amount)| BillLine {
        kind: [LineKind::CarryOver, LineKind::Retro, LineKind::Regular][kind],
        enrollment: format!("E{e}"),
        employee_no: "M000".into(),
        product: if med { "MED".into() } else { "GTL".into() },
        month: ym("2026-12").plus(-back),
        amount: yen(amount),
        reason: None,
    })
}

/// DOMAIN.md §5.4's order, written independently of the code under test.
fn spec_order(l: &BillLine) -> (u8, Option<YearMonth>, String, String) {
    match l.kind {
        LineKind::CarryOver => (0, None, l.product.clone(), l.enrollment.clone()),
        LineKind::Retro => (1, Some(l.month), l.product.clone(), l.enrollment.clone()),
        LineKind::Regular => (2, None, l.product.clone(), l.enrollment.clone()),
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn allocate_never_covers_more_than_billed(lines in prop::collection::vec(line_strategy(), 0..8), amount in -20000i64..40000) {
        let refs: Vec<&BillLine> = lines.iter().collect();
        let uncovered = allocate(&refs, yen(amount));
        prop_assert_eq!(uncovered.len(), lines.len());
        for (x, u) in lines.iter().zip(&uncovered) {
            if x.amount.is_positive() {
                prop_assert!(!u.is_negative() && *u <= x.amount, "{:?} {}", x, u);
            } else {
                prop_assert!(u.is_zero(), "refunds are always settled");
            }
        }
    }

    #[test]
    fn allocate_leaves_billed_minus_deducted_in_spec_order(lines in prop::collection::vec(line_strategy(), 0..8), share in 0i64..=1000) {
        let refs: Vec<&BillLine> = lines.iter().collect();
        let billed: Yen = lines.iter().map(|x| x.amount).sum();
        let refunds: Yen = lines.iter().filter(|x| x.amount.is_negative()).map(|x| x.amount).sum();
        // refunds ≤ deducted ≤ billed
        let deducted = refunds + Yen::new((billed - refunds).to_i64() * share / 1000);
        let uncovered = allocate(&refs, deducted);
        prop_assert_eq!(uncovered.iter().copied().sum::<Yen>(), billed - deducted);
        // Lines are covered in order: once one is short, every later positive line is wholly uncovered.
        let mut order: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].amount.is_positive()).collect();
        order.sort_by_key(|&i| spec_order(&lines[i]));
        let mut short = false;
        for i in order {
            if short {
                prop_assert_eq!(uncovered[i], lines[i].amount, "line {} covered after a short one", i);
            }
            short |= uncovered[i].is_positive();
        }
    }
}
