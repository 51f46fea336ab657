//! The insurer's ledger as one interface (`LedgerTx`): every read and write the server's use
//! cases make, inside one transaction of whichever back end holds the ledger. SQLite implements
//! it on [`Tx`](crate::Tx) (`ledger_db`, `ledger_tokens`); PostgreSQL in `infoone-ledger-pg`.
//!
//! The interface carries no business rule: it stores and returns rows. What the back ends must
//! guarantee themselves (docs/DECISIONS.md "The insurer's ledger on two databases"):
//!
//! - one report per (group, month) and one per (group, idempotency key): unique constraints, a
//!   second insert fails with an error whose [`StoreError::is_unique_violation`] is true;
//! - receipt numbers from a sequence that never hands a number out twice;
//! - [`LedgerTx::srv_lock_group`] holds the group's row until the transaction ends, so the
//!   revision check and the apply of a report (or a package or roster load) happen as one, on
//!   any number of server processes.

use crate::ledger_db::{
    CarryOverRow, GroupRow, IndividualBillRow, MemberRow, NewReport, OfficeResultRow, PaymentRow, ReportRow,
};
use crate::ledger_tokens::TokenRow;
use crate::{Audit, AuditRow, Result};

/// Every operation on the insurer's ledger, inside one transaction.
pub trait LedgerTx {
    // ---- groups ---------------------------------------------------------------------------
    fn srv_group(&self, code: &str) -> Result<Option<GroupRow>>;
    /// The group's row, locked until the transaction ends (a second writer of the same group
    /// waits); `None` for an unknown group.
    fn srv_lock_group(&self, code: &str) -> Result<Option<GroupRow>>;
    /// The group's ledger revision, `None` for an unknown group.
    fn srv_group_rev(&self, code: &str) -> Result<Option<i64>>;
    /// Create the group, or empty its ledger and set its row anew (reports, payments and tokens
    /// stay). The revision goes up either way; the group's row is locked first.
    fn srv_reset_group(&self, code: &str, doc: &str, current_month: &str, issued_on: &str, at: &str) -> Result<()>;
    /// Move the group's ledger to `current_month` (after a report) and bump its revision.
    fn srv_advance_group(&self, code: &str, current_month: &str, issued_on: &str, at: &str) -> Result<()>;

    // ---- entities -------------------------------------------------------------------------
    /// Insert offices `(code, doc)` in order.
    fn srv_insert_offices(&self, group: &str, rows: &[(String, String)]) -> Result<()>;
    fn srv_insert_products(&self, group: &str, rows: &[(String, String)]) -> Result<()>;
    fn srv_insert_applications(&self, group: &str, rows: &[(String, String)]) -> Result<()>;
    fn srv_offices(&self, group: &str) -> Result<Vec<(String, String)>>;
    fn srv_products(&self, group: &str) -> Result<Vec<(String, String)>>;
    /// Pending Web applications `(id, doc)`.
    fn srv_pending_applications(&self, group: &str) -> Result<Vec<(String, String)>>;
    /// Set a Web application's status (`joined` or `not_taken`).
    fn srv_close_application(&self, group: &str, id: &str, status: &str) -> Result<()>;
    /// [`LedgerTx::srv_close_application`] for each `(id, status)`; a back end where a statement
    /// is a round trip does them in one.
    fn srv_close_applications(&self, group: &str, rows: &[(&str, &str)]) -> Result<()> {
        rows.iter()
            .try_for_each(|(id, status)| self.srv_close_application(group, id, status))
    }
    fn srv_members(&self, group: &str) -> Result<Vec<MemberRow>>;
    /// The `seq` after the last one of the group's rows in `table` (`srv_members` or
    /// `srv_enrollments`).
    fn srv_next_seq(&self, table: &str, group: &str) -> Result<i64>;
    /// Insert or replace a member; a new one gets `seq_if_new`.
    fn srv_put_member(&self, group: &str, m: &MemberRow, seq_if_new: i64) -> Result<()>;
    /// [`LedgerTx::srv_put_member`] for each `(member, seq_if_new)` (no employee number twice).
    fn srv_put_members(&self, group: &str, rows: &[(MemberRow, i64)]) -> Result<()> {
        rows.iter().try_for_each(|(m, seq)| self.srv_put_member(group, m, *seq))
    }
    /// Insert members in order (a freshly reset group).
    fn srv_insert_members(&self, group: &str, rows: &[MemberRow]) -> Result<()>;
    fn srv_enrollments(&self, group: &str) -> Result<Vec<(String, String)>>;
    fn srv_insert_enrollments(&self, group: &str, rows: &[(String, String)]) -> Result<()>;
    /// Insert or replace an enrollment; a new one gets `seq_if_new`.
    fn srv_put_enrollment(&self, group: &str, id: &str, doc: &str, seq_if_new: i64) -> Result<()>;
    /// [`LedgerTx::srv_put_enrollment`] for each `(id, doc, seq_if_new)` (no id twice).
    fn srv_put_enrollments(&self, group: &str, rows: &[(String, String, i64)]) -> Result<()> {
        rows.iter()
            .try_for_each(|(id, doc, seq)| self.srv_put_enrollment(group, id, doc, *seq))
    }

    // ---- billed and carry-over ------------------------------------------------------------
    /// `(month, doc)` of the billed months `from ..= to`, oldest first.
    fn srv_billed_months(&self, group: &str, from: &str, to: &str) -> Result<Vec<(String, String)>>;
    /// Adjustments `(month, enrollment, office, amount)` of the months `from ..= to`, in order.
    fn srv_billed_adjustments(&self, group: &str, from: &str, to: &str) -> Result<Vec<(String, String, String, i64)>>;
    fn srv_adjust_billed(&self, group: &str, month: &str, enrollment: &str, office: &str, amount: i64) -> Result<()>;
    /// [`LedgerTx::srv_adjust_billed`] for each `(enrollment, office, amount)` of `month`, in order.
    fn srv_adjust_billed_rows(&self, group: &str, month: &str, rows: &[(&str, &str, i64)]) -> Result<()> {
        rows.iter()
            .try_for_each(|(e, o, amount)| self.srv_adjust_billed(group, month, e, o, *amount))
    }
    /// Set a month's billed entries.
    fn srv_put_billed_month(&self, group: &str, month: &str, doc: &str) -> Result<()>;
    fn srv_carry_over(&self, group: &str, month: &str) -> Result<Vec<CarryOverRow>>;
    /// Set the carry-over entries of `month` (replacing any).
    fn srv_set_carry_over(&self, group: &str, month: &str, rows: &[CarryOverRow]) -> Result<()>;

    // ---- package versions -----------------------------------------------------------------
    /// Remember a version the server computed (first time only).
    fn srv_record_version(&self, group: &str, version: &str, month: &str, summary: &str, at: &str) -> Result<()>;
    /// `(month, summary)` of a version the server computed for the group.
    fn srv_version(&self, group: &str, version: &str) -> Result<Option<(String, String)>>;

    // ---- reports --------------------------------------------------------------------------
    fn srv_report_by_key(&self, group: &str, key: &str) -> Result<Option<ReportRow>>;
    fn srv_report_for_month(&self, group: &str, month: &str) -> Result<Option<ReportRow>>;
    /// The latest reported month of the group, if any.
    fn srv_last_reported_month(&self, group: &str) -> Result<Option<String>>;
    /// Record a report; its receipt number is `R-<yyyymmdd of received_at>-<n, 6 digits>`, `n`
    /// from a sequence that never hands a number out twice.
    fn srv_insert_report(&self, r: &NewReport<'_>) -> Result<ReportRow>;
    fn srv_insert_office_results(&self, report: &ReportRow, rows: &[OfficeResultRow]) -> Result<()>;
    fn srv_office_results(&self, group: &str, month: &str) -> Result<Vec<OfficeResultRow>>;
    fn srv_insert_individual_bills(&self, report_id: i64, rows: &[IndividualBillRow]) -> Result<()>;

    // ---- payments -------------------------------------------------------------------------
    fn srv_insert_payment(&self, p: &PaymentRow) -> Result<i64>;
    /// Σ payments per office for (group, month).
    fn srv_received(&self, group: &str, month: &str) -> Result<Vec<(String, i64)>>;

    // ---- tokens ---------------------------------------------------------------------------
    /// A token (its hash) that is valid until `expires_at` (RFC 3339; `None`: never).
    fn srv_insert_token(
        &self,
        token_hash: &str,
        role: &str,
        group_code: Option<&str>,
        label: &str,
        at: &str,
        expires_at: Option<&str>,
    ) -> Result<i64>;
    /// A token by its hash, revoked and expired ones included (the caller decides).
    fn srv_token(&self, token_hash: &str) -> Result<Option<TokenRow>>;
    fn srv_token_by_id(&self, id: i64) -> Result<Option<TokenRow>>;
    /// Every token (never its hash), oldest first.
    fn srv_tokens(&self) -> Result<Vec<TokenRow>>;
    /// Move a token's expiry (RFC 3339).
    fn srv_set_token_expiry(&self, id: i64, expires_at: &str) -> Result<()>;
    /// Revoke a token; `false` when there is no such token or it was revoked already.
    fn srv_revoke_token(&self, id: i64, at: &str) -> Result<bool>;
    /// Staff tokens still usable at `now`.
    fn srv_staff_tokens(&self, now: &str) -> Result<i64>;

    // ---- audit ----------------------------------------------------------------------------
    /// Append to the audit log (append-only: the database refuses UPDATE and DELETE).
    fn audit(&self, a: &Audit<'_>) -> Result<()>;
    /// [`LedgerTx::audit`] for each entry, in order (their ids rise in that order).
    fn audit_all(&self, entries: &[Audit<'_>]) -> Result<()> {
        entries.iter().try_for_each(|a| self.audit(a))
    }
    /// The audit log, newest last; `limit` newest entries when given.
    fn audit_log(&self, limit: Option<i64>) -> Result<Vec<AuditRow>>;
}
