//! The result report (`infoone.result-report/1`, FORMATS.md), group → insurer.
//!
//! Plain serde structs mirroring the JSON; yen amounts are JSON integers; dates `"YYYY-MM-DD"` and
//! months `"YYYY-MM"` are strings checked by [`parse_report`]. Reading works as for the bill
//! package (see [`crate::package`]): the first syntax or type error with its JSON path, line and
//! column, then every semantic problem with its JSON path. Unknown fields are allowed and reported
//! by [`parse_report_with_warnings`]; the inside of a change's `details` is never checked.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::package::{
    format_problem, json_text, read_typed, unknown_field_warnings, Checker, Child, PackageError, Problem, Shape,
    UndeductedHandling, UndeductedReason,
};

/// The exact value of a result report's `format`.
pub const REPORT_FORMAT: &str = "infoone.result-report/1";

/// Errors of [`parse_report`]: the same positioned errors as the bill package's.
pub type ReportError = PackageError;

/// What the group reports back for one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultReport {
    /// Always [`REPORT_FORMAT`].
    pub format: String,
    /// The group code.
    pub group: String,
    /// `"YYYY-MM"`.
    pub month: String,
    /// The `version` of the bill package the month was worked from.
    pub package_version: String,
    /// The same key for the same report: sending it twice records it once.
    pub idempotency_key: String,
    /// `"YYYY-MM-DD"`.
    pub generated_on: String,
    pub changes: Vec<ReportChange>,
    pub deductions: Vec<DeductionResult>,
    pub offices: Vec<OfficeResult>,
    pub totals: ReportTotals,
    pub individual_bills: Vec<IndividualBill>,
    pub account_transfers: Vec<AccountTransfer>,
    pub undeducted: Vec<UndeductedLine>,
}

/// One applied change (異動).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportChange {
    pub id: String,
    pub kind: ChangeKind,
    pub employee_no: String,
    /// The enrollment concerned, when the change concerns one.
    #[serde(default)]
    pub enrollment: Option<String>,
    /// `"YYYY-MM-DD"`.
    pub effective_date: String,
    /// Kind-specific particulars (old and new values, plan, units, office, option, …).
    #[serde(default)]
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// 中途加入.
    Join,
    /// 脱退.
    Withdrawal,
    /// 退職.
    Retirement,
    /// 事業所異動.
    Transfer,
    /// プラン・口数変更.
    PlanChange,
    /// 氏名・住所などの変更.
    Update,
    /// 入社.
    Hire,
    /// 口座振替切替.
    BankTransferSwitch,
}

/// One member's deduction result (控除結果) at one office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeductionResult {
    pub employee_no: String,
    pub office: String,
    pub billed: i64,
    pub deducted: i64,
    pub undeducted: i64,
    /// Required when `undeducted > 0`.
    #[serde(default)]
    pub reason: Option<UndeductedReason>,
}

/// One office's totals for the month (DOMAIN.md §4–5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeResult {
    pub code: String,
    pub premium_total: i64,
    pub fee: i64,
    pub fee_tax: i64,
    pub invoice_amount: i64,
    pub undeducted: i64,
    pub collected_fee: i64,
    pub collected_fee_tax: i64,
    pub payable: i64,
}

/// The group's totals: the sums over its offices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTotals {
    pub premium_total: i64,
    pub fee: i64,
    pub fee_tax: i64,
    pub invoice_amount: i64,
    pub undeducted: i64,
    pub collected_fee: i64,
    pub collected_fee_tax: i64,
    pub payable: i64,
}

impl ReportTotals {
    /// The sums over `offices`.
    pub fn sum(offices: &[OfficeResult]) -> Self {
        offices.iter().fold(ReportTotals::default(), |t, o| ReportTotals {
            premium_total: t.premium_total + o.premium_total,
            fee: t.fee + o.fee,
            fee_tax: t.fee_tax + o.fee_tax,
            invoice_amount: t.invoice_amount + o.invoice_amount,
            undeducted: t.undeducted + o.undeducted,
            collected_fee: t.collected_fee + o.collected_fee,
            collected_fee_tax: t.collected_fee_tax + o.collected_fee_tax,
            payable: t.payable + o.payable,
        })
    }

    fn fields(&self) -> [(&'static str, i64); 8] {
        [
            ("premium_total", self.premium_total),
            ("fee", self.fee),
            ("fee_tax", self.fee_tax),
            ("invoice_amount", self.invoice_amount),
            ("undeducted", self.undeducted),
            ("collected_fee", self.collected_fee),
            ("collected_fee_tax", self.collected_fee_tax),
            ("payable", self.payable),
        ]
    }
}

/// 個別請求書: billed to a person, outside the office bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndividualBill {
    pub employee_no: String,
    pub kind: IndividualBillKind,
    pub amount: i64,
    /// `"YYYY-MM-DD"`.
    pub due_date: String,
    pub lines: Vec<IndividualBillLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndividualBillKind {
    /// 一括精算 of a withdrawer.
    LumpSum,
    /// Undeducted amounts billed to the person.
    Undeducted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndividualBillLine {
    pub enrollment: String,
    /// `"YYYY-MM"`, the month the amount is for.
    pub month: String,
    pub amount: i64,
}

/// A month's premium debited from a withdrawer's bank account (口座振替) instead of the office bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountTransfer {
    pub employee_no: String,
    pub enrollment: String,
    /// `"YYYY-MM"`.
    pub month: String,
    pub amount: i64,
}

/// An amount left undeducted this month and how it will be handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndeductedLine {
    pub enrollment: String,
    pub office: String,
    /// `"YYYY-MM"`, the month the amount was first billed.
    pub month: String,
    pub amount: i64,
    pub reason: UndeductedReason,
    pub handling: UndeductedHandling,
}

/// Reads and checks a result report. `file_name` only labels messages.
pub fn parse_report(file_name: &str, bytes: &[u8]) -> Result<ResultReport, ReportError> {
    let text = json_text(file_name, bytes)?;
    let report: ResultReport = read_typed(file_name, text, REPORT_FORMAT, "結果報告")?;
    validate_report(file_name, &report)?;
    Ok(report)
}

/// [`parse_report`], plus one warning per field this version does not know.
pub fn parse_report_with_warnings(file_name: &str, bytes: &[u8]) -> Result<(ResultReport, Vec<Problem>), ReportError> {
    let report = parse_report(file_name, bytes)?;
    let text = json_text(file_name, bytes)?;
    Ok((report, unknown_field_warnings(file_name, text, &REPORT_SHAPE)))
}

/// Pretty JSON, ending in a newline; `parse_report(_, &write_report(r)) == r` for a valid `r`.
pub fn write_report(report: &ResultReport) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(report).expect("a result report always serialises");
    out.push(b'\n');
    out
}

/// The semantic checks of [`parse_report`], on an already-read report.
pub fn validate_report(file_name: &str, r: &ResultReport) -> Result<(), ReportError> {
    let mut c = Checker::new(file_name);
    if r.format != REPORT_FORMAT {
        c.problems
            .push(format_problem(file_name, &r.format, REPORT_FORMAT, "結果報告"));
    }
    for (path, v, what) in [
        ("group", &r.group, "団体コード"),
        ("package_version", &r.package_version, "請求パッケージの版"),
        ("idempotency_key", &r.idempotency_key, "冪等キー"),
    ] {
        if v.trim().is_empty() {
            c.value(path, v, &format!("{what}が空です"));
        }
    }
    c.month(|| "month".into(), &r.month);
    c.date(|| "generated_on".into(), &r.generated_on);

    let mut ids = HashMap::new();
    for (i, ch) in r.changes.iter().enumerate() {
        let at = |f: &str| format!("changes[{i}].{f}");
        c.unique(&mut ids, &ch.id, i, || at("id"), |k| format!("changes[{k}]"), "変更ID");
        c.date(|| at("effective_date"), &ch.effective_date);
    }

    for (i, d) in r.deductions.iter().enumerate() {
        let at = format!("deductions[{i}]");
        if d.undeducted < 0 {
            c.value(format!("{at}.undeducted"), d.undeducted, "控除不能額は 0 以上です");
        } else if d.deducted.checked_add(d.undeducted) != Some(d.billed) {
            c.add(
                at.clone(),
                format!(
                    "控除額 deducted「{}」と控除不能額 undeducted「{}」の和が請求額 billed「{}」と合いません",
                    d.deducted, d.undeducted, d.billed
                ),
            );
        }
        if d.undeducted > 0 && d.reason.is_none() {
            c.add(
                format!("{at}.reason"),
                "控除不能額があるときは理由（休職・退職・給与不足・その他）が必要です",
            );
        }
    }

    let mut offices = HashMap::new();
    for (i, o) in r.offices.iter().enumerate() {
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
    let sums = ReportTotals::sum(&r.offices);
    for ((name, total), (_, sum)) in r.totals.fields().into_iter().zip(sums.fields()) {
        if total != sum {
            c.value(
                format!("totals.{name}"),
                total,
                &format!("事業所ごとの {name} の合計「{sum}」と合いません"),
            );
        }
    }

    for (i, b) in r.individual_bills.iter().enumerate() {
        let at = format!("individual_bills[{i}]");
        c.date(|| format!("{at}.due_date"), &b.due_date);
        for (j, l) in b.lines.iter().enumerate() {
            c.month(|| format!("{at}.lines[{j}].month"), &l.month);
        }
        let sum: i64 = b.lines.iter().map(|l| l.amount).sum();
        if !b.lines.is_empty() && sum != b.amount {
            c.value(
                format!("{at}.amount"),
                b.amount,
                &format!("明細 lines の合計「{sum}」と合いません"),
            );
        }
    }

    for (i, t) in r.account_transfers.iter().enumerate() {
        c.month(|| format!("account_transfers[{i}].month"), &t.month);
    }

    for (i, u) in r.undeducted.iter().enumerate() {
        let at = format!("undeducted[{i}]");
        c.month(|| format!("{at}.month"), &u.month);
        if u.amount < 1 {
            c.value(format!("{at}.amount"), u.amount, "控除不能額は 1 円以上です");
        }
    }

    c.finish()
}

use Child::{Array as A, Leaf as L, Object as O};

static REPORT_SHAPE: Shape = Shape {
    fields: &[
        ("format", L),
        ("group", L),
        ("month", L),
        ("package_version", L),
        ("idempotency_key", L),
        ("generated_on", L),
        ("changes", A(&CHANGE_SHAPE)),
        ("deductions", A(&DEDUCTION_SHAPE)),
        ("offices", A(&OFFICE_SHAPE)),
        ("totals", O(&TOTALS_SHAPE)),
        ("individual_bills", A(&INDIVIDUAL_BILL_SHAPE)),
        ("account_transfers", A(&ACCOUNT_TRANSFER_SHAPE)),
        ("undeducted", A(&UNDEDUCTED_SHAPE)),
    ],
};
static CHANGE_SHAPE: Shape = Shape {
    fields: &[
        ("id", L),
        ("kind", L),
        ("employee_no", L),
        ("enrollment", L),
        ("effective_date", L),
        ("details", L),
    ],
};
static DEDUCTION_SHAPE: Shape = Shape {
    fields: &[
        ("employee_no", L),
        ("office", L),
        ("billed", L),
        ("deducted", L),
        ("undeducted", L),
        ("reason", L),
    ],
};
static OFFICE_SHAPE: Shape = Shape {
    fields: &[
        ("code", L),
        ("premium_total", L),
        ("fee", L),
        ("fee_tax", L),
        ("invoice_amount", L),
        ("undeducted", L),
        ("collected_fee", L),
        ("collected_fee_tax", L),
        ("payable", L),
    ],
};
static TOTALS_SHAPE: Shape = Shape {
    fields: &[
        ("premium_total", L),
        ("fee", L),
        ("fee_tax", L),
        ("invoice_amount", L),
        ("undeducted", L),
        ("collected_fee", L),
        ("collected_fee_tax", L),
        ("payable", L),
    ],
};
static INDIVIDUAL_BILL_SHAPE: Shape = Shape {
    fields: &[
        ("employee_no", L),
        ("kind", L),
        ("amount", L),
        ("due_date", L),
        ("lines", A(&BILL_LINE_SHAPE)),
    ],
};
static BILL_LINE_SHAPE: Shape = Shape {
    fields: &[("enrollment", L), ("month", L), ("amount", L)],
};
static ACCOUNT_TRANSFER_SHAPE: Shape = Shape {
    fields: &[("employee_no", L), ("enrollment", L), ("month", L), ("amount", L)],
};
static UNDEDUCTED_SHAPE: Shape = Shape {
    fields: &[
        ("enrollment", L),
        ("office", L),
        ("month", L),
        ("amount", L),
        ("reason", L),
        ("handling", L),
    ],
};
