//! The scenario file format: the types a `scenarios/**/*.yaml` file deserialises into.
//!
//! These types *are* the format: the committed JSON Schema (`scenario.schema.json`) is generated
//! from them, and every struct denies unknown fields so that a misspelt key is an error with a
//! suggestion instead of a silently ignored expectation. A step is a one-key mapping whose key
//! names its kind (`request:`, `snapshot:`); later kinds (IdP directory actions, `wait:`,
//! lock-down probes) are new variants of [`Step`], so existing files never change shape.

use std::collections::BTreeMap;

pub use crate::idp::IdpName;
pub use crate::level::Level;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::idp::settings::IdpSettings;

/// One scenario: a named story of steps, and the IdPs it applies to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A stable name, unique in the catalogue: lowercase words joined by `-`.
    pub name: String,
    /// What the scenario shows, in a sentence or two.
    pub description: String,
    /// Free labels for selection (`--filter tag:users`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The IdP profiles the scenario runs as. `generic` is a plain RFC 7644 client.
    #[serde(default = "default_idps")]
    pub idps: Vec<IdpName>,
    /// The source that checks in this scenario cite unless a step says otherwise
    /// (an RFC section, or a section of `docs/idps/…` or `docs/application.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Optional SCIM features the scenario tests (RFC 7644 §5): when the target's
    /// ServiceProviderConfig does not advertise one, its checks are skipped with the reason
    /// (`--strict` runs them anyway); when it does, the advertisement is judged too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<Feature>,
    /// Run alone: no other scenario run is in flight while this one runs. For scenarios whose
    /// transcript or verdicts depend on the whole target, not only on what they created (an
    /// IdP import pages through every user), and for scenarios that change application-wide
    /// state (switching SCIM on deletes every group). The runner runs them first, one at a
    /// time, then the others `--jobs` at a time.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclusive: bool,
    /// Runs only when a `--filter` names it (by its name, a glob or a tag; `idp:` alone does
    /// not): for a scenario that shows a behaviour resting on weak evidence, or one an IdP
    /// shows only under a setting, which a default run must not judge.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub opt_in: bool,
    /// IdP settings this scenario runs with, over the run's (the target profile's `idp:`
    /// block): for a scenario that shows one alternative of an IdP (docs/idp-profiles.md,
    /// "Settings").
    #[serde(default, skip_serializing_if = "IdpSettings::is_empty")]
    pub idp_settings: IdpSettings,
    pub steps: Vec<Step>,
}

/// An optional feature a ServiceProviderConfig advertises (RFC 7643 §5).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Feature {
    #[serde(rename = "patch")]
    Patch,
    #[serde(rename = "bulk")]
    Bulk,
    #[serde(rename = "filter")]
    Filter,
    #[serde(rename = "changePassword")]
    ChangePassword,
    #[serde(rename = "sort")]
    Sort,
    #[serde(rename = "etag")]
    Etag,
}

impl Feature {
    /// The ServiceProviderConfig attribute that advertises it.
    pub fn attribute(self) -> &'static str {
        match self {
            Feature::Patch => "patch",
            Feature::Bulk => "bulk",
            Feature::Filter => "filter",
            Feature::ChangePassword => "changePassword",
            Feature::Sort => "sort",
            Feature::Etag => "etag",
        }
    }
}

fn default_idps() -> Vec<IdpName> {
    vec![IdpName::Generic]
}

/// One step. The key names the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Send one HTTP request to the target and check what comes back.
    Request(Box<RequestStep>),
    /// Record the redacted exchanges since the previous snapshot point under this name; the
    /// run compares them with the approved snapshot.
    Snapshot(String),
    /// Add a user to the IdP's directory, unassigned. Sends nothing.
    User(UserSpec),
    /// Assign a directory user to the application: the IdP provisions it (lookup, then create
    /// or link), as the scenario's IdP does.
    Assign(String),
    /// Change a user's profile in the IdP: the IdP pushes the change as it does.
    UpdateUser(UserUpdate),
    /// Deactivate a user in the IdP: the IdP deprovisions it as it does.
    Deactivate(String),
    /// Reactivate a deactivated user.
    Reactivate(String),
    /// Change a user's password in the IdP (a new one, generated): Okta's "Sync Password"
    /// pushes it.
    SetPassword(String),
    /// The IdP's connection test ("Test API Credentials").
    TestConnection,
    /// The IdP's user import, with its paging.
    ImportUsers,
    /// The IdP's group import, with its paging (Okta: what Group Push later links).
    ImportGroups,
    /// Read a user from the target by the id the IdP holds for it, and check the answer.
    ExpectUser(ExpectUser),
    /// Add a group to the IdP's directory, with directory users as members. Sends nothing.
    Group(GroupSpec),
    /// Push a directory group to the application (Okta Push Groups), members included.
    PushGroup(String),
    /// Push a directory group after finding it by name in the application (Okta "Find groups
    /// by name"): a group of that name is linked and its members pushed to it; without one the
    /// group is created as `push_group` does.
    LinkGroup(String),
    /// Add directory users to a group; a pushed group's change is pushed.
    AddMembers(MembershipChange),
    /// Remove directory users from a group; a pushed group's change is pushed.
    RemoveMembers(MembershipChange),
    /// Several members join and leave a group at once; a pushed group's change is pushed as
    /// one change (Okta: one PATCH, the removals then one `add`).
    UpdateMembers(MembersUpdate),
    /// Rename a group in the IdP; a pushed group is renamed in the target.
    RenameGroup(GroupRename),
    /// Push a pushed group's whole membership again ("Push Now").
    PushNow(String),
    /// Unlink a pushed group, deleting it in the target or leaving it there.
    UnlinkGroup(GroupUnlink),
    /// Read a pushed group from the target by the id the IdP holds for it, and check it.
    ExpectGroup(ExpectGroup),
    /// Unassign a user from the application.
    Unassign(String),
    /// Suspend a user (JumpCloud, Okta: which sends nothing), or block their sign-in (Entra).
    Suspend(String),
    /// Delete a user in Entra: to the recycle bin, purged 30 days later.
    SoftDelete(String),
    /// Delete a user for good: Entra's purge, JumpCloud's delete.
    HardDelete(String),
    /// Restore a soft-deleted user from Entra's recycle bin.
    Restore(String),
    /// Assign a group to the application (Entra) or bind it (JumpCloud): its members come into
    /// scope, and the group is provisioned.
    AssignGroup(String),
    /// Unassign (unbind) a group from the application.
    UnassignGroup(String),
    /// Delete a group in the IdP.
    DeleteGroup(String),
    /// Entra's "Start provisioning": the initial cycle runs now, then one every 40 minutes.
    StartProvisioning,
    /// Entra's "Restart provisioning": anchors and watermark are cleared, an initial cycle runs.
    RestartProvisioning,
    /// Entra's provision on demand, for one user or one group (at most 5 members), by key.
    ProvisionOnDemand(String),
    /// Let time pass on the IdP's clock (`40m`, `6h`, `30d`, `1d12h`): every Entra cycle that
    /// falls due on the way runs at its own instant.
    Wait(String),
    /// Check the state of Entra's provisioning job: quarantine, escrow.
    ExpectJob(ExpectJob),
    /// Run a named request of the target profile's `requests` (e.g. the owner's switch that
    /// enables SCIM), and check its answer.
    App(ProfileCall),
    /// Send a named probe of the target profile: the application must refuse it while SCIM is
    /// on.
    Probe(ProfileCall),
    /// Act as a provisioned user through the target profile's `access`: the user must (or must
    /// no longer) have access, checked by the very next request.
    ExpectAccess(ExpectAccess),
    /// Write every writable attribute the target's `/Schemas` publishes for a resource type
    /// (`Users` or `Groups`), each by a PATCH of its own with a value of its published type,
    /// then the resource's extensions whole, and read each back. The steps are built when the
    /// run has read the target's schemas (see `runner::published`).
    PublishedAttributes(String),
}

/// A named request or probe of the target profile, optionally for a directory user or group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ProfileCall {
    /// Just the name.
    Name(String),
    /// The name, with the user (`{{user.*}}`) or group (`{{group.*}}`) it is about.
    Full(ProfileCallSpec),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileCallSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl ProfileCall {
    pub fn name(&self) -> &str {
        match self {
            ProfileCall::Name(name) => name,
            ProfileCall::Full(spec) => &spec.name,
        }
    }

    pub fn user(&self) -> Option<&str> {
        match self {
            ProfileCall::Name(_) => None,
            ProfileCall::Full(spec) => spec.user.as_deref(),
        }
    }

    pub fn group(&self) -> Option<&str> {
        match self {
            ProfileCall::Name(_) => None,
            ProfileCall::Full(spec) => spec.group.as_deref(),
        }
    }
}

/// Whether a directory user has access to the application now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectAccess {
    /// The directory user's key.
    pub user: String,
    /// `true`: signing in and the access check succeed; `false`: the user's credential is
    /// refused on its next use, and signing in again is refused.
    pub allowed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSpec>,
}

/// What Entra's provisioning job must look like now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectJob {
    /// Whether the job is in quarantine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarantined: Option<bool>,
    /// How many objects wait in escrow for a retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escrowed: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSpec>,
}

/// Parses a `wait:` duration: whole numbers with units `d`, `h`, `m`, `s`, largest first
/// (`1d12h`, `40m`, `90s`).
pub fn parse_wait(text: &str) -> Result<std::time::Duration, String> {
    let invalid = || format!("`{text}` is not a duration like `40m`, `6h`, `30d` or `1d12h`");
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut last_unit = u64::MAX;
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(invalid()),
        };
        let count: u64 = digits.parse().map_err(|_| invalid())?;
        if unit >= last_unit {
            return Err(invalid());
        }
        last_unit = unit;
        total = count
            .checked_mul(unit)
            .and_then(|secs| total.checked_add(secs))
            .ok_or_else(invalid)?;
        digits.clear();
    }
    if !digits.is_empty() || last_unit == u64::MAX {
        return Err(invalid());
    }
    Ok(std::time::Duration::from_secs(total))
}

/// A group of the IdP's directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// The scenario's name for the group, used by later steps.
    pub key: String,
    /// The group's name (`displayName` in the target); `{{var}}` is replaced.
    pub name: String,
    /// Directory users' keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
}

/// Users joining or leaving a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipChange {
    pub group: String,
    pub users: Vec<String>,
}

/// Users joining and leaving a group in one change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MembersUpdate {
    pub group: String,
    /// Directory users joining.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<String>,
    /// Directory users leaving.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

/// A new name for a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRename {
    pub group: String,
    pub name: String,
}

/// Unlinking a pushed group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupUnlink {
    pub group: String,
    /// `true`: "Delete the group in the target app"; `false`: leave it there.
    pub delete: bool,
}

/// A GET of a pushed group in the target, and what it must show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectGroup {
    pub group: String,
    pub expect: Expect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSpec>,
}

/// A user of the IdP's directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserSpec {
    /// The scenario's name for the user, used by later steps (`assign: ada`).
    pub key: String,
    /// `{{var}}` is replaced in every string.
    pub user_name: String,
    pub given_name: String,
    pub family_name: String,
    /// Defaults to `userName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Defaults to given and family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Job title (`title`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Department (the enterprise extension's `department`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The directory key of the user's manager (Entra sends it as a later PATCH).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    /// Defines this many users at once (1 to 1000), for scenarios that need many: their keys
    /// are `key` followed by 1, 2, … (`member1`, `member2`), `{{n}}` in their strings is that
    /// number, and `key` itself stands for all of them in `assign`, in a group's `members` and
    /// in the users of membership steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Employee id (the enterprise extension's `employeeNumber`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    /// The work address (`addresses` of type `work`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressSpec>,
    /// Phone numbers by kind (`phoneNumbers` of type `work`, `mobile`, `fax`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phones: Option<PhonesSpec>,
    /// The values of the application roles assigned to the user (Entra sends them as `roles`
    /// when its role mapping is on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_roles: Vec<String>,
}

/// A work address, part by part; in `update_user`, parts not given keep their value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AddressSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// Phone numbers by kind; in `update_user`, kinds not given keep their value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhonesSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fax: Option<String>,
}

/// The most users one `user:` step with `count:` defines.
pub const MAX_USER_COUNT: u32 = 1000;

/// A profile change in the IdP; attributes not given keep their value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserUpdate {
    /// The directory user's key.
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The directory key of the user's new manager; `""` removes the manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    /// The work address parts that change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressSpec>,
    /// The phone numbers that change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phones: Option<PhonesSpec>,
    /// The user's application roles from now on (`[]` removes every assignment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_roles: Option<Vec<String>>,
}

/// A GET of a directory user's resource in the target, and what it must show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectUser {
    /// The directory user's key.
    pub user: String,
    pub expect: Expect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSpec>,
}

/// A raw request and what its response must show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestStep {
    /// A label for reports; defaults to `METHOD path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The HTTP method, e.g. `GET`, `POST`, `PATCH`.
    pub method: String,
    /// The path below the target's base URL, query included. A query is sent byte for byte
    /// as written (pre-encode it: `filter=userName%20eq%20%22x%22`). `{{var}}` is replaced.
    pub path: String,
    /// Extra request headers; `{{var}}` is replaced in values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The body, as inline JSON (a YAML mapping or list), sent as compact JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The body, from a fixture file (relative to the scenario file), sent byte for byte except
    /// that `{{var}}` is replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_file: Option<String>,
    /// What the response must show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// Values to remember for later steps, by variable name: a JSON pointer into the response
    /// body (`/id`), or `{header: ETag}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, Capture>,
    /// The check this step's expectations stand for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSpec>,
    /// More checks judged on the same response, each with its own expectations. One answer
    /// shows several properties (the status, the `Location` header, the echoed attributes, the
    /// ETag); each its own check, so a failure names the property that broke, not the step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<ResponseCheck>,
    /// The RFC makes what this step asks for optional (a MAY, such as a search at the root,
    /// RFC 7644 §3.4.3): a target that answers 501 Not Implemented does not offer it, and the
    /// step's checks are skipped with that reason instead of failed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
    /// Send the head as written: exactly these header fields, names spelt as written, and
    /// nothing added (no `Accept`, no `User-Agent` of scimulate's). For a replay of recorded
    /// traffic, where a missing `Accept` can be the bug. Kept over plain HTTP without a proxy;
    /// elsewhere the general HTTP client adds `accept: */*` and lower-cases names.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub as_written: bool,
}

/// A check of its own on a request step's response: its identity (as in [`CheckSpec`]) and
/// what it expects of the answer. The identity fields repeat [`CheckSpec`]'s on purpose: serde
/// cannot combine `flatten` with `deny_unknown_fields`, and a misspelt key must stay an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseCheck {
    /// A stable id, dotted: `rfc7644.3.3.location-on-201`.
    pub id: String,
    #[serde(default)]
    pub level: Level,
    /// Where the requirement comes from: `RFC 7644 §3.3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What the source asks, in one sentence quoted from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    /// What the IdP's real engine sends instead, when a vendor suite's test differs from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_idp: Option<String>,
    /// What the response must show for this check to pass.
    pub expect: Expect,
}

impl ResponseCheck {
    /// Its identity, as a step's `check:` carries it.
    pub fn spec(&self) -> CheckSpec {
        CheckSpec {
            id: self.id.clone(),
            level: self.level,
            source: self.source.clone(),
            requirement: self.requirement.clone(),
            real_idp: self.real_idp.clone(),
        }
    }
}

/// The stable identity of a check: its id, level and source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// A stable id, dotted: `rfc7644.3.3.create-returns-201`, `okta.create.returns-201-with-id`.
    pub id: String,
    #[serde(default)]
    pub level: Level,
    /// Where the requirement comes from: `RFC 7644 §3.3`, `docs/idps/okta.md §3.3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What the source asks, in one sentence quoted from it (shown with the verdict and in the
    /// list of checks, docs/checks.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    /// For a vendor suite's test that sends what the IdP's real engine does not (Microsoft's
    /// validator's path-less PATCH with dotted keys): what real traffic sends instead, and the
    /// scenario that plays it. Shown with the verdict, so a failure here is not read as a
    /// failure with the IdP itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_idp: Option<String>,
}

/// What a response must show. Every field is optional; all given must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The status, or a list of acceptable statuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusExpect>,
    /// Response headers (names case-insensitive). A value must equal the header; a value that
    /// ends in `*` must start with what precedes it (`application/scim+json*`). `null` means
    /// the header must be absent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Option<String>>,
    /// A JSON value the response body must contain: objects match if every key given matches,
    /// arrays if every element given matches some element, scalars if equal. `{{var}}` is
    /// replaced in strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Assertions at JSON pointers (RFC 6901) into the response body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json: Vec<JsonAssertion>,
    /// The answer must arrive in less than this many milliseconds, measured from sending the
    /// request to the end of its body: a vendor suite's response-time limit (Okta's 600 ms).
    /// Only `request` steps are timed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_ms: Option<u64>,
}

/// One status, or several acceptable ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StatusExpect {
    One(u16),
    AnyOf(Vec<u16>),
}

impl StatusExpect {
    pub fn allows(&self, status: u16) -> bool {
        match self {
            StatusExpect::One(expected) => *expected == status,
            StatusExpect::AnyOf(expected) => expected.contains(&status),
        }
    }
}

/// An assertion about the value at one JSON pointer. Give exactly one of `equals`, `exists`,
/// `absent`, `type`, `length`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonAssertion {
    /// An RFC 6901 pointer: `/Resources/0/id`, `/meta/location`. `{{var}}` is replaced.
    pub pointer: String,
    /// The value there equals this (`{{var}}` replaced in strings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    /// `true`: a value is there (possibly `null`); `false`: nothing is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// `true`: nothing there, or `null`, `[]` or `{}` (unassigned in SCIM terms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absent: Option<bool>,
    /// `true`: nothing there, or `null`, `""`, `[]` or `{}` (a vendor's "null or empty");
    /// `false`: a value that is none of those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<bool>,
    /// The JSON type of the value there.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub json_type: Option<JsonType>,
    /// The length of the array, string or object there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
    /// A check of its own for this assertion; without one it counts toward the step's check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSpec>,
}

/// JSON value types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

impl JsonType {
    pub fn of(value: &Value) -> JsonType {
        match value {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Number(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "boolean",
            JsonType::Number => "number",
            JsonType::String => "string",
            JsonType::Array => "array",
            JsonType::Object => "object",
        }
    }
}

/// Where a captured value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Capture {
    /// A JSON pointer into the response body; strings are captured as-is, other values as JSON.
    Pointer(String),
    /// A response header.
    Header {
        /// The header's name, case-insensitive.
        header: String,
    },
}
