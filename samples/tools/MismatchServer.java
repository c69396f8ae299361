// A TLS 1.2 server (Java's own TLS stack) whose key manager returns the right
// certificate chain but an unrelated private key: it signs its
// ServerKeyExchange with a key that does not belong to its certificate, as a
// server does after a certificate renewal that forgot the key. openssl and
// python refuse to start with such a pair; Java does not check.
// Usage: java MismatchServer PORT CHAIN.pem WRONG-KEY.pem (PKCS#8, RSA)
import java.io.FileInputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

public class MismatchServer {
    static PrivateKey key(String path) throws Exception {
        String pem = Files.readString(Path.of(path));
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(b64);
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    public static void main(String[] a) throws Exception {
        int port = Integer.parseInt(a[0]);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        X509Certificate[] chain;
        try (FileInputStream in = new FileInputStream(a[1])) {
            chain = cf.generateCertificates(in).toArray(new X509Certificate[0]);
        }
        PrivateKey wrong = key(a[2]);
        X509ExtendedKeyManager km = new X509ExtendedKeyManager() {
            public String[] getClientAliases(String t, Principal[] i) { return null; }
            public String chooseClientAlias(String[] t, Principal[] i, Socket s) { return null; }
            public String[] getServerAliases(String t, Principal[] i) { return new String[] {"server"}; }
            public String chooseServerAlias(String t, Principal[] i, Socket s) { return "RSA".equals(t) ? "server" : null; }
            public String chooseEngineServerAlias(String t, Principal[] i, SSLEngine e) { return "RSA".equals(t) ? "server" : null; }
            public X509Certificate[] getCertificateChain(String alias) { return chain; }
            public PrivateKey getPrivateKey(String alias) { return wrong; }
        };
        SSLContext ctx = SSLContext.getInstance("TLSv1.2");
        ctx.init(new KeyManager[] {km}, null, null);
        SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory()
                .createServerSocket(port, 1, InetAddress.getByName("127.0.0.1"));
        ss.setEnabledProtocols(new String[] {"TLSv1.2"});
        try (SSLSocket s = (SSLSocket) ss.accept()) {
            s.startHandshake();
        } catch (Exception e) {
            System.out.println("server: " + e);
        }
    }
}
