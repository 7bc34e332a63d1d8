//! Scrubbing secrets out of what the runner records.
//!
//! Credentials (the bearer token, basic credentials, custom auth header values) and passwords
//! are removed as exchanges are recorded, before anything else sees them, so no report,
//! snapshot, log or error message built from an exchange can leak one, at any verbosity.

use serde_json::Value;

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Knows the run's secrets and removes them from bytes, headers and JSON.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    secrets: Vec<String>,
    /// Header names whose values are credentials, lowercase.
    credential_headers: Vec<String>,
    /// JSON keys whose values are credentials, besides `password` (a target profile's
    /// `secret_fields`, e.g. `apiKey`).
    secret_fields: Vec<String>,
}

impl Scrubber {
    /// `secrets` are replaced wherever they appear; `credential_headers` are replaced whole.
    pub fn new(secrets: Vec<String>, credential_headers: Vec<String>) -> Self {
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        // Longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mut credential_headers: Vec<String> = credential_headers
            .into_iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        for always in [
            "authorization",
            "proxy-authorization",
            "cookie",
            "set-cookie",
        ] {
            credential_headers.push(always.to_owned());
        }
        Scrubber {
            secrets,
            credential_headers,
            secret_fields: vec!["password".to_owned()],
        }
    }

    /// The same scrubber, also redacting these JSON keys' values in bodies.
    pub fn with_secret_fields(mut self, fields: &[String]) -> Self {
        self.secret_fields.extend(fields.iter().cloned());
        self
    }

    /// The secrets, for redactors that must also know them.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    pub fn header(&self, name: &str, value: &str) -> String {
        if self
            .credential_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
        {
            REDACTED.to_owned()
        } else {
            self.text(value)
        }
    }

    /// A body: JSON has every `password` value replaced; any body has the secrets replaced.
    pub fn body(&self, body: &[u8]) -> Vec<u8> {
        if body.is_empty() {
            return Vec::new();
        }
        if let Ok(mut json) = serde_json::from_slice::<Value>(body)
            && redact_fields(&mut json, &self.secret_fields)
        {
            return self.text(&json.to_string()).into_bytes();
        }
        match std::str::from_utf8(body) {
            Ok(text) => {
                let scrubbed = self.text(text);
                if scrubbed == text {
                    body.to_vec()
                } else {
                    scrubbed.into_bytes()
                }
            }
            // Not text: a secret cannot be found in it by string search; keep the bytes.
            Err(_) => body.to_vec(),
        }
    }
}

/// Replaces the value of every key named in `names` (any case, any depth); whether anything
/// changed.
fn redact_fields(value: &mut Value, names: &[String]) -> bool {
    match value {
        Value::Object(fields) => {
            let mut changed = false;
            for (key, inner) in fields.iter_mut() {
                if names.iter().any(|n| key.eq_ignore_ascii_case(n)) && !inner.is_null() {
                    *inner = Value::String(REDACTED.to_owned());
                    changed = true;
                } else {
                    changed |= redact_fields(inner, names);
                }
            }
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |acc, item| redact_fields(item, names) | acc),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_are_replaced_whole_and_secrets_anywhere() {
        // Arrange
        let scrubber = Scrubber::new(vec!["tok-123456".into()], vec!["X-Api-Key".into()]);

        // Act / Assert
        assert_eq!(
            scrubber.header("Authorization", "Bearer tok-123456"),
            REDACTED
        );
        assert_eq!(scrubber.header("x-api-key", "anything"), REDACTED);
        assert_eq!(scrubber.header("Set-Cookie", "session=abc"), REDACTED);
        assert_eq!(
            scrubber.header("X-Echo", "was tok-123456!"),
            "was <redacted>!"
        );
        let body = scrubber.body(br#"{"detail":"bad token tok-123456"}"#);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"detail":"bad token <redacted>"}"#
        );
    }

    #[test]
    fn passwords_are_redacted_at_any_depth_but_the_rest_is_kept_byte_for_byte() {
        let scrubber = Scrubber::new(vec![], vec![]);
        let body =
            scrubber.body(br#"{"userName":"a","PassWord":"hunter2","x":[{"password":"p"}]}"#);
        let text = String::from_utf8(body).unwrap();
        assert!(
            !text.contains("hunter2") && !text.contains("\"p\""),
            "{text}"
        );
        let untouched = br#"{ "userName" : "a" }"#;
        assert_eq!(scrubber.body(untouched), untouched.to_vec());
    }
}
