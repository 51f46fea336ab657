//! The Excel roster (加入者名簿): every member with their enrollments, one row per enrollment,
//! written as xlsx with Japanese headers and read back (docs/OUTPUTS.md "Roster").
//!
//! Writing streams through [`crate::xlsx`] (sheet XML deflated in chunks on two threads), so a
//! 300,000-member roster needs a few tens of MB whatever its size. Dates are
//! Excel dates (`yyyy-mm-dd`), months are the 1st of the month as an Excel date shown `yyyy-mm`,
//! yen are numbers shown `#,##0`; the header row is frozen and has an autofilter.
//!
//! Reading takes the roster back from xlsx (calamine's streaming cell reader, so no whole-sheet
//! copy is held), xls or csv. Headers are matched by name in any order (case and width ignored;
//! the HR data names are accepted for the member columns); other columns are ignored. Cell text
//! is kept as written: the application layer normalises it when it compares with the ledger. A
//! file with any problem is refused as a whole, every problem positioned (row, column, value).
//! What the differences with the ledger mean is decided by the application (`app::export`).

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;

use calamine::{Reader, Xlsx};
use chrono::NaiveDate;
use infoone_domain::bill::{monthly_premium, MonthlyPremium};
use infoone_domain::ledger::{Enrollment, Insured, Ledger, Member, MemberStatus, Relation, WithdrawalOption};
use infoone_domain::month::YearMonth;
use infoone_domain::product::Gender;

use crate::xlsx::{ColumnFormat, SheetWriter};

use crate::date::parse_date;
use crate::error::{code as fcode, FileError, Problem, Problems};
use crate::hr::{HrStatus, Sex};
use crate::table::{file_name, read_table_bytes, stream_sheet, ColumnSpec, Columns, Row, Table};
use crate::text::{digits_only, normalize};

/// Stable problem codes of the roster reader and of the roster import (`F4xxx`), next to the
/// shared `F1xxx`/`F2xxx` codes of [`crate::error::code`]. Listed in docs/OUTPUTS.md.
pub mod code {
    /// 被保険者区分 other than 本人/配偶者/子.
    pub const INSURED_KIND: &str = "F4001";
    /// 口数 that is not a whole number of 1 or more.
    pub const UNITS: &str = "F4002";
    /// A month (加入開始月, 加入終了月, 脱退月) that cannot be read.
    pub const MONTH: &str = "F4003";
    /// 脱退時の選択 other than 終了/一括精算/口座振替.
    pub const WITHDRAWAL_OPTION: &str = "F4004";
    /// The same 加入ID on two rows.
    pub const DUPLICATE_ENROLLMENT: &str = "F4005";
    /// A 加入ID that is not in the ledger.
    pub const UNKNOWN_ENROLLMENT: &str = "F4006";
    /// Rows of one member that give two different new values for one member column.
    pub const MEMBER_DISAGREES: &str = "F4007";
    /// A value the roster cannot change (生年月日, 性別, 商品コード, 加入開始月, an ended enrollment …).
    pub const NOT_CHANGEABLE: &str = "F4008";
    /// An office, product, plan or insured person that is not in the ledger.
    pub const UNKNOWN_REFERENCE: &str = "F4009";
    /// A row that asks for two things that do not go together (a new enrollment with an end, a
    /// plan change and a withdrawal on one row, a withdrawal option without a month).
    pub const CONFLICT: &str = "F4010";
}

/// The sheet name of the roster.
pub const SHEET: &str = "加入者名簿";

// Column names, as written in the header row.
pub const EMPLOYEE_NO: &str = "社員番号";
pub const NAME: &str = "氏名";
pub const NAME_KANA: &str = "氏名カナ";
pub const BIRTH_DATE: &str = "生年月日";
pub const GENDER: &str = "性別";
pub const OFFICE: &str = "事業所コード";
pub const OFFICE_NAME: &str = "事業所名";
pub const STATUS: &str = "在籍区分";
pub const EMAIL: &str = "メールアドレス";
pub const POSTAL_CODE: &str = "郵便番号";
pub const ADDRESS: &str = "住所";
pub const ENROLLMENT_ID: &str = "加入ID";
pub const INSURED_KIND: &str = "被保険者区分";
pub const INSURED_NAME: &str = "被保険者氏名";
pub const INSURED_BIRTH_DATE: &str = "被保険者生年月日";
pub const PRODUCT: &str = "商品コード";
pub const PRODUCT_NAME: &str = "商品名";
pub const PLAN: &str = "プラン";
pub const UNITS: &str = "口数";
pub const START_MONTH: &str = "加入開始月";
pub const END_MONTH: &str = "加入終了月";
pub const WITHDRAWAL_MONTH: &str = "脱退月";
pub const WITHDRAWAL_OPTION: &str = "脱退時の選択";
pub const PREMIUM: &str = "月額保険料";

/// The columns in the order the roster is written, with their widths (Excel character units).
pub const LAYOUT: [(&str, f64); 24] = [
    (EMPLOYEE_NO, 10.0),
    (NAME, 16.0),
    (NAME_KANA, 20.0),
    (BIRTH_DATE, 12.0),
    (GENDER, 6.0),
    (OFFICE, 13.0),
    (OFFICE_NAME, 16.0),
    (STATUS, 10.0),
    (EMAIL, 30.0),
    (POSTAL_CODE, 10.0),
    (ADDRESS, 40.0),
    (ENROLLMENT_ID, 14.0),
    (INSURED_KIND, 13.0),
    (INSURED_NAME, 16.0),
    (INSURED_BIRTH_DATE, 17.0),
    (PRODUCT, 11.0),
    (PRODUCT_NAME, 22.0),
    (PLAN, 7.0),
    (UNITS, 6.0),
    (START_MONTH, 11.0),
    (END_MONTH, 11.0),
    (WITHDRAWAL_MONTH, 9.0),
    (WITHDRAWAL_OPTION, 13.0),
    (PREMIUM, 12.0),
];

const fn spec(name: &'static str, aliases: &'static [&'static str], required: bool) -> ColumnSpec {
    ColumnSpec {
        name,
        aliases,
        required,
    }
}

/// The columns the reader looks for. Required: the ones a row cannot be understood without.
pub const COLUMNS: [ColumnSpec; 24] = [
    spec(
        EMPLOYEE_NO,
        &[EMPLOYEE_NO, "職員番号", "従業員番号", "employee_no"],
        true,
    ),
    spec(NAME, &[NAME, "漢字氏名", "name"], true),
    spec(NAME_KANA, &[NAME_KANA, "カナ氏名", "フリガナ", "name_kana"], false),
    spec(BIRTH_DATE, &[BIRTH_DATE, "birth_date"], true),
    spec(GENDER, &[GENDER, "gender"], true),
    spec(OFFICE, &[OFFICE, "所属コード", "office_code"], true),
    spec(OFFICE_NAME, &[OFFICE_NAME, "所属名", "office_name"], false),
    spec(STATUS, &[STATUS, "在籍状況", "status"], false),
    spec(EMAIL, &[EMAIL, "email"], false),
    spec(POSTAL_CODE, &[POSTAL_CODE, "postal_code"], false),
    spec(ADDRESS, &[ADDRESS, "address"], false),
    spec(ENROLLMENT_ID, &[ENROLLMENT_ID, "enrollment_id"], true),
    spec(INSURED_KIND, &[INSURED_KIND, "insured"], false),
    spec(INSURED_NAME, &[INSURED_NAME, "insured_name"], false),
    spec(INSURED_BIRTH_DATE, &[INSURED_BIRTH_DATE, "insured_birth_date"], false),
    spec(PRODUCT, &[PRODUCT, "product"], true),
    spec(PRODUCT_NAME, &[PRODUCT_NAME, "product_name"], false),
    spec(PLAN, &[PLAN, "コース", "plan"], true),
    spec(UNITS, &[UNITS, "units"], true),
    spec(START_MONTH, &[START_MONTH, "start_month"], false),
    spec(END_MONTH, &[END_MONTH, "end_month"], false),
    spec(WITHDRAWAL_MONTH, &[WITHDRAWAL_MONTH, "withdrawal_month"], false),
    spec(WITHDRAWAL_OPTION, &[WITHDRAWAL_OPTION, "withdrawal_option"], false),
    spec(PREMIUM, &[PREMIUM, "premium"], false),
];

/// Who an enrollment insures, as the roster writes it (被保険者区分).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InsuredKind {
    /// 本人
    Member,
    /// 配偶者
    Spouse,
    /// 子
    Child,
}

impl InsuredKind {
    pub fn label(self) -> &'static str {
        match self {
            InsuredKind::Member => "本人",
            InsuredKind::Spouse => "配偶者",
            InsuredKind::Child => "子",
        }
    }

    /// `本人`/`配偶者`/`子` (also `self`/`spouse`/`child`, 妻/夫, 子供); blank is 本人.
    pub fn parse(raw: &str) -> Option<InsuredKind> {
        match normalize(raw).to_lowercase().as_str() {
            "" | "本人" | "self" => Some(InsuredKind::Member),
            "配偶者" | "妻" | "夫" | "spouse" => Some(InsuredKind::Spouse),
            "子" | "子供" | "子ども" | "child" => Some(InsuredKind::Child),
            _ => None,
        }
    }

    pub fn of_relation(r: Relation) -> InsuredKind {
        match r {
            Relation::Spouse => InsuredKind::Spouse,
            Relation::Child => InsuredKind::Child,
        }
    }
}

/// 男/女.
pub fn gender_label(g: Gender) -> &'static str {
    match g {
        Gender::Male => "男",
        Gender::Female => "女",
    }
}

/// 在籍/休職/退職.
/// The member columns of an employee the ledger does not have yet, as their rows give them
/// (normalised as the ledger keeps them); `None` where two rows disagree (listed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewMemberCells {
    pub name: Option<String>,
    pub name_kana: Option<String>,
    pub email: Option<String>,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub office: Option<String>,
    pub birth_date: Option<String>,
    pub gender: Option<String>,
    pub status: Option<String>,
}

/// [`NewMemberCells`] of a new employee's rows, with every disagreement between them.
pub fn new_member_cells(rows: &[&RosterRow]) -> (NewMemberCells, Vec<Disagreement>) {
    let mut disagreements = Vec::new();
    let mut get = |field: &'static str, f: &dyn Fn(&RosterRow) -> String| {
        member_value(rows, field, f, None).unwrap_or_else(|d| {
            disagreements.push(d);
            None
        })
    };
    let cells = NewMemberCells {
        name: get(NAME, &|r| normalize(&r.member.name)),
        name_kana: get(NAME_KANA, &|r| normalize(&r.member.name_kana)),
        email: get(EMAIL, &|r| normalize(&r.member.email)),
        postal_code: get(POSTAL_CODE, &|r| normalize(&r.member.postal_code)),
        address: get(ADDRESS, &|r| normalize(&r.member.address)),
        office: get(OFFICE, &|r| r.member.office.clone()),
        birth_date: get(BIRTH_DATE, &|r| r.member.birth_date.to_string()),
        gender: get(GENDER, &|r| gender_label(r.member.gender).to_owned()),
        status: get(STATUS, &|r| r.member.status.label().to_owned()),
    };
    (cells, disagreements)
}

/// 在籍区分 as the roster writes it (在籍 / 休職 / 退職) back to a status; anything else is 在籍.
pub fn status_from_label(s: &str) -> MemberStatus {
    [MemberStatus::Active, MemberStatus::Leave, MemberStatus::Retired]
        .into_iter()
        .find(|x| x.label() == s)
        .unwrap_or_default()
}

/// `YYYYMM`, as the ids of enrollments a roster adds carry it.
pub fn yyyymm(m: YearMonth) -> String {
    format!("{:04}{:02}", m.year(), m.month())
}

/// Two rows of one member giving two different new values for a member column (F4007): the
/// second row, its value and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    pub field: &'static str,
    pub row: usize,
    pub value: String,
    pub message: String,
}

/// The value a member's rows give for one column: all rows agree, or all but those still
/// holding the ledger's value do (the clerk edited one of several rows). `current` is the
/// ledger's value (normalised), `None` for a new member.
pub fn member_value(
    rows: &[&RosterRow],
    field: &'static str,
    value: impl Fn(&RosterRow) -> String,
    current: Option<&str>,
) -> Result<Option<String>, Disagreement> {
    let mut distinct: Vec<(String, usize)> = Vec::new();
    for row in rows {
        let v = value(row);
        if current != Some(v.as_str()) && !distinct.iter().any(|(d, _)| *d == v) {
            distinct.push((v, row.row));
        }
    }
    match distinct.as_slice() {
        [] => Ok(current.map(str::to_owned)),
        [(v, _)] => Ok(Some(v.clone())),
        [(v1, r1), (v2, r2), ..] => {
            let no = rows.first().map_or("", |r| r.member.employee_no.as_str());
            Err(Disagreement {
                field,
                row: *r2,
                value: v2.clone(),
                message: format!(
                    "社員番号{no}の{field}が行によって違います（{r1}行目「{v1}」、{r2}行目「{v2}」）。同じ社員の行は同じ値にしてください"
                ),
            })
        }
    }
}

pub fn status_of(s: HrStatus) -> MemberStatus {
    match s {
        HrStatus::Active => MemberStatus::Active,
        HrStatus::Leave => MemberStatus::Leave,
        HrStatus::Retired => MemberStatus::Retired,
    }
}

/// 終了 (end of the withdrawal month), 一括精算 (lump sum), 口座振替 (bank account transfer).
pub fn option_label(o: WithdrawalOption) -> &'static str {
    match o {
        WithdrawalOption::End => "終了",
        WithdrawalOption::LumpSum => "一括精算",
        WithdrawalOption::BankTransfer => "口座振替",
    }
}

/// Reads [`option_label`]'s labels and the package codes `end`/`lump_sum`/`bank_transfer`.
pub fn parse_option(raw: &str) -> Option<WithdrawalOption> {
    match normalize(raw).to_lowercase().as_str() {
        "終了" | "脱退" | "end" => Some(WithdrawalOption::End),
        "一括精算" | "一括" | "lump_sum" => Some(WithdrawalOption::LumpSum),
        "口座振替" | "bank_transfer" => Some(WithdrawalOption::BankTransfer),
        _ => None,
    }
}

/// A month: `2026-12`, `2026/12`, `202612`, `2026年12月`, or any date [`parse_date`] reads
/// (an Excel date, `2026-12-01`, `令和8年12月1日` …) taken as its month.
pub fn parse_month(raw: &str) -> Option<YearMonth> {
    let s = normalize(raw).replace(' ', "");
    let ym = |y: &str, m: &str| -> Option<YearMonth> {
        if y.len() != 4 || m.is_empty() || m.len() > 2 || !(y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())) {
            return None;
        }
        YearMonth::new(y.parse().ok()?, m.parse().ok()?)
    };
    let direct = if let Some(rest) = s.strip_suffix('月') {
        rest.split_once('年').and_then(|(y, m)| ym(y, m))
    } else if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        ym(&s[..4], &s[4..])
    } else {
        s.split_once(['-', '/', '.']).and_then(|(y, m)| ym(y, m))
    };
    direct.or_else(|| parse_date(raw).ok().map(YearMonth::of))
}

/// The member columns of a roster row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterMember {
    /// Digits, leading zeros kept.
    pub employee_no: String,
    pub name: String,
    pub name_kana: String,
    pub birth_date: NaiveDate,
    pub gender: Gender,
    /// The member's office code (the latest one, transfers included).
    pub office: String,
    /// For the reader only; not compared.
    pub office_name: String,
    pub status: MemberStatus,
    pub email: String,
    pub postal_code: String,
    pub address: String,
}

/// The enrollment columns of a roster row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterEnrollment {
    /// Blank for a new enrollment (a join).
    pub id: String,
    pub insured: InsuredKind,
    /// The insured person's name and birth date (the member's for 本人); they identify the
    /// dependent of a new enrollment and are not compared otherwise.
    pub insured_name: String,
    pub insured_birth_date: Option<NaiveDate>,
    pub product: String,
    pub product_name: String,
    pub plan: String,
    pub units: u32,
    pub start_month: Option<YearMonth>,
    pub end_month: Option<YearMonth>,
    pub withdrawal_month: Option<YearMonth>,
    pub withdrawal_option: Option<WithdrawalOption>,
    /// 月額保険料 for the ledger's month (blank when not covered or not computable); not read back
    /// into anything.
    pub premium: Option<i64>,
}

/// One roster row: a member and one of their enrollments (none for a member without any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterRow {
    /// 1-based row as Excel shows it.
    pub row: usize,
    pub member: RosterMember,
    pub enrollment: Option<RosterEnrollment>,
}

/// The member's latest office: after every transfer recorded so far.
pub fn latest_office(m: &Member) -> &str {
    m.transfers.last().map_or(m.office.as_str(), |(_, o)| o.as_str())
}

/// The member columns of a roster row, borrowed from the ledger.
#[derive(Clone, Copy, Debug)]
pub struct MemberRef<'a> {
    pub member: &'a Member,
    /// The latest office and its name.
    pub office: &'a str,
    pub office_name: &'a str,
}

/// The enrollment columns of a roster row, borrowed from the ledger.
#[derive(Clone, Copy, Debug)]
pub struct EnrollmentRef<'a> {
    pub enrollment: &'a Enrollment,
    pub insured: InsuredKind,
    pub insured_name: &'a str,
    pub insured_birth_date: Option<NaiveDate>,
    pub product_name: &'a str,
    pub premium: Option<i64>,
}

/// One roster row borrowed from the ledger: what the writer writes, and what [`roster_rows`]
/// copies.
#[derive(Clone, Copy, Debug)]
pub struct RowRef<'a> {
    pub member: MemberRef<'a>,
    pub enrollment: Option<EnrollmentRef<'a>>,
}

fn member_ref<'a>(ledger: &'a Ledger, m: &'a Member) -> MemberRef<'a> {
    let office = latest_office(m);
    MemberRef {
        member: m,
        office,
        office_name: ledger.offices.get(office).map_or("", |o| o.name.as_str()),
    }
}

/// The roster cells of one enrollment: the §3 premium of the ledger's month, blank when the
/// enrollment does not cover it (or it cannot be computed: the bill shows that finding).
pub fn enrollment_ref<'a>(ledger: &'a Ledger, m: &'a Member, e: &'a Enrollment) -> EnrollmentRef<'a> {
    let (insured, insured_name, insured_birth_date) = match &e.insured {
        Insured::Member => (InsuredKind::Member, m.name.as_str(), Some(m.birth_date)),
        Insured::Dependent(id) => match m.dependents.iter().find(|d| &d.id == id) {
            Some(d) => (
                InsuredKind::of_relation(d.relation),
                d.name.as_str(),
                Some(d.birth_date),
            ),
            None => (InsuredKind::Spouse, "", None),
        },
    };
    EnrollmentRef {
        enrollment: e,
        insured,
        insured_name,
        insured_birth_date,
        product_name: ledger.products.get(&e.product).map_or("", |p| p.name.as_str()),
        premium: match monthly_premium(ledger, e, ledger.month) {
            MonthlyPremium::Due(y) => Some(y.to_i64()),
            MonthlyPremium::None | MonthlyPremium::Error(_) => None,
        },
    }
}

/// Calls `f` with the roster rows of `ledger` in order: members by employee number; each
/// member's enrollments by id (one row each), or one row without an enrollment.
pub fn for_each_row<'a>(ledger: &'a Ledger, mut f: impl FnMut(RowRef<'a>)) {
    let mut es: Vec<&'a Enrollment> = Vec::new();
    for m in ledger.members.values() {
        es.clear();
        es.extend(ledger.enrollments_of(&m.employee_no));
        es.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let member = member_ref(ledger, m);
        if es.is_empty() {
            f(RowRef {
                member,
                enrollment: None,
            });
        }
        for e in &es {
            f(RowRef {
                member,
                enrollment: Some(enrollment_ref(ledger, m, e)),
            });
        }
    }
}

impl RowRef<'_> {
    /// The row as owned cells, numbered `row`.
    pub fn to_row(&self, row: usize) -> RosterRow {
        let m = self.member.member;
        RosterRow {
            row,
            member: RosterMember {
                employee_no: m.employee_no.clone(),
                name: m.name.clone(),
                name_kana: m.name_kana.clone(),
                birth_date: m.birth_date,
                gender: m.gender,
                office: self.member.office.to_owned(),
                office_name: self.member.office_name.to_owned(),
                status: m.status,
                email: m.email.clone(),
                postal_code: m.postal_code.clone(),
                address: m.address.clone(),
            },
            enrollment: self.enrollment.map(|x| {
                let e = x.enrollment;
                RosterEnrollment {
                    id: e.id.clone(),
                    insured: x.insured,
                    insured_name: x.insured_name.to_owned(),
                    insured_birth_date: x.insured_birth_date,
                    product: e.product.clone(),
                    product_name: x.product_name.to_owned(),
                    plan: e.plan.clone(),
                    units: e.units,
                    start_month: Some(e.start_month),
                    end_month: e.end_month,
                    withdrawal_month: e.withdrawal.map(|w| w.month),
                    withdrawal_option: e.withdrawal.map(|w| w.option),
                    premium: x.premium,
                }
            }),
        }
    }
}

/// The roster of a ledger as owned rows, numbered from 2 (row 1 is the header): exactly the
/// cells [`write_roster`] writes.
pub fn roster_rows(ledger: &Ledger) -> Vec<RosterRow> {
    let mut rows = Vec::new();
    for_each_row(ledger, |r| rows.push(r.to_row(rows.len() + 2)));
    rows
}

/// The number format of each roster column (the rest are text or general).
fn column_format(c: usize) -> ColumnFormat {
    match c {
        3 | 14 => ColumnFormat::Date,
        18 => ColumnFormat::Whole,
        19..=21 => ColumnFormat::Month,
        23 => ColumnFormat::Yen,
        _ => ColumnFormat::General,
    }
}

#[derive(Clone, Copy)]
struct MemberCells<'r> {
    employee_no: &'r str,
    name: &'r str,
    name_kana: &'r str,
    birth_date: NaiveDate,
    gender: Gender,
    office: &'r str,
    office_name: &'r str,
    status: MemberStatus,
    email: &'r str,
    postal_code: &'r str,
    address: &'r str,
}

#[derive(Clone, Copy)]
struct EnrollmentCells<'r> {
    id: &'r str,
    insured: InsuredKind,
    insured_name: &'r str,
    insured_birth_date: Option<NaiveDate>,
    product: &'r str,
    product_name: &'r str,
    plan: &'r str,
    units: u32,
    months: [Option<YearMonth>; 3],
    option: Option<WithdrawalOption>,
    premium: Option<i64>,
}

fn write_row(ws: &mut SheetWriter, m: MemberCells<'_>, e: Option<EnrollmentCells<'_>>) -> std::io::Result<()> {
    ws.start_row();
    ws.text(0, m.employee_no);
    ws.text(1, m.name);
    ws.text(2, m.name_kana);
    ws.date(3, m.birth_date);
    ws.text(4, gender_label(m.gender));
    ws.text(5, m.office);
    ws.text(6, m.office_name);
    ws.text(7, m.status.label());
    ws.text(8, m.email);
    ws.text(9, m.postal_code);
    ws.text(10, m.address);
    if let Some(e) = e {
        ws.text(11, e.id);
        ws.text(12, e.insured.label());
        ws.text(13, e.insured_name);
        if let Some(d) = e.insured_birth_date {
            ws.date(14, d);
        }
        ws.text(15, e.product);
        ws.text(16, e.product_name);
        ws.text(17, e.plan);
        ws.number(18, i64::from(e.units));
        for (c, month) in (19..).zip(e.months) {
            if let Some(month) = month {
                ws.date(c, month.first_day());
            }
        }
        if let Some(o) = e.option {
            ws.text(22, option_label(o));
        }
        if let Some(y) = e.premium {
            ws.number(23, y);
        }
    }
    ws.end_row()
}

fn write_ref(ws: &mut SheetWriter, row: &RowRef<'_>) -> std::io::Result<()> {
    let m = row.member.member;
    let cells = MemberCells {
        employee_no: &m.employee_no,
        name: &m.name,
        name_kana: &m.name_kana,
        birth_date: m.birth_date,
        gender: m.gender,
        office: row.member.office,
        office_name: row.member.office_name,
        status: m.status,
        email: &m.email,
        postal_code: &m.postal_code,
        address: &m.address,
    };
    let e = row.enrollment.as_ref().map(|x| {
        let e = x.enrollment;
        EnrollmentCells {
            id: &e.id,
            insured: x.insured,
            insured_name: x.insured_name,
            insured_birth_date: x.insured_birth_date,
            product: &e.product,
            product_name: x.product_name,
            plan: &e.plan,
            units: e.units,
            months: [Some(e.start_month), e.end_month, e.withdrawal.map(|w| w.month)],
            option: e.withdrawal.map(|w| w.option),
            premium: x.premium,
        }
    });
    write_row(ws, cells, e)
}

fn write_owned(ws: &mut SheetWriter, row: &RosterRow) -> std::io::Result<()> {
    let m = &row.member;
    let cells = MemberCells {
        employee_no: &m.employee_no,
        name: &m.name,
        name_kana: &m.name_kana,
        birth_date: m.birth_date,
        gender: m.gender,
        office: &m.office,
        office_name: &m.office_name,
        status: m.status,
        email: &m.email,
        postal_code: &m.postal_code,
        address: &m.address,
    };
    let e = row.enrollment.as_ref().map(|e| EnrollmentCells {
        id: &e.id,
        insured: e.insured,
        insured_name: &e.insured_name,
        insured_birth_date: e.insured_birth_date,
        product: &e.product,
        product_name: &e.product_name,
        plan: &e.plan,
        units: e.units,
        months: [e.start_month, e.end_month, e.withdrawal_month],
        option: e.withdrawal_option,
        premium: e.premium,
    });
    write_row(ws, cells, e)
}

/// The roster sheet with its header written (formats::xlsx: streamed, deflated on other threads).
/// Dates, months and numbers take their format from their column.
fn roster_sheet(path: &Path) -> std::io::Result<SheetWriter> {
    SheetWriter::create(path, SHEET, &crate::xlsx::columns(&LAYOUT, column_format))
}

/// Rows handed from the thread that reads the ledger to the one that writes cells.
const BATCH: usize = 2048;

/// Writes the roster of `ledger` to `path`; returns the number of data rows. One thread reads
/// the ledger (enrollments, premiums) while the calling one writes the sheet XML, and the XML is
/// deflated on two more (formats::xlsx).
pub fn write_roster(ledger: &Ledger, path: &Path) -> std::io::Result<usize> {
    let mut ws = roster_sheet(path)?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RowRef<'_>>>(8);
    std::thread::scope(|scope| -> std::io::Result<()> {
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            for_each_row(ledger, |r| {
                batch.push(r);
                if batch.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    // The writer stops receiving only on an error; the rows are not needed then.
                    let _ = tx.send(full);
                }
            });
            let _ = tx.send(batch);
        });
        for batch in rx {
            for row in &batch {
                write_ref(&mut ws, row)?;
            }
        }
        Ok(())
    })?;
    Ok(ws.finish()? as usize)
}

/// Writes roster rows (in order) to `path`; returns how many.
pub fn write_roster_rows(rows: impl IntoIterator<Item = RosterRow>, path: &Path) -> std::io::Result<usize> {
    let mut ws = roster_sheet(path)?;
    for row in rows {
        write_owned(&mut ws, &row)?;
    }
    Ok(ws.finish()? as usize)
}

/// A read roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    /// The file's name (for positioned messages).
    pub file: String,
    pub rows: Vec<RosterRow>,
    /// The fields whose column the file has, with the header text as written.
    pub columns: Vec<(&'static str, String)>,
    /// Header texts of the columns the reader does not use.
    pub unknown_columns: Vec<String>,
}

impl Roster {
    /// The rows of each employee, employees in the order they first appear in the file.
    pub fn by_member(&self) -> Vec<(&str, Vec<&RosterRow>)> {
        let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let mut groups: Vec<(&str, Vec<&RosterRow>)> = Vec::new();
        for row in &self.rows {
            let no = row.member.employee_no.as_str();
            let i = *index.entry(no).or_insert_with(|| {
                groups.push((no, Vec::new()));
                groups.len() - 1
            });
            groups[i].1.push(row);
        }
        groups
    }

    /// Whether the file has the column of `field` (one of the column names above).
    pub fn has(&self, field: &str) -> bool {
        self.columns.iter().any(|(f, _)| *f == field)
    }

    /// The header text of `field` as written in the file (the field's name when absent).
    pub fn header(&self, field: &'static str) -> &str {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(field, |(_, h)| h.as_str())
    }
}

/// Reads a roster from disk (xlsx, xls or csv).
pub fn read_roster(path: &Path) -> Result<Roster, FileError> {
    let name = file_name(path);
    let bytes = crate::table::read_bounded(path, crate::limits::MAX_WORKBOOK_BYTES)?;
    read_roster_bytes(&name, &bytes)
}

/// Reads a roster from a file's content; `name` is the file name used in messages.
pub fn read_roster_bytes(name: &str, bytes: &[u8]) -> Result<Roster, FileError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(name, bytes);
    }
    let table = read_table_bytes(name, bytes)?;
    let mut parser = Parser::new(name, table.header_row, table.headers.clone())?;
    for row in &table.rows {
        parser.push(row);
    }
    parser.finish()
}

fn read_xlsx(name: &str, bytes: &[u8]) -> Result<Roster, FileError> {
    let unreadable = |detail: String| {
        FileError::single(
            name,
            Problem::new(
                fcode::WORKBOOK_UNREADABLE,
                format!("Excelファイルとして読めません（{detail}）"),
            ),
        )
    };
    crate::limits::check_workbook_zip(name, bytes)?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let names = wb.sheet_names();
    let sheet = names
        .iter()
        .find(|s| s.as_str() == SHEET)
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| unreadable("シートがありません".into()))?;
    let mut parser: Option<Parser<'_>> = None;
    stream_sheet(name, &mut wb, &sheet, |row| push_row(name, &row, &mut parser))?;
    match parser {
        Some(p) => p.finish(),
        None => Err(FileError::single(
            name,
            Problem::new(fcode::NO_HEADER, "見出しの行がありません（ファイルが空です）"),
        )),
    }
}

/// Hands a complete row to the parser (the first non-blank row is the header); blank rows are
/// skipped.
fn push_row<'a>(name: &'a str, row: &Row, parser: &mut Option<Parser<'a>>) -> Result<(), FileError> {
    if row.cells.iter().all(|c| normalize(c).is_empty()) {
        return Ok(());
    }
    match parser {
        Some(p) => p.push(row),
        None => {
            *parser = Some(Parser::new(
                name,
                row.row,
                row.cells.iter().map(|h| h.trim().to_owned()).collect(),
            )?)
        }
    }
    Ok(())
}

/// Turns rows into [`RosterRow`]s, collecting problems.
struct Parser<'a> {
    file: &'a str,
    table: Table,
    columns: Columns,
    problems: Problems,
    rows: Vec<RosterRow>,
    /// 加入ID → the first row that has it.
    ids: HashMap<String, usize>,
}

impl<'a> Parser<'a> {
    fn new(file: &'a str, header_row: usize, headers: Vec<String>) -> Result<Parser<'a>, FileError> {
        let table = Table {
            file: file.to_owned(),
            encoding: None,
            header_row,
            headers,
            rows: Vec::new(),
        };
        let columns = table.columns(&COLUMNS).map_err(|p| FileError::new(file, p))?;
        Ok(Parser {
            file,
            table,
            columns,
            problems: Problems::new(),
            rows: Vec::new(),
            ids: HashMap::new(),
        })
    }

    fn push(&mut self, row: &Row) {
        // A duplicate 加入ID is a problem also when other cells of either row have problems.
        let index = self.columns.index(ENROLLMENT_ID).unwrap_or(0);
        let id = normalize(row.get(index));
        let mut duplicate = false;
        if !id.is_empty() {
            if let Some(first) = self.ids.get(&id) {
                duplicate = true;
                self.problems.push(
                    Problem::new(
                        code::DUPLICATE_ENROLLMENT,
                        format!(
                            "加入ID「{id}」が{first}行目と{}行目の2か所にあります（1加入1行にしてください）",
                            row.row
                        ),
                    )
                    .at_row(row.row)
                    .in_column(self.table.header(index))
                    .with_value(row.get(index)),
                );
            } else {
                self.ids.insert(id, row.row);
            }
        }
        let mut cells = Cells {
            table: &self.table,
            columns: &self.columns,
            row,
            problems: &mut self.problems,
        };
        if let Some(parsed) = cells.roster_row().filter(|_| !duplicate) {
            self.rows.push(parsed);
        }
    }

    fn finish(mut self) -> Result<Roster, FileError> {
        if self.rows.is_empty() && self.problems.is_empty() {
            self.problems.push(Problem::new(
                fcode::NO_ROWS,
                "加入者の行がありません（見出しの行の下に1加入1行で入力してください）",
            ));
        }
        self.problems.finish(self.file)?;
        let columns = COLUMNS
            .iter()
            .filter_map(|s| {
                self.columns
                    .index(s.name)
                    .map(|i| (s.name, self.table.header(i).to_owned()))
            })
            .collect();
        Ok(Roster {
            file: self.file.to_owned(),
            rows: self.rows,
            columns,
            unknown_columns: self
                .columns
                .unknown
                .iter()
                .map(|&i| self.table.header(i).to_owned())
                .collect(),
        })
    }
}

/// Reads the cells of one row, recording problems.
struct Cells<'a, 'p> {
    table: &'a Table,
    columns: &'a Columns,
    row: &'a Row,
    problems: &'p mut Problems,
}

type Parsed<T> = Result<T, (&'static str, String)>;

impl<'a> Cells<'a, '_> {
    fn raw(&self, field: &str) -> Option<(usize, &'a str)> {
        let row: &'a Row = self.row;
        self.columns.index(field).map(|i| (i, row.get(i)))
    }

    /// The cell's text as written ("" when the column is absent).
    fn text(&self, field: &str) -> String {
        self.raw(field).map_or_else(String::new, |(_, raw)| raw.to_owned())
    }

    fn blank(&self, field: &str) -> bool {
        self.raw(field).is_none_or(|(_, raw)| normalize(raw).is_empty())
    }

    fn problem(&mut self, index: usize, code: &'static str, expected: String, value: Option<&str>) {
        let mut p = Problem::new(code, expected)
            .at_row(self.row.row)
            .in_column(self.table.header(index));
        p.value = value.map(str::to_owned);
        self.problems.push(p);
    }

    /// A required field: blank or unreadable is a problem (`None`).
    fn required<T>(&mut self, field: &str, parse: impl FnOnce(&str) -> Parsed<T>) -> Option<T> {
        let (index, raw) = self.raw(field)?;
        if normalize(raw).is_empty() {
            self.problem(
                index,
                fcode::REQUIRED_EMPTY,
                format!("{field}が空欄です（必須の項目です）"),
                None,
            );
            return None;
        }
        match parse(raw) {
            Ok(v) => Some(v),
            Err((code, expected)) => {
                self.problem(index, code, expected, Some(raw));
                None
            }
        }
    }

    /// An optional field: blank or absent is `Ok(None)`; unreadable is a problem (`Err`).
    fn optional<T>(&mut self, field: &str, parse: impl FnOnce(&str) -> Parsed<T>) -> Result<Option<T>, ()> {
        let Some((index, raw)) = self.raw(field) else {
            return Ok(None);
        };
        if normalize(raw).is_empty() {
            return Ok(None);
        }
        match parse(raw) {
            Ok(v) => Ok(Some(v)),
            Err((code, expected)) => {
                self.problem(index, code, expected, Some(raw));
                Err(())
            }
        }
    }

    fn roster_row(&mut self) -> Option<RosterRow> {
        let employee_no = self.required(EMPLOYEE_NO, |raw| {
            digits_only(raw).ok_or((
                fcode::DIGITS,
                "社員番号（数字のみ。全角数字も可、先頭の0はそのまま）".to_owned(),
            ))
        });
        let name = self.required(NAME, |raw| Ok(raw.to_owned()));
        let birth_date = self.required(BIRTH_DATE, date);
        let gender = self.required(GENDER, |raw| {
            Sex::parse(raw)
                .map(|s| match s {
                    Sex::Male => Gender::Male,
                    Sex::Female => Gender::Female,
                })
                .ok_or((fcode::GENDER, "性別（男/女、M/F、1/2）".to_owned()))
        });
        let office = self.required(OFFICE, |raw| Ok(normalize(raw)));
        let status = self.optional(STATUS, |raw| {
            HrStatus::parse(raw)
                .map(status_of)
                .ok_or((fcode::HR_STATUS, "在籍区分（在籍/休職/退職。空欄は在籍）".to_owned()))
        });
        let has_enrollment = [
            ENROLLMENT_ID,
            PRODUCT,
            PLAN,
            UNITS,
            START_MONTH,
            END_MONTH,
            WITHDRAWAL_MONTH,
            WITHDRAWAL_OPTION,
        ]
        .iter()
        .any(|f| !self.blank(f));
        let enrollment = if has_enrollment {
            self.enrollment().map(Some)
        } else {
            Some(None)
        };
        let member = RosterMember {
            employee_no: employee_no?,
            name: name?,
            name_kana: self.text(NAME_KANA),
            birth_date: birth_date?,
            gender: gender?,
            office: office?,
            office_name: self.text(OFFICE_NAME),
            status: status.ok()?.unwrap_or(MemberStatus::Active),
            email: self.text(EMAIL),
            postal_code: self.text(POSTAL_CODE),
            address: self.text(ADDRESS),
        };
        Some(RosterRow {
            row: self.row.row,
            member,
            enrollment: enrollment?,
        })
    }

    fn enrollment(&mut self) -> Option<RosterEnrollment> {
        let id = self
            .raw(ENROLLMENT_ID)
            .map_or_else(String::new, |(_, raw)| normalize(raw));
        let insured = self.optional(INSURED_KIND, |raw| {
            InsuredKind::parse(raw).ok_or((
                code::INSURED_KIND,
                "被保険者区分（本人/配偶者/子。空欄は本人）".to_owned(),
            ))
        });
        let insured_birth_date = self.optional(INSURED_BIRTH_DATE, date);
        let product = self.required(PRODUCT, |raw| Ok(normalize(raw)));
        let plan = self.required(PLAN, |raw| Ok(normalize(raw)));
        let units = self.required(UNITS, |raw| {
            normalize(raw)
                .parse::<u32>()
                .ok()
                .filter(|u| *u >= 1)
                .ok_or((code::UNITS, "口数（1以上の整数）".to_owned()))
        });
        let start_month = self.optional(START_MONTH, month);
        let end_month = self.optional(END_MONTH, month);
        let withdrawal_month = self.optional(WITHDRAWAL_MONTH, month);
        let withdrawal_option = self.optional(WITHDRAWAL_OPTION, |raw| {
            parse_option(raw).ok_or((
                code::WITHDRAWAL_OPTION,
                "脱退時の選択（終了/一括精算/口座振替）".to_owned(),
            ))
        });
        // 月額保険料 is computed, never read into anything: an unreadable cell is left blank.
        let premium = self
            .raw(PREMIUM)
            .and_then(|(_, raw)| normalize(raw).replace([',', '¥', '円', '\\'], "").parse::<i64>().ok());
        Some(RosterEnrollment {
            id,
            insured: insured.ok()?.unwrap_or(InsuredKind::Member),
            insured_name: self.text(INSURED_NAME),
            insured_birth_date: insured_birth_date.ok()?,
            product: product?,
            product_name: self.text(PRODUCT_NAME),
            plan: plan?,
            units: units?,
            start_month: start_month.ok()?,
            end_month: end_month.ok()?,
            withdrawal_month: withdrawal_month.ok()?,
            withdrawal_option: withdrawal_option.ok()?,
            premium,
        })
    }
}

fn date(raw: &str) -> Parsed<NaiveDate> {
    parse_date(raw).map_err(|e| (e.code, e.message))
}

fn month(raw: &str) -> Parsed<YearMonth> {
    parse_month(raw).ok_or((
        code::MONTH,
        "年月（例: 2026-12、2026/12、2026年12月。日付ならその月）".to_owned(),
    ))
}
