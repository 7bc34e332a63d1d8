//! The whole catalogue as this crate's tests: `cargo test` runs each scenario as each IdP
//! profile it names (`okta/okta-assign-creates-user`, `entra/entra-initial-cycle`, …), and
//! `cargo test -- okta/`, `--list`, `--ignored` (the opt-in scenarios and vendor suites) and
//! `cargo nextest run` work as for any test.

use scimulate::harness::Harness;

fn main() {
    let arguments = libtest_mimic::Arguments::from_args();
    // The server runs on this runtime's threads for as long as the tests do.
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let server = runtime
        .block_on(scimulate_embedded_example::start())
        .expect("the server starts");
    let trials = Harness::against(&server.base_url, scimulate_embedded_example::TOKEN)
        // The application API and lock-down probes of the server (lock-down scenarios need it).
        .target_profile(scimulate::runner::app::reference_profile())
        .trials()
        .expect("the catalogue plans");
    libtest_mimic::run(&arguments, trials).exit();
}
