//! A change as the review list shows it. The change's stored form (`ChangeView::change`, the
//! JSON the CLI prints) stays here: the window shows the summary the use-case layer wrote, so
//! an HR file's 10,000 proposals cost the webview's thread their summaries only.

use infoone_app::ChangeView;
use serde::Serialize;

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
