//! `/v1/admin/…tokens…`: insurer staff issue a group's API tokens, list every token and revoke
//! one. A token is valid until it expires (`expires_at`) or is revoked; neither is ever undone.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use infoone_store::ledger_db::TokenRow;
use infoone_store::Audit;
use serde_json::{json, Value};

use crate::auth::{self, Caller};
use crate::error::{json_response, ApiError};
use crate::routes::{read_body, require_staff, stamp, Params};
use crate::AppState;

/// The longest a token may be issued for (10 years).
pub const MAX_TOKEN_DAYS: u32 = 3650;

fn token_json(t: &TokenRow) -> Value {
    json!({
        "token_id": t.id,
        "role": t.role,
        "group": t.group_code,
        "label": t.label,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "revoked_at": t.revoked_at,
    })
}

/// The body of a token request: empty, or `{"expires_in_days": N}` with N a whole number from 1
/// to [`MAX_TOKEN_DAYS`] (`30.0` is 30, as JSON Schema's `integer`); anything else is 422.
fn requested_days(bytes: &[u8]) -> Result<Option<u32>, ApiError> {
    let refused = |why: String| ApiError::unprocessable("invalid_token_request", why);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| refused(format!("要求を読めません: {e}")))?;
    let Value::Object(members) = value else {
        return Err(refused("要求は {\"expires_in_days\": 日数} の形にしてください".into()));
    };
    if let Some(other) = members.keys().find(|k| *k != "expires_in_days") {
        return Err(refused(format!("「{other}」は指定できません（expires_in_days のみ）")));
    }
    let Some(days) = members.get("expires_in_days") else {
        return Ok(None);
    };
    days.as_u64()
        .or_else(|| {
            days.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1e9)
                .map(|f| f as u64)
        })
        .and_then(|d| u32::try_from(d).ok())
        .filter(|d| (1..=MAX_TOKEN_DAYS).contains(d))
        .map(Some)
        .ok_or_else(|| {
            refused(format!(
                "expires_in_days は 1〜{MAX_TOKEN_DAYS} の整数で指定してください"
            ))
        })
}

/// `POST /v1/admin/groups/{group}/tokens`: a new token for the group's clerks, shown once. The
/// body may be empty or `{"expires_in_days": N}` (1 to 3650; default the server's
/// `group_token_days`).
pub async fn create_group_token(
    State(st): State<AppState>,
    caller: Result<Caller, ApiError>,
    params: Result<Params<String>, ApiError>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = caller?;
    let Params(group) = params?;
    require_staff(&caller)?;
    let bytes = read_body(&st, body, &headers).await?;
    let days = requested_days(&bytes)?.unwrap_or(st.limits().group_token_days);
    let s = st.clone();
    st.blocking(move || {
        let token = auth::new_token("iog_")?;
        let hash = auth::hash_token(&token);
        let at = stamp();
        let expires_at = auth::expiry_after(days);
        let actor = caller.actor();
        let id = s.db().write(|tx| {
            if tx.srv_group(&group)?.is_none() {
                return Err(ApiError::unknown_group(&group));
            }
            let id = tx.srv_insert_token(&hash, "group", Some(&group), "api", &at, Some(&expires_at))?;
            tx.audit(&Audit {
                at: &at,
                group_code: Some(&group),
                action: "server.token.create",
                entity: Some("token"),
                key: Some(&id.to_string()),
                after: Some(&expires_at),
                source: Some(&actor),
                ..Audit::default()
            })?;
            Ok(id)
        })?;
        Ok(json_response(
            StatusCode::CREATED,
            &json!({"token": token, "token_id": id, "group": group, "expires_at": expires_at}),
        ))
    })
    .await
}

/// `GET /v1/admin/tokens`: every token, never the token itself.
pub async fn list(State(st): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    require_staff(&caller)?;
    let s = st.clone();
    st.blocking(move || {
        let rows = s.db().read(|tx| Ok(tx.srv_tokens()?))?;
        Ok(json_response(
            StatusCode::OK,
            &json!({"tokens": rows.iter().map(token_json).collect::<Vec<_>>()}),
        ))
    })
    .await
}

/// Revoke token `id` in the database, with an audit row; `None` when there is no such token.
/// Used by the API and by `infoone server-token revoke` (on the database directly).
pub fn revoke_in(db: &crate::db::Db, id: i64, actor: &str) -> Result<Option<TokenRow>, ApiError> {
    let at = stamp();
    db.write(|tx| {
        let Some(before) = tx.srv_token_by_id(id)? else {
            return Ok(None);
        };
        if tx.srv_revoke_token(id, &at)? {
            tx.audit(&Audit {
                at: &at,
                group_code: before.group_code.as_deref(),
                action: "server.token.revoke",
                entity: Some("token"),
                key: Some(&id.to_string()),
                source: Some(actor),
                ..Audit::default()
            })?;
        }
        Ok(tx.srv_token_by_id(id)?)
    })
}

/// `POST /v1/admin/tokens/{token_id}/revoke`: the token stops working at once (this server
/// forgets what it had read about tokens). Revoking a revoked token changes nothing.
pub async fn revoke(State(st): State<AppState>, caller: Caller, Params(id): Params<i64>) -> Result<Response, ApiError> {
    require_staff(&caller)?;
    let s = st.clone();
    st.blocking(move || {
        let row = revoke_in(s.db(), id, &caller.actor())?
            .ok_or_else(|| ApiError::not_found(format!("トークン {id} はありません")))?;
        s.forget_callers();
        Ok(json_response(StatusCode::OK, &token_json(&row)))
    })
    .await
}
