//! The generator: members and enrollments first (each member from its own random stream), then
//! the month's events (withdrawers, carry-overs, Web applications, HR differences, deduction
//! exceptions) chosen among members whose amounts are simple to know for sure.

use chrono::{Datelike, NaiveDate};
use infoone_domain::month::{PolicyYear, YearMonth};
use infoone_domain::product as dp;
use infoone_formats::package::{
    AccountType, BankAccount, BillPackage, Billed, CarryOver, CollectionAccount, Dependent, Enrollment, Gender, Group,
    GroupProduct, Member, MemberStatus, Office, PendingApplication, Relation, Settings, UndeductedReason,
    WithdrawalOption, INSURED_SELF, PACKAGE_FORMAT,
};

use crate::names::{half_width, zengin_kana, COMPANIES, FEMALE_NAMES, MALE_NAMES, PLACES, SURNAMES};
use crate::products::{group_products, to_domain, GAI, GTL, LTD, MED};
use crate::rng::Rng;
use crate::{DeductionRowOut, HrRowKind, HrRowOut, Sample, SampleSpec};

// Random streams: one per purpose, so that adding draws to one does not move the others.
const S_GROUP: u64 = 1;
const S_MEMBER: u64 = 2;
const S_PICK: u64 = 3;
const S_EVENT: u64 = 4;
const S_HIRE: u64 = 5;

/// Months M−6 ..= M+1: the billed history, the package month and the month after it (where a
/// Web application after the cutoff starts).
const WINDOW: usize = 8;
/// Index of the package month in the window.
const AT_M: usize = 6;

#[derive(Clone, Copy)]
struct Person {
    birth: NaiveDate,
    gender: Gender,
}

struct Dep {
    id: String,
    relation: Relation,
    given: (&'static str, &'static str),
    person: Person,
}

struct MemberDraft {
    no: String,
    surname: usize,
    given: (&'static str, &'static str),
    person: Person,
    office: usize,
    email: String,
    postal: String,
    address: String,
    extension: String,
    deps: Vec<Dep>,
    enr: Vec<usize>,
    status: MemberStatus,
    retired_on: Option<NaiveDate>,
    bank_account: Option<BankAccount>,
}

impl MemberDraft {
    fn name(&self, surname: usize) -> String {
        format!("{} {}", SURNAMES[surname].0, self.given.0)
    }
    fn kana(&self, surname: usize) -> String {
        half_width(&format!("{}　{}", SURNAMES[surname].1, self.given.1))
    }
    fn insured(&self, dep: Option<usize>) -> Person {
        dep.map_or(self.person, |d| self.deps[d].person)
    }
}

struct EnrDraft {
    member: usize,
    dep: Option<usize>,
    product: usize,
    plan: &'static str,
    units: u32,
    start: YearMonth,
    end: Option<YearMonth>,
    /// Bank-transfer withdrawers: the withdrawal month (later months are not on the office bill).
    withdrawal: Option<YearMonth>,
    /// Premium of each month of the window where the enrollment is eligible (0 elsewhere).
    prem: [i64; WINDOW],
}

impl EnrDraft {
    fn covers(&self, m: YearMonth) -> bool {
        self.start <= m && self.end.is_none_or(|e| m <= e)
    }
    /// Covered and on the office bill.
    fn office_billed(&self, m: YearMonth) -> bool {
        self.covers(m) && self.withdrawal.is_none_or(|w| m <= w)
    }
}

struct Ctx {
    seed: u64,
    month: YearMonth,
    anniversary: u32,
    cutoff: u32,
    products: Vec<GroupProduct>,
    domain: Vec<dp::GroupProduct>,
}

impl Ctx {
    fn window(&self, k: usize) -> YearMonth {
        self.month.plus(k as i32 - AT_M as i32)
    }

    fn age(&self, product: usize, p: Person, m: YearMonth) -> i32 {
        let basis = PolicyYear::containing(m, self.anniversary).basis_date();
        self.domain[product].age_method.age(p.birth, basis)
    }

    /// Within the product's eligibility ages in every month `from ..= to` (ages only grow, so
    /// the two ends suffice).
    fn eligible(&self, product: usize, p: Person, from: YearMonth, to: YearMonth) -> bool {
        let d = &self.domain[product];
        [from, to]
            .iter()
            .all(|&m| (d.min_age..=d.max_age).contains(&self.age(product, p, m)))
    }

    /// DOMAIN.md §3 through the domain's own rule.
    fn premium(&self, product: usize, plan: &str, units: u32, p: Person, m: YearMonth) -> i64 {
        let gender = match p.gender {
            Gender::M => dp::Gender::Male,
            Gender::F => dp::Gender::Female,
        };
        let age = self.age(product, p, m);
        self.domain[product]
            .premium(plan, units, age, gender)
            .unwrap_or_else(|e| panic!("sample rate tables cover every eligible age: {e:?}"))
            .to_i64()
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("a real date: {y}-{m}-{d}"))
}

fn random_date_in_year(r: &mut Rng, year: i32) -> NaiveDate {
    let days = if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    };
    NaiveDate::from_yo_opt(year, r.range(1, days) as u32).unwrap_or_else(|| date(year, 1, 1))
}

fn day_in(m: YearMonth, day: u32) -> NaiveDate {
    date(m.year(), m.month(), day.min(m.last_day().day()))
}

/// The month after the `years`th birthday.
fn month_after_age(birth: NaiveDate, years: i32) -> YearMonth {
    YearMonth::new(birth.year() + years, birth.month())
        .unwrap_or(YearMonth::of(birth))
        .next()
}

fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    infoone_domain::age::completed_years(birth, on)
}

/// `n` zero-padded to `width` (at least), with `prefix`.
fn code(prefix: &str, n: usize, width: usize) -> String {
    format!("{prefix}{n:0width$}")
}

fn digits(n: usize) -> usize {
    n.max(1).to_string().len()
}

/// `round(n × per_100k / 100 000)`, at least `min` once the group has 20 members.
fn share(n: usize, per_100k: usize, min: usize) -> usize {
    let v = (n * per_100k + 50_000) / 100_000;
    if n >= 20 {
        v.max(min)
    } else {
        v
    }
}

fn showa(d: NaiveDate) -> Option<String> {
    let start = date(1926, 12, 25);
    let end = date(1989, 1, 7);
    (start..=end).contains(&d).then(|| {
        let y = d.year() - 1925;
        let y = if y == 1 { "元".to_string() } else { y.to_string() };
        format!("昭和{y}年{}月{}日", d.month(), d.day())
    })
}

fn full_width_digits(s: &str) -> String {
    s.chars()
        .map(|c| {
            c.to_digit(10)
                .and_then(|d| char::from_u32('０' as u32 + d))
                .unwrap_or(c)
        })
        .collect()
}

pub(crate) fn generate(spec: &SampleSpec) -> Sample {
    if let Err(e) = spec.check() {
        panic!("{e}");
    }
    let products = group_products();
    let domain = products.iter().map(to_domain).collect();
    let settings = Settings::default();
    let ctx = Ctx {
        seed: spec.seed,
        month: spec.month,
        anniversary: settings.policy_anniversary_month,
        cutoff: settings.cutoff_day,
        products,
        domain,
    };
    let m = ctx.month;

    // ---- group and offices -------------------------------------------------------------------
    let mut gr = Rng::stream(ctx.seed, S_GROUP, 0);
    let (company, company_kana) = COMPANIES[(ctx.seed % COMPANIES.len() as u64) as usize];
    let group_kana = zengin_kana(company_kana);
    let group = Group {
        code: format!("G{:04}", 1 + ctx.seed % 9999),
        name: company.to_string(),
        name_kana: group_kana.clone(),
        settings,
        payee_account: BankAccount {
            bank_code: "0005".to_string(),
            branch_code: format!("{:03}", gr.range(1, 899)),
            account_type: AccountType::Ordinary,
            account_no: format!("{:07}", gr.range(1_000_000, 9_999_999)),
            holder_kana: "ｻﾝﾌﾟﾙｾｲﾒｲﾎｹﾝ(ｶ".to_string(),
        },
        collection_account: Some(CollectionAccount {
            consignor_code: format!("{:010}", gr.range(1_000_000_000, 9_999_999_999)),
            consignor_name_kana: format!("{group_kana}(ｶ"),
            debit_day: 27,
            bank_code: "0001".to_string(),
            bank_name_kana: zengin_kana("ミズホ"),
            branch_code: "001".to_string(),
            branch_name_kana: zengin_kana("トウキョウ"),
            account_type: AccountType::Ordinary,
            account_no: format!("{:07}", gr.range(1_000_000, 9_999_999)),
        }),
    };

    let office_width = digits(spec.offices).max(3);
    let mut offices = Vec::with_capacity(spec.offices);
    let mut destinations = 0usize;
    let mut dest_of: Vec<usize> = Vec::with_capacity(spec.offices);
    for i in 0..spec.offices {
        // Every fourth office is paid through the payroll of the office before it.
        let dest = if i % 4 == 3 {
            dest_of[i - 1]
        } else {
            destinations += 1;
            destinations
        };
        dest_of.push(dest);
    }
    let dest_width = digits(destinations).max(2);
    for i in 0..spec.offices {
        let (name, city, postal, base) = PLACES[i % PLACES.len()];
        let round = i / PLACES.len();
        let name = if round == 0 {
            name.to_string()
        } else {
            format!("{city}第{}営業所", round + 1)
        };
        offices.push(Office {
            code: code("O", i + 1, office_width),
            name,
            deduction_destination: code("D", dest_of[i], dest_width),
            postal_code: Some(postal.to_string()),
            address: Some(format!("{base}{}-{}-{}", 1 + round % 9, 1 + i % 20, 1 + (i * 7) % 15)),
        });
    }

    // ---- members and enrollments -------------------------------------------------------------
    let mut members: Vec<MemberDraft> = Vec::with_capacity(spec.members);
    let mut enrollments: Vec<EnrDraft> = Vec::with_capacity(spec.members * 2);
    for i in 0..spec.members {
        let mut r = Rng::stream(ctx.seed, S_MEMBER, i as u64);
        let member = new_member(&ctx, &mut r, i, format!("{:06}", 101 + i), spec.offices);
        let idx = members.len();
        members.push(member);
        enroll(&ctx, &mut r, idx, &mut members[idx], &mut enrollments);
    }

    // ---- the month's events ------------------------------------------------------------------
    let n = members.len();
    let mut pick = Rng::stream(ctx.seed, S_PICK, 0);
    let mut ev = Rng::stream(ctx.seed, S_EVENT, 0);
    let mut used = vec![false; n];
    // Members whose enrollments are all open: their amounts are simple to know.
    let clean = |mb: &MemberDraft, enr: &[EnrDraft]| !mb.enr.is_empty() && mb.enr.iter().all(|&e| enr[e].end.is_none());
    let all: Vec<usize> = (0..n).collect();
    let order = pick.choose(&all, n);

    let full_width = if n > 22 {
        Some(22)
    } else if n > 0 {
        Some(0)
    } else {
        None
    };
    if let Some(i) = full_width {
        used[i] = true;
    }
    let wareki = order
        .iter()
        .copied()
        .find(|&i| !used[i] && showa(members[i].person.birth).is_some());
    if let Some(i) = wareki {
        used[i] = true;
    }

    let take = |k: usize, used: &mut Vec<bool>, ok: &dyn Fn(usize) -> bool| -> Vec<usize> {
        let mut out = Vec::with_capacity(k);
        for &i in &order {
            if out.len() == k {
                break;
            }
            if !used[i] && ok(i) {
                used[i] = true;
                out.push(i);
            }
        }
        out.sort_unstable();
        out
    };

    // Bank-transfer withdrawers: retired in M−3, coverage continues, debited from their account.
    let withdrawal_month = m.plus(-3);
    let withdrawers = take(if n >= 50 { (n / 500).max(1) } else { 0 }, &mut used, &|i| {
        clean(&members[i], &enrollments) && members[i].enr.iter().all(|&e| enrollments[e].start <= withdrawal_month)
    });
    // Real bank and branch codes (the zengin-code data set the Zengin writer validates against).
    let branches: Vec<(u16, u16)> = infoone_formats::zengin::codes::all()
        .filter(|(bank, _, _, _)| matches!(bank, 1 | 5 | 9 | 10))
        .map(|(bank, _, branch, _)| (bank, branch))
        .collect();
    for &i in &withdrawers {
        let retired_on = day_in(withdrawal_month, ev.range(10, 25) as u32);
        let (bank, branch) = *ev.pick(&branches);
        let mb = &mut members[i];
        mb.status = MemberStatus::Retired;
        mb.retired_on = Some(retired_on);
        mb.bank_account = Some(BankAccount {
            bank_code: format!("{bank:04}"),
            branch_code: format!("{branch:03}"),
            account_type: AccountType::Ordinary,
            account_no: format!("{:07}", ev.range(1_000_000, 9_999_999)),
            holder_kana: zengin_kana(&format!("{}　{}", SURNAMES[mb.surname].1, mb.given.1)),
        });
        for &e in &mb.enr {
            enrollments[e].withdrawal = Some(withdrawal_month);
        }
    }

    // Carry-overs from last month: the first was already carried once (from M−2).
    let carried = take(share(n, 200, 2), &mut used, &|i| {
        clean(&members[i], &enrollments) && members[i].enr.iter().any(|&e| enrollments[e].start <= m.plus(-2))
    });

    // Web applications for a product the member does not have yet.
    let applicants = take(share(n, 500, 2), &mut used, &|i| {
        clean(&members[i], &enrollments) && missing_product(&ctx, &members[i], &enrollments, 0).is_some()
    });

    // HR differences (about 3 % of members, plus new hires).
    let retire_prev = take(share(n, 400, 1), &mut used, &|i| clean(&members[i], &enrollments));
    let retire_now = take(share(n, 400, 1), &mut used, &|i| clean(&members[i], &enrollments));
    let transfers = take(if spec.offices >= 2 { share(n, 800, 1) } else { 0 }, &mut used, &|i| {
        clean(&members[i], &enrollments)
    });
    let renamed = take(share(n, 500, 1), &mut used, &|i| {
        clean(&members[i], &enrollments) && members[i].person.gender == Gender::F
    });
    let on_leave = take(share(n, 400, 1), &mut used, &|i| clean(&members[i], &enrollments));
    let short_pay = take(share(n, 200, 1), &mut used, &|i| clean(&members[i], &enrollments));

    // ---- ids ---------------------------------------------------------------------------------
    let enr_width = digits(enrollments.len()).max(4);
    let enr_id = |e: usize| code("E", e + 1, enr_width);
    let office_code = |o: usize| offices[o].code.clone();

    // ---- premiums ----------------------------------------------------------------------------
    for e in enrollments.iter_mut() {
        let p = members[e.member].insured(e.dep);
        let mut last: Option<(NaiveDate, i64)> = None;
        for k in 0..WINDOW {
            let month = ctx.window(k);
            if !e.covers(month) {
                continue;
            }
            let basis = PolicyYear::containing(month, ctx.anniversary).basis_date();
            let amount = match last {
                Some((b, a)) if b == basis => a,
                _ => ctx.premium(e.product, e.plan, e.units, p, month),
            };
            last = Some((basis, amount));
            e.prem[k] = amount;
        }
    }

    // ---- billed history ----------------------------------------------------------------------
    let mut billed = Vec::with_capacity(enrollments.len() * 6);
    for k in 0..AT_M {
        let month = ctx.window(k);
        let month_text = month.to_string();
        for (idx, e) in enrollments.iter().enumerate() {
            if e.office_billed(month) {
                billed.push(Billed {
                    month: month_text.clone(),
                    enrollment: enr_id(idx),
                    office: office_code(members[e.member].office),
                    amount: e.prem[k],
                });
            }
        }
    }

    let mut carry_over = Vec::new();
    for (j, &i) in carried.iter().enumerate() {
        let (k, times_carried) = if j == 0 { (AT_M - 2, 1) } else { (AT_M - 1, 0) };
        let origin = ctx.window(k);
        let Some(&e) = members[i].enr.iter().find(|&&e| enrollments[e].office_billed(origin)) else {
            continue;
        };
        carry_over.push(CarryOver {
            enrollment: enr_id(e),
            office: office_code(members[i].office),
            month: origin.to_string(),
            amount: enrollments[e].prem[k],
            reason: if j % 3 == 2 {
                UndeductedReason::Leave
            } else {
                UndeductedReason::InsufficientPay
            },
            times_carried,
        });
    }

    let prev = m.prev();
    let app_width = digits(applicants.len()).max(4);
    let mut pending_applications = Vec::new();
    for (j, &i) in applicants.iter().enumerate() {
        let Some(product) = missing_product(&ctx, &members[i], &enrollments, j) else {
            continue;
        };
        let (plan, units) = plan_and_units(&mut ev, product);
        let cutoff = ctx.cutoff as i64;
        let day = match j {
            0 => 18.min(cutoff),
            1 => (cutoff + 5).min(28),
            _ if j % 2 == 0 => ev.range(3, cutoff),
            _ => ev.range(cutoff + 1, 26),
        };
        pending_applications.push(PendingApplication {
            id: code("W", j + 1, app_width),
            employee_no: members[i].no.clone(),
            product: ctx.products[product].code.clone(),
            plan: plan.to_string(),
            units,
            insured: INSURED_SELF.to_string(),
            applied_on: day_in(prev, day as u32).to_string(),
        });
    }

    // ---- package -----------------------------------------------------------------------------
    let package_members = member_models(&members, &offices);
    let package_enrollments = enrollments
        .iter()
        .enumerate()
        .map(|(idx, e)| Enrollment {
            id: enr_id(idx),
            employee_no: members[e.member].no.clone(),
            insured: e
                .dep
                .map_or_else(|| INSURED_SELF.to_string(), |d| members[e.member].deps[d].id.clone()),
            product: ctx.products[e.product].code.clone(),
            plan: e.plan.to_string(),
            units: e.units,
            start_month: e.start.to_string(),
            end_month: e.end.map(|x| x.to_string()),
            withdrawal_option: e.withdrawal.map(|_| WithdrawalOption::BankTransfer),
            withdrawal_month: e.withdrawal.map(|x| x.to_string()),
        })
        .collect();
    let mut package = BillPackage {
        format: PACKAGE_FORMAT.to_string(),
        month: m.to_string(),
        version: String::new(),
        issued_on: day_in(prev, 27).to_string(),
        group,
        offices,
        group_products: ctx.products.clone(),
        members: package_members,
        enrollments: package_enrollments,
        pending_applications,
        carry_over,
        billed,
    };
    // The version hashes the whole package: compute it while the HR files are made.
    let (version, hr_rows, deductions) = std::thread::scope(|s| {
        let version = s.spawn(|| package.content_version());
        // ---- HR snapshot ---------------------------------------------------------------------
        let mut hr_rows: Vec<HrRowOut> = members
            .iter()
            .map(|mb| hr_row(mb, &package.offices[mb.office].code))
            .collect();
        if let Some(i) = full_width {
            hr_rows[i].employee_no = full_width_digits(&members[i].no);
            hr_rows[i].kind = HrRowKind::FullWidthNumber;
        }
        if let Some(i) = wareki {
            hr_rows[i].birth_date_text = showa(members[i].person.birth);
            hr_rows[i].kind = HrRowKind::WarekiBirthDate;
        }
        for &i in &withdrawers {
            hr_rows[i].status = MemberStatus::Retired;
            hr_rows[i].retirement_date = members[i].retired_on;
            hr_rows[i].kind = HrRowKind::AlreadyRetired;
        }
        for &i in &retire_prev {
            let day = if ev.chance(500) { 31 } else { ev.range(1, 28) as u32 };
            hr_rows[i].status = MemberStatus::Retired;
            hr_rows[i].retirement_date = Some(day_in(prev, day));
            hr_rows[i].kind = HrRowKind::RetiredLastMonth;
        }
        for &i in &retire_now {
            let day = if ev.chance(500) { 31 } else { ev.range(1, 28) as u32 };
            hr_rows[i].status = MemberStatus::Retired;
            hr_rows[i].retirement_date = Some(day_in(m, day));
            hr_rows[i].kind = HrRowKind::RetiringThisMonth;
        }
        for &i in &transfers {
            let from = members[i].office;
            let to = (from + 1 + ev.below(spec.offices as u64 - 1) as usize) % spec.offices;
            hr_rows[i].office_code = package.offices[to].code.clone();
            hr_rows[i].change_date = Some(if ev.chance(500) {
                m.first_day()
            } else {
                day_in(prev, ev.range(2, 28) as u32)
            });
            hr_rows[i].kind = HrRowKind::Transferred;
        }
        for &i in &renamed {
            let mb = &members[i];
            let surname = (mb.surname + 1 + ev.below(SURNAMES.len() as u64 - 1) as usize) % SURNAMES.len();
            hr_rows[i].name = mb.name(surname);
            hr_rows[i].name_kana = mb.kana(surname);
            hr_rows[i].kind = HrRowKind::NameChanged;
        }
        for &i in &on_leave {
            hr_rows[i].status = MemberStatus::Leave;
            hr_rows[i].change_date = Some(day_in(m.plus(-ev.range(1, 2) as i32), ev.range(1, 28) as u32));
            hr_rows[i].kind = HrRowKind::OnLeave;
        }
        let hires = share(n, 500, 1);
        for j in 0..hires {
            let mut r = Rng::stream(ctx.seed, S_HIRE, j as u64);
            let no = format!("{:06}", 101 + n + j);
            let mut mb = new_member(&ctx, &mut r, n + j, no, spec.offices);
            let year = m.year() - r.range(22, 30) as i32;
            mb.person.birth = random_date_in_year(&mut r, year);
            mb.deps.clear();
            let mut row = hr_row(&mb, &package.offices[mb.office].code);
            row.kind = HrRowKind::NewHire;
            hr_rows.push(row);
        }

        // ---- deduction exceptions ------------------------------------------------------------
        let bill_in_m = |i: usize| -> i64 {
            members[i]
                .enr
                .iter()
                .filter(|&&e| enrollments[e].office_billed(m))
                .map(|&e| enrollments[e].prem[AT_M])
                .sum()
        };
        let mut deductions = Vec::new();
        let mut deduct = |i: usize, amount: i64, reason: UndeductedReason, billed: i64| {
            deductions.push(DeductionRowOut {
                employee_no: members[i].no.clone(),
                amount,
                reason,
                office: package.offices[members[i].office].code.clone(),
                billed,
            });
        };
        for (j, &i) in on_leave.iter().enumerate() {
            let total = bill_in_m(i);
            if total > 0 {
                deduct(
                    i,
                    if j % 2 == 0 { 0 } else { total / 2 },
                    UndeductedReason::Leave,
                    total,
                );
            }
        }
        for &i in retire_now.iter().take(retire_now.len().div_ceil(2)) {
            let total = bill_in_m(i);
            if total > 0 {
                deduct(i, 0, UndeductedReason::Retired, total);
            }
        }
        for &i in &short_pay {
            let total = bill_in_m(i);
            if total > 0 {
                deduct(i, total * 2 / 5, UndeductedReason::InsufficientPay, total);
            }
        }
        deductions.sort_by(|a, b| a.employee_no.cmp(&b.employee_no));
        (
            version.join().expect("the version thread does not panic"),
            hr_rows,
            deductions,
        )
    });
    package.version = version;

    Sample {
        spec: spec.clone(),
        package,
        hr_rows,
        deductions,
    }
}

fn new_member(ctx: &Ctx, r: &mut Rng, i: usize, no: String, offices: usize) -> MemberDraft {
    let m = ctx.month;
    let gender = if r.chance(560) { Gender::M } else { Gender::F };
    let surname = r.below(SURNAMES.len() as u64) as usize;
    let given = *r.pick(if gender == Gender::M { MALE_NAMES } else { FEMALE_NAMES });
    let year = m.year() - r.range(22, 65) as i32;
    let birth = random_date_in_year(r, year);
    let office = if offices == 1 || r.chance(200) {
        0
    } else {
        r.below(offices as u64) as usize
    };
    let (_, _, postal, base) = PLACES[office % PLACES.len()];
    let person = Person { birth, gender };
    let mut deps = Vec::new();
    let age = age_on(birth, m.first_day());
    if age >= 26 && r.chance(550) {
        let g = if gender == Gender::M { Gender::F } else { Gender::M };
        let year = (birth.year() + r.range(-5, 5) as i32).clamp(m.year() - 64, m.year() - 22);
        deps.push(Dep {
            id: "S".to_string(),
            relation: Relation::Spouse,
            given: *r.pick(if g == Gender::M { MALE_NAMES } else { FEMALE_NAMES }),
            person: Person {
                birth: random_date_in_year(r, year),
                gender: g,
            },
        });
    }
    if age >= 40 {
        let kids = r.below(3);
        let mut births: Vec<NaiveDate> = (0..kids)
            .map(|_| {
                let year = birth.year() + r.range(25, 38) as i32;
                random_date_in_year(r, year)
            })
            .filter(|b| *b < m.first_day())
            .collect();
        births.sort();
        for (k, b) in births.into_iter().enumerate() {
            let g = if r.chance(500) { Gender::M } else { Gender::F };
            deps.push(Dep {
                id: format!("C{}", k + 1),
                relation: Relation::Child,
                given: *r.pick(if g == Gender::M { MALE_NAMES } else { FEMALE_NAMES }),
                person: Person { birth: b, gender: g },
            });
        }
    }
    MemberDraft {
        email: format!("{}.{no}@example.co.jp", SURNAMES[surname].2),
        no,
        surname,
        given,
        person,
        office,
        postal: postal.to_string(),
        address: format!("{base}{}-{}-{}", r.range(1, 5), r.range(1, 30), r.range(1, 20)),
        extension: format!("{}", 2000 + (i % 8000)),
        deps,
        enr: Vec::new(),
        status: MemberStatus::Active,
        retired_on: None,
        bank_account: None,
    }
}

fn plan_and_units(r: &mut Rng, product: usize) -> (&'static str, u32) {
    match product {
        GTL => {
            if r.chance(650) {
                ("A", r.range(1, 30) as u32)
            } else {
                ("B", r.range(1, 20) as u32)
            }
        }
        MED => (if r.chance(550) { "S" } else { "L" }, 1),
        GAI => (if r.chance(700) { "H" } else { "F" }, r.range(1, 5) as u32),
        _ => (if r.chance(600) { "A" } else { "B" }, r.range(5, 30) as u32),
    }
}

/// A product the member has no self enrollment in and is eligible for in M and M+1; `salt`
/// rotates the choice.
fn missing_product(ctx: &Ctx, mb: &MemberDraft, enr: &[EnrDraft], salt: usize) -> Option<usize> {
    (0..4).map(|k| (k + salt) % 4).find(|&p| {
        !mb.enr.iter().any(|&e| enr[e].product == p && enr[e].dep.is_none())
            && ctx.eligible(p, mb.person, ctx.month, ctx.month.next())
    })
}

fn start_month(ctx: &Ctx, r: &mut Rng, earliest: YearMonth) -> YearMonth {
    let latest = ctx.month.prev();
    let earliest = earliest.max(ctx.month.plus(-180)).min(latest);
    let mut s = earliest.plus(r.range(0, i64::from(latest.months_since(earliest))) as i32);
    if r.chance(500) {
        let back = (s.month() + 12 - ctx.anniversary) % 12;
        let snapped = s.plus(-(back as i32));
        if snapped >= earliest {
            s = snapped;
        }
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn add_enrollment(
    ctx: &Ctx,
    r: &mut Rng,
    idx: usize,
    mb: &mut MemberDraft,
    out: &mut Vec<EnrDraft>,
    dep: Option<usize>,
    product: usize,
    plan_units: (&'static str, u32),
) -> bool {
    let p = mb.insured(dep);
    let mut earliest = month_after_age(mb.person.birth, 22);
    if dep.is_some() {
        earliest = earliest.max(month_after_age(p.birth, 18));
    }
    let start = start_month(ctx, r, earliest);
    let from = start.max(ctx.month.plus(-(AT_M as i32)));
    if !ctx.eligible(product, p, from, ctx.month.next()) {
        return false;
    }
    mb.enr.push(out.len());
    out.push(EnrDraft {
        member: idx,
        dep,
        product,
        plan: plan_units.0,
        units: plan_units.1,
        start,
        end: None,
        withdrawal: None,
        prem: [0; WINDOW],
    });
    true
}

fn enroll(ctx: &Ctx, r: &mut Rng, idx: usize, mb: &mut MemberDraft, out: &mut Vec<EnrDraft>) {
    let first = out.len();
    let spouse = mb.deps.iter().position(|d| d.relation == Relation::Spouse);
    let mut gtl_plan = None;
    if r.chance(750) {
        let pu = plan_and_units(r, GTL);
        if add_enrollment(ctx, r, idx, mb, out, None, GTL, pu) {
            gtl_plan = Some(pu.0);
        }
    }
    if let (Some(s), Some(plan)) = (spouse, gtl_plan) {
        if r.chance(300) {
            let units = r.range(1, 10) as u32;
            add_enrollment(ctx, r, idx, mb, out, Some(s), GTL, (plan, units));
        }
    }
    if r.chance(450) {
        let pu = plan_and_units(r, MED);
        add_enrollment(ctx, r, idx, mb, out, None, MED, pu);
    }
    if let Some(s) = spouse {
        if r.chance(300) {
            let pu = plan_and_units(r, MED);
            add_enrollment(ctx, r, idx, mb, out, Some(s), MED, pu);
        }
    }
    for c in 0..mb.deps.len() {
        if mb.deps[c].relation == Relation::Child && r.chance(250) {
            add_enrollment(ctx, r, idx, mb, out, Some(c), MED, ("S", 1));
        }
    }
    if r.chance(300) {
        let pu = plan_and_units(r, GAI);
        add_enrollment(ctx, r, idx, mb, out, None, GAI, pu);
    }
    if r.chance(250) {
        let pu = plan_and_units(r, LTD);
        add_enrollment(ctx, r, idx, mb, out, None, LTD, pu);
    }
    if out.len() == first && !add_enrollment(ctx, r, idx, mb, out, None, GTL, ("A", 5)) {
        add_enrollment(ctx, r, idx, mb, out, None, GAI, ("H", 1));
    }
    // A few enrollments that the member ended a few months ago (still in the billed history).
    if out.len() - first >= 2 {
        for e in &mut out[first..] {
            if r.chance(15) {
                let end = ctx.month.plus(-(r.range(2, 5) as i32));
                if end >= e.start {
                    e.end = Some(end);
                }
            }
        }
    }
}

/// The package's members.
fn member_models(members: &[MemberDraft], offices: &[Office]) -> Vec<Member> {
    members
        .iter()
        .map(|mb| Member {
            employee_no: mb.no.clone(),
            name: mb.name(mb.surname),
            name_kana: mb.kana(mb.surname),
            birth_date: mb.person.birth.to_string(),
            gender: mb.person.gender,
            office: offices[mb.office].code.clone(),
            status: mb.status,
            retired_on: mb.retired_on.map(|d| d.to_string()),
            dependents: mb
                .deps
                .iter()
                .map(|d| Dependent {
                    id: d.id.clone(),
                    relation: d.relation,
                    name: format!("{} {}", SURNAMES[mb.surname].0, d.given.0),
                    birth_date: d.person.birth.to_string(),
                    gender: d.person.gender,
                })
                .collect(),
            bank_account: mb.bank_account.clone(),
            email: Some(mb.email.clone()),
            postal_code: Some(mb.postal.clone()),
            address: Some(mb.address.clone()),
        })
        .collect()
}

fn hr_row(mb: &MemberDraft, office: &str) -> HrRowOut {
    HrRowOut {
        employee_no: mb.no.clone(),
        name: mb.name(mb.surname),
        name_kana: mb.kana(mb.surname),
        birth_date: mb.person.birth,
        birth_date_text: None,
        gender: mb.person.gender,
        office_code: office.to_string(),
        status: mb.status,
        change_date: None,
        retirement_date: mb.retired_on,
        email: mb.email.clone(),
        postal_code: mb.postal.clone(),
        address: mb.address.clone(),
        extension: mb.extension.clone(),
        kind: HrRowKind::Unchanged,
    }
}
