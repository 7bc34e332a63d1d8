//! What Entra needs back to work: each answer judged as Entra's provisioning service would,
//! with the error Entra would log (docs/idps/entra.md §10, §11).
//!
//! Every check is [`Level::IdpRequired`]: a failure is an object Entra escrows, a log line the
//! customer's admin sees, or a job in quarantine.

use serde_json::Value;

use crate::idp::IdpCheck;
use crate::idp::wire::WireResponse;
use crate::level::Level;

pub const TEST_CONNECTION_EMPTY_LIST: &str = "entra.test-connection.empty-list-200";
pub const LOOKUP_LIST_RESPONSE: &str = "entra.lookup.answers-list-response";
pub const LOOKUP_SINGLE_MATCH: &str = "entra.lookup.single-match";
pub const LOOKUP_MATCH_QUERIED: &str = "entra.lookup.match-is-the-queried-resource";
pub const LOOKUP_FINDS_EXISTING: &str = "entra.lookup.finds-existing-user";
pub const GROUP_LOOKUP_EXCLUDES_MEMBERS: &str = "entra.group.lookup-excludes-members";
pub const CREATE_RETURNS_ID: &str = "entra.create.returns-201-with-id";
pub const GROUP_CREATE_RETURNS_ID: &str = "entra.group.create-returns-201-with-id";
pub const GET_FINDS_ANCHOR: &str = "entra.get.finds-anchored-object";
pub const UPDATE_ACCEPTED: &str = "entra.update.accepted";
pub const GROUP_PATCH_ACCEPTED: &str = "entra.group.patch-accepted";
pub const DELETE_RETURNS_204: &str = "entra.delete.returns-204";
pub const REQUEST_COMPLETES: &str = "entra.request.completes";
pub const JOB_NOT_QUARANTINED: &str = "entra.job.not-quarantined";
pub const ESCROW_NOT_GIVEN_UP: &str = "entra.escrow.not-given-up";

const SOURCE_TEST_CONNECTION: &str = "docs/idps/entra.md §4";
const SOURCE_CREATE: &str = "docs/idps/entra.md §6";
const SOURCE_PATCH: &str = "docs/idps/entra.md §7.5";
const SOURCE_USERS_LIFECYCLE: &str = "docs/idps/entra.md §8";
const SOURCE_GROUPS: &str = "docs/idps/entra.md §9";
pub const SOURCE_ERRORS: &str = "docs/idps/entra.md §10";
const SOURCE_ANSWERS: &str = "docs/idps/entra.md §11";

fn check(id: &'static str, source: &'static str, index: usize) -> IdpCheck {
    IdpCheck::new(id, Level::IdpRequired, source).on(index)
}

/// What a filter query came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    NotFound,
    Found(String, Value),
    /// Entra could not read it; `filter_404` when it was the compliance failure that quarantines.
    Failed {
        filter_404: bool,
    },
}

/// A ListResponse's resources, or why it is not one Entra can read.
fn list_resources(response: &WireResponse) -> Result<Vec<Value>, String> {
    if response.status != 200 {
        return Err(format!(
            "the filter query answered {} (Entra needs 200 with a ListResponse, even for no match)",
            response.status
        ));
    }
    let Some(mut body) = response.json() else {
        return Err(
            "the body is not JSON: SystemForCrossDomainIdentityManagementServiceIncompatible"
                .into(),
        );
    };
    let Some(total) = body.get("totalResults") else {
        return Err("the ListResponse has no totalResults".into());
    };
    if !total.is_u64() {
        return Err(format!(
            "totalResults is {total}, not an integer: Entra cannot deserialize the ListResponse"
        ));
    }
    let empty = total.as_u64() == Some(0);
    match body.get_mut("Resources").map(Value::take) {
        None if empty => Ok(Vec::new()),
        Some(Value::Array(resources)) => Ok(resources),
        _ => Err("the ListResponse has no Resources array".into()),
    }
}

/// Test Connection's probe for a random GUID (§4): 200 with an empty ListResponse.
pub fn test_connection(index: usize, response: &WireResponse) -> (IdpCheck, bool) {
    let check = check(TEST_CONNECTION_EMPTY_LIST, SOURCE_TEST_CONNECTION, index);
    match list_resources(response) {
        Ok(resources) if resources.is_empty() => (check, false),
        Ok(resources) => (
            check.fail(format!(
                "a filter on a random GUID matched {} resource(s): the filter is not applied",
                resources.len()
            )),
            false,
        ),
        Err(reason) => (check.fail(reason), response.status == 404),
    }
}

/// A lookup by the matching attribute (§6, §9): a ListResponse with at most one resource,
/// which has an `id`; a group's without `members` when they were excluded.
pub fn lookup(
    index: usize,
    response: &WireResponse,
    group: bool,
    (attribute, wanted): (&str, &str),
) -> (Vec<IdpCheck>, Lookup) {
    let mut checks = Vec::new();
    let listed = check(LOOKUP_LIST_RESPONSE, SOURCE_ANSWERS, index);
    let resources = match list_resources(response) {
        Ok(resources) => {
            checks.push(listed);
            resources
        }
        Err(reason) => {
            let filter_404 = response.status == 404;
            let reason = if filter_404 {
                format!(
                    "{reason}; a 404 on a filter query is a SCIM compliance failure that quarantines the job (docs/idps/entra.md §10.1)"
                )
            } else {
                reason
            };
            checks.push(listed.fail(reason));
            return (checks, Lookup::Failed { filter_404 });
        }
    };
    let single = check(LOOKUP_SINGLE_MATCH, SOURCE_ERRORS, index);
    if resources.len() > 1 {
        checks.push(single.fail(format!(
            "the lookup matched {} resources: SystemForCrossDomainIdentityManagementMultipleEntriesInResponse",
            resources.len()
        )));
        return (checks, Lookup::Failed { filter_404: false });
    }
    checks.push(single);
    if group {
        let excluded = check(GROUP_LOOKUP_EXCLUDES_MEMBERS, SOURCE_GROUPS, index);
        if resources.iter().any(|r| r.get("members").is_some()) {
            checks.push(excluded.fail(
                "the group came back with `members` although the query said excludedAttributes=members",
            ));
            return (checks, Lookup::Failed { filter_404: false });
        }
        checks.push(excluded);
    }
    // Entra links to the match: a target that ignored the filter hands it a stranger.
    let queried = check(
        LOOKUP_MATCH_QUERIED,
        if group { SOURCE_GROUPS } else { SOURCE_CREATE },
        index,
    );
    if let Some(reason) = resources
        .first()
        .and_then(|resource| crate::idp::lookup::wrong_match(resource, attribute, wanted))
    {
        checks.push(queried.fail(reason));
        return (checks, Lookup::Failed { filter_404: false });
    }
    checks.push(queried);
    match resources.into_iter().next() {
        None => (checks, Lookup::NotFound),
        Some(resource) => match resource
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
        {
            Some(id) => (checks, Lookup::Found(id, resource)),
            None => {
                let last = checks.pop().expect("a check was pushed");
                checks.push(last.fail("the matched resource has no `id`"));
                (checks, Lookup::Failed { filter_404: false })
            }
        },
    }
}

/// `POST /Users` or `/Groups` after an empty lookup (§6, §9): 201 with an `id`. A 409 means the
/// lookup missed an object the target holds: Entra escrows it and retries, forever failing.
pub fn created(
    index: usize,
    response: &WireResponse,
    group: bool,
) -> (Vec<IdpCheck>, Option<String>) {
    let (id, source) = if group {
        (GROUP_CREATE_RETURNS_ID, SOURCE_GROUPS)
    } else {
        (CREATE_RETURNS_ID, SOURCE_CREATE)
    };
    let created = check(id, source, index);
    if response.status == 409 && !group {
        return (
            vec![
                created.fail("409 Conflict: Entra logs EntryConflict and escrows the user"),
                check(LOOKUP_FINDS_EXISTING, SOURCE_USERS_LIFECYCLE, index).fail(
                    "the lookup found no user, yet the target holds one with this userName: disabled users must still be returned by filter queries (docs/idps/entra.md §8) and lookups must ignore case (docs/idps/entra.md §11)",
                ),
            ],
            None,
        );
    }
    if response.status != 201 {
        return (
            vec![created.fail(format!("expected 201 Created, got {}", response.status))],
            None,
        );
    }
    match response
        .json()
        .and_then(|b| b.get("id").and_then(Value::as_str).map(str::to_owned))
    {
        Some(target_id) => (vec![created], Some(target_id)),
        None => (vec![created.fail("the 201 body has no `id`")], None),
    }
}

/// `GET` by the id Entra anchored (§7, §10): 200 with the resource; 404 is `InvalidAnchor`.
pub fn fetched(index: usize, response: &WireResponse) -> (IdpCheck, Option<Value>) {
    let found = check(GET_FINDS_ANCHOR, SOURCE_ERRORS, index);
    match response.status {
        200 => match response.json() {
            Some(body) if body.get("id").is_some() => (found, Some(body)),
            _ => (
                found.fail("the 200 body is not a resource with an `id`"),
                None,
            ),
        },
        404 => (
            found.fail(
                "404 for an object Entra created or matched: InvalidAnchor (it no longer exists)",
            ),
            None,
        ),
        status => (found.fail(format!("expected 200, got {status}")), None),
    }
}

/// A PATCH (§7.5, §9): 200 or 204.
pub fn patched(index: usize, response: &WireResponse, group: bool) -> IdpCheck {
    let (id, source) = if group {
        (GROUP_PATCH_ACCEPTED, SOURCE_GROUPS)
    } else {
        (UPDATE_ACCEPTED, SOURCE_PATCH)
    };
    let accepted = check(id, source, index);
    match response.status {
        200 | 204 => accepted,
        status => accepted.fail(format!("expected 200 or 204, got {status}")),
    }
}

/// A DELETE (§8, §9): 204.
pub fn deleted(index: usize, response: &WireResponse) -> IdpCheck {
    let deleted = check(DELETE_RETURNS_204, SOURCE_USERS_LIFECYCLE, index);
    match response.status {
        204 => deleted,
        status => deleted.fail(format!("expected 204 No Content, got {status}")),
    }
}

/// A request that never got an answer (§10: timeouts and protocol errors are retried).
pub fn unanswered(index: usize, line: &str, error: &str) -> IdpCheck {
    check(REQUEST_COMPLETES, SOURCE_ERRORS, index).fail(format!("{line}: {error}"))
}
