//! Choosing what a run runs: every scenario × each IdP it applies to, narrowed by `--idp`,
//! `--filter` and `--partition`, in a deterministic order.

use std::path::PathBuf;
use std::sync::Arc;

use crate::scenario::model::{IdpName, Scenario};

/// One scenario to run as one IdP.
#[derive(Debug, Clone)]
pub struct Planned {
    pub scenario: Arc<Scenario>,
    pub file: PathBuf,
    pub idp: IdpName,
}

impl Planned {
    /// `idp/scenario`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.idp.as_str(), self.scenario.name)
    }
}

/// `--partition K/N`: this machine runs the K-th of N slices (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Partition {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || format!("`{text}` is not a partition: write K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = text.split_once('/').ok_or_else(error)?;
        let index: usize = k.trim().parse().map_err(|_| error())?;
        let count: usize = n.trim().parse().map_err(|_| error())?;
        if count == 0 || index == 0 || index > count {
            return Err(error());
        }
        Ok(Partition { index, count })
    }
}

/// One `--filter` term: `tag:NAME`, `idp:NAME`, `=idp/scenario` (that run exactly), a glob
/// over `idp/scenario` (`*/me`, `okta*/push-*`), or text found in `idp/scenario`. The exact and
/// glob forms exist because text also matches longer names (`generic/me` in
/// `generic/media-type`).
fn term_matches(term: &str, planned: &Planned) -> bool {
    if let Some(tag) = term.strip_prefix("tag:") {
        planned.scenario.tags.iter().any(|t| t == tag)
    } else if let Some(idp) = term.strip_prefix("idp:") {
        planned.idp.as_str() == idp
    } else if let Some(exact) = term.strip_prefix('=') {
        planned.full_name() == exact
    } else if term.contains(['*', '?', '[']) {
        glob::Pattern::new(term).is_ok_and(|pattern| pattern.matches(&planned.full_name()))
    } else {
        planned.full_name().contains(term)
    }
}

/// The plan, sorted by scenario name then IdP. Every filter must match, and an `opt_in`
/// scenario needs a filter that names it (by name, glob or tag: `idp:` alone does not); the
/// partition is taken last, by position in that order, so N machines with the same files cover
/// the set once.
pub fn plan(
    scenarios: &[(PathBuf, Arc<Scenario>)],
    idp: Option<IdpName>,
    filters: &[String],
    partition: Option<Partition>,
) -> Vec<Planned> {
    let mut planned: Vec<Planned> = scenarios
        .iter()
        .flat_map(|(file, scenario)| {
            let mut idps = scenario.idps.clone();
            idps.sort();
            idps.dedup();
            idps.into_iter().map(move |idp| Planned {
                scenario: scenario.clone(),
                file: file.clone(),
                idp,
            })
        })
        .filter(|p| idp.is_none_or(|wanted| p.idp == wanted))
        .filter(|p| filters.iter().all(|term| term_matches(term, p)))
        .filter(|p| !p.scenario.opt_in || filters.iter().any(|term| !term.starts_with("idp:")))
        .collect();
    planned.sort_by(|a, b| {
        (&a.scenario.name, a.idp.as_str()).cmp(&(&b.scenario.name, b.idp.as_str()))
    });
    match partition {
        None => planned,
        Some(Partition { index, count }) => planned
            .into_iter()
            .enumerate()
            .filter(|(position, _)| position % count == index - 1)
            .map(|(_, p)| p)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(name: &str, idps: &[IdpName], tags: &[&str]) -> (PathBuf, Arc<Scenario>) {
        (
            PathBuf::from(format!("scenarios/{name}.yaml")),
            Arc::new(Scenario {
                name: name.into(),
                description: String::new(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                idps: idps.to_vec(),
                source: None,
                requires: vec![],
                exclusive: false,
                opt_in: false,
                idp_settings: Default::default(),
                steps: vec![],
            }),
        )
    }

    fn names(plan: &[Planned]) -> Vec<String> {
        plan.iter().map(Planned::full_name).collect()
    }

    #[test]
    fn every_scenario_runs_as_each_of_its_idps_in_a_stable_order() {
        let set = [
            scenario("b", &[IdpName::Okta, IdpName::Entra], &[]),
            scenario("a", &[IdpName::Generic], &[]),
        ];
        assert_eq!(
            names(&plan(&set, None, &[], None)),
            ["generic/a", "entra/b", "okta/b"]
        );
        assert_eq!(
            names(&plan(&set, Some(IdpName::Okta), &[], None)),
            ["okta/b"]
        );
    }

    #[test]
    fn filters_by_tag_idp_and_name_all_of_them() {
        let set = [
            scenario(
                "user-lifecycle",
                &[IdpName::Generic, IdpName::Okta],
                &["users"],
            ),
            scenario("group-lifecycle", &[IdpName::Generic], &["groups"]),
        ];
        assert_eq!(
            names(&plan(&set, None, &["tag:users".into()], None)),
            ["generic/user-lifecycle", "okta/user-lifecycle"]
        );
        assert_eq!(
            names(&plan(
                &set,
                None,
                &["tag:users".into(), "idp:okta".into()],
                None
            )),
            ["okta/user-lifecycle"]
        );
        assert_eq!(
            names(&plan(&set, None, &["group".into()], None)),
            ["generic/group-lifecycle"]
        );
    }

    #[test]
    fn exact_and_glob_terms_do_not_match_longer_names() {
        // Arrange
        let set = [
            scenario("me", &[IdpName::Generic], &[]),
            scenario("media-type", &[IdpName::Generic], &[]),
            scenario("push-group", &[IdpName::Okta, IdpName::OktaAiw], &[]),
        ];

        // Act / Assert
        assert_eq!(
            names(&plan(&set, None, &["generic/me".into()], None)),
            ["generic/me", "generic/media-type"],
            "text still matches inside longer names"
        );
        assert_eq!(
            names(&plan(&set, None, &["=generic/me".into()], None)),
            ["generic/me"]
        );
        assert_eq!(
            names(&plan(&set, None, &["*/me".into()], None)),
            ["generic/me"]
        );
        assert_eq!(
            names(&plan(&set, None, &["okta*/push-*".into()], None)),
            ["okta/push-group", "okta-aiw/push-group"]
        );
    }

    #[test]
    fn partitions_cover_the_set_exactly_once() {
        let set: Vec<_> = (0..7)
            .map(|i| scenario(&format!("s{i}"), &[IdpName::Generic], &[]))
            .collect();
        let mut seen: Vec<String> = Vec::new();
        for index in 1..=3 {
            seen.extend(names(&plan(
                &set,
                None,
                &[],
                Some(Partition { index, count: 3 }),
            )));
        }
        seen.sort();
        assert_eq!(seen, names(&plan(&set, None, &[], None)));
    }

    #[test]
    fn partition_syntax_is_checked() {
        assert_eq!(
            "2/4".parse::<Partition>(),
            Ok(Partition { index: 2, count: 4 })
        );
        for bad in ["0/4", "5/4", "1/0", "a/b", "3"] {
            assert!(bad.parse::<Partition>().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_opt_in_scenario_runs_only_when_a_filter_names_it() {
        // Arrange
        let (file, plain) = scenario("okta-push", &[IdpName::Okta], &[]);
        let (race_file, race) = scenario("okta-stale-put", &[IdpName::Okta], &["race"]);
        let mut race = (*race).clone();
        race.opt_in = true;
        let scenarios = vec![(file, plain), (race_file, Arc::new(race))];
        let names = |filters: &[&str]| -> Vec<String> {
            let filters: Vec<String> = filters.iter().map(|f| f.to_string()).collect();
            plan(&scenarios, None, &filters, None)
                .iter()
                .map(Planned::full_name)
                .collect()
        };

        // Act, Assert
        assert_eq!(names(&[]), ["okta/okta-push"]);
        assert_eq!(names(&["idp:okta"]), ["okta/okta-push"]);
        assert_eq!(names(&["tag:race"]), ["okta/okta-stale-put"]);
        assert_eq!(names(&["=okta/okta-stale-put"]), ["okta/okta-stale-put"]);
        assert_eq!(names(&["okta-"]), ["okta/okta-push", "okta/okta-stale-put"]);
    }
}
