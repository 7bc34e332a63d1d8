//! What the workspace owner does: the SCIM switch, and managing users and invitations by hand
//! (as ADManager Plus does through the API with the owner's key) while SCIM is off.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::caller::identify;
use super::directory;
use super::error::{AppError, AppResult, Code, json_response};
use super::lockdown::{self, Action};
use super::me::NewUser;
use super::request::{read_json, required};
use super::view::{tombstone_view, user_view};
use super::workspace::Role;
use crate::server::store::{Change, Index, Kind};
use crate::server::{AppState, Quirk};

/// The owner's key, and (for a mutation) the switch.
fn owner(app: &AppState, headers: &HeaderMap, action: Option<Action>) -> Result<(), AppError> {
    identify(app, headers)?.require_owner()?;
    if let Some(action) = action {
        lockdown::check(&app.workspace, &app.quirks, action)?;
    }
    Ok(())
}

/// `GET /api/v1/workspace`.
pub async fn get_workspace(State(app): State<Arc<AppState>>, headers: HeaderMap) -> AppResult {
    owner(&app, &headers, None)?;
    let body = json!({"scimEnabled": app.workspace.scim_enabled()});
    Ok(json_response(StatusCode::OK, &body))
}

#[derive(Deserialize)]
struct Switch {
    enabled: bool,
}

/// `PUT /api/v1/workspace/scim`: turning SCIM on hands out the base URL and bearer token and
/// deletes every existing group ("Existing Clockify groups are deleted once SCIM is
/// enabled"); groups then come from the IdP only, with new ids. Turning it on again while on
/// deletes nothing.
pub async fn put_scim(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> AppResult {
    owner(&app, &headers, None)?;
    let Switch { enabled } = read_json(body).await?;
    let keep_groups = app.quirks.has(Quirk::GroupsKeptOnEnable);
    app.store.write(|state| {
        let was = app.workspace.scim_enabled();
        let changes = if enabled && !was && !keep_groups {
            state
                .all(Kind::Group)
                .map(|group| Change::Delete {
                    kind: Kind::Group,
                    id: group.id.clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok::<_, AppError>(((), changes))
    })?;
    app.workspace.lock().scim_enabled = enabled;
    let body = if enabled {
        json!({"enabled": true, "baseUrl": app.base_url, "token": app.token})
    } else {
        json!({"enabled": false})
    };
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /api/v1/users?email=…&name=…`: every user as the app shows it; as Clockify's API
/// does, `email` and `name` keep only the users whose email or name contains that text (in
/// any case), so that a client can look at its own users in a shared workspace.
pub async fn list_users(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> AppResult {
    owner(&app, &headers, None)?;
    let mut wanted: Vec<(&'static str, String)> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        for field in ["email", "name"] {
            if key == field {
                wanted.push((field, value.to_lowercase()));
            }
        }
    }
    let state = app.store.read();
    let workspace = app.workspace.lock();
    let mut users: Vec<Value> = state
        .all(Kind::User)
        .map(|user| user_view(user, workspace.role(&user.id)))
        .collect();
    users.extend(
        workspace
            .tombstones
            .iter()
            .map(|t| tombstone_view(&t.id, &t.identity)),
    );
    users.retain(|user| {
        wanted.iter().all(|(field, text)| {
            user.get(*field)
                .and_then(Value::as_str)
                .is_some_and(|value| value.to_lowercase().contains(text.as_str()))
        })
    });
    Ok(json_response(StatusCode::OK, &Value::Array(users)))
}

/// `POST /api/v1/users`.
pub async fn add_user(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Body,
) -> AppResult {
    owner(&app, &headers, Some(Action::AddUser))?;
    let NewUser { email, name } = read_json(body).await?;
    let user =
        directory::create_user(&app, &required(&email, "email")?, &required(&name, "name")?)?;
    let view = user_view(&user, Role::default());
    Ok(json_response(StatusCode::CREATED, &view))
}

#[derive(Deserialize)]
struct UserUpdate {
    name: Option<String>,
    email: Option<String>,
}

/// Replaces the primary email (and a userName that was the old email) with `email`.
fn set_email(
    body: &mut Value,
    email: &str,
    state: &crate::server::store::State,
    id: &str,
) -> Result<(), AppError> {
    let old_email = body
        .get("emails")
        .and_then(Value::as_array)
        .and_then(|all| {
            all.iter()
                .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
                .or_else(|| all.first())
        })
        .and_then(|e| e.get("value"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let user_name = body.get("userName").and_then(Value::as_str).unwrap_or("");
    if old_email
        .as_deref()
        .is_none_or(|old| old.eq_ignore_ascii_case(user_name))
    {
        let taken = state
            .lookup(Kind::User, Index::UserName, email, false)
            .into_iter()
            .any(|other| other.id != id);
        if taken {
            return Err(AppError::new(
                Code::Conflict,
                format!("`{email}` is already a user"),
            ));
        }
        body["userName"] = Value::String(email.to_owned());
    }
    let mut emails: Vec<Value> = body
        .get("emails")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    emails.retain(|e| e.get("value").and_then(Value::as_str) != old_email.as_deref());
    for other in &mut emails {
        if let Some(fields) = other.as_object_mut() {
            fields.remove("primary");
        }
    }
    emails.insert(0, json!({"value": email, "primary": true, "type": "work"}));
    body["emails"] = Value::Array(emails);
    Ok(())
}

/// `PUT /api/v1/users/{id}`: name and email.
pub async fn update_user(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> AppResult {
    owner(&app, &headers, Some(Action::UpdateUser))?;
    let update: UserUpdate = read_json(body).await?;
    let name = update
        .name
        .as_deref()
        .map(|n| required(n, "name"))
        .transpose()?;
    let email = update
        .email
        .as_deref()
        .map(|e| required(e, "email"))
        .transpose()?;
    let user = directory::update(&app, Kind::User, &id, |body, state| {
        if let Some(name) = &name {
            body["displayName"] = Value::String(name.clone());
        }
        if let Some(email) = &email {
            set_email(body, email, state, &id)?;
        }
        Ok(())
    })?;
    let view = user_view(&user, app.workspace.lock().role(&id));
    Ok(json_response(StatusCode::OK, &view))
}

#[derive(Deserialize)]
struct StatusUpdate {
    status: String,
}

/// `PUT /api/v1/users/{id}/status`: what ADManager Plus does to disable an account.
pub async fn set_status(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> AppResult {
    owner(&app, &headers, Some(Action::ChangeUserStatus))?;
    let StatusUpdate { status } = read_json(body).await?;
    let active = match status.as_str() {
        "ACTIVE" => true,
        "INACTIVE" => false,
        other => {
            return Err(AppError::bad_request(format!(
                "`status` must be ACTIVE or INACTIVE, not `{other}`"
            )));
        }
    };
    let user = directory::update(&app, Kind::User, &id, |body, _| {
        body["active"] = Value::Bool(active);
        Ok(())
    })?;
    let view = user_view(&user, app.workspace.lock().role(&id));
    Ok(json_response(StatusCode::OK, &view))
}

#[derive(Deserialize)]
struct RoleUpdate {
    role: String,
}

/// `PUT /api/v1/users/{id}/role`: `regular` or `limited`, kept beside the SCIM resource.
pub async fn set_role(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> AppResult {
    owner(&app, &headers, Some(Action::ChangeUserRole))?;
    let RoleUpdate { role } = read_json(body).await?;
    let role = Role::parse(&role).ok_or_else(|| {
        AppError::bad_request(format!("`role` must be regular or limited, not `{role}`"))
    })?;
    let state = app.store.read();
    let user = state
        .get(Kind::User, &id)
        .ok_or_else(|| AppError::not_found("user", &id))?;
    app.workspace
        .lock()
        .members
        .entry(id.clone())
        .or_default()
        .role = role;
    let view = user_view(user, role);
    Ok(json_response(StatusCode::OK, &view))
}

/// `DELETE /api/v1/users/{id}`.
pub async fn delete_user(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult {
    owner(&app, &headers, Some(Action::DeleteUser))?;
    directory::delete(&app, Kind::User, &id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct Invitation {
    email: String,
}

/// `POST /api/v1/invitations`: inviting is adding a user, so it is locked too.
pub async fn invite(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> AppResult {
    owner(&app, &headers, Some(Action::Invite))?;
    let Invitation { email } = read_json(body).await?;
    let email = required(&email, "email")?;
    let id = uuid::Uuid::new_v4().to_string();
    app.workspace.lock().invitations.insert(id.clone(), email);
    Ok(json_response(StatusCode::CREATED, &json!({"id": id})))
}

/// `DELETE /api/v1/invitations/{id}`.
pub async fn revoke(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult {
    owner(&app, &headers, Some(Action::RevokeInvitation))?;
    if app.workspace.lock().invitations.remove(&id).is_none() {
        return Err(AppError::not_found("invitation", &id));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
