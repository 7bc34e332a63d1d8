//! Attribute paths (RFC 7644 §3.10 and the `attrPath` rule of §3.4.2.2).
//!
//! `attrPath = [URI ":"] ATTRNAME *1subAttr`. A path is the shared vocabulary of filters,
//! PATCH paths, `sortBy` and `attributes`/`excludedAttributes`, so it is parsed in one place.
//! Names are kept as written; matching against definitions is case-insensitive and happens in
//! [`crate::scim::schema::ResourceType::resolve`].

use std::fmt;

/// `[urn:]name[.sub]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN prefix, without the trailing colon.
    pub urn: Option<String>,
    pub name: String,
    pub sub: Option<String>,
}

/// Why a string is not an attribute path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{path}` is not a valid attribute path: {reason}")]
pub struct PathError {
    pub path: String,
    pub reason: &'static str,
}

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        // `$ref` is the one RFC attribute name that does not start with a letter.
        Some(first) if first.is_ascii_alphabetic() || first == '$' => {
            chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }
        _ => false,
    }
}

impl AttrPath {
    /// A path without URN or sub-attribute.
    pub fn simple(name: &str) -> Self {
        AttrPath {
            urn: None,
            name: name.to_owned(),
            sub: None,
        }
    }

    pub fn parse(text: &str) -> Result<AttrPath, PathError> {
        let error = |reason| PathError {
            path: text.to_owned(),
            reason,
        };
        let (urn, rest) = if text.len() > 4
            && text
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
        {
            // The URN itself contains dots (`…:2.0:User`), so it ends at the last colon.
            let colon = text
                .rfind(':')
                .ok_or_else(|| error("a URN needs an attribute name"))?;
            (Some(text[..colon].to_owned()), &text[colon + 1..])
        } else {
            (None, text)
        };
        let (name, sub) = match rest.split_once('.') {
            Some((name, sub)) => (name, Some(sub)),
            None => (rest, None),
        };
        if !is_name(name) {
            return Err(error(
                "attribute names start with a letter and hold letters, digits, '-' or '_'",
            ));
        }
        if let Some(sub) = sub
            && !is_name(sub)
        {
            return Err(error("a sub-attribute name is a single attribute name"));
        }
        Ok(AttrPath {
            urn,
            name: name.to_owned(),
            sub: sub.map(str::to_owned),
        })
    }

    /// The same path one level down: `emails` + `value` → `emails.value`.
    pub fn with_sub(&self, sub: &str) -> AttrPath {
        AttrPath {
            urn: self.urn.clone(),
            name: self.name.clone(),
            sub: Some(sub.to_owned()),
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_simple_and_sub_attribute_paths() {
        assert_eq!(
            AttrPath::parse("userName").unwrap(),
            AttrPath::simple("userName")
        );
        let path = AttrPath::parse("name.givenName").unwrap();
        assert_eq!(path.name, "name");
        assert_eq!(path.sub.as_deref(), Some("givenName"));
    }

    #[test]
    fn splits_the_urn_at_its_last_colon() {
        let path = AttrPath::parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        )
        .unwrap();
        assert_eq!(
            path.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(path.name, "manager");
        assert_eq!(path.sub.as_deref(), Some("value"));
        assert_eq!(
            path.to_string(),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
        );
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in [
            "",
            "1abc",
            "a..b",
            "a.b.c",
            "name.",
            "urn:",
            "a b",
            "emails[type",
            "abcé",
            "éabc",
        ] {
            assert!(AttrPath::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
