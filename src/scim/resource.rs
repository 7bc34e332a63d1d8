//! Bringing a client's resource into canonical form, and validating it (RFC 7643 §2, §7).
//!
//! Clients spell attribute names in any case, send booleans as strings (Entra's `"True"`,
//! docs/idps/entra.md §8), send Entra's manager as a bare id string (docs/idps/entra.md §7.4),
//! and echo server-owned attributes back (Okta's `groups: []` on create and whole GET bodies on
//! PUT, docs/idps/okta.md §4 items 8–9). [`normalize`] turns all of that into one canonical
//! JSON shape, so that storage, filters and PATCH only ever see canonical keys and typed values:
//!
//! - keys are renamed to the definition's spelling; extension attributes live under their URN;
//! - `readOnly` attributes are dropped, as RFC 7643 §7 says they "SHALL be ignored" on input;
//! - attributes no schema defines are dropped (custom extensions the server does not declare);
//! - `null`, empty strings for complex `value`s, and empty arrays mean "unassigned" and vanish;
//! - values are type-checked by the definition: a wrong type is `400 invalidValue`.

use serde_json::{Map, Value};

use super::error::ScimError;
use super::schema::{AttrType, Attribute, Mutability, ResourceType, Schema};

/// Options that let a caller be stricter than the RFC requires.
#[derive(Debug, Clone, Copy, Default)]
pub struct NormalizeOptions {
    /// Refuse `"True"`/`"False"` for boolean attributes instead of reading them as booleans.
    pub reject_string_booleans: bool,
}

/// The canonical form of `input` as a resource of `resource_type`: an object with a `schemas`
/// array and the writable attributes, without `id` and `meta`.
pub fn normalize(
    input: &Value,
    resource_type: &ResourceType,
    options: NormalizeOptions,
) -> Result<Value, ScimError> {
    let Value::Object(fields) = input else {
        return Err(ScimError::invalid_syntax(
            "a resource must be a JSON object",
        ));
    };
    let mut out = Map::new();
    let mut schemas: Vec<String> = vec![resource_type.schema.id.to_owned()];
    if let Some(declared) = field(fields, "schemas") {
        let Value::Array(declared) = declared else {
            return Err(ScimError::invalid_value(
                "`schemas` must be an array of schema URNs",
            ));
        };
        for urn in declared {
            let Some(urn) = urn.as_str() else {
                return Err(ScimError::invalid_value(
                    "`schemas` must be an array of schema URNs",
                ));
            };
            match resource_type
                .schema_ids()
                .find(|id| id.eq_ignore_ascii_case(urn))
            {
                Some(id) if !schemas.iter().any(|s| s == id) => schemas.push(id.to_owned()),
                Some(_) => {}
                // Entra lists a Microsoft schema URN no server defines
                // (docs/idps/entra.md §9, "Create"); a URN the server does not know is dropped,
                // like the attributes it would qualify.
                None => {}
            }
        }
    }

    for (key, value) in fields {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some(extension) = resource_type.extension(key) {
            let normalized = normalize_object(value, extension, key, options)?;
            if let Some(normalized) = normalized {
                out.insert(extension.id.to_owned(), normalized);
                if !schemas.iter().any(|s| s == extension.id) {
                    schemas.push(extension.id.to_owned());
                }
            }
            continue;
        }
        let attribute = resource_type
            .schema
            .attribute(key)
            .or_else(|| common_writable(key));
        let Some(attribute) = attribute else {
            continue;
        };
        if let Some(value) = normalize_attribute(value, attribute, key, options)? {
            out.insert(attribute.name.to_owned(), value);
        }
    }
    // An extension listed in `schemas` without attributes carries nothing to keep.
    schemas.retain(|urn| urn == resource_type.schema.id || out.contains_key(urn));
    out.insert(
        "schemas".to_owned(),
        Value::Array(schemas.into_iter().map(Value::String).collect()),
    );
    check_required(&out, resource_type.schema)?;
    Ok(Value::Object(out))
}

/// `externalId` is the one common attribute a client writes.
fn common_writable(key: &str) -> Option<&'static Attribute> {
    super::schema::COMMON
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(key) && a.mutability != Mutability::ReadOnly)
}

fn field<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    fields.get(name).or_else(|| {
        fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

fn check_required(out: &Map<String, Value>, schema: &Schema) -> Result<(), ScimError> {
    for attribute in schema.attributes.iter().filter(|a| a.required) {
        if !out.contains_key(attribute.name) {
            return Err(ScimError::invalid_value(format!(
                "`{}` is required",
                attribute.name
            )));
        }
    }
    Ok(())
}

fn normalize_object(
    value: &Value,
    schema: &Schema,
    context: &str,
    options: NormalizeOptions,
) -> Result<Option<Value>, ScimError> {
    let Value::Object(fields) = value else {
        if value.is_null() {
            return Ok(None);
        }
        return Err(ScimError::invalid_value(format!(
            "`{context}` must be an object"
        )));
    };
    let mut out = Map::new();
    for (key, value) in fields {
        let Some(attribute) = schema.attribute(key) else {
            continue;
        };
        let path = format!("{context}:{}", attribute.name);
        if let Some(value) = normalize_attribute(value, attribute, &path, options)? {
            out.insert(attribute.name.to_owned(), value);
        }
    }
    Ok((!out.is_empty()).then_some(Value::Object(out)))
}

/// The canonical form of one attribute's value, or `None` when it is unassigned or ignored.
pub fn normalize_attribute(
    value: &Value,
    attribute: &Attribute,
    path: &str,
    options: NormalizeOptions,
) -> Result<Option<Value>, ScimError> {
    if attribute.mutability == Mutability::ReadOnly || value.is_null() {
        return Ok(None);
    }
    if !attribute.multi_valued {
        return normalize_single(value, attribute, path, options);
    }
    // A lone element where a list belongs is read as a list of one.
    let elements: &[Value] = match value {
        Value::Array(elements) => elements,
        other => std::slice::from_ref(other),
    };
    let mut out = Vec::with_capacity(elements.len());
    let mut primaries = 0;
    for element in elements {
        if let Some(element) = normalize_single(element, attribute, path, options)? {
            if element.get("primary") == Some(&Value::Bool(true)) {
                primaries += 1;
            }
            if !out.contains(&element) {
                out.push(element);
            }
        }
    }
    if primaries > 1 {
        // RFC 7643 §2.4: "The primary attribute value "true" MUST appear no more than once."
        return Err(ScimError::invalid_value(format!(
            "`{path}` has more than one primary value"
        )));
    }
    Ok((!out.is_empty()).then_some(Value::Array(out)))
}

fn normalize_single(
    value: &Value,
    attribute: &Attribute,
    path: &str,
    options: NormalizeOptions,
) -> Result<Option<Value>, ScimError> {
    let wrong_type = |expected: &str| {
        ScimError::invalid_value(format!("`{path}` must be {expected}, not {value}"))
    };
    match attribute.ty {
        _ if value.is_null() => Ok(None),
        AttrType::Complex => {
            let fields = match value {
                Value::Object(fields) => fields.clone(),
                // Entra sends the manager as a bare id (docs/idps/entra.md §7.4).
                Value::String(_) | Value::Bool(_) | Value::Number(_)
                    if attribute.sub_attribute("value").is_some() =>
                {
                    let mut fields = Map::new();
                    fields.insert("value".to_owned(), value.clone());
                    fields
                }
                _ => return Err(wrong_type("an object")),
            };
            let mut out = Map::new();
            for (key, sub_value) in &fields {
                let Some(sub) = attribute.sub_attribute(key) else {
                    continue;
                };
                let sub_path = format!("{path}.{}", sub.name);
                if let Some(sub_value) = normalize_single(sub_value, sub, &sub_path, options)?
                    && sub.mutability != Mutability::ReadOnly
                {
                    out.insert(sub.name.to_owned(), sub_value);
                }
            }
            // A complex value whose `value` is empty is a removal (the SCIM Validator's
            // "Remove Manager" sends `{"value": ""}`, docs/idps/entra.md §12 and the recorded
            // runs in pranems/SCIMServer it lists).
            if out.get("value").and_then(Value::as_str) == Some("") {
                out.remove("value");
            }
            Ok((!out.is_empty()).then_some(Value::Object(out)))
        }
        AttrType::Boolean => match value {
            Value::Bool(_) => Ok(Some(value.clone())),
            Value::String(text) if !options.reject_string_booleans => {
                if text.eq_ignore_ascii_case("true") {
                    Ok(Some(Value::Bool(true)))
                } else if text.eq_ignore_ascii_case("false") {
                    Ok(Some(Value::Bool(false)))
                } else {
                    Err(wrong_type("a boolean"))
                }
            }
            _ => Err(wrong_type("a boolean")),
        },
        AttrType::Integer => match value {
            Value::Number(number) if number.is_i64() || number.is_u64() => Ok(Some(value.clone())),
            _ => Err(wrong_type("an integer")),
        },
        AttrType::Decimal => match value {
            Value::Number(_) => Ok(Some(value.clone())),
            _ => Err(wrong_type("a number")),
        },
        AttrType::DateTime => match value {
            Value::String(text) if text.parse::<jiff::Timestamp>().is_ok() => {
                Ok(Some(value.clone()))
            }
            _ => Err(wrong_type("an RFC 3339 date-time")),
        },
        AttrType::String | AttrType::Reference | AttrType::Binary => match value {
            Value::String(_) => Ok(Some(value.clone())),
            _ => Err(wrong_type("a string")),
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::schema::{ENTERPRISE_USER_SCHEMA, GROUP_TYPE, USER_SCHEMA, USER_TYPE};

    fn user(input: Value) -> Result<Value, ScimError> {
        normalize(&input, &USER_TYPE, NormalizeOptions::default())
    }

    #[test]
    fn canonicalises_key_case_and_drops_read_only_and_unknown_attributes() {
        // Arrange
        let input = json!({
            "USERNAME": "ada",
            "Name": {"GivenName": "Ada", "shoeSize": 42},
            "id": "client-chosen",
            "groups": [],
            "meta": {"version": "x"},
            "favouriteColour": "teal",
        });

        // Act
        let output = user(input).unwrap();

        // Assert
        assert_eq!(
            output,
            json!({"schemas": [USER_SCHEMA], "userName": "ada", "name": {"givenName": "Ada"}})
        );
    }

    #[test]
    fn reads_entra_string_booleans_unless_told_not_to() {
        let output = user(json!({"userName": "a", "active": "False"})).unwrap();
        assert_eq!(output["active"], json!(false));

        let strict = NormalizeOptions {
            reject_string_booleans: true,
        };
        let error = normalize(
            &json!({"userName": "a", "active": "True"}),
            &USER_TYPE,
            strict,
        )
        .unwrap_err();
        assert_eq!(error.status, 400);
    }

    #[test]
    fn wraps_entra_manager_id_and_lists_the_extension_schema() {
        let output = user(json!({
            "userName": "a",
            ENTERPRISE_USER_SCHEMA: {"manager": "42", "department": "R&D"},
        }))
        .unwrap();
        assert_eq!(
            output[ENTERPRISE_USER_SCHEMA]["manager"],
            json!({"value": "42"})
        );
        assert_eq!(
            output["schemas"],
            json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA])
        );
    }

    #[test]
    fn a_missing_required_attribute_is_invalid_value() {
        let error = user(json!({"displayName": "no user name"})).unwrap_err();
        assert_eq!(error.scim_type, Some(crate::scim::ScimType::InvalidValue));
        assert!(error.detail.contains("userName"));

        let error = normalize(
            &json!({"members": []}),
            &GROUP_TYPE,
            NormalizeOptions::default(),
        )
        .unwrap_err();
        assert!(error.detail.contains("displayName"));
    }

    #[test]
    fn wrong_types_and_two_primaries_are_invalid_value() {
        for bad in [
            json!({"userName": 7}),
            json!({"userName": "a", "active": "yes"}),
            json!({"userName": "a", "name": "Ada"}),
            json!({"userName": "a", "emails": [{"value": "x", "primary": true}, {"value": "y", "primary": true}]}),
        ] {
            let error = user(bad.clone()).unwrap_err();
            assert_eq!(error.status, 400, "{bad} was accepted");
        }
    }

    #[test]
    fn unknown_schema_urns_are_dropped_not_refused() {
        let output = normalize(
            &json!({
                "schemas": [crate::scim::schema::GROUP_SCHEMA, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
                "displayName": "Engineering",
            }),
            &GROUP_TYPE,
            NormalizeOptions::default(),
        )
        .unwrap();
        assert_eq!(
            output["schemas"],
            json!([crate::scim::schema::GROUP_SCHEMA])
        );
    }

    #[test]
    fn null_and_empty_values_are_unassigned() {
        let output =
            user(json!({"userName": "a", "nickName": null, "emails": [], "name": {}})).unwrap();
        assert_eq!(output, json!({"schemas": [USER_SCHEMA], "userName": "a"}));
    }
}
