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
//! supported"). [`Filter::matches`] never fails: a path that names no attribute is false under
//! every operator, `ne` included, and a value of the wrong type equals nothing.

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
    /// Keys are looked up exactly, then case-insensitively. A path that does not resolve is
    /// false under every operator; run [`Filter::check`] first to report such filters.
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
            Filter::And(left, right) => left
                .required_equality()
                .or_else(|| right.required_equality()),
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
                                "`{path}[…]` needs a complex attribute, but `{path}` is {}",
                                a_type(bracketed.ty)
                            )));
                        }
                        filter.check_in(Scope::Element(bracketed))
                    }
                    Target::Extension(_) => Err(invalid(format!(
                        "`{path}[…]` needs a complex attribute, but `{path}` is an extension"
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
                }) => select(root, extension, attribute, sub)
                    .into_iter()
                    .any(is_present),
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

/// An RFC 7643 §2.3 type name with its article, for messages.
fn a_type(ty: AttrType) -> &'static str {
    match ty {
        AttrType::String => "a string",
        AttrType::Boolean => "a boolean",
        AttrType::Decimal => "a decimal",
        AttrType::Integer => "an integer",
        AttrType::DateTime => "a dateTime",
        AttrType::Binary => "a binary",
        AttrType::Reference => "a reference",
        AttrType::Complex => "a complex",
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
            attribute.returned == Returned::Never
                || sub.is_some_and(|sub| sub.returned == Returned::Never)
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
                attribute
                    .sub_attributes
                    .first()
                    .map_or("value", |sub| sub.name)
            )));
        }
    };
    let ordering = matches!(
        op,
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
    );
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    let (op_supported, value_fits, wanted) = match attribute.ty {
        AttrType::String | AttrType::Reference => (true, value.is_string(), "a string"),
        AttrType::Binary => (!ordering && !substring, value.is_string(), "a string"),
        AttrType::Boolean => (
            !ordering && !substring,
            as_bool(value).is_some(),
            "true or false",
        ),
        AttrType::Integer | AttrType::Decimal => (!substring, value.is_number(), "a number"),
        AttrType::DateTime => (!substring, value.is_string(), "a dateTime string"),
        AttrType::Complex => (false, false, "a sub-attribute"),
    };
    if !op_supported {
        return Err(invalid(format!(
            "`{}` is not supported on `{path}`, {} attribute",
            op.as_str(),
            a_type(attribute.ty)
        )));
    }
    if !value_fits {
        return Err(invalid(format!(
            "`{path}` is {} attribute; compare it with {wanted}, not `{value}`",
            a_type(attribute.ty)
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

fn compare(
    scope: Scope<'_>,
    root: &Value,
    path: &AttrPath,
    op: CompareOp,
    expected: &Value,
) -> bool {
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
        let present = select(root, extension, attribute, sub)
            .into_iter()
            .any(is_present);
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
    let any = |op| {
        values
            .iter()
            .any(|actual| compare_value(compared, op, actual, expected))
    };
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
            (Value::String(actual), Value::String(expected)) => {
                compare_strings(op, actual, expected, true)
            }
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
    match (
        actual.parse::<jiff::Timestamp>(),
        expected.parse::<jiff::Timestamp>(),
    ) {
        (Ok(actual), Ok(expected)) if ordering_op => holds(op, actual.cmp(&expected)),
        _ => compare_strings(op, actual, expected, case_exact),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::scim::filter::parse::tests::arb_filter_over;
    use crate::scim::filter::parse::{MAX_EXPRESSIONS, MAX_NESTING};
    use crate::scim::schema::{
        ENTERPRISE_USER_SCHEMA, GROUP, GROUP_TYPE, USER, USER_SCHEMA, USER_TYPE,
    };

    fn filter(text: &str) -> Filter {
        Filter::parse(text).unwrap_or_else(|error| panic!("{text:?}: {error}"))
    }

    fn user() -> Value {
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "Bjensen-Ext",
            "userName": "BJensen@Example.com",
            "name": {"familyName": "Jensen", "givenName": "Barbara"},
            "displayName": "Babs Jensen",
            "title": "",
            "nickName": null,
            "active": true,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "phoneNumbers": [],
            "addresses": [{}],
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-05-13T04:42:34Z"
            },
            ENTERPRISE_USER_SCHEMA: {
                "employeeNumber": "701984",
                "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
            }
        })
    }

    /// Whether `text` matches [`user`].
    fn user_matches(text: &str) -> bool {
        filter(text).matches(&user(), &USER_TYPE)
    }

    fn check_error(text: &str) -> String {
        match filter(text).check(&USER_TYPE) {
            Ok(()) => panic!("{text:?} passed the check"),
            Err(error) => {
                assert_eq!(error.offset, 0, "{text:?}");
                error.reason
            }
        }
    }

    fn attribute(name: &'static str, ty: AttrType) -> Attribute {
        Attribute::of(name, ty)
    }

    /// A multi-valued complex attribute with one sub-attribute of each scalar type, for what
    /// the RFC schemas do not define (numbers).
    fn measurements() -> Attribute {
        Attribute {
            multi_valued: true,
            sub_attributes: vec![
                attribute("count", AttrType::Integer),
                attribute("ratio", AttrType::Decimal),
                attribute("label", AttrType::String),
                attribute("at", AttrType::DateTime),
                attribute("ok", AttrType::Boolean),
            ],
            ..attribute("measurements", AttrType::Complex)
        }
    }

    #[test]
    fn case_insensitive_strings_support_every_operator() {
        // `userName` is not caseExact: "BJensen@Example.com" is stored.
        let cases = [
            (r#"userName eq "bjensen@example.com""#, true),
            (r#"userName eq "bjensen""#, false),
            (r#"userName ne "BJENSEN@EXAMPLE.COM""#, false),
            (r#"userName ne "someone@else""#, true),
            (r#"userName co "JENSEN@""#, true),
            (r#"userName co "smith""#, false),
            (r#"userName sw "bjen""#, true),
            (r#"userName sw "jen""#, false),
            (r#"userName ew "EXAMPLE.COM""#, true),
            (r#"userName ew "example""#, false),
            (r#"userName gt "BJ""#, true),
            (r#"userName gt "c""#, false),
            (r#"userName ge "bjensen@example.com""#, true),
            (r#"userName lt "C""#, true),
            (r#"userName lt "a""#, false),
            (r#"userName le "BJENSEN@EXAMPLE.COM""#, true),
        ];
        for (text, expected) in cases {
            assert_eq!(user_matches(text), expected, "{text}");
        }
    }

    #[test]
    fn case_exact_strings_compare_exactly() {
        // `externalId` and `id` are caseExact.
        let cases = [
            (r#"externalId eq "Bjensen-Ext""#, true),
            (r#"externalId eq "bjensen-ext""#, false),
            (r#"externalId ne "bjensen-ext""#, true),
            (r#"externalId co "sen-E""#, true),
            (r#"externalId co "SEN-E""#, false),
            (r#"externalId sw "Bj""#, true),
            (r#"externalId sw "bj""#, false),
            (r#"externalId ew "Ext""#, true),
            (r#"externalId ew "EXT""#, false),
            // Uppercase sorts before lowercase when case is exact: "B" < "a".
            (r#"externalId lt "a""#, true),
            (r#"externalId gt "a""#, false),
            (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
            (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
        ];
        for (text, expected) in cases {
            assert_eq!(user_matches(text), expected, "{text}");
        }
    }

    #[test]
    fn case_folding_is_unicode_lowercase() {
        // Arrange
        let resource = json!({"displayName": "ÉLODIE Ünal"});

        // Act
        let matched = filter(r#"displayName eq "élodie ünal""#).matches(&resource, &USER_TYPE);

        // Assert
        assert!(matched);
    }

    #[test]
    fn and_binds_tighter_than_or_when_evaluating() {
        // `true or (false and false)` is true; `(true or false) and false` would be false.
        assert!(user_matches(
            r#"active eq true or userName eq "x" and userName eq "y""#
        ));
        assert!(!user_matches(
            r#"(active eq true or userName eq "x") and userName eq "y""#
        ));
    }

    #[test]
    fn not_negates() {
        assert!(user_matches(r#"not (userName eq "nobody")"#));
        assert!(!user_matches(r#"not (userName pr)"#));
        assert!(user_matches(r#"not (not (userName pr))"#));
    }

    #[test]
    fn multi_valued_attributes_match_if_any_value_matches() {
        assert!(user_matches(r#"emails.value eq "babs@jensen.org""#));
        assert!(user_matches(r#"emails.type eq "home""#));
        assert!(!user_matches(r#"emails.type eq "other""#));
        // Without a sub-attribute, a complex attribute compares its `value`.
        assert!(user_matches(r#"emails co "@JENSEN.org""#));
        assert!(!user_matches(r#"emails co "@nowhere""#));
    }

    #[test]
    fn value_paths_require_one_element_to_match_the_whole_inner_filter() {
        // "work" and "@jensen.org" exist, but on different elements.
        assert!(!user_matches(
            r#"emails[type eq "work" and value co "@jensen.org"]"#
        ));
        assert!(user_matches(
            r#"emails[type eq "work" and value co "@example.com"]"#
        ));
        assert!(user_matches(
            r#"emails[type eq "home" or primary eq true] and userName pr"#
        ));
        assert!(!user_matches(
            r#"emails[type eq "work" and not (primary eq true)]"#
        ));
        assert!(!user_matches(r#"phoneNumbers[type eq "work"]"#));
    }

    #[test]
    fn sub_attributes_of_single_valued_complex_attributes() {
        assert!(user_matches(r#"name.familyName eq "jensen""#));
        assert!(!user_matches(r#"name.givenName eq "jensen""#));
    }

    #[test]
    fn urn_qualified_core_and_extension_paths() {
        assert!(user_matches(&format!(
            r#"{USER_SCHEMA}:userName sw "bjensen""#
        )));
        assert!(user_matches(&format!(
            r#"{USER_SCHEMA}:name.familyName eq "Jensen""#
        )));
        assert!(user_matches(&format!(
            r#"{ENTERPRISE_USER_SCHEMA}:employeeNumber eq "701984""#
        )));
        assert!(!user_matches(&format!(
            r#"{ENTERPRISE_USER_SCHEMA}:employeeNumber eq "1""#
        )));
        assert!(user_matches(&format!(
            r#"{ENTERPRISE_USER_SCHEMA}:manager.value sw "26118915""#
        )));
        // An extension attribute is not looked for at the top level.
        assert!(!user_matches(r#"employeeNumber pr"#));
        assert!(user_matches(&format!("{ENTERPRISE_USER_SCHEMA} pr")));
        assert!(
            !filter(&format!("{ENTERPRISE_USER_SCHEMA} pr"))
                .matches(&json!({"userName": "x"}), &USER_TYPE)
        );
    }

    #[test]
    fn attribute_names_and_stored_keys_match_case_insensitively() {
        // Arrange
        let resource = json!({
            "USERNAME": "bjensen",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"EmployeeNumber": "7"}
        });

        // Act
        let by_name = filter(r#"username EQ "bjensen""#).matches(&resource, &USER_TYPE);
        let by_urn = filter(&format!(
            r#"{ENTERPRISE_USER_SCHEMA}:employeeNUMBER eq "7""#
        ))
        .matches(&resource, &USER_TYPE);

        // Assert
        assert!(by_name);
        assert!(by_urn);
    }

    #[test]
    fn date_times_compare_as_instants() {
        // Stored: 2011-05-13T04:42:34Z, which is 06:42:34 at +02:00. As strings, "04…" < "06…".
        assert!(user_matches(
            r#"meta.lastModified gt "2011-05-13T06:42:33+02:00""#
        ));
        assert!(user_matches(
            r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#
        ));
        assert!(user_matches(
            r#"meta.lastModified ge "2011-05-13T06:42:34+02:00""#
        ));
        assert!(!user_matches(
            r#"meta.lastModified gt "2011-05-13T06:42:34+02:00""#
        ));
        assert!(user_matches(
            r#"meta.lastModified lt "2011-05-13T00:42:35-04:00""#
        ));
        assert!(user_matches(
            r#"meta.lastModified le "2011-05-13T04:42:34.000Z""#
        ));
        assert!(!user_matches(
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#
        ));
        assert!(user_matches(r#"meta.created lt "2011-05-13T04:42:34Z""#));
    }

    #[test]
    fn date_times_that_do_not_parse_compare_as_strings() {
        // Arrange
        let resource = json!({"meta": {"lastModified": "yesterday"}});

        // Act & Assert
        assert!(filter(r#"meta.lastModified gt "today""#).matches(&resource, &USER_TYPE));
        assert!(
            !filter(r#"meta.lastModified lt "2011-05-13T04:42:34Z""#)
                .matches(&resource, &USER_TYPE)
        );
    }

    #[test]
    fn booleans_compare_as_booleans_including_entra_strings() {
        // Arrange
        let entra = json!({"active": "True"});
        let inactive = json!({"active": "false"});

        // Act & Assert
        assert!(user_matches("active eq true"));
        assert!(!user_matches("active eq false"));
        assert!(user_matches("active ne false"));
        assert!(filter("active eq true").matches(&entra, &USER_TYPE));
        assert!(!filter("active eq false").matches(&entra, &USER_TYPE));
        assert!(filter("active eq false").matches(&inactive, &USER_TYPE));
        assert!(filter(r#"active eq "TRUE""#).matches(&entra, &USER_TYPE));
        assert!(!filter("active eq 1").matches(&entra, &USER_TYPE));
    }

    #[test]
    fn numbers_compare_numerically() {
        // Arrange
        let parent = measurements();
        let element = json!({"count": 10, "ratio": 2.5, "label": "10"});

        // Act
        let matches = |text: &str| filter(text).matches_element(&element, &parent);

        // Assert: 10 > 9 numerically, though "10" < "9" as strings.
        assert!(matches("count gt 9"));
        assert!(matches("count eq 10.0"));
        assert!(matches("count ge 10"));
        assert!(!matches("count lt 10"));
        assert!(matches("count le 10"));
        assert!(matches("ratio gt 2.25"));
        assert!(matches("ratio lt 3"));
        assert!(matches("ratio eq 25e-1"));
        assert!(!matches("ratio eq 2"));
        assert!(matches("count ne 11"));
        // A number never equals a string attribute, nor a string a number attribute.
        assert!(!matches("label eq 10"));
        assert!(!matches(r#"count eq "10""#));
    }

    #[test]
    fn large_integers_compare_exactly() {
        let parent = measurements();
        let element = json!({"count": 9_007_199_254_740_993_i64});
        assert!(!filter("count eq 9007199254740992").matches_element(&element, &parent));
        assert!(filter("count gt 9007199254740992").matches_element(&element, &parent));
    }

    #[test]
    fn present_means_a_non_empty_value() {
        let cases = [
            ("userName pr", true),
            ("profileUrl pr", false),   // absent
            ("title pr", false),        // ""
            ("nickName pr", false),     // null
            ("phoneNumbers pr", false), // []
            ("addresses pr", false),    // [{}]
            ("emails pr", true),
            ("emails.primary pr", true),
            ("emails.display pr", false),
            ("name pr", true),
            ("active pr", true),
        ];
        for (text, expected) in cases {
            assert_eq!(user_matches(text), expected, "{text}");
        }
        assert!(!filter("name pr").matches(&json!({"name": {"givenName": null}}), &USER_TYPE));
    }

    #[test]
    fn eq_null_is_not_present_and_ne_matches_absent_attributes() {
        assert!(user_matches("nickName eq null"));
        assert!(user_matches("title eq null"));
        assert!(!user_matches("userName eq null"));
        assert!(user_matches("userName ne null"));
        assert!(user_matches(r#"profileUrl ne "http://x""#));
        assert!(!user_matches(r#"profileUrl eq "http://x""#));
        assert!(!user_matches(r#"emails.type ne "home""#));
    }

    #[test]
    fn unknown_paths_and_whole_extensions_compare_false() {
        assert!(!user_matches(r#"shoeSize eq "42""#));
        assert!(user_matches(r#"not (shoeSize eq "42")"#));
        assert!(!user_matches(&format!(
            r#"{ENTERPRISE_USER_SCHEMA} eq "x""#
        )));
        assert!(!user_matches(r#"name eq "Jensen""#));
    }

    #[test]
    fn never_returned_attributes_do_not_match() {
        // Arrange
        let resource = json!({"userName": "a", "password": "hunter2"});

        // Act
        let matched = filter(r#"password eq "hunter2""#).matches(&resource, &USER_TYPE);

        // Assert
        assert!(!matched);
    }

    #[test]
    fn matches_element_evaluates_value_filters_against_one_element() {
        // Arrange: the PATCH path `members[value eq "…"]` (RFC 7644 §3.5.2).
        let members = GROUP.attribute("members").unwrap();
        let member = json!({"value": "2819c223", "type": "User"});
        let emails = USER.attribute("emails").unwrap();

        // Act & Assert: `members.value` is caseExact, `emails.type` is not.
        assert!(filter(r#"value eq "2819c223""#).matches_element(&member, members));
        assert!(!filter(r#"value eq "2819C223""#).matches_element(&member, members));
        assert!(filter(r#"type eq "user""#).matches_element(&member, members));
        assert!(filter(r#"type eq "WORK""#).matches_element(&json!({"type": "work"}), emails));
        assert!(!filter(r#"display pr"#).matches_element(&member, members));
        assert!(!filter(r#"members.value pr"#).matches_element(&member, members));
    }

    #[test]
    fn group_filters_use_the_group_schema() {
        // Arrange
        let group = json!({
            "displayName": "Tour Guides",
            "members": [{"value": "a1", "type": "User"}, {"value": "b2", "type": "Group"}]
        });

        // Act & Assert
        assert!(
            filter(r#"members[value eq "b2" and type eq "group"]"#).matches(&group, &GROUP_TYPE)
        );
        assert!(filter(r#"members.value eq "a1""#).matches(&group, &GROUP_TYPE));
        assert!(!filter(r#"userName pr"#).matches(&group, &GROUP_TYPE));
        assert!(
            filter(r#"members[value eq "a1"]"#)
                .check(&GROUP_TYPE)
                .is_ok()
        );
        assert!(filter(r#"userName pr"#).check(&GROUP_TYPE).is_err());
    }

    #[test]
    fn check_accepts_well_typed_filters() {
        let accepted = [
            r#"userName eq "bjensen" and not (emails[type eq "work" and value co "@x"])"#,
            r#"name.familyName sw "J" or title pr"#,
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            "active eq true",
            r#"active eq "True""#,
            "nickName eq null",
            "emails pr",
            r#"emails co "@example.com""#,
            r#"x509Certificates.value eq "MIIDQzCC""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "1""#,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr",
            r#"USERNAME Eq "x""#,
        ];
        for text in accepted {
            assert_eq!(filter(text).check(&USER_TYPE), Ok(()), "{text}");
        }
    }

    #[test]
    fn check_rejects_unsupported_combinations() {
        let ent = ENTERPRISE_USER_SCHEMA;
        let cases = [
            (
                r#"shoeSize eq "42""#.to_owned(),
                "unknown attribute `shoeSize`",
            ),
            (
                "name.shoeSize pr".to_owned(),
                "unknown attribute `name.shoeSize`",
            ),
            (
                r#"userName eq "x" or shoeSize pr"#.to_owned(),
                "unknown attribute `shoeSize`",
            ),
            (
                "not (shoeSize pr)".to_owned(),
                "unknown attribute `shoeSize`",
            ),
            (
                "emails[shoeSize pr]".to_owned(),
                "`shoeSize` is not a sub-attribute of `emails`",
            ),
            (
                "emails[emails.type pr]".to_owned(),
                "`emails.type` is not a sub-attribute of `emails`",
            ),
            (
                "userName[value pr]".to_owned(),
                "`userName[…]` needs a complex attribute, but `userName` is a string",
            ),
            (
                format!("{ent}[value pr]"),
                "needs a complex attribute, but `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User` is an extension",
            ),
            (format!(r#"{ent} eq "x""#), "names the whole extension"),
            (
                "active gt true".to_owned(),
                "`gt` is not supported on `active`, a boolean attribute",
            ),
            (
                r#"active co "t""#.to_owned(),
                "`co` is not supported on `active`, a boolean attribute",
            ),
            (
                "active eq 1".to_owned(),
                "`active` is a boolean attribute; compare it with true or false",
            ),
            (
                r#"active eq "yes""#.to_owned(),
                "compare it with true or false",
            ),
            (
                r#"x509Certificates.value lt "A""#.to_owned(),
                "`lt` is not supported on `x509Certificates.value`, a binary attribute",
            ),
            (
                r#"x509Certificates.value sw "A""#.to_owned(),
                "`sw` is not supported",
            ),
            (
                r#"meta.created sw "2011""#.to_owned(),
                "`sw` is not supported on `meta.created`, a dateTime attribute",
            ),
            (
                "meta.created gt 5".to_owned(),
                "compare it with a dateTime string",
            ),
            (
                "userName eq 5".to_owned(),
                "`userName` is a string attribute; compare it with a string, not `5`",
            ),
            ("userName eq true".to_owned(), "compare it with a string"),
            (
                r#"name eq "x""#.to_owned(),
                "`name` is complex; compare one of its sub-attributes",
            ),
            (r#"meta lt "x""#.to_owned(), "`meta` is complex"),
            (
                "userName gt null".to_owned(),
                "`gt` cannot compare with null",
            ),
            (
                r#"password eq "x""#.to_owned(),
                "`password` is never returned",
            ),
            ("password pr".to_owned(), "`password` is never returned"),
        ];
        for (text, reason) in cases {
            let error = check_error(&text);
            assert!(
                error.contains(reason),
                "{text}: {error:?} does not say {reason:?}"
            );
        }
    }

    #[test]
    fn check_element_checks_sub_attributes_of_the_parent() {
        let members = GROUP.attribute("members").unwrap();
        assert_eq!(
            filter(r#"value eq "x" and type eq "User""#).check_element(members),
            Ok(())
        );
        let error = filter("primary eq true")
            .check_element(members)
            .unwrap_err();
        assert_eq!(
            error.reason,
            "`primary` is not a sub-attribute of `members`"
        );
        let nested = Filter::ValuePath {
            path: AttrPath::simple("value"),
            filter: Box::new(filter("value pr")),
        };
        assert_eq!(
            nested.check_element(members).unwrap_err().reason,
            "value paths cannot be nested"
        );
        assert!(!nested.matches_element(&json!({"value": "x"}), members));
    }

    #[test]
    fn required_equality_finds_an_indexable_conjunct() {
        let cases: [(&str, Option<(&str, &str)>); 9] = [
            (r#"userName eq "bjensen""#, Some(("userName", "bjensen"))),
            (
                r#"title pr and externalId eq "e1""#,
                Some(("externalId", "e1")),
            ),
            (
                r#"(title pr and (active eq true and id eq "i1")) and nickName pr"#,
                Some(("id", "i1")),
            ),
            (r#"userName eq "a" and id eq "b""#, Some(("userName", "a"))),
            (r#"userName eq "a" or userName eq "b""#, None),
            (r#"not (userName eq "a")"#, None),
            (r#"userName ne "a""#, None),
            (r#"userName co "a""#, None),
            (r#"emails[value eq "a"]"#, None),
        ];
        for (text, expected) in cases {
            let filter = filter(text);
            let found = filter
                .required_equality()
                .map(|(path, value)| (path.to_string(), value.to_owned()));
            let expected = expected.map(|(path, value)| (path.to_owned(), value.to_owned()));
            assert_eq!(found, expected, "{text}");
        }
        assert_eq!(filter("active eq true").required_equality(), None);
    }

    #[test]
    fn the_largest_accepted_filter_evaluates_without_exhausting_the_stack() {
        // Arrange: a left-leaning chain as long as the parser allows (with the value path's
        // two expressions), inside the deepest nesting it allows.
        let depth = MAX_NESTING;
        let chain = vec![r#"userName ne "x""#; MAX_EXPRESSIONS - 2].join(" and ");
        let text = format!(
            "{}{chain}{} and emails[value pr]",
            "not (".repeat(depth),
            ")".repeat(depth)
        );
        let filter = filter(&text);

        // Act
        let checked = filter.check(&USER_TYPE);
        let matched = filter.matches(&user(), &USER_TYPE);
        let rendered = filter.to_string();

        // Assert: an even number of `not`s around a true chain.
        assert_eq!(checked, Ok(()));
        assert!(matched);
        assert_eq!(Filter::parse(&rendered), Ok(filter));
    }

    fn schema_path() -> impl Strategy<Value = AttrPath> {
        let texts = vec![
            "userName".to_owned(),
            "id".to_owned(),
            "name".to_owned(),
            "name.familyName".to_owned(),
            "emails".to_owned(),
            "emails.value".to_owned(),
            "value".to_owned(),
            "type".to_owned(),
            "primary".to_owned(),
            "active".to_owned(),
            "meta.lastModified".to_owned(),
            "members".to_owned(),
            "x509Certificates".to_owned(),
            "password".to_owned(),
            "shoeSize".to_owned(),
            format!("{USER_SCHEMA}:userName"),
            format!("{ENTERPRISE_USER_SCHEMA}:employeeNumber"),
            format!("{ENTERPRISE_USER_SCHEMA}:manager.value"),
            ENTERPRISE_USER_SCHEMA.to_owned(),
        ];
        prop::sample::select(texts).prop_map(|text| AttrPath::parse(&text).unwrap())
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
            prop::sample::select(vec![
                "",
                "True",
                "bjensen",
                "2011-05-13T04:42:34Z",
                "ÉLODIE",
                "work"
            ])
            .prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ]
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let key = prop::sample::select(vec![
            "userName",
            "USERNAME",
            "id",
            "name",
            "familyName",
            "emails",
            "value",
            "type",
            "primary",
            "active",
            "meta",
            "lastModified",
            "members",
            "x509Certificates",
            "password",
            "employeeNumber",
            "manager",
            ENTERPRISE_USER_SCHEMA,
        ]);
        scalar().prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(key.clone(), inner, 0..6).prop_map(|members| {
                    Value::Object(
                        members
                            .into_iter()
                            .map(|(k, v)| (k.to_owned(), v))
                            .collect(),
                    )
                }),
            ]
        })
    }

    proptest! {
        #[test]
        fn evaluation_never_panics(
            filter in arb_filter_over(schema_path().boxed(), scalar().boxed()),
            resource in json_value(),
        ) {
            let emails = USER.attribute("emails").unwrap();
            let _ = filter.check(&USER_TYPE);
            let _ = filter.check(&GROUP_TYPE);
            let _ = filter.check_element(emails);
            let _ = filter.matches(&resource, &USER_TYPE);
            let _ = filter.matches(&resource, &GROUP_TYPE);
            let _ = filter.matches_element(&resource, emails);
            let _ = filter.required_equality();
        }

        #[test]
        fn ne_is_the_complement_of_eq(
            path in schema_path(),
            value in scalar(),
            resource in json_value(),
        ) {
            // Whatever `check` accepts; unknown paths, say, are false under either operator.
            let compare = |op| Filter::Compare { path: path.clone(), op, value: value.clone() };
            prop_assume!(compare(CompareOp::Eq).check(&USER_TYPE).is_ok());
            let eq = compare(CompareOp::Eq).matches(&resource, &USER_TYPE);
            let ne = compare(CompareOp::Ne).matches(&resource, &USER_TYPE);
            prop_assert_ne!(eq, ne);
        }
    }
}
