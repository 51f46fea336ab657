//! The writes of an accepted report that touch many rows (members and enrollments the changes
//! touched, Web applications closed, billed adjustments, audit entries), each as one statement
//! per [`CHUNK`] rows (`UNNEST` of arrays) instead of one round trip per row. The same effect as
//! the one-row operations of [`LedgerTx`](infoone_store::LedgerTx) called in order.

use infoone_store::ledger_db::MemberRow;
use infoone_store::Audit;

use crate::tx::{PgTx, Result, CHUNK};

impl PgTx<'_> {
    pub(crate) fn close_applications(&self, group: &str, rows: &[(&str, &str)]) -> Result<()> {
        for chunk in rows.chunks(CHUNK) {
            let ids: Vec<&str> = chunk.iter().map(|r| r.0).collect();
            let status: Vec<&str> = chunk.iter().map(|r| r.1).collect();
            self.exec(
                "UPDATE srv_applications AS a SET status = x.s
                 FROM UNNEST($2::text[], $3::text[]) AS x(i, s)
                 WHERE a.group_code = $1 AND a.id = x.i",
                &[&group, &ids, &status],
            )?;
        }
        Ok(())
    }

    /// Upserts; no employee number twice in `rows` (one statement cannot change a row twice).
    pub(crate) fn put_members(&self, group: &str, rows: &[(MemberRow, i64)]) -> Result<()> {
        for chunk in rows.chunks(CHUNK) {
            let nos: Vec<&str> = chunk.iter().map(|(m, _)| m.employee_no.as_str()).collect();
            let seqs: Vec<i64> = chunk.iter().map(|(_, s)| *s).collect();
            let base: Vec<&str> = chunk.iter().map(|(m, _)| m.base_month.as_str()).collect();
            let docs: Vec<&str> = chunk.iter().map(|(m, _)| m.doc.as_str()).collect();
            let transfers: Vec<&str> = chunk.iter().map(|(m, _)| m.transfers.as_str()).collect();
            self.exec(
                "INSERT INTO srv_members (group_code, employee_no, seq, base_month, doc, transfers)
                 SELECT $1, e, s, b, d, t
                 FROM UNNEST($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[]) AS x(e, s, b, d, t)
                 ON CONFLICT (group_code, employee_no) DO UPDATE SET
                     base_month = excluded.base_month, doc = excluded.doc, transfers = excluded.transfers",
                &[&group, &nos, &seqs, &base, &docs, &transfers],
            )?;
        }
        Ok(())
    }

    /// Upserts `(id, doc, seq_if_new)`; no id twice in `rows`.
    pub(crate) fn put_enrollments(&self, group: &str, rows: &[(String, String, i64)]) -> Result<()> {
        for chunk in rows.chunks(CHUNK) {
            let ids: Vec<&str> = chunk.iter().map(|r| r.0.as_str()).collect();
            let docs: Vec<&str> = chunk.iter().map(|r| r.1.as_str()).collect();
            let seqs: Vec<i64> = chunk.iter().map(|r| r.2).collect();
            self.exec(
                "INSERT INTO srv_enrollments (group_code, id, seq, doc)
                 SELECT $1, i, s, d FROM UNNEST($2::text[], $3::bigint[], $4::text[]) AS x(i, s, d)
                 ON CONFLICT (group_code, id) DO UPDATE SET doc = excluded.doc",
                &[&group, &ids, &seqs, &docs],
            )?;
        }
        Ok(())
    }

    /// Appended in the order given (`srv_billed_adjustments` reads them back by id).
    pub(crate) fn adjust_billed_rows(&self, group: &str, month: &str, rows: &[(&str, &str, i64)]) -> Result<()> {
        for chunk in rows.chunks(CHUNK) {
            let enrollment: Vec<&str> = chunk.iter().map(|r| r.0).collect();
            let office: Vec<&str> = chunk.iter().map(|r| r.1).collect();
            let amount: Vec<i64> = chunk.iter().map(|r| r.2).collect();
            self.exec(
                "INSERT INTO srv_billed_adjust (group_code, month, enrollment, office, amount)
                 SELECT $1, $2, e, o, a
                 FROM UNNEST($3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY AS x(e, o, a, n)
                 ORDER BY n",
                &[&group, &month, &enrollment, &office, &amount],
            )?;
        }
        Ok(())
    }

    /// Appended in the order given: the identity column draws the ids in the SELECT's order.
    pub(crate) fn audit_rows(&self, entries: &[Audit<'_>]) -> Result<()> {
        for chunk in entries.chunks(CHUNK) {
            let at: Vec<&str> = chunk.iter().map(|a| a.at).collect();
            let group_code: Vec<Option<&str>> = chunk.iter().map(|a| a.group_code).collect();
            let month: Vec<Option<String>> = chunk.iter().map(|a| a.month.map(|m| m.to_string())).collect();
            let action: Vec<&str> = chunk.iter().map(|a| a.action).collect();
            let entity: Vec<Option<&str>> = chunk.iter().map(|a| a.entity).collect();
            let key: Vec<Option<&str>> = chunk.iter().map(|a| a.key).collect();
            let before: Vec<Option<&str>> = chunk.iter().map(|a| a.before).collect();
            let after: Vec<Option<&str>> = chunk.iter().map(|a| a.after).collect();
            let source: Vec<Option<&str>> = chunk.iter().map(|a| a.source).collect();
            let detail: Vec<Option<&str>> = chunk.iter().map(|a| a.detail).collect();
            self.exec(
                "INSERT INTO audit_log (at, group_code, month, action, entity, key, before, after, source, detail)
                 SELECT t, g, m, ac, e, k, b, af, s, d
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                             $7::text[], $8::text[], $9::text[], $10::text[])
                     WITH ORDINALITY AS x(t, g, m, ac, e, k, b, af, s, d, n)
                 ORDER BY n",
                &[
                    &at,
                    &group_code,
                    &month,
                    &action,
                    &entity,
                    &key,
                    &before,
                    &after,
                    &source,
                    &detail,
                ],
            )?;
        }
        Ok(())
    }
}
