//! The preflight: a `--target` that refuses the credential, has nothing at the base URL or is
//! not a SCIM server stops the run with exit 3 and one paragraph saying what to do, instead of
//! failing every check; a target whose `/ResourceTypes` or `/Schemas` is broken runs anyway,
//! with the problem kept as a finding.
//!
//! The runs go through the binary (exit code and printed text) against `scimulate serve` or a
//! raw-TCP responder on 127.0.0.1; the findings are read from the library's `preflight`.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use scimulate::runner::SetupError;
use scimulate::runner::preflight::{self, Discovery, REQUESTS};
use scimulate::runner::transport::{Auth, Target, Transport};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use scimulate::snapshot::SnapshotMode;

use crate::support::{
    PREFLIGHT_REQUESTS, SERVICE_PROVIDER_CONFIG, TOKEN, Tamper, capturing_mock, output_text,
    plan_of, reference_server, run_remote, runtime, serve, settings, tampering_proxy,
};

/// A token the server under test does not know.
const WRONG_TOKEN: &str = "not-this-servers-token-8d1e44";

const LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":"User","name":"User","endpoint":"/Users","schema":"urn:ietf:params:scim:schemas:core:2.0:User"}]}"#;

/// A scratch directory with one scenario that any SCIM server passes.
fn one_scenario() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("one.yaml"),
        "name: one\ndescription: One list.\nsteps:\n  - request:\n      method: GET\n      path: /Users\n      expect: {status: 200}\n",
    )
    .unwrap();
    dir
}

/// `scimulate run one.yaml --target URL` with these extra arguments, no credential from the
/// environment.
fn run(dir: &Path, target: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args(["run", "one.yaml", "--target", target, "--timeout", "10"])
        .args(extra)
        .current_dir(dir)
        .env_remove("CI")
        .env_remove("SCIMULATE_TOKEN")
        .env_remove("SCIMULATE_BASIC")
        .env_remove("SCIMULATE_AUTH_HEADER")
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .expect("the binary runs")
}

/// What every refused target's run shows: exit 3, one short paragraph, no scenario run.
fn assert_stopped_in_one_paragraph(output: &Output) -> String {
    let said = output_text(output);
    assert_eq!(output.status.code(), Some(3), "{said}");
    assert!(said.lines().count() < 15, "{said}");
    let error: Vec<&str> = said.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error.len(), 1, "one paragraph: {said}");
    assert!(error[0].ends_with("No scenario was run."), "{said}");
    said
}

/// A raw-TCP HTTP server on 127.0.0.1 that answers each request with `respond(request line)`
/// (a whole HTTP response) and closes the connection. Its origin URL.
async fn responder(respond: fn(&str) -> String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Some(raw) = crate::support::read_message(&mut socket).await else {
                    return;
                };
                let head = String::from_utf8_lossy(&raw);
                let line = head.lines().next().unwrap_or_default();
                let _ = socket.write_all(respond(line).as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

fn http(status: &str, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// The library's preflight against `base_url` with the test token.
async fn preflight_of(base_url: &str, auth: Auth) -> Result<Discovery, SetupError> {
    let transport = Transport::new(Target {
        base_url: base_url.to_owned(),
        auth,
        timeout: Duration::from_secs(10),
        tls: Default::default(),
        no_proxy: true,
    })
    .unwrap();
    preflight::preflight(&transport).await
}

#[test]
fn a_wrong_token_exits_3_naming_the_flag_without_printing_the_token() {
    // Arrange
    let (_server, url) = serve(&[], TOKEN);
    let dir = one_scenario();

    // Act
    let output = run(dir.path(), &url, &["--token", WRONG_TOKEN]);

    // Assert
    let said = assert_stopped_in_one_paragraph(&output);
    assert!(said.contains("refused the credential"), "{said}");
    assert!(said.contains("answered 401"), "{said}");
    assert!(said.contains("--token"), "{said}");
    assert!(!said.contains(WRONG_TOKEN), "{said}");
    assert!(!said.contains(TOKEN), "{said}");
}

#[test]
fn refused_basic_credentials_name_the_basic_flag_and_not_the_password() {
    runtime().block_on(async {
        // Arrange: the reference server takes bearer tokens only.
        let server = reference_server().await;
        let auth = Auth::Basic {
            user: "ada".to_owned(),
            password: "pa55-w0rd-c3a1".to_owned(),
        };

        // Act
        let refused = preflight_of(&server.base_url, auth).await;

        // Assert
        let said = refused
            .expect_err("a refused credential stops the run")
            .to_string();
        assert!(said.contains("--basic (or SCIMULATE_BASIC)"), "{said}");
        assert!(!said.contains("pa55-w0rd-c3a1"), "{said}");
        assert!(!said.contains('\n'), "{said}");
    });
}

#[test]
fn a_wrong_base_path_exits_3_asking_whether_the_base_url_is_right() {
    // Arrange
    let (_server, url) = serve(&[], TOKEN);
    let dir = one_scenario();
    let wrong = format!("{url}/nope");

    // Act
    let output = run(dir.path(), &wrong, &["--token", TOKEN]);

    // Assert
    let said = assert_stopped_in_one_paragraph(&output);
    assert!(
        said.contains(&format!("{wrong}/ServiceProviderConfig")),
        "{said}"
    );
    assert!(said.contains("answered 404"), "{said}");
    assert!(said.contains("Is the base URL right?"), "{said}");
    assert!(said.contains("such as /scim/v2"), "{said}");
    assert!(!said.contains(TOKEN), "{said}");
}

#[test]
fn an_origin_without_the_scim_path_is_told_to_try_scim_v2() {
    // Arrange: the server's origin, without its `/scim/v2`.
    let (_server, url) = serve(&[], TOKEN);
    let dir = one_scenario();
    let origin = url.strip_suffix("/scim/v2").expect("a /scim/v2 base URL");

    // Act
    let output = run(dir.path(), origin, &["--token", TOKEN]);

    // Assert
    let said = assert_stopped_in_one_paragraph(&output);
    assert!(said.contains(&format!("(try {origin}/scim/v2)")), "{said}");
}

#[test]
fn a_web_server_answering_html_is_not_a_scim_endpoint() {
    // Arrange: a plain file server, 200 `text/html` for every path.
    let url = runtime().block_on(responder(|_| {
        http(
            "200 OK",
            "text/html; charset=utf-8",
            "<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body>It works!</body></html>",
        )
    }));
    let dir = one_scenario();

    // Act
    let output = run(dir.path(), &url, &["--token", "x-token-for-a-web-server"]);

    // Assert
    let said = assert_stopped_in_one_paragraph(&output);
    assert!(said.contains("not a SCIM endpoint"), "{said}");
    assert!(said.contains("`text/html; charset=utf-8`"), "{said}");
    assert!(
        said.contains("beginning `<!DOCTYPE html>\\n<html>"),
        "{said}"
    );
    assert!(!said.contains("It works!"), "only the first bytes: {said}");
}

#[test]
fn a_web_server_answering_404_text_is_not_a_scim_endpoint() {
    // Arrange: a plain file server that has nothing anywhere.
    let url = runtime().block_on(responder(|_| {
        http("404 Not Found", "text/plain", "404 page not found\n")
    }));
    let dir = one_scenario();

    // Act
    let output = run(dir.path(), &url, &["--token", "x-token-for-a-web-server"]);

    // Assert
    let said = assert_stopped_in_one_paragraph(&output);
    assert!(said.contains("not a SCIM endpoint"), "{said}");
    assert!(said.contains("`text/plain`"), "{said}");
    assert!(said.contains("404 page not found\\n"), "{said}");
}

#[test]
fn a_failing_discovery_says_so_with_the_targets_detail() {
    runtime().block_on(async {
        // Arrange
        let url = responder(|_| {
            http(
                "503 Service Unavailable",
                "application/scim+json",
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"503","detail":"database\u001b[2J down"}"#,
            )
        })
        .await;

        // Act
        let failed = preflight_of(&url, Auth::Bearer(TOKEN.to_owned())).await;

        // Assert
        let said = failed.expect_err("a 5xx stops the run").to_string();
        assert!(said.contains("failed to answer its discovery"), "{said}");
        assert!(said.contains("answered 503"), "{said}");
        assert!(said.contains(r#""database\u{1b}[2J down""#), "{said}");
    });
}

#[test]
fn a_failing_schemas_endpoint_is_a_finding_not_a_stop() {
    runtime().block_on(async {
        // Arrange: a proper SPC and resource types; `/Schemas` fails.
        let url = responder(|line| {
            if line.starts_with("GET /ServiceProviderConfig ") {
                http("200 OK", "application/scim+json", SERVICE_PROVIDER_CONFIG)
            } else if line.starts_with("GET /ResourceTypes ") {
                http("200 OK", "application/scim+json", LIST)
            } else {
                http(
                    "500 Internal Server Error",
                    "application/scim+json",
                    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"schema cache cold"}"#,
                )
            }
        })
        .await;

        // Act
        let discovery = preflight_of(&url, Auth::Bearer(TOKEN.to_owned()))
            .await
            .expect("a broken /Schemas does not stop the run");

        // Assert
        assert_eq!(discovery.findings.len(), 1, "{:?}", discovery.findings);
        let finding = &discovery.findings[0];
        assert!(finding.starts_with("GET /Schemas answered 500"), "{finding}");
        assert!(finding.contains("schema cache cold"), "{finding}");
        assert_eq!(discovery.schemas, None);
        assert_eq!(discovery.resource_types.as_ref().map(Vec::len), Some(1));
        assert_eq!(
            discovery.service_provider_config["patch"]["supported"],
            serde_json::Value::Bool(true)
        );
        assert_eq!(discovery.exchanges.len(), REQUESTS);
    });
}

#[test]
fn a_garbage_schemas_endpoint_is_a_finding_not_a_stop() {
    runtime().block_on(async {
        // Arrange: `/Schemas` answers 200 with a page; `/ResourceTypes` with a bare array.
        let url = responder(|line| {
            if line.starts_with("GET /ServiceProviderConfig ") {
                http("200 OK", "application/scim+json", SERVICE_PROVIDER_CONFIG)
            } else if line.starts_with("GET /ResourceTypes ") {
                http("200 OK", "application/json", r#"[{"id":"User"}]"#)
            } else {
                http("200 OK", "text/html", "<html>schemas</html>")
            }
        })
        .await;

        // Act
        let discovery = preflight_of(&url, Auth::Bearer(TOKEN.to_owned()))
            .await
            .expect("a garbage /Schemas does not stop the run");

        // Assert
        let findings = discovery.findings.join("\n");
        assert_eq!(discovery.findings.len(), 2, "{findings}");
        assert!(
            findings.contains("GET /ResourceTypes answered a bare JSON array"),
            "{findings}"
        );
        assert!(
            findings.contains("GET /Schemas answered 200 with a body that is not JSON (content type `text/html`, beginning `<html>schemas</html>`)"),
            "{findings}"
        );
        assert_eq!(discovery.schemas, None);
        assert!(discovery.resource_types.is_some());
    });
}

#[test]
fn the_reference_servers_discovery_has_no_findings() {
    runtime().block_on(async {
        // Arrange
        let server = reference_server().await;

        // Act
        let discovery = preflight_of(&server.base_url, Auth::Bearer(TOKEN.to_owned()))
            .await
            .expect("the reference server passes");

        // Assert
        assert!(discovery.findings.is_empty(), "{:?}", discovery.findings);
        assert!(discovery.resource_types.is_some_and(|r| !r.is_empty()));
        assert!(discovery.schemas.is_some_and(|s| !s.is_empty()));
    });
}

#[test]
fn the_preflights_requests_carry_the_housekeeping_headers() {
    runtime().block_on(async {
        // Arrange
        let (url, seen) = capturing_mock().await;

        // Act
        let discovery = preflight_of(&url, Auth::Bearer(TOKEN.to_owned()))
            .await
            .expect("the mock's SPC passes");

        // Assert
        let requests: Vec<String> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|r| String::from_utf8_lossy(r).to_ascii_lowercase())
            .collect();
        assert_eq!(requests.len(), REQUESTS);
        for (request, path) in
            requests
                .iter()
                .zip(["/serviceproviderconfig", "/resourcetypes", "/schemas"])
        {
            assert!(
                request.starts_with(&format!("get /scim/v2{path} http/1.1\r\n")),
                "{request}"
            );
            assert!(
                request.contains("\r\naccept: application/scim+json\r\n"),
                "{request}"
            );
            assert!(
                request.contains(&format!("\r\nauthorization: bearer {TOKEN}\r\n")),
                "{request}"
            );
        }
        assert!(discovery.exchanges.iter().all(|e| e.step.is_none()));
        assert_eq!(discovery.findings.len(), 2, "the mock's lists are 404s");
    });
}

#[test]
fn a_scenarios_first_request_comes_right_after_the_preflights() {
    runtime().block_on(async {
        // Arrange: a proxy that spoils the request after the preflight's, and one that spoils
        // the preflight's last (`/Schemas`).
        let dir = one_scenario();
        let plan = plan_of(dir.path());
        let (first, _server, _proxy) =
            tampering_proxy(PREFLIGHT_REQUESTS, Tamper::ServerError).await;
        let (schemas, _server2, _proxy2) =
            tampering_proxy(PREFLIGHT_REQUESTS - 1, Tamper::ServerError).await;

        // Act
        let spoiled = run_remote(plan.clone(), &first, settings(None, SnapshotMode::Normal)).await;
        let untouched = run_remote(plan, &schemas, settings(None, SnapshotMode::Normal)).await;

        // Assert: request PREFLIGHT_REQUESTS + k is the scenario's exchange k.
        let exchange = &spoiled.scenarios[0].exchanges[0];
        assert_eq!(exchange.response.as_ref().map(|r| r.status), Some(500));
        assert!(!spoiled.passed());
        assert!(untouched.passed(), "a broken /Schemas is only a finding");
    });
}
