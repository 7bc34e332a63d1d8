//! Sending requests to the target and recording what happened.
//!
//! One `reqwest` client per run (connection pool), redirects not followed (a conformance
//! harness must *see* a 3xx), a timeout per request. The request target is the base URL plus
//! the scenario's path exactly as written, so a pre-encoded query reaches the server byte for
//! byte. Whatever the target does (time out, reset, answer garbage or a huge body), the result
//! is an [`Exchange`] with an error, never a panic.
//!
//! TLS is rustls through reqwest's default features, whose verifier is
//! `rustls-platform-verifier`: on Linux it trusts the system's CA store (found the way OpenSSL
//! finds it, `SSL_CERT_FILE` / `SSL_CERT_DIR` honoured), on macOS and Windows the OS verifier.
//! [`TlsOptions`] adds private CAs on top of those roots (`--ca-cert`) or turns verification off
//! (`--insecure`). Proxies come from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
//! `NO_PROXY`, lower case too) as reqwest reads them by default; [`proxy_for`] says which one a
//! URL goes through.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};

use super::content_coding;
use super::direct::{DirectConnection, NameCase};
use super::scrub::Scrubber;
use crate::exchange::{Exchange, RecordedRequest, RecordedResponse};
use crate::idp::wire::{HOST_SLOT, LENGTH_SLOT, WireRequest};

/// The most response body bytes kept: a body whose `Content-Length` says more is refused
/// unread, one that streams more is cut here; either way the step's error says so.
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

    /// The credential header as it goes out, if any.
    pub fn header(&self) -> Option<(String, String)> {
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

    /// [`Auth::header`] with the name as it is conventionally written (`Authorization`), or as
    /// the user wrote it (`--auth-header X-Api-Key:…`): for a head that keeps names' case.
    pub fn header_as_written(&self) -> Option<(String, String)> {
        let (_, value) = self.header()?;
        let name = match self {
            Auth::Header { name, .. } => name.clone(),
            _ => "Authorization".to_owned(),
        };
        Some((name, value))
    }
}

/// Standard base64 (RFC 4648 §4) that decodes with or without padding, as Basic credentials
/// come either way.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// Standard base64 with padding (Basic credentials; tests search output for this form too).
pub fn base64_encode(bytes: &[u8]) -> String {
    base64::Engine::encode(&BASE64, bytes)
}

/// Standard base64 (padding optional) as UTF-8 text, or `None`.
pub fn base64_decode(text: &str) -> Option<String> {
    let bytes = base64::Engine::decode(&BASE64, text).ok()?;
    String::from_utf8(bytes).ok()
}

/// The target of a run: where, and as whom.
#[derive(Debug, Clone)]
pub struct Target {
    /// The SCIM base URL, without a trailing slash.
    pub base_url: String,
    pub auth: Auth,
    pub timeout: Duration,
    /// How the target's certificate is checked; every client built for the target uses it.
    pub tls: TlsOptions,
    /// Ignore the environment's proxies: for the embedded reference server on 127.0.0.1, which
    /// a proxy elsewhere cannot reach. A `--target` always honours them.
    pub no_proxy: bool,
}

/// How the runner's clients check a server's TLS certificate.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// Extra trusted roots (DER), on top of the system's (`--ca-cert`).
    pub ca_certs: Vec<Vec<u8>>,
    /// Accept any certificate for any name (`--insecure`).
    pub insecure: bool,
}

impl std::fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsOptions")
            .field("ca_certs", &self.ca_certs.len())
            .field("insecure", &self.insecure)
            .finish()
    }
}

impl TlsOptions {
    /// Reads the CA certificates of `path` (PEM, one or more `CERTIFICATE` blocks; or a single
    /// DER certificate) and adds them to the trusted roots. Returns how many it added; the
    /// error names the file and says what is wrong with it.
    pub fn add_ca_file(&mut self, path: &Path) -> Result<usize, String> {
        let certs = load_ca_file(path)?;
        let count = certs.len();
        self.ca_certs.extend(certs);
        Ok(count)
    }
}

/// The certificates of a `--ca-cert` file, each checked to be usable as a trust anchor.
fn load_ca_file(path: &Path) -> Result<Vec<Vec<u8>>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read the CA file {shown}: {e}"))?;
    let mut certs = Vec::new();
    for (index, cert) in CertificateDer::pem_slice_iter(&bytes).enumerate() {
        let cert = cert.map_err(|e| {
            format!(
                "the CA file {shown} is not valid PEM (certificate {}): {e}",
                index + 1
            )
        })?;
        certs.push(cert.to_vec());
    }
    if certs.is_empty() {
        if bytes.first() == Some(&0x30) {
            // No PEM block, but it may be one DER certificate (`SEQUENCE`).
            certs.push(bytes);
        } else {
            return Err(format!(
                "the CA file {shown} holds no certificate (expected PEM `-----BEGIN CERTIFICATE-----` blocks)"
            ));
        }
    }
    for (index, der) in certs.iter().enumerate() {
        let mut store = rustls::RootCertStore::empty();
        store
            .add(CertificateDer::from(der.as_slice()))
            .map_err(|e| {
                format!(
                    "the CA file {shown} holds an invalid certificate (number {}): {e}",
                    index + 1
                )
            })?;
    }
    Ok(certs)
}

/// The proxy that requests to `url` go through, as reqwest picks it from the environment (and
/// on macOS and Windows the system settings), with any credentials left out; `None` when they
/// go direct.
pub fn proxy_for(url: &str) -> Option<String> {
    let uri: axum::http::Uri = url.parse().ok()?;
    let matcher = hyper_util::client::proxy::matcher::Matcher::from_system();
    let intercept = matcher.intercept(&uri)?;
    // The matcher keeps the proxy's credentials apart from its URI, so this one has none.
    let shown = intercept.uri().to_string();
    let shown = shown.strip_suffix('/').unwrap_or(&shown).to_owned();
    if intercept.basic_auth().is_some() || intercept.raw_auth().is_some() {
        Some(format!("{shown} (with credentials, not shown)"))
    } else {
        Some(shown)
    }
}

/// Why the transport could not be set up.
#[derive(Debug, thiserror::Error)]
pub struct TransportError(#[source] reqwest::Error);

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // reqwest's own text is only "builder error": the cause is further down the chain.
        let detail = chain_text(&self.0);
        if detail.contains("No CA certificates were loaded from the system") {
            write!(
                f,
                "no trusted CA certificates were found on this system (install the ca-certificates package, point SSL_CERT_FILE at a bundle, or give --ca-cert FILE): {detail}"
            )
        } else {
            write!(f, "cannot build the HTTP client: {detail}")
        }
    }
}

/// Sends requests to one target.
#[derive(Debug, Clone)]
pub struct Transport {
    client: reqwest::Client,
    target: Target,
    /// The proxy the target is reached through (credentials left out), to name in errors.
    proxy: Option<String>,
    scrubber: Scrubber,
    /// The connection IdP requests take when the target is plain HTTP reached directly, so
    /// their heads are exactly the IdP's (see [`Transport::send_as_idp`]).
    idp_connection: Option<IdpConnection>,
}

/// One scenario run's connection for IdP requests: one at a time, as an IdP's task sends them.
#[derive(Clone, Default)]
struct IdpConnection(std::sync::Arc<tokio::sync::Mutex<Option<DirectConnection>>>);

impl std::fmt::Debug for IdpConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdpConnection")
    }
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

use crate::exchange::HARNESS_USER_AGENT;

impl Outgoing {
    /// The request marked as the harness's own (`User-Agent: scimulate/VERSION`), unless it
    /// names a user agent itself (a scenario may imitate a client).
    pub fn from_harness(mut self) -> Self {
        if !self
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("user-agent"))
        {
            self.headers
                .push(("user-agent".to_owned(), HARNESS_USER_AGENT.to_owned()));
        }
        self
    }
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
        // Proxies from the environment stay on (reqwest's default) for every target but the
        // embedded server.
        let proxy = if target.no_proxy {
            builder = builder.no_proxy();
            None
        } else {
            proxy_for(&target.base_url)
        };
        let via_https_proxy = proxy.as_deref().is_some_and(|p| p.starts_with("https://"));
        if target.base_url.starts_with("http://") && !via_https_proxy {
            // A plain-HTTP target never does TLS (and redirects are not followed), so skip
            // loading the system's CA store: it cost about 7 ms per client, which with the
            // embedded server's one client per scenario run dominated the harness overhead.
            // Through an https:// proxy it does TLS, to the proxy, and keeps the roots.
            builder = builder.tls_certs_only(std::iter::empty());
        } else if !target.tls.ca_certs.is_empty() {
            // On top of the system's roots, not instead of them.
            let mut certs = Vec::with_capacity(target.tls.ca_certs.len());
            for der in &target.tls.ca_certs {
                certs.push(reqwest::Certificate::from_der(der).map_err(TransportError)?);
            }
            builder = builder.tls_certs_merge(certs);
        }
        if target.tls.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        if title_case {
            builder = builder.http1_title_case_headers();
        }
        let client = builder.build().map_err(TransportError)?;
        let scrubber = target.auth.scrubber();
        let idp_connection = (proxy.is_none()
            && DirectConnection::for_target(&target, NameCase::AsWritten).is_some())
        .then(IdpConnection::default);
        Ok(Transport {
            client,
            target,
            proxy,
            scrubber,
            idp_connection,
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
        transport.idp_connection = self
            .idp_connection
            .as_ref()
            .map(|_| IdpConnection::default());
        transport
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The proxy the target is reached through (credentials left out), or `None` when it is
    /// reached directly.
    pub fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
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
        let (url, headers) = self.addressed(outgoing);
        let recorded_request = self.recorded(outgoing, &url, &headers);
        let started = Instant::now();
        let outcome = self
            .exchange(
                &outgoing.method,
                &url,
                &headers,
                &outgoing.body,
                outgoing.timeout,
                true,
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

    /// The request as the run records it, scrubbed; the scrubber learns the passwords it sends.
    fn recorded(
        &self,
        outgoing: &Outgoing,
        url: &str,
        headers: &[(String, String)],
    ) -> RecordedRequest {
        self.scrubber.learn(&outgoing.body);
        RecordedRequest {
            method: outgoing.method.clone(),
            path: self.scrubber.text(&outgoing.path),
            url: self.scrubber.text(url),
            headers: headers
                .iter()
                .map(|(n, v)| (n.clone(), self.scrubber.header(n, v)))
                .collect(),
            body: self.scrubber.body(&outgoing.body),
        }
    }

    /// Sends an IdP profile's request with exactly the IdP's head and records it, scrubbed. To a
    /// plain-HTTP target reached directly it goes over a connection that writes the head
    /// itself: the IdP's fields in its order and spelling, `Host` and `Content-Length` in their
    /// slots, nothing else. Through a proxy or over TLS the general client sends it, which
    /// spells names in one case, places `Host` and `Content-Length` itself and adds
    /// `accept: */*` when the IdP sends no `Accept` (docs/run.md, "Whose request is it").
    /// `timeout` is the IdP's own, if it has one.
    pub async fn send_as_idp(
        &self,
        request: WireRequest,
        timeout: Option<Duration>,
        step: Option<usize>,
    ) -> Exchange {
        let outgoing = Outgoing {
            method: request.method.to_owned(),
            path: request.path.clone(),
            headers: request.headers.clone(),
            body: request.body.clone(),
            timeout,
        };
        let Some(IdpConnection(connection)) = &self.idp_connection else {
            return self.send(&outgoing, step).await;
        };
        let (url, headers) = self.addressed(&outgoing);
        let recorded_request = self.recorded(&outgoing, &url, &headers);
        let limit = timeout.unwrap_or(self.target.timeout);
        let started = Instant::now();
        let answer = {
            let mut kept = connection.lock().await;
            match kept.as_mut() {
                Some(direct) => direct.send_within(request, limit).await,
                None => match DirectConnection::for_target(&self.target, NameCase::AsWritten) {
                    Some(direct) => kept.insert(direct).send_within(request, limit).await,
                    None => Err("the target is not a plain-HTTP address".to_owned()),
                },
            }
        };
        let elapsed = started.elapsed();
        let answer = answer.and_then(|response| {
            let body = content_coding::decode(&response.headers, response.body)?;
            Ok(RecordedResponse {
                status: response.status,
                headers: response
                    .headers
                    .iter()
                    .map(|(n, v)| (n.clone(), self.scrubber.header(n, v)))
                    .collect(),
                body: self.scrubber.body(&body),
            })
        });
        let (response, error) = match answer {
            Ok(response) => (Some(response), None),
            Err(error) => (None, Some(self.scrubber.text(&error))),
        };
        Exchange {
            step,
            request: recorded_request,
            response,
            error,
            elapsed,
        }
    }

    /// Sends `outgoing` without recording it: for a load run, where keeping every exchange would
    /// make memory grow with the number of requests. The credential goes in as with
    /// [`Transport::send`], and an error comes back scrubbed of secrets like a recorded one; the
    /// answer comes back as it came, so the caller scrubs whatever of it it keeps (a load run
    /// keeps a few failure examples, not answers: scrubbing every header of every answer would
    /// cost more than the examples ever need).
    pub async fn send_unrecorded(&self, outgoing: &Outgoing) -> Result<RecordedResponse, String> {
        let (url, headers) = self.addressed(outgoing);
        self.exchange(
            &outgoing.method,
            &url,
            &headers,
            &outgoing.body,
            outgoing.timeout,
            false,
        )
        .await
        .map_err(|error| self.scrubber.text(&error))
    }

    /// The URL `outgoing` goes to (the base URL and its path as written), and its headers with
    /// the credential first unless the request carries its own.
    fn addressed(&self, outgoing: &Outgoing) -> (String, Vec<(String, String)>) {
        let url = format!("{}{}", self.target.base_url, outgoing.path);
        let mut headers: Vec<(String, String)> = outgoing.headers.clone();
        // Where the request keeps a place for the credential (an IdP's header order), it goes
        // there, under the request's spelling of the name when the names agree; else first.
        let slot = headers
            .iter()
            .position(|(_, value)| value == crate::idp::wire::CREDENTIAL_SLOT);
        if let Some(at) = slot {
            let (slot_name, _) = headers.remove(at);
            if let Some((name, value)) = self.target.auth.header()
                && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name))
            {
                let name = if slot_name.eq_ignore_ascii_case(&name) {
                    slot_name
                } else {
                    name
                };
                headers.insert(at, (name, value));
            }
        } else if let Some((name, value)) = self.target.auth.header()
            && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name))
        {
            headers.insert(0, (name, value));
        }
        // `Host` and `Content-Length` are the HTTP client's to place here.
        headers.retain(|(_, value)| value != HOST_SLOT && value != LENGTH_SLOT);
        (url, headers)
    }

    async fn exchange(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
        timeout: Option<Duration>,
        scrub_headers: bool,
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
        let timeout = timeout.unwrap_or(self.target.timeout);
        let mut response = request
            .send()
            .await
            .map_err(|e| describe(e, timeout, None, self.proxy.as_deref()))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| {
                let value = String::from_utf8_lossy(v.as_bytes());
                let value = if scrub_headers {
                    self.scrubber.header(n.as_str(), &value)
                } else {
                    value.into_owned()
                };
                (n.as_str().to_owned(), value)
            })
            .collect();
        let promised = response.content_length();
        if let Some(length) = promised.filter(|&l| l > MAX_RESPONSE_BYTES as u64) {
            // Refused before reading: the memory a response may take is the limit, not its size.
            return Err(format!(
                "the response body exceeds {MAX_RESPONSE_BYTES} bytes (status {status}, \
                 Content-Length {length}); it was not read"
            ));
        }
        let mut body = Vec::new();
        loop {
            let chunk = match response.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(error) => {
                    let progress = BodyProgress {
                        status,
                        read: body.len(),
                        promised,
                    };
                    return Err(describe(
                        error,
                        timeout,
                        Some(progress),
                        self.proxy.as_deref(),
                    ));
                }
            };
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(format!(
                    "the response body exceeds {MAX_RESPONSE_BYTES} bytes (status {status}); \
                     reading stopped there"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        let body = content_coding::decode(&headers, body)?;
        Ok(RecordedResponse {
            status,
            headers,
            body,
        })
    }
}

/// A TLS failure in words a user can act on, if `error` is one.
fn describe_tls(error: &reqwest::Error) -> Option<&'static str> {
    use rustls::{CertificateError, Error as TlsError};

    // The chain hides it: reqwest → hyper → an I/O error (which keeps what it wraps out of
    // `source()`) → another I/O error → rustls's.
    fn unwrap_io<'a>(mut error: &'a (dyn std::error::Error + 'static)) -> Option<&'a TlsError> {
        loop {
            if let Some(tls) = error.downcast_ref::<TlsError>() {
                return Some(tls);
            }
            let wrapped = error.downcast_ref::<std::io::Error>()?.get_ref()?;
            error = wrapped;
        }
    }
    let message = match chain(error).find_map(unwrap_io)? {
        TlsError::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "the target's certificate is not trusted (unknown issuer); add its CA with --ca-cert FILE, or skip verification with --insecure"
        }
        TlsError::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => {
            "the target's certificate is not valid for this host name; use the name the certificate was issued for, or skip verification with --insecure"
        }
        TlsError::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => "the target's certificate has expired",
        TlsError::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
        ) => "the target's certificate is not valid yet (check the clocks)",
        TlsError::InvalidCertificate(CertificateError::Revoked) => {
            "the target's certificate has been revoked"
        }
        TlsError::InvalidCertificate(_) => {
            "the target's certificate was rejected; if it is issued by a private CA, add the CA with --ca-cert FILE"
        }
        TlsError::InvalidMessage(_) => {
            "the TLS handshake failed: the answer is not TLS (does the target speak plain HTTP on this port? then use http://)"
        }
        _ => "the TLS handshake failed",
    };
    Some(message)
}

/// How far a response got when reading its body failed: the status, the bytes read, and the
/// length the target promised (`Content-Length`).
#[derive(Debug, Clone, Copy)]
struct BodyProgress {
    status: u16,
    read: usize,
    promised: Option<u64>,
}

/// A transport error in words a user can act on. `timeout` is the one the request ran under;
/// `body` is set when the error came while reading the body; `proxy` is the one the request
/// went through.
fn describe(
    error: reqwest::Error,
    timeout: Duration,
    body: Option<BodyProgress>,
    proxy: Option<&str>,
) -> String {
    let io_kind = find::<std::io::Error>(&error).map(std::io::Error::kind);
    let http = find::<hyper::Error>(&error);
    let during_body = |what: &str| match body {
        None => what.to_owned(),
        Some(BodyProgress {
            status,
            read,
            promised,
        }) => {
            let of = promised.map(|p| format!(" of {p}")).unwrap_or_default();
            format!("{what} while reading the body (status {status}, {read}{of} bytes received)")
        }
    };
    let kind = if let Some(tls) = describe_tls(&error) {
        tls.to_owned()
    } else if error.is_timeout() {
        during_body(&format!("timed out after {}", show_duration(timeout)))
    } else if io_kind == Some(std::io::ErrorKind::ConnectionRefused) {
        "could not connect: connection refused".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else if io_kind == Some(std::io::ErrorKind::ConnectionReset) {
        during_body("the target reset the connection")
    } else if http.is_some_and(hyper::Error::is_parse) {
        "the target's answer is not valid HTTP".to_owned()
    } else if body.is_none() && http.is_some_and(hyper::Error::is_incomplete_message) {
        "the target closed the connection without answering".to_owned()
    } else if let Some(BodyProgress {
        status,
        read,
        promised: Some(promised),
    }) = body
        && (read as u64) < promised
    {
        format!(
            "the response body was cut short: {read} of the {promised} bytes its Content-Length \
             promised arrived (status {status})"
        )
    } else if let Some(BodyProgress { status, read, .. }) = body {
        format!("the response body could not be read (status {status}, {read} bytes received)")
    } else if error.is_body() || error.is_decode() {
        "the response body could not be read".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let detail = chain_text(&error);
    match proxy {
        Some(proxy) if error.is_connect() => {
            format!("{kind} (through the proxy {proxy}): {detail}")
        }
        _ => format!("{kind}: {detail}"),
    }
}

/// `error` and every error under it, outermost first.
fn chain<'e>(
    error: &'e (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'e (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |inner| inner.source())
}

/// The error and its causes in words, outermost first: reqwest's own text ("builder error",
/// "error sending request") says little without them.
fn chain_text(error: &(dyn std::error::Error + 'static)) -> String {
    chain(error)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// The first error of type `T` in the error's chain, if any.
fn find<'e, T: std::error::Error + 'static>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    chain(error).find_map(|inner| inner.downcast_ref::<T>())
}

/// `500 ms`, `2 s`, `1.5 s`.
fn show_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis} ms")
    } else if millis.is_multiple_of(1000) {
        format!("{} s", millis / 1000)
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
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
    fn a_timeout_is_shown_in_the_unit_a_user_set_it_in() {
        assert_eq!(show_duration(Duration::from_millis(500)), "500 ms");
        assert_eq!(show_duration(Duration::from_secs(30)), "30 s");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1.5 s");
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
