//! Running one scenario as one IdP: steps in order, verdicts as they come, cleanup at the end,
//! then the snapshot comparison.
//!
//! A failed step does not stop the scenario: every later step still runs, so one early failure
//! cannot hide the findings after it. A step that needs what a failed step did not produce is
//! blocked instead ([`super::prerequisite`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use super::app::AppClient;
use super::capabilities;
use super::expect::{assert_json, body_json, judge};
use super::fit::{SchemaFit, Unpublished, body_is_not_the_point, expects_acceptance, fill_from};
use super::idp_steps::{IdpOptions, IdpState, StepContext, StepWire, is_app_step, run_idp_step};
use super::lockdown_steps;
use super::outcome::{Adjustment, CheckId, Outcome, ScenarioRun, SnapshotOutcome, Verdict};
use super::ownership::Ownership;
use super::prerequisite::{Prerequisites, failure_of_step};
use super::select::Planned;
use super::template::{Undefined, Vars};
use super::transport::{Outgoing, Transport};
use crate::clock::VirtualClock;
use crate::exchange::Exchange;
use crate::scenario::model::{
    Capture, Expect, Feature, IdpName, JsonAssertion, RequestStep, Scenario, Step,
};
use crate::snapshot::{self, RedactionContext, Redactor, SnapshotMode, SnapshotPoint};

/// How a run treats what it finds.
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Leave created resources in place.
    pub keep: bool,
    /// SHOULD failures fail the run.
    pub strict: bool,
    /// The areas whose failures decide the exit code (`--gate`).
    pub gate: super::area::Gate,
    /// The target's published schemas, which RFC test data is fitted to; set by the runner
    /// from the preflight.
    pub fit: Option<std::sync::Arc<super::fit::SchemaFit>>,
    /// The optional features the target's ServiceProviderConfig advertises, from the
    /// preflight: a step that uses another is skipped (unless `--strict`).
    pub advertised: Option<std::sync::Arc<BTreeSet<Feature>>>,
    /// Where approved snapshots live; `None`: no comparison.
    pub snapshots: Option<PathBuf>,
    pub snapshot_mode: SnapshotMode,
    /// How the IdPs behave: their settings, their clock, their timeouts.
    pub idp: IdpOptions,
    /// The target profile (lock-down probes, access, application requests); the embedded
    /// server's own when the run uses it and none is given.
    pub profile: Option<std::sync::Arc<crate::target::TargetProfile>>,
}

/// Why a request step's request could not be built.
#[derive(Debug, thiserror::Error)]
enum BuildError {
    /// A `{{name}}` with no value: an earlier step may not have produced it.
    #[error(transparent)]
    Undefined(#[from] Undefined),
    #[error("{0}")]
    Other(String),
}

/// The request a step sends, with variables substituted.
fn build(
    request: &RequestStep,
    vars: &Vars,
    scenario_dir: &Path,
    templates: Option<&BTreeMap<String, Value>>,
    fit: Option<&SchemaFit>,
    fitted: &mut Vec<String>,
) -> Result<Outgoing, BuildError> {
    let path = vars.substitute(&request.path)?;
    let mut headers = Vec::with_capacity(request.headers.len() + 2);
    for (name, value) in &request.headers {
        let value = vars.substitute(value)?;
        let name = if request.as_written {
            name.clone()
        } else {
            name.to_ascii_lowercase()
        };
        headers.push((name, value));
    }
    let body = match (&request.body, &request.body_file) {
        (Some(body), _) => {
            let mut body = vars.substitute_json(body)?;
            // A body sent as written (recorded traffic) is the IdP's, not test data to fit.
            if let Some(fit) = fit.filter(|_| !request.as_written) {
                fitted.extend(if body_is_not_the_point(request) {
                    fit.fit(&request.method, &path, &mut body)
                } else {
                    fit.fill_required(&request.method, &path, &mut body)
                });
            }
            if let Some(template) = templates
                .filter(|_| !request.as_written)
                .and_then(|t| template_for(t, &request.method, &path))
            {
                let template = vars.substitute_json(template)?;
                fill_from(&mut body, &template);
            }
            serde_json::to_vec(&body).map_err(|e| BuildError::Other(e.to_string()))?
        }
        (None, Some(file)) => {
            let path = scenario_dir.join(file);
            let bytes = std::fs::read(&path).map_err(|e| {
                BuildError::Other(format!("cannot read body_file {}: {e}", path.display()))
            })?;
            // Byte for byte, except `{{var}}`; a file that is not UTF-8 is sent untouched.
            match String::from_utf8(bytes) {
                Ok(text) => vars.substitute(&text)?.into_bytes(),
                Err(not_text) => not_text.into_bytes(),
            }
        }
        (None, None) => Vec::new(),
    };
    let outgoing = |headers, body| Outgoing {
        timeout: None,
        method: request.method.to_ascii_uppercase(),
        path: path.clone(),
        headers,
        body,
    };
    if request.as_written {
        return Ok(outgoing(headers, body));
    }
    if !headers.iter().any(|(n, _)| n == "accept") {
        headers.push(("accept".to_owned(), "application/scim+json".to_owned()));
    }
    if !body.is_empty() && !headers.iter().any(|(n, _)| n == "content-type") {
        headers.push((
            "content-type".to_owned(),
            "application/scim+json".to_owned(),
        ));
    }
    Ok(outgoing(headers, body).from_harness())
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

/// A step's request as written ([`RequestStep::as_written`]), for the connection that writes
/// heads itself; `None` for a step that is not, or a method that connection does not write.
fn as_written(request: &RequestStep, outgoing: &Outgoing) -> Option<crate::idp::wire::WireRequest> {
    if !request.as_written {
        return None;
    }
    let method = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
        .into_iter()
        .find(|m| m.eq_ignore_ascii_case(&outgoing.method))?;
    Some(crate::idp::wire::WireRequest {
        method,
        path: outgoing.path.clone(),
        headers: outgoing.headers.clone(),
        body: outgoing.body.clone(),
    })
}

/// A random, lowercase, per-scenario-run prefix for names that must not collide.
fn new_prefix() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("sm{}", &id[..10])
}

/// `reasons` with a response-time limit's, if the answer came too late (`within_ms`).
fn with_timing(
    mut reasons: Vec<String>,
    expect: &crate::scenario::model::Expect,
    elapsed: std::time::Duration,
) -> Vec<String> {
    if let Some(limit) = expect.within_ms
        && elapsed >= std::time::Duration::from_millis(limit)
    {
        reasons.push(format!(
            "response time: expected under {limit} ms, took {} ms",
            elapsed.as_millis()
        ));
    }
    reasons
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
    // A vendor suite's upper-cased twin of a generated name (Okta's `randomUsernameCaps`).
    vars.set("run.prefix_upper", prefix.to_ascii_uppercase());
    vars.set("run.id", run_id);
    vars.set(
        "run.base_url",
        transport.target().base_url.trim_end_matches('/'),
    );
    // The target profile's data (`{{data.email_domain}}`), over the defaults scenarios rely on.
    vars.set("data.email_domain", "example.com");
    if let Some(profile) = &settings.profile {
        for (name, value) in &profile.data {
            vars.set(format!("data.{name}"), value.clone());
        }
    }
    let mut ownership = Ownership::default();
    let mut idp_state = IdpState::new(
        planned.idp,
        IdpOptions {
            settings: settings
                .idp
                .settings
                .overlaid(&planned.scenario.idp_settings),
            ..settings.idp.clone()
        },
    );
    let mut app: Option<AppClient> = None;
    // The IdP's own time: its back-offs and cycles advance it without sleeping.
    let idp_clock = VirtualClock::starting_at(jiff::Timestamp::now());
    let mut exchanges: Vec<Exchange> = asked;
    let mut verdicts: Vec<Verdict> = Vec::new();
    let mut points: Vec<SnapshotPoint> = Vec::new();
    let mut since_snapshot = exchanges.len();
    // A failed step does not end the scenario: what later steps need from it is tracked, and a
    // step that needs what was not produced is blocked, not failed.
    let mut prerequisites = Prerequisites::default();
    let mut adjustments: Vec<Adjustment> = Vec::new();

    // A schema-driven step stands for requests built from what the target publishes.
    let steps = super::published::expand(&scenario.steps, settings.fit.as_deref());
    // A stop request ends the run before its next step; cleanup still runs.
    let mut interrupted_before: Option<usize> = None;
    for (index, step) in steps.iter().enumerate() {
        if super::interrupt::requested().is_some() {
            interrupted_before = Some(index);
            break;
        }
        let first_exchange = exchanges.len();
        // Captures a step could not make, with why: a step whose checks passed but left a later
        // step without what it needs (no `Location` header to capture) blocks that step.
        let mut missed_captures: Vec<String> = Vec::new();
        let (step_verdicts, unproduced) = match step {
            Step::Snapshot(name) => {
                points.push(SnapshotPoint {
                    name: name.clone(),
                    exchanges: exchanges[since_snapshot..].to_vec(),
                });
                since_snapshot = exchanges.len();
                continue;
            }
            Step::Request(request) => {
                let filled: BTreeSet<String> = adjustments
                    .iter()
                    .filter_map(|a| super::fit::filled_attribute(&a.note))
                    .map(str::to_owned)
                    .collect();
                let mut wire = RequestWire {
                    transport,
                    ownership: &mut ownership,
                    exchanges: &mut exchanges,
                    prefix: &prefix,
                    scenario_dir: &scenario_dir,
                    templates: settings.profile.as_ref().map(|p| &p.templates),
                    fit: settings.fit.as_deref(),
                    fitted: &mut adjustments,
                    advertised: settings.advertised.as_deref().filter(|_| !settings.strict),
                    missed_captures: &mut missed_captures,
                };
                let context = RequestContext {
                    scenario,
                    idp: planned.idp,
                    index,
                    prerequisites: &prerequisites,
                    filled: &filled,
                };
                let (verdicts, unproduced, versions) =
                    request_step(request, &context, &mut vars, &mut wire).await;
                prerequisites
                    .skipped_step(&capabilities::unadvertised_reason(Feature::Etag), versions);
                (verdicts, unproduced)
            }
            app_step if is_app_step(app_step) => {
                let mut verdicts = Vec::new();
                if app.is_none()
                    && let Some(profile) = &settings.profile
                {
                    match AppClient::new(profile.clone(), transport) {
                        Ok(client) => app = Some(client),
                        Err(message) => verdicts.push(Verdict {
                            check: CheckId::resolve(None, scenario, index),
                            outcome: Outcome::Error { message },
                            step: index,
                            step_name: super::idp_steps::step_label(app_step),
                            exchange: None,
                        }),
                    }
                }
                // Access granted to a user the IdP failed to provision would judge the
                // application on a user it was never told about: blocked by that failure.
                if let (Step::ExpectAccess(expect), Some(by)) =
                    (app_step, prerequisites.last_failure())
                    && expect.allowed
                    && idp_state
                        .directory
                        .user(&expect.user)
                        .is_some_and(|user| user.target_id.is_none())
                {
                    verdicts.push(Verdict {
                        check: lockdown_steps::access_check(expect),
                        outcome: Outcome::Blocked { by: by.clone() },
                        step: index,
                        step_name: super::idp_steps::step_label(app_step),
                        exchange: None,
                    });
                }
                if verdicts.is_empty() {
                    let context = StepContext {
                        index,
                        vars: &vars.clone(),
                        default_check: CheckId::resolve(None, scenario, index),
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
                    verdicts = result.verdicts;
                }
                (verdicts, Vec::new())
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
                    default_check: CheckId::resolve(None, scenario, index),
                };
                let result = run_idp_step(idp_step, context, &mut idp_state, wire).await;
                (result.verdicts, Vec::new())
            }
        };
        let mut step_verdicts = step_verdicts;
        let sent = &exchanges[first_exchange..];
        if sent.is_empty() {
            // A step that could not start (the IdP holds no id for the user, no application
            // client) after an earlier failure is blocked by that failure.
            block_unstarted(&mut step_verdicts, &prerequisites);
        }
        let label = step_verdicts
            .first()
            .map(|v| v.step_name.clone())
            .unwrap_or_default();
        if let Some(failure) = failure_of_step(index, &label, &step_verdicts, sent) {
            prerequisites.failed(failure, unproduced);
        } else if !missed_captures.is_empty() && !unproduced.is_empty() {
            let failure = crate::runner::outcome::Blocker {
                step: index,
                label,
                why: format!(
                    "did not give what later steps need: {}",
                    missed_captures.join("; ")
                ),
            };
            prerequisites.failed(failure, unproduced);
        } else if let Some(Outcome::Skipped { reason }) = step_verdicts
            .first()
            .map(|v| &v.outcome)
            .filter(|_| step_verdicts.iter().all(|v| v.outcome.is_skipped()))
        {
            prerequisites.skipped_step(reason, unproduced);
        }
        verdicts.extend(step_verdicts);
    }

    let mut error = interrupted_before.map(|step| {
        format!(
            "interrupted before step {} of {}: the steps from there did not run",
            step + 1,
            steps.len()
        )
    });
    let mut left_behind: Vec<String> = Vec::new();
    if !settings.keep {
        for path in ownership.leftovers() {
            let outgoing = Outgoing {
                timeout: None,
                method: "DELETE".to_owned(),
                path: path.clone(),
                headers: vec![("accept".to_owned(), "application/scim+json".to_owned())],
                body: Vec::new(),
            }
            .from_harness();
            let exchange = transport.send(&outgoing, None).await;
            let deleted = exchange
                .response
                .as_ref()
                .is_some_and(|r| (200..300).contains(&r.status) || r.status == 404);
            if deleted {
                super::interrupt::deleted(&path);
            }
            if !deleted {
                let why = match (&exchange.response, &exchange.error) {
                    (Some(response), _) => format!("status {}", response.status),
                    (None, Some(error)) => error.clone(),
                    (None, None) => "no response".to_owned(),
                };
                left_behind.push(format!("{path} ({why})"));
            }
            exchanges.push(exchange);
        }
    }
    if !left_behind.is_empty() {
        // Every resource that stays is named: the target's owner has to find them.
        let left = format!(
            "cleanup: could not delete {}; left in the target",
            left_behind.join(", ")
        );
        error = Some(match error {
            Some(first) => format!("{first}; {left}"),
            None => left,
        });
    }

    // A run cut short would drift from its approved transcript for no fault of the target.
    let snapshot = match (
        &settings.snapshots,
        points.is_empty() || interrupted_before.is_some(),
    ) {
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
            Outcome::Blocked { by } => {
                by.label = scrubber.text(&by.label);
                by.why = scrubber.text(&by.why);
            }
        }
    }
    let error = error.map(|e| scrubber.text(&e));

    ScenarioRun {
        verdicts,
        exchanges,
        snapshot,
        error,
        adjustments,
        elapsed: started.elapsed(),
        ..ScenarioRun::of(planned)
    }
}

/// What a request step sends through, and where it records and checks what it sends.
struct RequestWire<'a> {
    transport: &'a Transport,
    ownership: &'a mut Ownership,
    exchanges: &'a mut Vec<Exchange>,
    prefix: &'a str,
    scenario_dir: &'a Path,
    templates: Option<&'a BTreeMap<String, Value>>,
    fit: Option<&'a SchemaFit>,
    /// What fitting changed in the test data, per step, for the report.
    fitted: &'a mut Vec<Adjustment>,
    /// The features the target advertises; `None` judges every step (`--strict`, or unknown).
    advertised: Option<&'a BTreeSet<Feature>>,
    /// Why a capture of the step could not be made: not a failure of the step's checks (they
    /// judge what they declare), but what blocks the steps that needed the value.
    missed_captures: &'a mut Vec<String>,
}

/// Where a request step runs: its scenario, its place, and what earlier steps left undone.
struct RequestContext<'a> {
    scenario: &'a Scenario,
    /// The profile the scenario runs as.
    idp: IdpName,
    index: usize,
    prerequisites: &'a Prerequisites,
    /// Attributes the run filled because the target requires them: their absence is not the
    /// server's to answer for.
    filled: &'a BTreeSet<String>,
}

/// Whether a request step filters (`filter=` in its query).
fn filters(request: &RequestStep) -> bool {
    request
        .path
        .split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|pair| pair.starts_with("filter=")))
}

/// Runs one request step: its verdicts, the variables it should have captured and did not, and
/// those it left out because they read what the target does not advertise (a version).
async fn request_step(
    request: &RequestStep,
    context: &RequestContext<'_>,
    vars: &mut Vars,
    wire: &mut RequestWire<'_>,
) -> (Vec<Verdict>, Vec<String>, Vec<String>) {
    let versions = unadvertised_versions(request, wire.advertised);
    let verdicts = judge_request_step(request, context, vars, wire, &versions).await;
    let unproduced = request
        .capture
        .keys()
        .filter(|name| vars.get(name).is_none() && !versions.contains(name))
        .cloned()
        .collect();
    (verdicts, unproduced, versions)
}

/// The captures of a step that read a version (`ETag`) from a target that does not advertise
/// versions: not made, and the steps that need them are skipped.
fn unadvertised_versions(
    request: &RequestStep,
    advertised: Option<&BTreeSet<Feature>>,
) -> Vec<String> {
    if advertised.is_none_or(|advertised| advertised.contains(&Feature::Etag)) {
        return Vec::new();
    }
    request
        .capture
        .iter()
        .filter(|(_, capture)| matches!(capture, Capture::Header { header } if header.eq_ignore_ascii_case("etag")))
        .map(|(name, _)| name.clone())
        .collect()
}

/// Sends one request step and judges it. Its captures are unset once its request is built (an
/// earlier value under the same name must not outlive a capture this step fails to make), so
/// what it did not produce is what is unset afterwards.
async fn judge_request_step(
    request: &RequestStep,
    context: &RequestContext<'_>,
    vars: &mut Vars,
    wire: &mut RequestWire<'_>,
    versions: &[String],
) -> Vec<Verdict> {
    let index = context.index;
    let step_name = request
        .name
        .clone()
        .unwrap_or_else(|| format!("{} {}", request.method.to_ascii_uppercase(), request.path));
    let verdict = |check: CheckId, outcome: Outcome, exchange: Option<usize>| Verdict {
        check,
        outcome,
        step: index,
        step_name: step_name.clone(),
        exchange,
    };
    let every_check = |outcome: Outcome, exchange: Option<usize>| {
        CheckId::of_request(request, context.scenario, index)
            .into_iter()
            .map(|check| verdict(check, outcome.clone(), exchange))
            .collect::<Vec<_>>()
    };
    // A variable an earlier failed step did not produce blocks every check of the step; one a
    // skipped step did not produce skips them, for the same reason.
    let blocked = |undefined: &Undefined, exchange: Option<usize>| {
        if let Some(by) = context.prerequisites.unproduced(&undefined.name) {
            return Some(every_check(Outcome::Blocked { by: by.clone() }, exchange));
        }
        let reason = context.prerequisites.skipped(&undefined.name)?;
        Some(every_check(
            Outcome::Skipped {
                reason: reason.to_owned(),
            },
            exchange,
        ))
    };
    let unpublished = not_judged(request, context, wire);
    if let Some(reason) = unpublished.request {
        unset_captures(request, vars);
        return every_check(Outcome::Skipped { reason }, None);
    }
    let check = CheckId::resolve(request.check.as_ref(), context.scenario, index);
    let prefix = wire.prefix;
    let mut fitted = Vec::new();
    let built = build(
        request,
        vars,
        wire.scenario_dir,
        wire.templates,
        wire.fit,
        &mut fitted,
    );
    wire.fitted.extend(
        fitted
            .into_iter()
            .map(|note| Adjustment { step: index, note }),
    );
    // From here the step's captures are this step's to make.
    unset_captures(request, vars);
    let outgoing = built.and_then(|o| {
        wire.ownership
            .permits(&o.method, &o.path, prefix)
            .and_then(|()| {
                wire.ownership
                    .permits_bulk(&o.method, &o.path, &o.body, prefix)
            })
            .map(|()| o)
            .map_err(BuildError::Other)
    });
    let outgoing = match outgoing {
        Ok(outgoing) => outgoing,
        Err(BuildError::Undefined(undefined)) => {
            return blocked(&undefined, None).unwrap_or_else(|| {
                let message = undefined.to_string();
                vec![verdict(check, Outcome::Error { message }, None)]
            });
        }
        Err(BuildError::Other(message)) => {
            return vec![verdict(check, Outcome::Error { message }, None)];
        }
    };
    let exchange = match as_written(request, &outgoing) {
        Some(written) => wire.transport.send_as_idp(written, None, Some(index)).await,
        None => wire.transport.send(&outgoing, Some(index)).await,
    };
    wire.ownership.observe(&exchange);
    wire.exchanges.push(exchange);
    let exchange_index = wire.exchanges.len() - 1;
    let exchange = &wire.exchanges[exchange_index];
    let Some(response) = &exchange.response else {
        let message = exchange
            .error
            .clone()
            .unwrap_or_else(|| "no response".to_owned());
        return vec![verdict(
            check,
            Outcome::Error { message },
            Some(exchange_index),
        )];
    };
    if request.optional && response.status == 501 {
        // An optional operation the target says it does not implement: nothing to judge.
        let detail = response.error_detail();
        let mut reason =
            "the target answers 501 Not Implemented to an operation the RFC makes optional"
                .to_owned();
        if !detail.is_empty() {
            reason.push_str(&format!(": '{detail}'"));
        }
        return every_check(Outcome::Skipped { reason }, Some(exchange_index));
    }
    let mut step_verdicts = Vec::new();
    // An expectation that reads what the target does not publish or advertise is not judged;
    // the step's captures still are.
    let elapsed = exchange.elapsed;
    let judged = match (&request.expect, &unpublished.step_check) {
        (Some(expect), None) => {
            judge(expect, response, vars).map(|reasons| with_timing(reasons, expect, elapsed))
        }
        _ => Ok(Vec::new()),
    };
    let reasons = match judged {
        Ok(reasons) => match &request.expect {
            Some(expect) => not_implemented_first(reasons, expect, response.status),
            None => reasons,
        },
        Err(undefined) => {
            return blocked(&undefined, Some(exchange_index)).unwrap_or_else(|| {
                let outcome = Outcome::Error {
                    message: undefined.to_string(),
                };
                vec![verdict(check, outcome, Some(exchange_index))]
            });
        }
    };
    // Assertions with a check of their own are verdicts of their own.
    if let Some(expect) = &request.expect {
        for (position, assertion) in expect.json.iter().enumerate() {
            let Some(spec) = &assertion.check else {
                continue;
            };
            let own = CheckId::resolve(Some(spec), context.scenario, index);
            if let Some(reason) = unpublished.assertions.get(position).cloned().flatten() {
                step_verdicts.push(verdict(
                    own,
                    Outcome::Skipped { reason },
                    Some(exchange_index),
                ));
                continue;
            }
            let outcome = match body_json(response) {
                Err(reason) => Outcome::Failed {
                    reasons: vec![reason],
                },
                Ok(json) => match assert_json(assertion, &json, vars) {
                    Ok(None) => Outcome::Passed,
                    Ok(Some(reason)) => Outcome::Failed {
                        reasons: vec![reason],
                    },
                    Err(undefined) => match context.prerequisites.unproduced(&undefined.name) {
                        Some(by) => Outcome::Blocked { by: by.clone() },
                        None => Outcome::Error {
                            message: undefined.to_string(),
                        },
                    },
                },
            };
            step_verdicts.push(verdict(own, outcome, Some(exchange_index)));
        }
    }
    // Checks of their own judge the same answer, each on its own expectations.
    for (own, skip) in request.checks.iter().zip(&unpublished.own_checks) {
        let id = CheckId::declared(&own.spec(), context.scenario.source.as_ref());
        let outcome = match skip {
            Some(reason) => Outcome::Skipped {
                reason: reason.clone(),
            },
            None => match judge(&own.expect, response, vars)
                .map(|reasons| with_timing(reasons, &own.expect, elapsed))
            {
                Ok(reasons) if reasons.is_empty() => Outcome::Passed,
                Ok(reasons) => Outcome::Failed {
                    reasons: not_implemented_first(reasons, &own.expect, response.status),
                },
                Err(undefined) => match context.prerequisites.unproduced(&undefined.name) {
                    Some(by) => Outcome::Blocked { by: by.clone() },
                    None => Outcome::Error {
                        message: undefined.to_string(),
                    },
                },
            },
        };
        step_verdicts.push(verdict(id, outcome, Some(exchange_index)));
    }
    // A version is captured only from a target that advertises versions: without ETag
    // support its absence is no failure, and the steps that need it are skipped.
    let captures: BTreeMap<String, Capture> = request
        .capture
        .iter()
        .filter(|(name, _)| !versions.contains(name))
        .map(|(name, capture)| (name.clone(), capture.clone()))
        .collect();
    wire.missed_captures
        .extend(capture(&captures, exchange, vars));
    // A step that arranges test data (it declares no check) and was refused says so under a
    // test-data finding, not as a conformance failure under the step's number.
    let arranged_and_refused =
        request.check.is_none() && response.status >= 400 && expects_acceptance(request);
    if arranged_and_refused {
        let mut reasons = reasons;
        reasons.insert(
            0,
            format!(
                "the target refused the test data with {}: fit it with a target profile template, or see the adjustments made from its /Schemas",
                response.status
            ),
        );
        let check = CheckId::test_data(context.scenario, index);
        step_verdicts.insert(
            0,
            verdict(check, Outcome::Failed { reasons }, Some(exchange_index)),
        );
    } else if request.expect.is_some() || !request.capture.is_empty() {
        let outcome = match unpublished.step_check {
            Some(reason) if reasons.is_empty() => Outcome::Skipped { reason },
            _ if reasons.is_empty() => Outcome::Passed,
            _ => Outcome::Failed { reasons },
        };
        step_verdicts.insert(0, verdict(check, outcome, Some(exchange_index)));
    }
    step_verdicts
}

/// A failure on a 501 or 405 the check did not ask for says first that the target does not
/// implement the request: the property the check is named after was never shown, and blaming it
/// would send the reader after the wrong defect.
fn not_implemented_first(mut reasons: Vec<String>, expect: &Expect, status: u16) -> Vec<String> {
    let what = match status {
        501 => "501 Not Implemented",
        405 => "405 Method Not Allowed",
        _ => return reasons,
    };
    let asked_for = expect.status.as_ref().is_some_and(|s| s.allows(status));
    if !reasons.is_empty() && !asked_for {
        reasons.insert(
            0,
            format!("not implemented: the target does not serve this request (got {what}), so nothing else could be judged"),
        );
    }
    reasons
}

/// Forgets the values of a step's captures.
fn unset_captures(request: &RequestStep, vars: &mut Vars) {
    for name in request.capture.keys() {
        vars.unset(name);
    }
}

/// What of a request step the target leaves nothing to judge: what it does not publish (RFC
/// 7643 §7), what it does not advertise (RFC 7643 §5), and the absence of what the run filled in
/// for it.
fn not_judged(
    request: &RequestStep,
    context: &RequestContext<'_>,
    wire: &RequestWire<'_>,
) -> Unpublished {
    // Recorded traffic is sent as it was, whatever the target publishes or advertises: the
    // replay's question is what the target answers to it.
    if request.as_written {
        return Unpublished::default();
    }
    let mut unpublished = wire
        .fit
        .map(|fit| fit.unpublished(request))
        .unwrap_or_default();
    // Every IdP filters whatever the ServiceProviderConfig says: under an IdP profile a step
    // that filters models the IdP's lookup and is judged.
    let idp_lookup = context.idp != IdpName::Generic && filters(request);
    if let Some(advertised) = wire.advertised
        && unpublished.request.is_none()
        && !idp_lookup
    {
        unpublished.request = capabilities::unadvertised_use(request, advertised);
    }
    let why_not = |assertion: &JsonAssertion| {
        super::fit::absent_but_filled(assertion, context.filled).or_else(|| {
            wire.advertised.and_then(|advertised| {
                capabilities::unadvertised_pointer(&assertion.pointer, advertised)
            })
        })
    };
    unpublished.own_checks = request
        .checks
        .iter()
        .map(|own| {
            wire.fit
                .and_then(|fit| fit.unpublished_expectation(&request.path, &own.expect))
                .or_else(|| {
                    wire.advertised.and_then(|advertised| {
                        capabilities::unadvertised_expectation(&own.expect, advertised)
                    })
                })
                .or_else(|| own.expect.json.iter().find_map(why_not))
        })
        .collect();
    let Some(expect) = &request.expect else {
        return unpublished;
    };
    unpublished.assertions.resize(expect.json.len(), None);
    for (slot, assertion) in unpublished.assertions.iter_mut().zip(&expect.json) {
        if slot.is_none() && assertion.check.is_some() {
            *slot = why_not(assertion);
        }
    }
    if unpublished.step_check.is_none() {
        unpublished.step_check = wire
            .advertised
            .and_then(|advertised| capabilities::unadvertised_expectation(expect, advertised))
            .or_else(|| {
                expect
                    .json
                    .iter()
                    .filter(|a| a.check.is_none())
                    .find_map(why_not)
            });
    }
    unpublished
}

/// A step that sent nothing and could not be evaluated, after an earlier step failed: the
/// earlier failure is why (the user it would act on was never provisioned), so its checks are
/// blocked by it instead of erring.
fn block_unstarted(verdicts: &mut [Verdict], prerequisites: &Prerequisites) {
    let Some(by) = prerequisites.last_failure() else {
        return;
    };
    for verdict in verdicts.iter_mut() {
        if matches!(verdict.outcome, Outcome::Error { .. }) && verdict.exchange.is_none() {
            verdict.outcome = Outcome::Blocked { by: by.clone() };
        }
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
            check: CheckId::new("rfc7644.3.14.etag-header", Level::Should, None),
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
