//! The `serve` command line: its listing, its usage errors and its exit codes.

use std::process::Command;

use scimulate::server::Quirk;

fn scimulate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args(args)
        .output()
        .expect("the scimulate binary runs")
}

#[test]
fn list_quirks_prints_every_quirk_with_its_description() {
    let output = scimulate(&["serve", "--list-quirks"]);

    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.lines().count(), Quirk::ALL.len());
    for quirk in Quirk::ALL {
        assert!(
            stdout
                .lines()
                .any(|line| line.starts_with(quirk.name()) && line.contains(quirk.description())),
            "{quirk} missing from:\n{stdout}"
        );
    }
}

#[test]
fn an_unknown_quirk_is_a_usage_error_with_a_suggestion() {
    let output = scimulate(&["serve", "--bind", "127.0.0.1:0", "--quirk", "lookup-4044"]);

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("unknown quirk `lookup-4044`"), "{stderr}");
    assert!(stderr.contains("did you mean `lookup-404`"), "{stderr}");
}

#[test]
fn an_address_in_use_exits_3() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();

    let output = scimulate(&["serve", "--bind", &addr]);

    assert_eq!(output.status.code(), Some(3));
    assert!(
        String::from_utf8(output.stderr)
            .unwrap()
            .contains("cannot listen on")
    );
}

#[test]
fn an_unreadable_database_exits_3_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_db = dir.path().join("garbage.db");
    std::fs::write(
        &not_a_db,
        b"this is not an SQLite database, not even close to one....",
    )
    .unwrap();

    let output = scimulate(&[
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--db",
        not_a_db.to_str().unwrap(),
    ]);

    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("garbage.db"), "{stderr}");
}

#[test]
fn a_bad_flag_is_a_usage_error() {
    let output = scimulate(&["serve", "--bind", "not-an-address"]);
    assert_eq!(output.status.code(), Some(2));
}
