//! The IdP settings a target profile can set (`idp:`), so a run mirrors a customer's console.
//!
//! Where the evidence leaves a choice open, or an IdP offers one to its admins, the IdP module
//! has a field for it with a default that follows the strongest source (`docs/idps/`). This is
//! the file format of those fields: every key is optional, an absent key keeps the module's
//! default, and [`IdpSettings::changed`] names what a run changed, for its report. Like the rest
//! of the target profile, these types *are* the format: its JSON Schema is generated from them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::entra::Entra;
use super::jumpcloud::{
    ContentType, FilterSpaces as JumpCloudSpaces, GroupRenameForm, JumpCloud, UserUpdateForm,
};
use super::okta::{FilterSpaces as OktaSpaces, Okta};

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

    /// Okta as these settings configure it.
    pub fn apply(&self, mut okta: Okta) -> Okta {
        if let Some(encoding) = self.filter_encoding {
            okta.filter_spaces = match encoding {
                SpaceEncoding::Percent20 => OktaSpaces::Percent20,
                SpaceEncoding::Plus => OktaSpaces::Plus,
            };
        }
        okta
    }
}

impl EntraSettings {
    fn is_empty(&self) -> bool {
        self == &EntraSettings::default()
    }

    /// Entra as these settings configure it.
    pub fn apply(&self, mut entra: Entra) -> Entra {
        if let Some(flag_in_query) = self.flag_in_query {
            entra.flag_in_query = flag_in_query;
        }
        if let Some(pace) = self.pace {
            entra.pace = Some(pace);
        }
        entra
    }
}

impl JumpCloudSettings {
    fn is_empty(&self) -> bool {
        self == &JumpCloudSettings::default()
    }

    /// JumpCloud as these settings configure it.
    pub fn apply(&self, mut jumpcloud: JumpCloud) -> JumpCloud {
        if let Some(form) = self.user_update {
            jumpcloud.update = match form {
                UpdateForm::Put => UserUpdateForm::Put,
                UpdateForm::Patch => UserUpdateForm::Patch,
            };
        }
        if let Some(body) = self.content_type {
            jumpcloud.content_type = match body {
                BodyType::ScimJson => ContentType::ScimJson,
                BodyType::Json => ContentType::Json,
            };
        }
        if let Some(encoding) = self.filter_encoding {
            jumpcloud.filter_spaces = match encoding {
                SpaceEncoding::Percent20 => JumpCloudSpaces::Percent20,
                SpaceEncoding::Plus => JumpCloudSpaces::Plus,
            };
        }
        if let Some(form) = self.group_rename {
            jumpcloud.group_rename = match form {
                UpdateForm::Put => GroupRenameForm::Put,
                UpdateForm::Patch => GroupRenameForm::Patch,
            };
        }
        if let Some(manage) = self.manage_groups {
            jumpcloud.manage_groups = manage;
        }
        jumpcloud
    }
}

impl IdpSettings {
    /// Every setting given, as `okta.filter_encoding` = `plus`, in the file's order: what a
    /// report shows so that a reader knows which console the run mirrored.
    pub fn changed(&self) -> Vec<(String, String)> {
        let mut changed = Vec::new();
        for (idp, value) in [
            ("okta", serde_json::to_value(&self.okta)),
            ("entra", serde_json::to_value(&self.entra)),
            ("jumpcloud", serde_json::to_value(&self.jumpcloud)),
        ] {
            let Ok(serde_json::Value::Object(fields)) = value else {
                continue;
            };
            for (key, value) in fields {
                let shown = match value {
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                };
                changed.push((format!("{idp}.{key}"), shown));
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<IdpSettings, String> {
        serde_saphyr::from_str(yaml).map_err(|e| e.to_string())
    }

    #[test]
    fn an_empty_block_changes_nothing() {
        let settings = parse("{}").expect("valid");
        assert_eq!(settings.okta.apply(Okta::default()), Okta::default());
        assert_eq!(
            settings.jumpcloud.apply(JumpCloud::default()),
            JumpCloud::default()
        );
        assert_eq!(settings.entra.apply(Entra::default()), Entra::default());
        assert!(settings.changed().is_empty());
    }

    #[test]
    fn each_setting_reaches_its_idp_and_is_named_in_the_report() {
        // Arrange
        let yaml = "okta: {filter_encoding: plus}\nentra: {flag_in_query: true, pace: 25}\njumpcloud: {user_update: patch, content_type: application/json, filter_encoding: percent20, group_rename: put, manage_groups: false}\n";

        // Act
        let settings = parse(yaml).expect("valid");
        let okta = settings.okta.apply(Okta::default());
        let entra = settings.entra.apply(Entra::default());
        let jumpcloud = settings.jumpcloud.apply(JumpCloud::default());

        // Assert
        assert_eq!(okta.filter_spaces, OktaSpaces::Plus);
        assert!(entra.flag_in_query);
        assert_eq!(entra.pace, Some(25));
        assert_eq!(jumpcloud.update, UserUpdateForm::Patch);
        assert_eq!(jumpcloud.content_type, ContentType::Json);
        assert_eq!(jumpcloud.filter_spaces, JumpCloudSpaces::Percent20);
        assert_eq!(jumpcloud.group_rename, GroupRenameForm::Put);
        assert!(!jumpcloud.manage_groups);
        let changed = settings.changed();
        assert!(changed.contains(&("okta.filter_encoding".to_owned(), "plus".to_owned())));
        assert!(changed.contains(&(
            "jumpcloud.content_type".to_owned(),
            "application/json".to_owned()
        )));
        assert!(changed.contains(&("entra.pace".to_owned(), "25".to_owned())));
        assert_eq!(changed.len(), 8);
    }

    #[test]
    fn an_unknown_key_or_value_is_refused_with_its_name() {
        let key = parse("okta: {filter_encodng: plus}").expect_err("unknown key");
        assert!(key.contains("filter_encodng"), "{key}");
        let value = parse("jumpcloud: {user_update: post}").expect_err("unknown value");
        assert!(value.contains("post"), "{value}");
    }
}
