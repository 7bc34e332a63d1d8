//! What a step needs from the steps before it, and why it is not evaluated when they did not
//! produce it.
//!
//! A failed check does not end its scenario: the steps after it still run, so that one early
//! (often unrelated) failure does not hide every later finding. But a step that needs what a
//! failed step should have produced (a captured `{{id}}`, the id the simulated IdP holds for a
//! user it could not provision) cannot judge the server: its checks are **blocked**, with the
//! failed step named and quoted in words, and the finding stays with the step that failed.
//!
//! [`Prerequisites`] keeps, per scenario run, which variables a failed step left unset and which
//! step failed last; [`failure_of_step`] tells a failed step's [`Blocker`] in words, the sentence
//! a blocked check carries.

use std::collections::BTreeMap;

use super::outcome::{Blocker, Outcome, Verdict};
use crate::exchange::{Exchange, shortened};

/// Characters of a target's error detail quoted in a blocked check's reason.
const DETAIL_CHARS: usize = 160;

/// A failed step, told from what it sent and what it found: the target's refusal when there
/// was one (status and SCIM `detail`), the transport's error, or the first reason a check gave.
/// A step blocked in turn passes on what blocked it. `None` when the step did not fail.
pub fn failure_of_step(
    step: usize,
    label: &str,
    verdicts: &[Verdict],
    exchanges: &[Exchange],
) -> Option<Blocker> {
    let failing = verdicts
        .iter()
        .find(|v| v.outcome.is_failure() || v.outcome.is_blocked())?;
    let why = match &failing.outcome {
        Outcome::Blocked { by } => return Some(by.clone()),
        Outcome::Failed { reasons } => exchanges
            .iter()
            .rev()
            .find_map(refusal)
            .or_else(|| reasons.first().map(|r| format!("failed: {r}"))),
        Outcome::Error { message } => exchanges
            .iter()
            .rev()
            .find_map(refusal)
            .or_else(|| Some(format!("could not run: {message}"))),
        _ => None,
    };
    Some(Blocker {
        step,
        label: label.to_owned(),
        why: why.unwrap_or_else(|| "failed".to_owned()),
    })
}

/// An exchange the target refused or did not answer, in words.
fn refusal(exchange: &Exchange) -> Option<String> {
    let Some(response) = &exchange.response else {
        let error = exchange.error.as_deref().unwrap_or("no response");
        return Some(format!("got no answer: {error}"));
    };
    if response.status < 400 {
        return None;
    }
    let detail = response.error_detail();
    let detail = shorten(&detail);
    Some(if detail.is_empty() {
        format!(
            "was refused: {} {} (empty body)",
            response.status, exchange.request.method
        )
    } else {
        format!("was refused: {} '{detail}'", response.status)
    })
}

fn shorten(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    shortened(&one_line, DETAIL_CHARS)
}

/// Per scenario run: what failed steps left undone.
#[derive(Debug, Default)]
pub struct Prerequisites {
    /// Variables a step should have captured and did not, with that step's failure.
    unproduced: BTreeMap<String, Blocker>,
    /// The latest step that failed: an IdP step that finds nothing to act on (the user was
    /// never provisioned) is blocked by it.
    last: Option<Blocker>,
    /// Variables a skipped step did not capture, with the reason it was skipped: a step that
    /// needs them is skipped for the same reason.
    skipped: BTreeMap<String, String>,
}

impl Prerequisites {
    /// A step failed: later steps that need its captures, or the IdP state it should have
    /// changed, are blocked by it.
    pub fn failed(&mut self, failure: Blocker, captures: impl IntoIterator<Item = String>) {
        for name in captures {
            self.unproduced.insert(name, failure.clone());
        }
        self.last = Some(failure);
    }

    /// A step was skipped (it needs what the target does not publish): later steps that need
    /// its captures are skipped too.
    pub fn skipped_step(&mut self, reason: &str, captures: impl IntoIterator<Item = String>) {
        for name in captures {
            self.skipped.insert(name, reason.to_owned());
        }
    }

    /// Why `variable` was left unset by a skipped step, if it was.
    pub fn skipped(&self, variable: &str) -> Option<&str> {
        self.skipped.get(variable).map(String::as_str)
    }

    /// The failure that left `variable` unset, if one did.
    pub fn unproduced(&self, variable: &str) -> Option<&Blocker> {
        self.unproduced.get(variable)
    }

    /// The latest failed step, for a step that could not start for lack of state.
    pub fn last_failure(&self) -> Option<&Blocker> {
        self.last.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{RecordedRequest, RecordedResponse};
    use crate::runner::outcome::CheckId;
    use crate::scenario::model::Level;

    fn exchange(status: u16, body: &str) -> Exchange {
        Exchange {
            step: Some(1),
            request: RecordedRequest {
                method: "POST".into(),
                path: "/Users".into(),
                url: "http://127.0.0.1/Users".into(),
                headers: Vec::new(),
                body: Vec::new(),
            },
            response: Some(RecordedResponse {
                status,
                headers: Vec::new(),
                body: body.as_bytes().to_vec(),
            }),
            error: None,
            elapsed: std::time::Duration::ZERO,
        }
    }

    fn failed(reason: &str) -> Verdict {
        Verdict {
            check: CheckId::new("rfc7644.3.3.create-201", Level::Must, None),
            outcome: Outcome::Failed {
                reasons: vec![reason.into()],
            },
            step: 1,
            step_name: "create ada".into(),
            exchange: Some(0),
        }
    }

    #[test]
    fn a_refused_step_is_quoted_with_its_status_and_the_targets_detail() {
        // Arrange
        let refused = exchange(
            400,
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"Extra inputs are not permitted: emails[0].primary"}"#,
        );

        // Act
        let failure = failure_of_step(
            1,
            "create ada",
            &[failed("expected status 201")],
            &[refused],
        )
        .unwrap();

        // Assert
        assert_eq!(
            failure.reason(),
            "not evaluated: step 2 'create ada' was refused: 400 'Extra inputs are not permitted: emails[0].primary'"
        );
    }

    #[test]
    fn a_step_that_was_answered_but_failed_gives_its_first_reason() {
        // Act
        let failure = failure_of_step(
            1,
            "create ada",
            &[failed("capture `id`: nothing at `/id`")],
            &[exchange(201, "{}")],
        )
        .unwrap();

        // Assert
        assert_eq!(
            failure.reason(),
            "not evaluated: step 2 'create ada' failed: capture `id`: nothing at `/id`"
        );
    }

    #[test]
    fn a_blocked_step_passes_on_the_failure_that_blocked_it() {
        // Arrange
        let first = failure_of_step(0, "create ada", &[failed("x")], &[exchange(500, "")]).unwrap();
        let mut blocked = failed("x");
        blocked.outcome = Outcome::Blocked { by: first.clone() };

        // Act
        let second = failure_of_step(3, "read ada", &[blocked], &[]).unwrap();

        // Assert
        assert_eq!(second, first);
    }

    #[test]
    fn a_passing_step_is_no_failure_and_unset_variables_remember_why() {
        // Arrange
        let mut passed = failed("x");
        passed.outcome = Outcome::Passed;
        let mut prerequisites = Prerequisites::default();
        let failure = failure_of_step(0, "create", &[failed("x")], &[]).unwrap();

        // Act
        prerequisites.failed(failure.clone(), ["id".to_owned()]);
        prerequisites.skipped_step("not published", ["nick".to_owned()]);

        // Assert
        assert!(failure_of_step(0, "create", &[passed], &[]).is_none());
        assert_eq!(prerequisites.unproduced("id"), Some(&failure));
        assert_eq!(prerequisites.skipped("nick"), Some("not published"));
        assert!(prerequisites.unproduced("nick").is_none());
        assert!(prerequisites.last_failure().is_some());
    }
}
