//! Shared test helpers: a small ledger builder and the worked example of
//! `spec/WORKED-EXAMPLE.md` (`bill-package.example.json`) built in code.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use infoone_domain::age::AgeMethod;
use infoone_domain::bill::{Bill, BillLine, LineKind, OfficeBill, Totals};
use infoone_domain::change::{self, Change, Refusal, Touched};
use infoone_domain::ledger::{
    Application, Billed, CarryOver, DeductionReason, Dependent, Enrollment, Group, Insured, Ledger, Member,
    MemberStatus, Office, Relation, Settings,
};
use infoone_domain::money::{Ratio, Rounding, Yen};
use infoone_domain::month::YearMonth;
use infoone_domain::product::{Gender, GroupProduct, Plan, RateGender, RateRow};

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("bad date {s}: {e}"))
}

pub fn ym(s: &str) -> YearMonth {
    s.parse().unwrap_or_else(|e| panic!("bad month {s}: {e}"))
}

pub fn yen(n: i64) -> Yen {
    Yen::new(n)
}

pub fn ratio(d: Decimal) -> Ratio {
    Ratio::new(d)
}

pub fn row(plan: &str, min_age: i32, max_age: i32, gender: RateGender, rate: Decimal) -> RateRow {
    RateRow {
        plan: plan.to_string(),
        min_age,
        max_age,
        gender,
        rate,
    }
}

fn plan(code: &str) -> Plan {
    Plan {
        code: code.to_string(),
        name: format!("{code}コース"),
    }
}

/// GTL of the example: insurance age, 15–70, discount 5 %, fee 3 %, floor, no mid-term change.
pub fn gtl() -> GroupProduct {
    use RateGender::Unisex as U;
    GroupProduct {
        code: "GTL".into(),
        name: "団体定期保険".into(),
        age_method: AgeMethod::InsuranceAge,
        min_age: 15,
        max_age: 70,
        min_members: 10,
        discount_rate: ratio(dec!(0.05)),
        commission_rate: ratio(dec!(0.10)),
        fee_rate: ratio(dec!(0.03)),
        rounding: Rounding::Floor,
        mid_term_change: false,
        plans: vec![plan("A")],
        rates: vec![
            row("A", 15, 39, U, dec!(37.5)),
            row("A", 40, 49, U, dec!(82)),
            row("A", 50, 70, U, dec!(198.4)),
        ],
        agent_code: "A001".into(),
    }
}

/// MED of the example: completed years, 15–65, no discount, fee 2.5 %, half_up, mid-term change.
pub fn med() -> GroupProduct {
    use RateGender::{Female as F, Male as M};
    GroupProduct {
        code: "MED".into(),
        name: "団体医療保険".into(),
        age_method: AgeMethod::CompletedYears,
        min_age: 15,
        max_age: 65,
        min_members: 10,
        discount_rate: Ratio::ZERO,
        commission_rate: ratio(dec!(0.08)),
        fee_rate: ratio(dec!(0.025)),
        rounding: Rounding::HalfUp,
        mid_term_change: true,
        plans: vec![plan("S"), plan("L")],
        rates: vec![
            row("S", 15, 44, M, dec!(1210)),
            row("S", 15, 44, F, dec!(1380)),
            row("S", 45, 65, M, dec!(2455)),
            row("S", 45, 65, F, dec!(2390)),
            row("L", 15, 44, M, dec!(2420)),
            row("L", 15, 44, F, dec!(2760)),
            row("L", 45, 65, M, dec!(4910)),
            row("L", 45, 65, F, dec!(4780)),
        ],
        agent_code: "A001".into(),
    }
}

pub struct LedgerBuilder {
    l: Ledger,
}

impl LedgerBuilder {
    /// An empty ledger of group G0001 for `month` with the default settings.
    pub fn new(month: &str) -> LedgerBuilder {
        LedgerBuilder {
            l: Ledger {
                month: ym(month),
                group: Group {
                    code: "G0001".into(),
                    name: "サンプル工業株式会社".into(),
                    name_kana: "ｻﾝﾌﾟﾙｺｳｷﾞﾖｳ".into(),
                    settings: Settings::default(),
                },
                offices: BTreeMap::new(),
                products: BTreeMap::new(),
                members: BTreeMap::new(),
                enrollments: BTreeMap::new(),
                billed: std::sync::Arc::default(),
                confirmed_months: BTreeSet::new(),
                carry_over: Vec::new(),
                applications: BTreeMap::new(),
                adjusted_from: BTreeMap::new(),
                withdrawn_now: BTreeSet::new(),
                by_member: HashMap::new(),
            },
        }
    }

    pub fn settings(mut self, f: impl FnOnce(&mut Settings)) -> LedgerBuilder {
        f(&mut self.l.group.settings);
        self
    }

    pub fn office(mut self, code: &str) -> LedgerBuilder {
        self.l.offices.insert(
            code.to_string(),
            Office {
                code: code.to_string(),
                name: format!("事業所{code}"),
                deduction_destination: format!("D{code}"),
            },
        );
        self
    }

    pub fn product(mut self, p: GroupProduct) -> LedgerBuilder {
        self.l.products.insert(p.code.clone(), p);
        self
    }

    pub fn member(mut self, employee_no: &str, birth: &str, gender: Gender, office: &str) -> LedgerBuilder {
        self.l.members.insert(
            employee_no.to_string(),
            Member {
                employee_no: employee_no.to_string(),
                name: format!("社員{employee_no}"),
                name_kana: "ｼﾔｲﾝ".into(),
                birth_date: d(birth),
                gender,
                office: office.to_string(),
                transfers: Vec::new(),
                status: MemberStatus::Active,
                retired_on: None,
                dependents: Vec::new(),
                email: String::new(),
                postal_code: String::new(),
                address: String::new(),
                bank_account: None,
            },
        );
        self
    }

    pub fn dependent(
        mut self,
        employee_no: &str,
        id: &str,
        relation: Relation,
        birth: &str,
        gender: Gender,
    ) -> LedgerBuilder {
        let m = self
            .l
            .members
            .get_mut(employee_no)
            .unwrap_or_else(|| panic!("no member {employee_no}"));
        m.dependents.push(Dependent {
            id: id.to_string(),
            relation,
            name: format!("家族{id}"),
            birth_date: d(birth),
            gender,
        });
        self
    }

    /// `insured` is `"self"` or a dependent id, as in the package.
    #[allow(clippy::too_many_arguments)]
    pub fn enroll(
        mut self,
        id: &str,
        employee_no: &str,
        insured: &str,
        product: &str,
        plan: &str,
        units: u32,
        start: &str,
    ) -> LedgerBuilder {
        let insured = if insured == "self" {
            Insured::Member
        } else {
            Insured::Dependent(insured.to_string())
        };
        self.l.enrollments.insert(
            id.to_string(),
            Enrollment {
                id: id.to_string(),
                employee_no: employee_no.to_string(),
                insured,
                product: product.to_string(),
                plan: plan.to_string(),
                units,
                start_month: ym(start),
                end_month: None,
                withdrawal: None,
            },
        );
        self
    }

    pub fn ended(mut self, id: &str, end: &str) -> LedgerBuilder {
        if let Some(e) = self.l.enrollments.get_mut(id) {
            e.end_month = Some(ym(end));
        }
        self
    }

    /// One `billed` entry; its month counts as confirmed.
    pub fn billed(mut self, month: &str, enrollment: &str, office: &str, amount: i64) -> LedgerBuilder {
        let month = ym(month);
        std::sync::Arc::make_mut(&mut self.l.billed).insert(
            (enrollment.to_string(), month),
            Billed {
                month,
                enrollment: enrollment.to_string(),
                office: office.to_string(),
                amount: yen(amount),
            },
        );
        self.l.confirmed_months.insert(month);
        self
    }

    pub fn carry_over(
        mut self,
        enrollment: &str,
        office: &str,
        origin: &str,
        amount: i64,
        reason: DeductionReason,
        times_carried: u32,
    ) -> LedgerBuilder {
        self.l.carry_over.push(CarryOver {
            enrollment: enrollment.to_string(),
            office: office.to_string(),
            origin_month: ym(origin),
            amount: yen(amount),
            reason,
            times_carried,
        });
        self
    }

    pub fn application(mut self, a: Application) -> LedgerBuilder {
        self.l.applications.insert(a.id.clone(), a);
        self
    }

    pub fn build(mut self) -> Ledger {
        self.l.reindex();
        self.l
    }
}

/// The worked example: `bill-package.example.json` for 2026-12.
pub fn example_builder() -> LedgerBuilder {
    let mut b = LedgerBuilder::new("2026-12")
        .office("O001")
        .office("O002")
        .product(gtl())
        .product(med())
        .member("000101", "1980-10-02", Gender::Male, "O001")
        .dependent("000101", "S", Relation::Spouse, "1982-05-20", Gender::Female)
        .member("000102", "1975-03-31", Gender::Female, "O001")
        .member("000201", "1962-01-15", Gender::Male, "O002")
        .enroll("E0001", "000101", "self", "GTL", "A", 10, "2020-04")
        .enroll("E0002", "000101", "S", "MED", "S", 1, "2023-07")
        .enroll("E0003", "000102", "self", "GTL", "A", 5, "2021-04")
        .enroll("E0004", "000102", "self", "MED", "L", 1, "2024-10")
        .enroll("E0005", "000201", "self", "GTL", "A", 20, "2019-04")
        .application(Application {
            id: "W0001".into(),
            employee_no: "000201".into(),
            product: "MED".into(),
            plan: "S".into(),
            units: 1,
            insured: Insured::Member,
            applied_on: d("2026-11-18"),
        });
    for month in ["2026-10", "2026-11"] {
        b = b
            .billed(month, "E0001", "O001", 779)
            .billed(month, "E0002", "O001", 1380)
            .billed(month, "E0003", "O001", 942)
            .billed(month, "E0004", "O001", 4780)
            .billed(month, "E0005", "O002", 3769);
    }
    b
}

pub fn example() -> Ledger {
    example_builder().build()
}

/// The join W0001 would give, accepted with `applied_on`.
pub fn w0001(applied_on: &str) -> Change {
    Change::Join {
        enrollment_id: "E0006".into(),
        employee_no: "000201".into(),
        insured: Insured::Member,
        product: "MED".into(),
        plan: "S".into(),
        units: 1,
        applied_on: d(applied_on),
        application: Some("W0001".into()),
    }
}

/// Apply a change that must be accepted.
pub fn apply_ok(ledger: &mut Ledger, c: &Change) -> Vec<Touched> {
    change::apply(ledger, c).unwrap_or_else(|r| panic!("{} refused: {r}", c.kind()))
}

/// Apply a change that must be refused with `code`, and check the ledger did not move.
pub fn apply_refused(ledger: &mut Ledger, c: &Change, code: &str) -> Refusal {
    let before = ledger.clone();
    let r = match change::apply(ledger, c) {
        Ok(_) => panic!("{} was accepted, expected {code}", c.kind()),
        Err(r) => r,
    };
    assert_eq!(r.code.code, code, "{r}");
    assert_eq!(*ledger, before, "a refused {} changed the ledger", c.kind());
    r
}

pub fn office<'a>(bill: &'a Bill, code: &str) -> &'a OfficeBill {
    bill.offices
        .iter()
        .find(|o| o.office == code)
        .unwrap_or_else(|| panic!("no office bill {code}"))
}

/// `[premium_total, fee, fee_tax, invoice_amount]`.
pub fn t4(t: &Totals) -> [i64; 4] {
    [
        t.premium_total.to_i64(),
        t.fee.to_i64(),
        t.fee_tax.to_i64(),
        t.invoice_amount.to_i64(),
    ]
}

/// Lines as `(kind, enrollment, month, amount)`, sorted.
pub fn lines(ob: &OfficeBill) -> Vec<(LineKind, String, String, i64)> {
    let mut v: Vec<_> = ob
        .lines
        .iter()
        .map(|l: &BillLine| (l.kind, l.enrollment.clone(), l.month.to_string(), l.amount.to_i64()))
        .collect();
    v.sort();
    v
}

pub fn line(kind: LineKind, enrollment: &str, month: &str, amount: i64) -> (LineKind, String, String, i64) {
    (kind, enrollment.to_string(), month.to_string(), amount)
}

pub fn finding_codes(bill: &Bill) -> Vec<&'static str> {
    bill.findings.iter().map(|f| f.code.code).collect()
}
