//! Property tests over everything the reference server parses from a client, at the library
//! level (no HTTP, so many cases a second): filters, attribute paths, PATCH paths, PATCH
//! bodies and their application to a User and a Group, and resource bodies. The property is
//! always the same: no panic, an answer within [`crate::fuzzing::CASE_LIMIT`], and every
//! refusal a 4xx [`ScimError`]. Where a parse succeeds, what it parsed must display back to
//! itself, and a patched resource must still be JSON whose stored form round-trips.
//!
//! `PROPTEST_CASES` sets the case count; `scripts/fuzz.sh` runs them long.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::filter::Filter;
use super::patch::{PATCH_OP_SCHEMA, PatchPath, PatchRequest};
use super::path::AttrPath;
use super::resource::{NormalizeOptions, normalize};
use super::schema::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, GROUP_TYPE, USER_SCHEMA, USER_TYPE};
use super::{ScimError, schema::ResourceType};
use crate::fuzzing;

/// Odd text: controls, NUL, bidi overrides, combining marks, astral characters, a lone
/// backslash, and the characters the grammars give meaning to.
fn odd_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<char>(),
            2 => prop::sample::select(vec![
                '\0', '\u{202e}', '\u{301}', '\u{feff}', '\u{1f600}', '\u{10ffff}', 'é', 'ß',
                'İ', '\\', '"', '\'', '[', ']', '(', ')', '.', ':', ' ', '\t', '\n', '$',
            ]),
        ],
        0..48,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A JSON string literal as a client might write one inside a filter: valid escapes, invalid
/// ones, lone surrogates, an unterminated quote.
fn string_literal() -> impl Strategy<Value = String> {
    prop_oneof![
        odd_text().prop_map(|text| Value::String(text).to_string()),
        prop::collection::vec(
            prop::sample::select(vec![
                "a",
                "\\\"",
                "\\\\",
                "\\/",
                "\\n",
                "\\u00e9",
                "\\uD800",
                "\\uDC00x",
                "\\ud83d\\ude00",
                "\\x",
                "\\u12",
                "\\",
                "é",
                "]",
                "\u{0}",
                " ",
            ]),
            0..8,
        )
        .prop_map(|parts| format!("\"{}\"", parts.concat())),
        Just("\"unterminated".to_owned()),
    ]
}

/// The tokens of RFC 7644 §3.4.2.2, spelt in the ways clients spell them, and some noise.
fn filter_token() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "userName", "emails", "emails.value", "name.givenName", "members", "value", "type",
            "meta.lastModified", "active", "displayName", "$ref", "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value", "urn:", "urn:x",
            "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "EQ", "Pr",
            "and", "or", "not", "AND", "Or", "NOT",
            "(", ")", "[", "]", "not (", "true", "false", "null", "True",
            "0", "-0", "1.5e-7", "1e309", "-1E+2", "123456789012345678901234567890", "1.", ".5",
            "2024-01-01T00:00:00Z",
        ]).prop_map(str::to_owned),
        2 => string_literal(),
        1 => odd_text(),
    ]
}

/// Token soup shaped like filters.
fn filterish() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(filter_token(), 0..40),
        prop::sample::select(vec![" ", "  ", "", "\t", " \u{a0}"]),
    )
        .prop_map(|(tokens, separator)| tokens.join(separator))
}

fn assert_scim_refusal(error: &ScimError) -> Result<(), TestCaseError> {
    prop_assert!(
        (400..500).contains(&error.status),
        "refused with {}: {}",
        error.status,
        error.detail
    );
    Ok(())
}

/// Parses `text`; when it parses, the filter's display parses back to it, and checking and
/// evaluating it against both resource types does not panic.
fn check_filter(text: &str) -> Result<(), TestCaseError> {
    let Ok(filter) = Filter::parse(text) else {
        return Ok(());
    };
    let shown = filter.to_string();
    let reparsed = Filter::parse(&shown);
    prop_assert_eq!(
        reparsed.as_ref(),
        Ok(&filter),
        "{:?} displayed as {:?}",
        text,
        shown
    );
    let resource = json!({
        "userName": "bjensen", "active": true, "name": {"givenName": "Barbara"},
        "emails": [{"value": "b@example.com", "type": "work"}], "members": [{"value": "x"}],
        "meta": {"lastModified": "2024-01-01T00:00:00Z"}
    });
    for resource_type in [&*USER_TYPE, &*GROUP_TYPE] {
        let _ = filter.check(resource_type);
        let _ = filter.matches(&resource, resource_type);
    }
    let _ = filter.required_equality();
    Ok(())
}

#[test]
fn fuzz_filter_parse_arbitrary_text() {
    fuzzing::run(
        "filter: arbitrary text",
        prop_oneof![any::<String>(), odd_text()],
        |text| check_filter(&text),
    );
}

#[test]
fn fuzz_filter_parse_filter_shaped_text() {
    fuzzing::run("filter: filter-shaped text", filterish(), |text| {
        check_filter(&text)
    });
}

/// `(((… leaf …)))`, `not (not (…))`, `emails[value[…]]` and a mix, balanced or cut short.
#[test]
fn fuzz_filter_parse_deep_nesting() {
    let strategy = (
        0usize..400,
        prop::sample::select(vec![
            ("(", ")"),
            ("not (", ")"),
            ("emails[", "]"),
            ("(not (", "))"),
        ]),
        any::<bool>(),
    );
    fuzzing::run(
        "filter: deep nesting",
        strategy,
        |(depth, (open, close), balanced)| {
            let closing = if balanced { depth } else { depth / 2 };
            let text = format!(
                "{}userName eq \"x\"{}",
                open.repeat(depth),
                close.repeat(closing)
            );
            let parsed = Filter::parse(&text);
            // Shallow, balanced nesting of a valid form always parses; the parser may refuse
            // deep nesting (it has a limit) but must answer either way.
            if balanced && depth <= 16 && open != "emails[" {
                prop_assert!(parsed.is_ok(), "{text}: {parsed:?}");
            }
            check_filter(&text)
        },
    );
}

/// `a or b or c …` and `a and b and c …`, up to a few thousand terms.
#[test]
fn fuzz_filter_parse_long_chains() {
    let strategy = (
        1usize..3000,
        prop::sample::select(vec![" and ", " or ", " AND ", " Or "]),
        prop::sample::select(vec![
            "userName eq \"x\"",
            "emails[type eq \"work\" and value co \"@\"]",
            "not (active eq true)",
            "name.givenName pr",
        ]),
    );
    fuzzing::run("filter: long chains", strategy, |(terms, joiner, term)| {
        let text = vec![term; terms].join(joiner);
        check_filter(&text)
    });
}

#[test]
fn fuzz_attribute_path_parse() {
    let pathish = prop::collection::vec(
        prop_oneof![
            prop::sample::select(vec![
                "urn:",
                "ietf:params:scim:schemas:core:2.0:User",
                ":",
                ".",
                "userName",
                "name",
                "givenName",
                "$ref",
                "2.0",
                "-",
                "_",
                "é",
                "",
            ])
            .prop_map(str::to_owned),
            odd_text(),
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat());
    fuzzing::run(
        "attribute path",
        prop_oneof![any::<String>(), pathish],
        |text| {
            if let Ok(path) = AttrPath::parse(&text) {
                let shown = path.to_string();
                prop_assert_eq!(
                    AttrPath::parse(&shown),
                    Ok(path),
                    "{:?} shown as {:?}",
                    text,
                    shown
                );
            }
            Ok(())
        },
    );
}

/// PATCH paths: arbitrary text, and `attr[filter].sub` shapes around filter-shaped text.
fn patch_pathish() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        1 => odd_text(),
        3 => (
            prop::sample::select(vec![
                "members", "emails", "addresses", "name", "userName", "urn:ietf:params:scim:schemas:core:2.0:User:emails",
                ENTERPRISE_USER_SCHEMA, "", " ",
            ]),
            prop::option::of(filterish()),
            prop::option::of(prop::sample::select(vec![".value", ".type", ".display", ".", ".a.b", "x"])),
        )
            .prop_map(|(attr, filter, sub)| {
                let mut text = attr.to_owned();
                if let Some(filter) = filter {
                    text.push('[');
                    text.push_str(&filter);
                    text.push(']');
                }
                text.push_str(sub.unwrap_or(""));
                text
            }),
    ]
}

#[test]
fn fuzz_patch_path_parse() {
    fuzzing::run("PATCH path", patch_pathish(), |text| {
        match PatchPath::parse(&text) {
            Ok(path) => {
                let shown = path.to_string();
                prop_assert_eq!(
                    PatchPath::parse(&shown).ok(),
                    Some(path),
                    "{:?} shown as {:?}",
                    text,
                    shown
                );
            }
            Err(error) => assert_scim_refusal(&error)?,
        }
        Ok(())
    });
}

/// A JSON value of bounded size, with keys and strings that mean something to SCIM.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "a",
            "work",
            "True",
            "false",
            "x@example.com",
            "2024-01-01T00:00:00Z",
            "",
            "urn:ietf:params:scim:schemas:core:2.0:User",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
        odd_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(json_key(), inner, 0..5)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "value", "type", "primary", "display", "$ref", "id", "schemas", "meta", "userName",
            "name", "givenName", "emails", "members", "displayName", "active", "nickName",
            "externalId", "groups", "password", "Operations", "op", "path",
            "name.givenName", "emails[type eq \"work\"].value", ENTERPRISE_USER_SCHEMA,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        ])
        .prop_map(str::to_owned),
        1 => odd_text(),
    ]
}

fn patch_operation() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec![
            "add", "replace", "remove", "Add", "REPLACE", "Remove", "copy", "",
        ]),
        prop::option::weighted(0.85, patch_pathish()),
        prop::option::weighted(0.85, json_value()),
        any::<bool>(),
    )
        .prop_map(|(op, path, value, op_as_bool)| {
            let mut operation =
                json!({ "op": if op_as_bool && op.is_empty() { json!(true) } else { json!(op) } });
            if let Some(path) = path {
                operation["path"] = json!(path);
            }
            if let Some(value) = value {
                operation["value"] = value;
            }
            operation
        })
}

fn patch_body() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => prop::collection::vec(patch_operation(), 1..5)
            .prop_map(|operations| json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations})),
        1 => json_value(),
    ]
}

fn user() -> Value {
    json!({
        "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
        "userName": "bjensen",
        "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        ENTERPRISE_USER_SCHEMA: {"manager": {"value": "m"}, "department": "x"}
    })
}

fn group() -> Value {
    json!({
        "schemas": [GROUP_SCHEMA],
        "displayName": "Engineering",
        "members": [{"value": "a"}, {"value": "b", "display": "B"}]
    })
}

/// What the server does with a PATCH body: parse, apply to the stored resource, normalise the
/// result. Each step answers or refuses with a 4xx; a refused PATCH changes nothing; an
/// applied one leaves JSON whose stored (normalised) form round-trips and normalises to itself.
fn check_patch(
    body: &Value,
    resource: Value,
    resource_type: &ResourceType,
) -> Result<(), TestCaseError> {
    let request = match PatchRequest::from_json(body) {
        Ok(request) => request,
        Err(error) => return assert_scim_refusal(&error),
    };
    let mut working = resource.clone();
    if let Err(error) = request.apply(&mut working, resource_type) {
        prop_assert_eq!(&working, &resource, "a refused PATCH changed the resource");
        return assert_scim_refusal(&error);
    }
    // The patched document is JSON; the stored form is what normalising it gives, and that
    // must come back unchanged from its text (SQLite keeps it as text). The patched document
    // itself may hold any number a client sent, and serde_json's default float parsing can
    // land one ULP off on reading back, so only the stored form is compared.
    serde_json::to_string(&working).map_err(|e| TestCaseError::fail(e.to_string()))?;
    match normalize(&working, resource_type, NormalizeOptions::default()) {
        Ok(normal) => {
            let text =
                serde_json::to_string(&normal).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let reread: Value =
                serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&reread, &normal, "the stored form does not round-trip");
            let again = normalize(&normal, resource_type, NormalizeOptions::default());
            prop_assert_eq!(again.as_ref(), Ok(&normal), "normalising is not idempotent");
        }
        Err(error) => assert_scim_refusal(&error)?,
    }
    Ok(())
}

#[test]
fn fuzz_patch_apply_to_a_user() {
    fuzzing::run("PATCH apply: User", patch_body(), |body| {
        check_patch(&body, user(), &USER_TYPE)
    });
}

#[test]
fn fuzz_patch_apply_to_a_group() {
    fuzzing::run("PATCH apply: Group", patch_body(), |body| {
        check_patch(&body, group(), &GROUP_TYPE)
    });
}

/// A POST or PUT body: arbitrary JSON, or a resource with arbitrary attributes mixed in.
#[test]
fn fuzz_resource_bodies_normalize_or_are_refused() {
    let strategy = prop_oneof![
        1 => json_value(),
        2 => (prop::collection::btree_map(json_key(), json_value(), 0..6), any::<bool>())
            .prop_map(|(extra, as_group)| {
                let mut base = if as_group { group() } else { user() };
                for (key, value) in extra {
                    base[key] = value;
                }
                base
            }),
    ];
    fuzzing::run("resource body: normalize", strategy, |body| {
        for resource_type in [&*USER_TYPE, &*GROUP_TYPE] {
            match normalize(&body, resource_type, NormalizeOptions::default()) {
                Ok(normal) => {
                    let again = normalize(&normal, resource_type, NormalizeOptions::default());
                    prop_assert_eq!(again.as_ref(), Ok(&normal), "normalising is not idempotent");
                }
                Err(error) => assert_scim_refusal(&error)?,
            }
        }
        Ok(())
    });
}
