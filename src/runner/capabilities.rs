//! What the target says it can do (its ServiceProviderConfig, RFC 7644 §5) against what a
//! scenario tests.
//!
//! A scenario that tests an optional feature (`requires: [etag]`) is skipped, with the reason,
//! when the target does not advertise it: a server is not wrong to lack ETags, only to claim them
//! and break them. When the feature is advertised the scenario runs, and the advertisement is a
//! check of its own (`rfc7643.5.advertised-<feature>-works`) that fails with the scenario's
//! failing checks: a broken feature makes the ServiceProviderConfig untrue. `--strict` runs an
//! unadvertised feature's scenarios anyway.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use super::outcome::{CheckId, Outcome, ScenarioRun, Verdict};
use super::select::Planned;
use super::transport::{Outgoing, Transport};
use crate::exchange::Exchange;
use crate::scenario::model::{Feature, Level, RequestStep, Scenario, Step};

const SOURCE: &str = "RFC 7643 §5";

/// The features the target's ServiceProviderConfig says are supported (none when it cannot be
/// read, so every scenario that needs one is skipped, and says why), and the exchange that
/// asked.
pub async fn advertised(transport: &Transport) -> (BTreeSet<Feature>, Exchange) {
    let outgoing = Outgoing {
        method: "GET".to_owned(),
        path: "/ServiceProviderConfig".to_owned(),
        headers: vec![("accept".to_owned(), "application/scim+json".to_owned())],
        body: Vec::new(),
        timeout: None,
    }
    .from_harness();
    let exchange = transport.send(&outgoing, None).await;
    let Some(body) = exchange
        .response
        .as_ref()
        .filter(|r| r.status == 200)
        .and_then(|r| serde_json::from_slice::<Value>(&r.body).ok())
    else {
        return (BTreeSet::new(), exchange);
    };
    (features_of(&body), exchange)
}

/// The features a ServiceProviderConfig body says are supported.
pub fn features_of(service_provider_config: &Value) -> BTreeSet<Feature> {
    [
        Feature::Patch,
        Feature::Bulk,
        Feature::Filter,
        Feature::ChangePassword,
        Feature::Sort,
        Feature::Etag,
    ]
    .into_iter()
    .filter(|f| {
        service_provider_config.pointer(&format!("/{}/supported", f.attribute()))
            == Some(&Value::Bool(true))
    })
    .collect()
}

/// The optional feature a request step uses and the target does not advertise, with the
/// reason its checks are skipped: a PATCH, a Bulk request, a filter (`filter=`), a sort
/// (`sortBy=`), a precondition (`If-Match`, `If-None-Match`). `None` when it uses none, or only advertised ones.
pub fn unadvertised_use(request: &RequestStep, advertised: &BTreeSet<Feature>) -> Option<String> {
    let query = request.path.split_once('?').map_or("", |(_, q)| q);
    let parameter = |name: &str| {
        query
            .split('&')
            .any(|pair| pair.split('=').next() == Some(name))
    };
    let searched_with_filter = request
        .path
        .split('?')
        .next()
        .unwrap_or_default()
        .ends_with(".search")
        && request
            .body
            .as_ref()
            .is_some_and(|b| b.get("filter").is_some());
    let header = |name: &str| request.headers.keys().any(|h| h.eq_ignore_ascii_case(name));
    let endpoint = request
        .path
        .trim_start_matches('/')
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    let uses = [
        (Feature::Patch, request.method.eq_ignore_ascii_case("PATCH")),
        (Feature::Bulk, endpoint.eq_ignore_ascii_case("Bulk")),
        (Feature::Filter, parameter("filter") || searched_with_filter),
        (Feature::Sort, parameter("sortBy")),
        (Feature::Etag, header("If-Match") || header("If-None-Match")),
    ];
    uses.into_iter()
        .find(|(feature, used)| *used && !advertised.contains(feature))
        .map(|(feature, _)| unadvertised_reason(feature))
}

/// Whether a step's expectation reads what only an advertised feature promises: a version
/// (`meta.version`, an `ETag` header) without ETag support. The reason, if so.
pub fn unadvertised_expectation(
    expect: &crate::scenario::model::Expect,
    advertised: &BTreeSet<Feature>,
) -> Option<String> {
    if advertised.contains(&Feature::Etag) {
        return None;
    }
    let reads_version = expect
        .headers
        .keys()
        .any(|h| h.eq_ignore_ascii_case("etag"))
        && expect
            .headers
            .iter()
            .any(|(h, v)| h.eq_ignore_ascii_case("etag") && v.is_some());
    reads_version.then(|| unadvertised_reason(Feature::Etag))
}

/// Whether one JSON assertion reads a version the target does not promise.
pub fn unadvertised_pointer(pointer: &str, advertised: &BTreeSet<Feature>) -> Option<String> {
    let version = pointer.ends_with("/meta/version");
    (version && !advertised.contains(&Feature::Etag)).then(|| unadvertised_reason(Feature::Etag))
}

/// Why a step that uses `feature` is skipped.
pub fn unadvertised_reason(feature: Feature) -> String {
    format!(
        "the step uses {}, which the target's ServiceProviderConfig does not advertise ({SOURCE}: optional; run with --strict to test it anyway)",
        feature.attribute()
    )
}

/// Every check a scenario's steps declare, as written (request checks, their JSON assertions'
/// own checks, and the default id of a request step without one).
pub fn declared_checks(scenario: &Scenario) -> Vec<CheckId> {
    let mut checks = Vec::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        match step {
            Step::Request(request) => {
                checks.extend(CheckId::of_request(request, scenario, index));
            }
            Step::PublishedAttributes(_) => checks.extend(
                super::published::declared()
                    .iter()
                    .map(|spec| CheckId::declared(spec, scenario.source.as_ref())),
            ),
            _ => {}
        }
    }
    checks
}

/// A scenario not run: each of its checks skipped, with the reason.
pub fn skipped(planned: &Planned, missing: &[Feature], elapsed: Duration) -> ScenarioRun {
    let scenario = &planned.scenario;
    let names: Vec<&str> = missing.iter().map(|f| f.attribute()).collect();
    let reason = format!(
        "the target's ServiceProviderConfig does not advertise {} (run with --strict to test it anyway)",
        names.join(", ")
    );
    ScenarioRun {
        verdicts: declared_checks(scenario)
            .into_iter()
            .map(|check| Verdict {
                check,
                outcome: Outcome::Skipped {
                    reason: reason.clone(),
                },
                step: 0,
                step_name: "requires".to_owned(),
                exchange: None,
            })
            .collect(),
        elapsed,
        ..ScenarioRun::of(planned)
    }
}

/// Whether a check id is the judgement of an advertisement (`rfc7643.5.advertised-<feature>-works`).
pub fn is_advertisement(check_id: &str) -> bool {
    check_id
        .strip_prefix("rfc7643.5.advertised-")
        .is_some_and(|rest| rest.ends_with("-works"))
}

/// The advertisement of a feature judged by the scenario that tests it.
pub fn advertisement_verdict(feature: Feature, verdicts: &[Verdict]) -> Verdict {
    let broken: Vec<&str> = verdicts
        .iter()
        .filter(|v| {
            v.outcome.is_failure() && v.check.level == Level::Must && !v.check.is_test_data()
        })
        .map(|v| v.check.id.as_str())
        .collect();
    let outcome = if broken.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed {
            reasons: vec![format!(
                "ServiceProviderConfig advertises {}.supported: true, but these checks of it failed: {}",
                feature.attribute(),
                broken.join(", ")
            )],
        }
    };
    Verdict {
        check: CheckId::new(
            format!(
                "rfc7643.5.advertised-{}-works",
                feature.attribute().to_ascii_lowercase()
            ),
            Level::Must,
            Some(SOURCE.to_owned()),
        ),
        outcome,
        step: verdicts.last().map_or(0, |v| v.step),
        step_name: format!("ServiceProviderConfig: {}", feature.attribute()),
        // The first exchange a MUST check of the feature judged: spoiling it breaks the feature.
        exchange: verdicts
            .iter()
            .filter(|v| v.check.level == Level::Must && !v.check.is_test_data())
            .find_map(|v| v.exchange),
    }
}
