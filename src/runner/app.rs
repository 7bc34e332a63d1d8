//! The application's own API, reached as the target profile describes it.
//!
//! One client per scenario run: its own transport (the API's URL, no SCIM credentials) whose
//! scrubber redacts the profile's credential header and secret fields, the profile's named
//! credentials, and the credentials users obtained by signing in during the run. Every request
//! is recorded as an exchange of its step, like the SCIM requests, so a failed probe shows the
//! exchange that broke it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::scrub::Scrubber;
use super::template::Vars;
use super::transport::{Auth, Outgoing, Target, Transport};
use crate::exchange::Exchange;
use crate::idp::directory::Directory;
use crate::target::TargetProfile;
use crate::target::profile::Actor;

/// The profile the embedded reference server comes with.
pub const REFERENCE_PROFILE: &str = include_str!("../../fixtures/profiles/reference-server.yaml");

/// The reference server's profile, parsed.
pub fn reference_profile() -> Arc<TargetProfile> {
    let profile = crate::target::profile::parse_profile(
        REFERENCE_PROFILE,
        std::path::Path::new("fixtures/profiles/reference-server.yaml"),
    )
    .expect("the reference server's profile is valid (tested)");
    Arc::new(profile)
}

/// What one request to the application came to: the recorded exchange's index, and the raw
/// answer (status and body before scrubbing), or the transport error.
pub struct Sent {
    pub exchange: usize,
    pub answer: Result<(u16, Value), String>,
}

/// The application API of one scenario run.
pub struct AppClient {
    pub profile: Arc<TargetProfile>,
    transport: Transport,
    named: BTreeMap<String, String>,
    /// Credentials users obtained by signing in, by directory key.
    users: BTreeMap<String, String>,
}

/// The scrubber for an application API: its credential header and secret fields, and the
/// named credentials' values wherever they appear.
fn scrubber(profile: &TargetProfile, named: &BTreeMap<String, String>) -> Scrubber {
    Scrubber::new(
        named.values().cloned().collect(),
        vec![profile.app.credential_header.clone()],
    )
    .with_secret_fields(&profile.app.secret_fields)
}

/// `url` if absolute, else a path on the origin of the SCIM base URL.
fn resolve_url(url: &str, scim_base: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        return url.trim_end_matches('/').to_owned();
    }
    let origin_end = scim_base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| scim_base[start..].find('/').map(|i| start + i))
        .unwrap_or(scim_base.len());
    format!(
        "{}/{}",
        &scim_base[..origin_end],
        url.trim_start_matches('/').trim_end_matches('/')
    )
}

impl AppClient {
    /// A client for `profile` beside the SCIM transport `scim`: its target's timeout, TLS
    /// options and proxy choice, and a scrubber joined to its own (the application may quote
    /// the SCIM token, or a password the scenario sent over SCIM).
    pub fn new(profile: Arc<TargetProfile>, scim_transport: &Transport) -> Result<Self, String> {
        let scim = scim_transport.target();
        let mut named = BTreeMap::new();
        for (name, credential) in &profile.app.credentials {
            named.insert(name.clone(), credential.resolve(name)?);
        }
        let target = Target {
            base_url: resolve_url(&profile.app.url, &scim.base_url),
            auth: Auth::None,
            timeout: scim.timeout,
            tls: scim.tls.clone(),
            no_proxy: scim.no_proxy,
        };
        let transport = Transport::new(target)
            .map_err(|e| e.to_string())?
            .with_scrubber(scrubber(&profile, &named).joined(scim_transport.scrubber()));
        Ok(AppClient {
            profile,
            transport,
            named,
            users: BTreeMap::new(),
        })
    }

    /// The variables a request about `user` and `group` sees, besides the scenario's.
    pub fn vars_for(
        vars: &Vars,
        directory: &Directory,
        user: Option<&str>,
        group: Option<&str>,
    ) -> Result<Vars, String> {
        let mut vars = vars.clone();
        if let Some(key) = user {
            let user = directory
                .user(key)
                .ok_or_else(|| format!("no user `{key}` in the directory"))?;
            vars.set("user.email", user.profile.email.clone());
            vars.set("user.userName", user.profile.user_name.clone());
            vars.set("user.name", user.profile.display_name());
            if let Some(id) = &user.target_id {
                vars.set("user.id", id.clone());
            }
        }
        if let Some(key) = group {
            let group = directory
                .group(key)
                .ok_or_else(|| format!("no group `{key}` in the directory"))?;
            vars.set("group.name", group.name.clone());
            if let Some(id) = &group.target_id {
                vars.set("group.id", id.clone());
            }
        }
        Ok(vars)
    }

    /// The credential a request `as` this actor carries; `user` is the step's user.
    fn credential(&self, actor: &Actor, user: Option<&str>) -> Result<Option<String>, String> {
        match actor {
            Actor::Nobody => Ok(None),
            Actor::Named(name) => self
                .named
                .get(name)
                .cloned()
                .map(Some)
                .ok_or_else(|| format!("no credential `{name}` in the target profile")),
            Actor::User => {
                let user = user.ok_or("this request is sent as a user: name one with `user:`")?;
                self.users.get(user).cloned().map(Some).ok_or_else(|| {
                    format!(
                        "user `{user}` has not signed in yet (an `expect_access` step signs in)"
                    )
                })
            }
        }
    }

    /// Remembers the credential a user obtained.
    pub fn signed_in(&mut self, user: &str, credential: String) {
        self.users.insert(user.to_owned(), credential);
    }

    pub fn credential_of(&self, user: &str) -> Option<&String> {
        self.users.get(user)
    }

    /// Sends one request with `credential` (or as `actor`), recording it as an exchange of
    /// `step`.
    #[allow(clippy::too_many_arguments)]
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        actor: Option<(&Actor, Option<&str>)>,
        credential: Option<&str>,
        vars: &Vars,
        step: usize,
        exchanges: &mut Vec<Exchange>,
    ) -> Result<Sent, String> {
        let path = vars.substitute(path).map_err(|e| e.to_string())?;
        let body = body
            .map(|b| vars.substitute_json(b))
            .transpose()
            .map_err(|e| e.to_string())?
            .map(|b| serde_json::to_vec(&b).unwrap_or_default())
            .unwrap_or_default();
        let credential = match (credential, actor) {
            (Some(credential), _) => Some(credential.to_owned()),
            (None, Some((actor, user))) => self.credential(actor, user)?,
            (None, None) => None,
        };
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        if !body.is_empty() {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
        if let Some(credential) = credential {
            headers.push((
                self.profile.app.credential_header.to_ascii_lowercase(),
                format!("{}{credential}", self.profile.app.credential_prefix),
            ));
        }
        let outgoing = Outgoing {
            method: method.to_ascii_uppercase(),
            path: format!("/{}", path.trim_start_matches('/')),
            headers,
            body,
            timeout: None,
        }
        .from_harness();
        let (exchange, raw) = self
            .transport
            .send_keeping_body(&outgoing, Some(step))
            .await;
        let answer = match (&exchange.response, raw) {
            (Some(response), Some(raw)) => Ok((
                response.status,
                serde_json::from_slice(&raw).unwrap_or(Value::Null),
            )),
            _ => Err(exchange
                .error
                .clone()
                .unwrap_or_else(|| "no response".to_owned())),
        };
        exchanges.push(exchange);
        Ok(Sent {
            exchange: exchanges.len() - 1,
            answer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_url_lives_on_the_scim_targets_origin() {
        assert_eq!(
            resolve_url("/api/v1", "http://127.0.0.1:8642/scim/v2"),
            "http://127.0.0.1:8642/api/v1"
        );
        assert_eq!(
            resolve_url("https://app.example.com/api/", "http://x/scim"),
            "https://app.example.com/api"
        );
    }

    #[tokio::test]
    async fn the_applications_answers_are_scrubbed_of_the_scim_token_and_passwords() {
        // Arrange: an application API that quotes the SCIM token and a password the scenario
        // sent over SCIM.
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/scim/v2", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let body = r#"{"settings":"scim-token-0123 pw-sent-over-scim"}"#;
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(answer.as_bytes()).await.unwrap();
        });
        let scim = Transport::new(Target {
            base_url,
            auth: Auth::Bearer("scim-token-0123".into()),
            timeout: std::time::Duration::from_secs(5),
            tls: Default::default(),
            no_proxy: true,
        })
        .unwrap();
        scim.scrubber()
            .learn(br#"{"userName":"ada","password":"pw-sent-over-scim"}"#);
        let app = AppClient::new(reference_profile(), &scim).unwrap();
        let mut exchanges = Vec::new();

        // Act
        let sent = app
            .send(
                "GET",
                "/workspace/scim",
                None,
                None,
                None,
                &Vars::default(),
                0,
                &mut exchanges,
            )
            .await
            .unwrap();

        // Assert
        let recorded =
            String::from_utf8_lossy(&exchanges[sent.exchange].response.as_ref().unwrap().body)
                .into_owned();
        assert_eq!(recorded, r#"{"settings":"<redacted> <redacted>"}"#);
    }

    #[test]
    fn the_reference_profile_parses() {
        let profile = reference_profile();
        assert!(profile.probes.len() >= 10, "{}", profile.probes.len());
        assert!(profile.access.is_some());
    }
}
