//! What a member does for themself: log in (standing for SSO), read and edit their profile,
//! leave the workspace, and auto-join it by company domain.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::caller::{Caller, identify};
use super::directory;
use super::error::{AppError, AppResult, Code, json_response};
use super::lockdown::{self, Action};
use super::request::{read_json, required};
use super::view::{Identity, is_active, owner_view, user_view};
use crate::server::AppState;
use crate::server::store::Kind;

#[derive(Deserialize)]
struct Login {
    email: String,
}

/// `POST /api/v1/login`: the user's key, issued on first login and the same until deletion.
pub async fn login(State(app): State<Arc<AppState>>, body: Body) -> AppResult {
    let Login { email } = read_json(body).await?;
    let state = app.store.read();
    let mut matches: Vec<_> = state
        .all(Kind::User)
        .filter(|user| Identity::answers_to(user, &email))
        .collect();
    // An active account wins over a deactivated one with the same address.
    matches.sort_by_key(|user| !is_active(user));
    let Some(user) = matches.first() else {
        return Err(AppError::new(Code::NotFound, "no user has this email"));
    };
    if !is_active(user) {
        return Err(AppError::new(
            Code::UserInactive,
            "this account is deactivated",
        ));
    }
    let api_key = app.workspace.lock().key_for(&user.id);
    let body = json!({"userId": user.id, "apiKey": api_key});
    Ok(json_response(StatusCode::OK, &body))
}

/// The caller's app view.
fn me_view(app: &AppState, caller: &Caller) -> Result<Value, AppError> {
    match caller {
        Caller::Owner => Ok(owner_view(app.workspace.lock().owner_timezone.as_deref())),
        Caller::User(id) => {
            let state = app.store.read();
            let user = state
                .get(Kind::User, id)
                .ok_or_else(|| AppError::new(Code::Unauthorized, "the API key is not valid"))?;
            let role = app.workspace.lock().role(id);
            Ok(user_view(user, role))
        }
    }
}

/// `GET /api/v1/me`.
pub async fn get_me(State(app): State<Arc<AppState>>, headers: HeaderMap) -> AppResult {
    let caller = identify(&app, &headers)?;
    Ok(json_response(StatusCode::OK, &me_view(&app, &caller)?))
}

#[derive(Deserialize)]
struct MeUpdate {
    name: Option<String>,
    #[serde(rename = "timeZone")]
    time_zone: Option<String>,
}

/// `PUT /api/v1/me`: the time zone always (and it is then pinned against SCIM writes); the
/// name only while SCIM is off.
pub async fn put_me(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> AppResult {
    let caller = identify(&app, &headers)?;
    let update: MeUpdate = read_json(body).await?;
    if update.name.is_some() {
        lockdown::check(&app.workspace, &app.quirks, Action::ChangeOwnName)?;
    }
    let name = update
        .name
        .as_deref()
        .map(|n| required(n, "name"))
        .transpose()?;
    let zone = update
        .time_zone
        .as_deref()
        .map(|z| required(z, "timeZone"))
        .transpose()?;
    match &caller {
        Caller::Owner => {
            if name.is_some() {
                return Err(AppError::new(
                    Code::Forbidden,
                    "the workspace owner's name cannot be changed",
                ));
            }
            if let Some(zone) = zone {
                app.workspace.lock().owner_timezone = Some(zone);
            }
        }
        Caller::User(id) => {
            directory::update(&app, Kind::User, id, |body, _| {
                if let Some(zone) = &zone {
                    body["timezone"] = Value::String(zone.clone());
                }
                if let Some(name) = &name {
                    body["displayName"] = Value::String(name.clone());
                }
                Ok(())
            })?;
            if zone.is_some() {
                let mut workspace = app.workspace.lock();
                workspace
                    .members
                    .entry(id.clone())
                    .or_default()
                    .timezone_pinned = true;
            }
        }
    }
    Ok(json_response(StatusCode::OK, &me_view(&app, &caller)?))
}

/// `POST /api/v1/me/leave`: the member deletes themself.
pub async fn leave(State(app): State<Arc<AppState>>, headers: HeaderMap) -> AppResult {
    let caller = identify(&app, &headers)?;
    lockdown::check(&app.workspace, &app.quirks, Action::LeaveWorkspace)?;
    let Caller::User(id) = caller else {
        return Err(AppError::new(
            Code::Forbidden,
            "the workspace owner cannot leave the workspace",
        ));
    };
    directory::delete(&app, Kind::User, &id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub struct NewUser {
    pub email: String,
    pub name: String,
}

/// `POST /api/v1/workspace/join`: auto-join for the company domain, with no invitation.
pub async fn join(State(app): State<Arc<AppState>>, body: Body) -> AppResult {
    lockdown::check(&app.workspace, &app.quirks, Action::AutoJoin)?;
    let NewUser { email, name } = read_json(body).await?;
    let user =
        directory::create_user(&app, &required(&email, "email")?, &required(&name, "name")?)?;
    let view = user_view(&user, app.workspace.lock().role(&user.id));
    Ok(json_response(StatusCode::CREATED, &view))
}
