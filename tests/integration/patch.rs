//! PATCH over HTTP as Okta and Entra send it (docs/idps/okta.md §3.5, docs/idps/entra.md §7,
//! §8), and its atomicity (RFC 7644 §3.5.2: "each operation ... applied ... or none").

use serde_json::json;

use crate::support::{TestServer, patch_op};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[tokio::test]
async fn okta_deactivates_with_a_pathless_replace() {
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;

    let reply = server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "value": {"active": false}}])),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["active"], false);
    let again = server.get(&format!("/Users/{id}")).await;
    assert_eq!(
        again.status, 200,
        "a deactivated user is still readable (okta §4 item 12)"
    );
    assert_eq!(again.json["active"], false);
}

#[tokio::test]
async fn entra_default_dialect_capitalised_ops_and_string_booleans() {
    // Arrange
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;

    // Act
    let reply = server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com"},
                {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"},
                {"op": "Replace", "path": "name.givenName", "value": "Augusta"},
                {"op": "Add", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "42"},
            ])),
        )
        .await;

    // Assert
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["active"], false);
    assert_eq!(reply.json["emails"][0]["value"], "new@example.com");
    assert_eq!(
        reply.json["phoneNumbers"][0],
        json!({"type": "mobile", "value": "+1 555 0100"})
    );
    assert_eq!(reply.json["name"]["givenName"], "Augusta");
    assert_eq!(reply.json[ENTERPRISE]["employeeNumber"], "42");
    assert!(
        reply.json["schemas"]
            .as_array()
            .unwrap()
            .contains(&json!(ENTERPRISE))
    );
}

#[tokio::test]
async fn entra_compliant_dialect_dotted_and_urn_keys_in_a_pathless_value() {
    let server = TestServer::start().await;
    let manager = server.create_user("boss@example.com").await;
    let id = server.create_user("ada@example.com").await;

    let reply = server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([
                {"op": "replace", "value": {
                    "displayName": "Countess",
                    "name.familyName": "King",
                    format!("{ENTERPRISE}:department"): "Analytics",
                }},
                {"op": "add", "path": format!("{ENTERPRISE}:manager"), "value": manager},
            ])),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["displayName"], "Countess");
    assert_eq!(reply.json["name"]["familyName"], "King");
    assert_eq!(
        reply.json["name"]["givenName"], "Ada",
        "dotted keys must not replace the whole name"
    );
    assert_eq!(reply.json[ENTERPRISE]["department"], "Analytics");
    assert_eq!(reply.json[ENTERPRISE]["manager"]["value"], manager.as_str());
}

#[tokio::test]
async fn a_failing_operation_leaves_the_resource_untouched() {
    // Arrange
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    let before = server.get(&format!("/Users/{id}")).await;

    // Act
    let reply = server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([
                {"op": "replace", "path": "displayName", "value": "Changed"},
                {"op": "replace", "path": "shoeSize", "value": 44},
            ])),
        )
        .await;

    // Assert
    reply.assert_scim_error(400, Some("invalidPath"));
    let after = server.get(&format!("/Users/{id}")).await;
    assert_eq!(after.json, before.json);
}

#[tokio::test]
async fn entra_removes_members_with_a_value_list() {
    let server = TestServer::start().await;
    let ada = server.create_user("ada@example.com").await;
    let bob = server.create_user("bob@example.com").await;
    let group = server.create_group("G", &[&ada, &bob]).await;

    let reply = server
        .patch(
            &format!("/Groups/{group}"),
            patch_op(json!([{"op": "Remove", "path": "members", "value": [{"value": ada}]}])),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["members"].as_array().unwrap().len(), 1);
    assert_eq!(reply.json["members"][0]["value"], bob.as_str());
}

#[tokio::test]
async fn okta_group_rename_with_unchanged_id_in_the_value() {
    let server = TestServer::start().await;
    let group = server.create_group("Old", &[]).await;

    let reply = server
        .patch(
            &format!("/Groups/{group}"),
            patch_op(json!([{"op": "replace", "value": {"id": group, "displayName": "New"}}])),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["displayName"], "New");
}

#[tokio::test]
async fn patch_with_a_stale_if_match_is_412() {
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;
    let reply = server
        .send(
            reqwest::Method::PATCH,
            &format!("/Users/{id}"),
            Some(patch_op(
                json!([{"op": "replace", "path": "nickName", "value": "A"}]),
            )),
            &[("if-match", "W/\"999\"")],
        )
        .await;
    reply.assert_scim_error(412, None);
}

#[tokio::test]
async fn a_whole_extension_value_may_carry_its_schemas_key() {
    // scim2-tester serialises the extension model, `schemas` included.
    let server = TestServer::start().await;
    let id = server.create_user("ada@example.com").await;

    let reply = server
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "add", "path": ENTERPRISE, "value": {"schemas": [ENTERPRISE], "costCenter": "7"}}])),
        )
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json[ENTERPRISE], json!({"costCenter": "7"}));
}
