//! The runner's own time per exchange, measured in-process from exact durations (the JSON
//! report rounds each exchange's time down to whole milliseconds, which hides a fast server's).
//!
//! Runs the catalogue against a remote target with one scenario in flight at a time, ROUNDS
//! times, and per round prints the wall time of `runner::run`, the sum of the exchanges'
//! elapsed times (the time spent waiting on the target), and
//!   overhead per exchange = (wall - sum of elapsed) / exchanges,
//! then a `summary` line with the median and best overhead. The wall time includes the
//! runner's preflight of the target (its three discovery requests, which are not scenario
//! exchanges), the per-run set-up and the judging of every response; it excludes process
//! start-up and the reports.
//!
//! Usage: SCIMULATE_TOKEN=T cargo run --release --example runner_overhead --
//!            --target URL [--rounds N] [PATHS...]          (used by scripts/bench-runner.sh)

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use scimulate::runner::execute::RunSettings;
use scimulate::runner::transport::{Auth, Target, Transport};
use scimulate::runner::{self, RunConfig, TargetChoice, select};
use scimulate::scenario::validate::validate;
use scimulate::snapshot::SnapshotMode;

struct Args {
    target: String,
    rounds: usize,
    paths: Vec<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut target = None;
    let mut rounds = 5;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--target" => target = Some(args.next().ok_or("--target needs a URL")?),
            "--rounds" => {
                rounds = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or("--rounds needs a positive number")?;
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            path => paths.push(PathBuf::from(path)),
        }
    }
    if paths.is_empty() {
        paths.push(PathBuf::from("scenarios"));
    }
    Ok(Args {
        target: target.ok_or("--target URL is required")?,
        rounds,
        paths,
    })
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("runner_overhead: {message}");
            return ExitCode::from(2);
        }
    };
    let (loaded, problems) = validate(&args.paths);
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("runner_overhead: {problem}");
        }
        return ExitCode::from(2);
    }
    let scenarios: Vec<_> = loaded
        .into_iter()
        .map(|(file, s)| (file, Arc::new(s)))
        .collect();
    let plan = select::plan(&scenarios, None, &[], None);
    if plan.is_empty() {
        eprintln!("runner_overhead: no scenario to run");
        return ExitCode::from(2);
    }
    let auth = match std::env::var("SCIMULATE_TOKEN") {
        Ok(token) if !token.is_empty() => Auth::Bearer(token),
        _ => Auth::None,
    };
    let timeout = Duration::from_secs(30);
    let config = RunConfig {
        target: TargetChoice::Remote(Target {
            base_url: args.target.trim_end_matches('/').to_owned(),
            auth,
            timeout,
            tls: Default::default(),
            no_proxy: false,
        }),
        settings: RunSettings {
            gate: Default::default(),
            fit: None,
            advertised: None,
            idp: Default::default(),
            profile: None,
            keep: false,
            strict: false,
            snapshots: None,
            snapshot_mode: SnapshotMode::Normal,
        },
        jobs: 1,
        timeout,
    };

    let mut overheads = Vec::with_capacity(args.rounds);
    let mut walls = Vec::with_capacity(args.rounds);
    let mut waits = Vec::with_capacity(args.rounds);
    let mut exchanges = 0;
    for round in 1..=args.rounds {
        let started = Instant::now();
        let report = match runner::run(plan.clone(), config.clone(), &|_| {}).await {
            Ok(report) => report,
            Err(error) => {
                eprintln!("runner_overhead: {error}");
                return ExitCode::from(3);
            }
        };
        let wall = micros(started.elapsed());
        let all: Vec<_> = report.scenarios.iter().flat_map(|s| &s.exchanges).collect();
        exchanges = all.len();
        if exchanges == 0 {
            eprintln!("runner_overhead: the run recorded no exchange");
            return ExitCode::from(1);
        }
        let waited: f64 = all.iter().map(|e| micros(e.elapsed)).sum();
        let overhead = (wall - waited) / exchanges as f64;
        println!(
            "round {round}: wall {:.2} ms, {exchanges} exchanges, waiting on the target {:.2} ms \
             ({:.0} us each), overhead {overhead:.0} us per exchange",
            wall / 1e3,
            waited / 1e3,
            waited / exchanges as f64,
        );
        overheads.push(overhead);
        walls.push(wall);
        waits.push(waited / exchanges as f64);
    }
    // What one HTTP client costs to set up (reqwest loads the system's CA certificates): the
    // runner builds one per run against a remote target, one per scenario run when embedded.
    let mut setups = Vec::with_capacity(args.rounds);
    if let TargetChoice::Remote(target) = &config.target {
        for _ in 0..args.rounds {
            let started = Instant::now();
            let transport = Transport::new(target.clone());
            setups.push(micros(started.elapsed()));
            if let Err(error) = transport {
                eprintln!("runner_overhead: {error}");
                return ExitCode::from(1);
            }
        }
    }
    let setup = median(&mut setups);
    println!(
        "transport set-up: median {:.2} ms per Transport::new",
        setup / 1e3
    );
    let best = overheads.iter().copied().fold(f64::INFINITY, f64::min);
    let overhead = median(&mut overheads);
    println!(
        "summary overhead median {overhead:.0} us per exchange (best {best:.0} us); the run's \
         one Transport::new, timed apart, is {:.0} us per exchange ({:.2} ms); wall median \
         {:.2} ms for {exchanges} exchanges; target time median {:.0} us per exchange",
        setup / exchanges as f64,
        setup / 1e3,
        median(&mut walls) / 1e3,
        median(&mut waits),
    );
    ExitCode::SUCCESS
}
