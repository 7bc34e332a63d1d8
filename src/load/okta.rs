//! Okta's bulk assignment, streamed: every user assigned to the app (docs/idps/okta.md §3.3:
//! lookup by `userName`, then create or link), then every group pushed with its members
//! (§3.6), through the Okta module's own `assign` and `push_group`, one object at a time.

use crate::idp::directory::IdShape;
use crate::idp::okta::{Okta, PushedGroup, PushedMember, request};

use super::ids::Ids;
use super::population::Population;
use super::wire::LoadWire;

/// Okta's assignment of one population to one app.
#[derive(Debug)]
pub struct OktaAssignment {
    pub population: Population,
    pub okta: Okta,
    pub users: Ids,
    pub groups: Ids,
}

impl OktaAssignment {
    pub fn new(population: Population, okta: Okta) -> Self {
        OktaAssignment {
            users: Ids::new(population.users),
            groups: Ids::new(population.groups),
            population,
            okta,
        }
    }

    /// One assignment. A request that got no answer is in the tally already (the wire counts
    /// it); Okta stops that user's task there.
    pub async fn user(&self, index: u64, wire: &mut LoadWire) {
        let mut user = self.population.user(index, IdShape::Okta("00u"));
        // The create body carries Okta's placeholder password (§3.3): never in a report.
        let password = request::placeholder_password(&user.idp_id);
        if let Ok(checks) = self.okta.assign(&mut user, wire).await {
            wire.tally.judge_hiding(&checks, &[&password]);
        }
        if let Some(id) = &user.target_id {
            self.users.set(index, id);
        }
    }

    /// "Push group" with its members pushed immediately.
    pub async fn group(&self, index: u64, wire: &mut LoadWire) {
        let members: Vec<PushedMember> = self
            .population
            .members_of(index)
            .filter_map(|user| {
                Some(PushedMember {
                    target_id: self.users.get(user)?.to_owned(),
                    user_name: self.population.user_name(user),
                })
            })
            .collect();
        let mut group = PushedGroup {
            name: self.population.group_name(index),
            target_id: None,
        };
        if let Ok(checks) = self.okta.push_group(&mut group, &members, wire).await {
            wire.tally.judge(&checks);
        }
        if let Some(id) = &group.target_id {
            self.groups.set(index, id);
        }
    }
}
