//! The members table: every member of the month kept once per change of the ledger, with a
//! search key folded for width (ｱ/ア, Ａ/A), kana (ひらがな/カタカナ) and case, then filtered and
//! paged here so the window only ever receives the rows it shows.

use std::sync::Arc;

use infoone_app::browse::MemberRow;
use infoone_app::Result;
use serde::{Deserialize, Serialize};

/// One filtered row with its search key.
struct Indexed {
    row: MemberRow,
    key: String,
}

/// The month's members, indexed once, with the filters' choices.
pub(crate) struct Table {
    rows: Vec<Indexed>,
    offices: Vec<String>,
    products: Vec<String>,
}

#[derive(Default)]
pub(crate) struct Cache(Option<Arc<Table>>);

impl Cache {
    pub(crate) fn clear(&mut self) {
        self.0 = None;
    }

    pub(crate) fn rows(&mut self, load: impl FnOnce() -> Result<Vec<MemberRow>>) -> Result<Arc<Table>> {
        if let Some(table) = &self.0 {
            return Ok(Arc::clone(table));
        }
        let rows: Vec<Indexed> = load()?
            .into_iter()
            .map(|row| Indexed {
                key: fold(&format!("{}\t{}\t{}", row.employee_no, row.name, row.name_kana)),
                row,
            })
            .collect();
        let mut offices: Vec<String> = rows.iter().map(|r| r.row.office.clone()).collect();
        offices.sort();
        offices.dedup();
        let mut products: Vec<String> = rows.iter().flat_map(|r| r.row.products.iter().cloned()).collect();
        products.sort();
        products.dedup();
        let table = Arc::new(Table {
            rows,
            offices,
            products,
        });
        self.0 = Some(Arc::clone(&table));
        Ok(table)
    }
}

/// Width, kana and case folded, spaces removed: what the clerk types is found however the
/// name was written.
pub fn fold(s: &str) -> String {
    infoone_formats::text::fold_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() || *c == '\t')
        .map(|c| match c {
            // Hiragana → katakana (the blocks are 0x60 apart).
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            c => c.to_ascii_lowercase(),
        })
        .collect()
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
    let matches = |r: &&Indexed| {
        (text.is_empty() || r.key.contains(&text))
            && q.office.as_ref().is_none_or(|o| &r.row.office == o)
            && q.status.as_ref().is_none_or(|s| &r.row.status == s)
            && q.product.as_ref().is_none_or(|p| r.row.products.contains(p))
    };
    let limit = q.limit.clamp(1, 1000) as usize;
    let mut total = 0u32;
    let mut out = Vec::with_capacity(limit);
    for r in rows.iter().filter(matches) {
        if total as usize >= q.offset as usize && out.len() < limit {
            out.push(r.row.clone());
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

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn search_folds_width_kana_and_case() {
        assert_eq!(fold("ﾔﾏﾀﾞ ﾀﾛｳ"), fold("やまだたろう"));
        assert_eq!(fold("ＡＢＣ０１２"), "abc012");
        assert!(fold("000123\t山田 太郎\tヤマダ タロウ").contains(&fold("やまだ")));
    }
}
