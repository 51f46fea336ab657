//! The members table: every member of the month kept once per change of the ledger, with a
//! search key folded for width (ｱ/ア, Ａ/A), kana (ひらがな/カタカナ) and case, then filtered and
//! paged here so the window only ever receives the rows it shows.

use std::sync::Arc;

use infoone_app::browse::MemberRow;
use infoone_app::member_index::MemberIndex;
use infoone_app::MonthRef;
use infoone_formats::text::fold_search as fold;
use serde::{Deserialize, Serialize};

/// The month's members with their search keys, and the filters' choices.
#[derive(Default)]
pub(crate) struct Table {
    rows: Vec<MemberRow>,
    keys: Vec<String>,
    offices: Vec<String>,
    products: Vec<String>,
}

impl Table {
    pub(crate) fn new(index: MemberIndex) -> Table {
        let mut offices: Vec<String> = index.rows.iter().map(|r| r.office.clone()).collect();
        offices.sort_unstable();
        offices.dedup();
        let mut products: Vec<String> = index.rows.iter().flat_map(|r| r.products.iter().cloned()).collect();
        products.sort_unstable();
        products.dedup();
        Table {
            rows: index.rows,
            keys: index.keys,
            offices,
            products,
        }
    }
}

/// The table of the month being worked. A table is made outside the session's locks (it can
/// take seconds), so each change of the ledger moves `generation` on: a table made before it is
/// not kept.
#[derive(Default)]
pub(crate) struct Cache {
    generation: u64,
    table: Option<(MonthRef, Arc<Table>)>,
}

impl Cache {
    pub(crate) fn clear(&mut self) {
        self.generation += 1;
        self.table = None;
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    pub(crate) fn get(&self, at: &MonthRef) -> Option<Arc<Table>> {
        self.table.as_ref().filter(|(m, _)| m == at).map(|(_, t)| Arc::clone(t))
    }

    /// Keep `table` unless the ledger changed since `generation` was read.
    pub(crate) fn set(&mut self, generation: u64, at: &MonthRef, table: &Arc<Table>) {
        if generation == self.generation {
            self.table = Some((at.clone(), Arc::clone(table)));
        }
    }
}

/// What the table asks for.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MemberQuery {
    /// Employee number, name or kana (any width, hiragana or katakana).
    pub text: String,
    pub office: Option<String>,
    pub product: Option<String>,
    /// `active`, `leave` or `retired`.
    pub status: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MemberPage {
    /// Rows matching the filter.
    pub total: u32,
    /// Members of the month.
    pub all: u32,
    pub offset: u32,
    pub rows: Vec<MemberRow>,
    /// Every office and product code present (the filters' choices).
    pub offices: Vec<String>,
    pub products: Vec<String>,
}

pub(crate) fn page(table: &Table, q: &MemberQuery) -> MemberPage {
    let rows = &table.rows;
    let text = fold(q.text.trim());
    let matches = |(r, key): &(&MemberRow, &String)| {
        (text.is_empty() || key.contains(&text))
            && q.office.as_ref().is_none_or(|o| &r.office == o)
            && q.status.as_ref().is_none_or(|s| &r.status == s)
            && q.product.as_ref().is_none_or(|p| r.products.contains(p))
    };
    let limit = q.limit.clamp(1, 1000) as usize;
    let mut total = 0u32;
    let mut out = Vec::with_capacity(limit);
    for (r, _) in rows.iter().zip(&table.keys).filter(matches) {
        if total as usize >= q.offset as usize && out.len() < limit {
            out.push(r.clone());
        }
        total += 1;
    }
    MemberPage {
        total,
        all: rows.len() as u32,
        offset: q.offset,
        rows: out,
        offices: table.offices.clone(),
        products: table.products.clone(),
    }
}
