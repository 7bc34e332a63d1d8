//! `scimulate load`: an IdP provisioning a whole directory, streamed, against the reference
//! server; what it reports when the target is healthy, when it fails the IdP, and when a time
//! limit cuts it short.

use std::process::Command;
use std::time::{Duration, Instant};

use scimulate::idp::entra::Dialect;
use scimulate::idp::okta::OktaFlavour;
use scimulate::load::population::Population;
use scimulate::load::report::LoadReport;
use scimulate::load::{self, LoadConfig, Pace, Plan};
use scimulate::runner::TargetChoice;
use scimulate::runner::transport::{Auth, Target};
use scimulate::server::{Quirk, Quirks};
use serde_json::Value;

use crate::support::{TOKEN, get_json, reference_server, runtime};

fn population(users: u64, groups: u64) -> Population {
    Population {
        prefix: "loadtest".into(),
        email_domain: "example.com".into(),
        users,
        groups,
        managers: true,
    }
}

fn config(target: TargetChoice, plan: Plan, population: Population) -> LoadConfig {
    LoadConfig {
        target,
        plan,
        population,
        pace: Pace::Flat { concurrency: 4 },
        rate: None,
        timeout: Duration::from_secs(10),
        max_duration: Some(Duration::from_secs(60)),
        keep: true,
    }
}

fn remote(base_url: &str) -> TargetChoice {
    TargetChoice::Remote(Target {
        base_url: base_url.to_owned(),
        auth: Auth::Bearer(TOKEN.to_owned()),
        timeout: Duration::from_secs(10),
        tls: Default::default(),
        no_proxy: true,
    })
}

fn embedded(quirks: &[Quirk]) -> TargetChoice {
    TargetChoice::Embedded {
        quirks: Quirks::new(quirks.iter().copied()),
    }
}

async fn play(config: LoadConfig) -> LoadReport {
    load::run(config, &|_| {})
        .await
        .expect("the load run starts")
}

#[test]
fn an_entra_initial_cycle_provisions_every_user_group_manager_and_member() {
    runtime().block_on(async {
        // Arrange
        let server = reference_server().await;
        let config = config(
            remote(&server.base_url),
            Plan::EntraInitialCycle(Dialect::Default),
            population(40, 4),
        );

        // Act
        let report = play(config).await;

        // Assert: the report.
        assert_eq!(report.exit_code(), 0, "{report:#?}");
        assert!(report.complete);
        assert_eq!(
            (report.users_provisioned, report.groups_provisioned),
            (40, 4)
        );
        // 40 lookups + 40 creates, 4 + 4 for groups, 36 managers, 4 member PATCHes.
        assert_eq!(report.requests, 128);
        let kinds: Vec<&str> = report.latency.iter().map(|k| k.kind).collect();
        assert!(kinds.contains(&"GET /Users?filter") && kinds.contains(&"PATCH /Groups/{id}"));
        assert!(
            report
                .latency
                .iter()
                .all(|k| k.p50_ms <= k.p99_ms && k.p99_ms <= k.max_ms)
        );
        let verdict = report
            .quarantine
            .as_ref()
            .expect("an Entra run judges quarantine");
        assert!(!verdict.would_quarantine);

        // Assert: the target holds what Entra provisioned.
        let users = get_json(&format!("{}/Users?count=1", server.base_url)).await;
        assert_eq!(users["totalResults"], 40);
        let filter = "filter=userName%20eq%20%22loadtest-user-000013%40example.com%22";
        let found = get_json(&format!("{}/Users?{filter}", server.base_url)).await;
        let user = &found["Resources"][0];
        let manager_id =
            user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"]
                .as_str()
                .expect("a manager reference");
        let manager = get_json(&format!("{}/Users/{manager_id}", server.base_url)).await;
        assert_eq!(manager["userName"], "loadtest-user-000010@example.com");
        let groups = get_json(&format!("{}/Groups", server.base_url)).await;
        assert_eq!(groups["totalResults"], 4);
        for group in groups["Resources"].as_array().unwrap() {
            assert_eq!(
                group["members"].as_array().map(Vec::len),
                Some(10),
                "{group}"
            );
        }
    });
}

#[test]
fn without_keep_the_run_deletes_what_it_created_outside_the_figures() {
    runtime().block_on(async {
        // Arrange
        let server = reference_server().await;
        let mut config = config(
            remote(&server.base_url),
            Plan::EntraInitialCycle(Dialect::Compliant),
            population(12, 2),
        );
        config.keep = false;

        // Act
        let report = play(config).await;

        // Assert
        assert_eq!(report.exit_code(), 0, "{report:#?}");
        let cleanup: Vec<_> = report.phases.iter().filter(|p| p.cleanup).collect();
        assert_eq!(cleanup.len(), 2);
        assert_eq!(cleanup.iter().map(|p| p.requests).sum::<u64>(), 14);
        assert!(
            !report.latency.iter().any(|k| k.kind.starts_with("DELETE")),
            "cleanup is not the IdP's traffic"
        );
        let users = get_json(&format!("{}/Users", server.base_url)).await;
        let groups = get_json(&format!("{}/Groups", server.base_url)).await;
        assert_eq!(
            (
                users["totalResults"].as_u64(),
                groups["totalResults"].as_u64()
            ),
            (Some(0), Some(0))
        );
    });
}

#[test]
fn an_okta_assignment_provisions_users_and_pushes_groups_with_their_members() {
    runtime().block_on(async {
        // Arrange
        let server = reference_server().await;
        let config = config(
            remote(&server.base_url),
            Plan::OktaAssignment(OktaFlavour::OinTemplate),
            population(30, 3),
        );

        // Act
        let report = play(config).await;

        // Assert
        assert_eq!(report.exit_code(), 0, "{report:#?}");
        assert!(report.quarantine.is_none(), "quarantine is Entra's");
        assert_eq!(
            (report.users_provisioned, report.groups_provisioned),
            (30, 3)
        );
        let kinds: Vec<&str> = report.latency.iter().map(|k| k.kind).collect();
        assert!(kinds.contains(&"POST /Groups"), "{kinds:?}");
        let groups = get_json(&format!("{}/Groups", server.base_url)).await;
        for group in groups["Resources"].as_array().unwrap() {
            assert_eq!(
                group["members"].as_array().map(Vec::len),
                Some(10),
                "{group}"
            );
        }
    });
}

#[test]
fn a_filter_answering_404_means_entra_would_quarantine_the_job() {
    runtime().block_on(async {
        // Arrange: every lookup that matches nothing answers 404 (a compliance failure,
        // docs/idps/entra.md §10.1).
        let config = config(
            embedded(&[Quirk::Lookup404]),
            Plan::EntraInitialCycle(Dialect::Default),
            population(10, 1),
        );

        // Act
        let report = play(config).await;

        // Assert
        let verdict = report.quarantine.as_ref().unwrap();
        assert!(verdict.would_quarantine);
        assert!(
            verdict.reason.unwrap().contains("404"),
            "{:?}",
            verdict.reason
        );
        assert!(
            report
                .failed_checks
                .contains_key("entra.lookup.answers-list-response"),
            "{:?}",
            report.failed_checks.keys()
        );
        assert_eq!(report.exit_code(), 1);
    });
}

#[test]
fn answers_the_idp_cannot_use_are_counted_with_examples() {
    runtime().block_on(async {
        // Arrange: Entra's capitalised `Add` refused, so every manager and member PATCH fails.
        let config = config(
            embedded(&[Quirk::RejectCapitalisedOps]),
            Plan::EntraInitialCycle(Dialect::Default),
            population(20, 2),
        );

        // Act
        let report = play(config).await;

        // Assert
        assert_eq!(
            report.statuses.get(&400),
            Some(&20),
            "18 managers + 2 member PATCHes"
        );
        assert_eq!(report.errors(), 20);
        let failed: u64 = report.failed_checks.values().map(|f| f.count).sum();
        assert_eq!(failed, 20);
        let examples: Vec<&String> = report
            .failed_checks
            .values()
            .flat_map(|f| &f.examples)
            .collect();
        assert!(!examples.is_empty() && examples.len() <= 6, "{examples:?}");
        assert!(
            !report.quarantine.as_ref().unwrap().would_quarantine,
            "20 failures are under Entra's 5,000 floor"
        );
        assert_eq!(report.exit_code(), 1);
    });
}

#[test]
fn the_idps_pace_spaces_requests_and_a_time_limit_stops_the_run() {
    runtime().block_on(async {
        // Arrange: one object at a time at 20 requests/s, a one-second limit, 100 users.
        let mut config = config(
            embedded(&[]),
            Plan::EntraInitialCycle(Dialect::Default),
            population(100, 1),
        );
        config.pace = Pace::Idp;
        config.rate = Some(20);
        config.max_duration = Some(Duration::from_secs(1));

        // Act
        let started = Instant::now();
        let report = play(config).await;
        let took = started.elapsed();

        // Assert: about 20 requests in the second, then no new object; the run says so.
        assert!(took < Duration::from_secs(20), "the limit held: {took:?}");
        assert!(!report.complete);
        let users = &report.phases[0];
        assert!(users.done < 100 && users.done >= 5, "{users:?}");
        assert!(users.requests <= 2 * users.done, "{users:?}");
        assert!(
            report.requests <= 25,
            "paced at 20/s for one second: {}",
            report.requests
        );
        assert_eq!(report.in_flight, 1);
        assert_eq!(report.exit_code(), 1);
    });
}

#[test]
fn the_command_writes_its_report_and_never_prints_the_token() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("load.json");
    let token = "load-secret-token-8d1e";
    let server = runtime().block_on(async {
        scimulate::server::start(scimulate::server::ServerConfig::loopback(token))
            .await
            .unwrap()
    });

    // Act
    let output = Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args([
            "load",
            "--idp",
            "okta",
            "--users",
            "8",
            "--groups",
            "2",
            "--pace",
            "flat",
            "--threads",
            "1",
        ])
        .args(["--target", &server.base_url, "--json"])
        .arg(&json)
        .env("SCIMULATE_TOKEN", token)
        .output()
        .unwrap();

    // Assert
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("p99") && stdout.contains("req/s"),
        "{stdout}"
    );
    let written = std::fs::read_to_string(&json).unwrap();
    let report: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(report["format"], "scimulate-load/v1");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::support::root().join("docs/load-report.schema.json"))
            .unwrap(),
    )
    .unwrap();
    let keys: Vec<&String> = report.as_object().unwrap().keys().collect();
    let described: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys, described,
        "the report writes what its schema describes"
    );
    for required in schema["required"].as_array().unwrap() {
        assert!(
            report.get(required.as_str().unwrap()).is_some(),
            "{required}"
        );
    }
    assert_eq!(report["users_provisioned"], 8);
    for text in [&*stdout, &*stderr, &written] {
        assert!(!text.contains(token), "the token leaked");
    }
    drop(server);
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        vec!["load", "--idp", "onelogin"],
        vec!["load", "--pace", "fast"],
        vec!["load", "--concurrency", "0", "--pace", "flat"],
        vec!["load", "--prefix", "no spaces"],
        vec!["load", "--target", "ftp://x", "--token", "t"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_scimulate"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn load_ends_with_its_verdict_and_says_why_it_fails() {
    // Arrange: the same small directory against a clean and a throttling embedded server.
    let load = |quirk: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_scimulate"));
        command.args(["load", "--idp", "okta", "--users", "6", "--groups", "1"]);
        if let Some(quirk) = quirk {
            command.args(["--quirk", quirk]);
        }
        command.output().unwrap()
    };

    // Act
    let clean = load(None);
    let throttled = load(Some("throttle"));

    // Assert: the last line is the verdict; a failure names its cause; the mean is shown.
    let last = |output: &std::process::Output| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(clean.status.code(), Some(0), "{}", last(&clean));
    assert!(last(&clean).starts_with("PASS "), "{}", last(&clean));
    assert!(String::from_utf8_lossy(&clean.stdout).contains(" mean "));
    assert_eq!(throttled.status.code(), Some(1));
    assert!(
        last(&throttled).starts_with("FAIL ") && last(&throttled).contains("answered 429"),
        "{}",
        last(&throttled)
    );
}
