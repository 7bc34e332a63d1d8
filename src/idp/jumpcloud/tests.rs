//! JumpCloud's user actions pinned byte for byte against a scripted fake target.

use super::*;
use crate::idp::directory::Profile;
use crate::level::Level;

use super::script::{Script, expected, expected_as, failed, ids};

const TEST_EMAIL: &str = "testuser@example.io";
const TEST_LOOKUP_PATH: &str = "/Users?filter=userName+eq+%22testuser%40example.io%22";
/// docs/idps/jumpcloud.md §4, ShiftControl-io/scim-v2-rust `jumpcloud_create_user.json`, compacted.
const TEST_CREATE_BODY: &str = r#"{"active":true,"addresses":[{"country":"US","locality":"locality","postalCode":"80027","primary":true,"region":"region","streetAddress":"street-address","type":"work"}],"displayName":"displayname","emails":[{"primary":true,"type":"work","value":"testuser@example.io"}],"externalId":"66e2d689590450d073d2df3b","locale":"en-US","name":{"familyName":"lastname","givenName":"firstname"},"phoneNumbers":[{"primary":true,"type":"work","value":"tel:+1-555-555-5555"}],"preferredLanguage":"en-US","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"testuser@example.io"}"#;
/// docs/idps/jumpcloud.md §2, ShiftControl-io/scim-v2-rust `jumpcloud_put_user_minimal.json`,
/// compacted.
const TEST_MINIMAL_PUT: &str = r#"{"active":true,"emails":null,"id":"t-1","name":{"familyName":"lastname","givenName":"firstname"},"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"testuser@example.io"}"#;
const TEST_DEACTIVATE_PUT: &str = r#"{"active":false,"addresses":[{"country":"US","locality":"locality","postalCode":"80027","primary":true,"region":"region","streetAddress":"street-address","type":"work"}],"displayName":"displayname","emails":[{"primary":true,"type":"work","value":"testuser@example.io"}],"externalId":"66e2d689590450d073d2df3b","id":"t-1","locale":"en-US","name":{"familyName":"lastname","givenName":"firstname"},"phoneNumbers":[{"primary":true,"type":"work","value":"tel:+1-555-555-5555"}],"preferredLanguage":"en-US","schemas":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"testuser@example.io"}"#;
const TEST_GROUP_BODY: &str = r#"{"displayName":"testgroup","members":[{"value":"t-1"}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}"#;
const TEST_CREATED: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"t-1","userName":"testuser@example.io"}"#;
const GROUP_CREATED: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g-9","displayName":"testgroup"}"#;

const LOOKUP_PATH: &str = "/Users?filter=userName+eq+%22ada.lovelace%40example.com%22";
const EMPTY_LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#;
const FOUND: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"u-1","userName":"ada.lovelace@example.com"}]}"#;
const CREATE_BODY: &str = r#"{"active":true,"displayName":"Ada Lovelace","emails":[{"primary":true,"type":"work","value":"ada.lovelace@example.com"}],"externalId":"0000000000000000000000a1","locale":"en-US","name":{"familyName":"Lovelace","givenName":"Ada"},"preferredLanguage":"en-US","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"ada.lovelace@example.com"}"#;
const CREATED: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u-1","userName":"ada.lovelace@example.com","active":true}"#;
const PATCH_FALSE: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}"#;
const PATCH_TRUE: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}"#;
const BAD_REQUEST: &str =
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"no","status":"400"}"#;

/// The §5 full PUT of Ada with `active` as given.
fn put_body(active: bool) -> String {
    format!(
        r#"{{"active":{active},"addresses":[],"displayName":"Ada Lovelace","emails":[{{"primary":true,"type":"work","value":"ada.lovelace@example.com"}}],"externalId":"0000000000000000000000a1","id":"u-1","locale":"en-US","name":{{"familyName":"Lovelace","givenName":"Ada"}},"phoneNumbers":[],"preferredLanguage":"en-US","schemas":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada.lovelace@example.com"}}"#
    )
}

fn ada() -> DirectoryUser {
    DirectoryUser::new(
        "ada",
        "0000000000000000000000a1",
        Profile {
            user_name: "ada.lovelace@example.com".into(),
            given_name: "Ada".into(),
            family_name: "Lovelace".into(),
            email: "ada.lovelace@example.com".into(),
            ..Profile::default()
        },
    )
}

fn provisioned_ada(active: bool) -> DirectoryUser {
    DirectoryUser {
        assigned: true,
        active,
        target_id: Some("u-1".into()),
        ..ada()
    }
}

fn jumpcloud() -> JumpCloud {
    JumpCloud::default()
}

fn patching() -> JumpCloud {
    JumpCloud {
        update: UserUpdateForm::Patch,
        ..JumpCloud::default()
    }
}

fn list_of(total: u64, start: u64, count: usize) -> String {
    let resources: Vec<String> = (0..count)
        .map(|i| {
            let n = start as usize + i;
            format!(r#"{{"id":"u-{n}","userName":"user{n}@example.com"}}"#)
        })
        .collect();
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":{total},"startIndex":{start},"itemsPerPage":{count},"Resources":[{}]}}"#,
        resources.join(",")
    )
}

// ---- Request bytes (§4, §5) ----

#[test]
fn the_full_put_reproduces_the_b4_sample_without_photos() {
    // Arrange: ShiftControl-io/scim-v2-rust `jumpcloud_put_user_full.json`'s user.
    let john = DirectoryUser::new(
        "john",
        "664447f5c0c418f2d05e5318",
        Profile {
            user_name: "john.doe@example.com".into(),
            given_name: "John".into(),
            family_name: "Doe".into(),
            email: "john.doe@example.io".into(),
            title: Some("Captain".into()),
            department: Some("C-Suite".into()),
            ..Profile::default()
        },
    );

    // Act
    let body = request::put_body(&john, "d500eedc-4dbc-494e-978a-56da891f179a", true);

    // Assert
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"active":true,"addresses":[],"displayName":"John Doe","emails":[{"primary":true,"type":"work","value":"john.doe@example.io"}],"externalId":"664447f5c0c418f2d05e5318","id":"d500eedc-4dbc-494e-978a-56da891f179a","locale":"en-US","name":{"familyName":"Doe","givenName":"John"},"phoneNumbers":[],"preferredLanguage":"en-US","schemas":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","urn:ietf:params:scim:schemas:core:2.0:User"],"title":"Captain","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"C-Suite"},"userName":"john.doe@example.com"}"#
    );
}

#[test]
fn the_lookup_encodes_spaces_as_selected() {
    // Arrange
    let name = "ada.lovelace@example.com";

    // Act
    let plus = request::user_lookup_path(name, FilterSpaces::Plus);
    let percent = request::user_lookup_path(name, FilterSpaces::Percent20);

    // Assert
    assert_eq!(plus, LOOKUP_PATH);
    assert_eq!(
        percent,
        "/Users?filter=userName%20eq%20%22ada.lovelace%40example.com%22"
    );
}

// ---- Test Connection (§2) ----

#[tokio::test]
async fn test_connection_sends_the_b1_sequence_with_the_b3_test_user() {
    // Arrange
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, TEST_CREATED)
        .reply(200, TEST_CREATED)
        .reply(201, GROUP_CREATED)
        .reply(204, "")
        .reply(204, "");

    // Act
    let checks = jumpcloud()
        .test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent,
        vec![
            expected("GET", TEST_LOOKUP_PATH, ""),
            expected("POST", "/Users", TEST_CREATE_BODY),
            expected("PUT", "/Users/t-1", TEST_MINIMAL_PUT),
            expected("POST", "/Groups", TEST_GROUP_BODY),
            expected("DELETE", "/Groups/g-9", ""),
            expected("DELETE", "/Users/t-1", ""),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("jumpcloud.test-connection.lookup-is-list-response", Some(0)),
            (
                "jumpcloud.test-connection.create-returns-201-with-id",
                Some(1)
            ),
            ("jumpcloud.test-connection.put-accepts-null-emails", Some(2)),
            (
                "jumpcloud.test-connection.group-create-returns-201-with-id",
                Some(3)
            ),
            (
                "jumpcloud.test-connection.group-delete-returns-204",
                Some(4)
            ),
            ("jumpcloud.test-connection.delete-user-returns-204", Some(5)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(checks.iter().all(|c| c.level == Level::IdpRequired));
    assert!(
        checks
            .iter()
            .all(|c| c.source == "docs/idps/jumpcloud.md §2")
    );
}

#[tokio::test]
async fn test_connection_without_group_management_sends_no_group() {
    // Arrange
    let jc = JumpCloud {
        manage_groups: false,
        ..JumpCloud::default()
    };
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, TEST_CREATED)
        .reply(200, TEST_CREATED)
        .reply(204, "");

    // Act
    let checks = jc
        .test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.lines(),
        [
            format!("GET {TEST_LOOKUP_PATH}"),
            "POST /Users".into(),
            "PUT /Users/t-1".into(),
            "DELETE /Users/t-1".into(),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn test_connection_reuses_a_test_user_the_lookup_finds() {
    // Arrange
    let found = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":"t-1"}]}"#;
    let mut wire = Script::default()
        .reply(200, found)
        .reply(200, TEST_CREATED)
        .reply(201, GROUP_CREATED)
        .reply(204, "")
        .reply(204, "");

    // Act
    let checks = jumpcloud()
        .test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent[1],
        expected("PUT", "/Users/t-1", TEST_MINIMAL_PUT)
    );
    assert_eq!(wire.sent.len(), 5);
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn test_connection_stops_on_a_lookup_it_cannot_read() {
    // Arrange
    let mut wire = Script::default().reply(404, "<html>Not Found</html>");

    // Act
    let checks = jumpcloud()
        .test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len(), 1);
    assert_eq!(
        failed(&checks),
        ["jumpcloud.test-connection.lookup-is-list-response"]
    );
    assert!(
        checks[0].reasons[0].starts_with("expected 200 with a ListResponse"),
        "{:?}",
        checks[0].reasons
    );
}

#[tokio::test]
async fn test_connection_stops_when_the_create_returns_no_id() {
    // Arrange
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, r#"{"userName":"testuser@example.io"}"#);

    // Act
    let checks = jumpcloud()
        .test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len(), 2);
    assert_eq!(
        failed(&checks),
        ["jumpcloud.test-connection.create-returns-201-with-id"]
    );
    assert!(checks[1].reasons[0].ends_with("got 201 without an `id`"));
}

#[tokio::test]
async fn test_connection_fails_when_the_put_rejects_null_emails_and_still_cleans_up() {
    // Arrange
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, TEST_CREATED)
        .reply(400, BAD_REQUEST)
        .reply(201, GROUP_CREATED)
        .reply(204, "")
        .reply(204, "");

    // Act
    let checks = jumpcloud()
        .test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len(), 6);
    assert_eq!(
        failed(&checks),
        ["jumpcloud.test-connection.put-accepts-null-emails"]
    );
    let reason = &checks[2].reasons[0];
    assert!(
        reason.contains("`\"emails\": null`") && reason.ends_with(r#"got 400 ("no")"#),
        "{reason}"
    );
}

#[tokio::test]
async fn test_connection_fails_a_group_create_and_skips_the_group_delete() {
    // Arrange
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, TEST_CREATED)
        .reply(200, TEST_CREATED)
        .reply(501, "")
        .reply(204, "");

    // Act
    let checks = jumpcloud()
        .test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.lines()[3..], ["POST /Groups", "DELETE /Users/t-1"]);
    assert_eq!(
        failed(&checks),
        ["jumpcloud.test-connection.group-create-returns-201-with-id"]
    );
}

#[tokio::test]
async fn test_connection_fails_a_group_delete_that_is_not_204() {
    // Arrange
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, TEST_CREATED)
        .reply(200, TEST_CREATED)
        .reply(201, GROUP_CREATED)
        .reply(500, "")
        .reply(204, "");

    // Act
    let checks = jumpcloud()
        .test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        failed(&checks),
        ["jumpcloud.test-connection.group-delete-returns-204"]
    );
    assert_eq!(checks[4].request, Some(4));
}

#[tokio::test]
async fn test_connection_deactivates_the_test_user_when_delete_is_not_supported() {
    // Arrange
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, TEST_CREATED)
        .reply(200, TEST_CREATED)
        .reply(201, GROUP_CREATED)
        .reply(204, "")
        .reply(405, "")
        .reply(200, TEST_CREATED);

    // Act
    let checks = jumpcloud()
        .test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent[5..],
        [
            expected("DELETE", "/Users/t-1", ""),
            expected("PUT", "/Users/t-1", TEST_DEACTIVATE_PUT),
        ]
    );
    assert_eq!(
        failed(&checks),
        ["jumpcloud.test-connection.delete-user-supported"]
    );
    let unsupported = &checks[5];
    assert_eq!(unsupported.level, Level::Info);
    assert!(
        unsupported.reasons[0].contains("got 405: JumpCloud deactivates the test user instead"),
        "{:?}",
        unsupported.reasons
    );
    assert_eq!(
        ids(&checks[6..]),
        [(
            "jumpcloud.test-connection.deactivate-fallback-accepted",
            Some(6)
        )]
    );
}

#[tokio::test]
async fn test_connection_fails_a_rejected_deactivation_fallback_in_the_patch_variant() {
    // Arrange
    let jc = JumpCloud {
        manage_groups: false,
        ..patching()
    };
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, TEST_CREATED)
        .reply(200, TEST_CREATED)
        .reply(501, "")
        .reply(400, BAD_REQUEST);

    // Act
    let checks = jc
        .test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent[4], expected("PATCH", "/Users/t-1", PATCH_FALSE));
    assert_eq!(
        failed(&checks),
        [
            "jumpcloud.test-connection.delete-user-supported",
            "jumpcloud.test-connection.deactivate-fallback-accepted",
        ]
    );
}

#[tokio::test]
async fn test_connection_fails_a_delete_error_without_falling_back() {
    // Arrange
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, TEST_CREATED)
        .reply(200, TEST_CREATED)
        .reply(201, GROUP_CREATED)
        .reply(204, "")
        .reply(500, "");

    // Act
    let checks = jumpcloud()
        .test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len(), 6);
    assert_eq!(
        failed(&checks),
        ["jumpcloud.test-connection.delete-user-returns-204"]
    );
}

#[tokio::test]
async fn test_connection_sends_the_selected_content_type() {
    // Arrange
    let jc = JumpCloud {
        content_type: ContentType::Json,
        filter_spaces: FilterSpaces::Percent20,
        manage_groups: false,
        ..JumpCloud::default()
    };
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, TEST_CREATED)
        .reply(200, TEST_CREATED)
        .reply(204, "");

    // Act
    jc.test_connection(TEST_EMAIL, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent[..2],
        [
            expected_as(
                "GET",
                "/Users?filter=userName%20eq%20%22testuser%40example.io%22",
                "",
                "application/json"
            ),
            expected_as("POST", "/Users", TEST_CREATE_BODY, "application/json"),
        ]
    );
}

// ---- Provision (§4) ----

#[tokio::test]
async fn provision_looks_up_then_posts_the_b3_body() {
    // Arrange
    let mut user = ada();
    let mut wire = Script::default().reply(200, EMPTY_LIST).reply(201, CREATED);

    // Act
    let checks = jumpcloud()
        .provision(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent,
        vec![
            expected("GET", LOOKUP_PATH, ""),
            expected("POST", "/Users", CREATE_BODY),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("jumpcloud.lookup.answer-is-list-response", Some(0)),
            ("jumpcloud.create.returns-201-with-id", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
    assert!(user.active && user.assigned);
}

#[tokio::test]
async fn provision_sends_title_department_and_locale_the_profile_has() {
    // Arrange
    let mut user = ada();
    user.profile.title = Some("Countess".into());
    user.profile.department = Some("Engines".into());
    user.profile.locale = Some("en-GB".into());
    let mut wire = Script::default().reply(200, EMPTY_LIST).reply(201, CREATED);

    // Act
    jumpcloud()
        .provision(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        String::from_utf8(wire.sent[1].body.clone()).unwrap(),
        r#"{"active":true,"displayName":"Ada Lovelace","emails":[{"primary":true,"type":"work","value":"ada.lovelace@example.com"}],"externalId":"0000000000000000000000a1","locale":"en-GB","name":{"familyName":"Lovelace","givenName":"Ada"},"preferredLanguage":"en-GB","schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"title":"Countess","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Engines"},"userName":"ada.lovelace@example.com"}"#
    );
}

#[tokio::test]
async fn provision_links_a_found_user_with_the_full_put() {
    // Arrange
    let mut user = ada();
    let mut wire = Script::default().reply(200, FOUND).reply(200, CREATED);

    // Act
    let checks = jumpcloud()
        .provision(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent,
        vec![
            expected("GET", LOOKUP_PATH, ""),
            expected("PUT", "/Users/u-1", &put_body(true)),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("jumpcloud.lookup.answer-is-list-response", Some(0)),
            ("jumpcloud.lookup.match-is-the-queried-resource", Some(0)),
            ("jumpcloud.link.put-returns-200", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
    assert!(user.active);
}

#[tokio::test]
async fn provision_stops_when_the_lookup_returns_someone_else() {
    // Arrange: a target that ignores the filter answers with another user.
    let mut user = ada();
    let other = FOUND.replace("ada.lovelace@example.com", "grace.hopper@example.com");
    let mut wire = Script::default().reply(200, &other);

    // Act
    let checks = jumpcloud()
        .provision(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert: nothing is written to the stranger, and the failure names the cause.
    assert_eq!(wire.sent, vec![expected("GET", LOOKUP_PATH, "")]);
    assert_eq!(
        failed(&checks),
        ["jumpcloud.lookup.match-is-the-queried-resource"]
    );
    assert!(checks[1].reasons[0].contains("the target did not apply the filter"));
    assert!(user.target_id.is_none());
}

#[tokio::test]
async fn provision_fails_a_rejected_linking_put_and_leaves_the_user_inactive() {
    // Arrange
    let mut user = ada();
    let mut wire = Script::default().reply(200, FOUND).reply(500, "");

    // Act
    let checks = jumpcloud()
        .provision(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.link.put-returns-200"]);
    assert!(
        checks[2].reasons[0].starts_with("expected 200 with the user (JumpCloud takes over"),
        "{:?}",
        checks[2].reasons
    );
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
    assert!(!user.active);
}

#[tokio::test]
async fn provision_links_with_the_patch_variant_and_fails_a_rejected_patch() {
    // Arrange
    let mut user = ada();
    let mut wire = Script::default().reply(200, FOUND).reply(400, BAD_REQUEST);

    // Act
    let checks = patching()
        .provision(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent[1],
        expected(
            "PATCH",
            "/Users/u-1",
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"ada.lovelace@example.com"},{"op":"replace","path":"name.givenName","value":"Ada"},{"op":"replace","path":"name.familyName","value":"Lovelace"},{"op":"replace","path":"displayName","value":"Ada Lovelace"},{"op":"replace","path":"emails[type eq \"work\"].value","value":"ada.lovelace@example.com"},{"op":"replace","path":"active","value":true}]}"#
        )
    );
    assert_eq!(failed(&checks), ["jumpcloud.link.patch-accepted"]);
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
    assert!(!user.active);
}

#[tokio::test]
async fn provision_stops_on_a_lookup_answering_404() {
    // Arrange
    let mut user = ada();
    let mut wire = Script::default().reply(404, "");

    // Act
    let checks = jumpcloud()
        .provision(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len(), 1);
    assert_eq!(
        failed(&checks),
        ["jumpcloud.lookup.answer-is-list-response"]
    );
    assert_eq!(checks[0].source, "docs/idps/jumpcloud.md §3, §4");
    assert!(user.assigned && user.target_id.is_none() && !user.active);
}

#[tokio::test]
async fn provision_stops_on_a_lookup_that_is_not_a_list_response() {
    // Arrange
    let mut user = ada();
    let mut wire = Script::default().reply(200, r#"{"totalResults":1,"resources":[{"id":"u-1"}]}"#);

    // Act
    let checks = jumpcloud()
        .provision(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len(), 1);
    assert_eq!(
        failed(&checks),
        ["jumpcloud.lookup.answer-is-list-response"]
    );
    assert_eq!(checks[0].reasons.len(), 2, "{:?}", checks[0].reasons);
}

#[tokio::test]
async fn provision_stops_on_a_match_without_an_id() {
    // Arrange
    let mut user = ada();
    let mut wire = Script::default().reply(
        200,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"userName":"ada.lovelace@example.com"}]}"#,
    );

    // Act
    let checks = jumpcloud()
        .provision(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len(), 1);
    assert_eq!(
        failed(&checks),
        ["jumpcloud.lookup.answer-is-list-response"]
    );
    assert!(checks[0].reasons[0].ends_with("got no `id`"));
}

#[tokio::test]
async fn provision_fails_a_409_on_create_and_leaves_the_user_unprovisioned() {
    // Arrange
    let mut user = ada();
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(409, BAD_REQUEST);

    // Act
    let checks = jumpcloud()
        .provision(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.create.returns-201-with-id"]);
    assert!(
        checks[1].reasons[0].contains("a conflicting resource that the lookup did not return"),
        "{:?}",
        checks[1].reasons
    );
    assert!(user.target_id.is_none() && !user.active);
}

#[tokio::test]
async fn provision_fails_a_200_create_but_keeps_its_id() {
    // Arrange
    let mut user = ada();
    let mut wire = Script::default().reply(200, EMPTY_LIST).reply(200, CREATED);

    // Act
    let checks = jumpcloud()
        .provision(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.create.returns-201-with-id"]);
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
}

// ---- Update (§5) ----

#[tokio::test]
async fn update_sends_the_full_put_with_title_and_department() {
    // Arrange
    let mut user = provisioned_ada(true);
    user.profile.title = Some("Countess".into());
    user.profile.department = Some("Engines".into());
    let mut wire = Script::default().reply(200, FOUND).reply(200, CREATED);

    // Act
    let checks = jumpcloud()
        .update(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent,
        vec![
            expected("GET", LOOKUP_PATH, ""),
            expected(
                "PUT",
                "/Users/u-1",
                r#"{"active":true,"addresses":[],"displayName":"Ada Lovelace","emails":[{"primary":true,"type":"work","value":"ada.lovelace@example.com"}],"externalId":"0000000000000000000000a1","id":"u-1","locale":"en-US","name":{"familyName":"Lovelace","givenName":"Ada"},"phoneNumbers":[],"preferredLanguage":"en-US","schemas":["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","urn:ietf:params:scim:schemas:core:2.0:User"],"title":"Countess","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Engines"},"userName":"ada.lovelace@example.com"}"#
            )
        ]
    );
    assert_eq!(
        ids(&checks),
        [
            ("jumpcloud.lookup.answer-is-list-response", Some(0)),
            ("jumpcloud.lookup.match-is-the-queried-resource", Some(0)),
            ("jumpcloud.update.put-returns-200", Some(1))
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(checks[2].source, "docs/idps/jumpcloud.md §5");
}

#[tokio::test]
async fn update_fails_a_put_answered_204() {
    // Arrange
    let mut user = provisioned_ada(false);
    let mut wire = Script::default().reply(200, FOUND).reply(204, "");

    // Act
    let checks = jumpcloud()
        .update(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent[1],
        expected("PUT", "/Users/u-1", &put_body(false))
    );
    assert_eq!(failed(&checks), ["jumpcloud.update.put-returns-200"]);
    assert!(checks[2].reasons[0].ends_with("got 204"));
}

#[tokio::test]
async fn update_in_the_patch_variant_replaces_each_attribute_with_a_path() {
    // Arrange
    let mut user = provisioned_ada(false);
    user.profile.title = Some("Countess".into());
    user.profile.department = Some("Engines".into());
    let mut wire = Script::default().reply(200, FOUND).reply(400, BAD_REQUEST);

    // Act
    let checks = patching()
        .update(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent[1..],
        vec![expected(
            "PATCH",
            "/Users/u-1",
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"userName","value":"ada.lovelace@example.com"},{"op":"replace","path":"name.givenName","value":"Ada"},{"op":"replace","path":"name.familyName","value":"Lovelace"},{"op":"replace","path":"displayName","value":"Ada Lovelace"},{"op":"replace","path":"emails[type eq \"work\"].value","value":"ada.lovelace@example.com"},{"op":"replace","path":"title","value":"Countess"},{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Engines"},{"op":"replace","path":"active","value":false}]}"#
        )]
    );
    assert_eq!(failed(&checks), ["jumpcloud.update.patch-accepted"]);
}

#[tokio::test]
async fn update_needs_a_provisioned_user() {
    // Arrange
    let mut user = ada();
    let mut wire = Script::default();

    // Act
    let result = jumpcloud().update(&mut user, &mut wire).await;

    // Assert
    assert_eq!(result, Err(IdpError::NotProvisioned("ada".into())));
    assert!(wire.sent.is_empty());
}

// ---- Suspend, reactivate (§6) ----

#[tokio::test]
async fn deactivation_is_the_full_put_with_active_false() {
    // Arrange
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(200, FOUND).reply(200, CREATED);

    // Act
    let checks = jumpcloud()
        .set_active(&mut user, false, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent,
        vec![
            expected("GET", LOOKUP_PATH, ""),
            expected("PUT", "/Users/u-1", &put_body(false))
        ]
    );
    assert_eq!(
        ids(&checks),
        [
            ("jumpcloud.lookup.answer-is-list-response", Some(0)),
            ("jumpcloud.lookup.match-is-the-queried-resource", Some(0)),
            ("jumpcloud.deactivate.accepted", Some(1))
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(!user.active);
}

#[tokio::test]
async fn a_rejected_deactivation_fails_and_leaves_the_user_active() {
    // Arrange
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(200, FOUND).reply(500, "");

    // Act
    let checks = jumpcloud()
        .set_active(&mut user, false, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.deactivate.accepted"]);
    assert_eq!(checks[2].source, "docs/idps/jumpcloud.md §5, §6");
    assert!(user.active);
}

#[tokio::test]
async fn reactivation_in_the_patch_variant_replaces_active_and_accepts_204() {
    // Arrange
    let mut user = provisioned_ada(false);
    let mut wire = Script::default().reply(200, FOUND).reply(204, "");

    // Act
    let checks = patching()
        .set_active(&mut user, true, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent[1..],
        vec![expected("PATCH", "/Users/u-1", PATCH_TRUE)]
    );
    assert_eq!(ids(&checks)[2], ("jumpcloud.reactivate.accepted", Some(1)));
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(user.active);
}

#[tokio::test]
async fn a_rejected_reactivation_fails_and_leaves_the_user_inactive() {
    // Arrange
    let mut user = provisioned_ada(false);
    let mut wire = Script::default().reply(200, FOUND).reply(400, BAD_REQUEST);

    // Act
    let checks = jumpcloud()
        .set_active(&mut user, true, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent[1], expected("PUT", "/Users/u-1", &put_body(true)));
    assert_eq!(failed(&checks), ["jumpcloud.reactivate.accepted"]);
    assert!(!user.active);
}

#[tokio::test]
async fn a_change_the_lookup_does_not_find_goes_to_the_id_jumpcloud_kept() {
    // Arrange: a changed userName is looked up under its new value, which finds nothing.
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(200, EMPTY_LIST).reply(200, CREATED);

    // Act
    let checks = jumpcloud()
        .set_active(&mut user, false, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent,
        vec![
            expected("GET", LOOKUP_PATH, ""),
            expected("PUT", "/Users/u-1", &put_body(false))
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(!user.active);
}

#[tokio::test]
async fn an_update_goes_to_the_id_the_lookup_found() {
    // Arrange: the app holds the user under another id than the one JumpCloud kept.
    let mut user = provisioned_ada(true);
    user.target_id = Some("stale".into());
    let mut wire = Script::default().reply(200, FOUND).reply(200, CREATED);

    // Act
    jumpcloud()
        .update(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.lines()[1], "PUT /Users/u-1");
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
}

// ---- Delete (§6) ----

#[tokio::test]
async fn delete_sends_delete_and_clears_the_target_id() {
    // Arrange
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(204, "");

    // Act
    let checks = jumpcloud()
        .delete(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent, vec![expected("DELETE", "/Users/u-1", "")]);
    assert_eq!(ids(&checks), [("jumpcloud.delete.returns-204", Some(0))]);
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(user.target_id.is_none() && !user.active);
}

#[tokio::test]
async fn a_refused_delete_fails_and_keeps_the_target_id() {
    // Arrange
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(405, "");

    // Act
    let checks = jumpcloud()
        .delete(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.delete.returns-204"]);
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
}

// ---- Transport failures ----

#[tokio::test]
async fn a_transport_failure_is_an_error_naming_the_action_and_request() {
    // Arrange
    let mut user = ada();
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .fail("connection reset");

    // Act
    let result = jumpcloud().provision(&mut user, &mut wire).await;

    // Assert
    assert_eq!(
        result,
        Err(IdpError::Transport(
            "JumpCloud provision: POST /Users: connection reset".into()
        ))
    );
}

// ---- Import (§8) ----

#[tokio::test]
async fn import_of_250_users_reads_three_pages() {
    // Arrange
    let mut wire = Script::default()
        .reply(200, &list_of(250, 1, 100))
        .reply(200, &list_of(250, 101, 100))
        .reply(200, &list_of(250, 201, 50));

    // Act
    let checks = jumpcloud()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent,
        vec![
            expected("GET", "/Users?startIndex=1&count=100", ""),
            expected("GET", "/Users?startIndex=101&count=100", ""),
            expected("GET", "/Users?startIndex=201&count=100", ""),
        ]
    );
    assert_eq!(
        ids(&checks[6..]),
        vec![
            ("jumpcloud.import.page-is-list-response", Some(2)),
            ("jumpcloud.import.paging-numbers-are-integers", Some(2)),
            ("jumpcloud.import.items-per-page-is-items-returned", Some(2)),
            ("jumpcloud.import.total-results-consistent", Some(2)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(
        checks
            .iter()
            .all(|c| c.source == "docs/idps/jumpcloud.md §8")
    );
}

#[tokio::test]
async fn import_advances_by_the_items_the_server_returned() {
    // Arrange: a server capping pages at 50.
    let mut wire = Script::default()
        .reply(200, &list_of(120, 1, 50))
        .reply(200, &list_of(120, 51, 50))
        .reply(200, &list_of(120, 101, 20));

    // Act
    let checks = jumpcloud()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.lines(),
        [
            "GET /Users?startIndex=1&count=100",
            "GET /Users?startIndex=51&count=100",
            "GET /Users?startIndex=101&count=100",
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn import_stops_on_a_string_paging_number() {
    // Arrange
    let mut wire = Script::default().reply(
        200,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":"0","startIndex":1,"itemsPerPage":0,"Resources":[]}"#,
    );

    // Act
    let checks = jumpcloud()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len(), 1);
    assert_eq!(
        failed(&checks),
        ["jumpcloud.import.paging-numbers-are-integers"]
    );
    assert!(checks[1].reasons[0].ends_with(r#"got "0""#));
}

#[tokio::test]
async fn import_fails_a_page_that_is_not_200() {
    // Arrange
    let mut wire = Script::default().reply(403, "");

    // Act
    let checks = jumpcloud()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.import.page-is-list-response"]);
}

#[tokio::test]
async fn import_fails_items_per_page_that_is_not_the_items_returned() {
    // Arrange
    let mut wire = Script::default().reply(
        200,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":100,"Resources":[{"id":"u-1"}]}"#,
    );

    // Act
    let checks = jumpcloud()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len(), 1);
    assert!(
        failed(&checks).contains(&"jumpcloud.import.items-per-page-is-items-returned"),
        "{checks:?}"
    );
}

#[tokio::test]
async fn import_fails_a_total_that_changes_between_pages() {
    // Arrange
    let mut wire = Script::default()
        .reply(200, &list_of(150, 1, 100))
        .reply(200, &list_of(140, 101, 40));

    // Act
    let checks = jumpcloud()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        failed(&checks),
        ["jumpcloud.import.total-results-consistent"]
    );
    assert!(
        checks[6].reasons[0].starts_with("expected `totalResults` 150 on every page"),
        "{:?}",
        checks[6].reasons
    );
}

#[tokio::test]
async fn import_ends_with_a_failed_check_on_an_empty_page_before_the_total() {
    // Arrange
    let mut wire = Script::default()
        .reply(200, &list_of(300, 1, 100))
        .reply(200, &list_of(300, 101, 0));

    // Act
    let checks = jumpcloud()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len(), 2);
    assert_eq!(failed(&checks), ["jumpcloud.import.paging-ends"]);
    assert_eq!(checks.last().unwrap().request, Some(1));
}

#[tokio::test]
async fn import_gives_up_after_the_page_limit() {
    // Arrange: one user per page of an absurd total.
    let mut wire = Script::default();
    for page in 0..MAX_IMPORT_PAGES {
        wire = wire.reply(200, &list_of(1_000_000_000, page + 1, 1));
    }

    // Act
    let checks = jumpcloud()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len() as u64, MAX_IMPORT_PAGES);
    assert_eq!(failed(&checks), ["jumpcloud.import.paging-ends"]);
}
