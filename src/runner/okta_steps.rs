//! Okta's steps: each admin action in the directory goes on the wire at once, as Okta's
//! provisioning tasks do (docs/idps/okta.md §3), through [`crate::idp::okta`].

use super::idp_steps::{
    IdpState, StepContext, StepResult, StepWire, apply_update, judged, step_kind,
};
use crate::idp::directory::Directory;
use crate::idp::okta::{Okta, OktaFlavour, PushedGroup, PushedMember};
use crate::idp::{IdpCheck, IdpError};
use crate::scenario::model::{IdpName, Step};

/// Runs one Okta action step.
pub async fn run(
    step: &Step,
    context: &StepContext<'_>,
    state: &mut IdpState,
    mut wire: StepWire<'_>,
) -> StepResult {
    let okta = state
        .settings
        .okta
        .apply(Okta::new(if state.idp == IdpName::OktaAiw {
            OktaFlavour::Aiw
        } else {
            OktaFlavour::OinTemplate
        }));
    let first_exchange = wire.exchanges.len();
    let directory = &mut state.directory;
    let step_name = super::idp_steps::step_label(step);
    let judge = |outcome: Result<Vec<IdpCheck>, String>| {
        judged(outcome, context.index, &step_name, first_exchange)
            .unwrap_or_else(|message| context.error(step, message))
    };
    if matches!(
        step,
        Step::PushGroup(_)
            | Step::LinkGroup(_)
            | Step::AddMembers(_)
            | Step::RemoveMembers(_)
            | Step::UpdateMembers(_)
            | Step::RenameGroup(_)
            | Step::PushNow(_)
            | Step::UnlinkGroup(_)
    ) {
        let outcome = group_step(step, &okta, directory, context, &mut wire).await;
        return judge(outcome);
    }
    let outcome: Result<Vec<IdpCheck>, IdpError> = match step {
        Step::TestConnection => okta.test_connection(&mut wire).await,
        Step::ImportUsers => okta.import_users(&mut wire).await,
        Step::ImportGroups => okta.import_groups(&mut wire).await,
        Step::SetPassword(key) => {
            let Some(user) = directory.user_mut(key) else {
                return context.error(step, IdpError::UnknownUser(key.clone()).to_string());
            };
            okta.sync_password(user, &mut wire).await
        }
        Step::Suspend(key) => {
            let Some(user) = directory.user_mut(key) else {
                return context.error(step, IdpError::UnknownUser(key.clone()).to_string());
            };
            Ok(okta.suspend(user))
        }
        Step::Assign(key) | Step::Deactivate(key) | Step::Reactivate(key) | Step::Unassign(key) => {
            let Some(user) = directory.user_mut(key) else {
                return context.error(step, IdpError::UnknownUser(key.clone()).to_string());
            };
            match step {
                Step::Assign(_) => okta.assign(user, &mut wire).await,
                Step::Deactivate(_) => okta.deactivate(user, &mut wire).await,
                // Unassigning deprovisions as deactivation does (docs/idps/okta.md §3.5).
                Step::Unassign(_) => {
                    let outcome = okta.deactivate(user, &mut wire).await;
                    user.assigned = false;
                    outcome
                }
                _ => okta.reactivate(user, &mut wire).await,
            }
        }
        Step::UpdateUser(update) => {
            let Some(user) = directory.user_mut(&update.user) else {
                return context.error(step, IdpError::UnknownUser(update.user.clone()).to_string());
            };
            if let Err(message) = apply_update(user, update, context) {
                return context.error(step, message);
            }
            okta.update(user, &mut wire).await
        }
        _ => {
            return context.error(
                step,
                format!("step `{}` is not an Okta action", step_kind(step)),
            );
        }
    };
    judge(outcome.map_err(|failure| failure.to_string()))
}

/// The members Okta pushes: assigned, provisioned and active directory users
/// (docs/idps/okta.md §3.6.1: "Users who show as inactive in Okta aren't pushed").
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
    context: &StepContext<'_>,
    wire: &mut StepWire<'_>,
) -> Result<Vec<IdpCheck>, String> {
    let group_key = match step {
        Step::PushGroup(key) | Step::LinkGroup(key) | Step::PushNow(key) => key.clone(),
        Step::AddMembers(change) | Step::RemoveMembers(change) => change.group.clone(),
        Step::UpdateMembers(update) => update.group.clone(),
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
        Step::PushGroup(_) | Step::LinkGroup(_) => {
            let members = pushed_members(directory, &group.members);
            let checks = if matches!(step, Step::LinkGroup(_)) {
                okta.link_group(&mut pushed, &members, wire).await
            } else {
                okta.push_group(&mut pushed, &members, wire).await
            };
            if let Some(stored) = directory.group_mut(&group_key) {
                stored.pushed = pushed.target_id.is_some();
                stored.target_id = pushed.target_id.clone();
            }
            checks
        }
        Step::AddMembers(_) | Step::RemoveMembers(_) | Step::UpdateMembers(_) => {
            let (joining, leaving): (&[String], &[String]) = match step {
                Step::AddMembers(change) => (&change.users, &[]),
                Step::RemoveMembers(change) => (&[], &change.users),
                Step::UpdateMembers(update) => (&update.add, &update.remove),
                _ => (&[], &[]),
            };
            if let Some(unknown) = joining
                .iter()
                .chain(leaving)
                .find(|user| directory.user(user).is_none())
            {
                return Err(IdpError::UnknownUser(unknown.clone()).to_string());
            }
            let mut changed = group.clone();
            changed.change_members(false, leaving);
            changed.change_members(true, joining);
            let members = changed.members;
            if let Some(stored) = directory.group_mut(&group_key) {
                stored.members = members.clone();
            }
            if !group.pushed {
                return Ok(Vec::new());
            }
            let added = pushed_members(directory, joining);
            let removed = pushed_members(directory, leaving);
            let all = pushed_members(directory, &members);
            okta.update_group_members(&pushed, &added, &removed, &all, wire)
                .await
        }
        Step::RenameGroup(rename) => {
            let name = context.substitute(&rename.name)?;
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
