//! Root causes: the failures and blocked checks of a run, grouped by what went wrong.
//!
//! One defect of a server shows up in many checks: a refused schema URN fails every create that
//! names it, and blocks every step that needed the created user. Counting checks then tells the
//! reader nothing; naming the cause, with the checks it took down, tells them what to fix first.
//!
//! A cause is keyed by what the target did, not by which check noticed:
//! - a refusal or a missing answer: the request's shape (method, path with ids elided, query
//!   parameter names), the status, and the target's error `detail` (volatile tokens elided), so
//!   the same refusal across scenarios and IdPs is one cause;
//! - a check that failed on an answer that was not a refusal: what it found (its first reason,
//!   volatile tokens elided), so the same symptom judged by several checks is one cause;
//! - a failed read of what a write left or tried to leave (a filter still finds the duplicate
//!   the target let in; an attribute whose PATCH was refused is not there): the cause of that
//!   write, when the write's own check failed;
//! - a blocked check: the cause of the failure that blocked it; an advertised feature judged
//!   broken (`rfc7643.5.advertised-bulk-works`): the cause of the first check of it that failed.

use std::collections::BTreeMap;

use super::observation;
use super::outcome::{Outcome, RunReport, ScenarioRun, Verdict};
use crate::exchange::{Exchange, shortened};

/// Characters of a target's `detail` kept in a cause's summary.
const DETAIL_CHARS: usize = 140;

/// A check a cause affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Affected {
    /// `idp/scenario`.
    pub scenario: String,
    pub check: String,
    /// The 0-based step of the check.
    pub step: usize,
}

/// One root cause and what it affected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// One line: `POST /Users -> 400 'Extra inputs are not permitted: emails[0].type'`, or
    /// `rfc7644.3.3.location-on-201: expected header location`.
    pub summary: String,
    /// Checks that failed (or could not be evaluated) because of it.
    pub failed: Vec<Affected>,
    /// Checks it kept from being evaluated.
    pub blocked: Vec<Affected>,
}

impl Cause {
    /// The distinct check ids it failed, in first-seen order.
    pub fn failed_ids(&self) -> Vec<&str> {
        distinct(self.failed.iter().map(|a| a.check.as_str()))
    }

    /// The distinct scenario runs it touched.
    pub fn scenarios(&self) -> Vec<&str> {
        distinct(
            self.failed
                .iter()
                .chain(&self.blocked)
                .map(|a| a.scenario.as_str()),
        )
    }
}

fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// The causes of a run's failures and blocked checks, the one affecting most checks first.
/// Waived, skipped and passed checks have none.
pub fn causes(report: &RunReport) -> Vec<Cause> {
    let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
    let mut causes: Vec<Cause> = Vec::new();
    for run in &report.scenarios {
        for verdict in &run.verdicts {
            let blocked = verdict.outcome.is_blocked();
            if !verdict.outcome.is_failure() && !blocked {
                continue;
            }
            let (key, summary) = key_of(run, verdict);
            let at = *by_key.entry(key).or_insert_with(|| {
                causes.push(Cause {
                    summary,
                    failed: Vec::new(),
                    blocked: Vec::new(),
                });
                causes.len() - 1
            });
            let affected = Affected {
                scenario: run.full_name(),
                check: verdict.check.id.clone(),
                step: verdict.step,
            };
            if blocked {
                causes[at].blocked.push(affected);
            } else {
                causes[at].failed.push(affected);
            }
        }
    }
    // Stable: equal counts keep the order the run met them in.
    causes.sort_by_key(|c| std::cmp::Reverse(c.failed.len() + c.blocked.len()));
    causes
}

/// A verdict's cause: its key and its one-line summary.
fn key_of(run: &ScenarioRun, verdict: &Verdict) -> (String, String) {
    // An advertisement judged by the checks of its feature fails because they did: it shares
    // the cause of the first of them.
    if super::capabilities::is_advertisement(&verdict.check.id)
        && let Some(first) = run.verdicts.iter().find(|v| {
            v.outcome.is_failure()
                && !super::capabilities::is_advertisement(&v.check.id)
                && !v.check.is_test_data()
                && v.check.level == verdict.check.level
        })
    {
        return key_of(run, first);
    }
    if let Outcome::Blocked { by } = &verdict.outcome {
        let blocker = run
            .verdicts
            .iter()
            .find(|v| v.step == by.step && (v.outcome.is_failure() || v.outcome.is_blocked()));
        return match blocker {
            Some(blocker) if !blocker.outcome.is_blocked() => key_of(run, blocker),
            _ => {
                let summary = format!("step '{}' {}", by.label, by.why);
                (format!("blocked\u{0}{summary}"), summary)
            }
        };
    }
    // A later part of a vendor suite's test fails because an earlier part did (the read-back
    // after a refused PATCH): the test's parts run in order and each rests on the one before.
    if verdict.outcome.is_failure()
        && let Some(earlier) = earlier_failed_part(run, verdict)
    {
        return key_of(run, earlier);
    }
    // A judgement of state with no request of its own (the Entra job's escrow and quarantine)
    // can only be explained by the requests before it: it shares the cause of the first of
    // them the target refused.
    if matches!(verdict.outcome, Outcome::Failed { .. })
        && verdict.exchange.is_none()
        && let Some(refused) = first_refused(run, verdict)
    {
        return key_of(run, refused);
    }
    // A read that finds what an accepted write should not have left (the duplicate it let in,
    // the user it did not deactivate) fails because of that write, when the write's own check
    // failed too: one cause, not one more per read of it.
    if verdict.outcome.is_failure()
        && let Some(write) = observed_failed_write(run, verdict)
    {
        return key_of(run, write);
    }
    let exchange = verdict.exchange.and_then(|i| run.exchanges.get(i));
    if let Some((key, summary)) = exchange
        .filter(|e| refusal_is_the_failure(verdict, e))
        .and_then(refusal)
    {
        return (format!("refusal\u{0}{key}"), summary);
    }
    let first = match &verdict.outcome {
        Outcome::Failed { reasons } => reasons.first().cloned().unwrap_or_default(),
        Outcome::Error { message } => format!("could not evaluate: {message}"),
        _ => String::new(),
    };
    // The same symptom under several checks (an error served as `application/json`, judged by
    // three checks of error bodies) is one cause: keyed by what was found, not by who looked.
    let symptom = symptom_of(&first);
    let summary = format!("{}: {}", verdict.check.id, one_line(&first));
    (format!("symptom\u{0}{symptom}"), summary)
}

/// The first failed verdict before `verdict` whose request the target refused (or left
/// unanswered), if any.
fn first_refused<'a>(run: &'a ScenarioRun, verdict: &Verdict) -> Option<&'a Verdict> {
    run.verdicts.iter().find(|v| {
        v.step <= verdict.step
            && v.outcome.is_failure()
            && v.exchange
                .and_then(|i| run.exchanges.get(i))
                .is_some_and(|e| refusal_is_the_failure(v, e) && refusal(e).is_some())
    })
}

/// The first failed verdict of an earlier step of the same vendor suite test
/// (`suite.<suite>.<test>` and its dotted parts), if any.
fn earlier_failed_part<'a>(run: &'a ScenarioRun, verdict: &Verdict) -> Option<&'a Verdict> {
    let test = suite_test(&verdict.check.id)?;
    run.verdicts.iter().find(|v| {
        v.step < verdict.step && v.outcome.is_failure() && suite_test(&v.check.id) == Some(test)
    })
}

/// `suite.<suite>.<test>` of a suite check's id (`suite.entra-validator.x.patch` →
/// `suite.entra-validator.x`).
fn suite_test(id: &str) -> Option<&str> {
    let rest = id.strip_prefix("suite.")?;
    let mut parts = rest.splitn(3, '.');
    let suite = parts.next()?;
    let test = parts.next()?;
    Some(&id[.."suite.".len() + suite.len() + 1 + test.len()])
}

/// The failed verdict of the latest write a failed read names whose own check failed, if any:
/// a duplicate let in early is still what a later read finds, whatever passed in between (a
/// DELETE of the original), and an attribute whose write was refused is not there to read.
fn observed_failed_write<'a>(run: &'a ScenarioRun, read: &Verdict) -> Option<&'a Verdict> {
    let index = read.exchange?;
    if !observation::is_observation(run.exchanges.get(index)?) {
        return None;
    }
    observation::attempted_writes(&run.exchanges, index).find_map(|write| {
        run.verdicts
            .iter()
            .find(|v| v.exchange == Some(write) && v.outcome.is_failure())
    })
}

/// Whether the check failed because of the refusal itself, not because of something in an
/// expected refusal (a 404 that was asked for, with the wrong content type): the check could
/// not be evaluated, or one of its reasons is about the status.
fn refusal_is_the_failure(verdict: &Verdict, exchange: &Exchange) -> bool {
    let Some(response) = &exchange.response else {
        return true;
    };
    match &verdict.outcome {
        Outcome::Failed { reasons } => {
            // `status: expected 201, got 400`, an IdP's `expected 201 …, got 400`, or Entra's
            // `the filter query answered 406`; a body assertion (`/status`: expected "404", got
            // 404) is about the body, not the status.
            let got = format!("got {}", response.status);
            let answered = format!("answered {}", response.status);
            reasons.iter().any(|r| {
                r.starts_with("status:")
                    || (!about_the_body(r) && (r.contains(&got) || r.contains(&answered)))
            })
        }
        _ => true,
    }
}

/// Whether a reason is about the body (`` `/status`: … `` from a JSON assertion, ``body `/x`: …``
/// from a body expectation), not about the status line.
fn about_the_body(reason: &str) -> bool {
    reason.starts_with('`') || reason.starts_with("body `")
}

/// A refused or unanswered exchange: its key and its line, with what varies between runs
/// elided. A refusal that explains itself (a `detail`) is keyed by the resource type, status and
/// detail: a POST and a PUT of a user refused for the same sub-attribute are one cause. One
/// without a detail is keyed by its request shape, since a bare 400 says nothing else.
fn refusal(exchange: &Exchange) -> Option<(String, String)> {
    let shape = request_shape(&exchange.request.method, &exchange.request.path);
    let Some(response) = &exchange.response else {
        let error = exchange.error.as_deref().unwrap_or("no response");
        let line = format!("{shape} -> no answer: {}", elide_volatile(error));
        return Some((line.clone(), line));
    };
    if response.status < 400 {
        return None;
    }
    let detail = response.error_detail();
    let detail = elide_volatile(&one_line(&detail));
    if detail.is_empty() {
        let line = format!("{shape} -> {} with an empty body", response.status);
        return Some((line.clone(), line));
    }
    let resource_type = exchange
        .request
        .path
        .split(['/', '?'])
        .find(|segment| !segment.is_empty())
        .unwrap_or_default();
    let key = format!("/{resource_type} {} '{detail}'", response.status);
    Some((key, format!("{shape} -> {} '{detail}'", response.status)))
}

/// `POST /Users`, `GET /Users/{id}`, `GET /Users?filter&startIndex`: what two requests that
/// meet the same defect have in common.
pub fn request_shape(method: &str, path: &str) -> String {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let mut shape = String::new();
    for (index, segment) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
        shape.push('/');
        if index == 0 || segment.starts_with('.') {
            shape.push_str(segment);
        } else {
            shape.push_str("{id}");
        }
    }
    if shape.is_empty() {
        shape.push('/');
    }
    let names: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split('=').next().unwrap_or(pair))
        .collect();
    if !names.is_empty() {
        shape.push('?');
        shape.push_str(&names.join("&"));
    }
    format!("{method} {shape}")
}

/// What a failure found, with what varies between checks of one defect taken out: the capture
/// variable's name, explanations in parentheses, volatile tokens; the numbers a reason
/// compared (`/itemsPerPage`: expected 1, got 5 and expected 0, got 2 are one symptom: it
/// echoes the wrong count; "1 object(s) wait in escrow" and "2 …" are one) and a status sent
/// as a number where a string was expected; and the 2xx of an accepted request where a refusal
/// was expected. A status mismatch keeps its numbers: a 409 answered 201 and a 404 answered 200
/// are different defects.
fn symptom_of(reason: &str) -> String {
    let reason = without_capture_name(&without_object_context(reason));
    let flat = one_line(&without_parentheses(
        reason.strip_prefix("body ").unwrap_or(&reason),
    ));
    let flat = bulk_status_as_status(&flat).unwrap_or(flat);
    let flat = generic_400_left_out(&flat).unwrap_or(flat);
    // A status mismatch keeps its numbers; every other reason compares counts or values.
    let flat = if flat.starts_with("status:") {
        flat
    } else {
        numbers_as_n(&flat).replace("expected \"N\", got N", "expected a string, got a number")
    };
    accepted_as_one(&elide_volatile(&flat))
}

/// A Bulk operation's status read as the status it is (RFC 7644 §3.7.3: each operation's
/// `status` is the HTTP status it would have had alone): ``/Operations/0/status`: expected
/// "409", got "201"`` is `status: expected 409, got 201`, the same defect as a lone POST
/// answered 201 where 409 was due.
fn bulk_status_as_status(reason: &str) -> Option<String> {
    let rest = reason.strip_prefix("`/Operations/")?;
    let (index, rest) = rest.split_once('/')?;
    if !index.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let rest = rest.strip_prefix("status`: ")?;
    Some(format!("status: {}", rest.replace('"', "")))
}

/// `status: expected one of 400, 409, got 200` keyed as `status: expected 409, got 200`: 400 is
/// the catch-all a check allows beside the specific refusal it is about, so the same accepted
/// duplicate judged by a check that allows 400 and one that does not is one symptom.
fn generic_400_left_out(reason: &str) -> Option<String> {
    let rest = reason.strip_prefix("status: expected one of ")?;
    let (listed, got) = rest.rsplit_once(", got ")?;
    let specific: Vec<&str> = listed
        .split(", ")
        .filter(|status| *status != "400")
        .collect();
    (specific.len() == 1).then(|| format!("status: expected {}, got {got}", specific[0]))
}

/// Text without its parenthesised asides (an IdP check's citation, the number it quotes).
fn without_parentheses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
}

/// Every run of digits as `N`: what varies between two lines that say the same thing.
pub(crate) fn numbers_as_n(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_number = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

/// `got 200` and `got 201` where a refusal was expected are one symptom: the target accepted.
fn accepted_as_one(symptom: &str) -> String {
    let mut out = symptom.to_owned();
    for status in 200..=206 {
        out = out.replace(&format!("got {status}"), "got 2xx");
    }
    out
}

/// An IdP check's context (`cycle 12: user bob: retried …`) taken off: the same failure of
/// another object, or in another cycle, is the same symptom.
fn without_object_context(reason: &str) -> String {
    let mut rest = reason;
    if let Some(after) = rest.strip_prefix("cycle ")
        && let Some((number, after)) = after.split_once(": ")
        && number.chars().all(|c| c.is_ascii_digit())
    {
        rest = after;
    }
    for kind in ["user ", "group "] {
        if let Some(after) = rest.strip_prefix(kind)
            && let Some((name, after)) = after.split_once(": ")
            && !name.contains(' ')
        {
            rest = after;
        }
    }
    rest.to_owned()
}

/// `capture `location`: no `Location` header` reads the same whatever the variable is called.
fn without_capture_name(reason: &str) -> String {
    match reason
        .strip_prefix("capture `")
        .and_then(|rest| rest.split_once("`: "))
    {
        Some((_, rest)) => format!("capture: {rest}"),
        None => reason.to_owned(),
    }
}

fn one_line(text: &str) -> String {
    let flat: String = text
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    shortened(&flat, DETAIL_CHARS)
}

/// Words long enough to be an id, a generated name or a time, a quarter or more of them digits,
/// are replaced by `…`: `user smab12cd34ef already exists` and `user sm9f8e7d6c5b already exists`
/// are one cause.
fn elide_volatile(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let digits = word.chars().filter(char::is_ascii_digit).count();
        // An attribute name with a digit in it (`x509Certificates`) is not volatile.
        if word.len() >= 8 && digits * 4 >= word.len() {
            out.push('…');
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use crate::runner::outcome::{Blocker, CheckId};
    use crate::scenario::model::{IdpName, Level};

    fn verdict(id: &str, outcome: Outcome, step: usize, exchange: Option<usize>) -> Verdict {
        Verdict {
            check: CheckId::new(id, Level::Must, None),
            outcome,
            step,
            step_name: "step".to_owned(),
            exchange,
        }
    }

    fn failed(reason: &str) -> Outcome {
        Outcome::Failed {
            reasons: vec![reason.to_owned()],
        }
    }

    /// A generic run whose steps sent these requests, in order, each answered `{}`.
    fn answered(name: &str, requests: &[(&str, &str, u16)]) -> ScenarioRun {
        let mut run = fixtures::run(IdpName::Generic, name);
        for (step, (method, path, status)) in requests.iter().enumerate() {
            run.exchanges.push(fixtures::exchange(
                Some(step),
                method,
                path,
                "{}",
                Some((*status, "{}")),
            ));
        }
        run
    }

    fn refused_create(run: &mut ScenarioRun, username: &str) -> usize {
        let body = format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"Extra inputs are not permitted: emails[0].type (user {username})"}}"#
        );
        run.exchanges.push(fixtures::exchange(
            Some(0),
            "POST",
            "/Users",
            "{}",
            Some((400, &body)),
        ));
        run.exchanges.len() - 1
    }

    #[test]
    fn one_refusal_across_scenarios_is_one_cause_with_what_it_failed_and_blocked() {
        // Arrange: two scenarios whose creates the target refuses with the same detail (each
        // naming its own generated user), and a later step of each that needed the user.
        let mut report = fixtures::green_report();
        for (name, user) in [("create", "sm0a1b2c3d4e"), ("paging", "sm9f8e7d6c5b")] {
            let mut run = fixtures::run(IdpName::Generic, name);
            let exchange = refused_create(&mut run, user);
            let by = Blocker {
                step: 0,
                label: "create ada".to_owned(),
                why: "was refused".to_owned(),
            };
            run.verdicts = vec![
                verdict(
                    "rfc7644.3.3.create-201",
                    failed("status: expected 201, got 400"),
                    0,
                    Some(exchange),
                ),
                verdict("rfc7644.3.4.1.get", Outcome::Blocked { by }, 1, None),
            ];
            report.scenarios.push(run);
        }

        // Act
        let causes = causes(&report);

        // Assert
        assert_eq!(causes.len(), 1, "{causes:#?}");
        assert_eq!(
            causes[0].summary,
            "POST /Users -> 400 'Extra inputs are not permitted: emails[0].type (user …)'"
        );
        assert_eq!(causes[0].failed_ids(), ["rfc7644.3.3.create-201"]);
        assert_eq!(causes[0].blocked.len(), 2);
        assert_eq!(causes[0].scenarios(), ["generic/create", "generic/paging"]);
    }

    #[test]
    fn a_vendor_tests_read_back_after_its_refused_patch_shares_the_patchs_cause() {
        // Arrange: the PATCH part refused, then the test's read-back finding the old value.
        let mut report = fixtures::green_report();
        let mut run = answered(
            "validator",
            &[
                ("PATCH", "/Groups/g1", 400),
                ("GET", "/Groups?filter=x", 200),
            ],
        );
        run.verdicts = vec![
            verdict(
                "suite.v.patch-group.patch",
                failed("status: expected 200, got 400"),
                0,
                Some(0),
            ),
            verdict(
                "suite.v.patch-group",
                failed("`/externalId`: expected \"b\", got \"a\""),
                1,
                Some(1),
            ),
            verdict(
                "suite.v.other-test",
                failed("`/externalId`: expected \"b\", got \"a\""),
                1,
                Some(1),
            ),
        ];
        report.scenarios.push(run);

        // Act
        let causes = causes(&report);

        // Assert: the read-back goes with the refusal; another test's same symptom does not.
        let with_patch = causes
            .iter()
            .find(|c| c.failed_ids().contains(&"suite.v.patch-group.patch"))
            .unwrap();
        assert_eq!(
            with_patch.failed_ids(),
            ["suite.v.patch-group.patch", "suite.v.patch-group"]
        );
        assert_eq!(causes.len(), 2, "{causes:#?}");
        assert_eq!(
            suite_test("suite.v.patch-group.patch"),
            Some("suite.v.patch-group")
        );
        assert_eq!(suite_test("rfc7644.3.3.x"), None);
    }

    #[test]
    fn a_failed_judgement_of_state_shares_the_cause_of_the_refusal_before_it() {
        // Arrange: a lookup refused, then the job found with an object in escrow; in another
        // run, escrow with nothing refused before it.
        let mut report = fixtures::green_report();
        let mut run = answered("escrow", &[("GET", "/Users?filter=x", 406)]);
        run.verdicts = vec![
            verdict(
                "entra.lookup.list",
                failed("the filter query answered 406"),
                0,
                Some(0),
            ),
            verdict(
                "entra.job.state",
                failed("1 object(s) wait in escrow, expected 0"),
                1,
                None,
            ),
        ];
        report.scenarios.push(run);
        let mut alone = answered("alone", &[("GET", "/Users?filter=x", 200)]);
        alone.verdicts = vec![verdict(
            "entra.job.state",
            failed("1 object(s) wait in escrow, expected 0"),
            1,
            None,
        )];
        report.scenarios.push(alone);

        // Act
        let causes = causes(&report);

        // Assert
        assert_eq!(causes.len(), 2, "{causes:#?}");
        let refused = causes
            .iter()
            .find(|c| c.failed_ids().contains(&"entra.lookup.list"))
            .unwrap();
        assert_eq!(
            refused.failed_ids(),
            ["entra.lookup.list", "entra.job.state"]
        );
        assert_eq!(refused.scenarios(), ["generic/escrow"]);
    }

    #[test]
    fn refusals_that_explain_themselves_alike_are_one_cause_whatever_the_method() {
        // Arrange: a POST and a PUT of users refused for one sub-attribute; two bare 400s.
        let mut report = fixtures::green_report();
        let mut run = fixtures::run(IdpName::Okta, "link");
        let why =
            r#"{"detail":"Extra inputs are not permitted: emails[0].primary","status":"400"}"#;
        for (step, (method, path, body)) in [
            ("POST", "/Users", why),
            ("PUT", "/Users/u1", why),
            ("POST", "/Groups", ""),
            ("PUT", "/Groups/g1", ""),
        ]
        .into_iter()
        .enumerate()
        {
            run.exchanges.push(fixtures::exchange(
                Some(step),
                method,
                path,
                "{}",
                Some((400, body)),
            ));
            run.verdicts.push(verdict(
                &format!("okta.step-{step}"),
                failed("status: expected 201, got 400"),
                step,
                Some(step),
            ));
        }
        report.scenarios.push(run);

        // Act
        let causes = causes(&report);

        // Assert
        let ids: Vec<Vec<&str>> = causes.iter().map(Cause::failed_ids).collect();
        assert_eq!(
            ids,
            [
                vec!["okta.step-0", "okta.step-1"],
                vec!["okta.step-2"],
                vec!["okta.step-3"]
            ]
        );
        assert_eq!(
            causes[0].summary,
            "POST /Users -> 400 'Extra inputs are not permitted: emails[0].primary'"
        );
    }

    #[test]
    fn one_refusal_is_one_cause_however_each_idp_words_the_status() {
        // Arrange: the same 406 to Entra's lookup (`answered 406`) and JumpCloud's (`got 406`).
        let mut report = fixtures::green_report();
        let page = r#"{"detail":"Not Acceptable","status":"406"}"#;
        for (idp, reason) in [
            (
                IdpName::Entra,
                "user ada: the filter query answered 406 (Entra needs 200 with a ListResponse, even for no match)",
            ),
            (
                IdpName::Jumpcloud,
                "expected 200 with a ListResponse, empty when nothing matches, got 406",
            ),
        ] {
            let mut run = fixtures::run(idp, "lookup");
            run.exchanges.push(fixtures::exchange(
                Some(0),
                "GET",
                "/Users?filter=userName+eq+%22ada%22",
                "",
                Some((406, page)),
            ));
            run.verdicts.push(verdict(
                "idp.lookup.answers-list",
                failed(reason),
                0,
                Some(0),
            ));
            report.scenarios.push(run);
        }

        // Act
        let causes = causes(&report);

        // Assert
        assert_eq!(causes.len(), 1, "{causes:#?}");
        assert_eq!(causes[0].failed.len(), 2);
        assert!(
            causes[0].summary.contains("-> 406 'Not Acceptable'"),
            "{}",
            causes[0].summary
        );
    }

    #[test]
    fn failures_on_answers_that_were_not_refused_are_grouped_by_what_was_found() {
        // Arrange
        let mut report = fixtures::green_report();
        let mut run = answered("create", &[("POST", "/Users", 201)]);
        let json =
            "header `content-type`: expected `application/scim+json*`, got `application/json`";
        run.verdicts = vec![
            verdict("rfc7644.3.3.location", failed("no Location"), 0, Some(0)),
            verdict("rfc7643.3.1.meta-created", failed("no meta"), 0, Some(0)),
            verdict("rfc7644.3.12.not-found", failed(json), 0, Some(0)),
            verdict("rfc7644.3.8.error-is-scim-json", failed(json), 0, Some(0)),
        ];
        report.scenarios.push(run);

        // Act
        let causes = causes(&report);

        // Assert
        let summaries: Vec<&str> = causes.iter().map(|c| c.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                &format!("rfc7644.3.12.not-found: {json}"),
                "rfc7644.3.3.location: no Location",
                "rfc7643.3.1.meta-created: no meta",
            ]
        );
        assert_eq!(
            causes[0].failed_ids(),
            ["rfc7644.3.12.not-found", "rfc7644.3.8.error-is-scim-json"]
        );
    }

    #[test]
    fn a_failed_read_of_what_a_failed_write_left_shares_its_cause() {
        // Arrange: a duplicate PUT accepted; the read of that user finds the duplicate name; an
        // unfiltered list read fails for a reason of its own.
        let mut report = fixtures::green_report();
        let mut run = answered(
            "uniqueness",
            &[
                ("PUT", "/Users/u1", 200),
                ("GET", "/Users/u1", 200),
                ("GET", "/Users", 200),
            ],
        );
        run.verdicts = vec![
            verdict(
                "rfc7644.3.12.uniqueness-on-put",
                failed("status: expected 409, got 200"),
                0,
                Some(0),
            ),
            verdict(
                "put.step-2",
                failed("`/userName`: expected \"bob\""),
                1,
                Some(1),
            ),
            verdict(
                "list.step-3",
                failed("`/totalResults`: expected 1"),
                2,
                Some(2),
            ),
        ];
        report.scenarios.push(run);

        // Act
        let causes = causes(&report);

        // Assert
        assert_eq!(causes.len(), 2, "{causes:#?}");
        assert_eq!(
            causes[0].failed_ids(),
            ["rfc7644.3.12.uniqueness-on-put", "put.step-2"]
        );
        assert_eq!(causes[1].failed_ids(), ["list.step-3"]);
    }

    #[test]
    fn a_broken_advertisement_shares_the_cause_of_the_check_that_broke_it() {
        // Arrange: a duplicate accepted by POST and by PUT, and bulk judged broken for it.
        let mut report = fixtures::green_report();
        let mut run = answered("bulk", &[("POST", "/Users", 201), ("PUT", "/Users/1", 200)]);
        run.verdicts = vec![
            verdict(
                "rfc.post-409",
                failed("status: expected 409, got 201"),
                0,
                Some(0),
            ),
            verdict(
                "rfc.put-409",
                failed("status: expected 409, got 200"),
                1,
                Some(1),
            ),
            verdict(
                "rfc7643.5.advertised-bulk-works",
                failed("ServiceProviderConfig advertises bulk.supported: true, but …"),
                1,
                Some(0),
            ),
        ];
        report.scenarios.push(run);

        // Act
        let causes = causes(&report);

        // Assert
        assert_eq!(causes.len(), 1, "{causes:#?}");
        assert_eq!(
            causes[0].failed_ids(),
            [
                "rfc.post-409",
                "rfc.put-409",
                "rfc7643.5.advertised-bulk-works"
            ]
        );
    }

    #[test]
    fn symptoms_of_one_defect_read_alike_and_status_mismatches_keep_their_numbers() {
        // Act / Assert
        assert_eq!(
            symptom_of("`/status`: expected \"404\", got 404"),
            symptom_of("`/status`: expected a string, got a number (400)")
        );
        assert_eq!(
            symptom_of("body `/status`: expected \"400\", got 400"),
            symptom_of("`/status`: expected \"404\", got 404")
        );
        assert_eq!(
            symptom_of("`/itemsPerPage`: expected 1, got 5"),
            symptom_of("`/itemsPerPage`: expected 0, got 2")
        );
        assert_eq!(
            symptom_of(
                "`/itemsPerPage`: expected 2 (the number returned; Okta pages by it), got 100"
            ),
            symptom_of("`/itemsPerPage`: expected 1, got 5")
        );
        assert_eq!(
            symptom_of("status: expected 409, got 201"),
            symptom_of("status: expected 409, got 200")
        );
        assert_eq!(
            symptom_of("status: expected one of 400, 409, got 200"),
            symptom_of("status: expected 409, got 201")
        );
        assert_ne!(
            symptom_of("status: expected one of 400, 404, 409, got 200"),
            symptom_of("status: expected 409, got 201")
        );
        assert_eq!(
            symptom_of("`/Operations/1/status`: expected \"409\", got \"201\""),
            symptom_of("status: expected 409, got 201")
        );
        assert_ne!(
            symptom_of("status: expected 409, got 201"),
            symptom_of("status: expected 404, got 200")
        );
        assert_eq!(
            symptom_of(
                "cycle 1036: user bob: retried for 28 days without success (POST answered 400)"
            ),
            symptom_of(
                "cycle 1145: user cy: retried for 28 days without success (POST answered 400)"
            )
        );
        assert_eq!(
            elide_volatile("`x509Certificates` is not supported for sm0a1b2c3d4e"),
            "`x509Certificates` is not supported for …"
        );
        assert_eq!(
            symptom_of("1 object(s) wait in escrow, expected 0"),
            symptom_of("2 object(s) wait in escrow, expected 0")
        );
    }

    #[test]
    fn request_shapes_elide_ids_and_keep_parameter_names() {
        assert_eq!(
            request_shape("GET", "/Users/2819c223?attributes=userName"),
            "GET /Users/{id}?attributes"
        );
        assert_eq!(
            request_shape("POST", "/Users/.search"),
            "POST /Users/.search"
        );
        assert_eq!(
            request_shape("GET", "/Users?filter=userName%20eq%20%22a%22&startIndex=1"),
            "GET /Users?filter&startIndex"
        );
        assert_eq!(request_shape("POST", "/.search"), "POST /.search");
    }
}
