//! The JSON report (`--json PATH`): every verdict and exchange of a run, for machines.
//!
//! CI tooling and dashboards parse this file across scimulate releases, so its shape is a
//! contract: it is written from the typed structs below (never assembled ad hoc), the JSON
//! Schema of those structs is committed as `docs/report.schema.json` (JSON Schema 2020-12), and
//! a test fails when the two disagree. Versioning: `version` ([`JSON_REPORT_VERSION`]) changes
//! when a field is removed, renamed or changes meaning or type; new fields may appear within a
//! version, so consumers should ignore keys they do not know.
//!
//! Shape (every key is always present; absent values are `null`, never omitted):
//!
//! ```text
//! { version, scimulate_version, target, strict, insecure, passed, exit_code, elapsed_ms,
//!   gate, areas: { <area>: {title, passed, gated, checks, checks_passed, checks_failed,
//!                           warnings, blocked, skipped, waived, broken_runs} },
//!   causes: [ {summary, failed: [ {scenario, check, step} ], blocked: [ … ]} ],
//!   discovery: {findings, exchanges},
//!   summary: { scenarios: {total, passed, failed},
//!              idps: { <idp>: {scenarios, passed, failed} },
//!              checks: {total, passed, failed, error, waived, skipped, blocked,
//!                       by_level: { MUST|SHOULD|IDP-REQUIRED|INFO: {passed, failed, error,
//!                                   waived, skipped, blocked} }, by_section},
//!              snapshots: {matched, written, missing, drifted, accepted, not_taken} },
//!   scenarios: [ { name, full_name, idp, file, description, tags, passed, elapsed_ms,
//!                  error, test_data_adjustments: [ {step, note} ],
//!                  snapshot: {status, path, diff},
//!                  checks: [ {id, level, source, requirement, real_idp, blocking, evidence,
//!                             evidence_basis, step, step_name, status, reasons, message,
//!                             blocked_by_step, exchange} ],
//!                  exchanges: [ {step, method, path, url, request_headers, request_body,
//!                                status, response_headers, response_body, error,
//!                                elapsed_ms, elapsed_us} ] } ] }
//! ```
//!
//! Step numbers count from 1, as a scenario file lists its steps and the terminal prints them;
//! a check's `exchange` is a 0-based index into its scenario's `exchanges`. Durations are whole
//! milliseconds (exchanges also carry whole microseconds). Bodies are strings decoded as UTF-8 (invalid bytes become U+FFFD); headers are `[name, value]` pairs in
//! wire order, redacted by the runner exactly as recorded.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use crate::exchange::Exchange;
use crate::runner::outcome::{Outcome, RunReport, ScenarioRun, SnapshotOutcome, Verdict};
use crate::scenario::model::{IdpName, Level};

/// The version of the JSON report's schema; see the module documentation for when it changes.
pub const JSON_REPORT_VERSION: u32 = 2;

/// The report as a JSON value (keys sorted; [`write_json`] keeps the documented order).
pub fn to_json(report: &RunReport) -> serde_json::Value {
    // Serialising plain structs of strings, numbers and maps cannot fail.
    serde_json::to_value(JsonReport::from_report(report)).unwrap_or_default()
}

/// Writes the report, pretty-printed, to `path`, atomically (temporary file, then rename).
pub fn write_json(report: &RunReport, path: &Path) -> io::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(&JsonReport::from_report(report))?;
    bytes.push(b'\n');
    super::write_atomic(path, &bytes)
}

/// The JSON Schema (draft 2020-12) of the report, as committed in `docs/report.schema.json`.
pub fn report_schema() -> serde_json::Value {
    // The serialize contract: a field is `required` when it is always written, which every
    // field here is (absent values are `null`).
    super::schema_of::<JsonReport>()
}

/// A scimulate run: every scenario run as every IdP, its verdicts and its exchanges.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(title = "scimulate run report")]
struct JsonReport {
    /// The version of this schema. It changes when a field is removed, renamed or changes
    /// meaning; fields may be added within a version.
    version: u32,
    /// The version of scimulate that wrote the report.
    scimulate_version: String,
    /// The target's base URL, or `embedded` for the in-process reference server.
    target: String,
    /// Whether SHOULD failures failed the run (`--strict`).
    strict: bool,
    /// Whether the target's TLS certificate went unverified (`--insecure`): the run cannot tell
    /// the target from anything that answered in its name.
    insecure: bool,
    /// Whether every scenario run passed.
    passed: bool,
    /// The process exit code for this report: 0 every gated area held, 1 a check of a gated
    /// area failed or one of its snapshots drifted or was missing.
    exit_code: u8,
    /// Wall-clock time of the whole run, in milliseconds.
    elapsed_ms: u64,
    /// `null` for a run that ended by itself. Otherwise the run was stopped by a signal and is
    /// incomplete: what is reported is what ran before it, and `exit_code` is 130 (SIGINT) or
    /// 143 (SIGTERM).
    interrupted: Option<JsonInterruption>,
    /// The areas whose failures decide `exit_code` (`--gate`); `null` when every area does.
    gate: Option<Vec<String>>,
    /// The IdP settings the run was given (the target profile's `idp:` block and the
    /// `--entra-…` flags), keyed `okta.filter_encoding`; empty when every IdP kept its
    /// documented defaults.
    idp_settings: BTreeMap<String, String>,
    /// Each vendor suite the run touched (`--suite`), counted the vendor's way, keyed by the
    /// suite's name (`okta-oin-spec`); empty when none ran.
    suites: BTreeMap<String, JsonSuite>,
    /// Each area's verdict, keyed by area name: `rfc`, an IdP profile (`okta`,
    /// `entra-compliant`, …), `lockdown`, `application`. Only areas the run touched appear.
    areas: BTreeMap<String, JsonArea>,
    /// The root causes of the failures and blocked checks, the one affecting most checks
    /// first.
    causes: Vec<JsonCause>,
    /// What the target's discovery endpoints said before any scenario ran; `null` for the
    /// embedded reference server.
    discovery: Option<JsonDiscovery>,
    summary: Summary,
    /// Every scenario run, in run order.
    scenarios: Vec<JsonScenario>,
}

/// How a run was cut short.
#[derive(Debug, Serialize, JsonSchema)]
struct JsonInterruption {
    /// `SIGINT` or `SIGTERM`.
    signal: String,
    /// Planned scenario runs that never started.
    not_started: usize,
}

/// One area's verdict.
#[derive(Debug, Serialize, JsonSchema)]
struct JsonArea {
    /// What the area is about, in words.
    title: String,
    /// No check of the area failed at a blocking level, and none of its scenario runs drifted
    /// or erred.
    passed: bool,
    /// Whether the area decides the exit code (`--gate`).
    gated: bool,
    checks: usize,
    checks_passed: usize,
    checks_failed: usize,
    /// Failed checks that do not fail the area (SHOULD without `--strict`, INFO).
    warnings: usize,
    blocked: usize,
    skipped: usize,
    waived: usize,
    /// Scenario runs of the area whose snapshot drifted or went missing, or that erred.
    broken_runs: usize,
}

/// The preflight's reading of the discovery endpoints (RFC 7644 §4).
#[derive(Debug, Serialize, JsonSchema)]
struct JsonDiscovery {
    /// What is wrong with the discovery answers, one sentence each; empty when nothing is.
    findings: Vec<String>,
    /// The preflight's requests and answers (`step` is `null`: housekeeping).
    exchanges: Vec<JsonExchange>,
}

/// One root cause: what the target did, and the checks it failed or kept from evaluation.
#[derive(Debug, Serialize, JsonSchema)]
struct JsonCause {
    /// One line: the refused request's shape, status and the target's `detail`, or the check
    /// id and its first reason.
    summary: String,
    failed: Vec<JsonAffected>,
    blocked: Vec<JsonAffected>,
}

/// A check a cause affected.
#[derive(Debug, Serialize, JsonSchema)]
struct JsonAffected {
    /// `idp/scenario`.
    scenario: String,
    check: String,
    /// The step of the check, from 1.
    step: usize,
}

/// Counts over the whole run.
#[derive(Debug, Serialize, JsonSchema)]
struct Summary {
    scenarios: ScenarioCounts,
    /// Scenario runs per IdP, keyed by IdP name; only IdPs that ran appear.
    #[schemars(extend("propertyNames" = {"$ref": "#/$defs/IdpName"}))]
    idps: BTreeMap<IdpName, IdpCounts>,
    checks: CheckCounts,
    snapshots: SnapshotCounts,
}

/// Scenario runs, passed and failed.
#[derive(Debug, Default, Serialize, JsonSchema)]
struct ScenarioCounts {
    total: usize,
    passed: usize,
    failed: usize,
}

/// One IdP's scenario runs.
#[derive(Debug, Default, Serialize, JsonSchema)]
struct IdpCounts {
    scenarios: usize,
    passed: usize,
    failed: usize,
}

/// Verdicts over the whole run. `failed` and `error` are disjoint: `error` counts checks that
/// could not be evaluated.
#[derive(Debug, Serialize, JsonSchema)]
struct CheckCounts {
    total: usize,
    passed: usize,
    failed: usize,
    error: usize,
    waived: usize,
    skipped: usize,
    blocked: usize,
    /// The same counts per level.
    by_level: ByLevel,
    /// Requirements (distinct check ids; one held only if all its verdicts held) per source
    /// section, e.g. `RFC 7644 §3.5.2`.
    by_section: Vec<SectionCoverage>,
}

/// How the requirements of one source section fared.
#[derive(Debug, Serialize, JsonSchema)]
struct SectionCoverage {
    section: String,
    held: usize,
    failed: usize,
    waived: usize,
    skipped: usize,
    blocked: usize,
}

/// Verdict counts for each of the four levels (all always present).
#[derive(Debug, Default, Serialize, JsonSchema)]
struct ByLevel {
    #[serde(rename = "MUST")]
    must: LevelCounts,
    #[serde(rename = "SHOULD")]
    should: LevelCounts,
    #[serde(rename = "IDP-REQUIRED")]
    idp_required: LevelCounts,
    #[serde(rename = "INFO")]
    info: LevelCounts,
}

impl ByLevel {
    fn get_mut(&mut self, level: Level) -> &mut LevelCounts {
        match level {
            Level::Must => &mut self.must,
            Level::Should => &mut self.should,
            Level::IdpRequired => &mut self.idp_required,
            Level::Info => &mut self.info,
        }
    }

    fn all(&self) -> [&LevelCounts; 4] {
        [&self.must, &self.should, &self.idp_required, &self.info]
    }
}

/// Verdicts at one level.
#[derive(Debug, Default, Serialize, JsonSchema)]
struct LevelCounts {
    passed: usize,
    failed: usize,
    error: usize,
    /// Failed, but waived by the target profile.
    waived: usize,
    /// Not run: the feature is not advertised.
    skipped: usize,
    /// Not evaluated: an earlier step's failure kept them from it.
    blocked: usize,
}

/// Snapshot outcomes, one per scenario run.
#[derive(Debug, Default, Serialize, JsonSchema)]
struct SnapshotCounts {
    matched: usize,
    written: usize,
    missing: usize,
    drifted: usize,
    accepted: usize,
    not_taken: usize,
}

/// One scenario run as one IdP.
#[derive(Debug, Serialize, JsonSchema)]
struct JsonScenario {
    /// The scenario's name.
    name: String,
    /// `idp/name`, as the human report and `--filter` spell it.
    full_name: String,
    idp: IdpName,
    /// The scenario file.
    file: String,
    description: String,
    tags: Vec<String>,
    /// No blocking check failed, the snapshot did not drift or go missing, and no error.
    passed: bool,
    elapsed_ms: u64,
    /// A failure outside any check (target unreachable, cleanup failed).
    error: Option<String>,
    /// What the run changed in its test data to fit the target's published schema.
    test_data_adjustments: Vec<JsonAdjustment>,
    snapshot: JsonSnapshot,
    /// Every verdict, in the order the checks ran.
    checks: Vec<JsonCheck>,
    /// Every exchange, in the order sent.
    exchanges: Vec<JsonExchange>,
}

/// One change to a step's test data, made to fit the target's `/Schemas`.
#[derive(Debug, Serialize, JsonSchema)]
struct JsonAdjustment {
    /// The step whose body was changed, from 1.
    step: usize,
    /// What was changed and why.
    note: String,
}

/// What the comparison with the approved snapshot found.
#[derive(Debug, Serialize, JsonSchema)]
struct JsonSnapshot {
    status: SnapshotStatus,
    /// The snapshot file; `null` when not taken.
    path: Option<String>,
    /// For `drifted`: a unified diff, approved to actual; otherwise `null`.
    diff: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum SnapshotStatus {
    /// Identical to the approved snapshot.
    Matched,
    /// No approved snapshot existed; one was written.
    Written,
    /// No approved snapshot existed and, under `--ci`, that fails the run.
    Missing,
    /// Differs from the approved snapshot; fails the run.
    Drifted,
    /// `--accept` replaced the approved snapshot.
    Accepted,
    /// The scenario has no snapshot step, or no snapshot directory was given.
    NotTaken,
}

/// One check's verdict.
#[derive(Debug, Serialize, JsonSchema)]
struct JsonCheck {
    /// The check's stable id, e.g. `rfc7644.3.3.create-201`.
    id: String,
    level: Level,
    /// Where the requirement comes from (an RFC section, an IdP's documentation).
    source: Option<String>,
    /// The sentence of the source the check rests on, quoted; `null` when the check carries
    /// none.
    requirement: Option<String>,
    /// For a vendor suite's test that sends what the IdP's real engine does not: what the IdP
    /// really sends, and the scenario that plays it; `null` otherwise.
    real_idp: Option<String>,
    /// Whether a failure of this check fails the run: its level blocks under this run's
    /// `strict`, and (for IdP, lock-down and application checks) its evidence is documented or
    /// the run is `strict`.
    blocking: bool,
    /// For IdP, lock-down and application checks: how the behaviour is known (`documented`,
    /// `observed`, `inferred`); `null` for RFC checks.
    evidence: Option<crate::idp::evidence::Evidence>,
    /// The public source the evidence grade rests on; `null` with `evidence`.
    evidence_basis: Option<String>,
    /// The step that ran it, counted from 1 as the scenario file lists them.
    step: usize,
    /// The step's label.
    step_name: String,
    status: CheckStatus,
    /// For `failed`: what was expected and what was found, one line each; otherwise empty.
    reasons: Vec<String>,
    /// For `error`: why the check could not be evaluated; for `blocked`, which earlier step's
    /// failure kept it from being evaluated, in words; otherwise `null`.
    message: Option<String>,
    /// For `blocked`: the step (from 1) whose failure blocked it; otherwise `null`.
    blocked_by_step: Option<usize>,
    /// The 0-based index into the scenario's `exchanges` of the exchange it judged.
    exchange: Option<usize>,
}

#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
enum CheckStatus {
    Passed,
    Failed,
    /// The check could not be evaluated (no response, undefined variable).
    Error,
    /// Failed, but the target profile waives it until a date (`message` says why).
    Waived,
    /// Not run: the target does not advertise the feature (`message` says which).
    Skipped,
    /// Not evaluated: an earlier step did not produce what it needs (`message` says which step
    /// and why). Neither a pass nor a failure of this check.
    Blocked,
}

/// One request and its response, as recorded (credentials already redacted).
#[derive(Debug, Serialize, JsonSchema)]
struct JsonExchange {
    /// The step that sent it, counted from 1; `null` for the runner's own requests (discovery,
    /// cleanup).
    step: Option<usize>,
    method: String,
    /// The path below the base URL, query included, as sent.
    path: String,
    url: String,
    /// `[name, value]` pairs in the order sent.
    request_headers: Vec<(String, String)>,
    request_body: String,
    /// The response status; `null` when no response arrived.
    status: Option<u16>,
    /// `[name, value]` pairs in the order received, names lowercase; `null` without a response.
    response_headers: Option<Vec<(String, String)>>,
    /// `null` without a response.
    response_body: Option<String>,
    /// A transport failure: timeout, refused connection, reset.
    error: Option<String>,
    elapsed_ms: u64,
    /// The same duration in whole microseconds: exchanges with a local server take well under
    /// a millisecond, and overhead measurements need the difference.
    elapsed_us: u64,
}

/// One vendor suite of the run, as the vendor's gate counts it (docs/suites.md).
#[derive(Debug, Serialize, JsonSchema)]
struct JsonSuite {
    /// The vendor's own name for the suite.
    vendor_name: String,
    /// The vendor material its steps come from.
    source: String,
    /// Every Required test passed: what the vendor's gate asks.
    passed: bool,
    /// The Required tests (IDP-REQUIRED checks).
    required: JsonSuiteCount,
    /// The Optional tests (INFO checks): a failure warns.
    optional: JsonSuiteCount,
}

/// Tests passed out of those evaluated (a blocked or erred test counts as not passed).
#[derive(Debug, Serialize, JsonSchema)]
struct JsonSuiteCount {
    passed: usize,
    evaluated: usize,
}

impl JsonReport {
    fn from_report(report: &RunReport) -> Self {
        let strict = report.strict;
        JsonReport {
            version: JSON_REPORT_VERSION,
            scimulate_version: env!("CARGO_PKG_VERSION").to_owned(),
            target: report.target.clone(),
            strict,
            insecure: report.insecure,
            passed: report.passed(),
            exit_code: report.exit_code(),
            elapsed_ms: millis(report.elapsed),
            interrupted: report.interrupted.as_ref().map(|i| JsonInterruption {
                signal: i.signal.name().to_owned(),
                not_started: i.not_started,
            }),
            gate: report.gate.names(),
            idp_settings: report.idp_settings.iter().cloned().collect(),
            suites: super::suites::tallies(report)
                .into_iter()
                .map(|tally| {
                    let count = |c: super::suites::Count| JsonSuiteCount {
                        passed: c.passed,
                        evaluated: c.evaluated(),
                    };
                    let json = JsonSuite {
                        vendor_name: tally.suite.vendor_name.to_owned(),
                        source: tally.suite.source.to_owned(),
                        passed: tally.passed(),
                        required: count(tally.required),
                        optional: count(tally.optional),
                    };
                    (tally.suite.name.to_owned(), json)
                })
                .collect(),
            areas: report
                .areas()
                .into_iter()
                .map(|(area, verdict)| {
                    let json = JsonArea {
                        title: area.title(),
                        passed: verdict.held(),
                        gated: report.gate.decides(area),
                        checks: verdict.checks,
                        checks_passed: verdict.passed,
                        checks_failed: verdict.failed,
                        warnings: verdict.warnings,
                        blocked: verdict.blocked,
                        skipped: verdict.skipped,
                        waived: verdict.waived,
                        broken_runs: verdict.broken_runs,
                    };
                    (area.name().to_owned(), json)
                })
                .collect(),
            causes: crate::runner::cause::causes(report)
                .into_iter()
                .map(|cause| {
                    let affected = |list: Vec<crate::runner::cause::Affected>| {
                        list.into_iter()
                            .map(|a| JsonAffected {
                                scenario: a.scenario,
                                check: a.check,
                                step: a.step + 1,
                            })
                            .collect()
                    };
                    JsonCause {
                        summary: cause.summary,
                        failed: affected(cause.failed),
                        blocked: affected(cause.blocked),
                    }
                })
                .collect(),
            discovery: report.discovery.as_ref().map(|discovery| JsonDiscovery {
                findings: discovery.findings.clone(),
                exchanges: discovery
                    .exchanges
                    .iter()
                    .map(JsonExchange::from_exchange)
                    .collect(),
            }),
            summary: Summary::from_report(report),
            scenarios: report
                .scenarios
                .iter()
                .map(|run| JsonScenario::from_run(run, strict))
                .collect(),
        }
    }
}

impl Summary {
    fn from_report(report: &RunReport) -> Self {
        let strict = report.strict;
        let mut scenarios = ScenarioCounts::default();
        let mut idps: BTreeMap<IdpName, IdpCounts> = BTreeMap::new();
        let mut snapshots = SnapshotCounts::default();
        let mut by_level = ByLevel::default();
        for run in &report.scenarios {
            let passed = run.passed(strict);
            let idp = idps.entry(run.idp).or_default();
            scenarios.total += 1;
            idp.scenarios += 1;
            if passed {
                scenarios.passed += 1;
                idp.passed += 1;
            } else {
                scenarios.failed += 1;
                idp.failed += 1;
            }
            *match run.snapshot {
                SnapshotOutcome::NotTaken => &mut snapshots.not_taken,
                SnapshotOutcome::Matched { .. } => &mut snapshots.matched,
                SnapshotOutcome::Written { .. } => &mut snapshots.written,
                SnapshotOutcome::Missing { .. } => &mut snapshots.missing,
                SnapshotOutcome::Drifted { .. } => &mut snapshots.drifted,
                SnapshotOutcome::Accepted { .. } => &mut snapshots.accepted,
            } += 1;
            for verdict in &run.verdicts {
                let counts = by_level.get_mut(verdict.check.level);
                *match verdict.outcome {
                    Outcome::Passed => &mut counts.passed,
                    Outcome::Failed { .. } => &mut counts.failed,
                    Outcome::Error { .. } => &mut counts.error,
                    Outcome::Waived { .. } => &mut counts.waived,
                    Outcome::Skipped { .. } => &mut counts.skipped,
                    Outcome::Blocked { .. } => &mut counts.blocked,
                } += 1;
            }
        }
        let levels = by_level.all();
        let checks = CheckCounts {
            total: levels
                .iter()
                .map(|c| c.passed + c.failed + c.error + c.waived + c.skipped + c.blocked)
                .sum(),
            passed: levels.iter().map(|c| c.passed).sum(),
            failed: levels.iter().map(|c| c.failed).sum(),
            error: levels.iter().map(|c| c.error).sum(),
            waived: levels.iter().map(|c| c.waived).sum(),
            skipped: levels.iter().map(|c| c.skipped).sum(),
            blocked: levels.iter().map(|c| c.blocked).sum(),
            by_section: crate::report::coverage::Coverage::of(report)
                .by_section
                .into_iter()
                .map(|(section, c)| SectionCoverage {
                    section,
                    held: c.held,
                    failed: c.failed,
                    waived: c.waived,
                    skipped: c.skipped,
                    blocked: c.blocked,
                })
                .collect(),
            by_level,
        };
        Summary {
            scenarios,
            idps,
            checks,
            snapshots,
        }
    }
}

impl JsonScenario {
    fn from_run(run: &ScenarioRun, strict: bool) -> Self {
        JsonScenario {
            name: run.scenario.clone(),
            full_name: run.full_name(),
            idp: run.idp,
            file: run.file.display().to_string(),
            description: run.description.clone(),
            tags: run.tags.clone(),
            passed: run.passed(strict),
            elapsed_ms: millis(run.elapsed),
            error: run.error.clone(),
            test_data_adjustments: run
                .adjustments
                .iter()
                .map(|a| JsonAdjustment {
                    step: a.step + 1,
                    note: a.note.clone(),
                })
                .collect(),
            snapshot: JsonSnapshot::from_outcome(&run.snapshot),
            checks: run
                .verdicts
                .iter()
                .map(|v| JsonCheck::from_verdict(v, strict))
                .collect(),
            exchanges: run
                .exchanges
                .iter()
                .map(JsonExchange::from_exchange)
                .collect(),
        }
    }
}

impl JsonSnapshot {
    fn from_outcome(outcome: &SnapshotOutcome) -> Self {
        let (status, path, diff) = match outcome {
            SnapshotOutcome::NotTaken => (SnapshotStatus::NotTaken, None, None),
            SnapshotOutcome::Matched { path } => (SnapshotStatus::Matched, Some(path), None),
            SnapshotOutcome::Written { path } => (SnapshotStatus::Written, Some(path), None),
            SnapshotOutcome::Missing { path } => (SnapshotStatus::Missing, Some(path), None),
            SnapshotOutcome::Drifted { path, diff } => {
                (SnapshotStatus::Drifted, Some(path), Some(diff.clone()))
            }
            SnapshotOutcome::Accepted { path } => (SnapshotStatus::Accepted, Some(path), None),
        };
        JsonSnapshot {
            status,
            path: path.map(|p| p.display().to_string()),
            diff,
        }
    }
}

impl JsonCheck {
    fn from_verdict(verdict: &Verdict, strict: bool) -> Self {
        let blocked_by_step = match &verdict.outcome {
            Outcome::Blocked { by } => Some(by.step + 1),
            _ => None,
        };
        let (status, reasons, message) = match &verdict.outcome {
            Outcome::Passed => (CheckStatus::Passed, Vec::new(), None),
            Outcome::Blocked { by } => (CheckStatus::Blocked, Vec::new(), Some(by.reason())),
            Outcome::Failed { reasons } => (CheckStatus::Failed, reasons.clone(), None),
            Outcome::Error { message } => (CheckStatus::Error, Vec::new(), Some(message.clone())),
            Outcome::Waived { reasons, waiver } => {
                (CheckStatus::Waived, reasons.clone(), Some(waiver.clone()))
            }
            Outcome::Skipped { reason } => (CheckStatus::Skipped, Vec::new(), Some(reason.clone())),
        };
        JsonCheck {
            id: verdict.check.id.clone(),
            level: verdict.check.level,
            source: verdict.check.source.clone(),
            requirement: verdict.check.requirement.clone(),
            real_idp: verdict.check.real_idp.clone(),
            blocking: verdict.check.is_blocking(strict),
            evidence: verdict.check.evidence.map(|g| g.evidence),
            evidence_basis: verdict.check.evidence.map(|g| g.basis.to_owned()),
            step: verdict.step + 1,
            step_name: verdict.step_name.clone(),
            status,
            reasons,
            message,
            blocked_by_step,
            exchange: verdict.exchange,
        }
    }
}

impl JsonExchange {
    fn from_exchange(exchange: &Exchange) -> Self {
        let request = &exchange.request;
        let response = exchange.response.as_ref();
        JsonExchange {
            step: exchange.step.map(|step| step + 1),
            method: request.method.clone(),
            path: request.path.clone(),
            url: request.url.clone(),
            request_headers: request.headers.clone(),
            request_body: String::from_utf8_lossy(&request.body).into_owned(),
            status: response.map(|r| r.status),
            response_headers: response.map(|r| r.headers.clone()),
            response_body: response.map(|r| String::from_utf8_lossy(&r.body).into_owned()),
            error: exchange.error.clone(),
            elapsed_ms: millis(exchange.elapsed),
            elapsed_us: u64::try_from(exchange.elapsed.as_micros()).unwrap_or(u64::MAX),
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::report::fixtures;

    const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report.schema.json");

    #[test]
    fn the_committed_schema_is_the_generated_one() {
        // Arrange
        let generated = serde_json::to_string_pretty(&report_schema()).unwrap() + "\n";
        if std::env::var_os("SCIMULATE_BLESS").is_some() {
            std::fs::write(SCHEMA_PATH, &generated).unwrap();
        }

        // Act
        let committed = std::fs::read_to_string(SCHEMA_PATH).unwrap_or_default();

        // Assert
        assert!(
            committed == generated,
            "docs/report.schema.json is stale: run `SCIMULATE_BLESS=1 cargo test report::json` \
             and review the change (bump JSON_REPORT_VERSION if a field changed or went away)"
        );
    }

    #[test]
    fn the_schema_is_draft_2020_12_and_versioned() {
        let schema = report_schema();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(schema["properties"]["version"]["type"], "integer");
        assert_eq!(JSON_REPORT_VERSION, 2);
    }

    #[test]
    fn a_sample_report_conforms_to_the_committed_schema() {
        // Arrange
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(SCHEMA_PATH).unwrap()).unwrap();
        let report = to_json(&fixtures::report());

        // Act
        let errors = validate(&schema, &schema, &report, "$");

        // Assert
        assert!(errors.is_empty(), "{errors:#?}");
        let required = schema["required"].as_array().unwrap();
        for key in [
            "version",
            "target",
            "passed",
            "exit_code",
            "strict",
            "insecure",
            "elapsed_ms",
            "summary",
            "scenarios",
        ] {
            assert!(required.contains(&json!(key)), "{key} not required");
        }
    }

    #[test]
    fn the_validator_catches_a_wrong_shape() {
        // Arrange
        let schema = report_schema();
        let mut report = to_json(&fixtures::report());
        report["scenarios"][1]["checks"][0]["status"] = json!("exploded");
        report["scenarios"][0]["exchanges"][0]["status"] = json!("201");
        report["summary"]["idps"]["azure"] = report["summary"]["idps"]["okta"].clone();
        report.as_object_mut().unwrap().remove("target");

        // Act
        let errors = validate(&schema, &schema, &report, "$");

        // Assert
        assert_eq!(errors.len(), 4, "{errors:#?}");
    }

    #[test]
    fn every_key_is_required_because_every_key_is_always_written() {
        // Arrange
        let schema = report_schema();
        let mut objects = vec![("report".to_owned(), &schema)];
        objects.extend(
            schema["$defs"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(name, def)| (name.clone(), def)),
        );

        // Act / Assert
        for (name, object) in objects {
            let Some(properties) = object["properties"].as_object() else {
                continue;
            };
            let mut required: Vec<&str> = object["required"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
            required.sort_unstable();
            keys.sort_unstable();
            assert_eq!(required, keys, "{name}");
        }
    }

    #[test]
    fn the_report_has_the_documented_shape() {
        // Arrange
        let report = fixtures::report();

        // Act
        let json = to_json(&report);

        // Assert
        assert_eq!(json["version"], 2);
        assert_eq!(json["target"], "http://localhost:8080/scim/v2");
        assert_eq!(json["passed"], false);
        assert_eq!(json["exit_code"], 1);
        assert_eq!(json["strict"], false);
        assert_eq!(json["elapsed_ms"], 0);
        assert_eq!(
            json["summary"],
            json!({
                "scenarios": {"total": 6, "passed": 2, "failed": 4},
                "idps": {
                    "generic": {"scenarios": 1, "passed": 0, "failed": 1},
                    "okta": {"scenarios": 2, "passed": 1, "failed": 1},
                    "entra": {"scenarios": 2, "passed": 1, "failed": 1},
                    "jumpcloud": {"scenarios": 1, "passed": 0, "failed": 1},
                },
                "checks": {
                    "total": 9, "passed": 4, "failed": 3, "error": 1, "waived": 0, "skipped": 0,
                    "blocked": 1,
                    "by_level": {
                        "MUST": {"passed": 2, "failed": 2, "error": 1, "waived": 0, "skipped": 0, "blocked": 1},
                        "SHOULD": {"passed": 0, "failed": 1, "error": 0, "waived": 0, "skipped": 0, "blocked": 0},
                        "IDP-REQUIRED": {"passed": 2, "failed": 0, "error": 0, "waived": 0, "skipped": 0, "blocked": 0},
                        "INFO": {"passed": 0, "failed": 0, "error": 0, "waived": 0, "skipped": 0, "blocked": 0},
                    },
                    "by_section": [
                        {"section": "(none)", "held": 1, "failed": 0, "waived": 0, "skipped": 0, "blocked": 0},
                        {"section": "Okta SCIM 2.0 guide, Create users", "held": 1, "failed": 0, "waived": 0, "skipped": 0, "blocked": 0},
                        {"section": "RFC 7643 §3.1", "held": 0, "failed": 1, "waived": 0, "skipped": 0, "blocked": 0},
                        {"section": "RFC 7644 §3.14", "held": 0, "failed": 1, "waived": 0, "skipped": 0, "blocked": 0},
                        {"section": "RFC 7644 §3.3", "held": 0, "failed": 1, "waived": 0, "skipped": 0, "blocked": 0},
                        {"section": "RFC 7644 §3.4.1", "held": 0, "failed": 0, "waived": 0, "skipped": 0, "blocked": 1},
                        {"section": "RFC 7644 §3.6", "held": 1, "failed": 0, "waived": 0, "skipped": 0, "blocked": 0},
                        {"section": "RFC 7644 §4", "held": 0, "failed": 1, "waived": 0, "skipped": 0, "blocked": 0},
                    ],
                },
                "snapshots": {
                    "matched": 1, "written": 1, "missing": 1, "drifted": 1,
                    "accepted": 0, "not_taken": 2,
                },
            })
        );
        let failing = &json["scenarios"][1];
        assert_eq!(failing["name"], "create-user");
        assert_eq!(failing["full_name"], "okta/create-user");
        assert_eq!(failing["idp"], "okta");
        assert_eq!(failing["file"], "scenarios/okta/create-user.yaml");
        assert_eq!(failing["passed"], false);
        assert!(failing.get("stopped_at").is_none());
        assert_eq!(failing["error"], Value::Null);
        assert_eq!(
            failing["snapshot"],
            json!({"status": "not_taken", "path": null, "diff": null})
        );
        assert_eq!(
            failing["checks"][0],
            json!({
                "id": "rfc7644.3.3.create-201",
                "level": "MUST",
                "source": "RFC 7644 §3.3",
                "requirement": null,
                "real_idp": null,
                "blocking": true,
                "evidence": null,
                "evidence_basis": null,
                "step": 1,
                "step_name": "POST /Users",
                "status": "failed",
                "reasons": ["expected status 201", "found status 200"],
                "message": null,
                "blocked_by_step": null,
                "exchange": 0,
            })
        );
        assert_eq!(failing["checks"][2]["status"], "blocked");
        assert_eq!(failing["checks"][2]["step"], 2);
        assert_eq!(failing["checks"][2]["blocked_by_step"], 1);
        assert_eq!(
            failing["checks"][2]["message"],
            "not evaluated: step 1 'POST /Users' failed: capture `id`: nothing at `/id`"
        );
        assert_eq!(json["gate"], Value::Null);
        assert_eq!(json["areas"]["rfc"]["passed"], false);
        assert_eq!(json["areas"]["rfc"]["gated"], true);
        assert_eq!(json["areas"]["rfc"]["checks_failed"], 3);
        assert_eq!(json["areas"]["rfc"]["blocked"], 1);
        assert_eq!(json["areas"]["okta"]["passed"], true);
        assert_eq!(
            json["causes"][0],
            json!({
                "summary": "rfc7644.3.3.create-201: expected status 201",
                "failed": [{"scenario": "okta/create-user", "check": "rfc7644.3.3.create-201", "step": 1}],
                "blocked": [{"scenario": "okta/create-user", "check": "rfc7644.3.4.1.get-by-id", "step": 2}],
            })
        );
        assert_eq!(
            failing["exchanges"][0],
            json!({
                "step": 1,
                "method": "POST",
                "path": "/Users",
                "url": "http://localhost:8080/scim/v2/Users",
                "request_headers": [
                    ["accept", "application/scim+json"],
                    ["authorization", "Bearer <redacted>"],
                    ["content-type", "application/scim+json; charset=utf-8"],
                ],
                "request_body": r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com","active":true}"#,
                "status": 200,
                "response_headers": [["content-type", "application/scim+json"]],
                "response_body": r#"{"userName":"bjensen@example.com"}"#,
                "error": null,
                "elapsed_ms": 0,
                "elapsed_us": 0,
            })
        );
        assert_eq!(json["scenarios"][2]["checks"][0]["blocking"], false);
        assert_eq!(json["scenarios"][2]["passed"], true);
        assert_eq!(
            json["scenarios"][3]["snapshot"]["diff"]
                .as_str()
                .unwrap()
                .lines()
                .nth(4),
            Some("-201 Created")
        );
        let errored = &json["scenarios"][5];
        assert_eq!(
            errored["error"],
            "the target could not be reached: connection refused"
        );
        assert_eq!(errored["checks"][0]["status"], "error");
        assert_eq!(
            errored["checks"][0]["message"],
            "no response: connection refused"
        );
        assert_eq!(errored["exchanges"][0]["status"], Value::Null);
        assert_eq!(errored["exchanges"][0]["response_headers"], Value::Null);
        assert_eq!(errored["exchanges"][0]["error"], "connection refused");
    }

    #[test]
    fn write_json_keeps_the_documented_key_order_and_round_trips() {
        // Arrange
        let report = fixtures::report();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");

        // Act
        write_json(&report, &path).unwrap();

        // Assert
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("{\n  \"version\": 2,\n  \"scimulate_version\": "));
        assert!(text.ends_with("}\n"));
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            to_json(&report)
        );
    }

    #[test]
    fn bodies_that_are_not_utf8_are_decoded_lossily() {
        // Arrange
        let mut run = fixtures::passing();
        run.exchanges[0].request.body = vec![b'a', 0xff, b'b'];

        // Act
        let exchange = JsonExchange::from_exchange(&run.exchanges[0]);

        // Assert
        assert_eq!(exchange.request_body, "a\u{fffd}b");
    }

    /// A structural JSON Schema check, enough for the subset schemars emits: `$ref` into
    /// `$defs`, `type` (one or several), `required`, `properties`, `additionalProperties`,
    /// `propertyNames`, `items`, `prefixItems`, `minItems`/`maxItems`, `enum`, `const`,
    /// `oneOf`/`anyOf`, `minimum`. Returns one line per violation.
    fn validate(root: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
        let mut errors = Vec::new();
        let Some(schema) = schema.as_object() else {
            return errors;
        };
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.strip_prefix("#/$defs/").expect("local $ref");
            errors.extend(validate(root, &root["$defs"][name], value, at));
        }
        if let Some(types) = schema.get("type") {
            let types: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            let matches = |t: &str| match t {
                "null" => value.is_null(),
                "boolean" => value.is_boolean(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "string" => value.is_string(),
                "array" => value.is_array(),
                "object" => value.is_object(),
                _ => false,
            };
            if !types.iter().any(|t| matches(t)) {
                errors.push(format!("{at}: {value} is not {types:?}"));
                return errors;
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            errors.push(format!("{at}: {value} not in {allowed:?}"));
        }
        if let Some(constant) = schema.get("const")
            && constant != value
        {
            errors.push(format!("{at}: {value} is not {constant}"));
        }
        if let Some(minimum) = schema.get("minimum").and_then(Value::as_f64)
            && value.as_f64().is_some_and(|v| v < minimum)
        {
            errors.push(format!("{at}: {value} < {minimum}"));
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let fitting = options
                    .iter()
                    .filter(|option| validate(root, option, value, at).is_empty())
                    .count();
                let ok = if key == "oneOf" {
                    fitting == 1
                } else {
                    fitting >= 1
                };
                if !ok {
                    errors.push(format!("{at}: {value} fits {fitting} of the {key} options"));
                }
            }
        }
        if let Some(object) = value.as_object() {
            for key in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !object.contains_key(key) {
                    errors.push(format!("{at}: missing required key {key:?}"));
                }
            }
            if let Some(names) = schema.get("propertyNames") {
                for key in object.keys() {
                    errors.extend(validate(root, names, &Value::from(key.as_str()), at));
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            for (key, item) in object {
                let at = format!("{at}.{key}");
                match properties.and_then(|p| p.get(key)) {
                    Some(property) => errors.extend(validate(root, property, item, &at)),
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{at}: unexpected key"));
                        }
                        Some(extra) => errors.extend(validate(root, extra, item, &at)),
                        None => {}
                    },
                }
            }
        }
        if let Some(array) = value.as_array() {
            let prefix = schema.get("prefixItems").and_then(Value::as_array);
            for (index, item) in array.iter().enumerate() {
                let at = format!("{at}[{index}]");
                match prefix.and_then(|p| p.get(index)) {
                    Some(item_schema) => errors.extend(validate(root, item_schema, item, &at)),
                    None => {
                        if let Some(items) = schema.get("items") {
                            errors.extend(validate(root, items, item, &at));
                        }
                    }
                }
            }
            let count = array.len() as u64;
            if schema
                .get("minItems")
                .and_then(Value::as_u64)
                .is_some_and(|min| count < min)
                || schema
                    .get("maxItems")
                    .and_then(Value::as_u64)
                    .is_some_and(|max| count > max)
            {
                errors.push(format!("{at}: {count} items is out of bounds"));
            }
        }
        errors
    }
}
