//! URL pieces every IdP module builds: an id as a path segment, a filter value in a query.
//!
//! The IdPs differ in how they encode a filter (Okta `%20`, Entra `+`; docs/idps/okta.md §3.3,
//! docs/idps/entra.md §2), not in which characters they keep, so the sets live here once.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// RFC 3986 unreserved characters (ALPHA / DIGIT / `-` `.` `_` `~`) stay literal; everything
/// else is percent-encoded (`@` as `%40`, `"` as `%22`).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// RFC 3986 `pchar` stays literal: usual ids (UUIDs, integers) go byte for byte, and a `/` or
/// `?` inside an id cannot change the path.
const PCHAR: &AsciiSet = &UNRESERVED
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// An id as one path segment.
pub fn segment(id: &str) -> String {
    utf8_percent_encode(id, PCHAR).to_string()
}

/// A filter with everything but unreserved characters percent-encoded, spaces as `%20`
/// (`userName%20eq%20%22ada%40example.com%22`).
pub fn filter_percent20(filter: &str) -> String {
    utf8_percent_encode(filter, UNRESERVED).to_string()
}

/// A filter in the form-encoding style: spaces as `+`, everything but unreserved characters
/// percent-encoded (`userName+eq+%22ada%40example.com%22`).
pub fn filter_plus(filter: &str) -> String {
    let mut encoded = String::with_capacity(filter.len() + 16);
    for (index, part) in filter.split(' ').enumerate() {
        if index > 0 {
            encoded.push('+');
        }
        encoded.extend(utf8_percent_encode(part, UNRESERVED));
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_encode_spaces_as_plus_and_quotes_and_at_signs() {
        assert_eq!(
            filter_plus(r#"userName eq "ada lovelace@example.com""#),
            "userName+eq+%22ada+lovelace%40example.com%22"
        );
    }

    #[test]
    fn segments_keep_ids_but_not_slashes() {
        assert_eq!(segment("2819c223-7f76"), "2819c223-7f76");
        assert_eq!(segment("a/b?c"), "a%2Fb%3Fc");
    }
}
