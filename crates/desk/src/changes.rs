//! A change as the review list shows it. The change's stored form (`ChangeView::change`, the
//! JSON the CLI prints) stays here: the window shows the summary the use-case layer wrote, so
//! an HR file's 10,000 proposals cost the webview's thread their summaries only. The list is
//! grouped here (new, changed, ended, notes) and each group paged, so the window renders the
//! pages it shows and keeps only the ids of what is still to decide.

use std::collections::BTreeMap;

use infoone_app::infoone_store::ChangeRow;
use infoone_app::ChangeView;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChangeItem {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub source: String,
    pub employee_no: Option<String>,
    /// Old → new, in the clerk's words.
    pub summary: String,
    /// The finding's code of a note (確認事項).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl From<ChangeRow> for ChangeItem {
    fn from(c: ChangeRow) -> ChangeItem {
        ChangeItem {
            id: c.id,
            kind: c.kind,
            status: c.status.code().to_string(),
            source: c.source,
            employee_no: c.employee_no,
            summary: c.summary,
            code: c.code,
        }
    }
}

impl From<ChangeView> for ChangeItem {
    fn from(c: ChangeView) -> ChangeItem {
        ChangeItem {
            id: c.id,
            kind: c.kind,
            status: c.status,
            source: c.source,
            employee_no: c.employee_no,
            summary: c.summary,
            code: c.code,
        }
    }
}

/// How the review list is grouped: what the change does to the member, new first.
const CATEGORIES: [&str; 4] = ["new", "changed", "ended", "note"];

/// Kinds in the order a clerk reads them within their category.
const KIND_ORDER: [&str; 11] = [
    "hire",
    "join",
    "transfer",
    "plan_change",
    "update",
    "status",
    "leave",
    "bank_transfer",
    "bank_transfer_switch",
    "retirement",
    "withdrawal",
];

/// New (加入), changed (変更) or ended (脱退); a note (確認事項) is its own, whatever its kind.
pub fn category(kind: &str, status: &str) -> &'static str {
    if status == "note" {
        return "note";
    }
    match kind {
        "join" | "hire" => "new",
        "withdrawal" | "retirement" => "ended",
        _ => "changed",
    }
}

/// What the review list asks for: the first `limit` of every group, or (`group`) the next page
/// of one group.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChangeQuery {
    /// A group's key (`category:kind`); none for every group.
    pub group: Option<String>,
    pub offset: u32,
    pub limit: u32,
}

/// The month's changes as the review screen lists them.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChangeList {
    /// New first, then changed, ended, notes.
    pub groups: Vec<ChangeGroup>,
    /// Changes per status (`proposed`, `accepted`, `rejected`, `note`).
    pub counts: BTreeMap<String, u32>,
    /// Changes still to decide (what 「提案中をすべて承認」 accepts).
    pub proposed: u32,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChangeGroup {
    /// `category:kind`.
    pub key: String,
    pub kind: String,
    /// `new`, `changed`, `ended` or `note`.
    pub category: String,
    pub total: u32,
    /// The group's proposed changes (what the group's check box ticks).
    pub open: Vec<i64>,
    pub offset: u32,
    /// Newest first, from `offset`.
    pub items: Vec<ChangeItem>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The list grouped and paged (`changes` is the use case's list, in any order).
pub fn list(changes: Vec<ChangeItem>, q: &ChangeQuery) -> ChangeList {
    let mut counts = BTreeMap::new();
    let mut groups: BTreeMap<(usize, usize, String), Vec<ChangeItem>> = BTreeMap::new();
    for c in changes {
        *counts.entry(c.status.clone()).or_insert(0u32) += 1;
        let cat = category(&c.kind, &c.status);
        let rank_cat = CATEGORIES.iter().position(|x| *x == cat).unwrap_or(CATEGORIES.len());
        let rank_kind = KIND_ORDER.iter().position(|x| *x == c.kind).unwrap_or(KIND_ORDER.len());
        groups.entry((rank_cat, rank_kind, c.kind.clone())).or_default().push(c);
    }
    let proposed = counts.get("proposed").copied().unwrap_or(0);
    let limit = q.limit.clamp(1, 2000) as usize;
    let groups = groups
        .into_iter()
        .filter_map(|((rank_cat, _, _), mut items)| {
            let first = &items[0];
            let cat = CATEGORIES.get(rank_cat).copied().unwrap_or("changed");
            let (kind, key) = (first.kind.clone(), format!("{cat}:{}", first.kind));
            if q.group.as_ref().is_some_and(|g| *g != key) {
                return None;
            }
            items.sort_unstable_by_key(|c| std::cmp::Reverse(c.id));
            let open = items.iter().filter(|c| c.status == "proposed").map(|c| c.id).collect();
            let offset = if q.group.is_some() { q.offset as usize } else { 0 };
            let page = items.iter().skip(offset).take(limit).cloned().collect();
            Some(ChangeGroup {
                key,
                kind,
                category: cat.to_string(),
                total: count(items.len()),
                open,
                offset: count(offset.min(items.len())),
                items: page,
            })
        })
        .collect();
    ChangeList {
        groups,
        counts,
        proposed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: i64, kind: &str, status: &str) -> ChangeItem {
        ChangeItem {
            id,
            kind: kind.into(),
            status: status.into(),
            source: "hr.xlsx".into(),
            employee_no: Some("000001".into()),
            summary: format!("{kind} {id}"),
            code: None,
        }
    }

    #[test]
    fn new_changed_and_ended_are_told_apart() {
        assert_eq!(["join", "hire"].map(|k| category(k, "proposed")), ["new"; 2]);
        assert_eq!(
            [
                "transfer",
                "plan_change",
                "update",
                "status",
                "bank_transfer_switch",
                "something_new"
            ]
            .map(|k| category(k, "proposed")),
            ["changed"; 6]
        );
        assert_eq!(
            ["withdrawal", "retirement"].map(|k| category(k, "accepted")),
            ["ended"; 2]
        );
        assert_eq!(category("update", "note"), "note");
    }

    #[test]
    fn groups_new_first_newest_first_within_and_paged() {
        let all = vec![
            c(1, "withdrawal", "proposed"),
            c(2, "hire", "accepted"),
            c(3, "transfer", "proposed"),
            c(4, "hire", "proposed"),
            c(5, "update", "note"),
            c(6, "join", "proposed"),
            c(7, "hire", "proposed"),
        ];
        let every = |limit| ChangeQuery {
            group: None,
            offset: 0,
            limit,
        };
        let l = list(all.clone(), &every(2));
        let keys: Vec<_> = l.groups.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "new:hire",
                "new:join",
                "changed:transfer",
                "ended:withdrawal",
                "note:update"
            ]
        );
        let hire = &l.groups[0];
        assert_eq!(hire.items.iter().map(|i| i.id).collect::<Vec<_>>(), [7, 4]);
        assert_eq!((hire.total, hire.open.clone()), (3, vec![7, 4]));
        assert_eq!(l.proposed, 5);
        assert_eq!(
            (l.counts["proposed"], l.counts["accepted"], l.counts["note"]),
            (5, 1, 1)
        );
        let more = list(
            all,
            &ChangeQuery {
                group: Some("new:hire".into()),
                offset: 2,
                limit: 2,
            },
        );
        assert_eq!(more.groups.len(), 1);
        assert_eq!((more.groups[0].offset, more.groups[0].items[0].id), (2, 2));
        assert_eq!(list(Vec::new(), &every(300)).groups.len(), 0);
    }
}
