//! SCIM filters (RFC 7644 §3.4.2.2): the whole grammar, parsed once and evaluated over JSON.
//!
//! The parser (`parse`) is hand-written recursive descent so that every error names the
//! position and the reason, which the reference server returns as `400 invalidFilter`. The
//! evaluator (`eval`) is driven by the attribute definitions in [`crate::scim::schema`]:
//! `caseExact` and the attribute's type decide how two values compare ("by type": dates as
//! instants, booleans as booleans, numbers as numbers).
//!
//! The life of a filter: [`Filter::parse`] (syntax, `400 invalidFilter` with an offset), then
//! [`Filter::check`] against the resource type (unknown attributes, comparisons the type does
//! not support), then [`Filter::matches`] per resource, with [`Filter::required_equality`]
//! naming an `attr eq "…"` an index can answer first. Value paths inside PATCH paths
//! (`members[value eq "…"]`) use [`Filter::check_element`] and [`Filter::matches_element`].
//! A filter's `Display` parses back to the same filter.

mod eval;
mod parse;

use std::fmt;

use serde_json::Value;

use super::path::AttrPath;

/// A comparison operator (RFC 7644 §3.4.2.2, Table 3), matched case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath op compValue`; the value is a JSON string, number, boolean or null.
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: Value,
    },
    /// `attrPath pr`.
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    /// `not (filter)`.
    Not(Box<Filter>),
    /// `attrPath[valFilter]`: the inner filter's paths name sub-attributes of `path`.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// Why a filter does not parse, with the byte offset where parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter at offset {offset}: {reason}")]
pub struct FilterError {
    pub offset: usize,
    pub reason: String,
}

impl Filter {
    /// Parses a filter expression.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        parse::parse(text)
    }
}

impl fmt::Display for Filter {
    /// Renders a filter that parses back to the same tree: every binary and `not` operand is
    /// parenthesised where precedence would otherwise change its meaning.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        parse::display(self, f)
    }
}
