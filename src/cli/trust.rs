//! The trust store the options name: built-in roots, PEM/DER files,
//! directories, Java and PKCS#12 keystores.

use std::path::PathBuf;

use pcap_tls_audit::chain::read_certificates;
use pcap_tls_audit::error::UsageError;
use pcap_tls_audit::trust::TrustStore;
use pcap_tls_audit::trust::keystore::read_keystore;

use super::flags::Cli;

pub fn trust_store(cli: &Cli) -> Result<TrustStore, UsageError> {
    if cli.ca_file.is_empty() && cli.ca_dir.is_empty() && cli.keystore.is_empty() {
        return Ok(TrustStore::mozilla());
    }
    let mut ders = Vec::new();
    for k in &cli.keystore {
        let err = |message: String| UsageError::TrustStore {
            path: k.display().to_string(),
            message,
        };
        let bytes = std::fs::read(k).map_err(|e| err(e.to_string()))?;
        let ks = read_keystore(&bytes, cli.keystore_password.as_deref()).map_err(err)?;
        if let Some(r) = ks.remark {
            eprintln!("pcap-tls-audit: {}: warning: {r}", k.display());
        }
        if ks.certificates.is_empty() {
            return Err(err("no trusted certificate in it".into()));
        }
        ders.extend(ks.certificates);
    }
    for f in &cli.ca_file {
        let bytes = std::fs::read(f).map_err(|e| UsageError::TrustStore {
            path: f.display().to_string(),
            message: e.to_string(),
        })?;
        let certs = read_certificates(&bytes);
        if certs.is_empty() {
            return Err(UsageError::TrustStore {
                path: f.display().to_string(),
                message: "no certificate in it (expected PEM or DER)".into(),
            });
        }
        ders.extend(certs);
    }
    for d in &cli.ca_dir {
        let rd = std::fs::read_dir(d).map_err(|e| UsageError::TrustStore {
            path: d.display().to_string(),
            message: e.to_string(),
        })?;
        let mut files: Vec<PathBuf> = rd.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect();
        files.sort();
        for f in files {
            if let Ok(bytes) = std::fs::read(&f) {
                ders.extend(read_certificates(&bytes));
            }
        }
    }
    let files: Vec<String> = (cli.keystore.iter())
        .chain(cli.ca_file.iter())
        .chain(cli.ca_dir.iter())
        .map(|p| p.display().to_string())
        .collect();
    let mut store = TrustStore::from_certificates(&ders).map_err(|message| UsageError::TrustStore {
        path: files.join(", "),
        message,
    })?;
    store.files = files;
    Ok(store)
}
