//! Servers the runner tests talk to: the reference server, a proxy in front of it that can
//! tamper with one answer, and a mock that records the raw bytes it receives.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use scimulate::runner::execute::RunSettings;
use scimulate::runner::outcome::RunReport;
use scimulate::runner::select::{self, Planned};
use scimulate::runner::transport::{Auth, Target};
use scimulate::runner::{self, RunConfig, TargetChoice};
use scimulate::scenario::validate::validate;
use scimulate::server::{self, Quirk, Quirks, RunningServer, ServerConfig};
use scimulate::snapshot::SnapshotMode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub const TOKEN: &str = "runner-test-token-5f2c9a";

/// How many requests a `--target` run sends before its scenarios' (its preflight's).
pub const PREFLIGHT_REQUESTS: usize = scimulate::runner::preflight::REQUESTS;

/// A minimal `/ServiceProviderConfig` (RFC 7643 §5), for mocks that must pass the preflight.
pub const SERVICE_PROVIDER_CONFIG: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],"patch":{"supported":true},"bulk":{"supported":false,"maxOperations":0,"maxPayloadSize":0},"filter":{"supported":true,"maxResults":100},"changePassword":{"supported":false},"sort":{"supported":false},"etag":{"supported":false},"authenticationSchemes":[]}"#;

pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().expect("a runtime"))
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The catalogue's plan, every scenario × IdP.
pub fn catalogue() -> Vec<Planned> {
    plan_of(&root().join("scenarios"))
}

pub fn plan_of(path: &Path) -> Vec<Planned> {
    let (loaded, problems) = validate(&[path.to_path_buf()]);
    assert!(problems.is_empty(), "{problems:?}");
    let scenarios: Vec<_> = loaded.into_iter().map(|(f, s)| (f, Arc::new(s))).collect();
    // `*` names every scenario, opt-in ones included.
    select::plan(&scenarios, None, &["*".to_owned()], None)
}

pub fn settings(snapshots: Option<PathBuf>, mode: SnapshotMode) -> RunSettings {
    RunSettings {
        idp: Default::default(),
        profile: None,
        keep: false,
        gate: Default::default(),
        fit: None,
        advertised: None,
        strict: true,
        snapshots,
        snapshot_mode: mode,
    }
}

/// Runs a plan against fresh embedded servers with these quirks.
pub async fn run_embedded(
    plan: Vec<Planned>,
    quirks: &[Quirk],
    settings: RunSettings,
) -> RunReport {
    let config = RunConfig {
        target: TargetChoice::Embedded {
            quirks: Quirks::new(quirks.iter().copied()),
        },
        settings,
        jobs: 2,
        timeout: Duration::from_secs(10),
    };
    runner::run(plan, config, &|_| {})
        .await
        .expect("the run starts")
}

/// Runs a plan against a remote base URL with the test token.
pub async fn run_remote(plan: Vec<Planned>, base_url: &str, settings: RunSettings) -> RunReport {
    let config = RunConfig {
        target: TargetChoice::Remote(Target {
            base_url: base_url.to_owned(),
            auth: Auth::Bearer(TOKEN.to_owned()),
            timeout: Duration::from_secs(10),
            tls: Default::default(),
            no_proxy: false,
        }),
        settings,
        jobs: 1,
        timeout: Duration::from_secs(10),
    };
    runner::run(plan, config, &|_| {})
        .await
        .expect("the run starts")
}

pub async fn reference_server() -> RunningServer {
    server::start(ServerConfig::loopback(TOKEN))
        .await
        .expect("the reference server starts")
}

/// How the proxy spoils one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// Answer 500 with a SCIM error body instead.
    ServerError,
    /// Add `"password": "leaked"` to the JSON body.
    LeakPassword,
    /// Remove every `id`, at the top and in `Resources`.
    DropIds,
    /// Keep the status, answer an HTML page.
    NotJson,
    /// Repeat the first of `Resources`, so a lookup matches twice.
    DuplicateMatch,
}

struct ProxyState {
    upstream: String,
    client: reqwest::Client,
    seen: AtomicUsize,
    /// Which request (0-based, in arrival order) to spoil, and how.
    target: (usize, Tamper),
}

async fn forward(State(state): State<Arc<ProxyState>>, request: Request) -> Response {
    let index = state.seen.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    // SCIM paths go to the upstream's SCIM base; others (the application API) to its origin.
    let url = match path.strip_prefix("/scim/v2") {
        Some(rest) => format!("{}{rest}", state.upstream),
        None => format!(
            "{}{path}",
            state
                .upstream
                .strip_suffix("/scim/v2")
                .unwrap_or(&state.upstream)
        ),
    };
    let mut upstream = state
        .client
        .request(parts.method.clone(), url)
        .body(body.to_vec());
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.expect("the upstream answers");
    let status = answer.status();
    let headers = answer.headers().clone();
    let mut bytes = answer.bytes().await.unwrap_or_default().to_vec();
    let mut status = status;
    if index == state.target.0 {
        match state.target.1 {
            Tamper::ServerError => {
                status = reqwest::StatusCode::INTERNAL_SERVER_ERROR;
                bytes = br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"500","detail":"tampered"}"#.to_vec();
            }
            Tamper::LeakPassword => {
                if let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_slice(&bytes) {
                    fields.insert("password".into(), "leaked".into());
                    bytes = serde_json::Value::Object(fields).to_string().into_bytes();
                }
            }
            Tamper::DropIds => {
                if let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&bytes) {
                    if let Some(fields) = json.as_object_mut() {
                        fields.remove("id");
                    }
                    if let Some(resources) =
                        json.get_mut("Resources").and_then(|r| r.as_array_mut())
                    {
                        for resource in resources {
                            if let Some(fields) = resource.as_object_mut() {
                                fields.remove("id");
                            }
                        }
                    }
                    bytes = json.to_string().into_bytes();
                }
            }
            Tamper::NotJson => bytes = b"<html>maintenance</html>".to_vec(),
            Tamper::DuplicateMatch => {
                if let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&bytes)
                    && let Some(resources) =
                        json.get_mut("Resources").and_then(|r| r.as_array_mut())
                    && let Some(first) = resources.first().cloned()
                {
                    resources.push(first);
                    bytes = json.to_string().into_bytes();
                }
            }
        }
    }
    let mut response = Response::builder().status(status.as_u16());
    for (name, value) in &headers {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    response.body(Body::from(bytes)).expect("a response")
}

/// A reference server behind a proxy that spoils request number `index` (the runner's preflight
/// sends requests 0 to [`PREFLIGHT_REQUESTS`] - 1: `/ServiceProviderConfig`, `/ResourceTypes`,
/// `/Schemas`). Returns the proxy's base URL and the servers (keep them alive).
pub async fn tampering_proxy(
    index: usize,
    tamper: Tamper,
) -> (String, RunningServer, tokio::task::JoinHandle<()>) {
    let upstream = reference_server().await;
    let state = Arc::new(ProxyState {
        upstream: upstream.base_url.clone(),
        client: reqwest::Client::new(),
        seen: AtomicUsize::new(0),
        target: (index, tamper),
    });
    let app = Router::new().fallback(forward).with_state(state);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/scim/v2"), upstream, task)
}

/// The raw requests a capturing mock received so far, each as text, in arrival order.
pub fn requests_seen(seen: &Arc<Mutex<Vec<Vec<u8>>>>) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|r| String::from_utf8_lossy(r).to_string())
        .collect()
}

/// A mock that answers every request but the preflight's with `201 {"id":"mock-1"}` and keeps
/// the raw bytes of each request it received (see [`capturing_mock_with`]).
pub async fn capturing_mock() -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    capturing_mock_with(|_| (201, r#"{"id":"mock-1"}"#.to_owned())).await
}

/// A capturing mock whose answer (status, JSON body) depends on the request's first line. The
/// preflight's requests are answered here, not by `respond`: `/ServiceProviderConfig` with
/// [`SERVICE_PROVIDER_CONFIG`], `/ResourceTypes` and `/Schemas` with 404 (which only notes a
/// finding). They are recorded like the others.
pub async fn capturing_mock_with(
    respond: fn(&str) -> (u16, String),
) -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    capturing_mock_compressing(respond, false).await
}

/// [`capturing_mock_with`], answering in gzip every request that accepts it when `gzip` is set
/// (as a server behind a compressing proxy does): the discovery probe's too.
pub async fn capturing_mock_compressing(
    respond: fn(&str) -> (u16, String),
    gzip: bool,
) -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                loop {
                    let Some(raw) = read_message(&mut socket).await else {
                        return;
                    };
                    let end = head_end(&raw).unwrap_or(raw.len());
                    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                    let line = String::from_utf8_lossy(&raw[..end])
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_owned();
                    record.lock().unwrap().push(raw);
                    let (status, body) = preflight_answer(&line).unwrap_or_else(|| respond(&line));
                    let compress = gzip && head.contains("accept-encoding: gzip");
                    let body = if compress {
                        use std::io::Write;
                        let mut encoder =
                            flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                        encoder.write_all(body.as_bytes()).unwrap();
                        encoder.finish().unwrap()
                    } else {
                        body.into_bytes()
                    };
                    let coding = if compress {
                        "content-encoding: gzip\r\n"
                    } else {
                        ""
                    };
                    let answer = format!(
                        "HTTP/1.1 {status} Mock\r\ncontent-type: application/scim+json\r\n{coding}content-length: {}\r\n\r\n",
                        body.len()
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err()
                        || socket.write_all(&body).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (format!("http://{addr}/scim/v2"), seen)
}

/// The capturing mock's answer to a discovery request, if `line` is one.
fn preflight_answer(line: &str) -> Option<(u16, String)> {
    let path = line.strip_prefix("GET /scim/v2")?.split(' ').next()?;
    match path {
        "/ServiceProviderConfig" => Some((200, SERVICE_PROVIDER_CONFIG.to_owned())),
        "/ResourceTypes" | "/Schemas" => Some((
            404,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404","detail":"not in this mock"}"#.to_owned(),
        )),
        _ => None,
    }
}

/// `scimulate serve` on a free loopback port with this token and these extra flags, and the
/// base URL it printed.
pub fn serve(flags: &[&str], token: &str) -> (KillOnDrop, String) {
    let mut server = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_scimulate"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(flags)
            .env("SCIMULATE_TOKEN", token)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.0.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    (server, line.trim().to_owned())
}

/// A child process killed when the test ends, whether it passed or panicked.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every file under `dir`, at any depth.
pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A GET with the test token, its body as JSON.
pub async fn get_json(url: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// What a command printed, stdout then stderr, for messages and searches.
pub fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Where an HTTP/1.1 message's head ends (after its blank line), once it has arrived.
pub fn head_end(raw: &[u8]) -> Option<usize> {
    raw.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|end| end + 4)
}

/// The `Content-Length` of a message head, 0 without one.
fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|line| {
            line.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// One HTTP/1.1 message (a request, or an answer) read whole: its head, then as many body bytes
/// as its `Content-Length` says. `None` when the peer closes, or fails, before it is whole. The
/// raw mocks of these tests all read through here.
pub async fn read_message<S: tokio::io::AsyncRead + Unpin>(socket: &mut S) -> Option<Vec<u8>> {
    let mut raw = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        if let Some(end) = head_end(&raw)
            && raw.len() >= end + content_length(&raw[..end])
        {
            return Some(raw);
        }
        match socket.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(read) => raw.extend_from_slice(&buffer[..read]),
        }
    }
}
