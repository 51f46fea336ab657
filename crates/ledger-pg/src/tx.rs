//! [`LedgerTx`] on one PostgreSQL transaction: the SQL of `infoone_store::ledger_db` in
//! PostgreSQL's dialect. Rows inserted in bulk go in one statement per 5,000 (`UNNEST` of arrays),
//! not one round trip each.

use std::cell::Cell;

use deadpool_postgres::Object;
use infoone_store::ledger_db::{
    CarryOverRow, GroupRow, IndividualBillRow, MemberRow, NewReport, OfficeResultRow, PaymentRow, ReportRow,
};
use infoone_store::ledger_tokens::TokenRow;
use infoone_store::{Audit, AuditRow, LedgerTx, StoreError};
use tokio::runtime::Handle;
use tokio_postgres::types::{FromSql, ToSql};
use tokio_postgres::Row;

use crate::pg_error;

pub(crate) type Result<T> = std::result::Result<T, StoreError>;
type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

/// Rows per bulk INSERT statement.
pub(crate) const CHUNK: usize = 5_000;

/// One open transaction on a pooled connection. Rolled back when dropped without
/// [`PgTx::commit`] (an error, a panic), so a connection goes back to the pool clean.
pub struct PgTx<'c> {
    client: &'c Object,
    rt: &'c Handle,
    open: Cell<bool>,
    /// A statement failed with a serialization failure or a deadlock (SQLSTATE 40001, 40P01):
    /// the whole transaction may be run again ([`crate::PgLedger::write`]), whatever the use case
    /// made of the error.
    retryable: Cell<bool>,
}

impl<'c> PgTx<'c> {
    pub(crate) fn begin(client: &'c Object, rt: &'c Handle, begin: &str) -> Result<PgTx<'c>> {
        let tx = PgTx {
            client,
            rt,
            open: Cell::new(false),
            retryable: Cell::new(false),
        };
        tx.batch(begin)?;
        tx.open.set(true);
        Ok(tx)
    }

    /// Commit; an error says whether the transaction is worth running again (40001, 40P01).
    pub(crate) fn commit(self) -> std::result::Result<(), (StoreError, bool)> {
        self.open.set(false);
        self.batch("COMMIT").map_err(|e| (e, self.retryable.get()))
    }

    pub(crate) fn rollback(self) {
        self.open.set(false);
        let _ = self.batch("ROLLBACK");
    }

    pub(crate) fn batch(&self, sql: &str) -> Result<()> {
        self.rt
            .block_on(self.client.batch_execute(sql))
            .map_err(|e| self.failed(e))
    }

    /// The error in words; notes whether it makes the transaction worth running again.
    fn failed(&self, e: tokio_postgres::Error) -> StoreError {
        if crate::is_retryable(&e) {
            self.retryable.set(true);
        }
        pg_error(e)
    }

    /// The connection and the runtime that drives it (the ledger move's COPY).
    pub(crate) fn conn(&self) -> (&'c Object, &'c Handle) {
        (self.client, self.rt)
    }

    /// Whether a statement of this transaction failed with SQLSTATE 40001 or 40P01.
    pub(crate) fn retryable(&self) -> bool {
        self.retryable.get()
    }

    pub(crate) fn query(&self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        self.rt
            .block_on(async {
                let st = self.client.prepare_cached(sql).await?;
                self.client.query(&st, params).await
            })
            .map_err(|e| self.failed(e))
    }

    fn query_opt(&self, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    fn query_one(&self, sql: &str, params: Params<'_>) -> Result<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StoreError::Backend(format!("no row from {sql}")))
    }

    pub(crate) fn exec(&self, sql: &str, params: Params<'_>) -> Result<u64> {
        self.rt
            .block_on(async {
                let st = self.client.prepare_cached(sql).await?;
                self.client.execute(&st, params).await
            })
            .map_err(|e| self.failed(e))
    }

    pub(crate) fn schema_version(&self) -> Result<i64> {
        let exists: bool = self
            .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])?
            .col(0)?;
        if !exists {
            return Ok(0);
        }
        self.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?
            .col(0)
    }

    fn pairs(&self, sql: &str, group: &str) -> Result<Vec<(String, String)>> {
        self.query(sql, &[&group])?
            .iter()
            .map(|r| Ok((r.col(0)?, r.col(1)?)))
            .collect::<Result<_>>()
    }

    fn insert_keyed(&self, table: &str, key: &str, group: &str, rows: &[(String, String)]) -> Result<()> {
        let sql = format!(
            "INSERT INTO {table} (group_code, {key}, seq, doc)
             SELECT $1, k, s, d FROM UNNEST($2::text[], $3::bigint[], $4::text[]) AS t(k, s, d)"
        );
        for (n, chunk) in rows.chunks(CHUNK).enumerate() {
            let keys: Vec<&str> = chunk.iter().map(|r| r.0.as_str()).collect();
            let seqs: Vec<i64> = (0..chunk.len()).map(|i| (n * CHUNK + i) as i64).collect();
            let docs: Vec<&str> = chunk.iter().map(|r| r.1.as_str()).collect();
            self.exec(&sql, &[&group, &keys, &seqs, &docs])?;
        }
        Ok(())
    }
}

impl Drop for PgTx<'_> {
    fn drop(&mut self) {
        if self.open.get() {
            let _ = self.rt.block_on(self.client.batch_execute("ROLLBACK"));
        }
    }
}

/// A column read as the type the code expects, or an error that names it: a column whose type
/// is not what the migrations made (a schema changed by hand) is an error, never a panic.
trait Col {
    fn col<'a, T: FromSql<'a>>(&'a self, i: usize) -> Result<T>;
}

impl Col for Row {
    fn col<'a, T: FromSql<'a>>(&'a self, i: usize) -> Result<T> {
        self.try_get(i).map_err(|e| {
            let name = self.columns().get(i).map_or("?", |c| c.name());
            StoreError::Backend(format!("PostgreSQL の列 {name}（{i} 番目）が読めません: {e}"))
        })
    }
}

fn group_row(r: &Row) -> Result<GroupRow> {
    Ok(GroupRow {
        code: r.col(0)?,
        doc: r.col(1)?,
        current_month: r.col(2)?,
        issued_on: r.col(3)?,
        rev: r.col(4)?,
        updated_at: r.col(5)?,
    })
}

const GROUP_COLUMNS: &str = "code, doc, current_month, issued_on, rev, updated_at";

const REPORT_COLUMNS: &str =
    "id, group_code, month, idempotency_key, body_sha256, receipt_no, received_at, package_version";

fn report_row(r: &Row) -> Result<ReportRow> {
    Ok(ReportRow {
        id: r.col(0)?,
        group_code: r.col(1)?,
        month: r.col(2)?,
        idempotency_key: r.col(3)?,
        body_sha256: r.col(4)?,
        receipt_no: r.col(5)?,
        received_at: r.col(6)?,
        package_version: r.col(7)?,
    })
}

const TOKEN_COLUMNS: &str = "id, role, group_code, label, created_at, expires_at, revoked_at";

fn token_row(r: &Row) -> Result<TokenRow> {
    Ok(TokenRow {
        id: r.col(0)?,
        role: r.col(1)?,
        group_code: r.col(2)?,
        label: r.col(3)?,
        created_at: r.col(4)?,
        expires_at: r.col(5)?,
        revoked_at: r.col(6)?,
    })
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

impl LedgerTx for PgTx<'_> {
    fn srv_group(&self, code: &str) -> Result<Option<GroupRow>> {
        self.query_opt(
            &format!("SELECT {GROUP_COLUMNS} FROM srv_groups WHERE code = $1"),
            &[&code],
        )?
        .as_ref()
        .map(group_row)
        .transpose()
    }

    fn srv_lock_group(&self, code: &str) -> Result<Option<GroupRow>> {
        self.query_opt(
            &format!("SELECT {GROUP_COLUMNS} FROM srv_groups WHERE code = $1 FOR UPDATE"),
            &[&code],
        )?
        .as_ref()
        .map(group_row)
        .transpose()
    }

    fn srv_group_rev(&self, code: &str) -> Result<Option<i64>> {
        self.query_opt("SELECT rev FROM srv_groups WHERE code = $1", &[&code])?
            .map(|r| r.col(0))
            .transpose()
    }

    fn srv_reset_group(&self, code: &str, doc: &str, current_month: &str, issued_on: &str, at: &str) -> Result<()> {
        // The upsert first: it takes the group's row lock (a second load of the same group, on
        // any node, waits here), then the ledger is emptied under it.
        self.exec(
            "INSERT INTO srv_groups (code, doc, current_month, issued_on, rev, updated_at)
             VALUES ($1, $2, $3, $4, 1, $5)
             ON CONFLICT (code) DO UPDATE SET doc = excluded.doc, current_month = excluded.current_month,
                 issued_on = excluded.issued_on, rev = srv_groups.rev + 1, updated_at = excluded.updated_at",
            &[&code, &doc, &current_month, &issued_on, &at],
        )?;
        for table in LEDGER_TABLES {
            self.exec(&format!("DELETE FROM {table} WHERE group_code = $1"), &[&code])?;
        }
        Ok(())
    }

    fn srv_advance_group(&self, code: &str, current_month: &str, issued_on: &str, at: &str) -> Result<()> {
        self.exec(
            "UPDATE srv_groups SET current_month = $2, issued_on = $3, rev = rev + 1, updated_at = $4 WHERE code = $1",
            &[&code, &current_month, &issued_on, &at],
        )?;
        Ok(())
    }

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
        self.pairs(
            "SELECT code, doc FROM srv_offices WHERE group_code = $1 ORDER BY seq",
            group,
        )
    }

    fn srv_products(&self, group: &str) -> Result<Vec<(String, String)>> {
        self.pairs(
            "SELECT code, doc FROM srv_products WHERE group_code = $1 ORDER BY seq",
            group,
        )
    }

    fn srv_pending_applications(&self, group: &str) -> Result<Vec<(String, String)>> {
        self.pairs(
            "SELECT id, doc FROM srv_applications WHERE group_code = $1 AND status = 'pending' ORDER BY seq",
            group,
        )
    }

    fn srv_close_application(&self, group: &str, id: &str, status: &str) -> Result<()> {
        self.exec(
            "UPDATE srv_applications SET status = $3 WHERE group_code = $1 AND id = $2",
            &[&group, &id, &status],
        )?;
        Ok(())
    }

    fn srv_close_applications(&self, group: &str, rows: &[(&str, &str)]) -> Result<()> {
        self.close_applications(group, rows)
    }

    fn srv_members(&self, group: &str) -> Result<Vec<MemberRow>> {
        self.query(
            "SELECT employee_no, base_month, doc, transfers FROM srv_members WHERE group_code = $1 ORDER BY seq",
            &[&group],
        )?
        .iter()
        .map(|r| {
            Ok(MemberRow {
                employee_no: r.col(0)?,
                base_month: r.col(1)?,
                doc: r.col(2)?,
                transfers: r.col(3)?,
            })
        })
        .collect::<Result<_>>()
    }

    fn srv_next_seq(&self, table: &str, group: &str) -> Result<i64> {
        let table = match table {
            "srv_members" => "srv_members",
            "srv_enrollments" => "srv_enrollments",
            other => return Err(StoreError::Invalid(format!("no seq in {other}"))),
        };
        self.query_one(
            &format!("SELECT COALESCE(MAX(seq), -1) + 1 FROM {table} WHERE group_code = $1"),
            &[&group],
        )?
        .col(0)
    }

    fn srv_put_member(&self, group: &str, m: &MemberRow, seq_if_new: i64) -> Result<()> {
        self.exec(
            "INSERT INTO srv_members (group_code, employee_no, seq, base_month, doc, transfers)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (group_code, employee_no) DO UPDATE SET
                 base_month = excluded.base_month, doc = excluded.doc, transfers = excluded.transfers",
            &[&group, &m.employee_no, &seq_if_new, &m.base_month, &m.doc, &m.transfers],
        )?;
        Ok(())
    }

    fn srv_put_members(&self, group: &str, rows: &[(MemberRow, i64)]) -> Result<()> {
        self.put_members(group, rows)
    }

    fn srv_insert_members(&self, group: &str, rows: &[MemberRow]) -> Result<()> {
        for (n, chunk) in rows.chunks(CHUNK).enumerate() {
            let nos: Vec<&str> = chunk.iter().map(|m| m.employee_no.as_str()).collect();
            let seqs: Vec<i64> = (0..chunk.len()).map(|i| (n * CHUNK + i) as i64).collect();
            let base: Vec<&str> = chunk.iter().map(|m| m.base_month.as_str()).collect();
            let docs: Vec<&str> = chunk.iter().map(|m| m.doc.as_str()).collect();
            let transfers: Vec<&str> = chunk.iter().map(|m| m.transfers.as_str()).collect();
            self.exec(
                "INSERT INTO srv_members (group_code, employee_no, seq, base_month, doc, transfers)
                 SELECT $1, e, s, b, d, t
                 FROM UNNEST($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[]) AS x(e, s, b, d, t)",
                &[&group, &nos, &seqs, &base, &docs, &transfers],
            )?;
        }
        Ok(())
    }

    fn srv_enrollments(&self, group: &str) -> Result<Vec<(String, String)>> {
        self.pairs(
            "SELECT id, doc FROM srv_enrollments WHERE group_code = $1 ORDER BY seq",
            group,
        )
    }

    fn srv_insert_enrollments(&self, group: &str, rows: &[(String, String)]) -> Result<()> {
        self.insert_keyed("srv_enrollments", "id", group, rows)
    }

    fn srv_put_enrollment(&self, group: &str, id: &str, doc: &str, seq_if_new: i64) -> Result<()> {
        self.exec(
            "INSERT INTO srv_enrollments (group_code, id, seq, doc) VALUES ($1, $2, $3, $4)
             ON CONFLICT (group_code, id) DO UPDATE SET doc = excluded.doc",
            &[&group, &id, &seq_if_new, &doc],
        )?;
        Ok(())
    }

    fn srv_put_enrollments(&self, group: &str, rows: &[(String, String, i64)]) -> Result<()> {
        self.put_enrollments(group, rows)
    }

    fn srv_billed_months(&self, group: &str, from: &str, to: &str) -> Result<Vec<(String, String)>> {
        self.query(
            "SELECT month, doc FROM srv_billed WHERE group_code = $1 AND month >= $2 AND month <= $3 ORDER BY month",
            &[&group, &from, &to],
        )?
        .iter()
        .map(|r| Ok((r.col(0)?, r.col(1)?)))
        .collect::<Result<_>>()
    }

    fn srv_billed_adjustments(&self, group: &str, from: &str, to: &str) -> Result<Vec<(String, String, String, i64)>> {
        self.query(
            "SELECT month, enrollment, office, amount FROM srv_billed_adjust
                 WHERE group_code = $1 AND month >= $2 AND month <= $3 ORDER BY id",
            &[&group, &from, &to],
        )?
        .iter()
        .map(|r| Ok((r.col(0)?, r.col(1)?, r.col(2)?, r.col(3)?)))
        .collect::<Result<_>>()
    }

    fn srv_adjust_billed(&self, group: &str, month: &str, enrollment: &str, office: &str, amount: i64) -> Result<()> {
        self.exec(
            "INSERT INTO srv_billed_adjust (group_code, month, enrollment, office, amount) VALUES ($1, $2, $3, $4, $5)",
            &[&group, &month, &enrollment, &office, &amount],
        )?;
        Ok(())
    }

    fn srv_adjust_billed_rows(&self, group: &str, month: &str, rows: &[(&str, &str, i64)]) -> Result<()> {
        self.adjust_billed_rows(group, month, rows)
    }

    fn srv_put_billed_month(&self, group: &str, month: &str, doc: &str) -> Result<()> {
        self.exec(
            "INSERT INTO srv_billed (group_code, month, doc) VALUES ($1, $2, $3)
             ON CONFLICT (group_code, month) DO UPDATE SET doc = excluded.doc",
            &[&group, &month, &doc],
        )?;
        Ok(())
    }

    fn srv_carry_over(&self, group: &str, month: &str) -> Result<Vec<CarryOverRow>> {
        self.query(
            "SELECT enrollment, office, origin_month, amount, reason, times_carried FROM srv_carry_over
                 WHERE group_code = $1 AND month = $2 ORDER BY seq",
            &[&group, &month],
        )?
        .iter()
        .map(|r| {
            Ok(CarryOverRow {
                enrollment: r.col(0)?,
                office: r.col(1)?,
                origin_month: r.col(2)?,
                amount: r.col(3)?,
                reason: r.col(4)?,
                times_carried: r.col(5)?,
            })
        })
        .collect::<Result<_>>()
    }

    fn srv_set_carry_over(&self, group: &str, month: &str, rows: &[CarryOverRow]) -> Result<()> {
        self.exec(
            "DELETE FROM srv_carry_over WHERE group_code = $1 AND month = $2",
            &[&group, &month],
        )?;
        for (n, chunk) in rows.chunks(CHUNK).enumerate() {
            let seqs: Vec<i64> = (0..chunk.len()).map(|i| (n * CHUNK + i) as i64).collect();
            let enrollment: Vec<&str> = chunk.iter().map(|c| c.enrollment.as_str()).collect();
            let office: Vec<&str> = chunk.iter().map(|c| c.office.as_str()).collect();
            let origin: Vec<&str> = chunk.iter().map(|c| c.origin_month.as_str()).collect();
            let amount: Vec<i64> = chunk.iter().map(|c| c.amount).collect();
            let reason: Vec<&str> = chunk.iter().map(|c| c.reason.as_str()).collect();
            let times: Vec<i64> = chunk.iter().map(|c| c.times_carried).collect();
            self.exec(
                "INSERT INTO srv_carry_over (group_code, month, seq, enrollment, office, origin_month, amount, reason, times_carried)
                 SELECT $1, $2, s, e, o, m, a, r, t
                 FROM UNNEST($3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[], $9::bigint[])
                     AS x(s, e, o, m, a, r, t)",
                &[&group, &month, &seqs, &enrollment, &office, &origin, &amount, &reason, &times],
            )?;
        }
        Ok(())
    }

    fn srv_record_version(&self, group: &str, version: &str, month: &str, summary: &str, at: &str) -> Result<()> {
        self.exec(
            "INSERT INTO srv_package_versions (group_code, version, month, summary, first_seen)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (group_code, version) DO NOTHING",
            &[&group, &version, &month, &summary, &at],
        )?;
        Ok(())
    }

    fn srv_version(&self, group: &str, version: &str) -> Result<Option<(String, String)>> {
        self.query_opt(
            "SELECT month, summary FROM srv_package_versions WHERE group_code = $1 AND version = $2",
            &[&group, &version],
        )?
        .map(|r| Ok::<_, StoreError>((r.col(0)?, r.col(1)?)))
        .transpose()
    }

    fn srv_report_by_key(&self, group: &str, key: &str) -> Result<Option<ReportRow>> {
        self.query_opt(
            &format!("SELECT {REPORT_COLUMNS} FROM srv_reports WHERE group_code = $1 AND idempotency_key = $2"),
            &[&group, &key],
        )?
        .as_ref()
        .map(report_row)
        .transpose()
    }

    fn srv_report_for_month(&self, group: &str, month: &str) -> Result<Option<ReportRow>> {
        self.query_opt(
            &format!("SELECT {REPORT_COLUMNS} FROM srv_reports WHERE group_code = $1 AND month = $2"),
            &[&group, &month],
        )?
        .as_ref()
        .map(report_row)
        .transpose()
    }

    fn srv_last_reported_month(&self, group: &str) -> Result<Option<String>> {
        self.query_one("SELECT MAX(month) FROM srv_reports WHERE group_code = $1", &[&group])?
            .col(0)
    }

    fn srv_insert_report(&self, r: &NewReport<'_>) -> Result<ReportRow> {
        let id: i64 = self.query_one("SELECT nextval('srv_receipt_numbers')", &[])?.col(0)?;
        let day: String = r.received_at.chars().filter(char::is_ascii_digit).take(8).collect();
        let receipt_no = format!("R-{day}-{id:06}");
        self.exec(
            "INSERT INTO srv_reports (id, group_code, month, idempotency_key, body_sha256, receipt_no, received_at, package_version, body)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                &id,
                &r.group_code,
                &r.month,
                &r.idempotency_key,
                &r.body_sha256,
                &receipt_no,
                &r.received_at,
                &r.package_version,
                &r.body,
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
        for o in rows {
            self.exec(
                "INSERT INTO srv_office_results (report_id, group_code, month, office, premium_total, fee, fee_tax,
                     invoice_amount, undeducted, collected_fee, collected_fee_tax, payable)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                &[
                    &report.id,
                    &report.group_code,
                    &report.month,
                    &o.office,
                    &o.premium_total,
                    &o.fee,
                    &o.fee_tax,
                    &o.invoice_amount,
                    &o.undeducted,
                    &o.collected_fee,
                    &o.collected_fee_tax,
                    &o.payable,
                ],
            )?;
        }
        Ok(())
    }

    fn srv_office_results(&self, group: &str, month: &str) -> Result<Vec<OfficeResultRow>> {
        self
            .query(
                "SELECT office, premium_total, fee, fee_tax, invoice_amount, undeducted, collected_fee, collected_fee_tax, payable
                 FROM srv_office_results WHERE group_code = $1 AND month = $2 ORDER BY office",
                &[&group, &month],
            )?
            .iter()
            .map(|r| Ok(OfficeResultRow {
                office: r.col(0)?,
                premium_total: r.col(1)?,
                fee: r.col(2)?,
                fee_tax: r.col(3)?,
                invoice_amount: r.col(4)?,
                undeducted: r.col(5)?,
                collected_fee: r.col(6)?,
                collected_fee_tax: r.col(7)?,
                payable: r.col(8)?,
            }))
            .collect::<Result<_>>()
    }

    fn srv_insert_individual_bills(&self, report_id: i64, rows: &[IndividualBillRow]) -> Result<()> {
        for chunk in rows.chunks(CHUNK) {
            let no: Vec<&str> = chunk.iter().map(|b| b.employee_no.as_str()).collect();
            let kind: Vec<&str> = chunk.iter().map(|b| b.kind.as_str()).collect();
            let amount: Vec<i64> = chunk.iter().map(|b| b.amount).collect();
            let due: Vec<Option<&str>> = chunk.iter().map(|b| b.due_date.as_deref()).collect();
            let lines: Vec<&str> = chunk.iter().map(|b| b.lines.as_str()).collect();
            self.exec(
                "INSERT INTO srv_individual_bills (report_id, employee_no, kind, amount, due_date, lines)
                 SELECT $1, e, k, a, d, l FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[])
                     AS x(e, k, a, d, l)",
                &[&report_id, &no, &kind, &amount, &due, &lines],
            )?;
        }
        Ok(())
    }

    fn srv_insert_payment(&self, p: &PaymentRow) -> Result<i64> {
        self.query_one(
            "INSERT INTO srv_payments (group_code, office, month, date, amount, payer_name, reference, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &p.group_code,
                &p.office,
                &p.month,
                &p.date,
                &p.amount,
                &p.payer_name,
                &p.reference,
                &p.recorded_at,
            ],
        )?
        .col(0)
    }

    fn srv_received(&self, group: &str, month: &str) -> Result<Vec<(String, i64)>> {
        // SUM of BIGINT is NUMERIC in PostgreSQL: back to BIGINT (yen are whole; an overflow
        // fails the query instead of rounding).
        self.query(
            "SELECT office, SUM(amount)::bigint FROM srv_payments WHERE group_code = $1 AND month = $2
                 GROUP BY office ORDER BY office",
            &[&group, &month],
        )?
        .iter()
        .map(|r| Ok((r.col(0)?, r.col(1)?)))
        .collect::<Result<_>>()
    }

    fn srv_insert_token(
        &self,
        token_hash: &str,
        role: &str,
        group_code: Option<&str>,
        label: &str,
        at: &str,
        expires_at: Option<&str>,
    ) -> Result<i64> {
        self.query_one(
            "INSERT INTO srv_tokens (token_hash, role, group_code, label, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            &[&token_hash, &role, &group_code, &label, &at, &expires_at],
        )?
        .col(0)
    }

    fn srv_token(&self, token_hash: &str) -> Result<Option<TokenRow>> {
        self.query_opt(
            &format!("SELECT {TOKEN_COLUMNS} FROM srv_tokens WHERE token_hash = $1"),
            &[&token_hash],
        )?
        .as_ref()
        .map(token_row)
        .transpose()
    }

    fn srv_token_by_id(&self, id: i64) -> Result<Option<TokenRow>> {
        self.query_opt(&format!("SELECT {TOKEN_COLUMNS} FROM srv_tokens WHERE id = $1"), &[&id])?
            .as_ref()
            .map(token_row)
            .transpose()
    }

    fn srv_tokens(&self) -> Result<Vec<TokenRow>> {
        self.query(&format!("SELECT {TOKEN_COLUMNS} FROM srv_tokens ORDER BY id"), &[])?
            .iter()
            .map(token_row)
            .collect::<Result<_>>()
    }

    fn srv_set_token_expiry(&self, id: i64, expires_at: &str) -> Result<()> {
        self.exec(
            "UPDATE srv_tokens SET expires_at = $2 WHERE id = $1",
            &[&id, &expires_at],
        )?;
        Ok(())
    }

    fn srv_revoke_token(&self, id: i64, at: &str) -> Result<bool> {
        Ok(self.exec(
            "UPDATE srv_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            &[&id, &at],
        )? == 1)
    }

    fn srv_staff_tokens(&self, now: &str) -> Result<i64> {
        self.query_one(
            "SELECT COUNT(*) FROM srv_tokens WHERE role = 'staff' AND revoked_at IS NULL
                 AND (expires_at IS NULL OR expires_at > $1)",
            &[&now],
        )?
        .col(0)
    }

    fn audit(&self, a: &Audit<'_>) -> Result<()> {
        let month = a.month.map(|m| m.to_string());
        self.exec(
            "INSERT INTO audit_log (at, group_code, month, action, entity, key, before, after, source, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            &[
                &a.at,
                &a.group_code,
                &month,
                &a.action,
                &a.entity,
                &a.key,
                &a.before,
                &a.after,
                &a.source,
                &a.detail,
            ],
        )?;
        Ok(())
    }

    fn audit_all(&self, entries: &[Audit<'_>]) -> Result<()> {
        self.audit_rows(entries)
    }

    fn audit_log(&self, limit: Option<i64>) -> Result<Vec<AuditRow>> {
        self.query(
            "SELECT * FROM (SELECT id, at, group_code, month, action, entity, key, before, after, source, detail
                 FROM audit_log ORDER BY id DESC LIMIT $1) AS newest ORDER BY id",
            &[&limit],
        )?
        .iter()
        .map(|r| {
            Ok(AuditRow {
                id: r.col(0)?,
                at: r.col(1)?,
                group_code: r.col(2)?,
                month: r.col(3)?,
                action: r.col(4)?,
                entity: r.col(5)?,
                key: r.col(6)?,
                before: r.col(7)?,
                after: r.col(8)?,
                source: r.col(9)?,
                detail: r.col(10)?,
            })
        })
        .collect::<Result<_>>()
    }
}
