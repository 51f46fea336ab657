//! What the use cases keep between calls on one store ([`Memo`], held by the store value, so by
//! the desktop's session or one `month-end` run): the parsed package, the month's ledger with
//! the accepted changes replayed, and a confirmed month's frozen bill. Each is kept under a key
//! of everything it was made from and is used only when that key still matches.

use std::collections::BTreeMap;
use std::sync::Arc;

use infoone_domain::change;
use infoone_domain::ledger::{Billed, Ledger};
use infoone_domain::money::Yen;
use infoone_domain::month::YearMonth;
use infoone_formats::bill_doc::BillDoc;
use infoone_formats::change as change_json;
use infoone_formats::package::{self, BillPackage};
use infoone_store::memo::Memo;
use infoone_store::{MonthRow, MonthState, Store, Tx};
use sha2::{Digest, Sha256};

use crate::{find_month, AppError, ErrorCode, MonthRef, Result};

/// The last package parsed on this store, by database file, month and load time (a reload
/// changes the load time), so a 750 MB package is parsed once per session, not once per step.
#[derive(Clone)]
struct KeptPackage(String, Arc<BillPackage>);

pub(crate) fn package_key(tx: &Tx<'_>, row: &MonthRow) -> Option<String> {
    let path = tx.db_path().filter(|p| !p.is_empty())?;
    Some(format!(
        "{path}\n{}\n{}\n{}",
        row.id, row.loaded_at, row.package_version
    ))
}

/// The month's package as stored.
pub(crate) fn stored_package(tx: &Tx<'_>, row: &MonthRow) -> Result<Arc<BillPackage>> {
    let key = package_key(tx, row);
    if let (Some(key), Some(KeptPackage(cached, pkg))) = (&key, tx.memo().get::<KeptPackage>()) {
        if *key == cached {
            return Ok(pkg);
        }
    }
    let bytes = tx.package(row.id)?;
    let pkg = Arc::new(
        package::parse_stored_package(&row.package_file, &bytes).map_err(|e| AppError::bad_input(e.to_string()))?,
    );
    if let Some(key) = key {
        remember_package(tx.memo(), key, &pkg);
    }
    Ok(pkg)
}

pub(crate) fn remember_package(memo: &Memo, key: String, pkg: &Arc<BillPackage>) {
    memo.put(KeptPackage(key, Arc::clone(pkg)));
}

/// The last month ledger a use case worked with on this store, by a key of everything it was
/// built from: the database file, the month, its package version, the accepted changes in replay
/// order and the earlier months it took billed amounts from. A long-lived session (the desktop,
/// `month-end`) so parses and replays a 300,000-member month once, not in every step.
struct KeptLedger([u8; 32], Ledger);

pub(crate) fn ledger_key(tx: &Tx<'_>, row: &MonthRow) -> Result<Option<[u8; 32]>> {
    let Some(path) = tx.db_path().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let mut h = Sha256::new();
    h.update(format!(
        "{path}\0{}\0{}\0{}\0",
        row.id, row.loaded_at, row.package_version
    ));
    for c in tx.accepted_changes(row.id)? {
        h.update(format!("{}:{:?}:", c.id, c.applied_seq));
        h.update(c.payload.as_bytes());
    }
    for earlier in tx.months_of_group(&row.group_code)? {
        if earlier.month < row.month && earlier.state >= MonthState::Confirmed {
            h.update(format!("|{}:{}:{}", earlier.id, earlier.revision, earlier.state));
        }
    }
    Ok(Some(h.finalize().into()))
}

/// Put a ledger back for the next use case (after a read, or after changes were accepted).
pub(crate) fn keep_ledger(tx: &Tx<'_>, row: &MonthRow, ledger: Ledger) -> Result<()> {
    if let Some(key) = ledger_key(tx, row)? {
        tx.memo().put(KeptLedger(key, ledger));
    }
    Ok(())
}

/// Billed amounts of earlier months this database confirmed (DOMAIN.md §4: "or it is confirmed
/// in the local database"), per month, net of their retro lines.
fn locally_confirmed(tx: &Tx<'_>, row: &MonthRow) -> Result<Vec<(YearMonth, Vec<Billed>)>> {
    let mut per_month: BTreeMap<YearMonth, BTreeMap<String, Billed>> = BTreeMap::new();
    for earlier in tx.months_of_group(&row.group_code)? {
        if earlier.month >= row.month || earlier.state < MonthState::Confirmed {
            continue;
        }
        let Some(text) = tx.frozen_bill(earlier.id)? else {
            continue;
        };
        let doc: BillDoc =
            serde_json::from_str(&text).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        per_month.entry(earlier.month).or_default();
        for o in &doc.offices {
            for l in &o.lines {
                let Ok(m) = l.month.parse::<YearMonth>() else {
                    continue;
                };
                let entry = per_month
                    .entry(m)
                    .or_default()
                    .entry(l.enrollment.clone())
                    .or_insert_with(|| Billed {
                        month: m,
                        enrollment: l.enrollment.clone(),
                        office: o.code.clone(),
                        amount: Yen::ZERO,
                    });
                if l.kind != "carry_over" {
                    entry.amount += Yen::new(l.amount);
                }
            }
        }
    }
    Ok(per_month
        .into_iter()
        .map(|(m, b)| (m, b.into_values().collect()))
        .collect())
}

/// The month's ledger as it stands: the package with the accepted changes replayed in order.
/// Taken from the cache when it holds exactly this state (give it back with [`keep_ledger`]).
pub(crate) fn current_ledger(tx: &Tx<'_>, row: &MonthRow) -> Result<(Arc<BillPackage>, Ledger)> {
    let pkg = stored_package(tx, row)?;
    if let Some(key) = ledger_key(tx, row)? {
        match tx.memo().take::<KeptLedger>() {
            Some(KeptLedger(k, ledger)) if k == key => return Ok((pkg, ledger)),
            _ => {}
        }
    }
    let changes = accepted(tx, row)?;
    let ledger = replay(&pkg, &locally_confirmed(tx, row)?, &changes)?;
    Ok((pkg, ledger))
}

fn accepted(tx: &Tx<'_>, row: &MonthRow) -> Result<Vec<(i64, String)>> {
    Ok(tx
        .accepted_changes(row.id)?
        .into_iter()
        .map(|c| (c.id, c.payload))
        .collect())
}

fn replay(pkg: &BillPackage, confirmed: &[(YearMonth, Vec<Billed>)], changes: &[(i64, String)]) -> Result<Ledger> {
    let mut ledger = infoone_formats::ledger::to_ledger(pkg, confirmed);
    for (id, payload) in changes {
        let change = change_json::from_json(payload).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        change::apply(&mut ledger, &change)
            .map_err(|r| AppError::refused(format!("承認済みの変更{id}を適用できません: {}", r.message)))?;
    }
    Ok(ledger)
}

/// What a month's ledger is made from, read in one short transaction, so that the long part
/// (parsing the package, replaying the changes: seconds on a 300,000-member group) runs with
/// the store free for other steps. The desktop's warm-up: [`ledger_work`], [`LedgerWork::build`]
/// without the store, then [`keep_built`].
pub struct LedgerWork {
    at: MonthRef,
    key: [u8; 32],
    package_key: Option<String>,
    package: Result<Arc<BillPackage>, (String, Vec<u8>)>,
    confirmed: Vec<(YearMonth, Vec<Billed>)>,
    changes: Vec<(i64, String)>,
}

/// A ledger made by [`LedgerWork::build`], to be kept with [`keep_built`].
pub struct BuiltLedger {
    at: MonthRef,
    key: [u8; 32],
    package_key: Option<String>,
    package: Arc<BillPackage>,
    ledger: Ledger,
}

/// What `at`'s ledger is made from; `None` when the store already keeps it as it stands (or
/// keeps nothing: an in-memory database).
pub fn ledger_work(store: &mut Store, at: &MonthRef) -> Result<Option<LedgerWork>> {
    store.read(|tx| {
        let row = find_month(tx, at)?;
        let Some(key) = ledger_key(tx, &row)? else {
            return Ok(None);
        };
        if tx.memo().with(|k: &KeptLedger| k.0 == key) == Some(true) {
            return Ok(None);
        }
        let package_key = package_key(tx, &row);
        let kept = tx
            .memo()
            .get::<KeptPackage>()
            .filter(|k| Some(&k.0) == package_key.as_ref());
        let package = match kept {
            Some(KeptPackage(_, pkg)) => Ok(pkg),
            None => Err((row.package_file.clone(), tx.package(row.id)?)),
        };
        Ok(Some(LedgerWork {
            at: at.clone(),
            key,
            package_key,
            package,
            confirmed: locally_confirmed(tx, &row)?,
            changes: accepted(tx, &row)?,
        }))
    })
}

impl LedgerWork {
    /// Parse and replay, touching no store.
    pub fn build(self) -> Result<BuiltLedger> {
        let package = match self.package {
            Ok(pkg) => pkg,
            Err((file, bytes)) => {
                Arc::new(package::parse_stored_package(&file, &bytes).map_err(|e| AppError::bad_input(e.to_string()))?)
            }
        };
        let ledger = replay(&package, &self.confirmed, &self.changes)?;
        Ok(BuiltLedger {
            at: self.at,
            key: self.key,
            package_key: self.package_key,
            package,
            ledger,
        })
    }
}

/// Keep a built ledger for the next steps, if the month is still as it was read (a change
/// accepted meanwhile makes it stale: then it is dropped and `false` returned).
pub fn keep_built(store: &mut Store, built: BuiltLedger) -> Result<bool> {
    store.read(|tx| {
        let row = find_month(tx, &built.at)?;
        if ledger_key(tx, &row)? != Some(built.key) {
            return Ok(false);
        }
        if let Some(key) = built.package_key {
            remember_package(tx.memo(), key, &built.package);
        }
        tx.memo().put(KeptLedger(built.key, built.ledger));
        Ok(true)
    })
}

/// The last frozen bill read or confirmed on this store, by database file, month, load and
/// revision (a frozen bill never changes: triggers refuse it; a reopen and a new confirmation
/// give a new revision), so the outputs of a 643,000-line month parse it once per session.
#[derive(Clone)]
struct KeptFrozen(String, Arc<BillDoc>);

pub(crate) fn frozen_key(tx: &Tx<'_>, row: &MonthRow, revision: i64) -> Option<String> {
    package_key(tx, row).map(|k| format!("{k}\n{revision}"))
}

pub(crate) fn remember_frozen(memo: &Memo, key: Option<String>, doc: &Arc<BillDoc>) {
    if let Some(key) = key {
        memo.put(KeptFrozen(key, Arc::clone(doc)));
    }
}

/// The month's frozen bill (`None` before it is confirmed).
pub(crate) fn frozen(tx: &Tx<'_>, row: &MonthRow) -> Result<Option<Arc<BillDoc>>> {
    if row.state < MonthState::Confirmed {
        return Ok(None);
    }
    let key = frozen_key(tx, row, row.revision);
    if let (Some(key), Some(KeptFrozen(cached, doc))) = (&key, tx.memo().get::<KeptFrozen>()) {
        if *key == cached {
            return Ok(Some(doc));
        }
    }
    match tx.frozen_bill(row.id)? {
        Some(text) => {
            let doc: Arc<BillDoc> =
                Arc::new(serde_json::from_str(&text).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?);
            remember_frozen(tx.memo(), key, &doc);
            Ok(Some(doc))
        }
        None => Ok(None),
    }
}
