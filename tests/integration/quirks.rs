//! Every quirk, shown producing the misbehaviour it names. The correct behaviour each one
//! breaks is asserted by the other test modules against a server without quirks.

use reqwest::Method;
use scimulate::server::Quirk;
use serde_json::json;

use crate::support::{TestServer, patch_op, user};

async fn server(quirk: Quirk) -> TestServer {
    TestServer::with_quirks(&[quirk]).await
}

#[tokio::test]
async fn no_location_omits_the_location_header() {
    let server = server(Quirk::NoLocation).await;
    let reply = server.post("/Users", user("a@x.io")).await;
    assert_eq!(reply.status, 201);
    assert!(reply.header("location").is_none());
}

#[tokio::test]
async fn items_per_page_is_count_echoes_the_requested_count() {
    let server = server(Quirk::ItemsPerPageIsCount).await;
    server.create_user("a@x.io").await;
    let reply = server.get("/Users?count=50").await;
    assert_eq!(reply.json["itemsPerPage"], 50);
    assert_eq!(reply.json["Resources"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn paging_as_strings_sends_numbers_as_strings() {
    let server = server(Quirk::PagingAsStrings).await;
    server.create_user("a@x.io").await;
    let reply = server.get("/Users").await;
    assert_eq!(reply.json["totalResults"], json!("1"));
    assert_eq!(reply.json["startIndex"], json!("1"));
    assert_eq!(reply.json["itemsPerPage"], json!("1"));
}

#[tokio::test]
async fn plain_text_errors_answers_text() {
    let server = server(Quirk::PlainTextErrors).await;
    let reply = server.get("/Users/missing").await;
    assert_eq!(reply.status, 404);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(reply.json.is_null(), "not JSON: {}", reply.text);
}

#[tokio::test]
async fn numeric_error_status_sends_status_as_a_number() {
    let server = server(Quirk::NumericErrorStatus).await;
    let reply = server.get("/Users/missing").await;
    assert_eq!(reply.json["status"], json!(404));
}

#[tokio::test]
async fn ignore_filter_returns_everyone() {
    let server = server(Quirk::IgnoreFilter).await;
    server.create_user("a@x.io").await;
    server.create_user("b@x.io").await;
    let reply = server
        .get("/Users?filter=userName%20eq%20%22a@x.io%22")
        .await;
    assert_eq!(reply.json["totalResults"], 2);
}

#[tokio::test]
async fn ignore_paging_returns_every_page_at_once() {
    let server = server(Quirk::IgnorePaging).await;
    for name in ["a@x.io", "b@x.io", "c@x.io"] {
        server.create_user(name).await;
    }
    let reply = server.get("/Users?startIndex=2&count=1").await;
    assert_eq!(reply.json["Resources"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn remove_members_empties_group_drops_every_member() {
    let server = server(Quirk::RemoveMembersEmptiesGroup).await;
    let a = server.create_user("a@x.io").await;
    let b = server.create_user("b@x.io").await;
    let group = server.create_group("G", &[&a, &b]).await;
    let reply = server
        .patch(
            &format!("/Groups/{group}"),
            patch_op(json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}])),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["members"], json!([]), "{}", reply.text);
}

#[tokio::test]
async fn reject_capitalised_ops_refuses_entra_ops() {
    let server = server(Quirk::RejectCapitalisedOps).await;
    let id = server.create_user("a@x.io").await;
    let path = format!("/Users/{id}");
    let capital = server
        .patch(
            &path,
            patch_op(json!([{"op": "Replace", "path": "nickName", "value": "A"}])),
        )
        .await;
    let lower = server
        .patch(
            &path,
            patch_op(json!([{"op": "replace", "path": "nickName", "value": "A"}])),
        )
        .await;
    assert_eq!(capital.status, 400);
    assert_eq!(lower.status, 200);
}

#[tokio::test]
async fn reject_string_booleans_refuses_entra_booleans() {
    let server = server(Quirk::RejectStringBooleans).await;
    let id = server.create_user("a@x.io").await;
    let reply = server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        server.get(&format!("/Users/{id}")).await.json["active"],
        true
    );
}

#[tokio::test]
async fn duplicate_username_creates_a_second_user() {
    let server = server(Quirk::DuplicateUserName).await;
    server.create_user("a@x.io").await;
    let reply = server.post("/Users", user("a@x.io")).await;
    assert_eq!(reply.status, 201);
    assert_eq!(server.get("/Users").await.json["totalResults"], 2);
}

#[tokio::test]
async fn lookup_404_answers_404_for_no_match() {
    let server = server(Quirk::Lookup404).await;
    server
        .get("/Users?filter=userName%20eq%20%22nobody%22")
        .await
        .assert_scim_error(404, None);
}

#[tokio::test]
async fn case_sensitive_username_misses_other_cases() {
    let server = server(Quirk::CaseSensitiveUserName).await;
    server.create_user("Ada@x.io").await;
    let lookup = server
        .get("/Users?filter=userName%20eq%20%22ada@x.io%22")
        .await;
    assert_eq!(lookup.json["totalResults"], 0);
    let duplicate = server.post("/Users", user("ada@x.io")).await;
    assert_eq!(duplicate.status, 201);
}

#[tokio::test]
async fn ignore_if_match_lets_stale_writes_through() {
    let server = server(Quirk::IgnoreIfMatch).await;
    let id = server.create_user("a@x.io").await;
    let reply = server
        .send(
            Method::PUT,
            &format!("/Users/{id}"),
            Some(user("b@x.io")),
            &[("if-match", "W/\"999\"")],
        )
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn patch_not_atomic_keeps_the_operations_before_the_failure() {
    let server = server(Quirk::PatchNotAtomic).await;
    let id = server.create_user("a@x.io").await;
    let reply = server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([
                {"op": "replace", "path": "nickName", "value": "Kept"},
                {"op": "replace", "path": "shoeSize", "value": 44},
            ])),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        server.get(&format!("/Users/{id}")).await.json["nickName"],
        "Kept"
    );
}

#[tokio::test]
async fn json_content_type_answers_application_json() {
    let server = server(Quirk::JsonContentType).await;
    let reply = server.get("/ServiceProviderConfig").await;
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn zero_based_start_index_skips_the_first_result() {
    let server = server(Quirk::ZeroBasedStartIndex).await;
    server.create_user("a@x.io").await;
    server.create_user("b@x.io").await;
    let reply = server.get("/Users?startIndex=1&count=1").await;
    assert_eq!(reply.json["Resources"][0]["userName"], "b@x.io");
}

#[tokio::test]
async fn put_creates_an_unknown_id() {
    let server = server(Quirk::PutCreates).await;
    let reply = server.put("/Users/made-up", user("a@x.io")).await;
    assert_eq!(reply.status, 200);
    assert_eq!(server.get("/Users/made-up").await.status, 200);
}

#[tokio::test]
async fn delete_keeps_memberships_leaves_a_dangling_member() {
    let server = server(Quirk::DeleteKeepsMemberships).await;
    let a = server.create_user("a@x.io").await;
    let group = server.create_group("G", &[&a]).await;
    server.delete(&format!("/Users/{a}")).await;
    let reply = server.get(&format!("/Groups/{group}")).await;
    assert_eq!(reply.json["members"][0]["value"], a.as_str());
}

#[tokio::test]
async fn reject_pathless_patch_refuses_oktas_deactivate() {
    let server = server(Quirk::RejectPathlessPatch).await;
    let id = server.create_user("a@x.io").await;
    let reply = server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;
    assert_eq!(reply.status, 400);
}

#[test]
fn every_quirk_has_a_test_here() {
    let source = include_str!("quirks.rs");
    for quirk in Quirk::ALL {
        let variant = format!("{quirk:?}");
        assert!(
            source.matches(&format!("Quirk::{variant}")).count() >= 1
                && source.contains(&format!("server(Quirk::{variant})")),
            "quirk {quirk} has no test"
        );
    }
}

#[tokio::test]
async fn throttle_answers_every_other_request_429_with_retry_after() {
    let server = server(Quirk::Throttle).await;
    let first = server.get("/Users").await;
    let second = server.get("/Users").await;
    let third = server.get("/Users").await;
    assert_eq!(first.status, 200);
    second.assert_scim_error(429, None);
    assert_eq!(second.header("retry-after"), Some("1"));
    assert_eq!(third.status, 200);
}
