//! JSON helpers for PATCH: keys found in any case and written in the definition's spelling
//! (RFC 7643 §2.1), "unassigned" values (RFC 7643 §2.5), and comparing values the way the
//! schema says they compare (`caseExact`, RFC 7643 §2.3.1).

use serde_json::{Map, Value};

use super::kind_of;
use crate::scim::error::ScimError;
use crate::scim::schema::Attribute;

pub(super) type Object = Map<String, Value>;

/// `primary` is `true`, or Entra's string `"True"`.
pub(super) fn is_primary(element: &Value) -> bool {
    element
        .as_object()
        .and_then(|element| get(element, "primary"))
        .is_some_and(|primary| {
            primary == &Value::Bool(true)
                || primary
                    .as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case("true"))
        })
}

/// Whether two values are the same for `definition`: strings honour `caseExact` (RFC 7643
/// §2.3.1), numbers compare as numbers, objects by their assigned keys case-insensitively,
/// arrays as sets.
pub(super) fn same_value(definition: Option<&Attribute>, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b)) => {
            a == b
                || (definition.is_some_and(|d| !d.case_exact)
                    && a.to_lowercase() == b.to_lowercase())
        }
        (Value::Number(a), Value::Number(b)) => {
            a == b || a.as_f64().is_some_and(|a| b.as_f64() == Some(a))
        }
        (Value::Object(a), Value::Object(b)) => {
            let assigned = |object: &Object| object.values().filter(|v| !is_unassigned(v)).count();
            let sub = |key: &str| definition.and_then(|d| d.sub_attribute(key));
            assigned(a) == assigned(b)
                && a.iter()
                    .filter(|(_, v)| !is_unassigned(v))
                    .all(|(key, v)| get(b, key).is_some_and(|w| same_value(sub(key), v, w)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|x| b.iter().any(|y| same_value(definition, x, y)))
                && b.iter()
                    .all(|y| a.iter().any(|x| same_value(definition, x, y)))
        }
        _ => a == b,
    }
}

/// Whether `new` duplicates `existing` in a multi-valued attribute (RFC 7644 §3.5.2.1: "If the
/// target location already contains the value specified, no changes SHOULD be made"): the same
/// `value`, and the same `type` when both have one; without a `value`, equal as a whole.
pub(super) fn same_element(attribute: &Attribute, existing: &Value, new: &Value) -> bool {
    if let (Value::Object(existing), Value::Object(new)) = (existing, new)
        && let Some(value_definition) = attribute.sub_attribute("value")
        && let Some(wanted) = get(new, "value")
    {
        let same_type = match (get(existing, "type"), get(new, "type")) {
            (Some(a), Some(b)) => same_value(attribute.sub_attribute("type"), a, b),
            _ => true,
        };
        return same_type
            && get(existing, "value")
                .is_some_and(|have| same_value(Some(value_definition), have, wanted));
    }
    same_value(Some(attribute), existing, new)
}

/// `null`, `[]` and `{}` (RFC 7643 §2.5 and §2.4: no value).
pub(super) fn is_unassigned(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        _ => false,
    }
}

/// The operand of a multi-valued write as a list: an array's non-null items, or one value.
pub(super) fn elements_of(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.iter().filter(|v| !v.is_null()).cloned().collect(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

/// The object holding `extension`'s attributes (or the root for `None`), created if absent.
pub(super) fn container_mut<'r>(
    root: &'r mut Object,
    extension: Option<&'static str>,
) -> Result<&'r mut Object, ScimError> {
    let Some(urn) = extension else {
        return Ok(root);
    };
    let existing = take(root, urn).unwrap_or_else(|| Value::Object(Object::new()));
    match root.entry(urn.to_owned()).or_insert(existing) {
        Value::Object(fields) => Ok(fields),
        other => Err(ScimError::invalid_value(format!(
            "the resource's `{urn}` is {}, not an object of extension attributes",
            kind_of(other)
        ))),
    }
}

/// The object holding `extension`'s attributes, if there is one.
pub(super) fn container_existing<'r>(
    root: &'r mut Object,
    extension: Option<&'static str>,
) -> Option<&'r mut Object> {
    match extension {
        None => Some(root),
        Some(urn) => get_mut(root, urn)?.as_object_mut(),
    }
}

/// A key's assigned value: the exact key first, then any spelling (RFC 7643 §2.1).
pub(super) fn get<'a>(object: &'a Object, name: &str) -> Option<&'a Value> {
    object.get(name).filter(|v| !v.is_null()).or_else(|| {
        object
            .iter()
            .find(|(key, value)| key.eq_ignore_ascii_case(name) && !value.is_null())
            .map(|(_, value)| value)
    })
}

/// A key's value for editing, re-keyed under `name` (the definition's spelling).
pub(super) fn get_mut<'a>(object: &'a mut Object, name: &str) -> Option<&'a mut Value> {
    let value = take(object, name)?;
    Some(object.entry(name.to_owned()).or_insert(value))
}

/// Removes every spelling of a key, returning its assigned value (the exact spelling first).
pub(super) fn take(object: &mut Object, name: &str) -> Option<Value> {
    let mut found = object.remove(name).filter(|v| !v.is_null());
    let spellings: Vec<String> = object
        .keys()
        .filter(|key| key.eq_ignore_ascii_case(name))
        .cloned()
        .collect();
    for key in spellings {
        if let Some(value) = object.remove(&key)
            && found.is_none()
            && !value.is_null()
        {
            found = Some(value);
        }
    }
    found
}

/// Sets a key under the definition's spelling, removing other spellings.
pub(super) fn put(object: &mut Object, name: &str, value: Value) {
    take(object, name);
    object.insert(name.to_owned(), value);
}

/// A complex single-valued attribute's current sub-attributes, taken out for editing.
pub(super) fn take_object(container: &mut Object, name: &str) -> Object {
    match take(container, name) {
        Some(Value::Object(fields)) => fields,
        _ => Object::new(),
    }
}

/// A multi-valued attribute's values, taken out for editing (a lone value reads as one).
pub(super) fn take_elements(container: &mut Object, name: &str) -> Vec<Value> {
    match take(container, name) {
        None => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
    }
}

/// Puts edited values back; none left means the attribute is unassigned.
pub(super) fn put_elements(container: &mut Object, name: &str, elements: Vec<Value>) {
    if !elements.is_empty() {
        container.insert(name.to_owned(), Value::Array(elements));
    }
}
