//! Discovery endpoints (RFC 7644 §4): `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.
//!
//! They are rendered from the same definitions and constants the handlers run on, so the
//! configuration tells the truth: PATCH, filter (with its real page limit), sort and ETags are
//! supported, and bulk up to [`MAX_OPERATIONS`](super::bulk::MAX_OPERATIONS) operations in a
//! body of the server's size limit; password change is not. Quirks that take a feature away
//! (`no-etags`, `filter-unadvertised-ignored`) or narrow a schema (`restricted-schema`,
//! `reject-unknown-extensions`) are told here too. Two quirks make discovery untrue instead:
//! `discovery-not-list-response` (bare arrays for the lists) and `required-extension-missing`
//! (an extension advertised as required that users do not carry).

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::bulk::MAX_OPERATIONS;
use super::respond::{ApiError, ApiResult, scim_json};
use super::schemas::{resource_types, schemas};
use super::{AppState, MAX_BODY_BYTES, MAX_RESULTS, Quirk, Quirks};
use crate::scim::ScimError;
use crate::scim::list::list_response;
use crate::scim::schema::ResourceType;

pub fn service_provider_config(base_url: &str, quirks: &Quirks) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/scimulate/scimulate",
        "patch": {"supported": true},
        "bulk": {
            "supported": true,
            "maxOperations": MAX_OPERATIONS,
            "maxPayloadSize": MAX_BODY_BYTES,
        },
        "filter": {
            "supported": !quirks.has(Quirk::FilterUnadvertisedIgnored),
            "maxResults": MAX_RESULTS,
        },
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": !quirks.has(Quirk::NoEtags)},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a bearer token (RFC 6750)",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{base_url}/ServiceProviderConfig"),
        },
    })
}

/// RFC 7644 §4: a `filter` on a discovery endpoint SHOULD get 403.
fn refuse_filter(query: &Option<String>) -> Result<(), ApiError> {
    let has_filter = query.as_deref().is_some_and(|q| {
        form_urlencoded::parse(q.as_bytes()).any(|(name, _)| name.eq_ignore_ascii_case("filter"))
    });
    if has_filter {
        return Err(
            ScimError::new(403, None, "discovery endpoints do not support filtering").into(),
        );
    }
    Ok(())
}

pub async fn get_service_provider_config(State(state): State<Arc<AppState>>) -> ApiResult {
    Ok(scim_json(
        StatusCode::OK,
        &service_provider_config(&state.base_url, &state.quirks),
    ))
}

pub async fn list_resource_types(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    refuse_filter(&query)?;
    let all: Vec<Value> = resource_types(&state.quirks)
        .iter()
        .map(|rt| resource_type_json(rt, &state.base_url, &state.quirks))
        .collect();
    Ok(scim_json(
        StatusCode::OK,
        &discovery_list(all, &state.quirks),
    ))
}

/// A discovery list: a ListResponse, or under `discovery-not-list-response` the bare array.
fn discovery_list(all: Vec<Value>, quirks: &Quirks) -> Value {
    if quirks.has(Quirk::DiscoveryNotListResponse) {
        return Value::Array(all);
    }
    list_response(all.len(), 1, all)
}

/// A resource type as served; under `required-extension-missing` the User type marks its
/// extensions required, which the handlers do not enforce.
fn resource_type_json(rt: &ResourceType, base_url: &str, quirks: &Quirks) -> Value {
    let mut json = rt.to_json(base_url);
    if quirks.has(Quirk::RequiredExtensionMissing)
        && rt.name == "User"
        && let Some(Value::Array(extensions)) = json.get_mut("schemaExtensions")
    {
        for extension in extensions {
            extension["required"] = Value::Bool(true);
        }
    }
    json
}

pub async fn get_resource_type(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult {
    let found = resource_types(&state.quirks)
        .into_iter()
        .find(|rt| rt.name.eq_ignore_ascii_case(&id));
    match found {
        Some(rt) => Ok(scim_json(
            StatusCode::OK,
            &resource_type_json(rt, &state.base_url, &state.quirks),
        )),
        None => Err(ScimError::not_found(format!("no resource type `{id}`")).into()),
    }
}

pub async fn list_schemas(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    refuse_filter(&query)?;
    let all: Vec<Value> = schemas(&state.quirks)
        .iter()
        .map(|s| s.to_json(&state.base_url))
        .collect();
    Ok(scim_json(
        StatusCode::OK,
        &discovery_list(all, &state.quirks),
    ))
}

pub async fn get_schema(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> ApiResult {
    let found = schemas(&state.quirks)
        .into_iter()
        .find(|s| s.id.eq_ignore_ascii_case(&id));
    match found {
        Some(schema) => Ok(scim_json(StatusCode::OK, &schema.to_json(&state.base_url))),
        None => Err(ScimError::not_found(format!("no schema `{id}`")).into()),
    }
}
