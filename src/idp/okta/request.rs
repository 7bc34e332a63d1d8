//! What Okta puts on the wire: headers, paths, query encoding and body bytes.
//!
//! Everything here is data a reviewer can hold against docs/idps/okta.md line by line: the
//! header table against §2, the lookup query against §3.3, the create body's key order against
//! §3.3, the profile PUT against §3.4 and the deactivate PATCH against §3.5. Bodies are compact
//! JSON (§2: the documented `Content-Length`s match the compact form).

use serde::Serialize;
use serde_json::{Map, Value};

use super::FilterSpaces;
use crate::idp::directory::DirectoryUser;
use crate::idp::encode;
use crate::idp::wire::{self, WireRequest};

/// The headers Okta sends, in the order of the fullest dump Okta published (docs/idps/okta.md §2,
/// the 2018–2019 protocol page), with the names capitalised as Okta writes them. The flag marks the header sent
/// only with a body: `GET` requests carry the same headers without `Content-Type` (§2).
/// `Authorization`, `Content-Length` and `Host` keep their places after `User-Agent`, as in the
/// dump; their values are the transport's business (§1.3), so the table holds only slots.
/// `Connection: Keep-Alive` and `Accept-Encoding: gzip,deflate` close the dump (§2): a server
/// may answer Okta compressed, and the runner decodes such an answer before judging it.
pub const HEADERS: [(&str, &str, bool); 9] = [
    ("Accept", "application/scim+json", false),
    ("Accept-Charset", "utf-8", false),
    ("Content-Type", "application/scim+json; charset=utf-8", true),
    ("User-Agent", "Okta SCIM Client 1.0.0", false),
    ("Authorization", wire::CREDENTIAL_SLOT, false),
    ("Content-Length", wire::LENGTH_SLOT, true),
    ("Host", wire::HOST_SLOT, false),
    ("Connection", "Keep-Alive", false),
    ("Accept-Encoding", "gzip,deflate", false),
];

/// "Test API Credentials", first request: the query is constant (docs/idps/okta.md §3.1).
pub const TEST_USERS_PATH: &str = "/Users?startIndex=1&count=2";
/// "Test API Credentials", second request (docs/idps/okta.md §3.1).
pub const TEST_GROUPS_PATH: &str = "/Groups?startIndex=1&count=100";
/// Okta's page size on import and on the lookup (docs/idps/okta.md §3.2, §3.3).
pub const PAGE_SIZE: u64 = 100;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A request with Okta's headers (§2): `Content-Type` only when there is a body.
pub fn request(method: &'static str, path: String, body: Option<Vec<u8>>) -> WireRequest {
    let with_body = body.is_some();
    let headers = HEADERS
        .iter()
        .filter(|(_, _, body_only)| with_body || !body_only)
        .map(|(name, value, _)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    WireRequest {
        method,
        path,
        headers,
        body: body.unwrap_or_default(),
    }
}

/// `DELETE /Groups/{id}` as Okta's published example shows it: with `Content-Type` although it
/// has no body (docs/idps/okta.md §2). A body parser that refuses that combination refuses
/// Okta's unlink.
pub fn delete_group(path: String) -> WireRequest {
    let headers = HEADERS
        .iter()
        .filter(|(_, value, _)| *value != wire::LENGTH_SLOT)
        .map(|(name, value, _)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    WireRequest {
        method: "DELETE",
        path,
        headers,
        body: Vec::new(),
    }
}

/// One import page of users or groups (`endpoint` is `/Users` or `/Groups`): `startIndex`
/// first, then `count=100` (docs/idps/okta.md §3.2).
pub fn page_path(endpoint: &str, start_index: u64) -> String {
    format!("{endpoint}?startIndex={start_index}&count={PAGE_SIZE}")
}

/// The create-or-link lookup (docs/idps/okta.md §3.3): always `userName eq "<value>"`, the whole
/// filter percent-encoded, parameters in the order `filter`, `startIndex`, `count`. Spaces are
/// `%20` (current docs and real captures) or `+` (the 2018–2019 docs), as `spaces` says.
/// \[I\] How Okta escapes a `"` or `\` inside the value is undocumented: it is encoded as is.
pub fn lookup_path(user_name: &str, spaces: FilterSpaces) -> String {
    eq_filter_path("/Users", "userName", user_name, spaces)
}

/// "Find groups by name" before linking a pushed group (docs/idps/okta.md §3.6.2):
/// `displayName eq "<name>"`, encoded and ordered as the user lookup is.
pub fn group_lookup_path(name: &str, spaces: FilterSpaces) -> String {
    eq_filter_path("/Groups", "displayName", name, spaces)
}

fn eq_filter_path(endpoint: &str, attribute: &str, value: &str, spaces: FilterSpaces) -> String {
    let filter = format!("{attribute} eq \"{value}\"");
    let encoded = match spaces {
        FilterSpaces::Percent20 => encode::filter_percent20(&filter),
        FilterSpaces::Plus => encode::filter_plus(&filter),
    };
    format!("{endpoint}?filter={encoded}&startIndex=1&count={PAGE_SIZE}")
}

/// `/Users/{id}` with the id the target returned (Okta keeps it as the app user's
/// `externalId`, docs/idps/okta.md §3.3).
pub fn user_path(id: &str) -> String {
    format!("/Users/{}", encode::segment(id))
}

/// The POST /Users body. Field order *is* the wire order (serde keeps struct field order):
/// docs/idps/okta.md §3.3, from Okta's docs and a real 2021 capture.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateUser<'a> {
    schemas: [&'static str; 1],
    user_name: &'a str,
    name: Name<'a>,
    emails: [Email<'a>; 1],
    display_name: String,
    locale: &'a str,
    external_id: &'a str,
    groups: [&'static str; 0],
    password: String,
    active: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Name<'a> {
    given_name: &'a str,
    family_name: &'a str,
}

#[derive(Serialize)]
struct Email<'a> {
    primary: bool,
    value: &'a str,
    r#type: &'static str,
}

/// `locale` when the profile has none: `en-US`, as in the 2019+ docs and the 2021 capture
/// (docs/idps/okta.md §3.3; the 2018 docs show `en_US`).
pub const DEFAULT_LOCALE: &str = "en-US";

/// The create body, compact, in Okta's key order (docs/idps/okta.md §3.3): `externalId` is the
/// Okta user id, `groups` is always `[]`, `password` is always sent and `active` is `true`.
pub fn create_body(user: &DirectoryUser) -> Vec<u8> {
    let profile = &user.profile;
    let body = CreateUser {
        schemas: [USER_SCHEMA],
        user_name: &profile.user_name,
        name: Name {
            given_name: &profile.given_name,
            family_name: &profile.family_name,
        },
        emails: [Email {
            primary: true,
            value: &profile.email,
            r#type: "work",
        }],
        display_name: profile.display_name(),
        locale: profile.locale.as_deref().unwrap_or(DEFAULT_LOCALE),
        external_id: &user.idp_id,
        groups: [],
        password: placeholder_password(&user.idp_id),
        active: true,
    };
    serde_json::to_vec(&body).expect("a struct of strings and booleans serialises")
}

/// Okta's placeholder password (docs/idps/okta.md §3.3): 8 characters with symbols, sent even
/// when password sync is off ("a placeholder for legacy provisioning platforms").
///
/// Okta's is random; this one is **deterministic**: derived from the user's IdP id (FNV-1a, then
/// a splitmix64 stream), so the same user gets the same password in every run and snapshots and
/// tests stay stable. Characters 3 and 5 are symbols, the rest letters, like Okta's
/// `gl^m&qWZ`. No symbol needs escaping in JSON.
pub fn placeholder_password(idp_id: &str) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const SYMBOLS: &[u8] = b"!#$%&*+-=?@^_~";
    let mut state = idp_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    (0..8)
        .map(|position| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            let alphabet = if position == 2 || position == 4 {
                SYMBOLS
            } else {
                LETTERS
            };
            // The modulus is below 64, so the narrowing cannot lose the index.
            char::from(alphabet[(z % alphabet.len() as u64) as usize])
        })
        .collect()
}

/// The user's Okta password after its `change`-th change, as password sync sends it
/// (docs/idps/okta.md §3.5): like [`placeholder_password`], 8 characters with symbols,
/// **deterministic** (derived from the IdP id and the change), so runs and snapshots repeat.
pub fn synced_password(idp_id: &str, change: u32) -> String {
    placeholder_password(&format!("{idp_id}#{change}"))
}

/// The password-sync PATCH of OIN-template apps (docs/idps/okta.md §3.5): Okta documents that
/// it is a PATCH, not its body; \[I\] the documented path-less form of the (de)activation PATCH,
/// with `password` as the value.
#[derive(Serialize)]
struct PatchPassword<'a> {
    schemas: [&'static str; 1],
    #[serde(rename = "Operations")]
    operations: [ReplacePassword<'a>; 1],
}

#[derive(Serialize)]
struct ReplacePassword<'a> {
    op: &'static str,
    value: Password<'a>,
}

#[derive(Serialize)]
struct Password<'a> {
    password: &'a str,
}

pub fn patch_password_body(password: &str) -> Vec<u8> {
    let body = PatchPassword {
        schemas: [PATCH_OP_SCHEMA],
        operations: [ReplacePassword {
            op: "replace",
            value: Password { password },
        }],
    };
    serde_json::to_vec(&body).expect("a struct of strings serialises")
}

/// The deactivate / reactivate PATCH of OIN-template apps (docs/idps/okta.md §3.5): no `path`,
/// lowercase `op`, a JSON boolean.
#[derive(Serialize)]
struct PatchActive {
    schemas: [&'static str; 1],
    #[serde(rename = "Operations")]
    operations: [ReplaceActive; 1],
}

#[derive(Serialize)]
struct ReplaceActive {
    op: &'static str,
    value: Active,
}

#[derive(Serialize)]
struct Active {
    active: bool,
}

pub fn patch_active_body(active: bool) -> Vec<u8> {
    let body = PatchActive {
        schemas: [PATCH_OP_SCHEMA],
        operations: [ReplaceActive {
            op: "replace",
            value: Active { active },
        }],
    };
    serde_json::to_vec(&body).expect("a struct of strings and booleans serialises")
}

/// The profile PUT (docs/idps/okta.md §3.4): the user as the target returned it on GET, echoed
/// whole (`id`, `meta`, `groups`, emails' `display`, empty strings and all), with Okta's view
/// merged in: `userName`, `name.givenName`, `name.familyName`, the primary (else the `work`)
/// email's `value`, `displayName` and `active`.
pub fn merged_put_body(
    fetched: &Map<String, Value>,
    user: &DirectoryUser,
    active: bool,
) -> Vec<u8> {
    merged_put_body_with(fetched, user, active, None)
}

/// The profile PUT, with `password` when Okta syncs one (an App Integration Wizard app's
/// password sync, docs/idps/okta.md §3.5).
pub fn merged_put_body_with(
    fetched: &Map<String, Value>,
    user: &DirectoryUser,
    active: bool,
    password: Option<&str>,
) -> Vec<u8> {
    let mut merged = merge_profile(fetched, user, active);
    if let Some(password) = password {
        merged.insert("password".into(), password.into());
    }
    let mut out = String::new();
    write_ordered(&mut out, &merged, USER_KEY_ORDER, &write_user_value);
    out.into_bytes()
}

fn merge_profile(
    fetched: &Map<String, Value>,
    user: &DirectoryUser,
    active: bool,
) -> Map<String, Value> {
    let profile = &user.profile;
    let mut body = fetched.clone();
    body.insert("userName".into(), profile.user_name.clone().into());

    let name = body
        .entry("name")
        .or_insert_with(|| Value::Object(Map::new()));
    if !name.is_object() {
        *name = Value::Object(Map::new());
    }
    if let Value::Object(name) = name {
        name.insert("givenName".into(), profile.given_name.clone().into());
        name.insert("familyName".into(), profile.family_name.clone().into());
    }

    let work = serde_json::json!({"primary": true, "value": profile.email, "type": "work"});
    match body.get_mut("emails") {
        Some(Value::Array(items)) => {
            let slot = items
                .iter()
                .position(|email| email.get("primary") == Some(&Value::Bool(true)))
                .or_else(|| {
                    items
                        .iter()
                        .position(|email| email.get("type").and_then(Value::as_str) == Some("work"))
                });
            match slot.and_then(|index| items[index].as_object_mut()) {
                Some(email) => {
                    email.insert("value".into(), profile.email.clone().into());
                }
                None => items.insert(0, work),
            }
        }
        _ => {
            body.insert("emails".into(), Value::Array(vec![work]));
        }
    }

    body.insert("displayName".into(), profile.display_name().into());
    body.insert("active".into(), Value::Bool(active));
    body
}

/// The 2018–2019 App Integration Wizard group PUT (docs/idps/okta.md §3.6.8): the group as the
/// target returned it on GET, `displayName` and `members` replaced by Okta's; keys in the order
/// of that page's example (`schemas, displayName, id, members`), then the rest alphabetically.
/// `members` is Okta's member list as compact JSON, keys in Okta's order (`value, display`).
pub fn merged_group_put_body(fetched: &Map<String, Value>, name: &str, members: &str) -> Vec<u8> {
    let mut merged = fetched.clone();
    merged.insert("displayName".into(), name.into());
    // A place in the key order; written as `members` below.
    merged.insert("members".into(), Value::Null);
    let mut out = String::new();
    let write_value = |out: &mut String, key: &str, value: &Value| match key {
        "members" => out.push_str(members),
        _ => write_plain(out, key, value),
    };
    write_ordered(&mut out, &merged, GROUP_KEY_ORDER, &write_value);
    out.into_bytes()
}

const GROUP_KEY_ORDER: &[&str] = &["schemas", "displayName", "id", "members"];

/// The PUT's top-level key order. \[I\] Okta re-serialises the user from its own model, so the
/// order is Okta's, not the server's: docs/idps/okta.md §3.4's example gives `schemas, id,
/// userName, name, emails, active, groups, meta`; the keys Okta also sends on create slot in at
/// their create position relative to those (§3.3; `password`, sent by password sync, before
/// `active`). Any other key follows, alphabetically.
const USER_KEY_ORDER: &[&str] = &[
    "schemas",
    "id",
    "userName",
    "name",
    "emails",
    "displayName",
    "locale",
    "externalId",
    "password",
    "active",
    "groups",
    "meta",
];
/// `name` as in §3.4's example (`givenName, middleName, familyName`), then the rest.
const NAME_KEY_ORDER: &[&str] = &["givenName", "middleName", "familyName"];
/// An email as in §3.4's example (`primary, value, type, display`), then the rest.
const EMAIL_KEY_ORDER: &[&str] = &["primary", "value", "type", "display"];

/// Writes an object compactly: the keys in `order` first, then the others in the map's own
/// (alphabetical: serde_json is built without `preserve_order`) order.
fn write_ordered(
    out: &mut String,
    object: &Map<String, Value>,
    order: &[&str],
    write_value: &dyn Fn(&mut String, &str, &Value),
) {
    out.push('{');
    let known = order.iter().filter_map(|key| object.get_key_value(*key));
    let rest = object
        .iter()
        .filter(|(key, _)| !order.contains(&key.as_str()));
    for (position, (key, value)) in known.chain(rest).enumerate() {
        if position > 0 {
            out.push(',');
        }
        out.push_str(&Value::String(key.clone()).to_string());
        out.push(':');
        write_value(out, key, value);
    }
    out.push('}');
}

fn write_plain(out: &mut String, _key: &str, value: &Value) {
    // `Display` for `Value` is compact JSON.
    out.push_str(&value.to_string());
}

fn write_user_value(out: &mut String, key: &str, value: &Value) {
    match (key, value) {
        ("name", Value::Object(name)) => write_ordered(out, name, NAME_KEY_ORDER, &write_plain),
        ("emails", Value::Array(emails)) => {
            out.push('[');
            for (position, email) in emails.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                match email {
                    Value::Object(email) => {
                        write_ordered(out, email, EMAIL_KEY_ORDER, &write_plain)
                    }
                    other => write_plain(out, key, other),
                }
            }
            out.push(']');
        }
        _ => write_plain(out, key, value),
    }
}
