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
            (
                Quirk::EmptyReplaceRefused,
                "okta.group.push-now-empties-group",
            ),
            (Quirk::IgnoreFilter, "okta.link-group.match-is-the-group"),
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
        let requests = crate::support::requests_seen(&seen);
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

/// The member ids of the `add` operations of a recorded group PATCH body.
fn added_members(body: &[u8]) -> Vec<String> {
    let body: serde_json::Value = serde_json::from_slice(body).expect("a JSON PATCH body");
    body["Operations"]
        .as_array()
        .expect("Operations")
        .iter()
        .filter(|operation| operation["op"] == "add")
        .flat_map(|operation| operation["value"].as_array().cloned().unwrap_or_default())
        .map(|member| member["value"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn a_group_of_150_is_pushed_in_membership_patches_of_100_and_50() {
    runtime().block_on(async {
        // Arrange
        let plan = plan_of(&root().join("scenarios/okta/push-group-batches.yaml"));

        // Act
        let report = run_embedded(plan, &[], settings(None, SnapshotMode::Normal)).await;

        // Assert
        let run = &report.scenarios[0];
        assert!(
            report.passed(),
            "{:#?}",
            run.verdicts
                .iter()
                .filter(|v| !v.outcome.is_pass())
                .collect::<Vec<_>>()
        );
        let patches: Vec<_> = run
            .exchanges
            .iter()
            .filter(|e| e.request.method == "PATCH" && e.request.path.contains("/Groups/"))
            .collect();
        // The name PATCH, then the members in two batches (docs/idps/okta.md §3.6.5).
        assert_eq!(
            patches.len(),
            3,
            "{:?}",
            patches.iter().map(|e| &e.request.path).collect::<Vec<_>>()
        );
        assert!(added_members(&patches[0].request.body).is_empty());
        let first = added_members(&patches[1].request.body);
        let second = added_members(&patches[2].request.body);
        assert_eq!((first.len(), second.len()), (100, 50));
        let mut all: Vec<String> = first.into_iter().chain(second).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 150, "every member once");
        assert!(patches.iter().all(|e| {
            e.response
                .as_ref()
                .is_some_and(|r| r.status == 200 || r.status == 204)
        }));
    });
}

#[test]
fn counted_users_are_defined_one_to_n_and_a_count_out_of_range_is_an_error() {
    runtime().block_on(async {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("counted.yaml"),
            "name: counted\ndescription: Users by count.\nidps: [okta]\nsteps:\n  - user: { key: m, count: 3, userName: \"{{run.prefix}}-m{{n}}@example.com\", givenName: M, familyName: \"N{{n}}\" }\n  - assign: m\n  - expect_user: { user: m3, expect: { status: 200, body: { name: { familyName: N3 } } } }\n  - user: { key: none, count: 0, userName: x@example.com, givenName: X, familyName: Y }\n",
        )
        .unwrap();

        // Act
        let report = run_embedded(plan_of(dir.path()), &[], settings(None, SnapshotMode::Normal)).await;

        // Assert
        let run = &report.scenarios[0];
        let posts = run.exchanges.iter().filter(|e| e.request.method == "POST" && e.request.path == "/Users").count();
        assert_eq!(posts, 3, "one create per counted user");
        let read = run.verdicts.iter().find(|v| v.step == 2).expect("the read of m3");
        assert!(read.outcome.is_pass(), "{:?}", read.outcome);
        let refused = run.verdicts.iter().find(|v| v.step == 3).expect("the zero count");
        match &refused.outcome {
            Outcome::Error { message } => assert_eq!(message, "`count` defines 1 to 1000 users, not 0"),
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn update_members_sends_one_patch_with_each_removal_then_one_add() {
    runtime().block_on(async {
        // Arrange
        let plan: Vec<_> = plan_of(&root().join("scenarios/okta/update-members.yaml"))
            .into_iter()
            .filter(|p| p.idp == scimulate::scenario::model::IdpName::Okta)
            .collect();

        // Act
        let report = run_embedded(plan, &[], settings(None, SnapshotMode::Normal)).await;

        // Assert
        let run = &report.scenarios[0];
        assert!(report.passed());
        let id_of = |who: &str| -> String {
            let created = run
                .exchanges
                .iter()
                .find(|e| e.request.method == "POST" && String::from_utf8_lossy(&e.request.body).contains(&format!("-{who}@")))
                .expect("the user's create");
            let body: serde_json::Value = serde_json::from_slice(&created.response.as_ref().unwrap().body).unwrap();
            body["id"].as_str().unwrap().to_owned()
        };
        let update = run
            .exchanges
            .iter()
            .filter(|e| e.request.method == "PATCH" && e.request.path.starts_with("/Groups/"))
            .find(|e| String::from_utf8_lossy(&e.request.body).contains("\"remove\""))
            .expect("the membership PATCH");
        let dee = run.exchanges.iter().find(|e| e.request.method == "POST" && String::from_utf8_lossy(&e.request.body).contains("-dee@")).unwrap();
        let dee_name = serde_json::from_slice::<serde_json::Value>(&dee.request.body).unwrap()["userName"].as_str().unwrap().to_owned();
        assert_eq!(
            String::from_utf8_lossy(&update.request.body),
            format!(
                r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{"op":"remove","path":"members[value eq \"{}\"]"}},{{"op":"remove","path":"members[value eq \"{}\"]"}},{{"op":"add","path":"members","value":[{{"value":"{}","display":"{dee_name}"}}]}}]}}"#,
                id_of("ada"),
                id_of("bob"),
                id_of("dee"),
            )
        );
    });
}

/// The mock creates one group, `Engineering` (`g-7`), finds it by name, and takes every change.
fn group_target(line: &str) -> (u16, String) {
    if line.starts_with("POST /scim/v2/Groups ") {
        (
            201,
            r#"{"id":"g-7","displayName":"Engineering"}"#.to_owned(),
        )
    } else if line.starts_with("GET /scim/v2/Groups?filter=") {
        (
            200,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"g-7","displayName":"Engineering"}]}"#.to_owned(),
        )
    } else if line.starts_with("PATCH ") {
        (204, String::new())
    } else {
        okta_target(line)
    }
}

#[test]
fn link_group_finds_by_display_name_then_pushes_to_the_match_on_the_wire() {
    runtime().block_on(async {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("okta-link.yaml"),
            "name: okta-link\ndescription: Okta links a group.\nidps: [okta]\nsteps:\n  - user: { key: ada, userName: ada@example.com, givenName: Ada, familyName: Lovelace }\n  - assign: ada\n  - request: { method: POST, path: /Groups, body: { displayName: Engineering }, expect: { status: 201 } }\n  - group: { key: eng, name: Engineering, members: [ada] }\n  - link_group: eng\n",
        )
        .unwrap();
        let (url, seen) = crate::support::capturing_mock_with(group_target).await;

        // Act
        let report = crate::support::run_remote(plan_of(dir.path()), &url, settings(None, SnapshotMode::Normal)).await;

        // Assert
        assert!(report.passed(), "{:#?}", report.scenarios[0].verdicts);
        let requests = crate::support::requests_seen(&seen);
        let find = requests.iter().position(|r| r.starts_with("GET /scim/v2/Groups?")).expect("the find");
        let head = &requests[find];
        assert!(
            head.starts_with("GET /scim/v2/Groups?filter=displayName%20eq%20%22Engineering%22&startIndex=1&count=100 HTTP/1.1\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nUser-Agent: Okta SCIM Client 1.0.0\r\n"), "{head}");
        assert!(!head.contains("Content-Type"), "a GET carries no Content-Type: {head}");
        let (line, body) = requests[find + 1].split_once("\r\n\r\n").unwrap();
        assert!(line.starts_with("PATCH /scim/v2/Groups/g-7 HTTP/1.1\r\n"), "{line}");
        assert_eq!(
            body,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"members","value":[{"value":"mock-1","display":"ada@example.com"}]}]}"#
        );
        let creates = requests.iter().filter(|r| r.starts_with("POST /scim/v2/Groups")).count();
        assert_eq!(creates, 1, "only the scenario's own create: Okta linked, not created");
    });
}

/// The mock provisions users (an empty lookup, a create) and takes every PATCH.
fn password_target(line: &str) -> (u16, String) {
    if line.starts_with("PATCH ") {
        (204, String::new())
    } else {
        okta_target(line)
    }
}

#[test]
fn the_synced_password_goes_on_the_wire_and_nowhere_in_the_report_or_snapshots() {
    runtime().block_on(async {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        let snapshots = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("okta-password.yaml"),
            "name: okta-password\ndescription: Okta syncs a password.\nidps: [okta]\nsteps:\n  - user: { key: ada, userName: ada@example.com, givenName: Ada, familyName: Lovelace }\n  - assign: ada\n  - set_password: ada\n  - snapshot: synced\n",
        )
        .unwrap();
        let (url, seen) = crate::support::capturing_mock_with(password_target).await;
        let password = scimulate::idp::okta::request::synced_password("00u00000000000000001", 1);

        // Act
        let report = crate::support::run_remote(
            plan_of(dir.path()),
            &url,
            settings(Some(snapshots.path().to_path_buf()), SnapshotMode::Accept),
        )
        .await;

        // Assert
        assert!(report.passed(), "{:#?}", report.scenarios[0].verdicts);
        let requests = crate::support::requests_seen(&seen);
        let patch = requests.iter().find(|r| r.starts_with("PATCH /scim/v2/Users/mock-1 ")).expect("the password PATCH");
        assert!(
            patch.ends_with(&format!(
                r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{"op":"replace","value":{{"password":"{password}"}}}}]}}"#
            )),
            "{patch}"
        );
        let json = scimulate::report::json::to_json(&report).to_string();
        let escaped = serde_json::to_string(&password).unwrap();
        for form in [password.as_str(), &escaped[1..escaped.len() - 1]] {
            assert!(!json.contains(form), "the password is in the JSON report");
        }
        let mut written = String::new();
        for file in crate::support::walk(snapshots.path()) {
            written.push_str(&std::fs::read_to_string(file).unwrap());
        }
        assert!(written.contains("\"password\": \"<redacted>\""), "{written}");
        assert!(!written.contains(&password), "the password is in a snapshot");
    });
}
