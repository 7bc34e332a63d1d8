//! Entra's memory of what failed: per-object escrow with its retry schedule, and the job-level
//! quarantine (docs/idps/entra.md §10).
//!
//! Pure rules over instants, so that the schedule can be tested without a target: an object
//! whose request failed waits in escrow and is retried at the next cycle, then 6 h, 12 h and
//! 24 h after its first failure, then every 24 h, and given up 28 days after its first failure
//! (docs/idps/entra.md §10.2: a 2026 provisioning log shows the retry in the next cycle and the
//! next one about 6 h later, *observed*, as an earlier revision of Microsoft's quarantine
//! article said, *documented*; the 6 h / 12 h / 24 h / daily / 28-day steps after the first
//! failure are the current article's "Retry duration", *documented*). A job is quarantined on invalid credentials, on SCIM non-compliance (a filter
//! query answered 404), or when failures cross the escrow-proportion thresholds; while quarantined
//! its cycles slow down gradually to one a day, it leaves quarantine after a cycle without
//! failures, and it is disabled after four weeks (Microsoft Learn, quarantine article).

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

/// How long an escrowed object is retried before it is given up (§10).
pub const ESCROW_LIMIT: SignedDuration = SignedDuration::from_hours(28 * 24);
/// The regular interval between cycles (§5).
pub const CYCLE_INTERVAL: SignedDuration = SignedDuration::from_mins(40);
/// The slowest a quarantined job runs (§10: "falls gradually to once per day").
pub const QUARANTINE_SLOWEST: SignedDuration = SignedDuration::from_hours(24);
/// How long a job may stay in quarantine before it is disabled (§10).
pub const QUARANTINE_LIMIT: SignedDuration = SignedDuration::from_hours(28 * 24);
/// Quarantine by volume is evaluated from this many failures on, reference failures included
/// (§10.3: "5,000 failures are the minimum to start evaluating").
pub const PROPORTION_FLOOR: u64 = 5_000;
/// More than this share of failed provisioning events quarantines the job, reference events
/// left out (§10.3).
pub const PROPORTION_PERCENT: u64 = 40;
/// More failures than this quarantine the job whatever their share, reference failures left
/// out (§10.3).
pub const FAILURE_CEILING: u64 = 40_000;
/// More failures than this quarantine the job, reference failures included (§10.3: "an
/// absolute threshold of 60,000 failures").
pub const ABSOLUTE_CEILING: u64 = 60_000;

/// When an object that failed for the n-th time (1-based) at `now`, first at `first`, is
/// retried (§10.2): after its first failure, one cycle interval later (cycles never run closer
/// than that, so the retry falls due at the next cycle); after the second, 6 h after the first
/// failure; then 12 h, 24 h, and every further 24 h after it. A retry is never due in the cycle
/// that failed: a slowed-down (quarantined) job that is past a step retries at its next cycle.
pub fn retry_due(first: Timestamp, failures: u32, now: Timestamp) -> Timestamp {
    let since_first = match failures {
        0 | 1 => return now + CYCLE_INTERVAL,
        2 => SignedDuration::from_hours(6),
        3 => SignedDuration::from_hours(12),
        n => SignedDuration::from_hours(24 * i64::from(n - 3)),
    };
    (first + since_first).max(now + CYCLE_INTERVAL)
}

/// One object waiting for a retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub first_failed: Timestamp,
    pub failures: u32,
    pub due: Timestamp,
    /// Why the last attempt failed.
    pub reason: String,
}

/// Escrowed objects by key (`user:ada`, `group:eng`).
#[derive(Debug, Clone, Default)]
pub struct Escrow {
    entries: BTreeMap<String, Entry>,
}

/// What became of a failed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Escrowed {
    /// Retried at this instant.
    RetryAt(Timestamp),
    /// Failing for 28 days: no more retries.
    GivenUp,
}

impl Escrow {
    /// Records a failure at `now`.
    pub fn fail(&mut self, key: &str, now: Timestamp, reason: String) -> Escrowed {
        let entry = self.entries.entry(key.to_owned()).or_insert(Entry {
            first_failed: now,
            failures: 0,
            due: now,
            reason: String::new(),
        });
        entry.failures += 1;
        entry.reason = reason;
        if now.duration_since(entry.first_failed) >= ESCROW_LIMIT {
            self.entries.remove(key);
            return Escrowed::GivenUp;
        }
        entry.due = retry_due(entry.first_failed, entry.failures, now);
        Escrowed::RetryAt(entry.due)
    }

    /// The object went through: out of escrow.
    pub fn succeed(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// Whether an escrowed object must wait: in escrow and not yet due.
    pub fn waiting(&self, key: &str, now: Timestamp) -> bool {
        self.entries.get(key).is_some_and(|e| e.due > now)
    }

    /// Whether the object is in escrow and due for its retry.
    pub fn due(&self, key: &str, now: Timestamp) -> bool {
        self.entries.get(key).is_some_and(|e| e.due <= now)
    }

    /// Whether any object is due for its retry.
    pub fn any_due(&self, now: Timestamp) -> bool {
        self.entries.values().any(|e| e.due <= now)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.get(key)
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Why a job is quarantined, in Entra's words (§10.3, Microsoft Learn, quarantine article).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuarantineReason {
    /// Invalid credentials: the target answered 401 or 403.
    InvalidCredentials,
    /// "SCIM Compliance issue: An HTTP/404 Not Found response was returned rather than the
    /// expected HTTP/200" on a filter query.
    FilterAnswered404,
    /// Failures crossed the escrow-proportion thresholds.
    EscrowProportion,
}

impl QuarantineReason {
    pub fn describe(&self) -> &'static str {
        match self {
            QuarantineReason::InvalidCredentials => {
                "EncounteredQuarantineException: the target refused the credentials (401/403)"
            }
            QuarantineReason::FilterAnswered404 => {
                "SCIM compliance issue: a filter query answered HTTP/404 Not Found rather than HTTP/200 with an empty ListResponse"
            }
            QuarantineReason::EscrowProportion => {
                "EncounteredEscrowProportionThreshold: too many of the cycle's operations failed"
            }
        }
    }
}

/// What one cycle saw, for the quarantine rules (§10.3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CycleTally {
    /// Provisioning events: objects the cycle sent requests for (a create, an update, a
    /// disable, a delete), reference updates left out.
    pub events: u64,
    /// The provisioning events that failed.
    pub failures: u64,
    /// Reference updates sent: a user's manager, a group's members ("failure to update a
    /// manager or a group member is a reference failure").
    pub reference_events: u64,
    /// The reference updates that failed.
    pub reference_failures: u64,
    pub unauthorized: bool,
    pub filter_404: bool,
}

impl CycleTally {
    /// Failures of every kind.
    pub fn all_failures(&self) -> u64 {
        self.failures + self.reference_failures
    }

    /// Whether the cycle sent anything at all.
    pub fn any_events(&self) -> bool {
        self.events + self.reference_events > 0
    }
}

/// The quarantine a cycle's tally calls for, if any (§10.3): invalid credentials or a SCIM
/// compliance failure whatever the counts; by volume, once there are at least 5,000 failures,
/// more than 40 % of the provisioning events failed or more than 40,000 of them did (reference
/// failures left out of both), or more than 60,000 failures of every kind.
pub fn quarantine_for(tally: &CycleTally) -> Option<QuarantineReason> {
    if tally.unauthorized {
        return Some(QuarantineReason::InvalidCredentials);
    }
    if tally.filter_404 {
        return Some(QuarantineReason::FilterAnswered404);
    }
    if tally.all_failures() < PROPORTION_FLOOR {
        return None;
    }
    let share = tally.failures * 100 > tally.events * PROPORTION_PERCENT;
    let many = tally.failures > FAILURE_CEILING;
    let absolute = tally.all_failures() > ABSOLUTE_CEILING;
    (share || many || absolute).then_some(QuarantineReason::EscrowProportion)
}

/// A job in quarantine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantine {
    pub reason: QuarantineReason,
    pub since: Timestamp,
    /// The current gap between cycles: it doubles each quarantined cycle, up to a day.
    pub interval: SignedDuration,
}

impl Quarantine {
    pub fn new(reason: QuarantineReason, since: Timestamp) -> Self {
        Quarantine {
            reason,
            since,
            interval: CYCLE_INTERVAL,
        }
    }

    /// The gap before the next cycle; slows down one step each time it is asked.
    pub fn next_interval(&mut self) -> SignedDuration {
        self.interval = (self.interval * 2).min(QUARANTINE_SLOWEST);
        self.interval
    }

    /// Four weeks in quarantine: Entra disables the job.
    pub fn expired(&self, now: Timestamp) -> bool {
        now.duration_since(self.since) >= QUARANTINE_LIMIT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + SignedDuration::from_hours(hours)
    }

    #[test]
    fn an_object_is_retried_at_the_next_cycle_then_6_12_24_hours_after_its_first_failure_then_daily_until_28_days()
     {
        // Arrange
        let mut escrow = Escrow::default();
        let next_cycle = at(0) + CYCLE_INTERVAL;

        // Act: each retry fails at the instant it falls due.
        let first = escrow.fail("user:ada", at(0), "409".into());
        let waiting_in_its_cycle = escrow.waiting("user:ada", at(0));
        let due_at_the_next = escrow.due("user:ada", next_cycle);
        let second = escrow.fail("user:ada", next_cycle, "409".into());
        let third = escrow.fail("user:ada", at(6), "409".into());
        let fourth = escrow.fail("user:ada", at(12), "409".into());
        let fifth = escrow.fail("user:ada", at(24), "409".into());
        let waiting = escrow.waiting("user:ada", at(47));
        let late = escrow.fail("user:ada", at(60), "409".into());
        let before_the_limit = escrow.fail(
            "user:ada",
            at(28 * 24) - SignedDuration::from_mins(1),
            "409".into(),
        );
        let last = escrow.fail("user:ada", at(28 * 24), "409".into());

        // Assert
        assert_eq!(first, Escrowed::RetryAt(next_cycle));
        assert!(
            waiting_in_its_cycle,
            "not retried again in the cycle that failed"
        );
        assert!(due_at_the_next);
        assert_eq!(second, Escrowed::RetryAt(at(6)));
        assert_eq!(third, Escrowed::RetryAt(at(12)));
        assert_eq!(fourth, Escrowed::RetryAt(at(24)));
        assert_eq!(fifth, Escrowed::RetryAt(at(48)));
        assert!(waiting);
        assert_eq!(
            late,
            Escrowed::RetryAt(at(72)),
            "a retry made late keeps the daily steps"
        );
        assert!(matches!(before_the_limit, Escrowed::RetryAt(_)));
        assert_eq!(last, Escrowed::GivenUp);
        assert!(escrow.is_empty());
    }

    #[test]
    fn a_retry_past_its_step_is_due_at_the_next_cycle_not_in_the_one_that_failed() {
        // A quarantined job whose daily cycle comes after the 6 h step.
        assert_eq!(retry_due(at(0), 2, at(30)), at(30) + CYCLE_INTERVAL);
    }

    #[test]
    fn quarantine_follows_credentials_compliance_and_proportion() {
        let tally = |events, failures| CycleTally {
            events,
            failures,
            ..CycleTally::default()
        };
        assert_eq!(
            quarantine_for(&tally(100, 100)),
            None,
            "below the 5,000 floor"
        );
        assert_eq!(
            quarantine_for(&tally(10_000, 5_000)),
            Some(QuarantineReason::EscrowProportion)
        );
        assert_eq!(quarantine_for(&tally(20_000, 5_000)), None, "25 % only");
        assert_eq!(
            quarantine_for(&tally(200_000, 40_001)),
            Some(QuarantineReason::EscrowProportion)
        );
        let unauthorized = CycleTally {
            unauthorized: true,
            ..CycleTally::default()
        };
        assert_eq!(
            quarantine_for(&unauthorized),
            Some(QuarantineReason::InvalidCredentials)
        );
    }

    /// A cycle of `events` provisioning events of which `failures` failed, and of
    /// `reference_events` reference updates of which `reference_failures` failed.
    fn cycle(
        events: u64,
        failures: u64,
        reference_events: u64,
        reference_failures: u64,
    ) -> CycleTally {
        CycleTally {
            events,
            failures,
            reference_events,
            reference_failures,
            ..CycleTally::default()
        }
    }

    #[test]
    fn the_volume_rules_hold_at_their_edges_as_microsoft_states_them() {
        let quarantined = Some(QuarantineReason::EscrowProportion);
        for (tally, expected, why) in [
            // The floor: 5,000 failures of every kind start the evaluation.
            (
                cycle(4_999, 4_999, 0, 0),
                None,
                "4,999 failures, all of them",
            ),
            (
                cycle(5_000, 5_000, 0, 0),
                quarantined.clone(),
                "5,000 failures, all of them",
            ),
            (
                cycle(4_000, 4_000, 1_000, 1_000),
                quarantined.clone(),
                "reference failures count toward the floor",
            ),
            // 40 %: over it, not at it; reference events and failures left out.
            (cycle(12_500, 5_000, 0, 0), None, "exactly 40 %"),
            (
                cycle(12_499, 5_000, 0, 0),
                quarantined.clone(),
                "just over 40 %",
            ),
            (
                cycle(100_000, 1_000, 10_000, 10_000),
                None,
                "reference failures are not in the 40 %",
            ),
            // The microsoft examples.
            (
                cycle(45_000, 45_000, 0, 0),
                quarantined.clone(),
                "45,000 users failed",
            ),
            (
                cycle(35_000, 30_000, 0, 0),
                quarantined.clone(),
                "30,000 failed, 5,000 succeeded",
            ),
            (
                cycle(120_000, 20_000, 0, 0),
                None,
                "20,000 failures and 100,000 successes",
            ),
            (
                cycle(1_000_000, 40_000, 21_000, 21_000),
                quarantined.clone(),
                "40,000 users and 21,000 managers: 61,000",
            ),
            // 40,000: over it, reference failures left out.
            (cycle(1_000_000, 40_000, 0, 0), None, "exactly 40,000"),
            (
                cycle(1_000_000, 40_001, 0, 0),
                quarantined.clone(),
                "40,001",
            ),
            (
                cycle(1_000_000, 30_000, 30_000, 10_000),
                None,
                "40,000 with reference failures",
            ),
            // 60,000 of every kind: over it.
            (
                cycle(1_000_000, 30_000, 100_000, 30_000),
                None,
                "exactly 60,000",
            ),
            (
                cycle(1_000_000, 30_000, 100_000, 30_001),
                quarantined.clone(),
                "60,001",
            ),
            (
                cycle(1_000_000, 0, 100_000, 60_001),
                quarantined.clone(),
                "60,001 reference failures",
            ),
        ] {
            assert_eq!(quarantine_for(&tally), expected, "{why}: {tally:?}");
        }
    }

    #[test]
    fn a_quarantined_job_slows_to_once_a_day_and_expires_after_four_weeks() {
        // Arrange
        let mut quarantine = Quarantine::new(QuarantineReason::FilterAnswered404, at(0));

        // Act
        let intervals: Vec<i64> = (0..7)
            .map(|_| quarantine.next_interval().as_mins())
            .collect();

        // Assert
        assert_eq!(intervals, [80, 160, 320, 640, 1280, 1440, 1440]);
        assert!(!quarantine.expired(at(27 * 24)));
        assert!(quarantine.expired(at(28 * 24)));
    }
}
