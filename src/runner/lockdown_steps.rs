//! Lock-down steps: `app` (a named request of the target profile), `probe` (a request the
//! application must refuse while SCIM is on) and `expect_access` (a provisioned user has, or no
//! longer has, access).
//!
//! "Immediately" is the promise (docs/application.md §3.3: "users lose access to Clockify
//! immediately upon being deprovisioned"), so `expect_access … allowed: false` sends
//! the user's credential in the very next request, with no retry and no grace period, and then
//! checks that signing in again is refused too.

use serde_json::Value;

use super::app::AppClient;
use super::expect::judge;
use super::idp_steps::{StepContext, StepResult, step_label};
use super::outcome::{CheckId, Outcome, Verdict};
use super::template::Vars;
use crate::exchange::RecordedResponse;
use crate::idp::directory::Directory;
use crate::scenario::model::{CheckSpec, Level, Step};

/// Where the lock-down checks come from when a profile names no source.
const SEED: &str = "docs/application.md §6";

fn check_id(spec: Option<&CheckSpec>, id: String, source: Option<&String>) -> CheckId {
    match spec {
        Some(spec) => CheckId::declared(spec, source),
        None => CheckId::new(
            id,
            Level::IdpRequired,
            Some(source.cloned().unwrap_or_else(|| SEED.to_owned())),
        ),
    }
}

/// The check an `expect_access` step reports under: the step's own, or the lock-down promise it
/// tests (granted while provisioned, revoked at once when deprovisioned).
pub fn access_check(expect: &crate::scenario::model::ExpectAccess) -> CheckId {
    let (id, source) = if expect.allowed {
        ("lockdown.access.granted", "docs/application.md §3.1")
    } else {
        (
            "lockdown.access.revoked-at-once",
            "docs/application.md §3.3",
        )
    };
    check_id(
        expect.check.as_ref(),
        id.to_owned(),
        Some(&source.to_owned()),
    )
}

/// Runs one lock-down step. `vars` gains the captures of an `app` request.
pub async fn run(
    step: &Step,
    context: &StepContext<'_>,
    app: Option<&mut AppClient>,
    directory: &Directory,
    vars: &mut Vars,
    exchanges: &mut Vec<crate::exchange::Exchange>,
    ownership: &mut super::ownership::Ownership,
) -> StepResult {
    let Some(app) = app else {
        return context.error(
            step,
            "this step needs a target profile (--target-profile FILE); the embedded server has its own"
                .to_owned(),
        );
    };
    let outcome = match step {
        Step::App(call) => {
            app_request(
                app, call, context, directory, vars, exchanges, ownership, step,
            )
            .await
        }
        Step::Probe(call) => probe(app, call, context, directory, vars, exchanges, step).await,
        Step::ExpectAccess(expect) => {
            access(app, expect, context, directory, vars, exchanges, step).await
        }
        _ => Err("not a lock-down step".to_owned()),
    };
    match outcome {
        Ok(verdict) => StepResult {
            verdicts: vec![verdict],
        },
        Err(message) => context.error(step, message),
    }
}

fn verdict(
    check: CheckId,
    outcome: Outcome,
    context: &StepContext<'_>,
    step: &Step,
    exchange: Option<usize>,
) -> Verdict {
    Verdict {
        check,
        outcome,
        step: context.index,
        step_name: step_label(step),
        exchange,
    }
}

/// A profile request or probe as written in the profile.
struct Shape<'p> {
    method: &'p str,
    path: &'p str,
    body: Option<&'p Value>,
    actor: &'p crate::target::profile::Actor,
}

/// Sends a named profile request about the call's user and group; the variables it saw, and
/// what came back.
async fn send_call(
    app: &AppClient,
    shape: Shape<'_>,
    call: &crate::scenario::model::ProfileCall,
    context: &StepContext<'_>,
    directory: &Directory,
    vars: &Vars,
    exchanges: &mut Vec<crate::exchange::Exchange>,
) -> Result<(Vars, super::app::Sent), String> {
    let scoped = AppClient::vars_for(vars, directory, call.user(), call.group())?;
    let sent = app
        .send(
            shape.method,
            shape.path,
            shape.body,
            Some((shape.actor, call.user())),
            None,
            &scoped,
            context.index,
            exchanges,
        )
        .await?;
    Ok((scoped, sent))
}

#[allow(clippy::too_many_arguments)]
async fn app_request(
    app: &mut AppClient,
    call: &crate::scenario::model::ProfileCall,
    context: &StepContext<'_>,
    directory: &Directory,
    vars: &mut Vars,
    exchanges: &mut Vec<crate::exchange::Exchange>,
    ownership: &mut super::ownership::Ownership,
    step: &Step,
) -> Result<Verdict, String> {
    let request = app
        .profile
        .requests
        .get(call.name())
        .cloned()
        .ok_or_else(|| format!("the target profile has no request `{}`", call.name()))?;
    let shape = Shape {
        method: &request.method,
        path: &request.path,
        body: request.body.as_ref(),
        actor: &request.actor,
    };
    let (scoped, sent) = send_call(app, shape, call, context, directory, vars, exchanges).await?;
    let check = check_id(
        request.check.as_ref(),
        format!("app.{}", call.name()),
        app.profile.source.as_ref(),
    );
    let (status, body) = match sent.answer {
        Ok(answer) => answer,
        Err(message) => {
            return Ok(verdict(
                check,
                Outcome::Error { message },
                context,
                step,
                Some(sent.exchange),
            ));
        }
    };
    if let Some(endpoint) = request.creates
        && (200..300).contains(&status)
        && let Some(id) = body.get("id").and_then(Value::as_str)
    {
        let endpoint = match endpoint {
            crate::target::profile::ScimEndpoint::Users => "Users",
            crate::target::profile::ScimEndpoint::Groups => "Groups",
        };
        ownership.adopt(endpoint, id);
    }
    for (name, pointer) in &request.capture {
        match body.pointer(pointer) {
            Some(Value::String(text)) => vars.set(name.clone(), text.clone()),
            Some(value) if !value.is_null() => vars.set(name.clone(), value.to_string()),
            _ => {
                return Ok(verdict(
                    check,
                    Outcome::Failed {
                        reasons: vec![format!(
                            "capture `{name}`: nothing at {pointer} in the answer ({status})"
                        )],
                    },
                    context,
                    step,
                    Some(sent.exchange),
                ));
            }
        }
    }
    let outcome = match &request.expect {
        None => Outcome::Passed,
        Some(expect) => {
            let recorded = exchanges[sent.exchange]
                .response
                .clone()
                .unwrap_or(RecordedResponse {
                    status,
                    headers: Vec::new(),
                    body: Vec::new(),
                });
            match judge(expect, &recorded, &scoped) {
                Ok(reasons) if reasons.is_empty() => Outcome::Passed,
                Ok(reasons) => Outcome::Failed { reasons },
                Err(undefined) => Outcome::Error {
                    message: undefined.to_string(),
                },
            }
        }
    };
    Ok(verdict(check, outcome, context, step, Some(sent.exchange)))
}

async fn probe(
    app: &mut AppClient,
    call: &crate::scenario::model::ProfileCall,
    context: &StepContext<'_>,
    directory: &Directory,
    vars: &Vars,
    exchanges: &mut Vec<crate::exchange::Exchange>,
    step: &Step,
) -> Result<Verdict, String> {
    let probe = app
        .profile
        .probes
        .get(call.name())
        .cloned()
        .ok_or_else(|| format!("the target profile has no probe `{}`", call.name()))?;
    let shape = Shape {
        method: &probe.method,
        path: &probe.path,
        body: probe.body.as_ref(),
        actor: &probe.actor,
    };
    let (_, sent) = send_call(app, shape, call, context, directory, vars, exchanges).await?;
    let check = check_id(
        probe.check.as_ref(),
        format!("lockdown.probe.{}", call.name()),
        app.profile.source.as_ref(),
    );
    let line = format!(
        "{} {}",
        probe.method.to_ascii_uppercase(),
        exchanges[sent.exchange].request.path
    );
    let outcome = match sent.answer {
        Err(message) => Outcome::Error { message },
        Ok((status, _)) if probe.refused.contains(&status) => Outcome::Passed,
        Ok((status, _)) => Outcome::Failed {
            reasons: vec![format!(
                "the application answered {line} with {status} while SCIM is on, expected a refusal ({}): {}",
                statuses(&probe.refused),
                probe.why
            )],
        },
    };
    Ok(verdict(check, outcome, context, step, Some(sent.exchange)))
}

fn statuses(list: &[u16]) -> String {
    list.iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The profile's access check, sent with this credential.
async fn check_with(
    app: &AppClient,
    access: &crate::target::profile::Access,
    credential: &str,
    vars: &Vars,
    context: &StepContext<'_>,
    exchanges: &mut Vec<crate::exchange::Exchange>,
) -> Result<super::app::Sent, String> {
    app.send(
        &access.check.method,
        &access.check.path,
        None,
        None,
        Some(credential),
        vars,
        context.index,
        exchanges,
    )
    .await
}

async fn access(
    app: &mut AppClient,
    expect: &crate::scenario::model::ExpectAccess,
    context: &StepContext<'_>,
    directory: &Directory,
    vars: &Vars,
    exchanges: &mut Vec<crate::exchange::Exchange>,
    step: &Step,
) -> Result<Verdict, String> {
    let access = app
        .profile
        .access
        .clone()
        .ok_or("the target profile has no `access` section")?;
    let scoped = AppClient::vars_for(vars, directory, Some(&expect.user), None)?;
    let check = access_check(expect);
    let mut reasons = Vec::new();
    let mut first_exchange = None;
    // Denied: the credential the user had goes first, in the very next request.
    if !expect.allowed
        && let Some(credential) = app.credential_of(&expect.user).cloned()
    {
        let sent = check_with(app, &access, &credential, &scoped, context, exchanges).await?;
        first_exchange.get_or_insert(sent.exchange);
        match sent.answer {
            Err(message) => return Ok(verdict(check, Outcome::Error { message }, context, step, Some(sent.exchange))),
            Ok((status, _)) if access.denied.contains(&status) => {}
            Ok((status, _)) => reasons.push(format!(
                "the credential `{}` had before deprovisioning still works: {} {} answered {status} (denied is {})",
                expect.user,
                access.check.method.to_ascii_uppercase(),
                access.check.path,
                statuses(&access.denied)
            )),
        }
    }
    // Sign in (again).
    let sent = app
        .send(
            &access.login.method,
            &access.login.path,
            access.login.body.as_ref(),
            Some((&access.login.actor, Some(&expect.user))),
            None,
            &scoped,
            context.index,
            exchanges,
        )
        .await?;
    first_exchange.get_or_insert(sent.exchange);
    let (status, body) = match sent.answer {
        Err(message) => {
            return Ok(verdict(
                check,
                Outcome::Error { message },
                context,
                step,
                Some(sent.exchange),
            ));
        }
        Ok(answer) => answer,
    };
    let credential = body
        .pointer(&access.login.credential)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|_| (200..300).contains(&status));
    match (credential, expect.allowed) {
        (None, true) => reasons.push(format!(
            "signing in as `{}` answered {status} without a credential at {}",
            expect.user, access.login.credential
        )),
        (None, false) => {}
        (Some(credential), allowed) => {
            if allowed {
                app.signed_in(&expect.user, credential.clone());
            }
            let sent = check_with(app, &access, &credential, &scoped, context, exchanges).await?;
            match sent.answer {
                Err(message) => return Ok(verdict(check, Outcome::Error { message }, context, step, Some(sent.exchange))),
                Ok((status, _)) if allowed && !access.allowed.contains(&status) => reasons.push(format!(
                    "`{}` signed in, but {} {} answered {status} (allowed is {})",
                    expect.user,
                    access.check.method.to_ascii_uppercase(),
                    access.check.path,
                    statuses(&access.allowed)
                )),
                Ok((status, _)) if !allowed && !access.denied.contains(&status) => reasons.push(format!(
                    "`{}` could sign in again after deprovisioning, and {} {} answered {status}",
                    expect.user,
                    access.check.method.to_ascii_uppercase(),
                    access.check.path
                )),
                Ok(_) => {}
            }
        }
    }
    let outcome = if reasons.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed { reasons }
    };
    Ok(verdict(check, outcome, context, step, first_exchange))
}
