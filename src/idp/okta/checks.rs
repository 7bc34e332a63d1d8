//! The checks an Okta action judges: what Okta needs back from the target to carry on.
//!
//! Every check is [`Level::IdpRequired`]: the point is not what RFC 7644 allows but what makes
//! Okta's task fail. A failed check's reasons read "expected …, got …" and name the Okta
//! behaviour and the section of docs/idps/okta.md it rests on.

use serde_json::Value;

use crate::idp::IdpCheck;
use crate::idp::wire::WireResponse;
use crate::level::Level;

pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

pub const TEST_CONNECTION_LIST: &str = "okta.test-connection.list-is-scim-json";
/// Ten 429s in a row: Okta fails the task permanently (docs/idps/okta.md §3.7).
pub const RATE_LIMIT_GAVE_UP: &str = "okta.rate-limit.task-failed-after-10-attempts";
pub const TEST_CONNECTION_GROUPS: &str = "okta.test-connection.groups-answer-is-json";
pub const IMPORT_PAGE: &str = "okta.import.page-is-list-response";
pub const IMPORT_PAGING: &str = "okta.import.paging-numbers-are-integers";
pub const IMPORT_ITEMS_PER_PAGE: &str = "okta.import.items-per-page-is-items-returned";
pub const LOOKUP_ANSWER: &str = "okta.lookup.not-found-is-empty-list-or-404";
pub const LOOKUP_PAGING: &str = "okta.lookup.paging-numbers-are-integers";
pub const LOOKUP_MATCH_ID: &str = "okta.lookup.match-has-id";
pub const LOOKUP_MATCH_QUERIED: &str = "okta.lookup.match-is-the-queried-user";
pub const CREATE_201: &str = "okta.create.returns-201-with-id";
pub const CREATE_DUPLICATE: &str = "okta.create.duplicate-is-409";

pub const LINK_GROUP_LOOKUP: &str = "okta.link-group.lookup-is-list-response";
pub const LINK_GROUP_MATCH: &str = "okta.link-group.match-is-the-group";

pub const SOURCE_TEST_CONNECTION: &str = "docs/idps/okta.md §3.1";
pub const SOURCE_LINK_GROUP: &str = "docs/idps/okta.md §3.6.2";
pub const SOURCE_IMPORT: &str = "docs/idps/okta.md §3.2";
pub const SOURCE_PAGING: &str = "docs/idps/okta.md §3.2, §4 item 11";
pub const SOURCE_LOOKUP: &str = "docs/idps/okta.md §3.3";
pub const SOURCE_CREATE: &str = "docs/idps/okta.md §3.3";
pub const SOURCE_DUPLICATE: &str = "docs/idps/okta.md §3.3, §3.7";
pub const SOURCE_UPDATE: &str = "docs/idps/okta.md §3.4";
pub const SOURCE_ACTIVE: &str = "docs/idps/okta.md §3.5";

/// Why Okta fetches and then PUTs a user, which names the checks on that pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Syncing the profile of a user found by the lookup (docs/idps/okta.md §3.3 step 2b).
    Link,
    /// A profile change (§3.4).
    Update,
    /// App Integration Wizard deactivation: the full object with `active:false` (§3.5).
    Deactivate,
    /// App Integration Wizard reactivation: the full object with `active:true` (§3.5).
    Reactivate,
    /// App Integration Wizard password sync: the full object with `password` (§3.5).
    Password,
}

impl Purpose {
    pub fn for_active(active: bool) -> Purpose {
        if active {
            Purpose::Reactivate
        } else {
            Purpose::Deactivate
        }
    }

    /// The check on `GET /Users/{id}`.
    pub fn get_id(self) -> &'static str {
        match self {
            Purpose::Link => "okta.link.get-returns-the-user",
            Purpose::Update => "okta.update.get-returns-the-user",
            Purpose::Deactivate => "okta.deactivate.get-returns-the-user",
            Purpose::Reactivate => "okta.reactivate.get-returns-the-user",
            Purpose::Password => "okta.password.get-returns-the-user",
        }
    }

    /// The check on the `PUT /Users/{id}` that follows.
    pub fn put_id(self) -> &'static str {
        match self {
            Purpose::Link => "okta.link.put-returns-200",
            Purpose::Update => "okta.update.put-returns-200",
            Purpose::Deactivate => DEACTIVATE_ACCEPTED,
            Purpose::Reactivate => REACTIVATE_ACCEPTED,
            Purpose::Password => PASSWORD_ACCEPTED,
        }
    }

    fn source(self) -> &'static str {
        match self {
            Purpose::Link => "docs/idps/okta.md §3.3, §3.4",
            Purpose::Update => SOURCE_UPDATE,
            Purpose::Deactivate | Purpose::Reactivate | Purpose::Password => {
                "docs/idps/okta.md §3.5, §3.8"
            }
        }
    }

    fn doing(self) -> &'static str {
        match self {
            Purpose::Link => "Okta syncs a linked user's profile with GET then a full PUT",
            Purpose::Update => "Okta updates a profile with GET then a full PUT",
            Purpose::Deactivate => {
                "App Integration Wizard apps deactivate with GET then a full PUT"
            }
            Purpose::Reactivate => {
                "App Integration Wizard apps reactivate with GET then a full PUT"
            }
            Purpose::Password => {
                "App Integration Wizard apps sync a password with GET then a full PUT"
            }
        }
    }
}

pub const DEACTIVATE_ACCEPTED: &str = "okta.deactivate.accepted";
pub const REACTIVATE_ACCEPTED: &str = "okta.reactivate.accepted";
pub const PASSWORD_ACCEPTED: &str = "okta.password.accepted";

fn check(id: &'static str, source: &'static str, request: usize) -> IdpCheck {
    IdpCheck::new(id, Level::IdpRequired, source).on(request)
}

/// A short rendering of a JSON value for a reason.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// "500", or "500 (\"detail\")" when the body is a SCIM error with a `detail`.
pub fn got_status(response: &WireResponse) -> String {
    match response
        .json()
        .as_ref()
        .and_then(|body| body.get("detail"))
        .and_then(Value::as_str)
    {
        Some(detail) => format!("{} ({detail:?})", response.status),
        None => response.status.to_string(),
    }
}

/// What is wrong with a ListResponse body as Okta reads one (docs/idps/okta.md §3.8): the
/// ListResponse schema, and a `Resources` array with a capital R (required when
/// `totalResults` is not 0).
fn list_problems(body: &Value, why: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(object) = body.as_object() else {
        return vec![format!(
            "expected a JSON object ({why}), got {}",
            shown(body)
        )];
    };
    let has_schema = object
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| {
            schemas
                .iter()
                .any(|s| s.as_str() == Some(LIST_RESPONSE_SCHEMA))
        });
    if !has_schema {
        problems.push(format!(
            "expected `schemas` to contain {LIST_RESPONSE_SCHEMA} ({why}), got {}",
            object.get("schemas").map_or("none".to_owned(), shown)
        ));
    }
    match object.get("Resources") {
        Some(Value::Array(_)) => {}
        Some(other) => problems.push(format!(
            "expected `Resources` to be an array ({why}), got {}",
            shown(other)
        )),
        None => {
            let total = object.get("totalResults").and_then(Value::as_u64);
            if total != Some(0) {
                let lowercase = if object.contains_key("resources") {
                    " (a lowercase `resources` is there: do not rely on Okta accepting it, §3.2)"
                } else {
                    ""
                };
                problems.push(format!(
                    "expected a `Resources` array with a capital R ({why}), got none{lowercase}"
                ));
            }
        }
    }
    problems
}

/// `totalResults`, `startIndex` and `itemsPerPage` must be JSON integers: Okta fails the task
/// on `"startIndex": "1"` (docs/idps/okta.md §3.2, §4 item 11).
fn paging_problems(body: &Value) -> Vec<String> {
    ["totalResults", "startIndex", "itemsPerPage"]
        .into_iter()
        .filter_map(|field| match body.get(field) {
            Some(value) if value.as_u64().is_some() => None,
            Some(value) => Some(format!(
                "expected `{field}` as a JSON integer (Okta fails the task when a paging number \
                 is not one, docs/idps/okta.md §3.2, §4 item 11), got {}",
                shown(value)
            )),
            None => Some(format!(
                "expected `{field}` as a JSON integer (docs/idps/okta.md §3.2, §3.8), got no \
                 `{field}`"
            )),
        })
        .collect()
}

fn json_or_reason(response: &WireResponse, why: &str) -> Result<Value, String> {
    response.json().ok_or_else(|| {
        format!(
            "expected a JSON body ({why}), got {} bytes that are not JSON",
            response.body.len()
        )
    })
}

/// Test API Credentials, `GET /Users?startIndex=1&count=2`: `200` with a ListResponse whose
/// paging numbers are integers (docs/idps/okta.md §3.1, §3.8).
pub fn test_connection_list(request: usize, response: &WireResponse) -> IdpCheck {
    let mut result = check(
        TEST_CONNECTION_LIST,
        "docs/idps/okta.md §3.1, §3.8",
        request,
    );
    let why = "Okta's Test API Credentials reads the user list, docs/idps/okta.md §3.1";
    if response.status != 200 {
        return result.fail(format!(
            "expected 200 with a ListResponse ({why}), got {}",
            got_status(response)
        ));
    }
    match json_or_reason(response, why) {
        Ok(body) => {
            for problem in list_problems(&body, why)
                .into_iter()
                .chain(paging_problems(&body))
            {
                result = result.fail(problem);
            }
        }
        Err(reason) => result = result.fail(reason),
    }
    result
}

/// Test API Credentials, `GET /Groups?startIndex=1&count=100`: "not mandatory for SCIM to
/// work. The minimum check we require is for the resources to be of JSON" (docs/idps/okta.md
/// §3.1), so any status passes as long as the body is JSON.
pub fn test_connection_groups(request: usize, response: &WireResponse) -> IdpCheck {
    let result = check(TEST_CONNECTION_GROUPS, SOURCE_TEST_CONNECTION, request);
    match json_or_reason(
        response,
        "Okta's Test API Credentials requires the groups answer to be JSON, docs/idps/okta.md §3.1",
    ) {
        Ok(_) => result,
        Err(reason) => result.fail(reason),
    }
}

/// One import page of users or groups judged (docs/idps/okta.md §3.2): the checks, and `totalResults` when the page
/// can be paged on (status 200, a ListResponse, integer paging numbers).
pub fn import_page(
    request: usize,
    response: &WireResponse,
    imported: super::Imported,
) -> (Vec<IdpCheck>, Option<u64>) {
    let why = format!(
        "Okta imports {} page by page, docs/idps/okta.md §3.2",
        imported.what()
    );
    let why = why.as_str();
    let mut page = check(IMPORT_PAGE, "docs/idps/okta.md §3.2, §3.8", request);
    if response.status != 200 {
        let page = page.fail(format!(
            "expected 200 with a ListResponse ({why}), got {}",
            got_status(response)
        ));
        return (vec![page], None);
    }
    let body = match json_or_reason(response, why) {
        Ok(body) => body,
        Err(reason) => return (vec![page.fail(reason)], None),
    };
    for problem in list_problems(&body, why) {
        page = page.fail(problem);
    }
    let mut paging = check(IMPORT_PAGING, SOURCE_PAGING, request);
    for problem in paging_problems(&body) {
        paging = paging.fail(problem);
    }
    let returned = body
        .get("Resources")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let mut items = check(IMPORT_ITEMS_PER_PAGE, SOURCE_IMPORT, request);
    let items_per_page = body.get("itemsPerPage");
    if items_per_page.and_then(Value::as_u64) != Some(returned as u64) {
        items = items.fail(format!(
            "`/itemsPerPage`: expected {returned} (the number of `Resources` returned: an Okta \
             reviewer rejected a server answering a page past the end with `itemsPerPage: 100` \
             and no resources, ory/polis#4054), got {}",
            items_per_page.map_or("none".to_owned(), shown)
        ));
    }
    let total = (page.held() && paging.held())
        .then(|| body.get("totalResults").and_then(Value::as_u64))
        .flatten();
    (vec![page, paging, items], total)
}

/// What the lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// `200` with no resources, or `404`: Okta creates the user.
    NotFound,
    /// Okta links the user to `Resources[0].id`.
    Found(String),
    /// Okta cannot read the answer and the task fails here.
    Stop,
}

/// The create-or-link lookup (docs/idps/okta.md §3.3 step 1): `200` with a ListResponse (empty
/// when not found) or `404`; integer paging numbers, without which Okta fails "Sync user in
/// external application" before any POST (§3.2); a match's `id`, which Okta stores.
pub fn lookup(request: usize, response: &WireResponse, user_name: &str) -> (Vec<IdpCheck>, Lookup) {
    let why = "Okta reads a 200 ListResponse with no resources, or a 404, as not found, \
               docs/idps/okta.md §3.3";
    let answer = check(LOOKUP_ANSWER, SOURCE_LOOKUP, request);
    if response.status == 404 {
        return (vec![answer], Lookup::NotFound);
    }
    if response.status != 200 {
        let answer = answer.fail(format!(
            "expected 200 with a ListResponse or 404 ({why}), got {}: Okta fails the \
             assignment task and shows the error in Tasks (docs/idps/okta.md §3.7)",
            got_status(response)
        ));
        return (vec![answer], Lookup::Stop);
    }
    let body = match json_or_reason(response, why) {
        Ok(body) => body,
        Err(reason) => return (vec![answer.fail(reason)], Lookup::Stop),
    };
    let mut answer = answer;
    for problem in list_problems(&body, why) {
        answer = answer.fail(problem);
    }
    let mut paging = check(
        LOOKUP_PAGING,
        "docs/idps/okta.md §3.2, §3.3, §4 item 11",
        request,
    );
    for problem in paging_problems(&body) {
        paging = paging.fail(problem);
    }
    if !answer.held() || !paging.held() {
        return (vec![answer, paging], Lookup::Stop);
    }
    let first = body
        .get("Resources")
        .and_then(Value::as_array)
        .and_then(|resources| resources.first());
    let Some(first) = first else {
        return (vec![answer, paging], Lookup::NotFound);
    };
    let matched = check(LOOKUP_MATCH_ID, "docs/idps/okta.md §3.3, §3.8", request);
    // Okta links to the first resource: a target that ignored the filter hands it a stranger.
    let queried = check(LOOKUP_MATCH_QUERIED, SOURCE_LOOKUP, request);
    if let Some(reason) = crate::idp::lookup::wrong_match(first, "userName", user_name) {
        return (vec![answer, paging, queried.fail(reason)], Lookup::Stop);
    }
    match first.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => (
            vec![answer, paging, queried, matched],
            Lookup::Found(id.to_owned()),
        ),
        other => {
            let matched = matched.fail(format!(
                "expected the matching user to carry a non-empty string `id` (Okta links to \
                 `Resources[0].id` and stores it, docs/idps/okta.md §3.3, §3.8), got {}",
                other.map_or_else(
                    || first.get("id").map_or("no `id`".to_owned(), shown),
                    |id| format!("{id:?}")
                )
            ));
            (vec![answer, paging, queried, matched], Lookup::Stop)
        }
    }
}

/// "Find groups by name" before Link Group (docs/idps/okta.md §3.6.2, *documented*): `200`
/// with a ListResponse of zero or more groups, paging numbers as integers (§3.2); a match
/// must be the group looked up, with the `id` Okta then keeps and addresses the group by.
/// \[I\] Okta links to the first match, and reads a `404` as no match, as it does for users
/// (§3.3).
pub fn group_lookup(
    request: usize,
    response: &WireResponse,
    name: &str,
) -> (Vec<IdpCheck>, Lookup) {
    let why = "Okta finds a pushed group by name with a displayName eq filter and reads a \
               ListResponse of zero or more groups, docs/idps/okta.md §3.6.2";
    let mut answer = check(LINK_GROUP_LOOKUP, SOURCE_LINK_GROUP, request);
    if response.status == 404 {
        return (vec![answer], Lookup::NotFound);
    }
    if response.status != 200 {
        let answer = answer.fail(format!(
            "expected 200 with a ListResponse ({why}), got {}: servers need `eq` filtering on \
             groups (docs/idps/okta.md §3.6.2)",
            got_status(response)
        ));
        return (vec![answer], Lookup::Stop);
    }
    let body = match json_or_reason(response, why) {
        Ok(body) => body,
        Err(reason) => return (vec![answer.fail(reason)], Lookup::Stop),
    };
    for problem in list_problems(&body, why)
        .into_iter()
        .chain(paging_problems(&body))
    {
        answer = answer.fail(problem);
    }
    if !answer.held() {
        return (vec![answer], Lookup::Stop);
    }
    let first = body
        .get("Resources")
        .and_then(Value::as_array)
        .and_then(|resources| resources.first());
    let Some(first) = first else {
        return (vec![answer], Lookup::NotFound);
    };
    let matched = check(LINK_GROUP_MATCH, SOURCE_LINK_GROUP, request);
    if let Some(reason) = crate::idp::lookup::wrong_match(first, "displayName", name) {
        return (vec![answer, matched.fail(reason)], Lookup::Stop);
    }
    match first.get("id").and_then(Value::as_str) {
        Some(id) if !id.is_empty() => (vec![answer, matched], Lookup::Found(id.to_owned())),
        _ => {
            let matched = matched.fail(format!(
                "expected the matching group to carry a non-empty string `id` (Okta links the \
                 pushed group to it and addresses the group by it, docs/idps/okta.md §3.6.2, \
                 §3.8), got {}",
                first.get("id").map_or("no `id`".to_owned(), shown)
            ));
            (vec![answer, matched], Lookup::Stop)
        }
    }
}

/// `POST /Users` (docs/idps/okta.md §3.3 step 2a): `201` with the user's `id`. Returns the
/// checks and the id when the target gave one on a 2xx. \[I\] A 2xx other than 201 that carries
/// an id fails the check but still provisions the user, so later steps can run.
pub fn create(request: usize, response: &WireResponse) -> (Vec<IdpCheck>, Option<String>) {
    let expected = "expected 201 with the new user's `id` (Okta stores it and addresses the user \
                    by it, docs/idps/okta.md §3.3)";
    let created = check(CREATE_201, SOURCE_CREATE, request);
    if response.status == 409 {
        let created = created.fail(format!(
            "{expected}, got {}: Okta stops the provisioning task on 409 and shows the error in \
             Tasks; it does not retry (docs/idps/okta.md §3.3, §3.7)",
            got_status(response)
        ));
        let mut duplicate = check(CREATE_DUPLICATE, SOURCE_DUPLICATE, request);
        if let Some(reason) = scim_error_problem(response) {
            duplicate = duplicate.fail(reason);
        }
        return (vec![created, duplicate], None);
    }
    if !(200..300).contains(&response.status) {
        let created = created.fail(format!(
            "{expected}, got {}: Okta fails the provisioning task and shows the server's error \
             in Tasks (docs/idps/okta.md §3.7)",
            got_status(response)
        ));
        return (vec![created], None);
    }
    let id = response
        .json()
        .as_ref()
        .and_then(|body| body.get("id"))
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    match id {
        None => {
            let created = created.fail(format!(
                "{expected}, got {} without an `id`: Okta fails the task with \"Create new user \
                 returned empty user.\" (docs/idps/okta.md §3.3)",
                response.status
            ));
            (vec![created], None)
        }
        Some(id) if response.status != 201 => {
            let created = created.fail(format!(
                "{expected}, got {} (docs/idps/okta.md §3.8: after POST, 201 with the resource)",
                response.status
            ));
            (vec![created], Some(id))
        }
        Some(id) => (vec![created], Some(id)),
    }
}

/// A 409 must carry a SCIM Error body: its `detail` is what the admin sees in Tasks, and a
/// body Okta cannot parse surfaces as a Jackson parse error instead (docs/idps/okta.md §3.3
/// example body, §3.7).
fn scim_error_problem(response: &WireResponse) -> Option<String> {
    let why = "Okta shows the SCIM error's `detail` to the admin and fails to parse a non-JSON \
               body, docs/idps/okta.md §3.3, §3.7";
    let Some(body) = response.json() else {
        return Some(format!(
            "expected the 409 to carry a SCIM Error JSON body ({why}), got {} bytes that are not \
             JSON",
            response.body.len()
        ));
    };
    let has_schema = body
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| schemas.iter().any(|s| s.as_str() == Some(ERROR_SCHEMA)));
    let has_detail = body
        .get("detail")
        .and_then(Value::as_str)
        .is_some_and(|detail| !detail.is_empty());
    (!has_schema || !has_detail).then(|| {
        format!(
            "expected the 409 to carry a SCIM Error body with the {ERROR_SCHEMA} schema and a \
             `detail` ({why}), got {}",
            shown(&body)
        )
    })
}

/// `GET /Users/{id}` before a PUT: `200` with the user whose `id` Okta asked for, since the PUT
/// echoes that body (docs/idps/okta.md §3.4, §3.8). Returns the body when the check held.
pub fn fetched_user(
    purpose: Purpose,
    request: usize,
    response: &WireResponse,
    id: &str,
) -> (IdpCheck, Option<serde_json::Map<String, Value>>) {
    let result = check(purpose.get_id(), purpose.source(), request);
    let why = format!("{}, docs/idps/okta.md §3.4", purpose.doing());
    if response.status != 200 {
        let reason = format!(
            "expected 200 with the user ({why}), got {}",
            got_status(response)
        );
        return (result.fail(reason), None);
    }
    let body = match json_or_reason(response, &why) {
        Ok(Value::Object(body)) => body,
        Ok(other) => {
            let reason = format!(
                "expected the user as a JSON object ({why}), got {}",
                shown(&other)
            );
            return (result.fail(reason), None);
        }
        Err(reason) => return (result.fail(reason), None),
    };
    match body.get("id") {
        Some(Value::String(got)) if got == id => (result, Some(body)),
        other => {
            let reason = format!(
                "expected the user with `id` {id:?} (ids are stable and case-sensitive, \
                 docs/idps/okta.md §3.8), got {}",
                other.map_or("no `id`".to_owned(), shown)
            );
            (result.fail(reason), None)
        }
    }
}

/// The PUT after the GET: `200` with the user (docs/idps/okta.md §3.4, §3.8 "After PUT: 200
/// with the resource").
pub fn put_accepted(purpose: Purpose, request: usize, response: &WireResponse) -> IdpCheck {
    let result = check(purpose.put_id(), purpose.source(), request);
    let why = format!(
        "{}, and expects 200 with the user back, docs/idps/okta.md §3.4, §3.8",
        purpose.doing()
    );
    if response.status != 200 {
        let reason = format!(
            "expected 200 with the user ({why}), got {}",
            got_status(response)
        );
        return result.fail(reason);
    }
    match response.json() {
        Some(Value::Object(_)) => result,
        _ => result.fail(format!(
            "expected 200 with the user as a JSON object ({why}), got a body that is not one"
        )),
    }
}

/// The OIN template's deactivate / reactivate PATCH: `200` with the user or `204` with no body
/// (docs/idps/okta.md §3.5, §3.8).
pub fn patch_accepted(active: bool, request: usize, response: &WireResponse) -> IdpCheck {
    let id = if active {
        REACTIVATE_ACCEPTED
    } else {
        DEACTIVATE_ACCEPTED
    };
    let result = check(id, SOURCE_ACTIVE, request);
    if response.status == 200 || response.status == 204 {
        return result;
    }
    result.fail(format!(
        "expected 200 with the user or 204 (OIN template apps set `active` with a path-less \
         PATCH, docs/idps/okta.md §3.5), got {}: Okta fails the task and does not fall back to \
         PUT (docs/idps/okta.md §1, §3.7)",
        got_status(response)
    ))
}

/// The OIN template's password-sync PATCH: `200` with the user or `204` (docs/idps/okta.md
/// §3.5, §3.8, as for every user PATCH).
pub fn password_patch_accepted(request: usize, response: &WireResponse) -> IdpCheck {
    let result = check(PASSWORD_ACCEPTED, "docs/idps/okta.md §3.5, §3.8", request);
    if response.status == 200 || response.status == 204 {
        return result;
    }
    result.fail(format!(
        "expected 200 with the user or 204 (OIN template apps sync a password with a PATCH, \
         docs/idps/okta.md §1.1, §3.5), got {}: Okta fails the password push and shows the \
         server's error in Tasks (docs/idps/okta.md §3.7)",
        got_status(response)
    ))
}
