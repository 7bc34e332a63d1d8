//! Entra's settings that a scenario cannot select yet (the target profile's `idp:` block will):
//! a job with each setting on, driven straight against the reference server over HTTP. What it
//! sends must be what the reference server takes, and must leave the state Entra means.

use std::sync::Arc;

use jiff::SignedDuration;
use scimulate::clock::{Clock, VirtualClock};
use scimulate::idp::directory::{Directory, IdShape, Profile};
use scimulate::idp::entra::{Entra, Job, Matching, RoleMapping, Throttling};
use scimulate::idp::wire::{Wire, WireRequest, WireResponse};
use scimulate::server::{self, Quirk, Quirks, RunningServer, ServerConfig};
use serde_json::Value;

use crate::support::{TOKEN, reference_server, runtime};

/// The reference server reached over HTTP, every request kept; the job's waits move the
/// virtual clock.
struct ReferenceWire {
    client: reqwest::Client,
    base: String,
    sent: Vec<WireRequest>,
    clock: Arc<VirtualClock>,
}

impl ReferenceWire {
    fn to(server: &RunningServer) -> Self {
        ReferenceWire {
            client: reqwest::Client::new(),
            base: server.base_url.clone(),
            sent: Vec::new(),
            clock: Arc::new(clock()),
        }
    }

    /// `METHOD path` of every request sent.
    fn lines(&self) -> Vec<String> {
        self.sent
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// Creates a resource in the target, as the application's own data; its `id`.
    async fn post(&self, path: &str, body: Value) -> String {
        let created: Value = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        created["id"].as_str().expect("an id").to_owned()
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
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| e.to_string())?;
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

    async fn wait(&mut self, duration: std::time::Duration) {
        self.clock
            .advance(SignedDuration::try_from(duration).unwrap_or(SignedDuration::MAX));
    }
}

/// The reference server with these quirks.
async fn quirky_server(quirks: &[Quirk]) -> RunningServer {
    let mut config = ServerConfig::loopback(TOKEN);
    config.quirks = Quirks::new(quirks.iter().copied());
    server::start(config)
        .await
        .expect("the reference server starts")
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
    wire: &mut ReferenceWire,
) -> Vec<String> {
    let next = job.next_cycle().expect("a cycle is scheduled");
    let clock = wire.clock.clone();
    clock.advance(next.duration_since(clock.now()));
    let report = job.run_due_cycle(directory, &*clock, wire).await;
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
        let clock = wire.clock.clone();
        let mut job = Job::new(Entra {
            roles: RoleMapping::SingleAppRoleAssignment,
            ..Entra::default()
        });
        let mut directory = directory_with("roles", |p| p.app_roles = vec!["Admin".into()]);

        // Act
        let created = job.start(&mut directory, &*clock, &mut wire).await;
        let id = directory.user("ada").unwrap().target_id.clone().unwrap();
        let after_create = wire.get(&format!("/Users/{id}")).await;
        directory.change_user("ada", |u| u.profile.app_roles = vec!["Reader".into()]);
        let changed = next_cycle(&mut job, &mut directory, &mut wire).await;
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

#[test]
fn against_a_rate_limited_server_a_429_escrows_or_suspends_for_retry_after() {
    runtime().block_on(async {
        for throttling in [Throttling::Escrow, Throttling::RetryAfter] {
            // Arrange: every other request is answered 429 with Retry-After: 1.
            let server = quirky_server(&[Quirk::Throttle]).await;
            let mut wire = ReferenceWire::to(&server);
            let clock = wire.clock.clone();
            let started = clock.now();
            let mut job = Job::new(Entra {
                throttling,
                ..Entra::default()
            });
            let mut directory = directory_with("throttle", |_| ());

            // Act
            let first = job.start(&mut directory, &*clock, &mut wire).await;
            let sent_first = wire.sent.len();
            let next = job.next_cycle().unwrap();

            // Assert
            let lines = wire.lines();
            assert!(lines[0].starts_with("GET /Users?filter="), "{lines:?}");
            match throttling {
                Throttling::Escrow => {
                    assert_eq!(lines[1..], ["POST /Users"]);
                    assert_eq!(job.escrowed(), 1);
                    assert!(
                        failed(&first.checks)[0].contains("retried at the next cycle"),
                        "{:?}",
                        failed(&first.checks)
                    );
                    assert_eq!(next, started + SignedDuration::from_mins(40));
                    // The next cycle retries it (and meets the next 429).
                    next_cycle(&mut job, &mut directory, &mut wire).await;
                    assert_eq!(wire.sent.len(), sent_first + 2, "{:?}", wire.lines());
                }
                Throttling::RetryAfter => {
                    assert_eq!(lines[1..], ["POST /Users", "POST /Users"]);
                    assert_eq!(failed(&first.checks), Vec::<String>::new());
                    assert_eq!(job.escrowed(), 0);
                    // One second suspended, and the user's 0.6 s of the initial cycle.
                    assert_eq!(clock.now(), started + SignedDuration::from_millis(1_600));
                    assert!(directory.user("ada").unwrap().target_id.is_some());
                }
            }
        }
    });
}

#[test]
fn a_user_held_under_another_user_name_is_matched_by_external_id_on_the_reference_server() {
    runtime().block_on(async {
        // Arrange: the target holds Ada with Entra's externalId but an old userName.
        let server = reference_server().await;
        let mut wire = ReferenceWire::to(&server);
        let clock = wire.clock.clone();
        let held = wire
            .post(
                "/Users",
                serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": "matching-ada.old@example.com",
                    "externalId": "matching-ada",
                }),
            )
            .await;
        let mut job = Job::new(Entra {
            matching: vec![Matching::UserName, Matching::ExternalId],
            ..Entra::default()
        });
        let mut directory = directory_with("matching", |_| ());

        // Act
        let report = job.start(&mut directory, &*clock, &mut wire).await;
        let user = wire.get(&format!("/Users/{held}")).await;

        // Assert: matched by the second attribute, updated, not created again.
        assert_eq!(failed(&report.checks), Vec::<String>::new());
        assert_eq!(
            wire.lines(),
            [
                "GET /Users?filter=userName+eq+%22matching-ada%40example.com%22".to_owned(),
                "GET /Users?filter=externalId+eq+%22matching-ada%22".to_owned(),
                format!("PATCH /Users/{held}"),
            ]
        );
        assert_eq!(
            directory.user("ada").unwrap().target_id.as_deref(),
            Some(held.as_str())
        );
        assert_eq!(user["userName"], "matching-ada@example.com");
    });
}

#[test]
fn the_active_variants_are_taken_by_the_reference_server() {
    runtime().block_on(async {
        // Arrange: "True" in the create, then an Add of "false" to disable.
        let server = reference_server().await;
        let mut wire = ReferenceWire::to(&server);
        let clock = wire.clock.clone();
        let mut job = Job::new(Entra {
            active_string_in_create: true,
            active_with_add: true,
            active_lowercase: true,
            ..Entra::default()
        });
        let mut directory = directory_with("variants", |_| ());

        // Act
        let created = job.start(&mut directory, &*clock, &mut wire).await;
        let id = directory.user("ada").unwrap().target_id.clone().unwrap();
        let active_after_create = wire.get(&format!("/Users/{id}")).await["active"].clone();
        directory.change_user("ada", |u| u.assigned = false);
        let disabled = next_cycle(&mut job, &mut directory, &mut wire).await;
        let active_after_disable = wire.get(&format!("/Users/{id}")).await["active"].clone();

        // Assert
        assert_eq!(failed(&created.checks), Vec::<String>::new());
        assert_eq!(disabled, Vec::<String>::new());
        let post = String::from_utf8(wire.sent[1].body.clone()).unwrap();
        assert!(post.contains(r#""active":"true""#), "{post}");
        let patch = String::from_utf8(wire.sent.last().unwrap().body.clone()).unwrap();
        assert!(
            patch.contains(r#"{"op":"Add","path":"active","value":"false"}"#),
            "{patch}"
        );
        assert_eq!(active_after_create, true);
        assert_eq!(active_after_disable, false);
    });
}

#[test]
fn members_in_patches_of_two_all_reach_the_reference_server() {
    runtime().block_on(async {
        // Arrange: five members, at most two per PATCH.
        let server = reference_server().await;
        let mut wire = ReferenceWire::to(&server);
        let clock = wire.clock.clone();
        let mut job = Job::new(Entra {
            max_members_per_patch: Some(2),
            ..Entra::default()
        });
        let mut directory = Directory::default();
        let keys: Vec<String> = (1..=5).map(|n| format!("batch-{n}")).collect();
        for key in &keys {
            let profile = Profile {
                user_name: format!("{key}@example.com"),
                given_name: "Member".into(),
                family_name: key.clone(),
                email: format!("{key}@example.com"),
                ..Profile::default()
            };
            directory.define_user(key, profile, IdShape::Guid);
        }
        directory.define_group("eng", "batch Engineering".into(), keys, IdShape::Guid);
        directory.change_group("eng", |g| g.assigned = true);

        // Act
        let report = job.start(&mut directory, &*clock, &mut wire).await;
        let id = directory.group("eng").unwrap().target_id.clone().unwrap();
        let group = wire.get(&format!("/Groups/{id}")).await;

        // Assert
        assert_eq!(failed(&report.checks), Vec::<String>::new());
        let patches = wire
            .lines()
            .iter()
            .filter(|l| **l == format!("PATCH /Groups/{id}"))
            .count();
        assert_eq!(patches, 3);
        assert_eq!(group["members"].as_array().map(Vec::len), Some(5));
    });
}

#[test]
fn without_active_mapped_an_unassigned_user_is_deleted_from_the_reference_server() {
    runtime().block_on(async {
        // Arrange
        let server = reference_server().await;
        let mut wire = ReferenceWire::to(&server);
        let clock = wire.clock.clone();
        let mut job = Job::new(Entra {
            active_mapped: false,
            ..Entra::default()
        });
        let mut directory = directory_with("unmapped", |_| ());
        let created = job.start(&mut directory, &*clock, &mut wire).await;
        let id = directory.user("ada").unwrap().target_id.clone().unwrap();

        // Act
        directory.change_user("ada", |u| u.assigned = false);
        let deleted = next_cycle(&mut job, &mut directory, &mut wire).await;
        let gone = wire
            .client
            .get(format!("{}/Users/{id}", wire.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .status();

        // Assert
        assert_eq!(failed(&created.checks), Vec::<String>::new());
        assert_eq!(deleted, Vec::<String>::new());
        let post = String::from_utf8(wire.sent[1].body.clone()).unwrap();
        assert!(!post.contains("active"), "{post}");
        assert_eq!(wire.lines().last().unwrap(), &format!("DELETE /Users/{id}"));
        assert_eq!(gone, 404);
    });
}

#[test]
fn an_initial_cycle_takes_its_time_per_object_and_a_long_one_is_followed_at_once() {
    runtime().block_on(async {
        for (per_object, took, next_after) in [
            // The default: 0.6 s for the one user; the next cycle 40 minutes after the start.
            (
                None,
                SignedDuration::from_millis(600),
                SignedDuration::from_mins(40),
            ),
            // Nine users at 5 minutes each: 45 minutes, so the next cycle runs at once.
            (
                Some(std::time::Duration::from_secs(300)),
                SignedDuration::from_mins(45),
                SignedDuration::from_mins(45),
            ),
        ] {
            // Arrange
            let server = reference_server().await;
            let mut wire = ReferenceWire::to(&server);
            let clock = wire.clock.clone();
            let started = clock.now();
            let mut entra = Entra::default();
            if let Some(per_object) = per_object {
                entra.initial_cycle_per_object = per_object;
            }
            let mut job = Job::new(entra);
            let users = if per_object.is_some() { 9 } else { 1 };
            let mut directory = Directory::default();
            for n in 0..users {
                let key = format!("timed-{}-{n}", per_object.is_some());
                let profile = Profile {
                    user_name: format!("{key}@example.com"),
                    given_name: "Timed".into(),
                    family_name: key.clone(),
                    email: format!("{key}@example.com"),
                    ..Profile::default()
                };
                directory.define_user(&key, profile, IdShape::Guid);
                directory.change_user(&key, |u| u.assigned = true);
            }

            // Act
            let report = job.start(&mut directory, &*clock, &mut wire).await;

            // Assert
            assert_eq!(failed(&report.checks), Vec::<String>::new());
            assert_eq!(report.objects, users);
            assert_eq!(clock.now(), started + took);
            assert_eq!(job.next_cycle(), Some(started + next_after));
        }
    });
}

#[test]
fn a_reasserted_group_external_id_is_taken_by_the_reference_server() {
    runtime().block_on(async {
        // Arrange: the target holds the group already, without Entra's externalId.
        let server = reference_server().await;
        let mut wire = ReferenceWire::to(&server);
        let clock = wire.clock.clone();
        let held = wire
            .post(
                "/Groups",
                serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": "reassert Engineering",
                }),
            )
            .await;
        let mut job = Job::new(Entra {
            reassert_group_external_id: true,
            ..Entra::default()
        });
        let mut directory = Directory::default();
        directory.define_group(
            "eng",
            "reassert Engineering".into(),
            Vec::new(),
            IdShape::Guid,
        );
        directory.change_group("eng", |g| g.assigned = true);

        // Act
        let report = job.start(&mut directory, &*clock, &mut wire).await;
        let group = wire.get(&format!("/Groups/{held}")).await;

        // Assert
        assert_eq!(failed(&report.checks), Vec::<String>::new());
        assert_eq!(
            wire.lines().last().unwrap(),
            &format!("PATCH /Groups/{held}")
        );
        assert_eq!(
            group["externalId"],
            directory.group("eng").unwrap().idp_id.as_str()
        );
    });
}
