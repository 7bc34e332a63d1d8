//! Which IdP a recording saw, and which built-in scenarios cover what it did.
//!
//! A support engineer with a customer's trace first wants to know whose traffic it is, and
//! whether scimulate already plays that flow. The IdP is told by what it sends: Okta names
//! itself in `User-Agent` (`Okta SCIM Client 1.0.0`); Entra sends no `User-Agent` but marks
//! itself with `aadOptscim062020` in the URL of a tenant with that flag and with its capitalised
//! PATCH operations (`Replace`) and string booleans (`"False"`); JumpCloud's `User-Agent` names
//! it when it sends one (docs/idps/*.md). Anything else is reported as unknown, with the
//! `User-Agent` it sent, and replays as a plain client.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::trace::TraceEntry;
use crate::scenario::model::IdpName;

/// What a trace shows of its IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identified {
    /// The IdP, when the trace names or shows it.
    pub idp: Option<IdpName>,
    /// Why: the header or request shape that told it, or why nothing did.
    pub evidence: String,
    /// The flows the trace contains, as the catalogue's tags name them (`users`, `groups`,
    /// `membership`, `deprovisioning`, `connection`).
    pub flows: BTreeSet<&'static str>,
}

/// Looks at every exchange of the trace.
pub fn identify(entries: &[TraceEntry]) -> Identified {
    // scimulate's own requests (a recorded run's preflight and cleanup) say nothing of the IdP.
    let agents: BTreeSet<&str> = entries
        .iter()
        .filter_map(|e| e.request_header("user-agent"))
        .filter(|agent| !agent.starts_with("scimulate/"))
        .collect();
    let agent_says = |word: &str| {
        agents
            .iter()
            .find(|agent| agent.to_ascii_lowercase().contains(word))
            .copied()
    };
    let flows = flows(entries);
    if let Some(agent) = agent_says("okta") {
        return Identified {
            idp: Some(IdpName::Okta),
            evidence: format!("User-Agent `{agent}`"),
            flows,
        };
    }
    if let Some(agent) = agent_says("jumpcloud") {
        return Identified {
            idp: Some(IdpName::Jumpcloud),
            evidence: format!("User-Agent `{agent}`"),
            flows,
        };
    }
    if let Some(shape) = entries.iter().find_map(entra_shape) {
        return Identified {
            idp: Some(IdpName::Entra),
            evidence: shape,
            flows,
        };
    }
    let evidence = match agents.iter().next() {
        Some(agent) => format!("User-Agent `{agent}` names no IdP scimulate plays"),
        None => "no User-Agent and no request shape of a known IdP".to_owned(),
    };
    Identified {
        idp: None,
        evidence,
        flows,
    }
}

/// What in one exchange only Entra sends.
fn entra_shape(entry: &TraceEntry) -> Option<String> {
    if entry.path.contains("aadOptscim062020") {
        return Some("the `aadOptscim062020` flag in its URLs".to_owned());
    }
    if entry.method.eq_ignore_ascii_case("PATCH") && entry.request_header("user-agent").is_none() {
        let body: Value = serde_json::from_slice(&entry.request_body.bytes()).ok()?;
        let operations = body.get("Operations")?.as_array()?;
        let capitalised = operations.iter().any(|op| {
            op.get("op")
                .and_then(Value::as_str)
                .is_some_and(|op| matches!(op, "Replace" | "Add" | "Remove"))
        });
        if capitalised {
            return Some(
                "capitalised PATCH operations (`Replace`, `Add`) with no User-Agent".to_owned(),
            );
        }
    }
    None
}

/// The flows in a trace, named as the catalogue tags them.
fn flows(entries: &[TraceEntry]) -> BTreeSet<&'static str> {
    let mut flows = BTreeSet::new();
    for entry in entries {
        let path = entry.path.split('?').next().unwrap_or_default();
        let users = path.starts_with("/Users");
        let groups = path.starts_with("/Groups");
        let body = String::from_utf8_lossy(&entry.request_body.bytes()).into_owned();
        match entry.method.to_ascii_uppercase().as_str() {
            "POST" | "PUT" if users => {
                flows.insert("users");
            }
            "POST" | "PUT" if groups => {
                flows.insert("groups");
            }
            "PATCH" if users => {
                flows.insert("users");
                if body.contains("active") {
                    flows.insert("deprovisioning");
                }
            }
            "PATCH" if groups => {
                flows.insert("groups");
                if body.contains("members") {
                    flows.insert("membership");
                }
            }
            "DELETE" if users => {
                flows.insert("deprovisioning");
            }
            "DELETE" if groups => {
                flows.insert("groups");
            }
            _ => {}
        }
    }
    // Only reads: the IdP's connection test (a lookup of a name that does not exist).
    if flows.is_empty() && entries.iter().any(|e| e.path.contains("filter=")) {
        flows.insert("connection");
    }
    flows
}

/// The built-in scenarios of `idp` that share a flow with the trace, the most shared first
/// (at most `limit`), as `idp/scenario`.
pub fn covering(
    scenarios_dir: &Path,
    idp: IdpName,
    flows: &BTreeSet<&'static str>,
    limit: usize,
) -> Vec<String> {
    let folder = match idp {
        IdpName::Okta | IdpName::OktaAiw => "okta",
        IdpName::Entra | IdpName::EntraCompliant => "entra",
        IdpName::Jumpcloud => "jumpcloud",
        IdpName::Generic => return Vec::new(),
    };
    let Ok(files) = crate::scenario::load::discover(&[scenarios_dir.join(folder)]) else {
        return Vec::new();
    };
    let mut scored: Vec<(usize, String)> = files
        .iter()
        .filter_map(|file| crate::scenario::load::load_file(file).ok())
        .filter(|scenario| !scenario.opt_in)
        .filter_map(|scenario| {
            let shared = scenario
                .tags
                .iter()
                .filter(|tag| flows.contains(tag.as_str()))
                .count();
            (shared > 0).then(|| (shared, format!("{}/{}", idp.as_str(), scenario.name)))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, name)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::trace::Payload;

    fn entry(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> TraceEntry {
        TraceEntry {
            at_ms: 0,
            method: method.into(),
            path: path.into(),
            request_headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            request_body: Payload::of(body.as_bytes()),
            status: Some(200),
            response_headers: Vec::new(),
            response_body: Payload::Empty,
            error: None,
            elapsed_ms: 0,
        }
    }

    #[test]
    fn okta_is_told_by_its_user_agent_and_entra_by_its_patch_shape() {
        // Arrange
        let okta = [entry(
            "POST",
            "/Users",
            &[("User-Agent", "Okta SCIM Client 1.0.0")],
            "{}",
        )];
        let entra = [entry(
            "PATCH",
            "/Users/1",
            &[],
            r#"{"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#,
        )];
        let other = [entry(
            "GET",
            "/Users?filter=x",
            &[("User-Agent", "curl/8")],
            "",
        )];

        // Act
        let (okta, entra, other) = (identify(&okta), identify(&entra), identify(&other));

        // Assert
        assert_eq!(okta.idp, Some(IdpName::Okta));
        assert!(okta.evidence.contains("Okta SCIM Client"));
        assert_eq!(entra.idp, Some(IdpName::Entra));
        assert!(entra.flows.contains("deprovisioning"));
        assert_eq!(other.idp, None);
        assert!(other.evidence.contains("curl/8"), "{}", other.evidence);
        assert!(other.flows.contains("connection"));
    }
}
