//! The catalogue harness (in progress).
fn main() {}
