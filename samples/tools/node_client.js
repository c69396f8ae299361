// A Node.js TLS client (tls.connect; TLS 1.2 by default so that the chain
// is visible) that trusts the given CA file: Node completes the handshake,
// checks the certificate afterwards and, rejecting it, closes without a
// request. With KEYLOG, its session secrets are appended there (NSS key
// log format, Node's 'keylog' event).
// Usage: node node_client.js HOST PORT SNI CAFILE [TLSv1.2|TLSv1.3] [KEYLOG]
const tls = require("tls");
const fs = require("fs");
const [host, port, sni, ca, version, keylog] = process.argv.slice(2);
const v = version || "TLSv1.2";
const s = tls.connect({ host, port: Number(port), servername: sni, ca: fs.readFileSync(ca), minVersion: v, maxVersion: v }, () => {
  console.log("handshake ok");
  s.end();
});
if (keylog) s.on("keylog", (line) => fs.appendFileSync(keylog, line));
s.on("error", (e) => console.log("FAILED:", e.message));
