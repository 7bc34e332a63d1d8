//! Attribute definitions: the RFC 7643 §7 schema model and the §8.7 definitions of User,
//! the enterprise User extension and Group.
//!
//! The definitions are data the rest of `scim/` is driven by: filters look up `caseExact` and
//! the attribute type here (RFC 7644 §3.4.2.2 compares "by type"), PATCH looks up whether an
//! attribute is multi-valued and whether it may be written, the server projects responses by
//! `returned` and enforces `mutability`, `required` and `uniqueness`. The same data renders
//! `/Schemas`, so what the server says it does and what it does cannot drift apart.

use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use super::path::AttrPath;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// RFC 7643 §2.3 data types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

impl AttrType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

/// RFC 7643 §7 `mutability`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

/// RFC 7643 §7 `returned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

/// RFC 7643 §7 `uniqueness`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

/// One attribute definition (RFC 7643 §7).
#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: &'static str,
    pub ty: AttrType,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub description: &'static str,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: Vec<Attribute>,
}

impl Attribute {
    /// A single-valued, optional, readWrite attribute of this type; the builders refine it.
    pub(crate) fn of(name: &'static str, ty: AttrType) -> Self {
        Attribute {
            name,
            ty,
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            description: "",
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: Vec::new(),
        }
    }
    fn string(name: &'static str) -> Self {
        Self::of(name, AttrType::String)
    }
    fn boolean(name: &'static str) -> Self {
        Self::of(name, AttrType::Boolean)
    }
    fn reference(name: &'static str, types: &'static [&'static str]) -> Self {
        let mut attribute = Self::of(name, AttrType::Reference);
        attribute.reference_types = types;
        attribute
    }
    fn complex(name: &'static str, sub_attributes: Vec<Attribute>) -> Self {
        let mut attribute = Self::of(name, AttrType::Complex);
        attribute.sub_attributes = sub_attributes;
        attribute
    }
    fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }
    fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }
    fn unique(mut self) -> Self {
        self.uniqueness = Uniqueness::Server;
        self
    }
    fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }
    fn describe(mut self, description: &'static str) -> Self {
        self.description = description;
        self
    }

    /// A sub-attribute by name, case-insensitively (RFC 7643 §2.1).
    pub fn sub_attribute(&self, name: &str) -> Option<&Attribute> {
        self.sub_attributes
            .iter()
            .find(|sub| sub.name.eq_ignore_ascii_case(name))
    }

    /// The RFC 7643 §7 JSON form, as served by `/Schemas`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), json!(self.name));
        out.insert("type".into(), json!(self.ty.as_str()));
        out.insert("multiValued".into(), json!(self.multi_valued));
        out.insert("description".into(), json!(self.description));
        out.insert("required".into(), json!(self.required));
        if self.ty != AttrType::Complex && self.ty != AttrType::Boolean {
            out.insert("caseExact".into(), json!(self.case_exact));
        }
        if !self.canonical_values.is_empty() {
            out.insert("canonicalValues".into(), json!(self.canonical_values));
        }
        if !self.reference_types.is_empty() {
            out.insert("referenceTypes".into(), json!(self.reference_types));
        }
        let mutability = match self.mutability {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        };
        out.insert("mutability".into(), json!(mutability));
        let returned = match self.returned {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        };
        out.insert("returned".into(), json!(returned));
        let uniqueness = match self.uniqueness {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        };
        out.insert("uniqueness".into(), json!(uniqueness));
        if self.ty == AttrType::Complex {
            out.insert(
                "subAttributes".into(),
                Value::Array(self.sub_attributes.iter().map(Attribute::to_json).collect()),
            );
        }
        Value::Object(out)
    }
}

/// A schema (RFC 7643 §7): an id URN and its attributes.
#[derive(Debug, Clone)]
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: Vec<Attribute>,
}

impl Schema {
    /// An attribute by name, case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|attribute| attribute.name.eq_ignore_ascii_case(name))
    }

    /// The RFC 7643 §7 / §8.7 representation, with `meta.location` under `base_url`.
    pub fn to_json(&self, base_url: &str) -> Value {
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": self.attributes.iter().map(Attribute::to_json).collect::<Vec<_>>(),
            "meta": {
                "resourceType": "Schema",
                "location": format!("{base_url}/Schemas/{}", self.id),
            }
        })
    }
}

/// A resource type (RFC 7643 §6): its endpoint, core schema and extensions.
#[derive(Debug)]
pub struct ResourceType {
    pub name: &'static str,
    pub endpoint: &'static str,
    pub description: &'static str,
    pub schema: &'static Schema,
    /// Extension schemas, each with whether it is required.
    pub extensions: Vec<(&'static Schema, bool)>,
}

/// Where an attribute path lands in a resource.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'a> {
    /// An attribute, and the extension URN that holds it (`None` for the core schema and the
    /// common attributes `id`, `externalId` and `meta`).
    Attribute {
        extension: Option<&'static str>,
        attribute: &'a Attribute,
        sub_attribute: Option<&'a Attribute>,
    },
    /// A path naming a whole extension (`urn:…:enterprise:2.0:User`).
    Extension(&'static Schema),
}

impl ResourceType {
    /// The RFC 7643 §6 representation.
    pub fn to_json(&self, base_url: &str) -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": self.name,
            "name": self.name,
            "endpoint": self.endpoint,
            "description": self.description,
            "schema": self.schema.id,
            "schemaExtensions": self.extensions.iter().map(|(schema, required)| json!({
                "schema": schema.id,
                "required": required,
            })).collect::<Vec<_>>(),
            "meta": {
                "resourceType": "ResourceType",
                "location": format!("{base_url}/ResourceTypes/{}", self.name),
            }
        })
    }

    /// The extension schema with this URN, case-insensitively.
    pub fn extension(&self, urn: &str) -> Option<&'static Schema> {
        self.extensions
            .iter()
            .map(|(schema, _)| *schema)
            .find(|schema| schema.id.eq_ignore_ascii_case(urn))
    }

    /// Every schema URN a resource of this type may list in `schemas`.
    pub fn schema_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.schema.id).chain(self.extensions.iter().map(|(schema, _)| schema.id))
    }

    /// Resolves a path against the core schema, the common attributes and the extensions.
    /// Attribute names and URNs match case-insensitively (RFC 7643 §2.1, RFC 7644 §3.10).
    pub fn resolve(&self, path: &AttrPath) -> Option<Resolved<'_>> {
        let (extension, schema): (Option<&'static str>, &Schema) = match &path.urn {
            None => (None, self.schema),
            Some(urn) if urn.eq_ignore_ascii_case(self.schema.id) => (None, self.schema),
            Some(urn) => match self.extension(urn) {
                Some(schema) => (Some(schema.id), schema),
                None => {
                    // `urn:…:enterprise:2.0:User` splits as urn `…:2.0` + name `User`.
                    let whole = format!("{urn}:{}", path.name);
                    return match self.extension(&whole) {
                        Some(schema) if path.sub.is_none() => Some(Resolved::Extension(schema)),
                        _ => None,
                    };
                }
            },
        };
        let attribute = schema.attribute(&path.name).or_else(|| {
            if extension.is_none() {
                COMMON
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(&path.name))
            } else {
                None
            }
        })?;
        let sub_attribute = match &path.sub {
            None => None,
            Some(sub) => Some(attribute.sub_attribute(sub)?),
        };
        Some(Resolved::Attribute {
            extension,
            attribute,
            sub_attribute,
        })
    }
}

const EMAIL_TYPES: &[&str] = &["work", "home", "other"];

fn multi_valued(
    name: &'static str,
    types: &'static [&'static str],
    description: &'static str,
) -> Attribute {
    Attribute::complex(
        name,
        vec![
            Attribute::string("value"),
            Attribute::string("display"),
            Attribute::string("type").canonical(types),
            Attribute::boolean("primary"),
        ],
    )
    .multi()
    .describe(description)
}

/// `id`, `externalId` and `meta` (RFC 7643 §3.1), which every resource carries.
pub static COMMON: LazyLock<Vec<Attribute>> = LazyLock::new(|| {
    use Mutability::ReadOnly;
    vec![
        Attribute::string("id")
            .case_exact()
            .mutability(ReadOnly)
            .returned(Returned::Always)
            .unique()
            .describe("Unique identifier for the resource, assigned by the service provider."),
        Attribute::string("externalId")
            .case_exact()
            .describe("Identifier of the resource as defined by the provisioning client."),
        Attribute::complex(
            "meta",
            vec![
                Attribute::string("resourceType")
                    .case_exact()
                    .mutability(ReadOnly),
                Attribute::of("created", AttrType::DateTime).mutability(ReadOnly),
                Attribute::of("lastModified", AttrType::DateTime).mutability(ReadOnly),
                Attribute::reference("location", &["uri"])
                    .case_exact()
                    .mutability(ReadOnly),
                Attribute::string("version")
                    .case_exact()
                    .mutability(ReadOnly),
            ],
        )
        .mutability(ReadOnly)
        .describe("Resource metadata."),
    ]
});

pub static USER: LazyLock<Schema> = LazyLock::new(|| {
    use Mutability::ReadOnly;
    Schema {
        id: USER_SCHEMA,
        name: "User",
        description: "User Account",
        attributes: vec![
            Attribute::string("userName").required().unique().describe(
                "Unique identifier for the User, used to authenticate; unique case-insensitively.",
            ),
            Attribute::complex(
                "name",
                vec![
                    Attribute::string("formatted"),
                    Attribute::string("familyName"),
                    Attribute::string("givenName"),
                    Attribute::string("middleName"),
                    Attribute::string("honorificPrefix"),
                    Attribute::string("honorificSuffix"),
                ],
            )
            .describe("The components of the user's real name."),
            Attribute::string("displayName")
                .describe("The name of the User, suitable for display."),
            Attribute::string("nickName").describe("The casual way to address the user."),
            Attribute::reference("profileUrl", &["external"])
                .describe("A URI of the user's online profile."),
            Attribute::string("title").describe("The user's title."),
            Attribute::string("userType")
                .describe("The relationship between the organization and the user."),
            Attribute::string("preferredLanguage")
                .describe("The user's preferred written or spoken language."),
            Attribute::string("locale").describe("The user's default location."),
            Attribute::string("timezone")
                .describe("The User's time zone in the IANA Time Zone database format."),
            Attribute::boolean("active").describe("The User's administrative status."),
            Attribute::string("password")
                .mutability(Mutability::WriteOnly)
                .returned(Returned::Never)
                .describe("The User's cleartext password; never returned."),
            multi_valued("emails", EMAIL_TYPES, "Email addresses for the user."),
            multi_valued(
                "phoneNumbers",
                &["work", "home", "mobile", "fax", "pager", "other"],
                "Phone numbers for the User.",
            ),
            multi_valued(
                "ims",
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
                "Instant messaging addresses for the User.",
            ),
            Attribute::complex(
                "photos",
                vec![
                    Attribute::reference("value", &["external"]),
                    Attribute::string("display"),
                    Attribute::string("type").canonical(&["photo", "thumbnail"]),
                    Attribute::boolean("primary"),
                ],
            )
            .multi()
            .describe("URLs of photos of the User."),
            Attribute::complex(
                "addresses",
                vec![
                    Attribute::string("formatted"),
                    Attribute::string("streetAddress"),
                    Attribute::string("locality"),
                    Attribute::string("region"),
                    Attribute::string("postalCode"),
                    Attribute::string("country"),
                    Attribute::string("type").canonical(EMAIL_TYPES),
                    Attribute::boolean("primary"),
                ],
            )
            .multi()
            .describe("A physical mailing address for this User."),
            Attribute::complex(
                "groups",
                vec![
                    Attribute::string("value").mutability(ReadOnly),
                    Attribute::reference("$ref", &["User", "Group"]).mutability(ReadOnly),
                    Attribute::string("display").mutability(ReadOnly),
                    Attribute::string("type")
                        .canonical(&["direct", "indirect"])
                        .mutability(ReadOnly),
                ],
            )
            .multi()
            .mutability(ReadOnly)
            .describe("Groups the user belongs to; computed by the service provider, read-only."),
            multi_valued("entitlements", &[], "Entitlements of the User."),
            multi_valued("roles", &[], "Roles of the User."),
            Attribute::complex(
                "x509Certificates",
                vec![
                    Attribute::of("value", AttrType::Binary).case_exact(),
                    Attribute::string("display"),
                    Attribute::string("type"),
                    Attribute::boolean("primary"),
                ],
            )
            .multi()
            .describe("DER-encoded X.509 certificates issued to the User."),
        ],
    }
});

pub static ENTERPRISE_USER: LazyLock<Schema> = LazyLock::new(|| Schema {
    id: ENTERPRISE_USER_SCHEMA,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: vec![
        Attribute::string("employeeNumber")
            .describe("Numeric or alphanumeric identifier assigned to a person."),
        Attribute::string("costCenter").describe("Identifies the name of a cost center."),
        Attribute::string("organization").describe("Identifies the name of an organization."),
        Attribute::string("division").describe("Identifies the name of a division."),
        Attribute::string("department").describe("Identifies the name of a department."),
        Attribute::complex(
            "manager",
            vec![
                Attribute::string("value")
                    .describe("The id of the SCIM resource representing the manager."),
                Attribute::reference("$ref", &["User"]),
                Attribute::string("displayName").mutability(Mutability::ReadOnly),
            ],
        )
        .describe("The User's manager."),
    ],
});

pub static GROUP: LazyLock<Schema> = LazyLock::new(|| Schema {
    id: GROUP_SCHEMA,
    name: "Group",
    description: "Group",
    attributes: vec![
        // RFC 7643 §4.2 leaves a group's name free; this server keeps it unique, because the
        // IdPs find groups by name (src/server/resources.rs, `check_unique`).
        Attribute::string("displayName")
            .required()
            .unique()
            .describe("A human-readable name for the Group."),
        Attribute::complex(
            "members",
            vec![
                Attribute::string("value")
                    .mutability(Mutability::Immutable)
                    .case_exact(),
                Attribute::reference("$ref", &["User", "Group"]).mutability(Mutability::Immutable),
                Attribute::string("display"),
                Attribute::string("type")
                    .canonical(&["User", "Group"])
                    .mutability(Mutability::Immutable),
            ],
        )
        .multi()
        .describe("A list of members of the Group."),
    ],
});

pub static USER_TYPE: LazyLock<ResourceType> = LazyLock::new(|| ResourceType {
    name: "User",
    endpoint: "/Users",
    description: "User Account",
    schema: &USER,
    extensions: vec![(&ENTERPRISE_USER, false)],
});

pub static GROUP_TYPE: LazyLock<ResourceType> = LazyLock::new(|| ResourceType {
    name: "Group",
    endpoint: "/Groups",
    description: "Group",
    schema: &GROUP,
    extensions: Vec::new(),
});

/// Every schema the reference server serves.
pub fn all_schemas() -> [&'static Schema; 3] {
    [&USER, &ENTERPRISE_USER, &GROUP]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_names_case_insensitively() {
        let path = AttrPath::parse("USERNAME").unwrap();
        let Some(Resolved::Attribute { attribute, .. }) = USER_TYPE.resolve(&path) else {
            panic!("userName did not resolve");
        };
        assert_eq!(attribute.name, "userName");
    }

    #[test]
    fn resolves_urn_qualified_core_and_extension_paths() {
        let core =
            AttrPath::parse("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName").unwrap();
        let Some(Resolved::Attribute {
            extension: None,
            sub_attribute: Some(sub),
            ..
        }) = USER_TYPE.resolve(&core)
        else {
            panic!("core URN path did not resolve");
        };
        assert_eq!(sub.name, "givenName");

        let ext = AttrPath::parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        )
        .unwrap();
        let Some(Resolved::Attribute {
            extension: Some(urn),
            attribute,
            ..
        }) = USER_TYPE.resolve(&ext)
        else {
            panic!("extension path did not resolve");
        };
        assert_eq!(urn, ENTERPRISE_USER_SCHEMA);
        assert_eq!(attribute.name, "manager");
    }

    #[test]
    fn a_bare_extension_urn_resolves_to_the_extension() {
        let path = AttrPath::parse(ENTERPRISE_USER_SCHEMA).unwrap();
        assert!(matches!(
            USER_TYPE.resolve(&path),
            Some(Resolved::Extension(_))
        ));
    }

    #[test]
    fn unknown_attributes_do_not_resolve() {
        let path = AttrPath::parse("shoeSize").unwrap();
        assert!(USER_TYPE.resolve(&path).is_none());
        let path = AttrPath::parse("name.shoeSize").unwrap();
        assert!(USER_TYPE.resolve(&path).is_none());
    }

    #[test]
    fn schema_json_marks_password_never_returned() {
        let json = USER.to_json("http://x");
        let password = json["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "password")
            .unwrap();
        assert_eq!(password["returned"], "never");
        assert_eq!(password["mutability"], "writeOnly");
    }
}
