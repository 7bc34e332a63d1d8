//! What the harness knows about a target beyond its SCIM base URL: the **target profile**, a
//! YAML file (`--target-profile`) that says how to reach the application's own, non-SCIM API,
//! what a refusal looks like there, how to act as a provisioned user, and the data the target
//! accepts.
//!
//! Why a profile: lock-down is a property of the application, not of SCIM. Once SCIM is on, an
//! application must refuse the management that belongs to the IdP and shut a deprovisioned user
//! out at once; only the team that owns it knows which of its requests those are. The profile
//! names them (`probes`), says how a user signs in and what "allowed" and "denied" look like
//! (`access`), and lists setup requests scenarios may run (`requests`). The reference server's
//! own profile (`fixtures/profiles/reference-server.yaml`) is the worked example, and the one
//! used with the embedded server.

pub mod profile;

pub use profile::{TargetProfile, load_profile, profile_schema_text};
