//! What a target profile changes in a run: waivers (a failing check the team accepts is
//! reported as waived, not failed, until the waiver's last day) and resource templates (what a
//! strict target requires is added to every resource the scenarios create).

use scimulate::runner::outcome::Outcome;
use scimulate::server::Quirk;
use scimulate::snapshot::SnapshotMode;

use crate::support::{plan_of, root, run_embedded, runtime, settings};

#[test]
fn a_waived_deviation_is_reported_as_waived_and_does_not_fail_the_run() {
    runtime().block_on(async {
        // Arrange: a server whose itemsPerPage echoes count, and a profile that waives that.
        let plan = plan_of(&root().join("scenarios/rfc/paging.yaml"));
        let mut profile = (*scimulate::runner::app::reference_profile()).clone();
        for check in [
            "rfc7644.3.4.2.4.items-per-page-is-returned",
            "rfc7644.3.4.2.4.last-page-items-per-page",
        ] {
            profile.waivers.push(scimulate::target::profile::Waiver {
                check: check.into(),
                reason: "fixed in the next release".into(),
                expires: "2999-12-31".into(),
            });
        }
        let mut waived = settings(None, SnapshotMode::Normal);
        waived.profile = Some(std::sync::Arc::new(profile));

        // Act
        let plain = run_embedded(
            plan.clone(),
            &[Quirk::ItemsPerPageIsCount],
            settings(None, SnapshotMode::Normal),
        )
        .await;
        let report = run_embedded(plan, &[Quirk::ItemsPerPageIsCount], waived).await;

        // Assert
        assert_eq!(plain.exit_code(), 1);
        assert_eq!(report.exit_code(), 0, "{:#?}", report.scenarios[0].verdicts);
        assert!(report.scenarios[0].verdicts.iter().any(|v| matches!(
            &v.outcome,
            Outcome::Waived { waiver, .. } if waiver.contains("until 2999-12-31")
        )));
    });
}

#[test]
fn a_resource_template_fills_every_created_user() {
    runtime().block_on(async {
        // Arrange: a profile whose users must carry a title and a family name.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("create.yaml"),
            "name: create\ndescription: Creates a bare user.\nsteps:\n  - request:\n      method: POST\n      path: /Users\n      body: { userName: \"{{run.prefix}}-a@{{data.email_domain}}\", name: { givenName: Ada } }\n      expect:\n        status: 201\n        json:\n          - { pointer: /title, equals: Templated }\n          - { pointer: /name/givenName, equals: Ada }\n          - { pointer: /name/familyName, equals: Lovelace }\n",
        )
        .unwrap();
        let mut profile = (*scimulate::runner::app::reference_profile()).clone();
        profile.templates.insert(
            "User".into(),
            serde_json::json!({"title": "Templated", "name": {"givenName": "X", "familyName": "Lovelace"}}),
        );
        let mut templated = settings(None, SnapshotMode::Normal);
        templated.profile = Some(std::sync::Arc::new(profile));

        // Act
        let bare = run_embedded(plan_of(dir.path()), &[], settings(None, SnapshotMode::Normal)).await;
        let report = run_embedded(plan_of(dir.path()), &[], templated).await;

        // Assert
        assert_eq!(bare.exit_code(), 1, "without the template there is no title");
        assert_eq!(report.exit_code(), 0, "{:#?}", report.scenarios[0].verdicts);
    });
}

#[test]
fn the_profile_s_idp_block_sets_how_the_idp_sends_and_the_report_names_it() {
    // Arrange: a JumpCloud console set to `%20` filters and `application/json` bodies.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bind.yaml"),
        "name: bind\ndescription: JumpCloud binds a group.\nidps: [jumpcloud]\nsteps:\n  - user: { key: ada, userName: \"{{run.prefix}}-ada@example.com\", givenName: Ada, familyName: Lovelace }\n  - group: { key: eng, name: \"{{run.prefix}} Engineering\", members: [ada] }\n  - assign_group: eng\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("profile.yaml"),
        "name: console\napp: { url: /api, credential_header: X-Api-Key }\nidp:\n  jumpcloud: { filter_encoding: percent20, content_type: application/json }\n",
    )
    .unwrap();
    let json = dir.path().join("report.json");

    // Act
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args([
            "run",
            "bind.yaml",
            "--no-snapshots",
            "--target-profile",
            "profile.yaml",
            "--json",
        ])
        .arg(&json)
        .current_dir(dir.path())
        .output()
        .unwrap();

    // Assert
    let shown = crate::support::output_text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("IdP settings: jumpcloud.content_type=application/json, jumpcloud.filter_encoding=percent20"),
        "{shown}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(
        report["idp_settings"]["jumpcloud.filter_encoding"],
        "percent20"
    );
    let exchanges = report["scenarios"][0]["exchanges"].as_array().unwrap();
    let lookup = exchanges
        .iter()
        .map(|e| e["path"].as_str().unwrap_or_default())
        .find(|path| path.starts_with("/Users?filter="))
        .expect("the lookup");
    assert!(
        lookup.starts_with("/Users?filter=userName%20eq%20%22"),
        "{lookup}"
    );
    let create = exchanges
        .iter()
        .find(|e| e["method"] == "POST")
        .expect("the create");
    assert!(
        create["request_headers"]
            .to_string()
            .contains(r#"["Content-Type","application/json"]"#),
        "{}",
        create["request_headers"]
    );
}

#[test]
fn okta_and_entra_settings_reach_the_wire_and_a_value_okta_does_not_offer_is_refused() {
    // Arrange: Okta's 2018 `+` filters, Entra matching on externalId first.
    let dir = tempfile::tempdir().unwrap();
    let user = "  - user: { key: ada, userName: \"{{run.prefix}}-ada@example.com\", givenName: Ada, familyName: Lovelace }\n  - assign: ada\n";
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::write(
        dir.path().join("scenarios/okta.yaml"),
        format!(
            "name: okta-assign\ndescription: Okta creates a user.\nidps: [okta]\nsteps:\n{user}"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("scenarios/entra.yaml"),
        format!("name: entra-assign\ndescription: Entra creates a user.\nidps: [entra]\nsteps:\n{user}  - start_provisioning\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("profile.yaml"),
        "name: console\napp: { url: /api, credential_header: X-Api-Key }\nidp:\n  okta: { filter_encoding: plus }\n  entra: { matching: [externalId, userName] }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "name: console\napp: { url: /api, credential_header: X-Api-Key }\nidp:\n  okta: { membership_batch: 5000 }\n",
    )
    .unwrap();
    let run = |profile: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_scimulate"))
            .args([
                "run",
                "scenarios",
                "--no-snapshots",
                "--target-profile",
                profile,
                "--json",
                "report.json",
            ])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };

    // Act
    let output = run("profile.yaml");
    let refused = run("bad.yaml");

    // Assert
    let shown = crate::support::output_text(&output);
    assert_eq!(output.status.code(), Some(0), "{shown}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let paths = |idp: &str| -> Vec<String> {
        report["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["idp"] == idp)
            .flat_map(|s| s["exchanges"].as_array().unwrap().clone())
            .filter_map(|e| e["path"].as_str().map(str::to_owned))
            .collect()
    };
    assert!(
        paths("okta")
            .iter()
            .any(|p| p.starts_with("/Users?filter=userName+eq+%22")),
        "{:?}",
        paths("okta")
    );
    assert!(
        paths("entra")
            .iter()
            .any(|p| p.starts_with("/Users?filter=externalId+eq+%22")),
        "{:?}",
        paths("entra")
    );
    let refusal = crate::support::output_text(&refused);
    assert_eq!(refused.status.code(), Some(2), "{refusal}");
    assert!(refusal.contains("idp.okta.membership_batch"), "{refusal}");
}
