//! The IdP profiles a scenario can run as, by name.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An IdP profile a scenario can run as.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum IdpName {
    /// A plain RFC 7644 client: no IdP's headers or quirks.
    Generic,
    /// Okta, OIN template flavour ("SCIM 2.0 Test App (Header Auth)"): PATCH for (de)activation.
    Okta,
    /// Okta, App Integration Wizard flavour: every update a full PUT (docs/idps/okta.md §1.2).
    #[serde(rename = "okta-aiw")]
    OktaAiw,
    /// Microsoft Entra ID, default PATCH dialect: capitalised ops, `"True"`/`"False"` strings,
    /// one op per attribute (docs/idps/entra.md §7.1).
    Entra,
    /// Entra with `aadOptscim062020` on the tenant URL: lowercase ops, real booleans, one
    /// path-less replace (docs/idps/entra.md §1, §7.2).
    #[serde(rename = "entra-compliant")]
    EntraCompliant,
    /// JumpCloud's "Export users to this app (Identity Management)" (docs/idps/jumpcloud.md).
    Jumpcloud,
}

impl IdpName {
    pub const ALL: [IdpName; 6] = [
        IdpName::Generic,
        IdpName::Okta,
        IdpName::OktaAiw,
        IdpName::Entra,
        IdpName::EntraCompliant,
        IdpName::Jumpcloud,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IdpName::Generic => "generic",
            IdpName::Okta => "okta",
            IdpName::OktaAiw => "okta-aiw",
            IdpName::Entra => "entra",
            IdpName::EntraCompliant => "entra-compliant",
            IdpName::Jumpcloud => "jumpcloud",
        }
    }

    pub fn parse(name: &str) -> Option<IdpName> {
        IdpName::ALL
            .into_iter()
            .find(|idp| idp.as_str().eq_ignore_ascii_case(name))
    }
}
