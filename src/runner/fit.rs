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
//! Only bodies the step expects the target to accept are fitted (no expectation, or a 2xx):
//! a step that sends an unknown attribute to see it refused must send it. IdP steps are never
//! fitted: they send what the IdP sends. Target-profile templates are applied after fitting,
//! so a template still wins. Nothing is fitted when the target published no usable schema.

use serde_json::{Map, Value};

/// The core User and Group schema URNs (RFC 7643 §8.7.1), used when `/ResourceTypes` is missing.
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// Attributes every resource carries whatever its schema lists (RFC 7643 §3.1).
const COMMON: [&str; 4] = ["schemas", "id", "externalId", "meta"];

/// One attribute a schema publishes.
#[derive(Debug, Clone, PartialEq)]
struct Attribute {
    name: String,
    required: bool,
    kind: String,
    sub_attributes: Vec<Attribute>,
}

impl Attribute {
    fn parse(value: &Value) -> Option<Attribute> {
        Some(Attribute {
            name: value.get("name")?.as_str()?.to_owned(),
            required: value.get("required").and_then(Value::as_bool) == Some(true),
            kind: value
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("string")
                .to_ascii_lowercase(),
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

    /// Fits a body sent by `method` to `path`: a `POST` to a collection or a `PUT` to one of
    /// its resources. Returns what was changed, one phrase each; nothing for other requests.
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
    for sub in attribute.sub_attributes.iter().filter(|a| a.required) {
        if inner.keys().any(|k| k.eq_ignore_ascii_case(&sub.name)) {
            continue;
        }
        let Some(value) = filler(sub, inner) else {
            continue;
        };
        inner.insert(sub.name.clone(), value);
        notes.push(format!(
            "filled `{path}.{}`: the target's {resource} schema requires it",
            sub.name
        ));
    }
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

    #[test]
    fn without_a_usable_schema_there_is_nothing_to_fit_to() {
        assert!(SchemaFit::from_discovery(None, &[]).is_none());
        assert!(SchemaFit::from_discovery(None, &[json!({"id": "urn:other"})]).is_none());
    }
}
