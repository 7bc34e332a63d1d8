//! Coverage: how many of the requirements a run judged held, failed, were waived, skipped or
//! blocked (not evaluated),
//! per level and per source section (an RFC section, a section of `docs/idps/…` or
//! `docs/application.md`).
//!
//! A requirement is a check id: a check that runs in several scenarios or as several IdPs is
//! one requirement, which held only if every verdict of it held. That is the number a team asks
//! for ("how much of RFC 7644 §3.5.2 does our server meet?"), not the number of verdicts.

use std::collections::BTreeMap;

use crate::runner::outcome::{Outcome, RunReport};
use crate::scenario::model::Level;

/// Where one requirement ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    Held,
    Skipped,
    /// Not evaluated: an earlier step's failure kept it from being judged.
    Blocked,
    Waived,
    Failed,
}

/// Requirement counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub held: usize,
    pub failed: usize,
    pub waived: usize,
    pub skipped: usize,
    pub blocked: usize,
}

impl Counts {
    fn add(&mut self, standing: Standing) {
        *match standing {
            Standing::Held => &mut self.held,
            Standing::Failed => &mut self.failed,
            Standing::Waived => &mut self.waived,
            Standing::Skipped => &mut self.skipped,
            Standing::Blocked => &mut self.blocked,
        } += 1;
    }

    pub fn total(&self) -> usize {
        self.held + self.failed + self.waived + self.skipped + self.blocked
    }
}

/// Coverage of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    pub by_level: BTreeMap<Level, Counts>,
    /// Keyed by source section (`RFC 7644 §3.5.2`); checks without a source under `(none)`.
    pub by_section: BTreeMap<String, Counts>,
}

fn standing(outcome: &Outcome) -> Standing {
    match outcome {
        Outcome::Passed => Standing::Held,
        Outcome::Skipped { .. } => Standing::Skipped,
        Outcome::Blocked { .. } => Standing::Blocked,
        Outcome::Waived { .. } => Standing::Waived,
        Outcome::Failed { .. } | Outcome::Error { .. } => Standing::Failed,
    }
}

/// The section a source names: `RFC 7644 §3.5.2` stays whole; a quoted heading after it
/// (`docs/x.md "For users"`) is dropped so one document's checks group together.
fn section(source: Option<&str>) -> String {
    match source {
        None => "(none)".to_owned(),
        Some(source) => source
            .split(" \"")
            .next()
            .unwrap_or(source)
            .trim()
            .to_owned(),
    }
}

impl Coverage {
    pub fn of(report: &RunReport) -> Coverage {
        // Per check id: its level, section, and the worst standing of its verdicts (failed
        // over waived over blocked over skipped over held).
        let mut requirements: BTreeMap<&str, (Level, String, Standing)> = BTreeMap::new();
        for verdict in report.scenarios.iter().flat_map(|run| &run.verdicts) {
            let standing = standing(&verdict.outcome);
            let entry = requirements.entry(verdict.check.id.as_str()).or_insert((
                verdict.check.level,
                section(verdict.check.source.as_deref()),
                standing,
            ));
            entry.2 = entry.2.max(standing);
        }
        let mut coverage = Coverage::default();
        for (level, section, standing) in requirements.into_values() {
            coverage.by_level.entry(level).or_default().add(standing);
            coverage
                .by_section
                .entry(section)
                .or_default()
                .add(standing);
        }
        coverage
    }

    /// The sections that are RFC sections, in order.
    pub fn rfc_sections(&self) -> impl Iterator<Item = (&String, &Counts)> {
        self.by_section
            .iter()
            .filter(|(s, _)| s.starts_with("RFC "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_requirement_is_as_good_as_its_worst_verdict_and_sections_drop_headings() {
        assert_eq!(Standing::Held.max(Standing::Failed), Standing::Failed);
        assert_eq!(Standing::Skipped.max(Standing::Waived), Standing::Waived);
        assert_eq!(section(Some("RFC 7644 §3.5.2")), "RFC 7644 §3.5.2");
        assert_eq!(
            section(Some("seeds/clockify.md \"For users\"")),
            "seeds/clockify.md"
        );
        assert_eq!(section(None), "(none)");
    }
}
