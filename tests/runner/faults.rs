//! A target's faults fail the step with a message that says what happened, and the run goes on:
//! a hang or a trickling body is cut by the per-request timeout; a reset, a close without an
//! answer, a refused connection, an answer that is not HTTP or a truncated body is an error; a
//! 5xx or a redirect fails the status check; a body that is not JSON or not SCIM's content type
//! fails the body and header checks; a body over the limit is refused unread when its
//! `Content-Length` says so and cut at the limit when it streams. Nothing panics or hangs.
//!
//! Each test runs two scenarios against a raw-TCP target that answers the runner's preflight
//! (its three discovery requests) properly, misbehaves on `GET /Users` (the first scenario) and
//! answers `GET /Groups` (the second) properly, one scenario at a time, so the second shows the
//! run went on.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use scimulate::runner::outcome::{Outcome, RunReport, ScenarioRun};
use scimulate::runner::select::Planned;
use scimulate::runner::transport::{Auth, MAX_RESPONSE_BYTES, Outgoing, Target, Transport};
use scimulate::runner::{self, RunConfig, TargetChoice};
use scimulate::snapshot::SnapshotMode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{PREFLIGHT_REQUESTS, SERVICE_PROVIDER_CONFIG, plan_of, runtime, settings};

/// The per-request timeout of every run here.
const TIMEOUT: Duration = Duration::from_millis(500);

/// A generous bound on a whole run: a few timeouts, never the fault's own duration.
const HUNG: Duration = Duration::from_secs(10);

/// What the faulty target does when asked for `/Users`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Reads the request and answers nothing for 30 s.
    Hang,
    /// Resets the connection (RST) without answering.
    Reset,
    /// Closes the connection (FIN) without answering.
    Close,
    /// After the preflight the target stops listening: every later connection is refused.
    Refused,
    /// Answers bytes that are not HTTP.
    Garbage,
    /// 500 with a SCIM error body.
    ServerError,
    /// 503 with `Retry-After: 120`.
    Unavailable,
    /// Promises 1000 bytes, sends 20, closes.
    Truncated,
    /// 200, `application/scim+json`, a body that is not JSON.
    InvalidJson,
    /// 200, `text/html`, an HTML page.
    Html,
    /// 200, a 10 MiB body with its `Content-Length`.
    TenMebibytes,
    /// 200, a 200 MiB body without `Content-Length` (delimited by the close), sent as fast as
    /// the harness reads it.
    Endless,
    /// Headers at once, then one body byte every 100 ms.
    Trickle,
    /// 302 to itself.
    RedirectLoop,
}

/// A faulty target: its base URL, and how many body bytes it managed to send.
struct Faulty {
    base_url: String,
    sent: Arc<AtomicUsize>,
}

const LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#;

fn answer(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\n{headers}content-length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Starts a target that answers the preflight and `/Groups` properly and `/Users` with `fault`.
async fn faulty(fault: Fault) -> Faulty {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent: Arc<AtomicUsize> = Arc::default();
    let counter = sent.clone();
    tokio::spawn(async move {
        if fault == Fault::Refused {
            // Answer each of the preflight's requests on a connection of its own, close it, and
            // stop listening.
            for _ in 0..PREFLIGHT_REQUESTS {
                if let Ok((socket, _)) = listener.accept().await {
                    serve(socket, fault, counter.clone(), true).await;
                }
            }
            drop(listener);
            return;
        }
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket, fault, counter.clone(), false));
        }
    });
    Faulty {
        base_url: format!("http://{addr}/scim/v2"),
        sent,
    }
}

/// Serves one connection's requests; `once`: answer one request with `connection: close`.
async fn serve(mut socket: TcpStream, fault: Fault, sent: Arc<AtomicUsize>, once: bool) {
    let mut buffer = vec![0u8; 65536];
    loop {
        let Ok(read) = socket.read(&mut buffer).await else {
            return;
        };
        if read == 0 {
            return;
        }
        let head = String::from_utf8_lossy(&buffer[..read]).to_string();
        let close = if once { "connection: close\r\n" } else { "" };
        let healthy = if head.starts_with("GET /scim/v2/ServiceProviderConfig ") {
            Some(SERVICE_PROVIDER_CONFIG)
        } else if ["/ResourceTypes ", "/Schemas ", "/Groups"]
            .iter()
            .any(|path| head.starts_with(&format!("GET /scim/v2{path}")))
        {
            Some(LIST)
        } else {
            None
        };
        if let Some(body) = healthy {
            let headers = format!("content-type: application/scim+json\r\n{close}");
            let reply = answer("200 OK", &headers, body);
            if socket.write_all(reply.as_bytes()).await.is_err() || once {
                return;
            }
            continue;
        }
        // A complete HTTP answer (a 5xx, a redirect, a bad body) keeps the connection open, as
        // a real server's would: closing it after a keep-alive answer would make the next
        // request on the pooled connection race the close and fail for a reason not under test.
        if !misbehave(&mut socket, fault, &sent).await {
            return;
        }
    }
}

/// Misbehaves on one request; whether the connection is still usable after it.
async fn misbehave(socket: &mut TcpStream, fault: Fault, sent: &AtomicUsize) -> bool {
    let scim = "content-type: application/scim+json\r\n";
    let reply = match fault {
        Fault::Hang => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            return false;
        }
        Fault::Reset => {
            let _ = socket.set_zero_linger();
            return false;
        }
        Fault::Close => return false,
        // The listener is gone; a connection accepted before cannot ask for /Users.
        Fault::Refused => return false,
        Fault::Garbage => {
            let _ = socket.write_all(b"this is not HTTP at all\r\n\r\n").await;
            return false;
        }
        Fault::ServerError => answer(
            "500 Internal Server Error",
            scim,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"database unavailable"}"#,
        ),
        Fault::Unavailable => answer(
            "503 Service Unavailable",
            &format!("{scim}retry-after: 120\r\n"),
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"503","detail":"maintenance"}"#,
        ),
        Fault::Truncated => {
            let reply = format!(
                "HTTP/1.1 200 OK\r\n{scim}content-length: 1000\r\n\r\n{}",
                &LIST[..20]
            );
            let _ = socket.write_all(reply.as_bytes()).await;
            return false;
        }
        Fault::InvalidJson => answer("200 OK", scim, r#"{"Resources": [ {"id": "1",, }"#),
        Fault::Html => answer(
            "200 OK",
            "content-type: text/html; charset=utf-8\r\n",
            "<!DOCTYPE html><html><body><h1>Please sign in</h1></body></html>",
        ),
        Fault::TenMebibytes => {
            stream_body(socket, scim, Some(10 * 1024 * 1024), sent).await;
            return false;
        }
        Fault::Endless => {
            stream_body(socket, scim, None, sent).await;
            return false;
        }
        Fault::Trickle => {
            let head = format!("HTTP/1.1 200 OK\r\n{scim}content-length: 1000\r\n\r\n");
            if socket.write_all(head.as_bytes()).await.is_err() {
                return false;
            }
            for _ in 0..1000 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if socket.write_all(b" ").await.is_err() {
                    return false;
                }
                sent.fetch_add(1, Ordering::SeqCst);
            }
            return false;
        }
        Fault::RedirectLoop => answer("302 Found", "location: /scim/v2/Users\r\n", ""),
    };
    socket.write_all(reply.as_bytes()).await.is_ok()
}

/// A 200 whose body is `length` spaces (or 200 MiB delimited by the close), counting what
/// the harness accepted.
async fn stream_body(
    socket: &mut TcpStream,
    headers: &str,
    length: Option<usize>,
    sent: &AtomicUsize,
) {
    let (framing, size) = match length {
        Some(size) => (format!("content-length: {size}\r\n"), size),
        None => ("connection: close\r\n".to_owned(), 200 * 1024 * 1024),
    };
    let head = format!("HTTP/1.1 200 OK\r\n{headers}{framing}\r\n");
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..(size / chunk.len()) {
        if socket.write_all(&chunk).await.is_err() {
            return;
        }
        sent.fetch_add(chunk.len(), Ordering::SeqCst);
    }
}

/// Two scenarios, each one GET expecting a SCIM list: `first` asks the faulty `/Users`,
/// `second` the healthy `/Groups`.
fn two_scenarios(dir: &std::path::Path) {
    for (name, path) in [("first", "/Users"), ("second", "/Groups")] {
        std::fs::write(
            dir.join(format!("{name}.yaml")),
            format!(
                "name: {name}\n\
                 description: One GET.\n\
                 steps:\n  \
                 - request:\n      \
                     method: GET\n      \
                     path: {path}\n      \
                     expect:\n        \
                       status: 200\n        \
                       headers: {{content-type: \"application/scim+json*\"}}\n        \
                       json: [{{pointer: /Resources, exists: true}}]\n"
            ),
        )
        .unwrap();
    }
}

/// A run's inputs: both scenarios, one at a time, against a target with `fault`.
struct Arranged {
    plan: Vec<Planned>,
    config: RunConfig,
    target: Faulty,
    _dir: tempfile::TempDir,
}

async fn arrange(fault: Fault) -> Arranged {
    let dir = tempfile::tempdir().unwrap();
    two_scenarios(dir.path());
    let target = faulty(fault).await;
    let config = RunConfig {
        target: TargetChoice::Remote(Target {
            base_url: target.base_url.clone(),
            auth: Auth::None,
            timeout: TIMEOUT,
            tls: Default::default(),
            no_proxy: false,
        }),
        settings: settings(None, SnapshotMode::Normal),
        jobs: 1,
        timeout: TIMEOUT,
    };
    Arranged {
        plan: plan_of(dir.path()),
        config,
        target,
        _dir: dir,
    }
}

/// Runs the plan; the report and how long the run took.
async fn act(plan: Vec<Planned>, config: RunConfig) -> (RunReport, Duration) {
    let started = Instant::now();
    let report = runner::run(plan, config, &|_| {})
        .await
        .expect("the preflight passes");
    (report, started.elapsed())
}

fn scenario<'r>(report: &'r RunReport, name: &str) -> &'r ScenarioRun {
    report
        .scenarios
        .iter()
        .find(|s| s.scenario == name)
        .unwrap_or_else(|| panic!("{name} did not run"))
}

/// The first scenario's step verdict, as text: an error's message or a failure's reasons.
fn first_step_says(report: &RunReport) -> String {
    let verdict = &scenario(report, "first").verdicts[0];
    match &verdict.outcome {
        Outcome::Error { message } => message.clone(),
        Outcome::Failed { reasons } => reasons.join("; "),
        other => panic!("expected the faulty step to fail, got {other:?}"),
    }
}

/// What every fault's run shows: it did not hang, the second scenario ran (and passed when
/// the target still listens), and the run failed with exit code 1.
fn assert_the_run_went_on(report: &RunReport, took: Duration, target_still_listens: bool) {
    assert!(took < HUNG, "the run hung for {took:?}");
    assert_eq!(report.scenarios.len(), 2, "both scenarios ran");
    let second = scenario(report, "second");
    assert!(
        !second.verdicts.is_empty(),
        "the second scenario ran no step"
    );
    if target_still_listens {
        assert_eq!(second.verdicts[0].outcome, Outcome::Passed, "{second:?}");
    }
    assert_eq!(report.exit_code(), 1);
}

fn assert_says(said: &str, words: &[&str]) {
    for word in words {
        assert!(said.contains(word), "{word:?} not in {said:?}");
    }
}

#[test]
fn a_response_slower_than_the_timeout_is_cut_by_it() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::Hang).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(&said, &["timed out after 500 ms"]);
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn a_connection_reset_is_an_error_that_says_so() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::Reset).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(&said, &["the target reset the connection"]);
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn a_connection_closed_without_an_answer_is_an_error_that_says_so() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::Close).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(
            &said,
            &["the target closed the connection without answering"],
        );
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn a_refused_connection_is_an_error_that_says_so() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::Refused).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(&said, &["could not connect: connection refused"]);
        assert_the_run_went_on(&report, took, false);
    });
}

#[test]
fn an_answer_that_is_not_http_is_an_error() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::Garbage).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(&said, &["the target's answer is not valid HTTP"]);
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn a_500_fails_the_status_and_quotes_the_targets_detail() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::ServerError).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(
            &said,
            &["status: expected 200, got 500", "database unavailable"],
        );
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn a_503_fails_the_status_and_says_when_to_retry() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::Unavailable).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(
            &said,
            &["status: expected 200, got 503", "Retry-After: 120"],
        );
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn a_truncated_body_is_an_error_that_says_how_much_came() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::Truncated).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(&said, &["cut short", "20 of the 1000 bytes"]);
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn invalid_json_under_the_scim_content_type_fails_the_body_expectations() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::InvalidJson).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(
            &said,
            &[
                "not JSON",
                "key must be a string",
                "it begins `{\"Resources\"",
            ],
        );
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn an_html_page_fails_the_content_type_and_the_body_expectations() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::Html).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(
            &said,
            &["`text/html; charset=utf-8`", "not JSON", "Please sign in"],
        );
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn a_ten_mebibyte_body_is_refused_at_the_limit() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::TenMebibytes).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        let limit = format!("exceeds {MAX_RESPONSE_BYTES} bytes");
        assert_says(
            &said,
            &[&limit, "Content-Length 10485760", "it was not read"],
        );
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn an_endless_body_is_cut_at_the_limit_without_reading_the_rest() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::Endless).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        let sent = arranged.target.sent.load(Ordering::SeqCst);
        let limit = format!("exceeds {MAX_RESPONSE_BYTES} bytes");
        assert_says(&said, &[&limit, "reading stopped there"]);
        assert!(sent < 64 * 1024 * 1024, "the harness read {sent} bytes");
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn a_body_that_trickles_in_is_cut_by_the_timeout() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::Trickle).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(&said, &["timed out after 500 ms while reading the body"]);
        let sent = arranged.target.sent.load(Ordering::SeqCst);
        assert!(sent < 1000, "the harness waited for all {sent} bytes");
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn a_redirect_loop_is_not_followed_and_the_step_says_where_it_pointed() {
    runtime().block_on(async {
        // Arrange
        let arranged = arrange(Fault::RedirectLoop).await;

        // Act
        let (report, took) = act(arranged.plan, arranged.config).await;

        // Assert
        let said = first_step_says(&report);
        assert_says(
            &said,
            &[
                "status: expected 200, got 302",
                "redirected to `/scim/v2/Users`",
                "redirects are not followed",
            ],
        );
        assert_the_run_went_on(&report, took, true);
    });
}

#[test]
fn a_request_of_its_own_timeout_is_cut_by_it_not_by_the_targets() {
    runtime().block_on(async {
        // Arrange: the target's timeout is long; this request carries a short one of its own, as
        // an IdP's request carries the IdP's (Okta: 60 s, docs/idps/okta.md §3.7).
        let target = faulty(Fault::Hang).await;
        let transport = Transport::new(Target {
            base_url: target.base_url,
            auth: Auth::None,
            timeout: Duration::from_secs(20),
            tls: Default::default(),
            no_proxy: false,
        })
        .unwrap();
        let outgoing = Outgoing {
            method: "GET".into(),
            path: "/Users".into(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: Some(Duration::from_millis(300)),
        };

        // Act
        let started = Instant::now();
        let exchange = transport.send(&outgoing, None).await;

        // Assert
        assert!(started.elapsed() < HUNG);
        assert!(
            exchange
                .error
                .as_deref()
                .is_some_and(|e| e.contains("timed out after 300 ms")),
            "{:?}",
            exchange.error
        );
    });
}
