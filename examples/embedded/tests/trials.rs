//! What the trials promise: a failing scenario is a failing test, an opt-in one is ignored.

use libtest_mimic::Arguments;
use scimulate::harness::Harness;
use scimulate::server::Quirk;

fn quiet() -> Arguments {
    Arguments {
        test_threads: Some(1),
        quiet: true,
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

    // Act
    let conclusion = libtest_mimic::run(&quiet(), trials);

    // Assert
    assert_eq!((conclusion.num_passed, conclusion.num_failed), (0, 1));
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
