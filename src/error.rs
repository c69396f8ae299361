//! Typed errors of the library. `main` turns each into one line for people.

use thiserror::Error;

/// A capture that cannot be read at all (exit code 2 in the contract).
#[derive(Debug, Error)]
pub enum CaptureError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: is a directory")]
    IsDirectory { path: String },
    #[error("{path}: empty file, not a capture")]
    Empty { path: String },
    #[error(
        "{path}: {detail} (a capture is pcap or pcapng, also compressed with gzip, xz, zstd or bzip2, or in a tar or zip archive)"
    )]
    NotACapture { path: String, detail: String },
    #[error("{path}: {compression} data is damaged or cut short before any capture could be read")]
    Compressed { path: String, compression: &'static str },
}

/// Errors of options that come from the user (exit code 2).
#[derive(Debug, Error)]
pub enum UsageError {
    #[error("{path}: cannot read trust store: {message}")]
    TrustStore { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write {path}: {source}")]
    Output {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
