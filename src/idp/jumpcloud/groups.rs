//! User groups bound to the app, with "Enable management of User Groups and Group Membership"
//! on (docs/idps/jumpcloud.md §1, §7).
//!
//! Documented (§7.1, JumpCloud's connector article): empty groups are not created; an existing
//! group of the same name is taken over; every group bound to the app is synced on each membership
//! or group change event; renames are synced; groups deleted in JumpCloud are deleted in the app.
//! The wire forms are \[S/I\]: a lookup by `displayName`, `POST /Groups` carrying the members,
//! members as `[{"value":"<id>"}]` only (no `display`, no `type`), `add` and `remove` PATCHes with
//! a value list and no filter (Paul-E/scim-v2-rust's fixtures, Uni-Moni's guide), a rename as
//! `replace` of `displayName` (or a full `PUT /Groups/{id}`, selectable with
//! [`JumpCloud::group_rename`]: §7 does not know which), and `DELETE /Groups/{id}`.
//!
//! Because every event re-syncs the group, [`JumpCloud::add_members`] sends the **whole** member
//! list, not the delta: members already in the group are added again, and the target must absorb
//! them idempotently (RFC 7644 §3.5.2.1: adding a value already present changes nothing). When a
//! 200 answer lists the members, `jumpcloud.group.repeated-add-idempotent` checks that no member
//! appears twice; a removal's 200 answer must no longer list the removed members
//! (`jumpcloud.group.remove-by-value-applied`: a server that ignores a `remove` carrying a value
//! list instead of a filter, the same danger as Entra's default dialect, §7).
//!
//! Not done: unbinding a group
//! (§7: the group is left as it is and its members are deactivated, which is
//! [`JumpCloud::set_active`] per member), and splitting large member lists (undocumented).

use std::collections::BTreeSet;

use serde_json::Value;

use super::checks::{self, Lookup, SOURCE_GROUPS};
use super::request::{self, Operation};
use super::{GroupRenameForm, JumpCloud, Session};
use crate::idp::wire::Wire;
use crate::idp::{IdpCheck, IdpError};

/// A JumpCloud user group bound to the app.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncedGroup {
    /// The group's name in JumpCloud, sent as `displayName` (§4 mapping: group `name` →
    /// `displayName`).
    pub name: String,
    /// The target's id, once created or taken over.
    pub target_id: Option<String>,
}

/// A member as JumpCloud sends it: only the target's user id, as `value` (§7).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncedMember {
    pub target_id: String,
}

fn member_ids(members: &[SyncedMember]) -> impl Iterator<Item = &str> {
    members.iter().map(|member| member.target_id.as_str())
}

impl JumpCloud {
    /// A group bound to the app (docs/idps/jumpcloud.md §7). With no members
    /// nothing is sent ("empty groups are not created") and no checks come back. Otherwise: `GET
    /// /Groups?filter=displayName+eq+%22…%22`; a match is taken over (its id becomes
    /// `target_id`) and gets the whole member list with one PATCH `add`; no match → `POST
    /// /Groups` with the members. Nothing more is sent after a lookup JumpCloud cannot read.
    pub async fn sync_group<W: Wire>(
        &self,
        group: &mut SyncedGroup,
        members: &[SyncedMember],
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let mut session = Session::new(wire, "group sync");
        let path = request::group_lookup_path(&group.name, self.filter_spaces);
        let (index, response) = session.send(self.request("GET", path, None)).await?;
        let (looked_up, found) = checks::lookup(
            checks::GROUP_LOOKUP,
            SOURCE_GROUPS,
            "JumpCloud takes over an app group whose name matches, so it looks groups up by \
             displayName, docs/idps/jumpcloud.md §7",
            index,
            &response,
            ("displayName", &group.name),
        );
        for check in looked_up {
            session.judge(check);
        }
        match found {
            Lookup::Stop => {}
            Lookup::Found(id) => {
                group.target_id = Some(id.clone());
                self.send_add(&mut session, &id, members).await?;
            }
            Lookup::NotFound => {
                let body = request::group_create_body(&group.name, member_ids(members));
                let post = self.request("POST", "/Groups".to_owned(), Some(body));
                let (index, response) = session.send(post).await?;
                let (created, id) = checks::created(
                    checks::GROUP_CREATE,
                    SOURCE_GROUPS,
                    "group",
                    index,
                    &response,
                );
                session.judge(created);
                if let Some(id) = id {
                    group.target_id = Some(id);
                }
            }
        }
        Ok(session.checks)
    }

    /// A membership or group change event (docs/idps/jumpcloud.md §7): one `PATCH
    /// /Groups/{id}` with `{"op":"add","path":"members","value":[…]}` carrying **all** current
    /// members, those already in the group included. \[I\] Nothing is sent for an empty list.
    pub async fn add_members<W: Wire>(
        &self,
        group: &SyncedGroup,
        all_members: &[SyncedMember],
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = synced_id(group)?;
        let mut session = Session::new(wire, "group members add");
        if !all_members.is_empty() {
            self.send_add(&mut session, &id, all_members).await?;
        }
        Ok(session.checks)
    }

    /// Members removed from the group (docs/idps/jumpcloud.md §7): one `PATCH
    /// /Groups/{id}` with `{"op":"remove","path":"members","value":[{"value":…}]}`, a value
    /// list and no filter. Deactivating a member left without a bound group is
    /// [`JumpCloud::set_active`], the caller's next step. \[I\] Nothing is sent for an empty
    /// list.
    pub async fn remove_members<W: Wire>(
        &self,
        group: &SyncedGroup,
        removed: &[SyncedMember],
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = synced_id(group)?;
        let mut session = Session::new(wire, "group members remove");
        if removed.is_empty() {
            return Ok(session.checks);
        }
        let operation = Operation::new(
            "remove",
            "members",
            request::member_values(member_ids(removed)),
        );
        let body = request::patch_body(vec![operation]);
        let patch = self.request("PATCH", request::group_path(&id), Some(body));
        let (index, response) = session.send(patch).await?;
        session.judge(patch_accepted(
            checks::GROUP_REMOVE,
            "JumpCloud removes members with a value list and no filter",
            index,
            &response,
        ));
        if let Some(listed) = checks::listed_members(&response) {
            let mut applied = checks::check(checks::GROUP_REMOVE_APPLIED, SOURCE_GROUPS, index);
            let still: Vec<&str> = member_ids(removed)
                .filter(|removed| listed.iter().any(|value| value == removed))
                .collect();
            if !still.is_empty() {
                applied = applied.fail(format!(
                    "expected the removed members to be gone from the group the 200 returned (a \
                     `remove` on `members` with a `value` list removes those values, \
                     docs/idps/jumpcloud.md §7), got {} still listed",
                    still.join(", ")
                ));
            }
            session.judge(applied);
        }
        Ok(session.checks)
    }

    /// The group renamed in JumpCloud (docs/idps/jumpcloud.md §7; §7 leaves the form
    /// open, \[I\]): by default `PATCH /Groups/{id}` with
    /// `{"op":"replace","path":"displayName","value":"<name>"}`; with
    /// [`GroupRenameForm::Put`], the whole group with `PUT /Groups/{id}` (`displayName`, `id`,
    /// `members` as `all_members`, `schemas`, alphabetical like JumpCloud's user PUT, §5).
    pub async fn rename_group<W: Wire>(
        &self,
        group: &SyncedGroup,
        all_members: &[SyncedMember],
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = synced_id(group)?;
        let mut session = Session::new(wire, "group rename");
        let (method, body, accepted): (_, _, &[u16]) = match self.group_rename {
            GroupRenameForm::Patch => {
                let operation =
                    Operation::new("replace", "displayName", Value::String(group.name.clone()));
                ("PATCH", request::patch_body(vec![operation]), &[200, 204])
            }
            GroupRenameForm::Put => {
                let body = request::group_put_body(&group.name, &id, member_ids(all_members));
                ("PUT", body, &[200])
            }
        };
        let sent = self.request(method, request::group_path(&id), Some(body));
        let (index, response) = session.send(sent).await?;
        let expectation = match self.group_rename {
            GroupRenameForm::Patch => {
                "expected 200 with the group or 204 (JumpCloud syncs renames, here as a PATCH \
                 replace of displayName, docs/idps/jumpcloud.md §7)"
            }
            GroupRenameForm::Put => {
                "expected 200 with the group (JumpCloud syncs renames, here as a full PUT \
                 /Groups/{id}, docs/idps/jumpcloud.md §7)"
            }
        };
        session.judge(checks::status(
            checks::GROUP_RENAME,
            SOURCE_GROUPS,
            accepted,
            expectation,
            index,
            &response,
        ));
        Ok(session.checks)
    }

    /// The group deleted in JumpCloud (`group_delete_provision`, docs/idps/jumpcloud.md §7):
    /// `DELETE /Groups/{id}`, expecting `204`; `target_id` is cleared when accepted.
    pub async fn delete_group<W: Wire>(
        &self,
        group: &mut SyncedGroup,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = synced_id(group)?;
        let mut session = Session::new(wire, "group delete");
        let delete = self.request("DELETE", request::group_path(&id), None);
        let (index, response) = session.send(delete).await?;
        let deleted = checks::status(
            checks::GROUP_DELETE,
            SOURCE_GROUPS,
            &[204],
            "expected 204 (managed groups deleted in JumpCloud are deleted in the app, \
             docs/idps/jumpcloud.md §7)",
            index,
            &response,
        );
        if session.judge(deleted) {
            group.target_id = None;
        }
        Ok(session.checks)
    }

    /// The whole-list `add` PATCH, judged; when a 200 lists the members, each must appear once.
    async fn send_add<W: Wire>(
        &self,
        session: &mut Session<'_, W>,
        id: &str,
        members: &[SyncedMember],
    ) -> Result<(), IdpError> {
        let operation = Operation::new(
            "add",
            "members",
            request::member_values(member_ids(members)),
        );
        let body = request::patch_body(vec![operation]);
        let patch = self.request("PATCH", request::group_path(id), Some(body));
        let (index, response) = session.send(patch).await?;
        session.judge(patch_accepted(
            checks::GROUP_ADD,
            "JumpCloud re-sends every member on each membership event",
            index,
            &response,
        ));
        if let Some(listed) = checks::listed_members(&response) {
            let mut idempotent = checks::check(checks::GROUP_REPEATED_ADD, SOURCE_GROUPS, index);
            let mut seen = BTreeSet::new();
            let twice: BTreeSet<&str> = listed
                .iter()
                .filter(|value| !seen.insert(value.as_str()))
                .map(String::as_str)
                .collect();
            if !twice.is_empty() {
                idempotent = idempotent.fail(format!(
                    "expected each member once in the group the 200 returned (JumpCloud adds \
                     members already in the group again on every membership event, and an add \
                     of a present value changes nothing, docs/idps/jumpcloud.md §7, RFC \
                     7644 §3.5.2.1), got {} more than once",
                    twice.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
            session.judge(idempotent);
        }
        Ok(())
    }
}

fn synced_id(group: &SyncedGroup) -> Result<String, IdpError> {
    group
        .target_id
        .clone()
        .ok_or_else(|| IdpError::NotProvisioned(group.name.clone()))
}

/// A group PATCH: `200` or `204` (RFC 7644 §3.5.2; §7 does not say which JumpCloud needs).
fn patch_accepted(
    id: &'static str,
    doing: &str,
    request: usize,
    response: &crate::idp::wire::WireResponse,
) -> IdpCheck {
    checks::status(
        id,
        SOURCE_GROUPS,
        &[200, 204],
        &format!("expected 200 with the group or 204 ({doing}, docs/idps/jumpcloud.md §7)"),
        request,
        response,
    )
}
