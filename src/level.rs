//! How much a failed check matters: MUST, SHOULD, IDP-REQUIRED, INFO.
//!
//! Every layer that declares checks names a level: the scenario format, the IdP modules' own
//! checks, the runner's verdicts, the reports. It lives below all of them, so none has to reach
//! up into another for it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How much a failed check matters.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    JsonSchema,
)]
pub enum Level {
    /// The RFC says MUST or SHALL: a failure fails the run.
    #[default]
    #[serde(rename = "MUST")]
    Must,
    /// The RFC says SHOULD: reported, and fails the run only under `--strict`.
    #[serde(rename = "SHOULD")]
    Should,
    /// A vendor requires it, whatever the RFC says: an IdP needs it to work, or the application
    /// documents it as its SCIM behaviour (lock-down and application checks). It carries its
    /// source (`docs/idps/…`, `docs/application.md`) and an evidence grade; a failure fails the
    /// run as far as that grade blocks.
    #[serde(rename = "IDP-REQUIRED")]
    IdpRequired,
    /// Worth knowing; never fails the run.
    #[serde(rename = "INFO")]
    Info,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::IdpRequired => "IDP-REQUIRED",
            Level::Info => "INFO",
        }
    }

    /// Whether a failure at this level fails the run (its area gated, its evidence permitting).
    pub fn is_blocking(self, strict: bool) -> bool {
        match self {
            Level::Must | Level::IdpRequired => true,
            Level::Should => strict,
            Level::Info => false,
        }
    }
}
