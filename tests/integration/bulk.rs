//! Bulk (RFC 7644 §3.7): operations in order, `bulkId` references resolved, statuses as
//! strings, `failOnErrors`, and `413` over the advertised limits.

use serde_json::{Value, json};

use crate::support::{TestServer, user};

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn bulk(operations: Value) -> Value {
    json!({"schemas": [BULK_REQUEST], "Operations": operations})
}

fn group(name: &str, members: Value) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": name,
        "members": members,
    })
}

#[tokio::test]
async fn a_group_refers_to_users_created_in_the_same_request() {
    let server = TestServer::start().await;

    let reply = server
        .post(
            "/Bulk",
            bulk(json!([
                {"method": "POST", "path": "/Users", "bulkId": "ada", "data": user("ada@x.io")},
                {"method": "POST", "path": "/Users", "bulkId": "bob", "data": user("bob@x.io")},
                {"method": "POST", "path": "/Groups", "bulkId": "team",
                 "data": group("Team", json!([{"value": "bulkId:ada"}, {"value": "bulkId:bob"}]))},
            ])),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("application/scim+json"));
    assert_eq!(
        reply.json["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
    );
    let operations = reply.json["Operations"].as_array().unwrap();
    assert_eq!(operations.len(), 3);
    for (operation, bulk_id) in operations.iter().zip(["ada", "bob", "team"]) {
        assert_eq!(operation["method"], "POST");
        assert_eq!(operation["bulkId"], bulk_id);
        assert_eq!(operation["status"], json!("201"));
        assert!(operation["version"].as_str().is_some());
        assert!(operation.get("response").is_none());
    }
    let location = |i: usize| operations[i]["location"].as_str().unwrap().to_owned();
    let id_of = |i: usize| location(i).rsplit('/').next().unwrap().to_owned();
    assert!(location(0).starts_with(&server.url("/Users/")));
    assert!(location(2).starts_with(&server.url("/Groups/")));
    let team = server.get(&format!("/Groups/{}", id_of(2))).await;
    let mut members: Vec<&str> = team.json["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    members.sort_unstable();
    let mut expected = [id_of(0), id_of(1)];
    expected.sort_unstable();
    assert_eq!(members, expected);
    let ada = server.get(&format!("/Users/{}", id_of(0))).await;
    assert_eq!(ada.json["userName"], "ada@x.io");
}

#[tokio::test]
async fn patch_put_and_delete_run_in_order_and_bulk_ids_resolve_in_paths() {
    let server = TestServer::start().await;
    let carol = server.create_user("carol@x.io").await;

    let reply = server
        .post(
            "/Bulk",
            bulk(json!([
                {"method": "POST", "path": "/Users", "bulkId": "ada", "data": user("ada@x.io")},
                {"method": "PATCH", "path": "/Users/bulkId:ada", "data": {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "title", "value": "Countess"}]}},
                {"method": "PUT", "path": format!("/Users/{carol}"), "data": {
                    "userName": "carol@x.io", "title": "Engineer"}},
                {"method": "DELETE", "path": format!("/Users/{carol}")},
            ])),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let operations = reply.json["Operations"].as_array().unwrap();
    let statuses: Vec<&Value> = operations.iter().map(|o| &o["status"]).collect();
    assert_eq!(
        statuses,
        [&json!("201"), &json!("200"), &json!("200"), &json!("204")]
    );
    assert_eq!(operations[1]["method"], "PATCH");
    assert!(operations[1].get("bulkId").is_none());
    assert_eq!(operations[0]["location"], operations[1]["location"]);
    assert_eq!(
        operations[3]["location"].as_str(),
        Some(server.url(&format!("/Users/{carol}")).as_str())
    );
    let ada = server
        .get(
            operations[0]["location"]
                .as_str()
                .unwrap()
                .rsplit_once("/v2")
                .unwrap()
                .1,
        )
        .await;
    assert_eq!(ada.json["title"], "Countess");
    assert_eq!(ada.header("etag"), operations[1]["version"].as_str());
    server
        .get(&format!("/Users/{carol}"))
        .await
        .assert_scim_error(404, None);
}

#[tokio::test]
async fn a_failed_operation_is_reported_inside_the_response_and_the_others_run() {
    let server = TestServer::start().await;
    server.create_user("taken@x.io").await;

    let reply = server
        .post(
            "/Bulk",
            bulk(json!([
                {"method": "POST", "path": "/Users", "bulkId": "dup", "data": user("taken@x.io")},
                {"method": "POST", "path": "/Users", "bulkId": "ok", "data": user("ok@x.io")},
                {"method": "POST", "path": "/Groups", "bulkId": "g",
                 "data": group("G", json!([{"value": "bulkId:dup"}]))},
                {"method": "PATCH", "path": "/Users/nobody", "data": {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "title", "value": "x"}]}},
            ])),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let operations = reply.json["Operations"].as_array().unwrap();
    assert_eq!(operations[0]["status"], json!("409"));
    assert_eq!(operations[0]["response"]["scimType"], "uniqueness");
    assert_eq!(operations[0]["response"]["status"], json!("409"));
    assert!(operations[0].get("location").is_none());
    assert_eq!(operations[1]["status"], json!("201"));
    // The group names a bulkId whose POST failed: the reference cannot be resolved.
    assert_eq!(operations[2]["status"], json!("409"));
    assert_eq!(operations[2]["response"]["scimType"], "invalidValue");
    assert_eq!(operations[3]["status"], json!("404"));
}

#[tokio::test]
async fn fail_on_errors_stops_after_that_many_errors() {
    let server = TestServer::start().await;
    server.create_user("taken@x.io").await;
    let duplicate =
        json!({"method": "POST", "path": "/Users", "bulkId": "d", "data": user("taken@x.io")});

    let mut request = bulk(json!([
        duplicate,
        {"method": "POST", "path": "/Users", "bulkId": "a", "data": user("a@x.io")},
        duplicate,
        {"method": "POST", "path": "/Users", "bulkId": "b", "data": user("b@x.io")},
    ]));
    request["failOnErrors"] = json!(2);
    let reply = server.post("/Bulk", request).await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let statuses: Vec<&Value> = reply.json["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["status"])
        .collect();
    assert_eq!(statuses, [&json!("409"), &json!("201"), &json!("409")]);
    let b = server
        .get("/Users?filter=userName%20eq%20%22b@x.io%22")
        .await;
    assert_eq!(b.json["totalResults"], 0, "the fourth operation never ran");
}

#[tokio::test]
async fn more_operations_than_max_operations_is_413() {
    let server = TestServer::start().await;
    let operations: Vec<Value> = (0..1001)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/u{i}")}))
        .collect();

    let reply = server.post("/Bulk", bulk(Value::Array(operations))).await;

    reply.assert_scim_error(413, None);
    assert!(
        reply.json["detail"]
            .as_str()
            .unwrap()
            .contains("maxOperations")
    );
}

#[tokio::test]
async fn a_payload_over_max_payload_size_is_413() {
    let server = TestServer::start().await;
    let padding = "x".repeat(1024 * 1024);

    let reply = server
        .post(
            "/Bulk",
            json!({"schemas": [BULK_REQUEST], "Operations": [], "pad": padding}),
        )
        .await;

    reply.assert_scim_error(413, None);
}

#[tokio::test]
async fn a_request_that_is_not_a_bulk_request_is_400() {
    let server = TestServer::start().await;

    let no_schema = server.post("/Bulk", json!({"Operations": []})).await;
    let no_operations = server
        .post("/Bulk", json!({"schemas": [BULK_REQUEST]}))
        .await;
    let get = server.get("/Bulk").await;

    no_schema.assert_scim_error(400, Some("invalidSyntax"));
    no_operations.assert_scim_error(400, Some("invalidSyntax"));
    get.assert_scim_error(405, None);
}
