//! Groups and membership: members carry `value`, `$ref`, `display`; a User's `groups` is
//! computed; deleting a user removes it from every group.

use serde_json::json;

use crate::support::{TestServer, patch_op};

#[tokio::test]
async fn members_are_rendered_with_ref_display_and_type() {
    // Arrange
    let server = TestServer::start().await;
    let ada = server.create_user("ada@example.com").await;

    // Act
    let group = server.create_group("Engineering", &[&ada]).await;
    let reply = server.get(&format!("/Groups/{group}")).await;

    // Assert
    let member = &reply.json["members"][0];
    assert_eq!(member["value"], ada.as_str());
    assert_eq!(member["$ref"], server.url(&format!("/Users/{ada}")));
    assert_eq!(member["display"], "Ada Lovelace");
    assert_eq!(member["type"], "User");
}

#[tokio::test]
async fn a_users_groups_are_computed_including_nested_ones() {
    let server = TestServer::start().await;
    let ada = server.create_user("ada@example.com").await;
    let inner = server.create_group("Inner", &[&ada]).await;
    let outer = server.create_group("Outer", &[&inner]).await;

    let reply = server.get(&format!("/Users/{ada}")).await;

    let groups = reply.json["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["value"], inner.as_str());
    assert_eq!(groups[0]["type"], "direct");
    assert_eq!(groups[0]["display"], "Inner");
    assert_eq!(groups[1]["value"], outer.as_str());
    assert_eq!(groups[1]["type"], "indirect");
}

#[tokio::test]
async fn groups_is_read_only_on_users() {
    let server = TestServer::start().await;
    let ada = server.create_user("ada@example.com").await;
    let group = server.create_group("G", &[]).await;

    let reply = server
        .patch(
            &format!("/Users/{ada}"),
            patch_op(json!([{"op": "add", "path": "groups", "value": [{"value": group}]}])),
        )
        .await;

    reply.assert_scim_error(400, Some("mutability"));
}

#[tokio::test]
async fn deleting_a_user_removes_it_from_every_group() {
    // Arrange
    let server = TestServer::start().await;
    let ada = server.create_user("ada@example.com").await;
    let bob = server.create_user("bob@example.com").await;
    let one = server.create_group("One", &[&ada, &bob]).await;
    let two = server.create_group("Two", &[&ada]).await;

    // Act
    server.delete(&format!("/Users/{ada}")).await;

    // Assert
    let one = server.get(&format!("/Groups/{one}")).await;
    let members: Vec<_> = one.json["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].clone())
        .collect();
    assert_eq!(members, vec![json!(bob)]);
    let two = server.get(&format!("/Groups/{two}")).await;
    assert_eq!(two.json["members"], json!([]), "{}", two.text);
}

#[tokio::test]
async fn a_member_that_does_not_exist_is_invalid_value() {
    let server = TestServer::start().await;
    let reply = server
        .post(
            "/Groups",
            json!({"displayName": "G", "members": [{"value": "nobody"}]}),
        )
        .await;
    reply.assert_scim_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn okta_push_groups_membership_patches_apply() {
    // Arrange: Okta removes one member per op, then adds in a batch (docs/idps/okta.md §3.6.5).
    let server = TestServer::start().await;
    let ada = server.create_user("ada@example.com").await;
    let bob = server.create_user("bob@example.com").await;
    let cy = server.create_user("cy@example.com").await;
    let group = server.create_group("Pushed", &[&ada, &bob]).await;

    // Act
    let reply = server
        .patch(
            &format!("/Groups/{group}"),
            patch_op(json!([
                {"op": "remove", "path": format!("members[value eq \"{ada}\"]")},
                {"op": "add", "path": "members", "value": [{"value": cy, "display": "cy@example.com"}]},
            ])),
        )
        .await;

    // Assert
    assert_eq!(reply.status, 200, "{}", reply.text);
    let members: Vec<_> = reply.json["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(members, vec![bob, cy]);
}

#[tokio::test]
async fn entra_group_create_with_its_microsoft_schema_answers_empty_members() {
    // Arrange: the body Entra sends (docs/idps/entra.md §9, "Create").
    let server = TestServer::start().await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group",
                    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "Engineering",
        "meta": {"resourceType": "Group"},
    });

    // Act
    let reply = server.post("/Groups", body).await;

    // Assert
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json["members"], json!([]));
    assert_eq!(
        reply.json["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:Group"])
    );
    assert_eq!(
        reply.json["externalId"],
        "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
    );
}

#[tokio::test]
async fn a_display_the_client_gave_is_kept_and_a_missing_one_is_computed() {
    let server = TestServer::start().await;
    let ada = server.create_user("ada@example.com").await;
    let bob = server.create_user("bob@example.com").await;

    let reply = server
        .post(
            "/Groups",
            json!({"displayName": "G", "members": [{"value": ada, "display": "ada@example.com"}, {"value": bob}]}),
        )
        .await;

    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json["members"][0]["display"], "ada@example.com");
    assert_eq!(reply.json["members"][1]["display"], "Ada Lovelace");
}
