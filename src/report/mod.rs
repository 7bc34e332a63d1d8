//! Reports: what a run found, rendered for the three audiences that read it.
//!
//! Every format renders the same [`RunReport`](crate::runner::outcome::RunReport); none of them
//! re-judges anything, so a scenario that fails in one fails in all of them.
//!
//! - [`human`]: the terminal and CI-log view. One line per scenario run, and for every failed
//!   check the exact exchange that broke it (request and response, as recorded), because the
//!   person reading it owns the server and needs to reproduce the failure, not just count it.
//!   `-v` lists every verdict; `-vv` adds the whole transcript. Colour goes through
//!   [`anstream`], so `NO_COLOR`, `CLICOLOR` and non-terminals get plain text.
//! - [`json`]: the machine-readable report (`--json`), a versioned schema
//!   ([`json::JSON_REPORT_VERSION`], committed as `docs/report.schema.json`) that CI tooling can
//!   rely on across releases.
//! - [`junit`]: JUnit XML (`--junit`), one test suite per IdP and one test case per scenario, so
//!   CI systems show scimulate's results in their test tabs without a plugin.
//!
//! [`progress`] is the live progress bar on stderr while scenarios run; [`suites`] counts each
//! vendor suite the vendor's way, for the human and JSON reports.
//!
//! Reports print exchanges verbatim: secrets are scrubbed by the runner when an exchange is
//! recorded (see [`crate::exchange`]), and nothing here can (or tries to) undo that.

pub mod checks;
pub mod coverage;
pub mod human;
pub mod json;
pub mod junit;
#[cfg(feature = "cli")]
pub mod progress;
pub mod suites;

pub use human::{render as render_human, write as write_human};
pub use json::{JSON_REPORT_VERSION, to_json, write_json};
pub use junit::{to_junit, write_junit};
#[cfg(feature = "cli")]
pub use progress::Progress;

/// The JSON Schema (draft 2020-12) of a report written with serde: what it serializes, so a
/// field always written is `required`.
pub(crate) fn schema_of<T: schemars::JsonSchema>() -> serde_json::Value {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>();
    serde_json::to_value(schema).unwrap_or_default()
}

pub(crate) use crate::files::write_atomic;

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_print_redacted_exchanges_verbatim_and_never_unredact() {
        // Arrange: the runner scrubbed the token; the body carries a scrubbed password too.
        let mut report = fixtures::report();
        let run = &mut report.scenarios[1];
        run.exchanges[0].request.headers[1].1 = "Bearer <redacted>".to_owned();
        run.exchanges[0].request.body =
            br#"{"userName":"bjensen","password":"<redacted>"}"#.to_vec();
        run.exchanges[0]
            .response
            .as_mut()
            .unwrap()
            .headers
            .push(("set-cookie".to_owned(), "session=<redacted>".to_owned()));

        // Act
        let human: Vec<String> = (0..=2).map(|v| human::render(&report, v)).collect();
        let json = to_json(&report);
        let junit = to_junit(&report);

        // Assert
        // Verbosity 0 shows exchanges compactly (no headers, bodies on one line).
        assert!(human[0].contains("> {\"userName\":\"bjensen\",\"password\":\"<redacted>\"}\n"));
        for text in &human[1..] {
            assert!(text.contains("> authorization: Bearer <redacted>\n"));
            assert!(text.contains(">   \"password\": \"<redacted>\"\n"));
            assert!(text.contains("< set-cookie: session=<redacted>\n"));
        }
        let exchange = &json["scenarios"][1]["exchanges"][0];
        assert_eq!(exchange["request_headers"][1][1], "Bearer <redacted>");
        assert_eq!(
            exchange["request_body"],
            r#"{"userName":"bjensen","password":"<redacted>"}"#
        );
        assert_eq!(exchange["response_headers"][1][1], "session=<redacted>");
        assert!(junit.contains("&gt; authorization: Bearer &lt;redacted&gt;"));
        assert!(junit.contains("&lt; set-cookie: session=&lt;redacted&gt;"));
    }
}
