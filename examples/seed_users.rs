//! Seeds a SCIM server with users for `scripts/bench.sh`, and times how fast it accepts them.
//!
//! The benchmark needs a populated server (one user to fetch by id, then 100,000 to filter
//! among) and creating them through the SCIM API is itself a measurement of the write path.
//! Each user is `bench-user-<i>@example.com`, sent with `POST` to `<base>/Users` with a bearer token,
//! at most [`IN_FLIGHT`] requests at a time.
//!
//! Usage: `seed_users BASE_URL TOKEN COUNT [START]` creates users `START..START+COUNT`
//! (START defaults to 0). Prints `FIRST_ID=<id>` (the id of user START) and a timing line on
//! stdout. Stops at the first response that is not `201 Created`, printing it, with exit
//! status 1; every request has a timeout, so the program always ends.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::task::JoinSet;

/// Requests in flight at once.
const IN_FLIGHT: usize = 16;
/// Timeout of one request, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

struct Args {
    base: String,
    token: String,
    count: usize,
    start: usize,
}

fn parse_args() -> Result<Args, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !(3..=4).contains(&args.len()) {
        return Err("usage: seed_users BASE_URL TOKEN COUNT [START]".into());
    }
    let count = args[2]
        .parse()
        .map_err(|_| format!("COUNT must be a non-negative integer, got {:?}", args[2]))?;
    let start = match args.get(3) {
        None => 0,
        Some(arg) => arg
            .parse()
            .map_err(|_| format!("START must be a non-negative integer, got {arg:?}"))?,
    };
    Ok(Args {
        base: args[0].trim_end_matches('/').to_owned(),
        token: args[1].clone(),
        count,
        start,
    })
}

fn user(i: usize) -> Value {
    let address = format!("bench-user-{i}@example.com");
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": address,
        "name": {"givenName": "G", "familyName": "F"},
        "emails": [{"value": address, "type": "work", "primary": true}],
        "active": true,
    })
}

/// An error with its causes (reqwest's own message leaves out e.g. "Connection refused").
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Creates user `i`, returning its id.
async fn create(client: &reqwest::Client, args: &Args, i: usize) -> Result<String, String> {
    let response = client
        .post(format!("{}/Users", args.base))
        .bearer_auth(&args.token)
        .header("content-type", "application/scim+json")
        .json(&user(i))
        .send()
        .await
        .map_err(|err| format!("POST user {i}: {}", describe(&err)))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|err| format!("POST user {i}: reading the response: {}", describe(&err)))?;
    if status != reqwest::StatusCode::CREATED {
        return Err(format!(
            "POST user {i}: expected 201 Created, got {status}: {body}"
        ));
    }
    let created: Value = serde_json::from_str(&body)
        .map_err(|err| format!("POST user {i}: the 201 body is not JSON ({err}): {body}"))?;
    created
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("POST user {i}: the 201 body has no string \"id\": {body}"))
}

async fn run(args: Args) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|err| format!("building the HTTP client: {}", describe(&err)))?;
    let args = Arc::new(args);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();

    let mut workers = JoinSet::new();
    for _ in 0..IN_FLIGHT.min(args.count) {
        let (client, args, next) = (client.clone(), Arc::clone(&args), Arc::clone(&next));
        workers.spawn(async move {
            let mut first_id = None;
            loop {
                let offset = next.fetch_add(1, Ordering::Relaxed);
                if offset >= args.count {
                    return Ok::<_, String>(first_id);
                }
                let id = create(&client, &args, args.start + offset).await?;
                if offset == 0 {
                    first_id = Some(id);
                }
            }
        });
    }

    let mut first_id = None;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(Ok(id)) => first_id = first_id.or(id),
            Ok(Err(err)) => {
                workers.abort_all();
                return Err(err);
            }
            Err(err) => {
                workers.abort_all();
                return Err(format!("a seeding task failed: {err}"));
            }
        }
    }

    let elapsed = started.elapsed().as_secs_f64();
    if let Some(id) = first_id {
        println!("FIRST_ID={id}");
    }
    // Counts above 2^32 are not a seeding anyone waits for; saturate rather than cast.
    let count = u32::try_from(args.count).map_or(f64::from(u32::MAX), f64::from);
    let rate = if elapsed > 0.0 { count / elapsed } else { 0.0 };
    println!(
        "SEEDED count={} start={} seconds={elapsed:.3} users_per_second={rate:.0} in_flight={IN_FLIGHT}",
        args.count, args.start
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match parse_args() {
        Ok(args) => run(args).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("seed_users: {err}");
            ExitCode::FAILURE
        }
    }
}
