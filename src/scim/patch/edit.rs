//! Edits of complex and multi-valued values (RFC 7644 §3.5.2.1–§3.5.2.3): appending with
//! duplicates skipped, value-filtered writes that may create the selected value, removals,
//! merges of sub-attributes, and the RFC 7644 §3.5.2 `primary` rule.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::PatchOpKind;
use super::apply::AttrTarget;
use super::kind_of;
use super::values::{
    Object, elements_of, get, is_primary, is_unassigned, put, put_elements, same_element,
    same_value, take, take_elements,
};
use crate::scim::error::ScimError;
use crate::scim::filter::{CompareOp, Filter};
use crate::scim::schema::{Attribute, Mutability};

/// `add` (union) or `replace` (all values) on a multi-valued attribute without filter.
///
/// RFC 7644 §3.5.2.1: "If the target location already contains the value specified, no changes
/// SHOULD be made", so an element that duplicates an existing one (same `value`, and same
/// `type` when both have one; or equal as a whole when there is no `value`) is skipped: Okta
/// re-adds members it already pushed (docs/idps/okta.md §4 item 4). `replace` with `[]`
/// unassigns the attribute (§4 item 4, "including with `[]`").
pub(super) fn write_values(
    container: &mut Object,
    op: PatchOpKind,
    t: &AttrTarget<'_, '_>,
    value: &Value,
) {
    let name = t.attribute.name;
    let mut elements = match op {
        PatchOpKind::Add => take_elements(container, name),
        _ => {
            take(container, name);
            Vec::new()
        }
    };
    // Candidates for a duplicate share a bucket, so a union of thousands of members is linear.
    let mut buckets: HashMap<Option<String>, Vec<usize>> = HashMap::new();
    for (index, element) in elements.iter().enumerate() {
        buckets
            .entry(bucket(t.attribute, element))
            .or_default()
            .push(index);
    }
    let mut written = Vec::new();
    for element in elements_of(value) {
        let candidates = buckets.entry(bucket(t.attribute, &element)).or_default();
        if candidates.iter().any(|&index| {
            elements
                .get(index)
                .is_some_and(|existing| same_element(t.attribute, existing, &element))
        }) {
            continue;
        }
        candidates.push(elements.len());
        written.push(elements.len());
        elements.push(element);
    }
    demote_primaries(t.attribute, &mut elements, &written);
    put_elements(container, name, elements);
}

/// The bucket of a value for finding duplicates: its `value` string, lowercased unless
/// `caseExact`. Two values [`same_element`] calls duplicates always share a bucket: a string
/// `value` only equals a string, and equal strings share their (lowercased) key.
fn bucket(attribute: &Attribute, element: &Value) -> Option<String> {
    let definition = attribute.sub_attribute("value")?;
    let value = element
        .as_object()
        .and_then(|o| get(o, "value"))?
        .as_str()?;
    Some(if definition.case_exact {
        value.to_owned()
    } else {
        value.to_lowercase()
    })
}

/// `emails.value` without a filter: the sub-attribute of every value; with no values yet, a
/// new value holding just that sub-attribute (RFC 7644 §3.5.2.1: "If the target location
/// does not exist, the attribute and value are added").
pub(super) fn set_in_every_element(
    container: &mut Object,
    t: &AttrTarget<'_, '_>,
    sub: &Attribute,
    value: &Value,
) -> Result<(), ScimError> {
    let name = t.attribute.name;
    let mut elements = take_elements(container, name);
    let mut written = Vec::new();
    if elements.is_empty() {
        let mut element = Object::new();
        element.insert(sub.name.to_owned(), value.clone());
        elements.push(Value::Object(element));
        written.push(0);
    } else {
        for (index, element) in elements.iter_mut().enumerate() {
            if let Value::Object(element) = element {
                set_checked(element, sub, value.clone(), t)?;
                written.push(index);
            }
        }
    }
    demote_primaries(t.attribute, &mut elements, &written);
    put_elements(container, name, elements);
    Ok(())
}

/// `add` or `replace` at a value-filtered path (RFC 7644 §3.5.2.1, §3.5.2.3).
///
/// - With a sub-attribute (`emails[type eq "work"].value`), that sub-attribute of every
///   matching value is set.
/// - Without, `add` merges the value's sub-attributes into every matching value and `replace`
///   replaces every matching value by the given one ("all matching record values SHALL be
///   replaced").
///
/// When nothing matches and the filter is `eq` comparisons joined by `and`, a new value is
/// built from those equalities plus the operand: Entra sends `emails[type eq "work"].value` for
/// a user who has no work email yet and expects one to be created (docs/idps/entra.md §7.3;
/// RFC erratum 8097 is "Held"). Any other filter that matches nothing is `noTarget`, as
/// RFC 7644 §3.5.2.3 says.
pub(super) fn write_selected(
    container: &mut Object,
    op: PatchOpKind,
    t: &AttrTarget<'_, '_>,
    filter: &Filter,
    value: &Value,
) -> Result<(), ScimError> {
    let name = t.attribute.name;
    let mut elements = take_elements(container, name);
    let matched: Vec<usize> = (0..elements.len())
        .filter(|&index| {
            elements
                .get(index)
                .is_some_and(|e| filter.matches_element(e, t.attribute))
        })
        .collect();
    let values = match t.sub {
        None => complex_value(t, value)?,
        Some(_) => Object::new(),
    };
    let written = if matched.is_empty() {
        let mut created = element_from_equalities(filter, t.attribute).ok_or_else(|| {
            ScimError::no_target(format!(
                "`{}` matches no value, and only a filter of `eq` comparisons joined by `and` describes a value to create (RFC 7644 §3.5.2.3)",
                t.text
            ))
        })?;
        match t.sub {
            Some(sub) => put(&mut created, sub.name, value.clone()),
            None => merge_into(&mut created, PatchOpKind::Add, t, &values)?,
        }
        elements.push(Value::Object(created));
        vec![elements.len() - 1]
    } else {
        for &index in &matched {
            let Some(Value::Object(element)) = elements.get_mut(index) else {
                continue;
            };
            match (t.sub, op) {
                (Some(sub), _) => set_checked(element, sub, value.clone(), t)?,
                (None, PatchOpKind::Add) => merge_into(element, op, t, &values)?,
                (None, _) => {
                    let mut replacement = Object::new();
                    merge_into(&mut replacement, PatchOpKind::Add, t, &values)?;
                    for sub in &t.attribute.sub_attributes {
                        if sub.mutability != Mutability::Immutable {
                            continue;
                        }
                        if let Some(old) = get(element, sub.name).filter(|v| !is_unassigned(v))
                            && !get(&replacement, sub.name)
                                .is_some_and(|new| same_value(Some(sub), old, new))
                        {
                            return Err(
                                t.immutable_error(&format!("{}.{}", t.attribute.name, sub.name))
                            );
                        }
                    }
                    *element = replacement;
                }
            }
        }
        matched
    };
    demote_primaries(t.attribute, &mut elements, &written);
    put_elements(container, name, elements);
    Ok(())
}

/// A new value of `attribute` built from a filter made only of `eq` comparisons of
/// sub-attributes joined by `and` (`type eq "work"`, `type eq "work" and primary eq true`), or
/// `None` for any other filter or for contradictory equalities.
pub(super) fn element_from_equalities(filter: &Filter, attribute: &Attribute) -> Option<Object> {
    let mut created = Object::new();
    let mut pending = vec![filter];
    while let Some(filter) = pending.pop() {
        match filter {
            Filter::And(left, right) => {
                pending.push(right);
                pending.push(left);
            }
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
            } if !value.is_null() && path.urn.is_none() => {
                let name = match &path.sub {
                    None => &path.name,
                    Some(sub) if path.name.eq_ignore_ascii_case(attribute.name) => sub,
                    Some(_) => return None,
                };
                let sub = attribute.sub_attribute(name)?;
                match get(&created, sub.name) {
                    Some(existing) if !same_value(Some(sub), existing, value) => return None,
                    Some(_) => {}
                    None => {
                        created.insert(sub.name.to_owned(), value.clone());
                    }
                }
            }
            _ => return None,
        }
    }
    Some(created)
}

/// Removes the values `selected` picks, or with `sub`, that sub-attribute of them; values
/// left empty go too, and so does the attribute when no value remains (RFC 7644 §3.5.2.2).
/// Nothing selected is not an error: Okta and Entra remove members idempotently.
pub(super) fn remove_selected(
    container: &mut Object,
    t: &AttrTarget<'_, '_>,
    selected: impl Fn(&Value) -> bool,
    sub: Option<&Attribute>,
) -> Result<(), ScimError> {
    let name = t.attribute.name;
    let mut elements = take_elements(container, name);
    match sub {
        None => elements.retain(|element| !selected(element)),
        Some(sub) => {
            for element in &mut elements {
                if selected(element)
                    && let Value::Object(object) = element
                {
                    remove_checked(object, sub, t)?;
                }
            }
            elements.retain(|element| !element.as_object().is_some_and(Map::is_empty));
        }
    }
    put_elements(container, name, elements);
    Ok(())
}

/// Whether `element` is one of those a remove's `value` lists (docs/idps/entra.md §9): by its
/// `value` sub-attribute when the listed item has one, else by every sub-attribute the item
/// gives. An item with nothing assigned lists nothing, so `[{}]` never empties a group.
pub(super) fn is_listed(attribute: &Attribute, element: &Value, given: &Value) -> bool {
    let value_definition = attribute.sub_attribute("value");
    match given {
        Value::Object(given) => {
            let Value::Object(element) = element else {
                return false;
            };
            if let Some(wanted) = get(given, "value") {
                return get(element, "value")
                    .is_some_and(|have| same_value(value_definition, have, wanted));
            }
            let assigned: Vec<(&String, &Value)> =
                given.iter().filter(|(_, v)| !is_unassigned(v)).collect();
            !assigned.is_empty()
                && assigned.iter().all(|(key, wanted)| {
                    get(element, key)
                        .is_some_and(|have| same_value(attribute.sub_attribute(key), have, wanted))
                })
        }
        scalar => match element {
            Value::Object(element) => {
                get(element, "value").is_some_and(|have| same_value(value_definition, have, scalar))
            }
            other => same_value(Some(attribute), other, scalar),
        },
    }
}

/// Merges sub-attribute values into a complex value (`manager`, an `emails` element): known
/// sub-attributes under their definition's spelling, unknown ones as sent (the caller's
/// normalisation drops them). A `null` unassigns under `replace` and is ignored under `add`.
pub(super) fn merge_into(
    object: &mut Object,
    op: PatchOpKind,
    t: &AttrTarget<'_, '_>,
    values: &Object,
) -> Result<(), ScimError> {
    for (key, value) in values {
        let sub = t.attribute.sub_attribute(key);
        match (sub, value.is_null()) {
            (Some(sub), true) if op == PatchOpKind::Replace => remove_checked(object, sub, t)?,
            (None, true) if op == PatchOpKind::Replace => {
                take(object, key);
            }
            (_, true) => {}
            (Some(sub), false) => set_checked(object, sub, value.clone(), t)?,
            (None, false) => put(object, key, value.clone()),
        }
    }
    Ok(())
}

/// The sub-attributes a complex attribute's operand gives. Besides an object, this accepts a
/// bare value for an attribute with a `value` sub-attribute, as Entra sends its manager
/// (`"value":"<id>"`, docs/idps/entra.md §7.4), and a one-element array around either, as
/// Entra's older manager documentation shows (§7.4). Anything else is `invalidValue`.
pub(super) fn complex_value(t: &AttrTarget<'_, '_>, value: &Value) -> Result<Object, ScimError> {
    let single = match value.as_array().map(Vec::as_slice) {
        Some([only]) => only,
        _ => value,
    };
    match single {
        Value::Object(values) => Ok(values.clone()),
        Value::String(_) | Value::Number(_) | Value::Bool(_)
            if t.attribute.sub_attribute("value").is_some() =>
        {
            let mut values = Object::new();
            values.insert("value".to_owned(), single.clone());
            Ok(values)
        }
        _ => Err(ScimError::invalid_value(format!(
            "`{}` is complex: its value must be an object of sub-attributes, not {}",
            t.text,
            kind_of(value)
        ))),
    }
}

/// Sets a sub-attribute, refusing to change an immutable one that has a value.
pub(super) fn set_checked(
    object: &mut Object,
    sub: &Attribute,
    value: Value,
    t: &AttrTarget<'_, '_>,
) -> Result<(), ScimError> {
    if sub.mutability == Mutability::Immutable
        && let Some(old) = get(object, sub.name).filter(|v| !is_unassigned(v))
        && !same_value(Some(sub), old, &value)
    {
        return Err(t.immutable_error(&format!("{}.{}", t.attribute.name, sub.name)));
    }
    put(object, sub.name, value);
    Ok(())
}

/// Removes a sub-attribute, refusing to remove an immutable one that has a value.
pub(super) fn remove_checked(
    object: &mut Object,
    sub: &Attribute,
    t: &AttrTarget<'_, '_>,
) -> Result<(), ScimError> {
    if sub.mutability == Mutability::Immutable
        && get(object, sub.name).is_some_and(|v| !is_unassigned(v))
    {
        return Err(t.immutable_error(&format!("{}.{}", t.attribute.name, sub.name)));
    }
    take(object, sub.name);
    Ok(())
}

/// RFC 7644 §3.5.2: "a PATCH operation that sets a value's "primary" sub-attribute to "true"
/// SHALL cause the server to automatically set "primary" to "false" for any other values".
/// `written` are the indices this operation wrote.
pub(super) fn demote_primaries(attribute: &Attribute, elements: &mut [Value], written: &[usize]) {
    if attribute.sub_attribute("primary").is_none()
        || !written
            .iter()
            .any(|&index| elements.get(index).is_some_and(is_primary))
    {
        return;
    }
    let mut was_written = vec![false; elements.len()];
    for &index in written {
        if let Some(flag) = was_written.get_mut(index) {
            *flag = true;
        }
    }
    for (element, was_written) in elements.iter_mut().zip(was_written) {
        if !was_written
            && is_primary(element)
            && let Value::Object(element) = element
        {
            put(element, "primary", Value::Bool(false));
        }
    }
}
