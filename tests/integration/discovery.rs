//! Discovery (RFC 7644 §4): the configuration, resource types and schemas tell the truth.

use serde_json::json;

use crate::support::TestServer;

#[tokio::test]
async fn service_provider_config_states_what_the_server_supports() {
    let server = TestServer::start().await;

    let reply = server.get("/ServiceProviderConfig").await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/scim+json"));
    assert_eq!(reply.json["patch"]["supported"], true);
    assert_eq!(reply.json["filter"]["supported"], true);
    assert_eq!(reply.json["filter"]["maxResults"], 1000);
    assert_eq!(reply.json["sort"]["supported"], true);
    assert_eq!(reply.json["etag"]["supported"], true);
    assert_eq!(reply.json["bulk"]["supported"], true);
    assert_eq!(reply.json["bulk"]["maxOperations"], 1000);
    assert_eq!(reply.json["bulk"]["maxPayloadSize"], 1024 * 1024);
    assert_eq!(reply.json["changePassword"]["supported"], false);
    assert_eq!(
        reply.json["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );
}

#[tokio::test]
async fn resource_types_and_schemas_list_and_resolve_by_id() {
    let server = TestServer::start().await;

    let types = server.get("/ResourceTypes").await;
    let user_type = server.get("/ResourceTypes/User").await;
    let schemas = server.get("/Schemas").await;
    let enterprise = server
        .get("/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        .await;
    let missing = server.get("/Schemas/urn:example:nothing").await;

    assert_eq!(types.json["totalResults"], 2);
    assert_eq!(user_type.json["endpoint"], "/Users");
    assert_eq!(
        user_type.json["schemaExtensions"],
        json!([{"schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "required": false}])
    );
    assert_eq!(schemas.json["totalResults"], 3);
    assert_eq!(enterprise.json["name"], "EnterpriseUser");
    missing.assert_scim_error(404, None);
}

#[tokio::test]
async fn a_filter_on_a_discovery_endpoint_is_403() {
    let server = TestServer::start().await;
    server
        .get("/Schemas?filter=id%20pr")
        .await
        .assert_scim_error(403, None);
}

#[tokio::test]
async fn me_answers_501_not_implemented_with_a_scim_error() {
    // Arrange
    let server = crate::support::TestServer::start().await;

    // Act
    let reply = server.get("/Me").await;

    // Assert
    assert_eq!(reply.status, 501, "{}", reply.text);
    assert_eq!(reply.json["status"], "501");
    assert_eq!(
        reply.json["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
}
