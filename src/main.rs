//! The `scimulate` command line: `run`, `list`, `validate`, `serve`, `load`, `record`.
//!
//! Exit codes are a contract (documented in the README and docs/run.md, defined in
//! `scimulate::runner::outcome`): 0 every blocking check held; 1 a check failed or a snapshot
//! drifted; 2 a usage or scenario file error; 3 the target could not be reached or set up.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory as _, Parser, Subcommand};
use scimulate::clock::SystemClock;
use scimulate::server::{self, Quirk, Quirks, ServerConfig};

mod cli;
mod cli_load;
mod cli_record;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use scimulate::runner::outcome::{EXIT_SETUP, EXIT_USAGE};

/// The token `serve` expects when none is given. It is documented, not secret: a server
/// reachable by others should be started with `--token` or `SCIMULATE_TOKEN`.
const DEFAULT_TOKEN: &str = "scimulate-dev-token";

#[derive(Parser)]
#[command(
    name = "scimulate",
    version,
    about = "SCIM 2.0 conformance harness and mock identity provider"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenarios against a target (default: a fresh embedded reference server per scenario).
    Run(Box<cli::RunArgs>),
    /// Print what a selection of scenarios would run, one `idp/scenario` per line.
    List(cli::ListArgs),
    /// Check scenario files and report every problem with file, line and column.
    Validate(cli::ValidateArgs),
    /// List every check of the catalogue: id, level, evidence, source, the sentence it rests
    /// on, and the scenarios that use it (a Markdown table, or JSON with --json).
    Checks(cli::ChecksArgs),
    /// Run the reference SCIM 2.0 server until interrupted; prints its base URL first.
    Serve(ServeArgs),
    /// Play an IdP provisioning a whole directory (Entra's initial cycle, Okta's assignment) and
    /// report throughput, latency percentiles and errors.
    Load(Box<cli_load::LoadArgs>),
    /// Record what an IdP sends through a reverse proxy in front of a server (or convert a HAR
    /// file), scrubbed, and write a scenario that replays it and its transcript.
    Record(Box<cli_record::RecordArgs>),
    /// Write a starting point for your repository into DIR (default `scimulate`): the
    /// catalogue to customise, an example target profile, `ci/run.sh` and CI jobs for GitHub
    /// Actions and GitLab. Never overwrites a file.
    Init(cli::InitArgs),
    /// Print a completion script for a shell (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `scimulate man > scimulate.1`.
    Man,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on; port 0 lets the OS pick one.
    #[arg(long, default_value = "127.0.0.1:8642")]
    bind: SocketAddr,
    /// Bearer token clients must send (default: the documented development token).
    #[arg(long, env = "SCIMULATE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The workspace owner's X-Api-Key for the application API (default: the documented
    /// development key).
    #[arg(
        long,
        env = "SCIMULATE_OWNER_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    owner_key: Option<String>,
    /// Keep state durably in this SQLite file (created if absent) instead of in memory.
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Misbehave in a named way (repeatable); see --list-quirks.
    #[arg(long = "quirk", value_name = "NAME")]
    quirks: Vec<String>,
    /// List the quirks, one line each, and exit.
    #[arg(long)]
    list_quirks: bool,
    /// Record every exchange into DIR, as `scimulate record` does, with the server behind a
    /// recording proxy on --bind: for a customer's IdP when there is no upstream.
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run(args) => cli::run(*args),
        Command::List(args) => cli::list(args),
        Command::Validate(args) => cli::validate(args),
        Command::Checks(args) => cli::checks(args),
        Command::Serve(args) => serve(args),
        Command::Load(args) => cli_load::load(*args),
        Command::Record(args) => cli_record::record(*args),
        Command::Init(args) => cli::init(args),
        Command::Completions { shell } => {
            // Generated from the same definitions the parser uses, so they never fall behind.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "scimulate", &mut script);
            cli::print_or_quit(&String::from_utf8_lossy(&script))
        }
        Command::Man => {
            let mut page = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut page) {
                Ok(()) => cli::print_or_quit(&String::from_utf8_lossy(&page)),
                Err(error) => {
                    eprintln!("error: cannot render the manual page: {error}");
                    ExitCode::from(scimulate::runner::outcome::EXIT_SETUP)
                }
            }
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    if args.list_quirks {
        let width = Quirk::ALL.iter().map(|q| q.name().len()).max().unwrap_or(0);
        for quirk in Quirk::ALL {
            println!("{:width$}  {}", quirk.name(), quirk.description());
        }
        return ExitCode::SUCCESS;
    }
    let quirks = match Quirks::parse_names(&args.quirks) {
        Ok(quirks) => quirks,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let using_default_token = args.token.is_none();
    let using_default_owner_key = args.owner_key.is_none();
    let config = ServerConfig {
        bind: args.bind,
        token: args.token.unwrap_or_else(|| DEFAULT_TOKEN.to_owned()),
        owner_key: args
            .owner_key
            .unwrap_or_else(|| server::DEFAULT_OWNER_KEY.to_owned()),
        db: args.db,
        quirks,
        clock: Arc::new(SystemClock),
    };
    if let Some(dir) = &args.record {
        let bind = config.bind;
        let server = ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..config
        };
        return cli_record::serve_recording(dir, bind, server);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_SETUP);
        }
    };
    runtime.block_on(async move {
        let quirks = config.quirks.clone();
        let running = match server::start(config).await {
            Ok(running) => running,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(EXIT_SETUP);
            }
        };
        // The base URL is the first line of stdout, for scripts; the rest goes to stderr.
        println!("{}", running.base_url);
        if using_default_token {
            eprintln!(
                "auth: Authorization: Bearer <the default development token, see docs/server.md>"
            );
        } else {
            eprintln!(
                "auth: Authorization: Bearer <the token given with --token / SCIMULATE_TOKEN>"
            );
        }
        let owner_key = if using_default_owner_key {
            "the default development owner key, see docs/server.md"
        } else {
            "the key given with --owner-key / SCIMULATE_OWNER_KEY"
        };
        eprintln!(
            "app: http://{}{} with X-Api-Key <{owner_key}>",
            running.addr,
            server::app::APP_BASE_PATH
        );
        for quirk in quirks.iter() {
            eprintln!("quirk: {quirk}: {}", quirk.description());
        }
        tokio::select! {
            result = running.wait() => match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("error: the server stopped: {error}");
                    ExitCode::from(EXIT_SETUP)
                }
            },
            _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
        }
    })
}
