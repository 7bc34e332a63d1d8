//! The scripted fake target the JumpCloud tests share: it records every request and answers
//! from a queue, and the request JumpCloud must send, written out independently of
//! `request::request`.

use std::collections::VecDeque;
use std::future::Future;

use crate::idp::wire::{Wire, WireRequest, WireResponse};

/// A fake target: records every request and answers from a queue. Running out of answers is a
/// transport failure, so an unexpected extra request shows up as an `Err`.
#[derive(Default)]
pub(super) struct Script {
    pub(super) sent: Vec<WireRequest>,
    replies: VecDeque<Result<WireResponse, String>>,
}

impl Script {
    pub(super) fn reply(mut self, status: u16, body: &str) -> Self {
        self.replies.push_back(Ok(WireResponse {
            status,
            headers: vec![("Content-Type".into(), "application/scim+json".into())],
            body: body.as_bytes().to_vec(),
        }));
        self
    }

    pub(super) fn fail(mut self, message: &str) -> Self {
        self.replies.push_back(Err(message.to_owned()));
        self
    }

    pub(super) fn lines(&self) -> Vec<String> {
        self.sent
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
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
}

/// The request JumpCloud must send with the default `Content-Type`: that header alone, and only
/// with a body (research/entra_jumpcloud.md B3, B4, B8).
pub(super) fn expected(method: &'static str, path: &str, body: &str) -> WireRequest {
    expected_as(method, path, body, "application/scim+json")
}

pub(super) fn expected_as(
    method: &'static str,
    path: &str,
    body: &str,
    content_type: &str,
) -> WireRequest {
    let headers = if body.is_empty() {
        Vec::new()
    } else {
        vec![("Content-Type".to_owned(), content_type.to_owned())]
    };
    WireRequest {
        method,
        path: path.to_owned(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

pub(super) fn failed(checks: &[crate::idp::IdpCheck]) -> Vec<&'static str> {
    checks.iter().filter(|c| !c.held()).map(|c| c.id).collect()
}

pub(super) fn ids(checks: &[crate::idp::IdpCheck]) -> Vec<(&'static str, Option<usize>)> {
    checks.iter().map(|c| (c.id, c.request)).collect()
}
