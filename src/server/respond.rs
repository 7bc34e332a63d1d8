//! Responses: SCIM JSON with `application/scim+json`, errors as RFC 7644 §3.12 bodies, and the
//! quirks that change the shape of a response after the SCIM logic has decided it.
//!
//! Shape quirks live here, in one response layer, rather than in every handler: the handlers
//! stay correct, and a quirk is one visible rewrite of what they produced.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::{AppState, Quirk};
use crate::scim::ScimError;

pub const SCIM_JSON: &str = "application/scim+json";

/// A JSON body with the SCIM media type (RFC 7644 §3.1).
pub fn scim_json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    response
}

/// Already-serialised SCIM JSON.
pub fn scim_json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    response
}

/// The error type of every handler.
#[derive(Debug)]
pub struct ApiError(pub ScimError);

impl From<ScimError> for ApiError {
    fn from(error: ScimError) -> Self {
        ApiError(error)
    }
}

impl From<super::store::StoreError> for ApiError {
    fn from(error: super::store::StoreError) -> Self {
        ApiError(ScimError::new(
            500,
            None,
            format!("the store failed: {error}"),
        ))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        scim_json(status, &self.0.to_json())
    }
}

pub type ApiResult = Result<Response, ApiError>;

/// Rewrites responses for the shape quirks; a no-op (no buffering) without them.
pub async fn apply_shape_quirks(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let quirks = &state.quirks;
    let plain_text = quirks.has(Quirk::PlainTextErrors);
    let numeric = quirks.has(Quirk::NumericErrorStatus);
    let json_type = quirks.has(Quirk::JsonContentType);
    let errors_json_type = quirks.has(Quirk::ErrorsAsPlainJson);
    let paging_strings = quirks.has(Quirk::PagingAsStrings);
    let no_etags = quirks.has(Quirk::NoEtags);
    let mut response = next.run(request).await;
    if quirks.has(Quirk::BasicChallenge) && response.status() == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"scimulate\""),
        );
    }
    if !(plain_text || numeric || json_type || errors_json_type || paging_strings || no_etags) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "response body lost").into_response();
    };
    let mut bytes = bytes.to_vec();
    let is_error = parts.status.is_client_error() || parts.status.is_server_error();
    if no_etags {
        parts.headers.remove(header::ETAG);
    }
    if let Ok(mut json) = serde_json::from_slice::<Value>(&bytes) {
        if is_error && plain_text {
            let detail = json["detail"].as_str().unwrap_or("error").to_owned();
            bytes = detail.into_bytes();
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            return Response::from_parts(parts, Body::from(bytes));
        }
        let mut changed = false;
        if is_error && numeric {
            json["status"] = Value::from(parts.status.as_u16());
            changed = true;
        }
        if no_etags {
            changed |= strip_versions(&mut json);
        }
        if paging_strings && json.get("totalResults").is_some() {
            for key in ["totalResults", "startIndex", "itemsPerPage"] {
                if let Some(number) = json.get(key).filter(|v| v.is_number()) {
                    json[key] = Value::String(number.to_string());
                }
            }
            changed = true;
        }
        if changed {
            bytes = json.to_string().into_bytes();
            parts.headers.remove(header::CONTENT_LENGTH);
        }
    }
    if (json_type || (errors_json_type && is_error))
        && parts
            .headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(SCIM_JSON.as_bytes()))
    {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The `no-etags` quirk: takes `meta.version` out of a resource, out of each resource of a
/// list, and `version` (with the resource's `meta.version`) out of each Bulk result. Whether
/// anything was taken.
fn strip_versions(json: &mut Value) -> bool {
    fn strip_meta(resource: &mut Value) -> bool {
        resource
            .get_mut("meta")
            .and_then(Value::as_object_mut)
            .is_some_and(|meta| meta.remove("version").is_some())
    }
    let mut changed = strip_meta(json);
    for key in ["Resources", "Operations"] {
        if let Some(Value::Array(items)) = json.get_mut(key) {
            for item in items {
                changed |= strip_meta(item);
                if let Some(fields) = item.as_object_mut() {
                    changed |= fields.remove("version").is_some();
                    if let Some(response) = fields.get_mut("response") {
                        changed |= strip_meta(response);
                    }
                }
            }
        }
    }
    changed
}

/// The `throttle` quirk: every other request is refused with 429 and `Retry-After: 1`, as a
/// rate-limited server does; the others pass through untouched.
pub async fn throttle(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let seen = state
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if seen % 2 == 1 {
        let mut response = ApiError(ScimError::new(
            429,
            None,
            "too many requests; retry after 1 second",
        ))
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    next.run(request).await
}
