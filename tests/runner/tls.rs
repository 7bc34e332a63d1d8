//! The transport through the binary: HTTPS targets with a private CA (`--ca-cert`), without
//! one, with `--insecure`, and proxies from the environment. Everything is on loopback: a CA
//! and a certificate for `localhost` are made at test time, a TLS-terminating front forwards to
//! a reference server, and a small proxy records what passes through it. Environment variables
//! are set on the `scimulate` child only.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use scimulate::server::RunningServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::support::{TOKEN, output_text, reference_server, root, runtime};

/// Every proxy variable reqwest reads, in both cases: none may leak in from the test's own
/// environment.
const PROXY_VARS: [&str; 8] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// A CA, and a server certificate for `localhost` (only) that it issued.
struct Pki {
    ca_pem: String,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "scimulate test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    let mut server_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    server_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    server_params.use_authority_key_identifier_extension = true;
    server_params
        .extended_key_usages
        .push(rcgen::ExtendedKeyUsagePurpose::ServerAuth);
    let server_key = KeyPair::generate().unwrap();
    let server_cert = server_params.signed_by(&server_key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        server_cert: server_cert.der().clone(),
        server_key: server_key.serialize_der(),
    }
}

/// An HTTPS front on 127.0.0.1 that terminates TLS with the PKI's certificate and forwards the
/// bytes to `upstream`. Returns its port.
async fn https_front(pki: &Pki, upstream: SocketAddr) -> u16 {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![pki.server_cert.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key.clone())),
        )
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that does not trust the certificate ends the handshake: fine.
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    port
}

/// A forward proxy on 127.0.0.1: absolute-form requests (`GET http://host/path`) are passed to
/// `plain` as they are, `CONNECT` tunnels go to `tunnel`, whatever host either names. Each
/// connection's first request line is recorded. Returns its address and the lines.
async fn forward_proxy(
    plain: SocketAddr,
    tunnel: Option<SocketAddr>,
) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                let head_end = loop {
                    let Ok(read) = client.read(&mut buffer).await else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    head.extend_from_slice(&buffer[..read]);
                    if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                        break end + 4;
                    }
                };
                let line = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                record.lock().unwrap().push(line.clone());
                if line.starts_with("CONNECT ") {
                    let Some(tunnel) = tunnel else { return };
                    let Ok(mut upstream) = TcpStream::connect(tunnel).await else {
                        return;
                    };
                    if client
                        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                    // Anything the client sent after the CONNECT head belongs to the tunnel.
                    if upstream.write_all(&head[head_end..]).await.is_err() {
                        return;
                    }
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                } else {
                    let Ok(mut upstream) = TcpStream::connect(plain).await else {
                        return;
                    };
                    // The reference server takes the absolute form as it comes.
                    if upstream.write_all(&head).await.is_err() {
                        return;
                    }
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    (addr, seen)
}

/// A scratch directory with one small scenario (discovery: three GETs), and the CA's PEM.
fn workspace(pki: &Pki) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("scenarios")).unwrap();
    std::fs::copy(
        root().join("scenarios/rfc/discovery.yaml"),
        dir.path().join("scenarios/discovery.yaml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("ca.pem"), &pki.ca_pem).unwrap();
    dir
}

/// `scimulate run` of the workspace's scenario against `target`, with `env` set on the child
/// only (and no proxy variable from the test's own environment).
fn run(dir: &Path, target: &str, extra: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scimulate"));
    command
        .args(["run", "scenarios", "--no-snapshots", "--target", target])
        .args(extra)
        .current_dir(dir)
        .env_remove("CI")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .env("SCIMULATE_TOKEN", TOKEN);
    for var in PROXY_VARS {
        command.env_remove(var);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A reference server behind an HTTPS front with a fresh PKI: the server (keep it alive), the
/// PKI and the front's port.
fn https_target() -> (RunningServer, Pki, u16) {
    let pki = pki();
    runtime().block_on(async {
        let server = reference_server().await;
        let port = https_front(&pki, server.addr).await;
        (server, pki, port)
    })
}

#[test]
fn an_https_target_whose_ca_is_not_trusted_is_unreachable_with_a_message_naming_the_fix() {
    // Arrange
    let (_server, pki, port) = https_target();
    let dir = workspace(&pki);

    // Act
    let output = run(
        dir.path(),
        &format!("https://localhost:{port}/scim/v2"),
        &[],
        &[],
    );

    // Assert: exit 3, and the message says what is wrong and what to do.
    assert_eq!(output.status.code(), Some(3), "{}", output_text(&output));
    let shown = stderr(&output);
    assert!(
        shown.contains("the target's certificate is not trusted (unknown issuer)"),
        "{shown}"
    );
    assert!(shown.contains("--ca-cert FILE"), "{shown}");
    assert!(shown.contains("--insecure"), "{shown}");
}

#[test]
fn a_private_ca_given_with_ca_cert_makes_the_https_target_trusted() {
    // Arrange
    let (_server, pki, port) = https_target();
    let dir = workspace(&pki);

    // Act
    let output = run(
        dir.path(),
        &format!("https://localhost:{port}/scim/v2"),
        &["--ca-cert", "ca.pem", "--json", "report.json"],
        &[],
    );

    // Assert: every check held over TLS, and no warning.
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
    assert!(
        !stderr(&output).contains("warning"),
        "{}",
        output_text(&output)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["insecure"], false);
    assert_eq!(report["summary"]["checks"]["failed"], 0, "{report}");
    assert!(
        report["summary"]["checks"]["passed"].as_u64().unwrap() >= 3,
        "{report}"
    );
}

#[test]
fn a_ca_file_of_several_certificates_adds_them_all() {
    // Arrange: the target's CA after an unrelated one, in one file.
    let (_server, pki, port) = https_target();
    let other = self::pki();
    let dir = workspace(&pki);
    std::fs::write(
        dir.path().join("bundle.pem"),
        format!("{}{}", other.ca_pem, pki.ca_pem),
    )
    .unwrap();

    // Act
    let output = run(
        dir.path(),
        &format!("https://localhost:{port}/scim/v2"),
        &["--ca-cert", "bundle.pem"],
        &[],
    );

    // Assert
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
}

#[test]
fn a_certificate_for_another_name_is_rejected_even_with_its_ca() {
    // Arrange: the certificate names `localhost`, not 127.0.0.1.
    let (_server, pki, port) = https_target();
    let dir = workspace(&pki);

    // Act: the same front, addressed by a name the certificate does not carry.
    let output = run(
        dir.path(),
        &format!("https://127.0.0.1:{port}/scim/v2"),
        &["--ca-cert", "ca.pem"],
        &[],
    );

    // Assert
    assert_eq!(output.status.code(), Some(3), "{}", output_text(&output));
    let shown = stderr(&output);
    assert!(
        shown.contains("the target's certificate is not valid for this host name"),
        "{shown}"
    );
}

#[test]
fn a_system_without_ca_certificates_says_so() {
    // Arrange: the system's store pointed at nothing (rustls-native-certs reads these).
    let (_server, pki, port) = https_target();
    let dir = workspace(&pki);
    let nothing = dir.path().join("no-such-bundle.pem").display().to_string();
    let target = format!("https://localhost:{port}/scim/v2");
    let env = [
        ("SSL_CERT_FILE", nothing.clone()),
        ("SSL_CERT_DIR", nothing),
    ];

    // Act
    let without = run(dir.path(), &target, &[], &env);
    let with_ca = run(dir.path(), &target, &["--ca-cert", "ca.pem"], &env);

    // Assert: a setup failure that says what is missing; a --ca-cert root is enough alone.
    assert_eq!(without.status.code(), Some(3), "{}", output_text(&without));
    assert!(
        stderr(&without).contains("no trusted CA certificates were found on this system"),
        "{}",
        output_text(&without)
    );
    assert_eq!(with_ca.status.code(), Some(0), "{}", output_text(&with_ca));
}

#[test]
fn insecure_accepts_an_untrusted_certificate_and_warns() {
    // Arrange
    let (_server, pki, port) = https_target();
    let dir = workspace(&pki);

    // Act
    let output = run(
        dir.path(),
        &format!("https://localhost:{port}/scim/v2"),
        &["--insecure", "--json", "report.json"],
        &[],
    );

    // Assert
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
    let shown = stderr(&output);
    assert!(
        shown.contains("warning: --insecure: the target's TLS certificate is not verified"),
        "{shown}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["insecure"], true);
}

#[test]
fn insecure_on_a_plain_http_target_says_there_is_no_certificate_to_skip() {
    // Arrange
    let server = runtime().block_on(reference_server());
    let pki = pki();
    let dir = workspace(&pki);

    // Act
    let output = run(dir.path(), &server.base_url, &["--insecure"], &[]);

    // Assert
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
    let shown = stderr(&output);
    assert!(
        shown.contains("warning: --insecure has nothing to turn off: the target is plain HTTP"),
        "{shown}"
    );
    assert!(!shown.contains("certificate is not verified"), "{shown}");
}

#[test]
fn a_missing_or_invalid_ca_file_is_a_usage_error_naming_it() {
    // Arrange
    let pki = pki();
    let dir = workspace(&pki);
    std::fs::write(dir.path().join("not-a-cert.pem"), "hello\n").unwrap();
    std::fs::write(
        dir.path().join("broken.pem"),
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();

    for file in ["/nonexistent/ca.pem", "not-a-cert.pem", "broken.pem"] {
        // Act
        let output = run(
            dir.path(),
            "https://localhost:9/scim/v2",
            &["--ca-cert", file],
            &[],
        );

        // Assert: exit 2 before anything is sent, naming the file.
        assert_eq!(
            output.status.code(),
            Some(2),
            "{file}: {}",
            output_text(&output)
        );
        let shown = stderr(&output);
        assert!(shown.contains("--ca-cert"), "{shown}");
        assert!(shown.contains(file), "{shown}");
    }
}

#[test]
fn tls_options_without_a_target_are_a_usage_error() {
    let pki = pki();
    let dir = workspace(&pki);
    let output = Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args(["run", "scenarios", "--no-snapshots", "--insecure"])
        .current_dir(dir.path())
        .env_remove("CI")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", output_text(&output));
    assert!(
        stderr(&output).contains("--target only"),
        "{}",
        output_text(&output)
    );
}

#[test]
fn an_http_target_is_reached_through_http_proxy_and_no_proxy_bypasses_it() {
    // Arrange: a host that never resolves (`.invalid`), reachable only through the proxy.
    let (server, proxy, seen) = runtime().block_on(async {
        let server = reference_server().await;
        let (proxy, seen) = forward_proxy(server.addr, None).await;
        (server, proxy, seen)
    });
    let pki = pki();
    let dir = workspace(&pki);
    let proxy_url = format!("http://user:pr0xy-s3cret@{proxy}");

    // Act
    let through = run(
        dir.path(),
        "http://scim.test.invalid/scim/v2",
        &["-v"],
        &[("HTTP_PROXY", proxy_url.clone())],
    );

    // Assert: the run passed, every connection went through the proxy in absolute form, and
    // -v names the proxy without its password.
    assert_eq!(through.status.code(), Some(0), "{}", output_text(&through));
    let lines = seen.lock().unwrap().clone();
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|l| l.contains(" http://scim.test.invalid/scim/v2/")),
        "{lines:?}"
    );
    let shown = stderr(&through);
    assert!(shown.contains(&format!("http://{proxy}")), "{shown}");
    assert!(!output_text(&through).contains("pr0xy-s3cret"), "{shown}");

    // Act: the same proxy, but the loopback target is in NO_PROXY.
    seen.lock().unwrap().clear();
    let bypassed = run(
        dir.path(),
        &server.base_url,
        &["-v"],
        &[
            ("HTTP_PROXY", proxy_url),
            ("NO_PROXY", "localhost,127.0.0.1".to_owned()),
        ],
    );

    // Assert
    assert_eq!(
        bypassed.status.code(),
        Some(0),
        "{}",
        output_text(&bypassed)
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    assert!(
        stderr(&bypassed).contains("proxy: none"),
        "{}",
        output_text(&bypassed)
    );
}

#[test]
fn an_https_target_is_reached_through_a_connect_proxy_with_its_ca() {
    // Arrange
    let (_server, pki, proxy, seen) = runtime().block_on(async {
        let pki = pki();
        let server = reference_server().await;
        let port = https_front(&pki, server.addr).await;
        let front = SocketAddr::from(([127, 0, 0, 1], port));
        let (proxy, seen) = forward_proxy(server.addr, Some(front)).await;
        (server, pki, proxy, seen)
    });
    let dir = workspace(&pki);

    // Act: `localhost` at a port nothing listens on directly; the proxy tunnels to the front.
    let output = run(
        dir.path(),
        "https://localhost:9/scim/v2",
        &["--ca-cert", "ca.pem"],
        &[("HTTPS_PROXY", format!("http://{proxy}"))],
    );

    // Assert
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
    let lines = seen.lock().unwrap().clone();
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| l.starts_with("CONNECT localhost:9 ")),
        "{lines:?}"
    );
}

#[test]
fn the_embedded_server_is_reached_directly_whatever_the_proxy_variables_say() {
    // A proxy that nothing listens on: were the embedded runs sent to it, they would fail.
    let pki = pki();
    let dir = workspace(&pki);
    let output = Command::new(env!("CARGO_BIN_EXE_scimulate"))
        .args(["run", "scenarios", "--no-snapshots"])
        .current_dir(dir.path())
        .env_remove("CI")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("ALL_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", output_text(&output));
}
