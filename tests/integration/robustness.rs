//! Arbitrary input never makes the server panic, answer 5xx, or answer an error that is not a
//! SCIM error body.

use std::sync::OnceLock;

use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestServer;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().expect("a runtime"))
}

/// One server for every case, with one user and one group to aim PATCHes at.
fn fixture() -> &'static (TestServer, String, String) {
    static FIXTURE: OnceLock<(TestServer, String, String)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        runtime().block_on(async {
            let server = TestServer::start().await;
            let user = server.create_user("target@example.com").await;
            let group = server.create_group("Target", &[&user]).await;
            (server, user, group)
        })
    })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-zA-Z\\[\\]\" .:$]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("userName"),
            Just("members"),
            Just("emails[type eq \"work\"].value"),
            Just("Replace"),
            Just("True")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("op".to_owned()),
                    Just("path".to_owned()),
                    Just("value".to_owned()),
                    Just("Operations".to_owned()),
                    Just("schemas".to_owned()),
                    Just("userName".to_owned()),
                    Just("members".to_owned()),
                    Just("displayName".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..4,
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

fn assert_well_formed(reply: &crate::support::Reply, what: &str) {
    assert!(
        reply.status < 500,
        "{what} answered {}: {}",
        reply.status,
        reply.text
    );
    if reply.status >= 400 {
        assert_eq!(
            reply.json["status"],
            json!(reply.status.to_string()),
            "{what}: {}",
            reply.text
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/scim+json"),
            "{what}"
        );
    }
}

proptest! {
    // Each case is several HTTP requests: 96 unless PROPTEST_CASES says otherwise.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(96),
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_json_bodies_get_scim_answers(body in json_value(), wrap in any::<bool>()) {
        let (server, user, group) = fixture();
        let body = if wrap {
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [body]})
        } else {
            body
        };
        runtime().block_on(async {
            for (method, path) in [
                (Method::PATCH, format!("/Users/{user}")),
                (Method::PATCH, format!("/Groups/{group}")),
                (Method::POST, "/Users".to_owned()),
                (Method::PUT, format!("/Groups/{group}")),
                (Method::POST, "/.search".to_owned()),
                (Method::POST, "/Bulk".to_owned()),
            ] {
                let reply = server.send(method.clone(), &path, Some(body.clone()), &[]).await;
                assert_well_formed(&reply, &format!("{method} {path} {body}"));
            }
        });
    }

    #[test]
    fn arbitrary_query_strings_get_scim_answers(query in "[ -~]{0,40}") {
        let (server, _, _) = fixture();
        let encoded: String = form_urlencoded::byte_serialize(query.as_bytes()).collect();
        runtime().block_on(async {
            for param in ["filter", "sortBy", "attributes", "startIndex", "count", "excludedAttributes"] {
                let reply = server.get(&format!("/Users?{param}={encoded}")).await;
                assert_well_formed(&reply, &format!("{param}={query}"));
            }
        });
    }
}
