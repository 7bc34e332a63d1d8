//! Entra's steps: an admin's change only updates the directory; Entra's provisioning job sends
//! the net effect at its next cycle, which `wait` reaches on the IdP's clock
//! (docs/idps/entra.md §5). `start_provisioning`, `restart_provisioning`,
//! `provision_on_demand` and `test_connection` send at once; an initial cycle takes its time
//! per object on the IdP's clock (§5.4), and its step name says how long.

use std::time::Duration;

use jiff::SignedDuration;

use super::idp_steps::{IdpState, StepContext, StepResult, StepWire, apply_update, to_verdict};
use super::outcome::{CheckId, Outcome, Verdict};
use crate::clock::Clock;
use crate::idp::IdpError;
use crate::idp::directory::Directory;
use crate::idp::entra::Job;
use crate::idp::entra::job::{CycleReport, after, aggregate};
use crate::scenario::model::{Level, Step};

/// A cycle's (or a run's) checks as verdicts of the step, one per check id.
fn verdicts(
    report: CycleReport,
    context: &StepContext<'_>,
    step: &Step,
    first_exchange: usize,
) -> Vec<Verdict> {
    let label = super::idp_steps::step_label(step);
    let name = match report.number {
        0 => label,
        // The initial cycle's length on the IdP's clock (docs/idps/entra.md §5.4).
        n if report.kind == "initial" => format!(
            "{label} · initial cycle {n}, {} objects in {}",
            report.objects,
            cycle_length(report.took)
        ),
        n => format!("{label} · {} cycle {n}", report.kind),
    };
    aggregate(report.checks)
        .into_iter()
        .map(|check| to_verdict(check, context.index, &name, first_exchange))
        .collect()
}

/// `1.8 s`, `48 min 12 s`: how long a cycle took.
fn cycle_length(took: Duration) -> String {
    let seconds = took.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        format!("{} min {} s", took.as_secs() / 60, took.as_secs() % 60)
    }
}

/// The directory change a step stands for; `Ok(false)` when the step is not one.
fn change_directory(
    step: &Step,
    context: &StepContext<'_>,
    directory: &mut Directory,
    now: jiff::Timestamp,
) -> Result<bool, String> {
    let unknown_user = |key: &str| IdpError::UnknownUser(key.to_owned()).to_string();
    let unknown_group =
        |key: &str| format!("no group `{key}` in the directory (define it with a `group:` step)");
    match step {
        Step::Assign(key)
        | Step::Unassign(key)
        | Step::Deactivate(key)
        | Step::Suspend(key)
        | Step::Reactivate(key)
        | Step::SoftDelete(key)
        | Step::HardDelete(key)
        | Step::Restore(key) => {
            if directory.user(key).is_some_and(|u| u.purged) && !matches!(step, Step::HardDelete(_))
            {
                return Err(format!(
                    "user `{key}` was deleted for good; it cannot change any more"
                ));
            }
            directory
                .change_user(key, |user| match step {
                    Step::Assign(_) => user.assigned = true,
                    Step::Unassign(_) => user.assigned = false,
                    Step::Deactivate(_) | Step::Suspend(_) => user.enabled = false,
                    Step::Reactivate(_) => user.enabled = true,
                    Step::SoftDelete(_) => user.soft_deleted_at = Some(now),
                    Step::Restore(_) => user.soft_deleted_at = None,
                    _ => user.purged = true,
                })
                .ok_or_else(|| unknown_user(key))?;
        }
        Step::UpdateUser(update) => {
            let mut user = directory
                .user(&update.user)
                .cloned()
                .ok_or_else(|| unknown_user(&update.user))?;
            apply_update(&mut user, update, context)?;
            directory.change_user(&update.user, |stored| *stored = user);
        }
        Step::AssignGroup(key) | Step::UnassignGroup(key) | Step::DeleteGroup(key) => {
            let members = directory
                .change_group(key, |group| {
                    match step {
                        Step::AssignGroup(_) => group.assigned = true,
                        Step::UnassignGroup(_) => group.assigned = false,
                        _ => group.deleted = true,
                    }
                    group.members.clone()
                })
                .ok_or_else(|| unknown_group(key))?;
            // The members' scope changed with the group's: the next cycle looks at them too.
            for member in members {
                directory.change_user(&member, |_| ());
            }
        }
        Step::AddMembers(change) | Step::RemoveMembers(change) => {
            if let Some(unknown) = change.users.iter().find(|u| directory.user(u).is_none()) {
                return Err(unknown_user(unknown));
            }
            let adding = matches!(step, Step::AddMembers(_));
            directory
                .change_group(&change.group, |group| {
                    group.change_members(adding, &change.users)
                })
                .ok_or_else(|| unknown_group(&change.group))?;
            for user in &change.users {
                directory.change_user(user, |_| ());
            }
        }
        Step::RenameGroup(rename) => {
            let name = context.substitute(&rename.name)?;
            directory
                .change_group(&rename.group, |group| group.name = name)
                .ok_or_else(|| unknown_group(&rename.group))?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Runs one Entra step.
pub async fn run(
    step: &Step,
    context: &StepContext<'_>,
    state: &mut IdpState,
    mut wire: StepWire<'_>,
) -> StepResult {
    let Some(job) = state.entra.as_mut() else {
        return context.error(step, "no Entra provisioning job in this run".to_owned());
    };
    let directory = &mut state.directory;
    let now = wire.clock.now();
    match change_directory(step, context, directory, now) {
        Ok(true) => return StepResult::nothing(),
        Ok(false) => {}
        Err(message) => return context.error(step, message),
    }
    let first_exchange = wire.exchanges.len();
    let report = match step {
        Step::TestConnection => job.test_connection(&mut wire).await,
        Step::StartProvisioning => job.start(directory, wire.clock, &mut wire).await,
        Step::RestartProvisioning => job.restart(directory, wire.clock, &mut wire).await,
        Step::ProvisionOnDemand(key) => {
            match job.provision_on_demand(directory, key, &mut wire).await {
                Ok(report) => report,
                Err(error) => return context.error(step, error.to_string()),
            }
        }
        Step::ExpectJob(expect) => return expect_job(job, expect, step, context),
        _ => return context.error(step, "not an Entra step".to_owned()),
    };
    StepResult {
        verdicts: verdicts(report, context, step, first_exchange),
        // Entra goes on after a failure (it escrows the object): so does the scenario.
    }
}

/// Lets `duration` pass: every cycle that falls due on the way runs at its own instant.
pub async fn wait(
    job: &mut Job,
    directory: &mut Directory,
    duration: Duration,
    step: &Step,
    context: &StepContext<'_>,
    mut wire: StepWire<'_>,
) -> StepResult {
    let until = after(wire.clock.now(), duration);
    // A month of cycles is one verdict per check id, not one per cycle: each failure's reason
    // names its cycle, and the verdict points at the first failing exchange.
    let mut checks = Vec::new();
    let mut cycles = 0;
    let mut last = 0;
    while let Some(next) = job.next_cycle().filter(|next| *next <= until) {
        let now = wire.clock.now();
        wire.pass(until_instant(now, next), "Entra's next provisioning cycle")
            .await;
        let first_exchange = wire.exchanges.len();
        let report = job.run_due_cycle(directory, wire.clock, &mut wire).await;
        cycles += 1;
        last = report.number;
        checks.extend(report.checks.into_iter().map(|mut check| {
            check.request = check.request.map(|r| first_exchange + r);
            for reason in &mut check.reasons {
                *reason = format!("cycle {}: {reason}", report.number);
            }
            check
        }));
    }
    let now = wire.clock.now();
    wire.pass(
        until_instant(now, until),
        "the end of the scenario's `wait` step",
    )
    .await;
    let label = super::idp_steps::step_label(step);
    let name = match cycles {
        0 => return StepResult::nothing(),
        1 => format!("{label} · incremental cycle {last}"),
        n => format!("{label} · {n} incremental cycles, to {last}"),
    };
    StepResult {
        verdicts: aggregate(checks)
            .into_iter()
            .map(|check| to_verdict(check, context.index, &name, 0))
            .collect(),
    }
}

/// The time from `now` to `then`, none if it is past.
fn until_instant(now: jiff::Timestamp, then: jiff::Timestamp) -> Duration {
    Duration::try_from(then.duration_since(now).max(SignedDuration::ZERO)).unwrap_or_default()
}

/// `expect_job`: the job's quarantine and escrow as the scenario says.
fn expect_job(
    job: &Job,
    expect: &crate::scenario::model::ExpectJob,
    step: &Step,
    context: &StepContext<'_>,
) -> StepResult {
    let check = match &expect.check {
        Some(spec) => CheckId::declared(spec, None),
        None => CheckId::new(
            "entra.job.state",
            Level::IdpRequired,
            Some("docs/idps/entra.md §10".to_owned()),
        ),
    };
    let mut reasons = Vec::new();
    if let Some(wanted) = expect.quarantined {
        let actual = job.quarantine();
        if actual.is_some() != wanted {
            reasons.push(match actual {
                Some(q) => format!(
                    "the job is quarantined ({}), expected it not to be",
                    q.reason.describe()
                ),
                None => "the job is not quarantined, expected it to be".to_owned(),
            });
        }
    }
    if let Some(wanted) = expect.escrowed
        && job.escrowed() != wanted
    {
        reasons.push(format!(
            "{} object(s) wait in escrow, expected {wanted}",
            job.escrowed()
        ));
    }
    let outcome = if reasons.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed { reasons }
    };
    let verdict = Verdict {
        check,
        outcome,
        step: context.index,
        step_name: super::idp_steps::step_label(step),
        exchange: None,
    };
    StepResult {
        verdicts: vec![verdict],
    }
}
