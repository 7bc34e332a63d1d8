//! What IdP settings do to each IdP, and which values an IdP does not offer.
//!
//! The settings' format (the target profile's `idp:` block, a scenario's `idp_settings:`) is
//! [`format`](mod@format); here each block configures its IdP module ([`OktaSettings::apply`]),
//! says what is unusable ([`IdpSettings::problems`]) and names what a run changed, for its
//! report ([`IdpSettings::changed`]).

use crate::idp::entra::{
    Entra, INITIAL_CYCLE_PER_OBJECT_MAX, INITIAL_CYCLE_PER_OBJECT_MIN, Matching, ReadCurrent,
    RoleMapping, Throttling,
};
use crate::idp::jumpcloud::{
    ContentType, FilterSpaces as JumpCloudSpaces, GroupRenameForm, JumpCloud, UserUpdateForm,
};
use crate::idp::okta::{FilterSpaces as OktaSpaces, MembershipBatch, Okta};

pub mod format;

pub use format::{
    BodyType, EntraSettings, IdpSettings, JumpCloudSettings, MatchingAttribute, OktaSettings,
    ReadForm, RoleForm, SpaceEncoding, ThrottleForm, UpdateForm,
};

impl OktaSettings {
    /// Okta as these settings configure it.
    pub fn apply(&self, mut okta: Okta) -> Okta {
        if let Some(encoding) = self.filter_encoding {
            okta.filter_spaces = match encoding {
                SpaceEncoding::Percent20 => OktaSpaces::Percent20,
                SpaceEncoding::Plus => OktaSpaces::Plus,
            };
        }
        if let Some(batch) = self
            .membership_batch
            .and_then(|b| MembershipBatch::new(b).ok())
        {
            okta.membership_batch = batch;
        }
        if let Some(reads) = self.group_put_reads_first {
            okta.group_put_reads_first = reads;
        }
        if let Some(stale) = self.stale_deactivate_put {
            okta.stale_deactivate_put = stale;
        }
        okta
    }

    fn problems(&self) -> Vec<String> {
        self.membership_batch
            .and_then(|batch| MembershipBatch::new(batch).err())
            .map(|error| format!("idp.okta.membership_batch: {error}"))
            .into_iter()
            .collect()
    }
}

impl EntraSettings {
    /// Entra as these settings configure it.
    pub fn apply(&self, mut entra: Entra) -> Entra {
        if let Some(flag_in_query) = self.flag_in_query {
            entra.flag_in_query = flag_in_query;
        }
        if let Some(pace) = self.pace {
            entra.pace = Some(pace);
        }
        if let Some(matching) = &self.matching {
            entra.matching = matching
                .iter()
                .map(|attribute| match attribute {
                    MatchingAttribute::UserName => Matching::UserName,
                    MatchingAttribute::ExternalId => Matching::ExternalId,
                })
                .collect();
        }
        if let Some(read) = self.read_current {
            entra.read_current = match read {
                ReadForm::ById => ReadCurrent::ById,
                ReadForm::ByFilter => ReadCurrent::ByFilter,
            };
        }
        if let Some(roles) = self.roles {
            entra.roles = match roles {
                RoleForm::None => RoleMapping::None,
                RoleForm::SingleAppRoleAssignment => RoleMapping::SingleAppRoleAssignment,
            };
        }
        if let Some(on_429) = self.on_429 {
            entra.throttling = match on_429 {
                ThrottleForm::Escrow => Throttling::Escrow,
                ThrottleForm::RetryAfter => Throttling::RetryAfter,
            };
        }
        let flags = [
            (self.active_mapped, &mut entra.active_mapped),
            (self.delete_action, &mut entra.delete_action),
            (
                self.skip_out_of_scope_deletions,
                &mut entra.skip_out_of_scope_deletions,
            ),
            (
                self.reassert_group_external_id,
                &mut entra.reassert_group_external_id,
            ),
            (
                self.active_string_in_create,
                &mut entra.active_string_in_create,
            ),
            (self.active_with_add, &mut entra.active_with_add),
            (self.active_lowercase, &mut entra.active_lowercase),
        ];
        for (setting, field) in flags {
            if let Some(value) = setting {
                *field = value;
            }
        }
        if let Some(seconds) = self
            .seconds_per_object
            .filter(|_| self.problems().is_empty())
        {
            entra.initial_cycle_per_object = std::time::Duration::from_secs_f64(seconds);
        }
        if let Some(most) = self.max_members_per_patch {
            entra.max_members_per_patch = Some(most);
        }
        entra
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(seconds) = self.seconds_per_object {
            let (min, max) = (
                INITIAL_CYCLE_PER_OBJECT_MIN.as_secs_f64(),
                INITIAL_CYCLE_PER_OBJECT_MAX.as_secs_f64(),
            );
            if !(min..=max).contains(&seconds) {
                problems.push(format!(
                    "idp.entra.seconds_per_object: {seconds} is outside Microsoft's 0.01 to 0.08 minutes per object ({min} to {max} seconds)"
                ));
            }
        }
        if self.max_members_per_patch == Some(0) {
            problems.push(
                "idp.entra.max_members_per_patch: a PATCH carries at least one member".to_owned(),
            );
        }
        if self.matching.as_ref().is_some_and(Vec::is_empty) {
            problems.push("idp.entra.matching: name at least one attribute".to_owned());
        }
        problems
    }
}

impl JumpCloudSettings {
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
    /// What makes these settings unusable (a batch size Okta does not offer, a time per object
    /// outside Microsoft's range), each naming its key.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.okta.problems();
        problems.extend(self.entra.problems());
        problems
    }

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
        let yaml = "okta: {filter_encoding: plus, membership_batch: 250, group_put_reads_first: true, stale_deactivate_put: true}\nentra: {flag_in_query: true, pace: 25, matching: [externalId, userName], read_current: by-filter, roles: single-app-role-assignment, on_429: retry-after, active_mapped: false, delete_action: false, skip_out_of_scope_deletions: true, reassert_group_external_id: true, seconds_per_object: 1.2, max_members_per_patch: 50, active_string_in_create: true, active_with_add: true, active_lowercase: true}\njumpcloud: {user_update: patch, content_type: application/json, filter_encoding: percent20, group_rename: put, manage_groups: false}\n";

        // Act
        let settings = parse(yaml).expect("valid");
        let okta = settings.okta.apply(Okta::default());
        let entra = settings.entra.apply(Entra::default());
        let jumpcloud = settings.jumpcloud.apply(JumpCloud::default());

        // Assert
        assert_eq!(okta.filter_spaces, OktaSpaces::Plus);
        assert_eq!(okta.membership_batch.size(), 250);
        assert!(okta.group_put_reads_first && okta.stale_deactivate_put);
        assert!(entra.flag_in_query);
        assert_eq!(entra.pace, Some(25));
        assert_eq!(entra.matching, [Matching::ExternalId, Matching::UserName]);
        assert_eq!(entra.read_current, ReadCurrent::ByFilter);
        assert_eq!(entra.roles, RoleMapping::SingleAppRoleAssignment);
        assert_eq!(entra.throttling, Throttling::RetryAfter);
        assert!(!entra.active_mapped && !entra.delete_action);
        assert!(entra.skip_out_of_scope_deletions && entra.reassert_group_external_id);
        assert!(entra.active_string_in_create && entra.active_with_add && entra.active_lowercase);
        assert_eq!(
            entra.initial_cycle_per_object,
            std::time::Duration::from_millis(1200)
        );
        assert_eq!(entra.max_members_per_patch, Some(50));
        assert!(settings.problems().is_empty(), "{:?}", settings.problems());
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
        assert_eq!(changed.len(), 24);
    }

    #[test]
    fn a_value_outside_what_the_idp_offers_is_a_problem_naming_its_key() {
        let settings = parse("okta: {membership_batch: 50}\nentra: {seconds_per_object: 10, max_members_per_patch: 0, matching: []}").expect("well-formed");
        let problems = settings.problems();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(
            problems[0].starts_with("idp.okta.membership_batch: "),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("idp.entra.seconds_per_object: 10 is outside"),
            "{problems:?}"
        );
        // An unusable value never reaches the IdP.
        assert_eq!(
            settings.okta.apply(Okta::default()).membership_batch.size(),
            100
        );
    }

    #[test]
    fn a_scenario_s_settings_take_the_place_of_the_run_s_key_by_key() {
        // Arrange
        let run = parse("okta: {filter_encoding: plus, membership_batch: 200}\njumpcloud: {manage_groups: false}").expect("valid");
        let scenario =
            parse("okta: {membership_batch: 300}\nentra: {delete_action: false}").expect("valid");

        // Act
        let merged = run.overlaid(&scenario);

        // Assert
        assert_eq!(merged.okta.filter_encoding, Some(SpaceEncoding::Plus));
        assert_eq!(merged.okta.membership_batch, Some(300));
        assert_eq!(merged.entra.delete_action, Some(false));
        assert_eq!(merged.jumpcloud.manage_groups, Some(false));
        assert_eq!(run.overlaid(&IdpSettings::default()), run);
    }

    #[test]
    fn an_unknown_key_or_value_is_refused_with_its_name() {
        let key = parse("okta: {filter_encodng: plus}").expect_err("unknown key");
        assert!(key.contains("filter_encodng"), "{key}");
        let value = parse("jumpcloud: {user_update: post}").expect_err("unknown value");
        assert!(value.contains("post"), "{value}");
    }
}
