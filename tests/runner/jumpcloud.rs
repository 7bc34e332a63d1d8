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
                    .is_some_and(|s| s.starts_with("docs/idps/jumpcloud.md §")),
                "{quirk}: {:?}",
                failed.check.source
            );
            assert_eq!(report.exit_code(), 1, "{quirk}");
        }
    });
}

/// The mock answers JumpCloud's lookups with an empty list and its creates with an id.
fn jumpcloud_target(line: &str) -> (u16, String) {
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
fn jumpcloud_bind_reaches_the_wire_byte_for_byte() {
    runtime().block_on(async {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("jumpcloud-bind.yaml"),
            "name: jumpcloud-bind\ndescription: JumpCloud binds a group.\nidps: [jumpcloud]\nsteps:\n  - user: { key: ada, userName: ada@example.com, givenName: Ada, familyName: Lovelace }\n  - group: { key: eng, name: Engineering, members: [ada] }\n  - assign_group: eng\n",
        )
        .unwrap();
        let (url, seen) = crate::support::capturing_mock_with(jumpcloud_target).await;

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
        let lines: Vec<&str> = requests
            .iter()
            .filter_map(|r| r.split("\r\n").next())
            .filter(|l| !l.starts_with("DELETE ")) // the run's cleanup
            .collect();
        assert_eq!(
            lines[lines.len() - 4..],
            [
                "GET /scim/v2/Users?filter=userName+eq+%22ada%40example.com%22 HTTP/1.1",
                "POST /scim/v2/Users HTTP/1.1",
                "GET /scim/v2/Groups?filter=displayName+eq+%22Engineering%22 HTTP/1.1",
                "POST /scim/v2/Groups HTTP/1.1",
            ]
        );
        let user = requests
            .iter()
            .find(|r| r.starts_with("POST /scim/v2/Users"))
            .unwrap();
        assert!(
            user.ends_with(r#"{"active":true,"displayName":"Ada Lovelace","emails":[{"primary":true,"type":"work","value":"ada@example.com"}],"externalId":"000000000000000000000001","locale":"en-US","name":{"familyName":"Lovelace","givenName":"Ada"},"preferredLanguage":"en-US","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"ada@example.com"}"#),
            "{user}"
        );
        // The whole head, byte for byte: the credential and `Content-Type`, nothing else
        // (docs/idps/jumpcloud.md §9), nothing the HTTP client adds.
        let host = url.trim_start_matches("http://").split('/').next().unwrap();
        let (head, body) = user.split_once("\r\n\r\n").unwrap();
        assert_eq!(
            head,
            format!(
                "POST /scim/v2/Users HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer runner-test-token-5f2c9a\r\n\
                 Content-Type: application/scim+json\r\nContent-Length: {}",
                body.len()
            )
        );
        let group = requests.iter().find(|r| r.starts_with("POST /scim/v2/Groups")).unwrap();
        assert!(group.ends_with(r#"{"displayName":"Engineering","members":[{"value":"mock-1"}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}"#), "{group}");
    });
}
