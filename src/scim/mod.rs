//! SCIM 2.0 itself (RFC 7643, RFC 7644), with no HTTP, IdP or scenario knowledge.
//!
//! - [`schema`]: attribute definitions, schemas and resource types (RFC 7643 §7, §8.7);
//! - [`path`]: attribute paths (`urn:…:name.sub`);
//! - [`filter`]: filter parsing and evaluation (RFC 7644 §3.4.2.2);
//! - [`patch`]: PATCH parsing and application, every path form (RFC 7644 §3.5.2);
//! - [`resource`]: bringing a client's resource into canonical form and validating it;
//! - [`attributes`]: `attributes` / `excludedAttributes` projection (RFC 7644 §3.4.2.5);
//! - [`list`]: list queries, paging and sorting (RFC 7644 §3.4.2.3, §3.4.2.4);
//! - [`error`]: error bodies (RFC 7644 §3.12).

pub mod attributes;
pub mod error;
pub mod filter;
#[cfg(test)]
mod fuzz;
pub mod list;
pub mod patch;
pub mod path;
pub mod resource;
pub mod schema;

pub use error::{ScimError, ScimType};
