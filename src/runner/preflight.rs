//! Preflight: before a run against a `--target`, read the target's discovery endpoints and stop
//! at once, with one paragraph saying what to do, when the target is not a SCIM server this
//! harness can talk to.
//!
//! Why it exists: a run used to check only that `GET /ServiceProviderConfig` got *some* HTTP
//! answer. A wrong token, a wrong base path or a URL that is not a SCIM server at all (a web
//! page, a sign-in page, another API) then failed every check of every scenario: thousands of
//! lines of failures that all meant the same thing, and exit 1, as though the server had been
//! tested and found wanting. It had not been tested at all; that is a setup problem (exit 3),
//! and it deserves one sentence naming the fix.
//!
//! RFC 7644 §4 names three discovery endpoints, each answered to a plain `GET` below the SCIM
//! base URL: `/ServiceProviderConfig` (a JSON object saying what the server supports),
//! `/ResourceTypes` and `/Schemas` (each a `ListResponse`). The preflight reads them in that
//! order, with the same headers as every other housekeeping request (`Accept:
//! application/scim+json` and the credential), and records each [`Exchange`]:
//!
//! - `/ServiceProviderConfig` must answer `200` with a JSON object, or the run stops with a
//!   [`PreflightError`]: 401/403 (the credential was refused: which flag gave it), another 4xx
//!   (nothing there: is the base URL right?), a 3xx (redirects are not followed), a 2xx that is
//!   not a JSON object (not a SCIM endpoint: content type and first bytes quoted), a 5xx (the
//!   target failed its own discovery: status and SCIM `detail`). No answer at all is
//!   [`SetupError::Unreachable`], as before.
//! - `/ResourceTypes` and `/Schemas` are not fatal: many servers that provision users fine get
//!   them wrong. What is wrong with them (not 200, not JSON, not a `ListResponse`) becomes a
//!   human-readable finding of the [`Discovery`], and the run goes on.
//!
//! Every text here is built from recorded exchanges, which the transport has already scrubbed,
//! so no credential can reach a message even when the target quotes it back.

use serde_json::Value;

use super::SetupError;
pub use super::outcome::Discovery;
use super::transport::{Auth, Outgoing, Transport};
use crate::exchange::{Exchange, RecordedResponse, shortened};
use crate::scim::patch::kind_of;

/// The discovery endpoint that says what the server supports (RFC 7644 §4).
pub const SERVICE_PROVIDER_CONFIG: &str = "/ServiceProviderConfig";
/// The discovery endpoint that lists the resource types (RFC 7644 §4).
pub const RESOURCE_TYPES: &str = "/ResourceTypes";
/// The discovery endpoint that lists the schemas (RFC 7644 §4).
pub const SCHEMAS: &str = "/Schemas";

/// How many requests the preflight sends, one per discovery endpoint, before any scenario's.
pub const REQUESTS: usize = 3;

/// The SPC's schema URN (RFC 7643 §5).
const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// Characters of a body quoted in a message.
const BEGINS_CHARS: usize = 60;
/// Characters of a target's SCIM `detail` quoted in a message.
const DETAIL_CHARS: usize = 160;

/// Why a target's `GET /ServiceProviderConfig` stopped the run. Each renders as one paragraph:
/// what happened, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreflightError {
    /// 401 or 403: the credential was refused.
    CredentialRefused {
        url: String,
        status: u16,
        /// Which credential was sent and how it was given (flag and variable), never its value.
        credential: String,
        /// The flags that give the other kinds of credential, when one was sent.
        alternatives: Option<&'static str>,
        detail: Option<String>,
        /// The `WWW-Authenticate` challenge, if any.
        challenge: Option<String>,
    },
    /// Any other 4xx: nothing answers SCIM discovery at that URL.
    NothingThere {
        url: String,
        base_url: String,
        status: u16,
        detail: Option<String>,
        /// When the answer is not SCIM's either: its content type and first bytes.
        not_scim: Option<String>,
    },
    /// A 3xx: redirects are not followed.
    Redirected {
        url: String,
        status: u16,
        location: Option<String>,
    },
    /// A 2xx that is not `200` with a JSON object.
    NotScim {
        url: String,
        status: u16,
        /// Content type and first bytes.
        answer: String,
    },
    /// A 5xx (or a status outside 1xx–5xx): the target failed to answer its discovery.
    DiscoveryFailed {
        url: String,
        status: u16,
        detail: Option<String>,
        retry_after: Option<String>,
    },
}

impl std::fmt::Display for PreflightError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PreflightError::CredentialRefused {
                url,
                status,
                credential,
                alternatives,
                detail,
                challenge,
            } => {
                let refused = if alternatives.is_some() {
                    "refused the credential"
                } else {
                    "asks for a credential"
                };
                write!(f, "the target {refused}: GET {url} answered {status}")?;
                write_detail(f, detail)?;
                if let Some(challenge) = challenge {
                    write!(f, "; it asks for `{challenge}`")?;
                }
                match alternatives {
                    None => write!(f, ". {credential}.")?,
                    Some(alternatives) => {
                        let question = if *status == 403 {
                            "does it grant access to the SCIM API?"
                        } else {
                            "is it this target's, current and not revoked?"
                        };
                        write!(
                            f,
                            ". Check {credential}: {question} If the target expects another kind of credential, give it with {alternatives} instead."
                        )?;
                    }
                }
                write!(f, " No scenario was run.")
            }
            PreflightError::NothingThere {
                url,
                base_url,
                status,
                detail,
                not_scim,
            } => {
                write!(
                    f,
                    "nothing answers SCIM discovery at {url}: it answered {status}"
                )?;
                write_detail(f, detail)?;
                write!(
                    f,
                    ". Is the base URL right? --target takes the SCIM base URL, the one /Users and /ServiceProviderConfig sit below, and SCIM servers usually live under a path such as /scim/v2"
                )?;
                if has_no_path(base_url) {
                    write!(f, " (try {base_url}/scim/v2)")?;
                }
                write!(f, ".")?;
                if let Some(answer) = not_scim {
                    write!(
                        f,
                        " Its answer is not a SCIM error either ({answer}): either this is not a SCIM endpoint, or the base path is wrong."
                    )?;
                }
                write!(f, " No scenario was run.")
            }
            PreflightError::Redirected {
                url,
                status,
                location,
            } => {
                match location {
                    Some(location) => write!(
                        f,
                        "the target redirected GET {url} ({status}) to `{location}`, and redirects are not followed"
                    )?,
                    None => write!(
                        f,
                        "the target answered GET {url} with a redirect ({status}) without a Location"
                    )?,
                }
                write!(
                    f,
                    ". If the redirect points at the SCIM base URL (https:// rather than http://, or another path), give that as --target; a redirect to a sign-in page means this URL is not the SCIM API. No scenario was run."
                )
            }
            PreflightError::NotScim {
                url,
                status,
                answer,
            } => write!(
                f,
                "this is not a SCIM endpoint: GET {url} answered {status} with {answer}, where a SCIM server answers 200 with a JSON object (RFC 7644 §4). Is --target the SCIM base URL of the API, not a web page, a sign-in page or another API? No scenario was run."
            ),
            PreflightError::DiscoveryFailed {
                url,
                status,
                detail,
                retry_after,
            } => {
                write!(
                    f,
                    "the target failed to answer its discovery: GET {url} answered {status}"
                )?;
                write_detail(f, detail)?;
                if let Some(retry_after) = retry_after {
                    write!(f, "; Retry-After: {retry_after}")?;
                }
                write!(
                    f,
                    ". The server (or a gateway in front of it) is up but failing: check its logs, or try again later. No scenario was run."
                )
            }
        }
    }
}

impl std::error::Error for PreflightError {}

fn write_detail(f: &mut std::fmt::Formatter<'_>, detail: &Option<String>) -> std::fmt::Result {
    match detail {
        Some(detail) => write!(f, " (the target says \"{detail}\")"),
        None => Ok(()),
    }
}

/// Whether a base URL is an origin alone (`https://host` or `https://host/`).
fn has_no_path(base_url: &str) -> bool {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    !rest.trim_end_matches('/').contains('/')
}

/// A housekeeping `GET` of a discovery endpoint: the headers the runner's own requests carry.
fn discovery_request(path: &str) -> Outgoing {
    Outgoing {
        timeout: None,
        method: "GET".to_owned(),
        path: path.to_owned(),
        headers: vec![("accept".to_owned(), "application/scim+json".to_owned())],
        body: Vec::new(),
    }
    .from_harness()
}

/// Reads the three discovery endpoints (RFC 7644 §4). `Err` when `/ServiceProviderConfig`
/// does not answer `200` with a JSON object (the run must not start); what is wrong with
/// `/ResourceTypes` and `/Schemas` is kept in [`Discovery::findings`].
pub async fn preflight(transport: &Transport) -> Result<Discovery, SetupError> {
    let (service_provider_config, first) = service_provider_config(transport).await?;
    let mut findings = spc_findings(&service_provider_config);
    let resource_types_exchange = transport
        .send(&discovery_request(RESOURCE_TYPES), None)
        .await;
    let resource_types = list_of(
        RESOURCE_TYPES,
        &resource_types_exchange,
        &transport.target().auth,
        &mut findings,
    );
    let schemas_exchange = transport.send(&discovery_request(SCHEMAS), None).await;
    let schemas = list_of(
        SCHEMAS,
        &schemas_exchange,
        &transport.target().auth,
        &mut findings,
    );
    Ok(Discovery {
        service_provider_config,
        resource_types,
        schemas,
        findings,
        exchanges: vec![first, resource_types_exchange, schemas_exchange],
    })
}

/// The preflight's first request alone: `GET /ServiceProviderConfig`, which must answer `200`
/// with a JSON object. Its body and exchange, or why the run must not start. A load run asks
/// this much of its target.
pub async fn service_provider_config(
    transport: &Transport,
) -> Result<(Value, Exchange), SetupError> {
    let exchange = transport
        .send(&discovery_request(SERVICE_PROVIDER_CONFIG), None)
        .await;
    let Some(response) = &exchange.response else {
        return Err(SetupError::Unreachable {
            url: transport.target().base_url.clone(),
            reason: exchange
                .error
                .clone()
                .unwrap_or_else(|| "no response".to_owned()),
        });
    };
    let url = exchange.request.url.clone();
    let status = response.status;
    let refusal = match status {
        200 => match serde_json::from_slice::<Value>(&response.body) {
            Ok(body @ Value::Object(_)) => return Ok((body, exchange)),
            _ => PreflightError::NotScim {
                url,
                status,
                answer: answer_of(response),
            },
        },
        401 | 403 => PreflightError::CredentialRefused {
            url,
            status,
            credential: credential_of(&transport.target().auth),
            alternatives: alternatives_to(&transport.target().auth),
            detail: detail_of(response),
            challenge: response.header("www-authenticate").map(one_line),
        },
        300..=399 => PreflightError::Redirected {
            url,
            status,
            location: response.header("location").map(one_line),
        },
        400..=499 => PreflightError::NothingThere {
            url,
            base_url: transport.target().base_url.clone(),
            status,
            detail: detail_of(response),
            not_scim: (!is_scim_error(response)).then(|| answer_of(response)),
        },
        100..=299 => PreflightError::NotScim {
            url,
            status,
            answer: answer_of(response),
        },
        _ => PreflightError::DiscoveryFailed {
            url,
            status,
            detail: detail_of(response),
            retry_after: response.header("retry-after").map(one_line),
        },
    };
    Err(SetupError::Preflight(refusal))
}

/// Which credential was sent, as the flag and variable that give it; never its value.
fn credential_of(auth: &Auth) -> String {
    match auth {
        Auth::None => {
            "No credential was sent: give one with --token, --basic or --auth-header".to_owned()
        }
        Auth::Bearer(_) => "the bearer token given with --token (or SCIMULATE_TOKEN)".to_owned(),
        Auth::Basic { .. } => {
            "the user and password given with --basic (or SCIMULATE_BASIC)".to_owned()
        }
        Auth::Header { name, .. } => format!(
            "the `{}` header given with --auth-header (or SCIMULATE_AUTH_HEADER)",
            one_line(name)
        ),
    }
}

/// The flags that give the other kinds of credential than the one sent.
fn alternatives_to(auth: &Auth) -> Option<&'static str> {
    match auth {
        Auth::None => None,
        Auth::Bearer(_) => Some("--basic USER:PASSWORD or --auth-header 'Name: value'"),
        Auth::Basic { .. } => Some("--token or --auth-header 'Name: value'"),
        Auth::Header { .. } => Some("--token or --basic USER:PASSWORD"),
    }
}

/// The SPC's problems that do not stop a run.
fn spc_findings(spc: &Value) -> Vec<String> {
    let lists_schema = spc
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| schemas.iter().any(|s| s.as_str() == Some(SPC_SCHEMA)));
    if lists_schema {
        Vec::new()
    } else {
        vec![format!(
            "GET {SERVICE_PROVIDER_CONFIG} answered 200 with a JSON object whose `schemas` does not list {SPC_SCHEMA} (RFC 7643 §5)"
        )]
    }
}

/// The resources a discovery list endpoint answered, noting in `findings` what is wrong with
/// its answer. A bare array is taken as the list; for `/Schemas` without a finding (common and
/// harmless), for `/ResourceTypes` with one.
fn list_of(
    endpoint: &str,
    exchange: &Exchange,
    auth: &Auth,
    findings: &mut Vec<String>,
) -> Option<Vec<Value>> {
    let Some(response) = &exchange.response else {
        let error = exchange.error.as_deref().unwrap_or("no response");
        findings.push(format!("GET {endpoint}: no answer ({})", one_line(error)));
        return None;
    };
    if response.status != 200 {
        let mut finding = format!("GET {endpoint} answered {}", response.status);
        if let Some(detail) = detail_of(response) {
            finding.push_str(&format!(" (the target says \"{detail}\")"));
        }
        if matches!(response.status, 401 | 403) {
            match auth {
                Auth::None => finding.push_str(
                    " although /ServiceProviderConfig answered without a credential (give one with --token, --basic or --auth-header)",
                ),
                _ => finding.push_str(&format!(
                    " although /ServiceProviderConfig answered (check {})",
                    credential_of(auth)
                )),
            }
        }
        finding.push_str(", where RFC 7644 §4 expects 200 with a ListResponse");
        findings.push(finding);
        return None;
    }
    let resources = match serde_json::from_slice::<Value>(&response.body) {
        Err(_) => {
            findings.push(format!(
                "GET {endpoint} answered 200 with a body that is not JSON ({})",
                answer_of(response)
            ));
            return None;
        }
        Ok(Value::Array(resources)) => {
            if endpoint != SCHEMAS {
                findings.push(format!(
                    "GET {endpoint} answered a bare JSON array, not a ListResponse (RFC 7644 §4)"
                ));
            }
            resources
        }
        Ok(Value::Object(mut fields)) => match fields.remove("Resources") {
            Some(Value::Array(resources)) => resources,
            _ => {
                findings.push(format!(
                    "GET {endpoint} answered 200 with a JSON object that is not a ListResponse: it has no `Resources` array (RFC 7644 §4)"
                ));
                return None;
            }
        },
        Ok(other) => {
            findings.push(format!(
                "GET {endpoint} answered 200 with JSON that is not a ListResponse: {} (RFC 7644 §4)",
                kind_of(&other)
            ));
            return None;
        }
    };
    let not_objects = resources.iter().filter(|r| !r.is_object()).count();
    if not_objects > 0 {
        findings.push(format!(
            "GET {endpoint}: {not_objects} of its {} resources are not JSON objects",
            resources.len()
        ));
    }
    Some(resources)
}

/// Whether an answer looks like a SCIM error: a JSON object with a `detail`, a `status` or
/// `schemas`.
fn is_scim_error(response: &RecordedResponse) -> bool {
    serde_json::from_slice::<Value>(&response.body).is_ok_and(|body| {
        body.as_object().is_some_and(|fields| {
            ["detail", "status", "schemas"]
                .iter()
                .any(|key| fields.contains_key(*key))
        })
    })
}

/// A SCIM error's `detail`, on one line and shortened.
fn detail_of(response: &RecordedResponse) -> Option<String> {
    let body = serde_json::from_slice::<Value>(&response.body).ok()?;
    let detail = body.get("detail")?.as_str()?;
    let detail = one_line(detail);
    Some(shortened(&detail, DETAIL_CHARS))
}

/// An answer's content type and first bytes, for a message: ``content type `text/html`,
/// beginning `<html>…` ``.
fn answer_of(response: &RecordedResponse) -> String {
    let content_type = match response.header("content-type") {
        Some(content_type) => format!("content type `{}`", one_line(content_type)),
        None => "no content type".to_owned(),
    };
    if response.body.is_empty() {
        return format!("{content_type} and an empty body");
    }
    let text = String::from_utf8_lossy(&response.body);
    let begins = shortened(&one_line(text.trim_start()), BEGINS_CHARS);
    format!("{content_type}, beginning `{begins}`")
}

/// Control characters escaped (`\n`, `\u{1b}`), so a quote stays on one line and cannot move
/// the terminal's cursor.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, content_type: &str, body: &str) -> RecordedResponse {
        RecordedResponse {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_quoted_answer_is_short_and_on_one_line() {
        // Arrange
        let long = format!("<html>\n\x1b[31m{}", "x".repeat(200));

        // Act
        let answer = answer_of(&response(200, "text/html", &long));

        // Assert
        assert!(answer.starts_with("content type `text/html`, beginning `<html>\\n\\u{1b}[31m"));
        assert!(answer.ends_with("…`"), "{answer}");
        assert!(
            !answer.contains('\n') && !answer.contains('\x1b'),
            "{answer}"
        );
        assert!(answer.chars().count() < 120, "{answer}");
    }

    #[test]
    fn an_origin_without_a_path_is_told_to_try_scim_v2() {
        // Arrange
        let error = PreflightError::NothingThere {
            url: "https://example.com/ServiceProviderConfig".to_owned(),
            base_url: "https://example.com".to_owned(),
            status: 404,
            detail: None,
            not_scim: None,
        };

        // Act
        let text = error.to_string();

        // Assert
        assert!(text.contains("(try https://example.com/scim/v2)"), "{text}");
        assert!(!text.contains('\n'), "{text}");
        assert!(!has_no_path("https://example.com/api/scim"));
    }

    #[test]
    fn a_bare_schemas_array_is_taken_and_a_resource_types_one_is_noted() {
        // Arrange
        let exchange = |body: &str| Exchange {
            step: None,
            request: crate::exchange::RecordedRequest {
                method: "GET".to_owned(),
                path: String::new(),
                url: String::new(),
                headers: Vec::new(),
                body: Vec::new(),
            },
            response: Some(response(200, "application/scim+json", body)),
            error: None,
            elapsed: std::time::Duration::ZERO,
        };
        let mut findings = Vec::new();

        // Act
        let schemas = list_of(
            SCHEMAS,
            &exchange(r#"[{"id":"a"}]"#),
            &Auth::None,
            &mut findings,
        );
        let types = list_of(
            RESOURCE_TYPES,
            &exchange(r#"[{"id":"User"}]"#),
            &Auth::None,
            &mut findings,
        );
        let garbage = list_of(
            SCHEMAS,
            &exchange(r#"{"id":"a"}"#),
            &Auth::None,
            &mut findings,
        );

        // Assert
        assert_eq!(schemas.map(|s| s.len()), Some(1));
        assert_eq!(types.map(|s| s.len()), Some(1));
        assert_eq!(garbage, None);
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert!(findings[0].starts_with("GET /ResourceTypes answered a bare JSON array"));
        assert!(findings[1].contains("no `Resources` array"), "{findings:?}");
    }
}
