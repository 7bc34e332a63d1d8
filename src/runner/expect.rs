//! Judging a response against a step's `expect`: each failed expectation becomes one line
//! saying what was expected and what was found.

use serde_json::Value;

use super::template::{Undefined, Vars};
use crate::exchange::RecordedResponse;
use crate::scenario::model::{Expect, JsonAssertion, JsonType, StatusExpect};

/// The response body as JSON, or why it is not.
pub fn body_json(response: &RecordedResponse) -> Result<Value, String> {
    if response.body.is_empty() {
        return Err("the response has no body".to_owned());
    }
    serde_json::from_slice(&response.body).map_err(|e| {
        let content_type = match response.header("content-type") {
            Some(content_type) => format!("content type `{content_type}`"),
            None => "no content type".to_owned(),
        };
        format!(
            "the response body is not JSON ({e}; {content_type}; it begins `{}`)",
            excerpt(&response.body)
        )
    })
}

/// The first 80 characters of a body, on one line.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut cut: String = text
        .chars()
        .take(80)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(80).is_some() {
        cut.push('…');
    }
    cut
}

/// What else a response says about an unexpected status: where a redirect points (the runner
/// does not follow redirects), when to retry, and a SCIM error's `detail`.
fn status_context(response: &RecordedResponse) -> String {
    let mut context = String::new();
    if (300..400).contains(&response.status) {
        match response.header("location") {
            Some(location) => context.push_str(&format!(
                "; the target redirected to `{location}`, and redirects are not followed"
            )),
            None => context.push_str("; a redirect without a Location header"),
        }
    }
    if let Some(retry_after) = response.header("retry-after") {
        context.push_str(&format!("; Retry-After: {retry_after}"));
    }
    if let Ok(body) = serde_json::from_slice::<Value>(&response.body)
        && let Some(detail) = body.get("detail").and_then(Value::as_str)
    {
        context.push_str(&format!("; the target says {}", show(&Value::from(detail))));
    }
    context
}

fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 200 {
        let cut: String = text.chars().take(200).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn status_text(expected: &StatusExpect) -> String {
    match expected {
        StatusExpect::One(status) => status.to_string(),
        StatusExpect::AnyOf(statuses) => {
            let list: Vec<String> = statuses.iter().map(u16::to_string).collect();
            format!("one of {}", list.join(", "))
        }
    }
}

/// Every failed expectation except the JSON assertions that carry their own check.
pub fn judge(
    expect: &Expect,
    response: &RecordedResponse,
    vars: &Vars,
) -> Result<Vec<String>, Undefined> {
    let mut reasons = Vec::new();
    if let Some(status) = &expect.status
        && !status.allows(response.status)
    {
        reasons.push(format!(
            "status: expected {}, got {}{}",
            status_text(status),
            response.status,
            status_context(response)
        ));
    }
    for (name, expected) in &expect.headers {
        let actual = response.header(name);
        match (expected, actual) {
            (None, None) => {}
            (None, Some(actual)) => {
                reasons.push(format!("header `{name}`: expected absent, got `{actual}`"))
            }
            (Some(expected), None) => reasons.push(format!(
                "header `{name}`: expected `{expected}`, but it is absent"
            )),
            (Some(expected), Some(actual)) => {
                let expected = vars.substitute(expected)?;
                let holds = match expected.strip_suffix('*') {
                    Some(prefix) => actual.starts_with(prefix),
                    None => actual == expected,
                };
                if !holds {
                    reasons.push(format!(
                        "header `{name}`: expected `{expected}`, got `{actual}`"
                    ));
                }
            }
        }
    }
    let needs_json = expect.body.is_some() || expect.json.iter().any(|a| a.check.is_none());
    if !needs_json {
        return Ok(reasons);
    }
    let json = match body_json(response) {
        Ok(json) => json,
        Err(reason) => {
            reasons.push(reason);
            return Ok(reasons);
        }
    };
    if let Some(expected) = &expect.body {
        let expected = vars.substitute_json(expected)?;
        contains(&expected, &json, "", &mut reasons);
    }
    for assertion in expect.json.iter().filter(|a| a.check.is_none()) {
        if let Some(reason) = assert_json(assertion, &json, vars)? {
            reasons.push(reason);
        }
    }
    Ok(reasons)
}

/// One JSON assertion; `Some(reason)` when it fails.
pub fn assert_json(
    assertion: &JsonAssertion,
    json: &Value,
    vars: &Vars,
) -> Result<Option<String>, Undefined> {
    let pointer = vars.substitute(&assertion.pointer)?;
    let found = json.pointer(&pointer);
    let at = if pointer.is_empty() {
        "the body".to_owned()
    } else {
        format!("`{pointer}`")
    };
    if let Some(expected) = &assertion.equals {
        let expected = vars.substitute_json(expected)?;
        return Ok(match found {
            Some(actual) if *actual == expected => None,
            Some(actual) => Some(format!(
                "{at}: expected {}, got {}",
                show(&expected),
                show(actual)
            )),
            None => Some(format!(
                "{at}: expected {}, but nothing is there",
                show(&expected)
            )),
        });
    }
    if let Some(exists) = assertion.exists {
        return Ok(match (exists, found) {
            (true, None) => Some(format!("{at}: expected a value, but nothing is there")),
            (false, Some(actual)) => Some(format!("{at}: expected nothing, got {}", show(actual))),
            _ => None,
        });
    }
    if let Some(absent) = assertion.absent {
        let unassigned = match found {
            None | Some(Value::Null) => true,
            Some(Value::Array(items)) => items.is_empty(),
            Some(Value::Object(fields)) => fields.is_empty(),
            Some(_) => false,
        };
        return Ok(match (absent, unassigned) {
            (true, false) => Some(format!(
                "{at}: expected absent, got {}",
                show(found.unwrap_or(&Value::Null))
            )),
            (false, true) => Some(format!("{at}: expected a value, but it is unassigned")),
            _ => None,
        });
    }
    if let Some(empty) = assertion.empty {
        let nothing = match found {
            None | Some(Value::Null) => true,
            Some(Value::String(text)) => text.is_empty(),
            Some(Value::Array(items)) => items.is_empty(),
            Some(Value::Object(fields)) => fields.is_empty(),
            Some(_) => false,
        };
        return Ok(match (empty, nothing) {
            (true, false) => Some(format!(
                "{at}: expected null or empty, got {}",
                show(found.unwrap_or(&Value::Null))
            )),
            (false, true) => Some(format!("{at}: expected a value, but it is empty")),
            _ => None,
        });
    }
    if let Some(expected) = assertion.json_type {
        return Ok(match found {
            Some(actual) if JsonType::of(actual) == expected => None,
            Some(actual) => Some(format!(
                "{at}: expected a {}, got a {} ({})",
                expected.as_str(),
                JsonType::of(actual).as_str(),
                show(actual)
            )),
            None => Some(format!(
                "{at}: expected a {}, but nothing is there",
                expected.as_str()
            )),
        });
    }
    if let Some(expected) = assertion.length {
        let length = match found {
            Some(Value::Array(items)) => Some(items.len()),
            Some(Value::Object(fields)) => Some(fields.len()),
            Some(Value::String(text)) => Some(text.chars().count()),
            _ => None,
        };
        return Ok(match length {
            Some(length) if length == expected => None,
            Some(length) => Some(format!("{at}: expected length {expected}, got {length}")),
            None => Some(format!(
                "{at}: expected something of length {expected}, got {}",
                found.map(show).unwrap_or_else(|| "nothing".to_owned())
            )),
        });
    }
    Ok(None)
}

/// Whether `actual` contains `expected`: objects by the keys given, arrays by each element
/// given matching some element, scalars by equality. Records one reason per mismatch.
fn contains(expected: &Value, actual: &Value, at: &str, reasons: &mut Vec<String>) {
    let here = if at.is_empty() {
        "body".to_owned()
    } else {
        format!("body `{at}`")
    };
    match (expected, actual) {
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, value) in expected {
                let path = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match actual.get(key) {
                    Some(inner) => contains(value, inner, &path, reasons),
                    None => reasons.push(format!(
                        "body `{path}`: expected {}, but nothing is there",
                        show(value)
                    )),
                }
            }
        }
        (Value::Array(expected), Value::Array(actual)) => {
            for (index, wanted) in expected.iter().enumerate() {
                let found = actual.iter().any(|candidate| {
                    let mut scratch = Vec::new();
                    contains(wanted, candidate, "", &mut scratch);
                    scratch.is_empty()
                });
                if !found {
                    reasons.push(format!(
                        "{here}: expected an element matching {} (item {index} of the expectation), found none among {}",
                        show(wanted),
                        actual.len()
                    ));
                }
            }
        }
        (expected, actual) if expected == actual => {}
        (expected, actual) => reasons.push(format!(
            "{here}: expected {}, got {}",
            show(expected),
            show(actual)
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn response(status: u16, body: Value) -> RecordedResponse {
        RecordedResponse {
            status,
            headers: vec![
                (
                    "content-type".into(),
                    "application/scim+json; charset=utf-8".into(),
                ),
                ("etag".into(), "W/\"1\"".into()),
            ],
            body: body.to_string().into_bytes(),
        }
    }

    fn expect(yaml_like: Value) -> Expect {
        serde_json::from_value(yaml_like).unwrap()
    }

    #[test]
    fn status_one_or_several() {
        let vars = Vars::default();
        let reasons = judge(
            &expect(json!({"status": 201})),
            &response(409, json!({})),
            &vars,
        )
        .unwrap();
        assert_eq!(reasons, ["status: expected 201, got 409"]);
        let reasons = judge(
            &expect(json!({"status": [200, 204]})),
            &response(204, json!({})),
            &vars,
        )
        .unwrap();
        assert!(reasons.is_empty());
        let reasons = judge(
            &expect(json!({"status": [200, 204]})),
            &response(201, json!({})),
            &vars,
        )
        .unwrap();
        assert_eq!(reasons, ["status: expected one of 200, 204, got 201"]);
    }

    #[test]
    fn an_unexpected_status_says_where_it_redirected_when_to_retry_and_what_the_target_said() {
        // Arrange
        let vars = Vars::default();
        let redirect = RecordedResponse {
            status: 302,
            headers: vec![("location".into(), "/scim/v2/Users".into())],
            body: Vec::new(),
        };
        let unavailable = RecordedResponse {
            status: 503,
            headers: vec![("retry-after".into(), "120".into())],
            body: br#"{"status":"503","detail":"maintenance"}"#.to_vec(),
        };

        // Act
        let redirected = judge(&expect(json!({"status": 200})), &redirect, &vars).unwrap();
        let refused = judge(&expect(json!({"status": 200})), &unavailable, &vars).unwrap();

        // Assert
        assert_eq!(
            redirected,
            [
                "status: expected 200, got 302; the target redirected to `/scim/v2/Users`, and redirects are not followed"
            ]
        );
        assert_eq!(
            refused,
            [r#"status: expected 200, got 503; Retry-After: 120; the target says "maintenance""#]
        );
    }

    #[test]
    fn headers_exact_prefix_and_absent() {
        let vars = Vars::default();
        let reasons = judge(
            &expect(json!({"headers": {"Content-Type": "application/scim+json*", "ETag": "W/\"2\"", "location": "x"}})),
            &response(200, json!({})),
            &vars,
        )
        .unwrap();
        assert_eq!(
            reasons,
            [
                "header `ETag`: expected `W/\"2\"`, got `W/\"1\"`",
                "header `location`: expected `x`, but it is absent",
            ]
        );
        let reasons = judge(
            &expect(json!({"headers": {"etag": null}})),
            &response(200, json!({})),
            &vars,
        )
        .unwrap();
        assert_eq!(reasons, ["header `etag`: expected absent, got `W/\"1\"`"]);
    }

    #[test]
    fn body_subset_matching_names_the_pointer() {
        let vars = Vars::default();
        let actual = json!({"userName": "ada", "emails": [{"value": "a@x", "type": "work"}, {"value": "b@x"}], "name": {"givenName": "Ada"}});
        let ok = judge(
            &expect(json!({"body": {"emails": [{"value": "b@x"}], "name": {"givenName": "Ada"}}})),
            &response(200, actual.clone()),
            &vars,
        )
        .unwrap();
        assert!(ok.is_empty(), "{ok:?}");
        let reasons = judge(
            &expect(json!({"body": {"name": {"givenName": "Grace"}, "active": true}})),
            &response(200, actual),
            &vars,
        )
        .unwrap();
        assert_eq!(
            reasons,
            [
                "body `/active`: expected true, but nothing is there",
                "body `/name/givenName`: expected \"Grace\", got \"Ada\"",
            ]
        );
    }

    #[test]
    fn every_json_assertion_kind_passes_and_fails() {
        let mut vars = Vars::default();
        vars.set("id", "42");
        let body =
            json!({"id": "42", "list": [1, 2], "empty": [], "null": null, "n": 3, "blank": ""});
        let cases = [
            (json!({"pointer": "/id", "equals": "{{id}}"}), None),
            (
                json!({"pointer": "/id", "equals": "43"}),
                Some("`/id`: expected \"43\", got \"42\""),
            ),
            (json!({"pointer": "/null", "exists": true}), None),
            (
                json!({"pointer": "/missing", "exists": true}),
                Some("`/missing`: expected a value, but nothing is there"),
            ),
            (
                json!({"pointer": "/id", "exists": false}),
                Some("`/id`: expected nothing, got \"42\""),
            ),
            (json!({"pointer": "/empty", "absent": true}), None),
            (
                json!({"pointer": "/list", "absent": true}),
                Some("`/list`: expected absent, got [1,2]"),
            ),
            (
                json!({"pointer": "/blank", "absent": true}),
                Some("`/blank`: expected absent, got \"\""),
            ),
            (json!({"pointer": "/blank", "empty": true}), None),
            (json!({"pointer": "/missing", "empty": true}), None),
            (
                json!({"pointer": "/id", "empty": true}),
                Some("`/id`: expected null or empty, got \"42\""),
            ),
            (
                json!({"pointer": "/null", "empty": false}),
                Some("`/null`: expected a value, but it is empty"),
            ),
            (json!({"pointer": "/n", "type": "number"}), None),
            (
                json!({"pointer": "/n", "type": "string"}),
                Some("`/n`: expected a string, got a number (3)"),
            ),
            (json!({"pointer": "/list", "length": 2}), None),
            (
                json!({"pointer": "/list", "length": 3}),
                Some("`/list`: expected length 3, got 2"),
            ),
        ];
        for (assertion, expected) in cases {
            let assertion: JsonAssertion = serde_json::from_value(assertion.clone()).unwrap();
            let outcome = assert_json(&assertion, &body, &vars).unwrap();
            assert_eq!(outcome.as_deref(), expected, "{assertion:?}");
        }
    }

    #[test]
    fn a_non_json_body_is_a_reason_not_a_panic() {
        let response = RecordedResponse {
            status: 200,
            headers: vec![],
            body: b"<html>".to_vec(),
        };
        let reasons = judge(
            &expect(json!({"body": {"a": 1}})),
            &response,
            &Vars::default(),
        )
        .unwrap();
        assert_eq!(
            reasons,
            [
                "the response body is not JSON (expected value at line 1 column 1; no content type; it begins `<html>`)"
            ]
        );
    }
}
