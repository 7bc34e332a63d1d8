//! Rebuilds the crate when the built-in catalogue changes: `catalogue` embeds `scenarios/`,
//! `fixtures/` and `snapshots/` with `include_dir!`, whose reads cargo cannot see.

fn main() {
    for dir in ["scenarios", "fixtures", "snapshots"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
