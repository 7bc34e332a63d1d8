//! What Entra puts on the wire: headers, paths, filter encoding and body bytes.
//!
//! Everything here is data to hold against docs/idps/entra.md line by line: headers
//! against §2, the lookups against §2 (the form of real logs) and §9, the create bodies against §6
//! and §9, the PATCH dialects against §7.1, §7.2, §8 and §9. Bodies are compact JSON in the key
//! order of Microsoft's examples; [`Json`] keeps that order, which `serde_json::Map` would sort.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};
use serde_json::Value;

use super::Dialect;
use crate::idp::encode;
use crate::idp::wire::WireRequest;

/// The header that marks Entra's traffic; its value is opaque, the Entra team quoted `6.0`
/// (§2, getsentry/self-hosted#2280).
pub const ADSCIM_VERSION: (&str, &str) = ("ADSCIMVersion", "6.0");
/// `Content-Type` on bodies (§2, the Entra team's dump of a real request).
pub const CONTENT_TYPE: (&str, &str) = ("Content-Type", "application/scim+json; charset=utf-8");
/// The tenant-URL flag of the compliant dialect (§1).
pub const FLAG: &str = "aadOptscim062020";

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The Microsoft schema Entra adds on group creation (§9).
pub const MS_GROUP_SCHEMA: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The enterprise `manager` as Entra addresses it: colon notation (§7.3, §7.4).
pub const MANAGER_PATH: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

/// JSON with its keys in the order written.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Value(Value),
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
}

impl Json {
    pub fn str(text: &str) -> Json {
        Json::Value(Value::String(text.to_owned()))
    }

    pub fn object<const N: usize>(pairs: [(&str, Json); N]) -> Json {
        Json::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl From<Value> for Json {
    fn from(value: Value) -> Self {
        Json::Value(value)
    }
}

impl Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Value(value) => value.serialize(serializer),
            Json::Object(pairs) => {
                let mut map = serializer.serialize_map(Some(pairs.len()))?;
                for (key, value) in pairs {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            Json::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
        }
    }
}

/// How requests are addressed: the flag either stays in the tenant URL's configuration or is
/// forwarded on every request (§1: which one Entra does is undocumented, so both can be sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Paths {
    pub flag_in_query: bool,
}

impl Paths {
    /// A path with the flag first in the query when it is forwarded (\[I\]: a URL builder that
    /// keeps the tenant URL's query and appends its own parameters puts it first).
    fn with_flag(self, path: &str, query: &str) -> String {
        match (self.flag_in_query, query.is_empty()) {
            (false, true) => path.to_owned(),
            (false, false) => format!("{path}?{query}"),
            (true, true) => format!("{path}?{FLAG}"),
            (true, false) => format!("{path}?{FLAG}&{query}"),
        }
    }

    /// The user lookup by the matching attribute: `+` for spaces, `%22` for quotes (§2: the form of
    /// real logs).
    pub fn user_lookup(self, attribute: &str, value: &str) -> String {
        let filter = encode::filter_plus(&format!("{attribute} eq \"{value}\""));
        self.with_flag("/Users", &format!("filter={filter}"))
    }

    /// The group lookup: `excludedAttributes` first, then the filter on `displayName` (§9).
    pub fn group_lookup(self, display_name: &str) -> String {
        let filter = encode::filter_plus(&format!("displayName eq \"{display_name}\""));
        self.with_flag(
            "/Groups",
            &format!("excludedAttributes=members&filter={filter}"),
        )
    }

    pub fn user(self, id: &str) -> String {
        self.with_flag(&format!("/Users/{}", encode::segment(id)), "")
    }

    pub fn users(self) -> String {
        self.with_flag("/Users", "")
    }

    pub fn groups(self) -> String {
        self.with_flag("/Groups", "")
    }

    pub fn group(self, id: &str) -> String {
        self.with_flag(&format!("/Groups/{}", encode::segment(id)), "")
    }

    /// A group read by id, members left out (§9 "Get by id").
    pub fn group_without_members(self, id: &str) -> String {
        self.with_flag(
            &format!("/Groups/{}", encode::segment(id)),
            "excludedAttributes=members",
        )
    }
}

/// A request with Entra's headers (§2): `Content-Type` only with a body, then `ADSCIMVersion`.
/// No `User-Agent` (§2: probably absent) and no `Accept` (undocumented); `Authorization` is the
/// runner transport's.
pub fn request(method: &'static str, path: String, body: Option<Json>) -> WireRequest {
    let mut headers = Vec::with_capacity(2);
    if body.is_some() {
        headers.push((CONTENT_TYPE.0.to_owned(), CONTENT_TYPE.1.to_owned()));
    }
    headers.push((ADSCIM_VERSION.0.to_owned(), ADSCIM_VERSION.1.to_owned()));
    WireRequest {
        method,
        path,
        headers,
        body: body.map(|b| b.to_bytes()).unwrap_or_default(),
    }
}

/// One attribute Entra maps by default (§3), in the order its PATCH operations go out (§7.1's
/// example: `displayName`, the work email, given and family name, `externalId`, the enterprise
/// attributes). `userName` leads because a rename is its own concern; `active` closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Attr {
    UserName,
    DisplayName,
    Title,
    PreferredLanguage,
    WorkEmail,
    GivenName,
    FamilyName,
    Formatted,
    StreetAddress,
    Locality,
    Region,
    PostalCode,
    Country,
    WorkPhone,
    MobilePhone,
    Fax,
    ExternalId,
    EmployeeNumber,
    Department,
    /// The primary application role's value, under `SingleAppRoleAssignment` (§7.3).
    Role,
    Active,
}

/// The `type` Entra gives an application role in `roles` (§6, Microsoft's example).
pub const ROLE_TYPE: &str = "WindowsAzureActiveDirectoryRole";

/// The `type` of the `addresses` value Entra maps (§3.1: the work address).
const WORK: &str = "work";

impl Attr {
    /// The PATCH path Entra writes (§7.1, §7.3: colon notation for the extension).
    pub fn path(self) -> &'static str {
        match self {
            Attr::UserName => "userName",
            Attr::DisplayName => "displayName",
            Attr::Title => "title",
            Attr::PreferredLanguage => "preferredLanguage",
            Attr::WorkEmail => "emails[type eq \"work\"].value",
            Attr::GivenName => "name.givenName",
            Attr::FamilyName => "name.familyName",
            Attr::Formatted => "name.formatted",
            Attr::StreetAddress => "addresses[type eq \"work\"].streetAddress",
            Attr::Locality => "addresses[type eq \"work\"].locality",
            Attr::Region => "addresses[type eq \"work\"].region",
            Attr::PostalCode => "addresses[type eq \"work\"].postalCode",
            Attr::Country => "addresses[type eq \"work\"].country",
            Attr::WorkPhone => "phoneNumbers[type eq \"work\"].value",
            Attr::MobilePhone => "phoneNumbers[type eq \"mobile\"].value",
            Attr::Fax => "phoneNumbers[type eq \"fax\"].value",
            Attr::ExternalId => "externalId",
            Attr::EmployeeNumber => {
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
            }
            Attr::Department => {
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
            }
            Attr::Role => "roles",
            Attr::Active => "active",
        }
    }

    /// A path with a value filter stays a separate operation in the compliant dialect (§7.2).
    fn filtered(self) -> bool {
        self.typed_value().is_some()
    }

    /// For an attribute inside a typed multi-valued attribute: that attribute, the `type` it
    /// filters on, and the sub-attribute (§3.1, §7.3).
    fn typed_value(self) -> Option<(&'static str, &'static str, &'static str)> {
        Some(match self {
            Attr::WorkEmail => ("emails", WORK, "value"),
            Attr::StreetAddress => ("addresses", WORK, "streetAddress"),
            Attr::Locality => ("addresses", WORK, "locality"),
            Attr::Region => ("addresses", WORK, "region"),
            Attr::PostalCode => ("addresses", WORK, "postalCode"),
            Attr::Country => ("addresses", WORK, "country"),
            Attr::WorkPhone => ("phoneNumbers", "work", "value"),
            Attr::MobilePhone => ("phoneNumbers", "mobile", "value"),
            Attr::Fax => ("phoneNumbers", "fax", "value"),
            _ => return None,
        })
    }

    /// An enterprise extension attribute: its name inside the extension (§3.1, §7.3).
    fn enterprise(self) -> Option<&'static str> {
        match self {
            Attr::EmployeeNumber => Some("employeeNumber"),
            Attr::Department => Some("department"),
            _ => None,
        }
    }

    /// The attribute's value in a resource the target returned; `active` read as a boolean
    /// whether it came as one or as a string.
    pub fn read(self, resource: &Value) -> Option<Value> {
        match self {
            Attr::Active => match resource.get("active")? {
                Value::Bool(b) => Some(Value::Bool(*b)),
                Value::String(s) if s.eq_ignore_ascii_case("true") => Some(Value::Bool(true)),
                Value::String(s) if s.eq_ignore_ascii_case("false") => Some(Value::Bool(false)),
                _ => None,
            },
            _ => self.locate(resource).cloned(),
        }
    }

    /// Where a plain (not `active`) attribute's non-null value sits in a resource.
    fn locate(self, resource: &Value) -> Option<&Value> {
        if let Some((attribute, kind, sub)) = self.typed_value() {
            return resource
                .get(attribute)
                .and_then(Value::as_array)
                .and_then(|values| {
                    values
                        .iter()
                        .find(|v| v.get("type").and_then(Value::as_str) == Some(kind))
                })
                .and_then(|v| v.get(sub))
                .filter(|v| !v.is_null());
        }
        if let Some(name) = self.enterprise() {
            return resource
                .get(ENTERPRISE)
                .and_then(|e| e.get(name))
                .filter(|v| !v.is_null());
        }
        if self == Attr::Role {
            // The role Entra wrote as primary, `true` or `"True"` (§6, §7.3).
            return resource
                .get("roles")
                .and_then(Value::as_array)
                .and_then(|roles| {
                    roles.iter().find(|r| match r.get("primary") {
                        Some(Value::Bool(primary)) => *primary,
                        Some(Value::String(primary)) => primary.eq_ignore_ascii_case("true"),
                        _ => false,
                    })
                })
                .and_then(|r| r.get("value"))
                .filter(|v| !v.is_null());
        }
        let found = match self {
            Attr::UserName => resource.get("userName"),
            Attr::DisplayName => resource.get("displayName"),
            Attr::Title => resource.get("title"),
            Attr::PreferredLanguage => resource.get("preferredLanguage"),
            Attr::GivenName => resource.get("name").and_then(|n| n.get("givenName")),
            Attr::FamilyName => resource.get("name").and_then(|n| n.get("familyName")),
            Attr::Formatted => resource.get("name").and_then(|n| n.get("formatted")),
            Attr::ExternalId => resource.get("externalId"),
            _ => return None,
        };
        found.filter(|v| !v.is_null())
    }
}

/// What Entra wants the target to hold for a user: its mapped attributes, nulls skipped (§3
/// "Values Entra never sends").
#[derive(Debug, Clone, PartialEq)]
pub struct UserImage {
    pub attrs: Vec<(Attr, Value)>,
}

impl UserImage {
    pub fn get(&self, attr: Attr) -> Option<&Value> {
        self.attrs.iter().find(|(a, _)| *a == attr).map(|(_, v)| v)
    }
}

/// One change a PATCH carries: `Add` when the target has no value yet, `Replace` otherwise
/// (§7.1).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub attr: Attr,
    pub value: Value,
    pub add: bool,
}

/// What differs between the image and what the target holds: Entra sends only that (§7).
pub fn diff(image: &UserImage, current: &Value) -> Vec<Change> {
    image
        .attrs
        .iter()
        .filter_map(|(attr, wanted)| {
            // Borrowed where it can be: a load run diffs every matched user.
            let (same, held) = match attr {
                Attr::Active => {
                    let held = attr.read(current);
                    (held.as_ref() == Some(wanted), held.is_some())
                }
                _ => {
                    let held = attr.locate(current);
                    (held == Some(wanted), held.is_some())
                }
            };
            (!same).then(|| Change {
                attr: *attr,
                value: wanted.clone(),
                add: !held,
            })
        })
        .collect()
}

fn patch(operations: Vec<Json>) -> Json {
    Json::object([
        ("schemas", Json::Array(vec![Json::str(PATCH_OP)])),
        ("Operations", Json::Array(operations)),
    ])
}

fn op(name: &str, path: Option<&str>, value: Option<Json>) -> Json {
    let mut pairs = vec![("op".to_owned(), Json::str(name))];
    if let Some(path) = path {
        pairs.push(("path".to_owned(), Json::str(path)));
    }
    if let Some(value) = value {
        pairs.push(("value".to_owned(), value));
    }
    Json::Object(pairs)
}

/// How `active` is written beyond what the dialect decides: variants seen in real traffic
/// (§6, §8), each off by default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActiveForm {
    /// A create carries `"active": "True"`, the string Microsoft said the service sent in
    /// 2020 and its reference Postman suite posts (§6), instead of `true`.
    pub string_in_create: bool,
    /// A PATCH of `active` uses `Add` (`add` with the flag) instead of `Replace` (§8, observed).
    pub add_op: bool,
    /// The default dialect's strings are lowercase, `"true"`/`"false"`, as after an admin
    /// edited the Switch expression (§8, observed).
    pub lowercase: bool,
}

/// `active` as the dialect sends it: the strings `"True"`/`"False"` of the default mapping's
/// Switch expression (§3, §8), lowercase under [`ActiveForm::lowercase`], or a JSON boolean
/// (§8 compliant).
fn active_value(dialect: Dialect, active: bool, form: ActiveForm) -> Value {
    let text = match (active, form.lowercase) {
        (true, false) => "True",
        (false, false) => "False",
        (true, true) => "true",
        (false, true) => "false",
    };
    match dialect {
        Dialect::Default => Value::String(text.to_owned()),
        Dialect::Compliant => Value::Bool(active),
    }
}

/// The user PATCH for a set of changes.
///
/// Default dialect (§7.1, §8): one operation per attribute, `Add` or `Replace` capitalised,
/// `active` as a string. Compliant dialect (§7.2, §8): lowercase ops; a value-filtered path and
/// every `add` keep their own operation with a `path`; the replaced plain attributes go in one
/// path-less `replace` whose keys are attribute paths (`name.givenName`), or one operation with
/// a path when only one is replaced; `active` is a boolean in its own operation. `form` picks
/// the variants of `active` seen in the wild.
pub fn user_patch(dialect: Dialect, changes: &[Change], form: ActiveForm) -> Json {
    match dialect {
        Dialect::Default => patch(
            changes
                .iter()
                .map(|change| {
                    let value = match change.attr {
                        Attr::Active => {
                            active_value(dialect, change.value == Value::Bool(true), form)
                        }
                        Attr::Role => return role_op(dialect, &change.value),
                        _ => change.value.clone(),
                    };
                    let add = change.add || (change.attr == Attr::Active && form.add_op);
                    let name = if add { "Add" } else { "Replace" };
                    op(name, Some(change.attr.path()), Some(value.into()))
                })
                .collect(),
        ),
        Dialect::Compliant => {
            let mut operations = Vec::new();
            let mut replaced = Vec::new();
            let mut active = None;
            for change in changes {
                if change.attr == Attr::Role {
                    operations.push(role_op(dialect, &change.value));
                } else if change.attr == Attr::Active {
                    active = Some(change);
                } else if change.attr.filtered() {
                    let name = if change.add { "add" } else { "replace" };
                    operations.push(op(
                        name,
                        Some(change.attr.path()),
                        Some(change.value.clone().into()),
                    ));
                } else if change.add {
                    operations.push(op(
                        "add",
                        Some(change.attr.path()),
                        Some(change.value.clone().into()),
                    ));
                } else {
                    replaced.push(change);
                }
            }
            match replaced.as_slice() {
                [] => {}
                [one] => operations.push(op(
                    "replace",
                    Some(one.attr.path()),
                    Some(one.value.clone().into()),
                )),
                many => operations.push(op(
                    "replace",
                    None,
                    Some(Json::Object(
                        many.iter()
                            .map(|c| (c.attr.path().to_owned(), c.value.clone().into()))
                            .collect(),
                    )),
                )),
            }
            if let Some(change) = active {
                let value = active_value(dialect, change.value == Value::Bool(true), form);
                let name = if form.add_op { "add" } else { "replace" };
                operations.push(op(name, Some("active"), Some(value.into())));
            }
            patch(operations)
        }
    }
}

/// An application role's object id in Entra: a GUID of the role's value, so that a run's
/// transcript is the same every time.
pub fn app_role_id(value: &str) -> String {
    // FNV-1a, twice from two offsets: 128 bits shaped as a version-4 GUID.
    let hash = |seed: u64| {
        value.bytes().fold(seed, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let (high, low) = (hash(0xcbf2_9ce4_8422_2325), hash(0x6c62_272e_07bb_0142));
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xfff,
        low >> 52,
        low & 0xffff_ffff_ffff
    )
}

/// A role in the create's shape: primary, Entra's role type, the value (§6, documented).
fn role_object(value: &Value) -> Json {
    Json::object([
        ("primary", Json::Value(Value::Bool(true))),
        ("type", Json::str(ROLE_TYPE)),
        ("value", Json::Value(value.clone())),
    ])
}

/// A changed role under `SingleAppRoleAssignment` (§7.3). Default dialect: `Add` of `roles`
/// whose one value is the role as a JSON string of its id, value and display name, as
/// Microsoft's example shows (documented). With the flag: `add` with the create's shape,
/// Microsoft saying the flag makes PATCH and POST send roles alike (documented; the exact body
/// is \[I\]).
fn role_op(dialect: Dialect, value: &Value) -> Json {
    match dialect {
        Dialect::Default => {
            let name = value.as_str().unwrap_or_default();
            let role = Json::object([
                ("id", Json::str(&app_role_id(name))),
                ("value", Json::str(name)),
                ("displayName", Json::str(name)),
            ]);
            let encoded = String::from_utf8(role.to_bytes()).unwrap_or_default();
            op(
                "Add",
                Some("roles"),
                Some(Json::Array(vec![Json::object([(
                    "value",
                    Json::str(&encoded),
                )])])),
            )
        }
        Dialect::Compliant => op(
            "add",
            Some("roles"),
            Some(Json::Array(vec![role_object(value)])),
        ),
    }
}

/// Setting the manager: a later PATCH with the manager's id in the target as a plain string
/// (§7.4, real 2024 traffic); removing it: `Remove` with the path (\[I\]: undocumented, §7.4).
pub fn manager_patch(dialect: Dialect, manager: Option<&str>) -> Json {
    let (add, remove) = match dialect {
        Dialect::Default => ("Add", "Remove"),
        Dialect::Compliant => ("add", "remove"),
    };
    patch(vec![match manager {
        Some(id) => op(add, Some(MANAGER_PATH), Some(Json::str(id))),
        None => op(remove, Some(MANAGER_PATH), None),
    }])
}

/// The POST /Users body in the key order of Microsoft's tutorial's "Create User" (§6); attributes
/// without a value are left out. `active` is the boolean `true` the docs show (§6 notes the
/// string variant [`ActiveForm::string_in_create`] sends; Entra never creates a disabled user,
/// §8). The work address and the phone
/// numbers follow `name` as one `addresses` value of type `work`, marked primary (§6, observed;
/// its key order is \[I\]), and one `{"value","type"}` per phone number (§6, Microsoft's
/// multi-valued example, documented); the enterprise attributes follow them in the extension's
/// object. `schemas`
/// always lists the enterprise extension beside the core schema, as the tutorial's create
/// does, whether or not the user has an enterprise attribute (§6, documented).
pub fn create_user_body(image: &UserImage, form: ActiveForm) -> Json {
    let text = |attr| image.get(attr).cloned().map(Json::Value);
    let mut pairs: Vec<(String, Json)> = Vec::new();
    let enterprise: Vec<(String, Json)> = [Attr::EmployeeNumber, Attr::Department]
        .into_iter()
        .filter_map(|attr| Some((attr.enterprise()?.to_owned(), text(attr)?)))
        .collect();
    let schemas = vec![Json::str(USER_SCHEMA), Json::str(ENTERPRISE)];
    pairs.push(("schemas".into(), Json::Array(schemas)));
    for (key, attr) in [
        ("externalId", Attr::ExternalId),
        ("userName", Attr::UserName),
    ] {
        if let Some(value) = text(attr) {
            pairs.push((key.into(), value));
        }
    }
    if image.get(Attr::Active).is_some() {
        let active = if form.string_in_create {
            active_value(Dialect::Default, true, form)
        } else {
            Value::Bool(true)
        };
        pairs.push(("active".into(), Json::Value(active)));
    }
    for (key, attr) in [
        ("displayName", Attr::DisplayName),
        ("title", Attr::Title),
        ("preferredLanguage", Attr::PreferredLanguage),
    ] {
        if let Some(value) = text(attr) {
            pairs.push((key.into(), value));
        }
    }
    if let Some(email) = text(Attr::WorkEmail) {
        pairs.push((
            "emails".into(),
            Json::Array(vec![Json::object([
                ("primary", Json::Value(Value::Bool(true))),
                ("type", Json::str("work")),
                ("value", email),
            ])]),
        ));
    }
    pairs.push((
        "meta".into(),
        Json::object([("resourceType", Json::str("User"))]),
    ));
    let name: Vec<(String, Json)> = [
        ("formatted", Attr::Formatted),
        ("familyName", Attr::FamilyName),
        ("givenName", Attr::GivenName),
    ]
    .into_iter()
    .filter_map(|(key, attr)| Some((key.to_owned(), text(attr)?)))
    .collect();
    if !name.is_empty() {
        pairs.push(("name".into(), Json::Object(name)));
    }
    let address: Vec<(String, Json)> = [
        Attr::StreetAddress,
        Attr::Locality,
        Attr::Region,
        Attr::PostalCode,
        Attr::Country,
    ]
    .into_iter()
    .filter_map(|attr| Some((attr.typed_value()?.2.to_owned(), text(attr)?)))
    .collect();
    if !address.is_empty() {
        let mut value = vec![("type".to_owned(), Json::str(WORK))];
        value.extend(address);
        value.push(("primary".to_owned(), Json::Value(Value::Bool(true))));
        pairs.push(("addresses".into(), Json::Array(vec![Json::Object(value)])));
    }
    let phones: Vec<Json> = [Attr::WorkPhone, Attr::MobilePhone, Attr::Fax]
        .into_iter()
        .filter_map(|attr| {
            let (_, kind, _) = attr.typed_value()?;
            Some(Json::object([
                ("value", text(attr)?),
                ("type", Json::str(kind)),
            ]))
        })
        .collect();
    if !phones.is_empty() {
        pairs.push(("phoneNumbers".into(), Json::Array(phones)));
    }
    if !enterprise.is_empty() {
        pairs.push((ENTERPRISE.into(), Json::Object(enterprise)));
    }
    // No role mapping: `[]`, as Microsoft's create example (§6); `SingleAppRoleAssignment`:
    // the one role, primary (§6, §7.3).
    let roles = image.get(Attr::Role).map(role_object).into_iter().collect();
    pairs.push(("roles".into(), Json::Array(roles)));
    Json::Object(pairs)
}

/// The POST /Groups body (§9): the Microsoft schema beside the core one, `externalId` the
/// group's object id, no `members` (members follow by PATCH).
pub fn create_group_body(external_id: &str, display_name: &str) -> Json {
    Json::object([
        (
            "schemas",
            Json::Array(vec![Json::str(GROUP_SCHEMA), Json::str(MS_GROUP_SCHEMA)]),
        ),
        ("externalId", Json::str(external_id)),
        ("displayName", Json::str(display_name)),
        ("meta", Json::object([("resourceType", Json::str("Group"))])),
    ])
}

fn member_values(ids: &[String]) -> Json {
    Json::Array(
        ids.iter()
            .map(|id| Json::object([("value", Json::str(id))]))
            .collect(),
    )
}

/// Members added: one operation whose value lists them all (§9 "Add members").
pub fn add_members_patch(dialect: Dialect, ids: &[String]) -> Json {
    let name = match dialect {
        Dialect::Default => "Add",
        Dialect::Compliant => "add",
    };
    patch(vec![op(name, Some("members"), Some(member_values(ids)))])
}

/// Members removed. Default dialect: one `Remove` with a value list and no filter; compliant
/// dialect: one `remove` per member with a `members[value eq "…"]` path (§9, Microsoft Learn, SCIM
/// compliance known issues).
pub fn remove_members_patch(dialect: Dialect, ids: &[String]) -> Json {
    match dialect {
        Dialect::Default => patch(vec![op(
            "Remove",
            Some("members"),
            Some(member_values(ids)),
        )]),
        Dialect::Compliant => patch(
            ids.iter()
                .map(|id| op("remove", Some(&format!("members[value eq \"{id}\"]")), None))
                .collect(),
        ),
    }
}

/// A group update (§9): a rename is `Replace displayName` ("Rename"); a re-asserted
/// `externalId` is `Add externalId` (observed); lowercase in the compliant dialect. `None` for
/// what does not go out.
pub fn group_patch(
    dialect: Dialect,
    display_name: Option<&str>,
    external_id: Option<&str>,
) -> Json {
    let (replace, add) = match dialect {
        Dialect::Default => ("Replace", "Add"),
        Dialect::Compliant => ("replace", "add"),
    };
    let mut operations = Vec::new();
    if let Some(display_name) = display_name {
        operations.push(op(
            replace,
            Some("displayName"),
            Some(Json::str(display_name)),
        ));
    }
    if let Some(external_id) = external_id {
        operations.push(op(add, Some("externalId"), Some(Json::str(external_id))));
    }
    patch(operations)
}
