//! Request bodies: size, media type and JSON, each failure a SCIM error rather than the
//! framework's plain-text rejection.
//!
//! Bodies are read as bytes under [`MAX_BODY_BYTES`](super::MAX_BODY_BYTES). Both
//! `application/scim+json` and `application/json` are accepted (Okta's SPEC tests send the
//! latter, research/okta.md §4 item 14); a body with no `Content-Type` is read as JSON too.

use axum::body::Body;
use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::MAX_BODY_BYTES;
use crate::scim::ScimError;

fn is_json_media_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "application/scim+json"
}

/// Reads and parses a JSON request body.
pub async fn json_body(headers: &HeaderMap, body: Body) -> Result<Value, ScimError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let text = content_type.to_str().unwrap_or("");
        if !is_json_media_type(text) {
            return Err(ScimError::new(
                415,
                None,
                format!(
                    "unsupported media type `{text}`: send application/scim+json or application/json"
                ),
            ));
        }
    }
    let too_large = || {
        ScimError::new(
            413,
            None,
            format!("the request body exceeds the limit of {MAX_BODY_BYTES} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| too_large())?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::invalid_syntax("the request body is empty"));
    }
    serde_json::from_slice(&bytes).map_err(|error| {
        ScimError::invalid_syntax(format!("the request body is not valid JSON: {error}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_with_parameters_are_accepted() {
        assert!(is_json_media_type("application/scim+json; charset=utf-8"));
        assert!(is_json_media_type("Application/JSON"));
        assert!(!is_json_media_type("text/plain"));
        assert!(!is_json_media_type("application/x-www-form-urlencoded"));
    }
}
