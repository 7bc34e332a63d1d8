//! The JSON Schema of the scenario format, generated from the types in [`model`](super::model).
//!
//! Why generated: the types are the format, so a hand-written schema would drift from them.
//! The schema is committed as `scenario.schema.json` at the repository root, for editors (a
//! `# yaml-language-server: $schema=../../scenario.schema.json` line gives completion and
//! inline errors) and for reviewers; `tests/scenario_schema.rs` fails when the committed file
//! is stale and says how to regenerate it.

use super::model::Scenario;

/// The JSON Schema (draft 2020-12) of a scenario file.
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(Scenario).to_value()
}

/// [`json_schema`] as the committed file's text: pretty-printed, with a trailing newline.
pub fn json_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema())
        .expect("a serde_json::Value always serialises");
    text.push('\n');
    text
}
