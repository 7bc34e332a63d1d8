//! Test support for the library-level property tests named `fuzz_*` (`scripts/fuzz.sh`).
//!
//! [`run`] is `proptest!` with two additions: it prints how many cases it executed (the figure
//! `scripts/fuzz.sh` reports), and it fails a case that takes longer than [`CASE_LIMIT`], so a
//! parser that slows down badly on some input fails rather than stalls. The case count is
//! proptest's own: 256 unless `PROPTEST_CASES` says otherwise.

use std::cell::Cell;
use std::time::{Duration, Instant};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// The longest one case may take (a debug build on a loaded machine; real cases take
/// microseconds).
pub const CASE_LIMIT: Duration = Duration::from_secs(5);

/// Runs `property` over values of `strategy`, `PROPTEST_CASES` times (default 256), prints
/// `fuzz NAME: N cases in T`, and panics with the minimal failing input if one fails.
pub fn run<S>(name: &str, strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let config = Config {
        // Failures are reported with their input; no regression file is written.
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let executed = Cell::new(0u64);
    let started = Instant::now();
    let outcome = runner.run(&strategy, |value| {
        executed.set(executed.get() + 1);
        let case = Instant::now();
        property(value)?;
        let took = case.elapsed();
        if took > CASE_LIMIT {
            return Err(TestCaseError::fail(format!("one case took {took:?}")));
        }
        Ok(())
    });
    println!(
        "fuzz {name}: {} cases in {:.2?}",
        executed.get(),
        started.elapsed()
    );
    if let Err(error) = outcome {
        panic!("{name}: {error}");
    }
}
