//! Moving the insurer's ledger from SQLite to PostgreSQL (`infoone server-ledger move`): every
//! table of the freshly migrated PostgreSQL schema copied from the SQLite file in one
//! transaction, the identity columns and the receipt-number sequence set past what was copied,
//! and every table compared (row count and a content hash) before the transaction commits. A
//! target that holds anything is refused; a mismatch, a value of the wrong type or any failure
//! rolls everything back, so the target is either the whole ledger or untouched.
//!
//! The SQLite file is opened read-only and never migrated: its schema version must be this
//! program's (start `infoone server --db PATH` on it once to migrate it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use infoone_store::StoreError;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use sha2::{Digest, Sha256};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};

use crate::tx::PgTx;
use crate::{pg_error, Options, PgLedger, MIGRATIONS};

type Result<T> = std::result::Result<T, StoreError>;

/// Rows sent per wait on the COPY stream.
const CHUNK: usize = 2_000;

/// One table as moved: rows and the SHA-256 of its content, the same on both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovedTable {
    pub table: String,
    pub rows: u64,
    /// Hex SHA-256 over the sorted hashes of the rows (each row: its values in column order,
    /// typed and length-prefixed), so the order rows come back in does not matter.
    pub sha256: String,
}

/// What [`move_from_sqlite`] did.
#[derive(Clone, Debug, Default)]
pub struct Moved {
    pub tables: Vec<MovedTable>,
    /// Sequences set past the copied numbers: (name, last value handed out).
    pub sequences: Vec<(String, i64)>,
    /// SQLite tables the server's PostgreSQL ledger does not have (the clerk's), all empty.
    pub empty_sqlite_only: Vec<String>,
}

/// A column's type in PostgreSQL, as the move handles it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int8,
    Int4,
    Text,
    Bytea,
}

impl Kind {
    fn of(data_type: &str) -> Option<Kind> {
        match data_type {
            "bigint" => Some(Kind::Int8),
            "integer" => Some(Kind::Int4),
            "text" => Some(Kind::Text),
            "bytea" => Some(Kind::Bytea),
            _ => None,
        }
    }

    fn pg(self) -> Type {
        match self {
            Kind::Int8 => Type::INT8,
            Kind::Int4 => Type::INT4,
            Kind::Text => Type::TEXT,
            Kind::Bytea => Type::BYTEA,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Kind::Int8 | Kind::Int4 => "整数",
            Kind::Text => "文字列",
            Kind::Bytea => "バイト列",
        }
    }
}

/// A value as both sides hash it.
#[derive(Debug)]
enum Val {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Val {
    fn hash_into(&self, h: &mut Sha256) {
        match self {
            Val::Null => h.update([0]),
            Val::Int(i) => {
                h.update([1]);
                h.update(i.to_be_bytes());
            }
            Val::Text(t) => {
                h.update([2]);
                h.update((t.len() as u64).to_be_bytes());
                h.update(t.as_bytes());
            }
            Val::Bytes(b) => {
                h.update([3]);
                h.update((b.len() as u64).to_be_bytes());
                h.update(b);
            }
        }
    }

    fn to_sql(&self, kind: Kind) -> Box<dyn ToSql + Sync + Send> {
        match (self, kind) {
            (Val::Int(i), Kind::Int4) => Box::new(i32::try_from(*i).ok()),
            (Val::Int(i), _) => Box::new(Some(*i)),
            (Val::Text(t), _) => Box::new(Some(t.clone())),
            (Val::Bytes(b), _) => Box::new(Some(b.clone())),
            (Val::Null, Kind::Int8) => Box::new(None::<i64>),
            (Val::Null, Kind::Int4) => Box::new(None::<i32>),
            (Val::Null, Kind::Text) => Box::new(None::<String>),
            (Val::Null, Kind::Bytea) => Box::new(None::<Vec<u8>>),
        }
    }
}

/// The SHA-256 of one row's values.
type RowHash = [u8; 32];

struct Column {
    name: String,
    kind: Kind,
    identity: bool,
}

struct Table {
    name: String,
    columns: Vec<Column>,
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn sqlite_err(what: &str, e: &rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("SQLite の台帳（{what}）: {e}"))
}

/// A SQLite value as the PostgreSQL column takes it, or where and why not.
fn convert(table: &str, row: u64, column: &Column, v: ValueRef<'_>) -> Result<Val> {
    let bad = |shown: String| {
        StoreError::Invalid(format!(
            "SQLite の台帳の表 {table}、{row} 行目、列 {}: 値 {shown} は PostgreSQL の列の型（{}）に入りません",
            column.name,
            column.kind.expected()
        ))
    };
    match (v, column.kind) {
        (ValueRef::Null, _) => Ok(Val::Null),
        (ValueRef::Integer(i), Kind::Int8) => Ok(Val::Int(i)),
        (ValueRef::Integer(i), Kind::Int4) if i32::try_from(i).is_ok() => Ok(Val::Int(i)),
        (ValueRef::Text(t), Kind::Text) => match std::str::from_utf8(t) {
            Ok(s) => Ok(Val::Text(s.to_string())),
            Err(_) => Err(bad(format!("（UTF-8 でない文字列 {} バイト）", t.len()))),
        },
        (ValueRef::Blob(b), Kind::Bytea) => Ok(Val::Bytes(b.to_vec())),
        (ValueRef::Integer(i), _) => Err(bad(i.to_string())),
        (ValueRef::Real(r), _) => Err(bad(r.to_string())),
        (ValueRef::Text(t), _) => {
            let s = String::from_utf8_lossy(t);
            let short: String = s.chars().take(40).collect();
            Err(bad(format!("「{short}」")))
        }
        (ValueRef::Blob(b), _) => Err(bad(format!("（バイト列 {} バイト）", b.len()))),
    }
}

fn row_hash(values: &[Val]) -> [u8; 32] {
    let mut h = Sha256::new();
    for v in values {
        v.hash_into(&mut h);
    }
    h.finalize().into()
}

fn table_hash(mut rows: Vec<[u8; 32]>) -> String {
    rows.sort_unstable();
    let mut h = Sha256::new();
    for r in &rows {
        h.update(r);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The SQLite ledger, read-only.
struct Source {
    conn: Connection,
}

impl Source {
    fn open(path: &Path) -> Result<Source> {
        if !path.is_file() {
            return Err(StoreError::Invalid(format!(
                "移行元の SQLite の台帳 {} がありません",
                path.display()
            )));
        }
        let shown = path.display().to_string();
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|e| sqlite_err(&shown, &e))?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| sqlite_err(&shown, &e))?;
        let latest = MIGRATIONS.last().map_or(0, |m| m.0);
        if version != latest {
            return Err(StoreError::Invalid(format!(
                "移行元 {shown} のスキーマの版は {version}、このプログラムは {latest} です（先に infoone --db {shown} server … で一度起動して移行してください）"
            )));
        }
        let source = Source { conn };
        if !source.tables()?.contains("srv_groups") {
            return Err(StoreError::Invalid(format!(
                "{shown} は保険会社の台帳ではありません（srv_groups の表がありません）"
            )));
        }
        Ok(source)
    }

    fn tables(&self) -> Result<BTreeSet<String>> {
        let mut st = self
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .map_err(|e| sqlite_err("tables", &e))?;
        let names = st
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(Iterator::collect)
            .map_err(|e| sqlite_err("tables", &e))?;
        Ok(names)
    }

    fn columns(&self, table: &str) -> Result<BTreeSet<String>> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT name FROM pragma_table_info({})", sql_literal(table)))
            .map_err(|e| sqlite_err(table, &e))?;
        let names = st
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(Iterator::collect)
            .map_err(|e| sqlite_err(table, &e))?;
        Ok(names)
    }

    fn count(&self, table: &str) -> Result<i64> {
        self.conn
            .query_row(&format!("SELECT COUNT(*) FROM {}", quoted(table)), [], |r| r.get(0))
            .map_err(|e| sqlite_err(table, &e))
    }

    /// The AUTOINCREMENT counter of `table` (0 without one).
    fn autoincrement(&self, table: &str) -> Result<i64> {
        if !self.tables_with_sequence()? {
            return Ok(0);
        }
        let seq: Option<i64> = self
            .conn
            .query_row("SELECT MAX(seq) FROM sqlite_sequence WHERE name = ?1", [table], |r| {
                r.get(0)
            })
            .map_err(|e| sqlite_err("sqlite_sequence", &e))?;
        Ok(seq.unwrap_or(0))
    }

    fn tables_with_sequence(&self) -> Result<bool> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| sqlite_err("sqlite_master", &e))?;
        Ok(n > 0)
    }

    /// Every row of `table`, in chunks, to `each`; returns the row hashes and the largest value
    /// of each identity column.
    fn rows(
        &self,
        table: &Table,
        mut each: impl FnMut(Vec<Vec<Val>>) -> Result<()>,
    ) -> Result<(Vec<RowHash>, BTreeMap<String, i64>)> {
        let names: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
        let sql = format!("SELECT {} FROM {}", names.join(", "), quoted(&table.name));
        let mut st = self.conn.prepare(&sql).map_err(|e| sqlite_err(&table.name, &e))?;
        let mut rows = st.query([]).map_err(|e| sqlite_err(&table.name, &e))?;
        let mut hashes = Vec::new();
        let mut max = BTreeMap::new();
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut n = 0u64;
        while let Some(row) = rows.next().map_err(|e| sqlite_err(&table.name, &e))? {
            n += 1;
            let mut values = Vec::with_capacity(table.columns.len());
            for (i, c) in table.columns.iter().enumerate() {
                let v = row.get_ref(i).map_err(|e| sqlite_err(&table.name, &e))?;
                let v = convert(&table.name, n, c, v)?;
                if let (true, Val::Int(x)) = (c.identity, &v) {
                    let m = max.entry(c.name.clone()).or_insert(0);
                    *m = (*m).max(*x);
                }
                values.push(v);
            }
            hashes.push(row_hash(&values));
            chunk.push(values);
            if chunk.len() == CHUNK {
                each(std::mem::take(&mut chunk))?;
            }
        }
        if !chunk.is_empty() {
            each(chunk)?;
        }
        Ok((hashes, max))
    }
}

fn sql_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The schema's tables (but `schema_migrations`) with their columns, parents before children.
fn target_tables(tx: &PgTx<'_>) -> Result<Vec<Table>> {
    let rows = tx.query(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_identity::text = 'YES'
           FROM information_schema.columns c
           JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
          WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
            AND c.table_name <> 'schema_migrations'
          ORDER BY c.table_name, c.ordinal_position",
        &[],
    )?;
    let mut tables: BTreeMap<String, Vec<Column>> = BTreeMap::new();
    for r in &rows {
        let table: String = r.try_get(0).map_err(pg_error)?;
        let name: String = r.try_get(1).map_err(pg_error)?;
        let data_type: String = r.try_get(2).map_err(pg_error)?;
        let identity: bool = r.try_get(3).map_err(pg_error)?;
        let kind = Kind::of(&data_type).ok_or_else(|| {
            StoreError::Invalid(format!(
                "PostgreSQL の表 {table} の列 {name} の型 {data_type} は移行できません（bigint, integer, text, bytea のみ）"
            ))
        })?;
        tables.entry(table).or_default().push(Column { name, kind, identity });
    }
    let fks = tx.query(
        "SELECT child.relname::text, parent.relname::text
           FROM pg_constraint k
           JOIN pg_class child ON child.oid = k.conrelid
           JOIN pg_class parent ON parent.oid = k.confrelid
          WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace",
        &[],
    )?;
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &fks {
        let child: String = r.try_get(0).map_err(pg_error)?;
        let parent: String = r.try_get(1).map_err(pg_error)?;
        if child != parent {
            parents.entry(child).or_default().insert(parent);
        }
    }
    // Parents first (names in order among equals, so the order is the same every time).
    let mut ordered: Vec<Table> = Vec::new();
    let mut placed: BTreeSet<String> = BTreeSet::new();
    while !tables.is_empty() {
        let ready: Vec<String> = tables
            .keys()
            .filter(|t| parents.get(*t).is_none_or(|ps| ps.iter().all(|p| placed.contains(p))))
            .cloned()
            .collect();
        if ready.is_empty() {
            return Err(StoreError::Invalid(format!(
                "PostgreSQL の表の参照が循環しています: {:?}",
                tables.keys().collect::<Vec<_>>()
            )));
        }
        for name in ready {
            if let Some(columns) = tables.remove(&name) {
                placed.insert(name.clone());
                ordered.push(Table { name, columns });
            }
        }
    }
    Ok(ordered)
}

/// COPY `chunk` into `table` (binary), on the transaction's connection.
fn copy_chunk(tx: &PgTx<'_>, table: &Table, chunk: &[Vec<Val>]) -> Result<()> {
    let (client, rt) = tx.conn();
    let names: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
    let sql = format!(
        "COPY {} ({}) FROM STDIN (FORMAT binary)",
        quoted(&table.name),
        names.join(", ")
    );
    let types: Vec<Type> = table.columns.iter().map(|c| c.kind.pg()).collect();
    rt.block_on(async {
        let sink = client.copy_in(&sql).await?;
        let writer = BinaryCopyInWriter::new(sink, &types);
        let mut writer = std::pin::pin!(writer);
        for row in chunk {
            let boxed: Vec<Box<dyn ToSql + Sync + Send>> =
                row.iter().zip(&table.columns).map(|(v, c)| v.to_sql(c.kind)).collect();
            let refs: Vec<&(dyn ToSql + Sync)> = boxed.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect();
            writer.as_mut().write(&refs).await?;
        }
        writer.finish().await
    })
    .map_err(pg_error)?;
    Ok(())
}

/// Read `table` back from PostgreSQL (rows streamed, not collected) and hash it as the source
/// was.
fn target_hash(tx: &PgTx<'_>, table: &Table) -> Result<(u64, String)> {
    use futures_util::StreamExt;
    let (client, rt) = tx.conn();
    let names: Vec<String> = table.columns.iter().map(|c| quoted(&c.name)).collect();
    let sql = format!("SELECT {} FROM {}", names.join(", "), quoted(&table.name));
    let hashes = rt.block_on(async {
        let stream = client
            .query_raw(sql.as_str(), std::iter::empty::<i64>())
            .await
            .map_err(pg_error)?;
        let mut stream = std::pin::pin!(stream);
        let mut hashes = Vec::new();
        while let Some(r) = stream.next().await {
            let r = r.map_err(pg_error)?;
            let mut values = Vec::with_capacity(table.columns.len());
            for (i, c) in table.columns.iter().enumerate() {
                let v = match c.kind {
                    Kind::Int8 => r.try_get::<_, Option<i64>>(i).map(|v| v.map_or(Val::Null, Val::Int)),
                    Kind::Int4 => r
                        .try_get::<_, Option<i32>>(i)
                        .map(|v| v.map_or(Val::Null, |x| Val::Int(i64::from(x)))),
                    Kind::Text => r
                        .try_get::<_, Option<String>>(i)
                        .map(|v| v.map_or(Val::Null, Val::Text)),
                    Kind::Bytea => r
                        .try_get::<_, Option<Vec<u8>>>(i)
                        .map(|v| v.map_or(Val::Null, Val::Bytes)),
                }
                .map_err(pg_error)?;
                values.push(v);
            }
            hashes.push(row_hash(&values));
        }
        Ok::<_, StoreError>(hashes)
    })?;
    Ok((hashes.len() as u64, table_hash(hashes)))
}

/// Copy the SQLite ledger at `from` into the empty PostgreSQL database at `to` (migrated first),
/// in one transaction, verified table by table before it commits. Blocking.
pub fn move_from_sqlite(from: &Path, to: &str) -> Result<Moved> {
    let source = Source::open(from)?;
    let target = PgLedger::connect(to, &Options { pool_size: 1 })?;
    target.run("BEGIN ISOLATION LEVEL READ COMMITTED", |tx| copy_all(&source, tx))
}

fn copy_all(source: &Source, tx: &PgTx<'_>) -> Result<Moved> {
    let tables = target_tables(tx)?;
    let names: Vec<String> = tables.iter().map(|t| quoted(&t.name)).collect();
    // Nobody else reads or writes the target while it is filled (a server started on it early
    // waits here).
    tx.batch(&format!("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", names.join(", ")))?;
    for t in &tables {
        let any: bool = tx
            .query(&format!("SELECT EXISTS (SELECT 1 FROM {})", quoted(&t.name)), &[])?
            .first()
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(pg_error)?
            .unwrap_or(false);
        if any {
            return Err(StoreError::Invalid(format!(
                "移行先の PostgreSQL の台帳は空ではありません（表 {} に行があります）。移行は空のデータベース（またはスキーマ）にだけ行います",
                t.name
            )));
        }
    }
    let called: bool = tx
        .query("SELECT is_called FROM srv_receipt_numbers", &[])?
        .first()
        .map(|r| r.try_get(0))
        .transpose()
        .map_err(pg_error)?
        .unwrap_or(false);
    if called {
        return Err(StoreError::Invalid(
            "移行先の PostgreSQL の台帳は受付番号をすでに発行しています（空ではありません）".into(),
        ));
    }

    let in_sqlite = source.tables()?;
    let mut moved = Moved::default();
    for t in &tables {
        if !in_sqlite.contains(&t.name) {
            return Err(StoreError::Invalid(format!(
                "SQLite の台帳に表 {} がありません",
                t.name
            )));
        }
        let have = source.columns(&t.name)?;
        if let Some(c) = t.columns.iter().find(|c| !have.contains(&c.name)) {
            return Err(StoreError::Invalid(format!(
                "SQLite の台帳の表 {} に列 {} がありません",
                t.name, c.name
            )));
        }
        let (hashes, max) = source.rows(t, |chunk| copy_chunk(tx, t, &chunk))?;
        let rows = hashes.len() as u64;
        let sha256 = table_hash(hashes);
        let (back, back_hash) = target_hash(tx, t)?;
        if (back, &back_hash) != (rows, &sha256) {
            return Err(StoreError::Invalid(format!(
                "表 {} が一致しません（SQLite {rows} 行 {sha256}、PostgreSQL {back} 行 {back_hash}）。何も移行していません",
                t.name
            )));
        }
        for c in t.columns.iter().filter(|c| c.identity) {
            let last = max
                .get(&c.name)
                .copied()
                .unwrap_or(0)
                .max(source.autoincrement(&t.name)?);
            if last > 0 {
                tx.query(
                    "SELECT setval(pg_get_serial_sequence($1, $2)::regclass, $3)",
                    &[&quoted(&t.name), &c.name, &last],
                )?;
                moved.sequences.push((format!("{}.{}", t.name, c.name), last));
            }
        }
        moved.tables.push(MovedTable {
            table: t.name.clone(),
            rows,
            sha256,
        });
    }
    // Receipt numbers: SQLite draws them from an AUTOINCREMENT table, PostgreSQL from a sequence.
    let receipts = source.autoincrement("srv_receipt_numbers")?.max(
        source
            .conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM srv_reports", [], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(|e| sqlite_err("srv_reports", &e))?,
    );
    if receipts > 0 {
        tx.query("SELECT setval('srv_receipt_numbers', $1)", &[&receipts])?;
        moved.sequences.push(("srv_receipt_numbers".into(), receipts));
    }
    let copied: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    for name in in_sqlite.iter().filter(|n| !copied.contains(n.as_str())) {
        if name == "srv_receipt_numbers" {
            continue;
        }
        let n = source.count(name)?;
        if n > 0 {
            return Err(StoreError::Invalid(format!(
                "SQLite の台帳の表 {name} に {n} 行ありますが、PostgreSQL の台帳にこの表はありません（移行できません）"
            )));
        }
        moved.empty_sqlite_only.push(name.clone());
    }
    Ok(moved)
}
