//! The way out of a load run: the IdP modules' [`Wire`] over the runner's transport, timing
//! every request into the worker's tally instead of recording it.

use std::sync::Arc;
use std::time::Instant;

use super::pace::Pacer;
use super::tally::{Tally, kind};
use crate::idp::wire::{Wire, WireRequest, WireResponse};
use crate::runner::transport::{Outgoing, Transport};

/// One worker's wire: its own tally, the run's transport (one connection pool) and pacer.
pub struct LoadWire {
    transport: Transport,
    pacer: Arc<Pacer>,
    pub tally: Tally,
}

impl LoadWire {
    pub fn new(transport: Transport, pacer: Arc<Pacer>) -> Self {
        LoadWire {
            transport,
            pacer,
            tally: Tally::default(),
        }
    }
}

impl Wire for LoadWire {
    async fn send(&mut self, request: WireRequest) -> Result<WireResponse, String> {
        self.pacer.wait().await;
        let kind = kind(request.method, &request.path);
        let outgoing = Outgoing {
            method: request.method.to_owned(),
            path: request.path,
            headers: request.headers,
            body: request.body,
            timeout: None,
        };
        let started = Instant::now();
        let outcome = self.transport.send_unrecorded(&outgoing).await;
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        match outcome {
            Ok(response) => {
                self.tally.answered(kind, micros, response.status);
                Ok(WireResponse {
                    status: response.status,
                    headers: response.headers,
                    body: response.body,
                })
            }
            Err(error) => {
                self.tally.unanswered(kind, micros, &error);
                Err(error)
            }
        }
    }
}
