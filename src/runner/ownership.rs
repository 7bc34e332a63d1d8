//! What this run created, and the rule that keeps it safe against a shared tenant: the runner
//! never modifies or deletes a resource it did not create.
//!
//! A `POST` to `/Users` or `/Groups` answered `201` with an `id` registers that resource. A
//! `PUT`, `PATCH` or `DELETE` on `/Users/{id}` or `/Groups/{id}` is sent only if this run
//! created `{id}`, or if `{id}` carries the run's unique prefix (a made-up id such as
//! `{{run.prefix}}-missing` cannot belong to anyone else). A resource the run created and
//! deleted may be deleted again (a vendor suite's "delete the same user twice"), and nothing
//! else may be sent to it. A `POST /Bulk` (RFC 7644 §3.7) is
//! held to the same rule operation by operation: each `PUT`, `PATCH` or `DELETE` in it must
//! name a resource the run created (or one a `bulkId:` of the same request creates), and each
//! `POST` answered `201` with a `location` registers what it created. At the end, what is left
//! is deleted, newest first, unless `--keep` is given.

use serde_json::Value;

use crate::exchange::Exchange;
use crate::scim::patch::raw_operations;

/// Resources this run created and has not deleted, oldest first, as `(endpoint, id)`.
#[derive(Debug, Default, Clone)]
pub struct Ownership {
    created: Vec<(String, String)>,
    /// Resources this run created and then deleted: a second `DELETE` may go to them.
    deleted: Vec<(String, String)>,
}

/// `/Users/abc?x` → `("Users", "abc")`; `None` for anything else.
fn resource_path(path: &str) -> Option<(&str, &str)> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let (endpoint, id) = path.trim_start_matches('/').split_once('/')?;
    let is_resource = (endpoint == "Users" || endpoint == "Groups")
        && !id.is_empty()
        && !id.contains('/')
        && !id.starts_with('.');
    is_resource.then_some((endpoint, id))
}

fn is_bulk(path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or("");
    path.trim_start_matches('/').trim_end_matches('/') == "Bulk"
}

fn collection(path: &str) -> Option<&str> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    match path.trim_start_matches('/').trim_end_matches('/') {
        endpoint @ ("Users" | "Groups") => Some(endpoint),
        _ => None,
    }
}

impl Ownership {
    /// Whether the runner may send `method` to `path`; `Err` says why not.
    pub fn permits(&self, method: &str, path: &str, run_prefix: &str) -> Result<(), String> {
        let mutating = ["PUT", "PATCH", "DELETE"]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(method));
        let Some((endpoint, id)) = resource_path(path).filter(|_| mutating) else {
            return Ok(());
        };
        let owned = self.created.iter().any(|(e, i)| e == endpoint && i == id);
        let deleted_before = method.eq_ignore_ascii_case("DELETE")
            && self.deleted.iter().any(|(e, i)| e == endpoint && i == id);
        if owned || deleted_before || id.contains(run_prefix) {
            Ok(())
        } else {
            Err(format!(
                "refusing to send {method} {path}: this run did not create {endpoint}/{id} \
                 (scimulate never modifies or deletes what it did not create)"
            ))
        }
    }

    /// [`Ownership::permits`] for every operation of a `POST /Bulk` body.
    pub fn permits_bulk(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        run_prefix: &str,
    ) -> Result<(), String> {
        if !method.eq_ignore_ascii_case("POST") || !is_bulk(path) {
            return Ok(());
        }
        let Ok(body) = serde_json::from_slice::<Value>(body) else {
            return Ok(());
        };
        for operation in raw_operations(&body) {
            let text = |name: &str| operation.get(name).and_then(Value::as_str).unwrap_or("");
            let path = text("path");
            if path.contains("bulkId:") {
                continue;
            }
            self.permits(text("method"), path, run_prefix)
                .map_err(|why| format!("in a Bulk request: {why}"))?;
        }
        Ok(())
    }

    /// Registers a resource this run created another way (through the application's API): the
    /// run may change it, and cleans it up.
    pub fn adopt(&mut self, endpoint: &str, id: &str) {
        super::interrupt::created(format!("/{endpoint}/{id}"));
        self.created.push((endpoint.to_owned(), id.to_owned()));
    }

    /// Updates the register from one exchange.
    pub fn observe(&mut self, exchange: &Exchange) {
        let Some(response) = &exchange.response else {
            return;
        };
        let method = exchange.request.method.to_ascii_uppercase();
        if method == "POST"
            && response.status == 201
            && let Some(endpoint) = collection(&exchange.request.path)
            && let Ok(body) = serde_json::from_slice::<Value>(&response.body)
            && let Some(id) = body.get("id").and_then(Value::as_str)
        {
            super::interrupt::created(format!("/{endpoint}/{id}"));
            self.created.push((endpoint.to_owned(), id.to_owned()));
        }
        if method == "POST"
            && response.status == 200
            && is_bulk(&exchange.request.path)
            && let Ok(body) = serde_json::from_slice::<Value>(&response.body)
        {
            self.observe_bulk(&body);
        }
        let gone = response.status == 404 || (200..300).contains(&response.status);
        if method == "DELETE"
            && gone
            && let Some((endpoint, id)) = resource_path(&exchange.request.path)
        {
            super::interrupt::deleted(&format!("/{endpoint}/{id}"));
            let before = self.created.len();
            self.created.retain(|(e, i)| !(e == endpoint && i == id));
            if self.created.len() < before {
                self.deleted.push((endpoint.to_owned(), id.to_owned()));
            }
        }
    }

    /// What the operations of a BulkResponse created and deleted.
    fn observe_bulk(&mut self, response: &Value) {
        for operation in raw_operations(response) {
            let text = |name: &str| operation.get(name).and_then(Value::as_str).unwrap_or("");
            let status: u16 = text("status").parse().unwrap_or(0);
            // The location is a URL; its last two segments are the endpoint and the id.
            let mut segments = text("location").rsplit('/');
            let (Some(id), Some(endpoint)) = (segments.next(), segments.next()) else {
                continue;
            };
            if !(endpoint == "Users" || endpoint == "Groups") || id.is_empty() {
                continue;
            }
            let method = text("method").to_ascii_uppercase();
            let owned = self.created.iter().any(|(e, i)| e == endpoint && i == id);
            if method == "POST" && status == 201 && !owned {
                super::interrupt::created(format!("/{endpoint}/{id}"));
                self.created.push((endpoint.to_owned(), id.to_owned()));
            }
            if method == "DELETE" && (status == 404 || (200..300).contains(&status)) {
                super::interrupt::deleted(&format!("/{endpoint}/{id}"));
                self.created.retain(|(e, i)| !(e == endpoint && i == id));
            }
        }
    }

    /// The paths to delete at the end, newest first.
    pub fn leftovers(&self) -> Vec<String> {
        self.created
            .iter()
            .rev()
            .map(|(endpoint, id)| format!("/{endpoint}/{id}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::exchange::{RecordedRequest, RecordedResponse};

    fn exchange(method: &str, path: &str, status: u16, body: &str) -> Exchange {
        Exchange {
            step: Some(0),
            request: RecordedRequest {
                method: method.into(),
                path: path.into(),
                url: format!("http://t{path}"),
                headers: vec![],
                body: vec![],
            },
            response: Some(RecordedResponse {
                status,
                headers: vec![],
                body: body.as_bytes().to_vec(),
            }),
            error: None,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_bulk_request_may_change_only_what_the_run_created_and_registers_what_it_creates() {
        // Arrange
        let mut ownership = Ownership::default();
        let response = r#"{"Operations":[
            {"method":"POST","bulkId":"a","status":"201","location":"http://t/scim/v2/Users/made"},
            {"method":"POST","bulkId":"b","status":"409"}]}"#;
        let request = |path: &str| {
            format!(r#"{{"Operations":[{{"method":"DELETE","path":"{path}"}}]}}"#).into_bytes()
        };

        // Act
        ownership.observe(&exchange("POST", "/Bulk", 200, response));

        // Assert
        assert_eq!(ownership.leftovers(), ["/Users/made"]);
        let mine = ownership.permits_bulk("POST", "/Bulk", &request("/Users/made"), "run1");
        let by_bulk_id =
            ownership.permits_bulk("POST", "/Bulk", &request("/Users/bulkId:a"), "run1");
        let theirs = ownership.permits_bulk("POST", "/Bulk", &request("/Users/theirs"), "run1");
        assert!(mine.is_ok() && by_bulk_id.is_ok());
        assert!(theirs.unwrap_err().contains("did not create Users/theirs"));
        let deleted = r#"{"Operations":[{"method":"DELETE","status":"204","location":"http://t/scim/v2/Users/made"}]}"#;
        ownership.observe(&exchange("POST", "/Bulk", 200, deleted));
        assert!(ownership.leftovers().is_empty());
    }

    #[test]
    fn only_what_the_run_created_may_be_changed() {
        // Arrange
        let mut ownership = Ownership::default();
        ownership.observe(&exchange("POST", "/Users", 201, r#"{"id":"mine"}"#));
        ownership.observe(&exchange("POST", "/Users", 409, r#"{"id":"theirs"}"#));

        // Act / Assert
        assert!(ownership.permits("PATCH", "/Users/mine", "sm1").is_ok());
        assert!(ownership.permits("DELETE", "/Users/theirs", "sm1").is_err());
        assert!(ownership.permits("PUT", "/Groups/mine", "sm1").is_err());
        assert!(ownership.permits("GET", "/Users/theirs", "sm1").is_ok());
        assert!(ownership.permits("POST", "/Users/.search", "sm1").is_ok());
        assert!(
            ownership
                .permits("PUT", "/Users/sm1-missing", "sm1")
                .is_ok()
        );
        let refusal = ownership
            .permits("delete", "/Users/theirs?x=1", "sm1")
            .unwrap_err();
        assert!(refusal.contains("did not create Users/theirs"), "{refusal}");
    }

    #[test]
    fn deleted_resources_leave_the_register_and_leftovers_come_newest_first() {
        let mut ownership = Ownership::default();
        ownership.observe(&exchange("POST", "/Users", 201, r#"{"id":"u1"}"#));
        ownership.observe(&exchange("POST", "/Groups", 201, r#"{"id":"g1"}"#));
        ownership.observe(&exchange("POST", "/Users", 201, r#"{"id":"u2"}"#));
        ownership.observe(&exchange("DELETE", "/Users/u2", 204, ""));

        assert_eq!(ownership.leftovers(), ["/Groups/g1", "/Users/u1"]);
    }

    #[test]
    fn what_the_run_deleted_may_be_deleted_again_and_nothing_more() {
        // Arrange
        let mut ownership = Ownership::default();
        ownership.observe(&exchange("POST", "/Users", 201, r#"{"id":"u1"}"#));

        // Act
        ownership.observe(&exchange("DELETE", "/Users/u1", 204, ""));

        // Assert
        assert!(ownership.permits("DELETE", "/Users/u1", "sm1").is_ok());
        assert!(ownership.permits("PATCH", "/Users/u1", "sm1").is_err());
        assert!(ownership.permits("DELETE", "/Groups/u1", "sm1").is_err());
        assert!(ownership.leftovers().is_empty());
    }
}
