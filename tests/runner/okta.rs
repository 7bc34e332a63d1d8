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
                    .is_some_and(|s| s.starts_with("docs/idps/okta.md §")),
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
            "Okta reads a lookup 404 as not found (docs/idps/okta.md §3.3)"
        );
    });
}

/// The mock answers Okta's lookup with an empty list and its create with a user.
fn okta_target(line: &str) -> (u16, String) {
    if line.starts_with("GET /scim/v2/Users?filter=") {
        (
            200,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#.to_owned(),
        )
    } else {
        (
            201,
            r#"{"id":"mock-1","userName":"ada@example.com"}"#.to_owned(),
        )
    }
}

#[test]
fn okta_create_reaches_the_wire_byte_for_byte() {
    runtime().block_on(async {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("okta-create.yaml"),
            "name: okta-create\ndescription: Okta creates a user.\nidps: [okta]\nsteps:\n  - user: { key: ada, userName: ada@example.com, givenName: Ada, familyName: Lovelace }\n  - assign: ada\n",
        )
        .unwrap();
        let (url, seen) = crate::support::capturing_mock_with(okta_target).await;

        // Act
        let report = crate::support::run_remote(plan_of(dir.path()), &url, settings(None, SnapshotMode::Normal)).await;

        // Assert
        assert!(report.passed(), "{:#?}", report.scenarios[0].verdicts);
        let requests: Vec<String> = seen.lock().unwrap().iter().map(|r| String::from_utf8_lossy(r).to_string()).collect();
        let lookup = requests.iter().find(|r| r.starts_with("GET /scim/v2/Users?filter")).expect("the lookup");
        assert!(
            lookup.starts_with("GET /scim/v2/Users?filter=userName%20eq%20%22ada%40example.com%22&startIndex=1&count=100 HTTP/1.1\r\n"),
            "{lookup}"
        );
        let post = requests.iter().find(|r| r.starts_with("POST ")).expect("the create");
        let (head, body) = post.split_once("\r\n\r\n").unwrap();
        // The whole head, byte for byte: Okta's fields in the order of its dump, title-cased,
        // and nothing an HTTP client adds by itself (docs/idps/okta.md §2).
        let host = url.trim_start_matches("http://").split('/').next().unwrap();
        assert_eq!(
            head,
            format!(
                "POST /scim/v2/Users HTTP/1.1\r\nAccept: application/scim+json\r\nAccept-Charset: utf-8\r\n\
                 Content-Type: application/scim+json; charset=utf-8\r\nUser-Agent: Okta SCIM Client 1.0.0\r\n\
                 Authorization: Bearer runner-test-token-5f2c9a\r\nContent-Length: {}\r\nHost: {host}\r\n\
                 Connection: Keep-Alive\r\nAccept-Encoding: gzip,deflate",
                body.len()
            )
        );
        let (lookup_head, _) = lookup.split_once("\r\n\r\n").unwrap();
        assert_eq!(
            lookup_head.split_once("\r\n").unwrap().1,
            format!(
                "Accept: application/scim+json\r\nAccept-Charset: utf-8\r\nUser-Agent: Okta SCIM Client 1.0.0\r\n\
                 Authorization: Bearer runner-test-token-5f2c9a\r\nHost: {host}\r\n\
                 Connection: Keep-Alive\r\nAccept-Encoding: gzip,deflate"
            )
        );
        assert_eq!(
            body,
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com","name":{"givenName":"Ada","familyName":"Lovelace"},"emails":[{"primary":true,"value":"ada@example.com","type":"work"}],"displayName":"Ada Lovelace","locale":"en-US","externalId":"00u00000000000000001","groups":[],"password":"RG=R+lQm","active":true}"#
        );
    });
}

#[test]
fn an_answer_gzipped_because_okta_accepts_it_is_decoded_and_judged() {
    runtime().block_on(async {
        // Arrange: a server that compresses whatever a client accepts compressed.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("okta-gzip.yaml"),
            "name: okta-gzip\ndescription: Okta creates a user.\nidps: [okta]\nsteps:\n  - user: { key: ada, userName: ada@example.com, givenName: Ada, familyName: Lovelace }\n  - assign: ada\n",
        )
        .unwrap();
        let (url, _) = crate::support::capturing_mock_compressing(okta_target, true).await;

        // Act
        let report = crate::support::run_remote(plan_of(dir.path()), &url, settings(None, SnapshotMode::Normal)).await;

        // Assert: the create's checks read the id out of the decoded body.
        let scenario = &report.scenarios[0];
        assert!(report.passed(), "{:#?}", scenario.verdicts);
        let create = scenario
            .exchanges
            .iter()
            .find(|e| e.request.method == "POST")
            .and_then(|e| e.response.as_ref())
            .expect("the create was answered");
        assert!(
            create.headers.iter().any(|(n, v)| n == "content-encoding" && v == "gzip"),
            "{:?}",
            create.headers
        );
        assert!(create.body.starts_with(br#"{"id":"mock-1""#));
        assert!(
            scenario.verdicts.iter().any(|v| v.check.id == "okta.create.returns-201-with-id"),
            "{:#?}",
            scenario.verdicts
        );
    });
}

#[test]
fn okta_retries_a_throttled_create_where_a_plain_client_fails() {
    runtime().block_on(async {
        // Arrange: a server that answers every other request 429 (the lookup passes, the
        // create is throttled once).
        let okta = plan_of(&root().join("scenarios/okta/assign-creates-user.yaml"))
            .into_iter()
            .find(|p| p.idp == scimulate::scenario::model::IdpName::Okta)
            .unwrap();
        let plain = plan_of(&root().join("scenarios/rfc/user-lifecycle.yaml"));

        // Act
        let okta_run = run_embedded(
            vec![okta],
            &[Quirk::Throttle],
            settings(None, SnapshotMode::Normal),
        )
        .await;
        let plain_run = run_embedded(
            plain,
            &[Quirk::Throttle],
            settings(None, SnapshotMode::Normal),
        )
        .await;

        // Assert
        let run = &okta_run.scenarios[0];
        let create = run
            .verdicts
            .iter()
            .find(|v| v.check.id == "okta.create.returns-201-with-id")
            .expect("the create was judged");
        assert!(create.outcome.is_pass(), "{:?}", create.outcome);
        let posts: Vec<u16> = run
            .exchanges
            .iter()
            .filter(|e| e.request.method == "POST")
            .filter_map(|e| e.response.as_ref().map(|r| r.status))
            .collect();
        assert_eq!(posts, [429, 201], "Okta repeated the throttled POST");
        assert!(!plain_run.passed(), "a plain client does not retry");
    });
}
