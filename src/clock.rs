//! Time as every part of scimulate sees it.
//!
//! The reference server stamps `meta.created` and `meta.lastModified` from a [`Clock`], and the
//! IdP models (Entra's 40-minute cycles, its 30-day hard delete) will advance the same clock, so
//! that a run is deterministic and instant by default ([`VirtualClock`]) and real on request
//! ([`SystemClock`]). It lives at the crate root because both the server and the IdP side use it
//! and neither may depend on the other.

use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};

/// A source of the current instant.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that moves only when told to: waiting 40 minutes costs nothing and every run sees
/// the same instants.
#[derive(Debug)]
pub struct VirtualClock {
    nanos: AtomicI64,
}

impl VirtualClock {
    /// A clock standing at `start`.
    pub fn starting_at(start: Timestamp) -> Self {
        let nanos = i64::try_from(start.as_nanosecond()).unwrap_or(i64::MAX);
        VirtualClock {
            nanos: AtomicI64::new(nanos),
        }
    }

    /// Moves the clock forward; a negative duration is ignored, so time never runs backwards.
    pub fn advance(&self, by: SignedDuration) {
        let step = i64::try_from(by.as_nanos()).unwrap_or(i64::MAX).max(0);
        let _ = self
            .nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(step))
            });
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Timestamp {
        let nanos = self.nanos.load(Ordering::SeqCst);
        Timestamp::from_nanosecond(i128::from(nanos)).unwrap_or(Timestamp::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_moves_only_forward_and_only_when_told() {
        // Arrange
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let clock = VirtualClock::starting_at(start);

        // Act
        clock.advance(SignedDuration::from_mins(40));
        clock.advance(SignedDuration::from_mins(-10));

        // Assert
        assert_eq!(clock.now().to_string(), "2026-01-01T00:40:00Z");
    }
}
