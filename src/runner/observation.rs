//! What a read observes: the accepted write before it that it reads back.
//!
//! A read that fails (a GET still finds `active: true`, a filter finds a user that should not
//! exist) is rarely wrong by itself: a write before it was accepted and did not do what it said.
//! The human report shows that write beside the failed read, and [`cause`](super::cause) gives
//! the read the cause of that write when the write's own check failed too, so one accepted
//! duplicate is one cause and not one more per read of it.
//!
//! A read observes a write when it names what the write wrote: the same resource path
//! (`PATCH /Users/7` then `GET /Users/7`), or a string its filter compares that the write sent
//! (`POST /Bulk` creating `dave@…`, then `GET /Users?filter=userName eq "dave@…"`). Sharing only
//! a collection (`POST /Users`, then an unfiltered `GET /Users`) is not enough: that read sees
//! every write of the run.

use crate::exchange::Exchange;

/// The shortest filter string taken as naming a write: shorter ones (`true`, `en`) occur in
/// bodies by chance.
const MIN_LITERAL_CHARS: usize = 4;

/// Whether an exchange only observes: a GET the target answered with a 2xx. A refused read
/// observes nothing.
pub fn is_observation(exchange: &Exchange) -> bool {
    exchange.request.method.eq_ignore_ascii_case("GET") && answered_2xx(exchange)
}

/// The index of the latest accepted write before `read` that the read names, if any.
pub fn observed_write(exchanges: &[Exchange], read: usize) -> Option<usize> {
    observed_writes(exchanges, read).next()
}

/// Every accepted write before `read` that the read names, the latest first.
pub fn observed_writes(exchanges: &[Exchange], read: usize) -> impl Iterator<Item = usize> + '_ {
    attempted_writes(exchanges, read).filter(|&index| answered_2xx(&exchanges[index]))
}

/// Every write before `read` that the read names and the target answered, accepted or
/// refused, the latest first: a read that does not find what a refused write tried to write
/// fails because of the refusal.
pub fn attempted_writes(exchanges: &[Exchange], read: usize) -> impl Iterator<Item = usize> + '_ {
    let Some(request) = exchanges.get(read).map(|e| &e.request) else {
        return Vec::new().into_iter();
    };
    let (path, query) = request
        .path
        .split_once('?')
        .unwrap_or((request.path.as_str(), ""));
    let names_a_resource = path
        .split('/')
        .filter(|segment| !segment.is_empty() && !segment.starts_with('.'))
        .count()
        >= 2;
    let literals = filter_literals(query);
    let linked: Vec<usize> = (0..read)
        .rev()
        .filter(|&index| {
            let write = &exchanges[index];
            !write.request.method.eq_ignore_ascii_case("GET")
                && write.response.is_some()
                && ((names_a_resource && write.request.path.split('?').next() == Some(path))
                    || sent_any(write, &literals))
        })
        .collect();
    linked.into_iter()
}

fn answered_2xx(exchange: &Exchange) -> bool {
    exchange
        .response
        .as_ref()
        .is_some_and(|r| (200..300).contains(&r.status))
}

/// The quoted strings a query's `filter` compares, long enough to name something.
fn filter_literals(query: &str) -> Vec<String> {
    let mut literals = Vec::new();
    for (name, filter) in form_urlencoded::parse(query.as_bytes()) {
        if !name.eq_ignore_ascii_case("filter") {
            continue;
        }
        let mut parts = filter.split('"');
        parts.next();
        while let Some(inside) = parts.next() {
            if inside.chars().count() >= MIN_LITERAL_CHARS {
                literals.push(inside.to_owned());
            }
            // What follows the closing quote is outside the string.
            parts.next();
        }
    }
    literals
}

fn sent_any(write: &Exchange, literals: &[String]) -> bool {
    if literals.is_empty() {
        return false;
    }
    // Compared without case: a filter's `eq` on a string is case-insensitive unless the
    // attribute is caseExact (RFC 7644 §3.4.2.2), so `ADA@…` is what `eq "ada@…"` finds.
    let body = String::from_utf8_lossy(&write.request.body).to_lowercase();
    let path = write.request.path.to_lowercase();
    literals.iter().any(|literal| {
        let literal = literal.to_lowercase();
        body.contains(&literal) || path.contains(&literal)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{RecordedRequest, RecordedResponse};

    fn exchange(method: &str, path: &str, body: &str, status: u16) -> Exchange {
        Exchange {
            step: None,
            request: RecordedRequest {
                method: method.to_owned(),
                path: path.to_owned(),
                url: format!("http://127.0.0.1{path}"),
                headers: Vec::new(),
                body: body.as_bytes().to_vec(),
            },
            response: Some(RecordedResponse {
                status,
                headers: Vec::new(),
                body: Vec::new(),
            }),
            error: None,
            elapsed: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn a_read_of_a_resource_observes_the_last_accepted_write_to_it() {
        // Arrange
        let exchanges = [
            exchange("PATCH", "/Users/7", "{}", 200),
            exchange("PUT", "/Users/7", "{}", 400),
            exchange("GET", "/Users/7", "", 200),
        ];

        // Act / Assert: the refused PUT changed nothing.
        assert_eq!(observed_write(&exchanges, 2), Some(0));
    }

    #[test]
    fn a_filtered_read_observes_the_write_that_sent_what_it_filters_on() {
        // Arrange
        let exchanges = [
            exchange(
                "POST",
                "/Bulk",
                r#"{"userName":"sm1-dave@example.com"}"#,
                200,
            ),
            exchange(
                "POST",
                "/Users",
                r#"{"userName":"sm1-erin@example.com"}"#,
                201,
            ),
            exchange(
                "GET",
                "/Users?filter=userName%20eq%20%22sm1-dave%40example.com%22",
                "",
                200,
            ),
        ];

        // Act / Assert
        assert_eq!(observed_write(&exchanges, 2), Some(0));
    }

    #[test]
    fn a_read_of_a_whole_collection_observes_no_single_write() {
        // Arrange
        let exchanges = [
            exchange("POST", "/Users", r#"{"userName":"ada"}"#, 201),
            exchange("GET", "/Users?startIndex=1&count=2", "", 200),
            exchange("GET", "/Users?filter=active%20eq%20true", "", 200),
        ];

        // Act / Assert: no resource named, and `true` is too short to name one.
        assert_eq!(observed_write(&exchanges, 1), None);
        assert_eq!(observed_write(&exchanges, 2), None);
    }

    #[test]
    fn only_an_answered_get_is_an_observation() {
        assert!(is_observation(&exchange("GET", "/Users/7", "", 200)));
        assert!(!is_observation(&exchange("GET", "/Users/7", "", 404)));
        assert!(!is_observation(&exchange("DELETE", "/Users/7", "", 204)));
    }
}
