//! The served bytes of the groups' current packages, kept for many more groups than the parsed
//! packages ([`crate::AppState::current_package`] keeps 16 of those, for checking reports): a
//! clerk's `GET …/package` of a group whose ledger has not changed is answered with the bytes
//! computed before, without reading the ledger's rows or computing the package again.
//!
//! An entry is for one ledger revision of its group: a GET reads the group's revision from the
//! database first (as before) and uses the entry only when it is the same, so what is served is
//! always the package of the ledger as stored, and its `ETag` the version computed from it. The
//! cache is bounded by the bytes it holds; the least recently served entries go first.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

/// What the cache holds at most by default: 1 GiB (the 300,000-member sample group's package
/// is 484 MB; a 2,000-member group's 3.2 MB).
pub const DEFAULT_BUDGET: usize = 1 << 30;

/// One group's served package at one revision.
#[derive(Clone)]
pub struct Served {
    pub rev: i64,
    pub month: String,
    pub version: String,
    pub bytes: Bytes,
}

struct Entry {
    served: Served,
    used: u64,
}

struct Inner {
    entries: HashMap<String, Entry>,
    held: usize,
    clock: u64,
}

pub struct ServedCache {
    budget: usize,
    inner: Mutex<Inner>,
}

impl ServedCache {
    pub fn new(budget: usize) -> ServedCache {
        ServedCache {
            budget,
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                held: 0,
                clock: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The group's entry if it is for revision `rev`.
    pub fn get(&self, group: &str, rev: i64) -> Option<Served> {
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        let e = inner.entries.get_mut(group).filter(|e| e.served.rev == rev)?;
        e.used = now;
        Some(e.served.clone())
    }

    /// Keep `served` as the group's entry (replacing an older revision's; a newer one stays).
    /// A package larger than the whole budget is not kept.
    pub fn put(&self, group: &str, served: Served) {
        let len = served.bytes.len();
        if len > self.budget {
            return;
        }
        let mut inner = self.lock();
        if inner.entries.get(group).is_some_and(|e| e.served.rev > served.rev) {
            return;
        }
        if let Some(old) = inner.entries.remove(group) {
            inner.held -= old.served.bytes.len();
        }
        while inner.held + len > self.budget {
            let Some(oldest) = inner.entries.iter().min_by_key(|(_, e)| e.used).map(|(g, _)| g.clone()) else {
                break;
            };
            if let Some(e) = inner.entries.remove(&oldest) {
                inner.held -= e.served.bytes.len();
            }
        }
        inner.clock += 1;
        let used = inner.clock;
        inner.held += len;
        inner.entries.insert(group.to_string(), Entry { served, used });
    }

    /// Forget the group's entry (its ledger changed).
    pub fn forget(&self, group: &str) {
        let mut inner = self.lock();
        if let Some(e) = inner.entries.remove(group) {
            inner.held -= e.served.bytes.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(rev: i64, len: usize) -> Served {
        Served {
            rev,
            month: "2026-12".into(),
            version: format!("v{rev}"),
            bytes: Bytes::from(vec![b'x'; len]),
        }
    }

    #[test]
    fn an_entry_serves_only_its_revision() {
        let c = ServedCache::new(100);
        c.put("G1", served(3, 10));
        assert_eq!(c.get("G1", 3).map(|s| s.version), Some("v3".into()));
        assert!(c.get("G1", 4).is_none());
        assert!(c.get("G2", 3).is_none());
        // An older revision does not replace a newer one.
        c.put("G1", served(2, 10));
        assert!(c.get("G1", 2).is_none());
        c.forget("G1");
        assert!(c.get("G1", 3).is_none());
    }

    #[test]
    fn the_least_recently_served_go_first_when_over_the_budget() {
        let c = ServedCache::new(30);
        c.put("A", served(1, 10));
        c.put("B", served(1, 10));
        c.put("C", served(1, 10));
        assert!(c.get("A", 1).is_some());
        c.put("D", served(1, 10));
        assert!(c.get("B", 1).is_none(), "B was served least recently");
        assert!(c.get("A", 1).is_some() && c.get("C", 1).is_some() && c.get("D", 1).is_some());
        c.put("E", served(1, 31));
        assert!(c.get("E", 1).is_none(), "larger than the whole budget");
        c.put("F", served(1, 30));
        assert!(c.get("F", 1).is_some());
        assert!(c.get("A", 1).is_none() && c.get("C", 1).is_none() && c.get("D", 1).is_none());
    }
}
