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
//! - verbosity 0: scenario lines; failed checks with their exchanges; snapshot drift (the diff)
//!   and missing snapshots; scenario errors; the summary.
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

use crate::runner::exchange::Exchange;
use crate::runner::outcome::{Outcome, RunReport, ScenarioRun, SnapshotOutcome, Verdict};
use crate::scenario::model::{IdpName, Level};

/// Body lines shown per request or response before the rest is elided.
const MAX_BODY_LINES: usize = 60;
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
        verdict_into(&mut text, run, verdict, strict, 0, &mut shown);
    }
    text.finish()
}

/// The snapshot outcome as plain text (the diff for a drift), empty when there is nothing to say.
pub(super) fn snapshot_text(snapshot: &SnapshotOutcome) -> String {
    let mut text = Text::new(false);
    snapshot_into(&mut text, snapshot, 0, 1);
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
    for run in &report.scenarios {
        scenario_into(text, run, report.strict, verbosity);
    }
    if !report.scenarios.is_empty() {
        text.line(0, &[]);
    }
    summary_into(text, report);
}

fn scenario_into(text: &mut Text, run: &ScenarioRun, strict: bool, verbosity: u8) {
    let failed = run
        .verdicts
        .iter()
        .filter(|v| v.is_blocking_failure(strict))
        .count();
    let warnings = run
        .verdicts
        .iter()
        .filter(|v| !v.outcome.is_pass() && !v.is_blocking_failure(strict))
        .count();
    let mut counts = vec![plural(run.verdicts.len(), "check", "checks")];
    if failed > 0 {
        counts.push(format!("{failed} failed"));
    }
    if warnings > 0 {
        counts.push(plural(warnings, "warning", "warnings"));
    }
    counts.push(seconds(run.elapsed));
    let (word, style) = if run.passed(strict) {
        ("PASS", PASS)
    } else {
        ("FAIL", FAIL)
    };
    let rest = format!(" {} ({})", run.full_name(), counts.join(", "));
    text.line(0, &[(style, word), (PLAIN, &rest)]);

    let mut shown = Vec::new();
    for verdict in &run.verdicts {
        if verdict.outcome.is_pass() {
            if verbosity >= 1 {
                let rest = format!(" {}", verdict_title(verdict));
                text.line(2, &[(PASS, "PASS"), (PLAIN, &rest)]);
            }
        } else {
            verdict_into(text, run, verdict, strict, 2, &mut shown);
        }
    }
    if let Some(step) = run.stopped_at {
        let line = format!("stopped at step {}; later steps did not run", step + 1);
        text.line(2, &[(PLAIN, &line)]);
    }
    snapshot_into(text, &run.snapshot, 2, verbosity);
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
}

/// `id (LEVEL) at step N: label`
fn verdict_title(verdict: &Verdict) -> String {
    format!(
        "{} ({}) at step {}: {}",
        verdict.check.id,
        verdict.check.level.as_str(),
        verdict.step + 1,
        verdict.step_name
    )
}

/// A failed verdict: title, source, reasons, and its exchange unless already shown (`shown`
/// holds the exchange indices printed so far in this scenario).
fn verdict_into(
    text: &mut Text,
    run: &ScenarioRun,
    verdict: &Verdict,
    strict: bool,
    indent: usize,
    shown: &mut Vec<usize>,
) {
    let blocking = verdict.is_blocking_failure(strict);
    let (word, style, detail) = if blocking {
        ("FAIL", FAIL, PLAIN)
    } else {
        ("WARN", WARN, YELLOW)
    };
    let rest = format!(" {}", verdict_title(verdict));
    text.line(indent, &[(style, word), (PLAIN, &rest)]);
    let inner = indent + 2;
    if let Some(source) = &verdict.check.source {
        text.line(inner, &[(DIM, "source: "), (PLAIN, source)]);
    }
    if !blocking && verdict.check.level == Level::Should {
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
            exchange_into(text, exchange, inner);
        }
        None => {
            let line = format!("exchange #{} was not recorded", index + 1);
            text.line(inner, &[(DIM, &line)]);
        }
    }
}

fn snapshot_into(text: &mut Text, snapshot: &SnapshotOutcome, indent: usize, verbosity: u8) {
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
            let line = format!(" {} (approved -> actual)", path.display());
            text.line(indent, &[(FAIL, "snapshot drifted:"), (PLAIN, &line)]);
            for line in diff.lines() {
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
            '"' => {
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

fn summary_into(text: &mut Text, report: &RunReport) {
    let strict = report.strict;
    text.line(0, &[(PLAIN, "summary")]);

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
    let (mut waived, mut skipped) = (0, 0);
    for verdict in report.scenarios.iter().flat_map(|run| &run.verdicts) {
        let tally = by_level.entry(verdict.check.level).or_default();
        match verdict.outcome {
            Outcome::Passed => tally.passed += 1,
            Outcome::Waived { .. } => waived += 1,
            Outcome::Skipped { .. } => skipped += 1,
            Outcome::Failed { .. } | Outcome::Error { .. } => tally.failed += 1,
        }
    }
    let passed: usize = by_level.values().map(|t| t.passed).sum();
    let failed: usize = by_level.values().map(|t| t.failed).sum();
    let mut line = format!("checks: {passed} passed, {failed} failed");
    if waived > 0 {
        line.push_str(&format!(", {waived} waived"));
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
    let mut sections = coverage.rfc_sections().peekable();
    if sections.peek().is_some() {
        text.line(
            2,
            &[(
                PLAIN,
                "requirements by RFC section (held / failed / waived / skipped)",
            )],
        );
        for (section, counts) in sections {
            let line = format!(
                "{section:<22} {} / {} / {} / {}",
                counts.held, counts.failed, counts.waived, counts.skipped
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
    text.line(
        2,
        &[(PLAIN, &format!("elapsed: {}", seconds(report.elapsed)))],
    );

    let total = report.scenarios.len();
    let failed_runs = report
        .scenarios
        .iter()
        .filter(|run| !run.passed(strict))
        .count();
    if failed_runs == 0 {
        let rest = match total {
            0 => " no scenarios ran".to_owned(),
            1 => " 1 scenario passed".to_owned(),
            n => format!(" all {n} scenarios passed"),
        };
        text.line(0, &[(PASS, "PASS"), (PASS, &rest)]);
    } else {
        let rest = format!(
            " {failed_runs} of {} failed",
            plural(total, "scenario", "scenarios")
        );
        text.line(0, &[(FAIL, "FAIL"), (FAIL, &rest)]);
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

    const STATUS_LINES: &str = "\
PASS okta/user-lifecycle (2 checks, 0.00s)
FAIL okta/create-user (2 checks, 2 failed, 0.00s)
";

    const CREATE_USER_FAILURE: &str = r#"  FAIL rfc7644.3.3.create-201 (MUST) at step 1: POST /Users
    source: RFC 7644 §3.3
    expected status 201
    found status 200
    > POST /Users
    > accept: application/scim+json
    > authorization: Bearer <redacted>
    > content-type: application/scim+json; charset=utf-8
    >
    > {
    >   "schemas": [
    >     "urn:ietf:params:scim:schemas:core:2.0:User"
    >   ],
    >   "userName": "bjensen@example.com",
    >   "active": true
    > }
    < HTTP 200
    < content-type: application/scim+json
    <
    < {
    <   "userName": "bjensen@example.com"
    < }
  FAIL rfc7643.3.1.id-present (MUST) at step 1: POST /Users
    source: RFC 7643 §3.1
    expected /id to be present
    found no /id
    exchange #1 shown above
  stopped at step 1; later steps did not run
"#;

    const REST_AT_ZERO: &str = r#"PASS entra/etag-support (1 check, 1 warning, 0.00s)
  WARN rfc7644.3.14.etag (SHOULD) at step 1: GET /Users/u1
    source: RFC 7644 §3.14
    a SHOULD: fails the run only with --strict
    expected header etag
    found no etag header
    > GET /Users/u1
    > accept: application/scim+json
    > authorization: Bearer <redacted>
    < HTTP 200
    < content-type: application/scim+json
    <
    < {
    <   "id": "u1"
    < }
FAIL entra/group-push (1 check, 0.00s)
  snapshot drifted: snapshots/entra/group-push.snap (approved -> actual)
    --- approved
    +++ actual
    @@ -1,2 +1,2 @@
     POST /Groups
    -201 Created
    +200 OK
    if the change is intended, run with --accept to approve it
FAIL jumpcloud/user-lifecycle (1 check, 0.00s)
  snapshot missing: snapshots/jumpcloud/user-lifecycle.snap
    no approved snapshot; run with --accept to write it, then review and commit it
FAIL generic/discovery (1 check, 1 failed, 0.00s)
  FAIL rfc7644.4.spc (MUST) at step 1: GET /ServiceProviderConfig
    source: RFC 7644 §4
    could not evaluate: no response: connection refused
    > GET /ServiceProviderConfig
    > accept: application/scim+json
    > authorization: Bearer <redacted>
    ! no response: connection refused
  error: the target could not be reached: connection refused
"#;

    const SUMMARY: &str = "
summary
  generic: 1 scenario, 0 passed, 1 failed
  okta: 2 scenarios, 1 passed, 1 failed
  entra: 2 scenarios, 1 passed, 1 failed
  jumpcloud: 1 scenario, 0 passed, 1 failed
  checks: 4 passed, 4 failed
    MUST          2 passed, 3 failed
    SHOULD        0 passed, 1 failed (warnings: --strict makes them fail the run)
    IDP-REQUIRED  2 passed, 0 failed
    INFO          0 passed, 0 failed
  requirements by RFC section (held / failed / waived / skipped)
    RFC 7643 §3.1          0 / 1 / 0 / 0
    RFC 7644 §3.14         0 / 1 / 0 / 0
    RFC 7644 §3.3          0 / 1 / 0 / 0
    RFC 7644 §3.6          1 / 0 / 0 / 0
    RFC 7644 §4            0 / 1 / 0 / 0
  snapshots: 1 matched, 1 written, 1 drifted, 1 missing, 0 accepted
  target: http://localhost:8080/scim/v2
  elapsed: 0.00s
FAIL 4 of 6 scenarios failed
";

    #[test]
    fn verbosity_zero_shows_failures_with_their_exchanges_and_the_summary() {
        // Arrange
        let report = fixtures::report();

        // Act
        let text = render(&report, 0);

        // Assert
        let expected = format!("{STATUS_LINES}{CREATE_USER_FAILURE}{REST_AT_ZERO}{SUMMARY}");
        assert_eq!(text, expected);
    }

    #[test]
    fn verbosity_one_lists_every_verdict_and_snapshot() {
        // Arrange
        let report = fixtures::report();

        // Act
        let text = render(&report, 1);

        // Assert
        let (should, rest) = REST_AT_ZERO.split_once("FAIL entra/group-push").unwrap();
        let (drift, rest) = rest.split_once("FAIL jumpcloud/user-lifecycle").unwrap();
        let expected = [
            "PASS okta/user-lifecycle (2 checks, 0.00s)\n",
            "  PASS okta.create.returns-201-with-id (IDP-REQUIRED) at step 1: create user\n",
            "  PASS rfc7644.3.6.delete-204 (MUST) at step 2: DELETE /Users/u1\n",
            "  snapshot matched: snapshots/okta/user-lifecycle.snap\n",
            "FAIL okta/create-user (2 checks, 2 failed, 0.00s)\n",
            CREATE_USER_FAILURE,
            should,
            "  snapshot written: snapshots/entra/etag-support.snap (review and commit it)\n",
            "FAIL entra/group-push (1 check, 0.00s)\n",
            "  PASS entra.group.create-201 (IDP-REQUIRED) at step 1: push group\n",
            drift.strip_prefix(" (1 check, 0.00s)\n").unwrap(),
            "FAIL jumpcloud/user-lifecycle (1 check, 0.00s)\n",
            "  PASS rfc7644.3.3.create-201 (MUST) at step 1: POST /Users\n",
            rest.strip_prefix(" (1 check, 0.00s)\n").unwrap(),
            SUMMARY,
        ]
        .concat();
        assert_eq!(text, expected);
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
        let expected = r#"PASS okta/user-lifecycle (2 checks, 0.00s)
  PASS okta.create.returns-201-with-id (IDP-REQUIRED) at step 1: create user
  PASS rfc7644.3.6.delete-204 (MUST) at step 2: DELETE /Users/u1
  snapshot matched: snapshots/okta/user-lifecycle.snap
  exchanges:
    exchange #1 (step 1, 0.00s)
      > POST /Users
      > accept: application/scim+json
      > authorization: Bearer <redacted>
      > content-type: application/scim+json; charset=utf-8
      >
      > {
      >   "schemas": [
      >     "urn:ietf:params:scim:schemas:core:2.0:User"
      >   ],
      >   "userName": "bjensen@example.com",
      >   "active": true
      > }
      < HTTP 201
      < content-type: application/scim+json
      <
      < {
      <   "id": "u1",
      <   "userName": "bjensen@example.com"
      < }
    exchange #2 (step 2, 0.00s)
      > DELETE /Users/u1
      > accept: application/scim+json
      > authorization: Bearer <redacted>
      < HTTP 204
      < content-type: application/scim+json

summary
  okta: 1 scenario, 1 passed, 0 failed
  checks: 2 passed, 0 failed
    MUST          1 passed, 0 failed
    SHOULD        0 passed, 0 failed
    IDP-REQUIRED  1 passed, 0 failed
    INFO          0 passed, 0 failed
  requirements by RFC section (held / failed / waived / skipped)
    RFC 7644 §3.6          1 / 0 / 0 / 0
  snapshots: 1 matched, 0 written, 0 drifted, 0 missing, 0 accepted
  target: embedded
  elapsed: 0.00s
PASS 1 scenario passed
"#;
        assert_eq!(text, expected);
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
        assert!(text.ends_with(SUMMARY));
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
        assert!(text.starts_with(
            "FAIL entra/etag-support (1 check, 1 failed, 0.00s)\n  FAIL rfc7644.3.14.etag (SHOULD)"
        ));
        assert!(!text.contains("a SHOULD: fails the run only with --strict"));
        assert!(text.contains("    SHOULD        0 passed, 1 failed\n"));
        assert!(text.ends_with("FAIL 1 of 1 scenario failed\n"));
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
