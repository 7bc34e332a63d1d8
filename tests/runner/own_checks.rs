//! One answer, several checks: a step's `checks:` judge the same response each on its own
//! expectations, so a failure names the property that broke; a capture the answer could not
//! give blocks the steps that needed it instead of failing a check about something else; and a
//! request the target does not implement says so before anything else.

use scimulate::runner::outcome::{Outcome, RunReport, Verdict};
use scimulate::server::Quirk;
use scimulate::snapshot::SnapshotMode;

use crate::support::{plan_of, run_embedded, runtime, settings};

const CREATE_WITH_OWN_CHECKS: &str = r#"name: own-checks
description: A create judged on its status and its Location header apart.
steps:
  - request:
      name: create ada
      method: POST
      path: /Users
      body: { userName: "{{run.prefix}}-ada@example.com" }
      expect: { status: 201 }
      capture: { id: /id, location: { header: Location } }
      check: { id: test.create.status-201, level: MUST }
      checks:
        - id: test.create.location-header
          level: MUST
          expect: { headers: { location: "*" } }
  - request:
      name: read ada back
      method: GET
      path: /Users/{{id}}
      expect: { status: 200, json: [ { pointer: /meta/location, equals: "{{location}}" } ] }
      check: { id: test.create.location-is-meta-location, level: MUST }
"#;

fn verdict<'r>(report: &'r RunReport, id: &str) -> &'r Verdict {
    report.scenarios[0]
        .verdicts
        .iter()
        .find(|v| v.check.id == id)
        .unwrap_or_else(|| panic!("no verdict for {id}: {:#?}", report.scenarios[0].verdicts))
}

async fn run(yaml: &str, quirks: &[Quirk]) -> RunReport {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scenario.yaml"), yaml).unwrap();
    run_embedded(
        plan_of(dir.path()),
        quirks,
        settings(None, SnapshotMode::Normal),
    )
    .await
}

#[test]
fn each_check_of_a_step_judges_its_own_expectations() {
    runtime().block_on(async {
        // Act
        let clean = run(CREATE_WITH_OWN_CHECKS, &[]).await;
        let no_location = run(CREATE_WITH_OWN_CHECKS, &[Quirk::NoLocation]).await;

        // Assert: clean, all pass; without Location, only the Location check fails.
        assert!(clean.passed(), "{:#?}", clean.scenarios[0].verdicts);
        assert_eq!(
            verdict(&no_location, "test.create.status-201").outcome,
            Outcome::Passed
        );
        let Outcome::Failed { reasons } =
            &verdict(&no_location, "test.create.location-header").outcome
        else {
            panic!("the Location check fails");
        };
        assert!(reasons[0].contains("location"), "{reasons:?}");
    });
}

#[test]
fn a_capture_the_answer_could_not_give_blocks_the_step_that_needs_it() {
    runtime().block_on(async {
        // Arrange: the same scenario without a check of the Location header.
        let start = CREATE_WITH_OWN_CHECKS.find("      checks:").unwrap();
        let end = CREATE_WITH_OWN_CHECKS
            .find("  - request:\n      name: read")
            .unwrap();
        let yaml = format!(
            "{}{}",
            &CREATE_WITH_OWN_CHECKS[..start],
            &CREATE_WITH_OWN_CHECKS[end..]
        );

        // Act
        let report = run(&yaml, &[Quirk::NoLocation]).await;

        // Assert: the create's status check is not blamed; the read is blocked, saying why.
        assert_eq!(
            verdict(&report, "test.create.status-201").outcome,
            Outcome::Passed
        );
        let Outcome::Blocked { by } =
            &verdict(&report, "test.create.location-is-meta-location").outcome
        else {
            panic!("the read that needs the Location is blocked");
        };
        assert_eq!(by.step, 0);
        assert!(
            by.why.contains("capture `location`: no `Location` header"),
            "{}",
            by.why
        );
    });
}

#[test]
fn a_request_the_target_does_not_implement_says_so_first() {
    runtime().block_on(async {
        // Arrange: a search at the root, which the reference server answers 501 under a quirk.
        let yaml = r#"name: root-search
description: A search at the root, judged on its body.
steps:
  - request:
      method: POST
      path: /.search
      body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: 'userName eq "nobody"' }
      expect: { status: 200 }
      check: { id: test.search.status, level: MUST }
      checks:
        - id: test.search.list-response
          level: MUST
          expect: { json: [ { pointer: /totalResults, equals: 0 } ] }
"#;

        // Act
        let report = run(yaml, &[Quirk::NoRootSearch]).await;

        // Assert: both checks lead with the real cause.
        for id in ["test.search.status", "test.search.list-response"] {
            let Outcome::Failed { reasons } = &verdict(&report, id).outcome else {
                panic!("{id} fails");
            };
            assert!(
                reasons[0].starts_with("not implemented: ") && reasons[0].contains("501"),
                "{id}: {reasons:?}"
            );
        }
    });
}
