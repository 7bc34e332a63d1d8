//! The end of the human report: what to fix, in the order to fix it.
//!
//! A log of a failing run is read from the bottom. So the last lines say, per area, whether it
//! held; then the root causes, each with the checks it failed or blocked, the one affecting most
//! checks first; then every distinct failing check id, one line each (what a reviewer greps
//! for); then the scenarios that fail as one IdP profile and pass as its sibling, with the
//! request that differs, which is often the whole diagnosis.

use super::{DIM, FAIL, PASS, PLAIN, RED, Text, WARN, YELLOW, plural};
use crate::exchange::{Exchange, shortened};
use crate::runner::area::Area;
use crate::runner::cause::{Cause, request_shape};
use crate::runner::outcome::{RunReport, ScenarioRun};
use crate::scenario::model::IdpName;

/// Causes shown with an example; the rest get their counts only.
const MAX_EXAMPLES: usize = 12;
/// Check ids named per cause before `+N more`.
const MAX_IDS_PER_CAUSE: usize = 6;
/// Characters of a request body quoted when two profiles disagree.
const MAX_BODY_CHARS: usize = 160;

/// `areas`: one line per area with its verdict and counts; an area the gate leaves out says so.
pub(super) fn areas_into(text: &mut Text, report: &RunReport) {
    let areas = report.areas();
    if areas.is_empty() {
        return;
    }
    text.line(2, &[(PLAIN, "areas")]);
    for (area, verdict) in &areas {
        // An area that held only for what could be evaluated is not a pass: `PART`.
        let (word, style) = if verdict.held() && verdict.blocked == 0 {
            ("PASS", PASS)
        } else if verdict.held() {
            ("PART", WARN)
        } else if report.gate.decides(*area) {
            ("FAIL", FAIL)
        } else {
            ("FAIL", WARN)
        };
        let mut counts = vec![format!("{} passed", verdict.passed)];
        for (count, what) in [
            (verdict.failed, "failed"),
            (verdict.warnings, "warned"),
            (verdict.blocked, "blocked"),
            (verdict.skipped, "skipped"),
            (verdict.waived, "waived"),
        ] {
            if count > 0 {
                counts.push(format!("{count} {what}"));
            }
        }
        if verdict.broken_runs > 0 {
            counts.push(format!(
                "{} drifted or erred",
                plural(verdict.broken_runs, "scenario", "scenarios")
            ));
        }
        let gated = if report.gate.decides(*area) {
            ""
        } else {
            " (not gated: does not decide the exit code)"
        };
        let rest = format!(
            " {:<16} {}: {}{gated}",
            area.name(),
            area.title(),
            counts.join(", ")
        );
        text.line(4, &[(style, word), (PLAIN, &rest)]);
    }
}

/// `causes`: each root cause with what it failed and blocked; the first ones also with an
/// example, the first check it failed, in a few lines.
pub(super) fn causes_into(text: &mut Text, report: &RunReport, causes: &[Cause]) {
    if causes.is_empty() {
        return;
    }
    text.line(
        0,
        &[(
            PLAIN,
            &format!(
                "causes ({}, the one affecting most checks first)",
                causes.len()
            ),
        )],
    );
    for (number, cause) in causes.iter().enumerate() {
        cause_into(text, report, number + 1, cause, number < MAX_EXAMPLES);
    }
}

fn cause_into(text: &mut Text, report: &RunReport, number: usize, cause: &Cause, example: bool) {
    let mut counts = Vec::new();
    if !cause.failed.is_empty() {
        counts.push(format!("{} failed", cause.failed.len()));
    }
    if !cause.blocked.is_empty() {
        counts.push(format!("{} blocked", cause.blocked.len()));
    }
    let scenarios = cause.scenarios();
    let ids = cause.failed_ids();
    if !example {
        // One line: what, how much, and which checks.
        let mut line = format!(
            "#{number} {} ({} in {}",
            cause.summary,
            counts.join(", "),
            plural(scenarios.len(), "run", "runs"),
        );
        // A cause named after its check need not name it twice.
        if ids.len() > 1 || ids.first().is_some_and(|id| !cause.summary.starts_with(id)) {
            line.push_str(&format!("; {}", first_items(&ids, 3)));
        }
        line.push(')');
        text.line(2, &[(RED, &line)]);
        return;
    }
    let title = format!("#{number} {}", cause.summary);
    text.line(2, &[(RED, &title)]);
    let line = format!(
        "{} in {}: {}",
        counts.join(", "),
        plural(scenarios.len(), "scenario run", "scenario runs"),
        first_items(&scenarios, MAX_IDS_PER_CAUSE)
    );
    text.line(5, &[(PLAIN, &line)]);
    if ids.len() > 1 {
        let line = format!("checks: {}", first_items(&ids, MAX_IDS_PER_CAUSE));
        text.line(5, &[(DIM, &line)]);
    }
    let Some(first) = cause.failed.first() else {
        return;
    };
    let found = report.scenarios.iter().find_map(|run| {
        if run.full_name() != first.scenario {
            return None;
        }
        let verdict = run
            .verdicts
            .iter()
            .find(|v| v.check.id == first.check && v.step == first.step)?;
        Some((run, verdict))
    });
    if let Some((run, verdict)) = found {
        let line = format!("for example, in {}:", run.full_name());
        text.line(5, &[(DIM, &line)]);
        super::verdict_into(text, run, verdict, report.strict, 5, 0, &mut Vec::new());
    }
}

/// The first `max` items, joined, and how many more there are.
fn first_items(items: &[&str], max: usize) -> String {
    let mut shown = items
        .iter()
        .take(max)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > max {
        shown.push_str(&format!(" (+{} more)", items.len() - max));
    }
    shown
}

/// `failing checks`: every distinct failing check id once, with its level and how many runs.
pub(super) fn failing_checks_into(text: &mut Text, report: &RunReport) {
    // id → (blocking anywhere, level, scenario runs)
    let mut failing: Vec<(&str, bool, &str, usize)> = Vec::new();
    for run in &report.scenarios {
        for verdict in run.verdicts.iter().filter(|v| v.outcome.is_failure()) {
            let blocking = verdict.is_blocking_failure(report.strict);
            match failing.iter_mut().find(|f| f.0 == verdict.check.id) {
                Some(entry) => {
                    entry.1 |= blocking;
                    entry.3 += 1;
                }
                None => {
                    failing.push((&verdict.check.id, blocking, verdict.check.level.as_str(), 1))
                }
            }
        }
    }
    if failing.is_empty() {
        return;
    }
    failing.sort_by_key(|f| (!f.1, f.0));
    text.line(
        0,
        &[(PLAIN, &format!("failing checks ({})", failing.len()))],
    );
    for (id, blocking, level, runs) in failing {
        let (word, style) = if blocking {
            ("FAIL", FAIL)
        } else {
            ("WARN", WARN)
        };
        let rest = format!(" {id} ({level}), {}", plural(runs, "run", "runs"));
        text.line(2, &[(style, word), (PLAIN, &rest)]);
    }
}

/// The profile pairs that send the same story in two dialects.
const SIBLINGS: [(IdpName, IdpName); 2] = [
    (IdpName::Entra, IdpName::EntraCompliant),
    (IdpName::Okta, IdpName::OktaAiw),
];

/// Scenarios that fail as one profile and pass as its sibling for the same reason.
struct Disagreement {
    /// The failing profile, its sibling, and the request shape and status where it failed.
    key: (IdpName, IdpName, String),
    scenarios: Vec<String>,
    /// What each profile sent there, for the first scenario.
    example: Vec<String>,
}

/// `profiles that disagree`: scenarios that fail as one profile and pass as its sibling,
/// grouped by the request the failing profile sent where it first failed (one dialect
/// difference usually explains many scenarios), each group with one example: what the failing
/// profile sent and got, and what its sibling sent and got at that step.
pub(super) fn siblings_into(text: &mut Text, report: &RunReport) {
    let strict = report.strict;
    let mut groups: Vec<Disagreement> = Vec::new();
    for (one, other) in SIBLINGS {
        for failing in report.scenarios.iter().filter(|r| !r.passed(strict)) {
            let sibling_idp = if failing.idp == one {
                other
            } else if failing.idp == other {
                one
            } else {
                continue;
            };
            let Some(sibling) = report
                .scenarios
                .iter()
                .find(|r| r.idp == sibling_idp && r.scenario == failing.scenario)
            else {
                continue;
            };
            if !sibling.passed(strict) {
                continue;
            }
            let (shape, example) = difference(failing, sibling, strict);
            let key = (failing.idp, sibling_idp, shape);
            match groups.iter_mut().find(|group| group.key == key) {
                Some(group) => group.scenarios.push(failing.scenario.clone()),
                None => groups.push(Disagreement {
                    key,
                    scenarios: vec![failing.scenario.clone()],
                    example,
                }),
            }
        }
    }
    if groups.is_empty() {
        return;
    }
    text.line(0, &[(PLAIN, "profiles that disagree")]);
    for Disagreement {
        key: (failing, sibling, _),
        scenarios,
        example,
    } in groups
    {
        let names: Vec<&str> = scenarios.iter().map(String::as_str).collect();
        let title = format!(
            "{} fails where {} passes, in {}: {}",
            failing.as_str(),
            sibling.as_str(),
            plural(scenarios.len(), "scenario", "scenarios"),
            first_items(&names, MAX_IDS_PER_CAUSE)
        );
        text.line(2, &[(YELLOW, &title)]);
        for line in example {
            text.line(4, &[(PLAIN, &line)]);
        }
    }
}

/// Where the failing run first failed (its request shape and status, the group's key), and
/// what it and its sibling sent there.
fn difference(failing: &ScenarioRun, sibling: &ScenarioRun, strict: bool) -> (String, Vec<String>) {
    let Some(first) = failing
        .verdicts
        .iter()
        .find(|v| v.is_blocking_failure(strict) && v.exchange.is_some())
    else {
        return (String::new(), Vec::new());
    };
    let Some(sent) = first.exchange.and_then(|i| failing.exchanges.get(i)) else {
        return (String::new(), Vec::new());
    };
    let answer = |e: &Exchange| {
        e.response
            .as_ref()
            .map_or("no answer".to_owned(), |r| r.status.to_string())
    };
    let shape = request_shape(&sent.request.method, &sent.request.path);
    let mut lines = vec![format!(
        "e.g. {} at step {} ({}): {} sent {} and got {}",
        failing.scenario,
        first.step + 1,
        first.check.id,
        failing.idp.as_str(),
        request_line(sent),
        answer(sent)
    )];
    let theirs = sibling.exchanges.iter().find(|e| {
        e.step == sent.step && request_shape(&e.request.method, &e.request.path) == shape
    });
    lines.push(match theirs {
        Some(theirs) => format!(
            "{} sent {} and got {}",
            sibling.idp.as_str(),
            request_line(theirs),
            answer(theirs)
        ),
        None => format!("{} sent no {shape} at that step", sibling.idp.as_str()),
    });
    (format!("{shape} -> {}", answer(sent)), lines)
}

fn request_line(exchange: &Exchange) -> String {
    let request = &exchange.request;
    let body = String::from_utf8_lossy(&request.body);
    let body = body.trim();
    let body = shortened(body, MAX_BODY_CHARS);
    if body.is_empty() {
        format!("{} {}", request.method, request.path)
    } else {
        format!("{} {} {body}", request.method, request.path)
    }
}

/// The area names of the failing, gated areas: `rfc, okta`.
pub(super) fn failing_areas(report: &RunReport) -> Vec<Area> {
    report
        .areas()
        .into_iter()
        .filter(|(area, verdict)| !verdict.held() && report.gate.decides(*area))
        .map(|(area, _)| area)
        .collect()
}
