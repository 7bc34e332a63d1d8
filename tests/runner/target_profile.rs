//! What a target profile changes in a run: waivers (a failing check the team accepts is
//! reported as waived, not failed, until the waiver's last day) and resource templates (what a
//! strict target requires is added to every resource the scenarios create).

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

#[test]
fn a_resource_template_fills_every_created_user() {
    runtime().block_on(async {
        // Arrange: a profile whose users must carry a title and a family name.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("create.yaml"),
            "name: create\ndescription: Creates a bare user.\nsteps:\n  - request:\n      method: POST\n      path: /Users\n      body: { userName: \"{{run.prefix}}-a@{{data.email_domain}}\", name: { givenName: Ada } }\n      expect:\n        status: 201\n        json:\n          - { pointer: /title, equals: Templated }\n          - { pointer: /name/givenName, equals: Ada }\n          - { pointer: /name/familyName, equals: Lovelace }\n",
        )
        .unwrap();
        let mut profile = (*scimulate::runner::app::reference_profile()).clone();
        profile.templates.insert(
            "User".into(),
            serde_json::json!({"title": "Templated", "name": {"givenName": "X", "familyName": "Lovelace"}}),
        );
        let mut templated = settings(None, SnapshotMode::Normal);
        templated.profile = Some(std::sync::Arc::new(profile));

        // Act
        let bare = run_embedded(plan_of(dir.path()), &[], settings(None, SnapshotMode::Normal)).await;
        let report = run_embedded(plan_of(dir.path()), &[], templated).await;

        // Assert
        assert_eq!(bare.exit_code(), 1, "without the template there is no title");
        assert_eq!(report.exit_code(), 0, "{:#?}", report.scenarios[0].verdicts);
    });
}
