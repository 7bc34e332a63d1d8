//! The catalogue's checks, listed: what `scimulate checks` prints and `docs/checks.md` holds.
//!
//! A team reading a failure wants to know, before any run, what each check claims and on what
//! it rests. The list is built from the scenario files (every check a step or assertion
//! declares: id, level, source, the sentence it quotes, the scenarios that use it) and from the
//! checks the IdP and lock-down modules judge in code, which carry an evidence grade and the
//! public source it rests on (`idp::evidence`), each with what shows it failing (written by
//! the test that shows every check failing). It is one list, rendered as a Markdown table
//! (the committed `docs/checks.md`, kept current by a test) or as JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::idp::evidence::{self, Evidence};
use crate::scenario::model::{CheckSpec, Level, Scenario, Step};

/// One check of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListedCheck {
    /// The stable id, e.g. `rfc7644.3.3.create-returns-201`.
    pub id: String,
    pub level: Level,
    /// Where the requirement comes from (an RFC section, the IdP's or the application's
    /// public documentation).
    pub source: Option<String>,
    /// The sentence of the source the check rests on, quoted.
    pub requirement: Option<String>,
    /// For IdP, lock-down and application checks: how the behaviour is known.
    pub evidence: Option<Evidence>,
    /// The scenarios that declare it (`rfc/create`); empty for a check an IdP module judges on
    /// every scenario of that IdP.
    pub scenarios: Vec<String>,
    /// What the harness's own tests show it failing against: a quirk of the reference server
    /// (`quirk no-location`) or a tampering proxy (`proxy DropIds`). A check nothing can make
    /// fail could not tell a broken server from a good one.
    pub shown_failing_by: Option<String>,
}

/// `check-id<TAB>what shows it failing`, one line per check: written by the test that shows
/// every check failing (`tests/runner/every_check_can_fail.rs`), which fails when it is stale.
pub const SHOWN_FAILING: &str = include_str!("shown_failing.tsv");

/// What shows a check failing, from [`SHOWN_FAILING`].
fn shown_failing_by(id: &str) -> Option<String> {
    SHOWN_FAILING
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .find(|(check, _)| *check == id)
        .map(|(_, by)| by.to_owned())
}

/// `rfc/create` for `scenarios/rfc/create.yaml` whose name is `create`.
fn label(file: &Path, scenario: &Scenario) -> String {
    match file
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|f| f.to_str())
    {
        Some(folder) => format!("{folder}/{}", scenario.name),
        None => scenario.name.clone(),
    }
}

/// Every check the scenarios declare, then every check the IdP and lock-down modules judge in
/// code that no scenario declares; by id.
pub fn of_catalogue(scenarios: &[(PathBuf, Scenario)]) -> Vec<ListedCheck> {
    let mut checks: BTreeMap<String, ListedCheck> = BTreeMap::new();
    for (file, scenario) in scenarios {
        let scenario_label = label(file, scenario);
        let mut add = |spec: &CheckSpec| {
            let entry = checks
                .entry(spec.id.clone())
                .or_insert_with(|| ListedCheck {
                    id: spec.id.clone(),
                    level: spec.level,
                    source: spec.source.clone().or_else(|| scenario.source.clone()),
                    requirement: spec.requirement.clone(),
                    evidence: evidence::grade(&spec.id).map(|g| g.evidence),
                    scenarios: Vec::new(),
                    shown_failing_by: shown_failing_by(&spec.id),
                });
            if !entry.scenarios.contains(&scenario_label) {
                entry.scenarios.push(scenario_label.clone());
            }
        };
        for step in &scenario.steps {
            if let Step::PublishedAttributes(_) = step {
                for spec in crate::runner::published::declared() {
                    add(&spec);
                }
            }
            if let Step::Request(request) = step {
                if let Some(spec) = &request.check {
                    add(spec);
                }
                for assertion in request.expect.iter().flat_map(|e| &e.json) {
                    if let Some(spec) = &assertion.check {
                        add(spec);
                    }
                }
                for own in &request.checks {
                    add(&own.spec());
                }
            }
        }
    }
    for (id, grade) in evidence::table() {
        checks.entry(id.clone()).or_insert_with(|| ListedCheck {
            level: Level::IdpRequired,
            source: Some(grade.basis.to_owned()),
            requirement: None,
            evidence: Some(grade.evidence),
            scenarios: Vec::new(),
            shown_failing_by: shown_failing_by(&id),
            id,
        });
    }
    checks.into_values().collect()
}

/// The list as a Markdown table, with a line of counts per level.
pub fn markdown(checks: &[ListedCheck]) -> String {
    let mut by_level: BTreeMap<Level, usize> = BTreeMap::new();
    for check in checks {
        *by_level.entry(check.level).or_default() += 1;
    }
    let counts: Vec<String> = by_level
        .iter()
        .map(|(level, n)| format!("{n} {}", level.as_str()))
        .collect();
    let mut text = format!(
        "{} checks: {}.\n\n| check | level | evidence | source | requirement | scenarios | shown failing by |\n|---|---|---|---|---|---|---|\n",
        checks.len(),
        counts.join(", ")
    );
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    for check in checks {
        let scenarios: Vec<String> = check.scenarios.iter().map(|s| format!("`{s}`")).collect();
        text.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            check.id,
            check.level.as_str(),
            check.evidence.map_or("", Evidence::as_str),
            cell(check.source.as_deref().unwrap_or("")),
            cell(check.requirement.as_deref().unwrap_or("")),
            if scenarios.is_empty() {
                "(judged in code, or declared by the target profile)".to_owned()
            } else {
                scenarios.join(", ")
            },
            check.shown_failing_by.as_deref().unwrap_or("")
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(yaml: &str) -> Scenario {
        serde_saphyr::from_str(yaml).unwrap()
    }

    #[test]
    fn declared_checks_carry_their_scenarios_and_coded_ones_their_evidence() {
        // Arrange
        let one = scenario(
            "name: create\ndescription: d\nsource: RFC 7644 §3.3\nsteps:\n  - request: {method: POST, path: /Users, check: {id: rfc7644.3.3.x, requirement: 'It MUST.'}}",
        );
        let two = scenario(
            "name: again\ndescription: d\nsteps:\n  - request: {method: POST, path: /Users, check: {id: rfc7644.3.3.x}}",
        );

        // Act
        let checks = of_catalogue(&[
            ("scenarios/rfc/create.yaml".into(), one),
            ("scenarios/rfc/again.yaml".into(), two),
        ]);
        let table = markdown(&checks);

        // Assert
        let declared = checks.iter().find(|c| c.id == "rfc7644.3.3.x").unwrap();
        assert_eq!(declared.scenarios, ["rfc/create", "rfc/again"]);
        assert_eq!(declared.source.as_deref(), Some("RFC 7644 §3.3"));
        assert!(declared.evidence.is_none());
        let coded = checks
            .iter()
            .find(|c| c.id == "okta.create.returns-201-with-id")
            .unwrap();
        assert_eq!(coded.level, Level::IdpRequired);
        assert_eq!(coded.evidence, Some(Evidence::Documented));
        assert!(table.contains(
            "| `rfc7644.3.3.x` | MUST |  | RFC 7644 §3.3 | It MUST. | `rfc/create`, `rfc/again` |  |"
        ));
    }
}
