//! PATCH tests: every path form under add, replace and remove, the shapes Okta and Entra send
//! (docs/idps/okta.md §3.5, §3.6, §4; docs/idps/entra.md §7, §9), every error, and atomicity.

use std::sync::LazyLock;

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::scim::ScimType;
use crate::scim::schema::{
    Attribute, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, GROUP_TYPE, Mutability, Schema, USER,
    USER_SCHEMA, USER_TYPE,
};

fn user() -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "id": "2819c223",
        "userName": "bjensen",
        "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00Z"}
    })
}

fn group() -> Value {
    json!({
        "schemas": [GROUP_SCHEMA],
        "id": "abf4dd94",
        "displayName": "Engineering",
        "members": [{"value": "a"}, {"value": "b"}, {"value": "c"}]
    })
}

fn body(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations})
}

fn patch(
    resource: &mut Value,
    resource_type: &ResourceType,
    body: &Value,
) -> Result<(), ScimError> {
    PatchRequest::from_json(body)?.apply(resource, resource_type)
}

fn patched(mut resource: Value, resource_type: &ResourceType, operations: Value) -> Value {
    if let Err(error) = patch(&mut resource, resource_type, &body(operations)) {
        panic!("PATCH failed: {error}");
    }
    resource
}

fn patched_user(operations: Value) -> Value {
    patched(user(), &USER_TYPE, operations)
}

fn patched_group(operations: Value) -> Value {
    patched(group(), &GROUP_TYPE, operations)
}

/// The error of a PATCH that must fail, having checked that it left the resource unchanged.
fn failure(resource: Value, resource_type: &ResourceType, operations: Value) -> ScimError {
    let mut working = resource.clone();
    let Err(error) = patch(&mut working, resource_type, &body(operations.clone())) else {
        panic!("PATCH {operations} succeeded");
    };
    assert_eq!(
        working, resource,
        "the failed PATCH {operations} changed the resource"
    );
    assert_eq!(error.status, 400);
    error
}

fn user_failure(operations: Value) -> ScimError {
    failure(user(), &USER_TYPE, operations)
}

fn group_failure(operations: Value) -> ScimError {
    failure(group(), &GROUP_TYPE, operations)
}

fn member_ids(group: &Value) -> Vec<&str> {
    group["members"]
        .as_array()
        .map(|members| members.iter().filter_map(|m| m["value"].as_str()).collect())
        .unwrap_or_default()
}

// --- Body parsing ---------------------------------------------------------------------------

#[test]
fn parses_entra_capitalised_ops_and_case_insensitive_keys() {
    // Arrange: Entra's default dialect (docs/idps/entra.md §7.1), keys in odd case.
    let body = json!({
        "schemas": [PATCH_OP_SCHEMA],
        "operations": [
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"OP": "Add", "Path": "nickName", "Value": "Babs"},
            {"op": "Remove", "path": "title"}
        ]
    });

    // Act
    let request = PatchRequest::from_json(&body).expect("parses");

    // Assert
    let kinds: Vec<PatchOpKind> = request.operations.iter().map(|o| o.op).collect();
    assert_eq!(
        kinds,
        [PatchOpKind::Replace, PatchOpKind::Add, PatchOpKind::Remove]
    );
    assert_eq!(request.operations[1].value, Some(json!("Babs")));
    assert_eq!(
        request.operations[2]
            .path
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("title")
    );
}

#[test]
fn tolerates_a_body_without_schemas() {
    // Arrange: the one Okta paste without `schemas` (docs/idps/okta.md §3.6.7, §4 item 7).
    let body = json!({"Operations": [{"op": "replace", "value": {"displayName": "Ops"}}]});

    // Act
    let request = PatchRequest::from_json(&body);

    // Assert
    assert!(request.is_ok(), "{request:?}");
}

#[test]
fn malformed_bodies_are_invalid_syntax() {
    for bad in [
        json!([]),
        json!("patch"),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "Operations": [{"op": "add", "value": {}}]}),
        json!({"schemas": PATCH_OP_SCHEMA, "Operations": [{"op": "add", "value": {}}]}),
        json!({"schemas": [PATCH_OP_SCHEMA]}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": {"op": "add"}}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": []}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": ["add"]}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"path": "x", "value": 1}]}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": 1, "path": "x", "value": 1}]}),
        json!({"schemas": [PATCH_OP_SCHEMA], "Operations": [{"op": "move", "path": "x", "value": 1}]}),
    ] {
        let error = PatchRequest::from_json(&bad).expect_err(&bad.to_string());
        assert_eq!(
            error.scim_type,
            Some(ScimType::InvalidSyntax),
            "{bad}: {error}"
        );
    }
}

#[test]
fn a_missing_value_is_invalid_value() {
    for operation in [
        json!({"op": "add", "path": "nickName"}),
        json!({"op": "add", "path": "nickName", "value": null}),
        json!({"op": "replace", "path": "nickName"}),
        json!({"op": "replace"}),
        json!({"op": "add", "value": "Babs"}),
        json!({"op": "replace", "value": [{"active": false}]}),
    ] {
        let error = PatchRequest::from_json(&body(json!([operation.clone()])))
            .expect_err(&operation.to_string());
        assert_eq!(
            error.scim_type,
            Some(ScimType::InvalidValue),
            "{operation}: {error}"
        );
    }
}

#[test]
fn remove_without_path_is_no_target() {
    let error = PatchRequest::from_json(&body(json!([{"op": "remove"}]))).expect_err("no path");
    assert_eq!(error.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn a_path_that_is_not_a_string_is_invalid_path() {
    let error = PatchRequest::from_json(&body(json!([{"op": "remove", "path": ["members"]}])))
        .expect_err("array path");
    assert_eq!(error.scim_type, Some(ScimType::InvalidPath));
}

#[test]
fn errors_name_the_failing_operation() {
    let error = user_failure(json!([
        {"op": "replace", "path": "nickName", "value": "Babs"},
        {"op": "replace", "path": "shoeSize", "value": 42}
    ]));
    assert!(
        error.detail.starts_with("Operations[1]: "),
        "{}",
        error.detail
    );
    assert!(error.detail.contains("shoeSize"), "{}", error.detail);
}

#[test]
fn a_body_round_trips_through_to_json() {
    // Arrange
    let original = body(json!([
        {"op": "remove", "path": "members[value eq \"a]b\"]"},
        {"op": "add", "path": "emails[type eq \"work\"].value", "value": "x@example.com"},
        {"op": "replace", "value": {"active": false}}
    ]));
    let request = PatchRequest::from_json(&original).expect("parses");

    // Act
    let reparsed = PatchRequest::from_json(&request.to_json()).expect("reparses");

    // Assert
    assert_eq!(reparsed, request);
}

// --- Paths -----------------------------------------------------------------------------------

/// The parts of a parsed path, for comparing against expectations.
#[derive(Debug, PartialEq)]
struct Parts<'a> {
    urn: Option<&'a str>,
    name: &'a str,
    sub: Option<&'a str>,
    filtered: bool,
    sub_attr: Option<&'a str>,
}

impl<'a> Parts<'a> {
    fn of(path: &'a PatchPath) -> Self {
        Parts {
            urn: path.attr.urn.as_deref(),
            name: &path.attr.name,
            sub: path.attr.sub.as_deref(),
            filtered: path.filter.is_some(),
            sub_attr: path.sub_attr.as_deref(),
        }
    }
}

#[test]
fn parses_every_path_form() {
    let plain = |name| Parts {
        urn: None,
        name,
        sub: None,
        filtered: false,
        sub_attr: None,
    };
    let cases = [
        ("displayName", plain("displayName")),
        (
            "name.givenName",
            Parts {
                sub: Some("givenName"),
                ..plain("name")
            },
        ),
        (
            "members[value eq \"2819c223\"]",
            Parts {
                filtered: true,
                ..plain("members")
            },
        ),
        (
            "emails[type eq \"work\"].value",
            Parts {
                filtered: true,
                sub_attr: Some("value"),
                ..plain("emails")
            },
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            Parts {
                urn: Some(ENTERPRISE_USER_SCHEMA),
                sub: Some("value"),
                ..plain("manager")
            },
        ),
        (
            ENTERPRISE_USER_SCHEMA,
            Parts {
                urn: Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0"),
                ..plain("User")
            },
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"].value",
            Parts {
                urn: Some(USER_SCHEMA),
                filtered: true,
                sub_attr: Some("value"),
                ..plain("emails")
            },
        ),
    ];
    for (text, expected) in cases {
        let path = PatchPath::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(Parts::of(&path), expected, "{text}");
    }
}

#[test]
fn a_bracket_inside_a_quoted_string_does_not_end_the_filter() {
    // Arrange
    let text = r#"emails[value eq "a]b\"]c" and type eq "work"].display"#;

    // Act
    let path: PatchPath = text.parse().expect("parses");

    // Assert
    assert_eq!(path.sub_attr.as_deref(), Some("display"));
    let element = json!({"value": "a]b\"]c", "type": "work"});
    let emails = USER.attribute("emails").expect("emails is defined");
    assert!(
        path.filter
            .as_ref()
            .is_some_and(|f| f.matches_element(&element, emails))
    );
}

#[test]
fn malformed_paths_are_invalid_path() {
    for bad in [
        "",
        "   ",
        "1abc",
        "a..b",
        "emails[",
        "emails[]",
        "emails[type eq \"work\"",
        "emails[type eq \"work\"]value",
        "emails[type eq \"work\"].",
        "emails[type eq \"work\"].a.b",
        "emails[type eq]",
        "name.givenName[type eq \"x\"]",
        "namé",
        "]",
    ] {
        let error = PatchPath::parse(bad).expect_err(bad);
        assert_eq!(error.scim_type, Some(ScimType::InvalidPath), "{bad:?}");
        assert_eq!(error.status, 400);
    }
}

#[test]
fn a_path_displays_as_it_parses() {
    for text in [
        "displayName",
        "name.givenName",
        "members[value eq \"2819c223\"]",
        "emails[type eq \"work\" and value ew \"example.com\"].display",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    ] {
        let path = PatchPath::parse(text).expect(text);
        let reparsed = PatchPath::parse(&path.to_string()).expect("display reparses");
        assert_eq!(reparsed, path, "{text}");
    }
}

// --- add (RFC 7644 §3.5.2.1) -------------------------------------------------------------------

#[test]
fn add_sets_a_simple_attribute_under_its_canonical_name() {
    // Act
    let user = patched_user(json!([{"op": "add", "path": "NICKNAME", "value": "Babs"}]));

    // Assert
    assert_eq!(user["nickName"], json!("Babs"));
    assert!(user.get("NICKNAME").is_none());
}

#[test]
fn writes_replace_a_key_spelled_in_another_case() {
    // Arrange
    let mut resource = user();
    resource["DisplayName"] = json!("Old");

    // Act
    let user = patched(
        resource,
        &USER_TYPE,
        json!([{"op": "replace", "path": "displayName", "value": "New"}]),
    );

    // Assert
    assert_eq!(user["displayName"], json!("New"));
    assert!(user.get("DisplayName").is_none());
}

#[test]
fn add_sets_a_sub_attribute() {
    let user = patched_user(json!([{"op": "add", "path": "name.middleName", "value": "Jane"}]));
    assert_eq!(
        user["name"],
        json!({"givenName": "Barbara", "familyName": "Jensen", "middleName": "Jane"})
    );
}

#[test]
fn add_merges_into_a_complex_attribute() {
    let user = patched_user(
        json!([{"op": "add", "path": "name", "value": {"middleName": "Jane", "givenName": "Babs"}}]),
    );
    assert_eq!(
        user["name"],
        json!({"givenName": "Babs", "familyName": "Jensen", "middleName": "Jane"})
    );
}

#[test]
fn add_appends_to_a_multi_valued_attribute_and_skips_values_it_has() {
    // Act
    let user = patched_user(json!([{"op": "add", "path": "emails", "value": [
        {"value": "BJENSEN@example.com", "type": "work"},
        {"value": "b@other.org", "type": "other"}
    ]}]));

    // Assert: emails' value is caseExact=false, so the first is a duplicate.
    let emails = user["emails"].as_array().expect("emails");
    assert_eq!(emails.len(), 3);
    assert_eq!(emails[2], json!({"value": "b@other.org", "type": "other"}));
}

#[test]
fn add_accepts_a_single_element_for_a_multi_valued_attribute() {
    let group = patched_group(json!([{"op": "add", "path": "members", "value": {"value": "d"}}]));
    assert_eq!(member_ids(&group), ["a", "b", "c", "d"]);
}

#[test]
fn okta_add_members_is_a_union() {
    // Arrange: docs/idps/okta.md §3.6.5 membership delta: members carry `value` and `display`.
    let operations = json!([{"op": "add", "path": "members", "value": [
        {"value": "b", "display": "b@okta.local"},
        {"value": "d", "display": "d@okta.local"}
    ]}]);

    // Act
    let group = patched_group(operations);

    // Assert
    assert_eq!(member_ids(&group), ["a", "b", "c", "d"]);
}

#[test]
fn a_large_union_skips_every_duplicate() {
    // Arrange: a full push of thousands of members, half of them already there.
    let mut resource = group();
    resource["members"] = Value::Array(
        (0..4000)
            .map(|i| json!({"value": format!("u{i}")}))
            .collect(),
    );
    let added: Vec<Value> = (2000..6000)
        .map(|i| json!({"value": format!("u{i}"), "display": "x"}))
        .collect();

    // Act
    let group = patched(
        resource,
        &GROUP_TYPE,
        json!([{"op": "add", "path": "members", "value": added}]),
    );

    // Assert
    let ids = member_ids(&group);
    assert_eq!(ids.len(), 6000);
    assert_eq!(
        ids.iter().collect::<std::collections::HashSet<_>>().len(),
        6000
    );
}

#[test]
fn add_with_a_filter_merges_into_the_matching_values() {
    let user = patched_user(
        json!([{"op": "add", "path": "emails[type eq \"home\"]", "value": {"display": "Home"}}]),
    );
    assert_eq!(
        user["emails"][1],
        json!({"value": "babs@jensen.org", "type": "home", "display": "Home"})
    );
    assert_eq!(user["emails"][0]["display"], Value::Null);
}

#[test]
fn add_with_a_filter_and_sub_attribute_sets_it_on_the_matching_values() {
    let user = patched_user(
        json!([{"op": "add", "path": "emails[value ew \"jensen.org\"].display", "value": "Babs"}]),
    );
    assert_eq!(user["emails"][1]["display"], json!("Babs"));
    assert_eq!(user["emails"][0]["display"], Value::Null);
}

#[test]
fn setting_primary_demotes_the_other_values() {
    // RFC 7644 §3.5.2: the server sets "primary" to false for any other values.
    let user = patched_user(
        json!([{"op": "add", "path": "emails", "value": [{"value": "new@example.com", "primary": true}]}]),
    );
    assert_eq!(user["emails"][0]["primary"], json!(false));
    assert_eq!(user["emails"][2]["primary"], json!(true));

    let user = patched_user(
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
    );
    assert_eq!(user["emails"][0]["primary"], json!(false));
    assert_eq!(user["emails"][1]["primary"], json!(true));
}

#[test]
fn add_of_a_non_object_to_a_complex_attribute_is_invalid_value() {
    let error = user_failure(json!([{"op": "add", "path": "name", "value": "Barbara Jensen"}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn add_of_an_extension_attribute_lists_the_extension_schema() {
    // Act
    let user = patched_user(json!([{
        "op": "add",
        "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "value": "701984"
    }]));

    // Assert: RFC 7644 §3.5.2 adds the URN to `schemas` implicitly.
    assert_eq!(
        user[ENTERPRISE_USER_SCHEMA],
        json!({"employeeNumber": "701984"})
    );
    assert_eq!(
        user["schemas"],
        json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA])
    );
}

#[test]
fn entra_path_less_values_hold_dotted_and_urn_keys() {
    // Arrange: docs/idps/entra.md §7.2, compliant dialect.
    let operations = json!([
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "TestMhvaes@test.microsoft.com"},
        {"op": "replace", "value": {
            "displayName": "Bjfe",
            "name.givenName": "Kkom",
            "name.familyName": "Unua",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq"
        }}
    ]);

    // Act
    let user = patched_user(operations);

    // Assert
    assert_eq!(user["displayName"], json!("Bjfe"));
    assert_eq!(
        user["name"],
        json!({"givenName": "Kkom", "familyName": "Unua"})
    );
    assert_eq!(
        user[ENTERPRISE_USER_SCHEMA]["employeeNumber"],
        json!("Aklq")
    );
    assert_eq!(
        user["emails"][0]["value"],
        json!("TestMhvaes@test.microsoft.com")
    );
    assert!(user.get("name.givenName").is_none());
}

#[test]
fn a_path_less_value_may_nest_an_extension_object() {
    let user = patched_user(json!([{"op": "add", "value": {
        ENTERPRISE_USER_SCHEMA: {"department": "R&D", "manager": {"value": "m1"}},
        "schemas": ["ignored"]
    }}]));
    assert_eq!(
        user[ENTERPRISE_USER_SCHEMA],
        json!({"department": "R&D", "manager": {"value": "m1"}})
    );
    assert_eq!(
        user["schemas"],
        json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA])
    );
}

#[test]
fn a_path_less_add_appends_to_multi_valued_attributes() {
    // The RFC 7644 §3.5.2.1 example, with its lowercase `nickname`.
    let user = patched_user(json!([{"op": "add", "value": {
        "emails": [{"value": "babs@jensen.org", "type": "home"}, {"value": "b@x.org", "type": "other"}],
        "nickname": "Babs"
    }}]));
    assert_eq!(user["emails"].as_array().map(Vec::len), Some(3));
    assert_eq!(user["nickName"], json!("Babs"));
}

// --- replace (RFC 7644 §3.5.2.3) ---------------------------------------------------------------

#[test]
fn replace_sets_a_simple_attribute() {
    let user = patched_user(json!([{"op": "replace", "path": "userName", "value": "babs"}]));
    assert_eq!(user["userName"], json!("babs"));
}

#[test]
fn replace_of_an_absent_attribute_adds_it() {
    let user = patched_user(json!([{"op": "replace", "path": "title", "value": "Tour Guide"}]));
    assert_eq!(user["title"], json!("Tour Guide"));
}

#[test]
fn okta_deactivates_with_a_path_less_replace() {
    // docs/idps/okta.md §3.5
    let user = patched_user(json!([{"op": "replace", "value": {"active": false}}]));
    let mut expected = self::user();
    expected["active"] = json!(false);
    assert_eq!(user, expected);
}

#[test]
fn okta_group_rename_echoes_the_unchanged_id() {
    // docs/idps/okta.md §3.6.4 and §4 items 1–2.
    let group = patched_group(
        json!([{"op": "replace", "value": {"id": "abf4dd94", "displayName": "Test SCIMv2"}}]),
    );
    assert_eq!(group["displayName"], json!("Test SCIMv2"));
    assert_eq!(group["id"], json!("abf4dd94"));
    assert_eq!(member_ids(&group), ["a", "b", "c"]);
}

#[test]
fn a_path_less_read_only_attribute_with_another_value_is_mutability() {
    let error =
        group_failure(json!([{"op": "replace", "value": {"id": "other", "displayName": "X"}}]));
    assert_eq!(error.scim_type, Some(ScimType::Mutability));
    let user = patched_user(json!([{"op": "replace", "value": {"groups": [], "active": false}}]));
    assert_eq!(user["active"], json!(false));
}

#[test]
fn replace_of_a_multi_valued_attribute_replaces_every_value() {
    // docs/idps/okta.md §3.6.6 "Push Now"
    let group = patched_group(
        json!([{"op": "replace", "path": "members", "value": [{"value": "x", "display": "x@okta"}]}]),
    );
    assert_eq!(
        group["members"],
        json!([{"value": "x", "display": "x@okta"}])
    );
}

#[test]
fn replace_with_an_empty_array_unassigns_the_attribute() {
    // docs/idps/okta.md §4 item 4 and the path-less variant of §3.6.7.
    let group = patched_group(json!([{"op": "replace", "path": "members", "value": []}]));
    assert!(group.get("members").is_none(), "{group}");
    let group = patched_group(
        json!([{"op": "replace", "value": {"members": [], "id": "abf4dd94", "displayName": "Engineering"}}]),
    );
    assert!(group.get("members").is_none(), "{group}");
}

#[test]
fn replace_of_a_complex_attribute_leaves_other_sub_attributes_alone() {
    // RFC 7644 §3.5.2.3: "Sub-attributes that are not specified … are left unchanged."
    let user = patched_user(
        json!([{"op": "replace", "path": "name", "value": {"givenName": "Babs", "familyName": null}}]),
    );
    assert_eq!(user["name"], json!({"givenName": "Babs"}));
}

#[test]
fn replace_of_a_sub_attribute_without_filter_sets_it_on_every_value() {
    let user =
        patched_user(json!([{"op": "replace", "path": "emails.display", "value": "Barbara"}]));
    assert_eq!(user["emails"][0]["display"], json!("Barbara"));
    assert_eq!(user["emails"][1]["display"], json!("Barbara"));
}

#[test]
fn replace_with_a_filter_replaces_the_matching_values() {
    let user = patched_user(
        json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": {
            "value": "babs@home.example", "type": "home", "primary": true
        }}]),
    );
    assert_eq!(
        user["emails"][1],
        json!({"value": "babs@home.example", "type": "home", "primary": true})
    );
    assert_eq!(user["emails"][0]["primary"], json!(false));
}

#[test]
fn entra_replace_of_the_work_email_value_updates_it() {
    // docs/idps/entra.md §7.1
    let user = patched_user(
        json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "TestBcwqnm@test.microsoft.com"}]),
    );
    assert_eq!(
        user["emails"][0],
        json!({"value": "TestBcwqnm@test.microsoft.com", "type": "work", "primary": true})
    );
    assert_eq!(user["emails"].as_array().map(Vec::len), Some(2));
}

#[test]
fn entra_replace_of_a_missing_work_email_creates_it() {
    // Arrange: docs/idps/entra.md §7.3, a user with no work email.
    let mut resource = user();
    resource["emails"] = json!([{"value": "babs@jensen.org", "type": "home"}]);

    // Act
    let user = patched(
        resource,
        &USER_TYPE,
        json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "w@example.com"}]),
    );

    // Assert
    assert_eq!(
        user["emails"],
        json!([
            {"value": "babs@jensen.org", "type": "home"},
            {"value": "w@example.com", "type": "work"}
        ])
    );
}

#[test]
fn add_with_an_and_of_equalities_creates_the_missing_value() {
    let user = patched_user(
        json!([{"op": "add", "path": "addresses[type eq \"work\" and primary eq true].locality", "value": "Hollywood"}]),
    );
    assert_eq!(
        user["addresses"],
        json!([{"type": "work", "primary": true, "locality": "Hollywood"}])
    );
}

#[test]
fn a_filter_that_matches_nothing_and_describes_no_value_is_no_target() {
    for operation in [
        json!({"op": "replace", "path": "emails[value co \"nowhere\"].display", "value": "x"}),
        json!({"op": "replace", "path": "emails[type eq \"work\" or type eq \"other\"]", "value": {"value": "x"}}),
        json!({"op": "add", "path": "emails[not (type pr)].value", "value": "x"}),
    ] {
        let mut resource = user();
        resource["emails"] = json!([{"value": "babs@jensen.org", "type": "home"}]);
        let error = failure(resource, &USER_TYPE, json!([operation.clone()]));
        assert_eq!(
            error.scim_type,
            Some(ScimType::NoTarget),
            "{operation}: {error}"
        );
    }
}

#[test]
fn replace_with_null_removes() {
    let user = patched_user(json!([
        {"op": "replace", "path": "name.givenName", "value": null},
        {"op": "replace", "value": {"active": null}}
    ]));
    assert_eq!(user["name"], json!({"familyName": "Jensen"}));
    assert!(user.get("active").is_none());
}

#[test]
fn entra_sends_the_manager_as_a_plain_string() {
    // docs/idps/entra.md §7.4
    let user = patched_user(json!([{
        "op": "Add",
        "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"
    }]));
    assert_eq!(
        user[ENTERPRISE_USER_SCHEMA]["manager"],
        json!({"value": "2c2f6fb8-254f-492e-b7fe-c09c5a61c8a2"})
    );
    assert_eq!(
        user["schemas"],
        json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA])
    );
}

#[test]
fn the_manager_value_has_its_own_urn_path() {
    // Arrange
    let mut resource = user();
    resource[ENTERPRISE_USER_SCHEMA] = json!({"manager": {"value": "m1", "displayName": "Boss"}});
    resource["schemas"] = json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);

    // Act
    let user = patched(
        resource,
        &USER_TYPE,
        json!([{
            "op": "replace",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            "value": "m2"
        }]),
    );

    // Assert
    assert_eq!(
        user[ENTERPRISE_USER_SCHEMA]["manager"],
        json!({"value": "m2", "displayName": "Boss"})
    );
}

#[test]
fn a_bare_extension_urn_path_merges_the_extension_object() {
    // Arrange
    let mut resource = user();
    resource[ENTERPRISE_USER_SCHEMA] = json!({"department": "Sales", "costCenter": "4130"});
    resource["schemas"] = json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);

    // Act
    let user = patched(
        resource,
        &USER_TYPE,
        json!([{
            "op": "replace",
            "path": ENTERPRISE_USER_SCHEMA,
            "value": {"department": "R&D", "division": "Labs"}
        }]),
    );

    // Assert
    assert_eq!(
        user[ENTERPRISE_USER_SCHEMA],
        json!({"department": "R&D", "costCenter": "4130", "division": "Labs"})
    );
}

#[test]
fn a_urn_qualified_core_path_writes_the_core_attribute() {
    let user = patched_user(
        json!([{"op": "replace", "path": "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName", "value": "Babs"}]),
    );
    assert_eq!(user["name"]["givenName"], json!("Babs"));
    assert!(user.get(USER_SCHEMA).is_none());
}

// --- remove (RFC 7644 §3.5.2.2) ----------------------------------------------------------------

#[test]
fn remove_unassigns_a_simple_attribute() {
    let user = patched_user(json!([{"op": "remove", "path": "active"}]));
    assert!(user.get("active").is_none());
}

#[test]
fn remove_of_a_sub_attribute_leaves_the_rest() {
    let user = patched_user(json!([{"op": "remove", "path": "name.givenName"}]));
    assert_eq!(user["name"], json!({"familyName": "Jensen"}));
    let user = patched_user(
        json!([{"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "name.familyName"}]),
    );
    assert!(
        user.get("name").is_none(),
        "an emptied complex attribute is unassigned"
    );
}

#[test]
fn remove_of_a_sub_attribute_without_filter_removes_it_from_every_value() {
    let user = patched_user(json!([{"op": "remove", "path": "emails.type"}]));
    assert_eq!(
        user["emails"],
        json!([
            {"value": "bjensen@example.com", "primary": true},
            {"value": "babs@jensen.org"}
        ])
    );
}

#[test]
fn remove_of_a_multi_valued_attribute_removes_every_value() {
    let group = patched_group(json!([{"op": "remove", "path": "members"}]));
    assert!(group.get("members").is_none());
}

#[test]
fn okta_removes_one_member_by_filter() {
    // docs/idps/okta.md §3.6.5: one remove per member, before the batched add.
    let group = patched_group(json!([
        {"op": "remove", "path": "members[value eq \"b\"]"},
        {"op": "add", "path": "members", "value": [{"value": "d", "display": "d@okta.local"}]}
    ]));
    assert_eq!(member_ids(&group), ["a", "c", "d"]);
}

#[test]
fn removing_a_member_that_is_not_there_is_not_an_error() {
    let group = patched_group(json!([{"op": "remove", "path": "members[value eq \"zzz\"]"}]));
    assert_eq!(member_ids(&group), ["a", "b", "c"]);
}

#[test]
fn removing_the_last_member_unassigns_members() {
    let mut resource = group();
    resource["members"] = json!([{"value": "a"}]);
    let group = patched(
        resource,
        &GROUP_TYPE,
        json!([{"op": "remove", "path": "members[value eq \"a\"]"}]),
    );
    assert!(group.get("members").is_none(), "{group}");
}

#[test]
fn remove_with_a_filter_and_sub_attribute_removes_it_from_the_matching_values() {
    let user = patched_user(json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]));
    assert_eq!(
        user["emails"][0],
        json!({"value": "bjensen@example.com", "type": "work"})
    );
    assert_eq!(
        user["emails"][1],
        json!({"value": "babs@jensen.org", "type": "home"})
    );
}

#[test]
fn entra_removes_listed_members_only() {
    // docs/idps/entra.md §9: a server that ignores `value` wipes the group.
    let group = patched_group(
        json!([{"op": "Remove", "path": "members", "value": [{"value": "a", "$ref": null}, {"value": "c"}]}]),
    );
    assert_eq!(member_ids(&group), ["b"]);
}

#[test]
fn a_remove_listing_nothing_removes_nothing() {
    let group = patched_group(
        json!([{"op": "remove", "path": "members", "value": [{}, {"value": "zzz"}]}]),
    );
    assert_eq!(member_ids(&group), ["a", "b", "c"]);
}

#[test]
fn removing_the_last_extension_attribute_removes_the_extension() {
    // Arrange
    let mut resource = user();
    resource[ENTERPRISE_USER_SCHEMA] = json!({"department": "Sales"});
    resource["schemas"] = json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);

    // Act
    let user = patched(
        resource,
        &USER_TYPE,
        json!([{
            "op": "remove",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
        }]),
    );

    // Assert
    assert!(user.get(ENTERPRISE_USER_SCHEMA).is_none(), "{user}");
    assert_eq!(user["schemas"], json!([USER_SCHEMA]));
}

#[test]
fn remove_of_a_bare_extension_urn_removes_the_extension() {
    let mut resource = user();
    resource[ENTERPRISE_USER_SCHEMA] = json!({"department": "Sales", "manager": {"value": "m1"}});
    resource["schemas"] = json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
    let user = patched(
        resource,
        &USER_TYPE,
        json!([{"op": "remove", "path": ENTERPRISE_USER_SCHEMA}]),
    );
    assert!(user.get(ENTERPRISE_USER_SCHEMA).is_none());
    assert_eq!(user["schemas"], json!([USER_SCHEMA]));
}

#[test]
fn removing_a_required_attribute_is_mutability() {
    // RFC 7644 §3.5.2.2: removing a required attribute is "mutability".
    for operation in [
        json!({"op": "remove", "path": "userName"}),
        json!({"op": "replace", "path": "userName", "value": null}),
        json!({"op": "replace", "value": {"userName": null}}),
    ] {
        let error = user_failure(json!([operation.clone()]));
        assert_eq!(error.scim_type, Some(ScimType::Mutability), "{operation}");
    }
    let error = group_failure(json!([{"op": "remove", "path": "displayName"}]));
    assert_eq!(error.scim_type, Some(ScimType::Mutability));
}

// --- Mutability ------------------------------------------------------------------------------

#[test]
fn read_only_targets_are_mutability() {
    for operation in [
        json!({"op": "replace", "path": "id", "value": "x"}),
        json!({"op": "add", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}),
        json!({"op": "remove", "path": "meta"}),
        json!({"op": "add", "path": "groups", "value": [{"value": "g"}]}),
        json!({"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName", "value": "x"}),
    ] {
        let error = user_failure(json!([operation.clone()]));
        assert_eq!(
            error.scim_type,
            Some(ScimType::Mutability),
            "{operation}: {error}"
        );
    }
}

#[test]
fn an_assigned_immutable_member_value_cannot_change() {
    for operation in [
        json!({"op": "replace", "path": "members[value eq \"a\"].value", "value": "z"}),
        json!({"op": "replace", "path": "members[value eq \"a\"]", "value": {"value": "z"}}),
        json!({"op": "add", "path": "members[value eq \"a\"]", "value": {"value": "z"}}),
        json!({"op": "remove", "path": "members[value eq \"a\"].value"}),
        json!({"op": "replace", "path": "members.value", "value": "z"}),
    ] {
        let error = group_failure(json!([operation.clone()]));
        assert_eq!(
            error.scim_type,
            Some(ScimType::Mutability),
            "{operation}: {error}"
        );
    }
}

#[test]
fn an_immutable_member_value_may_be_set_when_absent_or_unchanged() {
    // Arrange
    let mut resource = group();
    resource["members"] = json!([{"value": "a"}, {"display": "orphan"}]);

    // Act
    let group = patched(
        resource,
        &GROUP_TYPE,
        json!([
            {"op": "replace", "path": "members[display eq \"orphan\"].value", "value": "o"},
            {"op": "replace", "path": "members[value eq \"a\"]", "value": {"value": "a", "type": "User"}},
            {"op": "add", "path": "members", "value": [{"value": "n"}]}
        ]),
    );

    // Assert
    assert_eq!(
        group["members"],
        json!([
            {"value": "a", "type": "User"},
            {"display": "orphan", "value": "o"},
            {"value": "n"}
        ])
    );
}

/// A resource type with an immutable top-level attribute, which the RFC schemas lack.
static BADGE_TYPE: LazyLock<ResourceType> = LazyLock::new(|| {
    let schema: &'static Schema = Box::leak(Box::new(Schema {
        id: "urn:example:scim:schemas:Badge",
        name: "Badge",
        description: "",
        attributes: vec![Attribute {
            mutability: Mutability::Immutable,
            ..USER
                .attribute("nickName")
                .expect("nickName is defined")
                .clone()
        }],
    }));
    ResourceType {
        name: "Badge",
        endpoint: "/Badges",
        description: "",
        schema,
        extensions: Vec::new(),
    }
});

#[test]
fn an_immutable_attribute_may_be_set_once() {
    // Arrange
    let badge = json!({"schemas": ["urn:example:scim:schemas:Badge"]});

    // Act
    let set = patched(
        badge,
        &BADGE_TYPE,
        json!([
            {"op": "add", "path": "nickName", "value": "B-1"},
            {"op": "replace", "value": {"nickName": "B-1"}}
        ]),
    );

    // Assert
    assert_eq!(set["nickName"], json!("B-1"));
    for operation in [
        json!({"op": "replace", "path": "nickName", "value": "B-2"}),
        json!({"op": "remove", "path": "nickName"}),
    ] {
        let error = failure(set.clone(), &BADGE_TYPE, json!([operation.clone()]));
        assert_eq!(error.scim_type, Some(ScimType::Mutability), "{operation}");
    }
}

// --- Unknown paths ---------------------------------------------------------------------------

#[test]
fn paths_that_do_not_resolve_are_invalid_path() {
    for path in [
        "shoeSize",
        "name.shoeSize",
        "urn:example:unknown:2.0:User:shoeSize",
        "urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
        "emails[shoeSize eq \"x\"]",
        "emails[type eq \"work\"].shoeSize",
        "displayName[value eq \"x\"]",
        "emails[members[value eq \"x\"]]",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User[department eq \"x\"]",
    ] {
        let error = user_failure(json!([{"op": "replace", "path": path, "value": "x"}]));
        assert_eq!(
            error.scim_type,
            Some(ScimType::InvalidPath),
            "{path}: {error}"
        );
    }
    let error = user_failure(json!([{"op": "replace", "path": "shoeSize", "value": 42}]));
    assert!(error.detail.contains("shoeSize"), "{}", error.detail);
}

#[test]
fn unknown_keys_in_a_path_less_value_are_invalid_path() {
    let error =
        user_failure(json!([{"op": "replace", "value": {"active": false, "shoeSize": 42}}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidPath));
    assert!(error.detail.contains("shoeSize"), "{}", error.detail);
}

#[test]
fn a_bare_extension_urn_needs_an_object() {
    let error =
        user_failure(json!([{"op": "add", "path": ENTERPRISE_USER_SCHEMA, "value": "Sales"}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
}

// --- Atomicity ---------------------------------------------------------------------------------

#[test]
fn a_failing_operation_leaves_the_resource_unchanged() {
    // Arrange: the first two operations succeed on the working copy; the third fails.
    let operations = json!([
        {"op": "replace", "path": "displayName", "value": "Changed"},
        {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "R&D"},
        {"op": "replace", "path": "id", "value": "hijacked"}
    ]);
    let mut resource = user();

    // Act
    let result = patch(&mut resource, &USER_TYPE, &body(operations));

    // Assert
    assert_eq!(
        result.map_err(|e| e.scim_type),
        Err(Some(ScimType::Mutability))
    );
    assert_eq!(resource, user());
}

#[test]
fn a_non_object_resource_is_refused_without_panicking() {
    let mut resource = json!(["not", "a", "resource"]);
    let request = PatchRequest::from_json(&body(
        json!([{"op": "replace", "value": {"active": false}}]),
    ))
    .expect("parses");
    assert!(request.apply(&mut resource, &USER_TYPE).is_err());
    assert_eq!(resource, json!(["not", "a", "resource"]));
}

// --- Never panics ----------------------------------------------------------------------------

/// Paths that reach every branch of `apply`, valid or not.
const PATHS: &[&str] = &[
    "displayName",
    "userName",
    "active",
    "name",
    "name.givenName",
    "emails",
    "emails.value",
    "emails[type eq \"work\"]",
    "emails[type eq \"work\"].value",
    "emails[not (type eq \"work\")].primary",
    "addresses[type eq \"work\" and primary eq true].locality",
    "members",
    "members.value",
    "members[value eq \"a\"]",
    "members[value eq \"a\"].value",
    "groups",
    "id",
    "meta.created",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
];

/// Paths that fail to parse or to resolve.
const BAD_PATHS: &[&str] = &["shoeSize", "emails[", "", "displayName[value eq \"x\"]"];

fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("value".to_owned()),
        Just("type".to_owned()),
        Just("primary".to_owned()),
        Just("display".to_owned()),
        Just("id".to_owned()),
        Just("schemas".to_owned()),
        Just(ENTERPRISE_USER_SCHEMA.to_owned()),
        proptest::sample::select(PATHS).prop_map(str::to_owned),
        "[a-zA-Z.:\\[\\]\" ]{0,12}",
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("a".to_owned()),
            Just("work".to_owned()),
            Just("True".to_owned()),
            ".{0,8}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(arb_key(), inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// An object keyed by attribute paths, as a path-less `add` or `replace` carries.
fn arb_object() -> impl Strategy<Value = Value> {
    proptest::collection::btree_map(arb_key(), arb_json(), 1..4)
        .prop_map(|map| Value::Object(map.into_iter().collect()))
}

fn arb_operation() -> impl Strategy<Value = Value> {
    (
        prop_oneof![10 => Just("add"), 10 => Just("Replace"), 10 => Just("remove"), 1 => Just("copy")],
        prop_oneof![
            2 => Just(None),
            8 => proptest::sample::select(PATHS).prop_map(Some),
            1 => proptest::sample::select(BAD_PATHS).prop_map(Some),
        ],
        proptest::option::weighted(0.9, prop_oneof![2 => arb_json(), 1 => arb_object()]),
    )
        .prop_map(|(op, path, value)| {
            let mut operation = json!({"op": op});
            if let Some(path) = path {
                operation["path"] = json!(path);
            }
            if let Some(value) = value {
                operation["value"] = value;
            }
            operation
        })
}

fn arb_body() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => proptest::collection::vec(arb_operation(), 1..4).prop_map(|operations| body(Value::Array(operations))),
        1 => arb_json(),
    ]
}

fn check_never_panics(
    body: &Value,
    resource: Value,
    resource_type: &ResourceType,
) -> Result<(), TestCaseError> {
    let Ok(request) = PatchRequest::from_json(body) else {
        return Ok(());
    };
    let mut working = resource.clone();
    if request.apply(&mut working, resource_type).is_err() {
        prop_assert_eq!(working, resource, "a failed PATCH changed the resource");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn patching_never_panics_and_failures_change_nothing(body in arb_body()) {
        check_never_panics(&body, user(), &USER_TYPE)?;
        let mut with_extension = user();
        with_extension[ENTERPRISE_USER_SCHEMA] = json!({"manager": {"value": "m"}, "department": "x"});
        check_never_panics(&body, with_extension, &USER_TYPE)?;
        check_never_panics(&body, group(), &GROUP_TYPE)?;
    }

    #[test]
    fn path_parsing_never_panics_and_displays_what_it_parsed(text in "[a-zA-Z0-9.:\\[\\]\"\\\\ é$_-]{0,40}|[a-z]+\\[.{0,20}\\](\\.[a-z]{0,5})?") {
        if let Ok(path) = PatchPath::parse(&text) {
            let reparsed = PatchPath::parse(&path.to_string());
            prop_assert_eq!(reparsed.as_ref().ok(), Some(&path), "{} displayed as {}", text, path);
        }
    }
}
