//! Waivers of the target profile: a failing check the team accepts is reported as waived, not
//! failed, until the waiver's last day.

use scimulate::runner::outcome::Outcome;
use scimulate::server::Quirk;
use scimulate::snapshot::SnapshotMode;

use crate::support::{plan_of, root, run_embedded, runtime, settings};

#[test]
fn a_waived_deviation_is_reported_as_waived_and_does_not_fail_the_run() {
    runtime().block_on(async {
        // Arrange: a server whose itemsPerPage echoes count, and a profile that waives that.
        let plan = plan_of(&root().join("scenarios/rfc/paging.yaml"));
        let mut profile = (*scimulate::runner::app::reference_profile()).clone();
        for check in [
            "rfc7644.3.4.2.4.items-per-page-is-returned",
            "rfc7644.3.4.2.4.last-page-items-per-page",
        ] {
            profile.waivers.push(scimulate::target::profile::Waiver {
                check: check.into(),
                reason: "fixed in the next release".into(),
                expires: "2999-12-31".into(),
            });
        }
        let mut waived = settings(None, SnapshotMode::Normal);
        waived.profile = Some(std::sync::Arc::new(profile));

        // Act
        let plain = run_embedded(
            plan.clone(),
            &[Quirk::ItemsPerPageIsCount],
            settings(None, SnapshotMode::Normal),
        )
        .await;
        let report = run_embedded(plan, &[Quirk::ItemsPerPageIsCount], waived).await;

        // Assert
        assert_eq!(plain.exit_code(), 1);
        assert_eq!(report.exit_code(), 0, "{:#?}", report.scenarios[0].verdicts);
        assert!(report.scenarios[0].verdicts.iter().any(|v| matches!(
            &v.outcome,
            Outcome::Waived { waiver, .. } if waiver.contains("until 2999-12-31")
        )));
    });
}
