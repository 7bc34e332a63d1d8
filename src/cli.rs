//! `run`, `list` and `validate`: arguments, and the glue from them to the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use scimulate::catalogue::Catalogue;
use scimulate::harness::{Harness, HarnessError};
use scimulate::report;
use scimulate::runner::area::Gate;
use scimulate::runner::execute::RunSettings;
use scimulate::runner::idp_steps::{self, IdpOptions};
use scimulate::runner::outcome::{EXIT_SETUP, EXIT_USAGE};
use scimulate::runner::select::{Partition, Planned};
use scimulate::runner::transport::{self, Auth, Target, TlsOptions};
use scimulate::runner::{self, RunConfig, TargetChoice};
use scimulate::scenario::model::IdpName;
use scimulate::scenario::validate::validate as validate_files;
use scimulate::server::Quirks;
use scimulate::snapshot::SnapshotMode;

/// The `--target-profile` that names the reference server's own profile, built in.
const BUILT_IN_REFERENCE_PROFILE: &str = "builtin:reference-server";
/// The per-request timeout when `--timeout` is not given.
pub const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// Which scenarios, as which IdPs.
#[derive(clap::Args)]
pub struct Selection {
    /// Scenario files or directories on disk (searched for *.yaml). Without any, the built-in
    /// catalogue.
    #[arg(value_name = "PATHS")]
    paths: Vec<PathBuf>,
    /// Run only as this IdP: generic, okta, okta-aiw, entra, entra-compliant, jumpcloud.
    #[arg(long, value_parser = parse_idp)]
    idp: Option<IdpName>,
    /// Keep runs matching all of these: `tag:NAME`, `idp:NAME`, `=idp/scenario` (exactly), a
    /// glob over `idp/scenario` (`*/me`), or text in `idp/scenario`.
    #[arg(long = "filter", value_name = "EXPR")]
    filters: Vec<String>,
    /// Run an identity vendor's submission suite, built in (`scimulate list --suites` names
    /// them): okta-oin-spec, okta-oin-crud, entra-gallery. Its checks are reported in the `suite`
    /// area under the vendor's test names; Required tests fail the run, Optional ones warn.
    #[arg(long, value_name = "NAME")]
    suite: Option<String>,
    /// Run the K-th of N deterministic slices (for a CI matrix of N machines).
    #[arg(long, value_name = "K/N")]
    partition: Option<Partition>,
}

fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("0 scenario runs in flight would run nothing: give 1 or more".to_owned()),
        Ok(jobs) => Ok(jobs),
        Err(_) => Err(format!("`{text}` is not a number of scenario runs")),
    }
}

fn parse_idp(name: &str) -> Result<IdpName, String> {
    IdpName::parse(name).ok_or_else(|| {
        let names: Vec<&str> = IdpName::ALL.iter().map(|i| i.as_str()).collect();
        format!("unknown IdP `{name}`; one of: {}", names.join(", "))
    })
}

/// Where the target is and how to reach it: shared by `run` and `load`.
#[derive(clap::Args)]
pub struct TargetArgs {
    /// The SCIM base URL of the server under test. Without it, the embedded reference server
    /// on 127.0.0.1: `run` starts a fresh one per scenario, `load` one for the whole load.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Bearer token for the target (prefer the SCIMULATE_TOKEN variable: it stays out of
    /// shell history).
    #[arg(long, env = "SCIMULATE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Basic credentials `USER:PASSWORD` (also SCIMULATE_BASIC).
    #[arg(
        long,
        value_name = "USER:PASSWORD",
        env = "SCIMULATE_BASIC",
        hide_env_values = true
    )]
    pub basic: Option<String>,
    /// A custom credential header `Name: value` (also SCIMULATE_AUTH_HEADER); its value is
    /// treated as a secret.
    #[arg(
        long = "auth-header",
        value_name = "NAME: VALUE",
        env = "SCIMULATE_AUTH_HEADER",
        hide_env_values = true
    )]
    pub auth_header: Option<String>,
    /// Trust the CA certificates in FILE (PEM, one or more) for an https:// target, on top of
    /// the system's roots (repeatable).
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certs: Vec<PathBuf>,
    /// Do not verify the target's TLS certificate at all (any issuer, any name, expired): for a
    /// test server only; every run warns about it.
    #[arg(long)]
    pub insecure: bool,
}

impl TargetArgs {
    /// The remote target the flags name, or `None` for the embedded server (which takes no
    /// credentials or TLS flags: it is plain HTTP on 127.0.0.1).
    pub fn remote(&self, timeout: Duration) -> Result<Option<Target>, String> {
        let Some(url) = &self.target else {
            if !self.ca_certs.is_empty() || self.insecure {
                return Err(
                    "--ca-cert and --insecure apply to --target only; the embedded server is plain HTTP"
                        .to_owned(),
                );
            }
            return Ok(None);
        };
        let auth = self.credentials()?;
        check_target_url(url)?;
        Ok(Some(Target {
            base_url: url.trim_end_matches('/').to_owned(),
            auth,
            timeout,
            tls: tls_options(&self.ca_certs, self.insecure)?,
            no_proxy: false,
        }))
    }

    /// The one credential a target run is given: a bearer token, basic credentials, or a
    /// header.
    fn credentials(&self) -> Result<Auth, String> {
        let given = [
            self.token.is_some(),
            self.basic.is_some(),
            self.auth_header.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err("give one of --token, --basic and --auth-header".to_owned());
        }
        if let Some(token) = &self.token {
            return Ok(Auth::Bearer(token.clone()));
        }
        if let Some(basic) = &self.basic {
            let (user, password) = basic.split_once(':').ok_or("--basic takes USER:PASSWORD")?;
            return Ok(Auth::Basic {
                user: user.to_owned(),
                password: password.to_owned(),
            });
        }
        if let Some(header) = &self.auth_header {
            let (name, value) = header
                .split_once(':')
                .ok_or("--auth-header takes `Name: value`")?;
            return Ok(Auth::Header {
                name: name.trim().to_owned(),
                value: value.trim().to_owned(),
            });
        }
        Ok(Auth::None)
    }
}

#[derive(clap::Args)]
pub struct RunArgs {
    #[command(flatten)]
    selection: Selection,
    #[command(flatten)]
    connection: TargetArgs,
    /// Make the embedded reference server misbehave (repeatable; see `serve --list-quirks`).
    #[arg(long = "quirk", value_name = "NAME")]
    quirks: Vec<String>,
    /// Scenario runs in flight at once, 1 or more (default: the number of CPUs).
    #[arg(long, value_parser = parse_jobs)]
    jobs: Option<usize>,
    /// Per-request timeout in seconds, for every request. Without it: 30, and an IdP's steps
    /// wait as long as that IdP does (Okta: 60).
    #[arg(long)]
    timeout: Option<u64>,
    /// Leave what the run created in the target.
    #[arg(long)]
    keep: bool,
    /// The target profile: the application API, its lock-down probes, how users sign in
    /// (default with the embedded server: its own). `builtin:reference-server` is that profile,
    /// for a `scimulate serve` target. Without one, a --target run leaves out the scenarios that
    /// need it, and says so. Its `idp:` block sets how each IdP profile behaves, as a customer's
    /// console is set (Okta's filter encoding and membership batch size, Entra's matching,
    /// dialect variants, 429 handling and actions, JumpCloud's update form, content type,
    /// encoding, rename form and group management): see docs/idp-profiles.md, "Settings".
    #[arg(long, value_name = "FILE")]
    target_profile: Option<PathBuf>,
    /// Entra: forward `aadOptscim062020` in every request's query instead of keeping it in the
    /// tenant URL's configuration (entra-compliant only; which one Entra does is undocumented).
    #[arg(long)]
    entra_flag_in_query: bool,
    /// Entra: pace the job at this many requests per second (25 is the gallery rate), on the
    /// IdP's clock.
    #[arg(long, value_name = "RPS")]
    entra_pace: Option<u32>,
    /// The IdPs' time passes for real (`wait: 40m` takes 40 minutes), for live soak runs;
    /// the default is a virtual clock on which waits, back-offs and cycles cost nothing.
    #[arg(long)]
    real_clock: bool,
    /// SHOULD failures, and IdP checks resting on reports or inference rather than the vendor's
    /// documentation, fail the run too.
    #[arg(long)]
    strict: bool,
    /// The areas whose failures decide the exit code, comma-separated: rfc, idp (every IdP
    /// profile), okta, okta-aiw, entra, entra-compliant, jumpcloud, lockdown, application.
    /// Every area is reported either way. Default: all.
    #[arg(long, value_name = "AREA,...", value_parser = parse_gate)]
    gate: Option<Gate>,
    /// Directory of approved snapshots. Default: the built-in catalogue's own with the
    /// embedded server and the built-in scenarios; none otherwise.
    #[arg(long, value_name = "DIR")]
    snapshots: Option<PathBuf>,
    /// Do not compare snapshots at all.
    #[arg(long, conflicts_with_all = ["snapshots", "accept"])]
    no_snapshots: bool,
    /// Missing snapshots are failures, not written (also when the CI variable is set).
    #[arg(long)]
    ci: bool,
    /// Approve the snapshots this run takes, replacing the old ones.
    #[arg(long, conflicts_with = "ci")]
    accept: bool,
    /// Write a JSON report (schema in docs/report.schema.json).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// -v lists every check; -vv also prints every exchange.
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    selection: Selection,
    /// List the built-in vendor suites instead, one line each with the vendor's source.
    #[arg(long)]
    suites: bool,
}

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// Scenario files or directories on disk. Without any, the built-in catalogue.
    #[arg(value_name = "PATHS")]
    paths: Vec<PathBuf>,
}

#[derive(clap::Args)]
pub struct ChecksArgs {
    /// Scenario files or directories on disk. Without any, the built-in catalogue.
    #[arg(value_name = "PATHS")]
    paths: Vec<PathBuf>,
    /// Print JSON (an array of checks) instead of a Markdown table.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// Where to write (created if missing).
    #[arg(value_name = "DIR", default_value = "scimulate")]
    dir: PathBuf,
}

pub fn init(args: InitArgs) -> ExitCode {
    let catalogue = match scenario_paths(&[]) {
        Ok((_, Some(catalogue))) => catalogue,
        Ok((_, None)) => return ExitCode::from(EXIT_SETUP),
        Err(code) => return code,
    };
    match scimulate::init::init(&args.dir, &catalogue) {
        Ok(files) => {
            println!(
                "wrote {} files into {}; start with {}",
                files.len(),
                args.dir.display(),
                args.dir.join("README.md").display()
            );
            ExitCode::SUCCESS
        }
        Err(error @ scimulate::init::InitError::InTheWay(..)) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_USAGE)
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_SETUP)
        }
    }
}

/// The scenario paths given, or the built-in catalogue's (written out on first use) with the
/// catalogue itself.
fn scenario_paths(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Option<Catalogue>), ExitCode> {
    if !paths.is_empty() {
        return Ok((paths.to_vec(), None));
    }
    match scimulate::catalogue::built_in() {
        Ok(catalogue) => Ok((vec![catalogue.scenarios()], Some(catalogue))),
        Err(error) => {
            eprintln!(
                "error: cannot write out the built-in catalogue under {}: {error}",
                std::env::temp_dir().display()
            );
            Err(ExitCode::from(EXIT_SETUP))
        }
    }
}

/// Loads and plans (as the library's [`Harness`] does), or prints every problem and says so.
fn load_plan(selection: &Selection) -> Result<(Vec<Planned>, Option<Catalogue>), ExitCode> {
    let mut harness = Harness::embedded();
    for path in &selection.paths {
        harness = harness.scenarios(path);
    }
    for filter in &selection.filters {
        harness = harness.filter(filter);
    }
    if let Some(name) = &selection.suite {
        harness = harness.suite(name);
    }
    if let Some(idp) = selection.idp {
        harness = harness.idp(idp);
    }
    if let Some(partition) = selection.partition {
        harness = harness.partition(partition);
    }
    harness.plan().map_err(|error| match error {
        HarnessError::Scenarios(problems) => {
            for problem in &problems {
                eprintln!("error: {problem}");
            }
            eprintln!(
                "{} problem(s) in scenario files; `scimulate validate` lists them too",
                problems.len()
            );
            ExitCode::from(EXIT_USAGE)
        }
        HarnessError::Unsupported(reasons) => {
            for reason in &reasons {
                eprintln!("error: {reason}");
            }
            ExitCode::from(EXIT_USAGE)
        }
        HarnessError::Catalogue(error) => {
            eprintln!(
                "error: cannot write out the built-in catalogue under {}: {error}",
                std::env::temp_dir().display()
            );
            ExitCode::from(EXIT_SETUP)
        }
        other => {
            eprintln!("error: {other}");
            ExitCode::from(EXIT_USAGE)
        }
    })
}

pub fn validate(args: ValidateArgs) -> ExitCode {
    let paths = match scenario_paths(&args.paths) {
        Ok((paths, _)) => paths,
        Err(code) => return code,
    };
    let (loaded, problems) = validate_files(&paths);
    for problem in &problems {
        println!("{problem}");
    }
    if problems.is_empty() {
        println!("{} scenario file(s), no problems", loaded.len());
        ExitCode::SUCCESS
    } else {
        println!("{} problem(s)", problems.len());
        ExitCode::from(EXIT_USAGE)
    }
}

pub fn checks(args: ChecksArgs) -> ExitCode {
    let paths = match scenario_paths(&args.paths) {
        Ok((paths, _)) => paths,
        Err(code) => return code,
    };
    let (loaded, problems) = validate_files(&paths);
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("error: {problem}");
        }
        return ExitCode::from(EXIT_USAGE);
    }
    let checks = report::checks::of_catalogue(&loaded);
    let text = if args.json {
        // Serialising plain structs of strings cannot fail.
        serde_json::to_string_pretty(&checks).unwrap_or_default() + "\n"
    } else {
        report::checks::markdown(&checks)
    };
    print_or_quit(&text)
}

/// Prints to stdout; a closed pipe (`| head`) ends the command quietly instead of panicking.
pub fn print_or_quit(text: &str) -> ExitCode {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write the list: {error}");
            ExitCode::from(EXIT_SETUP)
        }
    }
}

pub fn list(args: ListArgs) -> ExitCode {
    if args.suites {
        let text: String = scimulate::suites::SUITES
            .iter()
            .map(|suite| {
                format!(
                    "{}\t{}: {}\n\tsource: {}\n",
                    suite.name, suite.vendor_name, suite.summary, suite.source
                )
            })
            .collect();
        return print_or_quit(&text);
    }
    let plan = match load_plan(&args.selection) {
        Ok((plan, _)) => plan,
        Err(code) => return code,
    };
    let text: String = plan
        .iter()
        .map(|planned| format!("{}\t{}\n", planned.full_name(), planned.file.display()))
        .collect();
    print_or_quit(&text)
}

fn snapshot_mode(args: &RunArgs) -> SnapshotMode {
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
    if args.accept {
        SnapshotMode::Accept
    } else if args.ci || in_ci {
        SnapshotMode::Ci
    } else {
        SnapshotMode::Normal
    }
}

fn write_file_report(what: &str, path: &Path, result: std::io::Result<()>) -> bool {
    match result {
        Ok(()) => true,
        Err(error) => {
            eprintln!(
                "error: cannot write the {what} report to {}: {error}",
                path.display()
            );
            false
        }
    }
}

/// A `--target` is an http(s) URL without credentials in it: a URL is printed in reports and
/// messages, where its password would be in the clear.
fn check_target_url(url: &str) -> Result<(), String> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err("--target must be an http:// or https:// URL".to_owned());
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("--target is not a URL: {e}"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "--target must not carry credentials (user:password@); give them with --basic, --token or --auth-header, or their variables"
                .to_owned(),
        );
    }
    Ok(())
}

/// The TLS options of `--ca-cert FILE…` and `--insecure`.
fn tls_options(ca_certs: &[PathBuf], insecure: bool) -> Result<TlsOptions, String> {
    let mut tls = TlsOptions {
        ca_certs: Vec::new(),
        insecure,
    };
    for path in ca_certs {
        tls.add_ca_file(path)
            .map_err(|message| format!("--ca-cert: {message}"))?;
    }
    Ok(tls)
}

/// Warns about `--insecure`, and at `-v` says which proxy the target is reached through.
pub fn announce_transport(target: &Target, verbose: u8) {
    if target.tls.insecure {
        if target.base_url.starts_with("http://") {
            eprintln!(
                "warning: --insecure has nothing to turn off: the target is plain HTTP, so anyone on the path can read the credentials sent to it and answer in its name"
            );
        } else {
            eprintln!(
                "warning: --insecure: the target's TLS certificate is not verified; anyone on the path can answer in its name and read the credentials sent to it"
            );
        }
    }
    if verbose >= 1 {
        match transport::proxy_for(&target.base_url) {
            Some(proxy) => eprintln!("proxy: {} goes through {proxy}", target.base_url),
            None => eprintln!("proxy: none for {}", target.base_url),
        }
    }
}

pub fn run(args: RunArgs) -> ExitCode {
    let (plan, catalogue) = match load_plan(&args.selection) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if catalogue.is_some() && args.snapshots.is_none() && args.accept {
        eprintln!(
            "error: the built-in catalogue's approved snapshots cannot be approved anew; give the scenarios and --snapshots DIR to approve snapshots of your own"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    if plan.is_empty() {
        eprintln!(
            "error: the selection matches no scenario (`scimulate list` shows what it would run)"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let profile = match &args.target_profile {
        None => None,
        Some(path) if path.as_os_str() == BUILT_IN_REFERENCE_PROFILE => {
            Some(scimulate::runner::app::reference_profile())
        }
        Some(path) => match scimulate::target::load_profile(path) {
            Ok(profile) => Some(Arc::new(profile)),
            Err(problems) => {
                for problem in &problems {
                    eprintln!("{problem}");
                }
                eprintln!(
                    "error: the target profile has {} problem(s)",
                    problems.len()
                );
                return ExitCode::from(EXIT_USAGE);
            }
        },
    };
    let mut plan = plan;
    let mut left_out: Vec<String> = Vec::new();
    if profile.is_none() && args.connection.target.is_some() {
        let needs_profile = |p: &Planned| p.scenario.steps.iter().any(idp_steps::is_app_step);
        left_out = plan
            .iter()
            .filter(|p| needs_profile(p))
            .map(Planned::full_name)
            .collect();
        if !left_out.is_empty() {
            plan.retain(|p| !needs_profile(p));
        }
        if plan.is_empty() {
            eprintln!("error: nothing left to run without a target profile");
            return ExitCode::from(EXIT_USAGE);
        }
    }
    let timeout = Duration::from_secs(args.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS).max(1));
    let target = match args.connection.remote(timeout) {
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
        Ok(Some(target)) => TargetChoice::Remote(target),
        Ok(None) => match Quirks::parse_names(&args.quirks) {
            Ok(quirks) => TargetChoice::Embedded { quirks },
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
    };
    if args.connection.target.is_some() && !args.quirks.is_empty() {
        eprintln!("error: --quirk applies to the embedded server only, not to --target");
        return ExitCode::from(EXIT_USAGE);
    }
    if let TargetChoice::Remote(target) = &target {
        announce_transport(target, args.verbose);
    }
    let snapshots = if args.no_snapshots {
        None
    } else {
        // Built-in scenarios against the embedded server compare with the built-in approved
        // snapshots; anything else only with the snapshots `--snapshots` names, so nothing is
        // ever written where nobody asked.
        match (&args.snapshots, &target, &catalogue) {
            (Some(dir), _, _) => Some(dir.clone()),
            (None, TargetChoice::Embedded { .. }, Some(catalogue)) => Some(catalogue.snapshots()),
            (None, _, _) => None,
        }
    };
    let snapshot_mode = match (&args.snapshots, &catalogue) {
        // The built-in set is complete: a missing one is a failure, never a write.
        (None, Some(_)) => SnapshotMode::Ci,
        _ => snapshot_mode(&args),
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    // The target profile's `idp:` block, with the flags over it.
    let mut idp_settings = profile.as_ref().map(|p| p.idp.clone()).unwrap_or_default();
    if args.entra_flag_in_query {
        idp_settings.entra.flag_in_query = Some(true);
    }
    if let Some(pace) = args.entra_pace {
        idp_settings.entra.pace = Some(pace);
    }
    let config = RunConfig {
        target,
        settings: RunSettings {
            keep: args.keep,
            strict: args.strict,
            gate: args.gate.clone().unwrap_or_default(),
            fit: None,
            advertised: None,
            snapshots,
            snapshot_mode,
            profile,
            idp: IdpOptions {
                settings: idp_settings,
                real_clock: args.real_clock,
                idp_timeouts: args.timeout.is_none(),
            },
        },
        jobs,
        timeout,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_SETUP);
        }
    };
    runtime.spawn(listen_for_interrupts());
    let progress = report::progress::Progress::new(plan.len() as u64);
    let outcome = runtime.block_on(runner::run(plan, config, &|run| progress.finished(run)));
    progress.done();
    let report = match outcome {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_SETUP);
        }
    };
    let mut stdout = std::io::stdout();
    if let Err(error) = report::human::write(&report, args.verbose, &mut stdout) {
        eprintln!("error: cannot write the report: {error}");
    }
    if !left_out.is_empty() {
        // After the run, where it is read with the summary, and short: the names are a
        // verbosity away.
        eprintln!(
            "note: {} scenario run(s) left out: they talk to the application's own API, which needs --target-profile FILE (`{BUILT_IN_REFERENCE_PROFILE}` for a `scimulate serve` target){}",
            left_out.len(),
            if args.verbose > 0 {
                format!(": {}", left_out.join(", "))
            } else {
                "; -v lists them".to_owned()
            }
        );
    }
    let mut written = true;
    if let Some(path) = &args.json {
        written &= write_file_report("JSON", path, report::json::write_json(&report, path));
    }
    if let Some(path) = &args.junit {
        written &= write_file_report("JUnit", path, report::junit::write_junit(&report, path));
    }
    if !written {
        return ExitCode::from(EXIT_SETUP);
    }
    ExitCode::from(report.exit_code())
}

/// The first Ctrl-C or SIGTERM asks the run to stop cleanly (see `runner::interrupt`); the
/// second leaves at once, saying what stays behind.
pub async fn listen_for_interrupts() {
    use scimulate::runner::interrupt::{self, Signal};
    #[cfg(unix)]
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    loop {
        #[cfg(unix)]
        let signal = tokio::select! {
            result = tokio::signal::ctrl_c() => match result {
                Ok(()) => Signal::Interrupt,
                Err(_) => return,
            },
            Some(()) = async {
                match terminate.as_mut() {
                    Some(signals) => signals.recv().await,
                    None => std::future::pending().await,
                }
            } => Signal::Terminate,
        };
        #[cfg(not(unix))]
        let signal = match tokio::signal::ctrl_c().await {
            Ok(()) => Signal::Interrupt,
            Err(_) => return,
        };
        if interrupt::request(signal) {
            eprintln!(
                "\n{}: stopping. No new scenario starts; those running end after their current request and delete what they created. Send it again to leave at once.",
                signal.name()
            );
        } else {
            match interrupt::leftovers() {
                Some(left) => eprintln!("{} again: leaving now. {left}", signal.name()),
                None => eprintln!("{} again: leaving now.", signal.name()),
            }
            std::process::exit(signal.exit_code().into());
        }
    }
}

fn parse_gate(list: &str) -> Result<Gate, String> {
    Gate::parse(list).map_err(|error| error.to_string())
}
