//! The committed `scenario.schema.json` is what the types generate, and the committed
//! scenarios are valid.
//!
//! Why a test: editors and reviewers read the committed schema, so a change to the scenario
//! types that is not reflected there would mislead them silently. Regenerate with
//! `SCIMULATE_UPDATE_SCHEMA=1 cargo test --test scenario_schema`.

use std::path::{Path, PathBuf};

use scimulate::scenario::{json_schema_text, validate};

const UPDATE_VAR: &str = "SCIMULATE_UPDATE_SCHEMA";

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_schema_matches_the_types() {
    let path = repo_root().join("scenario.schema.json");
    let generated = json_schema_text();

    if std::env::var_os(UPDATE_VAR).is_some_and(|value| !value.is_empty() && value != "0") {
        std::fs::write(&path, &generated).expect("write scenario.schema.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();

    assert!(
        committed == generated,
        "{} is out of date with src/scenario/model.rs; regenerate it with\n\n    {UPDATE_VAR}=1 cargo test --test scenario_schema\n",
        path.display()
    );
}

#[test]
fn the_schema_describes_every_step_kind() {
    let schema: serde_json::Value = serde_json::from_str(&json_schema_text()).unwrap();

    let text = schema.to_string();

    for key in [
        "\"request\"",
        "\"snapshot\"",
        "\"body_file\"",
        "\"capture\"",
    ] {
        assert!(text.contains(key), "the schema lacks {key}");
    }
    assert_eq!(schema["title"], "Scenario");
}

#[test]
fn committed_scenarios_validate() {
    let dir = repo_root().join("scenarios");
    // A missing folder is a broken checkout, not an empty catalogue that trivially validates.
    assert!(dir.is_dir(), "{} is missing", dir.display());

    let (_, problems) = validate(&[PathBuf::from(&dir)]);

    let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(
        problems.is_empty(),
        "scenario problems:\n{}",
        listed.join("\n")
    );
}

#[test]
fn committed_target_profile_schema_matches_the_types() {
    let path = repo_root().join("target-profile.schema.json");
    let generated = scimulate::target::profile_schema_text();

    if std::env::var_os(UPDATE_VAR).is_some_and(|value| !value.is_empty() && value != "0") {
        std::fs::write(&path, &generated).expect("write target-profile.schema.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();

    assert!(
        committed == generated,
        "{} is out of date with src/target/profile.rs; regenerate it with\n\n    {UPDATE_VAR}=1 cargo test --test scenario_schema\n",
        path.display()
    );
}

#[test]
fn committed_target_profiles_load() {
    for entry in std::fs::read_dir(repo_root().join("fixtures/profiles")).unwrap() {
        let path = entry.unwrap().path();
        if let Err(problems) = scimulate::target::load_profile(&path) {
            panic!("{}: {problems:?}", path.display());
        }
    }
}
