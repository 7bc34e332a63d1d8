//! The schema-driven pass: every writable attribute the target publishes, written and read back.
//!
//! A server's `/Schemas` is a promise about what it takes. Real servers publish `roles`,
//! `x509Certificates` or the enterprise extension and then refuse them, or fail with a 500 on a
//! PATCH whose value is a whole extension. Hand-written scenarios only write what their author
//! thought of; this pass writes what the target says it takes, so the promise itself is judged.
//!
//! `published_attributes: Users` expands, once the preflight has read the target's schemas, into
//! ordinary request steps, run and reported like any other:
//! - a create of a resource to write to (its data fitted to the schema like any create);
//! - for each writable attribute, a PATCH `replace` of it with a value of its published type
//!   (`rfc7643.7.published-attribute-written`), then a GET that reads it back
//!   (`rfc7643.7.published-attribute-read-back`, unless it is returned `never` or on `request`);
//! - for each extension the resource type names, one path-less PATCH whose value is every
//!   writable attribute of the extension at once (`rfc7643.3.3.published-extension-written`).
//!
//! Left out: read-only attributes, `id`, `userName` and `displayName` (the resource's identity,
//! which other steps rely on), and attributes that reference other resources (`manager`,
//! `members`, `groups`), which need resources the pass does not create. A target that publishes
//! no usable schemas promises nothing: the step expands to nothing. A target that does not
//! advertise PATCH has its PATCH steps skipped, with the reason, as everywhere.
//!
//! The checks are INFO: the RFC lets a client update a `readWrite` attribute ("MAY"), it does
//! not oblige a server to accept every value, so a refusal is worth knowing, never a failed run.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::fit::{Attribute, SchemaFit};
use crate::scenario::model::{
    Capture, CheckSpec, Expect, JsonAssertion, Level, RequestStep, StatusExpect, Step,
};

/// A writable attribute's PATCH was accepted.
pub const WRITTEN: &str = "rfc7643.7.published-attribute-written";
/// The attribute is there when the resource is read back.
pub const READ_BACK: &str = "rfc7643.7.published-attribute-read-back";
/// An extension's writable attributes, written as one value, were accepted.
pub const EXTENSION_WRITTEN: &str = "rfc7643.3.3.published-extension-written";

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The variable the created resource's id is captured in.
const ID: &str = "published_id";

/// The checks a `published_attributes` step declares, for a scenario that is not run.
pub fn declared() -> [CheckSpec; 3] {
    [
        check(WRITTEN, "RFC 7643 §7", WRITABLE),
        check(READ_BACK, "RFC 7643 §7", WRITABLE),
        check(EXTENSION_WRITTEN, "RFC 7644 §3.5.2.3", EXTENSION_AS_VALUE),
    ]
}

const WRITABLE: &str = "readWrite  The attribute MAY be updated and read at any time.";
const EXTENSION_AS_VALUE: &str = "If the \"path\" parameter is omitted, the target is assumed to be the resource itself.  In this case, the \"value\" attribute SHALL contain a list of one or more attributes that are to be replaced.";

fn check(id: &str, source: &str, requirement: &str) -> CheckSpec {
    CheckSpec {
        id: id.to_owned(),
        level: Level::Info,
        source: Some(source.to_owned()),
        requirement: Some(requirement.to_owned()),
        real_idp: None,
    }
}

/// The steps with every `published_attributes` step replaced by the requests it stands for.
pub fn expand<'s>(steps: &'s [Step], fit: Option<&SchemaFit>) -> Cow<'s, [Step]> {
    if !steps
        .iter()
        .any(|step| matches!(step, Step::PublishedAttributes(_)))
    {
        return Cow::Borrowed(steps);
    }
    let mut expanded = Vec::with_capacity(steps.len());
    for step in steps {
        match step {
            Step::PublishedAttributes(endpoint) => {
                if let Some(fit) = fit {
                    expanded.extend(
                        requests(endpoint, fit)
                            .into_iter()
                            .map(|request| Step::Request(Box::new(request))),
                    );
                }
            }
            other => expanded.push(other.clone()),
        }
    }
    Cow::Owned(expanded)
}

/// The requests of one pass over a resource type, `Users` or `Groups`.
fn requests(endpoint: &str, fit: &SchemaFit) -> Vec<RequestStep> {
    let Some(((core_urn, core), extensions)) = fit.published(endpoint) else {
        return Vec::new();
    };
    let collection = format!("/{endpoint}");
    let resource = format!("{collection}/{{{{{ID}}}}}");
    let identity = if endpoint == "Groups" {
        json!({"schemas": [core_urn], "displayName": "{{run.prefix}} published"})
    } else {
        json!({"schemas": [core_urn], "userName": "{{run.prefix}}-published@{{data.email_domain}}"})
    };
    let mut create = vec![RequestStep {
        name: Some(format!("create a resource of {endpoint} to write to")),
        method: "POST".to_owned(),
        path: collection,
        body: Some(identity),
        expect: Some(Expect {
            status: Some(StatusExpect::One(201)),
            ..Expect::default()
        }),
        capture: BTreeMap::from([(ID.to_owned(), Capture::Pointer("/id".to_owned()))]),
        ..empty_request()
    }];
    let mut steps = Vec::new();
    let schemas = std::iter::once((core_urn, core, false)).chain(
        extensions
            .iter()
            .map(|(urn, attributes)| (*urn, *attributes, true)),
    );
    for (urn, attributes, is_extension) in schemas {
        let mut whole = Map::new();
        for attribute in attributes.iter().filter(|a| writable(a, is_extension)) {
            let Some(value) = value_of(attribute, &attribute.name) else {
                continue;
            };
            whole.insert(attribute.name.clone(), value.clone());
            let (path, pointer) = if is_extension {
                (
                    format!("{urn}:{}", attribute.name),
                    format!("/{urn}/{}", attribute.name),
                )
            } else {
                (attribute.name.clone(), format!("/{}", attribute.name))
            };
            steps.push(patch(
                &resource,
                format!("write `{path}`"),
                json!([{"op": "replace", "path": path, "value": value}]),
                WRITTEN,
            ));
            if attribute.returned != "never" && attribute.returned != "request" {
                steps.push(read_back(&resource, &path, pointer));
            }
        }
        if is_extension && !whole.is_empty() {
            steps.push(patch(
                &resource,
                format!("write the extension `{urn}` as one value"),
                json!([{"op": "replace", "value": {urn: Value::Object(whole)}}]),
                EXTENSION_WRITTEN,
            ));
        }
    }
    if steps.is_empty() {
        // Nothing writable beyond the resource's identity: nothing to create it for.
        return steps;
    }
    create.append(&mut steps);
    create
}

/// Whether the pass writes a published attribute.
fn writable(attribute: &Attribute, is_extension: bool) -> bool {
    let identity = ["id", "meta", "schemas", "userName", "displayName"];
    let references_resources = ["members", "groups"];
    attribute.mutability != "readOnly"
        && (is_extension || !identity.contains(&attribute.name.as_str()))
        && !references_resources.contains(&attribute.name.as_str())
        && !refers_to_a_resource(attribute)
}

/// Whether a complex attribute's value is another resource's id (`manager`: its `$ref` is a
/// reference to a User).
fn refers_to_a_resource(attribute: &Attribute) -> bool {
    attribute.sub_attributes.iter().any(|sub| {
        sub.kind == "reference"
            && sub
                .reference_types
                .iter()
                .any(|t| t != "external" && t != "uri")
    })
}

/// A value of the attribute's published type, or `None` when the pass cannot make one that
/// stands alone (a reference to another resource, a complex value with nothing writable).
fn value_of(attribute: &Attribute, name: &str) -> Option<Value> {
    let one = match attribute.kind.as_str() {
        "boolean" => json!(true),
        "integer" => json!(7),
        "decimal" => json!(1.5),
        "datetime" => json!("2026-01-02T03:04:05Z"),
        "binary" => json!("c2NpbXVsYXRl"),
        "reference" => {
            let types = &attribute.reference_types;
            if types.iter().any(|t| t == "external") {
                json!("https://example.com/{{run.prefix}}")
            } else if types.iter().any(|t| t == "uri") {
                json!("urn:example:{{run.prefix}}")
            } else {
                // A reference to a User or a Group needs one the pass did not create.
                return None;
            }
        }
        "complex" => {
            let mut fields = Map::new();
            for sub in &attribute.sub_attributes {
                if sub.mutability == "readOnly" {
                    continue;
                }
                if let Some(value) = value_of(sub, &format!("{name}.{}", sub.name)) {
                    fields.insert(sub.name.clone(), value);
                }
            }
            let has_value = attribute.sub_attributes.iter().any(|s| s.name == "value");
            if fields.is_empty() || (has_value && !fields.contains_key("value")) {
                return None;
            }
            Value::Object(fields)
        }
        _ => match attribute.canonical_values.first() {
            Some(canonical) => json!(canonical),
            None => json!(string_for(name)),
        },
    };
    Some(if attribute.multi_valued {
        json!([one])
    } else {
        one
    })
}

/// A string a server that validates the attribute's meaning accepts.
fn string_for(name: &str) -> String {
    match name {
        "emails.value" => "{{run.prefix}}-published@{{data.email_domain}}".to_owned(),
        "phoneNumbers.value" => "tel:+1-555-0100".to_owned(),
        "locale" | "preferredLanguage" => "en-US".to_owned(),
        "timezone" => "Europe/Paris".to_owned(),
        "addresses.country" => "FR".to_owned(),
        "password" => "Published-Secret-7".to_owned(),
        other => format!(
            "{{{{run.prefix}}}} {}",
            other.rsplit('.').next().unwrap_or(other)
        ),
    }
}

fn patch(resource: &str, name: String, operations: Value, id: &str) -> RequestStep {
    let (source, requirement) = if id == EXTENSION_WRITTEN {
        ("RFC 7644 §3.5.2.3", EXTENSION_AS_VALUE)
    } else {
        ("RFC 7643 §7", WRITABLE)
    };
    RequestStep {
        name: Some(name),
        method: "PATCH".to_owned(),
        path: resource.to_owned(),
        body: Some(json!({"schemas": [PATCH_OP], "Operations": operations})),
        expect: Some(Expect {
            status: Some(StatusExpect::AnyOf(vec![200, 204])),
            ..Expect::default()
        }),
        check: Some(check(id, source, requirement)),
        ..empty_request()
    }
}

fn read_back(resource: &str, path: &str, pointer: String) -> RequestStep {
    RequestStep {
        name: Some(format!("read `{path}` back")),
        method: "GET".to_owned(),
        path: resource.to_owned(),
        expect: Some(Expect {
            status: Some(StatusExpect::One(200)),
            json: vec![JsonAssertion {
                pointer,
                equals: None,
                exists: Some(true),
                absent: None,
                empty: None,
                json_type: None,
                length: None,
                check: None,
            }],
            ..Expect::default()
        }),
        check: Some(check(READ_BACK, "RFC 7643 §7", WRITABLE)),
        ..empty_request()
    }
}

fn empty_request() -> RequestStep {
    RequestStep {
        name: None,
        method: String::new(),
        path: String::new(),
        headers: BTreeMap::new(),
        body: None,
        body_file: None,
        expect: None,
        capture: BTreeMap::new(),
        check: None,
        checks: Vec::new(),
        optional: false,
        as_written: false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const EXTENSION: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";

    fn fit() -> SchemaFit {
        let schemas = [
            json!({"id": USER, "attributes": [
                {"name": "userName", "type": "string", "required": true},
                {"name": "roles", "type": "complex", "multiValued": true, "subAttributes": [
                    {"name": "value", "type": "string"},
                    {"name": "primary", "type": "boolean"},
                ]},
                {"name": "groups", "type": "complex", "multiValued": true, "mutability": "readOnly"},
                {"name": "password", "type": "string", "mutability": "writeOnly", "returned": "never"},
                {"name": "locale", "type": "string"},
            ]}),
            json!({"id": EXTENSION, "attributes": [
                {"name": "badge", "type": "integer"},
                {"name": "manager", "type": "complex", "subAttributes": [
                    {"name": "value", "type": "string"},
                    {"name": "$ref", "type": "reference", "referenceTypes": ["User"]},
                ]},
            ]}),
        ];
        let types = [json!({
            "endpoint": "/Users", "schema": USER,
            "schemaExtensions": [{"schema": EXTENSION, "required": false}],
        })];
        SchemaFit::from_discovery(Some(&types), &schemas).unwrap()
    }

    fn names(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .map(|step| match step {
                Step::Request(request) => request.name.clone().unwrap_or_default(),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn every_writable_published_attribute_is_written_and_read_back() {
        // Arrange
        let steps = [Step::PublishedAttributes("Users".to_owned())];

        // Act
        let expanded = expand(&steps, Some(&fit()));

        // Assert: read-only, identity and references to other resources are left out; a
        // write-only attribute is not read back; the extension is also written whole.
        assert_eq!(
            names(&expanded),
            [
                "create a resource of Users to write to",
                "write `roles`",
                "read `roles` back",
                "write `password`",
                "write `locale`",
                "read `locale` back",
                format!("write `{EXTENSION}:badge`").as_str(),
                format!("read `{EXTENSION}:badge` back").as_str(),
                format!("write the extension `{EXTENSION}` as one value").as_str(),
            ]
        );
        let Step::Request(roles) = &expanded[1] else {
            panic!("a request");
        };
        assert_eq!(
            roles.body.as_ref().unwrap()["Operations"][0]["value"],
            json!([{"value": "{{run.prefix}} value", "primary": true}])
        );
        let Step::Request(whole) = &expanded[8] else {
            panic!("a request");
        };
        assert_eq!(
            whole.body.as_ref().unwrap()["Operations"][0],
            json!({"op": "replace", "value": {EXTENSION: {"badge": 7}}})
        );
    }

    #[test]
    fn a_target_that_publishes_nothing_usable_gets_no_requests() {
        // Arrange
        let steps = [
            Step::Snapshot("before".to_owned()),
            Step::PublishedAttributes("Users".to_owned()),
        ];

        // Act
        let expanded = expand(&steps, None);

        // Assert
        assert_eq!(expanded.as_ref(), &steps[..1]);
    }
}
