//! The application's writes to the SCIM store: its users and groups *are* the SCIM Users and
//! Groups, so a user added in the app is one an IdP can later match, and one deleted in the app
//! leaves every group as a SCIM DELETE would.

use std::sync::Arc;

use serde_json::{Value, json};

use super::error::{AppError, Code};
use crate::scim::resource::{NormalizeOptions, normalize};
use crate::scim::schema::USER_TYPE;
use crate::server::resources::{delete_changes, resource_type};
use crate::server::store::{Change, Index, Kind, Resource};
use crate::server::{AppState, Quirk};

fn invalid(error: crate::scim::ScimError) -> AppError {
    AppError::bad_request(error.detail)
}

/// Creates an active user named `name` whose userName and primary email are `email`. Under
/// `restricted-schema` it also gets the `name.formatted` that schema requires, and normalising
/// against that schema keeps only the email's `value`.
pub fn create_user(app: &AppState, email: &str, name: &str) -> Result<Resource, AppError> {
    let mut input = json!({
        "schemas": [USER_TYPE.schema.id],
        "userName": email,
        "displayName": name,
        "emails": [{"value": email, "primary": true, "type": "work"}],
        "active": true,
    });
    if app.quirks.has(Quirk::RestrictedSchema) {
        input["name"] = json!({"formatted": name});
    }
    let body = normalize(
        &input,
        resource_type(app, Kind::User),
        NormalizeOptions::default(),
    )
    .map_err(invalid)?;
    app.store.write(|state| {
        let now = app.clock.now();
        if !state
            .lookup(Kind::User, Index::UserName, email, false)
            .is_empty()
        {
            return Err(AppError::new(
                Code::Conflict,
                format!("`{email}` is already a user"),
            ));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let resource = Resource::new(id, Kind::User, state.next_seq(), 1, now, now, body);
        Ok((resource.clone(), vec![Change::Put(resource)]))
    })
}

/// Creates a group named `name`, with no members.
pub fn create_group(app: &AppState, name: &str) -> Result<Resource, AppError> {
    let input = json!({"displayName": name});
    let body = normalize(
        &input,
        resource_type(app, Kind::Group),
        NormalizeOptions::default(),
    )
    .map_err(invalid)?;
    app.store.write(|state| {
        let now = app.clock.now();
        let id = uuid::Uuid::new_v4().to_string();
        let resource = Resource::new(id, Kind::Group, state.next_seq(), 1, now, now, body);
        Ok::<_, AppError>((resource.clone(), vec![Change::Put(resource)]))
    })
}

/// Rewrites one resource's body with `edit` (which may refuse), as a new version, under the
/// store's write lock. For users the workspace notes the write (deactivation time, first
/// identity) as for a SCIM write; a pinned time zone is not restored, since the app is where
/// it is set.
pub fn update(
    app: &AppState,
    kind: Kind,
    id: &str,
    edit: impl FnOnce(&mut Value, &crate::server::store::State) -> Result<(), AppError>,
) -> Result<Resource, AppError> {
    app.store.write(|state| {
        let now = app.clock.now();
        let what = if kind == Kind::User { "user" } else { "group" };
        let current: Arc<Resource> = state
            .get(kind, id)
            .ok_or_else(|| AppError::not_found(what, id))?
            .clone();
        let mut body = current.body.clone();
        edit(&mut body, state)?;
        if kind == Kind::User {
            app.workspace
                .note_user_write(&app.quirks, &current, &body, now);
        }
        let resource = current.revised(body, now);
        Ok((resource.clone(), vec![Change::Put(resource)]))
    })
}

/// Deletes a user or group, and it from every group that lists it; a user's app-side data
/// goes with it.
pub fn delete(app: &AppState, kind: Kind, id: &str) -> Result<(), AppError> {
    let deleted = app.store.write(|state| {
        let now = app.clock.now();
        let what = if kind == Kind::User { "user" } else { "group" };
        let current = state
            .get(kind, id)
            .ok_or_else(|| AppError::not_found(what, id))?
            .clone();
        let keep_memberships = app.quirks.has(Quirk::DeleteKeepsMemberships);
        let changes = delete_changes(state, kind, id, now, keep_memberships);
        Ok::<_, AppError>((current, changes))
    })?;
    if kind == Kind::User {
        app.workspace.user_deleted(&app.quirks, &deleted);
    }
    Ok(())
}
