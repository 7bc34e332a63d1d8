//! `/Users` and `/Groups`: create, read, replace, patch, delete, list and search
//! (RFC 7644 §3.3 – §3.6), over the [`Store`](super::store::Store).
//!
//! Every write decides under the store's write lock (uniqueness, `If-Match`, member existence),
//! so two concurrent creates of one `userName` cannot both succeed. Quirks that change what the
//! server *decides* (as opposed to how a response looks, see [`respond`](super::respond)) are
//! applied here, each at the one place the correct behaviour is decided.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::render::{render, render_json};
use super::respond::{ApiError, ApiResult, scim_json, scim_json_bytes};
use super::store::{Change, Index, Kind, Resource, State};
use super::{AppState, MAX_RESULTS, Quirk, body::json_body, schemas};
use crate::scim::attributes::Projection;
use crate::scim::filter::Filter;
use crate::scim::list::{ListParams, ListQuery, list_response};
use crate::scim::patch::{PatchOpKind, PatchPath, PatchRequest};
use crate::scim::resource::{NormalizeOptions, normalize};
use crate::scim::schema::ENTERPRISE_USER_SCHEMA;
use crate::scim::schema::{GROUP_TYPE, ResourceType, USER_TYPE};
use crate::scim::{ScimError, ScimType};

/// The resource type `kind` is served as: RFC 7643's, or a narrower one under
/// `restricted-schema` and `reject-unknown-extensions` (see [`schemas`]).
pub fn resource_type(app: &AppState, kind: Kind) -> &'static ResourceType {
    schemas::resource_type(&app.quirks, kind)
}

fn query_pairs(query: &Option<String>) -> Vec<(String, String)> {
    query
        .as_deref()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// `attributes` / `excludedAttributes` from the query string.
fn projection(app: &AppState, kind: Kind, query: &Option<String>) -> Result<Projection, ApiError> {
    let mut params = ListParams::from_pairs(
        query_pairs(query)
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    members_not_excluded(app, kind, &mut params);
    Ok(Projection::parse(
        params.attributes.as_deref(),
        params.excluded_attributes.as_deref(),
    )?)
}

/// Under `members-not-excluded`, `members` (and its sub-attributes, in any spelling) is taken
/// out of a Group request's `excludedAttributes`, so it is returned anyway.
fn members_not_excluded(app: &AppState, kind: Kind, params: &mut ListParams) {
    if kind != Kind::Group || !app.quirks.has(Quirk::MembersNotExcluded) {
        return;
    }
    let Some(excluded) = &params.excluded_attributes else {
        return;
    };
    let urn = GROUP_TYPE.schema.id;
    let names_members = |item: &str| {
        let item = item.trim();
        let name = match item.get(..urn.len()) {
            Some(head) if head.eq_ignore_ascii_case(urn) && item[urn.len()..].starts_with(':') => {
                &item[urn.len() + 1..]
            }
            _ => item,
        };
        let attribute = name.split('.').next().unwrap_or(name);
        attribute.eq_ignore_ascii_case("members")
    };
    let kept: Vec<&str> = excluded
        .split(',')
        .filter(|item| !names_members(item))
        .collect();
    params.excluded_attributes = Some(kept.join(","));
}

/// Under `filter-unadvertised-ignored` the server has no filtering: `filter` is dropped
/// unread, so even a malformed one lists everything.
fn filter_unsupported(app: &AppState, params: &mut ListParams) {
    if app.quirks.has(Quirk::FilterUnadvertisedIgnored) {
        params.filter = None;
    }
}

fn not_found(kind: Kind, id: &str) -> ApiError {
    ScimError::not_found(format!("{} `{id}` not found", kind.as_str())).into()
}

/// `If-Match` (RFC 7644 §3.14): a write against a stale version gets 412.
fn check_if_match(
    headers: &HeaderMap,
    current: &Resource,
    state: &AppState,
) -> Result<(), ApiError> {
    if state.quirks.has(Quirk::IgnoreIfMatch) || state.quirks.has(Quirk::NoEtags) {
        return Ok(());
    }
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(());
    };
    let value = value.to_str().unwrap_or("");
    let etag = current.etag();
    let strip = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let matched = value
        .split(',')
        .any(|tag| tag.trim() == "*" || strip(tag) == strip(&etag));
    if matched {
        Ok(())
    } else {
        Err(ScimError::new(
            412,
            None,
            format!("If-Match {value} does not match the current version {etag}"),
        )
        .into())
    }
}

fn respond_with(
    status: StatusCode,
    resource: &Value,
    etag: &str,
    location: Option<&str>,
) -> Response {
    with_headers(scim_json(status, resource), etag, location)
}

fn with_headers(mut response: Response, etag: &str, location: Option<&str>) -> Response {
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(l).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Turns a client body into the stored form: canonical attributes, and for groups members
/// reduced to ids that must exist.
fn prepare(
    app: &AppState,
    kind: Kind,
    input: &Value,
    state: &State,
    self_id: Option<&str>,
) -> Result<Value, ApiError> {
    let options = NormalizeOptions {
        reject_string_booleans: app.quirks.has(Quirk::RejectStringBooleans),
    };
    let rt = resource_type(app, kind);
    if app.quirks.has(Quirk::RestrictedSchema) {
        schemas::refuse_missing_required(input, rt.schema)?;
    }
    let mut body = normalize(input, rt, options)?;
    // The server authenticates no one by password, so it keeps none: what is never stored can
    // never be returned, logged or snapshotted.
    if let Some(fields) = body.as_object_mut() {
        fields.remove("password");
    }
    if kind == Kind::Group
        && let Some(Value::Array(members)) = body.get_mut("members")
    {
        // Members keep their `value` and the `display` the client gave (Okta sends the
        // username, docs/idps/okta.md §4 item 5); `$ref` and `type` are derived when rendered.
        let mut kept: Vec<Value> = Vec::new();
        for member in members.iter() {
            let Some(id) = member.get("value").and_then(Value::as_str) else {
                return Err(ScimError::invalid_value("every member needs a `value`").into());
            };
            if Some(id) == self_id {
                return Err(
                    ScimError::invalid_value("a group cannot be a member of itself").into(),
                );
            }
            if state.get_any(id).is_none() {
                return Err(ScimError::invalid_value(format!(
                    "member `{id}` is not a known User or Group"
                ))
                .into());
            }
            if kept.iter().any(|known| known["value"] == id) {
                continue;
            }
            let mut entry = serde_json::json!({"value": id});
            if let Some(display) = member.get("display").filter(|d| d.is_string()) {
                entry["display"] = display.clone();
            }
            kept.push(entry);
        }
        *members = kept;
    }
    Ok(body)
}

/// The quirks that refuse a body on POST or PUT before it is read.
fn body_quirks(app: &AppState, kind: Kind, input: &Value) -> Result<(), ApiError> {
    let rt = resource_type(app, kind);
    if app.quirks.has(Quirk::RejectUnknownExtensions) {
        schemas::refuse_unknown_urns(input, rt)?;
    }
    if app.quirks.has(Quirk::RestrictedSchema) {
        schemas::refuse_unpublished(input, rt)?;
    }
    if kind != Kind::User {
        return Ok(());
    }
    let Some(fields) = input.as_object() else {
        return Ok(());
    };
    if app.quirks.has(Quirk::RefusesPublishedRoles)
        && let Some(name) = UNSTORED.iter().find(|name| {
            fields
                .iter()
                .any(|(key, value)| key.eq_ignore_ascii_case(name) && !value.is_null())
        })
    {
        return Err(ScimError::invalid_value(format!("`{name}` is not supported")).into());
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    };
    if app.quirks.has(Quirk::RejectNullEmails) && field("emails").is_some_and(Value::is_null) {
        return Err(ScimError::invalid_value("`emails` must be an array, not null").into());
    }
    if app.quirks.has(Quirk::CoreSchemaFirst)
        && let Some(Value::Array(schemas)) = field("schemas")
    {
        let core = USER_TYPE.schema.id;
        if schemas.first().and_then(Value::as_str) != Some(core) {
            return Err(
                ScimError::invalid_syntax(format!("`schemas` must start with `{core}`")).into(),
            );
        }
    }
    Ok(())
}

/// 409 `uniqueness` when another user holds this `userName`, or another group this
/// `displayName` (case-insensitively). RFC 7643 leaves a group's name free (`uniqueness:
/// none`), but the IdPs find groups by name (Entra's matching, Okta's "find groups by name"),
/// and Microsoft's validator expects the 409; the Group schema it serves says `uniqueness: server`.
fn check_unique(
    app: &AppState,
    kind: Kind,
    body: &Value,
    state: &State,
    self_id: Option<&str>,
) -> Result<(), ApiError> {
    let (attribute, index, exact) = match kind {
        Kind::User if !app.quirks.has(Quirk::DuplicateUserName) => (
            "userName",
            Index::UserName,
            app.quirks.has(Quirk::CaseSensitiveUserName),
        ),
        Kind::Group if !app.quirks.has(Quirk::DuplicateGroupName) => {
            ("displayName", Index::DisplayName, false)
        }
        _ => return Ok(()),
    };
    let Some(name) = body.get(attribute).and_then(Value::as_str) else {
        return Ok(());
    };
    let taken = state
        .lookup(kind, index, name, exact)
        .into_iter()
        .any(|other| Some(other.id.as_str()) != self_id);
    if taken {
        return Err(ScimError::uniqueness(format!("{attribute} `{name}` is already taken")).into());
    }
    Ok(())
}

/// What a write decided: the rendered resource, its ETag, and its `meta.location`.
pub struct Written {
    pub rendered: Value,
    pub etag: String,
    pub location: String,
}

impl Written {
    fn new(rendered: Value, etag: String) -> Self {
        let location = rendered["meta"]["location"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Written {
            rendered,
            etag,
            location,
        }
    }
}

pub async fn create(
    app: Arc<AppState>,
    kind: Kind,
    headers: HeaderMap,
    query: Option<String>,
    body: Body,
) -> ApiResult {
    let input = json_body(&headers, body).await?;
    let projection = projection(&app, kind, &query)?;
    let written = create_resource(&app, kind, &input)?;
    let shown = projection.apply(&written.rendered, resource_type(&app, kind));
    let location = if app.quirks.has(Quirk::LocationFromUserName) {
        // The handler names the id it just made; only the body's `meta.location` is wrong.
        let id = written.rendered["id"].as_str().unwrap_or_default();
        format!("{}/{}/{id}", app.base_url, kind.endpoint())
    } else {
        written.location
    };
    let location = (!app.quirks.has(Quirk::NoLocation)).then_some(location);
    Ok(respond_with(
        StatusCode::CREATED,
        &shown,
        &written.etag,
        location.as_deref(),
    ))
}

/// Creates a resource from a parsed body: what `POST /Users` and a Bulk POST both do.
pub fn create_resource(app: &AppState, kind: Kind, input: &Value) -> Result<Written, ApiError> {
    body_quirks(app, kind, input)?;
    app.store.write(|state| {
        let now = app.clock.now();
        let body = prepare(app, kind, input, state, None)?;
        check_unique(app, kind, &body, state, None)?;
        let id = uuid::Uuid::new_v4().to_string();
        let resource = Resource::new(id, kind, state.next_seq(), 1, now, now, body);
        let rendered = render(state, &resource, &app.base_url, &app.quirks);
        Ok::<_, ApiError>((
            Written::new(rendered, resource.etag()),
            vec![Change::Put(resource)],
        ))
    })
}

pub async fn read(
    app: Arc<AppState>,
    kind: Kind,
    id: String,
    headers: HeaderMap,
    query: Option<String>,
) -> ApiResult {
    let projection = projection(&app, kind, &query)?;
    let state = app.store.read();
    let resource = state.get(kind, &id).ok_or_else(|| not_found(kind, &id))?;
    let etag = resource.etag();
    if let Some(tags) = headers
        .get(header::IF_NONE_MATCH)
        .filter(|_| !app.quirks.has(Quirk::NoEtags))
        .and_then(|v| v.to_str().ok())
        && tags
            .split(',')
            .any(|tag| tag.trim() == etag || tag.trim() == "*")
    {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(value) = HeaderValue::from_str(&etag) {
            response.headers_mut().insert(header::ETAG, value);
        }
        return Ok(response);
    }
    if projection.is_empty() {
        // Nothing to cut (`password` is never stored): the text path, no JSON tree.
        let text = render_json(&state, resource, &app.base_url, &app.quirks);
        drop(state);
        return Ok(with_headers(
            scim_json_bytes(StatusCode::OK, text),
            &etag,
            None,
        ));
    }
    let rendered = render(&state, resource, &app.base_url, &app.quirks);
    drop(state);
    let shown = projection.apply(&rendered, resource_type(&app, kind));
    Ok(respond_with(StatusCode::OK, &shown, &etag, None))
}

pub async fn replace(
    app: Arc<AppState>,
    kind: Kind,
    id: String,
    headers: HeaderMap,
    query: Option<String>,
    body: Body,
) -> ApiResult {
    let input = json_body(&headers, body).await?;
    let projection = projection(&app, kind, &query)?;
    let written = replace_resource(&app, kind, &id, &headers, &input)?;
    let shown = projection.apply(&written.rendered, resource_type(&app, kind));
    Ok(respond_with(StatusCode::OK, &shown, &written.etag, None))
}

/// Replaces a resource with a parsed body (`If-Match` from `headers`): what `PUT` and a Bulk
/// PUT both do.
pub fn replace_resource(
    app: &AppState,
    kind: Kind,
    id: &str,
    headers: &HeaderMap,
    input: &Value,
) -> Result<Written, ApiError> {
    body_quirks(app, kind, input)?;
    app.store.write(|state| {
        let now = app.clock.now();
        let current = match state.get(kind, id) {
            Some(current) => Some(current.clone()),
            None if app.quirks.has(Quirk::PutCreates) => None,
            None => return Err(not_found(kind, id)),
        };
        if let Some(current) = &current {
            check_if_match(headers, current, app)?;
        }
        let mut body = prepare(app, kind, input, state, Some(id))?;
        check_unique(app, kind, &body, state, Some(id))?;
        if let Some(current) = current.as_ref().filter(|c| c.kind == Kind::User) {
            app.workspace
                .keep_pinned_timezone(&app.quirks, current, &mut body);
            app.workspace
                .note_user_write(&app.quirks, current, &body, now);
        }
        let resource = match current {
            Some(current) => current.revised(body, now),
            None => Resource::new(id.to_owned(), kind, state.next_seq(), 1, now, now, body),
        };
        let rendered = render(state, &resource, &app.base_url, &app.quirks);
        Ok((
            Written::new(rendered, resource.etag()),
            vec![Change::Put(resource)],
        ))
    })
}

/// The `op` of each operation of a PATCH body, as the client spelt it.
fn raw_ops(raw: &Value) -> impl Iterator<Item = &str> {
    crate::scim::patch::raw_operations(raw).filter_map(|op| op.get("op").and_then(Value::as_str))
}

/// Whether a key of a path-less PATCH value is a plain attribute name (or a whole schema's
/// object), not a dotted path or an extension URN followed by an attribute.
fn plain_key(key: &str, rt: &ResourceType) -> bool {
    let is_urn = key
        .get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("urn:"));
    if is_urn {
        std::iter::once(rt.schema)
            .chain(rt.extensions.iter().map(|(schema, _)| *schema))
            .any(|schema| schema.id.eq_ignore_ascii_case(key))
    } else {
        !key.contains('.')
    }
}

/// The PATCH quirks that refuse or rewrite a request before it is applied.
/// What `refuses-published-roles` publishes and refuses to store.
const UNSTORED: [&str; 2] = ["roles", "x509Certificates"];

fn patch_quirks(
    app: &AppState,
    kind: Kind,
    raw: &Value,
    request: &mut PatchRequest,
) -> Result<(), ApiError> {
    if kind == Kind::User && app.quirks.has(Quirk::RefusesPublishedRoles) {
        for op in &request.operations {
            let named = op.path.as_ref().map(|path| path.attr.name.as_str());
            let in_value = op.value.as_ref().and_then(Value::as_object);
            if let Some(name) = UNSTORED.iter().find(|name| {
                named.is_some_and(|n| n.eq_ignore_ascii_case(name))
                    || in_value.is_some_and(|fields| {
                        fields.keys().any(|key| key.eq_ignore_ascii_case(name))
                    })
            }) {
                return Err(ScimError::invalid_value(format!("`{name}` is not supported")).into());
            }
        }
    }
    if kind == Kind::User
        && app.quirks.has(Quirk::ExtensionPatchCrashes)
        && request.operations.iter().any(|op| {
            op.path.is_none()
                && op
                    .value
                    .as_ref()
                    .and_then(Value::as_object)
                    .is_some_and(|fields| {
                        fields
                            .keys()
                            .any(|key| key.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA))
                    })
        })
    {
        return Err(ScimError::new(500, None, "internal server error").into());
    }
    if app.quirks.has(Quirk::FilteredPathPatchCrashes)
        && request.operations.iter().any(|op| {
            op.path
                .as_ref()
                .is_some_and(|path| path.filter.is_some() && path.sub_attr.is_some())
        })
    {
        return Err(ScimError::new(500, None, "internal server error").into());
    }
    if app.quirks.has(Quirk::RejectCapitalisedOps)
        && let Some(name) = raw_ops(raw).find(|name| *name != name.to_ascii_lowercase())
    {
        return Err(ScimError::invalid_syntax(format!("unknown op `{name}`")).into());
    }
    if kind == Kind::User
        && app.quirks.has(Quirk::RejectAddOp)
        && let Some(name) = raw_ops(raw).find(|name| name.eq_ignore_ascii_case("add"))
    {
        return Err(ScimError::invalid_value(format!("\"{name}\" is not a valid choice.")).into());
    }
    if app.quirks.has(Quirk::RestrictedSchema) {
        schemas::refuse_unpublished_in_patch(request, resource_type(app, kind))?;
    }
    if app.quirks.has(Quirk::IgnoreDottedPathlessKeys) {
        let rt = resource_type(app, kind);
        for op in &mut request.operations {
            if op.op != PatchOpKind::Remove
                && op.path.is_none()
                && let Some(Value::Object(fields)) = &mut op.value
            {
                fields.retain(|key, _| plain_key(key, rt));
            }
        }
    }
    if app.quirks.has(Quirk::RejectPathlessPatch)
        && request.operations.iter().any(|op| op.path.is_none())
    {
        return Err(
            ScimError::bad_request(ScimType::InvalidPath, "every operation needs a path").into(),
        );
    }
    if app.quirks.has(Quirk::EmptyReplaceRefused)
        && let Some(op) = request.operations.iter().find(|op| {
            op.op == PatchOpKind::Replace
                && matches!(&op.value, Some(Value::Array(items)) if items.is_empty())
        })
    {
        let name = op
            .path
            .as_ref()
            .map_or_else(|| "value".to_owned(), |path| path.attr.name.clone());
        return Err(ScimError::invalid_value(format!(
            "required sub-attribute `{name}.value` is missing in the patch value"
        ))
        .into());
    }
    if app.quirks.has(Quirk::RemoveMembersValueIgnored) {
        request.operations.retain(|op| {
            !(op.op == PatchOpKind::Remove
                && op.value.is_some()
                && op.path.as_ref().is_some_and(|path| {
                    path.attr.name.eq_ignore_ascii_case("members") && path.filter.is_none()
                }))
        });
    }
    if app.quirks.has(Quirk::RemoveMembersEmptiesGroup) {
        for op in &mut request.operations {
            if op.op == PatchOpKind::Remove
                && let Some(path) = &op.path
                && path.attr.name.eq_ignore_ascii_case("members")
            {
                // Both forms of "remove these members" become "remove all": the filtered path
                // (RFC, Entra's compliant dialect, Okta) and the value list of Entra's default
                // dialect and JumpCloud (docs/idps/entra.md §9, docs/idps/jumpcloud.md §7.2;
                // segment-boneyard/segment-docs#6726).
                op.path = Some(PatchPath {
                    attr: path.attr.clone(),
                    filter: None,
                    sub_attr: None,
                });
                op.value = None;
            }
        }
    }
    Ok(())
}

/// Under `duplicate-members-on-add` (and `patch-add-duplicates-member`), the members a PATCH
/// `add` to `members` names, each as `{"value", "display"?}`; empty otherwise.
fn re_added_members(app: &AppState, kind: Kind, request: &PatchRequest) -> Vec<Value> {
    let duplicates = app.quirks.has(Quirk::DuplicateMembersOnAdd)
        || app.quirks.has(Quirk::PatchAddDuplicatesMember);
    if kind != Kind::Group || !duplicates {
        return Vec::new();
    }
    let mut named = Vec::new();
    for op in &request.operations {
        let Some(path) = &op.path else { continue };
        if op.op != PatchOpKind::Add
            || !path.attr.name.eq_ignore_ascii_case("members")
            || path.filter.is_some()
            || path.sub_attr.is_some()
        {
            continue;
        }
        let elements = match &op.value {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(item) => vec![item],
            None => Vec::new(),
        };
        for element in elements {
            if let Some(id) = element.get("value").and_then(Value::as_str) {
                let mut entry = serde_json::json!({"value": id});
                if let Some(display) = element.get("display").filter(|d| d.is_string()) {
                    entry["display"] = display.clone();
                }
                named.push(entry);
            }
        }
    }
    named
}

/// Appends to `body`'s members those of `re_added` that `current` already listed: the second
/// copy a server that appends without looking keeps.
fn append_present(body: &mut Value, current: &Resource, re_added: &[Value]) {
    let present: Vec<&str> = current.member_ids().collect();
    let again: Vec<Value> = re_added
        .iter()
        .filter(|entry| {
            entry["value"]
                .as_str()
                .is_some_and(|id| present.contains(&id))
        })
        .cloned()
        .collect();
    if again.is_empty() {
        return;
    }
    if let Some(Value::Array(members)) = body.get_mut("members") {
        members.extend(again);
    }
}

pub async fn patch(
    app: Arc<AppState>,
    kind: Kind,
    id: String,
    headers: HeaderMap,
    query: Option<String>,
    body: Body,
) -> ApiResult {
    let raw = json_body(&headers, body).await?;
    let projection = projection(&app, kind, &query)?;
    let written = patch_resource(&app, kind, &id, &headers, &raw)?;
    let shown = projection.apply(&written.rendered, resource_type(&app, kind));
    Ok(respond_with(StatusCode::OK, &shown, &written.etag, None))
}

/// Applies a parsed PatchOp body (`If-Match` from `headers`): what `PATCH` and a Bulk PATCH
/// both do.
pub fn patch_resource(
    app: &AppState,
    kind: Kind,
    id: &str,
    headers: &HeaderMap,
    raw: &Value,
) -> Result<Written, ApiError> {
    let mut request = PatchRequest::from_json(raw)?;
    patch_quirks(app, kind, raw, &mut request)?;
    let re_added = re_added_members(app, kind, &request);
    let rt = resource_type(app, kind);
    let outcome = app.store.write(|state| {
        let now = app.clock.now();
        let current = state
            .get(kind, id)
            .ok_or_else(|| not_found(kind, id))?
            .clone();
        check_if_match(headers, &current, app)?;
        let mut document = current.body.clone();
        // The id is visible to PATCH so that Okta's unchanged `id` in a path-less value
        // compares equal (docs/idps/okta.md §4 item 2).
        document["id"] = Value::String(id.to_owned());
        let mut failure = None;
        if app.quirks.has(Quirk::PatchNotAtomic) {
            for operation in &request.operations {
                let single = PatchRequest {
                    operations: vec![operation.clone()],
                };
                if let Err(error) = single.apply(&mut document, rt) {
                    failure = Some(ApiError(error));
                    break;
                }
            }
        } else {
            request.apply(&mut document, rt)?;
        }
        if let Some(fields) = document.as_object_mut() {
            fields.remove("id");
            fields.remove("meta");
        }
        let mut body = prepare(app, kind, &document, state, Some(id))?;
        append_present(&mut body, &current, &re_added);
        check_unique(app, kind, &body, state, Some(id))?;
        if kind == Kind::User {
            app.workspace
                .keep_pinned_timezone(&app.quirks, &current, &mut body);
            app.workspace
                .note_user_write(&app.quirks, &current, &body, now);
        }
        let changed = body != current.body;
        let resource = if changed {
            current.revised(body, now)
        } else {
            (*current).clone()
        };
        let rendered = render(state, &resource, &app.base_url, &app.quirks);
        let etag = resource.etag();
        let changes = if changed {
            vec![Change::Put(resource)]
        } else {
            Vec::new()
        };
        // Under `patch-not-atomic` the operations before the failing one are kept, and the
        // client is still told the request failed.
        let outcome = match failure {
            Some(failure) => Err(failure),
            None => Ok((rendered, etag)),
        };
        Ok((outcome, changes))
    });
    match outcome {
        Ok(Ok((rendered, etag))) => Ok(Written::new(rendered, etag)),
        Ok(Err(error)) | Err(error) => Err(error),
    }
}

pub async fn delete(app: Arc<AppState>, kind: Kind, id: String, headers: HeaderMap) -> ApiResult {
    if app.quirks.has(Quirk::TypedEmptyBodyRefused) && headers.contains_key(header::CONTENT_TYPE) {
        // The request announced a body and sent none: a strict body parser gives up here.
        return Err(ScimError::invalid_syntax("a Content-Type was sent with an empty body").into());
    }
    delete_resource(&app, kind, &id, &headers)?;
    if app.quirks.has(Quirk::BodyOn204) {
        // One JSON writer for every answer: a media type, a length and a body on a 204. HTTP
        // drops the body (a 204 ends at the empty line after the headers); the headers go out.
        let body = b"{}".to_vec();
        let length = HeaderValue::from(body.len());
        let mut response = scim_json_bytes(StatusCode::NO_CONTENT, body);
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, length);
        return Ok(response);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Deletes a resource (`If-Match` from `headers`): what `DELETE` and a Bulk DELETE both do.
pub fn delete_resource(
    app: &AppState,
    kind: Kind,
    id: &str,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    let deleted = app.store.write(|state| {
        let now = app.clock.now();
        let current = state.get(kind, id).ok_or_else(|| not_found(kind, id))?;
        check_if_match(headers, current, app)?;
        if app.quirks.has(Quirk::PatchAddDuplicatesMember) && lists_a_member_twice(current) {
            return Err(ScimError::new(
                500,
                None,
                format!("could not delete group `{id}`: duplicate key in the membership table"),
            )
            .into());
        }
        let keep_memberships = app.quirks.has(Quirk::DeleteKeepsMemberships);
        let changes = delete_changes(state, kind, id, now, keep_memberships);
        Ok::<_, ApiError>((current.clone(), changes))
    })?;
    if kind == Kind::User {
        app.workspace.user_deleted(&app.quirks, &deleted);
    }
    Ok(())
}

/// Whether a group's stored members name one member twice (`patch-add-duplicates-member`).
fn lists_a_member_twice(group: &Resource) -> bool {
    let ids: Vec<&str> = group.member_ids().collect();
    ids.iter()
        .enumerate()
        .any(|(index, id)| ids[..index].contains(id))
}

/// The changes that delete a resource: the resource, and (unless `keep_memberships`) its entry
/// in every group that lists it.
pub fn delete_changes(
    state: &State,
    kind: Kind,
    id: &str,
    now: jiff::Timestamp,
    keep_memberships: bool,
) -> Vec<Change> {
    let mut changes = vec![Change::Delete {
        kind,
        id: id.to_owned(),
    }];
    if !keep_memberships {
        for group in state.groups_of(id) {
            let mut body = group.body.clone();
            if let Some(Value::Array(members)) = body.get_mut("members") {
                members.retain(|member| member.get("value").and_then(Value::as_str) != Some(id));
                if members.is_empty()
                    && let Some(fields) = body.as_object_mut()
                {
                    fields.remove("members");
                }
            }
            changes.push(Change::Put(group.revised(body, now)));
        }
    }
    changes
}

/// The resources a filter can match: from an index when it demands `attr eq "value"` on an
/// indexed attribute, else all of them.
fn candidates<'s>(
    state: &'s State,
    kind: Kind,
    rt: &ResourceType,
    filter: Option<&Filter>,
    exact_user_name: bool,
) -> Vec<&'s Arc<Resource>> {
    let indexed = filter
        .and_then(Filter::required_equality)
        .and_then(|(path, value)| {
            let core = path
                .urn
                .as_deref()
                .is_none_or(|urn| urn.eq_ignore_ascii_case(rt.schema.id));
            if !core || path.sub.is_some() {
                return None;
            }
            let index = match path.name.to_ascii_lowercase().as_str() {
                "id" => Index::Id,
                "username" if kind == Kind::User => Index::UserName,
                "externalid" => Index::ExternalId,
                "displayname" => Index::DisplayName,
                _ => return None,
            };
            Some((index, value))
        });
    match indexed {
        Some((index, value)) => {
            let exact = exact_user_name && index == Index::UserName;
            state.lookup(kind, index, value, exact)
        }
        None => state.all(kind).collect(),
    }
}

/// Runs a list query over one resource type.
fn run_query(app: &AppState, kind: Kind, query: &ListQuery) -> Vec<Value> {
    let rt = resource_type(app, kind);
    let filter = if app.quirks.has(Quirk::IgnoreFilter) {
        None
    } else {
        query.filter.as_ref()
    };
    let exact = app.quirks.has(Quirk::CaseSensitiveUserName);
    let state = app.store.read();
    let mut matched: Vec<Value> = candidates(&state, kind, rt, filter, exact)
        .into_iter()
        .map(|resource| render(&state, resource, &app.base_url, &app.quirks))
        .filter(|rendered| filter.is_none_or(|f| f.matches(rendered, rt)))
        .collect();
    drop(state);
    query.sort(&mut matched, rt);
    matched
}

/// Pages, projects and wraps matched resources in a ListResponse.
fn page(
    app: &AppState,
    query: &ListQuery,
    mut matched: Vec<(Value, &'static ResourceType)>,
) -> ApiResult {
    if app.quirks.has(Quirk::Lookup404) && query.filter.is_some() && matched.is_empty() {
        return Err(ScimError::not_found("no resource matches the filter").into());
    }
    let total = matched.len();
    if app.quirks.has(Quirk::HideInactiveUsers) {
        // The count comes from a query that still sees them, as a separate count query does.
        matched.retain(|(resource, rt)| {
            !(rt.name == "User" && resource.get("active") == Some(&Value::Bool(false)))
        });
    }
    let (offset, count) = if app.quirks.has(Quirk::IgnorePaging) {
        (0, total)
    } else {
        let offset = if app.quirks.has(Quirk::ZeroBasedStartIndex) {
            query.start_index
        } else {
            query.start_index - 1
        };
        (offset, query.count.unwrap_or(MAX_RESULTS).min(MAX_RESULTS))
    };
    let resources: Vec<Value> = matched
        .into_iter()
        .skip(offset)
        .take(count)
        .map(|(resource, rt)| {
            if query.projection.is_empty() {
                resource
            } else {
                query.projection.apply(&resource, rt)
            }
        })
        .collect();
    let mut body = list_response(total, query.start_index, resources);
    if app.quirks.has(Quirk::ItemsPerPageIsCount)
        && let Some(count) = query.count
    {
        body["itemsPerPage"] = Value::from(count);
    }
    Ok(scim_json(StatusCode::OK, &body))
}

/// How long a plain group listing takes under `slow-group-list`.
const SLOW_GROUP_LIST: std::time::Duration = std::time::Duration::from_millis(700);

pub async fn list(app: Arc<AppState>, kind: Kind, query: Option<String>) -> ApiResult {
    let pairs = query_pairs(&query);
    let mut params = ListParams::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    members_not_excluded(&app, kind, &mut params);
    filter_unsupported(&app, &mut params);
    let list_query = ListQuery::parse(&params, Some(resource_type(&app, kind)))?;
    if kind == Kind::Group && app.quirks.has(Quirk::SlowGroupList) && list_query.filter.is_none() {
        tokio::time::sleep(SLOW_GROUP_LIST).await;
    }
    let rt = resource_type(&app, kind);
    let matched = run_query(&app, kind, &list_query)
        .into_iter()
        .map(|r| (r, rt))
        .collect();
    page(&app, &list_query, matched)
}

/// `POST /Users/.search`, `POST /Groups/.search`, or `POST /.search` across both (RFC 7644 §3.4.3).
pub async fn search(
    app: Arc<AppState>,
    kind: Option<Kind>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let raw = json_body(&headers, body).await?;
    let mut params = ListParams::from_search_request(&raw)?;
    filter_unsupported(&app, &mut params);
    let kinds: Vec<Kind> = match kind {
        Some(kind) => vec![kind],
        None => vec![Kind::User, Kind::Group],
    };
    let mut matched = Vec::new();
    let mut last_error = None;
    let mut list_query = None;
    for kind in &kinds {
        let mut params = params.clone();
        members_not_excluded(&app, *kind, &mut params);
        match ListQuery::parse(&params, Some(resource_type(&app, *kind))) {
            Ok(query) => {
                let rt = resource_type(&app, *kind);
                matched.extend(run_query(&app, *kind, &query).into_iter().map(|r| (r, rt)));
                list_query = Some(query);
            }
            // Across types, a filter on an attribute one type lacks simply skips that type.
            Err(error) => last_error = Some(error),
        }
    }
    match (list_query, last_error) {
        (Some(query), _) => page(&app, &query, matched),
        (None, Some(error)) => Err(error.into()),
        (None, None) => Err(ScimError::invalid_syntax("nothing to search").into()),
    }
}
