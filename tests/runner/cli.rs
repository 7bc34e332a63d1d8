//! `scimulate run`, `list` and `validate` through the binary: exit codes, drift diffs,
//! snapshot modes, partitions and problem reports.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{output_text, root, serve};

fn scimulate(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env_remove("SCIMULATE_TOKEN")
        .output()
        .expect("the binary runs")
}

/// A copy of the catalogue and its approved snapshots in a scratch directory.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["scenarios", "snapshots", "fixtures"] {
        copy_tree(&root().join(sub), &dir.path().join(sub));
    }
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn the_catalogue_passes_against_the_embedded_server_and_matches_its_snapshots() {
    let dir = workspace();
    let output = scimulate(&["run", "--ci"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
    assert!(
        output_text(&output).contains("drifted"),
        "the summary counts snapshots"
    );
}

#[test]
fn a_quirk_fails_the_run_with_a_diff_that_names_the_culprit() {
    // Arrange
    let dir = workspace();

    // Act: a server that forgets the Location header.
    let output = scimulate(&["run", "--quirk", "no-location"], dir.path());

    // Assert
    assert_eq!(output.status.code(), Some(1));
    let shown = output_text(&output);
    assert!(shown.contains("-location: <base>/Users/<id-1>"), "{shown}");
    assert!(shown.contains("rfc7644.3.3.location-on-201"), "{shown}");
}

#[test]
fn from_an_empty_directory_the_built_in_catalogue_runs_and_writes_nothing_there() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();

    // Act
    let run = scimulate(&["run"], dir.path());
    let list = scimulate(&["list"], dir.path());
    let accept = scimulate(&["run", "--accept"], dir.path());

    // Assert: the whole catalogue, compared with its own approved snapshots.
    assert_eq!(run.status.code(), Some(0), "{}", output_text(&run));
    let shown = output_text(&run);
    assert!(shown.contains(" 0 drifted, 0 missing"), "{shown}");
    assert!(!shown.contains(" 0 matched"), "{shown}");
    let listed = String::from_utf8_lossy(&list.stdout).lines().count();
    assert!(listed >= 100, "{listed} scenario runs listed");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written here"
    );
    assert_eq!(accept.status.code(), Some(2), "{}", output_text(&accept));
    assert!(output_text(&accept).contains("--snapshots DIR"));
}

#[test]
fn scenarios_on_disk_compare_snapshots_only_where_told() {
    // Arrange
    let dir = workspace();
    std::fs::remove_dir_all(dir.path().join("snapshots")).unwrap();

    // Act
    let run = scimulate(&["run", "scenarios/rfc/discovery.yaml"], dir.path());

    // Assert
    assert_eq!(run.status.code(), Some(0), "{}", output_text(&run));
    assert!(
        !dir.path().join("snapshots").exists(),
        "no snapshot written unasked"
    );
}

#[test]
fn missing_snapshots_fail_under_ci_and_are_written_otherwise() {
    let dir = workspace();
    std::fs::remove_dir_all(dir.path().join("snapshots")).unwrap();

    let ci = scimulate(
        &["run", "scenarios", "--snapshots", "snapshots", "--ci"],
        dir.path(),
    );
    assert_eq!(ci.status.code(), Some(1), "{}", output_text(&ci));
    assert!(
        output_text(&ci).contains("--accept"),
        "it says how to approve: {}",
        output_text(&ci)
    );
    assert!(!dir.path().join("snapshots/generic/discovery.snap").exists());

    let normal = scimulate(
        &["run", "scenarios", "--snapshots", "snapshots"],
        dir.path(),
    );
    assert_eq!(normal.status.code(), Some(0), "{}", output_text(&normal));
    assert!(dir.path().join("snapshots/generic/discovery.snap").exists());
}

#[test]
fn accept_approves_a_drifted_snapshot() {
    let dir = workspace();
    let accepted = scimulate(
        &[
            "run",
            "--quirk",
            "no-location",
            "--accept",
            "--no-snapshots",
        ],
        dir.path(),
    );
    assert_eq!(
        accepted.status.code(),
        Some(2),
        "--accept and --no-snapshots conflict"
    );

    let drifted = scimulate(
        &[
            "run",
            "--quirk",
            "json-content-type",
            "scenarios/rfc/discovery.yaml",
            "--snapshots",
            "snapshots",
        ],
        dir.path(),
    );
    assert_eq!(drifted.status.code(), Some(1));
    let approve = scimulate(
        &[
            "run",
            "--quirk",
            "paging-as-strings",
            "--accept",
            "scenarios/rfc/discovery.yaml",
            "--snapshots",
            "snapshots",
        ],
        dir.path(),
    );
    assert_eq!(approve.status.code(), Some(0), "{}", output_text(&approve));
    let snapshot =
        std::fs::read_to_string(dir.path().join("snapshots/generic/discovery.snap")).unwrap();
    assert!(snapshot.contains("\"totalResults\": \"2\""), "{snapshot}");
}

#[test]
fn usage_and_scenario_errors_exit_2_and_an_unreachable_target_exits_3() {
    let dir = workspace();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "name: broken\ndescription: x\nsteps:\n  - request:\n      method: GET\n      path: /Users\n      expcet: {status: 200}\n",
    )
    .unwrap();

    std::fs::write(
        dir.path().join("no-module.yaml"),
        "name: no-module\ndescription: x\nidps: [entra]\nsteps:\n  - push_now: eng\n",
    )
    .unwrap();
    let no_module = scimulate(&["run", "no-module.yaml"], dir.path());
    assert_eq!(no_module.status.code(), Some(2));
    assert!(
        output_text(&no_module).contains("runs as `entra`, which has no `push_now` step"),
        "{}",
        output_text(&no_module)
    );

    let bad_file = scimulate(&["run", "broken.yaml"], dir.path());
    let validate = scimulate(&["validate", "broken.yaml"], dir.path());
    let missing = scimulate(&["run", "nothing-here.yaml"], dir.path());
    let quirk = scimulate(&["run", "--quirk", "no-such-quirk"], dir.path());
    let unreachable = scimulate(
        &[
            "run",
            "--target",
            "http://127.0.0.1:9/scim/v2",
            "--token",
            "x",
        ],
        dir.path(),
    );

    assert_eq!(bad_file.status.code(), Some(2));
    assert_eq!(validate.status.code(), Some(2));
    assert!(
        output_text(&validate).contains("broken.yaml:7:7"),
        "{}",
        output_text(&validate)
    );
    assert!(
        output_text(&validate).contains("did you mean `expect`"),
        "{}",
        output_text(&validate)
    );
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(quirk.status.code(), Some(2));
    assert_eq!(
        unreachable.status.code(),
        Some(3),
        "{}",
        output_text(&unreachable)
    );
    assert!(output_text(&unreachable).contains("could not be reached"));
}

#[test]
fn partitions_split_the_listing_deterministically() {
    let dir = workspace();
    let all = String::from_utf8(scimulate(&["list"], dir.path()).stdout).unwrap();
    let mut parts: Vec<String> = Vec::new();
    for k in 1..=3 {
        let slice = scimulate(&["list", "--partition", &format!("{k}/3")], dir.path());
        parts.extend(
            String::from_utf8(slice.stdout)
                .unwrap()
                .lines()
                .map(str::to_owned),
        );
    }
    parts.sort();
    let mut expected: Vec<String> = all.lines().map(str::to_owned).collect();
    expected.sort();
    assert_eq!(parts, expected);
    assert!(expected.len() >= 6);
    let tagged = String::from_utf8(
        scimulate(
            &["list", "--filter", "tag:groups", "--filter", "idp:generic"],
            dir.path(),
        )
        .stdout,
    )
    .unwrap();
    assert!(!tagged.is_empty(), "{tagged}");
    assert!(
        tagged.lines().all(|l| l.starts_with("generic/")),
        "{tagged}"
    );
    assert!(tagged.lines().count() < expected.len(), "{tagged}");
}

#[test]
fn the_junit_report_parses_as_junit() {
    let dir = workspace();
    let junit = dir.path().join("junit.xml");
    let output = scimulate(
        &[
            "run",
            "scenarios/rfc",
            "--quirk",
            "lookup-404",
            "--junit",
            junit.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(output.status.code(), Some(1));
    let parsed = Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as ET\nroot = ET.parse(sys.argv[1]).getroot()\ncases = root.findall('.//testcase')\nfailed = [c.get('name') for c in cases if c.find('failure') is not None]\nprint(len(cases), ','.join(failed))",
            junit.to_str().unwrap(),
        ])
        .output()
        .expect("python3 parses the XML");
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let listed = String::from_utf8(scimulate(&["list", "scenarios/rfc"], dir.path()).stdout)
        .unwrap()
        .lines()
        .count();
    let parsed = String::from_utf8_lossy(&parsed.stdout);
    let (cases, failed) = parsed.trim().split_once(' ').unwrap_or((parsed.trim(), ""));
    assert_eq!(cases, listed.to_string(), "one test case per scenario run");
    assert!(
        failed.split(',').any(|name| name == "filter"),
        "the filter scenario fails under lookup-404: {failed}"
    );
}

#[test]
fn a_target_url_with_credentials_in_it_is_refused_without_printing_them() {
    // Arrange: the catalogue's own directory, so the run gets as far as the target.
    let url = "http://admin:pw-SECRET-71c2@127.0.0.1:9/scim/v2";

    for args in [vec!["run", "--target", url], vec!["load", "--target", url]] {
        // Act
        let output = scimulate(&args, &root());

        // Assert
        let said = output_text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains("must not carry credentials"), "{said}");
        assert!(!said.contains("pw-SECRET-71c2"), "{said}");
    }
}

#[test]
fn gate_chooses_the_areas_that_decide_the_exit_code() {
    // Arrange: Entra's default dialect refused, so the entra area fails and rfc holds.
    let dir = root();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "scenarios/entra/block-sign-in.yaml",
            "--no-snapshots",
            "--quirk",
            "reject-capitalised-ops",
        ];
        args.extend_from_slice(extra);
        scimulate(&args, &dir)
    };

    // Act
    let every_area = run(&[]);
    let rfc_only = run(&["--gate", "rfc"]);
    let entra = run(&["--gate", "rfc,idp"]);
    let unknown = run(&["--gate", "nope"]);

    // Assert
    assert_eq!(
        every_area.status.code(),
        Some(1),
        "{}",
        output_text(&every_area)
    );
    assert!(output_text(&every_area).contains("    FAIL entra "));
    assert_eq!(
        rfc_only.status.code(),
        Some(0),
        "{}",
        output_text(&rfc_only)
    );
    let said = output_text(&rfc_only);
    assert!(
        said.contains("(not gated: does not decide the exit code)"),
        "{said}"
    );
    assert!(said.contains("PASS the gated areas held"), "{said}");
    assert_eq!(entra.status.code(), Some(1), "{}", output_text(&entra));
    assert_eq!(unknown.status.code(), Some(2), "{}", output_text(&unknown));
    assert!(output_text(&unknown).contains("unknown area `nope`"));
}

#[test]
fn checks_lists_every_check_as_a_table_or_as_json() {
    // Act
    let table = scimulate(&["checks"], &root());
    let json = scimulate(&["checks", "--json"], &root());
    let broken = tempfile::tempdir().unwrap();
    std::fs::write(broken.path().join("x.yaml"), "name: x\nsteps: nope\n").unwrap();
    let refused = scimulate(&["checks", "x.yaml"], broken.path());

    // Assert
    assert_eq!(table.status.code(), Some(0), "{}", output_text(&table));
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(table.contains("| check | level | evidence | source | requirement | scenarios |"));
    assert!(table.contains("| `rfc7644.3.3.create-returns-201` | MUST |"));
    let listed: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let okta = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "okta.create.returns-201-with-id")
        .expect("the IdP's own checks are listed");
    assert_eq!(okta["level"], "IDP-REQUIRED");
    assert_eq!(okta["evidence"], "documented");
    assert_eq!(refused.status.code(), Some(2), "{}", output_text(&refused));
}

#[test]
fn a_reader_that_stops_early_ends_the_listing_quietly() {
    // Arrange: the reading end is closed before anything is written, as `| head -1` does.
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .arg("list")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());

    // Act
    let output = child.wait_with_output().unwrap();

    // Assert
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
    assert!(
        !output_text(&output).contains("panicked"),
        "{}",
        output_text(&output)
    );
}

#[test]
fn jobs_must_be_one_or_more() {
    let output = scimulate(&["run", "--jobs", "0"], &root());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        output_text(&output).contains("give 1 or more"),
        "{}",
        output_text(&output)
    );
}

#[test]
fn from_an_empty_directory_the_whole_catalogue_runs_against_a_served_reference_server() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(&[], "cli-test-token");
    let target = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_scimulate"))
            .args(["run", "--target", &url])
            .args(extra)
            .current_dir(dir.path())
            .env_remove("CI")
            .env("SCIMULATE_TOKEN", "cli-test-token")
            .output()
            .expect("the binary runs")
    };

    // Act
    let without_profile = target(&[]);
    let with_profile = target(&["--target-profile", "builtin:reference-server"]);

    // Assert: without a profile, the application's scenarios are left out, said briefly and
    // after the summary; with the built-in one, the whole catalogue runs.
    assert_eq!(
        without_profile.status.code(),
        Some(0),
        "{}",
        output_text(&without_profile)
    );
    let note = String::from_utf8_lossy(&without_profile.stderr);
    let note = note
        .lines()
        .find(|l| l.starts_with("note:"))
        .expect("a note");
    assert!(note.len() < 300, "{note}");
    assert!(note.contains("builtin:reference-server"), "{note}");
    assert_eq!(
        with_profile.status.code(),
        Some(0),
        "{}",
        output_text(&with_profile)
    );
    let summary = String::from_utf8_lossy(&with_profile.stdout);
    let all = String::from_utf8_lossy(&scimulate(&["list"], dir.path()).stdout)
        .lines()
        .count();
    assert!(
        summary.contains(&format!("PASS all {all} scenarios passed")),
        "{summary}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written here"
    );
}

#[test]
fn completions_and_the_manual_page_come_from_the_command_definitions() {
    // Act
    let bash = scimulate(&["completions", "bash"], &root());
    let man = scimulate(&["man"], &root());
    let unknown = scimulate(&["completions", "tcsh"], &root());

    // Assert: every subcommand and a flag of `run` are there.
    let bash = String::from_utf8_lossy(&bash.stdout);
    for word in [
        "run",
        "list",
        "validate",
        "checks",
        "serve",
        "load",
        "--target-profile",
    ] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    let man = String::from_utf8_lossy(&man.stdout);
    assert!(man.contains(".TH scimulate 1"), "{man}");
    assert!(man.contains("completions"), "{man}");
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn init_writes_a_starting_point_whose_ci_script_passes_and_never_overwrites() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let (_server, url) = serve(&[], "init-test-token");

    // Act
    let init = scimulate(&["init"], dir.path());
    let again = scimulate(&["init"], dir.path());
    let ci = Command::new(dir.path().join("scimulate/ci/run.sh"))
        .env("SCIMULATE", env!("CARGO_BIN_EXE_scimulate"))
        .env("SCIM_BASE_URL", &url)
        .env("SCIMULATE_TOKEN", "init-test-token")
        .env("SCIMULATE_TARGET_PROFILE", "builtin:reference-server")
        .env("SCIMULATE_ARGS", "--partition 1/2")
        .env_remove("CI")
        .output()
        .expect("the generated script runs");

    // Assert: the starting point, its CI script passing against a served reference server,
    // and a second init refusing to overwrite.
    assert_eq!(init.status.code(), Some(0), "{}", output_text(&init));
    let root = dir.path().join("scimulate");
    for file in [
        "README.md",
        "target-profile.example.yaml",
        "ci/github-actions.yml",
        "ci/gitlab-ci.yml",
        "scenarios/rfc/errors.yaml",
        "fixtures/rfc/malformed-user.json",
    ] {
        assert!(root.join(file).is_file(), "{file}");
    }
    assert_eq!(ci.status.code(), Some(0), "{}", output_text(&ci));
    let junit = std::fs::read_to_string(root.join("reports/scimulate.xml")).unwrap();
    assert!(junit.contains("<testsuite"), "{junit}");
    assert!(root.join("reports/scimulate.json").is_file());
    assert_eq!(again.status.code(), Some(2), "{}", output_text(&again));
    assert!(output_text(&again).contains("nothing was written"));
}

#[test]
fn a_vendor_suite_runs_by_name_in_its_own_area_and_only_when_asked() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();

    // Act
    let suite = scimulate(
        &[
            "run",
            "--suite",
            "okta-oin-spec",
            "--no-snapshots",
            "--json",
            "suite.json",
        ],
        dir.path(),
    );
    let quirked = scimulate(
        &[
            "run",
            "--suite",
            "okta-oin-spec",
            "--no-snapshots",
            "--quirk",
            "numeric-error-status",
        ],
        dir.path(),
    );
    let unknown = scimulate(&["run", "--suite", "okta-spec"], dir.path());
    let listed = scimulate(&["list", "--suites"], dir.path());
    let default = scimulate(&["list"], dir.path());

    // Assert: every Okta test passes against the reference server, under Okta's names.
    let shown = output_text(&suite);
    assert_eq!(suite.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("PASS suite            vendor submission suites: 14 passed"),
        "{shown}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("suite.json")).unwrap()).unwrap();
    let steps: Vec<&str> = report["scenarios"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["step_name"].as_str())
        .collect();
    assert!(
        steps.contains(&"Required Test: Check status 401"),
        "{steps:?}"
    );
    // A Required test that fails fails the run.
    let quirked_text = output_text(&quirked);
    assert_eq!(quirked.status.code(), Some(1), "{quirked_text}");
    assert!(
        quirked_text.contains("FAIL suite.okta-oin-spec.status-401"),
        "{quirked_text}"
    );
    // An unknown suite is a usage error naming the known ones.
    let unknown_text = output_text(&unknown);
    assert_eq!(unknown.status.code(), Some(2), "{unknown_text}");
    assert!(
        unknown_text.contains("one of: okta-oin-spec"),
        "{unknown_text}"
    );
    // `list --suites` names each with its source; a default selection leaves suites out.
    let listed_text = output_text(&listed);
    assert!(
        listed_text.starts_with("okta-oin-spec\tOkta SCIM 2.0 SPEC Test: "),
        "{listed_text}"
    );
    assert!(
        listed_text.contains("source: https://github.com/okta/okta-developer-docs/"),
        "{listed_text}"
    );
    assert!(
        listed_text.contains("\nentra-gallery\tEntra gallery validation (Logic App): "),
        "{listed_text}"
    );
    assert!(!output_text(&default).contains("okta-oin-spec"));
}
