//! The month's ledger: what the bill package brought, with the changes accepted so far applied.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::money::{Ratio, Yen};
use crate::month::YearMonth;
use crate::product::{Gender, GroupProduct};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FeeSettlement {
    /// The office pays premiums minus the fee and its tax.
    #[default]
    Offset,
    /// The office pays all premiums; the insurer pays the fee separately.
    Separate,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum UndeductedHandling {
    /// Carried to next month's office bill once, then billed to the person.
    #[default]
    CarryOver,
    /// Billed to the person at once.
    Individual,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PaymentDue {
    /// The last day of the month after the billing month, moved back to a bank business day.
    #[default]
    EndOfNextMonth,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub cutoff_day: u32,
    pub policy_anniversary_month: u32,
    pub payment_due: PaymentDue,
    pub retro_limit_months: u32,
    pub fee_settlement: FeeSettlement,
    pub undeducted_handling: UndeductedHandling,
    pub tax_rate: Ratio,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            cutoff_day: 20,
            policy_anniversary_month: 4,
            payment_due: PaymentDue::EndOfNextMonth,
            retro_limit_months: 6,
            fee_settlement: FeeSettlement::Offset,
            undeducted_handling: UndeductedHandling::CarryOver,
            tax_rate: Ratio::new(Decimal::new(10, 2)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub code: String,
    pub name: String,
    pub name_kana: String,
    pub settings: Settings,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Office {
    pub code: String,
    pub name: String,
    pub deduction_destination: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MemberStatus {
    #[default]
    Active,
    Leave,
    Retired,
}

impl MemberStatus {
    pub fn label(self) -> &'static str {
        match self {
            MemberStatus::Active => "在籍",
            MemberStatus::Leave => "休職",
            MemberStatus::Retired => "退職",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Relation {
    Spouse,
    Child,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependent {
    pub id: String,
    pub relation: Relation,
    pub name: String,
    pub birth_date: NaiveDate,
    pub gender: Gender,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountType {
    /// 1 普通
    Ordinary,
    /// 2 当座
    Current,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankAccount {
    pub bank_code: String,
    pub branch_code: String,
    pub account_type: AccountType,
    pub account_no: String,
    pub holder_kana: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub employee_no: String,
    pub name: String,
    pub name_kana: String,
    pub birth_date: NaiveDate,
    pub gender: Gender,
    /// The office on the 1st of the ledger's month, before any transfer applied this month.
    pub office: String,
    /// Transfers: from this month on, the member belongs to this office. Sorted by month.
    pub transfers: Vec<(YearMonth, String)>,
    pub status: MemberStatus,
    pub retired_on: Option<NaiveDate>,
    pub dependents: Vec<Dependent>,
    pub email: String,
    pub postal_code: String,
    pub address: String,
    pub bank_account: Option<BankAccount>,
}

impl Member {
    /// The office the member belongs to on the 1st of `month`.
    pub fn office_in(&self, month: YearMonth) -> &str {
        self.transfers
            .iter()
            .rev()
            .find(|(from, _)| *from <= month)
            .map_or(self.office.as_str(), |(_, office)| office.as_str())
    }

    /// Birth date and gender of the insured person.
    pub fn insured_person(&self, insured: &Insured) -> Option<(NaiveDate, Gender)> {
        match insured {
            Insured::Member => Some((self.birth_date, self.gender)),
            Insured::Dependent(id) => self
                .dependents
                .iter()
                .find(|d| &d.id == id)
                .map(|d| (d.birth_date, d.gender)),
        }
    }
}

/// Who an enrollment insures: the member (本人) or one of their dependents (配偶者/子).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Insured {
    Member,
    Dependent(String),
}

impl fmt::Display for Insured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Insured::Member => f.write_str("self"),
            Insured::Dependent(id) => f.write_str(id),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WithdrawalOption {
    /// Coverage ends with the withdrawal month.
    #[default]
    End,
    /// 一括精算: coverage to the policy year end, billed to the person in one invoice.
    LumpSum,
    /// 口座振替: coverage continues, debited monthly from the person's bank account.
    BankTransfer,
}

impl WithdrawalOption {
    pub fn code(self) -> &'static str {
        match self {
            WithdrawalOption::End => "end",
            WithdrawalOption::LumpSum => "lump_sum",
            WithdrawalOption::BankTransfer => "bank_transfer",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Withdrawal {
    pub month: YearMonth,
    pub option: WithdrawalOption,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrollment {
    pub id: String,
    pub employee_no: String,
    pub insured: Insured,
    pub product: String,
    pub plan: String,
    pub units: u32,
    pub start_month: YearMonth,
    pub end_month: Option<YearMonth>,
    pub withdrawal: Option<Withdrawal>,
}

impl Enrollment {
    pub fn covers(&self, month: YearMonth) -> bool {
        self.start_month <= month && self.end_month.is_none_or(|end| month <= end)
    }

    /// Covered and paid through the office bill: the months after the withdrawal month of a
    /// lump-sum or bank-transfer withdrawer are paid outside it (DOMAIN.md §6).
    pub fn on_office_bill(&self, month: YearMonth) -> bool {
        self.covers(month) && !self.paid_by_person(month)
    }

    /// A month the person pays outside the office bill (lump sum or bank account transfer).
    pub fn paid_by_person(&self, month: YearMonth) -> bool {
        self.withdrawal
            .is_some_and(|w| w.option != WithdrawalOption::End && month > w.month)
    }
}

/// What was billed for one enrollment and month, net of earlier adjustments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Billed {
    pub month: YearMonth,
    pub enrollment: String,
    pub office: String,
    pub amount: Yen,
}

/// Why a member was not deducted in full (控除不能理由).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeductionReason {
    Leave,
    Retired,
    InsufficientPay,
    Other,
}

impl DeductionReason {
    pub fn label(self) -> &'static str {
        match self {
            DeductionReason::Leave => "休職",
            DeductionReason::Retired => "退職",
            DeductionReason::InsufficientPay => "給与不足",
            DeductionReason::Other => "その他",
        }
    }
    pub fn from_label(s: &str) -> Option<DeductionReason> {
        [Self::Leave, Self::Retired, Self::InsufficientPay, Self::Other]
            .into_iter()
            .find(|r| r.label() == s)
    }
}

/// An amount not deducted last month (繰越).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarryOver {
    pub enrollment: String,
    pub office: String,
    pub origin_month: YearMonth,
    pub amount: Yen,
    pub reason: DeductionReason,
    pub times_carried: u32,
}

/// A Web application (Web申込) waiting for the clerk: a proposed join.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    pub id: String,
    pub employee_no: String,
    pub product: String,
    pub plan: String,
    pub units: u32,
    pub insured: Insured,
    pub applied_on: NaiveDate,
}

/// One group's month: the package's content plus the changes accepted so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ledger {
    pub month: YearMonth,
    pub group: Group,
    pub offices: BTreeMap<String, Office>,
    pub products: BTreeMap<String, GroupProduct>,
    pub members: BTreeMap<String, Member>,
    pub enrollments: BTreeMap<String, Enrollment>,
    /// What earlier months billed, per enrollment and month. Shared: changes never touch it, so a
    /// copy of the ledger (the preview of a selection) does not copy millions of lines.
    pub billed: Arc<HashMap<(String, YearMonth), Billed>>,
    /// Months already confirmed (billed in the package, or confirmed locally).
    pub confirmed_months: BTreeSet<YearMonth>,
    pub carry_over: Vec<CarryOver>,
    pub applications: BTreeMap<String, Application>,
    /// Enrollments whose amounts changed from this month back: retroactive adjustments are
    /// computed for them from that month to the month before the ledger's month.
    pub adjusted_from: BTreeMap<String, YearMonth>,
    /// Enrollments withdrawn by a change applied this month (their lump sums are billed now).
    pub withdrawn_now: BTreeSet<String>,
    /// employee_no → ids of their enrollments (kept by `insert_enrollment`).
    pub by_member: HashMap<String, Vec<String>>,
}

impl Ledger {
    pub fn settings(&self) -> &Settings {
        &self.group.settings
    }

    /// The earliest month a change applied this month may reach back to.
    pub fn retro_floor(&self) -> YearMonth {
        self.month.plus(-(self.settings().retro_limit_months as i32))
    }

    pub fn billed_for(&self, enrollment: &str, month: YearMonth) -> Option<&Billed> {
        self.billed.get(&(enrollment.to_string(), month))
    }

    pub fn enrollments_of<'a>(&'a self, employee_no: &str) -> impl Iterator<Item = &'a Enrollment> + 'a {
        self.by_member
            .get(employee_no)
            .into_iter()
            .flatten()
            .filter_map(|id| self.enrollments.get(id))
    }

    pub fn insert_enrollment(&mut self, e: Enrollment) {
        self.by_member
            .entry(e.employee_no.clone())
            .or_default()
            .push(e.id.clone());
        self.enrollments.insert(e.id.clone(), e);
    }

    /// Rebuild `by_member` after enrollments were set directly.
    pub fn reindex(&mut self) {
        self.by_member.clear();
        for e in self.enrollments.values() {
            self.by_member
                .entry(e.employee_no.clone())
                .or_default()
                .push(e.id.clone());
        }
    }
}
