//! From the stored form to the wire form: `id`, `meta`, and the attributes the server computes.
//!
//! A User's `groups` is read-only and computed from the groups that list it (RFC 7643 §4.1.2),
//! directly or through nested groups; a Group's members get their `$ref`, `type` and `display`
//! from the resources they point at. Computing these at read time means they are never stale.

use std::collections::{BTreeSet, VecDeque};

use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::store::{Kind, Resource, State};
use super::{Quirk, Quirks};

fn timestamp(instant: Timestamp) -> String {
    // Millisecond precision with a `Z`: RFC 3339 in the form every IdP parses.
    instant
        .round(jiff::Unit::Millisecond)
        .unwrap_or(instant)
        .to_string()
}

/// What a member is called in `display`: its `displayName`, else its `userName`.
fn display_of(resource: &Resource) -> Option<Value> {
    resource
        .body
        .get("displayName")
        .or_else(|| resource.body.get("userName"))
        .cloned()
}

/// A resource's `meta.location`: its endpoint and id, or under `location-from-username` a
/// User's endpoint and `userName`.
fn location_of(resource: &Resource, base_url: &str, quirks: &Quirks) -> String {
    let user_name = resource.body.get("userName").and_then(Value::as_str);
    match user_name {
        Some(user_name)
            if resource.kind == Kind::User && quirks.has(Quirk::LocationFromUserName) =>
        {
            format!("{base_url}/{}/{user_name}", resource.kind.endpoint())
        }
        _ => format!("{base_url}/{}/{}", resource.kind.endpoint(), resource.id),
    }
}

/// The full resource as the server returns it.
pub fn render(state: &State, resource: &Resource, base_url: &str, quirks: &Quirks) -> Value {
    let mut body = match &resource.body {
        Value::Object(fields) => fields.clone(),
        _ => Map::new(),
    };
    let location = location_of(resource, base_url, quirks);
    body.insert("id".into(), Value::String(resource.id.clone()));
    body.insert(
        "meta".into(),
        json!({
            "resourceType": resource.kind.as_str(),
            "created": timestamp(resource.created),
            "lastModified": timestamp(resource.last_modified),
            "location": location,
            "version": resource.etag(),
        }),
    );
    match resource.kind {
        Kind::User => {
            let groups = groups_of(state, &resource.id, base_url);
            if !groups.is_empty() {
                body.insert("groups".into(), Value::Array(groups));
            }
        }
        Kind::Group => {
            // Entra expects `"members": []` on a new, empty group (the "Create Group" answer in
            // Microsoft's SCIM tutorial, ms-tut in docs/idps/entra.md §14).
            let members = body
                .entry("members")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(members) = members {
                for member in members.iter_mut() {
                    let Some(fields) = member.as_object_mut() else {
                        continue;
                    };
                    let Some(id) = fields
                        .get("value")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                    else {
                        continue;
                    };
                    if let Some(target) = state.get_any(&id) {
                        fields.insert("type".into(), json!(target.kind.as_str()));
                        fields.insert(
                            "$ref".into(),
                            json!(format!("{base_url}/{}/{id}", target.kind.endpoint())),
                        );
                        // A display the client chose is kept as written; otherwise the
                        // member's current name is shown.
                        if !fields.contains_key("display")
                            && let Some(display) = display_of(target)
                        {
                            fields.insert("display".into(), display);
                        }
                        // `members-value-not-id`: the member's name stands where its id should.
                        if quirks.has(Quirk::MembersValueNotId)
                            && let Some(name) = target
                                .body
                                .get("userName")
                                .or_else(|| target.body.get("displayName"))
                        {
                            fields.insert("value".into(), name.clone());
                        }
                    }
                }
            }
        }
    }
    Value::Object(body)
}

/// The same resource as [`render`], as JSON text, built without a JSON tree: `id` and
/// `meta`, then the body as stored (serialised once, at write time), then the computed
/// `groups`. This is the path of a GET by id, the request IdPs make most.
pub fn render_json(state: &State, resource: &Resource, base_url: &str, quirks: &Quirks) -> Vec<u8> {
    if resource.kind == Kind::Group {
        // Member `display`s depend on other resources; groups take the general path.
        return render(state, resource, base_url, quirks)
            .to_string()
            .into_bytes();
    }
    let body = resource.body_json();
    let mut out = Vec::with_capacity(body.len() + 320);
    let string = |out: &mut Vec<u8>, text: &str| {
        // Writing a &str into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    };
    out.extend_from_slice(b"{\"id\":");
    string(&mut out, &resource.id);
    out.extend_from_slice(b",\"meta\":{\"resourceType\":");
    string(&mut out, resource.kind.as_str());
    out.extend_from_slice(b",\"created\":");
    string(&mut out, &timestamp(resource.created));
    out.extend_from_slice(b",\"lastModified\":");
    string(&mut out, &timestamp(resource.last_modified));
    out.extend_from_slice(b",\"location\":");
    string(&mut out, &location_of(resource, base_url, quirks));
    out.extend_from_slice(b",\"version\":");
    string(&mut out, &resource.etag());
    out.push(b'}');
    let groups = groups_of(state, &resource.id, base_url);
    if !groups.is_empty() {
        out.extend_from_slice(b",\"groups\":");
        let _ = serde_json::to_writer(&mut out, &groups);
    }
    match body.strip_prefix('{') {
        Some(rest) if rest.trim_start() != "}" => {
            out.push(b',');
            out.extend_from_slice(rest.as_bytes());
        }
        _ => out.push(b'}'),
    }
    out
}

/// Direct groups, then the groups those belong to (`indirect`), each once.
fn groups_of(state: &State, user_id: &str, base_url: &str) -> Vec<Value> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut queue: VecDeque<(String, &str)> = VecDeque::new();
    queue.push_back((user_id.to_owned(), "direct"));
    while let Some((member, kind)) = queue.pop_front() {
        for group in state.groups_of(&member) {
            if !seen.insert(group.id.clone()) {
                continue;
            }
            let mut entry = json!({
                "value": group.id,
                "$ref": format!("{base_url}/Groups/{}", group.id),
                "type": kind,
            });
            if let Some(display) = group.body.get("displayName") {
                entry["display"] = display.clone();
            }
            out.push(entry);
            queue.push_back((group.id.clone(), "indirect"));
        }
    }
    // Direct groups first, then by name: ids are random, and an order that changed from run to
    // run would drift every snapshot that shows a user in two groups.
    let key = |entry: &Value| {
        (
            entry["type"] != "direct",
            entry["display"].as_str().unwrap_or_default().to_owned(),
            entry["value"].as_str().unwrap_or_default().to_owned(),
        )
    };
    out.sort_by_key(key);
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::server::store::{Change, Store, StoreError};

    fn resource(id: &str, kind: Kind, seq: u64, body: Value) -> Resource {
        let at: Timestamp = "2026-01-02T03:04:05.678Z".parse().unwrap();
        Resource::new(id.into(), kind, seq, 3, at, at, body)
    }

    #[test]
    fn the_text_path_and_the_tree_path_render_the_same_user() {
        // Arrange: a user with an extension and a group, and an id that needs escaping.
        let store = Store::in_memory();
        let user = resource(
            "u\"1",
            Kind::User,
            0,
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "ada",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Maths"},
            }),
        );
        let group = resource(
            "g",
            Kind::Group,
            1,
            json!({"displayName": "G", "members": [{"value": "u\"1"}]}),
        );
        store
            .write(|_| {
                Ok::<_, StoreError>(((), vec![Change::Put(user.clone()), Change::Put(group)]))
            })
            .unwrap();
        let state = store.read();

        // Act
        let quirks = Quirks::default();
        let text = render_json(&state, &user, "http://h/scim/v2", &quirks);
        let tree = render(&state, &user, "http://h/scim/v2", &quirks);

        // Assert
        let parsed: Value = serde_json::from_slice(&text).unwrap();
        assert_eq!(parsed, tree);
        assert_eq!(parsed["groups"][0]["value"], "g");
        assert_eq!(parsed["meta"]["version"], "W/\"3\"");
    }
}
