//! The lock-down: while SCIM is on, the identity provider owns users and groups, and the
//! application refuses to change them itself.
//!
//! Clockify's documentation lists what is locked once SCIM is connected ("What changes for our
//! team once SCIM is turned on?"): users cannot change their own name, leave the workspace or
//! auto-join it; admins cannot add, update or delete users, revoke invitations, change roles,
//! or create, update or delete groups. Each is an [`Action`]; [`check`] is the one place that
//! decides, so the `no-lockdown` quirk is one line. The time zone is deliberately not locked.

use super::error::{AppError, Code};
use super::workspace::Workspace;
use crate::server::Quirk;
use crate::server::quirks::Quirks;

/// A change the identity provider owns while SCIM is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ChangeOwnName,
    LeaveWorkspace,
    AutoJoin,
    AddUser,
    UpdateUser,
    ChangeUserStatus,
    ChangeUserRole,
    DeleteUser,
    Invite,
    RevokeInvitation,
    CreateGroup,
    UpdateGroup,
    DeleteGroup,
}

impl Action {
    /// What is managed, as the start of the refusal's message.
    fn subject(self) -> &'static str {
        match self {
            Action::ChangeOwnName => "your name",
            Action::LeaveWorkspace => "leaving the workspace",
            Action::AutoJoin => "joining the workspace",
            Action::AddUser => "adding users",
            Action::UpdateUser => "updating users",
            Action::ChangeUserStatus => "activating and deactivating users",
            Action::ChangeUserRole => "changing user roles",
            Action::DeleteUser => "deleting users",
            Action::Invite => "inviting users",
            Action::RevokeInvitation => "revoking invitations",
            Action::CreateGroup => "creating groups",
            Action::UpdateGroup => "updating groups",
            Action::DeleteGroup => "deleting groups",
        }
    }
}

/// The refusal of `action`, if SCIM is on (and `no-lockdown` is off).
pub fn refusal(scim_enabled: bool, quirks: &Quirks, action: Action) -> Option<AppError> {
    (scim_enabled && !quirks.has(Quirk::NoLockdown)).then(|| {
        AppError::new(
            Code::ScimManaged,
            format!(
                "{} is managed by your identity provider while SCIM is on",
                action.subject()
            ),
        )
    })
}

/// `Err` (403 `SCIM_MANAGED`) when the workspace's switch locks `action`.
pub fn check(workspace: &Workspace, quirks: &Quirks, action: Action) -> Result<(), AppError> {
    match refusal(workspace.scim_enabled(), quirks, action) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_enabled_switch_without_the_quirk_refuses() {
        let plain = Quirks::default();
        let quirky = Quirks::new([Quirk::NoLockdown]);
        assert!(refusal(false, &plain, Action::AddUser).is_none());
        assert!(refusal(true, &quirky, Action::AddUser).is_none());
        let error = refusal(true, &plain, Action::RevokeInvitation).unwrap();
        assert_eq!(error.code, Code::ScimManaged);
        assert_eq!(
            error.message,
            "revoking invitations is managed by your identity provider while SCIM is on"
        );
    }
}
