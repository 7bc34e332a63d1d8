use std::fs;

use tempfile::TempDir;

use super::*;

const APPROVED: &str = "# scimulate snapshot v1: s (okta)\n\n## p\n\n### GET /Users\n\n--> 200\n";
const CHANGED: &str = "# scimulate snapshot v1: s (okta)\n\n## p\n\n### GET /Users\n\n--> 404\n";

fn temp_dir() -> TempDir {
    match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => panic!("cannot create a temporary directory: {error}"),
    }
}

fn path_in(dir: &TempDir) -> PathBuf {
    dir.path().join("okta").join("s.snap")
}

fn approve(dir: &TempDir, text: &str) -> PathBuf {
    let path = path_in(dir);
    fs::create_dir_all(dir.path().join("okta")).expect("create idp directory");
    fs::write(&path, text).expect("write approved snapshot");
    path
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).expect("read snapshot")
}

/// Every entry in the directory tree, to show that nothing else was left behind.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Ok(read) = fs::read_dir(dir) {
        for entry in read.flatten() {
            let path = entry.path();
            found.extend(entries(&path));
            found.push(path);
        }
    }
    found.sort();
    found
}

#[test]
fn a_missing_snapshot_is_written_in_a_normal_run_creating_directories() {
    // Arrange
    let dir = temp_dir();
    let nested = dir.path().join("snapshots");

    // Act
    let outcome = check(&nested, "s", IdpName::Okta, APPROVED, SnapshotMode::Normal);

    // Assert
    let path = nested.join("okta").join("s.snap");
    assert_eq!(
        outcome.ok(),
        Some(SnapshotOutcome::Written { path: path.clone() })
    );
    assert_eq!(read(&path), APPROVED);
    assert_eq!(
        entries(&nested),
        vec![nested.join("okta"), path],
        "no temporary file left"
    );
}

#[test]
fn a_missing_snapshot_under_ci_is_missing_and_nothing_is_written() {
    // Arrange
    let dir = temp_dir();

    // Act
    let outcome = check(dir.path(), "s", IdpName::Okta, APPROVED, SnapshotMode::Ci);

    // Assert
    assert_eq!(
        outcome.ok(),
        Some(SnapshotOutcome::Missing {
            path: path_in(&dir)
        })
    );
    assert_eq!(entries(dir.path()), Vec::<PathBuf>::new());
}

#[test]
fn a_missing_snapshot_is_written_under_accept() {
    // Arrange
    let dir = temp_dir();

    // Act
    let outcome = check(
        dir.path(),
        "s",
        IdpName::Okta,
        APPROVED,
        SnapshotMode::Accept,
    );

    // Assert
    assert_eq!(
        outcome.ok(),
        Some(SnapshotOutcome::Written {
            path: path_in(&dir)
        })
    );
    assert_eq!(read(&path_in(&dir)), APPROVED);
}

#[test]
fn an_equal_snapshot_matches_in_every_mode_and_is_left_alone() {
    for mode in [SnapshotMode::Normal, SnapshotMode::Ci, SnapshotMode::Accept] {
        // Arrange: approved with Windows line endings, which are not drift.
        let dir = temp_dir();
        let path = approve(&dir, &APPROVED.replace('\n', "\r\n"));

        // Act
        let outcome = check(dir.path(), "s", IdpName::Okta, APPROVED, mode);

        // Assert
        assert_eq!(
            outcome.ok(),
            Some(SnapshotOutcome::Matched { path: path.clone() }),
            "{mode:?}"
        );
        assert_eq!(read(&path), APPROVED.replace('\n', "\r\n"), "{mode:?}");
    }
}

#[test]
fn a_different_snapshot_drifts_with_a_diff_that_names_the_changed_line() {
    for mode in [SnapshotMode::Normal, SnapshotMode::Ci] {
        // Arrange
        let dir = temp_dir();
        let path = approve(&dir, APPROVED);

        // Act
        let outcome = check(dir.path(), "s", IdpName::Okta, CHANGED, mode);

        // Assert
        let Ok(SnapshotOutcome::Drifted {
            path: drifted,
            diff,
        }) = outcome
        else {
            panic!("{mode:?}: expected drift, got {outcome:?}");
        };
        assert_eq!(drifted, path);
        let expected = format!(
            "--- approved: {}\n+++ actual\n@@ -4,4 +4,4 @@\n \n ### GET /Users\n \n---> 200\n+--> 404\n",
            path.display()
        );
        assert_eq!(diff, expected, "{mode:?}");
        assert_eq!(
            read(&path),
            APPROVED,
            "{mode:?}: the approved snapshot is kept"
        );
    }
}

#[test]
fn a_different_snapshot_is_replaced_under_accept() {
    // Arrange
    let dir = temp_dir();
    let path = approve(&dir, APPROVED);

    // Act
    let outcome = check(
        dir.path(),
        "s",
        IdpName::Okta,
        CHANGED,
        SnapshotMode::Accept,
    );

    // Assert
    assert_eq!(
        outcome.ok(),
        Some(SnapshotOutcome::Accepted { path: path.clone() })
    );
    assert_eq!(read(&path), CHANGED);
    assert_eq!(
        entries(dir.path()),
        vec![dir.path().join("okta"), path],
        "no temporary file left"
    );
}

#[test]
fn snapshots_of_different_idps_are_separate_files() {
    // Arrange
    let dir = temp_dir();

    // Act
    let okta = check(
        dir.path(),
        "s",
        IdpName::Okta,
        APPROVED,
        SnapshotMode::Normal,
    );
    let entra = check(
        dir.path(),
        "s",
        IdpName::Entra,
        CHANGED,
        SnapshotMode::Normal,
    );

    // Assert
    assert!(matches!(okta, Ok(SnapshotOutcome::Written { .. })));
    assert!(matches!(entra, Ok(SnapshotOutcome::Written { .. })));
    assert_eq!(read(&dir.path().join("entra").join("s.snap")), CHANGED);
}

#[test]
fn a_scenario_name_that_is_not_a_plain_file_name_is_refused() {
    // Arrange
    let dir = temp_dir();

    for name in ["", "..", "../escape", "a/b", "a\\b", ".hidden", "a\nb"] {
        // Act
        let outcome = check(
            dir.path(),
            name,
            IdpName::Okta,
            APPROVED,
            SnapshotMode::Normal,
        );

        // Assert
        assert!(
            matches!(outcome, Err(SnapshotError::InvalidName { .. })),
            "{name:?}: {outcome:?}"
        );
    }
    assert_eq!(entries(dir.path()), Vec::<PathBuf>::new());
}

#[test]
fn an_unwritable_location_is_an_error_that_names_the_path() {
    // Arrange: the IdP's directory is a file, so nothing can be created under it.
    let dir = temp_dir();
    fs::write(dir.path().join("okta"), "not a directory").expect("write blocker");

    // Act
    let outcome = check(
        dir.path(),
        "s",
        IdpName::Okta,
        APPROVED,
        SnapshotMode::Normal,
    );

    // Assert
    let Err(error) = outcome else {
        panic!("expected an error, got {outcome:?}");
    };
    let message = error.to_string();
    assert!(
        message.contains(&path_in(&dir).display().to_string()),
        "{message}"
    );
}
