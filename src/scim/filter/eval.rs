//! Checking filters against the schema, and evaluating them over resources (RFC 7644 §3.4.2.2).
//!
//! Both are driven by the attribute definitions: a path resolves through
//! [`ResourceType::resolve`] (or, inside a value path, to a sub-attribute of the bracketed
//! attribute), and the definition decides how two values compare. The RFC's rules, as applied
//! here:
//!
//! - a multi-valued attribute matches if any of its values matches;
//! - a complex attribute compared without a sub-attribute compares its `value` sub-attribute
//!   (`emails co "@example.com"`);
//! - strings honour `caseExact` (case-insensitive means Unicode lowercase on both sides);
//!   `dateTime`s compare as instants, numbers as numbers, booleans as booleans;
//! - `ne` is the negation of `eq`, so an absent attribute matches `ne`; `eq null` is `not pr`;
//! - `pr` means present and not empty: not `null`, `""`, `[]` or `{}`.
//!
//! [`Filter::check`] rejects what can never be meaningful (unknown attributes, `gt` on a
//! boolean, `co` on a number, a number against a string attribute) as RFC 7644 §3.12
//! `invalidFilter` ("the specified attribute and filter comparison combination is not
//! supported"). [`Filter::matches`] never fails: whatever `check` would reject evaluates false.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::{CompareOp, Filter, FilterError};
use crate::scim::path::AttrPath;
use crate::scim::schema::{AttrType, Attribute, Resolved, ResourceType, Returned, Schema};

impl Filter {
    /// Checks the filter against `resource_type`: every path must name an attribute, and every
    /// comparison must suit the attribute's type (RFC 7644 §3.4.2.2; failures are RFC 7644
    /// §3.12 `invalidFilter`). Value paths (`emails[type eq "work"]`) must bracket a complex
    /// attribute, and their inner paths name its sub-attributes.
    ///
    /// The errors carry offset 0: they are about the meaning of the whole filter, not a spot
    /// in its text.
    pub fn check(&self, resource_type: &ResourceType) -> Result<(), FilterError> {
        self.check_in(Scope::Resource(resource_type))
    }

    /// [`Filter::check`] for a filter inside a value path: its paths name sub-attributes of
    /// `parent` (the `value` of `members[value eq "…"]`, the `type` of `emails[type eq "work"]`).
    pub fn check_element(&self, parent: &Attribute) -> Result<(), FilterError> {
        self.check_in(Scope::Element(parent))
    }

    /// Whether `resource` (a JSON object in the resource type's canonical form: core
    /// attributes at the top level, extension attributes under their schema URN) matches.
    /// Keys are looked up exactly, then case-insensitively. A path that does not resolve,
    /// or a comparison [`Filter::check`] would reject, is false.
    pub fn matches(&self, resource: &Value, resource_type: &ResourceType) -> bool {
        self.eval(Scope::Resource(resource_type), resource)
    }

    /// Whether one element of the multi-valued complex attribute `parent` matches a filter
    /// whose paths name `parent`'s sub-attributes. Used for value paths, including PATCH's
    /// `members[value eq "…"]` (RFC 7644 §3.5.2).
    pub fn matches_element(&self, element: &Value, parent: &Attribute) -> bool {
        self.eval(Scope::Element(parent), element)
    }

    /// An `attr eq "string"` comparison that every matching resource satisfies: the filter
    /// itself, or a conjunct of its top-level `and` chain. A store can answer such a filter
    /// from an index on `attr` and evaluate the whole filter only on the candidates.
    ///
    /// The string is as written; comparing it is the caller's business, which must honour
    /// the attribute's `caseExact` (`userName` is case-insensitive, `id` is not).
    pub fn required_equality(&self) -> Option<(&AttrPath, &str)> {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: Value::String(value),
            } => Some((path, value)),
            Filter::And(left, right) => left.required_equality().or_else(|| right.required_equality()),
            _ => None,
        }
    }

    fn check_in(&self, scope: Scope<'_>) -> Result<(), FilterError> {
        match self {
            Filter::And(left, right) | Filter::Or(left, right) => {
                left.check_in(scope)?;
                right.check_in(scope)
            }
            Filter::Not(inner) => inner.check_in(scope),
            Filter::Present(path) => scope.resolve_checked(path).map(drop),
            Filter::Compare { path, op, value } => match scope.resolve_checked(path)? {
                Target::Extension(schema) => Err(invalid(format!(
                    "`{path}` names the whole extension `{}`; only `pr` applies to it",
                    schema.id
                ))),
                Target::Attribute { attribute, sub, .. } => {
                    check_comparison(path, sub.unwrap_or(attribute), *op, value)
                }
            },
            Filter::ValuePath { path, filter } => {
                if let Scope::Element(_) = scope {
                    return Err(invalid("value paths cannot be nested"));
                }
                match scope.resolve_checked(path)? {
                    Target::Attribute { attribute, sub, .. } => {
                        let bracketed = sub.unwrap_or(attribute);
                        if bracketed.ty != AttrType::Complex {
                            return Err(invalid(format!(
                                "`{path}[…]` needs a multi-valued complex attribute, but `{path}` is a {}",
                                type_name(bracketed.ty)
                            )));
                        }
                        filter.check_in(Scope::Element(bracketed))
                    }
                    Target::Extension(_) => Err(invalid(format!(
                        "`{path}[…]` needs a multi-valued complex attribute, but `{path}` is an extension"
                    ))),
                }
            }
        }
    }

    fn eval(&self, scope: Scope<'_>, root: &Value) -> bool {
        match self {
            Filter::And(left, right) => left.eval(scope, root) && right.eval(scope, root),
            Filter::Or(left, right) => left.eval(scope, root) || right.eval(scope, root),
            Filter::Not(inner) => !inner.eval(scope, root),
            Filter::Present(path) => match scope.resolve_readable(path) {
                None => false,
                Some(Target::Extension(schema)) => lookup(root, schema.id).is_some_and(is_present),
                Some(Target::Attribute {
                    extension,
                    attribute,
                    sub,
                }) => select(root, extension, attribute, sub).into_iter().any(is_present),
            },
            Filter::Compare { path, op, value } => compare(scope, root, path, *op, value),
            Filter::ValuePath { path, filter } => {
                if let Scope::Element(_) = scope {
                    return false;
                }
                let Some(Target::Attribute {
                    extension,
                    attribute,
                    sub,
                }) = scope.resolve_readable(path)
                else {
                    return false;
                };
                let bracketed = sub.unwrap_or(attribute);
                select(root, extension, attribute, sub)
                    .into_iter()
                    .any(|element| filter.eval(Scope::Element(bracketed), element))
            }
        }
    }
}

fn invalid(reason: impl Into<String>) -> FilterError {
    FilterError {
        offset: 0,
        reason: reason.into(),
    }
}

/// RFC 7643 §2.3 type names, for messages.
fn type_name(ty: AttrType) -> &'static str {
    match ty {
        AttrType::String => "string",
        AttrType::Boolean => "boolean",
        AttrType::Decimal => "decimal",
        AttrType::Integer => "integer",
        AttrType::DateTime => "dateTime",
        AttrType::Binary => "binary",
        AttrType::Reference => "reference",
        AttrType::Complex => "complex",
    }
}

/// What a filter's paths are relative to.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// A resource: core, common (`id`, `externalId`, `meta`) and extension attributes.
    Resource(&'a ResourceType),
    /// One element of a complex attribute, inside `attr[…]`: paths are bare sub-attribute names.
    Element(&'a Attribute),
}

/// What a path names.
enum Target<'a> {
    /// A whole extension (`urn:…:enterprise:2.0:User pr`).
    Extension(&'static Schema),
    /// An attribute, held under `extension`'s URN or at the top level of the scope's JSON.
    Attribute {
        extension: Option<&'static str>,
        attribute: &'a Attribute,
        sub: Option<&'a Attribute>,
    },
}

impl<'a> Scope<'a> {
    fn resolve(self, path: &AttrPath) -> Option<Target<'a>> {
        match self {
            Scope::Resource(resource_type) => Some(match resource_type.resolve(path)? {
                Resolved::Extension(schema) => Target::Extension(schema),
                Resolved::Attribute {
                    extension,
                    attribute,
                    sub_attribute,
                } => Target::Attribute {
                    extension,
                    attribute,
                    sub: sub_attribute,
                },
            }),
            Scope::Element(parent) => {
                if path.urn.is_some() || path.sub.is_some() {
                    return None;
                }
                Some(Target::Attribute {
                    extension: None,
                    attribute: parent.sub_attribute(&path.name)?,
                    sub: None,
                })
            }
        }
    }

    /// [`Scope::resolve`], leaving out `returned: never` attributes (`password`): a filter on
    /// them would let a client probe values the server never discloses.
    fn resolve_readable(self, path: &AttrPath) -> Option<Target<'a>> {
        self.resolve(path).filter(|target| !never_returned(target))
    }

    fn resolve_checked(self, path: &AttrPath) -> Result<Target<'a>, FilterError> {
        let Some(target) = self.resolve(path) else {
            return Err(invalid(match self {
                Scope::Resource(_) => format!("unknown attribute `{path}`"),
                Scope::Element(parent) => {
                    format!("`{path}` is not a sub-attribute of `{}`", parent.name)
                }
            }));
        };
        if never_returned(&target) {
            return Err(invalid(format!(
                "`{path}` is never returned, so it cannot be filtered on"
            )));
        }
        Ok(target)
    }
}

fn never_returned(target: &Target<'_>) -> bool {
    match target {
        Target::Extension(_) => false,
        Target::Attribute { attribute, sub, .. } => {
            attribute.returned == Returned::Never || sub.is_some_and(|sub| sub.returned == Returned::Never)
        }
    }
}

/// Whether `op value` is a supported comparison for the attribute `attribute` (RFC 7644
/// §3.4.2.2: "by type"; RFC 7644 §3.12 `invalidFilter` otherwise).
fn check_comparison(
    path: &AttrPath,
    attribute: &Attribute,
    op: CompareOp,
    value: &Value,
) -> Result<(), FilterError> {
    if value.is_null() {
        return match op {
            CompareOp::Eq | CompareOp::Ne => Ok(()),
            _ => Err(invalid(format!(
                "`{}` cannot compare with null; use `pr` to test for a value",
                op.as_str()
            ))),
        };
    }
    let attribute = match compared_attribute(attribute) {
        Some(compared) => compared,
        None => {
            return Err(invalid(format!(
                "`{path}` is complex; compare one of its sub-attributes, such as `{path}.{}`",
                attribute.sub_attributes.first().map_or("value", |sub| sub.name)
            )));
        }
    };
    let ordering = matches!(op, CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le);
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    let (op_supported, value_fits, wanted) = match attribute.ty {
        AttrType::String | AttrType::Reference => (true, value.is_string(), "a string"),
        AttrType::Binary => (!ordering && !substring, value.is_string(), "a string"),
        AttrType::Boolean => (!ordering && !substring, as_bool(value).is_some(), "true or false"),
        AttrType::Integer | AttrType::Decimal => (!substring, value.is_number(), "a number"),
        AttrType::DateTime => (!substring, value.is_string(), "a dateTime string"),
        AttrType::Complex => (false, false, "a sub-attribute"),
    };
    if !op_supported {
        return Err(invalid(format!(
            "`{}` is not supported on `{path}`, a {} attribute",
            op.as_str(),
            type_name(attribute.ty)
        )));
    }
    if !value_fits {
        return Err(invalid(format!(
            "`{path}` is a {} attribute; compare it with {wanted}, not `{value}`",
            type_name(attribute.ty)
        )));
    }
    Ok(())
}

/// The attribute a comparison applies to: the attribute itself, or for a complex attribute
/// its `value` sub-attribute (RFC 7644 §3.4.2.2: `emails co "@example.com"`).
fn compared_attribute(attribute: &Attribute) -> Option<&Attribute> {
    if attribute.ty == AttrType::Complex {
        attribute.sub_attribute("value")
    } else {
        Some(attribute)
    }
}

fn compare(scope: Scope<'_>, root: &Value, path: &AttrPath, op: CompareOp, expected: &Value) -> bool {
    let Some(Target::Attribute {
        extension,
        attribute,
        sub,
    }) = scope.resolve_readable(path)
    else {
        return false;
    };
    if expected.is_null() {
        // `eq null` asks whether the attribute is unassigned, which is what `not pr` asks.
        let present = select(root, extension, attribute, sub).into_iter().any(is_present);
        return match op {
            CompareOp::Eq => !present,
            CompareOp::Ne => present,
            _ => false,
        };
    }
    let (compared, values) = match sub {
        Some(sub) => (sub, select(root, extension, attribute, Some(sub))),
        None => {
            let Some(compared) = compared_attribute(attribute) else {
                return false;
            };
            let sub = (attribute.ty == AttrType::Complex).then_some(compared);
            (compared, select(root, extension, attribute, sub))
        }
    };
    let any = |op| values.iter().any(|actual| compare_value(compared, op, actual, expected));
    match op {
        // `ne` is "not equal": true when no value equals, including when there is none.
        CompareOp::Ne => !any(CompareOp::Eq),
        op => any(op),
    }
}

/// The values a path selects from `root`: the attribute's values (each element of a
/// multi-valued one) or, with `sub`, that sub-attribute's values in each of them.
fn select<'v>(
    root: &'v Value,
    extension: Option<&str>,
    attribute: &Attribute,
    sub: Option<&Attribute>,
) -> Vec<&'v Value> {
    let container = match extension {
        Some(urn) => lookup(root, urn),
        None => Some(root),
    };
    let Some(value) = container.and_then(|container| lookup(container, attribute.name)) else {
        return Vec::new();
    };
    match sub {
        None => elements(value).iter().collect(),
        Some(sub) => elements(value)
            .iter()
            .filter_map(|element| lookup(element, sub.name))
            .flat_map(elements)
            .collect(),
    }
}

/// The elements of an array, or the value itself.
fn elements(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    }
}

/// A member of an object by key: exactly, then ASCII case-insensitively (attribute names and
/// schema URNs are ASCII and case-insensitive, RFC 7643 §2.1).
fn lookup<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    let object = value.as_object()?;
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|(_, value)| value)
    })
}

/// RFC 7644 §3.4.2.2 `pr`: "has a value", where null, `""`, `[]` and `{}` (or an object whose
/// members are all unassigned) are not values (RFC 7643 §2.5).
fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(members) => members.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// A boolean, or the strings `"true"`/`"false"` in any case (Entra sends `"True"`).
fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Compares one stored value with the filter's value by the attribute's type. `ne` is
/// handled by the caller as the negation of `eq` over all values.
fn compare_value(attribute: &Attribute, op: CompareOp, actual: &Value, expected: &Value) -> bool {
    match attribute.ty {
        AttrType::String | AttrType::Reference => match (actual, expected) {
            (Value::String(actual), Value::String(expected)) => {
                compare_strings(op, actual, expected, attribute.case_exact)
            }
            _ => false,
        },
        // RFC 7643 §2.3.6: binary values are case-exact, whatever the definition says.
        AttrType::Binary => match (actual, expected) {
            (Value::String(actual), Value::String(expected)) => compare_strings(op, actual, expected, true),
            _ => false,
        },
        AttrType::Boolean => match (as_bool(actual), as_bool(expected)) {
            (Some(actual), Some(expected)) => op == CompareOp::Eq && actual == expected,
            _ => false,
        },
        AttrType::Integer | AttrType::Decimal => match (actual, expected) {
            (Value::Number(actual), Value::Number(expected)) => {
                compare_numbers(actual, expected).is_some_and(|ordering| holds(op, ordering))
            }
            _ => false,
        },
        AttrType::DateTime => match (actual, expected) {
            (Value::String(actual), Value::String(expected)) => {
                compare_date_times(op, actual, expected, attribute.case_exact)
            }
            _ => false,
        },
        AttrType::Complex => false,
    }
}

/// Whether `op` accepts `ordering` (actual compared with expected). Substring operators never
/// do: they only apply to strings.
fn holds(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_strings(op: CompareOp, actual: &str, expected: &str, case_exact: bool) -> bool {
    let (actual, expected): (Cow<'_, str>, Cow<'_, str>) = if case_exact {
        (actual.into(), expected.into())
    } else {
        (actual.to_lowercase().into(), expected.to_lowercase().into())
    };
    match op {
        CompareOp::Co => actual.contains(&*expected),
        CompareOp::Sw => actual.starts_with(&*expected),
        CompareOp::Ew => actual.ends_with(&*expected),
        op => holds(op, actual.cmp(&expected)),
    }
}

/// Integers exactly when both fit one integer type, otherwise as `f64`.
fn compare_numbers(actual: &Number, expected: &Number) -> Option<Ordering> {
    if let (Some(a), Some(e)) = (actual.as_i64(), expected.as_i64()) {
        return Some(a.cmp(&e));
    }
    if let (Some(a), Some(e)) = (actual.as_u64(), expected.as_u64()) {
        return Some(a.cmp(&e));
    }
    actual.as_f64()?.partial_cmp(&expected.as_f64()?)
}

/// `dateTime`s (RFC 7643 §2.3.5, an `xsd:dateTime` with offset) compare as instants, so
/// `2011-05-13T06:42:34+02:00` equals `2011-05-13T04:42:34Z`. When either side is not a valid
/// RFC 3339 timestamp, they compare as strings.
fn compare_date_times(op: CompareOp, actual: &str, expected: &str, case_exact: bool) -> bool {
    let ordering_op = !matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    match (actual.parse::<jiff::Timestamp>(), expected.parse::<jiff::Timestamp>()) {
        (Ok(actual), Ok(expected)) if ordering_op => holds(op, actual.cmp(&expected)),
        _ => compare_strings(op, actual, expected, case_exact),
    }
}
