//! The monthly bill package (`infoone.bill-package/1`, FORMATS.md), insurer → group.
//!
//! The model is plain serde structs that mirror the JSON field for field (English snake_case);
//! converting them to domain types is the job of the layer above. Closed vocabularies are enums.
//! Months (`"YYYY-MM"`) and dates (`"YYYY-MM-DD"`) stay strings in the model: [`parse_package`]
//! checks every one of them, so after it succeeds [`parse_month`] and [`parse_date`] cannot fail
//! on the package's own values.
//!
//! Reading happens in two steps, and a rejected file changes nothing:
//! 1. syntax and types: the first error, positioned by JSON path (`members[0].gender`) and by
//!    line and column (columns count characters, not bytes);
//! 2. meaning: every problem found, each with its JSON path, in document order (ids unique,
//!    references resolve, months and dates real, rates in range, …).
//!
//! Fields this version does not know are allowed (forward compatibility) and reported as warnings
//! by [`parse_package_with_warnings`]; they are not kept.
//!
//! **Decimals.** Money rates are JSON strings of decimals (`"37.5"`, `"0.10"`) read into
//! [`rust_decimal::Decimal`] with their scale, so writing them back gives the same text. A JSON
//! number is accepted too, and never goes through `f64`: the field is read as a
//! `serde_json::value::RawValue` (serde_json's `raw_value` feature) and the number's own text is
//! parsed. (`arbitrary_precision` was not used: it changes how every crate of the workspace sees
//! `serde_json::Value` numbers.) Written packages always use strings. Yen amounts are JSON
//! integers.
//!
//! **Version.** [`package_version`] is `"sha256:"` + the hex SHA-256 of the package's canonical
//! bytes: the package as [`write_package_compact`] writes it with `version` set to `""` (the
//! version cannot hash itself). Layout, key order, number spelling and unknown fields therefore do
//! not change it. Bytes that are not a readable package are hashed as they are.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// The exact value of a bill package's `format`.
pub const PACKAGE_FORMAT: &str = "infoone.bill-package/1";
/// The value of `insured` for the member themself.
pub const INSURED_SELF: &str = "self";

// ---------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------

/// One group's month, as the insurer sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillPackage {
    /// Always [`PACKAGE_FORMAT`].
    pub format: String,
    /// The billing month, `"YYYY-MM"`.
    pub month: String,
    /// The content hash, `"sha256:…"` (see [`package_version`]).
    pub version: String,
    /// `"YYYY-MM-DD"`.
    pub issued_on: String,
    pub group: Group,
    pub offices: Vec<Office>,
    pub group_products: Vec<GroupProduct>,
    pub members: Vec<Member>,
    pub enrollments: Vec<Enrollment>,
    #[serde(default)]
    pub pending_applications: Vec<PendingApplication>,
    #[serde(default)]
    pub carry_over: Vec<CarryOver>,
    #[serde(default)]
    pub billed: Vec<Billed>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_kana: String,
    #[serde(default)]
    pub settings: Settings,
    /// Where offices pay their invoices.
    pub payee_account: BankAccount,
    /// The group's Zengin account-transfer contract; absent when it has none.
    #[serde(default)]
    pub collection_account: Option<CollectionAccount>,
}

/// `group.settings`, with the defaults of DOMAIN.md §2 for every absent field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// 締日, 1–28.
    #[serde(default = "default_cutoff_day")]
    pub cutoff_day: u32,
    /// 更新月, 1–12.
    #[serde(default = "default_anniversary_month")]
    pub policy_anniversary_month: u32,
    #[serde(default)]
    pub payment_due: PaymentDue,
    #[serde(default = "default_retro_limit_months")]
    pub retro_limit_months: u32,
    #[serde(default)]
    pub fee_settlement: FeeSettlement,
    #[serde(default)]
    pub undeducted_handling: UndeductedHandling,
    /// Consumption tax on the collection fee, in [0, 1).
    #[serde(default = "default_tax_rate", with = "decimal_text")]
    pub tax_rate: Decimal,
    /// How invoices and letters write dates. Not written when it is the default, so the version
    /// hash of a package without it is unchanged.
    #[serde(default, skip_serializing_if = "DateStyle::is_gregorian")]
    pub date_style: DateStyle,
}

/// 日付の表記 on invoices and letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateStyle {
    /// 2026年12月25日.
    #[default]
    Gregorian,
    /// 和暦: 令和8年12月25日.
    Wareki,
}

impl DateStyle {
    pub fn is_gregorian(&self) -> bool {
        *self == DateStyle::Gregorian
    }
}

fn default_cutoff_day() -> u32 {
    20
}
fn default_anniversary_month() -> u32 {
    4
}
fn default_retro_limit_months() -> u32 {
    6
}
fn default_tax_rate() -> Decimal {
    Decimal::new(10, 2)
}
fn default_min_members() -> u32 {
    10
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            cutoff_day: default_cutoff_day(),
            policy_anniversary_month: default_anniversary_month(),
            payment_due: PaymentDue::default(),
            retro_limit_months: default_retro_limit_months(),
            fee_settlement: FeeSettlement::default(),
            undeducted_handling: UndeductedHandling::default(),
            tax_rate: default_tax_rate(),
            date_style: DateStyle::default(),
        }
    }
}

/// 入金期日.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentDue {
    /// The last day of the month after the billing month (previous bank business day if closed).
    #[default]
    EndOfNextMonth,
}

/// 集金事務費の精算.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeSettlement {
    /// The office pays premiums minus the fee and its tax.
    #[default]
    Offset,
    /// The office pays all premiums; the insurer pays the fee separately.
    Separate,
}

/// 控除不能の扱い.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UndeductedHandling {
    /// Carried over once, then billed individually.
    #[default]
    CarryOver,
    Individual,
}

/// A bank account: a member's (for account transfer) or the group's `payee_account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    /// 4 digits.
    pub bank_code: String,
    /// 3 digits.
    pub branch_code: String,
    pub account_type: AccountType,
    /// Up to 7 digits.
    pub account_no: String,
    /// Half-width kana as the bank knows the holder.
    pub holder_kana: String,
}

/// 預金種目.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AccountType {
    /// `"1"` 普通.
    #[serde(rename = "1")]
    Ordinary,
    /// `"2"` 当座.
    #[serde(rename = "2")]
    Current,
}

/// The group's contract for Zengin account transfer (口座振替).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionAccount {
    /// 委託者コード, 10 digits.
    pub consignor_code: String,
    /// 委託者名, half-width kana.
    pub consignor_name_kana: String,
    /// Nominal debit day, 1–31 (moved to a bank business day when debiting).
    pub debit_day: u32,
    pub bank_code: String,
    pub bank_name_kana: String,
    pub branch_code: String,
    pub branch_name_kana: String,
    pub account_type: AccountType,
    pub account_no: String,
}

/// 事業所: the billing unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Office {
    pub code: String,
    pub name: String,
    /// 保険料控除先.
    pub deduction_destination: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// 団体別取扱商品.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupProduct {
    pub code: String,
    pub name: String,
    pub age_method: AgeMethod,
    pub min_age: u32,
    pub max_age: u32,
    #[serde(default = "default_min_members")]
    pub min_members: u32,
    /// 団体割引率, in [0, 1).
    #[serde(with = "decimal_text")]
    pub discount_rate: Decimal,
    /// 代理店手数料率, in [0, 1).
    #[serde(with = "decimal_text")]
    pub commission_rate: Decimal,
    /// 集金事務費率, in [0, 1).
    #[serde(with = "decimal_text")]
    pub fee_rate: Decimal,
    #[serde(default)]
    pub rounding: Rounding,
    #[serde(default)]
    pub mid_term_change: bool,
    pub plans: Vec<Plan>,
    pub rates: Vec<RateRow>,
    pub agent_code: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeMethod {
    /// 満年齢.
    CompletedYears,
    /// 保険年齢.
    InsuranceAge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// 切り捨て.
    #[default]
    Floor,
    /// 切り上げ.
    Ceil,
    /// 四捨五入.
    HalfUp,
}

/// コース.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub code: String,
    pub name: String,
}

/// One row of a rate table: yen per unit per month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateRow {
    pub plan: String,
    pub min_age: u32,
    pub max_age: u32,
    pub gender: RateGender,
    #[serde(with = "decimal_text")]
    pub rate: Decimal,
}

/// A person's gender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Gender {
    M,
    F,
}

/// A rate row's gender: `U` is unisex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RateGender {
    M,
    F,
    U,
}

impl RateGender {
    /// Whether this row applies to a person of gender `g`.
    pub fn matches(self, g: Gender) -> bool {
        matches!(
            (self, g),
            (RateGender::U, _) | (RateGender::M, Gender::M) | (RateGender::F, Gender::F)
        )
    }
}

/// 加入者: an employee of the group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub employee_no: String,
    pub name: String,
    #[serde(default)]
    pub name_kana: String,
    /// `"YYYY-MM-DD"`.
    pub birth_date: String,
    pub gender: Gender,
    /// The office on the 1st of the package month.
    pub office: String,
    #[serde(default)]
    pub status: MemberStatus,
    /// `"YYYY-MM-DD"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_on: Option<String>,
    #[serde(default)]
    pub dependents: Vec<Dependent>,
    #[serde(default)]
    pub bank_account: Option<BankAccount>,
    /// メールアドレス (optional; compared with HR data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// 郵便番号 (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// 住所 (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// 在籍.
    #[default]
    Active,
    /// 休職.
    Leave,
    /// 退職.
    Retired,
}

/// A member's spouse or child who can be insured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependent {
    /// Unique within the member; what an enrollment's `insured` names.
    pub id: String,
    pub relation: Relation,
    pub name: String,
    /// `"YYYY-MM-DD"`.
    pub birth_date: String,
    pub gender: Gender,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// 配偶者.
    Spouse,
    /// 子.
    Child,
}

/// 加入: member × group product × plan × units × insured person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub id: String,
    pub employee_no: String,
    /// [`INSURED_SELF`] or the id of one of the member's dependents.
    pub insured: String,
    pub product: String,
    pub plan: String,
    pub units: u32,
    /// `"YYYY-MM"`, first covered month.
    pub start_month: String,
    /// `"YYYY-MM"`, last covered month; `None` while open.
    #[serde(default)]
    pub end_month: Option<String>,
    /// For withdrawers: how the months after the withdrawal month are handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal_option: Option<WithdrawalOption>,
    /// For withdrawers: `"YYYY-MM"`, the month of the withdrawal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawal_month: Option<String>,
}

impl Enrollment {
    /// The dependent's id when the insured person is not the member themself.
    pub fn insured_dependent(&self) -> Option<&str> {
        (self.insured != INSURED_SELF).then_some(self.insured.as_str())
    }
}

/// 脱退者の選択 (DOMAIN.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawalOption {
    /// Coverage ends with the withdrawal month.
    End,
    /// 一括精算.
    LumpSum,
    /// 口座振替.
    BankTransfer,
}

/// A Web application waiting for the clerk (Web申込).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingApplication {
    pub id: String,
    pub employee_no: String,
    pub product: String,
    pub plan: String,
    pub units: u32,
    pub insured: String,
    /// `"YYYY-MM-DD"`.
    pub applied_on: String,
}

/// An amount not deducted last month (繰越).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarryOver {
    pub enrollment: String,
    pub office: String,
    /// `"YYYY-MM"`, the month the amount was first billed.
    pub month: String,
    /// Yen.
    pub amount: i64,
    pub reason: UndeductedReason,
    #[serde(default)]
    pub times_carried: u32,
}

/// 控除不能の理由.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UndeductedReason {
    #[serde(rename = "休職")]
    Leave,
    #[serde(rename = "退職")]
    Retired,
    #[serde(rename = "給与不足")]
    InsufficientPay,
    #[serde(rename = "その他")]
    Other,
}

/// What was billed for one enrollment and month (net of earlier adjustments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Billed {
    /// `"YYYY-MM"`.
    pub month: String,
    pub enrollment: String,
    pub office: String,
    /// Yen.
    pub amount: i64,
}

// ---------------------------------------------------------------------------------------------
// Decimals as text
// ---------------------------------------------------------------------------------------------

/// `#[serde(with = "decimal_text")]`: a [`Decimal`] written as a JSON string that keeps its scale,
/// read from a string or a number without going through `f64`.
pub mod decimal_text {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let raw: Box<serde_json::value::RawValue> = Deserialize::deserialize(d)?;
        parse_json_decimal(raw.get()).map_err(de::Error::custom)
    }
}

const DECIMAL_HINT: &str = "小数を \"0.05\" のような文字列で書いてください";

/// `text` is the JSON text of one value: a string or a number.
fn parse_json_decimal(text: &str) -> Result<Decimal, String> {
    if text.starts_with('"') {
        let s: String = serde_json::from_str(text).map_err(|_| format!("値{text}— {DECIMAL_HINT}"))?;
        if !is_plain_decimal(&s) {
            return Err(format!("値「{s}」— {DECIMAL_HINT}"));
        }
        Decimal::from_str_exact(&s).map_err(|_| format!("値「{s}」— 桁が多すぎて小数として扱えません"))
    } else if text.starts_with('-') || text.starts_with(|c: char| c.is_ascii_digit()) {
        let parsed = if text.contains(['e', 'E']) {
            Decimal::from_scientific(text)
        } else {
            Decimal::from_str_exact(text)
        };
        parsed.map_err(|_| format!("値「{text}」— 桁が多すぎて小数として扱えません"))
    } else {
        Err(format!("値「{text}」— {DECIMAL_HINT}"))
    }
}

/// `-?[0-9]+(\.[0-9]+)?`
fn is_plain_decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

// ---------------------------------------------------------------------------------------------
// Months and dates
// ---------------------------------------------------------------------------------------------

/// `"YYYY-MM"` → (year, month), strictly.
pub fn parse_month(s: &str) -> Option<(i32, u32)> {
    let b = s.as_bytes();
    if b.len() != 7 || b[4] != b'-' || !b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
        return None;
    }
    let year: i32 = s[..4].parse().ok()?;
    let month: u32 = s[5..].parse().ok()?;
    (1..=12).contains(&month).then_some((year, month))
}

/// `"YYYY-MM-DD"` → a real calendar date, strictly.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::from_ymd_opt(s[..4].parse().ok()?, s[5..7].parse().ok()?, s[8..].parse().ok()?)
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// One problem (or warning) found in a file, at a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// JSON path such as `enrollments[3].product`; empty for the whole document.
    pub path: String,
    /// Clerk-readable Japanese, usually `値「…」— what is wrong`.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{} {}: {}", self.file, self.path, self.message)
        }
    }
}

/// Why a bill package (or a result report) was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageError {
    /// Not readable JSON of the expected shape: the first error, with its position.
    Syntax {
        file: String,
        /// JSON path where reading stopped; empty at the top level.
        path: String,
        /// 1-based.
        line: usize,
        /// 1-based, in characters.
        column: usize,
        message: String,
    },
    /// Readable, but wrong in meaning: every problem found.
    Invalid { file: String, problems: Vec<Problem> },
}

impl PackageError {
    /// One clerk-readable line per problem.
    pub fn lines(&self) -> Vec<String> {
        match self {
            PackageError::Syntax { .. } => vec![self.to_string()],
            PackageError::Invalid { problems, .. } => problems.iter().map(Problem::to_string).collect(),
        }
    }
}

impl fmt::Display for PackageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackageError::Syntax {
                file,
                path,
                line,
                column,
                message,
            } => {
                write!(f, "{file} {line}行{column}列")?;
                if !path.is_empty() {
                    write!(f, " {path}")?;
                }
                write!(f, ": {message}")
            }
            PackageError::Invalid { file, problems } => {
                write!(f, "{file}: {} 件の問題があるため読み込みませんでした", problems.len())?;
                for p in problems {
                    write!(f, "\n{p}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for PackageError {}

// ---------------------------------------------------------------------------------------------
// Reading JSON with positioned errors (shared with the result report)
// ---------------------------------------------------------------------------------------------

/// Bytes → text: BOM stripped, UTF-8 required.
pub(crate) fn json_text<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, PackageError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = 1 + char_count(&good[line_start..]);
        PackageError::Syntax {
            file: file.to_string(),
            path: String::new(),
            line,
            column,
            message: "文字コードが UTF-8 ではありません（Shift_JIS などで保存し直されていないか確認してください）"
                .to_string(),
        }
    })
}

fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count()
}

/// Reads `T` from `text`; on failure a format mismatch wins over the type error it causes.
pub(crate) fn read_typed<T: DeserializeOwned>(
    file: &str,
    text: &str,
    expected_format: &str,
    what: &str,
) -> Result<T, PackageError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = match result {
        Ok(v) => v,
        Err(e) => {
            if let Some(p) = format_mismatch(file, text, expected_format, what) {
                return Err(PackageError::Invalid {
                    file: file.to_string(),
                    problems: vec![p],
                });
            }
            let path = e.path().to_string();
            return Err(syntax_error(
                file,
                text,
                if path == "." { "" } else { &path },
                e.inner(),
            ));
        }
    };
    de.end().map_err(|e| syntax_error(file, text, "", &e))?;
    Ok(value)
}

fn format_mismatch(file: &str, text: &str, expected: &str, what: &str) -> Option<Problem> {
    #[derive(Deserialize)]
    struct Head {
        format: Option<serde_json::Value>,
    }
    let head: Head = serde_json::from_str(text).ok()?;
    let found = match head.format? {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    (found != expected).then(|| format_problem(file, &found, expected, what))
}

pub(crate) fn format_problem(file: &str, found: &str, expected: &str, what: &str) -> Problem {
    Problem {
        file: file.to_string(),
        path: "format".to_string(),
        message: format!("値「{found}」— {what}（{expected}）のファイルではありません"),
    }
}

fn syntax_error(file: &str, text: &str, path: &str, e: &serde_json::Error) -> PackageError {
    let full = e.to_string();
    let detail = match full.rfind(" at line ") {
        Some(i) if e.line() > 0 => &full[..i],
        _ => full.as_str(),
    };
    // serde_path_to_error names a key it had not read yet "?".
    let path = path
        .strip_suffix(".?")
        .or_else(|| path.strip_suffix('?'))
        .unwrap_or(path);
    let line = e.line();
    let line_text = text.split('\n').nth(line.saturating_sub(1)).unwrap_or("");
    let mut end = e.column().min(line_text.len());
    while !line_text.is_char_boundary(end) {
        end += 1;
    }
    let column = char_count(&line_text.as_bytes()[..end]);
    let (path, message) = match e.classify() {
        serde_json::error::Category::Data => translate_data_error(path, detail),
        _ => match misplaced_value(detail, line_text, e.column()) {
            // serde_json reports a number, `true` or `[` where a fixed string (an enum) was
            // expected as a syntax error; it is a type error.
            Some(found) => (
                path.to_string(),
                format!("値「{found}」— \"…\" で囲んだ決められた文字列で書いてください"),
            ),
            None => (path.to_string(), translate_syntax_error(detail)),
        },
    };
    PackageError::Syntax {
        file: file.to_string(),
        path,
        line,
        column,
        message,
    }
}

/// For "expected value" at a place that does hold a JSON value: that value's text.
fn misplaced_value(detail: &str, line_text: &str, column: usize) -> Option<String> {
    if !detail.starts_with("expected value") {
        return None;
    }
    let rest = line_text.get(column.checked_sub(1)?..)?;
    if !rest.starts_with(|c: char| c.is_ascii_digit() || "-tfn[{".contains(c)) {
        return None;
    }
    let end = rest.find([',', '\r']).unwrap_or(rest.len());
    Some(rest[..end].trim_end().chars().take(30).collect())
}

fn translate_syntax_error(detail: &str) -> String {
    let m = if detail.starts_with("EOF while parsing") {
        "ファイルが途中で終わっています（括弧や \" の閉じ忘れがないか確認してください）"
    } else if detail.starts_with("trailing comma") {
        "最後の要素の後ろに余分な「,」があります"
    } else if detail.starts_with("expected `,` or `]`") {
        "「,」か「]」が必要です"
    } else if detail.starts_with("expected `,` or `}`") {
        "「,」か「}」が必要です"
    } else if detail.starts_with("expected `:`") {
        "項目名の後に「:」が必要です"
    } else if detail.starts_with("expected value") {
        "値が必要な所に値がありません"
    } else if detail.starts_with("expected ident") {
        "true / false / null の綴りが違います"
    } else if detail.starts_with("key must be a string") {
        "項目名は \"…\" で囲んでください"
    } else if detail.starts_with("trailing characters") {
        "JSON の終わりの後に余分な文字があります"
    } else if detail.starts_with("control character") {
        "文字列の中に改行やタブなどの制御文字があります"
    } else if detail.starts_with("invalid escape") || detail.starts_with("invalid unicode") {
        "文字列の \\ の書き方が違います"
    } else if detail.starts_with("invalid number") || detail.starts_with("number out of range") {
        "数値の書き方が違うか、大きすぎます"
    } else if detail.starts_with("recursion limit") {
        "入れ子が深すぎます"
    } else {
        return format!("JSON の書き方に誤りがあります（{detail}）");
    };
    m.to_string()
}

/// serde's English data errors → Japanese; returns the (possibly extended) path too.
fn translate_data_error(path: &str, detail: &str) -> (String, String) {
    if let Some(rest) = detail.strip_prefix("missing field ") {
        let field = rest.trim_matches('`');
        let path = if path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        };
        return (path, format!("必須の項目「{field}」がありません"));
    }
    if let Some(rest) = detail.strip_prefix("duplicate field ") {
        return (
            path.to_string(),
            format!("項目「{}」が二重に書かれています", rest.trim_matches('`')),
        );
    }
    if let Some(rest) = detail.strip_prefix("unknown variant ") {
        let (found, allowed) = rest.split_once(", expected ").unwrap_or((rest, ""));
        let allowed: Vec<&str> = allowed.split('`').skip(1).step_by(2).collect();
        return (
            path.to_string(),
            format!(
                "値「{}」— 使える値は {} です",
                found.trim_matches('`'),
                allowed.join(", ")
            ),
        );
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = detail.strip_prefix(prefix) {
            if let Some((found, expected)) = rest.rsplit_once(", expected ") {
                return (
                    path.to_string(),
                    format!("値「{}」— {}", found_value(found), expected_text(expected)),
                );
            }
        }
    }
    if detail.starts_with("invalid length") {
        return (path.to_string(), format!("要素の数が違います（{detail}）"));
    }
    // Our own messages (decimals) are already Japanese.
    (path.to_string(), detail.to_string())
}

fn found_value(found: &str) -> String {
    if let Some(s) = found.strip_prefix("string ") {
        let s = s.strip_prefix('"').unwrap_or(s);
        return s.strip_suffix('"').unwrap_or(s).to_string();
    }
    if let Some(start) = found.find('`') {
        return found[start + 1..].trim_end_matches('`').to_string();
    }
    match found {
        "null" | "unit value" => "null".to_string(),
        "map" => "{…}".to_string(),
        "sequence" => "[…]".to_string(),
        other => other.to_string(),
    }
}

fn expected_text(expected: &str) -> String {
    let what = match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "0 以上の整数".to_string(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "整数".to_string(),
        "a string" => "\"…\" で囲んだ文字列".to_string(),
        "a sequence" => "[…] の配列".to_string(),
        "a map" => "{…} のオブジェクト".to_string(),
        "a boolean" => "true か false の値".to_string(),
        e if e.starts_with("struct ") => "{…} のオブジェクト".to_string(),
        e if e.starts_with("enum ") => match enum_values(&e[5..]) {
            Some(v) => format!("{v} のどれか"),
            None => "決められた文字列".to_string(),
        },
        e => e.to_string(),
    };
    format!("{what}で書いてください")
}

fn enum_values(name: &str) -> Option<&'static str> {
    Some(match name {
        "Gender" => "\"M\", \"F\"",
        "RateGender" => "\"M\", \"F\", \"U\"",
        "AccountType" => "\"1\", \"2\"",
        "AgeMethod" => "\"completed_years\", \"insurance_age\"",
        "Rounding" => "\"floor\", \"ceil\", \"half_up\"",
        "MemberStatus" => "\"active\", \"leave\", \"retired\"",
        "Relation" => "\"spouse\", \"child\"",
        "WithdrawalOption" => "\"end\", \"lump_sum\", \"bank_transfer\"",
        "UndeductedReason" => "\"休職\", \"退職\", \"給与不足\", \"その他\"",
        "PaymentDue" => "\"end_of_next_month\"",
        "FeeSettlement" => "\"offset\", \"separate\"",
        "UndeductedHandling" => "\"carry_over\", \"individual\"",
        "ChangeKind" => {
            "\"join\", \"withdrawal\", \"retirement\", \"transfer\", \"plan_change\", \"update\", \"hire\", \"bank_transfer_switch\""
        }
        "IndividualBillKind" => "\"lump_sum\", \"undeducted\"",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Unknown fields → warnings (one streaming pass, no value tree)
// ---------------------------------------------------------------------------------------------

/// The known fields of one JSON object and what each holds.
pub(crate) struct Shape {
    pub(crate) fields: &'static [(&'static str, Child)],
}

#[derive(Clone, Copy)]
pub(crate) enum Child {
    /// A scalar, or anything whose inside is not checked.
    Leaf,
    Object(&'static Shape),
    Array(&'static Shape),
}

enum Seg<'a> {
    Root,
    Field(&'a Seg<'a>, &'a str),
    Index(&'a Seg<'a>, usize),
}

impl Seg<'_> {
    fn render(&self, out: &mut String) {
        match self {
            Seg::Root => {}
            Seg::Field(parent, name) => {
                parent.render(out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            Seg::Index(parent, i) => {
                parent.render(out);
                out.push_str(&format!("[{i}]"));
            }
        }
    }
}

struct Walk<'a, 'p> {
    shape: &'static Shape,
    array: bool,
    path: &'p Seg<'p>,
    out: &'a RefCell<Vec<String>>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            let more = if self.array {
                let seg = Seg::Index(self.path, i);
                let child = Walk {
                    shape: self.shape,
                    array: false,
                    path: &seg,
                    out: self.out,
                };
                seq.next_element_seed(child)?.is_some()
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                return Ok(());
            }
            i += 1;
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.array {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        while let Some(key) = map.next_key_seed(KeySeed { walk: &self })? {
            match key.map(|i| self.shape.fields[i]) {
                Some((name, Child::Object(shape))) => {
                    let seg = Seg::Field(self.path, name);
                    map.next_value_seed(Walk {
                        shape,
                        array: false,
                        path: &seg,
                        out: self.out,
                    })?;
                }
                Some((name, Child::Array(shape))) => {
                    let seg = Seg::Field(self.path, name);
                    map.next_value_seed(Walk {
                        shape,
                        array: true,
                        path: &seg,
                        out: self.out,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Reads one key: `Some(index)` of a known field, `None` (after recording it) for an unknown one.
struct KeySeed<'w, 'a, 'p> {
    walk: &'w Walk<'a, 'p>,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_, '_, '_> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_, '_, '_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E>(self, key: &str) -> Result<Option<usize>, E> {
        let found = self.walk.shape.fields.iter().position(|(name, _)| *name == key);
        if found.is_none() {
            let mut path = String::new();
            Seg::Field(self.walk.path, key).render(&mut path);
            self.walk.out.borrow_mut().push(path);
        }
        Ok(found)
    }
}

/// Paths of the fields of `text` that `root` does not know.
pub(crate) fn unknown_fields(text: &str, root: &'static Shape) -> Vec<String> {
    let out = RefCell::new(Vec::new());
    let mut de = serde_json::Deserializer::from_str(text);
    let walk = Walk {
        shape: root,
        array: false,
        path: &Seg::Root,
        out: &out,
    };
    // Only run on text that already parsed; an error here just ends the walk.
    let _ = walk.deserialize(&mut de);
    out.into_inner()
}

pub(crate) fn unknown_field_warnings(file: &str, text: &str, root: &'static Shape) -> Vec<Problem> {
    unknown_fields(text, root)
        .into_iter()
        .map(|path| Problem {
            file: file.to_string(),
            path,
            message: "この版では使わない項目です（読み飛ばしました）".to_string(),
        })
        .collect()
}

use Child::{Array as A, Leaf as L, Object as O};

static PACKAGE_SHAPE: Shape = Shape {
    fields: &[
        ("format", L),
        ("month", L),
        ("version", L),
        ("issued_on", L),
        ("group", O(&GROUP_SHAPE)),
        ("offices", A(&OFFICE_SHAPE)),
        ("group_products", A(&PRODUCT_SHAPE)),
        ("members", A(&MEMBER_SHAPE)),
        ("enrollments", A(&ENROLLMENT_SHAPE)),
        ("pending_applications", A(&PENDING_SHAPE)),
        ("carry_over", A(&CARRY_OVER_SHAPE)),
        ("billed", A(&BILLED_SHAPE)),
    ],
};
static GROUP_SHAPE: Shape = Shape {
    fields: &[
        ("code", L),
        ("name", L),
        ("name_kana", L),
        ("settings", O(&SETTINGS_SHAPE)),
        ("payee_account", O(&BANK_ACCOUNT_SHAPE)),
        ("collection_account", O(&COLLECTION_SHAPE)),
    ],
};
static SETTINGS_SHAPE: Shape = Shape {
    fields: &[
        ("cutoff_day", L),
        ("policy_anniversary_month", L),
        ("payment_due", L),
        ("retro_limit_months", L),
        ("fee_settlement", L),
        ("undeducted_handling", L),
        ("tax_rate", L),
        ("date_style", L),
    ],
};
static BANK_ACCOUNT_SHAPE: Shape = Shape {
    fields: &[
        ("bank_code", L),
        ("branch_code", L),
        ("account_type", L),
        ("account_no", L),
        ("holder_kana", L),
    ],
};
static COLLECTION_SHAPE: Shape = Shape {
    fields: &[
        ("consignor_code", L),
        ("consignor_name_kana", L),
        ("debit_day", L),
        ("bank_code", L),
        ("bank_name_kana", L),
        ("branch_code", L),
        ("branch_name_kana", L),
        ("account_type", L),
        ("account_no", L),
    ],
};
static OFFICE_SHAPE: Shape = Shape {
    fields: &[
        ("code", L),
        ("name", L),
        ("deduction_destination", L),
        ("postal_code", L),
        ("address", L),
    ],
};
static PRODUCT_SHAPE: Shape = Shape {
    fields: &[
        ("code", L),
        ("name", L),
        ("age_method", L),
        ("min_age", L),
        ("max_age", L),
        ("min_members", L),
        ("discount_rate", L),
        ("commission_rate", L),
        ("fee_rate", L),
        ("rounding", L),
        ("mid_term_change", L),
        ("plans", A(&PLAN_SHAPE)),
        ("rates", A(&RATE_SHAPE)),
        ("agent_code", L),
    ],
};
static PLAN_SHAPE: Shape = Shape {
    fields: &[("code", L), ("name", L)],
};
static RATE_SHAPE: Shape = Shape {
    fields: &[("plan", L), ("min_age", L), ("max_age", L), ("gender", L), ("rate", L)],
};
static MEMBER_SHAPE: Shape = Shape {
    fields: &[
        ("employee_no", L),
        ("name", L),
        ("name_kana", L),
        ("birth_date", L),
        ("gender", L),
        ("office", L),
        ("status", L),
        ("retired_on", L),
        ("dependents", A(&DEPENDENT_SHAPE)),
        ("bank_account", O(&BANK_ACCOUNT_SHAPE)),
        ("email", L),
        ("postal_code", L),
        ("address", L),
    ],
};
static DEPENDENT_SHAPE: Shape = Shape {
    fields: &[
        ("id", L),
        ("relation", L),
        ("name", L),
        ("birth_date", L),
        ("gender", L),
    ],
};
static ENROLLMENT_SHAPE: Shape = Shape {
    fields: &[
        ("id", L),
        ("employee_no", L),
        ("insured", L),
        ("product", L),
        ("plan", L),
        ("units", L),
        ("start_month", L),
        ("end_month", L),
        ("withdrawal_option", L),
        ("withdrawal_month", L),
    ],
};
static PENDING_SHAPE: Shape = Shape {
    fields: &[
        ("id", L),
        ("employee_no", L),
        ("product", L),
        ("plan", L),
        ("units", L),
        ("insured", L),
        ("applied_on", L),
    ],
};
static CARRY_OVER_SHAPE: Shape = Shape {
    fields: &[
        ("enrollment", L),
        ("office", L),
        ("month", L),
        ("amount", L),
        ("reason", L),
        ("times_carried", L),
    ],
};
static BILLED_SHAPE: Shape = Shape {
    fields: &[("month", L), ("enrollment", L), ("office", L), ("amount", L)],
};

// ---------------------------------------------------------------------------------------------
// Semantic checks (shared helpers)
// ---------------------------------------------------------------------------------------------

pub(crate) const MONTH_HINT: &str = "年月は YYYY-MM の形で書いてください（例: 2026-12）";
pub(crate) const DATE_HINT: &str = "日付は YYYY-MM-DD の形の実在する日付で書いてください（例: 2026-11-25）";

/// Collects problems in document order. Paths are passed as closures so that nothing is
/// formatted for the (many) values that are fine.
pub(crate) struct Checker<'f> {
    pub(crate) file: &'f str,
    pub(crate) problems: Vec<Problem>,
}

impl<'f> Checker<'f> {
    pub(crate) fn new(file: &'f str) -> Self {
        Checker {
            file,
            problems: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.to_string(),
            path: path.into(),
            message: message.into(),
        });
    }

    pub(crate) fn value(&mut self, path: impl Into<String>, value: impl fmt::Display, message: &str) {
        self.add(path, format!("値「{value}」— {message}"));
    }

    pub(crate) fn month(&mut self, path: impl FnOnce() -> String, v: &str) -> Option<(i32, u32)> {
        let m = parse_month(v);
        if m.is_none() {
            self.value(path(), v, MONTH_HINT);
        }
        m
    }

    pub(crate) fn date(&mut self, path: impl FnOnce() -> String, v: &str) -> Option<NaiveDate> {
        let d = parse_date(v);
        if d.is_none() {
            self.value(path(), v, DATE_HINT);
        }
        d
    }

    /// Records an empty or duplicate key; `what` names it (事業所コード), `owner(i)` is the path
    /// of the `i`th element of the list (for "same as offices[0]").
    pub(crate) fn unique<'k>(
        &mut self,
        seen: &mut HashMap<&'k str, usize>,
        key: &'k str,
        index: usize,
        path: impl FnOnce() -> String,
        owner: impl FnOnce(usize) -> String,
        what: &str,
    ) {
        if key.trim().is_empty() {
            self.value(path(), key, &format!("{what}が空です"));
        } else if let Some(&first) = seen.get(key) {
            let first = owner(first);
            self.value(path(), key, &format!("{what}が重複しています（{first} と同じ）"));
        } else {
            seen.insert(key, index);
        }
    }

    fn rate01(&mut self, path: impl FnOnce() -> String, d: &Decimal) {
        if (d.is_sign_negative() && !d.is_zero()) || *d >= Decimal::ONE {
            self.value(path(), d, "率は 0 以上 1 未満の小数です（例: \"0.05\"）");
        }
    }

    fn digits(&mut self, path: impl FnOnce() -> String, v: &str, min: usize, max: usize, what: &str) {
        let ok = (min..=max).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit());
        if !ok {
            let len = if min == max {
                format!("{max}桁")
            } else {
                format!("{max}桁以内")
            };
            self.value(path(), v, &format!("{what}は数字{len}です"));
        }
    }

    pub(crate) fn non_empty(&mut self, path: impl FnOnce() -> String, v: &str, what: &str) {
        if v.trim().is_empty() {
            self.value(path(), v, &format!("{what}が空です"));
        }
    }

    pub(crate) fn finish(self) -> Result<(), PackageError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(PackageError::Invalid {
                file: self.file.to_string(),
                problems: self.problems,
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Bill package: read, check, write, version
// ---------------------------------------------------------------------------------------------

/// Reads and checks a bill package. `file_name` only labels messages.
pub fn parse_package(file_name: &str, bytes: &[u8]) -> Result<BillPackage, PackageError> {
    let text = json_text(file_name, bytes)?;
    let package: BillPackage = read_typed(file_name, text, PACKAGE_FORMAT, "請求パッケージ")?;
    validate_package(file_name, &package)?;
    Ok(package)
}

/// A package this program already accepted and stored (the clerk's database keeps the bytes
/// [`parse_package`] took at load). Read without tracking each value's path: on a 300,000-member
/// package that tracking costs 2.3 of 5.1 s (docs/BENCHMARKS.md), and it only serves the message
/// of a package that does not read. It is still validated (a newer program may check more), and a
/// package that does not read is read again by [`parse_package`] for its positioned message.
pub fn parse_stored_package(file_name: &str, bytes: &[u8]) -> Result<BillPackage, PackageError> {
    let text = json_text(file_name, bytes)?;
    match serde_json::from_str::<BillPackage>(text) {
        Ok(package) => {
            validate_package(file_name, &package)?;
            Ok(package)
        }
        Err(_) => parse_package(file_name, bytes),
    }
}

/// [`parse_package`], plus one warning per field this version does not know.
pub fn parse_package_with_warnings(file_name: &str, bytes: &[u8]) -> Result<(BillPackage, Vec<Problem>), PackageError> {
    let package = parse_package(file_name, bytes)?;
    let text = json_text(file_name, bytes)?;
    Ok((package, unknown_field_warnings(file_name, text, &PACKAGE_SHAPE)))
}

/// Pretty JSON, ending in a newline. `parse_package(_, &write_package(p)) == p` for a valid `p`;
/// decimals keep their text (`"0.10"`).
pub fn write_package(package: &BillPackage) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(package).expect("a bill package always serialises");
    out.push(b'\n');
    out
}

/// Compact JSON, the canonical form the version is computed over (with `version` emptied).
pub fn write_package_compact(package: &BillPackage) -> Vec<u8> {
    serde_json::to_vec(package).expect("a bill package always serialises")
}

/// `"sha256:"` + hex SHA-256 of the canonical bytes of the package in `bytes` (see the module
/// docs). Bytes that do not read as a package are hashed as they are.
pub fn package_version(bytes: &[u8]) -> String {
    let parsed = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .ok()
        .and_then(|text| serde_json::from_str::<BillPackage>(text).ok());
    match parsed {
        Some(p) => p.content_version(),
        None => sha256_version(bytes),
    }
}

pub(crate) fn sha256_version(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(7 + 64);
    s.push_str("sha256:");
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

impl BillPackage {
    /// The version this package's content hashes to (what `version` should say).
    pub fn content_version(&self) -> String {
        let mut canonical = self.clone();
        canonical.version = String::new();
        sha256_version(&write_package_compact(&canonical))
    }

    /// The member with this employee number (a linear search: index the members for bulk work).
    pub fn member(&self, employee_no: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.employee_no == employee_no)
    }

    /// The group product with this code.
    pub fn group_product(&self, code: &str) -> Option<&GroupProduct> {
        self.group_products.iter().find(|p| p.code == code)
    }
}

/// The semantic checks of [`parse_package`], on an already-read package.
pub fn validate_package(file_name: &str, p: &BillPackage) -> Result<(), PackageError> {
    let mut c = Checker::new(file_name);
    if p.format != PACKAGE_FORMAT {
        c.problems
            .push(format_problem(file_name, &p.format, PACKAGE_FORMAT, "請求パッケージ"));
    }
    let month = c.month(|| "month".into(), &p.month);
    c.date(|| "issued_on".into(), &p.issued_on);
    check_group(&mut c, &p.group);

    let mut offices = HashMap::with_capacity(p.offices.len());
    for (i, o) in p.offices.iter().enumerate() {
        let owner = |k| format!("offices[{k}]");
        c.unique(
            &mut offices,
            &o.code,
            i,
            || format!("offices[{i}].code"),
            owner,
            "事業所コード",
        );
    }
    let mut products = HashMap::new();
    for (i, gp) in p.group_products.iter().enumerate() {
        let owner = |k| format!("group_products[{k}]");
        c.unique(
            &mut products,
            &gp.code,
            i,
            || format!("group_products[{i}].code"),
            owner,
            "商品コード",
        );
        check_product(&mut c, &format!("group_products[{i}]"), gp);
    }

    let mut members = HashMap::with_capacity(p.members.len());
    for (i, m) in p.members.iter().enumerate() {
        let at = |f: &str| format!("members[{i}].{f}");
        let owner = |k| format!("members[{k}]");
        c.unique(&mut members, &m.employee_no, i, || at("employee_no"), owner, "社員番号");
        if !offices.contains_key(m.office.as_str()) {
            c.value(at("office"), &m.office, "offices にない事業所コードです");
        }
        c.date(|| at("birth_date"), &m.birth_date);
        if let Some(d) = &m.retired_on {
            c.date(|| at("retired_on"), d);
        }
        let mut deps = HashMap::new();
        for (k, d) in m.dependents.iter().enumerate() {
            let dat = |f: &str| format!("members[{i}].dependents[{k}].{f}");
            if d.id == INSURED_SELF {
                c.value(dat("id"), &d.id, "「self」は本人を表すので家族の id には使えません");
            } else {
                let owner = |j| format!("members[{i}].dependents[{j}]");
                c.unique(&mut deps, &d.id, k, || dat("id"), owner, "家族のID");
            }
            c.date(|| dat("birth_date"), &d.birth_date);
        }
        if let Some(b) = &m.bank_account {
            check_bank_account(&mut c, &at("bank_account"), b);
        }
    }
    let lookup = Lookup::new(p, &members, &products);

    let mut enrollments = HashMap::with_capacity(p.enrollments.len());
    for (i, e) in p.enrollments.iter().enumerate() {
        let at = |f: &str| format!("enrollments[{i}].{f}");
        let owner = |k| format!("enrollments[{k}]");
        c.unique(&mut enrollments, &e.id, i, || at("id"), owner, "加入ID");
        let sub = Subscription {
            employee_no: &e.employee_no,
            product: &e.product,
            plan: &e.plan,
            insured: &e.insured,
            units: e.units,
        };
        sub.check(&mut c, &lookup, at);
        check_coverage(&mut c, e, at);
    }

    let mut applications = HashMap::new();
    for (i, a) in p.pending_applications.iter().enumerate() {
        let at = |f: &str| format!("pending_applications[{i}].{f}");
        let owner = |k| format!("pending_applications[{k}]");
        c.unique(&mut applications, &a.id, i, || at("id"), owner, "申込ID");
        let sub = Subscription {
            employee_no: &a.employee_no,
            product: &a.product,
            plan: &a.plan,
            insured: &a.insured,
            units: a.units,
        };
        sub.check(&mut c, &lookup, at);
        c.date(|| at("applied_on"), &a.applied_on);
    }

    let refs = Refs {
        package_month: month,
        package_month_text: &p.month,
        enrollments: &enrollments,
        offices: &offices,
    };
    for (i, co) in p.carry_over.iter().enumerate() {
        let at = |f: &str| format!("carry_over[{i}].{f}");
        refs.check(&mut c, at, &co.month, "発生月", &co.enrollment, &co.office);
        if co.amount < 1 {
            c.value(at("amount"), co.amount, "繰越額は 1 円以上です");
        }
    }
    crate::package_bounds::check(&mut c, p);
    // (enrollment index, month) → first billed index
    let mut billed_seen: HashMap<u64, usize> = HashMap::with_capacity(p.billed.len());
    for (i, b) in p.billed.iter().enumerate() {
        let at = |f: &str| format!("billed[{i}].{f}");
        let key = refs.check(&mut c, at, &b.month, "請求済みの月", &b.enrollment, &b.office);
        let Some((enrollment, (year, month))) = key else {
            continue;
        };
        let key = ((enrollment as u64) << 24) | (year as u64 * 12 + month as u64);
        match billed_seen.entry(key) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let message = format!(
                    "加入「{}」の {} 分が重複しています（billed[{}] と同じ）",
                    b.enrollment,
                    b.month,
                    first.get()
                );
                c.add(format!("billed[{i}]"), message);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }

    c.finish()
}

fn check_group(c: &mut Checker<'_>, g: &Group) {
    c.non_empty(|| "group.code".into(), &g.code, "団体コード");
    let s = &g.settings;
    if !(1..=28).contains(&s.cutoff_day) {
        c.value("group.settings.cutoff_day", s.cutoff_day, "締日は 1〜28 の日です");
    }
    if !(1..=12).contains(&s.policy_anniversary_month) {
        let path = "group.settings.policy_anniversary_month";
        c.value(path, s.policy_anniversary_month, "更新月は 1〜12 の月です");
    }
    c.rate01(|| "group.settings.tax_rate".into(), &s.tax_rate);
    check_bank_account(c, "group.payee_account", &g.payee_account);
    if let Some(ca) = &g.collection_account {
        let at = |f: &str| format!("group.collection_account.{f}");
        c.digits(|| at("consignor_code"), &ca.consignor_code, 10, 10, "委託者コード");
        c.non_empty(
            || at("consignor_name_kana"),
            &ca.consignor_name_kana,
            "委託者名（カナ）",
        );
        if !(1..=31).contains(&ca.debit_day) {
            c.value(at("debit_day"), ca.debit_day, "引落日は 1〜31 の日です");
        }
        c.digits(|| at("bank_code"), &ca.bank_code, 4, 4, "銀行コード");
        c.digits(|| at("branch_code"), &ca.branch_code, 3, 3, "支店コード");
        c.digits(|| at("account_no"), &ca.account_no, 1, 7, "口座番号");
    }
}

fn check_product(c: &mut Checker<'_>, at: &str, gp: &GroupProduct) {
    if gp.min_age > gp.max_age {
        let message = format!("加入年齢の上限が下限 min_age「{}」より小さくなっています", gp.min_age);
        c.value(format!("{at}.max_age"), gp.max_age, &message);
    }
    c.rate01(|| format!("{at}.discount_rate"), &gp.discount_rate);
    c.rate01(|| format!("{at}.commission_rate"), &gp.commission_rate);
    c.rate01(|| format!("{at}.fee_rate"), &gp.fee_rate);
    let mut plans = HashMap::new();
    for (j, plan) in gp.plans.iter().enumerate() {
        let owner = |k| format!("{at}.plans[{k}]");
        c.unique(
            &mut plans,
            &plan.code,
            j,
            || format!("{at}.plans[{j}].code"),
            owner,
            "プランコード",
        );
    }
    for (j, r) in gp.rates.iter().enumerate() {
        let rat = format!("{at}.rates[{j}]");
        if !plans.contains_key(r.plan.as_str()) {
            c.value(
                format!("{rat}.plan"),
                &r.plan,
                "この商品の plans にないプランコードです",
            );
        }
        if r.min_age > r.max_age {
            let message = format!("年齢の上限が下限 min_age「{}」より小さくなっています", r.min_age);
            c.value(format!("{rat}.max_age"), r.max_age, &message);
        }
        if r.rate.is_sign_negative() && !r.rate.is_zero() {
            c.value(format!("{rat}.rate"), r.rate, "保険料率は 0 以上です");
        }
        let overlap = gp.rates[..j].iter().position(|q| {
            q.plan == r.plan
                && (q.gender == r.gender || q.gender == RateGender::U || r.gender == RateGender::U)
                && q.min_age <= r.max_age
                && r.min_age <= q.max_age
                && q.min_age <= q.max_age
                && r.min_age <= r.max_age
        });
        if let Some(k) = overlap {
            let message = format!(
                "rates[{k}] とプラン「{}」・性別・年齢の範囲が重なっています（どちらの料率を使うか決められません）",
                r.plan
            );
            c.add(rat, message);
        }
    }
}

fn check_bank_account(c: &mut Checker<'_>, at: &str, b: &BankAccount) {
    c.digits(|| format!("{at}.bank_code"), &b.bank_code, 4, 4, "銀行コード");
    c.digits(|| format!("{at}.branch_code"), &b.branch_code, 3, 3, "支店コード");
    c.digits(|| format!("{at}.account_no"), &b.account_no, 1, 7, "口座番号");
    c.non_empty(|| format!("{at}.holder_kana"), &b.holder_kana, "口座名義（カナ）");
}

/// Coverage months and the withdrawal of one enrollment.
fn check_coverage(c: &mut Checker<'_>, e: &Enrollment, at: impl Fn(&str) -> String) {
    let start = c.month(|| at("start_month"), &e.start_month);
    let end_text = e.end_month.as_deref().unwrap_or_default();
    let end = e.end_month.as_ref().and_then(|v| c.month(|| at("end_month"), v));
    if let (Some(s), Some(en)) = (start, end) {
        if en < s {
            let message = format!("終了月が開始月「{}」より前です", e.start_month);
            c.value(at("end_month"), end_text, &message);
        }
    }
    if let Some(w) = &e.withdrawal_month {
        if let Some(wm) = c.month(|| at("withdrawal_month"), w) {
            if start.is_some_and(|s| wm < s) {
                let message = format!("脱退月が開始月「{}」より前です", e.start_month);
                c.value(at("withdrawal_month"), w, &message);
            } else if end.is_some_and(|en| wm > en) {
                let message = format!("脱退月が終了月「{end_text}」より後です");
                c.value(at("withdrawal_month"), w, &message);
            }
        }
    } else if let Some(opt @ (WithdrawalOption::LumpSum | WithdrawalOption::BankTransfer)) = e.withdrawal_option {
        let name = if opt == WithdrawalOption::LumpSum {
            "lump_sum"
        } else {
            "bank_transfer"
        };
        let message = format!("脱退の扱い「{name}」には脱退月 withdrawal_month が必要です");
        c.add(at("withdrawal_month"), message);
    }
}

/// Employee number → member and product code → group product, first occurrence winning.
struct Lookup<'p> {
    members: HashMap<&'p str, &'p Member>,
    products: HashMap<&'p str, &'p GroupProduct>,
}

impl<'p> Lookup<'p> {
    fn new(p: &'p BillPackage, members: &HashMap<&'p str, usize>, products: &HashMap<&'p str, usize>) -> Self {
        Lookup {
            members: members.iter().map(|(&k, &i)| (k, &p.members[i])).collect(),
            products: products.iter().map(|(&k, &i)| (k, &p.group_products[i])).collect(),
        }
    }
}

/// What an enrollment and a Web application have in common.
struct Subscription<'a> {
    employee_no: &'a str,
    product: &'a str,
    plan: &'a str,
    insured: &'a str,
    units: u32,
}

impl Subscription<'_> {
    /// Member, product, plan and insured person exist; units ≥ 1.
    fn check(&self, c: &mut Checker<'_>, lookup: &Lookup<'_>, at: impl Fn(&str) -> String) {
        let Subscription {
            employee_no,
            product,
            plan,
            insured,
            units,
        } = *self;
        let member = lookup.members.get(employee_no);
        if member.is_none() {
            c.value(at("employee_no"), employee_no, "members にない社員番号です");
        }
        match lookup.products.get(product) {
            None => c.value(at("product"), product, "group_products にない商品コードです"),
            Some(gp) if !gp.plans.iter().any(|pl| pl.code == plan) => {
                let message = format!("商品「{product}」の plans にないプランコードです");
                c.value(at("plan"), plan, &message);
            }
            Some(_) => {}
        }
        if let Some(m) = member {
            if insured != INSURED_SELF && !m.dependents.iter().any(|d| d.id == insured) {
                let message =
                    format!("本人は「self」、家族は社員番号「{employee_no}」の dependents の id で書いてください");
                c.value(at("insured"), insured, &message);
            }
        }
        if units < 1 {
            c.value(at("units"), units, "口数は 1 以上です");
        }
    }
}

/// The month, enrollment and office of a `billed` or `carry_over` entry.
struct Refs<'a> {
    package_month: Option<(i32, u32)>,
    package_month_text: &'a str,
    enrollments: &'a HashMap<&'a str, usize>,
    offices: &'a HashMap<&'a str, usize>,
}

impl Refs<'_> {
    /// Returns the enrollment's index and the month when both are good.
    fn check(
        &self,
        c: &mut Checker<'_>,
        at: impl Fn(&str) -> String,
        month: &str,
        month_what: &str,
        enrollment: &str,
        office: &str,
    ) -> Option<(usize, (i32, u32))> {
        let m = c.month(|| at("month"), month);
        if let (Some(m), Some(pm)) = (m, self.package_month) {
            if m >= pm {
                let message = format!(
                    "{month_what}は請求月「{}」より前でなければなりません",
                    self.package_month_text
                );
                c.value(at("month"), month, &message);
            }
        }
        let e = self.enrollments.get(enrollment).copied();
        if e.is_none() {
            c.value(at("enrollment"), enrollment, "enrollments にない加入IDです");
        }
        if !self.offices.contains_key(office) {
            c.value(at("office"), office, "offices にない事業所コードです");
        }
        Some((e?, m?))
    }
}
