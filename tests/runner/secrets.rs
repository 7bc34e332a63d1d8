//! Secrets never appear in any output: for every way a credential can be given, a run at every
//! verbosity with every report and snapshots (written, then drifted) is searched byte for byte
//! for the credential and the request bodies' passwords, in every encoding a target or a report
//! could give them.
//!
//! The main target is an echo mock that makes leaks likely: it answers every request with what
//! it received (every header, the credential without its scheme, a Basic credential decoded,
//! the raw body, the URI) in its JSON body, once more with `/` escaped as `\/` the way PHP's
//! `json_encode` does, and in response headers; a request whose query says `fail` gets a 400.
//! A `scimulate serve` child gives the same runs realistic, successful exchanges when the
//! credential is a bearer token; it refuses the other forms, and those runs stop at the
//! preflight (exit 3), whose paragraph is searched the same way.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use scimulate::runner::transport::{base64_decode, base64_encode};
use tokio::net::TcpListener;

use crate::support::{root, runtime, serve, walk};

/// The passwords the scenario's request bodies carry (POST, PATCH replace, PUT).
const PASSWORD_CREATE: &str = "pw-SECRET-create-1a2b/+x";
const PASSWORD_PATCH: &str = "pw-SECRET-patch-3c4d";
const PASSWORD_PUT: &str = "pw-SECRET-put-5e6f";
/// The password Okta puts in its create body for the first user (its placeholder password).
const OKTA_PLACEHOLDER: &str = "RG=R+lQm";

/// One way of giving the runner its credential.
struct Form {
    name: &'static str,
    /// Flags for a run against the echo mock, and against the reference server.
    echo_args: Vec<String>,
    reference_args: Vec<String>,
    /// Environment for both.
    env: Vec<(&'static str, String)>,
    /// The token `scimulate serve` expects.
    server_token: String,
    /// `scimulate serve` refuses this form (it takes bearer tokens only): the run against it
    /// stops at the preflight.
    reference_refuses: bool,
    /// Runs the Okta scenario as well (the Header Auth field).
    okta: bool,
    /// What must never be printed, by name.
    secrets: Vec<(&'static str, String)>,
}

fn forms() -> Vec<Form> {
    let token_flag = "tok-SECRET-4f1c/flag+9Zq";
    let token_env = "tok-SECRET-7d2e/env+3Wx";
    let okta_value = "okta-SECRET-b81d/hdr+5Kp";
    let basic_user = "scim-user";
    let basic_flag = "basic-SECRET-c0de/flag+1Qa";
    let basic_env = "basic-SECRET-e9f0/env+6Rb";
    let basic_header = "basic-SECRET-a7b3/hdr+2Lm";
    let api_key = "key-SECRET-5a6b/api+8Tn";
    let basic_encoded =
        |password: &str| base64_encode(format!("{basic_user}:{password}").as_bytes());
    let basic_header_value = format!("Basic {}", basic_encoded(basic_header));
    vec![
        Form {
            name: "--token",
            echo_args: vec!["--token".into(), token_flag.into()],
            reference_args: vec!["--token".into(), token_flag.into()],
            env: vec![],
            server_token: token_flag.into(),
            reference_refuses: false,
            okta: false,
            secrets: vec![("the token", token_flag.into())],
        },
        Form {
            name: "SCIMULATE_TOKEN",
            echo_args: vec![],
            reference_args: vec![],
            env: vec![("SCIMULATE_TOKEN", token_env.into())],
            server_token: token_env.into(),
            reference_refuses: false,
            okta: false,
            secrets: vec![("the token", token_env.into())],
        },
        Form {
            // Okta's Header Auth field is sent verbatim: whatever scheme the admin typed.
            name: "Okta Header Auth",
            echo_args: vec![
                "--auth-header".into(),
                format!("Authorization: SSWS {okta_value}"),
            ],
            reference_args: vec![
                "--auth-header".into(),
                format!("Authorization: Bearer {okta_value}"),
            ],
            env: vec![],
            server_token: okta_value.into(),
            reference_refuses: false,
            okta: true,
            secrets: vec![("the Header Auth credential", okta_value.into())],
        },
        Form {
            name: "--basic",
            echo_args: vec!["--basic".into(), format!("{basic_user}:{basic_flag}")],
            reference_args: vec!["--basic".into(), format!("{basic_user}:{basic_flag}")],
            env: vec![],
            server_token: "unused-server-token-1".into(),
            reference_refuses: true,
            okta: false,
            secrets: vec![
                ("the basic password", basic_flag.into()),
                ("the basic credentials in base64", basic_encoded(basic_flag)),
            ],
        },
        Form {
            name: "SCIMULATE_BASIC",
            echo_args: vec![],
            reference_args: vec![],
            env: vec![("SCIMULATE_BASIC", format!("{basic_user}:{basic_env}"))],
            server_token: "unused-server-token-2".into(),
            reference_refuses: true,
            okta: false,
            secrets: vec![
                ("the basic password", basic_env.into()),
                ("the basic credentials in base64", basic_encoded(basic_env)),
            ],
        },
        Form {
            // Basic credentials already encoded, as an Okta admin pastes them into Header Auth.
            name: "Header Auth with Basic",
            echo_args: vec![
                "--auth-header".into(),
                format!("Authorization: {basic_header_value}"),
            ],
            reference_args: vec![
                "--auth-header".into(),
                format!("Authorization: {basic_header_value}"),
            ],
            env: vec![],
            server_token: "unused-server-token-3".into(),
            reference_refuses: true,
            okta: true,
            secrets: vec![
                ("the basic password", basic_header.into()),
                (
                    "the basic credentials in base64",
                    basic_encoded(basic_header),
                ),
            ],
        },
        Form {
            name: "--auth-header X-Api-Key",
            echo_args: vec!["--auth-header".into(), format!("X-Api-Key: {api_key}")],
            reference_args: vec!["--auth-header".into(), format!("X-Api-Key: {api_key}")],
            env: vec![],
            server_token: "unused-server-token-4".into(),
            reference_refuses: true,
            okta: false,
            secrets: vec![("the API key", api_key.into())],
        },
        Form {
            name: "SCIMULATE_AUTH_HEADER",
            echo_args: vec![],
            reference_args: vec![],
            env: vec![("SCIMULATE_AUTH_HEADER", format!("X-Api-Key: {api_key}-env"))],
            server_token: "unused-server-token-5".into(),
            reference_refuses: true,
            okta: false,
            secrets: vec![("the API key", format!("{api_key}-env"))],
        },
    ]
}

/// Every form a secret could be printed in: as is, percent-encoded (hex in either case), JSON-escaped (with `/` as
/// `\/` too), and base64.
pub(crate) fn needles(secret: &str) -> Vec<(&'static str, String)> {
    let mut needles = vec![
        ("", secret.to_owned()),
        (
            " percent-encoded",
            utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        ),
        (
            " percent-encoded, lower-case hex",
            lowercase_hex(&utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string()),
        ),
        (" with \\/", secret.replace('/', "\\/")),
        (" in base64", base64_encode(secret.as_bytes())),
    ];
    let json = serde_json::to_string(secret).unwrap();
    needles.push((" JSON-escaped", json[1..json.len() - 1].to_owned()));
    needles.sort_by(|a, b| a.1.cmp(&b.1));
    needles.dedup_by(|a, b| a.1 == b.1);
    needles
}

/// `encoded` with the hex digits of its percent-escapes in lower case (`%2f`).
fn lowercase_hex(encoded: &str) -> String {
    let mut out = String::new();
    let mut hex_left: u8 = 0;
    for c in encoded.chars() {
        out.push(if hex_left > 0 {
            c.to_ascii_lowercase()
        } else {
            c
        });
        hex_left = if c == '%' {
            2
        } else {
            hex_left.saturating_sub(1)
        };
    }
    out
}

/// The scenario: a user created, its password replaced by PATCH and by PUT, each with a
/// password in the body; the credential in a query (as is and percent-encoded); a failed body
/// expectation that quotes the answer; a final request the echo mock answers 400.
fn scenario(dir: &Path, credential: &str) {
    let encoded = utf8_percent_encode(credential, NON_ALPHANUMERIC).to_string();
    let lower = lowercase_hex(&encoded);
    let text = format!(
        r#"name: secrets
description: Sends passwords in every kind of body and the credential in a query.
steps:
  - request:
      method: POST
      path: /Users
      body: {{ userName: "{{{{run.prefix}}}}-pw@example.com", password: "{PASSWORD_CREATE}" }}
      expect: {{ status: 201 }}
      capture: {{ id: /id }}
  - snapshot: created
  - request:
      method: PATCH
      path: /Users/{{{{id}}}}
      body:
        schemas: [urn:ietf:params:scim:api:messages:2.0:PatchOp]
        Operations: [{{ op: replace, path: password, value: "{PASSWORD_PATCH}" }}]
      expect: {{ status: [200, 204, 400] }}
  - request:
      method: PUT
      path: /Users/{{{{id}}}}
      body:
        schemas: [urn:ietf:params:scim:schemas:core:2.0:User]
        userName: "{{{{run.prefix}}}}-pw@example.com"
        password: "{PASSWORD_PUT}"
      expect:
        status: [200, 400]
        body: {{ userName: "not what the target answers" }}
        json:
          - {{ pointer: /detail, equals: "not what the target answers", check: {{ id: secrets.detail-quoted, level: SHOULD }} }}
          - {{ pointer: /userName, equals: "not what the target answers", check: {{ id: secrets.user-quoted, level: INFO }} }}
      check: {{ id: secrets.put-body-quoted, level: SHOULD }}
  - request:
      method: GET
      path: /Users?filter=userName%20eq%20%22{encoded}%22&token={credential}&lower={lower}
      expect: {{ status: 200 }}
      check: {{ id: secrets.query, level: SHOULD }}
  - snapshot: changed
  - request:
      method: GET
      path: /Users/{{{{id}}}}?fail=1&password={PASSWORD_PUT}
      expect: {{ status: 200, body: {{ id: "{{{{id}}}}" }} }}
"#
    );
    std::fs::write(dir.join("secrets.yaml"), text).unwrap();
}

/// A copy of the Okta assignment scenario: Okta's create body carries its placeholder password;
/// then Okta's password sync sends the user's new password (`set_password`).
fn okta_scenario(dir: &Path) {
    let text =
        std::fs::read_to_string(root().join("scenarios/okta/assign-creates-user.yaml")).unwrap();
    std::fs::write(
        dir.join("okta.yaml"),
        text.replace("idps: [okta, okta-aiw]", "idps: [okta]") + "  - set_password: ada\n",
    )
    .unwrap();
}

struct Echo {
    seen: AtomicUsize,
    /// Every request header value and body received, to show the secrets went on the wire.
    received: std::sync::Mutex<Vec<u8>>,
}

/// Answers with everything it received; see the module comment.
async fn echo(State(state): State<Arc<Echo>>, request: Request) -> Response {
    let n = state.seen.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let raw = String::from_utf8_lossy(&body).into_owned();
    {
        let mut received = state.received.lock().unwrap();
        for value in parts.headers.values() {
            received.extend_from_slice(value.as_bytes());
            received.push(b'\n');
        }
        received.extend_from_slice(&body);
        received.push(b'\n');
    }
    let uri = parts.uri.to_string();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default()
    };
    let authorization = header("authorization");
    let credential = authorization
        .split_once(' ')
        .map(|(_, c)| c.to_owned())
        .unwrap_or_default();
    let decoded = authorization
        .strip_prefix("Basic ")
        .and_then(base64_decode)
        .unwrap_or_default();
    let headers: serde_json::Map<String, serde_json::Value> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned().into(),
            )
        })
        .collect();
    let echoed = serde_json::json!({
        "n": n,
        "method": parts.method.as_str(),
        "uri": uri,
        "headers": headers,
        "credential": credential,
        "decoded": decoded,
        "body": raw,
    });
    let fail = uri.contains("fail=1");
    let status = match parts.method.as_str() {
        _ if fail => 400,
        "POST" => 201,
        "DELETE" => 204,
        _ => 200,
    };
    // A list answer for a query (Okta looks its user up before creating it), else a user.
    let schema = if parts.method == "GET" && uri.contains("filter=") {
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    } else {
        "urn:ietf:params:scim:schemas:core:2.0:User"
    };
    let answer = serde_json::json!({
        "schemas": [schema],
        "id": "echo-1",
        "userName": format!("echo #{n} of {raw}"),
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
        // Every answer doubles as a ServiceProviderConfig that advertises PATCH, so the
        // scenario's PATCH (and the password it carries) is sent, not skipped.
        "patch": {"supported": true},
        "detail": format!(
            "request #{n} {} {uri} authorization {authorization} credential {credential} decoded {decoded} x-api-key {} body {raw}",
            parts.method,
            header("x-api-key"),
        ),
        "echo": echoed,
    });
    // The same again with `/` escaped as `\/`, as PHP's json_encode writes it.
    let php = echoed.to_string().replace('/', "\\/");
    let text = answer.to_string();
    let text = format!("{},\"php\":{php}}}", &text[..text.len() - 1]);
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/scim+json")
        .header("x-echo-authorization", authorization.as_str())
        .header("x-echo-credential", credential.as_str())
        .header("x-echo-decoded", decoded.as_str())
        .header("x-echo-api-key", header("x-api-key"))
        .header("x-echo-n", n.to_string())
        .header(
            "location",
            format!("http://{}/scim/v2/Users/echo-1?{n}&{}", header("host"), uri),
        );
    if status == 204 {
        return response.body(Body::empty()).unwrap();
    }
    response = response.header("content-length", text.len());
    response.body(Body::from(text)).unwrap()
}

/// Starts the echo mock on the shared runtime; its base URL and state.
fn echo_target() -> (String, Arc<Echo>) {
    runtime().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Echo {
            seen: AtomicUsize::new(0),
            received: Default::default(),
        });
        let app = Router::new().fallback(echo).with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (format!("http://{addr}/scim/v2"), state)
    })
}

/// One `scimulate run` and everything it printed or wrote, by name.
fn run(
    form: &Form,
    dir: &Path,
    target: &str,
    args: &[String],
    verbosity: Option<&str>,
    accept: bool,
) -> (Option<i32>, Vec<(String, Vec<u8>)>) {
    let json = dir.join("report.json");
    let junit = dir.join("report.xml");
    let _ = std::fs::remove_file(&json);
    let _ = std::fs::remove_file(&junit);
    let mut command = Command::new(env!("CARGO_BIN_EXE_scimulate"));
    command.arg("run").arg(dir.join("secrets.yaml"));
    if form.okta {
        command.arg(dir.join("okta.yaml"));
    }
    command
        .args(["--target", target, "--jobs", "1", "--timeout", "10"])
        .arg("--json")
        .arg(&json)
        .arg("--junit")
        .arg(&junit)
        .arg("--snapshots")
        .arg(dir.join("snaps"))
        .args(args)
        .env_remove("CI")
        .env_remove("SCIMULATE_TOKEN")
        .env_remove("SCIMULATE_BASIC")
        .env_remove("SCIMULATE_AUTH_HEADER")
        .env("RUST_BACKTRACE", "1");
    if let Some(flag) = verbosity {
        command.arg(flag);
    }
    if accept {
        command.arg("--accept");
    }
    for (name, value) in &form.env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let mut outputs = vec![
        ("stdout".to_owned(), output.stdout),
        ("stderr".to_owned(), output.stderr),
        (
            "the JSON report".to_owned(),
            std::fs::read(&json).unwrap_or_default(),
        ),
        (
            "the JUnit report".to_owned(),
            std::fs::read(&junit).unwrap_or_default(),
        ),
    ];
    for file in walk(&dir.join("snaps")) {
        let name = format!("snapshot {}", file.display());
        outputs.push((name, std::fs::read(&file).unwrap()));
    }
    (output.status.code(), outputs)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn no_credential_or_password_appears_in_any_output_at_any_verbosity() {
    let (echo_base, echo_state) = echo_target();
    let mut leaks = Vec::new();
    let mut passwords = vec![
        ("the POST password", PASSWORD_CREATE.to_owned()),
        ("the PATCH password", PASSWORD_PATCH.to_owned()),
        ("the PUT password", PASSWORD_PUT.to_owned()),
    ];
    passwords.push(("Okta's placeholder password", OKTA_PLACEHOLDER.to_owned()));
    passwords.push((
        "Okta's synced password",
        scimulate::idp::okta::request::synced_password("00u00000000000000001", 1),
    ));
    for form in forms() {
        let (_server, reference_base) = serve(&[], &form.server_token);
        let mut needles_of_form = Vec::new();
        for (what, secret) in form.secrets.iter().chain(passwords.iter()) {
            for (how, needle) in needles(secret) {
                needles_of_form.push((format!("{what}{how}"), needle));
            }
        }
        let credential = &form.secrets[0].1;
        echo_state.received.lock().unwrap().clear();
        for (target, args) in [
            (&echo_base, &form.echo_args),
            (&reference_base, &form.reference_args),
        ] {
            let dir = tempfile::tempdir().unwrap();
            scenario(dir.path(), credential);
            okta_scenario(dir.path());
            // Snapshots written (--accept), then compared and drifted (the echo counts), at
            // every verbosity.
            let runs = [
                ("-vv --accept", Some("-vv"), true),
                ("-vv", Some("-vv"), false),
                ("-v", Some("-v"), false),
                ("no -v", None, false),
            ];
            for (label, verbosity, accept) in runs {
                let (code, outputs) = run(&form, dir.path(), target, args, verbosity, accept);
                let all: Vec<u8> = outputs.iter().flat_map(|(_, b)| b.clone()).collect();
                let text = String::from_utf8_lossy(&all);
                let context = format!("{} against {target}, {label}", form.name);
                if target == &reference_base && form.reference_refuses {
                    assert_eq!(
                        code,
                        Some(3),
                        "{context}: the preflight stops the run: {text}"
                    );
                    assert!(
                        text.contains("refused the credential"),
                        "{context}: the preflight says why: {text}"
                    );
                } else {
                    assert!(
                        matches!(code, Some(0 | 1)),
                        "{context}: the run did not run (exit {code:?}): {text}"
                    );
                    if !text.contains("<redacted>") {
                        leaks.push(format!("{context}: nothing shows <redacted>"));
                    }
                }
                if target == &echo_base && !accept {
                    assert!(
                        text.contains("snapshot drifted"),
                        "{context}: the drift diff is printed"
                    );
                }
                if target == &echo_base && verbosity == Some("-vv") {
                    assert!(
                        text.contains("x-echo-authorization") && text.contains("\"php\""),
                        "{context}: the echo is in the output"
                    );
                }
                for (name, bytes) in &outputs {
                    for (what, needle) in &needles_of_form {
                        if let Some(at) = find(bytes, needle.as_bytes()) {
                            let start = at.saturating_sub(80);
                            let end = (at + needle.len() + 40).min(bytes.len());
                            leaks.push(format!(
                                "{context}: {what} in {name}: …{}…",
                                String::from_utf8_lossy(&bytes[start..end])
                            ));
                        }
                    }
                }
            }
        }
        // The test proves something only if the secrets went over the wire (in headers and
        // bodies, not just the scenario's query).
        let wire = echo_state.received.lock().unwrap().clone();
        assert!(
            form.secrets
                .iter()
                .any(|(_, s)| find(&wire, s.as_bytes()).is_some()),
            "{}: the credential was sent",
            form.name
        );
        // Okta syncs a password only to a user it provisioned, which the echo's answers never
        // let it do: the synced password goes to the reference server only (on the wire in
        // tests/runner/okta.rs).
        for (what, password) in passwords
            .iter()
            .filter(|(what, _)| !what.contains("synced"))
        {
            if form.okta || password != OKTA_PLACEHOLDER {
                assert!(
                    find(&wire, password.as_bytes()).is_some(),
                    "{}: {what} was sent",
                    form.name
                );
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "{} leak(s):\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

#[test]
fn a_refused_command_line_does_not_echo_its_credentials() {
    let secret = "tok-SECRET-cli-0b9e/+Uv";
    let attempts: Vec<Vec<String>> = vec![
        vec![
            "run",
            "--target",
            "http://127.0.0.1:9",
            "--token",
            secret,
            "--basic",
            &format!("u:{secret}"),
        ],
        vec![
            "run",
            "--target",
            "ftp://example.invalid",
            "--token",
            secret,
        ],
        vec!["run", "--target", "http://127.0.0.1:9", "--token", secret],
        vec!["run", "--basic", secret, "--target", "http://127.0.0.1:9"],
        vec![
            "run",
            "--auth-header",
            secret,
            "--target",
            "http://127.0.0.1:9",
        ],
        vec!["run", "--token", secret, "--no-such-flag"],
        vec!["run", "--token", secret, "--token", secret],
        vec!["run", &format!("--token={secret}"), "--jobs", "many"],
        vec!["--token", secret, "run"],
        vec!["run", "--tokn", secret],
        vec!["serve", "--token", secret, "--bind", "nowhere"],
    ]
    .into_iter()
    .map(|a| a.into_iter().map(str::to_owned).collect())
    .collect();
    for args in attempts {
        let output = Command::new(env!("CARGO_BIN_EXE_scimulate"))
            .args(&args)
            .arg("scenarios/rfc/discovery.yaml")
            .current_dir(root())
            .env_remove("SCIMULATE_TOKEN")
            .output()
            .unwrap();
        let mut all = output.stdout.clone();
        all.extend_from_slice(&output.stderr);
        assert_ne!(output.status.code(), Some(0), "{args:?} was refused");
        for (how, needle) in needles(secret) {
            assert!(
                find(&all, needle.as_bytes()).is_none(),
                "{args:?}: the secret{how} was printed: {}",
                String::from_utf8_lossy(&all)
            );
        }
    }
}
