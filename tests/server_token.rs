//! `infoone server-token list|revoke` on the insurer's database, and `infoone login` refusing an
//! `INFOONE_TOKEN` that is not bound to the group (issue 9), through the real binary.

mod common;

use std::process::Command;

use common::{run_with_db, Env};

#[test]
fn a_token_is_listed_without_its_secret_and_revoked_for_good() {
    let env = Env::new();
    let db = env.path("insurer.db");
    let state = infoone_server::AppState::open(&db, infoone_server::Limits::default()).unwrap();
    state
        .bootstrap_staff(Some("staff-token-for-the-cli-test-0123"))
        .unwrap();
    state.add_staff_token("second-staff-token-0123456789", "test").unwrap();
    drop(state);

    let list = run_with_db(&db, &["server-token", "list", "--json"]).json();
    let rows = list.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|t| t["revoked_at"].is_null() && t["expires_at"].is_string()));
    assert!(!list.to_string().contains("staff-token-for-the-cli-test"));

    let r = run_with_db(&db, &["server-token", "revoke", "2"]);
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.contains("無効にしました"), "{}", r.stdout);
    let list = run_with_db(&db, &["server-token", "list", "--json"]).json();
    assert!(list[1]["revoked_at"].is_string());
    assert!(list[0]["revoked_at"].is_null());
    let r = run_with_db(&db, &["server-token", "revoke", "99"]);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    // The audit log has it.
    let state = infoone_server::AppState::open(&db, infoone_server::Limits::default()).unwrap();
    let row = state.db().read(|tx| Ok(tx.srv_token_by_id(2)?)).unwrap().unwrap();
    assert!(row.revoked_at.is_some());
}

fn login(env: &Env, vars: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_infoone"));
    c.arg("--db")
        .arg(env.db())
        .args(["--group", "G0001", "login", "--server", "https://127.0.0.1:9"])
        .env_remove("INFOONE_TOKEN")
        .env_remove("INFOONE_GROUP");
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn an_environment_token_serves_only_the_group_it_names() {
    let env = Env::new();
    let (code, err) = login(&env, &[("INFOONE_TOKEN", "iog_0123")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("INFOONE_GROUP"), "{err}");
    let (code, err) = login(&env, &[("INFOONE_TOKEN", "iog_0123"), ("INFOONE_GROUP", "G0002")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("G0002"), "{err}");
    assert!(!err.contains("iog_0123"), "the token is never shown: {err}");
}
