//! What JumpCloud puts on the wire: headers, paths, query encoding and body bytes.
//!
//! Everything here is data a reviewer can hold against docs/idps/jumpcloud.md line
//! by line. Resource bodies (`POST`/`PUT` of users and groups) are compact JSON with **every
//! object's keys in alphabetical order**, nested objects included, as in all three "sanitized
//! real" JumpCloud samples (§2, §4, §5: ShiftControl-io/scim-v2-rust); serde keeps struct field
//! order, so the structs below list their fields alphabetically. PATCH bodies keep `schemas` before
//! `Operations`, as in the only fixtures there are (§5, §7: Paul-E/scim-v2-rust's hand-written
//! fixtures).

use serde::Serialize;

use super::{ContentType, FilterSpaces};
use crate::idp::directory::DirectoryUser;
use crate::idp::encode;
use crate::idp::wire::WireRequest;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// JumpCloud's import page size. \[I\] Undocumented (§8: "The page size is unknown"); 100 is
/// the common SCIM client choice and the largest page most servers grant.
pub const PAGE_SIZE: u64 = 100;

/// `locale` and `preferredLanguage` when the profile has no locale: `en-US`, as in both §4 and
/// §5 samples.
pub const DEFAULT_LOCALE: &str = "en-US";

/// The synthetic Test Connection user (§2, §4: ShiftControl-io/scim-v2-rust's "sanitized real"
/// sample is exactly it). Its `externalId` is the sample's 24-hex JumpCloud object id.
pub const TEST_USER_EXTERNAL_ID: &str = "66e2d689590450d073d2df3b";
/// \[I\] The test group's name is undocumented (§2: `POST /Groups {displayName: <test group>}`);
/// a lowercase placeholder like the test user's `firstname`, `lastname`, `displayname`.
pub const TEST_GROUP_NAME: &str = "testgroup";

/// A request with JumpCloud's headers (§9): `Content-Type` when there is a body, nothing else.
/// §4's and §5's request lines show only `Authorization` (the runner transport's business) and
/// `Content-Type`; `Accept` and `User-Agent` are undocumented and not invented here.
pub fn request(
    content_type: ContentType,
    method: &'static str,
    path: String,
    body: Option<Vec<u8>>,
) -> WireRequest {
    let headers = match body {
        Some(_) => vec![("Content-Type".to_owned(), content_type.as_str().to_owned())],
        None => Vec::new(),
    };
    WireRequest {
        method,
        path,
        headers,
        body: body.unwrap_or_default(),
    }
}

/// The filter encoded as §4's lookup line shows it (`@` as `%40`, `"` as `%22`), spaces as the
/// flavour says.
fn filter_query(filter: &str, spaces: FilterSpaces) -> String {
    match spaces {
        FilterSpaces::Plus => encode::filter_plus(filter),
        FilterSpaces::Percent20 => encode::filter_percent20(filter),
    }
}

/// The user lookup before create or update (§3 `user_lookup_provision`, §4):
/// `/Users?filter=userName+eq+%22…%22`, the filter alone, no `startIndex` or `count`.
/// \[I\] How JumpCloud escapes a `"` inside the value is undocumented: it is encoded as is.
pub fn user_lookup_path(user_name: &str, spaces: FilterSpaces) -> String {
    let filter = format!("userName eq \"{user_name}\"");
    format!("/Users?filter={}", filter_query(&filter, spaces))
}

/// The group lookup that takeover-by-name implies (§7): `/Groups?filter=displayName+eq+%22…%22`.
pub fn group_lookup_path(name: &str, spaces: FilterSpaces) -> String {
    let filter = format!("displayName eq \"{name}\"");
    format!("/Groups?filter={}", filter_query(&filter, spaces))
}

/// One import page (§8): `startIndex` then `count`, no `filter`, no `sortBy`.
pub fn users_page_path(start_index: u64) -> String {
    format!("/Users?startIndex={start_index}&count={PAGE_SIZE}")
}

/// \[I\] JumpCloud's encoding of odd ids is undocumented: usual ids go through as they are.
pub fn user_path(id: &str) -> String {
    format!("/Users/{}", encode::segment(id))
}

pub fn group_path(id: &str) -> String {
    format!("/Groups/{}", encode::segment(id))
}

/// A user body (§4 create, §5 full PUT): fields alphabetical, as JumpCloud sends them. `photos`
/// (§5) is left out: the directory has no photos.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserBody<'a> {
    active: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    addresses: Option<Vec<Address>>,
    display_name: &'a str,
    emails: [Email<'a>; 1],
    external_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    locale: &'a str,
    name: Name<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_numbers: Option<Vec<Phone>>,
    preferred_language: &'a str,
    schemas: [&'static str; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        skip_serializing_if = "Option::is_none"
    )]
    enterprise: Option<Enterprise<'a>>,
    user_name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Address {
    country: &'static str,
    locality: &'static str,
    postal_code: &'static str,
    primary: bool,
    region: &'static str,
    street_address: &'static str,
    r#type: &'static str,
}

#[derive(Serialize)]
struct Email<'a> {
    primary: bool,
    r#type: &'static str,
    value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Name<'a> {
    family_name: &'a str,
    given_name: &'a str,
}

#[derive(Serialize)]
struct Phone {
    primary: bool,
    r#type: &'static str,
    value: &'static str,
}

#[derive(Serialize)]
struct Enterprise<'a> {
    department: &'a str,
}

fn work_email(value: &str) -> [Email<'_>; 1] {
    [Email {
        primary: true,
        r#type: "work",
        value,
    }]
}

fn to_bytes(body: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(body).expect("a struct of strings and booleans serialises")
}

/// A directory user's body. `put_id` is `Some` for the full PUT (§5: `id` included, the
/// enterprise URN **before** the core URN, cleared `addresses` and `phoneNumbers` as `[]`) and
/// `None` for the create (§4: core URN first; only what the directory user has, so no
/// `addresses` or `phoneNumbers`). `title` and the enterprise `department` go out when the
/// profile has them (§5).
fn user_body(user: &DirectoryUser, active: bool, put_id: Option<&str>) -> Vec<u8> {
    let profile = &user.profile;
    let locale = profile.locale.as_deref().unwrap_or(DEFAULT_LOCALE);
    let display_name = profile.display_name();
    let is_put = put_id.is_some();
    let schemas = if is_put {
        [ENTERPRISE_SCHEMA, USER_SCHEMA]
    } else {
        [USER_SCHEMA, ENTERPRISE_SCHEMA]
    };
    let body = UserBody {
        active,
        addresses: is_put.then(Vec::new),
        display_name: &display_name,
        emails: work_email(&profile.email),
        external_id: &user.idp_id,
        id: put_id,
        locale,
        name: Name {
            family_name: &profile.family_name,
            given_name: &profile.given_name,
        },
        phone_numbers: is_put.then(Vec::new),
        preferred_language: locale,
        schemas,
        title: profile.title.as_deref(),
        enterprise: profile
            .department
            .as_deref()
            .map(|department| Enterprise { department }),
        user_name: &profile.user_name,
    };
    to_bytes(&body)
}

/// `POST /Users` for a directory user (§4).
pub fn create_body(user: &DirectoryUser) -> Vec<u8> {
    user_body(user, true, None)
}

/// The full `PUT /Users/{id}` (§5), also JumpCloud's deactivate and reactivate (§6).
pub fn put_body(user: &DirectoryUser, id: &str, active: bool) -> Vec<u8> {
    user_body(user, active, Some(id))
}

/// The synthetic Test Connection user (§2, §4), exactly as ShiftControl-io/scim-v2-rust's sample:
/// one work address with placeholder values and JumpCloud's zip code, one `tel:` phone number.
fn test_user_body(email: &str, active: bool, put_id: Option<&str>) -> Vec<u8> {
    let schemas = match put_id {
        Some(_) => [ENTERPRISE_SCHEMA, USER_SCHEMA],
        None => [USER_SCHEMA, ENTERPRISE_SCHEMA],
    };
    let body = UserBody {
        active,
        addresses: Some(vec![Address {
            country: "US",
            locality: "locality",
            postal_code: "80027",
            primary: true,
            region: "region",
            street_address: "street-address",
            r#type: "work",
        }]),
        display_name: "displayname",
        emails: work_email(email),
        external_id: TEST_USER_EXTERNAL_ID,
        id: put_id,
        locale: DEFAULT_LOCALE,
        name: Name {
            family_name: "lastname",
            given_name: "firstname",
        },
        phone_numbers: Some(vec![Phone {
            primary: true,
            r#type: "work",
            value: "tel:+1-555-555-5555",
        }]),
        preferred_language: DEFAULT_LOCALE,
        schemas,
        title: None,
        enterprise: None,
        user_name: email,
    };
    to_bytes(&body)
}

/// Test Connection's `POST /Users` (§2, §4).
pub fn test_user_create_body(email: &str) -> Vec<u8> {
    test_user_body(email, true, None)
}

/// \[I\] The test user deactivated when its DELETE is refused (§2): the §5-shaped full PUT of the
/// test user with `active:false` (§6's wire form for deactivation).
pub fn test_user_deactivate_body(email: &str, id: &str) -> Vec<u8> {
    test_user_body(email, false, Some(id))
}

/// Test Connection's minimal PUT (§2, ShiftControl-io/scim-v2-rust
/// `jumpcloud_put_user_minimal.json`): `"emails": null`, the core URN only.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MinimalPut<'a> {
    active: bool,
    emails: Option<()>,
    id: &'a str,
    name: Name<'static>,
    schemas: [&'static str; 1],
    user_name: &'a str,
}

pub fn test_user_minimal_put_body(email: &str, id: &str) -> Vec<u8> {
    to_bytes(&MinimalPut {
        active: true,
        emails: None,
        id,
        name: Name {
            family_name: "lastname",
            given_name: "firstname",
        },
        schemas: [USER_SCHEMA],
        user_name: email,
    })
}

/// A PATCH body: `schemas`, then `Operations` (Paul-E/scim-v2-rust's fixtures, §5, §7).
#[derive(Serialize)]
struct PatchBody {
    schemas: [&'static str; 1],
    #[serde(rename = "Operations")]
    operations: Vec<Operation>,
}

/// One operation: lowercase `op`, always a `path`, then `value` (§5, §7).
#[derive(Serialize)]
pub struct Operation {
    op: &'static str,
    path: String,
    value: serde_json::Value,
}

impl Operation {
    pub fn new(op: &'static str, path: &str, value: serde_json::Value) -> Self {
        Operation {
            op,
            path: path.to_owned(),
            value,
        }
    }
}

pub fn patch_body(operations: Vec<Operation>) -> Vec<u8> {
    to_bytes(&PatchBody {
        schemas: [PATCH_OP_SCHEMA],
        operations,
    })
}

/// The PATCH variant's `active` change (§6, Paul-E/scim-v2-rust's fixtures):
/// `{"op":"replace","path":"active", "value":false}`, a JSON boolean.
pub fn patch_active_body(active: bool) -> Vec<u8> {
    patch_body(vec![Operation::new("replace", "active", active.into())])
}

/// \[I\] The PATCH variant of a profile update (§5, Paul-E/scim-v2-rust's fixtures
/// `jumpcloud_replace_user_fields.json`): one `replace` with a path per mapped attribute, `active`
/// last as in that fixture. Which attributes JumpCloud includes (all, or only the changed ones)
/// is unknown: all mapped attributes are sent.
pub fn patch_profile_body(user: &DirectoryUser, active: bool) -> Vec<u8> {
    let profile = &user.profile;
    let mut operations = vec![
        Operation::new("replace", "userName", profile.user_name.clone().into()),
        Operation::new(
            "replace",
            "name.givenName",
            profile.given_name.clone().into(),
        ),
        Operation::new(
            "replace",
            "name.familyName",
            profile.family_name.clone().into(),
        ),
        Operation::new("replace", "displayName", profile.display_name().into()),
        Operation::new(
            "replace",
            "emails[type eq \"work\"].value",
            profile.email.clone().into(),
        ),
    ];
    if let Some(title) = &profile.title {
        operations.push(Operation::new("replace", "title", title.clone().into()));
    }
    if let Some(department) = &profile.department {
        let path = format!("{ENTERPRISE_SCHEMA}:department");
        operations.push(Operation::new("replace", &path, department.clone().into()));
    }
    operations.push(Operation::new("replace", "active", active.into()));
    patch_body(operations)
}

/// `[{"value":"<id>"}…]`: members carry only `value` (§7, Paul-E/scim-v2-rust's fixtures).
pub fn member_values<'a>(ids: impl IntoIterator<Item = &'a str>) -> serde_json::Value {
    ids.into_iter()
        .map(|id| serde_json::json!({ "value": id }))
        .collect::<Vec<_>>()
        .into()
}

/// `POST /Groups` (§7.2 Create \[I\]): `displayName`, `members`, `schemas`, alphabetical like
/// JumpCloud's user bodies.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupBody<'a> {
    display_name: &'a str,
    members: Vec<Member<'a>>,
    schemas: [&'static str; 1],
}

#[derive(Serialize)]
struct Member<'a> {
    value: &'a str,
}

pub fn group_create_body<'a>(name: &str, member_ids: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    to_bytes(&GroupBody {
        display_name: name,
        members: member_ids
            .into_iter()
            .map(|value| Member { value })
            .collect(),
        schemas: [GROUP_SCHEMA],
    })
}

/// \[I\] The rename's PUT variant (§7: "or `PUT /Groups/{id}`"): the whole group, `id`
/// included as in JumpCloud's user PUT (§5), keys alphabetical.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupPut<'a> {
    display_name: &'a str,
    id: &'a str,
    members: Vec<Member<'a>>,
    schemas: [&'static str; 1],
}

pub fn group_put_body<'a>(
    name: &str,
    id: &str,
    member_ids: impl IntoIterator<Item = &'a str>,
) -> Vec<u8> {
    to_bytes(&GroupPut {
        display_name: name,
        id,
        members: member_ids
            .into_iter()
            .map(|value| Member { value })
            .collect(),
        schemas: [GROUP_SCHEMA],
    })
}
