use std::time::Duration;

use serde_json::json;

use super::*;
use crate::exchange::{RecordedRequest, RecordedResponse};
use crate::snapshot::redact::RedactionContext;

const BASE_URL: &str = "http://127.0.0.1:41234/scim/v2";
const USER_ID: &str = "2819c223-7f76-453a-919d-413861904646";

fn redactor() -> Redactor {
    Redactor::new(RedactionContext {
        base_url: BASE_URL.to_owned(),
        run_prefix: "run7f3a".to_owned(),
        secrets: vec!["tok-s3cr3t-value".to_owned()],
    })
}

fn pairs(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// A recorded response: status, headers, body.
type Response<'a> = (u16, &'a [(&'a str, &'a str)], &'a str);

fn exchange(
    method: &str,
    path: &str,
    request_headers: &[(&str, &str)],
    request_body: &str,
    response: Option<Response<'_>>,
    error: Option<&str>,
) -> Exchange {
    Exchange {
        step: Some(0),
        request: RecordedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            url: format!("{BASE_URL}{path}"),
            headers: pairs(request_headers),
            body: request_body.as_bytes().to_vec(),
        },
        response: response.map(|(status, headers, body)| RecordedResponse {
            status,
            headers: pairs(headers),
            body: body.as_bytes().to_vec(),
        }),
        error: error.map(str::to_owned),
        elapsed: Duration::from_millis(3),
    }
}

#[test]
fn a_two_exchange_scenario_renders_exactly_as_documented() {
    // Arrange
    let create_body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "run7f3a-alice@example.com",
        "password": "hunter2"
    });
    let created = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "run7f3a-alice@example.com",
        "id": USER_ID,
        "meta": {
            "resourceType": "User",
            "created": "2024-05-01T12:00:00Z",
            "location": format!("{BASE_URL}/Users/{USER_ID}"),
            "version": "W/\"1\""
        }
    });
    let location = format!("{BASE_URL}/Users/{USER_ID}");
    let points = vec![
        SnapshotPoint {
            name: "created".to_owned(),
            exchanges: vec![exchange(
                "POST",
                "/Users",
                &[
                    ("Content-Type", "application/scim+json"),
                    ("Authorization", "Bearer tok-s3cr3t-value"),
                    ("Content-Length", "120"),
                    ("Accept", "application/scim+json"),
                ],
                &create_body.to_string(),
                Some((
                    201,
                    &[
                        ("content-type", "application/scim+json"),
                        ("location", &location),
                        ("etag", "W/\"1\""),
                        ("date", "Wed, 01 May 2024 12:00:00 GMT"),
                    ],
                    &created.to_string(),
                )),
                None,
            )],
        },
        SnapshotPoint {
            name: "fetched".to_owned(),
            exchanges: vec![exchange(
                "GET",
                &format!("/Users/{USER_ID}"),
                &[],
                "",
                None,
                Some(&format!(
                    "error sending request for url ({BASE_URL}/Users/{USER_ID})"
                )),
            )],
        },
        SnapshotPoint {
            name: "quiet".to_owned(),
            exchanges: vec![],
        },
    ];

    // Act
    let text = render("create-user", IdpName::Okta, &points, &mut redactor());

    // Assert
    let expected = r#"# scimulate snapshot v1: create-user (okta)

## created

### POST /Users
accept: application/scim+json
authorization: Bearer <redacted>
content-type: application/scim+json

{
  "password": "<redacted>",
  "schemas": [
    "urn:ietf:params:scim:schemas:core:2.0:User"
  ],
  "userName": "<prefix>-alice@example.com"
}

--> 201
content-type: application/scim+json
etag: <etag-1>
location: <base>/Users/<id-1>

{
  "id": "<id-1>",
  "meta": {
    "created": "<timestamp>",
    "location": "<base>/Users/<id-1>",
    "resourceType": "User",
    "version": "<etag-1>"
  },
  "schemas": [
    "urn:ietf:params:scim:schemas:core:2.0:User"
  ],
  "userName": "<prefix>-alice@example.com"
}

## fetched

### GET /Users/<id-1>

--> error: error sending request for url (<base>/Users/<id-1>)

## quiet

(no exchanges)
"#;
    assert_eq!(text, expected);
}

#[test]
fn a_text_body_gets_unix_line_endings_and_one_final_newline() {
    // Arrange
    let points = [SnapshotPoint {
        name: "html".to_owned(),
        exchanges: vec![exchange(
            "GET",
            "/",
            &[("X-Note", "a\r\nb")],
            "",
            Some((502, &[], "<h1>Bad</h1>\r\n<p>gateway</p>\r\n\r\n")),
            None,
        )],
    }];

    // Act
    let text = render("proxy", IdpName::Generic, &points, &mut redactor());

    // Assert
    assert_eq!(
        text,
        "# scimulate snapshot v1: proxy (generic)\n\n## html\n\n### GET /\nx-note: a b\n\n--> 502\n\n<h1>Bad</h1>\n<p>gateway</p>\n"
    );
}

#[test]
fn rendering_is_deterministic_for_the_same_exchanges() {
    // Arrange
    let body = json!({"z": 1, "a": {"y": 2, "b": 3}, "id": USER_ID}).to_string();
    let points = [SnapshotPoint {
        name: "p".to_owned(),
        exchanges: vec![exchange(
            "GET",
            "/Users",
            &[],
            "",
            Some((200, &[], &body)),
            None,
        )],
    }];

    // Act
    let first = render("s", IdpName::Entra, &points, &mut redactor());
    let second = render("s", IdpName::Entra, &points, &mut redactor());

    // Assert
    assert_eq!(first, second);
    assert!(
        first.ends_with("{\n  \"a\": {\n    \"b\": 3,\n    \"y\": 2\n  },\n  \"id\": \"<id-1>\",\n  \"z\": 1\n}\n"),
        "{first}"
    );
}
