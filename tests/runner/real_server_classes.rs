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

        // Act: compared with the approved snapshots, as a default run is (`Ci` writes none).
        let mut compared = quiet.clone();
        compared.snapshots =
            Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
        compared.snapshot_mode = SnapshotMode::Ci;
        let report = run_embedded(plan, &QUIRKS, compared).await;
        let text = scimulate::report::render_human(&report, 0);

        // Assert: each fault's finding, under the check it concerns.
        let failed = failed_reasons(&report);
        let found = |what: &dyn Fn(&(String, String)) -> bool| failed.iter().any(what);
        assert!(
            found(&|(id, r)| id == "rfc7644.3.3.location-on-201" && r.contains("`location`")),
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

        // Assert: each fault is one cause, though several checks judge it, and a fault that
        // shows several symptoms (a duplicate accepted by POST, by PUT, in Bulk, then found by
        // the reads after it; a wrong count in RFC paging and in IdP imports) is one too.
        let causes = scimulate::runner::cause::causes(&report);
        let cause_of = |check: &str| {
            let matching: Vec<usize> = (0..causes.len())
                .filter(|&i| causes[i].failed_ids().contains(&check))
                .collect();
            assert_eq!(matching.len(), 1, "{check}: {causes:#?}");
            matching[0]
        };
        let one_cause = |fault: &str, checks: &[&str]| {
            let first = cause_of(checks[0]);
            for check in checks {
                assert_eq!(cause_of(check), first, "{fault}: {check}: {causes:#?}");
            }
            first
        };
        let found_causes = BTreeSet::from([
            one_cause(
                "errors-as-plain-json",
                &[
                    "rfc7644.3.8.error-is-scim-json",
                    "rfc7644.3.12.not-found",
                    "rfc7644.3.12.unauthorized-error-body",
                ],
            ),
            one_cause(
                "numeric-error-status",
                &[
                    "rfc7644.3.12.status-is-a-string",
                    "rfc7644.3.12.unknown-endpoint-404",
                ],
            ),
            one_cause(
                "no-location",
                &[
                    "rfc7644.3.3.location-on-201",
                    "rfc7644.3.3.group-location-on-201",
                ],
            ),
            one_cause(
                "duplicate-username",
                &[
                    "rfc7644.3.3.duplicate-409-uniqueness",
                    "rfc7644.3.12.uniqueness-on-put",
                    "rfc7644.3.7.error-in-response",
                    "rfc7644.3.7.3.fail-on-errors",
                ],
            ),
            one_cause(
                "items-per-page-is-count",
                &[
                    "rfc7644.3.4.2.4.last-page-items-per-page",
                    "okta.import.items-per-page-is-items-returned",
                    "jumpcloud.import.items-per-page-is-items-returned",
                ],
            ),
        ]);
        assert_eq!(
            found_causes.len(),
            5,
            "five faults, five causes: {causes:#?}"
        );
        // ETags unadvertised is no fault, so no cause: six quirks, five causes in all.
        assert_eq!(causes.len(), 5, "{causes:#?}");

        // Assert: the report is short enough to read.
        let lines = text.lines().count();
        assert!(lines < 400, "{lines} lines:\n{text}");
        assert!(text.contains("\ncauses ("));
        assert!(text.contains("snapshot drifted:"), "{text}");
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

/// A server that takes the liberties the RFCs leave it, all at once: a schema narrower than
/// RFC 7643's, no extensions, no ETags, no search at the root.
const RFC_PERMITTED_CHOICES: [Quirk; 4] = [
    Quirk::RestrictedSchema,
    Quirk::RejectUnknownExtensions,
    Quirk::NoEtags,
    Quirk::NoRootSearch,
];

#[test]
fn a_server_that_takes_the_liberties_the_rfc_leaves_it_fails_no_rfc_check() {
    runtime().block_on(async {
        // Arrange
        let mut quiet = settings(None, SnapshotMode::Normal);
        quiet.strict = false;

        // Act
        let report = run_embedded(catalogue(), &RFC_PERMITTED_CHOICES, quiet).await;

        // Assert: no MUST or SHOULD of the RFCs fails, and none of the harness's data is refused.
        let false_alarms: Vec<String> = report
            .scenarios
            .iter()
            .flat_map(|run| run.verdicts.iter().map(move |v| (run, v)))
            .filter(|(_, v)| v.outcome.is_failure())
            .filter(|(_, v)| {
                (v.check.id.starts_with("rfc")
                    && matches!(
                        v.check.level,
                        scimulate::scenario::model::Level::Must
                            | scimulate::scenario::model::Level::Should
                    ))
                    || v.check.is_test_data()
            })
            .map(|(run, v)| format!("{} {}: {:?}", run.full_name(), v.check.id, v.outcome))
            .collect();
        assert!(false_alarms.is_empty(), "{false_alarms:#?}");
    });
}
