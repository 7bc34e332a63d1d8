//! Plain-HTTP connections of a load run, one per worker, straight on hyper.
//!
//! A worker sends one request at a time, so it needs one keep-alive connection, not a pool: the
//! general client's pool, URL parsing, redirect policy and per-request layers cost more CPU
//! than the target's answer when both share a machine, and a load run measures the target.
//! HTTPS and proxied targets keep the general client (`runner::transport`), which knows TLS and
//! proxies.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::idp::wire::{WireRequest, WireResponse};
use crate::runner::transport::{MAX_RESPONSE_BYTES, Target};

/// One worker's connection to an `http://` target.
pub struct DirectConnection {
    /// `host:port` to connect to, and the `Host` header.
    authority: String,
    /// The base URL's path (`/scim/v2`), put in front of each request's path.
    base_path: String,
    credential: Option<(String, String)>,
    timeout: Duration,
    /// Header names go out title-cased (`Content-Type`), as Okta's do.
    title_case: bool,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl DirectConnection {
    /// A connection for `target`, if it is plain HTTP (and not reached through a proxy).
    pub fn for_target(target: &Target, title_case: bool) -> Option<Self> {
        let rest = target.base_url.strip_prefix("http://")?;
        let (authority, path) = match rest.find('/') {
            Some(slash) => (&rest[..slash], &rest[slash..]),
            None => (rest, ""),
        };
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        let authority = if authority.contains(':') {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        Some(DirectConnection {
            authority,
            base_path: path.trim_end_matches('/').to_owned(),
            credential: target.auth.header(),
            timeout: target.timeout,
            title_case,
            sender: None,
        })
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, String> {
        let stream = TcpStream::connect(&self.authority)
            .await
            .map_err(|e| format!("could not connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::Builder::new()
            .title_case_headers(self.title_case)
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("could not connect: {e}"))?;
        tokio::spawn(connection);
        Ok(sender)
    }

    /// Sends one request, reconnecting when the target closed the last connection.
    pub async fn send(&mut self, request: WireRequest) -> Result<WireResponse, String> {
        let limit = self.timeout;
        match tokio::time::timeout(limit, self.exchange(request)).await {
            Ok(outcome) => outcome,
            Err(_) => {
                // The connection is in an unknown state: the next request gets a new one.
                self.sender = None;
                Err(format!("timed out after {} ms", limit.as_millis()))
            }
        }
    }

    async fn exchange(&mut self, request: WireRequest) -> Result<WireResponse, String> {
        let mut sender = match self.sender.take() {
            Some(sender) if !sender.is_closed() => sender,
            _ => self.connect().await?,
        };
        sender
            .ready()
            .await
            .map_err(|e| format!("the connection failed: {e}"))?;
        let mut builder = hyper::Request::builder()
            .method(request.method)
            .uri(format!("{}{}", self.base_path, request.path))
            .header("host", &self.authority);
        if let Some((name, value)) = &self.credential
            && !request
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            builder = builder.header(name.as_str(), value.as_str());
        }
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let outgoing = builder
            .body(Full::new(Bytes::from(request.body)))
            .map_err(|e| format!("invalid request: {e}"))?;
        let response = sender
            .send_request(outgoing)
            .await
            .map_err(|e| format!("the request failed: {e}"))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| format!("the response body could not be read (status {status}): {e}"))?
            .to_bytes()
            .to_vec();
        self.sender = Some(sender);
        Ok(WireResponse {
            status,
            headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::transport::{Auth, TlsOptions};

    fn target(base_url: &str) -> Target {
        Target {
            base_url: base_url.to_owned(),
            auth: Auth::Bearer("t0ken".into()),
            timeout: Duration::from_secs(1),
            tls: TlsOptions::default(),
            no_proxy: true,
        }
    }

    #[test]
    fn only_plain_http_targets_go_direct() {
        let direct = DirectConnection::for_target(&target("http://127.0.0.1:8642/scim/v2/"), false)
            .expect("plain HTTP");
        assert_eq!(direct.authority, "127.0.0.1:8642");
        assert_eq!(direct.base_path, "/scim/v2");
        assert_eq!(
            DirectConnection::for_target(&target("http://scim.example.com"), false)
                .map(|d| d.authority),
            Some("scim.example.com:80".to_owned())
        );
        assert!(
            DirectConnection::for_target(&target("https://scim.example.com/scim/v2"), false)
                .is_none()
        );
    }
}
