//! What to change after a failure (`failure.fix`), written from typed facts:
//! who must act and one sentence that names the server, the name, the
//! certificate, the version or suite concerned. A chain's defect writes its
//! own (`chain::Defect::fix`, and `fix_commands`: a missing intermediate
//! fetched from its caIssuers URL); the other causes are written here.

use serde::Serialize;

use crate::chain::Defect;
use crate::names::alert_name;
use crate::tls::ClientHello;
use crate::vocabulary::{Blame, Cause, NamedCause, Who};

/// `failure.fix`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub who: Who,
    pub summary: String,
    pub commands: Vec<String>,
}

/// What a fix is written from.
pub struct Facts<'a> {
    pub cause: Cause,
    pub side: Blame,
    /// `IP:PORT` of the server.
    pub server: &'a str,
    pub sni: Option<&'a str>,
    /// The versions and suites the client offered, by name.
    pub offered_versions: &'a [String],
    pub offered_suites: usize,
    /// The chain's defect that explains the failure, if one does.
    pub reason: Option<&'a Defect>,
    /// The CAs the server asked client certificates of.
    pub client_cas: &'a [String],
    /// The trust stores the run knows, and where a certificate the server
    /// sent is exported (`--export-certs`): for the commands.
    pub stores: &'a Stores,
    /// The file the chain's root (sent by the server, missing from the
    /// store) is exported as, when it is.
    pub root_file: Option<String>,
}

/// The trust stores of the run (`--keystore`, `--ca-file`; both empty: the
/// built-in roots) and `--export-certs`' directory.
#[derive(Clone, Debug, Default)]
pub struct Stores {
    pub keystores: Vec<String>,
    pub ca_files: Vec<String>,
    pub export_dir: Option<String>,
}

/// `s` quoted for a POSIX shell; none when it holds a quote or a control
/// character (then no command is given).
fn quoted(s: &str) -> Option<String> {
    (!s.contains('\'') && !s.chars().any(char::is_control)).then(|| format!("'{s}'"))
}

/// An alias for a keystore entry: the subject's CN (or the whole subject),
/// lower case, with `-` for anything but letters and digits.
fn alias_of(subject: &str) -> String {
    let cn = subject.rsplit("CN=").next().unwrap_or(subject);
    let a: String = cn
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let a = a.trim_matches('-').to_string();
    if a.is_empty() {
        "ca".into()
    } else {
        a.chars().take(40).collect()
    }
}

/// The commands that add the root in `file` (exported) to the run's trust
/// stores, or, with the built-in roots, to the stores gateways run, each
/// labelled.
fn import_commands(subject: &str, file: &str, stores: &Stores) -> Vec<String> {
    let (Some(f), alias) = (quoted(file), alias_of(subject)) else {
        return Vec::new();
    };
    let mut c: Vec<String> = (stores.keystores.iter())
        .filter_map(|k| quoted(k))
        .map(|k| format!("keytool -importcert -noprompt -alias {alias} -file {f} -keystore {k}"))
        .collect();
    c.extend(
        stores
            .ca_files
            .iter()
            .filter_map(|b| quoted(b))
            .map(|b| format!("cat {f} >> {b}")),
    );
    if stores.keystores.is_empty() && stores.ca_files.is_empty() {
        c.push(format!("keytool -importcert -noprompt -alias {alias} -file {f} -cacerts  # a Java client or gateway: the JDK's cacerts"));
        c.push(format!(
            "sudo cp {f} /usr/local/share/ca-certificates/{alias}.crt && sudo update-ca-certificates  # Debian or Ubuntu: the system store (OpenSSL, curl, nginx's proxy_ssl_trusted_certificate when it points there)"
        ));
    }
    c
}

fn who(side: Blame) -> Who {
    match side {
        Blame::Client => Who::Client,
        Blame::Server => Who::Server,
        Blame::Network => Who::Network,
    }
}

/// The fix of a failure, from what the connection shows: its server
/// (`IP:PORT`), its ClientHello, the chain's defect that explains it, the
/// CAs the server asked client certificates of.
pub fn of_failure(
    fl: &crate::diagnose::Failure,
    (server, ch): (&str, Option<&ClientHello>),
    (reason, root_sha256): (Option<&Defect>, Option<&str>),
    client_cas: &[String],
    stores: &Stores,
) -> Fix {
    let sni = ch.and_then(|c| c.sni.as_ref()).map(|s| crate::escape::text(s));
    let versions: Vec<String> = ch
        .map(|c| {
            let vs = if c.supported_versions.is_empty() {
                vec![c.legacy_version]
            } else {
                c.supported_versions.clone()
            };
            (vs.into_iter())
                .filter(|v| !crate::names::is_grease(*v))
                .map(|v| crate::names::version_name(v).into_owned())
                .collect()
        })
        .unwrap_or_default();
    fix(&Facts {
        cause: fl.cause,
        side: fl.side,
        server,
        sni: sni.as_deref(),
        offered_versions: &versions,
        offered_suites: ch.map_or(0, |c| c.cipher_suites.len()),
        reason,
        client_cas,
        stores,
        root_file: (stores.export_dir.as_ref())
            .zip(root_sha256)
            .map(|(d, sha)| format!("{}/{sha}.pem", d.trim_end_matches('/'))),
    })
}

/// The fix of a failure.
pub fn fix(f: &Facts) -> Fix {
    let commands = match (f.cause, f.reason) {
        (Cause::Named(NamedCause::CertificateRejectedByClient), Some(Defect::RootNotTrusted { subject, .. })) => f
            .root_file
            .as_deref()
            .map_or_else(Vec::new, |file| import_commands(subject, file, f.stores)),
        (Cause::Named(NamedCause::CertificateRejectedByClient), Some(d)) => d.fix_commands(),
        _ => Vec::new(),
    };
    let (w, summary) = match f.cause {
        Cause::Named(NamedCause::CertificateRejectedByClient) => match f.reason.and_then(Defect::fix) {
            Some(d) => d,
            None => (
                Who::Client,
                "Read the client's log for the check its verification failed: the chain shows no defect against the run's trust store, so the client's own store (or a pinned key) differs.".into(),
            ),
        },
        Cause::Named(n) => named(n, f),
        Cause::Alert(d) => (
            who(f.side),
            format!(
                "The {} ended the handshake with alert {}: its log at that time says why.",
                f.side,
                alert_name(d)
            ),
        ),
    };
    Fix {
        who: w,
        summary,
        commands,
    }
}

fn named(n: NamedCause, f: &Facts) -> (Who, String) {
    use NamedCause::*;
    let server = f.server;
    let name = f.sni.map(|s| format!(" for \"{s}\"")).unwrap_or_default();
    match n {
        TcpNoResponse => (
            Who::Network,
            format!("Find what drops the SYNs to {server}: a firewall, security group or route, or no host at that address; check that the client connects to the right address and port."),
        ),
        TcpRefused => (
            Who::Server,
            format!("Nothing accepts connections on {server}: start the service there, or point the client at the port it listens on."),
        ),
        ServerReset | ServerClosed => (
            Who::Server,
            format!("Check that {server} serves TLS on this port and accepts this client{name} (allow-lists, known names); its log at that time says why it closed at the ClientHello."),
        ),
        ServerNotTls => (
            Who::Client,
            format!("{server} does not speak TLS on this port: connect to it without TLS, or to its TLS port."),
        ),
        ClientNotTls => (
            Who::Client,
            format!("Make the client speak TLS to {server} (https, not http), or point it at the port without TLS."),
        ),
        NoSharedVersion => (
            who(f.side),
            format!(
                "Enable a TLS version both sides support: the client offered {}; enable one of them on {server}, or on the client a version the server accepts.",
                if f.offered_versions.is_empty() { "no version the capture shows".into() } else { f.offered_versions.join(", ") }
            ),
        ),
        NoSharedCipher => (
            who(f.side),
            format!(
                "Enable a cipher suite both sides support: the client offered {} suites (listed in its ClientHello); enable one of them on {server}, or on the client a suite the server accepts.",
                f.offered_suites
            ),
        ),
        SniRejected => (
            Who::Server,
            format!("{server} serves no site{name}: add the name to its configuration, or make the client ask for a name it serves."),
        ),
        ServerKeyMismatch => (
            Who::Server,
            format!("Install on {server} the private key that belongs to its certificate (or the certificate of its key): the key exchange is not signed by the certificate's key."),
        ),
        ClientCertificateRequired => (
            Who::Client,
            format!(
                "Configure the client to send a client certificate{}.",
                if f.client_cas.is_empty() { String::new() } else { format!(" issued by one of the CAs the server names ({})", f.client_cas.join("; ")) }
            ),
        ),
        ClientCertificateRejected => (
            Who::Client,
            "Use a client certificate the server accepts (issued by a CA in its client CA list, valid, with clientAuth), or add its CA to the server's list.".into(),
        ),
        HandshakeFailedEncrypted => (
            Who::Capture,
            "Capture again with the session keys (the client's SSLKEYLOGFILE, given with --keylog): the reason is in the encrypted part of the handshake.".into(),
        ),
        ClientAborted | ServerAborted | CertificateRejectedByClient => (
            who(f.side),
            format!("The {} closed the connection mid-handshake without an alert: its log at that time says why.", f.side),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(cause: Cause, side: Blame) -> Facts<'static> {
        Facts {
            cause,
            side,
            server: "203.0.113.7:443",
            sni: Some("backend.company.com"),
            offered_versions: &[],
            offered_suites: 17,
            reason: None,
            client_cas: &[],
            stores: Box::leak(Box::default()),
            root_file: None,
        }
    }

    #[test]
    fn every_cause_has_a_fix_that_names_what_it_concerns() {
        for n in NamedCause::ALL {
            let side = if *n == NamedCause::TcpNoResponse {
                Blame::Network
            } else {
                Blame::Client
            };
            let f = fix(&facts(Cause::Named(*n), side));
            assert!(f.summary.ends_with('.'), "{n}: {}", f.summary);
            assert!(
                f.summary
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()),
                "{n}"
            );
        }
        let f = fix(&facts(Cause::Named(NamedCause::TcpRefused), Blame::Server));
        assert_eq!(f.who, Who::Server);
        assert!(f.summary.contains("203.0.113.7:443"));
        let f = fix(&facts(Cause::Named(NamedCause::SniRejected), Blame::Server));
        assert!(f.summary.contains("\"backend.company.com\""));
        let f = fix(&facts(Cause::Alert(50), Blame::Server));
        assert!(f.summary.contains("decode_error"), "{}", f.summary);
    }

    #[test]
    fn a_rejected_chain_is_fixed_where_its_defect_says() {
        let d = Defect::MissingIntermediate {
            index: 0,
            issuer: "CN=Issuing CA".into(),
            key_id: Some("aa:bb".into()),
            published: Some("http://pki.example/issuing.crt".into()),
        };
        let mut f = facts(Cause::Named(NamedCause::CertificateRejectedByClient), Blame::Client);
        f.reason = Some(&d);
        let x = fix(&f);
        assert_eq!(x.who, Who::Server);
        assert!(
            x.summary.contains("\"CN=Issuing CA\" (key identifier aa:bb)"),
            "{}",
            x.summary
        );
        f.reason = None;
        assert_eq!(fix(&f).who, Who::Client);
    }
}
