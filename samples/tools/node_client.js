// A Node.js TLS client (tls.connect, TLS 1.2 so that the chain is visible)
// that trusts the given CA file: Node completes the handshake, checks the
// certificate afterwards and, rejecting it, closes without a request.
// Usage: node node_client.js HOST PORT SNI CAFILE
const tls = require("tls");
const fs = require("fs");
const [host, port, sni, ca] = process.argv.slice(2);
const s = tls.connect({ host, port: Number(port), servername: sni, ca: fs.readFileSync(ca), maxVersion: "TLSv1.2" }, () => {
  console.log("handshake ok");
  s.end();
});
s.on("error", (e) => console.log("FAILED:", e.message));
