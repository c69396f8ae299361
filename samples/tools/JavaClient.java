// A minimal Java TLS client, as an API gateway's message processor is one:
// default trust store (cacerts), SNI set explicitly, optional protocol.
// Usage: java JavaClient HOST PORT SNI [TLSv1.2|TLSv1.3]
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

public class JavaClient {
    public static void main(String[] a) throws Exception {
        SSLSocketFactory f = (SSLSocketFactory) SSLSocketFactory.getDefault();
        try (SSLSocket s = (SSLSocket) f.createSocket(a[0], Integer.parseInt(a[1]))) {
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(a[2])));
            if (a.length > 3) {
                p.setProtocols(new String[] {a[3]});
            }
            s.setSSLParameters(p);
            s.startHandshake();
            System.out.println("handshake ok");
        } catch (Exception e) {
            System.out.println("FAILED: " + e);
        }
    }
}
