//! What the Okta tests share: the scripted fake target (crate::idp::script), and the request
//! Okta must send, written out independently of `request::HEADERS`.

pub(super) use crate::idp::script::Script;

use super::*;

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
    // The places of the credential, the length and the host, after User-Agent as in Okta's
    // dump; the transport fills them in. Then the two fields that close the dump.
    headers.push(("Authorization", crate::idp::wire::CREDENTIAL_SLOT));
    if !body.is_empty() {
        headers.push(("Content-Length", crate::idp::wire::LENGTH_SLOT));
    }
    headers.push(("Host", crate::idp::wire::HOST_SLOT));
    headers.push(("Connection", "Keep-Alive"));
    headers.push(("Accept-Encoding", "gzip,deflate"));
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
