//! Entra's settings that a scenario cannot select yet (the target profile's `idp:` block will):
//! a job with each setting on, driven straight against the reference server over HTTP. What it
//! sends must be what the reference server takes, and must leave the state Entra means.

use scimulate::clock::{Clock, VirtualClock};
use scimulate::idp::directory::{Directory, IdShape, Profile};
use scimulate::idp::entra::{Entra, Job, RoleMapping};
use scimulate::idp::wire::{Wire, WireRequest, WireResponse};
use scimulate::server::RunningServer;
use serde_json::Value;

use crate::support::{TOKEN, reference_server, runtime};

/// The reference server reached over HTTP, every request kept.
struct ReferenceWire {
    client: reqwest::Client,
    base: String,
    sent: Vec<WireRequest>,
}

impl ReferenceWire {
    fn to(server: &RunningServer) -> Self {
        ReferenceWire {
            client: reqwest::Client::new(),
            base: server.base_url.clone(),
            sent: Vec::new(),
        }
    }

    /// `METHOD path` of every request sent.
    fn lines(&self) -> Vec<String> {
        self.sent
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// The target's resource at `path`.
    async fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

impl Wire for ReferenceWire {
    async fn send(&mut self, request: WireRequest) -> Result<WireResponse, String> {
        self.sent.push(request.clone());
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut builder = self
            .client
            .request(method, format!("{}{}", self.base, request.path))
            .bearer_auth(TOKEN);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        let response = builder.send().await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let body = response.bytes().await.map_err(|e| e.to_string())?.to_vec();
        Ok(WireResponse {
            status,
            headers,
            body,
        })
    }
}

fn clock() -> VirtualClock {
    VirtualClock::starting_at("2026-01-05T09:00:00Z".parse().unwrap())
}

/// A directory with one user, assigned; `tag` keeps user names apart between tests.
fn directory_with(tag: &str, change: impl FnOnce(&mut Profile)) -> Directory {
    let mut profile = Profile {
        user_name: format!("{tag}-ada@example.com"),
        given_name: "Ada".into(),
        family_name: "Lovelace".into(),
        email: format!("{tag}-ada@example.com"),
        ..Profile::default()
    };
    change(&mut profile);
    let mut directory = Directory::default();
    directory.define_user("ada", profile, IdShape::Guid);
    directory.change_user("ada", |u| u.assigned = true);
    directory
}

/// Runs the cycle that falls due next.
async fn next_cycle(
    job: &mut Job,
    directory: &mut Directory,
    clock: &VirtualClock,
    wire: &mut ReferenceWire,
) -> Vec<String> {
    let next = job.next_cycle().expect("a cycle is scheduled");
    clock.advance(next.duration_since(clock.now()));
    let report = job.run_due_cycle(directory, clock, wire).await;
    failed(&report.checks)
}

fn failed(checks: &[scimulate::idp::IdpCheck]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| !c.held())
        .map(|c| format!("{}: {:?}", c.id, c.reasons))
        .collect()
}

#[test]
fn single_app_role_assignment_reaches_the_reference_server() {
    runtime().block_on(async {
        // Arrange
        let server = reference_server().await;
        let mut wire = ReferenceWire::to(&server);
        let clock = clock();
        let mut job = Job::new(Entra {
            roles: RoleMapping::SingleAppRoleAssignment,
            ..Entra::default()
        });
        let mut directory = directory_with("roles", |p| p.app_roles = vec!["Admin".into()]);

        // Act
        let created = job.start(&mut directory, &clock, &mut wire).await;
        let id = directory.user("ada").unwrap().target_id.clone().unwrap();
        let after_create = wire.get(&format!("/Users/{id}")).await;
        directory.change_user("ada", |u| u.profile.app_roles = vec!["Reader".into()]);
        let changed = next_cycle(&mut job, &mut directory, &clock, &mut wire).await;
        let after_change = wire.get(&format!("/Users/{id}")).await;

        // Assert
        assert_eq!(failed(&created.checks), Vec::<String>::new());
        assert_eq!(changed, Vec::<String>::new());
        assert_eq!(
            after_create["roles"],
            serde_json::json!([{"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}])
        );
        assert_eq!(wire.lines().last().unwrap(), &format!("PATCH /Users/{id}"));
        let added = after_change["roles"][1]["value"].as_str().unwrap();
        let role: Value = serde_json::from_str(added).expect("the role as a JSON string");
        assert_eq!(role["value"], "Reader");
        assert_eq!(role["displayName"], "Reader");
    });
}
