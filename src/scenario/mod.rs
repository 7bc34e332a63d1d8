//! Scenario files: the format ([`model`]), loading them with line/column errors, validation,
//! and the JSON Schema generated from the types.

pub mod load;
pub mod model;
pub mod schema;
pub mod validate;

pub use load::{Problem, discover, load_file, load_str};
pub use schema::{json_schema, json_schema_text};
pub use validate::{BUILTIN_VARIABLES, check_scenario, validate, variables_in};
