//! Reading scenario files: finding them, parsing them strictly, and turning every failure into a
//! [`Problem`] that names the file, line and column.
//!
//! Why strict: a scenario is a claim about what a SCIM server must do, so a file that YAML reads
//! differently from how its author wrote it is a wrong test, not a convenience. YAML 1.1 turns
//! `no` into `false` and `010` into `8`; in a request body that silently changes what is sent
//! (a country code `NO`, a zip code `01234`). So booleans are YAML 1.2 only (`true`/`false`),
//! numbers with a leading zero or `_` stay strings, duplicate keys, merge keys (`<<`) and
//! unknown tags are errors, and budgets bound what a hostile or broken file can cost (alias
//! bombs, deep nesting, huge scalars). See `yaml_options`.
//!
//! Why suggestions: the format denies unknown fields, and an author who wrote `expcet:` wants
//! `expect:`, not the list of every key. Unknown keys and step kinds get the nearest expected
//! name by edit distance.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_saphyr::{DuplicateKeyPolicy, MergeKeyPolicy, MessageFormatter, UserMessageFormatter};

use super::model::Scenario;

/// The largest scenario file read. Hand-written scenarios are a few kilobytes; anything near
/// this is a mistake (a binary, a log), and refusing it early keeps `validate` fast.
pub const MAX_SOURCE_BYTES: usize = 4 * 1024 * 1024;

/// One thing wrong with a scenario file, located as precisely as is known.
///
/// Displayed as `file:line:column: message` (or `file:line: message`, `file: message`), the
/// layout editors and CI annotators recognise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based.
    pub line: Option<usize>,
    /// 1-based, in characters.
    pub column: Option<usize>,
    /// What is wrong, including any "did you mean" hint.
    pub message: String,
    /// The likely intended spelling, when there is one (a key, a step kind, a variable).
    pub suggestion: Option<String>,
}

impl Problem {
    /// A problem with no known position.
    pub fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> Problem {
        Problem {
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            suggestion: None,
        }
    }

    /// The same problem at `line:column` (both 1-based).
    #[must_use]
    pub fn at(mut self, position: Option<(usize, usize)>) -> Problem {
        if let Some((line, column)) = position {
            self.line = Some(line);
            self.column = Some(column);
        }
        self
    }

    /// The same problem with a suggested spelling.
    #[must_use]
    pub fn suggest(mut self, suggestion: impl Into<String>) -> Problem {
        self.suggestion = Some(suggestion.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for Problem {}

/// The YAML reader's configuration: where the strictness lives.
///
/// - `strict_booleans`: only `true`/`false` (any case) are booleans; `yes`, `no`, `on`, `off`,
///   `y`, `n` are strings, in typed fields and in free-form `body:` values alike.
/// - `leading_zero_numbers_as_strings`, `underscored_numbers_as_strings`: `007` and `1_000`
///   in free-form values stay strings (YAML 1.1 would read octal / a grouped number).
/// - `duplicate_keys: Error`: a repeated key is an error, never "last one wins".
/// - `merge_keys: Error`: `<<` is YAML 1.1 only, and tools disagree on it.
/// - `reject_unsupported_tags`: `!custom` tags would otherwise be dropped silently.
/// - a budget and alias limits sized for hand-written files, so an alias bomb or a deeply
///   nested document fails fast with a message instead of exhausting memory.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        duplicate_keys: DuplicateKeyPolicy::Error,
        merge_keys: MergeKeyPolicy::Error,
        reject_unsupported_tags: true,
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_nodes: 100_000,
            max_events: 400_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_total_scalar_bytes: MAX_SOURCE_BYTES,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
            max_replay_stack_depth: 16,
        },
    }
}

/// Parses one scenario from `text`; `file` is only used to label problems.
///
/// Parsing stops at the first error (serde's model), so the `Vec` holds one problem; it is a
/// `Vec` so that callers treat loading and [`validate`](fn@super::validate) alike.
pub fn load_str(text: &str, file: &Path) -> Result<Scenario, Vec<Problem>> {
    if text.len() > MAX_SOURCE_BYTES {
        return Err(vec![Problem::new(
            file,
            format!(
                "file is {} bytes; scenario files are limited to {MAX_SOURCE_BYTES}",
                text.len()
            ),
        )]);
    }
    serde_saphyr::from_str_with_options::<Scenario>(text, yaml_options())
        .map_err(|err| vec![yaml_problem(&err, file)])
}

/// Reads and parses one scenario file.
pub fn load_file(path: &Path) -> Result<Scenario, Vec<Problem>> {
    let text = read_source(path).map_err(|problem| vec![problem])?;
    load_str(&text, path)
}

/// Reads a scenario file as UTF-8 text, refusing anything larger than [`MAX_SOURCE_BYTES`].
pub(crate) fn read_source(path: &Path) -> Result<String, Problem> {
    let size = std::fs::metadata(path)
        .map_err(|err| Problem::new(path, format!("cannot read: {err}")))?
        .len();
    if size > MAX_SOURCE_BYTES as u64 {
        return Err(Problem::new(
            path,
            format!("file is {size} bytes; scenario files are limited to {MAX_SOURCE_BYTES}"),
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|err| Problem::new(path, format!("cannot read: {err}")))?;
    String::from_utf8(bytes).map_err(|err| {
        let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = valid.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        Problem::new(path, "file is not valid UTF-8").at(Some((line, column)))
    })
}

/// The scenario files named by `paths`: a file is taken as given (whatever its extension); a
/// directory is walked recursively for `*.yaml` and `*.yml`. Each directory's files are sorted
/// by path, so the order is the same on every machine; files are not repeated.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Problem> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|err| {
            let message = if err.kind() == std::io::ErrorKind::NotFound {
                "no such file or directory".to_owned()
            } else {
                format!("cannot read: {err}")
            };
            Problem::new(path, message)
        })?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            files.sort();
            found.extend(files);
        } else {
            found.push(path.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|path| seen.insert(path.clone()));
    Ok(found)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), Problem> {
    let entries =
        std::fs::read_dir(dir).map_err(|err| Problem::new(dir, format!("cannot read: {err}")))?;
    for entry in entries {
        let entry = entry.map_err(|err| Problem::new(dir, format!("cannot read: {err}")))?;
        let path = entry.path();
        // `metadata` follows symlinks, so a linked directory of scenarios is walked too.
        let meta = std::fs::metadata(&path)
            .map_err(|err| Problem::new(&path, format!("cannot read: {err}")))?;
        if meta.is_dir() {
            walk(&path, files)?;
        } else if is_yaml(&path) {
            files.push(path);
        }
    }
    Ok(())
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|ext| ext.to_str()),
        Some("yaml" | "yml")
    )
}

/// Turns a YAML or serde error into a problem at the error's location.
pub(crate) fn yaml_problem(err: &serde_saphyr::Error, file: &Path) -> Problem {
    use serde_saphyr::Error;

    let position = err.location().and_then(|location| {
        let line = usize::try_from(location.line()).ok()?;
        let column = usize::try_from(location.column()).ok()?;
        (line > 0).then_some((line, column.max(1)))
    });
    let problem = match original(err) {
        Error::SerdeUnknownField {
            field, expected, ..
        } => unknown("field", field, expected, file),
        Error::SerdeUnknownVariant {
            variant, expected, ..
        } => unknown("variant", variant, expected, file),
        Error::DuplicateMappingKey { key: Some(key), .. } => {
            Problem::new(file, format!("duplicate key `{}`", sanitize(key)))
        }
        Error::MergeKeyNotAllowed { .. } => Problem::new(
            file,
            "merge keys (`<<`) are not allowed in scenario files; repeat the keys, or use an alias (`*name`) for a whole value",
        ),
        Error::ExpectedMappingEndAfterEnumVariantValue { .. } => Problem::new(
            file,
            "a step has exactly one key, its kind (`request:`, `snapshot:`); indent the step's fields under it",
        ),
        Error::Unexpected { expected, .. } if *expected == "mapping start" => Problem::new(
            file,
            "expected a mapping here (`key: value` lines, indented under their parent)",
        ),
        other => {
            let message = UserMessageFormatter.format_message(other);
            // Untagged enums fail without saying what they accept; say it.
            let message = if message.contains("untagged enum Capture") {
                "a capture is a JSON pointer (`/id`) or `{header: Name}`".into()
            } else if message.contains("untagged enum StatusExpect") {
                "`status` is a status code (`200`) or a list of them (`[200, 204]`)".into()
            } else {
                message
            };
            Problem::new(file, sanitize(&message))
        }
    };
    problem.at(position)
}

/// The error inside alias and snippet wrappers.
fn original(mut err: &serde_saphyr::Error) -> &serde_saphyr::Error {
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = err
    {
        err = error;
    }
    err
}

/// `unknown field `x`, did you mean `y`?`, or the list of expected names when none is close.
fn unknown(what: &str, found: &str, expected: &[&'static str], file: &Path) -> Problem {
    let shown = sanitize(found);
    match closest(found, expected.iter().copied()) {
        Some(best) => Problem::new(
            file,
            format!("unknown {what} `{shown}`, did you mean `{best}`?"),
        )
        .suggest(best),
        None if expected.is_empty() => Problem::new(file, format!("unknown {what} `{shown}`")),
        None => {
            let names: Vec<String> = expected.iter().map(|name| format!("`{name}`")).collect();
            Problem::new(
                file,
                format!(
                    "unknown {what} `{shown}`, expected one of {}",
                    names.join(", ")
                ),
            )
        }
    }
}

/// Escapes control characters, so a message from hostile input stays one line.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// The candidate nearest to `word`, if it is near enough to be what was meant: a case-only
/// difference, or an edit distance (with transpositions) of at most a third of the word's
/// length (at least 1).
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != word)
        .map(|candidate| (edit_distance(&lower, &candidate.to_lowercase()), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
/// transpositions (`expcet` → `expect` is 1).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: two back (for transpositions), one back, current.
    let mut two_back = vec![0; b.len() + 1];
    let mut one_back: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (one_back[j] + 1)
                .min(current[j - 1] + 1)
                .min(one_back[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(two_back[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut two_back, &mut one_back);
        std::mem::swap(&mut one_back, &mut current);
    }
    one_back[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::Step;
    use proptest::prelude::*;
    use serde_json::json;

    fn file() -> PathBuf {
        PathBuf::from("scenarios/x.yaml")
    }

    /// The single problem of text that must not load.
    fn problem(text: &str) -> Problem {
        let problems = load_str(text, &file()).expect_err("the text must not load");
        assert_eq!(problems.len(), 1, "{problems:?}");
        problems.into_iter().next().unwrap()
    }

    fn position(problem: &Problem) -> (Option<usize>, Option<usize>) {
        (problem.line, problem.column)
    }

    fn request_body(scenario: &Scenario) -> &serde_json::Value {
        match &scenario.steps[0] {
            Step::Request(request) => request.body.as_ref().expect("a body"),
            other => panic!("expected a request step, got {other:?}"),
        }
    }

    const HEAD: &str = "name: x\ndescription: d\n";

    #[test]
    fn yaml_1_1_booleans_stay_strings_in_a_body() {
        let text = format!(
            "{HEAD}steps:\n  - request:\n      method: POST\n      path: /Users\n      body: {{active: no, a: yes, b: on, c: off, d: y, e: NO, f: true, g: False}}\n"
        );

        let scenario = load_str(&text, &file()).unwrap();

        assert_eq!(
            request_body(&scenario),
            &json!({"active": "no", "a": "yes", "b": "on", "c": "off", "d": "y", "e": "NO", "f": true, "g": false})
        );
    }

    #[test]
    fn leading_zero_and_underscored_numbers_stay_strings_in_a_body() {
        let text = format!(
            "{HEAD}steps:\n  - request:\n      method: POST\n      path: /Users\n      body: {{zip: 01234, grouped: 1_000, plain: 12, real: 1.5}}\n"
        );

        let scenario = load_str(&text, &file()).unwrap();

        assert_eq!(
            request_body(&scenario),
            &json!({"zip": "01234", "grouped": "1_000", "plain": 12, "real": 1.5})
        );
    }

    #[test]
    fn a_yaml_1_1_boolean_is_a_string_in_a_string_field() {
        let text = "name: no\ndescription: yes\nsteps:\n  - snapshot: off\n";

        let scenario = load_str(text, &file()).unwrap();

        assert_eq!(scenario.name, "no");
        assert_eq!(scenario.description, "yes");
        assert_eq!(scenario.steps, vec![Step::Snapshot("off".into())]);
    }

    #[test]
    fn a_yaml_1_1_boolean_is_rejected_where_a_boolean_is_required() {
        let text = format!(
            "{HEAD}steps:\n  - request:\n      method: GET\n      path: /Users\n      expect:\n        json:\n          - pointer: /id\n            exists: yes\n"
        );

        let problem = problem(&text);

        assert_eq!(position(&problem), (Some(10), Some(21)));
        assert!(problem.message.contains("boolean"), "{problem}");
    }

    #[test]
    fn a_duplicate_key_is_an_error_at_the_second_key() {
        let text = "name: x\ndescription: d\nname: y\nsteps: []\n";

        let problem = problem(text);

        assert_eq!(position(&problem), (Some(3), Some(1)));
        assert_eq!(problem.message, "duplicate key `name`");
    }

    #[test]
    fn a_duplicate_key_inside_a_body_is_an_error() {
        let text = format!(
            "{HEAD}steps:\n  - request:\n      method: POST\n      path: /Users\n      body:\n        userName: a\n        userName: b\n"
        );

        let problem = problem(&text);

        assert_eq!(position(&problem), (Some(9), Some(9)));
        assert!(problem.message.contains("userName"), "{problem}");
    }

    #[test]
    fn a_misspelt_top_level_key_gets_a_suggestion_at_the_key() {
        let text = "name: x\ndescription: d\nsteps: []\nsorce: RFC 7644\n";

        let problem = problem(text);

        assert_eq!(position(&problem), (Some(4), Some(1)));
        assert_eq!(problem.suggestion.as_deref(), Some("source"));
        assert_eq!(
            problem.to_string(),
            "scenarios/x.yaml:4:1: unknown field `sorce`, did you mean `source`?"
        );
    }

    #[test]
    fn a_misspelt_key_inside_a_step_gets_a_suggestion_at_the_key() {
        let text = format!(
            "{HEAD}steps:\n  - request:\n      method: GET\n      path: /Users\n      expcet:\n        status: 200\n"
        );

        let problem = problem(&text);

        assert_eq!(
            problem.to_string(),
            "scenarios/x.yaml:7:7: unknown field `expcet`, did you mean `expect`?"
        );
        assert_eq!(problem.suggestion.as_deref(), Some("expect"));
    }

    #[test]
    fn a_misspelt_key_inside_expect_gets_a_suggestion_at_the_key() {
        let text = format!(
            "{HEAD}steps:\n  - request:\n      method: GET\n      path: /Users\n      expect:\n        stauts: 200\n"
        );

        let problem = problem(&text);

        assert_eq!(position(&problem), (Some(8), Some(9)));
        assert_eq!(problem.suggestion.as_deref(), Some("status"));
        assert_eq!(
            problem.message,
            "unknown field `stauts`, did you mean `status`?"
        );
    }

    #[test]
    fn a_misspelt_step_kind_gets_a_suggestion_at_the_kind() {
        let text = format!("{HEAD}steps:\n  - snapshot: first\n  - requets:\n      method: GET\n");

        let problem = problem(&text);

        assert_eq!(position(&problem), (Some(5), Some(5)));
        assert_eq!(problem.suggestion.as_deref(), Some("request"));
        assert_eq!(
            problem.message,
            "unknown variant `requets`, did you mean `request`?"
        );
    }

    #[test]
    fn a_key_far_from_every_expected_name_lists_them_instead() {
        let text = "name: x\ndescription: d\nsteps: []\nzzzzzz: 1\n";

        let problem = problem(text);

        assert_eq!(problem.suggestion, None);
        assert_eq!(
            problem.message,
            "unknown field `zzzzzz`, expected one of `name`, `description`, `tags`, `idps`, `source`, `requires`, `exclusive`, `opt_in`, `idp_settings`, `steps`"
        );
    }

    #[test]
    fn a_misspelt_idp_gets_a_suggestion() {
        let text = "name: x\ndescription: d\nidps: [generic, okat]\nsteps: []\n";

        let problem = problem(text);

        assert_eq!(problem.suggestion.as_deref(), Some("okta"));
        assert_eq!(position(&problem), (Some(3), Some(17)));
    }

    #[test]
    fn malformed_yaml_is_a_problem_with_a_position() {
        let text = "name: x\ndescription: d\nsteps: [\n";

        let problem = problem(text);

        assert_eq!(problem.line, Some(3));
        assert!(problem.column.is_some());
        assert!(problem.message.contains("bracket"), "{problem}");
    }

    #[test]
    fn step_fields_beside_the_kind_say_to_indent_them() {
        let text = format!("{HEAD}steps:\n  - snapshot: a\n    request: {{method: GET}}\n");

        let problem = problem(&text);

        assert_eq!(problem.line, Some(5));
        assert!(problem.message.contains("exactly one key"), "{problem}");
    }

    #[test]
    fn an_alias_bomb_is_refused() {
        let mut text = format!(
            "{HEAD}steps:\n  - request:\n      method: POST\n      path: /\n      body:\n        a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        );
        for (name, previous) in ["b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .zip(["a", "b", "c", "d", "e", "f", "g"])
        {
            let items = vec![format!("*{previous}"); 10].join(", ");
            text.push_str(&format!("        {name}: &{name} [{items}]\n"));
        }

        let problem = problem(&text);

        assert!(
            problem.message.contains("too large or too complex"),
            "{problem}"
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let text = format!(
            "{HEAD}steps:\n  - request:\n      method: POST\n      path: /\n      body: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );

        let problem = problem(&text);

        assert_eq!(problem.line, Some(7));
    }

    #[test]
    fn an_oversized_text_is_refused_before_parsing() {
        let text = format!("{HEAD}steps: []\n#{}\n", "x".repeat(MAX_SOURCE_BYTES));

        let problem = problem(&text);

        assert_eq!(problem.line, None);
        assert!(problem.message.contains("limited to"), "{problem}");
    }

    #[test]
    fn a_file_that_is_not_utf8_is_a_problem_at_the_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.yaml");
        std::fs::write(&path, b"name: x\ndescription: caf\xe9\n").unwrap();

        let problems = load_file(&path).unwrap_err();

        assert_eq!(problems.len(), 1);
        assert_eq!(position(&problems[0]), (Some(2), Some(17)));
        assert_eq!(problems[0].message, "file is not valid UTF-8");
    }

    #[test]
    fn load_file_reads_a_scenario() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ok.yaml");
        std::fs::write(&path, "name: ok\ndescription: d\nsteps:\n  - snapshot: s\n").unwrap();

        let scenario = load_file(&path).unwrap();

        assert_eq!(scenario.name, "ok");
    }

    #[test]
    fn a_problem_displays_as_file_line_column_message() {
        let located = Problem::new(
            "scenarios/x.yaml",
            "unknown field `expcet`, did you mean `expect`?",
        )
        .at(Some((12, 5)));
        let unlocated = Problem::new("scenarios/x.yaml", "no such file or directory");

        assert_eq!(
            located.to_string(),
            "scenarios/x.yaml:12:5: unknown field `expcet`, did you mean `expect`?"
        );
        assert_eq!(
            unlocated.to_string(),
            "scenarios/x.yaml: no such file or directory"
        );
    }

    #[test]
    fn control_characters_in_a_key_are_escaped_in_the_message() {
        let text = "name: x\ndescription: d\nsteps: []\n\"a\\nb\": 1\n";

        let problem = problem(text);

        assert!(!problem.message.contains('\n'), "{problem:?}");
        assert!(problem.message.contains("a\\nb"), "{problem:?}");
    }

    #[test]
    fn discovery_walks_directories_in_sorted_order() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("okta/nested")).unwrap();
        std::fs::create_dir_all(root.join("entra")).unwrap();
        for name in [
            "b.yaml",
            "a.yml",
            "okta/nested/z.yaml",
            "okta/m.yaml",
            "entra/x.yaml",
            "notes.txt",
            "okta/readme.md",
        ] {
            std::fs::write(root.join(name), "").unwrap();
        }
        let explicit = root.join("notes.txt");

        let found = discover(&[explicit.clone(), root.to_path_buf()]).unwrap();

        let expected: Vec<PathBuf> = [
            "notes.txt",
            "a.yml",
            "b.yaml",
            "entra/x.yaml",
            "okta/m.yaml",
            "okta/nested/z.yaml",
        ]
        .iter()
        .map(|name| root.join(name))
        .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn discovery_lists_a_file_once_however_often_it_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.yaml");
        std::fs::write(&file, "").unwrap();

        let found = discover(&[file.clone(), dir.path().to_path_buf(), file.clone()]).unwrap();

        assert_eq!(found, vec![file]);
    }

    #[test]
    fn discovery_of_a_missing_path_is_a_problem_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");

        let problem = discover(&[dir.path().to_path_buf(), missing.clone()]).unwrap_err();

        assert_eq!(problem.file, missing);
        assert_eq!(problem.message, "no such file or directory");
    }

    #[test]
    fn edit_distance_counts_a_transposition_as_one_edit() {
        assert_eq!(edit_distance("expcet", "expect"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn closest_prefers_the_nearest_and_ignores_the_far() {
        let names = ["status", "headers", "body", "json"];

        assert_eq!(closest("stats", names), Some("status"));
        assert_eq!(closest("Body", names), Some("body"));
        assert_eq!(closest("xyz", names), None);
    }

    proptest! {
        #[test]
        fn loading_never_panics_on_arbitrary_text(text in ".{0,400}") {
            let _ = load_str(&text, &file());
        }

        #[test]
        fn loading_never_panics_on_scenario_shaped_text(
            pieces in proptest::collection::vec(
                prop_oneof![
                    Just("name: x\n"), Just("description: d\n"), Just("steps:\n"),
                    Just("  - request:\n"), Just("      method: GET\n"), Just("      path: /\n"),
                    Just("      body: {a: no}\n"), Just("  - snapshot: s\n"), Just("      expect:\n"),
                    Just("        json:\n"), Just("          - pointer: /id\n"), Just("            exists: true\n"),
                    Just("&a "), Just("*a"), Just("["), Just("]"), Just("{"), Just("}"), Just(": "),
                    Just("- "), Just("  "), Just("\n"), Just("\t"), Just("\""), Just("'"), Just("? "),
                    Just("<<: "), Just("!tag "), Just("---\n"), Just("{{id}}"), Just("#"), Just("|\n"),
                ],
                0..40,
            )
        ) {
            let _ = load_str(&pieces.concat(), &file());
        }
    }
}
