use super::*;
use crate::record::trace::Payload;

fn entry(
    method: &str,
    path: &str,
    body: &str,
    status: u16,
    answer: &str,
    at_ms: u64,
) -> TraceEntry {
    TraceEntry {
        at_ms,
        method: method.into(),
        path: path.into(),
        request_headers: vec![
            ("Authorization".into(), "<redacted>".into()),
            ("User-Agent".into(), "Okta SCIM Client 1.0.0".into()),
            ("Host".into(), "app.example.com".into()),
        ],
        request_body: Payload::of(body.as_bytes()),
        status: Some(status),
        response_headers: Vec::new(),
        response_body: Payload::of(answer.as_bytes()),
        error: None,
        elapsed_ms: 1,
    }
}

fn request(step: &Step) -> &RequestStep {
    match step {
        Step::Request(request) => request,
        other => panic!("{other:?}"),
    }
}

#[test]
fn ids_become_captures_names_move_under_the_run_prefix_and_pauses_become_waits() {
    // Arrange: a lookup, a create, a PATCH of the created user 40 minutes later.
    let trace = [
        entry(
            "GET",
            "/Users?filter=userName%20eq%20%22ada%40example.com%22",
            "",
            200,
            r#"{"totalResults":0,"Resources":[]}"#,
            0,
        ),
        entry(
            "POST",
            "/Users",
            r#"{"userName":"ada@example.com","emails":[{"value":"ada@example.com"}]}"#,
            201,
            r#"{"id":"7f3a","userName":"ada@example.com"}"#,
            10,
        ),
        entry(
            "PATCH",
            "/Users/7f3a",
            r#"{"Operations":[{"op":"replace","path":"active","value":false}]}"#,
            200,
            r#"{"id":"7f3a"}"#,
            2_400_010,
        ),
    ];
    let options = Options {
        name: "customer".into(),
        origin: "at a customer".into(),
        base_url: "https://app.example.com/scim/v2".into(),
        keep_timing: true,
    };

    // Act
    let conversion = convert(&trace, &options);

    // Assert
    let steps = &conversion.scenario.steps;
    assert_eq!(steps.len(), 5, "{steps:?}");
    let lookup = request(&steps[0]);
    assert_eq!(
        lookup.path,
        "/Users?filter=userName%20eq%20%22{{run.prefix}}.ada%40example.com%22"
    );
    assert!(lookup.as_written);
    assert_eq!(
        lookup.headers.keys().collect::<Vec<_>>(),
        ["User-Agent"],
        "the credential and Host are the replay's own"
    );
    let create = request(&steps[1]);
    assert_eq!(
        create.body.as_ref().unwrap()["userName"],
        "{{run.prefix}}.ada@example.com"
    );
    assert_eq!(
        create.capture.get("user_1"),
        Some(&Capture::Pointer("/id".into()))
    );
    assert_eq!(steps[2], Step::Wait("40m".into()));
    let patch = request(&steps[3]);
    assert_eq!(patch.path, "/Users/{{user_1}}");
    assert_eq!(
        patch.check.as_ref().map(|c| c.id.as_str()),
        Some("recorded.customer.exchange-3")
    );
    assert_eq!(steps[4], Step::Snapshot(SNAPSHOT_NAME.into()));
    // The transcript shows the names as a replay's snapshot does.
    assert!(
        conversion.transcript.contains("<prefix>.ada@example.com"),
        "{}",
        conversion.transcript
    );
    assert!(!conversion.transcript.contains("\"ada@example.com\""));
}

#[test]
fn the_scenario_written_loads_back_as_the_same_scenario() {
    // Arrange
    let trace = [
        entry(
            "POST",
            "/Groups",
            r#"{"displayName":"Sales"}"#,
            201,
            r#"{"id":"g-1"}"#,
            0,
        ),
        entry("DELETE", "/Groups/g-1", "", 204, "", 5),
    ];
    let options = Options {
        name: "groups".into(),
        origin: "here".into(),
        base_url: String::new(),
        keep_timing: false,
    };

    // Act
    let conversion = convert(&trace, &options);
    let yaml = serde_saphyr::to_string(&conversion.scenario).unwrap();
    let loaded =
        crate::scenario::load::load_str(&yaml, std::path::Path::new("groups.yaml")).unwrap();

    // Assert
    assert_eq!(loaded, conversion.scenario);
    assert_eq!(
        request(&loaded.steps[0]).body.as_ref().unwrap()["displayName"],
        "{{run.prefix}} Sales"
    );
    assert_eq!(request(&loaded.steps[1]).path, "/Groups/{{group_1}}");
}

#[test]
fn durations_are_written_in_the_largest_units() {
    assert_eq!(duration_text(1), "1s");
    assert_eq!(duration_text(2_400), "40m");
    assert_eq!(duration_text(90_061), "1d1h1m1s");
}
