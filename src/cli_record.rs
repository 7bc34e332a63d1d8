//! `scimulate record` and `serve --record`: arguments, and the glue from them to
//! `scimulate::record`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use scimulate::record::proxy::{self, ProxyConfig};
use scimulate::record::tls::TlsIdentity;
use scimulate::record::{convert, har, trace};
use scimulate::runner::outcome::{EXIT_SETUP, EXIT_USAGE};
use scimulate::runner::scrub::Scrubber;

#[derive(clap::Args)]
pub struct RecordArgs {
    /// Where the IdP connects. Loopback by default; any other address is reachable by others,
    /// and the command says so.
    #[arg(long, default_value = "127.0.0.1:8643")]
    listen: SocketAddr,
    /// The server the IdP's requests go on to: its SCIM base URL.
    #[arg(long, value_name = "URL", required_unless_present_any = ["from_har", "from_trace"])]
    upstream: Option<String>,
    /// The recording's directory: trace, replay scenario, transcript and summary.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Serve HTTPS with a self-signed certificate (its fingerprint is printed).
    #[arg(long)]
    tls: bool,
    /// Serve HTTPS with this certificate chain (PEM), with --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// A name the self-signed certificate is for (repeatable; default: localhost and the
    /// listen address).
    #[arg(long = "tls-name", value_name = "NAME")]
    tls_names: Vec<String>,
    /// A header whose value is a credential, besides Authorization (repeatable).
    #[arg(long = "secret-header", value_name = "NAME")]
    secret_headers: Vec<String>,
    /// A JSON key whose value is a secret, besides password (repeatable).
    #[arg(long = "secret-field", value_name = "NAME")]
    secret_fields: Vec<String>,
    /// A target profile whose credential header and secret fields are scrubbed too.
    #[arg(long, value_name = "FILE")]
    target_profile: Option<PathBuf>,
    /// Accept an upstream certificate that does not verify.
    #[arg(long)]
    insecure: bool,
    /// Keep pauses of a second or more as `wait` steps (replayed on the virtual clock).
    #[arg(long)]
    keep_timing: bool,
    /// The replay scenario's name.
    #[arg(long, default_value = "recorded")]
    name: String,
    /// Stop after this many exchanges (default: at Ctrl-C).
    #[arg(long, value_name = "N")]
    max_exchanges: Option<usize>,
    /// Convert a HAR file instead of recording.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["upstream", "from_trace"])]
    from_har: Option<PathBuf>,
    /// Convert a recording's trace again (after editing it, or with other options).
    #[arg(long, value_name = "FILE", conflicts_with = "upstream")]
    from_trace: Option<PathBuf>,
}

/// What a recording scrubs, from the command line and a target profile.
struct Secrets {
    headers: Vec<String>,
    fields: Vec<String>,
}

fn secrets(args: &RecordArgs) -> Result<Secrets, String> {
    let mut secrets = Secrets {
        headers: args.secret_headers.clone(),
        fields: args.secret_fields.clone(),
    };
    if let Some(path) = &args.target_profile {
        let profile = scimulate::target::load_profile(path).map_err(|problems| {
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        secrets.headers.push(profile.app.credential_header.clone());
        secrets.fields.extend(profile.app.secret_fields.clone());
    }
    Ok(secrets)
}

pub fn record(args: RecordArgs) -> ExitCode {
    let plain_name = !args.name.is_empty()
        && args
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !plain_name {
        eprintln!(
            "error: --name `{}`: a scenario name is lowercase words joined by `-`",
            args.name
        );
        return ExitCode::from(EXIT_USAGE);
    }
    let secrets = match secrets(&args) {
        Ok(secrets) => secrets,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Err(error) = std::fs::create_dir_all(&args.out) {
        eprintln!("error: cannot create {}: {error}", args.out.display());
        return ExitCode::from(EXIT_SETUP);
    }
    if let Some(file) = &args.from_har {
        return from_har(&args, file, &secrets);
    }
    if let Some(file) = &args.from_trace {
        let entries = match trace::read(file) {
            Ok(entries) => entries,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(EXIT_USAGE);
            }
        };
        return finish(&args, &entries, "from a trace", "", &[]);
    }
    let Some(upstream) = args.upstream.clone() else {
        eprintln!("error: give --upstream URL, --from-har FILE or --from-trace FILE");
        return ExitCode::from(EXIT_USAGE);
    };
    let tls = match tls_identity(&args) {
        Ok(tls) => tls,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let config = ProxyConfig {
        listen: args.listen,
        upstream: upstream.clone(),
        trace: args.out.join(trace::TRACE_FILE),
        tls,
        secret_headers: secrets.headers,
        secrets: Vec::new(),
        secret_fields: secrets.fields,
        insecure_upstream: args.insecure,
        max_exchanges: args.max_exchanges,
    };
    run_proxy(&args, config, &upstream)
}

/// Records in front of the embedded reference server (`serve --record DIR`).
pub fn serve_recording(
    out: &Path,
    listen: SocketAddr,
    server: scimulate::server::ServerConfig,
) -> ExitCode {
    let args = RecordArgs {
        listen,
        upstream: None,
        out: out.to_owned(),
        tls: false,
        tls_cert: None,
        tls_key: None,
        tls_names: Vec::new(),
        secret_headers: Vec::new(),
        secret_fields: Vec::new(),
        target_profile: None,
        insecure: false,
        keep_timing: false,
        name: "recorded".to_owned(),
        max_exchanges: None,
        from_har: None,
        from_trace: None,
    };
    if let Err(error) = std::fs::create_dir_all(out) {
        eprintln!("error: cannot create {}: {error}", out.display());
        return ExitCode::from(EXIT_SETUP);
    }
    let Some(runtime) = runtime() else {
        return ExitCode::from(EXIT_SETUP);
    };
    let token = server.token.clone();
    let running = match runtime.block_on(scimulate::server::start(server)) {
        Ok(running) => running,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_SETUP);
        }
    };
    let config = ProxyConfig {
        listen,
        upstream: running.base_url.clone(),
        trace: out.join(trace::TRACE_FILE),
        tls: None,
        secret_headers: Vec::new(),
        secrets: vec![token],
        secret_fields: Vec::new(),
        insecure_upstream: false,
        max_exchanges: None,
    };
    let upstream = running.base_url.clone();
    let code = run_proxy_on(&runtime, &args, config, &upstream);
    drop(running);
    code
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => Some(runtime),
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            None
        }
    }
}

fn run_proxy(args: &RecordArgs, config: ProxyConfig, upstream: &str) -> ExitCode {
    let Some(runtime) = runtime() else {
        return ExitCode::from(EXIT_SETUP);
    };
    run_proxy_on(&runtime, args, config, upstream)
}

fn run_proxy_on(
    runtime: &tokio::runtime::Runtime,
    args: &RecordArgs,
    config: ProxyConfig,
    upstream: &str,
) -> ExitCode {
    let fingerprint = config.tls.as_ref().and_then(TlsIdentity::fingerprint);
    let listen = config.listen;
    let tally = runtime.block_on(async move {
        let running = match proxy::start(config).await {
            Ok(running) => running,
            Err(error) => {
                eprintln!("error: {error}");
                return None;
            }
        };
        // The URL to give the IdP is the first line of stdout, for scripts.
        println!("{}", running.base_url);
        eprintln!("recording: every exchange goes on to {upstream}");
        if let Some(fingerprint) = &fingerprint {
            eprintln!("tls: self-signed or given certificate, SHA-256 fingerprint {fingerprint}");
        }
        if !listen.ip().is_loopback() {
            eprintln!(
                "WARNING: listening on {listen}, which other machines can reach: anyone who can connect can send requests to {upstream} through this proxy"
            );
        }
        eprintln!("stop with Ctrl-C; the replay scenario is written then");
        tokio::select! {
            _ = running.finished() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        running.stop();
        Some(running.tally())
    });
    let Some(tally) = tally else {
        return ExitCode::from(EXIT_SETUP);
    };
    for lost in &tally.lost {
        eprintln!("error: an exchange is missing from the trace: {lost}");
    }
    let entries = match trace::read(&args.out.join(trace::TRACE_FILE)) {
        Ok(entries) => entries,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(EXIT_SETUP);
        }
    };
    let scrubbed: Vec<String> = tally.scrubbed.into_iter().collect();
    finish(
        args,
        &entries,
        &format!("in front of {upstream}"),
        upstream,
        &scrubbed,
    )
}

fn tls_identity(args: &RecordArgs) -> Result<Option<TlsIdentity>, String> {
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => TlsIdentity::from_files(cert, key).map(Some),
        _ if args.tls => {
            let mut names = args.tls_names.clone();
            if names.is_empty() {
                names.push("localhost".to_owned());
                names.push(args.listen.ip().to_string());
            }
            TlsIdentity::self_signed(&names).map(Some)
        }
        _ => Ok(None),
    }
}

fn from_har(args: &RecordArgs, file: &Path, secrets: &Secrets) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", file.display());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let scrubber =
        Scrubber::new(Vec::new(), secrets.headers.clone()).with_secret_fields(&secrets.fields);
    let imported = match har::import(&text, &scrubber) {
        Ok(imported) => imported,
        Err(error) => {
            eprintln!("error: {}: {error}", file.display());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if imported.skipped > 0 {
        eprintln!(
            "note: {} request(s) of the HAR name no SCIM endpoint and are left out",
            imported.skipped
        );
    }
    let trace_path = args.out.join(trace::TRACE_FILE);
    let written = trace::TraceWriter::create(&trace_path).and_then(|mut writer| {
        imported
            .entries
            .iter()
            .try_for_each(|entry| writer.append(entry))
    });
    if let Err(error) = written {
        eprintln!("error: {error}");
        return ExitCode::from(EXIT_SETUP);
    }
    finish(
        args,
        &imported.entries,
        &format!("from the HAR file {}", file.display()),
        &imported.base_url,
        &imported.scrubbed,
    )
}

fn finish(
    args: &RecordArgs,
    entries: &[trace::TraceEntry],
    origin: &str,
    base_url: &str,
    scrubbed: &[String],
) -> ExitCode {
    let options = convert::Options {
        name: args.name.clone(),
        origin: origin.to_owned(),
        base_url: base_url.to_owned(),
        keep_timing: args.keep_timing,
    };
    match scimulate::record::write(&args.out, entries, &options, scrubbed) {
        Ok(written) => {
            eprint!("{}", written.summary_text);
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(EXIT_SETUP)
        }
    }
}
