//! A reference server per test, on 127.0.0.1, and a small client that returns what came back.

use std::sync::Arc;

use reqwest::Method;
use reqwest::header::HeaderMap;
use scimulate::clock::Clock;
use scimulate::server::{self, Quirk, Quirks, RunningServer, ServerConfig};
use serde_json::{Value, json};

pub const TOKEN: &str = "integration-test-token";

/// The owner's application key of a server started by [`TestServer`].
pub const OWNER_KEY: &str = server::DEFAULT_OWNER_KEY;

pub struct TestServer {
    pub server: RunningServer,
    pub client: reqwest::Client,
}

/// What a request got back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 7644 §3.12 error body with this status and scimType.
    #[track_caller]
    pub fn assert_scim_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/scim+json"),
            "error content type"
        );
        assert_eq!(
            self.json["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        );
        assert_eq!(self.json["status"], json!(status.to_string()));
        assert_eq!(
            self.json["scimType"].as_str(),
            scim_type,
            "body: {}",
            self.text
        );
        assert!(self.json["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::with_quirks(&[]).await
    }

    pub async fn with_quirks(quirks: &[Quirk]) -> Self {
        Self::with_quirks_and_clock(quirks, None).await
    }

    /// A server with these quirks whose clock is `clock` (the system clock when `None`).
    pub async fn with_quirks_and_clock(quirks: &[Quirk], clock: Option<Arc<dyn Clock>>) -> Self {
        let mut config = ServerConfig::loopback(TOKEN);
        config.quirks = Quirks::new(quirks.iter().copied());
        if let Some(clock) = clock {
            config.clock = clock;
        }
        let server = server::start(config)
            .await
            .expect("the reference server starts");
        TestServer {
            server,
            client: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self
            .client
            .request(method, self.url(path))
            .header("authorization", format!("Bearer {TOKEN}"));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request
            .send()
            .await
            .expect("the request reaches the server");
        Self::reply(response).await
    }

    pub async fn reply(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// A request to the application API (`/api/v1…`), with `X-Api-Key: key` when given.
    pub async fn app(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.app_raw(method, path, key, body.map(|b| b.to_string()))
            .await
    }

    /// As [`TestServer::app`], with the body sent as written.
    pub async fn app_raw(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<String>,
    ) -> Reply {
        let url = format!("http://{}/api/v1{path}", self.server.addr);
        let mut request = self.client.request(method, url);
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        let response = request
            .send()
            .await
            .expect("the request reaches the server");
        Self::reply(response).await
    }

    /// Logs `email` in through the application and returns the API key.
    pub async fn login(&self, email: &str) -> String {
        let reply = self
            .app(Method::POST, "/login", None, Some(json!({"email": email})))
            .await;
        assert_eq!(reply.status, 200, "login {email}: {}", reply.text);
        reply.json["apiKey"].as_str().expect("a key").to_owned()
    }

    /// Turns SCIM on or off in the application, as the owner.
    pub async fn switch_scim(&self, enabled: bool) -> Reply {
        let reply = self
            .app(
                Method::PUT,
                "/workspace/scim",
                Some(OWNER_KEY),
                Some(json!({"enabled": enabled})),
            )
            .await;
        assert_eq!(reply.status, 200, "switch SCIM: {}", reply.text);
        reply
    }

    /// Creates a user and returns its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let reply = self.post("/Users", user(user_name)).await;
        assert_eq!(reply.status, 201, "create {user_name}: {}", reply.text);
        reply.json["id"].as_str().expect("an id").to_owned()
    }

    /// Creates a group with these members and returns its id.
    pub async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let reply = self
            .post(
                "/Groups",
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": members}),
            )
            .await;
        assert_eq!(reply.status, 201, "create group {name}: {}", reply.text);
        reply.json["id"].as_str().expect("an id").to_owned()
    }
}

/// A user body as Okta sends it on create (docs/idps/okta.md §3.3).
pub fn user(user_name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": "Ada Lovelace",
        "externalId": format!("00u{user_name}"),
        "groups": [],
        "password": "s3cret-Passw0rd",
        "active": true,
    })
}

pub fn patch_op(operations: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations})
}
