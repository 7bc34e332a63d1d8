//! Recording what a real IdP sent, and turning it into a scenario that replays it anywhere.
//!
//! Support reproduces a customer's IdP-specific bug from the customer's own traffic. The
//! pipeline, one file each:
//! - [`proxy`]: a reverse proxy between the IdP and the upstream server (or the embedded
//!   reference server, `serve --record`), which forwards each exchange unchanged and appends it,
//!   scrubbed, to the trace as it passes;
//! - [`tls`]: HTTPS for it, with a given or a self-signed certificate;
//! - [`har`]: a HAR file (browser tools, SCIM Verify) read as a trace;
//! - [`trace`]: the trace, one exchange per line, the recording's ground truth;
//! - [`convert`]: the trace as a replay scenario and a transcript in the snapshot format;
//! - [`identify`]: which IdP sent it, and the built-in scenarios that play the same flow.
//!
//! Secrets never reach the disk: every exchange goes through the runner's scrubber before the
//! trace sees it, so nothing derived from the trace can hold one.

pub mod convert;
pub mod har;
pub mod identify;
pub mod proxy;
pub mod tls;
pub mod trace;

use std::path::{Path, PathBuf};

use trace::TraceEntry;

/// The replay scenario's file name in a recording's directory.
pub const SCENARIO_FILE: &str = "recorded.yaml";
/// The summary's file name.
pub const SUMMARY_FILE: &str = "recording.md";
/// The folder of the replay's approved snapshot (the transcript).
pub const SNAPSHOTS_DIR: &str = "snapshots";

/// What a recording's directory holds once written.
#[derive(Debug, Clone)]
pub struct Written {
    pub scenario: PathBuf,
    pub transcript: PathBuf,
    pub summary: PathBuf,
    /// The summary's text, also printed.
    pub summary_text: String,
}

/// Why a recording's files could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {message}")]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

/// Writes the replay scenario, its transcript and the summary for `entries` into `dir`.
/// `scrubbed` names the kinds of secret the recording removed.
pub fn write(
    dir: &Path,
    entries: &[TraceEntry],
    options: &convert::Options,
    scrubbed: &[String],
) -> Result<Written, WriteError> {
    let conversion = convert::convert(entries, options);
    let identified = identify::identify(entries);
    let write_file = |path: &Path, bytes: &[u8]| -> Result<(), WriteError> {
        crate::files::write_atomic(path, bytes).map_err(|e| WriteError {
            path: path.to_owned(),
            message: e.to_string(),
        })
    };
    let yaml = serde_saphyr::to_string(&conversion.scenario).map_err(|e| WriteError {
        path: dir.join(SCENARIO_FILE),
        message: e.to_string(),
    })?;
    let scenario_path = dir.join(SCENARIO_FILE);
    write_file(
        &scenario_path,
        format!(
            "# yaml-language-server: $schema=https://scimulate.dev/scenario.schema.json\n# Written by `scimulate record` from {}; replay with:\n#   scimulate run {} --target URL --snapshots {}\n{yaml}",
            trace::TRACE_FILE,
            scenario_path.display(),
            dir.join(SNAPSHOTS_DIR).display()
        )
        .as_bytes(),
    )?;
    for (file, bytes) in &conversion.body_files {
        write_file(&dir.join(file), bytes)?;
    }
    let transcript = crate::snapshot::store::snapshot_path(
        &dir.join(SNAPSHOTS_DIR),
        &options.name,
        crate::scenario::model::IdpName::Generic,
    )
    .map_err(|e| WriteError {
        path: dir.join(SNAPSHOTS_DIR),
        message: e.to_string(),
    })?;
    write_file(&transcript, conversion.transcript.as_bytes())?;
    let covering = match (identified.idp, crate::catalogue::built_in()) {
        (Some(idp), Ok(catalogue)) => {
            identify::covering(&catalogue.scenarios(), idp, &identified.flows, 5)
        }
        _ => Vec::new(),
    };
    let summary_text = summary(
        entries,
        &identified,
        &covering,
        scrubbed,
        &conversion.notes,
        &scenario_path,
        &transcript,
        dir,
    );
    let summary = dir.join(SUMMARY_FILE);
    write_file(&summary, summary_text.as_bytes())?;
    Ok(Written {
        scenario: scenario_path,
        transcript,
        summary,
        summary_text,
    })
}

#[allow(clippy::too_many_arguments)]
fn summary(
    entries: &[TraceEntry],
    identified: &identify::Identified,
    covering: &[String],
    scrubbed: &[String],
    notes: &[String],
    scenario: &Path,
    transcript: &Path,
    dir: &Path,
) -> String {
    let mut out = String::from("# Recording\n\n");
    out.push_str(&format!("- exchanges: {}\n", entries.len()));
    match identified.idp {
        Some(idp) => out.push_str(&format!(
            "- IdP: {} (told by {})\n",
            idp.as_str(),
            identified.evidence
        )),
        None => out.push_str(&format!("- IdP: unknown ({})\n", identified.evidence)),
    }
    let flows: Vec<&str> = identified.flows.iter().copied().collect();
    if !flows.is_empty() {
        out.push_str(&format!("- flows: {}\n", flows.join(", ")));
    }
    if !covering.is_empty() {
        out.push_str(&format!(
            "- built-in scenarios that play the same flows: {}\n",
            covering.join(", ")
        ));
    }
    if scrubbed.is_empty() {
        out.push_str("- scrubbed: nothing was found to scrub\n");
    } else {
        out.push_str(&format!("- scrubbed: {}\n", scrubbed.join("; ")));
    }
    out.push_str(&format!("- replay scenario: {}\n", scenario.display()));
    out.push_str(&format!("- transcript: {}\n", transcript.display()));
    for note in notes {
        out.push_str(&format!("- note: {note}\n"));
    }
    out.push_str(&format!(
        "\nReplay against another build, and see what changed as a snapshot diff:\n\n    scimulate run {} --target URL --snapshots {}\n",
        scenario.display(),
        dir.join(SNAPSHOTS_DIR).display()
    ));
    out
}
