//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9), read with `returned`
//! (RFC 7643 §7).
//!
//! `returned: always` attributes (`id`, and `schemas` which every resource carries) survive any
//! projection; `never` ones (`password`) never leave; `request` ones appear only when named;
//! `default` ones appear unless excluded, or unless an `attributes` list leaves them out.

use serde_json::{Map, Value};

use super::error::ScimError;
use super::path::AttrPath;
use super::schema::{Attribute, Resolved, ResourceType, Returned};

/// A parsed projection.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    attributes: Vec<AttrPath>,
    excluded: Vec<AttrPath>,
}

fn parse_list(text: Option<&str>) -> Result<Vec<AttrPath>, ScimError> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            AttrPath::parse(item).map_err(|error| ScimError::invalid_value(error.to_string()))
        })
        .collect()
}

/// What one path selects, relative to a resource.
#[derive(Debug, PartialEq)]
enum Selection {
    /// The whole attribute (and, for an extension URN, the whole extension).
    Whole,
    /// Only these sub-attributes.
    Subs(Vec<String>),
}

impl Projection {
    /// Parses the comma-separated lists of the query parameters (or the `.search` body).
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>) -> Result<Self, ScimError> {
        Ok(Projection {
            attributes: parse_list(attributes)?,
            excluded: parse_list(excluded)?,
        })
    }

    /// From the JSON arrays of a `SearchRequest` body (RFC 7644 §3.4.3).
    pub fn from_lists(attributes: &[String], excluded: &[String]) -> Result<Self, ScimError> {
        Self::parse(Some(&attributes.join(",")), Some(&excluded.join(",")))
    }

    /// Whether the projection names `attribute`: lets a renderer skip computing what will be cut.
    pub fn mentions(&self, name: &str) -> bool {
        self.attributes
            .iter()
            .any(|path| path.name.eq_ignore_ascii_case(name))
    }

    /// Whether this is the identity projection (nothing asked for, nothing excluded).
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.excluded.is_empty()
    }

    /// Projects a full, canonical resource.
    pub fn apply(&self, resource: &Value, resource_type: &ResourceType) -> Value {
        let Value::Object(fields) = resource else {
            return resource.clone();
        };
        let mut out = Map::new();
        for (key, value) in fields {
            if key == "schemas" {
                out.insert(key.clone(), value.clone());
                continue;
            }
            if let Some(extension) = resource_type.extension(key) {
                let Value::Object(inner) = value else {
                    continue;
                };
                let mut kept = Map::new();
                for (name, inner_value) in inner {
                    let Some(attribute) = extension.attribute(name) else {
                        continue;
                    };
                    if let Some(projected) =
                        self.project(Some(extension.id), attribute, inner_value, resource_type)
                    {
                        kept.insert(name.clone(), projected);
                    }
                }
                if !kept.is_empty() {
                    out.insert(key.clone(), Value::Object(kept));
                }
                continue;
            }
            let path = AttrPath::simple(key);
            let Some(Resolved::Attribute { attribute, .. }) = resource_type.resolve(&path) else {
                continue;
            };
            if let Some(projected) = self.project(None, attribute, value, resource_type) {
                out.insert(key.clone(), projected);
            }
        }
        Value::Object(out)
    }

    fn selection(
        paths: &[AttrPath],
        extension: Option<&str>,
        attribute: &Attribute,
        resource_type: &ResourceType,
    ) -> Option<Selection> {
        let mut subs = Vec::new();
        for path in paths {
            match resource_type.resolve(path) {
                Some(Resolved::Extension(schema)) if Some(schema.id) == extension => {
                    return Some(Selection::Whole);
                }
                Some(Resolved::Attribute {
                    extension: ext,
                    attribute: named,
                    sub_attribute,
                }) if ext == extension && named.name == attribute.name => match sub_attribute {
                    None => return Some(Selection::Whole),
                    Some(sub) => subs.push(sub.name.to_owned()),
                },
                _ => {}
            }
        }
        (!subs.is_empty()).then_some(Selection::Subs(subs))
    }

    fn project(
        &self,
        extension: Option<&str>,
        attribute: &Attribute,
        value: &Value,
        resource_type: &ResourceType,
    ) -> Option<Value> {
        match attribute.returned {
            Returned::Never => return None,
            Returned::Always => return Some(value.clone()),
            Returned::Default | Returned::Request => {}
        }
        let value = if self.attributes.is_empty() {
            if attribute.returned == Returned::Request {
                return None;
            }
            value.clone()
        } else {
            match Self::selection(&self.attributes, extension, attribute, resource_type)? {
                Selection::Whole => value.clone(),
                Selection::Subs(subs) => keep_subs(value, &subs)?,
            }
        };
        match Self::selection(&self.excluded, extension, attribute, resource_type) {
            None => Some(value),
            Some(Selection::Whole) => None,
            Some(Selection::Subs(subs)) => drop_subs(&value, &subs),
        }
    }
}

fn map_elements(
    value: &Value,
    f: impl Fn(&Map<String, Value>) -> Map<String, Value>,
) -> Option<Value> {
    match value {
        Value::Object(fields) => {
            let kept = f(fields);
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Array(elements) => {
            let kept: Vec<Value> = elements
                .iter()
                .filter_map(|element| match element {
                    Value::Object(fields) => {
                        let kept = f(fields);
                        (!kept.is_empty()).then_some(Value::Object(kept))
                    }
                    _ => None,
                })
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        _ => None,
    }
}

fn keep_subs(value: &Value, subs: &[String]) -> Option<Value> {
    map_elements(value, |fields| {
        fields
            .iter()
            .filter(|(key, _)| subs.iter().any(|sub| sub.eq_ignore_ascii_case(key)))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    })
}

fn drop_subs(value: &Value, subs: &[String]) -> Option<Value> {
    map_elements(value, |fields| {
        fields
            .iter()
            .filter(|(key, _)| !subs.iter().any(|sub| sub.eq_ignore_ascii_case(key)))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::schema::{ENTERPRISE_USER_SCHEMA, USER_TYPE};

    fn ada() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE_USER_SCHEMA],
            "id": "1",
            "userName": "ada",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "ada@example.com", "type": "work"}],
            "password": "never-leaves",
            "meta": {"resourceType": "User"},
            ENTERPRISE_USER_SCHEMA: {"department": "Maths", "costCenter": "1"},
        })
    }

    #[test]
    fn attributes_keeps_id_and_schemas_and_the_named_sub_attribute() {
        // Arrange
        let projection = Projection::parse(Some("name.familyName,EMAILS.value"), None).unwrap();

        // Act
        let out = projection.apply(&ada(), &USER_TYPE);

        // Assert
        assert_eq!(out["id"], "1");
        assert_eq!(out["schemas"], ada()["schemas"]);
        assert_eq!(out["name"], json!({"familyName": "Lovelace"}));
        assert_eq!(out["emails"], json!([{"value": "ada@example.com"}]));
        assert!(out.get("userName").is_none());
        assert!(out.get("meta").is_none());
        assert!(out.get(ENTERPRISE_USER_SCHEMA).is_none());
    }

    #[test]
    fn excluded_attributes_drops_attributes_but_never_id() {
        let projection = Projection::parse(
            None,
            Some("name,id,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
        )
        .unwrap();
        let out = projection.apply(&ada(), &USER_TYPE);
        assert!(out.get("name").is_none());
        assert_eq!(out["id"], "1");
        assert_eq!(out[ENTERPRISE_USER_SCHEMA], json!({"costCenter": "1"}));
    }

    #[test]
    fn password_is_never_returned_even_when_asked_for() {
        let everything = Projection::default().apply(&ada(), &USER_TYPE);
        assert!(everything.get("password").is_none());
        let asked = Projection::parse(Some("password"), None)
            .unwrap()
            .apply(&ada(), &USER_TYPE);
        assert!(asked.get("password").is_none());
    }

    #[test]
    fn a_whole_extension_urn_selects_the_extension() {
        let projection = Projection::parse(Some(ENTERPRISE_USER_SCHEMA), None).unwrap();
        let out = projection.apply(&ada(), &USER_TYPE);
        assert_eq!(out[ENTERPRISE_USER_SCHEMA]["department"], "Maths");
        assert!(out.get("userName").is_none());
    }

    #[test]
    fn a_malformed_path_is_invalid_value() {
        assert!(Projection::parse(Some("name..x"), None).is_err());
    }
}
