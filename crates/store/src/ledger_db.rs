//! The insurer's side of the store (`infoone server`, migration 0002): the authoritative ledger
//! of each group, received result reports, payments and API tokens.
//!
//! The store stays ignorant of the file formats: entities are JSON texts in the bill package's
//! form (`formats::package`), which the server reads and writes. Rows keep the order they were
//! loaded in (`seq`), so a package computed from them lists them as they were loaded.
//!
//! Writes run in an IMMEDIATE transaction ([`Store::write`]): the write lock is taken at the
//! start, so concurrent writers queue on the busy timeout instead of failing on upgrade.

use rusqlite::{params, OptionalExtension};

use crate::ledger_tx::LedgerTx;
use crate::{Result, StoreError, Tx};

pub use crate::ledger_tokens::TokenRow;

/// A group's row: its package `group` JSON and where its ledger stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRow {
    pub code: String,
    pub doc: String,
    /// The month whose package the server serves now (the month after the last reported one).
    pub current_month: String,
    pub issued_on: String,
    /// Bumped by every write to the group's ledger.
    pub rev: i64,
    pub updated_at: String,
}

/// A member: the package JSON (`office` as on the 1st of `base_month`) and later transfers
/// (JSON `[[from_month, office], …]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub employee_no: String,
    pub base_month: String,
    pub doc: String,
    pub transfers: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarryOverRow {
    pub enrollment: String,
    pub office: String,
    pub origin_month: String,
    pub amount: i64,
    pub reason: String,
    pub times_carried: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    pub id: i64,
    pub group_code: String,
    pub month: String,
    pub idempotency_key: String,
    pub body_sha256: String,
    pub receipt_no: String,
    pub received_at: String,
    pub package_version: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReport<'a> {
    pub group_code: &'a str,
    pub month: &'a str,
    pub idempotency_key: &'a str,
    pub body_sha256: &'a str,
    pub received_at: &'a str,
    pub package_version: &'a str,
    pub body: &'a [u8],
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfficeResultRow {
    pub office: String,
    pub premium_total: i64,
    pub fee: i64,
    pub fee_tax: i64,
    pub invoice_amount: i64,
    pub undeducted: i64,
    pub collected_fee: i64,
    pub collected_fee_tax: i64,
    pub payable: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndividualBillRow {
    pub employee_no: String,
    pub kind: String,
    pub amount: i64,
    pub due_date: Option<String>,
    pub lines: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRow {
    pub id: i64,
    pub group_code: String,
    pub office: String,
    pub month: String,
    pub date: String,
    pub amount: i64,
    pub payer_name: String,
    pub reference: String,
    pub recorded_at: String,
}

/// The tables of one group's ledger (not its reports, payments or tokens).
const LEDGER_TABLES: [&str; 8] = [
    "srv_offices",
    "srv_products",
    "srv_members",
    "srv_enrollments",
    "srv_applications",
    "srv_billed",
    "srv_billed_adjust",
    "srv_carry_over",
];

fn strings(tx: &Tx<'_>, sql: &str, group: &str) -> Result<Vec<(String, String)>> {
    let mut st = tx.0.prepare_cached(sql)?;
    let rows = st
        .query_map([group], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

fn report_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReportRow> {
    Ok(ReportRow {
        id: r.get(0)?,
        group_code: r.get(1)?,
        month: r.get(2)?,
        idempotency_key: r.get(3)?,
        body_sha256: r.get(4)?,
        receipt_no: r.get(5)?,
        received_at: r.get(6)?,
        package_version: r.get(7)?,
    })
}

const REPORT_COLUMNS: &str =
    "id, group_code, month, idempotency_key, body_sha256, receipt_no, received_at, package_version";

impl Tx<'_> {
    pub(crate) fn insert_keyed(&self, table: &str, key: &str, group: &str, rows: &[(String, String)]) -> Result<()> {
        let mut st = self.0.prepare_cached(&format!(
            "INSERT INTO {table} (group_code, {key}, seq, doc) VALUES (?1, ?2, ?3, ?4)"
        ))?;
        for (i, (k, doc)) in rows.iter().enumerate() {
            st.execute(params![group, k, i as i64, doc])?;
        }
        Ok(())
    }
}

impl LedgerTx for Tx<'_> {
    // ---- groups ---------------------------------------------------------------------------

    fn srv_group(&self, code: &str) -> Result<Option<GroupRow>> {
        let mut st = self.0.prepare_cached(
            "SELECT code, doc, current_month, issued_on, rev, updated_at FROM srv_groups WHERE code = ?1",
        )?;
        Ok(st
            .query_row([code], |r| {
                Ok(GroupRow {
                    code: r.get(0)?,
                    doc: r.get(1)?,
                    current_month: r.get(2)?,
                    issued_on: r.get(3)?,
                    rev: r.get(4)?,
                    updated_at: r.get(5)?,
                })
            })
            .optional()?)
    }

    /// In SQLite the IMMEDIATE write transaction ([`Store::write`]) already holds the
    /// database's one write lock: reading the row is enough.
    fn srv_lock_group(&self, code: &str) -> Result<Option<GroupRow>> {
        self.srv_group(code)
    }

    /// The group's ledger revision, `None` for an unknown group.
    fn srv_group_rev(&self, code: &str) -> Result<Option<i64>> {
        let mut st = self.0.prepare_cached("SELECT rev FROM srv_groups WHERE code = ?1")?;
        Ok(st.query_row([code], |r| r.get(0)).optional()?)
    }

    /// Create the group, or empty its ledger and set its row anew (reports, payments and tokens
    /// stay). The revision goes up either way.
    fn srv_reset_group(&self, code: &str, doc: &str, current_month: &str, issued_on: &str, at: &str) -> Result<()> {
        for table in LEDGER_TABLES {
            self.0
                .execute(&format!("DELETE FROM {table} WHERE group_code = ?1"), [code])?;
        }
        self.0.execute(
            "INSERT INTO srv_groups (code, doc, current_month, issued_on, rev, updated_at)
             VALUES (?1, ?2, ?3, ?4, 1, ?5)
             ON CONFLICT (code) DO UPDATE SET doc = excluded.doc, current_month = excluded.current_month,
                 issued_on = excluded.issued_on, rev = rev + 1, updated_at = excluded.updated_at",
            params![code, doc, current_month, issued_on, at],
        )?;
        Ok(())
    }

    /// Move the group's ledger to `current_month` (after a report) and bump its revision.
    fn srv_advance_group(&self, code: &str, current_month: &str, issued_on: &str, at: &str) -> Result<()> {
        self.0.execute(
            "UPDATE srv_groups SET current_month = ?2, issued_on = ?3, rev = rev + 1, updated_at = ?4 WHERE code = ?1",
            params![code, current_month, issued_on, at],
        )?;
        Ok(())
    }

    // ---- entities -------------------------------------------------------------------------

    /// Insert offices `(code, doc)` in order.
    fn srv_insert_offices(&self, group: &str, rows: &[(String, String)]) -> Result<()> {
        self.insert_keyed("srv_offices", "code", group, rows)
    }

    fn srv_insert_products(&self, group: &str, rows: &[(String, String)]) -> Result<()> {
        self.insert_keyed("srv_products", "code", group, rows)
    }

    fn srv_insert_applications(&self, group: &str, rows: &[(String, String)]) -> Result<()> {
        self.insert_keyed("srv_applications", "id", group, rows)
    }

    fn srv_offices(&self, group: &str) -> Result<Vec<(String, String)>> {
        strings(
            self,
            "SELECT code, doc FROM srv_offices WHERE group_code = ?1 ORDER BY seq",
            group,
        )
    }

    fn srv_products(&self, group: &str) -> Result<Vec<(String, String)>> {
        strings(
            self,
            "SELECT code, doc FROM srv_products WHERE group_code = ?1 ORDER BY seq",
            group,
        )
    }

    /// Pending Web applications `(id, doc)`.
    fn srv_pending_applications(&self, group: &str) -> Result<Vec<(String, String)>> {
        strings(
            self,
            "SELECT id, doc FROM srv_applications WHERE group_code = ?1 AND status = 'pending' ORDER BY seq",
            group,
        )
    }

    /// Set a Web application's status (`joined` or `not_taken`).
    fn srv_close_application(&self, group: &str, id: &str, status: &str) -> Result<()> {
        self.0
            .prepare_cached("UPDATE srv_applications SET status = ?3 WHERE group_code = ?1 AND id = ?2")?
            .execute(params![group, id, status])?;
        Ok(())
    }

    fn srv_members(&self, group: &str) -> Result<Vec<MemberRow>> {
        let mut st = self.0.prepare_cached(
            "SELECT employee_no, base_month, doc, transfers FROM srv_members WHERE group_code = ?1 ORDER BY seq",
        )?;
        let rows = st
            .query_map([group], |r| {
                Ok(MemberRow {
                    employee_no: r.get(0)?,
                    base_month: r.get(1)?,
                    doc: r.get(2)?,
                    transfers: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The `seq` after the last one of the group's rows in `table` (`srv_members` or
    /// `srv_enrollments`).
    fn srv_next_seq(&self, table: &str, group: &str) -> Result<i64> {
        let table = match table {
            "srv_members" => "srv_members",
            "srv_enrollments" => "srv_enrollments",
            other => return Err(StoreError::Invalid(format!("no seq in {other}"))),
        };
        Ok(self.0.query_row(
            &format!("SELECT COALESCE(MAX(seq), -1) + 1 FROM {table} WHERE group_code = ?1"),
            [group],
            |r| r.get(0),
        )?)
    }

    /// Insert or replace a member; a new one gets `seq_if_new` (see [`Tx::srv_next_seq`]).
    fn srv_put_member(&self, group: &str, m: &MemberRow, seq_if_new: i64) -> Result<()> {
        self.0
            .prepare_cached(
                "INSERT INTO srv_members (group_code, employee_no, seq, base_month, doc, transfers)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (group_code, employee_no) DO UPDATE SET
                     base_month = excluded.base_month, doc = excluded.doc, transfers = excluded.transfers",
            )?
            .execute(params![
                group,
                m.employee_no,
                seq_if_new,
                m.base_month,
                m.doc,
                m.transfers
            ])?;
        Ok(())
    }

    /// Insert members in order (a freshly reset group).
    fn srv_insert_members(&self, group: &str, rows: &[MemberRow]) -> Result<()> {
        let mut st = self.0.prepare_cached(
            "INSERT INTO srv_members (group_code, employee_no, seq, base_month, doc, transfers) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (i, m) in rows.iter().enumerate() {
            st.execute(params![
                group,
                m.employee_no,
                i as i64,
                m.base_month,
                m.doc,
                m.transfers
            ])?;
        }
        Ok(())
    }

    fn srv_enrollments(&self, group: &str) -> Result<Vec<(String, String)>> {
        strings(
            self,
            "SELECT id, doc FROM srv_enrollments WHERE group_code = ?1 ORDER BY seq",
            group,
        )
    }

    fn srv_insert_enrollments(&self, group: &str, rows: &[(String, String)]) -> Result<()> {
        self.insert_keyed("srv_enrollments", "id", group, rows)
    }

    /// Insert or replace an enrollment; a new one gets `seq_if_new`.
    fn srv_put_enrollment(&self, group: &str, id: &str, doc: &str, seq_if_new: i64) -> Result<()> {
        self.0
            .prepare_cached(
                "INSERT INTO srv_enrollments (group_code, id, seq, doc) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (group_code, id) DO UPDATE SET doc = excluded.doc",
            )?
            .execute(params![group, id, seq_if_new, doc])?;
        Ok(())
    }

    // ---- billed and carry-over ------------------------------------------------------------

    /// `(month, doc)` of the billed months `from ..= to` (`"YYYY-MM"`), oldest first; `doc` is
    /// the JSON array `[[enrollment, office, amount], …]`.
    fn srv_billed_months(&self, group: &str, from: &str, to: &str) -> Result<Vec<(String, String)>> {
        let mut st = self.0.prepare_cached(
            "SELECT month, doc FROM srv_billed WHERE group_code = ?1 AND month >= ?2 AND month <= ?3 ORDER BY month",
        )?;
        let rows = st
            .query_map(params![group, from, to], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Adjustments `(month, enrollment, office, amount)` of the billed months `from ..= to`, in
    /// the order made.
    fn srv_billed_adjustments(&self, group: &str, from: &str, to: &str) -> Result<Vec<(String, String, String, i64)>> {
        let mut st = self.0.prepare_cached(
            "SELECT month, enrollment, office, amount FROM srv_billed_adjust
             WHERE group_code = ?1 AND month >= ?2 AND month <= ?3 ORDER BY id",
        )?;
        let rows = st
            .query_map(params![group, from, to], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Add an adjustment to what was billed for (enrollment, month).
    fn srv_adjust_billed(&self, group: &str, month: &str, enrollment: &str, office: &str, amount: i64) -> Result<()> {
        self.0
            .prepare_cached(
                "INSERT INTO srv_billed_adjust (group_code, month, enrollment, office, amount) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![group, month, enrollment, office, amount])?;
        Ok(())
    }

    /// Set a month's billed entries.
    fn srv_put_billed_month(&self, group: &str, month: &str, doc: &str) -> Result<()> {
        self.0
            .prepare_cached(
                "INSERT INTO srv_billed (group_code, month, doc) VALUES (?1, ?2, ?3)
                 ON CONFLICT (group_code, month) DO UPDATE SET doc = excluded.doc",
            )?
            .execute(params![group, month, doc])?;
        Ok(())
    }

    fn srv_carry_over(&self, group: &str, month: &str) -> Result<Vec<CarryOverRow>> {
        let mut st = self.0.prepare_cached(
            "SELECT enrollment, office, origin_month, amount, reason, times_carried FROM srv_carry_over
             WHERE group_code = ?1 AND month = ?2 ORDER BY seq",
        )?;
        let rows = st
            .query_map(params![group, month], |r| {
                Ok(CarryOverRow {
                    enrollment: r.get(0)?,
                    office: r.get(1)?,
                    origin_month: r.get(2)?,
                    amount: r.get(3)?,
                    reason: r.get(4)?,
                    times_carried: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Set the carry-over entries of `month` (replacing any).
    fn srv_set_carry_over(&self, group: &str, month: &str, rows: &[CarryOverRow]) -> Result<()> {
        self.0.execute(
            "DELETE FROM srv_carry_over WHERE group_code = ?1 AND month = ?2",
            params![group, month],
        )?;
        let mut st = self.0.prepare_cached(
            "INSERT INTO srv_carry_over (group_code, month, seq, enrollment, office, origin_month, amount, reason, times_carried)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for (i, c) in rows.iter().enumerate() {
            st.execute(params![
                group,
                month,
                i as i64,
                c.enrollment,
                c.office,
                c.origin_month,
                c.amount,
                c.reason,
                c.times_carried
            ])?;
        }
        Ok(())
    }

    // ---- package versions -----------------------------------------------------------------

    /// Remember a version the server computed (first time only).
    fn srv_record_version(&self, group: &str, version: &str, month: &str, summary: &str, at: &str) -> Result<()> {
        self.0
            .prepare_cached(
                "INSERT OR IGNORE INTO srv_package_versions (group_code, version, month, summary, first_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![group, version, month, summary, at])?;
        Ok(())
    }

    /// `(month, summary)` of a version the server computed for the group.
    fn srv_version(&self, group: &str, version: &str) -> Result<Option<(String, String)>> {
        let mut st = self
            .0
            .prepare_cached("SELECT month, summary FROM srv_package_versions WHERE group_code = ?1 AND version = ?2")?;
        Ok(st
            .query_row(params![group, version], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    // ---- reports --------------------------------------------------------------------------

    fn srv_report_by_key(&self, group: &str, key: &str) -> Result<Option<ReportRow>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {REPORT_COLUMNS} FROM srv_reports WHERE group_code = ?1 AND idempotency_key = ?2"
        ))?;
        Ok(st.query_row(params![group, key], report_row).optional()?)
    }

    fn srv_report_for_month(&self, group: &str, month: &str) -> Result<Option<ReportRow>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {REPORT_COLUMNS} FROM srv_reports WHERE group_code = ?1 AND month = ?2"
        ))?;
        Ok(st.query_row(params![group, month], report_row).optional()?)
    }

    /// The latest reported month of the group, if any.
    fn srv_last_reported_month(&self, group: &str) -> Result<Option<String>> {
        Ok(self.0.query_row(
            "SELECT MAX(month) FROM srv_reports WHERE group_code = ?1",
            [group],
            |r| r.get(0),
        )?)
    }

    /// Record a report; its receipt number is `R-<yyyymmdd of received_at>-<n, 6 digits>`, `n`
    /// from the `srv_receipt_numbers` AUTOINCREMENT sequence: never handed out twice, even
    /// after the last report's row is gone (a restore, a manual fix).
    fn srv_insert_report(&self, r: &NewReport<'_>) -> Result<ReportRow> {
        self.0.execute(
            "INSERT INTO srv_receipt_numbers (issued_at) VALUES (?1)",
            [r.received_at],
        )?;
        let id: i64 = self.0.last_insert_rowid();
        let day: String = r.received_at.chars().filter(char::is_ascii_digit).take(8).collect();
        let receipt_no = format!("R-{day}-{id:06}");
        self.0.execute(
            "INSERT INTO srv_reports (id, group_code, month, idempotency_key, body_sha256, receipt_no, received_at, package_version, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                r.group_code,
                r.month,
                r.idempotency_key,
                r.body_sha256,
                receipt_no,
                r.received_at,
                r.package_version,
                r.body
            ],
        )?;
        Ok(ReportRow {
            id,
            group_code: r.group_code.to_string(),
            month: r.month.to_string(),
            idempotency_key: r.idempotency_key.to_string(),
            body_sha256: r.body_sha256.to_string(),
            receipt_no,
            received_at: r.received_at.to_string(),
            package_version: r.package_version.to_string(),
        })
    }

    fn srv_insert_office_results(&self, report: &ReportRow, rows: &[OfficeResultRow]) -> Result<()> {
        let mut st = self.0.prepare_cached(
            "INSERT INTO srv_office_results (report_id, group_code, month, office, premium_total, fee, fee_tax,
                 invoice_amount, undeducted, collected_fee, collected_fee_tax, payable)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for o in rows {
            st.execute(params![
                report.id,
                report.group_code,
                report.month,
                o.office,
                o.premium_total,
                o.fee,
                o.fee_tax,
                o.invoice_amount,
                o.undeducted,
                o.collected_fee,
                o.collected_fee_tax,
                o.payable
            ])?;
        }
        Ok(())
    }

    fn srv_office_results(&self, group: &str, month: &str) -> Result<Vec<OfficeResultRow>> {
        let mut st = self.0.prepare_cached(
            "SELECT office, premium_total, fee, fee_tax, invoice_amount, undeducted, collected_fee, collected_fee_tax, payable
             FROM srv_office_results WHERE group_code = ?1 AND month = ?2 ORDER BY office",
        )?;
        let rows = st
            .query_map(params![group, month], |r| {
                Ok(OfficeResultRow {
                    office: r.get(0)?,
                    premium_total: r.get(1)?,
                    fee: r.get(2)?,
                    fee_tax: r.get(3)?,
                    invoice_amount: r.get(4)?,
                    undeducted: r.get(5)?,
                    collected_fee: r.get(6)?,
                    collected_fee_tax: r.get(7)?,
                    payable: r.get(8)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn srv_insert_individual_bills(&self, report_id: i64, rows: &[IndividualBillRow]) -> Result<()> {
        let mut st = self.0.prepare_cached(
            "INSERT INTO srv_individual_bills (report_id, employee_no, kind, amount, due_date, lines)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for b in rows {
            st.execute(params![report_id, b.employee_no, b.kind, b.amount, b.due_date, b.lines])?;
        }
        Ok(())
    }

    // ---- payments -------------------------------------------------------------------------

    fn srv_insert_payment(&self, p: &PaymentRow) -> Result<i64> {
        self.0.execute(
            "INSERT INTO srv_payments (group_code, office, month, date, amount, payer_name, reference, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                p.group_code,
                p.office,
                p.month,
                p.date,
                p.amount,
                p.payer_name,
                p.reference,
                p.recorded_at
            ],
        )?;
        Ok(self.0.last_insert_rowid())
    }

    /// Σ payments per office for (group, month).
    fn srv_received(&self, group: &str, month: &str) -> Result<Vec<(String, i64)>> {
        let mut st = self.0.prepare_cached(
            "SELECT office, SUM(amount) FROM srv_payments WHERE group_code = ?1 AND month = ?2 GROUP BY office ORDER BY office",
        )?;
        let rows = st
            .query_map(params![group, month], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    // ---- tokens (ledger_tokens) ------------------------------------------------------------

    fn srv_insert_token(
        &self,
        token_hash: &str,
        role: &str,
        group_code: Option<&str>,
        label: &str,
        at: &str,
        expires_at: Option<&str>,
    ) -> Result<i64> {
        self.insert_token(token_hash, role, group_code, label, at, expires_at)
    }
    fn srv_token(&self, token_hash: &str) -> Result<Option<TokenRow>> {
        self.token(token_hash)
    }
    fn srv_token_by_id(&self, id: i64) -> Result<Option<TokenRow>> {
        self.token_by_id(id)
    }
    fn srv_tokens(&self) -> Result<Vec<TokenRow>> {
        self.tokens()
    }
    fn srv_set_token_expiry(&self, id: i64, expires_at: &str) -> Result<()> {
        self.set_token_expiry(id, expires_at)
    }
    fn srv_revoke_token(&self, id: i64, at: &str) -> Result<bool> {
        self.revoke_token(id, at)
    }
    fn srv_staff_tokens(&self, now: &str) -> Result<i64> {
        self.staff_tokens(now)
    }

    // ---- audit (lib.rs) -------------------------------------------------------------------

    fn audit(&self, a: &crate::Audit<'_>) -> Result<()> {
        Tx::audit(self, a)
    }
    fn audit_log(&self, limit: Option<i64>) -> Result<Vec<crate::AuditRow>> {
        Tx::audit_log(self, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn a_billed_month_is_one_row() {
        let mut s = Store::open_in_memory().unwrap();
        s.write(|tx| {
            tx.srv_reset_group("G1", "{}", "2026-12", "2026-11-25", "t")?;
            tx.srv_put_billed_month("G1", "2026-11", r#"[["E1","O1",900]]"#)?;
            tx.srv_put_billed_month("G1", "2026-11", r#"[["E1","O1",800]]"#)?;
            tx.srv_put_billed_month("G1", "2026-05", "[]")?;
            tx.srv_adjust_billed("G1", "2026-11", "E1", "O1", -100)?;
            assert_eq!(
                tx.srv_billed_adjustments("G1", "2026-06", "2026-11")?,
                vec![("2026-11".into(), "E1".into(), "O1".into(), -100)]
            );
            let rows = tx.srv_billed_months("G1", "2026-06", "2026-11")?;
            assert_eq!(rows, vec![("2026-11".to_string(), r#"[["E1","O1",800]]"#.to_string())]);
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }

    #[test]
    fn resetting_a_group_empties_its_ledger_and_bumps_the_revision() {
        let mut s = Store::open_in_memory().unwrap();
        s.write(|tx| {
            tx.srv_reset_group("G1", "{}", "2026-12", "2026-11-25", "t")?;
            tx.srv_insert_enrollments("G1", &[("E1".into(), "{}".into())])?;
            tx.srv_reset_group("G1", "{}", "2027-01", "2026-12-25", "t")?;
            assert!(tx.srv_enrollments("G1")?.is_empty());
            assert_eq!(tx.srv_group_rev("G1")?, Some(2));
            Ok::<_, StoreError>(())
        })
        .unwrap();
    }

    #[test]
    fn one_report_per_month_and_key() {
        let mut s = Store::open_in_memory().unwrap();
        let r = NewReport {
            group_code: "G1",
            month: "2026-12",
            idempotency_key: "k",
            body_sha256: "h",
            received_at: "2026-12-05T10:00:00+09:00",
            package_version: "v",
            body: b"{}",
        };
        let row = s.write(|tx| tx.srv_insert_report(&r)).unwrap();
        assert_eq!(row.receipt_no, "R-20261205-000001");
        assert!(s.write(|tx| tx.srv_insert_report(&r)).is_err());
        let other = NewReport {
            idempotency_key: "k2",
            ..r
        };
        assert!(s.write(|tx| tx.srv_insert_report(&other)).is_err());
    }

    #[test]
    fn a_receipt_number_never_repeats_even_after_the_last_report_is_gone() {
        let mut s = Store::open_in_memory().unwrap();
        let r = NewReport {
            group_code: "G1",
            month: "2026-12",
            idempotency_key: "k",
            body_sha256: "h",
            received_at: "2026-12-05T10:00:00+09:00",
            package_version: "v",
            body: b"{}",
        };
        let first = s.write(|tx| tx.srv_insert_report(&r)).unwrap();
        // The row goes (a restore from an older copy of one table, a manual fix): MAX(id) + 1
        // would give its receipt number to the next report.
        s.write(|tx| {
            tx.0.execute("DELETE FROM srv_reports WHERE id = ?1", [first.id])?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
        let second = s.write(|tx| tx.srv_insert_report(&r)).unwrap();
        assert_ne!(second.receipt_no, first.receipt_no);
        assert_eq!(second.receipt_no, "R-20261205-000002");
    }

    #[test]
    fn the_servers_connections_sync_every_commit_and_checkpoint_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("ledger.db")).unwrap();
        s.tune_for_server(1024).unwrap();
        // synchronous 2 = FULL; the WAL is checkpointed once it passes 1,000 pages (0 = never).
        assert_eq!(s.durability().unwrap(), (2, 1000));
    }
}
