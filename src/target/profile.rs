//! The target profile format: the types a `--target-profile` file deserialises into.
//!
//! Like the scenario format, these types *are* the format: the committed JSON Schema
//! (`target-profile.schema.json`) is generated from them, unknown keys are errors, and the YAML
//! is read with the scenario files' strict options (no YAML 1.1 booleans, no duplicate keys).

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::idp::settings::IdpSettings;
use crate::scenario::load::{Problem, read_source, yaml_options, yaml_problem};
use crate::scenario::model::{CheckSpec, Expect};

/// A target profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetProfile {
    /// A name for reports.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The source lock-down checks cite unless a probe says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// How to reach the application's own API.
    pub app: App,
    /// Setup requests scenarios run by name (`app: enable-scim`), with what they must answer.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, AppRequest>,
    /// Requests that must be refused while SCIM is on (`probe: add-user`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub probes: BTreeMap<String, Probe>,
    /// How to act as a provisioned user, and what allowed and denied look like.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
    /// Values scenarios use as `{{data.NAME}}` (e.g. `email_domain`: the domain the target
    /// accepts in email addresses).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
    /// What the target's resources must look like, by resource type (`User`, `Group`): every
    /// `POST` or `PUT` of a `request` step to `/Users` or `/Groups` is filled with what the
    /// template has and the step's body leaves out (`{{var}}` replaced), so a strict target that
    /// rejects bare test data still gets valid resources. The step's own values always win.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub templates: BTreeMap<String, Value>,
    /// Accepted deviations: a failing check listed here is reported as waived until its
    /// expiry; after it, the failure counts again and says the waiver expired.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<Waiver>,
    /// How the IdP profiles behave against this target, as the customer's IdP console is set:
    /// the choices each IdP offers its admins, and the alternatives where the evidence is
    /// disputed (docs/idp-profiles.md, "Settings"). Unset keys keep the documented defaults.
    #[serde(default, skip_serializing_if = "is_default")]
    pub idp: IdpSettings,
}

fn is_default(settings: &IdpSettings) -> bool {
    settings == &IdpSettings::default()
}

/// One accepted deviation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The check id (`rfc7644.3.14.etag-header`).
    pub check: String,
    /// Why the team accepts it, for the report.
    pub reason: String,
    /// The last day the waiver holds, `YYYY-MM-DD`.
    pub expires: String,
}

impl Waiver {
    /// The expiry as a date, or why it is not one.
    pub fn expiry(&self) -> Result<jiff::civil::Date, String> {
        self.expires.parse().map_err(|_| {
            format!(
                "waiver for `{}`: expires `{}` is not a date like 2027-01-31",
                self.check, self.expires
            )
        })
    }
}

/// Where the application API is and how it authenticates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// The API's base URL: absolute (`https://app.example.com/api/v1`), or a path on the SCIM
    /// target's origin (`/api/v1`).
    pub url: String,
    /// The header that carries a credential (`X-Api-Key`, `Authorization`); its values are
    /// always redacted from what the run records.
    pub credential_header: String,
    /// A prefix before a credential in that header (`Bearer `); none by default.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub credential_prefix: String,
    /// JSON keys whose values are credentials (`apiKey`, `token`): redacted in recorded bodies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_fields: Vec<String>,
    /// Named credentials requests run `as`: a literal value or an environment variable.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub credentials: BTreeMap<String, Credential>,
}

/// A credential of the application: given literally, or read from the environment (keeps it
/// out of the file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
}

impl Credential {
    /// The credential's value, or why there is none.
    pub fn resolve(&self, name: &str) -> Result<String, String> {
        match (&self.value, &self.env) {
            (Some(value), _) => Ok(value.clone()),
            (None, Some(var)) => std::env::var(var)
                .map_err(|_| format!("credential `{name}`: the variable {var} is not set")),
            (None, None) => Err(format!("credential `{name}` has neither `value` nor `env`")),
        }
    }
}

/// Who sends a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "lowercase")]
pub enum Actor {
    /// No credential.
    #[default]
    Nobody,
    /// The user the step names, with the credential `access.login` gave them.
    User,
    /// A named credential of `app.credentials`.
    #[serde(untagged)]
    Named(String),
}

/// One request to the application API. `{{var}}` is replaced in the path and the body: the
/// scenario's variables, `user.email`, `user.userName`, `user.id`, `user.name` when the step
/// names a user, `group.id` and `group.name` when it names a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppRequest {
    pub method: String,
    /// Below the application API's URL.
    pub path: String,
    #[serde(default, rename = "as")]
    pub actor: Actor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    /// Values to remember for later steps: variable name → JSON pointer into the answer.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, String>,
    /// The SCIM resource this request creates (`Users` or `Groups`), whose id is the answer's
    /// `/id`: the run may then change it through SCIM, and deletes it at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creates: Option<ScimEndpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSpec>,
}

/// A SCIM collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ScimEndpoint {
    Users,
    Groups,
}

/// A request the application must refuse while SCIM is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub method: String,
    pub path: String,
    #[serde(default, rename = "as")]
    pub actor: Actor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The statuses that count as a refusal.
    pub refused: Vec<u16>,
    /// Why the IdP owns this, for the failure message.
    pub why: String,
    /// The check's id, level and source (default: `lockdown.probe.NAME`, MUST).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CheckSpec>,
}

/// How to act as a provisioned user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Access {
    /// Obtains the user's credential (a sign-in); `{{user.*}}` is replaced.
    pub login: Login,
    /// A request as the user that shows whether they have access.
    pub check: AccessCheck,
    /// Statuses that mean the user has access.
    pub allowed: Vec<u16>,
    /// Statuses that mean access is denied.
    pub denied: Vec<u16>,
}

/// The sign-in request and where its answer carries the credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub method: String,
    pub path: String,
    #[serde(default, rename = "as")]
    pub actor: Actor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A JSON pointer to the credential in the answer (`/apiKey`).
    pub credential: String,
}

/// The request that shows access.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessCheck {
    pub method: String,
    pub path: String,
}

impl TargetProfile {
    /// Problems a well-formed file can still have: a request `as` a credential that is not
    /// defined, an empty refusal list.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut actor = |what: &str, actor: &Actor| {
            if let Actor::Named(name) = actor
                && !self.app.credentials.contains_key(name)
            {
                problems.push(format!(
                    "{what}: `as: {name}` names no credential of `app.credentials`"
                ));
            }
        };
        for (name, request) in &self.requests {
            actor(&format!("request `{name}`"), &request.actor);
        }
        for (name, probe) in &self.probes {
            actor(&format!("probe `{name}`"), &probe.actor);
        }
        if let Some(access) = &self.access {
            actor("access.login", &access.login.actor);
        }
        for waiver in &self.waivers {
            if let Err(problem) = waiver.expiry() {
                problems.push(problem);
            }
        }
        problems.extend(self.idp.problems());
        for (name, probe) in &self.probes {
            if probe.refused.is_empty() {
                problems.push(format!("probe `{name}`: `refused` lists no status"));
            }
        }
        problems
    }
}

/// Reads and checks a target profile.
pub fn load_profile(path: &Path) -> Result<TargetProfile, Vec<Problem>> {
    let text = read_source(path).map_err(|p| vec![p])?;
    parse_profile(&text, path)
}

/// Parses a target profile from `text`; `file` labels problems.
pub fn parse_profile(text: &str, file: &Path) -> Result<TargetProfile, Vec<Problem>> {
    let profile: TargetProfile = serde_saphyr::from_str_with_options(text, yaml_options())
        .map_err(|err| vec![yaml_problem(&err, file)])?;
    let problems = profile.problems();
    if problems.is_empty() {
        Ok(profile)
    } else {
        Err(problems
            .into_iter()
            .map(|p| Problem::new(file, p))
            .collect())
    }
}

/// The JSON Schema of the format, as the committed `target-profile.schema.json`.
pub fn profile_schema_text() -> String {
    let schema = schemars::schema_for!(TargetProfile).to_value();
    let mut text =
        serde_json::to_string_pretty(&schema).expect("a serde_json::Value always serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undefined_credential_and_an_empty_refusal_are_problems() {
        // Arrange
        let text = "name: x\napp: { url: /api, credential_header: X-Api-Key }\nprobes:\n  add-user: { method: POST, path: /users, as: owner, refused: [], why: w }\n";

        // Act
        let problems = parse_profile(text, Path::new("p.yaml")).unwrap_err();

        // Assert
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            messages[0].contains("`as: owner` names no credential"),
            "{messages:?}"
        );
        assert!(messages[1].contains("lists no status"), "{messages:?}");
    }

    #[test]
    fn unknown_keys_are_refused_and_actors_parse() {
        let bad = parse_profile(
            "name: x\napp: { url: /a, credential_header: H }\nprobs: {}\n",
            Path::new("p.yaml"),
        );
        assert!(bad.unwrap_err()[0].message.contains("probs"));
        let good = parse_profile(
            "name: x\napp: { url: /a, credential_header: H, credentials: { owner: { value: k } } }\nrequests:\n  me: { method: GET, path: /me, as: user }\n  all: { method: GET, path: /users, as: owner }\n",
            Path::new("p.yaml"),
        )
        .unwrap();
        assert_eq!(good.requests["me"].actor, Actor::User);
        assert_eq!(good.requests["all"].actor, Actor::Named("owner".into()));
    }
}
