//! The crate's layers, bottom up, and a check that no module reaches up.
//!
//! Each top-level module of `src/` may use only the modules below it in [`LAYERS`]. The check
//! reads every `crate::…` path in the non-test code of `src/` (comments and test modules left
//! out), so a new arrow from a lower layer to a higher one, or a cycle, fails here with the file
//! that drew it. A new top-level module fails until it is given its place.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Bottom up. Modules on one line share a layer and may not use each other.
const LAYERS: [&[&str]; 12] = [
    &["clock", "level", "suites", "catalogue", "fuzzing", "files"],
    &["exchange"],
    &["scim"],
    &["server", "idp"],
    &["scenario"],
    &["target"],
    &["snapshot"],
    &["runner"],
    &["report"],
    &["load", "record", "harness"],
    &["init"],
    &["bin"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level module a file of `src/` belongs to (the binary's files are `bin`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    named(first.trim_end_matches(".rs"))
}

/// A top-level module's name, the binary's modules as `bin`.
fn named(module: &str) -> String {
    match module {
        "main" | "cli" | "cli_load" | "cli_record" => "bin".to_owned(),
        other => other.to_owned(),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's code without its comments and its test module.
fn code_of(text: &str) -> String {
    let code = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    code.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a piece of code names through `crate::`.
fn uses(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .filter(|(at, _)| {
            // `scimulate::crate::` cannot occur; a preceding identifier character means another
            // path (`other_crate::`).
            code[..*at]
                .chars()
                .last()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
        })
        .map(|(at, _)| {
            code[at + "crate::".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn no_module_uses_one_above_it_or_beside_it() {
    // Arrange
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| {
        let name = f.file_name().unwrap().to_string_lossy();
        name != "tests.rs"
            && !name.ends_with("_tests.rs")
            && !f.components().any(|c| c.as_os_str() == "tests")
    });

    // Act
    let mut wrong = Vec::new();
    for file in &files {
        let from = module_of(&src, file);
        if from == "lib" {
            continue;
        }
        let Some(from_layer) = layer_of(&from) else {
            wrong.push(format!(
                "{}: module `{from}` has no place in LAYERS",
                file.display()
            ));
            continue;
        };
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        for to in uses(&code).iter().map(|m| named(m)) {
            if to == from {
                continue;
            }
            match layer_of(&to) {
                Some(to_layer) if to_layer < from_layer => {}
                _ => wrong.push(format!("{}: `{from}` uses `{to}`", file.display())),
            }
        }
    }

    // Assert
    assert!(
        wrong.is_empty(),
        "arrows against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_check_sees_a_use_and_ignores_comments_and_tests() {
    let code = code_of(
        "use crate::runner::x; // crate::report\nfn f() { crate::scim::y(); }\n#[cfg(test)]\nmod tests { use crate::record; }\n",
    );
    assert_eq!(
        uses(&code),
        BTreeSet::from(["runner".to_owned(), "scim".to_owned()])
    );
}
