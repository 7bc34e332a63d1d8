//! The IdP's own view: its users, their profiles and assignments, and the ids the target
//! returned for them.
//!
//! Scenarios change the directory as an admin would in the IdP's console; the IdP module then
//! decides what goes on the wire. The directory also remembers, per user, the id the target
//! gave back (Okta stores it as the app user's `externalId`, docs/idps/okta.md §3.3), because
//! every later request addresses the user by it.

use std::collections::BTreeMap;

use jiff::Timestamp;

/// The shape of the ids an IdP gives its own objects, so that what goes on the wire looks like
/// what that IdP sends: Okta `00u…`/`00g…` (docs/idps/okta.md §3.3), Entra object ids as GUIDs
/// (docs/idps/entra.md §3, §9), JumpCloud 24-hex object ids (§4). Deterministic per
/// run, so snapshots stay stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdShape {
    /// A prefix and a zero-padded counter, 20 characters in all.
    Okta(&'static str),
    /// `00000000-0000-4000-8000-` and a 12-digit counter.
    Guid,
    /// 24 hexadecimal digits.
    Hex24,
}

impl IdShape {
    /// The `counter`-th id of this shape (a load run makes ids from a user's index).
    pub fn format(self, counter: u64) -> String {
        match self {
            IdShape::Okta(prefix) => format!("{prefix}{counter:0>17}"),
            IdShape::Guid => format!("00000000-0000-4000-8000-{counter:012}"),
            IdShape::Hex24 => format!("{counter:024x}"),
        }
    }
}

/// A user's profile attributes, as mapped to SCIM by default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub user_name: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    pub display_name: Option<String>,
    pub locale: Option<String>,
    /// Job title (Entra maps `jobTitle` to `title`, docs/idps/entra.md §3).
    pub title: Option<String>,
    /// Department (the enterprise extension's `department`).
    pub department: Option<String>,
    /// Employee id (Entra maps `employeeId` to the enterprise extension's `employeeNumber`,
    /// docs/idps/entra.md §3.1).
    pub employee_number: Option<String>,
    /// The work address (Entra maps it to `addresses[type eq "work"]`, docs/idps/entra.md §3.1).
    pub address: Address,
    /// Phone numbers by kind (Entra maps them to `phoneNumbers[type eq …]`, §3.1).
    pub phones: Phones,
    /// The values of the application roles the user is assigned (Entra can map them to
    /// `roles`, docs/idps/entra.md §3.1, §7.3).
    pub app_roles: Vec<String>,
}

/// A work address, part by part; a part without a value is not sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    pub street_address: Option<String>,
    /// City.
    pub locality: Option<String>,
    /// State or region.
    pub region: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// A user's telephone numbers by kind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Phones {
    /// The office telephone (Entra's `telephoneNumber`).
    pub work: Option<String>,
    pub mobile: Option<String>,
    /// Entra's `facsimileTelephoneNumber`.
    pub fax: Option<String>,
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
    /// Sign-in allowed in the IdP: `false` once the admin blocks sign-in (Entra) or suspends the
    /// user (JumpCloud).
    pub enabled: bool,
    /// When the user was deleted in the IdP (Entra's recycle bin; hard-deleted 30 days later).
    pub soft_deleted_at: Option<Timestamp>,
    /// Deleted for good in the IdP (purged, or deleted in JumpCloud).
    pub purged: bool,
    /// The directory key of the user's manager.
    pub manager: Option<String>,
    /// The directory revision of the user's last change (Entra's incremental cycles send what
    /// changed after their watermark).
    pub revision: u64,
    /// How many times the user's password was changed in the IdP (each change gives a new
    /// password, which Okta's password sync pushes).
    pub password_changes: u32,
}

impl DirectoryUser {
    /// A user as a test or an IdP module builds one: unassigned, enabled, unprovisioned.
    pub fn new(key: &str, idp_id: &str, profile: Profile) -> Self {
        DirectoryUser {
            key: key.to_owned(),
            idp_id: idp_id.to_owned(),
            profile,
            assigned: false,
            active: false,
            target_id: None,
            enabled: true,
            soft_deleted_at: None,
            purged: false,
            manager: None,
            revision: 0,
            password_changes: 0,
        }
    }
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
    /// Assigned to the application (Entra) or bound to it (JumpCloud): its members are in scope.
    pub assigned: bool,
    /// Deleted in the IdP.
    pub deleted: bool,
    /// The directory revision of the group's last change.
    pub revision: u64,
}

impl DirectoryGroup {
    /// Users join (in order, once each) or leave the group.
    pub fn change_members(&mut self, joining: bool, users: &[String]) {
        if joining {
            for user in users {
                if !self.members.contains(user) {
                    self.members.push(user.clone());
                }
            }
        } else {
            self.members.retain(|m| !users.contains(m));
        }
    }
}

/// The directory of one scenario run.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    users: BTreeMap<String, DirectoryUser>,
    groups: BTreeMap<String, DirectoryGroup>,
    /// Users defined together (`user:` with `count:`): the set's key stands for its users.
    sets: BTreeMap<String, Vec<String>>,
    next_id: u64,
    revision: u64,
}

impl Directory {
    /// Adds (or redefines) a user, unassigned. Ids are deterministic per run, in the IdP's shape.
    pub fn define_user(&mut self, key: &str, profile: Profile, shape: IdShape) -> &DirectoryUser {
        self.next_id += 1;
        let idp_id = shape.format(self.next_id);
        let user = DirectoryUser {
            revision: self.next_revision(),
            ..DirectoryUser::new(key, &idp_id, profile)
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

    /// Names users defined together (`user:` with `count:`), so that one key stands for them all.
    pub fn define_set(&mut self, key: &str, members: Vec<String>) {
        self.sets.insert(key.to_owned(), members);
    }

    /// The users a set's key stands for; `None` when `key` names no set.
    pub fn set(&self, key: &str) -> Option<&[String]> {
        self.sets.get(key).map(Vec::as_slice)
    }

    /// User keys with every set's key replaced by its users, in order.
    pub fn expand(&self, keys: &[String]) -> Vec<String> {
        keys.iter()
            .flat_map(|key| match self.set(key) {
                Some(members) => members.to_vec(),
                None => vec![key.clone()],
            })
            .collect()
    }

    /// Adds (or redefines) a group, not pushed.
    pub fn define_group(&mut self, key: &str, name: String, members: Vec<String>, shape: IdShape) {
        self.next_id += 1;
        let idp_id = shape.format(self.next_id);
        let revision = self.next_revision();
        let group = DirectoryGroup {
            key: key.to_owned(),
            idp_id,
            name,
            members,
            pushed: false,
            target_id: None,
            assigned: false,
            deleted: false,
            revision,
        };
        self.groups.insert(key.to_owned(), group);
    }

    pub fn group(&self, key: &str) -> Option<&DirectoryGroup> {
        self.groups.get(key)
    }

    pub fn group_mut(&mut self, key: &str) -> Option<&mut DirectoryGroup> {
        self.groups.get_mut(key)
    }

    pub fn groups(&self) -> impl Iterator<Item = &DirectoryGroup> {
        self.groups.values()
    }

    /// The latest revision handed out: a watermark below it has changes to send.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    fn next_revision(&mut self) -> u64 {
        self.revision += 1;
        self.revision
    }

    /// Changes a user and stamps it with a new revision; `None` when there is no such user.
    pub fn change_user<T>(
        &mut self,
        key: &str,
        change: impl FnOnce(&mut DirectoryUser) -> T,
    ) -> Option<T> {
        let revision = self.revision + 1;
        let user = self.users.get_mut(key)?;
        let out = change(user);
        user.revision = revision;
        self.revision = revision;
        Some(out)
    }

    /// Changes a group and stamps it with a new revision; `None` when there is no such group.
    pub fn change_group<T>(
        &mut self,
        key: &str,
        change: impl FnOnce(&mut DirectoryGroup) -> T,
    ) -> Option<T> {
        let revision = self.revision + 1;
        let group = self.groups.get_mut(key)?;
        let out = change(group);
        group.revision = revision;
        self.revision = revision;
        Some(out)
    }

    /// Every user in the application's scope (see [`Directory::in_scope`]), in one pass: what a
    /// cycle over a large directory asks for each user and each member.
    pub fn scope(&self) -> std::collections::BTreeSet<&str> {
        let live = |key: &str| {
            self.users
                .get(key)
                .is_some_and(|u| !u.purged && u.soft_deleted_at.is_none())
        };
        let direct = self
            .users
            .values()
            .filter(|u| u.assigned)
            .map(|u| u.key.as_str());
        let through_groups = self
            .groups
            .values()
            .filter(|g| g.assigned && !g.deleted)
            .flat_map(|g| g.members.iter().map(String::as_str));
        direct.chain(through_groups).filter(|k| live(k)).collect()
    }

    /// Whether a user is in the application's scope: assigned directly or through an assigned
    /// group, and neither deleted nor purged.
    pub fn in_scope(&self, key: &str) -> bool {
        let Some(user) = self.users.get(key) else {
            return false;
        };
        if user.purged || user.soft_deleted_at.is_some() {
            return false;
        }
        user.assigned
            || self
                .groups
                .values()
                .any(|g| g.assigned && !g.deleted && g.members.iter().any(|m| m == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_key_stands_for_its_users_in_order_and_other_keys_stay() {
        let mut directory = Directory::default();
        directory.define_set("member", vec!["member1".into(), "member2".into()]);

        let expanded = directory.expand(&["ada".into(), "member".into(), "bob".into()]);

        assert_eq!(expanded, ["ada", "member1", "member2", "bob"]);
        assert_eq!(directory.set("ada"), None);
    }

    #[test]
    fn users_get_deterministic_okta_shaped_ids() {
        let mut directory = Directory::default();
        let ada = directory
            .define_user("ada", Profile::default(), IdShape::Okta("00u"))
            .idp_id
            .clone();
        let bob = directory
            .define_user("bob", Profile::default(), IdShape::Okta("00u"))
            .idp_id
            .clone();
        assert_eq!(ada, "00u00000000000000001");
        assert_eq!(bob.len(), 20);
        assert!(!directory.user("ada").unwrap().assigned);
    }

    #[test]
    fn entra_and_jumpcloud_ids_take_their_idps_shapes() {
        assert_eq!(
            IdShape::Guid.format(7),
            "00000000-0000-4000-8000-000000000007"
        );
        assert_eq!(IdShape::Hex24.format(255), "0000000000000000000000ff");
    }

    #[test]
    fn a_user_is_in_scope_through_an_assigned_group_until_deleted() {
        // Arrange
        let mut directory = Directory::default();
        directory.define_user("ada", Profile::default(), IdShape::Guid);
        directory.define_group("eng", "Eng".into(), vec!["ada".into()], IdShape::Guid);
        let before = directory.revision();

        // Act
        directory.change_group("eng", |g| g.assigned = true);
        let through_group = directory.in_scope("ada");
        directory.change_user("ada", |u| u.soft_deleted_at = Some(Timestamp::UNIX_EPOCH));

        // Assert
        assert!(through_group);
        assert!(!directory.in_scope("ada"));
        assert!(directory.scope().is_empty());
        assert_eq!(directory.user("ada").unwrap().revision, before + 2);
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
