//! `{{name}}` variables: captured values and the run's builtins, substituted into paths,
//! headers, bodies and expectations.
//!
//! An undefined variable is an error, never an empty string: a step that would send
//! `/Users/` instead of `/Users/{{id}}` must fail loudly, not hit a different endpoint.

use std::collections::BTreeMap;

use serde_json::Value;

/// Variables in scope for one scenario run.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    values: BTreeMap<String, String>,
}

/// A `{{name}}` with no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("undefined variable `{{{{{name}}}}}`")]
pub struct Undefined {
    pub name: String,
}

impl Vars {
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.values.insert(name.into(), value.into());
    }

    /// Forgets a value: a capture that failed must not leave an earlier step's value behind.
    pub fn unset(&mut self, name: &str) {
        self.values.remove(name);
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Replaces every `{{ name }}` in `text`.
    pub fn substitute(&self, text: &str) -> Result<String, Undefined> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start + 2..].find("}}") else {
                break;
            };
            out.push_str(&rest[..start]);
            let name = rest[start + 2..start + 2 + len].trim();
            match self.values.get(name) {
                Some(value) => out.push_str(value),
                None => {
                    return Err(Undefined {
                        name: name.to_owned(),
                    });
                }
            }
            rest = &rest[start + 2 + len + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Substitutes inside every string of a JSON value (keys included).
    pub fn substitute_json(&self, value: &Value) -> Result<Value, Undefined> {
        Ok(match value {
            Value::String(text) => Value::String(self.substitute(text)?),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|item| self.substitute_json(item))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| Ok((self.substitute(k)?, self.substitute_json(v)?)))
                    .collect::<Result<_, Undefined>>()?,
            ),
            other => other.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn substitutes_names_with_or_without_spaces() {
        let mut vars = Vars::default();
        vars.set("run.prefix", "sm1a2b");
        vars.set("id", "42");
        assert_eq!(
            vars.substitute("/Users/{{id}}?x={{ run.prefix }}").unwrap(),
            "/Users/42?x=sm1a2b"
        );
        assert_eq!(
            vars.substitute("no vars, {single} braces").unwrap(),
            "no vars, {single} braces"
        );
    }

    #[test]
    fn an_undefined_variable_is_an_error() {
        let error = Vars::default()
            .substitute("/Users/{{user_id}}")
            .unwrap_err();
        assert_eq!(error.name, "user_id");
        assert_eq!(error.to_string(), "undefined variable `{{user_id}}`");
    }

    #[test]
    fn substitutes_inside_json_strings_only() {
        let mut vars = Vars::default();
        vars.set("p", "sm9");
        let out = vars
            .substitute_json(
                &json!({"userName": "{{p}}-ada", "n": 1, "list": ["{{p}}"], "no": "no"}),
            )
            .unwrap();
        assert_eq!(
            out,
            json!({"userName": "sm9-ada", "n": 1, "list": ["sm9"], "no": "no"})
        );
    }
}
