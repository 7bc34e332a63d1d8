//! Running one scenario as one IdP: steps in order, verdicts as they come, a blocking failure
//! stops the scenario, cleanup at the end, then the snapshot comparison.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use super::app::AppClient;
use super::exchange::Exchange;
use super::expect::{assert_json, body_json, judge};
use super::idp_steps::{IdpOptions, IdpState, StepContext, StepWire, is_app_step, run_idp_step};
use super::lockdown_steps;
use super::outcome::{CheckId, Outcome, ScenarioRun, SnapshotOutcome, Verdict};
use super::ownership::Ownership;
use super::select::Planned;
use super::template::Vars;
use super::transport::{Outgoing, Transport};
use crate::clock::VirtualClock;
use crate::scenario::model::{Capture, CheckSpec, RequestStep, Scenario, Step};
use crate::snapshot::{self, RedactionContext, Redactor, SnapshotMode, SnapshotPoint};

/// How a run treats what it finds.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Leave created resources in place.
    pub keep: bool,
    /// SHOULD failures fail the run.
    pub strict: bool,
    /// Where approved snapshots live; `None`: no comparison.
    pub snapshots: Option<PathBuf>,
    pub snapshot_mode: SnapshotMode,
    /// IdP settings (Entra's flag form and pace).
    pub idp: IdpOptions,
    /// The target profile (lock-down probes, access, application requests); the embedded
    /// server's own when the run uses it and none is given.
    pub profile: Option<std::sync::Arc<crate::target::TargetProfile>>,
}

fn resolve_check(spec: Option<&CheckSpec>, scenario: &Scenario, step: usize) -> CheckId {
    match spec {
        Some(spec) => CheckId {
            id: spec.id.clone(),
            level: spec.level,
            source: spec.source.clone().or_else(|| scenario.source.clone()),
        },
        None => CheckId {
            id: format!("{}.step-{}", scenario.name, step + 1),
            level: Default::default(),
            source: scenario.source.clone(),
        },
    }
}

/// The request a step sends, with variables substituted.
fn build(
    request: &RequestStep,
    vars: &Vars,
    scenario_dir: &Path,
    templates: Option<&BTreeMap<String, Value>>,
) -> Result<Outgoing, String> {
    let path = vars.substitute(&request.path).map_err(|e| e.to_string())?;
    let mut headers = Vec::with_capacity(request.headers.len() + 2);
    for (name, value) in &request.headers {
        let value = vars.substitute(value).map_err(|e| e.to_string())?;
        headers.push((name.to_ascii_lowercase(), value));
    }
    let body = match (&request.body, &request.body_file) {
        (Some(body), _) => {
            let mut body = vars.substitute_json(body).map_err(|e| e.to_string())?;
            if let Some(template) = templates.and_then(|t| template_for(t, &request.method, &path))
            {
                let template = vars.substitute_json(template).map_err(|e| e.to_string())?;
                fill_from(&mut body, &template);
            }
            serde_json::to_vec(&body).map_err(|e| e.to_string())?
        }
        (None, Some(file)) => {
            let path = scenario_dir.join(file);
            let bytes = std::fs::read(&path)
                .map_err(|e| format!("cannot read body_file {}: {e}", path.display()))?;
            // Byte for byte, except `{{var}}`; a file that is not UTF-8 is sent untouched.
            match String::from_utf8(bytes) {
                Ok(text) => vars
                    .substitute(&text)
                    .map_err(|e| e.to_string())?
                    .into_bytes(),
                Err(not_text) => not_text.into_bytes(),
            }
        }
        (None, None) => Vec::new(),
    };
    if !headers.iter().any(|(n, _)| n == "accept") {
        headers.push(("accept".to_owned(), "application/scim+json".to_owned()));
    }
    if !body.is_empty() && !headers.iter().any(|(n, _)| n == "content-type") {
        headers.push((
            "content-type".to_owned(),
            "application/scim+json".to_owned(),
        ));
    }
    Ok(Outgoing {
        timeout: None,
        method: request.method.to_ascii_uppercase(),
        path,
        headers,
        body,
    })
}

fn capture(
    captures: &std::collections::BTreeMap<String, Capture>,
    exchange: &Exchange,
    vars: &mut Vars,
) -> Vec<String> {
    let mut reasons = Vec::new();
    let Some(response) = &exchange.response else {
        return reasons;
    };
    let mut json: Option<Result<Value, String>> = None;
    for (name, capture) in captures {
        match capture {
            Capture::Header { header } => match response.header(header) {
                Some(value) => vars.set(name.clone(), value),
                None => reasons.push(format!("capture `{name}`: no `{header}` header")),
            },
            Capture::Pointer(pointer) => {
                let body = json.get_or_insert_with(|| body_json(response));
                let found = match body {
                    Ok(body) => body.pointer(pointer),
                    Err(reason) => {
                        reasons.push(format!("capture `{name}`: {reason}"));
                        continue;
                    }
                };
                match found {
                    Some(Value::String(text)) => vars.set(name.clone(), text.clone()),
                    Some(Value::Null) | None => {
                        reasons.push(format!("capture `{name}`: nothing at `{pointer}`"))
                    }
                    Some(other) => vars.set(name.clone(), other.to_string()),
                }
            }
        }
    }
    reasons
}

/// A random, lowercase, per-scenario-run prefix for names that must not collide.
fn new_prefix() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("sm{}", &id[..10])
}

/// Runs one scenario as one IdP against `transport`.
pub async fn run_scenario(
    planned: &Planned,
    transport: &Transport,
    settings: &RunSettings,
    run_id: &str,
) -> ScenarioRun {
    // The passwords this run sends become its secrets, and no other run's.
    let transport = &transport.for_scenario();
    let scenario = &planned.scenario;
    if scenario.requires.is_empty() {
        return run_steps(planned, transport, settings, run_id, Vec::new()).await;
    }
    let started = Instant::now();
    let (advertised, asked) = super::capabilities::advertised(transport).await;
    let missing: Vec<_> = scenario
        .requires
        .iter()
        .filter(|f| !advertised.contains(f))
        .copied()
        .collect();
    if !missing.is_empty() && !settings.strict {
        return super::capabilities::skipped(planned, &missing, started.elapsed());
    }
    let mut run = run_steps(planned, transport, settings, run_id, vec![asked]).await;
    for feature in scenario.requires.iter().filter(|f| advertised.contains(f)) {
        let verdict = super::capabilities::advertisement_verdict(*feature, &run.verdicts);
        run.verdicts.push(verdict);
    }
    run
}

/// Runs a scenario's steps, in order; `asked` are the runner's own exchanges before them (the
/// ServiceProviderConfig read), recorded first and left out of snapshots.
async fn run_steps(
    planned: &Planned,
    transport: &Transport,
    settings: &RunSettings,
    run_id: &str,
    asked: Vec<Exchange>,
) -> ScenarioRun {
    let started = Instant::now();
    let scenario = &planned.scenario;
    let scenario_dir = planned
        .file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let prefix = new_prefix();
    let mut vars = Vars::default();
    vars.set("run.prefix", prefix.clone());
    vars.set("run.id", run_id);
    // The target profile's data (`{{data.email_domain}}`), over the defaults scenarios rely on.
    vars.set("data.email_domain", "example.com");
    if let Some(profile) = &settings.profile {
        for (name, value) in &profile.data {
            vars.set(format!("data.{name}"), value.clone());
        }
    }
    let mut ownership = Ownership::default();
    let mut idp_state = IdpState::new(planned.idp, settings.idp);
    let mut app: Option<AppClient> = None;
    // The IdP's own time: its back-offs and cycles advance it without sleeping.
    let idp_clock = VirtualClock::starting_at(jiff::Timestamp::now());
    let mut exchanges: Vec<Exchange> = asked;
    let mut verdicts: Vec<Verdict> = Vec::new();
    let mut points: Vec<SnapshotPoint> = Vec::new();
    let mut since_snapshot = exchanges.len();
    let mut stopped_at = None;

    for (index, step) in scenario.steps.iter().enumerate() {
        let request = match step {
            Step::Snapshot(name) => {
                points.push(SnapshotPoint {
                    name: name.clone(),
                    exchanges: exchanges[since_snapshot..].to_vec(),
                });
                since_snapshot = exchanges.len();
                continue;
            }
            Step::Request(request) => request,
            app_step if is_app_step(app_step) => {
                if app.is_none()
                    && let Some(profile) = &settings.profile
                {
                    match AppClient::new(profile.clone(), transport) {
                        Ok(client) => app = Some(client),
                        Err(message) => {
                            verdicts.push(Verdict {
                                check: resolve_check(None, scenario, index),
                                outcome: Outcome::Error { message },
                                step: index,
                                step_name: super::idp_steps::step_label(app_step),
                                exchange: None,
                            });
                            stopped_at = Some(index);
                            break;
                        }
                    }
                }
                let context = StepContext {
                    index,
                    vars: &vars.clone(),
                    default_check: resolve_check(None, scenario, index),
                    strict: settings.strict,
                };
                let result = lockdown_steps::run(
                    app_step,
                    &context,
                    app.as_mut(),
                    &idp_state.directory,
                    &mut vars,
                    &mut exchanges,
                    &mut ownership,
                )
                .await;
                verdicts.extend(result.verdicts);
                if result.stop {
                    stopped_at = Some(index);
                    break;
                }
                continue;
            }
            idp_step => {
                let wire = StepWire {
                    transport,
                    ownership: &mut ownership,
                    exchanges: &mut exchanges,
                    step: index,
                    prefix: &prefix,
                    clock: &idp_clock,
                    real_time: settings.idp.real_clock,
                    timeout: crate::idp::request_timeout(planned.idp)
                        .filter(|_| settings.idp.idp_timeouts),
                };
                let context = StepContext {
                    index,
                    vars: &vars,
                    default_check: resolve_check(None, scenario, index),
                    strict: settings.strict,
                };
                let result = run_idp_step(idp_step, context, &mut idp_state, wire).await;
                verdicts.extend(result.verdicts);
                if result.stop {
                    stopped_at = Some(index);
                    break;
                }
                continue;
            }
        };
        let step_name = request
            .name
            .clone()
            .unwrap_or_else(|| format!("{} {}", request.method.to_ascii_uppercase(), request.path));
        let check = resolve_check(request.check.as_ref(), scenario, index);
        let verdict = |check: CheckId, outcome: Outcome, exchange: Option<usize>| Verdict {
            check,
            outcome,
            step: index,
            step_name: step_name.clone(),
            exchange,
        };
        let templates = settings.profile.as_ref().map(|p| &p.templates);
        let outgoing = build(request, &vars, &scenario_dir, templates)
            .and_then(|o| ownership.permits(&o.method, &o.path, &prefix).map(|()| o))
            .and_then(|o| {
                ownership
                    .permits_bulk(&o.method, &o.path, &o.body, &prefix)
                    .map(|()| o)
            });
        let outgoing = match outgoing {
            Ok(outgoing) => outgoing,
            Err(message) => {
                verdicts.push(verdict(check, Outcome::Error { message }, None));
                stopped_at = Some(index);
                break;
            }
        };
        let exchange = transport.send(&outgoing, Some(index)).await;
        ownership.observe(&exchange);
        exchanges.push(exchange);
        let exchange_index = exchanges.len() - 1;
        let exchange = &exchanges[exchange_index];
        let Some(response) = &exchange.response else {
            let message = exchange
                .error
                .clone()
                .unwrap_or_else(|| "no response".to_owned());
            verdicts.push(verdict(
                check,
                Outcome::Error { message },
                Some(exchange_index),
            ));
            stopped_at = Some(index);
            break;
        };
        let mut step_verdicts = Vec::new();
        let judged = match &request.expect {
            Some(expect) => judge(expect, response, &vars),
            None => Ok(Vec::new()),
        };
        let mut reasons = match judged {
            Ok(reasons) => reasons,
            Err(undefined) => {
                let outcome = Outcome::Error {
                    message: undefined.to_string(),
                };
                verdicts.push(verdict(check, outcome, Some(exchange_index)));
                stopped_at = Some(index);
                break;
            }
        };
        // Assertions with a check of their own are verdicts of their own.
        if let Some(expect) = &request.expect {
            for assertion in &expect.json {
                let Some(spec) = &assertion.check else {
                    continue;
                };
                let own = resolve_check(Some(spec), scenario, index);
                let outcome = match body_json(response) {
                    Err(reason) => Outcome::Failed {
                        reasons: vec![reason],
                    },
                    Ok(json) => match assert_json(assertion, &json, &vars) {
                        Ok(None) => Outcome::Passed,
                        Ok(Some(reason)) => Outcome::Failed {
                            reasons: vec![reason],
                        },
                        Err(undefined) => Outcome::Error {
                            message: undefined.to_string(),
                        },
                    },
                };
                step_verdicts.push(verdict(own, outcome, Some(exchange_index)));
            }
        }
        let capture_failures = capture(&request.capture, exchange, &mut vars);
        // A failed capture leaves later steps without their variables, at any level.
        let capture_failed = !capture_failures.is_empty();
        reasons.extend(capture_failures);
        let has_own_verdict = request.expect.is_some() || !request.capture.is_empty();
        if has_own_verdict {
            let outcome = if reasons.is_empty() {
                Outcome::Passed
            } else {
                Outcome::Failed { reasons }
            };
            step_verdicts.insert(0, verdict(check, outcome, Some(exchange_index)));
        }
        let blocked = capture_failed
            || step_verdicts
                .iter()
                .any(|v| v.is_blocking_failure(settings.strict));
        verdicts.extend(step_verdicts);
        if blocked {
            stopped_at = Some(index);
            break;
        }
    }

    let mut error = None;
    if !settings.keep {
        for path in ownership.leftovers() {
            let outgoing = Outgoing {
                timeout: None,
                method: "DELETE".to_owned(),
                path: path.clone(),
                headers: vec![("accept".to_owned(), "application/scim+json".to_owned())],
                body: Vec::new(),
            };
            let exchange = transport.send(&outgoing, None).await;
            let deleted = exchange
                .response
                .as_ref()
                .is_some_and(|r| (200..300).contains(&r.status) || r.status == 404);
            if !deleted && error.is_none() {
                let why = match (&exchange.response, &exchange.error) {
                    (Some(response), _) => format!("status {}", response.status),
                    (None, Some(error)) => error.clone(),
                    (None, None) => "no response".to_owned(),
                };
                error = Some(format!(
                    "cleanup: could not delete {path} ({why}); it was left in the target"
                ));
            }
            exchanges.push(exchange);
        }
    }

    let snapshot = match (&settings.snapshots, points.is_empty()) {
        (Some(dir), false) => {
            let mut redactor = Redactor::new(RedactionContext {
                base_url: transport.target().base_url.clone(),
                run_prefix: prefix.clone(),
                secrets: transport.scrubber().secrets(),
            });
            let text = snapshot::render(&scenario.name, planned.idp, &points, &mut redactor);
            match snapshot::check(
                dir,
                &scenario.name,
                planned.idp,
                &text,
                settings.snapshot_mode,
            ) {
                Ok(outcome) => outcome,
                Err(failure) => {
                    error.get_or_insert_with(|| failure.to_string());
                    SnapshotOutcome::NotTaken
                }
            }
        }
        _ => SnapshotOutcome::NotTaken,
    };

    if let Some(profile) = &settings.profile {
        let today = jiff::Zoned::now().date();
        for verdict in &mut verdicts {
            apply_waivers(verdict, &profile.waivers, today);
        }
    }

    // Labels and reasons quote the scenario and the response; a scenario may hold a secret.
    let scrubber = transport.scrubber();
    for verdict in &mut verdicts {
        verdict.step_name = scrubber.text(&verdict.step_name);
        match &mut verdict.outcome {
            Outcome::Passed => {}
            Outcome::Failed { reasons } => {
                for reason in reasons.iter_mut() {
                    *reason = scrubber.text(reason);
                }
            }
            Outcome::Error { message } => *message = scrubber.text(message),
            Outcome::Waived { reasons, waiver } => {
                for reason in reasons.iter_mut() {
                    *reason = scrubber.text(reason);
                }
                *waiver = scrubber.text(waiver);
            }
            Outcome::Skipped { reason } => *reason = scrubber.text(reason),
        }
    }
    let error = error.map(|e| scrubber.text(&e));

    ScenarioRun {
        verdicts,
        exchanges,
        snapshot,
        stopped_at,
        error,
        elapsed: started.elapsed(),
        ..ScenarioRun::of(planned)
    }
}

/// The target profile's template for what a request creates or replaces: `POST /Users`,
/// `PUT /Users/{id}` take the `User` template, the same for `Group`.
fn template_for<'t>(
    templates: &'t BTreeMap<String, Value>,
    method: &str,
    path: &str,
) -> Option<&'t Value> {
    if !(method.eq_ignore_ascii_case("POST") || method.eq_ignore_ascii_case("PUT")) {
        return None;
    }
    let collection = path
        .split(['?', '#'])
        .next()?
        .trim_start_matches('/')
        .split('/')
        .next()?;
    match collection {
        "Users" => templates.get("User"),
        "Groups" => templates.get("Group"),
        _ => None,
    }
}

/// Adds to `body` what the template has and the body does not, at any depth: the scenario's
/// own values always win.
fn fill_from(body: &mut Value, template: &Value) {
    let (Value::Object(body), Value::Object(template)) = (body, template) else {
        return;
    };
    for (key, value) in template {
        match body.get_mut(key) {
            None => {
                body.insert(key.clone(), value.clone());
            }
            Some(existing) => fill_from(existing, value),
        }
    }
}

/// A failing verdict the target profile waives: waived until the waiver's last day, then a
/// failure again that says the waiver expired.
pub fn apply_waivers(
    verdict: &mut Verdict,
    waivers: &[crate::target::profile::Waiver],
    today: jiff::civil::Date,
) {
    if !verdict.outcome.is_failure() {
        return;
    }
    let Some(waiver) = waivers.iter().find(|w| w.check == verdict.check.id) else {
        return;
    };
    let Ok(expiry) = waiver.expiry() else {
        return;
    };
    let reasons = match &verdict.outcome {
        Outcome::Failed { reasons } => reasons.clone(),
        Outcome::Error { message } => vec![message.clone()],
        _ => return,
    };
    if today <= expiry {
        verdict.outcome = Outcome::Waived {
            reasons,
            waiver: format!("{} (until {})", waiver.reason, waiver.expires),
        };
    } else {
        let mut reasons = reasons;
        reasons.push(format!(
            "the waiver \"{}\" expired on {}: fix the deviation or renew the waiver",
            waiver.reason, waiver.expires
        ));
        verdict.outcome = Outcome::Failed { reasons };
    }
}

#[cfg(test)]
mod template_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_template_fills_what_the_body_leaves_out_and_never_overrides_it() {
        // Arrange
        let templates = BTreeMap::from([(
            "User".to_owned(),
            json!({"name": {"givenName": "Test", "familyName": "User"}, "userName": "ignored", "active": true}),
        )]);
        let mut body = json!({"userName": "ada", "name": {"givenName": "Ada"}});

        // Act
        let template = template_for(&templates, "POST", "/Users?x=1").unwrap();
        fill_from(&mut body, template);

        // Assert
        assert_eq!(
            body,
            json!({"userName": "ada", "name": {"givenName": "Ada", "familyName": "User"}, "active": true})
        );
        assert!(template_for(&templates, "PATCH", "/Users/1").is_none());
        assert!(template_for(&templates, "POST", "/Groups").is_none());
    }
}

#[cfg(test)]
mod waiver_tests {
    use super::*;
    use crate::runner::outcome::CheckId;
    use crate::scenario::model::Level;
    use crate::target::profile::Waiver;

    fn failing() -> Verdict {
        Verdict {
            check: CheckId {
                id: "rfc7644.3.14.etag-header".into(),
                level: Level::Should,
                source: None,
            },
            outcome: Outcome::Failed {
                reasons: vec!["no ETag".into()],
            },
            step: 0,
            step_name: "GET".into(),
            exchange: None,
        }
    }

    #[test]
    fn a_waiver_holds_until_its_last_day_and_then_the_failure_counts_again() {
        // Arrange
        let waivers = [Waiver {
            check: "rfc7644.3.14.etag-header".into(),
            reason: "ETags ship in 4.2".into(),
            expires: "2026-12-31".into(),
        }];
        let (mut before, mut last_day, mut after) = (failing(), failing(), failing());

        // Act
        apply_waivers(&mut before, &waivers, "2026-06-01".parse().unwrap());
        apply_waivers(&mut last_day, &waivers, "2026-12-31".parse().unwrap());
        apply_waivers(&mut after, &waivers, "2027-01-01".parse().unwrap());

        // Assert
        assert!(matches!(before.outcome, Outcome::Waived { .. }));
        assert!(!before.is_blocking_failure(true));
        assert!(matches!(last_day.outcome, Outcome::Waived { .. }));
        let Outcome::Failed { reasons } = &after.outcome else {
            panic!("{:?}", after.outcome);
        };
        assert!(reasons[1].contains("expired on 2026-12-31"), "{reasons:?}");
        assert!(after.is_blocking_failure(true));
    }
}
