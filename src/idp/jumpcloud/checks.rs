//! The checks a JumpCloud action judges: what JumpCloud needs back from the target to carry on.
//!
//! Every check is [`Level::IdpRequired`] except `jumpcloud.test-connection.delete-user-supported`
//! ([`Level::Info`]): JumpCloud works without `DELETE /Users/{id}`, deactivating instead and
//! leaving the user for the admin to delete (§2). A failed check's reasons read "expected …,
//! got …" and name the section of docs/idps/jumpcloud.md they rest on. Where JumpCloud's needs are
//! not documented (most of docs/idps/jumpcloud.md is \[I\]), the check asks for what RFC 7644 §3
//! answers with, which is what a SCIM client written against the RFC parses.

use serde_json::Value;

use crate::idp::IdpCheck;
use crate::idp::wire::WireResponse;
use crate::level::Level;

pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

pub const SOURCE_TEST_CONNECTION: &str = "docs/idps/jumpcloud.md §2";
pub const SOURCE_LOOKUP: &str = "docs/idps/jumpcloud.md §3, §4";
pub const SOURCE_CREATE: &str = "docs/idps/jumpcloud.md §4";
pub const SOURCE_UPDATE: &str = "docs/idps/jumpcloud.md §5";
pub const SOURCE_ACTIVE: &str = "docs/idps/jumpcloud.md §5, §6";
pub const SOURCE_DELETE: &str = "docs/idps/jumpcloud.md §6";
pub const SOURCE_GROUPS: &str = "docs/idps/jumpcloud.md §7";
pub const SOURCE_IMPORT: &str = "docs/idps/jumpcloud.md §8";

pub const TEST_LOOKUP: &str = "jumpcloud.test-connection.lookup-is-list-response";
pub const TEST_CREATE: &str = "jumpcloud.test-connection.create-returns-201-with-id";
pub const TEST_NULL_EMAILS: &str = "jumpcloud.test-connection.put-accepts-null-emails";
pub const TEST_GROUP_CREATE: &str = "jumpcloud.test-connection.group-create-returns-201-with-id";
pub const TEST_GROUP_DELETE: &str = "jumpcloud.test-connection.group-delete-returns-204";
pub const TEST_DELETE_USER: &str = "jumpcloud.test-connection.delete-user-returns-204";
/// [`Level::Info`]: a refused DELETE is JumpCloud's documented fallback, not a failure (§2).
pub const TEST_DELETE_SUPPORTED: &str = "jumpcloud.test-connection.delete-user-supported";
pub const TEST_DEACTIVATE_FALLBACK: &str = "jumpcloud.test-connection.deactivate-fallback-accepted";

pub const LOOKUP: &str = "jumpcloud.lookup.answer-is-list-response";
pub const LOOKUP_MATCH_QUERIED: &str = "jumpcloud.lookup.match-is-the-queried-resource";
pub const CREATE: &str = "jumpcloud.create.returns-201-with-id";
pub const LINK_PUT: &str = "jumpcloud.link.put-returns-200";
pub const LINK_PATCH: &str = "jumpcloud.link.patch-accepted";
pub const UPDATE_PUT: &str = "jumpcloud.update.put-returns-200";
pub const UPDATE_PATCH: &str = "jumpcloud.update.patch-accepted";
pub const DEACTIVATE: &str = "jumpcloud.deactivate.accepted";
pub const REACTIVATE: &str = "jumpcloud.reactivate.accepted";
pub const DELETE: &str = "jumpcloud.delete.returns-204";

pub const GROUP_LOOKUP: &str = "jumpcloud.group.lookup-is-list-response";
pub const GROUP_CREATE: &str = "jumpcloud.group.create-returns-201-with-id";
pub const GROUP_ADD: &str = "jumpcloud.group.add-members-accepted";
pub const GROUP_REPEATED_ADD: &str = "jumpcloud.group.repeated-add-idempotent";
pub const GROUP_REMOVE: &str = "jumpcloud.group.remove-members-accepted";
pub const GROUP_REMOVE_APPLIED: &str = "jumpcloud.group.remove-by-value-applied";
pub const GROUP_RENAME: &str = "jumpcloud.group.rename-accepted";
pub const GROUP_DELETE: &str = "jumpcloud.group.delete-returns-204";

pub const IMPORT_PAGE: &str = "jumpcloud.import.page-is-list-response";
pub const IMPORT_PAGING: &str = "jumpcloud.import.paging-numbers-are-integers";
pub const IMPORT_ITEMS_PER_PAGE: &str = "jumpcloud.import.items-per-page-is-items-returned";
pub const IMPORT_TOTAL: &str = "jumpcloud.import.total-results-consistent";
pub const IMPORT_ENDS: &str = "jumpcloud.import.paging-ends";

pub fn check(id: &'static str, source: &'static str, request: usize) -> IdpCheck {
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

/// What is wrong with a ListResponse body: the ListResponse schema, and `Resources` as an array
/// (required when `totalResults` is not 0, RFC 7644 §3.4.2).
fn list_problems(body: &Value, why: &str) -> Vec<String> {
    let Some(object) = body.as_object() else {
        return vec![format!(
            "expected a JSON object ({why}), got {}",
            shown(body)
        )];
    };
    let mut problems = Vec::new();
    let has_schema = object
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|s| s.as_str() == Some(LIST_RESPONSE_SCHEMA)));
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
        None if object.get("totalResults").and_then(Value::as_u64) == Some(0) => {}
        None => problems.push(format!("expected a `Resources` array ({why}), got none")),
    }
    problems
}

/// What a lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// `200` with no resources: JumpCloud creates.
    NotFound,
    /// JumpCloud takes over `Resources[0].id`.
    Found(String),
    /// JumpCloud cannot read the answer: `user_lookup_provision` error (§3), nothing more sent.
    Stop,
}

/// A filter lookup (users §3/§4, groups §7): `200` with a ListResponse, empty when not found;
/// a match must carry its `id`. \[I\] A `404` is not read as "not found": JumpCloud logs
/// lookup failures as their own event (`user_lookup_provision`, §3), and RFC 7644 §3.4.2 answers
/// a filter that matches nothing with an empty list.
pub fn lookup(
    id: &'static str,
    source: &'static str,
    why: &str,
    request: usize,
    response: &WireResponse,
    (attribute, wanted): (&str, &str),
) -> (Vec<IdpCheck>, Lookup) {
    let (answer, found) = lookup_answer(id, source, why, request, response);
    let Lookup::Found(_) = &found else {
        return (vec![answer], found);
    };
    // JumpCloud links to the match: a target that ignored the filter hands it a stranger.
    let queried = check(LOOKUP_MATCH_QUERIED, source, request);
    let first = response
        .json()
        .and_then(|body| body.pointer("/Resources/0").cloned())
        .unwrap_or_default();
    match crate::idp::lookup::wrong_match(&first, attribute, wanted) {
        Some(reason) => (vec![answer, queried.fail(reason)], Lookup::Stop),
        None => (vec![answer, queried], found),
    }
}

/// The lookup's answer alone: status, ListResponse, the match's `id`.
fn lookup_answer(
    id: &'static str,
    source: &'static str,
    why: &str,
    request: usize,
    response: &WireResponse,
) -> (IdpCheck, Lookup) {
    let mut result = check(id, source, request);
    if response.status != 200 {
        let reason = format!(
            "expected 200 with a ListResponse, empty when nothing matches ({why}), got {}",
            got_status(response)
        );
        return (result.fail(reason), Lookup::Stop);
    }
    let Some(body) = response.json() else {
        let reason = format!(
            "expected a JSON ListResponse ({why}), got {} bytes that are not JSON",
            response.body.len()
        );
        return (result.fail(reason), Lookup::Stop);
    };
    for problem in list_problems(&body, why) {
        result = result.fail(problem);
    }
    if !result.held() {
        return (result, Lookup::Stop);
    }
    let first = body
        .get("Resources")
        .and_then(Value::as_array)
        .and_then(|resources| resources.first());
    let Some(first) = first else {
        return (result, Lookup::NotFound);
    };
    match first.get("id").and_then(Value::as_str) {
        Some(found) if !found.is_empty() => (result, Lookup::Found(found.to_owned())),
        _ => {
            let reason = format!(
                "expected the match to carry a non-empty string `id` ({why}: JumpCloud addresses \
                 the resource by it), got {}",
                first.get("id").map_or("no `id`".to_owned(), shown)
            );
            (result.fail(reason), Lookup::Stop)
        }
    }
}

/// A `POST`: `201` with the new resource's `id` (RFC 7644 §3.3). Returns the id when a 2xx
/// carried one; \[I\] a 2xx other than 201 with an id fails the check but still links, so later
/// steps can run.
pub fn created(
    id: &'static str,
    source: &'static str,
    what: &str,
    request: usize,
    response: &WireResponse,
) -> (IdpCheck, Option<String>) {
    let expected = format!(
        "expected 201 with the new {what}'s `id` (JumpCloud addresses it by that id, {source})"
    );
    let result = check(id, source, request);
    if !(200..300).contains(&response.status) {
        let hint = if response.status == 409 {
            ": the target holds a conflicting resource that the lookup did not return"
        } else {
            ""
        };
        let reason = format!("{expected}, got {}{hint}", got_status(response));
        return (result.fail(reason), None);
    }
    let found = response
        .json()
        .as_ref()
        .and_then(|body| body.get("id"))
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    match found {
        None => {
            let reason = format!("{expected}, got {} without an `id`", response.status);
            (result.fail(reason), None)
        }
        Some(found) if response.status != 201 => {
            let reason = format!("{expected}, got {}", response.status);
            (result.fail(reason), Some(found))
        }
        Some(found) => (result, Some(found)),
    }
}

/// A status among `accepted`, described by `expectation` (e.g. "200 with the user").
pub fn status(
    id: &'static str,
    source: &'static str,
    accepted: &[u16],
    expectation: &str,
    request: usize,
    response: &WireResponse,
) -> IdpCheck {
    let result = check(id, source, request);
    if accepted.contains(&response.status) {
        result
    } else {
        result.fail(format!("{expectation}, got {}", got_status(response)))
    }
}

/// The `value`s of a group answer's `members`, when the answer is a 200 that lists them.
pub fn listed_members(response: &WireResponse) -> Option<Vec<String>> {
    if response.status != 200 {
        return None;
    }
    let body = response.json()?;
    let members = body.get("members")?.as_array()?;
    Some(
        members
            .iter()
            .filter_map(|member| member.get("value").and_then(Value::as_str))
            .map(str::to_owned)
            .collect(),
    )
}

/// The numbers of an import page JumpCloud can page on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportPage {
    pub items_per_page: u64,
    pub total_results: u64,
    /// How many `Resources` came back.
    pub returned: u64,
}

/// One import page judged (§8). Returns the checks and, when the page can be paged on,
/// [`ImportPage`]'s numbers as the target answered them.
pub fn import_page(request: usize, response: &WireResponse) -> (Vec<IdpCheck>, Option<ImportPage>) {
    let why =
        "JumpCloud imports users page by page with startIndex and count, docs/idps/jumpcloud.md §8";
    let mut page = check(IMPORT_PAGE, SOURCE_IMPORT, request);
    if response.status != 200 {
        let reason = format!(
            "expected 200 with a ListResponse ({why}), got {}",
            got_status(response)
        );
        return (vec![page.fail(reason)], None);
    }
    let Some(body) = response.json() else {
        let reason = format!(
            "expected a JSON ListResponse ({why}), got {} bytes that are not JSON",
            response.body.len()
        );
        return (vec![page.fail(reason)], None);
    };
    for problem in list_problems(&body, why) {
        page = page.fail(problem);
    }
    let mut paging = check(IMPORT_PAGING, SOURCE_IMPORT, request);
    let mut numbers = [0_u64; 3];
    for (slot, field) in numbers
        .iter_mut()
        .zip(["startIndex", "itemsPerPage", "totalResults"])
    {
        match body.get(field) {
            Some(value) if value.as_u64().is_some() => *slot = value.as_u64().unwrap_or_default(),
            other => {
                paging = paging.fail(format!(
                    "expected `{field}` as a JSON integer (JumpCloud pages until startIndex + \
                     itemsPerPage > totalResults, docs/idps/jumpcloud.md §8), got {}",
                    other.map_or(format!("no `{field}`"), shown)
                ));
            }
        }
    }
    let returned = body
        .get("Resources")
        .and_then(Value::as_array)
        .map_or(0, Vec::len) as u64;
    let mut items = check(IMPORT_ITEMS_PER_PAGE, SOURCE_IMPORT, request);
    let items_per_page = body.get("itemsPerPage");
    if items_per_page.and_then(Value::as_u64) != Some(returned) {
        items = items.fail(format!(
            "`/itemsPerPage`: expected {returned} (the number of `Resources` returned: \
             JumpCloud advances startIndex by itemsPerPage), got {}",
            items_per_page.map_or("none".to_owned(), shown)
        ));
    }
    let numbers = (page.held() && paging.held()).then_some(ImportPage {
        items_per_page: numbers[1],
        total_results: numbers[2],
        returned,
    });
    (vec![page, paging, items], numbers)
}
