//! Create, read, replace and delete (RFC 7644 §3.3, §3.4.1, §3.5.1, §3.6).

use serde_json::json;

use crate::support::{TestServer, user};

#[tokio::test]
async fn create_answers_201_with_location_etag_meta_and_no_password() {
    // Arrange
    let server = TestServer::start().await;

    // Act
    let reply = server.post("/Users", user("ada@example.com")).await;

    // Assert
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("application/scim+json"));
    let id = reply.json["id"].as_str().unwrap();
    let location = server.url(&format!("/Users/{id}"));
    assert_eq!(reply.header("location"), Some(location.as_str()));
    assert_eq!(reply.json["meta"]["location"], location);
    assert_eq!(reply.json["meta"]["resourceType"], "User");
    assert_eq!(reply.header("etag"), reply.json["meta"]["version"].as_str());
    assert!(
        reply.json.get("password").is_none(),
        "password returned: {}",
        reply.text
    );
    assert!(!reply.text.contains("s3cret"));
    assert_eq!(reply.json["externalId"], "00uada@example.com");
}

#[tokio::test]
async fn get_returns_the_stored_user_and_never_its_password() {
    let server = TestServer::start().await;
    let id = server.create_user("grace@example.com").await;

    let reply = server.get(&format!("/Users/{id}")).await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["userName"], "grace@example.com");
    assert_eq!(reply.json["name"]["familyName"], "Lovelace");
    assert!(reply.json.get("password").is_none());
    let asked = server
        .get(&format!("/Users/{id}?attributes=password,userName"))
        .await;
    assert!(asked.json.get("password").is_none());
    assert_eq!(asked.json["userName"], "grace@example.com");
}

#[tokio::test]
async fn unknown_id_is_404_with_a_scim_error() {
    let server = TestServer::start().await;
    server
        .get("/Users/does-not-exist")
        .await
        .assert_scim_error(404, None);
    server
        .delete("/Groups/does-not-exist")
        .await
        .assert_scim_error(404, None);
}

#[tokio::test]
async fn user_name_is_unique_case_insensitively() {
    let server = TestServer::start().await;
    server.create_user("Linus@Example.com").await;

    let reply = server.post("/Users", user("linus@example.COM")).await;

    reply.assert_scim_error(409, Some("uniqueness"));
}

#[tokio::test]
async fn group_display_name_is_unique_case_insensitively_on_create_and_patch() {
    // Arrange
    let server = TestServer::start().await;
    let group = |name: &str| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name});
    server.post("/Groups", group("Engineering")).await;
    let sales = server.post("/Groups", group("Sales")).await;
    let sales_id = sales.json["id"].as_str().unwrap();

    // Act
    let duplicate = server.post("/Groups", group("ENGINEERING")).await;
    let rename = server
        .patch(
            &format!("/Groups/{sales_id}"),
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                   "Operations": [{"op": "replace", "path": "displayName", "value": "engineering"}]}),
        )
        .await;

    // Assert
    duplicate.assert_scim_error(409, Some("uniqueness"));
    rename.assert_scim_error(409, Some("uniqueness"));
}

#[tokio::test]
async fn put_replaces_ignores_read_only_and_bumps_the_version() {
    // Arrange
    let server = TestServer::start().await;
    let id = server.create_user("alan@example.com").await;
    let before = server.get(&format!("/Users/{id}")).await;

    // Act: Okta's PUT echoes the whole GET body back (docs/idps/okta.md §4 item 9).
    let mut body = before.json.clone();
    body["displayName"] = json!("Alan Turing");
    body["id"] = json!("something-else");
    body["meta"]["created"] = json!("1999-01-01T00:00:00Z");
    body.as_object_mut().unwrap().remove("name");
    let reply = server.put(&format!("/Users/{id}"), body).await;

    // Assert
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["id"], id.as_str());
    assert_eq!(reply.json["displayName"], "Alan Turing");
    assert!(
        reply.json.get("name").is_none(),
        "PUT must replace, not merge"
    );
    assert_eq!(
        reply.json["meta"]["created"],
        before.json["meta"]["created"]
    );
    assert_ne!(
        reply.json["meta"]["version"],
        before.json["meta"]["version"]
    );
}

#[tokio::test]
async fn put_to_an_unknown_id_does_not_create() {
    let server = TestServer::start().await;
    server
        .put("/Users/nope", user("x@example.com"))
        .await
        .assert_scim_error(404, None);
    let list = server.get("/Users").await;
    assert_eq!(list.json["totalResults"], 0);
}

#[tokio::test]
async fn put_may_not_take_another_users_name() {
    let server = TestServer::start().await;
    server.create_user("one@example.com").await;
    let two = server.create_user("two@example.com").await;
    server
        .put(&format!("/Users/{two}"), user("ONE@example.com"))
        .await
        .assert_scim_error(409, Some("uniqueness"));
}

#[tokio::test]
async fn delete_answers_204_and_the_user_is_gone() {
    let server = TestServer::start().await;
    let id = server.create_user("gone@example.com").await;

    let reply = server.delete(&format!("/Users/{id}")).await;

    assert_eq!(reply.status, 204);
    assert!(reply.text.is_empty());
    server
        .get(&format!("/Users/{id}"))
        .await
        .assert_scim_error(404, None);
    // The name is free again.
    server.create_user("gone@example.com").await;
}

#[tokio::test]
async fn if_match_with_a_stale_version_is_412_and_if_none_match_is_304() {
    // Arrange
    let server = TestServer::start().await;
    let id = server.create_user("etag@example.com").await;
    let path = format!("/Users/{id}");
    let first = server.get(&path).await;
    let old_etag = first.header("etag").unwrap().to_owned();
    server.put(&path, user("etag2@example.com")).await;

    // Act
    let stale = server
        .send(
            reqwest::Method::PUT,
            &path,
            Some(user("etag3@example.com")),
            &[("if-match", &old_etag)],
        )
        .await;
    let current = server.get(&path).await;
    let unchanged = server
        .send(
            reqwest::Method::GET,
            &path,
            None,
            &[("if-none-match", current.header("etag").unwrap())],
        )
        .await;
    let fresh = server
        .send(
            reqwest::Method::DELETE,
            &path,
            None,
            &[("if-match", current.header("etag").unwrap())],
        )
        .await;

    // Assert
    stale.assert_scim_error(412, None);
    assert_eq!(current.json["userName"], "etag2@example.com");
    assert_eq!(unchanged.status, 304);
    assert_eq!(fresh.status, 204);
}

#[tokio::test]
async fn string_booleans_and_manager_ids_are_read_as_entra_sends_them() {
    let server = TestServer::start().await;
    let manager = server.create_user("boss@example.com").await;
    let mut body = user("report@example.com");
    body["active"] = json!("False");
    body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
        json!({"manager": manager});

    let reply = server.post("/Users", body).await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json["active"], false);
    assert_eq!(
        reply.json["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
        manager.as_str()
    );
}
