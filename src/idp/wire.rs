//! The one way an IdP module reaches the target.
//!
//! The runner implements [`Wire`] over its transport, so every request an IdP sends is recorded
//! as an exchange of the current step, scrubbed of secrets, and checked against what the run may
//! touch. Tests implement it over a capturing mock to pin the exact bytes.

use std::future::Future;
use std::time::Duration;

/// A request exactly as the IdP sends it: the path below the base URL with its query already
/// encoded the IdP's way, headers in the IdP's order, the body's bytes in the IdP's key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireRequest {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The value of a header that marks where the target's credential goes: an IdP whose dumps
/// show `Authorization` at a given place lists it there with this value, and the transport
/// puts the configured credential (whatever its header) in that place. Without the slot the
/// credential goes first.
pub const CREDENTIAL_SLOT: &str = "\u{0}credential";

/// Marks where `Host` goes, for an IdP whose dumps show it after other fields (Okta's). Over a
/// connection that writes the head itself the transport puts it there; a general HTTP client
/// places it on its own, and the slot is dropped.
pub const HOST_SLOT: &str = "\u{0}host";

/// Marks where `Content-Length` goes when the request has a body, as [`HOST_SLOT`] does for
/// `Host`; a request without a body drops it.
pub const LENGTH_SLOT: &str = "\u{0}length";

/// Whether a header's value is one of the slots the transport fills (or drops) itself.
pub fn is_slot(value: &str) -> bool {
    [CREDENTIAL_SLOT, HOST_SLOT, LENGTH_SLOT].contains(&value)
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl WireResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// `Retry-After` as a number of seconds (RFC 9110 §10.2.3's `delay-seconds`); `None` when
    /// it is missing or an HTTP date.
    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after")?
            .trim()
            .parse::<u64>()
            .ok()
            .map(Duration::from_secs)
    }
}

/// Sends one request; `Err` is a transport failure (timeout, reset) in words.
pub trait Wire {
    fn send(
        &mut self,
        request: WireRequest,
    ) -> impl Future<Output = Result<WireResponse, String>> + Send;

    /// Lets time pass before the IdP's next request (a back-off after 429). The runner moves a
    /// virtual clock, so a five-minute back-off costs nothing; the default does not wait.
    fn wait(&mut self, duration: Duration) -> impl Future<Output = ()> + Send {
        let _ = duration;
        std::future::ready(())
    }
}
