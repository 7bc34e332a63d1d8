//! Microsoft Entra ID as a SCIM 2.0 client: a provisioning job that runs in cycles, and the
//! exact requests each cycle sends (docs/idps/entra.md).
//!
//! Entra is not event-driven like Okta: an admin's change in the directory is only noted, and
//! the [`job::Job`] sends the net effect at its next cycle, every 40 minutes (§5). Each object
//! is compared with what the target holds and only the difference goes out (§7), so three edits
//! in one cycle become one PATCH, and a user changed and then unassigned in the same cycle only
//! gets disabled. The clock is the runner's: virtual by default, so days of cycles, escrow
//! retries and the 30-day hard delete take no time.
//!
//! Two dialects (§1): the **default** one (capitalised ops, `"True"`/`"False"` strings, one op
//! per attribute) and the **compliant** one of a tenant URL carrying `aadOptscim062020` (lowercase
//! ops, booleans, one path-less replace). Whether that flag is forwarded on every request or
//! only configures the job is undocumented (§1), so [`Entra::flag_in_query`] sends either form.
//! Provision on demand always speaks the default dialect (§1: the flag "doesn't work with
//! on-demand provisioning").
//!
//! Inferences, each marked \[I\] where it is used: an anchored user is read back by
//! `GET /Users/{id}` before an update unless [`Entra::read_current`] says by filter (§7: a 2018
//! log shows the read by id; the docs also describe a filter query), members are added before they are removed, all of a group's added members go in one
//! PATCH unless [`Entra::max_members_per_patch`] caps them (§9: the batch size is
//! undocumented), a user changed after its manager came into scope gets the link (§5.5: a
//! user provisioned while its manager was out of scope otherwise waits for a restart), and a
//! POST carries `active: true` as a boolean unless told otherwise (§6 notes a string variant).
//!
//! Not modelled: the accidental-deletion threshold (§8), scoping filters other than assignment,
//! and the complex role mappings (§7.3: only `SingleAppRoleAssignment`). Whether a 429 escrows
//! or suspends the job for `Retry-After` is disputed (§10.4): [`Entra::throttling`] picks.

pub mod checks;
pub mod escrow;
pub mod job;
pub mod request;

#[cfg(test)]
mod tests;

pub use job::Job;

use std::time::Duration;

/// Which PATCH dialect the tenant URL selects (§1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// No flag: `Add`/`Replace`/`Remove`, `"True"`/`"False"`, one op per attribute (§7.1).
    #[default]
    Default,
    /// `aadOptscim062020`: lowercase ops, booleans, path-less multi-attribute replace (§7.2).
    Compliant,
}

/// An attribute Entra matches users on (§3.2: `userName` by default; some tenants move the
/// precedence to `externalId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Matching {
    /// `userName eq "<userPrincipalName>"`.
    #[default]
    UserName,
    /// `externalId eq "<mailNickname>"`: the value Entra maps to `externalId` (§3.1).
    ExternalId,
}

impl Matching {
    /// The SCIM attribute the lookup filters on.
    pub fn attribute(self) -> &'static str {
        match self {
            Matching::UserName => "userName",
            Matching::ExternalId => "externalId",
        }
    }
}

/// How the job reads what the target holds for a user it already anchored, before an update
/// (§7: both are documented reads; which one the service uses is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadCurrent {
    /// `GET /Users/{id}`, as a 2018 log shows (§7, observed).
    #[default]
    ById,
    /// The matching filter query, attribute by attribute as for a new user, as Microsoft's
    /// description of a cycle says (§7, documented); `GET /Users/{id}` when no filter finds it.
    ByFilter,
}

/// How the user's application role assignments are mapped (§3.1, §7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoleMapping {
    /// No mapping: a create carries `"roles": []`, as Microsoft's create example does (§6).
    #[default]
    None,
    /// `SingleAppRoleAssignment` to `roles`: one role, `primary`, in the create; an `Add` of
    /// `roles` whose value is the role as a JSON string when it changes (§7.3).
    SingleAppRoleAssignment,
}

/// What the job does with a `429 Too Many Requests` (§10.4: disputed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Throttling {
    /// A 429 is a failure like a 5xx: the object goes to escrow and is retried at a later
    /// cycle (§10.1: Microsoft's error table; an older feedback item saw a 429 retried 40
    /// minutes later).
    #[default]
    Escrow,
    /// The job suspends for the `Retry-After` seconds, then sends the failed request again
    /// (§10.4: a 2025 answer by Microsoft support staff). A 429 without a number of seconds,
    /// or answered again after [`RETRY_AFTER_SUSPENSIONS`] suspensions, escrows.
    RetryAfter,
}

/// How often one request is suspended for `Retry-After` before its object escrows (\[I\]:
/// undocumented).
pub const RETRY_AFTER_SUSPENSIONS: u32 = 3;

/// Entra, as one non-gallery application's provisioning job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entra {
    pub dialect: Dialect,
    /// Forward `aadOptscim062020` in every request's query (§1: undocumented either way).
    pub flag_in_query: bool,
    /// The matching attributes in precedence order: each is tried when the one before it finds
    /// nothing (§3.2). Default `[UserName]`; an empty list is read as the default.
    pub matching: Vec<Matching>,
    /// How an anchored user's current state is read before an update (§7).
    pub read_current: ReadCurrent,
    /// Requests per second, when the job paces itself (§5: the gallery asks targets to take 25).
    pub pace: Option<u32>,
    /// The role mapping; none by default, as in a new non-gallery app (§3.1).
    pub roles: RoleMapping,
    /// What a 429 does: escrow (default) or suspend for `Retry-After` (§10.4).
    pub throttling: Throttling,
    /// `active` is mapped (the default `IsSoftDeleted` Switch, §3.1). Without it the creates
    /// carry no `active` and every disable trigger deletes the user instead (§8).
    pub active_mapped: bool,
    /// The Delete target-object action is on (the default): without it no `DELETE` is sent,
    /// for users (§8) or groups (§9, inferred).
    pub delete_action: bool,
    /// "Skip out of scope deletions": a user leaving scope is left as it is, not disabled
    /// (§8). Off by default.
    pub skip_out_of_scope_deletions: bool,
    /// A group matched by name, or renamed, also gets `{"op":"Add","path":"externalId"}`
    /// with its object id (§9: seen from Entra in 2026, observed). Off by default.
    pub reassert_group_external_id: bool,
    /// How long the initial cycle spends on each object in scope (users, groups and group
    /// members), on the job's clock: Microsoft gives 0.01 to 0.08 minutes per object (§5.4).
    /// Default: the lower bound, 0.6 s ([`INITIAL_CYCLE_PER_OBJECT_MIN`]); zero takes no time.
    pub initial_cycle_per_object: Duration,
    /// The most members one group PATCH adds or removes; `None` (the default, and `Some(0)`):
    /// all of them in one PATCH. Microsoft asks targets to take several per PATCH and
    /// documents no limit (§9).
    pub max_members_per_patch: Option<usize>,
    /// A create carries `"active": "True"` instead of `true` (§6: Microsoft said so in 2020;
    /// its current example shows the boolean). Off by default.
    pub active_string_in_create: bool,
    /// A PATCH of `active` uses `Add` instead of `Replace` (§8, observed). Off by default.
    pub active_with_add: bool,
    /// The default dialect sends `"true"`/`"false"` instead of `"True"`/`"False"` (§8: an
    /// edited Switch expression, observed). Off by default.
    pub active_lowercase: bool,
}

/// The gallery rate: "at least 25 requests per second per tenant" (§5).
pub const GALLERY_RATE: u32 = 25;

/// The fastest an initial cycle goes per object: 0.01 minutes (§5.4).
pub const INITIAL_CYCLE_PER_OBJECT_MIN: Duration = Duration::from_millis(600);
/// The slowest an initial cycle goes per object: 0.08 minutes (§5.4).
pub const INITIAL_CYCLE_PER_OBJECT_MAX: Duration = Duration::from_millis(4_800);

impl Default for Entra {
    fn default() -> Self {
        Entra {
            dialect: Dialect::default(),
            flag_in_query: false,
            matching: vec![Matching::UserName],
            read_current: ReadCurrent::default(),
            pace: None,
            roles: RoleMapping::default(),
            throttling: Throttling::default(),
            active_mapped: true,
            delete_action: true,
            skip_out_of_scope_deletions: false,
            reassert_group_external_id: false,
            initial_cycle_per_object: INITIAL_CYCLE_PER_OBJECT_MIN,
            max_members_per_patch: None,
            active_string_in_create: false,
            active_with_add: false,
            active_lowercase: false,
        }
    }
}

impl Entra {
    /// The matching attributes in precedence order, never empty.
    pub fn matching(&self) -> &[Matching] {
        if self.matching.is_empty() {
            &[Matching::UserName]
        } else {
            &self.matching
        }
    }

    pub fn new(dialect: Dialect) -> Self {
        Entra {
            dialect,
            ..Entra::default()
        }
    }

    /// The variants of `active` this job writes.
    fn active_form(&self) -> request::ActiveForm {
        request::ActiveForm {
            string_in_create: self.active_string_in_create,
            add_op: self.active_with_add,
            lowercase: self.active_lowercase,
        }
    }

    fn paths(&self, dialect: Dialect) -> request::Paths {
        request::Paths {
            flag_in_query: self.flag_in_query && dialect == Dialect::Compliant,
        }
    }

    fn gap(&self) -> Option<Duration> {
        self.pace
            .filter(|rate| *rate > 0)
            .map(|rate| Duration::from_secs(1) / rate)
    }
}
