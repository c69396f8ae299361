//! PEM bundles and DER files of certificates, as trust stores and gateways
//! export them (`CERTIFICATE` and `TRUSTED CERTIFICATE` blocks).

use x509_parser::prelude::*;

/// The first DER element of `d` (tag, length and contents), or all of `d`
/// when its length cannot be read.
pub(crate) fn first_der_element(d: &[u8]) -> &[u8] {
    let Some(&l) = d.get(1) else { return d };
    let (hdr, len) = if l & 0x80 == 0 {
        (2usize, l as usize)
    } else {
        let n = (l & 0x7f) as usize;
        if n == 0 || n > 4 {
            return d;
        }
        let Some(bytes) = d.get(2..2 + n) else { return d };
        (2 + n, bytes.iter().fold(0usize, |a, &b| (a << 8) | b as usize))
    };
    hdr.checked_add(len).and_then(|end| d.get(..end)).unwrap_or(d)
}

/// Reads PEM bundles or DER files into DER certificates.
pub fn read_certificates(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for pem in Pem::iter_from_buffer(bytes).flatten() {
        match pem.label.as_str() {
            "CERTIFICATE" | "X509 CERTIFICATE" => out.push(pem.contents),
            // `openssl x509 -trustout`: the certificate, then OpenSSL's trust
            // settings (X509_CERT_AUX); the anchor is the certificate alone.
            "TRUSTED CERTIFICATE" => out.push(first_der_element(&pem.contents).to_vec()),
            _ => {}
        }
    }
    if out.is_empty() && X509Certificate::from_der(bytes).is_ok() {
        out.push(bytes.to_vec());
    }
    out
}
