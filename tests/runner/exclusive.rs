//! `exclusive: true` scenarios run alone: against a shared target no other scenario run is in
//! flight from the moment one starts until it ends, while the others still run `--jobs` at a
//! time. Shown twice: with the runner's scheduler and a work that records when each run starts
//! and ends, and end to end through `runner::run` against a target that records when each
//! scenario run's requests arrive and are answered.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scimulate::runner::select::Planned;
use scimulate::runner::transport::{Auth, Target};
use scimulate::runner::{self, RunConfig, TargetChoice};
use scimulate::scenario::model::{IdpName, Scenario};
use scimulate::snapshot::SnapshotMode;
use tokio::net::TcpListener;

use crate::support::{SERVICE_PROVIDER_CONFIG, plan_of, runtime, settings};

/// When one run was in flight.
#[derive(Debug, Clone)]
struct Span {
    name: String,
    start: Instant,
    end: Instant,
}

impl Span {
    fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

fn planned(name: &str, exclusive: bool) -> Planned {
    Planned {
        scenario: Arc::new(Scenario {
            name: name.to_owned(),
            description: String::new(),
            tags: vec![],
            idps: vec![IdpName::Generic],
            source: None,
            requires: vec![],
            exclusive,
            opt_in: false,
            idp_settings: Default::default(),
            steps: vec![],
        }),
        file: PathBuf::from(format!("scenarios/{name}.yaml")),
        idp: IdpName::Generic,
    }
}

/// The most spans in flight at one instant.
fn most_at_once(spans: &[&Span]) -> usize {
    spans
        .iter()
        .map(|at| {
            spans
                .iter()
                .filter(|s| s.start <= at.start && at.start < s.end)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[track_caller]
fn assert_alone(spans: &[Span], alone: &[&str]) {
    for exclusive in spans.iter().filter(|s| alone.contains(&s.name.as_str())) {
        for other in spans.iter().filter(|s| s.name != exclusive.name) {
            assert!(
                !exclusive.overlaps(other),
                "{} ran while the exclusive {} did: {other:?} / {exclusive:?}",
                other.name,
                exclusive.name
            );
        }
    }
}

#[test]
fn an_exclusive_scenario_never_overlaps_another_run_while_the_others_run_jobs_at_a_time() {
    runtime().block_on(async {
        // Arrange: exclusive runs among others, in the middle and at the end of the plan.
        let plan: Vec<Planned> = [
            ("a", false),
            ("b", false),
            ("import", true),
            ("c", false),
            ("d", false),
            ("e", false),
            ("f", false),
            ("lockdown", true),
        ]
        .into_iter()
        .map(|(name, exclusive)| planned(name, exclusive))
        .collect();
        let spans: Arc<Mutex<Vec<Span>>> = Arc::default();
        let finished: Arc<Mutex<Vec<String>>> = Arc::default();
        let record = spans.clone();
        let work = move |planned: Planned| {
            let record = record.clone();
            async move {
                let start = Instant::now();
                tokio::time::sleep(Duration::from_millis(40)).await;
                let name = planned.scenario.name.clone();
                record.lock().unwrap().push(Span {
                    name: name.clone(),
                    start,
                    end: Instant::now(),
                });
                name
            }
        };
        let seen = finished.clone();
        let on_finished = move |name: &String| seen.lock().unwrap().push(name.clone());

        // Act
        let results = runner::schedule(plan, 3, work, &on_finished)
            .await
            .expect("no run panics");

        // Assert
        assert_eq!(
            results,
            ["a", "b", "import", "c", "d", "e", "f", "lockdown"],
            "results come back in plan order"
        );
        let spans = spans.lock().unwrap().clone();
        assert_eq!(spans.len(), 8);
        assert_alone(&spans, &["import", "lockdown"]);
        let others: Vec<&Span> = spans.iter().filter(|s| s.name.len() == 1).collect();
        let at_once = most_at_once(&others);
        assert!(
            (2..=3).contains(&at_once),
            "the others run up to --jobs at once, got {at_once}"
        );
        let finished = finished.lock().unwrap().clone();
        assert_eq!(
            &finished[..2],
            ["import", "lockdown"],
            "exclusive runs go first"
        );
        assert_eq!(finished.len(), 8);
    });
}

/// What the recording target saw of one request: which scenario sent it (the stem of its path,
/// `alone` or `crowd`), which run (the run prefix), and when.
#[derive(Debug, Clone)]
struct Seen {
    stem: String,
    prefix: String,
    span: Span,
}

/// A SCIM target that answers the preflight, and every other request with a 404 after 15 ms,
/// recording when each request arrived and was answered.
async fn recording_target() -> (String, Arc<Mutex<Vec<Seen>>>) {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let record = seen.clone();
    let app = Router::new().fallback(move |request: Request| {
        let record = record.clone();
        async move {
            let start = Instant::now();
            let path = request.uri().path().to_owned();
            if path.ends_with("/ServiceProviderConfig") {
                let mut response = SERVICE_PROVIDER_CONFIG.into_response();
                response.headers_mut().insert(
                    "content-type",
                    "application/scim+json".parse().expect("a header value"),
                );
                return response;
            }
            tokio::time::sleep(Duration::from_millis(15)).await;
            // `/scim/v2/Users/{prefix}-{stem}-{n}`
            let last = path.rsplit('/').next().unwrap_or_default();
            let mut parts = last.split('-');
            if let (Some(prefix), Some(stem)) = (parts.next(), parts.next()) {
                record.lock().unwrap().push(Seen {
                    stem: stem.to_owned(),
                    prefix: prefix.to_owned(),
                    span: Span {
                        name: format!("{stem} {prefix}"),
                        start,
                        end: Instant::now(),
                    },
                });
            }
            let response: Response = (
                StatusCode::NOT_FOUND,
                [("content-type", "application/scim+json")],
                r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}"#,
            )
                .into_response();
            response
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/scim/v2"), seen)
}

fn scenario_file(name: &str, stem: &str, exclusive: bool) -> String {
    let steps: String = (1..=3)
        .map(|n| {
            format!(
                "  - request: {{ method: GET, path: \"/Users/{{{{run.prefix}}}}-{stem}-{n}\", expect: {{ status: 404 }} }}\n"
            )
        })
        .collect();
    format!(
        "name: {name}\ndescription: reads one of its own ids three times\nidps: [generic]\nexclusive: {exclusive}\nsteps:\n{steps}"
    )
}

#[test]
fn through_the_runner_no_request_of_another_run_reaches_the_target_while_an_exclusive_one_runs() {
    runtime().block_on(async {
        // Arrange: one exclusive scenario planned among five others, against one shared target.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("m-alone.yaml"),
            scenario_file("m-alone", "alone", true),
        )
        .unwrap();
        for n in 1..=5 {
            let name = format!("s{n}-crowd");
            std::fs::write(
                dir.path().join(format!("{name}.yaml")),
                scenario_file(&name, "crowd", false),
            )
            .unwrap();
        }
        let plan = plan_of(dir.path());
        let (base_url, seen) = recording_target().await;
        let config = RunConfig {
            target: TargetChoice::Remote(Target {
                base_url,
                auth: Auth::Bearer("exclusive-test-token".to_owned()),
                timeout: Duration::from_secs(10),
                tls: Default::default(),
                no_proxy: true,
            }),
            settings: settings(None, SnapshotMode::Normal),
            jobs: 4,
            timeout: Duration::from_secs(10),
        };

        // Act
        let report = runner::run(plan, config, &|_| {})
            .await
            .expect("the run starts");

        // Assert
        assert!(
            report.passed(),
            "every request was answered 404 as expected"
        );
        let names: Vec<&str> = report
            .scenarios
            .iter()
            .map(|s| s.scenario.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "m-alone", "s1-crowd", "s2-crowd", "s3-crowd", "s4-crowd", "s5-crowd"
            ],
            "the report keeps plan order"
        );
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 18, "{seen:#?}");
        // One span per scenario run: from its first request's arrival to its last answer.
        let mut runs: Vec<Span> = Vec::new();
        for request in &seen {
            let name = format!("{} {}", request.stem, request.prefix);
            match runs.iter_mut().find(|run| run.name == name) {
                Some(run) => {
                    run.start = run.start.min(request.span.start);
                    run.end = run.end.max(request.span.end);
                }
                None => runs.push(Span {
                    name,
                    ..request.span.clone()
                }),
            }
        }
        assert_eq!(runs.len(), 6, "{runs:#?}");
        let alone: Vec<String> = runs
            .iter()
            .filter(|run| run.name.starts_with("alone "))
            .map(|run| run.name.clone())
            .collect();
        assert_eq!(alone.len(), 1);
        assert_alone(&runs, &[alone[0].as_str()]);
        let crowd: Vec<&Span> = runs
            .iter()
            .filter(|r| r.name.starts_with("crowd "))
            .collect();
        assert!(
            most_at_once(&crowd) >= 2,
            "the other runs overlap each other (--jobs 4): {crowd:#?}"
        );
    });
}
