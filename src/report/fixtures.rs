//! Hand-built reports for the report tests: one of every case a renderer must handle.

use std::path::PathBuf;
use std::time::Duration;

use crate::exchange::{Exchange, RecordedRequest, RecordedResponse};
use crate::runner::outcome::{
    Blocker, CheckId, Outcome, RunReport, ScenarioRun, SnapshotOutcome, Verdict,
};
use crate::scenario::model::{IdpName, Level};

pub fn check(id: &str, level: Level, source: Option<&str>) -> CheckId {
    CheckId::new(id, level, source.map(str::to_owned))
}

pub fn verdict(
    check: CheckId,
    outcome: Outcome,
    step: usize,
    step_name: &str,
    exchange: Option<usize>,
) -> Verdict {
    Verdict {
        check,
        outcome,
        step,
        step_name: step_name.to_owned(),
        exchange,
    }
}

pub fn failed(reasons: &[&str]) -> Outcome {
    Outcome::Failed {
        reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
    }
}

pub fn exchange(
    step: Option<usize>,
    method: &str,
    path: &str,
    request_body: &str,
    response: Option<(u16, &str)>,
) -> Exchange {
    let mut headers = vec![("accept".to_owned(), "application/scim+json".to_owned())];
    headers.push(("authorization".to_owned(), "Bearer <redacted>".to_owned()));
    if !request_body.is_empty() {
        headers.push((
            "content-type".to_owned(),
            "application/scim+json; charset=utf-8".to_owned(),
        ));
    }
    Exchange {
        step,
        request: RecordedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            url: format!("http://localhost:8080/scim/v2{path}"),
            headers,
            body: request_body.as_bytes().to_vec(),
        },
        response: response.map(|(status, body)| RecordedResponse {
            status,
            headers: vec![(
                "content-type".to_owned(),
                "application/scim+json".to_owned(),
            )],
            body: body.as_bytes().to_vec(),
        }),
        error: None,
        elapsed: Duration::ZERO,
    }
}

pub fn run(idp: IdpName, scenario: &str) -> ScenarioRun {
    ScenarioRun {
        scenario: scenario.to_owned(),
        description: format!("{scenario} as {}", idp.as_str()),
        file: PathBuf::from(format!("scenarios/{}/{scenario}.yaml", idp.as_str())),
        idp,
        tags: vec!["users".to_owned()],
        verdicts: Vec::new(),
        exchanges: Vec::new(),
        snapshot: SnapshotOutcome::NotTaken,
        error: None,
        adjustments: Vec::new(),
        elapsed: Duration::ZERO,
    }
}

const CREATE_BODY: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com","active":true}"#;

/// A passing scenario with a matched snapshot.
pub fn passing() -> ScenarioRun {
    let mut run = run(IdpName::Okta, "user-lifecycle");
    run.exchanges = vec![
        exchange(
            Some(0),
            "POST",
            "/Users",
            CREATE_BODY,
            Some((201, r#"{"id":"u1","userName":"bjensen@example.com"}"#)),
        ),
        exchange(Some(1), "DELETE", "/Users/u1", "", Some((204, ""))),
    ];
    run.verdicts = vec![
        verdict(
            check(
                "okta.create.returns-201-with-id",
                Level::IdpRequired,
                Some("Okta SCIM 2.0 guide, Create users"),
            ),
            Outcome::Passed,
            0,
            "create user",
            Some(0),
        ),
        verdict(
            check("rfc7644.3.6.delete-204", Level::Must, Some("RFC 7644 §3.6")),
            Outcome::Passed,
            1,
            "DELETE /Users/u1",
            Some(1),
        ),
    ];
    run.snapshot = SnapshotOutcome::Matched {
        path: PathBuf::from("snapshots/okta/user-lifecycle.snap"),
    };
    run
}

/// A blocking MUST failure, and the check it kept from being evaluated.
pub fn failing_must() -> ScenarioRun {
    let mut run = run(IdpName::Okta, "create-user");
    run.exchanges = vec![exchange(
        Some(0),
        "POST",
        "/Users",
        CREATE_BODY,
        Some((200, r#"{"userName":"bjensen@example.com"}"#)),
    )];
    run.verdicts = vec![
        verdict(
            check("rfc7644.3.3.create-201", Level::Must, Some("RFC 7644 §3.3")),
            failed(&["expected status 201", "found status 200"]),
            0,
            "POST /Users",
            Some(0),
        ),
        verdict(
            check("rfc7643.3.1.id-present", Level::Must, Some("RFC 7643 §3.1")),
            failed(&["expected /id to be present", "found no /id"]),
            0,
            "POST /Users",
            Some(0),
        ),
    ];
    run.verdicts.push(verdict(
        check(
            "rfc7644.3.4.1.get-by-id",
            Level::Must,
            Some("RFC 7644 §3.4.1"),
        ),
        Outcome::Blocked {
            by: Blocker {
                step: 0,
                label: "POST /Users".to_owned(),
                why: "failed: capture `id`: nothing at `/id`".to_owned(),
            },
        },
        1,
        "GET /Users/{{id}}",
        None,
    ));
    run
}

/// A SHOULD failure without `--strict`: reported, but the scenario passes.
pub fn failing_should() -> ScenarioRun {
    let mut run = run(IdpName::Entra, "etag-support");
    run.exchanges = vec![exchange(
        Some(0),
        "GET",
        "/Users/u1",
        "",
        Some((200, r#"{"id":"u1"}"#)),
    )];
    run.verdicts = vec![verdict(
        check("rfc7644.3.14.etag", Level::Should, Some("RFC 7644 §3.14")),
        failed(&["expected header etag", "found no etag header"]),
        0,
        "GET /Users/u1",
        Some(0),
    )];
    run.snapshot = SnapshotOutcome::Written {
        path: PathBuf::from("snapshots/entra/etag-support.snap"),
    };
    run
}

/// Every check held, but the transcript drifted from the approved snapshot.
pub fn drifted() -> ScenarioRun {
    let mut run = run(IdpName::Entra, "group-push");
    run.verdicts = vec![verdict(
        check("entra.group.create-201", Level::IdpRequired, None),
        Outcome::Passed,
        0,
        "push group",
        None,
    )];
    run.snapshot = SnapshotOutcome::Drifted {
        path: PathBuf::from("snapshots/entra/group-push.snap"),
        diff: "--- approved\n+++ actual\n@@ -1,2 +1,2 @@\n POST /Groups\n-201 Created\n+200 OK\n"
            .to_owned(),
    };
    run
}

/// Run under `--ci` with no approved snapshot.
pub fn missing() -> ScenarioRun {
    let mut run = run(IdpName::Jumpcloud, "user-lifecycle");
    run.verdicts = vec![verdict(
        check("rfc7644.3.3.create-201", Level::Must, Some("RFC 7644 §3.3")),
        Outcome::Passed,
        0,
        "POST /Users",
        None,
    )];
    run.snapshot = SnapshotOutcome::Missing {
        path: PathBuf::from("snapshots/jumpcloud/user-lifecycle.snap"),
    };
    run
}

/// The target could not be reached: no response, a verdict that could not be evaluated, an
/// error outside any check.
pub fn errored() -> ScenarioRun {
    let mut run = run(IdpName::Generic, "discovery");
    let mut unreachable = exchange(Some(0), "GET", "/ServiceProviderConfig", "", None);
    unreachable.error = Some("connection refused".to_owned());
    run.exchanges = vec![unreachable];
    run.verdicts = vec![verdict(
        check("rfc7644.4.spc", Level::Must, Some("RFC 7644 §4")),
        Outcome::Error {
            message: "no response: connection refused".to_owned(),
        },
        0,
        "GET /ServiceProviderConfig",
        Some(0),
    )];
    run.error = Some("the target could not be reached: connection refused".to_owned());
    run
}

/// One of each.
pub fn report() -> RunReport {
    RunReport {
        target: "http://localhost:8080/scim/v2".to_owned(),
        strict: false,
        gate: crate::runner::area::Gate::all(),
        insecure: false,
        discovery: None,
        scenarios: vec![
            passing(),
            failing_must(),
            failing_should(),
            drifted(),
            missing(),
            errored(),
        ],
        elapsed: Duration::ZERO,
        interrupted: None,
        idp_settings: Vec::new(),
    }
}

/// A run where everything held.
pub fn green_report() -> RunReport {
    RunReport {
        target: "embedded".to_owned(),
        strict: false,
        gate: crate::runner::area::Gate::all(),
        insecure: false,
        discovery: None,
        scenarios: vec![passing()],
        elapsed: Duration::ZERO,
        interrupted: None,
        idp_settings: Vec::new(),
    }
}
