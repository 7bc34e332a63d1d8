//! The runner: executes scenarios against a target and records exchanges and verdicts.

pub mod exchange;
pub mod outcome;
