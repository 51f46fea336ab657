//! The client's one error type: a small [`ErrorKind`] the callers act on (retry or not, log in
//! again, show the server's refusal), and a Japanese message a clerk can read.

use std::fmt;

use serde::Serialize;

/// What went wrong, as far as a caller needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The server could not be reached, or the connection dropped (retried).
    Offline,
    /// The server did not answer in time (retried).
    Timeout,
    /// The TLS handshake failed: an untrusted certificate (wrong CA), not TLS at all, …
    Tls,
    /// The token is missing, wrong or revoked (401/403).
    Auth,
    /// The group or month is unknown to the server — or the token's group is another (404).
    NotFound,
    /// 409: another body under the same idempotency key, a stale package, a month already
    /// reported.
    Conflict,
    /// 422: the server recomputed the report and refuses it; `lines` lists the differences.
    Rejected,
    /// 5xx or 429 (retried).
    Server,
    /// The server's answer is not what the API says.
    Protocol,
    /// The client is not set up: no `https://` URL, unreadable CA file, no token, no keyring.
    Config,
}

impl ErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Offline => "offline",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Tls => "tls",
            ErrorKind::Auth => "auth",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Server => "server",
            ErrorKind::Protocol => "protocol",
            ErrorKind::Config => "config",
        }
    }

    /// Worth trying again with the same request (and the same idempotency key).
    pub fn is_transient(self) -> bool {
        matches!(self, ErrorKind::Offline | ErrorKind::Timeout | ErrorKind::Server)
    }

    /// The server looked at the report and refused it: sending it again will not help.
    pub fn is_refusal(self) -> bool {
        matches!(self, ErrorKind::Conflict | ErrorKind::Rejected)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ClientError {
    pub kind: ErrorKind,
    /// The clerk's message (Japanese).
    pub message: String,
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    /// The server's `error.code` (`totals_mismatch`, `stale_package`, …).
    pub server_code: Option<String>,
    /// The rest of what the server said, when it said something.
    pub server: Option<Box<ServerSaid>>,
    /// `Retry-After`, seconds, when the server gave one.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// The server's `error` object.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServerSaid {
    /// `error.message`.
    pub message: Option<String>,
    /// 422: the differing lines, as the server sent them.
    pub lines: Vec<serde_json::Value>,
    /// The whole `error` object (what changed, the receipt number of an earlier report, …).
    pub detail: Option<serde_json::Value>,
}

impl ClientError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ClientError {
        ClientError {
            kind,
            message: message.into(),
            status: None,
            server_code: None,
            server: None,
            retry_after: None,
        }
    }

    /// 422: the lines the server computed differently.
    pub fn lines(&self) -> &[serde_json::Value] {
        self.server.as_ref().map_or(&[], |s| s.lines.as_slice())
    }

    pub fn config(message: impl Into<String>) -> ClientError {
        ClientError::new(ErrorKind::Config, message)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ClientError {}

/// Classify a transport error from reqwest: TLS failures, timeouts and unreachable servers.
pub(crate) fn from_transport(err: &reqwest::Error, url: &str) -> ClientError {
    if tls_cause(err).is_some() {
        let why = tls_cause(err).unwrap_or_default();
        return ClientError::new(
            ErrorKind::Tls,
            format!(
                "保険会社サーバー（{url}）と安全な接続（TLS）を確立できませんでした: {why}。\
                 サーバーの証明書を信頼できないか、サーバーがHTTPSで応答していません（CA証明書の指定 --ca を確認してください）"
            ),
        );
    }
    if err.is_timeout() {
        return ClientError::new(
            ErrorKind::Timeout,
            format!("保険会社サーバー（{url}）から時間内に応答がありませんでした"),
        );
    }
    if err.is_builder() {
        return ClientError::config(format!("接続の設定が正しくありません: {err}"));
    }
    ClientError::new(
        ErrorKind::Offline,
        format!("保険会社サーバー（{url}）に接続できませんでした（{}）", root_cause(err)),
    )
}

/// The rustls error somewhere in the chain (rustls errors travel inside `io::Error`s, whose
/// `source()` skips the wrapped error itself, so each `io::Error` is opened by hand).
fn tls_cause(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            return Some(t.to_string());
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(t) = tls_cause(inner) {
                    return Some(t);
                }
            }
        }
        cur = e.source();
    }
    None
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
