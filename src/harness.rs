//! The library's front door: what `scimulate run` does, for a Rust program or test suite.
//!
//! A [`Harness`] is built from a target (the embedded reference server, or a base URL and a
//! token), a selection (the built-in catalogue or scenario files, filters, a vendor suite, one
//! IdP profile) and a target profile; [`Harness::run`] runs it and hands back the run's
//! [`RunReport`], the value the JSON report serialises. With the `libtest` feature,
//! `Harness::trials` turns the selection into libtest-mimic trials, one per scenario and
//! IdP profile, named `profile/scenario`, so `cargo test` filters, `--list`, `--ignored` and
//! nextest treat each as a test of their own.
//!
//! ```no_run
//! # async fn example() -> Result<(), scimulate::harness::HarnessError> {
//! use scimulate::harness::Harness;
//!
//! let report = Harness::against("http://127.0.0.1:8080/scim/v2", "the-bearer-token")
//!     .filter("idp:okta")
//!     .run()
//!     .await?;
//! assert!(report.passed(), "{}", scimulate::report::render_human(&report, 0));
//! # Ok(())
//! # }
//! ```
//!
//! The command line builds its plans here too, so a selection means the same in both.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::catalogue::Catalogue;
use crate::runner::area::Gate;
use crate::runner::execute::RunSettings;
use crate::runner::idp_steps::{self, IdpOptions};
use crate::runner::outcome::RunReport;
use crate::runner::select::{self, Partition, Planned};
use crate::runner::transport::{Auth, Target};
use crate::runner::{self, RunConfig, TargetChoice};
use crate::scenario::load::Problem;
use crate::scenario::model::{IdpName, Scenario};
use crate::server::{Quirk, Quirks};
use crate::snapshot::SnapshotMode;
use crate::target::TargetProfile;

/// Why a harness could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// Scenario files with problems, each with its file, line and column.
    #[error("{} problem(s) in scenario files:\n{}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Scenarios(Vec<Problem>),
    /// A `suite` that is not built in.
    #[error("{0}")]
    UnknownSuite(String),
    /// Scenarios that use a step the IdP profile they run as does not have.
    #[error("{}", .0.join("\n"))]
    Unsupported(Vec<String>),
    /// The built-in catalogue could not be written out under the temporary directory.
    #[error("cannot write out the built-in catalogue: {0}")]
    Catalogue(#[source] std::io::Error),
    /// The target could not be reached or set up.
    #[error(transparent)]
    Setup(#[from] runner::SetupError),
}

/// A run to make: target, selection, target profile, options.
#[derive(Debug, Clone)]
pub struct Harness {
    target: TargetChoice,
    paths: Vec<PathBuf>,
    filters: Vec<String>,
    suite: Option<String>,
    idp: Option<IdpName>,
    partition: Option<Partition>,
    profile: Option<Arc<TargetProfile>>,
    strict: bool,
    gate: Gate,
    jobs: usize,
    timeout: Duration,
}

impl Harness {
    fn new(target: TargetChoice) -> Self {
        Harness {
            target,
            paths: Vec::new(),
            filters: Vec::new(),
            suite: None,
            idp: None,
            partition: None,
            profile: None,
            strict: false,
            gate: Gate::all(),
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            timeout: Duration::from_secs(30),
        }
    }

    /// Against a fresh embedded reference server per scenario run.
    pub fn embedded() -> Self {
        Harness::new(TargetChoice::Embedded {
            quirks: Quirks::default(),
        })
    }

    /// Against the SCIM server at `base_url`, with a bearer token.
    pub fn against(base_url: &str, bearer_token: &str) -> Self {
        Harness::against_target(Target {
            base_url: base_url.trim_end_matches('/').to_owned(),
            auth: Auth::Bearer(bearer_token.to_owned()),
            timeout: Duration::from_secs(30),
            tls: Default::default(),
            no_proxy: false,
        })
    }

    /// Against a target described in full (another credential form, TLS options, proxies).
    pub fn against_target(target: Target) -> Self {
        Harness::new(TargetChoice::Remote(target))
    }

    /// Makes the embedded reference server misbehave this way (no effect on a remote target).
    pub fn quirk(mut self, quirk: Quirk) -> Self {
        if let TargetChoice::Embedded { quirks } = &mut self.target {
            let mut all: Vec<Quirk> = quirks.iter().collect();
            all.push(quirk);
            *quirks = Quirks::new(all);
        }
        self
    }

    /// Scenario files or directories to run instead of the built-in catalogue (repeatable).
    pub fn scenarios(mut self, path: impl Into<PathBuf>) -> Self {
        self.paths.push(path.into());
        self
    }

    /// Keeps the runs that match this expression too (`tag:users`, `idp:okta`, a glob over
    /// `idp/scenario`), as `--filter` does.
    pub fn filter(mut self, expression: &str) -> Self {
        self.filters.push(expression.to_owned());
        self
    }

    /// Runs a vendor's submission suite (`okta-oin-spec`, …; [`crate::suites::SUITES`]).
    pub fn suite(mut self, name: &str) -> Self {
        self.suite = Some(name.to_owned());
        self
    }

    /// Runs every scenario as this IdP profile only.
    pub fn idp(mut self, idp: IdpName) -> Self {
        self.idp = Some(idp);
        self
    }

    /// Runs shard `index` of `count` only (`--partition K/N`).
    pub fn partition(mut self, partition: Partition) -> Self {
        self.partition = Some(partition);
        self
    }

    /// The target profile: the application API, its lock-down probes, the IdP settings.
    pub fn target_profile(mut self, profile: impl Into<Arc<TargetProfile>>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// SHOULD checks and evidence short of documented fail the run too.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// The areas whose failures decide the outcome.
    pub fn gate(mut self, gate: Gate) -> Self {
        self.gate = gate;
        self
    }

    /// Scenario runs in flight at once (default: the number of CPUs).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// The time limit of every request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        if let TargetChoice::Remote(target) = &mut self.target {
            target.timeout = timeout;
        }
        self
    }

    /// What the selection runs, one entry per scenario and IdP profile, and the built-in
    /// catalogue when it was used.
    pub fn plan(&self) -> Result<(Vec<Planned>, Option<Catalogue>), HarnessError> {
        let (paths, catalogue) = if self.paths.is_empty() {
            let catalogue = crate::catalogue::built_in().map_err(HarnessError::Catalogue)?;
            (vec![catalogue.scenarios()], Some(catalogue))
        } else {
            (self.paths.clone(), None)
        };
        let (loaded, problems) = crate::scenario::validate::validate(&paths);
        if !problems.is_empty() {
            return Err(HarnessError::Scenarios(problems));
        }
        let scenarios: Vec<(PathBuf, Arc<Scenario>)> = loaded
            .into_iter()
            .map(|(file, scenario)| (file, Arc::new(scenario)))
            .collect();
        let mut filters = self.filters.clone();
        if let Some(name) = &self.suite {
            let suite = crate::suites::find(name).map_err(HarnessError::UnknownSuite)?;
            filters.push(crate::suites::filter(suite));
        }
        let plan = select::plan(&scenarios, self.idp, &filters, self.partition);
        let unsupported: Vec<String> = plan
            .iter()
            .filter_map(|p| idp_steps::unsupported(&p.scenario, p.idp))
            .collect();
        if !unsupported.is_empty() {
            return Err(HarnessError::Unsupported(unsupported));
        }
        Ok((plan, catalogue))
    }

    /// The run's configuration for `catalogue` (the built-in catalogue's approved snapshots are
    /// compared against the embedded server, as `scimulate run` does).
    fn config(&self, catalogue: Option<&Catalogue>) -> RunConfig {
        let snapshots = match (&self.target, catalogue) {
            (TargetChoice::Embedded { .. }, Some(catalogue)) => Some(catalogue.snapshots()),
            _ => None,
        };
        RunConfig {
            target: self.target.clone(),
            settings: RunSettings {
                keep: false,
                strict: self.strict,
                gate: self.gate.clone(),
                fit: None,
                advertised: None,
                snapshots,
                snapshot_mode: SnapshotMode::Ci,
                idp: IdpOptions {
                    settings: self
                        .profile
                        .as_ref()
                        .map(|p| p.idp.clone())
                        .unwrap_or_default(),
                    real_clock: false,
                    idp_timeouts: true,
                },
                profile: self.profile.clone(),
            },
            jobs: self.jobs,
            timeout: self.timeout,
        }
    }

    /// Runs the selection and returns the run's report.
    pub async fn run(&self) -> Result<RunReport, HarnessError> {
        let (plan, catalogue) = self.plan()?;
        let config = self.config(catalogue.as_ref());
        Ok(runner::run(plan, config, &|_| {}).await?)
    }

    /// The selection as libtest-mimic trials: one per scenario and IdP profile, named
    /// `profile/scenario`, each running that scenario alone on a runtime of its own. An opt-in
    /// scenario (a vendor suite, a behaviour on weak evidence) is an ignored trial, run with
    /// `--ignored`. A failing trial's message is the compact block the terminal shows.
    #[cfg(feature = "libtest")]
    pub fn trials(&self) -> Result<Vec<libtest_mimic::Trial>, HarnessError> {
        let selection = Harness {
            filters: if self.filters.is_empty() && self.suite.is_none() {
                // `*` names every scenario, opt-in ones included: they become ignored trials.
                vec!["*".to_owned()]
            } else {
                self.filters.clone()
            },
            ..self.clone()
        };
        let (plan, catalogue) = selection.plan()?;
        let config = self.config(catalogue.as_ref());
        Ok(plan
            .into_iter()
            .map(|planned| {
                let name = planned.full_name();
                let ignored =
                    planned.scenario.opt_in && self.filters.is_empty() && self.suite.is_none();
                let config = config.clone();
                let catalogue = catalogue.clone();
                libtest_mimic::Trial::test(name, move || {
                    // The catalogue's files must outlive the trial's run.
                    let _catalogue = catalogue;
                    run_one(planned, config)
                })
                .with_ignored_flag(ignored)
            })
            .collect())
    }
}

/// Trials run on libtest's threads, in parallel; an exclusive scenario (one that reads or
/// changes the whole target: an import, switching SCIM on) takes this lock alone, the others
/// share it, as the runner's own schedule does.
#[cfg(feature = "libtest")]
static EXCLUSIVE: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// One trial: the scenario run alone, its verdict as libtest's.
#[cfg(feature = "libtest")]
fn run_one(planned: Planned, config: RunConfig) -> Result<(), libtest_mimic::Failed> {
    let _turn = if planned.scenario.exclusive {
        Turn::Alone(EXCLUSIVE.write().unwrap_or_else(|p| p.into_inner()))
    } else {
        Turn::Shared(EXCLUSIVE.read().unwrap_or_else(|p| p.into_inner()))
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| libtest_mimic::Failed::from(format!("cannot start a runtime: {e}")))?;
    let report = runtime
        .block_on(runner::run(vec![planned], config, &|_| {}))
        .map_err(|e| libtest_mimic::Failed::from(e.to_string()))?;
    if report.passed() {
        Ok(())
    } else {
        Err(crate::report::render_human(&report, 0).into())
    }
}

/// Holding [`EXCLUSIVE`] for one trial.
#[cfg(feature = "libtest")]
enum Turn<'a> {
    Alone(#[allow(dead_code)] std::sync::RwLockWriteGuard<'a, ()>),
    Shared(#[allow(dead_code)] std::sync::RwLockReadGuard<'a, ()>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_plans_as_the_command_line_does() {
        // Act
        let suite = Harness::embedded().suite("okta-oin-spec").plan().unwrap().0;
        let okta = Harness::embedded().idp(IdpName::Okta).plan().unwrap().0;
        let unknown = Harness::embedded().suite("nope").plan().unwrap_err();

        // Assert
        let names: Vec<String> = suite.iter().map(Planned::full_name).collect();
        assert_eq!(names, ["generic/okta-oin-spec"]);
        assert!(okta.iter().all(|p| p.idp == IdpName::Okta) && okta.len() > 20);
        assert!(matches!(unknown, HarnessError::UnknownSuite(_)));
    }

    #[test]
    fn a_scenario_file_with_a_problem_is_refused_with_its_position() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.yaml"), "name: bad\nsteps: 3\n").unwrap();
        let error = Harness::embedded()
            .scenarios(dir.path())
            .plan()
            .unwrap_err();
        assert!(matches!(error, HarnessError::Scenarios(_)));
        assert!(error.to_string().contains("bad.yaml"), "{error}");
    }
}
