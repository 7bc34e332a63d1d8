//! `scimulate init`: a starting point for a team's own repository.
//!
//! A team that adopts scimulate wants the catalogue in their repository, to change and extend
//! beside their own scenarios, a target profile to adapt, and a CI job that already works. This
//! writes them: a copy of the built-in catalogue (scenarios and the fixtures they name), the
//! reference server's target profile as an example, `ci/run.sh` (what the CI job runs, and
//! what a person runs locally), and GitHub Actions and GitLab CI jobs that call it. The same
//! recipes are in `docs/ci.md`, kept identical by a test, and `scripts/ci-recipes.sh` runs them
//! against a reference server in the project's own CI.
//!
//! Nothing is overwritten: a file that is already there stops the command before anything is
//! written, with the list of what is in the way.

use std::io;
use std::path::{Path, PathBuf};

use crate::catalogue::Catalogue;

/// `ci/run.sh`: the shell steps of every CI recipe.
pub const RUN_SH: &str = include_str!("init/run.sh");
/// `ci/github-actions.yml`.
pub const GITHUB_ACTIONS: &str = include_str!("init/github-actions.yml");
/// `ci/gitlab-ci.yml`.
pub const GITLAB_CI: &str = include_str!("init/gitlab-ci.yml");
const README: &str = include_str!("init/README.md");
const PROFILE: &str = include_str!("../fixtures/profiles/reference-server.yaml");

/// Why `init` wrote nothing, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{} already exist(s) in {}; nothing was written (choose another directory, or move them)", .0.join(", "), .1.display())]
    InTheWay(Vec<String>, PathBuf),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Writes the starting point into `dir` (created if missing); the files written, relative to
/// it.
pub fn init(dir: &Path, catalogue: &Catalogue) -> Result<Vec<PathBuf>, InitError> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = vec![
        ("README.md".into(), README.as_bytes().to_vec()),
        (
            "target-profile.example.yaml".into(),
            PROFILE.as_bytes().to_vec(),
        ),
        ("ci/run.sh".into(), RUN_SH.as_bytes().to_vec()),
        (
            "ci/github-actions.yml".into(),
            GITHUB_ACTIONS.as_bytes().to_vec(),
        ),
        ("ci/gitlab-ci.yml".into(), GITLAB_CI.as_bytes().to_vec()),
    ];
    for (name, from) in [
        ("scenarios", catalogue.scenarios()),
        ("fixtures", catalogue.fixtures()),
    ] {
        copy_list(&from, Path::new(name), &mut files).map_err(|source| InitError::Write {
            path: from.clone(),
            source,
        })?;
    }
    let in_the_way: Vec<String> = files
        .iter()
        .filter(|(name, _)| dir.join(name).exists())
        .map(|(name, _)| name.display().to_string())
        .collect();
    if !in_the_way.is_empty() {
        return Err(InitError::InTheWay(in_the_way, dir.to_path_buf()));
    }
    for (name, bytes) in &files {
        let path = dir.join(name);
        let write = || -> io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, bytes)?;
            #[cfg(unix)]
            if name.extension().is_some_and(|e| e == "sh") {
                use std::os::unix::fs::PermissionsExt as _;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
            }
            Ok(())
        };
        write().map_err(|source| InitError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(files.into_iter().map(|(name, _)| name).collect())
}

/// Every file under `from`, as (`under/relative`, contents).
fn copy_list(from: &Path, under: &Path, into: &mut Vec<(PathBuf, Vec<u8>)>) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(from)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let name = under.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_list(&entry.path(), &name, into)?;
        } else {
            into.push((name, std::fs::read(entry.path())?));
        }
    }
    Ok(())
}
