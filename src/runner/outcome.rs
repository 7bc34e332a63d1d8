//! What a run found: verdicts per check, per scenario, per IdP, and the exit code they add up to.
//!
//! These types are what every report ([`crate::report`]) renders; the JSON report is a direct,
//! versioned rendering of them.

pub use crate::snapshot::SnapshotOutcome;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use super::area::{Area, Gate};
use super::select::Planned;
use crate::exchange::Exchange;
use crate::idp::evidence::{self, Grade};
use crate::scenario::model::{CheckSpec, IdpName, Level, RequestStep, Scenario};

/// Exit code: every blocking check held and every snapshot matched.
pub const EXIT_OK: u8 = 0;
/// Exit code: a blocking check failed, or a snapshot drifted or was missing under `--ci`.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: the command line or a scenario file is wrong.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the target could not be reached or set up (or the reference server not started).
pub const EXIT_SETUP: u8 = 3;

/// The first word of a test-data finding's id.
pub const TEST_DATA: &str = "test-data";

/// A check's identity, resolved (the scenario's defaults applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckId {
    pub id: String,
    pub level: Level,
    pub source: Option<String>,
    /// The sentence of the source the check rests on, quoted (shown with its failures).
    pub requirement: Option<String>,
    /// Where a vendor suite's test differs from the IdP's real traffic: what the IdP really
    /// sends, and the scenario that plays it.
    pub real_idp: Option<String>,
    /// For an IdP, lock-down or application check: how the behaviour it judges is known. Only
    /// documented behaviour fails the run by default; the rest warns unless `--strict`.
    pub evidence: Option<Grade>,
}

impl CheckId {
    /// A check as a scenario file declares it; `fallback_source` when it names no source.
    pub fn declared(spec: &CheckSpec, fallback_source: Option<&String>) -> CheckId {
        CheckId {
            id: spec.id.clone(),
            level: spec.level,
            source: spec.source.clone().or_else(|| fallback_source.cloned()),
            // A folded YAML block (`>`) ends in a line break the verdict should not show.
            requirement: spec.requirement.as_deref().map(|r| r.trim().to_owned()),
            real_idp: spec.real_idp.as_deref().map(|r| r.trim().to_owned()),
            evidence: evidence::grade(&spec.id),
        }
    }

    /// A check the code defines (an IdP's, the runner's own).
    pub fn new(id: impl Into<String>, level: Level, source: Option<String>) -> CheckId {
        let id = id.into();
        CheckId {
            evidence: evidence::grade(&id),
            id,
            level,
            source,
            requirement: None,
            real_idp: None,
        }
    }

    /// Whether a failure of this check fails the run: its level blocks, and what it judges is
    /// documented by the vendor (or `--strict` makes reported and inferred behaviour block too).
    pub fn is_blocking(&self, strict: bool) -> bool {
        self.level.is_blocking(strict)
            && (strict
                || self
                    .evidence
                    .is_none_or(|grade| grade.evidence.blocks_by_default()))
    }

    /// The check of a step that declares none: `<scenario>.step-<N>`, N counted from 1.
    pub fn of_step(scenario: &Scenario, step: usize) -> CheckId {
        CheckId::new(
            format!("{}.step-{}", scenario.name, step + 1),
            Level::default(),
            scenario.source.clone(),
        )
    }

    /// Every check a request step declares: its own (or the step's), then its assertions' own.
    pub fn of_request(request: &RequestStep, scenario: &Scenario, step: usize) -> Vec<CheckId> {
        let mut checks = vec![CheckId::resolve(request.check.as_ref(), scenario, step)];
        for assertion in request.expect.iter().flat_map(|e| &e.json) {
            if let Some(spec) = &assertion.check {
                checks.push(CheckId::declared(spec, scenario.source.as_ref()));
            }
        }
        for own in &request.checks {
            checks.push(CheckId::declared(&own.spec(), scenario.source.as_ref()));
        }
        checks
    }

    /// The finding of a step that arranges test data (it declares no check) and was refused:
    /// `test-data.<scenario>.step-<N>`. A statement about the harness's data and the target's
    /// schema, not about conformance.
    pub fn test_data(scenario: &Scenario, step: usize) -> CheckId {
        CheckId::new(
            format!("{TEST_DATA}.{}.step-{}", scenario.name, step + 1),
            Level::Must,
            Some("the target's published schema (RFC 7643 §7)".to_owned()),
        )
    }

    /// Whether this is a test-data finding (see [`CheckId::test_data`]).
    pub fn is_test_data(&self) -> bool {
        self.id
            .strip_prefix(TEST_DATA)
            .is_some_and(|rest| rest.starts_with('.'))
    }

    /// The check a step declares, or the step's own when it declares none.
    pub fn resolve(spec: Option<&CheckSpec>, scenario: &Scenario, step: usize) -> CheckId {
        match spec {
            Some(spec) => CheckId::declared(spec, scenario.source.as_ref()),
            None => CheckId::of_step(scenario, step),
        }
    }
}

/// How one check came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// What was expected and what was found, one line each.
    Failed {
        reasons: Vec<String>,
    },
    /// The check could not be evaluated: the request failed, a variable was undefined.
    Error {
        message: String,
    },
    /// The check failed, and the target profile accepts the deviation until a date: reported,
    /// never failing the run.
    Waived {
        reasons: Vec<String>,
        /// The waiver's reason and expiry, as the profile gives them.
        waiver: String,
    },
    /// The check was not run: the target does not advertise the feature it needs.
    Skipped {
        reason: String,
    },
    /// The check was not evaluated: an earlier step did not produce what it needs (a capture,
    /// an id the IdP holds). Neither a pass nor a failure of this check: the finding is the
    /// earlier step's.
    Blocked {
        by: Blocker,
    },
}

/// The earlier step whose failure blocked a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    /// The 0-based step.
    pub step: usize,
    /// The step's label (`create ada`, `POST /Users`, `assign ada`).
    pub label: String,
    /// What went wrong, after the label: `was refused: 400 '…'`.
    pub why: String,
}

impl Blocker {
    /// The blocked check's reason: `not evaluated: step 2 'create ada' was refused: 400 '…'`.
    pub fn reason(&self) -> String {
        format!(
            "not evaluated: step {} '{}' {}",
            self.step + 1,
            self.label,
            self.why
        )
    }
}

impl Outcome {
    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Passed)
    }

    /// A failure that counts: failed or could not be evaluated (not waived, skipped or
    /// blocked).
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Failed { .. } | Outcome::Error { .. })
    }

    pub fn is_blocked(&self) -> bool {
        matches!(self, Outcome::Blocked { .. })
    }

    pub fn is_skipped(&self) -> bool {
        matches!(self, Outcome::Skipped { .. })
    }
}

/// One check's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub check: CheckId,
    pub outcome: Outcome,
    /// The step (0-based) that produced it.
    pub step: usize,
    /// The step's label (`POST /Users` or its `name`).
    pub step_name: String,
    /// The index into [`ScenarioRun::exchanges`] of the exchange it judged.
    pub exchange: Option<usize>,
}

impl Verdict {
    /// Whether this verdict fails the run.
    pub fn is_blocking_failure(&self, strict: bool) -> bool {
        self.outcome.is_failure() && self.check.is_blocking(strict)
    }
}

/// One change to a step's test data, made to fit the target's published schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    /// The 0-based step whose body was changed.
    pub step: usize,
    /// What was changed and why: ``left out `emails.type`: not in the target's User schema``.
    pub note: String,
}

/// One scenario run as one IdP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioRun {
    pub scenario: String,
    pub description: String,
    pub file: PathBuf,
    pub idp: IdpName,
    pub tags: Vec<String>,
    pub verdicts: Vec<Verdict>,
    pub exchanges: Vec<Exchange>,
    pub snapshot: SnapshotOutcome,
    /// A failure outside any check: the target could not be reached, cleanup failed.
    pub error: Option<String>,
    /// What the run changed in its test data to fit the target's published schema.
    pub adjustments: Vec<Adjustment>,
    pub elapsed: Duration,
}

impl ScenarioRun {
    /// The run of `planned` before anything happened: no verdict, no exchange, no snapshot.
    /// Every way a run ends starts from it, so a new field is set in one place.
    pub fn of(planned: &Planned) -> Self {
        let scenario = &planned.scenario;
        ScenarioRun {
            scenario: scenario.name.clone(),
            description: scenario.description.clone(),
            file: planned.file.clone(),
            idp: planned.idp,
            tags: scenario.tags.clone(),
            verdicts: Vec::new(),
            exchanges: Vec::new(),
            snapshot: SnapshotOutcome::NotTaken,
            error: None,
            adjustments: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    /// `idp/scenario`, the name reports and `--filter` use.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.idp.as_str(), self.scenario)
    }

    pub fn passed(&self, strict: bool) -> bool {
        self.error.is_none()
            && !self.snapshot.is_failure()
            && !self.verdicts.iter().any(|v| v.is_blocking_failure(strict))
    }

    /// Whether every check of the run was skipped (and nothing else went wrong): the scenario
    /// was not tested, which is neither a pass nor a failure.
    pub fn all_skipped(&self) -> bool {
        self.error.is_none()
            && !self.verdicts.is_empty()
            && self.verdicts.iter().all(|v| v.outcome.is_skipped())
    }
}

/// What the target's discovery endpoints said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// `GET /ServiceProviderConfig`'s body: always a JSON object.
    pub service_provider_config: Value,
    /// The resources `GET /ResourceTypes` listed (a `ListResponse`'s `Resources`, or a bare
    /// array), or `None` when it answered nothing usable (see `findings`).
    pub resource_types: Option<Vec<Value>>,
    /// The schemas `GET /Schemas` listed (a `ListResponse`'s `Resources`, or a bare array), or
    /// `None` when it answered nothing usable (see `findings`).
    pub schemas: Option<Vec<Value>>,
    /// What is wrong with the discovery answers, one sentence each, naming the endpoint and
    /// the status. Empty when all three are as RFC 7644 §4 says.
    pub findings: Vec<String>,
    /// The preflight's requests and answers, in order (step `None`: housekeeping).
    pub exchanges: Vec<Exchange>,
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// The target's base URL (`embedded` when the reference server was started in-process).
    pub target: String,
    pub strict: bool,
    /// The areas whose failures decide the exit code.
    pub gate: Gate,
    /// The target's TLS certificate was not verified (`--insecure`).
    pub insecure: bool,
    /// What the target's discovery endpoints said before any scenario ran (`None` for the
    /// embedded reference server).
    pub discovery: Option<Discovery>,
    pub scenarios: Vec<ScenarioRun>,
    pub elapsed: Duration,
    /// A signal stopped the run before its end: what is reported is what ran until then.
    pub interrupted: Option<Interruption>,
    /// The IdP settings the run was given (`okta.filter_encoding` = `plus`), in the target
    /// profile's order; empty when every IdP kept its defaults.
    pub idp_settings: Vec<(String, String)>,
}

/// How a run was cut short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interruption {
    pub signal: super::interrupt::Signal,
    /// Planned scenario runs that never started.
    pub not_started: usize,
}

/// How one area fared over a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AreaVerdict {
    /// Checks of the area that were evaluated or skipped, blocked included.
    pub checks: usize,
    pub passed: usize,
    /// Failures that fail the area (their level blocks under this run's `--strict`).
    pub failed: usize,
    /// Failures that do not (SHOULD without `--strict`, INFO).
    pub warnings: usize,
    pub blocked: usize,
    pub skipped: usize,
    pub waived: usize,
    /// Scenario runs of the area whose snapshot drifted or went missing, or that erred.
    pub broken_runs: usize,
}

impl AreaVerdict {
    pub fn held(&self) -> bool {
        self.failed == 0 && self.broken_runs == 0
    }
}

impl RunReport {
    /// Whether every area the gate names held.
    pub fn passed(&self) -> bool {
        self.areas()
            .into_iter()
            .all(|(area, verdict)| verdict.held() || !self.gate.decides(area))
    }

    /// Each area's verdict, for the areas the run touched.
    pub fn areas(&self) -> BTreeMap<Area, AreaVerdict> {
        let mut areas: BTreeMap<Area, AreaVerdict> = BTreeMap::new();
        for run in &self.scenarios {
            if run.error.is_some() || run.snapshot.is_failure() {
                areas.entry(Area::of_run(run)).or_default().broken_runs += 1;
            }
            for verdict in &run.verdicts {
                let tally = areas.entry(Area::of(run, verdict)).or_default();
                tally.checks += 1;
                match &verdict.outcome {
                    Outcome::Passed => tally.passed += 1,
                    Outcome::Blocked { .. } => tally.blocked += 1,
                    Outcome::Skipped { .. } => tally.skipped += 1,
                    Outcome::Waived { .. } => tally.waived += 1,
                    Outcome::Failed { .. } | Outcome::Error { .. } => {
                        if verdict.is_blocking_failure(self.strict) {
                            tally.failed += 1;
                        } else {
                            tally.warnings += 1;
                        }
                    }
                }
            }
        }
        areas
    }

    /// The process exit code for this report: [`EXIT_OK`] or [`EXIT_FAILED`].
    /// 130 or 143 when a signal stopped the run (whatever it had found), else 0 or 1.
    pub fn exit_code(&self) -> u8 {
        if let Some(interruption) = &self.interrupted {
            return interruption.signal.exit_code();
        }
        if self.passed() { EXIT_OK } else { EXIT_FAILED }
    }
}
