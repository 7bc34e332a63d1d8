//! Listing: filter, paging, sorting, projection and `.search` (RFC 7644 §3.4.2, §3.4.3).

use serde_json::{Value, json};

use crate::support::TestServer;

async fn with_users(names: &[&str]) -> TestServer {
    let server = TestServer::start().await;
    for name in names {
        server.create_user(name).await;
    }
    server
}

fn user_names(reply: &crate::support::Reply) -> Vec<String> {
    reply.json["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[tokio::test]
async fn filter_finds_a_user_by_user_name_case_insensitively_with_plus_encoding() {
    // Arrange
    let server = with_users(&["ada@example.com", "bob@example.com"]).await;

    // Act: Okta and Entra encode spaces as `+` or `%20` (docs/idps/okta.md §4 item 10).
    let plus = server
        .get("/Users?filter=userName+eq+%22ADA%40example.com%22")
        .await;
    let percent = server
        .get("/Users?filter=userName%20eq%20%22ada@example.com%22")
        .await;

    // Assert
    for reply in [&plus, &percent] {
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(
            reply.json["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
        );
        assert_eq!(reply.json["totalResults"], 1);
        assert_eq!(user_names(reply), ["ada@example.com"]);
    }
}

#[tokio::test]
async fn a_filter_that_matches_nothing_is_an_empty_list_not_404() {
    let server = with_users(&["ada@example.com"]).await;
    let reply = server
        .get("/Users?filter=userName%20eq%20%22nobody%22")
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json["totalResults"], 0);
    assert_eq!(reply.json["itemsPerPage"], 0);
    assert_eq!(reply.json["Resources"], json!([]));
}

#[tokio::test]
async fn paging_reports_items_returned_and_honours_start_index() {
    // Arrange
    let server = with_users(&["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"]).await;

    // Act
    let page = server.get("/Users?startIndex=2&count=2").await;
    let tail = server.get("/Users?startIndex=5&count=10").await;
    let beyond = server.get("/Users?startIndex=9&count=10").await;
    let zero = server.get("/Users?count=0").await;
    let low = server.get("/Users?startIndex=0&count=1").await;

    // Assert
    assert_eq!(user_names(&page), ["b@x.io", "c@x.io"]);
    assert_eq!(page.json["startIndex"], 2);
    assert_eq!(page.json["itemsPerPage"], 2);
    assert_eq!(page.json["totalResults"], 5);
    assert_eq!(user_names(&tail), ["e@x.io"]);
    assert_eq!(tail.json["itemsPerPage"], 1);
    assert_eq!(beyond.json["itemsPerPage"], 0);
    assert_eq!(zero.json["totalResults"], 5);
    assert_eq!(zero.json["itemsPerPage"], 0);
    assert_eq!(user_names(&low), ["a@x.io"]);
    assert_eq!(low.json["startIndex"], 1);
}

#[tokio::test]
async fn sorting_and_projection() {
    let server = with_users(&["b@x.io", "C@x.io", "a@x.io"]).await;

    let ascending = server.get("/Users?sortBy=userName").await;
    let descending = server
        .get("/Users?sortBy=userName&sortOrder=descending&attributes=userName")
        .await;
    let excluded = server
        .get("/Users?excludedAttributes=name,emails&count=1")
        .await;

    assert_eq!(user_names(&ascending), ["a@x.io", "b@x.io", "C@x.io"]);
    assert_eq!(user_names(&descending), ["C@x.io", "b@x.io", "a@x.io"]);
    let first = &descending.json["Resources"][0];
    assert!(
        first.get("id").is_some() && first.get("name").is_none() && first.get("meta").is_none()
    );
    let first = &excluded.json["Resources"][0];
    assert!(
        first.get("name").is_none()
            && first.get("emails").is_none()
            && first.get("userName").is_some()
    );
}

#[tokio::test]
async fn complex_filters_evaluate_over_every_user() {
    let server = with_users(&["ada@example.com", "bob@other.org", "cy@example.com"]).await;

    let reply = server
        .get("/Users?filter=emails%5Btype%20eq%20%22work%22%20and%20value%20co%20%22example%22%5D%20and%20not%20(userName%20sw%20%22cy%22)")
        .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(user_names(&reply), ["ada@example.com"]);
}

#[tokio::test]
async fn search_endpoints_take_a_search_request() {
    // Arrange
    let server = with_users(&["ada@example.com", "bob@example.com"]).await;
    server.create_group("Admins", &[]).await;
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName sw \"b\"",
        "attributes": ["userName"],
    });

    // Act
    let users = server.post("/Users/.search", body).await;
    let everywhere = server
        .post(
            "/.search",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "displayName eq \"Admins\""}),
        )
        .await;

    // Assert
    assert_eq!(users.status, 200, "{}", users.text);
    assert_eq!(user_names(&users), ["bob@example.com"]);
    assert!(users.json["Resources"][0].get("emails").is_none());
    assert_eq!(everywhere.status, 200, "{}", everywhere.text);
    assert_eq!(everywhere.json["totalResults"], 1);
    assert_eq!(
        everywhere.json["Resources"][0]["meta"]["resourceType"],
        "Group"
    );
}

#[tokio::test]
async fn groups_can_be_looked_up_by_display_name_and_member() {
    let server = TestServer::start().await;
    let ada = server.create_user("ada@example.com").await;
    let group = server.create_group("Engineering", &[&ada]).await;
    server.create_group("Sales", &[]).await;

    let by_name = server
        .get("/Groups?filter=displayName%20eq%20%22engineering%22&excludedAttributes=members")
        .await;
    let by_member = server
        .get(&format!("/Groups?filter=members.value%20eq%20%22{ada}%22"))
        .await;

    assert_eq!(by_name.json["totalResults"], 1);
    assert_eq!(by_name.json["Resources"][0]["id"], group.as_str());
    assert!(by_name.json["Resources"][0].get("members").is_none());
    assert_eq!(by_member.json["totalResults"], 1);
    let ids: Vec<Value> = by_member.json["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(group)]);
}
