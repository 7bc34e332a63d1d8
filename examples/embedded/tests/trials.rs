//! What the trials promise: a failing scenario is a failing test, an opt-in one is ignored.

use libtest_mimic::Arguments;
use scimulate::harness::Harness;
use scimulate::server::Quirk;

/// One thread, its report in `logfile` rather than in this test's own output.
fn logged_to(logfile: &std::path::Path) -> Arguments {
    Arguments {
        test_threads: Some(1),
        logfile: Some(logfile.display().to_string()),
        ..Arguments::default()
    }
}

#[test]
fn a_scenario_that_fails_is_a_failing_trial() {
    // Arrange: Okta's SPEC test against a server that creates duplicate users.
    let trials = Harness::embedded()
        .quirk(Quirk::DuplicateUserName)
        .suite("okta-oin-spec")
        .trials()
        .unwrap();

    let log = std::env::temp_dir().join(format!("scimulate-trials-{}.log", std::process::id()));

    // Act
    let conclusion = libtest_mimic::run(&logged_to(&log), trials);

    // Assert: one failed trial, whose message is the compact block with the failing check.
    assert_eq!((conclusion.num_passed, conclusion.num_failed), (0, 1));
    let printed = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(
        printed.contains("FAIL suite.okta-oin-spec.recreate-user-conflict"),
        "{printed}"
    );
}

#[test]
fn opt_in_scenarios_are_ignored_unless_asked_for() {
    // Arrange
    let trials = Harness::embedded().trials().unwrap();
    let ignored: Vec<&str> = trials
        .iter()
        .filter(|t| t.has_ignored_flag())
        .map(|t| t.name())
        .collect();

    // Assert
    assert!(ignored.contains(&"generic/okta-oin-spec"), "{ignored:?}");
    assert!(!ignored.contains(&"generic/user-lifecycle"));
}
