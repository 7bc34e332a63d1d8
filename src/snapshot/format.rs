//! The snapshot file format, version 1: a scenario's redacted exchanges as plain text.
//!
//! The file is read in code review, so it is laid out like the HTTP messages it records, one
//! fact per line, with nothing that changes between runs; a behaviour change shows up as a
//! small, line-oriented diff. This layout is a documented contract (docs/snapshots.md describes it):
//! change it only together with the version in the first line.
//!
//! ```text
//! # scimulate snapshot v1: create-user (okta)
//!
//! ## created
//!
//! ### POST /Users
//! accept: application/scim+json
//! authorization: <redacted>
//! content-type: application/scim+json
//!
//! {
//!   "schemas": [
//!     "urn:ietf:params:scim:schemas:core:2.0:User"
//!   ],
//!   "userName": "<prefix>-alice@example.com"
//! }
//!
//! --> 201
//! content-type: application/scim+json
//! etag: <etag-1>
//! location: <base>/Users/<id-1>
//!
//! {
//!   "id": "<id-1>",
//!   "meta": {
//!     "created": "<timestamp>",
//!     "location": "<base>/Users/<id-1>",
//!     "version": "<etag-1>"
//!   },
//!   "userName": "<prefix>-alice@example.com"
//! }
//!
//! ### GET /Users/<id-2>
//!
//! --> error: connection refused
//! ```
//!
//! The rules:
//!
//! - Line 1 is `# scimulate snapshot v1: <scenario> (<idp>)`.
//! - Each snapshot point is a blank line and `## <point name>`; a point that recorded nothing
//!   has a blank line and `(no exchanges)` under it.
//! - Each exchange is a blank line, then `### <METHOD> <path>` (the path below the base URL,
//!   query included), then the request headers, one `name: value` a line.
//! - A body follows its headers after a blank line. A JSON body is pretty-printed: 2-space
//!   indent, object keys sorted. Any other body is shown as text (invalid UTF-8 replaced by
//!   U+FFFD), its line breaks as `\n`, trailing line breaks trimmed. No body, no blank line.
//! - The response is a blank line, then `--> <status>`, its headers, and its body as above; a
//!   request that got no response has `--> error: <message>` instead.
//! - Headers are the ones the scenario and the target chose: names lowercase, sorted by name;
//!   connection and date headers are dropped (see [`super::redact`] for the lists and for every
//!   placeholder: `<base>`, `<host>`, `<prefix>`, `<id-N>`, `<etag-N>`, `<timestamp>`,
//!   `<redacted>`).
//! - Names, methods, paths, header values and error messages are one line each: a line break in
//!   them becomes a space.
//! - Lines end in `\n`; the file ends with exactly one `\n`.
//!
//! Bodies are shown as they are, so a text body could contain a line that looks like `-->`:
//! the format is for people to read and diff, not for a program to parse back.

use serde_json::Value;

use super::redact::{Body, RedactedExchange, RedactedResponse, Redactor};
use crate::exchange::Exchange;
use crate::scenario::model::IdpName;

/// The format version, written in the first line.
pub const FORMAT_VERSION: u32 = 1;

/// The exchanges recorded since the previous snapshot step, under that step's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotPoint {
    pub name: String,
    pub exchanges: Vec<Exchange>,
}

/// The snapshot text of one scenario run as one IdP. `redactor` must be the scenario's own (a
/// fresh one per scenario run), so that placeholders number from 1.
pub fn render(
    scenario: &str,
    idp: IdpName,
    points: &[SnapshotPoint],
    redactor: &mut Redactor,
) -> String {
    let mut out = format!(
        "# scimulate snapshot v{FORMAT_VERSION}: {} ({})\n",
        one_line(scenario),
        idp.as_str()
    );
    for point in points {
        out.push_str("\n## ");
        out.push_str(&one_line(&point.name));
        out.push('\n');
        if point.exchanges.is_empty() {
            out.push_str("\n(no exchanges)\n");
        }
        for exchange in &point.exchanges {
            out.push('\n');
            render_exchange(&mut out, &redactor.redact_exchange(exchange));
        }
    }
    out
}

/// One redacted exchange, from its `###` line to the end of its response, each line ending in
/// `\n`. Reports may use it to show an exchange exactly as snapshots do.
pub fn render_exchange(out: &mut String, exchange: &RedactedExchange) {
    out.push_str("### ");
    out.push_str(&one_line(&exchange.method));
    out.push(' ');
    out.push_str(&one_line(&exchange.path));
    out.push('\n');
    render_headers(out, &exchange.headers);
    render_body(out, &exchange.body);
    out.push('\n');
    match &exchange.response {
        RedactedResponse::Received {
            status,
            headers,
            body,
        } => {
            out.push_str(&format!("--> {status}\n"));
            render_headers(out, headers);
            render_body(out, body);
        }
        RedactedResponse::Failed { message } => {
            out.push_str("--> error: ");
            out.push_str(&one_line(message));
            out.push('\n');
        }
    }
}

fn render_headers(out: &mut String, headers: &[(String, String)]) {
    for (name, value) in headers {
        out.push_str(&one_line(name));
        out.push_str(": ");
        out.push_str(&one_line(value));
        out.push('\n');
    }
}

fn render_body(out: &mut String, body: &Body) {
    let text = match body {
        Body::Empty => return,
        Body::Json(json) => pretty(json),
        Body::Text(text) => text.replace("\r\n", "\n").replace('\r', "\n"),
    };
    let text = text.trim_end_matches('\n');
    if text.is_empty() {
        return;
    }
    out.push('\n');
    out.push_str(text);
    out.push('\n');
}

/// 2-space indented JSON. The redactor hands over objects with sorted keys.
fn pretty(json: &Value) -> String {
    // Serialising a `Value` to a string cannot fail; compact JSON is the harmless fallback.
    serde_json::to_string_pretty(json).unwrap_or_else(|_| json.to_string())
}

fn one_line(text: &str) -> String {
    if text.contains(['\n', '\r']) {
        text.replace("\r\n", " ").replace(['\n', '\r'], " ")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests;
