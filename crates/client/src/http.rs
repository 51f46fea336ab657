//! The HTTPS client of the insurer API `/v1`: reqwest over rustls (ring provider; no OpenSSL),
//! TLS 1.2 or later, `https://` only, trusting the OS roots plus an optional CA file (an
//! insurer's private CA). One call is one request; [`retry`] repeats the transient failures.

use std::future::Future;
use std::path::Path;
use std::sync::Once;
use std::time::Duration;

use infoone_app::submit::Receipt;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, ETAG, RETRY_AFTER};
use reqwest::StatusCode;

use crate::error::{from_transport, ClientError, ErrorKind, ServerSaid};
use crate::token::Token;

/// Timeouts and retries.
#[derive(Clone, Debug)]
pub struct Options {
    pub connect_timeout: Duration,
    /// For one whole request, upload and answer included.
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(120),
            retry: RetryPolicy::default(),
        }
    }
}

/// Exponential backoff: `base`, `2·base`, `4·base`, … capped at `max`, with up to a quarter
/// added at random so that many groups coming back online do not retry in step; a server's
/// `Retry-After` is honoured up to `max`.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all (1 = no retry).
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(500),
            max: Duration::from_secs(8),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `n + 1` after attempt `n` (1-based) failed.
    pub fn delay(&self, n: u32, retry_after: Option<u64>) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32.checked_shl(n.saturating_sub(1)).unwrap_or(u32::MAX))
            .min(self.max);
        let jitter = if self.jitter {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            exp / 4 * (nanos % 1000) / 1000
        } else {
            Duration::ZERO
        };
        let server = retry_after.map_or(Duration::ZERO, Duration::from_secs).min(self.max);
        (exp + jitter).max(server)
    }
}

/// What [`retry`] gives back: the last result and every transient failure before it.
#[derive(Debug)]
pub struct Attempts<T> {
    pub result: Result<T, ClientError>,
    pub failures: Vec<ClientError>,
}

/// Run `op` until it succeeds, fails for good, or `policy.attempts` are used up, waiting with
/// exponential backoff between attempts. Only transient failures are retried.
pub async fn retry<T, F, Fut>(policy: &RetryPolicy, mut op: F) -> Attempts<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
{
    let mut failures = Vec::new();
    let mut n = 1;
    loop {
        match op(n).await {
            Err(e) if e.kind.is_transient() && n < policy.attempts.max(1) => {
                tokio::time::sleep(policy.delay(n, e.retry_after)).await;
                failures.push(e);
                n += 1;
            }
            result => return Attempts { result, failures },
        }
    }
}

/// The bill package as the server sent it.
#[derive(Clone, Debug)]
pub struct FetchedPackage {
    pub bytes: Vec<u8>,
    /// The package version (`ETag`, without quotes).
    pub etag: Option<String>,
}

/// An accepted report: the receipt, and whether the server had it already (a replay).
#[derive(Clone, Debug)]
pub struct Accepted {
    pub receipt: Receipt,
    pub replayed: bool,
}

/// A client of one server for one group's token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    auth: HeaderValue,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

static PROVIDER: Once = Once::new();

/// reqwest is built without a crypto provider of its own: the process uses rustls's ring
/// provider (the server uses it too), installed once unless someone installed one before.
fn install_crypto_provider() {
    PROVIDER.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    });
}

fn segment(kind: &str, s: &str) -> Result<String, ClientError> {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && s != "."
        && s != ".."
    {
        Ok(s.to_string())
    } else {
        Err(ClientError::config(format!("{kind}「{s}」はURLに使えません")))
    }
}

impl Client {
    /// A client for `url` (must be `https://`), trusting the OS roots and, when given, the CA
    /// certificates in `ca_file` (PEM).
    pub fn new(url: &str, ca_file: Option<&Path>, token: &Token, opts: &Options) -> Result<Client, ClientError> {
        let base = url.trim().trim_end_matches('/').to_string();
        if !base.starts_with("https://") {
            return Err(ClientError::config(format!(
                "サーバーのURL「{base}」は https:// で始まる必要があります（暗号化されない接続は使えません）"
            )));
        }
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .https_only(true)
            .tls_version_min(reqwest::tls::Version::TLS_1_2)
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            .user_agent(concat!("InfoOne/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| ClientError::config(format!("CA証明書ファイル {} を読めません: {e}", path.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                ClientError::config(format!(
                    "CA証明書ファイル {} がPEM形式ではありません: {e}",
                    path.display()
                ))
            })?;
            if certs.is_empty() {
                return Err(ClientError::config(format!(
                    "CA証明書ファイル {} に証明書がありません",
                    path.display()
                )));
            }
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::config(format!("HTTPSクライアントを作れません: {e}")))?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| ClientError::config("APIトークンに使えない文字が含まれています"))?;
        auth.set_sensitive(true);
        Ok(Client { http, base, auth })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn month_url(&self, group: &str, month: &str, tail: &str) -> Result<String, ClientError> {
        Ok(format!(
            "{}/v1/groups/{}/months/{}/{tail}",
            self.base,
            segment("団体コード", group)?,
            segment("月", month)?
        ))
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, self.auth.clone());
        h
    }

    /// `GET /v1/groups/{group}/months/{month}/package`.
    pub async fn package(&self, group: &str, month: &str) -> Result<FetchedPackage, ClientError> {
        let url = self.month_url(group, month, "package")?;
        let resp = self
            .http
            .get(&url)
            .headers(self.headers())
            .send()
            .await
            .map_err(|e| from_transport(&e, &self.base))?;
        let resp = check(resp, &self.base).await?;
        let etag = resp
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim_start_matches("W/").trim_matches('"').to_string());
        let bytes = resp.bytes().await.map_err(|e| from_transport(&e, &self.base))?;
        Ok(FetchedPackage {
            bytes: Vec::from(bytes),
            etag,
        })
    }

    /// `POST /v1/groups/{group}/months/{month}/reports` with `Idempotency-Key: key` — one
    /// attempt. 201 is a new receipt, 200 the receipt of the same report sent before.
    pub async fn submit_report(
        &self,
        group: &str,
        month: &str,
        key: &str,
        body: &[u8],
    ) -> Result<Accepted, ClientError> {
        let url = self.month_url(group, month, "reports")?;
        let key_value =
            HeaderValue::from_str(key).map_err(|_| ClientError::config("冪等キーに使えない文字が含まれています"))?;
        let resp = self
            .http
            .post(&url)
            .headers(self.headers())
            .header("Idempotency-Key", key_value)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| from_transport(&e, &self.base))?;
        let status = resp.status();
        let resp = check(resp, &self.base).await?;
        let bytes = resp.bytes().await.map_err(|e| from_transport(&e, &self.base))?;
        let receipt: Receipt = serde_json::from_slice(&bytes).map_err(|e| {
            ClientError::new(
                ErrorKind::Protocol,
                format!("保険会社サーバーの受付の応答を読めません: {e}"),
            )
        })?;
        if receipt.idempotency_key != key {
            return Err(ClientError::new(
                ErrorKind::Protocol,
                format!(
                    "保険会社サーバーの受付の冪等キー（{}）が送った結果報告（{key}）と違います",
                    receipt.idempotency_key
                ),
            ));
        }
        Ok(Accepted {
            receipt,
            replayed: status == StatusCode::OK,
        })
    }

    /// `GET /v1/groups/{group}/months/{month}/payments` (the JSON as the server sent it).
    pub async fn payments(&self, group: &str, month: &str) -> Result<serde_json::Value, ClientError> {
        let url = self.month_url(group, month, "payments")?;
        self.json(self.http.get(&url), "入金状況").await
    }

    /// Send `req` with the token; the answer's JSON, or the server's error.
    async fn json(&self, req: reqwest::RequestBuilder, what: &str) -> Result<serde_json::Value, ClientError> {
        let resp = req
            .headers(self.headers())
            .send()
            .await
            .map_err(|e| from_transport(&e, &self.base))?;
        let resp = check(resp, &self.base).await?;
        let bytes = resp.bytes().await.map_err(|e| from_transport(&e, &self.base))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| ClientError::new(ErrorKind::Protocol, format!("{what}の応答を読めません: {e}")))
    }
}

/// What an insurer's staff token can do (`/v1/admin/*`): set up a group on the server. For the
/// insurer's own tools, the demo insurer of `infoone month-end --demo-server` and tests.
impl Client {
    async fn admin_post(&self, tail: &str, body: Vec<u8>) -> Result<serde_json::Value, ClientError> {
        let req = self
            .http
            .post(format!("{}/v1/admin/{tail}", self.base))
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        self.json(req, "保険会社サーバー").await
    }

    /// `POST /v1/admin/packages`: load a group's ledger from a bill package.
    pub async fn admin_load_package(&self, package: &[u8]) -> Result<serde_json::Value, ClientError> {
        self.admin_post("packages", package.to_vec()).await
    }

    /// `POST /v1/admin/groups/{group}/tokens`: a new API token for the group's clerks.
    pub async fn admin_create_token(&self, group: &str) -> Result<Token, ClientError> {
        let answer = self
            .admin_post(&format!("groups/{}/tokens", segment("団体コード", group)?), Vec::new())
            .await?;
        let token = answer
            .get("token")
            .and_then(|t| t.as_str())
            .ok_or_else(|| ClientError::new(ErrorKind::Protocol, "保険会社サーバーの応答にAPIトークンがありません"))?;
        Token::new(token)
    }
}

/// A 2xx response as is; anything else as a [`ClientError`] with the server's `error` object.
async fn check(resp: reqwest::Response, base: &str) -> Result<reqwest::Response, ClientError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let retry_after = resp
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    // The body of an error may itself be cut off; the status is what counts then.
    let body = resp.bytes().await.unwrap_or_default();
    let value: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let error = value.as_ref().and_then(|v| v.get("error")).cloned();
    let server_code = error
        .as_ref()
        .and_then(|e| e.get("code"))
        .and_then(|c| c.as_str())
        .map(str::to_string);
    let server_message = error
        .as_ref()
        .and_then(|e| e.get("message"))
        .and_then(|c| c.as_str())
        .map(str::to_string);
    let lines = error
        .as_ref()
        .and_then(|e| e.get("lines"))
        .or_else(|| value.as_ref().and_then(|v| v.get("lines")))
        .and_then(|l| l.as_array())
        .cloned()
        .unwrap_or_default();
    let said = server_message.as_deref().map(|m| format!(": {m}")).unwrap_or_default();
    let code = server_code.as_deref().unwrap_or("");
    let (kind, message) = match status.as_u16() {
        401 | 403 => (
            ErrorKind::Auth,
            format!("保険会社サーバー（{base}）がAPIトークンを受け付けませんでした（HTTP {}）{said}。「infoone login」でトークンを登録し直してください", status.as_u16()),
        ),
        404 => (
            ErrorKind::NotFound,
            format!("保険会社サーバーに該当する団体・月がありません（HTTP 404）{said}"),
        ),
        409 => (ErrorKind::Conflict, conflict_message(code, &said, error.as_ref())),
        422 => (ErrorKind::Rejected, rejected_message(code, &said, &lines, error.as_ref())),
        429 => (
            ErrorKind::Server,
            format!("保険会社サーバーが混み合っています（HTTP 429）{said}"),
        ),
        s if s >= 500 => (
            ErrorKind::Server,
            format!("保険会社サーバーでエラーが起きました（HTTP {s}）{said}"),
        ),
        s => (
            ErrorKind::Protocol,
            format!("保険会社サーバーが要求を受け付けませんでした（HTTP {s}）{said}"),
        ),
    };
    Err(ClientError {
        kind,
        message,
        status: Some(status.as_u16()),
        server_code,
        server: Some(Box::new(ServerSaid {
            message: server_message,
            lines,
            detail: error,
        })),
        retry_after,
    })
}

fn conflict_message(code: &str, said: &str, error: Option<&serde_json::Value>) -> String {
    match code {
        "stale_package" => {
            let changed: Vec<String> = error
                .and_then(|e| e.get("changes"))
                .and_then(|c| c.as_array())
                .map(|c| {
                    c.iter()
                        .filter_map(|x| x.get("part").and_then(|p| p.as_str()).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let changed = if changed.is_empty() {
                String::new()
            } else {
                format!("（変わった部分: {}）", changed.join("、"))
            };
            format!(
                "結果報告の元になった請求パッケージが古いため、保険会社が受け付けませんでした（stale_package）{said}{changed}。\
                 「infoone month load --from-server」で最新の請求パッケージを確認し、保険会社に相談してください"
            )
        }
        "already_reported" => {
            format!("この月の結果報告は保険会社がすでに受け付けています（already_reported）{said}")
        }
        "idempotency_conflict" => {
            format!("同じ冪等キーで内容の違う結果報告がすでに送られています（idempotency_conflict）{said}")
        }
        other => format!("保険会社が結果報告を受け付けませんでした（{other}）{said}"),
    }
}

/// A 422: the server's own code says why. The differing amounts of a `totals_mismatch`, and the
/// `problems` / `findings` of the other refusals (a change the ledger refuses, deduction results
/// that do not fit the bill, a bill that cannot be confirmed), are listed for the clerk.
fn rejected_message(code: &str, said: &str, lines: &[serde_json::Value], error: Option<&serde_json::Value>) -> String {
    if code != "totals_mismatch" {
        let code = if code.is_empty() { "unprocessable" } else { code };
        let mut m = format!("保険会社が結果報告を受け付けませんでした（{code}）{said}");
        let listed: Vec<&serde_json::Value> = ["problems", "findings"]
            .iter()
            .filter_map(|k| error.and_then(|e| e.get(*k)).and_then(|v| v.as_array()))
            .flatten()
            .collect();
        for p in listed.iter().take(20) {
            let text = |k: &str| p.get(k).and_then(|v| v.as_str()).unwrap_or_default();
            let who = match text("employee_no") {
                "" => String::new(),
                e => format!("社員番号{e}: "),
            };
            m.push_str(&format!("\n  {who}{}", text("message")));
        }
        if listed.len() > 20 {
            m.push_str(&format!("\n  …ほか{}件", listed.len() - 20));
        }
        return m;
    }
    let mut m =
        format!("保険会社が結果報告の金額を計算し直したところ一致せず、受け付けませんでした（totals_mismatch）{said}");
    for l in lines.iter().take(20) {
        m.push_str("\n  ");
        let field = |k: &str| {
            l.get(k)
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        };
        if let (Some(office), Some(f), Some(reported), Some(computed)) =
            (field("office"), field("field"), field("reported"), field("computed"))
        {
            m.push_str(&format!(
                "事業所{office} {f}: 報告 {reported}円 / 保険会社の計算 {computed}円"
            ));
            continue;
        }
        match l.as_object() {
            Some(o) => {
                let parts: Vec<String> = o
                    .iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => format!("{k}={s}"),
                        other => format!("{k}={other}"),
                    })
                    .collect();
                m.push_str(&parts.join(" "));
            }
            None => m.push_str(&l.to_string()),
        }
    }
    if lines.len() > 20 {
        m.push_str(&format!("\n  …ほか{}件", lines.len() - 20));
    }
    m
}
