//! A check's level is a claim about how much the server's failure matters, and the sentence it
//! quotes is the proof: these tests hold every check of the catalogue to that.
//!
//! - An RFC check at MUST quotes a sentence that says MUST, SHALL or REQUIRED (or their
//!   negations); at SHOULD, one that says SHOULD or RECOMMENDED. A check whose sentence says
//!   neither is INFO.
//! - MUST and SHOULD are the RFCs' words: an IdP, lock-down or application check is
//!   IDP-REQUIRED or INFO, and cites a document a user can open (the project's `docs/…`, or a
//!   public URL), never notes outside the repository.
//! - Every step that judges something declares its check, with an id that names what it
//!   checks: no `scenario.step-N` ids, which say nothing and change when a step is inserted.

use std::path::Path;

use scimulate::report::checks::{ListedCheck, of_catalogue};
use scimulate::scenario::model::{Level, StatusExpect, Step};
use scimulate::scenario::validate::validate;

fn catalogue() -> Vec<(std::path::PathBuf, scimulate::scenario::model::Scenario)> {
    let (loaded, problems) = validate(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")]);
    assert!(problems.is_empty(), "{problems:?}");
    loaded
}

/// The normative keyword a sentence carries, the strongest first.
fn keyword_level(sentence: &str) -> Option<Level> {
    let words: Vec<&str> = sentence
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |keyword: &str| words.contains(&keyword);
    if has("MUST") || has("SHALL") || has("REQUIRED") {
        Some(Level::Must)
    } else if has("SHOULD") || has("RECOMMENDED") {
        Some(Level::Should)
    } else {
        None
    }
}

fn is_rfc_check(check: &ListedCheck) -> bool {
    check.id.starts_with("rfc")
}

#[test]
fn an_rfc_check_quotes_a_sentence_with_the_keyword_of_its_level() {
    // Arrange
    let checks = of_catalogue(&catalogue());

    // Act
    let wrong: Vec<String> = checks
        .iter()
        .filter(|c| is_rfc_check(c))
        .filter_map(|c| {
            let sentence = c.requirement.as_deref().unwrap_or_default();
            let says = keyword_level(sentence);
            let fits = match c.level {
                Level::Must => says == Some(Level::Must),
                Level::Should => says == Some(Level::Should),
                Level::Info => true,
                Level::IdpRequired => false,
            };
            (!fits || sentence.is_empty()).then(|| {
                format!(
                    "{} ({}): {:?} says {:?}",
                    c.id,
                    c.level.as_str(),
                    sentence,
                    says.map(Level::as_str)
                )
            })
        })
        .collect();

    // Assert
    assert!(
        wrong.is_empty(),
        "{} RFC checks whose level is not what their sentence says:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn idp_and_application_checks_are_vendor_levels_with_sources_a_user_can_open() {
    // Arrange
    let checks = of_catalogue(&catalogue());
    let openable = |source: &str| {
        source.starts_with("docs/")
            || source.starts_with("https://")
            || source.starts_with("http://")
    };

    // Act
    let wrong: Vec<String> = checks
        .iter()
        .filter(|c| !is_rfc_check(c))
        .filter_map(|c| {
            let source = c.source.as_deref().unwrap_or_default();
            let level_fits = matches!(c.level, Level::IdpRequired | Level::Info);
            (!level_fits || !openable(source))
                .then(|| format!("{} ({}): source {source:?}", c.id, c.level.as_str()))
        })
        .collect();

    // Assert
    assert!(
        wrong.is_empty(),
        "{} IdP, lock-down or application checks at an RFC level or citing what a user cannot open:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_step_that_judges_something_declares_its_check() {
    // Arrange
    let scenarios = catalogue();

    // Act: a step judges when it expects more than an accepting status (a refusal, a header, a
    // body); a step that only creates what later steps use, and captures, arranges data.
    let mut anonymous = Vec::new();
    for (file, scenario) in &scenarios {
        for (index, step) in scenario.steps.iter().enumerate() {
            let Step::Request(request) = step else {
                continue;
            };
            let Some(expect) = &request.expect else {
                continue;
            };
            let accepting = match &expect.status {
                None => true,
                Some(StatusExpect::One(status)) => (200..300).contains(status),
                Some(StatusExpect::AnyOf(statuses)) => {
                    statuses.iter().all(|s| (200..300).contains(s))
                }
            };
            let judges = !accepting
                || !expect.headers.is_empty()
                || expect.body.is_some()
                || expect.json.iter().any(|a| a.check.is_none());
            if judges && request.check.is_none() {
                anonymous.push(format!(
                    "{} step {} ({})",
                    file.display(),
                    index + 1,
                    request.name.as_deref().unwrap_or(&request.path)
                ));
            }
        }
    }

    // Assert
    assert!(
        anonymous.is_empty(),
        "{} steps judge without a check of their own (they would report as `<scenario>.step-N`):\n{}",
        anonymous.len(),
        anonymous.join("\n")
    );
}
