//! The reference server with six faults at once, of the kinds third-party SCIM servers ship
//! with: every finding is reported under the check it concerns, the faults do not hide the rest
//! of the catalogue (a failed check no longer ends its scenario), optional features the server
//! does not advertise are skipped rather than failed, and the terminal report stays short
//! enough to read.

use std::collections::BTreeSet;

use scimulate::runner::outcome::{Outcome, RunReport};
use scimulate::server::Quirk;
use scimulate::snapshot::SnapshotMode;

use crate::support::{catalogue, run_embedded, runtime, settings};

/// Six faults that real servers have, none of which stops an IdP from provisioning.
const QUIRKS: [Quirk; 6] = [
    Quirk::NoLocation,
    Quirk::DuplicateUserName,
    Quirk::NumericErrorStatus,
    Quirk::ErrorsAsPlainJson,
    Quirk::NoEtags,
    Quirk::ItemsPerPageIsCount,
];

/// (scenario run, check id, step) of every check the run evaluated: passed or failed.
fn evaluated(report: &RunReport) -> BTreeSet<(String, String, usize)> {
    report
        .scenarios
        .iter()
        .flat_map(|run| {
            run.verdicts
                .iter()
                .filter(|v| matches!(v.outcome, Outcome::Passed | Outcome::Failed { .. }))
                .map(move |v| (run.full_name(), v.check.id.clone(), v.step))
        })
        .collect()
}

fn failed_reasons(report: &RunReport) -> Vec<(String, String)> {
    report
        .scenarios
        .iter()
        .flat_map(|run| &run.verdicts)
        .filter_map(|v| match &v.outcome {
            Outcome::Failed { reasons } => Some((v.check.id.clone(), reasons.join("\n"))),
            _ => None,
        })
        .collect()
}

#[test]
fn six_faults_at_once_are_each_found_and_hide_nothing_else() {
    runtime().block_on(async {
        // Arrange
        let plan = catalogue();
        let mut quiet = settings(None, SnapshotMode::Normal);
        quiet.strict = false;
        let clean = run_embedded(plan.clone(), &[], quiet.clone()).await;
        assert!(
            clean.passed(),
            "the catalogue passes against the clean server"
        );

        // Act
        let report = run_embedded(plan, &QUIRKS, quiet).await;
        let text = scimulate::report::render_human(&report, 0);

        // Assert: each fault's finding, under the check it concerns.
        let failed = failed_reasons(&report);
        let found = |what: &dyn Fn(&(String, String)) -> bool| failed.iter().any(what);
        assert!(
            found(&|(_, r)| r.contains("no `Location` header")),
            "no-location"
        );
        assert!(
            found(&|(id, r)| id.starts_with("rfc7644.3.12") && r.contains("expected 409")),
            "duplicate-username"
        );
        assert!(
            found(&|(_, r)| r.contains("`/status`")),
            "numeric-error-status"
        );
        assert!(
            found(
                &|(id, r)| id == "rfc7644.3.8.error-is-scim-json" && r.contains("application/json")
            ),
            "errors-as-plain-json"
        );
        assert!(
            found(&|(id, _)| id == "okta.import.items-per-page-is-items-returned"),
            "items-per-page-is-count"
        );
        // ETags are not advertised: their checks are skipped, never failed.
        assert!(
            !found(&|(_, r)| r.to_ascii_lowercase().contains("etag") || r.contains("meta/version")),
            "{failed:#?}"
        );
        let etags = report
            .scenarios
            .iter()
            .find(|run| run.scenario == "etags")
            .expect("the etags scenario ran");
        assert!(etags.all_skipped());
        // The test data fits the server: no test-data finding.
        assert!(
            !found(&|(id, _)| id.starts_with("test-data.")),
            "{failed:#?}"
        );

        // Assert: what the clean run evaluates is still evaluated.
        let before = evaluated(&clean);
        let after = evaluated(&report);
        let still = before.intersection(&after).count();
        assert!(
            still * 10 >= before.len() * 9,
            "{still} of {} checks still evaluated",
            before.len()
        );

        // Assert: one cause per fault where the fault shows one symptom, though several checks
        // judge it; a fault that shows several (a duplicate accepted by POST, by PUT, in Bulk)
        // stays within two or three.
        let causes = scimulate::runner::cause::causes(&report);
        let one_cause = |symptom: &str| {
            let matching: Vec<_> = causes
                .iter()
                .filter(|c| c.summary.contains(symptom))
                .collect();
            assert_eq!(matching.len(), 1, "{symptom}: {causes:#?}");
            matching[0].failed_ids().len()
        };
        assert!(
            one_cause("got `application/json`") > 1,
            "errors-as-plain-json"
        );
        assert!(
            one_cause("`/status`: expected \"") > 1,
            "numeric-error-status"
        );
        assert!(one_cause("no `Location` header") > 1, "no-location");
        assert!(causes.len() <= 2 * QUIRKS.len(), "{causes:#?}");

        // Assert: the report is short enough to read.
        let lines = text.lines().count();
        assert!(lines < 400, "{lines} lines:\n{text}");
        assert!(text.contains("\ncauses ("));
        println!(
            "six faults: {still} of {} checks still evaluated, {} causes, {lines} lines",
            before.len(),
            causes.len()
        );
    });
}

#[test]
fn a_narrower_published_schema_gets_test_data_that_fits_it() {
    runtime().block_on(async {
        // Arrange: only the RFC scenarios, whose data the harness chooses.
        let plan: Vec<_> = catalogue()
            .into_iter()
            .filter(|p| p.file.components().any(|c| c.as_os_str() == "rfc"))
            .collect();
        let mut quiet = settings(None, SnapshotMode::Normal);
        quiet.strict = false;

        // Act
        let report = run_embedded(
            plan,
            &[Quirk::RestrictedSchema, Quirk::RejectUnknownExtensions],
            quiet,
        )
        .await;

        // Assert: the data was fitted, and said so.
        let adjustments: Vec<&str> = report
            .scenarios
            .iter()
            .flat_map(|run| run.adjustments.iter().map(|a| a.note.as_str()))
            .collect();
        assert!(adjustments.contains(&"filled `name.formatted`: the target's User schema requires it"));
        assert!(adjustments.contains(&"left out `emails.type`: not in the target's User schema"));
        // Assert: nothing the server refused was the harness's own data.
        let refused_data: Vec<_> = failed_reasons(&report)
            .into_iter()
            .filter(|(_, r)| {
                r.contains("Extra inputs are not permitted") || r.contains("Field required")
            })
            .collect();
        assert!(refused_data.is_empty(), "{refused_data:#?}");
        // Checks of attributes the server does not publish are skipped, with the reason.
        let skipped = report
            .scenarios
            .iter()
            .flat_map(|run| &run.verdicts)
            .filter(|v| matches!(&v.outcome, Outcome::Skipped { reason } if reason.contains("does not publish")))
            .count();
        assert!(skipped > 0);
    });
}

#[test]
fn an_optional_operation_answered_501_is_skipped_not_failed() {
    runtime().block_on(async {
        // Arrange: searching from the root is a MAY (RFC 7644 §3.4.3).
        let plan: Vec<_> = catalogue()
            .into_iter()
            .filter(|p| p.scenario.name == "search")
            .collect();
        let mut quiet = settings(None, SnapshotMode::Normal);
        quiet.strict = false;

        // Act
        let report = run_embedded(plan, &[Quirk::NoRootSearch], quiet).await;

        // Assert
        let root = report
            .scenarios
            .iter()
            .flat_map(|run| &run.verdicts)
            .find(|v| v.check.id == "rfc7644.3.4.3.search-at-root")
            .expect("the root search ran");
        assert!(
            matches!(&root.outcome, Outcome::Skipped { reason } if reason.contains("501 Not Implemented")),
            "{:?}",
            root.outcome
        );
        assert!(report.passed(), "{:#?}", failed_reasons(&report));
    });
}
