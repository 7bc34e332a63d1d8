//! The application API: a small Clockify-like application on the same listener as SCIM, so that
//! the harness can show lock-down end to end (issue "Lock-down: the application refuses what the
//! IdP owns, and deprovisioned users lose access at once").
//!
//! Modelled on Clockify's "SCIM user provisioning" help page: its users *are* the SCIM Users
//! of the store and its groups the SCIM Groups, so an IdP's change shows in the app at once;
//! the app keeps only what SCIM does not carry ([`workspace`]). While the owner has SCIM on,
//! the app refuses what the IdP owns (`lockdown`); a deactivated or deleted user's key stops
//! working on its next use (`caller`). The SCIM API is unaffected by the switch.
//!
//! Routes live under [`APP_BASE_PATH`], authenticate with `X-Api-Key`, and answer JSON errors
//! `{"code", "message"}` (`error`), never SCIM error bodies; the SCIM shape quirks and the
//! bearer token do not apply to them.

mod admin;
mod caller;
mod directory;
mod error;
mod groups;
mod lockdown;
mod me;
mod request;
mod view;
pub mod workspace;

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, delete, get, post, put};

use super::AppState;
use error::{AppError, Code};
pub use workspace::Workspace;

/// Where the application API lives, below the server's address.
pub const APP_BASE_PATH: &str = "/api/v1";

async fn method_not_allowed() -> Response {
    AppError::new(
        Code::MethodNotAllowed,
        "this endpoint does not support that method",
    )
    .into_response()
}

async fn not_found() -> Response {
    AppError::new(Code::NotFound, "no such endpoint").into_response()
}

fn with_405(route: MethodRouter<Arc<AppState>>) -> MethodRouter<Arc<AppState>> {
    route.fallback(method_not_allowed)
}

/// The application's routes, to be merged beside the SCIM ones.
pub(crate) fn router() -> Router<Arc<AppState>> {
    let at = |path: &str| format!("{APP_BASE_PATH}{path}");
    Router::new()
        .route(&at("/login"), with_405(post(me::login)))
        .route(&at("/me"), with_405(get(me::get_me).put(me::put_me)))
        .route(&at("/me/leave"), with_405(post(me::leave)))
        .route(&at("/workspace"), with_405(get(admin::get_workspace)))
        .route(&at("/workspace/join"), with_405(post(me::join)))
        .route(&at("/workspace/scim"), with_405(put(admin::put_scim)))
        .route(
            &at("/users"),
            with_405(get(admin::list_users).post(admin::add_user)),
        )
        .route(
            &at("/users/{id}"),
            with_405(put(admin::update_user).delete(admin::delete_user)),
        )
        .route(&at("/users/{id}/status"), with_405(put(admin::set_status)))
        .route(&at("/users/{id}/role"), with_405(put(admin::set_role)))
        .route(&at("/invitations"), with_405(post(admin::invite)))
        .route(&at("/invitations/{id}"), with_405(delete(admin::revoke)))
        .route(
            &at("/groups"),
            with_405(get(groups::list).post(groups::create)),
        )
        .route(
            &at("/groups/{id}"),
            with_405(put(groups::rename).delete(groups::delete)),
        )
        .route(&at("/{*rest}"), any(not_found))
}
