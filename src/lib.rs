//! scimulate: a SCIM 2.0 conformance harness and mock identity provider.
//!
//! The model in one paragraph: a **target** is the SCIM service provider under test. The
//! **reference server** ([`server`]) is scimulate's own SCIM 2.0 server: the default target, the
//! harness's test bed, and a mock target whose **quirks** reproduce how real servers misbehave.
//! [`scim`] is SCIM 2.0 itself (resources, schemas, filters, PATCH, errors), shared by every
//! side and free of HTTP and IdP knowledge, so that the server and the harness agree on what
//! the RFCs say.

pub mod clock;
pub mod idp;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod scim;
pub mod server;
pub mod snapshot;
