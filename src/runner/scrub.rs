//! Scrubbing secrets out of what the runner records.
//!
//! Credentials (the bearer token, basic credentials, custom auth header values) and passwords
//! are removed as exchanges are recorded, before anything else sees them, so no report,
//! snapshot, log or error message built from an exchange can leak one, at any verbosity.

use std::sync::{Arc, Mutex};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not searched for: replacing them would mangle everything.
const MIN_SECRET_LEN: usize = 4;

/// What a URI component leaves unencoded (RFC 3986 unreserved): `encodeURIComponent`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Knows the run's secrets and removes them from bytes, headers and JSON.
#[derive(Debug, Clone, Default)]
pub struct Scrubber {
    /// Every secret in every form it may be written in (see [`forms`]), longest first.
    secrets: Vec<String>,
    /// Passwords this scenario run sent in request bodies, in every form, shared by the clones
    /// of one scrubber: a target may quote them back anywhere.
    learned: Arc<Mutex<Vec<String>>>,
    /// Header names whose values are credentials, lowercase.
    credential_headers: Vec<String>,
    /// JSON keys whose values are credentials, besides `password` (a target profile's
    /// `secret_fields`, e.g. `apiKey`).
    secret_fields: Vec<String>,
    /// [`Scrubber::secrets`] as last built, with the number of learned forms it was built from
    /// (what is learned only grows): every string of every exchange is scrubbed, and sorting
    /// the secrets again for each made a run with many users' passwords quadratic.
    merged: Arc<Mutex<(usize, Arc<Vec<String>>)>>,
}

/// A secret as it may appear in what a target answers or a report prints: as is, JSON-escaped
/// (also with `/` as `\/`, as PHP writes it), percent-encoded (every byte, a URI component,
/// a form), with the percent-encodings' hex digits in either case (RFC 3986 §2.1: `%2F` and
/// `%2f` are the same).
fn forms(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap_or_default();
    let json = json
        .get(1..json.len().saturating_sub(1))
        .unwrap_or_default()
        .to_owned();
    let percent_encoded = [
        utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        utf8_percent_encode(secret, COMPONENT).to_string(),
        form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
    ];
    let mut forms = vec![secret.to_owned(), json.replace('/', "\\/"), json];
    for encoded in percent_encoded {
        forms.push(lowercase_percent_hex(&encoded));
        forms.push(encoded);
    }
    forms.retain(|f| f.len() >= MIN_SECRET_LEN);
    forms.sort();
    forms.dedup();
    forms
}

/// Sorts `secrets` longest first (stably), so a secret that contains another is replaced
/// whole, and drops repeats.
fn longest_first(secrets: &mut Vec<String>) {
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut seen = std::collections::HashSet::new();
    secrets.retain(|s| seen.insert(s.clone()));
}

/// Appends the `items` that `list` does not hold yet, in order.
fn add_missing(list: &mut Vec<String>, items: &[String]) {
    for item in items {
        if !list.contains(item) {
            list.push(item.clone());
        }
    }
}

/// `encoded` with the two hex digits after each `%` in lower case.
fn lowercase_percent_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut digits_left = 0;
    for c in encoded.chars() {
        if digits_left > 0 {
            out.push(c.to_ascii_lowercase());
            digits_left -= 1;
        } else {
            out.push(c);
            if c == '%' {
                digits_left = 2;
            }
        }
    }
    out
}

impl Scrubber {
    /// `secrets` are replaced wherever they appear; `credential_headers` are replaced whole.
    pub fn new(secrets: Vec<String>, credential_headers: Vec<String>) -> Self {
        let mut secrets: Vec<String> = secrets
            .iter()
            .filter(|s| s.len() >= MIN_SECRET_LEN)
            .flat_map(|s| forms(s))
            .collect();
        longest_first(&mut secrets);
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
            learned: Arc::default(),
            credential_headers,
            secret_fields: vec!["password".to_owned()],
            merged: Arc::default(),
        }
    }

    /// The same scrubber, also redacting these JSON keys' values in bodies.
    pub fn with_secret_fields(mut self, fields: &[String]) -> Self {
        self.secret_fields.extend(fields.iter().cloned());
        self
    }

    /// The same scrubber, also hiding everything `other` hides: its secrets, credential
    /// headers and secret fields, and the passwords it has learned or will learn (the two share
    /// what they learn, and `other` learns this one's secrets). An application API's answers
    /// may quote the SCIM token or a password the SCIM side sent, and a SCIM answer may quote
    /// an application key or a password the application side sent.
    pub fn joined(mut self, other: &Scrubber) -> Self {
        add_missing(&mut other.learned(), &self.secrets);
        self.secrets.extend(other.secrets.iter().cloned());
        longest_first(&mut self.secrets);
        add_missing(&mut self.credential_headers, &other.credential_headers);
        add_missing(&mut self.secret_fields, &other.secret_fields);
        self.learned = other.learned.clone();
        self.merged = Arc::default();
        self
    }

    /// What this scrubber and its clones have learned (a panic elsewhere cannot poison it: the
    /// list stays usable).
    fn learned(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.learned.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The same scrubber with nothing learned yet, for one scenario run.
    pub fn fresh(&self) -> Self {
        Scrubber {
            learned: Arc::default(),
            merged: Arc::default(),
            ..self.clone()
        }
    }

    /// The secrets (every form, learned passwords included), longest first, for redactors
    /// that must also know them.
    pub fn secrets(&self) -> Vec<String> {
        self.merged_secrets().to_vec()
    }

    /// The secrets and the learned passwords, longest first, built again only when more has
    /// been learned since.
    fn merged_secrets(&self) -> Arc<Vec<String>> {
        let learned = self.learned();
        let mut merged = self.merged.lock().unwrap_or_else(|e| e.into_inner());
        if merged.0 != learned.len() || merged.1.is_empty() {
            let mut all: Vec<String> = self.secrets.iter().chain(learned.iter()).cloned().collect();
            longest_first(&mut all);
            *merged = (learned.len(), Arc::new(all));
        }
        merged.1.clone()
    }

    /// Remembers the passwords (and secret fields) a request body carries, so that they are
    /// scrubbed wherever they come back: quoted in an error, echoed inside a string.
    pub fn learn(&self, body: &[u8]) {
        let Ok(json) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let mut found = Vec::new();
        field_values(&json, &self.secret_fields, &mut found);
        let mut learned = self.learned();
        for value in found.iter().filter(|v| v.len() >= MIN_SECRET_LEN) {
            add_missing(&mut learned, &forms(value));
        }
    }

    pub fn text(&self, text: &str) -> String {
        let nothing_learned = self.learned().is_empty();
        if nothing_learned {
            replace_all(text, &self.secrets)
        } else {
            replace_all(text, &self.merged_secrets())
        }
    }

    pub fn header(&self, name: &str, value: &str) -> String {
        if self
            .credential_headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
        {
            // An empty credential hides nothing, and showing it empty is the finding (a client
            // that sent `Authorization:` with no value).
            if value.trim().is_empty() {
                value.to_owned()
            } else {
                REDACTED.to_owned()
            }
        } else {
            self.text(value)
        }
    }

    /// A body: any body has the secrets replaced; JSON also has every `password` value
    /// replaced, and a secret hidden by an unusual escape (`\u0074ok…`) found in the decoded
    /// strings. A redacted JSON body keeps the bytes and key order sent (an IdP's key order is
    /// part of what it sends) when replacing the redacted values in place gives the same JSON;
    /// otherwise it is re-serialized, keys sorted.
    pub fn body(&self, body: &[u8]) -> Vec<u8> {
        if body.is_empty() {
            return Vec::new();
        }
        // Not text: a secret cannot be found in it by string search; keep the bytes.
        let Ok(text) = std::str::from_utf8(body) else {
            return body.to_vec();
        };
        let scrubbed = self.text(text);
        if let Ok(mut json) = serde_json::from_str::<Value>(&scrubbed) {
            let sent = json.clone();
            let fields = redact_fields(&mut json, &self.secret_fields);
            if self.redact_strings(&mut json) | fields {
                return in_sent_order(&scrubbed, &sent, &json, &self.secret_fields)
                    .unwrap_or_else(|| json.to_string())
                    .into_bytes();
            }
        }
        if scrubbed == text {
            body.to_vec()
        } else {
            scrubbed.into_bytes()
        }
    }

    /// Scrubs every string and key of `value` as decoded; whether anything changed.
    fn redact_strings(&self, value: &mut Value) -> bool {
        match value {
            Value::String(text) => {
                let scrubbed = self.text(text);
                let changed = scrubbed != *text;
                *text = scrubbed;
                changed
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |acc, item| self.redact_strings(item) | acc),
            Value::Object(fields) => {
                let mut changed = false;
                let entries = std::mem::take(fields);
                for (key, mut inner) in entries {
                    changed |= self.redact_strings(&mut inner);
                    let scrubbed = self.text(&key);
                    changed |= scrubbed != key;
                    fields.insert(scrubbed, inner);
                }
                changed
            }
            _ => false,
        }
    }
}

/// `text` with the string values of the secret fields replaced where they stand, if that gives
/// exactly the redacted JSON (so nothing the safe, re-serialized form hides can show).
fn in_sent_order(text: &str, sent: &Value, redacted: &Value, names: &[String]) -> Option<String> {
    let mut values = Vec::new();
    field_values(sent, names, &mut values);
    let mut out = text.to_owned();
    for value in values {
        let encoded = serde_json::to_string(&value).ok()?;
        out = out.replace(&encoded, &format!("\"{REDACTED}\""));
    }
    let reparsed: Value = serde_json::from_str(&out).ok()?;
    (reparsed == *redacted).then_some(out)
}

fn replace_all(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), REDACTED);
        }
    }
    out
}

/// The string values of every key named in `names` (any case, any depth), and the value of a
/// PATCH operation whose `path` names one.
fn field_values(value: &Value, names: &[String], found: &mut Vec<String>) {
    let named = |key: &str| {
        names.iter().any(|n| {
            key.eq_ignore_ascii_case(n)
                || key
                    .rsplit_once(':')
                    .is_some_and(|(_, last)| last.eq_ignore_ascii_case(n))
        })
    };
    match value {
        Value::Object(fields) => {
            let operation_on_secret = fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("path"))
                .and_then(|(_, p)| p.as_str())
                .is_some_and(named);
            for (key, inner) in fields {
                let secret =
                    named(key) || (operation_on_secret && key.eq_ignore_ascii_case("value"));
                match inner {
                    Value::String(text) if secret => found.push(text.clone()),
                    _ => field_values(inner, names, found),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                field_values(item, names, found);
            }
        }
        _ => {}
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

    #[test]
    fn a_redacted_body_keeps_the_order_it_was_sent_in() {
        // Arrange: an IdP's key order, not alphabetical, with a password in the middle.
        let scrubber = Scrubber::new(vec![], vec![]);
        let sent = br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada","password":"hunter2","active":true}"#;

        // Act
        let shown = String::from_utf8(scrubber.body(sent)).unwrap();

        // Assert
        assert_eq!(
            shown,
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada","password":"<redacted>","active":true}"#
        );
    }

    #[test]
    fn a_password_spelt_unusually_is_still_hidden_though_the_order_is_lost() {
        // Arrange: the value written with an escape that its plain form does not match.
        let scrubber = Scrubber::new(vec![], vec![]);
        let sent = br#"{"userName":"ada","password":"hunter\u0032"}"#;

        // Act
        let shown = String::from_utf8(scrubber.body(sent)).unwrap();

        // Assert
        assert!(!shown.contains("hunter"), "{shown}");
        assert!(shown.contains(REDACTED), "{shown}");
    }

    #[test]
    fn an_empty_credential_header_is_shown_empty() {
        let scrubber = Scrubber::new(vec![], vec![]);
        assert_eq!(scrubber.header("Authorization", ""), "");
        assert_eq!(scrubber.header("Authorization", "Bearer x"), REDACTED);
    }

    #[test]
    fn a_secret_is_found_escaped_and_encoded_too() {
        let scrubber = Scrubber::new(vec!["tok-a/b+c\"d".into()], vec![]);
        for form in [
            r#"{"x":"tok-a\/b+c\"d"}"#,
            r#"{"x":"tok-a/b+c\"d"}"#,
            "/Users?token=tok%2Da%2Fb%2Bc%22d",
            "/Users?token=tok-a%2Fb%2Bc%22d",
            "token=tok-a%2Fb%2Bc%22d",
            "/Users?token=tok%2da%2fb%2bc%22d",
            "token=tok-a%2fb%2bc%22d",
        ] {
            let scrubbed = String::from_utf8(scrubber.body(form.as_bytes())).unwrap();
            assert!(scrubbed.contains(REDACTED), "{form} -> {scrubbed}");
            assert!(
                !scrubbed.contains("b+c") && !scrubbed.to_ascii_lowercase().contains("b%2b"),
                "{scrubbed}"
            );
        }
        // Any escape at all: JSON is decoded and searched, so a pretty-printer cannot reveal it.
        let odd = br#"{"detail":"token \u0074ok-a/b+c\"d"}"#;
        let scrubbed = String::from_utf8(scrubber.body(odd)).unwrap();
        assert_eq!(scrubbed, r#"{"detail":"token <redacted>"}"#);
    }

    #[test]
    fn a_joined_scrubber_hides_the_others_secrets_and_shares_what_either_learns() {
        // Arrange: the SCIM side's scrubber, and an application API's joined to it.
        let scim = Scrubber::new(vec!["scim-token-1".into()], vec![]);
        let app = Scrubber::new(vec!["app-key-2".into()], vec!["x-app-key".into()])
            .with_secret_fields(&["apiKey".to_owned()])
            .joined(&scim);

        // Act: each side sends a password after the join.
        scim.learn(br#"{"password":"pw-scim-3"}"#);
        app.learn(br#"{"apiKey":"app-sent-4"}"#);

        // Assert
        assert_eq!(
            app.text("scim-token-1 app-key-2 pw-scim-3 app-sent-4"),
            "<redacted> <redacted> <redacted> <redacted>"
        );
        assert_eq!(
            scim.text("pw-scim-3 app-sent-4 app-key-2"),
            "<redacted> <redacted> <redacted>"
        );
        assert_eq!(app.header("X-App-Key", "anything"), "<redacted>");
    }

    #[test]
    fn passwords_sent_are_learned_and_scrubbed_wherever_they_come_back() {
        // Arrange: a run's scrubber, and a second run's.
        let scrubber = Scrubber::new(vec![], vec![]);
        let other = scrubber.fresh();
        let same_run = scrubber.clone();

        // Act: a create body and a PATCH replacing the password go out.
        scrubber.learn(br#"{"userName":"a","password":"pw-created-1"}"#);
        scrubber.learn(
            br#"{"Operations":[{"op":"replace","path":"password","value":"pw-patched-2"},
                {"op":"replace","path":"urn:ietf:params:scim:schemas:core:2.0:User:password","value":"pw-urn-3"}]}"#,
        );

        // Assert: an error quoting the raw body has them replaced, in text and JSON alike.
        let echoed =
            br#"{"detail":"bad body {\"password\":\"pw-created-1\"} pw-patched-2 pw-urn-3"}"#;
        let scrubbed = String::from_utf8(same_run.body(echoed)).unwrap();
        assert_eq!(
            scrubbed,
            r#"{"detail":"bad body {\"password\":\"<redacted>\"} <redacted> <redacted>"}"#
        );
        assert_eq!(same_run.text("got pw-created-1"), "got <redacted>");
        assert!(scrubber.secrets().contains(&"pw-patched-2".to_owned()));
        assert_eq!(other.text("got pw-created-1"), "got pw-created-1");
        // Values that are not secrets are not learned.
        scrubber.learn(br#"{"Operations":[{"op":"replace","path":"nickName","value":"babs"}]}"#);
        assert_eq!(scrubber.text("babs"), "babs");
    }
}
