//! The bill as the window shows it: the month's and each office's amounts at once, the lines of
//! an office a page at a time when the clerk opens it. A 300,000-member bill has some 650,000
//! lines; the window receives the few hundred it shows (like the members table), never the whole
//! document, so the webview's thread never parses or holds it.

use infoone_formats::bill_doc::{BillDoc, CommissionDoc, FindingDoc, IndividualDoc, LineDoc, TotalsDoc};
use serde::Serialize;

/// How many findings and individual bills the bill screen lists (the rest are counted).
pub const LISTED: usize = 200;

/// The bill screen: the document without its lines.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BillView {
    pub group: String,
    pub month: String,
    pub state: String,
    /// 0 before the first confirmation; 1 = 初版, 2 = 第2版 …
    pub revision: i64,
    pub due_date: String,
    pub totals: TotalsDoc,
    pub offices: Vec<OfficeRow>,
    /// The first [`LISTED`] findings, errors first.
    pub findings: Vec<FindingDoc>,
    pub findings_total: u32,
    /// Findings that block the confirmation.
    pub errors: u32,
    /// The first [`LISTED`] individual bills (個別請求).
    pub individual_bills: Vec<IndividualDoc>,
    pub individual_total: u32,
    pub commissions: Vec<CommissionDoc>,
}

/// One office's amounts; its lines come through [`lines`].
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct OfficeRow {
    pub code: String,
    pub name: String,
    pub deduction_destination: String,
    #[serde(flatten)]
    pub totals: TotalsDoc,
    /// How many lines the office's bill has.
    pub lines: u32,
}

/// A page of one office's lines.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LinePage {
    pub office: String,
    pub total: u32,
    pub offset: u32,
    pub lines: Vec<LineDoc>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The first [`LISTED`] findings, errors first (each severity in the engine's order).
pub fn listed_findings(all: &[FindingDoc]) -> Vec<FindingDoc> {
    findings(all, 0, LISTED as u32)
}

/// Findings `offset..offset + limit` (at most 1,000), errors first.
pub fn findings(all: &[FindingDoc], offset: u32, limit: u32) -> Vec<FindingDoc> {
    let mut sorted: Vec<&FindingDoc> = all.iter().collect();
    sorted.sort_by_key(|f| f.severity != "error");
    let limit = limit.clamp(1, 1000) as usize;
    sorted.into_iter().skip(offset as usize).take(limit).cloned().collect()
}

/// Individual bills (個別請求) `offset..offset + limit` (at most 1,000).
pub fn individual(doc: &BillDoc, offset: u32, limit: u32) -> Vec<IndividualDoc> {
    let limit = limit.clamp(1, 1000) as usize;
    doc.individual_bills
        .iter()
        .skip(offset as usize)
        .take(limit)
        .cloned()
        .collect()
}

pub fn view(doc: &BillDoc) -> BillView {
    let errors = doc.findings.iter().filter(|f| f.severity == "error").count();
    BillView {
        group: doc.group.clone(),
        month: doc.month.clone(),
        state: doc.state.clone(),
        revision: doc.revision,
        due_date: doc.due_date.to_string(),
        totals: doc.totals.clone(),
        offices: doc
            .offices
            .iter()
            .map(|o| OfficeRow {
                code: o.code.clone(),
                name: o.name.clone(),
                deduction_destination: o.deduction_destination.clone(),
                totals: o.totals.clone(),
                lines: count(o.lines.len()),
            })
            .collect(),
        findings: listed_findings(&doc.findings),
        findings_total: count(doc.findings.len()),
        errors: count(errors),
        individual_bills: doc.individual_bills.iter().take(LISTED).cloned().collect(),
        individual_total: count(doc.individual_bills.len()),
        commissions: doc.commissions.clone(),
    }
}

/// Lines `offset..offset + limit` (at most 1,000) of `office`; an office not on the bill has none.
pub fn lines(doc: &BillDoc, office: &str, offset: u32, limit: u32) -> LinePage {
    let all: &[LineDoc] = doc
        .offices
        .iter()
        .find(|o| o.code == office)
        .map_or(&[], |o| o.lines.as_slice());
    let start = (offset as usize).min(all.len());
    let end = start.saturating_add(limit.clamp(1, 1000) as usize).min(all.len());
    LinePage {
        office: office.to_string(),
        total: count(all.len()),
        offset: count(start),
        lines: all[start..end].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use infoone_formats::bill_doc::OfficeDoc;
    use std::collections::BTreeMap;

    fn line(i: usize) -> LineDoc {
        LineDoc {
            kind: "regular".into(),
            enrollment: format!("E{i}"),
            employee_no: format!("{i:06}"),
            product: "P01".into(),
            month: "2026-12".into(),
            amount: 1000 + i as i64,
            reason: None,
        }
    }

    fn finding(i: usize, severity: &str) -> FindingDoc {
        FindingDoc {
            code: format!("F{i}"),
            severity: severity.into(),
            message: String::new(),
            office: None,
            employee_no: None,
            enrollment: None,
        }
    }

    fn doc() -> BillDoc {
        let office = |code: &str, n: usize| OfficeDoc {
            code: code.into(),
            name: format!("{code}事業所"),
            deduction_destination: "D1".into(),
            totals: TotalsDoc {
                premium_total: (0..n).map(|i| line(i).amount).sum(),
                ..TotalsDoc::default()
            },
            by_product: BTreeMap::new(),
            lines: (0..n).map(line).collect(),
        };
        BillDoc {
            group: "G0001".into(),
            month: "2026-12".into(),
            state: "adjusting".into(),
            revision: 0,
            due_date: chrono::NaiveDate::from_ymd_opt(2027, 1, 27).unwrap(),
            offices: vec![office("O001", 2500), office("O002", 0)],
            totals: TotalsDoc::default(),
            findings: (0..300)
                .map(|i| finding(i, if i % 100 == 99 { "error" } else { "warning" }))
                .collect(),
            individual_bills: Vec::new(),
            account_transfers: Vec::new(),
            commissions: Vec::new(),
        }
    }

    #[test]
    fn the_view_counts_lines_and_lists_errors_first() {
        let doc = doc();
        let v = view(&doc);
        assert_eq!(v.offices.iter().map(|o| o.lines).collect::<Vec<_>>(), [2500, 0]);
        assert_eq!(v.offices[0].totals, doc.offices[0].totals);
        assert_eq!((v.findings_total, v.errors, v.findings.len()), (300, 3, LISTED));
        assert_eq!(
            v.findings[..4].iter().map(|f| f.code.as_str()).collect::<Vec<_>>(),
            ["F99", "F199", "F299", "F0"]
        );
        assert_eq!(v.due_date, "2027-01-27");
        // The rest of the findings come after, in the same order.
        let rest = findings(&doc.findings, LISTED as u32, 1000);
        assert_eq!(rest.len(), 100);
        assert!(rest.iter().all(|f| f.severity == "warning"));
        assert_eq!(
            rest[0].code, "F198",
            "after F99, F199, F299 and the 197 warnings before it"
        );
    }

    #[test]
    fn lines_come_a_page_at_a_time_and_never_past_the_end() {
        let doc = doc();
        let p = lines(&doc, "O001", 1000, 5000);
        assert_eq!(
            (p.total, p.offset, p.lines.len()),
            (2500, 1000, 1000),
            "at most 1,000 a page"
        );
        assert_eq!(p.lines[0], line(1000));
        let last = lines(&doc, "O001", 2400, 500);
        assert_eq!((last.offset, last.lines.len()), (2400, 100));
        assert_eq!(lines(&doc, "O001", u32::MAX, 10).lines.len(), 0);
        assert_eq!(lines(&doc, "O001", 0, 0).lines.len(), 1, "a page is at least one line");
        assert_eq!(lines(&doc, "O002", 0, 10).total, 0);
        assert_eq!(lines(&doc, "O999", 0, 10).total, 0);
    }
}
