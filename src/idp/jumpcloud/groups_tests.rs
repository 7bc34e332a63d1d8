//! JumpCloud's group sync (docs/idps/jumpcloud.md §7) pinned byte for byte against a
//! scripted fake target.

use super::*;
use crate::level::Level;

use super::script::{Script, expected, failed, ids};

const LOOKUP_PATH: &str = "/Groups?filter=displayName+eq+%22Engineering%22";
const EMPTY_LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#;
const FOUND: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"g-7","displayName":"Engineering"}]}"#;
const CREATE_BODY: &str = r#"{"displayName":"Engineering","members":[{"value":"u-1"},{"value":"u-2"}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}"#;
const CREATED: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g-1","displayName":"Engineering"}"#;
const ADD_BOTH: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"u-1"},{"value":"u-2"}]}]}"#;
const REMOVE_BOB: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members","value":[{"value":"u-2"}]}]}"#;
const RENAME: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Engineering"}]}"#;
const BAD_REQUEST: &str =
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"no","status":"400"}"#;

fn new_group() -> SyncedGroup {
    SyncedGroup {
        name: "Engineering".into(),
        target_id: None,
    }
}

fn synced_group() -> SyncedGroup {
    SyncedGroup {
        target_id: Some("g-1".into()),
        ..new_group()
    }
}

fn member(id: &str) -> SyncedMember {
    SyncedMember {
        target_id: id.into(),
    }
}

fn both() -> Vec<SyncedMember> {
    vec![member("u-1"), member("u-2")]
}

fn group_answer(members: &[&str]) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|id| format!(r#"{{"value":"{id}"}}"#))
        .collect();
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g-1","displayName":"Engineering","members":[{}]}}"#,
        members.join(",")
    )
}

fn jumpcloud() -> JumpCloud {
    JumpCloud::default()
}

// ---- Bind a group (§7) ----

#[tokio::test]
async fn an_empty_group_is_not_created() {
    // Arrange
    let mut group = new_group();
    let mut wire = Script::default();

    // Act
    let checks = jumpcloud()
        .sync_group(&mut group, &[], &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert!(wire.sent.is_empty());
    assert!(checks.is_empty());
    assert!(group.target_id.is_none());
}

#[tokio::test]
async fn a_new_group_is_looked_up_then_posted_with_its_members() {
    // Arrange
    let mut group = new_group();
    let mut wire = Script::default().reply(200, EMPTY_LIST).reply(201, CREATED);

    // Act
    let checks = jumpcloud()
        .sync_group(&mut group, &both(), &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent,
        vec![
            expected("GET", LOOKUP_PATH, ""),
            expected("POST", "/Groups", CREATE_BODY),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("jumpcloud.group.lookup-is-list-response", Some(0)),
            ("jumpcloud.group.create-returns-201-with-id", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(checks.iter().all(|c| c.level == Level::IdpRequired));
    assert!(
        checks
            .iter()
            .all(|c| c.source == "docs/idps/jumpcloud.md §7")
    );
    assert_eq!(group.target_id.as_deref(), Some("g-1"));
}

#[tokio::test]
async fn a_group_of_the_same_name_is_taken_over_and_gets_every_member() {
    // Arrange
    let mut group = new_group();
    let mut wire = Script::default().reply(200, FOUND).reply(204, "");

    // Act
    let checks = jumpcloud()
        .sync_group(&mut group, &both(), &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent,
        vec![
            expected("GET", LOOKUP_PATH, ""),
            expected("PATCH", "/Groups/g-7", ADD_BOTH),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("jumpcloud.group.lookup-is-list-response", Some(0)),
            ("jumpcloud.lookup.match-is-the-queried-resource", Some(0)),
            ("jumpcloud.group.add-members-accepted", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(group.target_id.as_deref(), Some("g-7"));
}

#[tokio::test]
async fn a_group_lookup_that_fails_stops_the_sync() {
    // Arrange
    let mut group = new_group();
    let mut wire = Script::default().reply(500, "");

    // Act
    let checks = jumpcloud()
        .sync_group(&mut group, &both(), &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent.len(), 1);
    assert_eq!(failed(&checks), ["jumpcloud.group.lookup-is-list-response"]);
    assert!(group.target_id.is_none());
}

#[tokio::test]
async fn a_group_create_without_an_id_fails() {
    // Arrange
    let mut group = new_group();
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, r#"{"displayName":"Engineering"}"#);

    // Act
    let checks = jumpcloud()
        .sync_group(&mut group, &both(), &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        failed(&checks),
        ["jumpcloud.group.create-returns-201-with-id"]
    );
    assert!(group.target_id.is_none());
}

// ---- Membership events: the whole list again (§7) ----

#[tokio::test]
async fn every_membership_event_adds_all_members_again() {
    // Arrange: u-1 is already in the group; u-2 just joined.
    let group = synced_group();
    let mut wire = Script::default().reply(200, &group_answer(&["u-1", "u-2"]));

    // Act
    let checks = jumpcloud()
        .add_members(&group, &both(), &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent, vec![expected("PATCH", "/Groups/g-1", ADD_BOTH)]);
    assert_eq!(
        ids(&checks),
        vec![
            ("jumpcloud.group.add-members-accepted", Some(0)),
            ("jumpcloud.group.repeated-add-idempotent", Some(0)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn a_repeated_add_that_duplicates_a_member_fails() {
    // Arrange
    let group = synced_group();
    let mut wire = Script::default().reply(200, &group_answer(&["u-1", "u-1", "u-2"]));

    // Act
    let checks = jumpcloud()
        .add_members(&group, &both(), &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.group.repeated-add-idempotent"]);
    assert!(
        checks[1].reasons[0].ends_with("got u-1 more than once"),
        "{:?}",
        checks[1].reasons
    );
}

#[tokio::test]
async fn a_rejected_repeated_add_fails() {
    // Arrange: a server answering "already a member" with 409.
    let group = synced_group();
    let mut wire = Script::default().reply(409, BAD_REQUEST);

    // Act
    let checks = jumpcloud()
        .add_members(&group, &both(), &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.group.add-members-accepted"]);
    assert_eq!(checks.len(), 1);
}

#[tokio::test]
async fn an_add_with_no_members_sends_nothing() {
    // Arrange
    let group = synced_group();
    let mut wire = Script::default();

    // Act
    let checks = jumpcloud()
        .add_members(&group, &[], &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert!(wire.sent.is_empty() && checks.is_empty());
}

#[tokio::test]
async fn a_removal_sends_a_value_list_without_a_filter() {
    // Arrange
    let group = synced_group();
    let mut wire = Script::default().reply(204, "");

    // Act
    let checks = jumpcloud()
        .remove_members(&group, &[member("u-2")], &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent,
        vec![expected("PATCH", "/Groups/g-1", REMOVE_BOB)]
    );
    assert_eq!(
        ids(&checks),
        [("jumpcloud.group.remove-members-accepted", Some(0))]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn a_removal_the_server_ignored_fails() {
    // Arrange: 200, but u-2 is still listed.
    let group = synced_group();
    let mut wire = Script::default().reply(200, &group_answer(&["u-1", "u-2"]));

    // Act
    let checks = jumpcloud()
        .remove_members(&group, &[member("u-2")], &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.group.remove-by-value-applied"]);
    assert!(checks[1].reasons[0].ends_with("got u-2 still listed"));
}

#[tokio::test]
async fn a_rejected_removal_fails() {
    // Arrange: a server that wants a filter path.
    let group = synced_group();
    let mut wire = Script::default().reply(400, BAD_REQUEST);

    // Act
    let checks = jumpcloud()
        .remove_members(&group, &[member("u-2")], &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.group.remove-members-accepted"]);
    assert!(checks[0].reasons[0].ends_with(r#"got 400 ("no")"#));
}

// ---- Rename, delete (§7) ----

#[tokio::test]
async fn a_rename_replaces_display_name_with_a_path() {
    // Arrange
    let group = synced_group();
    let mut wire = Script::default().reply(200, &group_answer(&[]));

    // Act
    let checks = jumpcloud()
        .rename_group(&group, &both(), &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent, vec![expected("PATCH", "/Groups/g-1", RENAME)]);
    assert_eq!(ids(&checks), [("jumpcloud.group.rename-accepted", Some(0))]);
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn a_rejected_rename_fails() {
    // Arrange
    let group = synced_group();
    let mut wire = Script::default().reply(400, BAD_REQUEST);

    // Act
    let checks = jumpcloud()
        .rename_group(&group, &both(), &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.group.rename-accepted"]);
}

#[tokio::test]
async fn a_rename_in_the_put_variant_sends_the_whole_group() {
    // Arrange
    let jc = JumpCloud {
        group_rename: GroupRenameForm::Put,
        ..JumpCloud::default()
    };
    let group = synced_group();
    let mut wire = Script::default().reply(204, "");

    // Act
    let checks = jc
        .rename_group(&group, &both(), &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(
        wire.sent,
        vec![expected(
            "PUT",
            "/Groups/g-1",
            r#"{"displayName":"Engineering","id":"g-1","members":[{"value":"u-1"},{"value":"u-2"}],"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"]}"#
        )]
    );
    assert_eq!(failed(&checks), ["jumpcloud.group.rename-accepted"]);
    assert!(checks[0].reasons[0].ends_with("got 204"));
}

#[tokio::test]
async fn a_deleted_group_is_deleted_in_the_target() {
    // Arrange
    let mut group = synced_group();
    let mut wire = Script::default().reply(204, "");

    // Act
    let checks = jumpcloud()
        .delete_group(&mut group, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(wire.sent, vec![expected("DELETE", "/Groups/g-1", "")]);
    assert_eq!(
        ids(&checks),
        [("jumpcloud.group.delete-returns-204", Some(0))]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(group.target_id.is_none());
}

#[tokio::test]
async fn a_group_delete_answered_200_fails_and_keeps_the_id() {
    // Arrange
    let mut group = synced_group();
    let mut wire = Script::default().reply(200, "{}");

    // Act
    let checks = jumpcloud()
        .delete_group(&mut group, &mut wire)
        .await
        .expect("no transport failure");

    // Assert
    assert_eq!(failed(&checks), ["jumpcloud.group.delete-returns-204"]);
    assert_eq!(group.target_id.as_deref(), Some("g-1"));
}

#[tokio::test]
async fn group_changes_need_a_synced_group() {
    // Arrange
    let group = new_group();
    let mut wire = Script::default();

    // Act
    let result = jumpcloud().rename_group(&group, &both(), &mut wire).await;

    // Assert
    assert_eq!(result, Err(IdpError::NotProvisioned("Engineering".into())));
    assert!(wire.sent.is_empty());
}

#[tokio::test]
async fn a_group_transport_failure_is_an_error() {
    // Arrange
    let mut group = synced_group();
    let mut wire = Script::default().fail("timed out");

    // Act
    let result = jumpcloud().delete_group(&mut group, &mut wire).await;

    // Assert
    assert_eq!(
        result,
        Err(IdpError::Transport(
            "JumpCloud group delete: DELETE /Groups/g-1: timed out".into()
        ))
    );
}

// ---- A whole JumpCloud story, end to end ----

#[tokio::test]
async fn the_c7_script_runs_in_jumpclouds_order() {
    // Arrange
    let jc = jumpcloud();
    let mut ada = crate::idp::directory::DirectoryUser::new(
        "ada",
        "0000000000000000000000a1",
        crate::idp::directory::Profile {
            user_name: "ada@example.com".into(),
            given_name: "Ada".into(),
            family_name: "Lovelace".into(),
            email: "ada@example.com".into(),
            ..Default::default()
        },
    );
    let mut group = new_group();
    let user_created = r#"{"id":"u-1","userName":"ada@example.com"}"#;
    let user_found = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"u-1","userName":"ada@example.com"}]}"#;
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(201, user_created)
        .reply(200, EMPTY_LIST)
        .reply(201, CREATED)
        .reply(200, user_found)
        .reply(200, user_created)
        .reply(204, "")
        .reply(200, user_found)
        .reply(200, user_created)
        .reply(204, "");
    let mut checks = Vec::new();

    // Act: bind a group with one user, change an attribute, remove the user from its only
    // group, delete the user in JumpCloud.
    checks.extend(jc.provision(&mut ada, &mut wire).await.unwrap());
    let members = [member(ada.target_id.as_deref().unwrap())];
    checks.extend(
        jc.sync_group(&mut group, &members, &mut wire)
            .await
            .unwrap(),
    );
    ada.profile.family_name = "King".into();
    checks.extend(jc.update(&mut ada, &mut wire).await.unwrap());
    checks.extend(
        jc.remove_members(&group, &members, &mut wire)
            .await
            .unwrap(),
    );
    checks.extend(jc.set_active(&mut ada, false, &mut wire).await.unwrap());
    checks.extend(jc.delete(&mut ada, &mut wire).await.unwrap());

    // Assert
    assert_eq!(
        wire.lines(),
        [
            "GET /Users?filter=userName+eq+%22ada%40example.com%22",
            "POST /Users",
            "GET /Groups?filter=displayName+eq+%22Engineering%22",
            "POST /Groups",
            // Every change to a user starts with the lookup (docs/idps/jumpcloud.md §3).
            "GET /Users?filter=userName+eq+%22ada%40example.com%22",
            "PUT /Users/u-1",
            "PATCH /Groups/g-1",
            "GET /Users?filter=userName+eq+%22ada%40example.com%22",
            "PUT /Users/u-1",
            "DELETE /Users/u-1",
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    // Eight for the requests of old, two for each of the two lookups added before a change.
    assert_eq!(checks.len(), 12);
    assert!(ada.target_id.is_none() && !ada.active);
}
