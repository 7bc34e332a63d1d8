//! Every quirk, shown producing the misbehaviour it names. The correct behaviour each one
//! breaks is asserted by the other test modules against a server without quirks.

use std::sync::Arc;

use reqwest::Method;
use scimulate::clock::VirtualClock;
use scimulate::server::Quirk;
use serde_json::json;

use crate::support::{OWNER_KEY, TestServer, patch_op, user};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

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
async fn remove_members_value_ignored_keeps_members_removed_by_value_list() {
    // Arrange
    let quirky = server(Quirk::RemoveMembersValueIgnored).await;
    let plain = TestServer::start().await;
    let mut groups = Vec::new();
    for server in [&quirky, &plain] {
        let a = server.create_user("a@x.io").await;
        let b = server.create_user("b@x.io").await;
        let group = server.create_group("G", &[&a, &b]).await;
        groups.push((group, a));
    }

    // Act
    let mut replies = Vec::new();
    for (server, (group, a)) in [&quirky, &plain].into_iter().zip(&groups) {
        let remove = json!([{"op": "Remove", "path": "members", "value": [{"value": a}]}]);
        replies.push(
            server
                .patch(&format!("/Groups/{group}"), patch_op(remove))
                .await,
        );
    }

    // Assert
    assert_eq!(replies[0].status, 200);
    assert_eq!(
        replies[0].json["members"].as_array().unwrap().len(),
        2,
        "{}",
        replies[0].text
    );
    assert_eq!(
        replies[1].json["members"].as_array().unwrap().len(),
        1,
        "{}",
        replies[1].text
    );
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
async fn duplicate_group_name_creates_a_second_group() {
    let server = server(Quirk::DuplicateGroupName).await;
    let group = serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Eng"});
    assert_eq!(server.post("/Groups", group.clone()).await.status, 201);
    assert_eq!(server.post("/Groups", group).await.status, 201);
    assert_eq!(server.get("/Groups").await.json["totalResults"], 2);
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

#[tokio::test]
async fn hide_inactive_users_leaves_disabled_users_out_of_lists_and_searches() {
    for (server, hides) in [
        (server(Quirk::HideInactiveUsers).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange: one active user, one disabled as Entra disables (docs/idps/entra.md §8).
        server.create_user("a@x.io").await;
        let b = server.create_user("b@x.io").await;
        let disable = server
            .patch(
                &format!("/Users/{b}"),
                patch_op(json!([{"op": "replace", "path": "active", "value": false}])),
            )
            .await;
        assert_eq!(disable.status, 200, "{}", disable.text);

        // Act
        let all = server.get("/Users").await;
        let lookup = server
            .get("/Users?filter=userName%20eq%20%22b@x.io%22")
            .await;
        let search = server
            .post(
                "/Users/.search",
                json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "filter": "userName eq \"b@x.io\"",
                }),
            )
            .await;
        let by_id = server.get(&format!("/Users/{b}")).await;

        // Assert: the disabled user is counted but not listed under the quirk.
        let resources =
            |reply: &crate::support::Reply| reply.json["Resources"].as_array().map_or(0, Vec::len);
        let (listed, found) = if hides { (1, 0) } else { (2, 1) };
        assert_eq!(all.json["totalResults"], 2, "{}", all.text);
        assert_eq!(resources(&all), listed, "{}", all.text);
        assert_eq!(lookup.json["totalResults"], 1, "{}", lookup.text);
        assert_eq!(resources(&lookup), found, "{}", lookup.text);
        assert_eq!(resources(&search), found, "{}", search.text);
        assert_eq!(by_id.status, 200);
        assert_eq!(by_id.json["active"], false);
    }
}

#[tokio::test]
async fn members_not_excluded_returns_members_that_were_excluded() {
    for (server, ignores) in [
        (server(Quirk::MembersNotExcluded).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        let a = server.create_user("a@x.io").await;
        let group = server.create_group("Engineering", &[&a]).await;

        // Act: Entra's group lookup (docs/idps/entra.md §9), a GET by id and a search, each
        // excluding members.
        let lookup = server
            .get("/Groups?excludedAttributes=members&filter=displayName%20eq%20%22Engineering%22")
            .await;
        let by_id = server
            .get(&format!("/Groups/{group}?excludedAttributes=members"))
            .await;
        let search = server
            .post(
                "/Groups/.search",
                json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "excludedAttributes": ["members"],
                }),
            )
            .await;

        // Assert
        for shown in [
            &lookup.json["Resources"][0],
            &by_id.json,
            &search.json["Resources"][0],
        ] {
            assert_eq!(shown["displayName"], "Engineering", "{shown}");
            assert_eq!(shown.get("members").is_some(), ignores, "{shown}");
        }
    }
}

#[tokio::test]
async fn reject_null_emails_refuses_jumpclouds_minimal_put() {
    for (server, rejects) in [
        (server(Quirk::RejectNullEmails).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange: JumpCloud's minimal PUT (docs/idps/jumpcloud.md §2) and the same shape as a
        // create.
        let id = server.create_user("testuser@example.io").await;
        let minimal = |user_name: &str| {
            json!({
                "active": true,
                "emails": null,
                "name": {"familyName": "lastname", "givenName": "firstname"},
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name,
            })
        };

        // Act
        let put = server
            .put(&format!("/Users/{id}"), minimal("testuser@example.io"))
            .await;
        let post = server.post("/Users", minimal("other@example.io")).await;

        // Assert
        if rejects {
            put.assert_scim_error(400, Some("invalidValue"));
            post.assert_scim_error(400, Some("invalidValue"));
        } else {
            assert_eq!(put.status, 200, "{}", put.text);
            assert!(put.json.get("emails").is_none(), "{}", put.text);
            assert_eq!(post.status, 201, "{}", post.text);
        }
    }
}

#[tokio::test]
async fn duplicate_members_on_add_lists_a_re_added_member_twice() {
    for (server, duplicates) in [
        (server(Quirk::DuplicateMembersOnAdd).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange: a group with `a`; JumpCloud re-sends the whole list to add `b`
        // (docs/idps/jumpcloud.md §7.2).
        let a = server.create_user("a@x.io").await;
        let b = server.create_user("b@x.io").await;
        let group = server.create_group("G", &[&a]).await;

        // Act
        let reply = server
            .patch(
                &format!("/Groups/{group}"),
                patch_op(json!([{"op": "add", "path": "members", "value": [{"value": a}, {"value": b}]}])),
            )
            .await;
        let read = server.get(&format!("/Groups/{group}")).await;

        // Assert
        assert_eq!(reply.status, 200, "{}", reply.text);
        let values: Vec<&str> = read.json["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["value"].as_str())
            .collect();
        let times_a = values.iter().filter(|v| **v == a).count();
        assert_eq!(times_a, if duplicates { 2 } else { 1 }, "{values:?}");
        assert_eq!(values.iter().filter(|v| **v == b).count(), 1, "{values:?}");
    }
}

#[tokio::test]
async fn reject_add_op_refuses_entras_add() {
    for (server, rejects) in [
        (server(Quirk::RejectAddOp).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        let id = server.create_user("a@x.io").await;
        let path = format!("/Users/{id}");

        // Act: Entra's `Add` for an attribute the user lacks (docs/idps/entra.md §7.1), then a
        // replace.
        let add = server
            .patch(
                &path,
                patch_op(json!([{"op": "Add", "path": "nickName", "value": "Babs"}])),
            )
            .await;
        let replace = server
            .patch(
                &path,
                patch_op(json!([{"op": "replace", "path": "title", "value": "Captain"}])),
            )
            .await;

        // Assert
        assert_eq!(replace.status, 200, "{}", replace.text);
        if rejects {
            add.assert_scim_error(400, Some("invalidValue"));
            assert!(
                add.json["detail"]
                    .as_str()
                    .unwrap()
                    .contains("\"Add\" is not a valid choice"),
                "{}",
                add.text
            );
            assert!(replace.json.get("nickName").is_none(), "{}", replace.text);
        } else {
            assert_eq!(add.status, 200, "{}", add.text);
            assert_eq!(replace.json["nickName"], "Babs");
        }
    }
}

#[tokio::test]
async fn ignore_dotted_pathless_keys_drops_entras_path_keys() {
    for (server, ignores) in [
        (server(Quirk::IgnoreDottedPathlessKeys).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        let id = server.create_user("a@x.io").await;

        // Act: Entra's path-less replace in the compliant dialect (docs/idps/entra.md §7.2).
        let reply = server
            .patch(
                &format!("/Users/{id}"),
                patch_op(json!([{"op": "replace", "value": {
                    "displayName": "Bjfe",
                    "name.givenName": "Kkom",
                    format!("{ENTERPRISE}:employeeNumber"): "Aklq",
                }}])),
            )
            .await;
        let read = server.get(&format!("/Users/{id}")).await;

        // Assert
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(read.json["displayName"], "Bjfe");
        if ignores {
            assert_eq!(read.json["name"]["givenName"], "Ada", "{}", read.text);
            assert!(read.json.get(ENTERPRISE).is_none(), "{}", read.text);
        } else {
            assert_eq!(read.json["name"]["givenName"], "Kkom", "{}", read.text);
            assert_eq!(read.json[ENTERPRISE]["employeeNumber"], "Aklq");
        }
    }
}

#[tokio::test]
async fn core_schema_first_refuses_jumpclouds_schema_order() {
    for (server, rejects) in [
        (server(Quirk::CoreSchemaFirst).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange: JumpCloud's PUT lists the enterprise URN first (docs/idps/jumpcloud.md §5).
        let id = server.create_user("john.doe@example.com").await;
        let enterprise_first = |user_name: &str| {
            let mut body = user(user_name);
            body["schemas"] = json!([ENTERPRISE, "urn:ietf:params:scim:schemas:core:2.0:User"]);
            body[ENTERPRISE] = json!({"department": "C-Suite"});
            body
        };

        // Act
        let put = server
            .put(
                &format!("/Users/{id}"),
                enterprise_first("john.doe@example.com"),
            )
            .await;
        let post = server
            .post("/Users", enterprise_first("jane@example.com"))
            .await;

        // Assert
        if rejects {
            put.assert_scim_error(400, Some("invalidSyntax"));
            post.assert_scim_error(400, Some("invalidSyntax"));
        } else {
            assert_eq!(put.status, 200, "{}", put.text);
            assert_eq!(put.json[ENTERPRISE]["department"], "C-Suite");
            assert_eq!(post.status, 201, "{}", post.text);
        }
    }
}

/// A user `ada@example.com` logged in to the application: its id and API key.
async fn app_member(server: &TestServer) -> (String, String) {
    let id = server.create_user("ada@example.com").await;
    let key = server.login("ada@example.com").await;
    (id, key)
}

#[tokio::test]
async fn no_lockdown_accepts_app_changes_while_scim_is_on() {
    // Arrange
    let quirky = server(Quirk::NoLockdown).await;
    let plain = TestServer::start().await;
    for server in [&quirky, &plain] {
        app_member(server).await;
        server.switch_scim(true).await;
    }

    // Act
    let mut replies = Vec::new();
    for server in [&quirky, &plain] {
        replies.push(
            server
                .app(
                    Method::POST,
                    "/groups",
                    Some(OWNER_KEY),
                    Some(json!({"name": "Sales"})),
                )
                .await,
        );
    }

    // Assert
    assert_eq!(replies[0].status, 201, "{}", replies[0].text);
    assert_eq!(replies[1].status, 403);
    assert_eq!(replies[1].json["code"], "SCIM_MANAGED");
}

#[tokio::test]
async fn access_survives_deactivation_keeps_a_key_working_for_five_minutes() {
    // Arrange
    let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let clock = Arc::new(VirtualClock::starting_at(start));
    let quirky = TestServer::with_quirks_and_clock(
        &[Quirk::AccessSurvivesDeactivation],
        Some(clock.clone()),
    )
    .await;
    let also_quirky = server(Quirk::AccessSurvivesDeactivation).await;
    let plain = TestServer::start().await;
    let mut keys = Vec::new();
    for server in [&quirky, &also_quirky, &plain] {
        let (id, key) = app_member(server).await;
        let reply = server
            .patch(
                &format!("/Users/{id}"),
                patch_op(json!([{"op": "replace", "value": {"active": false}}])),
            )
            .await;
        assert_eq!(reply.status, 200);
        keys.push(key);
    }
    // Act
    let at_once = get_me(&quirky, &keys[0]).await;
    let system_clock = get_me(&also_quirky, &keys[1]).await;
    clock.advance(jiff::SignedDuration::from_secs(299));
    let within = get_me(&quirky, &keys[0]).await;
    clock.advance(jiff::SignedDuration::from_secs(1));
    let after = get_me(&quirky, &keys[0]).await;
    let plain_reply = get_me(&plain, &keys[2]).await;

    // Assert
    assert_eq!(at_once.status, 200, "{}", at_once.text);
    assert_eq!(at_once.json["status"], "INACTIVE");
    assert_eq!(system_clock.status, 200);
    assert_eq!(within.status, 200);
    assert_eq!(after.status, 403);
    assert_eq!(after.json["code"], "USER_INACTIVE");
    assert_eq!(plain_reply.status, 403);
    assert_eq!(plain_reply.json["code"], "USER_INACTIVE");
}

async fn get_me(server: &TestServer, key: &str) -> crate::support::Reply {
    server.app(Method::GET, "/me", Some(key), None).await
}

#[tokio::test]
async fn timezone_overwritten_lets_scim_replace_a_pinned_timezone() {
    // Arrange
    let quirky = server(Quirk::TimezoneOverwritten).await;
    let plain = TestServer::start().await;
    let mut zones = Vec::new();
    for server in [&quirky, &plain] {
        let (id, key) = app_member(server).await;
        let pinned = server
            .app(
                Method::PUT,
                "/me",
                Some(&key),
                Some(json!({"timeZone": "Asia/Tokyo"})),
            )
            .await;
        assert_eq!(pinned.status, 200, "{}", pinned.text);

        // Act
        let reply = server
            .patch(
                &format!("/Users/{id}"),
                patch_op(json!([{"op": "replace", "path": "timezone", "value": "Europe/London"}])),
            )
            .await;
        assert_eq!(reply.status, 200);
        zones.push(get_me(server, &key).await.json["timeZone"].clone());
    }

    // Assert
    assert_eq!(zones, [json!("Europe/London"), json!("Asia/Tokyo")]);
}

#[tokio::test]
async fn groups_kept_on_enable_leaves_existing_groups_in_place() {
    // Arrange
    let quirky = server(Quirk::GroupsKeptOnEnable).await;
    let plain = TestServer::start().await;
    let mut counts = Vec::new();
    for server in [&quirky, &plain] {
        server.create_group("Engineering", &[]).await;

        // Act
        server.switch_scim(true).await;
        counts.push(server.get("/Groups").await.json["totalResults"].clone());
    }

    // Assert
    assert_eq!(counts, [json!(1), json!(0)]);
}

#[tokio::test]
async fn deleted_identity_kept_lists_a_tombstone_after_scim_delete() {
    // Arrange
    let quirky = server(Quirk::DeletedIdentityKept).await;
    let plain = TestServer::start().await;
    let mut lists = Vec::new();
    for server in [&quirky, &plain] {
        let (id, _) = app_member(server).await;
        let anonymize = json!([{"op": "replace", "path": "displayName", "value": "Anonymous"}]);
        let reply = server
            .patch(&format!("/Users/{id}"), patch_op(anonymize))
            .await;
        assert_eq!(reply.status, 200);

        // Act
        assert_eq!(server.delete(&format!("/Users/{id}")).await.status, 204);
        let list = server
            .app(Method::GET, "/users", Some(OWNER_KEY), None)
            .await;
        lists.push((id, list.json));
    }

    // Assert
    let (id, quirky_list) = &lists[0];
    assert_eq!(
        quirky_list,
        &json!([{"id": id, "email": "ada@example.com", "name": "Ada Lovelace",
                 "timeZone": null, "role": "regular", "status": "DELETED"}])
    );
    assert_eq!(lists[1].1, json!([]));
}

#[tokio::test]
async fn bulk_ignores_bulkid_leaves_references_unresolved() {
    for (server, ignores) in [
        (server(Quirk::BulkIgnoresBulkId).await, true),
        (TestServer::start().await, false),
    ] {
        let reply = server
            .post(
                "/Bulk",
                json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                    "Operations": [
                        {"method": "POST", "path": "/Users", "bulkId": "ada", "data": user("a@x.io")},
                        {"method": "POST", "path": "/Groups", "bulkId": "team", "data": {
                            "displayName": "Team", "members": [{"value": "bulkId:ada"}]}},
                    ],
                }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let group = &reply.json["Operations"][1];
        if ignores {
            assert_eq!(group["status"], json!("400"), "{}", reply.text);
            let detail = group["response"]["detail"].as_str().unwrap();
            assert!(detail.contains("bulkId:ada"), "{detail}");
        } else {
            assert_eq!(group["status"], json!("201"), "{}", reply.text);
        }
    }
}

/// A user body that `restricted-schema` accepts: only the attributes it publishes.
fn restricted_user(user_name: &str) -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"formatted": "Ada Lovelace", "givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": user_name}],
        "displayName": "Ada Lovelace",
        "externalId": format!("00u{user_name}"),
        "active": true,
    })
}

#[tokio::test]
async fn restricted_schema_requires_name_formatted_and_refuses_what_it_does_not_publish() {
    for (server, restricted) in [
        (server(Quirk::RestrictedSchema).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        let accepted = server.post("/Users", restricted_user("a@x.io")).await;
        assert_eq!(accepted.status, 201, "{}", accepted.text);
        let id = accepted.json["id"].as_str().unwrap().to_owned();
        let typed_email = {
            let mut body = restricted_user("b@x.io");
            body["emails"] = json!([{"value": "b@x.io", "type": "work"}]);
            body
        };
        let components_only = {
            let mut body = restricted_user("c@x.io");
            body["name"] = json!({"givenName": "Ada", "familyName": "Lovelace"});
            body
        };
        let with_title = {
            let mut body = restricted_user("a@x.io");
            body["title"] = json!("Countess");
            body
        };

        // Act
        let post_typed = server.post("/Users", typed_email).await;
        let post_components = server.post("/Users", components_only).await;
        let put_title = server.put(&format!("/Users/{id}"), with_title).await;
        let patch_nickname = server
            .patch(
                &format!("/Users/{id}"),
                patch_op(json!([{"op": "replace", "path": "nickName", "value": "Ada"}])),
            )
            .await;
        let patch_email = server
            .patch(
                &format!("/Users/{id}"),
                patch_op(json!([{"op": "add", "path": "emails",
                                 "value": [{"value": "ada@y.io", "primary": true}]}])),
            )
            .await;
        let schema = server
            .get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
            .await;

        // Assert
        let attribute = |name: &str| {
            schema.json["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["name"] == name)
                .cloned()
        };
        let sub_names = |name: &str| -> Vec<String> {
            attribute(name).unwrap()["subAttributes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let formatted_required = attribute("name").unwrap()["subAttributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "formatted")
            .unwrap()["required"]
            .clone();
        if restricted {
            for (reply, named) in [
                (
                    &post_typed,
                    "Extra inputs are not permitted: emails[0].type",
                ),
                (&post_components, "name.formatted"),
                (&put_title, "Extra inputs are not permitted: title"),
                (
                    &patch_email,
                    "Extra inputs are not permitted: emails[0].primary",
                ),
            ] {
                reply.assert_scim_error(400, Some("invalidValue"));
                let detail = reply.json["detail"].as_str().unwrap();
                assert!(detail.contains(named), "{detail}");
            }
            patch_nickname.assert_scim_error(400, Some("invalidPath"));
            assert!(attribute("nickName").is_none() && attribute("title").is_none());
            assert_eq!(attribute("name").unwrap()["required"], true);
            assert_eq!(formatted_required, true);
            assert_eq!(sub_names("name"), ["formatted", "familyName", "givenName"]);
            assert_eq!(sub_names("emails"), ["value"]);
            let kept = server.get(&format!("/Users/{id}")).await;
            assert_eq!(kept.json["emails"], json!([{"value": "a@x.io"}]));
        } else {
            assert_eq!(post_typed.status, 201, "{}", post_typed.text);
            assert_eq!(post_components.status, 201, "{}", post_components.text);
            assert_eq!(put_title.status, 200, "{}", put_title.text);
            assert_eq!(patch_nickname.status, 200, "{}", patch_nickname.text);
            assert_eq!(patch_email.status, 200, "{}", patch_email.text);
            assert_eq!(attribute("name").unwrap()["required"], false);
            assert_eq!(formatted_required, false);
            assert!(sub_names("emails").contains(&"type".to_owned()));
        }
    }
}

#[tokio::test]
async fn reject_unknown_extensions_refuses_urns_the_resource_types_do_not_name() {
    const MICROSOFT: &str =
        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
    for (server, rejects) in [
        (server(Quirk::RejectUnknownExtensions).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange: Entra's user with the enterprise extension, and its group with a Microsoft URN.
        let mut enterprise_user = user("a@x.io");
        enterprise_user["schemas"] =
            json!(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]);
        enterprise_user[ENTERPRISE] = json!({"department": "Sales"});
        let microsoft_group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", MICROSOFT],
            "displayName": "Sales",
        });

        // Act
        let post_user = server.post("/Users", enterprise_user).await;
        let post_group = server.post("/Groups", microsoft_group).await;
        let user_type = server.get("/ResourceTypes/User").await;
        let schemas = server.get("/Schemas").await;
        let enterprise_schema = server.get(&format!("/Schemas/{ENTERPRISE}")).await;

        // Assert
        if rejects {
            for (reply, urn) in [(&post_user, ENTERPRISE), (&post_group, MICROSOFT)] {
                reply.assert_scim_error(400, Some("invalidSyntax"));
                let detail = reply.json["detail"].as_str().unwrap();
                assert!(detail.contains(urn), "{detail}");
            }
            assert_eq!(user_type.json["schemaExtensions"], json!([]));
            assert_eq!(schemas.json["totalResults"], 2);
            enterprise_schema.assert_scim_error(404, None);
        } else {
            assert_eq!(post_user.status, 201, "{}", post_user.text);
            assert_eq!(post_user.json[ENTERPRISE]["department"], "Sales");
            assert_eq!(post_group.status, 201, "{}", post_group.text);
            assert_eq!(user_type.json["schemaExtensions"][0]["schema"], ENTERPRISE);
            assert_eq!(schemas.json["totalResults"], 3);
            assert_eq!(enterprise_schema.status, 200);
        }
    }
}

#[tokio::test]
async fn no_etags_sends_no_versions_and_ignores_preconditions() {
    for (server, none) in [
        (server(Quirk::NoEtags).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        let created = server.post("/Users", user("a@x.io")).await;
        assert_eq!(created.status, 201, "{}", created.text);
        let id = created.json["id"].as_str().unwrap().to_owned();

        // Act
        let read = server.get(&format!("/Users/{id}")).await;
        let list = server.get("/Users").await;
        let config = server.get("/ServiceProviderConfig").await;
        let bulk = server
            .post(
                "/Bulk",
                json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                    "Operations": [{"method": "POST", "path": "/Users", "bulkId": "b",
                                    "data": user("b@x.io")}],
                }),
            )
            .await;
        let not_modified = server
            .send(
                Method::GET,
                &format!("/Users/{id}"),
                None,
                &[("if-none-match", "*")],
            )
            .await;
        let stale = server
            .send(
                Method::PUT,
                &format!("/Users/{id}"),
                Some(user("a@x.io")),
                &[("if-match", "W/\"999\"")],
            )
            .await;

        // Assert
        assert_eq!(created.header("etag").is_none(), none);
        assert_eq!(read.header("etag").is_none(), none);
        assert_eq!(created.json["meta"].get("version").is_none(), none);
        assert_eq!(read.json["meta"].get("version").is_none(), none);
        assert_eq!(
            list.json["Resources"][0]["meta"].get("version").is_none(),
            none
        );
        assert_eq!(bulk.json["Operations"][0].get("version").is_none(), none);
        assert_eq!(config.json["etag"]["supported"], !none);
        if none {
            assert_eq!(not_modified.status, 200);
            assert_eq!(not_modified.json["id"], id.as_str());
            assert_eq!(stale.status, 200, "{}", stale.text);
        } else {
            assert_eq!(not_modified.status, 304);
            stale.assert_scim_error(412, None);
        }
    }
}

#[tokio::test]
async fn no_root_search_answers_501_at_the_root_only() {
    for (server, refuses) in [
        (server(Quirk::NoRootSearch).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        server.create_user("a@x.io").await;
        let request = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "userName eq \"a@x.io\"",
        });

        // Act
        let root = server.post("/.search", request.clone()).await;
        let users = server.post("/Users/.search", request).await;

        // Assert
        assert_eq!(users.status, 200, "{}", users.text);
        assert_eq!(users.json["totalResults"], 1);
        if refuses {
            root.assert_scim_error(501, None);
        } else {
            assert_eq!(root.status, 200, "{}", root.text);
            assert_eq!(root.json["totalResults"], 1);
        }
    }
}

#[tokio::test]
async fn filter_unadvertised_ignored_says_unsupported_and_lists_everyone() {
    for (server, ignores) in [
        (server(Quirk::FilterUnadvertisedIgnored).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        server.create_user("a@x.io").await;
        server.create_user("b@x.io").await;

        // Act
        let config = server.get("/ServiceProviderConfig").await;
        let lookup = server
            .get("/Users?filter=userName%20eq%20%22b@x.io%22")
            .await;
        let search = server
            .post(
                "/Users/.search",
                json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                    "filter": "userName eq \"b@x.io\"",
                }),
            )
            .await;
        let malformed = server.get("/Users?filter=userName%20eq").await;

        // Assert
        assert_eq!(config.json["filter"]["supported"], !ignores);
        let expected = if ignores { 2 } else { 1 };
        assert_eq!(lookup.json["totalResults"], expected, "{}", lookup.text);
        assert_eq!(search.json["totalResults"], expected, "{}", search.text);
        if ignores {
            assert_eq!(malformed.status, 200, "{}", malformed.text);
            assert_eq!(malformed.json["totalResults"], 2);
        } else {
            malformed.assert_scim_error(400, Some("invalidFilter"));
        }
    }
}

#[tokio::test]
async fn errors_as_plain_json_serves_errors_as_application_json() {
    for (server, plain_json) in [
        (server(Quirk::ErrorsAsPlainJson).await, true),
        (TestServer::start().await, false),
    ] {
        // Act
        let missing = server.get("/Users/missing").await;
        let found = server.get("/ServiceProviderConfig").await;

        // Assert: the body keeps its RFC 7644 §3.12 shape; only the media type changes.
        assert_eq!(found.header("content-type"), Some("application/scim+json"));
        if plain_json {
            assert_eq!(missing.status, 404);
            assert_eq!(missing.header("content-type"), Some("application/json"));
            assert_eq!(
                missing.json["schemas"],
                json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
            );
            assert_eq!(missing.json["status"], "404");
            assert!(missing.json["detail"].is_string());
        } else {
            missing.assert_scim_error(404, None);
        }
    }
}

#[tokio::test]
async fn discovery_not_list_response_answers_bare_arrays() {
    let server = server(Quirk::DiscoveryNotListResponse).await;

    // Act
    let resource_types = server.get("/ResourceTypes").await;
    let schemas = server.get("/Schemas").await;

    // Assert: the definitions themselves, with no ListResponse around them.
    assert_eq!(resource_types.status, 200);
    let types = resource_types.json.as_array().expect("a bare array");
    assert_eq!(types[0]["name"], "User");
    let listed = schemas.json.as_array().expect("a bare array");
    assert!(
        listed
            .iter()
            .any(|s| s["id"] == "urn:ietf:params:scim:schemas:core:2.0:User")
    );
}

#[tokio::test]
async fn location_from_username_puts_the_username_in_meta_location() {
    let server = server(Quirk::LocationFromUserName).await;

    // Act
    let created = server.post("/Users", user("a@x.io")).await;
    let id = created.json["id"].as_str().unwrap().to_owned();
    let read = server.get(&format!("/Users/{id}")).await;

    // Assert: the body's URI names the userName; the Location header still names the id.
    let by_name = server.url("/Users/a@x.io");
    assert_eq!(created.json["meta"]["location"], by_name.as_str());
    assert_eq!(read.json["meta"]["location"], by_name.as_str());
    assert_eq!(
        created.header("location"),
        Some(server.url(&format!("/Users/{id}")).as_str())
    );
}

#[tokio::test]
async fn members_value_not_id_lists_members_by_username() {
    let server = server(Quirk::MembersValueNotId).await;
    let ada = server.create_user("a@x.io").await;

    // Act
    let group = server.create_group("Analysts", &[&ada]).await;
    let read = server.get(&format!("/Groups/{group}")).await;

    // Assert
    assert_eq!(read.json["members"][0]["value"], "a@x.io");
    assert_eq!(
        read.json["members"][0]["$ref"],
        server.url(&format!("/Users/{ada}")).as_str()
    );
}

#[tokio::test]
async fn patch_add_duplicates_member_lists_it_twice_and_the_group_cannot_be_deleted() {
    let server = server(Quirk::PatchAddDuplicatesMember).await;
    let ada = server.create_user("a@x.io").await;
    let group = server.create_group("Analysts", &[&ada]).await;

    // Act
    let patched = server
        .patch(
            &format!("/Groups/{group}"),
            patch_op(json!([{"op": "add", "path": "members", "value": [{"value": ada}]}])),
        )
        .await;
    let deleted = server.delete(&format!("/Groups/{group}")).await;

    // Assert
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["members"].as_array().unwrap().len(), 2);
    deleted.assert_scim_error(500, None);
    assert_eq!(server.get(&format!("/Groups/{group}")).await.status, 200);
}

#[tokio::test]
async fn required_extension_missing_advertises_a_required_extension_users_lack() {
    let server = server(Quirk::RequiredExtensionMissing).await;

    // Act
    let listed = server.get("/ResourceTypes").await;
    let user_type = server.get("/ResourceTypes/User").await;
    let created = server
        .post(
            "/Users",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a@x.io"}),
        )
        .await;

    // Assert
    assert_eq!(user_type.json["schemaExtensions"][0]["schema"], ENTERPRISE);
    assert_eq!(user_type.json["schemaExtensions"][0]["required"], true);
    assert_eq!(
        listed.json["Resources"][0]["schemaExtensions"][0]["required"],
        true
    );
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        created.json["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User"])
    );
    assert!(created.json.get(ENTERPRISE).is_none());
}

#[tokio::test]
async fn html_405_and_404_answers_html_pages() {
    let server = server(Quirk::Html405And404).await;

    // Act
    let unknown = server.get("/NoSuchEndpoint").await;
    let not_allowed = server
        .put("/ServiceProviderConfig", json!({"schemas": []}))
        .await;
    let unknown_user = server.get("/Users/missing").await;

    // Assert: what no SCIM handler reaches is HTML; the handlers' own errors stay SCIM.
    for (reply, status) in [(&unknown, 404), (&not_allowed, 405)] {
        assert_eq!(reply.status, status);
        assert!(
            reply
                .header("content-type")
                .unwrap()
                .starts_with("text/html"),
            "{:?}",
            reply.headers
        );
        assert!(reply.text.starts_with("<!DOCTYPE html>"), "{}", reply.text);
        assert!(reply.json.is_null());
    }
    unknown_user.assert_scim_error(404, None);
}

#[tokio::test]
async fn body_on_204_sends_a_content_type_and_length_on_delete() {
    for (server, quirked) in [
        (server(Quirk::BodyOn204).await, true),
        (TestServer::start().await, false),
    ] {
        let ada = server.create_user("a@x.io").await;

        // Act
        let deleted = server.delete(&format!("/Users/{ada}")).await;

        // Assert: HTTP drops the body of a 204; the headers describing it go out.
        assert_eq!(deleted.status, 204);
        assert!(deleted.text.is_empty());
        if quirked {
            assert_eq!(
                deleted.header("content-type"),
                Some("application/scim+json")
            );
            assert_eq!(deleted.header("content-length"), Some("2"));
        } else {
            assert!(deleted.header("content-type").is_none());
            assert!(deleted.header("content-length").is_none());
        }
    }
}

#[tokio::test]
async fn basic_challenge_tells_a_refused_client_the_wrong_scheme() {
    for (server, basic) in [
        (server(Quirk::BasicChallenge).await, true),
        (TestServer::start().await, false),
    ] {
        // Act
        let response = reqwest::Client::new()
            .get(server.url("/Users"))
            .bearer_auth("not-the-token")
            .send()
            .await
            .expect("the request reaches the server");
        let refused = TestServer::reply(response).await;

        // Assert: still a 401 with a SCIM error; only the challenge differs.
        refused.assert_scim_error(401, None);
        let challenge = refused.header("www-authenticate").unwrap_or_default();
        assert_eq!(challenge.starts_with("Basic "), basic, "{challenge}");
        assert_eq!(challenge.starts_with("Bearer "), !basic, "{challenge}");
    }
}

#[tokio::test]
async fn refuses_published_roles_refuses_what_its_schema_publishes() {
    for (server, refuses) in [
        (server(Quirk::RefusesPublishedRoles).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        let id = server.create_user("roles@example.com").await;
        let schema = server
            .get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
            .await;

        // Act
        let patched = server
            .patch(
                &format!("/Users/{id}"),
                patch_op(
                    json!([{"op": "replace", "path": "roles", "value": [{"value": "admin"}]}]),
                ),
            )
            .await;

        // Assert: published either way; refused only under the quirk.
        let published = schema.json["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "roles" && a["mutability"] == "readWrite");
        assert!(published, "{}", schema.text);
        if refuses {
            patched.assert_scim_error(400, Some("invalidValue"));
        } else {
            assert_eq!(patched.status, 200, "{}", patched.text);
        }
    }
}

#[tokio::test]
async fn extension_patch_crashes_fails_a_pathless_patch_of_the_whole_extension() {
    for (server, crashes) in [
        (server(Quirk::ExtensionPatchCrashes).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        let id = server.create_user("extension@example.com").await;
        let whole = json!([{"op": "replace", "value": {
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}
        }}]);
        let by_path = json!([{"op": "replace",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "value": "R&D"}]);

        // Act
        let patched_whole = server.patch(&format!("/Users/{id}"), patch_op(whole)).await;
        let patched_by_path = server
            .patch(&format!("/Users/{id}"), patch_op(by_path))
            .await;

        // Assert: only the extension as one value fails.
        assert_eq!(patched_by_path.status, 200, "{}", patched_by_path.text);
        if crashes {
            patched_whole.assert_scim_error(500, None);
        } else {
            assert_eq!(patched_whole.status, 200, "{}", patched_whole.text);
        }
    }
}

#[tokio::test]
async fn typed_empty_body_refused_refuses_a_delete_that_announces_a_body() {
    for (server, refuses) in [
        (server(Quirk::TypedEmptyBodyRefused).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        let id = server.create_user("typed@example.com").await;

        // Act: Okta's DELETE, Content-Type and no body.
        let deleted = server
            .send(
                Method::DELETE,
                &format!("/Users/{id}"),
                None,
                &[("content-type", "application/scim+json; charset=utf-8")],
            )
            .await;

        // Assert
        if refuses {
            deleted.assert_scim_error(400, Some("invalidSyntax"));
        } else {
            assert_eq!(deleted.status, 204, "{}", deleted.text);
        }
    }
}

#[tokio::test]
async fn missing_accept_as_html_refuses_a_request_without_accept() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for (server, refuses) in [
        (server(Quirk::MissingAcceptAsHtml).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange: Entra's lookup head, which has no Accept (the client below always adds one).
        let url = server.url("/Users?filter=userName+eq+%22nobody%22");
        let rest = url.strip_prefix("http://").unwrap();
        let (authority, target) = rest.split_at(rest.find('/').unwrap());
        let head = format!(
            "GET {target} HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {}\r\nADSCIMVersion: 6.0\r\nConnection: close\r\n\r\n",
            crate::support::TOKEN
        );

        // Act
        let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        let with_accept = server.get("/Users?filter=userName+eq+%22nobody%22").await;

        // Assert
        if refuses {
            assert!(answer.starts_with("HTTP/1.1 406 "), "{answer}");
            assert!(
                answer
                    .to_ascii_lowercase()
                    .contains("content-type: text/html"),
                "{answer}"
            );
        } else {
            assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
        }
        assert_eq!(with_accept.status, 200, "{}", with_accept.text);
    }
}

#[tokio::test]
async fn empty_replace_refused_refuses_push_now_of_an_empty_group() {
    for (server, refuses) in [
        (server(Quirk::EmptyReplaceRefused).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        let ada = server.create_user("empty-replace@example.com").await;
        let group = server.create_group("Emptied", &[&ada]).await;

        // Act: Okta's Push Now of a group with no members left.
        let replaced = server
            .patch(
                &format!("/Groups/{group}"),
                json!({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"members","value":[]}]}),
            )
            .await;
        let after = server.get(&format!("/Groups/{group}")).await;

        // Assert
        if refuses {
            replaced.assert_scim_error(400, Some("invalidValue"));
            assert_eq!(after.json["members"][0]["value"], ada.as_str());
        } else {
            assert!([200, 204].contains(&replaced.status), "{}", replaced.text);
            assert!(
                after
                    .json
                    .get("members")
                    .is_none_or(|m| m.as_array().is_none_or(Vec::is_empty)),
                "{}",
                after.text
            );
        }
    }
}

#[tokio::test]
async fn filtered_path_patch_crashes_on_a_value_filter_with_a_sub_attribute() {
    for (server, crashes) in [
        (server(Quirk::FilteredPathPatchCrashes).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        let id = server.create_user("filtered@example.com").await;
        let filtered = json!([{"op": "Add",
            "path": "addresses[type eq \"work\"].streetAddress",
            "value": "1 Main St"}]);
        let plain = json!([{"op": "Replace", "path": "title", "value": "Engineer"}]);

        // Act
        let patched_filtered = server
            .patch(&format!("/Users/{id}"), patch_op(filtered))
            .await;
        let patched_plain = server.patch(&format!("/Users/{id}"), patch_op(plain)).await;

        // Assert: the plain path goes through either way; the filtered one creates the work
        // address on a clean server and crashes under the quirk.
        assert_eq!(patched_plain.status, 200, "{}", patched_plain.text);
        if crashes {
            patched_filtered.assert_scim_error(500, None);
        } else {
            assert_eq!(patched_filtered.status, 200, "{}", patched_filtered.text);
            let user: serde_json::Value = serde_json::from_str(&patched_filtered.text).unwrap();
            assert_eq!(
                user["addresses"],
                json!([{"type": "work", "streetAddress": "1 Main St"}])
            );
        }
    }
}

#[tokio::test]
async fn slow_group_list_delays_a_plain_group_listing_only() {
    for (server, slow) in [
        (server(Quirk::SlowGroupList).await, true),
        (TestServer::start().await, false),
    ] {
        // Arrange
        let filtered_path = "/Groups?filter=displayName%20eq%20%22nobody%22";

        // Act
        let started = std::time::Instant::now();
        let listed = server.get("/Groups").await;
        let listing = started.elapsed();
        let started = std::time::Instant::now();
        let filtered = server.get(filtered_path).await;
        let filtering = started.elapsed();

        // Assert: only the plain listing waits; both still answer 200.
        assert_eq!(listed.status, 200, "{}", listed.text);
        assert_eq!(filtered.status, 200, "{}", filtered.text);
        assert_eq!(
            listing >= std::time::Duration::from_millis(700),
            slow,
            "{listing:?}"
        );
        assert!(
            filtering < std::time::Duration::from_millis(700),
            "{filtering:?}"
        );
    }
}
