//! Who is calling: the `X-Api-Key` header (Clockify's scheme), checked against the owner's key
//! and the keys issued at login.
//!
//! Keys are compared in constant time, the owner's and every issued one alike. A user's key is
//! checked against the SCIM resource on every request, with no cache, so a deactivation
//! through SCIM refuses the key on its very next use and a deletion makes it unknown (401). The `access-survives-deactivation` quirk is the session cache a real
//! application might keep.

use axum::http::HeaderMap;

use super::error::{AppError, Code};
use super::view::is_active;
use crate::server::AppState;
use crate::server::auth::constant_time_eq;
use crate::server::store::Kind;

pub const API_KEY_HEADER: &str = "x-api-key";

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The workspace owner: an app-only account, no SCIM User.
    Owner,
    /// A member: the id of its SCIM User.
    User(String),
}

impl Caller {
    /// `Err` (403 `FORBIDDEN`) unless the caller is the owner.
    pub fn require_owner(&self) -> Result<(), AppError> {
        match self {
            Caller::Owner => Ok(()),
            Caller::User(_) => Err(AppError::new(
                Code::Forbidden,
                "only the workspace owner may do this",
            )),
        }
    }
}

fn unauthorized(message: &str) -> AppError {
    AppError::new(Code::Unauthorized, message)
}

/// The caller behind the request's `X-Api-Key`.
pub fn identify(app: &AppState, headers: &HeaderMap) -> Result<Caller, AppError> {
    let Some(key) = headers.get(API_KEY_HEADER) else {
        return Err(unauthorized("send your API key in the X-Api-Key header"));
    };
    let key = key.as_bytes().trim_ascii();
    if constant_time_eq(key, app.owner_key.as_bytes()) {
        return Ok(Caller::Owner);
    }
    let invalid = || unauthorized("the API key is not valid");
    // Every issued key is compared, each in constant time, rather than looked up in the map:
    // a hash lookup ends in an early-exit comparison with whichever key shares the bucket.
    let user_id = app
        .workspace
        .lock()
        .keys
        .iter()
        .fold(None, |found, (issued, user_id)| {
            if constant_time_eq(issued.as_bytes(), key) {
                Some(user_id.clone())
            } else {
                found
            }
        });
    let user_id = user_id.ok_or_else(invalid)?;
    let active = {
        let state = app.store.read();
        let user = state.get(Kind::User, &user_id).ok_or_else(invalid)?;
        is_active(user)
    };
    if !active
        && !app
            .workspace
            .session_survives(&app.quirks, &user_id, app.clock.now())
    {
        return Err(AppError::new(
            Code::UserInactive,
            "your account is deactivated",
        ));
    }
    Ok(Caller::User(user_id))
}
