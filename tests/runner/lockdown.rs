//! Lock-down against the reference server's lock-down quirks: each makes the matching scenario
//! fail with the lock-down check it breaks, a message that says what got through, and the
//! section of `docs/application.md` it rests on.

use scimulate::runner::outcome::Outcome;
use scimulate::server::Quirk;
use scimulate::snapshot::SnapshotMode;

use crate::support::{plan_of, root, run_embedded, runtime, settings};

#[test]
fn each_careless_implementation_fails_the_lockdown_check_it_breaks() {
    runtime().block_on(async {
        let mut plan = plan_of(&root().join("scenarios/lockdown"));
        plan.extend(plan_of(&root().join("scenarios/clockify")));
        for (quirk, check, words) in [
            (
                Quirk::NoLockdown,
                "lockdown.probe.add-user",
                "while SCIM is on, expected a refusal",
            ),
            (
                Quirk::NoLockdown,
                "lockdown.probe.change-own-name",
                "cannot change their own name",
            ),
            (
                Quirk::NoLockdown,
                "lockdown.probe.delete-group",
                "groups are created and deleted by the IdP",
            ),
            (
                Quirk::AccessSurvivesDeactivation,
                "lockdown.access.revoked-at-once",
                "still works",
            ),
            (
                Quirk::TimezoneOverwritten,
                "clockify.timezone.user-owned",
                "Asia/Tokyo",
            ),
            (
                Quirk::GroupsKeptOnEnable,
                "clockify.enable-scim.deletes-groups",
                "404",
            ),
            (
                Quirk::DeletedIdentityKept,
                "clockify.gdpr.nothing-left",
                "length",
            ),
        ] {
            // Act
            let report =
                run_embedded(plan.clone(), &[quirk], settings(None, SnapshotMode::Normal)).await;

            // Assert
            let verdict = report
                .scenarios
                .iter()
                .flat_map(|s| &s.verdicts)
                .find(|v| v.check.id == check && !v.outcome.is_pass())
                .unwrap_or_else(|| panic!("{quirk}: {check} did not fail"));
            let Outcome::Failed { reasons } = &verdict.outcome else {
                panic!(
                    "{quirk}: {check} could not be evaluated: {:?}",
                    verdict.outcome
                );
            };
            assert!(
                reasons.iter().any(|r| r.contains(words)),
                "{quirk}: {words:?} not in {reasons:?}"
            );
            assert!(
                verdict
                    .check
                    .source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("docs/application.md")),
                "{quirk}: {:?}",
                verdict.check.source
            );
            assert_eq!(report.exit_code(), 1, "{quirk}");
        }
    });
}
