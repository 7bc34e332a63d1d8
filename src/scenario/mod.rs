//! Scenario files: the format ([`model`]), loading them with line/column errors, validation,
//! and the JSON Schema generated from the types.

pub mod model;
