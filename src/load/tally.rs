//! What a load run counts: latencies per kind of request, answers by status, transport errors,
//! and the IdP's checks that failed, all of fixed size whatever the number of requests.
//!
//! Each worker keeps its own tally (no lock on the hot path); a phase merges them at its end.

use std::collections::BTreeMap;

use serde::Serialize;

use super::histogram::Histogram;
use crate::idp::IdpCheck;

/// How many example messages are kept per failed check and per transport error kind.
pub const EXAMPLES_KEPT: usize = 3;

/// The requests of one kind (`POST /Users`, `GET /Users?filter`, …).
#[derive(Debug, Clone, Default)]
pub struct KindTally {
    pub latency: Histogram,
    /// Answers outside 2xx, and requests that got no answer.
    pub errors: u64,
}

/// Failures with a count and the first few messages.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Failures {
    pub count: u64,
    pub examples: Vec<String>,
}

impl Failures {
    fn add(&mut self, message: impl FnOnce() -> String) {
        self.count += 1;
        if self.examples.len() < EXAMPLES_KEPT {
            self.examples.push(message());
        }
    }

    fn merge(&mut self, other: Failures) {
        self.count += other.count;
        for example in other.examples {
            if self.examples.len() < EXAMPLES_KEPT {
                self.examples.push(example);
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub kinds: BTreeMap<&'static str, KindTally>,
    pub statuses: BTreeMap<u16, u64>,
    /// Requests that got no answer, by what happened ("timed out", "could not connect", …).
    pub transport: BTreeMap<String, Failures>,
    /// The IdP's checks that failed, by check id.
    pub checks: BTreeMap<&'static str, Failures>,
    /// Checks judged (held or not).
    pub judged: u64,
    pub unauthorized: bool,
    /// A lookup by filter answered 404 (Entra quarantines on it, docs/idps/entra.md §10.1).
    pub filter_404: bool,
}

impl Tally {
    pub fn requests(&self) -> u64 {
        self.kinds.values().map(|k| k.latency.count()).sum()
    }

    pub fn errors(&self) -> u64 {
        self.kinds.values().map(|k| k.errors).sum()
    }

    pub fn failed_checks(&self) -> u64 {
        self.checks.values().map(|f| f.count).sum()
    }

    pub fn answered(&mut self, kind: &'static str, micros: u64, status: u16) {
        let entry = self.kinds.entry(kind).or_default();
        entry.latency.record(micros);
        if !(200..300).contains(&status) {
            entry.errors += 1;
        }
        *self.statuses.entry(status).or_default() += 1;
        if matches!(status, 401 | 403) {
            self.unauthorized = true;
        }
    }

    pub fn unanswered(&mut self, kind: &'static str, micros: u64, error: &str) {
        let entry = self.kinds.entry(kind).or_default();
        entry.latency.record(micros);
        entry.errors += 1;
        let what = error.split(':').next().unwrap_or(error).to_owned();
        self.transport
            .entry(what)
            .or_default()
            .add(|| format!("{kind}: {error}"));
    }

    /// Counts the IdP's checks; the failed ones with their reasons (already scrubbed: they
    /// quote answers that went through the transport's scrubber).
    pub fn judge(&mut self, checks: &[IdpCheck]) {
        self.judge_hiding(checks, &[]);
    }

    /// [`Tally::judge`], with `secrets` (a password the request carried, which a target may
    /// quote back in an error) redacted from the examples kept.
    pub fn judge_hiding(&mut self, checks: &[IdpCheck], secrets: &[&str]) {
        for check in checks {
            self.judged += 1;
            if !check.held() {
                self.checks.entry(check.id).or_default().add(|| {
                    let mut reasons = check.reasons.join("; ");
                    for secret in secrets.iter().filter(|s| !s.is_empty()) {
                        reasons = reasons.replace(secret, "<redacted>");
                    }
                    reasons
                });
            }
        }
    }

    pub fn merge(&mut self, other: Tally) {
        for (kind, theirs) in other.kinds {
            let mine = self.kinds.entry(kind).or_default();
            mine.latency.merge(&theirs.latency);
            mine.errors += theirs.errors;
        }
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        for (what, failures) in other.transport {
            self.transport.entry(what).or_default().merge(failures);
        }
        for (id, failures) in other.checks {
            self.checks.entry(id).or_default().merge(failures);
        }
        self.judged += other.judged;
        self.unauthorized |= other.unauthorized;
        self.filter_404 |= other.filter_404;
    }
}

/// The kind of a request, for the latency table: method, resource type, and whether it is a
/// lookup by filter, a read or write by id, or a create.
pub fn kind(method: &str, path: &str) -> &'static str {
    let (resource, rest) = if let Some(rest) = path.strip_prefix("/Users") {
        ("Users", rest)
    } else if let Some(rest) = path.strip_prefix("/Groups") {
        ("Groups", rest)
    } else {
        return "other";
    };
    let by_id = rest.starts_with('/');
    let filtered = rest.contains("filter=");
    match (method, resource, by_id, filtered) {
        ("GET", "Users", false, true) => "GET /Users?filter",
        ("GET", "Users", false, false) => "GET /Users",
        ("GET", "Users", true, _) => "GET /Users/{id}",
        ("POST", "Users", false, _) => "POST /Users",
        ("PATCH", "Users", true, _) => "PATCH /Users/{id}",
        ("PUT", "Users", true, _) => "PUT /Users/{id}",
        ("DELETE", "Users", true, _) => "DELETE /Users/{id}",
        ("GET", "Groups", false, true) => "GET /Groups?filter",
        ("GET", "Groups", false, false) => "GET /Groups",
        ("GET", "Groups", true, _) => "GET /Groups/{id}",
        ("POST", "Groups", false, _) => "POST /Groups",
        ("PATCH", "Groups", true, _) => "PATCH /Groups/{id}",
        ("PUT", "Groups", true, _) => "PUT /Groups/{id}",
        ("DELETE", "Groups", true, _) => "DELETE /Groups/{id}",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::Level;

    #[test]
    fn kinds_tell_lookups_reads_and_writes_apart() {
        assert_eq!(
            kind("GET", "/Users?filter=userName+eq+%22a%22"),
            "GET /Users?filter"
        );
        assert_eq!(
            kind("GET", "/Users?aadOptscim062020&filter=x"),
            "GET /Users?filter"
        );
        assert_eq!(kind("GET", "/Users/abc"), "GET /Users/{id}");
        assert_eq!(kind("POST", "/Groups"), "POST /Groups");
        assert_eq!(
            kind("PATCH", "/Groups/g?aadOptscim062020"),
            "PATCH /Groups/{id}"
        );
        assert_eq!(kind("GET", "/Schemas"), "other");
    }

    #[test]
    fn errors_statuses_and_failed_checks_are_counted_and_merged() {
        // Arrange
        let mut a = Tally::default();
        let mut b = Tally::default();
        let held = IdpCheck::new("x.held", Level::IdpRequired, "s");
        let failed = IdpCheck::new("x.failed", Level::IdpRequired, "s").fail("went wrong");

        // Act
        a.answered("POST /Users", 100, 201);
        a.answered("POST /Users", 100, 500);
        b.answered("GET /Users?filter", 50, 401);
        b.unanswered("GET /Users?filter", 30_000_000, "timed out: after 30 s");
        for _ in 0..5 {
            b.judge(&[held.clone(), failed.clone()]);
        }
        a.merge(b);

        // Assert
        assert_eq!(a.requests(), 4);
        assert_eq!(a.errors(), 3);
        assert_eq!(a.statuses[&500], 1);
        assert!(a.unauthorized);
        assert_eq!(a.transport["timed out"].count, 1);
        assert_eq!(a.judged, 10);
        assert_eq!(a.checks["x.failed"].count, 5);
        assert_eq!(a.checks["x.failed"].examples.len(), EXAMPLES_KEPT);
        assert_eq!(a.failed_checks(), 5);
    }

    #[test]
    fn a_password_quoted_back_in_a_failure_is_not_kept() {
        // Arrange: a target that quotes the request body in its error.
        let mut tally = Tally::default();
        let failed = IdpCheck::new("x.failed", Level::IdpRequired, "s")
            .fail(r#"400: {"password":"gl^m&qWZ"} is not allowed"#);

        // Act
        tally.judge_hiding(&[failed], &["gl^m&qWZ"]);

        // Assert
        let example = &tally.checks["x.failed"].examples[0];
        assert!(!example.contains("gl^m&qWZ"), "{example}");
        assert!(example.contains("<redacted>"), "{example}");
    }
}
