//! The payroll's deduction results (控除結果): imported against the frozen bill, the outcome
//! (carry-over, individual bills, collected fee) stored beside the month.

use super::*;

/// The stored deduction outcome.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct OutcomeDoc {
    pub mode: String,
    pub source: String,
    pub members: Vec<MemberDoc>,
    pub offices: BTreeMap<String, CollectionDoc>,
    pub undeducted: Vec<UndeductedDoc>,
    /// Agent commission on the premiums collected, per agent code (absent in outcomes stored
    /// before it was kept: then none is shown).
    #[serde(default)]
    pub commissions: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct MemberDoc {
    pub employee_no: String,
    pub office: String,
    pub billed: i64,
    pub deducted: i64,
    pub undeducted: i64,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct CollectionDoc {
    pub undeducted: i64,
    pub collected_fee: i64,
    pub collected_fee_tax: i64,
    pub payable: i64,
    pub collected_by_product: BTreeMap<String, i64>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UndeductedDoc {
    pub enrollment: String,
    pub employee_no: String,
    pub office: String,
    pub product: String,
    pub month: String,
    pub kind: String,
    pub amount: i64,
    pub reason: String,
    pub handling: String,
}

impl OutcomeDoc {
    fn from_outcome(o: &Outcome, mode: Mode, source: &str) -> OutcomeDoc {
        OutcomeDoc {
            mode: match mode {
                Mode::Full => "full".into(),
                Mode::Exceptions => "exceptions".into(),
            },
            source: source.to_string(),
            members: o
                .members
                .iter()
                .map(|m| MemberDoc {
                    employee_no: m.employee_no.clone(),
                    office: m.office.clone(),
                    billed: m.billed.to_i64(),
                    deducted: m.deducted.to_i64(),
                    undeducted: m.undeducted.to_i64(),
                    reason: m.reason.map(|r| r.label().to_string()),
                })
                .collect(),
            offices: o
                .offices
                .iter()
                .map(|(k, c)| {
                    (
                        k.clone(),
                        CollectionDoc {
                            undeducted: c.undeducted.to_i64(),
                            collected_fee: c.collected_fee.to_i64(),
                            collected_fee_tax: c.collected_fee_tax.to_i64(),
                            payable: c.payable.to_i64(),
                            collected_by_product: c
                                .collected_by_product
                                .iter()
                                .map(|(p, y)| (p.clone(), y.to_i64()))
                                .collect(),
                        },
                    )
                })
                .collect(),
            undeducted: o
                .undeducted
                .iter()
                .map(|u| UndeductedDoc {
                    enrollment: u.enrollment.clone(),
                    employee_no: u.employee_no.clone(),
                    office: u.office.clone(),
                    product: u.product.clone(),
                    month: u.month.to_string(),
                    kind: u.kind.code().to_string(),
                    amount: u.amount.to_i64(),
                    reason: u.reason.label().to_string(),
                    handling: u.handling.code().to_string(),
                })
                .collect(),
            commissions: o
                .commissions
                .iter()
                .map(|c| (c.agent_code.clone(), c.amount.to_i64()))
                .collect(),
        }
    }

    /// The office collections (enough for the bill document's deducted columns).
    pub fn to_outcome(&self) -> Outcome {
        let coll = |c: &CollectionDoc| deduction::Collection {
            undeducted: Yen::new(c.undeducted),
            collected_fee: Yen::new(c.collected_fee),
            collected_fee_tax: Yen::new(c.collected_fee_tax),
            payable: Yen::new(c.payable),
            collected_by_product: c
                .collected_by_product
                .iter()
                .map(|(p, y)| (p.clone(), Yen::new(*y)))
                .collect(),
        };
        let offices: BTreeMap<String, deduction::Collection> =
            self.offices.iter().map(|(k, c)| (k.clone(), coll(c))).collect();
        let mut totals = deduction::Collection::default();
        for c in offices.values() {
            totals.undeducted += c.undeducted;
            totals.collected_fee += c.collected_fee;
            totals.collected_fee_tax += c.collected_fee_tax;
            totals.payable += c.payable;
        }
        Outcome {
            members: Vec::new(),
            offices,
            totals,
            undeducted: Vec::new(),
            commissions: self
                .commissions
                .iter()
                .map(|(agent_code, amount)| infoone_domain::bill::Commission {
                    agent_code: agent_code.clone(),
                    amount: Yen::new(*amount),
                })
                .collect(),
            findings: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DeductionSummary {
    pub members: usize,
    pub not_in_full: usize,
    pub undeducted: i64,
    pub payable: i64,
    pub findings: Vec<bill_doc::FindingDoc>,
}

/// Import the payroll's deduction results (`deductions import`) against the confirmed bill.
pub fn import_deductions(
    store: &mut Store,
    at: &MonthRef,
    file: &Path,
    mode: Mode,
    now: NaiveDateTime,
) -> Result<DeductionSummary> {
    import_deductions_with(store, at, file, mode, now, Progress::NONE)
}

/// [`import_deductions`], reporting its stages (reading the file, applying it to the bill).
pub fn import_deductions_with(
    store: &mut Store,
    at: &MonthRef,
    file: &Path,
    mode: Mode,
    now: NaiveDateTime,
    progress: Progress<'_>,
) -> Result<DeductionSummary> {
    progress.report(0, 2, "控除結果のファイルを読んでいます");
    let reported = infoone_formats::deduction::read_deductions(file)?;
    let name = file
        .file_name()
        .map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    progress.report(1, 2, "請求と照合しています");
    let out = import_deductions_rows(store, at, &name, &reported, mode, now)?;
    progress.report(2, 2, "控除結果を反映しました");
    Ok(out)
}

pub fn import_deductions_rows(
    store: &mut Store,
    at: &MonthRef,
    source: &str,
    reported: &[deduction::Reported],
    mode: Mode,
    now: NaiveDateTime,
) -> Result<DeductionSummary> {
    let stamp = stamp(now);
    store.transaction(|tx| {
        let row = find_month(tx, at)?;
        if !matches!(row.state, MonthState::Confirmed | MonthState::Deducted) {
            return Err(AppError::wrong_state(format!(
                "{}は{}です。控除結果は請求確定後に取り込みます",
                row.month,
                row.state.label()
            )));
        }
        let doc = frozen(tx, &row)?.ok_or_else(|| AppError::wrong_state("確定済みの請求がありません"))?;
        let frozen_bill = bill_doc::to_bill(&doc);
        let (_, ledger) = current_ledger(tx, &row)?;
        let outcome = deduction::apply(&ledger, &frozen_bill, reported, mode).map_err(|problems| {
            let total = problems.len();
            let lines: Vec<String> = problems
                .iter()
                .take(20)
                .map(|p| match p.row {
                    Some(r) => format!(
                        "{source} {r}行目 社員番号{}: {} ({})",
                        p.employee_no, p.message, p.code.code
                    ),
                    None => format!("{source} 社員番号{}: {} ({})", p.employee_no, p.message, p.code.code),
                })
                .collect();
            AppError::bad_input(format!(
                "控除結果を取り込めません（{total}件）。何も変更していません:\n{}{}",
                lines.join("\n"),
                if total > lines.len() {
                    format!("\n…ほか{}件", total - lines.len())
                } else {
                    String::new()
                }
            ))
        })?;
        keep_ledger(tx, &row, ledger)?;
        let stored = OutcomeDoc::from_outcome(&outcome, mode, source);
        let text = serde_json::to_string(&stored).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        let before = tx.deductions(row.id)?;
        tx.set_deductions(row.id, &text)?;
        // A report of the month waiting in the outbox carries these results, not the old ones.
        if row.state == MonthState::Deducted {
            let row = find_month(tx, at)?;
            submit::refresh_queued(tx, &row, now)?;
        }
        tx.audit(&Audit {
            at: &stamp,
            group_code: Some(&row.group_code),
            month: Some(row.month),
            action: "deductions.import",
            before: before.as_deref().map(|_| "previous import replaced"),
            after: Some(&format!(
                "undeducted={} payable={}",
                outcome.totals.undeducted, outcome.totals.payable
            )),
            source: Some(source),
            ..Audit::default()
        })?;
        Ok(DeductionSummary {
            members: outcome.members.len(),
            not_in_full: outcome.members.iter().filter(|m| m.undeducted.is_positive()).count(),
            undeducted: outcome.totals.undeducted.to_i64(),
            payable: outcome.totals.payable.to_i64(),
            findings: outcome.findings.iter().map(bill_doc::finding_doc).collect(),
        })
    })
}
