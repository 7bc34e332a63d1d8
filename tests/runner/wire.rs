//! What goes on the wire: a pre-encoded query and a fixture body reach the server byte for byte.

use crate::support::{capturing_mock, capturing_mock_with, plan_of, run_remote, runtime, settings};
use scimulate::snapshot::SnapshotMode;

#[test]
fn query_and_fixture_body_are_sent_byte_for_byte() {
    runtime().block_on(async {
        // Arrange: odd spacing, key order and a string boolean, as an IdP might send them.
        let dir = tempfile::tempdir().unwrap();
        let body = "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],  \"userName\":\"{{run.prefix}}@x\",\"active\":\"True\" ,\"a\":1}";
        std::fs::write(dir.path().join("body.json"), body).unwrap();
        std::fs::write(
            dir.path().join("wire.yaml"),
            "name: wire\ndescription: Sends a fixture.\nsteps:\n  - request:\n      method: POST\n      path: /Users?filter=userName+eq+%22a%40b.c%22&x=%2F\n      headers: {Content-Type: application/scim+json; charset=utf-8}\n      body_file: body.json\n      expect: {status: 201}\n",
        )
        .unwrap();
        let (url, seen) = capturing_mock().await;

        // Act
        let report = run_remote(plan_of(dir.path()), &url, settings(None, SnapshotMode::Normal)).await;

        // Assert
        assert!(report.passed(), "{report:#?}");
        let requests = seen.lock().unwrap().clone();
        let post = requests
            .iter()
            .map(|r| String::from_utf8_lossy(r).to_string())
            .find(|r| r.starts_with("POST "))
            .expect("the POST arrived");
        assert!(
            post.starts_with("POST /scim/v2/Users?filter=userName+eq+%22a%40b.c%22&x=%2F HTTP/1.1\r\n"),
            "{post}"
        );
        let prefix = &report.scenarios[0].exchanges[0].request.body;
        let sent_body = post.split("\r\n\r\n").nth(1).unwrap();
        assert_eq!(sent_body.as_bytes(), prefix.as_slice());
        assert!(sent_body.contains("],  \"userName\":\"sm") && sent_body.ends_with("\"active\":\"True\" ,\"a\":1}"), "{sent_body}");
        assert!(post.to_ascii_lowercase().contains("content-type: application/scim+json; charset=utf-8\r\n"));
        // The mock's 201 registered `mock-1`, which cleanup deleted.
        assert!(requests.iter().any(|r| r.starts_with(b"DELETE /scim/v2/Users/mock-1 ")));
    });
}

#[test]
fn the_harness_s_own_requests_say_so_and_an_idp_s_carry_its_own_user_agent() {
    runtime().block_on(async {
        // Arrange: a raw request step (the harness), then Okta provisioning a user (the IdP).
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("agents.yaml"),
            "name: agents\ndescription: Both kinds of request.\nidps: [okta]\nsteps:\n  - request:\n      method: GET\n      path: /Users?count=1\n      expect: {status: 200}\n  - user: { key: ada, userName: \"{{run.prefix}}-ada@example.com\", givenName: Ada, familyName: L }\n  - assign: ada\n",
        )
        .unwrap();
        let (url, seen) = capturing_mock_with(|line| {
            if line.starts_with("GET ") {
                (200, r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#.to_owned())
            } else {
                (201, r#"{"id":"mock-1"}"#.to_owned())
            }
        })
        .await;

        // Act
        run_remote(plan_of(dir.path()), &url, settings(None, SnapshotMode::Normal)).await;

        // Assert
        let requests: Vec<String> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|r| String::from_utf8_lossy(r).to_ascii_lowercase())
            .collect();
        let harness = format!("user-agent: scimulate/{}\r\n", env!("CARGO_PKG_VERSION"));
        let by_line = |start: &str| {
            requests
                .iter()
                .find(|r| r.starts_with(start))
                .unwrap_or_else(|| panic!("no {start}: {requests:#?}"))
                .clone()
        };
        assert!(by_line("get /scim/v2/serviceproviderconfig").contains(&harness));
        assert!(by_line("get /scim/v2/users?count=1").contains(&harness));
        assert!(by_line("delete /scim/v2/users/mock-1").contains(&harness));
        let okta = by_line("post /scim/v2/users ");
        assert!(okta.contains("user-agent: okta scim client"), "{okta}");
        assert!(!okta.contains("scimulate/"), "{okta}");
    });
}

#[test]
fn a_server_that_takes_a_missing_accept_for_html_fails_entra_and_serves_okta() {
    use scimulate::runner::outcome::Outcome;
    runtime().block_on(async {
        // Arrange: Entra sends no Accept, Okta `application/scim+json` (docs/idps/entra.md §2,
        // okta.md §2); the server refuses a request without one, as Rails does with HTML.
        let root = crate::support::root();
        let entra = plan_of(&root.join("scenarios/entra/initial-cycle.yaml"));
        let okta = plan_of(&root.join("scenarios/okta/assign-creates-user.yaml"));
        let quirk = [scimulate::server::Quirk::MissingAcceptAsHtml];

        // Act
        let entra =
            crate::support::run_embedded(entra, &quirk, settings(None, SnapshotMode::Normal)).await;
        let okta =
            crate::support::run_embedded(okta, &quirk, settings(None, SnapshotMode::Normal)).await;

        // Assert
        assert!(okta.passed(), "{:#?}", okta.scenarios[0].verdicts);
        let refused = entra
            .scenarios
            .iter()
            .flat_map(|s| &s.verdicts)
            .find(|v| v.check.id == "entra.lookup.answers-list-response")
            .expect("Entra's lookup was judged");
        match &refused.outcome {
            Outcome::Failed { reasons } => {
                assert!(reasons.iter().any(|r| r.contains("406")), "{reasons:?}")
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    });
}

#[test]
fn a_step_sent_as_written_carries_its_headers_as_spelt_and_nothing_added() {
    runtime().block_on(async {
        // Arrange: Entra's head, which has no Accept and no User-Agent, as a recording keeps it.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("written.yaml"),
            "name: written\ndescription: A recorded request.\nsteps:\n  - request:\n      method: GET\n      path: /Users?filter=userName+eq+%22a%40b.c%22\n      headers: {ADSCIMVersion: '2.0', Content-Type: application/scim+json}\n      expect: {status: 201}\n      as_written: true\n  - request:\n      method: GET\n      path: /Users?count=1\n      expect: {status: 201}\n",
        )
        .unwrap();
        let (url, seen) = capturing_mock().await;

        // Act
        let report = run_remote(plan_of(dir.path()), &url, settings(None, SnapshotMode::Normal)).await;

        // Assert: the written step has its own fields only; the plain step gets the defaults.
        assert!(report.passed(), "{report:#?}");
        let requests = crate::support::requests_seen(&seen);
        let written = requests
            .iter()
            .find(|r| r.starts_with("GET /scim/v2/Users?filter="))
            .expect("the written request arrived");
        assert!(written.contains("\r\nADSCIMVersion: 2.0\r\n"), "{written}");
        let lower = written.to_ascii_lowercase();
        assert!(!lower.contains("\r\naccept:"), "{written}");
        assert!(!lower.contains("user-agent"), "{written}");
        assert!(lower.contains("\r\nauthorization: bearer "), "{written}");
        let plain = requests
            .iter()
            .find(|r| r.starts_with("GET /scim/v2/Users?count=1"))
            .expect("the plain request arrived")
            .to_ascii_lowercase();
        assert!(plain.contains("\r\naccept: application/scim+json\r\n"), "{plain}");
        assert!(plain.contains("user-agent: scimulate/"), "{plain}");
    });
}
