//! What a load run found: throughput, latency percentiles per kind of request, errors, the
//! IdP's failed checks, and whether Entra would quarantine the job; as text and as JSON
//! (`format: scimulate-load/v1`, schema committed as `docs/load-report.schema.json`: fields are
//! only added within a format; a removal or change of meaning is a new format).

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;

use super::tally::{Failures, Tally};
use super::{LoadConfig, Pace, Plan, StepOutcome};
use crate::idp::entra::escrow::{
    ABSOLUTE_CEILING, CycleTally, FAILURE_CEILING, PROPORTION_FLOOR, PROPORTION_PERCENT,
    quarantine_for,
};
use crate::runner::outcome::{EXIT_FAILED, EXIT_OK};
use crate::runner::scrub::Scrubber;
use crate::runner::transport::Target;

/// Percentiles of one kind of request, in milliseconds.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct KindReport {
    pub kind: &'static str,
    pub count: u64,
    pub errors: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

/// One step of the plan (users, groups, …) or of the cleanup.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PhaseReport {
    pub name: &'static str,
    /// Objects the step was asked to work on, and how many it did before any time limit.
    pub objects: u64,
    pub done: u64,
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub requests_per_second: f64,
    /// The harness's own DELETEs at the end, not part of the IdP's figures.
    pub cleanup: bool,
    pub latency: Vec<KindReport>,
}

/// Whether Entra would quarantine the job after this initial cycle (docs/idps/entra.md §10.3).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct QuarantineVerdict {
    pub would_quarantine: bool,
    pub reason: Option<&'static str>,
    pub events: u64,
    pub failures: u64,
    pub rule: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LoadReport {
    pub format: &'static str,
    pub plan: &'static str,
    pub target: String,
    pub users: u64,
    pub groups: u64,
    pub pace: String,
    pub in_flight: usize,
    pub rate_limit: Option<u32>,
    pub phases: Vec<PhaseReport>,
    /// The IdP's requests (cleanup left out).
    pub requests: u64,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub latency: Vec<KindReport>,
    pub statuses: BTreeMap<u16, u64>,
    pub transport_errors: BTreeMap<String, Failures>,
    pub failed_checks: BTreeMap<&'static str, Failures>,
    pub checks_judged: u64,
    pub users_provisioned: u64,
    pub groups_provisioned: u64,
    /// Every object of every step was worked on (no time limit or signal cut the run short).
    pub complete: bool,
    /// `SIGINT` or `SIGTERM` when a signal stopped the run (it is then incomplete, and exits
    /// 130 or 143); `null` otherwise.
    pub interrupted: Option<String>,
    pub quarantine: Option<QuarantineVerdict>,
    #[serde(skip)]
    #[schemars(skip)]
    idp: Tally,
    #[serde(skip)]
    #[schemars(skip)]
    entra: bool,
}

fn millis(micros: u64) -> f64 {
    (micros as f64 / 1000.0 * 1000.0).round() / 1000.0
}

fn per_second(count: u64, elapsed: Duration) -> f64 {
    let seconds = elapsed.as_secs_f64();
    if seconds <= 0.0 {
        return 0.0;
    }
    (count as f64 / seconds * 10.0).round() / 10.0
}

fn latency(tally: &Tally) -> Vec<KindReport> {
    tally
        .kinds
        .iter()
        .map(|(kind, k)| KindReport {
            kind,
            count: k.latency.count(),
            errors: k.errors,
            mean_ms: millis(k.latency.mean()),
            p50_ms: millis(k.latency.percentile(50.0)),
            p90_ms: millis(k.latency.percentile(90.0)),
            p99_ms: millis(k.latency.percentile(99.0)),
            p999_ms: millis(k.latency.percentile(99.9)),
            max_ms: millis(k.latency.max()),
        })
        .collect()
}

impl LoadReport {
    pub fn new(config: &LoadConfig, target: &Target, in_flight: usize, rate: Option<u32>) -> Self {
        LoadReport {
            format: "scimulate-load/v1",
            plan: config.plan.name(),
            target: target.auth.scrubber().text(&target.base_url),
            users: config.population.users,
            groups: config.population.groups,
            pace: match config.pace {
                Pace::Idp => "idp".to_owned(),
                Pace::Flat { .. } => "flat".to_owned(),
            },
            in_flight,
            rate_limit: rate,
            phases: Vec::new(),
            requests: 0,
            seconds: 0.0,
            requests_per_second: 0.0,
            latency: Vec::new(),
            statuses: BTreeMap::new(),
            transport_errors: BTreeMap::new(),
            failed_checks: BTreeMap::new(),
            checks_judged: 0,
            users_provisioned: 0,
            groups_provisioned: 0,
            complete: true,
            interrupted: None,
            quarantine: None,
            idp: Tally::default(),
            entra: matches!(config.plan, Plan::EntraInitialCycle(_)),
        }
    }

    /// Adds a step's figures; an IdP step's tally also goes into the run's totals.
    pub fn add_phase(
        &mut self,
        name: &'static str,
        objects: u64,
        outcome: StepOutcome,
        cleanup: bool,
    ) -> &PhaseReport {
        let StepOutcome {
            tally,
            elapsed,
            done,
        } = outcome;
        let requests = tally.requests();
        self.phases.push(PhaseReport {
            name,
            objects,
            done,
            requests,
            errors: tally.errors(),
            seconds: (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            requests_per_second: per_second(requests, elapsed),
            cleanup,
            latency: latency(&tally),
        });
        if !cleanup {
            self.complete &= done == objects;
            self.idp.merge(tally);
        }
        self.phases.last().expect("just pushed")
    }

    /// Closes the IdP's figures: totals, errors, checks, and Entra's quarantine verdict. The
    /// examples kept (quotes of answers) are scrubbed of the run's secrets here, the one place
    /// anything of an answer is kept.
    pub fn finish(&mut self, elapsed: Duration, scrubber: &Scrubber) {
        for failures in self
            .idp
            .checks
            .values_mut()
            .chain(self.idp.transport.values_mut())
        {
            for example in &mut failures.examples {
                *example = scrubber.text(example);
            }
        }
        self.requests = self.idp.requests();
        self.seconds = (elapsed.as_secs_f64() * 1000.0).round() / 1000.0;
        self.requests_per_second = per_second(self.requests, elapsed);
        self.latency = latency(&self.idp);
        let failures = self.idp.failed_checks();
        self.statuses = std::mem::take(&mut self.idp.statuses);
        self.transport_errors = std::mem::take(&mut self.idp.transport);
        self.failed_checks = std::mem::take(&mut self.idp.checks);
        self.checks_judged = self.idp.judged;
        if self.entra {
            // Requests stand for events and failed checks for failures: the load does not
            // tell reference updates apart, so all count toward every rule.
            let tally = CycleTally {
                events: self.requests,
                failures,
                unauthorized: self.idp.unauthorized,
                filter_404: self.idp.filter_404,
                ..CycleTally::default()
            };
            let reason = quarantine_for(&tally);
            self.quarantine = Some(QuarantineVerdict {
                would_quarantine: reason.is_some(),
                reason: reason.map(|r| r.describe()),
                events: tally.events,
                failures: tally.failures,
                rule: format!(
                    "quarantine on a 401/403, a filter query answered 404, or, from {PROPORTION_FLOOR} failures on, failures over {PROPORTION_PERCENT}% of the cycle's requests, over {FAILURE_CEILING}, or over {ABSOLUTE_CEILING} (docs/idps/entra.md §10.3)"
                ),
            });
        }
    }

    pub fn provisioned(&mut self, users: u64, groups: u64) {
        self.users_provisioned = users;
        self.groups_provisioned = groups;
    }

    /// Errors of the IdP's requests: answers outside 2xx and requests with no answer.
    pub fn errors(&self) -> u64 {
        self.idp.errors()
    }

    /// 0 when every object was worked on with no error, no failed check and no quarantine;
    /// 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self.interrupted.as_deref() {
            Some("SIGINT") => return 130,
            Some("SIGTERM") => return 143,
            _ => {}
        }
        if self.why_failed().is_empty() {
            EXIT_OK
        } else {
            EXIT_FAILED
        }
    }

    /// Why the run fails, one reason each; empty when it passes. The verdict line says them,
    /// so a non-zero exit (429s answered, for one) never comes without its cause.
    pub fn why_failed(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        if self.errors() > 0 {
            let refused: Vec<String> = self
                .statuses
                .iter()
                .filter(|(status, _)| !(200..300).contains(*status))
                .map(|(status, n)| format!("{n} answered {status}"))
                .collect();
            let unanswered: u64 = self.transport_errors.values().map(|f| f.count).sum();
            let mut parts = refused;
            if unanswered > 0 {
                parts.push(format!("{unanswered} unanswered"));
            }
            reasons.push(format!(
                "{} of the IdP's requests failed ({})",
                self.errors(),
                parts.join(", ")
            ));
        }
        if !self.failed_checks.is_empty() {
            let failed: u64 = self.failed_checks.values().map(|f| f.count).sum();
            reasons.push(format!("{failed} IdP check(s) failed"));
        }
        if self.quarantine.as_ref().is_some_and(|q| q.would_quarantine) {
            reasons.push("Entra would quarantine the job".to_owned());
        }
        if let Some(signal) = &self.interrupted {
            reasons.push(format!(
                "{signal} stopped the run before every object was worked on"
            ));
        } else if !self.complete {
            reasons.push(
                "the time limit stopped the run before every object was worked on".to_owned(),
            );
        }
        reasons
    }

    /// The whole report as a person reads it.
    pub fn write_human(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let pace = match (self.pace.as_str(), self.rate_limit) {
            ("idp", Some(rate)) => {
                format!("at the IdP's pace (one object at a time, {rate} requests/s)")
            }
            ("idp", None) => "at the IdP's pace (one object at a time)".to_owned(),
            (_, Some(rate)) => format!(
                "flat out ({} in flight, capped at {rate} requests/s)",
                self.in_flight
            ),
            _ => format!("flat out ({} in flight)", self.in_flight),
        };
        writeln!(
            out,
            "{}: {} users, {} groups, {pace}, against {}",
            self.plan, self.users, self.groups, self.target
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "{:<16} {:>9} {:>9} {:>9} {:>9} {:>10}",
            "step", "objects", "requests", "errors", "seconds", "req/s"
        )?;
        for phase in &self.phases {
            let objects = if phase.done == phase.objects {
                phase.objects.to_string()
            } else {
                format!("{}/{}", phase.done, phase.objects)
            };
            writeln!(
                out,
                "{:<16} {:>9} {:>9} {:>9} {:>9.1} {:>10.1}",
                phase.name,
                objects,
                phase.requests,
                phase.errors,
                phase.seconds,
                phase.requests_per_second
            )?;
        }
        writeln!(
            out,
            "{:<16} {:>9} {:>9} {:>9} {:>9.1} {:>10.1}",
            "total (IdP)",
            "",
            self.requests,
            self.errors(),
            self.seconds,
            self.requests_per_second
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "{:<20} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "latency (ms)", "count", "errors", "mean", "p50", "p90", "p99", "p99.9", "max"
        )?;
        for kind in &self.latency {
            writeln!(
                out,
                "{:<20} {:>9} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                kind.kind,
                kind.count,
                kind.errors,
                kind.mean_ms,
                kind.p50_ms,
                kind.p90_ms,
                kind.p99_ms,
                kind.p999_ms,
                kind.max_ms
            )?;
        }
        writeln!(out)?;
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        writeln!(out, "answers by status: {}", statuses.join(", "))?;
        for (what, failures) in &self.transport_errors {
            writeln!(out, "no answer ({what}): {}", failures.count)?;
            for example in &failures.examples {
                writeln!(out, "    {example}")?;
            }
        }
        if self.failed_checks.is_empty() {
            writeln!(
                out,
                "IdP checks: {} judged, none failed",
                self.checks_judged
            )?;
        } else {
            writeln!(out, "IdP checks: {} judged, failed:", self.checks_judged)?;
            for (id, failures) in &self.failed_checks {
                writeln!(out, "  {id}: {}", failures.count)?;
                for example in &failures.examples {
                    writeln!(out, "    {example}")?;
                }
            }
        }
        writeln!(
            out,
            "provisioned: {} of {} users, {} of {} groups",
            self.users_provisioned, self.users, self.groups_provisioned, self.groups
        )?;
        if let Some(verdict) = &self.quarantine {
            match verdict.reason {
                Some(reason) => writeln!(
                    out,
                    "quarantine: Entra WOULD quarantine this job: {reason} ({} failures in {} requests)",
                    verdict.failures, verdict.events
                )?,
                None => writeln!(
                    out,
                    "quarantine: Entra would not quarantine this job ({} failures in {} requests)",
                    verdict.failures, verdict.events
                )?,
            }
        }
        if !self.complete {
            let by = self.interrupted.as_deref().unwrap_or("the time limit");
            writeln!(
                out,
                "incomplete: {by} stopped the run before every object was worked on"
            )?;
        }
        let why = self.why_failed();
        if why.is_empty() {
            writeln!(
                out,
                "PASS every object worked on, with no failed request, no failed check{}",
                if self.quarantine.is_some() {
                    ", no quarantine"
                } else {
                    ""
                }
            )
        } else {
            writeln!(out, "FAIL {}", why.join("; "))
        }
    }

    /// The JSON Schema (draft 2020-12) of the report, as committed in
    /// `docs/load-report.schema.json`.
    pub fn schema() -> serde_json::Value {
        crate::report::schema_of::<LoadReport>()
    }

    /// Writes the report, pretty-printed, to `path`, atomically (as the run report is).
    pub fn write_json(&self, path: &std::path::Path) -> std::io::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        crate::report::write_atomic(path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/load-report.schema.json");

    #[test]
    fn the_committed_schema_is_the_generated_one() {
        // Arrange
        let generated = serde_json::to_string_pretty(&LoadReport::schema()).unwrap() + "\n";
        if std::env::var_os("SCIMULATE_BLESS").is_some() {
            std::fs::write(SCHEMA_PATH, &generated).unwrap();
        }

        // Act
        let committed = std::fs::read_to_string(SCHEMA_PATH).unwrap_or_default();

        // Assert
        assert!(
            committed == generated,
            "docs/load-report.schema.json is stale: run `SCIMULATE_BLESS=1 cargo test --lib load::report` and review the change"
        );
    }
}
