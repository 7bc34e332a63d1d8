use std::time::Duration;

use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::exchange::RecordedRequest;

const BASE_URL: &str = "http://127.0.0.1:41234/scim/v2";
const RUN_PREFIX: &str = "run7f3a";
const SECRET: &str = "tok-s3cr3t-value";
const USER_ID: &str = "2819c223-7f76-453a-919d-413861904646";
const GROUP_ID: &str = "e9e30dba-f08f-4109-8486-d5c6a331660a";

fn context() -> RedactionContext {
    RedactionContext {
        base_url: BASE_URL.to_owned(),
        run_prefix: RUN_PREFIX.to_owned(),
        secrets: vec![SECRET.to_owned()],
    }
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn request(method: &str, path: &str, pairs: &[(&str, &str)], body: &str) -> RecordedRequest {
    RecordedRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        url: format!("{BASE_URL}{path}"),
        headers: headers(pairs),
        body: body.as_bytes().to_vec(),
    }
}

fn exchange(request: RecordedRequest, status: u16, pairs: &[(&str, &str)], body: &str) -> Exchange {
    Exchange {
        step: Some(0),
        request,
        response: Some(RecordedResponse {
            status,
            headers: headers(pairs),
            body: body.as_bytes().to_vec(),
        }),
        error: None,
        elapsed: Duration::from_millis(5),
    }
}

fn get(path: &str, status: u16, pairs: &[(&str, &str)], body: &str) -> Exchange {
    exchange(request("GET", path, &[], ""), status, pairs, body)
}

fn json_body(body: &Body) -> &Value {
    match body {
        Body::Json(json) => json,
        other => panic!("expected a JSON body, got {other:?}"),
    }
}

fn response(exchange: &RedactedExchange) -> (&[(String, String)], &Body) {
    match &exchange.response {
        RedactedResponse::Received { headers, body, .. } => (headers, body),
        other => panic!("expected a response, got {other:?}"),
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The recorded form of a redacted exchange, to feed it through redaction again.
fn recorded(exchange: &RedactedExchange) -> Exchange {
    let bytes = |body: &Body| match body {
        Body::Empty => Vec::new(),
        Body::Json(json) => json.to_string().into_bytes(),
        Body::Text(text) => text.clone().into_bytes(),
    };
    let (response, error) = match &exchange.response {
        RedactedResponse::Received {
            status,
            headers,
            body,
        } => (
            Some(RecordedResponse {
                status: *status,
                headers: headers.clone(),
                body: bytes(body),
            }),
            None,
        ),
        RedactedResponse::Failed { message } => (None, Some(message.clone())),
    };
    Exchange {
        step: None,
        request: RecordedRequest {
            method: exchange.method.clone(),
            path: exchange.path.clone(),
            url: String::new(),
            headers: exchange.headers.clone(),
            body: bytes(&exchange.body),
        },
        response,
        error,
        elapsed: Duration::ZERO,
    }
}

#[test]
fn a_created_user_is_id_1_in_its_body_location_later_paths_and_member_values() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let create = exchange(
        request("POST", "/Users", &[], r#"{"userName":"alice"}"#),
        201,
        &[("Location", &format!("{BASE_URL}/Users/{USER_ID}"))],
        &json!({"id": USER_ID, "meta": {"location": format!("{BASE_URL}/Users/{USER_ID}")}})
            .to_string(),
    );
    let group = exchange(
        request(
            "POST",
            "/Groups",
            &[],
            &json!({"displayName": "g", "members": [{"value": USER_ID}]}).to_string(),
        ),
        201,
        &[],
        &json!({"id": GROUP_ID, "members": [{"value": USER_ID, "$ref": format!("{BASE_URL}/Users/{USER_ID}")}]})
            .to_string(),
    );
    let fetch = get(&format!("/Users/{USER_ID}"), 200, &[], "");

    // Act
    let create = redactor.redact_exchange(&create);
    let group = redactor.redact_exchange(&group);
    let fetch = redactor.redact_exchange(&fetch);

    // Assert
    let (headers, body) = response(&create);
    assert_eq!(header(headers, "location"), Some("<base>/Users/<id-1>"));
    assert_eq!(
        json_body(body),
        &json!({"id": "<id-1>", "meta": {"location": "<base>/Users/<id-1>"}})
    );
    assert_eq!(json_body(&group.body)["members"][0]["value"], "<id-1>");
    let (_, body) = response(&group);
    assert_eq!(
        json_body(body),
        &json!({"id": "<id-2>", "members": [{"$ref": "<base>/Users/<id-1>", "value": "<id-1>"}]})
    );
    assert_eq!(fetch.path, "/Users/<id-1>");
}

#[test]
fn an_id_that_is_not_a_uuid_is_learnt_from_the_id_key_and_replaced_where_it_is_a_whole_token() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let create = exchange(
        request("POST", "/Users", &[], "{}"),
        201,
        &[("Location", &format!("{BASE_URL}/Users/1042"))],
        r#"{"id":"1042","displayName":"Team 1042","externalId":"x1042"}"#,
    );
    let filtered = get("/Users?filter=id%20eq%20%221042%22", 200, &[], "");
    let by_path = get("/Users/1042?attributes=id", 200, &[], "");
    let patch = exchange(
        request(
            "PATCH",
            "/Groups/g",
            &[],
            r#"{"Operations":[{"op":"remove","path":"members[value eq \"1042\"]"}]}"#,
        ),
        204,
        &[],
        "",
    );

    // Act
    let create = redactor.redact_exchange(&create);
    let filtered = redactor.redact_exchange(&filtered);
    let by_path = redactor.redact_exchange(&by_path);
    let patch = redactor.redact_exchange(&patch);

    // Assert
    let (headers, body) = response(&create);
    assert_eq!(header(headers, "location"), Some("<base>/Users/<id-1>"));
    assert_eq!(
        json_body(body),
        &json!({"id": "<id-1>", "displayName": "Team 1042", "externalId": "x1042"}),
        "inside other text a short id is left alone"
    );
    assert_eq!(filtered.path, "/Users?filter=id%20eq%20%22<id-1>%22");
    assert_eq!(by_path.path, "/Users/<id-1>?attributes=id");
    assert_eq!(
        json_body(&patch.body)["Operations"][0]["path"],
        r#"members[value eq "<id-1>"]"#
    );
}

#[test]
fn values_of_members_groups_and_manager_are_ids_also_inside_patch_operations() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let body = json!({
        "members": [{"value": "m-1"}],
        "groups": [{"value": "g-1", "$ref": format!("{BASE_URL}/Groups/g-1")}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "boss"}},
        "Operations": [
            {"op": "add", "path": "members", "value": [{"value": "m-2"}]},
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "boss-2"},
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "a@example.com"}
        ]
    });
    let patch = exchange(
        request("PATCH", "/Users/u", &[], &body.to_string()),
        204,
        &[],
        "",
    );

    // Act
    let patch = redactor.redact_exchange(&patch);

    // Assert: numbered in sorted-key order (Operations, groups, members, urn:…).
    let body = json_body(&patch.body);
    assert_eq!(body["Operations"][0]["value"][0]["value"], "<id-1>");
    assert_eq!(body["Operations"][1]["value"], "<id-2>");
    assert_eq!(
        body["Operations"][2]["value"], "a@example.com",
        "an e-mail value is not an id"
    );
    assert_eq!(body["groups"][0]["value"], "<id-3>");
    assert_eq!(body["groups"][0]["$ref"], "<base>/Groups/<id-3>");
    assert_eq!(body["members"][0]["value"], "<id-4>");
    assert_eq!(
        body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
        "<id-5>"
    );
}

#[test]
fn schema_and_resource_type_ids_are_names_not_volatile_ids() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let body = json!({"Resources": [
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], "id": "User", "name": "User"},
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"], "id": "urn:ietf:params:scim:schemas:core:2.0:Group"},
        {"id": "urn:example:custom"}
    ]});
    let list = get("/ResourceTypes/User", 200, &[], &body.to_string());

    // Act
    let list = redactor.redact_exchange(&list);

    // Assert
    assert_eq!(list.path, "/ResourceTypes/User");
    let (_, redacted) = response(&list);
    assert_eq!(json_body(redacted), &body);
}

#[test]
fn the_base_url_becomes_base_and_its_host_and_port_alone_become_host() {
    // Arrange
    let mut redactor = Redactor::new(RedactionContext {
        base_url: format!("{BASE_URL}/"),
        ..context()
    });
    let body = json!({
        "meta": {"location": format!("{BASE_URL}/Users/x")},
        "$ref": format!("{BASE_URL}/Groups/y"),
        "other": "https://127.0.0.1:41234/elsewhere",
        "longerPort": "127.0.0.1:412345",
        "longerHost": "10.127.0.0.1:41234"
    });
    let fetch = get(
        "/Users/x",
        200,
        &[("Content-Location", BASE_URL)],
        &body.to_string(),
    );

    // Act
    let fetch = redactor.redact_exchange(&fetch);

    // Assert
    let (headers, body) = response(&fetch);
    assert_eq!(header(headers, "content-location"), Some("<base>"));
    assert_eq!(
        json_body(body),
        &json!({
            "meta": {"location": "<base>/Users/x"},
            "$ref": "<base>/Groups/y",
            "other": "https://<host>/elsewhere",
            "longerPort": "127.0.0.1:412345",
            "longerHost": "10.127.0.0.1:41234"
        })
    );
}

#[test]
fn a_base_url_without_a_port_leaves_its_bare_domain_alone() {
    // Arrange
    let mut redactor = Redactor::new(RedactionContext {
        base_url: "https://example.com/scim".to_owned(),
        ..context()
    });

    // Act
    let text = redactor.redact_text("https://example.com/scim/Users mailed alice@example.com");

    // Assert
    assert_eq!(text, "<base>/Users mailed alice@example.com");
}

#[test]
fn the_run_prefix_becomes_prefix_in_bodies_and_queries() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let create = exchange(
        request(
            "POST",
            "/Users",
            &[],
            &json!({"userName": format!("{RUN_PREFIX}-alice@example.com")}).to_string(),
        ),
        409,
        &[],
        &json!({"detail": format!("userName {RUN_PREFIX}-alice@example.com is taken")}).to_string(),
    );
    let search = get(
        &format!("/Users?filter=userName%20eq%20%22{RUN_PREFIX}-alice%40example.com%22"),
        200,
        &[],
        "",
    );

    // Act
    let create = redactor.redact_exchange(&create);
    let search = redactor.redact_exchange(&search);

    // Assert
    assert_eq!(
        json_body(&create.body)["userName"],
        "<prefix>-alice@example.com"
    );
    let (_, body) = response(&create);
    assert_eq!(
        json_body(body)["detail"],
        "userName <prefix>-alice@example.com is taken"
    );
    assert_eq!(
        search.path,
        "/Users?filter=userName%20eq%20%22<prefix>-alice%40example.com%22"
    );
}

#[test]
fn rfc3339_timestamps_and_http_date_headers_become_timestamp() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let body = json!({
        "meta": {"created": "2024-05-01T12:00:00Z", "lastModified": "2024-05-01T12:00:01.123456+02:00"},
        "local": "2024-05-01T12:00:00",
        "detail": "changed at 2024-05-01T12:00:00Z.",
        "birthDate": "1990-01-31",
        "notATime": "x2024-05-01T12:00:00Z"
    });
    let fetch = get(
        "/Users/x",
        200,
        &[("Last-Modified", "Wed, 01 May 2024 12:00:00 GMT")],
        &body.to_string(),
    );

    // Act
    let fetch = redactor.redact_exchange(&fetch);

    // Assert
    let (headers, body) = response(&fetch);
    assert_eq!(header(headers, "last-modified"), Some("<timestamp>"));
    assert_eq!(
        json_body(body),
        &json!({
            "meta": {"created": "<timestamp>", "lastModified": "<timestamp>"},
            "local": "<timestamp>",
            "detail": "changed at <timestamp>.",
            "birthDate": "1990-01-31",
            "notATime": "x2024-05-01T12:00:00Z"
        })
    );
}

#[test]
fn etags_map_to_the_same_placeholder_wherever_the_same_version_appears() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let first = get(
        "/Users/x",
        200,
        &[("ETag", r#"W/"1""#)],
        r#"{"meta":{"version":"W/\"1\""}}"#,
    );
    let update = exchange(
        request("PUT", "/Users/x", &[("If-Match", r#"W/"1""#)], "{}"),
        200,
        &[("ETag", r#"W/"2""#)],
        r#"{"meta":{"version":"W/\"2\""}}"#,
    );
    let stale = exchange(
        request(
            "PUT",
            "/Users/x",
            &[("If-Match", r#"W/"1", "abc", *"#)],
            "{}",
        ),
        412,
        &[("ETag", r#""strong""#)],
        r#"{"detail":"If-Match W/\"1\" does not match the current version W/\"2\""}"#,
    );

    // Act
    let first = redactor.redact_exchange(&first);
    let update = redactor.redact_exchange(&update);
    let stale = redactor.redact_exchange(&stale);

    // Assert
    let (headers, body) = response(&first);
    assert_eq!(header(headers, "etag"), Some("<etag-1>"));
    assert_eq!(json_body(body)["meta"]["version"], "<etag-1>");
    assert_eq!(header(&update.headers, "if-match"), Some("<etag-1>"));
    let (headers, body) = response(&update);
    assert_eq!(header(headers, "etag"), Some("<etag-2>"));
    assert_eq!(json_body(body)["meta"]["version"], "<etag-2>");
    assert_eq!(
        header(&stale.headers, "if-match"),
        Some("<etag-1>, <etag-3>, *")
    );
    let (headers, body) = response(&stale);
    assert_eq!(header(headers, "etag"), Some("<etag-4>"));
    assert_eq!(
        json_body(body)["detail"],
        "If-Match <etag-1> does not match the current version <etag-2>"
    );
}

#[test]
fn secrets_are_redacted_in_paths_headers_json_strings_keys_text_bodies_and_errors() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let echoed = exchange(
        request(
            "POST",
            &format!("/Users?token={SECRET}&enc=tok%2Ds3cr3t%2Dvalue"),
            &[("X-Echo", &format!("Bearer {SECRET}"))],
            &json!({"detail": format!("token={SECRET}!"), SECRET: 1}).to_string(),
        ),
        401,
        &[("WWW-Authenticate", &format!("Bearer realm=\"{SECRET}\""))],
        &format!("<html>bad token {SECRET}</html>"),
    );
    let failed = Exchange {
        response: None,
        error: Some(format!("connection reset after sending {SECRET}")),
        ..get("/", 0, &[], "")
    };

    // Act
    let echoed = redactor.redact_exchange(&echoed);
    let failed = redactor.redact_exchange(&failed);

    // Assert
    assert_eq!(echoed.path, "/Users?token=<redacted>&enc=<redacted>");
    assert_eq!(header(&echoed.headers, "x-echo"), Some("Bearer <redacted>"));
    assert_eq!(
        json_body(&echoed.body),
        &json!({"detail": "token=<redacted>!", "<redacted>": 1})
    );
    let (headers, body) = response(&echoed);
    assert_eq!(
        header(headers, "www-authenticate"),
        Some("Bearer realm=\"<redacted>\"")
    );
    assert_eq!(
        body,
        &Body::Text("<html>bad token <redacted></html>".to_owned())
    );
    assert_eq!(
        failed.response,
        RedactedResponse::Failed {
            message: "connection reset after sending <redacted>".to_owned()
        }
    );
}

#[test]
fn password_values_are_redacted_at_any_depth_in_objects_arrays_and_patch_operations() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let body = json!({
        "password": "hunter2",
        "emails": [{"value": "a@example.com", "PassWord": "p1"}],
        "nested": {"deeper": [{"password": {"complex": "p2"}}]},
        "unset": {"password": null},
        "passwordHint": "kept",
        "Operations": [{"op": "replace", "path": "password", "value": "p3"}]
    });
    let create = exchange(
        request("POST", "/Users", &[], &body.to_string()),
        201,
        &[],
        "",
    );

    // Act
    let create = redactor.redact_exchange(&create);

    // Assert
    assert_eq!(
        json_body(&create.body),
        &json!({
            "password": "<redacted>",
            "emails": [{"value": "a@example.com", "PassWord": "<redacted>"}],
            "nested": {"deeper": [{"password": "<redacted>"}]},
            "unset": {"password": null},
            "passwordHint": "kept",
            "Operations": [{"op": "replace", "path": "password", "value": "<redacted>"}]
        })
    );
}

#[test]
fn client_added_and_volatile_headers_are_dropped_and_the_rest_sorted_by_lowercase_name() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let fetch = exchange(
        request(
            "GET",
            "/Users",
            &[
                ("User-Agent", "Okta SCIM Client 1.0.0"),
                ("Host", "127.0.0.1:41234"),
                ("Content-Length", "0"),
                ("Accept-Encoding", "gzip"),
                ("Accept", "application/scim+json"),
            ],
            "",
        ),
        200,
        &[
            ("Date", "Wed, 01 May 2024 12:00:00 GMT"),
            ("Content-Type", "application/scim+json"),
            ("content-length", "2"),
            ("Connection", "keep-alive"),
            ("Keep-Alive", "timeout=5"),
            ("Transfer-Encoding", "chunked"),
            ("Server", "nginx/1.25"),
            ("Vary", "Accept"),
            ("X-Trace", "b"),
            ("X-Trace", "a"),
        ],
        "{}",
    );

    // Act
    let fetch = redactor.redact_exchange(&fetch);

    // Assert
    assert_eq!(
        fetch.headers,
        headers(&[
            ("accept", "application/scim+json"),
            ("user-agent", "Okta SCIM Client 1.0.0"),
        ])
    );
    let (response_headers, _) = response(&fetch);
    assert_eq!(
        response_headers,
        headers(&[
            ("content-type", "application/scim+json"),
            ("x-trace", "b"),
            ("x-trace", "a"),
        ])
    );
}

#[test]
fn a_body_that_is_not_json_is_kept_as_text_with_the_rules_applied() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let mut fetch = get(
        "/Users/x",
        500,
        &[],
        &format!("oops {USER_ID} at 2024-05-01T12:00:00Z via {BASE_URL}\n"),
    );
    if let Some(response) = fetch.response.as_mut() {
        response.body.push(0xff);
    }

    // Act
    let fetch = redactor.redact_exchange(&fetch);

    // Assert
    let (_, body) = response(&fetch);
    assert_eq!(
        body,
        &Body::Text("oops <id-1> at <timestamp> via <base>\n\u{fffd}".to_owned())
    );
}

#[test]
fn an_exchange_without_response_or_error_says_so() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let lost = Exchange {
        response: None,
        error: None,
        ..get("/", 0, &[], "")
    };

    // Act
    let lost = redactor.redact_exchange(&lost);

    // Assert
    assert_eq!(
        lost.response,
        RedactedResponse::Failed {
            message: "no response".to_owned()
        }
    );
}

#[test]
fn redacting_a_redacted_exchange_changes_nothing() {
    // Arrange
    let mut redactor = Redactor::new(context());
    let create = exchange(
        request(
            "POST",
            &format!("/Groups?x={SECRET}"),
            &[("If-Match", r#"W/"1""#), ("Authorization", "<redacted>")],
            &json!({"members": [{"value": "m-1"}], "password": "p", "displayName": format!("{RUN_PREFIX} team")})
                .to_string(),
        ),
        201,
        &[("ETag", r#"W/"2""#), ("Location", &format!("{BASE_URL}/Groups/{GROUP_ID}"))],
        &json!({"id": GROUP_ID, "meta": {"created": "2024-05-01T12:00:00Z", "version": "W/\"2\""}})
            .to_string(),
    );
    let once = redactor.redact_exchange(&create);

    // Act
    let again_same = redactor.redact_exchange(&recorded(&once));
    let again_fresh = Redactor::new(context()).redact_exchange(&recorded(&once));

    // Assert
    assert_eq!(again_same, once);
    assert_eq!(again_fresh, once);
}

/// A ListResponse of these users (`(id, userName)`), with the counts a target would send.
fn user_list(users: &[(&str, &str)], total: usize) -> String {
    let resources: Vec<Value> = users
        .iter()
        .map(|(id, user_name)| json!({"id": id, "userName": user_name, "meta": {"version": "W/\"1\""}}))
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "itemsPerPage": users.len(),
        "startIndex": 1,
        "Resources": resources,
    })
    .to_string()
}

const FOREIGN_ID: &str = "7d1a5f0e-3b7c-4c55-9d7e-0a6f1c2b3d4e";

#[test]
fn a_list_that_reads_beyond_the_run_shows_only_the_runs_own_resources_and_no_counts() {
    // Arrange: an import page holding the run's user and another run's.
    let own = format!("{RUN_PREFIX}-1@example.com");
    let page = user_list(
        &[(FOREIGN_ID, "smother0001-1@example.com"), (USER_ID, &own)],
        2,
    );
    let import = get("/Users?startIndex=1&count=100", 200, &[], &page);

    // Act
    let redacted = Redactor::new(context()).redact_exchange(&import);

    // Assert
    let (_, body) = response(&redacted);
    assert_eq!(
        json_body(body),
        &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": "<count>",
            "itemsPerPage": "<count>",
            "startIndex": 1,
            "Resources": [{"id": "<id-1>", "userName": "<prefix>-1@example.com", "meta": {"version": "<etag-1>"}}],
        })
    );
    assert!(!format!("{redacted:?}").contains("smother0001"));
}

#[test]
fn a_list_that_reads_beyond_the_run_is_the_same_whatever_else_the_target_holds() {
    // Arrange
    let own = format!("{RUN_PREFIX}-1@example.com");
    let alone = user_list(&[(USER_ID, &own)], 1);
    let crowded = user_list(
        &[
            (FOREIGN_ID, "leftover@example.com"),
            (USER_ID, &own),
            (GROUP_ID, "smother0001-2@example.com"),
        ],
        3,
    );
    let search_body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "startIndex": 1});

    for (method, path) in [
        ("GET", "/Users?startIndex=1&count=2"),
        ("POST", "/Users/.search"),
    ] {
        let body = if method == "POST" {
            search_body.to_string()
        } else {
            String::new()
        };
        let read = |answer: &str| exchange(request(method, path, &[], &body), 200, &[], answer);

        // Act
        let with_nothing_else = Redactor::new(context()).redact_exchange(&read(&alone));
        let with_others = Redactor::new(context()).redact_exchange(&read(&crowded));

        // Assert
        assert_eq!(with_others, with_nothing_else, "{method} {path}");
    }
}

#[test]
fn a_list_scoped_to_the_run_keeps_its_counts_and_what_the_target_sent() {
    // Arrange: the filter names the run prefix, so the target did the scoping.
    let own = format!("{RUN_PREFIX}-1@example.com");
    let page = user_list(&[(USER_ID, &own)], 1);
    let filtered = get(
        &format!("/Users?filter=userName%20sw%20%22{RUN_PREFIX}%22&startIndex=1&count=2"),
        200,
        &[],
        &page,
    );
    let search = exchange(
        request(
            "POST",
            "/.search",
            &[],
            &json!({"filter": format!("userName sw \"{RUN_PREFIX}\"")}).to_string(),
        ),
        200,
        &[],
        &page,
    );

    for read in [filtered, search] {
        // Act
        let redacted = Redactor::new(context()).redact_exchange(&read);

        // Assert
        let (_, body) = response(&redacted);
        assert_eq!(json_body(body)["totalResults"], json!(1));
        assert_eq!(json_body(body)["itemsPerPage"], json!(1));
    }
}

#[test]
fn a_filtered_list_is_left_as_the_target_sent_it() {
    // Arrange: Entra's Test Connection probes a random GUID; another lookup names a captured id.
    let empty = user_list(&[], 0);
    let probe = get(
        &format!("/Users?filter=userName+eq+%22{FOREIGN_ID}%22"),
        200,
        &[],
        &empty,
    );
    let search = exchange(
        request(
            "POST",
            "/Users/.search",
            &[],
            r#"{"filter":"active eq true"}"#,
        ),
        200,
        &[],
        &user_list(&[(FOREIGN_ID, "someone@example.com")], 1),
    );

    for read in [probe, search] {
        // Act
        let redacted = Redactor::new(context()).redact_exchange(&read);

        // Assert
        let (_, body) = response(&redacted);
        let expected = read.response.as_ref().unwrap();
        let sent: Value = serde_json::from_slice(&expected.body).unwrap();
        assert_eq!(json_body(body)["totalResults"], sent["totalResults"]);
        assert_eq!(
            json_body(body)["Resources"].as_array().map(Vec::len),
            sent["Resources"].as_array().map(Vec::len)
        );
    }
}

#[test]
fn without_a_run_prefix_no_resource_is_left_out() {
    // Arrange: nothing tells the run's own resources from the others.
    let page = user_list(&[(FOREIGN_ID, "someone@example.com")], 1);
    let context = RedactionContext {
        run_prefix: String::new(),
        ..context()
    };

    // Act
    let redacted = Redactor::new(context).redact_exchange(&get("/Users", 200, &[], &page));

    // Assert
    let (_, body) = response(&redacted);
    assert_eq!(json_body(body)["totalResults"], json!(1));
    assert_eq!(
        json_body(body)["Resources"][0]["userName"],
        json!("someone@example.com")
    );
}

#[test]
fn placeholders_are_recognised_exactly() {
    // Arrange / Act / Assert
    for placeholder in [
        "<base>",
        "<host>",
        "<prefix>",
        "<redacted>",
        "<timestamp>",
        "<count>",
        "<id-1>",
        "<etag-12>",
    ] {
        assert!(is_placeholder(placeholder), "{placeholder}");
    }
    for other in [
        "<id->", "<id-x>", "<etag>", "<base", "base>", "<html>", " <base>",
    ] {
        assert!(!is_placeholder(other), "{other}");
    }
}

// Idempotence over arbitrary mixtures of volatile values, placeholders and delimiters.

const FRAGMENTS: &[&str] = &[
    BASE_URL,
    "127.0.0.1:41234",
    RUN_PREFIX,
    SECRET,
    "tok%2Ds3cr3t%2Dvalue",
    USER_ID,
    GROUP_ID,
    "2024-05-01T12:00:00Z",
    "2024-05-01T12:00:00.5+02:00",
    "W/\"3\"",
    "\"",
    "'",
    "/",
    "?",
    "%22",
    "%20",
    " ",
    "<",
    ">",
    "<id-1>",
    "<etag-2>",
    "<base>",
    "<redacted>",
    "-",
    "_",
    ":",
    "abc",
    "1042",
    "Users",
    "é",
    "id",
    "redacted",
    "\n",
    "0",
    "f",
    "%2",
    ".",
    "@",
    ",",
    "*",
    "{\"a\":",
    "}",
];

fn fragment_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..12).prop_map(|parts| parts.concat())
}

const KEYS: &[&str] = &[
    "id",
    "value",
    "members",
    "groups",
    "manager",
    "version",
    "password",
    "op",
    "path",
    "schemas",
    "meta",
    "location",
    "displayName",
    "$ref",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        fragment_text().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            prop::sample::select(KEYS).prop_map(str::to_owned),
            fragment_text()
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..5)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

fn header_pair() -> impl Strategy<Value = (String, String)> {
    let name = prop::sample::select(
        &[
            "ETag",
            "If-Match",
            "Location",
            "Last-Modified",
            "X-Custom",
            "Date",
        ][..],
    );
    (name, fragment_text()).prop_map(|(n, v)| (n.to_owned(), v))
}

fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        fragment_text().prop_map(String::into_bytes),
    ]
}

fn any_exchange() -> impl Strategy<Value = Exchange> {
    (
        fragment_text(),
        prop::collection::vec(header_pair(), 0..4),
        body_bytes(),
        prop::collection::vec(header_pair(), 0..4),
        body_bytes(),
    )
        .prop_map(
            |(path, request_headers, request_body, response_headers, response_body)| Exchange {
                step: Some(0),
                request: RecordedRequest {
                    method: "POST".to_owned(),
                    path,
                    url: String::new(),
                    headers: request_headers,
                    body: request_body,
                },
                response: Some(RecordedResponse {
                    status: 200,
                    headers: response_headers,
                    body: response_body,
                }),
                error: None,
                elapsed: Duration::ZERO,
            },
        )
}

proptest! {
    #[test]
    fn redacting_redacted_text_changes_nothing(text in fragment_text()) {
        let mut redactor = Redactor::new(context());
        let once = redactor.redact_text(&text);
        prop_assert_eq!(&redactor.redact_text(&once), &once);
        prop_assert_eq!(&Redactor::new(context()).redact_text(&once), &once);
    }

    /// Both a scenario's own redactor (right after each exchange: ids learnt *later* may
    /// rightly apply to earlier text) and a fresh one over the whole transcript.
    #[test]
    fn redacting_a_redacted_arbitrary_exchange_changes_nothing(exchanges in prop::collection::vec(any_exchange(), 1..4)) {
        let mut redactor = Redactor::new(context());
        let mut once = Vec::new();
        for exchange in &exchanges {
            let redacted = redactor.redact_exchange(exchange);
            prop_assert_eq!(&redactor.redact_exchange(&recorded(&redacted)), &redacted);
            once.push(redacted);
        }
        let mut fresh = Redactor::new(context());
        for redacted in &once {
            prop_assert_eq!(&fresh.redact_exchange(&recorded(redacted)), redacted);
        }
    }

    #[test]
    fn no_secret_survives_redaction(exchange in any_exchange()) {
        let redacted = Redactor::new(context()).redact_exchange(&exchange);
        let shown = format!("{redacted:?}");
        prop_assert!(!shown.contains(SECRET), "{}", shown);
    }
}
