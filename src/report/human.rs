//! The human report: what a terminal or a CI log shows after a run.
//!
//! The reader owns the server under test and has to fix it, so a failure is never just a name:
//! every failed check is printed with its level and source, the step that ran it, what was
//! expected and what was found, and the exchange it judged (request as sent, response as
//! received), at every verbosity. The layout follows nextest and Hurl: one status line per
//! scenario run, details indented beneath it, a summary last, so `grep FAIL` works on a log.
//!
//! ```text
//! FAIL okta/create-user (1 check, 1 failed, 0.03s)
//!   FAIL rfc7644.3.3.create-201 (MUST) at step 1: POST /Users
//!     source: RFC 7644 §3.3
//!     expected status 201
//!     found status 200
//!     > POST /Users
//!     > authorization: Bearer <redacted>
//!     < HTTP 200
//! ```
//!
//! - verbosity 0: a line per run that did not pass, naming its causes; snapshot drift (the
//!   first lines of the diff; a drift whose every changed line a drift above changed too, as one
//!   server change repeats across snapshots, is one line) and missing snapshots; scenario
//!   errors; the summary, led by the causes.
//! - `-v` (1): also every verdict (`PASS`/`FAIL`/`WARN`) and every snapshot outcome.
//! - `-vv` (2): also every exchange of every scenario.
//!
//! `WARN` marks a failed check that does not fail the run (SHOULD without `--strict`, INFO): it
//! is shown like a failure, in yellow, because it is still something the server gets wrong.
//! Steps and exchanges are numbered from 1 here, for people; the JSON report keeps the 0-based
//! indices of the data. In the summary, "failed" includes checks that could not be evaluated
//! (the JSON report counts those apart, as `error`).
//!
//! The text is built once: [`render`] returns it plain (what tests pin), [`write()`] emits the
//! same text with styles through [`anstream::AutoStream`], which drops them for `NO_COLOR`, for
//! `CLICOLOR=0` and for anything that is not a terminal. Bodies are pretty-printed when they are
//! JSON (in the order the keys were sent: key order is part of what an IdP sends) and cut after
//! 60 lines; the JSON report has them whole. Control characters from the wire are escaped, so a
//! response cannot drive the reader's terminal.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::time::Duration;

use anstream::stream::{AsLockedWrite, RawStream};
use anstream::{AutoStream, ColorChoice};
use anstyle::{AnsiColor, Style};

use crate::exchange::Exchange;
use crate::runner::cause::Cause;
use crate::runner::observation;
use crate::runner::outcome::{Blocker, Outcome, RunReport, ScenarioRun, SnapshotOutcome, Verdict};
use crate::scenario::model::{IdpName, Level};

mod findings;

/// Body lines shown per request or response before the rest is elided.
const MAX_BODY_LINES: usize = 60;
/// Lines of a snapshot diff shown at verbosity 0.
const MAX_DIFF_LINES: usize = 12;
/// Characters shown per body line: a one-line 1 MB HTML error page must not flood the log.
const MAX_LINE_CHARS: usize = 400;

const PASS: Style = AnsiColor::Green.on_default().bold();
const FAIL: Style = AnsiColor::Red.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const RED: Style = AnsiColor::Red.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const ADDED: Style = AnsiColor::Green.on_default();
const REMOVED: Style = AnsiColor::Red.on_default();
const HUNK: Style = AnsiColor::Cyan.on_default();
const DIM: Style = Style::new().dimmed();
const PLAIN: Style = Style::new();

/// The report as plain text, without colour codes.
pub fn render(report: &RunReport, verbosity: u8) -> String {
    let mut text = Text::new(false);
    report_into(&mut text, report, verbosity);
    text.finish()
}

/// Writes the report to `out`, coloured when `out` is a terminal and the environment allows it
/// (`NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE`).
///
/// `out` is a stream anstream can ask whether it is a terminal: `&mut std::io::stdout()`, a
/// lock of it, a `File`, a `Vec<u8>`; a `&mut dyn Write` works and is treated as not a terminal.
pub fn write<S: RawStream + AsLockedWrite + ?Sized>(
    report: &RunReport,
    verbosity: u8,
    out: &mut S,
) -> io::Result<()> {
    write_with_color(report, verbosity, out, ColorChoice::Auto)
}

/// [`write()`] with an explicit colour choice (a `--color always|never|auto` flag).
pub fn write_with_color<S: RawStream + AsLockedWrite + ?Sized>(
    report: &RunReport,
    verbosity: u8,
    out: &mut S,
    choice: ColorChoice,
) -> io::Result<()> {
    let mut text = Text::new(true);
    report_into(&mut text, report, verbosity);
    let mut stream = AutoStream::new(out, choice);
    io::Write::write_all(&mut stream, text.finish().as_bytes())?;
    io::Write::flush(&mut stream)
}

/// Failed verdicts as plain text: each with its reasons and the exchange it judged, an exchange
/// printed once (for JUnit).
pub(super) fn verdicts_text<'a>(
    run: &ScenarioRun,
    verdicts: impl IntoIterator<Item = &'a Verdict>,
    strict: bool,
) -> String {
    let mut text = Text::new(false);
    let mut shown = Vec::new();
    for verdict in verdicts {
        verdict_into(&mut text, run, verdict, strict, 0, 1, &mut shown);
    }
    text.finish()
}

/// The snapshot outcome as plain text (the diff for a drift), empty when there is nothing to say.
pub(super) fn snapshot_text(snapshot: &SnapshotOutcome) -> String {
    let mut text = Text::new(false);
    snapshot_into(&mut text, snapshot, 0, 1, &mut DriftsShown::default());
    text.finish()
}

/// Every exchange of a scenario run as plain text (for JUnit's system-out).
pub(super) fn transcript_text(run: &ScenarioRun) -> String {
    let mut text = Text::new(false);
    for (index, exchange) in run.exchanges.iter().enumerate() {
        exchange_header_into(&mut text, index, exchange, 0);
        exchange_into(&mut text, exchange, 2);
    }
    text.finish()
}

/// Text under construction: plain, or styled with ANSI escapes that anstream may strip later.
struct Text {
    buf: String,
    color: bool,
}

impl Text {
    fn new(color: bool) -> Self {
        Text {
            buf: String::new(),
            color,
        }
    }

    /// One line of styled segments at `indent`. Control characters (newlines included) are
    /// escaped: every call is exactly one line.
    fn line(&mut self, indent: usize, parts: &[(Style, &str)]) {
        let mut content = String::new();
        for (index, (style, part)) in parts.iter().enumerate() {
            // Trailing spaces go before styling, so plain and stripped output stay identical.
            let part = if index + 1 == parts.len() {
                part.trim_end_matches(' ')
            } else {
                part
            };
            let clean = escape_controls(part);
            if self.color && *style != PLAIN && !clean.is_empty() {
                let _ = write!(content, "{style}{clean}{style:#}");
            } else {
                content.push_str(&clean);
            }
        }
        if !content.is_empty() {
            self.buf.extend(std::iter::repeat_n(' ', indent));
            self.buf.push_str(content.trim_end_matches(' '));
        }
        self.buf.push('\n');
    }

    /// Possibly several lines, each at `indent`, in one style.
    fn lines(&mut self, indent: usize, style: Style, text: &str) {
        if text.is_empty() {
            self.line(indent, &[]);
        }
        for line in text.lines() {
            self.line(indent, &[(style, line)]);
        }
    }

    fn finish(self) -> String {
        self.buf
    }
}

fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.into()
}

fn report_into(text: &mut Text, report: &RunReport, verbosity: u8) {
    let causes = crate::runner::cause::causes(report);
    let mut printed = false;
    let mut drifts = DriftsShown::default();
    for run in &report.scenarios {
        printed |= scenario_into(text, run, report.strict, verbosity, &causes, &mut drifts);
    }
    printed |= repeated_drifts_into(text, &drifts.repeated);
    if printed {
        text.line(0, &[]);
    }
    summary_into(text, report, &causes, verbosity);
}

/// The numbers (from 1) of the causes behind a run's failures and blocked checks.
fn cause_numbers(run: &ScenarioRun, causes: &[Cause]) -> Vec<usize> {
    let name = run.full_name();
    causes
        .iter()
        .enumerate()
        .filter(|(_, cause)| {
            cause
                .failed
                .iter()
                .chain(&cause.blocked)
                .any(|a| a.scenario == name)
        })
        .map(|(index, _)| index + 1)
        .collect()
}

/// One scenario run. At verbosity 0 only a run that did not pass gets a line, naming its causes
/// (the summary shows each cause once, with an example); from `-v` on, every run with every
/// verdict. Returns whether anything was written.
fn scenario_into(
    text: &mut Text,
    run: &ScenarioRun,
    strict: bool,
    verbosity: u8,
    causes: &[Cause],
    drifts: &mut DriftsShown,
) -> bool {
    let count = |keep: &dyn Fn(&Verdict) -> bool| run.verdicts.iter().filter(|v| keep(v)).count();
    let failed = count(&|v| v.is_blocking_failure(strict));
    let warnings = count(&|v| v.outcome.is_failure() && !v.is_blocking_failure(strict));
    let blocked = count(&|v| v.outcome.is_blocked());
    let skipped = count(&|v| v.outcome.is_skipped());
    let mut counts = vec![plural(run.verdicts.len(), "check", "checks")];
    if failed > 0 {
        counts.push(format!("{failed} failed"));
    }
    if blocked > 0 {
        counts.push(format!("{blocked} blocked"));
    }
    if warnings > 0 {
        counts.push(plural(warnings, "warning", "warnings"));
    }
    if skipped > 0 && skipped < run.verdicts.len() {
        counts.push(format!("{skipped} skipped"));
    }
    counts.push(seconds(run.elapsed));
    let (word, style) = if !run.passed(strict) {
        ("FAIL", FAIL)
    } else if run.all_skipped() {
        ("SKIP", WARN)
    } else {
        ("PASS", PASS)
    };
    let mut rest = format!(" {} ({})", run.full_name(), counts.join(", "));
    if verbosity == 0 {
        if run.passed(strict) && !run.all_skipped() {
            return false;
        }
        if let SnapshotOutcome::Drifted { diff, .. } = &run.snapshot
            && failed + warnings + blocked == 0
            && run.error.is_none()
            && drifts.would_all_be_seen(diff)
        {
            drifts.all_seen(diff);
            drifts.repeated.push(run.full_name());
            return false;
        }
        if run.all_skipped() {
            // One line says why; the checks it left untested are listed with -v.
            if let Some(Outcome::Skipped { reason }) = run.verdicts.first().map(|v| &v.outcome) {
                rest.push_str(&format!(": {reason}"));
            }
            text.line(0, &[(style, word), (PLAIN, &rest)]);
            return true;
        }
        let numbers: Vec<String> = cause_numbers(run, causes)
            .iter()
            .map(|n| format!("#{n}"))
            .collect();
        if !numbers.is_empty() {
            rest.push_str(&format!(" causes {}", numbers.join(", ")));
        }
        text.line(0, &[(style, word), (PLAIN, &rest)]);
        snapshot_into(text, &run.snapshot, 2, verbosity, drifts);
        if let Some(error) = &run.error {
            text.line(2, &[(FAIL, "error:"), (RED, &format!(" {error}"))]);
        }
        return true;
    }
    text.line(0, &[(style, word), (PLAIN, &rest)]);

    let mut shown = Vec::new();
    let mut blockers: Vec<(&Blocker, Vec<&str>)> = Vec::new();
    for verdict in &run.verdicts {
        match &verdict.outcome {
            Outcome::Passed | Outcome::Skipped { .. } => {
                if verbosity >= 1 {
                    let (word, style) = if verdict.outcome.is_pass() {
                        ("PASS", PASS)
                    } else {
                        ("SKIP", DIM)
                    };
                    let rest = format!(" {}", verdict_title(verdict));
                    text.line(2, &[(style, word), (PLAIN, &rest)]);
                }
            }
            Outcome::Blocked { by } => match blockers.iter_mut().find(|(b, _)| *b == by) {
                Some((_, ids)) => ids.push(&verdict.check.id),
                None => blockers.push((by, vec![&verdict.check.id])),
            },
            _ => verdict_into(text, run, verdict, strict, 2, verbosity, &mut shown),
        }
    }
    // Blocked checks are not findings: one line per failed step that blocked them.
    for (by, ids) in blockers {
        let rest = format!(
            " {}: {}",
            plural(ids.len(), "check", "checks"),
            ids.join(", ")
        );
        text.line(2, &[(WARN, "BLOCKED"), (PLAIN, &rest)]);
        text.line(4, &[(DIM, &by.reason())]);
    }
    if verbosity >= 1 {
        for adjustment in &run.adjustments {
            let line = format!("step {}: {}", adjustment.step + 1, adjustment.note);
            text.line(2, &[(DIM, "test data fitted: "), (PLAIN, &line)]);
        }
    }
    snapshot_into(text, &run.snapshot, 2, verbosity, drifts);
    if let Some(error) = &run.error {
        text.line(2, &[(FAIL, "error:"), (RED, &format!(" {error}"))]);
    }
    if verbosity >= 2 && !run.exchanges.is_empty() {
        text.line(2, &[(PLAIN, "exchanges:")]);
        for (index, exchange) in run.exchanges.iter().enumerate() {
            exchange_header_into(text, index, exchange, 4);
            exchange_into(text, exchange, 6);
        }
    }
    true
}

/// `id (LEVEL) at step N: label`
fn verdict_title(verdict: &Verdict) -> String {
    // A test-data finding is about the harness's data, so it carries no RFC level.
    let level = if verdict.check.is_test_data() {
        "test data"
    } else {
        verdict.check.level.as_str()
    };
    format!(
        "{} ({level}) at step {}: {}",
        verdict.check.id,
        verdict.step + 1,
        verdict.step_name
    )
}

/// A failed verdict: title, source, the requirement it rests on, reasons, and its exchange
/// unless already shown (`shown` holds the exchange indices printed so far in this scenario):
/// in a few lines at verbosity 0, whole from `-v` on. A failed read also shows the write
/// before it that it observes.
fn verdict_into(
    text: &mut Text,
    run: &ScenarioRun,
    verdict: &Verdict,
    strict: bool,
    indent: usize,
    verbosity: u8,
    shown: &mut Vec<usize>,
) {
    let blocking = verdict.is_blocking_failure(strict);
    let (word, style, detail) = match &verdict.outcome {
        _ if blocking => ("FAIL", FAIL, PLAIN),
        Outcome::Skipped { .. } => ("SKIP", DIM, PLAIN),
        Outcome::Blocked { .. } => ("BLOCKED", WARN, PLAIN),
        Outcome::Waived { .. } => ("WAIVED", WARN, YELLOW),
        _ => ("WARN", WARN, YELLOW),
    };
    let rest = format!(" {}", verdict_title(verdict));
    text.line(indent, &[(style, word), (PLAIN, &rest)]);
    let inner = indent + 2;
    if let Some(source) = &verdict.check.source {
        text.line(inner, &[(DIM, "source: "), (PLAIN, source)]);
    }
    if let Some(requirement) = &verdict.check.requirement {
        text.line(inner, &[(DIM, "requires: "), (PLAIN, requirement)]);
    }
    if let Some(real) = &verdict.check.real_idp {
        text.line(inner, &[(DIM, "real IdP: "), (PLAIN, real)]);
    }
    if let Some(grade) = &verdict.check.evidence {
        let line = format!("{} ({})", grade.evidence, grade.basis);
        text.line(inner, &[(DIM, "evidence: "), (PLAIN, &line)]);
        if !blocking && verdict.outcome.is_failure() && verdict.check.level.is_blocking(strict) {
            text.line(
                inner,
                &[(
                    DIM,
                    "not documented by the vendor: fails the run only with --strict",
                )],
            );
        }
    }
    if !blocking && verdict.outcome.is_failure() && verdict.check.level == Level::Should {
        text.line(
            inner,
            &[(DIM, "a SHOULD: fails the run only with --strict")],
        );
    }
    match &verdict.outcome {
        Outcome::Passed => {}
        Outcome::Failed { reasons } => {
            for reason in reasons {
                text.lines(inner, detail, reason);
            }
        }
        Outcome::Error { message } => {
            text.lines(inner, detail, &format!("could not evaluate: {message}"));
        }
        Outcome::Waived { reasons, waiver } => {
            text.lines(inner, detail, &format!("waived: {waiver}"));
            for reason in reasons {
                text.lines(inner, detail, reason);
            }
        }
        Outcome::Skipped { reason } => {
            text.lines(inner, detail, &format!("skipped: {reason}"));
        }
        Outcome::Blocked { by } => text.lines(inner, detail, &by.reason()),
    }
    let Some(index) = verdict.exchange else {
        return;
    };
    match run.exchanges.get(index) {
        _ if shown.contains(&index) => {
            let line = format!("exchange #{} shown above", index + 1);
            text.line(inner, &[(DIM, &line)]);
        }
        Some(exchange) => {
            shown.push(index);
            if verbosity == 0 {
                compact_exchange_into(text, exchange, inner);
            } else {
                exchange_into(text, exchange, inner);
            }
            if verdict.outcome.is_failure()
                && observation::is_observation(exchange)
                && let Some(write) = observation::observed_write(&run.exchanges, index)
                    .and_then(|write| run.exchanges.get(write))
            {
                text.line(
                    inner,
                    &[(DIM, "after this write, which the target accepted:")],
                );
                compact_exchange_into(text, write, inner);
            }
        }
        None => {
            let line = format!("exchange #{} was not recorded", index + 1);
            text.line(inner, &[(DIM, &line)]);
        }
    }
}

/// The changed lines of the drifts a report has shown so far, each without its sign's
/// neighbours and with numbers as `N` (`<id-1>` and `<id-2>` are one change).
///
/// One server change (no `Location`, no `meta.version`) drifts every snapshot that recorded
/// it, each diff a copy of the last: at verbosity 0 a drift whose every changed line was
/// already seen is one line that says so, and only a drift with something new shows its diff.
#[derive(Default)]
struct DriftsShown {
    lines: std::collections::BTreeSet<String>,
    /// Runs whose only finding is such a drift: named together once, after the others.
    repeated: Vec<String>,
}

impl DriftsShown {
    /// Whether every changed line of `diff` was seen before; remembers them either way.
    fn all_seen(&mut self, diff: &str) -> bool {
        let changed = Self::changed(diff);
        let seen = !changed.is_empty() && changed.iter().all(|l| self.lines.contains(l));
        self.lines.extend(changed);
        seen
    }

    /// [`DriftsShown::all_seen`] without remembering anything.
    fn would_all_be_seen(&self, diff: &str) -> bool {
        let changed = Self::changed(diff);
        !changed.is_empty() && changed.iter().all(|l| self.lines.contains(l))
    }

    /// The changed lines of a diff, with numbers as `N` (ids differ from run to run).
    fn changed(diff: &str) -> Vec<String> {
        diff.lines()
            .filter(|l| !l.starts_with("+++") && !l.starts_with("---"))
            .filter_map(|l| {
                let sign = l.chars().next().filter(|c| *c == '+' || *c == '-')?;
                Some(format!(
                    "{sign}{}",
                    crate::runner::cause::numbers_as_n(l[1..].trim())
                ))
            })
            .collect()
    }
}

/// The runs whose only finding was a drift repeating changes shown above, named together: one
/// server change drifts dozens of transcripts alike, and a line each would bury the rest.
fn repeated_drifts_into(text: &mut Text, runs: &[String]) -> bool {
    if runs.is_empty() {
        return false;
    }
    let head = format!(
        " {} drifted only in lines a drift above changes too (-v shows each diff):",
        plural(runs.len(), "more scenario run", "more scenario runs")
    );
    text.line(0, &[(FAIL, "FAIL"), (PLAIN, &head)]);
    let mut line = String::new();
    for name in runs {
        if !line.is_empty() && line.len() + name.len() + 2 > 96 {
            line.push(',');
            text.line(2, &[(PLAIN, &line)]);
            line.clear();
        }
        if !line.is_empty() {
            line.push_str(", ");
        }
        line.push_str(name);
    }
    text.line(2, &[(PLAIN, &line)]);
    true
}

fn snapshot_into(
    text: &mut Text,
    snapshot: &SnapshotOutcome,
    indent: usize,
    verbosity: u8,
    drifts: &mut DriftsShown,
) {
    let inner = indent + 2;
    match snapshot {
        SnapshotOutcome::NotTaken => {}
        SnapshotOutcome::Matched { path } if verbosity >= 1 => {
            let line = format!(" {}", path.display());
            text.line(indent, &[(PASS, "snapshot matched:"), (PLAIN, &line)]);
        }
        SnapshotOutcome::Written { path } if verbosity >= 1 => {
            let line = format!(" {} (review and commit it)", path.display());
            text.line(indent, &[(PLAIN, "snapshot written:"), (PLAIN, &line)]);
        }
        SnapshotOutcome::Accepted { path } if verbosity >= 1 => {
            let line = format!(" {}", path.display());
            text.line(indent, &[(PLAIN, "snapshot accepted:"), (PLAIN, &line)]);
        }
        SnapshotOutcome::Matched { .. }
        | SnapshotOutcome::Written { .. }
        | SnapshotOutcome::Accepted { .. } => {}
        SnapshotOutcome::Missing { path } => {
            let line = format!(" {}", path.display());
            text.line(indent, &[(FAIL, "snapshot missing:"), (PLAIN, &line)]);
            text.line(
                inner,
                &[(
                    PLAIN,
                    "no approved snapshot; run with --accept to write it, then review and commit it",
                )],
            );
        }
        SnapshotOutcome::Drifted { path, diff } => {
            if drifts.all_seen(diff) && verbosity == 0 {
                let line = format!(
                    " {} (approved -> actual): every line it changes changed in a drift above too (-v shows its diff)",
                    path.display()
                );
                text.line(indent, &[(FAIL, "snapshot drifted:"), (PLAIN, &line)]);
                return;
            }
            let line = format!(" {} (approved -> actual)", path.display());
            text.line(indent, &[(FAIL, "snapshot drifted:"), (PLAIN, &line)]);
            // A drift under a quirk rewrites whole transcripts: at verbosity 0 its first lines
            // show where, and the rest waits for -v or the JSON report.
            let total = diff.lines().count();
            let shown = if verbosity == 0 {
                MAX_DIFF_LINES
            } else {
                total
            };
            for line in diff.lines().take(shown) {
                let style = if line.starts_with("+++") || line.starts_with("---") {
                    DIM
                } else if line.starts_with('+') {
                    ADDED
                } else if line.starts_with('-') {
                    REMOVED
                } else if line.starts_with("@@") {
                    HUNK
                } else {
                    PLAIN
                };
                text.line(inner, &[(style, line)]);
            }
            if total > shown {
                let more = format!(
                    "... {} more lines of the diff (-v shows it whole, the JSON report has it)",
                    total - shown
                );
                text.line(inner, &[(DIM, &more)]);
            }
            text.line(
                inner,
                &[(
                    PLAIN,
                    "if the change is intended, run with --accept to approve it",
                )],
            );
        }
    }
}

fn exchange_header_into(text: &mut Text, index: usize, exchange: &Exchange, indent: usize) {
    let step = match exchange.step {
        Some(step) => format!("step {}", step + 1),
        None => "cleanup".to_owned(),
    };
    let line = format!(
        "exchange #{} ({step}, {})",
        index + 1,
        seconds(exchange.elapsed)
    );
    text.line(indent, &[(DIM, &line)]);
}

/// Characters of a body shown on one line in a compact exchange.
const COMPACT_BODY_CHARS: usize = 300;

/// An exchange in a few lines: the request line and its body on one line, the status and the
/// answer's body on one line (a SCIM error's `detail` first, when there is one).
fn compact_exchange_into(text: &mut Text, exchange: &Exchange, indent: usize) {
    let request = &exchange.request;
    let first = format!("{} {}", request.method, request.path);
    text.line(indent, &[(DIM, "> "), (PLAIN, &first)]);
    if !request.body.is_empty() {
        text.line(
            indent,
            &[(DIM, "> "), (PLAIN, &one_line_body(&request.body))],
        );
    }
    match (&exchange.response, &exchange.error) {
        (Some(response), _) => {
            let status = format!("HTTP {}", response.status);
            let content_type = response
                .headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                .map(|(_, value)| format!(" ({value})"))
                .unwrap_or_default();
            text.line(
                indent,
                &[(DIM, "< "), (PLAIN, &status), (DIM, &content_type)],
            );
            if !response.body.is_empty() {
                text.line(
                    indent,
                    &[(DIM, "< "), (PLAIN, &one_line_body(&response.body))],
                );
            }
        }
        (None, error) => {
            let error = error.as_deref().unwrap_or("no response");
            text.line(indent, &[(RED, "! no response: "), (RED, error)]);
        }
    }
}

/// A body on one line, cut: JSON as sent (whitespace between tokens dropped), else text.
fn one_line_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let flat: String = match compact_json(&text) {
        Some(compact) => compact,
        None => text.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    match flat.char_indices().nth(COMPACT_BODY_CHARS) {
        None => flat,
        Some((at, _)) => {
            let more = flat[at..].chars().count();
            format!("{} ... ({more} more characters; -v shows all)", &flat[..at])
        }
    }
}

/// Valid JSON without the whitespace between its tokens, keys and strings as sent.
fn compact_json(text: &str) -> Option<String> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => copy_string(&mut chars, &mut out),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// Copies a JSON string whose opening quote `chars` just gave, escapes and closing quote
/// included, as it is.
fn copy_string(chars: &mut impl Iterator<Item = char>, out: &mut String) {
    out.push('"');
    let mut escaped = false;
    for c in chars.by_ref() {
        out.push(c);
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => break,
            _ => {}
        }
    }
}

/// The request as `>` lines and the response as `<` lines, curl-style.
fn exchange_into(text: &mut Text, exchange: &Exchange, indent: usize) {
    let request = &exchange.request;
    let first = format!("{} {}", request.method, request.path);
    text.line(indent, &[(DIM, "> "), (PLAIN, &first)]);
    headers_into(text, ">", &request.headers, indent);
    body_into(text, ">", &request.body, indent);
    if let Some(response) = &exchange.response {
        let status = format!("HTTP {}", response.status);
        text.line(indent, &[(DIM, "< "), (PLAIN, &status)]);
        headers_into(text, "<", &response.headers, indent);
        body_into(text, "<", &response.body, indent);
    }
    if let Some(error) = &exchange.error {
        let what = if exchange.response.is_none() {
            "no response: "
        } else {
            "error: "
        };
        text.line(indent, &[(RED, "! "), (RED, what), (RED, error)]);
    } else if exchange.response.is_none() {
        text.line(indent, &[(RED, "! no response")]);
    }
}

fn headers_into(text: &mut Text, prefix: &str, headers: &[(String, String)], indent: usize) {
    for (name, value) in headers {
        let line = format!(" {name}: {value}");
        text.line(indent, &[(DIM, prefix), (PLAIN, &line)]);
    }
}

fn body_into(text: &mut Text, prefix: &str, body: &[u8], indent: usize) {
    if body.is_empty() {
        return;
    }
    text.line(indent, &[(DIM, prefix)]);
    let shown = display_body(body);
    let total = shown.lines().count();
    for line in shown.lines().take(MAX_BODY_LINES) {
        let cut = cut_line(line);
        text.line(indent, &[(DIM, prefix), (PLAIN, " "), (PLAIN, &cut)]);
    }
    if total > MAX_BODY_LINES {
        let more = total - MAX_BODY_LINES;
        let lines = if more == 1 { "line" } else { "lines" };
        let note = format!(" ... {more} more {lines} (the JSON report has the whole body)");
        text.line(indent, &[(DIM, prefix), (DIM, &note)]);
    }
}

fn cut_line(line: &str) -> String {
    match line.char_indices().nth(MAX_LINE_CHARS) {
        None => line.to_owned(),
        Some((at, _)) => {
            let more = line[at..].chars().count();
            format!("{} ... ({more} more characters)", &line[..at])
        }
    }
}

/// A body for display: JSON pretty-printed in its own key order, anything else as (lossy) text.
fn display_body(body: &[u8]) -> String {
    match std::str::from_utf8(body) {
        Ok(text) => pretty_json(text).unwrap_or_else(|| text.to_owned()),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    }
}

/// Re-indents valid JSON without reordering keys or rewriting numbers and strings (serde_json's
/// `Value` would sort keys and normalise numbers, and both are part of what was on the wire).
fn pretty_json(text: &str) -> Option<String> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    while let Some(c) = chars.next() {
        match c {
            '"' => copy_string(&mut chars, &mut out),
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                while chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                    chars.next();
                }
                if chars.peek() == Some(&close) {
                    chars.next();
                    out.push(c);
                    out.push(close);
                } else {
                    out.push(c);
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_ascii_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

/// A line per vendor suite the run touched, counted the vendor's way ([`super::suites`]).
fn suites_into(text: &mut Text, report: &RunReport) {
    for tally in super::suites::tallies(report) {
        let (word, style) = if !tally.passed() {
            ("FAIL", FAIL)
        } else if tally.optional.not_passed > 0 {
            ("WARN", WARN)
        } else {
            ("PASS", PASS)
        };
        let mut line = format!(
            " {} ({}): required {} of {} passed",
            tally.suite.name,
            tally.suite.vendor_name,
            tally.required.passed,
            tally.required.evaluated()
        );
        if tally.optional.evaluated() > 0 {
            line.push_str(&format!(
                ", optional {} of {} passed",
                tally.optional.passed,
                tally.optional.evaluated()
            ));
        }
        text.line(4, &[(style, word), (PLAIN, &line)]);
    }
}

fn summary_into(text: &mut Text, report: &RunReport, causes: &[Cause], verbosity: u8) {
    let strict = report.strict;
    text.line(0, &[(PLAIN, "summary")]);
    findings::areas_into(text, report);
    suites_into(text, report);

    let mut idps: BTreeMap<IdpName, Tally> = BTreeMap::new();
    for run in &report.scenarios {
        let tally = idps.entry(run.idp).or_default();
        if run.passed(strict) {
            tally.passed += 1;
        } else {
            tally.failed += 1;
        }
    }
    for (idp, tally) in &idps {
        let line = format!(
            "{}: {}, {} passed, {} failed",
            idp.as_str(),
            plural(tally.passed + tally.failed, "scenario", "scenarios"),
            tally.passed,
            tally.failed
        );
        let style = if tally.failed > 0 { RED } else { PLAIN };
        text.line(2, &[(style, &line)]);
    }

    let levels = [Level::Must, Level::Should, Level::IdpRequired, Level::Info];
    let mut by_level: BTreeMap<Level, Tally> = BTreeMap::new();
    let (mut waived, mut skipped, mut blocked) = (0, 0, 0);
    for verdict in report.scenarios.iter().flat_map(|run| &run.verdicts) {
        let tally = by_level.entry(verdict.check.level).or_default();
        match verdict.outcome {
            Outcome::Passed => tally.passed += 1,
            Outcome::Waived { .. } => waived += 1,
            Outcome::Skipped { .. } => skipped += 1,
            Outcome::Blocked { .. } => blocked += 1,
            Outcome::Failed { .. } | Outcome::Error { .. } => tally.failed += 1,
        }
    }
    let passed: usize = by_level.values().map(|t| t.passed).sum();
    let failed: usize = by_level.values().map(|t| t.failed).sum();
    let mut line = format!("checks: {passed} passed, {failed} failed");
    if waived > 0 {
        line.push_str(&format!(", {waived} waived"));
    }
    if blocked > 0 {
        line.push_str(&format!(", {blocked} blocked (not evaluated)"));
    }
    if skipped > 0 {
        line.push_str(&format!(", {skipped} skipped"));
    }
    text.line(2, &[(PLAIN, &line)]);
    for level in levels {
        let tally = by_level.remove(&level).unwrap_or_default();
        let mut line = format!(
            "{:<13} {} passed, {} failed",
            level.as_str(),
            tally.passed,
            tally.failed
        );
        let style = match () {
            _ if tally.failed == 0 => PLAIN,
            _ if level.is_blocking(strict) => RED,
            _ => {
                line.push_str(match level {
                    Level::Should => " (warnings: --strict makes them fail the run)",
                    _ => " (for information: never fails the run)",
                });
                YELLOW
            }
        };
        text.line(4, &[(style, &line)]);
    }

    let coverage = crate::report::coverage::Coverage::of(report);
    // At verbosity 0 only the sections something failed or was blocked in.
    let mut sections = coverage
        .rfc_sections()
        .filter(|(_, counts)| verbosity >= 1 || counts.failed + counts.blocked > 0)
        .peekable();
    if sections.peek().is_some() {
        text.line(
            2,
            &[(
                PLAIN,
                "requirements by RFC section (held / failed / waived / skipped / blocked)",
            )],
        );
        for (section, counts) in sections {
            let line = format!(
                "{section:<22} {} / {} / {} / {} / {}",
                counts.held, counts.failed, counts.waived, counts.skipped, counts.blocked
            );
            let style = if counts.failed > 0 { RED } else { PLAIN };
            text.line(4, &[(style, &line)]);
        }
    }

    let mut snapshots = [0usize; 5];
    for run in &report.scenarios {
        let slot = match run.snapshot {
            SnapshotOutcome::NotTaken => continue,
            SnapshotOutcome::Matched { .. } => 0,
            SnapshotOutcome::Written { .. } => 1,
            SnapshotOutcome::Drifted { .. } => 2,
            SnapshotOutcome::Missing { .. } => 3,
            SnapshotOutcome::Accepted { .. } => 4,
        };
        snapshots[slot] += 1;
    }
    let [matched, written, drifted, missing, accepted] = snapshots;
    let line = format!(
        "snapshots: {matched} matched, {written} written, {drifted} drifted, {missing} missing, {accepted} accepted"
    );
    let style = if drifted + missing > 0 { RED } else { PLAIN };
    text.line(2, &[(style, &line)]);
    text.line(2, &[(PLAIN, &format!("target: {}", report.target))]);
    if !report.idp_settings.is_empty() {
        let shown: Vec<String> = report
            .idp_settings
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        let line = format!("IdP settings: {}", shown.join(", "));
        text.line(2, &[(PLAIN, &line)]);
    }
    let adjustments: usize = report.scenarios.iter().map(|r| r.adjustments.len()).sum();
    if adjustments > 0 {
        let line = format!(
            "test data: {} to fit the target's /Schemas (-v lists them)",
            plural(adjustments, "adjustment", "adjustments")
        );
        text.line(2, &[(PLAIN, &line)]);
    }
    if let Some(discovery) = &report.discovery {
        for finding in &discovery.findings {
            text.line(2, &[(YELLOW, "discovery: "), (PLAIN, finding)]);
        }
    }
    text.line(
        2,
        &[(PLAIN, &format!("elapsed: {}", seconds(report.elapsed)))],
    );

    findings::causes_into(text, report, causes);
    findings::failing_checks_into(text, report);
    findings::siblings_into(text, report);

    let total = report.scenarios.len();
    let failed_runs = report
        .scenarios
        .iter()
        .filter(|run| !run.passed(strict))
        .count();
    let skipped_runs = report
        .scenarios
        .iter()
        .filter(|run| run.passed(strict) && run.all_skipped())
        .count();
    let failing_areas = findings::failing_areas(report);
    if failing_areas.is_empty() && failed_runs > 0 {
        let rest = format!(
            " the gated areas held; {failed_runs} of {} failed in areas the gate leaves out",
            plural(total, "scenario", "scenarios")
        );
        text.line(0, &[(PASS, "PASS"), (PASS, &rest)]);
    } else if failing_areas.is_empty() {
        let rest = match (total - skipped_runs, skipped_runs) {
            (0, 0) => " no scenarios ran".to_owned(),
            (1, 0) => " 1 scenario passed".to_owned(),
            (n, 0) => format!(" all {n} scenarios passed"),
            (n, skipped) => format!(
                " {} passed, {skipped} skipped (not advertised)",
                plural(n, "scenario", "scenarios")
            ),
        };
        text.line(0, &[(PASS, "PASS"), (PASS, &rest)]);
    } else {
        let names: Vec<&str> = failing_areas.iter().map(|a| a.name()).collect();
        let rest = format!(
            " {failed_runs} of {} failed; failing areas: {}",
            plural(total, "scenario", "scenarios"),
            names.join(", ")
        );
        text.line(0, &[(FAIL, "FAIL"), (FAIL, &rest)]);
    }
    // Last, so it is what a reader of the tail sees: what is above is a part of the run.
    if let Some(interruption) = &report.interrupted {
        let rest = format!(
            " by {}: what is above is what ran before it; {} did not start, and the runs in flight stopped after their current step and deleted what they created",
            interruption.signal.name(),
            plural(
                interruption.not_started,
                "planned scenario run",
                "planned scenario runs"
            ),
        );
        text.line(0, &[(FAIL, "INTERRUPTED"), (FAIL, &rest)]);
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn seconds(duration: Duration) -> String {
    format!("{:.2}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    #[test]
    fn json_bodies_are_reindented_in_wire_order() {
        // Arrange
        let body =
            br#"{"schemas":["a"],"userName":"b, \"c\": d","active":true,"emails":[],"meta":{}}"#;

        // Act
        let shown = display_body(body);

        // Assert
        assert_eq!(
            shown,
            "{\n  \"schemas\": [\n    \"a\"\n  ],\n  \"userName\": \"b, \\\"c\\\": d\",\n  \"active\": true,\n  \"emails\": [],\n  \"meta\": {}\n}"
        );
    }

    #[test]
    fn bodies_that_are_not_json_are_shown_as_text() {
        assert_eq!(display_body(b"<html>oops</html>"), "<html>oops</html>");
        assert_eq!(display_body(b"{\"a\":"), "{\"a\":");
        assert_eq!(display_body(&[0x66, 0xff]), "f\u{fffd}");
    }

    #[test]
    fn long_bodies_are_cut_after_sixty_lines() {
        // Arrange
        let mut run = fixtures::passing();
        let items: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        run.exchanges[0].response.as_mut().unwrap().body =
            format!("[{}]", items.join(",")).into_bytes();
        run.verdicts[0].outcome = fixtures::failed(&["expected fewer"]);

        // Act
        let text = verdicts_text(&run, &run.verdicts[..1], false);

        // Assert
        assert!(text.contains("< ... 42 more lines (the JSON report has the whole body)\n"));
        assert!(text.contains("<   58,\n"));
        assert!(!text.contains("<   59,\n"));
    }

    #[test]
    fn control_characters_from_the_wire_are_escaped() {
        // Arrange
        let mut run = fixtures::failing_must();
        run.exchanges[0].response.as_mut().unwrap().body = b"evil\x1b[2Jtext\r\n".to_vec();

        // Act
        let text = verdicts_text(&run, &run.verdicts[..1], false);

        // Assert
        assert!(text.contains("< evil\\u{1b}[2Jtext\n"));
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn a_vendor_test_that_differs_from_the_real_idp_says_so_with_its_failure() {
        // Arrange
        let mut report = fixtures::report();
        let failing = report
            .scenarios
            .iter_mut()
            .find(|run| !run.verdicts.is_empty() && run.verdicts[0].outcome.is_failure())
            .expect("a failing run");
        let check = &mut failing.verdicts[0].check;
        check.requirement = Some("A PATCH should return 200 OK.".into());
        check.real_idp = Some("Real Entra sends one operation per attribute.".into());

        // Act
        let text = render(&report, 0);

        // Assert
        assert!(
            text.contains(
                "requires: A PATCH should return 200 OK.\n       real IdP: Real Entra sends one operation per attribute.\n"
            ),
            "{text}"
        );
    }

    // The whole text at each verbosity is pinned with insta (`src/report/snapshots/`): review a
    // change with `cargo insta review`, or `INSTA_UPDATE=always cargo test report::human` and a
    // look at the diff. The tests below pin the facts each verbosity promises.

    #[test]
    fn verbosity_zero_shows_failures_compactly_then_areas_causes_and_failing_checks() {
        // Arrange
        let report = fixtures::report();

        // Act
        let text = render(&report, 0);

        // Assert
        insta::assert_snapshot!("verbosity_zero", text);
        // A run that passed gets no line; one that failed names its causes.
        assert!(!text.contains("okta/user-lifecycle"));
        assert!(text.contains(
            "FAIL okta/create-user (3 checks, 2 failed, 1 blocked, 0.00s) causes #1, #2\n"
        ));
        // Each cause once, with a compact example: request line and body on one line each.
        assert!(text.contains("\ncauses (4, the one affecting most checks first)\n"));
        assert!(text.contains("     FAIL rfc7644.3.3.create-201 (MUST) at step 1: POST /Users\n"));
        assert!(text.contains("       > POST /Users\n       > {\"schemas\":"));
        assert!(!text.contains("> authorization:"));
        assert!(text.contains("\nsummary\n  areas\n    FAIL rfc "));
        assert!(
            text.contains("\nfailing checks (4)\n  FAIL rfc7643.3.1.id-present (MUST), 1 run\n")
        );
        assert!(
            text.ends_with("FAIL 4 of 6 scenarios failed; failing areas: rfc, entra, jumpcloud\n")
        );
    }

    #[test]
    fn verbosity_one_lists_every_verdict_and_whole_exchanges() {
        // Arrange
        let report = fixtures::report();

        // Act
        let text = render(&report, 1);

        // Assert
        insta::assert_snapshot!("verbosity_one", text);
        assert!(text.contains(
            "  BLOCKED 1 check: rfc7644.3.4.1.get-by-id\n    not evaluated: step 1 'POST /Users'"
        ));
        assert!(text.contains(
            "  PASS okta.create.returns-201-with-id (IDP-REQUIRED) at step 1: create user\n"
        ));
        assert!(text.contains("  snapshot matched: snapshots/okta/user-lifecycle.snap\n"));
        assert!(text.contains("    > authorization: Bearer <redacted>\n"));
    }

    #[test]
    fn verbosity_two_prints_every_exchange() {
        // Arrange
        let report = RunReport {
            scenarios: vec![fixtures::passing()],
            ..fixtures::green_report()
        };

        // Act
        let text = render(&report, 2);

        // Assert
        insta::assert_snapshot!("verbosity_two", text);
        assert!(
            text.contains("  exchanges:\n    exchange #1 (step 1, 0.00s)\n      > POST /Users\n")
        );
        assert!(text.contains("    exchange #2 (step 2, 0.00s)\n      > DELETE /Users/u1\n"));
        assert!(text.ends_with("PASS 1 scenario passed\n"));
    }

    #[test]
    fn verbosity_two_includes_the_whole_failing_run_too() {
        // Arrange
        let report = fixtures::report();

        // Act
        let text = render(&report, 2);

        // Assert
        assert!(text.contains(
            "  exchanges:\n    exchange #1 (step 1, 0.00s)\n      > GET /ServiceProviderConfig\n"
        ));
        let quiet = render(&report, 0);
        let causes = &quiet[quiet.find("\ncauses (").unwrap()..];
        assert!(text.ends_with(causes));
    }

    #[test]
    fn a_failed_read_shows_the_accepted_write_it_observes() {
        // Arrange: a PATCH deactivates, the GET after it still finds the user active.
        let mut run = fixtures::run(IdpName::Generic, "deactivate");
        run.exchanges = vec![
            fixtures::exchange(
                Some(0),
                "PATCH",
                "/Users/u1",
                r#"{"Operations":[{"op":"replace","value":{"active":false}}]}"#,
                Some((200, r#"{"id":"u1","active":true}"#)),
            ),
            fixtures::exchange(
                Some(1),
                "GET",
                "/Users/u1",
                "",
                Some((200, r#"{"id":"u1","active":true}"#)),
            ),
        ];
        run.verdicts = vec![fixtures::verdict(
            fixtures::check("rfc7644.3.5.2.replace", Level::Must, None),
            fixtures::failed(&["expected /active to be false", "found true"]),
            1,
            "GET /Users/u1",
            Some(1),
        )];
        let report = RunReport {
            scenarios: vec![run],
            ..fixtures::green_report()
        };

        // Act
        let text = render(&report, 0);

        // Assert
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let at = lines
            .iter()
            .position(|l| *l == "after this write, which the target accepted:")
            .unwrap_or_else(|| panic!("{text}"));
        assert_eq!(
            lines[at + 1..at + 4],
            [
                "> PATCH /Users/u1",
                r#"> {"Operations":[{"op":"replace","value":{"active":false}}]}"#,
                "< HTTP 200 (application/scim+json)",
            ]
        );
    }

    #[test]
    fn a_scenario_that_fails_as_one_profile_and_passes_as_its_sibling_names_the_difference() {
        // Arrange: Entra's default dialect is refused, the compliant one accepted.
        let patch = |op: &str, status: u16| {
            fixtures::exchange(
                Some(0),
                "PATCH",
                "/Users/u1",
                &format!(r#"{{"Operations":[{{"op":"{op}","path":"active"}}]}}"#),
                Some((status, "{}")),
            )
        };
        let mut entra = fixtures::run(IdpName::Entra, "block-sign-in");
        entra.exchanges = vec![patch("Replace", 400)];
        entra.verdicts = vec![fixtures::verdict(
            fixtures::check("entra.update.accepted", Level::IdpRequired, None),
            fixtures::failed(&["expected 200 or 204, got 400"]),
            0,
            "deactivate ada",
            Some(0),
        )];
        let mut compliant = fixtures::run(IdpName::EntraCompliant, "block-sign-in");
        compliant.exchanges = vec![patch("replace", 200)];
        compliant.verdicts = vec![fixtures::verdict(
            fixtures::check("entra.update.accepted", Level::IdpRequired, None),
            Outcome::Passed,
            0,
            "deactivate ada",
            Some(0),
        )];
        let report = RunReport {
            scenarios: vec![entra, compliant],
            ..fixtures::green_report()
        };

        // Act
        let text = render(&report, 0);

        // Assert
        let section = &text[text
            .find("profiles that disagree\n")
            .unwrap_or_else(|| panic!("{text}"))..];
        let lines: Vec<&str> = section.lines().take(4).collect();
        assert_eq!(
            lines,
            [
                "profiles that disagree",
                "  entra fails where entra-compliant passes, in 1 scenario: block-sign-in",
                r#"    e.g. block-sign-in at step 1 (entra.update.accepted): entra sent PATCH /Users/u1 {"Operations":[{"op":"Replace","path":"active"}]} and got 400"#,
                r#"    entra-compliant sent PATCH /Users/u1 {"Operations":[{"op":"replace","path":"active"}]} and got 200"#,
            ]
        );
    }

    #[test]
    fn a_long_drift_shows_its_first_lines_at_verbosity_zero_and_all_of_them_with_v() {
        // Arrange: a transcript rewritten from top to bottom.
        let mut run = fixtures::drifted();
        let mut diff = "--- approved\n+++ actual\n@@ -1,40 +1,40 @@\n".to_owned();
        for line in 0..40 {
            diff.push_str(&format!("-old {line}\n+new {line}\n"));
        }
        run.snapshot = SnapshotOutcome::Drifted {
            path: "snapshots/entra/group-push.snap".into(),
            diff,
        };
        let report = RunReport {
            scenarios: vec![run],
            ..fixtures::green_report()
        };

        // Act
        let quiet = render(&report, 0);
        let verbose = render(&report, 1);

        // Assert
        assert!(quiet.contains("    -old 4\n"));
        assert!(!quiet.contains("+new 4\n"));
        assert!(quiet.contains(
            "    ... 71 more lines of the diff (-v shows it whole, the JSON report has it)\n"
        ));
        assert!(verbose.contains("    +new 39\n"));
        assert!(!verbose.contains("more lines of the diff"));
    }

    #[test]
    fn a_drift_that_repeats_changes_shown_above_is_named_once_at_the_end_at_verbosity_zero() {
        // Arrange: one server change (no Location) drifts two snapshots alike, with other ids;
        // a third drift changes something else too.
        let drift = |path: &str, id: usize, extra: &str| {
            let mut run = fixtures::drifted();
            run.snapshot = SnapshotOutcome::Drifted {
                path: path.into(),
                diff: format!(
                    "--- approved\n+++ actual\n@@ -1,3 +1,2 @@\n context\n-location: <base>/Users/<id-{id}>\n{extra}"
                ),
            };
            run
        };
        let report = RunReport {
            scenarios: vec![
                drift("snapshots/generic/create.snap", 1, ""),
                drift("snapshots/okta/create.snap", 3, ""),
                drift("snapshots/entra/create.snap", 2, "+version: <etag-1>\n"),
            ],
            ..fixtures::green_report()
        };

        // Act
        let quiet = render(&report, 0);
        let verbose = render(&report, 1);

        // Assert
        assert!(quiet.contains("    -location: <base>/Users/<id-1>\n"));
        // The run whose only finding repeats a drift above is named in one closing block.
        assert!(!quiet.contains("snapshots/okta/create.snap"), "{quiet}");
        assert!(
            quiet.contains(&format!(
                "FAIL 1 more scenario run drifted only in lines a drift above changes too (-v shows each diff):\n  {}\n",
                report.scenarios[1].full_name()
            )),
            "{quiet}"
        );
        assert!(!quiet.contains("<id-3>"));
        assert!(quiet.contains("    +version: <etag-1>\n"), "{quiet}");
        assert!(verbose.contains("    -location: <base>/Users/<id-3>\n"));
    }

    #[test]
    fn an_area_whose_checks_were_partly_blocked_is_part_not_pass() {
        // Arrange: a lock-down check blocked by an RFC failure before it.
        let mut run = fixtures::failing_must();
        run.file = "scenarios/lockdown/owns.yaml".into();
        let by = crate::runner::outcome::Blocker {
            step: 0,
            label: "POST /Users".to_owned(),
            why: "was refused".to_owned(),
        };
        run.verdicts.push(fixtures::verdict(
            fixtures::check("lockdown.access.granted", Level::Must, None),
            Outcome::Blocked { by },
            2,
            "expect_access ada allowed",
            None,
        ));
        let report = RunReport {
            scenarios: vec![run],
            ..fixtures::green_report()
        };

        // Act
        let text = render(&report, 0);

        // Assert
        assert!(
            text.contains("    PART lockdown         lock-down: 0 passed, 1 blocked\n"),
            "{text}"
        );
    }

    #[test]
    fn a_scenario_whose_checks_were_all_skipped_is_skip_not_pass() {
        // Arrange
        let mut run = fixtures::run(IdpName::Generic, "bulk");
        run.verdicts = vec![fixtures::verdict(
            fixtures::check("rfc7644.3.7.bulk", Level::Must, None),
            Outcome::Skipped {
                reason: "the target does not advertise bulk".to_owned(),
            },
            0,
            "requires",
            None,
        )];
        let report = RunReport {
            scenarios: vec![fixtures::passing(), run],
            ..fixtures::green_report()
        };

        // Act
        let quiet = render(&report, 0);
        let verbose = render(&report, 1);

        // Assert
        assert!(quiet.starts_with(
            "SKIP generic/bulk (1 check, 0.00s): the target does not advertise bulk\n"
        ));
        assert!(!quiet.contains("WARN"));
        assert!(verbose.contains("  SKIP rfc7644.3.7.bulk (MUST) at step 1: requires\n"));
        assert!(quiet.ends_with("PASS 1 scenario passed, 1 skipped (not advertised)\n"));
    }

    #[test]
    fn a_failure_in_an_area_the_gate_leaves_out_does_not_fail_the_run() {
        // Arrange
        let report = RunReport {
            gate: crate::runner::area::Gate::parse("okta").unwrap(),
            scenarios: vec![fixtures::passing(), fixtures::failing_must()],
            ..fixtures::green_report()
        };

        // Act
        let text = render(&report, 0);

        // Assert
        assert!(report.passed());
        assert!(text.contains("    FAIL rfc "), "{text}");
        assert!(text.contains("(not gated: does not decide the exit code)"));
        assert!(text.ends_with(
            "PASS the gated areas held; 1 of 2 scenarios failed in areas the gate leaves out\n"
        ));
    }

    #[test]
    fn strict_runs_fail_on_should_failures() {
        // Arrange
        let report = RunReport {
            strict: true,
            scenarios: vec![fixtures::failing_should()],
            ..fixtures::green_report()
        };

        // Act
        let text = render(&report, 0);

        // Assert
        assert!(text.starts_with("FAIL entra/etag-support (1 check, 1 failed, 0.00s) causes #1\n"));
        assert!(text.contains("     FAIL rfc7644.3.14.etag (SHOULD)"));
        assert!(!text.contains("a SHOULD: fails the run only with --strict"));
        assert!(text.contains("    SHOULD        0 passed, 1 failed\n"));
        assert!(text.ends_with("FAIL 1 of 1 scenario failed; failing areas: rfc\n"));
    }

    #[test]
    fn an_empty_run_says_so() {
        // Arrange
        let report = RunReport {
            scenarios: vec![],
            ..fixtures::green_report()
        };

        // Act
        let text = render(&report, 0);

        // Assert
        assert!(text.starts_with("summary\n"));
        assert!(text.contains("  snapshots: 0 matched,"));
        assert!(text.ends_with("PASS no scenarios ran\n"));
    }

    #[test]
    fn write_styles_the_same_text_and_strips_styles_when_asked() {
        // Arrange
        let report = fixtures::report();
        let mut coloured = Vec::new();
        let mut plain = Vec::new();

        // Act
        write_with_color(&report, 1, &mut coloured, ColorChoice::Always).unwrap();
        write_with_color(&report, 1, &mut plain, ColorChoice::Never).unwrap();

        // Assert
        let coloured = String::from_utf8(coloured).unwrap();
        let plain = String::from_utf8(plain).unwrap();
        assert_eq!(plain, render(&report, 1));
        assert!(coloured.contains(&format!("{PASS}PASS{PASS:#}")));
        assert!(coloured.contains(&format!("{FAIL}FAIL{FAIL:#}")));
        assert!(coloured.contains(&format!("{WARN}WARN{WARN:#}")));
        assert!(coloured.contains(&format!("{ADDED}+200 OK{ADDED:#}")));
        assert!(coloured.contains(&format!("{REMOVED}-201 Created{REMOVED:#}")));
    }

    #[test]
    fn write_to_a_non_terminal_is_plain() {
        // Arrange
        let report = fixtures::report();
        let mut out: Vec<u8> = Vec::new();

        // Act
        write(&report, 0, &mut out).unwrap();

        // Assert
        assert_eq!(String::from_utf8(out).unwrap(), render(&report, 0));
    }
}
