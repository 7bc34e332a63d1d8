//! A target's faults fail the step with a clear message and the run goes on: a hang is cut by
//! the per-request timeout, a reset or garbage is an error, a huge body is refused; the harness
//! never panics and never hangs.

use std::time::{Duration, Instant};

use scimulate::runner::outcome::Outcome;
use scimulate::runner::transport::{Auth, Target};
use scimulate::runner::{self, RunConfig, TargetChoice};
use scimulate::snapshot::SnapshotMode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::{plan_of, runtime, settings};

/// What the faulty target does after reading a request.
#[derive(Clone, Copy)]
enum Fault {
    Hang,
    Reset,
    Garbage,
    Huge,
}

/// Answers the reachability probe properly, then misbehaves on every other request.
async fn faulty(fault: Fault) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = vec![0u8; 65536];
                loop {
                    let Ok(read) = socket.read(&mut buffer).await else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    let head = String::from_utf8_lossy(&buffer[..read]).to_string();
                    if head.starts_with("GET /scim/v2/ServiceProviderConfig") {
                        let body = "{}";
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if socket.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                        continue;
                    }
                    match fault {
                        Fault::Hang => {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                            return;
                        }
                        Fault::Reset => return,
                        Fault::Garbage => {
                            let _ = socket.write_all(b"this is not HTTP at all\r\n\r\n").await;
                            return;
                        }
                        Fault::Huge => {
                            let size = 9 * 1024 * 1024;
                            let head = format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: {size}\r\n\r\n"
                            );
                            if socket.write_all(head.as_bytes()).await.is_err() {
                                return;
                            }
                            let chunk = vec![b' '; 64 * 1024];
                            for _ in 0..(size / chunk.len()) {
                                if socket.write_all(&chunk).await.is_err() {
                                    return;
                                }
                            }
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}/scim/v2")
}

fn two_scenarios(dir: &std::path::Path) {
    for name in ["first", "second"] {
        std::fs::write(
            dir.join(format!("{name}.yaml")),
            format!("name: {name}\ndescription: One GET.\nsteps:\n  - request: {{method: GET, path: /Users, expect: {{status: 200}}}}\n"),
        )
        .unwrap();
    }
}

#[test]
fn every_fault_fails_its_step_with_a_message_and_the_run_goes_on() {
    runtime().block_on(async {
        for (fault, words) in [
            (Fault::Hang, "timed out"),
            (Fault::Reset, "request failed"),
            (Fault::Garbage, "request failed"),
            (Fault::Huge, "exceeds"),
        ] {
            // Arrange
            let dir = tempfile::tempdir().unwrap();
            two_scenarios(dir.path());
            let url = faulty(fault).await;
            let config = RunConfig {
                target: TargetChoice::Remote(Target {
                    base_url: url,
                    auth: Auth::None,
                    timeout: Duration::from_millis(500),
                    tls: Default::default(),
                    no_proxy: false,
                }),
                settings: settings(None, SnapshotMode::Normal),
                jobs: 2,
                timeout: Duration::from_millis(500),
            };

            // Act
            let started = Instant::now();
            let report = runner::run(plan_of(dir.path()), config, &|_| {})
                .await
                .expect("the probe passes");
            let took = started.elapsed();

            // Assert
            assert!(took < Duration::from_secs(10), "the run hung for {took:?}");
            assert_eq!(report.scenarios.len(), 2, "both scenarios ran");
            for run in &report.scenarios {
                let verdict = &run.verdicts[0];
                let Outcome::Error { message } = &verdict.outcome else {
                    panic!("expected an error verdict, got {:?}", verdict.outcome);
                };
                assert!(message.contains(words), "{words:?} not in {message:?}");
            }
            assert_eq!(report.exit_code(), 1);
        }
    });
}

#[test]
fn a_request_of_its_own_timeout_is_cut_by_it_not_by_the_targets() {
    runtime().block_on(async {
        // Arrange: the target's timeout is long; this request carries a short one of its own, as
        // an IdP's request carries the IdP's (Okta: 60 s, research/okta.md §3.7).
        let url = faulty(Fault::Hang).await;
        let transport = scimulate::runner::transport::Transport::new(Target {
            base_url: url,
            auth: Auth::None,
            timeout: Duration::from_secs(20),
            tls: Default::default(),
            no_proxy: false,
        })
        .unwrap();
        let outgoing = scimulate::runner::transport::Outgoing {
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
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(
            exchange
                .error
                .as_deref()
                .is_some_and(|e| e.contains("timed out")),
            "{:?}",
            exchange.error
        );
    });
}
