//! JumpCloud's steps: event-driven, like Okta's, but users reach the application only through
//! user groups bound to it (docs/idps/jumpcloud.md §1, §3): binding a group provisions its
//! members and the group, each membership or group change re-syncs every bound group with its
//! whole member list, every change to a user starts with a lookup, and a user left
//! without a bound group is deactivated (§6).

use super::idp_steps::{
    IdpState, StepContext, StepResult, StepWire, apply_update, judged, step_kind, step_label,
};
use crate::idp::directory::Directory;
use crate::idp::jumpcloud::{JumpCloud, SyncedGroup, SyncedMember};
use crate::idp::{IdpCheck, IdpError};
use crate::scenario::model::Step;

/// The test user JumpCloud's Test Connection creates and deletes (§1, §2: the admin's "Test User
/// Email", for targets that only accept verified domains: the target profile's
/// `data.email_domain`); the run's prefix keeps it apart from anything else in the target.
const TEST_USER_EMAIL: &str = "{{run.prefix}}-testuser@{{data.email_domain}}";

/// Whether a user is in a group bound to the app (other than `except`).
fn bound_elsewhere(directory: &Directory, user: &str, except: &str) -> bool {
    directory
        .groups()
        .any(|g| g.key != except && g.assigned && !g.deleted && g.members.iter().any(|m| m == user))
}

/// The members JumpCloud sends for a group: provisioned users, by the target's id.
fn synced_members(directory: &Directory, keys: &[String]) -> Vec<SyncedMember> {
    keys.iter()
        .filter_map(|key| directory.user(key))
        .filter(|user| !user.purged)
        .filter_map(|user| {
            Some(SyncedMember {
                target_id: user.target_id.clone()?,
            })
        })
        .collect()
}

/// Provisions (or reactivates) the users a bound group brings to the app.
async fn bring_in(
    jumpcloud: &JumpCloud,
    directory: &mut Directory,
    users: &[String],
    wire: &mut StepWire<'_>,
) -> Result<Vec<IdpCheck>, IdpError> {
    let mut checks = Vec::new();
    for key in users {
        let user = directory
            .user_mut(key)
            .ok_or_else(|| IdpError::UnknownUser(key.clone()))?;
        if user.purged {
            continue;
        }
        if user.target_id.is_none() {
            checks.extend(shifted(wire.exchanges.len(), jumpcloud.provision(user, wire)).await?);
            if !user.enabled && user.target_id.is_some() {
                checks.extend(
                    shifted(
                        wire.exchanges.len(),
                        jumpcloud.set_active(user, false, wire),
                    )
                    .await?,
                );
            }
        } else if !user.active && user.enabled {
            checks.extend(
                shifted(wire.exchanges.len(), jumpcloud.set_active(user, true, wire)).await?,
            );
        }
    }
    Ok(checks)
}

/// Deactivates the users a group no longer gives access, unless another bound group does (§6).
async fn let_go(
    jumpcloud: &JumpCloud,
    directory: &mut Directory,
    group: &str,
    users: &[String],
    wire: &mut StepWire<'_>,
) -> Result<Vec<IdpCheck>, IdpError> {
    let mut checks = Vec::new();
    for key in users {
        if bound_elsewhere(directory, key, group) {
            continue;
        }
        if let Some(user) = directory.user_mut(key)
            && user.target_id.is_some()
            && user.active
        {
            checks.extend(
                shifted(
                    wire.exchanges.len(),
                    jumpcloud.set_active(user, false, wire),
                )
                .await?,
            );
        }
    }
    Ok(checks)
}

/// A group or membership change event: JumpCloud syncs the bound group with its whole member
/// list (§7): an add of every member to a group it created or took over, or, for a group never
/// created (empty groups are not), the lookup and create.
async fn resync(
    jumpcloud: &JumpCloud,
    directory: &mut Directory,
    key: &str,
    wire: &mut StepWire<'_>,
) -> Result<Vec<IdpCheck>, String> {
    let group = directory
        .group(key)
        .cloned()
        .ok_or_else(|| format!("no group `{key}` in the directory"))?;
    let mut synced = SyncedGroup {
        name: group.name.clone(),
        target_id: group.target_id.clone(),
    };
    let members = synced_members(directory, &group.members);
    let base = wire.exchanges.len();
    let outcome = match &synced.target_id {
        Some(_) => shifted(base, jumpcloud.add_members(&synced, &members, wire)).await,
        None => shifted(base, jumpcloud.sync_group(&mut synced, &members, wire)).await,
    };
    if let Some(stored) = directory.group_mut(key) {
        stored.target_id = synced.target_id;
    }
    outcome.map_err(|e| e.to_string())
}

/// The rest of a membership or group event: "any membership or group change re-syncs all user
/// groups bound to the app" (docs/idps/jumpcloud.md §7.1, *documented*), so every other bound
/// group the app holds gets its whole member list again, in the order the groups were defined.
async fn resync_others(
    jumpcloud: &JumpCloud,
    directory: &mut Directory,
    changed: &str,
    wire: &mut StepWire<'_>,
) -> Result<Vec<IdpCheck>, String> {
    let others: Vec<String> = directory
        .groups()
        .filter(|g| g.key != changed && g.assigned && !g.deleted && g.target_id.is_some())
        .map(|g| g.key.clone())
        .collect();
    let mut checks = Vec::new();
    for key in others {
        checks.extend(resync(jumpcloud, directory, &key, wire).await?);
    }
    Ok(checks)
}

/// An action's checks with their request numbers made absolute: a step may run several
/// actions, each counting its requests from 0.
async fn shifted(
    base: usize,
    action: impl std::future::Future<Output = Result<Vec<IdpCheck>, IdpError>>,
) -> Result<Vec<IdpCheck>, IdpError> {
    let mut checks = action.await?;
    for check in &mut checks {
        check.request = check.request.map(|r| base + r);
    }
    Ok(checks)
}

/// Runs one JumpCloud action step.
pub async fn run(
    step: &Step,
    context: &StepContext<'_>,
    state: &mut IdpState,
    mut wire: StepWire<'_>,
) -> StepResult {
    let jumpcloud = state.settings.jumpcloud.apply(JumpCloud::default());
    let step_name = step_label(step);
    let outcome = action(step, context, &jumpcloud, &mut state.directory, &mut wire).await;
    // Request numbers are already absolute (see `shifted`).
    judged(outcome, context.index, &step_name, 0)
        .unwrap_or_else(|message| context.error(step, message))
}

async fn action(
    step: &Step,
    context: &StepContext<'_>,
    jumpcloud: &JumpCloud,
    directory: &mut Directory,
    wire: &mut StepWire<'_>,
) -> Result<Vec<IdpCheck>, String> {
    let unknown_group =
        |key: &str| format!("no group `{key}` in the directory (define it with a `group:` step)");
    let checks = match step {
        Step::TestConnection => {
            let email = context.substitute(TEST_USER_EMAIL)?;
            shifted(
                wire.exchanges.len(),
                jumpcloud.test_connection(&email, wire),
            )
            .await
        }
        Step::ImportUsers => shifted(wire.exchanges.len(), jumpcloud.import_users(wire)).await,
        Step::AssignGroup(key) => {
            let group = directory
                .group(key)
                .cloned()
                .ok_or_else(|| unknown_group(key))?;
            let mut checks = bring_in(jumpcloud, directory, &group.members, wire)
                .await
                .map_err(|e| e.to_string())?;
            checks.extend(resync(jumpcloud, directory, key, wire).await?);
            if let Some(stored) = directory.group_mut(key) {
                stored.assigned = true;
            }
            checks.extend(resync_others(jumpcloud, directory, key, wire).await?);
            Ok(checks)
        }
        Step::UnassignGroup(key) | Step::DeleteGroup(key) => {
            let group = directory
                .group(key)
                .cloned()
                .ok_or_else(|| unknown_group(key))?;
            if let Some(stored) = directory.group_mut(key) {
                stored.assigned = false;
                stored.deleted |= matches!(step, Step::DeleteGroup(_));
            }
            let mut checks = Vec::new();
            if group.assigned {
                // A deleted managed group is deleted in the app; an unbound one is left as it
                // is (§7.1). Either way its members lose access through it (§6).
                if matches!(step, Step::DeleteGroup(_)) && group.target_id.is_some() {
                    let mut synced = SyncedGroup {
                        name: group.name.clone(),
                        target_id: group.target_id.clone(),
                    };
                    checks.extend(
                        shifted(
                            wire.exchanges.len(),
                            jumpcloud.delete_group(&mut synced, wire),
                        )
                        .await
                        .map_err(|e| e.to_string())?,
                    );
                    if let Some(stored) = directory.group_mut(key) {
                        stored.target_id = synced.target_id;
                    }
                }
                checks.extend(
                    let_go(jumpcloud, directory, key, &group.members, wire)
                        .await
                        .map_err(|e| e.to_string())?,
                );
            }
            Ok(checks)
        }
        Step::AddMembers(change) | Step::RemoveMembers(change) => {
            if let Some(unknown) = change.users.iter().find(|u| directory.user(u).is_none()) {
                return Err(IdpError::UnknownUser(unknown.clone()).to_string());
            }
            let adding = matches!(step, Step::AddMembers(_));
            let group = directory
                .group_mut(&change.group)
                .ok_or_else(|| unknown_group(&change.group))?;
            group.change_members(adding, &change.users);
            let group = group.clone();
            if !group.assigned {
                return Ok(Vec::new());
            }
            let synced = SyncedGroup {
                name: group.name.clone(),
                target_id: group.target_id.clone(),
            };
            let mut checks = Vec::new();
            if adding {
                checks.extend(
                    bring_in(jumpcloud, directory, &change.users, wire)
                        .await
                        .map_err(|e| e.to_string())?,
                );
                checks.extend(resync(jumpcloud, directory, &change.group, wire).await?);
            } else {
                if synced.target_id.is_some() {
                    let removed = synced_members(directory, &change.users);
                    checks.extend(
                        shifted(
                            wire.exchanges.len(),
                            jumpcloud.remove_members(&synced, &removed, wire),
                        )
                        .await
                        .map_err(|e| e.to_string())?,
                    );
                }
                checks.extend(
                    let_go(jumpcloud, directory, &change.group, &change.users, wire)
                        .await
                        .map_err(|e| e.to_string())?,
                );
            }
            checks.extend(resync_others(jumpcloud, directory, &change.group, wire).await?);
            Ok(checks)
        }
        Step::RenameGroup(rename) => {
            let name = context.substitute(&rename.name)?;
            let group = directory
                .group_mut(&rename.group)
                .ok_or_else(|| unknown_group(&rename.group))?;
            group.name = name;
            let group = group.clone();
            if !group.assigned || group.target_id.is_none() {
                return Ok(Vec::new());
            }
            let synced = SyncedGroup {
                name: group.name.clone(),
                target_id: group.target_id.clone(),
            };
            let members = synced_members(directory, &group.members);
            let mut checks = shifted(
                wire.exchanges.len(),
                jumpcloud.rename_group(&synced, &members, wire),
            )
            .await
            .map_err(|e| e.to_string())?;
            checks.extend(resync_others(jumpcloud, directory, &rename.group, wire).await?);
            Ok(checks)
        }
        Step::UpdateUser(update) => {
            let user = directory
                .user_mut(&update.user)
                .ok_or_else(|| IdpError::UnknownUser(update.user.clone()).to_string())?;
            apply_update(user, update, context)?;
            if user.target_id.is_none() {
                return Ok(Vec::new());
            }
            shifted(wire.exchanges.len(), jumpcloud.update(user, wire)).await
        }
        Step::Suspend(key) | Step::Deactivate(key) | Step::Reactivate(key) => {
            let enabled = matches!(step, Step::Reactivate(_));
            let in_scope = directory.in_scope(key);
            let user = directory
                .user_mut(key)
                .ok_or_else(|| IdpError::UnknownUser(key.clone()).to_string())?;
            user.enabled = enabled;
            // Suspension deactivates at once (§6); reactivation only reaches a user a bound
            // group still gives access.
            if user.target_id.is_none() || user.active == enabled || (enabled && !in_scope) {
                return Ok(Vec::new());
            }
            shifted(
                wire.exchanges.len(),
                jumpcloud.set_active(user, enabled, wire),
            )
            .await
        }
        Step::HardDelete(key) => {
            let user = directory
                .user_mut(key)
                .ok_or_else(|| IdpError::UnknownUser(key.clone()).to_string())?;
            user.purged = true;
            if user.target_id.is_none() {
                return Ok(Vec::new());
            }
            shifted(wire.exchanges.len(), jumpcloud.delete(user, wire)).await
        }
        _ => {
            return Err(format!(
                "step `{}` is not a JumpCloud action",
                step_kind(step)
            ));
        }
    };
    checks.map_err(|e| e.to_string())
}
