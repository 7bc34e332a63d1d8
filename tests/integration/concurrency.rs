//! Concurrent writers to one resource lose no update: the store runs each read-modify-write
//! under its write lock, so 16 clients PATCHing the same group's members all land, and every
//! write gets its own, ever larger, version.

use std::collections::BTreeSet;
use std::sync::Arc;

use scimulate::server::{self, ServerConfig};
use serde_json::{Value, json};

use crate::support::{Reply, TOKEN, TestServer, patch_op};

const CLIENTS: usize = 16;
const ROUNDS: usize = 6;

/// The number in a `W/"n"` version.
fn version_number(tag: &str) -> u64 {
    tag.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .unwrap_or_else(|_| panic!("not a version: {tag}"))
}

fn member_ids(group: &Value) -> BTreeSet<String> {
    group["members"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|member| member["value"].as_str().map(str::to_owned))
        .collect()
}

/// One PATCH's outcome: its version, and the `meta.lastModified` it reported.
struct Written {
    version: u64,
    last_modified: jiff::Timestamp,
}

fn written(reply: &Reply, what: &str) -> Written {
    assert_eq!(reply.status, 200, "{what}: {}", reply.text);
    let etag = reply.header("etag").expect("an ETag");
    let meta_version = reply.json["meta"]["version"]
        .as_str()
        .expect("meta.version");
    assert_eq!(etag, meta_version, "{what}: ETag and meta.version differ");
    Written {
        version: version_number(etag),
        last_modified: reply.json["meta"]["lastModified"]
            .as_str()
            .and_then(|text| text.parse().ok())
            .expect("meta.lastModified"),
    }
}

/// 16 clients each add their own users to one group, one PATCH at a time, and remove every
/// third one again, by a value filter or by a value list. Every PATCH must count: the group
/// ends holding exactly what was added and not removed, and the versions the PATCHes got are
/// all different, increase along each client's sequence, and end at the group's version.
async fn sixteen_clients_patch_one_group(server: Arc<TestServer>) {
    // Arrange
    let mut users: Vec<Vec<String>> = Vec::new();
    for client in 0..CLIENTS {
        let mut own = Vec::new();
        for round in 0..ROUNDS {
            own.push(
                server
                    .create_user(&format!("c{client}-r{round}@concurrent.example"))
                    .await,
            );
        }
        users.push(own);
    }
    let group = server.create_group("Contended", &[]).await;
    let created = server.get(&format!("/Groups/{group}")).await;
    let first_version = version_number(created.header("etag").unwrap());

    // Act
    let mut clients = Vec::new();
    for (client, own) in users.iter().cloned().enumerate() {
        let server = server.clone();
        let path = format!("/Groups/{group}");
        clients.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut kept = BTreeSet::new();
            for (round, id) in own.iter().enumerate() {
                let add = patch_op(json!([{"op": "add", "path": "members", "value": [{"value": id}]}]));
                let reply = server.patch(&path, add).await;
                seen.push(written(&reply, &format!("client {client} adds {id}")));
                kept.insert(id.clone());
                if round % 3 == 2 {
                    // Remove the one added before this: alternately by filter and by value.
                    let earlier = &own[round - 1];
                    let remove = if client % 2 == 0 {
                        json!([{"op": "remove", "path": format!("members[value eq \"{earlier}\"]")}])
                    } else {
                        json!([{"op": "remove", "path": "members", "value": [{"value": earlier}]}])
                    };
                    let reply = server.patch(&path, patch_op(remove)).await;
                    seen.push(written(&reply, &format!("client {client} removes {earlier}")));
                    kept.remove(earlier);
                }
            }
            (seen, kept)
        }));
    }
    let mut versions = BTreeSet::new();
    let mut expected = BTreeSet::new();
    let mut patches = 0;
    for client in clients {
        let (seen, kept) = client.await.expect("a client finishes");
        for pair in seen.windows(2) {
            assert!(
                pair[0].version < pair[1].version,
                "a client's later PATCH got version {} after {}",
                pair[1].version,
                pair[0].version
            );
        }
        patches += seen.len();
        versions.extend(seen.iter().map(|w| (w.version, w.last_modified)));
        expected.extend(kept);
    }
    let last = server.get(&format!("/Groups/{group}")).await;

    // Assert
    assert_eq!(last.status, 200, "{}", last.text);
    assert_eq!(member_ids(&last.json), expected, "members lost or kept");
    assert_eq!(
        versions.len(),
        patches,
        "two PATCHes answered the same version"
    );
    let numbers: Vec<u64> = versions.iter().map(|(version, _)| *version).collect();
    assert_eq!(
        numbers,
        ((first_version + 1)..=(first_version + patches as u64)).collect::<Vec<_>>(),
        "the versions are not one per PATCH"
    );
    assert_eq!(
        version_number(last.header("etag").unwrap()),
        first_version + patches as u64
    );
    // Ordered by version, lastModified never goes back.
    for pair in versions.iter().collect::<Vec<_>>().windows(2) {
        assert!(
            pair[0].1 <= pair[1].1,
            "version {} was modified at {} but version {} at {}",
            pair[0].0,
            pair[0].1,
            pair[1].0,
            pair[1].1
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_clients_patching_one_group_in_memory_lose_no_update() {
    sixteen_clients_patch_one_group(Arc::new(TestServer::start().await)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_clients_patching_one_group_with_a_database_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("concurrent.db");
    let mut config = ServerConfig::loopback(TOKEN);
    config.db = Some(db.clone());
    let server = Arc::new(TestServer {
        server: server::start(config).await.expect("the server starts"),
        client: reqwest::Client::new(),
    });
    sixteen_clients_patch_one_group(server.clone()).await;

    // What was acknowledged is what a restarted server reads back.
    let group = server.get("/Groups").await.json["Resources"][0].clone();
    server.server.stop();
    let mut config = ServerConfig::loopback(TOKEN);
    config.db = Some(db);
    let reopened = TestServer {
        server: server::start(config).await.expect("the server restarts"),
        client: reqwest::Client::new(),
    };
    let reread = reopened
        .get(&format!("/Groups/{}", group["id"].as_str().unwrap()))
        .await;
    assert_eq!(member_ids(&reread.json), member_ids(&group));
    assert_eq!(reread.json["meta"]["version"], group["meta"]["version"]);
}
