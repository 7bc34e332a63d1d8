//! The users and groups of a load run, made from their index instead of stored.
//!
//! A directory of 100,000 users held in memory would be most of a load run's footprint; a
//! user here is a pure function of its index, built when its turn comes and dropped after, so
//! memory holds only the ids the target returned. Every user has a unique name under the run's
//! prefix, so a load run never collides with what a shared tenant already holds.

use crate::idp::directory::{DirectoryUser, IdShape, Profile};

/// One in this many users leads a team: the other nine have that user as their manager.
pub const TEAM_SIZE: u64 = 10;

/// The directory a load run provisions.
#[derive(Debug, Clone)]
pub struct Population {
    /// Put in every name (`{prefix}-user-000042@…`): the run's own, unless given.
    pub prefix: String,
    pub email_domain: String,
    pub users: u64,
    pub groups: u64,
    /// Users have managers (team leads), as most tenants' users do.
    pub managers: bool,
}

impl Population {
    pub fn user_name(&self, index: u64) -> String {
        format!("{}-user-{index:06}@{}", self.prefix, self.email_domain)
    }

    /// User `index` as the IdP's directory holds it, assigned, ids in the IdP's `shape`.
    pub fn user(&self, index: u64, shape: IdShape) -> DirectoryUser {
        let user_name = self.user_name(index);
        let profile = Profile {
            email: user_name.clone(),
            user_name,
            given_name: format!("Given{index}"),
            family_name: format!("Family{index}"),
            display_name: None,
            locale: Some("en-US".to_owned()),
            title: Some(format!("Engineer {}", index % 7)),
            department: Some(format!("Department {}", index % 50)),
            ..Profile::default()
        };
        let mut user = DirectoryUser::new(&format!("u{index}"), &shape.format(index), profile);
        user.assigned = true;
        user.manager = self.manager_of(index).map(|m| format!("u{m}"));
        user
    }

    /// The team lead of user `index`, if it has one.
    pub fn manager_of(&self, index: u64) -> Option<u64> {
        (self.managers && !index.is_multiple_of(TEAM_SIZE)).then(|| index - index % TEAM_SIZE)
    }

    pub fn group_name(&self, group: u64) -> String {
        format!("{}-group-{group:04}", self.prefix)
    }

    /// The members of `group`: every `groups`-th user from `group`, so each user is in one
    /// group and the groups are the same size within one.
    pub fn members_of(&self, group: u64) -> impl Iterator<Item = u64> + use<> {
        let step = self.groups.max(1);
        let users = self.users;
        (group..users).step_by(step as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn population() -> Population {
        Population {
            prefix: "run".into(),
            email_domain: "example.com".into(),
            users: 25,
            groups: 10,
            managers: true,
        }
    }

    #[test]
    fn every_user_is_in_exactly_one_group() {
        let population = population();
        let mut seen: Vec<u64> = (0..population.groups)
            .flat_map(|g| population.members_of(g))
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
        assert_eq!(
            population.members_of(3).collect::<Vec<_>>(),
            vec![3, 13, 23]
        );
    }

    #[test]
    fn users_are_the_same_for_the_same_index_and_unique_across_indexes() {
        let population = population();
        let a = population.user(12, IdShape::Guid);
        assert_eq!(a, population.user(12, IdShape::Guid));
        assert_ne!(
            a.profile.user_name,
            population.user(13, IdShape::Guid).profile.user_name
        );
        assert_eq!(a.profile.user_name, "run-user-000012@example.com");
        assert_eq!(a.manager.as_deref(), Some("u10"));
        assert_eq!(population.manager_of(10), None);
        assert!(a.assigned);
    }
}
