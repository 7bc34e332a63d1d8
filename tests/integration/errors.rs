//! Bad input gets an RFC 7644 §3.12 error body with the right status and `scimType`, never a
//! panic, a plain-text rejection or a framework's wording.

use reqwest::Method;
use serde_json::json;

use crate::support::{TestServer, patch_op, user};

async fn raw(
    server: &TestServer,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> crate::support::Reply {
    let mut request = server
        .client
        .request(method, server.url(path))
        .header("authorization", format!("Bearer {}", crate::support::TOKEN))
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    TestServer::reply(request.send().await.unwrap()).await
}

#[tokio::test]
async fn malformed_json_is_400_invalid_syntax() {
    let server = TestServer::start().await;
    for body in [&b"{\"userName\": "[..], b"", b"[1,2", b"\xff\xfe"] {
        raw(
            &server,
            Method::POST,
            "/Users",
            Some("application/scim+json"),
            body.to_vec(),
        )
        .await
        .assert_scim_error(400, Some("invalidSyntax"));
    }
    raw(
        &server,
        Method::POST,
        "/Users",
        Some("application/scim+json"),
        b"[1,2]".to_vec(),
    )
    .await
    .assert_scim_error(400, Some("invalidSyntax"));
}

#[tokio::test]
async fn a_wrong_content_type_is_415() {
    let server = TestServer::start().await;
    let body = user("ada@example.com").to_string().into_bytes();
    raw(
        &server,
        Method::POST,
        "/Users",
        Some("text/plain"),
        body.clone(),
    )
    .await
    .assert_scim_error(415, None);
    // Both JSON media types are accepted (docs/idps/okta.md §4 item 14).
    let reply = raw(
        &server,
        Method::POST,
        "/Users",
        Some("application/json; charset=utf-8"),
        body,
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let server = TestServer::start().await;
    let mut big = user("big@example.com");
    big["nickName"] = json!("x".repeat(scimulate::server::MAX_BODY_BYTES));
    raw(
        &server,
        Method::POST,
        "/Users",
        Some("application/scim+json"),
        big.to_string().into_bytes(),
    )
    .await
    .assert_scim_error(413, None);
}

#[tokio::test]
async fn an_invalid_filter_is_400_invalid_filter() {
    let server = TestServer::start().await;
    for filter in [
        "userName%20eq",
        "userName%20zz%20%22a%22",
        "shoeSize%20eq%201",
        "(userName%20pr",
        "active%20gt%20true",
    ] {
        server
            .get(&format!("/Users?filter={filter}"))
            .await
            .assert_scim_error(400, Some("invalidFilter"));
    }
}

#[tokio::test]
async fn bad_patch_paths_are_invalid_path_and_targetless_removes_are_no_target() {
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    let path = format!("/Users/{id}");

    for bad in [
        "emails[type eq",
        "shoeSize",
        "name.shoeSize",
        "emails[type eq \"work\"].value.extra",
    ] {
        server
            .patch(
                &path,
                patch_op(json!([{"op": "replace", "path": bad, "value": "x"}])),
            )
            .await
            .assert_scim_error(400, Some("invalidPath"));
    }
    server
        .patch(&path, patch_op(json!([{"op": "remove"}])))
        .await
        .assert_scim_error(400, Some("noTarget"));
}

#[tokio::test]
async fn a_missing_required_attribute_is_400_invalid_value() {
    let server = TestServer::start().await;
    let mut body = user("x@example.com");
    body.as_object_mut().unwrap().remove("userName");
    server
        .post("/Users", body)
        .await
        .assert_scim_error(400, Some("invalidValue"));
    server
        .post(
            "/Groups",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}),
        )
        .await
        .assert_scim_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn removing_a_required_attribute_is_400_mutability() {
    // RFC 7644 §3.5.2.2: removing a required attribute fails with `mutability`.
    let server = TestServer::start().await;
    let id = server.create_user("y@example.com").await;
    server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "remove", "path": "userName"}])),
        )
        .await
        .assert_scim_error(400, Some("mutability"));
}

#[tokio::test]
async fn changing_a_read_only_attribute_is_400_mutability() {
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    let path = format!("/Users/{id}");
    for op in [
        json!({"op": "replace", "path": "id", "value": "other"}),
        json!({"op": "replace", "path": "meta.created", "value": "2000-01-01T00:00:00Z"}),
        json!({"op": "replace", "value": {"id": "other"}}),
    ] {
        server
            .patch(&path, patch_op(json!([op])))
            .await
            .assert_scim_error(400, Some("mutability"));
    }
}

#[tokio::test]
async fn no_or_wrong_token_is_401_with_www_authenticate() {
    let server = TestServer::start().await;
    let without = TestServer::reply(
        server
            .client
            .get(server.url("/Users"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let wrong = TestServer::reply(
        server
            .client
            .get(server.url("/Users"))
            .bearer_auth("not-the-token")
            .send()
            .await
            .unwrap(),
    )
    .await;
    for reply in [&without, &wrong] {
        reply.assert_scim_error(401, None);
        assert!(
            reply
                .header("www-authenticate")
                .is_some_and(|v| v.starts_with("Bearer"))
        );
        assert!(!reply.text.contains(crate::support::TOKEN));
    }
}

#[tokio::test]
async fn unsupported_methods_are_405_and_unknown_endpoints_404() {
    let server = TestServer::start().await;
    server
        .send(Method::PATCH, "/Users", Some(json!({})), &[])
        .await
        .assert_scim_error(405, None);
    server
        .send(Method::DELETE, "/ServiceProviderConfig", None, &[])
        .await
        .assert_scim_error(405, None);
    server
        .send(Method::GET, "/Users/.search", None, &[])
        .await
        .assert_scim_error(405, None);
    server.get("/Widgets").await.assert_scim_error(404, None);
}

#[tokio::test]
async fn wrong_types_and_bad_paging_numbers_are_invalid_value() {
    let server = TestServer::start().await;
    let mut body = user("t@example.com");
    body["active"] = json!("maybe");
    server
        .post("/Users", body)
        .await
        .assert_scim_error(400, Some("invalidValue"));
    server
        .get("/Users?count=ten")
        .await
        .assert_scim_error(400, Some("invalidValue"));
}
