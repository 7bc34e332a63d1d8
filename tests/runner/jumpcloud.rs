//! JumpCloud against quirks of the reference server that mimic real interop bugs: each makes the
//! matching JumpCloud scenario fail with a check that names JumpCloud's behaviour and its source.

use scimulate::runner::outcome::Outcome;
use scimulate::server::Quirk;
use scimulate::snapshot::SnapshotMode;

use crate::support::{plan_of, root, run_embedded, runtime, settings};

#[test]
fn interop_bugs_fail_the_jumpcloud_scenarios_with_jumpcloud_named_checks() {
    runtime().block_on(async {
        let plan = plan_of(&root().join("scenarios/jumpcloud"));
        for (quirk, check) in [
            (
                Quirk::RejectNullEmails,
                "jumpcloud.test-connection.put-accepts-null-emails",
            ),
            (Quirk::CoreSchemaFirst, "jumpcloud.update.put-returns-200"),
            (
                Quirk::DuplicateMembersOnAdd,
                "jumpcloud.group.repeated-add-idempotent",
            ),
            (
                Quirk::RemoveMembersEmptiesGroup,
                "jumpcloud.group.remove-by-value",
            ),
            (
                Quirk::PagingAsStrings,
                "jumpcloud.import.paging-numbers-are-integers",
            ),
            (
                Quirk::ItemsPerPageIsCount,
                "jumpcloud.import.items-per-page-is-items-returned",
            ),
        ] {
            // Act
            let report =
                run_embedded(plan.clone(), &[quirk], settings(None, SnapshotMode::Normal)).await;

            // Assert
            let failed = report
                .scenarios
                .iter()
                .flat_map(|s| &s.verdicts)
                .find(|v| v.check.id == check && matches!(v.outcome, Outcome::Failed { .. }))
                .unwrap_or_else(|| panic!("{quirk}: {check} did not fail"));
            assert!(
                failed
                    .check
                    .source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("research/entra_jumpcloud.md B")),
                "{quirk}: {:?}",
                failed.check.source
            );
            assert_eq!(report.exit_code(), 1, "{quirk}");
        }
    });
}
