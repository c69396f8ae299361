#!/usr/bin/env python3
"""Writes docs/failures.md from the golden reports of the samples, so that
every example in it is real output of the tool on a real capture.
Run after `samples/generate.sh --goldens`:  python3 scripts/failures_doc.py
tests/docs.rs checks that every quoted line is still in a golden."""
from pathlib import Path

top = Path(__file__).resolve().parent.parent
golden = top / "samples" / "golden"

# (error string users paste, where it comes from, sample golden, what the capture shows, what to fix)
ROWS = [
    ("PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target",
     "a Java client (an API gateway's message processor) that does not trust the server's chain",
     "java-pkix-tls12.pcap@jks",
     "ClientHello; ServerHello, Certificate, ServerHelloDone; the client's alert certificate_unknown (46), or just FIN and RST; nothing more from the client",
     "compare the chain with the gateway's trust store (run with --keystore or --ca-file): the report names the certificate that is missing; import that root into the trust store, or have the server send the missing intermediate"),
    ("PKIX path building failed (no alert, the client just closes)",
     "clients that close without telling the server why",
     "bare-close-after-certificate.pcap",
     "the FIELD-GUIDE pattern: the server's Certificate, then FIN and RST from the client",
     "the same as above: the chain is not trusted by the client"),
    ("Host name 'backend.company.com' does not match the certificate subject provided by the peer (CN=backend.apigee.net)",
     "the certificate's names do not cover the host the client connects to",
     "hostname-mismatch.pcap",
     "the SNI in the ClientHello and the leaf's subjectAltNames disagree; the client sends a certificate alert",
     "use a certificate whose subjectAltName includes the target host, or point the client at a name in the certificate"),
    ("Cannot verify ECDH ServerKeyExchange signature (Java 17: Invalid ECDH ServerKeyExchange signature)",
     "the server signs with a private key that does not belong to its certificate",
     "java-server-key-mismatch.pcap",
     "a ServerKeyExchange whose signature does not verify with the leaf's public key (the tool checks it), then the client's alert",
     "install the private key that belongs to the certificate (after a renewal, both must be replaced together)"),
    ("Received fatal alert: decrypt_error (openssl clients, same cause)",
     "the same key mismatch, seen by an OpenSSL client",
     "server-key-mismatch.pcap",
     "ServerKeyExchange, then the client's alert decrypt_error (51)",
     "as above"),
    ("General SSLEngine problem / Received fatal alert: handshake_failure",
     "no cipher suite (or signature algorithm, or group) in common",
     "no-shared-cipher.pcap",
     "the server answers the ClientHello with alert handshake_failure (40); no ServerHello",
     "enable a cipher suite both sides support; the report lists what the client offered"),
    ("Received fatal alert: protocol_version",
     "no TLS version in common",
     "version-mismatch.pcap",
     "alert protocol_version (70) answering the ClientHello",
     "enable TLS 1.2 or 1.3 on both ends"),
    ("Received fatal alert: unrecognized_name",
     "the server has no certificate for the SNI the client sent",
     "sni-rejected.pcap",
     "alert unrecognized_name (112) answering the ClientHello",
     "fix the host name the client uses, or configure the server for it"),
    ("Execution failed due to an internal error / Connection reset",
     "the backend (or a device before it) reset the TCP connection",
     "server-reset.pcap",
     "RST from the server right after the ClientHello, no TLS answer",
     "look at the server's TLS configuration and logs, SNI routing, and any load balancer or firewall in front of it"),
    ("Remote host terminated the handshake / unexpected end of file",
     "the backend closed the connection without a TLS answer",
     "server-closed.pcap",
     "FIN from the server right after the ClientHello",
     "as above"),
    ("Not a valid protocol version: ...",
     "the backend answered with something that is not TLS (plain HTTP on the TLS port)",
     "server-not-tls.pcap",
     "the server's first bytes after the ClientHello are not a TLS record (here HTTP/1.1 400)",
     "point the client at the TLS port, or enable TLS on the server"),
    ("(server side) http request / wrong version number",
     "the client sent plain HTTP to a TLS port",
     "client-not-tls.pcap",
     "plaintext from the client; the TLS server closes",
     "use https:// for this port"),
    ("Connection timed out",
     "no path to the backend: security group, ACL, route",
     "tcp-no-response.pcap",
     "SYN, retransmitted, never answered",
     "open the network path; TLS was never reached"),
    ("Connection refused (target not listening)",
     "nothing listens on the port",
     "refused.pcap",
     "SYN answered by RST",
     "check the target port and that the service is running"),
    ("certificate expired / NotAfter: ...",
     "a certificate in the chain has expired (at capture time)",
     "expired.pcap",
     "the client's alert certificate_expired (45) after the Certificate",
     "renew the certificate"),
    ("unable to get local issuer certificate (the intermediate is missing)",
     "the server sends its leaf without the intermediate",
     "missing-intermediate.pcap",
     "a Certificate message with one certificate; the client's alert unknown_ca (48)",
     "add the intermediate to the server's chain file"),
    ("Received fatal alert: certificate_required / bad_certificate (mutual TLS)",
     "the server requires a client certificate and the client sent none",
     "client-cert-required-tls12.pcap",
     "CertificateRequest, an empty client Certificate, the server's alert",
     "configure the gateway with a client certificate and key the server accepts"),
    ("Received fatal alert: certificate_required (TLS 1.3)",
     "the same in TLS 1.3, where everything is encrypted",
     "client-cert-required-tls13.pcap",
     "the client's encrypted flight is an empty Certificate and a Finished (record sizes), then an encrypted alert from the server",
     "as above (the alert itself is encrypted; with the client's key log, `--keylog`, it is opened: certificate_required (116))"),
    ("Received fatal alert: unknown_ca (server rejects the client certificate)",
     "the server does not trust the client's certificate",
     "client-cert-rejected.pcap",
     "the client's Certificate, then the server's alert unknown_ca (48)",
     "add the client certificate's CA to the server's trust store"),
    ("Read timed out (during the handshake)",
     "the server accepted the connection but never answered the ClientHello",
     "client-aborted.pcap",
     "ClientHello, nothing from the server, the client gives up (FIN)",
     "look at the server: overloaded, stuck, or not speaking TLS on that port"),
    ("upstream SSL certificate verify error: (20:unable to get local issuer certificate) while SSL handshaking to upstream (nginx 502)",
     "nginx with proxy_ssl_verify (and every gateway built on it) or Node.js completed the handshake, verified the chain afterwards and rejected it",
     "nginx-untrusted.pcap",
     "a complete TLS 1.2 handshake (Finished both ways), then, without any request, the client's encrypted alert (close_notify) and FIN; Node closes with a bare FIN",
     "add the backend's root to proxy_ssl_trusted_certificate (or the client's store), or fix the chain the finding names"),
    ("upstream SSL certificate does not match \"backend.company.com\" (nginx without proxy_ssl_server_name)",
     "nginx sends no SNI to the upstream unless proxy_ssl_server_name is on, so a backend that picks its certificate by SNI returns its default one",
     "nginx-no-sni.pcap",
     "a ClientHello without SNI, the backend's default certificate, a completed handshake and the client's close without a request",
     "set proxy_ssl_server_name on (and proxy_ssl_name), or give the backend's default certificate the right name"),
    ("400 No required SSL certificate was sent (nginx ssl_verify_client)",
     "the server asked for a client certificate, the client sent none, and the server completed the handshake anyway to answer 400 inside TLS",
     "nginx-client-cert-not-sent.pcap",
     "CertificateRequest, an empty client Certificate, then a completed handshake",
     "configure the client with a certificate the server accepts"),
    ("Execution failed due to an internal error (target resets on the load balancer)",
     "a completed connection, idle longer than the load balancer's or backend's idle timeout, was reset",
     "reset-after-idle.pcap",
     "a completed handshake, a request and its answer, seconds of silence, then a RST",
     "make the client's keep-alive idle timeout shorter than the server side's idle timeout (350 s on an AWS NLB)"),
    ("Connection reset by peer in the middle of a response",
     "the backend (or a proxy) aborted while data was flowing",
     "reset-mid-stream.pcap",
     "a completed handshake, data flowing, then a RST from the server",
     "look at the server's logs (a crash, a timeout); TLS is not the problem"),
    ("KeyUsage does not allow digital signatures (Java)",
     "the leaf's keyUsage lacks what the key exchange needs (digitalSignature for ECDHE)",
     "wrong-key-usage.pcap",
     "the server's Certificate, then the client's alert certificate_unknown (46)",
     "reissue the certificate with digitalSignature in its keyUsage"),
    ("handshake succeeded, the error is elsewhere (401/403, authorization)",
     "TLS is fine; the problem is in the application",
     "curl-tls13-ok.pcap",
     "a completed handshake and application data",
     "do not chase TLS: look at the HTTP exchange"),
]


def excerpt(name):
    """The verdict line, the explanation and the findings of a golden report."""
    lines = (golden / f"{name}.txt").read_text().splitlines()
    out = []
    for i, l in enumerate(lines):
        if l.startswith(("FAILED", "NO CONNECTION", "ok ")):
            out.append(l)
            if l.startswith(("FAILED", "NO CONNECTION")) and i + 1 < len(lines):
                out.append(lines[i + 1])
            break
    out += [l for l in lines if l.strip().startswith("! ")][:3]
    return out


parts = ["""# Failures: what the gateway says, what the capture shows, what to fix

For each error string that gateways, load balancers and clients print, the
packet pattern that goes with it, what `pcap-tls-audit` reports on a real
capture of it (the sample named, from `samples/`, recorded with real TLS
stacks; the excerpts are the tool's own output, written by
`scripts/failures_doc.py` from the golden reports and checked by
`tests/docs.rs`), and the fix.
"""]
for err, why, sample, shows, fix in ROWS:
    capture = sample.split("@")[0]
    parts.append(f"## `{err}`\n")
    parts.append(f"- **Means**: {why}.\n- **The capture shows**: {shows}.\n- **Fix**: {fix}.\n")
    parts.append(f"From `samples/{capture}` (golden `{sample}`):\n")
    parts.append("```text\n" + "\n".join(excerpt(sample)) + "\n```\n")
(top / "docs" / "failures.md").write_text("\n".join(parts))
print("docs/failures.md written")
