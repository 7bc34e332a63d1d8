//! A HAR file read as a trace: what browser tools and SCIM Verify export.
//!
//! HAR 1.2 (`log.entries[]`, each with its `request`, `response`, `startedDateTime` and
//! `time`). Each entry's URL is cut below its SCIM base path, found where the first SCIM
//! endpoint (`Users`, `Groups`, `Schemas`…) starts; entries whose URL names none are left out.
//! Everything goes through the scrubber before it becomes a trace entry, as in a live recording.

use serde_json::Value;

use super::trace::{Payload, TraceEntry};
use crate::runner::scrub::Scrubber;

/// The endpoints that mark where a SCIM base path ends.
const ENDPOINTS: [&str; 8] = [
    "Users",
    "Groups",
    "Schemas",
    "ResourceTypes",
    "ServiceProviderConfig",
    "ServiceProviderConfigs",
    "Bulk",
    "Me",
];

/// A HAR file's SCIM exchanges, scrubbed, and the base URL they were made against (the first
/// entry's), and how many entries were left out.
#[derive(Debug, Clone)]
pub struct Imported {
    pub entries: Vec<TraceEntry>,
    pub base_url: String,
    pub skipped: usize,
    /// The kinds of secret scrubbed.
    pub scrubbed: Vec<String>,
}

/// Reads a HAR document.
pub fn import(text: &str, scrubber: &Scrubber) -> Result<Imported, String> {
    let har: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let items = har
        .pointer("/log/entries")
        .and_then(Value::as_array)
        .ok_or("no `log.entries`: not a HAR file")?;
    let mut entries = Vec::new();
    let mut base_url = String::new();
    let mut skipped = 0;
    let mut scrubbed = Vec::new();
    let mut first_start: Option<jiff::Timestamp> = None;
    for item in items {
        let request = &item["request"];
        let url = request["url"].as_str().unwrap_or_default();
        let Some((base, path)) = split_url(url) else {
            skipped += 1;
            continue;
        };
        if base_url.is_empty() {
            base_url = base;
        }
        let started = item["startedDateTime"]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok());
        let at_ms = match (first_start, started) {
            (None, Some(start)) => {
                first_start = Some(start);
                0
            }
            (Some(first), Some(start)) => start
                .duration_since(first)
                .as_millis()
                .try_into()
                .unwrap_or(0),
            _ => 0,
        };
        let headers = |value: &Value| -> Vec<(String, String)> {
            value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| {
                    let name = h["name"].as_str()?;
                    // HTTP/2 pseudo-headers are the HAR's, not the request's.
                    (!name.starts_with(':')).then(|| {
                        (
                            name.to_owned(),
                            h["value"].as_str().unwrap_or("").to_owned(),
                        )
                    })
                })
                .collect()
        };
        let mut scrub_headers = |list: Vec<(String, String)>| -> Vec<(String, String)> {
            list.into_iter()
                .map(|(name, value)| {
                    let clean = scrubber.header(&name, &value);
                    if clean != value {
                        scrubbed.push(format!("the header {}", name.to_ascii_lowercase()));
                    }
                    (name, clean)
                })
                .collect()
        };
        let request_headers = scrub_headers(headers(&request["headers"]));
        let request_body = request["postData"]["text"]
            .as_str()
            .unwrap_or("")
            .as_bytes();
        scrubber.learn(request_body);
        let response = &item["response"];
        let status = response["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| *s > 0);
        let response_headers = scrub_headers(headers(&response["headers"]));
        let content = &response["content"];
        let response_body: Vec<u8> = match (content["text"].as_str(), content["encoding"].as_str())
        {
            (Some(text), Some("base64")) => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .unwrap_or_default()
            }
            (Some(text), _) => text.as_bytes().to_vec(),
            (None, _) => Vec::new(),
        };
        let clean_request = scrubber.body(request_body);
        let clean_response = scrubber.body(&response_body);
        if clean_request != request_body || clean_response != response_body {
            scrubbed.push("a password or secret in a body".to_owned());
        }
        entries.push(TraceEntry {
            at_ms,
            method: request["method"].as_str().unwrap_or("GET").to_owned(),
            path,
            request_headers,
            request_body: Payload::of(&clean_request),
            status,
            response_headers,
            response_body: Payload::of(&clean_response),
            error: status
                .is_none()
                .then(|| "the HAR records no answer".to_owned()),
            elapsed_ms: item["time"].as_f64().unwrap_or(0.0).max(0.0) as u64,
        });
    }
    scrubbed.sort();
    scrubbed.dedup();
    Ok(Imported {
        entries,
        base_url,
        skipped,
        scrubbed,
    })
}

/// `https://h/scim/v2/Users?x` → (`https://h/scim/v2`, `/Users?x`).
fn split_url(url: &str) -> Option<(String, String)> {
    let after_scheme = url.find("://")? + 3;
    let path_start = url[after_scheme..].find('/').map(|i| i + after_scheme)?;
    let (origin, path_and_query) = url.split_at(path_start);
    let path = path_and_query.split(['?', '#']).next().unwrap_or_default();
    let mut offset: usize = 0;
    for segment in path.split('/') {
        if ENDPOINTS.iter().any(|e| e.eq_ignore_ascii_case(segment)) {
            let base = &path_and_query[..offset.saturating_sub(1)];
            let rest = &path_and_query[offset.saturating_sub(1)..];
            return Some((format!("{origin}{base}"), rest.to_owned()));
        }
        offset += segment.len() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_cut_below_their_scim_base_path() {
        assert_eq!(
            split_url("https://h.example/scim/v2/Users?filter=x"),
            Some((
                "https://h.example/scim/v2".to_owned(),
                "/Users?filter=x".to_owned()
            ))
        );
        assert_eq!(
            split_url("http://127.0.0.1:8/Groups/7"),
            Some(("http://127.0.0.1:8".to_owned(), "/Groups/7".to_owned()))
        );
        assert_eq!(split_url("https://h.example/login"), None);
    }

    #[test]
    fn a_har_becomes_scrubbed_entries_and_its_other_requests_are_left_out() {
        // Arrange
        let har = serde_json::json!({"log": {"entries": [
            {"startedDateTime": "2026-12-01T10:00:00.000Z", "time": 12.5,
             "request": {"method": "POST", "url": "https://h.example/scim/v2/Users",
                         "headers": [{"name": "Authorization", "value": "Bearer tok-123456"},
                                     {"name": ":authority", "value": "h.example"}],
                         "postData": {"mimeType": "application/scim+json",
                                      "text": "{\"userName\":\"ada\",\"password\":\"hunter2-secret\"}"}},
             "response": {"status": 201, "headers": [],
                          "content": {"text": "{\"id\":\"1\",\"note\":\"hunter2-secret\"}"}}},
            {"startedDateTime": "2026-12-01T10:00:02.000Z", "time": 1,
             "request": {"method": "GET", "url": "https://h.example/favicon.ico", "headers": []},
             "response": {"status": 404, "headers": [], "content": {}}}
        ]}});
        let scrubber = Scrubber::new(Vec::new(), Vec::new()).with_secret_fields(&[]);

        // Act
        let imported = import(&har.to_string(), &scrubber).unwrap();

        // Assert
        assert_eq!(imported.base_url, "https://h.example/scim/v2");
        assert_eq!(imported.skipped, 1);
        let entry = &imported.entries[0];
        assert_eq!(entry.path, "/Users");
        assert_eq!(entry.status, Some(201));
        assert_eq!(entry.elapsed_ms, 12);
        let text = serde_json::to_string(&imported.entries).unwrap();
        assert!(!text.contains("tok-123456"), "{text}");
        assert!(!text.contains("hunter2-secret"), "{text}");
        assert!(!text.contains(":authority"));
        assert!(!imported.scrubbed.is_empty());
    }
}
