//! Quirks: named, documented ways to make the reference server misbehave as real SCIM servers do.
//!
//! Every check the harness offers must be shown failing against something; a quirk is that
//! something when the check is about the server. Each one reproduces a fault seen in real
//! servers or in what the IdPs document that servers get wrong (sources in `research/`).

use std::fmt;
use std::str::FromStr;

/// One way to misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Quirk {
    NoLocation,
    ItemsPerPageIsCount,
    PagingAsStrings,
    PlainTextErrors,
    NumericErrorStatus,
    IgnoreFilter,
    IgnorePaging,
    RemoveMembersEmptiesGroup,
    RejectCapitalisedOps,
    RejectStringBooleans,
    DuplicateUserName,
    Lookup404,
    CaseSensitiveUserName,
    IgnoreIfMatch,
    PatchNotAtomic,
    JsonContentType,
    ZeroBasedStartIndex,
    PutCreates,
    DeleteKeepsMemberships,
    RejectPathlessPatch,
    Throttle,
    /// Entra requires that "a disabled user must still be returned by … filter queries"
    /// (research/entra_jumpcloud.md A7, "Server requirements").
    HideInactiveUsers,
    /// Entra looks groups up with `excludedAttributes=members`; members in the answer give
    /// `MultipleEntriesInResponse` (research/entra_jumpcloud.md A8, "Lookup").
    MembersNotExcluded,
    /// JumpCloud's minimal PUT sends `"emails": null` (research/entra_jumpcloud.md B1).
    RejectNullEmails,
    /// JumpCloud re-sends the whole member list on every membership event
    /// (research/entra_jumpcloud.md B6 and B2).
    DuplicateMembersOnAdd,
    /// Entra sends `Add` for attributes the target lacks, for the manager and for `active`;
    /// servers answer `"add" is not a valid choice` (research/entra_jumpcloud.md A6.1,
    /// SENTRY-3573 and RANCHER #54025).
    RejectAddOp,
    /// Entra's path-less replace has keys such as `name.givenName` and
    /// `urn:…:enterprise:2.0:User:employeeNumber`; KC-26 notes a library that silently ignored
    /// them (research/entra_jumpcloud.md A6.2).
    IgnoreDottedPathlessKeys,
    /// JumpCloud's PUT lists the enterprise URN before the core one in `schemas`
    /// (research/entra_jumpcloud.md B4).
    CoreSchemaFirst,
    /// A PATCH `remove` of `members` carrying a value list and no filter removes nothing and
    /// answers 200: the server only understands the filtered form. Entra's default dialect and
    /// JumpCloud remove members that way (research/entra_jumpcloud.md A8, B6; SCIMPLE-447).
    RemoveMembersValueIgnored,
    /// The application API accepts every change while SCIM is on, though Clockify documents
    /// them as locked ("What changes for our team once SCIM is turned on?").
    NoLockdown,
    /// A session cache: a deactivated user's existing key works for 5 more minutes, where
    /// Clockify promises users "lose access … immediately upon being deprovisioned".
    AccessSurvivesDeactivation,
    /// SCIM writes of `timezone` overwrite one the user set in the app, where "Clockify remains
    /// the source of truth for that setting".
    TimezoneOverwritten,
    /// Enabling SCIM keeps the existing groups, where "Existing Clockify groups are deleted
    /// once SCIM is enabled".
    GroupsKeptOnEnable,
    /// A SCIM DELETE leaves the user's old name and email readable in the application, against
    /// the GDPR order Clockify documents (deactivate, anonymize, remove).
    DeletedIdentityKept,
    /// A Bulk request's `bulkId:` references are left as written (RFC 7644 §3.7.2 asks that
    /// they be replaced by the ids created earlier in the request).
    BulkIgnoresBulkId,
}

impl Quirk {
    /// Every quirk, in the order `serve --list-quirks` prints them.
    pub const ALL: [Quirk; 35] = [
        Quirk::NoLocation,
        Quirk::ItemsPerPageIsCount,
        Quirk::PagingAsStrings,
        Quirk::PlainTextErrors,
        Quirk::NumericErrorStatus,
        Quirk::IgnoreFilter,
        Quirk::IgnorePaging,
        Quirk::RemoveMembersEmptiesGroup,
        Quirk::RejectCapitalisedOps,
        Quirk::RejectStringBooleans,
        Quirk::DuplicateUserName,
        Quirk::Lookup404,
        Quirk::CaseSensitiveUserName,
        Quirk::IgnoreIfMatch,
        Quirk::PatchNotAtomic,
        Quirk::JsonContentType,
        Quirk::ZeroBasedStartIndex,
        Quirk::PutCreates,
        Quirk::DeleteKeepsMemberships,
        Quirk::RejectPathlessPatch,
        Quirk::Throttle,
        Quirk::HideInactiveUsers,
        Quirk::MembersNotExcluded,
        Quirk::RejectNullEmails,
        Quirk::DuplicateMembersOnAdd,
        Quirk::RejectAddOp,
        Quirk::IgnoreDottedPathlessKeys,
        Quirk::CoreSchemaFirst,
        Quirk::RemoveMembersValueIgnored,
        Quirk::NoLockdown,
        Quirk::AccessSurvivesDeactivation,
        Quirk::TimezoneOverwritten,
        Quirk::GroupsKeptOnEnable,
        Quirk::DeletedIdentityKept,
        Quirk::BulkIgnoresBulkId,
    ];

    /// The name given to `--quirk`.
    pub fn name(self) -> &'static str {
        match self {
            Quirk::NoLocation => "no-location",
            Quirk::ItemsPerPageIsCount => "items-per-page-is-count",
            Quirk::PagingAsStrings => "paging-as-strings",
            Quirk::PlainTextErrors => "plain-text-errors",
            Quirk::NumericErrorStatus => "numeric-error-status",
            Quirk::IgnoreFilter => "ignore-filter",
            Quirk::IgnorePaging => "ignore-paging",
            Quirk::RemoveMembersEmptiesGroup => "remove-members-empties-group",
            Quirk::RejectCapitalisedOps => "reject-capitalised-ops",
            Quirk::RejectStringBooleans => "reject-string-booleans",
            Quirk::DuplicateUserName => "duplicate-username",
            Quirk::Lookup404 => "lookup-404",
            Quirk::CaseSensitiveUserName => "case-sensitive-username",
            Quirk::IgnoreIfMatch => "ignore-if-match",
            Quirk::PatchNotAtomic => "patch-not-atomic",
            Quirk::JsonContentType => "json-content-type",
            Quirk::ZeroBasedStartIndex => "zero-based-start-index",
            Quirk::PutCreates => "put-creates",
            Quirk::DeleteKeepsMemberships => "delete-keeps-memberships",
            Quirk::RejectPathlessPatch => "reject-pathless-patch",
            Quirk::Throttle => "throttle",
            Quirk::HideInactiveUsers => "hide-inactive-users",
            Quirk::MembersNotExcluded => "members-not-excluded",
            Quirk::RejectNullEmails => "reject-null-emails",
            Quirk::DuplicateMembersOnAdd => "duplicate-members-on-add",
            Quirk::RejectAddOp => "reject-add-op",
            Quirk::IgnoreDottedPathlessKeys => "ignore-dotted-pathless-keys",
            Quirk::CoreSchemaFirst => "core-schema-first",
            Quirk::RemoveMembersValueIgnored => "remove-members-value-ignored",
            Quirk::NoLockdown => "no-lockdown",
            Quirk::AccessSurvivesDeactivation => "access-survives-deactivation",
            Quirk::TimezoneOverwritten => "timezone-overwritten",
            Quirk::GroupsKeptOnEnable => "groups-kept-on-enable",
            Quirk::DeletedIdentityKept => "deleted-identity-kept",
            Quirk::BulkIgnoresBulkId => "bulk-ignores-bulkid",
        }
    }

    /// One line: what the server then does wrong.
    pub fn description(self) -> &'static str {
        match self {
            Quirk::NoLocation => "201 Created without a Location header",
            Quirk::ItemsPerPageIsCount => {
                "itemsPerPage echoes the requested count instead of the number returned"
            }
            Quirk::PagingAsStrings => "totalResults, startIndex and itemsPerPage as JSON strings",
            Quirk::PlainTextErrors => "errors as text/plain bodies instead of SCIM error JSON",
            Quirk::NumericErrorStatus => "error bodies carry status as a number, not a string",
            Quirk::IgnoreFilter => "list requests ignore filter and return every resource",
            Quirk::IgnorePaging => "list requests ignore startIndex and count",
            Quirk::RemoveMembersEmptiesGroup => {
                "PATCH remove of members[value eq \"x\"], or of members with a value list, removes every member"
            }
            Quirk::RejectCapitalisedOps => {
                "PATCH ops spelt Add/Replace/Remove (as Entra sends them) are refused with 400"
            }
            Quirk::RejectStringBooleans => {
                "\"True\"/\"False\" for boolean attributes (as Entra sends them) are refused with 400"
            }
            Quirk::DuplicateUserName => "a second user with the same userName is created, no 409",
            Quirk::Lookup404 => {
                "a filtered list that matches nothing answers 404 instead of an empty list"
            }
            Quirk::CaseSensitiveUserName => {
                "userName compared case-sensitively in filters and uniqueness"
            }
            Quirk::IgnoreIfMatch => "If-Match is ignored: stale writes succeed instead of 412",
            Quirk::PatchNotAtomic => "PATCH keeps the operations before a failing one",
            Quirk::JsonContentType => "responses are application/json, not application/scim+json",
            Quirk::ZeroBasedStartIndex => {
                "startIndex is read as 0-based, skipping the first result"
            }
            Quirk::PutCreates => "PUT to an unknown id creates the resource instead of 404",
            Quirk::DeleteKeepsMemberships => "deleting a user leaves it listed in its groups",
            Quirk::RejectPathlessPatch => {
                "PATCH operations without a path (Okta's deactivate) are refused with 400"
            }
            Quirk::Throttle => {
                "every other SCIM request is answered 429 with Retry-After: 1 (a rate-limited server)"
            }
            Quirk::HideInactiveUsers => {
                "user lists and searches leave out users with active false but count them in totalResults (GET by id still finds them)"
            }
            Quirk::MembersNotExcluded => "excludedAttributes=members is ignored on Groups",
            Quirk::RejectNullEmails => {
                "a User POST or PUT with \"emails\": null (as JumpCloud sends it) is refused with 400"
            }
            Quirk::DuplicateMembersOnAdd => {
                "PATCH add to members appends members already present, listing them twice"
            }
            Quirk::RejectAddOp => {
                "PATCH of a User with an add operation (as Entra sends it) is refused with 400"
            }
            Quirk::IgnoreDottedPathlessKeys => {
                "path-less PATCH values with keys like name.givenName or urn:…:employeeNumber drop those keys"
            }
            Quirk::CoreSchemaFirst => {
                "a User POST or PUT whose schemas does not start with the core User URN is refused with 400"
            }
            Quirk::RemoveMembersValueIgnored => {
                "PATCH remove of members with a value list and no filter removes nothing (200)"
            }
            Quirk::NoLockdown => {
                "the application API accepts user and group changes while SCIM is on instead of 403 SCIM_MANAGED"
            }
            Quirk::AccessSurvivesDeactivation => {
                "a deactivated user's API key keeps working for 5 minutes (a session cache)"
            }
            Quirk::TimezoneOverwritten => {
                "SCIM writes of timezone overwrite the time zone a user set in the application"
            }
            Quirk::GroupsKeptOnEnable => "enabling SCIM in the application keeps existing groups",
            Quirk::DeletedIdentityKept => {
                "after a SCIM DELETE the application still lists the user's first-known name and email (status DELETED)"
            }
            Quirk::BulkIgnoresBulkId => {
                "Bulk operations keep bulkId:… references as written, so a group naming a user created in the same request refers to bulkId:… and is refused"
            }
        }
    }
}

impl fmt::Display for Quirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--quirk` name that no quirk has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown quirk `{name}`{}; `serve --list-quirks` lists them", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
pub struct UnknownQuirk {
    pub name: String,
    pub suggestion: Option<&'static str>,
}

impl FromStr for Quirk {
    type Err = UnknownQuirk;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let wanted = name.trim().to_ascii_lowercase().replace('_', "-");
        if let Some(quirk) = Quirk::ALL.into_iter().find(|q| q.name() == wanted) {
            return Ok(quirk);
        }
        let suggestion = Quirk::ALL
            .into_iter()
            .map(|q| (edit_distance(&wanted, q.name()), q.name()))
            .filter(|(distance, _)| *distance <= 3)
            .min()
            .map(|(_, name)| name);
        Err(UnknownQuirk {
            name: name.to_owned(),
            suggestion,
        })
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

/// The quirks a server runs with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quirks(Vec<Quirk>);

impl Quirks {
    pub fn new(quirks: impl IntoIterator<Item = Quirk>) -> Self {
        let mut list: Vec<Quirk> = quirks.into_iter().collect();
        list.sort();
        list.dedup();
        Quirks(list)
    }

    /// Parses `--quirk` names; the first unknown one is the error.
    pub fn parse_names<S: AsRef<str>>(names: &[S]) -> Result<Self, UnknownQuirk> {
        let quirks = names
            .iter()
            .map(|name| name.as_ref().parse::<Quirk>())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Quirks::new(quirks))
    }

    pub fn has(&self, quirk: Quirk) -> bool {
        self.0.contains(&quirk)
    }

    /// Whether a quirk rewrites responses after the handlers (see `server::respond`).
    pub fn changes_response_shape(&self) -> bool {
        [
            Quirk::PlainTextErrors,
            Quirk::NumericErrorStatus,
            Quirk::JsonContentType,
            Quirk::PagingAsStrings,
        ]
        .into_iter()
        .any(|quirk| self.has(quirk))
    }

    pub fn iter(&self) -> impl Iterator<Item = Quirk> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_quirk_parses_back_from_its_name() {
        for quirk in Quirk::ALL {
            assert_eq!(quirk.name().parse::<Quirk>(), Ok(quirk));
        }
    }

    #[test]
    fn a_misspelt_quirk_suggests_the_nearest_name() {
        let error = "no-locaton".parse::<Quirk>().unwrap_err();
        assert_eq!(error.suggestion, Some("no-location"));
        assert!(error.to_string().contains("did you mean `no-location`"));
    }
}
