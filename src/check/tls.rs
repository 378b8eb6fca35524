//! TLS for SSL_GET and genhash -S: rustls, no certificate verification unless a CA is given
//! (keepalived's checker does not verify either, and real servers often have self-signed
//! certificates or are addressed by IP).

use std::fmt;
use std::io;
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, StreamOwned};

use super::conn::Deadline;
use super::stream::{set_timeouts, Stream};

/// How to treat the server's certificate.
#[derive(Debug, Clone, PartialEq)]
pub enum Verify {
    /// Accept any certificate (handshake signatures are still checked).
    None,
    /// Require a chain to one of the CA certificates in this PEM file.
    CaFile(std::path::PathBuf),
}

#[derive(Debug)]
pub enum TlsError {
    /// The CA file could not be used.
    CaFile(String),
    /// No handshake before the deadline.
    Timeout,
    /// The peer is not speaking TLS, refused our hello, or sent a bad certificate.
    Handshake(String),
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::CaFile(m) => write!(f, "cannot use the CA file: {m}"),
            TlsError::Timeout => write!(f, "TLS handshake timed out"),
            TlsError::Handshake(m) => write!(f, "TLS handshake failed: {m}"),
        }
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the client configuration for one check.
pub fn client_config(verify: &Verify) -> Result<Arc<ClientConfig>, TlsError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Handshake(e.to_string()))?;
    let config = match verify {
        Verify::None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider)))
            .with_no_client_auth(),
        Verify::CaFile(path) => builder
            .with_root_certificates(load_roots(path)?)
            .with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

fn load_roots(path: &Path) -> Result<RootCertStore, TlsError> {
    let shown = path.display();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| TlsError::CaFile(format!("{shown}: {e}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::CaFile(format!("{shown}: {e}")))?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(TlsError::CaFile(format!("{shown}: no usable certificate")));
    }
    Ok(roots)
}

/// Runs the handshake within the deadline. `sni` is the name to send, if any; without one
/// rustls needs a name for its own bookkeeping, so the peer's IP is used (and not sent).
pub fn handshake(
    tcp: TcpStream,
    config: Arc<ClientConfig>,
    sni: Option<&str>,
    deadline: &Deadline,
) -> Result<Stream, TlsError> {
    let name = match sni {
        Some(n) => ServerName::try_from(n.to_string())
            .map_err(|_| TlsError::Handshake(format!("`{n}` is not a valid server name")))?,
        None => {
            let ip = tcp
                .peer_addr()
                .map_err(|e| TlsError::Handshake(e.to_string()))?
                .ip();
            ServerName::IpAddress(ip.into())
        }
    };
    let mut conn =
        ClientConnection::new(config, name).map_err(|e| TlsError::Handshake(e.to_string()))?;
    let mut tcp = tcp;
    while conn.is_handshaking() {
        let Some(left) = deadline.remaining(Instant::now()) else {
            return Err(TlsError::Timeout);
        };
        set_timeouts(&tcp, left).map_err(|e| TlsError::Handshake(e.to_string()))?;
        match conn.complete_io(&mut tcp) {
            Ok(_) => {}
            Err(e) if is_timeout(&e) => return Err(TlsError::Timeout),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(TlsError::Handshake(
                    "the server closed the connection".into(),
                ))
            }
            Err(e) => return Err(TlsError::Handshake(tls_reason(&e))),
        }
    }
    Ok(Stream::Tls(Box::new(StreamOwned::new(conn, tcp))))
}

pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn tls_reason(e: &io::Error) -> String {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidMessage(_)) => {
            "the server did not answer with TLS (plain HTTP on this port?)".into()
        }
        Some(other) => other.to_string(),
        None => super::conn::describe(e),
    }
}

/// Accepts every certificate; keepalived's SSL_GET does the same by default.
#[derive(Debug)]
struct AcceptAnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
