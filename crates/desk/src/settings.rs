//! The window's own settings, beside the database (`desktop.json`): the output folder and the
//! month last worked. Never a secret: the token is in the OS keyring.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Settings {
    pub out_dir: Option<PathBuf>,
    /// (group, YYYY-MM)
    pub last_month: Option<(String, String)>,
}

fn file(db: &Path) -> PathBuf {
    db.with_file_name("desktop.json")
}

impl Settings {
    /// The saved settings; none (defaults) when the file is missing or unreadable.
    pub fn load(db: &Path) -> Settings {
        std::fs::read(file(db))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Written to a temporary name, then renamed: a crash never leaves half a file.
    pub fn save(&self, db: &Path) {
        if let Ok(text) = serde_json::to_vec_pretty(self) {
            let _ = infoone_formats::atomic::write(&file(db), &text);
        }
    }
}
