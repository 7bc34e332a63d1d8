//! Request bodies: size, media type and JSON, each failure a SCIM error rather than the
//! framework's plain-text rejection.
//!
//! Bodies are read as bytes under [`MAX_BODY_BYTES`](super::MAX_BODY_BYTES). Both
//! `application/scim+json` and `application/json` are accepted (Okta's SPEC tests send the
//! latter, docs/idps/okta.md §4 item 14); a body with no `Content-Type` is read as JSON too.

use axum::body::Body;
use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::MAX_BODY_BYTES;
use crate::scim::ScimError;

fn is_json_media_type(value: &str) -> bool {
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "application/scim+json"
}

/// Reads and parses a JSON request body.
pub async fn json_body(headers: &HeaderMap, body: Body) -> Result<Value, ScimError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let text = content_type.to_str().unwrap_or("");
        if !is_json_media_type(text) {
            return Err(ScimError::new(
                415,
                None,
                format!(
                    "unsupported media type `{text}`: send application/scim+json or application/json"
                ),
            ));
        }
    }
    let too_large = || {
        ScimError::new(
            413,
            None,
            format!("the request body exceeds the limit of {MAX_BODY_BYTES} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| too_large())?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ScimError::invalid_syntax("the request body is empty"));
    }
    serde_json::from_slice(&bytes).map_err(|error| {
        ScimError::invalid_syntax(format!("the request body is not valid JSON: {error}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types_with_parameters_are_accepted() {
        assert!(is_json_media_type("application/scim+json; charset=utf-8"));
        assert!(is_json_media_type("Application/JSON"));
        assert!(!is_json_media_type("text/plain"));
        assert!(!is_json_media_type("application/x-www-form-urlencoded"));
    }

    /// Arbitrary bytes, JSON-ish text, deep nesting and odd numbers, under arbitrary
    /// `Content-Type` and `Content-Length` headers: the body is read as JSON or refused with
    /// 400, 413 or 415, and whatever parses goes through the PATCH and resource parsers
    /// without a panic.
    #[test]
    fn fuzz_request_bodies() {
        use proptest::prelude::*;

        use crate::scim::patch::PatchRequest;
        use crate::scim::resource::{NormalizeOptions, normalize};
        use crate::scim::schema::{GROUP_TYPE, USER_TYPE};

        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let bytes = prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            prop::collection::vec(
                prop::sample::select(vec![
                    "{",
                    "}",
                    "[",
                    "]",
                    ",",
                    ":",
                    "\"",
                    "\\u0000",
                    "\\uD800",
                    "1e999",
                    "-0",
                    "null",
                    "true",
                    "\"Operations\"",
                    "\"op\"",
                    "\"schemas\"",
                    "\"userName\"",
                    " ",
                    "\u{feff}",
                    "\u{0}",
                    "é",
                ]),
                0..64,
            )
            .prop_map(|parts| parts.concat().into_bytes()),
            (1usize..4000, prop::sample::select(vec!["[", "{\"a\":"]))
                .prop_map(|(depth, open)| open.repeat(depth).into_bytes()),
        ];
        let content_type = prop::option::of(prop::sample::select(vec![
            "application/scim+json",
            "application/json; charset=utf-8",
            "APPLICATION/SCIM+JSON",
            "text/plain",
            "",
            "application/json;;;",
            "\u{e9}",
        ]));
        let content_length = prop::option::of(prop_oneof![
            Just("0".to_owned()),
            Just("99999999999999999999999".to_owned()),
            Just((MAX_BODY_BYTES + 1).to_string()),
            Just("-1".to_owned()),
            any::<u32>().prop_map(|n| n.to_string()),
        ]);
        crate::fuzzing::run(
            "request body",
            (bytes, content_type, content_length),
            |(bytes, content_type, content_length)| {
                let mut headers = HeaderMap::new();
                if let Some(value) = content_type.and_then(|v| v.parse().ok()) {
                    headers.insert(header::CONTENT_TYPE, value);
                }
                if let Some(value) = content_length.and_then(|v| v.parse().ok()) {
                    headers.insert(header::CONTENT_LENGTH, value);
                }
                match runtime.block_on(json_body(&headers, Body::from(bytes))) {
                    Ok(value) => {
                        if let Err(error) = PatchRequest::from_json(&value) {
                            prop_assert_eq!(error.status, 400);
                        }
                        for resource_type in [&*USER_TYPE, &*GROUP_TYPE] {
                            if let Err(error) =
                                normalize(&value, resource_type, NormalizeOptions::default())
                            {
                                prop_assert_eq!(error.status, 400);
                            }
                        }
                    }
                    Err(error) => {
                        prop_assert!(
                            [400, 413, 415].contains(&error.status),
                            "refused with {}",
                            error
                        );
                    }
                }
                Ok(())
            },
        );
    }
}
