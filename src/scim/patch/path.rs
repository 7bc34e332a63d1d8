//! PATCH paths: `PATH = attrPath / valuePath [subAttr]` (RFC 7644 §3.5.2, Figure 7).

use std::fmt;
use std::str::FromStr;

use crate::scim::error::ScimError;
use crate::scim::filter::Filter;
use crate::scim::path::AttrPath;

/// A PATCH target: an attribute path, optionally narrowed to the values matching a filter,
/// optionally followed by a sub-attribute of those values.
///
/// | text                                             | `attr`             | `filter`            | `sub_attr` |
/// |--------------------------------------------------|--------------------|---------------------|------------|
/// | `displayName`                                    | `displayName`      |                     |            |
/// | `name.givenName`                                 | `name.givenName`   |                     |            |
/// | `members[value eq "2819c223"]`                   | `members`          | `value eq "2819c223"` |          |
/// | `emails[type eq "work"].value`                   | `emails`           | `type eq "work"`    | `value`    |
/// | `urn:…:enterprise:2.0:User:manager.value`        | URN + `manager.value` |                  |            |
/// | `urn:…:enterprise:2.0:User` (the whole extension) | URN `…:2.0` + `User` |                  |            |
///
/// Whether the path names a real attribute is decided against a resource type when the
/// operation is applied ([`crate::scim::schema::ResourceType::resolve`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute; carries the sub-attribute too when there is no filter (`name.givenName`).
    pub attr: AttrPath,
    /// The value-selection filter inside `[...]`; its paths name sub-attributes of `attr`.
    pub filter: Option<Filter>,
    /// The sub-attribute after `]`, as in `emails[type eq "work"].value`.
    pub sub_attr: Option<String>,
}

impl PatchPath {
    /// Parses a PATCH path. Every failure is RFC 7644 §3.12 `400 invalidPath`, with the reason.
    ///
    /// The value filter ends at the first `]` outside a quoted string, so
    /// `emails[value eq "a]b"].type` parses; its text is parsed by [`Filter::parse`].
    /// Surrounding whitespace is ignored.
    pub fn parse(text: &str) -> Result<PatchPath, ScimError> {
        let invalid = |reason: &str| {
            ScimError::invalid_path(format!("`{text}` is not a valid PATCH path: {reason}"))
        };
        let trimmed = text.trim();
        let Some(open) = trimmed.find('[') else {
            return Ok(PatchPath {
                attr: attr_path(trimmed).map_err(|reason| invalid(&reason))?,
                filter: None,
                sub_attr: None,
            });
        };
        let attr = attr_path(&trimmed[..open]).map_err(|reason| invalid(&reason))?;
        if attr.sub.is_some() {
            return Err(invalid(
                "a value filter `[...]` follows an attribute, not a sub-attribute",
            ));
        }
        let close =
            closing_bracket(trimmed, open).ok_or_else(|| invalid("the `[` has no matching `]`"))?;
        let inner = &trimmed[open + 1..close];
        if inner.trim().is_empty() {
            return Err(invalid("the value filter inside `[...]` is empty"));
        }
        let filter =
            Filter::parse(inner).map_err(|e| invalid(&format!("in the value filter, {e}")))?;
        let rest = &trimmed[close + 1..];
        let sub_attr = if rest.is_empty() {
            None
        } else {
            match rest.strip_prefix('.') {
                Some(name) if is_attribute_name(name) => Some(name.to_owned()),
                _ => return Err(invalid("only `.subAttribute` may follow the value filter")),
            }
        };
        Ok(PatchPath {
            attr,
            filter: Some(filter),
            sub_attr,
        })
    }
}

/// [`AttrPath::parse`], with a clearer reason for non-ASCII text: attribute names and schema
/// URNs are ASCII (RFC 7643 §2.1 `ATTRNAME`; RFC 8141), whatever a value filter may contain.
fn attr_path(text: &str) -> Result<AttrPath, String> {
    if !text.is_ascii() {
        return Err("attribute names and schema URNs are ASCII".to_owned());
    }
    AttrPath::parse(text).map_err(|e| e.reason.to_owned())
}

/// Whether `name` is one bare attribute name (no URN, no dot).
fn is_attribute_name(name: &str) -> bool {
    attr_path(name).is_ok_and(|path| path.urn.is_none() && path.sub.is_none())
}

/// The byte index of the `]` that closes the `[` at `open`: brackets inside JSON strings
/// (with `\"` escapes) do not count, and nested brackets are balanced.
fn closing_bracket(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (index, c) in text.char_indices().skip_while(|(index, _)| *index <= open) {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' => depth += 1,
            ']' if depth == 0 => return Some(index),
            ']' => depth -= 1,
            _ => {}
        }
    }
    None
}

impl FromStr for PatchPath {
    type Err = ScimError;

    fn from_str(text: &str) -> Result<PatchPath, ScimError> {
        PatchPath::parse(text)
    }
}

impl fmt::Display for PatchPath {
    /// The path in RFC 7644 form; it parses back to an equal [`PatchPath`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}
