//! What the PostgreSQL ledger's tests share.

use std::io::Write;

use infoone_ledger_pg::fresh_schema;

/// A fresh schema in the test database (`INFOONE_TEST_PG`, set by tests/pg-cluster.sh), or `None`
/// (said on stderr) without one.
pub fn url(test: &str) -> Option<String> {
    match std::env::var("INFOONE_TEST_PG").ok().filter(|u| !u.trim().is_empty()) {
        Some(u) => Some(fresh_schema(&u).unwrap()),
        None => {
            // Straight to stderr, past the test harness's capture: seen in every run.
            let _ = writeln!(
                std::io::stderr(),
                "infoone-ledger-pg {test}: INFOONE_TEST_PG is not set, nothing tested (run under tests/pg-cluster.sh)"
            );
            None
        }
    }
}
