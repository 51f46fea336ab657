//! The reconciliation (billed against deducted per member) as the window pages it: the bucket
//! counts at once, the rows of one bucket a page at a time. A 300,000-member month has a row per
//! member; the window receives the rows it shows, never all of them (the whole reconciliation
//! goes to Excel through `export_reconciliation`).

use std::collections::BTreeMap;

use infoone_app::browse::{ReconRow, Reconciliation};
use infoone_app::UndeductedDoc;
use serde::{Deserialize, Serialize};

/// How many undeducted items the screen lists (the rest are counted; all are in the export).
pub const UNDEDUCTED_LISTED: usize = 500;

/// What the reconciliation table asks for.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReconQuery {
    /// `not_deducted`, `partial`, `not_billed` or `matched`; none for every row.
    pub bucket: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReconPage {
    /// The deduction results' file and mode (`full` or `exceptions`).
    pub source: String,
    pub mode: String,
    pub payable: i64,
    /// Rows in every bucket.
    pub all: u32,
    /// Rows per bucket.
    pub buckets: BTreeMap<String, u32>,
    /// Rows of the asked bucket.
    pub total: u32,
    pub offset: u32,
    /// Differences first (not deducted, partly deducted, not on the bill, matched), then by
    /// office and employee number.
    pub rows: Vec<ReconRow>,
    /// The first [`UNDEDUCTED_LISTED`] items carried over or billed to the person.
    pub undeducted: Vec<UndeductedDoc>,
    pub undeducted_total: u32,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub fn page(r: &Reconciliation, q: &ReconQuery) -> ReconPage {
    let limit = q.limit.clamp(1, 1000) as usize;
    let mut total = 0usize;
    let mut rows = Vec::with_capacity(limit);
    for row in r
        .rows
        .iter()
        .filter(|row| q.bucket.as_ref().is_none_or(|b| &row.bucket == b))
    {
        if total >= q.offset as usize && rows.len() < limit {
            rows.push(row.clone());
        }
        total += 1;
    }
    ReconPage {
        source: r.source.clone(),
        mode: r.mode.clone(),
        payable: r.payable,
        all: count(r.rows.len()),
        buckets: r.buckets.iter().map(|(b, n)| (b.clone(), count(*n))).collect(),
        total: count(total),
        offset: q.offset,
        rows,
        undeducted: r.undeducted.iter().take(UNDEDUCTED_LISTED).cloned().collect(),
        undeducted_total: count(r.undeducted.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recon() -> Reconciliation {
        let row = |i: usize, bucket: &str| ReconRow {
            employee_no: format!("{i:06}"),
            name: format!("加入者{i}"),
            office: "O001".into(),
            billed: 1000,
            deducted: if bucket == "matched" { 1000 } else { 0 },
            undeducted: if bucket == "matched" { 0 } else { 1000 },
            bucket: bucket.into(),
            reason: None,
        };
        let rows: Vec<ReconRow> = (0..30)
            .map(|i| row(i, "not_deducted"))
            .chain((30..2530).map(|i| row(i, "matched")))
            .collect();
        Reconciliation {
            source: "deductions.csv".into(),
            mode: "full".into(),
            rows,
            buckets: BTreeMap::from([("not_deducted".into(), 30), ("matched".into(), 2500)]),
            undeducted: Vec::new(),
            payable: 2_500_000,
        }
    }

    #[test]
    fn a_bucket_is_paged_in_the_order_the_session_gave() {
        let r = recon();
        let all = page(
            &r,
            &ReconQuery {
                bucket: None,
                offset: 20,
                limit: 20,
            },
        );
        assert_eq!((all.all, all.total, all.offset, all.rows.len()), (2530, 2530, 20, 20));
        assert_eq!(all.rows[0].employee_no, "000020");
        assert_eq!(all.rows[10].bucket, "matched");
        let missed = page(
            &r,
            &ReconQuery {
                bucket: Some("not_deducted".into()),
                offset: 0,
                limit: 1000,
            },
        );
        assert_eq!((missed.total, missed.rows.len()), (30, 30));
        assert!(missed.rows.iter().all(|x| x.bucket == "not_deducted"));
        let matched = page(
            &r,
            &ReconQuery {
                bucket: Some("matched".into()),
                offset: 2000,
                limit: 5000,
            },
        );
        assert_eq!((matched.total, matched.rows.len()), (2500, 500));
        assert_eq!(matched.rows[0].employee_no, "002030");
        assert_eq!(
            page(
                &r,
                &ReconQuery {
                    bucket: Some("partial".into()),
                    offset: 0,
                    limit: 10
                }
            )
            .total,
            0
        );
        assert_eq!(matched.buckets["not_deducted"], 30);
    }
}
