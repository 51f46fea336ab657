//! The clerk's side of the insurer API (migration 0003): each group's server (URL and optional
//! CA file — never the token, which lives in the OS keyring) and the outbox of result reports.
//!
//! "Never two reports for one month" holds below every caller: a partial unique index allows one
//! queued-or-sent entry per month, a trigger refuses queueing a month already reported, and a
//! sent entry is final.

use rusqlite::{params, OptionalExtension};

use crate::{Result, StoreError, Tx};

/// Where a group's insurer API is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerRow {
    pub group_code: String,
    pub url: String,
    pub ca_file: Option<String>,
    pub updated_at: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    Queued,
    Sent,
    Failed,
    Superseded,
}

impl OutboxStatus {
    pub fn code(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Superseded => "superseded",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "送信待ち",
            OutboxStatus::Sent => "送信済",
            OutboxStatus::Failed => "受付拒否",
            OutboxStatus::Superseded => "差し替え済",
        }
    }
}

impl std::str::FromStr for OutboxStatus {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<OutboxStatus> {
        [
            OutboxStatus::Queued,
            OutboxStatus::Sent,
            OutboxStatus::Failed,
            OutboxStatus::Superseded,
        ]
        .into_iter()
        .find(|x| x.code() == s)
        .ok_or_else(|| StoreError::Invalid(format!("unknown outbox status {s}")))
    }
}

/// One result report in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub group_code: String,
    pub month: String,
    pub revision: i64,
    pub package_version: String,
    pub idempotency_key: String,
    pub body: Vec<u8>,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub error_code: Option<String>,
    pub receipt_no: Option<String>,
    pub receipt: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A report to put in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOutgoing<'a> {
    pub group_code: &'a str,
    pub month: &'a str,
    pub revision: i64,
    pub package_version: &'a str,
    pub idempotency_key: &'a str,
    pub body: &'a [u8],
}

const OUTBOX_COLUMNS: &str = "id, group_code, month, revision, package_version, idempotency_key, body, status, attempts, last_error, error_code, receipt_no, receipt, created_at, updated_at";

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    let status: String = r.get(7)?;
    Ok(OutboxRow {
        id: r.get(0)?,
        group_code: r.get(1)?,
        month: r.get(2)?,
        revision: r.get(3)?,
        package_version: r.get(4)?,
        idempotency_key: r.get(5)?,
        body: r.get(6)?,
        status: status.parse().map_err(|e: StoreError| {
            rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, e.to_string().into())
        })?,
        attempts: r.get(8)?,
        last_error: r.get(9)?,
        error_code: r.get(10)?,
        receipt_no: r.get(11)?,
        receipt: r.get(12)?,
        created_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

impl Tx<'_> {
    /// Remember (or change) where a group's insurer API is.
    pub fn set_server(&self, group_code: &str, url: &str, ca_file: Option<&str>, at: &str) -> Result<()> {
        self.0.execute(
            "INSERT INTO servers (group_code, url, ca_file, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (group_code) DO UPDATE SET url = excluded.url, ca_file = excluded.ca_file,
             updated_at = excluded.updated_at",
            params![group_code, url, ca_file, at],
        )?;
        Ok(())
    }

    pub fn server(&self, group_code: &str) -> Result<Option<ServerRow>> {
        Ok(self
            .0
            .query_row(
                "SELECT group_code, url, ca_file, updated_at FROM servers WHERE group_code = ?1",
                [group_code],
                |r| {
                    Ok(ServerRow {
                        group_code: r.get(0)?,
                        url: r.get(1)?,
                        ca_file: r.get(2)?,
                        updated_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn servers(&self) -> Result<Vec<ServerRow>> {
        let mut st = self
            .0
            .prepare_cached("SELECT group_code, url, ca_file, updated_at FROM servers ORDER BY group_code")?;
        let rows = st
            .query_map([], |r| {
                Ok(ServerRow {
                    group_code: r.get(0)?,
                    url: r.get(1)?,
                    ca_file: r.get(2)?,
                    updated_at: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn insert_outgoing(&self, o: &NewOutgoing<'_>, at: &str) -> Result<i64> {
        self.0.execute(
            "INSERT INTO outbox (group_code, month, revision, package_version, idempotency_key, body, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![o.group_code, o.month, o.revision, o.package_version, o.idempotency_key, o.body, at],
        )?;
        Ok(self.0.last_insert_rowid())
    }

    pub fn outgoing(&self, id: i64) -> Result<Option<OutboxRow>> {
        Ok(self
            .0
            .query_row(
                &format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                outbox_row,
            )
            .optional()?)
    }

    pub fn outgoing_by_key(&self, key: &str) -> Result<Option<OutboxRow>> {
        Ok(self
            .0
            .query_row(
                &format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE idempotency_key = ?1"),
                [key],
                outbox_row,
            )
            .optional()?)
    }

    /// The outbox entries of a month, oldest first.
    pub fn outbox_of_month(&self, group_code: &str, month: &str) -> Result<Vec<OutboxRow>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE group_code = ?1 AND month = ?2 ORDER BY id"
        ))?;
        let rows = st
            .query_map(params![group_code, month], outbox_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Entries with `status`, oldest first (every status when `None`).
    pub fn outbox(&self, status: Option<OutboxStatus>) -> Result<Vec<OutboxRow>> {
        let mut st = self.0.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE ?1 IS NULL OR status = ?1 ORDER BY id"
        ))?;
        let rows = st
            .query_map([status.map(OutboxStatus::code)], outbox_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// One more attempt that did not reach an answer (offline, timeout, 5xx): stays queued.
    pub fn outgoing_attempted(&self, id: i64, error: &str, at: &str) -> Result<()> {
        self.0.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, error, at],
        )?;
        Ok(())
    }

    /// The insurer answered with a receipt.
    pub fn outgoing_sent(&self, id: i64, receipt_no: &str, receipt: &str, at: &str) -> Result<()> {
        self.0.execute(
            "UPDATE outbox SET status = 'sent', attempts = attempts + 1, receipt_no = ?2, receipt = ?3,
             last_error = NULL, error_code = NULL, updated_at = ?4 WHERE id = ?1",
            params![id, receipt_no, receipt, at],
        )?;
        Ok(())
    }

    /// The insurer refused it (409/422): `code` is the server's error code.
    pub fn outgoing_failed(&self, id: i64, code: &str, message: &str, at: &str) -> Result<()> {
        self.0.execute(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, error_code = ?2,
             last_error = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, code, message, at],
        )?;
        Ok(())
    }

    /// Back in the queue (a refused report the clerk sends again, unchanged).
    pub fn outgoing_requeued(&self, id: i64, at: &str) -> Result<()> {
        self.0.execute(
            "UPDATE outbox SET status = 'queued', attempts = 0, updated_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        Ok(())
    }

    /// Hold a queued entry for sending until `until` (unix seconds) as `holder`; `false` when
    /// another holder's claim still runs (or the entry is no longer queued). Call it inside an
    /// IMMEDIATE transaction ([`crate::Store::write`]) so two processes cannot both win.
    pub fn outgoing_claim(&self, id: i64, holder: &str, now: i64, until: i64) -> Result<bool> {
        Ok(self.0.execute(
            "UPDATE outbox SET claimed_by = ?2, claimed_until = ?4
             WHERE id = ?1 AND status = 'queued'
               AND (claimed_by IS NULL OR claimed_by = ?2 OR claimed_until IS NULL OR claimed_until <= ?3)",
            params![id, holder, now, until],
        )? == 1)
    }

    /// Let go of an entry `holder` claimed (a sent entry keeps its row as it is: it is final).
    pub fn outgoing_release(&self, id: i64, holder: &str) -> Result<()> {
        self.0.execute(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL
             WHERE id = ?1 AND claimed_by = ?2 AND status <> 'sent'",
            params![id, holder],
        )?;
        Ok(())
    }

    /// The month was reopened and reconfirmed before this report went out.
    pub fn outgoing_superseded(&self, id: i64, at: &str) -> Result<()> {
        self.0.execute(
            "UPDATE outbox SET status = 'superseded', updated_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MonthState, Store};

    fn store() -> (Store, i64) {
        let mut s = Store::open_in_memory().unwrap();
        let id = s
            .transaction(|tx| {
                let id = tx.insert_month("G1", "2026-12".parse().unwrap(), "v1", "p.json", b"{}", "t")?;
                tx.confirm(id, "{}")?;
                tx.set_deductions(id, "{}")?;
                Ok::<_, StoreError>(id)
            })
            .unwrap();
        (s, id)
    }

    fn new<'a>(key: &'a str) -> NewOutgoing<'a> {
        NewOutgoing {
            group_code: "G1",
            month: "2026-12",
            revision: 1,
            package_version: "v1",
            idempotency_key: key,
            body: b"{}",
        }
    }

    #[test]
    fn one_queued_or_sent_report_per_month() {
        let (mut s, _) = store();
        let a = s.transaction(|tx| tx.insert_outgoing(&new("k1"), "t")).unwrap();
        let err = s.transaction(|tx| tx.insert_outgoing(&new("k2"), "t")).unwrap_err();
        assert!(err.to_string().contains("UNIQUE"), "{err}");
        // Superseded, the month can take a new one.
        s.transaction(|tx| tx.outgoing_superseded(a, "t")).unwrap();
        s.transaction(|tx| tx.insert_outgoing(&new("k2"), "t")).unwrap();
        let queued = s.read(|tx| tx.outbox(Some(OutboxStatus::Queued))).unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].idempotency_key, "k2");
    }

    #[test]
    fn a_sent_report_is_final_and_a_reported_month_is_not_queued() {
        let (mut s, month) = store();
        let a = s.transaction(|tx| tx.insert_outgoing(&new("k1"), "t")).unwrap();
        s.transaction(|tx| {
            tx.outgoing_sent(a, "R-1", "{}", "t")?;
            tx.set_reported(month, "R-1")
        })
        .unwrap();
        let err = s.transaction(|tx| tx.outgoing_requeued(a, "t")).unwrap_err();
        assert!(err.to_string().contains("final"), "{err}");
        let err = s.transaction(|tx| tx.insert_outgoing(&new("k2"), "t")).unwrap_err();
        assert!(err.to_string().contains("already reported"), "{err}");
        let row = s.read(|tx| tx.outgoing(a)).unwrap().unwrap();
        assert_eq!(
            (row.status, row.receipt_no.as_deref(), row.attempts),
            (OutboxStatus::Sent, Some("R-1"), 1)
        );
        let m = s
            .read(|tx| tx.month("G1", "2026-12".parse().unwrap()))
            .unwrap()
            .unwrap();
        assert_eq!(m.state, MonthState::Reported);
    }

    #[test]
    fn servers_hold_no_token_and_only_https() {
        let (mut s, _) = store();
        s.transaction(|tx| tx.set_server("G1", "https://api.example.jp", None, "t"))
            .unwrap();
        s.transaction(|tx| tx.set_server("G1", "https://api2.example.jp", Some("/ca.pem"), "t2"))
            .unwrap();
        let row = s.read(|tx| tx.server("G1")).unwrap().unwrap();
        assert_eq!(
            (row.url.as_str(), row.ca_file.as_deref()),
            ("https://api2.example.jp", Some("/ca.pem"))
        );
        let err = s
            .transaction(|tx| tx.set_server("G2", "http://api.example.jp", None, "t"))
            .unwrap_err();
        assert!(err.to_string().contains("CHECK"), "{err}");
    }
}
