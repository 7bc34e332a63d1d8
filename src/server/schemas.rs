//! The schemas the server publishes and enforces: RFC 7643's, or the narrower ones of the
//! `restricted-schema` and `reject-unknown-extensions` quirks.
//!
//! Discovery renders from the same resource types the handlers validate, filter, project and
//! PATCH against, so under either quirk `/Schemas` and `/ResourceTypes` still describe exactly
//! what the server does. Without those quirks these are RFC 7643's definitions, unchanged.

use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::store::Kind;
use super::{Quirk, Quirks};
use crate::scim::ScimError;
use crate::scim::patch::PatchRequest;
use crate::scim::path::AttrPath;
use crate::scim::schema::{
    AttrType, Attribute, COMMON, GROUP_TYPE, Mutability, Resolved, ResourceType, Schema, USER,
    USER_TYPE,
};

/// The User attributes `restricted-schema` keeps, each with the sub-attributes it keeps (all of
/// them when the list is empty).
const RESTRICTED_USER_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("userName", &[]),
    ("name", &["formatted", "givenName", "familyName"]),
    ("displayName", &[]),
    ("emails", &["value"]),
    ("active", &[]),
    ("groups", &[]),
];

/// The User schema of `restricted-schema`: a few of RFC 7643's attributes, with `name` and
/// `name.formatted` required.
static RESTRICTED_USER: LazyLock<Schema> = LazyLock::new(|| {
    let mut schema = USER.clone();
    schema.attributes = RESTRICTED_USER_ATTRIBUTES
        .iter()
        .filter_map(|(name, kept)| {
            let mut attribute = USER.attribute(name)?.clone();
            if !kept.is_empty() {
                attribute
                    .sub_attributes
                    .retain(|sub| kept.contains(&sub.name));
            }
            if attribute.name == "name" {
                attribute.required = true;
                for sub in &mut attribute.sub_attributes {
                    sub.required = sub.name == "formatted";
                }
            }
            Some(attribute)
        })
        .collect();
    schema
});

fn user_type(schema: &'static Schema, extensions: bool) -> ResourceType {
    ResourceType {
        name: USER_TYPE.name,
        endpoint: USER_TYPE.endpoint,
        description: USER_TYPE.description,
        schema,
        extensions: if extensions {
            USER_TYPE.extensions.clone()
        } else {
            Vec::new()
        },
    }
}

static USER_WITHOUT_EXTENSIONS: LazyLock<ResourceType> = LazyLock::new(|| user_type(&USER, false));
static RESTRICTED_USER_TYPE: LazyLock<ResourceType> =
    LazyLock::new(|| user_type(&RESTRICTED_USER, true));
static RESTRICTED_USER_WITHOUT_EXTENSIONS: LazyLock<ResourceType> =
    LazyLock::new(|| user_type(&RESTRICTED_USER, false));

/// The resource type the server publishes and enforces for `kind` under `quirks`.
pub fn resource_type(quirks: &Quirks, kind: Kind) -> &'static ResourceType {
    match kind {
        Kind::Group => &GROUP_TYPE,
        Kind::User => match (
            quirks.has(Quirk::RestrictedSchema),
            quirks.has(Quirk::RejectUnknownExtensions),
        ) {
            (false, false) => &USER_TYPE,
            (false, true) => &USER_WITHOUT_EXTENSIONS,
            (true, false) => &RESTRICTED_USER_TYPE,
            (true, true) => &RESTRICTED_USER_WITHOUT_EXTENSIONS,
        },
    }
}

/// `/ResourceTypes`: User, then Group.
pub fn resource_types(quirks: &Quirks) -> [&'static ResourceType; 2] {
    [
        resource_type(quirks, Kind::User),
        resource_type(quirks, Kind::Group),
    ]
}

/// `/Schemas`: each resource type's core schema followed by its extensions.
pub fn schemas(quirks: &Quirks) -> Vec<&'static Schema> {
    resource_types(quirks)
        .into_iter()
        .flat_map(|rt| {
            std::iter::once(rt.schema).chain(rt.extensions.iter().map(|(schema, _)| *schema))
        })
        .collect()
}

fn field<'v>(fields: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    fields
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

fn is_urn(key: &str) -> bool {
    key.get(..4)
        .is_some_and(|head| head.eq_ignore_ascii_case("urn:"))
}

/// Under `reject-unknown-extensions`: a body whose `schemas`, or whose top-level keys, name a
/// URN that `rt` does not list is `400 invalidSyntax`, naming the URN.
pub fn refuse_unknown_urns(input: &Value, rt: &ResourceType) -> Result<(), ScimError> {
    let Value::Object(fields) = input else {
        return Ok(());
    };
    let known = |urn: &str| rt.schema_ids().any(|id| id.eq_ignore_ascii_case(urn));
    let unknown = |urn: &str| {
        ScimError::invalid_syntax(format!(
            "unknown schema `{urn}`: the {} resource type names only {} (see /ResourceTypes/{})",
            rt.name,
            rt.schema_ids()
                .map(|id| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(", "),
            rt.name
        ))
    };
    let listed = field(fields, "schemas").and_then(Value::as_array);
    for urn in listed.into_iter().flatten().filter_map(Value::as_str) {
        if !known(urn) {
            return Err(unknown(urn));
        }
    }
    match fields.keys().find(|key| is_urn(key) && !known(key)) {
        Some(key) => Err(unknown(key)),
        None => Ok(()),
    }
}

/// A strict model validator's refusal of an attribute it does not publish.
fn extra_input(path: &str) -> ScimError {
    ScimError::invalid_value(format!("Extra inputs are not permitted: {path}"))
}

/// Under `restricted-schema`: a POST or PUT body holding an attribute or sub-attribute that
/// `rt` does not publish is `400 invalidValue`, naming the first one (`emails[0].type`).
/// `schemas` and the common attributes (`id`, `externalId`, `meta`) are published; the inside
/// of a readOnly attribute is not looked at, as it is ignored anyway (RFC 7644 §3.3).
pub fn refuse_unpublished(input: &Value, rt: &ResourceType) -> Result<(), ScimError> {
    let Value::Object(fields) = input else {
        return Ok(());
    };
    for (key, value) in fields {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        let found = if let Some(extension) = rt.extension(key) {
            unpublished_in_extension(value, extension)
        } else {
            let attribute = rt
                .schema
                .attribute(key)
                .or_else(|| COMMON.iter().find(|a| a.name.eq_ignore_ascii_case(key)));
            match attribute {
                Some(attribute) => unpublished_in_value(value, attribute, key),
                None => Some(key.clone()),
            }
        };
        if let Some(path) = found {
            return Err(extra_input(&path));
        }
    }
    Ok(())
}

/// The first key of an extension's object its schema lacks, as `urn:…:User:key`.
fn unpublished_in_extension(value: &Value, schema: &Schema) -> Option<String> {
    let Value::Object(fields) = value else {
        return None;
    };
    fields
        .iter()
        .filter(|(key, _)| !key.eq_ignore_ascii_case("schemas"))
        .find_map(|(key, value)| {
            let path = format!("{}:{key}", schema.id);
            match schema.attribute(key) {
                Some(attribute) => unpublished_in_value(value, attribute, &path),
                None => Some(path),
            }
        })
}

/// The first sub-attribute of a complex value that `attribute` lacks, as `name.middleName` or
/// `emails[0].type`.
fn unpublished_in_value(value: &Value, attribute: &Attribute, at: &str) -> Option<String> {
    if attribute.ty != AttrType::Complex || attribute.mutability == Mutability::ReadOnly {
        return None;
    }
    let in_element = |element: &Value, at: &str| {
        let Value::Object(fields) = element else {
            return None;
        };
        fields
            .keys()
            .find(|key| attribute.sub_attribute(key).is_none())
            .map(|key| format!("{at}.{key}"))
    };
    match value {
        Value::Array(elements) if attribute.multi_valued => elements
            .iter()
            .enumerate()
            .find_map(|(index, element)| in_element(element, &format!("{at}[{index}]"))),
        other => in_element(other, at),
    }
}

/// Under `restricted-schema`: a PATCH whose values carry attributes or sub-attributes that
/// `rt` does not publish is `400 invalidValue`, as a POST would be. A path to an unpublished
/// attribute needs no check here: it does not resolve against `rt`, and applying the PATCH
/// refuses it as `invalidPath`, as for any attribute the server does not know.
pub fn refuse_unpublished_in_patch(
    request: &PatchRequest,
    rt: &ResourceType,
) -> Result<(), ScimError> {
    for operation in &request.operations {
        let Some(value) = &operation.value else {
            continue;
        };
        let found = match &operation.path {
            None => unpublished_in_pathless(value, rt),
            Some(path) if path.sub_attr.is_some() => None,
            Some(path) => match rt.resolve(&path.attr) {
                Some(Resolved::Attribute {
                    attribute,
                    sub_attribute: None,
                    ..
                }) => unpublished_in_value(value, attribute, &path.to_string()),
                Some(Resolved::Extension(schema)) => unpublished_in_extension(value, schema),
                _ => None,
            },
        };
        if let Some(path) = found {
            return Err(extra_input(&path));
        }
    }
    Ok(())
}

/// The first unpublished key in the value of a path-less PATCH, whose keys are themselves
/// paths (`name`, `name.givenName`, an extension URN).
fn unpublished_in_pathless(value: &Value, rt: &ResourceType) -> Option<String> {
    let Value::Object(fields) = value else {
        return None;
    };
    fields.iter().find_map(|(key, value)| {
        if key.eq_ignore_ascii_case("schemas") {
            return None;
        }
        if key.eq_ignore_ascii_case(rt.schema.id) {
            return unpublished_in_pathless(value, rt);
        }
        let path = AttrPath::parse(key).ok()?;
        match rt.resolve(&path)? {
            Resolved::Attribute {
                attribute,
                sub_attribute: None,
                ..
            } => unpublished_in_value(value, attribute, key),
            Resolved::Attribute { .. } => None,
            Resolved::Extension(schema) => unpublished_in_extension(value, schema),
        }
    })
}

/// Under `restricted-schema`: a required sub-attribute (`name.formatted`) that a body lacks is
/// `400 invalidValue`, naming it; `name` itself missing is reported the same way. Checked on
/// the body as written (POST, PUT) or as patched, before normalisation.
pub fn refuse_missing_required(input: &Value, schema: &Schema) -> Result<(), ScimError> {
    let Value::Object(fields) = input else {
        return Ok(());
    };
    for attribute in &schema.attributes {
        if attribute.ty != AttrType::Complex || attribute.multi_valued {
            continue;
        }
        let value = field(fields, attribute.name).filter(|v| !v.is_null());
        if value.is_none() && !attribute.required {
            continue;
        }
        for sub in attribute.sub_attributes.iter().filter(|sub| sub.required) {
            let assigned = value
                .and_then(Value::as_object)
                .and_then(|object| field(object, sub.name))
                .is_some_and(|v| !v.is_null() && v.as_str() != Some(""));
            if !assigned {
                return Err(ScimError::invalid_value(format!(
                    "Field required: {}.{}",
                    attribute.name, sub.name
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::scim::schema::all_schemas;

    #[test]
    fn without_the_quirks_the_rfc_definitions_are_served() {
        let quirks = Quirks::default();
        assert!(std::ptr::eq(
            resource_type(&quirks, Kind::User),
            &*USER_TYPE
        ));
        let served: Vec<&str> = schemas(&quirks).iter().map(|s| s.id).collect();
        let rfc: Vec<&str> = all_schemas().iter().map(|s| s.id).collect();
        assert_eq!(served, rfc);
    }

    #[test]
    fn the_restricted_user_schema_keeps_only_its_attributes() {
        let names: Vec<&str> = RESTRICTED_USER.attributes.iter().map(|a| a.name).collect();
        assert_eq!(
            names,
            [
                "userName",
                "name",
                "displayName",
                "emails",
                "active",
                "groups"
            ]
        );
        let emails = RESTRICTED_USER.attribute("emails").unwrap();
        assert_eq!(emails.sub_attributes.len(), 1);
        let name = RESTRICTED_USER.attribute("name").unwrap();
        assert!(name.required && name.sub_attribute("formatted").unwrap().required);
        assert!(!name.sub_attribute("givenName").unwrap().required);
    }

    #[test]
    fn unpublished_keys_are_named_where_they_are() {
        let rt = resource_type(&Quirks::new([Quirk::RestrictedSchema]), Kind::User);
        let body =
            json!({"userName": "a", "emails": [{"value": "a"}, {"value": "b", "type": "work"}]});
        let error = refuse_unpublished(&body, rt).unwrap_err();
        assert_eq!(
            error.detail,
            "Extra inputs are not permitted: emails[1].type"
        );
        let body = json!({"userName": "a", "id": "x", "meta": {"version": "1"}, "groups": []});
        assert!(refuse_unpublished(&body, rt).is_ok());
    }
}
