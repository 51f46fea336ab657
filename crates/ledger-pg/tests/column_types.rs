//! A column whose type is not what the migrations made (a schema changed by hand) is an error
//! that names the column, never a panic, on a real cluster (`INFOONE_TEST_PG`, tests/pg-cluster.sh;
//! without it the test says so and does nothing).

mod common;
use common::url;
use infoone_ledger_pg::{Options, PgLedger};
use infoone_store::LedgerTx;

#[test]
fn a_column_of_another_type_is_an_error_that_names_it() {
    let Some(url) = url("column types") else {
        return;
    };
    let db = PgLedger::connect(&url, &Options { pool_size: 2 }).unwrap();
    db.write(|tx| tx.srv_reset_group("G1", "{}", "2026-12", "2026-11-25", "t"))
        .unwrap();
    // By hand, behind the program's back: the revision becomes text, the members' seq numeric.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let config: tokio_postgres::Config = url.parse().unwrap();
        let (client, conn) = config.connect(tokio_postgres::NoTls).await.unwrap();
        let conn = tokio::spawn(conn);
        client
            .batch_execute("ALTER TABLE srv_groups ALTER COLUMN rev TYPE text")
            .await
            .unwrap();
        drop(client);
        let _ = conn.await;
    });
    // A fresh pool: the old connections' prepared statements knew the old type.
    let db = PgLedger::connect(&url, &Options { pool_size: 2 }).unwrap();
    let read = db.read(|tx| tx.srv_group("G1"));
    let e = read.expect_err("rev is text now").to_string();
    assert!(e.contains("rev") && e.contains("読めません"), "{e}");
    let locked = db.write(|tx| tx.srv_lock_group("G1"));
    assert!(locked.unwrap_err().to_string().contains("rev"));
    // What does not read that column still works.
    assert!(db.read(|tx| tx.srv_offices("G1")).unwrap().is_empty());
}
