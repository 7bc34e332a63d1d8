//! Sending requests to the target and recording what happened.
//!
//! One `reqwest` client per run (connection pool), redirects not followed (a conformance
//! harness must *see* a 3xx), a timeout per request. The request target is the base URL plus
//! the scenario's path exactly as written, so a pre-encoded query reaches the server byte for
//! byte. Whatever the target does (time out, reset, answer garbage or a huge body), the result
//! is an [`Exchange`] with an error, never a panic.

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};

use super::exchange::{Exchange, RecordedRequest, RecordedResponse};
use super::scrub::Scrubber;

/// The most response body bytes kept; a larger body is cut and says so.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// How the runner authenticates to the target.
#[derive(Clone, Default)]
pub enum Auth {
    #[default]
    None,
    Bearer(String),
    Basic {
        user: String,
        password: String,
    },
    /// Any header, e.g. `X-Api-Key: …` or Okta's verbatim `Authorization` value.
    Header {
        name: String,
        value: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("Auth::None"),
            Auth::Bearer(_) => f.write_str("Auth::Bearer(<redacted>)"),
            Auth::Basic { user, .. } => write!(f, "Auth::Basic({user}:<redacted>)"),
            Auth::Header { name, .. } => write!(f, "Auth::Header({name}: <redacted>)"),
        }
    }
}

impl Auth {
    /// The secrets to scrub, and the headers whose values are credentials.
    pub fn scrubber(&self) -> Scrubber {
        match self {
            Auth::None => Scrubber::new(vec![], vec![]),
            Auth::Bearer(token) => Scrubber::new(vec![token.clone()], vec![]),
            Auth::Basic { user, password } => {
                let encoded = base64_encode(format!("{user}:{password}").as_bytes());
                Scrubber::new(vec![password.clone(), encoded], vec![])
            }
            Auth::Header { name, value } => {
                // A verbatim value (Okta's Header Auth) may carry a scheme: a target that
                // quotes the credential alone, or a Basic one decoded, must not leak it.
                let mut secrets = vec![value.clone()];
                if let Some((scheme, credential)) = value.split_once(' ') {
                    let credential = credential.trim();
                    secrets.push(credential.to_owned());
                    if scheme.eq_ignore_ascii_case("basic")
                        && let Some(decoded) = base64_decode(credential)
                    {
                        if let Some((_, password)) = decoded.split_once(':') {
                            secrets.push(password.to_owned());
                        }
                        secrets.push(decoded);
                    }
                }
                Scrubber::new(secrets, vec![name.clone()])
            }
        }
    }

    fn header(&self) -> Option<(String, String)> {
        match self {
            Auth::None => None,
            Auth::Bearer(token) => Some(("authorization".into(), format!("Bearer {token}"))),
            Auth::Basic { user, password } => Some((
                "authorization".into(),
                format!(
                    "Basic {}",
                    base64_encode(format!("{user}:{password}").as_bytes())
                ),
            )),
            Auth::Header { name, value } => Some((name.to_ascii_lowercase(), value.clone())),
        }
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 (padding optional) as UTF-8 text, or `None`.
fn base64_decode(text: &str) -> Option<String> {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        bits = (bits << 6) | TABLE.iter().position(|t| *t == c)? as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The target of a run: where, and as whom.
#[derive(Debug, Clone)]
pub struct Target {
    /// The SCIM base URL, without a trailing slash.
    pub base_url: String,
    pub auth: Auth,
    pub timeout: Duration,
}

/// Why the transport could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct TransportError(#[source] reqwest::Error);

/// Sends requests to one target.
#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    target: Target,
    scrubber: Scrubber,
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// This request's own timeout instead of the target's (an IdP's, e.g. Okta's 60 s).
    pub timeout: Option<Duration>,
}

impl Transport {
    pub fn new(target: Target) -> Result<Self, TransportError> {
        Self::with_header_case(target, false)
    }

    /// A transport whose HTTP/1 header names go out title-cased (`User-Agent`) rather than
    /// lowercase, for an IdP whose requests look that way on the wire.
    pub fn with_header_case(target: Target, title_case: bool) -> Result<Self, TransportError> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(target.timeout);
        if target.base_url.starts_with("http://") {
            // A plain-HTTP target never does TLS (and redirects are not followed), so skip
            // loading the system's CA store: it cost about 7 ms per client, which with the
            // embedded server's one client per scenario run dominated the harness overhead.
            builder = builder.tls_certs_only(std::iter::empty());
        }
        if title_case {
            builder = builder.http1_title_case_headers();
        }
        let client = builder.build().map_err(TransportError)?;
        let scrubber = target.auth.scrubber();
        Ok(Transport {
            client,
            target,
            scrubber,
        })
    }

    /// The same transport with another scrubber (an application API's credentials).
    pub fn with_scrubber(mut self, scrubber: Scrubber) -> Self {
        self.scrubber = scrubber;
        self
    }

    /// The same transport with a scrubber that has learned nothing yet, for one scenario run:
    /// the passwords it sends are its own secrets.
    pub fn for_scenario(&self) -> Self {
        let mut transport = self.clone();
        transport.scrubber = self.scrubber.fresh();
        transport
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn scrubber(&self) -> &Scrubber {
        &self.scrubber
    }

    /// Sends `outgoing` and records it, scrubbed.
    pub async fn send(&self, outgoing: &Outgoing, step: Option<usize>) -> Exchange {
        self.send_keeping_body(outgoing, step).await.0
    }

    /// [`Transport::send`], also handing back the answer's body as it came, before scrubbing:
    /// for a caller that must read a credential out of it (a sign-in's API key).
    pub async fn send_keeping_body(
        &self,
        outgoing: &Outgoing,
        step: Option<usize>,
    ) -> (Exchange, Option<Vec<u8>>) {
        let url = format!("{}{}", self.target.base_url, outgoing.path);
        let mut headers: Vec<(String, String)> = outgoing.headers.clone();
        if let Some((name, value)) = self.target.auth.header()
            && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            headers.insert(0, (name, value));
        }
        self.scrubber.learn(&outgoing.body);
        let recorded_request = RecordedRequest {
            method: outgoing.method.clone(),
            path: self.scrubber.text(&outgoing.path),
            url: self.scrubber.text(&url),
            headers: headers
                .iter()
                .map(|(n, v)| (n.clone(), self.scrubber.header(n, v)))
                .collect(),
            body: self.scrubber.body(&outgoing.body),
        };
        let started = Instant::now();
        let outcome = self
            .exchange(
                &outgoing.method,
                &url,
                &headers,
                &outgoing.body,
                outgoing.timeout,
            )
            .await;
        let elapsed = started.elapsed();
        let mut raw = None;
        let (response, error) = match outcome {
            Ok(mut response) => {
                let body = self.scrubber.body(&response.body);
                raw = Some(std::mem::replace(&mut response.body, body));
                (Some(response), None)
            }
            Err(error) => (None, Some(self.scrubber.text(&error))),
        };
        let exchange = Exchange {
            step,
            request: recorded_request,
            response,
            error,
            elapsed,
        };
        (exchange, raw)
    }

    async fn exchange(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
        timeout: Option<Duration>,
    ) -> Result<RecordedResponse, String> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| format!("`{method}` is not an HTTP method"))?;
        let url = reqwest::Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
        let mut request = self.client.request(method, url);
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name `{name}`"))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| format!("invalid value for header `{name}`"))?;
            request = request.header(name, value);
        }
        if !body.is_empty() {
            request = request.body(body.to_vec());
        }
        if let Some(timeout) = timeout {
            request = request.timeout(timeout);
        }
        let mut response = request.send().await.map_err(describe)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                let value = String::from_utf8_lossy(v.as_bytes());
                (
                    n.as_str().to_owned(),
                    self.scrubber.header(n.as_str(), &value),
                )
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(format!(
                    "the response body exceeds {MAX_RESPONSE_BYTES} bytes (status {status})"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RecordedResponse {
            status,
            headers,
            body,
        })
    }
}

/// A transport error in words a user can act on.
fn describe(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "the response body could not be read"
    } else {
        "the request failed"
    };
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        detail.push_str(": ");
        detail.push_str(&inner.to_string());
        source = inner.source();
    }
    format!("{kind}: {detail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64_encode(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64_encode(b"a"), "YQ==");
        assert_eq!(base64_encode(b"ab"), "YWI=");
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_decode("dXNlcjpwYXNz").as_deref(), Some("user:pass"));
        assert_eq!(base64_decode("YWI=").as_deref(), Some("ab"));
        assert_eq!(base64_decode("not base64!"), None);
    }

    #[test]
    fn debug_never_shows_credentials() {
        let auth = Auth::Basic {
            user: "admin".into(),
            password: "s3cret".into(),
        };
        assert!(!format!("{auth:?}").contains("s3cret"));
        assert!(!format!("{:?}", Auth::Bearer("tok".into())).contains("tok\""));
    }
}
