//! The built-in catalogue: the scenarios, their fixtures and the approved snapshots of the
//! embedded runs, compiled into the binary.
//!
//! `cargo install` must give the whole tool, and `scimulate run` must work from any directory,
//! so the catalogue cannot be a folder beside the binary. The runner reads scenarios from files
//! (a scenario names its fixtures relative to itself), so the built-in catalogue is written out
//! once, to a directory of its own under the system's temporary directory named by the crate's
//! version and a hash of the catalogue's contents, and read from there like any folder. A
//! directory already written by the same build is reused. A new one is written beside its final
//! name and renamed into place, so two runs starting together never read half a catalogue.
//!
//! `build.rs` makes cargo rebuild when a file of the catalogue changes, so the binary never
//! carries an older catalogue than the repository it was built from.

use std::hash::Hasher as _;
use std::io;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

static SCENARIOS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/scenarios");
static FIXTURES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures");
static SNAPSHOTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/snapshots");

/// The built-in catalogue, written out where the runner can read it.
#[derive(Debug, Clone)]
pub struct Catalogue {
    root: PathBuf,
}

impl Catalogue {
    /// The scenario files (`scenarios/` of the repository the binary was built from).
    pub fn scenarios(&self) -> PathBuf {
        self.root.join("scenarios")
    }

    /// The fixtures the scenarios name (relative to themselves: `../../fixtures/…`).
    pub fn fixtures(&self) -> PathBuf {
        self.root.join("fixtures")
    }

    /// The approved snapshots of the catalogue's runs against the embedded server.
    pub fn snapshots(&self) -> PathBuf {
        self.root.join("snapshots")
    }
}

/// The built-in catalogue, written out under the system's temporary directory if this build's
/// copy is not there yet.
pub fn built_in() -> io::Result<Catalogue> {
    let root = std::env::temp_dir().join(format!(
        "scimulate-catalogue-{}-{:016x}",
        env!("CARGO_PKG_VERSION"),
        fingerprint()
    ));
    if !root.join("complete").exists() {
        write_out(&root)?;
    }
    Ok(Catalogue { root })
}

/// Writes the catalogue beside `root` and renames it into place; a copy another run put there
/// first is kept.
fn write_out(root: &Path) -> io::Result<()> {
    let staging = root.with_extension(format!("partial-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    for (name, dir) in [
        ("scenarios", &SCENARIOS),
        ("fixtures", &FIXTURES),
        ("snapshots", &SNAPSHOTS),
    ] {
        let into = staging.join(name);
        std::fs::create_dir_all(&into)?;
        dir.extract(&into)?;
    }
    std::fs::write(staging.join("complete"), env!("CARGO_PKG_VERSION"))?;
    match std::fs::rename(&staging, root) {
        Ok(()) => Ok(()),
        Err(_) if root.join("complete").exists() => std::fs::remove_dir_all(&staging),
        Err(error) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(error)
        }
    }
}

/// A hash of every file of the catalogue, path and contents: two builds with different
/// catalogues never share a directory.
fn fingerprint() -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for dir in [&SCENARIOS, &FIXTURES, &SNAPSHOTS] {
        hash_dir(dir, &mut hasher);
    }
    hasher.finish()
}

fn hash_dir(dir: &Dir<'_>, hasher: &mut std::collections::hash_map::DefaultHasher) {
    for file in dir.files() {
        hasher.write(file.path().to_string_lossy().as_bytes());
        hasher.write(file.contents());
    }
    for sub in dir.dirs() {
        hash_dir(sub, hasher);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalogue_is_the_repository_s_with_its_fixtures_and_snapshots() {
        // Act
        let catalogue = built_in().expect("written out");

        // Assert: what a scenario names relative to itself is there too.
        let repository = Path::new(env!("CARGO_MANIFEST_DIR"));
        for (written, source) in [
            ("scenarios/rfc/errors.yaml", "scenarios/rfc/errors.yaml"),
            (
                "fixtures/rfc/malformed-user.json",
                "fixtures/rfc/malformed-user.json",
            ),
            (
                "snapshots/generic/errors.snap",
                "snapshots/generic/errors.snap",
            ),
        ] {
            let at = catalogue.root.join(written);
            assert_eq!(
                std::fs::read(&at).unwrap_or_default(),
                std::fs::read(repository.join(source)).unwrap(),
                "{}",
                at.display()
            );
        }
        assert!(catalogue.scenarios().ends_with("scenarios"));
        assert_eq!(built_in().unwrap().root, catalogue.root, "reused");
    }
}
