//! API tokens and who is calling.
//!
//! A token is 256 random bits, shown once (`iog_` + 64 hex digits for a group, `ios_` for
//! insurer staff); the database keeps only its SHA-256. A group token reaches only its own group;
//! a staff token reaches every group and `/v1/admin/*`.
//!
//! Guessing is slowed down per peer address: after [`FREE_FAILURES`] wrong tokens, the peer must
//! wait `base × 2^(n − 5)` (capped at [`MAX_LOCKOUT`]) after its last failure before any token
//! of it is checked again; meanwhile it gets 429 with `Retry-After`. The count is forgotten
//! [`FORGET_AFTER`] after the last failure. A request without a token is not a guess.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

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

/// Failed authentications per peer.
pub struct Limiter {
    base: Duration,
    peers: Mutex<HashMap<Option<IpAddr>, (u32, Instant)>>,
}

impl Limiter {
    pub fn new(base: Duration) -> Limiter {
        Limiter {
            base,
            peers: Mutex::new(HashMap::new()),
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
            let mut e = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_failures",
                format!("認証の失敗が続いたため、受付を一時停止しています。{left}秒後にもう一度お試しください"),
            );
            e.retry_after = Some(left);
            return Err(e);
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
        let l = Limiter::new(Duration::from_secs(1));
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
}
