//! What a run found: verdicts per check, per scenario, per IdP, and the exit code they add up to.
//!
//! These types are what every report ([`crate::report`]) renders; the JSON report is a direct,
//! versioned rendering of them.

use std::path::PathBuf;
use std::time::Duration;

use super::exchange::Exchange;
use super::select::Planned;
use crate::scenario::model::{IdpName, Level};

/// Exit code: every blocking check held and every snapshot matched.
pub const EXIT_OK: u8 = 0;
/// Exit code: a blocking check failed, or a snapshot drifted or was missing under `--ci`.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: the command line or a scenario file is wrong.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the target could not be reached or set up (or the reference server not started).
pub const EXIT_SETUP: u8 = 3;

/// A check's identity, resolved (the scenario's defaults applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckId {
    pub id: String,
    pub level: Level,
    pub source: Option<String>,
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
}

impl Outcome {
    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Passed)
    }

    /// A failure that counts: failed or could not be evaluated (not waived, not skipped).
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Failed { .. } | Outcome::Error { .. })
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
        self.outcome.is_failure() && self.check.level.is_blocking(strict)
    }
}

/// What the comparison with the approved snapshot found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotOutcome {
    /// The scenario has no snapshot step, or no snapshot directory was given.
    NotTaken,
    Matched {
        path: PathBuf,
    },
    /// No approved snapshot existed: one was written (a normal run).
    Written {
        path: PathBuf,
    },
    /// No approved snapshot existed, and under `--ci` that is a failure; nothing was written.
    Missing {
        path: PathBuf,
    },
    /// The snapshot differs; `diff` is a unified diff, approved → actual.
    Drifted {
        path: PathBuf,
        diff: String,
    },
    /// `--accept`: the new snapshot replaced the approved one.
    Accepted {
        path: PathBuf,
    },
}

impl SnapshotOutcome {
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            SnapshotOutcome::Missing { .. } | SnapshotOutcome::Drifted { .. }
        )
    }
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
    /// The step at which a blocking failure stopped the scenario.
    pub stopped_at: Option<usize>,
    /// A failure outside any check: the target could not be reached, cleanup failed.
    pub error: Option<String>,
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
            stopped_at: None,
            error: None,
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
}

/// A whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// The target's base URL (`embedded` when the reference server was started in-process).
    pub target: String,
    pub strict: bool,
    /// The target's TLS certificate was not verified (`--insecure`).
    pub insecure: bool,
    pub scenarios: Vec<ScenarioRun>,
    pub elapsed: Duration,
}

impl RunReport {
    pub fn passed(&self) -> bool {
        self.scenarios.iter().all(|s| s.passed(self.strict))
    }

    /// The process exit code for this report: [`EXIT_OK`] or [`EXIT_FAILED`].
    pub fn exit_code(&self) -> u8 {
        if self.passed() { EXIT_OK } else { EXIT_FAILED }
    }
}
