//! How the application shows users and groups: read from the SCIM resources each time, so the
//! name and email are always the IdP's latest and nothing of a deleted user remains.

use serde_json::{Value, json};

use super::workspace::Role;
use crate::server::store::Resource;

/// The owner's fixed identity: an app-only account, not a SCIM User.
pub const OWNER_ID: &str = "owner";
pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_NAME: &str = "Workspace Owner";

/// A user's name and email as the application shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: Option<String>,
    pub email: Option<String>,
}

fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl Identity {
    /// `displayName`, else `name.givenName name.familyName`; the primary email, else the first,
    /// else `userName`.
    pub fn of(user: &Resource) -> Self {
        let body = &user.body;
        let name = text(body.get("displayName")).or_else(|| {
            let parts: Vec<String> = ["givenName", "familyName"]
                .into_iter()
                .filter_map(|part| text(body.get("name").and_then(|n| n.get(part))))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
        let emails = body.get("emails").and_then(Value::as_array);
        let email = emails
            .and_then(|all| {
                all.iter()
                    .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
                    .or_else(|| all.first())
            })
            .and_then(|e| text(e.get("value")))
            .or_else(|| text(body.get("userName")));
        Identity { name, email }
    }

    /// Whether `wanted` is this user's email or userName, case-insensitively (any email counts).
    pub fn answers_to(user: &Resource, wanted: &str) -> bool {
        let same = |value: Option<&Value>| {
            value
                .and_then(Value::as_str)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case(wanted.trim()))
        };
        same(user.body.get("userName"))
            || user
                .body
                .get("emails")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|e| same(e.get("value")))
    }
}

pub fn is_active(user: &Resource) -> bool {
    user.body.get("active").and_then(Value::as_bool) != Some(false)
}

/// `{"id","email","name","timeZone","role","status"}` of a SCIM user.
pub fn user_view(user: &Resource, role: Role) -> Value {
    let identity = Identity::of(user);
    json!({
        "id": user.id,
        "email": identity.email,
        "name": identity.name,
        "timeZone": user.body.get("timezone").cloned().unwrap_or(Value::Null),
        "role": role.as_str(),
        "status": if is_active(user) { "ACTIVE" } else { "INACTIVE" },
    })
}

/// The owner in the same shape.
pub fn owner_view(timezone: Option<&str>) -> Value {
    json!({
        "id": OWNER_ID,
        "email": OWNER_EMAIL,
        "name": OWNER_NAME,
        "timeZone": timezone,
        "role": "owner",
        "status": "ACTIVE",
    })
}

/// A deleted user as `deleted-identity-kept` still lists it.
pub fn tombstone_view(id: &str, identity: &Identity) -> Value {
    json!({
        "id": id,
        "email": identity.email,
        "name": identity.name,
        "timeZone": null,
        "role": Role::Regular.as_str(),
        "status": "DELETED",
    })
}

/// `{"id","name","memberIds"}` of a SCIM group.
pub fn group_view(group: &Resource) -> Value {
    json!({
        "id": group.id,
        "name": group.body.get("displayName").cloned().unwrap_or(Value::Null),
        "memberIds": group.member_ids().collect::<Vec<_>>(),
    })
}
