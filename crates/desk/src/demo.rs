//! `month-end --demo-server`: a local insurer for the demo. Starts the insurer's API
//! (`infoone_server`) on a free loopback port over real HTTPS with a fresh dev CA in
//! `OUT/insurer/tls`, loads the bill package into its ledger as insurer staff would
//! (`POST /v1/admin/packages`) and issues the group's API token. The clerk's side then fetches the
//! package and submits the report through `infoone_client`, exactly as against a real insurer.
//!
//! The group token stays in memory: a demo must not write into the user's OS keyring (and a
//! fresh machine may have no Secret Service). `infoone login` is how a real clerk stores one.

use std::path::{Path, PathBuf};

use infoone_app::infoone_store::Store;
use infoone_app::{AppError, ErrorCode};
use infoone_client::{Client, MemoryTokens, Online, Options, Token, TokenStore};

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Internal, format!("デモ用の保険会社サーバー: {what}: {e}"))
}

/// The running demo insurer. Stop it with [`DemoInsurer::stop`].
pub struct DemoInsurer {
    runtime: tokio::runtime::Runtime,
    running: Option<infoone_server::Running>,
    pub url: String,
    pub ca: PathBuf,
    pub group: String,
    pub month: String,
    tokens: MemoryTokens,
}

impl DemoInsurer {
    /// Start the server in `dir` (its database is replaced) and load `package` into it.
    pub fn start(dir: &Path, package: &Path) -> Result<DemoInsurer, AppError> {
        std::fs::create_dir_all(dir).map_err(|e| internal(&dir.display().to_string(), e))?;
        for suffix in ["", "-wal", "-shm"] {
            let f = dir.join(format!("insurer.db{suffix}"));
            if f.exists() {
                std::fs::remove_file(&f).map_err(|e| internal(&f.display().to_string(), e))?;
            }
        }
        let bytes = std::fs::read(package)
            .map_err(|e| AppError::not_found(format!("{}: ファイルを読めません（{e}）", package.display())))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| internal("tokio", e))?;
        let listen = "127.0.0.1:0".parse().map_err(|e| internal("listen", e))?;
        let mut config = infoone_server::Config::new(
            dir.join("insurer.db"),
            listen,
            infoone_server::TlsSource::Dev { dir: dir.join("tls") },
        );
        // A fresh database: the server makes a staff token and hands it back once.
        config.admin_token = None;
        let running = runtime
            .block_on(infoone_server::start(config))
            .map_err(|e| internal("起動できません", e))?;
        let url = format!("https://{}", running.addr);
        let ca = running.ca.clone().ok_or_else(|| internal("開発用CA", "ありません"))?;
        let staff = running
            .new_staff_token
            .as_deref()
            .ok_or_else(|| internal("担当者用トークン", "作られませんでした"))
            .and_then(|t| Token::new(t).map_err(|e| internal("担当者用トークン", e.message)))?;
        let staff = Client::new(&url, Some(&ca), &staff, &Options::default())?;
        let (loaded, token) = runtime.block_on(async {
            let loaded = staff.admin_load_package(&bytes).await?;
            let group = loaded
                .get("group")
                .and_then(|g| g.as_str())
                .unwrap_or_default()
                .to_string();
            let token = staff.admin_create_token(&group).await?;
            Ok::<_, infoone_client::ClientError>((loaded, token))
        })?;
        let field = |k: &str| loaded.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let (group, month) = (field("group"), field("month"));
        let tokens = MemoryTokens::with(&url, &group, &token);
        Ok(DemoInsurer {
            runtime,
            running: Some(running),
            url,
            ca,
            group,
            month,
            tokens,
        })
    }

    /// How the clerk's side goes online to this server: its token from memory.
    pub fn online(&self) -> Online<'_> {
        Online {
            tokens: &self.tokens,
            options: Options::default(),
        }
    }

    /// Register this server in the clerk's database (`infoone login`, token kept in memory).
    pub fn login(&self, store: &mut Store) -> Result<(), AppError> {
        let token = self
            .tokens
            .get(&self.url, &self.group)?
            .ok_or_else(|| internal("APIトークン", "ありません"))?;
        infoone_client::login(store, &self.tokens, &self.url, &self.group, Some(&self.ca), &token)?;
        Ok(())
    }

    pub fn stop(mut self) {
        if let Some(running) = self.running.take() {
            self.runtime.block_on(running.stop());
        }
    }
}
