//! Optional features: a scenario that needs one the target does not advertise is skipped with
//! the reason (run under `--strict` anyway); an advertised feature that breaks fails its
//! advertisement too.

use scimulate::runner::outcome::Outcome;
use scimulate::server::Quirk;
use scimulate::snapshot::SnapshotMode;

use crate::support::{plan_of, run_embedded, runtime, settings};

fn scenario(dir: &std::path::Path, name: &str, feature: &str) {
    std::fs::write(
        dir.join(format!("{name}.yaml")),
        format!(
            "name: {name}\ndescription: Needs {feature}.\nrequires: [{feature}]\nsteps:\n  - request:\n      method: POST\n      path: /Users\n      body: {{ userName: \"{{{{run.prefix}}}}-a@example.com\" }}\n      expect: {{ status: 201 }}\n      capture: {{ id: /id, etag: {{ header: ETag }} }}\n  - request:\n      method: PUT\n      path: /Users/{{{{id}}}}\n      headers: {{ If-Match: 'W/\"stale\"' }}\n      body: {{ userName: \"{{{{run.prefix}}}}-b@example.com\" }}\n      expect: {{ status: 412 }}\n      check: {{ id: test.{feature}.stale-if-match-412, level: MUST }}\n"
        ),
    )
    .unwrap();
}

#[test]
fn an_unadvertised_feature_is_skipped_with_the_reason_and_strict_runs_it_anyway() {
    runtime().block_on(async {
        // Arrange: the reference server does not advertise password change.
        let dir = tempfile::tempdir().unwrap();
        scenario(dir.path(), "needs-password-change", "changePassword");
        let mut lenient = settings(None, SnapshotMode::Normal);
        lenient.strict = false;

        // Act
        let skipped = run_embedded(plan_of(dir.path()), &[], lenient).await;
        let forced = run_embedded(
            plan_of(dir.path()),
            &[],
            settings(None, SnapshotMode::Normal),
        )
        .await;

        // Assert
        let run = &skipped.scenarios[0];
        assert!(run.exchanges.is_empty(), "nothing was sent");
        assert_eq!(run.verdicts.len(), 2);
        for verdict in &run.verdicts {
            let Outcome::Skipped { reason } = &verdict.outcome else {
                panic!("{:?}", verdict.outcome);
            };
            assert!(
                reason.contains("does not advertise changePassword"),
                "{reason}"
            );
        }
        assert_eq!(skipped.exit_code(), 0);
        assert!(
            forced.scenarios[0]
                .verdicts
                .iter()
                .all(|v| !matches!(v.outcome, Outcome::Skipped { .. }))
        );
    });
}

#[test]
fn an_advertised_feature_that_breaks_fails_its_advertisement() {
    runtime().block_on(async {
        // Arrange: ETags are advertised; one server honours If-Match, one ignores it.
        let dir = tempfile::tempdir().unwrap();
        scenario(dir.path(), "needs-etag", "etag");

        // Act
        let good = run_embedded(
            plan_of(dir.path()),
            &[],
            settings(None, SnapshotMode::Normal),
        )
        .await;
        let broken = run_embedded(
            plan_of(dir.path()),
            &[Quirk::IgnoreIfMatch],
            settings(None, SnapshotMode::Normal),
        )
        .await;

        // Assert
        let advertisement = |report: &scimulate::runner::outcome::RunReport| {
            report.scenarios[0]
                .verdicts
                .iter()
                .find(|v| v.check.id == "rfc7643.5.advertised-etag-works")
                .cloned()
                .expect("the advertisement was judged")
        };
        assert!(advertisement(&good).outcome.is_pass());
        let Outcome::Failed { reasons } = advertisement(&broken).outcome else {
            panic!("the broken ETag support passed");
        };
        assert!(
            reasons[0].contains("test.etag.stale-if-match-412"),
            "{reasons:?}"
        );
    });
}
