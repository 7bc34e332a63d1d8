//! Each vendor suite of a run, counted the vendor's way: its Required tests (IDP-REQUIRED
//! checks) and its Optional ones (INFO), passed out of evaluated, as the vendor's own gate
//! would count them (docs/suites.md). The terminal summary and the JSON report both show it.
//!
//! A vendor test is one check id, `suite.<suite>.<test>`, together with its dotted children
//! (`suite.<suite>.<test>.<part>`): a test that takes several requests (a setup POST, the
//! PATCH before a read-back) gives each request a part of its own, so a failure names the
//! request that broke, while the count stays the vendor's. A test passes when every part of
//! it passed; it is Required when any part is.

use std::collections::BTreeMap;

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
            let tests = tests_of(report, suite);
            let mut tally = SuiteTally {
                suite,
                required: Count::default(),
                optional: Count::default(),
            };
            for test in tests.values() {
                let count = if test.required {
                    &mut tally.required
                } else {
                    &mut tally.optional
                };
                match test.state {
                    TestState::Passed => count.passed += 1,
                    TestState::NotPassed => count.not_passed += 1,
                    TestState::NotEvaluated => {}
                }
            }
            (tally.required.evaluated() + tally.optional.evaluated() > 0).then_some(tally)
        })
        .collect()
}

/// One vendor test's verdicts, folded.
#[derive(Debug, Clone, Copy)]
struct Test {
    required: bool,
    state: TestState,
}

/// Ordered so that folding two parts keeps the worse: a part not passed sinks the test, and
/// a test some part of which passed (the rest skipped) counts as passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum TestState {
    NotEvaluated,
    Passed,
    NotPassed,
}

/// The suite's tests in the run, by test name (the first part after `suite.<suite>.`).
fn tests_of<'r>(report: &'r RunReport, suite: &Suite) -> BTreeMap<&'r str, Test> {
    let prefix = format!("suite.{}.", suite.name);
    let mut tests: BTreeMap<&str, Test> = BTreeMap::new();
    for verdict in report.scenarios.iter().flat_map(|run| &run.verdicts) {
        let Some(rest) = verdict.check.id.strip_prefix(&prefix) else {
            continue;
        };
        let name = rest.split('.').next().unwrap_or(rest);
        let state = match verdict.outcome {
            Outcome::Passed => TestState::Passed,
            Outcome::Failed { .. } | Outcome::Error { .. } | Outcome::Blocked { .. } => {
                TestState::NotPassed
            }
            _ => TestState::NotEvaluated,
        };
        let test = tests.entry(name).or_insert(Test {
            required: false,
            state: TestState::NotEvaluated,
        });
        test.required |= verdict.check.level != Level::Info;
        test.state = test.state.max(state);
    }
    tests
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    /// Required passed and not passed, then Optional passed and not passed.
    fn counts(tally: &SuiteTally) -> (usize, usize, usize, usize) {
        (
            tally.required.passed,
            tally.required.not_passed,
            tally.optional.passed,
            tally.optional.not_passed,
        )
    }

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
        assert_eq!(counts(&tallies[0]), (0, 1, 1, 0));
        assert!(!tallies[0].passed());
        assert!(super::tallies(&fixtures::green_report()).is_empty());
    }

    #[test]
    fn a_tests_dotted_parts_fold_into_one_test_that_passes_only_if_every_part_passed() {
        // Arrange: test `a` in two parts, one failed; test `b` in two parts, one skipped;
        // `a-under-600-ms` is a test of its own (a hyphen, not a dot).
        let verdict = |id: &str, level: Level, outcome: Outcome| {
            fixtures::verdict(fixtures::check(id, level, None), outcome, 0, id, None)
        };
        let mut run = fixtures::failing_must();
        run.verdicts = vec![
            verdict(
                "suite.okta-oin-spec.a.setup",
                Level::IdpRequired,
                Outcome::Passed,
            ),
            verdict(
                "suite.okta-oin-spec.a",
                Level::IdpRequired,
                Outcome::Failed {
                    reasons: vec!["no".into()],
                },
            ),
            verdict(
                "suite.okta-oin-spec.a-under-600-ms",
                Level::Info,
                Outcome::Passed,
            ),
            verdict("suite.okta-oin-spec.b", Level::IdpRequired, Outcome::Passed),
            verdict(
                "suite.okta-oin-spec.b.read-back",
                Level::IdpRequired,
                Outcome::Skipped {
                    reason: "not advertised".into(),
                },
            ),
        ];
        let report = RunReport {
            scenarios: vec![run],
            ..fixtures::green_report()
        };

        // Act
        let tallies = tallies(&report);

        // Assert: two Required tests (a failed, b passed), one Optional passed.
        assert_eq!(counts(&tallies[0]), (1, 1, 1, 0));
    }
}
