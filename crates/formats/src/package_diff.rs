//! What changed since the group's last bill package (the load screen's 「前回からの変更」): the
//! offices, products (with their rates), members and enrollments added, removed or changed.
//!
//! A package is remembered by its [`Fingerprint`]: each record under its key as a 64-bit hash of
//! its JSON (SHA-256, first 8 bytes; stable across builds, unlike std's hasher). It is kept beside
//! the month (some 20 MB for 300,000 members and 650,000 enrollments) so the next load compares
//! without parsing the previous package again. The billed history is left out: it grows every
//! month by design.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::package::BillPackage;

/// How many keys of each kind of difference are named (the rest are counted).
pub const NAMED: usize = 20;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub month: String,
    pub version: String,
    pub offices: BTreeMap<String, u64>,
    pub products: BTreeMap<String, u64>,
    pub members: BTreeMap<String, u64>,
    pub enrollments: BTreeMap<String, u64>,
}

fn hash<T: Serialize>(v: &T) -> u64 {
    // Serializing a package record cannot fail (no map has non-string keys); an empty body
    // would only make a change look like one.
    let digest = Sha256::digest(serde_json::to_vec(v).unwrap_or_default());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

fn by_key<'a, T: Serialize + 'a>(items: impl Iterator<Item = (&'a str, &'a T)>) -> BTreeMap<String, u64> {
    items.map(|(k, v)| (k.to_string(), hash(v))).collect()
}

pub fn fingerprint(pkg: &BillPackage) -> Fingerprint {
    Fingerprint {
        month: pkg.month.clone(),
        version: pkg.version.clone(),
        offices: by_key(pkg.offices.iter().map(|o| (o.code.as_str(), o))),
        products: by_key(pkg.group_products.iter().map(|p| (p.code.as_str(), p))),
        members: by_key(pkg.members.iter().map(|m| (m.employee_no.as_str(), m))),
        enrollments: by_key(pkg.enrollments.iter().map(|e| (e.id.as_str(), e))),
    }
}

/// Records of one kind added, removed and changed; the first [`NAMED`] keys of each.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Delta {
    pub added: u32,
    pub removed: u32,
    pub changed: u32,
    pub added_keys: Vec<String>,
    pub removed_keys: Vec<String>,
    pub changed_keys: Vec<String>,
}

impl Delta {
    pub fn is_empty(&self) -> bool {
        self.added == 0 && self.removed == 0 && self.changed == 0
    }
}

fn note(n: &mut u32, keys: &mut Vec<String>, key: &str) {
    *n = n.saturating_add(1);
    if keys.len() < NAMED {
        keys.push(key.to_string());
    }
}

fn delta(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> Delta {
    let mut d = Delta::default();
    for (k, h) in after {
        match before.get(k) {
            None => note(&mut d.added, &mut d.added_keys, k),
            Some(old) if old != h => note(&mut d.changed, &mut d.changed_keys, k),
            Some(_) => {}
        }
    }
    for k in before.keys().filter(|k| !after.contains_key(*k)) {
        note(&mut d.removed, &mut d.removed_keys, k);
    }
    d
}

/// What changed from `before` (the last package: an earlier month, or the one this load replaces).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PackageDiff {
    pub since_month: String,
    pub since_version: String,
    pub offices: Delta,
    /// Products of the group, their rates and conditions included.
    pub products: Delta,
    pub members: Delta,
    pub enrollments: Delta,
}

pub fn diff(before: &Fingerprint, after: &Fingerprint) -> PackageDiff {
    PackageDiff {
        since_month: before.month.clone(),
        since_version: before.version.clone(),
        offices: delta(&before.offices, &after.offices),
        products: delta(&before.products, &after.products),
        members: delta(&before.members, &after.members),
        enrollments: delta(&before.enrollments, &after.enrollments),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::parse_package;

    fn sample() -> BillPackage {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sample-data/bill-package.json");
        let bytes = std::fs::read(path).unwrap();
        parse_package("bill-package.json", &bytes).unwrap()
    }

    #[test]
    fn the_same_package_has_no_difference() {
        let pkg = sample();
        let d = diff(&fingerprint(&pkg), &fingerprint(&pkg));
        assert!(d.offices.is_empty() && d.products.is_empty() && d.members.is_empty() && d.enrollments.is_empty());
    }

    #[test]
    fn added_removed_and_changed_are_told_apart() {
        let before = sample();
        let mut after = before.clone();
        let gone = after.members.remove(0).employee_no;
        after.members[0].name.push('子');
        let renamed = after.members[0].employee_no.clone();
        let mut new = after.members[1].clone();
        new.employee_no = "999999".into();
        after.members.push(new);
        after.enrollments[0].units += 1;
        after.group_products[0].discount_rate += rust_decimal::Decimal::new(1, 2);
        // The billed history grows every month: not a difference.
        after.billed.clear();
        let d = diff(&fingerprint(&before), &fingerprint(&after));
        assert_eq!((d.members.added, d.members.removed, d.members.changed), (1, 1, 1));
        assert_eq!(d.members.added_keys, ["999999"]);
        assert_eq!(d.members.removed_keys, [gone]);
        assert_eq!(d.members.changed_keys, [renamed]);
        assert_eq!(
            (d.enrollments.changed, d.products.changed, d.offices.changed),
            (1, 1, 0)
        );
        assert_eq!(d.since_version, before.version);
    }

    #[test]
    fn only_the_first_keys_are_named() {
        let before = Fingerprint::default();
        let after = Fingerprint {
            members: (0..100).map(|i| (format!("{i:06}"), i)).collect(),
            ..Fingerprint::default()
        };
        let d = diff(&before, &after);
        assert_eq!((d.members.added, d.members.added_keys.len()), (100, NAMED));
    }
}
