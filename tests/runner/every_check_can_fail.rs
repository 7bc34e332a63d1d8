//! Every check the catalogue offers is shown failing: under a quirk of the reference server, or
//! behind a proxy that spoils exactly the answer the check judges. A check that nothing can
//! make fail would be a check that cannot tell a broken server from a good one.

use std::collections::{BTreeMap, BTreeSet};

use scimulate::runner::outcome::Outcome;
use scimulate::server::Quirk;
use scimulate::snapshot::SnapshotMode;

use crate::support::{
    PREFLIGHT_REQUESTS, Tamper, catalogue, run_embedded, run_remote, runtime, settings,
    tampering_proxy,
};

/// Set to rewrite `src/report/shown_failing.tsv` from this run.
const UPDATE_VAR: &str = "SCIMULATE_UPDATE_DOCS";

/// Shown failing means a failed outcome: an error, a skip, a waiver or a blocked check says
/// nothing about whether the check can tell a broken server from a good one.
fn is_failed(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Failed { .. })
}

/// The check a failed verdict shows failing: a step that arranges data and is refused reports
/// under `test-data.<its check>`, which is that step's check failing.
fn shown_id(id: &str) -> &str {
    id.strip_prefix("test-data.").unwrap_or(id)
}

#[test]
fn every_check_in_the_catalogue_is_shown_failing() {
    runtime().block_on(async {
        // Arrange: a clean run tells which exchange each check judges.
        let plan = catalogue();
        let baseline = run_embedded(plan.clone(), &[], settings(None, SnapshotMode::Normal)).await;
        assert!(
            baseline.passed(),
            "the catalogue must pass against the reference server"
        );
        let all: BTreeSet<String> = baseline
            .scenarios
            .iter()
            .flat_map(|s| s.verdicts.iter().map(|v| v.check.id.clone()))
            .collect();

        // Act: every quirk over the whole catalogue, then a spoiled answer for what is left.
        let mut shown: BTreeMap<String, String> = BTreeMap::new();
        for quirk in Quirk::ALL {
            let report =
                run_embedded(plan.clone(), &[quirk], settings(None, SnapshotMode::Normal)).await;
            for verdict in report.scenarios.iter().flat_map(|s| &s.verdicts) {
                if is_failed(&verdict.outcome) {
                    shown
                        .entry(shown_id(&verdict.check.id).to_owned())
                        .or_insert_with(|| format!("quirk {quirk}"));
                }
            }
        }
        // Some checks judge what only two bugs together produce: a page that ends the import
        // early (itemsPerPage echoing count) while leaving users out (a hidden inactive user).
        for quirks in [[Quirk::ItemsPerPageIsCount, Quirk::HideInactiveUsers]] {
            let report =
                run_embedded(plan.clone(), &quirks, settings(None, SnapshotMode::Normal)).await;
            for verdict in report.scenarios.iter().flat_map(|s| &s.verdicts) {
                if is_failed(&verdict.outcome) {
                    shown
                        .entry(shown_id(&verdict.check.id).to_owned())
                        .or_insert_with(|| format!("quirks {} + {}", quirks[0], quirks[1]));
                }
            }
        }
        for run in &baseline.scenarios {
            let planned = plan
                .iter()
                .find(|p| p.scenario.name == run.scenario && p.idp == run.idp)
                .expect("the run was planned");
            for verdict in &run.verdicts {
                if shown.contains_key(&verdict.check.id) {
                    continue;
                }
                let exchange = verdict
                    .exchange
                    .expect("a passing check judged an exchange");
                for tamper in [
                    Tamper::ServerError,
                    Tamper::LeakPassword,
                    Tamper::DropIds,
                    Tamper::NotJson,
                    Tamper::DuplicateMatch,
                ] {
                    // Requests 0 to 2 are the runner's preflight (/ServiceProviderConfig,
                    // /ResourceTypes, /Schemas).
                    let (url, _server, _proxy) =
                        tampering_proxy(exchange + PREFLIGHT_REQUESTS, tamper).await;
                    // The reference server's profile: its application API sits behind the
                    // same proxy, so a lock-down exchange can be spoiled like a SCIM one.
                    let mut remote = settings(None, SnapshotMode::Normal);
                    remote.profile = Some(scimulate::runner::app::reference_profile());
                    let report = run_remote(vec![planned.clone()], &url, remote).await;
                    let failed = report.scenarios[0].verdicts.iter().any(|v| {
                        shown_id(&v.check.id) == verdict.check.id && is_failed(&v.outcome)
                    });
                    if failed {
                        shown.insert(verdict.check.id.clone(), format!("proxy {tamper:?}"));
                        break;
                    }
                }
            }
        }

        // Assert
        let never: Vec<&String> = all.iter().filter(|id| !shown.contains_key(*id)).collect();
        assert!(
            never.is_empty(),
            "checks never shown failing: {never:?}\nshown: {shown:#?}"
        );
        assert!(all.len() >= 40, "the catalogue has {} checks", all.len());
        // What shows each check failing is listed with the check (`scimulate checks`).
        let listed: String = shown
            .iter()
            .filter(|(id, _)| all.contains(*id))
            .map(|(id, by)| format!("{id}\t{by}\n"))
            .collect();
        let path = crate::support::root().join("src/report/shown_failing.tsv");
        if std::env::var_os(UPDATE_VAR).is_some_and(|v| !v.is_empty() && v != "0") {
            std::fs::write(&path, &listed).unwrap();
            return;
        }
        assert!(
            listed == scimulate::report::checks::SHOWN_FAILING,
            "src/report/shown_failing.tsv is stale; regenerate it with\n\n    {UPDATE_VAR}=1 cargo test --test runner every_check_can_fail\n\nthen docs/checks.md with {UPDATE_VAR}=1 cargo test --test docs_checks"
        );
    });
}
