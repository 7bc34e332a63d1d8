//! Okta's wire behaviour pinned byte for byte against a scripted fake target.

use super::*;
use crate::idp::directory::Profile;
use crate::level::Level;

use super::script::{Script, aiw, expected, template};
use crate::idp::script::{failed, ids};

fn ada() -> DirectoryUser {
    DirectoryUser::new(
        "ada",
        "00u00000000000000001",
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

const LOOKUP_PATH: &str =
    "/Users?filter=userName%20eq%20%22ada.lovelace%40example.com%22&startIndex=1&count=100";
const EMPTY_LIST: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#;
const CREATE_BODY: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ada.lovelace@example.com","name":{"givenName":"Ada","familyName":"Lovelace"},"emails":[{"primary":true,"value":"ada.lovelace@example.com","type":"work"}],"displayName":"Ada Lovelace","locale":"en-US","externalId":"00u00000000000000001","groups":[],"password":"RG=R+lQm","active":true}"#;
const CREATED: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u-1","userName":"ada.lovelace@example.com","active":true}"#;
/// A user as a server might return it on GET: stale names, an extra `display`, `meta`.
const STORED: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u-1","userName":"ada@old.example","name":{"familyName":"Byron","givenName":"Ada","middleName":""},"emails":[{"display":"ada@old.example","primary":true,"type":"work","value":"ada@old.example"}],"active":true,"groups":[],"meta":{"resourceType":"User","created":"2024-01-01T00:00:00Z"},"title":"Countess"}"#;
const PATCH_FALSE: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#;
const PATCH_TRUE: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}"#;

/// The PUT echoing [`STORED`] with Ada's profile merged in and `active` as given.
fn merged_put(active: bool) -> String {
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u-1","userName":"ada.lovelace@example.com","name":{{"givenName":"Ada","middleName":"","familyName":"Lovelace"}},"emails":[{{"primary":true,"value":"ada.lovelace@example.com","type":"work","display":"ada@old.example"}}],"displayName":"Ada Lovelace","active":{active},"groups":[],"meta":{{"created":"2024-01-01T00:00:00Z","resourceType":"User"}},"title":"Countess"}}"#
    )
}

fn list_of(total: u64, start: u64, count: usize) -> String {
    let resources: Vec<String> = (0..count)
        .map(|i| {
            format!(
                r#"{{"id":"u-{}","userName":"user{}@example.com"}}"#,
                start as usize + i,
                start as usize + i
            )
        })
        .collect();
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":{total},"startIndex":{start},"itemsPerPage":{count},"Resources":[{}]}}"#,
        resources.join(",")
    )
}

// ---- Test API Credentials (§3.1) ----

#[tokio::test]
async fn test_connection_sends_users_then_groups_with_okta_headers() {
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(200, EMPTY_LIST);

    let checks = template()
        .test_connection(&mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("GET", "/Users?startIndex=1&count=2", ""),
            expected("GET", "/Groups?startIndex=1&count=100", ""),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("okta.test-connection.list-is-scim-json", Some(0)),
            ("okta.test-connection.groups-answer-is-json", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(checks.iter().all(|c| c.level == Level::IdpRequired));
}

#[tokio::test]
async fn test_connection_fails_on_a_string_start_index_and_stops() {
    let mut wire = Script::default().reply(
        200,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":"1","itemsPerPage":0,"Resources":[]}"#,
    );

    let checks = aiw()
        .test_connection(&mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.lines(), ["GET /Users?startIndex=1&count=2"]);
    assert_eq!(failed(&checks), ["okta.test-connection.list-is-scim-json"]);
    let reason = &checks[0].reasons[0];
    assert!(
        reason.starts_with("expected `startIndex` as a JSON integer"),
        "{reason}"
    );
    assert!(
        reason.contains("§4 item 11") && reason.ends_with(r#"got "1""#),
        "{reason}"
    );
}

#[tokio::test]
async fn test_connection_fails_on_a_non_json_groups_answer() {
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(404, "<html>Not Found</html>");

    let checks = template()
        .test_connection(&mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        failed(&checks),
        ["okta.test-connection.groups-answer-is-json"]
    );
    assert_eq!(checks[1].request, Some(1));
}

// ---- Import (§3.2) ----

#[tokio::test]
async fn import_of_250_users_reads_three_pages_of_100() {
    let mut wire = Script::default()
        .reply(200, &list_of(250, 1, 100))
        .reply(200, &list_of(250, 101, 100))
        .reply(200, &list_of(250, 201, 50));

    let checks = template()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("GET", "/Users?startIndex=1&count=100", ""),
            expected("GET", "/Users?startIndex=101&count=100", ""),
            expected("GET", "/Users?startIndex=201&count=100", ""),
        ]
    );
    assert_eq!(checks.len(), 9);
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(
        ids(&checks[6..]),
        vec![
            ("okta.import.page-is-list-response", Some(2)),
            ("okta.import.paging-numbers-are-integers", Some(2)),
            ("okta.import.items-per-page-is-items-returned", Some(2)),
        ]
    );
}

#[tokio::test]
async fn import_of_150_groups_reads_two_pages_of_100_from_groups() {
    let mut wire = Script::default()
        .reply(200, &list_of(150, 1, 100))
        .reply(200, &list_of(150, 101, 50));

    let checks = aiw()
        .import_groups(&mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("GET", "/Groups?startIndex=1&count=100", ""),
            expected("GET", "/Groups?startIndex=101&count=100", ""),
        ]
    );
    assert_eq!(checks.len(), 6);
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn a_group_import_page_with_string_paging_stops_and_says_groups() {
    let strings = list_of(150, 1, 100).replace(r#""totalResults":150"#, r#""totalResults":"150""#);
    let mut wire = Script::default().reply(200, &strings);

    let checks = template()
        .import_groups(&mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.lines(), ["GET /Groups?startIndex=1&count=100"]);
    assert_eq!(failed(&checks), ["okta.import.paging-numbers-are-integers"]);
}

#[tokio::test]
async fn a_group_import_failure_names_the_group_import() {
    let mut wire = Script::default().reply(500, "{}");

    let checks = template()
        .import_groups(&mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(failed(&checks), ["okta.import.page-is-list-response"]);
    assert!(
        checks[0].reasons[0].contains("Okta imports groups page by page"),
        "{:?}",
        checks[0].reasons
    );
}

#[tokio::test]
async fn import_of_exactly_100_users_reads_one_page() {
    let mut wire = Script::default().reply(200, &list_of(100, 1, 100));

    template()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.lines(), ["GET /Users?startIndex=1&count=100"]);
}

#[tokio::test]
async fn import_fails_when_items_per_page_is_not_the_items_returned() {
    // ory/polis#4054: a page past the end answered with itemsPerPage 100 and no resources.
    let mut wire = Script::default()
        .reply(200, &list_of(101, 1, 100))
        .reply(
            200,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":101,"startIndex":101,"itemsPerPage":100,"Resources":[]}"#,
        );

    let checks = template()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        failed(&checks),
        ["okta.import.items-per-page-is-items-returned"]
    );
    let check = checks.iter().find(|c| !c.held()).expect("a failed check");
    assert_eq!(check.request, Some(1));
    assert!(
        check.reasons[0].starts_with("`/itemsPerPage`: expected 0 "),
        "{:?}",
        check.reasons
    );
    assert!(check.reasons[0].ends_with("got 100"), "{:?}", check.reasons);
}

#[tokio::test]
async fn import_stops_on_string_paging_numbers() {
    let mut wire = Script::default().reply(
        200,
        &list_of(250, 1, 100).replace(r#""totalResults":250"#, r#""totalResults":"250""#),
    );

    let checks = template()
        .import_users(&mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.sent.len(), 1);
    assert_eq!(failed(&checks), ["okta.import.paging-numbers-are-integers"]);
}

// ---- Lookup encoding (§3.3) ----

#[test]
fn lookup_filter_encodes_everything_but_unreserved_characters() {
    assert_eq!(
        request::lookup_path("a.b-c_d~e+f@x.com", FilterSpaces::Percent20),
        "/Users?filter=userName%20eq%20%22a.b-c_d~e%2Bf%40x.com%22&startIndex=1&count=100"
    );
}

#[test]
fn lookup_filter_can_encode_spaces_as_plus_like_the_2018_docs() {
    assert_eq!(
        request::lookup_path("jane doe@example.com", FilterSpaces::Plus),
        "/Users?filter=userName+eq+%22jane+doe%40example.com%22&startIndex=1&count=100"
    );
}

#[test]
fn user_paths_keep_ids_but_encode_path_breakers() {
    assert_eq!(request::user_path("23a35c27-23d3"), "/Users/23a35c27-23d3");
    assert_eq!(request::user_path("a/b?c d"), "/Users/a%2Fb%3Fc%20d");
}

// ---- Assign: create (§3.3 step 2a) ----

#[tokio::test]
async fn assign_not_found_posts_okta_create_body_and_stores_the_id() {
    let mut user = ada();
    let mut wire = Script::default().reply(200, EMPTY_LIST).reply(201, CREATED);

    let checks = template()
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

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
            ("okta.lookup.not-found-is-empty-list-or-404", Some(0)),
            ("okta.lookup.paging-numbers-are-integers", Some(0)),
            ("okta.create.returns-201-with-id", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
    assert!(user.assigned && user.active);
}

#[tokio::test]
async fn assign_create_body_is_the_same_for_both_flavours_and_the_filter_can_use_plus() {
    let mut user = ada();
    let okta = Okta {
        flavour: OktaFlavour::Aiw,
        filter_spaces: FilterSpaces::Plus,
        ..Okta::default()
    };
    let mut wire = Script::default().reply(200, EMPTY_LIST).reply(201, CREATED);

    okta.assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected(
                "GET",
                "/Users?filter=userName+eq+%22ada.lovelace%40example.com%22&startIndex=1&count=100",
                ""
            ),
            expected("POST", "/Users", CREATE_BODY),
        ]
    );
}

#[tokio::test]
async fn assign_lookup_404_counts_as_not_found_and_posts() {
    let mut user = ada();
    let mut wire = Script::default()
        .reply(404, r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"no","status":"404"}"#)
        .reply(201, CREATED);

    let checks = template()
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.lines(),
        [format!("GET {LOOKUP_PATH}"), "POST /Users".to_owned()]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
}

#[tokio::test]
async fn assign_409_stops_the_task_without_retry_and_leaves_the_user_unprovisioned() {
    let mut user = ada();
    let mut wire = Script::default().reply(200, EMPTY_LIST).reply(
        409,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"User already exists in the database.","status":409}"#,
    );

    let checks = template()
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.sent.len(), 2, "no retry after a 409");
    assert_eq!(failed(&checks), ["okta.create.returns-201-with-id"]);
    let create = &checks[2];
    assert!(
        create.reasons[0].contains("Okta stops the provisioning task on 409"),
        "{:?}",
        create.reasons
    );
    assert!(create.reasons[0].contains("\"User already exists in the database.\""));
    assert_eq!(
        ids(&checks[3..]),
        vec![("okta.create.duplicate-is-409", Some(1))]
    );
    assert!(checks[3].held());
    assert_eq!(user.target_id, None);
    assert!(!user.active);
}

#[tokio::test]
async fn assign_409_with_a_plain_text_body_fails_the_duplicate_check() {
    let mut user = ada();
    let mut wire = Script::default()
        .reply(200, EMPTY_LIST)
        .reply(409, "Conflict");

    let checks = template()
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        failed(&checks),
        [
            "okta.create.returns-201-with-id",
            "okta.create.duplicate-is-409"
        ]
    );
}

#[tokio::test]
async fn assign_created_without_an_id_fails_with_okta_error_text() {
    let mut user = ada();
    let mut wire = Script::default().reply(200, EMPTY_LIST).reply(201, "");

    let checks = template()
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(failed(&checks), ["okta.create.returns-201-with-id"]);
    assert!(checks[2].reasons[0].contains("\"Create new user returned empty user.\""));
    assert!(checks[2].reasons[0].contains("got 201 without an `id`"));
    assert_eq!(user.target_id, None);
}

#[tokio::test]
async fn assign_stops_before_post_when_the_lookup_start_index_is_a_string() {
    let mut user = ada();
    let mut wire = Script::default().reply(
        200,
        &EMPTY_LIST.replace(r#""startIndex":1"#, r#""startIndex":"1""#),
    );

    let checks = template()
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent.len(),
        1,
        "Okta sends no POST (docs/idps/okta.md §3.2)"
    );
    assert_eq!(failed(&checks), ["okta.lookup.paging-numbers-are-integers"]);
    assert_eq!(user.target_id, None);
}

#[tokio::test]
async fn assign_stops_when_the_lookup_filter_is_rejected() {
    let mut user = ada();
    let mut wire = Script::default().reply(400, r#"{"detail":"invalidFilter"}"#);

    let checks = template()
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.sent.len(), 1);
    assert_eq!(
        failed(&checks),
        ["okta.lookup.not-found-is-empty-list-or-404"]
    );
    assert!(
        checks[0].reasons[0].contains(r#"got 400 ("invalidFilter")"#),
        "{:?}",
        checks[0].reasons
    );
}

// ---- Assign: link (§3.3 step 2b) ----

fn found() -> String {
    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[{"id":"u-1","userName":"ada.lovelace@example.com"}]}"#.to_owned()
}

#[tokio::test]
async fn assign_found_links_syncs_and_patches_active_on_the_oin_template() {
    let mut user = ada();
    let mut wire = Script::default()
        .reply(200, &found())
        .reply(200, STORED)
        .reply(200, STORED)
        .reply(204, "");

    let checks = template()
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("GET", LOOKUP_PATH, ""),
            expected("GET", "/Users/u-1", ""),
            expected("PUT", "/Users/u-1", &merged_put(true)),
            expected("PATCH", "/Users/u-1", PATCH_TRUE),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("okta.lookup.not-found-is-empty-list-or-404", Some(0)),
            ("okta.lookup.paging-numbers-are-integers", Some(0)),
            ("okta.lookup.match-is-the-queried-user", Some(0)),
            ("okta.lookup.match-has-id", Some(0)),
            ("okta.link.get-returns-the-user", Some(1)),
            ("okta.link.put-returns-200", Some(2)),
            ("okta.reactivate.accepted", Some(3)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
    assert!(user.assigned && user.active);
}

#[tokio::test]
async fn assign_found_on_aiw_syncs_then_activates_with_get_and_put() {
    let mut user = ada();
    let mut wire = Script::default()
        .reply(200, &found())
        .reply(200, STORED)
        .reply(200, STORED)
        .reply(200, STORED)
        .reply(200, STORED);

    let checks = aiw()
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("GET", LOOKUP_PATH, ""),
            expected("GET", "/Users/u-1", ""),
            expected("PUT", "/Users/u-1", &merged_put(true)),
            expected("GET", "/Users/u-1", ""),
            expected("PUT", "/Users/u-1", &merged_put(true)),
        ]
    );
    assert_eq!(
        ids(&checks[4..]),
        vec![
            ("okta.link.get-returns-the-user", Some(1)),
            ("okta.link.put-returns-200", Some(2)),
            ("okta.reactivate.get-returns-the-user", Some(3)),
            ("okta.reactivate.accepted", Some(4)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(user.active);
}

#[tokio::test]
async fn assign_found_without_an_id_stops() {
    let mut user = ada();
    let mut wire = Script::default().reply(200, &found().replace(r#""id":"u-1","#, ""));

    let checks = template()
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.sent.len(), 1);
    assert_eq!(failed(&checks), ["okta.lookup.match-has-id"]);
    assert_eq!(user.target_id, None);
}

#[tokio::test]
async fn assign_stops_when_the_lookup_returns_someone_else() {
    // Arrange: a target that ignores the filter answers with another user.
    let mut user = ada();
    let other = found().replace("ada.lovelace@example.com", "grace.hopper@example.com");
    let mut wire = Script::default().reply(200, &other);

    // Act
    let checks = template()
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    // Assert: nothing is written to the stranger, and the failure names the cause.
    assert_eq!(wire.sent.len(), 1);
    assert_eq!(failed(&checks), ["okta.lookup.match-is-the-queried-user"]);
    let reasons = &checks.iter().find(|c| !c.held()).unwrap().reasons;
    assert!(
        reasons[0].contains("the target did not apply the filter"),
        "{reasons:?}"
    );
    assert_eq!(user.target_id, None);
}

// ---- Update (§3.4) ----

#[tokio::test]
async fn update_gets_then_puts_the_echoed_user_with_okta_changes_merged() {
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(200, STORED).reply(200, STORED);

    let checks = aiw()
        .update(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("GET", "/Users/u-1", ""),
            expected("PUT", "/Users/u-1", &merged_put(true)),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("okta.update.get-returns-the-user", Some(0)),
            ("okta.update.put-returns-200", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn update_put_carries_active_as_okta_last_set_it_on_both_flavours() {
    let mut user = provisioned_ada(false);
    let mut wire = Script::default().reply(200, STORED).reply(200, STORED);

    template()
        .update(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent[1],
        expected("PUT", "/Users/u-1", &merged_put(false))
    );
}

#[tokio::test]
async fn update_adds_a_work_email_when_the_target_has_none() {
    let mut user = provisioned_ada(true);
    let mut wire = Script::default()
        .reply(200, r#"{"id":"u-1","userName":"ada"}"#)
        .reply(200, r#"{"id":"u-1"}"#);

    template()
        .update(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        String::from_utf8_lossy(&wire.sent[1].body),
        r#"{"id":"u-1","userName":"ada.lovelace@example.com","name":{"givenName":"Ada","familyName":"Lovelace"},"emails":[{"primary":true,"value":"ada.lovelace@example.com","type":"work"}],"displayName":"Ada Lovelace","active":true}"#
    );
}

#[tokio::test]
async fn update_stops_when_the_get_does_not_return_the_user() {
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(404, r#"{"detail":"Resource u-1 not found"}"#);

    let checks = template()
        .update(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.sent.len(), 1, "no PUT without a body to echo");
    assert_eq!(failed(&checks), ["okta.update.get-returns-the-user"]);
    assert!(checks[0].reasons[0].ends_with(r#"got 404 ("Resource u-1 not found")"#));
}

#[tokio::test]
async fn update_fails_when_the_get_returns_another_user() {
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(200, &STORED.replace(r#""id":"u-1""#, r#""id":"U-1""#));

    let checks = template()
        .update(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.sent.len(), 1);
    assert_eq!(failed(&checks), ["okta.update.get-returns-the-user"]);
}

#[tokio::test]
async fn update_fails_when_the_put_is_not_200() {
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(200, STORED).reply(204, "");

    let checks = template()
        .update(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(failed(&checks), ["okta.update.put-returns-200"]);
    assert_eq!(checks[1].request, Some(1));
}

#[tokio::test]
async fn update_of_an_unprovisioned_user_is_an_error_and_sends_nothing() {
    let mut user = ada();
    let mut wire = Script::default();

    let result = template().update(&mut user, &mut wire).await;

    assert_eq!(result, Err(IdpError::NotProvisioned("ada".into())));
    assert!(wire.sent.is_empty());
}

// ---- Deactivate / reactivate (§3.5) ----

#[tokio::test]
async fn deactivate_on_the_oin_template_is_a_pathless_patch() {
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(204, "");

    let checks = template()
        .deactivate(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![expected("PATCH", "/Users/u-1", PATCH_FALSE)]
    );
    assert_eq!(ids(&checks), vec![("okta.deactivate.accepted", Some(0))]);
    assert!(failed(&checks).is_empty());
    assert!(!user.active);
    assert!(
        user.assigned,
        "deactivation leaves the assignment to the scenario"
    );
}

#[tokio::test]
async fn reactivate_on_the_oin_template_patches_active_true() {
    let mut user = provisioned_ada(false);
    let mut wire = Script::default().reply(200, STORED);

    let checks = template()
        .reactivate(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(wire.sent, vec![expected("PATCH", "/Users/u-1", PATCH_TRUE)]);
    assert_eq!(ids(&checks), vec![("okta.reactivate.accepted", Some(0))]);
    assert!(user.active);
}

#[tokio::test]
async fn deactivate_rejected_patch_fails_and_keeps_the_user_active() {
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(501, "");

    let checks = template()
        .deactivate(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent.len(),
        1,
        "no fallback to PUT (docs/idps/okta.md §1.2)"
    );
    assert_eq!(failed(&checks), ["okta.deactivate.accepted"]);
    assert!(checks[0].reasons[0].contains("got 501"));
    assert!(user.active);
}

#[tokio::test]
async fn deactivate_on_aiw_is_get_then_full_put_with_active_false() {
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(200, STORED).reply(200, STORED);

    let checks = aiw()
        .deactivate(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("GET", "/Users/u-1", ""),
            expected("PUT", "/Users/u-1", &merged_put(false)),
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("okta.deactivate.get-returns-the-user", Some(0)),
            ("okta.deactivate.accepted", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(!user.active);
}

#[tokio::test]
async fn reactivate_on_aiw_puts_active_true_and_needs_200() {
    let mut user = provisioned_ada(false);
    let mut wire = Script::default().reply(200, STORED).reply(204, "");

    let checks = aiw()
        .reactivate(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent[1],
        expected("PUT", "/Users/u-1", &merged_put(true))
    );
    assert_eq!(failed(&checks), ["okta.reactivate.accepted"]);
    assert!(!user.active);
}

// ---- Transport failures ----

#[tokio::test]
async fn a_transport_failure_is_an_error_naming_the_request() {
    let mut user = ada();
    let mut wire = Script::default().fail("connection reset");

    let result = template().assign(&mut user, &mut wire).await;

    assert_eq!(
        result,
        Err(IdpError::Transport(format!(
            "Okta assign: GET {LOOKUP_PATH}: connection reset"
        )))
    );
    assert_eq!(user.target_id, None);
}

// ---- The placeholder password (§3.3) ----

#[test]
fn placeholder_password_is_eight_characters_with_symbols_and_deterministic() {
    let password = request::placeholder_password("00u00000000000000001");

    assert_eq!(password, "RG=R+lQm");
    assert_eq!(password.chars().count(), 8);
    assert!(password.chars().any(|c| !c.is_ascii_alphanumeric()));
    assert_eq!(
        request::placeholder_password("00u00000000000000001"),
        password
    );
    assert_ne!(
        request::placeholder_password("00u00000000000000002"),
        password
    );
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after_then_with_doubled_waits() {
    // Arrange: two 429s (the second without Retry-After), then the lookup answers.
    let mut wire = Script::default()
        .reply_with(429, &[("Retry-After", "7")], "")
        .reply_with(429, &[], "")
        .reply(200, &list_of(0, 1, 0))
        .reply(201, r#"{"id":"u-1"}"#);
    let mut user = ada();

    // Act
    let checks = template().assign(&mut user, &mut wire).await.unwrap();

    // Assert
    let lines = wire.lines();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0], lines[1]);
    assert_eq!(lines[1], lines[2]);
    assert_eq!(
        wire.waits,
        [
            std::time::Duration::from_secs(7),
            std::time::Duration::from_secs(14)
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
}

#[tokio::test]
async fn ten_429s_fail_the_task_permanently_after_five_minute_waits_doubling() {
    // Arrange
    let mut wire = Script::default();
    for _ in 0..10 {
        wire = wire.reply_with(429, &[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")], "");
    }
    let mut user = ada();

    // Act
    let checks = template().assign(&mut user, &mut wire).await.unwrap();

    // Assert
    assert_eq!(wire.lines().len(), 10);
    assert_eq!(wire.waits.len(), 9);
    assert_eq!(wire.waits[0], std::time::Duration::from_secs(300));
    assert_eq!(wire.waits[8], std::time::Duration::from_secs(300 * 256));
    assert!(
        failed(&checks).contains(&"okta.rate-limit.task-failed-after-10-attempts"),
        "{checks:?}"
    );
    assert!(user.target_id.is_none());
}

#[test]
fn suspend_sends_nothing_and_leaves_the_app_user_as_it_was() {
    let mut user = provisioned_ada(true);

    let checks = template().suspend(&mut user);

    assert!(checks.is_empty());
    assert!(!user.enabled, "the user can no longer sign in to Okta");
    assert!(user.active && user.assigned, "the app user is untouched");
    assert_eq!(user.target_id.as_deref(), Some("u-1"));
}

// ---- Password sync (§3.5) ----

#[tokio::test]
async fn password_sync_on_the_oin_template_is_a_pathless_patch_of_a_new_password() {
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(204, "").reply(200, CREATED);

    let first = template()
        .sync_password(&mut user, &mut wire)
        .await
        .expect("no transport failure");
    let second = template()
        .sync_password(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    let password = request::synced_password("00u00000000000000001", 1);
    assert_eq!(password.chars().count(), 8);
    assert_ne!(
        password,
        request::placeholder_password("00u00000000000000001")
    );
    assert_eq!(
        wire.sent[0],
        expected(
            "PATCH",
            "/Users/u-1",
            &format!(
                r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{"op":"replace","value":{{"password":"{password}"}}}}]}}"#
            )
        )
    );
    assert_ne!(wire.body(0), wire.body(1), "each change is a new password");
    assert!(
        wire.body(1)
            .contains(&request::synced_password("00u00000000000000001", 2))
    );
    assert_eq!(ids(&first), [("okta.password.accepted", Some(0))]);
    assert!(failed(&first).is_empty() && failed(&second).is_empty());
}

#[tokio::test]
async fn password_sync_on_aiw_gets_then_puts_the_user_with_the_password() {
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(200, STORED).reply(200, CREATED);

    let checks = aiw()
        .sync_password(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    let password = request::synced_password("00u00000000000000001", 1);
    let put = merged_put(true).replace(
        r#""displayName":"Ada Lovelace","active""#,
        &format!(r#""displayName":"Ada Lovelace","password":"{password}","active""#),
    );
    assert_eq!(
        wire.sent,
        vec![
            expected("GET", "/Users/u-1", ""),
            expected("PUT", "/Users/u-1", &put)
        ]
    );
    assert_eq!(
        ids(&checks),
        vec![
            ("okta.password.get-returns-the-user", Some(0)),
            ("okta.password.accepted", Some(1)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
}

#[tokio::test]
async fn a_refused_password_patch_fails_naming_password_sync() {
    let mut user = provisioned_ada(true);
    let mut wire = Script::default().reply(
        400,
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"password policy","status":"400"}"#,
    );

    let checks = template()
        .sync_password(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(failed(&checks), ["okta.password.accepted"]);
    assert!(
        checks[0].reasons[0].contains(r#"got 400 ("password policy")"#),
        "{:?}",
        checks[0].reasons
    );
}

#[tokio::test]
async fn password_sync_of_an_unprovisioned_user_is_an_error_and_sends_nothing() {
    let mut user = ada();
    let mut wire = Script::default();

    let error = template()
        .sync_password(&mut user, &mut wire)
        .await
        .expect_err("not provisioned");

    assert_eq!(error, IdpError::NotProvisioned("ada".into()));
    assert!(wire.sent.is_empty());
}

// ---- The stale `active:false` PUT on re-assignment (§3.4, observed, opt-in) ----

fn racing(okta: Okta) -> Okta {
    Okta {
        stale_deactivate_put: true,
        ..okta
    }
}

/// Ada, provisioned before and deactivated by an unassignment.
fn unassigned_ada() -> DirectoryUser {
    DirectoryUser {
        assigned: false,
        ..provisioned_ada(false)
    }
}

#[tokio::test]
async fn the_race_follows_a_reassignment_activation_with_a_stale_active_false_put() {
    let mut user = unassigned_ada();
    let mut wire = Script::default()
        .reply(200, &found())
        .reply(200, STORED)
        .reply(200, STORED)
        .reply(204, "")
        .reply(200, STORED)
        .reply(200, STORED);

    let checks = racing(template())
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    assert_eq!(
        wire.sent,
        vec![
            expected("GET", LOOKUP_PATH, ""),
            expected("GET", "/Users/u-1", ""),
            expected("PUT", "/Users/u-1", &merged_put(true)),
            expected("PATCH", "/Users/u-1", PATCH_TRUE),
            expected("GET", "/Users/u-1", ""),
            expected("PUT", "/Users/u-1", &merged_put(false)),
        ]
    );
    assert_eq!(
        ids(&checks[checks.len() - 2..]),
        vec![
            ("okta.update.get-returns-the-user", Some(4)),
            ("okta.update.put-returns-200", Some(5)),
        ]
    );
    assert!(failed(&checks).is_empty(), "{checks:?}");
    assert!(user.active, "Okta holds the user active; the app got false");
}

#[tokio::test]
async fn the_race_is_off_by_default_and_only_follows_a_reassignment() {
    let replies = || {
        Script::default()
            .reply(200, &found())
            .reply(200, STORED)
            .reply(200, STORED)
            .reply(204, "")
    };
    let mut reassigned = unassigned_ada();
    let mut first_time = ada();
    let (mut default_wire, mut first_wire) = (replies(), replies());

    template()
        .assign(&mut reassigned, &mut default_wire)
        .await
        .expect("no transport failure");
    racing(template())
        .assign(&mut first_time, &mut first_wire)
        .await
        .expect("no transport failure");

    assert!(!Okta::default().stale_deactivate_put);
    assert_eq!(default_wire.sent.len(), 4);
    assert_eq!(
        first_wire.sent.len(),
        4,
        "a first assignment is no re-assignment"
    );
}

#[tokio::test]
async fn the_race_on_aiw_puts_active_true_then_the_stale_false() {
    let mut user = unassigned_ada();
    let mut wire = Script::default()
        .reply(200, &found())
        .reply(200, STORED)
        .reply(200, STORED)
        .reply(200, STORED)
        .reply(200, STORED)
        .reply(200, STORED)
        .reply(200, STORED);

    racing(aiw())
        .assign(&mut user, &mut wire)
        .await
        .expect("no transport failure");

    let puts: Vec<String> = (0..wire.sent.len())
        .filter(|&i| wire.sent[i].method == "PUT")
        .map(|i| wire.body(i))
        .collect();
    assert_eq!(
        puts,
        [merged_put(true), merged_put(true), merged_put(false)]
    );
}
