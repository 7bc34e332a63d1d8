//! The recording reverse proxy: what an IdP sends goes on to the upstream unchanged, what the
//! upstream answers comes back unchanged, and each exchange is scrubbed and appended to the
//! trace as it passes.
//!
//! Faithful as far as the HTTP stack allows: the method, the raw path and query, every header
//! field in its order (hyper keeps the names' case on the way through, but hands the proxy
//! lower-cased names, so the trace records them lower-cased), and the bodies byte for byte.
//! Only what describes the connection changes: `Host` names the upstream, and a chunked body
//! goes on with a `Content-Length`. The proxy never retries: an upstream that fails gives the
//! IdP a `502` with a SCIM error body (RFC 7644 §3.12), recorded as such. Bodies and heads
//! are bounded as the reference server bounds them.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::tls::TlsIdentity;
use super::trace::{Payload, TraceEntry, TraceWriter};
use crate::runner::scrub::{REDACTED, Scrubber};
use crate::runner::transport::MAX_RESPONSE_BYTES;
use crate::server::{MAX_BODY_BYTES, MAX_HEAD_BYTES};

/// How long the upstream has to answer one request.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(60);

/// What to record, from where.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Where the IdP connects.
    pub listen: SocketAddr,
    /// The upstream's base URL, e.g. `https://staging.example.com/scim/v2`.
    pub upstream: String,
    /// The trace file.
    pub trace: PathBuf,
    /// Serve HTTPS with this certificate.
    pub tls: Option<TlsIdentity>,
    /// Header names whose values are credentials, besides `Authorization` (`X-Api-Key`).
    pub secret_headers: Vec<String>,
    /// Values to scrub wherever they appear (a target profile's secrets).
    pub secrets: Vec<String>,
    /// JSON keys whose values are secrets, besides `password`.
    pub secret_fields: Vec<String>,
    /// Accept an upstream certificate that does not verify (a staging server's own).
    pub insecure_upstream: bool,
    /// Stop after this many exchanges (for scripts and tests); `None`: until stopped.
    pub max_exchanges: Option<usize>,
}

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("`{0}` is not an http:// or https:// base URL")]
    Upstream(String),
    #[error(transparent)]
    Trace(#[from] super::trace::TraceError),
    #[error("cannot build the upstream client: {0}")]
    Client(String),
}

/// What the recording has seen so far.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub exchanges: usize,
    /// The kinds of secret scrubbed, one phrase each (`the credential header authorization`).
    pub scrubbed: std::collections::BTreeSet<String>,
    /// Trace writes that failed: the exchange still went through, but is not in the trace.
    pub lost: Vec<String>,
}

/// A recording proxy accepting connections.
#[derive(Debug)]
pub struct RunningProxy {
    /// What the IdP is pointed at: the listen address with the upstream's base path.
    pub base_url: String,
    pub addr: SocketAddr,
    tally: Arc<Mutex<Tally>>,
    done: Arc<Notify>,
    task: JoinHandle<()>,
}

impl RunningProxy {
    /// What has been recorded so far.
    pub fn tally(&self) -> Tally {
        self.tally.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Waits until `max_exchanges` exchanges were recorded (never, without a limit).
    pub async fn finished(&self) {
        self.done.notified().await;
    }

    /// Stops accepting connections.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for RunningProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where the upstream is.
#[derive(Debug, Clone)]
struct Upstream {
    /// `https://staging.example.com` (no path).
    origin: String,
    /// `/scim/v2` (no trailing `/`).
    base_path: String,
    /// `host:port`, for a plain-HTTP upstream reached directly.
    plain_authority: Option<String>,
    /// The `Host` the upstream expects.
    host: String,
}

fn upstream(base: &str) -> Result<Upstream, ProxyError> {
    let invalid = || ProxyError::Upstream(base.to_owned());
    let url = reqwest::Url::parse(base).map_err(|_| invalid())?;
    let host = url.host_str().ok_or_else(invalid)?.to_owned();
    let port = url.port_or_known_default().ok_or_else(invalid)?;
    let origin = match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    };
    let host_header = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.clone(),
    };
    let plain_authority = match url.scheme() {
        "http" => Some(format!("{host}:{port}")),
        "https" => None,
        _ => return Err(invalid()),
    };
    Ok(Upstream {
        origin,
        base_path: url.path().trim_end_matches('/').to_owned(),
        plain_authority,
        host: host_header,
    })
}

/// Everything a connection's requests share.
struct Shared {
    upstream: Upstream,
    client: reqwest::Client,
    trace: Mutex<TraceWriter>,
    tally: Arc<Mutex<Tally>>,
    done: Arc<Notify>,
    started: Instant,
    secret_headers: Vec<String>,
    secrets: Mutex<Vec<String>>,
    secret_fields: Vec<String>,
    max_exchanges: Option<usize>,
}

/// Binds and records in a background task.
pub async fn start(config: ProxyConfig) -> Result<RunningProxy, ProxyError> {
    let upstream = upstream(&config.upstream)?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ProxyError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ProxyError::Bind {
        addr: config.listen,
        source,
    })?;
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let base_url = format!("{scheme}://{addr}{}", upstream.base_path);
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .danger_accept_invalid_certs(config.insecure_upstream)
        .timeout(UPSTREAM_TIMEOUT)
        .no_gzip()
        .build()
        .map_err(|e| ProxyError::Client(e.to_string()))?;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let done = Arc::new(Notify::new());
    let shared = Arc::new(Shared {
        upstream,
        client,
        trace: Mutex::new(TraceWriter::create(&config.trace)?),
        tally: tally.clone(),
        done: done.clone(),
        started: Instant::now(),
        secret_headers: config.secret_headers,
        secrets: Mutex::new(config.secrets),
        secret_fields: config.secret_fields,
        max_exchanges: config.max_exchanges,
    });
    let acceptor = config.tls.as_ref().map(TlsIdentity::acceptor).transpose();
    let acceptor = acceptor.map_err(ProxyError::Client)?;
    let task = tokio::spawn(accept(listener, shared, acceptor));
    Ok(RunningProxy {
        base_url,
        addr,
        tally,
        done,
        task,
    })
}

async fn accept(
    listener: TcpListener,
    shared: Arc<Shared>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.max_header_size(MAX_HEAD_BYTES);
    http.preserve_header_case(true);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let shared = shared.clone();
        let http = http.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move { Ok::<_, std::convert::Infallible>(forward(request, &shared).await) }
            });
            match acceptor {
                Some(acceptor) => {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        let io = hyper_util::rt::TokioIo::new(tls);
                        let _ = http.serve_connection(io, service).await;
                    }
                }
                None => {
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = http.serve_connection(io, service).await;
                }
            }
        });
    }
}

/// The IdP's request, as received.
struct Received<'r> {
    at_ms: u64,
    method: &'r str,
    raw_path: &'r str,
    headers: &'r [(String, String)],
    body: &'r [u8],
}

/// The upstream's answer, as received.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn forward(request: Request<Incoming>, shared: &Shared) -> Response<Full<Bytes>> {
    let at_ms = shared.started.elapsed().as_millis() as u64;
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let raw_path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let headers = header_list(&parts.headers);
    // `None`: larger than the limit, refused and recorded without its body.
    let body = Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .ok()
        .map(|collected| collected.to_bytes().to_vec());
    let received = Received {
        at_ms,
        method: &method,
        raw_path: &raw_path,
        headers: &headers,
        body: body.as_deref().unwrap_or_default(),
    };
    let Some(body) = body.clone() else {
        let answer = error_answer(
            413,
            &format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        );
        record(shared, &received, Ok(&answer), 0);
        return respond(answer);
    };
    let started = Instant::now();
    let answer = send(shared, &parts, &raw_path, &headers, body.clone()).await;
    let elapsed = started.elapsed().as_millis() as u64;
    let reply = match &answer {
        Ok(answer) => Answer {
            status: answer.status,
            headers: answer.headers.clone(),
            body: answer.body.clone(),
        },
        Err(message) => error_answer(
            502,
            &format!("scimulate record: the upstream gave no answer: {message}"),
        ),
    };
    record(
        shared,
        &received,
        answer.as_ref().map_err(String::as_str),
        elapsed,
    );
    respond(reply)
}

/// Sends the request on, as received.
async fn send(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    raw_path: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Result<Answer, String> {
    let upstream = &shared.upstream;
    match &upstream.plain_authority {
        Some(authority) => {
            let stream = TcpStream::connect(authority)
                .await
                .map_err(|e| format!("cannot connect to {authority}: {e}"))?;
            let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
                .preserve_header_case(true)
                .handshake::<_, Full<Bytes>>(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            let mut request = Request::builder()
                .method(parts.method.clone())
                .uri(raw_path)
                .version(hyper::Version::HTTP_11);
            for (name, value) in headers {
                if is_reframed(name) {
                    continue;
                }
                let value = if name.eq_ignore_ascii_case("host") {
                    upstream.host.clone()
                } else {
                    value.clone()
                };
                request = request.header(name.as_str(), value);
            }
            if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
                request = request.header("host", upstream.host.as_str());
            }
            if !body.is_empty() || parts.headers.contains_key("content-length") {
                request = request.header("content-length", body.len());
            }
            let mut request = request
                .body(Full::new(Bytes::from(body)))
                .map_err(|e| e.to_string())?;
            // The original case of the header names travels in the extensions.
            *request.extensions_mut() = parts.extensions.clone();
            let response = tokio::time::timeout(UPSTREAM_TIMEOUT, sender.send_request(request))
                .await
                .map_err(|_| format!("timed out after {} s", UPSTREAM_TIMEOUT.as_secs()))?
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let headers = header_list(response.headers());
            let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes()
                .to_vec();
            Ok(Answer {
                status,
                headers,
                body,
            })
        }
        None => {
            let url = format!("{}{raw_path}", upstream.origin);
            let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes())
                .map_err(|e| e.to_string())?;
            let mut request = shared.client.request(method, url).body(body);
            for (name, value) in headers {
                if is_reframed(name) || name.eq_ignore_ascii_case("host") {
                    continue;
                }
                request = request.header(name.as_str(), value.as_str());
            }
            let response = request.send().await.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let headers = header_list(response.headers());
            let body = response
                .bytes()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?;
            if body.len() > MAX_RESPONSE_BYTES {
                return Err(format!(
                    "the answer is larger than {MAX_RESPONSE_BYTES} bytes"
                ));
            }
            Ok(Answer {
                status,
                headers,
                body: body.to_vec(),
            })
        }
    }
}

/// Headers that frame the body on one connection; the proxy frames it again.
fn is_reframed(name: &str) -> bool {
    name.eq_ignore_ascii_case("content-length") || name.eq_ignore_ascii_case("transfer-encoding")
}

fn header_list(headers: &hyper::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

fn error_answer(status: u16, detail: &str) -> Answer {
    let body = crate::scim::error::ScimError::new(status, None, detail).to_json();
    Answer {
        status,
        headers: vec![(
            "content-type".to_owned(),
            "application/scim+json".to_owned(),
        )],
        body: body.to_string().into_bytes(),
    }
}

fn respond(answer: Answer) -> Response<Full<Bytes>> {
    let mut response = Response::builder().status(answer.status);
    for (name, value) in &answer.headers {
        if is_reframed(name) || name.eq_ignore_ascii_case("connection") {
            continue;
        }
        response = response.header(name.as_str(), value.as_str());
    }
    response
        .body(Full::new(Bytes::from(answer.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// Scrubs one exchange and appends it to the trace.
fn record(
    shared: &Shared,
    received: &Received<'_>,
    answer: Result<&Answer, &str>,
    elapsed_ms: u64,
) {
    let Received {
        at_ms,
        method,
        raw_path,
        headers,
        body,
    } = *received;
    let mut scrubbed_kinds = Vec::new();
    // The credential's value is a secret wherever it shows up again (an echo in an error).
    let scrubber = {
        let mut secrets = shared.secrets.lock().unwrap_or_else(|p| p.into_inner());
        for (name, value) in headers {
            if is_credential(name, &shared.secret_headers) {
                for secret in credential_values(value) {
                    if !secrets.contains(&secret) {
                        secrets.push(secret);
                    }
                }
            }
        }
        let mut credential_headers = shared.secret_headers.clone();
        credential_headers.push("cookie".to_owned());
        credential_headers.push("set-cookie".to_owned());
        Scrubber::new(secrets.clone(), credential_headers).with_secret_fields(&shared.secret_fields)
    };
    scrubber.learn(body);
    let mut scrub_headers = |list: &[(String, String)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| {
                let clean = scrubber.header(name, value);
                if clean != *value {
                    scrubbed_kinds.push(if clean == REDACTED {
                        format!("the credential header {}", name.to_ascii_lowercase())
                    } else {
                        format!("a secret in the header {}", name.to_ascii_lowercase())
                    });
                }
                (name.clone(), clean)
            })
            .collect()
    };
    let request_headers = scrub_headers(headers);
    let (status, response_headers, response_bytes, error) = match answer {
        Ok(answer) => (
            Some(answer.status),
            scrub_headers(&answer.headers),
            answer.body.clone(),
            None,
        ),
        Err(message) => (None, Vec::new(), Vec::new(), Some(scrubber.text(message))),
    };
    let request_body = scrubber.body(body);
    if request_body != body {
        scrubbed_kinds.push("a password or secret in a request body".to_owned());
    }
    let response_body = scrubber.body(&response_bytes);
    if response_body != response_bytes {
        scrubbed_kinds.push("a secret in an answer's body".to_owned());
    }
    let entry = TraceEntry {
        at_ms,
        method: method.to_owned(),
        path: below_base(raw_path, &shared.upstream.base_path),
        request_headers,
        request_body: Payload::of(&request_body),
        status,
        response_headers,
        response_body: Payload::of(&response_body),
        error,
        elapsed_ms,
    };
    let written = shared
        .trace
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .append(&entry);
    let mut tally = shared.tally.lock().unwrap_or_else(|p| p.into_inner());
    tally.exchanges += 1;
    tally.scrubbed.extend(scrubbed_kinds);
    if let Err(error) = written {
        tally.lost.push(error.to_string());
    }
    // One line per exchange for the person watching; a closed stdout stops nothing.
    let _ = writeln!(
        std::io::stdout().lock(),
        "{} {} -> {}",
        entry.method,
        scrubber.text(&entry.path),
        entry
            .status
            .map_or_else(|| "no answer (502 given)".to_owned(), |s| s.to_string())
    );
    if shared
        .max_exchanges
        .is_some_and(|max| tally.exchanges >= max)
    {
        // A permit is kept if `finished` is not waiting yet.
        shared.done.notify_one();
    }
}

fn is_credential(name: &str, extra: &[String]) -> bool {
    ["authorization", "proxy-authorization"]
        .iter()
        .any(|h| h.eq_ignore_ascii_case(name))
        || extra.iter().any(|h| h.eq_ignore_ascii_case(name))
}

/// A credential header's value and, for `Bearer x` or `Basic x`, the token alone.
fn credential_values(value: &str) -> Vec<String> {
    let mut values = vec![value.trim().to_owned()];
    if let Some((_, token)) = value.trim().split_once(' ') {
        values.push(token.trim().to_owned());
    }
    values.retain(|v| v.len() >= 4);
    values
}

/// The path below the upstream's base path (`/scim/v2/Users?x` → `/Users?x`).
fn below_base(raw_path: &str, base_path: &str) -> String {
    match raw_path.strip_prefix(base_path) {
        Some(rest)
            if !base_path.is_empty() && (rest.is_empty() || rest.starts_with(['/', '?'])) =>
        {
            if rest.is_empty() {
                "/".to_owned()
            } else {
                rest.to_owned()
            }
        }
        _ => raw_path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_recorded_below_the_upstream_base_path() {
        assert_eq!(below_base("/scim/v2/Users?x=1", "/scim/v2"), "/Users?x=1");
        assert_eq!(below_base("/scim/v2", "/scim/v2"), "/");
        assert_eq!(below_base("/scim/v22/Users", "/scim/v2"), "/scim/v22/Users");
        assert_eq!(below_base("/Users", ""), "/Users");
    }

    #[test]
    fn a_bearer_credential_is_a_secret_whole_and_as_its_token() {
        assert_eq!(
            credential_values("Bearer s3cr3t-token"),
            ["Bearer s3cr3t-token", "s3cr3t-token"]
        );
    }
}
