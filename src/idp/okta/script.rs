//! The scripted fake target the Okta tests share: it records every request and answers from a
//! queue, and the request Okta must send, written out independently of `request::HEADERS`.

use std::collections::VecDeque;
use std::future::Future;

use super::*;

/// A fake target: records every request and answers from a queue. Running out of answers is
/// a transport failure, so an unexpected extra request shows up as an `Err`.
#[derive(Default)]
pub(super) struct Script {
    pub(super) sent: Vec<WireRequest>,
    /// The waits asked for, in order.
    pub(super) waits: Vec<std::time::Duration>,
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

    fn wait(&mut self, duration: std::time::Duration) -> impl Future<Output = ()> + Send {
        self.waits.push(duration);
        std::future::ready(())
    }
}

impl Script {
    /// Queues an answer with extra headers.
    pub(super) fn reply_with(mut self, status: u16, headers: &[(&str, &str)], body: &str) -> Self {
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
}

/// The request Okta must send, written out independently of `request::HEADERS`.
pub(super) fn expected(method: &'static str, path: &str, body: &str) -> WireRequest {
    let mut headers = vec![
        ("Accept", "application/scim+json"),
        ("Accept-Charset", "utf-8"),
    ];
    if !body.is_empty() {
        headers.push(("Content-Type", "application/scim+json; charset=utf-8"));
    }
    headers.push(("User-Agent", "Okta SCIM Client 1.0.0"));
    WireRequest {
        method,
        path: path.to_owned(),
        headers: headers
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

pub(super) fn template() -> Okta {
    Okta::new(OktaFlavour::OinTemplate)
}

pub(super) fn aiw() -> Okta {
    Okta::new(OktaFlavour::Aiw)
}
