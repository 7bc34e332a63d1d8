//! `POST /Bulk` (RFC 7644 §3.7): many writes in one request.
//!
//! A `BulkRequest` (`urn:ietf:params:scim:api:messages:2.0:BulkRequest`) lists `Operations`,
//! each with a `method` (`POST`, `PUT`, `PATCH`, `DELETE`), a `path` (`/Users`, `/Groups/{id}`),
//! a `bulkId` (required for `POST`), an optional `version` (sent as `If-Match`) and `data` (the
//! body the single-resource request would carry). They are run one after the other, in the
//! order given, through the same functions as `/Users` and `/Groups` (no HTTP round trip), each
//! its own write: there is no rollback, as §3.7 allows.
//!
//! Every `bulkId:<id>` in a later operation's `path` or `data` (anywhere in a string, at any
//! depth) is replaced by the id the `POST` with that `bulkId` created (§3.7.2). A reference to
//! a `bulkId` no earlier operation created (unknown, failed, or only later in the request) fails
//! that operation with `409` and scimType `invalidValue`: §3.7.1 names 409 (Conflict) for
//! cross-references the service provider could not resolve, and `invalidValue` is the scimType
//! closest to "this value names nothing".
//!
//! The answer is `200` with a `BulkResponse`: per operation `method`, `bulkId` if given,
//! `location` and `version` on success, `status` as a string, and on failure `response`, the
//! operation's SCIM error body. `failOnErrors: N` stops after the N-th failed operation
//! (§3.7.3); the operations not run are not listed. A request with more than
//! [`MAX_OPERATIONS`] operations, or a body over `bulk.maxPayloadSize` (the server's body
//! limit), is `413` with a SCIM error (§3.7.4).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

use super::body::json_body;
use super::resources::{
    Written, create_resource, delete_resource, patch_resource, replace_resource,
};
use super::respond::{ApiError, ApiResult, scim_json};
use super::store::Kind;
use super::{AppState, Quirk};
use crate::scim::{ScimError, ScimType};

pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// The most operations one request may hold (`bulk.maxOperations`).
pub const MAX_OPERATIONS: usize = 1000;

/// A member of a JSON object, its name compared case-insensitively (RFC 7643 §2.1).
fn field<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    object
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// One operation of a BulkRequest, as read.
struct Operation {
    method: String,
    bulk_id: Option<String>,
    path: Option<String>,
    version: Option<String>,
    data: Option<Value>,
}

impl Operation {
    fn read(value: &Value) -> Result<Self, (String, Option<String>, ScimError)> {
        let Some(object) = value.as_object() else {
            return Err((
                String::new(),
                None,
                ScimError::invalid_syntax("every operation must be a JSON object"),
            ));
        };
        let text = |name: &str| {
            field(object, name)
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let method = text("method").unwrap_or_default().to_ascii_uppercase();
        let bulk_id = text("bulkId");
        if !["POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
            return Err((
                method,
                bulk_id,
                ScimError::invalid_syntax("`method` must be POST, PUT, PATCH or DELETE"),
            ));
        }
        Ok(Operation {
            method,
            bulk_id,
            path: text("path"),
            version: text("version"),
            data: field(object, "data").cloned(),
        })
    }
}

/// Replaces every `bulkId:<id>` in `text` by the id created for `<id>`; the first reference
/// with no such id is the error.
fn resolve_text(text: &str, created: &HashMap<String, String>) -> Result<String, ScimError> {
    const PREFIX: &str = "bulkId:";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PREFIX) {
        out.push_str(&rest[..at]);
        let after = &rest[at + PREFIX.len()..];
        let end = after
            .find(|c: char| c == '/' || c == '"' || c == '?' || c.is_whitespace())
            .unwrap_or(after.len());
        let reference = &after[..end];
        let Some(id) = created.get(reference) else {
            return Err(ScimError::new(
                409,
                Some(ScimType::InvalidValue),
                format!("`bulkId:{reference}` names no resource created earlier in this request"),
            ));
        };
        out.push_str(id);
        rest = &after[end..];
    }
    out.push_str(rest);
    Ok(out)
}

/// [`resolve_text`] over every string of a JSON value.
fn resolve_value(value: &mut Value, created: &HashMap<String, String>) -> Result<(), ScimError> {
    match value {
        Value::String(text) if text.contains("bulkId:") => {
            *text = resolve_text(text, created)?;
        }
        Value::Array(items) => {
            for item in items {
                resolve_value(item, created)?;
            }
        }
        Value::Object(fields) => {
            for item in fields.values_mut() {
                resolve_value(item, created)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `/Users`, `/Groups/{id}`, … into the resource type and the id, if any.
fn parse_path(path: &str) -> Result<(Kind, Option<String>), ScimError> {
    let trimmed = path.trim().trim_start_matches('/');
    let (endpoint, id) = match trimmed.split_once('/') {
        Some((endpoint, id)) => (endpoint, Some(id)),
        None => (trimmed, None),
    };
    let kind = if endpoint.eq_ignore_ascii_case("Users") {
        Kind::User
    } else if endpoint.eq_ignore_ascii_case("Groups") {
        Kind::Group
    } else {
        return Err(ScimError::not_found(format!("no endpoint `{path}`")));
    };
    match id {
        Some(id) if id.is_empty() || id.contains('/') => {
            Err(ScimError::not_found(format!("no endpoint `{path}`")))
        }
        Some(id) => Ok((kind, Some(id.to_owned()))),
        None => Ok((kind, None)),
    }
}

/// What one operation did: its status and, on success, what was written.
enum Done {
    Written(u16, Written),
    /// The deleted resource's location.
    Deleted(String),
}

fn run(
    app: &AppState,
    operation: &Operation,
    created: &HashMap<String, String>,
) -> Result<Done, ScimError> {
    let resolve = !app.quirks.has(Quirk::BulkIgnoresBulkId);
    let path = operation
        .path
        .as_deref()
        .ok_or_else(|| ScimError::invalid_syntax("every operation needs a `path`"))?;
    let path = if resolve {
        resolve_text(path, created)?
    } else {
        path.to_owned()
    };
    let mut data = operation.data.clone();
    if resolve && let Some(data) = &mut data {
        resolve_value(data, created)?;
    }
    let (kind, id) = parse_path(&path)?;
    let mut headers = HeaderMap::new();
    if let Some(version) = operation
        .version
        .as_deref()
        .and_then(|v| HeaderValue::from_str(v).ok())
    {
        headers.insert(header::IF_MATCH, version);
    }
    let need_data = || {
        data.as_ref().ok_or_else(|| {
            ScimError::invalid_syntax(format!("a bulk {} needs `data`", operation.method))
        })
    };
    let need_id = || {
        id.as_deref().ok_or_else(|| {
            ScimError::invalid_path(format!(
                "a bulk {} needs a path with a resource id",
                operation.method
            ))
        })
    };
    let outcome = match operation.method.as_str() {
        "POST" => {
            if id.is_some() {
                return Err(ScimError::invalid_path(
                    "a bulk POST's path is a resource type endpoint such as `/Users`",
                ));
            }
            if operation.bulk_id.is_none() {
                return Err(ScimError::invalid_syntax("a bulk POST needs a `bulkId`"));
            }
            create_resource(app, kind, need_data()?).map(|w| Done::Written(201, w))
        }
        "PUT" => replace_resource(app, kind, need_id()?, &headers, need_data()?)
            .map(|w| Done::Written(200, w)),
        "PATCH" => patch_resource(app, kind, need_id()?, &headers, need_data()?)
            .map(|w| Done::Written(200, w)),
        _ => {
            let id = need_id()?;
            delete_resource(app, kind, id, &headers)
                .map(|()| Done::Deleted(format!("{}/{}/{id}", app.base_url, kind.endpoint())))
        }
    };
    outcome.map_err(|ApiError(error)| error)
}

fn too_large(detail: String) -> ApiError {
    ScimError::new(413, None, detail).into()
}

pub async fn bulk(State(app): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> ApiResult {
    let raw = json_body(&headers, body).await.map_err(|error| {
        if error.status == 413 {
            too_large(format!(
                "the bulk request exceeds maxPayloadSize ({} bytes)",
                super::MAX_BODY_BYTES
            ))
        } else {
            error.into()
        }
    })?;
    let Some(request) = raw.as_object() else {
        return Err(ScimError::invalid_syntax("a BulkRequest is a JSON object").into());
    };
    let names_schema = field(request, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| {
            schemas.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(BULK_REQUEST))
            })
        });
    if !names_schema {
        return Err(
            ScimError::invalid_syntax(format!("`schemas` must hold `{BULK_REQUEST}`")).into(),
        );
    }
    let Some(operations) = field(request, "Operations").and_then(Value::as_array) else {
        return Err(ScimError::invalid_syntax("a BulkRequest needs an `Operations` array").into());
    };
    if operations.len() > MAX_OPERATIONS {
        return Err(too_large(format!(
            "the bulk request has {} operations; maxOperations is {MAX_OPERATIONS}",
            operations.len()
        )));
    }
    let fail_on_errors = match field(request, "failOnErrors") {
        None | Some(Value::Null) => None,
        Some(value) => match value.as_u64() {
            Some(n) if n >= 1 => Some(n),
            _ => {
                return Err(ScimError::invalid_syntax(
                    "`failOnErrors` must be an integer of at least 1",
                )
                .into());
            }
        },
    };

    let mut created: HashMap<String, String> = HashMap::new();
    let mut results = Vec::with_capacity(operations.len());
    let mut errors = 0u64;
    for value in operations {
        let (method, bulk_id, outcome) = match Operation::read(value) {
            Ok(operation) => {
                let outcome = run(&app, &operation, &created);
                (operation.method, operation.bulk_id, outcome)
            }
            Err((method, bulk_id, error)) => (method, bulk_id, Err(error)),
        };
        let mut result = json!({"method": method});
        if let Some(bulk_id) = &bulk_id {
            result["bulkId"] = Value::String(bulk_id.clone());
        }
        match outcome {
            Ok(Done::Written(status, written)) => {
                if method == "POST"
                    && let (Some(bulk_id), Some(id)) = (&bulk_id, written.rendered["id"].as_str())
                {
                    created.insert(bulk_id.clone(), id.to_owned());
                }
                result["location"] = Value::String(written.location);
                result["version"] = Value::String(written.etag);
                result["status"] = Value::String(status.to_string());
            }
            Ok(Done::Deleted(location)) => {
                result["location"] = Value::String(location);
                result["status"] = Value::String("204".to_owned());
            }
            Err(error) => {
                errors += 1;
                result["status"] = Value::String(error.status.to_string());
                result["response"] = error.to_json();
            }
        }
        results.push(result);
        if fail_on_errors.is_some_and(|limit| errors >= limit) {
            break;
        }
    }
    Ok(scim_json(
        StatusCode::OK,
        &json!({"schemas": [BULK_RESPONSE], "Operations": results}),
    ))
}
