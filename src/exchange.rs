//! Exchanges: one request and its response, as the run recorded them.
//!
//! The record every later stage reads (snapshots redact it, reports print it, recordings write
//! it), so it lives below all of them, the runner included.
//!
//! Secrets never enter an exchange: the runner scrubs credentials and passwords while
//! recording (see [`crate::runner::scrub`]), so every report, snapshot and log built from
//! exchanges is safe to print at any verbosity.

use std::time::Duration;

/// The `User-Agent` of the harness's own requests: the discovery probe, `request:` steps, the
/// application API's requests and the cleanup. A target's logs then tell them from an IdP
/// profile's requests, which carry that IdP's own headers and no other.
pub const HARNESS_USER_AGENT: &str = concat!("scimulate/", env!("CARGO_PKG_VERSION"));

/// A request as sent (after templating and scrubbing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// The path below the base URL, query included, exactly as sent.
    pub path: String,
    /// The full URL.
    pub url: String,
    /// Headers in the order sent; credential values replaced by `<redacted>`.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A response as received (after scrubbing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedResponse {
    pub status: u16,
    /// Headers in the order received, names lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedResponse {
    /// The first header with this name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// What the target said went wrong: a SCIM error's `detail` (RFC 7644 §3.12), or else the
    /// body as text.
    pub fn error_detail(&self) -> String {
        serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|body| {
                body.get("detail")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| String::from_utf8_lossy(&self.body).trim().to_owned())
    }
}

/// One request and what came of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The index of the step that sent it (0-based), or `None` for the runner's own requests
    /// (cleanup).
    pub step: Option<usize>,
    pub request: RecordedRequest,
    /// `None` when no response arrived; `error` says why.
    pub response: Option<RecordedResponse>,
    /// A transport failure: timeout, refused connection, reset.
    pub error: Option<String>,
    pub elapsed: Duration,
}

/// At most `chars` characters of `text`, with `…` when cut: for messages that quote a target.
pub fn shortened(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        None => text.to_owned(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}
