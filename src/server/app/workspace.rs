//! The application's own state, kept beside the SCIM store: what Clockify knows of its members
//! that SCIM does not carry (API keys, roles, a pinned time zone), the SCIM switch, invitations,
//! and what the quirks need to remember.
//!
//! Name, email, status and time zone are *not* here: they are read from the SCIM resource
//! every time, so an IdP's update or deactivation takes effect on the very next request and a
//! deleted user's identity is gone with the resource. This state lives in memory only, also
//! under `--db`.
//!
//! Lock order: the store's lock, then this one, never the other way round. Handlers that need
//! both take the store first (a store write's decision may consult the workspace); nothing here
//! calls the store.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::view::Identity;
use crate::server::Quirk;
use crate::server::quirks::Quirks;
use crate::server::store::Resource;

/// How long a deactivated user's existing key keeps working under
/// `access-survives-deactivation` (a session cache).
pub const SESSION_CACHE: SignedDuration = SignedDuration::from_mins(5);

/// A member's role; SCIM does not carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    #[default]
    Regular,
    Limited,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Regular => "regular",
            Role::Limited => "limited",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "regular" => Some(Role::Regular),
            "limited" => Some(Role::Limited),
            _ => None,
        }
    }
}

/// The app-side data of one user (a SCIM User of the store, by id).
#[derive(Debug, Clone, Default)]
pub struct Member {
    /// Issued on first login, the same on every later one until the user is deleted.
    pub api_key: Option<String>,
    pub role: Role,
    /// Set by the user through the app: later SCIM writes of `timezone` are ignored.
    pub timezone_pinned: bool,
    /// When the user last went from active to inactive (for `access-survives-deactivation`).
    pub deactivated_at: Option<Timestamp>,
    /// The identity first seen, kept only under `deleted-identity-kept`.
    pub first_identity: Option<Identity>,
}

/// A deleted user as the `deleted-identity-kept` quirk still lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    pub id: String,
    pub identity: Identity,
}

#[derive(Debug, Default)]
pub struct WorkspaceState {
    pub scim_enabled: bool,
    pub members: HashMap<String, Member>,
    /// API key → user id.
    pub keys: HashMap<String, String>,
    /// Invitation id → invited email.
    pub invitations: HashMap<String, String>,
    /// The owner's own time zone (the owner is no SCIM User).
    pub owner_timezone: Option<String>,
    pub tombstones: Vec<Tombstone>,
}

impl WorkspaceState {
    /// The key of a user, issued now if the user has none.
    pub fn key_for(&mut self, user_id: &str) -> String {
        let member = self.members.entry(user_id.to_owned()).or_default();
        if let Some(key) = &member.api_key {
            return key.clone();
        }
        let key = format!("key-{}", uuid::Uuid::new_v4().simple());
        member.api_key = Some(key.clone());
        self.keys.insert(key.clone(), user_id.to_owned());
        key
    }

    pub fn member(&self, user_id: &str) -> Option<&Member> {
        self.members.get(user_id)
    }

    pub fn role(&self, user_id: &str) -> Role {
        self.members
            .get(user_id)
            .map(|m| m.role)
            .unwrap_or_default()
    }
}

/// The application's state, shared by every handler.
#[derive(Debug, Default)]
pub struct Workspace {
    state: Mutex<WorkspaceState>,
}

fn is_active(body: &Value) -> bool {
    // A user without `active` is active: SCIM-created users are members from the start.
    body.get("active").and_then(Value::as_bool) != Some(false)
}

impl Workspace {
    pub fn lock(&self) -> MutexGuard<'_, WorkspaceState> {
        // Every update below is a single map operation, so a poisoned lock is still whole.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn scim_enabled(&self) -> bool {
        self.lock().scim_enabled
    }

    /// A SCIM write of a user is about to replace `current` with `body`: a time zone the user
    /// pinned in the app is kept ("Clockify remains the source of truth"), unless
    /// `timezone-overwritten`.
    pub fn keep_pinned_timezone(&self, quirks: &Quirks, current: &Resource, body: &mut Value) {
        if quirks.has(Quirk::TimezoneOverwritten) {
            return;
        }
        let pinned = self
            .lock()
            .member(&current.id)
            .is_some_and(|m| m.timezone_pinned);
        if !pinned {
            return;
        }
        let Some(fields) = body.as_object_mut() else {
            return;
        };
        match current.body.get("timezone") {
            Some(zone) => {
                fields.insert("timezone".into(), zone.clone());
            }
            None => {
                fields.remove("timezone");
            }
        }
    }

    /// Any write of a user (SCIM or app) from `current` to `body`, at `now`: remembers when the
    /// user was deactivated, and under `deleted-identity-kept` the identity it replaces.
    pub fn note_user_write(
        &self,
        quirks: &Quirks,
        current: &Resource,
        body: &Value,
        now: Timestamp,
    ) {
        let was_active = is_active(&current.body);
        let now_active = is_active(body);
        let keep_identity = quirks.has(Quirk::DeletedIdentityKept);
        if was_active == now_active && !keep_identity {
            return;
        }
        let mut state = self.lock();
        let member = state.members.entry(current.id.clone()).or_default();
        if was_active && !now_active {
            member.deactivated_at = Some(now);
        } else if now_active {
            member.deactivated_at = None;
        }
        if keep_identity && member.first_identity.is_none() {
            member.first_identity = Some(Identity::of(current));
        }
    }

    /// A user was deleted (through SCIM or the app): its key, role and pin go with it. Under
    /// `deleted-identity-kept` a tombstone keeps the name and email it was first known by.
    pub fn user_deleted(&self, quirks: &Quirks, deleted: &Resource) {
        let mut state = self.lock();
        let member = state.members.remove(&deleted.id);
        if let Some(key) = member.as_ref().and_then(|m| m.api_key.as_ref()) {
            state.keys.remove(key);
        }
        if quirks.has(Quirk::DeletedIdentityKept) {
            let identity = member
                .and_then(|m| m.first_identity)
                .unwrap_or_else(|| Identity::of(deleted));
            state.tombstones.push(Tombstone {
                id: deleted.id.clone(),
                identity,
            });
        }
    }

    /// Whether a deactivated user's key still works at `now` under
    /// `access-survives-deactivation`.
    pub fn session_survives(&self, quirks: &Quirks, user_id: &str, now: Timestamp) -> bool {
        quirks.has(Quirk::AccessSurvivesDeactivation)
            && self
                .lock()
                .member(user_id)
                .and_then(|m| m.deactivated_at)
                .is_some_and(|at| now < at.saturating_add(SESSION_CACHE).unwrap_or(at))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::server::store::Kind;

    fn user(body: Value) -> Resource {
        Resource::new(
            "u".into(),
            Kind::User,
            0,
            1,
            Timestamp::UNIX_EPOCH,
            Timestamp::UNIX_EPOCH,
            body,
        )
    }

    #[test]
    fn a_key_is_issued_once_and_forgotten_with_the_user() {
        // Arrange
        let workspace = Workspace::default();
        let first = workspace.lock().key_for("u");

        // Act
        let again = workspace.lock().key_for("u");
        workspace.user_deleted(&Quirks::default(), &user(json!({"userName": "a"})));

        // Assert
        assert_eq!(first, again);
        let state = workspace.lock();
        assert!(state.keys.is_empty());
        assert!(state.members.is_empty());
        assert!(state.tombstones.is_empty());
    }

    #[test]
    fn a_pinned_timezone_survives_a_scim_write() {
        // Arrange
        let workspace = Workspace::default();
        workspace
            .lock()
            .members
            .entry("u".into())
            .or_default()
            .timezone_pinned = true;
        let current = user(json!({"userName": "a", "timezone": "Europe/Paris"}));
        let mut body = json!({"userName": "a", "timezone": "America/New_York"});

        // Act
        workspace.keep_pinned_timezone(&Quirks::default(), &current, &mut body);

        // Assert
        assert_eq!(body["timezone"], "Europe/Paris");
    }

    #[test]
    fn deactivation_is_timed_and_reactivation_clears_it() {
        let workspace = Workspace::default();
        let quirks = Quirks::new([Quirk::AccessSurvivesDeactivation]);
        let at: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let active = user(json!({"userName": "a", "active": true}));
        workspace.note_user_write(&quirks, &active, &json!({"active": false}), at);
        assert!(workspace.session_survives(&quirks, "u", at + SignedDuration::from_mins(4)));
        assert!(!workspace.session_survives(&quirks, "u", at + SESSION_CACHE));
        assert!(!workspace.session_survives(&Quirks::default(), "u", at));
        let inactive = user(json!({"userName": "a", "active": false}));
        workspace.note_user_write(&quirks, &inactive, &json!({"active": true}), at);
        assert!(!workspace.session_survives(&quirks, "u", at));
    }
}
