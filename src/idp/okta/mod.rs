//! Okta as a SCIM 2.0 client: the exact requests it sends and what it needs back.
//!
//! Each action is a pure async function over a [`Wire`]: it builds Okta's requests byte for
//! byte (headers §2, queries and bodies §3, in [`request`]), sends them in Okta's order, and
//! judges every answer the way Okta's task would ([`checks`], all [`Level::IdpRequired`]). The
//! runner owns the transport (and the `Authorization` header, docs/idps/okta.md §1); the
//! directory user carries Okta's state (the id the target returned, `assigned`, `active`).
//!
//! Two flavours behave differently on the wire (docs/idps/okta.md §1): an **OIN template** app
//! ("SCIM 2.0 Test App (Header Auth)" and its siblings, published OIN apps) sets `active` with a
//! path-less PATCH (§3.5); an **App Integration Wizard** app sends every change as GET then a
//! full PUT. Both look users up, create them and update profiles the same way (§3.3, §3.4).
//!
//! Where Okta stops, the action stops: after a failed check that Okta's task would fail on (a
//! lookup it cannot read, a 409 on create, a GET it cannot echo) no further request is sent,
//! and the checks so far are returned.
//!
//! **Transport failures** (the target timed out, reset, or could not be reached) are returned
//! as [`IdpError::Transport`], naming the action and the request, and the checks of that action
//! are dropped: a transport failure says nothing about the target's SCIM, the runner records the
//! exchange with its error, and Okta itself would only mark the task failed (60 s socket
//! timeout, docs/idps/okta.md §3.7).
//!
//! The 429 back-off of §3.7 is implemented (`Retry-After` seconds, else 5 minutes, doubling, 10
//! attempts), and membership changes go out in batches of [`Okta::membership_batch`] (§3.6.5).
//!
//! The stale-`active` race on re-assignment (§3.4, observed) is an option
//! ([`Okta::stale_deactivate_put`], off by default).
//!
//! Not done yet: AIW "Test Connector Configuration" probes, which are undocumented (§3.1: the
//! OIN template's two requests are sent for both flavours).

pub mod checks;
mod groups;
pub mod request;

#[cfg(test)]
mod groups_tests;
#[cfg(test)]
mod script;
#[cfg(test)]
mod tests;

pub use groups::{MEMBERSHIP_PATCH_TIMEOUT, PushedGroup, PushedMember};

use checks::{Lookup, Purpose};

use std::time::Duration;

use super::directory::DirectoryUser;
use super::wire::{Wire, WireRequest, WireResponse};
use super::{IdpCheck, IdpError};
use crate::level::Level;

/// How the app integration was created, which decides PATCH or PUT (docs/idps/okta.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OktaFlavour {
    /// From the catalog: "SCIM 2.0 Test App (Header Auth)" and other OIN templates. `active`
    /// is set with a path-less PATCH (§3.5).
    #[default]
    OinTemplate,
    /// A custom app from the App Integration Wizard: every change is GET then a full PUT
    /// (§1, §3.5).
    Aiw,
}

/// How the lookup filter encodes spaces (docs/idps/okta.md §3.3, §4 item 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterSpaces {
    /// `userName%20eq%20%22…%22`: the current docs and real captures (2021, 2024).
    #[default]
    Percent20,
    /// `userName+eq+%22…%22`: the 2018–2019 docs.
    Plus,
}

/// Okta, as one app integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Okta {
    pub flavour: OktaFlavour,
    pub filter_spaces: FilterSpaces,
    /// At most this many membership changes per group PATCH (docs/idps/okta.md §3.6.5):
    /// 100 unless the OIN app asked Okta for more (100 to 1000).
    pub membership_batch: MembershipBatch,
    /// App Integration Wizard group PUTs as the 2018–2019 reference describes them: `GET
    /// /Groups/{id}` first, then the PUT of the group as returned with Okta's changes
    /// (docs/idps/okta.md §3.6.8, *documented* then). Off by default: the current reference's
    /// PUT carries only `schemas`, `displayName` and `members`, no echo of a GET.
    pub group_put_reads_first: bool,
    /// The race reported on re-assignment (docs/idps/okta.md §3.4, *observed* once,
    /// devforum-14380): right after the activation of a user re-assigned to the app, a profile
    /// push whose PUT carries the stale `active:false`, leaving the user inactive in the app
    /// though active in Okta. Off by default: Okta's own page says a profile push does not
    /// change the user's status downstream, so this is a race, not the rule.
    pub stale_deactivate_put: bool,
}

/// How many group membership changes Okta puts in one PATCH (docs/idps/okta.md §3.6.5,
/// *documented* in Okta's OIN submission guide): "between 100 and 1000. The default value is
/// 100." A value outside that range is refused when the setting is made ([`MembershipBatch::new`]),
/// so a batch size in use is always one Okta offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MembershipBatch(u16);

/// A membership batch size Okta does not offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "Okta's membership batch size is {min} to {max} changes per PATCH (docs/idps/okta.md §3.6.5), not {got}",
    min = MembershipBatch::MIN,
    max = MembershipBatch::MAX
)]
pub struct BatchOutOfRange {
    pub got: u64,
}

impl MembershipBatch {
    /// The smallest batch, and Okta's default.
    pub const MIN: u16 = 100;
    /// The largest batch an OIN app can ask for.
    pub const MAX: u16 = 1000;

    pub fn new(size: u64) -> Result<Self, BatchOutOfRange> {
        u16::try_from(size)
            .ok()
            .filter(|size| (Self::MIN..=Self::MAX).contains(size))
            .map(MembershipBatch)
            .ok_or(BatchOutOfRange { got: size })
    }

    /// The most changes one PATCH carries.
    pub fn size(self) -> usize {
        usize::from(self.0)
    }
}

impl Default for MembershipBatch {
    fn default() -> Self {
        MembershipBatch(Self::MIN)
    }
}

impl TryFrom<u64> for MembershipBatch {
    type Error = BatchOutOfRange;

    fn try_from(size: u64) -> Result<Self, Self::Error> {
        MembershipBatch::new(size)
    }
}

/// An action's requests so far and the checks judged on them.
struct Session<'w, W> {
    wire: &'w mut W,
    action: &'static str,
    sent: usize,
    checks: Vec<IdpCheck>,
}

impl<'w, W: Wire> Session<'w, W> {
    fn new(wire: &'w mut W, action: &'static str) -> Self {
        Session {
            wire,
            action,
            sent: 0,
            checks: Vec::new(),
        }
    }

    /// Sends one request; the index is its place in this action (what a check's `request` is).
    ///
    /// A 429 pauses and repeats the request as Okta does (docs/idps/okta.md §3.7): the first
    /// wait is `Retry-After` in integer seconds, or five minutes when it is missing or not an
    /// integer; each retry doubles the wait; after 10 attempts the task fails permanently, and
    /// the last 429 is what the action's checks then judge.
    async fn send(&mut self, request: WireRequest) -> Result<(usize, WireResponse), IdpError> {
        let line = format!("{} {}", request.method, request.path);
        let mut wait: Option<Duration> = None;
        for attempt in 1..=RATE_LIMIT_ATTEMPTS {
            let index = self.sent;
            self.sent += 1;
            let response = match self.wire.send(request.clone()).await {
                Ok(response) => response,
                Err(error) => {
                    return Err(IdpError::Transport(format!(
                        "Okta {}: {line}: {error}",
                        self.action
                    )));
                }
            };
            if response.status != 429 {
                return Ok((index, response));
            }
            if attempt == RATE_LIMIT_ATTEMPTS {
                self.checks.push(
                    IdpCheck::new(checks::RATE_LIMIT_GAVE_UP, Level::IdpRequired, "docs/idps/okta.md §3.7")
                        .on(index)
                        .fail(format!(
                            "{line} answered 429 {RATE_LIMIT_ATTEMPTS} times: Okta fails the task permanently (docs/idps/okta.md §3.7)"
                        )),
                );
                return Ok((index, response));
            }
            let next = match wait {
                Some(previous) => previous * 2,
                None => retry_after(&response).unwrap_or(DEFAULT_RETRY_AFTER),
            };
            self.wire.wait(next).await;
            wait = Some(next);
        }
        unreachable!("the loop returns on its last attempt")
    }

    /// Records a check; whether it held.
    fn judge(&mut self, check: IdpCheck) -> bool {
        let held = check.held();
        self.checks.push(check);
        held
    }

    fn judge_all(&mut self, checks: Vec<IdpCheck>) {
        self.checks.extend(checks);
    }
}

/// Okta's attempts at a request answered 429 before the task fails (docs/idps/okta.md §3.7).
pub const RATE_LIMIT_ATTEMPTS: u32 = 10;
/// Okta's wait when `Retry-After` is missing or not integer seconds (docs/idps/okta.md §3.7).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(300);

/// `Retry-After` as Okta reads it: integer seconds only.
fn retry_after(response: &WireResponse) -> Option<Duration> {
    response
        .header("retry-after")?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// What an import reads (docs/idps/okta.md §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    Users,
    Groups,
}

impl Imported {
    pub fn endpoint(self) -> &'static str {
        match self {
            Imported::Users => "/Users",
            Imported::Groups => "/Groups",
        }
    }

    /// The task's name in errors.
    fn action(self) -> &'static str {
        match self {
            Imported::Users => "import",
            Imported::Groups => "group import",
        }
    }

    /// What is imported, in reasons.
    pub fn what(self) -> &'static str {
        match self {
            Imported::Users => "users",
            Imported::Groups => "groups",
        }
    }
}

/// The most import pages read: a harness limit (100 000 users or groups), so that a target announcing an
/// absurd `totalResults` cannot keep a run going. Okta itself has no documented limit.
pub const MAX_IMPORT_PAGES: u64 = 1000;

impl Okta {
    pub fn new(flavour: OktaFlavour) -> Self {
        Okta {
            flavour,
            ..Okta::default()
        }
    }

    /// "Test API Credentials" (docs/idps/okta.md §3.1): `GET /Users?startIndex=1&count=2`, then
    /// `GET /Groups?startIndex=1&count=100`. \[I\] Okta reports the first failure, so the groups
    /// request is only sent when the user list held.
    pub async fn test_connection<W: Wire>(&self, wire: &mut W) -> Result<Vec<IdpCheck>, IdpError> {
        let mut session = Session::new(wire, "Test API Credentials");
        let users = request::request("GET", request::TEST_USERS_PATH.to_owned(), None);
        let (index, response) = session.send(users).await?;
        if !session.judge(checks::test_connection_list(index, &response)) {
            return Ok(session.checks);
        }
        let groups = request::request("GET", request::TEST_GROUPS_PATH.to_owned(), None);
        let (index, response) = session.send(groups).await?;
        session.judge(checks::test_connection_groups(index, &response));
        Ok(session.checks)
    }

    /// Import users (docs/idps/okta.md §3.2): pages of `count=100` from `startIndex=1`,
    /// `startIndex += 100` while `totalResults` goes past the page (Okta advances by 100, not by
    /// what came back). Reading stops on a page Okta could not page on.
    pub async fn import_users<W: Wire>(&self, wire: &mut W) -> Result<Vec<IdpCheck>, IdpError> {
        self.import(wire, Imported::Users).await
    }

    /// Import groups (docs/idps/okta.md §3.2, *documented*: "groups are read the same way from
    /// `/Groups`"): the same pages as [`Okta::import_users`], from `/Groups`. The groups read
    /// are what Group Push later offers to link (§3.6.1).
    pub async fn import_groups<W: Wire>(&self, wire: &mut W) -> Result<Vec<IdpCheck>, IdpError> {
        self.import(wire, Imported::Groups).await
    }

    /// Okta's import paging, for users or groups (docs/idps/okta.md §3.2).
    async fn import<W: Wire>(
        &self,
        wire: &mut W,
        imported: Imported,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let mut session = Session::new(wire, imported.action());
        let mut start_index = 1;
        for _ in 0..MAX_IMPORT_PAGES {
            let path = request::page_path(imported.endpoint(), start_index);
            let page = request::request("GET", path, None);
            let (index, response) = session.send(page).await?;
            let (page_checks, total) = checks::import_page(index, &response, imported);
            session.judge_all(page_checks);
            let next = start_index + request::PAGE_SIZE;
            match total {
                Some(total) if total >= next => start_index = next,
                _ => break,
            }
        }
        Ok(session.checks)
    }

    /// The user is assigned to the app with "Create Users" on (docs/idps/okta.md §3.3): look the
    /// user up by `userName`; not found (an empty list or 404) → `POST /Users`; found → link to
    /// `Resources[0].id`, sync the profile (GET, PUT) and activate as the flavour does (OIN
    /// template: PATCH `active:true`; AIW: GET, PUT `active:true`, as the customer log of §3.3 shows).
    ///
    /// Sets `assigned` (the admin's act, whatever the target says), `target_id` once the target
    /// gave one (on create, or at the lookup when linking: Okta stores it then), and `active`
    /// once the user is created or the activation was accepted. A 409 leaves the user
    /// unprovisioned: Okta stops the task and does not retry.
    pub async fn assign<W: Wire>(
        &self,
        user: &mut DirectoryUser,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        // Provisioned before and deactivated since: this assignment is a re-assignment.
        let reassigning = user.target_id.is_some() && !user.active;
        user.assigned = true;
        let mut session = Session::new(wire, "assign");
        let path = request::lookup_path(&user.profile.user_name, self.filter_spaces);
        let (index, response) = session.send(request::request("GET", path, None)).await?;
        let (lookup_checks, found) = checks::lookup(index, &response, &user.profile.user_name);
        session.judge_all(lookup_checks);
        match found {
            Lookup::Stop => {}
            Lookup::NotFound => {
                let body = request::create_body(user);
                let post = request::request("POST", "/Users".to_owned(), Some(body));
                let (index, response) = session.send(post).await?;
                let (create_checks, id) = checks::create(index, &response);
                session.judge_all(create_checks);
                if let Some(id) = id {
                    user.target_id = Some(id);
                    user.active = true;
                }
            }
            Lookup::Found(id) => {
                user.target_id = Some(id.clone());
                if self
                    .sync(&mut session, user, &id, true, Purpose::Link, None)
                    .await?
                {
                    self.set_active(&mut session, user, &id, true).await?;
                    if self.stale_deactivate_put && reassigning && user.active {
                        // The stale profile push of the race (§3.4): Okta still thinks `false`.
                        self.sync(&mut session, user, &id, false, Purpose::Update, None)
                            .await?;
                    }
                }
            }
        }
        Ok(session.checks)
    }

    /// A profile change pushed to the app (docs/idps/okta.md §3.4): `GET /Users/{id}`, then a
    /// full PUT echoing that body with Okta's changes merged (`userName`, `name`, the primary
    /// email, `displayName`, and `active` as Okta last set it).
    pub async fn update<W: Wire>(
        &self,
        user: &mut DirectoryUser,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = provisioned_id(user)?;
        let mut session = Session::new(wire, "update");
        let active = user.active;
        self.sync(&mut session, user, &id, active, Purpose::Update, None)
            .await?;
        Ok(session.checks)
    }

    /// Unassignment or deactivation in Okta (docs/idps/okta.md §3.5). OIN template:
    /// `PATCH {"schemas":[PatchOp],"Operations":[{"op":"replace","value":{"active":false}}]}`;
    /// AIW: GET, then the full PUT with `active:false`. Okta never sends DELETE (§3.5).
    /// `active` becomes `false` when the target accepted; `assigned` is the scenario's to set
    /// (an Okta-side deactivation leaves the assignment).
    pub async fn deactivate<W: Wire>(
        &self,
        user: &mut DirectoryUser,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = provisioned_id(user)?;
        let mut session = Session::new(wire, "deactivate");
        self.set_active(&mut session, user, &id, false).await?;
        Ok(session.checks)
    }

    /// Reactivation (docs/idps/okta.md §3.5): the same as [`Okta::deactivate`] with `true`.
    pub async fn reactivate<W: Wire>(
        &self,
        user: &mut DirectoryUser,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = provisioned_id(user)?;
        let mut session = Session::new(wire, "reactivate");
        self.set_active(&mut session, user, &id, true).await?;
        Ok(session.checks)
    }

    /// Suspending the Okta user (docs/idps/okta.md §3.5): Okta sends nothing. Since 2021 its
    /// reference says a suspended user triggers no provisioning event (*documented*; older text
    /// said suspension deactivated). The user can no longer sign in to Okta (`enabled` is
    /// `false`); its state in the app is untouched, so there is nothing to judge.
    pub fn suspend(&self, user: &mut DirectoryUser) -> Vec<IdpCheck> {
        user.enabled = false;
        Vec::new()
    }

    /// Password sync: the user's password changed in Okta, and "Sync Password" pushes it
    /// (docs/idps/okta.md §1.1, §3.5: PATCH for OIN templates, PUT for App Integration Wizard
    /// apps, *documented*). OIN template: `PATCH /Users/{id}` with
    /// `{"schemas":[PatchOp],"Operations":[{"op":"replace","value":{"password":"…"}}]}` (the
    /// body is undocumented: \[I\] the form of the documented (de)activation PATCH); AIW: `GET
    /// /Users/{id}`, then the full PUT echoing it with `password` added. The new password is
    /// [`request::synced_password`]; the runner scrubs it from everything it records, as it
    /// does every `password`.
    pub async fn sync_password<W: Wire>(
        &self,
        user: &mut DirectoryUser,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = provisioned_id(user)?;
        user.password_changes += 1;
        let password = request::synced_password(&user.idp_id, user.password_changes);
        let mut session = Session::new(wire, "password sync");
        match self.flavour {
            OktaFlavour::OinTemplate => {
                let body = request::patch_password_body(&password);
                let patch = request::request("PATCH", request::user_path(&id), Some(body));
                let (index, response) = session.send(patch).await?;
                session.judge(checks::password_patch_accepted(index, &response));
            }
            OktaFlavour::Aiw => {
                let active = user.active;
                self.sync(
                    &mut session,
                    user,
                    &id,
                    active,
                    Purpose::Password,
                    Some(&password),
                )
                .await?;
            }
        }
        Ok(session.checks)
    }

    /// GET then the merged full PUT (docs/idps/okta.md §3.4); whether both held. `active` is the
    /// value the PUT carries, and `password` one it adds (password sync, §3.5).
    async fn sync<W: Wire>(
        &self,
        session: &mut Session<'_, W>,
        user: &DirectoryUser,
        id: &str,
        active: bool,
        purpose: Purpose,
        password: Option<&str>,
    ) -> Result<bool, IdpError> {
        let path = request::user_path(id);
        let (index, response) = session
            .send(request::request("GET", path.clone(), None))
            .await?;
        let (fetched, body) = checks::fetched_user(purpose, index, &response, id);
        session.judge(fetched);
        let Some(body) = body else {
            return Ok(false);
        };
        let put_body = request::merged_put_body_with(&body, user, active, password);
        let (index, response) = session
            .send(request::request("PUT", path, Some(put_body)))
            .await?;
        Ok(session.judge(checks::put_accepted(purpose, index, &response)))
    }

    /// Sets `active` as the flavour does (docs/idps/okta.md §1, §3.5); updates the directory
    /// user when the target accepted.
    async fn set_active<W: Wire>(
        &self,
        session: &mut Session<'_, W>,
        user: &mut DirectoryUser,
        id: &str,
        active: bool,
    ) -> Result<(), IdpError> {
        let accepted = match self.flavour {
            OktaFlavour::OinTemplate => {
                let body = request::patch_active_body(active);
                let patch = request::request("PATCH", request::user_path(id), Some(body));
                let (index, response) = session.send(patch).await?;
                session.judge(checks::patch_accepted(active, index, &response))
            }
            OktaFlavour::Aiw => {
                let purpose = Purpose::for_active(active);
                self.sync(session, user, id, active, purpose, None).await?
            }
        };
        if accepted {
            user.active = active;
        }
        Ok(())
    }
}

fn provisioned_id(user: &DirectoryUser) -> Result<String, IdpError> {
    user.target_id
        .clone()
        .ok_or_else(|| IdpError::NotProvisioned(user.key.clone()))
}
