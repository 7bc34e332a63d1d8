//! How well each IdP check is founded: the vendor's own documentation, traffic or reports
//! others observed, or an inference.
//!
//! **Why.** An IdP check asserts what an identity provider needs back from the server. Some of
//! those needs are written down by the vendor (Okta's SCIM protocol reference, Microsoft Learn,
//! JumpCloud's support articles, Clockify's help pages); some are known only from an issue
//! thread, a captured request or a third-party library's sample; some are this harness's best
//! guess where nothing public says. A server that fails a check resting on one issue report
//! should not be held back from a release as firmly as one that breaks documented vendor
//! behaviour, so each check carries an [`Evidence`] grade, and by default only
//! [`Evidence::Documented`] failures block ([`Evidence::blocks_by_default`]); the rest warn
//! unless the run is strict.
//!
//! **How grades are assigned.** Every check names the research note section it rests on. The
//! notes tag each fact: confirmed by a vendor source, observed (real traffic, issue reports,
//! third-party captures and fixtures), or inferred. The grade is the tag of the fact the check
//! actually judges: where the vendor documents *that* something happens but not the request it
//! sends (most of JumpCloud), a check on the end state is `Documented` while a check on the
//! status answered to the undocumented request is graded by that request's evidence. Newer
//! evidence overrides older notes (Entra's per-object escrow schedule is disputed, so the
//! check on it is `Inferred`). The Clockify lock-down checks rest on Clockify's own help pages:
//! `Documented` where the page states the behaviour, `Inferred` where the harness extends it.
//!
//! [`grade`] looks an id up in the table below: exact ids first, then families of ids built
//! from a pattern (`lockdown.probe.<name>`). An id the table does not know (an RFC check such as
//! `rfc7644.3.3.create-201`, or a check id a target profile declares itself) has no grade. The
//! table is listed, with the same grades, in `docs/evidence.md`; a test keeps the two in step
//! and fails on any IdP check id in the sources that has no grade.

use std::fmt;

/// How well the behaviour a check asserts is founded. Ordered from strongest to weakest.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// The vendor's own documentation states it.
    Documented,
    /// Seen in real traffic, issue reports or third-party captures, not stated by the vendor.
    Observed,
    /// Inferred by this harness where no public source says.
    Inferred,
}

impl Evidence {
    /// Every grade, strongest first.
    pub const ALL: [Evidence; 3] = [Evidence::Documented, Evidence::Observed, Evidence::Inferred];

    /// The name used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Documented => "documented",
            Evidence::Observed => "observed",
            Evidence::Inferred => "inferred",
        }
    }

    /// One line on what the grade means.
    pub fn describe(self) -> &'static str {
        match self {
            Evidence::Documented => "stated in the vendor's own documentation",
            Evidence::Observed => {
                "seen in real traffic, issue reports or third-party captures, not vendor-documented"
            }
            Evidence::Inferred => "inferred by scimulate where no public source says",
        }
    }

    /// Whether a failed check of this grade fails the run when it is not strict: only
    /// documented behaviour does; the others warn.
    pub fn blocks_by_default(self) -> bool {
        matches!(self, Evidence::Documented)
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A check's grade and the public source it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, schemars::JsonSchema)]
pub struct Grade {
    pub evidence: Evidence,
    /// One short line naming the public source.
    pub basis: &'static str,
}

/// The grade of a check id, `None` when the id is not an IdP or lock-down check this table
/// knows.
pub fn grade(check_id: &str) -> Option<Grade> {
    if let Some(&(_, evidence, basis)) = EXACT.iter().find(|(id, _, _)| *id == check_id) {
        return Some(Grade { evidence, basis });
    }
    PREFIXES
        .iter()
        .filter(|(prefix, _, _)| check_id.starts_with(prefix) && check_id.len() > prefix.len())
        .max_by_key(|(prefix, _, _)| prefix.len())
        .map(|&(_, evidence, basis)| Grade { evidence, basis })
}

/// Every graded id with its grade: exact ids, then id families written as `prefix*`
/// (`lockdown.probe.*`).
pub fn table() -> impl Iterator<Item = (String, Grade)> {
    let exact = EXACT
        .iter()
        .map(|&(id, evidence, basis)| (id.to_owned(), Grade { evidence, basis }));
    let families = PREFIXES
        .iter()
        .map(|&(prefix, evidence, basis)| (format!("{prefix}*"), Grade { evidence, basis }));
    exact.chain(families)
}

use Evidence::{Documented, Inferred, Observed};

/// Ids built from a pattern, for the names the table does not list exactly.
const PREFIXES: &[(&str, Evidence, &str)] = &[(
    "lockdown.probe.",
    Inferred,
    "a probe the target profile defines: what it rests on is the profile's, not a vendor's",
)];

/// Exact ids: Okta, Entra, JumpCloud, then the Clockify lock-down and application checks.
const EXACT: &[(&str, Evidence, &str)] = &[
    // Okta: the checks src/idp/okta judges on the wire.
    (
        "okta.test-connection.list-is-scim-json",
        Documented,
        "Okta SCIM protocol references and Okta's 2016 test suite: Test API Credentials lists users",
    ),
    (
        "okta.test-connection.groups-answer-is-json",
        Documented,
        "Okta's 2018-19 SCIM protocol page: the Groups probe only needs a JSON answer",
    ),
    (
        "okta.import.page-is-list-response",
        Documented,
        "Okta SCIM 2.0 protocol reference, import: pages of 100 read as a ListResponse",
    ),
    (
        "okta.import.paging-numbers-are-integers",
        Documented,
        "Okta SCIM 2.0 and 1.1 protocol references: paging numbers are integers, not strings",
    ),
    (
        "okta.import.items-per-page-is-items-returned",
        Observed,
        "GitHub issue ory/polis#4054: an Okta reviewer rejected itemsPerPage larger than the page",
    ),
    (
        "okta.lookup.not-found-is-empty-list-or-404",
        Documented,
        "Okta SCIM 2.0 protocol reference, create user: not found is an empty list or a 404",
    ),
    (
        "okta.lookup.paging-numbers-are-integers",
        Documented,
        "Okta SCIM 2.0 protocol reference: a ListResponse's paging numbers are integers",
    ),
    (
        "okta.lookup.match-has-id",
        Documented,
        "Okta SCIM 2.0 protocol reference, create user: Okta stores the matched user's id",
    ),
    (
        "okta.lookup.match-is-the-queried-user",
        Documented,
        "Okta SCIM 2.0 reference: Okta finds the user by a userName eq filter and links the match",
    ),
    (
        "okta.create.returns-201-with-id",
        Documented,
        "Okta SCIM 2.0 protocol reference, create user: 201 with the new user's id",
    ),
    (
        "okta.create.duplicate-is-409",
        Documented,
        "Okta SCIM 2.0 protocol reference: a duplicate user gets 409 with a SCIM Error body",
    ),
    (
        "okta.link.get-returns-the-user",
        Documented,
        "Okta Support, 'Existing SCIM User Being Created at Assignment': GET by id, then PUT",
    ),
    (
        "okta.link.put-returns-200",
        Documented,
        "Okta Support (existing user at assignment) and SCIM 2.0 reference: the PUT answers 200",
    ),
    (
        "okta.update.get-returns-the-user",
        Documented,
        "Okta SCIM 2.0 protocol reference, update user: GET by id before the full PUT",
    ),
    (
        "okta.update.put-returns-200",
        Documented,
        "Okta SCIM 2.0 protocol reference, update user: the PUT answers 200 with the user",
    ),
    (
        "okta.deactivate.get-returns-the-user",
        Documented,
        "Okta SCIM 2.0 protocol reference: App Integration Wizard apps deactivate by GET and PUT",
    ),
    (
        "okta.reactivate.get-returns-the-user",
        Documented,
        "Okta SCIM 2.0 protocol reference: App Integration Wizard apps reactivate by GET and PUT",
    ),
    (
        "okta.deactivate.accepted",
        Documented,
        "Okta SCIM 2.0 protocol reference: deactivation PATCH answers 200 or 204, a PUT 200",
    ),
    (
        "okta.reactivate.accepted",
        Documented,
        "Okta SCIM 2.0 protocol reference: activation PATCH answers 200 or 204, a PUT 200",
    ),
    (
        "okta.rate-limit.task-failed-after-10-attempts",
        Documented,
        "Okta 'Understanding SCIM' page (2026): ten rate-limited attempts fail the task for good",
    ),
    (
        "okta.push-group.create-returns-201-with-id",
        Documented,
        "Okta SCIM 2.0 protocol reference, Push Groups: POST /Groups answers 201 with the id",
    ),
    (
        "okta.push-group.rename-accepted",
        Documented,
        "Okta SCIM 2.0 protocol reference: the name PATCH sent with each membership update",
    ),
    (
        "okta.push-group.members-accepted",
        Documented,
        "Okta SCIM protocol references, Push Groups: a membership PATCH answers 200 or 204",
    ),
    (
        "okta.push-group.put-returns-200",
        Documented,
        "Okta SCIM 2.0 protocol reference: App Integration Wizard groups are a full PUT, 200",
    ),
    (
        "okta.push-now.replace-members-accepted",
        Documented,
        "Okta SCIM protocol references: Push Now replaces members with the full list",
    ),
    (
        "okta.unlink.delete-returns-204",
        Documented,
        "Okta SCIM 2.0 protocol reference: unlink and delete sends DELETE /Groups/{id}, 204",
    ),
    // Okta: the end-state checks scenarios/ declare.
    (
        "okta.create.user-readable-by-returned-id",
        Documented,
        "Okta SCIM 2.0 protocol reference: Okta addresses the user by the id the create returned",
    ),
    (
        "okta.link.same-user-synced",
        Documented,
        "Okta Support, 'Existing SCIM User Being Created at Assignment': a match is linked, synced",
    ),
    (
        "okta.deactivated-user-still-readable",
        Documented,
        "Okta SCIM 2.0 CRUD test suite: a deactivated user reads back with active false",
    ),
    (
        "okta.reactivated-user-active",
        Documented,
        "Okta SCIM 2.0 protocol reference and CRUD test suite: reactivation sets active true",
    ),
    (
        "okta.group.membership-delta-applied",
        Documented,
        "Okta SCIM protocol references, Push Groups: filtered removes and one batched add",
    ),
    (
        "okta.push-group.group-holds-the-members",
        Documented,
        "Okta help, Group Push, and Okta's SCIM pages: memberships pushed with the group",
    ),
    (
        "okta.group.rename-arrives",
        Documented,
        "Okta SCIM 2.0 protocol reference, Push Groups: a rename replaces displayName",
    ),
    (
        "okta.group.push-now-keeps-members",
        Documented,
        "Okta SCIM protocol references: Push Now sends the group's full member list",
    ),
    (
        "okta.unassign.deactivates",
        Documented,
        "Okta SCIM 2.0 protocol reference: unassignment deactivates the user and never deletes",
    ),
    (
        "okta.update.change-arrives",
        Documented,
        "Okta SCIM 2.0 protocol reference, update user: the change is merged into a full PUT",
    ),
    (
        "okta.paging-numbers-are-integers",
        Documented,
        "Okta SCIM 2.0 and 1.1 protocol references: paging numbers are JSON integers",
    ),
    // Entra: the checks src/idp/entra judges on the wire and on the job.
    (
        "entra.test-connection.empty-list-200",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial: Test Connection wants 200 and an empty list",
    ),
    (
        "entra.lookup.answers-list-response",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial: lookups answer a ListResponse, even empty",
    ),
    (
        "entra.lookup.single-match",
        Documented,
        "Microsoft Learn, provisioning logs error codes: multiple entries in a lookup fail",
    ),
    (
        "entra.lookup.match-is-the-queried-resource",
        Documented,
        "Microsoft Learn, SCIM tutorial: Entra queries by the matching attribute, then links the match",
    ),
    (
        "entra.lookup.finds-existing-user",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial: filters still return disabled users",
    ),
    (
        "entra.group.lookup-excludes-members",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial and log error codes: excluded members omitted",
    ),
    (
        "entra.create.returns-201-with-id",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial, create user: 201 with the id",
    ),
    (
        "entra.group.create-returns-201-with-id",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial, group operations: create answers 201 with id",
    ),
    (
        "entra.get.finds-anchored-object",
        Documented,
        "Microsoft Learn, provisioning logs error codes: InvalidAnchor when a linked object 404s",
    ),
    (
        "entra.update.accepted",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial: a user PATCH answers 200 or 204",
    ),
    (
        "entra.group.patch-accepted",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial, group operations: a group PATCH answers 204",
    ),
    (
        "entra.delete.returns-204",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial and 'How provisioning works': DELETE gets 204",
    ),
    (
        "entra.request.completes",
        Documented,
        "Microsoft Learn, provisioning logs error codes: timeouts and protocol errors fail",
    ),
    (
        "entra.job.not-quarantined",
        Documented,
        "Microsoft Learn, 'Application provisioning in quarantine status'",
    ),
    (
        "entra.escrow.not-given-up",
        Inferred,
        "Microsoft Learn quarantine article's 28-day retry limit, read as per-object escrow; disputed",
    ),
    (
        "entra.job.state",
        Documented,
        "Microsoft Learn, 'Application provisioning in quarantine status'",
    ),
    // Entra: the end-state checks scenarios/ declare.
    (
        "entra.block-sign-in.disables",
        Documented,
        "Microsoft Learn, 'How provisioning works': a blocked sign-in disables the user",
    ),
    (
        "entra.unblock.enables",
        Documented,
        "Microsoft Learn, 'How provisioning works': a user active again is enabled again",
    ),
    (
        "entra.cycle.net-effect",
        Documented,
        "Microsoft Learn, 'How provisioning works': incremental cycles send the net change",
    ),
    (
        "entra.group.remove-members-by-value",
        Documented,
        "Microsoft Learn, SCIM 2.0 compliance known issues: member Remove with a value list",
    ),
    (
        "entra.group.renamed",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial, group operations: Replace of displayName",
    ),
    (
        "entra.group.deleted",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial, and Microsoft's gallery validation: group DELETE",
    ),
    (
        "entra.update.applied",
        Documented,
        "Microsoft Learn, SCIM 2.0 compliance known issues: the PATCH forms, with or without flag",
    ),
    (
        "entra.initial-cycle.manager-set",
        Observed,
        "GitHub issue Captain-P-Goldfish/SCIM-SDK#686: the manager PATCH carries a plain string",
    ),
    (
        "entra.initial-cycle.members-added",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial: groups created empty, then members by PATCH",
    ),
    (
        "entra.manager.set",
        Observed,
        "GitHub issue Captain-P-Goldfish/SCIM-SDK#686: the manager PATCH carries a plain string",
    ),
    (
        "entra.soft-delete.disables-until-purge",
        Documented,
        "Microsoft Learn, 'How provisioning works': soft delete disables, purge after 30 days",
    ),
    (
        "entra.group.members-after-purge",
        Documented,
        "Microsoft Learn, 'How provisioning works': a purged user is deleted in the target",
    ),
    (
        "entra.on-demand.group-provisioned",
        Documented,
        "Microsoft Learn, 'On-demand provisioning': one group with up to five members",
    ),
    (
        "entra.restart.matches-disabled-user",
        Documented,
        "Microsoft Learn, SCIM endpoint tutorial and 'How provisioning works': restart re-matches",
    ),
    (
        "entra.restore.enables",
        Documented,
        "Microsoft Learn, 'How provisioning works': a user restored from soft delete is enabled",
    ),
    (
        "entra.soft-delete.disables",
        Documented,
        "Microsoft Learn, 'How provisioning works': a soft-deleted user is disabled",
    ),
    (
        "entra.hard-delete.deletes",
        Documented,
        "Microsoft Learn, 'How provisioning works': a hard-deleted user is deleted",
    ),
    (
        "entra.disable.applied",
        Documented,
        "Microsoft Learn, 'How provisioning works': unassignment disables by update, no DELETE",
    ),
    (
        "entra.enable.applied",
        Documented,
        "Microsoft Learn, 'How provisioning works': back in scope, the user is matched, updated",
    ),
    // JumpCloud: the checks src/idp/jumpcloud judges on the wire. JumpCloud documents
    // behaviour, not requests: only Test Connection's create and delete are written down.
    (
        "jumpcloud.test-connection.lookup-is-list-response",
        Inferred,
        "inferred: JumpCloud documents Test Connection's create and delete, not a lookup",
    ),
    (
        "jumpcloud.test-connection.create-returns-201-with-id",
        Documented,
        "JumpCloud, 'Identity Management using a Custom SCIM Integration': a test user is created",
    ),
    (
        "jumpcloud.test-connection.put-accepts-null-emails",
        Observed,
        "ShiftControl-io/scim-v2-rust sanitized JumpCloud sample: a PUT with emails null",
    ),
    (
        "jumpcloud.test-connection.group-create-returns-201-with-id",
        Documented,
        "JumpCloud, custom SCIM integration article: Test Connection creates a test group",
    ),
    (
        "jumpcloud.test-connection.group-delete-returns-204",
        Documented,
        "JumpCloud, custom SCIM integration article: the test group is deleted by DELETE",
    ),
    (
        "jumpcloud.test-connection.delete-user-returns-204",
        Documented,
        "JumpCloud, custom SCIM integration article: the test user is deleted by DELETE",
    ),
    (
        "jumpcloud.test-connection.delete-user-supported",
        Documented,
        "JumpCloud, custom SCIM integration article: without DELETE the test user stays behind",
    ),
    (
        "jumpcloud.test-connection.deactivate-fallback-accepted",
        Documented,
        "JumpCloud, custom SCIM integration article: without DELETE the test user is deactivated",
    ),
    (
        "jumpcloud.lookup.answer-is-list-response",
        Inferred,
        "inferred: JumpCloud logs lookup failures (user_lookup_provision), not the lookup's form",
    ),
    (
        "jumpcloud.lookup.match-is-the-queried-resource",
        Inferred,
        "inferred: JumpCloud links the resource its lookup returns; the request form is undocumented",
    ),
    (
        "jumpcloud.create.returns-201-with-id",
        Observed,
        "ShiftControl-io/scim-v2-rust sanitized JumpCloud sample: the create-user POST",
    ),
    (
        "jumpcloud.link.put-returns-200",
        Observed,
        "ShiftControl-io/scim-v2-rust sanitized JumpCloud sample: updates are a full PUT",
    ),
    (
        "jumpcloud.link.patch-accepted",
        Inferred,
        "inferred variant: only hand-written Paul-E/scim-v2-rust fixtures update by PATCH",
    ),
    (
        "jumpcloud.update.put-returns-200",
        Observed,
        "ShiftControl-io/scim-v2-rust sanitized JumpCloud sample: updates are a full PUT",
    ),
    (
        "jumpcloud.update.patch-accepted",
        Inferred,
        "inferred variant: only hand-written Paul-E/scim-v2-rust fixtures update by PATCH",
    ),
    (
        "jumpcloud.deactivate.accepted",
        Inferred,
        "inferred request: JumpCloud's connector articles say when it deactivates, not how",
    ),
    (
        "jumpcloud.reactivate.accepted",
        Inferred,
        "inferred request: JumpCloud documents neither when nor how it reactivates on the wire",
    ),
    (
        "jumpcloud.delete.returns-204",
        Inferred,
        "JumpCloud documents the user_delete_provision event; the DELETE request is inferred",
    ),
    (
        "jumpcloud.group.lookup-is-list-response",
        Inferred,
        "inferred from JumpCloud taking over same-named groups; the lookup is not documented",
    ),
    (
        "jumpcloud.group.create-returns-201-with-id",
        Inferred,
        "JumpCloud documents the group_create_provision event; the POST /Groups is inferred",
    ),
    (
        "jumpcloud.group.add-members-accepted",
        Observed,
        "Uni-Moni's JumpCloud setup guide and Paul-E/scim-v2-rust fixtures: add a value list",
    ),
    (
        "jumpcloud.group.repeated-add-idempotent",
        Inferred,
        "inferred: JumpCloud re-syncs bound groups on every event; a whole-list add is assumed",
    ),
    (
        "jumpcloud.group.remove-members-accepted",
        Observed,
        "Uni-Moni's JumpCloud setup guide: members removed by a value list, no filter",
    ),
    (
        "jumpcloud.group.remove-by-value-applied",
        Observed,
        "Uni-Moni's JumpCloud setup guide: members removed by a value list, no filter",
    ),
    (
        "jumpcloud.group.rename-accepted",
        Inferred,
        "JumpCloud's connector articles say renames sync; whether by PATCH or PUT is unknown",
    ),
    (
        "jumpcloud.group.delete-returns-204",
        Inferred,
        "JumpCloud documents the group_delete_provision event; the DELETE request is inferred",
    ),
    (
        "jumpcloud.import.page-is-list-response",
        Inferred,
        "JumpCloud's import article documents importing users, not the paging requests",
    ),
    (
        "jumpcloud.import.paging-numbers-are-integers",
        Inferred,
        "JumpCloud's import article documents importing users, not the paging requests",
    ),
    (
        "jumpcloud.import.items-per-page-is-items-returned",
        Inferred,
        "JumpCloud's import article documents importing users, not the paging requests",
    ),
    (
        "jumpcloud.import.total-results-consistent",
        Inferred,
        "JumpCloud's import article documents importing users, not the paging requests",
    ),
    (
        "jumpcloud.import.paging-ends",
        Inferred,
        "JumpCloud's import article documents importing users, not the paging requests",
    ),
    // JumpCloud: the end-state checks scenarios/ declare.
    (
        "jumpcloud.bind.user-provisioned",
        Documented,
        "JumpCloud, custom SCIM integration article: members of bound groups are created",
    ),
    (
        "jumpcloud.bind.group-created-with-members",
        Documented,
        "JumpCloud connector article, 'Group Management Considerations': bound groups sync",
    ),
    (
        "jumpcloud.group.deleted",
        Documented,
        "JumpCloud connector article, 'Group Management Considerations': deletes propagate",
    ),
    (
        "jumpcloud.delete.removes-user",
        Documented,
        "JumpCloud, custom SCIM integration article: deleting a user is provisioned as a delete",
    ),
    (
        "jumpcloud.delete.leaves-group",
        Inferred,
        "inferred from RFC 7643 section 4.1.2; JumpCloud says nothing of a deleted user's groups",
    ),
    (
        "jumpcloud.group.remove-by-value",
        Observed,
        "Uni-Moni's JumpCloud setup guide and Paul-E/scim-v2-rust fixtures: remove by value list",
    ),
    (
        "jumpcloud.unbound-user-deactivated",
        Documented,
        "JumpCloud connector article: a user left in no bound group is deactivated in the app",
    ),
    (
        "jumpcloud.group.renamed",
        Documented,
        "JumpCloud connector article, 'Group Management Considerations': renames are synced",
    ),
    (
        "jumpcloud.group.repeated-add-absorbed",
        Inferred,
        "inferred: JumpCloud re-syncs bound groups on every event; a whole-list add is assumed",
    ),
    (
        "jumpcloud.suspend.deactivates",
        Documented,
        "JumpCloud connector and 'Get Started' articles: a suspended user is deactivated",
    ),
    (
        "jumpcloud.reactivate.activates",
        Observed,
        "Bitwarden's JumpCloud SCIM guide: active follows the user not being suspended",
    ),
    (
        "jumpcloud.group.taken-over",
        Documented,
        "JumpCloud connector article: an app group with the same name is taken over",
    ),
    (
        "jumpcloud.unbind.deactivates-members",
        Documented,
        "JumpCloud connector article: unbinding a group deactivates its members",
    ),
    (
        "jumpcloud.unbind.keeps-members-of-other-groups",
        Documented,
        "JumpCloud connector article: members another bound group keeps stay active",
    ),
    (
        "jumpcloud.unbind.leaves-group",
        Documented,
        "JumpCloud connector article: an unbound group is left as it is in the app",
    ),
    (
        "jumpcloud.update.put-applied",
        Observed,
        "ShiftControl-io/scim-v2-rust sanitized JumpCloud sample: updates are a full PUT",
    ),
    // Clockify lock-down: the Clockify help page "SCIM user provisioning".
    (
        "lockdown.access.granted",
        Documented,
        "Clockify help, SCIM user provisioning: users exist as soon as the IdP adds them",
    ),
    (
        "lockdown.access.revoked-at-once",
        Documented,
        "Clockify help, SCIM user provisioning: deprovisioned users lose access immediately",
    ),
    (
        "lockdown.access.revoked-after-delete",
        Documented,
        "Clockify help, SCIM user provisioning: deprovisioned users lose access immediately",
    ),
    (
        "lockdown.access.revoked-after-hard-delete",
        Documented,
        "Clockify help, SCIM user provisioning: deprovisioned users lose access immediately",
    ),
    (
        "lockdown.access.restored-on-reactivation",
        Documented,
        "Clockify help, 'For users': activation in the IdP updates the status at once",
    ),
    (
        "lockdown.probes-changed-nothing",
        Documented,
        "Clockify help FAQ: with SCIM on, user and group management in Clockify is locked",
    ),
    (
        "lockdown.probe.add-user",
        Documented,
        "Clockify help FAQ: admins can no longer add users in Clockify",
    ),
    (
        "lockdown.probe.invite-user",
        Inferred,
        "inferred: the Clockify FAQ locks adding users but does not name invitations",
    ),
    (
        "lockdown.probe.revoke-invitation",
        Documented,
        "Clockify help FAQ: invitations can no longer be revoked",
    ),
    (
        "lockdown.probe.update-user",
        Documented,
        "Clockify help FAQ: admins can no longer update users in Clockify",
    ),
    (
        "lockdown.probe.disable-user",
        Inferred,
        "inferred: the Clockify FAQ locks updating users but does not name deactivation",
    ),
    (
        "lockdown.probe.delete-user",
        Documented,
        "Clockify help FAQ: admins can no longer delete users in Clockify",
    ),
    (
        "lockdown.probe.make-regular",
        Documented,
        "Clockify help FAQ: limited users can no longer be made regular users",
    ),
    (
        "lockdown.probe.create-group",
        Documented,
        "Clockify help FAQ: groups can no longer be created in Clockify",
    ),
    (
        "lockdown.probe.rename-group",
        Documented,
        "Clockify help FAQ: groups can no longer be updated in Clockify",
    ),
    (
        "lockdown.probe.delete-group",
        Documented,
        "Clockify help FAQ: groups can no longer be deleted in Clockify",
    ),
    (
        "lockdown.probe.change-own-name",
        Documented,
        "Clockify help FAQ: users can no longer change their own name",
    ),
    (
        "lockdown.probe.leave-workspace",
        Documented,
        "Clockify help FAQ: users can no longer leave a workspace on their own",
    ),
    (
        "lockdown.probe.auto-join",
        Documented,
        "Clockify help FAQ: automatically joining a workspace stops working",
    ),
    // Clockify application behaviour under SCIM.
    (
        "clockify.gdpr.anonymized",
        Documented,
        "Clockify help FAQ on GDPR requests: anonymize in the IdP while still assigned",
    ),
    (
        "clockify.gdpr.nothing-left",
        Inferred,
        "inferred: the Clockify GDPR FAQ gives the order of steps, not what remains after removal",
    ),
    (
        "clockify.enable-scim.deletes-groups",
        Documented,
        "Clockify help, 'For Groups': existing groups are deleted once SCIM is enabled",
    ),
    (
        "clockify.groups.from-idp",
        Documented,
        "Clockify help, 'For Groups': groups are created and deleted from the IdP's setup",
    ),
    (
        "clockify.groups.new-ids",
        Documented,
        "Clockify help FAQ: groups synced once SCIM starts get new hidden group ids",
    ),
    (
        "clockify.matching.links-existing-user",
        Documented,
        "Clockify help FAQ: existing accounts are matched by the attribute the IdP chooses",
    ),
    (
        "clockify.matching.entra-links-existing-user",
        Documented,
        "Clockify help FAQ: existing accounts are matched by the attribute the IdP chooses",
    ),
    (
        "clockify.users.name-and-email-follow-idp",
        Documented,
        "Clockify help, 'For users': name and email changes in the IdP update Clockify",
    ),
    (
        "clockify.timezone.from-idp-at-creation",
        Documented,
        "Clockify help, 'For users': the timezone is first taken from the IdP",
    ),
    (
        "clockify.timezone.user-owned",
        Documented,
        "Clockify help, 'For users': a timezone the user changed is not overwritten",
    ),
    (
        "app.enable-scim.returns-url-and-token",
        Documented,
        "Clockify help, 'Enable SCIM': enabling generates a base URL and a bearer token",
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    use super::*;

    /// The families of check ids this table grades.
    const ID_PREFIXES: [&str; 5] = ["okta.", "entra.", "jumpcloud.", "lockdown.", "clockify."];

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn is_id_char(c: char) -> bool {
        c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_')
    }

    fn is_check_id(text: &str) -> bool {
        ID_PREFIXES.iter().any(|prefix| text.starts_with(prefix))
    }

    /// Every file under `dir` whose name ends with `ext`, sorted.
    fn files(dir: &Path, ext: &str, found: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                files(&path, ext, found);
            } else if path.to_string_lossy().ends_with(ext) {
                found.push(path);
            }
        }
    }

    /// Check ids in Rust source: string literals starting with an id prefix, outside comments
    /// and inline test modules. A `format!` template (`"lockdown.probe.{}"`) comes back with
    /// its placeholder replaced by a name, so that its family must be graded.
    fn rust_ids(text: &str) -> Vec<String> {
        let lines: Vec<&str> = text.lines().collect();
        let mut ids = Vec::new();
        for (at, line) in lines.iter().enumerate() {
            let trimmed = line.trim();
            let next = lines.get(at + 1).map_or("", |next| next.trim());
            if trimmed == "#[cfg(test)]" && next.starts_with("mod ") && next.ends_with('{') {
                break;
            }
            if trimmed.starts_with("//") {
                continue;
            }
            for (quote, _) in line.match_indices('"') {
                let rest = &line[quote + 1..];
                let Some(end) = rest.find('"') else {
                    continue;
                };
                let literal = &rest[..end];
                if !is_check_id(literal) {
                    continue;
                }
                let id = match literal.split_once('{') {
                    Some((head, tail)) if tail.ends_with('}') => format!("{head}some-name"),
                    Some(_) => continue,
                    None => literal.to_owned(),
                };
                if id.chars().all(is_id_char) {
                    ids.push(id);
                }
            }
        }
        ids
    }

    /// Check ids in YAML: the value of every `id:` key that starts with an id prefix.
    fn yaml_ids(text: &str) -> Vec<String> {
        let mut ids = Vec::new();
        for line in text.lines() {
            if line.trim_start().starts_with('#') {
                continue;
            }
            for (at, _) in line.match_indices("id:") {
                let before = line[..at].chars().next_back();
                if !matches!(before, None | Some(' ' | '{' | ',' | '-')) {
                    continue;
                }
                let value = line[at + 3..].trim_start().trim_start_matches(['"', '\'']);
                let end = value.find(|c: char| !is_id_char(c)).unwrap_or(value.len());
                if is_check_id(&value[..end]) {
                    ids.push(value[..end].to_owned());
                }
            }
        }
        ids
    }

    /// Every IdP and lock-down check id the sources can produce, with the files that hold it;
    /// and the text scanned. Rust: the IdP modules and the runner (which adds the lock-down and
    /// job-state ids), test files left out. YAML: the scenario catalogue and the target
    /// profiles.
    fn scanned() -> (BTreeMap<String, BTreeSet<String>>, String) {
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut corpus = String::new();
        let mut sources = Vec::new();
        for dir in ["src/idp", "src/runner"] {
            files(&root().join(dir), ".rs", &mut sources);
        }
        let rust = sources.len();
        for dir in ["scenarios", "fixtures/profiles"] {
            files(&root().join(dir), ".yaml", &mut sources);
        }
        for (index, path) in sources.iter().enumerate() {
            let name = path
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into());
            if name == "evidence.rs" || name == "tests.rs" || name.ends_with("_tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(path).expect("a readable source file");
            let ids = if index < rust {
                rust_ids(&text)
            } else {
                yaml_ids(&text)
            };
            let shown = path
                .strip_prefix(root())
                .unwrap_or(path)
                .display()
                .to_string();
            for id in ids {
                found.entry(id).or_default().insert(shown.clone());
            }
            corpus.push_str(&text);
        }
        (found, corpus)
    }

    #[test]
    fn every_check_id_in_the_sources_has_a_grade() {
        // Arrange
        let (found, _) = scanned();

        // Act
        let ungraded: Vec<String> = found
            .iter()
            .filter(|(id, _)| grade(id).is_none())
            .map(|(id, files)| {
                format!(
                    "{id} ({})",
                    files.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            })
            .collect();

        // Assert
        assert!(
            found.len() > 100,
            "the scan found only {} ids: is it still reading the sources?",
            found.len()
        );
        for expected in [
            "okta.create.returns-201-with-id",
            "okta.link.get-returns-the-user",
            "entra.escrow.not-given-up",
            "entra.job.state",
            "jumpcloud.test-connection.delete-user-supported",
            "lockdown.probe.some-name",
            "lockdown.access.revoked-at-once",
            "clockify.timezone.user-owned",
            "okta.paging-numbers-are-integers",
        ] {
            assert!(found.contains_key(expected), "the scan missed {expected}");
        }
        assert!(
            ungraded.is_empty(),
            "check ids without a grade:\n{}",
            ungraded.join("\n")
        );
    }

    #[test]
    fn every_graded_id_is_still_produced_somewhere() {
        // Arrange
        let (_, corpus) = scanned();
        let profile =
            std::fs::read_to_string(root().join("fixtures/profiles/reference-server.yaml"))
                .expect("the reference profile");

        // Act
        let stale: Vec<&str> = EXACT
            .iter()
            .map(|(id, _, _)| *id)
            .filter(|id| match id.strip_prefix("lockdown.probe.") {
                Some(probe) => !profile.contains(&format!("\n  {probe}:\n")),
                None => !corpus.contains(id),
            })
            .collect();

        // Assert
        assert!(
            stale.is_empty(),
            "graded ids nothing produces any more: {stale:?}"
        );
    }

    #[test]
    fn an_rfc_check_has_no_grade() {
        // Arrange
        let id = "rfc7644.3.3.create-201";

        // Act
        let graded = grade(id);

        // Assert
        assert_eq!(graded, None);
    }

    #[test]
    fn every_grade_is_given_to_some_check() {
        // Arrange
        let mut counts: BTreeMap<Evidence, usize> = BTreeMap::new();

        // Act
        for (_, graded) in table() {
            *counts.entry(graded.evidence).or_default() += 1;
        }

        // Assert
        for evidence in Evidence::ALL {
            assert!(
                counts.get(&evidence).copied().unwrap_or(0) > 0,
                "no check is {evidence}"
            );
        }
        assert_eq!(
            grade("okta.create.returns-201-with-id").map(|g| g.evidence),
            Some(Documented)
        );
        assert_eq!(
            grade("okta.import.items-per-page-is-items-returned").map(|g| g.evidence),
            Some(Observed)
        );
        assert_eq!(
            grade("jumpcloud.import.paging-ends").map(|g| g.evidence),
            Some(Inferred)
        );
    }

    #[test]
    fn a_probe_the_profile_adds_falls_back_to_its_family() {
        // Arrange
        let seeded = "lockdown.probe.auto-join";
        let custom = "lockdown.probe.export-timesheets";

        // Act
        let (seeded, custom) = (grade(seeded), grade(custom));

        // Assert
        assert_eq!(seeded.map(|g| g.evidence), Some(Documented));
        assert_eq!(custom.map(|g| g.evidence), Some(Inferred));
        assert_eq!(grade("lockdown.probe."), None);
    }

    #[test]
    fn only_documented_blocks_by_default() {
        // Arrange
        let grades = Evidence::ALL;

        // Act
        let blocking: Vec<Evidence> = grades
            .into_iter()
            .filter(|e| e.blocks_by_default())
            .collect();

        // Assert
        assert_eq!(blocking, vec![Documented]);
        assert!(Documented < Observed && Observed < Inferred);
    }

    #[test]
    fn grades_serialize_as_their_names() {
        // Arrange
        let grades = Evidence::ALL;

        // Act
        let names: Vec<serde_json::Value> = grades
            .iter()
            .map(|e| serde_json::to_value(e).expect("serializable"))
            .collect();

        // Assert
        for (evidence, name) in grades.iter().zip(names) {
            assert_eq!(name, serde_json::Value::from(evidence.as_str()));
            assert_eq!(evidence.to_string(), evidence.as_str());
            assert!(!evidence.describe().is_empty());
        }
    }

    #[test]
    fn the_table_is_unique_and_each_basis_is_one_short_public_line() {
        // Arrange
        let rows: Vec<(String, Grade)> = table().collect();

        // Act
        let ids: BTreeSet<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();

        // Assert
        assert_eq!(ids.len(), rows.len(), "an id is graded twice");
        for (id, graded) in &rows {
            let basis = graded.basis;
            assert!(
                !basis.is_empty() && basis.len() <= 100,
                "{id}: basis length {}",
                basis.len()
            );
            assert!(
                !basis.contains('\n') && !basis.contains('|'),
                "{id}: basis is not one line"
            );
            assert!(
                !basis.contains("research/"),
                "{id}: basis cites a private note"
            );
        }
    }

    #[test]
    fn docs_list_every_graded_check_with_its_grade() {
        // Arrange
        let docs =
            std::fs::read_to_string(root().join("docs/evidence.md")).expect("docs/evidence.md");
        let listed: BTreeMap<&str, &str> = docs
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|row| {
                let (id, rest) = row.split_once("` | ")?;
                Some((id, rest.split(" | ").next()?))
            })
            .collect();

        // Act
        let table: BTreeMap<String, &str> = table()
            .map(|(id, graded)| (id, graded.evidence.as_str()))
            .collect();
        let mut differences = Vec::new();
        for (id, grade) in &table {
            match listed.get(id.as_str()) {
                None => differences.push(format!("{id}: {grade} in the code, not in the docs")),
                Some(listed) if listed != grade => {
                    differences.push(format!("{id}: {grade} in the code, {listed} in the docs"))
                }
                Some(_) => {}
            }
        }
        for id in listed.keys().filter(|id| !table.contains_key(**id)) {
            differences.push(format!("{id}: in the docs, not in the code"));
        }

        let count =
            |evidence: Evidence| table.values().filter(|g| **g == evidence.as_str()).count();
        let totals = format!(
            "Totals: {} documented, {} observed, {} inferred ({} ids and families).",
            count(Documented),
            count(Observed),
            count(Inferred),
            table.len()
        );

        // Assert
        assert!(
            docs.contains(&totals),
            "docs/evidence.md should say: {totals}"
        );
        assert!(
            differences.is_empty(),
            "docs/evidence.md and the grade table differ:\n{}",
            differences.join("\n")
        );
    }
}
