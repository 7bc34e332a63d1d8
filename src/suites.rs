//! The identity vendors' own submission tests, built into the catalogue as suites.
//!
//! Okta gates an app's listing in the Okta Integration Network on its "SCIM 2.0 SPEC Test",
//! Microsoft a gallery listing on its SCIM Validator and gallery-validation Logic App. Each
//! needs a SaaS account or a public URL and runs nowhere near CI; scimulate replays them offline.
//! A suite is a set of catalogue scenarios under `scenarios/suites/`, tagged `suite:NAME` and
//! opt-in (a default run leaves them out): `run --suite NAME` selects them, and their checks
//! are reported in their own area (`suite`), under the vendor's test names, Required tests
//! failing the run and Optional ones warning. What each step reproduces, from which source and
//! version, is `docs/suites.md`.

/// One vendor suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suite {
    /// What `--suite` takes.
    pub name: &'static str,
    /// The vendor's own name for it.
    pub vendor_name: &'static str,
    /// One line: what it gates.
    pub summary: &'static str,
    /// The vendor material its steps come from.
    pub source: &'static str,
}

/// Every built-in suite.
pub const SUITES: [Suite; 4] = [
    Suite {
        name: "okta-oin-spec",
        vendor_name: "Okta SCIM 2.0 SPEC Test",
        summary: "the Runscope suite an app's SCIM server must pass to be listed in the Okta Integration Network (current version, 2024-05-23)",
        source: "https://github.com/okta/okta-developer-docs/blob/f9abbe3dc10d0dcaa01791b9219583f2322c1883/packages/@okta/vuepress-site/.vuepress/public/standards/SCIM/SCIMFiles/Okta-SCIM-20-SPEC-Test.json",
    },
    Suite {
        name: "okta-oin-crud",
        vendor_name: "Okta SCIM 2.0 CRUD Test",
        summary: "Okta's OIN lifecycle test: create, update, deactivate, reactivate and unassign through Okta, each read back from the SCIM server (played by the okta profiles)",
        source: "https://github.com/okta/okta-developer-docs/blob/6654b22701/packages/@okta/vuepress-site/.vuepress/public/standards/SCIM/SCIMFiles/Okta-SCIM-20-CRUD-Test.json",
    },
    Suite {
        name: "entra-validator",
        vendor_name: "Microsoft Entra SCIM Validator",
        summary: "the tests of Microsoft's hosted SCIM Validator, users and groups, standard (Required) and preview (Optional), as its result files of February 2026 record them",
        source: "https://learn.microsoft.com/entra/identity/app-provisioning/scim-validator-tutorial",
    },
    Suite {
        name: "entra-gallery",
        vendor_name: "Entra gallery validation (Logic App)",
        summary: "the 25 tests Microsoft's gallery-validation Logic App runs before an app joins the Entra app gallery (overview v5, August 2026): direct SCIM tests, and user and group lifecycle tests played by the entra profile; the two credential tests need a real tenant",
        source: "https://github.com/AzureAD/SCIMReferenceCode/blob/3372c7e824a1cb065370db0958d59a642cc89a61/Microsoft.SCIM.LogicAppValidationTemplate/StandardLogicApp/SCIM-Validation-Test-Overview.md",
    },
];

/// The suite named `name`, or why there is none.
pub fn find(name: &str) -> Result<&'static Suite, String> {
    SUITES.iter().find(|s| s.name == name).ok_or_else(|| {
        let names: Vec<&str> = SUITES.iter().map(|s| s.name).collect();
        format!(
            "unknown suite `{name}`; one of: {} (`scimulate list --suites` describes them)",
            names.join(", ")
        )
    })
}

/// The `--filter` term that selects a suite's scenarios.
pub fn filter(suite: &Suite) -> String {
    format!("tag:suite:{}", suite.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suite_is_found_by_name_and_an_unknown_one_names_the_known() {
        assert_eq!(
            find("okta-oin-spec").map(|s| s.vendor_name),
            Ok("Okta SCIM 2.0 SPEC Test")
        );
        let unknown = find("okta-spec").expect_err("unknown");
        assert!(unknown.contains("okta-oin-spec"), "{unknown}");
        assert_eq!(filter(&SUITES[0]), "tag:suite:okta-oin-spec");
        assert_eq!(find("okta-oin-crud").map(|s| s.name), Ok("okta-oin-crud"));
        assert_eq!(
            find("entra-gallery").map(|s| s.vendor_name),
            Ok("Entra gallery validation (Logic App)")
        );
    }
}
