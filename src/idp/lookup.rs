//! Whether a lookup's match is what was looked up.
//!
//! Every IdP finds a user before creating it by filtering on its matching attribute
//! (`userName eq "…"`), and links to `Resources[0]` when the list is not empty. A target that
//! ignores the filter (or does not support filtering and says so only in its
//! ServiceProviderConfig, which no IdP reads) answers with someone else's resource, and the IdP
//! would then write to a stranger. Judged here, once for all IdPs, so that the failure names
//! the cause before anything is written to that resource.

use serde_json::Value;

/// Why the match is not the resource looked up: its `attribute` holds another value. `None`
/// when it matches (case-insensitively, as `eq` compares a `caseExact: false` attribute, RFC
/// 7644 §3.4.2.2) or when the answer leaves the attribute out, which says nothing.
pub fn wrong_match(resource: &Value, attribute: &str, wanted: &str) -> Option<String> {
    let found = resource
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(attribute))
        .map(|(_, value)| value)?;
    if found
        .as_str()
        .is_some_and(|v| v.eq_ignore_ascii_case(wanted))
    {
        return None;
    }
    Some(format!(
        "the lookup for {attribute} eq \"{wanted}\" returned a resource whose {attribute} is {found}: \
         the target did not apply the filter (ignored, or not supported), so the IdP would link \
         and write to someone else's resource"
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_match_is_the_resource_looked_up_whatever_the_case() {
        // Act / Assert
        let ada = json!({"id": "1", "userName": "Ada@Example.com"});
        assert_eq!(wrong_match(&ada, "userName", "ada@example.com"), None);
        assert_eq!(wrong_match(&json!({"id": "1"}), "userName", "ada"), None);
        let reason = wrong_match(&ada, "userName", "bob@example.com").unwrap();
        assert!(
            reason.starts_with(
                "the lookup for userName eq \"bob@example.com\" returned a resource whose userName is \"Ada@Example.com\""
            ),
            "{reason}"
        );
    }
}
