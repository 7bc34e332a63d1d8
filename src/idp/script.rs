//! The scripted fake target every IdP module's tests share: it records each request exactly as
//! the module sent it and answers from a queue. Running out of answers is a transport failure,
//! so an unexpected extra request shows up as an `Err` rather than passing unnoticed.

use std::collections::VecDeque;
use std::future::Future;

use super::IdpCheck;
use super::wire::{Wire, WireRequest, WireResponse};

#[derive(Default)]
pub struct Script {
    pub sent: Vec<WireRequest>,
    /// The waits asked for, in order.
    pub waits: Vec<std::time::Duration>,
    replies: VecDeque<Result<WireResponse, String>>,
}

impl Script {
    /// Queues an answer with a SCIM `Content-Type`.
    pub fn reply(self, status: u16, body: &str) -> Self {
        self.reply_with(status, &[("Content-Type", "application/scim+json")], body)
    }

    /// Queues an answer with these headers.
    pub fn reply_with(mut self, status: u16, headers: &[(&str, &str)], body: &str) -> Self {
        self.replies.push_back(Ok(WireResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }));
        self
    }

    /// Queues a transport failure.
    pub fn fail(mut self, message: &str) -> Self {
        self.replies.push_back(Err(message.to_owned()));
        self
    }

    /// `METHOD path` of every request sent.
    pub fn lines(&self) -> Vec<String> {
        self.sent
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// The body of the n-th request, as text.
    pub fn body(&self, index: usize) -> String {
        String::from_utf8_lossy(&self.sent[index].body).into_owned()
    }
}

impl Wire for Script {
    fn send(
        &mut self,
        request: WireRequest,
    ) -> impl Future<Output = Result<WireResponse, String>> + Send {
        self.sent.push(request);
        let reply = self
            .replies
            .pop_front()
            .unwrap_or_else(|| Err("the script has no more answers".to_owned()));
        async move { reply }
    }

    fn wait(&mut self, duration: std::time::Duration) -> impl Future<Output = ()> + Send {
        self.waits.push(duration);
        std::future::ready(())
    }
}

/// The ids of the checks that failed, in order.
pub fn failed(checks: &[IdpCheck]) -> Vec<&'static str> {
    checks.iter().filter(|c| !c.held()).map(|c| c.id).collect()
}

/// Every check's id with the request it judged.
pub fn ids(checks: &[IdpCheck]) -> Vec<(&'static str, Option<usize>)> {
    checks.iter().map(|c| (c.id, c.request)).collect()
}
