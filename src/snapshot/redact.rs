//! Redaction: turning exchanges into text that is the same on every run.
//!
//! A snapshot is only useful if it changes when the target's *behaviour* changes and never
//! because a run is a run: a new port, a new run prefix, new ids, new timestamps, new ETags.
//! The [`Redactor`] replaces each such value by a placeholder. Ids and ETags get *numbered*
//! placeholders that stay the same for the same value within one scenario (one `Redactor`), so a
//! reviewer still sees that the group's member is the user created two exchanges earlier
//! (`<id-1>` in the POST response, in `/Users/<id-1>`, in `members[].value`).
//!
//! The placeholders, and what they stand for:
//!
//! | placeholder | replaces |
//! |---|---|
//! | `<redacted>` | a secret of the run (anywhere), the value of any JSON key `password` (any case, any depth), the `value` of a PATCH operation whose `path` is `password` |
//! | `<base>` | the target's base URL (trailing `/` ignored), anywhere |
//! | `<host>` | the base URL's `host:port` where it appears without the base path (only when the base URL names a port: a bare domain is stable and may be part of an e-mail address) |
//! | `<prefix>` | the run prefix embedded in user names, display names, external ids |
//! | `<id-N>` | a resource id: a string under a JSON key `id`; the `value` of `members`, `groups` and `manager` elements (also inside PATCH operations on those paths); any UUID-shaped string anywhere. Once known, an id is also replaced where it is a whole JSON string or header value, a URL path segment (`/Users/<id-1>`) or quoted (`value eq "<id-1>"`, `%22<id-1>%22`) |
//! | `<etag-N>` | a JSON string under a key `version`, the value of `ETag`, each tag in `If-Match` / `If-None-Match`, and `W/"…"` anywhere |
//! | `<timestamp>` | an RFC 3339 date-time anywhere (`2024-05-01T12:00:00.123Z`), and the values of `Last-Modified`, `If-Modified-Since`, `If-Unmodified-Since` |
//! | `<count>` | `totalResults` and `itemsPerPage` of a list that reads beyond the run (below) |
//! | `scimulate/<version>` | the `User-Agent` of the harness's own requests, so a release does not drift every snapshot |
//!
//! **Lists that read beyond the run.** A snapshot shows the run's own resources only. The
//! catalogue's list requests filter (`userName sw "<prefix>"`, `id eq "<id-1>"`, an IdP's
//! lookup by the run's userName, Entra's probe of a random GUID), so the target itself answers
//! with the run's own resources, or none, and nothing needs hiding. A list with no filter that
//! does not name the run prefix either (a `GET /Users` or `/Groups`, or a `POST …/.search`: an
//! IdP's import or Test Connection) answers with whatever else the target holds: other scenario
//! runs in flight, leftovers of earlier runs, real users of a shared tenant. In its answer, the
//! resources that do not carry the run prefix are left out (before their ids are learnt, so
//! they number nothing), and `totalResults` and `itemsPerPage` become `<count>`, since both
//! count what else is there. The checks still judge the answer as the target sent it. A
//! scenario that lists with a filter that does not scope to the run (`active eq true`) should
//! add `userName sw "{{run.prefix}}"` to it. What stays out of reach of redaction is the number
//! of pages an import reads: past 100 other users, Okta and JumpCloud read another page; so the
//! import scenarios are also `exclusive` (see the runner's `schedule`), and a tenant that holds
//! more than a page of other users drifts them.
//!
//! `N` counts from 1 in order of first appearance, in the order a snapshot shows an exchange:
//! request path, request headers, request body, response headers, response body. JSON objects are
//! visited with their keys sorted. All ids an exchange reveals are learnt before any of its text
//! is rewritten, so a `Location` header shows the id that the body below it declares.
//!
//! Not volatile, so kept: ids of `Schema` and `ResourceType` resources (their `schemas` say so)
//! and any id that is a URN, since these are fixed names (`User`, `urn:…:core:2.0:User`).
//!
//! Headers that only describe the connection or the moment are dropped
//! ([`DROPPED_REQUEST_HEADERS`], [`DROPPED_RESPONSE_HEADERS`]); the rest keep their values
//! (`user-agent` included: IdPs set it deliberately) with the rules above applied, names
//! lowercase, sorted by name (headers of the same name keep their order).
//!
//! A body is JSON if it parses as JSON, whatever its `content-type`; otherwise it is text with
//! the same rules applied (and if redaction turns it into JSON, as `"W/"1""` → `"<etag-1>"`
//! does, it is shown as JSON, which is what a second pass would do).
//!
//! Redaction is idempotent: text that already went through it, placeholders included, comes out
//! unchanged. Placeholders are never rewritten, and the boundary checks (a UUID must not be part
//! of a longer word) treat a placeholder's edge as a boundary, so a second pass cannot see a
//! value that the first pass left alone.

use std::collections::HashMap;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::exchange::{Exchange, RecordedResponse};

/// What replaces a secret or a password.
pub const REDACTED: &str = "<redacted>";
/// What replaces the target's base URL.
pub const BASE: &str = "<base>";
/// What replaces the base URL's `host:port` where it appears on its own.
pub const HOST: &str = "<host>";
/// What replaces the run prefix.
pub const PREFIX: &str = "<prefix>";
/// What replaces a timestamp.
pub const TIMESTAMP: &str = "<timestamp>";
/// What replaces `totalResults` and `itemsPerPage` of a list that reads beyond the run.
pub const COUNT: &str = "<count>";

/// Request headers the HTTP client adds on its own; a scenario never chose them.
pub const DROPPED_REQUEST_HEADERS: [&str; 5] = [
    "host",
    "content-length",
    "accept-encoding",
    "connection",
    "transfer-encoding",
];

/// Response headers that describe the connection or the moment, not the target's behaviour.
pub const DROPPED_RESPONSE_HEADERS: [&str; 7] = [
    "date",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "server",
    "vary",
];

/// Headers whose values are entity tags.
const ETAG_HEADERS: [&str; 3] = ["etag", "if-match", "if-none-match"];
/// Headers whose values are HTTP dates.
const DATE_HEADERS: [&str; 3] = ["last-modified", "if-modified-since", "if-unmodified-since"];
/// Attributes whose elements' `value` is the id of another resource.
const REFERENCE_ATTRIBUTES: [&str; 3] = ["members", "groups", "manager"];

/// What a run knows that is volatile: where the target is, the run's unique prefix, its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RedactionContext {
    /// The target's base URL, e.g. `http://127.0.0.1:41234/scim/v2`.
    pub base_url: String,
    /// The per-run unique string the runner embeds in user names and the like.
    pub run_prefix: String,
    /// Tokens and other credentials; replaced wherever they appear, even inside a word.
    pub secrets: Vec<String>,
}

/// A body after redaction.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No bytes at all.
    Empty,
    /// The body parsed as JSON; objects hold their keys sorted.
    Json(Value),
    /// Not JSON: the bytes as (lossy) UTF-8.
    Text(String),
}

/// What came back for a request, after redaction.
#[derive(Debug, Clone, PartialEq)]
pub enum RedactedResponse {
    Received {
        status: u16,
        headers: Vec<(String, String)>,
        body: Body,
    },
    /// No response arrived: a timeout, a refused or reset connection.
    Failed { message: String },
}

/// An exchange with every volatile value replaced; what a snapshot shows.
#[derive(Debug, Clone, PartialEq)]
pub struct RedactedExchange {
    /// As recorded.
    pub method: String,
    /// The path below the base URL, query included.
    pub path: String,
    /// Lowercase names, sorted, client-added headers dropped.
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub response: RedactedResponse,
}

/// Replaces volatile values by placeholders; one per scenario run, so numbering is shared by all
/// of the scenario's exchanges.
#[derive(Debug, Clone)]
pub struct Redactor {
    /// Plain substring replacements, in order: secrets (longest first, each also
    /// percent-encoded), the base URL, the run prefix.
    literals: Vec<(String, &'static str)>,
    /// The base URL's `host:port`, when it names a port.
    authority: Option<String>,
    /// Whether the run prefix is known, so that the run's own resources can be told from the
    /// others in a list that reads beyond the run.
    knows_prefix: bool,
    ids: HashMap<String, usize>,
    etags: HashMap<String, usize>,
}

impl Redactor {
    pub fn new(context: RedactionContext) -> Self {
        let mut secrets: Vec<String> = Vec::new();
        for secret in context.secrets.into_iter().filter(|s| !s.is_empty()) {
            let encoded = utf8_percent_encode(&secret, NON_ALPHANUMERIC).to_string();
            if encoded != secret {
                secrets.push(encoded);
            }
            secrets.push(secret);
        }
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        let mut literals: Vec<(String, &'static str)> =
            secrets.into_iter().map(|s| (s, REDACTED)).collect();
        let base = context.base_url.trim_end_matches('/');
        if !base.is_empty() {
            literals.push((base.to_owned(), BASE));
        }
        let knows_prefix = !context.run_prefix.is_empty();
        if knows_prefix {
            literals.push((context.run_prefix, PREFIX));
        }
        Redactor {
            literals,
            knows_prefix,
            authority: authority_with_port(base),
            ids: HashMap::new(),
            etags: HashMap::new(),
        }
    }

    /// The exchange as a snapshot shows it.
    pub fn redact_exchange(&mut self, exchange: &Exchange) -> RedactedExchange {
        let draft = self.literal_exchange(exchange);
        self.learn_exchange(&draft);
        self.finish_exchange(draft)
    }

    /// Free text (an error message, a report line) with every rule applied.
    pub fn redact_text(&mut self, text: &str) -> String {
        let text = self.literal_text(text);
        self.learn_text(&text);
        self.finish_string(&text)
    }

    /// A JSON value with every rule applied; objects come back with their keys sorted.
    pub fn redact_json(&mut self, value: &Value) -> Value {
        let value = self.literal_json(value);
        self.learn_json(&value, None);
        self.finish_json(&value, None)
    }

    // Stage 1: literal replacements (secrets, base URL, prefix, host) and passwords. Dropped
    // headers go here, so nothing they hold is learnt.

    fn literal_exchange(&self, exchange: &Exchange) -> RedactedExchange {
        let request = &exchange.request;
        let response = match (&exchange.response, &exchange.error) {
            (Some(response), _) => self.literal_response(response),
            (None, Some(error)) => RedactedResponse::Failed {
                message: self.literal_text(error),
            },
            (None, None) => RedactedResponse::Failed {
                message: "no response".to_owned(),
            },
        };
        let mut draft = RedactedExchange {
            method: request.method.clone(),
            path: self.literal_text(&request.path),
            headers: self.literal_headers(&request.headers, &DROPPED_REQUEST_HEADERS),
            body: self.literal_body(&request.body),
            response,
        };
        if self.knows_prefix
            && reads_beyond_the_run(&draft)
            && let RedactedResponse::Received {
                body: Body::Json(body),
                ..
            } = &mut draft.response
        {
            keep_own_resources(body);
        }
        draft
    }

    fn literal_response(&self, response: &RecordedResponse) -> RedactedResponse {
        RedactedResponse::Received {
            status: response.status,
            headers: self.literal_headers(&response.headers, &DROPPED_RESPONSE_HEADERS),
            body: self.literal_body(&response.body),
        }
    }

    fn literal_headers(
        &self,
        headers: &[(String, String)],
        dropped: &[&str],
    ) -> Vec<(String, String)> {
        let mut kept: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .filter(|(name, _)| !dropped.contains(&name.as_str()))
            .map(|(name, value)| (name, self.literal_text(value)))
            .collect();
        // Stable: headers of the same name keep the order they were sent in.
        kept.sort_by(|a, b| a.0.cmp(&b.0));
        kept
    }

    fn literal_body(&self, body: &[u8]) -> Body {
        if body.is_empty() {
            return Body::Empty;
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(json) => Body::Json(self.literal_json(&json)),
            Err(_) => Body::Text(self.literal_text(&String::from_utf8_lossy(body))),
        }
    }

    fn literal_json(&self, value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.literal_text(text)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.literal_json(v)).collect())
            }
            Value::Object(fields) => {
                let password_operation =
                    patch_attribute(fields).is_some_and(|a| a.eq_ignore_ascii_case("password"));
                let fields: Map<String, Value> = fields
                    .iter()
                    .map(|(key, inner)| {
                        let hidden = key.eq_ignore_ascii_case("password")
                            || (password_operation && key.eq_ignore_ascii_case("value"));
                        let inner = if hidden && !inner.is_null() {
                            Value::String(REDACTED.to_owned())
                        } else {
                            self.literal_json(inner)
                        };
                        (self.literal_text(key), inner)
                    })
                    .collect();
                Value::Object(fields)
            }
            other => other.clone(),
        }
    }

    fn literal_text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (needle, placeholder) in &self.literals {
            if out.contains(needle.as_str()) {
                out = map_text(&out, |segment, buf| {
                    buf.push_str(&segment.replace(needle.as_str(), placeholder));
                });
            }
        }
        if let Some(authority) = &self.authority
            && out.contains(authority.as_str())
        {
            out = map_text(&out, |segment, buf| {
                replace_matches(
                    segment,
                    buf,
                    |s, at| authority_at(s, at, authority),
                    |_, buf| buf.push_str(HOST),
                );
            });
        }
        out
    }

    // Stage 2: learn the ids an exchange reveals, in the order the snapshot shows them.

    fn learn_exchange(&mut self, exchange: &RedactedExchange) {
        self.learn_text(&exchange.path);
        self.learn_headers(&exchange.headers);
        self.learn_body(&exchange.body);
        match &exchange.response {
            RedactedResponse::Received { headers, body, .. } => {
                self.learn_headers(headers);
                self.learn_body(body);
            }
            RedactedResponse::Failed { message } => self.learn_text(message),
        }
    }

    fn learn_headers(&mut self, headers: &[(String, String)]) {
        for (name, value) in headers {
            if !is_etag_header(name) && !is_date_header(name) {
                self.learn_text(value);
            }
        }
    }

    fn learn_body(&mut self, body: &Body) {
        match body {
            Body::Empty => {}
            Body::Json(json) => self.learn_json(json, None),
            Body::Text(text) => self.learn_text(text),
        }
    }

    fn learn_json(&mut self, value: &Value, key: Option<&str>) {
        match value {
            // A version is an ETag, not a place for ids.
            Value::String(text) if !key.is_some_and(is_version_key) => self.learn_text(text),
            Value::Array(items) => items.iter().for_each(|item| self.learn_json(item, None)),
            Value::Object(fields) => {
                let fixed_ids = has_fixed_ids(fields);
                let reference_operation =
                    patch_attribute(fields).is_some_and(is_reference_attribute);
                for (name, inner) in sorted(fields) {
                    if name.eq_ignore_ascii_case("id") {
                        if let (Value::String(id), false) = (inner, fixed_ids) {
                            self.learn_id(id);
                        }
                    } else if is_reference_attribute(name)
                        || (reference_operation && name.eq_ignore_ascii_case("value"))
                    {
                        self.learn_references(inner);
                    }
                    self.learn_json(inner, Some(name));
                }
            }
            _ => {}
        }
    }

    /// `members: [{value}]`, `manager: {value}`, and Entra's `manager` PATCH value, a bare id.
    fn learn_references(&mut self, value: &Value) {
        match value {
            Value::Array(items) => items.iter().for_each(|item| self.learn_references(item)),
            Value::Object(fields) => {
                if let Some(Value::String(id)) = get_ignore_case(fields, "value") {
                    self.learn_id(id);
                }
            }
            Value::String(id) => self.learn_id(id),
            _ => {}
        }
    }

    fn learn_id(&mut self, id: &str) {
        if !id.is_empty() && !is_placeholder(id) && !id.starts_with("urn:") {
            number(&mut self.ids, id);
        }
    }

    /// Learns the UUIDs in `text`, skipping weak ETags (they become `<etag-N>`, not ids).
    fn learn_text(&mut self, text: &str) {
        for (is_placeholder, segment) in pieces(text) {
            if is_placeholder {
                continue;
            }
            let mut at = 0;
            while at < segment.len() {
                if segment.is_char_boundary(at) {
                    if let Some(len) = weak_etag_at(segment, at) {
                        at += len;
                        continue;
                    }
                    if let Some(len) = uuid_at(segment, at) {
                        number(&mut self.ids, &segment[at..at + len]);
                        at += len;
                        continue;
                    }
                }
                at += 1;
            }
        }
    }

    // Stage 3: rewrite, with every id of the exchange known.

    fn finish_exchange(&mut self, draft: RedactedExchange) -> RedactedExchange {
        let path = self.finish_string(&draft.path);
        let headers = self.finish_headers(&draft.headers);
        let body = self.finish_body(&draft.body);
        let response = match &draft.response {
            RedactedResponse::Received {
                status,
                headers,
                body,
            } => RedactedResponse::Received {
                status: *status,
                headers: self.finish_headers(headers),
                body: self.finish_body(body),
            },
            RedactedResponse::Failed { message } => RedactedResponse::Failed {
                message: self.finish_string(message),
            },
        };
        RedactedExchange {
            method: draft.method,
            path,
            headers,
            body,
            response,
        }
    }

    fn finish_headers(&mut self, headers: &[(String, String)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(name, value)| {
                let value = if is_etag_header(name) {
                    self.finish_etag_list(value)
                } else if is_date_header(name) && !value.trim().is_empty() {
                    TIMESTAMP.to_owned()
                } else if name.eq_ignore_ascii_case("user-agent")
                    && value == crate::exchange::HARNESS_USER_AGENT
                {
                    "scimulate/<version>".to_owned()
                } else {
                    self.finish_string(value)
                };
                (name.clone(), value)
            })
            .collect()
    }

    /// `W/"1", "abc"` → `<etag-1>, <etag-2>`; `*` stays.
    fn finish_etag_list(&mut self, value: &str) -> String {
        split_tags(value)
            .into_iter()
            .map(|tag| self.finish_etag(tag))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn finish_etag(&mut self, tag: &str) -> String {
        if tag.is_empty() || tag == "*" || is_placeholder(tag) {
            tag.to_owned()
        } else {
            format!("<etag-{}>", number(&mut self.etags, tag))
        }
    }

    fn finish_body(&mut self, body: &Body) -> Body {
        match body {
            Body::Empty => Body::Empty,
            Body::Json(json) => Body::Json(self.finish_json(json, None)),
            Body::Text(text) => {
                let text = self.finish_string(text);
                // Redaction can turn broken JSON into JSON (`"W/"1""` becomes `"<etag-1>"`);
                // showing it as JSON now is what a second pass would do, so the result is stable.
                match serde_json::from_str::<Value>(&text) {
                    Ok(json) => Body::Json(self.redact_json(&json)),
                    Err(_) => Body::Text(text),
                }
            }
        }
    }

    fn finish_json(&mut self, value: &Value, key: Option<&str>) -> Value {
        match value {
            Value::String(text) if key.is_some_and(is_version_key) => {
                Value::String(self.finish_etag(text.trim()))
            }
            Value::String(text) => Value::String(self.finish_string(text)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.finish_json(item, None))
                    .collect(),
            ),
            Value::Object(fields) => {
                // Inserted in sorted order: sorted whether or not serde_json preserves order.
                let mut out = Map::new();
                for (name, inner) in sorted(fields) {
                    let inner = self.finish_json(inner, Some(name));
                    out.insert(name.clone(), inner);
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }

    /// A whole string: a known id becomes its placeholder; otherwise the text rules apply.
    fn finish_string(&mut self, text: &str) -> String {
        if is_placeholder(text) {
            return text.to_owned();
        }
        if let Some(n) = self.ids.get(text) {
            return format!("<id-{n}>");
        }
        self.finish_text(text)
    }

    fn finish_text(&mut self, text: &str) -> String {
        let ids = &self.ids;
        let out = map_text(text, |segment, buf| {
            replace_matches(
                segment,
                buf,
                |s, at| known_id_at(s, at, ids),
                |id, buf| {
                    if let Some(n) = ids.get(id) {
                        buf.push_str(&format!("<id-{n}>"));
                    }
                },
            );
        });
        let etags = &mut self.etags;
        let out = map_text(&out, |segment, buf| {
            replace_matches(segment, buf, weak_etag_at, |tag, buf| {
                buf.push_str(&format!("<etag-{}>", number(etags, tag)));
            });
        });
        let ids = &mut self.ids;
        let out = map_text(&out, |segment, buf| {
            replace_matches(segment, buf, uuid_at, |uuid, buf| {
                buf.push_str(&format!("<id-{}>", number(ids, uuid)));
            });
        });
        map_text(&out, |segment, buf| {
            replace_matches(segment, buf, timestamp_at, |_, buf| buf.push_str(TIMESTAMP));
        })
    }
}

/// Whether a request reads beyond the run: a list of `/Users` or `/Groups` (`GET`), or a
/// `POST …/.search`, with no filter and no mention of the run prefix (its `<prefix>` after
/// stage 1) in its path, query or body. Such a list answers with whatever else the target
/// holds: other runs' resources, leftovers, real users. A filtered list is taken as scoped by
/// its filter: to the run's prefix, to an id the run captured, or to a random GUID that
/// matches nothing.
fn reads_beyond_the_run(exchange: &RedactedExchange) -> bool {
    let path = exchange.path.split(['?', '#']).next().unwrap_or_default();
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let is_list = match exchange.method.to_ascii_uppercase().as_str() {
        "GET" => last.eq_ignore_ascii_case("Users") || last.eq_ignore_ascii_case("Groups"),
        "POST" => last.eq_ignore_ascii_case(".search"),
        _ => false,
    };
    let names_the_run = exchange.path.contains(PREFIX)
        || match &exchange.body {
            Body::Empty => false,
            Body::Json(json) => mentions_prefix(json),
            Body::Text(text) => text.contains(PREFIX),
        };
    let query = exchange.path.split_once('?').map_or("", |(_, query)| query);
    let filtered = query.split('&').any(|pair| {
        let key = pair.split('=').next().unwrap_or_default();
        key.eq_ignore_ascii_case("filter")
    }) || matches!(&exchange.body, Body::Json(Value::Object(fields))
        if get_ignore_case(fields, "filter").is_some_and(|filter| !filter.is_null()));
    is_list && !names_the_run && !filtered
}

/// Whether any string or key in `value` holds the run prefix (as `<prefix>`, after stage 1).
fn mentions_prefix(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains(PREFIX),
        Value::Array(items) => items.iter().any(mentions_prefix),
        Value::Object(fields) => fields
            .iter()
            .any(|(key, inner)| key.contains(PREFIX) || mentions_prefix(inner)),
        _ => false,
    }
}

/// A list answer cut down to the run's own resources (those that carry its prefix), with
/// `totalResults` and `itemsPerPage` as [`COUNT`]: both count what else the target holds. The
/// resources left out are dropped before their ids are learnt, so they number nothing.
fn keep_own_resources(body: &mut Value) {
    let Value::Object(fields) = body else {
        return;
    };
    let is_list = fields.iter().any(|(key, value)| {
        (key.eq_ignore_ascii_case("Resources") && value.is_array())
            || key.eq_ignore_ascii_case("totalResults")
    });
    if !is_list {
        return;
    }
    for (key, value) in fields.iter_mut() {
        if key.eq_ignore_ascii_case("Resources") {
            if let Value::Array(resources) = value {
                resources.retain(mentions_prefix);
            }
        } else if (key.eq_ignore_ascii_case("totalResults")
            || key.eq_ignore_ascii_case("itemsPerPage"))
            && !value.is_null()
        {
            *value = Value::String(COUNT.to_owned());
        }
    }
}

/// The placeholder number for `value`, assigning the next one on first sight.
fn number(map: &mut HashMap<String, usize>, value: &str) -> usize {
    if let Some(n) = map.get(value) {
        return *n;
    }
    let n = map.len() + 1;
    map.insert(value.to_owned(), n);
    n
}

/// `host:port` of a URL that names a port, e.g. `127.0.0.1:41234`.
fn authority_with_port(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = authority.rsplit_once(':')?;
    let named = !host.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
    named.then(|| authority.to_owned())
}

fn is_etag_header(name: &str) -> bool {
    ETAG_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

fn is_date_header(name: &str) -> bool {
    DATE_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

fn is_version_key(key: &str) -> bool {
    key.eq_ignore_ascii_case("version")
}

fn is_reference_attribute(name: &str) -> bool {
    REFERENCE_ATTRIBUTES
        .iter()
        .any(|a| a.eq_ignore_ascii_case(name))
}

fn get_ignore_case<'a>(fields: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    fields
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(key))
        .map(|(_, value)| value)
}

fn sorted(fields: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = fields.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// The attribute a PATCH operation (`{"op", "path", "value"}`) targets: `members` for
/// `members[value eq "x"]`, `manager` for `urn:…:enterprise:2.0:User:manager`.
fn patch_attribute(fields: &Map<String, Value>) -> Option<&str> {
    get_ignore_case(fields, "op")?.as_str()?;
    let path = get_ignore_case(fields, "path")?.as_str()?;
    let attribute = path.split('[').next()?;
    let attribute = attribute.rsplit(':').next()?;
    attribute.split('.').next().map(str::trim)
}

/// `Schema` and `ResourceType` resources have fixed, meaningful ids (`User`, a schema URN).
fn has_fixed_ids(fields: &Map<String, Value>) -> bool {
    let Some(Value::Array(schemas)) = get_ignore_case(fields, "schemas") else {
        return false;
    };
    schemas
        .iter()
        .filter_map(Value::as_str)
        .any(|urn| urn.ends_with(":ResourceType") || urn.ends_with(":Schema"))
}

/// Splits an `If-Match` list on commas outside quotes; items trimmed.
fn split_tags(value: &str) -> Vec<&str> {
    let mut tags = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (at, byte) in value.bytes().enumerate() {
        match byte {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                tags.push(value[start..at].trim());
                start = at + 1;
            }
            _ => {}
        }
    }
    tags.push(value[start..].trim());
    tags
}

// Text scanning. Placeholders are never rewritten: every rule runs on the text between them.

/// `text` cut into placeholders (`true`) and the text between them (`false`).
fn pieces(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut from = 0;
    while let Some(offset) = rest[from..].find('<') {
        let start = from + offset;
        match placeholder_len(&rest[start..]) {
            Some(len) => {
                if start > 0 {
                    out.push((false, &rest[..start]));
                }
                out.push((true, &rest[start..start + len]));
                rest = &rest[start + len..];
                from = 0;
            }
            None => from = start + 1,
        }
    }
    if !rest.is_empty() || out.is_empty() {
        out.push((false, rest));
    }
    out
}

/// Rebuilds `text`, passing each run of non-placeholder text through `rewrite`.
fn map_text(text: &str, mut rewrite: impl FnMut(&str, &mut String)) -> String {
    let mut out = String::with_capacity(text.len());
    for (is_placeholder, piece) in pieces(text) {
        if is_placeholder {
            out.push_str(piece);
        } else {
            rewrite(piece, &mut out);
        }
    }
    out
}

/// Copies `segment` into `out`, replacing each match `find` reports (its length, at a char
/// boundary) by what `replace` writes.
fn replace_matches(
    segment: &str,
    out: &mut String,
    find: impl Fn(&str, usize) -> Option<usize>,
    mut replace: impl FnMut(&str, &mut String),
) {
    let mut copied = 0;
    let mut at = 0;
    while at < segment.len() {
        if segment.is_char_boundary(at)
            && let Some(len) = find(segment, at)
            && len > 0
        {
            out.push_str(&segment[copied..at]);
            replace(&segment[at..at + len], out);
            at += len;
            copied = at;
            continue;
        }
        at += 1;
    }
    out.push_str(&segment[copied..]);
}

/// The longest placeholder name, `etag-` plus digits, with room to spare.
const MAX_PLACEHOLDER_NAME: usize = 24;

/// The length of the placeholder `text` starts with, if it starts with one.
fn placeholder_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    if bytes.first() != Some(&b'<') {
        return None;
    }
    let window = &bytes[1..bytes.len().min(MAX_PLACEHOLDER_NAME + 2)];
    let close = window.iter().position(|&b| b == b'>')?;
    let name = std::str::from_utf8(&window[..close]).ok()?;
    is_placeholder_name(name).then_some(close + 2)
}

fn is_placeholder_name(name: &str) -> bool {
    let numbered = |stem: &str| {
        name.strip_prefix(stem)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    matches!(
        name,
        "base" | "host" | "prefix" | "redacted" | "timestamp" | "count"
    ) || numbered("id-")
        || numbered("etag-")
}

/// Whether `text` is exactly one placeholder.
pub(crate) fn is_placeholder(text: &str) -> bool {
    placeholder_len(text) == Some(text.len())
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Whether a match may start at `at`: not inside a word. A percent-escape (`%22`, `%20`) before
/// it counts as a boundary, so ids in encoded queries are found.
fn bounded_before(text: &str, at: usize) -> bool {
    let bytes = text.as_bytes();
    if at == 0 {
        return true;
    }
    if at >= 3
        && bytes[at - 3] == b'%'
        && bytes[at - 2].is_ascii_hexdigit()
        && bytes[at - 1].is_ascii_hexdigit()
    {
        return true;
    }
    !is_word_byte(bytes[at - 1])
}

/// Whether a match may end at `at`: not inside a word.
fn bounded_after(text: &str, at: usize) -> bool {
    text.as_bytes().get(at).is_none_or(|&b| !is_word_byte(b))
}

/// `8-4-4-4-12` hex digits, not part of a longer word.
fn uuid_at(text: &str, at: usize) -> Option<usize> {
    const LEN: usize = 36;
    let candidate = text.as_bytes().get(at..at + LEN)?;
    let shaped = candidate.iter().enumerate().all(|(i, &b)| match i {
        8 | 13 | 18 | 23 => b == b'-',
        _ => b.is_ascii_hexdigit(),
    });
    (shaped && bounded_before(text, at) && bounded_after(text, at + LEN)).then_some(LEN)
}

/// An RFC 3339 date-time (`2024-05-01T12:00:00.123+02:00`); the offset may be missing, as some
/// servers send local times.
fn timestamp_at(text: &str, at: usize) -> Option<usize> {
    if !bounded_before(text, at) {
        return None;
    }
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        at,
    };
    cursor.digits(4)?;
    cursor.byte(|b| b == b'-')?;
    cursor.digits(2)?;
    cursor.byte(|b| b == b'-')?;
    cursor.digits(2)?;
    cursor.byte(|b| b == b'T' || b == b't')?;
    cursor.digits(2)?;
    cursor.byte(|b| b == b':')?;
    cursor.digits(2)?;
    cursor.byte(|b| b == b':')?;
    cursor.digits(2)?;
    let mut end = cursor.at;
    if cursor.byte(|b| b == b'.').is_some() && cursor.digits(1).is_some() {
        while cursor.byte(|b| b.is_ascii_digit()).is_some() {}
        end = cursor.at;
    }
    cursor.at = end;
    if cursor.byte(|b| b == b'Z' || b == b'z').is_some() {
        end = cursor.at;
    } else if cursor.byte(|b| b == b'+' || b == b'-').is_some() && cursor.digits(2).is_some() {
        let _ = cursor.byte(|b| b == b':');
        if cursor.digits(2).is_some() {
            end = cursor.at;
        }
    }
    bounded_after(text, end).then_some(end - at)
}

/// A small forward reader for [`timestamp_at`].
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn byte(&mut self, accept: impl Fn(u8) -> bool) -> Option<()> {
        let byte = *self.bytes.get(self.at)?;
        accept(byte).then(|| self.at += 1)
    }

    fn digits(&mut self, count: usize) -> Option<()> {
        (0..count).try_for_each(|_| self.byte(|b| b.is_ascii_digit()))
    }
}

/// `W/"…"`, not part of a longer word.
fn weak_etag_at(text: &str, at: usize) -> Option<usize> {
    let rest = text.as_bytes().get(at..)?;
    if !rest.starts_with(b"W/\"") || !bounded_before(text, at) {
        return None;
    }
    let close = rest[3..].iter().position(|&b| b == b'"')?;
    Some(3 + close + 1)
}

/// Bytes that end a path segment or a quoted token.
fn ends_token(byte: u8) -> bool {
    matches!(
        byte,
        b'/' | b'?' | b'#' | b'"' | b'\'' | b'%' | b'&' | b',' | b';' | b']' | b')'
    ) || byte.is_ascii_whitespace()
}

/// A known id as a path segment (`/Users/abc`, `/Users/abc?x`) or quoted (`"abc"`, `'abc'`,
/// `%22abc%22`). Only whole tokens: a short id like `1` is never replaced inside other text.
fn known_id_at(text: &str, at: usize, ids: &HashMap<String, usize>) -> Option<usize> {
    if ids.is_empty() || at == 0 {
        return None;
    }
    let bytes = text.as_bytes();
    let opener: &[u8] = match bytes[at - 1] {
        b'/' => b"/",
        b'"' => b"\"",
        b'\'' => b"'",
        b'2' if at >= 3 && bytes[at - 3..at] == *b"%22" => b"%22",
        _ => return None,
    };
    let end = bytes[at..]
        .iter()
        .position(|&b| ends_token(b))
        .map_or(bytes.len(), |offset| at + offset);
    if end == at || !ids.contains_key(&text[at..end]) {
        return None;
    }
    let closed = match opener {
        b"/" => true,
        quote => bytes[end..].starts_with(quote),
    };
    closed.then_some(end - at)
}

/// `host:port` at `at`, not inside a longer host name or port.
fn authority_at(text: &str, at: usize, authority: &str) -> Option<usize> {
    if !text[at..].starts_with(authority) {
        return None;
    }
    let before_ok = at == 0 || {
        let b = text.as_bytes()[at - 1];
        !(is_word_byte(b) || matches!(b, b'.' | b'-' | b'@'))
    };
    (before_ok && bounded_after(text, at + authority.len())).then_some(authority.len())
}

#[cfg(test)]
mod tests;
