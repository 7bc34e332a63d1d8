//! HTTPS for the recording proxy: IdPs only call `https://` URLs.
//!
//! Either the certificate and key the user gives (PEM files), or a self-signed certificate
//! made at start for the names asked (by default `localhost` and the listen address), whose
//! SHA-256 fingerprint is printed so the person configuring the IdP, or the tunnel in front of
//! it, can check what they trust.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A certificate chain and its key, PEM.
#[derive(Clone)]
pub struct TlsIdentity {
    pub cert_pem: String,
    key_pem: String,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"<redacted>")
            .finish()
    }
}

impl TlsIdentity {
    /// Reads a certificate chain and its private key.
    pub fn from_files(cert: &Path, key: &Path) -> Result<Self, String> {
        let read = |path: &Path| {
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
        };
        let identity = TlsIdentity {
            cert_pem: read(cert)?,
            key_pem: read(key)?,
        };
        identity.acceptor()?;
        Ok(identity)
    }

    /// A self-signed certificate for `names` (DNS names or IP addresses).
    pub fn self_signed(names: &[String]) -> Result<Self, String> {
        let certified = rcgen::generate_simple_self_signed(names.to_vec())
            .map_err(|e| format!("cannot make a certificate: {e}"))?;
        Ok(TlsIdentity {
            cert_pem: certified.cert.pem(),
            key_pem: certified.signing_key.serialize_pem(),
        })
    }

    /// The SHA-256 fingerprint of the first certificate, as `AB:CD:…`.
    pub fn fingerprint(&self) -> Option<String> {
        let cert = CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
            .next()?
            .ok()?;
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, cert.as_ref());
        Some(
            digest
                .as_ref()
                .iter()
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(":"),
        )
    }

    /// A TLS acceptor serving this identity.
    pub fn acceptor(&self) -> Result<tokio_rustls::TlsAcceptor, String> {
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
                .collect::<Result<_, _>>()
                .map_err(|e| format!("the certificate is not PEM: {e}"))?;
        if certs.is_empty() {
            return Err("the certificate file holds no certificate".to_owned());
        }
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|e| format!("the key is not a PEM private key: {e}"))?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| format!("the certificate and key do not go together: {e}"))?;
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_identity_serves_and_has_a_fingerprint() {
        let identity = TlsIdentity::self_signed(&["localhost".to_owned()]).unwrap();
        assert!(identity.acceptor().is_ok());
        let fingerprint = identity.fingerprint().unwrap();
        assert_eq!(fingerprint.len(), 32 * 3 - 1, "{fingerprint}");
        assert!(!format!("{identity:?}").contains("PRIVATE KEY"));
    }

    #[test]
    fn files_that_are_not_pem_are_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        std::fs::write(&cert, "nope").unwrap();
        std::fs::write(&key, "nope").unwrap();
        let error = TlsIdentity::from_files(&cert, &key).unwrap_err();
        assert!(error.contains("certificate"), "{error}");
    }
}
