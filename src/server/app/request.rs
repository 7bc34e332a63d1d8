//! Request bodies of the application API: JSON read into a typed request, every failure a
//! 400 `BAD_REQUEST` body rather than the framework's plain-text rejection.

use axum::body::Body;
use serde::de::DeserializeOwned;

use super::error::AppError;
use crate::server::MAX_BODY_BYTES;

/// Reads and parses a JSON body into `T`.
pub async fn read_json<T: DeserializeOwned>(body: Body) -> Result<T, AppError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            AppError::bad_request(format!(
                "the request body exceeds the limit of {MAX_BODY_BYTES} bytes"
            ))
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::bad_request("the request body is empty"));
    }
    serde_json::from_slice(&bytes)
        .map_err(|error| AppError::bad_request(format!("the request body is not valid: {error}")))
}

/// A required text field, trimmed and not empty.
pub fn required(value: &str, name: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::bad_request(format!("`{name}` must not be empty")));
    }
    Ok(value.to_owned())
}
