//! The application API's errors: `{"code": "...", "message": "..."}` with the status that goes
//! with the code, as Clockify answers, never a SCIM error body.
//!
//! The codes are a contract with the harness (`expect_access` steps compare them), so they are a
//! closed enum rather than free text.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::server::store::StoreError;

/// What went wrong, as the `code` of the error body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A body that is not JSON, or lacks or mistypes a field.
    BadRequest,
    /// No `X-Api-Key`, or one that belongs to no one (any more).
    Unauthorized,
    /// A key that is not the owner's on an owner-only route.
    Forbidden,
    /// The user is deactivated.
    UserInactive,
    /// The lock-down: the identity provider owns this while SCIM is on.
    ScimManaged,
    NotFound,
    /// The email is already a user's.
    Conflict,
    MethodNotAllowed,
    /// The store could not commit.
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadRequest => "BAD_REQUEST",
            Code::Unauthorized => "UNAUTHORIZED",
            Code::Forbidden => "FORBIDDEN",
            Code::UserInactive => "USER_INACTIVE",
            Code::ScimManaged => "SCIM_MANAGED",
            Code::NotFound => "NOT_FOUND",
            Code::Conflict => "CONFLICT",
            Code::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Code::Internal => "INTERNAL",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Code::BadRequest => StatusCode::BAD_REQUEST,
            Code::Unauthorized => StatusCode::UNAUTHORIZED,
            Code::Forbidden | Code::UserInactive | Code::ScimManaged => StatusCode::FORBIDDEN,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::Conflict => StatusCode::CONFLICT,
            Code::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An error answer of the application API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    pub code: Code,
    pub message: String,
}

impl AppError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::new(Code::BadRequest, message)
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        AppError::new(Code::NotFound, format!("{what} `{id}` not found"))
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        AppError::new(Code::Internal, format!("the store failed: {error}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = json!({"code": self.code.as_str(), "message": self.message});
        json_response(self.code.status(), &body)
    }
}

/// A JSON response (`application/json`, the application's media type, not SCIM's).
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub type AppResult = Result<Response, AppError>;
