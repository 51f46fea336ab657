//! The bill as a document: what `infoone bill show --json` prints (CLI.md), and what a confirmed
//! month freezes. Yen amounts are JSON integers.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use infoone_domain::bill::{self as b, Bill};
use infoone_domain::deduction::Outcome;
use infoone_domain::finding::{self, Finding};
use infoone_domain::ledger::DeductionReason;
use infoone_domain::money::Yen;
use infoone_domain::month::YearMonth;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BillDoc {
    pub group: String,
    pub month: String,
    pub state: String,
    /// 0 before the first confirmation; 1 = 初版, 2 = 第2版 …
    pub revision: i64,
    pub due_date: NaiveDate,
    pub offices: Vec<OfficeDoc>,
    pub totals: TotalsDoc,
    pub findings: Vec<FindingDoc>,
    pub individual_bills: Vec<IndividualDoc>,
    pub account_transfers: Vec<AccountTransferDoc>,
    pub commissions: Vec<CommissionDoc>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TotalsDoc {
    pub premium_total: i64,
    pub fee: i64,
    pub fee_tax: i64,
    pub invoice_amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undeducted: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_fee: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_fee_tax: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payable: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OfficeDoc {
    pub code: String,
    pub name: String,
    pub deduction_destination: String,
    #[serde(flatten)]
    pub totals: TotalsDoc,
    pub by_product: BTreeMap<String, i64>,
    pub lines: Vec<LineDoc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LineDoc {
    pub kind: String,
    pub enrollment: String,
    pub employee_no: String,
    pub product: String,
    pub month: String,
    pub amount: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct FindingDoc {
    pub code: String,
    pub severity: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IndividualDoc {
    pub employee_no: String,
    pub amount: i64,
    pub due_date: NaiveDate,
    pub items: Vec<IndividualItemDoc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IndividualItemDoc {
    pub kind: String,
    pub enrollment: String,
    pub product: String,
    pub from_month: String,
    pub to_month: String,
    pub amount: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AccountTransferDoc {
    pub employee_no: String,
    pub enrollment: String,
    pub product: String,
    pub month: String,
    pub amount: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CommissionDoc {
    pub agent_code: String,
    pub amount: i64,
}

/// Office names and deduction destinations, for the document.
pub type OfficeNames<'a> = &'a dyn Fn(&str) -> (String, String);

pub fn finding_doc(f: &Finding) -> FindingDoc {
    FindingDoc {
        code: f.code.code.to_string(),
        severity: f.code.severity.name().to_string(),
        message: f.message.clone(),
        office: f.office.clone(),
        employee_no: f.employee_no.clone(),
        enrollment: f.enrollment.clone(),
    }
}

fn totals_doc(t: &b::Totals) -> TotalsDoc {
    TotalsDoc {
        premium_total: t.premium_total.to_i64(),
        fee: t.fee.to_i64(),
        fee_tax: t.fee_tax.to_i64(),
        invoice_amount: t.invoice_amount.to_i64(),
        ..TotalsDoc::default()
    }
}

fn line_doc(l: &b::BillLine) -> LineDoc {
    LineDoc {
        kind: l.kind.code().to_string(),
        enrollment: l.enrollment.clone(),
        employee_no: l.employee_no.clone(),
        product: l.product.clone(),
        month: l.month.to_string(),
        amount: l.amount.to_i64(),
        reason: l.reason.map(|r| r.label().to_string()),
    }
}

pub fn from_bill(bill: &Bill, state: &str, revision: i64, names: OfficeNames<'_>) -> BillDoc {
    BillDoc {
        group: bill.group.clone(),
        month: bill.month.to_string(),
        state: state.to_string(),
        revision,
        due_date: bill.due_date,
        offices: bill
            .offices
            .iter()
            .map(|o| {
                let (name, deduction_destination) = names(&o.office);
                OfficeDoc {
                    code: o.office.clone(),
                    name,
                    deduction_destination,
                    totals: totals_doc(&o.totals),
                    by_product: o.by_product.iter().map(|(k, v)| (k.clone(), v.to_i64())).collect(),
                    lines: o.lines.iter().map(line_doc).collect(),
                }
            })
            .collect(),
        totals: totals_doc(&bill.totals),
        findings: bill.findings.iter().map(finding_doc).collect(),
        individual_bills: bill
            .individual_bills
            .iter()
            .map(|i| IndividualDoc {
                employee_no: i.employee_no.clone(),
                amount: i.amount.to_i64(),
                due_date: i.due_date,
                items: i
                    .items
                    .iter()
                    .map(|it| IndividualItemDoc {
                        kind: it.kind.code().to_string(),
                        enrollment: it.enrollment.clone(),
                        product: it.product.clone(),
                        from_month: it.months.0.to_string(),
                        to_month: it.months.1.to_string(),
                        amount: it.amount.to_i64(),
                    })
                    .collect(),
            })
            .collect(),
        account_transfers: bill
            .account_transfers
            .iter()
            .map(|a| AccountTransferDoc {
                employee_no: a.employee_no.clone(),
                enrollment: a.enrollment.clone(),
                product: a.product.clone(),
                month: a.month.to_string(),
                amount: a.amount.to_i64(),
            })
            .collect(),
        commissions: bill
            .commissions
            .iter()
            .map(|c| CommissionDoc {
                agent_code: c.agent_code.clone(),
                amount: c.amount.to_i64(),
            })
            .collect(),
    }
}

/// Add the deduction outcome (DOMAIN.md §5.4) to the offices and totals.
pub fn add_outcome(doc: &mut BillDoc, outcome: &Outcome) {
    for o in &mut doc.offices {
        if let Some(c) = outcome.offices.get(&o.code) {
            o.totals.undeducted = Some(c.undeducted.to_i64());
            o.totals.collected_fee = Some(c.collected_fee.to_i64());
            o.totals.collected_fee_tax = Some(c.collected_fee_tax.to_i64());
            o.totals.payable = Some(c.payable.to_i64());
        }
    }
    let t = &outcome.totals;
    doc.totals.undeducted = Some(t.undeducted.to_i64());
    doc.totals.collected_fee = Some(t.collected_fee.to_i64());
    doc.totals.collected_fee_tax = Some(t.collected_fee_tax.to_i64());
    doc.totals.payable = Some(t.payable.to_i64());
    // The agent commission is on what was collected (DOMAIN.md §4), once that is known.
    doc.commissions = outcome
        .commissions
        .iter()
        .map(|c| CommissionDoc {
            agent_code: c.agent_code.clone(),
            amount: c.amount.to_i64(),
        })
        .collect();
}

fn month(s: &str) -> YearMonth {
    s.parse().unwrap_or_else(|_| YearMonth::of(NaiveDate::MIN))
}

fn kind(s: &str) -> b::LineKind {
    match s {
        "carry_over" => b::LineKind::CarryOver,
        "retro" => b::LineKind::Retro,
        _ => b::LineKind::Regular,
    }
}

/// The domain bill back from a frozen document (to apply deduction results to what was confirmed).
pub fn to_bill(doc: &BillDoc) -> Bill {
    let totals = |t: &TotalsDoc| b::Totals {
        premium_total: Yen::new(t.premium_total),
        fee: Yen::new(t.fee),
        fee_tax: Yen::new(t.fee_tax),
        invoice_amount: Yen::new(t.invoice_amount),
    };
    Bill {
        group: doc.group.clone(),
        month: month(&doc.month),
        due_date: doc.due_date,
        offices: doc
            .offices
            .iter()
            .map(|o| b::OfficeBill {
                office: o.code.clone(),
                lines: o
                    .lines
                    .iter()
                    .map(|l| b::BillLine {
                        kind: kind(&l.kind),
                        enrollment: l.enrollment.clone(),
                        employee_no: l.employee_no.clone(),
                        product: l.product.clone(),
                        month: month(&l.month),
                        amount: Yen::new(l.amount),
                        reason: l.reason.as_deref().and_then(DeductionReason::from_label),
                    })
                    .collect(),
                by_product: o.by_product.iter().map(|(k, v)| (k.clone(), Yen::new(*v))).collect(),
                totals: totals(&o.totals),
            })
            .collect(),
        totals: totals(&doc.totals),
        findings: doc
            .findings
            .iter()
            .filter_map(|f| {
                finding::ALL.iter().find(|c| c.code == f.code).map(|c| Finding {
                    code: *c,
                    message: f.message.clone(),
                    office: f.office.clone(),
                    employee_no: f.employee_no.clone(),
                    enrollment: f.enrollment.clone(),
                })
            })
            .collect(),
        individual_bills: doc
            .individual_bills
            .iter()
            .map(|i| b::IndividualBill {
                employee_no: i.employee_no.clone(),
                amount: Yen::new(i.amount),
                due_date: i.due_date,
                items: i
                    .items
                    .iter()
                    .map(|it| b::IndividualItem {
                        kind: if it.kind == "lump_sum" {
                            b::IndividualKind::LumpSum
                        } else {
                            b::IndividualKind::Undeducted
                        },
                        enrollment: it.enrollment.clone(),
                        product: it.product.clone(),
                        months: (month(&it.from_month), month(&it.to_month)),
                        amount: Yen::new(it.amount),
                    })
                    .collect(),
            })
            .collect(),
        account_transfers: doc
            .account_transfers
            .iter()
            .map(|a| b::AccountTransfer {
                employee_no: a.employee_no.clone(),
                enrollment: a.enrollment.clone(),
                product: a.product.clone(),
                month: month(&a.month),
                amount: Yen::new(a.amount),
            })
            .collect(),
        commissions: doc
            .commissions
            .iter()
            .map(|c| b::Commission {
                agent_code: c.agent_code.clone(),
                amount: Yen::new(c.amount),
            })
            .collect(),
    }
}
