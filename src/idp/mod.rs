//! The identity providers: the IdP's own [`directory`], and per IdP the exact wire behaviour
//! that turns a change in that directory into requests ([`okta`]).
//!
//! An IdP module knows nothing of the reference server or of the runner: it talks through the
//! [`wire::Wire`] trait, which the runner implements over its transport (recording every
//! exchange, scrubbing secrets, guarding what the run may touch). What each IdP sends is data a
//! reviewer can compare with `docs/idps/` line by line: headers, key order and encodings live in
//! the IdP's module next to the section they come from.
//!
//! Three IdPs, three timing models: [`okta`] and [`jumpcloud`] send each admin action at once
//! (Okta's provisioning tasks, JumpCloud's events), [`entra`] runs a provisioning job whose
//! cycles send the directory's net change every 40 minutes. Ids and filters share [`encode`].

pub mod directory;
pub mod encode;
pub mod entra;
pub mod evidence;
pub mod jumpcloud;
pub mod lookup;
mod name;
pub mod okta;
#[cfg(test)]
pub mod script;
pub mod settings;
pub mod wire;

pub use name::IdpName;

use crate::level::Level;

/// Whether an IdP's requests carry title-cased header names on the wire (`Accept-Charset`,
/// `User-Agent`), as Okta's request dumps show them (docs/idps/okta.md §2). HTTP header names are
/// case-insensitive, but a server that matches them byte for byte breaks on exactly this.
pub fn sends_title_case_headers(idp: IdpName) -> bool {
    matches!(idp, IdpName::Okta | IdpName::OktaAiw)
}

/// How long an IdP waits for an answer before it fails the request: Okta "60 seconds if Okta
/// doesn't receive anything from the socket" (docs/idps/okta.md §3.7). Entra's and JumpCloud's
/// are undocumented (`None`: the run's timeout applies).
pub fn request_timeout(idp: IdpName) -> Option<std::time::Duration> {
    matches!(idp, IdpName::Okta | IdpName::OktaAiw).then_some(std::time::Duration::from_secs(60))
}

/// One check an IdP action judged: what that IdP needs back to work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpCheck {
    /// Stable id, e.g. `okta.create.returns-201-with-id`.
    pub id: &'static str,
    pub level: Level,
    /// The section of `docs/idps/` (or `docs/application.md`) it rests on.
    pub source: &'static str,
    /// Empty when the check held.
    pub reasons: Vec<String>,
    /// Which of the action's requests (0-based, in the order sent) it judged.
    pub request: Option<usize>,
}

impl IdpCheck {
    pub fn new(id: &'static str, level: Level, source: &'static str) -> Self {
        IdpCheck {
            id,
            level,
            source,
            reasons: Vec::new(),
            request: None,
        }
    }

    pub fn on(mut self, request: usize) -> Self {
        self.request = Some(request);
        self
    }

    pub fn fail(mut self, reason: impl Into<String>) -> Self {
        self.reasons.push(reason.into());
        self
    }

    pub fn held(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// Why an action could not be carried out at all (as opposed to a check failing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdpError {
    #[error("no user `{0}` in the directory (define it with a `user:` step)")]
    UnknownUser(String),
    #[error("user `{0}` has no id in the target yet (assign it first)")]
    NotProvisioned(String),
    #[error("{0}")]
    Transport(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okta_waits_sixty_seconds_and_the_others_leave_it_to_the_run() {
        assert_eq!(
            request_timeout(IdpName::OktaAiw),
            Some(std::time::Duration::from_secs(60))
        );
        assert_eq!(request_timeout(IdpName::Entra), None);
        assert_eq!(request_timeout(IdpName::Jumpcloud), None);
    }
}
