//! Entra against quirks of the reference server that mimic real interop bugs: each makes the
//! matching Entra scenario fail with a check that names Entra's behaviour and its source; the
//! compliant dialect tolerates what only the default dialect sends, except in provision on
//! demand, which ignores the flag.

use scimulate::runner::outcome::{Outcome, RunReport};
use scimulate::runner::select::Planned;
use scimulate::scenario::model::IdpName;
use scimulate::server::Quirk;
use scimulate::snapshot::SnapshotMode;

use crate::support::{plan_of, root, run_embedded, runtime, settings};

fn entra_plan(idp: IdpName) -> Vec<Planned> {
    plan_of(&root().join("scenarios/entra"))
        .into_iter()
        .filter(|p| p.idp == idp)
        .collect()
}

fn failed_checks(report: &RunReport) -> Vec<(String, String, String)> {
    report
        .scenarios
        .iter()
        .flat_map(|s| s.verdicts.iter().map(move |v| (s, v)))
        .filter(|(_, v)| matches!(v.outcome, Outcome::Failed { .. }))
        .map(|(s, v)| {
            (
                s.scenario.clone(),
                v.check.id.clone(),
                v.check.source.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn interop_bugs_fail_the_entra_scenarios_with_entra_named_checks() {
    runtime().block_on(async {
        for (idp, quirk, check) in [
            (
                IdpName::Entra,
                Quirk::RejectCapitalisedOps,
                "entra.update.accepted",
            ),
            (
                IdpName::Entra,
                Quirk::RejectStringBooleans,
                "entra.update.accepted",
            ),
            (
                IdpName::Entra,
                Quirk::RemoveMembersEmptiesGroup,
                "entra.group.remove-members-by-value",
            ),
            (
                IdpName::Entra,
                Quirk::Lookup404,
                "entra.job.not-quarantined",
            ),
            (
                IdpName::Entra,
                Quirk::Lookup404,
                "entra.lookup.answers-list-response",
            ),
            (
                IdpName::Entra,
                Quirk::PagingAsStrings,
                "entra.lookup.answers-list-response",
            ),
            (
                IdpName::Entra,
                Quirk::HideInactiveUsers,
                "entra.lookup.finds-existing-user",
            ),
            (
                IdpName::Entra,
                Quirk::MembersNotExcluded,
                "entra.group.lookup-excludes-members",
            ),
            (IdpName::Entra, Quirk::RejectAddOp, "entra.update.accepted"),
            (
                IdpName::Entra,
                Quirk::FilteredPathPatchCrashes,
                "entra.update.filtered-paths-applied",
            ),
            (
                IdpName::EntraCompliant,
                Quirk::FilteredPathPatchCrashes,
                "entra.update.filtered-paths-applied",
            ),
            (
                IdpName::EntraCompliant,
                Quirk::IgnoreDottedPathlessKeys,
                "entra.update.applied",
            ),
            (
                IdpName::EntraCompliant,
                Quirk::RejectPathlessPatch,
                "entra.update.accepted",
            ),
        ] {
            // Act
            let report = run_embedded(
                entra_plan(idp),
                &[quirk],
                settings(None, SnapshotMode::Normal),
            )
            .await;

            // Assert
            let failed = failed_checks(&report);
            let (_, _, source) =
                failed
                    .iter()
                    .find(|(_, id, _)| id == check)
                    .unwrap_or_else(|| {
                        panic!(
                            "{quirk} as {}: {check} did not fail: {failed:?}",
                            idp.as_str()
                        )
                    });
            assert!(
                source.starts_with("docs/idps/entra.md §"),
                "{quirk}: {source}"
            );
            assert_eq!(report.exit_code(), 1, "{quirk}");
        }
    });
}

#[test]
fn the_compliant_dialect_tolerates_what_only_the_default_dialect_sends_except_on_demand() {
    runtime().block_on(async {
        for (quirk, failing) in [
            (
                Quirk::RejectCapitalisedOps,
                vec!["entra-provision-on-demand"],
            ),
            (Quirk::RejectStringBooleans, vec![]),
        ] {
            // Act
            let report = run_embedded(
                entra_plan(IdpName::EntraCompliant),
                &[quirk],
                settings(None, SnapshotMode::Normal),
            )
            .await;

            // Assert: only provision on demand, which always speaks the default dialect, sends
            // capitalised ops; none of its requests carries a boolean.
            let scenarios: std::collections::BTreeSet<String> = failed_checks(&report)
                .into_iter()
                .map(|(s, _, _)| s)
                .collect();
            assert_eq!(
                scenarios.into_iter().collect::<Vec<_>>(),
                failing,
                "{quirk}"
            );
        }
    });
}

#[test]
fn a_quarantined_job_reports_its_reason_slows_its_cycles_and_is_disabled_after_four_weeks() {
    runtime().block_on(async {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("quarantine.yaml"),
            "name: quarantine\ndescription: A month against a target whose lookups answer 404.\nidps: [entra]\nsteps:\n  - user: { key: ada, userName: \"{{run.prefix}}-ada@example.com\", givenName: Ada, familyName: Lovelace }\n  - assign: ada\n  - start_provisioning\n  - wait: 35d\n",
        )
        .unwrap();

        // Act
        let report =
            run_embedded(plan_of(dir.path()), &[Quirk::Lookup404], settings(None, SnapshotMode::Normal)).await;

        // Assert
        let run = &report.scenarios[0];
        let reasons: Vec<&String> = run
            .verdicts
            .iter()
            .filter(|v| v.check.id == "entra.job.not-quarantined")
            .flat_map(|v| match &v.outcome {
                Outcome::Failed { reasons } => reasons.iter().collect(),
                _ => Vec::new(),
            })
            .collect();
        assert!(reasons[0].contains("HTTP/404"), "{reasons:?}");
        assert!(
            reasons.last().unwrap().contains("Entra disables the provisioning job"),
            "{reasons:?}"
        );
        // A healthy job runs 1,260 cycles in 35 days; a quarantined one slows down (80 min,
        // 160, 320, 640, 1280, then a day) and retries the escrowed user at its next cycle,
        // then at the first cycle past 6 h, 12 h, 24 h, 48 h… after the first failure, until
        // it is disabled at 28 days: the lookups of the start, of the cycles at 1 h 20, 9 h 20,
        // 20 h, 41 h 20 and 65 h 20, and of the 26 daily cycles after them, the last one at
        // 689 h 20.
        let lookups = run
            .exchanges
            .iter()
            .filter(|e| e.request.path.starts_with("/Users?filter="))
            .count();
        assert_eq!(lookups, 32, "{lookups} lookups in 35 days");
    });
}

/// The mock answers Entra's lookups with an empty list and its creates with an id.
fn entra_target(line: &str) -> (u16, String) {
    if line.starts_with("GET ") {
        (
            200,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#.to_owned(),
        )
    } else {
        (201, r#"{"id":"mock-1"}"#.to_owned())
    }
}

#[test]
fn entra_initial_cycle_reaches_the_wire_byte_for_byte() {
    runtime().block_on(async {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("entra-create.yaml"),
            "name: entra-create\ndescription: Entra creates a user.\nidps: [entra]\nsteps:\n  - user: { key: ada, userName: ada@example.com, givenName: Ada, familyName: Lovelace }\n  - assign: ada\n  - start_provisioning\n",
        )
        .unwrap();
        let (url, seen) = crate::support::capturing_mock_with(entra_target).await;

        // Act
        let report = crate::support::run_remote(
            plan_of(dir.path()),
            &url,
            settings(None, SnapshotMode::Normal),
        )
        .await;

        // Assert
        assert!(report.passed(), "{:#?}", report.scenarios[0].verdicts);
        let requests = crate::support::requests_seen(&seen);
        let lookup = requests
            .iter()
            .find(|r| r.starts_with("GET /scim/v2/Users?filter"))
            .expect("the lookup");
        assert!(
            lookup.starts_with(
                "GET /scim/v2/Users?filter=userName+eq+%22ada%40example.com%22 HTTP/1.1\r\n"
            ),
            "{lookup}"
        );
        let post = requests
            .iter()
            .find(|r| r.starts_with("POST "))
            .expect("the create");
        let (head, body) = post.split_once("\r\n\r\n").unwrap();
        // The whole head, byte for byte: Entra's fields in its spelling (`ADSCIMVersion`), no
        // User-Agent and no Accept (docs/idps/entra.md §2), nothing the HTTP client adds.
        let host = url.trim_start_matches("http://").split('/').next().unwrap();
        assert_eq!(
            head,
            format!(
                "POST /scim/v2/Users HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer runner-test-token-5f2c9a\r\n\
                 Content-Type: application/scim+json; charset=utf-8\r\nADSCIMVersion: 6.0\r\nContent-Length: {}",
                body.len()
            )
        );
        assert_eq!(
            lookup.split_once("\r\n\r\n").unwrap().0.split_once("\r\n").unwrap().1,
            format!("Host: {host}\r\nAuthorization: Bearer runner-test-token-5f2c9a\r\nADSCIMVersion: 6.0")
        );
        assert_eq!(
            body,
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"ada","userName":"ada@example.com","active":true,"displayName":"Ada Lovelace","emails":[{"primary":true,"type":"work","value":"ada@example.com"}],"meta":{"resourceType":"User"},"name":{"formatted":"Ada Lovelace","familyName":"Lovelace","givenName":"Ada"},"roles":[]}"#
        );
    });
}

#[test]
fn waits_cost_nothing_on_the_virtual_clock_and_take_their_time_on_the_real_one() {
    runtime().block_on(async {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("wait.yaml"),
            "name: wait\ndescription: Time passes.\nidps: [generic]\nsteps:\n  - wait: 1s\n",
        )
        .unwrap();
        let mut real = settings(None, SnapshotMode::Normal);
        real.idp.real_clock = true;

        // Act
        let started = std::time::Instant::now();
        let virtual_run = run_embedded(
            plan_of(dir.path()),
            &[],
            settings(None, SnapshotMode::Normal),
        )
        .await;
        let virtual_took = started.elapsed();
        let started = std::time::Instant::now();
        let real_run = run_embedded(plan_of(dir.path()), &[], real).await;
        let real_took = started.elapsed();

        // Assert: a lower bound only; the real clock must really wait.
        assert!(virtual_run.passed() && real_run.passed());
        assert!(
            real_took >= std::time::Duration::from_secs(1),
            "{real_took:?}"
        );
        assert!(
            virtual_took < real_took,
            "{virtual_took:?} vs {real_took:?}"
        );
    });
}

/// The mock holds Ada as Entra created her, with her first work address: lookups find
/// nothing, the create answers an id, a read by id answers the stored user, a PATCH 204.
fn entra_target_holding_ada(line: &str) -> (u16, String) {
    if line.starts_with("GET /scim/v2/Users/mock-1 ") {
        (
            200,
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"mock-1","externalId":"ada","userName":"ada@example.com","active":true,"displayName":"Ada Lovelace","emails":[{"primary":true,"type":"work","value":"ada@example.com"}],"name":{"formatted":"Ada Lovelace","familyName":"Lovelace","givenName":"Ada"},"addresses":[{"type":"work","streetAddress":"12 St James's Square","primary":true}]}"#.to_owned(),
        )
    } else if line.starts_with("PATCH ") {
        (204, String::new())
    } else {
        entra_target(line)
    }
}

#[test]
fn an_address_change_reaches_the_wire_as_a_filtered_path_patch() {
    runtime().block_on(async {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("entra-address.yaml"),
            "name: entra-address\ndescription: Entra updates a work address.\nidps: [entra]\nsteps:\n  - user: { key: ada, userName: ada@example.com, givenName: Ada, familyName: Lovelace, address: { streetAddress: \"12 St James's Square\" } }\n  - assign: ada\n  - start_provisioning\n  - update_user: { user: ada, address: { streetAddress: 1 Dorset Street } }\n  - wait: 40m\n",
        )
        .unwrap();
        let (url, seen) = crate::support::capturing_mock_with(entra_target_holding_ada).await;

        // Act
        let report = crate::support::run_remote(
            plan_of(dir.path()),
            &url,
            settings(None, SnapshotMode::Normal),
        )
        .await;

        // Assert
        assert!(report.passed(), "{:#?}", report.scenarios[0].verdicts);
        let requests = crate::support::requests_seen(&seen);
        let patch = requests
            .iter()
            .find(|r| r.starts_with("PATCH /scim/v2/Users/mock-1 HTTP/1.1\r\n"))
            .expect("the update");
        let (head, body) = patch.split_once("\r\n\r\n").unwrap();
        assert!(
            head.to_ascii_lowercase()
                .contains("\r\ncontent-type: application/scim+json; charset=utf-8\r\n"),
            "{head}"
        );
        assert_eq!(
            body,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"addresses[type eq \"work\"].streetAddress","value":"1 Dorset Street"}]}"#
        );
    });
}

/// The gallery-validation suite's scenarios (docs/suites.md §4).
fn gallery_plan() -> Vec<Planned> {
    plan_of(&root().join("scenarios/suites"))
        .into_iter()
        .filter(|p| p.scenario.name.starts_with("entra-gallery"))
        .collect()
}

#[test]
fn the_gallery_suite_passes_and_each_interop_bug_fails_the_logic_app_test_it_breaks() {
    runtime().block_on(async {
        // Arrange
        let plan = gallery_plan();
        assert_eq!(plan.len(), 3, "scim, users and groups, each played once");

        // Act
        let clean = run_embedded(plan.clone(), &[], settings(None, SnapshotMode::Normal)).await;

        // Assert: the reference server passes every test; each quirk fails the vendor's test
        // that docs/suites.md §4 says it fails.
        assert!(clean.passed(), "{:?}", failed_checks(&clean));
        for (quirk, check) in [
            (
                Quirk::RestrictedSchema,
                "suite.entra-gallery.schema-discoverability-test",
            ),
            (
                Quirk::HideInactiveUsers,
                "suite.entra-gallery.disable-user-test",
            ),
            (
                Quirk::MembersValueNotId,
                "suite.entra-gallery.group-update-add-member-test",
            ),
            (
                Quirk::RemoveMembersValueIgnored,
                "suite.entra-gallery.group-update-remove-member-test",
            ),
            (
                Quirk::RejectAddOp,
                "suite.entra-gallery.scim-update-manager-test.set",
            ),
            (
                Quirk::IgnorePaging,
                "suite.entra-gallery.scim-user-pagination-test.page-1",
            ),
        ] {
            let report =
                run_embedded(plan.clone(), &[quirk], settings(None, SnapshotMode::Normal)).await;
            let failed = failed_checks(&report);
            assert!(
                failed.iter().any(|(_, id, _)| id == check),
                "{quirk}: {check} should fail; failed: {failed:?}"
            );
        }
    });
}
