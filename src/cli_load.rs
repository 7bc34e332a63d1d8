//! `scimulate load`: arguments, and the glue from them to `scimulate::load`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use scimulate::idp::entra::Dialect;
use scimulate::idp::okta::OktaFlavour;
use scimulate::load::population::Population;
use scimulate::load::{self, LoadConfig, Pace, Plan};
use scimulate::runner::TargetChoice;
use scimulate::runner::outcome::{EXIT_SETUP, EXIT_USAGE};
use scimulate::server::Quirks;

use crate::cli::{DEFAULT_TIMEOUT_SECS, TargetArgs, announce_transport};

#[derive(clap::Args)]
pub struct LoadArgs {
    /// Whose provisioning to play: entra, entra-compliant (initial cycle), okta, okta-aiw
    /// (assignment of every user, then Push Groups).
    #[arg(long, default_value = "entra", value_parser = parse_plan)]
    idp: Plan,
    /// Users in the directory.
    #[arg(long, default_value_t = 1000)]
    users: u64,
    /// Groups, each holding every `groups`-th user.
    #[arg(long, default_value_t = 10)]
    groups: u64,
    /// `idp`: one object at a time, as the IdP does (Entra at 25 requests/s); `flat`: as fast as
    /// the target answers, --concurrency objects at once.
    #[arg(long, default_value = "idp", value_parser = ["idp", "flat"])]
    pace: String,
    /// Objects in flight at once with --pace flat.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Threads the harness sends from (default: the number of CPUs, as a load tool's).
    #[arg(long)]
    threads: Option<usize>,
    /// Cap the requests per second across the run (either pace).
    #[arg(long, value_name = "RPS")]
    rate: Option<u32>,
    /// Without --target the embedded server runs in this process, so its memory counts with
    /// the harness's.
    #[command(flatten)]
    connection: TargetArgs,
    /// Make the embedded reference server misbehave (repeatable).
    #[arg(long = "quirk", value_name = "NAME")]
    quirks: Vec<String>,
    /// Per-request timeout in seconds (default 30).
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// Start no new object after this many seconds; the run then reports itself incomplete.
    #[arg(long, value_name = "SECS")]
    max_duration: Option<u64>,
    /// The prefix of every name the run creates (default: a fresh one per run). Reusing one
    /// with --keep makes a second run match the users the first created.
    #[arg(long)]
    prefix: Option<String>,
    /// The domain of the users' names and emails.
    #[arg(long, default_value = "example.com")]
    email_domain: String,
    /// Users have no managers (by default nine in ten have a team lead, which Entra sets by
    /// PATCH).
    #[arg(long)]
    no_managers: bool,
    /// Leave what the run created in the target (by default it is deleted at the end, outside
    /// the figures).
    #[arg(long)]
    keep: bool,
    /// Write the report as JSON (`format: scimulate-load/v1`).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn parse_plan(name: &str) -> Result<Plan, String> {
    match name {
        "entra" => Ok(Plan::EntraInitialCycle(Dialect::Default)),
        "entra-compliant" => Ok(Plan::EntraInitialCycle(Dialect::Compliant)),
        "okta" => Ok(Plan::OktaAssignment(OktaFlavour::OinTemplate)),
        "okta-aiw" => Ok(Plan::OktaAssignment(OktaFlavour::Aiw)),
        _ => Err(format!(
            "unknown IdP `{name}`; one of: entra, entra-compliant, okta, okta-aiw"
        )),
    }
}

fn config(args: &LoadArgs) -> Result<LoadConfig, String> {
    let timeout = Duration::from_secs(args.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS).max(1));
    let target = match args.connection.remote(timeout)? {
        Some(target) => {
            if !args.quirks.is_empty() {
                return Err("--quirk applies to the embedded server only, not to --target".into());
            }
            TargetChoice::Remote(target)
        }
        None => TargetChoice::Embedded {
            quirks: Quirks::parse_names(&args.quirks).map_err(|e| e.to_string())?,
        },
    };
    if args.concurrency == 0 {
        return Err("--concurrency must be at least 1".to_owned());
    }
    let prefix = match &args.prefix {
        Some(prefix)
            if prefix.is_empty()
                || !prefix
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            return Err("--prefix takes letters, digits and `-`".to_owned());
        }
        Some(prefix) => prefix.clone(),
        None => format!("load-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]),
    };
    Ok(LoadConfig {
        target,
        plan: args.idp,
        population: Population {
            prefix,
            email_domain: args.email_domain.clone(),
            users: args.users,
            groups: args.groups,
            managers: !args.no_managers,
        },
        pace: match args.pace.as_str() {
            "flat" => Pace::Flat {
                concurrency: args.concurrency,
            },
            _ => Pace::Idp,
        },
        rate: args.rate,
        timeout,
        max_duration: args.max_duration.map(Duration::from_secs),
        keep: args.keep,
    })
}

pub fn load(args: LoadArgs) -> ExitCode {
    let config = match config(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let TargetChoice::Remote(target) = &config.target {
        announce_transport(target, 0);
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let runtime = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_SETUP);
        }
    };
    let on_step = |phase: &load::report::PhaseReport| {
        eprintln!(
            "load: {} done: {} requests in {:.1} s ({:.1} req/s), {} errors",
            phase.name, phase.requests, phase.seconds, phase.requests_per_second, phase.errors
        );
    };
    scimulate::runner::interrupt::describe_leftovers(format!(
        "the users and groups this load created stay in the target: their names start with `{}`",
        config.population.prefix
    ));
    runtime.spawn(crate::cli::listen_for_interrupts());
    let report = match runtime.block_on(load::run(config, &on_step)) {
        Ok(mut report) => {
            report.interrupted =
                scimulate::runner::interrupt::requested().map(|signal| signal.name().to_owned());
            report
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_SETUP);
        }
    };
    if let Err(error) = report.write_human(&mut std::io::stdout()) {
        eprintln!("error: cannot write the report: {error}");
    }
    if let Some(path) = &args.json
        && let Err(error) = report.write_json(path)
    {
        eprintln!(
            "error: cannot write the JSON report to {}: {error}",
            path.display()
        );
        return ExitCode::from(EXIT_SETUP);
    }
    ExitCode::from(report.exit_code())
}
