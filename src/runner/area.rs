//! Areas: what a verdict is a claim about, each with its own verdict.
//!
//! A server can be a faithful RFC 7644 implementation and still trip over Entra's capitalised
//! PATCH ops, or be ready for Okta and leak access after deprovisioning. One pass/fail for all of
//! it tells a team neither; an area per claim does: RFC 7643/7644 conformance, each IdP
//! profile's readiness, lock-down (the application refuses what the IdP owns, and a
//! deprovisioned user loses access), the application's own documented behaviour, and whether
//! the harness's test data fit the target's published schema (a refusal there is about the
//! data, not the server).
//! `--gate AREA,…` chooses which areas decide the exit code.
//!
//! A check belongs to an area by its id's first word (`rfc7644.…` is RFC, `okta.…` the run's
//! IdP, `lockdown.…`, `clockify.…` the application); a check named after its step
//! (`<scenario>.step-N`) belongs to its scenario's folder (`scenarios/rfc/`, `lockdown/`,
//! `clockify/`, `suites/`: a vendor's submission suite, whose checks are named after the
//! suite), and otherwise to the IdP the scenario ran as. A replay of recorded traffic
//! (`recorded.…`) is an area of its own.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use super::outcome::{ScenarioRun, Verdict};
use crate::scenario::model::IdpName;

/// The tag of a scenario that replays recorded traffic (`scimulate record` writes it).
pub const REPLAY_TAG: &str = "recorded";

/// What a verdict is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    /// RFC 7643 / RFC 7644 (and the RFCs they lean on, such as RFC 7235).
    Rfc,
    /// What one IdP profile needs from the server to work.
    Idp(IdpName),
    /// Once SCIM is on, the application refuses what the IdP owns; deprovisioning revokes
    /// access at once.
    Lockdown,
    /// The application's own documented behaviour around provisioning.
    Application,
    /// Whether the harness's own test data fits the target's published schema: a refusal
    /// here blocks checks, but is no claim about conformance.
    TestData,
    /// An identity vendor's own submission test, replayed (`--suite`, docs/suites.md): the
    /// verdict the vendor's gate would give, apart from scimulate's own claims.
    Suite,
    /// Recorded IdP traffic replayed (`scimulate record`): whether the target still answers
    /// what the recorded IdP got, a claim about the recording, not about the RFC.
    Replay,
}

impl Area {
    /// The area of a verdict of `run`.
    pub fn of(run: &ScenarioRun, verdict: &Verdict) -> Area {
        let first = verdict.check.id.split('.').next().unwrap_or_default();
        match first {
            word if word.starts_with("rfc") => Area::Rfc,
            _ if verdict.check.is_test_data() => Area::TestData,
            "lockdown" => Area::Lockdown,
            "clockify" | "app" | "application" => Area::Application,
            "okta" | "entra" | "jumpcloud" => Area::of_idp(run.idp),
            "recorded" => Area::Replay,
            _ => Area::of_run(run),
        }
    }

    /// The area of a scenario run as a whole (its snapshot, its errors): its folder, or the IdP
    /// it ran as.
    pub fn of_run(run: &ScenarioRun) -> Area {
        // A replay `scimulate record` wrote, wherever its file lies.
        if run.tags.iter().any(|t| t == REPLAY_TAG) {
            return Area::Replay;
        }
        let folder = folder_of(&run.file);
        match folder.as_deref() {
            Some("rfc") => Area::Rfc,
            Some("lockdown") => Area::Lockdown,
            Some("clockify") => Area::Application,
            Some("suites") => Area::Suite,
            _ => Area::of_idp(run.idp),
        }
    }

    fn of_idp(idp: IdpName) -> Area {
        match idp {
            IdpName::Generic => Area::Rfc,
            idp => Area::Idp(idp),
        }
    }

    /// The name `--gate`, reports and JSON use: `rfc`, `okta`, `entra-compliant`, `lockdown`,
    /// `application`.
    pub fn name(self) -> &'static str {
        match self {
            Area::Rfc => "rfc",
            Area::Idp(idp) => idp.as_str(),
            Area::Lockdown => "lockdown",
            Area::Application => "application",
            Area::TestData => "test-data",
            Area::Suite => "suite",
            Area::Replay => "replay",
        }
    }

    /// What the area's verdict says, for people.
    pub fn title(self) -> String {
        match self {
            Area::Rfc => "RFC 7643/7644 conformance".to_owned(),
            Area::Idp(idp) => format!("{} readiness", idp.as_str()),
            Area::Lockdown => "lock-down".to_owned(),
            Area::Application => "application behaviour".to_owned(),
            Area::TestData => "the harness's test data against the target's schema".to_owned(),
            Area::Suite => "vendor submission suites".to_owned(),
            Area::Replay => "recorded traffic, replayed".to_owned(),
        }
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The scenario folder a file sits in (`scenarios/rfc/x.yaml` is `rfc`).
fn folder_of(file: &Path) -> Option<String> {
    let parent = file.parent()?.file_name()?.to_str()?;
    Some(parent.to_owned())
}

/// The areas that decide the exit code (`--gate`); all of them when none is named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gate {
    /// `None`: every area.
    areas: Option<BTreeSet<GateArea>>,
}

/// One area a gate names: `idp` names every IdP profile at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum GateArea {
    One(Area),
    EveryIdp,
}

/// A `--gate` value that names no area.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown area `{0}` in --gate: use rfc, idp (every IdP profile), an IdP profile ({profiles}), lockdown, application, suite, replay or test-data",
    profiles = IdpName::ALL[1..].iter().map(|i| i.as_str()).collect::<Vec<_>>().join(", ")
)]
pub struct UnknownArea(pub String);

impl Gate {
    /// Every area decides.
    pub fn all() -> Gate {
        Gate::default()
    }

    /// Parses `rfc,okta,lockdown`.
    pub fn parse(list: &str) -> Result<Gate, UnknownArea> {
        let mut areas = BTreeSet::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let area = match name.to_ascii_lowercase().as_str() {
                "rfc" => GateArea::One(Area::Rfc),
                "idp" => GateArea::EveryIdp,
                "lockdown" | "lock-down" => GateArea::One(Area::Lockdown),
                "application" | "app" => GateArea::One(Area::Application),
                "test-data" => GateArea::One(Area::TestData),
                "suite" | "suites" => GateArea::One(Area::Suite),
                "replay" => GateArea::One(Area::Replay),
                other => match IdpName::parse(other) {
                    Some(IdpName::Generic) | None => return Err(UnknownArea(name.to_owned())),
                    Some(idp) => GateArea::One(Area::Idp(idp)),
                },
            };
            areas.insert(area);
        }
        if areas.is_empty() {
            return Err(UnknownArea(list.to_owned()));
        }
        Ok(Gate { areas: Some(areas) })
    }

    /// Whether a failure in `area` decides the exit code.
    pub fn decides(&self, area: Area) -> bool {
        match &self.areas {
            None => true,
            Some(areas) => {
                areas.contains(&GateArea::One(area))
                    || (matches!(area, Area::Idp(_)) && areas.contains(&GateArea::EveryIdp))
            }
        }
    }

    /// The areas named, for reports: `None` for every area.
    pub fn names(&self) -> Option<Vec<String>> {
        self.areas.as_ref().map(|areas| {
            areas
                .iter()
                .map(|area| match area {
                    GateArea::One(area) => area.name().to_owned(),
                    GateArea::EveryIdp => "idp".to_owned(),
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use crate::runner::outcome::Outcome;
    use crate::scenario::model::Level;

    fn verdict(id: &str) -> Verdict {
        fixtures::verdict(
            fixtures::check(id, Level::Must, None),
            Outcome::Passed,
            0,
            "step",
            None,
        )
    }

    #[test]
    fn a_check_belongs_to_its_ids_first_word_and_a_step_check_to_its_folder() {
        // Arrange
        let mut okta = fixtures::run(IdpName::Okta, "assign");
        okta.file = "scenarios/okta/assign.yaml".into();
        let mut lockdown = fixtures::run(IdpName::Okta, "owns");
        lockdown.file = "scenarios/lockdown/owns.yaml".into();

        // Act / Assert
        assert_eq!(Area::of(&okta, &verdict("rfc7644.3.3.x")), Area::Rfc);
        assert_eq!(
            Area::of(&okta, &verdict("okta.create.x")),
            Area::Idp(IdpName::Okta)
        );
        assert_eq!(
            Area::of(&okta, &verdict("assign.step-2")),
            Area::Idp(IdpName::Okta)
        );
        assert_eq!(Area::of(&lockdown, &verdict("owns.step-2")), Area::Lockdown);
        assert_eq!(
            Area::of(&lockdown, &verdict("clockify.tz")),
            Area::Application
        );
        let mut generic = fixtures::run(IdpName::Generic, "paging");
        generic.file = "anywhere/paging.yaml".into();
        assert_eq!(Area::of(&generic, &verdict("paging.step-1")), Area::Rfc);
        let mut replay = fixtures::run(IdpName::Generic, "recorded");
        replay.file = "rec/recorded.yaml".into();
        replay.tags = vec![REPLAY_TAG.to_owned()];
        assert_eq!(
            Area::of(&replay, &verdict("recorded.recorded.exchange-1")),
            Area::Replay
        );
        assert_eq!(Area::of_run(&replay), Area::Replay);
        assert_eq!(
            Gate::parse("replay").map(|g| g.decides(Area::Replay)),
            Ok(true)
        );
    }

    #[test]
    fn a_gate_decides_for_the_areas_it_names() {
        // Act
        let gate = Gate::parse("rfc, idp").unwrap();
        let one = Gate::parse("entra-compliant").unwrap();

        // Assert
        assert!(gate.decides(Area::Rfc));
        assert!(gate.decides(Area::Idp(IdpName::Jumpcloud)));
        assert!(!gate.decides(Area::Lockdown));
        assert!(one.decides(Area::Idp(IdpName::EntraCompliant)));
        assert!(!one.decides(Area::Idp(IdpName::Entra)));
        assert!(Gate::all().decides(Area::Application));
        assert_eq!(
            Gate::parse("rfc,nope").unwrap_err(),
            UnknownArea("nope".into())
        );
        assert!(Gate::parse("generic").is_err());
        assert!(Gate::parse("").is_err());
    }
}
