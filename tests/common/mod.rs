//! Helpers for end-to-end tests: run the real `infoone` binary against a temporary database.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Run {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        assert!(self.ok, "command failed: {}", self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.stdout))
    }
}

pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("infoone.db")
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn run(&self, args: &[&str]) -> Run {
        run_with_db(&self.db(), args)
    }
    pub fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert!(r.ok, "infoone {args:?} failed: {}{}", r.stderr, r.stdout);
        r
    }
}

/// Run `infoone --db DB ARGS…`.
pub fn run_with_db(db: &Path, args: &[&str]) -> Run {
    {
        let out = Command::new(env!("CARGO_BIN_EXE_infoone"))
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .unwrap();
        Run {
            ok: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The repository's root (tests live in `tests/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn data(rel: &str) -> String {
    root().join("tests/data").join(rel).display().to_string()
}
