//! Bearer-token authentication (RFC 7644 §2, RFC 6750).
//!
//! A missing or wrong token gets `401` with `WWW-Authenticate: Bearer` and a SCIM error body.
//! The comparison takes the same time wherever the tokens differ, and the token is never
//! logged or echoed.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::respond::ApiError;
use crate::scim::ScimError;

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token presented, from `Authorization: Bearer <token>` (scheme case-insensitive).
fn presented(request: &Request) -> Option<&[u8]> {
    let value = request.headers().get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then_some(token.trim_ascii())
}

pub async fn require_bearer(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let authorized =
        presented(&request).is_some_and(|token| constant_time_eq(token, state.token.as_bytes()));
    if authorized {
        return next.run(request).await;
    }
    let detail = if request.headers().contains_key(header::AUTHORIZATION) {
        "the bearer token is not valid"
    } else {
        "authentication required: send Authorization: Bearer <token>"
    };
    let mut response = ApiError(ScimError::new(401, None, detail)).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"scimulate\""),
    );
    response
}
