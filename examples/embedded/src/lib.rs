//! The SCIM server under test. A real embedder has its own (an axum `Router`, an actix `App`);
//! this example starts scimulate's reference server in its place, on loopback, in-process.

use scimulate::server::{RunningServer, ServerConfig, ServerError};

/// The token the server expects.
pub const TOKEN: &str = "embedded-example-token";

/// Starts the server on `127.0.0.1` with a port the OS picks.
pub async fn start() -> Result<RunningServer, ServerError> {
    scimulate::server::start(ServerConfig::loopback(TOKEN)).await
}
