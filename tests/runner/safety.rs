//! Safe against a shared tenant: the runner never touches what it did not create, cleans up
//! what it did (unless `--keep`), and secrets never reach any output.

use std::process::Command;

use scimulate::snapshot::SnapshotMode;
use serde_json::{Value, json};

use crate::support::{
    TOKEN, get_json, plan_of, reference_server, run_remote, runtime, serve, settings, walk,
};

#[test]
fn a_resource_the_run_did_not_create_is_never_modified() {
    runtime().block_on(async {
        // Arrange: a user that was there before the run.
        let server = reference_server().await;
        let existing: Value = reqwest::Client::new()
            .post(format!("{}/Users", server.base_url))
            .bearer_auth(TOKEN)
            .json(&json!({"userName": "someone-else@example.com"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = existing["id"].as_str().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("foreign.yaml"),
            format!(
                "name: foreign\ndescription: Tries to change a user it did not create.\nsteps:\n  - request:\n      method: PATCH\n      path: /Users/{id}\n      body: {{Operations: [{{op: replace, path: nickName, value: hijacked}}]}}\n      expect: {{status: 200}}\n  - request:\n      method: DELETE\n      path: /Users/{id}\n"
            ),
        )
        .unwrap();

        // Act
        let report = run_remote(plan_of(dir.path()), &server.base_url, settings(None, SnapshotMode::Normal)).await;

        // Assert
        let run = &report.scenarios[0];
        assert!(!report.passed());
        assert!(run.exchanges.is_empty(), "nothing may be sent: {:?}", run.exchanges);
        let message = format!("{:?}", run.verdicts[0].outcome);
        assert!(message.contains("did not create"), "{message}");
        let after = get_json(&format!("{}/Users/{id}", server.base_url)).await;
        assert_eq!(after["userName"], "someone-else@example.com");
        assert!(after.get("nickName").is_none());
    });
}

fn leaving_scenario(dir: &std::path::Path) {
    std::fs::write(
        dir.join("leaves.yaml"),
        "name: leaves\ndescription: Creates two users and a group and deletes none.\nsteps:\n  - request: {method: POST, path: /Users, body: {userName: \"{{run.prefix}}-a\"}, expect: {status: 201}, capture: {a: /id}}\n  - request: {method: POST, path: /Users, body: {userName: \"{{run.prefix}}-b\"}, expect: {status: 201}}\n  - request: {method: POST, path: /Groups, body: {displayName: \"{{run.prefix}}\", members: [{value: \"{{a}}\"}]}, expect: {status: 201}}\n",
    )
    .unwrap();
}

#[test]
fn what_the_run_created_is_deleted_unless_kept() {
    runtime().block_on(async {
        // Arrange
        let server = reference_server().await;
        let dir = tempfile::tempdir().unwrap();
        leaving_scenario(dir.path());

        // Act
        let cleaned = run_remote(
            plan_of(dir.path()),
            &server.base_url,
            settings(None, SnapshotMode::Normal),
        )
        .await;
        let after_clean = get_json(&format!("{}/Users", server.base_url)).await;
        let mut keep = settings(None, SnapshotMode::Normal);
        keep.keep = true;
        let kept = run_remote(plan_of(dir.path()), &server.base_url, keep).await;
        let after_keep = get_json(&format!("{}/Users", server.base_url)).await;
        let groups = get_json(&format!("{}/Groups", server.base_url)).await;

        // Assert
        assert!(cleaned.passed() && kept.passed());
        assert_eq!(after_clean["totalResults"], 0, "{after_clean}");
        let deletes: Vec<_> = cleaned.scenarios[0]
            .exchanges
            .iter()
            .filter(|e| e.step.is_none())
            .map(|e| e.request.path.clone())
            .collect();
        assert_eq!(deletes.len(), 3);
        assert!(
            deletes[0].starts_with("/Groups/"),
            "newest first: {deletes:?}"
        );
        assert_eq!(after_keep["totalResults"], 2);
        assert_eq!(groups["totalResults"], 1);
    });
}

#[test]
fn the_token_appears_in_no_output_at_any_verbosity() {
    // Arrange: a server with a known token, and a scenario that even puts it on the wire.
    let secret = "tok-never-print-me-77c1";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("leaky.yaml"),
        format!(
            "name: leaky\ndescription: Sends the token in a query, a header and a body.\nsteps:\n  - request:\n      method: POST\n      path: /Users?echo={secret}\n      headers: {{X-Echo: \"{secret}\"}}\n      body: {{userName: \"{{{{run.prefix}}}}\", nickName: \"{secret}\", password: \"pw-{secret}\"}}\n      expect: {{status: 201}}\n  - snapshot: leak\n  - request:\n      method: GET\n      path: /Users?filter=nickName%20eq%20%22{secret}%22\n      headers: {{X-Echo: \"{secret}\"}}\n      expect: {{status: 418}}\n"
        ),
    )
    .unwrap();
    let (_server, base) = serve(&[], secret);

    for verbosity in ["-v", "-vv", "-q"] {
        // Act
        let json = dir.path().join("report.json");
        let junit = dir.path().join("report.xml");
        let snapshots = dir.path().join("snaps");
        let mut command = Command::new(env!("CARGO_BIN_EXE_scimulate"));
        command
            .args([
                "run",
                dir.path().join("leaky.yaml").to_str().unwrap(),
                "--target",
                &base,
            ])
            .args([
                "--json",
                json.to_str().unwrap(),
                "--junit",
                junit.to_str().unwrap(),
            ])
            .args(["--snapshots", snapshots.to_str().unwrap()])
            .env_remove("CI")
            .env("SCIMULATE_TOKEN", secret);
        if verbosity != "-q" {
            command.arg(verbosity);
        }
        let output = command.output().unwrap();

        // Assert: it ran (and failed, since 201 is not 409), and nothing shows the token.
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut everything = String::from_utf8_lossy(&output.stdout).to_string();
        everything.push_str(&String::from_utf8_lossy(&output.stderr));
        everything.push_str(&std::fs::read_to_string(&json).unwrap());
        everything.push_str(&std::fs::read_to_string(&junit).unwrap());
        everything
            .push_str(&std::fs::read_to_string(snapshots.join("generic/leaky.snap")).unwrap());
        assert!(
            everything.contains("<redacted>"),
            "the secret-bearing values are shown redacted"
        );
        assert!(
            !everything.contains(secret),
            "the token leaked at {verbosity}"
        );
        assert!(
            !everything.contains("pw-"),
            "the password leaked at {verbosity}"
        );
    }
}

#[test]
fn application_credentials_appear_in_no_output() {
    // Arrange: a target profile with a known owner key (from the environment), against a
    // `scimulate serve` started with that key; the lock-down scenario signs a user in, so their
    // API key crosses the wire too.
    let owner_key = "owner-key-never-print-me-4e1a";
    let token = "tok-never-print-me-lockdown-9b2";
    let dir = tempfile::tempdir().unwrap();
    let profile = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/profiles/reference-server.yaml"),
    )
    .unwrap()
    .replace(
        "{ value: owner-development-key }",
        "{ env: TEST_OWNER_KEY }",
    );
    std::fs::write(dir.path().join("profile.yaml"), profile).unwrap();
    let (_server, base) = serve(&["--owner-key", owner_key], token);
    let json = dir.path().join("report.json");
    let junit = dir.path().join("report.xml");
    let snapshots = dir.path().join("snaps");
    let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/lockdown/okta-deprovisioning-revokes-access.yaml");

    // Act
    let output = Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args(["run", scenario.to_str().unwrap(), "--target", &base, "-vv"])
        .args([
            "--target-profile",
            dir.path().join("profile.yaml").to_str().unwrap(),
        ])
        .args([
            "--json",
            json.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
        ])
        .args(["--snapshots", snapshots.to_str().unwrap()])
        .env_remove("CI")
        .env("SCIMULATE_TOKEN", token)
        .env("TEST_OWNER_KEY", owner_key)
        .output()
        .unwrap();

    // Assert: it passed, the keys went over the wire redacted, and no output holds a key.
    let mut everything = String::from_utf8_lossy(&output.stdout).to_string();
    everything.push_str(&String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{everything}");
    let report = std::fs::read_to_string(&json).unwrap();
    everything.push_str(&report);
    everything.push_str(&std::fs::read_to_string(&junit).unwrap());
    for entry in walk(&snapshots) {
        everything.push_str(&std::fs::read_to_string(entry).unwrap());
    }
    assert!(!everything.contains(owner_key), "the owner key leaked");
    assert!(!everything.contains(token), "the SCIM token leaked");
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let mut api_keys = 0;
    for exchange in report["scenarios"][0]["exchanges"].as_array().unwrap() {
        for (name, value) in exchange["request_headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap(), h[1].as_str().unwrap()))
        {
            if name.eq_ignore_ascii_case("x-api-key") {
                api_keys += 1;
                assert_eq!(value, "<redacted>");
            }
        }
        if let Some(body) = exchange["response_body"].as_str()
            && let Ok(body) = serde_json::from_str::<serde_json::Value>(body)
            && let Some(key) = body.get("apiKey")
        {
            assert_eq!(key, "<redacted>", "a user's API key leaked");
        }
    }
    assert!(api_keys >= 3, "the scenario sent credentials ({api_keys})");
}
