//! Approved snapshots on disk: where they live, how a run compares with them, and how they are
//! replaced.
//!
//! A scenario's approved snapshot as one IdP is `DIR/<idp>/<scenario>.snap`, one file per pair,
//! so a review shows exactly which IdP's traffic changed. What a run does with it depends on
//! [`SnapshotMode`]; in every mode an unchanged snapshot is [`SnapshotOutcome::Matched`] and
//! leaves the file untouched.
//!
//! Files are replaced atomically (written to a hidden temporary file in the same directory, then
//! renamed over the old one), so an interrupted run leaves either the old snapshot or the new
//! one, never half of one. A crash between the two steps can leave a `.<name>.snap.*.tmp` file
//! behind; it is never read.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use crate::scenario::model::IdpName;

/// What the comparison with the approved snapshot found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotOutcome {
    /// The scenario has no snapshot step, or no snapshot directory was given.
    NotTaken,
    Matched {
        path: PathBuf,
    },
    /// No approved snapshot existed: one was written (a normal run).
    Written {
        path: PathBuf,
    },
    /// No approved snapshot existed, and under `--ci` that is a failure; nothing was written.
    Missing {
        path: PathBuf,
    },
    /// The snapshot differs; `diff` is a unified diff, approved → actual.
    Drifted {
        path: PathBuf,
        diff: String,
    },
    /// `--accept`: the new snapshot replaced the approved one.
    Accepted {
        path: PathBuf,
    },
}

impl SnapshotOutcome {
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            SnapshotOutcome::Missing { .. } | SnapshotOutcome::Drifted { .. }
        )
    }
}

/// The file name extension of snapshot files.
pub const EXTENSION: &str = "snap";

/// Lines of unchanged context around each change in a drift diff.
const DIFF_CONTEXT: usize = 3;

/// What a run may do with the approved snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SnapshotMode {
    /// A missing snapshot is written (a new scenario's first run); a different one drifts.
    #[default]
    Normal,
    /// `--ci`: nothing is written; a missing snapshot is a failure, as is drift.
    Ci,
    /// `--accept`: the run's snapshot becomes the approved one, missing or different.
    Accept,
}

/// Why a snapshot could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The scenario name would not make a plain file name (empty, hidden, or with a separator).
    #[error("scenario name `{name}` cannot name a snapshot file")]
    InvalidName { name: String },
    #[error("cannot read the snapshot {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write the snapshot {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// `dir/<idp>/<scenario>.snap`.
pub fn snapshot_path(dir: &Path, scenario: &str, idp: IdpName) -> Result<PathBuf, SnapshotError> {
    let plain = !scenario.is_empty()
        && !scenario.starts_with('.')
        && !scenario
            .chars()
            .any(|c| matches!(c, '/' | '\\' | ':') || c.is_control());
    if !plain {
        return Err(SnapshotError::InvalidName {
            name: scenario.to_owned(),
        });
    }
    Ok(dir
        .join(idp.as_str())
        .join(format!("{scenario}.{EXTENSION}")))
}

/// Compares `actual` (a rendered snapshot) with the approved one, writing or replacing it as
/// `mode` allows.
pub fn check(
    dir: &Path,
    scenario: &str,
    idp: IdpName,
    actual: &str,
    mode: SnapshotMode,
) -> Result<SnapshotOutcome, SnapshotError> {
    let path = snapshot_path(dir, scenario, idp)?;
    let actual = normalise(actual);
    let outcome = match read_approved(&path)? {
        None if mode == SnapshotMode::Ci => SnapshotOutcome::Missing { path },
        None => {
            write_atomically(&path, &actual)?;
            SnapshotOutcome::Written { path }
        }
        Some(approved) if approved == actual => SnapshotOutcome::Matched { path },
        Some(_) if mode == SnapshotMode::Accept => {
            write_atomically(&path, &actual)?;
            SnapshotOutcome::Accepted { path }
        }
        Some(approved) => {
            let diff = unified_diff(&approved, &actual, &path);
            SnapshotOutcome::Drifted { path, diff }
        }
    };
    Ok(outcome)
}

/// The approved snapshot, or `None` when there is none.
fn read_approved(path: &Path) -> Result<Option<String>, SnapshotError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(normalise(&String::from_utf8_lossy(&bytes)))),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SnapshotError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// `\n` line endings and no byte-order mark: what an editor or a Git checkout on Windows may
/// have added is not drift.
fn normalise(text: &str) -> String {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n")
}

/// A unified diff, approved → actual, headed `approved: <path>` / `actual`.
fn unified_diff(approved: &str, actual: &str, path: &Path) -> String {
    TextDiff::from_lines(approved, actual)
        .unified_diff()
        .context_radius(DIFF_CONTEXT)
        .header(&format!("approved: {}", path.display()), "actual")
        .to_string()
}

fn write_atomically(path: &Path, contents: &str) -> Result<(), SnapshotError> {
    crate::files::write_atomic(path, contents.as_bytes()).map_err(|source| SnapshotError::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests;
