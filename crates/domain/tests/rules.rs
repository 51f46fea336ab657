//! Table-driven tests of the rules of DOMAIN.md. Every expected yen amount is worked out by hand in
//! the comment next to it.

mod common;

use std::collections::BTreeMap;

use rust_decimal_macros::dec;

use common::*;
use infoone_domain::bill::{
    self, collection_fee, compute, monthly_premium, office_totals, BillLine, IndividualKind, LineKind, MonthlyPremium,
};
use infoone_domain::change::Change;
use infoone_domain::deduction::{self, allocate, Handling, Mode, Reported};
use infoone_domain::finding::Severity;
use infoone_domain::ledger::{
    AccountType, BankAccount, DeductionReason, FeeSettlement, Ledger, UndeductedHandling, Withdrawal, WithdrawalOption,
};
use infoone_domain::money::{Rounding, Yen};
use infoone_domain::product::{Gender, RateGender};

use LineKind::{CarryOver as CO, Regular as R, Retro as RT};

/// `(kind, month, amount)` of one enrollment's line.
type KindMonthAmount<'a> = (LineKind, &'a str, i64);
/// `(kind, enrollment, month, amount)`.
type Line<'a> = (LineKind, &'a str, &'a str, i64);
/// `(product, amount)`.
type ProductAmount<'a> = (&'a str, i64);

fn due(l: &Ledger, id: &str, month: &str) -> Option<i64> {
    match monthly_premium(l, &l.enrollments[id], ym(month)) {
        MonthlyPremium::Due(y) => Some(y.to_i64()),
        MonthlyPremium::None => None,
        MonthlyPremium::Error(f) => panic!("{id} {month}: {f}"),
    }
}

fn withdrawal(enrollment: &str, date: &str, option: WithdrawalOption) -> Change {
    Change::Withdrawal {
        enrollment: enrollment.into(),
        date: d(date),
        option,
    }
}

fn transfer(employee_no: &str, office: &str, date: &str) -> Change {
    Change::Transfer {
        employee_no: employee_no.into(),
        office: office.into(),
        date: d(date),
    }
}

fn plan_change(enrollment: &str, new_id: &str, plan: &str, units: u32, date: &str) -> Change {
    Change::PlanChange {
        enrollment: enrollment.into(),
        new_enrollment_id: new_id.into(),
        plan: plan.into(),
        units,
        date: d(date),
    }
}

// ───────────────────────────── §3 premiums ─────────────────────────────

#[test]
fn worked_example_premiums() {
    let l = example();
    let cases = [
        // GTL insurance age 45 (last birthday 2025-10-02 + 6 months = 2026-04-02, not passed) → 82
        ("E0001", 779), // floor(82 × 10 × 0.95) = floor(779.0) = 779
        // MED spouse F completed years 43 → S F 15–44 = 1380
        ("E0002", 1380), // half_up(1380 × 1 × 1) = 1380
        // GTL insurance age 51 (birthday 2025-03-31 + 6 months = 2025-09-30, passed) → 198.4
        ("E0003", 942), // floor(198.4 × 5 × 0.95) = floor(942.4) = 942
        // MED F completed years 51 → L F 45–65 = 4780
        ("E0004", 4780), // half_up(4780 × 1 × 1) = 4780
        // GTL insurance age 64 (2026-01-15 + 6 months = 2026-07-15, not passed) → 198.4
        ("E0005", 3769), // floor(198.4 × 20 × 0.95) = floor(3769.6) = 3769
    ];
    for (id, want) in cases {
        assert_eq!(due(&l, id, "2026-12"), Some(want), "{id}");
    }
}

#[test]
fn rounding_rule_is_the_products() {
    let cases = [
        // (rounding, discount, rate, units, yen)
        (Rounding::Floor, dec!(0.05), dec!(37.5), 3, 106), // floor(37.5 × 3 × 0.95) = floor(106.875) = 106
        (Rounding::Ceil, dec!(0.05), dec!(37.5), 3, 107),  // ceil(106.875) = 107
        (Rounding::HalfUp, dec!(0.05), dec!(37.5), 3, 107), // half_up(106.875) = 107
        (Rounding::Floor, dec!(0.05), dec!(198.4), 5, 942), // floor(198.4 × 5 × 0.95) = floor(942.4) = 942
        (Rounding::Ceil, dec!(0.05), dec!(198.4), 5, 943), // ceil(942.4) = 943
        (Rounding::HalfUp, dec!(0.05), dec!(198.4), 5, 942), // half_up(942.4) = 942
        (Rounding::Floor, dec!(0), dec!(37.5), 1, 37),     // floor(37.5 × 1 × 1) = 37
        (Rounding::HalfUp, dec!(0), dec!(37.5), 1, 38),    // half_up(37.5) = 38
        (Rounding::HalfUp, dec!(0), dec!(36.5), 1, 37),    // half_up(36.5) = 37 (banker's would give 36)
        (Rounding::Ceil, dec!(0.05), dec!(82), 10, 779),   // ceil(82 × 10 × 0.95) = ceil(779.0) = 779
    ];
    for (rounding, discount, rate, units, want) in cases {
        let mut p = gtl();
        p.rounding = rounding;
        p.discount_rate = ratio(discount);
        p.rates = vec![row("A", 15, 70, RateGender::Unisex, rate)];
        assert_eq!(
            p.premium("A", units, 30, Gender::Male),
            Ok(yen(want)),
            "{rounding:?} {rate} × {units}"
        );
    }
}

#[test]
fn gender_specific_rate_row_wins_over_unisex() {
    let mut p = med();
    p.rates.push(row("S", 15, 65, RateGender::Unisex, dec!(999)));
    // S F 15–44 row is 1380; the unisex 999 only applies where no gender row matches.
    assert_eq!(p.premium("S", 1, 30, Gender::Female), Ok(yen(1380))); // half_up(1380 × 1 × 1) = 1380
    p.rates.retain(|r| r.gender == RateGender::Unisex);
    assert_eq!(p.premium("S", 2, 30, Gender::Female), Ok(yen(1998))); // half_up(999 × 2 × 1) = 1998
}

// ───────────────────────────── §4 the worked example ─────────────────────────────

#[test]
fn worked_example_december_bill() {
    let bill = compute(&example());
    let o1 = office(&bill, "O001");
    assert_eq!(
        lines(o1),
        vec![
            line(R, "E0001", "2026-12", 779),
            line(R, "E0002", "2026-12", 1380),
            line(R, "E0003", "2026-12", 942),
            line(R, "E0004", "2026-12", 4780),
        ]
    );
    // GTL 779 + 942 = 1721; MED 1380 + 4780 = 6160
    assert_eq!(
        o1.by_product,
        BTreeMap::from([("GTL".to_string(), yen(1721)), ("MED".to_string(), yen(6160))])
    );
    // premium 1721 + 6160 = 7881; fee trunc(1721 × 0.03 = 51.63) + trunc(6160 × 0.025 = 154.0) = 51 + 154 = 205;
    // fee_tax trunc(205 × 0.10 = 20.5) = 20; invoice 7881 − (205 + 20) = 7656
    assert_eq!(t4(&o1.totals), [7881, 205, 20, 7656]);
    let o2 = office(&bill, "O002");
    assert_eq!(lines(o2), vec![line(R, "E0005", "2026-12", 3769)]);
    // fee trunc(3769 × 0.03 = 113.07) = 113; tax trunc(11.3) = 11; invoice 3769 − 124 = 3645
    assert_eq!(t4(&o2.totals), [3769, 113, 11, 3645]);
    // 7881 + 3769 = 11650; 205 + 113 = 318; 20 + 11 = 31; 7656 + 3645 = 11301
    assert_eq!(t4(&bill.totals), [11650, 318, 31, 11301]);
    assert!(!bill.has_errors(), "{:?}", bill.findings);
    // Due: last day of 2027-01 is Sunday 31 → Friday 2027-01-29.
    assert_eq!(bill.due_date, d("2027-01-29"));
    // Commission A001: trunc(Σ GTL 5490 × 0.10 = 549.0) + trunc(Σ MED 6160 × 0.08 = 492.8) = 549 + 492 = 1041
    assert_eq!(bill.commissions.len(), 1);
    assert_eq!(bill.commissions[0].amount, yen(1041));
}

#[test]
fn w0001_join_follows_the_cutoff_day() {
    // (applied_on, start month, O002 totals, group totals)
    let cases = [
        // Starts 2026-12. MED S M completed years 64 → 2455: half_up(2455 × 1 × 1) = 2455.
        // O002 3769 + 2455 = 6224; fee 113 + trunc(2455 × 0.025 = 61.375) = 113 + 61 = 174;
        // tax trunc(17.4) = 17; invoice 6224 − 191 = 6033.
        // Group: 7881 + 6224 = 14105; 205 + 174 = 379; 20 + 17 = 37; 7656 + 6033 = 13689.
        ("2026-11-18", "2026-12", [6224, 174, 17, 6033], [14105, 379, 37, 13689]),
        // The cutoff day itself still counts (day ≤ 20).
        ("2026-11-20", "2026-12", [6224, 174, 17, 6033], [14105, 379, 37, 13689]),
        // After the cutoff: starts 2027-01, December unchanged.
        ("2026-11-21", "2027-01", [3769, 113, 11, 3645], [11650, 318, 31, 11301]),
        // Late: starts 2026-11, a confirmed month → retro +2455 for 2026-11 plus the regular 2455.
        // O002 3769 + 2455 + 2455 = 8679; fee 113 + trunc(4910 × 0.025 = 122.75) = 113 + 122 = 235;
        // tax trunc(23.5) = 23; invoice 8679 − 258 = 8421.
        // Group: 7881 + 8679 = 16560; 205 + 235 = 440; 20 + 23 = 43; 7656 + 8421 = 16077.
        ("2026-10-10", "2026-11", [8679, 235, 23, 8421], [16560, 440, 43, 16077]),
    ];
    for (applied_on, start, o2, group) in cases {
        let mut l = example();
        let before = compute(&l);
        apply_ok(&mut l, &w0001(applied_on));
        assert_eq!(l.enrollments["E0006"].start_month, ym(start), "{applied_on}");
        let bill = compute(&l);
        assert_eq!(t4(&office(&bill, "O002").totals), o2, "{applied_on}");
        assert_eq!(t4(&office(&bill, "O001").totals), [7881, 205, 20, 7656], "{applied_on}");
        assert_eq!(t4(&bill.totals), group, "{applied_on}");
        if ym(start) > l.month {
            assert_eq!(bill, before, "{applied_on}: December must not change");
        }
    }
    // The retro line of the late join is labelled with its month.
    let mut l = example();
    apply_ok(&mut l, &w0001("2026-10-10"));
    assert_eq!(
        lines(office(&compute(&l), "O002")),
        vec![
            line(RT, "E0006", "2026-11", 2455),
            line(R, "E0005", "2026-12", 3769),
            line(R, "E0006", "2026-12", 2455)
        ]
    );
}

// ───────────────────────────── §4 retroactive adjustments ─────────────────────────────

#[test]
fn retroactive_withdrawal_refunds_each_confirmed_month() {
    // (withdrawal date, E0001 lines in O001, O001 totals)
    let cases: [(&str, Vec<KindMonthAmount>, [i64; 4]); 4] = [
        // Ends 2026-09: 10 and 11 were billed 779 each → 0 − 779 twice; no December line.
        // O001 942 + 1380 + 4780 − 779 − 779 = 5544; GTL 942 − 1558 = −616, MED 6160;
        // fee trunc(−616 × 0.03 = −18.48) = −18, trunc(6160 × 0.025 = 154.0) = 154 → 136;
        // tax trunc(13.6) = 13; invoice 5544 − 149 = 5395.
        (
            "2026-09-30",
            vec![(RT, "2026-10", -779), (RT, "2026-11", -779)],
            [5544, 136, 13, 5395],
        ),
        // Ends 2026-10 (the withdrawal month stays billed): refund 11 only.
        // O001 7881 − 779 × 2 = 6323; GTL 1721 − 1558 = 163 → trunc(4.89) = 4; MED 154 → 158;
        // tax trunc(15.8) = 15; invoice 6323 − 173 = 6150.
        ("2026-10-15", vec![(RT, "2026-11", -779)], [6323, 158, 15, 6150]),
        // Ends 2026-11: nothing confirmed changes; December line gone.
        // O001 7881 − 779 = 7102; GTL 942 → trunc(28.26) = 28; MED 154 → 182; tax trunc(18.2) = 18;
        // invoice 7102 − 200 = 6902.
        ("2026-11-30", vec![], [7102, 182, 18, 6902]),
        // Ends 2026-12: December still billed, nothing changes.
        ("2026-12-10", vec![(R, "2026-12", 779)], [7881, 205, 20, 7656]),
    ];
    for (date, e0001, totals) in cases {
        let mut l = example();
        apply_ok(&mut l, &withdrawal("E0001", date, WithdrawalOption::End));
        let bill = compute(&l);
        let o1 = office(&bill, "O001");
        let mut want = vec![
            line(R, "E0002", "2026-12", 1380),
            line(R, "E0003", "2026-12", 942),
            line(R, "E0004", "2026-12", 4780),
        ];
        want.extend(e0001.iter().map(|(k, m, a)| line(*k, "E0001", m, *a)));
        want.sort();
        assert_eq!(lines(o1), want, "{date}");
        assert_eq!(t4(&o1.totals), totals, "{date}");
        assert_eq!(t4(&office(&bill, "O002").totals), [3769, 113, 11, 3645], "{date}");
    }
}

#[test]
fn retro_refund_goes_to_the_office_that_was_billed() {
    let mut l = example();
    // Late-reported transfer: 000101 belongs to O002 from 2026-10-01 (no lines for 10 and 11).
    apply_ok(&mut l, &transfer("000101", "O002", "2026-10-01"));
    apply_ok(&mut l, &withdrawal("E0001", "2026-09-30", WithdrawalOption::End));
    let bill = compute(&l);
    // The refunds of 10 and 11 go to O001, which billed them (779 each).
    assert_eq!(
        lines(office(&bill, "O001")),
        vec![
            line(RT, "E0001", "2026-10", -779),
            line(RT, "E0001", "2026-11", -779),
            line(R, "E0003", "2026-12", 942),
            line(R, "E0004", "2026-12", 4780),
        ]
    );
    // 942 + 4780 − 1558 = 4164; GTL −616 → trunc(−18.48) = −18, MED 4780 → trunc(119.5) = 119 → 101;
    // tax trunc(10.1) = 10; invoice 4164 − 111 = 4053
    assert_eq!(t4(&office(&bill, "O001").totals), [4164, 101, 10, 4053]);
    assert_eq!(
        lines(office(&bill, "O002")),
        vec![line(R, "E0002", "2026-12", 1380), line(R, "E0005", "2026-12", 3769)]
    );
    // 1380 + 3769 = 5149; fee trunc(113.07) = 113 + trunc(34.5) = 34 → 147; tax trunc(14.7) = 14;
    // invoice 5149 − 161 = 4988
    assert_eq!(t4(&office(&bill, "O002").totals), [5149, 147, 14, 4988]);
}

#[test]
fn retro_limit_refuses_older_changes_and_leaves_the_ledger_alone() {
    // (retro_limit_months, withdrawal date, accepted) — ledger month 2026-12; the first affected
    // month is the month after the withdrawal month and must be ≥ 2026-12 − limit.
    let cases = [
        (6, "2026-05-31", true),  // first affected 2026-06 = 2026-12 − 6
        (6, "2026-04-30", false), // first affected 2026-05 < 2026-06
        (1, "2026-10-31", true),  // 2026-11 = 2026-12 − 1
        (1, "2026-09-30", false), // 2026-10 < 2026-11
        (0, "2026-11-30", true),  // 2026-12: nothing retroactive
        (0, "2026-10-31", false), // 2026-11 < 2026-12
    ];
    for (limit, date, accepted) in cases {
        let mut l = example_builder().settings(|s| s.retro_limit_months = limit).build();
        let c = withdrawal("E0001", date, WithdrawalOption::End);
        if accepted {
            apply_ok(&mut l, &c);
        } else {
            let r = apply_refused(&mut l, &c, "C4001");
            assert_eq!(r.code.severity, Severity::Error);
        }
    }
    // A join reaching back beyond the limit too: applied 2026-04-10 → starts 2026-05 < 2026-06.
    let mut l = example();
    apply_refused(&mut l, &w0001("2026-04-10"), "C4001");
}

// ───────────────────────────── §2 office transfers ─────────────────────────────

#[test]
fn transfer_on_the_first_moves_that_month_later_moves_the_next() {
    let moved = |l: &Ledger| {
        let bill = compute(l);
        // O001: 942 + 4780 = 5722; fee trunc(28.26) = 28 + trunc(119.5) = 119 → 147; tax trunc(14.7) = 14;
        // invoice 5722 − 161 = 5561
        assert_eq!(t4(&office(&bill, "O001").totals), [5722, 147, 14, 5561]);
        // O002: GTL 3769 + 779 = 4548, MED 1380 → 5928; fee trunc(136.44) = 136 + trunc(34.5) = 34 → 170;
        // tax trunc(17.0) = 17; invoice 5928 − 187 = 5741
        assert_eq!(t4(&office(&bill, "O002").totals), [5928, 170, 17, 5741]);
        // Group premium is unchanged (11650); fee 147 + 170 = 317 (not 318: truncation is per office);
        // tax 14 + 17 = 31; invoice 5561 + 5741 = 11302
        assert_eq!(t4(&bill.totals), [11650, 317, 31, 11302]);
        assert!(
            bill.offices.iter().all(|o| o.lines.iter().all(|x| x.kind == R)),
            "no retro lines"
        );
    };
    // On the 1st of December: December moves.
    let mut l = example();
    apply_ok(&mut l, &transfer("000101", "O002", "2026-12-01"));
    moved(&l);

    // On the 2nd: December stays, January moves.
    let mut l = example();
    let before = compute(&l);
    apply_ok(&mut l, &transfer("000101", "O002", "2026-12-02"));
    assert_eq!(compute(&l), before);
    assert_eq!(l.members["000101"].office_in(ym("2026-12")), "O001");
    assert_eq!(l.members["000101"].office_in(ym("2027-01")), "O002");
    let mut jan = l.clone();
    jan.month = ym("2027-01");
    let jan_bill = compute(&jan);
    assert_eq!(
        lines(office(&jan_bill, "O002")),
        vec![
            line(R, "E0001", "2027-01", 779),
            line(R, "E0002", "2027-01", 1380),
            line(R, "E0005", "2027-01", 3769)
        ]
    );

    // Late-reported (dated in confirmed 2026-10): confirmed months do not move, no retro lines;
    // December is billed to the new office.
    let mut l = example();
    let billed_before = l.billed.clone();
    apply_ok(&mut l, &transfer("000101", "O002", "2026-10-01"));
    assert_eq!(l.billed, billed_before);
    assert!(l.adjusted_from.is_empty());
    moved(&l);
}

// ───────────────────────────── §2 plan changes ─────────────────────────────

#[test]
fn plan_change_mid_term_only_where_the_product_allows() {
    // GTL (mid_term_change = false): refused unless the new plan starts in April.
    let cases = [
        ("2026-11-10", Some("C4002")), // starts 2026-12: mid-term
        ("2027-03-21", Some("C4002")), // after the cutoff: starts 2027-05, not the anniversary
        ("2027-03-10", None),          // starts 2027-04: the anniversary
    ];
    for (date, refusal) in cases {
        let mut l = example();
        let c = plan_change("E0001", "E0007", "A", 20, date);
        match refusal {
            Some(code) => {
                apply_refused(&mut l, &c, code);
            }
            None => {
                let before = compute(&l);
                apply_ok(&mut l, &c);
                assert_eq!(l.enrollments["E0001"].end_month, Some(ym("2027-03")));
                assert_eq!(l.enrollments["E0007"].start_month, ym("2027-04"));
                assert_eq!(compute(&l), before, "December unchanged");
                // April 2027: insurance age 46 (2026-10-02 + 6 months = 2027-04-02, not passed) → 82
                assert_eq!(due(&l, "E0007", "2027-04"), Some(1558)); // floor(82 × 20 × 0.95) = floor(1558.0) = 1558
                assert_eq!(due(&l, "E0001", "2027-04"), None);
                assert_eq!(due(&l, "E0001", "2027-03"), Some(779)); // floor(82 × 10 × 0.95) = 779
            }
        }
    }
}

#[test]
fn mid_term_plan_change_ends_the_old_plan_the_month_before() {
    // MED (mid_term_change = true): E0002 spouse S → L. L F 15–44 = 2760: half_up(2760 × 1 × 1) = 2760.
    // (date, O001 lines other than E0001/E0003/E0004, O001 totals)
    let cases: [(&str, Vec<Line>, [i64; 4]); 2] = [
        // Starts 2026-12: E0002 ends 2026-11.
        // O001 779 + 942 + 4780 + 2760 = 9261; fee trunc(1721 × 0.03 = 51.63) = 51 +
        // trunc(7540 × 0.025 = 188.5) = 188 → 239; tax trunc(23.9) = 23; invoice 9261 − 262 = 8999
        ("2026-11-10", vec![(R, "E0007", "2026-12", 2760)], [9261, 239, 23, 8999]),
        // Starts 2026-11 (confirmed): refund S for 11 (0 − 1380), charge L for 11 (2760 − 0).
        // O001 9261 − 1380 + 2760 = 10641; MED 7540 − 1380 + 2760 = 8920 → trunc(223.0) = 223; fee 51 + 223 = 274;
        // tax trunc(27.4) = 27; invoice 10641 − 301 = 10340
        (
            "2026-10-10",
            vec![
                (R, "E0007", "2026-12", 2760),
                (RT, "E0002", "2026-11", -1380),
                (RT, "E0007", "2026-11", 2760),
            ],
            [10641, 274, 27, 10340],
        ),
    ];
    for (date, extra, totals) in cases {
        let mut l = example();
        apply_ok(&mut l, &plan_change("E0002", "E0007", "L", 1, date));
        let bill = compute(&l);
        let o1 = office(&bill, "O001");
        let mut want = vec![
            line(R, "E0001", "2026-12", 779),
            line(R, "E0003", "2026-12", 942),
            line(R, "E0004", "2026-12", 4780),
        ];
        want.extend(extra.iter().map(|(k, e, m, a)| line(*k, e, m, *a)));
        want.sort();
        assert_eq!(lines(o1), want, "{date}");
        assert_eq!(t4(&o1.totals), totals, "{date}");
    }
}

// ───────────────────────────── §4 carry-over ─────────────────────────────

#[test]
fn carry_over_once_then_individual() {
    use DeductionReason::{InsufficientPay, Leave, Retired};
    // (reason, times_carried, handling, carried onto the office bill)
    let cases = [
        (InsufficientPay, 0, UndeductedHandling::CarryOver, true),
        (InsufficientPay, 1, UndeductedHandling::CarryOver, false),
        (InsufficientPay, 2, UndeductedHandling::CarryOver, false),
        (Retired, 0, UndeductedHandling::CarryOver, false),
        (Leave, 0, UndeductedHandling::CarryOver, true),
        (Leave, 0, UndeductedHandling::Individual, false),
    ];
    for (reason, times, handling, carried) in cases {
        let l = example_builder()
            .settings(|s| s.undeducted_handling = handling)
            .carry_over("E0003", "O001", "2026-11", 942, reason, times)
            .build();
        let bill = compute(&l);
        let o1 = office(&bill, "O001");
        let what = format!("{reason:?} ×{times} {handling:?}");
        if carried {
            assert!(lines(o1).contains(&line(CO, "E0003", "2026-11", 942)), "{what}");
            assert!(
                o1.lines.iter().any(|x| x.kind == CO && x.reason == Some(reason)),
                "{what}"
            );
            // 7881 + 942 = 8823; GTL 1721 + 942 = 2663 → trunc(79.89) = 79, MED 154 → 233;
            // tax trunc(23.3) = 23; invoice 8823 − 256 = 8567
            assert_eq!(t4(&o1.totals), [8823, 233, 23, 8567], "{what}");
            assert!(bill.individual_bills.is_empty(), "{what}");
        } else {
            assert_eq!(t4(&o1.totals), [7881, 205, 20, 7656], "{what}");
            assert_eq!(bill.individual_bills.len(), 1, "{what}");
            let ib = &bill.individual_bills[0];
            assert_eq!((ib.employee_no.as_str(), ib.amount), ("000102", yen(942)), "{what}");
            assert_eq!(ib.due_date, d("2027-01-29"), "{what}");
            assert_eq!(ib.items.len(), 1);
            assert_eq!(ib.items[0].kind, IndividualKind::Undeducted);
            assert_eq!(ib.items[0].months, (ym("2026-11"), ym("2026-11")));
            assert!(finding_codes(&bill).contains(&"B2003"), "{what}");
        }
    }
}

#[test]
fn carry_over_goes_to_the_members_current_office() {
    let mut l = example_builder()
        .carry_over("E0003", "O001", "2026-11", 942, DeductionReason::InsufficientPay, 0)
        .build();
    apply_ok(&mut l, &transfer("000102", "O002", "2026-12-01"));
    let bill = compute(&l);
    assert_eq!(
        lines(office(&bill, "O002")),
        vec![
            line(CO, "E0003", "2026-11", 942),
            line(R, "E0003", "2026-12", 942),
            line(R, "E0004", "2026-12", 4780),
            line(R, "E0005", "2026-12", 3769),
        ]
    );
    // 942 + 942 + 4780 + 3769 = 10433; GTL 5653 → trunc(169.59) = 169, MED 4780 → trunc(119.5) = 119 → 288;
    // tax trunc(28.8) = 28; invoice 10433 − 316 = 10117
    assert_eq!(t4(&office(&bill, "O002").totals), [10433, 288, 28, 10117]);
    // O001: 779 + 1380 = 2159; fee trunc(23.37) = 23 + trunc(34.5) = 34 → 57; tax trunc(5.7) = 5; 2159 − 62 = 2097
    assert_eq!(t4(&office(&bill, "O001").totals), [2159, 57, 5, 2097]);
}

// ───────────────────────────── §4 fees ─────────────────────────────

#[test]
fn collection_fee_truncates_per_product() {
    let l = example();
    let cases: [(&[(&str, i64)], i64); 6] = [
        (&[("GTL", 1721), ("MED", 6160)], 205), // trunc(51.63) + trunc(154.0) = 51 + 154 = 205
        // trunc(52.65) + trunc(34.75) = 52 + 34 = 86 (trunc of the sum 87.40 would be 87)
        (&[("GTL", 1755), ("MED", 1390)], 86),
        (&[("GTL", -616), ("MED", 6160)], 136), // trunc(−18.48) = −18 (toward zero) + 154 = 136
        (&[("GTL", -779)], -23),                // trunc(−23.37) = −23
        (&[("GTL", 33)], 0),                    // trunc(0.99) = 0
        (&[], 0),
    ];
    for (by, want) in cases {
        let map: BTreeMap<String, Yen> = by.iter().map(|(p, a)| (p.to_string(), yen(*a))).collect();
        assert_eq!(collection_fee(&l, &map), yen(want), "{by:?}");
    }
}

#[test]
fn invoice_amount_offset_vs_separate_and_fee_tax_truncation() {
    // (settlement, by product, [premium_total, fee, fee_tax, invoice_amount])
    let cases: [(FeeSettlement, &[ProductAmount], [i64; 4]); 6] = [
        // fee 205, tax trunc(20.5) = 20, invoice 7881 − 225 = 7656
        (
            FeeSettlement::Offset,
            &[("GTL", 1721), ("MED", 6160)],
            [7881, 205, 20, 7656],
        ),
        // same fee and tax, shown as a note; invoice = premium_total 7881
        (
            FeeSettlement::Separate,
            &[("GTL", 1721), ("MED", 6160)],
            [7881, 205, 20, 7881],
        ),
        // fee trunc(3300 × 0.03 = 99.0) = 99; tax trunc(9.9) = 9; invoice 3300 − 108 = 3192
        (FeeSettlement::Offset, &[("GTL", 3300)], [3300, 99, 9, 3192]),
        (FeeSettlement::Separate, &[("GTL", 3300)], [3300, 99, 9, 3300]),
        // fee trunc(−23.37) = −23; tax trunc(−2.3) = −2; invoice −779 − (−25) = −754
        (FeeSettlement::Offset, &[("GTL", -779)], [-779, -23, -2, -754]),
        // fee trunc(300 × 0.03 = 9.0) = 9; tax trunc(0.9) = 0; invoice 300 − 9 = 291
        (FeeSettlement::Offset, &[("GTL", 300)], [300, 9, 0, 291]),
    ];
    for (settlement, by, want) in cases {
        let l = example_builder().settings(|s| s.fee_settlement = settlement).build();
        let map: BTreeMap<String, Yen> = by.iter().map(|(p, a)| (p.to_string(), yen(*a))).collect();
        assert_eq!(t4(&office_totals(&l, &map)), want, "{settlement:?} {by:?}");
    }
    // The whole example under `separate`: invoices are the premium totals.
    let bill = compute(
        &example_builder()
            .settings(|s| s.fee_settlement = FeeSettlement::Separate)
            .build(),
    );
    assert_eq!(t4(&office(&bill, "O001").totals), [7881, 205, 20, 7881]);
    assert_eq!(t4(&office(&bill, "O002").totals), [3769, 113, 11, 3769]);
    assert_eq!(t4(&bill.totals), [11650, 318, 31, 11650]);
}

#[test]
fn office_fee_is_a_sum_of_truncations_on_a_real_bill() {
    // Without E0004: O001 GTL 779 + 942 = 1721, MED 1380.
    let bill = compute(&example_builder().ended("E0004", "2026-11").build());
    // 1721 + 1380 = 3101; fee trunc(51.63) = 51 + trunc(34.5) = 34 → 85 (trunc(86.13) would be 86);
    // tax trunc(8.5) = 8; invoice 3101 − 93 = 3008
    assert_eq!(t4(&office(&bill, "O001").totals), [3101, 85, 8, 3008]);
}

// ───────────────────────────── §6 withdrawers ─────────────────────────────

#[test]
fn lump_sum_withdrawal_bills_the_rest_of_the_policy_year_to_the_person() {
    let mut l = example();
    apply_ok(&mut l, &withdrawal("E0005", "2026-12-10", WithdrawalOption::LumpSum));
    let bill = compute(&l);
    // The withdrawal month stays on the office bill.
    assert_eq!(lines(office(&bill, "O002")), vec![line(R, "E0005", "2026-12", 3769)]);
    assert_eq!(t4(&office(&bill, "O002").totals), [3769, 113, 11, 3645]);
    assert_eq!(bill.individual_bills.len(), 1);
    let ib = &bill.individual_bills[0];
    assert_eq!(ib.employee_no, "000201");
    // 2027-01..2027-03 (anniversary April): 3 × 3769 = 11307
    assert_eq!(ib.amount, yen(11307));
    assert_eq!(ib.items.len(), 1);
    assert_eq!(ib.items[0].kind, IndividualKind::LumpSum);
    assert_eq!(ib.items[0].months, (ym("2027-01"), ym("2027-03")));
    // End of the month after the withdrawal month: 2027-01-31 is a Sunday → Friday 2027-01-29.
    assert_eq!(ib.due_date, d("2027-01-29"));
    assert_eq!(l.enrollments["E0005"].end_month, Some(ym("2027-03")));
}

#[test]
fn lump_sum_retirement_puts_every_enrollment_on_one_individual_bill() {
    let mut l = example();
    apply_ok(
        &mut l,
        &Change::Retirement {
            employee_no: "000101".into(),
            date: d("2026-12-15"),
            option: WithdrawalOption::LumpSum,
        },
    );
    let bill = compute(&l);
    assert_eq!(t4(&office(&bill, "O001").totals), [7881, 205, 20, 7656]);
    assert_eq!(bill.individual_bills.len(), 1);
    let ib = &bill.individual_bills[0];
    let mut items: Vec<_> = ib
        .items
        .iter()
        .map(|i| (i.enrollment.as_str(), i.amount.to_i64()))
        .collect();
    items.sort();
    // E0001 3 × 779 = 2337; E0002 3 × 1380 = 4140
    assert_eq!(items, vec![("E0001", 2337), ("E0002", 4140)]);
    assert_eq!(ib.amount, yen(6477)); // 2337 + 4140 = 6477
    assert_eq!(ib.due_date, d("2027-01-29"));
}

#[test]
fn lump_sum_and_outstanding_undeducted_amounts_share_one_invoice() {
    // 000201 retires at the end of December with a lump sum; November's 3769 was not deducted
    // and was already carried once → billed to the person too.
    let mut l = example_builder()
        .carry_over("E0005", "O002", "2026-11", 3769, DeductionReason::InsufficientPay, 1)
        .build();
    apply_ok(
        &mut l,
        &Change::Retirement {
            employee_no: "000201".into(),
            date: d("2026-12-31"),
            option: WithdrawalOption::LumpSum,
        },
    );
    let bill = compute(&l);
    assert_eq!(bill.individual_bills.len(), 1);
    let ib = &bill.individual_bills[0];
    let mut items: Vec<_> = ib.items.iter().map(|i| (i.kind.code(), i.amount.to_i64())).collect();
    items.sort();
    // lump sum 3 × 3769 = 11307 (2027-01..03); undeducted 3769 (2026-11)
    assert_eq!(items, vec![("lump_sum", 11307), ("undeducted", 3769)]);
    assert_eq!(ib.amount, yen(15076)); // 11307 + 3769 = 15076
    assert_eq!(ib.due_date, d("2027-01-29"));
    // December itself stays on O002: 3769.
    assert_eq!(t4(&office(&bill, "O002").totals), [3769, 113, 11, 3645]);
}

#[test]
fn a_lump_sum_withdrawer_s_first_carry_over_goes_on_the_individual_invoice_not_the_office_bill() {
    // November's 3769 was not deducted (給与不足) and never carried: for anyone else it would be
    // carried to O002 once. 000201 settles by lump sum this month, so it joins the lump sum.
    let mut l = example_builder()
        .carry_over("E0005", "O002", "2026-11", 3769, DeductionReason::InsufficientPay, 0)
        .build();
    apply_ok(&mut l, &withdrawal("E0005", "2026-12-10", WithdrawalOption::LumpSum));
    let bill = compute(&l);
    // O002: only December's regular line, 3769; no carry-over line.
    assert_eq!(lines(office(&bill, "O002")), vec![line(R, "E0005", "2026-12", 3769)]);
    assert_eq!(t4(&office(&bill, "O002").totals), [3769, 113, 11, 3645]);
    let ib = &bill.individual_bills[0];
    let mut items: Vec<_> = ib.items.iter().map(|i| (i.kind.code(), i.amount.to_i64())).collect();
    items.sort();
    // lump sum 3 × 3769 = 11307 (2027-01..03) + undeducted 3769 = 15076
    assert_eq!(items, vec![("lump_sum", 11307), ("undeducted", 3769)]);
    assert_eq!(ib.amount, yen(15076));
}

#[test]
fn a_switch_to_bank_transfer_leaves_a_lump_sum_billed_earlier_alone() {
    // 000101 withdrew E0001 (GTL) in October with a lump sum, billed then (to 2027-03), and
    // withdraws E0002 (MED) in December: the switch to bank transfer continues only E0002.
    let mut l = example();
    let e1 = l.enrollments.get_mut("E0001").unwrap();
    e1.withdrawal = Some(Withdrawal {
        month: ym("2026-10"),
        option: WithdrawalOption::LumpSum,
    });
    e1.end_month = Some(ym("2027-03"));
    apply_ok(&mut l, &withdrawal("E0002", "2026-12-10", WithdrawalOption::End));
    let account = BankAccount {
        bank_code: "0001".into(),
        branch_code: "001".into(),
        account_type: AccountType::Ordinary,
        account_no: "2222222".into(),
        holder_kana: "ﾔﾏﾀﾞ ﾀﾛｳ".into(),
    };
    apply_ok(
        &mut l,
        &Change::BankTransferSwitch {
            employee_no: "000101".into(),
            account,
        },
    );
    let e1 = &l.enrollments["E0001"];
    assert_eq!(
        (e1.withdrawal.map(|w| w.option), e1.end_month),
        (Some(WithdrawalOption::LumpSum), Some(ym("2027-03")))
    );
    assert_eq!(
        l.enrollments["E0002"].withdrawal.map(|w| w.option),
        Some(WithdrawalOption::BankTransfer)
    );
    // January: E0002's 1380 is debited; E0001 (paid by the lump sum) neither billed nor debited.
    l.month = ym("2027-01");
    let bill = compute(&l);
    let at: Vec<_> = bill
        .account_transfers
        .iter()
        .map(|a| (a.enrollment.as_str(), a.month, a.amount.to_i64()))
        .collect();
    assert_eq!(at, vec![("E0002", ym("2027-01"), 1380)]);
    assert!(!office(&bill, "O001").lines.iter().any(|x| x.enrollment == "E0001"));
}

#[test]
fn lump_sum_withdrawal_in_the_last_month_of_the_policy_year_leaves_nothing() {
    let mut l = example();
    l.month = ym("2027-03");
    apply_ok(&mut l, &withdrawal("E0005", "2027-03-10", WithdrawalOption::LumpSum));
    let bill = compute(&l);
    assert!(bill.individual_bills.is_empty());
    // March still on the office bill: basis 2026-04-01, insurance age 64 → floor(3769.6) = 3769
    assert_eq!(lines(office(&bill, "O002")), vec![line(R, "E0005", "2027-03", 3769)]);
}

#[test]
fn bank_transfer_withdrawer_leaves_the_office_bill_after_the_withdrawal_month() {
    // Withdrawal in 2026-11: December is debited from the bank account.
    let mut l = example();
    apply_ok(
        &mut l,
        &withdrawal("E0005", "2026-11-15", WithdrawalOption::BankTransfer),
    );
    let bill = compute(&l);
    assert!(office(&bill, "O002").lines.is_empty());
    assert_eq!(t4(&office(&bill, "O002").totals), [0, 0, 0, 0]);
    let at: Vec<_> = bill
        .account_transfers
        .iter()
        .map(|a| (a.enrollment.as_str(), a.month, a.amount.to_i64()))
        .collect();
    assert_eq!(at, vec![("E0005", ym("2026-12"), 3769)]);
    assert!(finding_codes(&bill).contains(&"B2004"), "no bank account yet");
    let account = BankAccount {
        bank_code: "0001".into(),
        branch_code: "001".into(),
        account_type: AccountType::Ordinary,
        account_no: "1111111".into(),
        holder_kana: "ｻﾄｳ ｲﾁﾛｳ".into(),
    };
    apply_ok(
        &mut l,
        &Change::BankTransferSwitch {
            employee_no: "000201".into(),
            account,
        },
    );
    assert!(!finding_codes(&compute(&l)).contains(&"B2004"));

    // Withdrawal in 2026-10 reported late: 11 refunded on O002, 11 and 12 debited.
    let mut l = example();
    apply_ok(
        &mut l,
        &withdrawal("E0005", "2026-10-15", WithdrawalOption::BankTransfer),
    );
    let bill = compute(&l);
    assert_eq!(lines(office(&bill, "O002")), vec![line(RT, "E0005", "2026-11", -3769)]);
    // fee trunc(−113.07) = −113; tax trunc(−11.3) = −11; invoice −3769 − (−124) = −3645
    assert_eq!(t4(&office(&bill, "O002").totals), [-3769, -113, -11, -3645]);
    let at: Vec<_> = bill
        .account_transfers
        .iter()
        .map(|a| (a.month, a.amount.to_i64()))
        .collect();
    assert_eq!(at, vec![(ym("2026-11"), 3769), (ym("2026-12"), 3769)]);

    // Withdrawal in 2026-12: December on the office bill; January debited.
    let mut l = example();
    apply_ok(
        &mut l,
        &withdrawal("E0005", "2026-12-10", WithdrawalOption::BankTransfer),
    );
    let bill = compute(&l);
    assert_eq!(lines(office(&bill, "O002")), vec![line(R, "E0005", "2026-12", 3769)]);
    assert!(bill.account_transfers.is_empty());
    l.month = ym("2027-01");
    let bill = compute(&l);
    assert!(office(&bill, "O002").lines.is_empty());
    let at: Vec<_> = bill
        .account_transfers
        .iter()
        .map(|a| (a.month, a.amount.to_i64()))
        .collect();
    assert_eq!(at, vec![(ym("2027-01"), 3769)]);
}

// ───────────────────────────── §3.4 eligibility, §3.2 rate gaps, §8 headcount ─────────────────────────────

#[test]
fn eligibility_age_ends_the_enrollment_at_the_anniversary() {
    let l = LedgerBuilder::new("2026-12")
        .office("O001")
        .product(gtl())
        .product(med())
        .member("000301", "1961-03-01", Gender::Male, "O001")
        .member("000302", "1956-10-02", Gender::Male, "O001")
        .member("000303", "1956-09-30", Gender::Male, "O001")
        .enroll("E1", "000301", "self", "MED", "S", 1, "2020-04")
        .enroll("E2", "000302", "self", "GTL", "A", 10, "2020-04")
        .enroll("E3", "000303", "self", "GTL", "A", 10, "2020-04")
        .build();
    // (month, enrollment, premium or None when past max_age)
    let cases = [
        // MED completed years at 2026-04-01: 65 ≤ 65 → S M 45–65 2455: half_up(2455 × 1) = 2455
        ("2026-12", "E1", Some(2455)),
        ("2027-03", "E1", Some(2455)), // same policy year, same basis date
        ("2027-04", "E1", None),       // 66 at 2027-04-01 > 65
        // GTL insurance age at 2027-04-01: completed 70; 2026-10-02 + 6 months = 2027-04-02 not passed → 70
        ("2027-04", "E2", Some(1884)), // floor(198.4 × 10 × 0.95) = floor(1884.8) = 1884
        ("2028-04", "E2", None),       // 71
        // At 2026-04-01: completed 69; 2025-09-30 + 6 months = 2026-03-30 passed → 70
        ("2026-12", "E3", Some(1884)),
        // At 2027-04-01: completed 70; 2026-09-30 + 6 months = 2027-03-30 passed → 71 > 70
        ("2027-04", "E3", None),
    ];
    for (month, id, want) in cases {
        let mut l = l.clone();
        l.month = ym(month);
        assert_eq!(due(&l, id, month), want, "{id} {month}");
        let bill = compute(&l);
        let line = office(&bill, "O001")
            .lines
            .iter()
            .find(|x| x.enrollment == id)
            .map(|x| x.amount.to_i64());
        assert_eq!(line, want, "{id} {month}: never a 0 line");
        let b2001 = bill
            .findings
            .iter()
            .any(|f| f.code.code == "B2001" && f.enrollment.as_deref() == Some(id));
        assert_eq!(b2001, want.is_none(), "{id} {month}: the clerk is told");
        assert!(!bill.has_errors(), "{id} {month}: {:?}", bill.findings);
    }
    // A year later the message still names the month the enrollment really ended: E1 (MED) was
    // past 65 at 2027-04-01, so it ended with 2027-03, also when billing 2028-05.
    let mut later = l.clone();
    later.month = ym("2028-05");
    let bill = compute(&later);
    let f = bill
        .findings
        .iter()
        .find(|f| f.code.code == "B2001" && f.enrollment.as_deref() == Some("E1"))
        .unwrap();
    assert!(f.message.contains("2027-03で終了"), "{}", f.message);
}

#[test]
fn rate_table_gap_is_an_error_never_a_zero_line() {
    let mut p = gtl();
    p.rates.retain(|r| r.min_age != 40); // no row for ages 40–49
    let l = LedgerBuilder::new("2026-12")
        .office("O001")
        .product(p)
        .member("000101", "1980-10-02", Gender::Male, "O001") // insurance age 45
        .member("000401", "1995-06-01", Gender::Female, "O001") // 30 + (2025-06-01 + 6 months = 2025-12-01 passed) = 31
        .enroll("E1", "000101", "self", "GTL", "A", 10, "2020-04")
        .enroll("E2", "000401", "self", "GTL", "A", 10, "2020-04")
        .build();
    let bill = compute(&l);
    assert!(bill.has_errors());
    let f = bill.findings.iter().find(|f| f.code.code == "B1001").expect("B1001");
    assert_eq!(f.enrollment.as_deref(), Some("E1"));
    assert_eq!(f.severity(), Severity::Error);
    let o1 = office(&bill, "O001");
    assert_eq!(lines(o1), vec![line(R, "E2", "2026-12", 356)]); // floor(37.5 × 10 × 0.95) = floor(356.25) = 356
                                                                // fee trunc(10.68) = 10; tax trunc(1.0) = 1; invoice 356 − 11 = 345
    assert_eq!(t4(&o1.totals), [356, 10, 1, 345]);
}

#[test]
fn minimum_headcount_warning() {
    // (GTL min, MED min, join W0001, expected B2002 count). Enrolled members: GTL 000101, 000102,
    // 000201 (3); MED 000101 (for the spouse) and 000102 (2), 3 with W0001.
    let cases = [
        (10, 10, false, 2),
        (3, 3, false, 1),
        (3, 2, false, 0),
        (4, 2, false, 1),
        (3, 3, true, 0),
    ];
    for (gtl_min, med_min, join, want) in cases {
        let mut g = gtl();
        g.min_members = gtl_min;
        let mut m = med();
        m.min_members = med_min;
        let mut l = example_builder().product(g).product(m).build();
        if join {
            apply_ok(&mut l, &w0001("2026-11-18"));
        }
        let bill = compute(&l);
        let warnings: Vec<_> = bill.findings.iter().filter(|f| f.code.code == "B2002").collect();
        assert_eq!(warnings.len(), want, "{gtl_min} {med_min} {join}");
        assert!(warnings.iter().all(|f| f.severity() == Severity::Warning));
        assert!(!bill.has_errors());
    }
}

#[test]
fn headcount_leaves_out_enrollments_ended_by_the_age_limit() {
    let mut m = med();
    m.min_members = 2;
    let l = LedgerBuilder::new("2027-03")
        .office("O001")
        .product(m)
        .member("000301", "1961-03-01", Gender::Male, "O001") // completed years 65 at 2026-04-01, 66 at 2027-04-01
        .member("000501", "1990-01-01", Gender::Female, "O001")
        .enroll("E1", "000301", "self", "MED", "S", 1, "2020-04")
        .enroll("E2", "000501", "self", "MED", "S", 1, "2020-04")
        .build();
    // (month, B2002 expected): 2 enrolled in March; in April E1 has ended (§3.4), 1 < 2.
    for (month, warned) in [("2027-03", false), ("2027-04", true)] {
        let mut l = l.clone();
        l.month = ym(month);
        let bill = compute(&l);
        assert_eq!(
            finding_codes(&bill).contains(&"B2002"),
            warned,
            "{month}: {:?}",
            bill.findings
        );
    }
}

// ───────────────────────────── §5.4 deductions ─────────────────────────────

fn reported(
    row: usize,
    employee_no: &str,
    office: Option<&str>,
    amount: i64,
    reason: Option<DeductionReason>,
) -> Reported {
    Reported {
        row,
        employee_no: employee_no.into(),
        office: office.map(str::to_string),
        amount: yen(amount),
        reason,
    }
}

fn problem_codes(r: Result<deduction::Outcome, Vec<deduction::Problem>>) -> Vec<&'static str> {
    match r {
        Ok(_) => panic!("expected problems"),
        Err(p) => p.iter().map(|p| p.code.code).collect(),
    }
}

#[test]
fn deduction_full_and_exceptions_modes() {
    let l = example();
    let bill = compute(&l);
    // Full, everyone in full: 000101 779 + 1380 = 2159; 000102 942 + 4780 = 5722; 000201 3769.
    let all = [
        reported(1, "000101", None, 2159, None),
        reported(2, "000102", None, 5722, None),
        reported(3, "000201", None, 3769, None),
    ];
    let out = deduction::apply(&l, &bill, &all, Mode::Full).expect("full");
    assert!(out.undeducted.is_empty());
    assert_eq!(out.offices["O001"].payable, yen(7656)); // = invoice_amount
    assert_eq!(out.offices["O002"].payable, yen(3645));
    assert_eq!(out.totals.payable, yen(11301)); // 7656 + 3645
                                                // Full mode with a member missing: D5004.
    assert_eq!(
        problem_codes(deduction::apply(&l, &bill, &all[..2], Mode::Full)),
        vec!["D5004"]
    );
    // Exceptions mode: the absent are deducted in full.
    let out = deduction::apply(&l, &bill, &[], Mode::Exceptions).expect("exceptions");
    assert!(out.undeducted.is_empty());
    assert_eq!(out.totals.payable, yen(11301));
    // Above what was billed: D5001.
    let over = [reported(1, "000101", None, 3000, None)];
    assert_eq!(
        problem_codes(deduction::apply(&l, &bill, &over, Mode::Exceptions)),
        vec!["D5001"]
    );
}

#[test]
fn partial_deduction_recomputes_the_office_fee_on_what_was_collected() {
    // (settlement, payable of O001)
    let cases = [
        // Σ collected 7159 − (186 + 18) = 6955
        (FeeSettlement::Offset, 6955),
        // Σ collected = 7159
        (FeeSettlement::Separate, 7159),
    ];
    for (settlement, payable) in cases {
        let l = example_builder().settings(|s| s.fee_settlement = settlement).build();
        let bill = compute(&l);
        let r = [reported(
            1,
            "000102",
            None,
            5000,
            Some(DeductionReason::InsufficientPay),
        )];
        let out = deduction::apply(&l, &bill, &r, Mode::Exceptions).expect("ok");
        // 000102: GTL E0003 942 then MED E0004 4780. 5000 covers 942, then 4058 of 4780 → 722 undeducted.
        assert_eq!(out.undeducted.len(), 1);
        let u = &out.undeducted[0];
        assert_eq!(
            (u.enrollment.as_str(), u.amount, u.handling),
            ("E0004", yen(722), Handling::CarryOver)
        );
        let m = out.members.iter().find(|m| m.employee_no == "000102").expect("member");
        assert_eq!((m.billed, m.deducted, m.undeducted), (yen(5722), yen(5000), yen(722))); // 5722 − 5000 = 722
        assert_eq!(m.reason, Some(DeductionReason::InsufficientPay));
        let c = &out.offices["O001"];
        // collected GTL 1721, MED 6160 − 722 = 5438; Σ 7159
        assert_eq!(c.collected_by_product["GTL"], yen(1721));
        assert_eq!(c.collected_by_product["MED"], yen(5438));
        assert_eq!(c.undeducted, yen(722)); // 7881 − 7159
                                            // trunc(1721 × 0.03 = 51.63) = 51 + trunc(5438 × 0.025 = 135.95) = 135 → 186
        assert_eq!(c.collected_fee, yen(186));
        assert_eq!(c.collected_fee_tax, yen(18)); // trunc(18.6) = 18
        assert_eq!(c.payable, yen(payable), "{settlement:?}");
        // The invoiced fee stays: 205 / 20.
        assert_eq!(t4(&office(&bill, "O001").totals)[1..3], [205, 20]);
        assert_eq!(out.totals.undeducted, yen(722));
    }
}

#[test]
fn refunds_are_always_settled_and_add_to_what_is_available() {
    let mut l = example();
    apply_ok(&mut l, &withdrawal("E0001", "2026-09-30", WithdrawalOption::End));
    let bill = compute(&l);
    // 000101 in O001: retro −779 (10), −779 (11), regular E0002 1380 → billed −178.
    // (deducted, E0002 undeducted or problem)
    let cases: [(i64, Result<i64, &str>); 5] = [
        (-178, Ok(0)),         // available −178 + 1558 = 1380 covers 1380
        (-1000, Ok(822)),      // available −1000 + 1558 = 558 → 1380 − 558 = 822 (= −178 − (−1000))
        (-1558, Ok(1380)),     // available 0 → all of 1380
        (-1600, Err("D5007")), // below the refunds −1558
        (0, Err("D5001")),     // 0 > billed −178
    ];
    for (amount, want) in cases {
        let r = [reported(1, "000101", None, amount, Some(DeductionReason::Leave))];
        match (deduction::apply(&l, &bill, &r, Mode::Exceptions), want) {
            (Ok(out), Ok(undeducted)) => {
                let total: i64 = out.undeducted.iter().map(|u| u.amount.to_i64()).sum();
                assert_eq!(total, undeducted, "{amount}");
                assert!(
                    out.undeducted.iter().all(|u| u.enrollment == "E0002"),
                    "{amount}: refunds settled"
                );
            }
            (Err(p), Err(code)) => assert_eq!(
                p.iter().map(|p| p.code.code).collect::<Vec<_>>(),
                vec![code],
                "{amount}"
            ),
            (got, _) => panic!("{amount}: unexpected {:?}", got.map(|o| o.undeducted)),
        }
    }
    // The −1000 case per office: GTL 942 − 779 − 779 = −616, MED 1380 + 4780 = 6160 − 822 = 5338.
    let r = [reported(1, "000101", None, -1000, Some(DeductionReason::Leave))];
    let out = deduction::apply(&l, &bill, &r, Mode::Exceptions).expect("ok");
    let c = &out.offices["O001"];
    assert_eq!(c.collected_by_product["GTL"], yen(-616));
    assert_eq!(c.collected_by_product["MED"], yen(5338));
    assert_eq!(c.undeducted, yen(822)); // 5544 − (−616 + 5338 = 4722)
                                        // trunc(−18.48) = −18 + trunc(5338 × 0.025 = 133.45) = 133 → 115; tax trunc(11.5) = 11
    assert_eq!((c.collected_fee, c.collected_fee_tax), (yen(115), yen(11)));
    assert_eq!(c.payable, yen(4596)); // 4722 − 126
}

#[test]
fn member_with_lines_in_two_offices_needs_the_office_column() {
    let mut l = example();
    apply_ok(&mut l, &transfer("000101", "O002", "2026-10-01"));
    apply_ok(&mut l, &withdrawal("E0001", "2026-09-30", WithdrawalOption::End));
    let bill = compute(&l);
    // 000101: O001 refunds −779 × 2 = −1558; O002 E0002 1380.
    let r = [reported(1, "000101", None, 1380, None)];
    assert_eq!(
        problem_codes(deduction::apply(&l, &bill, &r, Mode::Exceptions)),
        vec!["D5003"]
    );
    let r = [reported(
        1,
        "000101",
        Some("O002"),
        1000,
        Some(DeductionReason::InsufficientPay),
    )];
    let out = deduction::apply(&l, &bill, &r, Mode::Exceptions).expect("ok");
    // O002: 1380 − 1000 = 380 undeducted; O001 refunds settled in full.
    assert_eq!(out.offices["O002"].undeducted, yen(380));
    assert_eq!(out.offices["O001"].undeducted, yen(0));
    let r = [reported(1, "000101", Some("O009"), 0, None)];
    assert_eq!(
        problem_codes(deduction::apply(&l, &bill, &r, Mode::Exceptions)),
        vec!["D5002"]
    );
}

#[test]
fn undeducted_handling_per_line() {
    use DeductionReason::{InsufficientPay, Retired};
    let cases = [
        // (group handling, reason, handling of the regular and retro parts; a carry-over part is always individual)
        (UndeductedHandling::CarryOver, InsufficientPay, Handling::CarryOver),
        (UndeductedHandling::CarryOver, Retired, Handling::Individual),
        (UndeductedHandling::Individual, InsufficientPay, Handling::Individual),
    ];
    for (group, reason, regular) in cases {
        let l = example_builder()
            .settings(|s| s.undeducted_handling = group)
            .carry_over("E0003", "O001", "2026-11", 500, InsufficientPay, 0)
            .build();
        let bill = compute(&l);
        // Nothing deducted from 000102's lines.
        let r = [reported(1, "000102", None, 0, Some(reason))];
        let out = deduction::apply(&l, &bill, &r, Mode::Exceptions).expect("ok");
        for u in &out.undeducted {
            let want = if u.kind == CO { Handling::Individual } else { regular };
            assert_eq!(u.handling, want, "{group:?} {reason:?} {:?}", u.kind);
            assert_eq!(u.reason, reason);
        }
        // carry-over 500 (only if carried) + 942 + 4780
        let total: i64 = out.undeducted.iter().map(|u| u.amount.to_i64()).sum();
        let carried = group == UndeductedHandling::CarryOver;
        assert_eq!(total, if carried { 6222 } else { 5722 }, "{group:?}"); // 500 + 942 + 4780 = 6222
    }
    // No reason given: "その他" with a D5006 warning.
    let l = example();
    let bill = compute(&l);
    let out = deduction::apply(&l, &bill, &[reported(1, "000102", None, 0, None)], Mode::Exceptions).expect("ok");
    assert!(out.undeducted.iter().all(|u| u.reason == DeductionReason::Other));
    assert_eq!(
        out.findings.iter().map(|f| f.code.code).collect::<Vec<_>>(),
        vec!["D5006"]
    );
}

fn bl(kind: LineKind, product: &str, enrollment: &str, month: &str, amount: i64) -> BillLine {
    BillLine {
        kind,
        enrollment: enrollment.into(),
        employee_no: "000102".into(),
        product: product.into(),
        month: ym(month),
        amount: yen(amount),
        reason: None,
    }
}

#[test]
fn allocate_covers_carry_over_then_retro_oldest_first_then_regular() {
    // Deliberately out of order.
    let ls = [
        bl(R, "MED", "E0004", "2026-12", 4780),  // 0
        bl(R, "GTL", "E0003", "2026-12", 942),   // 1
        bl(RT, "GTL", "E0003", "2026-11", 942),  // 2
        bl(RT, "GTL", "E0003", "2026-10", 942),  // 3
        bl(CO, "MED", "E0004", "2026-11", 500),  // 4
        bl(RT, "MED", "E0002", "2026-10", -300), // 5: refund
    ];
    let refs: Vec<&BillLine> = ls.iter().collect();
    // billed = 4780 + 942 + 942 + 942 + 500 − 300 = 7806. Order: 4, 3, 2, 1, 0.
    let cases: [(i64, [i64; 6]); 6] = [
        // available 0 + 300 = 300: CO 500 gets 300 → 200 left; everything else uncovered
        (0, [4780, 942, 942, 942, 200, 0]),
        // available 1800: CO 500 (1300), retro 10 942 (358), retro 11 358 of 942 → 584
        (1500, [4780, 942, 584, 0, 0, 0]),
        // available 3300: 500, 942, 942 (916 left), GTL regular 916 of 942 → 26
        (3000, [4780, 26, 0, 0, 0, 0]),
        // available 4300: 500 + 942 × 3 = 3326 → 974 left for MED regular → 4780 − 974 = 3806
        (4000, [3806, 0, 0, 0, 0, 0]),
        (7806, [0, 0, 0, 0, 0, 0]),
        // available −300 + 300 = 0: nothing covered
        (-300, [4780, 942, 942, 942, 500, 0]),
    ];
    for (amount, want) in cases {
        let got: Vec<i64> = allocate(&refs, yen(amount)).iter().map(|y| y.to_i64()).collect();
        assert_eq!(got, want, "{amount}");
        let sum: i64 = want.iter().sum();
        assert_eq!(sum, 7806 - amount, "{amount}: uncovered = billed − deducted");
    }
}

#[test]
fn allocate_within_a_kind_goes_by_product_then_enrollment() {
    let cases: [(Vec<BillLine>, i64, Vec<i64>); 4] = [
        // Regular: GTL before MED whatever the enrollment ids; 1000 covers GTL E0009 (600) then 400 of MED.
        (
            vec![
                bl(R, "MED", "E0001", "2026-12", 700),
                bl(R, "GTL", "E0009", "2026-12", 600),
            ],
            1000,
            vec![300, 0],
        ),
        // Same product: E0003 before E0010.
        (
            vec![
                bl(R, "GTL", "E0010", "2026-12", 500),
                bl(R, "GTL", "E0003", "2026-12", 500),
            ],
            500,
            vec![500, 0],
        ),
        // Carry-over: by product, then enrollment — not by month of origin (only retro goes oldest first).
        (
            vec![
                bl(CO, "MED", "E0004", "2026-09", 700),
                bl(CO, "GTL", "E0003", "2026-11", 600),
            ],
            600,
            vec![700, 0],
        ),
        // Retro: oldest month first, then product.
        (
            vec![
                bl(RT, "GTL", "E0003", "2026-11", 600),
                bl(RT, "MED", "E0004", "2026-10", 700),
            ],
            700,
            vec![600, 0],
        ),
    ];
    for (ls, amount, want) in cases {
        let refs: Vec<&BillLine> = ls.iter().collect();
        let got: Vec<i64> = allocate(&refs, yen(amount)).iter().map(|y| y.to_i64()).collect();
        assert_eq!(got, want, "{ls:?}");
    }
}

#[test]
fn due_date_moves_back_to_a_bank_business_day() {
    let cases = [
        ("2026-12", "2027-01-29"), // 2027-01-31 Sunday → Friday 29th
        ("2026-11", "2026-12-30"), // 2026-12-31 is a bank holiday → Wednesday 30th
        ("2027-01", "2027-02-26"), // 2027-02-28 Sunday → Friday 26th
        ("2026-08", "2026-09-30"), // Wednesday
    ];
    for (month, want) in cases {
        assert_eq!(bill::due_date_after(ym(month)), d(want), "{month}");
    }
}
