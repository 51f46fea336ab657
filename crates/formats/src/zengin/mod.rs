//! Zengin account-transfer request (全銀協 預金口座振替依頼データ) and the bank's result file
//! (FORMATS.md). Fixed 120-byte records of single-byte cp932 (JIS X 0201), each ending in CRLF:
//! header (1), data (2), trailer (8), end (9). Numbers right-aligned zero-filled, text left-aligned
//! space-filled, lengths in bytes.
//!
//! [`plan`] decides what a month's request contains (one data record per person and month of the
//! bill's account transfers); [`write_request`] writes it; [`read_result`] reads the bank's answer
//! back and refuses a file whose trailer disagrees with its records.
//!
//! 顧客番号 (20 digits) = the month `YYYYMM` (6) + the employee number right-aligned, zero-filled
//! (14). It maps back to one person and month without guessing ([`parse_customer_no`]); employee
//! numbers are digits (DECISIONS.md), and two numbers equal once zero-filled are refused.

pub mod codes;

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use infoone_domain::ledger::{self as d, Ledger, WithdrawalOption};
use infoone_domain::month::YearMonth;

use crate::bill_doc::AccountTransferDoc;
use crate::error::{FileError, Problem, Problems};
use crate::kana::{self, Field};
use crate::media::FnvMap;
use crate::package::{self, BillPackage};

/// Length of every record, CRLF not counted.
pub const RECORD_LEN: usize = 120;

/// Problem codes of the result-file reader (documented in docs/OUTPUTS.md).
pub mod code {
    /// A record that is not 120 bytes, or a file that is not made of 120-byte records.
    pub const RECORD_LENGTH: &str = "F5001";
    /// Records out of order: header, data, trailer, end; or an unknown データ区分.
    pub const RECORD_ORDER: &str = "F5002";
    /// A number field with something other than digits.
    pub const NUMBER: &str = "F5003";
    /// A trailer count or sum that disagrees with the data records.
    pub const TRAILER: &str = "F5004";
    /// A header of another consignor (委託者コード), or of a kind other than 91 口座振替.
    pub const HEADER: &str = "F5005";
    /// Bytes outside single-byte JIS X 0201 (not a Zengin file).
    pub const BYTES: &str = "F5006";
}

/// The debit date (引落日): the nominal day of `month` (the month's last day when shorter), moved
/// to the next bank business day (weekends, public holidays, 12/31–1/3).
pub fn debit_date(month: YearMonth, day: u32) -> NaiveDate {
    infoone_calendar::next_bank_business_day(nominal_debit_date(month, day))
}

/// The nominal debit day of `month` (its last day when the month is shorter), not yet moved.
pub fn nominal_debit_date(month: YearMonth, day: u32) -> NaiveDate {
    let last = month.last_day().day();
    month
        .first_day()
        .with_day(day.clamp(1, last))
        .unwrap_or_else(|| month.last_day())
}

/// 顧客番号 of one person and month: `YYYYMM` + the employee number zero-filled to 14 digits.
/// `None` when the employee number is not 1–14 digits.
pub fn customer_no(month: YearMonth, employee_no: &str) -> Option<String> {
    if employee_no.is_empty() || employee_no.len() > 14 || !employee_no.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{:04}{:02}{:0>14}", month.year(), month.month(), employee_no))
}

/// The month and the 14-digit zero-filled employee number of a 顧客番号.
pub fn parse_customer_no(no: &str) -> Option<(YearMonth, String)> {
    if no.len() != 20 || !no.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let month = YearMonth::new(no[..4].parse().ok()?, no[4..6].parse().ok()?)?;
    Some((month, no[6..].to_string()))
}

/// The collecting side of the request: the group's contract (header record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub consignor_code: String,
    /// Zengin bytes, not cut.
    pub consignor_name: Vec<u8>,
    pub debit_date: NaiveDate,
    pub bank_code: String,
    pub bank_name: Vec<u8>,
    pub branch_code: String,
    pub branch_name: Vec<u8>,
    /// 1 普通, 2 当座.
    pub account_type: u8,
    pub account_no: String,
}

/// A payer's account as it goes into a data record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub bank_code: String,
    /// From the zengin-code data set.
    pub bank_name: &'static [u8],
    pub branch_code: String,
    pub branch_name: &'static [u8],
    pub account_type: u8,
    /// 7 digits.
    pub account_no: String,
    /// 預金者名, Zengin bytes, not cut.
    pub holder: Vec<u8>,
}

/// One data record of the request: one person and month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub employee_no: String,
    pub month: YearMonth,
    pub customer_no: String,
    pub amount: i64,
    /// 新規コード: 1 first request, 2 account changed, 0 other.
    pub new_code: u8,
    /// Shared by the records of one person.
    pub account: Arc<Account>,
    /// The enrollments the amount is for.
    pub enrollments: Vec<String>,
}

/// A person and month not put in the request, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub employee_no: String,
    pub month: YearMonth,
    pub amount: i64,
    pub reason: String,
}

/// What a month's request contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub header: Header,
    /// In file order: employee number, then month.
    pub records: Vec<Planned>,
    pub set_aside: Vec<SetAside>,
    /// Names cut to their field's width, for the clerk.
    pub notes: Vec<String>,
}

/// A reason the request cannot be made at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn account_type(t: d::AccountType) -> u8 {
    match t {
        d::AccountType::Ordinary => 1,
        d::AccountType::Current => 2,
    }
}

/// A bank name for a field: the given kana when there is one, else the data set's.
fn bank_name_bytes(given: &str, from_data: Option<&[u8]>, what: &str) -> Result<Vec<u8>, String> {
    if given.trim().is_empty() {
        return from_data
            .map(<[u8]>::to_vec)
            .ok_or_else(|| format!("{what}のカナ名がありません"));
    }
    kana::to_zengin(given, Field::BankName).map_err(|e| format!("{what}「{given}」: {e}"))
}

/// Checks a payer's account as the clerk enters it (`changes add bank-transfer`): bank and branch
/// codes in the zengin-code data set, a 7-digit account number, a holder name in the Zengin
/// character set. Returns the account in the Zengin form.
pub fn check_account(a: &d::BankAccount) -> Result<Account, String> {
    let bank_name = codes::bank_name(&a.bank_code).ok_or_else(|| {
        format!(
            "銀行コード「{}」は全銀協の金融機関コード（zengin-code {}）にありません（4桁の数字）",
            a.bank_code,
            codes::data_date()
        )
    })?;
    let branch_name = codes::branch_name(&a.bank_code, &a.branch_code).ok_or_else(|| {
        format!(
            "支店コード「{}」は{}（{}）の支店にありません（3桁の数字、zengin-code {}）",
            a.branch_code,
            kana::to_unicode(bank_name),
            a.bank_code,
            codes::data_date()
        )
    })?;
    if a.account_no.len() != 7 || !a.account_no.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "口座番号「{}」は7桁の数字です（7桁に満たないときは先頭を0で埋めてください）",
            a.account_no
        ));
    }
    let holder = kana::to_zengin(&a.holder_kana, Field::Name)
        .map_err(|e| format!("口座名義（カナ）「{}」: {e}", a.holder_kana))?;
    if holder.is_empty() {
        return Err("口座名義（カナ）が空です".to_string());
    }
    Ok(Account {
        bank_code: a.bank_code.clone(),
        bank_name,
        branch_code: a.branch_code.clone(),
        branch_name,
        account_type: account_type(a.account_type),
        account_no: a.account_no.clone(),
        holder,
    })
}

/// The account a clerk enters for a bank-transfer switch, checked with [`check_account`] and put
/// in the form the request uses: codes and account number with full-width digits folded and
/// spaces trimmed, the holder name in the Zengin character set (half-width, `ﾔﾏﾀﾞ ﾀﾛｳ`).
pub fn normalize_account(a: &mut d::BankAccount) -> Result<(), String> {
    let fold = |s: &str| {
        crate::text::normalize(s)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
    };
    a.bank_code = fold(&a.bank_code);
    a.branch_code = fold(&a.branch_code);
    a.account_no = fold(&a.account_no);
    let checked = check_account(a)?;
    a.holder_kana = kana::to_unicode(&checked.holder);
    Ok(())
}

/// A payer's account at export: like [`check_account`], but an account number of 1–7 digits (as
/// packages carry it) is zero-filled.
fn export_account(a: &d::BankAccount) -> Result<Account, String> {
    if (1..7).contains(&a.account_no.len()) && a.account_no.bytes().all(|b| b.is_ascii_digit()) {
        let mut a = a.clone();
        a.account_no = format!("{:0>7}", a.account_no);
        return check_account(&a);
    }
    check_account(a)
}

fn header(pkg: &BillPackage, month: YearMonth) -> Result<Header, Refused> {
    let ca = pkg
        .group
        .collection_account
        .as_ref()
        .ok_or_else(|| Refused("この団体には口座振替の契約（collection_account）がありません".to_string()))?;
    let mut problems = Vec::new();
    let consignor_name = kana::to_zengin(&ca.consignor_name_kana, Field::Name)
        .map_err(|e| problems.push(format!("委託者名「{}」: {e}", ca.consignor_name_kana)))
        .unwrap_or_default();
    let data_bank = codes::bank_name(&ca.bank_code);
    if data_bank.is_none() {
        problems.push(format!(
            "取引銀行コード「{}」は全銀協の金融機関コードにありません",
            ca.bank_code
        ));
    }
    let data_branch = codes::branch_name(&ca.bank_code, &ca.branch_code);
    if data_bank.is_some() && data_branch.is_none() {
        problems.push(format!(
            "取引支店コード「{}」は銀行「{}」の支店にありません",
            ca.branch_code, ca.bank_code
        ));
    }
    let bank_name = bank_name_bytes(&ca.bank_name_kana, data_bank, "取引銀行名")
        .map_err(|e| problems.push(e))
        .unwrap_or_default();
    let branch_name = bank_name_bytes(&ca.branch_name_kana, data_branch, "取引支店名")
        .map_err(|e| problems.push(e))
        .unwrap_or_default();
    if !problems.is_empty() {
        return Err(Refused(format!(
            "口座振替の契約（collection_account）: {}",
            problems.join("／")
        )));
    }
    Ok(Header {
        consignor_code: ca.consignor_code.clone(),
        consignor_name,
        debit_date: debit_date(month, ca.debit_day),
        bank_code: ca.bank_code.clone(),
        bank_name,
        branch_code: ca.branch_code.clone(),
        branch_name,
        account_type: match ca.account_type {
            package::AccountType::Ordinary => 1,
            package::AccountType::Current => 2,
        },
        account_no: format!("{:0>7}", ca.account_no),
    })
}

/// What the request of `month` contains: the bill's account transfers summed per person and month.
/// Transfers of a person without a usable account are set aside with the reason (the clerk
/// registers the account with `changes add bank-transfer`); the file is refused only when the
/// group's own contract is unusable or two employee numbers share a 顧客番号.
pub fn plan(
    pkg: &BillPackage,
    ledger: &Ledger,
    month: YearMonth,
    transfers: &[AccountTransferDoc],
) -> Result<Plan, Refused> {
    let header = header(pkg, month)?;
    // Person × month, in file order.
    let mut items: Vec<(&str, YearMonth, &AccountTransferDoc)> = Vec::with_capacity(transfers.len());
    for t in transfers {
        let Ok(m) = t.month.parse::<YearMonth>() else {
            return Err(Refused(format!(
                "口座振替の月「{}」が読めません（社員番号{}）",
                t.month, t.employee_no
            )));
        };
        items.push((t.employee_no.as_str(), m, t));
    }
    items.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let package_accounts: FnvMap<&str, &package::BankAccount> = pkg
        .members
        .iter()
        .filter_map(|m| m.bank_account.as_ref().map(|a| (m.employee_no.as_str(), a)))
        .collect();
    // First month paid by bank transfer, per person (from the withdrawals, one pass).
    let mut first_months: FnvMap<&str, YearMonth> = FnvMap::default();
    for e in ledger.enrollments.values() {
        if let Some(w) = e.withdrawal.filter(|w| w.option == WithdrawalOption::BankTransfer) {
            let m = first_months.entry(e.employee_no.as_str()).or_insert(w.month.next());
            *m = (*m).min(w.month.next());
        }
    }
    let mut records = Vec::with_capacity(items.len());
    let mut set_aside = Vec::new();
    let mut notes = Vec::new();
    // Employee numbers without leading zeros: equal ones would share a 顧客番号.
    let mut unpadded: FnvMap<&str, &str> = FnvMap::default();
    // The ledger's members, merged in employee-number order with the items.
    let mut members = ledger.members.values().peekable();
    // The current person: account, first month paid by bank transfer, changed account.
    type Person<'p> = (&'p str, Result<Arc<Account>, String>, Option<YearMonth>, bool);
    let mut person: Option<Person<'_>> = None;
    let mut first_record_of_person = false;
    let mut k = 0;
    while k < items.len() {
        let (employee_no, m, _) = items[k];
        let mut amount = 0;
        let mut enrollments = Vec::new();
        while k < items.len() && items[k].0 == employee_no && items[k].1 == m {
            amount += items[k].2.amount;
            enrollments.push(items[k].2.enrollment.clone());
            k += 1;
        }
        if person.as_ref().is_none_or(|p| p.0 != employee_no) {
            while members.peek().is_some_and(|x| x.employee_no.as_str() < employee_no) {
                members.next();
            }
            let member = members.peek().filter(|x| x.employee_no == employee_no);
            let current = member.and_then(|x| x.bank_account.as_ref());
            let account = match current {
                None => {
                    Err("口座が登録されていません（infoone changes add bank-transfer で登録してください）".to_string())
                }
                Some(a) => export_account(a).map(Arc::new),
            };
            // First request: the person's first month paid by bank transfer. Changed: the
            // account differs from the package's (switched this month).
            let first_month = first_months.get(employee_no).copied();
            let changed = match (package_accounts.get(employee_no), current) {
                (Some(p), Some(l)) => {
                    p.bank_code != l.bank_code
                        || p.branch_code != l.branch_code
                        || p.account_no.trim_start_matches('0') != l.account_no.trim_start_matches('0')
                        || p.holder_kana != l.holder_kana
                }
                _ => false,
            };
            if let Ok(a) = &account {
                if kana::cut(&a.holder, 30).1 {
                    notes.push(format!(
                        "社員番号{employee_no}: 預金者名「{}」を30バイトで切りました",
                        kana::to_unicode(&a.holder)
                    ));
                }
            }
            person = Some((employee_no, account, first_month, changed));
            first_record_of_person = true;
        }
        let Some((_, account, first_month, changed)) = &person else {
            continue;
        };
        let aside = |reason: String| SetAside {
            employee_no: employee_no.to_string(),
            month: m,
            amount,
            reason,
        };
        let Some(no) = customer_no(m, employee_no) else {
            set_aside.push(aside(format!(
                "社員番号「{employee_no}」は顧客番号（年月6桁＋社員番号14桁）にできません（14桁までの数字）"
            )));
            continue;
        };
        if let Some(other) = unpadded.insert(employee_no.trim_start_matches('0'), employee_no) {
            if other != employee_no {
                return Err(Refused(format!(
                    "社員番号「{other}」と「{employee_no}」は0埋めすると同じ顧客番号になり、振替結果を区別できません"
                )));
            }
        }
        if amount <= 0 {
            set_aside.push(aside(format!("{m}の振替額が{amount}円です（0円以下は依頼しません）")));
            continue;
        }
        if amount > 9_999_999_999 {
            set_aside.push(aside(format!("{m}の振替額{amount}円が引落金額の10桁を超えます")));
            continue;
        }
        let account = match account {
            Ok(a) => a.clone(),
            Err(reason) => {
                set_aside.push(aside(reason.clone()));
                continue;
            }
        };
        let new_code = if *first_month == Some(m) {
            1
        } else if *changed && first_record_of_person {
            2
        } else {
            0
        };
        first_record_of_person = false;
        records.push(Planned {
            employee_no: employee_no.to_string(),
            month: m,
            customer_no: no,
            amount,
            new_code,
            account,
            enrollments,
        });
    }
    if kana::cut(&header.consignor_name, 40).1 {
        notes.push(format!(
            "委託者名「{}」を40バイトで切りました",
            kana::to_unicode(&header.consignor_name)
        ));
    }
    Ok(Plan {
        header,
        records,
        set_aside,
        notes,
    })
}

/// `n` right-aligned zero-filled in `width` digits (the lowest digits when it is longer).
fn num(out: &mut Vec<u8>, mut n: u64, width: usize) {
    let start = out.len();
    out.resize(start + width, b'0');
    for i in (start..start + width).rev() {
        out[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
}

fn digits_field(out: &mut Vec<u8>, s: &str, width: usize) {
    let s = s.as_bytes();
    let s = &s[s.len().saturating_sub(width)..];
    out.resize(out.len() + (width - s.len()), b'0');
    out.extend_from_slice(s);
}

fn spaces(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len() + n, b' ');
}

/// The request file: header, one data record per planned record, trailer, end; CRLF after each.
pub fn write_request(header: &Header, records: &[Planned]) -> Vec<u8> {
    let mut out = Vec::with_capacity((records.len() + 3) * (RECORD_LEN + 2));
    out.extend_from_slice(b"1910");
    digits_field(&mut out, &header.consignor_code, 10);
    kana::fit(&mut out, &header.consignor_name, 40);
    num(
        &mut out,
        u64::from(header.debit_date.month() * 100 + header.debit_date.day()),
        4,
    );
    digits_field(&mut out, &header.bank_code, 4);
    kana::fit(&mut out, &header.bank_name, 15);
    digits_field(&mut out, &header.branch_code, 3);
    kana::fit(&mut out, &header.branch_name, 15);
    num(&mut out, u64::from(header.account_type), 1);
    digits_field(&mut out, &header.account_no, 7);
    spaces(&mut out, 17);
    out.extend_from_slice(b"\r\n");
    let mut total: u64 = 0;
    for r in records {
        let a = &r.account;
        out.push(b'2');
        digits_field(&mut out, &a.bank_code, 4);
        kana::fit(&mut out, a.bank_name, 15);
        digits_field(&mut out, &a.branch_code, 3);
        kana::fit(&mut out, a.branch_name, 15);
        spaces(&mut out, 4);
        num(&mut out, u64::from(a.account_type), 1);
        digits_field(&mut out, &a.account_no, 7);
        kana::fit(&mut out, &a.holder, 30);
        let amount = u64::try_from(r.amount).unwrap_or(0);
        total += amount;
        num(&mut out, amount, 10);
        num(&mut out, u64::from(r.new_code), 1);
        digits_field(&mut out, &r.customer_no, 20);
        out.push(b'0');
        spaces(&mut out, 8);
        out.extend_from_slice(b"\r\n");
    }
    out.push(b'8');
    num(&mut out, records.len() as u64, 6);
    num(&mut out, total, 12);
    num(&mut out, 0, 6);
    num(&mut out, 0, 12);
    num(&mut out, 0, 6);
    num(&mut out, 0, 12);
    spaces(&mut out, 65);
    out.extend_from_slice(b"\r\n9");
    spaces(&mut out, 119);
    out.extend_from_slice(b"\r\n");
    out
}

// ---------------------------------------------------------------------------------------------
// The bank's result file.

/// 振替結果コード.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// 0 振替済.
    Debited,
    /// 1 資金不足.
    InsufficientFunds,
    /// 2 取引なし（口座なし）.
    NoAccount,
    /// 3 預金者の都合による振替停止.
    StoppedByPayer,
    /// 4 口座振替依頼書なし.
    NoAuthorisation,
    /// 8 委託者の都合による振替停止.
    StoppedByCollector,
    /// 9 その他.
    Other,
    /// A code FORMATS.md does not name: the record is held for the clerk.
    Unknown(u8),
}

impl ResultCode {
    pub fn from_byte(b: u8) -> ResultCode {
        match b {
            b'0' => ResultCode::Debited,
            b'1' => ResultCode::InsufficientFunds,
            b'2' => ResultCode::NoAccount,
            b'3' => ResultCode::StoppedByPayer,
            b'4' => ResultCode::NoAuthorisation,
            b'8' => ResultCode::StoppedByCollector,
            b'9' => ResultCode::Other,
            other => ResultCode::Unknown(other),
        }
    }

    /// The code as written in the file.
    pub fn code(self) -> String {
        match self {
            ResultCode::Debited => "0".into(),
            ResultCode::InsufficientFunds => "1".into(),
            ResultCode::NoAccount => "2".into(),
            ResultCode::StoppedByPayer => "3".into(),
            ResultCode::NoAuthorisation => "4".into(),
            ResultCode::StoppedByCollector => "8".into(),
            ResultCode::Other => "9".into(),
            ResultCode::Unknown(b) => shown(&[b]),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ResultCode::Debited => "振替済",
            ResultCode::InsufficientFunds => "資金不足",
            ResultCode::NoAccount => "取引なし（口座なし）",
            ResultCode::StoppedByPayer => "預金者の都合による振替停止",
            ResultCode::NoAuthorisation => "口座振替依頼書なし",
            ResultCode::StoppedByCollector => "委託者の都合による振替停止",
            ResultCode::Other => "その他",
            ResultCode::Unknown(_) => "不明な振替結果コード",
        }
    }
}

/// One data record of a result file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRecord {
    /// 1-based record number in the file (the header is 1).
    pub record_no: usize,
    pub bank_code: String,
    pub branch_code: String,
    pub account_type: String,
    pub account_no: String,
    /// 預金者名, half-width as written.
    pub holder: String,
    pub amount: i64,
    pub new_code: String,
    pub customer_no: String,
    pub code: ResultCode,
}

/// A result file that agrees with itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultFile {
    pub consignor_code: String,
    /// 引落日 MMDD as written.
    pub debit_mmdd: String,
    pub records: Vec<ResultRecord>,
}

/// Bytes as the clerk can read them: half-width kana for 0xA1–0xDF, `\xNN` for the rest.
fn shown(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        match b {
            0x20..=0x7E | 0xA1..=0xDF => s.push_str(&kana::to_unicode(&[b])),
            _ => s.push_str(&format!("\\x{b:02X}")),
        }
    }
    s
}

/// Splits a file into records: CRLF or LF separated, or back-to-back 120-byte records.
fn records(bytes: &[u8]) -> Result<Vec<&[u8]>, Problem> {
    let bytes = bytes.strip_suffix(&[0x1A]).unwrap_or(bytes); // DOS end-of-file mark
    if bytes.is_empty() {
        return Err(Problem::new(
            code::RECORD_LENGTH,
            "空のファイルです（全銀フォーマットの振替結果ファイルを指定してください）",
        ));
    }
    if !bytes.contains(&b'\n') {
        if !bytes.len().is_multiple_of(RECORD_LEN) {
            return Err(Problem::new(
                code::RECORD_LENGTH,
                format!(
                    "改行のないファイルの長さ{}バイトが120バイトの倍数ではありません",
                    bytes.len()
                ),
            ));
        }
        return Ok(bytes.chunks(RECORD_LEN).collect());
    }
    let mut out: Vec<&[u8]> = bytes
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    Ok(out)
}

fn number(rec: &[u8], at: usize, len: usize, row: usize, column: &str, problems: &mut Problems) -> Option<u64> {
    let f = &rec[at..at + len];
    if f.iter().all(u8::is_ascii_digit) {
        Some(f.iter().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')))
    } else {
        problems.push(
            Problem::new(code::NUMBER, format!("{len}桁の数字（右詰め・0埋め）"))
                .at_row(row)
                .in_column(column)
                .with_value(shown(f)),
        );
        None
    }
}

/// The refusal of a file with these problems.
fn refusal(problems: Problems, file: &str) -> FileError {
    match problems.finish(file) {
        Err(e) => e,
        Ok(()) => FileError::new(file, Vec::new()),
    }
}

fn text(rec: &[u8], at: usize, len: usize) -> String {
    shown(&rec[at..at + len]).trim_end().to_string()
}

/// Reads the bank's result file (same layout as the request, 振替結果コード filled in). Refused
/// with positioned problems (record number as the row, field as the column) when a record is not
/// 120 bytes, the records are out of order, a number is not digits, or the trailer's counts and
/// sums disagree with the data records. An unknown 振替結果コード is not a problem here: the record
/// comes back with [`ResultCode::Unknown`] for the clerk to look at.
pub fn read_result(file: &str, bytes: &[u8]) -> Result<ResultFile, FileError> {
    crate::limits::check_size(file, bytes.len(), crate::limits::MAX_TEXT_BYTES, "振替結果ファイル")?;
    let recs = records(bytes).map_err(|p| FileError::single(file, p))?;
    let mut problems = Problems::new();
    for (i, r) in recs.iter().enumerate() {
        if r.len() != RECORD_LEN {
            problems.push(
                Problem::new(
                    code::RECORD_LENGTH,
                    format!("レコード長は120バイトです（{}バイトあります）", r.len()),
                )
                .at_row(i + 1),
            );
        } else if let Some(p) = r.iter().position(|b| !matches!(b, 0x20..=0x7E | 0xA1..=0xDF)) {
            problems.push(
                Problem::new(
                    code::BYTES,
                    format!("{}バイト目は全銀フォーマットの文字ではありません", p + 1),
                )
                .at_row(i + 1)
                .with_value(format!("0x{:02X}", r[p])),
            );
        }
    }
    if !problems.is_empty() {
        return Err(refusal(problems, file));
    }
    let kind = |r: &[u8]| r[0];
    let order = |row: usize, found: u8, expected: &str| {
        Problem::new(
            code::RECORD_ORDER,
            format!("{expected}（ヘッダー1・データ2・トレーラー8・エンド9の順）"),
        )
        .at_row(row)
        .in_column("データ区分")
        .with_value(shown(&[found]))
    };
    let mut header = None;
    let mut data = Vec::new();
    let mut trailer = None;
    let mut end = false;
    for (i, r) in recs.iter().enumerate() {
        let row = i + 1;
        match (kind(r), header.is_some(), trailer.is_some(), end) {
            (b'1', false, _, _) if i == 0 => header = Some((row, *r)),
            (b'2', true, false, false) => data.push((row, *r)),
            (b'8', true, false, false) => trailer = Some((row, *r)),
            (b'9', true, true, false) => end = true,
            (k, _, _, _) => {
                let expected = if i == 0 {
                    "最初はヘッダーレコード（1）です"
                } else if end {
                    "エンドレコード（9）の後には何も置けません"
                } else if trailer.is_some() {
                    "トレーラーレコード（8）の次はエンドレコード（9）です"
                } else {
                    "データレコード（2）かトレーラーレコード（8）です"
                };
                problems.push(order(row, k, expected));
            }
        }
    }
    let Some((_, h)) = header else {
        problems.push(Problem::new(code::RECORD_ORDER, "ヘッダーレコード（1）がありません").at_row(1));
        return Err(refusal(problems, file));
    };
    if &h[1..3] != b"91" {
        problems.push(
            Problem::new(code::HEADER, "種別コードは 91（口座振替）です")
                .at_row(1)
                .in_column("種別コード")
                .with_value(shown(&h[1..3])),
        );
    }
    number(h, 4, 10, 1, "委託者コード", &mut problems);
    if trailer.is_none() {
        problems.push(Problem::new(code::RECORD_ORDER, "トレーラーレコード（8）がありません").at_row(recs.len()));
    } else if !end {
        problems.push(Problem::new(code::RECORD_ORDER, "エンドレコード（9）がありません").at_row(recs.len()));
    }
    let mut out = Vec::with_capacity(data.len());
    let (mut sum, mut debited, mut debited_sum, mut failed, mut failed_sum) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for (row, r) in &data {
        let amount = number(r, 80, 10, *row, "引落金額", &mut problems).unwrap_or(0);
        let code = ResultCode::from_byte(r[111]);
        sum += amount;
        if code == ResultCode::Debited {
            debited += 1;
            debited_sum += amount;
        } else {
            failed += 1;
            failed_sum += amount;
        }
        out.push(ResultRecord {
            record_no: *row,
            bank_code: text(r, 1, 4),
            branch_code: text(r, 20, 3),
            account_type: text(r, 42, 1),
            account_no: text(r, 43, 7),
            holder: text(r, 50, 30),
            amount: i64::try_from(amount).unwrap_or(i64::MAX),
            new_code: text(r, 90, 1),
            customer_no: text(r, 91, 20),
            code,
        });
    }
    if let Some((row, t)) = trailer {
        let fields: [(&str, usize, usize, u64); 6] = [
            ("合計件数", 1, 6, data.len() as u64),
            ("合計金額", 7, 12, sum),
            ("振替済件数", 19, 6, debited),
            ("振替済金額", 25, 12, debited_sum),
            ("振替不能件数", 37, 6, failed),
            ("振替不能金額", 43, 12, failed_sum),
        ];
        for (name, at, len, expected) in fields {
            let Some(found) = number(t, at, len, row, name, &mut problems) else {
                continue;
            };
            if found != expected {
                problems.push(
                    Problem::new(
                        code::TRAILER,
                        format!("データレコードから数えると{expected}です（トレーラーとデータが合わないファイルは取り込みません）"),
                    )
                    .at_row(row)
                    .in_column(name)
                    .with_value(shown(&t[at..at + len])),
                );
            }
        }
    }
    problems.finish(file)?;
    Ok(ResultFile {
        consignor_code: text(h, 4, 10),
        debit_mmdd: text(h, 54, 4),
        records: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(s: &str) -> YearMonth {
        s.parse().unwrap()
    }

    #[test]
    fn customer_numbers_round_trip() {
        let no = customer_no(ym("2026-12"), "000201").unwrap();
        assert_eq!(no, "20261200000000000201");
        assert_eq!(parse_customer_no(&no), Some((ym("2026-12"), "00000000000201".into())));
        assert_eq!(customer_no(ym("2026-12"), "12345678901234").unwrap().len(), 20);
        assert!(customer_no(ym("2026-12"), "123456789012345").is_none());
        assert!(customer_no(ym("2026-12"), "A01").is_none());
        assert!(parse_customer_no("2026130000000000020A").is_none());
    }
}
