//! Interrupts: the first Ctrl-C or SIGTERM ends a run cleanly, the second leaves at once.
//!
//! A run creates users and groups in someone's server; killing it at once would leave them
//! there, and print nothing of what was found. So the first signal is a request: no scenario
//! run starts after it, a running one stops before its next step (a real-clock wait ends at
//! once), deletes what it created as it always does, and the report is printed and written,
//! saying it was interrupted; the exit code is 130 (SIGINT) or 143 (SIGTERM). The binary's
//! listener (`cli`) leaves at once on the second signal.
//!
//! The request is process-wide: a signal is addressed to the process, and every run in it
//! obeys.

use std::sync::atomic::{AtomicU8, Ordering};

use tokio::sync::Notify;

/// The marker of a scenario run that a stop request kept from starting; such runs are left out
/// of the report, which counts them.
pub const NOT_STARTED: &str = "not started: the run was interrupted";

/// What the runs in flight created and have not deleted yet (`/Users/7`), for the second
/// signal to name as it leaves: the target's owner has to find them.
static OUTSTANDING: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// A run created this resource (a path below the base URL).
pub fn created(path: String) {
    if let Ok(mut outstanding) = OUTSTANDING.lock() {
        outstanding.push(path);
    }
}

/// A run deleted this resource, or found it gone.
pub fn deleted(path: &str) {
    if let Ok(mut outstanding) = OUTSTANDING.lock()
        && let Some(at) = outstanding.iter().position(|p| p == path)
    {
        outstanding.remove(at);
    }
}

/// What the runs in flight created and have not deleted, oldest first.
pub fn outstanding() -> Vec<String> {
    OUTSTANDING.lock().map(|o| o.clone()).unwrap_or_default()
}

/// How to find what stays behind when it is not listed one by one: a load of 100,000 users
/// keeps its ids in its own tables, and its names share one prefix.
static LEFTOVER_HINT: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Says how to find what this process's work leaves behind if it is cut short.
pub fn describe_leftovers(hint: String) {
    if let Ok(mut slot) = LEFTOVER_HINT.lock() {
        *slot = Some(hint);
    }
}

/// What stays behind if the process leaves now, in words; `None` when nothing does.
pub fn leftovers() -> Option<String> {
    let listed = outstanding();
    if !listed.is_empty() {
        return Some(format!(
            "{} resource(s) the run created stay in the target: {}",
            listed.len(),
            listed.join(", ")
        ));
    }
    LEFTOVER_HINT.lock().ok().and_then(|hint| hint.clone())
}

/// No signal yet; otherwise the [`Signal`]'s number.
static REQUESTED: AtomicU8 = AtomicU8::new(0);
static NOTIFY: Notify = Notify::const_new();

/// The signal that asked the run to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C.
    Interrupt,
    /// `kill`, a CI runner cancelling the job.
    Terminate,
}

impl Signal {
    fn number(self) -> u8 {
        match self {
            Signal::Interrupt => 2,
            Signal::Terminate => 15,
        }
    }

    fn from_number(number: u8) -> Option<Signal> {
        match number {
            2 => Some(Signal::Interrupt),
            15 => Some(Signal::Terminate),
            _ => None,
        }
    }

    /// `SIGINT`, `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    /// The shell's convention: 128 plus the signal's number (130, 143).
    pub fn exit_code(self) -> u8 {
        128 + self.number()
    }
}

/// Asks every run in the process to stop; whether this was the first request.
pub fn request(signal: Signal) -> bool {
    let first = REQUESTED
        .compare_exchange(0, signal.number(), Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    NOTIFY.notify_waiters();
    first
}

/// The signal that asked the run to stop, if one did.
pub fn requested() -> Option<Signal> {
    Signal::from_number(REQUESTED.load(Ordering::SeqCst))
}

/// Resolves once a stop is requested (at once if it already was).
pub async fn stopped() {
    loop {
        let notified = NOTIFY.notified();
        if requested().is_some() {
            return;
        }
        notified.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_exit_with_the_shell_s_codes() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
        assert_eq!(
            Signal::from_number(Signal::Terminate.number()),
            Some(Signal::Terminate)
        );
    }
}
