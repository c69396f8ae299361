//! Distinguished names as text, the way x509-parser and OpenSSL write them
//! (`C=US, O=Example, CN=host`), with every value escaped as the rest of the
//! report escapes text: a value that is not valid UTF-8 shows its bytes as
//! `\xff`, never a library's error text in place of the whole name.

use x509_parser::der_parser::asn1_rs::{Any, Tag};
use x509_parser::objects::{oid_registry, oid2abbrev};
use x509_parser::prelude::*;

use crate::escape;

/// `C=US, O=Example, CN=host`; attributes of one RDN joined by ` + `.
pub fn name_text(n: &X509Name) -> String {
    let mut out = String::new();
    for (i, rdn) in n.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        for (j, attr) in rdn.iter().enumerate() {
            if j > 0 {
                out.push_str(" + ");
            }
            match oid2abbrev(attr.attr_type(), oid_registry()) {
                Ok(abbrev) => out.push_str(abbrev),
                Err(_) => out.push_str(&format!("{:?}", attr.attr_type())),
            }
            out.push('=');
            out.push_str(&value_text(attr.attr_value()));
        }
    }
    out
}

/// A name's DER (a SEQUENCE of RDNs) as text; None when it cannot be decoded.
pub fn der_name_text(der: &[u8]) -> Option<String> {
    X509Name::from_der(der).ok().map(|(_, n)| name_text(&n))
}

fn value_text(v: &Any) -> String {
    match v.tag() {
        Tag::NumericString
        | Tag::VisibleString
        | Tag::PrintableString
        | Tag::GeneralString
        | Tag::ObjectDescriptor
        | Tag::GraphicString
        | Tag::T61String
        | Tag::VideotexString
        | Tag::Utf8String
        | Tag::Ia5String => escape::text(v.data),
        Tag::BmpString => {
            let units = v.data.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
            let mut s = String::new();
            for r in char::decode_utf16(units) {
                match r {
                    Ok(c) => s.push(c),
                    Err(e) => s.push_str(&format!("\\u{{{:04x}}}", e.unpaired_surrogate())),
                }
            }
            escape::text(s.as_bytes())
        }
        _ => v.data.iter().map(|b| format!("{b:02X}")).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Name of one RDN per (OID bytes, tag, value).
    fn name(attrs: &[(&[u8], u8, &[u8])]) -> Vec<u8> {
        fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
            let mut v = vec![tag, body.len() as u8];
            v.extend_from_slice(body);
            v
        }
        let mut rdns = Vec::new();
        for (oid, tag, value) in attrs {
            let mut atv = tlv(0x06, oid);
            atv.extend(tlv(*tag, value));
            rdns.extend(tlv(0x31, &tlv(0x30, &atv)));
        }
        tlv(0x30, &rdns)
    }

    #[test]
    fn names_are_written_as_openssl_does_and_invalid_bytes_escaped() {
        let cn = [0x55, 0x04, 0x03];
        let c = [0x55, 0x04, 0x06];
        let ok = name(&[(&c, 0x13, b"US"), (&cn, 0x0c, b"backend.company.com")]);
        assert_eq!(der_name_text(&ok).as_deref(), Some("C=US, CN=backend.company.com"));
        // A CN holding 0xff in a UTF8String: escaped, the rest still written.
        let bad = name(&[(&c, 0x13, b"US"), (&cn, 0x0c, b"back\xffend")]);
        assert_eq!(der_name_text(&bad).as_deref(), Some("C=US, CN=back\\xffend"));
        // BMPString (UTF-16BE).
        let bmp = name(&[(&cn, 0x1e, &[0, b'h', 0, b'i'])]);
        assert_eq!(der_name_text(&bmp).as_deref(), Some("CN=hi"));
    }
}
