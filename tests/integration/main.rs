//! Integration tests of the reference server over real loopback sockets, gathered in one
//! binary (one link step instead of one per file, which matters on a 2-core machine).

mod support;

mod app;
mod bulk;
mod cli;
mod concurrency;
mod crud;
mod discovery;
mod durability;
mod errors;
mod groups;
mod limits;
mod lists;
mod patch;
mod quirks;
mod robustness;
