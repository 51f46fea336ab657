//! TLS: rustls with the ring provider, TLS 1.2 and 1.3 only, HTTP/1.1.
//!
//! `--dev-tls DIR` makes (or reuses) a local CA and a certificate for `localhost` and
//! `127.0.0.1` signed by it: `DIR/ca.pem` (give it to the client), `DIR/ca.key`,
//! `DIR/server.pem`, `DIR/server.key`. Only for trying the product on one machine.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("TLSの設定ができません: {0}")]
    Config(String),
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> TlsError {
    TlsError::File {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Where the certificate comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsSource {
    /// A certificate chain and its private key, PEM.
    Files { cert: PathBuf, key: PathBuf },
    /// A local CA and loopback certificate made in (or reused from) this directory.
    Dev { dir: PathBuf },
}

/// The files `--dev-tls DIR` uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevFiles {
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl DevFiles {
    pub fn in_dir(dir: &Path) -> DevFiles {
        DevFiles {
            ca_cert: dir.join("ca.pem"),
            ca_key: dir.join("ca.key"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        }
    }
}

fn write_secret(path: &Path, text: &str) -> Result<(), TlsError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| file_error(path, e))?;
    f.write_all(text.as_bytes()).map_err(|e| file_error(path, e))
}

fn rcgen_error(e: rcgen::Error) -> TlsError {
    TlsError::Config(e.to_string())
}

fn ca_params() -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(rcgen_error)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "InfoOne development CA");
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    Ok(params)
}

/// Make the dev CA and loopback certificate in `dir`, reusing what is already there.
pub fn ensure_dev_tls(dir: &Path) -> Result<DevFiles, TlsError> {
    std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
    let files = DevFiles::in_dir(dir);
    let have_ca = files.ca_cert.exists() && files.ca_key.exists();
    if have_ca && files.cert.exists() && files.key.exists() {
        return Ok(files);
    }
    let ca_key = if have_ca {
        let key = std::fs::read_to_string(&files.ca_key).map_err(|e| file_error(&files.ca_key, e))?;
        KeyPair::from_pem(&key).map_err(rcgen_error)?
    } else {
        let key = KeyPair::generate().map_err(rcgen_error)?;
        let cert = ca_params()?.self_signed(&key).map_err(rcgen_error)?;
        std::fs::write(&files.ca_cert, cert.pem()).map_err(|e| file_error(&files.ca_cert, e))?;
        write_secret(&files.ca_key, &key.serialize_pem())?;
        key
    };
    // The issuer is the CA's name and key (the same parameters as the CA certificate).
    let issuer = Issuer::new(ca_params()?, ca_key);
    let mut params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).map_err(rcgen_error)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "InfoOne local server");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let key = KeyPair::generate().map_err(rcgen_error)?;
    let cert = params.signed_by(&key, &issuer).map_err(rcgen_error)?;
    std::fs::write(&files.cert, cert.pem()).map_err(|e| file_error(&files.cert, e))?;
    write_secret(&files.key, &key.serialize_pem())?;
    Ok(files)
}

/// The rustls server configuration (TLS 1.3 and 1.2 only, ring provider) and, for dev TLS, the
/// CA file a client must trust.
pub fn server_config(source: &TlsSource) -> Result<(Arc<ServerConfig>, Option<PathBuf>), TlsError> {
    let (cert_path, key_path, ca) = match source {
        TlsSource::Files { cert, key } => (cert.clone(), key.clone(), None),
        TlsSource::Dev { dir } => {
            let files = ensure_dev_tls(dir)?;
            (files.cert, files.key, Some(files.ca_cert))
        }
    };
    let certs = CertificateDer::pem_file_iter(&cert_path)
        .map_err(|e| file_error(&cert_path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(&cert_path, e))?;
    if certs.is_empty() {
        return Err(file_error(&cert_path, "証明書（PEM）がありません"));
    }
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| file_error(&key_path, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((Arc::new(config), ca))
}
