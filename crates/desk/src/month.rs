//! The month dashboard: where the month stands (the state stepper), what to do next, what
//! blocks it, and what one click on 送信 did.

use infoone_app::infoone_store::Store;
use infoone_app::submit::Outgoing;
use infoone_app::{MonthRef, MonthStatus, Result};
use infoone_client::{Outcome, Submitted};
use infoone_formats::bill_doc::{FindingDoc, TotalsDoc};
use serde::Serialize;

use crate::SubmitView;

/// One state of the month (DOMAIN.md §5) in the stepper.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Step {
    pub code: String,
    pub done: bool,
    pub current: bool,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Dashboard {
    pub status: MonthStatus,
    pub steps: Vec<Step>,
    /// What the clerk does next: `review_changes`, `fix_errors`, `confirm`, `outputs`,
    /// `deductions`, `submit`, `done`. The window words it; the rule is here.
    pub next: String,
    /// Error findings block confirmation; warnings are for the clerk to check. The first
    /// [`crate::bill::LISTED`], errors first (the header and dashboard are refreshed after every
    /// step: a month with thousands of warnings would cost each refresh their rows).
    pub findings: Vec<FindingDoc>,
    /// Every finding of the month.
    pub findings_total: u32,
    pub errors: u32,
    pub totals: TotalsDoc,
    pub due_date: String,
    pub offices: u32,
    /// The insurer's 受付番号 once the report was accepted.
    pub receipt_no: Option<String>,
}

const STATES: [&str; 6] = ["loaded", "adjusting", "confirmed", "deducted", "reported", "closed"];

pub(crate) fn dashboard(store: &mut Store, at: &MonthRef, outbox: &[Outgoing]) -> Result<Dashboard> {
    let status = infoone_app::status(store, at)?;
    let bill = infoone_app::summary::bill_summary(store, at)?;
    let here = STATES.iter().position(|s| *s == status.state).unwrap_or(0);
    let steps = STATES
        .iter()
        .enumerate()
        .map(|(i, s)| Step {
            code: (*s).to_string(),
            done: i < here || (i == here && i == STATES.len() - 1),
            current: i == here,
        })
        .collect();
    let errors = bill.findings.iter().filter(|f| f.severity == "error").count() as u32;
    let next = match status.state.as_str() {
        "loaded" | "adjusting" if status.proposed > 0 => "review_changes",
        "loaded" | "adjusting" if errors > 0 => "fix_errors",
        "loaded" | "adjusting" => "confirm",
        "confirmed" => "deductions",
        "deducted" => "submit",
        _ => "done",
    };
    let receipt_no = outbox
        .iter()
        .filter(|o| o.group == status.group && o.month == status.month)
        .filter_map(|o| o.receipt_no.clone())
        .next_back();
    Ok(Dashboard {
        steps,
        next: next.to_string(),
        errors,
        findings: crate::bill::listed_findings(&bill.findings),
        findings_total: u32::try_from(bill.findings.len()).unwrap_or(u32::MAX),
        totals: bill.totals.clone(),
        due_date: bill.due_date.clone(),
        offices: bill.offices,
        receipt_no,
        status,
    })
}

pub(crate) fn submit_view(s: &Submitted, outbox: Vec<Outgoing>) -> SubmitView {
    let (outcome, receipt_no, received_at, message) = match s.this_month().map(|d| &d.outcome) {
        Some(Outcome::Sent { receipt, replayed }) => (
            "sent",
            Some(receipt.receipt_no.clone()),
            Some(receipt.received_at.clone()),
            if *replayed {
                "前回の送信はすでに受け付けられていました".to_string()
            } else {
                "保険会社が結果報告を受け付けました".to_string()
            },
        ),
        Some(Outcome::AlreadyReported { receipt, .. }) => (
            "sent",
            Some(receipt.receipt_no.clone()),
            Some(receipt.received_at.clone()),
            "保険会社はこの月の結果報告を以前の送信で受け付けていました（その受付番号を記録しました）。\
             確定をやり直した内容との違いは保険会社に確認してください"
                .to_string(),
        ),
        Some(Outcome::Refused { error }) => ("refused", None, None, error.message.clone()),
        Some(Outcome::Queued { error }) => ("queued", None, None, error.message.clone()),
        None => (
            "queued",
            s.queued.entry.receipt_no.clone(),
            None,
            "結果報告は送信待ちです".to_string(),
        ),
    };
    SubmitView {
        outcome: outcome.to_string(),
        receipt_no,
        received_at,
        message,
        outbox,
    }
}
