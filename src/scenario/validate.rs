//! Validation: everything the types cannot say, checked before anything is sent.
//!
//! Why here and not at run time: a scenario that refers to a variable no earlier step captured,
//! or names a fixture that does not exist, fails halfway through a run against a customer's
//! server, after it has created users there. Checking the whole catalogue up front, and
//! reporting every problem in every file at once, keeps the edit-run loop short and makes
//! `scimulate validate` a CI gate.
//!
//! Problems point at the offending key or value. Positions come from a second, untyped pass
//! over the same text that records where every key and value starts (`SourceMap`); if that
//! pass cannot map a document (e.g. complex keys), the key is searched for in the text.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

use super::load::{Problem, closest, discover, load_str, read_source, sanitize, yaml_options};
use super::model::{Capture, Expect, JsonAssertion, RequestStep, Scenario, Step};

/// Variables every run defines: a per-run prefix for the names of created resources, the
/// run's id, and the target's base URL (what a replay of recorded traffic puts where the
/// recording named its server's).
pub const BUILTIN_VARIABLES: [&str; 4] =
    ["run.prefix", "run.prefix_upper", "run.id", "run.base_url"];

/// Loads every scenario under `paths` (files, or directories walked as in [`discover`]) and
/// checks each one, and the set (scenario names are unique across it).
///
/// Returns the scenarios that parsed, in discovery order, and every problem found in any file,
/// grouped by file in the same order and sorted by position within a file. A scenario that
/// parsed but has problems is still returned (so `list` can show it); a run should refuse to
/// start while the problem list is not empty.
pub fn validate(paths: &[PathBuf]) -> (Vec<(PathBuf, Scenario)>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems: Vec<Vec<Problem>> = Vec::new();
    for path in paths {
        match discover(std::slice::from_ref(path)) {
            Ok(found) => files.extend(found),
            Err(problem) => problems.push(vec![problem]),
        }
    }
    let mut seen = HashSet::new();
    files.retain(|file| seen.insert(file.clone()));

    let mut scenarios = Vec::new();
    // Scenario name -> the file that used it first.
    let mut names: HashMap<String, PathBuf> = HashMap::new();
    for file in files {
        let mut found = Vec::new();
        match read_source(&file) {
            Err(problem) => found.push(problem),
            Ok(text) => match load_str(&text, &file) {
                Err(load_problems) => {
                    let more = problems_in_other_steps(&text, &file, &load_problems);
                    found.extend(load_problems);
                    found.extend(more);
                }
                Ok(scenario) => {
                    let mut checker = Checker::new(&text, &file);
                    found.extend(checker.check(&scenario));
                    match names.get(&scenario.name) {
                        Some(first) => found.push(
                            Problem::new(
                                &file,
                                format!(
                                    "scenario name `{}` is already used by {}",
                                    sanitize(&scenario.name),
                                    first.display()
                                ),
                            )
                            .at(checker.value(&[K("name")])),
                        ),
                        None => {
                            names.insert(scenario.name.clone(), file.clone());
                        }
                    }
                    scenarios.push((file, scenario));
                }
            },
        }
        sort_by_position(&mut found);
        problems.push(found);
    }
    (scenarios, problems.into_iter().flatten().collect())
}

/// Parsing stops at a file's first error; a file with several broken steps should say so in
/// one go. So the step holding the error is blanked out (its lines emptied, so every position
/// stays where it was) and the file parsed again, until it parses or the error is outside the
/// steps. The checks that need the whole scenario (variables, check ids) wait until it parses.
fn problems_in_other_steps(text: &str, file: &Path, first: &[Problem]) -> Vec<Problem> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut found = Vec::new();
    let mut at = first.last().and_then(|p| p.line);
    for _ in 0..64 {
        let Some(line) = at else { break };
        let Some((start, end)) = step_lines(&lines, line) else {
            break;
        };
        for blanked in &mut lines[start..end] {
            blanked.clear();
        }
        let Err(problems) = load_str(&lines.join("\n"), file) else {
            break;
        };
        let next = problems.last().and_then(|p| p.line);
        if next == at {
            break;
        }
        at = next;
        found.extend(problems);
    }
    found
}

/// The 0-based line range of the step (an item of the top-level `steps:` list) that holds the
/// 1-based `line`, if it is in one.
fn step_lines(lines: &[String], line: usize) -> Option<(usize, usize)> {
    let steps = lines.iter().position(|l| l.trim_end() == "steps:")?;
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let first_item = lines[steps + 1..]
        .iter()
        .position(|l| l.trim_start().starts_with("- "))
        .map(|offset| steps + 1 + offset)?;
    let indent = indent_of(&lines[first_item]);
    let is_item = |l: &str| indent_of(l) == indent && l.trim_start().starts_with("- ");
    let target = line.checked_sub(1)?;
    if target < first_item || target >= lines.len() {
        return None;
    }
    let start = (first_item..=target).rev().find(|&i| is_item(&lines[i]))?;
    let end = (start + 1..lines.len())
        .find(|&i| {
            let l = &lines[i];
            !l.trim().is_empty() && (is_item(l) || indent_of(l) < indent)
        })
        .unwrap_or(lines.len());
    Some((start, end))
}

/// The checks of one parsed scenario that need no other file: everything [`validate`] reports
/// except duplicate names across the set. `text` is the file's source (for positions) and
/// `file` its path (`body_file` is relative to its directory).
pub fn check_scenario(scenario: &Scenario, text: &str, file: &Path) -> Vec<Problem> {
    Checker::new(text, file).check(scenario)
}

/// The variable names used in `text`: what is inside each `{{ }}`, trimmed, in order.
///
/// Matches the runner's substitution exactly: a `{{` with no `}}` after it is not a variable
/// (and is left as written).
pub fn variables_in(text: &str) -> Vec<&str> {
    scan_variables(text).0
}

/// The variables in `text`, and whether a `{{` is left unclosed.
fn scan_variables(text: &str) -> (Vec<&str>, bool) {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(len) = after.find("}}") else {
            return (names, true);
        };
        names.push(after[..len].trim());
        rest = &after[len + 2..];
    }
    (names, false)
}

/// A step in a path through the document: a mapping key or a sequence index.
#[derive(Debug, Clone, Copy)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

use Seg::{Index as I, Key as K};

/// Where things are in one file, and the problems found so far.
struct Checker<'a> {
    text: &'a str,
    file: &'a Path,
    map: Option<SourceMap>,
    problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    fn new(text: &'a str, file: &'a Path) -> Checker<'a> {
        let map = serde_saphyr::from_str_with_options::<SourceMap>(text, yaml_options()).ok();
        Checker {
            text,
            file,
            map,
            problems: Vec::new(),
        }
    }

    /// The position of the last key of `path`.
    fn key(&self, path: &[Seg<'_>]) -> Option<(usize, usize)> {
        let (last, parent) = path.split_last()?;
        let found = self.map.as_ref().and_then(|map| {
            let node = map.root.find(parent)?;
            match (last, &node.kind) {
                (Seg::Key(key), Kind::Map(entries)) => entries
                    .iter()
                    .find(|(name, _, _)| name == key)
                    .map(|(_, at, _)| *at),
                (Seg::Index(index), Kind::Seq(items)) => items.get(*index).map(|item| item.at),
                _ => None,
            }
        });
        found.or_else(|| {
            path.iter().rev().find_map(|seg| match seg {
                Seg::Key(key) => search_key(self.text, key),
                Seg::Index(_) => None,
            })
        })
    }

    /// The position of the value at `path` (falling back to its key's).
    fn value(&self, path: &[Seg<'_>]) -> Option<(usize, usize)> {
        self.map
            .as_ref()
            .and_then(|map| map.root.find(path))
            .map(|node| node.at)
            .or_else(|| self.key(path))
    }

    /// Whether `path` names a key that is present in the source (even with a `null` value).
    fn has_key(&self, path: &[Seg<'_>]) -> bool {
        let Some((Seg::Key(key), parent)) = path.split_last() else {
            return false;
        };
        self.map
            .as_ref()
            .and_then(|map| map.root.find(parent))
            .is_some_and(|node| match &node.kind {
                Kind::Map(entries) => entries.iter().any(|(name, _, _)| name == key),
                _ => false,
            })
    }

    fn report(&mut self, at: Option<(usize, usize)>, message: impl Into<String>) {
        self.problems.push(Problem::new(self.file, message).at(at));
    }

    fn report_with(
        &mut self,
        at: Option<(usize, usize)>,
        message: impl Into<String>,
        suggestion: Option<String>,
    ) {
        let mut problem = Problem::new(self.file, message).at(at);
        problem.suggestion = suggestion;
        self.problems.push(problem);
    }

    fn check(&mut self, scenario: &Scenario) -> Vec<Problem> {
        self.scenario_fields(scenario);
        let captures = all_captures(scenario);
        let mut defined: HashSet<&str> = BUILTIN_VARIABLES.into_iter().collect();
        let mut check_ids: HashSet<&str> = HashSet::new();
        let mut snapshots: HashSet<&str> = HashSet::new();
        let mut after_app = false;
        for (index, step) in scenario.steps.iter().enumerate() {
            after_app |= matches!(step, Step::App(_));
            match step {
                Step::Request(request) => {
                    let base = [K("steps"), I(index), K("request")];
                    let scope = Scope {
                        defined: &defined,
                        captures: &captures,
                        step: index,
                        after_app,
                    };
                    self.request(request, &base, &scope, &mut check_ids);
                    defined.extend(request.capture.keys().map(String::as_str));
                }
                // IdP directory steps: their names and the IdPs they need are checked by the
                // runner, which knows which profiles implement them.
                Step::User(_)
                | Step::Assign(_)
                | Step::UpdateUser(_)
                | Step::Deactivate(_)
                | Step::Reactivate(_)
                | Step::SetPassword(_)
                | Step::TestConnection
                | Step::ImportUsers
                | Step::ImportGroups
                | Step::ExpectUser(_)
                | Step::Group(_)
                | Step::PushGroup(_)
                | Step::LinkGroup(_)
                | Step::AddMembers(_)
                | Step::RemoveMembers(_)
                | Step::RenameGroup(_)
                | Step::PushNow(_)
                | Step::UnlinkGroup(_)
                | Step::ExpectGroup(_)
                | Step::Unassign(_)
                | Step::Suspend(_)
                | Step::SoftDelete(_)
                | Step::HardDelete(_)
                | Step::Restore(_)
                | Step::AssignGroup(_)
                | Step::UnassignGroup(_)
                | Step::DeleteGroup(_)
                | Step::StartProvisioning
                | Step::RestartProvisioning
                | Step::ProvisionOnDemand(_)
                | Step::ExpectJob(_)
                | Step::App(_)
                | Step::Probe(_)
                | Step::ExpectAccess(_) => {}
                Step::UpdateMembers(update) => {
                    if update.add.is_empty() && update.remove.is_empty() {
                        let at = self.key(&[K("steps"), I(index), K("update_members")]);
                        self.report(at, "update_members needs users to `add`, `remove` or both");
                    } else if let Some(both) = update.add.iter().find(|u| update.remove.contains(u))
                    {
                        let at = self.key(&[K("steps"), I(index), K("update_members")]);
                        self.report(
                            at,
                            format!("update_members both adds and removes `{}`", sanitize(both)),
                        );
                    }
                }
                Step::PublishedAttributes(endpoint) => {
                    if endpoint != "Users" && endpoint != "Groups" {
                        let at = self.value(&[K("steps"), I(index), K("published_attributes")]);
                        self.report(
                            at,
                            format!(
                                "published_attributes takes `Users` or `Groups`, not `{}`",
                                sanitize(endpoint)
                            ),
                        );
                    }
                }
                Step::Wait(duration) => {
                    if let Err(message) = crate::scenario::model::parse_wait(duration) {
                        let at = self.value(&[K("steps"), I(index), K("wait")]);
                        self.report(at, message);
                    }
                }
                Step::Snapshot(name) => {
                    let at = self.value(&[K("steps"), I(index), K("snapshot")]);
                    if name.trim().is_empty() {
                        self.report(at, "snapshot name is empty");
                    } else if !snapshots.insert(name) {
                        self.report(
                            at,
                            format!(
                                "snapshot `{}` is already taken earlier in this scenario",
                                sanitize(name)
                            ),
                        );
                    }
                }
            }
        }
        let mut problems = std::mem::take(&mut self.problems);
        sort_by_position(&mut problems);
        problems
    }

    fn scenario_fields(&mut self, scenario: &Scenario) {
        if !is_scenario_name(&scenario.name) {
            let slug = slug(&scenario.name);
            let at = self.value(&[K("name")]);
            let shown = sanitize(&scenario.name);
            if slug.is_empty() {
                self.report(
                    at,
                    format!("scenario name `{shown}` must be lowercase letters, digits and `-`, starting with a letter or digit"),
                );
            } else {
                self.report_with(
                    at,
                    format!("scenario name `{shown}` must be lowercase letters, digits and `-`, did you mean `{slug}`?"),
                    Some(slug),
                );
            }
        }
        if scenario.description.trim().is_empty() {
            let at = self.value(&[K("description")]);
            self.report(at, "description is empty; say what the scenario shows");
        }
        if scenario.idps.is_empty() {
            let at = self.key(&[K("idps")]);
            self.report(
                at,
                "`idps` is empty; list the IdPs this scenario runs as (or leave it out for `generic`)",
            );
        }
        let mut idps = HashSet::new();
        for (index, idp) in scenario.idps.iter().enumerate() {
            if !idps.insert(*idp) {
                let at = self.value(&[K("idps"), I(index)]);
                self.report(at, format!("IdP `{}` is listed twice", idp.as_str()));
            }
        }
        if scenario.steps.is_empty() {
            let at = self.key(&[K("steps")]);
            self.report(at, "`steps` is empty");
        }
    }

    fn request<'s>(
        &mut self,
        request: &'s RequestStep,
        base: &[Seg<'_>],
        scope: &Scope<'_, '_>,
        check_ids: &mut HashSet<&'s str>,
    ) {
        let method = &request.method;
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            let at = self.value(&join(base, &[K("method")]));
            let upper = method.to_ascii_uppercase();
            let shown = sanitize(method);
            if !upper.is_empty() && upper.bytes().all(|b| b.is_ascii_uppercase()) {
                self.report_with(
                    at,
                    format!("method `{shown}` must be in capitals, did you mean `{upper}`?"),
                    Some(upper),
                );
            } else {
                self.report(
                    at,
                    format!("method `{shown}` is not an HTTP method (capital letters, e.g. `GET`)"),
                );
            }
        } else if !HTTP_METHODS.contains(&method.as_str()) {
            // Capitals, but not a method a SCIM client sends: most often a typo (`PATCHH`).
            let at = self.value(&join(base, &[K("method")]));
            let shown = sanitize(method);
            let near = super::load::closest(method, HTTP_METHODS);
            let message = match near {
                Some(near) => {
                    format!("method `{shown}` is not an HTTP method; did you mean `{near}`?")
                }
                None => format!(
                    "method `{shown}` is not an HTTP method; one of {}",
                    HTTP_METHODS.join(", ")
                ),
            };
            self.report_with(at, message, near.map(str::to_owned));
        }

        let at = self.value(&join(base, &[K("path")]));
        if !request.path.starts_with('/') {
            self.report(
                at,
                format!(
                    "path `{}` must start with `/` (it is below the target's base URL)",
                    sanitize(&request.path)
                ),
            );
        }
        if request
            .path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            self.report(
                at,
                "path contains whitespace; percent-encode it (a space is `%20`)",
            );
        }
        self.uses(&request.path, at, scope, "");

        for (name, value) in &request.headers {
            let key_at = self.key(&join(base, &[K("headers"), K(name)]));
            if !is_token(name) {
                self.report(
                    key_at,
                    format!("`{}` is not a valid HTTP header name", sanitize(name)),
                );
            }
            let at = self.value(&join(base, &[K("headers"), K(name)]));
            if value.contains(['\r', '\n', '\0']) {
                self.report(at, "header value contains a line break or NUL");
            }
            self.uses(value, at, scope, "");
        }

        if let Some(body) = &request.body {
            self.json_uses(body, &join(base, &[K("body")]), scope);
        }
        if let Some(body_file) = &request.body_file {
            self.body_file(request, body_file, &join(base, &[K("body_file")]), scope);
        }

        if let Some(expect) = &request.expect {
            self.expect(expect, &join(base, &[K("expect")]), scope, check_ids);
        }

        for (name, capture) in &request.capture {
            let key_at = self.key(&join(base, &[K("capture"), K(name)]));
            if !is_variable_name(name) {
                self.report(
                    key_at,
                    format!(
                        "capture name `{}` must be letters, digits, `_`, `-` or `.`, starting with a letter or `_`",
                        sanitize(name)
                    ),
                );
            } else if name.starts_with("run.") {
                self.report(
                    key_at,
                    format!(
                        "capture name `{}`: `run.` names are reserved for the run's builtins",
                        sanitize(name)
                    ),
                );
            }
            let at = self.value(&join(base, &[K("capture"), K(name)]));
            match capture {
                Capture::Pointer(pointer) => {
                    if !pointer.starts_with('/') {
                        self.report(
                            at,
                            format!(
                                "capture pointer `{}` must start with `/` (an RFC 6901 JSON pointer, e.g. `/id`)",
                                sanitize(pointer)
                            ),
                        );
                    } else {
                        self.pointer_escapes(pointer, at);
                    }
                }
                Capture::Header { header } => {
                    self.header_capture_keys(&join(base, &[K("capture"), K(name)]));
                    if !is_token(header) {
                        self.report(
                            at,
                            format!("`{}` is not a valid HTTP header name", sanitize(header)),
                        );
                    }
                }
            }
        }

        if let Some(spec) = &request.check {
            self.check_id(&spec.id, &join(base, &[K("check")]), check_ids);
        }
        for (index, own) in request.checks.iter().enumerate() {
            let own_base = join(base, &[K("checks"), I(index)]);
            self.check_id(&own.id, &own_base, check_ids);
            self.expect(
                &own.expect,
                &join(&own_base, &[K("expect")]),
                scope,
                check_ids,
            );
        }
    }

    /// `{header: ETag, extra: 1}` parses (the untagged `Capture` ignores unknown fields), so
    /// the extra keys are reported here.
    fn header_capture_keys(&mut self, path: &[Seg<'_>]) {
        let extra: Vec<(String, (usize, usize))> = match self
            .map
            .as_ref()
            .and_then(|map| map.root.find(path))
            .map(|node| &node.kind)
        {
            Some(Kind::Map(entries)) => entries
                .iter()
                .filter(|(key, _, _)| key != "header")
                .map(|(key, at, _)| (key.clone(), *at))
                .collect(),
            _ => Vec::new(),
        };
        for (key, at) in extra {
            let shown = sanitize(&key);
            match closest(&key, ["header"]) {
                Some(best) => self.report_with(
                    Some(at),
                    format!("unknown field `{shown}`, did you mean `{best}`?"),
                    Some(best.to_owned()),
                ),
                None => self.report(
                    Some(at),
                    format!("unknown field `{shown}`, expected only `header`"),
                ),
            }
        }
    }

    fn body_file(
        &mut self,
        request: &RequestStep,
        body_file: &str,
        at_path: &[Seg<'_>],
        scope: &Scope<'_, '_>,
    ) {
        let at = self.value(at_path);
        if request.body.is_some() {
            let key_at = self.key(at_path);
            self.report(key_at, "give `body` or `body_file`, not both");
        }
        if body_file.trim().is_empty() {
            self.report(at, "`body_file` is empty");
            return;
        }
        let dir = self.file.parent().unwrap_or(Path::new(""));
        let full = dir.join(body_file);
        if !full.is_file() {
            self.report(
                at,
                format!(
                    "body_file `{}` not found (looked for {})",
                    sanitize(body_file),
                    full.display()
                ),
            );
            return;
        }
        // The runner substitutes `{{var}}` in the file's text, so its variables must be in
        // scope too. A file that is not text is sent as is and has none.
        if let Ok(text) = read_source(&full) {
            let context = format!(" in body_file `{}`", sanitize(body_file));
            self.uses(&text, at, scope, &context);
        }
    }

    fn expect<'s>(
        &mut self,
        expect: &'s Expect,
        base: &[Seg<'_>],
        scope: &Scope<'_, '_>,
        check_ids: &mut HashSet<&'s str>,
    ) {
        if let Some(status) = &expect.status {
            let statuses = match status {
                super::model::StatusExpect::One(one) => std::slice::from_ref(one),
                super::model::StatusExpect::AnyOf(many) => many.as_slice(),
            };
            if statuses.is_empty() {
                let at = self.value(&join(base, &[K("status")]));
                self.report(at, "`status` is an empty list");
            }
            for (index, status) in statuses.iter().enumerate() {
                if !(100..=599).contains(status) {
                    let at = match expect.status {
                        Some(super::model::StatusExpect::AnyOf(_)) => {
                            self.value(&join(base, &[K("status"), I(index)]))
                        }
                        _ => self.value(&join(base, &[K("status")])),
                    };
                    self.report(
                        at,
                        format!("status {status} is not an HTTP status (100-599)"),
                    );
                }
            }
        }
        for (name, value) in &expect.headers {
            if let Some(value) = value {
                let at = self.value(&join(base, &[K("headers"), K(name)]));
                self.uses(value, at, scope, "");
            }
        }
        if let Some(body) = &expect.body {
            self.json_uses(body, &join(base, &[K("body")]), scope);
        }
        for (index, assertion) in expect.json.iter().enumerate() {
            self.assertion(
                assertion,
                &join(base, &[K("json"), I(index)]),
                scope,
                check_ids,
            );
        }
    }

    fn assertion<'s>(
        &mut self,
        assertion: &'s JsonAssertion,
        base: &[Seg<'_>],
        scope: &Scope<'_, '_>,
        check_ids: &mut HashSet<&'s str>,
    ) {
        let given: Vec<&str> = [
            ("equals", assertion.equals.is_some()),
            ("exists", assertion.exists.is_some()),
            ("absent", assertion.absent.is_some()),
            ("empty", assertion.empty.is_some()),
            ("type", assertion.json_type.is_some()),
            ("length", assertion.length.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, present)| present.then_some(name))
        .collect();
        if assertion.equals.is_none() && self.has_key(&join(base, &[K("equals")])) {
            let at = self.key(&join(base, &[K("equals")]));
            self.report(
                at,
                "`equals: null` reads as no `equals` at all; to require null, write `type: null`",
            );
        } else if given.len() != 1 {
            let at = match given.get(1) {
                Some(second) => self.key(&join(base, &[K(second)])),
                None => self.value(base),
            };
            let found = if given.is_empty() {
                "none".to_owned()
            } else {
                given
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            self.report(
                at,
                format!(
                    "a json assertion gives exactly one of `equals`, `exists`, `absent`, `type`, `length`; found {found}"
                ),
            );
        }

        let at = self.value(&join(base, &[K("pointer")]));
        let pointer = &assertion.pointer;
        if !pointer.is_empty() && !pointer.starts_with('/') && !pointer.starts_with("{{") {
            self.report(
                at,
                format!(
                    "pointer `{}` must be empty (the whole body) or start with `/` (RFC 6901)",
                    sanitize(pointer)
                ),
            );
        } else {
            self.pointer_escapes(pointer, at);
        }
        self.uses(pointer, at, scope, "");

        if let Some(equals) = &assertion.equals {
            self.json_uses(equals, &join(base, &[K("equals")]), scope);
        }
        if let Some(spec) = &assertion.check {
            self.check_id(&spec.id, &join(base, &[K("check")]), check_ids);
        }
    }

    /// RFC 6901 §3: `~` is only ever `~0` or `~1`.
    fn pointer_escapes(&mut self, pointer: &str, at: Option<(usize, usize)>) {
        let literal = strip_variables(pointer);
        let bytes = literal.as_bytes();
        let bad = bytes
            .iter()
            .enumerate()
            .any(|(i, b)| *b == b'~' && !matches!(bytes.get(i + 1), Some(b'0' | b'1')));
        if bad {
            self.report(
                at,
                format!(
                    "pointer `{}`: `~` must be written `~0`, and `/` inside a key `~1` (RFC 6901 §3)",
                    sanitize(pointer)
                ),
            );
        }
    }

    /// A check's id (of a step, an assertion, or a check of its own): dotted, and unique
    /// within the scenario.
    fn check_id<'s>(&mut self, id: &'s str, base: &[Seg<'_>], check_ids: &mut HashSet<&'s str>) {
        let mut path: Vec<Seg<'_>> = base.to_vec();
        path.push(K("id"));
        let at = self.value(&path);
        if !is_check_id(id) {
            self.report(
                at,
                format!(
                    "check id `{}` must be dotted: a lowercase prefix and one or more `.`-separated parts (e.g. `rfc7644.3.3.create-returns-201`)",
                    sanitize(id)
                ),
            );
        }
        if !check_ids.insert(id) {
            self.report(
                at,
                format!(
                    "check id `{}` is already used earlier in this scenario",
                    sanitize(id)
                ),
            );
        }
    }

    /// Checks the variables in every string (and key) of a JSON value.
    fn json_uses(&mut self, value: &Value, base: &[Seg<'_>], scope: &Scope<'_, '_>) {
        match value {
            Value::String(text) => {
                let at = self.value(base);
                self.uses(text, at, scope, "");
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    let mut path = base.to_vec();
                    path.push(I(index));
                    self.json_uses(item, &path, scope);
                }
            }
            Value::Object(fields) => {
                for (key, item) in fields {
                    let mut path = base.to_vec();
                    path.push(K(key));
                    if key.contains("{{") {
                        let at = self.key(&path);
                        self.uses(key, at, scope, "");
                    }
                    self.json_uses(item, &path, scope);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// Checks that every `{{var}}` in `text` is defined at this step.
    fn uses(
        &mut self,
        text: &str,
        at: Option<(usize, usize)>,
        scope: &Scope<'_, '_>,
        context: &str,
    ) {
        let (names, unclosed) = scan_variables(text);
        if unclosed {
            self.report(
                at,
                format!("`{{{{` without a closing `}}}}`{context}; it would be sent as written"),
            );
        }
        for name in names {
            if name.is_empty() {
                self.report(at, format!("empty variable `{{{{}}}}`{context}"));
                continue;
            }
            // `data.*` comes from the target profile, and an `app` step may capture anything
            // its profile request names: neither is known until the run.
            if scope.defined.contains(name) || name.starts_with("data.") || scope.after_app {
                continue;
            }
            let shown = sanitize(name);
            let message = match scope.captures.get(name) {
                Some(step) if *step == scope.step => format!(
                    "variable `{shown}`{context} is captured by this same step, so it is not set until its response arrives"
                ),
                Some(step) => format!(
                    "variable `{shown}`{context} is captured by a later step (step {}); capture it before use",
                    step + 1
                ),
                None => {
                    let candidates = scope.defined.iter().copied();
                    match closest(name, candidates) {
                        Some(best) => {
                            let message = format!(
                                "unknown variable `{shown}`{context}, did you mean `{best}`?"
                            );
                            self.report_with(at, message, Some(best.to_owned()));
                            continue;
                        }
                        None => format!(
                            "unknown variable `{shown}`{context}: neither a builtin ({}) nor captured by an earlier step",
                            BUILTIN_VARIABLES.map(|b| format!("`{b}`")).join(", ")
                        ),
                    }
                }
            };
            self.report(at, message);
        }
    }
}

/// What the variables of one step can refer to.
struct Scope<'d, 's> {
    /// Builtins and names captured by earlier steps.
    defined: &'d HashSet<&'s str>,
    /// Every captured name in the scenario, with the (first) step that captures it.
    captures: &'d BTreeMap<&'s str, usize>,
    /// This step's index.
    step: usize,
    /// An `app` step came earlier: its captures are defined by the target profile.
    after_app: bool,
}

fn all_captures(scenario: &Scenario) -> BTreeMap<&str, usize> {
    let mut captures = BTreeMap::new();
    for (index, step) in scenario.steps.iter().enumerate() {
        if let Step::Request(request) = step {
            for name in request.capture.keys() {
                captures.entry(name.as_str()).or_insert(index);
            }
        }
    }
    captures
}

/// Sorts one file's problems by position, unlocated ones first; stable, so problems at one
/// place keep the order they were found in.
fn sort_by_position(problems: &mut [Problem]) {
    problems.sort_by_key(|problem| (problem.line.unwrap_or(0), problem.column.unwrap_or(0)));
}

/// `base` followed by `tail`.
fn join<'x>(base: &[Seg<'x>], tail: &[Seg<'x>]) -> Vec<Seg<'x>> {
    base.iter().chain(tail).copied().collect()
}

/// `text` with every complete `{{ }}` removed.
fn strip_variables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(len) = after.find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        rest = &after[len + 2..];
    }
    out.push_str(rest);
    out
}

/// `^[a-z0-9][a-z0-9-]*$`
fn is_scenario_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The nearest valid scenario name: lowercase, with runs of other characters turned into `-`.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// `^[a-z0-9]+(\.[a-zA-Z0-9_-]+)+$`
/// The methods a request step may send (RFC 9110 §9.3, and PATCH, RFC 5789).
const HTTP_METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
];

fn is_check_id(id: &str) -> bool {
    let mut parts = id.split('.');
    let first_ok = parts.next().is_some_and(|first| {
        !first.is_empty()
            && first
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    let mut rest = parts.peekable();
    first_ok
        && rest.peek().is_some()
        && rest.all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
}

/// `^[A-Za-z_][A-Za-z0-9_.-]*$`
fn is_variable_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// An RFC 9110 §5.6.2 token (header names).
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// The first line whose content (after indentation and `- ` markers) starts with `key:`; the
/// fallback when the document could not be mapped.
fn search_key(text: &str, key: &str) -> Option<(usize, usize)> {
    for (index, line) in text.lines().enumerate() {
        let mut rest = line.trim_start();
        while let Some(after) = rest.strip_prefix('-') {
            if !after.starts_with([' ', '\t']) {
                break;
            }
            rest = after.trim_start();
        }
        let unquoted = rest
            .strip_prefix(key)
            .or_else(|| rest.strip_prefix(&format!("\"{key}\"")))
            .or_else(|| rest.strip_prefix(&format!("'{key}'")));
        if let Some(after) = unquoted
            && after.trim_start().starts_with(':')
        {
            let column = line[..line.len() - rest.len()].chars().count() + 1;
            return Some((index + 1, column));
        }
    }
    None
}

/// Where every key and value of a YAML document starts: an untyped tree read with the same
/// options as the scenario, through serde-saphyr's [`Spanned`].
struct SourceMap {
    root: Node,
}

struct Node {
    /// 1-based line and column.
    at: (usize, usize),
    kind: Kind,
}

enum Kind {
    /// Keys as text, with their positions, in document order.
    Map(Vec<(String, (usize, usize), Node)>),
    Seq(Vec<Node>),
    Scalar,
}

impl Node {
    fn find(&self, path: &[Seg<'_>]) -> Option<&Node> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        let next = match (first, &self.kind) {
            (Seg::Key(key), Kind::Map(entries)) => entries
                .iter()
                .find(|(name, _, _)| name == key)
                .map(|(_, _, node)| node),
            (Seg::Index(index), Kind::Seq(items)) => items.get(*index),
            _ => None,
        }?;
        next.find(rest)
    }
}

fn position(location: &serde_saphyr::Location) -> (usize, usize) {
    let line = usize::try_from(location.line()).unwrap_or(0);
    let column = usize::try_from(location.column()).unwrap_or(0);
    (line, column.max(1))
}

impl<'de> Deserialize<'de> for SourceMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(SourceMap {
            root: Node::deserialize(deserializer)?,
        })
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<NodeKind>::deserialize(deserializer)?;
        Ok(Node {
            at: position(&spanned.referenced),
            kind: spanned.value.0,
        })
    }
}

struct NodeKind(Kind);

impl<'de> Deserialize<'de> for NodeKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

macro_rules! scalar_visits {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method<E: de::Error>(self, _: $ty) -> Result<NodeKind, E> {
            Ok(NodeKind(Kind::Scalar))
        })*
    };
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = NodeKind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    scalar_visits! {
        visit_bool: bool,
        visit_i64: i64,
        visit_u64: u64,
        visit_i128: i128,
        visit_u128: u128,
        visit_f64: f64,
        visit_str: &str,
        visit_bytes: &[u8],
    }

    fn visit_unit<E: de::Error>(self) -> Result<NodeKind, E> {
        Ok(NodeKind(Kind::Scalar))
    }

    fn visit_none<E: de::Error>(self) -> Result<NodeKind, E> {
        Ok(NodeKind(Kind::Scalar))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<NodeKind, D::Error> {
        NodeKind::deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<NodeKind, D::Error> {
        NodeKind::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeKind, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(NodeKind(Kind::Seq(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeKind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key.value.0, position(&key.referenced), value));
        }
        Ok(NodeKind(Kind::Map(entries)))
    }
}

/// A scalar mapping key, as text.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = KeyText;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar key")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<KeyText, E> {
                Ok(KeyText(value.to_owned()))
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<KeyText, E> {
                Ok(KeyText(value.to_string()))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<KeyText, E> {
                Ok(KeyText(value.to_string()))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<KeyText, E> {
                Ok(KeyText(value.to_string()))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<KeyText, E> {
                Ok(KeyText(value.to_string()))
            }

            fn visit_unit<E: de::Error>(self) -> Result<KeyText, E> {
                Ok(KeyText(String::new()))
            }
        }

        deserializer.deserialize_any(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FILE: &str = "scenarios/s.yaml";

    /// A scenario named `s` whose steps (indented two spaces) start on line 4.
    fn with_steps(steps: &str) -> String {
        format!("name: s\ndescription: d\nsteps:\n{steps}")
    }

    fn problems(text: &str) -> Vec<Problem> {
        let file = Path::new(FILE);
        let scenario = load_str(text, file).expect("the text loads");
        check_scenario(&scenario, text, file)
    }

    /// The one problem `text` has.
    fn problem(text: &str) -> Problem {
        let mut found = problems(text);
        assert_eq!(found.len(), 1, "{found:#?}");
        found.remove(0)
    }

    fn at(problem: &Problem) -> (usize, usize) {
        (
            problem.line.expect("a line"),
            problem.column.expect("a column"),
        )
    }

    const VALID: &str = "\
name: create-then-get
description: Creates a user, then reads it back.
idps: [okta, entra]
steps:
  - request:
      method: POST
      path: /Users
      headers: {X-Run: \"{{ run.id }}\"}
      body: {userName: \"{{run.prefix}}-alice\", active: true}
      expect:
        status: [201]
        headers: {Content-Type: application/scim+json*}
        json:
          - pointer: /id
            exists: true
            check: {id: rfc7644.3.3.create-returns-id, level: MUST}
      capture:
        user_id: /id
        etag: {header: ETag}
      check: {id: rfc7644.3.3.create-returns-201}
  - snapshot: created
  - request:
      method: GET
      path: /Users/{{user_id}}
      headers: {If-None-Match: \"{{etag}}\"}
      expect:
        status: 200
        body: {id: \"{{user_id}}\"}
        json:
          - pointer: \"\"
            type: object
          - pointer: /userName
            equals: \"{{run.prefix}}-alice\"
          - pointer: /emails
            length: 0
          - pointer: /a~1b
            absent: true
  - snapshot: read
";

    #[test]
    fn update_members_must_change_someone_and_not_add_and_remove_the_same_user() {
        let empty = problem(&with_steps("  - update_members: { group: eng }\n"));
        let both = problem(&with_steps(
            "  - update_members: { group: eng, add: [ada], remove: [bob, ada] }\n",
        ));

        assert_eq!(
            empty.message,
            "update_members needs users to `add`, `remove` or both"
        );
        assert_eq!(at(&empty), (4, 5));
        assert_eq!(both.message, "update_members both adds and removes `ada`");
    }

    #[test]
    fn a_valid_scenario_has_no_problems() {
        assert_eq!(problems(VALID), vec![]);
    }

    #[test]
    fn a_scenario_name_must_be_a_lowercase_slug() {
        let text = "name: Create User\ndescription: d\nsteps:\n  - snapshot: s\n";

        let problem = problem(text);

        assert_eq!(at(&problem), (1, 7));
        assert_eq!(problem.suggestion.as_deref(), Some("create-user"));
        assert_eq!(
            problem.message,
            "scenario name `Create User` must be lowercase letters, digits and `-`, did you mean `create-user`?"
        );
    }

    #[test]
    fn a_scenario_name_may_not_start_with_a_dash() {
        let problem = problem("name: -x\ndescription: d\nsteps:\n  - snapshot: s\n");

        assert_eq!(problem.suggestion.as_deref(), Some("x"));
    }

    #[test]
    fn an_empty_description_or_step_list_is_a_problem() {
        let found = problems("name: s\ndescription: \"\"\nsteps: []\n");

        let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "description is empty; say what the scenario shows",
                "`steps` is empty"
            ]
        );
        assert_eq!(at(&found[1]), (3, 1));
    }

    #[test]
    fn idps_must_not_be_empty() {
        let problem = problem("name: s\ndescription: d\nidps: []\nsteps:\n  - snapshot: s\n");

        assert_eq!(at(&problem), (3, 1));
        assert!(problem.message.starts_with("`idps` is empty"), "{problem}");
    }

    #[test]
    fn an_idp_listed_twice_is_a_problem_at_the_second() {
        let problem = problem(
            "name: s\ndescription: d\nidps: [okta, entra, okta]\nsteps:\n  - snapshot: s\n",
        );

        assert_eq!(at(&problem), (3, 21));
        assert_eq!(problem.message, "IdP `okta` is listed twice");
    }

    #[test]
    fn a_method_must_be_capitals_with_a_suggestion() {
        let problem = problem(&with_steps(
            "  - request:\n      method: get\n      path: /Users\n",
        ));

        assert_eq!(at(&problem), (5, 15));
        assert_eq!(problem.suggestion.as_deref(), Some("GET"));
    }

    #[test]
    fn a_method_that_is_not_a_token_is_a_problem_without_suggestion() {
        let problem = problem(&with_steps(
            "  - request:\n      method: GE T\n      path: /Users\n",
        ));

        assert_eq!(problem.suggestion, None);
        assert!(problem.message.contains("not an HTTP method"), "{problem}");
    }

    #[test]
    fn a_path_must_start_with_a_slash() {
        let problem = problem(&with_steps(
            "  - request:\n      method: GET\n      path: Users\n",
        ));

        assert_eq!(at(&problem), (6, 13));
        assert!(problem.message.contains("must start with `/`"), "{problem}");
    }

    #[test]
    fn a_path_must_not_contain_spaces() {
        let problem = problem(&with_steps(
            "  - request:\n      method: GET\n      path: \"/Users?filter=userName eq 1\"\n",
        ));

        assert!(problem.message.contains("%20"), "{problem}");
    }

    #[test]
    fn a_header_name_must_be_a_token() {
        let problem = problem(&with_steps(
            "  - request:\n      method: GET\n      path: /Users\n      headers:\n        \"Bad Name\": x\n",
        ));

        assert_eq!(at(&problem), (8, 9));
    }

    #[test]
    fn an_unknown_variable_gets_a_suggestion() {
        let problem = problem(&with_steps(
            "  - request:\n      method: POST\n      path: /Users\n      capture: {user_id: /id}\n  - request:\n      method: GET\n      path: /Users/{{usr_id}}\n",
        ));

        assert_eq!(at(&problem), (10, 13));
        assert_eq!(problem.suggestion.as_deref(), Some("user_id"));
        assert_eq!(
            problem.message,
            "unknown variable `usr_id`, did you mean `user_id`?"
        );
    }

    #[test]
    fn a_variable_far_from_every_name_says_where_names_come_from() {
        let problem = problem(&with_steps(
            "  - request:\n      method: GET\n      path: /Users/{{nothing_like_it}}\n",
        ));

        assert_eq!(problem.suggestion, None);
        assert!(
            problem.message.contains("captured by an earlier step"),
            "{problem}"
        );
    }

    #[test]
    fn a_builtin_variable_is_suggested_for_a_near_miss() {
        let problem = problem(&with_steps(
            "  - request:\n      method: GET\n      path: /Users?x={{run.prefx}}\n",
        ));

        assert_eq!(problem.suggestion.as_deref(), Some("run.prefix"));
    }

    #[test]
    fn a_variable_captured_by_a_later_step_is_a_problem() {
        let problem = problem(&with_steps(
            "  - request:\n      method: GET\n      path: /Users/{{id}}\n  - request:\n      method: POST\n      path: /Users\n      capture: {id: /id}\n",
        ));

        assert_eq!(at(&problem), (6, 13));
        assert!(problem.message.contains("later step (step 2)"), "{problem}");
    }

    #[test]
    fn a_variable_captured_by_the_same_step_is_a_problem() {
        let problem = problem(&with_steps(
            "  - request:\n      method: GET\n      path: /Users/{{id}}\n      capture: {id: /id}\n",
        ));

        assert!(problem.message.contains("this same step"), "{problem}");
    }

    #[test]
    fn variables_are_checked_in_every_templated_place() {
        let text = with_steps(
            "  - request:
      method: POST
      path: /Users
      headers: {X-A: \"{{h}}\"}
      body:
        name: {given: \"{{b}}\"}
        \"{{k}}\": 1
        list: [1, \"{{l}}\"]
      expect:
        headers: {ETag: \"{{eh}}\"}
        body: {id: \"{{eb}}\"}
        json:
          - pointer: /x/{{p}}
            equals: {v: \"{{e}}\"}
",
        );

        let found = problems(&text);

        let seen: Vec<(usize, usize, &str)> = found
            .iter()
            .map(|p| (p.line.unwrap(), p.column.unwrap(), p.message.as_str()))
            .collect();
        let expected_positions = [
            (7, 22),  // header value
            (9, 23),  // body string
            (10, 9),  // body key
            (11, 19), // body list item
            (13, 25), // expect header value
            (14, 20), // expect body
            (16, 22), // pointer
            (17, 25), // equals
        ];
        assert_eq!(
            seen.iter().map(|(l, c, _)| (*l, *c)).collect::<Vec<_>>(),
            expected_positions,
            "{seen:#?}"
        );
        assert!(
            seen.iter().all(|(_, _, m)| m.contains("variable")),
            "{seen:#?}"
        );
    }

    #[test]
    fn an_unclosed_or_empty_variable_is_a_problem() {
        let found = problems(&with_steps(
            "  - request:\n      method: GET\n      path: /Users/{{id\n      headers: {X-A: \"{{ }}\"}\n",
        ));

        let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`{{` without a closing `}}`; it would be sent as written",
                "empty variable `{{}}`"
            ]
        );
    }

    #[test]
    fn body_and_body_file_together_are_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("user.json"), "{}").unwrap();
        let file = dir.path().join("s.yaml");
        std::fs::write(
            &file,
            with_steps("  - request:\n      method: POST\n      path: /Users\n      body: {a: 1}\n      body_file: user.json\n"),
        )
        .unwrap();

        let (_, found) = validate(&[file]);

        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(at(&found[0]), (8, 7));
        assert_eq!(found[0].message, "give `body` or `body_file`, not both");
    }

    #[test]
    fn body_file_is_found_relative_to_the_scenario_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("scenarios/okta")).unwrap();
        std::fs::create_dir_all(dir.path().join("fixtures")).unwrap();
        std::fs::write(
            dir.path().join("fixtures/user.json"),
            "{\"userName\": \"{{run.prefix}}\"}",
        )
        .unwrap();
        let file = dir.path().join("scenarios/okta/s.yaml");
        std::fs::write(
            &file,
            with_steps("  - request:\n      method: POST\n      path: /Users\n      body_file: ../../fixtures/user.json\n"),
        )
        .unwrap();

        let (scenarios, found) = validate(&[file]);

        assert_eq!(found, vec![]);
        assert_eq!(scenarios.len(), 1);
    }

    #[test]
    fn a_missing_body_file_is_a_problem_at_its_value() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.yaml");
        std::fs::write(
            &file,
            with_steps("  - request:\n      method: POST\n      path: /Users\n      body_file: missing.json\n"),
        )
        .unwrap();

        let (_, found) = validate(&[file]);

        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(at(&found[0]), (7, 18));
        assert!(
            found[0]
                .message
                .starts_with("body_file `missing.json` not found")
        );
    }

    #[test]
    fn variables_in_a_body_file_must_be_defined() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("user.json"), "{\"id\": \"{{nope}}\"}").unwrap();
        let file = dir.path().join("s.yaml");
        std::fs::write(
            &file,
            with_steps("  - request:\n      method: POST\n      path: /Users\n      body_file: user.json\n"),
        )
        .unwrap();

        let (_, found) = validate(&[file]);

        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].message.contains("`nope` in body_file `user.json`"),
            "{}",
            found[0]
        );
    }

    fn assertion(lines: &str) -> String {
        with_steps(&format!(
            "  - request:\n      method: GET\n      path: /Users\n      expect:\n        json:\n{lines}"
        ))
    }

    #[test]
    fn a_json_assertion_with_nothing_to_assert_is_a_problem() {
        let problem = problem(&assertion("          - pointer: /id\n"));

        assert_eq!(at(&problem), (9, 13));
        assert!(problem.message.ends_with("found none"), "{problem}");
    }

    #[test]
    fn a_json_assertion_with_two_assertions_is_a_problem_at_the_second() {
        let problem = problem(&assertion(
            "          - pointer: /id\n            type: string\n            length: 3\n",
        ));

        assert_eq!(at(&problem), (11, 13));
        assert!(
            problem.message.ends_with("found `type`, `length`"),
            "{problem}"
        );
    }

    #[test]
    fn equals_null_is_explained() {
        let problem = problem(&assertion(
            "          - pointer: /id\n            equals: null\n",
        ));

        assert_eq!(at(&problem), (10, 13));
        assert!(problem.message.contains("type: null"), "{problem}");
    }

    #[test]
    fn a_json_pointer_must_start_with_a_slash() {
        let problem = problem(&assertion(
            "          - pointer: id\n            exists: true\n",
        ));

        assert_eq!(at(&problem), (9, 22));
        assert!(problem.message.contains("start with `/`"), "{problem}");
    }

    #[test]
    fn a_json_pointer_escape_must_be_tilde_zero_or_one() {
        let problem = problem(&assertion(
            "          - pointer: /a~2b\n            exists: true\n",
        ));

        assert!(problem.message.contains("~0"), "{problem}");
    }

    #[test]
    fn every_step_that_does_not_parse_is_reported_with_its_place() {
        // Arrange: two steps with a misspelt key, a good one between them.
        let text = with_steps(
            "  - request:\n      method: GET\n      path: /Users\n      expcet: { status: 200 }\n  - snapshot: between\n  - request:\n      method: GET\n      path: /Groups\n      chek: { id: a.b }\n",
        );
        let file = Path::new(FILE);
        let first = load_str(&text, file).expect_err("the file does not parse");

        // Act
        let more = problems_in_other_steps(&text, file, &first);

        // Assert: the second misspelling too, where it is.
        assert_eq!(first[0].line, Some(7), "{first:#?}");
        assert_eq!(more.len(), 1, "{more:#?}");
        assert_eq!(more[0].line, Some(12), "{more:#?}");
        assert!(more[0].message.contains("chek"), "{}", more[0].message);
    }

    #[test]
    fn a_method_in_capitals_must_still_be_a_method() {
        let problem = problem(&with_steps(
            "  - request:\n      method: PATCHH\n      path: /Users\n",
        ));

        assert_eq!(
            problem.message,
            "method `PATCHH` is not an HTTP method; did you mean `PATCH`?"
        );
        assert_eq!(problem.suggestion.as_deref(), Some("PATCH"));
    }

    #[test]
    fn a_check_id_must_be_dotted() {
        let problem = problem(&with_steps(
            "  - request:\n      method: GET\n      path: /Users\n      check: {id: Create-Returns-201}\n",
        ));

        assert_eq!(at(&problem), (7, 19));
        assert!(
            problem.message.starts_with("check id `Create-Returns-201`"),
            "{problem}"
        );
    }

    #[test]
    fn check_ids_are_unique_within_a_scenario() {
        let problem = problem(&with_steps(
            "  - request:
      method: GET
      path: /Users
      expect:
        json:
          - pointer: /id
            exists: true
            check: {id: rfc7644.3.4.get}
      check: {id: rfc7644.3.4.get}
",
        ));

        assert_eq!(at(&problem), (12, 19));
        assert!(problem.message.contains("already used"), "{problem}");
    }

    #[test]
    fn snapshot_names_are_unique_within_a_scenario() {
        let problem = problem(&with_steps(
            "  - snapshot: a\n  - snapshot: b\n  - snapshot: a\n",
        ));

        assert_eq!(at(&problem), (6, 15));
        assert!(problem.message.contains("already taken"), "{problem}");
    }

    #[test]
    fn a_capture_pointer_must_start_with_a_slash() {
        let problem = problem(&with_steps(
            "  - request:\n      method: POST\n      path: /Users\n      capture:\n        id: id\n",
        ));

        assert_eq!(at(&problem), (8, 13));
        assert!(
            problem.message.starts_with("capture pointer `id`"),
            "{problem}"
        );
    }

    #[test]
    fn a_capture_may_not_take_a_builtin_name() {
        let problem = problem(&with_steps(
            "  - request:\n      method: POST\n      path: /Users\n      capture:\n        run.id: /id\n",
        ));

        assert_eq!(at(&problem), (8, 9));
        assert!(problem.message.contains("reserved"), "{problem}");
    }

    #[test]
    fn a_header_capture_takes_no_other_keys() {
        let problem = problem(&with_steps(
            "  - request:\n      method: POST\n      path: /Users\n      capture:\n        etag: {header: ETag, default: x}\n",
        ));

        assert_eq!(at(&problem), (8, 30));
        assert_eq!(
            problem.message,
            "unknown field `default`, expected only `header`"
        );
    }

    #[test]
    fn an_expected_status_must_be_an_http_status() {
        let problem = problem(&with_steps(
            "  - request:\n      method: GET\n      path: /Users\n      expect:\n        status: [200, 999]\n",
        ));

        assert_eq!(at(&problem), (8, 23));
        assert_eq!(
            problem.message,
            "status 999 is not an HTTP status (100-599)"
        );
    }

    #[test]
    fn validation_reports_every_problem_in_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("a.yaml"),
            "name: a\ndescription: d\nsteps:\n  - request:\n      method: get\n      path: Users\n",
        )
        .unwrap();
        std::fs::write(root.join("b.yaml"), "name: b\ndescrption: d\nsteps: []\n").unwrap();
        std::fs::write(
            root.join("c.yaml"),
            "name: c\ndescription: d\nsteps:\n  - snapshot: s\n",
        )
        .unwrap();
        let missing = root.join("missing");

        let (scenarios, found) = validate(&[root.to_path_buf(), missing.clone()]);

        let names: Vec<&str> = scenarios.iter().map(|(_, s)| s.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        let summary: Vec<(PathBuf, Option<usize>)> =
            found.iter().map(|p| (p.file.clone(), p.line)).collect();
        assert_eq!(
            summary,
            [
                (missing, None),
                (root.join("a.yaml"), Some(5)),
                (root.join("a.yaml"), Some(6)),
                (root.join("b.yaml"), Some(2)),
            ]
        );
    }

    #[test]
    fn scenario_names_are_unique_across_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let text = "name: same\ndescription: d\nsteps:\n  - snapshot: s\n";
        std::fs::write(root.join("a.yaml"), text).unwrap();
        std::fs::write(root.join("b.yaml"), text).unwrap();

        let (scenarios, found) = validate(&[root.to_path_buf()]);

        assert_eq!(scenarios.len(), 2);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].file, root.join("b.yaml"));
        assert_eq!(at(&found[0]), (1, 7));
        assert!(found[0].message.contains("a.yaml"), "{}", found[0]);
    }

    #[test]
    fn variables_in_returns_trimmed_names_in_order() {
        assert_eq!(
            variables_in("/Users/{{ id }}?x={{run.prefix}}&y={{id}}"),
            ["id", "run.prefix", "id"]
        );
        assert_eq!(variables_in("no variables"), Vec::<&str>::new());
        assert_eq!(variables_in("{{a}} then {{unclosed"), ["a"]);
        assert_eq!(variables_in("{{}}"), [""]);
    }

    #[test]
    fn search_key_finds_a_key_after_list_markers() {
        let text = "name: x\nsteps:\n  - - request:\n      \"method\": GET\n";

        assert_eq!(search_key(text, "request"), Some((3, 7)));
        assert_eq!(search_key(text, "method"), Some((4, 7)));
        assert_eq!(search_key(text, "missing"), None);
    }

    #[test]
    fn check_ids_follow_the_dotted_pattern() {
        for good in [
            "rfc7644.3.3.create-returns-201",
            "okta.create.returns-201-with-id",
            "a.B_c",
        ] {
            assert!(is_check_id(good), "{good}");
        }
        for bad in ["rfc7644", "Rfc.x", ".x", "a..b", "a.b.", "a.b c", ""] {
            assert!(!is_check_id(bad), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn checking_never_panics(
            pieces in proptest::collection::vec(
                prop_oneof![
                    Just("  - request:\n      method: GET\n      path: /x/{{a}}\n"),
                    Just("  - request:\n      method: p\n      path: x{{\n      capture: {a: /id, b: x}\n"),
                    Just("  - request:\n      method: POST\n      path: /\n      body: {\"{{a}}\": [\"{{b}}\", {c: \"{{}}\"}]}\n      body_file: x.json\n"),
                    Just("  - request:\n      method: GET\n      path: /\n      expect:\n        status: [0, 200]\n        json:\n          - pointer: \"~\"\n            equals: null\n          - pointer: /a\n            check: {id: a}\n"),
                    Just("  - snapshot: a\n"),
                    Just("  - snapshot: \"\"\n"),
                ],
                0..12,
            )
        ) {
            let text = with_steps(&pieces.concat());
            if let Ok(scenario) = load_str(&text, Path::new(FILE)) {
                let _ = check_scenario(&scenario, &text, Path::new(FILE));
            }
        }

        #[test]
        fn variables_in_never_panics(text in ".{0,200}") {
            let names = variables_in(&text);
            prop_assert!(names.iter().all(|name| text.contains(name)));
        }
    }
}
