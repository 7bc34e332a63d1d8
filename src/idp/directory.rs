//! The IdP's own view: its users, their profiles and assignments, and the ids the target
//! returned for them.
//!
//! Scenarios change the directory as an admin would in the IdP's console; the IdP module then
//! decides what goes on the wire. The directory also remembers, per user, the id the target
//! gave back (Okta stores it as the app user's `externalId`, research/okta.md §3.3), because
//! every later request addresses the user by it.

use std::collections::BTreeMap;

/// A user's profile attributes, as mapped to SCIM by default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub user_name: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    pub display_name: Option<String>,
    pub locale: Option<String>,
}

impl Profile {
    /// `displayName` as the IdP fills it by default: given and family name.
    pub fn display_name(&self) -> String {
        self.display_name.clone().unwrap_or_else(|| {
            format!("{} {}", self.given_name, self.family_name)
                .trim()
                .to_owned()
        })
    }
}

/// One user of the IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    /// The scenario's name for the user (`ada`).
    pub key: String,
    /// The IdP's own id (Okta: `00u…`), sent as `externalId`.
    pub idp_id: String,
    pub profile: Profile,
    /// Assigned to the application.
    pub assigned: bool,
    /// Active in the application (as the IdP last told it).
    pub active: bool,
    /// The id the target returned on create or link.
    pub target_id: Option<String>,
}

/// One group of the IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryGroup {
    pub key: String,
    /// The IdP's own id (Okta: `00g…`).
    pub idp_id: String,
    pub name: String,
    /// Directory users' keys, in the order they joined.
    pub members: Vec<String>,
    /// Pushed to the application (Okta Push Groups).
    pub pushed: bool,
    /// The id the target returned when the group was pushed.
    pub target_id: Option<String>,
}

/// The directory of one scenario run.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    users: BTreeMap<String, DirectoryUser>,
    groups: BTreeMap<String, DirectoryGroup>,
    next_id: u64,
}

impl Directory {
    /// Adds (or redefines) a user, unassigned. Ids are deterministic per run: `00u` followed by
    /// a counter, in Okta's 20-character shape, so snapshots stay stable.
    pub fn define_user(&mut self, key: &str, profile: Profile, idp_prefix: &str) -> &DirectoryUser {
        self.next_id += 1;
        let idp_id = format!("{idp_prefix}{:0>17}", self.next_id);
        let user = DirectoryUser {
            key: key.to_owned(),
            idp_id,
            profile,
            assigned: false,
            active: false,
            target_id: None,
        };
        self.users.insert(key.to_owned(), user);
        &self.users[key]
    }

    pub fn user(&self, key: &str) -> Option<&DirectoryUser> {
        self.users.get(key)
    }

    pub fn user_mut(&mut self, key: &str) -> Option<&mut DirectoryUser> {
        self.users.get_mut(key)
    }

    pub fn users(&self) -> impl Iterator<Item = &DirectoryUser> {
        self.users.values()
    }

    /// Adds (or redefines) a group, not pushed.
    pub fn define_group(
        &mut self,
        key: &str,
        name: String,
        members: Vec<String>,
        idp_prefix: &str,
    ) {
        self.next_id += 1;
        let idp_id = format!("{idp_prefix}{:0>17}", self.next_id);
        let group = DirectoryGroup {
            key: key.to_owned(),
            idp_id,
            name,
            members,
            pushed: false,
            target_id: None,
        };
        self.groups.insert(key.to_owned(), group);
    }

    pub fn group(&self, key: &str) -> Option<&DirectoryGroup> {
        self.groups.get(key)
    }

    pub fn group_mut(&mut self, key: &str) -> Option<&mut DirectoryGroup> {
        self.groups.get_mut(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_get_deterministic_okta_shaped_ids() {
        let mut directory = Directory::default();
        let ada = directory
            .define_user("ada", Profile::default(), "00u")
            .idp_id
            .clone();
        let bob = directory
            .define_user("bob", Profile::default(), "00u")
            .idp_id
            .clone();
        assert_eq!(ada, "00u00000000000000001");
        assert_eq!(bob.len(), 20);
        assert!(!directory.user("ada").unwrap().assigned);
    }

    #[test]
    fn display_name_defaults_to_given_and_family_name() {
        let profile = Profile {
            given_name: "Ada".into(),
            family_name: "Lovelace".into(),
            ..Profile::default()
        };
        assert_eq!(profile.display_name(), "Ada Lovelace");
    }
}
