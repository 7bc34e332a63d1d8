//! Okta against quirks of the reference server that mimic real interop bugs: each makes the
//! matching Okta scenario fail with a check that names Okta's behaviour and its source, and a
//! quirk Okta tolerates does not.

use scimulate::runner::outcome::Outcome;
use scimulate::server::Quirk;
use scimulate::snapshot::SnapshotMode;

use crate::support::{plan_of, root, run_embedded, runtime, settings};

#[test]
fn interop_bugs_fail_the_okta_scenarios_with_okta_named_checks() {
    runtime().block_on(async {
        let plan = plan_of(&root().join("scenarios/okta"));
        for (quirk, check) in [
            (
                Quirk::PagingAsStrings,
                "okta.lookup.paging-numbers-are-integers",
            ),
            (Quirk::RejectPathlessPatch, "okta.deactivate.accepted"),
            (
                Quirk::ItemsPerPageIsCount,
                "okta.import.items-per-page-is-items-returned",
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
                    .is_some_and(|s| s.starts_with("research/okta.md §")),
                "{quirk}: {:?}",
                failed.check.source
            );
            assert_eq!(report.exit_code(), 1, "{quirk}");
        }
        let tolerated = run_embedded(
            plan.clone(),
            &[Quirk::Lookup404],
            settings(None, SnapshotMode::Normal),
        )
        .await;
        assert!(
            tolerated.passed(),
            "Okta reads a lookup 404 as not found (research/okta.md §3.3)"
        );
    });
}
