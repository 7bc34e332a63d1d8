//! Quirks: named, documented ways to make the reference server misbehave as real SCIM servers do.
//!
//! Every check the harness offers must be shown failing against something; a quirk is that
//! something when the check is about the server. Each one reproduces a fault seen in real
//! servers or in what the IdPs document that servers get wrong (sources in `docs/idps/` and
//! `docs/application.md`).

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
    /// A second group with the same `displayName` is created, no 409: the class of servers
    /// whose group names are free text. Microsoft's SCIM Validator expects the 409 (its
    /// "Create a duplicate Group" test), and Entra and Okta find groups by name.
    DuplicateGroupName,
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
    /// Entra requires that filter queries keep returning a disabled user
    /// (docs/idps/entra.md §8, "What the server must do").
    HideInactiveUsers,
    /// Entra looks groups up with `excludedAttributes=members`; members in the answer give
    /// `MultipleEntriesInResponse` (docs/idps/entra.md §9, "Lookup").
    MembersNotExcluded,
    /// JumpCloud's minimal PUT sends `"emails": null` (docs/idps/jumpcloud.md §2).
    RejectNullEmails,
    /// JumpCloud re-sends the whole member list on every membership event
    /// (docs/idps/jumpcloud.md §7.1 and §7.2).
    DuplicateMembersOnAdd,
    /// Entra sends `Add` for attributes the target lacks, for the manager and for `active`;
    /// servers answer `"add" is not a valid choice` (docs/idps/entra.md §7.1, §7.4,
    /// getsentry/self-hosted#3573 and rancher/rancher#54025).
    RejectAddOp,
    /// Entra's path-less replace has keys such as `name.givenName` and
    /// `urn:…:enterprise:2.0:User:employeeNumber`; scim-for-keycloak#26 notes a library that
    /// silently ignored them (docs/idps/entra.md §7.2).
    IgnoreDottedPathlessKeys,
    /// JumpCloud's PUT lists the enterprise URN before the core one in `schemas`
    /// (docs/idps/jumpcloud.md §5).
    CoreSchemaFirst,
    /// A PATCH `remove` of `members` carrying a value list and no filter removes nothing and
    /// answers 200: the server only understands the filtered form. Entra's default dialect and
    /// JumpCloud remove members that way (docs/idps/entra.md §9, docs/idps/jumpcloud.md §7.2;
    /// apache/directory-scimple#447).
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
    /// A server whose User schema is narrower and stricter than RFC 7643 §4.1's: the class of
    /// servers built on a strict model validator (a pydantic model with `extra="forbid"`, a JSON
    /// Schema with `additionalProperties: false`), which require what their own model requires
    /// and refuse every key it lacks ("Extra inputs are not permitted: emails\[0\].type"). It
    /// publishes and enforces `userName`, `name` {`formatted`, `givenName`, `familyName`} with
    /// `name.formatted` REQUIRED, `displayName`, `emails` {`value`}, `active`, `groups` (and
    /// the common `externalId`), and nothing else: no `emails.type`, `emails.primary`,
    /// `nickName`, `title`; Groups are held to RFC 7643's Group schema as strictly. A PATCH
    /// path to an unpublished attribute is `invalidPath`, as for any attribute the server does
    /// not know. Publishing its own rules is allowed — `/Schemas` "is used to retrieve
    /// information about resource schemas supported by a SCIM service provider" (RFC 7644 §4) —
    /// and a refusal is what `invalidValue` is for ("the value specified was not compatible
    /// with … resource schema", RFC 7644 §3.12). Requiring `name.formatted` and
    /// refusing `emails.type` deviate from the core User schema IdPs are written against: RFC
    /// 7643 §8.7.1 defines `name` and `formatted` with `"required": false`, and §4.1.1 lets the
    /// components alone carry a name ("they MAY return just the individual component
    /// attributes using the other sub-attributes"), which is how Okta and JumpCloud send it.
    RestrictedSchema,
    /// A create or replace whose `schemas` (or whose top-level keys) name a URN the resource
    /// type does not list is refused `400 invalidSyntax` ("did not conform to the request
    /// schema", RFC 7644 §3.12), and the enterprise extension is neither in the User resource
    /// type's `schemaExtensions` nor in `/Schemas`. The class of servers that support no
    /// extension and check `schemas` against what they know: Entra adds
    /// `urn:…:enterprise:2.0:User` to users and a Microsoft URN to groups, which such servers
    /// refuse. RFC 7643 §3 makes `schemas` the list of "the SCIM schemas that define the
    /// attributes present"; refusing an unknown one is allowed, and it is what the plain server,
    /// which drops unknown URNs, chooses not to do.
    RejectUnknownExtensions,
    /// No versioning: no `meta.version`, no `ETag` header, no `version` in Bulk results,
    /// `etag.supported: false`, and `If-Match` / `If-None-Match` ignored. The class of servers
    /// that never implemented ETags and say so. Allowed: "Service providers MAY support weak
    /// ETags" (RFC 7644 §3.14), and `meta.version` support "is optional and subject to the
    /// service provider's support for versioning" (RFC 7643 §3.1).
    NoEtags,
    /// `POST /.search` at the root answers `501 Not Implemented` with a SCIM error body, while
    /// `/Users/.search` and `/Groups/.search` still work. The class of servers that search one
    /// resource type at a time. Allowed: "Queries MAY be performed against a SCIM resource
    /// object, a resource type endpoint, or a SCIM server root" (RFC 7644 §3.4.2.1), and 501 is
    /// for a "Service provider \[that\] does not support the request operation" (RFC 7644 §3.12).
    NoRootSearch,
    /// `filter.supported: false` in `/ServiceProviderConfig`, and `filter=` ignored: every list
    /// and search returns the unfiltered resources. The class of servers without filtering that
    /// say so (unlike `ignore-filter`, which still advertises `supported: true`). "Filtering is
    /// an OPTIONAL parameter for SCIM service providers. Clients MAY discover service provider
    /// filter capabilities by looking at the "filter" attribute of the "ServiceProviderConfig""
    /// (RFC 7644 §3.4.2.2); an IdP that looks users up by `userName eq` without reading it takes
    /// the first user listed for a match.
    FilterUnadvertisedIgnored,
    /// Error bodies are served as `application/json` while successes stay
    /// `application/scim+json` (`json-content-type` changes both): the class of servers whose
    /// error handler is the web framework's generic JSON one. A deviation from "Service
    /// providers MUST support the "Accept" header "Accept: application/scim+json"" (RFC 7644
    /// §3.8) for the answers that matter most to a client deciding what went wrong.
    ErrorsAsPlainJson,
    /// `GET /Schemas` and `GET /ResourceTypes` answer a bare JSON array of the resources, with
    /// no `schemas`, `totalResults` or `Resources`: the class of servers that serialise their
    /// list of definitions as it is. "When returning multiple ResourceTypes or Schemas, the
    /// message form described by "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    /// (ListResponse) form SHALL be used" (RFC 7644 §4).
    DiscoveryNotListResponse,
    /// A User's `meta.location` is built from its `userName` (`…/Users/ada@example.com`), not
    /// its id, while the `Location` header of a create and the `$ref` of the user as a group
    /// member still name the id: the class of servers whose serialiser keys resources by their
    /// login name. The URI does not address the resource ("To retrieve a known resource,
    /// clients send GET requests to the resource endpoint, e.g., "/Users/{id}"", RFC 7644
    /// §3.4.1), against "The URI of the created resource SHALL include, in the HTTP "Location"
    /// header and the HTTP body, a JSON representation \[RFC7159\] with the attribute
    /// "meta.location"" (RFC 7644 §3.3).
    LocationFromUserName,
    /// A Group's `members[].value` is the member's `userName` (a group member's `displayName`)
    /// instead of its id: the class of servers that store memberships by login name. "The
    /// "value" sub-attribute contains the value of an "id" attribute of a SCIM resource"
    /// (RFC 7643 §4.2); an IdP that matches members by id finds none.
    MembersValueNotId,
    /// A PATCH `add` to `members` of a member already present appends it again (as
    /// `duplicate-members-on-add` does), and `DELETE` of a group that lists a member twice then
    /// fails with `500` and a SCIM error body: the class of servers whose membership table has
    /// no uniqueness and whose delete trips over the duplicate. "If the target location already
    /// contains the value specified, no changes SHOULD be made to the resource" (RFC 7644
    /// §3.5.2.1), and "In response to a successful DELETE, the server SHALL return a successful
    /// HTTP status code 204 (No Content)" (RFC 7644 §3.6).
    PatchAddDuplicatesMember,
    /// The User resource type advertises the enterprise extension with `required: true`, but
    /// users are created and returned without it: the class of servers whose discovery document
    /// is written by hand. "If true, a resource of this type MUST include this schema extension
    /// and also include any attributes declared as required in this schema extension" (RFC 7643
    /// §6).
    RequiredExtensionMissing,
    /// An unknown endpoint (404) and a method an endpoint does not support (405) are answered
    /// with the web framework's HTML error page (`text/html`), not a SCIM error: the class of
    /// servers whose SCIM errors come only from the SCIM handlers. "In addition to returning an
    /// HTTP response code, implementers MUST return the errors in the body of the response in a
    /// JSON format, using the attributes described below" (RFC 7644 §3.12).
    Html405And404,
    /// A successful `DELETE` answers `204` with `Content-Type: application/scim+json`, a
    /// `Content-Length` and a JSON body (`{}`), which HTTP drops: the class of servers that
    /// send every answer through one JSON writer. "A server MUST NOT send a Content-Length
    /// header field in any response with a status code of 1xx (Informational) or 204 (No
    /// Content)" (RFC 7230 §3.3.2); "A 204 response is terminated by the first empty line after
    /// the header fields because it cannot contain a message body" (RFC 7231 §6.3.5).
    BodyOn204,
    /// A 401 challenges `WWW-Authenticate: Basic realm="…"` although the server only accepts a
    /// bearer token: the class of servers whose web framework answers 401 with its default
    /// challenge. "All challenges defined by this specification MUST use the auth-scheme value
    /// "Bearer"" (RFC 6750 §3); a client reading the challenge is told the wrong scheme.
    BasicChallenge,
    /// `roles` and `x509Certificates` are published in `/Schemas` as writable, but any write
    /// that sets them (POST, PUT, a PATCH naming them) is refused with 400: the class of servers
    /// whose schema document is the RFC's, copied, while their storage has no place for them.
    RefusesPublishedRoles,
    /// A path-less PATCH whose value holds the enterprise extension as one object answers 500:
    /// the class of servers whose PATCH code expects attribute names, not schema URNs, as the
    /// value's keys, and fails on the URN.
    ExtensionPatchCrashes,
    /// A DELETE that carries a `Content-Type` but no body is refused with 400: the class of
    /// servers whose body parser runs on every request that announces a media type. Okta's
    /// published `DELETE /Groups/{id}` carries exactly that (docs/idps/okta.md §2).
    TypedEmptyBodyRefused,
    /// A SCIM request without an `Accept` header is answered `406 Not Acceptable` with an HTML
    /// page: the class of servers whose web framework reads a missing `Accept` as a browser's
    /// request for HTML and whose SCIM handlers only offer JSON (a Rails `respond_to` with
    /// JSON formats only; MicrosoftDocs/azure-docs#94189 shows Entra's Test Connection
    /// "Processing … as HTML"). Entra and JumpCloud send no `Accept` (docs/idps/entra.md §2,
    /// docs/idps/jumpcloud.md §9); a missing `Accept` means any media type is acceptable
    /// (RFC 9110 §12.5.1).
    MissingAcceptAsHtml,
    /// A PATCH `replace` whose `value` is an empty array is refused with 400 `invalidValue`: the
    /// class of servers that check a replacement's required sub-attributes element by element
    /// and read an empty list as one missing them ("Required sub-attribute … members.value is
    /// missing in patch object", Captain-P-Goldfish/SCIM-SDK#757). Okta's "Push Now" of an empty
    /// group is exactly that request (docs/idps/okta.md §3.6.6), and RFC 7644 §3.5.2.3 lets a
    /// `replace` of a multi-valued attribute set it to the list given.
    EmptyReplaceRefused,
    /// A PATCH operation whose path selects values of a multi-valued attribute by a filter and
    /// names one of their sub-attributes (`addresses[type eq "work"].streetAddress`,
    /// `phoneNumbers[type eq "mobile"].value`) answers 500: the class of servers whose PATCH
    /// code handles plain and dotted paths only, and fails on the `valuePath "." subAttr` form
    /// of RFC 7644 §3.5.2 (Figure 7), which Entra's default mappings send for every address
    /// and phone change (docs/idps/entra.md §7.3).
    FilteredPathPatchCrashes,
    /// `GET /Groups` without a filter takes 700 ms to answer: the class of servers that build
    /// every group with all its members for a plain listing, with no index behind it. Okta's
    /// SPEC test gives that request 600 ms (docs/suites.md).
    SlowGroupList,
}

impl Quirk {
    /// Every quirk, in the order `serve --list-quirks` prints them.
    pub const ALL: [Quirk; 57] = [
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
        Quirk::DuplicateGroupName,
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
        Quirk::RestrictedSchema,
        Quirk::RejectUnknownExtensions,
        Quirk::NoEtags,
        Quirk::NoRootSearch,
        Quirk::FilterUnadvertisedIgnored,
        Quirk::ErrorsAsPlainJson,
        Quirk::DiscoveryNotListResponse,
        Quirk::LocationFromUserName,
        Quirk::MembersValueNotId,
        Quirk::PatchAddDuplicatesMember,
        Quirk::RequiredExtensionMissing,
        Quirk::Html405And404,
        Quirk::BodyOn204,
        Quirk::BasicChallenge,
        Quirk::RefusesPublishedRoles,
        Quirk::ExtensionPatchCrashes,
        Quirk::TypedEmptyBodyRefused,
        Quirk::MissingAcceptAsHtml,
        Quirk::EmptyReplaceRefused,
        Quirk::FilteredPathPatchCrashes,
        Quirk::SlowGroupList,
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
            Quirk::DuplicateGroupName => "duplicate-group-name",
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
            Quirk::RestrictedSchema => "restricted-schema",
            Quirk::RejectUnknownExtensions => "reject-unknown-extensions",
            Quirk::NoEtags => "no-etags",
            Quirk::NoRootSearch => "no-root-search",
            Quirk::FilterUnadvertisedIgnored => "filter-unadvertised-ignored",
            Quirk::ErrorsAsPlainJson => "errors-as-plain-json",
            Quirk::DiscoveryNotListResponse => "discovery-not-list-response",
            Quirk::LocationFromUserName => "location-from-username",
            Quirk::MembersValueNotId => "members-value-not-id",
            Quirk::PatchAddDuplicatesMember => "patch-add-duplicates-member",
            Quirk::RequiredExtensionMissing => "required-extension-missing",
            Quirk::Html405And404 => "html-405-and-404",
            Quirk::BodyOn204 => "body-on-204",
            Quirk::BasicChallenge => "basic-challenge",
            Quirk::RefusesPublishedRoles => "refuses-published-roles",
            Quirk::ExtensionPatchCrashes => "extension-patch-crashes",
            Quirk::TypedEmptyBodyRefused => "typed-empty-body-refused",
            Quirk::MissingAcceptAsHtml => "missing-accept-as-html",
            Quirk::EmptyReplaceRefused => "empty-replace-refused",
            Quirk::FilteredPathPatchCrashes => "filtered-path-patch-crashes",
            Quirk::SlowGroupList => "slow-group-list",
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
            Quirk::DuplicateGroupName => {
                "a second group with the same displayName is created, no 409"
            }
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
            Quirk::RestrictedSchema => {
                "the User schema requires name.formatted and publishes only userName, name {formatted, givenName, familyName}, displayName, emails {value}, active, groups; any other attribute is refused with 400 invalidValue"
            }
            Quirk::RejectUnknownExtensions => {
                "the enterprise extension is not offered, and a POST or PUT whose schemas names a URN the resource type lacks is refused with 400 invalidSyntax"
            }
            Quirk::NoEtags => {
                "no meta.version, no ETag header, etag.supported false; If-Match and If-None-Match are ignored"
            }
            Quirk::NoRootSearch => {
                "POST /.search at the root answers 501 Not Implemented (/Users/.search still works)"
            }
            Quirk::FilterUnadvertisedIgnored => {
                "filter.supported is false and filter= is ignored: lists and searches return every resource"
            }
            Quirk::ErrorsAsPlainJson => {
                "error bodies are application/json; successes stay application/scim+json"
            }
            Quirk::DiscoveryNotListResponse => {
                "GET /Schemas and GET /ResourceTypes answer a bare JSON array, not a ListResponse"
            }
            Quirk::LocationFromUserName => {
                "a User's meta.location ends in its userName (…/Users/ada@example.com), not its id"
            }
            Quirk::MembersValueNotId => {
                "a Group's members[].value is the member's userName (or a group's displayName), not its id"
            }
            Quirk::PatchAddDuplicatesMember => {
                "PATCH add of a member already present lists it twice, and DELETE of that group answers 500"
            }
            Quirk::RequiredExtensionMissing => {
                "the User resource type marks the enterprise extension required, yet users are created without it"
            }
            Quirk::Html405And404 => {
                "unknown endpoints (404) and unsupported methods (405) answer an HTML page, not a SCIM error"
            }
            Quirk::BodyOn204 => {
                "a successful DELETE answers 204 with Content-Type application/scim+json and a Content-Length"
            }
            Quirk::BasicChallenge => {
                "a 401 challenges WWW-Authenticate: Basic although only a bearer token is accepted"
            }
            Quirk::RefusesPublishedRoles => {
                "roles and x509Certificates are published as writable, but a write that sets them is refused with 400"
            }
            Quirk::ExtensionPatchCrashes => {
                "a path-less PATCH whose value holds the enterprise extension answers 500"
            }
            Quirk::TypedEmptyBodyRefused => {
                "a DELETE with a Content-Type and no body is refused with 400"
            }
            Quirk::MissingAcceptAsHtml => {
                "a request without an Accept header is answered 406 with an HTML page"
            }
            Quirk::EmptyReplaceRefused => {
                "a PATCH replace whose value is an empty array is refused with 400 invalidValue"
            }
            Quirk::FilteredPathPatchCrashes => {
                "a PATCH path with a value filter and a sub-attribute (addresses[type eq \"work\"].locality) answers 500"
            }
            Quirk::SlowGroupList => "GET /Groups without a filter takes 700 ms to answer",
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
            Quirk::NoEtags,
            Quirk::ErrorsAsPlainJson,
            Quirk::BasicChallenge,
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
