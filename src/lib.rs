//! scimulate: a SCIM 2.0 conformance harness and mock identity provider.
//!
//! ```
//! use scimulate::harness::Harness;
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! // Okta's SCIM 2.0 SPEC Test against the embedded reference server; `Harness::against(url,
//! // token)` runs it against yours.
//! let report = Harness::embedded().suite("okta-oin-spec").run().await.unwrap();
//! assert!(report.passed());
//! # });
//! ```
//!
//! [`harness`] is the front door for a Rust program or test suite (with the `libtest` feature,
//! the catalogue as one test per scenario and IdP profile).
//!
//! The model in one paragraph: a **target** is the SCIM service provider under test. A
//! **scenario** ([`scenario`]) is a YAML story of steps run as one or more **IdP** profiles;
//! the **runner** ([`runner`]) sends its requests, or hands its directory changes to the IdP
//! module ([`idp`]) that sends them as that IdP does, records every **exchange** with secrets
//! scrubbed, and judges the answers as **checks** with stable ids, levels and sources. Redacted
//! exchanges are compared with approved **snapshots** ([`snapshot`]); [`report`] renders the
//! outcome for terminals, JSON and JUnit. The **reference server** ([`server`]) is scimulate's
//! own SCIM 2.0 server: the default target, the harness's test bed, and a mock target whose
//! **quirks** reproduce how real servers misbehave. [`scim`] is SCIM 2.0 itself (resources,
//! schemas, filters, PATCH, errors), shared by every side and free of HTTP and IdP knowledge.
//! [`clock`] is the time both the server and the IdPs see. [`catalogue`] is the built-in
//! catalogue (scenarios, fixtures, approved snapshots) compiled into the binary, [`suites`]
//! the identity vendors' submission tests within it; [`init`] writes a starting point for a
//! team's repository from it. [`record`] sits above the runner and the snapshots: a proxy that
//! records what a real IdP sends, scrubbed, and writes it as a scenario that replays it.
//!
//! Layering, bottom up (`tests/layering.rs` holds the code to it): [`clock`], [`level`] (check
//! levels), [`suites`] and [`catalogue`]; [`exchange`] (the record of one request and its
//! answer); [`scim`]; [`server`] beside [`idp`]; [`scenario`]; [`target`]; [`snapshot`];
//! [`runner`]; [`report`]; [`load`], [`record`] and [`harness`]; [`init`]; then the binary. A module uses
//! only those below it: `scim` knows nothing of IdPs, scenarios or HTTP frameworks; `idp`
//! knows nothing of the server, the scenario format or the runner (it talks through
//! `idp::wire::Wire`); `server` knows nothing of IdPs; the runner is where they meet.

pub mod catalogue;
pub mod clock;
pub mod exchange;
pub mod files;
#[cfg(test)]
mod fuzzing;
pub mod harness;
pub mod idp;
pub mod init;
pub mod level;
pub mod load;
pub mod record;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod scim;
pub mod server;
pub mod snapshot;
pub mod suites;
pub mod target;
