//! API tokens and who is calling.
//!
//! A token is 256 random bits, shown once (`iog_` + 64 hex digits for a group, `ios_` for
//! insurer staff); the database keeps only its SHA-256, when it expires and whether it was
//! revoked. A group token reaches only its own group; a staff token reaches every group and
//! `/v1/admin/*`. An expired or revoked token is refused like a wrong one.
//!
//! Guessing is slowed down per peer address: after [`FREE_FAILURES`] wrong tokens, the peer must
//! wait `base × 2^(n − 5)` (capped at [`MAX_LOCKOUT`]) after its last failure before a wrong
//! token of it is answered 401 again; meanwhile a wrong token gets 429 with `Retry-After`. A
//! VALID token is not held up by the wrong tokens of its address (a clerk behind the same NAT as
//! a guesser still works): guessing a 256-bit token is hopeless, the lockout only keeps a
//! guesser from hammering the server. Valid tokens are rate-limited per token instead
//! ([`crate::Limits::token_requests_per_minute`]). The failure count is forgotten
//! [`FORGET_AFTER`] after the last failure. A request without a token is not a guess.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::routes::Peer;
use crate::AppState;

pub const FREE_FAILURES: u32 = 5;
pub const MAX_LOCKOUT: Duration = Duration::from_secs(300);
pub const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    Staff,
    Group(String),
}

/// The caller, once authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub token_id: i64,
    pub role: Role,
    /// When the token stops working (RFC 3339), if ever.
    pub expires_at: Option<String>,
}

impl Caller {
    pub fn can_see(&self, group: &str) -> bool {
        match &self.role {
            Role::Staff => true,
            Role::Group(g) => g == group,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.role == Role::Staff
    }

    /// How the audit log names the caller.
    pub fn actor(&self) -> String {
        match &self.role {
            Role::Staff => format!("staff-token:{}", self.token_id),
            Role::Group(g) => format!("group-token:{}:{g}", self.token_id),
        }
    }
}

/// A new token: `prefix` + 64 hex digits of 256 random bits.
pub fn new_token(prefix: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Failed authentications per peer, and requests per valid token.
pub struct Limiter {
    base: Duration,
    peers: Mutex<HashMap<Option<IpAddr>, (u32, Instant)>>,
    per_minute: u32,
    tokens: Mutex<HashMap<i64, (u32, Instant)>>,
}

impl Limiter {
    pub fn new(base: Duration, per_minute: u32) -> Limiter {
        Limiter {
            base,
            peers: Mutex::new(HashMap::new()),
            per_minute,
            tokens: Mutex::new(HashMap::new()),
        }
    }

    fn lockout(&self, failures: u32) -> Duration {
        if failures < FREE_FAILURES {
            return Duration::ZERO;
        }
        let exp = (failures - FREE_FAILURES).min(20);
        self.base.saturating_mul(1 << exp).min(MAX_LOCKOUT)
    }

    /// Refuses (429) a peer that must still wait.
    pub fn check(&self, peer: Option<IpAddr>) -> Result<(), ApiError> {
        let peers = self.peers.lock().unwrap_or_else(|e| e.into_inner());
        let Some(&(failures, last)) = peers.get(&peer) else {
            return Ok(());
        };
        let wait = self.lockout(failures);
        let waited = last.elapsed();
        if waited < wait && waited < FORGET_AFTER {
            let left = (wait - waited).as_secs_f64().ceil().max(1.0) as u64;
            return Err(too_many(
                "too_many_failures",
                format!("認証の失敗が続いたため、受付を一時停止しています。{left}秒後にもう一度お試しください"),
                left,
            ));
        }
        Ok(())
    }

    pub fn failed(&self, peer: Option<IpAddr>) {
        let mut peers = self.peers.lock().unwrap_or_else(|e| e.into_inner());
        if peers.len() > 100_000 {
            peers.retain(|_, (_, last)| last.elapsed() < FORGET_AFTER);
        }
        let entry = peers.entry(peer).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= FORGET_AFTER {
            entry.0 = 0;
        }
        entry.0 += 1;
        entry.1 = Instant::now();
    }

    /// One more request of a valid token: refused (429) past `per_minute` in the current
    /// minute of that token (a fixed window from its first request).
    pub fn token_request(&self, token_id: i64) -> Result<(), ApiError> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let window = Duration::from_secs(60);
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if tokens.len() > 100_000 {
            tokens.retain(|_, (_, start)| start.elapsed() < window);
        }
        let entry = tokens.entry(token_id).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= window {
            *entry = (0, Instant::now());
        }
        if entry.0 >= self.per_minute {
            let left = (window.saturating_sub(entry.1.elapsed())).as_secs_f64().ceil().max(1.0) as u64;
            return Err(too_many(
                "rate_limited",
                format!(
                    "このトークンからの要求が多すぎます（1分あたり{}件まで）。{left}秒後にもう一度お試しください",
                    self.per_minute
                ),
                left,
            ));
        }
        entry.0 += 1;
        Ok(())
    }
}

fn too_many(code: &'static str, message: String, retry_after: u64) -> ApiError {
    let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, message);
    e.retry_after = Some(retry_after);
    e
}

/// Whether `expires_at` (RFC 3339) is past.
fn expired(expires_at: Option<&str>) -> bool {
    expires_at.is_some_and(|e| chrono::DateTime::parse_from_rfc3339(e).map_or(true, |t| t <= chrono::Utc::now()))
}

/// `at` plus `days`, in the form of [`crate::routes::stamp`].
pub fn expiry_after(days: u32) -> String {
    let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
    (chrono::Utc::now() + chrono::Duration::days(i64::from(days)))
        .with_timezone(&jst)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        let peer = parts.extensions.get::<Peer>().map(|p| p.0);
        let unauthorized = |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message);
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "APIトークンが必要です（Authorization: Bearer <トークン>）",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthorized("Authorization ヘッダーは「Bearer <トークン>」の形で指定してください"))?;
        let hash = hash_token(token);
        let caller = match state.cached_caller(&hash) {
            Some(c) => Some(c),
            None => {
                let st = state.clone();
                let h = hash.clone();
                let found = state.blocking(move || st.db().read(|tx| Ok(tx.srv_token(&h)?))).await?;
                match found {
                    Some(row) if row.revoked_at.is_none() => {
                        let role = match (row.role.as_str(), row.group_code) {
                            ("staff", _) => Role::Staff,
                            (_, Some(g)) => Role::Group(g),
                            _ => return Err(ApiError::internal("group token without a group")),
                        };
                        let caller = Caller {
                            token_id: row.id,
                            role,
                            expires_at: row.expires_at,
                        };
                        state.cache_caller(hash, caller.clone());
                        Some(caller)
                    }
                    _ => None,
                }
            }
        };
        match caller {
            Some(c) if !expired(c.expires_at.as_deref()) => {
                state.limiter().token_request(c.token_id)?;
                Ok(c)
            }
            found => {
                // A wrong (or expired, or revoked) token: a guess.
                state.limiter().check(peer)?;
                state.limiter().failed(peer);
                Err(unauthorized(if found.is_some() {
                    "APIトークンの有効期限が切れています。保険会社に新しいトークンの発行を依頼してください"
                } else {
                    "APIトークンが正しくないか、無効にされています。保険会社から発行されたトークンを確認してください"
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_hashed() {
        let t = new_token("iog_").unwrap();
        assert_eq!(t.len(), 4 + 64);
        assert_ne!(t, new_token("iog_").unwrap());
        assert_eq!(hash_token(&t).len(), 64);
        assert_ne!(hash_token(&t), t[4..]);
    }

    #[test]
    fn the_lockout_doubles_after_five_failures() {
        let l = Limiter::new(Duration::from_secs(1), 0);
        assert_eq!(l.lockout(4), Duration::ZERO);
        assert_eq!(l.lockout(5), Duration::from_secs(1));
        assert_eq!(l.lockout(7), Duration::from_secs(4));
        assert_eq!(l.lockout(40), MAX_LOCKOUT);
        let peer = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..4 {
            l.failed(peer);
        }
        assert!(l.check(peer).is_ok());
        l.failed(peer);
        let e = l.check(peer).unwrap_err();
        assert_eq!((e.status, e.retry_after), (StatusCode::TOO_MANY_REQUESTS, Some(1)));
        assert!(l.check(Some(IpAddr::from([127, 0, 0, 2]))).is_ok());
    }

    #[test]
    fn each_token_has_its_own_budget_per_minute() {
        let l = Limiter::new(Duration::from_secs(1), 3);
        for _ in 0..3 {
            l.token_request(1).unwrap();
        }
        let e = l.token_request(1).unwrap_err();
        assert_eq!((e.status, e.code), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
        assert!(e.retry_after.is_some_and(|s| (1..=60).contains(&s)));
        l.token_request(2).unwrap();
    }

    #[test]
    fn expiry_is_a_time_in_the_past_or_not() {
        assert!(!expired(None));
        assert!(expired(Some("2020-01-01T00:00:00+09:00")));
        assert!(!expired(Some(&expiry_after(1))));
        assert!(expired(Some("not a time")));
    }
}
