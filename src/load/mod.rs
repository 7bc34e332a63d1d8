//! `scimulate load`: an IdP's provisioning of a whole directory at once, for scale.
//!
//! A scenario run records every exchange so it can be judged, reported and snapshotted; a load
//! run of 100,000 users cannot keep that, so it streams instead: each user and group is made
//! from its index ([`population`]), sent through the IdP module's own request builders and
//! checks ([`entra`], [`okta`]) over a [`wire`] that times each request into a fixed-size
//! [`tally`] ([`histogram`]), and dropped. Memory holds the [`ids`] the target returned, and
//! nothing else grows with the number of users.
//!
//! Two plans: Entra's initial cycle (users, groups, manager references, members, in the job's
//! order) and Okta's bulk assignment with Push Groups. Two paces ([`pace`]): the IdP's own (one
//! object at a time; Entra at the gallery's 25 requests a second) or flat out (N objects in
//! flight, as fast as the target answers). The [`report`] gives throughput, latency
//! percentiles per kind of request, errors, failed IdP checks, and for Entra whether the job
//! would be quarantined.

pub mod entra;
pub mod histogram;
pub mod ids;
pub mod okta;
pub mod pace;
pub mod population;
pub mod report;
pub mod tally;
pub mod wire;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::idp::entra::{Dialect, GALLERY_RATE};
use crate::idp::okta::{Okta, OktaFlavour};
use crate::idp::wire::{Wire, WireRequest};
use crate::runner::preflight::service_provider_config;
use crate::runner::transport::Transport;
use crate::runner::{SetupError, TargetChoice, embedded_target};

use crate::runner::direct::{DirectConnection, NameCase};
use entra::EntraCycle;
use ids::Ids;
use okta::OktaAssignment;
use pace::Pacer;
use population::Population;
use report::{LoadReport, PhaseReport};
use tally::Tally;
use wire::{LoadWire, Route};

/// Which IdP's provisioning a load run plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Entra's initial cycle, in a PATCH dialect (docs/idps/entra.md §5.1).
    EntraInitialCycle(Dialect),
    /// Okta assigning every user to the app, then pushing every group (docs/idps/okta.md §3.3,
    /// §3.6).
    OktaAssignment(OktaFlavour),
}

impl Plan {
    pub fn name(self) -> &'static str {
        match self {
            Plan::EntraInitialCycle(Dialect::Default) => "entra initial cycle",
            Plan::EntraInitialCycle(Dialect::Compliant) => "entra-compliant initial cycle",
            Plan::OktaAssignment(OktaFlavour::OinTemplate) => "okta assignment and group push",
            Plan::OktaAssignment(OktaFlavour::Aiw) => "okta-aiw assignment and group push",
        }
    }

    /// Okta's requests go out with title-case header names (`idp::sends_title_case_headers`).
    fn title_case_headers(self) -> bool {
        matches!(self, Plan::OktaAssignment(_))
    }
}

/// How fast a load run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// As the IdP does: one object at a time; Entra at the gallery rate of 25 requests a second
    /// (docs/idps/entra.md §5.4), Okta as fast as answers come (its rate is undocumented,
    /// docs/idps/okta.md §3.7).
    Idp,
    /// This many objects in flight at once, as fast as the target answers.
    Flat { concurrency: usize },
}

/// Everything a load run needs.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    pub target: TargetChoice,
    pub plan: Plan,
    pub population: Population,
    pub pace: Pace,
    /// Requests per second across the run, instead of the pace's own.
    pub rate: Option<u32>,
    pub timeout: Duration,
    /// No new object is started after this long; the run then reports itself incomplete.
    pub max_duration: Option<Duration>,
    /// Leave what the run created in the target.
    pub keep: bool,
}

/// The steps of a plan, each over every user or every group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    EntraUsers,
    EntraGroups,
    EntraManagers,
    EntraMembers,
    OktaUsers,
    OktaGroups,
    DeleteGroups,
    DeleteUsers,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::EntraUsers | Step::OktaUsers => "users",
            Step::EntraGroups => "groups",
            Step::EntraManagers => "managers",
            Step::EntraMembers => "members",
            Step::OktaGroups => "push groups",
            Step::DeleteGroups => "cleanup groups",
            Step::DeleteUsers => "cleanup users",
        }
    }
}

#[derive(Debug)]
enum Job {
    Entra(EntraCycle),
    Okta(OktaAssignment),
}

impl Job {
    fn ids(&self) -> (&Ids, &Ids) {
        match self {
            Job::Entra(cycle) => (&cycle.users, &cycle.groups),
            Job::Okta(assignment) => (&assignment.users, &assignment.groups),
        }
    }

    async fn work(&self, step: Step, index: u64, wire: &mut LoadWire) {
        match (self, step) {
            (Job::Entra(cycle), Step::EntraUsers) => cycle.user(index, wire).await,
            (Job::Entra(cycle), Step::EntraGroups) => cycle.group(index, wire).await,
            (Job::Entra(cycle), Step::EntraManagers) => cycle.manager(index, wire).await,
            (Job::Entra(cycle), Step::EntraMembers) => cycle.members(index, wire).await,
            (Job::Okta(assignment), Step::OktaUsers) => assignment.user(index, wire).await,
            (Job::Okta(assignment), Step::OktaGroups) => assignment.group(index, wire).await,
            (_, Step::DeleteGroups) => delete(self.ids().1.get(index), "/Groups", wire).await,
            (_, Step::DeleteUsers) => delete(self.ids().0.get(index), "/Users", wire).await,
            _ => {}
        }
    }
}

/// The harness's own cleanup, not an IdP's request: a plain DELETE.
async fn delete(id: Option<&str>, collection: &str, wire: &mut LoadWire) {
    let Some(id) = id else {
        return;
    };
    let request = WireRequest {
        method: "DELETE",
        path: format!("{collection}/{}", crate::idp::encode::segment(id)),
        headers: Vec::new(),
        body: Vec::new(),
    };
    let _ = wire.send(request).await;
}

/// What one step came to.
pub struct StepOutcome {
    pub tally: Tally,
    pub elapsed: Duration,
    /// Objects worked on (all of them unless the time limit cut the step short).
    pub done: u64,
}

/// Who works a step: how many workers, how they reach the target, how fast, until when.
struct Crew<'a> {
    workers: usize,
    transport: &'a Transport,
    pacer: Arc<Pacer>,
    deadline: Option<Instant>,
    /// Workers open plain-HTTP connections of their own ([`crate::runner::direct`]).
    direct: bool,
    /// Header names go out title-cased, as the plan's IdP sends them.
    title_case: bool,
    /// A stop request (the first Ctrl-C) ends the step: true for the IdP's steps, false for
    /// the cleanup, which is what a stop request is waiting for.
    stops_on_request: bool,
}

async fn run_step(job: &Arc<Job>, step: Step, count: u64, crew: &Crew<'_>) -> StepOutcome {
    let Crew {
        workers,
        transport,
        deadline,
        direct,
        stops_on_request,
        ..
    } = *crew;
    let pacer = &crew.pacer;
    let started = Instant::now();
    let next = Arc::new(AtomicU64::new(0));
    let workers = workers.clamp(1, usize::try_from(count).unwrap_or(usize::MAX).max(1));
    let mut tasks = Vec::with_capacity(workers);
    for _ in 0..workers {
        let job = job.clone();
        let next = next.clone();
        let route = match (
            direct,
            DirectConnection::for_target(
                transport.target(),
                if crew.title_case {
                    NameCase::Title
                } else {
                    NameCase::Lower
                },
            ),
        ) {
            (true, Some(connection)) => Route::Direct(connection),
            _ => Route::Client(transport.clone()),
        };
        let mut wire = LoadWire::new(route, pacer.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = 0;
            loop {
                // A time limit or a stop request (the first Ctrl-C) starts no new object.
                if deadline.is_some_and(|d| Instant::now() >= d)
                    || (stops_on_request && crate::runner::interrupt::requested().is_some())
                {
                    break;
                }
                let index = next.fetch_add(1, Ordering::Relaxed);
                if index >= count {
                    break;
                }
                job.work(step, index, &mut wire).await;
                done += 1;
            }
            (wire.tally, done)
        }));
    }
    let mut tally = Tally::default();
    let mut done = 0;
    for task in tasks {
        // A worker cannot panic by design; if one did, its count is simply missing, and the
        // step reports fewer objects done than asked.
        if let Ok((worker_tally, worker_done)) = task.await {
            tally.merge(worker_tally);
            done += worker_done;
        }
    }
    StepOutcome {
        tally,
        elapsed: started.elapsed(),
        done,
    }
}

/// Plays the plan against the target; `on_step` is told as each step ends (for progress).
pub async fn run(
    config: LoadConfig,
    on_step: &(dyn Fn(&PhaseReport) + Send + Sync),
) -> Result<LoadReport, SetupError> {
    let (target, _embedded) = match &config.target {
        TargetChoice::Remote(target) => (target.clone(), None),
        TargetChoice::Embedded { quirks } => {
            let (running, target) = embedded_target(quirks.clone(), config.timeout).await?;
            (target, Some(running))
        }
    };
    let title_case = config.plan.title_case_headers();
    let transport = Transport::with_header_case(target.clone(), title_case)?;
    // The preflight's first request: a target that refuses the credential, has nothing at this
    // base URL or is not a SCIM server stops the run here (exit 3), not after 100,000 failures.
    service_provider_config(&transport).await?;
    // Plain HTTP not through a proxy: workers use connections of their own.
    let direct = transport.proxy().is_none();
    let (workers, rate) = match config.pace {
        Pace::Idp => (
            1,
            config.rate.or(match config.plan {
                Plan::EntraInitialCycle(_) => Some(GALLERY_RATE),
                Plan::OktaAssignment(_) => None,
            }),
        ),
        Pace::Flat { concurrency } => (concurrency.max(1), config.rate),
    };
    let population = config.population.clone();
    let (job, steps) = match config.plan {
        Plan::EntraInitialCycle(dialect) => (
            Job::Entra(EntraCycle::new(population.clone(), dialect)),
            vec![
                (Step::EntraUsers, population.users),
                (Step::EntraGroups, population.groups),
                (Step::EntraManagers, population.users),
                (Step::EntraMembers, population.groups),
            ],
        ),
        Plan::OktaAssignment(flavour) => (
            Job::Okta(OktaAssignment::new(population.clone(), Okta::new(flavour))),
            vec![
                (Step::OktaUsers, population.users),
                (Step::OktaGroups, population.groups),
            ],
        ),
    };
    let job = Arc::new(job);
    let started = Instant::now();
    let crew = Crew {
        workers,
        transport: &transport,
        pacer: Arc::new(Pacer::new(rate)),
        deadline: config.max_duration.map(|limit| started + limit),
        direct,
        title_case,
        stops_on_request: true,
    };
    let mut report = LoadReport::new(&config, &target, workers, rate);
    for (step, count) in steps {
        let outcome = run_step(&job, step, count, &crew).await;
        on_step(report.add_phase(step.name(), count, outcome, false));
    }
    report.finish(started.elapsed(), transport.scrubber());
    if !config.keep {
        // The cleanup is the harness's, unpaced, and kept out of the IdP's figures.
        let cleanup = Crew {
            workers: workers.max(4),
            transport: &transport,
            pacer: Arc::new(Pacer::new(None)),
            deadline: None,
            direct,
            title_case,
            stops_on_request: false,
        };
        let (users, groups) = job.ids();
        let steps = [
            (Step::DeleteGroups, groups.len()),
            (Step::DeleteUsers, users.len()),
        ];
        for (step, count) in steps {
            let outcome = run_step(&job, step, count, &cleanup).await;
            on_step(report.add_phase(step.name(), count, outcome, true));
        }
    }
    let (users, groups) = job.ids();
    report.provisioned(users.provisioned(), groups.provisioned());
    Ok(report)
}
