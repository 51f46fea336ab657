//! The insurer's API tokens (`srv_tokens`, migrations 0002 and 0005): only a token's SHA-256 is
//! stored, with its role, group, when it expires and when it was revoked.

use rusqlite::{params, OptionalExtension};

use crate::{Result, Tx};

/// Who a token belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    /// `staff` or `group`.
    pub role: String,
    pub group_code: Option<String>,
    pub label: String,
    pub created_at: String,
    /// RFC 3339; `None`: does not expire.
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

const TOKEN_COLUMNS: &str = "id, role, group_code, label, created_at, expires_at, revoked_at";

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        role: r.get(1)?,
        group_code: r.get(2)?,
        label: r.get(3)?,
        created_at: r.get(4)?,
        expires_at: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}

impl Tx<'_> {
    /// A token (its hash) that is valid until `expires_at` (an RFC 3339 time; `None`: never).
    pub(crate) fn insert_token(
        &self,
        token_hash: &str,
        role: &str,
        group_code: Option<&str>,
        label: &str,
        at: &str,
        expires_at: Option<&str>,
    ) -> Result<i64> {
        self.0.execute(
            "INSERT INTO srv_tokens (token_hash, role, group_code, label, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![token_hash, role, group_code, label, at, expires_at],
        )?;
        Ok(self.0.last_insert_rowid())
    }

    /// A token by its hash, revoked and expired ones included (the caller decides).
    pub(crate) fn token(&self, token_hash: &str) -> Result<Option<TokenRow>> {
        let mut st = self
            .0
            .prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM srv_tokens WHERE token_hash = ?1"))?;
        Ok(st.query_row([token_hash], token_row).optional()?)
    }

    pub(crate) fn token_by_id(&self, id: i64) -> Result<Option<TokenRow>> {
        let mut st = self
            .0
            .prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM srv_tokens WHERE id = ?1"))?;
        Ok(st.query_row([id], token_row).optional()?)
    }

    /// Every token (never its hash), oldest first.
    pub(crate) fn tokens(&self) -> Result<Vec<TokenRow>> {
        let mut st = self
            .0
            .prepare_cached(&format!("SELECT {TOKEN_COLUMNS} FROM srv_tokens ORDER BY id"))?;
        let rows = st.query_map([], token_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Move a token's expiry (RFC 3339).
    pub(crate) fn set_token_expiry(&self, id: i64, expires_at: &str) -> Result<()> {
        self.0.execute(
            "UPDATE srv_tokens SET expires_at = ?2 WHERE id = ?1",
            params![id, expires_at],
        )?;
        Ok(())
    }

    /// Revoke a token; `false` when there is no such token or it was revoked already.
    pub(crate) fn revoke_token(&self, id: i64, at: &str) -> Result<bool> {
        Ok(self.0.execute(
            "UPDATE srv_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id, at],
        )? == 1)
    }

    /// Staff tokens still usable at `now` (RFC 3339 in the server's one offset).
    pub(crate) fn staff_tokens(&self, now: &str) -> Result<i64> {
        Ok(self.0.query_row(
            "SELECT COUNT(*) FROM srv_tokens WHERE role = 'staff' AND revoked_at IS NULL
             AND (expires_at IS NULL OR expires_at > ?1)",
            [now],
            |r| r.get(0),
        )?)
    }
}
