//! Entra's provisioning job: anchors, watermark, escrow, quarantine, and the cycles that send
//! the directory's net changes (docs/idps/entra.md §5–§10).
//!
//! A cycle reads the directory as it is, not the steps that led there: every user and group
//! changed since the watermark (all of them in an initial cycle) is compared with the target and
//! brought level, in Entra's order (§5): users (lookup, create or match and update), groups
//! (created empty), manager references, then memberships. Deprovisioning follows the directory's
//! state (§8): out of scope → disable by PATCH; soft-deleted while assigned → disable, and
//! `DELETE` once the user is purged 30 days later; unassigned users are no longer managed, so a
//! later deletion sends nothing. A failed object goes to escrow and comes back when due; the
//! cycle's tally decides quarantine.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::checks::{self, Lookup};
use super::escrow::{self, CycleTally, Escrow, Escrowed, Quarantine};
use super::request::{self, Attr, UserImage};
use super::{
    Dialect, Entra, Matching, RETRY_AFTER_SUSPENSIONS, ReadCurrent, RoleMapping, Throttling,
};
use crate::clock::Clock;
use crate::idp::directory::{Directory, DirectoryUser};
use crate::idp::wire::{Wire, WireRequest, WireResponse};
use crate::idp::{IdpCheck, IdpError};
use crate::level::Level;

/// Users are purged this long after a soft delete (§5, §8).
pub const HARD_DELETE_AFTER: SignedDuration = SignedDuration::from_hours(30 * 24);
/// Provision on demand takes one group with at most this many members (§5).
pub const ON_DEMAND_MEMBERS: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq)]
struct UserAnchor {
    target_id: String,
    /// `false` once the user left scope by unassignment: Entra stops managing it (§8).
    managed: bool,
    /// The manager's target id Entra last set.
    manager_sent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupAnchor {
    target_id: String,
    name_sent: String,
    /// Directory keys of the members Entra added and has not removed.
    members_sent: BTreeSet<String>,
}

/// What one cycle (or one on-demand run, or a connection test) sent and found.
#[derive(Debug, Clone, Default)]
pub struct CycleReport {
    /// `initial`, `incremental`, `on-demand`, `test-connection`.
    pub kind: &'static str,
    pub at: Option<Timestamp>,
    pub checks: Vec<IdpCheck>,
    pub requests: usize,
    /// The cycle's number in the job (1 is the first initial cycle); 0 outside cycles.
    pub number: u64,
    /// The objects an initial cycle went through (users, groups, group members in scope).
    pub objects: u64,
    /// How long the cycle took on the job's clock.
    pub took: Duration,
}

/// One application's provisioning job.
#[derive(Debug, Clone)]
pub struct Job {
    pub entra: Entra,
    started: bool,
    disabled: bool,
    next_cycle: Option<Timestamp>,
    watermark: u64,
    users: BTreeMap<String, UserAnchor>,
    groups: BTreeMap<String, GroupAnchor>,
    escrow: Escrow,
    quarantine: Option<Quarantine>,
    probes: u64,
    cycles: u64,
}

/// The requests of one run, the checks judged on them, and the tally for quarantine.
struct Session<'w, W> {
    wire: &'w mut W,
    gap: Option<Duration>,
    throttling: Throttling,
    sent: usize,
    checks: Vec<IdpCheck>,
    tally: CycleTally,
    /// The object being worked on, put in front of failure reasons.
    object: String,
    /// The time each object of an initial cycle takes (zero in other runs).
    per_object: Duration,
    /// The objects counted so far.
    objects: u64,
}

impl<W: Wire> Session<'_, W> {
    /// Sends one request; `None` when it got no answer (recorded as a failed check). Under
    /// [`Throttling::RetryAfter`] a 429 with `Retry-After` seconds suspends the job that long,
    /// then the same request goes again (§10.4).
    async fn send(&mut self, request: WireRequest) -> Option<(usize, WireResponse)> {
        let mut suspensions = 0;
        loop {
            let (index, response) = self.send_once(request.clone()).await?;
            let suspend = match self.throttling {
                Throttling::RetryAfter if response.status == 429 => response.retry_after(),
                _ => None,
            };
            match suspend {
                Some(wait) if suspensions < RETRY_AFTER_SUSPENSIONS => {
                    suspensions += 1;
                    self.wire.wait(wait).await;
                }
                _ => return Some((index, response)),
            }
        }
    }

    async fn send_once(&mut self, request: WireRequest) -> Option<(usize, WireResponse)> {
        if let Some(gap) = self.gap
            && self.sent > 0
        {
            self.wire.wait(gap).await;
        }
        let line = format!("{} {}", request.method, request.path);
        let index = self.sent;
        self.sent += 1;
        match self.wire.send(request).await {
            Ok(response) => {
                if matches!(response.status, 401 | 403) {
                    self.tally.unauthorized = true;
                }
                Some((index, response))
            }
            Err(error) => {
                self.judge(checks::unanswered(index, &line, &error));
                None
            }
        }
    }

    /// Records a check; whether it held.
    fn judge(&mut self, mut check: IdpCheck) -> bool {
        let held = check.held();
        if !held {
            for reason in &mut check.reasons {
                *reason = format!("{}: {reason}", self.object);
            }
        }
        self.checks.push(check);
        held
    }

    fn judge_all(&mut self, checks: Vec<IdpCheck>) {
        for check in checks {
            self.judge(check);
        }
    }

    /// `n` objects of an initial cycle went by: their time passes (§5.4).
    async fn went_through(&mut self, n: u64) {
        self.objects += n;
        let took = self
            .per_object
            .saturating_mul(u32::try_from(n).unwrap_or(u32::MAX));
        if !took.is_zero() {
            self.wire.wait(took).await;
        }
    }

    /// Counts an object's outcome toward quarantine (§10.3): an event when it sent something
    /// or failed, a reference event for a manager or members update.
    fn count(&mut self, sent_before: usize, outcome: &Result<(), Failed>, reference: bool) {
        let sent = self.sent > sent_before;
        let failed = outcome.is_err();
        if !sent && !failed {
            return;
        }
        if reference {
            self.tally.reference_events += 1;
            self.tally.reference_failures += u64::from(failed);
        } else {
            self.tally.events += 1;
            self.tally.failures += u64::from(failed);
        }
    }
}

/// The users in the application's scope at the start of a cycle.
type Scope = BTreeSet<String>;

/// Why an object did not go through this time (it goes to escrow).
type Failed = String;

impl Job {
    pub fn new(entra: Entra) -> Self {
        Job {
            entra,
            started: false,
            disabled: false,
            next_cycle: None,
            watermark: 0,
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
            escrow: Escrow::default(),
            quarantine: None,
            probes: 0,
            cycles: 0,
        }
    }

    /// When the next cycle runs; `None` before the job starts or once it is disabled.
    pub fn next_cycle(&self) -> Option<Timestamp> {
        self.next_cycle.filter(|_| !self.disabled)
    }

    pub fn quarantine(&self) -> Option<&Quarantine> {
        self.quarantine.as_ref()
    }

    pub fn escrowed(&self) -> usize {
        self.escrow.len()
    }

    pub fn started(&self) -> bool {
        self.started
    }

    fn session<'w, W: Wire>(&self, wire: &'w mut W) -> Session<'w, W> {
        Session {
            wire,
            gap: self.entra.gap(),
            throttling: self.entra.throttling,
            sent: 0,
            checks: Vec::new(),
            tally: CycleTally::default(),
            object: String::new(),
            per_object: Duration::ZERO,
            objects: 0,
        }
    }

    /// A "random" GUID for the connection probe (§4): a fixed sequence, so that a run's
    /// transcript is the same every time, shaped as a version-4 GUID.
    fn probe_guid(&mut self) -> String {
        self.probes += 1;
        let mut x = 0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(self.probes);
        x ^= x >> 31;
        let y = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            x >> 32,
            (x >> 16) & 0xffff,
            x & 0xfff,
            y & 0xfff,
            y >> 16 & 0xffff_ffff_ffff
        )
    }

    /// Test Connection (§4): a user filter on a random GUID, then the group lookup on another;
    /// both must answer 200 with an empty ListResponse. \[I\] The group probe is sent always.
    pub async fn test_connection<W: Wire>(&mut self, wire: &mut W) -> CycleReport {
        let paths = self.entra.paths(self.entra.dialect);
        let user_probe = paths.user_lookup(self.matching_attribute(), &self.probe_guid());
        let group_probe = paths.group_lookup(&self.probe_guid());
        let mut session = self.session(wire);
        session.object = "Test Connection".into();
        for path in [user_probe, group_probe] {
            let Some((index, response)) = session.send(request::request("GET", path, None)).await
            else {
                break;
            };
            let (check, _) = checks::test_connection(index, &response);
            if !session.judge(check) {
                break;
            }
        }
        CycleReport {
            kind: "test-connection",
            at: None,
            requests: session.sent,
            checks: session.checks,
            number: 0,
            objects: 0,
            took: Duration::ZERO,
        }
    }

    /// The attribute Test Connection probes: the first matching attribute (§4: "a random GUID
    /// as the matching property").
    fn matching_attribute(&self) -> &'static str {
        self.entra.matching()[0].attribute()
    }

    /// "Start provisioning": the initial cycle now, then one every 40 minutes (§5).
    pub async fn start<W: Wire>(
        &mut self,
        directory: &mut Directory,
        clock: &dyn Clock,
        wire: &mut W,
    ) -> CycleReport {
        self.started = true;
        self.disabled = false;
        self.cycle(directory, clock, wire, true).await
    }

    /// "Restart provisioning": anchors, watermark, escrow and quarantine cleared, then an
    /// initial cycle (§5, §10: the way out of `InvalidAnchor`).
    pub async fn restart<W: Wire>(
        &mut self,
        directory: &mut Directory,
        clock: &dyn Clock,
        wire: &mut W,
    ) -> CycleReport {
        self.users.clear();
        self.groups.clear();
        self.escrow.clear();
        self.quarantine = None;
        self.watermark = 0;
        self.start(directory, clock, wire).await
    }

    /// The cycle that is due now (the runner moves the clock to [`Job::next_cycle`] first).
    pub async fn run_due_cycle<W: Wire>(
        &mut self,
        directory: &mut Directory,
        clock: &dyn Clock,
        wire: &mut W,
    ) -> CycleReport {
        self.cycle(directory, clock, wire, false).await
    }

    async fn cycle<W: Wire>(
        &mut self,
        directory: &mut Directory,
        clock: &dyn Clock,
        wire: &mut W,
        initial: bool,
    ) -> CycleReport {
        let at = clock.now();
        self.cycles += 1;
        purge_expired(directory, at);
        let revision = directory.revision();
        let dialect = self.entra.dialect;
        let mut session = self.session(wire);
        if initial {
            session.per_object = self.entra.initial_cycle_per_object;
        }
        // Nothing changed and nothing due: a quiet cycle, as most of a month's 1,080 are.
        let quiet = !initial && revision <= self.watermark && !self.escrow.any_due(at);
        if !quiet {
            self.work(directory, initial, at, dialect, &mut session)
                .await;
        }
        self.watermark = revision;
        let tally = session.tally;
        let mut report = CycleReport {
            kind: if initial { "initial" } else { "incremental" },
            at: Some(at),
            requests: session.sent,
            checks: session.checks,
            number: self.cycles,
            objects: session.objects,
            took: Duration::try_from(clock.now().duration_since(at)).unwrap_or_default(),
        };
        let mut quarantine = self.judge_quarantine(&tally, clock.now());
        if self.schedule(at, clock.now()) {
            quarantine = quarantine
                .fail("quarantined for four weeks: Entra disables the provisioning job (docs/idps/entra.md §10.3)");
        }
        report.checks.push(quarantine);
        report
    }

    /// One cycle's work, in Entra's order (§5): users, groups, manager references, members.
    async fn work<W: Wire>(
        &mut self,
        directory: &mut Directory,
        initial: bool,
        at: Timestamp,
        dialect: Dialect,
        session: &mut Session<'_, W>,
    ) {
        let scope: Scope = directory.scope().into_iter().map(str::to_owned).collect();
        let user_keys: Vec<String> = directory.users().map(|u| u.key.clone()).collect();
        // The users this cycle evaluates: only their manager references are looked at (§5.5).
        let mut evaluated: BTreeSet<String> = BTreeSet::new();
        for key in &user_keys {
            let Some(user) = directory.user(key) else {
                continue;
            };
            let escrow_key = format!("user:{key}");
            if self.escrow.waiting(&escrow_key, at) {
                continue;
            }
            let changed =
                initial || user.revision > self.watermark || self.escrow.due(&escrow_key, at);
            if !changed {
                continue;
            }
            session.object = format!("user {key}");
            let before = session.sent;
            let outcome = self
                .sync_user(directory, &scope, key, dialect, session)
                .await;
            session.count(before, &outcome, false);
            self.settle(&escrow_key, outcome, at, session);
            evaluated.insert(key.clone());
            if initial && scope.contains(key) {
                session.went_through(1).await;
            }
        }
        let group_keys: Vec<String> = directory.groups().map(|g| g.key.clone()).collect();
        for key in &group_keys {
            let Some(group) = directory.group(key) else {
                continue;
            };
            let escrow_key = format!("group:{key}");
            if self.escrow.waiting(&escrow_key, at) {
                continue;
            }
            let changed =
                initial || group.revision > self.watermark || self.escrow.due(&escrow_key, at);
            if !changed {
                continue;
            }
            let in_scope = initial && group.assigned && !group.deleted;
            session.object = format!("group {key}");
            let before = session.sent;
            let outcome = self.sync_group(directory, key, dialect, session).await;
            session.count(before, &outcome, false);
            self.settle(&escrow_key, outcome, at, session);
            if in_scope {
                session.went_through(1).await;
            }
        }
        // A manager reference is set when its user is evaluated: a user provisioned while its
        // manager was out of scope gets the link only when it is evaluated again, by a change of
        // its own (\[I\]) or by a restart's initial cycle (§5.5, documented).
        for key in &evaluated {
            let escrow_key = format!("user:{key}");
            if self.escrow.waiting(&escrow_key, at) {
                continue;
            }
            session.object = format!("user {key}");
            let before = session.sent;
            let outcome = self
                .sync_manager(directory, &scope, key, dialect, session)
                .await;
            session.count(before, &outcome, true);
            // Success here says nothing of the object's own sync: only a failure counts.
            if let Err(reason) = outcome {
                self.settle(&escrow_key, Err(reason), at, session);
            }
        }
        for key in &group_keys {
            let escrow_key = format!("group:{key}");
            if self.escrow.waiting(&escrow_key, at) {
                continue;
            }
            session.object = format!("group {key}");
            let before = session.sent;
            let outcome = self
                .sync_members(directory, &scope, key, dialect, session)
                .await;
            session.count(before, &outcome, true);
            // Success here says nothing of the object's own sync: only a failure counts.
            if let Err(reason) = outcome {
                self.settle(&escrow_key, Err(reason), at, session);
            }
            if initial
                && let Some(group) = directory.group(key).filter(|g| g.assigned && !g.deleted)
            {
                let members = group.members.iter().filter(|m| scope.contains(*m)).count();
                session.went_through(members as u64).await;
            }
        }
    }

    /// Escrow bookkeeping for one object's outcome.
    fn settle<W: Wire>(
        &mut self,
        key: &str,
        outcome: Result<(), Failed>,
        now: Timestamp,
        session: &mut Session<'_, W>,
    ) {
        match outcome {
            Ok(()) => self.escrow.succeed(key),
            Err(reason) => {
                let escrowed = self.escrow.fail(key, now, reason.clone());
                if let Escrowed::RetryAt(due) = escrowed {
                    let failures = self.escrow.get(key).map_or(1, |e| e.failures);
                    let wait = due.duration_since(now);
                    let when = if wait <= escrow::CYCLE_INTERVAL {
                        "at the next cycle".to_owned()
                    } else {
                        match (wait.as_hours(), wait.as_mins() % 60) {
                            (hours, 0) => format!("in {hours} h"),
                            (hours, mins) => format!("in {hours} h {mins} min"),
                        }
                    };
                    if let Some(last) = session.checks.iter_mut().rev().find(|c| !c.held()) {
                        last.reasons.push(format!(
                            "{}: escrowed after failure {failures}, retried {when} (docs/idps/entra.md §10.2)",
                            session.object
                        ));
                    }
                }
                if let Escrowed::GivenUp = escrowed {
                    session.judge(
                        IdpCheck::new(checks::ESCROW_NOT_GIVEN_UP, Level::IdpRequired, checks::SOURCE_ERRORS)
                            .fail(format!(
                                "retried for 28 days without success ({reason}): Entra removes it from escrow"
                            )),
                    );
                }
            }
        }
    }

    /// Enters, keeps or leaves quarantine after a cycle; the check says which.
    fn judge_quarantine(&mut self, tally: &CycleTally, now: Timestamp) -> IdpCheck {
        let check = IdpCheck::new(
            checks::JOB_NOT_QUARANTINED,
            Level::IdpRequired,
            checks::SOURCE_ERRORS,
        );
        match (escrow::quarantine_for(tally), &mut self.quarantine) {
            (Some(reason), None) => {
                let check = check.fail(format!("the job is quarantined: {}", reason.describe()));
                self.quarantine = Some(Quarantine::new(reason, now));
                check
            }
            // A cycle that only passed escrowed objects by did not succeed (§10: a job leaves
            // quarantine after a successful cycle).
            (Some(_), Some(quarantine)) | (None, Some(quarantine))
                if tally.all_failures() > 0 || (!tally.any_events() && !self.escrow.is_empty()) =>
            {
                check.fail(format!(
                    "the job is still quarantined: {}",
                    quarantine.reason.describe()
                ))
            }
            (_, quarantine) => {
                *quarantine = None;
                check
            }
        }
    }

    /// Schedules the next cycle; whether the job was disabled instead.
    fn schedule(&mut self, started: Timestamp, now: Timestamp) -> bool {
        let gap = match &mut self.quarantine {
            None => escrow::CYCLE_INTERVAL,
            Some(quarantine) if quarantine.expired(now) => {
                self.disabled = true;
                self.next_cycle = None;
                return true;
            }
            Some(quarantine) => quarantine.next_interval(),
        };
        // Cycles run back to back: a long one is followed at once by the next (§5).
        self.next_cycle = Some((started + gap).max(now));
        false
    }

    /// The image of a user as Entra maps it (§3), with `active` as given.
    pub fn image(user: &DirectoryUser, active: bool) -> UserImage {
        let profile = &user.profile;
        let mut attrs = vec![(Attr::UserName, Value::String(profile.user_name.clone()))];
        let mut text = |attr: Attr, value: Option<String>| {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                attrs.push((attr, Value::String(value)));
            }
        };
        text(Attr::DisplayName, Some(profile.display_name()));
        text(Attr::Title, profile.title.clone());
        text(Attr::PreferredLanguage, profile.locale.clone());
        text(Attr::WorkEmail, Some(profile.email.clone()));
        text(Attr::GivenName, Some(profile.given_name.clone()));
        text(Attr::FamilyName, Some(profile.family_name.clone()));
        let formatted = format!("{} {}", profile.given_name, profile.family_name);
        text(Attr::Formatted, Some(formatted.trim().to_owned()));
        let address = &profile.address;
        text(Attr::StreetAddress, address.street_address.clone());
        text(Attr::Locality, address.locality.clone());
        text(Attr::Region, address.region.clone());
        text(Attr::PostalCode, address.postal_code.clone());
        text(Attr::Country, address.country.clone());
        text(Attr::WorkPhone, profile.phones.work.clone());
        text(Attr::MobilePhone, profile.phones.mobile.clone());
        text(Attr::Fax, profile.phones.fax.clone());
        let nickname = profile.user_name.split('@').next().unwrap_or_default();
        text(Attr::ExternalId, Some(nickname.to_owned()));
        text(Attr::EmployeeNumber, profile.employee_number.clone());
        text(Attr::Department, profile.department.clone());
        attrs.push((Attr::Active, Value::Bool(active)));
        UserImage { attrs }
    }

    /// The image under this job's mappings: [`Job::image`], plus the user's role when roles
    /// are mapped (§3.1: `SingleAppRoleAssignment` takes one role; with several, which one is
    /// not guaranteed, and scimulate takes the first).
    fn mapped_image(&self, user: &DirectoryUser, active: bool) -> UserImage {
        let mut image = Self::image(user, active);
        if !self.entra.active_mapped {
            image.attrs.retain(|(attr, _)| *attr != Attr::Active);
        }
        if self.entra.roles == RoleMapping::SingleAppRoleAssignment
            && let Some(role) = user.profile.app_roles.first()
        {
            // Before `active`, which closes the image when it is mapped.
            let at = image
                .attrs
                .iter()
                .position(|(attr, _)| *attr == Attr::Active)
                .unwrap_or(image.attrs.len());
            image
                .attrs
                .insert(at, (Attr::Role, Value::String(role.clone())));
        }
        image
    }

    /// The value the lookup on `matching` filters for: what Entra maps to that attribute.
    fn matching_value(matching: Matching, user: &DirectoryUser) -> String {
        match matching {
            Matching::UserName => user.profile.user_name.clone(),
            Matching::ExternalId => user
                .profile
                .user_name
                .split('@')
                .next()
                .unwrap_or_default()
                .to_owned(),
        }
    }

    /// Brings one user level with the directory.
    async fn sync_user<W: Wire>(
        &mut self,
        directory: &mut Directory,
        scope: &Scope,
        key: &str,
        dialect: Dialect,
        session: &mut Session<'_, W>,
    ) -> Result<(), Failed> {
        let Some(user) = directory.user(key).cloned() else {
            return Ok(());
        };
        let anchor = self.users.get(key).cloned();
        if user.purged {
            let Some(anchor) = anchor else {
                return Ok(());
            };
            if anchor.managed {
                self.delete_user(directory, key, &anchor.target_id, dialect, session)
                    .await?;
            }
            // Gone from Entra: whether or not a DELETE went out, the user is no longer known.
            self.forget_user(directory, key);
            return Ok(());
        }
        if !scope.contains(key) {
            let Some(anchor) = anchor.filter(|a| a.managed) else {
                return Ok(());
            };
            let soft_deleted = user.soft_deleted_at.is_some();
            if !soft_deleted && self.entra.skip_out_of_scope_deletions {
                // "Skip out of scope deletions": left as it is, and no longer managed (§8).
                if let Some(anchor) = self.users.get_mut(key) {
                    anchor.managed = false;
                }
                return Ok(());
            }
            if !self.entra.active_mapped {
                // Nothing to disable with: the user is deleted instead (§8).
                return self
                    .delete_user(directory, key, &anchor.target_id, dialect, session)
                    .await;
            }
            // A user deleted while assigned stays managed for the DELETE at its purge (§8).
            let still_managed = soft_deleted && user.assigned;
            self.disable(directory, key, &anchor.target_id, dialect, session)
                .await?;
            if let Some(anchor) = self.users.get_mut(key) {
                anchor.managed = still_managed;
            }
            return Ok(());
        }
        if !self.entra.active_mapped && !user.enabled {
            // A blocked sign-in is a disable trigger too: with no `active`, a delete (§8).
            return match anchor.filter(|a| a.managed) {
                Some(anchor) => {
                    self.delete_user(directory, key, &anchor.target_id, dialect, session)
                        .await
                }
                None => Ok(()),
            };
        }
        let image = self.mapped_image(&user, user.enabled);
        let target_id = match anchor {
            Some(anchor) => {
                let current = self
                    .read_current(&user, &anchor.target_id, dialect, session)
                    .await?;
                self.patch_user(&anchor.target_id, &image, &current, dialect, session)
                    .await?;
                anchor.target_id
            }
            None => {
                if !user.enabled {
                    // Entra does not provision a user whose sign-in is blocked (§8).
                    return Ok(());
                }
                self.match_or_create(&user, &image, dialect, session)
                    .await?
            }
        };
        let entry = self.users.entry(key.to_owned()).or_insert(UserAnchor {
            target_id: target_id.clone(),
            managed: true,
            manager_sent: None,
        });
        entry.managed = true;
        if let Some(stored) = directory.user_mut(key) {
            stored.target_id = Some(target_id);
            stored.active = user.enabled;
        }
        Ok(())
    }

    /// Lookup by the matching attribute; create when nothing matches, update when one does.
    async fn match_or_create<W: Wire>(
        &self,
        user: &DirectoryUser,
        image: &UserImage,
        dialect: Dialect,
        session: &mut Session<'_, W>,
    ) -> Result<String, Failed> {
        let paths = self.entra.paths(dialect);
        match self.find(user, dialect, session).await? {
            Some((id, current)) => {
                self.patch_user(&id, image, &current, dialect, session)
                    .await?;
                Ok(id)
            }
            None => {
                let body = request::create_user_body(image, self.entra.active_form());
                let post = request::request("POST", paths.users(), Some(body));
                let (index, response) = session.send(post).await.ok_or("no answer")?;
                let (create_checks, id) = checks::created(index, &response, false);
                session.judge_all(create_checks);
                id.ok_or_else(|| format!("POST answered {}", response.status))
            }
        }
    }

    /// Looks the user up by each matching attribute in precedence order, stopping at the first
    /// that finds it (§3.2: never one combined filter); `None` when none does.
    async fn find<W: Wire>(
        &self,
        user: &DirectoryUser,
        dialect: Dialect,
        session: &mut Session<'_, W>,
    ) -> Result<Option<(String, Value)>, Failed> {
        let paths = self.entra.paths(dialect);
        for matching in self.entra.matching() {
            let attribute = matching.attribute();
            let wanted = Self::matching_value(*matching, user);
            let lookup = paths.user_lookup(attribute, &wanted);
            let (index, response) = session
                .send(request::request("GET", lookup, None))
                .await
                .ok_or("no answer")?;
            let (lookup_checks, found) =
                checks::lookup(index, &response, false, (attribute, &wanted));
            session.judge_all(lookup_checks);
            match found {
                Lookup::Failed { filter_404 } => {
                    session.tally.filter_404 |= filter_404;
                    return Err(format!("the lookup answered {}", response.status));
                }
                Lookup::Found(id, current) => return Ok(Some((id, current))),
                Lookup::NotFound => {}
            }
        }
        Ok(None)
    }

    /// What the target holds for an anchored user (§7): by id, or by the matching filters
    /// first when [`ReadCurrent::ByFilter`] (by id when they find nothing, \[I\]).
    async fn read_current<W: Wire>(
        &self,
        user: &DirectoryUser,
        target_id: &str,
        dialect: Dialect,
        session: &mut Session<'_, W>,
    ) -> Result<Value, Failed> {
        if self.entra.read_current == ReadCurrent::ByFilter
            && let Some((id, current)) = self.find(user, dialect, session).await?
            && id == target_id
        {
            return Ok(current);
        }
        let get = request::request("GET", self.entra.paths(dialect).user(target_id), None);
        let (index, response) = session.send(get).await.ok_or("no answer")?;
        let (check, current) = checks::fetched(index, &response);
        session.judge(check);
        current.ok_or_else(|| format!("GET answered {}", response.status))
    }

    /// The PATCH for what differs; nothing is sent when nothing does.
    async fn patch_user<W: Wire>(
        &self,
        target_id: &str,
        image: &UserImage,
        current: &Value,
        dialect: Dialect,
        session: &mut Session<'_, W>,
    ) -> Result<(), Failed> {
        let changes = request::diff(image, current);
        if changes.is_empty() {
            return Ok(());
        }
        let body = request::user_patch(dialect, &changes, self.entra.active_form());
        let path = self.entra.paths(dialect).user(target_id);
        let (index, response) = session
            .send(request::request("PATCH", path, Some(body)))
            .await
            .ok_or("no answer")?;
        if session.judge(checks::patched(index, &response, false)) {
            Ok(())
        } else {
            Err(format!("PATCH answered {}", response.status))
        }
    }

    /// `DELETE /Users/{id}` when the Delete action is on (§8); the user is no longer in the
    /// target either way as far as Entra knows, so its anchor goes. With the action off nothing
    /// is sent and the user is left unmanaged in the target.
    async fn delete_user<W: Wire>(
        &mut self,
        directory: &mut Directory,
        key: &str,
        target_id: &str,
        dialect: Dialect,
        session: &mut Session<'_, W>,
    ) -> Result<(), Failed> {
        if !self.entra.delete_action {
            if let Some(anchor) = self.users.get_mut(key) {
                anchor.managed = false;
            }
            return Ok(());
        }
        let delete = request::request("DELETE", self.entra.paths(dialect).user(target_id), None);
        let (index, response) = session.send(delete).await.ok_or("no answer")?;
        if !session.judge(checks::deleted(index, &response)) {
            return Err(format!("DELETE answered {}", response.status));
        }
        self.forget_user(directory, key);
        Ok(())
    }

    /// Drops what the job knew of a user: its anchor, its memberships sent.
    fn forget_user(&mut self, directory: &mut Directory, key: &str) {
        self.users.remove(key);
        for group in self.groups.values_mut() {
            group.members_sent.remove(key);
        }
        if let Some(stored) = directory.user_mut(key) {
            stored.target_id = None;
            stored.active = false;
        }
    }

    /// Disable by update (§8): read the user, then PATCH `active` false unless it already is.
    async fn disable<W: Wire>(
        &self,
        directory: &mut Directory,
        key: &str,
        target_id: &str,
        dialect: Dialect,
        session: &mut Session<'_, W>,
    ) -> Result<(), Failed> {
        let Some(user) = directory.user(key).cloned() else {
            return Ok(());
        };
        let current = self
            .read_current(&user, target_id, dialect, session)
            .await?;
        let image = UserImage {
            attrs: vec![(Attr::Active, Value::Bool(false))],
        };
        self.patch_user(target_id, &image, &current, dialect, session)
            .await?;
        if let Some(stored) = directory.user_mut(key) {
            stored.active = false;
        }
        Ok(())
    }

    /// Sets or clears the manager of a user the cycle evaluated, when the user and the manager
    /// are both provisioned (§7.4); a manager not provisioned yet is left for a later
    /// evaluation of the user (§5.5).
    async fn sync_manager<W: Wire>(
        &mut self,
        directory: &Directory,
        scope: &Scope,
        key: &str,
        dialect: Dialect,
        session: &mut Session<'_, W>,
    ) -> Result<(), Failed> {
        let Some(user) = directory.user(key) else {
            return Ok(());
        };
        let Some(anchor) = self.users.get(key).filter(|a| a.managed) else {
            return Ok(());
        };
        if !scope.contains(key) {
            return Ok(());
        }
        let wanted = match &user.manager {
            None => None,
            Some(manager) => match self.users.get(manager).filter(|a| a.managed) {
                Some(manager) => Some(manager.target_id.clone()),
                None => return Ok(()),
            },
        };
        if wanted == anchor.manager_sent {
            return Ok(());
        }
        let body = request::manager_patch(dialect, wanted.as_deref());
        let path = self.entra.paths(dialect).user(&anchor.target_id);
        let (index, response) = session
            .send(request::request("PATCH", path, Some(body)))
            .await
            .ok_or("no answer")?;
        if !session.judge(checks::patched(index, &response, false)) {
            return Err(format!("manager PATCH answered {}", response.status));
        }
        if let Some(anchor) = self.users.get_mut(key) {
            anchor.manager_sent = wanted;
        }
        Ok(())
    }

    /// Creates, renames or deletes one group (§9); members follow in [`Job::sync_members`].
    async fn sync_group<W: Wire>(
        &mut self,
        directory: &mut Directory,
        key: &str,
        dialect: Dialect,
        session: &mut Session<'_, W>,
    ) -> Result<(), Failed> {
        let Some(group) = directory.group(key).cloned() else {
            return Ok(());
        };
        let paths = self.entra.paths(dialect);
        let anchor = self.groups.get(key).cloned();
        if !group.assigned || group.deleted {
            let Some(anchor) = anchor else {
                return Ok(());
            };
            if !self.entra.delete_action {
                // The Delete action is off: the group stays in the target, unmanaged (§9, \[I\]).
                self.groups.remove(key);
                if let Some(stored) = directory.group_mut(key) {
                    stored.target_id = None;
                }
                return Ok(());
            }
            let delete = request::request("DELETE", paths.group(&anchor.target_id), None);
            let (index, response) = session.send(delete).await.ok_or("no answer")?;
            if !session.judge(checks::deleted(index, &response)) {
                return Err(format!("DELETE answered {}", response.status));
            }
            self.groups.remove(key);
            if let Some(stored) = directory.group_mut(key) {
                stored.target_id = None;
            }
            return Ok(());
        }
        let reassert = self.entra.reassert_group_external_id;
        let anchor = match anchor {
            Some(anchor) if anchor.name_sent == group.name => anchor,
            Some(mut anchor) => {
                let get =
                    request::request("GET", paths.group_without_members(&anchor.target_id), None);
                let (index, response) = session.send(get).await.ok_or("no answer")?;
                let (check, current) = checks::fetched(index, &response);
                session.judge(check);
                let current = current.ok_or_else(|| format!("GET answered {}", response.status))?;
                if current.get("displayName").and_then(Value::as_str) != Some(group.name.as_str()) {
                    let external_id = reassert.then_some(group.idp_id.as_str());
                    let body = request::group_patch(dialect, Some(&group.name), external_id);
                    let patch =
                        request::request("PATCH", paths.group(&anchor.target_id), Some(body));
                    let (index, response) = session.send(patch).await.ok_or("no answer")?;
                    if !session.judge(checks::patched(index, &response, true)) {
                        return Err(format!("rename PATCH answered {}", response.status));
                    }
                }
                anchor.name_sent = group.name.clone();
                anchor
            }
            None => {
                let lookup = request::request("GET", paths.group_lookup(&group.name), None);
                let (index, response) = session.send(lookup).await.ok_or("no answer")?;
                let (lookup_checks, found) =
                    checks::lookup(index, &response, true, ("displayName", &group.name));
                session.judge_all(lookup_checks);
                let target_id = match found {
                    Lookup::Failed { filter_404 } => {
                        session.tally.filter_404 |= filter_404;
                        return Err(format!("the group lookup answered {}", response.status));
                    }
                    Lookup::Found(id, _) if reassert => {
                        // A group matched by name gets Entra's externalId asserted (§9).
                        let body = request::group_patch(dialect, None, Some(&group.idp_id));
                        let patch = request::request("PATCH", paths.group(&id), Some(body));
                        let (index, response) = session.send(patch).await.ok_or("no answer")?;
                        if !session.judge(checks::patched(index, &response, true)) {
                            return Err(format!("externalId PATCH answered {}", response.status));
                        }
                        id
                    }
                    Lookup::Found(id, _) => id,
                    Lookup::NotFound => {
                        let body = request::create_group_body(&group.idp_id, &group.name);
                        let post = request::request("POST", paths.groups(), Some(body));
                        let (index, response) = session.send(post).await.ok_or("no answer")?;
                        let (create_checks, id) = checks::created(index, &response, true);
                        session.judge_all(create_checks);
                        id.ok_or_else(|| format!("POST answered {}", response.status))?
                    }
                };
                GroupAnchor {
                    target_id,
                    name_sent: group.name.clone(),
                    members_sent: BTreeSet::new(),
                }
            }
        };
        if let Some(stored) = directory.group_mut(key) {
            stored.target_id = Some(anchor.target_id.clone());
        }
        self.groups.insert(key.to_owned(), anchor);
        Ok(())
    }

    /// Brings a provisioned group's members level: provisioned, managed members in scope (§5:
    /// members not provisioned are skipped). \[I\] Additions go first, in one PATCH.
    async fn sync_members<W: Wire>(
        &mut self,
        directory: &Directory,
        scope: &Scope,
        key: &str,
        dialect: Dialect,
        session: &mut Session<'_, W>,
    ) -> Result<(), Failed> {
        let (Some(group), Some(anchor)) = (directory.group(key), self.groups.get(key)) else {
            return Ok(());
        };
        let wanted: BTreeSet<String> = group
            .members
            .iter()
            .filter(|m| scope.contains(m.as_str()))
            .filter(|m| self.users.get(*m).is_some_and(|a| a.managed))
            .cloned()
            .collect();
        // Members as (directory key, target id), in the order they joined.
        let with_ids = |keys: Vec<&String>| -> Vec<(String, String)> {
            keys.into_iter()
                .filter_map(|k| self.users.get(k).map(|a| (k.clone(), a.target_id.clone())))
                .collect()
        };
        let added = with_ids(
            group
                .members
                .iter()
                .filter(|m| wanted.contains(*m) && !anchor.members_sent.contains(*m))
                .collect(),
        );
        let removed_keys: Vec<String> = anchor
            .members_sent
            .iter()
            .filter(|m| !wanted.contains(*m))
            .cloned()
            .collect();
        let removed = with_ids(removed_keys.iter().collect());
        let path = self.entra.paths(dialect).group(&anchor.target_id);
        // At most `max_members_per_patch` members per PATCH (§9: the limit is undocumented;
        // none by default, as one PATCH carries them all).
        let batch = self
            .entra
            .max_members_per_patch
            .filter(|max| *max > 0)
            .unwrap_or(usize::MAX);
        for chunk in added.chunks(batch) {
            let ids: Vec<String> = chunk.iter().map(|(_, id)| id.clone()).collect();
            let body = request::add_members_patch(dialect, &ids);
            let patch = request::request("PATCH", path.clone(), Some(body));
            let (index, response) = session.send(patch).await.ok_or("no answer")?;
            if !session.judge(checks::patched(index, &response, true)) {
                return Err(format!("members PATCH answered {}", response.status));
            }
            if let Some(anchor) = self.groups.get_mut(key) {
                anchor
                    .members_sent
                    .extend(chunk.iter().map(|(member, _)| member.clone()));
            }
        }
        for chunk in removed.chunks(batch) {
            let ids: Vec<String> = chunk.iter().map(|(_, id)| id.clone()).collect();
            let body = request::remove_members_patch(dialect, &ids);
            let patch = request::request("PATCH", path.clone(), Some(body));
            let (index, response) = session.send(patch).await.ok_or("no answer")?;
            if !session.judge(checks::patched(index, &response, true)) {
                return Err(format!("members PATCH answered {}", response.status));
            }
            if let Some(anchor) = self.groups.get_mut(key) {
                anchor
                    .members_sent
                    .retain(|member| !chunk.iter().any(|(gone, _)| gone == member));
            }
        }
        Ok(())
    }

    /// Provision on demand (§5): one user, or one group with at most five members, now, in the
    /// default dialect whatever the tenant URL says (§1). Like the portal, it tests the
    /// connection first, then matches by filter even when the object is anchored.
    pub async fn provision_on_demand<W: Wire>(
        &mut self,
        directory: &mut Directory,
        key: &str,
        wire: &mut W,
    ) -> Result<CycleReport, IdpError> {
        let members: Vec<String> = match (directory.user(key), directory.group(key)) {
            (Some(_), _) => vec![key.to_owned()],
            (None, Some(group)) if group.members.len() > ON_DEMAND_MEMBERS => {
                return Err(IdpError::Transport(format!(
                    "provision on demand takes a group with at most {ON_DEMAND_MEMBERS} members; `{key}` has {}",
                    group.members.len()
                )));
            }
            (None, Some(group)) => group.members.clone(),
            (None, None) => return Err(IdpError::UnknownUser(key.to_owned())),
        };
        let mut report = self.test_connection(wire).await;
        if report.checks.iter().any(|c| !c.held()) {
            report.kind = "on-demand";
            return Ok(report);
        }
        let dialect = Dialect::Default;
        let mut session = self.session(wire);
        session.sent = report.requests;
        for member in &members {
            session.object = format!("user {member}");
            if let Some(user) = directory.user(member).cloned()
                && directory.in_scope(member)
            {
                let image = self.mapped_image(&user, user.enabled);
                if let Ok(target_id) = self
                    .match_or_create(&user, &image, dialect, &mut session)
                    .await
                {
                    self.users.insert(
                        member.clone(),
                        UserAnchor {
                            target_id: target_id.clone(),
                            managed: true,
                            manager_sent: None,
                        },
                    );
                    if let Some(stored) = directory.user_mut(member) {
                        stored.target_id = Some(target_id);
                        stored.active = user.enabled;
                    }
                }
            }
        }
        if directory.group(key).is_some() {
            session.object = format!("group {key}");
            self.groups.remove(key);
            if self
                .sync_group(directory, key, dialect, &mut session)
                .await
                .is_ok()
            {
                let scope: Scope = directory.scope().into_iter().map(str::to_owned).collect();
                let _ = self
                    .sync_members(directory, &scope, key, dialect, &mut session)
                    .await;
            }
        }
        report.checks.extend(session.checks);
        Ok(CycleReport {
            kind: "on-demand",
            at: None,
            requests: session.sent,
            checks: report.checks,
            number: 0,
            objects: 0,
            took: Duration::ZERO,
        })
    }
}

/// Entra purges users 30 days after a soft delete (§5, §8).
fn purge_expired(directory: &mut Directory, now: Timestamp) {
    let due: Vec<String> = directory
        .users()
        .filter(|u| !u.purged)
        .filter(|u| {
            u.soft_deleted_at
                .is_some_and(|at| at + HARD_DELETE_AFTER <= now)
        })
        .map(|u| u.key.clone())
        .collect();
    for key in due {
        directory.change_user(&key, |u| u.purged = true);
    }
}

/// Many checks of one cycle as one per id, in first-seen order: held when every instance held,
/// with every failure's reason, pointing at the first failing request. A cycle over a thousand
/// users is three verdicts, not three thousand.
pub fn aggregate(checks: Vec<IdpCheck>) -> Vec<IdpCheck> {
    let mut merged: Vec<IdpCheck> = Vec::new();
    for check in checks {
        match merged.iter_mut().find(|m| m.id == check.id) {
            None => merged.push(check),
            Some(existing) => {
                if existing.held() && !check.held() {
                    existing.request = check.request;
                }
                existing.reasons.extend(check.reasons);
            }
        }
    }
    merged
}

/// The instant a wait of `by` from `now` ends.
pub fn after(now: Timestamp, by: Duration) -> Timestamp {
    now + SignedDuration::try_from(by).unwrap_or(SignedDuration::MAX)
}
