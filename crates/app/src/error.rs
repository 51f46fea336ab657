//! The one error type of the use cases: a small `code` the UI acts on, and a message a clerk can.

use std::fmt;

use infoone_formats::error::FileError;
use infoone_store::StoreError;
use serde::Serialize;

/// What kind of failure: the UI and the CLI's exit status act on this, never on message text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A file or a value the clerk gave is wrong (positioned message).
    BadInput,
    /// The month, change or file does not exist.
    NotFound,
    /// The month's state does not allow this step.
    WrongState,
    /// A business rule refuses the step (finding code in the message).
    Refused,
    /// The database or the file system failed.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
        }
    }
    pub fn bad_input(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::BadInput, message)
    }
    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::NotFound, message)
    }
    pub fn wrong_state(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::WrongState, message)
    }
    pub fn refused(message: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::Refused, message)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        let msg = e.to_string();
        if msg.contains("reopen it first") {
            return AppError::wrong_state(
                "この月は請求確定済みです。変更するには先に「month reopen」で確定を解除してください",
            );
        }
        if msg.contains("transition not allowed") {
            return AppError::wrong_state("この月の状態ではその操作はできません");
        }
        AppError::new(ErrorCode::Internal, msg)
    }
}

impl From<FileError> for AppError {
    fn from(e: FileError) -> AppError {
        AppError::bad_input(e.to_string())
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
