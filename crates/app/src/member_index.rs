//! The members table's rows with their search keys, kept in the database beside the month
//! (encrypted with it; migration 0007, kind `members`) under a hash of the ledger they were made
//! from. On a 300,000-member group the rows take the whole ledger (package parsed, changes
//! replayed: seconds); kept, the window shows the table a fraction of a second after it starts.
//! A cache, never the record: rows whose key differs from the ledger's current key are made again.

use infoone_domain::ledger::MemberStatus;
use infoone_formats::text::fold_search;
use infoone_store::{MonthRow, Store, Tx};
use sha2::{Digest, Sha256};

use crate::browse::{self, MemberRow};
use crate::{find_month, ledger_key, AppError, ErrorCode, MonthRef, Result};

const KIND: &str = "members";
/// Bumped when the rows' shape or the search key's folding changes.
const VERSION: &str = "members-1";

/// The month's members, each with its search key (employee number, name and kana, folded by
/// [`fold_search`] and joined by tabs).
pub struct MemberIndex {
    pub rows: Vec<MemberRow>,
    pub keys: Vec<String>,
}

/// One row as kept: employee number, name, kana, office, status code, products, enrollments,
/// search key.
type KeptRow = (String, String, String, String, String, Vec<String>, usize, String);
/// The same, borrowed from the rows being written (no copy of 300,000 rows to write them).
type KeptRowRef<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    &'a [String],
    usize,
    &'a str,
);

fn index_key(tx: &Tx<'_>, row: &MonthRow) -> Result<Option<Vec<u8>>> {
    let Some(ledger) = ledger_key(tx, row)? else {
        return Ok(None);
    };
    let mut h = Sha256::new();
    h.update(VERSION);
    h.update(ledger);
    Ok(Some(h.finalize().to_vec()))
}

fn label(status: &str) -> String {
    [MemberStatus::Active, MemberStatus::Leave, MemberStatus::Retired]
        .into_iter()
        .find(|s| browse::status_code(*s) == status)
        .map_or_else(|| status.to_string(), |s| s.label().to_string())
}

fn read_kept(tx: &Tx<'_>, row: &MonthRow) -> Result<Option<MemberIndex>> {
    let Some(key) = index_key(tx, row)? else {
        return Ok(None);
    };
    let Some((kept_key, body)) = tx.month_cache(row.id, KIND)? else {
        return Ok(None);
    };
    if kept_key != key {
        return Ok(None);
    }
    // A body that does not read is made again, like a stale one.
    let Ok(kept) = serde_json::from_slice::<Vec<KeptRow>>(&body) else {
        return Ok(None);
    };
    let mut index = MemberIndex {
        rows: Vec::with_capacity(kept.len()),
        keys: Vec::with_capacity(kept.len()),
    };
    for (employee_no, name, name_kana, office, status, products, enrollments, key) in kept {
        index.rows.push(MemberRow {
            employee_no,
            name,
            name_kana,
            office,
            status_label: label(&status),
            status,
            products,
            enrollments,
        });
        index.keys.push(key);
    }
    Ok(Some(index))
}

/// The kept rows when they still match the month's ledger; `None` when they must be made
/// ([`member_index`]). Never reads the package.
pub fn kept_member_index(store: &mut Store, at: &MonthRef) -> Result<Option<MemberIndex>> {
    store.read(|tx| read_kept(tx, &find_month(tx, at)?))
}

/// The month's members with their search keys: the kept rows when they match the ledger, else
/// made from it (and kept for the next start).
pub fn member_index(store: &mut Store, at: &MonthRef) -> Result<MemberIndex> {
    if let Some(index) = kept_member_index(store, at)? {
        return Ok(index);
    }
    let rows = browse::members(store, at)?;
    let keys: Vec<String> = rows
        .iter()
        .map(|r| fold_search(&format!("{}\t{}\t{}", r.employee_no, r.name, r.name_kana)))
        .collect();
    let kept: Vec<KeptRowRef<'_>> = rows
        .iter()
        .zip(&keys)
        .map(|(r, k)| {
            (
                r.employee_no.as_str(),
                r.name.as_str(),
                r.name_kana.as_str(),
                r.office.as_str(),
                r.status.as_str(),
                r.products.as_slice(),
                r.enrollments,
                k.as_str(),
            )
        })
        .collect();
    let body = serde_json::to_vec(&kept).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    let saved = store.transaction(|tx| -> Result<()> {
        let row = find_month(tx, at)?;
        if let Some(key) = index_key(tx, &row)? {
            tx.put_month_cache(row.id, KIND, &key, &body)?;
        }
        Ok(())
    });
    if let Err(e) = saved {
        eprintln!("加入者一覧を保存できませんでした（次回の起動が遅くなるだけです）: {e}");
    }
    Ok(MemberIndex { rows, keys })
}
