//! IdP steps: where the runner meets the IdP modules.
//!
//! A directory step changes the scenario's [`Directory`]; an action step hands the change to the
//! scenario's IdP module, which decides what goes on the wire through [`StepWire`]: the runner's
//! transport, with every request recorded as an exchange of the step and checked against what
//! the run may touch. The module's [`IdpCheck`]s become verdicts like any other.

use super::expect::judge;
use super::outcome::{CheckId, Outcome, Verdict};
use super::ownership::Ownership;
use super::template::Vars;
use super::transport::Transport;
use crate::clock::VirtualClock;
use crate::exchange::Exchange;
use crate::idp::directory::{Directory, IdShape, Profile};
use crate::idp::entra::{Dialect, Entra, Job};
use crate::idp::settings::IdpSettings;
use crate::idp::wire::{Wire, WireRequest, WireResponse};
use crate::idp::{IdpCheck, IdpError};
use crate::scenario::model::{
    AddressSpec, CheckSpec, Expect, GroupSpec, IdpName, MAX_USER_COUNT, MembersUpdate,
    MembershipChange, PhonesSpec, Step, UserSpec, UserUpdate, parse_wait,
};

/// The runner's side of [`Wire`] for one step.
pub struct StepWire<'a> {
    pub transport: &'a Transport,
    pub ownership: &'a mut Ownership,
    pub exchanges: &'a mut Vec<Exchange>,
    pub step: usize,
    pub prefix: &'a str,
    /// The IdP's clock: back-offs, waits and cycles move it instead of sleeping.
    pub clock: &'a VirtualClock,
    /// Time passes for real too (`--real-clock`): every move of the clock also sleeps.
    pub real_time: bool,
    /// The IdP's own request timeout, when the run leaves it to the IdP.
    pub timeout: Option<std::time::Duration>,
}

impl StepWire<'_> {
    /// Lets `duration` pass on the IdP's clock (and in the world, under `--real-clock`, saying
    /// what for and until when: a run that waits 40 minutes must not look hung).
    pub async fn pass(&self, duration: std::time::Duration, what: &str) {
        self.clock
            .advance(jiff::SignedDuration::try_from(duration).unwrap_or(jiff::SignedDuration::MAX));
        if self.real_time && duration >= std::time::Duration::from_secs(1) {
            let until = jiff::SignedDuration::try_from(duration)
                .ok()
                .and_then(|span| jiff::Zoned::now().checked_add(span).ok())
                .map(|at| at.strftime("%H:%M:%S").to_string())
                .unwrap_or_else(|| "later".to_owned());
            eprintln!(
                "real clock: waiting {} for {what}, until {until} (Ctrl-C stops the run cleanly)",
                spoken(duration)
            );
        }
        if self.real_time {
            // A stop request ends a real-time wait at once: the run stops before its next step.
            tokio::select! {
                () = tokio::time::sleep(duration) => {}
                () = super::interrupt::stopped() => {}
            }
        }
    }
}

impl Wire for StepWire<'_> {
    async fn send(&mut self, request: WireRequest) -> Result<WireResponse, String> {
        self.ownership
            .permits(request.method, &request.path, self.prefix)?;
        let exchange = self
            .transport
            .send_as_idp(request, self.timeout, Some(self.step))
            .await;
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
        self.pass(duration, "the IdP's back-off before it retries")
            .await;
    }
}

/// `1h 30m`, `40m`, `12s`: a duration as a person says it.
fn spoken(duration: std::time::Duration) -> String {
    let seconds = duration.as_secs();
    let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let parts: Vec<String> = [(hours, "h"), (minutes, "m"), (rest, "s")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if parts.is_empty() {
        "0s".to_owned()
    } else {
        parts.join(" ")
    }
}

/// Whether a step is an IdP step (anything but `request` and `snapshot`).
pub fn is_idp_step(step: &Step) -> bool {
    !matches!(
        step,
        Step::Request(_) | Step::Snapshot(_) | Step::PublishedAttributes(_)
    ) && !is_app_step(step)
}

/// Whether a step talks to the application's own API through the target profile.
pub fn is_app_step(step: &Step) -> bool {
    matches!(step, Step::App(_) | Step::Probe(_) | Step::ExpectAccess(_))
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
        Step::SetPassword(_) => "set_password",
        Step::TestConnection => "test_connection",
        Step::ImportUsers => "import_users",
        Step::ImportGroups => "import_groups",
        Step::ExpectUser(_) => "expect_user",
        Step::Group(_) => "group",
        Step::PushGroup(_) => "push_group",
        Step::LinkGroup(_) => "link_group",
        Step::AddMembers(_) => "add_members",
        Step::RemoveMembers(_) => "remove_members",
        Step::UpdateMembers(_) => "update_members",
        Step::RenameGroup(_) => "rename_group",
        Step::PushNow(_) => "push_now",
        Step::UnlinkGroup(_) => "unlink_group",
        Step::ExpectGroup(_) => "expect_group",
        Step::Unassign(_) => "unassign",
        Step::Suspend(_) => "suspend",
        Step::SoftDelete(_) => "soft_delete",
        Step::HardDelete(_) => "hard_delete",
        Step::Restore(_) => "restore",
        Step::AssignGroup(_) => "assign_group",
        Step::UnassignGroup(_) => "unassign_group",
        Step::DeleteGroup(_) => "delete_group",
        Step::StartProvisioning => "start_provisioning",
        Step::RestartProvisioning => "restart_provisioning",
        Step::ProvisionOnDemand(_) => "provision_on_demand",
        Step::Wait(_) => "wait",
        Step::ExpectJob(_) => "expect_job",
        Step::App(_) => "app",
        Step::Probe(_) => "probe",
        Step::ExpectAccess(_) => "expect_access",
        Step::PublishedAttributes(_) => "published_attributes",
    }
}

/// Whether an IdP profile implements a step. Directory definitions, reads and `wait` work for
/// every IdP; actions need the IdP's module.
pub fn supports(idp: IdpName, step: &Step) -> bool {
    use Step::*;
    if matches!(
        step,
        Request(_)
            | Snapshot(_)
            | PublishedAttributes(_)
            | User(_)
            | Group(_)
            | ExpectUser(_)
            | ExpectGroup(_)
            | Wait(_)
            | App(_)
            | Probe(_)
            | ExpectAccess(_)
    ) {
        return true;
    }
    match idp {
        IdpName::Generic => false,
        IdpName::Okta | IdpName::OktaAiw => matches!(
            step,
            Assign(_)
                | Unassign(_)
                | UpdateUser(_)
                | Deactivate(_)
                | Reactivate(_)
                | Suspend(_)
                | SetPassword(_)
                | TestConnection
                | ImportUsers
                | ImportGroups
                | PushGroup(_)
                | LinkGroup(_)
                | AddMembers(_)
                | RemoveMembers(_)
                | UpdateMembers(_)
                | RenameGroup(_)
                | PushNow(_)
                | UnlinkGroup(_)
        ),
        IdpName::Entra | IdpName::EntraCompliant => matches!(
            step,
            Assign(_)
                | Unassign(_)
                | UpdateUser(_)
                | Deactivate(_)
                | Reactivate(_)
                | Suspend(_)
                | SoftDelete(_)
                | HardDelete(_)
                | Restore(_)
                | AssignGroup(_)
                | UnassignGroup(_)
                | DeleteGroup(_)
                | AddMembers(_)
                | RemoveMembers(_)
                | RenameGroup(_)
                | TestConnection
                | StartProvisioning
                | RestartProvisioning
                | ProvisionOnDemand(_)
                | ExpectJob(_)
        ),
        IdpName::Jumpcloud => matches!(
            step,
            UpdateUser(_)
                | Deactivate(_)
                | Reactivate(_)
                | Suspend(_)
                | HardDelete(_)
                | AssignGroup(_)
                | UnassignGroup(_)
                | DeleteGroup(_)
                | AddMembers(_)
                | RemoveMembers(_)
                | RenameGroup(_)
                | TestConnection
                | ImportUsers
        ),
    }
}

/// Why a planned run cannot work: a step its IdP profile does not implement, or an IdP setting
/// of the scenario's that its IdP does not offer.
pub fn unsupported(scenario: &crate::scenario::model::Scenario, idp: IdpName) -> Option<String> {
    if let Some(problem) = scenario.idp_settings.problems().into_iter().next() {
        return Some(format!(
            "scenario `{}`: idp_settings: {problem}",
            scenario.name
        ));
    }
    let step = scenario.steps.iter().find(|step| !supports(idp, step))?;
    Some(format!(
        "scenario `{}` runs as `{}`, which has no `{}` step (see the IdP steps table in docs/idp-profiles.md)",
        scenario.name,
        idp.as_str(),
        step_kind(step)
    ))
}

/// The IdP side of one scenario run: the directory, and Entra's provisioning job.
pub struct IdpState {
    pub idp: IdpName,
    pub directory: Directory,
    pub entra: Option<Job>,
    /// How the IdP's console is set (the target profile's `idp:` block, and the flags).
    pub settings: IdpSettings,
}

/// How the IdPs behave in a run.
#[derive(Debug, Clone, Default)]
pub struct IdpOptions {
    /// The IdPs' settings: the target profile's `idp:` block with the command line's
    /// `--entra-…` flags over it.
    pub settings: IdpSettings,
    /// The IdP's time passes for real: `wait: 40m` takes 40 minutes (live soak runs).
    pub real_clock: bool,
    /// Each IdP waits for an answer as long as it does (Okta: 60 s); `false` when `--timeout`
    /// set one limit for every request.
    pub idp_timeouts: bool,
}

impl IdpState {
    pub fn new(idp: IdpName, options: IdpOptions) -> Self {
        let entra = match idp {
            IdpName::Entra | IdpName::EntraCompliant => {
                let dialect = if idp == IdpName::Entra {
                    Dialect::Default
                } else {
                    Dialect::Compliant
                };
                Some(Job::new(options.settings.entra.apply(Entra::new(dialect))))
            }
            _ => None,
        };
        IdpState {
            idp,
            directory: Directory::default(),
            entra,
            settings: options.settings,
        }
    }

    /// The shape of the IdP's own object ids.
    fn shape(&self, group: bool) -> IdShape {
        match self.idp {
            IdpName::Entra | IdpName::EntraCompliant => IdShape::Guid,
            IdpName::Jumpcloud => IdShape::Hex24,
            _ if group => IdShape::Okta("00g"),
            _ => IdShape::Okta("00u"),
        }
    }
}

/// What an IdP step came to.
pub struct StepResult {
    pub verdicts: Vec<Verdict>,
}

pub fn to_verdict(check: IdpCheck, step: usize, step_name: &str, first_exchange: usize) -> Verdict {
    let outcome = if check.held() {
        Outcome::Passed
    } else {
        Outcome::Failed {
            reasons: check.reasons.clone(),
        }
    };
    Verdict {
        check: CheckId::new(check.id, check.level, Some(check.source.to_owned())),
        outcome,
        step,
        step_name: step_name.to_owned(),
        exchange: check.request.map(|r| first_exchange + r),
    }
}

fn substitute(vars: &Vars, text: &str) -> Result<String, String> {
    vars.substitute(text).map_err(|e| e.to_string())
}

/// Where an IdP step runs: its place in the scenario, the variables, the check a failure
/// outside any IdP check is reported under (an unknown user, a bad template).
pub struct StepContext<'a> {
    pub index: usize,
    pub vars: &'a Vars,
    pub default_check: CheckId,
}

impl StepContext<'_> {
    /// The step failed before any IdP check could judge it: an error verdict.
    pub fn error(&self, step: &Step, message: String) -> StepResult {
        StepResult {
            verdicts: vec![Verdict {
                check: self.default_check.clone(),
                outcome: Outcome::Error { message },
                step: self.index,
                step_name: step_label(step),
                exchange: None,
            }],
        }
    }

    pub fn substitute(&self, text: &str) -> Result<String, String> {
        substitute(self.vars, text)
    }
}

impl StepResult {
    pub fn nothing() -> Self {
        StepResult {
            verdicts: Vec::new(),
        }
    }
}

/// Runs one IdP step.
pub async fn run_idp_step(
    step: &Step,
    context: StepContext<'_>,
    state: &mut IdpState,
    wire: StepWire<'_>,
) -> StepResult {
    if !supports(state.idp, step) {
        return context.error(
            step,
            format!(
                "`{}` has no `{}` step (see the IdP steps table in docs/idp-profiles.md)",
                state.idp.as_str(),
                step_kind(step)
            ),
        );
    }
    // A set of users (`user:` with `count:`) stands for its users wherever users are listed.
    let expanded = expand_sets(step, &state.directory);
    let step = expanded.as_ref();
    match step {
        Step::User(spec) => match define_user(spec, &context, state) {
            Ok(()) => StepResult::nothing(),
            Err(message) => context.error(step, message),
        },
        Step::Group(spec) => {
            let shape = state.shape(true);
            let directory = &mut state.directory;
            let defined = context.substitute(&spec.name).and_then(|name| {
                match spec.members.iter().find(|m| directory.user(m).is_none()) {
                    Some(unknown) => Err(IdpError::UnknownUser(unknown.clone()).to_string()),
                    None => {
                        directory.define_group(&spec.key, name, spec.members.clone(), shape);
                        Ok(())
                    }
                }
            });
            match defined {
                Ok(()) => StepResult::nothing(),
                Err(message) => context.error(step, message),
            }
        }
        Step::ExpectUser(_) | Step::ExpectGroup(_) => {
            let read = read_target(step, &state.directory).expect("a read step");
            expect_resource(read, &context, wire, step_label(step)).await
        }
        Step::Wait(duration) => {
            let duration = match parse_wait(duration) {
                Ok(duration) => duration,
                Err(message) => return context.error(step, message),
            };
            match &mut state.entra {
                Some(job) => {
                    super::entra_steps::wait(
                        job,
                        &mut state.directory,
                        duration,
                        step,
                        &context,
                        wire,
                    )
                    .await
                }
                None => {
                    wire.pass(duration, "the scenario's `wait` step").await;
                    StepResult::nothing()
                }
            }
        }
        Step::Assign(key) if state.directory.set(key).is_some() => {
            let keys = state.directory.set(key).unwrap_or_default().to_vec();
            let mut verdicts = Vec::new();
            // One assignment per user, each a step of its own for the IdP, on the same wire.
            for key in keys {
                let each = StepWire {
                    transport: wire.transport,
                    ownership: &mut *wire.ownership,
                    exchanges: &mut *wire.exchanges,
                    step: wire.step,
                    prefix: wire.prefix,
                    clock: wire.clock,
                    real_time: wire.real_time,
                    timeout: wire.timeout,
                };
                let result = dispatch(&Step::Assign(key), &context, state, each).await;
                verdicts.extend(result.verdicts);
            }
            StepResult { verdicts }
        }
        _ => dispatch(step, &context, state, wire).await,
    }
}

/// The step with every set of users replaced by its users: in a group's `members` and in the
/// users of membership steps (`assign` of a set is one assignment per user, in `run_idp_step`).
fn expand_sets<'s>(step: &'s Step, directory: &Directory) -> std::borrow::Cow<'s, Step> {
    use std::borrow::Cow;
    match step {
        Step::Group(spec) => Cow::Owned(Step::Group(GroupSpec {
            members: directory.expand(&spec.members),
            ..spec.clone()
        })),
        Step::AddMembers(change) => Cow::Owned(Step::AddMembers(MembershipChange {
            users: directory.expand(&change.users),
            ..change.clone()
        })),
        Step::RemoveMembers(change) => Cow::Owned(Step::RemoveMembers(MembershipChange {
            users: directory.expand(&change.users),
            ..change.clone()
        })),
        Step::UpdateMembers(update) => Cow::Owned(Step::UpdateMembers(MembersUpdate {
            group: update.group.clone(),
            add: directory.expand(&update.add),
            remove: directory.expand(&update.remove),
        })),
        _ => Cow::Borrowed(step),
    }
}

/// Hands an action step to the scenario's IdP module.
async fn dispatch(
    step: &Step,
    context: &StepContext<'_>,
    state: &mut IdpState,
    wire: StepWire<'_>,
) -> StepResult {
    match state.idp {
        IdpName::Okta | IdpName::OktaAiw => {
            super::okta_steps::run(step, context, state, wire).await
        }
        IdpName::Entra | IdpName::EntraCompliant => {
            super::entra_steps::run(step, context, state, wire).await
        }
        IdpName::Jumpcloud => super::jumpcloud_steps::run(step, context, state, wire).await,
        other => context.error(
            step,
            format!("`{}` has no `{}` step", other.as_str(), step_kind(step)),
        ),
    }
}

/// A `user:` step: the directory gains the user, unassigned; with `count: N`, users `key1` to
/// `keyN` (`{{n}}` their number), and `key` names the set of them.
fn define_user(
    spec: &UserSpec,
    context: &StepContext<'_>,
    state: &mut IdpState,
) -> Result<(), String> {
    let Some(count) = spec.count else {
        return define_one_user(spec, &spec.key, context.vars, state);
    };
    if !(1..=MAX_USER_COUNT).contains(&count) {
        return Err(format!(
            "`count` defines 1 to {MAX_USER_COUNT} users, not {count}"
        ));
    }
    let mut keys = Vec::new();
    for n in 1..=count {
        let mut vars = context.vars.clone();
        vars.set("n", n.to_string());
        let key = format!("{}{n}", spec.key);
        define_one_user(spec, &key, &vars, state)?;
        keys.push(key);
    }
    state.directory.define_set(&spec.key, keys);
    Ok(())
}

fn define_one_user(
    spec: &UserSpec,
    key: &str,
    vars: &Vars,
    state: &mut IdpState,
) -> Result<(), String> {
    let optional =
        |value: &Option<String>| value.as_deref().map(|v| substitute(vars, v)).transpose();
    let user_name = substitute(vars, &spec.user_name)?;
    let mut profile = Profile {
        email: match &spec.email {
            Some(email) => substitute(vars, email)?,
            None => user_name.clone(),
        },
        user_name,
        given_name: substitute(vars, &spec.given_name)?,
        family_name: substitute(vars, &spec.family_name)?,
        display_name: optional(&spec.display_name)?,
        locale: spec.locale.clone(),
        title: optional(&spec.title)?,
        department: optional(&spec.department)?,
        employee_number: optional(&spec.employee_number)?,
        app_roles: spec.app_roles.clone(),
        ..Profile::default()
    };
    merge_address_and_phones(
        &mut profile,
        spec.address.as_ref(),
        spec.phones.as_ref(),
        vars,
    )?;
    let shape = state.shape(false);
    state.directory.define_user(key, profile, shape);
    if let Some(user) = state.directory.user_mut(key) {
        user.manager = spec.manager.clone();
    }
    Ok(())
}

/// An `update_user:` step applied to the directory user's profile.
pub fn apply_update(
    user: &mut crate::idp::directory::DirectoryUser,
    update: &UserUpdate,
    context: &StepContext<'_>,
) -> Result<(), String> {
    let changes = [
        (&update.user_name, &mut user.profile.user_name),
        (&update.given_name, &mut user.profile.given_name),
        (&update.family_name, &mut user.profile.family_name),
        (&update.email, &mut user.profile.email),
    ];
    for (new, slot) in changes {
        if let Some(new) = new {
            *slot = context.substitute(new)?;
        }
    }
    let optional = [
        (&update.display_name, &mut user.profile.display_name),
        (&update.title, &mut user.profile.title),
        (&update.department, &mut user.profile.department),
    ];
    for (new, slot) in optional {
        if let Some(new) = new {
            *slot = Some(context.substitute(new)?);
        }
    }
    if let Some(manager) = &update.manager {
        // An empty key removes the manager (Entra: DELETE manager/$ref).
        user.manager = (!manager.is_empty()).then(|| manager.clone());
    }
    if let Some(roles) = &update.app_roles {
        user.profile.app_roles = roles.clone();
    }
    if let Some(number) = &update.employee_number {
        user.profile.employee_number = Some(context.substitute(number)?);
    }
    merge_address_and_phones(
        &mut user.profile,
        update.address.as_ref(),
        update.phones.as_ref(),
        context.vars,
    )
}

/// The address parts and phone numbers a `user:` or `update_user:` step gives, over what the
/// profile holds: a part not given keeps its value.
fn merge_address_and_phones(
    profile: &mut Profile,
    address: Option<&AddressSpec>,
    phones: Option<&PhonesSpec>,
    vars: &Vars,
) -> Result<(), String> {
    let mut parts: Vec<(&Option<String>, &mut Option<String>)> = Vec::new();
    if let Some(address) = address {
        let held = &mut profile.address;
        parts.extend([
            (&address.street_address, &mut held.street_address),
            (&address.locality, &mut held.locality),
            (&address.region, &mut held.region),
            (&address.postal_code, &mut held.postal_code),
            (&address.country, &mut held.country),
        ]);
    }
    if let Some(phones) = phones {
        let held = &mut profile.phones;
        parts.extend([
            (&phones.work, &mut held.work),
            (&phones.mobile, &mut held.mobile),
            (&phones.fax, &mut held.fax),
        ]);
    }
    for (new, slot) in parts {
        if let Some(new) = new {
            *slot = Some(substitute(vars, new)?);
        }
    }
    Ok(())
}

/// An IdP action's checks as the step's verdicts, or the message of an action that could not
/// be carried out.
pub fn judged(
    outcome: Result<Vec<IdpCheck>, String>,
    index: usize,
    step_name: &str,
    first_exchange: usize,
) -> Result<StepResult, String> {
    let verdicts: Vec<Verdict> = outcome?
        .into_iter()
        .map(|check| to_verdict(check, index, step_name, first_exchange))
        .collect();
    Ok(StepResult { verdicts })
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
                        "group `{}` has no id in the target (it was never provisioned or pushed)",
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
    context: &StepContext<'_>,
    mut wire: StepWire<'_>,
    step_name: String,
) -> StepResult {
    let (index, vars) = (context.index, context.vars);
    let default_check = context.default_check.clone();
    let check = match &read.check {
        Some(spec) => CheckId::declared(spec, default_check.source.as_ref()),
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
            let recorded = crate::exchange::RecordedResponse {
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
    StepResult {
        verdicts: vec![verdict],
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
        Step::SetPassword(key) => format!("set_password {key}"),
        Step::ExpectUser(expect) => format!("expect_user {}", expect.user),
        Step::Group(spec) => format!("group {}", spec.key),
        Step::PushGroup(key) | Step::LinkGroup(key) | Step::PushNow(key) => {
            format!("{} {key}", step_kind(step))
        }
        Step::AddMembers(change) | Step::RemoveMembers(change) => {
            format!(
                "{} {} {}",
                step_kind(step),
                change.group,
                change.users.join(",")
            )
        }
        Step::UpdateMembers(update) => {
            let mut label = format!("update_members {}", update.group);
            if !update.add.is_empty() {
                label.push_str(&format!(" +{}", update.add.join(",")));
            }
            if !update.remove.is_empty() {
                label.push_str(&format!(" -{}", update.remove.join(",")));
            }
            label
        }
        Step::RenameGroup(rename) => format!("rename_group {}", rename.group),
        Step::UnlinkGroup(unlink) => format!("unlink_group {}", unlink.group),
        Step::ExpectGroup(expect) => format!("expect_group {}", expect.group),
        Step::Unassign(key)
        | Step::Suspend(key)
        | Step::SoftDelete(key)
        | Step::HardDelete(key)
        | Step::Restore(key)
        | Step::AssignGroup(key)
        | Step::UnassignGroup(key)
        | Step::DeleteGroup(key)
        | Step::ProvisionOnDemand(key)
        | Step::Wait(key) => format!("{} {key}", step_kind(step)),
        Step::App(call) | Step::Probe(call) => match call.user().or(call.group()) {
            Some(about) => format!("{} {} {about}", step_kind(step), call.name()),
            None => format!("{} {}", step_kind(step), call.name()),
        },
        Step::ExpectAccess(expect) => format!(
            "expect_access {} {}",
            expect.user,
            if expect.allowed { "allowed" } else { "denied" }
        ),
        other => step_kind(other).to_owned(),
    }
}

#[cfg(test)]
mod spoken_tests {
    use std::time::Duration;

    #[test]
    fn durations_are_spoken_as_people_write_them() {
        assert_eq!(super::spoken(Duration::from_secs(5400)), "1h 30m");
        assert_eq!(super::spoken(Duration::from_secs(2400)), "40m");
        assert_eq!(super::spoken(Duration::from_secs(12)), "12s");
    }
}
