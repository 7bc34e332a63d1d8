//! Groups as the application shows them: the SCIM Groups of the store. While SCIM is on only
//! the IdP creates, renames or deletes them ("Group names will always match the naming
//! convention used in your IdP").

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::Value;

use super::caller::identify;
use super::directory;
use super::error::{AppError, AppResult, json_response};
use super::lockdown::{self, Action};
use super::request::{read_json, required};
use super::view::group_view;
use crate::server::AppState;
use crate::server::store::Kind;

fn owner(app: &AppState, headers: &HeaderMap, action: Option<Action>) -> Result<(), AppError> {
    identify(app, headers)?.require_owner()?;
    if let Some(action) = action {
        lockdown::check(&app.workspace, &app.quirks, action)?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct GroupName {
    name: String,
}

/// `GET /api/v1/groups`.
pub async fn list(State(app): State<Arc<AppState>>, headers: HeaderMap) -> AppResult {
    owner(&app, &headers, None)?;
    let state = app.store.read();
    let groups: Vec<Value> = state.all(Kind::Group).map(|g| group_view(g)).collect();
    Ok(json_response(StatusCode::OK, &Value::Array(groups)))
}

/// `POST /api/v1/groups`.
pub async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> AppResult {
    owner(&app, &headers, Some(Action::CreateGroup))?;
    let GroupName { name } = read_json(body).await?;
    let group = directory::create_group(&app, &required(&name, "name")?)?;
    Ok(json_response(StatusCode::CREATED, &group_view(&group)))
}

/// `PUT /api/v1/groups/{id}`: a rename.
pub async fn rename(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> AppResult {
    owner(&app, &headers, Some(Action::UpdateGroup))?;
    let GroupName { name } = read_json(body).await?;
    let name = required(&name, "name")?;
    let group = directory::update(&app, Kind::Group, &id, |body, _| {
        body["displayName"] = Value::String(name);
        Ok(())
    })?;
    Ok(json_response(StatusCode::OK, &group_view(&group)))
}

/// `DELETE /api/v1/groups/{id}`.
pub async fn delete(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> AppResult {
    owner(&app, &headers, Some(Action::DeleteGroup))?;
    directory::delete(&app, Kind::Group, &id)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
