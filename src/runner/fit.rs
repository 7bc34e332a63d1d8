//! Test data fitted to the target's published schema.
//!
//! The RFC scenarios create users and groups to arrange their checks. A server may publish a
//! narrower, stricter schema than RFC 7643's (RFC 7643 §7: a service provider declares the
//! attributes it supports in `/Schemas`): it may require `name.formatted`, and refuse
//! `emails[].type` or `nickName` because it does not know them. Sending it the catalogue's
//! fixed users then tests the harness's data, not the server: every check behind the create
//! fails or is blocked for a reason the server announced in advance.
//!
//! So before a resource is created or replaced with data the harness chose, its body is fitted
//! to what the target publishes: attributes and sub-attributes the target's schema for that
//! resource type does not publish are left out, and required attributes it publishes that the
//! body lacks are filled. Every adjustment is returned in words, and the report shows them.
//!
//! A PATCH the harness chose is fitted the same way: an operation on an attribute the target
//! does not publish is left out (Microsoft's validator, reading `/Schemas`, never sends one),
//! unless that would leave no operation, when the step is skipped with the reason.
//!
//! Only bodies the step expects the target to accept are fitted (no expectation, or a 2xx):
//! a step that sends an unknown attribute to see it refused must send it. IdP steps are never
//! fitted: they send what the IdP sends. Target-profile templates are applied after fitting,
//! so a template still wins. Nothing is fitted when the target published no usable schema.

use serde_json::{Map, Value};

use crate::scenario::model::{Expect, RequestStep, StatusExpect};

/// The core User and Group schema URNs (RFC 7643 §8.7.1), used when `/ResourceTypes` is missing.
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Attributes every resource carries whatever its schema lists (RFC 7643 §3.1).
const COMMON: [&str; 4] = ["schemas", "id", "externalId", "meta"];

/// One attribute a schema publishes, with the characteristics (RFC 7643 §7) the harness uses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attribute {
    pub(crate) name: String,
    pub(crate) required: bool,
    /// `string`, `boolean`, `complex`, … lower-cased.
    pub(crate) kind: String,
    pub(crate) multi_valued: bool,
    /// `readWrite` when not published (the RFC's default), as published otherwise.
    pub(crate) mutability: String,
    /// `default` when not published.
    pub(crate) returned: String,
    pub(crate) canonical_values: Vec<String>,
    pub(crate) reference_types: Vec<String>,
    pub(crate) sub_attributes: Vec<Attribute>,
}

impl Attribute {
    fn parse(value: &Value) -> Option<Attribute> {
        let text = |key: &str, default: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or(default)
                .to_owned()
        };
        let strings = |key: &str| -> Vec<String> {
            value
                .get(key)
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        Some(Attribute {
            name: value.get("name")?.as_str()?.to_owned(),
            required: value.get("required").and_then(Value::as_bool) == Some(true),
            kind: text("type", "string").to_ascii_lowercase(),
            multi_valued: value.get("multiValued").and_then(Value::as_bool) == Some(true),
            mutability: text("mutability", "readWrite"),
            returned: text("returned", "default"),
            canonical_values: strings("canonicalValues"),
            reference_types: strings("referenceTypes"),
            sub_attributes: value
                .get("subAttributes")
                .and_then(Value::as_array)
                .map(|list| list.iter().filter_map(Attribute::parse).collect())
                .unwrap_or_default(),
        })
    }
}

fn find<'a>(attributes: &'a [Attribute], name: &str) -> Option<&'a Attribute> {
    attributes
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(name))
}

/// A schema's URN and the attributes it publishes.
pub(crate) type PublishedSchema<'a> = (&'a str, &'a [Attribute]);

/// A resource type's core schema and its extensions, as published.
pub(crate) type PublishedShape<'a> = (PublishedSchema<'a>, Vec<PublishedSchema<'a>>);

/// Every schema extension URN a JSON value holds as a string.
fn extension_urns(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::String(text) if text.starts_with("urn:ietf:params:scim:schemas:extension:") => {
            into.push(text.clone());
        }
        Value::Array(items) => items.iter().for_each(|item| extension_urns(item, into)),
        Value::Object(fields) => fields.values().for_each(|item| extension_urns(item, into)),
        _ => {}
    }
}

/// A resource type the target publishes: where it lives and the attributes of its schemas.
#[derive(Debug, Clone, PartialEq)]
struct ResourceShape {
    /// `Users`, `Groups`: the endpoint's first path segment.
    endpoint: String,
    /// The core schema's URN and attributes.
    core: (String, Vec<Attribute>),
    /// The extension URNs the resource type names, with the attributes their schemas publish.
    extensions: Vec<(String, Vec<Attribute>)>,
}

/// The target's schemas, read from its discovery answers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SchemaFit {
    shapes: Vec<ResourceShape>,
}

impl SchemaFit {
    /// From the `/ResourceTypes` and `/Schemas` resources the preflight read. `None` when the
    /// schemas say nothing usable (missing, or neither the User nor the Group schema listed).
    pub fn from_discovery(resource_types: Option<&[Value]>, schemas: &[Value]) -> Option<Self> {
        let attributes_of = |urn: &str| -> Option<Vec<Attribute>> {
            let schema = schemas
                .iter()
                .find(|s| s.get("id").and_then(Value::as_str) == Some(urn))?;
            let list = schema.get("attributes")?.as_array()?;
            Some(list.iter().filter_map(Attribute::parse).collect())
        };
        let mut shapes = Vec::new();
        match resource_types {
            Some(types) if !types.is_empty() => {
                for resource_type in types {
                    let Some(endpoint) = resource_type
                        .get("endpoint")
                        .and_then(Value::as_str)
                        .map(|e| e.trim_matches('/').to_owned())
                    else {
                        continue;
                    };
                    let Some(urn) = resource_type.get("schema").and_then(Value::as_str) else {
                        continue;
                    };
                    let Some(core) = attributes_of(urn) else {
                        continue;
                    };
                    let extensions = resource_type
                        .get("schemaExtensions")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|e| e.get("schema").and_then(Value::as_str))
                        .map(|urn| (urn.to_owned(), attributes_of(urn).unwrap_or_default()))
                        .collect();
                    shapes.push(ResourceShape {
                        endpoint,
                        core: (urn.to_owned(), core),
                        extensions,
                    });
                }
            }
            _ => {
                for (endpoint, urn) in [("Users", CORE_USER), ("Groups", CORE_GROUP)] {
                    if let Some(core) = attributes_of(urn) {
                        shapes.push(ResourceShape {
                            endpoint: endpoint.to_owned(),
                            core: (urn.to_owned(), core),
                            extensions: Vec::new(),
                        });
                    }
                }
            }
        }
        (!shapes.is_empty()).then_some(SchemaFit { shapes })
    }

    /// Fits a body sent by `method` to `path`: a `POST` to a collection, a `PUT` or `PATCH` to
    /// one of its resources. Returns what was changed, one phrase each; nothing for other
    /// requests.
    pub fn fit(&self, method: &str, path: &str, body: &mut Value) -> Vec<String> {
        if method.eq_ignore_ascii_case("POST")
            && path.trim_matches('/').eq_ignore_ascii_case("Bulk")
        {
            return self.fit_bulk(body);
        }
        let creates = method.eq_ignore_ascii_case("POST") || method.eq_ignore_ascii_case("PUT");
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let mut segments = path.trim_matches('/').split('/');
        let endpoint = segments.next().unwrap_or_default();
        let rest: Vec<&str> = segments.collect();
        let to_resource = match method.to_ascii_uppercase().as_str() {
            "POST" => rest.is_empty(),
            _ => rest.len() == 1 && !rest[0].starts_with('.'),
        };
        let Some(shape) = self
            .shapes
            .iter()
            .find(|s| s.endpoint.eq_ignore_ascii_case(endpoint))
        else {
            return Vec::new();
        };
        if method.eq_ignore_ascii_case("PATCH") && to_resource {
            return fit_patch(shape, body);
        }
        let Value::Object(fields) = body else {
            return Vec::new();
        };
        if !creates || !to_resource {
            return Vec::new();
        }
        let mut notes = Vec::new();
        let resource = shape.endpoint.trim_end_matches('s');
        fit_fields(fields, &shape.core.1, "", resource, &mut notes);
        let keys: Vec<String> = fields.keys().cloned().collect();
        for key in keys {
            if COMMON.iter().any(|c| c.eq_ignore_ascii_case(&key)) {
                continue;
            }
            if key.starts_with("urn:") {
                match shape
                    .extensions
                    .iter()
                    .find(|(urn, _)| urn.eq_ignore_ascii_case(&key))
                {
                    Some((urn, attributes)) => {
                        if let Some(Value::Object(inner)) = fields.get_mut(&key) {
                            fit_fields(inner, attributes, &format!("{urn}:"), resource, &mut notes);
                        }
                    }
                    None => {
                        fields.remove(&key);
                        notes.push(format!(
                            "left out the extension `{key}`: the target's {resource} resource type does not name it"
                        ));
                    }
                }
            }
        }
        if let Some(Value::Array(urns)) = fields.get_mut("schemas") {
            let before = urns.len();
            let known = |urn: &str| {
                shape.core.0.eq_ignore_ascii_case(urn)
                    || shape
                        .extensions
                        .iter()
                        .any(|(e, _)| e.eq_ignore_ascii_case(urn))
            };
            urns.retain(|urn| urn.as_str().is_none_or(known));
            if urns.len() < before {
                notes.push(format!(
                    "left out of `schemas` the URNs the target's {resource} resource type does not name"
                ));
            }
        }
        notes
    }
}

impl SchemaFit {
    /// A Bulk request (RFC 7644 §3.7): each operation's `data` is fitted as the request it
    /// stands for would be.
    fn fit_bulk(&self, body: &mut Value) -> Vec<String> {
        let mut notes = Vec::new();
        let Some(Value::Array(operations)) = body.get_mut("Operations") else {
            return notes;
        };
        for (index, operation) in operations.iter_mut().enumerate() {
            let method = operation
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let path = operation
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            if let Some(data) = operation.get_mut("data") {
                for note in self.fit(&method, &path, data) {
                    notes.push(format!("Operations[{index}]: {note}"));
                }
            }
        }
        notes
    }
}

/// Adds to `body` what the template has and the body does not, at any depth: the scenario's
/// own values always win.
pub fn fill_from(body: &mut Value, template: &Value) {
    let (Value::Object(body), Value::Object(template)) = (body, template) else {
        return;
    };
    for (key, value) in template {
        match body.get_mut(key) {
            None => {
                body.insert(key.clone(), value.clone());
            }
            Some(existing) => fill_from(existing, value),
        }
    }
}

/// Attributes RFC 7643 itself requires (§4.1, §4.2): a step that expects a refusal may leave one
/// out on purpose, so they are never filled for it.
const RFC_REQUIRED: [&str; 2] = ["userName", "displayName"];

impl SchemaFit {
    /// For a step that expects a refusal: only fills what the target requires beyond the RFC
    /// (so a duplicate is refused as a duplicate, not for a missing `name.formatted`), and
    /// leaves everything else as the step wrote it.
    pub fn fill_required(&self, method: &str, path: &str, body: &mut Value) -> Vec<String> {
        let mut fitted = body.clone();
        let notes: Vec<String> = self
            .fit(method, path, &mut fitted)
            .into_iter()
            .filter(|note| note.starts_with("filled"))
            .collect();
        if let Value::Object(fields) = &mut fitted {
            for name in RFC_REQUIRED {
                if body.get(name).is_none() {
                    fields.remove(name);
                }
            }
        }
        fill_from(body, &fitted);
        notes
            .into_iter()
            .filter(|note| {
                !RFC_REQUIRED
                    .iter()
                    .any(|name| note.contains(&format!("`{name}`")))
            })
            .collect()
    }
}

/// Fits one level of attributes: leaves out what `attributes` does not publish, recurses into
/// complex values, fills required attributes that are missing.
fn fit_fields(
    fields: &mut Map<String, Value>,
    attributes: &[Attribute],
    prefix: &str,
    resource: &str,
    notes: &mut Vec<String>,
) {
    let keys: Vec<String> = fields.keys().cloned().collect();
    for key in keys {
        if prefix.is_empty()
            && (key.starts_with("urn:") || COMMON.iter().any(|c| c.eq_ignore_ascii_case(&key)))
        {
            continue;
        }
        let Some(attribute) = find(attributes, &key) else {
            fields.remove(&key);
            notes.push(format!(
                "left out `{prefix}{key}`: not in the target's {resource} schema"
            ));
            continue;
        };
        if attribute.sub_attributes.is_empty() {
            continue;
        }
        let path = format!("{prefix}{}", attribute.name);
        match fields.get_mut(&key) {
            Some(Value::Object(inner)) => {
                fit_complex(inner, attribute, &path, resource, notes);
            }
            Some(Value::Array(items)) => {
                for item in items.iter_mut() {
                    if let Value::Object(inner) = item {
                        fit_complex(inner, attribute, &path, resource, notes);
                    }
                }
            }
            _ => {}
        }
    }
    fill_missing(fields, attributes, prefix, resource, notes);
}

/// Fills the required attributes of `attributes` that `fields` lacks (`prefix` names where
/// they sit: ``, `name.`, an extension's `urn:…:`).
fn fill_missing(
    fields: &mut Map<String, Value>,
    attributes: &[Attribute],
    prefix: &str,
    resource: &str,
    notes: &mut Vec<String>,
) {
    for attribute in attributes.iter().filter(|a| a.required) {
        if fields
            .keys()
            .any(|k| k.eq_ignore_ascii_case(&attribute.name))
        {
            continue;
        }
        let Some(value) = filler(attribute, fields) else {
            continue;
        };
        fields.insert(attribute.name.clone(), value);
        notes.push(format!(
            "filled `{prefix}{}`: the target's {resource} schema requires it",
            attribute.name
        ));
    }
}

/// One value of a complex attribute: its unpublished sub-attributes left out, its required
/// ones filled.
fn fit_complex(
    inner: &mut Map<String, Value>,
    attribute: &Attribute,
    path: &str,
    resource: &str,
    notes: &mut Vec<String>,
) {
    let keys: Vec<String> = inner.keys().cloned().collect();
    let mut left_out = Vec::new();
    for key in keys {
        if find(&attribute.sub_attributes, &key).is_none() {
            inner.remove(&key);
            left_out.push(key);
        }
    }
    for key in left_out {
        let note = format!("left out `{path}.{key}`: not in the target's {resource} schema");
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    fill_missing(
        inner,
        &attribute.sub_attributes,
        &format!("{path}."),
        resource,
        notes,
    );
}

/// A value for a required attribute the body lacks: a formatted name from the name's parts,
/// a complex value with its own required sub-attributes, a plain placeholder otherwise.
fn filler(attribute: &Attribute, siblings: &Map<String, Value>) -> Option<Value> {
    let name = attribute.name.to_ascii_lowercase();
    match attribute.kind.as_str() {
        "complex" => {
            let mut value = Map::new();
            for sub in attribute.sub_attributes.iter().filter(|a| a.required) {
                value.insert(sub.name.clone(), filler(sub, siblings)?);
            }
            Some(Value::Object(value))
        }
        "boolean" => Some(Value::Bool(false)),
        "integer" => Some(Value::from(0)),
        _ if name == "formatted" => {
            let part = |key: &str| siblings.get(key).and_then(Value::as_str).unwrap_or("");
            let joined = [part("givenName"), part("familyName")]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            Some(Value::String(if joined.is_empty() {
                "Test User".to_owned()
            } else {
                joined
            }))
        }
        "string" | "reference" | "datetime" | "binary" => {
            Some(Value::String("scimulate".to_owned()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A strict server's User schema: `name.formatted` required, `emails` without `type`.
    fn restricted() -> SchemaFit {
        let schemas = [json!({
            "id": CORE_USER,
            "attributes": [
                {"name": "userName", "type": "string", "required": true},
                {"name": "name", "type": "complex", "required": true, "subAttributes": [
                    {"name": "formatted", "type": "string", "required": true},
                    {"name": "givenName", "type": "string"},
                    {"name": "familyName", "type": "string"},
                ]},
                {"name": "emails", "type": "complex", "multiValued": true, "subAttributes": [
                    {"name": "value", "type": "string"},
                ]},
                {"name": "active", "type": "boolean"},
            ],
        })];
        let types = [json!({
            "endpoint": "/Users", "schema": CORE_USER, "schemaExtensions": [],
        })];
        SchemaFit::from_discovery(Some(&types), &schemas).unwrap()
    }

    #[test]
    fn a_discovery_expectation_naming_an_extension_the_target_does_not_offer_is_not_judged() {
        // Arrange: the restricted server names no extension.
        let step: RequestStep = serde_saphyr::from_str(
            "method: GET\npath: /ResourceTypes/User\nexpect:\n  body:\n    schemaExtensions:\n      - { schema: \"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\", required: false }\n",
        )
        .unwrap();

        // Act
        let unpublished = restricted().unpublished(&step);

        // Assert
        let reason = unpublished.step_check.expect("skipped");
        assert!(
            reason.contains("do not name the extension `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`"),
            "{reason}"
        );
        assert!(unpublished.request.is_none(), "the request is still sent");
    }

    #[test]
    fn a_create_is_fitted_to_a_narrower_schema_and_says_how() {
        // Arrange
        let mut body = json!({
            "schemas": [CORE_USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": "ada",
            "nickName": "Countess",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1"},
        });

        // Act
        let notes = restricted().fit("POST", "/Users", &mut body);

        // Assert
        assert_eq!(
            body,
            json!({
                "schemas": [CORE_USER],
                "userName": "ada",
                "name": {"givenName": "Ada", "familyName": "Lovelace", "formatted": "Ada Lovelace"},
                "emails": [{"value": "ada@example.com"}],
            })
        );
        assert_eq!(
            notes,
            [
                "left out `emails.primary`: not in the target's User schema",
                "left out `emails.type`: not in the target's User schema",
                "filled `name.formatted`: the target's User schema requires it",
                "left out `nickName`: not in the target's User schema",
                "left out the extension `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`: the target's User resource type does not name it",
                "left out of `schemas` the URNs the target's User resource type does not name",
            ]
        );
    }

    #[test]
    fn a_missing_required_complex_attribute_is_filled_with_its_required_parts() {
        // Arrange
        let mut body = json!({"schemas": [CORE_USER], "userName": "bob"});

        // Act
        let notes = restricted().fit("PUT", "/Users/42", &mut body);

        // Assert
        assert_eq!(body["name"], json!({"formatted": "Test User"}));
        assert_eq!(
            notes,
            ["filled `name`: the target's User schema requires it"]
        );
    }

    #[test]
    fn what_is_not_a_create_or_replace_of_a_resource_is_left_alone() {
        // Arrange
        let fit = restricted();
        let original = json!({"userName": "ada", "nickName": "x"});

        // Act / Assert
        for (method, path) in [
            ("PATCH", "/Users/42"),
            ("POST", "/Users/.search"),
            ("POST", "/Groups"),
        ] {
            let mut body = original.clone();
            assert!(
                fit.fit(method, path, &mut body).is_empty(),
                "{method} {path}"
            );
            assert_eq!(body, original);
        }
    }

    #[test]
    fn a_bulk_requests_operations_are_fitted_one_by_one() {
        // Arrange
        let mut body = json!({"Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a",
             "data": {"userName": "ada", "nickName": "x", "name": {"formatted": "Ada"}}},
            {"method": "DELETE", "path": "/Users/1"},
        ]});

        // Act
        let notes = restricted().fit("POST", "/Bulk", &mut body);

        // Assert
        assert_eq!(
            notes,
            ["Operations[0]: left out `nickName`: not in the target's User schema"]
        );
        assert!(body["Operations"][0]["data"].get("nickName").is_none());
    }

    fn step(yaml: &str) -> RequestStep {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn a_patch_keeps_its_operations_on_what_the_target_publishes_and_leaves_out_the_rest() {
        // Arrange: `nickName` and `timezone` are not published, `name.givenName` and `active` are.
        let mixed = step(
            "method: PATCH\npath: /Users/{{id}}\nbody: {Operations: [{op: add, path: nickName, value: x}, {op: replace, path: name.givenName, value: Ada}, {op: replace, value: {timezone: Europe/Paris, active: false}}]}\nexpect: {status: 200}",
        );
        let mut body = mixed.body.clone().unwrap();
        let fit = restricted();

        // Act
        let unpublished = fit.unpublished(&mixed);
        let notes = fit.fit("PATCH", "/Users/7", &mut body);

        // Assert: sent, with what the target publishes only.
        assert!(unpublished.request.is_none(), "{unpublished:?}");
        assert_eq!(
            body["Operations"],
            serde_json::json!([
                {"op": "replace", "path": "name.givenName", "value": "Ada"},
                {"op": "replace", "value": {"active": false}}
            ])
        );
        assert_eq!(
            notes,
            [
                "left out the PATCH operation on `nickName`: the target's User resource type does not publish it",
                "left out `timezone` of a path-less PATCH operation: the target's User resource type does not publish it"
            ]
        );
    }

    #[test]
    fn a_patch_with_nothing_published_left_is_sent_as_written_or_not_at_all() {
        // Arrange
        let nothing = step(
            "method: PATCH\npath: /Users/{{id}}\nbody: {Operations: [{op: add, path: nickName, value: x}, {op: replace, value: {timezone: Europe/Paris}}]}\nexpect: {status: 200}",
        );
        let mut body = nothing.body.clone().unwrap();
        let written = body.clone();
        let fit = restricted();

        // Act
        let notes = fit.fit("PATCH", "/Users/7", &mut body);

        // Assert
        assert!(notes.is_empty());
        assert_eq!(body, written);
        assert!(fit.unpublished(&nothing).request.is_some());
    }

    #[test]
    fn a_patch_of_an_attribute_the_target_does_not_publish_is_not_sent() {
        // Arrange
        let nick = step(
            "method: PATCH\npath: /Users/{{id}}\nbody: {Operations: [{op: add, path: nickName, value: x}]}\nexpect: {status: 200}",
        );
        let typed = step(
            "method: PATCH\npath: /Users/{{id}}\nbody: {Operations: [{op: replace, path: 'emails[type eq \"work\"].value', value: x}]}",
        );
        let published = step(
            "method: PATCH\npath: /Users/{{id}}\nbody: {Operations: [{op: replace, value: {name.givenName: Ada, active: false}}]}",
        );
        let refused = step(
            "method: PATCH\npath: /Users/{{id}}\nbody: {Operations: [{op: add, path: nickName, value: x}]}\nexpect: {status: 400}",
        );

        // Act
        let fit = restricted();

        // Assert
        assert_eq!(
            fit.unpublished(&nick).request.as_deref(),
            Some(
                "the target's User schema does not publish `nickName` (RFC 7643 §7: a server publishes the attributes it supports)"
            )
        );
        assert!(
            fit.unpublished(&typed)
                .request
                .is_some_and(|r| r.contains("`emails.type`"))
        );
        assert_eq!(fit.unpublished(&published), Unpublished::default());
        assert!(fit.unpublished(&refused).request.is_none());
    }

    #[test]
    fn a_query_that_filters_or_sorts_on_an_unpublished_attribute_is_not_sent() {
        // Arrange
        let by_title = step(
            "method: GET\npath: /Users?filter=userName%20sw%20%22x%22%20and%20(TiTlE%20eq%20%22Countess%22)\nexpect: {status: 200}",
        );
        let by_type = step(
            "method: GET\npath: '/Users?filter=emails[type+eq+%22work%22]'\nexpect: {status: 200}",
        );
        let sorted = step("method: GET\npath: /Users?sortBy=nickName\nexpect: {status: 200}");
        let searched = step(
            "method: POST\npath: /Users/.search\nbody: {filter: 'nickName pr'}\nexpect: {status: 200}",
        );
        let published = step(
            "method: GET\npath: /Users?filter=name.givenName%20eq%20%22Ada%22&sortBy=userName\nexpect: {status: 200}",
        );
        let refused =
            step("method: GET\npath: /Users?filter=title%20eq%20%22x%22\nexpect: {status: 400}");

        // Act
        let fit = restricted();

        // Assert
        for (request, attribute) in [
            (&by_title, "`TiTlE`"),
            (&by_type, "`emails.type`"),
            (&sorted, "`nickName`"),
            (&searched, "`nickName`"),
        ] {
            let reason = fit.unpublished(request).request.unwrap_or_default();
            assert!(reason.contains(attribute), "{attribute}: {reason}");
        }
        assert!(fit.unpublished(&published).request.is_none());
        assert!(fit.unpublished(&refused).request.is_none());
    }

    #[test]
    fn an_expectation_that_reads_an_unpublished_attribute_skips_its_check_only() {
        // Arrange
        let read = step(
            "method: GET\npath: /Users/{{id}}\nexpect:\n  status: 200\n  body: {title: Countess}\n  json:\n    - {pointer: /name/middleName, equals: King, check: {id: rfc.middle}}\n    - {pointer: /userName, exists: true, check: {id: rfc.user}}\n    - {pointer: /nickName, absent: true, check: {id: rfc.nick}}",
        );

        // Act
        let unpublished = restricted().unpublished(&read);

        // Assert
        assert!(unpublished.request.is_none());
        assert!(
            unpublished
                .step_check
                .is_some_and(|r| r.contains("`title`"))
        );
        assert!(
            unpublished.assertions[0]
                .as_deref()
                .is_some_and(|r| r.contains("`name.middleName`"))
        );
        assert_eq!(unpublished.assertions[1..], [None, None]);
    }

    #[test]
    fn a_step_that_expects_a_refusal_gets_only_the_targets_extra_required_attributes() {
        // Arrange: a duplicate create, and a create that leaves out userName on purpose.
        let mut duplicate = json!({"userName": "ada", "nickName": "x"});
        let mut no_user_name = json!({"nickName": "x"});

        // Act
        let notes = restricted().fill_required("POST", "/Users", &mut duplicate);
        restricted().fill_required("POST", "/Users", &mut no_user_name);

        // Assert
        assert_eq!(
            duplicate,
            json!({"userName": "ada", "nickName": "x", "name": {"formatted": "Test User"}})
        );
        assert_eq!(
            notes,
            ["filled `name`: the target's User schema requires it"]
        );
        assert!(no_user_name.get("userName").is_none());
    }

    #[test]
    fn an_absent_assertion_on_an_attribute_the_run_filled_is_not_judged() {
        // Arrange
        let filled: std::collections::BTreeSet<String> = ["name".to_owned()].into();
        let read = step(
            "method: GET\npath: /Users/{{id}}\nexpect:\n  json:\n    - {pointer: /name, absent: true}\n    - {pointer: /title, absent: true}",
        );
        let json = &read.expect.as_ref().unwrap().json;

        // Act / Assert
        assert_eq!(
            filled_attribute(
                "Operations[0]: filled `name.formatted`: the target's User schema requires it"
            ),
            Some("name")
        );
        assert_eq!(
            filled_attribute("left out `title`: not in the target's User schema"),
            None
        );
        assert!(absent_but_filled(&json[0], &filled).is_some());
        assert!(absent_but_filled(&json[1], &filled).is_none());
    }

    #[test]
    fn without_a_usable_schema_there_is_nothing_to_fit_to() {
        assert!(SchemaFit::from_discovery(None, &[]).is_none());
        assert!(SchemaFit::from_discovery(None, &[json!({"id": "urn:other"})]).is_none());
    }
}

/// Whether a step expects the target to accept what it sends: no status expected, or a 2xx.
/// Only such bodies are fitted to the target's schema, and only such PATCHes are skipped for
/// naming what it does not publish; a step that expects a refusal sends exactly what it means
/// to be refused.
pub fn expects_acceptance(request: &RequestStep) -> bool {
    match request.expect.as_ref().and_then(|e| e.status.as_ref()) {
        None => true,
        Some(StatusExpect::One(status)) => (200..300).contains(status),
        Some(StatusExpect::AnyOf(statuses)) => statuses.iter().all(|s| (200..300).contains(s)),
    }
}

/// Whether a step's body is judged on something other than its attributes: it expects the
/// target to accept it, or to refuse it for a conflict or a failed precondition (409, 412),
/// whatever its attributes. Such bodies are fitted whole; a step that expects another refusal
/// (a 400 for a bad attribute) may be sending the bad attribute on purpose.
pub fn body_is_not_the_point(request: &RequestStep) -> bool {
    let not_the_point = |status: &u16| (200..300).contains(status) || [409, 412].contains(status);
    match request.expect.as_ref().and_then(|e| e.status.as_ref()) {
        None => true,
        Some(StatusExpect::One(status)) => not_the_point(status),
        Some(StatusExpect::AnyOf(statuses)) => statuses.iter().all(not_the_point),
    }
}

/// Attribute names RFC 7643 gives Users and Groups (§4.1, §4.2), with the enterprise extension's
/// under its URN: the names a step may need a target to publish. Anything else in a pointer (a
/// list's `totalResults`, an error's `detail`) is not an attribute and needs nothing.
const RFC_ATTRIBUTES: [&str; 23] = [
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
    "members",
    "manager",
];

/// An attribute a step needs: `nickName`, `name.middleName`, `emails.type`, or one of an
/// extension's (`urn:…:enterprise:2.0:User:department`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needed {
    extension: Option<String>,
    attribute: Option<String>,
    sub_attribute: Option<String>,
}

impl Needed {
    fn plain(attribute: &str, sub_attribute: Option<&str>) -> Needed {
        Needed {
            extension: None,
            attribute: Some(attribute.to_owned()),
            sub_attribute: sub_attribute.map(str::to_owned),
        }
    }

    fn named(&self) -> String {
        let mut name = String::new();
        if let Some(urn) = &self.extension {
            name.push_str(urn);
            if self.attribute.is_some() {
                name.push(':');
            }
        }
        if let Some(attribute) = &self.attribute {
            name.push_str(attribute);
        }
        if let Some(sub) = &self.sub_attribute {
            name.push('.');
            name.push_str(sub);
        }
        name
    }
}

/// What a request step needs the target to publish, and which of its checks each need is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unpublished {
    /// Why the step cannot be sent at all (its PATCH names an attribute the target does not
    /// publish): every check of the step is skipped, and nothing is sent.
    pub request: Option<String>,
    /// Why the step's own check cannot be judged (its expectation reads such an attribute).
    pub step_check: Option<String>,
    /// The same for each JSON assertion, in order (`None`: judge it).
    pub assertions: Vec<Option<String>>,
    /// The same for each check of its own (`checks:`), in order.
    pub own_checks: Vec<Option<String>>,
}

impl SchemaFit {
    /// What of `request` the target's published schema leaves nothing to judge: a PATCH of an
    /// attribute it does not publish, an expectation that reads one. RFC 7643 §7 lets a server
    /// support a subset of the schema and say which in `/Schemas`; checking an attribute it
    /// does not claim would be a false alarm, so such checks are skipped, with the reason.
    pub fn unpublished(&self, request: &RequestStep) -> Unpublished {
        let Some(shape) = self.shape_of(&request.path) else {
            return Unpublished {
                step_check: request
                    .expect
                    .as_ref()
                    .and_then(|expect| self.unnamed_extension(expect)),
                ..Unpublished::default()
            };
        };
        let first_missing = |needs: Vec<Needed>| -> Option<String> {
            needs.iter().find_map(|need| shape.missing(need))
        };
        let expect = request.expect.as_ref();
        let mut request_needs = Vec::new();
        if expects_acceptance(request) {
            if request.method.eq_ignore_ascii_case("PATCH")
                && let Some(body) = &request.body
            {
                // Operations on what the target does not publish are left out when the body is
                // built ([`fit_patch`]); only a PATCH with nothing left cannot be sent.
                let operations = patch_operations(body);
                let nothing_left = !operations.is_empty()
                    && !operations.iter().any(|op| survives_fitting(shape, op));
                if nothing_left {
                    request_needs.extend(patch_needs(body));
                }
            }
            request_needs.extend(query_needs(request));
        }
        let mut step_needs = expect
            .and_then(|e| e.body.as_ref())
            .map(body_needs)
            .unwrap_or_default();
        let mut assertions = Vec::new();
        for assertion in expect.iter().flat_map(|e| &e.json) {
            // `absent` holds whether or not the target knows the attribute.
            let needs = if assertion.absent == Some(true)
                || assertion.empty == Some(true)
                || assertion.exists == Some(false)
            {
                Vec::new()
            } else {
                pointer_need(&assertion.pointer).into_iter().collect()
            };
            if assertion.check.is_some() {
                assertions.push(first_missing(needs));
            } else {
                assertions.push(None);
                step_needs.extend(needs);
            }
        }
        Unpublished {
            request: first_missing(request_needs),
            step_check: first_missing(step_needs),
            assertions,
            own_checks: Vec::new(),
        }
    }
}

impl SchemaFit {
    /// What a resource type (`Users`) publishes: its core schema's URN and attributes, and each
    /// extension it names with the attributes that extension's schema publishes.
    pub(crate) fn published(&self, endpoint: &str) -> Option<PublishedShape<'_>> {
        let shape = self.shape_of(endpoint)?;
        Some((
            (shape.core.0.as_str(), shape.core.1.as_slice()),
            shape
                .extensions
                .iter()
                .map(|(urn, attributes)| (urn.as_str(), attributes.as_slice()))
                .collect(),
        ))
    }

    /// The published shape of the resource type a path addresses (`/Users/7` → `Users`).
    fn shape_of(&self, path: &str) -> Option<&ResourceShape> {
        let endpoint = path
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        self.shapes
            .iter()
            .find(|s| s.endpoint.eq_ignore_ascii_case(endpoint))
    }

    /// Why an expectation of a discovery answer (`/ResourceTypes/User` offering the enterprise
    /// extension) cannot be judged: it names an extension no resource type of the target names.
    /// Extensions are optional (RFC 7643 §3.3); a server that offers none is not wrong.
    fn unnamed_extension(&self, expect: &Expect) -> Option<String> {
        let mut named = Vec::new();
        if let Some(body) = &expect.body {
            extension_urns(body, &mut named);
        }
        for assertion in &expect.json {
            if let Some(value) = &assertion.equals {
                extension_urns(value, &mut named);
            }
        }
        named
            .into_iter()
            .find(|urn| {
                !self
                    .shapes
                    .iter()
                    .any(|shape| shape.extensions.iter().any(|(offered, _)| offered == urn))
            })
            .map(|urn| {
                format!(
                    "the target's resource types do not name the extension `{urn}` (RFC 7643 §3.3: extensions are optional)"
                )
            })
    }

    /// Why a check of its own (`checks:` on a step) cannot judge an answer from `path`: its
    /// expectations read an attribute the target does not publish.
    pub fn unpublished_expectation(&self, path: &str, expect: &Expect) -> Option<String> {
        let Some(shape) = self.shape_of(path) else {
            return self.unnamed_extension(expect);
        };
        let mut needs = expect.body.as_ref().map(body_needs).unwrap_or_default();
        for assertion in &expect.json {
            if assertion.absent != Some(true)
                && assertion.empty != Some(true)
                && assertion.exists != Some(false)
            {
                needs.extend(pointer_need(&assertion.pointer));
            }
        }
        needs.iter().find_map(|need| shape.missing(need))
    }
}

impl ResourceShape {
    /// Whether the target publishes every attribute in `needs`.
    fn publishes_all(&self, needs: &[Needed]) -> bool {
        needs.iter().all(|need| self.missing(need).is_none())
    }

    /// Why the target cannot be judged on `need`, when its published schema lacks it.
    fn missing(&self, need: &Needed) -> Option<String> {
        let resource = self.endpoint.trim_end_matches('s');
        let because = "RFC 7643 §7: a server publishes the attributes it supports";
        if let Some(urn) = &need.extension {
            let Some((_, attributes)) = self
                .extensions
                .iter()
                .find(|(e, _)| e.eq_ignore_ascii_case(urn))
            else {
                return Some(format!(
                    "the target's {resource} resource type does not name the extension `{urn}` ({because})"
                ));
            };
            let attribute = need.attribute.as_deref()?;
            return (!attributes.is_empty() && find(attributes, attribute).is_none()).then(|| {
                format!("the target's schema `{urn}` does not publish `{attribute}` ({because})")
            });
        }
        let name = need.attribute.as_deref()?;
        if !RFC_ATTRIBUTES.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            return None;
        }
        let Some(attribute) = find(&self.core.1, name) else {
            return Some(format!(
                "the target's {resource} schema does not publish `{}` ({because})",
                need.named()
            ));
        };
        let sub = need.sub_attribute.as_deref()?;
        (!attribute.sub_attributes.is_empty() && find(&attribute.sub_attributes, sub).is_none())
            .then(|| {
                format!(
                    "the target's {resource} schema does not publish `{}` ({because})",
                    need.named()
                )
            })
    }
}

/// The attribute a JSON pointer into a resource (or a list of them) reads.
fn pointer_need(pointer: &str) -> Option<Needed> {
    let segments: Vec<String> = pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut rest = segments.as_slice();
    if rest.first().is_some_and(|s| s == "Resources") {
        rest = rest.get(2..)?;
    }
    let (first, rest) = rest.split_first()?;
    let next = rest.iter().find(|s| s.parse::<usize>().is_err());
    if first.starts_with("urn:") {
        return Some(Needed {
            extension: Some(first.clone()),
            attribute: next.cloned(),
            sub_attribute: None,
        });
    }
    Some(Needed::plain(first, next.map(String::as_str)))
}

/// The attributes a body the response must contain reads (RFC attribute names only).
fn body_needs(body: &Value) -> Vec<Needed> {
    let mut needs = Vec::new();
    let Value::Object(fields) = body else {
        return needs;
    };
    for (key, value) in fields {
        if key == "Resources" {
            for item in value.as_array().into_iter().flatten() {
                needs.extend(body_needs(item));
            }
            continue;
        }
        needs.extend(value_needs(key, value));
    }
    needs
}

/// The top-level attribute a fitting note says was filled (`filled `name.formatted`: …` is
/// `name`), for the notes [`SchemaFit::fit`] writes.
pub fn filled_attribute(note: &str) -> Option<&str> {
    let start = note.find("filled `")? + "filled `".len();
    let path = &note[start..];
    let path = &path[..path.find('`')?];
    path.split('.').next()
}

/// Why an `absent` assertion cannot judge the target: the harness filled that attribute itself
/// because the target requires it.
pub fn absent_but_filled(
    assertion: &crate::scenario::model::JsonAssertion,
    filled: &std::collections::BTreeSet<String>,
) -> Option<String> {
    if assertion.absent != Some(true) && assertion.empty != Some(true) {
        return None;
    }
    let attribute = pointer_need(&assertion.pointer)?.attribute?;
    filled.contains(&attribute).then(|| {
        format!(
            "the run filled `{attribute}` because the target's schema requires it, so its absence is not the target's to answer for"
        )
    })
}

/// What one attribute and its value read: the attribute, and the sub-attributes of a complex
/// value (or of each element of a multi-valued one).
fn value_needs(key: &str, value: &Value) -> Vec<Needed> {
    if let Some(urn) = key.strip_prefix("urn:").map(|_| key) {
        let mut needs = vec![Needed {
            extension: Some(urn.to_owned()),
            attribute: None,
            sub_attribute: None,
        }];
        if let Value::Object(inner) = value {
            needs.extend(inner.keys().map(|attribute| Needed {
                extension: Some(urn.to_owned()),
                attribute: Some(attribute.clone()),
                sub_attribute: None,
            }));
        }
        return needs;
    }
    if let Some((attribute, sub)) = key.split_once('.') {
        return vec![Needed::plain(attribute, Some(sub))];
    }
    let mut needs = vec![Needed::plain(key, None)];
    let objects: Vec<&Map<String, Value>> = match value {
        Value::Object(inner) => vec![inner],
        Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    };
    for inner in objects {
        needs.extend(inner.keys().map(|sub| Needed::plain(key, Some(sub))));
    }
    needs
}

/// The attributes a PATCH request's operations name: each `path` (its filter's attributes
/// included), or the keys of a path-less operation's value.
fn patch_needs(body: &Value) -> Vec<Needed> {
    patch_operations(body)
        .into_iter()
        .flat_map(op_needs)
        .collect()
}

/// A PATCH body's operations (RFC 7644 §3.5.2).
fn patch_operations(body: &Value) -> Vec<&Value> {
    body.get("Operations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect()
}

/// The attributes one PATCH operation names.
fn op_needs(operation: &Value) -> Vec<Needed> {
    let mut needs = Vec::new();
    match operation.get("path").and_then(Value::as_str) {
        Some(path) => {
            needs.extend(path_needs(path));
            // `path: emails` with `value: [{value, type}]` names `emails.type` too.
            let simple = !path.contains(['[', '.']) && !path.starts_with("urn:");
            if let (true, Some(value)) = (simple, operation.get("value")) {
                needs.extend(value_needs(path, value));
            }
        }
        None => {
            if let Some(Value::Object(fields)) = operation.get("value") {
                for (key, value) in fields {
                    needs.extend(value_needs(key, value));
                }
            }
        }
    }
    needs
}

/// Whether [`fit_patch`] keeps some of one operation: all of an operation with a path that
/// names only published attributes, the published keys of a path-less one.
fn survives_fitting(shape: &ResourceShape, operation: &Value) -> bool {
    match (operation.get("path"), operation.get("value")) {
        (Some(_), _) => shape.publishes_all(&op_needs(operation)),
        (None, Some(Value::Object(fields))) => fields
            .iter()
            .any(|(key, value)| shape.publishes_all(&value_needs(key, value))),
        (None, _) => true,
    }
}

/// Fits a PATCH the harness chose to what the target publishes, as a create is fitted: an
/// operation on an attribute the target does not publish is left out, and so is such a key of
/// a path-less operation's value. A PATCH that would be left with no operation is sent as
/// written; [`SchemaFit::unpublished`] skips it instead, saying why.
fn fit_patch(shape: &ResourceShape, body: &mut Value) -> Vec<String> {
    let resource = shape.endpoint.trim_end_matches('s');
    let mut fitted = body.clone();
    let mut notes = Vec::new();
    let Some(Value::Array(operations)) = fitted.get_mut("Operations") else {
        return notes;
    };
    operations.retain_mut(|operation| {
        if let Some(path) = operation.get("path").and_then(Value::as_str) {
            let keep = shape.publishes_all(&op_needs(operation));
            if !keep {
                notes.push(format!(
                    "left out the PATCH operation on `{path}`: the target's {resource} resource type does not publish it"
                ));
            }
            return keep;
        }
        let Some(Value::Object(fields)) = operation.get_mut("value") else {
            return true;
        };
        let keys: Vec<String> = fields.keys().cloned().collect();
        for key in keys {
            if !shape.publishes_all(&value_needs(&key, &fields[&key])) {
                fields.remove(&key);
                notes.push(format!(
                    "left out `{key}` of a path-less PATCH operation: the target's {resource} resource type does not publish it"
                ));
            }
        }
        !fields.is_empty()
    });
    if operations.is_empty() {
        return Vec::new();
    }
    *body = fitted;
    notes
}

/// The attributes a PATCH path names: `emails[type eq "work"].value` names `emails.type` and
/// `emails.value`; `urn:…:User:department` the extension's `department`.
fn path_needs(path: &str) -> Vec<Needed> {
    if path.starts_with("urn:") {
        let (urn, attribute) = match path.rsplit_once(':') {
            // `urn:…:2.0:User` alone names the whole extension; the last word of a URN is
            // capitalised by convention, an attribute's is not.
            Some((urn, attribute)) if attribute.chars().next().is_some_and(char::is_lowercase) => {
                (urn, Some(attribute))
            }
            _ => (path, None),
        };
        let attribute = attribute.map(|a| a.split(['.', '[']).next().unwrap_or(a).to_owned());
        return vec![Needed {
            extension: Some(urn.to_owned()),
            attribute,
            sub_attribute: None,
        }];
    }
    let (head, filter, tail) = match path.split_once('[') {
        Some((head, rest)) => match rest.split_once(']') {
            Some((filter, tail)) => (head, Some(filter), tail.trim_start_matches('.')),
            None => (head, None, ""),
        },
        None => (path, None, ""),
    };
    let (attribute, sub) = match head.split_once('.') {
        Some((attribute, sub)) => (attribute, Some(sub)),
        None => (head, None),
    };
    let mut needs = vec![Needed::plain(attribute, sub)];
    if !tail.is_empty() {
        needs.push(Needed::plain(attribute, Some(tail)));
    }
    for word in filter.into_iter().flat_map(filter_attributes) {
        needs.push(Needed::plain(attribute, Some(word)));
    }
    needs
}

/// The attributes a query names: in `filter` and `sortBy`, in the URL's query or in a
/// `/.search` body (RFC 7644 §3.4.2.2, §3.4.2.3). A filter on an attribute the target does not
/// publish is refused as `invalidFilter`, rightly.
fn query_needs(request: &RequestStep) -> Vec<Needed> {
    let mut texts: Vec<String> = Vec::new();
    if let Some((_, query)) = request.path.split_once('?') {
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if name == "filter" || name == "sortBy" {
                let value = value.replace('+', " ");
                texts.push(
                    percent_encoding::percent_decode_str(&value)
                        .decode_utf8_lossy()
                        .into_owned(),
                );
            }
        }
    }
    for key in ["filter", "sortBy"] {
        if let Some(text) = request
            .body
            .as_ref()
            .and_then(|b| b.get(key))
            .and_then(Value::as_str)
        {
            texts.push(text.to_owned());
        }
    }
    let mut needs = Vec::new();
    for text in &texts {
        let words: Vec<&str> = filter_attributes(text);
        // A lone `sortBy` value names one attribute and no operator follows it.
        let words = if words.is_empty() && !text.contains(' ') {
            vec![text.as_str()]
        } else {
            words
        };
        for word in words {
            let word = word.trim_start_matches("not(").trim_start_matches('(');
            match word.split_once('[') {
                Some((attribute, sub)) => needs.push(Needed::plain(attribute, Some(sub))),
                None => needs.extend(path_needs(word)),
            }
        }
    }
    needs
}

/// The attribute names a value filter compares (`type eq "work" and primary eq true`).
fn filter_attributes(filter: &str) -> Vec<&str> {
    const OPERATORS: [&str; 10] = ["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le", "pr"];
    let words: Vec<&str> = filter.split_whitespace().collect();
    words
        .windows(2)
        .filter(|pair| {
            let operator = pair[1].trim_end_matches([')', ']']);
            OPERATORS.iter().any(|op| operator.eq_ignore_ascii_case(op))
        })
        .map(|pair| pair[0].trim_start_matches(['(', ' ']))
        .filter(|word| !word.starts_with('"'))
        .collect()
}
