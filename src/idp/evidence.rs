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
//! **How grades are assigned.** Every check rests on a numbered section of the project's
//! documentation (`docs/idps/okta.md`, `docs/idps/entra.md`, `docs/idps/jumpcloud.md`,
//! `docs/application.md`), where each fact carries its public source and its grade: the
//! vendor's own documentation, observed (real traffic, issue reports, third-party captures and
//! fixtures), or inferred. The grade is that of the fact the check actually judges: where the
//! vendor documents *that* something happens but not the request it sends (most of JumpCloud),
//! a check on the end state is `Documented` while a check on the status answered to the
//! undocumented request is graded by that request's evidence. Newer evidence overrides older
//! (Entra's per-object escrow schedule is disputed, so the check on it is `Inferred`). The
//! Clockify lock-down and application checks rest on Clockify's own help page: `Documented`
//! where the page states the behaviour, `Inferred` where the harness extends it. Each basis
//! below starts with the section it rests on.
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
const PREFIXES: &[(&str, Evidence, &str)] = &[
    (
        "lockdown.probe.",
        Inferred,
        "docs/application.md §6.2: a probe the target profile adds rests on the profile's claim",
    ),
    (
        "suite.okta-oin-spec.",
        Documented,
        "docs/suites.md §1: Okta's published SCIM 2.0 SPEC Test asserts it",
    ),
    (
        "suite.okta-oin-crud.",
        Documented,
        "docs/suites.md §2: Okta's published SCIM 2.0 CRUD Test asserts it",
    ),
    (
        "suite.entra-gallery.",
        Documented,
        "docs/suites.md §4: Microsoft's published gallery-validation Logic App asserts it",
    ),
];

/// Exact ids: Okta, Entra, JumpCloud, then the Clockify lock-down and application checks.
const EXACT: &[(&str, Evidence, &str)] = &[
    // Okta: the checks src/idp/okta judges on the wire.
    (
        "okta.test-connection.list-is-scim-json",
        Documented,
        "docs/idps/okta.md §3.1: Test API Credentials lists users, a ListResponse",
    ),
    (
        "okta.test-connection.groups-answer-is-json",
        Documented,
        "docs/idps/okta.md §3.1: the Groups probe only needs a JSON answer",
    ),
    (
        "okta.import.page-is-list-response",
        Documented,
        "docs/idps/okta.md §3.2: import reads pages of 100 as a ListResponse",
    ),
    (
        "okta.import.paging-numbers-are-integers",
        Documented,
        "docs/idps/okta.md §3.2: paging numbers are integers, not strings",
    ),
    (
        "okta.import.items-per-page-is-items-returned",
        Observed,
        "docs/idps/okta.md §3.2: an Okta reviewer rejected itemsPerPage larger than the page",
    ),
    (
        "okta.lookup.not-found-is-empty-list-or-404",
        Documented,
        "docs/idps/okta.md §3.3: not found is an empty list or a 404",
    ),
    (
        "okta.lookup.paging-numbers-are-integers",
        Documented,
        "docs/idps/okta.md §3.2, §3.3: a lookup's paging numbers are integers",
    ),
    (
        "okta.lookup.match-has-id",
        Documented,
        "docs/idps/okta.md §3.3: Okta stores the matched user's id",
    ),
    (
        "okta.lookup.match-is-the-queried-user",
        Documented,
        "docs/idps/okta.md §3.3: a userName eq lookup, then the match is linked",
    ),
    (
        "okta.create.returns-201-with-id",
        Documented,
        "docs/idps/okta.md §3.3: 201 with the new user's id",
    ),
    (
        "okta.create.duplicate-is-409",
        Documented,
        "docs/idps/okta.md §3.3: a duplicate user gets 409 with a SCIM error body",
    ),
    (
        "okta.link.get-returns-the-user",
        Documented,
        "docs/idps/okta.md §3.3: a matched user is read by id, then PUT",
    ),
    (
        "okta.link.put-returns-200",
        Documented,
        "docs/idps/okta.md §3.3, §3.4: the linking PUT answers 200",
    ),
    (
        "okta.update.get-returns-the-user",
        Documented,
        "docs/idps/okta.md §3.4: GET by id before the full PUT",
    ),
    (
        "okta.update.put-returns-200",
        Documented,
        "docs/idps/okta.md §3.4: the PUT answers 200 with the user",
    ),
    (
        "okta.deactivate.get-returns-the-user",
        Documented,
        "docs/idps/okta.md §3.5: AIW apps deactivate by GET, then PUT",
    ),
    (
        "okta.reactivate.get-returns-the-user",
        Documented,
        "docs/idps/okta.md §3.5: AIW apps reactivate by GET, then PUT",
    ),
    (
        "okta.deactivate.accepted",
        Documented,
        "docs/idps/okta.md §3.5: a deactivation PATCH answers 200 or 204, a PUT 200",
    ),
    (
        "okta.reactivate.accepted",
        Documented,
        "docs/idps/okta.md §3.5: an activation PATCH answers 200 or 204, a PUT 200",
    ),
    (
        "okta.password.get-returns-the-user",
        Documented,
        "docs/idps/okta.md §3.5: AIW apps sync a password by GET, then PUT",
    ),
    (
        "okta.password.accepted",
        Inferred,
        "docs/idps/okta.md §3.5: password sync answered 200 or 204; the PATCH body is inferred",
    ),
    (
        "okta.rate-limit.task-failed-after-10-attempts",
        Documented,
        "docs/idps/okta.md §3.7: ten rate-limited attempts fail the task for good",
    ),
    (
        "okta.push-group.create-returns-201-with-id",
        Documented,
        "docs/idps/okta.md §3.6.3: POST /Groups answers 201 with the id",
    ),
    (
        "okta.push-group.rename-accepted",
        Documented,
        "docs/idps/okta.md §3.6.4: the name PATCH sent with each membership update",
    ),
    (
        "okta.push-group.members-accepted",
        Documented,
        "docs/idps/okta.md §3.6.5: a membership PATCH answers 200 or 204",
    ),
    (
        "okta.link-group.lookup-is-list-response",
        Documented,
        "docs/idps/okta.md §3.6.2: finding a group by name answers a ListResponse",
    ),
    (
        "okta.link-group.match-is-the-group",
        Documented,
        "docs/idps/okta.md §3.6.2: the group found by name is linked by its id",
    ),
    (
        "okta.push-group.put-returns-200",
        Documented,
        "docs/idps/okta.md §3.6.8: AIW groups are a full PUT, answered 200",
    ),
    (
        "okta.push-group.get-returns-the-group",
        Documented,
        "docs/idps/okta.md §3.6.8: the 2018-2019 reference reads the group before its PUT",
    ),
    (
        "okta.push-now.replace-members-accepted",
        Documented,
        "docs/idps/okta.md §3.6.6: Push Now replaces members with the full list",
    ),
    (
        "okta.unlink.delete-returns-204",
        Documented,
        "docs/idps/okta.md §3.6.9: unlink and delete sends DELETE /Groups/{id}, 204",
    ),
    // Okta: the end-state checks scenarios/ declare.
    (
        "okta.create.user-readable-by-returned-id",
        Documented,
        "docs/idps/okta.md §3.3: Okta addresses the user by the id the create returned",
    ),
    (
        "okta.link.same-user-synced",
        Documented,
        "docs/idps/okta.md §3.3: a matched user is linked and its profile synced",
    ),
    (
        "okta.deactivated-user-still-readable",
        Documented,
        "docs/idps/okta.md §3.5: a deactivated user reads back with active false",
    ),
    (
        "okta.reactivated-user-active",
        Documented,
        "docs/idps/okta.md §3.5: reactivation sets active true",
    ),
    (
        "okta.group.membership-delta-applied",
        Documented,
        "docs/idps/okta.md §3.6.5: filtered removes and one batched add",
    ),
    (
        "okta.push-group.group-holds-the-members",
        Documented,
        "docs/idps/okta.md §3.6.1, §3.6.3: memberships pushed with the group",
    ),
    (
        "okta.group.rename-arrives",
        Documented,
        "docs/idps/okta.md §3.6.4: a rename replaces displayName",
    ),
    (
        "okta.group.push-now-keeps-members",
        Documented,
        "docs/idps/okta.md §3.6.6: Push Now sends the group's full member list",
    ),
    (
        "okta.group.push-now-empties-group",
        Observed,
        "docs/idps/okta.md §3.6.6: Push Now of an empty group replaces members with []",
    ),
    (
        "okta.unassign.deactivates",
        Documented,
        "docs/idps/okta.md §3.5: unassignment deactivates the user and never deletes",
    ),
    (
        "okta.update.change-arrives",
        Documented,
        "docs/idps/okta.md §3.4: the change is merged into a full PUT",
    ),
    (
        "okta.paging-numbers-are-integers",
        Documented,
        "docs/idps/okta.md §3.2, §4 item 11: paging numbers are JSON integers",
    ),
    // Entra: the checks src/idp/entra judges on the wire and on the job.
    (
        "entra.test-connection.empty-list-200",
        Documented,
        "docs/idps/entra.md §4: Test Connection wants 200 and an empty list",
    ),
    (
        "entra.lookup.answers-list-response",
        Documented,
        "docs/idps/entra.md §11: lookups answer a ListResponse, even empty",
    ),
    (
        "entra.lookup.single-match",
        Documented,
        "docs/idps/entra.md §10.1: several entries in a lookup fail",
    ),
    (
        "entra.lookup.match-is-the-queried-resource",
        Documented,
        "docs/idps/entra.md §3.2: Entra queries by the matching attribute, then links the match",
    ),
    (
        "entra.lookup.finds-existing-user",
        Documented,
        "docs/idps/entra.md §8: filters still return disabled users",
    ),
    (
        "entra.group.lookup-excludes-members",
        Documented,
        "docs/idps/entra.md §9: excluded members are left out of the group lookup",
    ),
    (
        "entra.create.returns-201-with-id",
        Documented,
        "docs/idps/entra.md §6: a user create answers 201 with the id",
    ),
    (
        "entra.group.create-returns-201-with-id",
        Documented,
        "docs/idps/entra.md §9: a group create answers 201 with the id",
    ),
    (
        "entra.get.finds-anchored-object",
        Documented,
        "docs/idps/entra.md §10.1: InvalidAnchor when a linked object answers 404",
    ),
    (
        "entra.update.accepted",
        Documented,
        "docs/idps/entra.md §7.5: a user PATCH answers 200 or 204",
    ),
    (
        "entra.group.patch-accepted",
        Documented,
        "docs/idps/entra.md §9: a group PATCH answers 204 (or 200)",
    ),
    (
        "entra.delete.returns-204",
        Documented,
        "docs/idps/entra.md §8, §9: DELETE gets 204",
    ),
    (
        "entra.request.completes",
        Documented,
        "docs/idps/entra.md §10.1: timeouts and protocol errors fail and are retried",
    ),
    (
        "entra.job.not-quarantined",
        Documented,
        "docs/idps/entra.md §10.3: what quarantines a provisioning job",
    ),
    (
        "entra.escrow.not-given-up",
        Inferred,
        "docs/idps/entra.md §10.2: a 28-day retry limit read as per-object escrow; disputed",
    ),
    (
        "entra.job.state",
        Documented,
        "docs/idps/entra.md §10.2, §10.3: escrow and quarantine",
    ),
    // Entra: the end-state checks scenarios/ declare.
    (
        "entra.block-sign-in.disables",
        Documented,
        "docs/idps/entra.md §8: a blocked sign-in disables the user",
    ),
    (
        "entra.unblock.enables",
        Documented,
        "docs/idps/entra.md §8: a user active again is enabled again",
    ),
    (
        "entra.cycle.net-effect",
        Documented,
        "docs/idps/entra.md §5.2, §7: incremental cycles send the net change",
    ),
    (
        "entra.group.remove-members-by-value",
        Documented,
        "docs/idps/entra.md §9: member Remove with a value list (default dialect)",
    ),
    (
        "entra.group.renamed",
        Documented,
        "docs/idps/entra.md §9: a rename is a Replace of displayName",
    ),
    (
        "entra.group.deleted",
        Documented,
        "docs/idps/entra.md §9: a deleted or unassigned group gets DELETE",
    ),
    (
        "entra.update.applied",
        Documented,
        "docs/idps/entra.md §7.1, §7.2: the PATCH forms, with or without the flag",
    ),
    (
        "entra.initial-cycle.manager-set",
        Observed,
        "docs/idps/entra.md §7.4: the manager PATCH carries a plain string",
    ),
    (
        "entra.initial-cycle.members-added",
        Documented,
        "docs/idps/entra.md §5.5, §9: groups created empty, then members by PATCH",
    ),
    (
        "entra.manager.set",
        Observed,
        "docs/idps/entra.md §7.4: the manager PATCH carries a plain string",
    ),
    (
        "entra.soft-delete.disables-until-purge",
        Documented,
        "docs/idps/entra.md §8: soft delete disables, the purge after 30 days deletes",
    ),
    (
        "entra.group.members-after-purge",
        Documented,
        "docs/idps/entra.md §8: a purged user is deleted in the target",
    ),
    (
        "entra.on-demand.group-provisioned",
        Documented,
        "docs/idps/entra.md §5.6: on demand, one group with up to five members",
    ),
    (
        "entra.restart.matches-disabled-user",
        Documented,
        "docs/idps/entra.md §5.1, §8: a restart matches the disabled user again",
    ),
    (
        "entra.restore.enables",
        Documented,
        "docs/idps/entra.md §8: a user restored from soft delete is enabled",
    ),
    (
        "entra.soft-delete.disables",
        Documented,
        "docs/idps/entra.md §8: a soft-deleted user is disabled",
    ),
    (
        "entra.hard-delete.deletes",
        Documented,
        "docs/idps/entra.md §8: a hard-deleted user is deleted",
    ),
    (
        "entra.unmapped-active.user-deleted",
        Documented,
        "docs/idps/entra.md §8: without a mapping for active, a user leaving scope is deleted",
    ),
    (
        "entra.matching.next-attribute-links",
        Documented,
        "docs/idps/entra.md §3.2: the next matching attribute is tried when one finds nothing",
    ),
    (
        "entra.disable.applied",
        Documented,
        "docs/idps/entra.md §8: unassignment disables by update, no DELETE",
    ),
    (
        "entra.enable.applied",
        Documented,
        "docs/idps/entra.md §5.2, §8: back in scope, the user is matched and enabled",
    ),
    (
        "entra.update.filtered-paths-applied",
        Documented,
        "docs/idps/entra.md §3.1, §7.3: address and phone changes on value-filtered paths",
    ),
    // JumpCloud: the checks src/idp/jumpcloud judges on the wire. JumpCloud documents
    // behaviour, not requests: only Test Connection's create and delete are written down.
    (
        "jumpcloud.test-connection.lookup-is-list-response",
        Inferred,
        "docs/idps/jumpcloud.md §2: Test Connection's lookup is inferred",
    ),
    (
        "jumpcloud.test-connection.create-returns-201-with-id",
        Documented,
        "docs/idps/jumpcloud.md §2: Test Connection creates a test user",
    ),
    (
        "jumpcloud.test-connection.put-accepts-null-emails",
        Observed,
        "docs/idps/jumpcloud.md §2: a sanitized sample PUT with emails null",
    ),
    (
        "jumpcloud.test-connection.group-create-returns-201-with-id",
        Documented,
        "docs/idps/jumpcloud.md §2: Test Connection creates a test group",
    ),
    (
        "jumpcloud.test-connection.group-delete-returns-204",
        Documented,
        "docs/idps/jumpcloud.md §2: the test group is deleted by DELETE",
    ),
    (
        "jumpcloud.test-connection.delete-user-returns-204",
        Documented,
        "docs/idps/jumpcloud.md §2: the test user is deleted by DELETE",
    ),
    (
        "jumpcloud.test-connection.delete-user-supported",
        Documented,
        "docs/idps/jumpcloud.md §2: without DELETE the test user stays behind",
    ),
    (
        "jumpcloud.test-connection.deactivate-fallback-accepted",
        Documented,
        "docs/idps/jumpcloud.md §2: without DELETE the test user is deactivated",
    ),
    (
        "jumpcloud.lookup.answer-is-list-response",
        Inferred,
        "docs/idps/jumpcloud.md §3: a lookup precedes create; its form is inferred",
    ),
    (
        "jumpcloud.lookup.match-is-the-queried-resource",
        Inferred,
        "docs/idps/jumpcloud.md §3, §4: the match is linked; the request form is inferred",
    ),
    (
        "jumpcloud.create.returns-201-with-id",
        Observed,
        "docs/idps/jumpcloud.md §4: a sanitized sample of the create-user POST",
    ),
    (
        "jumpcloud.link.put-returns-200",
        Observed,
        "docs/idps/jumpcloud.md §5: a sanitized sample shows updates as a full PUT",
    ),
    (
        "jumpcloud.link.patch-accepted",
        Inferred,
        "docs/idps/jumpcloud.md §5: the PATCH variant, from hand-written fixtures only",
    ),
    (
        "jumpcloud.update.put-returns-200",
        Observed,
        "docs/idps/jumpcloud.md §5: a sanitized sample shows updates as a full PUT",
    ),
    (
        "jumpcloud.update.patch-accepted",
        Inferred,
        "docs/idps/jumpcloud.md §5: the PATCH variant, from hand-written fixtures only",
    ),
    (
        "jumpcloud.deactivate.accepted",
        Inferred,
        "docs/idps/jumpcloud.md §6: when JumpCloud deactivates is documented, not how",
    ),
    (
        "jumpcloud.reactivate.accepted",
        Inferred,
        "docs/idps/jumpcloud.md §6: the reactivating request is inferred",
    ),
    (
        "jumpcloud.delete.returns-204",
        Inferred,
        "docs/idps/jumpcloud.md §6: user_delete_provision is documented; the DELETE is inferred",
    ),
    (
        "jumpcloud.group.lookup-is-list-response",
        Inferred,
        "docs/idps/jumpcloud.md §7.2: a lookup by name, inferred from the takeover",
    ),
    (
        "jumpcloud.group.create-returns-201-with-id",
        Inferred,
        "docs/idps/jumpcloud.md §7.2: group creation is documented; the POST is inferred",
    ),
    (
        "jumpcloud.group.add-members-accepted",
        Observed,
        "docs/idps/jumpcloud.md §7.2: members added as a value list",
    ),
    (
        "jumpcloud.group.repeated-add-idempotent",
        Inferred,
        "docs/idps/jumpcloud.md §7.2: bound groups re-synced on every event; a whole-list add",
    ),
    (
        "jumpcloud.group.remove-members-accepted",
        Observed,
        "docs/idps/jumpcloud.md §7.2: members removed by a value list, no filter",
    ),
    (
        "jumpcloud.group.remove-by-value-applied",
        Observed,
        "docs/idps/jumpcloud.md §7.2: members removed by a value list, no filter",
    ),
    (
        "jumpcloud.group.rename-accepted",
        Inferred,
        "docs/idps/jumpcloud.md §7.2: renames sync; whether by PATCH or PUT is unknown",
    ),
    (
        "jumpcloud.group.delete-returns-204",
        Inferred,
        "docs/idps/jumpcloud.md §7.2: group_delete_provision is documented; the DELETE inferred",
    ),
    (
        "jumpcloud.import.page-is-list-response",
        Inferred,
        "docs/idps/jumpcloud.md §8: import is documented, its paging requests are not",
    ),
    (
        "jumpcloud.import.paging-numbers-are-integers",
        Inferred,
        "docs/idps/jumpcloud.md §8: import is documented, its paging requests are not",
    ),
    (
        "jumpcloud.import.items-per-page-is-items-returned",
        Inferred,
        "docs/idps/jumpcloud.md §8: import is documented, its paging requests are not",
    ),
    (
        "jumpcloud.import.total-results-consistent",
        Inferred,
        "docs/idps/jumpcloud.md §8: import is documented, its paging requests are not",
    ),
    (
        "jumpcloud.import.paging-ends",
        Inferred,
        "docs/idps/jumpcloud.md §8: import is documented, its paging requests are not",
    ),
    // JumpCloud: the end-state checks scenarios/ declare.
    (
        "jumpcloud.bind.user-provisioned",
        Documented,
        "docs/idps/jumpcloud.md §1: members of bound groups are provisioned",
    ),
    (
        "jumpcloud.bind.group-created-with-members",
        Documented,
        "docs/idps/jumpcloud.md §7.1: associated groups are synced",
    ),
    (
        "jumpcloud.group.deleted",
        Documented,
        "docs/idps/jumpcloud.md §7.1: a managed group deleted in JumpCloud is deleted",
    ),
    (
        "jumpcloud.delete.removes-user",
        Documented,
        "docs/idps/jumpcloud.md §6: deleting a user is provisioned as a delete",
    ),
    (
        "jumpcloud.delete.leaves-group",
        Inferred,
        "docs/idps/jumpcloud.md §6: inferred; JumpCloud says nothing of a deleted user's groups",
    ),
    (
        "jumpcloud.group.remove-by-value",
        Observed,
        "docs/idps/jumpcloud.md §7.2: members removed by a value list, no filter",
    ),
    (
        "jumpcloud.unbound-user-deactivated",
        Documented,
        "docs/idps/jumpcloud.md §6: a user left in no bound group is deactivated",
    ),
    (
        "jumpcloud.group.renamed",
        Documented,
        "docs/idps/jumpcloud.md §7.1: renames are synced",
    ),
    (
        "jumpcloud.group.repeated-add-absorbed",
        Inferred,
        "docs/idps/jumpcloud.md §7.2: bound groups re-synced on every event; a whole-list add",
    ),
    (
        "jumpcloud.suspend.deactivates",
        Documented,
        "docs/idps/jumpcloud.md §6: a suspended user is deactivated",
    ),
    (
        "jumpcloud.reactivate.activates",
        Observed,
        "docs/idps/jumpcloud.md §6: active follows the user not being suspended",
    ),
    (
        "jumpcloud.group.taken-over",
        Documented,
        "docs/idps/jumpcloud.md §7.1: an app group with the same name is taken over",
    ),
    (
        "jumpcloud.unbind.deactivates-members",
        Documented,
        "docs/idps/jumpcloud.md §6, §7.1: unbinding a group deactivates its members",
    ),
    (
        "jumpcloud.unbind.keeps-members-of-other-groups",
        Documented,
        "docs/idps/jumpcloud.md §6: members another bound group keeps stay active",
    ),
    (
        "jumpcloud.unbind.leaves-group",
        Documented,
        "docs/idps/jumpcloud.md §7.1: an unbound group is left as it is in the app",
    ),
    (
        "jumpcloud.update.put-applied",
        Observed,
        "docs/idps/jumpcloud.md §5: a sanitized sample shows updates as a full PUT",
    ),
    (
        "jumpcloud.update.patch-applied",
        Observed,
        "docs/idps/jumpcloud.md §5: hand-written fixtures show updates as PATCH replace with paths",
    ),
    // Clockify lock-down: the Clockify help page "SCIM user provisioning".
    (
        "lockdown.access.granted",
        Documented,
        "docs/application.md §3.1: users exist as soon as the IdP adds them",
    ),
    (
        "lockdown.access.revoked-at-once",
        Documented,
        "docs/application.md §3.3: deprovisioned users lose access immediately",
    ),
    (
        "lockdown.access.revoked-after-delete",
        Documented,
        "docs/application.md §3.3: deprovisioned users lose access immediately",
    ),
    (
        "lockdown.access.revoked-after-hard-delete",
        Documented,
        "docs/application.md §3.3: deprovisioned users lose access immediately",
    ),
    (
        "lockdown.access.restored-on-reactivation",
        Documented,
        "docs/application.md §3.3: activation in the IdP updates the status at once",
    ),
    (
        "lockdown.probes-changed-nothing",
        Documented,
        "docs/application.md §6.1: with SCIM on, user and group management is locked",
    ),
    (
        "lockdown.probe.add-user",
        Documented,
        "docs/application.md §6.1: admins can no longer add users",
    ),
    (
        "lockdown.probe.invite-user",
        Inferred,
        "docs/application.md §6.2: inferred; the FAQ locks adding users, not invitations",
    ),
    (
        "lockdown.probe.revoke-invitation",
        Documented,
        "docs/application.md §6.1: invitations can no longer be revoked",
    ),
    (
        "lockdown.probe.update-user",
        Documented,
        "docs/application.md §6.1: admins can no longer update users",
    ),
    (
        "lockdown.probe.disable-user",
        Inferred,
        "docs/application.md §6.2: inferred; the FAQ locks updating users, not deactivation",
    ),
    (
        "lockdown.probe.delete-user",
        Documented,
        "docs/application.md §6.1: admins can no longer delete users",
    ),
    (
        "lockdown.probe.make-regular",
        Documented,
        "docs/application.md §6.1: limited users can no longer be made regular users",
    ),
    (
        "lockdown.probe.create-group",
        Documented,
        "docs/application.md §6.1: groups can no longer be created",
    ),
    (
        "lockdown.probe.rename-group",
        Documented,
        "docs/application.md §6.1: groups can no longer be updated",
    ),
    (
        "lockdown.probe.delete-group",
        Documented,
        "docs/application.md §6.1: groups can no longer be deleted",
    ),
    (
        "lockdown.probe.change-own-name",
        Documented,
        "docs/application.md §6.1: users can no longer change their own name",
    ),
    (
        "lockdown.probe.leave-workspace",
        Documented,
        "docs/application.md §6.1: users can no longer leave a workspace on their own",
    ),
    (
        "lockdown.probe.auto-join",
        Documented,
        "docs/application.md §6.1: joining a workspace automatically stops working",
    ),
    // Clockify application behaviour under SCIM.
    (
        "clockify.gdpr.anonymized",
        Documented,
        "docs/application.md §8: anonymize in the IdP while the user is still assigned",
    ),
    (
        "clockify.gdpr.nothing-left",
        Inferred,
        "docs/application.md §8: inferred; the FAQ gives the order of steps, not what remains",
    ),
    (
        "clockify.enable-scim.deletes-groups",
        Documented,
        "docs/application.md §5.1: existing groups are deleted once SCIM is enabled",
    ),
    (
        "clockify.groups.from-idp",
        Documented,
        "docs/application.md §5.2: groups are created and deleted from the IdP's setup",
    ),
    (
        "clockify.groups.new-ids",
        Documented,
        "docs/application.md §5.3: groups synced once SCIM starts get new ids",
    ),
    (
        "clockify.matching.links-existing-user",
        Documented,
        "docs/application.md §7: existing accounts matched by the attribute the IdP chooses",
    ),
    (
        "clockify.matching.entra-links-existing-user",
        Documented,
        "docs/application.md §7: existing accounts matched by the attribute the IdP chooses",
    ),
    (
        "clockify.users.name-and-email-follow-idp",
        Documented,
        "docs/application.md §3.2: name and email changes in the IdP update the application",
    ),
    (
        "clockify.timezone.from-idp-at-creation",
        Documented,
        "docs/application.md §4: the time zone is first taken from the IdP",
    ),
    (
        "clockify.timezone.user-owned",
        Documented,
        "docs/application.md §4: a time zone the user changed is not overwritten",
    ),
    (
        "app.enable-scim.returns-url-and-token",
        Documented,
        "docs/application.md §2.1: enabling generates a base URL and a bearer token",
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
                basis.starts_with("docs/idps/")
                    || basis.starts_with("docs/application.md")
                    || basis.starts_with("docs/suites.md"),
                "{id}: basis does not start with the documentation section it rests on"
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
