//! The live progress bar while scenarios run.
//!
//! It is drawn on stderr, so stdout stays the report (`scimulate run > report.txt` captures the
//! report, not the bar), and only when a person is watching: stderr is a terminal and `CI` is
//! not set (CI logs keep every redraw as a line, and they have the report anyway). Otherwise
//! every method is a cheap no-op. Scenarios finish on several tasks at once, so it is
//! `Send + Sync` and takes `&self` (indicatif's bar is a shared handle).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::runner::outcome::ScenarioRun;

/// Spinner, elapsed time, bar, count, and the name of the scenario run that finished last.
const TEMPLATE: &str = "{spinner} [{elapsed}] {bar:30} {pos}/{len} {wide_msg}";

/// Progress over a run's scenario runs.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total` scenario runs, visible only on an interactive stderr outside CI.
    pub fn new(total: u64) -> Self {
        let visible = std::io::stderr().is_terminal() && !in_ci(std::env::var_os("CI"));
        if visible {
            let progress = Self::drawn(total, ProgressDrawTarget::stderr());
            // Tick on a timer, so the spinner and elapsed time move during a slow scenario.
            progress.bar.enable_steady_tick(Duration::from_millis(120));
            progress
        } else {
            Self::hidden(total)
        }
    }

    /// A bar that counts but never draws (`--quiet`, tests, embedding).
    pub fn hidden(total: u64) -> Self {
        Self::drawn(total, ProgressDrawTarget::hidden())
    }

    fn drawn(total: u64, target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), target);
        // The template is a constant that a test parses; the fallback is never taken.
        let style = ProgressStyle::with_template(TEMPLATE)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        Progress { bar }
    }

    /// One scenario run finished: count it and show its name.
    pub fn finished(&self, run: &ScenarioRun) {
        self.bar.set_message(run.full_name());
        self.bar.inc(1);
    }

    /// The run is over: clear the bar so the report that follows starts on a clean line.
    pub fn done(&self) {
        self.bar.finish_and_clear();
    }

    /// Runs `f` with the bar cleared, e.g. to print a line to stderr without tearing the bar.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Whether the bar draws anything.
    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    /// How many scenario runs have finished.
    pub fn position(&self) -> u64 {
        self.bar.position()
    }
}

/// Whether `CI` says we run under continuous integration: set to anything but empty, `0` or
/// `false` (GitHub Actions, GitLab, CircleCI and Buildkite all set `CI=true`).
fn in_ci(value: Option<std::ffi::OsString>) -> bool {
    value.is_some_and(|v| !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn progress_can_be_shared_between_tasks() {
        assert_send_sync::<Progress>();
    }

    #[test]
    fn finished_runs_are_counted_from_any_thread() {
        // Arrange
        let progress = Progress::hidden(4);
        let run = fixtures::passing();

        // Act
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| progress.finished(&run));
            }
        });
        let suspended = progress.suspend(|| 7);
        progress.done();

        // Assert
        assert_eq!(suspended, 7);
        assert_eq!(progress.position(), 4);
        assert!(progress.is_hidden());
        assert_eq!(progress.bar.message(), "okta/user-lifecycle");
    }

    #[test]
    fn the_bar_template_parses() {
        assert!(ProgressStyle::with_template(TEMPLATE).is_ok());
    }

    #[test]
    fn ci_is_recognised_by_its_usual_values() {
        assert!(in_ci(Some("true".into())));
        assert!(in_ci(Some("1".into())));
        assert!(!in_ci(Some("false".into())));
        assert!(!in_ci(Some("0".into())));
        assert!(!in_ci(Some("".into())));
        assert!(!in_ci(None));
    }

    #[test]
    fn outside_a_terminal_the_bar_is_hidden() {
        // cargo test captures stderr only in-process; when the test binary's stderr is a pipe
        // (CI, `cargo test 2>log`) the bar must be hidden. On a terminal this checks nothing.
        if !std::io::stderr().is_terminal() {
            assert!(Progress::new(3).is_hidden());
        }
    }
}
