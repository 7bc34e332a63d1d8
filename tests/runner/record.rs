//! `scimulate record`: a recording proxy between an IdP and a server, and the replay of what
//! it recorded. Everything on loopback: the reference server or a mock is the upstream, the
//! runner (or a raw socket) plays the IdP.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use scimulate::record::convert::Options;
use scimulate::record::proxy::{self, ProxyConfig, RunningProxy};
use scimulate::record::tls::TlsIdentity;
use scimulate::record::{self, har, trace};
use scimulate::runner::outcome::SnapshotOutcome;
use scimulate::runner::scrub::Scrubber;
use scimulate::server::Quirk;
use scimulate::snapshot::store::SnapshotMode;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::support::{
    TOKEN, capturing_mock_with, catalogue, plan_of, reference_server, requests_seen, run_embedded,
    run_remote, runtime, settings, walk,
};

fn config(upstream: &str, dir: &Path) -> ProxyConfig {
    ProxyConfig {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        upstream: upstream.to_owned(),
        trace: dir.join(trace::TRACE_FILE),
        tls: None,
        secret_headers: Vec::new(),
        secrets: Vec::new(),
        secret_fields: Vec::new(),
        insecure_upstream: false,
        max_exchanges: None,
    }
}

fn options(base_url: &str) -> Options {
    Options {
        name: "recorded".to_owned(),
        origin: "in a test".to_owned(),
        base_url: base_url.to_owned(),
        keep_timing: true,
    }
}

/// Runs one catalogue scenario through a recording proxy in front of a fresh reference server;
/// the recording's directory, written, and the upstream's base URL.
async fn record_scenario(full_name: &str, dir: &Path) -> (record::Written, Vec<trace::TraceEntry>) {
    let server = reference_server().await;
    let proxy = proxy::start(config(&server.base_url, dir)).await.unwrap();
    let plan: Vec<_> = catalogue()
        .into_iter()
        .filter(|p| p.full_name() == full_name)
        .collect();
    assert_eq!(plan.len(), 1, "{full_name}");
    let report = run_remote(plan, &proxy.base_url, settings(None, SnapshotMode::Normal)).await;
    assert!(report.passed(), "{full_name} through the proxy: {report:?}");
    proxy.stop();
    let entries = trace::read(&dir.join(trace::TRACE_FILE)).unwrap();
    let written = record::write(dir, &entries, &options(&server.base_url), &[]).unwrap();
    (written, entries)
}

#[test]
fn every_idp_run_recorded_in_front_of_the_reference_server_replays_with_the_same_statuses_and_transcript()
 {
    runtime().block_on(async {
        // Arrange: every scenario of the okta, okta-aiw, entra, entra-compliant and jumpcloud
        // profiles, but those that also drive the application's own API (lock-down and
        // application scenarios), which does not go through a SCIM proxy.
        let names: Vec<String> = catalogue()
            .into_iter()
            .filter(|p| !p.scenario.opt_in && p.idp != scimulate::scenario::model::IdpName::Generic)
            .map(|p| p.full_name())
            .filter(|n| !n.contains("/clockify-") && !n.contains("/lockdown-"))
            .collect();
        assert!(names.len() > 80, "{}", names.len());
        let mut broken = Vec::new();
        for name in &names {
            let dir = tempfile::tempdir().unwrap();
            let (written, entries) = record_scenario(name, dir.path()).await;

            // Act: the replay against a fresh reference server, judged on its snapshot.
            let report = run_embedded(
                plan_of(&written.scenario),
                &[],
                settings(
                    Some(dir.path().join(record::SNAPSHOTS_DIR)),
                    SnapshotMode::Normal,
                ),
            )
            .await;

            // Assert: a passing verdict per exchange, and the transcript matched.
            let run = &report.scenarios[0];
            let all_passed = run.verdicts.iter().all(|v| v.outcome.is_pass());
            let matched = matches!(run.snapshot, SnapshotOutcome::Matched { .. });
            if !all_passed || !matched || run.verdicts.len() != entries.len() {
                broken.push(format!("{name}: {:?}\n{:?}", run.verdicts, run.snapshot));
            }
            // Okta names itself; Entra's default dialect shows itself. JumpCloud's headers are
            // undocumented and the profile invents none, so its traffic names no IdP (nor does
            // Entra's compliant dialect, which sends what any plain client sends).
            let told = match name.as_str() {
                "okta/okta-deactivate-reactivate" => Some("- IdP: okta"),
                "entra/entra-group-membership" => Some("- IdP: entra"),
                "entra-compliant/entra-group-membership"
                | "jumpcloud/jumpcloud-update-user-patch" => Some("- IdP: unknown"),
                _ => None,
            };
            let summary = std::fs::read_to_string(&written.summary).unwrap();
            if told.is_some_and(|told| !summary.contains(told)) {
                broken.push(format!("{name}: {summary}"));
            }
        }
        assert!(
            broken.is_empty(),
            "{} of {}: {broken:#?}",
            broken.len(),
            names.len()
        );
    });
}

#[test]
fn a_replay_against_a_server_with_a_quirk_shows_the_drift_as_a_diff() {
    runtime().block_on(async {
        // Arrange: Okta deactivates with a path-less PATCH.
        let dir = tempfile::tempdir().unwrap();
        let (written, _) = record_scenario("okta/okta-deactivate-reactivate", dir.path()).await;

        // Act
        let report = run_embedded(
            plan_of(&written.scenario),
            &[Quirk::RejectPathlessPatch],
            settings(
                Some(dir.path().join(record::SNAPSHOTS_DIR)),
                SnapshotMode::Normal,
            ),
        )
        .await;

        // Assert: the status check of the refused exchange fails, and the diff shows it.
        let run = &report.scenarios[0];
        let failed: Vec<&str> = run
            .verdicts
            .iter()
            .filter(|v| v.outcome.is_failure())
            .map(|v| v.check.id.as_str())
            .collect();
        assert!(!failed.is_empty());
        assert!(
            failed
                .iter()
                .all(|id| id.starts_with("recorded.recorded.exchange-"))
        );
        let SnapshotOutcome::Drifted { diff, .. } = &run.snapshot else {
            panic!("{:?}", run.snapshot);
        };
        assert!(diff.contains("+--> 400"), "{diff}");
    });
}

#[test]
fn the_proxy_forwards_what_it_receives_and_returns_what_the_upstream_answers() {
    runtime().block_on(async {
        // Arrange: a raw IdP request with its own header order and case, and a capturing mock.
        let (upstream, seen) =
            capturing_mock_with(|_| (201, r#"{"id":"u-1","userName":"ada"}"#.to_owned())).await;
        let dir = tempfile::tempdir().unwrap();
        let proxy = proxy::start(config(&upstream, dir.path())).await.unwrap();
        let body = r#"{"userName":"ada","name":{"givenName":"Ada"}}"#;
        let request = format!(
            "POST {}/Users?x=%22a%20b%22 HTTP/1.1\r\nHost: idp.example\r\nAccept: application/scim+json\r\nADSCIMVersion: 2.0\r\nContent-Type: application/scim+json; charset=utf-8\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: {}\r\n\r\n{body}",
            base_path(&upstream),
            body.len()
        );

        // Act
        let answer = raw_exchange(proxy.addr, request.as_bytes()).await;

        // Assert: the upstream got the same request line, fields (Host renamed), and body.
        let received = requests_seen(&seen).pop().unwrap();
        let expected = request.replace(
            "Host: idp.example",
            &format!("host: {}", upstream_authority(&upstream)),
        );
        assert_eq!(
            received.to_ascii_lowercase(),
            expected.to_ascii_lowercase(),
            "{received}"
        );
        assert!(received.contains("ADSCIMVersion: 2.0"), "{received}");
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
        assert!(
            answer
                .to_ascii_lowercase()
                .contains("\r\ncontent-type: application/scim+json\r\n"),
            "{answer}"
        );
        assert!(answer.ends_with(r#"{"id":"u-1","userName":"ada"}"#), "{answer}");
        let entries = trace::read(&dir.path().join(trace::TRACE_FILE)).unwrap();
        assert_eq!(entries[0].path, "/Users?x=%22a%20b%22");
        assert_eq!(entries[0].request_body.bytes(), body.as_bytes());
        assert_eq!(entries[0].request_header("authorization"), Some("<redacted>"));
        drop(proxy);
    });
}

#[test]
fn an_upstream_that_fails_gives_the_idp_a_502_scim_error_once_and_never_a_retry() {
    runtime().block_on(async {
        // Arrange: an upstream that accepts and hangs up at once, counting connections.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream = format!("http://{}/scim/v2", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let proxy = proxy::start(config(&upstream, dir.path())).await.unwrap();

        // Act
        let answer = raw_exchange(
            proxy.addr,
            b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;

        // Assert
        assert!(answer.starts_with("HTTP/1.1 502"), "{answer}");
        assert!(
            answer.contains(r#""schemas":["urn:ietf:params:scim:api:messages:2.0:Error"]"#),
            "{answer}"
        );
        assert!(answer.contains(r#""status":"502""#), "{answer}");
        assert_eq!(connections.load(Ordering::SeqCst), 1);
        let entries = trace::read(&dir.path().join(trace::TRACE_FILE)).unwrap();
        assert_eq!(entries[0].status, None);
        assert!(entries[0].error.is_some());
        drop(proxy);
    });
}

#[test]
fn no_secret_reaches_the_disk_in_any_encoding_even_when_the_upstream_echoes_it() {
    runtime().block_on(async {
        // Arrange: an upstream that echoes every request (head and body) in its answer, and
        // requests that carry a token, an API key and passwords.
        let upstream = echo_upstream().await;
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(&upstream, dir.path());
        config.secret_headers = vec!["X-Api-Key".to_owned()];
        let proxy = proxy::start(config).await.unwrap();
        let token = "tok-SECRET-rec/9+Zq";
        let api_key = "key-SECRET-rec/7Wx";
        let passwords = ["pw-SECRET-rec-create/+1", "pw-SECRET-rec-patch-2"];
        let base = base_path(&upstream);
        let requests = [
            format!(
                "POST {base}/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nX-Api-Key: {api_key}\r\nContent-Type: application/scim+json\r\nContent-Length: LEN\r\n\r\n{}",
                serde_json::json!({"userName": "ada", "password": passwords[0]})
            ),
            format!(
                "PATCH {base}/Users/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/scim+json\r\nContent-Length: LEN\r\n\r\n{}",
                serde_json::json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "password", "value": passwords[1]}]})
            ),
        ];

        // Act
        for request in &requests {
            let (head, body) = request.split_once("\r\n\r\n").unwrap();
            let request = format!(
                "{}\r\n\r\n{body}",
                head.replace("LEN", &body.len().to_string())
            );
            raw_exchange(proxy.addr, request.as_bytes()).await;
        }
        proxy.stop();
        let entries = trace::read(&dir.path().join(trace::TRACE_FILE)).unwrap();
        let tally = proxy.tally();
        record::write(
            dir.path(),
            &entries,
            &options(&upstream),
            &tally.scrubbed.iter().cloned().collect::<Vec<_>>(),
        )
        .unwrap();

        // Assert: every byte of every file written, for every secret in every encoding.
        let files = walk(dir.path());
        assert!(files.len() >= 4, "{files:?}");
        for file in &files {
            let bytes = std::fs::read(file).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for secret in [token, api_key, passwords[0], passwords[1]] {
                for (form, needle) in crate::secrets::needles(secret) {
                    assert!(
                        !text.contains(&needle),
                        "{}{form} found in {}",
                        secret,
                        file.display()
                    );
                }
            }
        }
        let summary = std::fs::read_to_string(dir.path().join(record::SUMMARY_FILE)).unwrap();
        assert!(summary.contains("the credential header authorization"), "{summary}");
        assert!(summary.contains("the credential header x-api-key"), "{summary}");
        assert!(summary.contains("a password or secret in a request body"), "{summary}");
    });
}

#[test]
fn the_proxy_serves_https_with_a_self_signed_certificate() {
    runtime().block_on(async {
        // Arrange
        let server = reference_server().await;
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(&server.base_url, dir.path());
        config.tls = Some(TlsIdentity::self_signed(&["127.0.0.1".to_owned()]).unwrap());
        let proxy: RunningProxy = proxy::start(config).await.unwrap();
        let client = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .no_proxy()
            .build()
            .unwrap();

        // Act
        let answer = client
            .get(format!("{}/ServiceProviderConfig", proxy.base_url))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();

        // Assert
        assert!(proxy.base_url.starts_with("https://127.0.0.1:"));
        assert_eq!(answer.status(), 200);
        let entries = trace::read(&dir.path().join(trace::TRACE_FILE)).unwrap();
        assert_eq!(entries[0].path, "/ServiceProviderConfig");
        assert_eq!(entries[0].status, Some(200));
    });
}

#[test]
fn a_har_of_a_recorded_run_converts_to_the_same_replay() {
    runtime().block_on(async {
        // Arrange: a recorded Okta run, written out as a HAR.
        let dir = tempfile::tempdir().unwrap();
        let (written, entries) = record_scenario("okta/okta-deactivate-reactivate", dir.path()).await;
        let base = "https://app.example.com/scim/v2";
        let har_entries: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                let headers = |list: &[(String, String)]| -> Vec<serde_json::Value> {
                    list.iter()
                        .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
                        .collect()
                };
                serde_json::json!({
                    "startedDateTime": "2026-12-01T10:00:00.000Z",
                    "time": e.elapsed_ms,
                    "request": {"method": e.method, "url": format!("{base}{}", e.path),
                                "headers": headers(&e.request_headers),
                                "postData": {"text": String::from_utf8_lossy(&e.request_body.bytes())}},
                    "response": {"status": e.status, "headers": headers(&e.response_headers),
                                 "content": {"text": String::from_utf8_lossy(&e.response_body.bytes())}}
                })
            })
            .collect();
        let har = serde_json::json!({"log": {"version": "1.2", "entries": har_entries}});

        // Act
        let imported = har::import(&har.to_string(), &Scrubber::default()).unwrap();
        let from_har = scimulate::record::convert::convert(&imported.entries, &options(base));

        // Assert: the same steps as the live recording's scenario.
        let live = scimulate::scenario::load::load_file(&written.scenario).unwrap();
        assert_eq!(imported.base_url, base);
        assert_eq!(from_har.scenario.steps, live.steps);
    });
}

/// The path of a base URL (`/scim/v2`).
fn base_path(base_url: &str) -> String {
    let rest = base_url.split_once("://").unwrap().1;
    rest.find('/')
        .map(|i| rest[i..].to_owned())
        .unwrap_or_default()
}

fn upstream_authority(base_url: &str) -> String {
    let rest = base_url.split_once("://").unwrap().1;
    rest.split('/').next().unwrap().to_owned()
}

/// Sends raw bytes, reads the whole answer.
async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket.write_all(request).await.unwrap();
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        crate::support::read_message(&mut socket),
    )
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    String::from_utf8_lossy(&answer).into_owned()
}

/// A `scimulate` child started, the URL it prints on its first line, and the rest of its
/// stdout (kept open until the test drops it).
fn started_printing_its_url(
    mut command: std::process::Command,
) -> (
    crate::support::KillOnDrop,
    std::io::BufReader<std::process::ChildStdout>,
    String,
) {
    let mut child = crate::support::KillOnDrop(
        command
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut stdout = std::io::BufReader::new(child.0.stdout.take().unwrap());
    let mut url = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut url).unwrap();
    (child, stdout, url.trim().to_owned())
}

/// How a child that stops by itself ended; a test failure if it has not within 20 s.
fn exit_within_20_s(child: &mut std::process::Child) -> std::process::ExitStatus {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(started.elapsed().as_secs() < 20, "the child did not stop");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// An upstream that answers every request with the request itself, head and body, in its JSON
/// body (also with `/` escaped as `\/`) and each request header again as an answer header.
async fn echo_upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Some(raw) = crate::support::read_message(&mut socket).await else {
                    return;
                };
                let text = String::from_utf8_lossy(&raw).into_owned();
                let head = text.split("\r\n\r\n").next().unwrap_or_default().to_owned();
                let body = serde_json::json!({"echo": text, "escaped": text.replace('/', "\\/")})
                    .to_string();
                let mut answer =
                    String::from("HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\n");
                for line in head.lines().skip(1) {
                    if let Some((name, value)) = line.split_once(':')
                        && !name.eq_ignore_ascii_case("content-length")
                        && !name.eq_ignore_ascii_case("host")
                    {
                        answer.push_str(&format!("x-echo-{}: {}\r\n", name.trim(), value.trim()));
                    }
                }
                answer.push_str(&format!(
                    "content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                ));
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/scim/v2")
}

#[test]
fn the_record_command_stops_after_max_exchanges_and_writes_the_replay() {
    // Arrange: a served reference server, and `scimulate record` in front of it.
    let (_server, upstream) = crate::support::serve(&[], TOKEN);
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_scimulate"));
    command
        .args(["record", "--listen", "127.0.0.1:0", "--max-exchanges", "2"])
        .args(["--upstream", &upstream, "--name", "two-reads", "--out"])
        .arg(dir.path());
    let (mut child, stdout, proxy_url) = started_printing_its_url(command);

    // Act: two reads through it, then it ends by itself.
    runtime().block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        for path in ["/ServiceProviderConfig", "/Users?count=1"] {
            let answer = client
                .get(format!("{proxy_url}{path}"))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 200);
        }
    });
    drop(stdout);
    let status = exit_within_20_s(&mut child.0);

    // Assert
    assert!(status.success(), "{status:?}");
    assert!(proxy_url.starts_with("http://127.0.0.1:") && proxy_url.ends_with("/scim/v2"));
    let scenario = scimulate::scenario::load::load_file(&dir.path().join(record::SCENARIO_FILE))
        .expect("the replay scenario loads");
    assert_eq!(scenario.name, "two-reads");
    assert!(dir.path().join("snapshots/generic/two-reads.snap").exists());
    let summary = std::fs::read_to_string(dir.path().join(record::SUMMARY_FILE)).unwrap();
    assert!(summary.contains("- exchanges: 2"), "{summary}");
}

#[test]
fn a_scenario_name_that_is_not_plain_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args([
            "record",
            "--upstream",
            "http://127.0.0.1:9/scim/v2",
            "--name",
            "Bad Name",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--name"));
}

#[test]
fn serve_record_records_in_front_of_the_reference_server_until_interrupted() {
    // Arrange: `scimulate serve --record DIR`, the base URL on its first line.
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_scimulate"));
    command
        .args(["serve", "--bind", "127.0.0.1:0", "--record"])
        .arg(dir.path())
        .env("SCIMULATE_TOKEN", TOKEN);
    let (mut child, stdout, base_url) = started_printing_its_url(command);

    // Act: one create through it, then Ctrl-C.
    runtime().block_on(async {
        let answer = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .post(format!("{base_url}/Users"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/scim+json")
            .body(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada@example.com"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 201);
    });
    drop(stdout);
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = exit_within_20_s(&mut child.0);

    // Assert: the recording is written, and the token is nowhere in it.
    assert!(status.success(), "{status:?}");
    let scenario = scimulate::scenario::load::load_file(&dir.path().join(record::SCENARIO_FILE))
        .expect("the replay scenario loads");
    assert_eq!(
        scenario.steps.len(),
        2,
        "one exchange and the snapshot step"
    );
    for file in walk(dir.path()) {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains(TOKEN), "{}", file.display());
    }
}

#[test]
fn a_body_over_the_limit_is_refused_with_413_and_recorded_without_it() {
    runtime().block_on(async {
        // Arrange
        let server = reference_server().await;
        let dir = tempfile::tempdir().unwrap();
        let proxy = proxy::start(config(&server.base_url, dir.path())).await.unwrap();
        let body = "x".repeat(scimulate::server::MAX_BODY_BYTES + 1);
        let request = format!(
            "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );

        // Act
        let answer = raw_exchange(proxy.addr, request.as_bytes()).await;

        // Assert
        assert!(answer.starts_with("HTTP/1.1 413"), "{}", &answer[..answer.len().min(200)]);
        assert!(answer.contains(r#""status":"413""#));
        let entries = trace::read(&dir.path().join(trace::TRACE_FILE)).unwrap();
        assert_eq!(entries[0].status, Some(413));
        assert_eq!(entries[0].request_body, trace::Payload::Empty);
    });
}
