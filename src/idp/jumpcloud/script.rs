//! What the JumpCloud tests share: the scripted fake target (crate::idp::script), and the
//! request JumpCloud must send, written out independently of `request::request`.

pub(super) use crate::idp::script::{Script, failed, ids};
use crate::idp::wire::WireRequest;

/// The request JumpCloud must send with the default `Content-Type`: that header alone, and only
/// with a body (docs/idps/jumpcloud.md §4, §5, §9).
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
