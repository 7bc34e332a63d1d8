//! JumpCloud as a SCIM 2.0 client ("Custom Application" → "Export users to this app (Identity
//! Management)", docs/idps/jumpcloud.md §1): the exact requests it sends and what it needs
//! back.
//!
//! Each action is a pure async function over a [`Wire`]: it builds JumpCloud's requests byte for
//! byte (in [`request`]), sends them in JumpCloud's order, and judges every answer ([`checks`]).
//! The runner owns the transport and the `Authorization: Bearer <Token Key>` header (§1, §9); the
//! directory user carries JumpCloud's state (the id the target returned, `assigned`, `active`).
//!
//! JumpCloud is **event-driven** (§3): every admin action (binding a group, editing a user,
//! suspending, deleting) produces its own requests at once, so each action here is one such
//! event. Every user change (create, update, suspend, reactivate) starts with a lookup by
//! `userName` (the `user_lookup_provision` event, §3) and JumpCloud's bodies are the whole user, keys in alphabetical order (§4, §5).
//!
//! **Evidence.** JumpCloud documents behaviour, not HTTP (§10). What is
//! documented: Test Connection creates and deletes a test user and group, falling back to
//! deactivation when DELETE is refused (§2); a lookup precedes create or update (§3); empty
//! groups are not created, a same-named group is taken over, every membership event re-syncs the
//! group (§7). The bodies of create and full PUT are third-party "sanitized real" samples
//! (ShiftControl-io/scim-v2-rust, §2, §4, §5). Everything else is inference, implemented in its
//! most likely form:
//!
//! - the lookup filter: `userName+eq+%22…%22`, spaces as `+`, as docs/idps/jumpcloud.md §4 writes
//!   the request line (the form `application/x-www-form-urlencoded` encoders produce). `%20` is
//!   selectable with [`JumpCloud::filter_spaces`];
//! - user updates: a full PUT (§5, the real sample). The PATCH form (lowercase `replace` with a
//!   path, Paul-E/scim-v2-rust's hand-written fixtures) is selectable with [`JumpCloud::update`];
//! - `Content-Type: application/scim+json` (§4, §5 samples); §9 marks it unknown against
//!   `application/json`, selectable with [`JumpCloud::content_type`]. No `Accept` or
//!   `User-Agent` is sent: both are undocumented (§9);
//! - deactivation (suspend, unbind) as the §5 PUT with `active:false` (§6), reactivation with
//!   `true`; delete as `DELETE /Users/{id}` (§6);
//! - Test Connection's order (§2): lookup, POST, the minimal PUT with `"emails": null`, POST and
//!   DELETE of a test group carrying the test user (an empty group would not be created, §7), then
//!   DELETE of the user; 403, 404, 405 and 501 count as "DELETE not supported", after which the
//!   test user is deactivated with the update form's `active:false`. The group steps are sent
//!   only with "Enable management of User Groups" ([`JumpCloud::manage_groups`], §1);
//! - groups (§7): lookup by `displayName`, POST with the members, members as `[{"value":…}]`
//!   only; every later membership event re-sends the **whole** member list in one PATCH `add`
//!   (repeated adds the target must absorb); removal by a value list without a filter; rename as
//!   PATCH `replace` of `displayName` (§7 leaves PATCH or PUT open; the full `PUT /Groups/{id}`
//!   is selectable with [`JumpCloud::group_rename`]);
//! - import (§8): pages of [`request::PAGE_SIZE`] from `startIndex=1`, advancing by
//!   `itemsPerPage` until `startIndex + itemsPerPage > totalResults`;
//! - key order: the user bodies' alphabetical keys (§4, §5) carry over to the group POST and PUT;
//!   PATCH bodies put `schemas` before `Operations`, as Paul-E/scim-v2-rust's fixtures, the only
//!   ones, do.
//!
//! Where JumpCloud stops, the action stops: after a lookup it cannot read or a create without an
//! id nothing more is sent, and the checks so far are returned. Test Connection still deletes
//! what it created after a failed PUT or group step \[I\].
//!
//! **Transport failures** are returned as [`IdpError::Transport`], naming the action and the
//! request; the action's checks are dropped (they say nothing about the target's SCIM). Rate
//! limits are undocumented (§3): a 429 is judged like any other failure status.
//!
//! Not done: the "SCIM API Key" header form (§1, unknown; the runner's transport sets
//! `Authorization`), SCIM 1.1 (§1), attribute mappings beyond the defaults (§4), `photos` (§5),
//! and unbinding a group (§7: the group is left as it is and its members deactivated, which the
//! caller does with [`JumpCloud::set_active`] per member).

pub mod checks;
mod groups;
pub mod request;

#[cfg(test)]
mod groups_tests;
#[cfg(test)]
mod script;
#[cfg(test)]
mod tests;

pub use groups::{SyncedGroup, SyncedMember};

use checks::{Lookup, SOURCE_TEST_CONNECTION};

use super::directory::DirectoryUser;
use super::wire::{Wire, WireRequest, WireResponse};
use super::{IdpCheck, IdpError};
use crate::level::Level;

/// How JumpCloud sends a profile change and `active` (docs/idps/jumpcloud.md §5, §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserUpdateForm {
    /// The full resource with `PUT /Users/{id}` (§5, ShiftControl-io/scim-v2-rust's "sanitized
    /// real" sample).
    #[default]
    Put,
    /// `PATCH /Users/{id}` with one lowercase `replace` per attribute, each with a path
    /// (§5, §6, Paul-E/scim-v2-rust's hand-written fixtures).
    Patch,
}

/// The `Content-Type` of requests with a body (docs/idps/jumpcloud.md §9: unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContentType {
    /// `application/scim+json`, as in the §4 and §5 request samples.
    #[default]
    ScimJson,
    /// `application/json`.
    Json,
}

impl ContentType {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::ScimJson => "application/scim+json",
            ContentType::Json => "application/json",
        }
    }
}

/// How lookup filters encode spaces (docs/idps/jumpcloud.md §4: the exact filter is \[I\]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterSpaces {
    /// `userName+eq+%22…%22`, as §4 writes JumpCloud's lookup.
    #[default]
    Plus,
    /// `userName%20eq%20%22…%22`.
    Percent20,
}

/// How JumpCloud sends a group rename (docs/idps/jumpcloud.md §7: PATCH or PUT, unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupRenameForm {
    /// `{"op":"replace","path":"displayName","value":…}`, like JumpCloud's other group PATCHes.
    #[default]
    Patch,
    /// The whole group with `PUT /Groups/{id}`.
    Put,
}

/// JumpCloud, as one custom SCIM application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JumpCloud {
    pub update: UserUpdateForm,
    pub content_type: ContentType,
    pub filter_spaces: FilterSpaces,
    /// "Enable management of User Groups and Group Membership in this application" (§1):
    /// whether Test Connection also creates and deletes a test group (§2).
    pub manage_groups: bool,
    pub group_rename: GroupRenameForm,
}

impl Default for JumpCloud {
    fn default() -> Self {
        JumpCloud {
            update: UserUpdateForm::default(),
            content_type: ContentType::default(),
            filter_spaces: FilterSpaces::default(),
            manage_groups: true,
            group_rename: GroupRenameForm::default(),
        }
    }
}

/// Statuses read as "DELETE is not supported" for the test user (§2). \[I\] JumpCloud does not
/// say how it tells; 405 and 501 are the HTTP answers for an unsupported method, 403 a server
/// that forbids deletion, 404 a server without the route.
pub const DELETE_UNSUPPORTED: [u16; 4] = [403, 404, 405, 501];

/// The most import pages read: a harness limit (100 000 users), so that a target announcing an
/// absurd `totalResults` cannot keep a run going. JumpCloud's own limit is undocumented.
pub const MAX_IMPORT_PAGES: u64 = 1000;

/// An action's requests so far and the checks judged on them.
struct Session<'w, W> {
    wire: &'w mut W,
    action: &'static str,
    sent: usize,
    checks: Vec<IdpCheck>,
}

impl<'w, W: Wire> Session<'w, W> {
    fn new(wire: &'w mut W, action: &'static str) -> Self {
        Session {
            wire,
            action,
            sent: 0,
            checks: Vec::new(),
        }
    }

    /// Sends one request; the index is its place in this action (what a check's `request` is).
    async fn send(&mut self, request: WireRequest) -> Result<(usize, WireResponse), IdpError> {
        let line = format!("{} {}", request.method, request.path);
        let index = self.sent;
        self.sent += 1;
        match self.wire.send(request).await {
            Ok(response) => Ok((index, response)),
            Err(error) => Err(IdpError::Transport(format!(
                "JumpCloud {}: {line}: {error}",
                self.action
            ))),
        }
    }

    /// Records a check; whether it held.
    fn judge(&mut self, check: IdpCheck) -> bool {
        let held = check.held();
        self.checks.push(check);
        held
    }
}

const WHY_USER_LOOKUP: &str = "JumpCloud looks a user up by userName before it creates or \
                               updates it, docs/idps/jumpcloud.md §3, §4";

impl JumpCloud {
    fn request(&self, method: &'static str, path: String, body: Option<Vec<u8>>) -> WireRequest {
        request::request(self.content_type, method, path, body)
    }

    /// "Test Connection" / "Activate" (docs/idps/jumpcloud.md §2): look the test user up,
    /// create it (§4's synthetic user), send the minimal PUT with `"emails": null`, create and
    /// delete a test group holding it (with group management on), then delete the test user; if
    /// the DELETE is refused ([`DELETE_UNSUPPORTED`]), deactivate it instead and report that
    /// (`jumpcloud.test-connection.delete-user-supported`, [`Level::Info`]). \[I\] A test user
    /// the lookup finds (left over from an earlier test) is reused, not created again.
    pub async fn test_connection<W: Wire>(
        &self,
        test_user_email: &str,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let mut session = Session::new(wire, "Test Connection");
        let why = "JumpCloud's Test Connection looks the test user up first, \
                   docs/idps/jumpcloud.md §2";
        let path = request::user_lookup_path(test_user_email, self.filter_spaces);
        let (index, response) = session.send(self.request("GET", path, None)).await?;
        let (looked_up, found) = checks::lookup(
            checks::TEST_LOOKUP,
            SOURCE_TEST_CONNECTION,
            why,
            index,
            &response,
            ("userName", test_user_email),
        );
        for check in looked_up {
            session.judge(check);
        }
        let id = match found {
            Lookup::Stop => return Ok(session.checks),
            Lookup::Found(id) => id,
            Lookup::NotFound => {
                let body = request::test_user_create_body(test_user_email);
                let post = self.request("POST", "/Users".to_owned(), Some(body));
                let (index, response) = session.send(post).await?;
                let (created, id) = checks::created(
                    checks::TEST_CREATE,
                    SOURCE_TEST_CONNECTION,
                    "test user",
                    index,
                    &response,
                );
                session.judge(created);
                match id {
                    Some(id) => id,
                    None => return Ok(session.checks),
                }
            }
        };

        let body = request::test_user_minimal_put_body(test_user_email, &id);
        let put = self.request("PUT", request::user_path(&id), Some(body));
        let (index, response) = session.send(put).await?;
        session.judge(checks::status(
            checks::TEST_NULL_EMAILS,
            SOURCE_TEST_CONNECTION,
            &[200],
            "expected 200 with the user (JumpCloud's Test Connection sends a minimal PUT with \
             `\"emails\": null`, and servers must accept it, docs/idps/jumpcloud.md §2)",
            index,
            &response,
        ));

        if self.manage_groups {
            self.test_group(&mut session, &id).await?;
        }

        let delete = self.request("DELETE", request::user_path(&id), None);
        let (index, response) = session.send(delete).await?;
        if DELETE_UNSUPPORTED.contains(&response.status) {
            let unsupported = IdpCheck::new(
                checks::TEST_DELETE_SUPPORTED,
                Level::Info,
                SOURCE_TEST_CONNECTION,
            )
            .on(index)
            .fail(format!(
                "expected 204 (JumpCloud deletes the test user, and users deleted in \
                         JumpCloud, with DELETE /Users/{{id}}, docs/idps/jumpcloud.md §2, \
                         §6), got {}: JumpCloud deactivates the test user instead, and it \"will \
                         have to be manually deleted\" (docs/idps/jumpcloud.md §2)",
                checks::got_status(&response)
            ));
            session.judge(unsupported);
            let (method, body, accepted): (_, _, &[u16]) = match self.update {
                UserUpdateForm::Put => (
                    "PUT",
                    request::test_user_deactivate_body(test_user_email, &id),
                    &[200],
                ),
                UserUpdateForm::Patch => ("PATCH", request::patch_active_body(false), &[200, 204]),
            };
            let deactivate = self.request(method, request::user_path(&id), Some(body));
            let (index, response) = session.send(deactivate).await?;
            session.judge(checks::status(
                checks::TEST_DEACTIVATE_FALLBACK,
                SOURCE_TEST_CONNECTION,
                accepted,
                "expected the test user's deactivation to be accepted (JumpCloud deactivates \
                 the test user when DELETE is not supported, docs/idps/jumpcloud.md §2, \
                 §6)",
                index,
                &response,
            ));
        } else {
            session.judge(checks::status(
                checks::TEST_DELETE_USER,
                SOURCE_TEST_CONNECTION,
                &[204],
                "expected 204 (JumpCloud's Test Connection deletes the test user, \
                 docs/idps/jumpcloud.md §2, §6)",
                index,
                &response,
            ));
        }
        Ok(session.checks)
    }

    /// Test Connection's group steps (§2): `POST /Groups` with the test user as its member,
    /// then `DELETE /Groups/{id}`.
    async fn test_group<W: Wire>(
        &self,
        session: &mut Session<'_, W>,
        user_id: &str,
    ) -> Result<(), IdpError> {
        let body = request::group_create_body(request::TEST_GROUP_NAME, [user_id]);
        let post = self.request("POST", "/Groups".to_owned(), Some(body));
        let (index, response) = session.send(post).await?;
        let (created, group_id) = checks::created(
            checks::TEST_GROUP_CREATE,
            SOURCE_TEST_CONNECTION,
            "test group",
            index,
            &response,
        );
        session.judge(created);
        if let Some(group_id) = group_id {
            let delete = self.request("DELETE", request::group_path(&group_id), None);
            let (index, response) = session.send(delete).await?;
            session.judge(checks::status(
                checks::TEST_GROUP_DELETE,
                SOURCE_TEST_CONNECTION,
                &[204],
                "expected 204 (JumpCloud's Test Connection deletes the test group, \
                 docs/idps/jumpcloud.md §2, §7)",
                index,
                &response,
            ));
        }
        Ok(())
    }

    /// A user comes into the app's scope (bound through a user group, docs/idps/jumpcloud.md §4):
    /// look the user up by `userName`; not found → `POST /Users`; found → link to `Resources[0].id`
    /// and send the update form with `active:true` (the full §5 PUT by default).
    ///
    /// Sets `assigned` (the admin's act, whatever the target says), `target_id` once the target
    /// gave one (on create, or at the lookup when linking), and `active` once the user was
    /// created or the linking update accepted.
    pub async fn provision<W: Wire>(
        &self,
        user: &mut DirectoryUser,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        user.assigned = true;
        let mut session = Session::new(wire, "provision");
        match self.look_up(&mut session, user).await? {
            Lookup::Stop => {}
            Lookup::NotFound => self.create(&mut session, user).await?,
            Lookup::Found(id) => {
                user.target_id = Some(id.clone());
                if self
                    .send_update(&mut session, user, &id, true, Why::Link)
                    .await?
                {
                    user.active = true;
                }
            }
        }
        Ok(session.checks)
    }

    /// The `user_lookup_provision` step (docs/idps/jumpcloud.md §3, *documented*: JumpCloud
    /// looks a user up "to decide between create and update"): `GET /Users?filter=userName…`
    /// before every create, update, suspend and reactivate, judged the same way each time.
    async fn look_up<W: Wire>(
        &self,
        session: &mut Session<'_, W>,
        user: &DirectoryUser,
    ) -> Result<Lookup, IdpError> {
        let path = request::user_lookup_path(&user.profile.user_name, self.filter_spaces);
        let (index, response) = session.send(self.request("GET", path, None)).await?;
        let (looked_up, found) = checks::lookup(
            checks::LOOKUP,
            checks::SOURCE_LOOKUP,
            WHY_USER_LOOKUP,
            index,
            &response,
            ("userName", &user.profile.user_name),
        );
        for check in looked_up {
            session.judge(check);
        }
        Ok(found)
    }

    /// The lookup before a change to a provisioned user: the id to send the change to (the one
    /// found, which JumpCloud keeps from then on, or the one it kept), or `None` when the lookup
    /// answer stops JumpCloud.
    async fn look_up_id<W: Wire>(
        &self,
        session: &mut Session<'_, W>,
        user: &mut DirectoryUser,
        kept: String,
    ) -> Result<Option<String>, IdpError> {
        Ok(match self.look_up(session, user).await? {
            Lookup::Stop => None,
            Lookup::NotFound => Some(kept),
            Lookup::Found(id) => {
                user.target_id = Some(id.clone());
                Some(id)
            }
        })
    }

    /// `POST /Users` (§4); the user gets the target's id and is active once it gave one.
    async fn create<W: Wire>(
        &self,
        session: &mut Session<'_, W>,
        user: &mut DirectoryUser,
    ) -> Result<(), IdpError> {
        let body = request::create_body(user);
        let post = self.request("POST", "/Users".to_owned(), Some(body));
        let (index, response) = session.send(post).await?;
        let (created, id) = checks::created(
            checks::CREATE,
            checks::SOURCE_CREATE,
            "user",
            index,
            &response,
        );
        session.judge(created);
        if let Some(id) = id {
            user.target_id = Some(id);
            user.active = true;
        }
        Ok(())
    }

    /// A profile change (docs/idps/jumpcloud.md §3, §5): the lookup, then the full
    /// `PUT /Users/{id}` with `active` as JumpCloud last set it (or the PATCH variant) to the id
    /// the lookup found, or, when it finds none (a changed `userName` is looked up under its new
    /// value), to the id the create returned \[I\].
    pub async fn update<W: Wire>(
        &self,
        user: &mut DirectoryUser,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let kept = provisioned_id(user)?;
        let mut session = Session::new(wire, "update");
        if let Some(id) = self.look_up_id(&mut session, user, kept).await? {
            let active = user.active;
            self.send_update(&mut session, user, &id, active, Why::Update)
                .await?;
        }
        Ok(session.checks)
    }

    /// Suspend, unbind or an expired password (`active:false`), and their reversal
    /// (`active:true`) (docs/idps/jumpcloud.md §6): the lookup (§3), then the §5 PUT with
    /// `active` set, or the PATCH variant `{"op":"replace","path":"active","value":…}`, to the
    /// id the lookup found (or else the one the create returned, \[I\]). `active` changes when
    /// the target accepted.
    pub async fn set_active<W: Wire>(
        &self,
        user: &mut DirectoryUser,
        active: bool,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let kept = provisioned_id(user)?;
        let action = if active { "reactivate" } else { "deactivate" };
        let mut session = Session::new(wire, action);
        let why = if active {
            Why::Reactivate
        } else {
            Why::Deactivate
        };
        if let Some(id) = self.look_up_id(&mut session, user, kept).await?
            && self
                .send_update(&mut session, user, &id, active, why)
                .await?
        {
            user.active = active;
        }
        Ok(session.checks)
    }

    /// The user deleted in JumpCloud (`user_delete_provision`, docs/idps/jumpcloud.md §6):
    /// `DELETE /Users/{id}`, expecting `204`. `target_id` is cleared and `active`
    /// set to `false` when the target accepted.
    pub async fn delete<W: Wire>(
        &self,
        user: &mut DirectoryUser,
        wire: &mut W,
    ) -> Result<Vec<IdpCheck>, IdpError> {
        let id = provisioned_id(user)?;
        let mut session = Session::new(wire, "delete");
        let delete = self.request("DELETE", request::user_path(&id), None);
        let (index, response) = session.send(delete).await?;
        let deleted = checks::status(
            checks::DELETE,
            checks::SOURCE_DELETE,
            &[204],
            "expected 204 (a user deleted in JumpCloud is deleted in the app with DELETE \
             /Users/{id}, docs/idps/jumpcloud.md §6)",
            index,
            &response,
        );
        if session.judge(deleted) {
            user.target_id = None;
            user.active = false;
        }
        Ok(session.checks)
    }

    /// "Import users from this app" (docs/idps/jumpcloud.md §8): `GET
    /// /Users?startIndex=1&count=100`, then the next page from `startIndex + itemsPerPage`, until
    /// `startIndex + itemsPerPage > totalResults`. No `filter`, no `sortBy` ("Search and sorting
    /// … are not currently supported"). A page that cannot be paged on ends the import; a page
    /// that makes no progress, or [`MAX_IMPORT_PAGES`] pages, end it with a failed
    /// `jumpcloud.import.paging-ends` rather than loop. After the last page `totalResults` must
    /// have been the same on every page and equal to the users returned.
    pub async fn import_users<W: Wire>(&self, wire: &mut W) -> Result<Vec<IdpCheck>, IdpError> {
        let mut session = Session::new(wire, "import");
        let mut start_index = 1;
        let mut first_total: Option<u64> = None;
        let mut returned = 0;
        let mut total_problems = Vec::new();
        let mut last = 0;
        for page in 0..MAX_IMPORT_PAGES {
            let get = self.request("GET", request::users_page_path(start_index), None);
            let (index, response) = session.send(get).await?;
            last = index;
            let (page_checks, numbers) = checks::import_page(index, &response);
            session.checks.extend(page_checks);
            let Some(numbers) = numbers else {
                return Ok(session.checks);
            };
            let (items_per_page, total) = (numbers.items_per_page, numbers.total_results);
            returned += numbers.returned;
            match first_total {
                None => first_total = Some(total),
                Some(first) if first != total => total_problems.push(format!(
                    "expected `totalResults` {first} on every page, as on the first, got {total} \
                     on page {}",
                    page + 1
                )),
                Some(_) => {}
            }
            if start_index + items_per_page > total {
                let mut consistent =
                    checks::check(checks::IMPORT_TOTAL, checks::SOURCE_IMPORT, last);
                for problem in total_problems {
                    consistent = consistent.fail(format!("{problem} (docs/idps/jumpcloud.md §8)"));
                }
                if returned != total {
                    consistent = consistent.fail(format!(
                        "expected the pages to return `totalResults` ({total}) users in all \
                         (JumpCloud imports every user the app returns, docs/idps/jumpcloud.md §8), got {returned}"
                    ));
                }
                session.judge(consistent);
                return Ok(session.checks);
            }
            if items_per_page == 0 {
                let stuck =
                    checks::check(checks::IMPORT_ENDS, checks::SOURCE_IMPORT, index).fail(format!(
                        "expected users from startIndex {start_index} (`totalResults` is \
                         {total}), got an empty page: startIndex + itemsPerPage never passes \
                         totalResults, so JumpCloud's paging (docs/idps/jumpcloud.md §8) would not end"
                    ));
                session.judge(stuck);
                return Ok(session.checks);
            }
            start_index += items_per_page;
        }
        let capped = checks::check(checks::IMPORT_ENDS, checks::SOURCE_IMPORT, last).fail(format!(
            "expected the import to end within {MAX_IMPORT_PAGES} pages of {} (a harness \
             limit; JumpCloud (docs/idps/jumpcloud.md §8) pages until startIndex + itemsPerPage > totalResults), got more",
            request::PAGE_SIZE
        ));
        session.judge(capped);
        Ok(session.checks)
    }

    /// Sends the update form with this `active` (§5, §6); whether the target accepted it.
    async fn send_update<W: Wire>(
        &self,
        session: &mut Session<'_, W>,
        user: &DirectoryUser,
        id: &str,
        active: bool,
        why: Why,
    ) -> Result<bool, IdpError> {
        let (method, body, accepted): (_, _, &[u16]) = match self.update {
            UserUpdateForm::Put => ("PUT", request::put_body(user, id, active), &[200]),
            UserUpdateForm::Patch => {
                let body = match why {
                    Why::Link | Why::Update => request::patch_profile_body(user, active),
                    Why::Deactivate | Why::Reactivate => request::patch_active_body(active),
                };
                ("PATCH", body, &[200, 204])
            }
        };
        let sent = self.request(method, request::user_path(id), Some(body));
        let (index, response) = session.send(sent).await?;
        let (check_id, source, doing) = why.describe(self.update);
        let expectation = match self.update {
            UserUpdateForm::Put => format!(
                "expected 200 with the user ({doing} with a full PUT /Users/{{id}}, {source})"
            ),
            UserUpdateForm::Patch => format!(
                "expected 200 with the user or 204 ({doing} with PATCH /Users/{{id}} in the \
                 PATCH variant, {source})"
            ),
        };
        Ok(session.judge(checks::status(
            check_id,
            source,
            accepted,
            &expectation,
            index,
            &response,
        )))
    }
}

/// Why JumpCloud sends a user's update form, which names its check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    Link,
    Update,
    Deactivate,
    Reactivate,
}

impl Why {
    /// The check id, its source and what JumpCloud is doing.
    fn describe(self, form: UserUpdateForm) -> (&'static str, &'static str, &'static str) {
        match (self, form) {
            (Why::Link, UserUpdateForm::Put) => (
                checks::LINK_PUT,
                "docs/idps/jumpcloud.md §4, §5, §7",
                "JumpCloud takes over a user the lookup found and updates it",
            ),
            (Why::Link, UserUpdateForm::Patch) => (
                checks::LINK_PATCH,
                "docs/idps/jumpcloud.md §4, §5, §7",
                "JumpCloud takes over a user the lookup found and updates it",
            ),
            (Why::Update, UserUpdateForm::Put) => (
                checks::UPDATE_PUT,
                checks::SOURCE_UPDATE,
                "JumpCloud sends a profile change",
            ),
            (Why::Update, UserUpdateForm::Patch) => (
                checks::UPDATE_PATCH,
                checks::SOURCE_UPDATE,
                "JumpCloud sends a profile change",
            ),
            (Why::Deactivate, _) => (
                checks::DEACTIVATE,
                checks::SOURCE_ACTIVE,
                "JumpCloud deactivates a suspended or unbound user",
            ),
            (Why::Reactivate, _) => (
                checks::REACTIVATE,
                checks::SOURCE_ACTIVE,
                "JumpCloud reactivates a user",
            ),
        }
    }
}

fn provisioned_id(user: &DirectoryUser) -> Result<String, IdpError> {
    user.target_id
        .clone()
        .ok_or_else(|| IdpError::NotProvisioned(user.key.clone()))
}
