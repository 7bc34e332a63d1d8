//! The throughput ceiling for `scripts/bench.sh`: a bare axum server with the same stack as
//! the reference server (axum 0.8 over hyper http1, tokio multi-threaded runtime) but none of
//! its work: no authentication, no storage, no projection, no JSON rendering. It answers
//! `GET /scim/v2/Users/{id}` with one constant SCIM User body, so comparing its requests/s with
//! `scimulate serve` on the same route says how much the SCIM layer itself costs.
//!
//! Usage: `bare_axum [PORT]` (0 or absent: any free port). Binds 127.0.0.1 only and prints its
//! base URL (`http://127.0.0.1:PORT/scim/v2`) as the first line of stdout, like
//! `scimulate serve`, then serves until killed.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

// The same allocator as `scimulate`, so the comparison measures the SCIM layer, not malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A ~600-byte User as a SCIM server would render it (RFC 7643 §8.2, trimmed).
const USER_BODY: &str = concat!(
    r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"#,
    r#""id":"2819c223-7f76-453a-919d-413861904646","externalId":"bjensen","#,
    r#""meta":{"resourceType":"User","created":"2011-08-01T18:29:49.793Z","#,
    r#""lastModified":"2011-08-01T18:29:49.793Z","#,
    r#""location":"http://127.0.0.1/scim/v2/Users/2819c223-7f76-453a-919d-413861904646","#,
    r#""version":"W/\"f250dd84f0671c3\""},"#,
    r#""userName":"bjensen@example.com","#,
    r#""name":{"formatted":"Ms. Barbara J Jensen III","familyName":"Jensen","givenName":"Barbara"},"#,
    r#""displayName":"Babs Jensen","active":true,"#,
    r#""emails":[{"value":"bjensen@example.com","type":"work","primary":true},"#,
    r#"{"value":"babs@jensen.org","type":"home"}]}"#
);

async fn user() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/scim+json")], USER_BODY)
}

#[tokio::main]
async fn main() {
    let port: u16 = match std::env::args().nth(1) {
        None => 0,
        Some(arg) => arg
            .parse()
            .unwrap_or_else(|_| panic!("PORT must be a number from 0 to 65535, got {arg:?}")),
    };
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .expect("bind 127.0.0.1");
    let addr = listener
        .local_addr()
        .expect("local address of the listener");

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "http://{addr}/scim/v2").expect("write the base URL to stdout");
    stdout.flush().expect("flush stdout");
    drop(stdout);

    let app = Router::new().route("/scim/v2/Users/{id}", get(user));
    axum::serve(listener, app).await.expect("serve");
}
