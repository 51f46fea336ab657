//! The group's API token: in the OS keyring only (Windows Credential Manager, macOS Keychain,
//! the Secret Service on Linux), keyed by server URL and group — never in SQLite, a config file
//! or a log. [`Token`] prints as `Token(***)`.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use crate::error::{ClientError, ErrorKind};

/// The environment variable a token may come from instead of the keyring (automation, CI).
pub const TOKEN_ENV: &str = "INFOONE_TOKEN";

/// The keyring's service name; the account is `GROUP@URL`.
pub const KEYRING_SERVICE: &str = "InfoOne 保険会社API";

/// An API token. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A token as typed or piped in: surrounding white space is dropped; empty or with inner
    /// white space or control characters is refused.
    pub fn new(text: &str) -> Result<Token, ClientError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(ClientError::config("APIトークンが空です"));
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) || !t.is_ascii() {
            return Err(ClientError::config(
                "APIトークンに使えない文字（空白・改行・全角文字など）が含まれています",
            ));
        }
        Ok(Token(t.to_string()))
    }

    /// The secret itself: only for the `Authorization` header and the keyring.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where tokens are kept.
pub trait TokenStore {
    fn get(&self, url: &str, group: &str) -> Result<Option<Token>, ClientError>;
    fn set(&self, url: &str, group: &str, token: &Token) -> Result<(), ClientError>;
    /// `true` when there was a token to delete.
    fn delete(&self, url: &str, group: &str) -> Result<bool, ClientError>;
}

/// The OS keyring (the `keyring` crate).
#[derive(Clone, Copy, Debug, Default)]
pub struct Keyring;

fn account(url: &str, group: &str) -> String {
    format!("{group}@{}", url.trim_end_matches('/'))
}

fn keyring_error(e: keyring::Error) -> ClientError {
    ClientError::new(
        ErrorKind::Config,
        format!(
            "OSの資格情報ストア（キーリング）を使えません: {e}。\
             Linuxでは Secret Service（gnome-keyring など）が動いている必要があります"
        ),
    )
}

impl Keyring {
    fn entry(url: &str, group: &str) -> Result<keyring::Entry, ClientError> {
        keyring::Entry::new(KEYRING_SERVICE, &account(url, group)).map_err(keyring_error)
    }

    /// Whether the OS keyring can be used at all (on Linux: a Secret Service answers on D-Bus).
    pub fn available() -> Result<(), ClientError> {
        keyring::Entry::store_status()
            .as_ref()
            .map_err(|e| ClientError::config(format!("OSの資格情報ストア（キーリング）を使えません: {e}")))?;
        // The store may initialise without a live service; a read of an absent entry tells.
        match Keyring::entry("https://infoone.invalid", "probe")?.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

impl TokenStore for Keyring {
    fn get(&self, url: &str, group: &str) -> Result<Option<Token>, ClientError> {
        match Keyring::entry(url, group)?.get_password() {
            Ok(t) => Token::new(&t).map(Some),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn set(&self, url: &str, group: &str, token: &Token) -> Result<(), ClientError> {
        Keyring::entry(url, group)?
            .set_password(token.expose())
            .map_err(keyring_error)
    }

    fn delete(&self, url: &str, group: &str) -> Result<bool, ClientError> {
        match Keyring::entry(url, group)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

/// The environment variable naming the one group [`TOKEN_ENV`] belongs to.
pub const GROUP_ENV: &str = "INFOONE_GROUP";

/// `INFOONE_TOKEN` for the group named by `INFOONE_GROUP`, else the inner store. For automation
/// where no keyring runs; `set` and `delete` go to the inner store.
///
/// A token is issued for ONE group: `INFOONE_TOKEN` without `INFOONE_GROUP` is refused (it would
/// otherwise be sent to every group's server, a token of one group handed to another), and for
/// any other group the inner store is asked as if the variable were not set.
#[derive(Clone, Debug, Default)]
pub struct EnvOr<T>(pub T);

/// What `INFOONE_TOKEN` / `INFOONE_GROUP` give for `group`: `Ok(None)` when they do not apply.
pub fn env_token(token: Option<&str>, token_group: Option<&str>, group: &str) -> Result<Option<Token>, ClientError> {
    let Some(token) = token.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    match token_group.map(str::trim).filter(|g| !g.is_empty()) {
        None => Err(ClientError::config(format!(
            "環境変数 {TOKEN_ENV} を使うときは、そのトークンの団体コードを {GROUP_ENV} に指定してください\
             （トークンは団体ごとに発行され、ほかの団体には使えません）"
        ))),
        Some(g) if g == group => Token::new(token).map(Some),
        Some(_) => Ok(None),
    }
}

impl<T: TokenStore> TokenStore for EnvOr<T> {
    fn get(&self, url: &str, group: &str) -> Result<Option<Token>, ClientError> {
        let token = std::env::var(TOKEN_ENV).ok();
        let token_group = std::env::var(GROUP_ENV).ok();
        match env_token(token.as_deref(), token_group.as_deref(), group)? {
            Some(t) => Ok(Some(t)),
            None => self.0.get(url, group),
        }
    }
    fn set(&self, url: &str, group: &str, token: &Token) -> Result<(), ClientError> {
        self.0.set(url, group, token)
    }
    fn delete(&self, url: &str, group: &str) -> Result<bool, ClientError> {
        self.0.delete(url, group)
    }
}

/// Tokens in memory (tests, and a desktop session that must not persist one).
#[derive(Debug, Default)]
pub struct MemoryTokens(Mutex<HashMap<String, Token>>);

impl MemoryTokens {
    pub fn with(url: &str, group: &str, token: &Token) -> MemoryTokens {
        let m = MemoryTokens::default();
        let _ = m.set(url, group, token);
        m
    }
}

impl TokenStore for MemoryTokens {
    fn get(&self, url: &str, group: &str) -> Result<Option<Token>, ClientError> {
        Ok(self
            .0
            .lock()
            .map_err(|_| ClientError::config("token store poisoned"))?
            .get(&account(url, group))
            .cloned())
    }
    fn set(&self, url: &str, group: &str, token: &Token) -> Result<(), ClientError> {
        self.0
            .lock()
            .map_err(|_| ClientError::config("token store poisoned"))?
            .insert(account(url, group), token.clone());
        Ok(())
    }
    fn delete(&self, url: &str, group: &str) -> Result<bool, ClientError> {
        Ok(self
            .0
            .lock()
            .map_err(|_| ClientError::config("token store poisoned"))?
            .remove(&account(url, group))
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_token_serves_only_the_group_it_was_issued_for() {
        // Not set: the keyring decides.
        assert!(env_token(None, Some("G0001"), "G0001").unwrap().is_none());
        assert!(env_token(Some("  "), None, "G0001").unwrap().is_none());
        // Set without its group: refused, never sent to whatever group is asked.
        let e = env_token(Some("iog_abc"), None, "G0001").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
        assert!(e.message.contains(GROUP_ENV), "{}", e.message);
        // For its group: used; for another group: not (that group's own token is asked for).
        assert_eq!(
            env_token(Some("iog_abc"), Some("G0001"), "G0001").unwrap(),
            Some(Token::new("iog_abc").unwrap())
        );
        assert!(env_token(Some("iog_abc"), Some("G0001"), "G0002").unwrap().is_none());
    }
}
