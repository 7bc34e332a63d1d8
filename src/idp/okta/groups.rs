//! Push Groups (docs/idps/okta.md §3.6): the requests Okta sends for a pushed group and what it
//! needs back.
//!
//! The OIN template flavour changes groups with PATCH; the App Integration Wizard flavour with a
//! full `PUT /Groups/{id}` (docs/idps/okta.md §1.1, §3.6.8). Member objects
//! carry only `value` (the target's user id) and `display` (Okta's username), never `type` or
//! `$ref` (§3.6, SCIM-SDK#419). Bodies are compact JSON in Okta's key order (serde keeps struct
//! field order).
//!
//! Where Okta's push stops, the action stops: a create without an `id` sends nothing more, and a
//! rejected rename sends no membership PATCH ("a 400 here caused Okta to mark the entire group
//! push as Error and stop pushing group memberships", §3.6, Metatavu#113).
//!
//! Membership changes go out in PATCHes of at most [`Okta::membership_batch`] changes (100 by
//! default, 100 to 1000: Okta's OIN submission guide, §3.6.5); the POST of a new group still
//! lists every member, as the 2021 capture shows (§3.6.3).
//!
//! A group can also be found by name and linked ("Link Group", §3.6.2): a `displayName eq`
//! filter, then the membership pushed to the match, or a create when nothing matches.
//!
//! The 2018–2019 docs' `GET /Groups/{id}` before an AIW PUT is an option
//! ([`Okta::group_put_reads_first`], off by default: the current docs' PUT echoes no GET).
//!
//! Not done: the `GET /Groups/{id}` seen between a membership PATCH and the rename in one
//! report (go-scim#57, OIN template, one observation), and the reported variant bodies (path-less `replace` of `members`, members
//! without `display`, §3.6.7).

use serde::Serialize;

use super::checks::{self, Lookup, got_status};
use super::request::{self, PATCH_OP_SCHEMA};
use super::{Okta, OktaFlavour, Session};
use crate::idp::wire::{Wire, WireResponse};
use crate::idp::{IdpCheck, IdpError};
use crate::level::Level;

pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

pub const SOURCE_GROUPS: &str = "docs/idps/okta.md §3.6";

pub const PUSH_GROUP_CREATE: &str = "okta.push-group.create-returns-201-with-id";
pub const PUSH_GROUP_RENAME: &str = "okta.push-group.rename-accepted";
pub const PUSH_GROUP_MEMBERS: &str = "okta.push-group.members-accepted";
pub const PUSH_GROUP_PUT: &str = "okta.push-group.put-returns-200";
pub const PUSH_NOW_REPLACE: &str = "okta.push-now.replace-members-accepted";
pub const UNLINK_DELETE: &str = "okta.unlink.delete-returns-204";
pub const PUSH_GROUP_GET: &str = "okta.push-group.get-returns-the-group";
const SOURCE_GROUP_GET: &str = "docs/idps/okta.md §3.6.8, §3.6.9";

/// A pushed group as Okta knows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PushedGroup {
    /// The Okta group's name, sent as `displayName`.
    pub name: String,
    /// The id the target returned on create; Okta addresses the group by it.
    pub target_id: Option<String>,
}

/// A member as Okta pushes it: the target's user id, and Okta's username as `display`
/// (docs/idps/okta.md §3.6: "`display` is the Okta username or email, not the display name").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PushedMember {
    pub target_id: String,
    pub user_name: String,
}

impl Okta {
    /// "Push group" with "Push group memberships immediately" (docs/idps/okta.md §3.6.3).
    ///
    /// OIN template: `POST /Groups` with the members already in the body (the 2021 capture),
    /// then the rename `PATCH replace {id, displayName}` (the observed order `POST` → rename →
    /// members, scimgateway#112, Metatavu#113), then one `PATCH add` of the same members (sent
    /// only when there are members). AIW: `POST` with `"members":[]`, then a `PUT` with the full
    /// list (SimpleIdServer#247).
    ///
    /// Sets `target_id` once the target returned an id; without one nothing more is sent.
    pub async fn push_group<W: Wire>(
        &self,
        group: &mut PushedGroup,
        members: &[PushedMember],
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let mut session = Session::new(wire, "push group");
        self.create_group(&mut session, group, members).await?;
        Ok(session.checks)
    }

    /// "Push group" after "Find groups by name", with "Link Group" as the push action for a
    /// match (docs/idps/okta.md §3.6.1, §3.6.2): `GET /Groups?filter=displayName%20eq%20…&
    /// startIndex=1&count=100`. A match is linked: Okta keeps its `id` (`target_id`) and pushes
    /// the group's membership to it, since the linked group's members are not Okta's: OIN
    /// template a `replace` of `members` with the full list (the "re-sync" form of §3.6.6,
    /// judged as a membership PATCH), then the name PATCH that follows every membership update
    /// (§3.6.4); AIW a full `PUT` (§3.6.8). \[I\] The requests after the link are the likely
    /// form; Okta documents the lookup and the link, not what follows. No match: the group is
    /// created as [`Okta::push_group`] does. An answer Okta cannot read stops the push.
    pub async fn link_group<W: Wire>(
        &self,
        group: &mut PushedGroup,
        members: &[PushedMember],
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let mut session = Session::new(wire, "link group");
        let path = request::group_lookup_path(&group.name, self.filter_spaces);
        let (index, response) = session.send(request::request("GET", path, None)).await?;
        let (lookup_checks, found) = checks::group_lookup(index, &response, &group.name);
        session.judge_all(lookup_checks);
        match found {
            Lookup::Stop => {}
            Lookup::NotFound => self.create_group(&mut session, group, members).await?,
            Lookup::Found(id) => {
                group.target_id = Some(id.clone());
                match self.flavour {
                    OktaFlavour::OinTemplate => {
                        let operation = Operation {
                            op: "replace",
                            path: Some("members".to_owned()),
                            value: Some(OpValue::Members(members_of(members))),
                        };
                        if send_patch(&mut session, &id, vec![operation], PUSH_GROUP_MEMBERS)
                            .await?
                        {
                            rename(&mut session, &id, &group.name).await?;
                        }
                    }
                    OktaFlavour::Aiw => {
                        self.put_group(&mut session, &id, &group.name, members)
                            .await?;
                    }
                }
            }
        }
        Ok(session.checks)
    }

    /// `POST /Groups` and what follows it in Okta's push (see [`Okta::push_group`]).
    async fn create_group<W: Wire>(
        &self,
        session: &mut Session<'_, W>,
        group: &mut PushedGroup,
        members: &[PushedMember],
    ) -> Result<(), IdpError> {
        let posted = match self.flavour {
            OktaFlavour::OinTemplate => members,
            OktaFlavour::Aiw => &[],
        };
        let post = request::request(
            "POST",
            "/Groups".to_owned(),
            Some(group_body(&group.name, posted)),
        );
        let (index, response) = session.send(post).await?;
        let (created, id) = created(index, &response);
        session.judge(created);
        let Some(id) = id else {
            return Ok(());
        };
        group.target_id = Some(id.clone());
        match self.flavour {
            OktaFlavour::OinTemplate => {
                if rename(session, &id, &group.name).await? {
                    self.send_membership(session, &id, &[], members).await?;
                }
            }
            OktaFlavour::Aiw => {
                self.put_group(session, &id, &group.name, members).await?;
            }
        }
        Ok(())
    }

    /// A membership change of a pushed group (docs/idps/okta.md §3.6.5).
    ///
    /// OIN template: one PATCH with one `remove` per removed member (path
    /// `members[value eq "<id>"]`), then one batched `add`; then the rename `PATCH replace {id,
    /// displayName}` that Okta sends with every membership update, even when the name did not
    /// change. \[I\] A rejected membership PATCH fails Okta's task, so no rename follows. AIW: one
    /// `PUT` with the full member list (`all`). \[I\] Nothing is sent when nothing was added or
    /// removed.
    pub async fn update_group_members<W: Wire>(
        &self,
        group: &PushedGroup,
        added: &[PushedMember],
        removed: &[PushedMember],
        all: &[PushedMember],
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = pushed_id(group)?;
        let mut session = Session::new(wire, "group membership update");
        if added.is_empty() && removed.is_empty() {
            return Ok(session.checks);
        }
        match self.flavour {
            OktaFlavour::OinTemplate => {
                if self
                    .send_membership(&mut session, &id, removed, added)
                    .await?
                {
                    rename(&mut session, &id, &group.name).await?;
                }
            }
            OktaFlavour::Aiw => {
                self.put_group(&mut session, &id, &group.name, all).await?;
            }
        }
        Ok(session.checks)
    }

    /// A rename pushed to the target (docs/idps/okta.md §3.6.4): OIN template `PATCH
    /// {"op":"replace","value":{"id":…,"displayName":…}}`; AIW a `PUT` with the full group.
    pub async fn rename_group<W: Wire>(
        &self,
        group: &PushedGroup,
        all: &[PushedMember],
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = pushed_id(group)?;
        let mut session = Session::new(wire, "rename group");
        match self.flavour {
            OktaFlavour::OinTemplate => {
                rename(&mut session, &id, &group.name).await?;
            }
            OktaFlavour::Aiw => {
                self.put_group(&mut session, &id, &group.name, all).await?;
            }
        }
        Ok(session.checks)
    }

    /// "Push Now" (docs/idps/okta.md §3.6.6): OIN template `PATCH replace` with path
    /// `members` and the full list, `"value":[]` for an empty group (SCIM-SDK#757); AIW a `PUT`
    /// with the full group.
    pub async fn push_now<W: Wire>(
        &self,
        group: &PushedGroup,
        all: &[PushedMember],
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = pushed_id(group)?;
        let mut session = Session::new(wire, "Push Now");
        match self.flavour {
            OktaFlavour::OinTemplate => {
                let operation = Operation {
                    op: "replace",
                    path: Some("members".to_owned()),
                    value: Some(OpValue::Members(members_of(all))),
                };
                send_patch(&mut session, &id, vec![operation], PUSH_NOW_REPLACE).await?;
            }
            OktaFlavour::Aiw => {
                self.put_group(&mut session, &id, &group.name, all).await?;
            }
        }
        Ok(session.checks)
    }

    /// "Unlink pushed group" (docs/idps/okta.md §3.6.9): with "Delete the group in the
    /// target app" a `DELETE /Groups/{id}`, expecting `204`; with "Leave the group in the target
    /// app" nothing is sent. `target_id` is cleared when the target accepted the delete (a 204);
    /// without the delete it is left as is (the group still exists in the target).
    pub async fn unlink_group<W: Wire>(
        &self,
        group: &mut PushedGroup,
        delete_in_target: bool,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        if !delete_in_target {
            return Ok(Vec::new());
        }
        let id = pushed_id(group)?;
        let mut session = Session::new(wire, "unlink group");
        let delete = request::delete_group(group_path(&id));
        let (index, response) = session.send(delete).await?;
        let mut deleted = check(UNLINK_DELETE, index);
        if response.status != 204 {
            deleted = deleted.fail(format!(
                "expected 204 (Okta deletes an unlinked group with DELETE /Groups/{{id}} and \
                 expects 204, docs/idps/okta.md §3.6, §3.8), got {}",
                got_status(&response)
            ));
        }
        if session.judge(deleted) {
            group.target_id = None;
        }
        Ok(session.checks)
    }
}

impl Okta {
    /// Membership changes as OIN template apps send them (docs/idps/okta.md §3.6.5): the
    /// changes, removals first, cut into PATCHes of at most [`Okta::membership_batch`] changes
    /// (*documented*: 100 by default, 100 to 1000 for OIN apps); in each PATCH one `remove` per
    /// leaving member (path `members[value eq "<id>"]`), then one `add` with every joining
    /// member of that batch. Each PATCH is judged on its own (`okta.push-group.members-accepted`)
    /// and, like every Okta request, waits [`MEMBERSHIP_PATCH_TIMEOUT`] for its answer
    /// ([`crate::idp::request_timeout`]). \[I\] A rejected batch fails Okta's task, so no later
    /// batch is sent. Whether every batch was accepted; nothing is sent when nothing changed.
    async fn send_membership<W: Wire>(
        &self,
        session: &mut Session<'_, W>,
        id: &str,
        removed: &[PushedMember],
        added: &[PushedMember],
    ) -> Result<bool, IdpError> {
        // The changes in order are `removed` then `added`; a batch is a window over them.
        let total = removed.len() + added.len();
        let size = self.membership_batch.size();
        for start in (0..total).step_by(size) {
            let end = (start + size).min(total);
            let leaving = &removed[start.min(removed.len())..end.min(removed.len())];
            let joining =
                &added[start.saturating_sub(removed.len())..end.saturating_sub(removed.len())];
            let mut operations: Vec<Operation> = leaving.iter().map(remove_member).collect();
            if !joining.is_empty() {
                operations.push(add_members(joining));
            }
            let patch = request::request("PATCH", group_path(id), Some(patch_body(operations)));
            let (index, response) = session.send(patch).await?;
            if !session.judge(patch_accepted(PUSH_GROUP_MEMBERS, index, &response)) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// How long Okta waits for the answer to a group membership PATCH: "Group membership PATCH
/// operations timeout after 60 seconds" (docs/idps/okta.md §3.6.5, *documented*), the same 60 s
/// Okta gives every request (§3.7), which is what [`crate::idp::request_timeout`] applies.
pub const MEMBERSHIP_PATCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

fn pushed_id(group: &PushedGroup) -> Result<String, IdpError> {
    group
        .target_id
        .clone()
        .ok_or_else(|| IdpError::NotProvisioned(group.name.clone()))
}

/// `/Groups/{id}`, the id encoded exactly as in `/Users/{id}` ([`request::user_path`]).
pub fn group_path(id: &str) -> String {
    let user_path = request::user_path(id);
    format!("/Groups{}", &user_path["/Users".len()..])
}

fn check(id: &'static str, request: usize) -> IdpCheck {
    IdpCheck::new(id, Level::IdpRequired, SOURCE_GROUPS).on(request)
}

/// The rename PATCH; whether the target accepted it.
async fn rename<W: Wire>(
    session: &mut Session<'_, W>,
    id: &str,
    name: &str,
) -> Result<bool, IdpError> {
    let operation = Operation {
        op: "replace",
        path: None,
        value: Some(OpValue::Rename(Rename {
            id,
            display_name: name,
        })),
    };
    send_patch(session, id, vec![operation], PUSH_GROUP_RENAME).await
}

/// One `PATCH /Groups/{id}` with these operations, judged by the check `check_id` (200 or
/// 204); whether the target accepted it.
async fn send_patch<W: Wire>(
    session: &mut Session<'_, W>,
    id: &str,
    operations: Vec<Operation<'_>>,
    check_id: &'static str,
) -> Result<bool, IdpError> {
    let patch = request::request("PATCH", group_path(id), Some(patch_body(operations)));
    let (index, response) = session.send(patch).await?;
    Ok(session.judge(patch_accepted(check_id, index, &response)))
}

impl Okta {
    /// The App Integration Wizard's full `PUT /Groups/{id}` (docs/idps/okta.md §3.6.8); whether
    /// the target accepted it. With [`Okta::group_put_reads_first`], the 2018–2019 form: `GET
    /// /Groups/{id}` first (which also tells Okta whether the group still exists, §3.6.9), then
    /// the PUT of the group as returned, with Okta's name and members in it.
    async fn put_group<W: Wire>(
        &self,
        session: &mut Session<'_, W>,
        id: &str,
        name: &str,
        members: &[PushedMember],
    ) -> Result<bool, IdpError> {
        let body = if self.group_put_reads_first {
            let get = request::request("GET", group_path(id), None);
            let (index, response) = session.send(get).await?;
            let (fetched, group) = fetched_group(index, &response, id);
            if !session.judge(fetched) {
                return Ok(false);
            }
            let members =
                serde_json::to_string(&members_of(members)).expect("a list of strings serialises");
            request::merged_group_put_body(&group, name, &members)
        } else {
            group_body(name, members)
        };
        let put = request::request("PUT", group_path(id), Some(body));
        let (index, response) = session.send(put).await?;
        let mut accepted = check(PUSH_GROUP_PUT, index);
        if response.status != 200 {
            accepted = accepted.fail(format!(
                "expected 200 with the group (App Integration Wizard apps push groups with a full \
                 PUT /Groups/{{id}}, docs/idps/okta.md §1, §3.6, §3.8), got {}: Okta marks the group \
                 push as Error (docs/idps/okta.md §3.7)",
                got_status(&response)
            ));
        }
        Ok(session.judge(accepted))
    }
}

/// `GET /Groups/{id}` before the PUT (docs/idps/okta.md §3.6.8, §3.6.9): `200` with the group
/// Okta asked for, whose body the PUT echoes; a `404` says the group no longer exists. Returns
/// the check and the group.
fn fetched_group(
    request: usize,
    response: &WireResponse,
    id: &str,
) -> (IdpCheck, serde_json::Map<String, serde_json::Value>) {
    let result = IdpCheck::new(PUSH_GROUP_GET, Level::IdpRequired, SOURCE_GROUP_GET).on(request);
    let why = "Okta reads the group, then PUTs it back with its changes, docs/idps/okta.md §3.6.8";
    if response.status != 200 {
        let gone = if response.status == 404 {
            ": the group no longer exists in the target, and Okta cannot push to it"
        } else {
            ""
        };
        let reason = format!(
            "expected 200 with the group ({why}), got {}{gone}",
            got_status(response)
        );
        return (result.fail(reason), serde_json::Map::new());
    }
    match response.json() {
        Some(serde_json::Value::Object(group))
            if group.get("id").and_then(serde_json::Value::as_str) == Some(id) =>
        {
            (result, group)
        }
        Some(serde_json::Value::Object(group)) => {
            let reason = format!(
                "expected the group with `id` {id:?} ({why}), got {}",
                group
                    .get("id")
                    .map_or("no `id`".to_owned(), serde_json::Value::to_string)
            );
            (result.fail(reason), serde_json::Map::new())
        }
        _ => (
            result.fail(format!("expected the group as a JSON object ({why})")),
            serde_json::Map::new(),
        ),
    }
}

/// `POST /Groups`: `201` with the group's `id` (docs/idps/okta.md §3.6). Returns the check and
/// the id when a 2xx carried one; \[I\] a 2xx other than 201 with an id fails the check but
/// links the group, as for users (§3.3).
fn created(request: usize, response: &WireResponse) -> (IdpCheck, Option<String>) {
    let expected = "expected 201 with the new group's `id` (Okta stores it and addresses the \
                    group by it, docs/idps/okta.md §3.6)";
    let result = check(PUSH_GROUP_CREATE, request);
    if !(200..300).contains(&response.status) {
        let hint = if response.status == 409 {
            ": a group with that name exists in the target, and Okta cannot push a name that \
             exists there unless the group is linked (docs/idps/okta.md §3.6)"
        } else {
            ": Okta marks the group push as Error (docs/idps/okta.md §3.7)"
        };
        let reason = format!("{expected}, got {}{hint}", got_status(response));
        return (result.fail(reason), None);
    }
    let id = response
        .json()
        .as_ref()
        .and_then(|body| body.get("id"))
        .and_then(serde_json::Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    match id {
        None => {
            let reason = format!(
                "{expected}, got {} without an `id`: Okta cannot push memberships or changes to \
                 a group it has no id for",
                response.status
            );
            (result.fail(reason), None)
        }
        Some(id) if response.status != 201 => {
            let reason = format!(
                "{expected}, got {} (docs/idps/okta.md §3.8: after POST, 201 with the resource)",
                response.status
            );
            (result.fail(reason), Some(id))
        }
        Some(id) => (result, Some(id)),
    }
}

/// A group PATCH: `200` or `204` (docs/idps/okta.md §3.6, §3.8); Okta "doesn't require the list
/// of users to be returned".
fn patch_accepted(id: &'static str, request: usize, response: &WireResponse) -> IdpCheck {
    let result = check(id, request);
    if response.status == 200 || response.status == 204 {
        return result;
    }
    let consequence = if id == PUSH_GROUP_RENAME {
        "a 400 here \"caused Okta to mark the entire group push as Error and stop pushing group \
         memberships\" (docs/idps/okta.md §3.6, Metatavu/keycloak-scim-server#113); servers must \
         ignore the read-only `id` in `value`"
    } else if id == PUSH_NOW_REPLACE {
        "Push Now replaces `members` with path `members`, `\"value\":[]` for an empty group; \
         servers that implement only add and remove fail here (docs/idps/okta.md §3.6)"
    } else {
        "Okta marks the group push as Error and shows the server's error in Tasks \
         (docs/idps/okta.md §3.6, §3.7)"
    };
    result.fail(format!(
        "expected 200 with the group or 204 (OIN template apps push groups with PATCH, \
         docs/idps/okta.md §1, §3.6), got {}: {consequence}",
        got_status(response)
    ))
}

/// The group body of `POST /Groups` and of the AIW `PUT /Groups/{id}` (docs/idps/okta.md §3.6):
/// `schemas, displayName, members`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupBody<'a> {
    schemas: [&'static str; 1],
    display_name: &'a str,
    members: Vec<Member<'a>>,
}

/// A member as Okta sends it: `value, display`, no `type`, no `$ref` (§3.6).
#[derive(Serialize)]
struct Member<'a> {
    value: &'a str,
    display: &'a str,
}

#[derive(Serialize)]
struct PatchBody<'a> {
    schemas: [&'static str; 1],
    #[serde(rename = "Operations")]
    operations: Vec<Operation<'a>>,
}

/// One operation: `op, path, value`, absent keys omitted.
#[derive(Serialize)]
struct Operation<'a> {
    op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<OpValue<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum OpValue<'a> {
    Members(Vec<Member<'a>>),
    Rename(Rename<'a>),
}

/// The rename's value: the read-only `id` first, then `displayName` (§3.6).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rename<'a> {
    id: &'a str,
    display_name: &'a str,
}

fn members_of(members: &[PushedMember]) -> Vec<Member<'_>> {
    members
        .iter()
        .map(|member| Member {
            value: &member.target_id,
            display: &member.user_name,
        })
        .collect()
}

fn remove_member(member: &PushedMember) -> Operation<'_> {
    Operation {
        op: "remove",
        path: Some(format!("members[value eq \"{}\"]", member.target_id)),
        value: None,
    }
}

fn add_members(members: &[PushedMember]) -> Operation<'_> {
    Operation {
        op: "add",
        path: Some("members".to_owned()),
        value: Some(OpValue::Members(members_of(members))),
    }
}

fn group_body(name: &str, members: &[PushedMember]) -> Vec<u8> {
    let body = GroupBody {
        schemas: [GROUP_SCHEMA],
        display_name: name,
        members: members_of(members),
    };
    serde_json::to_vec(&body).expect("a struct of strings serialises")
}

fn patch_body(operations: Vec<Operation<'_>>) -> Vec<u8> {
    let body = PatchBody {
        schemas: [PATCH_OP_SCHEMA],
        operations,
    };
    serde_json::to_vec(&body).expect("a struct of strings serialises")
}
