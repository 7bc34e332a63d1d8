//! SCIM PATCH (RFC 7644 §3.5.2): parsing a request body and applying it to a resource.
//!
//! PATCH is where SCIM servers and identity providers disagree most, so this module is the one
//! place that decides what every path form and every operation means, with no HTTP knowledge:
//! the reference server calls [`PatchRequest::from_json`] and [`PatchRequest::apply`], then
//! normalises and stores the result; the harness uses the same types to describe what Okta and
//! Entra send.
//!
//! What the IdPs really send shaped the tolerances here:
//!
//! - Entra capitalises `op` (`"Replace"`, docs/idps/entra.md §7.1), puts attribute *paths* as
//!   keys of a path-less `value` (`"name.givenName"`, full extension URNs, §7.2), expects
//!   `emails[type eq "work"].value` to create the work email when there is none (§7.3), sends
//!   the manager as a bare id string (§7.4), and removes members with
//!   `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}` (§9), which must remove only
//!   the listed members, never the whole attribute.
//! - Okta deactivates with a path-less `replace` of `{"active":false}` (docs/idps/okta.md §3.5),
//!   renames groups with a path-less `replace` that echoes the unchanged, readOnly `id` (§3.6.4,
//!   §4 items 1–2), removes members one filtered path at a time (§4 item 3), expects `add
//!   members` to union and `replace members` to replace, including with `[]` (§4 item 4), and
//!   was once seen without `schemas` (§4 item 7).
//!
//! Values are not type-checked or coerced here: the caller normalises the whole resource
//! afterwards ([`crate::scim::resource::normalize`]), which reads Entra's string booleans and
//! drops readOnly sub-attributes such as `members.display`. What this module enforces is the
//! shape of the request, that paths resolve, attribute mutability (RFC 7644 §3.5.2, RFC 7643
//! §7), and atomicity: [`PatchRequest::apply`] changes the resource only if every operation
//! succeeds.

mod apply;
mod edit;
mod path;
#[cfg(test)]
mod tests;
mod values;

use std::fmt;

use serde_json::{Map, Value, json};

use super::error::ScimError;
use super::schema::ResourceType;

pub use path::PatchPath;

/// The PATCH request message schema URN (RFC 7644 §3.5.2).
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A parsed PATCH body: its operations, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    pub operations: Vec<PatchOperation>,
}

/// One element of `Operations`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: PatchOpKind,
    /// The target; `None` means the resource itself (add and replace only).
    pub path: Option<PatchPath>,
    /// The operand as sent. `remove` normally has none; `replace` with `null` removes.
    pub value: Option<Value>,
}

/// The three RFC 7644 §3.5.2 operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOpKind {
    Add,
    Replace,
    Remove,
}

impl PatchOpKind {
    /// The lowercase wire form of RFC 7644.
    pub fn as_str(self) -> &'static str {
        match self {
            PatchOpKind::Add => "add",
            PatchOpKind::Replace => "replace",
            PatchOpKind::Remove => "remove",
        }
    }

    /// Reads `op` case-insensitively: Entra sends `Add`, `Replace` and `Remove`
    /// (docs/idps/entra.md §7.1).
    pub fn parse(text: &str) -> Option<PatchOpKind> {
        [PatchOpKind::Add, PatchOpKind::Replace, PatchOpKind::Remove]
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text))
    }
}

impl fmt::Display for PatchOpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member of a JSON object by name: exactly, then case-insensitively (RFC 7643 §2.1).
fn member<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    })
}

/// The elements of a message's `Operations` (a PatchOp, a Bulk request or response) as they
/// were sent, the name read as the PATCH parser reads it; nothing when there is none.
pub fn raw_operations(body: &Value) -> impl Iterator<Item = &Value> {
    body.as_object()
        .and_then(|object| member(object, "Operations"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The same error, its detail prefixed with the operation it came from.
fn in_operation(index: usize, error: ScimError) -> ScimError {
    ScimError {
        detail: format!("Operations[{index}]: {}", error.detail),
        ..error
    }
}

impl PatchRequest {
    /// Parses a PATCH body (already JSON) per RFC 7644 §3.5.2.
    ///
    /// - `schemas`, when present, must list [`PATCH_OP_SCHEMA`] (else `invalidSyntax`); when
    ///   absent it is tolerated (docs/idps/okta.md §4 item 7).
    /// - `Operations` (key matched case-insensitively) must be a non-empty array
    ///   (else `invalidSyntax`).
    /// - Each `op` is matched case-insensitively; a missing or unknown `op` is `invalidSyntax`.
    /// - A `path` that is not a string, or does not parse, is `invalidPath`.
    /// - `remove` without a path is `noTarget` (RFC 7644 §3.5.2.2); `add` without a value (or
    ///   with `null`), `replace` without a value, and a path-less value that is not an object
    ///   are `invalidValue`.
    ///
    /// Whether paths name real attributes is decided by [`PatchRequest::apply`], which knows the
    /// resource type.
    pub fn from_json(body: &Value) -> Result<PatchRequest, ScimError> {
        let Value::Object(body) = body else {
            return Err(ScimError::invalid_syntax(
                "a PATCH body is a JSON object with `schemas` and `Operations`",
            ));
        };
        match member(body, "schemas") {
            None | Some(Value::Null) => {}
            Some(Value::Array(schemas))
                if schemas.iter().any(|urn| {
                    urn.as_str()
                        .is_some_and(|urn| urn.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
                }) => {}
            Some(_) => {
                return Err(ScimError::invalid_syntax(format!(
                    "`schemas` must be an array containing `{PATCH_OP_SCHEMA}`"
                )));
            }
        }
        let operations = match member(body, "Operations") {
            Some(Value::Array(operations)) if !operations.is_empty() => operations,
            Some(Value::Array(_)) => {
                return Err(ScimError::invalid_syntax(
                    "`Operations` must hold at least one operation",
                ));
            }
            Some(_) => {
                return Err(ScimError::invalid_syntax(
                    "`Operations` must be an array of operations",
                ));
            }
            None => return Err(ScimError::invalid_syntax("a PATCH body needs `Operations`")),
        };
        let operations = operations
            .iter()
            .enumerate()
            .map(|(index, operation)| {
                PatchOperation::from_json(operation).map_err(|e| in_operation(index, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PatchRequest { operations })
    }

    /// Applies every operation, in order, to `resource` (RFC 7644 §3.5.2: "the resulting
    /// resource becomes the target of the next operation").
    ///
    /// Atomic, as RFC 7644 §3.5.2 requires: the operations run on a copy that replaces
    /// `resource` only when all of them succeed; on error `resource` is unchanged. Errors name
    /// the failing operation (`Operations[1]: …`).
    ///
    /// `resource` is in the canonical layout of `resource_type`: core attributes at the top
    /// level, extension attributes under their schema URN. Keys written here use the
    /// definitions' spelling; existing keys are found case-insensitively.
    pub fn apply(
        &self,
        resource: &mut Value,
        resource_type: &ResourceType,
    ) -> Result<(), ScimError> {
        let Value::Object(current) = resource else {
            return Err(ScimError::invalid_value(
                "the resource to patch is not a JSON object",
            ));
        };
        let mut working = current.clone();
        let mut applier = apply::Applier::new(resource_type);
        for (index, operation) in self.operations.iter().enumerate() {
            operation
                .validate()
                .and_then(|()| applier.apply(&mut working, operation))
                .map_err(|e| in_operation(index, e))?;
        }
        applier.finish(&mut working);
        *current = working;
        Ok(())
    }

    /// The RFC 7644 §3.5.2 body, with lowercase `op`s.
    pub fn to_json(&self) -> Value {
        json!({
            "schemas": [PATCH_OP_SCHEMA],
            "Operations": self.operations.iter().map(PatchOperation::to_json).collect::<Vec<_>>(),
        })
    }
}

impl PatchOperation {
    /// Parses one element of `Operations` (see [`PatchRequest::from_json`]).
    pub fn from_json(operation: &Value) -> Result<PatchOperation, ScimError> {
        let Value::Object(operation) = operation else {
            return Err(ScimError::invalid_syntax(
                "each operation must be a JSON object",
            ));
        };
        let op = match member(operation, "op") {
            Some(Value::String(text)) => PatchOpKind::parse(text).ok_or_else(|| {
                ScimError::invalid_syntax(format!(
                    "unknown op `{text}`; expected `add`, `remove` or `replace`"
                ))
            })?,
            Some(_) => return Err(ScimError::invalid_syntax("`op` must be a string")),
            None => return Err(ScimError::invalid_syntax("an operation needs `op`")),
        };
        let path = match member(operation, "path") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(PatchPath::parse(text)?),
            Some(other) => {
                return Err(ScimError::invalid_path(format!(
                    "`path` must be a string, not {other}"
                )));
            }
        };
        let operation = PatchOperation {
            op,
            path,
            value: member(operation, "value").cloned(),
        };
        operation.validate()?;
        Ok(operation)
    }

    /// The RFC 7644 §3.5.2 form of this operation.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("op".to_owned(), Value::String(self.op.as_str().to_owned()));
        if let Some(path) = &self.path {
            out.insert("path".to_owned(), Value::String(path.to_string()));
        }
        if let Some(value) = &self.value {
            out.insert("value".to_owned(), value.clone());
        }
        Value::Object(out)
    }

    /// The checks that need no resource: a path for `remove` (RFC 7644 §3.5.2.2 `noTarget`),
    /// a value for `add` and `replace` (§3.5.2.1, §3.5.2.3 `invalidValue`), and an object as
    /// the value of a path-less `add` or `replace`.
    fn validate(&self) -> Result<(), ScimError> {
        match (self.op, &self.path, &self.value) {
            (PatchOpKind::Remove, None, _) => Err(ScimError::no_target(
                "`remove` needs a `path` naming what to remove (RFC 7644 §3.5.2.2)",
            )),
            (PatchOpKind::Remove, Some(_), _) => Ok(()),
            (op, _, None) => Err(ScimError::invalid_value(format!("`{op}` needs a `value`"))),
            (PatchOpKind::Add, Some(_), Some(Value::Null)) => {
                Err(ScimError::invalid_value("`add` needs a value, not null"))
            }
            (op, None, Some(value)) if !value.is_object() => {
                Err(ScimError::invalid_value(format!(
                    "`{op}` without `path` needs an object of attributes as its `value`, not {}",
                    kind_of(value)
                )))
            }
            _ => Ok(()),
        }
    }
}

/// The JSON kind of a value, for messages that should not echo large values.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
