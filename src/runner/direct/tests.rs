//! The load run's own HTTP/1.1 against a raw-TCP responder: what goes out, byte for byte, and
//! every way a body can end.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::runner::transport::{Auth, TlsOptions};

fn target(base_url: &str, timeout: Duration) -> Target {
    Target {
        base_url: base_url.to_owned(),
        auth: Auth::Bearer("t0ken".into()),
        timeout,
        tls: TlsOptions::default(),
        no_proxy: true,
    }
}

/// One scripted answer: written in these pieces, then the connection is closed or kept.
struct Reply {
    pieces: Vec<&'static [u8]>,
    close: bool,
}

fn reply(bytes: &'static [u8]) -> Reply {
    Reply {
        pieces: vec![bytes],
        close: false,
    }
}

/// What the responder saw: each request's bytes, with the number of the connection it came on.
type Seen = Arc<Mutex<Vec<(usize, String)>>>;

/// Answers requests in order with `replies`, across as many connections as the client opens.
async fn responder(replies: Vec<Reply>) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/scim/v2", listener.local_addr().expect("address"));
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        let mut replies = replies.into_iter();
        let mut connection = 0;
        'accept: while let Ok((mut socket, _)) = listener.accept().await {
            connection += 1;
            loop {
                let Some(request) = read_request(&mut socket).await else {
                    continue 'accept;
                };
                record.lock().expect("lock").push((connection, request));
                let Some(reply) = replies.next() else {
                    return;
                };
                for piece in reply.pieces {
                    if socket.write_all(piece).await.is_err() {
                        continue 'accept;
                    }
                    socket.flush().await.ok();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                if reply.close {
                    continue 'accept;
                }
            }
        }
    });
    (url, seen)
}

/// One request's head and `Content-Length` body; `None` when the client went away.
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<String> {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while !bytes.ends_with(b"\r\n\r\n") {
        if socket.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        bytes.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .map_or(0, |value| value.trim().parse().expect("length"));
    let mut body = vec![0u8; length];
    socket.read_exact(&mut body).await.ok()?;
    bytes.extend_from_slice(&body);
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// Which connection (1, 2, …) each request the responder saw came on.
fn connections_used(seen: &Seen) -> Vec<usize> {
    seen.lock().expect("lock").iter().map(|s| s.0).collect()
}

/// Two GETs over one [`DirectConnection`] to a responder with `replies`: both answers, and
/// the connections they came on.
async fn two_gets(replies: Vec<Reply>) -> (WireResponse, WireResponse, Vec<usize>) {
    let (url, seen) = responder(replies).await;
    let mut direct = connection(&url);
    let first = direct.send(get("/Users")).await.expect("answered");
    let second = direct.send(get("/Users")).await.expect("answered");
    (first, second, connections_used(&seen))
}

fn get(path: &str) -> WireRequest {
    WireRequest {
        method: "GET",
        path: path.to_owned(),
        headers: vec![("ADSCIMVersion".into(), "2.0".into())],
        body: Vec::new(),
    }
}

fn connection(url: &str) -> DirectConnection {
    DirectConnection::for_target(&target(url, Duration::from_secs(2)), NameCase::Lower)
        .expect("plain HTTP")
}

const OK: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: 2\r\n\r\n{}";

#[test]
fn only_plain_http_targets_go_direct() {
    let timeout = Duration::from_secs(1);
    let direct = DirectConnection::for_target(
        &target("http://127.0.0.1:8642/scim/v2/", timeout),
        NameCase::Lower,
    )
    .expect("plain HTTP");
    assert_eq!(direct.authority, "127.0.0.1:8642");
    assert_eq!(direct.base_path, "/scim/v2");
    assert_eq!(
        DirectConnection::for_target(&target("http://scim.example.com", timeout), NameCase::Lower)
            .map(|d| d.authority),
        Some("scim.example.com:80".to_owned())
    );
    assert!(
        DirectConnection::for_target(
            &target("https://scim.example.com/scim/v2", timeout),
            NameCase::Lower
        )
        .is_none()
    );
}

#[tokio::test]
async fn requests_go_out_as_written_and_reuse_the_connection() {
    // Arrange
    let (url, seen) = responder(vec![reply(OK), reply(OK)]).await;
    let mut lower = connection(&url);
    let post = WireRequest {
        method: "POST",
        path: "/Users".into(),
        headers: vec![("Content-Type".into(), "application/scim+json".into())],
        body: b"{\"a\":1}".to_vec(),
    };

    // Act
    let first = lower.send(get("/Users?filter=userName+eq+%22a%22")).await;
    let second = lower.send(post).await;

    // Assert
    assert_eq!(first.expect("answered").body, b"{}");
    assert_eq!(second.expect("answered").status, 200);
    let seen = seen.lock().expect("lock").clone();
    let port = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("host");
    assert_eq!(
        seen,
        vec![
            (
                1,
                format!(
                    "GET /scim/v2/Users?filter=userName+eq+%22a%22 HTTP/1.1\r\nhost: {port}\r\n\
                     authorization: Bearer t0ken\r\nadscimversion: 2.0\r\n\r\n"
                )
            ),
            (
                1,
                format!(
                    "POST /scim/v2/Users HTTP/1.1\r\nhost: {port}\r\nauthorization: Bearer t0ken\r\n\
                     content-type: application/scim+json\r\ncontent-length: 7\r\n\r\n{{\"a\":1}}"
                )
            ),
        ]
    );
}

#[tokio::test]
async fn title_case_names_go_out_title_cased() {
    // Arrange
    let (url, seen) = responder(vec![reply(OK)]).await;
    let mut title =
        DirectConnection::for_target(&target(&url, Duration::from_secs(2)), NameCase::Title)
            .expect("plain");

    // Act
    title.send(get("/Users")).await.expect("answered");

    // Assert
    let seen = seen.lock().expect("lock").clone();
    let request = &seen[0].1;
    assert!(request.contains("\r\nHost: 127.0.0.1:"), "{request}");
    assert!(
        request.contains("\r\nAuthorization: Bearer t0ken\r\n"),
        "{request}"
    );
    assert!(request.contains("\r\nAdscimversion: 2.0\r\n"), "{request}");
}

#[tokio::test]
async fn names_as_written_keep_their_case_and_slots_place_host_length_and_credential() {
    // Arrange: a head in an IdP's own order, with places kept for what the connection knows.
    use crate::idp::wire::{CREDENTIAL_SLOT, HOST_SLOT, LENGTH_SLOT};
    let (url, seen) = responder(vec![reply(OK)]).await;
    let mut exact =
        DirectConnection::for_target(&target(&url, Duration::from_secs(2)), NameCase::AsWritten)
            .expect("plain");
    let headers = [
        ("ADSCIMVersion", "6.0"),
        ("Authorization", CREDENTIAL_SLOT),
        ("Content-Length", LENGTH_SLOT),
        ("Host", HOST_SLOT),
        ("Connection", "Keep-Alive"),
    ];
    let request = WireRequest {
        method: "POST",
        path: "/Users".to_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        body: b"{}".to_vec(),
    };

    // Act
    exact.send(request).await.expect("answered");

    // Assert: exactly these fields, in this order, spelled this way.
    let seen = seen.lock().expect("lock").clone();
    let head = seen[0]
        .1
        .split("\r\n\r\n")
        .next()
        .expect("a head")
        .to_owned();
    let port = url.rsplit(':').next().expect("a port");
    let port = port.split('/').next().expect("a port");
    assert_eq!(
        head,
        format!(
            "POST /scim/v2/Users HTTP/1.1\r\nADSCIMVersion: 6.0\r\nAuthorization: Bearer t0ken\r\n\
             Content-Length: 2\r\nHost: 127.0.0.1:{port}\r\nConnection: Keep-Alive"
        )
    );
}

#[tokio::test]
async fn a_chunked_body_split_across_reads_is_joined_and_the_connection_kept() {
    // Arrange
    let chunked = Reply {
        pieces: vec![
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4;ext=1\r\n{\"a\"",
            b"\r\n",
            b"3\r\n:1}\r\n0\r\n",
            b"trailer: x\r\n\r\n",
        ],
        close: false,
    };

    // Act
    let (first, second, connections) = two_gets(vec![chunked, reply(OK)]).await;

    // Assert
    assert_eq!(first.body, b"{\"a\":1}");
    assert_eq!(second.body, b"{}");
    assert_eq!(connections, vec![1, 1]);
}

#[tokio::test]
async fn a_body_ended_by_the_close_is_read_and_the_next_request_reconnects() {
    // Arrange
    let close_delimited = Reply {
        pieces: vec![b"HTTP/1.1 200 OK\r\n\r\n{\"to\":", b"\"the end\"}"],
        close: true,
    };

    // Act
    let (first, second, connections) = two_gets(vec![close_delimited, reply(OK)]).await;

    // Assert
    assert_eq!(first.body, b"{\"to\":\"the end\"}");
    assert_eq!(second.body, b"{}");
    assert_eq!(connections, vec![1, 2]);
}

#[tokio::test]
async fn an_idle_connection_the_target_closed_is_replaced_before_sending() {
    // Arrange: the first answer keeps the connection, then the target closes it while idle.
    let closed_after = Reply {
        pieces: vec![OK],
        close: true,
    };
    let (url, seen) = responder(vec![closed_after, reply(OK)]).await;
    let mut direct = connection(&url);
    direct.send(get("/Users")).await.expect("answered");
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Act
    let second = direct.send(get("/Users")).await;

    // Assert
    assert_eq!(second.expect("answered on a new connection").body, b"{}");
    assert_eq!(connections_used(&seen), vec![1, 2]);
}

#[tokio::test]
async fn connection_close_and_interim_answers_are_honoured() {
    // Arrange
    let continued = reply(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}",
    );

    // Act
    let (first, _, connections) = two_gets(vec![continued, reply(OK)]).await;

    // Assert
    assert_eq!(first.status, 201);
    assert_eq!(first.header("connection"), Some("close"));
    assert_eq!(connections, vec![1, 2]);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_from_its_length() {
    // Arrange
    let huge = reply(b"HTTP/1.1 200 OK\r\ncontent-length: 999999999\r\n\r\n{");
    let (url, _) = responder(vec![huge]).await;
    let mut direct = connection(&url);

    // Act
    let error = direct.send(get("/Users")).await.expect_err("refused");

    // Assert
    assert_eq!(
        error,
        "the response body could not be read (status 200): its Content-Length of 999999999 bytes is over the limit"
    );
}

#[tokio::test]
async fn a_truncated_body_and_a_silent_close_say_what_happened() {
    // Arrange
    let truncated = Reply {
        pieces: vec![b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{\"a\""],
        close: true,
    };
    let silent = Reply {
        pieces: vec![],
        close: true,
    };
    let (url, _) = responder(vec![truncated, silent]).await;
    let mut direct = connection(&url);

    // Act
    let cut = direct.send(get("/Users")).await.expect_err("truncated");
    let nothing = direct.send(get("/Users")).await.expect_err("no answer");

    // Assert
    assert_eq!(
        cut,
        "the response body could not be read (status 200): the connection closed with 6 bytes of the body missing"
    );
    assert_eq!(
        nothing,
        "the request failed: the target closed the connection without an answer"
    );
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    // Arrange
    let slow = Reply {
        pieces: vec![b"HTTP/1.1 200 OK\r\n"],
        close: false,
    };
    let (url, _) = responder(vec![slow]).await;
    let mut direct =
        DirectConnection::for_target(&target(&url, Duration::from_millis(200)), NameCase::Lower)
            .expect("plain");

    // Act
    let error = direct.send(get("/Users")).await.expect_err("timed out");

    // Assert
    assert_eq!(error, "timed out after 200 ms");
}

#[tokio::test]
async fn a_field_that_would_split_the_message_is_refused_unsent() {
    // Arrange
    let (url, seen) = responder(vec![reply(OK)]).await;
    let mut direct = connection(&url);
    let mut smuggling = get("/Users");
    smuggling
        .headers
        .push(("x-note".into(), "a\r\nx-injected: 1".into()));

    // Act
    let error = direct.send(smuggling).await.expect_err("refused");

    // Assert
    assert_eq!(
        error,
        "invalid request: the x-note header holds a line break"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(seen.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn a_transfer_coding_other_than_chunked_last_reads_to_the_close() {
    // Arrange
    let gzip_last = Reply {
        pieces: vec![
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip\r\ncontent-length: 1\r\n\r\nraw",
            b" bytes",
        ],
        close: true,
    };
    let (url, _) = responder(vec![gzip_last]).await;
    let mut direct = connection(&url);

    // Act
    let response = direct.send(get("/Users")).await.expect("answered");

    // Assert
    assert_eq!(response.body, b"raw bytes");
}

#[tokio::test]
async fn a_large_answer_does_not_pin_its_buffer_for_the_rest_of_the_run() {
    // Arrange
    let body = vec![b'x'; 2 * 1024 * 1024];
    let mut answer =
        format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len()).into_bytes();
    answer.extend_from_slice(&body);
    let large = Reply {
        pieces: vec![Vec::leak(answer)],
        close: false,
    };
    let (url, _) = responder(vec![large, reply(OK)]).await;
    let mut direct = connection(&url);

    // Act
    let first = direct.send(get("/Users")).await.expect("answered");
    let second = direct.send(get("/Users")).await.expect("answered");

    // Assert
    assert_eq!(first.body.len(), body.len());
    assert_eq!(second.body, b"{}");
    assert!(
        direct.read.capacity() <= MAX_KEPT_BUFFER,
        "{}",
        direct.read.capacity()
    );
}

/// A connection the target kept after a first answer, and will close on reading the next
/// request, answering nothing (its idle timeout firing as the request arrives); a third
/// request, on a new connection, is answered.
async fn kept_then_dropped() -> (DirectConnection, Seen) {
    let dropped = Reply {
        pieces: vec![],
        close: true,
    };
    let (url, seen) = responder(vec![reply(OK), dropped, reply(OK)]).await;
    let mut direct = connection(&url);
    direct.send(get("/Users")).await.expect("answered");
    (direct, seen)
}

#[tokio::test]
async fn a_get_the_target_dropped_on_a_kept_connection_goes_again_on_a_new_one() {
    // Arrange
    let (mut direct, seen) = kept_then_dropped().await;

    // Act
    let second = direct.send(get("/Users")).await;

    // Assert
    assert_eq!(second.expect("answered on a new connection").body, b"{}");
    assert_eq!(connections_used(&seen), vec![1, 1, 2]);
}

#[tokio::test]
async fn a_post_the_target_dropped_is_reported_not_sent_again() {
    // Arrange
    let (mut direct, seen) = kept_then_dropped().await;
    let post = WireRequest {
        method: "POST",
        path: "/Users".into(),
        headers: Vec::new(),
        body: b"{}".to_vec(),
    };

    // Act
    let error = direct.send(post).await.expect_err("unanswered");

    // Assert
    assert_eq!(
        error,
        "the request failed: the target closed the connection without an answer"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(seen.lock().expect("lock").len(), 2);
}
