//! A signal to a real `scimulate run`: the first SIGINT or SIGTERM stops it cleanly. What it
//! created is deleted, the report is printed and written marked interrupted, and the exit code
//! is 130 or 143.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{TOKEN, output_text, runtime, serve};

/// Creates a user, then waits an hour of real time: a run that is still going when the signal
/// comes, with something of its own in the target.
const SLOW: &str = r#"name: slow
description: A user is created, then an hour passes.
steps:
  - request:
      method: POST
      path: /Users
      body: { userName: "{{run.prefix}}-ada@example.com" }
      expect: { status: 201 }
  - wait: 1h
  - request:
      method: GET
      path: /Users?filter=userName%20sw%20%22{{run.prefix}}%22
      expect: { status: 200 }
      check: { id: test.slow.read, level: INFO }
"#;

/// How many users the server holds.
fn users(url: &str) -> u64 {
    runtime().block_on(async {
        crate::support::get_json(&format!("{url}/Users?count=0")).await["totalResults"]
            .as_u64()
            .unwrap_or(0)
    })
}

fn stop_with(signal: &str, code: i32) {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slow.yaml"), SLOW).unwrap();
    let (_server, url) = serve(&[], TOKEN);
    let json = dir.path().join("report.json");
    let child = Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args([
            "run",
            "slow.yaml",
            "--real-clock",
            "--target",
            &url,
            "--json",
        ])
        .arg(&json)
        .current_dir(dir.path())
        .env("SCIMULATE_TOKEN", TOKEN)
        .env_remove("CI")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while users(&url) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the run created nothing"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Act: a real signal to the real process.
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();

    // Assert
    assert_eq!(output.status.code(), Some(code), "{}", output_text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("INTERRUPTED by SIG{signal}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("interrupted before step 3 of 3"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("real clock: waiting 1h for the scenario's `wait` step, until "),
        "a long wait says what for and until when: {stderr}"
    );
    assert_eq!(users(&url), 0, "what the run created was deleted");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["interrupted"]["signal"], format!("SIG{signal}"));
    assert_eq!(report["exit_code"], code);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "it stopped without waiting out the hour"
    );
}

#[test]
fn sigint_stops_the_run_cleanly_with_exit_130() {
    stop_with("INT", 130);
}

#[test]
fn sigterm_stops_the_run_cleanly_with_exit_143() {
    stop_with("TERM", 143);
}

#[test]
fn sigint_stops_a_load_and_deletes_what_it_created() {
    // Arrange: Entra's pace makes 500 users take twenty seconds.
    let (_server, url) = serve(&[], TOKEN);
    let child = Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args([
            "load", "--idp", "entra", "--users", "500", "--groups", "2", "--target", &url,
        ])
        .env("SCIMULATE_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while users(&url) < 5 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the load created nothing"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // Act
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();

    // Assert
    assert_eq!(output.status.code(), Some(130), "{}", output_text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("FAIL ") && last.contains("SIGINT stopped the run"),
        "{stdout}"
    );
    assert_eq!(users(&url), 0, "what the load created was deleted");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "it did not work through all 500"
    );
}

/// A SCIM target on 127.0.0.1 that creates `/Users/hang-1` and then never answers its DELETE:
/// a cleanup that cannot finish, for the second signal to cut short. Its flags say when the
/// create and the delete arrived.
fn target_whose_deletes_hang() -> (
    String,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use std::io::{Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/scim/v2", listener.local_addr().unwrap());
    let (created, deleting) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let (on_create, on_delete) = (created.clone(), deleting.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let (on_create, on_delete) = (on_create.clone(), on_delete.clone());
            std::thread::spawn(move || {
                let mut buffer = [0u8; 8192];
                loop {
                    let Ok(read) = stream.read(&mut buffer) else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    let head = String::from_utf8_lossy(&buffer[..read]).to_string();
                    let body = if head.starts_with("DELETE") {
                        on_delete.store(true, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_secs(120));
                        return;
                    } else if head.starts_with("POST") {
                        on_create.store(true, Ordering::SeqCst);
                        (201, r#"{"id":"hang-1","userName":"x"}"#.to_owned())
                    } else if head.starts_with("GET /scim/v2/ServiceProviderConfig") {
                        (200, crate::support::SERVICE_PROVIDER_CONFIG.to_owned())
                    } else {
                        (404, r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}"#.to_owned())
                    };
                    let answer = format!(
                        "HTTP/1.1 {} X\r\ncontent-type: application/scim+json\r\ncontent-length: {}\r\n\r\n{}",
                        body.0,
                        body.1.len(),
                        body.1
                    );
                    if stream.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, created, deleting)
}

#[test]
fn a_second_sigint_leaves_at_once_and_names_what_stays() {
    use std::sync::atomic::Ordering;
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slow.yaml"), SLOW).unwrap();
    let (url, created, deleting) = target_whose_deletes_hang();
    let child = Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args(["run", "slow.yaml", "--real-clock", "--target", &url])
        .current_dir(dir.path())
        .env("SCIMULATE_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let started = Instant::now();
    let wait_for = |flag: &std::sync::atomic::AtomicBool| {
        while !flag.load(Ordering::SeqCst) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the run stalled"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for(&created);

    // Act: the first signal starts the cleanup, whose DELETE never returns; the second leaves.
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    wait_for(&deleting);
    let second = Instant::now();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let output = child.wait_with_output().unwrap();

    // Assert
    assert_eq!(output.status.code(), Some(130), "{}", output_text(&output));
    assert!(
        second.elapsed() < Duration::from_secs(10),
        "it left at once"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("SIGINT again: leaving now. 1 resource(s) the run created stay in the target: /Users/hang-1"),
        "{stderr}"
    );
}
