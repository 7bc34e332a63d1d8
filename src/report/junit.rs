//! The JUnit XML report (`--junit PATH`), for CI systems' test tabs.
//!
//! JUnit has no notion of check levels or snapshots, so the mapping is chosen to make a CI
//! system's red/green agree with scimulate's exit code:
//!
//! - one `<testsuite>` per IdP (`name` = `okta`), one `<testcase>` per scenario run
//!   (`name` = the scenario, `classname` = `scimulate.<idp>`, `time` = its duration);
//! - a test case fails exactly when its scenario run fails: a blocking failed check (`<failure>`,
//!   `type` = the first such check's id, `message` = its first reason), a drifted or missing
//!   snapshot (`<failure>`, `type` = `snapshot.drifted` / `snapshot.missing`, the diff in the
//!   body), or an error outside any check (`<error>`, `type` = `scenario.error`). The body lists
//!   every blocking failure with its reasons and exchange, the snapshot outcome and the error;
//! - failed checks that do not fail the run (SHOULD without `--strict`, INFO) leave the test
//!   case green and are listed at the top of its `<system-out>`, together with blocked checks
//!   (not evaluated, with the earlier step that kept them from it), which then carries the
//!   whole transcript of the scenario's exchanges, as recorded (credentials already redacted);
//! - a scenario whose every check was skipped (a feature the target does not advertise) is a
//!   `<skipped>` test case with the reason;
//! - a run stopped by a signal adds a `scimulate` suite whose one test case errs with
//!   `type` = `run.interrupted`, so a cancelled job never reads green.

use std::io;
use std::path::Path;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::human;
use crate::runner::outcome::{Outcome, RunReport, ScenarioRun, SnapshotOutcome};
use crate::scenario::model::IdpName;

/// The report as JUnit XML.
pub fn to_junit(report: &RunReport) -> String {
    let mut junit = Report::new("scimulate");
    junit.set_time(report.elapsed);
    let mut idps: Vec<IdpName> = report.scenarios.iter().map(|run| run.idp).collect();
    idps.sort();
    idps.dedup();
    for idp in idps {
        let mut suite = TestSuite::new(idp.as_str());
        suite.add_property(Property::new("target", report.target.as_str()));
        suite.add_property(Property::new("strict", report.strict.to_string()));
        let runs = report.scenarios.iter().filter(|run| run.idp == idp);
        suite.set_time(runs.clone().map(|run| run.elapsed).sum());
        suite.add_test_cases(runs.map(|run| test_case(run, report.strict)));
        junit.add_test_suite(suite);
    }
    if let Some(interruption) = &report.interrupted {
        // A cancelled job must not read green: the run is incomplete, as its exit code says.
        let mut suite = TestSuite::new("scimulate");
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_type("run.interrupted");
        status.set_message(format!(
            "the run was stopped by {}; {} planned scenario run(s) did not start",
            interruption.signal.name(),
            interruption.not_started
        ));
        suite.add_test_case(TestCase::new("run", status));
        junit.add_test_suite(suite);
    }
    // Serialising to memory fails only on a quick-junit bug; an empty report beats a panic.
    junit.to_string().unwrap_or_default()
}

/// Writes the JUnit XML to `path`, atomically (temporary file, then rename).
pub fn write_junit(report: &RunReport, path: &Path) -> io::Result<()> {
    super::write_atomic(path, to_junit(report).as_bytes())
}

fn test_case(run: &ScenarioRun, strict: bool) -> TestCase {
    let blocking: Vec<_> = run
        .verdicts
        .iter()
        .filter(|v| v.is_blocking_failure(strict))
        .collect();
    let warnings: Vec<_> = run
        .verdicts
        .iter()
        .filter(|v| !v.outcome.is_pass() && !v.is_blocking_failure(strict))
        .collect();
    let all_skipped = run.all_skipped();

    let status = if run.passed(strict) && all_skipped {
        // A scenario whose every check was skipped was not tested: JUnit's own word for it.
        let mut status = TestCaseStatus::skipped();
        if let Some(Outcome::Skipped { reason }) = run.verdicts.first().map(|v| &v.outcome) {
            status.set_message(reason.as_str());
        }
        status
    } else if run.passed(strict) {
        TestCaseStatus::success()
    } else {
        let (kind, ty, message) = if let Some(error) = &run.error {
            (
                NonSuccessKind::Error,
                "scenario.error".to_owned(),
                error.clone(),
            )
        } else if let Some(first) = blocking.first() {
            let message = match &first.outcome {
                Outcome::Failed { reasons } => reasons.first().cloned().unwrap_or_default(),
                Outcome::Error { message } => message.clone(),
                Outcome::Passed
                | Outcome::Waived { .. }
                | Outcome::Skipped { .. }
                | Outcome::Blocked { .. } => String::new(),
            };
            (NonSuccessKind::Failure, first.check.id.clone(), message)
        } else {
            let (ty, message) = match &run.snapshot {
                SnapshotOutcome::Drifted { path, .. } => (
                    "snapshot.drifted",
                    format!("snapshot {} drifted", path.display()),
                ),
                SnapshotOutcome::Missing { path } => (
                    "snapshot.missing",
                    format!("no approved snapshot at {}", path.display()),
                ),
                _ => ("scenario.failed", "the scenario failed".to_owned()),
            };
            (NonSuccessKind::Failure, ty.to_owned(), message)
        };
        let mut body = human::verdicts_text(run, blocking.iter().copied(), strict);
        if run.snapshot.is_failure() {
            body.push_str(&human::snapshot_text(&run.snapshot));
        }
        if let Some(error) = &run.error {
            body.push_str(&format!("error: {error}\n"));
        }
        let mut status = TestCaseStatus::non_success(kind);
        status.set_type(ty);
        status.set_message(message.lines().next().unwrap_or_default());
        status.set_description(body);
        status
    };

    let mut case = TestCase::new(run.scenario.as_str(), status);
    case.set_classname(format!("scimulate.{}", run.idp.as_str()));
    case.set_time(run.elapsed);
    case.set_assertions(run.verdicts.len());
    let mut out = String::new();
    if !warnings.is_empty() {
        out.push_str("checks that do not fail the run (warnings, blocked, skipped):\n");
        out.push_str(&human::verdicts_text(run, warnings, strict));
        out.push('\n');
    }
    out.push_str(&human::transcript_text(run));
    if !out.is_empty() {
        case.set_system_out(out);
    }
    case
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;
    use crate::report::fixtures;

    /// Parses the XML with Python's standard library (the reference parser CI tools resemble)
    /// and prints what the test compares, one fact per line.
    fn parse_with_python(xml: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junit.xml");
        std::fs::write(&path, xml).unwrap();
        let script = r#"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
print("root", root.tag, root.get("tests"), root.get("failures"), root.get("errors"))
for suite in root.findall("testsuite"):
    cases = suite.findall("testcase")
    print("suite", suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("errors"), len(cases))
    for case in cases:
        outcome = [c.tag for c in case if c.tag in ("failure", "error")]
        detail = [(c.get("type"), c.get("message")) for c in case if c.tag in ("failure", "error")]
        print("case", case.get("classname"), case.get("name"), case.get("time"), outcome, detail)
"#;
        let output = Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&path)
            .output()
            .expect("python3 runs");
        assert!(
            output.status.success(),
            "python3 could not parse the XML: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    #[test]
    fn the_xml_parses_and_its_counts_match_the_run() {
        // Arrange
        let report = fixtures::report();

        // Act
        let xml = to_junit(&report);

        // Assert
        let parsed = parse_with_python(&xml);
        let expected = "\
root testsuites 6 3 1
suite generic 1 0 1 1
case scimulate.generic discovery 0.000 ['error'] [('scenario.error', 'the target could not be reached: connection refused')]
suite okta 2 1 0 2
case scimulate.okta user-lifecycle 0.000 [] []
case scimulate.okta create-user 0.000 ['failure'] [('rfc7644.3.3.create-201', 'expected status 201')]
suite entra 2 1 0 2
case scimulate.entra etag-support 0.000 [] []
case scimulate.entra group-push 0.000 ['failure'] [('snapshot.drifted', 'snapshot snapshots/entra/group-push.snap drifted')]
suite jumpcloud 1 1 0 1
case scimulate.jumpcloud user-lifecycle 0.000 ['failure'] [('snapshot.missing', 'no approved snapshot at snapshots/jumpcloud/user-lifecycle.snap')]
";
        assert_eq!(parsed, expected);
    }

    #[test]
    fn failure_bodies_carry_every_blocking_failure_and_the_diff() {
        // Arrange
        let report = fixtures::report();

        // Act
        let xml = to_junit(&report);

        // Assert
        assert!(xml.contains("FAIL rfc7644.3.3.create-201 (MUST) at step 1: POST /Users"));
        assert!(xml.contains("FAIL rfc7643.3.1.id-present (MUST) at step 1: POST /Users"));
        assert!(xml.contains("  exchange #1 shown above\n"));
        assert!(xml.contains("  -201 Created\n  +200 OK\n"));
        assert!(xml.contains("error: the target could not be reached: connection refused"));
    }

    #[test]
    fn non_blocking_failures_go_to_system_out_and_leave_the_case_green() {
        // Arrange
        let report = RunReport {
            scenarios: vec![fixtures::failing_should()],
            ..fixtures::report()
        };

        // Act
        let xml = to_junit(&report);

        // Assert
        assert!(!xml.contains("<failure"));
        assert!(xml.contains(
            "<system-out>checks that do not fail the run (warnings, blocked, skipped):\nWARN rfc7644.3.14.etag (SHOULD)"
        ));
        assert!(xml.contains("exchange #1 (step 1, 0.00s)\n  &gt; GET /Users/u1\n"));
    }

    #[test]
    fn an_interrupted_run_never_reads_green() {
        // Arrange: every scenario that ran passed, then a signal stopped the run.
        let report = RunReport {
            interrupted: Some(crate::runner::outcome::Interruption {
                signal: crate::runner::interrupt::Signal::Interrupt,
                not_started: 7,
            }),
            ..fixtures::green_report()
        };

        // Act
        let xml = to_junit(&report);

        // Assert
        assert!(xml.contains(r#"type="run.interrupted""#), "{xml}");
        assert!(xml.contains("stopped by SIGINT; 7 planned scenario run(s) did not start"));
    }

    #[test]
    fn strict_runs_fail_the_case_on_should_failures() {
        // Arrange
        let report = RunReport {
            strict: true,
            scenarios: vec![fixtures::failing_should()],
            ..fixtures::report()
        };

        // Act
        let parsed = parse_with_python(&to_junit(&report));

        // Assert
        assert!(parsed.contains("['failure'] [('rfc7644.3.14.etag', 'expected header etag')]"));
    }

    #[test]
    fn write_junit_writes_the_same_xml() {
        // Arrange
        let report = fixtures::report();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junit.xml");

        // Act
        write_junit(&report, &path).unwrap();

        // Assert
        assert_eq!(std::fs::read_to_string(&path).unwrap(), to_junit(&report));
    }
}
