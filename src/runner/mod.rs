//! The runner: executes scenarios against a target and records exchanges and verdicts.
//!
//! The pipeline: the [`preflight`](mod@preflight) reads the target's discovery endpoints first (the
//! embedded server's too) and stops the run (exit 3) when it is not a SCIM server the run could
//! talk to: a refused credential, a wrong base path, a web page. What they publish becomes the
//! run's [`fit`] (RFC test data fitted to the target's `/Schemas`) and its advertised features
//! ([`capabilities`]). [`select`] plans scenario × IdP runs; for each, [`execute`] expands
//! schema-driven steps into requests ([`published`]: every writable attribute the target
//! publishes), builds requests ([`template`]) or hands IdP steps to the IdP modules
//! ([`idp_steps`]), checks them against [`ownership`] (never touch what this run did not create),
//! sends them through [`transport`] (which records [`crate::exchange`]s with secrets already
//! [`scrub`]bed; an IdP's requests to a plain-HTTP target go over [`direct`], its exact head,
//! and compressed answers are decoded by [`content_coding`]), judges responses ([`expect`]), and compares snapshots. A failed step never ends
//! its scenario: [`prerequisite`] blocks the steps that need what it did not produce.
//! [`outcome`] holds what was found, [`area`] what each verdict is about and which areas gate
//! the exit code, [`cause`] the root causes reports lead with, and [`observation`] which write
//! a failed read observes.
//!
//! Scenarios run in parallel ([`schedule`]), steps within one run in order; an `exclusive`
//! scenario runs alone. Without a target, every scenario run gets a fresh embedded reference
//! server on 127.0.0.1, so runs are independent and their snapshots deterministic.

pub mod app;
pub mod area;
pub mod capabilities;
pub mod cause;
pub mod content_coding;
pub mod direct;
pub mod entra_steps;
pub mod execute;
pub mod expect;
pub mod fit;
pub mod idp_steps;
pub mod interrupt;
pub mod jumpcloud_steps;
pub mod lockdown_steps;
pub mod observation;
pub mod okta_steps;
pub mod outcome;
pub mod ownership;
pub mod preflight;
pub mod prerequisite;
pub mod published;
pub mod scrub;
pub mod select;
pub mod template;
pub mod transport;

use std::sync::Arc;
use std::time::{Duration, Instant};

use execute::{RunSettings, run_scenario};
use outcome::{Interruption, RunReport, ScenarioRun};
use preflight::{Discovery, PreflightError, preflight};
use select::Planned;
use transport::{Auth, Target, TlsOptions, Transport};

use crate::idp::sends_title_case_headers;
use crate::server::{self, Quirks, ServerConfig};

/// Where a run sends its requests.
#[derive(Debug, Clone)]
pub enum TargetChoice {
    /// A fresh reference server per scenario run, in-process, with these quirks.
    Embedded { quirks: Quirks },
    /// A SCIM server somewhere.
    Remote(Target),
}

/// Everything a run needs besides the plan.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub target: TargetChoice,
    pub settings: RunSettings,
    /// Scenario runs in flight at once.
    pub jobs: usize,
    /// Per-request timeout.
    pub timeout: Duration,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("the target {url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(transparent)]
    Transport(#[from] transport::TransportError),
    #[error("the embedded reference server could not start: {0}")]
    Embedded(#[from] server::ServerError),
    /// The target answered its discovery, but not as a SCIM server this run can talk to.
    #[error(transparent)]
    Preflight(#[from] PreflightError),
}

/// A fresh reference server on 127.0.0.1 with these quirks and a token of its own, and the
/// target that reaches it (directly, whatever proxy the environment names).
pub async fn embedded_target(
    quirks: Quirks,
    timeout: Duration,
) -> Result<(server::RunningServer, Target), SetupError> {
    let token = format!("embedded-{}", uuid::Uuid::new_v4().simple());
    let mut server_config = ServerConfig::loopback(token.clone());
    server_config.quirks = quirks;
    let running = server::start(server_config).await?;
    let target = Target {
        base_url: running.base_url.clone(),
        auth: Auth::Bearer(token),
        timeout,
        tls: TlsOptions::default(),
        no_proxy: true,
    };
    Ok((running, target))
}

async fn run_one(
    planned: Planned,
    config: Arc<RunConfig>,
    shared: Option<Transport>,
    run_id: Arc<str>,
) -> ScenarioRun {
    match shared {
        Some(transport) => run_scenario(&planned, &transport, &config.settings, &run_id).await,
        None => {
            let quirks = match &config.target {
                TargetChoice::Embedded { quirks } => quirks.clone(),
                TargetChoice::Remote(_) => Quirks::default(),
            };
            let started: Result<_, SetupError> = async {
                let (running, target) = embedded_target(quirks, config.timeout).await?;
                let title_case = sends_title_case_headers(planned.idp);
                Ok((running, Transport::with_header_case(target, title_case)?))
            }
            .await;
            match started {
                Ok((_running, transport)) => {
                    run_scenario(&planned, &transport, &config.settings, &run_id).await
                }
                Err(error) => ScenarioRun {
                    error: Some(error.to_string()),
                    ..ScenarioRun::of(&planned)
                },
            }
        }
    }
}

/// Runs the plan. `on_finished` is called as each scenario run completes (for progress).
pub async fn run(
    plan: Vec<Planned>,
    config: RunConfig,
    on_finished: &(dyn Fn(&ScenarioRun) + Send + Sync),
) -> Result<RunReport, SetupError> {
    let started = Instant::now();
    let (shared, target_name, discovery): (_, _, Option<Discovery>) = match &config.target {
        TargetChoice::Embedded { quirks } => {
            // Every scenario run gets a fresh server with the same quirks, so one of them,
            // read once, says what they all publish.
            let (running, target) = embedded_target(quirks.clone(), config.timeout).await?;
            let discovery = preflight(&Transport::new(target)?).await?;
            drop(running);
            (None, "embedded".to_owned(), Some(discovery))
        }
        TargetChoice::Remote(target) => {
            let plain = Transport::new(target.clone())?;
            let discovery = preflight(&plain).await?;
            let title_case = Transport::with_header_case(target.clone(), true)?;
            (
                Some((plain, title_case)),
                target.base_url.clone(),
                Some(discovery),
            )
        }
    };
    let strict = config.settings.strict;
    let insecure = matches!(&config.target, TargetChoice::Remote(target) if target.tls.insecure);
    let jobs = config.jobs.max(1);
    let mut config = config;
    // RFC test data is fitted to what the target publishes in /Schemas.
    config.settings.fit = discovery.as_ref().and_then(|discovery| {
        let schemas = discovery.schemas.as_deref()?;
        fit::SchemaFit::from_discovery(discovery.resource_types.as_deref(), schemas).map(Arc::new)
    });
    config.settings.advertised = discovery.as_ref().map(|discovery| {
        Arc::new(capabilities::features_of(
            &discovery.service_provider_config,
        ))
    });
    if matches!(config.target, TargetChoice::Embedded { .. }) && config.settings.profile.is_none() {
        // The embedded reference server comes with its own target profile.
        config.settings.profile = Some(app::reference_profile());
    }
    let config = Arc::new(config);
    let run_id: Arc<str> = Arc::from(uuid::Uuid::new_v4().simple().to_string()[..8].to_owned());
    // Exclusive scenarios first, each alone; then the others, `jobs` at a time (see `schedule`).
    let work = |planned: Planned| {
        let config = config.clone();
        let shared = shared.as_ref().map(|(plain, title_case)| {
            if sends_title_case_headers(planned.idp) {
                title_case.clone()
            } else {
                plain.clone()
            }
        });
        let run_id = run_id.clone();
        async move {
            // After a stop request nothing new starts.
            if interrupt::requested().is_some() {
                let mut run = ScenarioRun::of(&planned);
                run.error = Some(interrupt::NOT_STARTED.to_owned());
                return run;
            }
            run_one(planned, config, shared, run_id).await
        }
    };
    let scenarios = match schedule(plan, jobs, work, on_finished).await {
        Ok(scenarios) => scenarios,
        Err(join_error) => {
            // A scenario task cannot panic by design; if one did, say so rather than lose it.
            return Err(SetupError::Unreachable {
                url: target_name.clone(),
                reason: format!("a scenario task failed: {join_error}"),
            });
        }
    };
    let planned = scenarios.len();
    let scenarios: Vec<ScenarioRun> = scenarios
        .into_iter()
        .filter(|run| run.error.as_deref() != Some(interrupt::NOT_STARTED))
        .collect();
    let interrupted = interrupt::requested().map(|signal| Interruption {
        signal,
        not_started: planned - scenarios.len(),
    });
    Ok(RunReport {
        interrupted,
        target: target_name,
        strict,
        gate: config.settings.gate.clone(),
        insecure,
        discovery,
        scenarios,
        elapsed: started.elapsed(),
        idp_settings: config.settings.idp.settings.changed(),
    })
}

/// Runs `work` for every planned run and returns what each came to, in plan order.
///
/// The runs of [`exclusive`](crate::scenario::model::Scenario::exclusive) scenarios go first,
/// in plan order, one at a time: each starts when nothing else is in flight and ends before
/// anything else starts. The other runs follow, up to `jobs` at once. So a scenario that reads a
/// whole collection or flips application-wide state never sees, nor disturbs, another run.
///
/// Against a shared target (`--target`, or one `scimulate serve` for several runs) two rules
/// keep runs and their snapshots the same whatever else runs:
///
/// - **Judge only what is yours**, wherever the behaviour under test allows it: RFC scenarios
///   filter every list on `{{run.prefix}}`, IdP lookups name the run's own users, the GDPR
///   check lists the application's users by the run prefix. A list that reads beyond the run
///   (no filter: an IdP's Test Connection) shows only the run's own resources in its snapshot,
///   with `<count>` for `totalResults` and `itemsPerPage` ([`crate::snapshot::redact`]).
/// - **Run alone** what cannot be scoped: an IdP import really does page through every user
///   (users created meanwhile would shift its pages, or end them early), and the lock-down
///   scenarios switch SCIM on, which deletes every group of the application under whatever
///   scenario holds one. These are `exclusive`; the lock-down ones also switch SCIM off again at
///   the end (and first, when their setup needs it off), so the next one, or the next run,
///   finds the application as it was.
///
/// With the embedded server every run has a server of its own, so exclusivity changes only
/// the order; it is kept there too, so that the order is the same whatever the target.
///
/// `on_finished` is called once per run as its result is collected: as soon as it ends for an
/// exclusive run, in plan order for the others. A run whose task panicked ends the schedule
/// with its [`JoinError`](tokio::task::JoinError).
pub async fn schedule<T, F, Fut>(
    plan: Vec<Planned>,
    jobs: usize,
    work: F,
    on_finished: &(dyn Fn(&T) + Send + Sync),
) -> Result<Vec<T>, tokio::task::JoinError>
where
    F: Fn(Planned) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut results: Vec<Option<T>> = std::iter::repeat_with(|| None).take(plan.len()).collect();
    let (alone, together): (Vec<_>, Vec<_>) = plan
        .into_iter()
        .enumerate()
        .partition(|(_, planned)| planned.scenario.exclusive);
    for (position, planned) in alone {
        // Spawned, so that a panic is a JoinError here as it is for the others.
        let result = tokio::spawn(work(planned)).await?;
        on_finished(&result);
        results[position] = Some(result);
    }
    let semaphore = Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    let mut tasks = Vec::with_capacity(together.len());
    for (position, planned) in together {
        let permit = semaphore.clone().acquire_owned().await;
        let running = work(planned);
        tasks.push((
            position,
            tokio::spawn(async move {
                let _permit = permit;
                running.await
            }),
        ));
    }
    for (position, task) in tasks {
        let result = task.await?;
        on_finished(&result);
        results[position] = Some(result);
    }
    Ok(results.into_iter().flatten().collect())
}
