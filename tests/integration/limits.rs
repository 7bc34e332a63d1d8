//! The request-size limits: the request head (`MAX_HEAD_BYTES`, `MAX_HEADERS`) is refused with
//! `431` by the HTTP layer, and bodies over `MAX_BODY_BYTES` with a SCIM `413`, however they are
//! framed, in memory and with `--db`, on every endpoint that takes a body.

use std::time::Duration;

use scimulate::server::{self, MAX_BODY_BYTES, MAX_HEAD_BYTES, MAX_HEADERS, ServerConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{TOKEN, TestServer, patch_op, user};

/// Sends `head` then `body` on a new connection and returns everything read back until the
/// server closes it. Writing stops quietly if the server stops reading (it may answer before
/// the request is complete); reading runs meanwhile so that neither side blocks the other.
async fn exchange(server: &TestServer, head: String, body: Vec<u8>) -> String {
    let stream = TcpStream::connect(server.server.addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let sending = tokio::spawn(async move {
        if writer.write_all(head.as_bytes()).await.is_ok() {
            for chunk in body.chunks(16 * 1024) {
                if writer.write_all(chunk).await.is_err() {
                    return;
                }
            }
        }
    });
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    let reading = async {
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), reading)
        .await
        .expect("the server answers and closes within 20 s");
    sending.abort();
    String::from_utf8_lossy(&received).into_owned()
}

/// A request head with the bearer token, `Connection: close` and `extra` header lines.
fn head(method: &str, path: &str, extra: &str) -> String {
    format!(
        "{method} /scim/v2{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n{extra}\r\n"
    )
}

fn status(response: &str) -> u16 {
    response
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP/1.1 response: {response:?}"))
}

/// The JSON body of a `Connection: close` response.
fn body_json(response: &str) -> Value {
    let (_, body) = response.split_once("\r\n\r\n").expect("a head and a body");
    serde_json::from_str(body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_head_over_the_limit_is_431_and_a_normal_request_still_works() {
    // Arrange
    let server = TestServer::start().await;
    let huge = format!("X-Padding: {}\r\n", "a".repeat(64 * 1024));
    let over = format!("X-Padding: {}\r\n", "a".repeat(MAX_HEAD_BYTES));
    let within = format!("X-Padding: {}\r\n", "a".repeat(MAX_HEAD_BYTES / 2));

    // Act
    let huge = exchange(&server, head("GET", "/Users", &huge), Vec::new()).await;
    let over = exchange(&server, head("GET", "/Users", &over), Vec::new()).await;
    let within = exchange(&server, head("GET", "/Users", &within), Vec::new()).await;
    let normal = server.get("/Users").await;

    // Assert
    assert_eq!(status(&huge), 431, "{huge}");
    assert_eq!(status(&over), 431, "{over}");
    assert_eq!(status(&within), 200, "{within}");
    assert_eq!(normal.status, 200, "{}", normal.text);
}

#[tokio::test]
async fn more_header_fields_than_the_limit_is_431() {
    // Arrange
    let server = TestServer::start().await;
    let fields = |count: usize| -> String {
        (0..count)
            .map(|n| format!("X-Field-{n}: {n}\r\n"))
            .collect()
    };

    // Act: 200 fields; and as many as fit beside Host, Authorization and Connection.
    let many = exchange(&server, head("GET", "/Users", &fields(200)), Vec::new()).await;
    let most = exchange(
        &server,
        head("GET", "/Users", &fields(MAX_HEADERS - 3)),
        Vec::new(),
    )
    .await;

    // Assert
    assert_eq!(status(&many), 431, "{many}");
    assert_eq!(status(&most), 200, "{most}");
}

/// A body over the limit is 413 with a SCIM error whether it declares its length or is sent
/// chunked, on a server with `--db`, for POST, PUT, PATCH and Bulk; nothing is written.
#[tokio::test]
async fn a_durable_server_refuses_bodies_over_the_limit_however_framed() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServerConfig::loopback(TOKEN);
    config.db = Some(dir.path().join("limits.db"));
    let server = TestServer {
        server: server::start(config).await.expect("the server starts"),
        client: reqwest::Client::new(),
    };
    let id = server.create_user("limits@example.com").await;
    let before = server.get(&format!("/Users/{id}")).await;
    let mut big_user = user("big@example.com");
    big_user["nickName"] = json!("x".repeat(MAX_BODY_BYTES));
    let big_user = big_user.to_string().into_bytes();
    let big_patch = patch_op(
        json!([{"op": "replace", "path": "nickName", "value": "x".repeat(MAX_BODY_BYTES)}]),
    )
    .to_string()
    .into_bytes();
    let big_bulk = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [{"method": "POST", "bulkId": "b", "path": "/Users", "data": {"userName": "x".repeat(MAX_BODY_BYTES)}}]
    })
    .to_string()
    .into_bytes();
    let chunked = |body: &[u8]| -> Vec<u8> {
        let mut framed = Vec::new();
        for chunk in body.chunks(64 * 1024) {
            framed.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            framed.extend_from_slice(chunk);
            framed.extend_from_slice(b"\r\n");
        }
        framed.extend_from_slice(b"0\r\n\r\n");
        framed
    };
    let scim = "Content-Type: application/scim+json\r\n";
    let sized = |length: usize| format!("{scim}Content-Length: {length}\r\n");
    let streamed = format!("{scim}Transfer-Encoding: chunked\r\n");
    let item = format!("/Users/{id}");

    // Act
    let mut replies = Vec::new();
    for (method, path, body) in [
        ("POST", "/Users", &big_user),
        ("PUT", item.as_str(), &big_user),
        ("PATCH", item.as_str(), &big_patch),
        ("POST", "/Bulk", &big_bulk),
    ] {
        let declared = exchange(
            &server,
            head(method, path, &sized(body.len())),
            body.clone(),
        )
        .await;
        let undeclared = exchange(&server, head(method, path, &streamed), chunked(body)).await;
        replies.push((format!("{method} {path} with Content-Length"), declared));
        replies.push((format!("{method} {path} chunked"), undeclared));
    }
    let after = server.get(&format!("/Users/{id}")).await;
    let users = server.get("/Users").await;

    // Assert
    for (what, response) in &replies {
        assert_eq!(status(response), 413, "{what}: {response}");
        let error = body_json(response);
        assert_eq!(error["status"], "413", "{what}: {response}");
        assert!(
            error["schemas"][0]
                .as_str()
                .is_some_and(|urn| urn.ends_with(":Error")),
            "{what}: {response}"
        );
    }
    assert_eq!(after.status, 200);
    assert_eq!(after.json, before.json, "a refused body changed the user");
    assert_eq!(
        users.json["totalResults"], 1,
        "a refused body created a user"
    );
}
