//! HTTP/1.1 written and read in place: a load run's plain-HTTP connections, one per worker, and
//! the connection an IdP profile's requests take to a plain-HTTP target.
//!
//! A load worker sends one request at a time, so it needs one keep-alive connection and two
//! buffers, not a client: a general client's pool, connection task, header maps and
//! per-request layers cost more CPU than the target's answer when both share a machine, and a
//! load run measures the target. An IdP profile needs the head exactly as the IdP writes it:
//! its fields in its order and its spelling of their names (`ADSCIMVersion`), `Host` and
//! `Content-Length` where its dumps put them ([`crate::idp::wire::HOST_SLOT`]), and nothing a
//! general client adds by itself (reqwest always adds `accept: */*`). The request is written in
//! one piece from a reused buffer; the answer is read into another and its head parsed with
//! `httparse`; the body is framed by `Content-Length`, by chunks, or by the close (RFC 9112
//! §6.3). HTTPS and proxied targets keep the general client (`runner::transport`), which knows
//! TLS and proxies.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::idp::wire::{WireRequest, WireResponse};
use crate::runner::transport::{MAX_RESPONSE_BYTES, Target};

/// The most bytes a response head (status line and headers) may take.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most header fields a response may carry.
const MAX_HEADERS: usize = 100;
/// Room made for each read from the socket.
const READ_CHUNK: usize = 16 * 1024;
/// A read buffer grown past this by a large answer is given back after it.
const MAX_KEPT_BUFFER: usize = 256 * 1024;

/// One worker's connection to an `http://` target.
pub struct DirectConnection {
    /// `host:port` to connect to, and the `Host` header.
    authority: String,
    /// The base URL's path (`/scim/v2`), put in front of each request's path.
    base_path: String,
    credential: Option<(String, String)>,
    timeout: Duration,
    /// How header names are spelled on the wire.
    names: NameCase,
    stream: Option<TcpStream>,
    /// The request being written; kept to reuse its allocation.
    out: Vec<u8>,
    /// What has been read and not yet consumed.
    read: Vec<u8>,
}

/// How a connection spells header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCase {
    /// `content-type`: what general HTTP clients send.
    Lower,
    /// `Content-Type`: every word capitalised.
    Title,
    /// Each name exactly as the request writes it (an IdP's own spelling, `ADSCIMVersion`).
    AsWritten,
}

/// How a response's body ends (RFC 9112 §6.3).
enum Framing {
    None,
    Length(usize),
    Chunked,
    Close,
}

impl DirectConnection {
    /// A connection for `target`, if it is plain HTTP (and not reached through a proxy).
    pub fn for_target(target: &Target, names: NameCase) -> Option<Self> {
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
            credential: target.auth.header_as_written(),
            timeout: target.timeout,
            names,
            stream: None,
            out: Vec::with_capacity(4096),
            read: Vec::with_capacity(READ_CHUNK),
        })
    }

    /// Sends one request, reconnecting when the target closed the last connection.
    pub async fn send(&mut self, request: WireRequest) -> Result<WireResponse, String> {
        self.send_within(request, self.timeout).await
    }

    /// [`DirectConnection::send`] with this request's own time limit (an IdP's, Okta's 60 s).
    pub async fn send_within(
        &mut self,
        request: WireRequest,
        limit: Duration,
    ) -> Result<WireResponse, String> {
        // A failed or timed-out exchange took its connection with it (`exchange` holds it while
        // in use), so the next request opens a new one.
        tokio::time::timeout(limit, self.exchange(&request))
            .await
            .unwrap_or_else(|_| Err(format!("timed out after {} ms", limit.as_millis())))
    }

    async fn exchange(&mut self, request: &WireRequest) -> Result<WireResponse, String> {
        self.write_request(request)?;
        let reused = self.stream.take().filter(still_open);
        let outcome = match reused {
            Some(mut stream) => match self.round_trip(&mut stream).await {
                // The target closed the kept connection as the request went out (its idle
                // timeout): nothing was answered, so an idempotent request may go again on a
                // new connection (RFC 9110 §9.2.2); any other is reported unanswered.
                Err(_) if self.read.is_empty() && is_idempotent(request.method) => None,
                outcome => Some((outcome, stream)),
            },
            None => None,
        };
        let (outcome, stream) = match outcome {
            Some(done) => done,
            None => {
                let mut stream = self.connect().await?;
                (self.round_trip(&mut stream).await, stream)
            }
        };
        let (response, keep) = outcome?;
        if keep {
            self.stream = Some(stream);
        }
        if self.read.capacity() > MAX_KEPT_BUFFER {
            // One large answer does not pin its size for the rest of the run.
            self.read = Vec::with_capacity(READ_CHUNK);
        }
        Ok(response)
    }

    /// Writes the laid-out request and reads its answer; whether the connection can be kept.
    async fn round_trip(&mut self, stream: &mut TcpStream) -> Result<(WireResponse, bool), String> {
        self.read.clear();
        stream
            .write_all(&self.out)
            .await
            .map_err(|e| format!("the request failed: {e}"))?;
        self.read_response(stream).await
    }

    async fn connect(&self) -> Result<TcpStream, String> {
        let stream = TcpStream::connect(&self.authority)
            .await
            .map_err(|e| format!("could not connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }

    /// Lays the request out in `out`; refuses a field that would break the message.
    fn write_request(&mut self, request: &WireRequest) -> Result<(), String> {
        let out = &mut self.out;
        out.clear();
        out.extend_from_slice(request.method.as_bytes());
        out.push(b' ');
        let target_start = out.len();
        out.extend_from_slice(self.base_path.as_bytes());
        out.extend_from_slice(request.path.as_bytes());
        let target = &out[target_start..];
        if !target.starts_with(b"/") || target.iter().any(|&b| b <= b' ' || b == 0x7f) {
            let target = String::from_utf8_lossy(target);
            return Err(format!(
                "invalid request: the target {target:?} is not a path"
            ));
        }
        out.extend_from_slice(b" HTTP/1.1\r\n");
        // The credential, `Host` and `Content-Length` go where the request keeps a place for
        // them (an IdP's header order, `idp::wire`'s slots); without one, `Host` and the
        // credential come first and `Content-Length` last. A request that carries its own
        // credential header keeps it.
        use crate::idp::wire::{CREDENTIAL_SLOT, HOST_SLOT, LENGTH_SLOT};
        let has = |slot: &str| request.headers.iter().any(|(_, v)| v == slot);
        let sends_body =
            !request.body.is_empty() || matches!(request.method, "POST" | "PUT" | "PATCH");
        let length = sends_body.then(|| request.body.len().to_string());
        let own = self.credential.as_ref();
        let credential = own.filter(|(name, _)| {
            !has(CREDENTIAL_SLOT)
                && !request
                    .headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case(name))
        });
        let host = (!has(HOST_SLOT)).then_some(("Host", self.authority.as_str()));
        let fields = host
            .into_iter()
            .chain(credential.map(|(n, v)| (n.as_str(), v.as_str())))
            .chain(
                request
                    .headers
                    .iter()
                    .filter_map(|(n, v)| match v.as_str() {
                        CREDENTIAL_SLOT => own.map(|(name, value)| {
                            let name = if name.eq_ignore_ascii_case(n) {
                                n.as_str()
                            } else {
                                name.as_str()
                            };
                            (name, value.as_str())
                        }),
                        HOST_SLOT => Some((n.as_str(), self.authority.as_str())),
                        LENGTH_SLOT => length.as_deref().map(|l| (n.as_str(), l)),
                        _ => Some((n.as_str(), v.as_str())),
                    }),
            )
            .chain(
                length
                    .as_deref()
                    .filter(|_| !has(LENGTH_SLOT))
                    .map(|l| ("Content-Length", l)),
            );
        for (name, value) in fields {
            put_field(out, name, value, self.names)?;
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&request.body);
        Ok(())
    }

    /// Reads one response; whether the connection can carry the next request.
    async fn read_response(
        &mut self,
        stream: &mut TcpStream,
    ) -> Result<(WireResponse, bool), String> {
        loop {
            let (status, headers, head_len, close) = self.read_head(stream).await?;
            if (100..200).contains(&status) {
                // An interim answer (100 Continue): the real one follows.
                self.read.drain(..head_len);
                continue;
            }
            let framing = framing(status, &headers)?;
            let body = match framing {
                Framing::None => Vec::new(),
                Framing::Length(length) => {
                    if length > MAX_RESPONSE_BYTES {
                        return Err(body_error(
                            status,
                            format!("its Content-Length of {length} bytes is over the limit"),
                        ));
                    }
                    self.fill(stream, head_len + length)
                        .await
                        .map_err(|e| body_error(status, e))?;
                    self.read[head_len..head_len + length].to_vec()
                }
                Framing::Chunked => self
                    .read_chunked(stream, head_len)
                    .await
                    .map_err(|e| body_error(status, e))?,
                Framing::Close => self
                    .read_to_close(stream, head_len)
                    .await
                    .map_err(|e| body_error(status, e))?,
            };
            let consumed = match framing {
                Framing::Length(length) => head_len + length == self.read.len(),
                Framing::None => head_len == self.read.len(),
                // Chunked: read_chunked leaves exactly what followed the message.
                Framing::Chunked => self.read.is_empty(),
                Framing::Close => false,
            };
            // Bytes beyond the answer, or a close announced: no reuse (no pipelining here).
            let keep = consumed && !close;
            return Ok((
                WireResponse {
                    status,
                    headers,
                    body,
                },
                keep,
            ));
        }
    }

    /// Reads until a whole head is buffered; its status, fields, length and whether the
    /// target will close the connection.
    async fn read_head(
        &mut self,
        stream: &mut TcpStream,
    ) -> Result<(u16, Vec<(String, String)>, usize, bool), String> {
        loop {
            let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut parsed = httparse::Response::new(&mut fields);
            match parsed.parse(&self.read) {
                Ok(httparse::Status::Complete(head_len)) => {
                    let status = parsed.code.unwrap_or_default();
                    let mut close = parsed.version == Some(0);
                    let headers: Vec<(String, String)> = parsed
                        .headers
                        .iter()
                        .map(|field| {
                            (
                                field.name.to_ascii_lowercase(),
                                String::from_utf8_lossy(field.value).into_owned(),
                            )
                        })
                        .collect();
                    for (name, value) in &headers {
                        if name == "connection" {
                            close = value
                                .split(',')
                                .any(|token| token.trim().eq_ignore_ascii_case("close"));
                        }
                    }
                    return Ok((status, headers, head_len, close));
                }
                Ok(httparse::Status::Partial) if self.read.len() < MAX_HEAD_BYTES => {}
                Ok(httparse::Status::Partial) => {
                    return Err(format!(
                        "the request failed: the response head is over {MAX_HEAD_BYTES} bytes"
                    ));
                }
                Err(e) => {
                    return Err(format!(
                        "the request failed: the answer is not HTTP/1.x ({e})"
                    ));
                }
            }
            let before = self.read.len();
            let got = read_more(stream, &mut self.read).await?;
            if got == 0 {
                return Err(if before == 0 {
                    "the request failed: the target closed the connection without an answer"
                        .to_owned()
                } else {
                    "the request failed: the target closed the connection in the response head"
                        .to_owned()
                });
            }
        }
    }

    /// Reads until at least `wanted` bytes are buffered.
    async fn fill(&mut self, stream: &mut TcpStream, wanted: usize) -> Result<(), String> {
        while self.read.len() < wanted {
            if read_more(stream, &mut self.read).await? == 0 {
                return Err(format!(
                    "the connection closed with {} bytes of the body missing",
                    wanted - self.read.len()
                ));
            }
        }
        Ok(())
    }

    /// A chunked body from `start`; leaves in `read` only what followed the message.
    async fn read_chunked(
        &mut self,
        stream: &mut TcpStream,
        start: usize,
    ) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        let mut at = start;
        loop {
            let line_end = self.line_end(stream, at).await?;
            let line = &self.read[at..line_end];
            let digits = line.split(|&b| b == b';').next().unwrap_or_default();
            let size = std::str::from_utf8(digits)
                .ok()
                .and_then(|text| usize::from_str_radix(text.trim(), 16).ok())
                .ok_or_else(|| {
                    format!(
                        "a chunk size line is not hexadecimal: {:?}",
                        String::from_utf8_lossy(line)
                    )
                })?;
            at = line_end + 2;
            if size == 0 {
                // Trailer fields, then the empty line that ends the message.
                loop {
                    let end = self.line_end(stream, at).await?;
                    let empty = end == at;
                    at = end + 2;
                    if empty {
                        self.read.drain(..at);
                        return Ok(body);
                    }
                }
            }
            if body.len() + size > MAX_RESPONSE_BYTES {
                return Err(format!(
                    "the body is over the {MAX_RESPONSE_BYTES}-byte limit"
                ));
            }
            self.fill(stream, at + size + 2).await?;
            body.extend_from_slice(&self.read[at..at + size]);
            if &self.read[at + size..at + size + 2] != b"\r\n" {
                return Err("a chunk does not end with CRLF".to_owned());
            }
            at += size + 2;
        }
    }

    /// Where the CRLF-ended line starting at `from` ends (the index of its CR).
    async fn line_end(&mut self, stream: &mut TcpStream, from: usize) -> Result<usize, String> {
        let mut searched = from;
        loop {
            if let Some(offset) = self.read[searched..].windows(2).position(|w| w == b"\r\n") {
                return Ok(searched + offset);
            }
            if self.read.len() - from > MAX_HEAD_BYTES {
                return Err("a chunk line is too long".to_owned());
            }
            searched = self.read.len().saturating_sub(1).max(from);
            if read_more(stream, &mut self.read).await? == 0 {
                return Err("the connection closed inside a chunked body".to_owned());
            }
        }
    }

    /// A body that ends with the connection.
    async fn read_to_close(
        &mut self,
        stream: &mut TcpStream,
        start: usize,
    ) -> Result<Vec<u8>, String> {
        loop {
            if self.read.len() - start > MAX_RESPONSE_BYTES {
                return Err(format!(
                    "the body is over the {MAX_RESPONSE_BYTES}-byte limit"
                ));
            }
            if read_more(stream, &mut self.read).await? == 0 {
                return Ok(self.read[start..].to_vec());
            }
        }
    }
}

/// Methods a client may send again when no answer came (RFC 9110 §9.2.2).
fn is_idempotent(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS")
}

/// Whether an idle keep-alive connection is still usable: the target sent nothing (not even
/// its close) since the last answer. Asks the socket only when it has signalled something.
fn still_open(stream: &TcpStream) -> bool {
    let mut probe = [0u8; 1];
    matches!(stream.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

/// Reads what is available onto the end of `buffer`; 0 at the end of the stream.
async fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<usize, String> {
    buffer.reserve(READ_CHUNK);
    stream.read_buf(buffer).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::ConnectionReset => {
            "the request failed: the target reset the connection".to_owned()
        }
        _ => format!("the request failed: {e}"),
    })
}

/// How the body of a final response ends (RFC 9112 §6.3).
fn framing(status: u16, headers: &[(String, String)]) -> Result<Framing, String> {
    if status == 204 || status == 304 {
        return Ok(Framing::None);
    }
    let field = |wanted: &'static str| {
        headers
            .iter()
            .filter(move |(name, _)| name == wanted)
            .map(|(_, value)| value.as_str())
    };
    // The last coding of the last Transfer-Encoding field says; any other coding last means
    // the body ends with the connection (§6.3, 4).
    if let Some(codings) = field("transfer-encoding").next_back() {
        let last = codings.rsplit(',').next().unwrap_or_default().trim();
        return Ok(if last.eq_ignore_ascii_case("chunked") {
            Framing::Chunked
        } else {
            Framing::Close
        });
    }
    let mut lengths = field("content-length").flat_map(|value| value.split(','));
    match lengths.next() {
        None => Ok(Framing::Close),
        Some(first) => {
            let length: usize = first.trim().parse().map_err(|_| {
                format!("the request failed: Content-Length {first:?} is not a number")
            })?;
            if lengths.any(|other| other.trim().parse() != Ok(length)) {
                return Err("the request failed: conflicting Content-Length fields".to_owned());
            }
            Ok(if length == 0 {
                Framing::None
            } else {
                Framing::Length(length)
            })
        }
    }
}

fn body_error(status: u16, reason: String) -> String {
    let reason = reason
        .strip_prefix("the request failed: ")
        .unwrap_or(&reason)
        .to_owned();
    format!("the response body could not be read (status {status}): {reason}")
}

/// `name: value\r\n`, refusing what would split the message (a CR or LF, or a name that is not
/// a token).
fn put_field(out: &mut Vec<u8>, name: &str, value: &str, names: NameCase) -> Result<(), String> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(format!("invalid request: {name:?} is not a header name"));
    }
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(format!(
            "invalid request: the {name} header holds a line break"
        ));
    }
    let mut upper = names == NameCase::Title;
    for byte in name.bytes() {
        out.push(match names {
            NameCase::AsWritten => byte,
            _ if upper => byte.to_ascii_uppercase(),
            _ => byte.to_ascii_lowercase(),
        });
        upper = names == NameCase::Title && byte == b'-';
    }
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
    Ok(())
}

#[cfg(test)]
mod tests;
