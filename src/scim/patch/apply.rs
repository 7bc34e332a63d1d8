//! Applying PATCH operations (RFC 7644 §3.5.2.1–§3.5.2.3) to a resource's JSON.
//!
//! The resource is a JSON object in its type's canonical layout: core and common attributes at
//! the top level, extension attributes in an object under the extension's URN. Every write uses
//! the definition's spelling of a key and first removes any differently cased spelling, so a
//! path `USERNAME` replaces the `userName` key rather than adding a second one. `null`, `[]`
//! and `{}` count as unassigned (RFC 7643 §2.5), and an attribute whose last value goes away
//! is removed rather than left as `[]` (RFC 7644 §3.5.2.2: it "SHALL be considered
//! unassigned").
//!
//! Mutability (RFC 7644 §3.5.2, RFC 7643 §7) is enforced on what an operation *names*: the
//! attribute and sub-attribute of a path, or the keys of a path-less value. The contents of a
//! value (the `display` of a new member, the `displayName` of a manager) pass through: RFC 7643
//! §7 says readOnly input "SHALL be ignored", and the caller's normalisation drops it. Immutable
//! values are the exception: an immutable attribute or sub-attribute that already has a value
//! may not change by any route (`members[value eq "a"].value` cannot become `"b"`).

use serde_json::{Value, json};

use super::edit::{
    complex_value, is_listed, merge_into, remove_checked, remove_selected, set_checked,
    set_in_every_element, write_selected, write_values,
};
use super::values::{
    Object, container_existing, container_mut, elements_of, get, get_mut, is_unassigned, put,
    put_elements, same_value, take, take_elements, take_object,
};
use super::{PatchOpKind, PatchOperation, PatchPath, kind_of};
use crate::scim::error::ScimError;
use crate::scim::filter::Filter;
use crate::scim::schema::{AttrType, Attribute, Mutability, Resolved, ResourceType, Schema};

/// Applies operations to one working copy, remembering which extensions it touched so that
/// [`Applier::finish`] can keep `schemas` in step with them.
pub(super) struct Applier<'t> {
    resource_type: &'t ResourceType,
    touched: Vec<&'static str>,
}

/// What a path names.
enum Target<'t, 'p> {
    /// A whole extension (`urn:…:enterprise:2.0:User`), treated like a complex attribute.
    Extension(&'static Schema),
    Attribute(AttrTarget<'t, 'p>),
}

/// An attribute target: the attribute, where it lives, and how the path narrows it.
pub(super) struct AttrTarget<'t, 'p> {
    /// The path as written, for error details.
    pub(super) text: String,
    /// The URN of the extension holding the attribute; `None` for core and common attributes.
    pub(super) extension: Option<&'static str>,
    pub(super) attribute: &'t Attribute,
    pub(super) filter: Option<&'p Filter>,
    /// The sub-attribute, from `name.givenName` or from `emails[…].value`.
    pub(super) sub: Option<&'t Attribute>,
}

impl AttrTarget<'_, '_> {
    /// The definition of what the path ends at.
    fn defined(&self) -> &Attribute {
        self.sub.unwrap_or(self.attribute)
    }

    fn is_read_only(&self) -> bool {
        self.attribute.mutability == Mutability::ReadOnly
            || self
                .sub
                .is_some_and(|sub| sub.mutability == Mutability::ReadOnly)
    }

    /// RFC 7644 §3.5.2: "a client MUST NOT modify an attribute that has mutability
    /// "readOnly""; RFC 7644 §3.5.2.2 says the same of removing one.
    fn check_writable(&self) -> Result<(), ScimError> {
        for defined in [Some(self.attribute), self.sub].into_iter().flatten() {
            if defined.mutability == Mutability::ReadOnly {
                return Err(ScimError::mutability(format!(
                    "`{}` targets `{}`, which is readOnly (RFC 7643 §7)",
                    self.text, defined.name
                )));
            }
        }
        Ok(())
    }

    pub(super) fn immutable_error(&self, name: &str) -> ScimError {
        ScimError::mutability(format!(
            "`{}` would change `{name}`, which is immutable and already has a value (RFC 7643 §7)",
            self.text
        ))
    }
}

impl<'t> Applier<'t> {
    pub(super) fn new(resource_type: &'t ResourceType) -> Self {
        Applier {
            resource_type,
            touched: Vec::new(),
        }
    }

    /// Applies one (validated) operation to `root`.
    pub(super) fn apply(
        &mut self,
        root: &mut Object,
        operation: &PatchOperation,
    ) -> Result<(), ScimError> {
        let Some(path) = &operation.path else {
            return match &operation.value {
                Some(Value::Object(values)) => self.apply_object(root, operation.op, None, values),
                _ => Err(ScimError::invalid_value(
                    "a PATCH without `path` needs an object `value`",
                )),
            };
        };
        let target = self.resolve(path)?;
        match (operation.op, &operation.value) {
            (PatchOpKind::Remove, listed) => {
                self.remove(root, &target, listed.as_ref().filter(|v| !v.is_null()))
            }
            // `replace` with `null` unassigns (RFC 7643 §2.5: null is "unassigned").
            (PatchOpKind::Replace, None | Some(Value::Null)) => self.remove(root, &target, None),
            (PatchOpKind::Add, None | Some(Value::Null)) => {
                Err(ScimError::invalid_value("`add` needs a value"))
            }
            (op, Some(value)) => self.write(root, op, &target, value),
        }
    }

    /// Keeps `schemas` in step with the extensions this request touched (RFC 7644 §3.5.2:
    /// adding `urn:…:User:employeeNumber` "automatically adds" the URN to `schemas`): an
    /// extension with values is listed, an emptied one is removed with its URN.
    pub(super) fn finish(&self, root: &mut Object) {
        for &urn in &self.touched {
            let assigned = get(root, urn).is_some_and(|value| match value {
                Value::Object(fields) => fields.values().any(|v| !is_unassigned(v)),
                other => !is_unassigned(other),
            });
            if !assigned {
                take(root, urn);
            }
            match get_mut(root, "schemas") {
                Some(Value::Array(schemas)) => {
                    let listed =
                        |s: &Value| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn));
                    if !assigned {
                        schemas.retain(|s| !listed(s));
                    } else if !schemas.iter().any(listed) {
                        schemas.push(Value::String(urn.to_owned()));
                    }
                }
                // Not an array: the caller's normalisation reports that.
                Some(_) => {}
                None if assigned => {
                    root.insert(
                        "schemas".to_owned(),
                        json!([self.resource_type.schema.id, urn]),
                    );
                }
                None => {}
            }
        }
    }

    fn touch(&mut self, urn: &'static str) {
        if !self.touched.contains(&urn) {
            self.touched.push(urn);
        }
    }

    /// Resolves a path against the resource type. Anything that does not name an attribute,
    /// or a filter that does not fit the attribute, is `invalidPath`.
    fn resolve<'p>(&self, path: &'p PatchPath) -> Result<Target<'t, 'p>, ScimError> {
        let text = path.to_string();
        let Some(resolved) = self.resource_type.resolve(&path.attr) else {
            return Err(ScimError::invalid_path(format!(
                "`{text}` does not name an attribute of the {} resource type",
                self.resource_type.name
            )));
        };
        match resolved {
            Resolved::Extension(schema) => {
                if path.filter.is_some() || path.sub_attr.is_some() {
                    return Err(ScimError::invalid_path(format!(
                        "`{text}` names the whole extension `{}`, which takes no value filter or sub-attribute",
                        schema.id
                    )));
                }
                Ok(Target::Extension(schema))
            }
            Resolved::Attribute {
                extension,
                attribute,
                sub_attribute,
            } => {
                if let Some(filter) = &path.filter {
                    if !attribute.multi_valued {
                        return Err(ScimError::invalid_path(format!(
                            "`{text}`: a value filter selects values of a multi-valued attribute, and `{}` is single-valued",
                            attribute.name
                        )));
                    }
                    filter
                        .check_element(attribute)
                        .map_err(|e| ScimError::invalid_path(format!("`{text}`: {}", e.reason)))?;
                }
                let sub = match (&path.sub_attr, sub_attribute) {
                    (None, sub) => sub,
                    (Some(_), Some(_)) => {
                        return Err(ScimError::invalid_path(format!(
                            "`{text}` names two sub-attributes"
                        )));
                    }
                    (Some(name), None) => Some(attribute.sub_attribute(name).ok_or_else(|| {
                        ScimError::invalid_path(format!(
                            "`{text}`: `{}` has no sub-attribute `{name}`",
                            attribute.name
                        ))
                    })?),
                };
                Ok(Target::Attribute(AttrTarget {
                    text,
                    extension,
                    attribute,
                    filter: path.filter.as_ref(),
                    sub,
                }))
            }
        }
    }

    /// A path-less `add` or `replace` (RFC 7644 §3.5.2.1, §3.5.2.3: "the target location is
    /// assumed to be the resource itself"), or the object value of a whole extension.
    ///
    /// Each key is itself a path: `displayName`, `name.givenName` and
    /// `urn:…:enterprise:2.0:User:employeeNumber` as Entra sends them
    /// (docs/idps/entra.md §7.2), or an extension URN whose value is an object of its
    /// attributes. `schemas` is ignored (it follows from the attributes), and a readOnly
    /// attribute whose value equals the current one is skipped: Okta echoes the group's `id`
    /// in its rename (docs/idps/okta.md §3.6.4, §4 item 2). A readOnly attribute with a different
    /// value is `mutability`. A `null` value unassigns under `replace` and is ignored under
    /// `add`.
    fn apply_object(
        &mut self,
        root: &mut Object,
        op: PatchOpKind,
        within: Option<&'static Schema>,
        values: &Object,
    ) -> Result<(), ScimError> {
        for (key, value) in values {
            // Clients that serialise a model send `schemas` inside an extension's value too
            // (scim2-tester does).
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            if within.is_none() && key.eq_ignore_ascii_case(self.resource_type.schema.id) {
                let Value::Object(inner) = value else {
                    return Err(ScimError::invalid_value(format!(
                        "`{key}` names the core schema; its value must be an object of attributes, not {}",
                        kind_of(value)
                    )));
                };
                self.apply_object(root, op, None, inner)?;
                continue;
            }
            let text = match within {
                Some(schema) => format!("{}:{key}", schema.id),
                None => key.clone(),
            };
            let path = PatchPath::parse(&text)?;
            let target = self.resolve(&path)?;
            if let Target::Attribute(t) = &target
                && t.is_read_only()
            {
                if t.filter.is_none() && unchanged(root, t, value) {
                    continue;
                }
                t.check_writable()?;
            }
            if value.is_null() {
                if op == PatchOpKind::Replace {
                    self.remove(root, &target, None)?;
                }
                continue;
            }
            self.write(root, op, &target, value)?;
        }
        Ok(())
    }

    /// `add` or `replace` of `value` at `target`.
    fn write(
        &mut self,
        root: &mut Object,
        op: PatchOpKind,
        target: &Target<'_, '_>,
        value: &Value,
    ) -> Result<(), ScimError> {
        let t = match target {
            Target::Extension(schema) => {
                let Value::Object(values) = value else {
                    return Err(ScimError::invalid_value(format!(
                        "`{}` names the whole extension; its value must be an object of its attributes, not {}",
                        schema.id,
                        kind_of(value)
                    )));
                };
                self.touch(schema.id);
                return self.apply_object(root, op, Some(schema), values);
            }
            Target::Attribute(t) => t,
        };
        t.check_writable()?;
        if let Some(urn) = t.extension {
            self.touch(urn);
        }
        let container = container_mut(root, t.extension)?;
        guarded(t, container, |container| {
            match (t.filter, t.attribute.multi_valued, t.sub) {
                (Some(filter), _, _) => write_selected(container, op, t, filter, value),
                (None, true, None) => {
                    write_values(container, op, t, value);
                    Ok(())
                }
                (None, true, Some(sub)) => set_in_every_element(container, t, sub, value),
                (None, false, Some(sub)) => {
                    let mut object = take_object(container, t.attribute.name);
                    set_checked(&mut object, sub, value.clone(), t)?;
                    container.insert(t.attribute.name.to_owned(), Value::Object(object));
                    Ok(())
                }
                (None, false, None) if t.attribute.ty == AttrType::Complex => {
                    // RFC 7644 §3.5.2.3: "Sub-attributes that are not specified in the "value"
                    // parameter are left unchanged" (and §3.5.2.1 likewise for add).
                    let values = complex_value(t, value)?;
                    let mut object = take_object(container, t.attribute.name);
                    merge_into(&mut object, op, t, &values)?;
                    if !object.is_empty() {
                        container.insert(t.attribute.name.to_owned(), Value::Object(object));
                    }
                    Ok(())
                }
                (None, false, None) => {
                    put(container, t.attribute.name, value.clone());
                    Ok(())
                }
            }
        })
    }

    /// `remove` at `target` (RFC 7644 §3.5.2.2), or `replace` with `null`.
    ///
    /// `listed` is the `value` of a remove, honoured on a multi-valued attribute without filter:
    /// Entra removes members with `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`
    /// and means only those members (docs/idps/entra.md §9). Elsewhere it is ignored.
    ///
    /// Removing, or leaving unassigned, a required attribute is `mutability`, as RFC 7644
    /// §3.5.2.2 says ("If an attribute is removed or becomes unassigned and is defined as a
    /// required attribute or a read-only attribute … "mutability"").
    fn remove(
        &mut self,
        root: &mut Object,
        target: &Target<'_, '_>,
        listed: Option<&Value>,
    ) -> Result<(), ScimError> {
        let t = match target {
            Target::Extension(schema) => return self.remove_extension(root, schema),
            Target::Attribute(t) => t,
        };
        t.check_writable()?;
        let required = |name: &str| {
            ScimError::mutability(format!(
                "`{name}` is required; `{}` would leave it unassigned (RFC 7644 §3.5.2.2)",
                t.text
            ))
        };
        if let Some(sub) = t.sub
            && sub.required
        {
            return Err(required(sub.name));
        }
        if let Some(urn) = t.extension {
            self.touch(urn);
        }
        if let Some(container) = container_existing(root, t.extension) {
            let name = t.attribute.name;
            guarded(t, container, |container| {
                match (t.filter, t.attribute.multi_valued, t.sub) {
                    (Some(filter), _, sub) => remove_selected(
                        container,
                        t,
                        |element| filter.matches_element(element, t.attribute),
                        sub,
                    ),
                    (None, true, None) => {
                        if let Some(listed) = listed {
                            let listed = elements_of(listed);
                            let mut elements = take_elements(container, name);
                            elements.retain(|element| {
                                !listed
                                    .iter()
                                    .any(|given| is_listed(t.attribute, element, given))
                            });
                            put_elements(container, name, elements);
                        } else {
                            take(container, name);
                        }
                        Ok(())
                    }
                    (None, true, Some(sub)) => remove_selected(container, t, |_| true, Some(sub)),
                    (None, false, Some(sub)) => {
                        if let Some(Value::Object(object)) = get_mut(container, name) {
                            remove_checked(object, sub, t)?;
                            if object.is_empty() {
                                take(container, name);
                            }
                        }
                        Ok(())
                    }
                    (None, false, None) => {
                        take(container, name);
                        Ok(())
                    }
                }
            })?;
        }
        if t.attribute.required && attribute_value(root, t).is_none() {
            return Err(required(t.attribute.name));
        }
        Ok(())
    }

    /// Removes a whole extension, unless the resource type requires it or it holds a required
    /// or an assigned immutable attribute.
    fn remove_extension(
        &mut self,
        root: &mut Object,
        schema: &'static Schema,
    ) -> Result<(), ScimError> {
        let refuse = |why: String| {
            ScimError::mutability(format!(
                "the extension `{}` cannot be removed: {why}",
                schema.id
            ))
        };
        if self
            .resource_type
            .extensions
            .iter()
            .any(|(extension, required)| *required && extension.id == schema.id)
        {
            return Err(refuse(format!(
                "the {} resource type requires it",
                self.resource_type.name
            )));
        }
        if let Some(attribute) = schema.attributes.iter().find(|a| a.required) {
            return Err(refuse(format!("`{}` is required", attribute.name)));
        }
        let current = get(root, schema.id).and_then(Value::as_object);
        if let Some(attribute) = schema.attributes.iter().find(|a| {
            a.mutability == Mutability::Immutable
                && current
                    .and_then(|c| get(c, a.name))
                    .is_some_and(|v| !is_unassigned(v))
        }) {
            return Err(refuse(format!(
                "`{}` is immutable and has a value",
                attribute.name
            )));
        }
        self.touch(schema.id);
        take(root, schema.id);
        Ok(())
    }
}

/// Runs `change` on `container`, refusing it if it alters an immutable attribute that had a
/// value (RFC 7644 §3.5.2: a client "MAY "add" a value to an "immutable" attribute if the
/// attribute had no previous value", and may not otherwise modify it).
fn guarded(
    t: &AttrTarget<'_, '_>,
    container: &mut Object,
    change: impl FnOnce(&mut Object) -> Result<(), ScimError>,
) -> Result<(), ScimError> {
    if t.attribute.mutability != Mutability::Immutable {
        return change(container);
    }
    let before = get(container, t.attribute.name)
        .filter(|v| !is_unassigned(v))
        .cloned();
    change(container)?;
    match before {
        Some(before)
            if !get(container, t.attribute.name)
                .is_some_and(|after| same_value(Some(t.attribute), &before, after)) =>
        {
            Err(t.immutable_error(t.attribute.name))
        }
        _ => Ok(()),
    }
}

/// For the path-less readOnly rule: whether `value` equals what the resource holds at `t`.
fn unchanged(root: &Object, t: &AttrTarget<'_, '_>, value: &Value) -> bool {
    let current =
        attribute_value(root, t).and_then(|current| match (t.sub, t.attribute.multi_valued) {
            (None, _) => Some(current),
            (Some(sub), false) => current.as_object().and_then(|object| get(object, sub.name)),
            (Some(_), true) => None,
        });
    match current {
        None => is_unassigned(value),
        Some(current) => same_value(Some(t.defined()), current, value),
    }
}

/// The assigned value of `t`'s attribute (ignoring sub-attribute and filter).
fn attribute_value<'r>(root: &'r Object, t: &AttrTarget<'_, '_>) -> Option<&'r Value> {
    let container = match t.extension {
        None => root,
        Some(urn) => get(root, urn)?.as_object()?,
    };
    get(container, t.attribute.name).filter(|value| !is_unassigned(value))
}
