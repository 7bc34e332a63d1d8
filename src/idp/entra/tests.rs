//! Entra's wire behaviour pinned byte for byte against a scripted fake target, cycle by cycle on
//! a virtual clock.

use jiff::{SignedDuration, Timestamp};

use super::checks::*;
use super::*;
use crate::clock::{Clock, VirtualClock};
use crate::idp::directory::{Directory, IdShape, Profile};
use crate::idp::script::{Script, failed};
use crate::idp::wire::WireResponse;

const EMPTY: &str = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#;
const ADA_LOOKUP: &str = "/Users?filter=userName+eq+%22ada%40example.com%22";
const ADA_CREATE: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"ada","userName":"ada@example.com","active":true,"displayName":"Ada Lovelace","emails":[{"primary":true,"type":"work","value":"ada@example.com"}],"meta":{"resourceType":"User"},"name":{"formatted":"Ada Lovelace","familyName":"Lovelace","givenName":"Ada"},"roles":[]}"#;
const ADA_STORED: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"u-1","externalId":"ada","userName":"ada@example.com","active":true,"displayName":"Ada Lovelace","emails":[{"primary":true,"type":"work","value":"ada@example.com"}],"name":{"formatted":"Ada Lovelace","familyName":"Lovelace","givenName":"Ada"}}"#;
const ENG_LOOKUP: &str =
    "/Groups?excludedAttributes=members&filter=displayName+eq+%22Engineering%22";
const ENG_CREATE: &str = r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"externalId":"00000000-0000-4000-8000-000000000002","displayName":"Engineering","meta":{"resourceType":"Group"}}"#;

fn created(id: &str) -> String {
    format!(r#"{{"id":"{id}","schemas":["urn:ietf:params:scim:schemas:core:2.0:User"]}}"#)
}

fn clock() -> VirtualClock {
    VirtualClock::starting_at("2026-01-05T09:00:00Z".parse().unwrap())
}

/// Ada, assigned; Engineering with Ada as its member, assigned.
fn directory() -> Directory {
    let mut directory = Directory::default();
    directory.define_user(
        "ada",
        Profile {
            user_name: "ada@example.com".into(),
            given_name: "Ada".into(),
            family_name: "Lovelace".into(),
            email: "ada@example.com".into(),
            ..Profile::default()
        },
        IdShape::Guid,
    );
    directory.define_group(
        "eng",
        "Engineering".into(),
        vec!["ada".into()],
        IdShape::Guid,
    );
    directory.change_user("ada", |u| u.assigned = true);
    directory.change_group("eng", |g| g.assigned = true);
    directory
}

/// A job whose initial cycle has provisioned Ada (`u-1`) and Engineering (`g-1`).
async fn provisioned(dialect: Dialect) -> (Job, Directory, VirtualClock) {
    let mut job = Job::new(Entra::new(dialect));
    let mut directory = directory();
    let clock = clock();
    let mut script = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"))
        .reply(200, EMPTY)
        .reply(201, r#"{"id":"g-1"}"#)
        .reply(204, "");
    let report = job.start(&mut directory, &clock, &mut script).await;
    assert_eq!(
        failed(&report.checks),
        Vec::<&str>::new(),
        "{:?}",
        report.checks
    );
    (job, directory, clock)
}

/// Moves the clock to the next cycle and runs it.
async fn next_cycle(
    job: &mut Job,
    directory: &mut Directory,
    clock: &VirtualClock,
    script: &mut Script,
) -> job::CycleReport {
    let next = job.next_cycle().expect("a cycle is scheduled");
    clock.advance(next.duration_since(clock.now()));
    job.run_due_cycle(directory, clock, script).await
}

#[tokio::test]
async fn test_connection_filters_on_random_guids_and_needs_empty_lists() {
    // Arrange
    let mut job = Job::new(Entra::default());
    let mut script = Script::default().reply(200, EMPTY).reply(404, "");

    // Act
    let report = job.test_connection(&mut script).await;

    // Assert
    let lines = script.lines();
    assert!(
        lines[0].starts_with("GET /Users?filter=userName+eq+%22"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("GET /Groups?excludedAttributes=members&filter=displayName+eq+%22")
    );
    assert_ne!(lines[0][33..69], lines[1][55..91], "two different GUIDs");
    assert_eq!(
        script.sent[0].headers,
        vec![("ADSCIMVersion".to_owned(), "6.0".to_owned())]
    );
    assert_eq!(failed(&report.checks), [TEST_CONNECTION_EMPTY_LIST]);
    assert!(report.checks[1].reasons[0].contains("404"));
}

#[tokio::test]
async fn the_initial_cycle_creates_users_then_an_empty_group_then_adds_members() {
    // Arrange
    let mut job = Job::new(Entra::default());
    let mut directory = directory();
    let clock = clock();
    let mut script = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"))
        .reply(200, EMPTY)
        .reply(201, r#"{"id":"g-1"}"#)
        .reply(204, "");

    // Act
    let report = job.start(&mut directory, &clock, &mut script).await;

    // Assert
    assert_eq!(
        script.lines(),
        [
            format!("GET {ADA_LOOKUP}"),
            "POST /Users".to_owned(),
            format!("GET {ENG_LOOKUP}"),
            "POST /Groups".to_owned(),
            "PATCH /Groups/g-1".to_owned(),
        ]
    );
    assert_eq!(script.body(1), ADA_CREATE);
    assert_eq!(
        script.sent[1].headers,
        vec![
            (
                "Content-Type".to_owned(),
                "application/scim+json; charset=utf-8".to_owned()
            ),
            ("ADSCIMVersion".to_owned(), "6.0".to_owned()),
        ]
    );
    assert_eq!(script.body(3), ENG_CREATE);
    assert_eq!(
        script.body(4),
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"value":"u-1"}]}]}"#
    );
    assert_eq!(failed(&report.checks), Vec::<&str>::new());
    assert_eq!(
        directory.user("ada").unwrap().target_id.as_deref(),
        Some("u-1")
    );
    assert_eq!(
        job.next_cycle(),
        Some(clock.now() + SignedDuration::from_mins(40))
    );
}

#[tokio::test]
async fn several_edits_in_one_cycle_become_one_patch_of_what_differs() {
    for (dialect, patch) in [
        (
            Dialect::Default,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"Ada King"},{"op":"Add","path":"title","value":"Countess"},{"op":"Replace","path":"name.familyName","value":"King"},{"op":"Replace","path":"name.formatted","value":"Ada King"}]}"#,
        ),
        (
            Dialect::Compliant,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"title","value":"Countess"},{"op":"replace","value":{"displayName":"Ada King","name.familyName":"King","name.formatted":"Ada King"}}]}"#,
        ),
    ] {
        // Arrange
        let (mut job, mut directory, clock) = provisioned(dialect).await;
        directory.change_user("ada", |u| u.profile.family_name = "Byron".into());
        directory.change_user("ada", |u| u.profile.family_name = "King".into());
        directory.change_user("ada", |u| u.profile.title = Some("Countess".into()));
        let mut script = Script::default()
            .reply(200, ADA_STORED)
            .reply(200, ADA_STORED);

        // Act
        let report = next_cycle(&mut job, &mut directory, &clock, &mut script).await;

        // Assert
        assert_eq!(
            script.lines(),
            ["GET /Users/u-1", "PATCH /Users/u-1"],
            "{dialect:?}"
        );
        assert_eq!(script.body(1), patch, "{dialect:?}");
        assert_eq!(failed(&report.checks), Vec::<&str>::new());
    }
}

#[tokio::test]
async fn a_cycle_with_nothing_changed_sends_nothing() {
    // Arrange
    let (mut job, mut directory, clock) = provisioned(Dialect::Default).await;
    let mut script = Script::default();

    // Act
    let report = next_cycle(&mut job, &mut directory, &clock, &mut script).await;

    // Assert
    assert!(script.sent.is_empty());
    assert_eq!(report.kind, "incremental");
}

#[tokio::test]
async fn unassigning_disables_with_the_dialects_active_and_a_change_before_it_is_not_sent() {
    for (dialect, patch) in [
        (
            Dialect::Default,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#,
        ),
        (
            Dialect::Compliant,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}"#,
        ),
    ] {
        // Arrange
        let (mut job, mut directory, clock) = provisioned(dialect).await;
        directory.change_user("ada", |u| u.profile.given_name = "Augusta".into());
        directory.change_user("ada", |u| u.assigned = false);
        directory.change_group("eng", |g| g.members.clear());
        let mut script = Script::default()
            .reply(200, ADA_STORED)
            .reply(204, "")
            .reply(204, "");

        // Act
        next_cycle(&mut job, &mut directory, &clock, &mut script).await;

        // Assert
        assert_eq!(
            script.lines(),
            ["GET /Users/u-1", "PATCH /Users/u-1", "PATCH /Groups/g-1"],
            "{dialect:?}"
        );
        assert_eq!(script.body(1), patch, "{dialect:?}");
    }
}

#[tokio::test]
async fn member_removal_takes_each_dialects_form() {
    for (dialect, patch) in [
        (
            Dialect::Default,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Remove","path":"members","value":[{"value":"u-1"}]}]}"#,
        ),
        (
            Dialect::Compliant,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","path":"members[value eq \"u-1\"]"}]}"#,
        ),
    ] {
        // Arrange: Ada stays assigned directly, but leaves the group.
        let (mut job, mut directory, clock) = provisioned(dialect).await;
        directory.change_group("eng", |g| g.members.clear());
        let mut script = Script::default().reply(204, "");

        // Act
        next_cycle(&mut job, &mut directory, &clock, &mut script).await;

        // Assert
        assert_eq!(script.lines(), ["PATCH /Groups/g-1"], "{dialect:?}");
        assert_eq!(script.body(0), patch, "{dialect:?}");
    }
}

#[tokio::test]
async fn a_soft_deleted_user_is_disabled_then_deleted_thirty_days_later() {
    // Arrange
    let (mut job, mut directory, clock) = provisioned(Dialect::Default).await;
    let deleted_at = clock.now();
    directory.change_user("ada", |u| u.soft_deleted_at = Some(deleted_at));
    let mut script = Script::default()
        .reply(200, ADA_STORED)
        .reply(204, "")
        .reply(204, "")
        .reply(204, "");

    // Act
    next_cycle(&mut job, &mut directory, &clock, &mut script).await;
    clock.advance(SignedDuration::from_hours(30 * 24));
    let purged = next_cycle(&mut job, &mut directory, &clock, &mut script).await;

    // Assert
    assert_eq!(
        script.lines(),
        [
            "GET /Users/u-1",
            "PATCH /Users/u-1",
            "PATCH /Groups/g-1",
            "DELETE /Users/u-1"
        ]
    );
    assert_eq!(failed(&purged.checks), Vec::<&str>::new());
    assert!(directory.user("ada").unwrap().purged);
    assert_eq!(directory.user("ada").unwrap().target_id, None);
}

#[tokio::test]
async fn an_unassigned_user_is_no_longer_managed_so_its_purge_sends_nothing() {
    // Arrange
    let (mut job, mut directory, clock) = provisioned(Dialect::Default).await;
    directory.change_user("ada", |u| u.assigned = false);
    directory.change_group("eng", |g| g.assigned = false);
    let mut script = Script::default()
        .reply(200, ADA_STORED)
        .reply(204, "")
        .reply(204, "");
    next_cycle(&mut job, &mut directory, &clock, &mut script).await;
    let sent = script.sent.len();

    // Act
    directory.change_user("ada", |u| u.purged = true);
    next_cycle(&mut job, &mut directory, &clock, &mut script).await;

    // Assert
    assert_eq!(script.lines()[2], "DELETE /Groups/g-1");
    assert_eq!(script.sent.len(), sent, "no DELETE of the user");
}

#[tokio::test]
async fn a_failed_create_is_retried_at_the_next_cycle_then_six_hours_after_it_first_failed() {
    // Arrange
    let mut job = Job::new(Entra::default());
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    let clock = clock();
    let started = clock.now();
    let mut script = Script::default().reply(200, EMPTY).reply(500, "");
    let first = job.start(&mut directory, &clock, &mut script).await;

    // Act: the next cycle retries and fails again; the cycles of the next 6 hours pass the
    // user by; the one after them retries.
    let mut next = Script::default().reply(200, EMPTY).reply(500, "");
    let second = next_cycle(&mut job, &mut directory, &clock, &mut next).await;
    let second_at = clock.now();
    let mut quiet = Script::default();
    while job.next_cycle().unwrap() < started + SignedDuration::from_hours(6) {
        next_cycle(&mut job, &mut directory, &clock, &mut quiet).await;
    }
    let mut retry = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"));
    let retried = next_cycle(&mut job, &mut directory, &clock, &mut retry).await;

    // Assert
    assert_eq!(failed(&first.checks), [CREATE_RETURNS_ID]);
    assert_eq!(
        first.checks[3].reasons[1],
        "user ada: escrowed after failure 1, retried at the next cycle (docs/idps/entra.md §10.2)"
    );
    assert_eq!(second_at, started + SignedDuration::from_mins(40));
    assert_eq!(next.lines().len(), 2, "retried at the next cycle");
    assert_eq!(
        failed(&second.checks)[0],
        CREATE_RETURNS_ID,
        "{:?}",
        second.checks
    );
    assert!(
        second
            .checks
            .iter()
            .any(|c| c.reasons.iter().any(|r| r.ends_with(
                "escrowed after failure 2, retried in 5 h 20 min (docs/idps/entra.md §10.2)"
            ))),
        "{:?}",
        second.checks
    );
    assert!(quiet.sent.is_empty());
    assert_eq!(clock.now(), started + SignedDuration::from_hours(6));
    assert_eq!(
        retry.lines(),
        [format!("GET {ADA_LOOKUP}"), "POST /Users".to_owned()]
    );
    assert_eq!(failed(&retried.checks), Vec::<&str>::new());
    assert_eq!(job.escrowed(), 0);
}

#[tokio::test]
async fn a_404_on_a_filter_query_quarantines_the_job_and_slows_its_cycles() {
    // Arrange
    let mut job = Job::new(Entra::default());
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    let clock = clock();
    let mut script = Script::default().reply(404, "");

    // Act
    let report = job.start(&mut directory, &clock, &mut script).await;

    // Assert
    assert_eq!(
        failed(&report.checks),
        [LOOKUP_LIST_RESPONSE, JOB_NOT_QUARANTINED]
    );
    assert!(job.quarantine().is_some());
    assert_eq!(job.escrowed(), 1);
    assert_eq!(
        job.next_cycle(),
        Some(clock.now() + SignedDuration::from_mins(80))
    );
}

#[tokio::test]
async fn a_409_after_an_empty_lookup_says_the_lookup_missed_the_user() {
    // Arrange
    let mut job = Job::new(Entra::default());
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    let mut script = Script::default().reply(200, EMPTY).reply(409, "");

    // Act
    let report = job.start(&mut directory, &clock(), &mut script).await;

    // Assert
    assert_eq!(
        failed(&report.checks),
        [CREATE_RETURNS_ID, LOOKUP_FINDS_EXISTING]
    );
}

#[tokio::test]
async fn lookups_must_match_once_and_leave_group_members_out() {
    // Arrange
    let two = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":2,"Resources":[{"id":"a"},{"id":"b"}]}"#;
    let with_members = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":"g-1","displayName":"Engineering","members":[]}]}"#;
    let strings = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":"0","Resources":[]}"#;
    let mut job = Job::new(Entra::default());
    let mut directory = directory();
    let mut script = Script::default().reply(200, two).reply(200, with_members);

    // Act
    let report = job.start(&mut directory, &clock(), &mut script).await;
    let answer = WireResponse {
        status: 200,
        headers: Vec::new(),
        body: strings.as_bytes().to_vec(),
    };
    let (paging, _) = lookup(0, &answer, false, ("userName", "ada@example.com"));

    // Assert
    assert_eq!(
        failed(&report.checks),
        [LOOKUP_SINGLE_MATCH, GROUP_LOOKUP_EXCLUDES_MEMBERS]
    );
    assert!(
        paging[0].reasons[0].contains("not an integer"),
        "{paging:?}"
    );
}

#[tokio::test]
async fn the_flag_can_travel_in_every_query_and_on_demand_ignores_it() {
    // Arrange
    let entra = Entra {
        flag_in_query: true,
        ..Entra::new(Dialect::Compliant)
    };
    let mut job = Job::new(entra);
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    let mut cycle = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"));
    let mut on_demand = Script::default()
        .reply(200, EMPTY)
        .reply(200, EMPTY)
        .reply(
            200,
            &format!(r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{ADA_STORED}]}}"#),
        )
        .reply(200, "");
    directory.change_user("ada", |u| u.profile.family_name = "Byron".into());

    // Act
    job.start(&mut directory, &clock(), &mut cycle).await;
    let report = job
        .provision_on_demand(&mut directory, "ada", &mut on_demand)
        .await
        .unwrap();

    // Assert
    assert_eq!(
        cycle.lines()[0],
        "GET /Users?aadOptscim062020&filter=userName+eq+%22ada%40example.com%22"
    );
    assert_eq!(cycle.lines()[1], "POST /Users?aadOptscim062020");
    assert_eq!(on_demand.lines()[2], format!("GET {ADA_LOOKUP}"));
    assert_eq!(on_demand.lines()[3], "PATCH /Users/u-1");
    assert!(
        on_demand.body(3).contains(r#""op":"Replace""#),
        "default dialect"
    );
    assert_eq!(report.kind, "on-demand");
}

#[tokio::test]
async fn the_gallery_pace_spaces_requests_by_forty_milliseconds() {
    // Arrange
    let entra = Entra {
        pace: Some(GALLERY_RATE),
        ..Entra::default()
    };
    let mut job = Job::new(entra);
    let mut script = Script::default().reply(200, EMPTY).reply(200, EMPTY);

    // Act
    job.test_connection(&mut script).await;

    // Assert
    assert_eq!(script.waits, [std::time::Duration::from_millis(40)]);
}

#[tokio::test]
async fn a_transport_failure_is_a_failed_request_and_escrows_the_object() {
    // Arrange
    let mut job = Job::new(Entra::default());
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    let mut script = Script::default();

    // Act
    let report = job.start(&mut directory, &clock(), &mut script).await;

    // Assert
    assert_eq!(failed(&report.checks), [REQUEST_COMPLETES]);
    assert!(report.checks[0].reasons[0].starts_with("user ada: GET /Users?filter="));
    assert_eq!(job.escrowed(), 1);
}

#[test]
fn the_clock_types_agree() {
    let at: Timestamp = "2026-01-05T09:00:00Z".parse().unwrap();
    assert_eq!(
        job::after(at, std::time::Duration::from_secs(2400)),
        at + SignedDuration::from_mins(40)
    );
}

/// Ada with a work address, three phone numbers and an employee number.
fn directory_with_contact_details() -> Directory {
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    directory.change_user("ada", |u| {
        u.profile.employee_number = Some("1815".into());
        u.profile.address = crate::idp::directory::Address {
            street_address: Some("12 St James's Square".into()),
            locality: Some("London".into()),
            region: Some("England".into()),
            postal_code: Some("SW1Y 4JH".into()),
            country: Some("GB".into()),
        };
        u.profile.phones = crate::idp::directory::Phones {
            work: Some("+44 20 7946 0000".into()),
            mobile: Some("+44 7700 900000".into()),
            fax: None,
        };
    });
    directory
}

#[tokio::test]
async fn a_create_carries_the_work_address_the_phone_numbers_and_the_employee_number() {
    // Arrange
    let mut job = Job::new(Entra::default());
    let mut directory = directory_with_contact_details();
    let mut script = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"));

    // Act
    let report = job.start(&mut directory, &clock(), &mut script).await;

    // Assert
    assert_eq!(failed(&report.checks), Vec::<&str>::new());
    assert_eq!(
        script.body(1),
        r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"ada","userName":"ada@example.com","active":true,"displayName":"Ada Lovelace","emails":[{"primary":true,"type":"work","value":"ada@example.com"}],"meta":{"resourceType":"User"},"name":{"formatted":"Ada Lovelace","familyName":"Lovelace","givenName":"Ada"},"addresses":[{"type":"work","streetAddress":"12 St James's Square","locality":"London","region":"England","postalCode":"SW1Y 4JH","country":"GB","primary":true}],"phoneNumbers":[{"value":"+44 20 7946 0000","type":"work"},{"value":"+44 7700 900000","type":"mobile"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1815"},"roles":[]}"#
    );
}

#[tokio::test]
async fn address_and_phone_changes_go_out_as_filtered_paths_in_each_dialect() {
    for (dialect, patch) in [
        (
            Dialect::Default,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"addresses[type eq \"work\"].streetAddress","value":"1 Dorset Street"},{"op":"Replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"+44 7700 900001"},{"op":"Add","path":"phoneNumbers[type eq \"fax\"].value","value":"+44 20 7946 0001"},{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"1816"}]}"#,
        ),
        (
            Dialect::Compliant,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"addresses[type eq \"work\"].streetAddress","value":"1 Dorset Street"},{"op":"replace","path":"phoneNumbers[type eq \"mobile\"].value","value":"+44 7700 900001"},{"op":"add","path":"phoneNumbers[type eq \"fax\"].value","value":"+44 20 7946 0001"},{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"1816"}]}"#,
        ),
    ] {
        // Arrange: the target holds what the create sent.
        let mut job = Job::new(Entra::new(dialect));
        let mut directory = directory_with_contact_details();
        let clock = clock();
        let mut create = Script::default()
            .reply(200, EMPTY)
            .reply(201, &created("u-1"));
        job.start(&mut directory, &clock, &mut create).await;
        let mut stored: serde_json::Value = serde_json::from_str(&create.body(1)).unwrap();
        stored["id"] = "u-1".into();
        directory.change_user("ada", |u| {
            u.profile.address.street_address = Some("1 Dorset Street".into());
            u.profile.phones.mobile = Some("+44 7700 900001".into());
            u.profile.phones.fax = Some("+44 20 7946 0001".into());
            u.profile.employee_number = Some("1816".into());
        });
        let mut script = Script::default()
            .reply(200, &stored.to_string())
            .reply(204, "");

        // Act
        let report = next_cycle(&mut job, &mut directory, &clock, &mut script).await;

        // Assert
        assert_eq!(
            script.lines(),
            ["GET /Users/u-1", "PATCH /Users/u-1"],
            "{dialect:?}"
        );
        assert_eq!(script.body(1), patch, "{dialect:?}");
        assert_eq!(failed(&report.checks), Vec::<&str>::new());
    }
}

#[tokio::test]
async fn without_a_role_mapping_a_create_carries_empty_roles_whatever_the_user_holds() {
    // Arrange
    let mut job = Job::new(Entra::default());
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    directory.change_user("ada", |u| u.profile.app_roles = vec!["Admin".into()]);
    let mut script = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"));

    // Act
    job.start(&mut directory, &clock(), &mut script).await;

    // Assert
    assert_eq!(script.body(1), ADA_CREATE);
}

#[tokio::test]
async fn single_app_role_assignment_sends_the_role_in_the_create_and_adds_a_changed_one() {
    let reader_id = request::app_role_id("Reader");
    for (dialect, patch) in [
        (
            Dialect::Default,
            format!(
                r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{"op":"Add","path":"roles","value":[{{"value":"{{\"id\":\"{reader_id}\",\"value\":\"Reader\",\"displayName\":\"Reader\"}}"}}]}}]}}"#
            ),
        ),
        (
            Dialect::Compliant,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"roles","value":[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","value":"Reader"}]}]}"#.to_owned(),
        ),
    ] {
        // Arrange
        let entra = Entra {
            roles: RoleMapping::SingleAppRoleAssignment,
            ..Entra::new(dialect)
        };
        let mut job = Job::new(entra);
        let mut directory = directory();
        directory.change_group("eng", |g| g.assigned = false);
        directory.change_user("ada", |u| u.profile.app_roles = vec!["Admin".into(), "Auditor".into()]);
        let clock = clock();
        let mut create = Script::default()
            .reply(200, EMPTY)
            .reply(201, &created("u-1"));
        job.start(&mut directory, &clock, &mut create).await;
        let mut stored: serde_json::Value = serde_json::from_str(&create.body(1)).unwrap();
        stored["id"] = "u-1".into();
        directory.change_user("ada", |u| u.profile.app_roles = vec!["Reader".into()]);
        let mut script = Script::default()
            .reply(200, &stored.to_string())
            .reply(204, "");

        // Act
        next_cycle(&mut job, &mut directory, &clock, &mut script).await;

        // Assert: the first role only, primary, in the create; the new role in the PATCH.
        assert!(
            create.body(1).ends_with(
                r#""roles":[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","value":"Admin"}]}"#
            ),
            "{dialect:?}: {}",
            create.body(1)
        );
        assert_eq!(script.lines(), ["GET /Users/u-1", "PATCH /Users/u-1"]);
        assert_eq!(script.body(1), patch, "{dialect:?}");
    }
}

#[test]
fn an_app_role_id_is_a_stable_version_4_guid() {
    let id = request::app_role_id("Admin");
    assert_eq!(id, request::app_role_id("Admin"));
    assert_ne!(id, request::app_role_id("Reader"));
    let parts: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(parts, [8, 4, 4, 4, 12]);
    assert_eq!(&id[14..15], "4");
}

#[tokio::test]
async fn a_429_escrows_by_default_and_suspends_for_retry_after_when_told_to() {
    let throttled = [
        ("Retry-After", "30"),
        ("Content-Type", "application/scim+json"),
    ];
    for (throttling, answers, lines, waits, escrowed) in [
        (Throttling::Escrow, vec![Some("30"), None], 2, vec![], 1),
        (
            Throttling::RetryAfter,
            vec![Some("30"), None],
            3,
            vec![30],
            0,
        ),
        // No number of seconds to wait: the object escrows.
        (
            Throttling::RetryAfter,
            vec![Some("Wed, 21 Oct 2026 07:28:00 GMT")],
            2,
            vec![],
            1,
        ),
        // Still throttled after three suspensions: the object escrows.
        (
            Throttling::RetryAfter,
            vec![Some("30"), Some("30"), Some("30"), Some("30")],
            5,
            vec![30, 30, 30],
            1,
        ),
    ] {
        // Arrange: the lookup finds nothing; the POST is answered `answers` in turn (a
        // Retry-After value is a 429, `None` a 201).
        let mut job = Job::new(Entra {
            throttling,
            initial_cycle_per_object: std::time::Duration::ZERO,
            ..Entra::default()
        });
        let mut directory = directory();
        directory.change_group("eng", |g| g.assigned = false);
        let mut script = Script::default().reply(200, EMPTY);
        for answer in &answers {
            script = match answer {
                Some(after) => script.reply_with(
                    429,
                    &[("Retry-After", after), throttled[1]],
                    r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"429"}"#,
                ),
                None => script.reply(201, &created("u-1")),
            };
        }

        // Act
        job.start(&mut directory, &clock(), &mut script).await;

        // Assert
        let label = format!("{throttling:?} {answers:?}");
        assert_eq!(script.sent.len(), lines, "{label}");
        assert!(
            script.lines()[1..].iter().all(|l| l == "POST /Users"),
            "{label}: only the failed request is sent again"
        );
        assert_eq!(
            script.waits,
            waits
                .iter()
                .map(|s| std::time::Duration::from_secs(*s))
                .collect::<Vec<_>>(),
            "{label}"
        );
        assert_eq!(job.escrowed(), escrowed, "{label}");
    }
}

/// A ListResponse holding one resource.
fn listed(resource: &str) -> String {
    format!(
        r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{resource}]}}"#
    )
}

#[tokio::test]
async fn the_next_matching_attribute_is_tried_when_the_first_finds_nothing() {
    // Arrange: userName first, then externalId; the target holds Ada under another userName.
    let held = r#"{"id":"u-9","externalId":"ada","userName":"ada.old@example.com","active":true,"displayName":"Ada Lovelace","emails":[{"primary":true,"type":"work","value":"ada@example.com"}],"name":{"formatted":"Ada Lovelace","familyName":"Lovelace","givenName":"Ada"}}"#;
    let entra = Entra {
        matching: vec![Matching::UserName, Matching::ExternalId],
        ..Entra::default()
    };
    let mut job = Job::new(entra.clone());
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    let mut script = Script::default()
        .reply(200, EMPTY)
        .reply(200, &listed(held))
        .reply(204, "");
    let mut nobody = Job::new(entra);
    let mut nowhere = Script::default()
        .reply(200, EMPTY)
        .reply(200, EMPTY)
        .reply(201, &created("u-1"));

    // Act
    let report = job.start(&mut directory, &clock(), &mut script).await;
    let mut fresh = self::directory();
    fresh.change_group("eng", |g| g.assigned = false);
    nobody.start(&mut fresh, &clock(), &mut nowhere).await;

    // Assert
    assert_eq!(
        script.lines(),
        [
            format!("GET {ADA_LOOKUP}"),
            "GET /Users?filter=externalId+eq+%22ada%22".to_owned(),
            "PATCH /Users/u-9".to_owned(),
        ]
    );
    assert_eq!(
        script.body(2),
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"userName","value":"ada@example.com"}]}"#
    );
    assert_eq!(failed(&report.checks), Vec::<&str>::new());
    assert_eq!(
        directory.user("ada").unwrap().target_id.as_deref(),
        Some("u-9")
    );
    assert_eq!(
        nowhere.lines(),
        [
            format!("GET {ADA_LOOKUP}"),
            "GET /Users?filter=externalId+eq+%22ada%22".to_owned(),
            "POST /Users".to_owned(),
        ]
    );
}

#[tokio::test]
async fn matching_on_external_id_alone_probes_and_looks_up_by_external_id() {
    // Arrange
    let mut job = Job::new(Entra {
        matching: vec![Matching::ExternalId],
        ..Entra::default()
    });
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    let mut probe = Script::default().reply(200, EMPTY).reply(200, EMPTY);
    let mut cycle = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"));

    // Act
    job.test_connection(&mut probe).await;
    job.start(&mut directory, &clock(), &mut cycle).await;

    // Assert
    assert!(
        probe.lines()[0].starts_with("GET /Users?filter=externalId+eq+%22"),
        "{:?}",
        probe.lines()
    );
    assert_eq!(
        cycle.lines(),
        ["GET /Users?filter=externalId+eq+%22ada%22", "POST /Users"]
    );
}

#[tokio::test]
async fn reading_by_filter_replaces_the_get_by_id_before_an_update() {
    // Arrange
    let entra = Entra {
        read_current: ReadCurrent::ByFilter,
        ..Entra::default()
    };
    let mut job = Job::new(entra);
    let mut directory = directory();
    let clock = clock();
    let mut script = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"))
        .reply(200, EMPTY)
        .reply(201, r#"{"id":"g-1"}"#)
        .reply(204, "");
    job.start(&mut directory, &clock, &mut script).await;
    directory.change_user("ada", |u| u.profile.title = Some("Countess".into()));
    let mut update = Script::default()
        .reply(200, &listed(ADA_STORED))
        .reply(204, "");

    // Act
    let report = next_cycle(&mut job, &mut directory, &clock, &mut update).await;

    // Assert
    assert_eq!(
        update.lines(),
        [format!("GET {ADA_LOOKUP}"), "PATCH /Users/u-1".to_owned()]
    );
    assert_eq!(
        update.body(1),
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"title","value":"Countess"}]}"#
    );
    assert_eq!(failed(&report.checks), Vec::<&str>::new());
}

#[tokio::test]
async fn the_active_variants_change_only_the_bytes_they_name() {
    let disable = |op: &str, value: &str| {
        format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{{"op":"{op}","path":"active","value":{value}}}]}}"#
        )
    };
    for (entra, create_active, patch) in [
        (Entra::default(), "true", disable("Replace", r#""False""#)),
        (
            Entra {
                active_string_in_create: true,
                ..Entra::default()
            },
            r#""True""#,
            disable("Replace", r#""False""#),
        ),
        (
            Entra {
                active_with_add: true,
                ..Entra::default()
            },
            "true",
            disable("Add", r#""False""#),
        ),
        (
            Entra {
                active_lowercase: true,
                ..Entra::default()
            },
            "true",
            disable("Replace", r#""false""#),
        ),
        (
            Entra {
                active_string_in_create: true,
                active_lowercase: true,
                ..Entra::default()
            },
            r#""true""#,
            disable("Replace", r#""false""#),
        ),
        (
            Entra {
                active_with_add: true,
                active_lowercase: true,
                ..Entra::new(Dialect::Compliant)
            },
            "true",
            disable("add", "false"),
        ),
    ] {
        // Arrange
        let label = format!("{entra:?}");
        let mut job = Job::new(entra);
        let mut directory = directory();
        directory.change_group("eng", |g| g.assigned = false);
        let clock = clock();
        let mut create = Script::default()
            .reply(200, EMPTY)
            .reply(201, &created("u-1"));
        job.start(&mut directory, &clock, &mut create).await;
        directory.change_user("ada", |u| u.assigned = false);
        let mut script = Script::default().reply(200, ADA_STORED).reply(204, "");

        // Act
        next_cycle(&mut job, &mut directory, &clock, &mut script).await;

        // Assert
        assert_eq!(
            create.body(1),
            ADA_CREATE.replace(r#""active":true"#, &format!(r#""active":{create_active}"#)),
            "{label}"
        );
        assert_eq!(script.body(1), patch, "{label}");
    }
}

#[tokio::test]
async fn members_go_in_patches_of_at_most_the_configured_number() {
    for (dialect, max, adds, removes) in [
        (Dialect::Default, None, vec![5], vec![5]),
        (Dialect::Default, Some(2), vec![2, 2, 1], vec![2, 2, 1]),
        (Dialect::Compliant, Some(2), vec![2, 2, 1], vec![2, 2, 1]),
    ] {
        // Arrange: five users in an assigned group.
        let mut job = Job::new(Entra {
            max_members_per_patch: max,
            ..Entra::new(dialect)
        });
        let mut directory = Directory::default();
        let keys: Vec<String> = (1..=5).map(|n| format!("u{n}")).collect();
        for key in &keys {
            directory.define_user(
                key,
                Profile {
                    user_name: format!("{key}@example.com"),
                    given_name: "U".into(),
                    family_name: key.clone(),
                    email: format!("{key}@example.com"),
                    ..Profile::default()
                },
                IdShape::Guid,
            );
        }
        directory.define_group("eng", "Engineering".into(), keys.clone(), IdShape::Guid);
        directory.change_group("eng", |g| g.assigned = true);
        let clock = clock();
        let mut create = Script::default();
        for n in 1..=5 {
            create = create
                .reply(200, EMPTY)
                .reply(201, &created(&format!("id-{n}")));
        }
        create = create.reply(200, EMPTY).reply(201, r#"{"id":"g-1"}"#);
        for _ in 0..3 {
            create = create.reply(204, "");
        }

        // Act: the initial cycle adds them; then all are removed from the group while the
        // group stays assigned (they leave scope: each is disabled, then removed).
        let first = job.start(&mut directory, &clock, &mut create).await;
        directory.change_group("eng", |g| g.members.clear());
        for key in &keys {
            directory.change_user(key, |_| ());
        }
        let mut removal = Script::default();
        for n in 1..=5 {
            removal = removal
                .reply(200, &format!(r#"{{"id":"id-{n}","active":true}}"#))
                .reply(204, "");
        }
        for _ in 0..3 {
            removal = removal.reply(204, "");
        }
        let second = next_cycle(&mut job, &mut directory, &clock, &mut removal).await;

        // Assert: the member counts of each group PATCH, in order.
        let counts = |script: &Script| -> Vec<usize> {
            (0..script.sent.len())
                .filter(|i| script.sent[*i].path == "/Groups/g-1")
                .map(|i| script.body(i).matches("id-").count())
                .collect()
        };
        let label = format!("{dialect:?} {max:?}");
        assert_eq!(failed(&first.checks), Vec::<&str>::new(), "{label}");
        assert_eq!(failed(&second.checks), Vec::<&str>::new(), "{label}");
        assert_eq!(counts(&create), adds, "{label}");
        assert_eq!(counts(&removal), removes, "{label}");
    }
}

#[tokio::test]
async fn without_active_mapped_a_disable_trigger_deletes_and_a_return_creates_again() {
    // Arrange
    let mut job = Job::new(Entra {
        active_mapped: false,
        ..Entra::default()
    });
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    let clock = clock();
    let mut create = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"));
    job.start(&mut directory, &clock, &mut create).await;

    // Act: unassigned, then assigned again.
    directory.change_user("ada", |u| u.assigned = false);
    let mut unassign = Script::default().reply(204, "");
    let deleted = next_cycle(&mut job, &mut directory, &clock, &mut unassign).await;
    directory.change_user("ada", |u| u.assigned = true);
    let mut reassign = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-2"));
    next_cycle(&mut job, &mut directory, &clock, &mut reassign).await;

    // Assert
    assert_eq!(create.body(1), ADA_CREATE.replace(r#""active":true,"#, ""));
    assert_eq!(unassign.lines(), ["DELETE /Users/u-1"]);
    assert_eq!(failed(&deleted.checks), Vec::<&str>::new());
    assert_eq!(
        reassign.lines(),
        [format!("GET {ADA_LOOKUP}"), "POST /Users".to_owned()]
    );
    assert_eq!(
        directory.user("ada").unwrap().target_id.as_deref(),
        Some("u-2")
    );
}

#[tokio::test]
async fn without_active_mapped_a_blocked_sign_in_deletes_too() {
    // Arrange
    let mut job = Job::new(Entra {
        active_mapped: false,
        ..Entra::default()
    });
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    let clock = clock();
    let mut create = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"));
    job.start(&mut directory, &clock, &mut create).await;
    directory.change_user("ada", |u| u.enabled = false);
    let mut script = Script::default().reply(204, "");

    // Act
    next_cycle(&mut job, &mut directory, &clock, &mut script).await;

    // Assert
    assert_eq!(script.lines(), ["DELETE /Users/u-1"]);
}

#[tokio::test]
async fn with_the_delete_action_off_no_delete_goes_out() {
    // Arrange: a soft delete (disabled, then purged 30 days later) and the group unassigned;
    // and, with active unmapped too, an unassignment.
    let mut job = Job::new(Entra {
        delete_action: false,
        ..Entra::default()
    });
    let mut directory = directory();
    let clock = clock();
    let mut create = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"))
        .reply(200, EMPTY)
        .reply(201, r#"{"id":"g-1"}"#)
        .reply(204, "");
    job.start(&mut directory, &clock, &mut create).await;
    let deleted_at = clock.now();
    directory.change_user("ada", |u| u.soft_deleted_at = Some(deleted_at));
    directory.change_group("eng", |g| g.assigned = false);
    let mut script = Script::default()
        .reply(200, ADA_STORED)
        .reply(204, "")
        .reply(204, "");
    let mut unmapped = Job::new(Entra {
        delete_action: false,
        active_mapped: false,
        ..Entra::default()
    });
    let mut other = self::directory();
    other.change_group("eng", |g| g.assigned = false);
    let mut other_create = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"));
    unmapped.start(&mut other, &clock, &mut other_create).await;
    other.change_user("ada", |u| u.assigned = false);
    let mut nothing = Script::default();

    // Act
    next_cycle(&mut job, &mut directory, &clock, &mut script).await;
    clock.advance(SignedDuration::from_hours(30 * 24));
    next_cycle(&mut job, &mut directory, &clock, &mut script).await;
    next_cycle(&mut unmapped, &mut other, &clock, &mut nothing).await;

    // Assert: the disable by PATCH only; no DELETE of the user or the group.
    assert_eq!(script.lines(), ["GET /Users/u-1", "PATCH /Users/u-1"]);
    assert!(nothing.sent.is_empty());
}

#[tokio::test]
async fn skipping_out_of_scope_deletions_leaves_an_unassigned_user_alone_but_not_a_deleted_one() {
    // Arrange
    let mut job = Job::new(Entra {
        skip_out_of_scope_deletions: true,
        ..Entra::default()
    });
    let mut directory = directory();
    directory.define_user(
        "bob",
        Profile {
            user_name: "bob@example.com".into(),
            given_name: "Bob".into(),
            family_name: "Kahn".into(),
            email: "bob@example.com".into(),
            ..Profile::default()
        },
        IdShape::Guid,
    );
    directory.change_user("bob", |u| u.assigned = true);
    directory.change_group("eng", |g| g.assigned = false);
    let clock = clock();
    let mut create = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"))
        .reply(200, EMPTY)
        .reply(201, &created("u-2"));
    job.start(&mut directory, &clock, &mut create).await;
    let deleted_at = clock.now();
    directory.change_user("ada", |u| u.assigned = false);
    directory.change_user("bob", |u| u.soft_deleted_at = Some(deleted_at));
    let mut script = Script::default()
        .reply(200, r#"{"id":"u-2","active":true}"#)
        .reply(204, "");

    // Act
    next_cycle(&mut job, &mut directory, &clock, &mut script).await;

    // Assert: nothing for Ada; Bob's soft delete still disables.
    assert_eq!(script.lines(), ["GET /Users/u-2", "PATCH /Users/u-2"]);
}

#[tokio::test]
async fn a_manager_out_of_scope_on_day_one_is_linked_only_after_a_restart() {
    // Arrange: Bob is assigned, his manager Ada is not.
    let mut job = Job::new(Entra::default());
    let mut directory = directory();
    directory.change_group("eng", |g| g.assigned = false);
    directory.change_user("ada", |u| u.assigned = false);
    directory.define_user(
        "bob",
        Profile {
            user_name: "bob@example.com".into(),
            given_name: "Bob".into(),
            family_name: "Kahn".into(),
            email: "bob@example.com".into(),
            ..Profile::default()
        },
        IdShape::Guid,
    );
    directory.change_user("bob", |u| {
        u.assigned = true;
        u.manager = Some("ada".into());
    });
    let clock = clock();
    let mut day_one = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-bob"));
    job.start(&mut directory, &clock, &mut day_one).await;

    // Act: Ada comes into scope; then the job is restarted.
    directory.change_user("ada", |u| u.assigned = true);
    let mut later = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-ada"));
    next_cycle(&mut job, &mut directory, &clock, &mut later).await;
    let bob_stored = r#"{"id":"u-bob","externalId":"bob","userName":"bob@example.com","active":true,"displayName":"Bob Kahn","emails":[{"primary":true,"type":"work","value":"bob@example.com"}],"name":{"formatted":"Bob Kahn","familyName":"Kahn","givenName":"Bob"}}"#;
    let ada_stored = ADA_STORED.replace("u-1", "u-ada");
    let mut restart = Script::default()
        .reply(200, &listed(&ada_stored))
        .reply(200, &listed(bob_stored))
        .reply(204, "");
    let restarted = job.restart(&mut directory, &clock, &mut restart).await;

    // Assert
    assert_eq!(day_one.lines()[1], "POST /Users");
    assert_eq!(
        later.lines(),
        [format!("GET {ADA_LOOKUP}"), "POST /Users".to_owned()],
        "no manager PATCH for Bob"
    );
    assert_eq!(restart.lines()[2], "PATCH /Users/u-bob");
    assert_eq!(
        restart.body(2),
        r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"u-ada"}]}"#
    );
    assert_eq!(failed(&restarted.checks), Vec::<&str>::new());
}

#[tokio::test]
async fn the_initial_cycle_spends_its_time_per_user_group_and_member() {
    // Arrange: Ada, and Engineering with Ada as its member: three objects.
    let mut job = Job::new(Entra {
        initial_cycle_per_object: INITIAL_CYCLE_PER_OBJECT_MAX,
        ..Entra::default()
    });
    let mut directory = directory();
    let clock = clock();
    let mut script = Script::default()
        .reply(200, EMPTY)
        .reply(201, &created("u-1"))
        .reply(200, EMPTY)
        .reply(201, r#"{"id":"g-1"}"#)
        .reply(204, "");
    directory.change_user("ada", |u| u.profile.title = Some("Countess".into()));

    // Act
    let initial = job.start(&mut directory, &clock, &mut script).await;
    let mut update = Script::default().reply(200, ADA_STORED).reply(204, "");
    directory.change_user("ada", |u| u.profile.title = Some("Analyst".into()));
    let incremental = next_cycle(&mut job, &mut directory, &clock, &mut update).await;

    // Assert: 4.8 s after the user, after the group, after its one member; an incremental
    // cycle takes no time of its own.
    assert_eq!(script.waits, [INITIAL_CYCLE_PER_OBJECT_MAX; 3]);
    assert_eq!(initial.objects, 3);
    assert!(update.waits.is_empty());
    assert_eq!(incremental.objects, 0);
    assert_eq!(
        INITIAL_CYCLE_PER_OBJECT_MIN,
        std::time::Duration::from_secs_f64(0.01 * 60.0)
    );
    assert_eq!(
        INITIAL_CYCLE_PER_OBJECT_MAX,
        std::time::Duration::from_secs_f64(0.08 * 60.0)
    );
}

#[tokio::test]
async fn a_matched_or_renamed_group_gets_its_external_id_reasserted_with_add_when_told_to() {
    for (dialect, matched, renamed) in [
        (
            Dialect::Default,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"externalId","value":"00000000-0000-4000-8000-000000000002"}]}"#,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"displayName","value":"Research"},{"op":"Add","path":"externalId","value":"00000000-0000-4000-8000-000000000002"}]}"#,
        ),
        (
            Dialect::Compliant,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"externalId","value":"00000000-0000-4000-8000-000000000002"}]}"#,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"displayName","value":"Research"},{"op":"add","path":"externalId","value":"00000000-0000-4000-8000-000000000002"}]}"#,
        ),
    ] {
        // Arrange: the target already holds Engineering.
        let mut job = Job::new(Entra {
            reassert_group_external_id: true,
            ..Entra::new(dialect)
        });
        let mut directory = directory();
        let clock = clock();
        let mut start = Script::default()
            .reply(200, EMPTY)
            .reply(201, &created("u-1"))
            .reply(200, &listed(r#"{"id":"g-1","displayName":"Engineering"}"#))
            .reply(204, "")
            .reply(204, "");
        job.start(&mut directory, &clock, &mut start).await;
        directory.change_group("eng", |g| g.name = "Research".into());
        let mut rename = Script::default()
            .reply(200, r#"{"id":"g-1","displayName":"Engineering"}"#)
            .reply(204, "");

        // Act
        next_cycle(&mut job, &mut directory, &clock, &mut rename).await;

        // Assert
        assert_eq!(start.lines()[3], "PATCH /Groups/g-1", "{dialect:?}");
        assert_eq!(start.body(3), matched, "{dialect:?}");
        assert_eq!(
            rename.lines(),
            [
                "GET /Groups/g-1?excludedAttributes=members",
                "PATCH /Groups/g-1"
            ]
        );
        assert_eq!(rename.body(1), renamed, "{dialect:?}");
    }
}
