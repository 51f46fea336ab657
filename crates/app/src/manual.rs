//! A manual change as a clerk enters it (a paper form, `changes add`, the desktop's form): plain
//! text fields, checked and turned into a [`Change`] here, once for every front end.

use chrono::NaiveDate;
use infoone_domain::change::Change;
use infoone_domain::ledger::{AccountType, BankAccount, Insured, MemberStatus, WithdrawalOption};
use serde::Deserialize;

use crate::{AppError, Result};

/// The fields of one manual change. Dates are text in any form the HR reader accepts
/// (2026-11-30, 2026/11/30, 令和8年11月30日 …); options are `end`, `lump_sum`, `bank_transfer`.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ManualChange {
    /// 中途加入: `insured` is `self` (本人) or a dependent's id.
    Join {
        employee_no: String,
        insured: String,
        product: String,
        plan: String,
        units: u32,
        applied_on: String,
    },
    /// 脱退 of one enrollment, with the withdrawer's option.
    Withdrawal {
        enrollment: String,
        date: String,
        option: String,
    },
    /// 退職: every enrollment of the member ends, with the withdrawer's option.
    Retirement {
        employee_no: String,
        date: String,
        option: String,
    },
    /// 異動 to another office.
    Transfer {
        employee_no: String,
        office: String,
        date: String,
    },
    /// プラン変更.
    PlanChange {
        enrollment: String,
        plan: String,
        units: u32,
        date: String,
    },
    /// 氏名・連絡先の変更 (empty fields stay as they are).
    Update {
        employee_no: String,
        name: Option<String>,
        name_kana: Option<String>,
        email: Option<String>,
        postal_code: Option<String>,
        address: Option<String>,
    },
    /// 休職 (`back`: 復職).
    Leave { employee_no: String, back: bool },
    /// A withdrawer's bank account for 口座振替: account type 1 (普通) or 2 (当座).
    BankTransfer {
        employee_no: String,
        bank: String,
        branch: String,
        account_type: String,
        account_no: String,
        holder_kana: String,
    },
}

fn date(s: &str) -> Result<NaiveDate> {
    infoone_formats::date::parse_date(s).map_err(|e| AppError::bad_input(format!("日付「{s}」: {e}")))
}

fn option(s: &str) -> Result<WithdrawalOption> {
    infoone_formats::change::option_from_code(s).map_err(|e| AppError::bad_input(e.to_string()))
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn required(what: &str, v: &str) -> Result<String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(AppError::bad_input(format!("{what}を入力してください")));
    }
    Ok(v.to_string())
}

impl ManualChange {
    /// The change, checked field by field (the ledger's rules are checked when it is accepted).
    pub fn to_change(&self) -> Result<Change> {
        Ok(match self {
            ManualChange::Join {
                employee_no,
                insured,
                product,
                plan,
                units,
                applied_on,
            } => Change::Join {
                enrollment_id: String::new(),
                employee_no: required("社員番号", employee_no)?,
                insured: match insured.trim() {
                    "" | "self" | "本人" => Insured::Member,
                    other => Insured::Dependent(other.to_string()),
                },
                product: required("商品", product)?,
                plan: required("プラン", plan)?,
                units: *units,
                applied_on: date(applied_on)?,
                application: None,
            },
            ManualChange::Withdrawal {
                enrollment,
                date: d,
                option: o,
            } => Change::Withdrawal {
                enrollment: required("加入番号", enrollment)?,
                date: date(d)?,
                option: option(o)?,
            },
            ManualChange::Retirement {
                employee_no,
                date: d,
                option: o,
            } => Change::Retirement {
                employee_no: required("社員番号", employee_no)?,
                date: date(d)?,
                option: option(o)?,
            },
            ManualChange::Transfer {
                employee_no,
                office,
                date: d,
            } => Change::Transfer {
                employee_no: required("社員番号", employee_no)?,
                office: required("異動先の事業所", office)?,
                date: date(d)?,
            },
            ManualChange::PlanChange {
                enrollment,
                plan,
                units,
                date: d,
            } => Change::PlanChange {
                enrollment: required("加入番号", enrollment)?,
                new_enrollment_id: String::new(),
                plan: required("プラン", plan)?,
                units: *units,
                date: date(d)?,
            },
            ManualChange::Update {
                employee_no,
                name,
                name_kana,
                email,
                postal_code,
                address,
            } => Change::Update {
                employee_no: required("社員番号", employee_no)?,
                name: given(name),
                name_kana: given(name_kana),
                email: given(email),
                postal_code: given(postal_code),
                address: given(address),
            },
            ManualChange::Leave { employee_no, back } => Change::Status {
                employee_no: required("社員番号", employee_no)?,
                status: if *back {
                    MemberStatus::Active
                } else {
                    MemberStatus::Leave
                },
            },
            ManualChange::BankTransfer {
                employee_no,
                bank,
                branch,
                account_type,
                account_no,
                holder_kana,
            } => Change::BankTransferSwitch {
                employee_no: required("社員番号", employee_no)?,
                account: BankAccount {
                    bank_code: required("銀行コード", bank)?,
                    branch_code: required("支店コード", branch)?,
                    account_type: match account_type.trim() {
                        "1" | "普通" => AccountType::Ordinary,
                        "2" | "当座" => AccountType::Current,
                        other => {
                            return Err(AppError::bad_input(format!(
                                "預金種目「{other}」は 1（普通）か 2（当座）です"
                            )))
                        }
                    },
                    account_no: required("口座番号", account_no)?,
                    holder_kana: required("口座名義（カナ）", holder_kana)?,
                },
            },
        })
    }
}
