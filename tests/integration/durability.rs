//! Every acknowledged write survives `kill -9` of a server started with `--db`.
//!
//! The server binary is started as a child process, a burst of concurrent creates runs against
//! it, and the process is killed with SIGKILL while requests are still in flight. A new server
//! on the same file must then hold every user whose create was answered 201.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::support::{TOKEN, user};

/// Starts `scimulate serve --db FILE` and returns it with its base URL.
fn spawn_server(db: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args(["serve", "--bind", "127.0.0.1:0", "--db"])
        .arg(db)
        .env("SCIMULATE_TOKEN", TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the scimulate binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the base URL line");
    assert!(
        line.starts_with("http://127.0.0.1:"),
        "unexpected first line {line:?}"
    );
    (child, line.trim().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scim.db");
    let (mut child, base) = spawn_server(&db);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();

    // Act: 8 writers create users until the server dies; the kill lands mid-burst.
    let mut writers = Vec::new();
    for writer in 0..8 {
        let client = client.clone();
        let base = base.clone();
        let acknowledged = acknowledged.clone();
        writers.push(tokio::spawn(async move {
            for n in 0..2_000 {
                let name = format!("w{writer}-n{n}@durable.example");
                let sent = client
                    .post(format!("{base}/Users"))
                    .bearer_auth(TOKEN)
                    .header("content-type", "application/scim+json")
                    .body(user(&name).to_string())
                    .send()
                    .await;
                let Ok(response) = sent else { return };
                if response.status().as_u16() != 201 {
                    return;
                }
                let Ok(body) = response.json::<Value>().await else {
                    return;
                };
                let id = body["id"].as_str().unwrap_or_default().to_owned();
                acknowledged.lock().unwrap().push((id, name));
            }
        }));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().unwrap().len() < 200 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    // Assert
    assert!(
        acknowledged.len() >= 200,
        "only {} writes were acknowledged",
        acknowledged.len()
    );
    let (mut child, base) = spawn_server(&db);
    let mut missing = Vec::new();
    for (id, name) in &acknowledged {
        let response = client
            .get(format!("{base}/Users/{id}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status != 200 || body["userName"] != name.as_str() {
            missing.push(name.clone());
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        missing.is_empty(),
        "{} acknowledged writes lost, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
}
