//! The catalogue harness: every scenario in `scenarios/` × each IdP it applies to, against a
//! fresh embedded reference server, snapshot-checked against `snapshots/`.
//!
//! One libtest-mimic trial per run, named `idp/scenario`, so `cargo test --test scenarios`
//! runs the whole catalogue and `cargo test -- okta/user` selects by name. A missing snapshot
//! is written on a normal run and fails under `CI`; `SCIMULATE_ACCEPT=1` approves drifted ones.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libtest_mimic::{Arguments, Failed, Trial};
use scimulate::report;
use scimulate::runner::execute::RunSettings;
use scimulate::runner::select::{self, Planned};
use scimulate::runner::{self, RunConfig, TargetChoice};
use scimulate::scenario::validate::validate;
use scimulate::server::Quirks;
use scimulate::snapshot::SnapshotMode;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().expect("a tokio runtime"))
}

fn mode() -> SnapshotMode {
    let set = |name: &str| {
        std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
    };
    if set("SCIMULATE_ACCEPT") {
        SnapshotMode::Accept
    } else if set("CI") {
        SnapshotMode::Ci
    } else {
        SnapshotMode::Normal
    }
}

fn trial(planned: Planned, root: PathBuf) -> Trial {
    Trial::test(planned.full_name(), move || {
        let config = RunConfig {
            target: TargetChoice::Embedded {
                quirks: Quirks::default(),
            },
            settings: RunSettings {
                idp: Default::default(),
                profile: None,
                keep: false,
                gate: Default::default(),
                fit: None,
                advertised: None,
                strict: true,
                snapshots: Some(root.join("snapshots")),
                snapshot_mode: mode(),
            },
            jobs: 1,
            timeout: Duration::from_secs(10),
        };
        let report = runtime()
            .block_on(runner::run(vec![planned], config, &|_| {}))
            .map_err(|e| Failed::from(e.to_string()))?;
        if report.passed() {
            Ok(())
        } else {
            Err(Failed::from(report::human::render(&report, 0)))
        }
    })
}

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (loaded, problems) = validate(&[root.join("scenarios")]);
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("{problem}");
        }
        std::process::exit(2);
    }
    let scenarios: Vec<_> = loaded.into_iter().map(|(f, s)| (f, Arc::new(s))).collect();
    // `*` names every scenario, so the opt-in ones are tested too.
    let trials = select::plan(&scenarios, None, &["*".to_owned()], None)
        .into_iter()
        .map(|planned| trial(planned, root.clone()))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
