//! From a trace to what support works with: a scenario that replays it, and its transcript.
//!
//! The scenario is one raw request step per exchange, in order, each expecting the recorded
//! status, sent `as_written` (the recorded header fields, nothing added). What makes a trace
//! replayable anywhere, not only against the server it came from:
//! - **Ids become captures.** An id a response reveals (a create's `id`, a lookup's
//!   `Resources[0].id`) is captured there, and every later use of it (a path segment, a quoted
//!   filter value, a JSON string) becomes `{{user_1}}`.
//! - **Names move under the run prefix.** Each `userName`, e-mail and group `displayName` the
//!   trace creates is rewritten as `{{run.prefix}}.<name>` (a group: `{{run.prefix}} <name>`),
//!   everywhere it appears, percent-encoded in filters too, so a replay on a shared tenant
//!   never collides with real users or with another replay.
//! - **Time, when asked.** With `keep_timing`, a pause of a second or more between two
//!   exchanges becomes a `wait` step: on the virtual clock, so a 40-minute Entra cycle replays
//!   in no time.
//!
//! The transcript is the trace in the snapshot format, with the same rewriting and redaction a
//! replay's snapshot gets, written as the replay's approved snapshot: a replay against another
//! build then shows what changed as a snapshot diff.

use std::collections::BTreeMap;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::trace::TraceEntry;
use crate::scenario::model::{
    Capture, CheckSpec, Expect, IdpName, Level, RequestStep, Scenario, StatusExpect, Step,
};
use crate::snapshot::format::{SnapshotPoint, render};
use crate::snapshot::redact::{RedactionContext, Redactor};

/// The snapshot step that closes a replay, and the transcript's one section.
pub const SNAPSHOT_NAME: &str = "recorded";

/// What stands for the run prefix in the transcript: the redactor shows it as `<prefix>`, as
/// it shows a replay's own prefix.
const TRANSCRIPT_PREFIX: &str = "smrecorded00";

/// Request headers a replay does not send as recorded: the connection's own, and the
/// credential (the replay sends the target's).
const NOT_REPLAYED: [&str; 8] = [
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "authorization",
    "proxy-authorization",
    "cookie",
];

/// How to convert.
#[derive(Debug, Clone)]
pub struct Options {
    /// The scenario's name.
    pub name: String,
    /// What the scenario's description says the trace is (where and when it was recorded).
    pub origin: String,
    /// The base URL the trace's answers name (their `Location`, `meta.location`), redacted as
    /// `<base>` in the transcript.
    pub base_url: String,
    /// Keep pauses of a second or more as `wait` steps.
    pub keep_timing: bool,
}

/// A converted trace.
#[derive(Debug, Clone)]
pub struct Conversion {
    pub scenario: Scenario,
    /// The transcript, in the snapshot format.
    pub transcript: String,
    /// Bodies that are not JSON, by file name relative to the scenario: sent byte for byte.
    pub body_files: Vec<(String, Vec<u8>)>,
    /// What the conversion could not carry over, one sentence each.
    pub notes: Vec<String>,
}

/// Converts a trace.
pub fn convert(entries: &[TraceEntry], options: &Options) -> Conversion {
    let names = names_created(entries);
    let mut ids: Vec<(String, String)> = Vec::new();
    let mut counters: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut steps = Vec::new();
    let mut body_files = Vec::new();
    let mut notes = Vec::new();
    let mut previous_at: Option<u64> = None;
    for (index, entry) in entries.iter().enumerate() {
        if options.keep_timing
            && let Some(before) = previous_at
        {
            let seconds = entry.at_ms.saturating_sub(before) / 1000;
            if seconds >= 1 {
                steps.push(Step::Wait(duration_text(seconds)));
            }
        }
        previous_at = Some(entry.at_ms);
        let rewrite = |text: &str| {
            let text = rename(&with_ids(text, &ids), &names, "{{run.prefix}}", false);
            at_replay_target(&text, &options.base_url)
        };
        let path = rename(&with_ids(&entry.path, &ids), &names, "{{run.prefix}}", true);
        let mut headers = BTreeMap::new();
        for (name, value) in &entry.request_headers {
            if NOT_REPLAYED.iter().any(|h| h.eq_ignore_ascii_case(name)) {
                continue;
            }
            headers.insert(name.clone(), rewrite(value));
        }
        let raw = entry.request_body.bytes();
        let (body, body_file) = match serde_json::from_slice::<Value>(&raw) {
            _ if raw.is_empty() => (None, None),
            Ok(json) => (Some(map_strings(&json, &rewrite)), None),
            Err(_) => {
                let file = format!("bodies/step-{}.txt", index + 1);
                let text = rewrite(&String::from_utf8_lossy(&raw));
                body_files.push((file.clone(), text.into_bytes()));
                (None, Some(file))
            }
        };
        let expect = match entry.status {
            Some(status) => Some(Expect {
                status: Some(StatusExpect::One(status)),
                ..Expect::default()
            }),
            None => {
                notes.push(format!(
                    "exchange {}: {} {} got no answer from the upstream ({}); its replay expects nothing",
                    index + 1,
                    entry.method,
                    entry.path,
                    entry.error.as_deref().unwrap_or("no reason recorded")
                ));
                None
            }
        };
        let mut capture = BTreeMap::new();
        for (id, pointer) in revealed_ids(entry) {
            if ids.iter().any(|(known, _)| *known == id) {
                continue;
            }
            let kind = kind_of(&entry.path);
            let count = counters.entry(kind).or_insert(0);
            *count += 1;
            let var = format!("{kind}_{count}");
            capture.insert(var.clone(), Capture::Pointer(pointer));
            ids.push((id, var));
        }
        steps.push(Step::Request(Box::new(RequestStep {
            name: Some(format!("{} {}", entry.method, entry.path)),
            method: entry.method.clone(),
            path,
            headers,
            body,
            body_file,
            expect,
            capture,
            check: Some(CheckSpec {
                id: format!("recorded.{}.exchange-{}", options.name, index + 1),
                level: Level::IdpRequired,
                source: Some(format!(
                    "{} ({}, line {})",
                    options.origin,
                    super::trace::TRACE_FILE,
                    index + 1
                )),
                requirement: entry.status.map(|status| {
                    format!("When it was recorded, this request was answered {status}.")
                }),
                real_idp: None,
            }),
            checks: Vec::new(),
            optional: false,
            as_written: true,
        })));
    }
    steps.push(Step::Snapshot(SNAPSHOT_NAME.to_owned()));
    let scenario = Scenario {
        name: options.name.clone(),
        description: format!(
            "Replays {} exchange(s) recorded {} by `scimulate record`, each expecting the status the upstream gave.",
            entries.len(),
            options.origin
        ),
        tags: vec![crate::runner::area::REPLAY_TAG.to_owned()],
        idps: vec![IdpName::Generic],
        source: None,
        requires: Vec::new(),
        exclusive: false,
        opt_in: false,
        idp_settings: Default::default(),
        steps,
    };
    let transcript = transcript(entries, &names, options);
    Conversion {
        scenario,
        transcript,
        body_files,
        notes,
    }
}

/// The trace in the snapshot format, as a replay's snapshot shows it.
fn transcript(entries: &[TraceEntry], names: &[(String, String)], options: &Options) -> String {
    let exchanges = entries
        .iter()
        .map(|entry| {
            let mut exchange = entry.to_exchange(&options.base_url);
            let rewrite = |text: &str| rename(text, names, TRANSCRIPT_PREFIX, false);
            exchange.request.path = rename(&exchange.request.path, names, TRANSCRIPT_PREFIX, true);
            for (_, value) in &mut exchange.request.headers {
                *value = rewrite(value);
            }
            exchange.request.body = rewrite_body(&exchange.request.body, &rewrite);
            if let Some(response) = &mut exchange.response {
                response.body = rewrite_body(&response.body, &rewrite);
                for (_, value) in &mut response.headers {
                    *value = rewrite(value);
                }
            }
            exchange
        })
        .collect();
    let mut redactor = Redactor::new(RedactionContext {
        base_url: options.base_url.clone(),
        run_prefix: TRANSCRIPT_PREFIX.to_owned(),
        secrets: Vec::new(),
    });
    render(
        &options.name,
        IdpName::Generic,
        &[SnapshotPoint {
            name: SNAPSHOT_NAME.to_owned(),
            exchanges,
        }],
        &mut redactor,
    )
}

fn rewrite_body(body: &[u8], rewrite: &dyn Fn(&str) -> String) -> Vec<u8> {
    match serde_json::from_slice::<Value>(body) {
        Ok(json) => serde_json::to_vec(&map_strings(&json, rewrite)).unwrap_or_default(),
        Err(_) => rewrite(&String::from_utf8_lossy(body)).into_bytes(),
    }
}

/// Every string of a JSON value (keys kept) through `f`.
fn map_strings(value: &Value, f: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(text) => Value::String(f(text)),
        Value::Array(items) => Value::Array(items.iter().map(|v| map_strings(v, f)).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), map_strings(v, f)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The names the trace creates (user names, e-mails, group names), each with its rewritten
/// form's template (`{}` for the prefix), longest first so a name inside another is not
/// rewritten twice.
fn names_created(entries: &[TraceEntry]) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = Vec::new();
    let mut add = |name: &str, template: String| {
        if name.len() >= 3 && !names.iter().any(|(n, _)| n == name) {
            names.push((name.to_owned(), template));
        }
    };
    for entry in entries {
        let writes = matches!(entry.method.to_ascii_uppercase().as_str(), "POST" | "PUT");
        if !writes {
            continue;
        }
        let Ok(body) = serde_json::from_slice::<Value>(&entry.request_body.bytes()) else {
            continue;
        };
        let path = entry.path.split('?').next().unwrap_or_default();
        if path.starts_with("/Users") {
            if let Some(user_name) = body.get("userName").and_then(Value::as_str) {
                add(user_name, format!("{{}}.{user_name}"));
            }
            for email in body
                .get("emails")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("value").and_then(Value::as_str))
            {
                add(email, format!("{{}}.{email}"));
            }
        } else if path.starts_with("/Groups")
            && let Some(name) = body.get("displayName").and_then(Value::as_str)
        {
            add(name, format!("{{}} {name}"));
        }
    }
    names.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    names
}

/// `text` with each created name rewritten under `prefix`. In a URL (`in_url`) the name may
/// stand percent-encoded or form-encoded, and its new form is written encoded.
fn rename(text: &str, names: &[(String, String)], prefix: &str, in_url: bool) -> String {
    let mut out = text.to_owned();
    for (name, template) in names {
        let renamed = template.replace("{}", prefix);
        let mut forms: Vec<(String, String)> = Vec::new();
        if in_url {
            let encoded = encode_keeping_braces(&renamed);
            forms.push((name.clone(), encoded.clone()));
            forms.push((encode(name), encoded));
            forms.push((
                form_urlencoded::byte_serialize(name.as_bytes()).collect(),
                form_urlencoded::byte_serialize(renamed.as_bytes())
                    .collect::<String>()
                    .replace("%7B%7B", "{{")
                    .replace("%7D%7D", "}}"),
            ));
        } else {
            forms.push((name.clone(), renamed));
        }
        let mut seen = Vec::new();
        for (from, to) in forms {
            if seen.contains(&from) {
                continue;
            }
            out = replace_unless_renamed(&out, &from, &to);
            seen.push(from);
        }
    }
    out
}

/// Replaces `from` by `to`, except where `to` already stands (a second pass changes nothing).
fn replace_unless_renamed(text: &str, from: &str, to: &str) -> String {
    if from.is_empty() || from == to {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let already = to
            .find(from)
            .is_some_and(|offset| at >= offset && rest[at - offset..].starts_with(to));
        out.push_str(&rest[..at]);
        out.push_str(if already { from } else { to });
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

/// Percent-encodes as a URI component, except `.`, `-`, `_` and `~`.
fn encode(text: &str) -> String {
    const COMPONENT: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(text, COMPONENT).to_string()
}

fn encode_keeping_braces(text: &str) -> String {
    encode(text).replace("%7B%7B", "{{").replace("%7D%7D", "}}")
}

/// `text` with the recorded server's base URL (an Okta PUT echoes `meta.location`) as the
/// replay target's.
fn at_replay_target(text: &str, base_url: &str) -> String {
    let base = base_url.trim_end_matches('/');
    if base.is_empty() {
        return text.to_owned();
    }
    text.replace(base, "{{run.base_url}}")
}

/// `text` with each known id replaced by its variable where it stands whole: a path segment,
/// a quoted value (`"id"`, `%22id%22`), or the whole text.
fn with_ids(text: &str, ids: &[(String, String)]) -> String {
    let mut out = text.to_owned();
    for (id, var) in ids {
        let reference = format!("{{{{{var}}}}}");
        if out == *id {
            return reference;
        }
        for (open, close) in [("\"", "\""), ("%22", "%22"), ("/", "/"), ("/", "?")] {
            out = out.replace(
                &format!("{open}{id}{close}"),
                &format!("{open}{reference}{close}"),
            );
        }
        if let Some(stem) = out.strip_suffix(&format!("/{id}")) {
            out = format!("{stem}/{reference}");
        }
    }
    out
}

/// The ids an exchange's answer reveals, with the pointer to capture each from.
fn revealed_ids(entry: &TraceEntry) -> Vec<(String, String)> {
    let Some(status) = entry.status else {
        return Vec::new();
    };
    if !(200..300).contains(&status) {
        return Vec::new();
    }
    let Ok(body) = serde_json::from_slice::<Value>(&entry.response_body.bytes()) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    if let Some(id) = body.get("id").and_then(Value::as_str) {
        found.push((id.to_owned(), "/id".to_owned()));
    }
    for (index, resource) in body
        .get("Resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let is_schema = resource
            .get("schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| {
                s.iter().any(|u| {
                    u.as_str()
                        .is_some_and(|u| u.ends_with(":Schema") || u.ends_with(":ResourceType"))
                })
            });
        if let (false, Some(id)) = (is_schema, resource.get("id").and_then(Value::as_str)) {
            found.push((id.to_owned(), format!("/Resources/{index}/id")));
        }
    }
    found.retain(|(id, _)| !id.starts_with("urn:") && id.len() >= 2);
    found
}

/// `user` or `group`, by the endpoint a path names.
fn kind_of(path: &str) -> &'static str {
    if path.starts_with("/Groups") {
        "group"
    } else if path.starts_with("/Users") {
        "user"
    } else {
        "resource"
    }
}

/// `90` → `1m30s`.
fn duration_text(seconds: u64) -> String {
    let mut text = String::new();
    let mut rest = seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            text.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    text
}

#[cfg(test)]
mod tests;
