//! Changes (異動) as JSON: how they are stored, shown with `--json`, and reported to the insurer.

use chrono::NaiveDate;
use infoone_domain::change::Change;
use infoone_domain::ledger as d;
use serde::{Deserialize, Serialize};

use crate::ledger::{bank_account_json, member_json};

/// The JSON form of a change. `kind` names the variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeDoc {
    Join {
        enrollment_id: String,
        employee_no: String,
        insured: String,
        product: String,
        plan: String,
        units: u32,
        applied_on: NaiveDate,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        application: Option<String>,
    },
    Withdrawal {
        enrollment: String,
        date: NaiveDate,
        option: String,
    },
    Retirement {
        employee_no: String,
        date: NaiveDate,
        option: String,
    },
    Transfer {
        employee_no: String,
        office: String,
        date: NaiveDate,
    },
    PlanChange {
        enrollment: String,
        new_enrollment_id: String,
        plan: String,
        units: u32,
        date: NaiveDate,
    },
    Update {
        employee_no: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name_kana: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        postal_code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
    },
    Hire {
        member: serde_json::Value,
    },
    Status {
        employee_no: String,
        status: String,
    },
    BankTransferSwitch {
        employee_no: String,
        account: serde_json::Value,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("変更データが読めません: {0}")]
pub struct BadChange(pub String);

pub fn option_from_code(s: &str) -> Result<d::WithdrawalOption, BadChange> {
    [
        d::WithdrawalOption::End,
        d::WithdrawalOption::LumpSum,
        d::WithdrawalOption::BankTransfer,
    ]
    .into_iter()
    .find(|o| o.code() == s)
    .ok_or_else(|| {
        BadChange(format!(
            "脱退時の選択「{s}」は end / lump_sum / bank_transfer のいずれかです"
        ))
    })
}

pub fn status_from_code(s: &str) -> Result<d::MemberStatus, BadChange> {
    match s {
        "active" => Ok(d::MemberStatus::Active),
        "leave" => Ok(d::MemberStatus::Leave),
        "retired" => Ok(d::MemberStatus::Retired),
        _ => Err(BadChange(format!(
            "在籍区分「{s}」は active / leave / retired のいずれかです"
        ))),
    }
}

fn status_code(s: d::MemberStatus) -> &'static str {
    match s {
        d::MemberStatus::Active => "active",
        d::MemberStatus::Leave => "leave",
        d::MemberStatus::Retired => "retired",
    }
}

pub fn to_doc(c: &Change) -> ChangeDoc {
    match c {
        Change::Join {
            enrollment_id,
            employee_no,
            insured,
            product,
            plan,
            units,
            applied_on,
            application,
        } => ChangeDoc::Join {
            enrollment_id: enrollment_id.clone(),
            employee_no: employee_no.clone(),
            insured: insured.to_string(),
            product: product.clone(),
            plan: plan.clone(),
            units: *units,
            applied_on: *applied_on,
            application: application.clone(),
        },
        Change::Withdrawal {
            enrollment,
            date,
            option,
        } => ChangeDoc::Withdrawal {
            enrollment: enrollment.clone(),
            date: *date,
            option: option.code().into(),
        },
        Change::Retirement {
            employee_no,
            date,
            option,
        } => ChangeDoc::Retirement {
            employee_no: employee_no.clone(),
            date: *date,
            option: option.code().into(),
        },
        Change::Transfer {
            employee_no,
            office,
            date,
        } => ChangeDoc::Transfer {
            employee_no: employee_no.clone(),
            office: office.clone(),
            date: *date,
        },
        Change::PlanChange {
            enrollment,
            new_enrollment_id,
            plan,
            units,
            date,
        } => ChangeDoc::PlanChange {
            enrollment: enrollment.clone(),
            new_enrollment_id: new_enrollment_id.clone(),
            plan: plan.clone(),
            units: *units,
            date: *date,
        },
        Change::Update {
            employee_no,
            name,
            name_kana,
            email,
            postal_code,
            address,
        } => ChangeDoc::Update {
            employee_no: employee_no.clone(),
            name: name.clone(),
            name_kana: name_kana.clone(),
            email: email.clone(),
            postal_code: postal_code.clone(),
            address: address.clone(),
        },
        Change::Hire { member } => ChangeDoc::Hire {
            member: member_json(member),
        },
        Change::Status { employee_no, status } => ChangeDoc::Status {
            employee_no: employee_no.clone(),
            status: status_code(*status).into(),
        },
        Change::BankTransferSwitch { employee_no, account } => ChangeDoc::BankTransferSwitch {
            employee_no: employee_no.clone(),
            account: bank_account_json(account),
        },
    }
}

fn insured(s: &str) -> d::Insured {
    crate::ledger::insured(s)
}

fn text(v: &serde_json::Value, key: &str) -> String {
    v.get(key).and_then(|x| x.as_str()).unwrap_or_default().to_string()
}

pub fn account_from_json(v: &serde_json::Value) -> Result<d::BankAccount, BadChange> {
    let account_type = match text(v, "account_type").as_str() {
        "1" => d::AccountType::Ordinary,
        "2" => d::AccountType::Current,
        other => return Err(BadChange(format!("預金種目「{other}」は 1（普通）か 2（当座）です"))),
    };
    Ok(d::BankAccount {
        bank_code: text(v, "bank_code"),
        branch_code: text(v, "branch_code"),
        account_type,
        account_no: text(v, "account_no"),
        holder_kana: text(v, "holder_kana"),
    })
}

fn member_from_json(v: &serde_json::Value) -> Result<d::Member, BadChange> {
    let date = |k: &str| {
        NaiveDate::parse_from_str(&text(v, k), "%Y-%m-%d").map_err(|_| BadChange(format!("{k}が日付ではありません")))
    };
    Ok(d::Member {
        employee_no: text(v, "employee_no"),
        name: text(v, "name"),
        name_kana: text(v, "name_kana"),
        birth_date: date("birth_date")?,
        gender: match text(v, "gender").as_str() {
            "M" => infoone_domain::product::Gender::Male,
            "F" => infoone_domain::product::Gender::Female,
            g => return Err(BadChange(format!("性別「{g}」は M か F です"))),
        },
        office: text(v, "office"),
        transfers: Vec::new(),
        status: status_from_code(v.get("status").and_then(|s| s.as_str()).unwrap_or("active"))?,
        retired_on: None,
        dependents: Vec::new(),
        email: text(v, "email"),
        postal_code: text(v, "postal_code"),
        address: text(v, "address"),
        bank_account: None,
    })
}

pub fn from_doc(doc: &ChangeDoc) -> Result<Change, BadChange> {
    Ok(match doc {
        ChangeDoc::Join {
            enrollment_id,
            employee_no,
            insured: who,
            product,
            plan,
            units,
            applied_on,
            application,
        } => Change::Join {
            enrollment_id: enrollment_id.clone(),
            employee_no: employee_no.clone(),
            insured: insured(who),
            product: product.clone(),
            plan: plan.clone(),
            units: *units,
            applied_on: *applied_on,
            application: application.clone(),
        },
        ChangeDoc::Withdrawal {
            enrollment,
            date,
            option,
        } => Change::Withdrawal {
            enrollment: enrollment.clone(),
            date: *date,
            option: option_from_code(option)?,
        },
        ChangeDoc::Retirement {
            employee_no,
            date,
            option,
        } => Change::Retirement {
            employee_no: employee_no.clone(),
            date: *date,
            option: option_from_code(option)?,
        },
        ChangeDoc::Transfer {
            employee_no,
            office,
            date,
        } => Change::Transfer {
            employee_no: employee_no.clone(),
            office: office.clone(),
            date: *date,
        },
        ChangeDoc::PlanChange {
            enrollment,
            new_enrollment_id,
            plan,
            units,
            date,
        } => Change::PlanChange {
            enrollment: enrollment.clone(),
            new_enrollment_id: new_enrollment_id.clone(),
            plan: plan.clone(),
            units: *units,
            date: *date,
        },
        ChangeDoc::Update {
            employee_no,
            name,
            name_kana,
            email,
            postal_code,
            address,
        } => Change::Update {
            employee_no: employee_no.clone(),
            name: name.clone(),
            name_kana: name_kana.clone(),
            email: email.clone(),
            postal_code: postal_code.clone(),
            address: address.clone(),
        },
        ChangeDoc::Hire { member } => Change::Hire {
            member: Box::new(member_from_json(member)?),
        },
        ChangeDoc::Status { employee_no, status } => Change::Status {
            employee_no: employee_no.clone(),
            status: status_from_code(status)?,
        },
        ChangeDoc::BankTransferSwitch { employee_no, account } => Change::BankTransferSwitch {
            employee_no: employee_no.clone(),
            account: account_from_json(account)?,
        },
    })
}

pub fn to_json(c: &Change) -> String {
    serde_json::to_string(&to_doc(c)).unwrap_or_default()
}

pub fn from_json(s: &str) -> Result<Change, BadChange> {
    let doc: ChangeDoc = serde_json::from_str(s).map_err(|e| BadChange(e.to_string()))?;
    from_doc(&doc)
}
