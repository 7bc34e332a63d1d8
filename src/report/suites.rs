//! Each vendor suite of a run, counted the vendor's way: its Required tests (IDP-REQUIRED
//! checks) and its Optional ones (INFO), passed out of evaluated, as the vendor's own gate
//! would count them (docs/suites.md). The terminal summary and the JSON report both show it.

use crate::runner::outcome::{Outcome, RunReport};
use crate::scenario::model::Level;
use crate::suites::{SUITES, Suite};

/// Passed out of evaluated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    pub passed: usize,
    /// Failed, erred or blocked: evaluated or meant to be, and not passed.
    pub not_passed: usize,
}

impl Count {
    pub fn evaluated(self) -> usize {
        self.passed + self.not_passed
    }
}

/// One suite's tests in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteTally {
    pub suite: &'static Suite,
    pub required: Count,
    pub optional: Count,
}

impl SuiteTally {
    /// The vendor's gate: every Required test passed.
    pub fn passed(&self) -> bool {
        self.required.not_passed == 0
    }
}

/// The suites the run touched, in the built-in order.
pub fn tallies(report: &RunReport) -> Vec<SuiteTally> {
    SUITES
        .iter()
        .filter_map(|suite| {
            let prefix = format!("suite.{}.", suite.name);
            let mut tally = SuiteTally {
                suite,
                required: Count::default(),
                optional: Count::default(),
            };
            for verdict in report
                .scenarios
                .iter()
                .flat_map(|run| &run.verdicts)
                .filter(|v| v.check.id.starts_with(&prefix))
            {
                let count = if verdict.check.level == Level::Info {
                    &mut tally.optional
                } else {
                    &mut tally.required
                };
                match verdict.outcome {
                    Outcome::Passed => count.passed += 1,
                    Outcome::Failed { .. } | Outcome::Error { .. } | Outcome::Blocked { .. } => {
                        count.not_passed += 1
                    }
                    _ => {}
                }
            }
            (tally.required.evaluated() + tally.optional.evaluated() > 0).then_some(tally)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn required_and_optional_tests_are_counted_apart_and_only_required_ones_decide() {
        // Arrange: one Required test failed, one Optional passed, an unrelated check.
        let mut run = fixtures::failing_must();
        run.verdicts = vec![
            fixtures::verdict(
                fixtures::check("suite.okta-oin-spec.status-401", Level::IdpRequired, None),
                Outcome::Failed {
                    reasons: vec!["no".into()],
                },
                1,
                "Required Test: Check status 401",
                None,
            ),
            fixtures::verdict(
                fixtures::check("suite.okta-oin-spec.groups-endpoint", Level::Info, None),
                Outcome::Passed,
                2,
                "Optional Test: Verify Groups endpoint",
                None,
            ),
            fixtures::verdict(
                fixtures::check("rfc7644.3.3.create-returns-201", Level::Must, None),
                Outcome::Passed,
                0,
                "POST /Users",
                None,
            ),
        ];
        let report = RunReport {
            scenarios: vec![run],
            ..fixtures::green_report()
        };

        // Act
        let tallies = tallies(&report);

        // Assert
        assert_eq!(tallies.len(), 1);
        assert_eq!(tallies[0].suite.name, "okta-oin-spec");
        assert_eq!(
            tallies[0].required,
            Count {
                passed: 0,
                not_passed: 1
            }
        );
        assert_eq!(
            tallies[0].optional,
            Count {
                passed: 1,
                not_passed: 0
            }
        );
        assert!(!tallies[0].passed());
        assert!(super::tallies(&fixtures::green_report()).is_empty());
    }
}
