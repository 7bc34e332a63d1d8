//! Bearer-token authentication (RFC 7644 §2, RFC 6750).
//!
//! A missing or wrong token gets `401` with `WWW-Authenticate: Bearer` and a SCIM error body.
//! The comparison takes the same time wherever the tokens differ, and the token is never
//! logged or echoed. The check is a hand-written tower layer rather than `from_fn` middleware:
//! it runs on every request, and a boxed middleware future cost about a tenth of the
//! throughput of a GET by id (`scripts/bench.sh`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use super::respond::ApiError;
use crate::scim::ScimError;

/// Whether two secrets are equal, in a time that depends on neither where they differ nor
/// whether their lengths do: every byte up to the longer length is compared (a missing byte
/// reads as 0 and the length difference is folded in), with no early return. The time grows
/// with the longer input only, which a caller learns nothing from.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let longest = a.len().max(b.len());
    // A length difference sets bits that no byte comparison can clear.
    let mut difference = (a.len() ^ b.len()) as u64;
    for index in 0..longest {
        let x = a.get(index).copied().unwrap_or(0);
        let y = b.get(index).copied().unwrap_or(0);
        difference |= u64::from(x ^ y);
    }
    // Keep the optimiser from turning the fold back into an early-exit comparison.
    std::hint::black_box(difference) == 0
}

/// The token presented, from `Authorization: Bearer <token>` (scheme case-insensitive).
fn presented(request: &Request) -> Option<&[u8]> {
    let value = request.headers().get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then_some(token.trim_ascii())
}

fn unauthorized(request: &Request) -> Response {
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

/// Refuses requests without the server's bearer token.
#[derive(Clone)]
pub struct RequireBearerLayer {
    token: Arc<str>,
}

impl RequireBearerLayer {
    pub fn new(token: &str) -> Self {
        RequireBearerLayer {
            token: Arc::from(token),
        }
    }
}

impl<S> Layer<S> for RequireBearerLayer {
    type Service = RequireBearer<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireBearer {
            inner,
            token: self.token.clone(),
        }
    }
}

#[derive(Clone)]
pub struct RequireBearer<S> {
    inner: S,
    token: Arc<str>,
}

impl<S> Service<Request> for RequireBearer<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AuthFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let authorized =
            presented(&request).is_some_and(|token| constant_time_eq(token, self.token.as_bytes()));
        if authorized {
            AuthFuture::Inner {
                future: self.inner.call(request),
            }
        } else {
            AuthFuture::Refused {
                response: Some(unauthorized(&request)),
            }
        }
    }
}

pin_project! {
    /// The inner service's future, or an immediate 401.
    #[project = AuthFutureProjection]
    pub enum AuthFuture<F> {
        Inner { #[pin] future: F },
        Refused { response: Option<Response> },
    }
}

impl<F> Future for AuthFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            AuthFutureProjection::Inner { future } => future.poll(cx),
            AuthFutureProjection::Refused { response } => {
                Poll::Ready(Ok(response.take().unwrap_or_else(|| {
                    // Polled again after completion: answer the same refusal, never panic.
                    ApiError(ScimError::new(401, None, "authentication required")).into_response()
                })))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn equal_secrets_compare_equal() {
        assert!(constant_time_eq(
            b"integration-test-token",
            b"integration-test-token"
        ));
        assert!(constant_time_eq(&[0, 255, 7], &[0, 255, 7]));
    }

    #[test]
    fn secrets_differing_anywhere_compare_unequal() {
        assert!(!constant_time_eq(b"secret-token", b"Secret-token"));
        assert!(!constant_time_eq(b"secret-token", b"secret-tokeN"));
        assert!(!constant_time_eq(b"secret-token", b"secret-t0ken"));
    }

    #[test]
    fn different_lengths_compare_unequal_even_with_a_common_prefix() {
        assert!(!constant_time_eq(b"secret", b"secret-token"));
        assert!(!constant_time_eq(b"secret-token", b"secret"));
        // A missing byte reads as 0, so trailing zeros must not make a prefix equal.
        assert!(!constant_time_eq(b"ab", b"ab\0"));
        assert!(!constant_time_eq(b"ab\0", b"ab"));
    }

    #[test]
    fn empty_secrets() {
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"", b"x"));
        assert!(!constant_time_eq(b"\0", b""));
    }
}
