//! IdP steps: where the runner meets the IdP modules.
//!
//! A directory step changes the scenario's [`Directory`]; an action step hands the change to the
//! scenario's IdP module, which decides what goes on the wire through [`StepWire`]: the runner's
//! transport, with every request recorded as an exchange of the step and checked against what
//! the run may touch. The module's [`IdpCheck`]s become verdicts like any other.

use super::exchange::Exchange;
use super::expect::judge;
use super::outcome::{CheckId, Outcome, Verdict};
use super::ownership::Ownership;
use super::template::Vars;
use super::transport::{Outgoing, Transport};
use crate::clock::VirtualClock;
use crate::idp::directory::{Directory, IdShape, Profile};
use crate::idp::okta::{Okta, OktaFlavour, PushedGroup, PushedMember};
use crate::idp::wire::{Wire, WireRequest, WireResponse};
use crate::idp::{IdpCheck, IdpError};
use crate::scenario::model::{CheckSpec, Expect, IdpName, Step};

/// The runner's side of [`Wire`] for one step.
pub struct StepWire<'a> {
    pub transport: &'a Transport,
    pub ownership: &'a mut Ownership,
    pub exchanges: &'a mut Vec<Exchange>,
    pub step: usize,
    pub prefix: &'a str,
    /// The IdP's clock: back-offs move it instead of sleeping.
    pub clock: &'a VirtualClock,
}

impl Wire for StepWire<'_> {
    async fn send(&mut self, request: WireRequest) -> Result<WireResponse, String> {
        self.ownership
            .permits(request.method, &request.path, self.prefix)?;
        let outgoing = Outgoing {
            method: request.method.to_owned(),
            path: request.path,
            headers: request.headers,
            body: request.body,
        };
        let exchange = self.transport.send(&outgoing, Some(self.step)).await;
        self.ownership.observe(&exchange);
        let answer = match &exchange.response {
            Some(response) => Ok(WireResponse {
                status: response.status,
                headers: response.headers.clone(),
                body: response.body.clone(),
            }),
            None => Err(exchange
                .error
                .clone()
                .unwrap_or_else(|| "no response".to_owned())),
        };
        self.exchanges.push(exchange);
        answer
    }

    async fn wait(&mut self, duration: std::time::Duration) {
        self.clock
            .advance(jiff::SignedDuration::try_from(duration).unwrap_or(jiff::SignedDuration::MAX));
    }
}

/// Whether a step is an IdP step (anything but `request` and `snapshot`).
pub fn is_idp_step(step: &Step) -> bool {
    !matches!(step, Step::Request(_) | Step::Snapshot(_))
}

/// The step's kind as written in the file.
pub fn step_kind(step: &Step) -> &'static str {
    match step {
        Step::Request(_) => "request",
        Step::Snapshot(_) => "snapshot",
        Step::User(_) => "user",
        Step::Assign(_) => "assign",
        Step::UpdateUser(_) => "update_user",
        Step::Deactivate(_) => "deactivate",
        Step::Reactivate(_) => "reactivate",
        Step::TestConnection => "test_connection",
        Step::ImportUsers => "import_users",
        Step::ExpectUser(_) => "expect_user",
        Step::Group(_) => "group",
        Step::PushGroup(_) => "push_group",
        Step::AddMembers(_) => "add_members",
        Step::RemoveMembers(_) => "remove_members",
        Step::RenameGroup(_) => "rename_group",
        Step::PushNow(_) => "push_now",
        Step::UnlinkGroup(_) => "unlink_group",
        Step::ExpectGroup(_) => "expect_group",
    }
}

/// The IdP module a profile stands for; `None` for profiles that have none yet.
fn okta_for(idp: IdpName) -> Option<Okta> {
    match idp {
        IdpName::Okta => Some(Okta::new(OktaFlavour::OinTemplate)),
        IdpName::OktaAiw => Some(Okta::new(OktaFlavour::Aiw)),
        _ => None,
    }
}

/// Why a planned run cannot work: an IdP step, run as a profile that has no module for it.
pub fn unsupported(scenario: &crate::scenario::model::Scenario, idp: IdpName) -> Option<String> {
    let step = scenario.steps.iter().find(|step| {
        is_idp_step(step)
            && !matches!(step, Step::User(_) | Step::Group(_))
            && okta_for(idp).is_none()
    })?;
    Some(format!(
        "scenario `{}` runs as `{}`, which has no IdP module for its `{}` step (okta and okta-aiw have one)",
        scenario.name,
        idp.as_str(),
        step_kind(step)
    ))
}

/// What an IdP step came to.
pub struct StepResult {
    pub verdicts: Vec<Verdict>,
    /// A blocking problem: the scenario stops.
    pub stop: bool,
}

fn to_verdict(check: IdpCheck, step: usize, step_name: &str, first_exchange: usize) -> Verdict {
    let outcome = if check.held() {
        Outcome::Passed
    } else {
        Outcome::Failed {
            reasons: check.reasons.clone(),
        }
    };
    Verdict {
        check: CheckId {
            id: check.id.to_owned(),
            level: check.level,
            source: Some(check.source.to_owned()),
        },
        outcome,
        step,
        step_name: step_name.to_owned(),
        exchange: check.request.map(|r| first_exchange + r),
    }
}

fn substitute(vars: &Vars, text: &str) -> Result<String, String> {
    vars.substitute(text).map_err(|e| e.to_string())
}

/// Runs one IdP step. `default_check` names the verdict of a step that fails outside any IdP
/// check (an unknown user, an IdP without a module).
#[allow(clippy::too_many_arguments)]
pub async fn run_idp_step(
    step: &Step,
    index: usize,
    idp: IdpName,
    directory: &mut Directory,
    vars: &Vars,
    wire: StepWire<'_>,
    default_check: CheckId,
    strict: bool,
) -> StepResult {
    let step_name = step_label(step);
    let error = |message: String| StepResult {
        verdicts: vec![Verdict {
            check: default_check.clone(),
            outcome: Outcome::Error { message },
            step: index,
            step_name: step_name.clone(),
            exchange: None,
        }],
        stop: true,
    };
    if let Step::User(spec) = step {
        let profile = (|| {
            let user_name = substitute(vars, &spec.user_name)?;
            Ok::<_, String>(Profile {
                email: match &spec.email {
                    Some(email) => substitute(vars, email)?,
                    None => user_name.clone(),
                },
                user_name,
                given_name: substitute(vars, &spec.given_name)?,
                family_name: substitute(vars, &spec.family_name)?,
                display_name: spec
                    .display_name
                    .as_deref()
                    .map(|d| substitute(vars, d))
                    .transpose()?,
                locale: spec.locale.clone(),
                ..Profile::default()
            })
        })();
        return match profile {
            Ok(profile) => {
                directory.define_user(&spec.key, profile, IdShape::Okta("00u"));
                StepResult {
                    verdicts: Vec::new(),
                    stop: false,
                }
            }
            Err(message) => error(message),
        };
    }
    if let Step::Group(spec) = step {
        let defined = substitute(vars, &spec.name).and_then(|name| {
            match spec.members.iter().find(|m| directory.user(m).is_none()) {
                Some(unknown) => Err(IdpError::UnknownUser(unknown.clone()).to_string()),
                None => {
                    directory.define_group(&spec.key, name, spec.members.clone(), IdShape::Okta("00g"));
                    Ok(())
                }
            }
        });
        return match defined {
            Ok(()) => StepResult {
                verdicts: Vec::new(),
                stop: false,
            },
            Err(message) => error(message),
        };
    }
    let first_exchange = wire.exchanges.len();
    if let Some(read) = read_target(step, directory) {
        return expect_resource(read, index, vars, wire, default_check, step_name, strict).await;
    }
    let Some(okta) = okta_for(idp) else {
        return error(format!(
            "step `{}` needs an IdP profile with a module; `{}` has none yet (okta has)",
            step_kind(step),
            idp.as_str()
        ));
    };
    let mut wire = wire;
    if matches!(
        step,
        Step::PushGroup(_)
            | Step::AddMembers(_)
            | Step::RemoveMembers(_)
            | Step::RenameGroup(_)
            | Step::PushNow(_)
            | Step::UnlinkGroup(_)
    ) {
        let outcome = group_step(step, &okta, directory, vars, &mut wire).await;
        return judged(outcome, index, &step_name, first_exchange, strict).unwrap_or_else(error);
    }
    let outcome: Result<Vec<IdpCheck>, IdpError> = match step {
        Step::TestConnection => okta.test_connection(&mut wire).await,
        Step::ImportUsers => okta.import_users(&mut wire).await,
        Step::Assign(key) | Step::Deactivate(key) | Step::Reactivate(key) => {
            let Some(user) = directory.user_mut(key) else {
                return error(IdpError::UnknownUser(key.clone()).to_string());
            };
            match step {
                Step::Assign(_) => okta.assign(user, &mut wire).await,
                Step::Deactivate(_) => okta.deactivate(user, &mut wire).await,
                _ => okta.reactivate(user, &mut wire).await,
            }
        }
        Step::UpdateUser(update) => {
            let Some(user) = directory.user_mut(&update.user) else {
                return error(IdpError::UnknownUser(update.user.clone()).to_string());
            };
            let changes = [
                (&update.user_name, &mut user.profile.user_name),
                (&update.given_name, &mut user.profile.given_name),
                (&update.family_name, &mut user.profile.family_name),
                (&update.email, &mut user.profile.email),
            ];
            for (new, slot) in changes {
                if let Some(new) = new {
                    match substitute(vars, new) {
                        Ok(value) => *slot = value,
                        Err(message) => return error(message),
                    }
                }
            }
            if let Some(display) = &update.display_name {
                match substitute(vars, display) {
                    Ok(value) => user.profile.display_name = Some(value),
                    Err(message) => return error(message),
                }
            }
            okta.update(user, &mut wire).await
        }
        _ => return error(format!("step `{}` is not an IdP action", step_kind(step))),
    };
    let outcome = outcome.map_err(|failure| failure.to_string());
    judged(outcome, index, &step_name, first_exchange, strict).unwrap_or_else(error)
}

/// An IdP action's checks as the step's verdicts, or the message of an action that could not
/// be carried out.
fn judged(
    outcome: Result<Vec<IdpCheck>, String>,
    index: usize,
    step_name: &str,
    first_exchange: usize,
    strict: bool,
) -> Result<StepResult, String> {
    let verdicts: Vec<Verdict> = outcome?
        .into_iter()
        .map(|check| to_verdict(check, index, step_name, first_exchange))
        .collect();
    let stop = verdicts.iter().any(|v| v.is_blocking_failure(strict));
    Ok(StepResult { verdicts, stop })
}

/// Where an `expect_*` step reads: the endpoint and the id the IdP holds, or why it cannot.
struct ReadTarget {
    endpoint: &'static str,
    target_id: Result<String, String>,
    expect: Expect,
    check: Option<CheckSpec>,
}

fn read_target(step: &Step, directory: &Directory) -> Option<ReadTarget> {
    match step {
        Step::ExpectUser(expect) => Some(ReadTarget {
            endpoint: "Users",
            target_id: match directory.user(&expect.user) {
                None => Err(IdpError::UnknownUser(expect.user.clone()).to_string()),
                Some(user) => user
                    .target_id
                    .clone()
                    .ok_or_else(|| IdpError::NotProvisioned(expect.user.clone()).to_string()),
            },
            expect: expect.expect.clone(),
            check: expect.check.clone(),
        }),
        Step::ExpectGroup(expect) => Some(ReadTarget {
            endpoint: "Groups",
            target_id: match directory.group(&expect.group) {
                None => Err(format!("no group `{}` in the directory", expect.group)),
                Some(group) => group.target_id.clone().ok_or_else(|| {
                    format!(
                        "group `{}` has no id in the target (push it first)",
                        expect.group
                    )
                }),
            },
            expect: expect.expect.clone(),
            check: expect.check.clone(),
        }),
        _ => None,
    }
}

async fn expect_resource(
    read: ReadTarget,
    index: usize,
    vars: &Vars,
    mut wire: StepWire<'_>,
    default_check: CheckId,
    step_name: String,
    strict: bool,
) -> StepResult {
    let check = match &read.check {
        Some(spec) => CheckId {
            id: spec.id.clone(),
            level: spec.level,
            source: spec.source.clone().or(default_check.source.clone()),
        },
        None => default_check,
    };
    let verdict = |outcome: Outcome, exchange: Option<usize>| Verdict {
        check: check.clone(),
        outcome,
        step: index,
        step_name: step_name.clone(),
        exchange,
    };
    let target_id = match read.target_id {
        Ok(id) => id,
        Err(message) => {
            return StepResult {
                verdicts: vec![verdict(Outcome::Error { message }, None)],
                stop: true,
            };
        }
    };
    let request = WireRequest {
        method: "GET",
        path: format!("/{}/{target_id}", read.endpoint),
        headers: vec![("accept".to_owned(), "application/scim+json".to_owned())],
        body: Vec::new(),
    };
    let sent = wire.send(request).await;
    let exchange = Some(wire.exchanges.len() - 1);
    let outcome = match sent {
        Err(message) => Outcome::Error { message },
        Ok(response) => {
            let recorded = super::exchange::RecordedResponse {
                status: response.status,
                headers: response.headers,
                body: response.body,
            };
            match judge(&read.expect, &recorded, vars) {
                Ok(reasons) if reasons.is_empty() => Outcome::Passed,
                Ok(reasons) => Outcome::Failed { reasons },
                Err(undefined) => Outcome::Error {
                    message: undefined.to_string(),
                },
            }
        }
    };
    let verdict = verdict(outcome, exchange);
    let stop =
        verdict.is_blocking_failure(strict) || matches!(verdict.outcome, Outcome::Error { .. });
    StepResult {
        verdicts: vec![verdict],
        stop,
    }
}

/// How reports name an IdP step.
pub fn step_label(step: &Step) -> String {
    match step {
        Step::User(spec) => format!("user {}", spec.key),
        Step::Assign(key) => format!("assign {key}"),
        Step::UpdateUser(update) => format!("update_user {}", update.user),
        Step::Deactivate(key) => format!("deactivate {key}"),
        Step::Reactivate(key) => format!("reactivate {key}"),
        Step::ExpectUser(expect) => format!("expect_user {}", expect.user),
        Step::Group(spec) => format!("group {}", spec.key),
        Step::PushGroup(key) | Step::PushNow(key) => format!("{} {key}", step_kind(step)),
        Step::AddMembers(change) | Step::RemoveMembers(change) => {
            format!(
                "{} {} {}",
                step_kind(step),
                change.group,
                change.users.join(",")
            )
        }
        Step::RenameGroup(rename) => format!("rename_group {}", rename.group),
        Step::UnlinkGroup(unlink) => format!("unlink_group {}", unlink.group),
        Step::ExpectGroup(expect) => format!("expect_group {}", expect.group),
        other => step_kind(other).to_owned(),
    }
}

/// The members Okta pushes: assigned, provisioned and active directory users (research/okta.md
/// §3.6: "Users who show as inactive in Okta aren't pushed").
fn pushed_members(directory: &Directory, keys: &[String]) -> Vec<PushedMember> {
    keys.iter()
        .filter_map(|key| directory.user(key))
        .filter(|user| user.assigned && user.active)
        .filter_map(|user| {
            Some(PushedMember {
                target_id: user.target_id.clone()?,
                user_name: user.profile.user_name.clone(),
            })
        })
        .collect()
}

/// Runs a group step; `Err` is a message for an error verdict.
async fn group_step(
    step: &Step,
    okta: &Okta,
    directory: &mut Directory,
    vars: &Vars,
    wire: &mut StepWire<'_>,
) -> Result<Vec<IdpCheck>, String> {
    let group_key = match step {
        Step::PushGroup(key) | Step::PushNow(key) => key.clone(),
        Step::AddMembers(change) | Step::RemoveMembers(change) => change.group.clone(),
        Step::RenameGroup(rename) => rename.group.clone(),
        Step::UnlinkGroup(unlink) => unlink.group.clone(),
        _ => return Err(format!("step `{}` is not a group step", step_kind(step))),
    };
    let Some(group) = directory.group(&group_key).cloned() else {
        return Err(format!(
            "no group `{group_key}` in the directory (define it with a `group:` step)"
        ));
    };
    let mut pushed = PushedGroup {
        name: group.name.clone(),
        target_id: group.target_id.clone(),
    };
    let checks = match step {
        Step::PushGroup(_) => {
            let members = pushed_members(directory, &group.members);
            let checks = okta.push_group(&mut pushed, &members, wire).await;
            if let Some(stored) = directory.group_mut(&group_key) {
                stored.pushed = pushed.target_id.is_some();
                stored.target_id = pushed.target_id.clone();
            }
            checks
        }
        Step::AddMembers(change) | Step::RemoveMembers(change) => {
            for user in &change.users {
                if directory.user(user).is_none() {
                    return Err(IdpError::UnknownUser(user.clone()).to_string());
                }
            }
            let adding = matches!(step, Step::AddMembers(_));
            let mut members = group.members.clone();
            if adding {
                for user in &change.users {
                    if !members.contains(user) {
                        members.push(user.clone());
                    }
                }
            } else {
                members.retain(|m| !change.users.contains(m));
            }
            if let Some(stored) = directory.group_mut(&group_key) {
                stored.members = members.clone();
            }
            if !group.pushed {
                return Ok(Vec::new());
            }
            let changed = pushed_members(directory, &change.users);
            let all = pushed_members(directory, &members);
            let (added, removed) = if adding {
                (changed, Vec::new())
            } else {
                (Vec::new(), changed)
            };
            okta.update_group_members(&pushed, &added, &removed, &all, wire)
                .await
        }
        Step::RenameGroup(rename) => {
            let name = substitute(vars, &rename.name)?;
            if let Some(stored) = directory.group_mut(&group_key) {
                stored.name = name.clone();
            }
            if !group.pushed {
                return Ok(Vec::new());
            }
            pushed.name = name;
            let all = pushed_members(directory, &group.members);
            okta.rename_group(&pushed, &all, wire).await
        }
        Step::PushNow(_) => {
            if !group.pushed {
                return Err(format!(
                    "group `{group_key}` is not pushed (push it with `push_group`)"
                ));
            }
            let all = pushed_members(directory, &group.members);
            okta.push_now(&pushed, &all, wire).await
        }
        Step::UnlinkGroup(unlink) => {
            let checks = okta.unlink_group(&mut pushed, unlink.delete, wire).await;
            if let Some(stored) = directory.group_mut(&group_key) {
                stored.pushed = false;
                stored.target_id = pushed.target_id.clone();
            }
            checks
        }
        _ => return Err(format!("step `{}` is not a group step", step_kind(step))),
    };
    checks.map_err(|e| e.to_string())
}
