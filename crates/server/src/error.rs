//! API errors: always `{"error": {"code": "<snake_case>", "message": "<Japanese>", …}}`.
//! A 5xx never shows internals: the detail goes to the server's log with an incident id that the
//! answer repeats, so support can find it.

use std::fmt::Display;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use infoone_store::StoreError;
use serde_json::{json, Map, Value};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// More members of the `error` object (`lines`, `changes`, `problems`, …).
    pub extra: Map<String, Value>,
    /// Seconds, for 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            extra: Map::new(),
            retry_after: None,
        }
    }

    /// Adds `key: value` to the error object.
    pub fn with(mut self, key: &str, value: Value) -> ApiError {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, code, message)
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// A 500 whose detail goes only to the log.
    pub fn internal(detail: impl Display) -> ApiError {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let incident = format!(
            "{}-{}",
            chrono::Utc::now().format("%Y%m%d%H%M%S"),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        eprintln!("infoone server: internal error {incident}: {detail}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!(
                "サーバーで問題が起きました。時間をおいてもう一度お試しください。続くときは保険会社にお問い合わせください（受付番号 {incident}）"
            ),
        )
        .with("incident", Value::String(incident))
    }

    /// The group (or anything of another group) a caller may not see: the same answer as a
    /// group that does not exist.
    pub fn unknown_group(group: &str) -> ApiError {
        ApiError::not_found(format!("団体「{group}」は見つかりません"))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        // The database refused a second row where one is allowed (a report for a month that
        // another request recorded first, a token hash already stored): a conflict, not a fault.
        if e.is_unique_violation() {
            return ApiError::conflict(
                "conflict",
                "同じ内容がすでに記録されています。状態を取り直してからもう一度行ってください",
            );
        }
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = Map::new();
        error.insert("code".into(), Value::String(self.code.into()));
        error.insert("message".into(), Value::String(self.message));
        error.extend(self.extra);
        let mut response = json_response(self.status, &json!({ "error": error }));
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

/// A JSON answer (`application/json`) that no cache keeps.
pub fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    bytes_response(status, body)
}

/// Pre-serialised JSON bytes (a `Vec` is taken over, `Bytes` shared: neither is copied).
pub fn bytes_response(status: StatusCode, body: impl Into<axum::body::Bytes>) -> Response {
    let body: axum::body::Bytes = body.into();
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// `/readyz` when the ledger's database does not answer: 503 `not_ready`; the cause (which may
/// name the database's host) goes only to the log.
pub fn not_ready(cause: StoreError) -> ApiError {
    eprintln!("infoone server: not ready: {cause}");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "not_ready",
        "台帳のデータベースに接続できません。しばらくしてからもう一度お試しください",
    )
}
