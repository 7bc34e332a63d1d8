//! Every acknowledged write survives `kill -9` of a server started with `--db`.
//!
//! The server binary is started as a child process, a burst of concurrent writes runs against
//! it (creates, PATCHes of users and of group members, DELETEs), and the process is killed with
//! SIGKILL while requests are still in flight. A new server on the same file must then hold
//! every user whose create was answered 201, the effect of every PATCH answered 200, and none
//! of the users whose DELETE was answered 204.
//!
//! Each resource is written by one writer only, one request at a time, so the last
//! acknowledged write to it is its expected state; the one request in flight at the kill may
//! or may not have landed, and either outcome is accepted for it alone.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{TOKEN, patch_op, user};

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

const WRITERS: usize = 8;
/// Users each writer PATCHes (replacing `displayName` and `nickName`), and DELETEs.
const PATCHED_PER_WRITER: usize = 3;
const DELETED_PER_WRITER: usize = 12;

/// A write that was sent: what the server must show afterwards if it was acknowledged.
#[derive(Debug, Clone)]
enum Write {
    Create { id: String, user_name: String },
    Rename { id: String, value: String },
    AddMember { member: String },
    Delete { id: String },
}

/// What one writer saw: the writes acknowledged, in order, and the one in flight (sent, not
/// answered) when the server died.
#[derive(Debug, Default)]
struct Log {
    acknowledged: Vec<Write>,
    in_flight: Option<Write>,
}

/// The resources one writer alone writes to.
#[derive(Debug, Clone)]
struct Own {
    patched: Vec<String>,
    deleted: Vec<String>,
    group: String,
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> Option<(u16, Value)> {
    let mut request = client.request(method, url).bearer_auth(TOKEN);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/scim+json")
            .body(body.to_string());
    }
    let response = request.send().await.ok()?;
    let status = response.status().as_u16();
    let text = response.text().await.ok()?;
    Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// Creates what a writer will PATCH and DELETE, and its group, before the burst.
async fn prepare(client: &reqwest::Client, base: &str, writer: usize) -> Own {
    let create = |name: String| async move {
        let (status, body) = send(
            client,
            reqwest::Method::POST,
            format!("{base}/Users"),
            Some(user(&name)),
        )
        .await
        .expect("the server answers");
        assert_eq!(status, 201, "{body}");
        body["id"].as_str().unwrap().to_owned()
    };
    let mut own = Own {
        patched: Vec::new(),
        deleted: Vec::new(),
        group: String::new(),
    };
    for n in 0..PATCHED_PER_WRITER {
        own.patched
            .push(create(format!("w{writer}-patched{n}@durable.example")).await);
    }
    for n in 0..DELETED_PER_WRITER {
        own.deleted
            .push(create(format!("w{writer}-deleted{n}@durable.example")).await);
    }
    let (status, body) = send(
        client,
        reqwest::Method::POST,
        format!("{base}/Groups"),
        Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": format!("w{writer}")})),
    )
    .await
    .expect("the server answers");
    assert_eq!(status, 201, "{body}");
    own.group = body["id"].as_str().unwrap().to_owned();
    own
}

/// One writer's burst: each round creates a user, then in turn renames one of its patched
/// users, adds the new user to its group, or deletes one of its doomed users. It stops at the
/// first request that is not answered as a success (the server has died).
async fn burst(
    client: reqwest::Client,
    base: String,
    writer: usize,
    own: Own,
    log: Arc<Mutex<Log>>,
    created: Arc<AtomicUsize>,
) {
    use reqwest::Method;
    let mut doomed = own.deleted.iter();
    for n in 0..2_000 {
        let user_name = format!("w{writer}-n{n}@durable.example");
        log.lock().unwrap().in_flight = Some(Write::Create {
            id: String::new(),
            user_name: user_name.clone(),
        });
        let Some((201, body)) = send(
            &client,
            Method::POST,
            format!("{base}/Users"),
            Some(user(&user_name)),
        )
        .await
        else {
            return;
        };
        let id = body["id"].as_str().unwrap_or_default().to_owned();
        {
            let mut log = log.lock().unwrap();
            log.in_flight = None;
            log.acknowledged.push(Write::Create {
                id: id.clone(),
                user_name,
            });
        }
        created.fetch_add(1, Ordering::Relaxed);
        let (write, method, url, body, success) = match n % 3 {
            0 => {
                let target = own.patched[(n / 3) % own.patched.len()].clone();
                let value = format!("w{writer}-rename{n}");
                let body = patch_op(json!([
                    {"op": "replace", "path": "displayName", "value": value},
                    {"op": "replace", "value": {"nickName": value}},
                ]));
                (
                    Write::Rename {
                        id: target.clone(),
                        value,
                    },
                    Method::PATCH,
                    format!("{base}/Users/{target}"),
                    Some(body),
                    200,
                )
            }
            1 => {
                let body =
                    patch_op(json!([{"op": "add", "path": "members", "value": [{"value": id}]}]));
                (
                    Write::AddMember { member: id.clone() },
                    Method::PATCH,
                    format!("{base}/Groups/{}", own.group),
                    Some(body),
                    200,
                )
            }
            _ => {
                let Some(target) = doomed.next() else {
                    continue;
                };
                (
                    Write::Delete { id: target.clone() },
                    Method::DELETE,
                    format!("{base}/Users/{target}"),
                    None,
                    204,
                )
            }
        };
        log.lock().unwrap().in_flight = Some(write.clone());
        match send(&client, method, url, body).await {
            Some((status, _)) if status == success => {
                let mut log = log.lock().unwrap();
                log.in_flight = None;
                log.acknowledged.push(write);
            }
            _ => return,
        }
    }
}

async fn fetch(client: &reqwest::Client, url: String) -> (u16, Value) {
    send(client, reqwest::Method::GET, url, None)
        .await
        .expect("the restarted server answers")
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
    let mut owns = Vec::new();
    for writer in 0..WRITERS {
        owns.push(prepare(&client, &base, writer).await);
    }
    let logs: Vec<Arc<Mutex<Log>>> = (0..WRITERS).map(|_| Arc::default()).collect();
    let created = Arc::new(AtomicUsize::new(0));

    // Act: 8 writers write until the server dies; the kill lands mid-burst.
    let mut writers = Vec::new();
    for (writer, own) in owns.iter().enumerate() {
        writers.push(tokio::spawn(burst(
            client.clone(),
            base.clone(),
            writer,
            own.clone(),
            logs[writer].clone(),
            created.clone(),
        )));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while created.load(Ordering::Relaxed) < 200 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }

    let logs: Vec<Log> = logs
        .iter()
        .map(|log| std::mem::take(&mut *log.lock().unwrap()))
        .collect();

    // Assert
    let (mut child, base) = spawn_server(&db);
    let mut lost = Vec::new();
    let mut counts = BTreeMap::<&str, usize>::new();
    for (log, own) in logs.iter().zip(&owns) {
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut members = BTreeSet::new();
        for write in &log.acknowledged {
            match write {
                Write::Create { id, user_name } => {
                    *counts.entry("create").or_default() += 1;
                    let (status, body) = fetch(&client, format!("{base}/Users/{id}")).await;
                    if status != 200 || body["userName"] != user_name.as_str() {
                        lost.push(format!("create of {user_name}: {status}"));
                    }
                }
                Write::Rename { id, value } => {
                    *counts.entry("rename").or_default() += 1;
                    names.insert(id.clone(), value.clone());
                }
                Write::AddMember { member } => {
                    *counts.entry("add member").or_default() += 1;
                    members.insert(member.clone());
                }
                Write::Delete { id } => {
                    *counts.entry("delete").or_default() += 1;
                    let (status, _) = fetch(&client, format!("{base}/Users/{id}")).await;
                    if status != 404 {
                        lost.push(format!("delete of {id}: still {status}"));
                    }
                }
            }
        }
        // The last acknowledged rename of each user, or the one in flight at the kill.
        for (id, value) in &names {
            let (status, body) = fetch(&client, format!("{base}/Users/{id}")).await;
            let in_flight = match &log.in_flight {
                Some(Write::Rename { id: target, value }) if target == id => Some(value.as_str()),
                _ => None,
            };
            for attribute in ["displayName", "nickName"] {
                let found = body[attribute].as_str();
                if status != 200 || (found != Some(value.as_str()) && found != in_flight) {
                    lost.push(format!(
                        "rename of {id}: {attribute} is {found:?}, not {value}"
                    ));
                }
            }
        }
        // Every acknowledged member, and none but the one in flight besides.
        let (_, group) = fetch(&client, format!("{base}/Groups/{}", own.group)).await;
        let found: BTreeSet<String> = group["members"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["value"].as_str().map(str::to_owned))
            .collect();
        let mut allowed = members.clone();
        if let Some(Write::AddMember { member }) = &log.in_flight {
            allowed.insert(member.clone());
        }
        if !members.is_subset(&found) || !found.is_subset(&allowed) {
            lost.push(format!(
                "members of {}: {found:?}, acknowledged {members:?}",
                own.group
            ));
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        counts.get("create").copied().unwrap_or(0) >= 200,
        "too few writes were acknowledged: {counts:?}"
    );
    for kind in ["rename", "add member", "delete"] {
        assert!(
            counts.get(kind).copied().unwrap_or(0) >= 20,
            "too few {kind} writes were acknowledged: {counts:?}"
        );
    }
    assert!(
        lost.is_empty(),
        "{} acknowledged writes lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
}
