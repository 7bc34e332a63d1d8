//! Snapshots: a scenario's exchanges, redacted into stable text, approved once and compared on
//! every later run.
//!
//! Checks say whether a response held what a scenario asked for; a snapshot catches everything
//! else that changed (a header that appeared, an attribute that vanished, a status that moved),
//! which is what breaks IdPs in practice. The pipeline has three parts, one per file:
//!
//! - [`redact`]: a [`Redactor`] replaces what differs from run to run (base URL, run prefix, ids,
//!   timestamps, ETags, secrets) by stable placeholders, numbered per scenario so that
//!   references between resources stay visible;
//! - [`format`](mod@format): [`render`] lays the redacted exchanges out as the documented text format;
//! - [`store`]: [`check`] compares with `DIR/<idp>/<scenario>.snap` and writes, reports drift
//!   as a unified diff, or accepts, by [`SnapshotMode`].
//!
//! A runner uses them in that order: one `Redactor` per scenario run, `render` at the end of the
//! run, then `check`.

pub mod format;
pub mod redact;
pub mod store;

pub use format::{SnapshotPoint, render};
pub use redact::{RedactionContext, Redactor};
pub use store::{SnapshotError, SnapshotMode, SnapshotOutcome, check, snapshot_path};
