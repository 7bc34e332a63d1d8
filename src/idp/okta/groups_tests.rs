//! Okta's Push Groups (docs/idps/okta.md §3.6) pinned byte for byte against a scripted fake
//! target.

use super::*;
use crate::level::Level;

use super::script::{Script, aiw, expected, template};
use crate::idp::script::{failed, ids};

fn new_group() -> PushedGroup {
    PushedGroup {
        name: "Engineering".into(),
        target_id: None,
    }
}

fn pushed_group() -> PushedGroup {
    PushedGroup {
        target_id: Some("g-1".into()),
        ..new_group()
    }
}

fn ada() -> PushedMember {
    PushedMember {
        target_id: "u-1".into(),
        user_name: "ada@example.com".into(),
    }
}

fn bob() -> PushedMember {
    PushedMember {
        target_id: "u-2".into(),
        user_name: "bob@example.com".into(),
    }
}

fn cy() -> PushedMember {
    PushedMember {
        target_id: "u-3".into(),
        user_name: "cy@example.com".into(),
    }
}

const CREATE_WITH_MEMBERS: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{"value":"u-1","display":"ada@example.com"},{"value":"u-2","display":"bob@example.com"}]}"#;
const CREATE_EMPTY: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[]}"#;
const CREATED: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g-1","displayName":"Engineering","members":[]}"#;
const RENAME: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"g-1","displayName":"Engineering"}}]}"#;
const ADD_BOTH: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"u-1","display":"ada@example.com"},{"value":"u-2","display":"bob@example.com"}]}]}"#;
const BAD_REQUEST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"id is read-only","status":"400"}"#;

// ---- Push group (§3.6.3) ----

#[tokio::test]
async fn template_push_posts_with_members_then_renames_then_adds_the_members() {
    let mut group = new_group();
    let mut wire = Script::default()
        .reply(201, CREATED)
        .reply(204, "")
        .reply(200, CREATED);

    let checks = template()
        .push_group(&mut group, &[ada(), bob()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("POST", "/Groups", CREATE_WITH_MEMBERS),
            expected("PATCH", "/Groups/g-1", RENAME),
            expected("PATCH", "/Groups/g-1", ADD_BOTH),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("okta.push-group.create-returns-201-with-id", Some(0)),
            ("okta.push-group.rename-accepted", Some(1)),
            ("okta.push-group.members-accepted", Some(2)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(checks.iter().all(|c| c.level == Level::IdpRequired));
    assert!(checks.iter().all(|c| c.source == "docs/idps/okta.md §3.6"));
    assert_eq!(group.target_id.as_deref(), Some("g-1"));
}

#[tokio::test]
async fn template_push_of_an_empty_group_sends_no_members_patch() {
    let mut group = new_group();
    let mut wire = Script::default().reply(201, CREATED).reply(204, "");

    let checks = template()
        .push_group(&mut group, &[], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("POST", "/Groups", CREATE_EMPTY),
            expected("PATCH", "/Groups/g-1", RENAME),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn aiw_push_posts_without_members_then_puts_the_full_list() {
    let mut group = new_group();
    let mut wire = Script::default().reply(201, CREATED).reply(200, CREATED);

    let checks = aiw()
        .push_group(&mut group, &[ada(), bob()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("POST", "/Groups", CREATE_EMPTY),
            expected("PUT", "/Groups/g-1", CREATE_WITH_MEMBERS),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("okta.push-group.create-returns-201-with-id", Some(0)),
            ("okta.push-group.put-returns-200", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(group.target_id.as_deref(), Some("g-1"));
}

#[tokio::test]
async fn push_stops_when_the_create_answer_has_no_id() {
    let mut group = new_group();
    let mut wire = Script::default().reply(201, r#"{"displayName":"Engineering"}"#);

    let checks = template()
        .push_group(&mut group, &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.lines(), ["POST /Groups"]);
    assert_eq!(
        failed(&checks),
        ["okta.push-group.create-returns-201-with-id"]
    );
    assert!(
        checks[0].reasons[0].contains("got 201 without an `id`"),
        "{:?}",
        checks[0].reasons
    );
    assert_eq!(group.target_id, None);
}

#[tokio::test]
async fn push_stops_on_a_409_and_names_group_linking() {
    let mut group = new_group();
    let mut wire = Script::default().reply(
        409,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"exists","status":"409"}"#,
    );

    let checks = aiw()
        .push_group(&mut group, &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.lines(), ["POST /Groups"]);
    let reason = &checks[0].reasons[0];
    assert!(reason.contains(r#"got 409 ("exists")"#), "{reason}");
    assert!(reason.contains("linked"), "{reason}");
}

#[tokio::test]
async fn push_fails_a_200_create_but_carries_on_with_its_id() {
    let mut group = new_group();
    let mut wire = Script::default()
        .reply(200, CREATED)
        .reply(204, "")
        .reply(204, "");

    let checks = template()
        .push_group(&mut group, &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.sent.len(), 3);
    assert_eq!(
        failed(&checks),
        ["okta.push-group.create-returns-201-with-id"]
    );
    assert_eq!(group.target_id.as_deref(), Some("g-1"));
}

#[tokio::test]
async fn rename_400_stops_the_push_before_the_members() {
    let mut group = new_group();
    let mut wire = Script::default()
        .reply(201, CREATED)
        .reply(400, BAD_REQUEST);

    let checks = template()
        .push_group(&mut group, &[ada(), bob()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.lines(), ["POST /Groups", "PATCH /Groups/g-1"]);
    assert_eq!(failed(&checks), ["okta.push-group.rename-accepted"]);
    assert_eq!(checks[1].request, Some(1));
    let reason = &checks[1].reasons[0];
    assert!(
        reason.starts_with("expected 200 with the group or 204"),
        "{reason}"
    );
    assert!(
        reason.contains(r#"got 400 ("id is read-only")"#),
        "{reason}"
    );
    assert!(
        reason.contains("stop pushing group memberships"),
        "{reason}"
    );
}

#[tokio::test]
async fn push_reports_a_transport_failure_naming_the_request() {
    let mut group = new_group();
    let mut wire = Script::default().reply(201, CREATED).fail("timed out");

    let error = template()
        .push_group(&mut group, &[ada()], &mut wire)
        .await
        .expect_err("a transport failure");

    assert_eq!(
        error,
        IdpError::Transport("Okta push group: PATCH /Groups/g-1: timed out".into())
    );
}

// ---- Membership delta (§3.6) ----

#[tokio::test]
async fn template_delta_removes_one_by_one_then_adds_in_one_batch_then_renames() {
    let group = pushed_group();
    let mut wire = Script::default().reply(200, CREATED).reply(204, "");

    let checks = template()
        .update_group_members(&group, &[bob(), cy()], &[ada(), bob()], &[], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected(
                "PATCH",
                "/Groups/g-1",
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"u-1\"]"},{"op":"remove","path":"members[value eq \"u-2\"]"},{"op":"add","path":"members","value":[{"value":"u-2","display":"bob@example.com"},{"value":"u-3","display":"cy@example.com"}]}]}"#,
            ),
            expected("PATCH", "/Groups/g-1", RENAME),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("okta.push-group.members-accepted", Some(0)),
            ("okta.push-group.rename-accepted", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn template_delta_with_only_removals_sends_no_add() {
    let group = pushed_group();
    let mut wire = Script::default().reply(204, "").reply(204, "");

    template()
        .update_group_members(&group, &[], &[ada()], &[], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent[0].body,
        br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"u-1\"]"}]}"#
    );
    assert_eq!(wire.sent.len(), 2);
}

#[tokio::test]
async fn template_delta_rejected_sends_no_rename() {
    let group = pushed_group();
    let mut wire = Script::default().reply(400, BAD_REQUEST);

    let checks = template()
        .update_group_members(&group, &[ada()], &[], &[], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.lines(), ["PATCH /Groups/g-1"]);
    assert_eq!(failed(&checks), ["okta.push-group.members-accepted"]);
}

#[tokio::test]
async fn aiw_delta_puts_the_full_member_list() {
    let group = pushed_group();
    let mut wire = Script::default().reply(200, CREATED);

    let checks = aiw()
        .update_group_members(&group, &[bob()], &[], &[ada(), bob()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![expected("PUT", "/Groups/g-1", CREATE_WITH_MEMBERS)]
    );
    assert_eq!(ids(&checks), [("okta.push-group.put-returns-200", Some(0))]);
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn aiw_put_answered_204_fails() {
    let group = pushed_group();
    let mut wire = Script::default().reply(204, "");

    let checks = aiw()
        .update_group_members(&group, &[bob()], &[], &[bob()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(failed(&checks), ["okta.push-group.put-returns-200"]);
    assert!(
        checks[0].reasons[0].starts_with("expected 200 with the group"),
        "{:?}",
        checks[0].reasons
    );
}

#[tokio::test]
async fn an_empty_delta_sends_nothing() {
    let group = pushed_group();
    let mut wire = Script::default();

    let checks = template()
        .update_group_members(&group, &[], &[], &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert!(wire.sent.is_empty());
    assert!(checks.is_empty());
}

#[tokio::test]
async fn a_group_without_a_target_id_cannot_be_updated() {
    let group = new_group();
    let mut wire = Script::default();

    let error = template()
        .update_group_members(&group, &[ada()], &[], &[ada()], &mut wire)
        .await
        .expect_err("not pushed");

    assert_eq!(error, IdpError::NotProvisioned("Engineering".into()));
    assert!(wire.sent.is_empty());
}

// ---- Rename (§3.6) ----

#[tokio::test]
async fn template_rename_patches_replace_with_id_and_display_name() {
    let group = PushedGroup {
        name: "Platform".into(),
        ..pushed_group()
    };
    let mut wire = Script::default().reply(200, CREATED);

    let checks = template()
        .rename_group(&group, &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![expected(
            "PATCH",
            "/Groups/g-1",
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"g-1","displayName":"Platform"}}]}"#,
        )]
    );
    assert_eq!(ids(&checks), [("okta.push-group.rename-accepted", Some(0))]);
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn aiw_rename_puts_the_full_group() {
    let group = PushedGroup {
        name: "Platform".into(),
        ..pushed_group()
    };
    let mut wire = Script::default().reply(200, CREATED);

    let checks = aiw()
        .rename_group(&group, &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![expected(
            "PUT",
            "/Groups/g-1",
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Platform","members":[{"value":"u-1","display":"ada@example.com"}]}"#,
        )]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn group_ids_are_percent_encoded_like_user_ids() {
    let group = PushedGroup {
        target_id: Some("a/b?c d".into()),
        ..new_group()
    };
    let mut wire = Script::default().reply(204, "");

    template()
        .rename_group(&group, &[], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.lines(), ["PATCH /Groups/a%2Fb%3Fc%20d"]);
}

// ---- Push Now (§3.6.6) ----

#[tokio::test]
async fn template_push_now_replaces_members_with_the_full_list() {
    let group = pushed_group();
    let mut wire = Script::default().reply(200, CREATED);

    let checks = template()
        .push_now(&group, &[ada(), bob()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![expected(
            "PATCH",
            "/Groups/g-1",
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"members","value":[{"value":"u-1","display":"ada@example.com"},{"value":"u-2","display":"bob@example.com"}]}]}"#,
        )]
    );
    assert_eq!(
        ids(&checks),
        [("okta.push-now.replace-members-accepted", Some(0))]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn template_push_now_of_an_empty_group_sends_an_empty_value() {
    let group = pushed_group();
    let mut wire = Script::default().reply(400, BAD_REQUEST);

    let checks = template()
        .push_now(&group, &[], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![expected(
            "PATCH",
            "/Groups/g-1",
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"members","value":[]}]}"#,
        )]
    );
    assert_eq!(failed(&checks), ["okta.push-now.replace-members-accepted"]);
    assert!(
        checks[0].reasons[0].contains("only add and remove"),
        "{:?}",
        checks[0].reasons
    );
}

#[tokio::test]
async fn aiw_push_now_puts_the_full_group() {
    let group = pushed_group();
    let mut wire = Script::default().reply(200, CREATED);

    let checks = aiw()
        .push_now(&group, &[], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![expected("PUT", "/Groups/g-1", CREATE_EMPTY)]
    );
    assert_eq!(ids(&checks), [("okta.push-group.put-returns-200", Some(0))]);
}

// ---- Unlink (§3.6) ----

#[tokio::test]
async fn unlink_with_delete_sends_delete_and_clears_the_id() {
    let mut group = pushed_group();
    let mut wire = Script::default().reply(204, "");

    let checks = aiw()
        .unlink_group(&mut group, true, &mut wire)
        .await
        .expect("no transport failure");

    // With Content-Type though bodiless, as in Okta's example (docs/idps/okta.md §2).
    let mut with_type = expected("DELETE", "/Groups/g-1", "");
    with_type.headers.insert(
        2,
        (
            "Content-Type".to_owned(),
            "application/scim+json; charset=utf-8".to_owned(),
        ),
    );
    assert_eq!(wire.sent, vec![with_type]);
    assert_eq!(ids(&checks), [("okta.unlink.delete-returns-204", Some(0))]);
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(group.target_id, None);
}

#[tokio::test]
async fn unlink_delete_answered_200_fails_and_keeps_the_id() {
    let mut group = pushed_group();
    let mut wire = Script::default().reply(200, CREATED);

    let checks = template()
        .unlink_group(&mut group, true, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(failed(&checks), ["okta.unlink.delete-returns-204"]);
    assert!(
        checks[0].reasons[0].ends_with("got 200"),
        "{:?}",
        checks[0].reasons
    );
    assert_eq!(group.target_id.as_deref(), Some("g-1"));
}

#[tokio::test]
async fn unlink_leaving_the_group_sends_nothing() {
    let mut group = pushed_group();
    let mut wire = Script::default();

    let checks = template()
        .unlink_group(&mut group, false, &mut wire)
        .await
        .expect("no transport failure");

    assert!(wire.sent.is_empty());
    assert!(checks.is_empty());
    assert_eq!(group.target_id.as_deref(), Some("g-1"));
}

// ---- Batches of membership changes (§3.6.5) ----

/// `count` members `u-<first>`, `u-<first+1>`, …
fn members(first: usize, count: usize) -> Vec<PushedMember> {
    (first..first + count)
        .map(|n| PushedMember {
            target_id: format!("u-{n}"),
            user_name: format!("user{n}@example.com"),
        })
        .collect()
}

/// The operations of a PATCH body, as JSON.
fn operations(wire: &Script, index: usize) -> Vec<serde_json::Value> {
    let body: serde_json::Value = serde_json::from_str(&wire.body(index)).expect("JSON body");
    body["Operations"].as_array().expect("Operations").clone()
}

/// The member ids an `add` operation carries.
fn added_ids(operation: &serde_json::Value) -> Vec<String> {
    assert_eq!(operation["op"], "add");
    assert_eq!(operation["path"], "members");
    operation["value"]
        .as_array()
        .expect("a member list")
        .iter()
        .map(|member| member["value"].as_str().expect("a value").to_owned())
        .collect()
}

fn ids_of(members: &[PushedMember]) -> Vec<String> {
    members.iter().map(|m| m.target_id.clone()).collect()
}

#[tokio::test]
async fn template_push_of_150_members_adds_them_in_patches_of_100_then_50() {
    let mut group = new_group();
    let all = members(1, 150);
    let mut wire = Script::default()
        .reply(201, CREATED)
        .reply(204, "")
        .reply(204, "")
        .reply(204, "");

    let checks = template()
        .push_group(&mut group, &all, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.lines(),
        [
            "POST /Groups",
            "PATCH /Groups/g-1",
            "PATCH /Groups/g-1",
            "PATCH /Groups/g-1"
        ]
    );
    assert_eq!(wire.sent[1], expected("PATCH", "/Groups/g-1", RENAME));
    let first = operations(&wire, 2);
    let second = operations(&wire, 3);
    assert_eq!(first.len(), 1);
    assert_eq!(added_ids(&first[0]), ids_of(&all[..100]));
    assert_eq!(second.len(), 1);
    assert_eq!(added_ids(&second[0]), ids_of(&all[100..]));
    assert_eq!(
        ids(&checks),
        vec![
            ("okta.push-group.create-returns-201-with-id", Some(0)),
            ("okta.push-group.rename-accepted", Some(1)),
            ("okta.push-group.members-accepted", Some(2)),
            ("okta.push-group.members-accepted", Some(3)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn template_delta_counts_removals_and_additions_toward_one_batch_removals_first() {
    let group = pushed_group();
    let leaving = members(1, 30);
    let joining = members(101, 150);
    let mut wire = Script::default()
        .reply(204, "")
        .reply(204, "")
        .reply(204, "");

    let checks = template()
        .update_group_members(&group, &joining, &leaving, &[], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.sent.len(), 3, "{:?}", wire.lines());
    // First PATCH: the 30 removals, then 70 additions, 100 changes.
    let first = operations(&wire, 0);
    assert_eq!(first.len(), 31);
    for (operation, member) in first.iter().zip(&leaving) {
        assert_eq!(operation["op"], "remove");
        assert_eq!(
            operation["path"],
            format!("members[value eq \"{}\"]", member.target_id)
        );
    }
    assert_eq!(added_ids(&first[30]), ids_of(&joining[..70]));
    // Second PATCH: the last 80 additions.
    let second = operations(&wire, 1);
    assert_eq!(second.len(), 1);
    assert_eq!(added_ids(&second[0]), ids_of(&joining[70..]));
    // Then the name PATCH that follows every membership update.
    assert_eq!(wire.sent[2], expected("PATCH", "/Groups/g-1", RENAME));
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn a_batch_of_1000_sends_150_changes_in_one_patch() {
    let group = pushed_group();
    let joining = members(1, 150);
    let okta = Okta {
        membership_batch: MembershipBatch::new(1000).expect("in range"),
        ..template()
    };
    let mut wire = Script::default().reply(204, "").reply(204, "");

    okta.update_group_members(&group, &joining, &[], &[], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.sent.len(), 2);
    assert_eq!(added_ids(&operations(&wire, 0)[0]), ids_of(&joining));
}

#[tokio::test]
async fn a_rejected_batch_stops_the_push_before_the_next_batch_and_the_rename() {
    let group = pushed_group();
    let joining = members(1, 150);
    let mut wire = Script::default().reply(400, BAD_REQUEST);

    let checks = template()
        .update_group_members(&group, &joining, &[], &[], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.lines(), ["PATCH /Groups/g-1"]);
    assert_eq!(failed(&checks), ["okta.push-group.members-accepted"]);
}

#[test]
fn the_membership_batch_is_100_by_default_and_100_to_1000_when_set() {
    assert_eq!(Okta::default().membership_batch.size(), 100);
    assert_eq!(
        MembershipBatch::new(100).map(MembershipBatch::size),
        Ok(100)
    );
    assert_eq!(
        MembershipBatch::new(1000).map(MembershipBatch::size),
        Ok(1000)
    );
    for outside in [0, 99, 1001, u64::from(u16::MAX) + 100] {
        let error = MembershipBatch::new(outside).expect_err("out of range");
        assert_eq!(
            error.to_string(),
            format!(
                "Okta's membership batch size is 100 to 1000 changes per PATCH (docs/idps/okta.md §3.6.5), not {outside}"
            )
        );
    }
}

#[test]
fn membership_patches_wait_sixty_seconds_like_every_okta_request() {
    for idp in [
        crate::scenario::model::IdpName::Okta,
        crate::scenario::model::IdpName::OktaAiw,
    ] {
        assert_eq!(
            crate::idp::request_timeout(idp),
            Some(MEMBERSHIP_PATCH_TIMEOUT)
        );
    }
    assert_eq!(MEMBERSHIP_PATCH_TIMEOUT.as_secs(), 60);
}

// ---- Find by name, then Link Group (§3.6.2) ----

const FIND_PATH: &str =
    "/Groups?filter=displayName%20eq%20%22Engineering%22&startIndex=1&count=100";
const NO_GROUP: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#;
const FOUND_GROUP: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"g-7","displayName":"Engineering","members":[{"value":"u-9"}]}]}"#;
const REPLACE_ADA: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"members","value":[{"value":"u-1","display":"ada@example.com"}]}]}"#;
const RENAME_G7: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"id":"g-7","displayName":"Engineering"}}]}"#;

#[tokio::test]
async fn template_link_finds_the_group_by_name_keeps_its_id_and_replaces_its_members() {
    let mut group = new_group();
    let mut wire = Script::default()
        .reply(200, FOUND_GROUP)
        .reply(204, "")
        .reply(204, "");

    let checks = template()
        .link_group(&mut group, &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("GET", FIND_PATH, ""),
            expected("PATCH", "/Groups/g-7", REPLACE_ADA),
            expected("PATCH", "/Groups/g-7", RENAME_G7),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("okta.link-group.lookup-is-list-response", Some(0)),
            ("okta.link-group.match-is-the-group", Some(0)),
            ("okta.push-group.members-accepted", Some(1)),
            ("okta.push-group.rename-accepted", Some(2)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(group.target_id.as_deref(), Some("g-7"));
    assert_eq!(checks[0].source, "docs/idps/okta.md §3.6.2");
}

#[tokio::test]
async fn aiw_link_puts_the_full_group_to_the_match() {
    let mut group = new_group();
    let mut wire = Script::default()
        .reply(200, FOUND_GROUP)
        .reply(200, CREATED);

    aiw()
        .link_group(&mut group, &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent[1],
        expected(
            "PUT",
            "/Groups/g-7",
            r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","members":[{"value":"u-1","display":"ada@example.com"}]}"#
        )
    );
    assert_eq!(wire.sent.len(), 2);
}

#[tokio::test]
async fn link_without_a_match_creates_the_group_as_a_push_does() {
    let mut group = new_group();
    let mut wire = Script::default()
        .reply(200, NO_GROUP)
        .reply(201, CREATED)
        .reply(204, "")
        .reply(204, "");

    let checks = template()
        .link_group(&mut group, &[ada(), bob()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("GET", FIND_PATH, ""),
            expected("POST", "/Groups", CREATE_WITH_MEMBERS),
            expected("PATCH", "/Groups/g-1", RENAME),
            expected("PATCH", "/Groups/g-1", ADD_BOTH),
        ]
    );
    assert_eq!(checks[1].id, "okta.push-group.create-returns-201-with-id");
    assert_eq!(checks[1].request, Some(1));
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(group.target_id.as_deref(), Some("g-1"));
}

#[tokio::test]
async fn link_stops_when_the_match_is_another_group() {
    let mut group = new_group();
    let other = FOUND_GROUP.replace(r#""displayName":"Engineering""#, r#""displayName":"Sales""#);
    let mut wire = Script::default().reply(200, &other);

    let checks = template()
        .link_group(&mut group, &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.lines(), [format!("GET {FIND_PATH}")]);
    assert_eq!(failed(&checks), ["okta.link-group.match-is-the-group"]);
    assert!(
        checks[1].reasons[0].contains("did not apply the filter"),
        "{:?}",
        checks[1].reasons
    );
    assert_eq!(group.target_id, None);
}

#[tokio::test]
async fn link_stops_on_string_paging_numbers() {
    let mut group = new_group();
    let strings = NO_GROUP.replace(r#""startIndex":1"#, r#""startIndex":"1""#);
    let mut wire = Script::default().reply(200, &strings);

    let checks = template()
        .link_group(&mut group, &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.sent.len(), 1);
    assert_eq!(failed(&checks), ["okta.link-group.lookup-is-list-response"]);
    assert!(
        checks[0].reasons[0].contains("`startIndex` as a JSON integer"),
        "{:?}",
        checks[0].reasons
    );
}

#[test]
fn the_group_filter_is_encoded_like_the_user_lookup() {
    assert_eq!(
        request::group_lookup_path("Test SCIMv2", FilterSpaces::Percent20),
        "/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100"
    );
    assert_eq!(
        request::group_lookup_path("Test SCIMv2", FilterSpaces::Plus),
        "/Groups?filter=displayName+eq+%22Test+SCIMv2%22&startIndex=1&count=100"
    );
}

#[tokio::test]
async fn link_reads_a_404_as_no_match_and_creates() {
    let mut group = new_group();
    let mut wire = Script::default()
        .reply(
            404,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}"#,
        )
        .reply(201, CREATED)
        .reply(204, "");

    let checks = template()
        .link_group(&mut group, &[], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.lines(),
        [
            format!("GET {FIND_PATH}"),
            "POST /Groups".to_owned(),
            "PATCH /Groups/g-1".to_owned()
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

// ---- The 2018–2019 GET before an AIW group PUT (§3.6.8) ----

fn aiw_reading_first() -> Okta {
    Okta {
        group_put_reads_first: true,
        ..aiw()
    }
}

const STORED_GROUP: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g-1","displayName":"Old name","members":[{"value":"u-9","$ref":"https://x/Users/u-9","type":"User"}],"meta":{"resourceType":"Group"}}"#;

#[tokio::test]
async fn aiw_reading_first_gets_the_group_then_puts_it_back_with_okta_changes() {
    let group = pushed_group();
    let mut wire = Script::default()
        .reply(200, STORED_GROUP)
        .reply(200, CREATED);

    let checks = aiw_reading_first()
        .update_group_members(&group, &[ada()], &[], &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("GET", "/Groups/g-1", ""),
            expected(
                "PUT",
                "/Groups/g-1",
                r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Engineering","id":"g-1","members":[{"value":"u-1","display":"ada@example.com"}],"meta":{"resourceType":"Group"}}"#
            ),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("okta.push-group.get-returns-the-group", Some(0)),
            ("okta.push-group.put-returns-200", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn aiw_reading_first_stops_when_the_group_is_gone() {
    let group = pushed_group();
    let mut wire = Script::default().reply(
        404,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"no such group","status":"404"}"#,
    );

    let checks = aiw_reading_first()
        .rename_group(&group, &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.lines(), ["GET /Groups/g-1"]);
    assert_eq!(failed(&checks), ["okta.push-group.get-returns-the-group"]);
    assert!(
        checks[0].reasons[0].contains("no longer exists"),
        "{:?}",
        checks[0].reasons
    );
}

#[tokio::test]
async fn reading_first_is_off_by_default_and_never_changes_the_oin_template() {
    let group = pushed_group();
    let oin = Okta {
        group_put_reads_first: true,
        ..template()
    };
    let mut wire = Script::default().reply(204, "").reply(204, "");

    oin.update_group_members(&group, &[ada()], &[], &[ada()], &mut wire)
        .await
        .expect("no transport failure");

    assert!(!Okta::default().group_put_reads_first);
    assert_eq!(wire.lines(), ["PATCH /Groups/g-1", "PATCH /Groups/g-1"]);
}
