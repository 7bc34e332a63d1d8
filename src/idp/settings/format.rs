//! The format of IdP settings: the `idp:` block of a target profile, and a scenario's own
//! `idp_settings:` (a scenario that shows one alternative turns it on for itself).
//!
//! Where the evidence leaves a choice open, or an IdP offers one to its admins, the IdP module
//! has a field for it with a default that follows the strongest source (`docs/idps/`). These
//! types are the file format of those fields: every key is optional and an absent key keeps the
//! module's default. Like the rest of the scenario and target profile formats, they *are* the
//! format: the JSON Schemas are generated from them. What each setting does to its IdP, and
//! which values an IdP refuses, is [`super`]. They live with the IdPs, below the scenario and
//! target profile formats that carry them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Settings per IdP profile (`okta` covers `okta` and `okta-aiw`, `entra` both Entra dialects).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdpSettings {
    #[serde(default, skip_serializing_if = "OktaSettings::is_empty")]
    pub okta: OktaSettings,
    #[serde(default, skip_serializing_if = "EntraSettings::is_empty")]
    pub entra: EntraSettings,
    #[serde(default, skip_serializing_if = "JumpCloudSettings::is_empty")]
    pub jumpcloud: JumpCloudSettings,
}

/// How a filter writes its spaces in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SpaceEncoding {
    /// `userName%20eq%20%22…%22`.
    Percent20,
    /// `userName+eq+%22…%22`.
    Plus,
}

/// Okta's app settings (docs/idps/okta.md).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OktaSettings {
    /// How the lookup filter encodes spaces: `percent20` (default: the current docs and real
    /// captures) or `plus` (the 2018–2019 docs), §3.3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_encoding: Option<SpaceEncoding>,
    /// The most group membership changes per PATCH: 100 (default) to 1000, the OIN app's
    /// setting (§3.6.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 100, max = 1000))]
    pub membership_batch: Option<u64>,
    /// App Integration Wizard group PUTs read the group first (`GET /Groups/{id}`, then the PUT
    /// of what it returned), as the 2018–2019 reference describes; `false` by default, as the
    /// current reference shows (§3.6.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_put_reads_first: Option<bool>,
    /// The race seen once on re-assignment: a profile push with the stale `active:false`
    /// right after the activation (§3.4, observed); `false` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_deactivate_put: Option<bool>,
}

/// The Entra provisioning job's settings (docs/idps/entra.md).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntraSettings {
    /// Forward `aadOptscim062020` in every request's query instead of keeping it in the tenant
    /// URL's configuration (entra-compliant only; which one Entra does is undocumented, §1).
    /// `--entra-flag-in-query` sets it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag_in_query: Option<bool>,
    /// Requests per second the job paces itself at (25 is the gallery rate, §5.4); unpaced by
    /// default. `--entra-pace` overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pace: Option<u32>,
    /// The matching attributes in precedence order, each tried when the one before finds
    /// nothing: `[userName]` by default, e.g. `[externalId, userName]` (§3.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching: Option<Vec<MatchingAttribute>>,
    /// How the job reads an anchored user's current state before an update: `by-id` (default,
    /// `GET /Users/{id}`) or `by-filter` (the matching filter) (§7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_current: Option<ReadForm>,
    /// The app role mapping: `none` (default, a new app's mappings) or
    /// `single-app-role-assignment` (`roles` sent from the user's app roles) (§3.1, §7.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<RoleForm>,
    /// What a 429 does: `escrow` (default: the object waits in escrow) or `retry-after` (the
    /// job waits `Retry-After` and sends the request again) (§10.4, disputed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_429: Option<ThrottleForm>,
    /// Whether `active` is mapped (default `true`); unmapped, every disable sends DELETE (§8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_mapped: Option<bool>,
    /// The Delete target action (default `true`); off, the job sends no DELETE (§8, §9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_action: Option<bool>,
    /// "Skip out of scope deletions" (default `false`): users leaving scope are not disabled (§8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_out_of_scope_deletions: Option<bool>,
    /// Re-assert a group's `externalId` with `Add` when it is matched or renamed (default
    /// `false`, observed, §9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reassert_group_external_id: Option<bool>,
    /// Seconds the initial cycle takes per object in scope, on the job's clock: 0.6 (default) to
    /// 4.8, Microsoft's 0.01–0.08 minutes (§5.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds_per_object: Option<f64>,
    /// The most members one group PATCH adds or removes; no cap by default (§5.5, undocumented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max_members_per_patch: Option<usize>,
    /// A create's `active` as the string `"True"` (default `false`, §6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_string_in_create: Option<bool>,
    /// `Add` instead of `Replace` for `active` (default `false`, §8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_with_add: Option<bool>,
    /// `"true"`/`"false"` in lower case (default `false`, §8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_lowercase: Option<bool>,
}

/// An attribute Entra matches users on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum MatchingAttribute {
    #[serde(rename = "userName")]
    UserName,
    #[serde(rename = "externalId")]
    ExternalId,
}

/// How the job reads a user's current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReadForm {
    ById,
    ByFilter,
}

/// Entra's app role mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RoleForm {
    None,
    SingleAppRoleAssignment,
}

/// What Entra does with a 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ThrottleForm {
    Escrow,
    RetryAfter,
}

/// JumpCloud's application settings (docs/idps/jumpcloud.md).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JumpCloudSettings {
    /// How a profile change goes out: `put` (default: the full user, as the samples show) or
    /// `patch` (§5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_update: Option<UpdateForm>,
    /// The `Content-Type` of bodies: `application/scim+json` (default, §9) or
    /// `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<BodyType>,
    /// How lookup filters encode spaces: `plus` (default, §4) or `percent20`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_encoding: Option<SpaceEncoding>,
    /// How a group rename goes out: `patch` (default, §7) or `put`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_rename: Option<UpdateForm>,
    /// "Enable management of User Groups and Group Membership in this application" (§1):
    /// `true` by default; `false` leaves groups out of Test Connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_groups: Option<bool>,
}

/// A whole replacement or a partial change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UpdateForm {
    Put,
    Patch,
}

/// A body's media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum BodyType {
    #[serde(rename = "application/scim+json")]
    ScimJson,
    #[serde(rename = "application/json")]
    Json,
}

impl OktaSettings {
    fn is_empty(&self) -> bool {
        self == &OktaSettings::default()
    }
}

impl EntraSettings {
    fn is_empty(&self) -> bool {
        self == &EntraSettings::default()
    }
}

impl JumpCloudSettings {
    fn is_empty(&self) -> bool {
        self == &JumpCloudSettings::default()
    }
}

impl IdpSettings {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self == &IdpSettings::default()
    }

    /// These settings with `over`'s keys taking their place: a scenario's over a run's.
    pub fn overlaid(&self, over: &IdpSettings) -> IdpSettings {
        fn merge(base: &mut serde_json::Value, over: serde_json::Value) {
            match (base, over) {
                (serde_json::Value::Object(base), serde_json::Value::Object(over)) => {
                    for (key, value) in over {
                        merge(base.entry(key).or_insert(serde_json::Value::Null), value);
                    }
                }
                (base, over) => *base = over,
            }
        }
        let mut merged = serde_json::to_value(self).unwrap_or_default();
        merge(&mut merged, serde_json::to_value(over).unwrap_or_default());
        serde_json::from_value(merged).unwrap_or_else(|_| over.clone())
    }
}
