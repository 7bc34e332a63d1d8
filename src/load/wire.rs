//! The way out of a load run: the IdP modules' [`Wire`] over a worker's connection, timing
//! every request into the worker's tally instead of recording it.

use std::sync::Arc;
use std::time::Instant;

use super::pace::Pacer;
use super::tally::{Tally, kind};
use crate::idp::wire::{Wire, WireRequest, WireResponse};
use crate::runner::direct::DirectConnection;
use crate::runner::transport::{Outgoing, Transport};

/// How a worker reaches the target: its own plain-HTTP connection, or the general client
/// (HTTPS, proxies).
pub enum Route {
    Direct(DirectConnection),
    Client(Transport),
}

/// One worker's wire: its own route and tally, and the run's pacer.
pub struct LoadWire {
    route: Route,
    pacer: Arc<Pacer>,
    pub tally: Tally,
}

impl LoadWire {
    pub fn new(route: Route, pacer: Arc<Pacer>) -> Self {
        LoadWire {
            route,
            pacer,
            tally: Tally::default(),
        }
    }
}

impl Wire for LoadWire {
    async fn send(&mut self, request: WireRequest) -> Result<WireResponse, String> {
        self.pacer.wait().await;
        let kind = kind(request.method, &request.path);
        let started = Instant::now();
        let outcome = match &mut self.route {
            Route::Direct(connection) => connection.send(request).await,
            Route::Client(transport) => {
                let outgoing = Outgoing {
                    method: request.method.to_owned(),
                    path: request.path,
                    headers: request.headers,
                    body: request.body,
                    timeout: None,
                };
                transport
                    .send_unrecorded(&outgoing)
                    .await
                    .map(|response| WireResponse {
                        status: response.status,
                        headers: response.headers,
                        body: response.body,
                    })
            }
        };
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        match &outcome {
            Ok(response) => self.tally.answered(kind, micros, response.status),
            Err(error) => self.tally.unanswered(kind, micros, error),
        }
        outcome
    }
}
