//! Entra's initial cycle, streamed: the requests of `idp::entra::job` for each object, in the
//! job's order (docs/idps/entra.md §5.5: users, groups, manager references, members),
//! built by the same request and check functions, one object at a time.
//!
//! The job itself walks a directory held in memory and records every check; at 100,000 users
//! that is most of the footprint, so here each user is made from its index, sent, judged into
//! the worker's tally and dropped. Requests for one object are sequential; objects run in
//! parallel when the pace allows it (§5.4: concurrency across objects is undocumented).

use crate::idp::directory::IdShape;
use crate::idp::entra::checks::{self, Lookup};
use crate::idp::entra::request::{self, Json, Paths};
use crate::idp::entra::{Dialect, Job};
use crate::idp::wire::{Wire, WireRequest, WireResponse};

use super::ids::Ids;
use super::population::Population;
use super::wire::LoadWire;

/// Entra's initial cycle of one population against one target.
#[derive(Debug)]
pub struct EntraCycle {
    pub population: Population,
    pub dialect: Dialect,
    pub users: Ids,
    pub groups: Ids,
}

/// Sends one request; `None` when it got no answer, judged as Entra judges it (§10.1).
async fn send(wire: &mut LoadWire, request: WireRequest) -> Option<WireResponse> {
    let line = format!("{} {}", request.method, request.path);
    match wire.send(request).await {
        Ok(response) => Some(response),
        Err(error) => {
            wire.tally.judge(&[checks::unanswered(0, &line, &error)]);
            None
        }
    }
}

/// A lookup by filter, judged; `None` when it got no answer or Entra could not read it (a
/// filter answering 404 is marked for the quarantine rule).
async fn lookup(
    wire: &mut LoadWire,
    path: String,
    group: bool,
    matching: (&str, &str),
) -> Option<Lookup> {
    let response = send(wire, request::request("GET", path, None)).await?;
    let (lookup_checks, found) = checks::lookup(0, &response, group, matching);
    wire.tally.judge(&lookup_checks);
    if let Lookup::Failed { filter_404 } = found {
        wire.tally.filter_404 |= filter_404;
        return None;
    }
    Some(found)
}

/// A POST, judged; the id the target gave.
async fn create(wire: &mut LoadWire, path: String, body: Json, group: bool) -> Option<String> {
    let response = send(wire, request::request("POST", path, Some(body))).await?;
    let (create_checks, id) = checks::created(0, &response, group);
    wire.tally.judge(&create_checks);
    id
}

/// A PATCH, judged.
async fn patch(wire: &mut LoadWire, path: String, body: Json, group: bool) {
    if let Some(response) = send(wire, request::request("PATCH", path, Some(body))).await {
        wire.tally.judge(&[checks::patched(0, &response, group)]);
    }
}

impl EntraCycle {
    pub fn new(population: Population, dialect: Dialect) -> Self {
        EntraCycle {
            users: Ids::new(population.users),
            groups: Ids::new(population.groups),
            population,
            dialect,
        }
    }

    fn paths(&self) -> Paths {
        Paths::default()
    }

    /// Lookup by `userName`, then create, or update what differs when it matched (§6, §7).
    pub async fn user(&self, index: u64, wire: &mut LoadWire) {
        let user = self.population.user(index, IdShape::Guid);
        let image = Job::image(&user, true);
        let lookup_path = self
            .paths()
            .user_lookup("userName", &user.profile.user_name);
        let matching = ("userName", user.profile.user_name.as_str());
        match lookup(wire, lookup_path, false, matching).await {
            None | Some(Lookup::Failed { .. }) => {}
            Some(Lookup::Found(id, current)) => {
                let changes = request::diff(&image, &current);
                if !changes.is_empty() {
                    let body =
                        request::user_patch(self.dialect, &changes, request::ActiveForm::default());
                    patch(wire, self.paths().user(&id), body, false).await;
                }
                self.users.set(index, &id);
            }
            Some(Lookup::NotFound) => {
                let body = request::create_user_body(&image, request::ActiveForm::default());
                if let Some(id) = create(wire, self.paths().users(), body, false).await {
                    self.users.set(index, &id);
                }
            }
        }
    }

    /// Lookup by `displayName` with members left out, then create empty (§9).
    pub async fn group(&self, index: u64, wire: &mut LoadWire) {
        let name = self.population.group_name(index);
        let path = self.paths().group_lookup(&name);
        match lookup(wire, path, true, ("displayName", &name)).await {
            None | Some(Lookup::Failed { .. }) => {}
            Some(Lookup::Found(id, _)) => self.groups.set(index, &id),
            Some(Lookup::NotFound) => {
                let object_id = IdShape::Guid.format(1_000_000_000 + index);
                let body = request::create_group_body(&object_id, &name);
                if let Some(id) = create(wire, self.paths().groups(), body, true).await {
                    self.groups.set(index, &id);
                }
            }
        }
    }

    /// The manager reference, once both users are provisioned (§5.5, §7.4).
    pub async fn manager(&self, index: u64, wire: &mut LoadWire) {
        let Some(manager) = self.population.manager_of(index) else {
            return;
        };
        let (Some(id), Some(manager_id)) = (self.users.get(index), self.users.get(manager)) else {
            return;
        };
        let body = request::manager_patch(self.dialect, Some(manager_id));
        patch(wire, self.paths().user(id), body, false).await;
    }

    /// The group's provisioned members in one PATCH (§9 "Add members").
    pub async fn members(&self, index: u64, wire: &mut LoadWire) {
        let Some(group_id) = self.groups.get(index) else {
            return;
        };
        let members: Vec<String> = self
            .population
            .members_of(index)
            .filter_map(|user| self.users.get(user).map(str::to_owned))
            .collect();
        if members.is_empty() {
            return;
        }
        let body = request::add_members_patch(self.dialect, &members);
        patch(wire, self.paths().group(group_id), body, true).await;
    }
}
