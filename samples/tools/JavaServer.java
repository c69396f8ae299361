// A minimal Java TLS server (SunJSSE) that requires a client certificate,
// as a Java backend with needClientAuth does.
// Usage: java JavaServer PORT KEYSTORE.p12 PASSWORD TLSv1.2|TLSv1.3
import java.io.FileInputStream;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

public class JavaServer {
    public static void main(String[] a) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(a[1])) {
            ks.load(in, a[2].toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, a[2].toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        try (SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(Integer.parseInt(a[0]))) {
            ss.setNeedClientAuth(true);
            ss.setEnabledProtocols(new String[] {a[3]});
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                s.startHandshake();
                System.out.println("handshake ok");
            } catch (Exception e) {
                System.out.println("FAILED: " + e);
            }
        }
    }
}
