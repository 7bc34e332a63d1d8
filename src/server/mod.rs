//! The reference server: scimulate's own SCIM 2.0 service provider (`scimulate serve`).
//!
//! It is the embedded default target, the test bed for every check of the harness, and, with
//! [`quirks`], a mock of the ways real servers go wrong. It knows nothing of IdPs: it serves
//! RFC 7643/7644 as written, tolerant where the IdPs' documented traffic needs it.
//!
//! The pipeline of a request: `auth` (bearer token) → `routes` (which handler) →
//! `body` (bytes, size and content type into JSON) → `resources` / `discovery` (the SCIM
//! logic over `store`) → `render` (stored form into wire form) → `respond` (status, headers,
//! and the quirks that change a response's shape). Beside SCIM, on the same listener, [`app`]
//! serves a small Clockify-like application API (`/api/v1`) over the same users and groups, so
//! that lock-down and deprovisioning can be shown end to end.

pub mod app;
mod auth;
mod body;
mod bulk;
mod discovery;
pub mod quirks;
mod render;
mod resources;
mod respond;
mod routes;
mod schemas;
pub mod store;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::clock::{Clock, SystemClock};
pub use quirks::{Quirk, Quirks};
use store::{Store, StoreError};

/// Where the SCIM endpoints live, below the server's address.
pub const SCIM_BASE_PATH: &str = "/scim/v2";

/// The owner's API key for the application API when none is given. It is documented, not
/// secret, like the development bearer token.
pub const DEFAULT_OWNER_KEY: &str = "owner-development-key";

/// The largest request body accepted; larger ones get `413` (also `bulk.maxPayloadSize`).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The largest request head (request line and headers together) accepted; a larger one is
/// answered `431 Request Header Fields Too Large` by the HTTP layer, before routing (so with no
/// SCIM body), and the connection is closed.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;

/// The most header fields one request may carry; more get `431` like an oversized head. This is
/// hyper's default, left to hyper rather than set: setting it moves the parser's header table
/// from the stack to the heap on every request.
pub const MAX_HEADERS: usize = 100;

/// The most resources one list response holds (`filter.maxResults`).
pub const MAX_RESULTS: usize = 1000;

/// How to run a reference server.
#[derive(Clone)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    /// The bearer token clients must present. Never printed.
    pub token: String,
    /// The workspace owner's `X-Api-Key` for the application API. Never printed.
    pub owner_key: String,
    /// Keep state in this SQLite file instead of memory.
    pub db: Option<PathBuf>,
    pub quirks: Quirks,
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("bind", &self.bind)
            .field("token", &"<redacted>")
            .field("owner_key", &"<redacted>")
            .field("db", &self.db)
            .field("quirks", &self.quirks)
            .finish()
    }
}

impl ServerConfig {
    /// A server on `127.0.0.1` with a port the OS picks, in memory, with no quirks, and the
    /// default owner key.
    pub fn loopback(token: impl Into<String>) -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: token.into(),
            owner_key: DEFAULT_OWNER_KEY.to_owned(),
            db: None,
            quirks: Quirks::default(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What every handler shares.
pub(crate) struct AppState {
    pub store: Store,
    pub quirks: Quirks,
    pub token: String,
    pub owner_key: String,
    pub base_url: String,
    pub clock: Arc<dyn Clock>,
    /// The application API's own state.
    pub workspace: app::Workspace,
    /// Requests seen, for the `throttle` quirk.
    pub requests: std::sync::atomic::AtomicU64,
}

/// A server accepting connections.
#[derive(Debug)]
pub struct RunningServer {
    /// `http://127.0.0.1:PORT/scim/v2`.
    pub base_url: String,
    pub addr: SocketAddr,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Serves until the process ends or the task fails.
    pub async fn wait(mut self) -> std::io::Result<()> {
        let task = std::mem::replace(&mut self.task, tokio::spawn(async { Ok(()) }));
        match task.await {
            Ok(result) => result,
            Err(error) => Err(std::io::Error::other(error)),
        }
    }

    /// Stops accepting connections.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds, opens the store, and serves in a background task.
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let store = match &config.db {
        Some(path) => Store::open(path)?,
        None => Store::in_memory(),
    };
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.bind,
        source,
    })?;
    let base_url = format!("http://{addr}{SCIM_BASE_PATH}");
    let state = Arc::new(AppState {
        store,
        quirks: config.quirks,
        token: config.token,
        owner_key: config.owner_key,
        base_url: base_url.clone(),
        clock: config.clock,
        workspace: app::Workspace::default(),
        requests: std::sync::atomic::AtomicU64::new(0),
    });
    let app = routes::router(state);
    let task = tokio::spawn(serve(listener, app));
    Ok(RunningServer {
        base_url,
        addr,
        task,
    })
}

/// Accepts connections and serves each with HTTP/1.1 under the head limits
/// ([`MAX_HEAD_BYTES`], [`MAX_HEADERS`]). What `axum::serve` does, with the builder in reach.
async fn serve(listener: TcpListener, app: axum::Router) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.max_header_size(MAX_HEAD_BYTES);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // The peer gave up between SYN and accept: nothing to serve, keep accepting.
            Err(error) if is_connection_error(&error) => continue,
            // Out of file descriptors and the like: wait for some to be released.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        tokio::spawn(async move {
            // A connection's failure (reset, malformed request) is its own: hyper has already
            // answered what can be answered.
            let _ = connection.await;
        });
    }
}

fn is_connection_error(error: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(
        error.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    )
}
