//! The application API (`/api/v1`): login and keys, the owner's routes, the lock-down while SCIM
//! is on, and how the IdP's SCIM writes reach the application. The quirks that break these
//! rules are shown in `quirks.rs`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{OWNER_KEY, Reply, TestServer, patch_op, user};

#[track_caller]
fn assert_app_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "body: {}", reply.text);
    assert_eq!(reply.json["code"], code, "body: {}", reply.text);
    assert!(
        reply.json["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

async fn me(server: &TestServer, key: &str) -> Reply {
    server.app(Method::GET, "/me", Some(key), None).await
}

async fn owner(server: &TestServer, method: Method, path: &str, body: Option<Value>) -> Reply {
    server.app(method, path, Some(OWNER_KEY), body).await
}

async fn app_users(server: &TestServer) -> Vec<Value> {
    let reply = owner(server, Method::GET, "/users", None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json.as_array().expect("a list").clone()
}

async fn deactivate(server: &TestServer, id: &str, active: bool) {
    let reply = server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "value": {"active": active}}])),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[tokio::test]
async fn login_gives_a_scim_user_one_key_until_it_is_deleted() {
    // Arrange
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;

    // Act
    let first = server
        .app(
            Method::POST,
            "/login",
            None,
            Some(json!({"email": "ADA@example.com"})),
        )
        .await;
    let again = server.login("ada@example.com").await;

    // Assert
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.json["userId"], id.as_str());
    assert_eq!(first.json["apiKey"], again.as_str());
    let reply = me(&server, &again).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["id"], id.as_str());
}

#[tokio::test]
async fn login_refuses_an_inactive_user_and_an_unknown_email() {
    // Arrange
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    deactivate(&server, &id, false).await;

    // Act
    let inactive = server
        .app(
            Method::POST,
            "/login",
            None,
            Some(json!({"email": "ada@example.com"})),
        )
        .await;
    let unknown = server
        .app(
            Method::POST,
            "/login",
            None,
            Some(json!({"email": "nobody@example.com"})),
        )
        .await;

    // Assert
    assert_app_error(&inactive, 403, "USER_INACTIVE");
    assert_app_error(&unknown, 404, "NOT_FOUND");
}

#[tokio::test]
async fn me_shows_the_scim_identity_and_follows_the_idp() {
    // Arrange
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    let key = server.login("ada@example.com").await;
    let before = me(&server, &key).await;

    // Act: the IdP renames the user and changes the email.
    let renamed = json!([
        {"op": "replace", "path": "displayName", "value": "Ada King"},
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "ada.king@example.com"},
    ]);
    let reply = server
        .patch(&format!("/Users/{id}"), patch_op(renamed))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let after = me(&server, &key).await;

    // Assert
    assert_eq!(
        before.json,
        json!({"id": id, "email": "ada@example.com", "name": "Ada Lovelace",
               "timeZone": null, "role": "regular", "status": "ACTIVE"})
    );
    assert_eq!(after.json["name"], "Ada King");
    assert_eq!(after.json["email"], "ada.king@example.com");
}

#[tokio::test]
async fn the_name_falls_back_to_given_and_family_name() {
    let server = TestServer::start().await;
    let mut body = user("grace@example.com");
    body.as_object_mut().unwrap().remove("displayName");
    body["name"] = json!({"givenName": "Grace", "familyName": "Hopper"});
    assert_eq!(server.post("/Users", body).await.status, 201);
    let key = server.login("grace@example.com").await;
    assert_eq!(me(&server, &key).await.json["name"], "Grace Hopper");
}

#[tokio::test]
async fn the_owner_is_an_app_only_account() {
    // Arrange
    let server = TestServer::start().await;

    // Act
    let reply = me(&server, OWNER_KEY).await;
    let scim = server.get("/Users").await;

    // Assert
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["email"], "owner@example.com");
    assert_eq!(reply.json["status"], "ACTIVE");
    assert_eq!(scim.json["totalResults"], 0);
}

#[tokio::test]
async fn a_missing_or_unknown_key_is_401() {
    let server = TestServer::start().await;
    let missing = server.app(Method::GET, "/me", None, None).await;
    let unknown = me(&server, "no-such-key").await;
    let bearer = server
        .client
        .get(format!("http://{}/api/v1/me", server.server.addr))
        .header("authorization", format!("Bearer {}", crate::support::TOKEN))
        .send()
        .await
        .unwrap();
    assert_app_error(&missing, 401, "UNAUTHORIZED");
    assert_app_error(&unknown, 401, "UNAUTHORIZED");
    assert_eq!(bearer.status(), 401, "the SCIM token is not an API key");
}

#[tokio::test]
async fn bad_json_is_400_with_a_json_error() {
    let server = TestServer::start().await;
    let key = Some(OWNER_KEY);
    let cases = [
        (Method::POST, "/login", None, "{not json"),
        (Method::PUT, "/me", key, "[1, 2"),
        (
            Method::POST,
            "/users",
            key,
            "{\"email\": 3, \"name\": \"x\"}",
        ),
        (Method::POST, "/users", key, "{\"email\": \"a@x.io\"}"),
        (
            Method::PUT,
            "/workspace/scim",
            key,
            "{\"enabled\": \"yes\"}",
        ),
        (Method::POST, "/groups", key, ""),
    ];
    for (method, path, key, body) in cases {
        let reply = server
            .app_raw(method, path, key, Some(body.to_owned()))
            .await;
        assert_app_error(&reply, 400, "BAD_REQUEST");
    }
}

#[tokio::test]
async fn unknown_paths_and_methods_get_json_errors() {
    let server = TestServer::start().await;
    let missing = owner(&server, Method::GET, "/nowhere", None).await;
    let method = owner(&server, Method::DELETE, "/me", None).await;
    assert_app_error(&missing, 404, "NOT_FOUND");
    assert_app_error(&method, 405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn a_key_is_refused_on_its_next_use_after_scim_deactivation() {
    // Arrange
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    let key = server.login("ada@example.com").await;
    assert_eq!(me(&server, &key).await.status, 200);

    // Act
    deactivate(&server, &id, false).await;
    let refused = me(&server, &key).await;
    deactivate(&server, &id, true).await;
    let restored = me(&server, &key).await;

    // Assert
    assert_app_error(&refused, 403, "USER_INACTIVE");
    assert_eq!(restored.status, 200, "{}", restored.text);
}

#[tokio::test]
async fn a_deleted_users_key_is_401() {
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    let key = server.login("ada@example.com").await;
    assert_eq!(server.delete(&format!("/Users/{id}")).await.status, 204);
    assert_app_error(&me(&server, &key).await, 401, "UNAUTHORIZED");
}

#[tokio::test]
async fn owner_routes_refuse_a_members_key_with_403() {
    // Arrange
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    let key = server.login("ada@example.com").await;
    let routes: [(Method, String, Option<Value>); 13] = [
        (Method::GET, "/workspace".into(), None),
        (
            Method::PUT,
            "/workspace/scim".into(),
            Some(json!({"enabled": true})),
        ),
        (Method::GET, "/users".into(), None),
        (
            Method::POST,
            "/users".into(),
            Some(json!({"email": "b@x.io", "name": "B"})),
        ),
        (
            Method::PUT,
            format!("/users/{id}"),
            Some(json!({"name": "X"})),
        ),
        (
            Method::PUT,
            format!("/users/{id}/status"),
            Some(json!({"status": "INACTIVE"})),
        ),
        (
            Method::PUT,
            format!("/users/{id}/role"),
            Some(json!({"role": "limited"})),
        ),
        (Method::DELETE, format!("/users/{id}"), None),
        (
            Method::POST,
            "/invitations".into(),
            Some(json!({"email": "c@x.io"})),
        ),
        (Method::DELETE, "/invitations/any".into(), None),
        (Method::GET, "/groups".into(), None),
        (Method::POST, "/groups".into(), Some(json!({"name": "G"}))),
        (Method::DELETE, "/groups/any".into(), None),
    ];

    for (method, path, body) in routes {
        // Act
        let reply = server.app(method.clone(), &path, Some(&key), body).await;

        // Assert
        assert_app_error(&reply, 403, "FORBIDDEN");
    }
    assert_eq!(app_users(&server).await.len(), 1, "nothing was changed");
}

/// Every change the lock-down covers, in an order in which each succeeds while SCIM is off:
/// against a server with a user (who renames themself), a second user (who leaves), a group and
/// an invitation.
async fn locked_changes(server: &TestServer) -> Vec<(Method, String, Option<String>, Value)> {
    let id = server.create_user("ada@example.com").await;
    let key = Some(server.login("ada@example.com").await);
    server.create_user("leaver@example.com").await;
    let leaver = Some(server.login("leaver@example.com").await);
    let group = server.create_group("Engineering", &[&id]).await;
    let invitation = owner(
        server,
        Method::POST,
        "/invitations",
        Some(json!({"email": "inv@example.com"})),
    )
    .await;
    let invitation = invitation.json["id"].as_str().unwrap().to_owned();
    let owner_key = Some(OWNER_KEY.to_owned());
    vec![
        (Method::PUT, "/me".into(), key, json!({"name": "New"})),
        (Method::POST, "/me/leave".into(), leaver, Value::Null),
        (
            Method::POST,
            "/workspace/join".into(),
            None,
            json!({"email": "join@example.com", "name": "J"}),
        ),
        (
            Method::POST,
            "/users".into(),
            owner_key.clone(),
            json!({"email": "new@example.com", "name": "N"}),
        ),
        (
            Method::PUT,
            format!("/users/{id}"),
            owner_key.clone(),
            json!({"name": "Renamed"}),
        ),
        (
            Method::PUT,
            format!("/users/{id}/status"),
            owner_key.clone(),
            json!({"status": "INACTIVE"}),
        ),
        (
            Method::PUT,
            format!("/users/{id}/role"),
            owner_key.clone(),
            json!({"role": "limited"}),
        ),
        (
            Method::POST,
            "/invitations".into(),
            owner_key.clone(),
            json!({"email": "other@example.com"}),
        ),
        (
            Method::DELETE,
            format!("/invitations/{invitation}"),
            owner_key.clone(),
            Value::Null,
        ),
        (
            Method::POST,
            "/groups".into(),
            owner_key.clone(),
            json!({"name": "Sales"}),
        ),
        (
            Method::PUT,
            format!("/groups/{group}"),
            owner_key.clone(),
            json!({"name": "Eng"}),
        ),
        (
            Method::DELETE,
            format!("/groups/{group}"),
            owner_key.clone(),
            Value::Null,
        ),
        (
            Method::DELETE,
            format!("/users/{id}"),
            owner_key.clone(),
            Value::Null,
        ),
    ]
}

#[tokio::test]
async fn every_locked_change_is_refused_while_scim_is_on() {
    // Arrange
    let server = TestServer::start().await;
    let changes = locked_changes(&server).await;
    server.switch_scim(true).await;
    let before = app_users(&server).await;

    for (method, path, key, body) in changes {
        // Act
        let body = (!body.is_null()).then_some(body);
        let reply = server
            .app(method.clone(), &path, key.as_deref(), body)
            .await;

        // Assert
        assert_app_error(&reply, 403, "SCIM_MANAGED");
        assert!(
            reply.json["message"]
                .as_str()
                .unwrap()
                .ends_with("is managed by your identity provider while SCIM is on"),
            "{method} {path}: {}",
            reply.text
        );
    }
    assert_eq!(app_users(&server).await, before);
}

#[tokio::test]
async fn every_locked_change_is_accepted_while_scim_is_off() {
    // Arrange
    let server = TestServer::start().await;
    let changes = locked_changes(&server).await;

    for (method, path, key, body) in changes {
        // Act
        let body = (!body.is_null()).then_some(body);
        let reply = server
            .app(method.clone(), &path, key.as_deref(), body)
            .await;

        // Assert
        assert!(
            [200, 201, 204].contains(&reply.status),
            "{method} {path}: {} {}",
            reply.status,
            reply.text
        );
    }
}

#[tokio::test]
async fn the_owner_manages_users_while_scim_is_off() {
    // Arrange
    let server = TestServer::start().await;

    // Act
    let added = owner(
        &server,
        Method::POST,
        "/users",
        Some(json!({"email": "bob@example.com", "name": "Bob"})),
    )
    .await;
    let id = added.json["id"].as_str().unwrap().to_owned();
    let renamed = owner(
        &server,
        Method::PUT,
        &format!("/users/{id}"),
        Some(json!({"name": "Robert", "email": "robert@example.com"})),
    )
    .await;
    let limited = owner(
        &server,
        Method::PUT,
        &format!("/users/{id}/role"),
        Some(json!({"role": "limited"})),
    )
    .await;
    let disabled = owner(
        &server,
        Method::PUT,
        &format!("/users/{id}/status"),
        Some(json!({"status": "INACTIVE"})),
    )
    .await;
    let scim = server.get(&format!("/Users/{id}")).await;
    let duplicate = owner(
        &server,
        Method::POST,
        "/users",
        Some(json!({"email": "ROBERT@example.com", "name": "R"})),
    )
    .await;
    let bad_role = owner(
        &server,
        Method::PUT,
        &format!("/users/{id}/role"),
        Some(json!({"role": "admin"})),
    )
    .await;
    let missing = owner(
        &server,
        Method::PUT,
        "/users/no-such-id/status",
        Some(json!({"status": "ACTIVE"})),
    )
    .await;

    // Assert
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.json["status"], "ACTIVE");
    assert_eq!(renamed.json["name"], "Robert");
    assert_eq!(renamed.json["email"], "robert@example.com");
    assert_eq!(limited.json["role"], "limited");
    assert_eq!(disabled.json["status"], "INACTIVE");
    // The app's user is a SCIM User an IdP can match.
    assert_eq!(scim.status, 200);
    assert_eq!(scim.json["userName"], "robert@example.com");
    assert_eq!(scim.json["active"], false);
    assert_app_error(&duplicate, 409, "CONFLICT");
    assert_app_error(&bad_role, 400, "BAD_REQUEST");
    assert_app_error(&missing, 404, "NOT_FOUND");
    let found = server
        .get("/Users?filter=userName%20eq%20%22robert@example.com%22")
        .await;
    assert_eq!(found.json["totalResults"], 1);
}

#[tokio::test]
async fn deactivation_through_the_app_refuses_the_key_at_once() {
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    let key = server.login("ada@example.com").await;
    let reply = owner(
        &server,
        Method::PUT,
        &format!("/users/{id}/status"),
        Some(json!({"status": "INACTIVE"})),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_app_error(&me(&server, &key).await, 403, "USER_INACTIVE");
}

#[tokio::test]
async fn join_and_leave_the_workspace_while_scim_is_off() {
    // Arrange
    let server = TestServer::start().await;

    // Act
    let joined = server
        .app(
            Method::POST,
            "/workspace/join",
            None,
            Some(json!({"email": "joe@example.com", "name": "Joe"})),
        )
        .await;
    let key = server.login("joe@example.com").await;
    let left = server
        .app(Method::POST, "/me/leave", Some(&key), None)
        .await;

    // Assert
    assert_eq!(joined.status, 201, "{}", joined.text);
    assert_eq!(joined.json["status"], "ACTIVE");
    assert_eq!(left.status, 204, "{}", left.text);
    assert_eq!(server.get("/Users").await.json["totalResults"], 0);
    assert_app_error(&me(&server, &key).await, 401, "UNAUTHORIZED");
}

#[tokio::test]
async fn enabling_scim_deletes_groups_and_hands_out_the_scim_credentials() {
    // Arrange
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    let created = owner(
        &server,
        Method::POST,
        "/groups",
        Some(json!({"name": "Engineering"})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let old_id = created.json["id"].as_str().unwrap().to_owned();
    let before = owner(&server, Method::GET, "/workspace", None).await;

    // Act
    let reply = server.switch_scim(true).await;
    let after_enable = owner(&server, Method::GET, "/groups", None).await;
    let new_id = server.create_group("Engineering", &[&id]).await;
    let after_push = owner(&server, Method::GET, "/groups", None).await;
    let workspace = owner(&server, Method::GET, "/workspace", None).await;

    // Assert
    assert_eq!(before.json, json!({"scimEnabled": false}));
    assert_eq!(
        reply.json,
        json!({"enabled": true, "baseUrl": server.server.base_url, "token": crate::support::TOKEN})
    );
    assert_eq!(after_enable.json, json!([]));
    assert_ne!(new_id, old_id, "groups from the IdP are new entities");
    assert_eq!(
        after_push.json,
        json!([{"id": new_id, "name": "Engineering", "memberIds": [id]}])
    );
    assert_eq!(workspace.json, json!({"scimEnabled": true}));
    assert_eq!(server.get(&format!("/Groups/{old_id}")).await.status, 404);
}

#[tokio::test]
async fn the_scim_api_works_whatever_the_switch_says() {
    let server = TestServer::start().await;
    server.switch_scim(true).await;
    let id = server.create_user("ada@example.com").await;
    server.create_group("G", &[&id]).await;
    assert_eq!(server.delete(&format!("/Users/{id}")).await.status, 204);
    let off = server.switch_scim(false).await;
    assert_eq!(off.json, json!({"enabled": false}));
    server.create_user("bob@example.com").await;
    assert_eq!(server.get("/Users").await.json["totalResults"], 1);
}

#[tokio::test]
async fn switching_scim_off_restores_the_application_as_before_the_switch() {
    // Arrange: what a lock-down scenario does, twice, as two back-to-back runs would.
    let server = TestServer::start().await;
    let mut old_ids = Vec::new();

    for _ in 0..2 {
        // Act
        let created = owner(
            &server,
            Method::POST,
            "/groups",
            Some(json!({"name": "Handmade"})),
        )
        .await;
        server.switch_scim(true).await;
        let locked = owner(&server, Method::POST, "/groups", Some(json!({"name": "X"}))).await;
        let off = server.switch_scim(false).await;
        let workspace = owner(&server, Method::GET, "/workspace", None).await;

        // Assert: each switch on deletes the groups made by hand while it was off.
        assert_eq!(created.status, 201, "{}", created.text);
        let old_id = created.json["id"].as_str().unwrap().to_owned();
        assert_eq!(server.get(&format!("/Groups/{old_id}")).await.status, 404);
        assert_app_error(&locked, 403, "SCIM_MANAGED");
        assert_eq!(off.json, json!({"enabled": false}));
        assert_eq!(workspace.json, json!({"scimEnabled": false}));
        old_ids.push(old_id);
    }
    assert_ne!(old_ids[0], old_ids[1]);
}

#[tokio::test]
async fn the_user_list_keeps_the_users_whose_email_or_name_contains_the_query() {
    // Arrange
    let server = TestServer::start().await;
    for (email, name) in [
        ("run1-ada@example.com", "Ada Lovelace"),
        ("run1-bob@example.com", "Bob Kahn"),
        ("run2-ada@example.com", "Ada King"),
    ] {
        let added = owner(
            &server,
            Method::POST,
            "/users",
            Some(json!({"email": email, "name": name})),
        )
        .await;
        assert_eq!(added.status, 201, "{}", added.text);
    }
    let emails = |reply: &Reply| -> Vec<String> {
        let mut emails: Vec<String> = reply
            .json
            .as_array()
            .expect("a list")
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_owned())
            .collect();
        emails.sort();
        emails
    };

    // Act
    let run1 = owner(&server, Method::GET, "/users?email=RUN1", None).await;
    let adas = owner(&server, Method::GET, "/users?name=ada", None).await;
    let both = owner(&server, Method::GET, "/users?email=run2&name=ada%20k", None).await;
    let nobody = owner(&server, Method::GET, "/users?email=run3", None).await;

    // Assert
    assert_eq!(
        emails(&run1),
        ["run1-ada@example.com", "run1-bob@example.com"]
    );
    assert_eq!(
        emails(&adas),
        ["run1-ada@example.com", "run2-ada@example.com"]
    );
    assert_eq!(emails(&both), ["run2-ada@example.com"]);
    assert_eq!(nobody.json, json!([]));
    assert_eq!(app_users(&server).await.len(), 3);
}

#[tokio::test]
async fn a_timezone_set_in_the_app_is_pinned_against_scim_writes() {
    // Arrange
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    let set_by_idp = server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "path": "timezone", "value": "Europe/London"}])),
        )
        .await;
    assert_eq!(set_by_idp.status, 200);
    let key = server.login("ada@example.com").await;
    let before = me(&server, &key).await;
    server.switch_scim(true).await;

    // Act: the user travels and sets their time zone; the IdP then sends its own.
    let pinned = server
        .app(
            Method::PUT,
            "/me",
            Some(&key),
            Some(json!({"timeZone": "Asia/Tokyo"})),
        )
        .await;
    let patched = server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "path": "timezone", "value": "Europe/London"}])),
        )
        .await;
    let mut replaced = user("ada@example.com");
    replaced["timezone"] = json!("America/New_York");
    replaced["displayName"] = json!("Ada King");
    let put = server.put(&format!("/Users/{id}"), replaced).await;
    let after = me(&server, &key).await;

    // Assert
    assert_eq!(before.json["timeZone"], "Europe/London");
    assert_eq!(pinned.status, 200, "{}", pinned.text);
    assert_eq!(pinned.json["timeZone"], "Asia/Tokyo");
    assert_eq!(patched.status, 200);
    assert_eq!(put.status, 200);
    assert_eq!(after.json["timeZone"], "Asia/Tokyo");
    assert_eq!(
        after.json["name"], "Ada King",
        "the rest of the write applies"
    );
    assert_eq!(put.json["timezone"], "Asia/Tokyo");
}

#[tokio::test]
async fn anonymize_then_delete_leaves_nothing_readable() {
    // Arrange: Clockify's GDPR order: deactivate, anonymize, remove.
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    server.login("ada@example.com").await;
    server.switch_scim(true).await;
    deactivate(&server, &id, false).await;
    let anonymized = json!([
        {"op": "replace", "path": "displayName", "value": "Anonymous"},
        {"op": "replace", "path": "name", "value": {"givenName": "A", "familyName": "N"}},
        {"op": "replace", "path": "userName", "value": "anon-1@invalid"},
        {"op": "replace", "path": "emails", "value": [{"value": "anon-1@invalid", "primary": true}]},
    ]);
    let reply = server
        .patch(&format!("/Users/{id}"), patch_op(anonymized))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let while_anonymized = app_users(&server).await;

    // Act
    assert_eq!(server.delete(&format!("/Users/{id}")).await.status, 204);

    // Assert
    let text = serde_json::to_string(&while_anonymized).unwrap();
    assert!(
        !text.contains("ada@example.com") && !text.contains("Lovelace"),
        "{text}"
    );
    assert_eq!(app_users(&server).await, Vec::<Value>::new());
    for email in ["ada@example.com", "anon-1@invalid"] {
        let login = server
            .app(Method::POST, "/login", None, Some(json!({"email": email})))
            .await;
        assert_app_error(&login, 404, "NOT_FOUND");
    }
    let scim = server.get("/Users").await;
    assert_eq!(scim.json["totalResults"], 0);
    assert_eq!(server.get(&format!("/Users/{id}")).await.status, 404);
}
