//! 未入金一覧, the unpaid list (migration 0004): amounts owed and not paid after their due date.
//! Today its rows come from the bank's Zengin result (振替不能); a row is marked paid when the
//! person paid another way, and the reminders (督促状) issued for it are dated on it.

use infoone_domain::month::YearMonth;
use rusqlite::{params, OptionalExtension};

use crate::{Result, Tx};

/// A row for the list, as a result file gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUnpaid {
    /// `person` or `office`.
    pub party: &'static str,
    /// Employee number or office code.
    pub code: String,
    pub name: String,
    pub office: String,
    pub amount: i64,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    pub reason: String,
    /// The Zengin 顧客番号 (unique per person and month).
    pub reference: String,
}

/// A row of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnpaidRow {
    pub id: i64,
    pub group_code: String,
    pub month: String,
    pub kind: String,
    pub party: String,
    pub code: String,
    pub name: String,
    pub office: String,
    pub amount: i64,
    pub due_date: String,
    pub reason: String,
    pub reference: String,
    pub source: String,
    pub created_at: String,
    pub paid_at: Option<String>,
    pub paid_note: Option<String>,
    pub first_notice: Option<String>,
    pub second_notice: Option<String>,
}

const COLUMNS: &str = "id, group_code, month, kind, party, code, name, office, amount, due_date, reason, reference, \
                       source, created_at, paid_at, paid_note, first_notice, second_notice";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UnpaidRow> {
    Ok(UnpaidRow {
        id: r.get(0)?,
        group_code: r.get(1)?,
        month: r.get(2)?,
        kind: r.get(3)?,
        party: r.get(4)?,
        code: r.get(5)?,
        name: r.get(6)?,
        office: r.get(7)?,
        amount: r.get(8)?,
        due_date: r.get(9)?,
        reason: r.get(10)?,
        reference: r.get(11)?,
        source: r.get(12)?,
        created_at: r.get(13)?,
        paid_at: r.get(14)?,
        paid_note: r.get(15)?,
        first_notice: r.get(16)?,
        second_notice: r.get(17)?,
    })
}

/// What [`Tx::replace_unpaid`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Replaced {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
}

impl Tx<'_> {
    /// Make the `kind` rows of (group, month) those of `rows`, keyed by reference: a result file
    /// imported again (or a corrected one) gives the same list, never a second copy. A row that is
    /// no longer in `rows` leaves the list unless it was already marked paid or reminded (then it
    /// stays, as history); a row still there keeps its paid and reminder dates.
    pub fn replace_unpaid(
        &self,
        group_code: &str,
        month: YearMonth,
        kind: &str,
        rows: &[NewUnpaid],
        source: &str,
        at: &str,
    ) -> Result<Replaced> {
        let month = month.to_string();
        let mut done = Replaced::default();
        let mut existing: std::collections::BTreeMap<String, (i64, bool)> = std::collections::BTreeMap::new();
        {
            let mut st = self.0.prepare_cached(
                "SELECT reference, id, paid_at IS NOT NULL OR first_notice IS NOT NULL
                 FROM unpaid WHERE group_code = ?1 AND month = ?2 AND kind = ?3",
            )?;
            for r in st.query_map(params![group_code, month, kind], |r| {
                Ok((r.get::<_, String>(0)?, (r.get::<_, i64>(1)?, r.get::<_, bool>(2)?)))
            })? {
                let (reference, v) = r?;
                existing.insert(reference, v);
            }
        }
        for n in rows {
            match existing.remove(&n.reference) {
                Some((id, _)) => {
                    self.0.execute(
                        "UPDATE unpaid SET party = ?2, code = ?3, name = ?4, office = ?5, amount = ?6, due_date = ?7,
                         reason = ?8, source = ?9 WHERE id = ?1",
                        params![id, n.party, n.code, n.name, n.office, n.amount, n.due_date, n.reason, source],
                    )?;
                    done.updated += 1;
                }
                None => {
                    self.0.execute(
                        "INSERT INTO unpaid (group_code, month, kind, party, code, name, office, amount, due_date,
                         reason, reference, source, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                        params![
                            group_code,
                            month,
                            kind,
                            n.party,
                            n.code,
                            n.name,
                            n.office,
                            n.amount,
                            n.due_date,
                            n.reason,
                            n.reference,
                            source,
                            at
                        ],
                    )?;
                    done.added += 1;
                }
            }
        }
        for (id, kept) in existing.values() {
            if !kept {
                self.0.execute("DELETE FROM unpaid WHERE id = ?1", [id])?;
                done.removed += 1;
            }
        }
        Ok(done)
    }

    /// The list, oldest due date first: of one group or all, only the open rows unless `all`.
    pub fn unpaid(&self, group_code: Option<&str>, all: bool) -> Result<Vec<UnpaidRow>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM unpaid
             WHERE (?1 IS NULL OR group_code = ?1) AND (?2 OR paid_at IS NULL)
             ORDER BY due_date, group_code, month, office, code, id"
        ))?;
        let rows = st
            .query_map(params![group_code, all], row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn unpaid_row(&self, id: i64) -> Result<Option<UnpaidRow>> {
        Ok(self
            .0
            .query_row(&format!("SELECT {COLUMNS} FROM unpaid WHERE id = ?1"), [id], row)
            .optional()?)
    }

    /// Mark a row paid on `date` (it leaves the list).
    pub fn mark_unpaid_paid(&self, id: i64, date: &str, note: Option<&str>) -> Result<()> {
        self.0.execute(
            "UPDATE unpaid SET paid_at = ?2, paid_note = ?3 WHERE id = ?1",
            params![id, date, note],
        )?;
        Ok(())
    }

    /// Date the first (`second == false`) or second reminder issued for a row.
    pub fn set_unpaid_notice(&self, id: i64, second: bool, date: &str) -> Result<()> {
        let sql = if second {
            "UPDATE unpaid SET second_notice = ?2 WHERE id = ?1"
        } else {
            "UPDATE unpaid SET first_notice = ?2 WHERE id = ?1"
        };
        self.0.execute(sql, params![id, date])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn new(reference: &str, amount: i64) -> NewUnpaid {
        NewUnpaid {
            party: "person",
            code: format!("E{reference}"),
            name: "山田 太郎".into(),
            office: "O001".into(),
            amount,
            due_date: "2026-12-28".into(),
            reason: "1 資金不足".into(),
            reference: reference.into(),
        }
    }

    #[test]
    fn importing_the_same_result_again_gives_the_same_list() {
        let mut s = Store::open_in_memory().unwrap();
        let m: YearMonth = "2026-12".parse().unwrap();
        s.transaction(|tx| {
            let r = tx.replace_unpaid(
                "G1",
                m,
                "account_transfer",
                &[new("1", 500), new("2", 700)],
                "a.txt",
                "t",
            )?;
            assert_eq!((r.added, r.updated, r.removed), (2, 0, 0));
            let r = tx.replace_unpaid(
                "G1",
                m,
                "account_transfer",
                &[new("1", 500), new("2", 700)],
                "a.txt",
                "t",
            )?;
            assert_eq!((r.added, r.updated, r.removed), (0, 2, 0));
            assert_eq!(tx.unpaid(Some("G1"), false)?.len(), 2);
            // A corrected file: 2 was debited after all, 1 was reminded already.
            let one = tx
                .unpaid(None, false)?
                .into_iter()
                .find(|u| u.reference == "1")
                .unwrap();
            tx.set_unpaid_notice(one.id, false, "2027-01-05")?;
            let r = tx.replace_unpaid("G1", m, "account_transfer", &[new("1", 500)], "b.txt", "t")?;
            assert_eq!((r.added, r.updated, r.removed), (0, 1, 1));
            let left = tx.unpaid(Some("G1"), false)?;
            assert_eq!(left.len(), 1);
            assert_eq!(left[0].first_notice.as_deref(), Some("2027-01-05"));
            assert_eq!(left[0].source, "b.txt");
            // Paid: off the list, kept with its date.
            tx.mark_unpaid_paid(left[0].id, "2027-01-10", Some("窓口で現金"))?;
            assert!(tx.unpaid(Some("G1"), false)?.is_empty());
            assert_eq!(tx.unpaid(Some("G1"), true)?[0].paid_at.as_deref(), Some("2027-01-10"));
            // Another group's list is its own.
            assert!(tx.unpaid(Some("G2"), true)?.is_empty());
            Ok::<_, crate::StoreError>(())
        })
        .unwrap();
    }
}
